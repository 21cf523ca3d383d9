//! Text to AST: the pest grammar, its error messages, and the lowering to typed nodes.

pub(crate) mod lower;
pub(crate) mod parser;

use crate::ast::Policy;
use crate::diagnostic::{Code, Diagnostic};
use crate::span::{self, FileId, Span};

/// How deeply brackets and prefix operators may nest, and expressions in general: far beyond
/// any regulation, and low enough that no stage (all recursive) can exhaust the stack.
pub const MAX_NESTING: usize = 64;
/// How deep an expression tree may be (long chains like `a + b + c + …` are deep too).
pub const MAX_DEPTH: usize = 256;

/// Parses one policy file. On failure, the diagnostics say where and what was expected.
pub fn parse(file: FileId, text: &str) -> Result<Policy, Vec<Diagnostic>> {
    let halves = split_point(text).and_then(|at| parse_in_halves(file, text, at));
    let (policy, too_deep_at) = match halves {
        Some(halves) => halves,
        None => {
            if let Some(d) = too_nested(file, text).0 {
                return Err(vec![d]);
            }
            let policy = parse_whole(file, text)?;
            let at = deepest_expression(&policy.items);
            (policy, at)
        }
    };
    match too_deep_at {
        Some(span) => Err(vec![too_deep(span)]),
        None => Ok(policy),
    }
}

fn too_deep(span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::TooDeep,
        span,
        format!("this expression is nested more than {MAX_DEPTH} levels deep"),
    )
    .with_help("split it into definitions")
}

/// Parses and lowers a file in one piece, on the calling thread.
fn parse_whole(file: FileId, text: &str) -> Result<Policy, Vec<Diagnostic>> {
    let mut pairs = parser::parse_pairs(file, text).map_err(|d| vec![d])?;
    let Some(root) = pairs.next() else {
        return Err(vec![Diagnostic::general(
            Code::InternalError,
            "empty parse tree",
        )]);
    };
    lower::Lowerer::new(file, text).policy(root)
}

/// From this size on, a file is parsed in two halves on two cores, when the machine has them:
/// pest's parse is about half of a load, and a regulation's main file (the BTS annex is 50 KB)
/// is most of the text. Below it, a thread costs more than it saves.
const SPLIT_FROM: usize = 16 * 1024;

/// The words that start a declaration at the top of a file.
const ITEM_WORDS: [&str; 10] = [
    "clause",
    "conclusion",
    "definition",
    "enum",
    "input",
    "label",
    "override",
    "parameter",
    "record",
    "unit",
];

/// Where to cut a large file in two: the first line from its middle on that starts, at its
/// first column, with a declaration's word and a space. None for a small file, or on one core.
///
/// Parsing the two sides apart gives exactly the whole file's parse whenever both sides parse
/// (the first as a file, the second as items): no declaration can continue with a
/// declaration's word (the grammar keeps them out of units and field names for that reason),
/// so the whole file's first half ends where the first side ends, and the second begins
/// there. Comments, strings and clause texts never span lines, so a line's first column is
/// never inside one; a text that goes on over several lines (its pieces joined with one
/// space) goes on with lines that start with a quote, after spaces or not, never with a word. When either side fails, the whole file is parsed again in one piece, so
/// its diagnostics are those of the one-piece parse. `syntax::tests` checks the equality at
/// every possible cut of every policy of the repository.
fn split_point(text: &str) -> Option<usize> {
    if text.len() < SPLIT_FROM || crate::parallel::cores() < 2 {
        return None;
    }
    cut_points(text).find(|&at| at >= text.len() / 2)
}

/// Every line start where [`split_point`] may cut.
fn cut_points(text: &str) -> impl Iterator<Item = usize> + '_ {
    let bytes = text.as_bytes();
    memchr::memchr_iter(b'\n', bytes)
        .map(|i| i + 1)
        .filter(move |&at| {
            let line = bytes.get(at..).unwrap_or_default();
            ITEM_WORDS.iter().any(|word| {
                line.strip_prefix(word.as_bytes())
                    .is_some_and(|rest| matches!(rest.first(), Some(b' ' | b'\t')))
            })
        })
}

/// Parses `text` cut at `at`: the header and the items before `at` on another thread, the
/// items from `at` on this one, then joins them; with the policy, the first expression deeper
/// than [`MAX_DEPTH`], each side looking through its own. None when either side does not parse, or is
/// nested too deeply: [`parse`] then reads the file again in one piece, for its diagnostics.
///
/// Each side is checked for nesting ([`too_nested`]) before it is parsed, as the whole file
/// would be, and in the same pass: pest parses each side on its own, from no bracket open.
/// When the first side leaves a bracket open, the whole file's check would read the second
/// side otherwise: that file is read again in one piece too.
fn parse_in_halves(file: FileId, text: &str, at: usize) -> Option<(Policy, Option<Span>)> {
    let (head, tail) = (text.get(..at)?, text.get(at..)?);
    std::thread::scope(|scope| {
        let first = scope.spawn(move || match too_nested(file, head) {
            (None, 0) => {
                let policy = parse_whole(file, head).ok()?;
                let too_deep_at = deepest_expression(&policy.items);
                Some((policy, too_deep_at))
            }
            _ => None,
        });
        // The text before `at` as one comment line: pest skips it at memchr speed, and the
        // second side's positions are those of the whole file.
        let mut padded = String::with_capacity(text.len());
        padded.push('#');
        padded.extend(std::iter::repeat_n(' ', at.checked_sub(2)?));
        padded.push('\n');
        padded.push_str(tail);
        let second = match too_nested(file, &padded) {
            (None, _) => parser::parse_items(&padded)
                .and_then(|root| lower::Lowerer::for_part(file, tail, at).items(root).ok())
                .map(|(items, comments)| {
                    let too_deep_at = deepest_expression(&items);
                    (items, comments, too_deep_at)
                }),
            (Some(_), _) => None,
        };
        let (mut policy, first_too_deep) = first.join().ok().flatten()?;
        let (items, trailing_comments, second_too_deep) = second?;
        // The comments after the first side's last item precede the second side's first.
        let mut pending = std::mem::take(&mut policy.trailing_comments);
        let mut items = items.into_iter();
        match items.next() {
            Some(mut next) => {
                pending.append(&mut next.comments);
                next.comments = pending;
                policy.items.push(next);
                policy.items.extend(items);
                policy.trailing_comments = trailing_comments;
            }
            None => {
                pending.extend(trailing_comments);
                policy.trailing_comments = pending;
            }
        }
        Some((policy, first_too_deep.or(second_too_deep)))
    })
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

/// Where the word `draft` stands in a file's header (byte offsets in `text`), read as
/// [`header_labels`] reads the labels; none for a version that is not a draft.
pub fn header_draft(text: &str) -> Option<Span> {
    let (header, offset) = header_at(text)?;
    let span = header.draft?.span;
    Some(Span::new(span.file, span.start + offset, span.end + offset))
}

/// The header of a file, from its header alone.
fn header_of(text: &str) -> Option<crate::ast::Header> {
    header_at(text).map(|(header, _)| header)
}

/// The header of a file, from its header alone, and where it starts in `text` (its spans are
/// relative to that start).
fn header_at(text: &str) -> Option<(crate::ast::Header, usize)> {
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
    let header = lower::Lowerer::new(FileId::default(), "")
        .header(pair)
        .ok()?;
    Some((header, text.len() - rest.len()))
}

/// Finds brackets or prefix operators (`not`, `-`) nested beyond [`MAX_NESTING`], before the
/// recursive parser sees them. One pass over each line of code, without copying it. With the
/// diagnostic, how many brackets the text leaves open.
fn too_nested(file: FileId, text: &str) -> (Option<Diagnostic>, usize) {
    let mut offset = 0;
    let mut depth: usize = 0;
    let mut prefixes: usize = 0;
    let mut nesting_words: usize = 0;
    for line in text.split_inclusive('\n') {
        if !line.trim_start().starts_with('|') {
            let mut code_end = line.len();
            for (i, c) in code_chars(line) {
                match c {
                    '(' | '[' => depth += 1,
                    ')' | ']' => depth = depth.saturating_sub(1),
                    '#' => code_end = i,
                    _ => {}
                }
                if depth > MAX_NESTING {
                    return (Some(nesting(file, offset + i)), depth);
                }
            }
            let code = line.get(..code_end).unwrap_or("");
            if starts_statement(code) {
                nesting_words = 0;
            }
            // `not not not …` and `- - -x` nest without brackets.
            for (pos, token) in words(code) {
                // So do `if`, the aggregates and `of`: counted over the whole statement, as
                // they close nowhere (`else if … else if …` nests as deep as it is long).
                nesting_words += nesting_words_in(token);
                if nesting_words > MAX_NESTING {
                    return (Some(words_nesting(file, offset + pos)), depth);
                }
                if token == "not" || token.starts_with('-') || token.starts_with("(-") {
                    prefixes += 1;
                } else {
                    prefixes = 0;
                }
                if prefixes > MAX_NESTING {
                    return (Some(nesting(file, offset + pos)), depth);
                }
            }
        }
        offset += line.len();
    }
    (None, depth)
}

/// The characters of a line as the nesting checks read them: those of quoted texts blanked
/// (brackets and words in texts do not count), and a `#` outside texts, which starts the
/// comment, as the last.
fn code_chars(line: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    let mut in_string = false;
    let mut escaped = false;
    let mut in_comment = false;
    line.char_indices().map_while(move |(i, c)| {
        if in_comment {
            return None;
        }
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '#' if !in_string => in_comment = true,
            _ => {}
        }
        Some((i, if in_string && c != '"' { ' ' } else { c }))
    })
}

/// The words of a line's code (split at whitespace, as `split_whitespace`, quoted texts
/// blanked) with their byte offsets. A word's characters are all outside texts but for its
/// quotes, so it is the same slice of the line.
fn words(code: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut start = None;
    code_chars(code)
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

/// The words that nest without brackets: each opens an expression (or a type) inside the one
/// it stands in, and the parser reads nested expressions by recursion.
const NESTING_WORDS: [&str; 8] = [
    "if", "count", "sum", "any", "every", "each", "of", "optional",
];

/// The words that a nesting word may follow with no space between (`elseif`, `thenif`): the
/// grammar reads them apart.
const GLUE_WORDS: [&str; 9] = [
    "then",
    "else",
    "in",
    "where",
    "satisfies",
    "for",
    "not",
    "and",
    "or",
];

/// The words that begin a statement: the count of nesting words starts again there.
const STATEMENT_WORDS: [&str; 16] = [
    "rule",
    "exception",
    "when",
    "gives",
    "definition",
    "conclusion",
    "input",
    "parameter",
    "require",
    "record",
    "enum",
    "unit",
    "label",
    "row",
    "columns",
    "=",
];

/// Whether a line of code begins a statement.
fn starts_statement(code: &str) -> bool {
    code.split_whitespace()
        .next()
        .is_some_and(|w| STATEMENT_WORDS.contains(&w))
}

/// How many nesting words a word of code holds, glued or not (`elseif` one, `(count` one):
/// an over-count (`anyone`, `official` count one) only brings the limit nearer, never lets
/// a deeper nesting through.
fn nesting_words_in(token: &str) -> usize {
    let skip = |w: &str| {
        w.trim_start_matches(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .to_string()
    };
    let mut rest = skip(token);
    let mut count = 0;
    'strip: loop {
        for word in NESTING_WORDS {
            if let Some(after) = rest.strip_prefix(word) {
                count += 1;
                rest = skip(after);
                continue 'strip;
            }
        }
        for word in GLUE_WORDS {
            if let Some(after) = rest.strip_prefix(word) {
                rest = skip(after);
                continue 'strip;
            }
        }
        return count;
    }
}

fn words_nesting(file: FileId, at: usize) -> Diagnostic {
    Diagnostic::error(
        Code::TooDeep,
        span::Span::new(file, at, at + 1),
        format!(
            "more than {MAX_NESTING} of `if`, `count`, `sum`, `any`, `every`, `each`, `of` and \
             `optional` in one statement: they nest without brackets"
        ),
    )
    .with_help("split the expression into definitions")
}

fn nesting(file: FileId, at: usize) -> Diagnostic {
    Diagnostic::error(
        Code::TooDeep,
        span::Span::new(file, at, at + 1),
        format!("brackets or operators are nested more than {MAX_NESTING} levels deep"),
    )
    .with_help("split the expression into definitions")
}

/// The span of the first expression of `items` deeper than [`MAX_DEPTH`], if any.
fn deepest_expression(items: &[crate::ast::Item]) -> Option<span::Span> {
    let mut roots: Vec<&crate::ast::Expr> = Vec::new();
    for item in items {
        collect_roots(&item.kind, &mut roots);
    }
    roots
        .into_iter()
        .find(|e| depth(e) > MAX_DEPTH)
        .map(|e| e.span)
}

fn collect_roots<'a>(kind: &'a crate::ast::ItemKind, out: &mut Vec<&'a crate::ast::Expr>) {
    use crate::ast::{AddedRow, ItemKind, Override};
    let rule_exprs = |r: &'a crate::ast::Rule, out: &mut Vec<&'a crate::ast::Expr>| {
        out.extend(r.condition.iter());
        out.extend(r.value.iter());
        for cell in r.cells.iter().flatten() {
            match &cell.node {
                crate::ast::Cell::Any => {}
                crate::ast::Cell::Equal(e) | crate::ast::Cell::Compare(_, e) => out.push(e),
                crate::ast::Cell::In { list, .. } => out.push(list),
                crate::ast::Cell::Range { low, high, .. } => out.extend([low, high]),
            }
        }
    };
    match kind {
        ItemKind::Record(r) => {
            out.extend(r.fields.iter().filter_map(|f| f.default.as_ref()));
            out.extend(r.requires.iter().map(|q| &q.condition));
        }
        ItemKind::Input(i) => {
            out.extend(i.default.iter());
            out.extend(i.requires.iter().map(|q| &q.condition));
        }
        ItemKind::Parameter(p) => out.extend(p.value.iter()),
        ItemKind::Override(Override::Parameter(p)) => out.extend(p.value.iter()),
        ItemKind::Definition(d) => out.push(&d.body),
        ItemKind::Override(Override::Definition(d)) => out.push(&d.body),
        ItemKind::Conclusion(c) => {
            out.extend(c.table.iter().flat_map(|t| t.columns.iter()));
            c.rules.iter().for_each(|r| rule_exprs(r, out));
        }
        ItemKind::Override(Override::Rule { rule, .. }) | ItemKind::Row(AddedRow { rule, .. }) => {
            rule_exprs(rule, out)
        }
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
