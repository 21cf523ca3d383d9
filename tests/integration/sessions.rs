//! Preparing a new session as an exam office does: `clausier new-version` writes the layer with
//! what it must set, `clausier check` names what is still unset, and once filled the new version
//! decides from its effective date.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use crate::http::{BTS, candidate, copy_policies};

fn clausier(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clausier"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn a_new_session_is_written_ready_to_fill_then_decides_from_its_date() {
    let dir = tempfile::tempdir().unwrap();
    copy_policies(&dir.path().join("policies"));
    let folder = format!("policies/{BTS}");
    let made = clausier(
        dir.path(),
        &[
            "new-version",
            &folder,
            "session-2028",
            "--effective-from",
            "2027-09-01",
        ],
    );
    assert_eq!(made.status.code(), Some(0), "{made:?}");
    let file = dir.path().join(&folder).join("session-2028.policy");
    let text = std::fs::read_to_string(&file).unwrap();
    // The header, over the annex the last session extends, and what the session must set.
    for line in [
        "policy bts-metiers-de-la-mesure\n",
        "version \"session-2028\"\n",
        "effective from 2027-09-01\n",
        "extends \"annexe-ivb\"\n",
        "# override parameter report_deadline = ?    per \"4-3\"    # date\n",
        "# override parameter exam_date = ?    per \"4-3\"    # date\n",
        "# override parameter exam_date = 2027-05-18                 per \"4-3\"\n",
    ] {
        assert!(text.contains(line), "{line:?} missing from:\n{text}");
    }

    // As written, it checks, and `check` names what is still unset.
    let checked = clausier(dir.path(), &["check", &folder]);
    assert_eq!(checked.status.code(), Some(0), "{checked:?}");
    let said = String::from_utf8_lossy(&checked.stderr);
    assert!(
        said.contains("note: version `session-2028` leaves `report_deadline`, `exam_date` unset"),
        "{said}"
    );

    // Filled in, nothing is left unset and the examples still pass.
    let filled = text
        .replace(
            "# override parameter report_deadline = ?",
            "override parameter report_deadline = 2028-04-14",
        )
        .replace(
            "# override parameter exam_date = ?",
            "override parameter exam_date = 2028-05-16",
        );
    std::fs::write(&file, filled).unwrap();
    let checked = clausier(dir.path(), &["check", &folder]);
    assert_eq!(checked.status.code(), Some(0), "{checked:?}");
    assert!(!String::from_utf8_lossy(&checked.stderr).contains("note:"));
    let tested = clausier(dir.path(), &["test", &folder]);
    assert_eq!(tested.status.code(), Some(0), "{tested:?}");

    // The new version decides from its effective date, the last one until then.
    std::fs::write(dir.path().join("c.json"), candidate().to_string()).unwrap();
    let version_on = |day: &str| {
        let out = clausier(dir.path(), &["eval", &folder, "c.json", "--as-of", day]);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let d: Value = serde_json::from_slice(&out.stdout).unwrap();
        d["policy"]["version"].as_str().unwrap().to_string()
    };
    assert_eq!(version_on("2027-08-31"), "session-2027");
    assert_eq!(version_on("2027-09-01"), "session-2028");

    // A label taken, or the date of another version (a copied header), is refused.
    let again = clausier(
        dir.path(),
        &[
            "new-version",
            &folder,
            "session-2028",
            "--effective-from",
            "2028-09-01",
        ],
    );
    assert_eq!(again.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already has a version `session-2028`")
    );
    let copied = clausier(
        dir.path(),
        &[
            "new-version",
            &folder,
            "session-2029",
            "--effective-from",
            "2027-09-01",
        ],
    );
    assert_eq!(copied.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&copied.stderr)
            .contains("`session-2028` already takes effect on 2027-09-01"),
        "{copied:?}"
    );
    assert!(
        !dir.path()
            .join(&folder)
            .join("session-2029.policy")
            .exists()
    );
}
