//! The watch of the policies folder in `clausier serve`: an edit is served and counted, a broken
//! one is reported and keeps the last good version, and reloads under a flow of decisions fail
//! no request (each answer entirely one checked version).

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::http::{BTS, agent, candidate, copy_policies, reply};
use crate::serve::{Served, field, wait_for};

/// The sha256 served for `session-2027` and the load status of its file.
fn served_2027(served: &Served) -> (String, String) {
    let list = served.get("/v1/policies").json();
    let policy = &list["policies"][0];
    let sha = policy["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["version"] == "session-2027")
        .map(|v| v["sha256"].as_str().unwrap().to_string())
        .unwrap_or_default();
    let status = policy["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"] == "session-2027.policy")
        .map(|f| f["status"].as_str().unwrap().to_string())
        .unwrap_or_default();
    (sha, status)
}

/// A folder holding a copy of `policies/`, its `session-2027` file and that file's text.
fn copied() -> (tempfile::TempDir, std::path::PathBuf, String) {
    let root = tempfile::tempdir().unwrap();
    copy_policies(root.path());
    let file = root.path().join(BTS).join("session-2027.policy");
    let text = std::fs::read_to_string(&file).unwrap();
    (root, file, text)
}

/// Writes through a temporary file and a rename, as editors do.
fn save(path: &Path, text: &str) {
    let tmp = path.with_extension("policy.tmp~");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// The session-2027 text with the report deadline moved a week later.
fn a_week_later(text: &str) -> String {
    assert!(text.contains("2027-04-16"));
    text.replace("2027-04-16", "2027-04-23")
}

/// The session-2027 text citing a clause that does not exist.
fn broken(text: &str) -> String {
    text.replace("per \"4-3\"", "per \"9-9\"")
}

/// A candidate whose report is submitted on 2027-04-20: late by the deadline of the session-2027
/// file, on time a week later.
fn submitted_on_the_20th() -> Value {
    let mut record = candidate();
    record["report"]["submitted_on"] = json!("2027-04-20");
    json!({"input": record, "version": "session-2027"})
}

const RELOADED: &str = r#"clausier_reloads_total{result="ok"}"#;
const FAILED: &str = r#"clausier_reloads_total{result="failed"}"#;
const CHECK_FAILED: &str = r#"clausier_reload_failures_total{reason="check"}"#;

#[test]
fn an_edit_is_served_a_broken_one_is_reported_and_keeps_the_last_good_version() {
    let (root, file, original) = copied();
    let served = Served::launch(
        &[
            "--policies",
            root.path().to_str().unwrap(),
            "--addr",
            "127.0.0.1:0",
            "--settle-ms",
            "100",
        ],
        &[],
    );
    let conformity = |served: &Served| {
        let r = served.decide(&submitted_on_the_20th());
        assert_eq!(r.status, 200, "{}", r.body);
        let d = r.json();
        (
            d["policy"]["sha256"].as_str().unwrap().to_string(),
            d["conclusions"]["report_conformity"]["value"]
                .as_str()
                .unwrap()
                .to_string(),
        )
    };
    let first = crate::http::sha_of_session_2027(&original);
    assert_eq!(conformity(&served), (first.clone(), "non_conforme".into()));

    // An edit in place is served once it settles, and counted.
    let reloaded = served.metric(RELOADED);
    let later = a_week_later(&original);
    let second = crate::http::sha_of_session_2027(&later);
    std::fs::write(&file, &later).unwrap();
    wait_for("the edit to be served", || {
        served_2027(&served) == (second.clone(), "ok".into())
    });
    assert_eq!(conformity(&served), (second.clone(), "conforme".into()));
    assert!(served.metric(RELOADED) > reloaded);
    served.wait_log("the reload to be logged", |l| {
        l.contains("policies reloaded")
    });

    // A broken edit is reported, counted, logged, and the last good version stays served.
    let (failed, check_failed) = (served.metric(FAILED), served.metric(CHECK_FAILED));
    save(&file, &broken(&later));
    wait_for("the broken file to be marked stale", || {
        served_2027(&served) == (second.clone(), "stale".into())
    });
    assert_eq!(conformity(&served), (second.clone(), "conforme".into()));
    assert!(served.metric(FAILED) > failed);
    assert!(served.metric(CHECK_FAILED) > check_failed);
    // Its decisions say so: in their policy block, in a header, and in the metrics; another
    // version's do not.
    let stale = served.post(
        &format!("/v1/policies/{BTS}/decisions"),
        "application/json",
        submitted_on_the_20th().to_string(),
    );
    assert_eq!(stale.json()["policy"]["stale"], true, "{}", stale.body);
    let header = agent()
        .post(format!("{}/v1/policies/{BTS}/decisions", served.base()))
        .header("content-type", "application/json")
        .send(submitted_on_the_20th().to_string().as_bytes())
        .unwrap();
    assert_eq!(
        header
            .headers()
            .get("clausier-stale")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    let batch = served.post(
        &format!("/v1/policies/{BTS}/decisions/batch?version=session-2027"),
        "application/x-ndjson",
        format!("{}\n", candidate()),
    );
    let line: Value = serde_json::from_str(batch.body.trim()).unwrap();
    assert_eq!(line["policy"]["stale"], true);
    let mut fresh = submitted_on_the_20th();
    fresh["version"] = json!("session-2026");
    let fresh = served.decide(&fresh).json();
    assert!(fresh["policy"].get("stale").is_none(), "{fresh}");
    let counted =
        format!(r#"clausier_stale_decisions_total{{policy="{BTS}",version="session-2027"}}"#);
    assert!(served.metric(&counted) >= 3.0);
    let list = served.get("/v1/policies").json();
    let status = list["policies"][0]["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"] == "session-2027.policy")
        .unwrap()
        .clone();
    let diagnostic = &status["diagnostics"][0];
    assert_eq!(diagnostic["severity"], "error", "{status}");
    assert!(
        diagnostic["message"].as_str().unwrap().contains("9-9"),
        "{status}"
    );
    assert!(
        diagnostic["location"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{BTS}/session-2027.policy:")),
        "{status}"
    );
    // Logged, one line per diagnostic.
    let line = served.wait_log("the broken file to be logged", |l| {
        l.contains(" WARN ") && l.contains("`9-9`")
    });
    assert_eq!(
        field(&line, "file").as_deref(),
        Some("session-2027.policy"),
        "{line}"
    );
    assert_eq!(
        field(&line, "code").as_deref(),
        Some("unknown-clause"),
        "{line}"
    );
    assert_eq!(field(&line, "status").as_deref(), Some("Stale"), "{line}");
    assert!(
        field(&line, "location")
            .unwrap()
            .starts_with(&format!("{BTS}/session-2027.policy:")),
        "{line}"
    );

    // Fixing it recovers.
    save(&file, &original);
    wait_for("the fixed file to be served", || {
        served_2027(&served) == (first.clone(), "ok".into())
    });
    assert_eq!(conformity(&served), (first, "non_conforme".into()));
    let recovered = served.decide(&submitted_on_the_20th()).json();
    assert!(recovered["policy"].get("stale").is_none(), "{recovered}");
}

/// Sets its flag when dropped.
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

#[test]
fn a_reload_under_traffic_fails_no_request() {
    let (root, file, original) = copied();
    let served = Served::launch(
        &[
            "--policies",
            root.path().to_str().unwrap(),
            "--addr",
            "127.0.0.1:0",
            "--settle-ms",
            "100",
            "--workers",
            "2",
        ],
        &[],
    );
    let later = a_week_later(&original);
    let (early_sha, later_sha) = (
        crate::http::sha_of_session_2027(&original),
        crate::http::sha_of_session_2027(&later),
    );
    let conclusions: Vec<String> = served.decide(&submitted_on_the_20th()).json()["conclusions"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let stop = Arc::new(AtomicBool::new(false));
    // The clients stop when the test ends, however it ends.
    let _stop_clients = StopOnDrop(Arc::clone(&stop));
    let url = format!("{}/v1/policies/{BTS}/decisions", served.base());
    let answered = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(Mutex::new(Vec::<String>::new()));
    let clients: Vec<_> = (0..2)
        .map(|_| {
            let (url, stop, answered, failures, conclusions) = (
                url.clone(),
                Arc::clone(&stop),
                Arc::clone(&answered),
                Arc::clone(&failures),
                conclusions.clone(),
            );
            std::thread::spawn(move || {
                // One agent per client: its connection is kept alive between requests.
                let agent = agent();
                let body = submitted_on_the_20th().to_string();
                let mut seen = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let sent = agent
                        .post(&url)
                        .header("content-type", "application/json")
                        .send(body.as_bytes());
                    let r = match sent {
                        Ok(r) => reply(r),
                        Err(e) => {
                            failures.lock().unwrap().push(e.to_string());
                            stop.store(true, Ordering::Relaxed);
                            break;
                        }
                    };
                    let d: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
                    let names: Vec<String> = d["conclusions"]
                        .as_object()
                        .map(|c| c.keys().cloned().collect())
                        .unwrap_or_default();
                    if r.status != 200 || names != conclusions {
                        failures
                            .lock()
                            .unwrap()
                            .push(format!("{}: {}", r.status, r.body));
                        stop.store(true, Ordering::Relaxed);
                        break;
                    }
                    seen.push((
                        d["policy"]["sha256"].as_str().unwrap().to_string(),
                        d["conclusions"]["report_conformity"]["value"]
                            .as_str()
                            .unwrap()
                            .to_string(),
                    ));
                    answered.fetch_add(1, Ordering::Relaxed);
                }
                seen
            })
        })
        .collect();

    // Each step is seen served, then decisions flow on it, before the next.
    let steps: [(&str, String, &String, &str); 6] = [
        ("a week later", later.clone(), &later_sha, "ok"),
        ("back", original.clone(), &early_sha, "ok"),
        ("a week later again", later.clone(), &later_sha, "ok"),
        ("broken", broken(&later), &later_sha, "stale"),
        ("fixed, back", original.clone(), &early_sha, "ok"),
        ("a week later, in place", later.clone(), &later_sha, "ok"),
    ];
    let failed = served.metric(FAILED);
    for (n, (what, text, sha, status)) in steps.into_iter().enumerate() {
        if n == 5 {
            std::fs::write(&file, &text).unwrap();
        } else {
            save(&file, &text);
        }
        wait_for(what, || {
            !failures.lock().unwrap().is_empty()
                || served_2027(&served) == (sha.clone(), status.to_string())
        });
        let from = answered.load(Ordering::Relaxed);
        wait_for("decisions on it", || {
            !failures.lock().unwrap().is_empty() || answered.load(Ordering::Relaxed) >= from + 40
        });
        if status == "stale" {
            assert!(served.metric(FAILED) > failed, "the broken file is counted");
        }
    }
    stop.store(true, Ordering::Relaxed);
    let seen: Vec<(String, String)> = clients
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    let failures = failures.lock().unwrap();
    assert!(failures.is_empty(), "{failures:?}");
    assert!(seen.len() >= 240, "only {} requests", seen.len());
    // Each answer is entirely one version or the other, never the broken text nor a mix.
    let early = (early_sha, "non_conforme".to_string());
    let later = (later_sha, "conforme".to_string());
    let mixed: Vec<_> = seen
        .iter()
        .filter(|s| **s != early && **s != later)
        .collect();
    assert!(mixed.is_empty(), "{mixed:?}");
    assert!(seen.contains(&early) && seen.contains(&later));
    // Every decision is counted under its policy and version.
    let counted = served.metric(&format!(
        "clausier_decisions_total{{policy=\"{BTS}\",version=\"session-2027\"}}"
    ));
    assert!(counted >= seen.len() as f64, "{counted} < {}", seen.len());
}
