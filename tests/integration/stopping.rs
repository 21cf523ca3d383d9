//! Stopping `clausier serve` with SIGTERM or SIGINT: no new connection is taken, the requests
//! in flight finish with complete answers, and the process exits with status 0.

use std::io::Write;
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

use crate::conventions::Chunked;
use crate::http::{BTS, agent, candidate};
use crate::limits::until_closed;
use crate::serve::{Served, request_line, still_open, wait_for};

/// Sends one NDJSON line as a chunk.
fn send_line(stream: &mut TcpStream, record: &Value) -> std::io::Result<()> {
    let line = format!("{record}\n");
    write!(stream, "{:x}\r\n{line}\r\n", line.len())?;
    stream.flush()
}

/// Reads chunks until `text` holds `n` whole lines; false when the answer ends first.
fn read_lines(answer: &mut Chunked, text: &mut String, n: usize) -> bool {
    while text.lines().count() < n || !text.ends_with('\n') {
        match answer.next() {
            Some(chunk) => text.push_str(std::str::from_utf8(&chunk).unwrap()),
            None => return false,
        }
    }
    true
}

#[test]
fn sigterm_lets_the_requests_in_flight_finish_then_exits_0() {
    let mut served = Served::start(&["--workers", "2"]);
    let addr = served.addr().to_string();
    let reference = served.decide(&json!({"input": candidate(), "version": "session-2027"}));
    let conclusions: Vec<String> = reference.json()["conclusions"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let complete = |d: &Value| {
        d["decision_id"].is_string()
            && d["conclusions"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                == conclusions
            && d["conclusions"]["e61_admission"]["value"] == "admis"
    };

    // An NDJSON stream, half sent, its first decisions read.
    let mut stream = TcpStream::connect(&addr).unwrap();
    write!(
        stream,
        "POST /v1/policies/{BTS}/decisions/batch?version=session-2027 HTTP/1.1\r\nHost: {addr}\r\n\
         Content-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    .unwrap();
    for _ in 0..3 {
        send_line(&mut stream, &candidate()).unwrap();
    }
    let mut answer = Chunked::start(stream.try_clone().unwrap());
    let mut text = String::new();
    assert!(read_lines(&mut answer, &mut text, 3), "{text}");

    // A JSON batch whose answer has started.
    let inputs: Vec<Value> = (0..1500).map(|_| candidate()).collect();
    let body = json!({"inputs": inputs, "version": "session-2027"}).to_string();
    let url = format!("{}/v1/policies/{BTS}/decisions/batch", served.base());
    let batch = std::thread::spawn(move || {
        let mut r = agent()
            .post(&url)
            .header("content-type", "application/json")
            .header("x-request-id", "large-batch")
            .send(body.as_bytes())
            .map_err(|e| e.to_string())?;
        let text = r
            .body_mut()
            .with_config()
            .limit(256 << 20)
            .read_to_string()
            .map_err(|e| e.to_string())?;
        Ok::<_, String>((r.status().as_u16(), text))
    });
    request_line(&served, "large-batch");

    served.terminate();
    served.wait_log("the signal to be received", |l| {
        l.contains("stopping:") && l.contains("signal=SIGTERM")
    });
    // No new connection is taken: one that arrives from now on is never answered.
    let mut late = None;
    wait_for("a new connection to go unanswered", || {
        let mut stream = TcpStream::connect(&addr).unwrap();
        write!(stream, "GET /healthz HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
        std::thread::sleep(Duration::from_millis(200));
        let unanswered = still_open(&mut stream);
        late = unanswered.then_some(stream);
        unanswered
    });
    let mut late = late.unwrap();
    // The stream goes on after the signal: three more lines, then its end.
    let sent = (0..3)
        .try_for_each(|_| send_line(&mut stream, &candidate()))
        .and_then(|()| stream.write_all(b"0\r\n\r\n"))
        .and_then(|()| stream.flush());
    if let Err(e) = sent {
        panic!(
            "the stream was cut after the signal ({e}):\n{}",
            served.log()
        );
    }
    assert!(read_lines(&mut answer, &mut text, 6), "{text}");
    assert!(answer.next().is_none(), "the answer ends with the body");
    drop(answer);
    drop(stream);
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 6);
    assert!(lines.iter().all(complete), "{text}");

    let (status, batch) = batch.join().unwrap().unwrap_or_else(|e| {
        panic!(
            "the batch was cut after the signal ({e}):\n{}",
            served.log()
        )
    });
    assert_eq!(status, 200);
    let batch: Value = serde_json::from_str(&batch).unwrap();
    let decisions = batch["decisions"].as_array().unwrap().clone();
    assert_eq!(decisions.len(), 1500);
    assert!(decisions.iter().all(complete));

    let status = served.exit_status();
    assert_eq!(status.code(), Some(0), "{}", served.log());
    let (answer, _) = until_closed(&mut late, Duration::from_secs(3));
    assert!(answer.is_empty(), "{answer}");

    // SIGINT (Ctrl-C) stops it the same way, a request in flight finishing; and from the
    // moment the service says it listens, a signal never ends it at once.
    let mut served = Served::start(&[]);
    let mut stream = TcpStream::connect(served.addr()).unwrap();
    let addr = served.addr().to_string();
    write!(
        stream,
        "POST /v1/policies/{BTS}/decisions/batch?version=session-2027 HTTP/1.1\r\nHost: {addr}\r\n\
         Content-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    .unwrap();
    send_line(&mut stream, &candidate()).unwrap();
    let mut answer = Chunked::start(stream.try_clone().unwrap());
    let mut text = String::new();
    assert!(read_lines(&mut answer, &mut text, 1), "{text}");
    let status = Command::new("kill")
        .args(["-INT", &served.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    served.wait_log("the signal to be received", |l| {
        l.contains("stopping:") && l.contains("signal=SIGINT")
    });
    let sent = send_line(&mut stream, &candidate())
        .and_then(|()| stream.write_all(b"0\r\n\r\n"))
        .and_then(|()| stream.flush());
    if let Err(e) = sent {
        panic!("the stream was cut after SIGINT ({e}):\n{}", served.log());
    }
    assert!(read_lines(&mut answer, &mut text, 2), "{text}");
    assert!(answer.next().is_none());
    drop(answer);
    drop(stream);
    assert_eq!(served.exit_status().code(), Some(0), "{}", served.log());
    let mut served = Served::start(&[]);
    let status = Command::new("kill")
        .args(["-INT", &served.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(served.exit_status().code(), Some(0), "{}", served.log());
}
