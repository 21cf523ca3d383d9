//! Text to AST: the pest grammar, its error messages, and the lowering to typed nodes.

pub mod lower;
pub mod parser;
pub mod span;

use crate::ast::Policy;
use crate::diagnostic::Diagnostic;
use crate::syntax::span::FileId;

/// Parses one policy file. On failure, the diagnostics say where and what was expected.
pub fn parse(file: FileId, text: &str) -> Result<Policy, Vec<Diagnostic>> {
    let mut pairs = parser::parse_pairs(file, text).map_err(|d| vec![d])?;
    let Some(root) = pairs.next() else {
        return Err(vec![Diagnostic::general("internal-error", "empty parse tree")]);
    };
    lower::Lowerer::new(file, text).policy(root)
}


#[cfg(test)]
mod tests;
