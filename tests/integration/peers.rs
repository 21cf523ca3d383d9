//! The benchmark peers are honest: clausier, the hand-written Rust of `benches/peers/native.rs`
//! and the Rego of `benches/peers/bts.rego` (on regorus) give the same conclusions on the inputs
//! of every BTS example (under session-2027) and on the generated mix of `benches/decide.rs`.
//! native must match every field of every conclusion (`because` and `missing` too); regorus its
//! status, value, rule labels and citations. Every candidate goes through all three (about 6 s in
//! debug, most of it regorus).

#[path = "../../benches/peers/cases.rs"]
pub(crate) mod cases;
#[path = "../../benches/peers/native.rs"]
mod native;
#[path = "../../benches/peers/rego.rs"]
mod rego;

use std::path::Path;

use clausier::load::load_folder;
use serde_json::Value;

const BTS: &str = "policies/bts-metiers-de-la-mesure";

/// clausier's decision, as JSON, or `None` for an input it rejects.
fn clausier_decision(policy: &clausier::prepared::Prepared, bytes: &[u8]) -> Option<Value> {
    // The peers implement three-valued logic alone, and write `because` with the policy's
    // names (`name = value`): what clausier writes in English, a language in which the BTS
    // policy has no labels. Compare like with like.
    let options = clausier::request::Options {
        three_valued: true,
        lang: clausier::Lang::En,
        ..Default::default()
    };
    let decision = clausier::request::decide_bytes(policy, bytes, &options).ok()?;
    Some(serde_json::to_value(&decision).unwrap())
}

/// The 137 examples' inputs and the 1,000 generated candidates: all valid records.
fn candidates() -> Vec<(String, Vec<u8>)> {
    let mut all = cases::examples(Path::new(BTS));
    assert!(all.len() >= 137, "only {} examples", all.len());
    for (i, bytes) in cases::mix(1000).into_iter().enumerate() {
        all.push((format!("mix #{i}"), bytes));
    }
    all
}

#[test]
fn native_gives_the_same_decision_as_clausier() {
    let folder = load_folder(Path::new(BTS)).unwrap();
    let policy = folder.version("session-2027").unwrap();
    let mut failures = Vec::new();
    for (name, bytes) in candidates() {
        let expected = clausier_decision(policy, &bytes);
        if expected.is_none() {
            failures.push(format!("{name}: clausier rejects the input"));
        }
        let found = native::decide(&bytes)
            .ok()
            .map(|b| serde_json::from_slice::<Value>(&b).unwrap());
        match (expected, found) {
            (None, None) => {}
            (Some(e), Some(f)) => {
                for (c, ev) in e["conclusions"].as_object().unwrap() {
                    let fv = &f["conclusions"][c];
                    if ev != fv {
                        failures.push(format!(
                            "{name} › {c}\n  clausier: {ev}\n  native:   {fv}\n  input: {}",
                            String::from_utf8_lossy(&bytes)
                        ));
                    }
                }
            }
            (e, f) => failures.push(format!(
                "{name}: clausier accepts: {}, native accepts: {}",
                e.is_some(),
                f.is_some()
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures[..failures.len().min(15)].join("\n")
    );
}

#[test]
fn regorus_gives_the_same_conclusions_as_clausier() {
    let folder = load_folder(Path::new(BTS)).unwrap();
    let policy = folder.version("session-2027").unwrap();
    let mut rego = rego::Rego::new();
    let mut failures = Vec::new();
    for (name, bytes) in candidates() {
        let Some(expected) = clausier_decision(policy, &bytes) else {
            failures.push(format!("{name}: clausier rejects the input"));
            continue;
        };
        let found: Value = serde_json::from_slice(&rego.decide(&bytes).unwrap()).unwrap();
        for (c, ev) in expected["conclusions"].as_object().unwrap() {
            let fv = &found["conclusions"][c];
            let keys = ["status", "value", "rules", "citations"];
            let pick = |v: &Value| {
                keys.map(|k| match &v[k] {
                    Value::Null if k == "rules" || k == "citations" => Value::Array(Vec::new()),
                    x => x.clone(),
                })
            };
            if pick(ev) != pick(fv) {
                failures.push(format!(
                    "{name} › {c}\n  clausier: {:?}\n  regorus:  {:?}\n  input: {}",
                    &pick(ev)[..3],
                    &pick(fv)[..3],
                    String::from_utf8_lossy(&bytes)
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures[..failures.len().min(15)].join("\n")
    );
}
