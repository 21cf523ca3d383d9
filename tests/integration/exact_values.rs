//! Exact values from the record to the wire: an amount computed from decimal parameters keeps
//! its scale (`35.15 * 12` is `421.80`, never `421.8` nor a float's `421.80000000000001`), a
//! whole number is an integer, and a record-valued conclusion is an object keyed by field name.
//! The policy is the illustrative grant in `tests/policies/aide-mobilite/`. Every assertion
//! reads the text as written: parsing it back into a `serde_json::Value` would lose the scale.

use std::path::Path;

use clausier::decision::{Datum, Decision};
use clausier::load::load_folder;
use clausier::request::{Options, decide};
use clausier::server::Limits;
use serde_json::{Value, json};

use crate::http::{TestServer, date, post};

const GRANT: &str = "tests/policies/aide-mobilite";

fn scholarship_holder_abroad() -> Value {
    json!({
        "student": {"abroad": true, "scholarship_holder": true},
        "mobility": {"period": {"start": "2027-09-01", "end": "2028-06-30"}}
    })
}

fn decision(input: &Value) -> Decision {
    let folder = load_folder(Path::new(GRANT)).unwrap();
    let policy = folder.version("reglement-2027").unwrap();
    decide(policy, input, &Options::default()).unwrap()
}

#[test]
fn a_decided_amount_keeps_its_scale_and_a_period_its_field_names() {
    let d = decision(&scholarship_holder_abroad());
    let value = |name: &str| &d.conclusions.get(name).unwrap().value;
    let Datum::Number(amount) = value("annual_amount") else {
        panic!("{:?}", value("annual_amount"))
    };
    assert_eq!((amount.to_string(), amount.scale()), ("421.80".into(), 2));
    assert_eq!(
        *value("covered_period"),
        Datum::Record(vec![
            ("start".into(), Datum::Text("2027-09-01".into())),
            ("end".into(), Datum::Text("2028-06-30".into())),
        ])
    );

    let text = serde_json::to_string(&d).unwrap();
    assert!(
        text.contains(r#""annual_amount":{"status":"decided","value":421.80,"#),
        "{text}"
    );
    assert!(
        text.contains(r#""installation":{"status":"decided","value":270,"#),
        "{text}"
    );
    assert!(
        text.contains(
            r#""covered_period":{"status":"decided","value":{"start":"2027-09-01","end":"2028-06-30"},"#
        ),
        "{text}"
    );
}

#[test]
fn the_service_writes_the_amount_with_its_scale_and_the_period_as_an_object() {
    let server = TestServer::start(
        Path::new("tests/policies"),
        date("2027-06-01"),
        Limits::default(),
        false,
    );
    let path = "/v1/policies/aide-mobilite/decisions";
    let body = json!({"version": "reglement-2027", "input": scholarship_holder_abroad()});
    let r = post(&server, path, "application/json", body.to_string());
    assert_eq!(r.status, 200, "{}", r.body);
    let period = r#""value":{"start":"2027-09-01","end":"2028-06-30"}"#;
    for expected in [r#""value":421.80,"#, r#""value":270,"#, period] {
        assert!(r.body.contains(expected), "{expected} in {}", r.body);
    }

    // The batches, as JSON and as NDJSON, write the same decision the same way.
    let batch = json!({"version": "reglement-2027", "inputs": [scholarship_holder_abroad()]});
    let r = post(
        &server,
        &format!("{path}/batch"),
        "application/json",
        batch.to_string(),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains(r#""value":421.80,"#), "{}", r.body);
    assert!(r.body.contains(period), "{}", r.body);
    let r = post(
        &server,
        &format!("{path}/batch?version=reglement-2027"),
        "application/x-ndjson",
        format!("{}\n", scholarship_holder_abroad()),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains(r#""value":421.80,"#), "{}", r.body);
    assert!(r.body.contains(period), "{}", r.body);
}
