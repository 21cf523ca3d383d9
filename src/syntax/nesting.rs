//! The nesting pre-check: brackets nested beyond [`MAX_NESTING`], or more nesting words in one
//! statement, found before the recursive parser sees them.
//!
//! It reads every file of every load, so it reads at the speed of a scan: a line is read
//! character by character only when it holds a bracket or a nesting word that could count
//! (found through a table of pairs of bytes), or when it may start a statement while words are
//! counted.

use super::MAX_NESTING;
use crate::diagnostic::{Code, Diagnostic};
use crate::span::{FileId, Span};

/// Finds brackets nested beyond [`MAX_NESTING`], or more nesting words in one statement, before
/// the recursive parser sees them: an early, well-placed error, where the parse itself would go
/// deep on the stack it is given (`parser::run`: the bound that makes it safe, as a statement's
/// word may be a name inside an expression, where this count starts again) and the lowering
/// would refuse it. Prefix operators are bounded where they recurse, in the lowering. One pass
/// over each line of code, without copying it. With the diagnostic, how many brackets the text
/// leaves open.
///
/// A line's code ends at a `#` outside quoted texts; brackets and words in quoted texts do not
/// count (a text's characters split words, as spaces do). Clause text lines (`| …`) are not
/// code. A bracket nested too deep on a line is reported before a word nested too deep on it.
pub(super) fn too_nested(file: FileId, text: &str) -> (Option<Diagnostic>, usize) {
    let mut offset = 0;
    let mut depth: usize = 0;
    let mut nesting_words: usize = 0;
    for line in text.split_inclusive('\n') {
        let code = line.trim_start();
        let read = if code.starts_with(['|', '#']) {
            // A line of clause text, or a comment: no code.
            false
        } else if could_nest(line) {
            true
        } else if nesting_words == 0 {
            // Nothing on the line counts, and no count to start again.
            false
        } else if let Some(first) = plain_first_word(code) {
            if STATEMENT_WORDS.contains(&first) {
                nesting_words = 0;
            }
            false
        } else {
            true
        };
        if read {
            match code_line(line, &mut depth, &mut nesting_words) {
                Some(TooDeep::Brackets(at)) => return (Some(nesting(file, offset + at)), depth),
                Some(TooDeep::Words(at)) => {
                    return (Some(words_nesting(file, offset + at)), depth);
                }
                None => {}
            }
        }
        offset += line.len();
    }
    (None, depth)
}

/// The pairs of bytes where a bracket or a nesting word may start, by the pair's first byte
/// then its second: every pair whose first byte is a bracket, and the first two letters of each
/// nesting word. A table of every pair rather than a test of each byte: a byte of code in three
/// is one of those words' first letters, and a branch on each costs several times the scan.
#[expect(
    clippy::indexing_slicing,
    reason = "evaluated in the build: an index out of bounds fails it"
)]
static STARTS: [bool; 1 << 16] = {
    let mut table = [false; 1 << 16];
    let brackets = *b"([)]";
    let mut i = 0;
    while i < brackets.len() {
        let mut next = 0;
        while next < 256 {
            table[(brackets[i] as usize) << 8 | next] = true;
            next += 1;
        }
        i += 1;
    }
    let mut i = 0;
    while i < NESTING_WORDS.len() {
        let word = NESTING_WORDS[i].as_bytes();
        table[(word[0] as usize) << 8 | word[1] as usize] = true;
        i += 1;
    }
    table
};

/// The first byte of `bytes` from `from` on where a bracket or a nesting word may start (a
/// line's last byte is followed by none).
fn next_start(bytes: &[u8], from: usize) -> Option<usize> {
    let starts = |a: u8, b: u8| {
        STARTS
            .get(usize::from(a) << 8 | usize::from(b))
            .copied()
            .unwrap_or(true)
    };
    let (&first, rest) = bytes.get(from..)?.split_first()?;
    let mut byte = first;
    for (i, &next) in rest.iter().enumerate() {
        if starts(byte, next) {
            return Some(from + i);
        }
        byte = next;
    }
    starts(byte, 0).then_some(from + rest.len())
}

/// Whether `line` holds a bracket, or a nesting word that could count (one that starts a word,
/// or follows a word that may glue to it: `elseif`), even inside a quoted text or a comment:
/// a line without is one [`too_nested`] need not read character by character.
fn could_nest(line: &str) -> bool {
    let bytes = line.as_bytes();
    let mut from = 0;
    while let Some(at) = next_start(bytes, from) {
        from = at + 1;
        let rest = bytes.get(at..).unwrap_or_default();
        if matches!(rest.first(), Some(b'(' | b'[' | b')' | b']')) {
            return true;
        }
        if NESTING_WORDS.iter().any(|w| rest.starts_with(w.as_bytes())) {
            // Within a word, it counts only after a word it may be glued to.
            let before = bytes.get(..at).unwrap_or_default();
            let in_word = before
                .last()
                .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
            if !in_word || GLUE_WORDS.iter().any(|g| before.ends_with(g.as_bytes())) {
                return true;
            }
        }
    }
    false
}

/// The first word of a line's `code` (the line from its first character that is not a space)
/// when it has no quote and no `#`: then, on a line that [`could_nest`] passes, the word that
/// may start a statement. `None` when the line needs reading character by character.
fn plain_first_word(code: &str) -> Option<&str> {
    let first = code.split(char::is_whitespace).next().unwrap_or_default();
    (!first.contains(['"', '#'])).then_some(first)
}

/// Where a line of code nests too deep (a byte of the line).
enum TooDeep {
    /// A bracket opened past [`MAX_NESTING`].
    Brackets(usize),
    /// The word that takes the statement's nesting words past [`MAX_NESTING`].
    Words(usize),
}

/// What a character of code is to the nesting check, read at its first byte.
#[derive(Clone, Copy)]
enum Char {
    /// A space between words: the characters of a quoted text are spaces too.
    Space,
    /// Any other character of code: an ASCII one as itself, brackets included.
    Other(u8),
}

/// Reads one line of code character by character (at their first bytes: every character the
/// check tells apart is ASCII), bracket depth and nesting words carried over from the lines
/// before.
fn code_line(line: &str, depth: &mut usize, nesting_words: &mut usize) -> Option<TooDeep> {
    let mut in_string = false;
    let mut escaped = false;
    let mut word_start = None;
    let mut first_word = true;
    let mut too_many_words = None;
    let mut word_ends = |at: usize, start: usize, nesting_words: &mut usize| {
        let word = line.get(start..at).unwrap_or("");
        if first_word {
            first_word = false;
            if STATEMENT_WORDS.contains(&word) {
                *nesting_words = 0;
            }
        }
        // `if`, the aggregates and `of` nest without brackets: counted over the whole
        // statement, as they close nowhere (`else if … else if …` nests as deep as it is long).
        *nesting_words += nesting_words_in(word);
        if *nesting_words > MAX_NESTING && too_many_words.is_none() {
            too_many_words = Some(start);
        }
    };
    let mut code_end = line.len();
    for (i, &byte) in line.as_bytes().iter().enumerate() {
        if byte & 0xC0 == 0x80 {
            // Inside a character of several bytes, read at its first.
            continue;
        }
        let char = match byte {
            // An escaped quote is a quote to the words (a word may start there).
            _ if escaped => {
                escaped = false;
                if byte == b'"' {
                    Char::Other(byte)
                } else {
                    Char::Space
                }
            }
            b'\\' if in_string => {
                escaped = true;
                Char::Space
            }
            b'"' => {
                in_string = !in_string;
                Char::Other(byte)
            }
            // Inside a quoted text, a character is a space to the words and no bracket.
            _ if in_string => Char::Space,
            b'#' => {
                code_end = i;
                break;
            }
            // The ASCII characters that `char::is_whitespace` takes.
            b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ' => Char::Space,
            0..0x80 => Char::Other(byte),
            _ => match line.get(i..).and_then(|c| c.chars().next()) {
                Some(c) if c.is_whitespace() => Char::Space,
                _ => Char::Other(byte),
            },
        };
        match char {
            Char::Other(b'(' | b'[') => *depth += 1,
            Char::Other(b')' | b']') => *depth = depth.saturating_sub(1),
            _ => {}
        }
        if *depth > MAX_NESTING {
            return Some(TooDeep::Brackets(i));
        }
        match (char, word_start) {
            (Char::Space, Some(start)) => {
                word_start = None;
                word_ends(i, start, nesting_words);
            }
            (Char::Other(_), None) => word_start = Some(i),
            _ => {}
        }
    }
    if let Some(start) = word_start {
        word_ends(code_end, start, nesting_words);
    }
    too_many_words.map(TooDeep::Words)
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
pub(super) const STATEMENT_WORDS: [&str; 16] = [
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

/// How many nesting words a word of code holds, glued or not (`elseif` one, `(count` one):
/// an over-count (`anyone`, `official` count one) only brings the limit nearer, never lets
/// a deeper nesting through.
pub(super) fn nesting_words_in(token: &str) -> usize {
    fn skip(w: &str) -> &str {
        w.trim_start_matches(|c: char| !c.is_ascii_alphanumeric() && c != '_')
    }
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

pub(super) fn words_nesting(file: FileId, at: usize) -> Diagnostic {
    Diagnostic::error(
        Code::TooDeep,
        Span::new(file, at, at + 1),
        format!(
            "more than {MAX_NESTING} of `if`, `count`, `sum`, `any`, `every`, `each`, `of` and \
             `optional` in one statement: they nest without brackets"
        ),
    )
    .with_help("split the expression into definitions")
}

pub(crate) fn nesting(file: FileId, at: usize) -> Diagnostic {
    Diagnostic::error(
        Code::TooDeep,
        Span::new(file, at, at + 1),
        format!("brackets or operators are nested more than {MAX_NESTING} levels deep"),
    )
    .with_help("split the expression into definitions")
}
