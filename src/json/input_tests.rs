//! Unit tests of input validation and the JSON Schema.

#![expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests"
)]

use serde_json::json;

use crate::json::{InputError, json_schema, read_facts};
use crate::load::check_texts;
use crate::model::{CompiledPolicy, Value};

const POLICY: &str = r#"
policy demo
version "v1"
clause "a" section "1"
  | Rule a.
enum field = metrologie | autre
record job
  start : date
  end : date
  field : field
  host : optional text
  full_time : bool = true
  require end >= start else "the period ends before it starts"
input candidate.id : optional text
input candidate.jobs : list of job = []
input report.pages : integer
input report.legal_pages : decimal
input report.parts : set of field
conclusion n : integer
  rule r gives count of j in candidate.jobs per "a"
"#;

fn policy() -> CompiledPolicy {
    let folder = check_texts(
        "demo".into(),
        vec![("demo.policy".into(), None, POLICY.into())],
    );
    assert!(folder.is_ok());
    folder.version("v1").unwrap().policy().clone()
}

fn errors(input: serde_json::Value) -> Vec<InputError> {
    read_facts(&policy(), &input).unwrap_err()
}

#[test]
fn every_error_is_reported_with_its_json_pointer() {
    let errs = errors(json!({
        "candidate": {"jobs": [{"start": "2026-01-10", "end": "2026-01-01", "field": "metrology", "extra": 1}]},
        "report": {"pages": 4.5, "legal_pages": "3", "pagez": 1}
    }));
    let pointers: Vec<&str> = errs.iter().map(|e| e.pointer.as_str()).collect();
    assert_eq!(
        pointers,
        [
            "/candidate/jobs/0/extra",
            "/candidate/jobs/0/field",
            "/report/pages",
            "/report/legal_pages",
            "/report/pagez"
        ]
    );
    assert!(
        errs[1].message.contains("did you mean `metrologie`?"),
        "{}",
        errs[1].message
    );
    assert!(errs[2].message.contains("whole number"));
    assert!(
        errs[4].message.contains("did you mean `pages`?"),
        "{}",
        errs[4].message
    );
}

#[test]
fn an_end_before_its_start_is_rejected_with_the_policy_message() {
    let errs = errors(
        json!({"candidate": {"jobs": [{"start": "2026-01-10", "end": "2026-01-01", "field": "autre"}]}}),
    );
    assert_eq!(
        errs,
        [InputError {
            pointer: "/candidate/jobs/0".into(),
            message: "the period ends before it starts".into(),
            message_fr: Some("the period ends before it starts".into()),
        }]
    );
}

#[test]
fn malformed_dates_are_rejected() {
    for bad in [
        "2026-1-10",
        "2026-02-30",
        "10/01/2026",
        "2026-01-10T00:00:00",
    ] {
        let errs = errors(
            json!({"candidate": {"jobs": [{"start": bad, "end": "2026-03-01", "field": "autre"}]}}),
        );
        assert_eq!(errs.len(), 1, "{bad}");
        assert!(
            errs[0].message.contains("YYYY-MM-DD"),
            "{bad}: {}",
            errs[0].message
        );
    }
}

#[test]
fn absent_fields_are_missing_none_or_defaulted_never_errors() {
    let p = policy();
    let facts = read_facts(
        &p,
        &json!({"candidate": {"jobs": [{"start": "2026-01-01", "end": "2026-02-01"}]}}),
    )
    .unwrap();
    assert_eq!(facts[0], Value::None);
    assert_eq!(facts[2], Value::Missing("report.pages".into()));
    let Value::List(jobs) = &facts[1] else {
        panic!("{:?}", facts[1])
    };
    let Value::Record(job) = &jobs[0] else {
        panic!()
    };
    assert_eq!(job[2], Value::Missing("candidate.jobs[0].field".into()));
    assert_eq!(job[3], Value::None);
    assert_eq!(job[4], Value::Bool(true));
}

#[test]
fn sets_are_sorted_in_declaration_order_without_duplicates() {
    let facts = read_facts(
        &policy(),
        &json!({"report": {"parts": ["autre", "metrologie", "autre"]}}),
    )
    .unwrap();
    assert_eq!(
        facts[4],
        Value::Set(vec![Value::Enum(0, 0), Value::Enum(0, 1)].into())
    );
}

#[test]
fn the_schema_describes_the_same_declarations() {
    let schema = json_schema(&policy());
    assert_eq!(schema["additionalProperties"], json!(false));
    let job = &schema["properties"]["candidate"]["properties"]["jobs"]["items"];
    assert_eq!(
        job["properties"]["field"]["enum"],
        json!(["metrologie", "autre", null])
    );
    assert_eq!(job["properties"]["start"]["format"], json!("date"));
    assert_eq!(job["properties"]["full_time"]["default"], json!(true));
    // `null` is absence, for every field.
    assert_eq!(
        schema["properties"]["report"]["properties"]["pages"]["type"],
        json!(["integer", "null"])
    );
    assert_eq!(
        schema["properties"]["candidate"]["properties"]["id"]["type"],
        json!(["string", "null"])
    );
    assert_eq!(
        job["description"],
        json!(
            "Each must meet, or the record is refused: `end >= start` (else: the period ends before it starts)."
        )
    );
    assert_eq!(
        job["properties"]["start"]["pattern"],
        json!("^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")
    );
    assert_eq!(
        schema["properties"]["report"]["properties"]["parts"]["uniqueItems"],
        json!(true)
    );
}

#[test]
fn the_record_itself_must_be_an_object() {
    for input in [json!(null), json!([]), json!("x"), json!(3)] {
        let errs = errors(input.clone());
        assert_eq!(errs.len(), 1, "{input}");
        assert_eq!(errs[0].pointer, "/");
    }
}

#[test]
fn a_require_over_an_absent_field_is_no_input_error() {
    // Without `start`, `end >= start` cannot be decided: the record is kept, its start missing.
    let p = policy();
    let facts = read_facts(
        &p,
        &json!({"candidate": {"jobs": [{"end": "2026-01-01", "field": "autre"}]}}),
    )
    .unwrap();
    let Value::List(jobs) = &facts[1] else {
        panic!()
    };
    let Value::Record(job) = &jobs[0] else {
        panic!()
    };
    assert_eq!(job[0], Value::Missing("candidate.jobs[0].start".into()));
}

#[test]
fn every_error_is_said_in_french_too() {
    let errs = errors(json!({"candidate": {"pathway": "scolair", "jobs": "none"}, "x": 1}));
    let fr: Vec<String> = errs
        .iter()
        .map(|e| e.in_lang(crate::model::Lang::Fr).message)
        .collect();
    assert!(
        fr.iter()
            .all(|m| !m.contains("expected") && !m.contains("unknown")),
        "{fr:?}"
    );
    assert_eq!(errs.len(), fr.len());
}

/// The reader of bytes ([`crate::json::direct`]) against the careful reader, on one text.
fn both_readers(text: &str) -> (Option<Vec<Value>>, Option<Vec<Value>>) {
    let p = policy();
    let direct = crate::json::direct::read_facts(&p, text.as_bytes(), 16);
    let careful = serde_json::from_str::<crate::json::strict::Strict>(text)
        .ok()
        .and_then(|s| read_facts(&p, &s.0).ok());
    (direct, careful)
}

#[test]
fn a_valid_record_reads_from_its_bytes_as_the_careful_reader_reads_it() {
    for text in [
        r#"{}"#,
        r#"{"candidate": null, "report": {"pages": null}}"#,
        r#"{"candidate": {"id": "c-1", "jobs": [{"start": "2026-01-01", "end": "2026-02-01", "field": "autre"}]}}"#,
        r#"{"candidate": {"jobs": [{"end": "2026-01-01", "field": "autre", "host": null, "full_time": false}, null]}}"#,
        r#"{"report": {"pages": 45.0, "legal_pages": 3.50, "parts": ["autre", "metrologie", "autre"]}}"#,
        r#"{"report": {"pages": 4.5e1, "legal_pages": -0, "parts": []}}"#,
        r#"{"report": {"pages": 9007199254740993, "legal_pages": 1e-3}}"#,
        r#"{"rep\u006frt": {"p\u0061ges": 3}, "candidate": {"id": "a\"b\\c"}}"#,
        " \n{\"report\": {\"pages\": 1}}\n ",
    ] {
        let (direct, careful) = both_readers(text);
        assert!(careful.is_some(), "{text}");
        assert_eq!(direct, careful, "{text}");
    }
}

#[test]
fn anything_invalid_is_left_to_the_careful_reader() {
    for text in [
        r#"{"report": {"pages": 1}, "report": {"pages": 1}}"#,
        r#"{"report": {"pages": 1, "pages": 1}}"#,
        r#"{"report": null, "report": {}}"#,
        r#"{"candidate": {"jobs": [{"end": "2026-01-01", "end": "2026-01-01"}]}}"#,
        r#"{"report": {"pagez": 1}}"#,
        r#"{"x": 1}"#,
        r#"{"candidate": {"jobs": [{"end": "2026-01-01", "extra": 1}]}}"#,
        r#"{"report": {"pages": "1"}}"#,
        r#"{"report": {"pages": 4.5}}"#,
        r#"{"report": {"pages": 1e16}}"#,
        r#"{"report": {"pages": 18446744073709551616}}"#,
        r#"{"report": {"legal_pages": 1e300}}"#,
        r#"{"report": {"parts": ["metrology"]}}"#,
        r#"{"report": {"parts": "autre"}}"#,
        r#"{"candidate": {"id": "seventeen bytes!!"}}"#,
        r#"{"candidate": {"jobs": [{"start": "2026-01-10", "end": "2026-01-01"}]}}"#,
        r#"{"candidate": {"jobs": [{"start": "2026-02-30"}]}}"#,
        r#"{"candidate": {"jobs": {}}}"#,
        r#"{"candidate": 3}"#,
        r#"{"report": {"pages": 1}} x"#,
        r#"{"report": {"pages": 1}"#,
        "null",
        "[]",
        "",
    ] {
        let (direct, careful) = both_readers(text);
        assert_eq!(direct, None, "{text}");
        // What the careful reader refuses, not what the reader of bytes left to it.
        let long = text.contains("seventeen");
        assert!(careful.is_none() || long, "{text}");
    }
}
