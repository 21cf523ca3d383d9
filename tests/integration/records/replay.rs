//! A replay compares the decision as it was answered with the decision of another version,
//! and says whether the same version still gives what was answered.

use std::process::Command;

use serde_json::{Value, json};

use super::{RECORDS_TOKEN, decide, get, send, service, with_id};
use crate::serve::Served;

fn replay(served: &Served, id: &str, body: &Value) -> Value {
    let r = send(
        served,
        "POST",
        &format!("/v1/decisions/{id}/replay"),
        Some(RECORDS_TOKEN),
        Some(body),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

/// The change of `name` in `changes` (a replay's `conclusions` or `not_reproduced`).
fn change<'r>(changes: &'r Value, name: &str) -> &'r Value {
    changes
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["conclusion"] == name)
        .unwrap_or_else(|| panic!("{name} is not among {changes}"))
}

#[test]
fn a_replay_compares_with_the_decision_as_answered_and_says_whether_it_is_reproduced() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("d.db");
    let store = format!("sqlite://{}?mode=rwc", db.display());
    let served = service(dir.path(), &store, &[]);
    let answered = decide(&served, &with_id("C-130"), "jury");
    assert_eq!(answered["conclusions"]["e61_admission"]["value"], "admis");
    let id = answered["decision_id"].as_str().unwrap();
    let same = replay(&served, id, &json!({}));
    assert_eq!(same["changed"], false, "{same}");
    assert_eq!(same["reproduced"], true, "{same}");
    assert_eq!(same["not_reproduced"], json!([]));

    // The record says another answer than the rules give (what a change of the engine since,
    // or a record altered, looks like): the replay starts from what was answered.
    let altered = rusqlite::Connection::open(&db)
        .unwrap()
        .execute(
            "UPDATE decisions SET decision = replace(decision, \
             '\"e61_admission\":{\"status\":\"decided\",\"value\":\"admis\"', \
             '\"e61_admission\":{\"status\":\"decided\",\"value\":\"refuse\"') WHERE id = ?1",
            [id],
        )
        .unwrap();
    assert_eq!(altered, 1);
    let stored = get(&served, &format!("/v1/decisions/{id}"), Some(RECORDS_TOKEN)).json();
    assert_eq!(
        stored["decision"]["conclusions"]["e61_admission"]["value"],
        "refuse"
    );
    let r = replay(&served, id, &json!({}));
    assert_eq!(r["changed"], true, "{r}");
    let admission = change(&r["conclusions"], "e61_admission");
    assert_eq!(admission["old"]["value"], "refuse");
    assert_eq!(admission["new"]["value"], "admis");
    assert_eq!(r["conclusions"].as_array().unwrap().len(), 1, "{r}");
    assert_eq!(r["reproduced"], false);
    let again = change(&r["not_reproduced"], "e61_admission");
    assert_eq!(again["old"]["value"], "refuse");
    assert_eq!(again["new"]["value"], "admis");
    assert_eq!(again["new"]["citations"], admission["old"]["citations"]);

    // `clausier replay` says the same, and exits 1.
    let out = Command::new(env!("CARGO_BIN_EXE_clausier"))
        .args(["replay", id, "--store", &store, "--policies"])
        .arg(dir.path().join("policies"))
        .args(["--version", "session-2027"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed["reproduced"], false);
    assert_eq!(printed["not_reproduced"], r["not_reproduced"]);
}

#[test]
fn a_replay_under_a_named_version_or_a_date_decides_under_that_version() {
    let dir = tempfile::tempdir().unwrap();
    let store = format!("sqlite://{}?mode=rwc", dir.path().join("d.db").display());
    let served = service(dir.path(), &store, &[]);
    let answered = decide(&served, &with_id("C-140"), "jury");
    let id = answered["decision_id"].as_str().unwrap();
    let named = replay(&served, id, &json!({"version": "session-2026"}));
    assert_eq!(named["from"]["version"], "session-2027");
    assert_eq!(named["from"]["sha256"], answered["policy"]["sha256"]);
    assert_eq!(named["to"]["version"], "session-2026");
    assert_eq!(named["changed"], true, "{named}");
    assert_eq!(named["reproduced"], true, "{named}");
    let conformity = change(&named["conclusions"], "report_conformity");
    assert_eq!(
        conformity["old"]["value"],
        answered["conclusions"]["report_conformity"]["value"]
    );
    assert_eq!(conformity["new"]["value"], "non_conforme", "{conformity}");
    // The version in force on a date: the same.
    let dated = replay(&served, id, &json!({"as_of": "2026-03-01"}));
    assert_eq!(dated["to"], named["to"]);
    assert_eq!(dated["conclusions"], named["conclusions"]);
    // A version the policy does not have.
    let unknown = send(
        &served,
        "POST",
        &format!("/v1/decisions/{id}/replay"),
        Some(RECORDS_TOKEN),
        Some(&json!({"version": "session-1999"})),
    );
    unknown.problem(404);
}
