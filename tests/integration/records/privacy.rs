//! What a record leaves behind: hashed inputs under one salt that replicas share, an erasure
//! that no queued record outlives and whose rows stay neither in the database file nor in its
//! log, and files only their owner reads.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::json;

use super::{ADMIN_TOKEN, RECORDS_TOKEN, decide, get, send, service, with_id};
use crate::http::{agent, reply};
use crate::serve::refused;

/// A salt of 32 bytes, in hex, in `dir/salt`.
fn salt_file(dir: &Path) -> String {
    let path = dir.join("salt");
    std::fs::write(
        &path,
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n",
    )
    .unwrap();
    path.display().to_string()
}

#[test]
fn replicas_given_one_salt_file_find_replay_and_erase_each_others_hashed_records() {
    let dir = tempfile::tempdir().unwrap();
    let store = format!("sqlite://{}?mode=rwc", dir.path().join("d.db").display());
    let salt = salt_file(dir.path());
    let (data_a, data_b) = (dir.path().join("a"), dir.path().join("b"));
    let replica = |data: &Path| {
        service(
            dir.path(),
            &store,
            &[
                "--keep-inputs",
                "hashed",
                "--input-salt-file",
                &salt,
                "--data-dir",
                &data.display().to_string(),
            ],
        )
    };
    let (a, b) = (replica(&data_a), replica(&data_b));
    let input = with_id("C-110");
    let answered = decide(&a, &input, "jury");
    let id = answered["decision_id"].as_str().unwrap();
    let found = get(&b, "/v1/decisions?candidate=C-110", Some(RECORDS_TOKEN)).json();
    assert_eq!(found["decisions"][0]["decision_id"], id, "{found}");
    let replayed = send(
        &b,
        "POST",
        &format!("/v1/decisions/{id}/replay"),
        Some(RECORDS_TOKEN),
        Some(&json!({"input": input})),
    );
    assert_eq!(replayed.status, 200, "{}", replayed.body);
    assert_eq!(replayed.json()["reproduced"], true);
    assert!(!data_a.join("input-salt").exists() && !data_b.join("input-salt").exists());

    // `clausier replay` takes the same salt; a data folder without one is refused, not given
    // a new salt that would match no record.
    std::fs::write(dir.path().join("input.json"), input.to_string()).unwrap();
    let replay = |salt: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_clausier"))
            .args(["replay", id, "--store", &store, "--policies"])
            .arg(dir.path().join("policies"))
            .args(["--version", "session-2027", "--input"])
            .arg(dir.path().join("input.json"))
            .args(salt)
            .output()
            .unwrap()
    };
    let out = replay(&["--input-salt-file", &salt]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let out = replay(&["--data-dir", &empty.display().to_string()]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("no salt of hashed inputs there"), "{said}");
    assert!(!empty.join("input-salt").exists());
    let out = replay(&[]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("give the salt"));

    let erased = send(
        &b,
        "DELETE",
        "/v1/decisions?candidate=C-110",
        Some(ADMIN_TOKEN),
        None,
    );
    assert_eq!(erased.json()["deleted"], 1, "{}", erased.body);
}

#[test]
fn a_salt_too_short_or_not_hex_or_without_hashed_inputs_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let short = dir.path().join("short");
    std::fs::write(&short, "00112233445566778899aabbccddee").unwrap();
    let words = dir.path().join("words");
    std::fs::write(&words, "a passphrase that is long enough").unwrap();
    let run = |file: &Path, keep: &str| {
        refused(
            &[
                "--policies",
                "policies",
                "--addr",
                "127.0.0.1:0",
                "--keep-inputs",
                keep,
                "--input-salt-file",
                &file.display().to_string(),
            ],
            &[],
        )
    };
    let (code, said) = run(&short, "hashed");
    assert_eq!(code, Some(2), "{said}");
    assert!(said.contains("holds 15 bytes, fewer than 16"), "{said}");
    let (code, said) = run(&words, "hashed");
    assert_eq!(code, Some(2), "{said}");
    assert!(said.contains("the salt is not hex"), "{said}");
    let (code, said) = run(&short, "full");
    assert_eq!(code, Some(2), "{said}");
    assert!(said.contains("inputs are kept in full"), "{said}");
}

/// Whether `text` is in the bytes of `file` (false when there is no such file).
fn holds(file: &Path, text: &str) -> bool {
    let bytes = std::fs::read(file).unwrap_or_default();
    bytes.windows(text.len()).any(|w| w == text.as_bytes())
}

#[test]
fn an_erasure_waits_for_the_records_queued_before_it_and_leaves_nothing_in_the_files() {
    const CANDIDATE: &str = "ERASE-ME-4711";
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("d.db");
    let store = format!("sqlite://{}?mode=rwc", db.display());
    let served = service(dir.path(), &store, &["--store-wait-ms", "100"]);
    decide(&served, &with_id(CANDIDATE), "jury");
    // The store refuses the candidate's next record for a moment: it stays queued, the writer
    // trying its batch again.
    let held = rusqlite::Connection::open(&db).unwrap();
    held.busy_timeout(Duration::from_secs(5)).unwrap();
    // (The trigger names the caller, not the candidate: its text stays in the file.)
    held.execute_batch(
        "CREATE TRIGGER held BEFORE INSERT ON decisions WHEN NEW.caller = 'held-back' \
         BEGIN SELECT RAISE(ABORT, 'held for the test'); END;",
    )
    .unwrap();
    decide(&served, &with_id(CANDIDATE), "held-back");
    served.wait_log("the record refused", |l| l.contains("refused a batch"));
    // The erasure asked now deletes it too: it waits for the record queued before it.
    let url = format!("{}/v1/decisions?candidate={CANDIDATE}", served.base());
    let erasing = std::thread::spawn(move || {
        reply(
            agent()
                .delete(url)
                .header("authorization", format!("Bearer {ADMIN_TOKEN}"))
                .call()
                .unwrap(),
        )
    });
    std::thread::sleep(Duration::from_millis(100));
    held.execute_batch("DROP TRIGGER held;").unwrap();
    let erased = erasing.join().unwrap();
    assert_eq!(erased.status, 200, "{}", erased.body);
    assert_eq!(erased.json()["deleted"], 2, "{}", served.log());
    assert_eq!(served.metric("clausier_records_written_total"), 2.0);
    let left = get(
        &served,
        &format!("/v1/decisions?candidate={CANDIDATE}"),
        Some(RECORDS_TOKEN),
    )
    .json();
    assert_eq!(left["decisions"], json!([]));
    // Nothing of the candidate stays in the file (deleted rows are overwritten) nor in its log
    // (emptied after the erasure).
    let wal = dir.path().join("d.db-wal");
    assert!(
        !holds(&db, CANDIDATE),
        "the database file still holds the candidate"
    );
    assert!(!holds(&wal, CANDIDATE), "the log still holds the candidate");
    drop(held);
}

#[test]
fn an_erasure_that_outwaits_a_held_store_deletes_nothing_and_the_next_one_deletes_all() {
    const CANDIDATE: &str = "ERASE-LATER-815";
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("d.db");
    let store = format!("sqlite://{}?mode=rwc", db.display());
    let served = service(
        dir.path(),
        &store,
        &["--store-wait-ms", "100", "--erase-wait-ms", "300"],
    );
    decide(&served, &with_id(CANDIDATE), "first");
    // Another process holds the database's write lock: the writer's next batch waits for it
    // (SQLite's busy wait, then the batch's four tries), far longer than the erasure may.
    let held = rusqlite::Connection::open(&db).unwrap();
    held.execute_batch("BEGIN EXCLUSIVE;").unwrap();
    decide(&served, &with_id(CANDIDATE), "second");
    let path = format!("/v1/decisions?candidate={CANDIDATE}");
    let refused = agent()
        .delete(format!("{}{path}", served.base()))
        .header("authorization", format!("Bearer {ADMIN_TOKEN}"))
        .call()
        .unwrap();
    // When to ask again: the writer tries the held batch again within a second.
    assert_eq!(refused.headers()["retry-after"], "1");
    let refused = reply(refused);
    assert_eq!(refused.status, 503, "{}", refused.body);
    assert_eq!(
        refused.json()["type"],
        "urn:clausier:problem:records-pending",
        "{}",
        refused.body
    );
    // Nothing was deleted: the first record, written before the lock, is still there.
    held.execute_batch("COMMIT;").unwrap();
    drop(held);
    let listed = |served: &crate::serve::Served| {
        get(served, &path, Some(RECORDS_TOKEN)).json()["decisions"]
            .as_array()
            .map(Vec::len)
    };
    let started = std::time::Instant::now();
    while served.metric("clausier_records_written_total") < 2.0 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{}",
            served.log()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(listed(&served), Some(2), "{}", served.log());
    // Asked again once the store answers, the erasure deletes both, the held one included.
    let erased = send(&served, "DELETE", &path, Some(ADMIN_TOKEN), None);
    assert_eq!(erased.status, 200, "{}", erased.body);
    assert_eq!(erased.json()["deleted"], 2, "{}", served.log());
    assert_eq!(listed(&served), Some(0));
}

#[cfg(unix)]
#[test]
fn the_data_folder_and_the_files_of_the_records_are_their_owners_alone() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("made/data");
    let served = service(
        dir.path(),
        "sqlite",
        &[
            "--data-dir",
            &data.display().to_string(),
            "--keep-inputs",
            "hashed",
        ],
    );
    decide(&served, &with_id("C-120"), "jury");
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700, "{}", data.display());
    for file in [
        "decisions.db",
        "decisions.db-wal",
        "decisions.db-shm",
        "input-salt",
        "receipt-key.pem",
    ] {
        assert_eq!(mode(&data.join(file)), 0o600, "{file}");
    }
}

/// The hashed record as the SQLite file holds it: every column of its row, as text.
pub(super) fn raw_row(db: &Path, id: &str) -> Vec<String> {
    let connection = rusqlite::Connection::open(db).unwrap();
    let mut statement = connection
        .prepare("SELECT * FROM decisions WHERE id = ?1")
        .unwrap();
    let columns = statement.column_count();
    statement
        .query_row([id], |row| {
            Ok((0..columns)
                .map(|i| match row.get_ref(i).unwrap() {
                    rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                    other => format!("{other:?}"),
                })
                .collect())
        })
        .unwrap()
}
