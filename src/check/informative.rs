//! The `informative-states-rule` lint: a clause marked `informative` sets no rule, so nothing
//! cites it and no finding says it is unused. When its text states a duration, a date, a number
//! of pages or an obligation, that is worth a reason (`informative "…"`): the paragraph may be
//! a rule the policy forgot (as 2.3.1-3 of the BTS annex once was), and a reviewer reads why
//! it is not.

use crate::ast::Clause;
use crate::diagnostic::{Code, Diagnostic};
use crate::eval::words::{MONTHS_EN, MONTHS_FR};
use crate::span::{SourceMap, Span};

/// What a clause's text states that a rule could decide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Statement {
    /// « doit », « obligatoire », « ne peut », « est tenu »…
    Obligation,
    /// « douze semaines », « six mois »…
    Duration,
    /// « 18 avril 2025 », `2025-04-18`…
    Date,
    /// « cinquante pages »…
    Pages,
}

impl Statement {
    fn words(self) -> &'static str {
        match self {
            Statement::Obligation => "an obligation",
            Statement::Duration => "a duration",
            Statement::Date => "a date",
            Statement::Pages => "a number of pages",
        }
    }
}

/// Words that state an obligation on their own.
const OBLIGATIONS: &[&str] = &[
    "doit",
    "doivent",
    "devra",
    "devront",
    "obligatoire",
    "obligatoires",
    "obligatoirement",
    "must",
    "shall",
    "mandatory",
];
/// « ne peut », « ne pourra »…: the word after « ne ».
const CANNOT: &[&str] = &[
    "peut",
    "peuvent",
    "pourra",
    "pourront",
    "saurait",
    "sauraient",
];
/// « est tenu », « sont tenus »…
const BOUND_VERB: &[&str] = &["est", "sont", "sera", "seront"];
const BOUND: &[&str] = &["tenu", "tenue", "tenus", "tenues"];
/// Numbers written in words (French and English), « demi » for « demi-page ».
const NUMBERS: &[&str] = &[
    "un",
    "une",
    "deux",
    "trois",
    "quatre",
    "cinq",
    "six",
    "sept",
    "huit",
    "neuf",
    "dix",
    "onze",
    "douze",
    "treize",
    "quatorze",
    "quinze",
    "seize",
    "vingt",
    "trente",
    "quarante",
    "cinquante",
    "soixante",
    "cent",
    "demi",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "eight",
    "ten",
    "twelve",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "hundred",
    "half",
];
const DURATIONS: &[&str] = &[
    "jour", "jours", "semaine", "semaines", "mois", "an", "ans", "année", "années", "heure",
    "heures", "day", "days", "week", "weeks", "month", "months", "year", "years", "hour", "hours",
];
const PAGES: &[&str] = &["page", "pages"];

/// A word of a text: where it is, and its lowercase form.
struct Word {
    start: usize,
    end: usize,
    lower: String,
}

/// The words of `text` (runs of letters and digits: an apostrophe or a hyphen separates two).
fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, ch) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (ch.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                let word = text.get(s..i).unwrap_or_default();
                out.push(Word {
                    start: s,
                    end: i,
                    lower: word.to_lowercase(),
                });
                start = None;
            }
            _ => {}
        }
    }
    out
}

fn is_number(word: &str) -> bool {
    word.chars().all(|c| c.is_ascii_digit()) || NUMBERS.contains(&word)
}

/// What two words in a row state (« ne peut », « douze semaines », « 18 avril »), if anything.
fn two_words(first: &str, second: &str) -> Option<Statement> {
    let number = is_number(first);
    if (first == "ne" && CANNOT.contains(&second))
        || (BOUND_VERB.contains(&first) && BOUND.contains(&second))
    {
        Some(Statement::Obligation)
    } else if (number || first == "1er")
        && (MONTHS_FR.contains(&second) || MONTHS_EN.contains(&second))
    {
        Some(Statement::Date)
    } else if number && DURATIONS.contains(&second) {
        Some(Statement::Duration)
    } else if number && PAGES.contains(&second) {
        Some(Statement::Pages)
    } else {
        None
    }
}

/// The first statement of `text` that a rule could decide, with the byte range of its words.
pub(crate) fn statement(text: &str) -> Option<(Statement, usize, usize)> {
    let words = words(text);
    let digits =
        |w: &Word, n: usize| w.lower.len() == n && w.lower.chars().all(|c| c.is_ascii_digit());
    let glued = |a: &Word, b: &Word| matches!(text.get(a.end..b.start), Some("-" | "/"));
    for (i, w) in words.iter().enumerate() {
        if OBLIGATIONS.contains(&w.lower.as_str()) {
            return Some((Statement::Obligation, w.start, w.end));
        }
        let Some(next) = words.get(i + 1) else {
            break;
        };
        if let Some(kind) = two_words(&w.lower, &next.lower) {
            return Some((kind, w.start, next.end));
        }
        // 2025-04-18, 2025/04/18
        if let Some(day) = words.get(i + 2)
            && digits(w, 4)
            && digits(next, 2)
            && digits(day, 2)
            && glued(w, next)
            && glued(next, day)
        {
            return Some((Statement::Date, w.start, day.end));
        }
    }
    None
}

/// The finding for an informative clause without a reason whose text states a rule, if it
/// does: the caret under the words, as written in the file.
pub(crate) fn finding(clause: &Clause, sources: &SourceMap) -> Option<Diagnostic> {
    if !clause.informative || clause.reason.is_some() {
        return None;
    }
    let span = clause.text.span;
    let written = sources.snippet(span);
    let (kind, start, end) = statement(written)?;
    // Words on two lines (« ne » at the end of one, « peut » on the next): the first alone.
    let end = match written.get(start..end) {
        Some(words) if words.contains('\n') => start + words.find(char::is_whitespace).unwrap_or(0),
        _ => end,
    };
    let quoted = written.get(start..end).unwrap_or_default();
    let at = Span::new(span.file, span.start + start, span.start + end);
    Some(
        Diagnostic::warning(
            Code::InformativeStatesRule,
            at,
            format!(
                "informative clause `{}` states {} (`{quoted}`) without saying why it sets no rule",
                clause.id.node,
                kind.words()
            ),
        )
        .with_label(kind.words())
        .with_help(
            "if the clause sets a rule, write the rule and cite the clause; if not, say why after \
             `informative`: `informative \"objectifs du stage\"`",
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::{Statement, statement};

    fn kind(text: &str) -> Option<Statement> {
        statement(text).map(|(k, _, _)| k)
    }

    #[test]
    fn states_what_a_rule_could_decide() {
        assert_eq!(
            kind("le stage est obligatoire"),
            Some(Statement::Obligation)
        );
        assert_eq!(
            kind("la durée ne peut être inférieure"),
            Some(Statement::Obligation)
        );
        assert_eq!(kind("le jury étant tenu informé"), None);
        assert_eq!(
            kind("le jury est tenu informé"),
            Some(Statement::Obligation)
        );
        assert_eq!(
            kind("une durée de douze semaines"),
            Some(Statement::Duration)
        );
        assert_eq!(kind("pendant six mois"), Some(Statement::Duration));
        assert_eq!(
            kind("un rapport de cinquante pages"),
            Some(Statement::Pages)
        );
        assert_eq!(kind("un résumé d’une demi-page"), Some(Statement::Pages));
        assert_eq!(kind("avant le 18 avril 2025"), Some(Statement::Date));
        assert_eq!(kind("avant le 2025-04-18"), Some(Statement::Date));
    }

    #[test]
    fn objectives_state_nothing() {
        assert_eq!(kind("C01 : Adopter des comportements professionnels"), None);
        assert_eq!(kind("découvrir le monde de l’entreprise"), None);
        assert_eq!(
            kind("les objectifs et les modalités de formation (durée, calendrier)"),
            None
        );
    }

    #[test]
    fn the_caret_is_under_the_words() {
        let text = "| Le stage, de douze semaines, est fait.";
        let found = statement(text).map(|(_, start, end)| text.get(start..end));
        assert_eq!(found, Some(Some("douze semaines")));
    }
}
