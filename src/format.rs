//! The canonical layout of a policy (`clausier fmt`).
//!
//! [`format_policy`] prints an AST in the one layout every policy file is given;
//! [`format_source`] parses a file, prints it, and proves that the printed text means the same
//! thing by parsing it again and comparing the two ASTs (spans aside).
//!
//! The layout:
//!
//! - the header lines, then the items with one blank line between them; a clause, unit, enum,
//!   input or parameter (or an overridden clause or parameter) that follows one of the same kind
//!   stays grouped with it, without a blank line, unless comments stand before it;
//! - comments as `# text` lines before the header, item, record field or rule they belong to,
//!   and the file's trailing comments last: a comment belongs to the node it stands before, or
//!   to the node it is written in (an end-of-line comment, or one between the lines of a rule,
//!   is printed above that rule, never with the next one; one on a record's `require` line
//!   above the record). A blank line after each banner (`# ====` … `# ====`), and between two
//!   paragraphs of comments that the source separates by blank lines (one, however many);
//! - record fields, then the record's `require` lines;
//! - in a conclusion, a blank line before a commented base rule (it opens a new group of a rule
//!   and its exceptions), none otherwise;
//! - clause text on `  | ` lines, filled up to [`WIDTH`] columns;
//! - the `per` of an input, parameter or definition on its line, from column 59 when there is
//!   room, else four spaces after the declaration, else on a line of its own;
//! - rules one keyword per line;
//! - a title, source, label text or `require` message that does not fit on its line cut at its
//!   spaces into quoted pieces, one under the other (see [`text_lines`]), and the pieces of one
//!   that fits joined;
//! - no line wider than [`WIDTH`] columns, but for a word longer than a line: an
//!   expression that does not fit is broken before its outermost operator (`and`/`or` first,
//!   then comparisons, `+ -`, `* /`), before `where`, `satisfies`, `then`, `else`, `for`, and
//!   after the commas of a list or a call's arguments, whose lines align after the bracket. An
//!   `if` in the `else` branch of a broken `if` continues the chain flat (`else if …`, its
//!   `then` and `else` aligned with the first). Enum variants, `per` citations, an exception's
//!   `of` list and a definition's parameters are filled, broken after `|` or a comma;
//! - expressions with the parentheses precedence requires and, from [`format_source`], those
//!   the author wrote (`not (a <= b)` stays so); canonical operators; numbers without leading
//!   zeros but with the scale they were written with (`4.50` stays `4.50`: the scale shows in
//!   the decisions); strings re-escaped. `if` and the aggregates extend as far right as they
//!   can, so they are parenthesised unless nothing follows them.

mod expr;
mod items;
mod table;
#[cfg(test)]
mod tests;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::ast::{Name, Policy, TypeExpr};
use crate::diagnostic::{Code, Diagnostic};
use crate::span::FileId;
use crate::syntax;

/// The width clause text is filled to, and beyond which expressions are broken.
pub const WIDTH: usize = 96;

/// The characters before `per` on the line of an input, parameter or definition (so `per` is at
/// column 59), room permitting.
const PER_COLUMN: usize = 58;

/// Prints a policy in the canonical layout, with the fewest parentheses. The text ends with a
/// newline.
///
/// A policy that came from the parser prints to a text that parses back to an equal policy;
/// a hand-built one may hold what the syntax cannot say (a negative number literal, a string
/// with a newline), which [`format_source`] would catch.
pub fn format_policy(policy: &Policy) -> String {
    items::print(policy, None)
}

/// Parses `text`, prints it in the canonical layout, and checks that the printed text parses
/// back to the same policy. The text tells what the AST does not keep: the parentheses the
/// author wrote, and the blank lines between paragraphs of comments.
///
/// Returns the parser's diagnostics when `text` does not parse, and a `fmt-changed-meaning`
/// error (never a text that means something else) when the check fails.
pub fn format_source(file: FileId, text: &str) -> Result<String, Vec<Diagnostic>> {
    crate::parallel::with_stage_stack(|| format_deep(file, text))
}

fn format_deep(file: FileId, text: &str) -> Result<String, Vec<Diagnostic>> {
    let policy = syntax::parse(file, text)?;
    let formatted = items::print(&policy, Some(text));
    match syntax::parse(file, &formatted) {
        Ok(again) if again == policy => Ok(formatted),
        Ok(again) => Err(vec![changed_meaning(&policy, &again)]),
        Err(errors) => Err(vec![unparsable(&errors)]),
    }
}

/// The error for a printed text that parses to another policy, at the first item that differs.
fn changed_meaning(before: &Policy, after: &Policy) -> Diagnostic {
    let differing = before
        .items
        .iter()
        .zip(&after.items)
        .find(|(b, a)| b != a)
        .map(|(b, _)| b.span);
    let diagnostic = match differing {
        Some(span) => Diagnostic::error(
            Code::FmtChangedMeaning,
            span,
            "formatting would change the meaning of this item",
        )
        .with_label("printed differently"),
        None => Diagnostic::general(
            Code::FmtChangedMeaning,
            "formatting would change the meaning of the policy",
        ),
    };
    diagnostic.with_help(BUG_HELP)
}

/// The error for a printed text that does not parse.
fn unparsable(errors: &[Diagnostic]) -> Diagnostic {
    let reason = errors
        .first()
        .map_or_else(String::new, |e| format!(": {}", e.message));
    Diagnostic::general(
        Code::FmtChangedMeaning,
        format!("the formatted policy would not parse{reason}"),
    )
    .with_help(BUG_HELP)
}

const BUG_HELP: &str =
    "this is a bug in `clausier fmt`: the file was left as it is; please report it with the file";

// ------------------------------------------------------------------------------------ text

/// Splits `text` at its spaces into lines of at most `width` characters; a longer word stands
/// alone on its line. Empty text gives one empty line.
fn fill(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    let mut current_width = 0;
    for word in unbreakable(text) {
        let word_width = word.chars().count();
        if current_width > 0 && current_width + 1 + word_width > width {
            lines.push(std::mem::take(&mut current));
            current_width = 0;
        }
        if current_width > 0 {
            current.push(' ');
            current_width += 1;
        }
        current.push_str(&word);
        current_width += word_width;
    }
    lines.push(current);
    lines
}

/// The words of `text`, with French punctuation kept on the line of the word it belongs to:
/// `«` with the word after it; `»`, `:`, `;`, `!`, `?` with the word before.
fn unbreakable(text: &str) -> Vec<String> {
    let mut pieces: Vec<String> = Vec::new();
    let mut glue_next = false;
    for word in text.split_whitespace() {
        let glue = glue_next || closes(word);
        match pieces.last_mut() {
            Some(last) if glue => {
                last.push(' ');
                last.push_str(word);
            }
            _ => pieces.push(word.to_string()),
        }
        glue_next = opens(word);
    }
    pieces
}

/// A word of punctuation only that ends with `«`.
fn opens(word: &str) -> bool {
    word.ends_with('«') && !word.chars().any(char::is_alphanumeric)
}

/// A word of punctuation only that starts with `»`, `:`, `;`, `!` or `?`.
fn closes(word: &str) -> bool {
    word.starts_with(['»', ':', ';', '!', '?']) && !word.chars().any(char::is_alphanumeric)
}

/// A text for people (a title, a source, a label, a `require` message) as quoted pieces, its
/// first quote at column `col`: the text is cut at its spaces into pieces whose lines fit in
/// [`WIDTH`], each further piece on a line of its own with its quote under the first. The
/// pieces joined with one space give the text back, so only a space between two words is a
/// cut (never one of two spaces in a row), and a text that starts or ends with a space stays
/// one piece (the parser refuses such a piece in a text of several). A word wider than the
/// line stays whole.
fn text_lines(text: &str, col: usize) -> String {
    let words = text_words(text);
    let joins_back = !text.starts_with(char::is_whitespace) && !text.ends_with(char::is_whitespace);
    if words.len() < 2 || !joins_back {
        return quote(text);
    }
    let mut pieces: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in words {
        let word = escape(word);
        // The quotes around the piece, and the space before the word.
        if !current.is_empty() && col + width(&current) + 1 + width(&word) + 2 > WIDTH {
            pieces.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(&word);
    }
    pieces.push(current);
    let lines: Vec<String> = pieces.iter().map(|p| format!("\"{p}\"")).collect();
    lines.join(&format!("\n{}", spaces(col)))
}

/// The words of a text between which it may be cut: the text split at each space that has no
/// other space beside it, and French punctuation kept with its word (as [`unbreakable`] keeps
/// it). Joined with one space, the words are the text.
fn text_words(text: &str) -> Vec<&str> {
    let mut words = Vec::new();
    let mut start = 0;
    for (i, _) in text.match_indices(' ') {
        let (Some(before), Some(after)) = (text.get(..i), text.get(i + 1..)) else {
            continue;
        };
        let blank_beside = before.is_empty()
            || after.is_empty()
            || before.ends_with(char::is_whitespace)
            || after.starts_with(char::is_whitespace);
        if blank_beside {
            continue;
        }
        let last = before
            .rsplit(char::is_whitespace)
            .next()
            .unwrap_or_default();
        let next = after.split(char::is_whitespace).next().unwrap_or_default();
        if opens(last) || closes(next) {
            continue;
        }
        words.push(text.get(start..i).unwrap_or_default());
        start = i + 1;
    }
    words.push(text.get(start..).unwrap_or_default());
    words
}

/// A comment drawn as a line (`====`, `----`), which opens or closes a banner.
fn is_rule_line(comment: &str) -> bool {
    comment.chars().count() >= 3
        && comment
            .chars()
            .all(|c| matches!(c, '=' | '-' | '*' | '#' | '~' | '_'))
}

fn spaces(n: usize) -> String {
    " ".repeat(n)
}

/// The width of `text` in columns (characters; the policies' scripts have no wide ones).
fn width(text: &str) -> usize {
    text.chars().count()
}

/// Whether `text` fits in [`WIDTH`], its first line printed from column `col` (its other lines
/// hold their indentation) and `trail` characters following its last.
fn fits(text: &str, col: usize, trail: usize) -> bool {
    let mut lines = text.split('\n').peekable();
    let mut start = col;
    while let Some(line) = lines.next() {
        let end = if lines.peek().is_none() { trail } else { 0 };
        if start + width(line) + end > WIDTH {
            return false;
        }
        start = 0;
    }
    true
}

/// `items` joined by `separator` (`,` or ` |`) and a space, from column `col`: when the next
/// item would pass [`WIDTH`] (`trail` characters following the last), the line ends after the
/// separator and the next starts at column `indent`.
fn wrap_joined(
    items: &[String],
    separator: &str,
    col: usize,
    indent: usize,
    trail: usize,
) -> String {
    let mut out = String::new();
    let mut col = col;
    for (i, item) in items.iter().enumerate() {
        let end = if i + 1 == items.len() {
            trail
        } else {
            width(separator)
        };
        if i > 0 {
            if col + 1 + width(item) + end <= WIDTH {
                out.push(' ');
                col += 1;
            } else {
                out.push('\n');
                out.push_str(&spaces(indent));
                col = indent;
            }
        }
        out.push_str(item);
        col += width(item);
        if i + 1 < items.len() {
            out.push_str(separator);
            col += width(separator);
        }
    }
    out
}

// ------------------------------------------------------------------------------------ atoms

/// How a type is written.
fn type_text(ty: &TypeExpr) -> String {
    match ty {
        TypeExpr::Integer(unit) => number_type("integer", unit.as_ref()),
        TypeExpr::Decimal(unit) => number_type("decimal", unit.as_ref()),
        TypeExpr::Named(name) => name.clone(),
        TypeExpr::Optional(inner) => format!("optional {}", type_text(&inner.node)),
        TypeExpr::List(inner) => format!("list of {}", type_text(&inner.node)),
        TypeExpr::Set(inner) => format!("set of {}", type_text(&inner.node)),
    }
}

fn number_type(kind: &str, unit: Option<&Name>) -> String {
    match unit {
        Some(unit) => format!("{kind} {}", unit.node),
        None => kind.to_string(),
    }
}

/// A string literal: quoted, with `"` and `\` escaped.
fn quote(text: &str) -> String {
    format!("\"{}\"", escape(text))
}

/// A string literal's body: `text` with `"` and `\` escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A number as written, with its scale: a decision writes a computed amount with the scale its
/// operands give it (`35.150 * 12` is `421.800`, `35.15 * 12` is `421.80`), so dropping a
/// trailing zero here would change the decisions of the policy it formats.
fn number_text(n: &Decimal) -> String {
    n.to_string()
}

fn date_text(date: &NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}
