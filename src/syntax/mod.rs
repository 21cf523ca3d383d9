//! Text to AST: the pest grammar, its error messages, and the lowering to typed nodes.

pub(crate) mod lower;
mod nesting;
pub(crate) mod parser;

use crate::ast::Policy;
use crate::diagnostic::{Code, Diagnostic};
use crate::span::{FileId, Span};

pub(crate) use nesting::nesting;
use nesting::too_nested;
#[cfg(test)]
use nesting::{STATEMENT_WORDS, nesting_words_in, words_nesting};

/// How deeply brackets and prefix operators may nest, and expressions in general: far beyond
/// any regulation, and low enough that no stage (all recursive) can exhaust the stack.
pub const MAX_NESTING: usize = 64;
/// How deep an expression tree may be (long chains like `a + b + c + …` are deep too).
pub const MAX_DEPTH: usize = 256;

/// Parses one policy file. On failure, the diagnostics say where and what was expected.
pub fn parse(file: FileId, text: &str) -> Result<Policy, Vec<Diagnostic>> {
    match parts_of(text) {
        Some(cuts) => parse_cut(file, text, &cuts),
        None => parse_one_piece(file, text),
    }
}

/// [`parse`] of a file in one piece, on the calling thread: the nesting pre-check, then the
/// parse and the lowering.
fn parse_one_piece(file: FileId, text: &str) -> Result<Policy, Vec<Diagnostic>> {
    match too_nested(file, text).0 {
        Some(d) => Err(vec![d]),
        None => parse_whole(file, text),
    }
}

/// [`parse`] of a file cut at `cuts` (increasing line starts, from [`cut_points`]): what the
/// file parsed whole gives, the parts parsed on the cores.
fn parse_cut(file: FileId, text: &str, cuts: &[usize]) -> Result<Policy, Vec<Diagnostic>> {
    match parse_in_parts(file, text, cuts) {
        Ok(InParts::Joined(policy)) => Ok(*policy),
        Ok(InParts::Refused(from)) if from > 0 => match parser::items_error(file, text, from) {
            Some(d) => Err(vec![d]),
            // The part was refused for its end alone (a declaration left unfinished before
            // the next): the file is read whole.
            None => parse_whole(file, text),
        },
        Ok(InParts::Refused(_) | InParts::Whole) => parse_whole(file, text),
        Err(d) => Err(vec![d]),
    }
}

/// What a file parsed in parts and in one piece give.
type CutAndWhole = (
    Result<Policy, Vec<Diagnostic>>,
    Result<Policy, Vec<Diagnostic>>,
);

/// [`parse`] of `text` cut at every line where a declaration starts, whatever its size, and
/// [`parse`] of it in one piece, which agree, spans and diagnostics included; none when there
/// is no place to cut. For the fuzz target that checks it on texts of any size (a file is cut
/// from 16 KB on only).
#[doc(hidden)]
pub fn parse_cut_and_whole(file: FileId, text: &str) -> Option<CutAndWhole> {
    let cuts: Vec<usize> = cut_points(text).collect();
    if cuts.is_empty() {
        return None;
    }
    Some((parse_cut(file, text, &cuts), parse_one_piece(file, text)))
}

/// Whether pest accepts `text`, parsed as [`parse`] parses it (a large file in parts on the
/// cores) but without the nesting pre-check and without lowering the pairs to an AST: what pest
/// alone costs of a load, the floor under [`parse`]. For the benches; no diagnostic.
#[doc(hidden)]
pub fn recognize(text: &str) -> bool {
    let Some(parts) = parts_of(text).and_then(|cuts| split_at(text, &cuts)) else {
        return parser::parse_pairs(FileId::default(), text).is_ok();
    };
    crate::parallel::map(&parts, |&(from, part)| {
        if from == 0 {
            parser::parse_pairs(FileId::default(), part).is_ok()
        } else {
            parser::parse_items(part).is_some()
        }
    })
    .into_iter()
    .all(|ok| ok)
}

pub(crate) fn too_deep(span: Span) -> Diagnostic {
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

/// From this size on, a file is parsed in parts on the machine's cores, when it has several:
/// pest's parse is most of a load, and a regulation's main file (the BTS annex is 50 KB) is
/// most of the text. Below it, a thread costs more than it saves.
const SPLIT_FROM: usize = 16 * 1024;

/// A large file is cut in one part per this many bytes, about (two at least,
/// [`PARTS_PER_CORE`] per core at most). The cores take the parts in turn, each the next as it
/// finishes its last, so that parts of unequal cost (a conclusion costs pest more than a
/// clause of the same length) even out. A part costs a parser's setup and a line index of its
/// own, nothing next to its parse from this size on.
const PART_SIZE: usize = 8 * 1024;

/// How many parts a core may have to take, at most: past that, parts even out no better.
const PARTS_PER_CORE: usize = 8;

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

/// Where to cut a large file in parts: line starts that start, at their first column, with a
/// declaration's word and a space, about evenly spaced (the first from the middle on when the
/// file is cut in two). None for a small file, or on one core.
///
/// Parsing the parts apart gives exactly the whole file's parse whenever every part parses
/// (the first as a file, the others as items): no declaration can continue with a
/// declaration's word (the grammar keeps them out of units, and makes `optional` take the type
/// after it whatever its name, for that reason; a record's field named like one is not cut at,
/// see [`cut_points`]), so the whole file's parse ends an item at each cut, and starts the
/// next one there. Comments, strings and clause texts never span lines, so a line's first
/// column is never inside one; a text that goes on over several lines (its pieces joined with
/// one space) goes on with lines that start with a quote, after spaces or not, never with a
/// word. When a part fails, the diagnostics are still those of the one-piece parse (see
/// [`parse_in_parts`]). `syntax::tests` checks the equality at every possible cut of every
/// policy of the repository, and with every cut at once, and at cuts around breakages of
/// them.
fn parts_of(text: &str) -> Option<Vec<usize>> {
    let cores = crate::parallel::cores();
    if text.len() < SPLIT_FROM || cores < 2 {
        return None;
    }
    let parts = (text.len() / PART_SIZE).clamp(2, PARTS_PER_CORE * cores);
    let mut cuts = Vec::with_capacity(parts - 1);
    let mut next = 1;
    for at in cut_points(text) {
        if next == parts {
            break;
        }
        if at >= text.len() * next / parts {
            cuts.push(at);
            // A long declaration may hold several parts' worth of text: the next cut after it.
            while next < parts && at >= text.len() * next / parts {
                next += 1;
            }
        }
    }
    (!cuts.is_empty()).then_some(cuts)
}

/// Every line start where [`parts_of`] may cut: a declaration's word, then a space or a tab,
/// and no colon after the spaces and line ends that follow (`input : bool` at the first column
/// is a record's field named `input`, not a declaration).
fn cut_points(text: &str) -> impl Iterator<Item = usize> + '_ {
    let bytes = text.as_bytes();
    memchr::memchr_iter(b'\n', bytes)
        .map(|i| i + 1)
        .filter(move |&at| {
            let line = bytes.get(at..).unwrap_or_default();
            ITEM_WORDS.iter().any(|word| {
                line.strip_prefix(word.as_bytes()).is_some_and(|rest| {
                    matches!(rest.first(), Some(b' ' | b'\t'))
                        && rest
                            .iter()
                            .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
                            .is_some_and(|&b| b != b':')
                })
            })
        })
}

/// What one core does of a file parsed in parts.
enum Task<'t> {
    /// The nesting pre-check of the whole file ([`too_nested`]).
    Nesting,
    /// The header and the items before the first cut, as a file.
    Head(&'t str),
    /// The items from a cut (the byte in the file) to the next cut or the end.
    Items(&'t str, usize),
}

/// `text` cut at `cuts` (increasing line starts): each part with the byte it starts at, the
/// head first; none when a cut is not between characters.
fn split_at<'t>(text: &'t str, cuts: &[usize]) -> Option<Vec<(usize, &'t str)>> {
    let starts = std::iter::once(0).chain(cuts.iter().copied());
    let ends = cuts.iter().copied().chain(std::iter::once(text.len()));
    starts
        .zip(ends)
        .map(|(from, to)| Some((from, text.get(from..to)?)))
        .collect()
}

/// What a [`Task`] gives.
enum Done {
    Nesting(Option<Diagnostic>),
    Head(Part<Box<Policy>>),
    Items(Part<(Vec<crate::ast::Item>, Vec<String>)>),
}

/// What became of one part.
enum Part<T> {
    /// Parsed and lowered.
    Lowered(T),
    /// Parsed, but not lowered (an impossible date, an expression deeper than [`MAX_DEPTH`]).
    Unlowered,
    /// Refused by pest.
    Refused,
}

/// What parsing a file in parts gives, when the nesting pre-check passes.
enum InParts {
    /// Every part parsed and lowered: the file, the parts joined.
    Joined(Box<Policy>),
    /// pest refused a part: the first one, in the file's order, starts at this byte.
    Refused(usize),
    /// Every part parsed, but one did not lower: the file is to be parsed whole, for its
    /// diagnostics.
    Whole,
}

/// Parses `text` cut at `cuts` (increasing line starts), the parts and the nesting pre-check of
/// the whole file shared over the cores ([`crate::parallel::map`]), then joins the parts. The
/// diagnostic of the pre-check when it refuses the file, as the one-piece path gives it.
///
/// When pest refuses a part, the parse of the whole file is that of the parts before it, which
/// end at its first byte, then that of the items from there to the end of the file (the cut
/// is where the whole parse starts an item, for the reason [`parts_of`] gives): its error is
/// the error of the items from there ([`parser::items_error`]), found by parsing the file from
/// there, not again from its start. pest reports an error where the rules it tried reached
/// farthest, with the rules tried there; the rules tried in the parts before start at the cut
/// at most (what may end a declaration is tried there, and fails on the next declaration's
/// word, which no declaration continues with), so an error reported past the cut is the whole
/// file's, expecting the same. One reported at the cut itself is not (the whole file's names
/// what the declaration before could go on with too): the file is then parsed whole.
/// `syntax::tests` compares both at cuts around breakages of every policy of the repository.
///
/// Each part is parsed from no bracket open and no nesting word counted, where the pre-check of
/// the whole file may have counted some: the whole file's check passing means each part's
/// would, so the parts need no check of their own.
fn parse_in_parts(file: FileId, text: &str, cuts: &[usize]) -> Result<InParts, Diagnostic> {
    let Some(parts) = split_at(text, cuts) else {
        // Not a cut between characters (none is): the file in one piece, checked first.
        return too_nested(file, text).0.map_or(Ok(InParts::Whole), Err);
    };
    // First: the pre-check of the whole file takes as long as one or two parts (the BTS annex:
    // 90 µs, its parts 50 to 200), and taken last it was the load's tail, one core reading
    // while the other waited.
    let mut tasks: Vec<Task<'_>> = Vec::with_capacity(parts.len() + 1);
    tasks.push(Task::Nesting);
    tasks.extend(parts.into_iter().map(|(from, part)| match from {
        0 => Task::Head(part),
        _ => Task::Items(part, from),
    }));
    let done = crate::parallel::map(&tasks, |task| match *task {
        Task::Nesting => Done::Nesting(too_nested(file, text).0),
        Task::Head(head) => Done::Head(match parser::parse_pairs(file, head) {
            Err(_) => Part::Refused,
            Ok(mut pairs) => pairs
                .next()
                .and_then(|root| lower::Lowerer::new(file, head).policy(root).ok())
                .map_or(Part::Unlowered, |p| Part::Lowered(Box::new(p))),
        }),
        Task::Items(part, base) => Done::Items(match parser::parse_items(part) {
            None => Part::Refused,
            Some(root) => match lower::Lowerer::for_part(file, part, base).items(root) {
                Ok(items) => Part::Lowered(items),
                Err(_) => Part::Unlowered,
            },
        }),
    });
    let mut head = Part::Refused;
    let mut parts = Vec::with_capacity(cuts.len());
    for d in done {
        match d {
            Done::Nesting(Some(d)) => return Err(d),
            Done::Nesting(None) => {}
            Done::Head(h) => head = h,
            Done::Items(part) => parts.push(part),
        }
    }
    // The first part pest refused, in the file's order (the head first).
    if matches!(head, Part::Refused) {
        return Ok(InParts::Refused(0));
    }
    if let Some(i) = parts.iter().position(|p| matches!(p, Part::Refused)) {
        return Ok(InParts::Refused(cuts.get(i).copied().unwrap_or_default()));
    }
    let Part::Lowered(policy) = head else {
        return Ok(InParts::Whole);
    };
    let mut policy = *policy;
    let more = parts
        .iter()
        .map(|p| match p {
            Part::Lowered((items, _)) => items.len(),
            _ => 0,
        })
        .sum();
    policy.items.reserve_exact(more);
    for part in parts {
        let Part::Lowered((items, trailing_comments)) = part else {
            return Ok(InParts::Whole);
        };
        // The comments after the last item so far precede the part's first.
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
    }
    Ok(InParts::Joined(Box::new(policy)))
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

#[cfg(test)]
mod tests;
