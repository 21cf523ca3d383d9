//! Slow clients and large batches: a body that never arrives is cut, a flood of such clients
//! leaves the service answering, a JSON batch is counted while it is parsed and answered as a
//! stream. Some tests run the real `clausier serve`, started on an ephemeral port.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::http::{TestServer, date, get};
use crate::serve::Served;

const BTS: &str = "bts-metiers-de-la-mesure";

/// A connection that sends a request announcing `Content-Length: 1000`, one byte of body,
/// then nothing.
pub(crate) fn stall(addr: &str, path: &str, content_type: &str) -> TcpStream {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {content_type}\r\nContent-Length: 1000\r\n\r\n{{"
    )
    .unwrap();
    stream.flush().unwrap();
    stream
}

/// Everything the server sends until it closes the connection, and how long that took; fails
/// if it is still open after `within`.
pub(crate) fn until_closed(stream: &mut TcpStream, within: Duration) -> (String, Duration) {
    let started = Instant::now();
    stream.set_read_timeout(Some(within)).unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!(
                "the connection was still open after {within:?} ({e}); read so far: {}",
                String::from_utf8_lossy(&out)
            ),
        }
        assert!(
            started.elapsed() < within,
            "the connection was still open after {within:?}"
        );
    }
    (
        String::from_utf8_lossy(&out).into_owned(),
        started.elapsed(),
    )
}

fn slow_server() -> TestServer {
    TestServer::start_with(Path::new("policies"), date("2026-11-28"), false, |state| {
        state.limits.body_timeout = Duration::from_secs(1);
    })
}

#[test]
fn a_body_that_stalls_is_answered_408_and_the_connection_closed() {
    let server = slow_server();
    let addr = server.base.trim_start_matches("http://").to_string();
    for path in [
        format!("/v1/policies/{BTS}/decisions"),
        format!("/v1/policies/{BTS}/decisions/batch"),
        format!("/v1/policies/{BTS}/interview"),
    ] {
        let mut stream = stall(&addr, &path, "application/json");
        // Closed within three times the body timeout.
        let (answer, _) = until_closed(&mut stream, Duration::from_secs(3));
        assert!(answer.starts_with("HTTP/1.1 408"), "{path}: {answer}");
        assert!(answer.contains("application/problem+json"), "{answer}");
        assert!(
            answer.contains("urn:clausier:problem:request-timeout"),
            "{answer}"
        );
        assert!(
            answer.to_ascii_lowercase().contains("connection: close"),
            "{answer}"
        );
    }
}

#[test]
fn an_ndjson_line_that_stalls_ends_the_stream_with_a_408_line() {
    let server = slow_server();
    let addr = server.base.trim_start_matches("http://").to_string();
    let path = format!("/v1/policies/{BTS}/decisions/batch?version=session-2027");
    let mut stream = TcpStream::connect(&addr).unwrap();
    // One whole line, decided at once, then the start of a second line that never ends.
    let line = "{\"candidate\": {\"pathway\": \"scolaire\"}}\n{";
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-ndjson\r\nContent-Length: 1000\r\n\r\n{line}"
    )
    .unwrap();
    let (answer, _) = until_closed(&mut stream, Duration::from_secs(3));
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"decision_id\""), "{answer}");
    assert!(
        answer.contains("urn:clausier:problem:request-timeout"),
        "{answer}"
    );
}

#[test]
fn while_two_hundred_slow_clients_stall_healthz_answers() {
    let served = Served::start(&["--body-timeout-ms", "1000", "--workers", "2"]);
    let path = format!("/v1/policies/{BTS}/decisions");
    let mut stalled: Vec<TcpStream> = (0..200)
        .map(|_| stall(served.addr(), &path, "application/json"))
        .collect();
    let stalled_at = Instant::now();
    let health = crate::http::agent()
        .get(format!("{}/healthz", served.base()))
        .call()
        .unwrap();
    assert_eq!(health.status(), 200);
    // Every stalled client is then answered and let go, within 3 × the timeout of the last
    // one's stall (the README's promise).
    for stream in &mut stalled {
        let left = Duration::from_secs(3).saturating_sub(stalled_at.elapsed());
        let (answer, _) = until_closed(stream, left.max(Duration::from_millis(1)));
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
            "{answer}"
        );
    }
    let health = crate::http::agent()
        .get(format!("{}/healthz", served.base()))
        .call()
        .unwrap();
    assert_eq!(health.status(), 200);
}

#[test]
fn a_body_sent_slowly_within_the_timeout_is_read() {
    // A body sent in two parts half a second apart is within a one-second timeout.
    let server = slow_server();
    let addr = server.base.trim_start_matches("http://").to_string();
    let body = r#"{"input": {}, "version": "session-2027"}"#;
    let mut stream = TcpStream::connect(&addr).unwrap();
    write!(
        stream,
        "POST /v1/policies/{BTS}/decisions HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        body.len(),
        &body[..5]
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    stream.write_all(&body.as_bytes()[5..]).unwrap();
    let (answer, _) = until_closed(&mut stream, Duration::from_secs(5));
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(get(&server, "/healthz").status, 200);
}

#[test]
fn ndjson_lines_sent_slowly_each_within_the_timeout_are_all_decided() {
    // Three lines 600 ms apart: each within the one-second timeout from the line before,
    // the stream as a whole past it.
    let server = slow_server();
    let addr = server.base.trim_start_matches("http://").to_string();
    let path = format!("/v1/policies/{BTS}/decisions/batch?version=session-2027");
    let line = "{\"candidate\": {\"pathway\": \"scolaire\"}}\n";
    let mut stream = TcpStream::connect(&addr).unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-ndjson\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{line}",
        3 * line.len()
    )
    .unwrap();
    for _ in 0..2 {
        std::thread::sleep(Duration::from_millis(600));
        stream.write_all(line.as_bytes()).unwrap();
    }
    let (answer, _) = until_closed(&mut stream, Duration::from_secs(5));
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(answer.matches("\"decision_id\"").count(), 3, "{answer}");
    assert!(!answer.contains("request-timeout"), "{answer}");
}

#[test]
fn an_ndjson_line_over_the_limit_is_refused_before_it_ends() {
    // 4 KiB of a line that never ends, against a 1 KiB limit: answered 413 at once, not kept
    // in memory until the newline (nor only answered 408 when the body times out).
    let server =
        TestServer::start_with(Path::new("policies"), date("2026-11-28"), false, |state| {
            state.limits.body_timeout = Duration::from_secs(1);
            state.limits.ndjson_line = 1024;
        });
    let addr = server.base.trim_start_matches("http://").to_string();
    let path = format!("/v1/policies/{BTS}/decisions/batch?version=session-2027");
    let mut stream = TcpStream::connect(&addr).unwrap();
    let start = format!("{{\"candidate\": {{\"id\": \"{}", "x".repeat(4096));
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-ndjson\r\nContent-Length: 100000\r\n\r\n{start}"
    )
    .unwrap();
    let (answer, _) = until_closed(&mut stream, Duration::from_secs(5));
    let too_large = answer.find("urn:clausier:problem:payload-too-large");
    let timed_out = answer.find("urn:clausier:problem:request-timeout");
    assert!(too_large.is_some(), "{answer}");
    assert!(too_large < timed_out || timed_out.is_none(), "{answer}");
}

#[test]
fn a_batch_is_counted_while_it_is_read() {
    use clausier::request::{Exceeded, RequestError, parse_batch};
    // What follows the fourth input is never read: a batch of three stops there.
    let body = br#"{"inputs": [{}, {}, {}, {}, this is not JSON"#;
    let e = parse_batch(body, 64, 3).unwrap_err();
    assert_eq!(e, RequestError::Exceeded(Exceeded::Inputs(3)));
    // Within the limit, the inputs are kept as their text, in order.
    let body = br#"{"version": "v", "inputs": [{"a": 1}, [2], "x"], "explain": true}"#;
    let read = parse_batch(body, 64, 3).unwrap();
    let texts: Vec<&str> = read.inputs.iter().map(|r| r.get()).collect();
    assert_eq!(texts, [r#"{"a": 1}"#, "[2]", r#""x""#]);
    assert_eq!(read.version.as_deref(), Some("v"));
    assert!(read.explain);
    // The envelope is as strict as before: unknown, repeated or missing fields are refused.
    for bad in [
        r#"{"inputs": [], "verison": "v"}"#,
        r#"{"inputs": [], "inputs": []}"#,
        r#"{"version": "v"}"#,
        r#"{"inputs": {}}"#,
    ] {
        assert!(
            matches!(
                parse_batch(bad.as_bytes(), 64, 3),
                Err(RequestError::Bad(_))
            ),
            "{bad}"
        );
    }
    assert!(matches!(
        parse_batch(br#"{"inputs": [}"#, 64, 3),
        Err(RequestError::Malformed(_))
    ));
}

#[test]
fn a_batch_over_its_length_is_refused_before_the_rest_is_read() {
    let server =
        TestServer::start_with(Path::new("policies"), date("2026-11-28"), false, |state| {
            state.limits.batch_len = 3;
        });
    let p = crate::http::post(
        &server,
        &format!("/v1/policies/{BTS}/decisions/batch"),
        "application/json",
        r#"{"inputs": [{}, {}, {}, {}, this is not JSON"#,
    )
    .problem(413);
    assert_eq!(p["type"], "urn:clausier:problem:too-many-inputs");
    assert!(p["detail"].as_str().unwrap().contains("3"), "{p}");
}

#[test]
fn a_json_batch_is_streamed_in_the_same_shape() {
    let server = TestServer::bts(date("2026-11-28"));
    let addr = server.base.trim_start_matches("http://").to_string();
    let inputs: Vec<_> = (0..40).map(|_| crate::http::candidate()).collect();
    let body = serde_json::json!({"inputs": inputs, "version": "session-2027"}).to_string();
    let mut stream = TcpStream::connect(&addr).unwrap();
    write!(
        stream,
        "POST /v1/policies/{BTS}/decisions/batch HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let (answer, _) = until_closed(&mut stream, Duration::from_secs(60));
    let head = answer
        .split("\r\n\r\n")
        .next()
        .unwrap()
        .to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("transfer-encoding: chunked"), "{head}");
    assert!(head.contains("content-type: application/json"), "{head}");
    // Through an HTTP client, the same document as ever.
    let r = crate::http::post(
        &server,
        &format!("/v1/policies/{BTS}/decisions/batch"),
        "application/json",
        body,
    );
    let decisions = r.json()["decisions"].as_array().unwrap().clone();
    assert_eq!(decisions.len(), 40);
    assert!(
        decisions
            .iter()
            .all(|d| d["conclusions"]["e61_admission"]["value"] == "admis")
    );
}

#[test]
fn a_deadline_holds_inside_one_evaluation() {
    use clausier::request::{Deadline, Exceeded, Options, RequestError, decide};
    let folder = clausier::load::load_folder(Path::new("policies").join(BTS).as_path()).unwrap();
    let policy = folder.version("session-2027").unwrap();
    let input = crate::http::candidate();
    let passed = Deadline::after(Duration::ZERO);
    std::thread::sleep(Duration::from_millis(2));
    let options = Options {
        deadline: Some(passed),
        ..Options::default()
    };
    assert_eq!(
        decide(policy, &input, &options).unwrap_err(),
        RequestError::Exceeded(Exceeded::Deadline(Duration::ZERO))
    );
    // A deadline far off changes nothing.
    let options = Options {
        deadline: Some(Deadline::after(Duration::from_secs(3600))),
        decision_id: Some("x".into()),
        ..Options::default()
    };
    let without = Options {
        decision_id: Some("x".into()),
        ..Options::default()
    };
    assert_eq!(
        serde_json::to_value(decide(policy, &input, &options).unwrap()).unwrap(),
        serde_json::to_value(decide(policy, &input, &without).unwrap()).unwrap()
    );
}

#[test]
fn a_record_of_many_unknown_fields_answers_a_bounded_list_of_errors() {
    let server = TestServer::bts(date("2026-11-28"));
    let record: serde_json::Map<String, serde_json::Value> = (0..5_000)
        .map(|i| (format!("field{i}"), serde_json::Value::from(i)))
        .collect();
    let p = crate::http::decide(&server, serde_json::json!({"input": record})).problem(422);
    let errors = p["errors"].as_array().unwrap();
    assert_eq!(errors.len(), clausier::request::MAX_INPUT_ERRORS + 1);
    assert!(
        errors.last().unwrap()["message"]
            .as_str()
            .unwrap()
            .contains("4900"),
        "{}",
        errors.last().unwrap()
    );
}

/// The resident memory of process `pid`: (`VmRSS`, `VmHWM`) in KiB.
fn memory_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap()
    };
    (field("VmRSS:"), field("VmHWM:"))
}

#[test]
fn memory_after_a_series_of_batches_is_reported() {
    // Measured, not asserted tightly: the numbers are printed (`--nocapture`) and only a gross
    // leak fails. `benches/batch-memory.sh` measures the release build on larger batches.
    let served = Served::start(&["--workers", "1"]);
    let (idle, _) = memory_kib(served.pid());
    let inputs: Vec<_> = (0..2_000).map(|_| crate::http::candidate()).collect();
    let body = serde_json::json!({"inputs": inputs, "version": "session-2027"}).to_string();
    let url = format!("{}/v1/policies/{BTS}/decisions/batch", served.base());
    for _ in 0..3 {
        let r = crate::http::reply(
            crate::http::agent()
                .post(&url)
                .header("content-type", "application/json")
                .send(body.as_bytes())
                .unwrap(),
        );
        assert_eq!(r.status, 200);
        assert!(r.body.ends_with("]}"));
    }
    let (after, peak) = memory_kib(served.pid());
    eprintln!(
        "batches of 2,000 inputs ({} KiB in): RSS idle {idle} KiB, peak {peak} KiB, after {after} KiB",
        body.len() >> 10
    );
    assert!(
        after < idle + (512 << 10),
        "idle {idle} KiB, after {after} KiB"
    );
}
