//! The OpenAPI document's examples: every operation has one for each request body and each
//! answer of success, every JSON example is valid under its schema in the document, and the
//! request examples sent to the service give the answers their examples show (the answers are
//! trimmed to a few conclusions: what they show must be what the service says).

use serde_json::{Value, json};

use crate::http::{TestServer, date, get, post};

fn document() -> Value {
    serde_json::to_value(clausier::server::openapi()).unwrap()
}

/// A validator for `schema`, a schema of the document (its references into the document's
/// components resolved).
fn validator(document: &Value, schema: &Value) -> jsonschema::Validator {
    let mut root = schema.clone();
    root["components"] = document["components"].clone();
    root["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    jsonschema::validator_for(&root).unwrap()
}

/// Every (operation, part, media type, content) of the document with a body.
fn contents(document: &Value) -> Vec<(String, String, String, Value)> {
    let mut out = Vec::new();
    for (path, operations) in document["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let here = format!("{} {path}", method.to_uppercase());
            if let Some(body) = operation["requestBody"]["content"].as_object() {
                for (media, content) in body {
                    out.push((
                        here.clone(),
                        "request".into(),
                        media.clone(),
                        content.clone(),
                    ));
                }
            }
            for (status, answer) in operation["responses"].as_object().unwrap() {
                if !status.starts_with('2') {
                    continue;
                }
                for (media, content) in answer["content"].as_object().into_iter().flatten() {
                    out.push((here.clone(), status.clone(), media.clone(), content.clone()));
                }
            }
        }
    }
    out
}

#[test]
fn every_request_and_success_has_an_example_valid_under_its_schema() {
    let document = document();
    let contents = contents(&document);
    assert!(contents.len() > 20, "{} bodies", contents.len());
    for (operation, part, media, content) in contents {
        let example = &content["example"];
        assert!(!example.is_null(), "{operation} {part} {media}: no example");
        let schema = validator(&document, &content["schema"]);
        let values: Vec<Value> = match media.as_str() {
            "application/x-ndjson" if part != "request" => example
                .as_str()
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect(),
            m if m == "application/json" || m.ends_with("+json") => vec![example.clone()],
            // Texts: a string, which is what their schemas say.
            _ => vec![example.clone()],
        };
        for value in values {
            let errors: Vec<String> = schema.iter_errors(&value).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{operation} {part} {media}: {errors:?}");
        }
    }
    // Errors show a problem.
    let problem = &document["components"]["schemas"]["Problem"];
    assert_eq!(problem["example"]["status"], 422);
    assert!(validator(&document, problem).is_valid(&problem["example"]));
}

/// The example of `media` for `part` of the operation `method path`.
fn example(document: &Value, method: &str, path: &str, part: &str, media: &str) -> Value {
    let operation = &document["paths"][path][method];
    let content = match part {
        "request" => &operation["requestBody"]["content"][media],
        status => &operation["responses"][status]["content"][media],
    };
    content["example"].clone()
}

/// `shown`, a trimmed answer, is part of `said`: every member it has is the same there (but
/// drawn ids).
fn assert_shown_in(shown: &Value, said: &Value, at: &str) {
    match (shown, said) {
        (Value::Object(shown), Value::Object(said)) => {
            for (key, value) in shown {
                if key == "decision_id" || key == "request_id" {
                    continue;
                }
                let there = said
                    .get(key)
                    .unwrap_or_else(|| panic!("{at}/{key}: not said"));
                assert_shown_in(value, there, &format!("{at}/{key}"));
            }
        }
        (Value::Array(shown), Value::Array(said)) => {
            assert!(
                shown.len() <= said.len(),
                "{at}: {} items shown, {} said",
                shown.len(),
                said.len()
            );
            for (k, (a, b)) in shown.iter().zip(said).enumerate() {
                assert_shown_in(a, b, &format!("{at}/{k}"));
            }
        }
        _ => assert_eq!(shown, said, "{at}"),
    }
}

#[test]
fn the_request_examples_give_the_answers_their_examples_show() {
    let document = document();
    let server = TestServer::bts(date("2027-03-01"));
    const BTS: &str = "/v1/policies/bts-metiers-de-la-mesure";
    for (path, operation) in [
        ("/v1/policies/{id}/decisions", "decisions"),
        ("/v1/policies/{id}/decisions/batch", "decisions/batch"),
        ("/v1/policies/{id}/interview", "interview"),
        ("/v1/policies/{id}/impact", "impact"),
    ] {
        let request = example(&document, "post", path, "request", "application/json");
        let reply = post(
            &server,
            &format!("{BTS}/{operation}"),
            "application/json",
            request.to_string(),
        );
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        let shown = example(&document, "post", path, "200", "application/json");
        assert_shown_in(&shown, &reply.json(), path);
    }
    // The NDJSON batch, line by line.
    let path = "/v1/policies/{id}/decisions/batch";
    let request = example(&document, "post", path, "request", "application/x-ndjson");
    let reply = post(
        &server,
        &format!("{BTS}/decisions/batch?version=session-2027"),
        "application/x-ndjson",
        request.as_str().unwrap(),
    );
    let shown = example(&document, "post", path, "200", "application/x-ndjson");
    let lines = |text: &str| -> Vec<Value> {
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    assert_shown_in(
        &Value::Array(lines(shown.as_str().unwrap())),
        &Value::Array(lines(&reply.body)),
        "ndjson",
    );
    // The diff of the two sessions, in each form.
    let path = "/v1/policies/{id}/diff";
    let query = "diff?from=session-2026&to=session-2027";
    let said = get(&server, &format!("{BTS}/{query}"));
    assert_shown_in(
        &example(&document, "get", path, "200", "application/json"),
        &said.json(),
        path,
    );
    for (format, media) in [("text", "text/plain"), ("markdown", "text/markdown")] {
        let said = get(&server, &format!("{BTS}/{query}&format={format}"));
        assert_eq!(
            example(&document, "get", path, "200", media),
            said.body,
            "{media}"
        );
    }
}
