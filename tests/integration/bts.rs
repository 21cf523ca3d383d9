//! The BTS « Métiers de la Mesure » policy: its examples pass and cover every rule, and the
//! decisions on a folder of candidates (tests/cases/bts) give the conclusions each case
//! expects (its `expect`, written as the policy's examples are), then are snapshotted whole for
//! review. Regenerate the snapshots with `INSTA_UPDATE=always cargo test --test integration
//! bts`, then read the diff before committing: an expectation is never regenerated.

use std::path::Path;

use clausier::load::{PolicyFolder, load_folder};
use clausier::request::{Options, decide};
use serde_json::{Value, json};

const BTS: &str = "policies/bts-metiers-de-la-mesure";

fn bts() -> PolicyFolder {
    load_folder(Path::new(BTS)).expect("the BTS policy folder reads")
}

#[test]
fn every_version_checks_without_error() {
    let folder = bts();
    let errors: Vec<String> = folder
        .all_diagnostics()
        .filter(|d| d.is_error())
        .map(|d| d.render(&folder.sources, false))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let mut labels: Vec<&str> = folder.compiled().map(|p| p.version.as_str()).collect();
    labels.sort_unstable();
    assert_eq!(
        labels,
        ["annexe-ivb", "mayotte-2025", "session-2026", "session-2027"]
    );
}

#[test]
fn the_examples_pass_and_exercise_every_rule_and_clause() {
    let folder = bts();
    let report = clausier::examples::run(&folder);
    let failures: Vec<String> = report.failures.iter().map(ToString::to_string).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(report.run >= 60, "only {} examples", report.run);
    assert_eq!(
        report.uncovered(&folder),
        clausier::examples::Uncovered::default()
    );
}

/// A clause id, with what brought it when no rule cites it: `0-1 via parameter normal_weeks`.
fn cited(c: &std::sync::Arc<clausier::decision::Citation>) -> String {
    match &c.via {
        Some(via) => format!("{} via {via}", c.clause),
        None => c.clause.to_string(),
    }
}

/// A decision reduced to what a reviewer checks: status, value and unit, clause ids (and what
/// brought those no rule cites), reasons, the readings it rests on, missing.
fn summary(decision: &clausier::decision::Decision) -> Value {
    let mut out = serde_json::Map::new();
    out.insert("version".into(), json!(decision.policy.version));
    for (name, c) in &decision.conclusions.0 {
        let mut entry = json!({ "status": c.status, "value": c.value });
        if let Some(unit) = &c.unit {
            entry["unit"] = json!(unit);
        }
        let clauses: Vec<String> = c.citations.iter().map(cited).collect();
        if !clauses.is_empty() {
            entry["citations"] = json!(clauses);
        }
        if let Some(b) = c.because.as_ref().filter(|b| !b.is_empty()) {
            entry["because"] = json!(b);
        }
        // What carries each reading the value rests on (`definition weeks_of`).
        let readings: Vec<&str> = c.interpretations.iter().map(|i| i.of.as_str()).collect();
        if !readings.is_empty() {
            entry["interpretations"] = json!(readings);
        }
        if let Some(m) = &c.missing {
            entry["missing"] = json!(m);
        }
        out.insert(name.to_string(), entry);
    }
    Value::Object(out)
}

/// Lists of clauses and of missing facts compare in any order; values as they are (a set's
/// members come in a stable order).
fn unordered(key: &str, v: &Value) -> Value {
    match (key, v.as_array()) {
        ("citations" | "missing", Some(items)) => {
            let mut items = items.clone();
            items.sort_by_key(ToString::to_string);
            Value::Array(items)
        }
        _ => v.clone(),
    }
}

#[test]
fn decisions_on_the_cases_folder() {
    let folder = bts();
    let mut cases: Vec<_> = std::fs::read_dir("tests/cases/bts")
        .expect("cases folder")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 8);
    for case in cases {
        let name = case
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("a file name")
            .to_string();
        let text = std::fs::read_to_string(&case).expect("case reads");
        let case_json: Value = serde_json::from_str(&text).expect("case is JSON");
        let version = case_json["version"].as_str().expect("version");
        let policy = folder.version(version).expect("version exists");
        let decision =
            decide(policy, &case_json["input"], &Options::default()).expect("valid input");
        let expect = case_json["expect"].as_object().expect("an `expect` object");
        assert!(!expect.is_empty(), "{name}: `expect` is empty");
        let found = summary(&decision);
        for (conclusion, wanted) in expect {
            let got = &found[conclusion.as_str()];
            assert!(got.is_object(), "{name}: no conclusion `{conclusion}`");
            let wanted = wanted.as_object().expect("an expectation object");
            if wanted.contains_key("value") {
                assert_eq!(got["status"], "decided", "{name}: {conclusion}: {got}");
            }
            for (key, value) in wanted {
                assert!(
                    ["status", "value", "citations", "missing"].contains(&key.as_str()),
                    "{name}: {conclusion}: unknown key `{key}`"
                );
                // An absent list of citations (or of missing facts) is an empty one.
                let got = if got[key.as_str()].is_null() && key != "value" && key != "status" {
                    json!([])
                } else {
                    got[key.as_str()].clone()
                };
                assert_eq!(
                    unordered(key, &got),
                    unordered(key, value),
                    "{name}: {conclusion}.{key}"
                );
            }
        }
        insta::with_settings!({ snapshot_path => "../cases/bts/snapshots", prepend_module_to_snapshot => false, description => format!("tests/cases/bts/{name}.json") }, {
            insta::assert_json_snapshot!(name, summary(&decision));
        });
    }
}

#[test]
fn the_same_input_and_policy_give_the_same_conclusions() {
    let folder = bts();
    let policy = folder.version("session-2027").expect("session-2027");
    let input: Value = serde_json::from_str(
        &std::fs::read_to_string("tests/cases/bts/apprentice-late-report.json").expect("case"),
    )
    .expect("json");
    let explain = Options {
        explain: true,
        ..Options::default()
    };
    // Drawn ids differ; the rest does not.
    let a = decide(policy, &input["input"], &explain).expect("valid");
    let b = decide(policy, &input["input"], &explain).expect("valid");
    assert_ne!(a.decision_id, b.decision_id);
    assert_eq!(a.conclusions, b.conclusions);
    assert_eq!(a.trace, b.trace);
    // With the id given, the decision is a pure function of the record, byte for byte.
    let fixed = Options {
        decision_id: Some("case-1".into()),
        ..explain
    };
    let a = decide(policy, &input["input"], &fixed).expect("valid");
    let b = decide(policy, &input["input"], &fixed).expect("valid");
    assert_eq!(a.decision_id, "case-1");
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&b).unwrap()
    );
}

/// A rector-validated reduction for force majeure, five weeks done: the candidate of the tests
/// below.
fn reduced_for_force_majeure() -> Value {
    json!({
        "candidate": {"pathway": "scolaire"},
        "internship": {
            "periods": [{"start": "2025-01-06", "end": "2025-02-07", "agreement_signed": true}],
            "certificate_provided": true,
            "reduction_ground": "force_majeure",
            "rector_validated": true
        }
    })
}

fn citations_of(decision: &clausier::decision::Decision, name: &str) -> Vec<String> {
    let c = decision.conclusions.get(name).expect("a conclusion");
    c.citations.iter().map(cited).collect()
}

/// The Mayotte layer restates no rule: its amending clause reaches the decision through the
/// parameter it amends, which the annex's `reduced` exception reads.
#[test]
fn the_mayotte_amendment_is_cited_through_the_parameter_it_amends() {
    let folder = bts();
    let policy = folder.version("mayotte-2025").expect("mayotte-2025");
    let d = decide(policy, &reduced_for_force_majeure(), &Options::default()).expect("valid");
    let weeks = d.conclusions.get("required_weeks").expect("required_weeks");
    assert_eq!(clausier::json::to_json(&weeks.value), json!(4));
    assert_eq!(weeks.unit.as_deref(), Some("weeks"));
    assert_eq!(*weeks.rules, [std::sync::Arc::<str>::from("reduced")]);
    assert_eq!(
        citations_of(&d, "required_weeks"),
        [
            "3-1",
            "3-2",
            "mayotte-2025-1 via parameter minimum_reduced_weeks"
        ]
    );
    // As the service writes it.
    let written: Value = serde_json::to_value(&d).expect("json");
    assert_eq!(
        written["conclusions"]["required_weeks"]["citations"][2]["via"],
        "parameter minimum_reduced_weeks"
    );
    assert!(
        written["conclusions"]["required_weeks"]["citations"][0]
            .get("via")
            .is_none()
    );
}

/// Under session-2027 the same candidate's reduction cites 3-1 once, as the rule does (the
/// parameter's 3-1 is not repeated), and the admission on authorisation, whose condition
/// compares the weeks done with `normal_weeks`, cites that parameter's clauses after its own,
/// 3-1 among them.
#[test]
fn session_2027_cites_the_clauses_of_the_parameters_its_rules_read() {
    let folder = bts();
    let policy = folder.version("session-2027").expect("session-2027");
    let mut input = reduced_for_force_majeure();
    input["internship"]["periods"] =
        json!([{"start": "2026-05-04", "end": "2026-07-10", "agreement_signed": true}]);
    let d = decide(policy, &input, &Options::default()).expect("valid");
    assert_eq!(citations_of(&d, "required_weeks"), ["3-1", "3-2"]);
    let admission = d.conclusions.get("e61_admission").expect("e61_admission");
    assert_eq!(
        clausier::json::to_json(&admission.value),
        json!("admis_sur_autorisation")
    );
    assert_eq!(
        citations_of(&d, "e61_admission"),
        [
            "2.1.2-4",
            "4-2",
            "0-1 via parameter normal_weeks",
            "2.1.2-3 via parameter normal_weeks",
            "3-1 via parameter normal_weeks"
        ]
    );
}
