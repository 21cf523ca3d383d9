//! Decision records, with the real binary: each decision kept in SQLite and in a real
//! PostgreSQL server (started here), read back, exported, replayed after the policy file
//! changed, erased; signed receipts checked; records never silently lost, even under SIGKILL.
//!
//! PostgreSQL comes from Debian's `postgresql` package (`initdb`, `pg_ctl`); without it the
//! PostgreSQL runs say they are skipped, unless `CLAUSIER_POSTGRES_TESTS=required` (as in
//! `.ci/run`) makes that a failure.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use clausier::server::records::receipt::{self, KeySet, Receipt};
use serde_json::{Value, json};

use crate::http::{BTS, agent, candidate, copy_policies, reply};
use crate::serve::{DEADLINE, Served};

mod access;
mod privacy;
mod purge;
mod replay;

const RECORDS_TOKEN: &str = "records-token-0123456789";
const ADMIN_TOKEN: &str = "admin-token-0123456789";

/// A PostgreSQL server of its own, in a temporary folder, on a free port of 127.0.0.1;
/// stopped when dropped.
pub(crate) struct Postgres {
    dir: tempfile::TempDir,
    port: u16,
}

impl Postgres {
    /// Starts one; none (said on standard error) when PostgreSQL is not installed, unless
    /// `CLAUSIER_POSTGRES_TESTS=required`.
    pub(crate) fn start() -> Option<Postgres> {
        if pg_tool("initdb").is_none() {
            let required = std::env::var("CLAUSIER_POSTGRES_TESTS").is_ok_and(|v| v == "required");
            assert!(
                !required,
                "CLAUSIER_POSTGRES_TESTS=required but PostgreSQL is not installed: apt-get install -y postgresql"
            );
            eprintln!(
                "PostgreSQL test skipped: initdb is not installed (apt-get install -y postgresql; \
                 CLAUSIER_POSTGRES_TESTS=required turns this into a failure)"
            );
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let root = unsafe_root();
        if root {
            // initdb refuses to run as root: the folder goes to the `postgres` user.
            std::fs::set_permissions(
                dir.path(),
                std::os::unix::fs::PermissionsExt::from_mode(0o777),
            )
            .unwrap();
        }
        let data = dir.path().join("data");
        let status = as_postgres(root, "initdb")
            .args([
                "-A",
                "trust",
                "-U",
                "clausier",
                "--no-sync",
                "-E",
                "UTF8",
                "-D",
            ])
            .arg(&data)
            .output()
            .unwrap();
        assert!(status.status.success(), "initdb: {status:?}");
        // A free port, released just before the server binds it: tried again if taken since.
        for _ in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let options = format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
                dir.path().display()
            );
            let started = as_postgres(root, "pg_ctl")
                .args(["-w", "-t", "20", "-D"])
                .arg(&data)
                .args(["-o", &options, "-l"])
                .arg(dir.path().join("log"))
                .arg("start")
                .output()
                .unwrap();
            if started.status.success() {
                return Some(Postgres { dir, port });
            }
        }
        let log = std::fs::read_to_string(dir.path().join("log")).unwrap_or_default();
        panic!("PostgreSQL did not start:\n{log}");
    }

    pub(crate) fn url(&self) -> String {
        format!("postgres://clausier@127.0.0.1:{}/postgres", self.port)
    }

    /// Stops the server at once (what a crash or an outage looks like to its clients).
    pub(crate) fn stop(&self) {
        let _ = as_postgres(unsafe_root(), "pg_ctl")
            .args(["-m", "immediate", "-D"])
            .arg(self.dir.path().join("data"))
            .arg("stop")
            .output();
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Whether the tests run as root (PostgreSQL's tools then run as the `postgres` user).
fn unsafe_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A PostgreSQL tool: on the `PATH`, else where Debian's package puts it
/// (`/usr/lib/postgresql/VERSION/bin`).
fn pg_tool(tool: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let on_path = std::env::split_paths(&path).map(|dir| dir.join(tool));
    let debian = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|v| v.path().join("bin").join(tool));
    on_path.chain(debian).find(|p| p.is_file())
}

fn as_postgres(root: bool, tool: &str) -> Command {
    let tool = pg_tool(tool).unwrap_or_else(|| PathBuf::from(tool));
    if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(tool);
        c
    } else {
        Command::new(tool)
    }
}

/// The stores the tests run against: SQLite in `dir`, and PostgreSQL when installed.
fn stores(dir: &Path) -> Vec<(String, Option<Postgres>)> {
    let mut stores = vec![(
        format!("sqlite://{}?mode=rwc", dir.join("decisions.db").display()),
        None,
    )];
    if let Some(pg) = Postgres::start() {
        stores.push((pg.url(), Some(pg)));
    }
    stores
}

/// A service on a copy of the policies in `dir`, recording into `store`, with both tokens.
fn service(dir: &Path, store: &str, more: &[&str]) -> Served {
    let args = arguments(dir, store, Some(RECORDS_TOKEN), more);
    Served::launch(&args.iter().map(String::as_str).collect::<Vec<_>>(), &[])
}

/// The arguments of [`service`], with the records token `records` (none: the records are not
/// served).
fn arguments(dir: &Path, store: &str, records: Option<&str>, more: &[&str]) -> Vec<String> {
    let policies = dir.join("policies");
    if !policies.exists() {
        copy_policies(&policies);
    }
    let admin = dir.join("admin-token");
    std::fs::write(&admin, ADMIN_TOKEN).unwrap();
    let mut args = vec![
        "--policies".to_string(),
        policies.display().to_string(),
        "--addr".into(),
        "127.0.0.1:0".into(),
        "--settle-ms".into(),
        "100".into(),
        "--store".into(),
        store.into(),
        "--admin-token-file".into(),
        admin.display().to_string(),
    ];
    if let Some(token) = records {
        let file = dir.join("records-token");
        std::fs::write(&file, token).unwrap();
        args.extend(["--records-token-file".into(), file.display().to_string()]);
    }
    args.extend(more.iter().map(|s| s.to_string()));
    args
}

fn get(served: &Served, path: &str, token: Option<&str>) -> crate::http::Reply {
    let mut req = agent().get(format!("{}{path}", served.base()));
    if let Some(token) = token {
        req = req.header("authorization", format!("Bearer {token}"));
    }
    reply(req.call().unwrap())
}

fn send(
    served: &Served,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> crate::http::Reply {
    let url = format!("{}{path}", served.base());
    let auth = token.map(|t| format!("Bearer {t}"));
    let r = match method {
        "POST" => {
            let mut req = agent().post(url).header("content-type", "application/json");
            if let Some(a) = &auth {
                req = req.header("authorization", a);
            }
            req.send(body.map(Value::to_string).unwrap_or_default().as_bytes())
        }
        _ => {
            let mut req = agent().delete(url);
            if let Some(a) = &auth {
                req = req.header("authorization", a);
            }
            req.call()
        }
    };
    reply(r.unwrap())
}

/// The school candidate of the HTTP tests, with this id.
fn with_id(id: &str) -> Value {
    let mut c = candidate();
    c["candidate"]["id"] = json!(id);
    c
}

/// Decides `input` under session-2027, as the client `caller`.
fn decide(served: &Served, input: &Value, caller: &str) -> Value {
    let r = reply(
        agent()
            .post(format!("{}/v1/policies/{BTS}/decisions", served.base()))
            .header("content-type", "application/json")
            .header("x-client-id", caller)
            .send(
                json!({"input": input, "version": "session-2027"})
                    .to_string()
                    .as_bytes(),
            )
            .unwrap(),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

/// Checks `decision`'s receipt for `input` against the service's published keys.
fn verify(served: &Served, decision: &Value, input: &Value) -> Result<(), receipt::VerifyError> {
    let keys: KeySet = serde_json::from_str(&get(served, "/v1/keys", None).body).unwrap();
    let r: Receipt = serde_json::from_value(decision["receipt"].clone()).unwrap();
    receipt::verify(decision.to_string().as_bytes(), input, &r, &keys)
}

#[test]
fn decisions_are_recorded_read_back_exported_and_erased_in_sqlite_and_postgresql() {
    let dir = tempfile::tempdir().unwrap();
    for (store, _pg) in stores(dir.path()) {
        let served = service(dir.path(), &store, &[]);
        let first = with_id("C-001");
        let asked_at = chrono::Utc::now();
        let answered = decide(&served, &first, "scolarite-lyon");
        let answered_at = chrono::Utc::now();
        let id = answered["decision_id"].as_str().unwrap().to_string();
        // The answer carries a receipt the published key verifies, and any change breaks it.
        assert_eq!(verify(&served, &answered, &first), Ok(()), "{store}");
        let mut forged = answered.clone();
        forged["conclusions"]["e61_admission"]["value"] = json!("refuse");
        assert_eq!(
            verify(&served, &forged, &first),
            Err(receipt::VerifyError::Mismatch)
        );

        // A batch and an NDJSON stream are recorded too, one record per decision.
        let batch = send(
            &served,
            "POST",
            &format!("/v1/policies/{BTS}/decisions/batch"),
            None,
            Some(
                &json!({"inputs": [with_id("C-002"), with_id("C-001")], "version": "session-2027"}),
            ),
        );
        assert_eq!(batch.status, 200, "{}", batch.body);
        let lines = format!("{}\n", with_id("C-003"));
        let streamed = served.post(
            &format!("/v1/policies/{BTS}/decisions/batch?version=session-2027"),
            "application/x-ndjson",
            lines,
        );
        assert_eq!(streamed.status, 200, "{}", streamed.body);
        let streamed: Value = serde_json::from_str(streamed.body.trim()).unwrap();
        assert_eq!(verify(&served, &streamed, &with_id("C-003")), Ok(()));

        // Without the records token: 401; the record as it was asked and answered with it.
        assert_eq!(
            get(&served, &format!("/v1/decisions/{id}"), None).status,
            401
        );
        let stored = get(&served, &format!("/v1/decisions/{id}"), Some(RECORDS_TOKEN));
        assert_eq!(stored.status, 200, "{}", stored.body);
        let stored = stored.json();
        assert_eq!(stored["candidate"], "C-001");
        assert_eq!(stored["caller"], "scolarite-lyon");
        assert_eq!(stored["policy"], BTS);
        assert_eq!(stored["version"], "session-2027");
        assert_eq!(stored["request"]["input"], first);
        assert_eq!(stored["request"]["version"], "session-2027");
        assert_eq!(stored["request"]["options"], json!({"lang": "fr"}));
        assert!(stored["request"].get("as_of").is_none(), "not asked");
        // When it was decided: in UTC, to the microsecond, while the request was answered.
        let decided_at = stored["decided_at"].as_str().unwrap().to_string();
        assert!(decided_at.ends_with('Z'), "{decided_at}");
        let at = chrono::DateTime::parse_from_rfc3339(&decided_at).unwrap();
        assert!(asked_at <= at && at <= answered_at, "{decided_at}");
        let mut without_receipt = answered.clone();
        without_receipt.as_object_mut().unwrap().remove("receipt");
        assert_eq!(stored["decision"], without_receipt);
        assert_eq!(stored["receipt"], answered["receipt"]);
        assert_eq!(stored["policy_sha256"], answered["policy"]["sha256"]);
        // The text of the rules is there, whole: the version's files, root first.
        let text = get(
            &served,
            stored["policy_text"].as_str().unwrap(),
            Some(RECORDS_TOKEN),
        )
        .json();
        let files = text["files"].as_array().unwrap();
        assert_eq!(files.len(), 2, "annexe-ivb, then session-2027");
        assert!(
            files[1]["text"]
                .as_str()
                .unwrap()
                .contains("version \"session-2027\"")
        );

        // Listing: by candidate, a page at a time, then the exports.
        let page = get(
            &served,
            "/v1/decisions?candidate=C-001&limit=1",
            Some(RECORDS_TOKEN),
        )
        .json();
        assert_eq!(page["decisions"].as_array().unwrap().len(), 1);
        assert_eq!(
            page["decisions"][0]["decision_id"],
            id.as_str(),
            "oldest first"
        );
        let next = page["next"].as_str().unwrap();
        let second = get(&served, next, Some(RECORDS_TOKEN)).json();
        assert_eq!(second["decisions"][0]["candidate"], "C-001");
        assert_ne!(second["decisions"][0]["decision_id"], id.as_str());
        let all = get(
            &served,
            &format!("/v1/decisions?policy={BTS}&version=session-2027"),
            Some(RECORDS_TOKEN),
        )
        .json();
        assert_eq!(all["decisions"].as_array().unwrap().len(), 4, "{store}");
        assert!(all["next"].is_null());
        let later = get(
            &served,
            "/v1/decisions?from=2999-01-01",
            Some(RECORDS_TOKEN),
        )
        .json();
        assert_eq!(later["decisions"].as_array().unwrap().len(), 0);
        // `to` excludes its instant: up to the first decision's, none; from it, all four.
        let count = |query: &str| {
            let page = get(
                &served,
                &format!("/v1/decisions?{query}"),
                Some(RECORDS_TOKEN),
            );
            assert_eq!(page.status, 200, "{query}: {}", page.body);
            page.json()["decisions"].as_array().unwrap().len()
        };
        assert_eq!(count("to=2000-01-01"), 0);
        assert_eq!(count("to=2999-01-01"), 4);
        assert_eq!(count(&format!("to={decided_at}")), 0);
        assert_eq!(count(&format!("from={decided_at}&to=2999-01-01")), 4);
        assert_eq!(
            count(&format!(
                "candidate=C-001&to={}",
                asked_at.date_naive().succ_opt().unwrap()
            )),
            2
        );
        get(&served, "/v1/decisions?to=tomorrow", Some(RECORDS_TOKEN)).problem(400);
        let ndjson = get(
            &served,
            "/v1/decisions?candidate=C-001&format=ndjson",
            Some(RECORDS_TOKEN),
        );
        assert_eq!(ndjson.body.lines().count(), 2);
        let csv = get(
            &served,
            &format!("/v1/decisions?policy={BTS}&format=csv"),
            Some(RECORDS_TOKEN),
        );
        assert!(
            csv.content_type.starts_with("text/csv"),
            "{}",
            csv.content_type
        );
        let rows: Vec<&str> = csv.body.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(rows.len(), 5, "a header and four decisions:\n{}", csv.body);
        assert!(rows[0].starts_with("decision_id,decided_at,policy,version,candidate,caller,"));
        assert!(rows[0].contains("e61_admission"), "{}", rows[0]);
        assert!(
            rows[1].starts_with(&id) && rows[1].contains(",C-001,scolarite-lyon,"),
            "{}",
            rows[1]
        );

        // A candidate's erasure takes the administration token, and deletes their records only.
        let path = format!("/v1/decisions?candidate=C-001&policy={BTS}");
        assert_eq!(
            send(&served, "DELETE", &path, Some(RECORDS_TOKEN), None).status,
            401
        );
        let erased = send(&served, "DELETE", &path, Some(ADMIN_TOKEN), None);
        assert_eq!(erased.status, 200, "{}", erased.body);
        assert_eq!(erased.json()["deleted"], 2);
        assert_eq!(
            get(&served, &format!("/v1/decisions/{id}"), Some(RECORDS_TOKEN)).status,
            404
        );
        let left = get(&served, "/v1/decisions", Some(RECORDS_TOKEN)).json();
        assert_eq!(left["decisions"].as_array().unwrap().len(), 2);
        assert_eq!(served.metric("clausier_records_written_total"), 4.0);
        assert_eq!(
            served.metric("clausier_records_deleted_total{reason=\"erasure\"}"),
            2.0
        );
        assert!(
            !served.log().contains("C-001"),
            "no candidate data in the log:\n{}",
            served.log()
        );
        // The next store starts empty.
        if store.starts_with("sqlite") {
            drop(served);
            std::fs::remove_file(dir.path().join("decisions.db")).unwrap();
        }
    }
}

#[test]
fn without_a_records_token_the_records_are_not_served_and_with_store_none_nothing_is_kept() {
    let served = Served::start(&["--store", "none"]);
    let d = served.decide(&json!({"input": candidate(), "version": "session-2027"}));
    assert_eq!(d.status, 200);
    assert!(
        d.json()["receipt"]["signature"].is_string(),
        "receipts do not need a store"
    );
    let id = d.json()["decision_id"].as_str().unwrap().to_string();
    assert_eq!(
        get(&served, &format!("/v1/decisions/{id}"), Some(RECORDS_TOKEN)).status,
        404
    );
    assert_eq!(get(&served, "/v1/decisions", None).status, 404);
    assert!(served.log().contains("decisions are not recorded"));
}

#[test]
fn a_replay_after_an_edit_shows_the_change_and_the_record_keeps_the_old_text() {
    let dir = tempfile::tempdir().unwrap();
    for (store, _pg) in stores(dir.path()) {
        let served = service(dir.path(), &store, &[]);
        let input = with_id("C-010");
        let answered = decide(&served, &input, "jury");
        assert_eq!(answered["conclusions"]["e61_admission"]["value"], "admis");
        let id = answered["decision_id"].as_str().unwrap().to_string();
        let unchanged = send(
            &served,
            "POST",
            &format!("/v1/decisions/{id}/replay"),
            Some(RECORDS_TOKEN),
            None,
        );
        assert_eq!(unchanged.status, 200, "{}", unchanged.body);
        assert_eq!(unchanged.json()["changed"], false);

        // The session file is edited: 14 weeks are now required. The service reloads it.
        let file = dir
            .path()
            .join(format!("policies/{BTS}/session-2027.policy"));
        let before = std::fs::read_to_string(&file).unwrap();
        let edited = format!(
            "{before}\noverride parameter normal_weeks = 14 weeks    per \"0-1\", \"2.1.2-3\", \"3-1\"\n"
        );
        std::fs::write(&file, &edited).unwrap();
        let started = Instant::now();
        let replay = loop {
            let r = send(
                &served,
                "POST",
                &format!("/v1/decisions/{id}/replay"),
                Some(RECORDS_TOKEN),
                Some(&json!({})),
            );
            assert_eq!(r.status, 200, "{}", r.body);
            if r.json()["changed"] == true {
                break r.json();
            }
            assert!(
                started.elapsed() < DEADLINE,
                "the edit was never served:\n{}",
                served.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        };
        assert_eq!(replay["from"]["sha256"], answered["policy"]["sha256"]);
        assert_ne!(replay["to"]["sha256"], answered["policy"]["sha256"]);
        let change = |name: &str| {
            replay["conclusions"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["conclusion"] == name)
                .cloned()
                .unwrap_or_else(|| panic!("{name} did not change: {replay}"))
        };
        let admission = change("e61_admission");
        assert_eq!(admission["old"]["value"], "admis");
        assert_eq!(admission["new"]["value"], "refuse");
        assert_eq!(admission["new"]["citations"], json!(["3-1"]));
        assert_eq!(change("required_weeks")["new"]["value"], 14);

        // The record still holds the decision and the text it was made under.
        let stored = get(&served, &format!("/v1/decisions/{id}"), Some(RECORDS_TOKEN)).json();
        assert_eq!(
            stored["decision"]["conclusions"]["e61_admission"]["value"],
            "admis"
        );
        let text = get(
            &served,
            stored["policy_text"].as_str().unwrap(),
            Some(RECORDS_TOKEN),
        )
        .json();
        assert_eq!(text["files"][1]["text"], before.as_str());
        assert_eq!(verify(&served, &answered, &input), Ok(()));

        // So does `clausier replay`, from the store itself.
        let out = Command::new(env!("CARGO_BIN_EXE_clausier"))
            .args(["replay", &id, "--store", &store, "--policies"])
            .arg(dir.path().join("policies"))
            .args(["--version", "session-2027"])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "exit 1: something changed; {out:?}"
        );
        let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(printed["conclusions"], replay["conclusions"]);
        // Without a version, the one in force on the day its clock says (`--today`).
        for (today, version) in [
            ("2026-09-01", "session-2027"),
            ("2026-08-31", "session-2026"),
        ] {
            let out = Command::new(env!("CARGO_BIN_EXE_clausier"))
                .args(["replay", &id, "--store", &store, "--policies"])
                .arg(dir.path().join("policies"))
                .args(["--today", today])
                .output()
                .unwrap();
            let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(printed["to"]["version"], version, "{printed}");
        }
        std::fs::write(&file, &before).unwrap();
        drop(served);
        if store.starts_with("sqlite") {
            std::fs::remove_file(dir.path().join("decisions.db")).unwrap();
        }
    }
}

#[test]
fn clausier_verify_checks_a_recorded_decision_offline() {
    let dir = tempfile::tempdir().unwrap();
    let store = format!("sqlite://{}?mode=rwc", dir.path().join("d.db").display());
    let served = service(dir.path(), &store, &[]);
    let input = with_id("C-020");
    let answered = decide(&served, &input, "jury");
    let id = answered["decision_id"].as_str().unwrap();
    let stored = get(&served, &format!("/v1/decisions/{id}"), Some(RECORDS_TOKEN)).body;
    let keys = get(&served, "/v1/keys", None).body;
    std::fs::write(dir.path().join("receipt.json"), &stored).unwrap();
    std::fs::write(dir.path().join("keys.json"), &keys).unwrap();
    let verify = |file: &str, more: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_clausier"))
            .current_dir(dir.path())
            .args(["verify", file, "--keys", "keys.json"])
            .args(more)
            .output()
            .unwrap()
    };
    let ok = verify("receipt.json", &[]);
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");
    assert!(String::from_utf8_lossy(&ok.stdout).starts_with("valid: decision"));
    // The answer itself, with the record decided beside it.
    std::fs::write(dir.path().join("answer.json"), answered.to_string()).unwrap();
    std::fs::write(dir.path().join("input.json"), input.to_string()).unwrap();
    assert_eq!(
        verify("answer.json", &["--input", "input.json"])
            .status
            .code(),
        Some(0)
    );
    // A record altered after the fact does not verify.
    let altered = stored.replace("\"admis\"", "\"refuse\"");
    assert_ne!(altered, stored);
    std::fs::write(dir.path().join("altered.json"), altered).unwrap();
    let bad = verify("altered.json", &[]);
    assert_eq!(bad.status.code(), Some(1), "{bad:?}");
    assert!(String::from_utf8_lossy(&bad.stdout).contains("NOT valid"));
}

#[test]
fn hashed_inputs_keep_no_record_yet_find_and_replay_the_candidate() {
    let dir = tempfile::tempdir().unwrap();
    let store = format!("sqlite://{}?mode=rwc", dir.path().join("d.db").display());
    let data = dir.path().join("data");
    let served = service(
        dir.path(),
        &store,
        &[
            "--keep-inputs",
            "hashed",
            "--data-dir",
            &data.display().to_string(),
        ],
    );
    let input = with_id("C-030");
    let answered = decide(&served, &input, "jury");
    let id = answered["decision_id"].as_str().unwrap();
    // Nothing of the record is in its row as the file holds it: neither the candidate's key
    // nor the values of the record (the decision names the facts it rests on, in words:
    // `voie scolaire`, not the record's `scolaire`).
    let row = privacy::raw_row(&dir.path().join("d.db"), id).join("\n");
    for value in [
        "C-030",
        "\"scolaire\"",
        "2026-05-04",
        "2026-07-24",
        "2027-04-10",
        "presentation_entreprise",
        "resume_anglais",
        "demarche_qsse",
    ] {
        assert!(!row.contains(value), "`{value}` is stored: {row}");
    }
    let stored = get(&served, &format!("/v1/decisions/{id}"), Some(RECORDS_TOKEN)).json();
    assert!(stored["request"].get("input").is_none(), "{stored}");
    assert_eq!(
        stored["request"]["input_sha256"].as_str().unwrap().len(),
        64
    );
    assert_ne!(stored["candidate"], "C-030");
    let found = get(
        &served,
        "/v1/decisions?candidate=C-030",
        Some(RECORDS_TOKEN),
    )
    .json();
    assert_eq!(found["decisions"][0]["decision_id"], id);
    let path = format!("/v1/decisions/{id}/replay");
    send(&served, "POST", &path, Some(RECORDS_TOKEN), None).problem(409);
    let other = with_id("C-031");
    send(
        &served,
        "POST",
        &path,
        Some(RECORDS_TOKEN),
        Some(&json!({"input": other})),
    )
    .problem(409);
    let replay = send(
        &served,
        "POST",
        &path,
        Some(RECORDS_TOKEN),
        Some(&json!({"input": input})),
    );
    assert_eq!(replay.status, 200, "{}", replay.body);
    assert_eq!(replay.json()["changed"], false);
}

#[test]
fn records_past_their_retention_are_purged_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("d.db");
    let store = format!("sqlite://{}?mode=rwc", db.display());
    let served = service(dir.path(), &store, &[]);
    let old = decide(&served, &with_id("C-040"), "jury");
    drop(served);
    // Made three days ago, as far as the store can tell.
    age(&store, old["decision_id"].as_str().unwrap(), 3);
    let served = service(
        dir.path(),
        &store,
        &[
            "--retention-days",
            "7",
            "--retention-days",
            &format!("{BTS}=2"),
        ],
    );
    let recent = decide(&served, &with_id("C-041"), "jury");
    served.wait_log("the purge", |l| l.contains("past their retention deleted"));
    let left = get(&served, "/v1/decisions", Some(RECORDS_TOKEN)).json();
    let ids: Vec<&Value> = left["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["decision_id"])
        .collect();
    assert_eq!(ids, vec![&recent["decision_id"]]);
    assert_eq!(
        served.metric("clausier_records_deleted_total{reason=\"retention\"}"),
        1.0
    );
}

/// Moves the record `id` `days` back in time, in the store itself.
fn age(store: &str, id: &str, days: i64) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(store).await.unwrap();
        sqlx::query("UPDATE decisions SET decided_at = decided_at - $1 WHERE id = $2")
            .bind(days * 86_400_000_000)
            .bind(id.to_string())
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    });
}

#[test]
fn when_postgresql_goes_down_decisions_are_still_answered_and_the_loss_is_counted_and_logged() {
    let Some(pg) = Postgres::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let served = service(
        dir.path(),
        &pg.url(),
        &["--store-wait-ms", "300", "--store-queue", "1"],
    );
    decide(&served, &with_id("C-050"), "jury");
    assert_eq!(served.metric("clausier_records_written_total"), 1.0);
    pg.stop();
    let started = Instant::now();
    let answered = decide(&served, &with_id("C-051"), "jury");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "answered without the store"
    );
    let id = answered["decision_id"].as_str().unwrap().to_string();
    // Said before the answer went (not yet written), then given up as lost.
    let line = served.wait_log("the record lost", |l| {
        l.contains("decision record lost") && l.contains(&id)
    });
    assert!(line.contains("refused it"), "{line}");
    assert!(served.log().contains(&format!("decision_id={id}")));
    assert!(served.metric("clausier_records_lost_total{reason=\"database\"}") >= 1.0);
    assert!(served.metric("clausier_records_unconfirmed_total") >= 1.0);
    // While the writer tries a batch (each try waits two seconds for a connection), the queue
    // (of one) fills: the next record is lost at once, said before its decision is answered.
    // The writer, idle since it gave up, may first gather a record or two into a batch of its
    // own, so decisions are made until one finds the queue full (each takes milliseconds).
    let mut ids = Vec::new();
    for k in 0..20 {
        let answered = decide(&served, &with_id(&format!("C-06{k}")), "jury");
        ids.push(answered["decision_id"].as_str().unwrap().to_string());
        if served.log().contains("the record queue is full") {
            break;
        }
    }
    let full = served.wait_log("a record lost to a full queue", |l| {
        l.contains("the record queue is full")
    });
    assert!(ids.iter().any(|id| full.contains(id.as_str())), "{full}");
    assert!(served.metric("clausier_records_lost_total{reason=\"queue_full\"}") >= 1.0);
    assert!(
        !served.log().contains("C-051"),
        "no candidate data in the log"
    );
}

#[test]
fn a_sigkill_loses_no_answered_decision_without_a_trace() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("d.db");
    let store = format!("sqlite://{}?mode=rwc", db.display());
    let served = service(dir.path(), &store, &[]);
    let base = served.base();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // Four clients decide as fast as they can, each keeping the ids it was answered.
    let clients: Vec<_> = (0..4)
        .map(|k| {
            let (base, stop) = (base.clone(), std::sync::Arc::clone(&stop));
            std::thread::spawn(move || {
                let mut answered = Vec::new();
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    n += 1;
                    let body =
                        json!({"input": with_id(&format!("K{k}-{n}")), "version": "session-2027"});
                    let sent = agent()
                        .post(format!("{base}/v1/policies/{BTS}/decisions"))
                        .header("content-type", "application/json")
                        .send(body.to_string().as_bytes());
                    match sent {
                        Ok(r) if r.status() == 200 => {
                            let d: Value = serde_json::from_str(&reply(r).body).unwrap();
                            answered.push(d["decision_id"].as_str().unwrap().to_string());
                        }
                        _ => break,
                    }
                }
                answered
            })
        })
        .collect();
    let started = Instant::now();
    while served.metric("clausier_records_written_total") < 200.0 {
        assert!(started.elapsed() < DEADLINE, "too slow:\n{}", served.log());
        std::thread::sleep(Duration::from_millis(20));
    }
    let killed = Command::new("kill")
        .args(["-KILL", &served.pid().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let answered: Vec<String> = clients
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let log = served.log();
    drop(served);
    // 200 records were committed before the kill; the answers of at most four of them (one a
    // client) may not have reached their client by then.
    assert!(answered.len() >= 196, "{}", answered.len());

    // After a restart on the same store: every answered decision is there, whole, or the log
    // said before the kill that its record was not written.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let rows: Vec<(String, String, String)> = runtime.block_on(async {
        let db = clausier::server::records::Db::open(&store).await.unwrap();
        let page = db.list(&Default::default(), None, 100_000).await.unwrap();
        page.into_iter()
            .map(|r| (r.id, r.decision, r.policy_sha256))
            .collect()
    });
    let kept: std::collections::HashSet<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    let untraced: Vec<&String> = answered
        .iter()
        .filter(|id| !kept.contains(id.as_str()) && !log.contains(&format!("decision_id={id}")))
        .collect();
    assert!(
        untraced.is_empty(),
        "answered, not stored and not logged: {untraced:?}"
    );
    for (id, decision, sha256) in &rows {
        let d: Value = serde_json::from_str(decision).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(d["decision_id"], id.as_str());
        assert_eq!(d["policy"]["sha256"], sha256.as_str());
    }
    let restarted = service(dir.path(), &store, &[]);
    let listed = get(&restarted, "/v1/decisions?limit=1", Some(RECORDS_TOKEN)).json();
    assert_eq!(listed["decisions"].as_array().unwrap().len(), 1);
}

/// The policies of the tests in `policies`, with `numbered`: a policy of one conclusion whose
/// candidates are identified by a whole number.
fn numbered_policy(policies: &Path) {
    copy_policies(policies);
    let numbered = policies.join("numbered");
    std::fs::create_dir_all(&numbered).unwrap();
    std::fs::write(
        numbered.join("v1.policy"),
        "policy numbered\nversion \"v1\"\neffective from 2026-09-01\nidentified by dossier\n\n\
         clause \"1\" section \"1\"\n  | Le dossier est recevable.\n\n\
         input dossier : integer  per \"1\"\n\n\
         conclusion recevable : bool\n  rule r\n    gives true\n    per \"1\"\n",
    )
    .unwrap();
}

/// A policy identified by a whole number: its records are looked up by that number, and the
/// options a decision was asked with are kept with its request.
#[test]
fn a_candidate_identified_by_a_number_is_found_by_it_with_the_options_asked() {
    let dir = tempfile::tempdir().unwrap();
    numbered_policy(&dir.path().join("policies"));
    let sqlite = format!("sqlite://{}?mode=rwc", dir.path().join("n.db").display());
    let served = service(dir.path(), &sqlite, &[]);
    let asked = agent()
        .post(format!(
            "{}/v1/policies/numbered/decisions?citations=ids",
            served.base()
        ))
        .header("content-type", "application/json")
        .header("accept-language", "en")
        .send(
            json!({"input": {"dossier": 4012}, "explain": true, "as_of": "2027-03-01"})
                .to_string()
                .as_bytes(),
        )
        .unwrap();
    let asked = reply(asked);
    assert_eq!(asked.status, 200, "{}", asked.body);
    let found = get(&served, "/v1/decisions?candidate=4012", Some(RECORDS_TOKEN)).json();
    let found = found["decisions"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["candidate"], "4012");
    let id = found[0]["decision_id"].as_str().unwrap();
    let stored = get(&served, &format!("/v1/decisions/{id}"), Some(RECORDS_TOKEN)).json();
    assert_eq!(
        stored["request"]["options"],
        json!({"lang": "en", "explain": true, "citations": "ids"})
    );
    assert_eq!(stored["request"]["as_of"], "2027-03-01");
    assert!(stored["request"].get("version").is_none(), "not asked");

    // A JSON batch's records keep the version and the conclusions it asked for; a batch
    // that names the conclusions twice, differently, is refused.
    let batch = |query: &str, body: Value| {
        reply(
            agent()
                .post(format!(
                    "{}/v1/policies/numbered/decisions/batch{query}",
                    served.base()
                ))
                .header("content-type", "application/json")
                .send(body.to_string().as_bytes())
                .unwrap(),
        )
    };
    let asked = json!({"inputs": [{"dossier": 77}], "version": "v1", "conclusions": ["recevable"]});
    let differing = batch("?conclusions=autre", asked.clone());
    assert_eq!(
        differing.problem(400)["detail"],
        "`conclusions` diffère entre le corps et les paramètres de l'URL"
    );
    let agreeing = batch("?conclusions=recevable", asked);
    assert_eq!(agreeing.status, 200, "{}", agreeing.body);
    let found = get(&served, "/v1/decisions?candidate=77", Some(RECORDS_TOKEN)).json();
    let id = found["decisions"][0]["decision_id"]
        .as_str()
        .unwrap()
        .to_string();
    let stored = get(&served, &format!("/v1/decisions/{id}"), Some(RECORDS_TOKEN)).json();
    assert_eq!(stored["request"]["version"], "v1");
    assert_eq!(stored["request"]["conclusions"], json!(["recevable"]));
}

#[test]
fn the_write_ahead_log_of_a_sqlite_store_is_copied_into_its_file_soon_after_commits() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("d.db");
    let store = format!("sqlite://{}?mode=rwc", db.display());
    let served = service(dir.path(), &store, &[]);
    let before = std::fs::metadata(&db).unwrap().len();
    for i in 0..40 {
        decide(&served, &with_id(&format!("C-{i:03}")), "jury");
    }
    // Each record takes a page of its own at least (a decision is a few kilobytes): once the
    // log is checkpointed (half a second after a commit), the file holds them all, while the
    // service still runs (the writer never checkpoints itself, and nothing closes the store).
    let grown = before + 40 * 4096;
    let started = std::time::Instant::now();
    while std::fs::metadata(&db).unwrap().len() < grown {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "the file is still {} bytes (it was {before} before 40 records)",
            std::fs::metadata(&db).unwrap().len()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    drop(served);
}

/// An export holds at most 10,000 records: 10,000 selected are all exported, one more is
/// refused with 400 (not cut short to the first 10,000), and a narrower selection is served.
#[test]
fn an_export_of_ten_thousand_records_is_whole_and_one_of_more_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("d.db");
    let served = service(
        dir.path(),
        &format!("sqlite://{}?mode=rwc", db.display()),
        &[],
    );
    decide(&served, &with_id("C-900"), "jury");
    // The one record, copied 10,000 times beside itself (ids made unique).
    let connection = rusqlite::Connection::open(&db).unwrap();
    connection
        .execute_batch(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
             INSERT INTO decisions
             SELECT d.id || '-' || n.i, d.decided_at + n.i, d.policy, d.version, d.policy_sha256,
                    d.candidate, d.caller, d.request, d.input_hash, d.decision, d.key_id,
                    d.signature
             FROM decisions AS d, n;",
        )
        .unwrap();
    let export = |query: &str| {
        get(
            &served,
            &format!("/v1/decisions?{query}"),
            Some(RECORDS_TOKEN),
        )
    };
    for format in ["csv", "ndjson"] {
        let refused = export(&format!("format={format}"));
        let problem = refused.problem(400);
        let detail = problem["detail"].as_str().unwrap();
        // The limit as people write it, with its thousands apart.
        assert!(
            detail.contains("more than 10,000 decisions") || detail.contains("plus de 10 000"),
            "{problem}"
        );
    }
    // One record fewer: 10,000, every one exported.
    connection
        .execute("DELETE FROM decisions WHERE id LIKE '%-10000'", [])
        .unwrap();
    let csv = export("format=csv");
    assert_eq!(csv.status, 200, "{}", csv.body);
    assert_eq!(csv.body.lines().count(), 1 + 10_000);
    let ndjson = export("format=ndjson");
    assert_eq!(ndjson.status, 200);
    assert_eq!(ndjson.body.lines().count(), 10_000);
}

/// A receipt signed before the key changed can still be checked: the key set saved before the
/// change, given as `--retired-keys`, is published beside the new key, and `clausier verify`
/// finds the old receipt's key in it. Without it the old receipt names an unknown key; a key
/// set that names a key by another's id is refused at start.
#[test]
fn receipts_signed_before_the_key_changed_still_verify_against_the_retired_keys() {
    let dir = tempfile::tempdir().unwrap();
    let store = format!("sqlite://{}?mode=rwc", dir.path().join("d.db").display());
    let data = |name: &str| dir.path().join(name).display().to_string();
    let before = service(dir.path(), &store, &["--data-dir", &data("a")]);
    let input = with_id("C-300");
    let answered = decide(&before, &input, "jury");
    let id = answered["decision_id"].as_str().unwrap();
    let old = answered["receipt"]["key_id"].as_str().unwrap().to_string();
    let saved = get(&before, "/v1/keys", None).body;
    drop(before);
    let retired = dir.path().join("retired.json");
    std::fs::write(&retired, &saved).unwrap();

    // A new data folder: a new key, the old one retired.
    let after = service(
        dir.path(),
        &store,
        &[
            "--data-dir",
            &data("b"),
            "--retired-keys",
            &retired.display().to_string(),
        ],
    );
    let keys = get(&after, "/v1/keys", None).json();
    let ids: Vec<&str> = keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2, "{keys}");
    assert_ne!(ids[0], old, "the key in use comes first");
    assert_eq!(ids[1], old);
    assert_eq!(verify(&after, &answered, &input), Ok(()));
    let stored = get(&after, &format!("/v1/decisions/{id}"), Some(RECORDS_TOKEN)).body;
    std::fs::write(dir.path().join("receipt.json"), &stored).unwrap();
    let verified = |keys: &str| {
        std::fs::write(dir.path().join("keys.json"), keys).unwrap();
        Command::new(env!("CARGO_BIN_EXE_clausier"))
            .current_dir(dir.path())
            .args(["verify", "receipt.json", "--keys", "keys.json"])
            .output()
            .unwrap()
    };
    let ok = verified(&keys.to_string());
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");
    // The new key alone does not know the old receipt.
    let only_new = json!({"keys": [keys["keys"][0]]}).to_string();
    assert_eq!(verified(&only_new).status.code(), Some(1));
    drop(after);

    // A retired key named by another id is refused: the service does not start.
    let forged = saved.replace(&old, "0123456789abcdef");
    std::fs::write(&retired, forged).unwrap();
    let args = arguments(
        dir.path(),
        &store,
        None,
        &[
            "--data-dir",
            &data("b"),
            "--retired-keys",
            &retired.display().to_string(),
        ],
    );
    let (code, log) =
        crate::serve::refused(&args.iter().map(String::as_str).collect::<Vec<_>>(), &[]);
    assert_eq!(code, Some(2), "{log}");
    assert!(log.contains("has the id"), "{log}");
}
