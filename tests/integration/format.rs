//! `clausier fmt`: the canonical layout, its idempotence, and that it never changes meaning.
//!
//! The cases read a small policy, format it and compare with the layout expected; the property
//! tests (`roundtrip`, `broken_lines_roundtrip`) print random ASTs made by `generate` and parse
//! them back.

#![expect(
    clippy::unwrap_used,
    reason = "a test fails loudly on what it did not expect"
)]

use clausier::ast::{ExprKind, ItemKind, Policy};
use clausier::format::{WIDTH, format_policy, format_source};
use clausier::span::FileId;
use clausier::syntax::parse;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use std::path::Path;

const HEADER: &str = "policy p\nversion \"1\"\n";

/// Formats `text`, checks the result is a fixed point with the same AST, and returns it.
fn fmt(text: &str) -> String {
    let formatted = format_source(FileId(0), text).unwrap();
    let again = format_source(FileId(0), &formatted).unwrap();
    assert_eq!(again, formatted, "formatting is not idempotent");
    let before = parse(FileId(0), text).unwrap();
    let after = parse(FileId(0), &formatted).unwrap();
    assert!(before == after, "formatting changed the AST");
    formatted
}

/// The canonical form of one expression, written as a parameter's value, printed from its AST
/// alone (`format_policy`): with the fewest parentheses.
fn fmt_expr(expr: &str) -> String {
    let text = format!("{HEADER}parameter x = {expr} per \"a\"\n");
    let policy = parse(FileId(0), &text).unwrap();
    let formatted = format_policy(&policy);
    assert!(
        parse(FileId(0), &formatted).unwrap() == policy,
        "changed the AST"
    );
    let line = formatted
        .lines()
        .find(|l| l.starts_with("parameter x = "))
        .unwrap();
    let value = line.strip_prefix("parameter x = ").unwrap();
    value.rsplit_once(" per ").unwrap().0.trim_end().to_string()
}

#[test]
fn parentheses_follow_precedence() {
    let cases = [
        ("(a - b) - c", "a - b - c"),
        ("a - (b - c)", "a - (b - c)"),
        ("a / (b * c)", "a / (b * c)"),
        ("(a + b) * c", "(a + b) * c"),
        ("a + (b * c)", "a + b * c"),
        ("(a or b) and c", "(a or b) and c"),
        ("a or (b and c)", "a or b and c"),
        ("(a or b) or c", "a or b or c"),
        ("a and (b and c)", "a and (b and c)"),
        ("not (a = b)", "not a = b"),
        ("(not a) = b", "(not a) = b"),
        ("a = (not b)", "a = (not b)"),
        ("a and (not b)", "a and not b"),
        ("not (a and b)", "not (a and b)"),
        ("not (not a)", "not not a"),
        ("(a = b) = c", "a = b = c"),
        ("a < (b + 1)", "a < b + 1"),
        ("(a in s) = (b not in t)", "a in s = (b not in t)"),
        ("-(a.b)", "-a.b"),
        ("(-a).b", "(-a).b"),
        ("-(a * b)", "-(a * b)"),
        ("(-a) * b", "-a * b"),
        ("a - (-b)", "a - -b"),
        ("-(-a)", "--a"),
        ("-(a as weeks)", "-a as weeks"),
        ("(-a) as weeks", "(-a) as weeks"),
        ("(a as weeks).days", "(a as weeks).days"),
        ("(a * b) as weeks", "(a * b) as weeks"),
        ("(a.b) as weeks", "a.b as weeks"),
        ("(a + b) is absent", "a + b is absent"),
        ("(a = b) is present", "a = b is present"),
        ("a = (b is absent)", "a = (b is absent)"),
        ("(not a) is empty", "(not a) is empty"),
        ("not (a is not empty)", "not a is not empty"),
        ("((((x))))", "x"),
        ("f((a + b), [(c), (d or e)])", "f(a + b, [c, d or e])"),
    ];
    for (input, expected) in cases {
        assert_eq!(fmt_expr(input), expected, "formatting `{input}`");
    }
}

#[test]
fn if_and_aggregates_are_parenthesised_unless_last() {
    let cases = [
        ("1 + (count of p in xs)", "1 + count of p in xs"),
        ("(count of p in xs) + 1", "(count of p in xs) + 1"),
        ("d and (if a then b else c)", "d and if a then b else c"),
        ("(if a then b else c) and d", "(if a then b else c) and d"),
        ("(if a then b else c).f", "(if a then b else c).f"),
        ("not (any p in xs where p.ok)", "not any p in xs where p.ok"),
        (
            "(any p in xs where p.ok) or z",
            "(any p in xs where p.ok) or z",
        ),
        (
            "any p in xs where (p.ok or z)",
            "any p in xs where p.ok or z",
        ),
        (
            "(every p in xs satisfies p.ok) = b",
            "(every p in xs satisfies p.ok) = b",
        ),
        (
            "x = (sum of p.n for p in xs where p.ok)",
            "x = sum of p.n for p in xs where p.ok",
        ),
        (
            "(sum of p.n for p in xs) > 3",
            "(sum of p.n for p in xs) > 3",
        ),
        (
            "sum of (count of q in p.items) for p in xs",
            "sum of (count of q in p.items) for p in xs",
        ),
        (
            "count of p in (each q in xs where q.ok)",
            "count of p in (each q in xs where q.ok)",
        ),
        (
            "count of p in (count of q in xs) where p",
            "count of p in (count of q in xs) where p",
        ),
        (
            "if (if a then b else c) then d else e",
            "if (if a then b else c) then d else e",
        ),
        (
            "if a then (if b then c else d) else (if e then f else g)",
            "if a then (if b then c else d) else if e then f else g",
        ),
        ("f((if a then b else c), 2)", "f(if a then b else c, 2)"),
        (
            "a and (b or (if c then d else e))",
            "a and (b or if c then d else e)",
        ),
        (
            "(a and (if c then d else e)) or f",
            "a and (if c then d else e) or f",
        ),
        ("-(count of p in xs)", "-count of p in xs"),
        ("(-(count of p in xs)) * 2", "-(count of p in xs) * 2"),
    ];
    for (input, expected) in cases {
        assert_eq!(fmt_expr(input), expected, "formatting `{input}`");
    }
}

#[test]
fn operators_numbers_and_strings_are_canonical() {
    let cases = [
        ("a ≠ b", "a != b"),
        ("a ≤ b", "a <= b"),
        ("a ≥ b", "a >= b"),
        ("a × b", "a * b"),
        ("a not   in b", "a not in b"),
        ("a   is   not   empty", "a is not empty"),
        // The scale is kept (a decision shows it: `4.50 * 2` is `9.00`), leading zeros are not.
        ("4.50", "4.50"),
        ("007", "7"),
        ("007.50", "7.50"),
        ("0.0", "0.0"),
        ("12.000 weeks", "12.000 weeks"),
        ("1.250 + 2", "1.250 + 2"),
        ("2027-04-16 - 1 day", "2027-04-16 - 1 day"),
        ("[ ]", "[]"),
        ("[1,2 ,3]", "[1, 2, 3]"),
        (
            r#""say \"hi\" \\ # not a comment""#,
            r#""say \"hi\" \\ # not a comment""#,
        ),
        ("none", "none"),
        ("true", "true"),
    ];
    for (input, expected) in cases {
        assert_eq!(fmt_expr(input), expected, "formatting `{input}`");
    }
}

#[test]
fn comments_are_kept_before_their_nodes() {
    let text = r#"# about the policy
policy p   # on the policy line
version "1"
# between header lines
title "T"
# the unit
unit pages
# a record
record r
    # a field
    a : bool = false
    require a else "no"   # on a require line
    # another field
    b : integer
conclusion c : bool
    # the base rule
    rule base gives false per "1"
    # the exception
    exception e of base when r.a gives true per "1"
# at the end
#
#    indented text
"#;
    let expected = r#"# about the policy
# on the policy line
# between header lines
policy p
version "1"
title "T"

# the unit
unit pages

# a record
# on a require line
record r
  # a field
  a : bool = false
  # another field
  b : integer
  require a else "no"

conclusion c : bool
  # the base rule
  rule base
    gives false
    per "1"
  # the exception
  exception e of base
    when r.a
    gives true
    per "1"

# at the end
#
#    indented text
"#;
    assert_eq!(fmt(text), expected);
}

#[test]
fn clause_text_is_refilled_to_the_width() {
    let words: Vec<String> = (0..60).map(|i| format!("mot{i}")).collect();
    let long_word = "x".repeat(120);
    let text = format!(
        "{HEADER}clause \"1\" section \"1\"\n  | {}\n  |\n  |   {}\n  | {long_word} fin « Métiers » : oui ; ok\n",
        words.get(..7).unwrap().join(" "),
        words.get(7..).unwrap().join("    "),
    );
    let formatted = fmt(&text);
    let lines: Vec<&str> = formatted.lines().filter(|l| l.starts_with("  |")).collect();
    assert!(lines.len() > 3, "{formatted}");
    for line in &lines {
        let fits = line.chars().count() <= WIDTH;
        assert!(
            fits || line == &format!("  | {long_word}"),
            "line too long: {line}"
        );
        assert!(!line.ends_with(' '), "trailing space: {line:?}");
    }
    // Filled: no line could have taken the first word of the next one.
    for pair in lines.windows(2) {
        let [this, next] = pair else { continue };
        let word = next.trim_start_matches("  | ").split(' ').next().unwrap();
        let this_width = this.chars().count();
        let joined = this_width + 1 + word.chars().count();
        assert!(joined > WIDTH, "`{word}` fits on `{this}`");
    }
    assert!(lines.contains(&format!("  | {long_word}").as_str()));
    assert!(formatted.contains("fin « Métiers » : oui ; ok"));
}

#[test]
fn french_punctuation_stays_with_its_word() {
    let filler = "a".repeat(WIDTH - 4 - 6);
    let text = format!("{HEADER}clause \"1\" section \"1\"\n  | {filler} bb « cc » dd\n");
    let formatted = fmt(&text);
    assert!(
        formatted.contains(&format!("  | {filler} bb\n  | « cc » dd\n")),
        "{formatted}"
    );
    let text = format!("{HEADER}clause \"1\" section \"1\"\n  | {filler} bbbb :\n");
    let formatted = fmt(&text);
    assert!(
        formatted.contains(&format!("  | {filler}\n  | bbbb :\n")),
        "{formatted}"
    );
}

#[test]
fn long_conditions_break_before_and_or() {
    let text = format!(
        "{HEADER}conclusion c : bool
  rule r
    when candidate.pathway = formation_continue and candidate.continuing_education = perfectionnement and qualifying_employment
    gives true
    per \"1\"
  rule s
    when report.submitted_on is present and analyse_juridique in report.parts and (report.legal_analysis_pages < legal_analysis_min_pages or report.legal_analysis_pages > legal_analysis_max_pages)
    gives true
    per \"1\"

definition all_days : days per \"2\"
  = sum of days_within(j, exam_date - perfectionnement_part_time_window) for j in employment where certified_metrology_job(j)
"
    );
    let expected = format!(
        "{HEADER}
conclusion c : bool
  rule r
    when candidate.pathway = formation_continue
      and candidate.continuing_education = perfectionnement
      and qualifying_employment
    gives true
    per \"1\"
  rule s
    when report.submitted_on is present
      and analyse_juridique in report.parts
      and (report.legal_analysis_pages < legal_analysis_min_pages
           or report.legal_analysis_pages > legal_analysis_max_pages)
    gives true
    per \"1\"

definition all_days : days                                per \"2\"
  = sum of days_within(j, exam_date - perfectionnement_part_time_window) for j in employment
    where certified_metrology_job(j)
"
    );
    assert_eq!(fmt(&text), expected);
}

/// A policy written carelessly: every kind of item, odd spacing, redundant parentheses (kept,
/// once: the author wrote them for the reader).
const SAMPLE: &str = r#"
# Sample regulation: a layer of every kind of declaration.
policy  sample-policy
version   "2027"
effective   from 2026-09-01
extends "base"
title "Un règlement « exemplaire »"
source "Arrêté du 1er janvier 2026"
clause "1-1" section "1"
   | Une période de stage d’une durée
   | minimale de douze semaines est obligatoire.
clause "1-2" section "1" informative
  | Objectifs.
# 2: the report
clause "2-1" section "2"
  | Le rapport ne dépasse pas cinquante pages.
unit pages
unit points
enum pathway = scolaire|apprentissage |  formation_continue
enum outcome = ok | ko
record period
  start : date
  end : date
  host : optional text
  weeks_off : integer = 0
  abroad : bool = false
  require end >= start else "the period ends before it starts"
input candidate.pathway : pathway per "1-1"
input internship.periods : list of period = [ ] per "1-1"
input report.pages : integer pages per "2-1"
input report.parts : set of text
parameter normal_weeks = 012.0 weeks per "1-1"
parameter max_pages : integer pages = 50 pages per "2-1"
parameter deadline : date per "2-1"
definition weeks_of(p : period) : weeks per "1-1"
  = floor(((p.end - p.start) + 3 days) as weeks)
definition completed : weeks = sum of weeks_of(p) for p in internship.periods where (not p.abroad)
conclusion status : outcome
  rule too_short gives ko per "1-1"
  exception long_enough of too_short when (completed >= normal_weeks) gives ok per "1-1"
conclusion report_ok : bool
  rule ok gives ((report.pages <= max_pages)) per "2-1"
override parameter normal_weeks = 8 weeks per "1-1"
override rule status.too_short when candidate.pathway = scolaire gives ko per "1-1"
override clause "2-1" section "2"
  | Le rapport ne dépasse pas quarante pages.
"#;

const SAMPLE_FORMATTED: &str = r#"# Sample regulation: a layer of every kind of declaration.
policy sample-policy
version "2027"
effective from 2026-09-01
extends "base"
title "Un règlement « exemplaire »"
source "Arrêté du 1er janvier 2026"

clause "1-1" section "1"
  | Une période de stage d’une durée minimale de douze semaines est obligatoire.
clause "1-2" section "1" informative
  | Objectifs.

# 2: the report
clause "2-1" section "2"
  | Le rapport ne dépasse pas cinquante pages.

unit pages
unit points

enum pathway = scolaire | apprentissage | formation_continue
enum outcome = ok | ko

record period
  start : date
  end : date
  host : optional text
  weeks_off : integer = 0
  abroad : bool = false
  require end >= start else "the period ends before it starts"

input candidate.pathway : pathway                         per "1-1"
input internship.periods : list of period = []            per "1-1"
input report.pages : integer pages                        per "2-1"
input report.parts : set of text

parameter normal_weeks = 12.0 weeks                       per "1-1"
parameter max_pages : integer pages = 50 pages            per "2-1"
parameter deadline : date                                 per "2-1"

definition weeks_of(p : period) : weeks                   per "1-1"
  = floor(((p.end - p.start) + 3 days) as weeks)

definition completed : weeks
  = sum of weeks_of(p) for p in internship.periods where (not p.abroad)

conclusion status : outcome
  rule too_short
    gives ko
    per "1-1"
  exception long_enough of too_short
    when (completed >= normal_weeks)
    gives ok
    per "1-1"

conclusion report_ok : bool
  rule ok
    gives (report.pages <= max_pages)
    per "2-1"

override parameter normal_weeks = 8 weeks                 per "1-1"

override rule status.too_short
  when candidate.pathway = scolaire
  gives ko
  per "1-1"

override clause "2-1" section "2"
  | Le rapport ne dépasse pas quarante pages.
"#;

#[test]
fn sample_policy_gets_the_canonical_layout() {
    assert_eq!(fmt(SAMPLE), SAMPLE_FORMATTED);
    assert_eq!(fmt(SAMPLE_FORMATTED), SAMPLE_FORMATTED);
}

/// The widest line a policy of the repository may have after `clausier fmt`.
const MAX_LINE: usize = 100;

/// Every policy of the repository (`policies/`, `tests/policies/`, the request of the OpenAPI
/// examples, and those of `tests/broken/` that parse) formats to a text that means the same
/// (`format_source` proves it), that formatting again leaves as it is, and whose lines are at
/// most [`MAX_LINE`] columns (a long title, source, label or message goes on over several
/// lines). The shipped policies are formatted; the broken ones and the example request are left
/// as written, the diagnostics' snapshots pointing into the first.
#[test]
fn the_repository_policies_format_stably_within_100_columns() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let broken = root.join("tests/broken");
    let as_written = [broken.clone(), root.join("openapi/examples")];
    let mut files = Vec::new();
    for dir in [
        "policies",
        "tests/policies",
        "tests/broken",
        "openapi/examples",
    ] {
        policy_files(&root.join(dir), &mut files);
    }
    let mut seen = 0;
    for path in &files {
        let name = path.display();
        let text = std::fs::read_to_string(path).unwrap();
        let Ok(formatted) = format_source(FileId(0), &text) else {
            assert!(path.starts_with(&broken), "{name} does not format");
            continue;
        };
        let again = format_source(FileId(0), &formatted).unwrap();
        assert_eq!(again, formatted, "{name}: formatting is not idempotent");
        for line in formatted.lines() {
            assert!(
                line.chars().count() <= MAX_LINE,
                "{name}: a line of {} columns:\n{line}",
                line.chars().count()
            );
        }
        if !as_written.iter().any(|dir| path.starts_with(dir)) {
            assert!(
                formatted == text,
                "{name} is not formatted: run `clausier fmt {name}`"
            );
        }
        seen += 1;
    }
    assert!(seen > 40, "{seen} policies");
}

/// The `.policy` files under `dir`, at any depth.
fn policy_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            policy_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "policy") {
            out.push(path);
        }
    }
}

#[test]
fn a_file_that_does_not_parse_gives_the_parser_diagnostics() {
    let errors = format_source(FileId(0), "policy p\nversion 1\n").unwrap_err();
    assert!(
        errors.iter().all(|d| d.code == "syntax-error"),
        "{errors:?}"
    );
}

#[test]
fn policies_compare_equal_whatever_their_layout() {
    let a = parse(
        FileId(0),
        &format!("{HEADER}conclusion c : bool\n  rule r gives true per \"1\"\n"),
    )
    .unwrap();
    let b = parse(
        FileId(1),
        &format!("\n\n{HEADER}conclusion c : bool rule r gives true per \"1\""),
    )
    .unwrap();
    let c = parse(
        FileId(0),
        &format!("{HEADER}conclusion c : bool\n  rule r gives false per \"1\"\n"),
    )
    .unwrap();
    assert!(a == b);
    assert!(a != c);
}

#[test]
fn a_printed_ast_the_syntax_cannot_say_is_caught() {
    // A negative number literal reads back as `-` applied to a positive one: `format_source`
    // compares the ASTs for exactly this kind of slip.
    let mut policy: Policy =
        parse(FileId(0), &format!("{HEADER}parameter x = 3 per \"a\"\n")).unwrap();
    let Some(ItemKind::Parameter(parameter)) = policy.items.first_mut().map(|i| &mut i.kind) else {
        unreachable!("the policy has one parameter");
    };
    let Some(value) = std::sync::Arc::make_mut(parameter).value.as_mut() else {
        unreachable!("the parameter has a value")
    };
    value.node = ExprKind::Number(rust_decimal::Decimal::new(-3, 0));
    let printed = format_policy(&policy);
    assert!(printed.contains("parameter x = -3"));
    let reparsed = parse(FileId(0), &printed).unwrap();
    assert!(policy != reparsed);
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "tests/integration/format.proptest-regressions",
        ))),
        ..ProptestConfig::default()
    })]

    /// Any AST the syntax can express prints to a text that parses back to it, and printing
    /// that gives the same text.
    #[test]
    fn roundtrip(policy in generate::policy()) {
        reads_back(&policy)?;
    }

    /// Expressions too long for a line are broken, and still read back the same.
    #[test]
    fn broken_lines_roundtrip(policy in generate::long_expressions()) {
        reads_back(&policy)?;
    }

    /// Expressions too long for a line are broken so that every line fits in the width, up to
    /// a depth no regulation reaches: past some twelve levels of nesting, each level's
    /// indentation adds up and a line may drift past the width (it still reads back the same,
    /// which the other properties check).
    #[test]
    fn broken_lines_fit_in_the_width(policy in generate::long_expressions()) {
        prop_assume!(deepest(&policy) <= 12);
        let text = format_policy(&policy);
        for line in text.lines() {
            prop_assert!(line.chars().count() <= WIDTH, "too wide:\n{}\n\n{}", line, text);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "tests/integration/format.proptest-regressions",
        ))),
        ..ProptestConfig::default()
    })]

    /// A text of words separated by single spaces goes on over as many lines as it needs, each
    /// within the width wherever it starts (a title, a source, a message, a label's texts), and
    /// reads back the same.
    #[test]
    fn long_texts_fit_in_the_width(words in proptest::collection::vec("[a-zA-Z0-9\u{e9}\"\\\\.,()-]{1,14}", 1..60)) {
        let value = words.join(" ").replace('\\', "\\\\").replace('"', "\\\"");
        let text = format!(
            "{HEADER}title \"{value}\"\nsource \"{value}\"\nrecord r\n  a : integer\n  \
             require a > 0 else \"{value}\"\nlabel r.a \"{value}\"\n  question en \"{value}\"\n  \
             help \"{value}\"\n"
        );
        let formatted = format_source(FileId(0), &text);
        prop_assert!(formatted.is_ok(), "{:?}", formatted.err());
        let formatted = formatted.unwrap();
        for line in formatted.lines() {
            prop_assert!(line.chars().count() <= WIDTH, "too wide:\n{}\n\n{}", line, formatted);
        }
        prop_assert_eq!(format_source(FileId(0), &formatted).ok(), Some(formatted));
    }
}

/// How deeply the expressions of `policy` nest.
fn deepest(policy: &Policy) -> usize {
    use clausier::ast::Expr;
    fn depth(e: &Expr) -> usize {
        let children: Vec<&Expr> = match &e.node {
            ExprKind::Field(x, _)
            | ExprKind::Unary(_, x)
            | ExprKind::Is(x, _)
            | ExprKind::As(x, _) => {
                vec![x]
            }
            ExprKind::Binary(_, a, b) => vec![a, b],
            ExprKind::If(a, b, c) => vec![a, b, c],
            ExprKind::Call(_, args) | ExprKind::List(args) => args.iter().collect(),
            ExprKind::Aggregate {
                list,
                value,
                condition,
                ..
            } => {
                let mut v: Vec<&Expr> = vec![list];
                v.extend(value.as_deref());
                v.extend(condition.as_deref());
                v
            }
            _ => Vec::new(),
        };
        1 + children.into_iter().map(depth).max().unwrap_or(0)
    }
    let mut deepest = 0;
    for item in &policy.items {
        match &item.kind {
            ItemKind::Definition(d) => deepest = deepest.max(depth(&d.body)),
            ItemKind::Conclusion(c) => {
                for r in &c.rules {
                    for e in r.condition.iter().chain(r.value.iter()) {
                        deepest = deepest.max(depth(e));
                    }
                }
            }
            _ => {}
        }
    }
    deepest
}

/// `policy` prints to a text that parses back to it, and that prints to the same text, from its
/// AST or from the text (whose parentheses and blank lines are then all the printer's own).
fn reads_back(policy: &Policy) -> Result<(), TestCaseError> {
    let text = format_policy(policy);
    let parsed = parse(FileId(0), &text);
    prop_assert!(
        parsed.is_ok(),
        "does not parse: {:?}\n{}",
        parsed.err(),
        text
    );
    let parsed = parsed.unwrap();
    prop_assert!(&parsed == policy, "reads back differently:\n{}", text);
    prop_assert_eq!(format_policy(&parsed), text.clone());
    prop_assert_eq!(format_source(FileId(0), &text).ok(), Some(text));
    Ok(())
}

/// Strategies for random ASTs, within what the syntax can say: names that are not keywords,
/// non-negative number literals, strings without line breaks, comments without trailing
/// spaces, clause text as single-spaced words, and the parts each kind of rule requires.
mod generate {
    use chrono::NaiveDate;
    use clausier::ast::{
        AddedRow, Aggregate, BinOp, Cell, Clause, ConclusionDecl, DefinitionDecl, EnumDecl, Expr,
        ExprKind, FieldDecl, Formal, Header, HitPolicy, InputDecl, IsTest, Item, ItemKind,
        LabelDecl, LabelKind, LabelPart, Name, Override, ParameterDecl, Policy, RecordDecl,
        Require, Rule, RuleKind, Table, TypeExpr, UnOp,
    };
    use clausier::span::{Span, Spanned};
    use proptest::collection::vec;
    use proptest::option;
    use proptest::prelude::*;
    use rust_decimal::Decimal;
    use std::sync::Arc;

    /// Names: none is a keyword, some start like one (`notes`, `ask`, `order`, `iffy`), and
    /// some are declaration words, which the grammar accepts as names.
    const NAMES: &str = "a b x total weeks_of p _tmp r2 notes ask indent order android island \
        iffy anyone counted summary everyone eachx then_ nonempty perx weeks rule member \
        conclusion requirement";
    /// Units: names, but no declaration word (`3 rule` is not a quantity).
    const UNITS: &str = "pages weeks days km unite asx inches";
    /// Named types: not `integer`, `decimal` or `optional`, which start other types.
    const TYPES: &str = "bool text date weeks period list set optionally integers rule";
    /// Record fields, path segments and `.field`: any word, keywords included, but `require`,
    /// which starts a `require` line in a record.
    const FIELDS: &str = "end and or in is not as of where per if then else true none satisfies \
        gives when for count a x notes rule unit optional assessed iffy island inches oracle \
        android nothing isempty isabsent isnot";

    fn spanned<T>(node: T) -> Spanned<T> {
        Spanned::new(node, Span::default())
    }

    /// One of the words of `pool`.
    fn pick(pool: &'static str) -> impl Strategy<Value = String> + Clone {
        let words: Vec<&'static str> = pool.split_whitespace().collect();
        proptest::sample::select(words).prop_map(str::to_string)
    }

    fn name() -> impl Strategy<Value = Name> + Clone {
        pick(NAMES).prop_map(spanned)
    }

    fn unit() -> impl Strategy<Value = Name> + Clone {
        pick(UNITS).prop_map(spanned)
    }

    /// A string literal's content: quotes, backslashes, `#` and `|` included.
    fn text() -> impl Strategy<Value = String> + Clone {
        "[a-zA-Z0-9 \t\u{e9}\u{ab}\u{bb}#|\"\\\\.,:;-]{0,12}"
    }

    fn string() -> impl Strategy<Value = Name> + Clone {
        text().prop_map(spanned)
    }

    /// A text for people (a title, a label, a message), often longer than a line: words of
    /// up to 14 characters (quotes, backslashes and French punctuation among them) mostly
    /// separated by one space, sometimes by two, a tab or a non-breaking space, and now and
    /// then with a space at either end.
    fn prose_text() -> impl Strategy<Value = String> + Clone {
        let word = "[a-zA-Z0-9\u{e9}\u{ab}\u{bb}#|\"\\\\.,:;!?()-]{1,14}";
        let gap = prop_oneof![
            16 => Just(" "),
            1 => Just("  "),
            1 => Just("\t"),
            1 => Just("\u{a0}"),
        ];
        let ends = prop_oneof![8 => Just(""), 1 => Just(" ")];
        (vec((word, gap), 0..40), ends.clone(), ends).prop_map(|(words, lead, trail)| {
            let mut text = String::from(lead);
            for (i, (word, gap)) in words.iter().enumerate() {
                if i > 0 {
                    text.push_str(gap);
                }
                text.push_str(word);
            }
            text.push_str(trail);
            text
        })
    }

    fn prose() -> impl Strategy<Value = Name> + Clone {
        prop_oneof![text(), prose_text()].prop_map(spanned)
    }

    fn comments() -> impl Strategy<Value = Vec<String>> + Clone {
        let comment = "[ a-zA-Z0-9\u{e9}#|\"=-]{0,16}".prop_map(|c| c.trim_end().to_string());
        vec(comment, 0..3)
    }

    fn citations() -> impl Strategy<Value = Vec<Name>> + Clone {
        vec(string(), 0..3)
    }

    fn number() -> impl Strategy<Value = Decimal> + Clone {
        (0i64..10_000_000, 0u32..5).prop_map(|(m, scale)| Decimal::new(m, scale))
    }

    fn date() -> impl Strategy<Value = NaiveDate> + Clone {
        (1900i32..2100, 1u32..=12, 1u32..=28)
            .prop_filter_map("a day of the calendar", |(y, m, d)| {
                NaiveDate::from_ymd_opt(y, m, d)
            })
    }

    /// Clause text: words joined by single spaces, now and then one wider than the page.
    fn clause_text() -> impl Strategy<Value = String> + Clone {
        let word = prop_oneof![
            8 => "[a-zA-Z\u{e9}\u{ab}\u{bb}\u{2019}:;!?.,()#|\"\\\\-]{1,10}",
            1 => "[a-z]{90,100}",
        ];
        vec(word, 0..30).prop_map(|words| words.join(" "))
    }

    fn type_expr() -> impl Strategy<Value = Spanned<TypeExpr>> + Clone {
        let leaf = prop_oneof![
            option::of(unit()).prop_map(TypeExpr::Integer),
            option::of(unit()).prop_map(TypeExpr::Decimal),
            pick(TYPES).prop_map(TypeExpr::Named),
        ];
        leaf.prop_map(spanned).prop_recursive(3, 6, 1, |inner| {
            prop_oneof![
                inner.clone().prop_map(|t| TypeExpr::Optional(Box::new(t))),
                inner.clone().prop_map(|t| TypeExpr::List(Box::new(t))),
                inner.prop_map(|t| TypeExpr::Set(Box::new(t))),
            ]
            .prop_map(spanned)
        })
    }

    fn leaf_expr() -> impl Strategy<Value = ExprKind> + Clone {
        prop_oneof![
            1 => any::<bool>().prop_map(ExprKind::Bool),
            1 => number().prop_map(ExprKind::Number),
            1 => (number(), unit()).prop_map(|(n, u)| ExprKind::Quantity(n, u)),
            1 => date().prop_map(ExprKind::Date),
            1 => text().prop_map(ExprKind::Text),
            1 => Just(ExprKind::None),
            3 => pick(NAMES).prop_map(ExprKind::Name),
        ]
    }

    fn bin_op() -> impl Strategy<Value = BinOp> + Clone {
        proptest::sample::select(
            &[
                BinOp::Or,
                BinOp::And,
                BinOp::Eq,
                BinOp::Ne,
                BinOp::Lt,
                BinOp::Le,
                BinOp::Gt,
                BinOp::Ge,
                BinOp::In,
                BinOp::NotIn,
                BinOp::Add,
                BinOp::Sub,
                BinOp::Mul,
                BinOp::Div,
            ][..],
        )
    }

    fn is_test() -> impl Strategy<Value = IsTest> + Clone {
        proptest::sample::select(
            &[
                IsTest::Absent,
                IsTest::Present,
                IsTest::Empty,
                IsTest::NotEmpty,
            ][..],
        )
    }

    /// Expressions of depth at most 4.
    fn expr() -> impl Strategy<Value = Expr> + Clone {
        sized_expr(4, 24)
    }

    /// Expressions of depth at most `depth`, of about `size` nodes.
    fn sized_expr(depth: u32, size: u32) -> impl Strategy<Value = Expr> + Clone {
        leaf_expr().prop_map(spanned).prop_recursive(depth, size, 3, |inner| {
            let boxed = inner.clone().prop_map(Box::new);
            prop_oneof![
                4 => (bin_op(), boxed.clone(), boxed.clone())
                    .prop_map(|(op, l, r)| ExprKind::Binary(op, l, r)),
                2 => (prop_oneof![Just(UnOp::Not), Just(UnOp::Neg)], boxed.clone())
                    .prop_map(|(op, x)| ExprKind::Unary(op, x)),
                1 => vec(inner.clone(), 0..3).prop_map(ExprKind::List),
                1 => (boxed.clone(), pick(FIELDS).prop_map(spanned))
                    .prop_map(|(x, f)| ExprKind::Field(x, f)),
                1 => (name(), vec(inner.clone(), 1..3)).prop_map(|(f, args)| ExprKind::Call(f, args)),
                1 => (boxed.clone(), is_test()).prop_map(|(x, t)| ExprKind::Is(x, t)),
                1 => (boxed.clone(), unit()).prop_map(|(x, u)| ExprKind::As(x, u)),
                1 => (boxed.clone(), boxed.clone(), boxed.clone())
                    .prop_map(|(c, a, b)| ExprKind::If(c, a, b)),
                2 => aggregate(boxed),
            ]
            .prop_map(spanned)
        })
    }

    /// An aggregate with the parts its kind requires: `sum` a value, `any`/`every`/`each` a
    /// condition; `count` and `sum` an optional one.
    fn aggregate(
        boxed: impl Strategy<Value = Box<Expr>> + Clone,
    ) -> impl Strategy<Value = ExprKind> + Clone {
        let kind = proptest::sample::select(
            &[
                Aggregate::Count,
                Aggregate::Sum,
                Aggregate::Any,
                Aggregate::Every,
                Aggregate::Each,
            ][..],
        );
        (
            kind,
            name(),
            boxed.clone(),
            boxed.clone(),
            option::of(boxed),
        )
            .prop_map(|(kind, var, list, value, condition)| {
                let optional = matches!(kind, Aggregate::Count | Aggregate::Sum);
                let condition = if optional {
                    condition
                } else {
                    condition.or_else(|| Some(value.clone()))
                };
                ExprKind::Aggregate {
                    kind,
                    var,
                    list,
                    value: (kind == Aggregate::Sum).then_some(value),
                    condition,
                }
            })
    }

    fn clause() -> impl Strategy<Value = Clause> + Clone {
        // The reason of an informative clause, a text that may take several lines.
        let reason = option::of(prose());
        (string(), string(), any::<bool>(), reason, clause_text()).prop_map(
            |(id, section, informative, reason, text)| Clause {
                id,
                section,
                informative,
                reason: reason.filter(|_| informative),
                text: spanned(text),
            },
        )
    }

    fn record() -> impl Strategy<Value = RecordDecl> + Clone {
        let field = (comments(), pick(FIELDS), type_expr(), option::of(expr())).prop_map(
            |(comments, name, ty, default)| FieldDecl {
                comments,
                name: spanned(name),
                ty,
                default,
            },
        );
        let require =
            (expr(), prose()).prop_map(|(condition, message)| Require { condition, message });
        (name(), vec(field, 0..4), vec(require, 0..2))
            .prop_filter("a record declares something", |(_, f, r)| {
                !f.is_empty() || !r.is_empty()
            })
            .prop_map(|(name, fields, requires)| RecordDecl {
                name,
                fields,
                requires,
            })
    }

    /// `label a.b "…"` and its other texts, in every combination of kind and language.
    fn label() -> impl Strategy<Value = LabelDecl> + Clone {
        let target = vec(pick(FIELDS), 1..3).prop_map(spanned);
        let kind = prop_oneof![
            Just(LabelKind::Label),
            Just(LabelKind::Question),
            Just(LabelKind::Help),
            Just(LabelKind::Singular),
        ];
        let lang = option::of(
            prop_oneof![Just("fr"), Just("en")].prop_map(|l: &str| spanned(l.to_string())),
        );
        let part = (kind, lang, prose()).prop_filter_map(
            "a label's other text names its kind or its language",
            |(kind, lang, text)| {
                (kind != LabelKind::Label || lang.is_some()).then_some(LabelPart {
                    kind,
                    lang,
                    text,
                })
            },
        );
        let favourable = vec(pick(FIELDS).prop_map(spanned), 0..3);
        (target, prose(), vec(part, 0..3), favourable).prop_map(
            |(target, text, parts, favourable)| LabelDecl {
                target,
                text,
                parts,
                favourable,
            },
        )
    }

    fn input() -> impl Strategy<Value = InputDecl> + Clone {
        let path = vec(pick(FIELDS), 1..4).prop_map(spanned);
        (path, type_expr(), option::of(expr()), citations()).prop_map(
            |(path, ty, default, citations)| InputDecl {
                path,
                ty,
                default,
                citations,
                // An input's `require` lines are printed as a record's are; the repository's
                // policies (the grant) exercise them.
                requires: Vec::new(),
            },
        )
    }

    fn parameter() -> impl Strategy<Value = ParameterDecl> + Clone {
        (
            name(),
            option::of(type_expr()),
            option::of(expr()),
            citations(),
            option::of(prose()),
        )
            .prop_map(|(name, ty, value, citations, reading)| ParameterDecl {
                name,
                ty,
                value,
                citations,
                reading,
            })
    }

    fn definition() -> impl Strategy<Value = DefinitionDecl> + Clone {
        let formal = (name(), type_expr()).prop_map(|(name, ty)| Formal { name, ty });
        let reading = option::of(prose());
        (
            name(),
            vec(formal, 0..3),
            type_expr(),
            citations(),
            expr(),
            reading,
        )
            .prop_map(
                |(name, params, ty, citations, body, reading)| DefinitionDecl {
                    name,
                    params,
                    ty,
                    citations,
                    body,
                    reading,
                },
            )
    }

    /// What a rule of `kind` overrides: `refs` for an exception, nothing for the others.
    fn exception_refs(kind: RuleKind, refs: Vec<Name>) -> Vec<Name> {
        if kind == RuleKind::Exception {
            refs
        } else {
            Vec::new()
        }
    }

    fn rule_kind() -> impl Strategy<Value = RuleKind> + Clone {
        prop_oneof![
            Just(RuleKind::Rule),
            Just(RuleKind::Exception),
            Just(RuleKind::Member)
        ]
    }

    /// A rule of a conclusion: an exception names what it overrides, a member may omit `gives`.
    fn conclusion_rule() -> impl Strategy<Value = Rule> + Clone {
        let parts = (option::of(expr()), expr(), any::<bool>(), citations());
        let reading = option::of(prose());
        (
            comments(),
            rule_kind(),
            name(),
            vec(name(), 1..3),
            parts,
            reading,
        )
            .prop_map(
                |(comments, kind, label, refs, (condition, value, gives, citations), reading)| {
                    Rule {
                        comments,
                        kind,
                        label,
                        overrides: exception_refs(kind, refs),
                        condition,
                        value: (kind != RuleKind::Member || gives).then_some(value),
                        citations,
                        reading,
                        cells: None,
                        span: Span::default(),
                    }
                },
            )
    }

    fn conclusion() -> impl Strategy<Value = ConclusionDecl> + Clone {
        let rules =
            (name(), type_expr(), vec(conclusion_rule(), 1..4)).prop_map(|(name, ty, rules)| {
                ConclusionDecl {
                    name,
                    ty,
                    rules,
                    table: None,
                }
            });
        prop_oneof![3 => rules, 1 => table_conclusion()]
    }

    /// A cell of a table row: any of its forms.
    fn cell() -> impl Strategy<Value = Spanned<Cell>> + Clone {
        let op = prop_oneof![
            Just(BinOp::Lt),
            Just(BinOp::Le),
            Just(BinOp::Gt),
            Just(BinOp::Ge),
            Just(BinOp::Ne)
        ];
        prop_oneof![
            1 => Just(Cell::Any),
            2 => expr().prop_map(Cell::Equal),
            2 => (op, expr()).prop_map(|(op, e)| Cell::Compare(op, e)),
            2 => (expr(), any::<bool>(), expr(), any::<bool>()).prop_map(
                |(low, low_open, high, high_open)| Cell::Range { low, low_open, high, high_open }
            ),
            1 => (any::<bool>(), expr()).prop_map(|(negated, list)| Cell::In { negated, list }),
        ]
        .prop_map(spanned)
    }

    /// A row: its cells, `gives` optional (a `collect` row may omit it), citations.
    fn row() -> impl Strategy<Value = Rule> + Clone {
        let parts = (vec(cell(), 1..4), option::of(expr()), citations());
        let reading = option::of(prose());
        (comments(), name(), parts, reading).prop_map(
            |(comments, label, (cells, value, citations), reading)| Rule {
                comments,
                kind: RuleKind::Row,
                label,
                overrides: Vec::new(),
                condition: None,
                value,
                citations,
                reading,
                cells: Some(cells),
                span: Span::default(),
            },
        )
    }

    /// A conclusion written as a decision table.
    fn table_conclusion() -> impl Strategy<Value = ConclusionDecl> + Clone {
        let hit = prop_oneof![
            Just(HitPolicy::First),
            Just(HitPolicy::Unique),
            Just(HitPolicy::Any),
            Just(HitPolicy::Collect)
        ];
        (
            name(),
            type_expr(),
            hit,
            vec(expr(), 1..4),
            vec(row(), 1..4),
        )
            .prop_map(|(name, ty, hit, columns, rules)| ConclusionDecl {
                name,
                ty,
                rules,
                table: Some(Table {
                    hit: spanned(hit),
                    columns,
                }),
            })
    }

    /// `override rule C.L …`: any kind, `of` and `gives` optional; its comments belong to the item.
    fn override_rule() -> impl Strategy<Value = Override> + Clone {
        let parts = (
            vec(name(), 0..3),
            option::of(expr()),
            option::of(expr()),
            citations(),
        );
        let reading = option::of(prose());
        (rule_kind(), name(), name(), parts, reading).prop_map(
            |(kind, conclusion, label, (overrides, condition, value, citations), reading)| {
                Override::Rule {
                    conclusion,
                    rule: Rule {
                        comments: Vec::new(),
                        kind,
                        label,
                        overrides,
                        condition,
                        value,
                        citations,
                        reading,
                        cells: None,
                        span: Span::default(),
                    },
                }
            },
        )
    }

    /// `override row C.L | … ` and `row C.L [before B] | …`.
    fn row_item() -> impl Strategy<Value = ItemKind> + Clone {
        (name(), option::of(name()), row(), any::<bool>()).prop_map(
            |(conclusion, before, mut rule, overridden)| {
                // The parser gives a lone row's comments to the item.
                rule.comments.clear();
                if overridden {
                    ItemKind::Override(Arc::new(Override::Rule { conclusion, rule }))
                } else {
                    ItemKind::Row(Arc::new(AddedRow {
                        conclusion,
                        before,
                        rule,
                    }))
                }
            },
        )
    }

    fn item_kind() -> impl Strategy<Value = ItemKind> + Clone {
        prop_oneof![
            1 => clause().prop_map(|c| ItemKind::Clause(Arc::new(c))),
            1 => name().prop_map(ItemKind::Unit),
            1 => (name(), vec(name(), 1..4)).prop_map(|(name, variants)| ItemKind::Enum(Arc::new(EnumDecl { name, variants }))),
            1 => record().prop_map(|r| ItemKind::Record(Arc::new(r))),
            2 => input().prop_map(|i| ItemKind::Input(Arc::new(i))),
            2 => parameter().prop_map(|p| ItemKind::Parameter(Arc::new(p))),
            2 => definition().prop_map(|d| ItemKind::Definition(Arc::new(d))),
            2 => conclusion().prop_map(|c| ItemKind::Conclusion(Arc::new(c))),
            1 => clause().prop_map(|c| ItemKind::Override(Arc::new(Override::Clause(c)))),
            1 => parameter().prop_map(|p| ItemKind::Override(Arc::new(Override::Parameter(p)))),
            1 => override_rule().prop_map(|o| ItemKind::Override(Arc::new(o))),
            1 => row_item(),
            1 => label().prop_map(|l| ItemKind::Label(Arc::new(l))),
        ]
    }

    /// A header whose title and source are `prose` (texts that may need several lines).
    fn header(prose: impl Strategy<Value = Name> + Clone) -> impl Strategy<Value = Header> + Clone {
        let id = "[a-z0-9][a-z0-9._-]{0,10}".prop_map(spanned);
        let optional = (
            option::of(date().prop_map(spanned)),
            option::of(string()),
            option::of(prose.clone()),
            option::of(prose),
            option::of(string()),
        );
        let key = option::of(vec(pick(FIELDS), 1..4).prop_map(|p| spanned(p.join("."))));
        let draft = option::of(Just(spanned(())));
        (comments(), id, string(), optional, key, draft).prop_map(
            |(
                comments,
                policy,
                version,
                (effective_from, extends, title, source, language),
                identified_by,
                draft,
            )| {
                Header {
                    comments,
                    policy,
                    version,
                    draft,
                    effective_from,
                    extends,
                    title,
                    source,
                    language,
                    identified_by,
                }
            },
        )
    }

    /// `a and b or c …`: operands joined by `and`/`or`, left to right.
    fn chain_of(
        operand: impl Strategy<Value = Expr> + Clone,
    ) -> impl Strategy<Value = Expr> + Clone {
        let op = prop_oneof![Just(BinOp::And), Just(BinOp::Or)];
        (operand.clone(), vec((op, operand), 1..5)).prop_map(|(first, rest)| {
            rest.into_iter().fold(first, |l, (op, r)| {
                spanned(ExprKind::Binary(op, Box::new(l), Box::new(r)))
            })
        })
    }

    /// Expressions mostly too long for a line: chains of chains, and `if`s and aggregates of
    /// them.
    fn long_expr() -> impl Strategy<Value = Expr> + Clone {
        let small = sized_expr(3, 12);
        let inner_chain = chain_of(small.clone());
        let operand = prop_oneof![
            2 => sized_expr(4, 24),
            1 => inner_chain.clone(),
            1 => inner_chain.prop_map(|e| spanned(ExprKind::Unary(UnOp::Not, Box::new(e)))),
        ];
        let chain = chain_of(operand);
        let boxed = chain.clone().prop_map(Box::new);
        prop_oneof![
            3 => chain,
            1 => (boxed.clone(), boxed.clone(), boxed.clone())
                .prop_map(|(c, a, b)| spanned(ExprKind::If(c, a, b))),
            1 => aggregate(boxed).prop_map(spanned),
        ]
    }

    /// A policy of one definition and one conclusion whose expressions are too long for a line,
    /// so that they are broken.
    pub(super) fn long_expressions() -> impl Strategy<Value = Policy> {
        let body = long_expr();
        let rule = (
            rule_kind(),
            name(),
            vec(name(), 1..3),
            long_expr(),
            long_expr(),
        )
            .prop_map(|(kind, label, refs, condition, value)| Rule {
                comments: Vec::new(),
                kind,
                label,
                overrides: exception_refs(kind, refs),
                condition: Some(condition),
                value: Some(value),
                citations: Vec::new(),
                reading: None,
                cells: None,
                span: Span::default(),
            });
        // Short texts, so that the lines measured are the expressions'.
        (header(string()), name(), type_expr(), body, vec(rule, 1..3)).prop_map(
            |(header, name, ty, body, rules)| {
                let definition = DefinitionDecl {
                    name: name.clone(),
                    params: Vec::new(),
                    ty: ty.clone(),
                    citations: Vec::new(),
                    body,
                    reading: None,
                };
                let conclusion = ConclusionDecl {
                    name,
                    ty,
                    rules,
                    table: None,
                };
                let items = [
                    ItemKind::Definition(Arc::new(definition)),
                    ItemKind::Conclusion(Arc::new(conclusion)),
                ]
                .into_iter()
                .map(|kind| Item {
                    comments: Vec::new(),
                    kind,
                    span: Span::default(),
                })
                .collect();
                Policy {
                    header,
                    items,
                    trailing_comments: Vec::new(),
                }
            },
        )
    }

    /// A policy of up to 8 items.
    pub(super) fn policy() -> impl Strategy<Value = Policy> {
        let item = (comments(), item_kind()).prop_map(|(comments, kind)| Item {
            comments,
            kind,
            span: Span::default(),
        });
        (header(prose()), vec(item, 0..8), comments()).prop_map(
            |(header, items, trailing_comments)| Policy {
                header,
                items,
                trailing_comments,
            },
        )
    }
}

/// Lines end with `\n` or `\r\n`. A lone `\r` used to end a comment for the parser but not
/// for the comments' scanner, so `fmt` glued the next line into the comment and its output no
/// longer parsed (found by the `policy_text` fuzzer); it is now a syntax error, and `\r\n`
/// files format as `\n` ones do.
#[test]
fn a_lone_carriage_return_is_no_line_end() {
    let lone = "policy demo\n# a comment\rversion \"v1\"\n";
    let errors = parse(FileId(0), lone).expect_err("a lone CR is a syntax error");
    assert_eq!(errors[0].code, "syntax-error");
    assert!(
        errors[0].message.contains("found a lone carriage return"),
        "{}",
        errors[0].message
    );
    let crlf = "policy demo\r\n# a comment\r\nversion \"v1\"\r\n";
    assert_eq!(fmt(crlf), fmt(&crlf.replace("\r\n", "\n")));
}
