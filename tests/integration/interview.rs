//! The guided interview over HTTP: for every example of the BTS policy, starting from nothing
//! and answering only the questions asked (from the example's own record) reaches the example's
//! expected values, and every question asked could change a wanted conclusion.

use serde_json::{Map, Value, json};

use clausier::Prepared;
use clausier::decision::{Datum, Status};
use clausier::json::{Absence, read_facts_as};

use crate::http::{TestServer, date, post};

const BTS: &str = "bts-metiers-de-la-mesure";

fn ask(server: &TestServer, body: &Value) -> Value {
    let r = post(
        server,
        &format!("/v1/policies/{BTS}/interview"),
        "application/json",
        body.to_string(),
    );
    assert_eq!(r.status, 200, "{body}: {}", r.body);
    r.json()
}

/// The value at a dotted path of a record, if present.
fn at<'a>(record: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(record, |v, k| v.get(k))
}

fn set(record: &mut Value, path: &str, value: Value) {
    let mut here = record;
    let segments: Vec<&str> = path.split('.').collect();
    for (i, k) in segments.iter().enumerate() {
        let map = here.as_object_mut().unwrap();
        if i + 1 == segments.len() {
            map.insert((*k).to_string(), value);
            return;
        }
        here = map.entry(*k).or_insert_with(|| json!({}));
    }
}

/// The status and value of every conclusion, deciding a partial record as the interview
/// does (an input left out is unknown).
fn outcomes(policy: &Prepared, record: &Value) -> Vec<(Status, Datum)> {
    let facts = read_facts_as(policy, record, Absence::Unanswered).unwrap();
    let d = clausier::decision::decide(policy, &facts, "", false, true);
    d.conclusions
        .0
        .into_iter()
        .map(|(_, c)| (c.status, c.value))
        .collect()
}

/// The answers a question may take (finite inputs only).
fn answers(q: &Value) -> Option<Vec<Value>> {
    let mut values: Vec<Value> = match q["type"]["kind"].as_str().unwrap() {
        "boolean" => vec![json!(false), json!(true)],
        "enum" => q["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["value"].clone())
            .collect(),
        _ => return None,
    };
    if q["optional"] == json!(true) {
        values.push(Value::Null);
    }
    Some(values)
}

/// Asserts that `q`, asked on `record`, can change a wanted conclusion: for a boolean or enum,
/// two of its answers give some wanted conclusion another status or value, on the record as it
/// is or once one other boolean or enum question of the same round is answered; for another
/// type, an undetermined conclusion misses it.
fn assert_relevant(policy: &Prepared, base: &Value, interview: &Value, q: &Value) {
    let path = q["path"].as_str().unwrap();
    let Some(values) = answers(q) else {
        let missed = interview["decision"]["conclusions"]
            .as_object()
            .unwrap()
            .values()
            .any(|c| {
                c["status"] == "undetermined"
                    && c["missing"].as_array().unwrap().iter().any(|m| m == path)
            });
        assert!(missed, "`{path}` is asked but no conclusion misses it");
        return;
    };
    let differs = |body: &Value| {
        let results: Vec<_> = values
            .iter()
            .map(|v| {
                let mut b = body.clone();
                set(&mut b, path, v.clone());
                outcomes(policy, &b)
            })
            .collect();
        results.iter().any(|r| *r != results[0])
    };
    if differs(base) {
        return;
    }
    let others = interview["questions"].as_array().unwrap().iter();
    for other in others.filter(|o| o["path"] != path) {
        for v in answers(other).unwrap_or_default() {
            let mut b = base.clone();
            set(&mut b, other["path"].as_str().unwrap(), v);
            if differs(&b) {
                return;
            }
        }
    }
    panic!("`{path}` is asked, but no answer to it changes a wanted conclusion: {base}");
}

/// Sorts arrays so that sets compare in any order, and writes numbers as floats.
fn normal(v: &Value) -> Value {
    match v {
        Value::Number(n) => json!(n.as_f64().unwrap()),
        Value::Array(items) => {
            let mut items: Vec<Value> = items.iter().map(normal).collect();
            items.sort_by_key(|a| a.to_string());
            Value::Array(items)
        }
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), normal(v))).collect()),
        other => other.clone(),
    }
}

/// Runs the interview for one example to its end; returns the last answer and every question
/// asked, with the pathway answered when it was asked.
fn run_example(
    server: &TestServer,
    policy: &Prepared,
    version: &str,
    record: &Value,
) -> (Value, Vec<(Value, String)>) {
    let mut input = json!({});
    let mut unknown: Vec<String> = Vec::new();
    let mut asked = Vec::new();
    for _round in 0..40 {
        let body = json!({"version": version, "input": input, "unknown": unknown});
        let interview = ask(server, &body);
        let questions = interview["questions"].as_array().unwrap().clone();
        for q in &questions {
            assert_relevant(policy, &input, &interview, q);
            asked.push((
                at(&input, "candidate.pathway")
                    .cloned()
                    .unwrap_or(Value::Null),
                q["path"].as_str().unwrap().to_string(),
            ));
        }
        if interview["done"] == json!(true) {
            return (interview, asked);
        }
        assert!(
            !questions.is_empty(),
            "not done, yet nothing asked: {interview}"
        );
        for q in &questions {
            let path = q["path"].as_str().unwrap();
            assert!(
                !unknown.iter().any(|u| u == path),
                "`{path}` was asked again"
            );
            match at(record, path) {
                Some(v) => set(&mut input, path, v.clone()),
                None if q.get("default").is_some() => set(&mut input, path, q["default"].clone()),
                None if q["optional"] == json!(true) => set(&mut input, path, Value::Null),
                None => unknown.push(path.to_string()),
            }
        }
    }
    panic!("the interview did not end in 40 rounds");
}

#[test]
fn every_example_is_reached_by_answering_only_relevant_questions() {
    let server = TestServer::bts(date("2026-11-28"));
    let folder = clausier::load_folder(&std::path::Path::new("policies").join(BTS)).unwrap();
    let mut examples = 0;
    for file in
        clausier::examples::example_files(std::path::Path::new("policies").join(BTS).as_path())
    {
        let list: Vec<Map<String, Value>> =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        for ex in list {
            examples += 1;
            let name = ex["name"].as_str().unwrap();
            let version = ex["version"].as_str().unwrap();
            let policy = folder.version(version).unwrap();
            let (last, asked) = run_example(&server, policy, version, &ex["input"]);
            for (pathway, path) in &asked {
                assert!(
                    !(pathway == "scolaire" && path.starts_with("apprenticeship.")),
                    "{name}: `{path}` asked of a scolaire candidate"
                );
            }
            for (conclusion, expected) in ex["expect"].as_object().unwrap() {
                let got = &last["decision"]["conclusions"][conclusion];
                let status = expected
                    .get("status")
                    .and_then(Value::as_str)
                    .unwrap_or("decided");
                assert_eq!(got["status"], status, "{name}: {conclusion}: {got}");
                if let Some(value) = expected.get("value") {
                    assert_eq!(normal(&got["value"]), normal(value), "{name}: {conclusion}");
                }
            }
        }
    }
    assert!(examples > 100, "{examples} examples");
}
