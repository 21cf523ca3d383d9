//! Who reads the records: the records token alone. With the store on and no records token the
//! read routes do not exist (404); the administration token does not open them (401); and the
//! service refuses to start with one token for both.

use serde_json::json;

use super::{ADMIN_TOKEN, RECORDS_TOKEN, arguments, decide, get, send, service, with_id};
use crate::serve::{Served, refused};

/// The reading routes, for the decision `id` made under the text `sha256`: (method, path).
fn reading(id: &str, sha256: &str) -> Vec<(&'static str, String)> {
    vec![
        ("GET", format!("/v1/decisions/{id}")),
        ("GET", "/v1/decisions".to_string()),
        (
            "GET",
            "/v1/decisions?candidate=C-100&format=csv".to_string(),
        ),
        ("GET", format!("/v1/policy-texts/{sha256}")),
        ("POST", format!("/v1/decisions/{id}/replay")),
    ]
}

fn status(served: &Served, method: &str, path: &str, token: Option<&str>) -> u16 {
    match method {
        "GET" => get(served, path, token).status,
        _ => send(served, method, path, token, Some(&json!({}))).status,
    }
}

#[test]
fn with_the_store_on_and_no_records_token_the_records_are_kept_but_not_served() {
    let dir = tempfile::tempdir().unwrap();
    let store = format!("sqlite://{}?mode=rwc", dir.path().join("d.db").display());
    let args = arguments(dir.path(), &store, None, &[]);
    let served = Served::launch(&args.iter().map(String::as_str).collect::<Vec<_>>(), &[]);
    let answered = decide(&served, &with_id("C-100"), "jury");
    let id = answered["decision_id"].as_str().unwrap();
    let sha256 = answered["policy"]["sha256"].as_str().unwrap();
    assert_eq!(served.metric("clausier_records_written_total"), 1.0);
    for (method, path) in reading(id, sha256) {
        for token in [None, Some(RECORDS_TOKEN), Some(ADMIN_TOKEN)] {
            assert_eq!(
                status(&served, method, &path, token),
                404,
                "{method} {path} with {token:?}"
            );
        }
    }
    // The erasure is the administration's, and is there.
    let erased = send(
        &served,
        "DELETE",
        "/v1/decisions?candidate=C-100",
        Some(ADMIN_TOKEN),
        None,
    );
    assert_eq!(erased.status, 200, "{}", erased.body);
    assert_eq!(erased.json()["deleted"], 1);
}

#[test]
fn the_administration_token_does_not_read_the_records() {
    let dir = tempfile::tempdir().unwrap();
    let store = format!("sqlite://{}?mode=rwc", dir.path().join("d.db").display());
    let served = service(dir.path(), &store, &[]);
    let answered = decide(&served, &with_id("C-100"), "jury");
    let id = answered["decision_id"].as_str().unwrap();
    let sha256 = answered["policy"]["sha256"].as_str().unwrap();
    for (method, path) in reading(id, sha256) {
        let refused = status(&served, method, &path, Some(ADMIN_TOKEN));
        assert_eq!(refused, 401, "{method} {path}");
        assert_eq!(
            status(&served, method, &path, Some(RECORDS_TOKEN)),
            200,
            "{method} {path}"
        );
    }
}

#[test]
fn the_service_refuses_one_token_for_the_records_and_the_administration() {
    let dir = tempfile::tempdir().unwrap();
    let store = format!("sqlite://{}?mode=rwc", dir.path().join("d.db").display());
    // The same token in both files.
    let args = arguments(dir.path(), &store, Some(ADMIN_TOKEN), &[]);
    let (code, said) = refused(&args.iter().map(String::as_str).collect::<Vec<_>>(), &[]);
    assert_eq!(code, Some(2), "{said}");
    assert!(
        said.contains("the records token must differ from the administration token"),
        "{said}"
    );
    // The records token in its variable, the administration's in its file.
    let args = arguments(dir.path(), &store, None, &[]);
    let (code, said) = refused(
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
        &[("CLAUSIER_RECORDS_TOKEN", ADMIN_TOKEN)],
    );
    assert_eq!(code, Some(2), "{said}");
    assert!(said.contains("must differ"), "{said}");
}
