//! What would change a decision (`hints` in a decision request): for every refused or
//! non-conforming example of the BTS policy, a hint whose changes, applied to the record as
//! JSON and decided again through `request::decide`, really give another value; the exact
//! hints of a few candidates; and the request over HTTP.

use std::path::Path;

use clausier::examples::{Example, example_files};
use clausier::json::HintsRequest;
use clausier::load::{PolicyFolder, load_folder};
use clausier::request::{Options, RequestError, decide};
use serde_json::{Value, json};

use crate::http::{TestServer, date};

const BTS: &str = "policies/bts-metiers-de-la-mesure";

fn bts() -> PolicyFolder {
    load_folder(Path::new(BTS)).expect("the BTS policy folder reads")
}

fn examples() -> Vec<Example> {
    example_files(Path::new(BTS))
        .iter()
        .flat_map(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            serde_json::from_str::<Vec<Example>>(&text).unwrap()
        })
        .collect()
}

fn options(hints: HintsRequest) -> Options {
    Options {
        decision_id: Some(String::new()),
        hints: Some(hints),
        ..Options::default()
    }
}

/// The decision on `input` under `version`, as JSON, with the hints asked for.
fn decide_json(folder: &PolicyFolder, version: &str, input: &Value, hints: Option<Value>) -> Value {
    let policy = folder.version(version).unwrap();
    let hints = hints.map(|h| serde_json::from_value(h).unwrap());
    let options = Options {
        decision_id: Some(String::new()),
        hints,
        ..Options::default()
    };
    serde_json::to_value(decide(policy, input, &options).unwrap()).unwrap()
}

/// The object at the dotted path `path` (`internship.periods[0]`), made when absent.
fn slot<'a>(record: &'a mut Value, path: &str) -> &'a mut Value {
    let mut at = record;
    for segment in path.split('.') {
        let (key, index) = match segment.split_once('[') {
            Some((k, i)) => (k, Some(i.trim_end_matches(']').parse::<usize>().unwrap())),
            None => (segment, None),
        };
        if !at.is_object() {
            *at = json!({});
        }
        at = at
            .as_object_mut()
            .unwrap()
            .entry(key)
            .or_insert(Value::Null);
        if let Some(i) = index {
            at = &mut at.as_array_mut().unwrap()[i];
        }
    }
    at
}

/// `record` with the changes of `hint` made, as a person would make them in the JSON.
fn apply(record: &Value, hint: &Value) -> Value {
    let mut out = record.clone();
    for change in hint["changes"].as_array().unwrap() {
        let path = change["path"].as_str().unwrap();
        if let Some(to) = change.get("to") {
            *slot(&mut out, path) = to.clone();
        } else if let Some(add) = change.get("add") {
            let list = slot(&mut out, path);
            if list.is_null() {
                *list = json!([]);
            }
            list.as_array_mut().unwrap().push(add.clone());
        } else if let Some(removed) = change.get("remove") {
            match path.rsplit_once('[') {
                Some((list, index)) => {
                    let i: usize = index.trim_end_matches(']').parse().unwrap();
                    slot(&mut out, list).as_array_mut().unwrap().remove(i);
                }
                None => {
                    let list = slot(&mut out, path).as_array_mut().unwrap();
                    let at = list.iter().position(|v| v == removed).unwrap();
                    list.remove(at);
                }
            }
        } else {
            panic!("a change that neither sets, adds nor removes: {change}");
        }
    }
    // A value set to none is an absent field.
    strip_nulls(&mut out);
    out
}

fn strip_nulls(v: &mut Value) {
    if let Some(map) = v.as_object_mut() {
        map.retain(|_, x| !x.is_null());
        map.values_mut().for_each(strip_nulls);
    } else if let Some(items) = v.as_array_mut() {
        items.iter_mut().for_each(strip_nulls);
    }
}

/// Checks every hint of `conclusion` in `decision`: applied to `input` and decided again, it
/// gives its `gives`. Returns the hints whose value differs from `was`.
fn check_hints(
    folder: &PolicyFolder,
    version: &str,
    input: &Value,
    decision: &Value,
    conclusion: &str,
    was: &str,
) -> Vec<Value> {
    let hints = decision["conclusions"][conclusion]["hints"]
        .as_array()
        .unwrap_or_else(|| panic!("no hints for {conclusion}: {decision}"));
    for hint in hints {
        let changed = apply(input, hint);
        let again = decide_json(folder, version, &changed, None);
        assert_eq!(
            again["conclusions"][conclusion]["value"], hint["gives"],
            "{hint}\napplied: {changed}"
        );
        assert_eq!(again["conclusions"][conclusion]["status"], "decided");
    }
    hints
        .iter()
        .filter(|h| h["gives"] != was)
        .cloned()
        .collect()
}

#[test]
fn every_refused_or_non_conforming_example_gets_a_hint_that_really_changes_it() {
    let folder = bts();
    let mut checked = 0;
    let mut without = Vec::new();
    for ex in examples() {
        let expected = |c: &str| ex.expect.get(c).and_then(|e| e.get("value")).cloned();
        let concerned: Vec<(&str, &str)> = [
            ("e61_admission", "refuse"),
            ("report_conformity", "non_conforme"),
        ]
        .into_iter()
        .filter(|(c, v)| expected(c) == Some(json!(v)))
        .collect();
        if concerned.is_empty() {
            continue;
        }
        let decision = decide_json(&folder, &ex.version, &ex.input, Some(json!(true)));
        for (conclusion, was) in concerned {
            checked += 1;
            let other = check_hints(&folder, &ex.version, &ex.input, &decision, conclusion, was);
            if other.is_empty() && !lacks_deadline(&folder, &ex, conclusion) {
                without.push(format!("{} ({conclusion})", ex.name));
            }
        }
    }
    assert!(checked >= 50, "{checked} conclusions checked");
    assert!(without.is_empty(), "no hint for:\n{}", without.join("\n"));
}

/// True when no record can give `conclusion` another value under the example's version because
/// the version leaves the report's deadline unset (the annex alone, without a session's dates):
/// hints change the record, never the regulation's parameters. Checked, not assumed: the
/// example's record with a report that conforms under session 2027 is undetermined for lack of
/// the deadline.
fn lacks_deadline(folder: &PolicyFolder, ex: &Example, conclusion: &str) -> bool {
    let mut input = ex.input.clone();
    input["report"] = json!({
        "submitted_on": "2027-04-09", "pages": 42,
        "parts": ["presentation_entreprise", "analyse_juridique", "activites", "conclusion",
                  "resume_anglais", "demarche_qsse"],
        "legal_analysis_pages": 3, "activities_analysed": 2, "qsse_pages": 3.5,
        "endorsed_by_host": true, "dossier_provided": true
    });
    let again = &decide_json(folder, &ex.version, &input, None)["conclusions"][conclusion];
    conclusion == "report_conformity" && again["missing"] == json!(["report_deadline"])
}

#[test]
fn a_record_without_a_report_gets_the_whole_report_it_lacks() {
    let mut input = crate::http::candidate();
    input.as_object_mut().unwrap().remove("report");
    let hint = first_hint(&input, "report_conformity", "conforme");
    let paths: Vec<&str> = hint["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "report.activities_analysed",
            "report.endorsed_by_host",
            "report.legal_analysis_pages",
            "report.pages",
            "report.parts",
            "report.qsse_pages",
            "report.submitted_on"
        ],
        "{hint}"
    );
    assert_eq!(hint["changes"][4]["from"], Value::Null);
    assert_eq!(
        hint["changes"][4]["to"],
        json!([
            "presentation_entreprise",
            "analyse_juridique",
            "activites",
            "conclusion",
            "resume_anglais",
            "demarche_qsse"
        ])
    );
    assert_eq!(hint["changes"][6]["to"], "2027-04-16");
}

#[test]
fn a_report_whose_parts_are_unknown_gets_them_and_the_length_it_lacks() {
    let mut input = crate::http::candidate();
    input["report"].as_object_mut().unwrap().remove("parts");
    input["report"]["legal_analysis_pages"] = json!(1.5);
    let hint = first_hint(&input, "report_conformity", "conforme");
    assert_eq!(
        hint["changes"],
        json!([
            {"path": "report.legal_analysis_pages", "from": 1.5, "to": 2},
            {"path": "report.parts", "from": null,
             "to": ["presentation_entreprise", "analyse_juridique", "activites", "conclusion",
                    "resume_anglais", "demarche_qsse"]}
        ])
    );
}

/// The first hint of `conclusion` for `input` under session-2027, towards `target`.
fn first_hint(input: &Value, conclusion: &str, target: &str) -> Value {
    let folder = bts();
    let decision = decide_json(
        &folder,
        "session-2027",
        input,
        Some(json!({ conclusion: target })),
    );
    let hints = check_hints(&folder, "session-2027", input, &decision, conclusion, "");
    assert!(hints.iter().all(|h| h["gives"] == target), "{hints:?}");
    hints
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no hint: {decision}"))
}

fn scolaire(end: &str, certificate: bool) -> Value {
    json!({
        "candidate": {"pathway": "scolaire"},
        "internship": {"periods": [{"start": "2026-05-04", "end": end, "agreement_signed": true}],
                       "certificate_provided": certificate}
    })
}

#[test]
fn eight_signed_weeks_of_twelve_get_the_four_weeks_missing() {
    let hint = first_hint(&scolaire("2026-06-26", true), "e61_admission", "admis");
    assert_eq!(
        hint["changes"],
        json!([{"path": "internship.periods[0].end", "from": "2026-06-26", "to": "2026-07-24"}])
    );
    assert_eq!(
        hint["effects"],
        json!([{"name": "completed_weeks", "from": 8, "to": 12}])
    );
    assert_eq!(hint["clauses"], json!(["2.1.2-4", "4-1", "3-1"]));
    assert_eq!(
        hint["text"],
        "Fin de la période (périodes de stage n° 1) : 24 juillet 2026 au lieu de 26 juin 2026 \
         (28 jours plus tard) → admission à l'épreuve E6.1 : admis (durée des stages effectués \
         sous convention : 8 semaines → 12 semaines)"
    );
}

#[test]
fn a_candidate_without_certificate_is_told_to_provide_it() {
    let hint = first_hint(&scolaire("2026-07-24", false), "e61_admission", "admis");
    assert_eq!(
        hint["changes"],
        json!([{"path": "internship.certificate_provided", "from": false, "to": true}])
    );
    assert_eq!(hint["gives"], "admis");
    assert_eq!(
        hint["text"],
        "Certificat de stage fourni : oui au lieu de non → admission à l'épreuve E6.1 : admis"
    );
    // Both missing: the certificate and the weeks, together.
    let hint = first_hint(&scolaire("2026-06-26", false), "e61_admission", "admis");
    assert_eq!(
        hint["changes"],
        json!([
            {"path": "internship.certificate_provided", "from": false, "to": true},
            {"path": "internship.periods[0].end", "from": "2026-06-26", "to": "2026-07-24"}
        ])
    );
}

#[test]
fn a_late_report_gets_the_deadline_and_an_absent_one_the_last_day_on_time() {
    let mut input = crate::http::candidate();
    input["report"]["submitted_on"] = json!("2027-04-30");
    let hint = first_hint(&input, "report_conformity", "conforme");
    assert_eq!(
        hint["changes"],
        json!([{"path": "report.submitted_on", "from": "2027-04-30", "to": "2027-04-16"}])
    );
    assert!(
        hint["text"]
            .as_str()
            .unwrap()
            .contains("(14 jours plus tôt)"),
        "{hint}"
    );
    input["report"]
        .as_object_mut()
        .unwrap()
        .remove("submitted_on");
    let hint = first_hint(&input, "report_conformity", "conforme");
    assert_eq!(
        hint["changes"],
        json!([{"path": "report.submitted_on", "from": null, "to": "2027-04-16"}])
    );
}

#[test]
fn without_hints_the_decision_has_none_and_bad_targets_are_refused() {
    let folder = bts();
    let input = scolaire("2026-06-26", false);
    let plain = decide_json(&folder, "session-2027", &input, None);
    assert!(!plain.to_string().contains("\"hints\""));
    let off = decide_json(&folder, "session-2027", &input, Some(json!(false)));
    assert_eq!(plain, off);
    let policy = folder.version("session-2027").unwrap();
    for (hints, says) in [
        (json!({"e61_admision": "admis"}), "not a conclusion"),
        (
            json!({"e61_admission": "accepte"}),
            "not a value of `e61_admission`",
        ),
    ] {
        let options = options(serde_json::from_value(hints).unwrap());
        match decide(policy, &input, &options) {
            Err(RequestError::Bad(m)) => assert!(m.to_string().contains(says), "{m}"),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn hints_over_http() {
    let server = TestServer::bts(date("2026-10-01"));
    let input = scolaire("2026-06-26", true);
    let reply = crate::http::decide(
        &server,
        json!({"input": input, "version": "session-2027", "hints": {"e61_admission": "admis"}}),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let d = reply.json();
    let hint = &d["conclusions"]["e61_admission"]["hints"][0];
    assert_eq!(hint["gives"], "admis");
    assert_eq!(hint["changes"][0]["to"], "2026-07-24");
    assert!(d["conclusions"]["report_conformity"].get("hints").is_none());
    let reply = crate::http::decide(&server, json!({"input": input, "hints": {"nope": 1}}));
    assert!(
        reply.problem(400)["detail"]
            .as_str()
            .unwrap()
            .contains("nope")
    );
    let plain = crate::http::decide(&server, json!({"input": input}));
    assert!(!plain.body.contains("\"hints\""));
}

#[test]
fn favourable_hints_say_what_would_grant_what_is_not_granted() {
    let server = TestServer::bts(date("2026-11-28"));
    let mut input = crate::http::candidate();
    input["internship"]["certificate_provided"] = json!(false);
    let r = crate::http::decide(
        &server,
        json!({"input": input, "version": "session-2027", "hints": "favourable"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let d = r.json();
    let c = &d["conclusions"];
    // Refused: hints towards each favourable value the policy names.
    assert_eq!(c["e61_admission"]["value"], "refuse");
    let hints = c["e61_admission"]["hints"].as_array().unwrap();
    assert!(!hints.is_empty());
    assert!(
        hints
            .iter()
            .all(|h| h["gives"] == "admis" || h["gives"] == "admis_sur_autorisation"),
        "{hints:?}"
    );
    // Granted, or without favourable values: no hints at all.
    assert!(
        c["report_conformity"].get("hints").is_none(),
        "{}",
        c["report_conformity"]
    );
    assert!(c["presence_proof"].get("hints").is_none());
    // Anything else is a 400.
    let bad = crate::http::decide(
        &server,
        json!({"input": crate::http::candidate(), "version": "session-2027", "hints": "most"}),
    );
    bad.problem(400);
}
