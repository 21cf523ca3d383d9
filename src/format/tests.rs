//! The layout for readers, one behaviour per test: `else if` chains stay flat, lines stay in
//! the width, the author's parentheses stay, comments stay on the node they are written on, and
//! paragraphs of comments stay apart. (`tests/integration/format.rs` has the layout's cases and
//! the property tests.)

#![expect(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]

use super::expr::bracketed;
use super::{WIDTH, format_policy, format_source};
use crate::span::FileId;
use crate::syntax::parse;

const HEADER: &str = "policy p\nversion \"1\"\n";

/// Formats `text` (which proves the meaning kept) and checks that formatting it again changes
/// nothing.
fn fmt(text: &str) -> String {
    let formatted = format_source(FileId(0), text).unwrap();
    let again = format_source(FileId(0), &formatted).unwrap();
    assert_eq!(again, formatted, "formatting is not idempotent");
    formatted
}

/// The lines of `text` wider than [`WIDTH`].
fn too_wide(text: &str) -> Vec<&str> {
    text.lines().filter(|l| l.chars().count() > WIDTH).collect()
}

/// One rule giving `value`, formatted; the rule's lines.
fn rule_giving(value: &str) -> String {
    let text = format!("{HEADER}conclusion c : text\n  rule r\n    gives {value}\n    per \"1\"\n");
    let formatted = fmt(&text);
    let (_, rule) = formatted.split_once("conclusion c : text\n").unwrap();
    rule.to_string()
}

#[test]
fn else_if_chains_stay_flat() {
    let rule = rule_giving(
        "if candidate.score >= threshold_excellent then \"excellent\" else if candidate.score >= \
         threshold_good then \"good\" else if candidate.score >= threshold_fair then \"fair\" \
         else \"insufficient\"",
    );
    let expected = r#"  rule r
    gives if candidate.score >= threshold_excellent
      then "excellent"
      else if candidate.score >= threshold_good
      then "good"
      else if candidate.score >= threshold_fair
      then "fair"
      else "insufficient"
    per "1"
"#;
    assert_eq!(rule, expected);
}

#[test]
fn an_if_the_author_bracketed_in_an_else_stays_nested() {
    let rule = rule_giving(
        "if candidate.score >= threshold_excellent then \"excellent\" else (if candidate.score \
         >= threshold_good then \"good\" else \"insufficient and by a long way, as it happens\")",
    );
    let expected = r#"  rule r
    gives if candidate.score >= threshold_excellent
      then "excellent"
      else (if candidate.score >= threshold_good
            then "good"
            else "insufficient and by a long way, as it happens")
    per "1"
"#;
    assert_eq!(rule, expected);
}

#[test]
fn lists_and_arguments_break_after_commas() {
    let text = format!(
        "{HEADER}parameter amounts = [montant_echelon_1, montant_echelon_2, montant_echelon_3, \
         montant_echelon_4, montant_echelon_5] per \"1\"
definition total(periods : list of period, start_of_window : date, end_of_window : date) : weeks
  = sum of weeks_within(p.start, p.end, start_of_window, end_of_window, candidate.exam_date - \
         months_before_exam) for p in periods where p.agreement_signed
conclusion c : text
  rule r
    when candidate.pathway in [scolaire, apprentissage, formation_continue, \
         experience_professionnelle, validation_des_acquis] and x
    gives combine(first_reason_for_the_decision, second_reason_for_the_decision, third_reason, \
         fourth_reason)
    per \"1\"
"
    );
    let expected = format!(
        "{HEADER}
parameter amounts = [montant_echelon_1, montant_echelon_2, montant_echelon_3, montant_echelon_4,
                     montant_echelon_5]
  per \"1\"

definition total(periods : list of period, start_of_window : date, end_of_window : date) : weeks
  = sum of weeks_within(p.start, p.end, start_of_window, end_of_window,
                        candidate.exam_date - months_before_exam)
    for p in periods
    where p.agreement_signed

conclusion c : text
  rule r
    when candidate.pathway in [scolaire, apprentissage, formation_continue,
                               experience_professionnelle, validation_des_acquis]
      and x
    gives combine(first_reason_for_the_decision, second_reason_for_the_decision, third_reason,
                  fourth_reason)
    per \"1\"
"
    );
    assert_eq!(fmt(&text), expected);
}

#[test]
fn declarations_wrap_their_lists() {
    let text = format!(
        "{HEADER}enum pathway = scolaire | apprentissage | formation_continue | \
         experience_professionnelle | validation_des_acquis
input candidate.pathway : pathway per \"2.1.1-1\", \"2.2-1\", \"2.3-1\", \"2.5-1\", \"2.1.3-2\", \
         \"2.1.3-3\"
conclusion c : bool
  rule base gives true per \"1\"
  exception e of base, first_exception_of_the_rule, second_exception_of_the_rule, \
         third_exception_of_the_rule gives false per \"1\"
label candidate.pathway \"la voie de formation par laquelle le candidat se présente à l'examen du brevet\"
"
    );
    let expected = format!(
        "{HEADER}
enum pathway = scolaire | apprentissage | formation_continue | experience_professionnelle |
               validation_des_acquis

input candidate.pathway : pathway
  per \"2.1.1-1\", \"2.2-1\", \"2.3-1\", \"2.5-1\", \"2.1.3-2\", \"2.1.3-3\"

conclusion c : bool
  rule base
    gives true
    per \"1\"
  exception e of base, first_exception_of_the_rule, second_exception_of_the_rule,
                 third_exception_of_the_rule
    gives false
    per \"1\"

label candidate.pathway
  \"la voie de formation par laquelle le candidat se présente à l'examen du brevet\"
"
    );
    assert_eq!(fmt(&text), expected);
}

#[test]
fn long_lines_of_every_kind_fit_in_the_width() {
    let long = (1..=12)
        .map(|i| format!("name_number_{i}"))
        .collect::<Vec<_>>();
    let sum = long.join(" + ");
    let list = format!("[{}]", long.join(", "));
    let text = format!(
        "{HEADER}record r
  a : integer = {sum}
  require {sum} > 3 and {sum} < 4 else \"a message long enough to need a line of its own here\"
input x : list of integer = {list} per \"1\"
parameter y = f({sum}, {list}) per \"1\"
definition d : integer = count of p in {list} where p > {sum}
conclusion c : integer
  rule r when not ({sum} = 3) gives -({sum}) per \"1\"
  rule s when ({sum}) is present gives ({sum}).field as weeks per \"1\"
"
    );
    let formatted = fmt(&text);
    assert!(too_wide(&formatted).is_empty(), "{formatted}");
}

#[test]
fn the_authors_parentheses_are_kept() {
    let cases = [
        ("not (a <= b)", "not (a <= b)"),
        ("(a - b) - c", "(a - b) - c"),
        ("a - (b - c)", "a - (b - c)"),
        ("(a * b) + c", "(a * b) + c"),
        ("((((x))))", "(x)"),
        ("(a) + (b)", "(a) + (b)"),
        ("(\"(\" = x)", "(\"(\" = x)"),
        ("(\")\") = (x)", "(\")\") = (x)"),
        ("f((a + b), [(c), (d or e)])", "f((a + b), [(c), (d or e)])"),
        ("(a and b) and (c or d)", "(a and b) and (c or d)"),
        ("1 + (count of p in xs)", "1 + (count of p in xs)"),
        (
            "if a then b else (if c then d else e)",
            "if a then b else (if c then d else e)",
        ),
    ];
    for (input, expected) in cases {
        let text = format!("{HEADER}parameter x = {input} per \"a\"\n");
        let formatted = fmt(&text);
        let value = formatted
            .lines()
            .find_map(|l| l.strip_prefix("parameter x = "))
            .and_then(|l| l.rsplit_once(" per "))
            .map(|(v, _)| v.trim_end())
            .unwrap();
        assert_eq!(value, expected, "formatting `{input}`");
    }
}

#[test]
fn without_the_source_parentheses_are_the_fewest() {
    let policy = parse(
        FileId(0),
        &format!("{HEADER}parameter x = not (a <= b) and ((c - d) - e) per \"a\"\n"),
    )
    .unwrap();
    assert!(
        format_policy(&policy).contains("parameter x = not a <= b and c - d - e "),
        "{}",
        format_policy(&policy)
    );
}

#[test]
fn a_bracketed_text_is_one_pair_of_parentheses() {
    assert!(bracketed("(a)"));
    assert!(bracketed("((a) + (b))"));
    assert!(bracketed("(a # )\n + b)"));
    assert!(bracketed("(\")\" + \"\\\"(\")"));
    assert!(!bracketed("(a) + (b)"));
    assert!(!bracketed("a + (b)"));
    assert!(!bracketed("(a) + b"));
    assert!(!bracketed("(\")\""));
}

#[test]
fn comments_written_on_a_rule_stay_with_it() {
    let text = format!(
        "{HEADER}conclusion c : bool
  rule first
    when a   # why the first rule asks for a
    gives true
    per \"1\"
  exception second of first
    # between the lines of the second
    when b
    gives false   # why the second gives false
    per \"1\"
  rule third gives true per \"1\"   # on the third's line
"
    );
    let expected = format!(
        "{HEADER}
conclusion c : bool
  # why the first rule asks for a
  rule first
    when a
    gives true
    per \"1\"
  # between the lines of the second
  # why the second gives false
  exception second of first
    when b
    gives false
    per \"1\"

  # on the third's line
  rule third
    gives true
    per \"1\"
"
    );
    assert_eq!(fmt(&text), expected);
}

#[test]
fn comments_written_in_an_item_or_a_field_stay_with_it() {
    let text = format!(
        "{HEADER}record r
  a : bool = false   # on the first field
  require a else \"no\"   # on the require line
  b : integer
definition d : integer per \"1\"
  = 1 + 2   # on the body
parameter z = 3 per \"1\"
"
    );
    let expected = format!(
        "{HEADER}
# on the require line
record r
  # on the first field
  a : bool = false
  b : integer
  require a else \"no\"

# on the body
definition d : integer                                    per \"1\"
  = 1 + 2

parameter z = 3                                           per \"1\"
"
    );
    assert_eq!(fmt(&text), expected);
}

#[test]
fn a_blank_line_between_paragraphs_of_comments_is_kept() {
    let text = format!(
        "# The policy.


# Its second paragraph,
# on two lines.
{HEADER}
# ====
# Section
# ====

# About the parameter.
parameter z = 3 per \"1\"
conclusion c : bool
  # A rule.
  #
  # Still the rule.

  # Its last paragraph.
  rule r gives true per \"1\"
"
    );
    let expected = format!(
        "# The policy.

# Its second paragraph,
# on two lines.
{HEADER}
# ====
# Section
# ====

# About the parameter.
parameter z = 3                                           per \"1\"

conclusion c : bool
  # A rule.
  #
  # Still the rule.

  # Its last paragraph.
  rule r
    gives true
    per \"1\"
"
    );
    assert_eq!(fmt(&text), expected);
}

#[test]
fn long_texts_go_on_over_lines_under_their_first_quote() {
    let text = "policy p
version \"1\"
title \"Code de la consommation — droit de rétractation, délai porté à trente jours (illustration)\"
source \"Code de la consommation, articles L221-18 à L221-21 et L221-28, dans leur rédaction issue de l'ordonnance n° 2016-301 du 14 mars 2016\"
record r
  a : integer
  require a > 0 else \"le nombre de pages du rapport ne peut pas être négatif, ni nul d'ailleurs, selon l'annexe\"
label x \"l'étudiant effectue à l'étranger une période d'études ou de stage prévue par sa formation\"
  question en \"Is the student spending a period of study or internship abroad as part of the programme?\"
  help \"Chaque période avec ses dates de début et de fin, et si la convention de stage a été signée : seules les périodes sous convention comptent (2.1.1-3).\"
";
    let expected = "policy p
version \"1\"
title \"Code de la consommation — droit de rétractation, délai porté à trente jours\"
      \"(illustration)\"
source \"Code de la consommation, articles L221-18 à L221-21 et L221-28, dans leur rédaction\"
       \"issue de l'ordonnance n° 2016-301 du 14 mars 2016\"

record r
  a : integer
  require a > 0
    else \"le nombre de pages du rapport ne peut pas être négatif, ni nul d'ailleurs, selon\"
         \"l'annexe\"

label x
  \"l'étudiant effectue à l'étranger une période d'études ou de stage prévue par sa formation\"
  question en \"Is the student spending a period of study or internship abroad as part of the\"
              \"programme?\"
  help \"Chaque période avec ses dates de début et de fin, et si la convention de stage a été\"
       \"signée : seules les périodes sous convention comptent (2.1.1-3).\"
";
    let formatted = fmt(text);
    assert_eq!(formatted, expected);
    assert!(too_wide(&formatted).is_empty(), "{formatted}");
    // The pieces read back as the one-line texts.
    assert_eq!(
        parse(FileId(0), &formatted).unwrap(),
        parse(FileId(0), text).unwrap()
    );
}

#[test]
fn pieces_that_fit_on_one_line_are_joined() {
    let text = format!("{HEADER}title \"droit de\"\n  \"rétractation\"\n");
    assert_eq!(
        fmt(&text),
        format!("{HEADER}title \"droit de rétractation\"\n")
    );
}

#[test]
fn a_text_is_cut_only_where_its_pieces_join_back_to_it() {
    let word = "x".repeat(120);
    let cases = [
        // Two spaces in a row, or a tab, are never a cut; nor is a space before `:` or after `«`.
        format!("{}a  b{}", "mot ".repeat(20), " fin".repeat(10)),
        format!("{}a\tb{}", "mot ".repeat(20), " fin".repeat(10)),
        format!(
            "{}« guillemets » : deux points{}",
            "mot ".repeat(18),
            " fin".repeat(10)
        ),
        // A text with a space at either end stays one piece; a word longer than the line stays
        // whole.
        format!(" {}", "mot ".repeat(40)),
        format!("début {word} fin"),
        // Quotes and backslashes are escaped in each piece.
        format!(
            "{}\"cité\" et \\ {}",
            "mot ".repeat(20),
            "fin ".repeat(10).trim_end()
        ),
    ];
    for value in cases {
        let escaped = value.replace('\\', "\\\\").replace('"', "\\\"");
        let text = format!("{HEADER}title \"{escaped}\"\n");
        let formatted = fmt(&text);
        let title = parse(FileId(0), &formatted).unwrap().header.title.unwrap();
        assert_eq!(title.node, value, "{formatted}");
        for line in formatted.lines() {
            let wide = line.chars().count() > WIDTH;
            assert!(
                !wide || line.contains(&word) || value.starts_with(' '),
                "{formatted}"
            );
        }
    }
    let formatted = fmt(&format!("{HEADER}title \"début {word} fin\"\n"));
    assert_eq!(
        formatted,
        format!("{HEADER}title \"début\"\n      \"{word}\"\n      \"fin\"\n")
    );
}

#[test]
fn texts_are_filled_to_the_width() {
    // Every length of text and of word: no line passes the width, and each line but the last
    // of a text is full (its next word would not have fitted).
    for word_len in 1..=12 {
        for words in [5, 17, 40] {
            let value: Vec<String> = (0..words)
                .map(|i| "é".repeat(1 + (i * 7) % word_len))
                .collect();
            let value = value.join(" ");
            let formatted = fmt(&format!("{HEADER}source \"{value}\"\n"));
            assert!(too_wide(&formatted).is_empty(), "{formatted}");
            let lines: Vec<&str> = formatted.lines().skip(2).collect();
            for pair in lines.windows(2) {
                let next_word = pair[1].trim().trim_matches('"').split(' ').next().unwrap();
                let joined = pair[0].chars().count() + 1 + next_word.chars().count();
                assert!(joined > WIDTH, "{formatted}");
            }
        }
    }
}
