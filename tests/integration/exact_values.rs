//! Exact values from the record to the wire: an amount computed from decimal parameters keeps
//! its scale (`35.15 * 12` is `421.80`, never `421.8` nor a float's `421.80000000000001`), a
//! whole number is an integer, and a record-valued conclusion is an object keyed by field name.
//! The policy is the illustrative grant in `tests/policies/aide-mobilite/`. Every assertion
//! reads the text as written: parsing it back into a `serde_json::Value` would lose the scale.

use std::path::Path;

use clausier::decision::{Datum, Decision};
use clausier::format::format_source;
use clausier::load::load_folder;
use clausier::request::{Options, decide};
use clausier::server::Limits;
use clausier::span::FileId;
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
    decision_in(Path::new(GRANT), input)
}

fn decision_in(folder: &Path, input: &Value) -> Decision {
    let folder = load_folder(folder).unwrap();
    let policy = folder.version("reglement-2027").unwrap();
    decide(policy, input, &Options::default()).unwrap()
}

/// The written value of `name` in `d`.
fn written(d: &Decision, name: &str) -> String {
    d.conclusions.get(name).unwrap().value.to_string()
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
    // A whole amount computed in cents stays in cents, and the facts behind it read as decided.
    assert!(
        text.contains(r#""total":{"status":"decided","value":600.00,"#),
        "{text}"
    );
    let because = d
        .conclusions
        .get("total")
        .unwrap()
        .because
        .as_ref()
        .unwrap();
    let because: Vec<&str> = because.iter().map(|b| &**b).collect();
    // In words (French by default), each amount keeps its scale, with a decimal comma.
    assert_eq!(
        because,
        [
            "Montant annuel de l'aide (euros) : 421,80",
            "Forfait d'installation versé (euros) : 270",
            "Plafond annuel (euros) : 600,00"
        ]
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
    for expected in [
        r#""value":421.80,"#,
        r#""value":270,"#,
        r#""value":600.00,"#,
        period,
    ] {
        assert!(r.body.contains(expected), "{expected} in {}", r.body);
    }

    // The version's description writes the parameters as the decisions do.
    let r = crate::http::get(
        &server,
        "/v1/policies/aide-mobilite/versions/reglement-2027",
    );
    assert_eq!(r.status, 200, "{}", r.body);
    for expected in [
        r#""name":"monthly_rate","type":"decimal","value":35.15,"display":"35.15""#,
        r#""name":"ceiling","type":"decimal","value":600.00,"display":"600.00""#,
    ] {
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

#[test]
fn formatting_a_policy_keeps_the_scale_of_its_amounts() {
    // A rate written with three decimals gives an amount with three: `clausier fmt` must keep
    // them, or formatting would change the policy's decisions.
    let text = std::fs::read_to_string(format!("{GRANT}/reglement-2027.policy")).unwrap();
    let text = text.replacen("= 35.15 ", "= 35.150", 1);
    assert!(text.contains("monthly_rate : decimal = 35.150"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("reglement-2027.policy");
    std::fs::write(&file, &text).unwrap();
    let before = decision_in(dir.path(), &scholarship_holder_abroad());
    assert_eq!(written(&before, "annual_amount"), "421.800");

    let formatted = format_source(FileId(0), &text).unwrap();
    assert!(
        formatted.contains("monthly_rate : decimal = 35.150"),
        "{formatted}"
    );
    std::fs::write(&file, &formatted).unwrap();
    let after = decision_in(dir.path(), &scholarship_holder_abroad());
    assert_eq!(written(&after, "annual_amount"), "421.800");
}

#[test]
fn days_convert_to_weeks_exactly() {
    // Twelve weeks of days are twelve weeks: the conversion divides by seven rather than
    // multiplying by a rounded seventh (which gave 12.000000000000000000000000004 and made
    // `84 days as weeks = 12 weeks` false).
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("v1.policy"),
        r#"policy weeks
version "reglement-2027"
clause "1" section "1"
  | Douze semaines.
input period.days : days                                  per "1"
conclusion in_weeks : decimal weeks
  rule converted
    gives period.days as weeks
    per "1"
conclusion twelve_weeks : bool
  rule compared
    gives period.days as weeks = 12 weeks
    per "1"
conclusion back_in_days : days
  rule round_trip
    gives floor(period.days as weeks) as days
    per "1"
"#,
    )
    .unwrap();
    let on = |days: i64| decision_in(dir.path(), &json!({"period": {"days": days}}));
    let d = on(84);
    assert_eq!(written(&d, "in_weeks"), "12");
    assert_eq!(written(&d, "twelve_weeks"), "true");
    assert_eq!(written(&d, "back_in_days"), "84");
    let d = on(83);
    assert_eq!(written(&d, "twelve_weeks"), "false");
    assert_eq!(written(&d, "back_in_days"), "77");
    let d = on(91);
    assert_eq!(written(&d, "in_weeks"), "13");
}
