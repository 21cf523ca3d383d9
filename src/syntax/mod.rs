//! Text to AST: the pest grammar, its error messages, and the lowering to typed nodes.

pub(crate) mod lower;
pub(crate) mod parser;

use crate::ast::Policy;
use crate::diagnostic::{Code, Diagnostic};
use crate::span::{self, FileId};

/// How deeply brackets and prefix operators may nest, and expressions in general: far beyond
/// any regulation, and low enough that no stage (all recursive) can exhaust the stack.
pub const MAX_NESTING: usize = 64;
/// How deep an expression tree may be (long chains like `a + b + c + …` are deep too).
pub const MAX_DEPTH: usize = 256;

/// Parses one policy file. On failure, the diagnostics say where and what was expected.
pub fn parse(file: FileId, text: &str) -> Result<Policy, Vec<Diagnostic>> {
    if let Some(d) = too_nested(file, text) {
        return Err(vec![d]);
    }
    let mut pairs = parser::parse_pairs(file, text).map_err(|d| vec![d])?;
    let Some(root) = pairs.next() else {
        return Err(vec![Diagnostic::general(
            Code::InternalError,
            "empty parse tree",
        )]);
    };
    let policy = lower::Lowerer::new(file, text).policy(root)?;
    if let Some(span) = deepest_expression(&policy) {
        return Err(vec![
            Diagnostic::error(
                Code::TooDeep,
                span,
                format!("this expression is nested more than {MAX_DEPTH} levels deep"),
            )
            .with_help("split it into definitions"),
        ]);
    }
    Ok(policy)
}

/// The version label of a file and the label it extends, from its header alone: the rest of
/// the file is not parsed. None when the header does not parse. What finding a version's
/// layers among the files beside it needs; a file that [`parse`] accepts gives its header's
/// labels here.
pub fn header_labels(text: &str) -> Option<(String, Option<String>)> {
    header_of(text).map(|h| (h.version.node, h.extends.map(|e| e.node)))
}

/// The policy id a file's header declares, read as [`header_labels`] reads the labels.
pub fn header_policy_id(text: &str) -> Option<String> {
    header_of(text).map(|h| h.policy.node)
}

/// The header of a file, from its header alone.
fn header_of(text: &str) -> Option<crate::ast::Header> {
    // What pest skips before the header: spaces, line ends and comments.
    let mut rest = text;
    loop {
        let trimmed = rest.trim_start_matches([' ', '\t', '\n', '\r']);
        match trimmed.strip_prefix('#') {
            Some(comment) => {
                rest = comment
                    .find(['\n', '\r'])
                    .map_or("", |i| comment.get(i..).unwrap_or(""));
            }
            None => {
                rest = trimmed;
                break;
            }
        }
    }
    let pair = parser::parse_header(rest)?;
    lower::Lowerer::new(FileId::default(), "").header(pair).ok()
}

/// Finds brackets or prefix operators (`not`, `-`) nested beyond [`MAX_NESTING`], before the
/// recursive parser sees them.
fn too_nested(file: FileId, text: &str) -> Option<Diagnostic> {
    let mut offset = 0;
    let mut depth: usize = 0;
    let mut prefixes: usize = 0;
    for line in text.split_inclusive('\n') {
        if !line.trim_start().starts_with('|') {
            let code = code_part(line);
            for (i, c) in code.char_indices() {
                match c {
                    '(' | '[' => depth += 1,
                    ')' | ']' => depth = depth.saturating_sub(1),
                    _ => {}
                }
                if depth > MAX_NESTING {
                    return Some(nesting(file, offset + i));
                }
            }
            // `not not not …` and `- - -x` nest without brackets.
            for (pos, token) in words(&code) {
                if token == "not" || token.starts_with('-') || token.starts_with("(-") {
                    prefixes += 1;
                } else {
                    prefixes = 0;
                }
                if prefixes > MAX_NESTING {
                    return Some(nesting(file, offset + pos));
                }
            }
        }
        offset += line.len();
    }
    None
}

/// A line without its comment, strings blanked (so brackets in texts do not count).
/// The words of `code` (split at whitespace, as `split_whitespace`) with their byte offsets.
fn words(code: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut start = None;
    code.char_indices()
        .chain(std::iter::once((code.len(), ' ')))
        .filter_map(move |(i, c)| match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                start = None;
                Some((s, code.get(s..i).unwrap_or("")))
            }
            (false, None) => {
                start = Some(i);
                None
            }
            _ => None,
        })
}

fn code_part(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in line.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '#' if !in_string => break,
            _ => {}
        }
        out.push(if in_string && c != '"' { ' ' } else { c });
    }
    out
}

fn nesting(file: FileId, at: usize) -> Diagnostic {
    Diagnostic::error(
        Code::TooDeep,
        span::Span::new(file, at, at + 1),
        format!("brackets or operators are nested more than {MAX_NESTING} levels deep"),
    )
    .with_help("split the expression into definitions")
}

/// The span of an expression deeper than [`MAX_DEPTH`], if any.
fn deepest_expression(policy: &Policy) -> Option<span::Span> {
    let mut roots: Vec<&crate::ast::Expr> = Vec::new();
    for item in &policy.items {
        collect_roots(&item.kind, &mut roots);
    }
    roots
        .into_iter()
        .find(|e| depth(e) > MAX_DEPTH)
        .map(|e| e.span)
}

fn collect_roots<'a>(kind: &'a crate::ast::ItemKind, out: &mut Vec<&'a crate::ast::Expr>) {
    use crate::ast::{ItemKind, Override};
    let rule_exprs = |r: &'a crate::ast::Rule, out: &mut Vec<&'a crate::ast::Expr>| {
        out.extend(r.condition.iter());
        out.extend(r.value.iter());
    };
    match kind {
        ItemKind::Record(r) => {
            out.extend(r.fields.iter().filter_map(|f| f.default.as_ref()));
            out.extend(r.requires.iter().map(|q| &q.condition));
        }
        ItemKind::Input(i) => out.extend(i.default.iter()),
        ItemKind::Parameter(p) | ItemKind::Override(Override::Parameter(p)) => {
            out.extend(p.value.iter())
        }
        ItemKind::Definition(d) => out.push(&d.body),
        ItemKind::Conclusion(c) => c.rules.iter().for_each(|r| rule_exprs(r, out)),
        ItemKind::Override(Override::Rule { rule, .. }) => rule_exprs(rule, out),
        ItemKind::Clause(_)
        | ItemKind::Label(_)
        | ItemKind::Unit(_)
        | ItemKind::Enum(_)
        | ItemKind::Override(Override::Clause(_)) => {}
    }
}

/// The depth of an expression tree, computed without recursion.
fn depth(root: &crate::ast::Expr) -> usize {
    use crate::ast::ExprKind as K;
    let mut max = 0;
    let mut stack = vec![(root, 1usize)];
    while let Some((e, d)) = stack.pop() {
        max = max.max(d);
        if max > MAX_DEPTH {
            break;
        }
        let children: Vec<&crate::ast::Expr> = match &e.node {
            K::Field(x, _) | K::Unary(_, x) | K::Is(x, _) | K::As(x, _) => vec![x],
            K::Binary(_, a, b) => vec![a, b],
            K::If(a, b, c) => vec![a, b, c],
            K::Call(_, args) | K::List(args) => args.iter().collect(),
            K::Aggregate {
                list,
                value,
                condition,
                ..
            } => {
                let mut v: Vec<&crate::ast::Expr> = vec![list];
                v.extend(value.as_deref());
                v.extend(condition.as_deref());
                v
            }
            _ => Vec::new(),
        };
        stack.extend(children.into_iter().map(|c| (c, d + 1)));
    }
    max
}

#[cfg(test)]
mod tests;
