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
