//! Slow clients and large batches: a body that never arrives is cut, a flood of such clients
//! leaves the service answering, a JSON batch is counted while it is parsed and answered as a
//! stream. Some tests run the real `clausier serve`, started on an ephemeral port.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::http::{TestServer, date, get};

const BTS: &str = "bts-metiers-de-la-mesure";

/// `clausier serve` in a child process, killed when dropped.
struct Served {
    child: Child,
    addr: String,
}

impl Served {
    /// Starts the service on 127.0.0.1 with `args` added, and waits until it listens.
    fn start(args: &[&str]) -> Served {
        let mut child = Command::new(env!("CARGO_BIN_EXE_clausier"))
            .args(["serve", "--policies", "policies", "--addr", "127.0.0.1:0"])
            .args(args)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut log = BufReader::new(child.stderr.take().unwrap());
        let mut addr = None;
        let mut line = String::new();
        while addr.is_none() && log.read_line(&mut line).unwrap() > 0 {
            if line.contains("listening") {
                addr = line
                    .split_whitespace()
                    .find_map(|w| w.strip_prefix("addr="))
                    .map(str::to_string);
            }
            line.clear();
        }
        // Keep reading the log, or the service would block writing it.
        std::thread::spawn(move || std::io::copy(&mut log, &mut std::io::sink()));
        Served {
            child,
            addr: addr.expect("the service never said where it listens"),
        }
    }

    fn base(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A connection that sends a request announcing `Content-Length: 1000`, one byte of body,
/// then nothing.
fn stall(addr: &str, path: &str, content_type: &str) -> TcpStream {
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
fn until_closed(stream: &mut TcpStream, within: Duration) -> (String, Duration) {
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
        .map(|_| stall(&served.addr, &path, "application/json"))
        .collect();
    let health = crate::http::agent()
        .get(format!("{}/healthz", served.base()))
        .call()
        .unwrap();
    assert_eq!(health.status(), 200);
    // Every stalled client is then answered and let go.
    for stream in &mut stalled {
        let (answer, _) = until_closed(stream, Duration::from_secs(5));
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
