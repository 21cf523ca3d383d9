//! Drafts and the gate of publication. A draft is checked, listed and diffed, decided by label
//! only when the request says `draft=true`, and never chosen by date. A version whose examples
//! fail is not published: an edited file keeps its last good text served, marked stale with the
//! failures; a version never served is not served; unless that very text was accepted.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::http::{BTS, Reply, TestServer, agent, copy_policies, date, decide, get, post, reply};

pub(crate) const TOKEN: &str = "a-long-enough-test-token";

/// The policies and their examples, copied under a temporary root.
fn with_examples() -> (tempfile::TempDir, PathBuf) {
    let root = tempfile::tempdir().unwrap();
    copy_policies(root.path());
    let tests = root.path().join(BTS).join("tests");
    std::fs::create_dir_all(&tests).unwrap();
    for example in std::fs::read_dir(format!("policies/{BTS}/tests")).unwrap() {
        let example = example.unwrap().path();
        std::fs::copy(&example, tests.join(example.file_name().unwrap())).unwrap();
    }
    let dir = root.path().join(BTS);
    (root, dir)
}

fn admin_server(root: &Path, today: &str) -> TestServer {
    TestServer::start_with(root, date(today), false, |state| {
        state.admin_token = Some(TOKEN.into())
    })
}

/// `PUT /v1/policies/{BTS}/versions/{label}{query}` with `text`, as the administrator.
pub(crate) fn put_version(server: &TestServer, label: &str, query: &str, text: &str) -> Reply {
    let request = ureq::http::Request::builder()
        .method("PUT")
        .uri(format!(
            "{}/v1/policies/{BTS}/versions/{label}{query}",
            server.base
        ))
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("content-type", "text/plain")
        .body(text.to_string())
        .unwrap();
    reply(agent().run(request).unwrap())
}

fn reload(server: &TestServer) -> Value {
    let request = ureq::http::Request::builder()
        .method("POST")
        .uri(format!("{}/v1/admin/reload", server.base))
        .header("authorization", format!("Bearer {TOKEN}"))
        .body(String::new())
        .unwrap();
    let r = reply(agent().run(request).unwrap());
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

/// The status and diagnostic codes of `file` in the policy list.
fn file_status(server: &TestServer, file: &str) -> (String, Vec<String>) {
    let listed = get(server, "/v1/policies").json();
    let files = listed["policies"][0]["files"].as_array().unwrap();
    let f = files.iter().find(|f| f["file"] == file).unwrap();
    let codes = f["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect();
    (f["status"].as_str().unwrap().to_string(), codes)
}

/// A candidate of the session of `year` (2027 or 2028) whose report, complete and on time, has
/// `pages` pages: twelve weeks of internship the summer before.
pub(crate) fn reporting(year: i32, pages: u32) -> Value {
    let (start, end, submitted) = match year {
        2027 => ("2026-05-04", "2026-07-24", "2027-04-09"),
        _ => ("2027-05-03", "2027-07-23", "2028-04-07"),
    };
    json!({
        "candidate": { "pathway": "scolaire" },
        "internship": {
            "periods": [{ "start": start, "end": end,
                          "agreement_signed": true, "host": "Laboratoire de métrologie" }],
            "certificate_provided": true
        },
        "report": {
            "submitted_on": submitted, "pages": pages,
            "parts": ["presentation_entreprise", "analyse_juridique", "activites", "conclusion",
                      "resume_anglais", "demarche_qsse"],
            "legal_analysis_pages": 3, "activities_analysed": 2, "qsse_pages": 3.5,
            "endorsed_by_host": true
        }
    })
}

/// `session-2027` with the page limit raised from 50 to 62: its examples of a 55-page report
/// then fail.
fn raised(dir: &Path) -> String {
    let before = std::fs::read_to_string(dir.join("session-2027.policy")).unwrap();
    format!("{before}\noverride parameter max_report_pages = 62 pages    per \"2.1.3-1\"\n")
}

const DRAFT_2028: &str = "policy bts-metiers-de-la-mesure
version \"session-2028\"
draft
effective from 2027-09-01
extends \"annexe-ivb\"

override parameter report_deadline = 2028-04-14           per \"4-3\"
override parameter exam_date = 2028-05-16                 per \"4-3\"
";

/// The policies with the draft `session-2028` beside them, served on 2027-10-01 (its date
/// has come): the folder (kept while it is served) and the server.
fn with_a_draft() -> (tempfile::TempDir, TestServer) {
    let root = tempfile::tempdir().unwrap();
    copy_policies(root.path());
    let file = root.path().join(BTS).join("session-2028.policy");
    std::fs::write(file, DRAFT_2028).unwrap();
    let server = admin_server(root.path(), "2027-10-01");
    (root, server)
}

fn under(server: &TestServer, query: &str, body: Value) -> Reply {
    post(
        server,
        &format!("/v1/policies/{BTS}/decisions{query}"),
        "application/json",
        body.to_string(),
    )
}

#[test]
fn a_draft_is_listed_and_diffed_but_decides_by_label_only_when_asked() {
    let (_root, server) = with_a_draft();

    let listed = get(&server, "/v1/policies").json();
    let versions = listed["policies"][0]["versions"].as_array().unwrap();
    let flags = |label: &str| {
        let v = versions.iter().find(|v| v["version"] == label).unwrap();
        (v["draft"].clone(), v["in_force"].clone())
    };
    assert_eq!(flags("session-2028"), (json!(true), json!(false)));
    assert_eq!(flags("session-2027"), (json!(false), json!(true)));
    let view = get(
        &server,
        &format!("/v1/policies/{BTS}/versions/session-2028"),
    )
    .json();
    assert_eq!(view["draft"], true);

    // By date, never the draft, though its date has come.
    let today = decide(&server, json!({ "input": reporting(2027, 42) })).json();
    assert_eq!(today["policy"]["version"], "session-2027");
    assert!(
        today["policy"].get("draft").is_none(),
        "{}",
        today["policy"]
    );
    let dated = json!({ "input": reporting(2027, 42), "as_of": "2028-01-01" });
    assert_eq!(
        decide(&server, dated).json()["policy"]["version"],
        "session-2027"
    );

    // By label: refused unless asked in so many words, then marked.
    let by_label = json!({ "input": reporting(2027, 42), "version": "session-2028" });
    let p = under(&server, "", by_label.clone()).problem(409);
    assert!(
        p["type"].as_str().unwrap().ends_with("draft-version"),
        "{p}"
    );
    assert!(p["detail"].as_str().unwrap().contains("?draft=true"), "{p}");
    let d = under(&server, "?draft=true", by_label.clone()).json();
    assert_eq!(
        (d["policy"]["version"].clone(), d["policy"]["draft"].clone()),
        (json!("session-2028"), json!(true))
    );
    under(&server, "?draft=perhaps", by_label).problem(400);
    // Malformed, the flag is refused whatever the version it would not be needed for.
    let in_force = json!({ "input": reporting(2027, 42) });
    under(&server, "?draft=perhaps", in_force.clone()).problem(400);
    let interview = format!("/v1/policies/{BTS}/interview?draft=perhaps");
    post(
        &server,
        &interview,
        "application/json",
        in_force.to_string(),
    )
    .problem(400);

    // The batches say the same, JSON and NDJSON.
    let batch = |query: &str, media: &str, body: String| {
        post(
            &server,
            &format!("/v1/policies/{BTS}/decisions/batch{query}"),
            media,
            body,
        )
    };
    let cohort = json!({ "inputs": [reporting(2027, 42)], "version": "session-2028" });
    batch("", "application/json", cohort.to_string()).problem(409);
    let answered = batch("?draft=true", "application/json", cohort.to_string()).json();
    assert_eq!(
        answered["decisions"][0]["policy"]["draft"], true,
        "{answered}"
    );
    let line = format!("{}\n", reporting(2027, 42));
    batch(
        "?version=session-2028",
        "application/x-ndjson",
        line.clone(),
    )
    .problem(409);
    let streamed = batch(
        "?version=session-2028&draft=true",
        "application/x-ndjson",
        line,
    );
    assert_eq!(streamed.status, 200, "{}", streamed.body);
    let first: Value = serde_json::from_str(streamed.body.lines().next().unwrap()).unwrap();
    assert_eq!(first["policy"]["draft"], true, "{first}");

    // A reviewer compares it with the session in force.
    let diff = get(
        &server,
        &format!("/v1/policies/{BTS}/diff?from=session-2027&to=session-2028"),
    );
    assert_eq!(diff.status, 200, "{}", diff.body);
}

#[test]
fn a_version_in_force_cannot_rest_on_a_draft() {
    let dir = tempfile::tempdir().unwrap();
    let texts = vec![
        (
            "base.policy".to_string(),
            None,
            "policy p\nversion \"base\"\ndraft\neffective from 2026-09-01\n\nclause \"1\" section \"s\"\n  | Un.\ninput x: integer\nconclusion c: integer\n  rule r gives x per \"1\"\n".to_string(),
        ),
        (
            "next.policy".to_string(),
            None,
            "policy p\nversion \"next\"\neffective from 2027-09-01\nextends \"base\"\n".to_string(),
        ),
    ];
    let folder = clausier::load::check_texts(dir.path().to_path_buf(), texts);
    let found: Vec<_> = folder
        .all_diagnostics()
        .filter(|d| d.code == "extends-draft")
        .collect();
    assert_eq!(
        found.len(),
        1,
        "{:?}",
        folder.all_diagnostics().collect::<Vec<_>>()
    );
    let rendered = found[0].render(&folder.sources, false);
    assert!(
        rendered.contains("version `next` is not a draft but extends `base`, a draft"),
        "{rendered}"
    );
    assert!(rendered.contains("publish the draft first"), "{rendered}");
}

#[test]
fn an_edit_whose_examples_fail_keeps_the_last_good_text_served_marked_stale() {
    let (root, dir) = with_examples();
    let server = admin_server(root.path(), "2026-11-28");
    let conformity = || {
        let d = under(&server, "", json!({ "input": reporting(2027, 55) })).json();
        (
            d["conclusions"]["report_conformity"]["value"].clone(),
            d["policy"]["stale"].clone(),
        )
    };
    assert_eq!(conformity(), (json!("non_conforme"), Value::Null));

    std::fs::write(dir.join("session-2027.policy"), raised(&dir)).unwrap();
    let reloaded = reload(&server);
    assert_eq!(reloaded["failed_files"], 1, "{reloaded}");
    let (status, codes) = file_status(&server, "session-2027.policy");
    assert_eq!(status, "stale");
    assert!(
        !codes.is_empty() && codes.iter().all(|c| c == "example-failed"),
        "{codes:?}"
    );
    // The last good text decides, and says it is stale.
    assert_eq!(conformity(), (json!("non_conforme"), json!(true)));

    // That very text accepted (as `clausier publish --accept-failing-examples` records it),
    // it is served.
    let edited = clausier::load::load_folder(&dir).unwrap();
    let sha256 = edited.version("session-2027").unwrap().sha256.clone();
    clausier::gate::accept(&dir, "session-2027", &sha256, 4, "a test").unwrap();
    reload(&server);
    assert_eq!(file_status(&server, "session-2027.policy").0, "ok");
    assert_eq!(conformity(), (json!("conforme"), Value::Null));
}

#[test]
fn a_service_started_on_a_text_whose_examples_fail_does_not_serve_it() {
    use clausier::server::store::Store;
    let (root, dir) = with_examples();
    std::fs::write(dir.join("session-2027.policy"), raised(&dir)).unwrap();
    let store = Store::open(root.path());
    let set = store.snapshot();
    let entry = &set.policies[BTS];
    assert!(!entry.versions.contains_key("session-2027"));
    assert!(entry.versions.contains_key("session-2026"));
    let file = entry
        .files
        .iter()
        .find(|f| f.file == "session-2027.policy")
        .unwrap();
    assert_eq!(file.status, clausier::server::store::LoadStatus::Error);
    assert!(file.diagnostics.iter().any(|d| d.code == "example-failed"));

    // On a date it would be in force, nothing stands in for it: the session before does not
    // decide in its place.
    let server = admin_server(root.path(), "2026-11-28");
    let p = under(&server, "", json!({ "input": reporting(2027, 42) })).problem(503);
    assert!(
        p["type"].as_str().unwrap().ends_with("version-withheld"),
        "{p}"
    );
    assert!(
        p["detail"].as_str().unwrap().contains("`session-2027`"),
        "{p}"
    );
    let by_label = json!({ "input": reporting(2027, 42), "version": "session-2027" });
    under(&server, "", by_label).problem(503);
    let before = json!({ "input": reporting(2027, 42), "as_of": "2026-08-31" });
    assert_eq!(
        under(&server, "", before).json()["policy"]["version"],
        "session-2026"
    );
    let listed = get(&server, "/v1/policies").json();
    let versions = listed["policies"][0]["versions"].as_array().unwrap();
    assert!(
        versions.iter().all(|v| v["in_force"] == false),
        "{versions:?}"
    );
    // A reviewer still reads it.
    let view = get(
        &server,
        &format!("/v1/policies/{BTS}/versions/session-2027"),
    );
    assert_eq!(view.status, 200, "{}", view.body);

    // The operator may serve it all the same, in so many words.
    let accepting = Store::open_accepting(root.path(), None, true);
    assert!(
        accepting.snapshot().policies[BTS]
            .versions
            .contains_key("session-2027")
    );
}

#[test]
fn a_layer_whose_examples_fail_refuses_the_versions_that_extend_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("tests")).unwrap();
    let examples = json!([
        { "name": "base gives 2", "version": "base", "input": { "x": 1 },
          "expect": { "c": { "value": 2 } } },
        { "name": "next gives 1", "version": "next", "input": { "x": 1 },
          "expect": { "c": { "value": 1 } } },
        { "name": "a draft may fail", "version": "draft", "input": { "x": 1 },
          "expect": { "c": { "value": 99 } } }
    ]);
    std::fs::write(dir.path().join("tests/examples.json"), examples.to_string()).unwrap();
    let base = "policy p\nversion \"base\"\neffective from 2026-09-01\n\nclause \"1\" section \"s\"\n  | Un.\ninput x: integer\nconclusion c: integer\n  rule r gives x per \"1\"\n";
    let next = "policy p\nversion \"next\"\neffective from 2027-09-01\nextends \"base\"\n";
    let draft = "policy p\nversion \"draft\"\ndraft\neffective from 2028-09-01\nextends \"base\"\n";
    let texts = [
        ("base.policy", base),
        ("next.policy", next),
        ("draft.policy", draft),
    ]
    .map(|(name, text)| (name.to_string(), None, text.to_string()))
    .to_vec();
    let folder = clausier::load::check_texts(dir.path().to_path_buf(), texts);
    assert!(
        folder.is_ok(),
        "{:?}",
        folder.all_diagnostics().collect::<Vec<_>>()
    );
    let refused = clausier::gate::refused(&folder, &Default::default());
    let labels: Vec<&str> = refused.keys().map(String::as_str).collect();
    assert_eq!(labels, ["base", "next"], "{refused:?}");
    assert!(refused["next"][0].found.contains("`base` is refused"));
    // Accepted, the base is published, and what extends it with it.
    let accepted = [folder.version("base").unwrap().sha256.clone()].into();
    assert!(clausier::gate::refused(&folder, &accepted).is_empty());
}

#[cfg_attr(
    clausier_no_browser,
    ignore = "chromium is not installed (apt-get install -y chromium)"
)]
#[test]
fn the_page_marks_a_draft_and_the_decisions_made_under_it() {
    use crate::browser::{chromium, contains_all, in_address, open};
    let Some(chromium) = chromium() else { return };
    let (_root, server) = with_a_draft();

    let list = open(
        &chromium,
        &format!("{}/ui/", server.base),
        "draft-list",
        900,
    );
    let row = list
        .split("<tr>")
        .find(|r| r.contains(">session-2028</a>"))
        .unwrap();
    assert!(row.contains("badge warn\">projet</span>"), "{row}");
    assert!(!row.contains("en vigueur aujourd’hui"), "{row}");

    let url = format!("{}/ui/#/p/{BTS}/v/session-2028", server.base);
    let version = open(&chromium, &url, "draft-version", 900);
    contains_all(
        &version,
        &["Cette version est un projet", "n’est jamais en vigueur"],
    );

    // Chosen in the menu, where it says « projet », the draft decides, and the decision says so.
    let record = in_address(&reporting(2028, 42));
    let url = format!(
        "{}/ui/#/p/{BTS}/decide?version=session-2028&input={record}",
        server.base
    );
    let decided = open(&chromium, &url, "draft-decision", 1400);
    contains_all(
        &decided,
        &[
            "— projet</option>",
            "Décision rendue selon un projet",
            "report_conformity",
        ],
    );
}

#[test]
fn a_change_to_the_examples_alone_is_judged_at_the_next_reload() {
    use clausier::server::store::Store;
    let (root, dir) = with_examples();
    let report = dir.join("tests/report.json");
    let good = std::fs::read_to_string(&report).unwrap();
    // The first example of a conforming 2027 report, now expected non-conforming.
    let wrong = good.replacen("\"value\": \"conforme\"", "\"value\": \"non_conforme\"", 1);
    assert_ne!(wrong, good);
    // The watcher sees it: what the tree's fingerprint stamps changes with the examples.
    let store = Store::open(root.path());
    let stamped = store.tree().fingerprint();
    std::fs::write(&report, &wrong).unwrap();
    assert_ne!(store.tree().fingerprint(), stamped);
    drop(store);
    std::fs::write(&report, &good).unwrap();

    let server = admin_server(root.path(), "2026-11-28");
    std::fs::write(&report, &wrong).unwrap();
    reload(&server);
    let (status, codes) = file_status(&server, "session-2027.policy");
    assert_eq!(status, "stale");
    assert!(codes.contains(&"example-failed".to_string()), "{codes:?}");
    std::fs::write(&report, &good).unwrap();
    reload(&server);
    assert_eq!(file_status(&server, "session-2027.policy").0, "ok");

    // An examples file that cannot be read gates nothing, and is reported.
    std::fs::write(dir.join("tests/broken.json"), "[{").unwrap();
    reload(&server);
    assert_eq!(file_status(&server, "session-2027.policy").0, "ok");
    assert_eq!(file_status(&server, "tests/broken.json").0, "error");
}

#[test]
fn an_upload_accepted_with_failing_examples_is_recorded_and_does_not_block_the_next() {
    let (root, dir) = with_examples();
    let server = admin_server(root.path(), "2026-11-28");
    let put = |label: &str, query: &str, text: &str| put_version(&server, label, query, text);
    let raised = raised(&dir);
    put("session-2027", "", &raised).problem(422);
    let written = put("session-2027", "?accept_failing_examples=true", &raised);
    assert_eq!(written.status, 200, "{}", written.body);
    // Recorded for that text: the sha256 served, by whom.
    let served = written.json()["sha256"].as_str().unwrap().to_string();
    let accepted = clausier::gate::read_acceptances(&dir).unwrap();
    assert_eq!(accepted.len(), 1, "{accepted:?}");
    assert_eq!(
        (accepted[0].version.as_str(), accepted[0].sha256.as_str()),
        ("session-2027", served.as_str())
    );
    assert_eq!(accepted[0].by, "administration API");
    assert!(accepted[0].failing > 0);
    let d = under(&server, "", json!({ "input": reporting(2027, 55) })).json();
    assert_eq!(d["conclusions"]["report_conformity"]["value"], "conforme");
    // The next upload, a draft, is judged on what it changes alone.
    let draft = put("session-2028", "", DRAFT_2028);
    assert_eq!(draft.status, 200, "{}", draft.body);
    // An acceptances file that cannot be read is not overwritten.
    std::fs::write(dir.join(clausier::gate::ACCEPTED), "[{").unwrap();
    assert!(clausier::gate::accept(&dir, "x", "y", 1, "a test").is_err());
    assert_eq!(
        std::fs::read_to_string(dir.join(clausier::gate::ACCEPTED)).unwrap(),
        "[{"
    );
}

#[test]
fn clausier_publish_refuses_while_an_example_fails_unless_accepted() {
    let (root, dir) = with_examples();
    let draft = raised(&dir).replacen(
        "version \"session-2027\"\n",
        "version \"session-2027\"\ndraft\n",
        1,
    );
    std::fs::write(dir.join("session-2027.policy"), &draft).unwrap();
    let publish = |extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_clausier"))
            .arg("publish")
            .arg(&dir)
            .arg("session-2027")
            .args(extra)
            .output()
            .unwrap()
    };
    let refused = publish(&[]);
    assert_eq!(refused.status.code(), Some(1), "{refused:?}");
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("FAIL ") && said.contains("not published"),
        "{said}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("session-2027.policy")).unwrap(),
        draft
    );
    assert!(!dir.join(clausier::gate::ACCEPTED).exists());

    let accepted = publish(&["--accept-failing-examples"]);
    assert_eq!(accepted.status.code(), Some(0), "{accepted:?}");
    let text = std::fs::read_to_string(dir.join("session-2027.policy")).unwrap();
    assert!(!text.contains("\ndraft\n"));
    let recorded = clausier::gate::read_acceptances(&dir).unwrap();
    assert_eq!(recorded.len(), 1);
    // The service serves that very text.
    let store = clausier::server::store::Store::open(root.path());
    let served = &store.snapshot().policies[BTS].versions["session-2027"];
    assert_eq!(served.sha256, recorded[0].sha256);
}

#[test]
fn a_version_in_force_is_made_a_draft_again_only_when_withdrawn_in_so_many_words() {
    let root = tempfile::tempdir().unwrap();
    copy_policies(root.path());
    let dir = root.path().join(BTS);
    let server = admin_server(root.path(), "2026-11-28");
    let text = std::fs::read_to_string(dir.join("session-2027.policy")).unwrap();
    let drafted = text.replacen(
        "version \"session-2027\"\n",
        "version \"session-2027\"\ndraft\n",
        1,
    );
    assert_ne!(drafted, text);
    let p = put_version(&server, "session-2027", "", &drafted).problem(409);
    assert!(
        p["detail"].as_str().unwrap().contains("?withdraw=true"),
        "{p}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("session-2027.policy")).unwrap(),
        text
    );
    let today = json!({ "input": reporting(2027, 42) });
    assert_eq!(
        under(&server, "", today.clone()).json()["policy"]["version"],
        "session-2027"
    );
    let withdrawn = put_version(&server, "session-2027", "?withdraw=true", &drafted);
    assert_eq!(withdrawn.status, 200, "{}", withdrawn.body);
    assert_eq!(
        under(&server, "", today).json()["policy"]["version"],
        "session-2026"
    );
}
