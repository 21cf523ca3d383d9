//! The administration routes and the request limits, over real HTTP.

use std::path::Path;

use serde_json::json;

use crate::http::{
    Reply, TestServer, agent, candidate, copy_policies, date, decide, get, post, reply,
};

const BTS: &str = "bts-metiers-de-la-mesure";
const TOKEN: &str = "a-long-enough-test-token";

fn send(server: &TestServer, method: &str, path: &str, token: Option<&str>, body: &str) -> Reply {
    let url = format!("{}{path}", server.base);
    let request = ureq::http::Request::builder()
        .method(method)
        .uri(url)
        .header("content-type", "text/plain");
    let request = match token {
        Some(t) => request.header("authorization", format!("Bearer {t}")),
        None => request,
    };
    reply(
        agent()
            .run(request.body(body.to_string()).unwrap())
            .unwrap(),
    )
}

fn admin_server(root: &Path) -> TestServer {
    TestServer::start_with(root, date("2026-11-28"), false, |state| {
        state.admin_token = Some(TOKEN.into())
    })
}

#[test]
fn without_a_token_the_administration_routes_do_not_exist() {
    let server = TestServer::bts(date("2026-11-28"));
    send(
        &server,
        "PUT",
        &format!("/v1/policies/{BTS}/versions/x"),
        Some(TOKEN),
        "policy x",
    )
    .problem(404);
    send(
        &server,
        "DELETE",
        &format!("/v1/policies/{BTS}/versions/session-2026"),
        Some(TOKEN),
        "",
    )
    .problem(404);
    send(&server, "POST", "/v1/admin/reload", Some(TOKEN), "").problem(404);
}

#[test]
fn a_wrong_or_missing_token_is_refused() {
    let root = tempfile::tempdir().unwrap();
    copy_policies(root.path());
    let server = admin_server(root.path());
    for token in [None, Some("wrong"), Some("a-long-enough-test-tokeN")] {
        let r = send(&server, "POST", "/v1/admin/reload", token, "");
        r.problem(401);
    }
    assert_eq!(
        send(&server, "POST", "/v1/admin/reload", Some(TOKEN), "").json()["versions"],
        4
    );
}

#[test]
fn an_upload_is_checked_written_atomically_and_served() {
    let root = tempfile::tempdir().unwrap();
    copy_policies(root.path());
    let server = admin_server(root.path());
    let dir = root.path().join(BTS);
    let text = std::fs::read_to_string(dir.join("session-2027.policy"))
        .unwrap()
        .replace("session-2027", "session-2028")
        .replace("2026-09-01", "2027-09-01")
        .replace("2027-04-16", "2028-04-14");
    let path = format!("/v1/policies/{BTS}/versions/session-2028");

    // A broken text is refused with its diagnostics and never reaches the disk or the served set.
    let broken = text.replace("per \"4-3\"", "per \"4-33\"");
    let p = send(&server, "PUT", &path, Some(TOKEN), &broken).problem(422);
    assert_eq!(p["diagnostics"][0]["code"], "unknown-clause");
    assert!(
        p["diagnostics"][0]["rendered"]
            .as_str()
            .unwrap()
            .contains("did you mean `4-3`?")
    );
    assert!(!dir.join("session-2028.policy").exists());
    get(&server, &path).problem(404);
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty());

    // A text that names another version than the path is refused.
    send(
        &server,
        "PUT",
        &format!("/v1/policies/{BTS}/versions/session-2029"),
        Some(TOKEN),
        &text,
    )
    .problem(400);

    // A good text is written and served at once.
    let r = send(&server, "PUT", &path, Some(TOKEN), &text);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["action"], "created");
    assert_eq!(
        std::fs::read_to_string(dir.join("session-2028.policy")).unwrap(),
        text
    );
    let d = decide(
        &server,
        json!({"input": candidate(), "version": "session-2028"}),
    )
    .json();
    assert_eq!(d["policy"]["version"], "session-2028");
    assert_eq!(
        send(&server, "PUT", &path, Some(TOKEN), &text).json()["action"],
        "updated"
    );

    // A version others extend cannot be deleted; a leaf can.
    let p = send(
        &server,
        "DELETE",
        &format!("/v1/policies/{BTS}/versions/annexe-ivb"),
        Some(TOKEN),
        "",
    )
    .problem(409);
    assert!(p["detail"].as_str().unwrap().contains("session-2028"));
    let r = send(&server, "DELETE", &path, Some(TOKEN), "");
    assert_eq!(r.json()["action"], "deleted");
    assert!(!dir.join("session-2028.policy").exists());
    get(&server, &path).problem(404);
}

#[test]
fn an_upload_that_makes_an_example_fail_is_refused_unless_accepted_in_so_many_words() {
    let root = tempfile::tempdir().unwrap();
    copy_policies(root.path());
    for example in std::fs::read_dir(format!("policies/{BTS}/tests")).unwrap() {
        let example = example.unwrap().path();
        let copy = root
            .path()
            .join(BTS)
            .join("tests")
            .join(example.file_name().unwrap());
        std::fs::copy(&example, copy).unwrap();
    }
    let server = admin_server(root.path());
    let file = root.path().join(BTS).join("session-2027.policy");
    let before = std::fs::read_to_string(&file).unwrap();
    // The page limit raised from 50 to 62: the examples of a 55-page report now fail.
    let raised =
        format!("{before}\noverride parameter max_report_pages = 62 pages    per \"2.1.3-1\"\n");
    let path = format!("/v1/policies/{BTS}/versions/session-2027");
    let p = send(&server, "PUT", &path, Some(TOKEN), &raised).problem(422);
    let failures = p["diagnostics"].as_array().unwrap();
    assert!(!failures.is_empty(), "{p}");
    assert!(
        failures.iter().all(|d| d["code"] == "example-failed"),
        "{p}"
    );
    assert!(
        failures
            .iter()
            .any(|d| d["location"].as_str().unwrap().starts_with("tests/")
                && d["message"]
                    .as_str()
                    .unwrap()
                    .contains("fails with this text")),
        "{p}"
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        before,
        "nothing written"
    );
    // Accepted in so many words, it is written and served.
    let accepted = send(
        &server,
        "PUT",
        &format!("{path}?accept_failing_examples=true"),
        Some(TOKEN),
        &raised,
    );
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), raised);
}

#[test]
fn ids_and_labels_cannot_leave_the_policies_folder() {
    let root = tempfile::tempdir().unwrap();
    copy_policies(root.path());
    let server = admin_server(root.path());
    for path in [
        "/v1/policies/..%2Fescape/versions/v1",
        "/v1/policies/Upper/versions/v1",
        &format!("/v1/policies/{BTS}/versions/.."),
    ] {
        let r = send(
            &server,
            "PUT",
            path,
            Some(TOKEN),
            "policy x\nversion \"v1\"\n",
        );
        assert!(r.status == 400 || r.status == 404, "{path}: {}", r.status);
    }
    assert!(!root.path().parent().unwrap().join("escape").exists());
}

#[test]
fn request_limits_answer_with_the_right_status() {
    let server =
        TestServer::start_with(Path::new("policies"), date("2026-11-28"), false, |state| {
            state.limits.json_depth = 8;
            state.limits.string_len = 100;
            state.limits.batch_len = 3;
        });
    let path = format!("/v1/policies/{BTS}/decisions");
    let deep = format!(
        "{{\"input\": {{\"candidate\": {}1{} }}}}",
        "[".repeat(20),
        "]".repeat(20)
    );
    let p = post(&server, &path, "application/json", deep).problem(400);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("sur plus de 8 niveaux")
    );
    let p = decide(
        &server,
        json!({"input": {"candidate": {"id": "x".repeat(101)}}}),
    )
    .problem(422);
    assert_eq!(p["errors"][0]["pointer"], "/candidate/id");
    let inputs: Vec<_> = (0..4).map(|_| json!({})).collect();
    let p = post(
        &server,
        &format!("{path}/batch"),
        "application/json",
        json!({"inputs": inputs}).to_string(),
    )
    .problem(413);
    assert!(p["detail"].as_str().unwrap().contains("NDJSON"));
}

#[test]
fn a_batch_over_its_deadline_is_refused() {
    let server =
        TestServer::start_with(Path::new("policies"), date("2026-11-28"), false, |state| {
            state.limits.deadline = std::time::Duration::from_millis(0);
        });
    let inputs: Vec<_> = (0..50).map(|_| candidate()).collect();
    let body = json!({"inputs": inputs, "version": "session-2027"}).to_string();
    let p = post(
        &server,
        &format!("/v1/policies/{BTS}/decisions/batch"),
        "application/json",
        body,
    )
    .problem(503);
    assert_eq!(p["type"], "urn:clausier:problem:deadline-exceeded");
}

/// An `Authorization` header as given, for the scheme's spellings.
fn reload_with(server: &TestServer, authorization: &str) -> Reply {
    reply(
        agent()
            .post(format!("{}/v1/admin/reload", server.base))
            .header("authorization", authorization)
            .send("")
            .unwrap(),
    )
}

#[test]
fn the_bearer_scheme_is_case_insensitive() {
    let root = tempfile::tempdir().unwrap();
    copy_policies(root.path());
    let server = admin_server(root.path());
    for header in [
        format!("Bearer {TOKEN}"),
        format!("bearer {TOKEN}"),
        format!("BEARER  {TOKEN}"),
    ] {
        assert_eq!(reload_with(&server, &header).status, 200, "{header}");
    }
    for header in [format!("Basic {TOKEN}"), TOKEN.to_string(), "Bearer".into()] {
        reload_with(&server, &header).problem(401);
    }
}

#[test]
fn tokens_that_could_never_be_sent_or_are_blank_are_refused() {
    use clausier::server::check_admin_token;
    assert!(check_admin_token("a-long-enough-test-token").is_ok());
    assert!(check_admin_token("YWxhZGRpbjpvcGVuc2VzYW1lAA==").is_ok());
    // Counted in characters, not bytes: four emoji are four characters, and no header can
    // carry them.
    assert!(check_admin_token("🔑🔑🔑🔑").is_err());
    assert!(check_admin_token(&"🔑".repeat(16)).is_err());
    assert!(check_admin_token(&" ".repeat(16)).is_err());
    assert!(check_admin_token("sixteen chars ok").is_err());
    assert!(check_admin_token("short").is_err());
    assert!(check_admin_token("================").is_err());
    // Padding is not length.
    assert!(check_admin_token("a===============").is_err());
}

#[test]
fn a_blank_token_file_stops_the_service_instead_of_turning_administration_off() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token");
    std::fs::write(&file, "  \n\t\n").unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_clausier"))
        .args(["serve", "--addr", "127.0.0.1:0", "--admin-token-file"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("holds no token"), "{err}");
}

#[test]
fn an_upload_and_the_deletion_of_what_it_extends_never_both_succeed() {
    let root = tempfile::tempdir().unwrap();
    copy_policies(root.path());
    let server = admin_server(root.path());
    let base_text = |label: &str, extends: Option<&str>| {
        let mut t = format!(
            "policy race\nversion \"{label}\"\n{}\nclause \"1\" section \"1\"\n  | Une règle.\n",
            extends.map_or(String::new(), |e| format!("extends \"{e}\""))
        );
        if extends.is_none() {
            t.push_str("input x : bool    per \"1\"\nconclusion c : bool\n  rule r\n    gives x\n    per \"1\"\n");
        }
        t
    };
    for run in 0..10 {
        let base = format!("rbase{run}");
        let child = format!("rchild{run}");
        let put_base = send(
            &server,
            "PUT",
            &format!("/v1/policies/race/versions/{base}"),
            Some(TOKEN),
            &base_text(&base, None),
        );
        assert_eq!(put_base.status, 200, "{}", put_base.body);
        let child_text = base_text(&child, Some(&base));
        let (child_put, base_delete) = std::thread::scope(|s| {
            let put = s.spawn(|| {
                send(
                    &server,
                    "PUT",
                    &format!("/v1/policies/race/versions/{child}"),
                    Some(TOKEN),
                    &child_text,
                )
            });
            let del = s.spawn(|| {
                send(
                    &server,
                    "DELETE",
                    &format!("/v1/policies/race/versions/{base}"),
                    Some(TOKEN),
                    "",
                )
            });
            (put.join().unwrap(), del.join().unwrap())
        });
        for r in [&child_put, &base_delete] {
            assert_ne!(r.status, 500, "{}", r.body);
        }
        // One of them comes first: the child extends a base that exists (and the deletion is
        // refused), or the base is gone (and the child is refused).
        assert!(
            !(child_put.status == 200 && base_delete.status == 200),
            "run {run}: both succeeded: {} / {}",
            child_put.body,
            base_delete.body
        );
        if child_put.status == 200 {
            assert_eq!(base_delete.status, 409, "{}", base_delete.body);
            let served = get(&server, "/v1/policies").json();
            let race = served["policies"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["id"] == "race")
                .unwrap()
                .clone();
            assert!(
                race["versions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|v| v["version"] == child.as_str()),
                "{race}"
            );
        } else {
            assert_eq!(child_put.status, 422, "{}", child_put.body);
        }
    }
}

#[test]
fn a_refused_upload_names_files_relative_to_the_policies_folder() {
    let root = tempfile::tempdir().unwrap();
    copy_policies(root.path());
    let server = admin_server(root.path());
    let broken = "policy bts-metiers-de-la-mesure\nversion \"session-2028\"\nextends \"annexe-ivb\"\n\noverride parameter report_deadline = 2028-04-14    per \"nope\"\n";
    let r = send(
        &server,
        "PUT",
        &format!("/v1/policies/{BTS}/versions/session-2028"),
        Some(TOKEN),
        broken,
    );
    let p = r.problem(422);
    let body = p.to_string();
    let absolute = root.path().to_string_lossy().to_string();
    assert!(
        !body.contains(&absolute),
        "an absolute path reached the client: {body}"
    );
    assert!(
        body.contains("bts-metiers-de-la-mesure/session-2028.policy"),
        "{body}"
    );
}

#[test]
fn deleting_the_last_version_served_withdraws_it() {
    // An administrator's deletion is deliberate: the folder left without any policy is served
    // empty, not taken for a fault that keeps the last good set.
    let root = tempfile::tempdir().unwrap();
    let server = admin_server(root.path());
    let text = "policy solo\nversion \"v1\"\nclause \"1\" section \"1\"\n  | Une règle.\ninput x : bool    per \"1\"\nconclusion c : bool\n  rule r\n    gives x\n    per \"1\"\n";
    let put = send(
        &server,
        "PUT",
        "/v1/policies/solo/versions/v1",
        Some(TOKEN),
        text,
    );
    assert_eq!(put.status, 200, "{}", put.body);
    assert_eq!(get(&server, "/v1/policies/solo/versions/v1").status, 200);
    let del = send(
        &server,
        "DELETE",
        "/v1/policies/solo/versions/v1",
        Some(TOKEN),
        "",
    );
    assert_eq!(del.status, 200, "{}", del.body);
    get(&server, "/v1/policies/solo/versions/v1").problem(404);
}

#[test]
fn a_folder_named_otherwise_than_its_policy_serves_nothing() {
    let root = tempfile::tempdir().unwrap();
    copy_policies(root.path());
    // The BTS files, copied into a folder of another name.
    let other = root.path().join("autre-nom");
    std::fs::create_dir_all(&other).unwrap();
    for name in ["annexe-ivb.policy", "session-2027.policy"] {
        std::fs::copy(root.path().join(BTS).join(name), other.join(name)).unwrap();
    }
    let server = admin_server(root.path());
    get(&server, "/v1/policies/autre-nom/versions/session-2027").problem(404);
    let list = get(&server, "/v1/policies").json();
    let entry = list["policies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "autre-nom")
        .unwrap()
        .clone();
    assert!(entry["versions"].as_array().unwrap().is_empty(), "{entry}");
    let text = entry.to_string();
    assert!(text.contains("policy-id-mismatch"), "{text}");
    // The folder named after the policy is served as before.
    assert_eq!(
        get(
            &server,
            &format!("/v1/policies/{BTS}/versions/session-2027")
        )
        .status,
        200
    );
}
