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
    let d = clausier::decision::decide(policy, &facts, "", false, true, clausier::Lang::En);
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
/// is or once one other boolean or enum question of the same round is answered, or else once
/// every other question of the round is answered as one of the policy's examples answers it (a
/// question that matters only through several others, like a contract's attestation that
/// matters only for a candidate in formation continue under that contract); for another type,
/// an undetermined conclusion misses it.
fn assert_relevant(
    policy: &Prepared,
    base: &Value,
    interview: &Value,
    q: &Value,
    known: &mut Known,
) {
    let path = q["path"].as_str().unwrap();
    let key = format!("{path} {base}");
    if known.relevant.contains(&key) {
        return;
    }
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
    let others = interview["questions"].as_array().unwrap();
    for record in &known.records {
        let mut b = base.clone();
        for other in others.iter().filter(|o| o["path"] != path) {
            let at_path = other["path"].as_str().unwrap();
            match at(record, at_path) {
                Some(v) => set(&mut b, at_path, v.clone()),
                None if other.get("default").is_some() => {
                    set(&mut b, at_path, other["default"].clone());
                }
                None => {}
            }
        }
        if differs(&b) {
            known.relevant.insert(key);
            return;
        }
    }
    panic!("`{path}` is asked, but no answer to it changes a wanted conclusion: {base}");
}

/// The examples' records, and the questions (with the record they were asked on) already shown
/// relevant through them.
struct Known {
    records: Vec<Value>,
    relevant: std::collections::HashSet<String>,
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
    known: &mut Known,
) -> (Value, Vec<(Value, String)>) {
    let mut input = json!({});
    let mut unknown: Vec<String> = Vec::new();
    let mut asked = Vec::new();
    for _round in 0..40 {
        let body = json!({"version": version, "input": input, "unknown": unknown});
        let interview = ask(server, &body);
        let questions = interview["questions"].as_array().unwrap().clone();
        for q in &questions {
            assert_relevant(policy, &input, &interview, q, known);
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
    let files =
        clausier::examples::example_files(std::path::Path::new("policies").join(BTS).as_path());
    let lists: Vec<Vec<Map<String, Value>>> = files
        .iter()
        .map(|f| serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap())
        .collect();
    let mut known = Known {
        records: lists
            .iter()
            .flatten()
            .map(|ex| ex["input"].clone())
            .collect(),
        relevant: std::collections::HashSet::new(),
    };
    for list in lists {
        for ex in list {
            examples += 1;
            let name = ex["name"].as_str().unwrap();
            let version = ex["version"].as_str().unwrap();
            let policy = folder.version(version).unwrap();
            let (last, asked) = run_example(&server, policy, version, &ex["input"], &mut known);
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

#[test]
fn the_first_question_is_the_pathway_with_its_values() {
    let server = TestServer::bts(date("2026-11-28"));
    let first = ask(&server, &json!({"version": "session-2027", "input": {}}));
    assert_eq!(first["done"], false);
    let q = &first["questions"][0];
    assert_eq!(q["path"], "candidate.pathway");
    assert_eq!(q["type"]["kind"], "enum");
    // In the policy's words (French by default).
    assert_eq!(q["label"], "voie de formation");
    assert_eq!(
        q["question"],
        "Par quelle voie le candidat prépare-t-il le BTS ?"
    );
    assert!(
        q["help"]
            .as_str()
            .unwrap()
            .starts_with("La voie de formation détermine")
    );
    let values: Vec<(&str, &str)> = q["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["value"].as_str().unwrap(), c["label"].as_str().unwrap()))
        .collect();
    assert_eq!(
        values,
        [
            ("scolaire", "voie scolaire"),
            ("apprentissage", "apprentissage"),
            ("formation_continue", "formation continue"),
            ("experience_professionnelle", "expérience professionnelle")
        ]
    );
    assert!(
        q["clauses"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "2.2-1")
    );
    assert!(
        q["conclusions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "presence_proof")
    );
    // A defaulted input shows its default; a list input its element's fields.
    let questions = first["questions"].as_array().unwrap();
    let by_path = |p: &str| questions.iter().find(|q| q["path"] == p).unwrap();
    assert_eq!(by_path("exemption.ground")["default"], "aucune");
    let periods = &by_path("internship.periods")["type"];
    assert_eq!(periods["kind"], "list");
    assert_eq!(periods["element"]["kind"], "record");
    assert_eq!(periods["element"]["fields"][0]["name"], "start");
    assert_eq!(periods["element"]["fields"][0]["type"]["kind"], "date");
}

#[test]
fn wanted_conclusions_and_unknown_inputs_narrow_the_questions() {
    let server = TestServer::bts(date("2026-11-28"));
    let scolaire = json!({"candidate": {"pathway": "scolaire"}});
    let r = ask(
        &server,
        &json!({"version": "session-2027", "input": scolaire, "conclusions": ["report_kind"]}),
    );
    // The pathway decides the kind of report: nothing is left to ask.
    assert_eq!(r["done"], true);
    assert_eq!(r["questions"], json!([]));
    let conclusions = r["decision"]["conclusions"].as_object().unwrap();
    assert_eq!(conclusions.len(), 1);
    assert_eq!(conclusions["report_kind"]["value"], "rapport_de_stage");
    // Once the pathway is scolaire, the apprenticeship and the employment records cannot
    // matter any more.
    let r = ask(
        &server,
        &json!({"version": "session-2027", "input": scolaire}),
    );
    let asked: Vec<&str> = r["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["path"].as_str().unwrap())
        .collect();
    assert_eq!(asked[0], "exemption.ground", "{asked:?}");
    assert!(
        !asked
            .iter()
            .any(|p| p.starts_with("apprenticeship.") || *p == "employment"),
        "{asked:?}"
    );
    // An input the person cannot answer is never asked, and stays unknown.
    let r = ask(
        &server,
        &json!({"version": "session-2027", "input": scolaire, "unknown": ["exemption.ground"]}),
    );
    let paths: Vec<&str> = r["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["path"].as_str().unwrap())
        .collect();
    assert!(!paths.contains(&"exemption.ground"), "{paths:?}");
    assert!(!paths.is_empty());
    // Everything answered: done, and the decision is the ordinary one.
    let mut record = crate::http::candidate();
    for (path, v) in [
        ("candidate.distance_learning", json!(false)),
        ("exemption.ground", json!("aucune")),
        ("exemption.rector_validated", json!(false)),
        ("internship.reduction_ground", json!("aucun")),
        ("internship.rector_validated", json!(false)),
        ("report.dossier_provided", json!(false)),
        ("previous_attempt.failed", json!(false)),
    ] {
        set(&mut record, path, v);
    }
    let r = ask(
        &server,
        &json!({"version": "session-2027", "input": record}),
    );
    assert_eq!(r["done"], true, "{r}");
    assert_eq!(
        r["decision"]["conclusions"]["e61_admission"]["value"],
        "admis"
    );
}

#[test]
fn unknown_names_and_bad_requests_are_problems() {
    let server = TestServer::bts(date("2026-11-28"));
    let path = format!("/v1/policies/{BTS}/interview");
    let send = |body: Value| post(&server, &path, "application/json", body.to_string());
    let p = send(json!({"input": {}, "conclusions": ["e61_admision"], "unknown": ["report.page"]}))
        .problem(422);
    // In French unless asked otherwise, as every error of a request.
    assert_eq!(p["errors"][0]["pointer"], "/conclusions/0");
    assert_eq!(
        p["errors"][0]["message"],
        "`e61_admision` n'est pas une conclusion de la politique : vouliez-vous dire `e61_admission` ?"
    );
    assert_eq!(p["errors"][1]["pointer"], "/unknown/0");
    assert_eq!(
        p["errors"][1]["message"],
        "`report.page` n'est pas une entrée de la politique : vouliez-vous dire `report.pages` ?"
    );
    let p = send(json!({"input": {"report": {"pages": "many"}}})).problem(422);
    assert_eq!(p["errors"][0]["pointer"], "/report/pages");
    send(json!({"input": {}, "extra": 1})).problem(400);
    send(json!({"input": {}, "version": "v0"})).problem(404);
    let r = post(
        &server,
        "/v1/policies/none/interview",
        "application/json",
        json!({"input": {}}).to_string(),
    );
    r.problem(404);
    let r = post(&server, &path, "application/json", "{");
    r.problem(400);
}
