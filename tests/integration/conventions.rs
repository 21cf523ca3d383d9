//! What a client developer expects of an HTTP service, over real HTTP: compressed answers (and
//! streamed ones still streamed), CORS when configured, revalidation with `ETag` and the
//! `Cache-Control` of each answer, and the errors every operation may answer documented.
//! The pages behind a proxy that mounts the service under a sub-path are in `proxied.rs`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

use crate::http::{TestServer, agent, candidate, date, decide, get, post};

const BTS: &str = "bts-metiers-de-la-mesure";

/// The status, headers (names in lower case) and raw body bytes of a GET with `headers`.
fn fetch(url: &str, headers: &[(&str, &str)]) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut request = agent().get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut r = request.call().unwrap();
    let status = r.status().as_u16();
    let head = r
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_ascii_lowercase(),
                v.to_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let body = r
        .body_mut()
        .with_config()
        .limit(256 << 20)
        .read_to_vec()
        .unwrap();
    (status, head, body)
}

/// Every value of header `name`, joined by `, ` (as one header would hold them).
fn header(head: &[(String, String)], name: &str) -> String {
    head.iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `bytes` decoded from `coding`.
fn decode(coding: &str, bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match coding {
        "gzip" => flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .unwrap(),
        "deflate" => flate2::read::ZlibDecoder::new(bytes)
            .read_to_end(&mut out)
            .unwrap(),
        "br" => brotli::Decompressor::new(bytes, 4096)
            .read_to_end(&mut out)
            .unwrap(),
        other => panic!("unknown coding {other}"),
    };
    out
}

#[test]
fn answers_are_compressed_in_the_coding_the_client_asks_for() {
    let server = TestServer::bts(date("2026-11-28"));
    for path in [
        format!("/v1/policies/{BTS}/versions/session-2027"),
        "/v1/policies".to_string(),
        "/openapi.json".to_string(),
    ] {
        let url = format!("{}{path}", server.base);
        let (status, plain_head, plain) = fetch(&url, &[]);
        assert_eq!(status, 200, "{path}");
        assert_eq!(header(&plain_head, "content-encoding"), "", "{path}");
        let plain: Value = serde_json::from_slice(&plain).unwrap();
        let strong = header(&plain_head, "etag");
        assert!(strong.starts_with('"'), "{path}: {strong}");
        for (asked, coding) in [
            ("gzip", "gzip"),
            ("br", "br"),
            ("deflate", "deflate"),
            ("gzip;q=0.5, br", "br"),
        ] {
            let (status, head, body) = fetch(&url, &[("accept-encoding", asked)]);
            assert_eq!(status, 200, "{path} {asked}");
            assert_eq!(header(&head, "content-encoding"), coding, "{path} {asked}");
            assert!(
                header(&head, "vary").contains("accept-encoding"),
                "{path}: {head:?}"
            );
            let decoded: Value = serde_json::from_slice(&decode(coding, &body)).unwrap();
            assert_eq!(decoded, plain, "{path} in {coding}");
            // Not the same bytes, the same meaning: a weak tag, still good for revalidation.
            assert_eq!(header(&head, "etag"), format!("W/{strong}"), "{path}");
            let (again, _, _) = fetch(
                &url,
                &[
                    ("accept-encoding", asked),
                    ("if-none-match", &header(&head, "etag")),
                ],
            );
            assert_eq!(again, 304, "{path} {asked}");
        }
    }
    // A client that refuses every coding, `identity` included, gets the answer uncompressed,
    // not an error.
    let url = format!("{}/v1/policies", server.base);
    let (status, head, body) = fetch(&url, &[("accept-encoding", "zstd, identity;q=0")]);
    assert_eq!(status, 200);
    assert_eq!(header(&head, "content-encoding"), "");
    assert!(serde_json::from_slice::<Value>(&body).is_ok());
    // The metrics are not compressed (Prometheus asks for gzip: it gets plain text, said so).
    let (status, head, body) = fetch(
        &format!("{}/metrics", server.base),
        &[("accept-encoding", "gzip")],
    );
    assert_eq!(status, 200);
    assert_eq!(header(&head, "content-encoding"), "");
    assert!(
        body.starts_with(b"# HELP"),
        "{}",
        String::from_utf8_lossy(&body)
    );
    // A problem is compressed too, and stays a problem.
    let (status, head, body) = fetch(
        &format!("{}/v1/policies/nope/versions/x", server.base),
        &[("accept-encoding", "gzip")],
    );
    assert_eq!(status, 404);
    assert_eq!(header(&head, "content-type"), "application/problem+json");
    let p: Value = serde_json::from_slice(&decode("gzip", &body)).unwrap();
    assert_eq!(p["status"], 404);
}

#[test]
fn a_compressed_request_body_is_still_refused() {
    let server = TestServer::bts(date("2026-11-28"));
    let r = agent()
        .post(format!("{}/v1/policies/{BTS}/decisions", server.base))
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .header("accept-encoding", "gzip")
        .send(&[0x1f_u8, 0x8b, 0, 0][..])
        .unwrap();
    assert_eq!(r.status().as_u16(), 415);
}

/// A chunked HTTP/1.1 response read as it arrives.
pub(crate) struct Chunked {
    reader: BufReader<TcpStream>,
    pub(crate) head: String,
}

impl Chunked {
    /// Reads the status line and headers.
    pub(crate) fn start(stream: TcpStream) -> Chunked {
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let mut reader = BufReader::new(stream);
        let mut head = String::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line == "\r\n" || line.is_empty() {
                break;
            }
            head.push_str(&line.to_ascii_lowercase());
        }
        assert!(head.contains("transfer-encoding: chunked"), "{head}");
        Chunked { reader, head }
    }

    /// The next chunk's bytes; none at the last chunk. Blocks until the chunk arrives (a
    /// chunk that never comes fails on the read timeout).
    pub(crate) fn next(&mut self) -> Option<Vec<u8>> {
        let mut size = String::new();
        self.reader.read_line(&mut size).unwrap();
        let size = usize::from_str_radix(size.trim(), 16).unwrap();
        let mut chunk = vec![0; size + 2];
        self.reader.read_exact(&mut chunk).unwrap();
        chunk.truncate(size);
        (size > 0).then_some(chunk)
    }
}

/// What the bytes received so far of a stream in `coding` decode to (a flushed stream decodes
/// up to its last flush; what follows is not there yet).
fn decode_so_far(coding: &str, bytes: &[u8]) -> String {
    let mut out = Vec::new();
    // The error at the end of the bytes received is expected: the stream goes on.
    let _ = match coding {
        "gzip" => flate2::read::GzDecoder::new(bytes).read_to_end(&mut out),
        _ => brotli::Decompressor::new(bytes, 4096).read_to_end(&mut out),
    };
    String::from_utf8(out).unwrap()
}

#[test]
fn a_compressed_ndjson_answer_still_streams_line_by_line() {
    // The client sends one line, reads its decision, then sends the next: each decision must
    // reach it, compressed, while the request body is still open.
    let server = TestServer::bts(date("2026-11-28"));
    let addr = server.base.trim_start_matches("http://").to_string();
    for coding in ["gzip", "br"] {
        let mut stream = TcpStream::connect(&addr).unwrap();
        write!(
            stream,
            "POST /v1/policies/{BTS}/decisions/batch?version=session-2027 HTTP/1.1\r\nHost: {addr}\r\n\
             Content-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\nAccept-Encoding: {coding}\r\n\r\n"
        )
        .unwrap();
        let send_line = |stream: &mut TcpStream, record: &Value| {
            let line = format!("{record}\n");
            write!(stream, "{:x}\r\n{line}\r\n", line.len()).unwrap();
            stream.flush().unwrap();
        };
        send_line(&mut stream, &candidate());
        let mut answer = Chunked::start(stream.try_clone().unwrap());
        assert!(
            answer.head.contains(&format!("content-encoding: {coding}")),
            "{}",
            answer.head
        );
        assert!(
            answer.head.contains("cache-control: no-store"),
            "{}",
            answer.head
        );
        let mut received = Vec::new();
        let mut text = String::new();
        for n in 1..=3 {
            while text.lines().count() < n || !text.ends_with('\n') {
                let chunk = answer
                    .next()
                    .unwrap_or_else(|| panic!("{coding}: the answer ended early: {text}"));
                received.extend_from_slice(&chunk);
                text = decode_so_far(coding, &received);
            }
            // Had the answer waited for the body to end, the line timeout would have ended it
            // first, with a 408 line after the first decision.
            assert_eq!(
                text.lines().count(),
                n,
                "{coding}: each decision before the next line is sent: {text}"
            );
            if n < 3 {
                let mut record = candidate();
                record["candidate"]["id"] = json!(format!("c{n}"));
                send_line(&mut stream, &record);
            }
        }
        // The end of the body ends the answer, and the whole decodes to the three lines.
        write!(stream, "0\r\n\r\n").unwrap();
        while let Some(chunk) = answer.next() {
            received.extend_from_slice(&chunk);
        }
        let text = String::from_utf8(decode(coding, &received)).unwrap();
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 3, "{coding}");
        assert_eq!(lines[2]["conclusions"]["e61_admission"]["value"], "admis");
    }
}

#[test]
fn a_compressed_json_batch_decodes_to_the_same_document() {
    let server = TestServer::bts(date("2026-11-28"));
    let inputs: Vec<Value> = (0..300).map(|_| candidate()).collect();
    let body = json!({"inputs": inputs, "version": "session-2027"}).to_string();
    let mut r = agent()
        .post(format!("{}/v1/policies/{BTS}/decisions/batch", server.base))
        .header("content-type", "application/json")
        .header("accept-encoding", "gzip")
        .send(body.as_bytes())
        .unwrap();
    assert_eq!(r.headers()["content-encoding"], "gzip");
    assert_eq!(r.headers()["cache-control"], "no-store");
    let bytes = r
        .body_mut()
        .with_config()
        .limit(256 << 20)
        .read_to_vec()
        .unwrap();
    let plain = bytes.len();
    let decoded: Value = serde_json::from_slice(&decode("gzip", &bytes)).unwrap();
    let decisions = decoded["decisions"].as_array().unwrap();
    assert_eq!(decisions.len(), 300);
    assert!(
        decisions
            .iter()
            .all(|d| d["conclusions"]["e61_admission"]["value"] == "admis")
    );
    let uncompressed = serde_json::to_vec(&decoded).unwrap().len();
    assert!(plain * 5 < uncompressed, "{plain} of {uncompressed} bytes");
}

/// A service allowing CORS from `origins`, with the administration on or off.
fn cors_server(origins: &[&str], admin: bool) -> TestServer {
    let origins: Vec<String> = origins.iter().map(|o| o.to_string()).collect();
    TestServer::start_with(Path::new("policies"), date("2026-11-28"), false, |state| {
        state.cors_origins = origins;
        if admin {
            state.admin_token = Some("a-long-enough-test-token".into());
        }
    })
}

/// The answer to a preflight from `origin` for `method` with `headers`.
fn preflight(
    server: &TestServer,
    path: &str,
    origin: &str,
    method: &str,
    headers: &str,
) -> (u16, Vec<(String, String)>, String) {
    let mut request = agent()
        .options(format!("{}{path}", server.base))
        .header("origin", origin)
        .header("access-control-request-method", method);
    if !headers.is_empty() {
        request = request.header("access-control-request-headers", headers);
    }
    let mut r = request.call().unwrap();
    let head = r
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let body = r.body_mut().read_to_string().unwrap_or_default();
    (r.status().as_u16(), head, body)
}

#[test]
fn cors_is_off_unless_origins_are_configured() {
    let server = TestServer::bts(date("2026-11-28"));
    let path = format!("/v1/policies/{BTS}/decisions");
    // A preflight is an OPTIONS like any other: 405, as before.
    let (status, head, _) = preflight(
        &server,
        &path,
        "https://app.example.org",
        "POST",
        "content-type",
    );
    assert_eq!(status, 405);
    assert_eq!(header(&head, "access-control-allow-origin"), "");
    let (_, head, _) = fetch(
        &format!("{}/v1/policies", server.base),
        &[("origin", "https://app.example.org")],
    );
    assert_eq!(header(&head, "access-control-allow-origin"), "");
}

#[test]
fn configured_origins_get_preflights_answered_and_headers_exposed() {
    let origin = "https://app.example.org";
    let path = format!("/v1/policies/{BTS}/decisions");
    for admin in [false, true] {
        let server = cors_server(&[origin, "http://localhost:5173"], admin);
        let (status, head, _) = preflight(
            &server,
            &path,
            origin,
            "POST",
            "content-type, accept-language",
        );
        assert!(status == 200 || status == 204, "{status}");
        assert_eq!(header(&head, "access-control-allow-origin"), origin);
        let methods = header(&head, "access-control-allow-methods");
        for m in ["GET", "HEAD", "POST"] {
            assert!(methods.contains(m), "{methods}");
        }
        // The administration's methods only when it is on.
        assert_eq!(methods.contains("PUT"), admin, "{methods}");
        assert_eq!(methods.contains("DELETE"), admin, "{methods}");
        let allowed = header(&head, "access-control-allow-headers").to_ascii_lowercase();
        for h in [
            "content-type",
            "accept-language",
            "if-none-match",
            "x-request-id",
        ] {
            assert!(allowed.contains(h), "{allowed}");
        }
        assert_eq!(allowed.contains("authorization"), admin, "{allowed}");
        assert_eq!(header(&head, "access-control-max-age"), "7200");
        assert_eq!(header(&head, "access-control-allow-credentials"), "");

        // The request itself: its origin allowed, the headers a page needs exposed.
        let r = agent()
            .post(format!("{}{path}", server.base))
            .header("origin", origin)
            .header("content-type", "application/json")
            .send(json!({"input": candidate()}).to_string().as_bytes())
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        assert_eq!(r.headers()["access-control-allow-origin"], origin);
        let exposed = r.headers()["access-control-expose-headers"]
            .to_str()
            .unwrap()
            .to_ascii_lowercase();
        for h in ["etag", "x-request-id", "location", "clausier-policy-set"] {
            assert!(exposed.contains(h), "{exposed}");
        }

        // Another origin's preflight is refused, as a problem.
        let (status, head, body) = preflight(&server, &path, "https://evil.example", "POST", "");
        assert_eq!(status, 400);
        assert_eq!(header(&head, "access-control-allow-origin"), "");
        assert_eq!(header(&head, "content-type"), "application/problem+json");
        let p: Value = serde_json::from_str(&body).unwrap();
        assert!(p["request_id"].is_string(), "{p}");
        // A method the service does not offer (the administration's when off) too.
        let (status, _, _) = preflight(
            &server,
            &format!("/v1/policies/{BTS}/versions/session-2027"),
            origin,
            "DELETE",
            "",
        );
        assert_eq!(status == 400, !admin);
        // An OPTIONS that is not a preflight is still a 405.
        let r = agent()
            .options(format!("{}/v1/policies", server.base))
            .call()
            .unwrap();
        assert_eq!(r.status().as_u16(), 405);
    }
}

#[test]
fn origins_are_read_from_the_flag_or_the_variable() {
    use crate::serve::Served;
    let allowed = |base: &str, origin: &str| {
        let r = agent()
            .options(format!("{base}/v1/policies"))
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .call()
            .unwrap();
        r.status().as_u16() == 200 && r.headers().get("access-control-allow-origin").is_some()
    };
    let flags = Served::start(&[
        "--cors-origin",
        "https://a.example",
        "--cors-origin",
        "https://b.example:8443",
    ]);
    assert!(allowed(&flags.base(), "https://a.example"));
    assert!(allowed(&flags.base(), "https://b.example:8443"));
    assert!(!allowed(&flags.base(), "https://c.example"));
    let variable = Served::start_with_env(
        &[],
        &[(
            "CLAUSIER_CORS_ORIGIN",
            "https://a.example, https://b.example:8443",
        )],
    );
    assert!(allowed(&variable.base(), "https://a.example"));
    assert!(allowed(&variable.base(), "https://b.example:8443"));
    assert!(!allowed(&variable.base(), "https://c.example"));
}

#[test]
fn any_origin_is_allowed_only_when_said_so() {
    let server = cors_server(&["*"], false);
    let (status, head, _) = preflight(
        &server,
        "/v1/policies",
        "https://anywhere.example",
        "GET",
        "if-none-match",
    );
    assert_eq!(status, 200);
    assert_eq!(header(&head, "access-control-allow-origin"), "*");
    // Compressed, in a language, to another origin: `Vary` names all three.
    let (_, head, _) = fetch(
        &format!("{}/v1/policies/{BTS}/versions/session-2027", server.base),
        &[
            ("origin", "https://anywhere.example"),
            ("accept-encoding", "gzip"),
        ],
    );
    assert_eq!(header(&head, "access-control-allow-origin"), "*");
    let vary = header(&head, "vary").to_ascii_lowercase();
    for h in ["origin", "accept-language", "accept-encoding"] {
        assert!(vary.contains(h), "{vary}");
    }
}

#[test]
fn origins_are_checked_as_a_browser_sends_them() {
    use clausier::server::cors::check_origin;
    assert_eq!(
        check_origin("https://App.Example.org").unwrap(),
        "https://app.example.org"
    );
    assert!(check_origin("http://localhost:5173").is_ok());
    assert!(check_origin("*").is_ok());
    for bad in [
        "https://app.example.org/",
        "https://app.example.org/ui",
        "app.example.org",
        "https://",
    ] {
        assert!(check_origin(bad).is_err(), "{bad}");
    }
    // The command line refuses one before starting.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_clausier"))
        .args(["serve", "--addr", "127.0.0.1:0", "--cors-origin"])
        .arg("https://app.example.org/")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--cors-origin") && err.contains("final `/`"),
        "{err}"
    );
}

/// The tag and `Cache-Control` of a GET, and the status when revalidated with that tag.
fn revalidate(server: &TestServer, path: &str) -> (String, String, u16) {
    let url = format!("{}{path}", server.base);
    let (status, head, _) = fetch(&url, &[]);
    assert_eq!(status, 200, "{path}");
    let etag = header(&head, "etag");
    let (again, again_head, body) = fetch(&url, &[("if-none-match", &etag)]);
    if again == 304 {
        assert!(body.is_empty());
        assert_eq!(header(&again_head, "etag"), etag, "{path}");
    }
    (etag, header(&head, "cache-control"), again)
}

#[test]
fn the_policy_list_is_revalidated_by_a_digest_of_the_served_set() {
    let folder = tempfile::tempdir().unwrap();
    crate::http::copy_policies(folder.path());
    let server = TestServer::start(
        folder.path(),
        date("2026-11-28"),
        clausier::server::Limits::default(),
        true,
    );
    let (etag, cache, again) = revalidate(&server, "/v1/policies");
    assert!(etag.starts_with('"') && etag.len() == 66, "{etag}");
    assert_eq!(cache, "no-cache");
    assert_eq!(again, 304);
    // Another day may put another version in force: another tag.
    let tomorrow = TestServer::start(
        folder.path(),
        date("2027-06-01"),
        clausier::server::Limits::default(),
        false,
    );
    assert_ne!(revalidate(&tomorrow, "/v1/policies").0, etag);
    // A version edited: once it is served, the old tag no longer holds.
    let file = folder.path().join(BTS).join("session-2027.policy");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, format!("{text}\n# edited\n")).unwrap();
    let url = format!("{}/v1/policies", server.base);
    let started = std::time::Instant::now();
    while fetch(&url, &[("if-none-match", &etag)]).0 == 304 {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "never reloaded"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let (new_etag, _, again) = revalidate(&server, "/v1/policies");
    assert_ne!(new_etag, etag);
    assert_eq!(again, 304);
}

#[test]
fn the_set_digest_names_what_is_served() {
    use clausier::server::store::Store;
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    crate::http::copy_policies(a.path());
    crate::http::copy_policies(b.path());
    let (store_a, store_b) = (Store::open(a.path()), Store::open(b.path()));
    let digest = store_a.snapshot().set_digest();
    assert_eq!(digest.len(), 64);
    // Two replicas of the same files agree, and a reload without a change keeps it.
    assert_eq!(store_b.snapshot().set_digest(), digest);
    store_a.reload();
    assert_eq!(store_a.snapshot().set_digest(), digest);
    // A changed version changes it.
    let file = b.path().join(BTS).join("session-2027.policy");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, format!("{text}\n# edited\n")).unwrap();
    store_b.reload();
    let edited = store_b.snapshot().set_digest();
    assert_ne!(edited, digest);
    // A file that fails the check (its last good version still served, now stale) too.
    std::fs::write(&file, format!("{text}\nthis is not a policy\n")).unwrap();
    store_b.reload();
    let broken = store_b.snapshot();
    assert!(broken.has_errors());
    assert_ne!(broken.set_digest(), edited);
}

#[test]
fn each_get_says_how_it_may_be_cached_and_decisions_are_never_stored() {
    let server = TestServer::bts(date("2026-11-28"));
    for path in [
        "/v1/policies".to_string(),
        format!("/v1/policies/{BTS}/versions/session-2027"),
        format!("/v1/policies/{BTS}/versions/session-2027/schema"),
        format!("/v1/policies/{BTS}/diff?from=session-2026&to=session-2027"),
        "/openapi.json".to_string(),
    ] {
        let (etag, cache, again) = revalidate(&server, &path);
        assert!(etag.starts_with('"'), "{path}: {etag}");
        assert_eq!(cache, "no-cache", "{path}");
        assert_eq!(again, 304, "{path}");
    }
    // Answers to POST hold records and decisions: no cache keeps them, errors included.
    let no_store = |r: ureq::http::Response<ureq::Body>| {
        r.headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    for body in [json!({"input": candidate()}), json!({"input": {"x": 1}})] {
        let r = agent()
            .post(format!("{}/v1/policies/{BTS}/decisions", server.base))
            .header("content-type", "application/json")
            .send(body.to_string().as_bytes())
            .unwrap();
        assert_eq!(no_store(r), "no-store", "{body}");
    }
    let r = agent()
        .post(format!("{}/v1/policies/{BTS}/interview", server.base))
        .header("content-type", "application/json")
        .send(json!({"input": {}}).to_string().as_bytes())
        .unwrap();
    assert_eq!(no_store(r), "no-store");
    // The helpers still decide as before.
    assert_eq!(decide(&server, json!({"input": candidate()})).status, 200);
}

#[test]
fn every_operation_documents_the_errors_any_route_may_answer() {
    let server = TestServer::bts(date("2026-11-28"));
    let api = get(&server, "/openapi.json").json();
    let mut operations = 0;
    for (path, item) in api["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let default = &operation["responses"]["default"];
            assert_eq!(
                default["content"]["application/problem+json"]["schema"]["$ref"],
                "#/components/schemas/Problem",
                "{method} {path}"
            );
            let said = default["description"].as_str().unwrap();
            assert!(said.contains("404") && said.contains("405"), "{said}");
            operations += 1;
        }
    }
    assert!(operations >= 12, "{operations}");
    // And they are answered so.
    let r = get(&server, "/v1/nothing-here");
    r.problem(404);
    let r = post(&server, "/v1/policies", "application/json", "{}");
    r.problem(405);
}
