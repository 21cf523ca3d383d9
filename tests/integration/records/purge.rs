//! The retention purge while the service runs: records past their policy's retention deleted,
//! the policy texts no record uses any more with them, and the next record of such a version
//! stored whole (its text again), by the service that purged and by another sharing the store.

use std::time::Instant;

use serde_json::{Value, json};

use super::{RECORDS_TOKEN, age, decide, get, numbered_policy, service, stores, with_id};
use crate::http::{agent, reply};
use crate::serve::{DEADLINE, Served};

/// The records `served` lists, by decision id.
fn listed(served: &Served) -> Vec<String> {
    let page = get(served, "/v1/decisions", Some(RECORDS_TOKEN)).json();
    page["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["decision_id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_purge_while_the_service_runs_deletes_texts_that_the_next_records_store_again() {
    let dir = tempfile::tempdir().unwrap();
    for (store, _pg) in stores(dir.path()) {
        // Two replicas on one store: the first purges every second, the second at start only.
        let purging = service(
            dir.path(),
            &store,
            &["--retention-days", "1", "--purge-every", "1"],
        );
        let other = service(dir.path(), &store, &["--retention-days", "1"]);
        let answered = decide(&purging, &with_id("C-070"), "jury");
        let sha256 = answered["policy"]["sha256"].as_str().unwrap().to_string();
        let text = format!("/v1/policy-texts/{sha256}");
        let mut ids = vec![
            answered["decision_id"].as_str().unwrap().to_string(),
            decide(&other, &with_id("C-071"), "jury")["decision_id"]
                .as_str()
                .unwrap()
                .to_string(),
        ];
        // Twice: after the purge, the service that purged decides first, then the other.
        for (round, order) in [[&purging, &other], [&other, &purging]].iter().enumerate() {
            // Made two days ago, as far as the store can tell: the next purge deletes them,
            // and the text of their version, which no record uses any more.
            for id in &ids {
                age(&store, id, 2);
            }
            let started = Instant::now();
            while !listed(&purging).is_empty() {
                assert!(
                    started.elapsed() < DEADLINE,
                    "not purged:\n{}",
                    purging.log()
                );
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            assert_eq!(get(&purging, &text, Some(RECORDS_TOKEN)).status, 404);
            // The next decisions under that version are kept, with the text.
            ids = Vec::new();
            for (k, served) in order.iter().enumerate() {
                let d = decide(served, &with_id(&format!("C-08{round}{k}")), "jury");
                let id = d["decision_id"].as_str().unwrap();
                let stored = get(served, &format!("/v1/decisions/{id}"), Some(RECORDS_TOKEN));
                assert_eq!(
                    stored.status,
                    200,
                    "{store}: {}\n{}",
                    stored.body,
                    served.log()
                );
                assert_eq!(stored.json()["policy_sha256"], sha256.as_str());
                ids.push(id.to_string());
            }
            assert_eq!(get(&other, &text, Some(RECORDS_TOKEN)).status, 200);
        }
        assert_eq!(
            purging.metric("clausier_records_deleted_total{reason=\"retention\"}"),
            4.0,
            "{store}"
        );
        for served in [&purging, &other] {
            assert_eq!(served.metric("clausier_records_written_total"), 3.0);
            assert_eq!(
                served.metric("clausier_records_lost_total{reason=\"database\"}"),
                0.0
            );
            assert_eq!(served.metric("clausier_records_unconfirmed_total"), 0.0);
        }
        // The purging service knew it deleted the text; the other learnt it from the store.
        assert!(
            !purging.log().contains("refused a batch"),
            "{}",
            purging.log()
        );
        assert!(
            other.log().contains("written again with them"),
            "{}",
            other.log()
        );
        drop((purging, other));
        if store.starts_with("sqlite") {
            std::fs::remove_file(dir.path().join("decisions.db")).unwrap();
        }
    }
}

/// Decides `dossier` under the policy `numbered`.
fn decide_numbered(served: &Served, dossier: u64) -> Value {
    let r = reply(
        agent()
            .post(format!("{}/v1/policies/numbered/decisions", served.base()))
            .header("content-type", "application/json")
            .send(
                json!({"input": {"dossier": dossier}})
                    .to_string()
                    .as_bytes(),
            )
            .unwrap(),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

#[test]
fn a_retention_given_for_one_policy_leaves_the_others_their_default() {
    let dir = tempfile::tempdir().unwrap();
    numbered_policy(&dir.path().join("policies"));
    let store = format!("sqlite://{}?mode=rwc", dir.path().join("d.db").display());
    let served = service(dir.path(), &store, &[]);
    let old = decide(&served, &with_id("C-090"), "jury");
    let recent = decide(&served, &with_id("C-091"), "jury");
    let numbered = decide_numbered(&served, 90);
    drop(served);
    // Past the default of 730 days; two days old, under and over the retentions.
    age(&store, old["decision_id"].as_str().unwrap(), 731);
    age(&store, recent["decision_id"].as_str().unwrap(), 2);
    age(&store, numbered["decision_id"].as_str().unwrap(), 2);
    let served = service(dir.path(), &store, &["--retention-days", "numbered=1"]);
    let line = served.wait_log("the purge", |l| l.contains("past their retention deleted"));
    assert!(line.contains("records=2"), "{line}");
    assert_eq!(
        listed(&served),
        vec![recent["decision_id"].as_str().unwrap()]
    );
    assert_eq!(
        served.metric("clausier_records_deleted_total{reason=\"retention\"}"),
        2.0
    );
}
