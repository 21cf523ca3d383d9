//! Preparing a new session as an exam office does: `clausier new-version` writes the layer, a
//! draft, with what it must set; `clausier check` names what is still unset; the draft is
//! tested and diffed but never in force; once published (`clausier publish`, or an upload
//! through the administration API), refused while one of its examples fails, the new version
//! decides from its effective date.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{Value, json};

use crate::http::{BTS, TestServer, candidate, copy_policies, date, decide, get};
use crate::publishing::{TOKEN, put_version, reporting};

fn clausier(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clausier"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

/// The policies copied under a temporary folder, and `session-2028` written there by
/// `clausier new-version`: the folder, the policy's folder (relative) and the new file.
fn new_session() -> (tempfile::TempDir, String, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    copy_policies(&dir.path().join("policies"));
    let folder = format!("policies/{BTS}");
    let args = [
        "new-version",
        &folder,
        "session-2028",
        "--effective-from",
        "2027-09-01",
    ];
    let made = clausier(dir.path(), &args);
    assert_eq!(made.status.code(), Some(0), "{made:?}");
    let file = dir.path().join(&folder).join("session-2028.policy");
    (dir, folder, file)
}

/// The layer `new-version` wrote with the two dates the session sets filled in.
fn filled_in(text: &str) -> String {
    text.replace(
        "# override parameter report_deadline = ?",
        "override parameter report_deadline = 2028-04-14",
    )
    .replace(
        "# override parameter exam_date = ?",
        "override parameter exam_date = 2028-05-16",
    )
}

#[test]
fn a_new_session_is_written_ready_to_fill_then_decides_from_its_date() {
    let (dir, folder, file) = new_session();
    let text = std::fs::read_to_string(&file).unwrap();
    // The header, over the annex the last session extends, and what the session must set.
    for line in [
        "policy bts-metiers-de-la-mesure\n",
        "version \"session-2028\"\ndraft\n",
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
    let filled = filled_in(&text);
    std::fs::write(&file, filled).unwrap();
    let checked = clausier(dir.path(), &["check", &folder]);
    assert_eq!(checked.status.code(), Some(0), "{checked:?}");
    assert!(!String::from_utf8_lossy(&checked.stderr).contains("note:"));
    let tested = clausier(dir.path(), &["test", &folder]);
    assert_eq!(tested.status.code(), Some(0), "{tested:?}");

    // A draft is never in force; it decides by label only when asked in so many words.
    std::fs::write(dir.path().join("c.json"), candidate().to_string()).unwrap();
    let version_on = |day: &str| {
        let out = clausier(dir.path(), &["eval", &folder, "c.json", "--as-of", day]);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let d: Value = serde_json::from_slice(&out.stdout).unwrap();
        d["policy"]["version"].as_str().unwrap().to_string()
    };
    assert_eq!(version_on("2027-09-01"), "session-2027");
    let by_label = ["eval", &folder, "c.json", "--version", "session-2028"];
    let refused = clausier(dir.path(), &by_label);
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    assert!(
        String::from_utf8_lossy(&refused.stderr)
            .contains("`session-2028` is a draft, not in force: add --draft"),
        "{refused:?}"
    );
    let drafted = clausier(dir.path(), &[&by_label[..], &["--draft"]].concat());
    assert_eq!(drafted.status.code(), Some(0), "{drafted:?}");
    let d: Value = serde_json::from_slice(&drafted.stdout).unwrap();
    assert_eq!(d["policy"]["draft"], true);

    // Published, the new version decides from its effective date, the last one until then.
    let published = clausier(dir.path(), &["publish", &folder, "session-2028"]);
    assert_eq!(published.status.code(), Some(0), "{published:?}");
    assert!(
        String::from_utf8_lossy(&published.stdout).contains("published `session-2028`")
            && String::from_utf8_lossy(&published.stdout).contains("in force from 2027-09-01"),
        "{published:?}"
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(!text.contains("\ndraft\n"), "{text}");
    assert_eq!(version_on("2027-08-31"), "session-2027");
    assert_eq!(version_on("2027-09-01"), "session-2028");
    let again = clausier(dir.path(), &["publish", &folder, "session-2028"]);
    assert_eq!(again.status.code(), Some(0), "{again:?}");
    assert!(String::from_utf8_lossy(&again.stdout).contains("is not a draft: nothing to publish"));

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

/// The whole path of a new session, as an exam office walks it: `new-version` → fill →
/// `check` → examples → diff and impact → publication through the administration API, refused
/// while an example fails and accepted once the text is fixed → the new version decides from
/// its effective date.
#[test]
fn a_session_goes_from_draft_to_rule_in_force_through_the_gate_of_its_examples() {
    let (dir, folder, file) = new_session();
    let policies = dir.path().join("policies");
    let draft = filled_in(&std::fs::read_to_string(&file).unwrap());
    std::fs::write(&file, &draft).unwrap();
    let checked = clausier(dir.path(), &["check", &folder]);
    assert_eq!(checked.status.code(), Some(0), "{checked:?}");

    // The office writes what the session must decide: from 2028 a 55-page report conforms.
    let tests = dir.path().join(&folder).join("tests");
    std::fs::create_dir_all(&tests).unwrap();
    let example = serde_json::json!([{
        "name": "a 55-page report conforms from the 2028 session",
        "version": "session-2028",
        "input": reporting(2028, 55),
        "expect": { "report_conformity": { "value": "conforme" } }
    }]);
    std::fs::write(tests.join("session-2028.json"), example.to_string()).unwrap();
    // The text does not say so yet: the example fails, which a draft may.
    let tested = clausier(dir.path(), &["test", &folder]);
    assert_eq!(tested.status.code(), Some(1), "{tested:?}");
    assert!(String::from_utf8_lossy(&tested.stdout).contains("a 55-page report conforms"));

    // Diff and impact against the session before, on the office's case.
    let cases = dir.path().join("cases");
    std::fs::create_dir_all(&cases).unwrap();
    std::fs::write(cases.join("55-pages.json"), reporting(2028, 55).to_string()).unwrap();
    let amended =
        format!("{draft}\noverride parameter max_report_pages = 62 pages    per \"2.1.3-1\"\n");
    std::fs::write(&file, &amended).unwrap();
    let diffed = clausier(
        dir.path(),
        &[
            "diff",
            &format!("{folder}@session-2027"),
            &format!("{folder}@session-2028"),
            "--cases",
            "cases",
            "--format",
            "json",
        ],
    );
    assert_eq!(diffed.status.code(), Some(0), "{diffed:?}");
    let review: Value = serde_json::from_slice(&diffed.stdout).unwrap();
    let parameters = review["diff"]["parameters"].as_array().unwrap();
    assert!(
        parameters.iter().any(|p| p["name"] == "max_report_pages"),
        "{parameters:?}"
    );
    let changed = &review["impact"]["changed"][0];
    assert_eq!(changed["case"], "55-pages", "{review}");
    let conformity = changed["conclusions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["conclusion"] == "report_conformity")
        .unwrap();
    assert_eq!(conformity["old"]["value"], "non_conforme");
    assert_eq!(conformity["new"]["value"], "conforme");
    std::fs::write(&file, &draft).unwrap();

    // Served, the draft is listed as such and nothing decides under it by date.
    let server = TestServer::start_with(&policies, date("2027-10-01"), false, |state| {
        state.admin_token = Some(TOKEN.into())
    });
    let listed = get(&server, "/v1/policies").json();
    let versions = listed["policies"][0]["versions"].as_array().unwrap();
    let drafted = versions
        .iter()
        .find(|v| v["version"] == "session-2028")
        .unwrap();
    assert_eq!(
        (drafted["draft"].clone(), drafted["in_force"].clone()),
        (json!(true), json!(false))
    );
    let decided = decide(&server, json!({ "input": reporting(2028, 55) })).json();
    assert_eq!(decided["policy"]["version"], "session-2027");

    // Published through the administration API with its example failing: refused.
    let publish = |text: &str| put_version(&server, "session-2028", "", text);
    let published = draft.replace("\ndraft\n", "\n");
    let p = publish(&published).problem(422);
    assert!(
        p["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "example-failed"
                && d["message"]
                    .as_str()
                    .unwrap()
                    .contains("a 55-page report conforms")),
        "{p}"
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        draft,
        "nothing written"
    );
    // Fixed, it is accepted and decides from its effective date.
    let fixed = amended.replace("\ndraft\n", "\n");
    let written = publish(&fixed);
    assert_eq!(written.status, 200, "{}", written.body);
    let under = |as_of: &str| {
        let d = decide(
            &server,
            json!({ "input": reporting(2028, 55), "as_of": as_of }),
        )
        .json();
        (
            d["policy"]["version"].clone(),
            d["conclusions"]["report_conformity"]["value"].clone(),
        )
    };
    assert_eq!(
        under("2027-08-31"),
        (json!("session-2027"), json!("non_conforme"))
    );
    assert_eq!(
        under("2027-09-01"),
        (json!("session-2028"), json!("conforme"))
    );
    let tested = clausier(dir.path(), &["test", &folder]);
    assert_eq!(tested.status.code(), Some(0), "{tested:?}");
}
