//! The broken policies of `tests/broken/`: small, realistic policies with one mistake each, and
//! what a policy author reads about it.
//!
//! Each test checks one case, snapshots every rendered diagnostic in
//! `tests/broken/snapshots/<case>.snap`, and asserts what must hold whatever the wording: the
//! code, the text under the caret, the suggestion. A case is a file `tests/broken/<case>.policy`,
//! or a folder `tests/broken/<case>/` for the mistakes that need several versions.
//!
//! After a deliberate change of wording, regenerate with
//! `INSTA_UPDATE=new cargo test --test integration diagnostics`, read every
//! `tests/broken/snapshots/*.snap.new`, and rename it over its `.snap` (or `cargo insta review`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

use std::path::{Path, PathBuf};

use clausier::diagnostic::{Diagnostic, Severity};
use clausier::load::{PolicyFolder, check_texts, load_folder};

/// The folder of the cases, from the package root (where cargo runs the tests).
const BROKEN: &str = "tests/broken";

/// A checked case: the folder and its diagnostics.
struct Case {
    name: &'static str,
    folder: PolicyFolder,
}

impl Case {
    /// Loads `tests/broken/<name>.policy` alone, or the folder `tests/broken/<name>/`. Files are
    /// named relative to the package root, so the snapshots do not depend on the checkout.
    fn load(name: &'static str) -> Case {
        let dir = Path::new(BROKEN).join(name);
        let folder = if dir.is_dir() {
            load_folder(&dir).unwrap()
        } else {
            let display = format!("{BROKEN}/{name}.policy");
            let text = std::fs::read_to_string(&display).unwrap();
            check_texts(PathBuf::from(BROKEN), vec![(display, None, text)])
        };
        Case { name, folder }
    }

    fn diagnostics(&self) -> Vec<&Diagnostic> {
        self.folder.all_diagnostics().collect()
    }

    /// The only diagnostic with this code.
    fn the(&self, code: &str) -> &Diagnostic {
        let found: Vec<&Diagnostic> = self
            .diagnostics()
            .into_iter()
            .filter(|d| d.code == code)
            .collect();
        assert_eq!(
            found.len(),
            1,
            "{}: expected one `{code}`, found:\n{}",
            self.name,
            self.rendered()
        );
        found[0]
    }

    /// The codes of every diagnostic, in order.
    fn codes(&self) -> Vec<&'static str> {
        self.diagnostics().iter().map(|d| d.code.as_str()).collect()
    }

    /// The source text under the caret of `d`.
    fn snippet(&self, d: &Diagnostic) -> String {
        d.to_json(&self.folder.sources).snippet.unwrap_or_default()
    }

    /// The file `d` points into, relative to `tests/broken/`.
    fn file(&self, d: &Diagnostic) -> String {
        let file = d.to_json(&self.folder.sources).file.unwrap_or_default();
        file.trim_start_matches(&format!("{BROKEN}/")).to_string()
    }

    /// Every diagnostic, rendered for a terminal without colours.
    fn rendered(&self) -> String {
        self.diagnostics()
            .iter()
            .map(|d| d.render(&self.folder.sources, false))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Snapshots the rendered diagnostics in `tests/broken/snapshots/<name>.snap`.
    fn snapshot(&self) {
        insta::with_settings!({
            snapshot_path => "../broken/snapshots",
            prepend_module_to_snapshot => false,
            omit_expression => true,
            description => format!("clausier check {BROKEN}/{}", self.name),
        }, {
            insta::assert_snapshot!(self.name, self.rendered());
        });
    }

    /// The case is rejected: some diagnostic is an error.
    fn assert_rejected(&self) {
        assert!(
            !self.folder.is_ok(),
            "{}: the policy should be rejected",
            self.name
        );
    }
}

fn help(d: &Diagnostic) -> &str {
    d.help.as_deref().unwrap_or("")
}

// ------------------------------------------------------------------------------------ syntax

#[test]
fn a_rule_without_gives_is_a_syntax_error_at_the_value() {
    let case = Case::load("missing-gives");
    case.snapshot();
    case.assert_rejected();
    let d = case.the("syntax-error");
    assert_eq!(case.snippet(d), "normal_weeks");
    assert!(d.message.contains("`gives VALUE`"), "{}", d.message);
    assert!(help(d).contains("gives VALUE"));
}

#[test]
fn a_header_without_version_is_a_syntax_error() {
    let case = Case::load("missing-version");
    case.snapshot();
    case.assert_rejected();
    let d = case.the("syntax-error");
    assert_eq!(case.codes(), ["syntax-error"]);
    assert_eq!(case.snippet(d), "title");
    assert!(
        d.message.contains("expected `version \"LABEL\"`"),
        "{}",
        d.message
    );
}

#[test]
fn a_date_with_one_digit_month_is_a_syntax_error() {
    let case = Case::load("malformed-date");
    case.snapshot();
    case.assert_rejected();
    let d = case.the("syntax-error");
    assert_eq!(case.snippet(d), "2026-9-1");
    assert!(
        d.message.contains("a date like 2027-04-16"),
        "{}",
        d.message
    );
    assert!(help(d).contains("YYYY-MM-DD"));
}

#[test]
fn an_operator_without_its_operand_says_what_may_follow_it() {
    let case = Case::load("missing-operand");
    case.snapshot();
    case.assert_rejected();
    let d = case.the("syntax-error");
    assert_eq!(case.snippet(d), "gives");
    assert!(d.message.contains("a name, a number"), "{}", d.message);
    // Not the help of a malformed date: a date is only one of the operands that may come.
    assert!(!help(d).contains("YYYY-MM-DD"), "{}", help(d));
    assert!(help(d).contains("followed by its operand"), "{}", help(d));
}

#[test]
fn optional_at_the_end_of_a_line_says_its_type_is_missing() {
    let case = Case::load("optional-without-type");
    case.snapshot();
    case.assert_rejected();
    let d = case.the("syntax-error");
    // The caret under `optional`, not under the name the parser stopped at on the next line.
    assert_eq!(case.snippet(d), "optional");
    assert!(d.message.contains("took `input`"), "{}", d.message);
    assert!(help(d).contains("optional date"), "{}", help(d));
}

#[test]
fn the_thirtieth_of_february_is_not_a_date() {
    let case = Case::load("impossible-date");
    case.snapshot();
    case.assert_rejected();
    let d = case.the("invalid-date");
    assert_eq!(case.snippet(d), "2027-02-30");
}

// ------------------------------------------------------------------------------------ names

#[test]
fn an_unknown_name_suggests_the_closest_parameter() {
    let case = Case::load("unknown-name");
    case.snapshot();
    let d = case.the("unknown-name");
    assert_eq!(case.codes(), ["unknown-name"]);
    assert_eq!(case.snippet(d), "normal_week");
    assert_eq!(help(d), "did you mean `normal_weeks`?");
}

#[test]
fn an_unknown_enum_value_suggests_the_closest_value_of_that_enum() {
    let case = Case::load("unknown-enum-value");
    case.snapshot();
    let d = case.the("unknown-name");
    assert_eq!(case.codes(), ["unknown-name"]);
    assert_eq!(case.snippet(d), "aprentissage");
    assert!(d.message.contains("enum `pathway`"), "{}", d.message);
    assert_eq!(help(d), "did you mean `apprentissage`?");
}

#[test]
fn an_unknown_input_path_suggests_the_closest_input() {
    let case = Case::load("unknown-input");
    case.snapshot();
    let d = case.the("unknown-input");
    assert_eq!(case.codes(), ["unknown-input"]);
    assert_eq!(case.snippet(d), "report.page");
    assert_eq!(help(d), "did you mean `report.pages`?");
}

#[test]
fn an_unknown_record_field_suggests_the_closest_field() {
    let case = Case::load("unknown-record-field");
    case.snapshot();
    let d = case.the("no-such-field");
    assert_eq!(case.codes(), ["no-such-field"]);
    assert_eq!(case.snippet(d), "agreement_signe");
    assert_eq!(help(d), "did you mean `agreement_signed`?");
}

#[test]
fn an_undeclared_unit_asks_for_its_declaration() {
    let case = Case::load("unknown-unit");
    case.snapshot();
    let d = case.the("unknown-unit");
    assert_eq!(case.snippet(d), "pages");
    assert_eq!(help(d), "declare it with `unit pages`");
}

#[test]
fn a_citation_of_an_undeclared_clause_suggests_the_closest_clause() {
    let case = Case::load("unknown-clause");
    case.snapshot();
    let d = case.the("unknown-clause");
    assert_eq!(case.codes(), ["unknown-clause"]);
    assert_eq!(case.snippet(d), "\"3-l\"");
    assert_eq!(help(d), "did you mean `3-1`?");
}

#[test]
fn an_exception_of_an_unknown_rule_suggests_the_closest_label() {
    let case = Case::load("unknown-exception-target");
    case.snapshot();
    let d = case.the("unknown-rule");
    assert_eq!(case.codes(), ["unknown-rule"]);
    assert_eq!(case.snippet(d), "normla");
    assert_eq!(help(d), "did you mean `normal`?");
}

#[test]
fn two_parameters_with_one_name_point_at_both() {
    let case = Case::load("duplicate-parameter");
    case.snapshot();
    let d = case.the("duplicate-name");
    assert_eq!(case.codes(), ["duplicate-name"]);
    assert_eq!(case.snippet(d), "normal_weeks");
    assert_eq!(d.related.len(), 1, "the first declaration is shown");
    assert!(d.message.contains("`normal_weeks`"));
}

#[test]
fn two_rules_with_one_label_point_at_both() {
    let case = Case::load("duplicate-rule-label");
    case.snapshot();
    let d = case.the("duplicate-name");
    assert_eq!(case.codes(), ["duplicate-name"]);
    assert_eq!(case.snippet(d), "by_pathway");
    assert_eq!(d.related.len(), 1, "the first rule is shown");
}

// ------------------------------------------------------------------------------------ types

#[test]
fn a_bool_compared_with_a_date_is_a_type_mismatch() {
    let case = Case::load("type-mismatch-bool-date");
    case.snapshot();
    let d = case.the("type-mismatch");
    assert_eq!(case.codes(), ["type-mismatch"]);
    assert_eq!(case.snippet(d), "report.submitted > report_deadline");
    assert!(
        d.message.contains("`bool`") && d.message.contains("`date`"),
        "{}",
        d.message
    );
}

#[test]
fn weeks_compared_with_pages_is_a_unit_mismatch() {
    let case = Case::load("unit-mismatch-weeks-pages");
    case.snapshot();
    let d = case.the("unit-mismatch");
    assert_eq!(case.codes(), ["unit-mismatch"]);
    assert_eq!(case.snippet(d), "internship.completed >= max_report_pages");
    assert!(
        d.message.contains("weeks") && d.message.contains("pages"),
        "{}",
        d.message
    );
}

#[test]
fn days_converted_to_months_is_a_unit_mismatch() {
    let case = Case::load("unit-mismatch-days-months");
    case.snapshot();
    let d = case.the("unit-mismatch");
    assert_eq!(case.codes(), ["unit-mismatch"]);
    assert_eq!(case.snippet(d), "(leave.end - leave.start) as months");
    assert!(help(d).contains("a month has no fixed number of days"));
}

#[test]
fn is_absent_on_a_required_input_is_rejected() {
    let case = Case::load("absent-on-required-input");
    case.snapshot();
    let d = case.the("not-optional");
    assert_eq!(case.codes(), ["not-optional"]);
    assert_eq!(case.snippet(d), "report.submitted_on");
    assert!(help(d).contains("optional"));
}

#[test]
fn a_definition_called_with_two_arguments_instead_of_one() {
    let case = Case::load("wrong-arguments");
    case.snapshot();
    let d = case.the("wrong-arguments");
    assert_eq!(case.codes(), ["wrong-arguments"]);
    assert_eq!(case.snippet(d), "weeks_of(p, 3 days)");
    assert!(
        d.message.contains("takes 1 argument(s), found 2"),
        "{}",
        d.message
    );
}

#[test]
fn the_branches_of_an_if_must_agree() {
    let case = Case::load("if-branches-differ");
    case.snapshot();
    let d = case.the("type-mismatch");
    assert_eq!(case.codes(), ["type-mismatch"]);
    assert!(
        case.snippet(d)
            .starts_with("if internship.force_majeure then 56 days else 12 weeks")
    );
}

#[test]
fn an_input_default_of_the_wrong_type() {
    let case = Case::load("input-default-wrong-type");
    case.snapshot();
    let d = case.the("type-mismatch");
    assert_eq!(case.snippet(d), "0");
    assert!(d.message.contains("`bool`"), "{}", d.message);
}

#[test]
fn a_parameter_without_type_or_value() {
    let case = Case::load("parameter-without-type");
    case.snapshot();
    let d = case.the("missing-type");
    assert_eq!(case.snippet(d), "report_deadline");
    assert!(help(d).contains("parameter NAME : TYPE"));
}

// ------------------------------------------------------------------------------------ rules

#[test]
fn a_rule_without_citation_is_rejected() {
    let case = Case::load("missing-citation");
    case.snapshot();
    let d = case.the("missing-citation");
    assert_eq!(case.codes(), ["missing-citation"]);
    assert_eq!(case.snippet(d), "normal");
    assert!(help(d).contains("per \"CLAUSE\""));
}

#[test]
fn two_base_rules_always_applying_with_different_values_conflict() {
    let case = Case::load("same-rank-conflict");
    case.snapshot();
    let d = case.the("conflict");
    assert_eq!(case.codes(), ["conflict"]);
    assert!(
        d.message.contains("`normal`") && d.message.contains("`reduced`"),
        "{}",
        d.message
    );
    assert!(help(d).contains("exception reduced of normal"));
}

#[test]
fn two_base_rules_with_one_condition_and_different_values_conflict() {
    let case = Case::load("conflict-same-condition");
    case.snapshot();
    let d = case.the("conflict");
    assert_eq!(case.codes(), ["conflict"]);
    assert!(
        d.message.contains("`continuing`") && d.message.contains("`perfectionnement`"),
        "{}",
        d.message
    );
}

/// Parameters with known values are compared like literals: 50 pages and 60 pages conflict.
#[test]
fn two_base_rules_giving_parameters_of_different_values_conflict() {
    let case = Case::load("conflict-parameters");
    case.snapshot();
    case.assert_rejected();
    assert_eq!(case.codes(), ["conflict"]);
    let d = case.the("conflict");
    assert_eq!(
        d.message,
        "rules `report` and `numeric_report` of `page_limit` apply in the same cases and give different values"
    );
    assert_eq!(case.snippet(d), "numeric_report");
    assert_eq!(d.label.as_deref(), Some("conflicts with `report`"));
    assert_eq!(
        help(d),
        "make one an exception to the other (`exception numeric_report of report`), or tell their conditions apart"
    );
}

/// A count compared with thresholds from 1 up: no rule for 0, shown by an example.
#[test]
fn rules_that_leave_out_the_numbers_below_their_thresholds_are_incomplete() {
    let case = Case::load("incomplete-integer-threshold");
    case.snapshot();
    assert!(case.folder.is_ok(), "a warning does not reject the policy");
    assert_eq!(case.codes(), ["incomplete-rules"]);
    let d = case.the("incomplete-rules");
    assert_eq!(d.message, "no rule of `leave_weeks` applies to some inputs");
    assert_eq!(case.snippet(d), "leave_weeks");
    assert!(
        help(d).starts_with("for example when `pregnancy.children_expected` < 1: add a rule"),
        "{}",
        help(d)
    );
}

#[test]
fn rules_that_leave_out_an_enum_value_are_incomplete() {
    let case = Case::load("incomplete-enum-value");
    case.snapshot();
    assert_eq!(case.codes(), ["incomplete-rules"]);
    let d = case.the("incomplete-rules");
    assert_eq!(case.snippet(d), "report_kind");
    assert!(
        help(d).starts_with("for example when `candidate.pathway` = experience_professionnelle:"),
        "{}",
        help(d)
    );
}

/// Two base rules whose conditions overlap for some inputs only: a warning with an example,
/// where the `conflict` error is for rules with the same condition.
#[test]
fn base_rules_that_overlap_for_some_inputs_with_different_values_conflict() {
    let case = Case::load("conflicting-rules-region");
    case.snapshot();
    assert!(case.folder.is_ok(), "a warning does not reject the policy");
    assert_eq!(case.codes(), ["conflicting-rules"]);
    let d = case.the("conflicting-rules");
    assert_eq!(case.snippet(d), "apprentice");
    assert_eq!(d.label.as_deref(), Some("conflicts with `reduced`"));
    assert_eq!(
        help(d),
        "for example when `internship.force_majeure` = true and `candidate.pathway` = \
         apprentissage: make one an exception to the other (`exception apprentice of reduced`), \
         or tell their conditions apart"
    );
}

#[test]
fn exceptions_that_override_each_other_are_a_cycle() {
    let case = Case::load("exception-cycle");
    case.snapshot();
    let d = case.the("exception-cycle");
    assert_eq!(case.codes(), ["exception-cycle"]);
    assert!(d.message.contains("`apprentice`"), "{}", d.message);
}

#[test]
fn two_definitions_defined_by_each_other_are_a_cycle() {
    let case = Case::load("cyclic-definition");
    case.snapshot();
    let d = case.the("cyclic-definition");
    assert_eq!(case.codes(), ["cyclic-definition"]);
    assert_eq!(case.snippet(d), "earned_days");
    assert!(
        d.message
            .contains("`earned_days` → `remaining_days` → `earned_days`"),
        "{}",
        d.message
    );
}

#[test]
fn members_in_a_conclusion_that_is_not_a_set() {
    let case = Case::load("members-in-non-set");
    case.snapshot();
    let d = case.the("type-mismatch");
    assert_eq!(case.codes(), ["type-mismatch"]);
    assert_eq!(case.snippet(d), "cause");
    assert!(help(d).contains("set of"));
}

#[test]
fn a_member_without_gives_must_be_named_after_a_value() {
    let case = Case::load("member-not-a-value");
    case.snapshot();
    let d = case.the("missing-value");
    assert_eq!(case.codes(), ["missing-value"]);
    assert_eq!(case.snippet(d), "late");
    assert!(help(d).contains("add `gives VALUE`") && help(d).contains("depot_hors_delai"));
}

#[test]
fn an_unused_clause_and_an_unreachable_rule_are_warnings() {
    let case = Case::load("unused-clause-unreachable-rule");
    case.snapshot();
    assert!(case.folder.is_ok(), "warnings do not reject the policy");
    assert!(
        case.diagnostics()
            .iter()
            .all(|d| d.severity == Severity::Warning)
    );
    let unused = case.the("unused-clause");
    assert_eq!(case.snippet(unused), "\"3-3\"");
    let unreachable = case.the("unreachable-rule");
    assert!(
        unreachable.message.contains("rule `normal`"),
        "{}",
        unreachable.message
    );
    assert!(
        unreachable.message.contains("exception `reduced`"),
        "{}",
        unreachable.message
    );
    assert!(
        case.folder.version("annexe").is_some(),
        "the version still compiles"
    );
}

#[test]
fn an_informative_clause_that_states_an_obligation_without_a_reason_is_a_warning() {
    let case = Case::load("informative-states-rule");
    case.snapshot();
    assert!(case.folder.is_ok(), "a warning does not reject the policy");
    let d = case.the("informative-states-rule");
    assert_eq!(d.severity, Severity::Warning);
    assert_eq!(case.snippet(d), "obligatoire");
    assert!(d.message.contains("`2.3.1-3`"), "{}", d.message);
    assert!(d.message.contains("an obligation"), "{}", d.message);
    assert!(help(d).contains("informative \""), "{}", help(d));
    // The objectives say « doit » too, but give their reason.
    assert_eq!(case.codes(), ["informative-states-rule"]);
}

// ------------------------------------------------------------------------------------ layers

#[test]
fn an_override_of_a_parameter_the_parent_does_not_have() {
    let case = Case::load("bad-override");
    case.snapshot();
    let d = case.the("bad-override");
    assert_eq!(case.codes(), ["bad-override"]);
    assert_eq!(case.file(d), "bad-override/session-2027.policy");
    assert_eq!(case.snippet(d), "report_dealine");
    assert_eq!(help(d), "did you mean `report_deadline`?");
    assert!(
        case.folder.version("annexe").is_some(),
        "the parent is fine"
    );
    assert!(case.folder.version("session-2027").is_none());
}

#[test]
fn an_override_of_a_rule_the_parent_does_not_have() {
    let case = Case::load("override-unknown-rule");
    case.snapshot();
    let d = case.the("bad-override");
    assert_eq!(case.snippet(d), "lat");
    assert_eq!(help(d), "did you mean `late`?");
}

#[test]
fn a_redeclaration_in_a_layer_asks_for_override() {
    let case = Case::load("redeclaration-without-override");
    case.snapshot();
    let d = case.the("duplicate-name");
    assert_eq!(case.codes(), ["duplicate-name"]);
    assert_eq!(
        case.file(d),
        "redeclaration-without-override/session-2027.policy"
    );
    assert_eq!(case.snippet(d), "report_deadline");
    assert!(help(d).contains("override parameter"), "{}", help(d));
}

#[test]
fn an_override_that_changes_the_type_of_a_parameter() {
    let case = Case::load("override-changes-type");
    case.snapshot();
    let d = case.the("type-mismatch");
    assert_eq!(case.codes(), ["type-mismatch"]);
    assert_eq!(case.snippet(d), "30 weeks");
    assert!(d.message.contains("`date`"), "{}", d.message);
}

#[test]
fn an_override_that_changes_the_type_of_a_definition() {
    let case = Case::load("override-definition-changes-type");
    case.snapshot();
    let d = case.the("bad-override");
    assert_eq!(case.codes(), ["bad-override"]);
    assert_eq!(case.snippet(d), "integer days");
    assert!(
        help(d).contains("keeps the definition's parameters and type"),
        "{}",
        help(d)
    );
}

#[test]
fn an_optional_value_used_without_a_test_says_how_to_narrow_it() {
    let case = Case::load("optional-without-test");
    case.snapshot();
    let d = case.the("type-mismatch");
    assert_eq!(case.codes(), ["type-mismatch"]);
    assert_eq!(case.snippet(d), "max(candidate.birth, cutoff)");
    assert!(
        help(d).contains("`when candidate.birth is present`"),
        "{}",
        help(d)
    );
    assert!(help(d).contains("it is a `date`"), "{}", help(d));
}

#[test]
fn a_unit_glued_to_per_is_pointed_at_and_split() {
    let case = Case::load("unit-glued-to-per");
    case.snapshot();
    let d = case.the("syntax-error");
    assert_eq!(case.snippet(d), "eurosper");
    assert_eq!(d.message, "`eurosper` reads as one word");
    assert_eq!(
        help(d),
        "write `euros per \"…\"`: the unit and `per` are two words"
    );
}

#[test]
fn a_decimal_comma_is_pointed_at_and_written_with_a_point() {
    let case = Case::load("decimal-comma");
    case.snapshot();
    let d = case.the("syntax-error");
    assert_eq!(case.snippet(d), "1108,40");
    assert_eq!(help(d), "write `1108.40`");
}

#[test]
fn a_text_going_on_without_its_opening_quote_says_how_to_write_the_piece() {
    let case = Case::load("text-without-opening-quote");
    case.snapshot();
    let d = case.the("syntax-error");
    assert_eq!(
        case.snippet(d),
        "du ministère chargé de l'enseignement supérieur\""
    );
    assert!(
        help(d).contains("`\"du ministère chargé de l'enseignement supérieur\"`"),
        "{}",
        help(d)
    );
}

#[test]
fn two_pieces_of_a_text_on_one_line_say_where_the_second_goes() {
    let case = Case::load("text-pieces-on-one-line");
    case.snapshot();
    let d = case.the("syntax-error");
    assert_eq!(
        case.snippet(d),
        "\"tel qu'il figure sur l'avis d'imposition.\""
    );
    assert!(help(d).contains("on a line of its own"), "{}", help(d));
}

#[test]
fn a_percent_sign_says_how_to_write_a_rate() {
    let case = Case::load("percent-sign");
    case.snapshot();
    let d = case.the("syntax-error");
    assert_eq!(case.snippet(d), "%");
    assert!(help(d).contains("`montant * 6 %`"), "{}", help(d));
}

#[test]
fn an_index_into_a_list_says_how_to_read_a_list() {
    let case = Case::load("list-index");
    case.snapshot();
    let d = case.the("syntax-error");
    assert_eq!(case.snippet(d), "[0]");
    assert!(help(d).contains("`any p in L where …`"), "{}", help(d));
}

#[test]
fn extending_a_missing_version_suggests_the_closest_label() {
    let case = Case::load("extends-missing-version");
    case.snapshot();
    let d = case.the("unknown-version");
    assert_eq!(case.codes(), ["unknown-version"]);
    assert_eq!(case.snippet(d), "\"anexe\"");
    assert_eq!(help(d), "did you mean `annexe`?");
}

#[test]
fn two_files_with_one_version_label() {
    let case = Case::load("duplicate-version");
    case.snapshot();
    let d = case.the("duplicate-version");
    assert_eq!(case.codes(), ["duplicate-version"]);
    assert_eq!(case.file(d), "duplicate-version/session-2028.policy");
    assert_eq!(case.snippet(d), "\"session-2027\"");
}

#[test]
fn two_versions_effective_on_one_date() {
    let case = Case::load("same-effective-date");
    case.snapshot();
    case.assert_rejected();
    // The two versions without a date (`guyane-2027`, `mayotte-2027`) are not reported.
    assert_eq!(case.codes(), ["same-effective-date"]);
    let d = case.the("same-effective-date");
    assert_eq!(
        d.message,
        "versions `session-2027` and `session-2028` both take effect on 2026-09-01"
    );
    assert_eq!(case.file(d), "same-effective-date/session-2028.policy");
    assert_eq!(case.snippet(d), "2026-09-01");
    assert!(help(d).contains("its own effective date"), "{}", help(d));
    let rendered = case.rendered();
    assert!(
        rendered.contains("`session-2027` takes effect here: tests/broken/same-effective-date/session-2027.policy:4:16"),
        "{rendered}"
    );
}

#[test]
fn versions_that_extend_each_other_are_a_cycle() {
    let case = Case::load("extends-cycle");
    case.snapshot();
    assert!(
        case.codes().iter().all(|c| *c == "extends-cycle"),
        "{:?}",
        case.codes()
    );
    let first = case.diagnostics()[0];
    assert!(
        first
            .message
            .contains("session-2026 → session-2027 → session-2026"),
        "{}",
        first.message
    );
    assert!(
        case.folder.version("annexe").is_some(),
        "the annex outside the cycle still compiles"
    );
}

#[test]
fn a_layer_with_another_policy_id() {
    let case = Case::load("policy-id-mismatch");
    case.snapshot();
    let d = case.the("policy-id-mismatch");
    assert_eq!(case.codes(), ["policy-id-mismatch"]);
    assert_eq!(case.snippet(d), "rapport-bts-mesure");
}

// ------------------------------------------------------------------------------ former gaps

/// A policy whose parameters are all set by later layers and whose inputs have no default is
/// valid: its rules may still name its parameters.
#[test]
fn a_policy_without_any_constant_may_name_its_parameters() {
    let text = r#"policy rapport-bts
version "annexe"

clause "2.1.3-10" section "2.1.3"
  | Le rapport du stage en milieu professionnel est transmis selon un calendrier défini dans la
  | circulaire d'organisation de l'examen.

input report.submitted_on : optional date                  per "2.1.3-10"

parameter report_deadline : date                           per "2.1.3-10"

conclusion late : bool
  rule on_time
    gives false
    per "2.1.3-10"
  exception after_deadline of on_time
    when report.submitted_on > report_deadline
    gives true
    per "2.1.3-10"
"#;
    let folder = check_texts(
        PathBuf::from("annexe"),
        vec![("annexe.policy".into(), None, text.into())],
    );
    let rendered: Vec<String> = folder
        .all_diagnostics()
        .map(|d| d.render(&folder.sources, false))
        .collect();
    assert!(folder.is_ok(), "{}", rendered.join("\n"));
}

/// A parameter whose value cannot be computed is an error of the policy, not a missing fact of
/// every candidate.
#[test]
fn a_parameter_dividing_by_zero_is_rejected() {
    let text = r#"policy conge-annuel
version "2024"

clause "L3141-3" section "L3141-3"
  | Le salarié a droit à un congé de deux jours et demi ouvrables par mois de travail effectif.

input employee.months_worked : integer = 0                 per "L3141-3"

parameter days_per_month = 5 / 0                           per "L3141-3"

conclusion leave_days : decimal
  rule earned
    gives employee.months_worked * days_per_month
    per "L3141-3"
"#;
    let folder = check_texts(
        PathBuf::from("2024"),
        vec![("2024.policy".into(), None, text.into())],
    );
    assert!(!folder.is_ok(), "`5 / 0` should be rejected");
    let d = folder.all_diagnostics().next().expect("a diagnostic");
    assert_eq!(d.code, "not-constant");
    assert!(d.message.contains("division by zero"), "{}", d.message);
}

/// The table of codes in `grammar/LANGUAGE.md` is the one generated from `Code`: a code added,
/// renamed or re-described without the documentation fails here. `CLAUSIER_BLESS=1` rewrites it.
#[test]
fn diagnostic_codes_table_in_language_md_is_up_to_date() {
    const DOC: &str = "grammar/LANGUAGE.md";
    const BEGIN: &str = "<!-- codes:begin -->\n";
    const END: &str = "<!-- codes:end -->";
    let text = std::fs::read_to_string(DOC).unwrap();
    let start = text
        .find(BEGIN)
        .expect("LANGUAGE.md lost its `codes:begin` marker")
        + BEGIN.len();
    let end = text
        .find(END)
        .expect("LANGUAGE.md lost its `codes:end` marker");
    let expected = clausier::diagnostic::code::markdown_table();
    if text[start..end] == expected {
        return;
    }
    if std::env::var_os("CLAUSIER_BLESS").is_some() {
        let updated = format!("{}{expected}{}", &text[..start], &text[end..]);
        std::fs::write(DOC, updated).unwrap();
        return;
    }
    panic!(
        "the table of diagnostic codes in {DOC} differs from `clausier::diagnostic::Code`: \
         regenerate it with `CLAUSIER_BLESS=1 cargo test --test integration diagnostic_codes`"
    );
}

#[test]
fn a_label_of_an_undeclared_input_suggests_the_declared_one() {
    let case = Case::load("label-unknown-target");
    case.snapshot();
    let d = case.the("unknown-label-target");
    assert_eq!(case.codes(), ["unknown-label-target", "missing-label"]);
    assert_eq!(case.snippet(d), "internship.force_majeur");
    assert_eq!(help(d), "did you mean `internship.force_majeure`?");
}

#[test]
fn a_question_on_a_parameter_is_refused() {
    let case = Case::load("label-question-on-parameter");
    case.snapshot();
    let d = case.the("misplaced-label-text");
    assert_eq!(case.codes(), ["misplaced-label-text"]);
    assert_eq!(
        case.snippet(d),
        "\"Quelle est la durée normale du stage ?\""
    );
    assert!(d.message.contains("`question`"), "{}", d.message);
}

#[test]
fn a_policy_with_a_language_warns_of_each_thing_left_without_a_label() {
    let case = Case::load("label-missing");
    case.snapshot();
    assert_eq!(case.codes(), ["missing-label", "missing-label"]);
    let snippets: Vec<String> = case.diagnostics().iter().map(|d| case.snippet(d)).collect();
    assert_eq!(snippets, ["internship.rector_validated", "ground"]);
    let diagnostics = case.diagnostics();
    let messages: Vec<&str> = diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "input `internship.rector_validated` has no label in `fr`",
            "value `force_majeure` of enum `ground` has no label in `fr`",
        ]
    );
}

#[test]
fn a_favourable_value_the_conclusion_cannot_take_suggests_its_values() {
    let case = Case::load("label-favourable-unknown-value");
    case.snapshot();
    let d = case.the("unknown-name");
    assert_eq!(case.codes(), ["unknown-name"]);
    assert_eq!(case.snippet(d), "admise");
    assert_eq!(help(d), "did you mean `admis`?");
}

#[test]
fn a_layer_keeps_the_language_of_the_version_it_extends() {
    let base = "policy p\nversion \"base\"\nlanguage \"fr\"\nclause \"1\" section \"1\"\n  | Une règle.\ninput x : bool    per \"1\"\nconclusion c : bool\n  rule r\n    gives x\n    per \"1\"\nlabel x \"x\"\nlabel c \"c\"\n";
    // The layer adds an input without a label and says no language of its own.
    let layer = "policy p\nversion \"next\"\nextends \"base\"\ninput y : bool    per \"1\"\n";
    let folder = check_texts(
        PathBuf::from("p"),
        vec![
            ("p/base.policy".into(), None, base.into()),
            ("p/next.policy".into(), None, layer.into()),
        ],
    );
    let next = folder.version("next").expect("the layer checks");
    assert_eq!(next.labels.language, Some(clausier::Lang::Fr));
    let warned = folder
        .all_diagnostics()
        .any(|d| d.code == "missing-label" && d.message.contains("input `y`"));
    assert!(warned, "the layer's unlabelled input is reported");
}

// ------------------------------------------------------------------------------------ tables

#[test]
fn rows_of_a_unique_table_that_share_a_limit_overlap() {
    let case = Case::load("table-overlap");
    case.snapshot();
    case.assert_rejected();
    let d = case.the("table-overlap");
    assert_eq!(case.codes(), ["table-overlap"]);
    assert_eq!(case.snippet(d), "nombreux");
    assert!(d.message.contains("`peu` and `nombreux`"), "{}", d.message);
    assert_eq!(d.related.len(), 1, "the other row is shown");
    assert!(help(d).contains("`first`"));
    assert!(
        help(d).starts_with("both apply when `foyer.points_de_charge` = 2 points"),
        "{}",
        help(d)
    );
}

#[test]
fn a_table_without_a_row_above_its_last_ceiling_has_a_gap() {
    let case = Case::load("table-gap");
    case.snapshot();
    let d = case.the("table-gap");
    assert_eq!(case.codes(), ["table-gap"]);
    assert_eq!(d.severity, Severity::Warning);
    assert_eq!(case.snippet(d), "foyer.revenu");
    assert!(
        d.message.contains("`foyer.revenu` > 25000.00 euros"),
        "{}",
        d.message
    );
}

#[test]
fn a_row_with_a_cell_missing_is_rejected() {
    let case = Case::load("table-cells");
    case.snapshot();
    case.assert_rejected();
    let d = case.the("table-shape");
    assert_eq!(case.codes(), ["table-shape"]);
    assert_eq!(case.snippet(d), "trois");
    assert!(d.message.contains("1 cell for 2 columns"), "{}", d.message);
    assert!(help(d).contains("`-`"));
}

#[test]
fn a_row_overridden_as_a_rule_is_told_to_override_a_row() {
    let case = Case::load("table-override-rule");
    case.snapshot();
    case.assert_rejected();
    let d = case.the("bad-override");
    assert_eq!(case.snippet(d), "deux");
    assert_eq!(help(d), "write `override row montant.deux …`");
}
