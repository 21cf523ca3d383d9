//! The pest parser, and the translation of its errors into words a policy author understands.

use pest::Parser as _;
use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::Pairs;
use pest_derive::Parser;

use crate::diagnostic::{Code, Diagnostic};
use crate::span::{FileId, Span};

/// The generated parser of `grammar/policy.pest`.
#[derive(Parser)]
#[grammar = "../grammar/policy.pest"]
pub struct PolicyParser;

/// Parses a whole policy file into pest pairs.
pub fn parse_pairs(file: FileId, text: &str) -> Result<Pairs<'_, Rule>, Diagnostic> {
    match run(Rule::policy_file, text) {
        Ok(parsed) => parsed.map_err(|e| syntax_error(file, text, &e)),
        Err(TooManyOpenings) => Err(too_many_openings(file)),
    }
}

/// Parses a part of a file that holds items only (from a cut of [`super::parse`] on), its
/// positions counted from the part's start; None when they do not parse.
pub(crate) fn parse_items(text: &str) -> Option<pest::iterators::Pair<'_, Rule>> {
    run(Rule::items_file, text).ok()?.ok()?.next()
}

/// Parses a file's header alone, from its first token; the text after it is not read. No rule
/// of the header nests (no expression, no type), so the stack [`run`] would size to the whole
/// text is not needed: the header of every file beside a version is read this way.
pub(crate) fn parse_header(text: &str) -> Option<pest::iterators::Pair<'_, Rule>> {
    PolicyParser::parse(Rule::header, text).ok()?.next()
}

/// The syntax error of the items of `text` from byte `from` to its end, as the parse of the
/// whole file reports it when it parsed every declaration before `from` and one starts there
/// ([`super::parse_in_parts`] says why the two agree); none when those items parse, or when
/// pest reports the error at `from` itself: the whole file's parse tried rules there too (the
/// optional ends of the declaration before), and names them among what it expected.
pub(crate) fn items_error(file: FileId, text: &str, from: usize) -> Option<Diagnostic> {
    let error = match run(Rule::items_file, text.get(from..)?) {
        Ok(parsed) => parsed.err()?,
        Err(TooManyOpenings) => return Some(too_many_openings(file)),
    };
    let (start, end) = location(&error);
    (start > 0).then(|| syntax_error_at(file, text, (from + start, from + end), &error))
}

/// A text with more places that could open a nested expression or type than a parse can be
/// given the stack for (see [`run`]).
struct TooManyOpenings;

/// pest's parse of `text` from `rule`, on a stack as deep as the text could make it recurse.
///
/// pest reads nested expressions and types by recursion, and nothing in it bounds that
/// recursion (this pest has no stack guard of its own: the one of later versions probed the
/// stack at every rule it tried, a fifth to a quarter of its time in criterion). Each level of
/// that recursion starts past a token that opens it, each level at its own place in the text:
/// a bracket (`(`, `[`, or `]`, which opens a range cell), or one of the words `if`, `then`,
/// `else`, `of`, `in`, `where`, `for`, `satisfies` and `optional` (the other forms, prefix and
/// infix operators included, repeat without recursion). So the recursion is at most as deep as
/// those tokens are many ([`openings`]), and the parse runs where [`STACK_PER_OPENING`] times their count,
/// plus [`BASE_STACK`], is left: on the calling thread when it has that much, else on a stack
/// of that size on the heap (reserved, not committed: only the pages used are). The nesting
/// pre-check ([`super::parse`]) refuses a file nested deeper than the language allows before
/// pest reads it, with a well-placed error; this bound is what makes the parse safe whatever
/// the text.
fn run(
    rule: Rule,
    text: &str,
) -> Result<Result<Pairs<'_, Rule>, pest::error::Error<Rule>>, TooManyOpenings> {
    let stack_for = |openings: usize| {
        openings
            .checked_mul(STACK_PER_OPENING)
            .and_then(|s| s.checked_add(BASE_STACK))
    };
    // The first letters of the tokens are counted first, at the speed of a scan: when the
    // thread has the stack that bound asks for, the tokens themselves need not be found.
    let left = stacker::remaining_stack().unwrap_or(0);
    let need = match stack_for(opening_letters(text)) {
        Some(need) if need <= left => need,
        _ => stack_for(openings(text))
            .filter(|&need| need <= MAX_STACK)
            .ok_or(TooManyOpenings)?,
    };
    Ok(stacker::maybe_grow(need, need, || {
        PolicyParser::parse(rule, text)
    }))
}

/// How many tokens of `text` could open a level of pest's recursion (see [`run`]): every
/// bracket, and every occurrence of the words that open one, wherever it is (in a longer word,
/// a text or a comment too: a bound).
fn openings(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut count = 0;
    for (i, byte) in bytes.iter().enumerate() {
        let rest = bytes.get(i..).unwrap_or_default();
        let opens = match byte {
            b'(' | b'[' | b']' => true,
            b'i' => rest.starts_with(b"if") || rest.starts_with(b"in"),
            b'o' => rest.starts_with(b"of") || rest.starts_with(b"optional"),
            b't' => rest.starts_with(b"then"),
            b'e' => rest.starts_with(b"else"),
            b'w' => rest.starts_with(b"where"),
            b'f' => rest.starts_with(b"for"),
            b's' => rest.starts_with(b"satisfies"),
            _ => false,
        };
        count += usize::from(opens);
    }
    count
}

/// A bound on [`openings`] found faster: the bytes that start one of its tokens, counted
/// through a table rather than a test per byte (whose branches, taken for a third of the bytes
/// of a policy and not predictably, made it cost as much as half of pest's parse).
fn opening_letters(text: &str) -> usize {
    #[expect(
        clippy::indexing_slicing,
        reason = "evaluated in the build: an index out of bounds fails it"
    )]
    const STARTS: [u8; 256] = {
        let mut table = [0; 256];
        let starts = b"([]iotewfs";
        let mut i = 0;
        while i < starts.len() {
            table[starts[i] as usize] = 1;
            i += 1;
        }
        table
    };
    text.bytes()
        .map(|b| usize::from(STARTS.get(usize::from(b)).copied().unwrap_or(1)))
        .sum()
}

/// The stack one level of pest's recursion may take, at most, per token that opens it: measured
/// in each build on the forms that take the most (`if if if …`: 0.8 KiB a level optimised,
/// 6.5 KiB without), more than twice that for a margin
/// (`syntax::tests::nesting_of_every_form_is_parsed_on_the_stack_its_tokens_ask_for` parses
/// each form thousands deep on the stack this gives).
const STACK_PER_OPENING: usize = if cfg!(debug_assertions) {
    16 << 10
} else {
    2 << 10
};

/// The stack a parse takes outside the recursion of nested expressions (the items, a
/// declaration, the error pest builds), with a margin.
const BASE_STACK: usize = 1 << 20;

/// The largest stack a parse is given: a text that could need more (two million brackets or
/// words such as `if` and `in` in one file, optimised) is refused rather than read. A synthetic
/// policy of 100,000 items has 300,000 of them, 0.6 GiB when read in one piece (on one core).
const MAX_STACK: usize = if usize::BITS > 32 { 4 << 30 } else { 1 << 30 };

/// The refusal of a text that could make the parser recurse deeper than [`MAX_STACK`] allows.
fn too_many_openings(file: FileId) -> Diagnostic {
    Diagnostic::error(
        Code::TooDeep,
        Span::new(file, 0, 0),
        "this file has too many brackets and words that open an expression to be read safely",
    )
    .with_help("split the policy into smaller files: a version may extend another")
}

/// Where pest found `error`, in the text it parsed.
fn location(error: &pest::error::Error<Rule>) -> (usize, usize) {
    match error.location {
        InputLocation::Pos(p) => (p, p),
        InputLocation::Span((s, e)) => (s, e),
    }
}

fn syntax_error(file: FileId, text: &str, error: &pest::error::Error<Rule>) -> Diagnostic {
    syntax_error_at(file, text, location(error), error)
}

/// The diagnostic of `error`, found at `(start, end)` in `text` (the file, where pest may have
/// parsed a part of it only).
fn syntax_error_at(
    file: FileId,
    text: &str,
    (start, end): (usize, usize),
    error: &pest::error::Error<Rule>,
) -> Diagnostic {
    if let Some(m) = known_mistake(text, start) {
        return Diagnostic::error(
            Code::SyntaxError,
            Span::new(file, m.start, m.end),
            m.message,
        )
        .with_label(m.label)
        .with_help(m.help);
    }
    // Underline the word found at the error, so the caret sits under what was read.
    let found_end = text
        .get(start..)
        .and_then(|rest| {
            let word: usize = rest
                .chars()
                .take_while(|c| !c.is_whitespace())
                .map(char::len_utf8)
                .sum();
            (word > 0).then_some(start + word.min(40))
        })
        .unwrap_or(end.max(start));
    let found = match text.get(start..found_end).filter(|s| !s.is_empty()) {
        Some(word) => format!("`{word}`"),
        // What stands there is a space of some kind, or nothing at all.
        None => match text.get(start..).and_then(|rest| rest.chars().next()) {
            None => "the end of the file".to_string(),
            Some('\r') => "a lone carriage return (`\\r`)".to_string(),
            Some(c) => format!("the character {c:?}"),
        },
    };
    let (message, label) = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            let expected = expected_words(positives);
            (
                format!("expected {expected}, found {found}"),
                format!("expected {expected}"),
            )
        }
        ErrorVariant::CustomError { message } => (message.clone(), message.clone()),
    };
    Diagnostic::error(
        Code::SyntaxError,
        Span::new(file, start, found_end),
        message,
    )
    .with_label(label)
    .with_help(help_for(error))
}

/// A mistake authors make often, found where the parser stopped: what to underline and what to
/// write instead.
struct Mistake {
    start: usize,
    end: usize,
    message: String,
    label: &'static str,
    help: String,
}

/// `optional` at the end of a line, its type left out: it took the next line's first word as
/// its type (`optional` then `input y : bool` reads `optional input`), and the parser stopped
/// after that word. `before` is the text up to there, spaces trimmed; the word ends it from
/// `word_start`.
fn optional_without_type(before: &str, word_start: usize) -> Option<Mistake> {
    let gap = before.get(..word_start)?;
    let trimmed = gap.trim_end_matches([' ', '\t', '\n', '\r']);
    let start = trimmed.strip_suffix("optional")?.len();
    let taken = before.get(word_start..)?;
    let broken_line = trimmed.len() < gap.len() && gap.get(trimmed.len()..)?.contains('\n');
    let whole_word = !trimmed
        .get(..start)?
        .ends_with(|c: char| c.is_alphanumeric() || c == '_');
    (broken_line && whole_word).then(|| Mistake {
        start,
        end: trimmed.len(),
        message: format!(
            "`optional` is followed by no type on its line: it took `{taken}`, on the next line, as its type"
        ),
        label: "a type is missing after this",
        help: "write the type after `optional`, like `optional date`".into(),
    })
}

/// The common mistakes, told apart by the text around `at` (where the parser stopped): a unit
/// glued to `per`, a decimal comma, a percent sign, a list indexed with brackets.
fn known_mistake(text: &str, at: usize) -> Option<Mistake> {
    let before = text.get(..at)?;
    let after = text.get(at..)?;
    if let Some(mistake) = text_mistake(before, after) {
        return Some(mistake);
    }
    let is_name_char = |c: char| c.is_alphanumeric() || c == '_';
    // The word before the position, spaces skipped: `eurosper` in `12 eurosper "4-3"`.
    let trimmed = before.trim_end();
    let word_start = trimmed
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_name_char(*c))
        .last()
        .map_or(trimmed.len(), |(i, _)| i);
    let word = trimmed.get(word_start..)?;
    if let Some(mistake) = optional_without_type(trimmed, word_start) {
        return Some(mistake);
    }
    if after.starts_with('"')
        && let Some(glued) = word.strip_suffix("per").filter(|g| !g.is_empty())
    {
        return Some(Mistake {
            start: word_start,
            end: trimmed.len(),
            message: format!("`{word}` reads as one word"),
            label: "one word here",
            help: format!("write `{glued} per \"…\"`: the unit and `per` are two words"),
        });
    }
    let digits_before = before
        .chars()
        .next_back()
        .is_some_and(|c| c.is_ascii_digit());
    if let Some(rest) = after.strip_prefix(',')
        && digits_before
        && rest.starts_with(|c: char| c.is_ascii_digit())
    {
        let whole = before.len()
            - before
                .chars()
                .rev()
                .take_while(char::is_ascii_digit)
                .count();
        let fraction = rest.chars().take_while(char::is_ascii_digit).count();
        let number = text.get(whole..at + 1 + fraction)?;
        return Some(Mistake {
            start: whole,
            end: at + 1 + fraction,
            message: format!("`{number}` is not a number: decimals are written with a point"),
            label: "a decimal comma",
            help: format!("write `{}`", number.replace(',', ".")),
        });
    }
    if after.starts_with('%') {
        return Some(Mistake {
            start: at,
            end: at + 1,
            message: "`%` follows a number: `6 %` is a rate".into(),
            label: "a percent sign",
            help: "write a rate as a number and `%` (`6 %`), or as a decimal (`0.06`); a rate of a value is a product: `montant * 6 %`".into(),
        });
    }
    if after.starts_with('[') && before.chars().next_back().is_some_and(is_name_char) {
        let end = after.find(']').map_or(at + 1, |i| at + i + 1);
        return Some(Mistake {
            start: at,
            end,
            message: "a list is not indexed with brackets".into(),
            label: "an index",
            help: "read a list whole: `any p in L where …`, `each p in L where …`, `count of p in L`, `sum of … for p in L`, or `min` and `max`".into(),
        });
    }
    None
}

/// A mistake in a quoted text, or in a text written over several lines, where the parser
/// stopped between `before` and `after`: a text not closed on its line, two texts on one line,
/// a piece that does not directly follow the one before, a line that closes a text it does not
/// open.
fn text_mistake(before: &str, after: &str) -> Option<Mistake> {
    let at = before.len();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let on_line_before = before.get(line_start..)?.trim();
    let line = after.split(['\n', '\r']).next().unwrap_or_default();
    // The line before with some code, when it ends with a text, and whether it is right above.
    let previous = previous_code_line(before.get(..line_start)?)
        .filter(|(code, _)| code.ends_with('"'))
        .map(|(_, directly)| directly);
    let Some(body) = line.strip_prefix('"') else {
        return (on_line_before.is_empty() && previous.is_some())
            .then(|| unopened_piece(at, line.trim_end()))
            .flatten();
    };
    let Some(close) = closing_quote(body) else {
        return Some(Mistake {
            start: at,
            end: at + line.trim_end().len(),
            message: "this quoted text is not closed on its line".into(),
            label: "no closing quote",
            help: "a quoted text ends on the line where it starts; a long text goes on over the \
                   next lines as quoted pieces, one on each line, joined with one space"
                .into(),
        });
    };
    let end = at + close + 2;
    if on_line_before.ends_with('"') {
        return Some(second_text_on_line(
            at,
            end,
            has_word(on_line_before, "per"),
        ));
    }
    let directly = previous.filter(|_| on_line_before.is_empty())?;
    let help = if directly {
        "titles, sources, labels, questions, helps, readings, informative reasons and `require` \
         messages may go on over several lines; versions, clause ids, citations and texts in expressions are written on one line"
    } else {
        "the pieces of a text stand on the lines that directly follow it, without a comment or a \
         blank line between them"
    };
    Some(Mistake {
        start: at,
        end,
        message: "this quoted text cannot continue the one before it".into(),
        label: "a piece of text",
        help: help.into(),
    })
}

/// A quoted text right after another on one line, from `start` to `end`: a forgotten comma
/// between citations (`after_per`), else a piece of a long text that belongs on the next line.
fn second_text_on_line(start: usize, end: usize, after_per: bool) -> Mistake {
    let help = if after_per {
        "citations are separated by commas: `per \"3-1\", \"3-2\"`"
    } else {
        "a long text goes on over the next lines: write each further quoted piece on a line of \
         its own, under the first (the pieces are joined with one space)"
    };
    Mistake {
        start,
        end,
        message: "two quoted texts follow each other on one line".into(),
        label: "a second text",
        help: help.into(),
    }
}

/// A line under a text that ends with a quote it does not open (`content`, from `start`): a
/// piece of the text without its opening quote.
fn unopened_piece(start: usize, content: &str) -> Option<Mistake> {
    let unopened = content.ends_with('"') && closing_quote(content) == content.len().checked_sub(1);
    unopened.then(|| Mistake {
        start,
        end: start + content.len(),
        message: "this line closes a quoted text that it does not open".into(),
        label: "no opening quote",
        help: format!(
            "each line of a text written over several lines is a quoted piece: write `\"{content}`"
        ),
    })
}

/// The position of the first unescaped `"` in `text` (the body of a quoted text after its
/// opening quote), if any.
fn closing_quote(text: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Some(i),
            _ => {}
        }
    }
    None
}

/// The code of the last line of `text` that has some (its comment and spaces cut off), and
/// whether it is the very last line (no blank or comment line after it, and no comment on it).
fn previous_code_line(text: &str) -> Option<(&str, bool)> {
    let mut directly = true;
    for line in text.lines().rev() {
        let code = match crate::syntax::lower::comment_start(line) {
            Some(i) => {
                directly = false;
                line.get(..i)?
            }
            None => line,
        };
        let code = code.trim();
        if !code.is_empty() {
            return Some((code, directly));
        }
        directly = false;
    }
    None
}

/// Whether `word` is a word of `code` outside its quoted texts.
fn has_word(code: &str, word: &str) -> bool {
    let mut outside = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(open) = rest.find('"') {
        outside.push_str(rest.get(..open).unwrap_or_default());
        outside.push(' ');
        let body = rest.get(open + 1..).unwrap_or_default();
        rest = closing_quote(body).map_or("", |close| body.get(close + 1..).unwrap_or_default());
    }
    outside.push_str(rest);
    outside.split_whitespace().any(|w| w == word)
}

fn help_for(error: &pest::error::Error<Rule>) -> String {
    let ErrorVariant::ParsingError { positives, .. } = &error.variant else {
        return "see grammar/LANGUAGE.md for the syntax".to_string();
    };
    if positives.contains(&Rule::version_line) {
        "a policy file starts with `policy ID` then `version \"LABEL\"`, like `version \"session-2027\"`".into()
    } else if positives.contains(&Rule::citations) {
        "every parameter and rule ends with `per \"CLAUSE\"`, naming the clauses it rests on".into()
    } else if positives.contains(&Rule::digit) {
        // Any operand may come here (`digit` guards the numbers and dates among them): most
        // often an operator at the end of a line, its operand forgotten.
        "an operator is followed by its operand, on the same line or the next: a name, a value or a bracketed expression, like `internship.weeks < 12 weeks`".into()
    } else if positives.contains(&Rule::date) {
        "dates are written YYYY-MM-DD, like 2027-04-16".into()
    } else if positives.contains(&Rule::gives) {
        "a rule reads `rule LABEL [when CONDITION] gives VALUE per \"CLAUSE\"`".into()
    } else if positives.contains(&Rule::clause_text_line) {
        "each line of a clause's text starts with `|`".into()
    } else if positives.contains(&Rule::ident) {
        "names start with a letter or `_` (in any script), go on with letters, digits and `_`, and are not keywords (`when`, `gives`, `and`, …)".into()
    } else {
        "see grammar/LANGUAGE.md for the syntax".into()
    }
}

fn expected_words(positives: &[Rule]) -> String {
    let mut words: Vec<&'static str> = Vec::with_capacity(positives.len());
    for rule in positives {
        match gate_words(*rule) {
            Some(forms) => words.extend_from_slice(forms),
            None => words.push(rule_words(*rule)),
        }
    }
    words.sort_unstable();
    words.dedup();
    match words.as_slice() {
        [] => "something else".to_string(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The forms that a rule looking at the first character only (a lookahead that saves pest from
/// trying each form in turn) lets through: a message names them, as it would had each been
/// tried.
fn gate_words(rule: Rule) -> Option<&'static [&'static str]> {
    match rule {
        Rule::postfix_word => Some(&["`.field`", "`as UNIT`", "`is …`"]),
        Rule::word_form => Some(&["`if … then … else …`", "an aggregate"]),
        Rule::digit => Some(&["a date like 2027-04-16", "a number"]),
        // Not offered after every number: a rate is rare, and the list long enough.
        Rule::percent_sign => Some(&[]),
        _ => None,
    }
}

/// What a grammar rule is called in messages.
fn rule_words(rule: Rule) -> &'static str {
    match rule {
        Rule::EOI => "the end of the file",
        Rule::header => "the header `policy ID`",
        Rule::policy_id => "a policy id like `exam-regulation`",
        Rule::ident | Rule::name | Rule::field | Rule::field_name => "a name",
        Rule::date => "a date like 2027-04-16",
        Rule::number | Rule::numeric => "a number",
        Rule::string | Rule::string_body | Rule::string_chars | Rule::text => {
            "a quoted text like \"3-1\""
        }
        Rule::clause_text_line | Rule::clause_text => "a line of clause text starting with `|`",
        Rule::version_line => "`version \"LABEL\"`",
        Rule::draft => "`draft`",
        Rule::effective_from => "`effective from DATE`",
        Rule::extends => "`extends \"VERSION\"`",
        Rule::title => "`title \"…\"`",
        Rule::source => "`source \"…\"`",
        Rule::language => "`language \"fr\"`",
        Rule::identified_by => "`identified by INPUT`",
        Rule::label_decl => "`label NAME \"…\"`",
        Rule::favourable | Rule::kw_favourable | Rule::favourable_value => "`favourable VALUE, …`",
        Rule::label_part | Rule::label_kind | Rule::lang_code => {
            "`question`, `help`, `singular`, `en` or `fr` and a quoted text"
        }
        Rule::clause_decl
        | Rule::unit_decl
        | Rule::enum_decl
        | Rule::record_decl
        | Rule::input_decl
        | Rule::parameter_decl
        | Rule::definition_decl
        | Rule::conclusion_decl
        | Rule::override_decl => {
            "a declaration (`clause`, `unit`, `enum`, `record`, `input`, `parameter`, `definition`, `conclusion`, `override`, `row` or `label`)"
        }
        Rule::require => "`require CONDITION else \"message\"`",
        Rule::default => "`= DEFAULT`",
        Rule::declared_type => "`: TYPE`",
        Rule::path => "an input path like `report.pages`",
        Rule::formals => "`(NAME : TYPE, …)`",
        Rule::formal => "`NAME : TYPE`",
        Rule::base_rule | Rule::exception_rule | Rule::member_rule => {
            "a rule (`rule`, `exception` or `member`)"
        }
        Rule::rule_refs => "the labels of the rules it overrides",
        Rule::condition => "`when CONDITION`",
        Rule::gives => "`gives VALUE`",
        Rule::override_rule | Rule::override_kind => {
            "`rule`, `exception`, `member`, `clause` or `parameter`"
        }
        Rule::citations => "`per \"CLAUSE\"`",
        Rule::reading | Rule::kw_reading => "`reading \"…\"`",
        Rule::type_expr
        | Rule::optional_type
        | Rule::list_type
        | Rule::set_type
        | Rule::number_type
        | Rule::number_kind
        | Rule::named_type => "a type",
        Rule::type_unit | Rule::unit_name => "a unit",
        Rule::expr => "an expression",
        Rule::or_op
        | Rule::and_op
        | Rule::eq_op
        | Rule::ne_op
        | Rule::le_op
        | Rule::ge_op
        | Rule::lt_op
        | Rule::gt_op
        | Rule::in_op
        | Rule::not_in_op
        | Rule::add_op
        | Rule::sub_op
        | Rule::mul_op
        | Rule::div_op => "an operator",
        Rule::not_op | Rule::neg_op | Rule::prefix_word => "`not`",
        Rule::is_absent | Rule::is_present | Rule::is_empty | Rule::is_not_empty => "`is …`",
        Rule::as_unit => "`as UNIT`",
        Rule::field_access => "`.field`",
        Rule::boolean => "`true` or `false`",
        Rule::none_lit => "`none`",
        Rule::list_lit => "a list like `[a, b]`",
        Rule::paren => "`(`",
        Rule::percent_sign => "`%`",
        Rule::if_expr => "`if … then … else …`",
        Rule::count_expr | Rule::sum_expr | Rule::any_expr | Rule::every_expr | Rule::each_expr => {
            "an aggregate"
        }
        Rule::binder => "`NAME in LIST`",
        Rule::filter => "`where CONDITION`",
        Rule::keyword | Rule::item_keyword => "a keyword",
        Rule::policy_file | Rule::items_file => "a policy",
        Rule::informative => "`informative \"REASON\"`",
        Rule::field_decl => "a record field `NAME : TYPE`",
        Rule::item => "a declaration",
        Rule::conclusion_rule => "a rule (`rule`, `exception` or `member`)",
        Rule::decision_table | Rule::kw_table => "a decision table (`table first`, …)",
        Rule::hit_policy => "a hit policy (`first`, `unique`, `any` or `collect`)",
        Rule::table_columns => "the table's columns (`columns | EXPR | …`)",
        Rule::table_row | Rule::row_decl | Rule::override_row => {
            "a table row (`row LABEL | CELL | … | gives VALUE per \"CLAUSE\"`)"
        }
        Rule::row_cells | Rule::cell => {
            "a cell (`-`, a value, `< VALUE`, `[LOW .. HIGH]`, `in [..]`)"
        }
        Rule::any_cell => "`-`",
        Rule::compare_cell => "a comparison like `<= 12 weeks`",
        Rule::range_cell | Rule::range_open | Rule::range_close => "a range like `[1 .. 4]`",
        Rule::in_cell => "`in [VALUES]`",
        Rule::primary | Rule::postfixed => "a value",
        Rule::infix | Rule::infix_op | Rule::operator => "an operator",
        // Messages name every form these let through ([`gate_words`]); one of them here.
        Rule::postfix_word => "`is …`",
        Rule::word_form => "an aggregate",
        Rule::digit => "a number",
        Rule::prefix | Rule::postfix => "an expression",
        Rule::kw_optional => "`optional`",
        Rule::WHITESPACE | Rule::comment_text => "a space",
        Rule::line_end | Rule::text_break => "the end of a line",
    }
}
