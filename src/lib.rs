//! clausier: a rules engine for regulations.
//!
//! Policies are text files in a small declarative language; the pipeline is
//! text → [`ast`] (with spans) → checked policy → compiled policy → decision.

pub mod ast;
pub mod diagnostic;
pub mod format;
pub mod syntax;
