//! The service over real HTTP on 127.0.0.1 (ephemeral port), started through the same
//! `create_app` as production: every endpoint, every error status, batches, version selection,
//! the OpenAPI document, and hot reload.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use clausier::server::store::{Store, Watcher, watch};
use clausier::server::{AppState, Limits, create_app, openapi};
use serde_json::{Value, json};

pub const BTS: &str = "bts-metiers-de-la-mesure";

/// A server on an ephemeral port, stopped when dropped.
pub struct TestServer {
    pub base: String,
    handle: actix_web::dev::ServerHandle,
    _watcher: Option<Watcher>,
}

impl TestServer {
    pub fn start(policies: &Path, today: NaiveDate, limits: Limits, watched: bool) -> TestServer {
        TestServer::start_with(policies, today, watched, |state| state.limits = limits)
    }

    /// A server whose state `configure` adjusts (limits, administration token).
    pub fn start_with(
        policies: &Path,
        today: NaiveDate,
        watched: bool,
        configure: impl FnOnce(&mut AppState),
    ) -> TestServer {
        let store = Arc::new(Store::open(policies));
        let mut state = AppState::new(Arc::clone(&store)).unwrap();
        state.today = Arc::new(move || today);
        configure(&mut state);
        let watcher =
            watched.then(|| watch(Arc::clone(&store), Duration::from_millis(100), |_| {}).unwrap());
        let (addr, handle) = spawn(state);
        TestServer {
            base: format!("http://{addr}"),
            handle,
            _watcher: watcher,
        }
    }

    pub fn bts(today: NaiveDate) -> TestServer {
        TestServer::start(Path::new("policies"), today, Limits::default(), false)
    }
}

/// Runs the service of `state`, as production builds it, on an ephemeral port of 127.0.0.1 in
/// a thread of its own: its address and the handle that stops it.
pub fn spawn(state: AppState) -> (std::net::SocketAddr, actix_web::dev::ServerHandle) {
    let api = Arc::new(openapi());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server =
                actix_web::HttpServer::new(move || create_app(state.clone(), Arc::clone(&api)))
                    .workers(2)
                    .bind(("127.0.0.1", 0))
                    .unwrap();
            let addr = server.addrs()[0];
            let server = server.run();
            tx.send((addr, server.handle())).unwrap();
            server.await.unwrap();
        });
    });
    rx.recv().unwrap()
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        std::thread::spawn(move || actix_web::rt::System::new().block_on(handle.stop(false)));
    }
}

pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    /// Asserts an RFC 9457 problem with this status and returns it.
    pub fn problem(&self, status: u16) -> Value {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(
            self.content_type, "application/problem+json",
            "{}",
            self.body
        );
        let p = self.json();
        assert_eq!(p["status"], status);
        assert!(
            p["type"]
                .as_str()
                .unwrap()
                .starts_with("urn:clausier:problem:")
        );
        assert!(p["title"].is_string());
        p
    }
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

pub fn reply(mut r: ureq::http::Response<ureq::Body>) -> Reply {
    let content_type = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let status = r.status().as_u16();
    let body = r
        .body_mut()
        .with_config()
        .limit(256 << 20)
        .read_to_string()
        .unwrap();
    Reply {
        status,
        content_type,
        body,
    }
}

pub fn get(server: &TestServer, path: &str) -> Reply {
    reply(
        agent()
            .get(format!("{}{path}", server.base))
            .call()
            .unwrap(),
    )
}

pub fn post(
    server: &TestServer,
    path: &str,
    content_type: &str,
    body: impl Into<Vec<u8>>,
) -> Reply {
    let body: Vec<u8> = body.into();
    reply(
        agent()
            .post(format!("{}{path}", server.base))
            .header("content-type", content_type)
            .send(&body[..])
            .unwrap(),
    )
}

pub fn decide(server: &TestServer, body: Value) -> Reply {
    post(
        server,
        &format!("/v1/policies/{BTS}/decisions"),
        "application/json",
        body.to_string(),
    )
}

pub fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

pub fn candidate() -> Value {
    json!({
        "candidate": {"pathway": "scolaire"},
        "internship": {"periods": [{"start": "2026-05-04", "end": "2026-07-24", "agreement_signed": true}], "certificate_provided": true},
        "report": {"submitted_on": "2027-04-10", "pages": 40, "parts": ["presentation_entreprise", "analyse_juridique", "activites", "conclusion", "resume_anglais", "demarche_qsse"], "legal_analysis_pages": 3, "activities_analysed": 2, "qsse_pages": 3, "endorsed_by_host": true}
    })
}

#[test]
fn a_decision_cites_its_clauses() {
    let server = TestServer::bts(date("2026-11-28"));
    let r = decide(
        &server,
        json!({"input": candidate(), "version": "session-2027"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let d = r.json();
    assert!(d["decision_id"].as_str().unwrap().len() >= 32);
    assert_eq!(d["policy"]["id"], BTS);
    assert_eq!(d["policy"]["version"], "session-2027");
    assert_eq!(d["policy"]["effective_from"], "2026-09-01");
    assert_eq!(d["policy"]["sha256"].as_str().unwrap().len(), 64);
    let admission = &d["conclusions"]["e61_admission"];
    assert_eq!(admission["status"], "decided");
    assert_eq!(admission["value"], "admis");
    assert_eq!(admission["citations"][0]["clause"], "2.1.2-4");
    assert_eq!(admission["citations"][0]["section"], "2.1.2");
    assert!(
        admission["citations"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("À la fin de la période")
    );
    // In French by default, in the policy's labels.
    assert!(
        admission["because"]
            .as_array()
            .unwrap()
            .contains(&json!("Certificat de stage fourni : oui")),
        "{}",
        admission["because"]
    );
    assert_eq!(d["conclusions"].as_object().unwrap().len(), 13);
    assert!(d.get("trace").is_none());
    let explained = decide(
        &server,
        json!({"input": candidate(), "version": "session-2027", "explain": true}),
    )
    .json();
    let trace = explained["trace"].as_array().unwrap();
    assert!(trace.len() > 30);
    // Each rule is there with its place, verdict and reasons: the admission's base rule applied
    // on the certificate, its exceptions not applicable, each saying which fact made it so.
    let admission: Vec<&Value> = trace
        .iter()
        .filter(|e| e["conclusion"] == "e61_admission")
        .collect();
    let applied: Vec<&str> = admission
        .iter()
        .filter(|e| e["outcome"] == "applied")
        .map(|e| e["rule"].as_str().unwrap())
        .collect();
    assert_eq!(applied, ["with_certificate"]);
    let no_certificate = admission
        .iter()
        .find(|e| e["rule"] == "no_certificate")
        .unwrap();
    assert_eq!(no_certificate["kind"], "exception");
    assert_eq!(no_certificate["condition"], "false");
    assert_eq!(no_certificate["outcome"], "not applicable");
    assert_eq!(
        no_certificate["because"],
        json!(["Certificat de stage fourni : oui"])
    );
    assert!(
        no_certificate["at"]
            .as_str()
            .unwrap()
            .starts_with("bts-metiers-de-la-mesure/annexe-ivb.policy:"),
        "{}",
        no_certificate["at"]
    );
}

#[test]
fn a_missing_fact_leaves_only_what_needs_it_undetermined() {
    let server = TestServer::bts(date("2026-11-28"));
    let mut input = candidate();
    input["report"].as_object_mut().unwrap().remove("pages");
    let d = decide(&server, json!({"input": input, "version": "session-2027"})).json();
    let conformity = &d["conclusions"]["report_conformity"];
    assert_eq!(conformity["status"], "undetermined");
    assert_eq!(conformity["value"], Value::Null);
    assert_eq!(conformity["missing"], json!(["report.pages"]));
    assert_eq!(conformity["citations"], json!([]));
    assert_eq!(d["conclusions"]["e61_admission"]["status"], "decided");
}

#[test]
fn versions_are_chosen_by_label_by_date_or_as_in_force_today() {
    let server = TestServer::bts(date("2025-10-01"));
    let version = |body: Value| {
        decide(&server, body).json()["policy"]["version"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(version(json!({"input": {}})), "session-2026");
    assert_eq!(
        version(json!({"input": {}, "as_of": "2026-09-01"})),
        "session-2027"
    );
    assert_eq!(
        version(json!({"input": {}, "as_of": "2021-09-01"})),
        "annexe-ivb"
    );
    assert_eq!(
        version(json!({"input": {}, "version": "mayotte-2025"})),
        "mayotte-2025"
    );
    // A label-only version is never chosen by date.
    assert_eq!(
        version(json!({"input": {}, "as_of": "2030-01-01"})),
        "session-2027"
    );
    let p = decide(&server, json!({"input": {}, "as_of": "2020-01-01"})).problem(404);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("n'est en vigueur le 2020-01-01")
    );
    let today_2027 = TestServer::bts(date("2026-11-28"));
    assert_eq!(
        decide(&today_2027, json!({"input": {}})).json()["policy"]["version"],
        "session-2027"
    );
}

#[test]
fn every_error_is_a_problem_document() {
    let server = TestServer::start(
        Path::new("policies"),
        date("2026-11-28"),
        Limits {
            body: 4096,
            ..Limits::default()
        },
        false,
    );
    let path = format!("/v1/policies/{BTS}/decisions");
    let p = post(&server, &path, "application/json", "{\"input\": ").problem(400);
    assert!(p["detail"].as_str().unwrap().contains("line 1"));
    post(
        &server,
        &path,
        "application/json",
        r#"{"input": {}, "as_of": "28/11/2026"}"#,
    )
    .problem(400);
    post(
        &server,
        &path,
        "application/json",
        r#"{"input": {}, "versoin": "x"}"#,
    )
    .problem(400);
    post(
        &server,
        &path,
        "application/json",
        r#"{"input": {}, "version": "x", "as_of": "2026-01-01"}"#,
    )
    .problem(400);
    decide(&server, json!({"input": {}, "version": "session-2099"})).problem(404);
    post(
        &server,
        "/v1/policies/nope/decisions",
        "application/json",
        r#"{"input": {}}"#,
    )
    .problem(404);
    get(&server, "/v1/nothing/here").problem(404);
    get(&server, "/v1/policies/../../etc/passwd").problem(404);
    let r = get(&server, &path);
    r.problem(405);
    let big = json!({"input": {"candidate": {"id": "x".repeat(5000)}}}).to_string();
    post(&server, &path, "application/json", big).problem(413);
    post(&server, &format!("{path}/batch"), "text/plain", "hello").problem(415);
    let bad = decide(
        &server,
        json!({"input": {"candidate": {"pathway": "scolair"}, "report": {"pages": "many", "pagse": 1}, "internship": {"periods": [{"start": "2026-06-01", "end": "2026-05-01", "agreement_signed": true}]}}}),
    );
    let p = bad.problem(422);
    let errors = p["errors"].as_array().unwrap();
    let pointers: Vec<&str> = errors
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    // In the order of the document.
    assert_eq!(
        pointers,
        [
            "/candidate/pathway",
            "/report/pages",
            "/report/pagse",
            "/internship/periods/0"
        ]
    );
    // In French by default.
    assert_eq!(
        errors[0]["message"],
        "`scolair` n'est pas une valeur de `pathway` : vouliez-vous dire `scolaire` ?"
    );
    assert_eq!(
        errors[1]["message"],
        "un nombre entier est attendu, pas un texte"
    );
    assert!(
        errors[3]["message"]
            .as_str()
            .unwrap()
            .contains("se termine avant de commencer")
    );
}

#[test]
fn a_batch_decides_every_input_in_order_and_isolates_bad_ones() {
    let server = TestServer::bts(date("2026-11-28"));
    let body = json!({"version": "session-2027", "inputs": [candidate(), {"candidate": {"pathway": "pilote"}}, {"candidate": {"pathway": "apprentissage"}}]});
    let r = post(
        &server,
        &format!("/v1/policies/{BTS}/decisions/batch"),
        "application/json",
        body.to_string(),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let decisions = r.json()["decisions"].as_array().unwrap().clone();
    assert_eq!(decisions.len(), 3);
    assert_eq!(
        decisions[0]["conclusions"]["e61_admission"]["value"],
        "admis"
    );
    assert_eq!(decisions[1]["error"]["status"], 422);
    assert_eq!(
        decisions[1]["error"]["errors"][0]["pointer"],
        "/candidate/pathway"
    );
    assert_eq!(
        decisions[2]["conclusions"]["presence_proof"]["value"],
        "contrat_apprentissage"
    );
}

/// A JSON batch whose answer is streamed in several chunks (each about 64 KiB) arrives whole.
#[test]
fn a_json_batch_answered_in_many_chunks_arrives_whole() {
    let server = TestServer::bts(date("2026-11-28"));
    let inputs: Vec<Value> = (0..60).map(|_| candidate()).collect();
    let body = json!({"version": "session-2027", "inputs": inputs});
    let r = post(
        &server,
        &format!("/v1/policies/{BTS}/decisions/batch"),
        "application/json",
        body.to_string(),
    );
    assert_eq!(r.status, 200);
    assert!(r.body.len() > 4 * 64 * 1024, "{} bytes", r.body.len());
    let decisions = r.json()["decisions"].as_array().unwrap().clone();
    assert_eq!(decisions.len(), 60);
    assert!(
        decisions
            .iter()
            .all(|d| d["conclusions"]["e61_admission"]["value"] == "admis")
    );
}

#[test]
fn an_ndjson_batch_streams_one_line_out_per_line_in() {
    let server = TestServer::bts(date("2026-11-28"));
    let mut lines = String::new();
    for i in 0..200 {
        let pathway = ["scolaire", "apprentissage", "experience_professionnelle"][i % 3];
        lines.push_str(
            &json!({"candidate": {"id": format!("c{i}"), "pathway": pathway}}).to_string(),
        );
        lines.push('\n');
    }
    lines.push_str("{\"candidate\": {\"pathway\": \"nope\"}}\n\nnot json\n");
    let r = post(
        &server,
        &format!("/v1/policies/{BTS}/decisions/batch?version=session-2027"),
        "application/x-ndjson",
        lines,
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.content_type, "application/x-ndjson");
    let out: Vec<Value> = r
        .body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(out.len(), 202, "a decision per non-blank line");
    assert_eq!(
        out[0]["conclusions"]["presence_proof"]["value"],
        "certificat_de_stage"
    );
    assert_eq!(
        out[1]["conclusions"]["presence_proof"]["value"],
        "contrat_apprentissage"
    );
    assert_eq!(out[199]["policy"]["version"], "session-2027");
    assert_eq!(out[200]["error"]["status"], 422);
    assert_eq!(out[201]["error"]["status"], 400);
    let p = post(
        &server,
        &format!("/v1/policies/{BTS}/decisions/batch?version=nope"),
        "application/x-ndjson",
        "{}\n",
    )
    .problem(404);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("n'a pas de version `nope`"),
        "{p}"
    );
}

#[test]
fn the_policies_their_versions_and_schemas_are_listed() {
    let server = TestServer::bts(date("2026-11-28"));
    let list = get(&server, "/v1/policies").json();
    let bts = &list["policies"][0];
    assert_eq!(bts["id"], BTS);
    assert_eq!(bts["status"], "ok");
    let versions: Vec<(&str, &Value, bool)> = bts["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["version"].as_str().unwrap(),
                &v["effective_from"],
                v["in_force"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        versions,
        [
            ("annexe-ivb", &json!("2021-09-01"), false),
            ("session-2026", &json!("2025-09-01"), false),
            ("session-2027", &json!("2026-09-01"), true),
            ("mayotte-2025", &Value::Null, false),
        ]
    );
    assert!(
        bts["files"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["status"] == "ok")
    );
    let v = get(
        &server,
        &format!("/v1/policies/{BTS}/versions/mayotte-2025"),
    )
    .json();
    assert_eq!(v["extends"], "annexe-ivb");
    assert!(
        v["clauses"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == "mayotte-2025-1")
    );
    let minimum = v["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "minimum_reduced_weeks")
        .unwrap();
    assert_eq!(
        (minimum["value"].clone(), minimum["display"].clone()),
        (json!(4), json!("4 weeks"))
    );
    assert_eq!(v["sources"].as_array().unwrap().len(), 2);
    assert!(
        v["conclusions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "nonconformity_causes")
    );
    get(&server, &format!("/v1/policies/{BTS}/versions/nope")).problem(404);
    let schema = get(
        &server,
        &format!("/v1/policies/{BTS}/versions/session-2027/schema"),
    );
    assert_eq!(schema.content_type, "application/schema+json");
    let schema = schema.json();
    assert_eq!(
        schema["properties"]["candidate"]["properties"]["pathway"]["enum"][0],
        "scolaire"
    );
    assert_eq!(schema["additionalProperties"], false);
}

#[test]
fn health_readiness_and_metrics() {
    let server = TestServer::bts(date("2026-11-28"));
    assert_eq!(get(&server, "/healthz").json()["status"], "ok");
    assert_eq!(get(&server, "/readyz").status, 200);
    decide(&server, json!({"input": {}, "version": "session-2026"}));
    let metrics = get(&server, "/metrics").body;
    assert!(
        metrics.contains(&format!(
            "clausier_decisions_total{{policy=\"{BTS}\",version=\"session-2026\"}} 1"
        )),
        "{metrics}"
    );
    assert!(
        metrics.contains(
            "clausier_http_requests_total{endpoint=\"/healthz\",method=\"GET\",status=\"200\"} 1"
        ),
        "{metrics}"
    );
    assert!(metrics.contains("clausier_http_requests_duration_seconds_bucket"));
    let empty = tempfile::tempdir().unwrap();
    let unready = TestServer::start(empty.path(), date("2026-11-28"), Limits::default(), false);
    get(&unready, "/readyz").problem(503);
}

#[test]
fn the_committed_openapi_document_is_the_served_one() {
    let server = TestServer::bts(date("2026-11-28"));
    let served = get(&server, "/openapi.json").json();
    assert_eq!(served["openapi"], "3.1.0");
    let committed: Value =
        serde_json::from_str(&std::fs::read_to_string("openapi/openapi.json").unwrap_or_default())
            .unwrap_or(Value::Null);
    assert!(
        served == committed,
        "openapi/openapi.json is out of date: regenerate it with `cargo run -- openapi > openapi/openapi.json`"
    );
    for path in [
        "/v1/policies/{id}/decisions",
        "/v1/policies/{id}/decisions/batch",
        "/v1/policies",
        "/v1/policies/{id}/versions/{version}",
        "/v1/policies/{id}/versions/{version}/schema",
        "/healthz",
        "/readyz",
    ] {
        assert!(
            served["paths"].get(path).is_some(),
            "{path} is not documented"
        );
    }
    // The documentation page lists every operation, in French unless English is asked for.
    let docs = get(&server, "/docs/");
    assert_eq!(docs.status, 200);
    assert!(docs.body.contains(r#"<html lang="fr">"#), "{}", docs.body);
    assert!(docs.body.contains("Documentation de l’API"));
    for path in served["paths"].as_object().unwrap().keys() {
        assert!(
            docs.body.contains(&format!("<code>{path}</code>")),
            "{path}"
        );
    }
    assert!(
        !docs.body.contains("<script")
            && !docs.body.contains(" src=")
            && !docs.body.contains("href=\"http"),
        "the page runs no script and loads nothing from elsewhere"
    );
    let english = get(&server, "/docs/?lang=en");
    assert!(english.body.contains(r#"<html lang="en">"#));
    assert!(english.body.contains("API documentation"));
}

pub fn copy_policies(to: &Path) {
    let dir = to.join(BTS);
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    for entry in std::fs::read_dir(format!("policies/{BTS}")).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
        }
    }
}

fn wait_for(what: &str, mut ok: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ok() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "not within 20 s: {what}"
        );
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// Writes through a temporary file and a rename, as editors do.
fn save(path: &Path, text: &str) {
    let tmp = path.with_extension("policy.tmp~");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

#[test]
fn edits_are_picked_up_broken_files_keep_the_last_good_version_and_fixes_recover() {
    let root = tempfile::tempdir().unwrap();
    copy_policies(root.path());
    let server = TestServer::start(root.path(), date("2026-11-28"), Limits::default(), true);
    let file = root.path().join(BTS).join("session-2027.policy");
    let original = std::fs::read_to_string(&file).unwrap();
    let deadline = |server: &TestServer| {
        let v = get(server, &format!("/v1/policies/{BTS}/versions/session-2027")).json();
        let p = v["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "report_deadline")
            .unwrap()
            .clone();
        (
            p["value"].as_str().unwrap().to_string(),
            v["sha256"].as_str().unwrap().to_string(),
        )
    };
    let (first, _) = deadline(&server);
    assert_eq!(first, "2027-04-16");

    // A valid edit is served (waited for up to 20 s, for a debug build on a loaded machine).
    save(&file, &original.replace("2027-04-16", "2027-04-23"));
    wait_for("the valid edit", || deadline(&server).0 == "2027-04-23");
    let (_, good_sha) = deadline(&server);

    // A broken edit leaves the last good version answering, and the list says why.
    save(
        &file,
        &original.replace(
            "override parameter report_deadline",
            "override parameter report_dedline",
        ),
    );
    wait_for("the error to show", || {
        get(&server, "/v1/policies").json()["policies"][0]["status"] == "error"
    });
    assert_eq!(
        deadline(&server),
        ("2027-04-23".to_string(), good_sha.clone())
    );
    let list = get(&server, "/v1/policies").json();
    let broken = list["policies"][0]["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"] == "session-2027.policy")
        .unwrap()
        .clone();
    assert_eq!(broken["status"], "stale");
    assert_eq!(broken["diagnostics"][0]["code"], "bad-override");
    assert!(
        broken["diagnostics"][0]["rendered"]
            .as_str()
            .unwrap()
            .contains("did you mean `report_deadline`?")
    );
    let d = decide(&server, json!({"input": {}, "version": "session-2027"})).json();
    assert_eq!(d["policy"]["sha256"], good_sha.as_str());

    // Fixing the file recovers.
    save(&file, &original);
    wait_for("the fix", || deadline(&server).0 == "2027-04-16");
    assert_eq!(
        get(&server, "/v1/policies").json()["policies"][0]["status"],
        "ok"
    );

    // New versions appear, deleted ones disappear.
    let new_file = root.path().join(BTS).join("session-2028.policy");
    let text = original
        .replace("session-2027", "session-2028")
        .replace("2026-09-01", "2027-09-01");
    save(&new_file, &text);
    wait_for("the new version", || {
        get(
            &server,
            &format!("/v1/policies/{BTS}/versions/session-2028"),
        )
        .status
            == 200
    });
    std::fs::remove_file(&new_file).unwrap();
    wait_for("the deleted version", || {
        get(
            &server,
            &format!("/v1/policies/{BTS}/versions/session-2028"),
        )
        .status
            == 404
    });
}

/// The sha256 the service gives `session-2027` when its file holds `text`.
pub fn sha_of_session_2027(text: &str) -> String {
    let annex = std::fs::read_to_string(format!("policies/{BTS}/annexe-ivb.policy")).unwrap();
    let folder = clausier::load::check_texts(
        BTS.into(),
        vec![
            ("annexe-ivb.policy".into(), None, annex),
            ("session-2027.policy".into(), None, text.to_string()),
        ],
    );
    folder.version("session-2027").unwrap().sha256.clone()
}

#[test]
fn people_read_french_unless_they_ask_for_english() {
    let server = TestServer::bts(date("2026-11-28"));
    let path = format!("{}/v1/policies/{BTS}/decisions", server.base);
    let body = json!({"input": candidate(), "version": "session-2027"}).to_string();
    let ask = |url: &str, accept: Option<&str>| {
        let mut req = agent().post(url).header("content-type", "application/json");
        if let Some(a) = accept {
            req = req.header("accept-language", a);
        }
        let r = req.send(body.as_bytes()).unwrap();
        let language = r
            .headers()
            .get("content-language")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let vary = r
            .headers()
            .get("vary")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let reply = reply(r);
        (reply, language, vary)
    };
    let because = |r: &Reply| r.json()["conclusions"]["report_kind"]["because"].clone();

    let (fr, language, vary) = ask(&path, None);
    assert_eq!(fr.status, 200, "{}", fr.body);
    assert_eq!(language, "fr");
    assert!(vary.contains("Accept-Language"), "{vary}");
    assert_eq!(because(&fr), json!(["Voie de formation : voie scolaire"]));
    // Numbers in words too, with their unit's word.
    let weeks = &fr.json()["conclusions"]["internship_status"]["because"];
    assert!(
        weeks
            .as_array()
            .unwrap()
            .contains(&json!("Durée de stage exigée : 12 semaines")),
        "{weeks}"
    );

    // English: the BTS policy has no English labels, so the names stand.
    let (en, language, _) = ask(&path, Some("en-GB,en;q=0.9,fr;q=0.5"));
    assert_eq!(language, "en");
    assert_eq!(because(&en), json!(["candidate.pathway = scolaire"]));
    let (en, _, _) = ask(&format!("{path}?lang=en"), Some("fr"));
    assert_eq!(because(&en), json!(["candidate.pathway = scolaire"]));
    // A language neither French nor English in the header gives French; in `lang`, a 400.
    let (de, language, _) = ask(&path, Some("de"));
    assert_eq!((de.status, language.as_str()), (200, "fr"));
    let (bad, _, _) = ask(&format!("{path}?lang=de"), None);
    let problem = bad.problem(400);
    assert!(
        problem["detail"].as_str().unwrap().contains("`lang`"),
        "{problem}"
    );
}

#[test]
fn problems_are_said_in_the_language_asked() {
    let server = TestServer::bts(date("2026-11-28"));
    let url = format!("{}/v1/policies/nope/decisions", server.base);
    let ask = |accept: &str| {
        reply(
            agent()
                .post(&url)
                .header("content-type", "application/json")
                .header("accept-language", accept)
                .send(r#"{"input": {}}"#.as_bytes())
                .unwrap(),
        )
    };
    let fr = ask("fr-FR").problem(404);
    assert_eq!(fr["title"], "Introuvable");
    assert_eq!(fr["detail"], "il n'existe pas de règlement `nope`");
    let en = ask("en").problem(404);
    assert_eq!(en["title"], "Not found");
    assert_eq!(en["detail"], "there is no policy `nope`");
    // The same for a route that does not exist, and for an invalid record.
    let missing = get(&server, "/v1/nothing-here").problem(404);
    assert_eq!(missing["detail"], "aucune route ne correspond");
    let invalid = decide(&server, json!({"input": {"candidate": {"pathway": "x"}}})).problem(422);
    assert_eq!(
        invalid["title"],
        "Le dossier ne correspond pas aux données que le règlement déclare"
    );
    assert_eq!(invalid["detail"], "1 erreur(s) dans le dossier");
}

#[test]
fn input_errors_are_said_in_english_on_request() {
    let server = TestServer::bts(date("2026-11-28"));
    let r = reply(
        agent()
            .post(format!(
                "{}/v1/policies/{BTS}/decisions?lang=en",
                server.base
            ))
            .header("content-type", "application/json")
            .send(
                json!({"input": {"candidate": {"pathway": "scolair"}}})
                    .to_string()
                    .as_bytes(),
            )
            .unwrap(),
    );
    let p = r.problem(422);
    assert_eq!(
        p["title"],
        "The input does not match the policy's declared inputs"
    );
    assert_eq!(
        p["errors"][0]["message"],
        "`scolair` is not a value of `pathway`: did you mean `scolaire`?"
    );
}

#[test]
fn words_give_each_conclusion_as_a_sentence() {
    let server = TestServer::bts(date("2026-11-28"));
    let mut input = candidate();
    input["report"]["pages"] = json!(null);
    let r = decide(
        &server,
        json!({"input": input, "version": "session-2027", "words": true}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let d = r.json();
    assert_eq!(
        d["conclusions"]["e61_admission"]["text"],
        "Admission à l'épreuve E6.1 : admis"
    );
    assert_eq!(
        d["conclusions"]["required_weeks"]["text"],
        "Durée de stage exigée : 12 semaines"
    );
    assert_eq!(
        d["conclusions"]["report_conformity"]["text"],
        "Conformité du rapport : indéterminé (manque : nombre de pages du rapport)"
    );
    // Without `words`, no `text`: the decision is as it always was.
    let plain = decide(
        &server,
        json!({"input": candidate(), "version": "session-2027"}),
    )
    .json();
    assert!(plain["conclusions"]["e61_admission"].get("text").is_none());
}

#[test]
fn a_record_with_a_key_twice_or_an_inexact_integer_is_refused() {
    let server = TestServer::bts(date("2026-11-28"));
    let path = format!("/v1/policies/{BTS}/decisions");
    let twice = r#"{"version": "session-2027", "input": {"report": {"pages": 40, "pages": 60}}}"#;
    let p = post(&server, &path, "application/json", twice).problem(400);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("la clé `pages` figure deux fois dans un même objet"),
        "{p}"
    );
    // The same for an input of a batch (its own error entry, the others decided) and on an
    // NDJSON line.
    let batch = r#"{"version": "session-2027", "inputs": [{"candidate": {"pathway": "scolaire", "pathway": "apprentissage"}}, {}]}"#;
    let r = post(&server, &format!("{path}/batch"), "application/json", batch);
    assert_eq!(r.status, 200, "{}", r.body);
    let entries = r.json()["decisions"].clone();
    assert_eq!(entries[0]["error"]["status"], 400, "{entries}");
    assert!(entries[1]["decision_id"].is_string(), "{entries}");
    let lines = post(
        &server,
        &format!("{path}/batch?version=session-2027"),
        "application/x-ndjson",
        "{\"report\": {\"pages\": 1, \"pages\": 2}}\n",
    );
    assert!(lines.body.contains("figure deux fois"), "{}", lines.body);
    // 2^64 pages is not a number of pages anyone can count exactly: refused, not rounded.
    let big =
        r#"{"version": "session-2027", "input": {"report": {"pages": 18446744073709551616}}}"#;
    let p = post(&server, &path, "application/json", big).problem(422);
    assert_eq!(p["errors"][0]["pointer"], "/report/pages");
    // The largest integers are still exact.
    let exact =
        r#"{"version": "session-2027", "input": {"report": {"pages": 18446744073709551615}}}"#;
    assert_eq!(post(&server, &path, "application/json", exact).status, 200);
}

#[test]
fn head_answers_as_get_without_a_body() {
    let server = TestServer::bts(date("2026-11-28"));
    for path in [
        "/v1/policies",
        "/openapi.json",
        "/ui/",
        "/docs/",
        "/healthz",
    ] {
        let r = agent()
            .head(format!("{}{path}", server.base))
            .call()
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "HEAD {path}");
        let length = r
            .headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        let body = reply(r).body;
        assert!(body.is_empty(), "HEAD {path} sent a body");
        assert!(length.is_some_and(|n| n > 0), "HEAD {path}: {length:?}");
    }
}

#[test]
fn allow_offers_the_administration_only_when_it_is_on() {
    // A method no route of a version has: 405, its detail and `Allow` (as HTTP wants of a
    // 405) naming the methods the route answers.
    let patch = |server: &TestServer| {
        let raw = agent()
            .patch(format!(
                "{}/v1/policies/{BTS}/versions/session-2027",
                server.base
            ))
            .send("")
            .unwrap();
        let allow = raw
            .headers()
            .get("allow")
            .map(|v| v.to_str().unwrap().to_string());
        let p = reply(raw).problem(405);
        (p["detail"].as_str().unwrap().to_string(), allow)
    };
    let (detail, allow) = patch(&TestServer::bts(date("2026-11-28")));
    assert_eq!(detail, "cette route répond à GET, HEAD");
    assert_eq!(allow.as_deref(), Some("GET, HEAD"));

    // With the administration on, the same route also offers its methods.
    let server = TestServer::start_with(Path::new("policies"), date("2026-11-28"), false, |s| {
        s.admin_token = Some("a-long-enough-test-token".into())
    });
    let (detail, allow) = patch(&server);
    assert_eq!(detail, "cette route répond à GET, HEAD, PUT, DELETE");
    assert_eq!(allow.as_deref(), Some("GET, HEAD, PUT, DELETE"));
}

#[test]
fn a_body_over_the_limit_closes_the_connection_and_says_so() {
    let server = TestServer::bts(date("2026-11-28"));
    let big = format!(
        r#"{{"input": {{"candidate": {{"id": "{}"}}}}}}"#,
        "x".repeat(2 << 20)
    );
    let r = agent()
        .post(format!("{}/v1/policies/{BTS}/decisions", server.base))
        .header("content-type", "application/json")
        .send(big.as_bytes())
        .unwrap();
    assert_eq!(r.status().as_u16(), 413);
    let connection = r
        .headers()
        .get("connection")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert_eq!(connection, "close");
}

/// The status line and body of a raw HTTP/1.1 POST of `body` with only the headers given.
fn raw_post(server: &TestServer, path: &str, headers: &str, body: &str) -> (String, String) {
    use std::io::{Read, Write};
    let addr = server.base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    (
        head.lines().next().unwrap_or("").to_string(),
        body.to_string(),
    )
}

#[test]
fn a_json_batch_honours_the_query_as_an_ndjson_one_does() {
    let server = TestServer::bts(date("2026-11-28"));
    let path = format!("/v1/policies/{BTS}/decisions/batch");
    let inputs = json!({"inputs": [{}]}).to_string();
    let r = post(
        &server,
        &format!("{path}?version=session-2026&explain=true"),
        "application/json",
        inputs.clone(),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let entry = r.json()["decisions"][0].clone();
    assert_eq!(entry["policy"]["version"], "session-2026", "{entry}");
    assert!(entry["trace"].is_array(), "{entry}");
    let by_date = post(
        &server,
        &format!("{path}?as_of=2025-10-01"),
        "application/json",
        inputs.clone(),
    );
    assert_eq!(
        by_date.json()["decisions"][0]["policy"]["version"],
        "session-2026"
    );
    post(
        &server,
        &format!("{path}?as_of=garbage"),
        "application/json",
        inputs.clone(),
    )
    .problem(400);
    let p = post(
        &server,
        &format!("{path}?version=nope"),
        "application/json",
        inputs.clone(),
    )
    .problem(404);
    assert!(p["detail"].as_str().unwrap().contains("`nope`"), "{p}");
    // The body and the query may both say it, if they agree.
    let same = json!({"inputs": [{}], "version": "session-2026"}).to_string();
    let r = post(
        &server,
        &format!("{path}?version=session-2026"),
        "application/json",
        same,
    );
    assert_eq!(
        r.json()["decisions"][0]["policy"]["version"],
        "session-2026"
    );
    let other = json!({"inputs": [{}], "version": "session-2027"}).to_string();
    let p = post(
        &server,
        &format!("{path}?version=session-2026"),
        "application/json",
        other,
    )
    .problem(400);
    let detail = p["detail"].as_str().unwrap();
    assert!(
        detail.contains("session-2026") && detail.contains("session-2027"),
        "{p}"
    );
    let dated = json!({"inputs": [{}], "as_of": "2027-01-01"}).to_string();
    post(
        &server,
        &format!("{path}?as_of=2026-01-01"),
        "application/json",
        dated,
    )
    .problem(400);
}

#[test]
fn the_lines_of_an_ndjson_batch_are_documented_as_batch_entries() {
    let served = clausier::server::openapi();
    let doc = serde_json::to_value(&served).unwrap();
    let ok = &doc["paths"]["/v1/policies/{id}/decisions/batch"]["post"]["responses"]["200"];
    for media in ["application/json", "application/x-ndjson"] {
        let schema = ok["content"][media]["schema"].to_string();
        let wanted = if media == "application/json" {
            "BatchResponse"
        } else {
            "BatchEntry"
        };
        assert!(schema.contains(wanted), "{media}: {schema}");
    }
}

#[test]
fn a_decision_or_an_interview_is_asked_in_json_only() {
    let server = TestServer::bts(date("2026-11-28"));
    for route in ["decisions", "interview"] {
        let path = format!("/v1/policies/{BTS}/{route}");
        let body = json!({"input": {}, "version": "session-2027"}).to_string();
        for media in ["text/plain", "application/x-www-form-urlencoded"] {
            let p = post(&server, &path, media, body.clone()).problem(415);
            assert_eq!(p["type"], "urn:clausier:problem:unsupported-media-type");
            assert!(
                p["detail"].as_str().unwrap().contains("application/json"),
                "{p}"
            );
        }
        let (status, problem) = raw_post(&server, &path, "", &body);
        assert!(status.contains(" 415 "), "{status} {problem}");
        assert!(problem.contains("application/json"), "{problem}");
        let r = post(
            &server,
            &path,
            "application/json; charset=utf-8",
            body.clone(),
        );
        assert_eq!(r.status, 200, "{}", r.body);
    }
}

#[test]
fn a_zero_deadline_refuses_a_single_decision_and_every_route_documents_it() {
    let server =
        TestServer::start_with(Path::new("policies"), date("2026-11-28"), false, |state| {
            state.limits.deadline = Duration::from_millis(0);
        });
    let p = decide(
        &server,
        json!({"input": candidate(), "version": "session-2027"}),
    )
    .problem(503);
    assert_eq!(p["type"], "urn:clausier:problem:deadline-exceeded");
    let doc = serde_json::to_value(clausier::server::openapi()).unwrap();
    for path in ["decisions", "decisions/batch"] {
        let responses = &doc["paths"][format!("/v1/policies/{{id}}/{path}")]["post"]["responses"];
        assert!(responses.get("503").is_some(), "{path}: {responses}");
    }
}

#[test]
fn a_compressed_body_is_refused_as_unsupported() {
    let server = TestServer::bts(date("2026-11-28"));
    let body = json!({"input": {}, "version": "session-2027"}).to_string();
    for (path, media) in [
        ("decisions", "application/json"),
        (
            "decisions/batch?version=session-2027",
            "application/x-ndjson",
        ),
        ("decisions/batch", "application/json"),
    ] {
        let r = reply(
            agent()
                .post(format!("{}/v1/policies/{BTS}/{path}", server.base))
                .header("content-type", media)
                .header("content-encoding", "gzip")
                .send(body.as_bytes())
                .unwrap(),
        );
        let p = r.problem(415);
        assert_eq!(p["type"], "urn:clausier:problem:unsupported-media-type");
        assert!(p["detail"].as_str().unwrap().contains("gzip"), "{p}");
    }
}

#[test]
fn a_problem_names_the_request_id_the_logs_hold() {
    let server = TestServer::bts(date("2026-11-28"));
    let r = agent()
        .get(format!("{}/v1/policies/nope/versions/x", server.base))
        .header("x-request-id", "dossier-42")
        .call()
        .unwrap();
    assert_eq!(
        r.headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok()),
        Some("dossier-42")
    );
    let p = reply(r).problem(404);
    assert_eq!(p["request_id"], "dossier-42");
    // Without one, the id drawn is in the problem and in the header alike.
    let r = agent()
        .get(format!("{}/v1/policies/nope/versions/x", server.base))
        .call()
        .unwrap();
    let header = r
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let p = reply(r).problem(404);
    assert_eq!(p["request_id"], header.as_str());
    assert_eq!(header.len(), 36);
}

#[test]
fn a_version_its_schema_and_a_diff_are_revalidated_by_their_etag() {
    let server = TestServer::bts(date("2026-11-28"));
    for path in [
        format!("/v1/policies/{BTS}/versions/session-2027"),
        format!("/v1/policies/{BTS}/versions/session-2027/schema"),
        format!("/v1/policies/{BTS}/diff?from=session-2026&to=session-2027"),
        format!("/v1/policies/{BTS}/diff?from=session-2026&to=session-2027&format=text"),
    ] {
        let url = format!("{}{path}", server.base);
        let first = agent().get(&url).call().unwrap();
        assert_eq!(first.status().as_u16(), 200);
        let etag = first
            .headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        assert!(etag.starts_with('"') && etag.len() > 60, "{path}: {etag}");
        let again = agent()
            .get(&url)
            .header("if-none-match", &etag)
            .call()
            .unwrap();
        assert_eq!(again.status().as_u16(), 304, "{path}");
        let other = agent()
            .get(&url)
            .header("if-none-match", "\"something-else\"")
            .call()
            .unwrap();
        assert_eq!(other.status().as_u16(), 200, "{path}");
    }
    // The view's words depend on the language: its tag does too.
    let url = format!("{}/v1/policies/{BTS}/versions/session-2027", server.base);
    let tag = |lang: &str| {
        agent()
            .get(format!("{url}?lang={lang}"))
            .call()
            .unwrap()
            .headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    assert_ne!(tag("fr"), tag("en"));
}

/// Replicas serving the same files give the same set digest, in the list and in the
/// `Clausier-Policy-Set` header of every decision; a replica serving another text gives another.
#[test]
fn the_set_served_is_named_in_the_list_and_on_every_decision() {
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    for dir in [&a, &b, &c] {
        copy_policies(dir.path());
    }
    let session = c.path().join(BTS).join("session-2027.policy");
    let text = std::fs::read_to_string(&session).unwrap();
    std::fs::write(&session, format!("{text}\n# amended\n")).unwrap();
    let today = date("2027-03-01");
    let servers: Vec<TestServer> = [&a, &b, &c]
        .iter()
        .map(|d| TestServer::start(d.path(), today, Limits::default(), false))
        .collect();
    let digests: Vec<String> = servers
        .iter()
        .map(|s| {
            let listed = get(s, "/v1/policies").json()["set_digest"]
                .as_str()
                .unwrap()
                .to_string();
            assert_eq!(listed.len(), 64);
            let decision = agent()
                .post(format!("{}/v1/policies/{BTS}/decisions", s.base))
                .header("content-type", "application/json")
                .send(json!({"input": candidate()}).to_string().as_bytes())
                .unwrap();
            let header = decision.headers()["clausier-policy-set"]
                .to_str()
                .unwrap()
                .to_string();
            assert_eq!(header, listed);
            listed
        })
        .collect();
    assert_eq!(digests[0], digests[1], "the same files");
    assert_ne!(digests[0], digests[2], "another text");
}

/// The entries of an NDJSON batch of `lines` under session-2027 (the answer must be 200).
fn ndjson_entries(server: &TestServer, lines: String) -> Vec<Value> {
    let reply = post(
        server,
        &format!("/v1/policies/{BTS}/decisions/batch?version=session-2027"),
        "application/x-ndjson",
        lines,
    );
    assert_eq!(reply.status, 200);
    reply
        .body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The deadline holds for each NDJSON line: with none left, every line answers its own 503
/// problem and the stream goes on to the end.
#[test]
fn a_zero_deadline_refuses_each_ndjson_line_on_its_own() {
    let server =
        TestServer::start_with(Path::new("policies"), date("2026-11-28"), false, |state| {
            state.limits.deadline = Duration::from_millis(0);
        });
    let lines = format!("{}\n{}\n", candidate(), candidate());
    let entries = ndjson_entries(&server, lines);
    assert_eq!(entries.len(), 2, "{entries:?}");
    for entry in entries {
        assert_eq!(entry["error"]["status"], 503, "{entry}");
        assert_eq!(
            entry["error"]["type"],
            "urn:clausier:problem:deadline-exceeded"
        );
    }
}

/// An NDJSON line over `--ndjson-line-limit` answers a 413 line of its own; the lines around it
/// are decided.
#[test]
fn an_over_long_ndjson_line_is_refused_alone() {
    let server =
        TestServer::start_with(Path::new("policies"), date("2026-11-28"), false, |state| {
            state.limits.ndjson_line = 1024;
        });
    let long = json!({"candidate": {"id": "x".repeat(2000)}});
    let lines = format!("{}\n{long}\n{}\n", candidate(), candidate());
    let entries = ndjson_entries(&server, lines);
    assert_eq!(entries.len(), 3, "{entries:?}");
    assert!(entries[0]["conclusions"].is_object(), "{}", entries[0]);
    assert_eq!(entries[1]["error"]["status"], 413, "{}", entries[1]);
    assert!(entries[2]["conclusions"].is_object(), "{}", entries[2]);

    // The limit counts the line without its newline: exactly 1,024 bytes is within it.
    let padded = |len: usize| {
        let bare = json!({"candidate": {"id": ""}}).to_string();
        json!({"candidate": {"id": "x".repeat(len - bare.len())}}).to_string()
    };
    let lines = format!("{}\n{}\n", padded(1024), padded(1025));
    let entries = ndjson_entries(&server, lines);
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert!(entries[0].get("error").is_none(), "{}", entries[0]);
    assert_eq!(entries[1]["error"]["status"], 413, "{}", entries[1]);
}
