//! The published JSON Schemas agree with the service: every example record the service accepts
//! is valid under its version's input schema, records the service refuses are not, and every
//! decision the service gives is valid under the version's decision schema, which names each
//! conclusion and types its value.

use serde_json::{Value, json};

use crate::http::{BTS, TestServer, date, decide, get};

const VERSIONS: [&str; 4] = ["annexe-ivb", "mayotte-2025", "session-2026", "session-2027"];

/// The inputs of the BTS policy's examples, with the version each names.
fn example_inputs() -> Vec<(String, Value)> {
    let dir = format!("policies/{BTS}/tests");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let cases: Vec<Value> = serde_json::from_str(&text).unwrap();
        for case in cases {
            let version = case["version"]
                .as_str()
                .unwrap_or("session-2027")
                .to_string();
            out.push((version, case["input"].clone()));
        }
    }
    assert!(out.len() > 100, "{} examples", out.len());
    out
}

fn validator(server: &TestServer, version: &str, which: &str) -> jsonschema::Validator {
    let reply = get(
        server,
        &format!("/v1/policies/{BTS}/versions/{version}/{which}"),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.content_type, "application/schema+json");
    jsonschema::validator_for(&reply.json()).unwrap()
}

#[test]
fn every_example_record_and_its_decision_are_valid_under_the_published_schemas() {
    let server = TestServer::bts(date("2027-03-01"));
    let inputs: Vec<_> = VERSIONS
        .iter()
        .map(|v| validator(&server, v, "schema"))
        .collect();
    let decisions: Vec<_> = VERSIONS
        .iter()
        .map(|v| validator(&server, v, "decision-schema"))
        .collect();
    for (version, input) in example_inputs() {
        let k = VERSIONS.iter().position(|v| *v == version).unwrap();
        let errors: Vec<String> = inputs[k]
            .iter_errors(&input)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{version} {input}: {errors:?}");
        let reply = decide(
            &server,
            json!({"input": input, "version": version, "explain": true, "words": true, "hints": true}),
        );
        assert_eq!(reply.status, 200, "{}", reply.body);
        let decision = reply.json();
        let errors: Vec<String> = decisions[k]
            .iter_errors(&decision)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{version} {input}: {errors:?}");
    }
}

#[test]
fn the_decision_schema_names_every_conclusion_and_types_its_value() {
    let server = TestServer::bts(date("2027-03-01"));
    let schema = validator(&server, "session-2027", "decision-schema");
    let decision = decide(
        &server,
        json!({"input": crate::http::candidate(), "version": "session-2027"}),
    )
    .json();
    assert!(schema.is_valid(&decision));
    // A value outside the conclusion's enum, a number where a boolean is, a conclusion left out
    // or one the version does not have: each is refused.
    let mut wrong = decision.clone();
    wrong["conclusions"]["e61_admission"]["value"] = json!("peut-etre");
    assert!(!schema.is_valid(&wrong));
    let mut wrong = decision.clone();
    wrong["conclusions"]["jury_informed"]["value"] = json!(3);
    assert!(!schema.is_valid(&wrong));
    let mut wrong = decision.clone();
    wrong["conclusions"]
        .as_object_mut()
        .unwrap()
        .remove("presence_proof");
    assert!(!schema.is_valid(&wrong));
    // A quantity's unit is the conclusion's, and only a quantity has one.
    assert_eq!(decision["conclusions"]["required_weeks"]["unit"], "weeks");
    let mut wrong = decision.clone();
    wrong["conclusions"]["required_weeks"]["unit"] = json!("days");
    assert!(!schema.is_valid(&wrong));
    let mut wrong = decision;
    wrong["conclusions"]["made_up"] = json!({"status": "decided", "value": 1, "citations": []});
    assert!(!schema.is_valid(&wrong));
}

#[test]
fn what_the_service_refuses_the_input_schema_refuses_and_what_it_accepts_it_accepts() {
    let server = TestServer::bts(date("2027-03-01"));
    let schema = validator(&server, "session-2027", "schema");
    let with = |pointer: &str, value: Value| {
        let mut input = crate::http::candidate();
        *input.pointer_mut(pointer).unwrap() = value;
        input
    };
    let refused = [
        with("/internship/periods/0/start", json!("2026-13-01")),
        with("/internship/periods/0/start", json!("04/05/2026")),
        with("/candidate/pathway", json!("scolair")),
        with("/report/pages", json!(4.5)),
        with("/candidate", json!({"pathway": "scolaire", "unknown": 1})),
    ];
    for input in refused {
        let reply = decide(&server, json!({"input": input, "version": "session-2027"}));
        assert_eq!(reply.status, 422, "{input}: {}", reply.body);
        assert!(!schema.is_valid(&input), "{input}");
    }
    // `null` is absence for every field: unknown, none or the default.
    let accepted = [
        with("/candidate/pathway", Value::Null),
        with("/candidate", json!({"pathway": "scolaire", "id": null})),
        with("/internship/periods/0/agreement_signed", Value::Null),
        with("/report", Value::Null),
    ];
    for input in accepted {
        let reply = decide(&server, json!({"input": input, "version": "session-2027"}));
        assert_eq!(reply.status, 200, "{input}: {}", reply.body);
        assert!(schema.is_valid(&input), "{input}");
    }
}

#[test]
fn a_records_requirements_are_stated_in_its_schema() {
    let server = TestServer::bts(date("2027-03-01"));
    let schema = get(
        &server,
        &format!("/v1/policies/{BTS}/versions/session-2027/schema"),
    )
    .json();
    let job = &schema["properties"]["employment"]["items"];
    assert_eq!(
        job["description"],
        "Each must meet, or the record is refused: `end >= start` (else: l'emploi se termine avant de commencer)."
    );
}

/// `citations=ids`: each citation is its clause's id, and the decision's `clauses` gives each
/// cited clause's section and text once, those of the full form; the decision stays valid
/// under the version's decision schema, and is smaller.
#[test]
fn citations_by_id_give_each_text_once_and_keep_the_decision_valid() {
    let server = TestServer::bts(date("2027-03-01"));
    let schema = validator(&server, "session-2027", "decision-schema");
    let body = json!({"input": crate::http::candidate(), "version": "session-2027"}).to_string();
    let path = format!("/v1/policies/{BTS}/decisions");
    let full = crate::http::post(&server, &path, "application/json", body.clone());
    let ids = crate::http::post(
        &server,
        &format!("{path}?citations=ids"),
        "application/json",
        body.clone(),
    );
    assert_eq!(ids.status, 200, "{}", ids.body);
    assert!(
        ids.body.len() * 3 < full.body.len() * 2,
        "{} against {} bytes",
        ids.body.len(),
        full.body.len()
    );
    let (full, ids) = (full.json(), ids.json());
    assert!(
        schema.is_valid(&ids),
        "{:?}",
        schema
            .iter_errors(&ids)
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
    );
    let clauses = ids["clauses"].as_object().unwrap();
    let mut cited = 0;
    let mut vias = 0;
    for (name, conclusion) in full["conclusions"].as_object().unwrap() {
        let by_id = ids["conclusions"][name]["citations"].as_array().unwrap();
        let whole = conclusion["citations"].as_array().unwrap();
        assert_eq!(by_id.len(), whole.len(), "{name}");
        for (id, citation) in by_id.iter().zip(whole) {
            // A clause a parameter brought is `{"clause", "via"}`, the others their id alone.
            let id = match id.as_str() {
                Some(id) => {
                    assert!(citation.get("via").is_none(), "{name}: {citation}");
                    id
                }
                None => {
                    assert_eq!(id["via"], citation["via"], "{name}");
                    vias += 1;
                    id["clause"].as_str().unwrap()
                }
            };
            assert_eq!(id, citation["clause"]);
            assert_eq!(clauses[id]["section"], citation["section"]);
            assert_eq!(clauses[id]["text"], citation["text"]);
            cited += 1;
        }
    }
    // `required_weeks` cites 0-1 through `normal_weeks`.
    assert!(vias > 0, "{ids}");
    assert!(
        cited > clauses.len(),
        "texts given once: {cited} citations, {} clauses",
        clauses.len()
    );
    // The batches, both forms of them.
    let batch = format!("/v1/policies/{BTS}/decisions/batch?citations=ids&version=session-2027");
    let inputs = json!({"inputs": [crate::http::candidate()]}).to_string();
    let reply = crate::http::post(&server, &batch, "application/json", inputs).json();
    assert_eq!(reply["decisions"][0]["clauses"], ids["clauses"]);
    let line = crate::http::post(
        &server,
        &batch,
        "application/x-ndjson",
        crate::http::candidate().to_string(),
    );
    let first: serde_json::Value = serde_json::from_str(line.body.lines().next().unwrap()).unwrap();
    assert_eq!(first["clauses"], ids["clauses"]);
    // Anything else is a bad request.
    let bad = crate::http::post(
        &server,
        &format!("{path}?citations=short"),
        "application/json",
        body,
    );
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["detail"], "`citations` vaut `full` ou `ids`");
}
