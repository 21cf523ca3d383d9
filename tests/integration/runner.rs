//! The example runner fails when it should: a wrong value, status, citation or missing fact, an
//! expectation that says nothing, an example that expects nothing; and coverage names what no
//! example exercises, a layer's amended clause apart from the text it replaces.

use std::path::Path;

use clausier::examples::{Report, run};
use clausier::load::{PolicyFolder, load_folder};
use serde_json::{Value, json};

const BASE: &str = r#"policy stage
version "bareme"
effective from 2021-09-01

clause "3-1" section "3"
  | La durée du stage est de douze semaines.
clause "3-2" section "3"
  | Un stage plus court est insuffisant.

input weeks : integer weeks                                per "3-1"

conclusion enough : bool
  rule long_enough
    when weeks >= 12 weeks
    gives true
    per "3-1"
  rule too_short
    when weeks < 12 weeks
    gives false
    per "3-2"
"#;

const LAYER: &str = r#"policy stage
version "session-2027"
effective from 2026-09-01
extends "bareme"

override clause "3-2" section "3"
  | Un stage de moins de douze semaines est insuffisant, sauf dispense.
"#;

/// A folder with the two versions and `examples` in `tests/examples.json`.
fn folder(dir: &Path, examples: Value) -> PolicyFolder {
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    std::fs::write(dir.join("bareme.policy"), BASE).unwrap();
    std::fs::write(dir.join("session-2027.policy"), LAYER).unwrap();
    std::fs::write(dir.join("tests/examples.json"), examples.to_string()).unwrap();
    load_folder(dir).unwrap()
}

fn example(version: &str, weeks: u32, expect: Value) -> Value {
    json!({"name": format!("{weeks} weeks"), "version": version, "input": {"weeks": weeks}, "expect": expect})
}

fn failures(report: &Report) -> Vec<String> {
    report
        .failures
        .iter()
        .map(|f| format!("{} | {} | {}", f.example, f.expected, f.found))
        .collect()
}

#[test]
fn right_expectations_pass_and_cover_everything() {
    let dir = tempfile::tempdir().unwrap();
    let folder = folder(
        dir.path(),
        json!([
            example(
                "bareme",
                12,
                json!({"enough": {"value": true, "citations": ["3-1"]}})
            ),
            example(
                "bareme",
                8,
                json!({"enough": {"value": false, "citations": ["3-2"]}})
            ),
            example("session-2027", 8, json!({"enough": {"value": false}})),
        ]),
    );
    let report = run(&folder);
    assert_eq!(report.run, 3);
    assert!(report.failures.is_empty(), "{:?}", failures(&report));
    let uncovered = report.uncovered(&folder);
    assert!(
        uncovered.rules.is_empty() && uncovered.clauses.is_empty(),
        "{uncovered:?}"
    );
}

#[test]
fn each_wrong_expectation_is_a_failure_that_says_what_differs() {
    let dir = tempfile::tempdir().unwrap();
    let folder = folder(
        dir.path(),
        json!([
            example("bareme", 12, json!({"enough": {"value": false}})),
            example("bareme", 12, json!({"enough": {"status": "undetermined"}})),
            example(
                "bareme",
                12,
                json!({"enough": {"value": true, "citations": ["3-2"]}})
            ),
            example("bareme", 12, json!({"enough": {"missing": ["weeks"]}})),
            example("bareme", 12, json!({"enough": {}})),
            example("bareme", 12, json!({})),
            example("bareme", 12, json!({"enuogh": {"value": true}})),
        ]),
    );
    let report = run(&folder);
    let found = failures(&report);
    assert_eq!(report.failures.len(), 7, "{found:#?}");
    assert!(
        found[0].contains("value false") && found[0].contains("\"value\":true"),
        "{}",
        found[0]
    );
    assert!(found[1].contains("status undetermined"), "{}", found[1]);
    assert!(found[2].contains("citations [\"3-2\"]"), "{}", found[2]);
    assert!(found[3].contains("missing [\"weeks\"]"), "{}", found[3]);
    assert!(
        found[4].contains("an expectation that says something"),
        "{}",
        found[4]
    );
    assert!(
        found[5].contains("at least one expected conclusion"),
        "{}",
        found[5]
    );
    assert!(found[6].contains("no such conclusion"), "{}", found[6]);
}

#[test]
fn a_layers_amended_clause_is_covered_only_under_the_layer() {
    let dir = tempfile::tempdir().unwrap();
    // `3-2` is cited under the annex only: the session's amended text is never exercised.
    let folder = folder(
        dir.path(),
        json!([
            example("bareme", 12, json!({"enough": {"value": true}})),
            example("bareme", 8, json!({"enough": {"value": false}})),
            example("session-2027", 12, json!({"enough": {"value": true}})),
        ]),
    );
    let report = run(&folder);
    assert!(report.failures.is_empty(), "{:?}", failures(&report));
    let uncovered = report.uncovered(&folder);
    assert!(uncovered.rules.is_empty(), "{uncovered:?}");
    assert_eq!(uncovered.clauses.len(), 1, "{uncovered:?}");
    let clause = &uncovered.clauses[0];
    assert!(
        clause.starts_with("3-2 (") && clause.contains("/session-2027.policy:"),
        "{clause}"
    );
}

#[test]
fn a_rule_no_example_applies_is_uncovered() {
    let dir = tempfile::tempdir().unwrap();
    let folder = folder(
        dir.path(),
        json!([example("bareme", 12, json!({"enough": {"value": true}}))]),
    );
    let uncovered = run(&folder).uncovered(&folder);
    assert_eq!(uncovered.rules.len(), 1, "{uncovered:?}");
    let rule = &uncovered.rules[0];
    assert!(
        rule.starts_with("rule enough.too_short (") && rule.contains("/bareme.policy:"),
        "{rule}"
    );
}

/// `clausier test --coverage` names, for people, what the examples leave out: the rule no
/// example applies and the clause only that rule cites, and says "every rule" of nothing.
#[test]
fn the_coverage_report_names_the_rule_and_the_clause_no_example_exercises() {
    let dir = tempfile::tempdir().unwrap();
    folder(
        dir.path(),
        json!([example("bareme", 12, json!({"enough": {"value": true}}))]),
    );
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_clausier"))
        .args(["test", dir.path().to_str().unwrap(), "--coverage"])
        .output()
        .expect("the binary runs");
    let out = String::from_utf8_lossy(&o.stdout);
    // Examples that pass: coverage is a report, not a failure.
    assert_eq!(o.status.code(), Some(0), "{out}");
    let lines: Vec<&str> = out.lines().map(str::trim).collect();
    let named = |start: &str| {
        lines
            .iter()
            .filter(|l| l.starts_with(start))
            .copied()
            .collect::<Vec<_>>()
    };
    let rules = named("rule never applied: ");
    assert_eq!(rules.len(), 1, "{out}");
    assert!(
        rules[0].starts_with("rule never applied: rule enough.too_short (")
            && rules[0].contains("bareme.policy:"),
        "{out}"
    );
    // `3-2` is cited by that rule alone, in the annex and again as the session amends it.
    let clauses = named("clause never cited by a decision: ");
    assert_eq!(clauses.len(), 2, "{out}");
    assert!(
        clauses
            .iter()
            .all(|c| c.starts_with("clause never cited by a decision: 3-2 (")),
        "{out}"
    );
    assert!(!out.contains("every rule gives a value"), "{out}");
    assert!(!out.contains("every clause that carries a rule"), "{out}");
    assert!(out.contains("1 example(s), 0 failure(s)"), "{out}");
}

const ORDER: &str = r#"policy ordre
version "v1"
effective from 2021-09-01

clause "1" section "1"
  | Les causes et les tailles.

enum cause = late | long
input pages : integer
input days : integer

conclusion causes : set of cause
  member late when days > 10 per "1"
  member long when pages > 50 per "1"
conclusion sizes : list of integer
  rule r gives [pages, days] per "1"
"#;

#[test]
fn a_set_is_compared_in_any_order_and_a_list_in_its_own() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("tests")).unwrap();
    std::fs::write(dir.path().join("ordre.policy"), ORDER).unwrap();
    let examples = json!([
        {"name": "set", "version": "v1", "input": {"pages": 60, "days": 20},
         "expect": {"causes": {"value": ["long", "late"]}}},
        {"name": "list in order", "version": "v1", "input": {"pages": 60, "days": 20},
         "expect": {"sizes": {"value": [60, 20]}}},
        {"name": "list out of order", "version": "v1", "input": {"pages": 60, "days": 20},
         "expect": {"sizes": {"value": [20, 60]}}},
    ]);
    std::fs::write(dir.path().join("tests/examples.json"), examples.to_string()).unwrap();
    let folder = load_folder(dir.path()).unwrap();
    let report = run(&folder);
    assert_eq!(report.run, 3);
    let found = failures(&report);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].starts_with("list out of order | value [20,60]"),
        "{}",
        found[0]
    );
}
