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

/// A decision reduced to what a reviewer checks: status, value, clause ids, reasons, missing.
fn summary(decision: &clausier::decision::Decision) -> Value {
    let mut out = serde_json::Map::new();
    out.insert("version".into(), json!(decision.policy.version));
    for (name, c) in &decision.conclusions.0 {
        let mut entry = json!({ "status": c.status, "value": c.value });
        let clauses: Vec<&str> = c.citations.iter().map(|c| &*c.clause).collect();
        if !clauses.is_empty() {
            entry["citations"] = json!(clauses);
        }
        if let Some(b) = c.because.as_ref().filter(|b| !b.is_empty()) {
            entry["because"] = json!(b);
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
