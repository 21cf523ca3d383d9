//! `clausier serve` as people start it: the real binary on an ephemeral port of 127.0.0.1, with
//! its flags and `CLAUSIER_*` variables, the administration token, request ids and the request
//! log. `stopping.rs` and `reload.rs` start it the same way ([`Served`]).
//!
//! Every wait has a deadline, and a child still running when its test ends is killed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::http::{BTS, Reply, agent, candidate, copy_policies, reply};
use crate::limits::{stall, until_closed};

/// The longest any wait of these tests may take.
pub(crate) const DEADLINE: Duration = Duration::from_secs(20);

/// `clausier serve` in a child process, killed when dropped, its standard error kept.
pub(crate) struct Served {
    child: Child,
    addr: String,
    log: Arc<Mutex<String>>,
}

impl Served {
    /// Starts the service on `policies/` and 127.0.0.1 with `args` added, and waits until it
    /// listens.
    pub(crate) fn start(args: &[&str]) -> Served {
        Served::start_with_env(args, &[])
    }

    /// [`Served::start`] with these environment variables set.
    pub(crate) fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Served {
        let mut all = vec!["--policies", "policies", "--addr", "127.0.0.1:0"];
        all.extend_from_slice(args);
        Served::launch(&all, env)
    }

    /// `clausier serve` with exactly `args` and `env` (no other `CLAUSIER_*` variable), once it
    /// listens.
    pub(crate) fn launch(args: &[&str], env: &[(&str, &str)]) -> Served {
        let child = serve_command(args, env).spawn().unwrap();
        let mut served = Served {
            child,
            addr: String::new(),
            log: Arc::new(Mutex::new(String::new())),
        };
        let stderr = served.child.stderr.take().unwrap();
        let log = Arc::clone(&served.log);
        // Keep reading the log, or the service would block writing it.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).split(b'\n') {
                let Ok(line) = line else { break };
                let mut log = log.lock().unwrap();
                log.push_str(&String::from_utf8_lossy(&line));
                log.push('\n');
            }
        });
        let started = Instant::now();
        served.addr = loop {
            let log = served.log();
            if let Some(addr) = log
                .lines()
                .filter(|l| l.contains("listening"))
                .find_map(|l| field(l, "addr"))
            {
                break addr;
            }
            if let Some(status) = served.child.try_wait().unwrap() {
                panic!("the service stopped ({status}) before it listened:\n{log}");
            }
            assert!(
                started.elapsed() < DEADLINE,
                "the service never said where it listens:\n{log}"
            );
            std::thread::sleep(Duration::from_millis(10));
        };
        served
    }

    pub(crate) fn addr(&self) -> &str {
        &self.addr
    }

    pub(crate) fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What the service has written to its standard error so far.
    pub(crate) fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Waits until a line of the log satisfies `ok`, and returns it.
    pub(crate) fn wait_log(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let log = self.log();
            if let Some(line) = log.lines().find(|l| ok(l)) {
                return line.to_string();
            }
            assert!(
                started.elapsed() < DEADLINE,
                "not within {DEADLINE:?}: {what}\n{log}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub(crate) fn get(&self, path: &str) -> Reply {
        reply(
            agent()
                .get(format!("{}{path}", self.base()))
                .call()
                .unwrap(),
        )
    }

    pub(crate) fn post(&self, path: &str, content_type: &str, body: impl AsRef<[u8]>) -> Reply {
        reply(
            agent()
                .post(format!("{}{path}", self.base()))
                .header("content-type", content_type)
                .send(body.as_ref())
                .unwrap(),
        )
    }

    pub(crate) fn decide(&self, body: &Value) -> Reply {
        self.post(
            &format!("/v1/policies/{BTS}/decisions"),
            "application/json",
            body.to_string(),
        )
    }

    /// `POST /v1/admin/reload`, with this bearer token if any.
    pub(crate) fn admin_reload(&self, token: Option<&str>) -> u16 {
        let mut req = agent().post(format!("{}/v1/admin/reload", self.base()));
        if let Some(token) = token {
            req = req.header("authorization", format!("Bearer {token}"));
        }
        req.send_empty().unwrap().status().as_u16()
    }

    /// The value of one series of `/metrics` (`name{labels}` as written there; 0 when absent).
    pub(crate) fn metric(&self, series: &str) -> f64 {
        let text = self.get("/metrics").body;
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
            .map_or(0.0, |v| v.trim().parse().unwrap())
    }

    /// Sends SIGTERM.
    pub(crate) fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for the process to end.
    pub(crate) fn exit_status(&mut self) -> ExitStatus {
        wait_exit(&mut self.child).unwrap_or_else(|| panic!("still running:\n{}", self.log()))
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `clausier serve ARGS` with `env`, and no `CLAUSIER_*` variable of the tests' own
/// environment.
pub(crate) fn serve_command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_clausier"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("CLAUSIER_") {
            command.env_remove(name);
        }
    }
    command.arg("serve");
    if !args.contains(&"--data-dir") {
        command.arg("--data-dir").arg(data_dir());
    }
    command
        .args(args)
        .envs(env.iter().copied())
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

/// A data folder of its own for one service (its decision store and receipt key), under the
/// build's folder for test files.
pub(crate) fn data_dir() -> std::path::PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("data-{}-{n}", std::process::id()))
}

/// The exit code and standard error of `clausier serve ARGS` that must stop on its own.
pub(crate) fn refused(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    let mut child = serve_command(args, env).spawn().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let status = wait_exit(&mut child);
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    let text = reader.join().unwrap();
    let status = status.unwrap_or_else(|| panic!("the service started: {args:?}\n{text}"));
    (status.code(), text)
}

/// The status of `child` once it ends; none if it runs past the deadline.
fn wait_exit(child: &mut Child) -> Option<ExitStatus> {
    let started = Instant::now();
    while started.elapsed() < DEADLINE {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

/// The value of `name=value` in a log line.
pub(crate) fn field(line: &str, name: &str) -> Option<String> {
    line.split_whitespace()
        .find_map(|w| w.strip_prefix(name)?.strip_prefix('='))
        .map(str::to_string)
}

pub(crate) fn wait_for(what: &str, mut ok: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ok() {
        assert!(
            started.elapsed() < DEADLINE,
            "not within {DEADLINE:?}: {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// True when the server has neither answered nor closed `stream` yet.
pub(crate) fn still_open(stream: &mut TcpStream) -> bool {
    stream
        .set_read_timeout(Some(Duration::from_millis(10)))
        .unwrap();
    let mut byte = [0u8; 1];
    matches!(stream.read(&mut byte), Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut))
}

/// A connection that sends part of a request's head, then nothing.
pub(crate) fn stall_head(addr: &str) -> TcpStream {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(stream, "GET /healthz HTTP/1.1\r\nHost: {addr}\r\n").unwrap();
    stream.flush().unwrap();
    stream
}

/// Copies the folder `from` to `to`, subfolders included.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

fn ids(list: &Value) -> Vec<String> {
    let mut ids: Vec<String> = list["policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

// ----------------------------------------------------------------------------- configuration

const ENV_TOKEN: &str = "token-from-the-environment";
const FILE_TOKEN: &str = "0123456789abcdef";

/// Every option set through its variable, each to a value whose effect can be seen.
fn restrictive_env(policies: &Path) -> Vec<(&'static str, String)> {
    [
        ("CLAUSIER_POLICIES", policies.to_str().unwrap()),
        ("CLAUSIER_WORKERS", "1"),
        ("CLAUSIER_BODY_LIMIT", "1000"),
        ("CLAUSIER_BATCH_BODY_LIMIT", "2000"),
        ("CLAUSIER_BATCH_LEN_LIMIT", "2"),
        ("CLAUSIER_NDJSON_LINE_LIMIT", "200"),
        ("CLAUSIER_JSON_DEPTH_LIMIT", "4"),
        ("CLAUSIER_STRING_LIMIT", "8"),
        ("CLAUSIER_DEADLINE_MS", "0"),
        ("CLAUSIER_BODY_TIMEOUT_MS", "300"),
        ("CLAUSIER_HEADER_TIMEOUT_MS", "300"),
        ("CLAUSIER_MAX_CONNECTIONS", "64"),
        ("CLAUSIER_ADMIN_TOKEN", ENV_TOKEN),
        ("CLAUSIER_SETTLE_MS", "250"),
        ("CLAUSIER_CORS_ORIGIN", "https://env.example"),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_string()))
    .collect()
}

/// The answers that depend on the options, read on one running service.
#[derive(Debug, PartialEq)]
struct Effects {
    policies: Vec<String>,
    workers: String,
    max_connections: String,
    settle: String,
    /// The answer (see [`outcome`]) to a decision whose body is 1,500 bytes.
    large_body: String,
    /// The answer to a JSON batch of one input, 2,500 bytes in all.
    large_batch: String,
    /// The answer to a JSON batch of three small inputs.
    three_inputs: String,
    /// The entry for an NDJSON line of 500 bytes: `decision`, or the error's status and kind.
    long_line: String,
    /// The answer to a decision on a record nested five deep.
    deep: String,
    /// The answer to a decision whose `candidate.id` has 12 characters.
    long_text: String,
    /// The answer to a decision on an empty record.
    decision: String,
    /// Statuses of `POST /v1/admin/reload` without a token, with the variable's, with the
    /// file's.
    admin: (u16, u16, u16),
    /// Whether a page from each origin may call the service.
    cors: (bool, bool),
}

/// `200`, or a problem's status and kind (`413 payload-too-large`).
fn outcome(r: &Reply) -> String {
    if r.status == 200 {
        return "200".into();
    }
    let kind = r.problem(r.status)["type"].as_str().unwrap().to_string();
    format!(
        "{} {}",
        r.status,
        kind.trim_start_matches("urn:clausier:problem:")
    )
}

fn effects(served: &Served) -> Effects {
    let log = served.log();
    let line = |what: &str| {
        log.lines()
            .find(|l| l.contains(what))
            .unwrap_or_else(|| panic!("no `{what}` line in:\n{log}"))
            .to_string()
    };
    // A line that is long only by its spaces.
    let ndjson = served.post(
        &format!("/v1/policies/{BTS}/decisions/batch?version=session-2027"),
        "application/x-ndjson",
        format!("{{}}{}\n", " ".repeat(500)),
    );
    assert_eq!(ndjson.status, 200, "{}", ndjson.body);
    let entry: Value = serde_json::from_str(ndjson.body.trim()).unwrap();
    let long_line = if entry["decision_id"].is_string() {
        "decision".to_string()
    } else {
        let kind = entry["error"]["type"].as_str().unwrap();
        format!(
            "{} {}",
            entry["error"]["status"],
            kind.trim_start_matches("urn:clausier:problem:")
        )
    };
    let cors = |origin: &str| {
        let r = agent()
            .options(format!("{}/v1/policies", served.base()))
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .call()
            .unwrap();
        r.status() == 200 && r.headers().contains_key("access-control-allow-origin")
    };
    let batch = |inputs: Value| {
        outcome(&served.post(
            &format!("/v1/policies/{BTS}/decisions/batch"),
            "application/json",
            json!({"inputs": inputs, "version": "session-2027"}).to_string(),
        ))
    };
    let decide = |input: Value| outcome(&served.decide(&json!({"input": input})));
    Effects {
        policies: ids(&served.get("/v1/policies").json()),
        workers: field(&line("listening addr="), "workers").unwrap(),
        max_connections: field(&line("connection limits"), "max_connections").unwrap(),
        settle: field(&line("watching"), "settle").unwrap(),
        large_body: decide(json!({"candidate": {"id": "x".repeat(1500)}})),
        large_batch: batch(json!([{"candidate": {"id": "x".repeat(2500)}}])),
        three_inputs: batch(json!([{}, {}, {}])),
        long_line,
        deep: decide(json!({"internship": {"periods": [
            {"start": "2026-05-04", "end": "2026-07-24", "agreement_signed": true}
        ]}})),
        long_text: decide(json!({"candidate": {"id": "abcdefghijkl"}})),
        decision: decide(json!({})),
        admin: (
            served.admin_reload(None),
            served.admin_reload(Some(ENV_TOKEN)),
            served.admin_reload(Some(FILE_TOKEN)),
        ),
        cors: (cors("https://env.example"), cors("https://flag.example")),
    }
}

/// The README's table of options is the service's: every option `clausier serve --help` lists
/// is in it with the variable clap reads for it, and the table names no option or variable the
/// service does not have. (The tokens, read from a file or from their variable by the service
/// itself, are shown in `--help` under their file's option: their variables are tested in
/// `a_token_under_sixteen_characters_stops_the_service_at_start` and `records.rs`.)
#[test]
fn the_readme_lists_every_option_of_serve_with_its_variable() {
    let help = Command::new(env!("CARGO_BIN_EXE_clausier"))
        .args(["serve", "--help"])
        .output()
        .expect("the binary runs");
    assert!(help.status.success());
    let help = String::from_utf8_lossy(&help.stdout);
    // Each `--option` of the help, with the `[env: NAME=…]` clap shows under it.
    let mut options: Vec<(String, Option<String>)> = Vec::new();
    for line in help.lines() {
        // An option's line: `      --name <VALUE>` or `  -x, --name` (its description's
        // lines are indented further).
        let flag = line.strip_prefix("      --").or_else(|| {
            let rest = line.strip_prefix("  -")?;
            rest.get(1..)?.strip_prefix(", --")
        });
        if let Some(flag) = flag {
            let name: String = flag
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            options.push((name, None));
        } else if let Some(at) = line.find("[env: ") {
            let env: String = line[at + 6..].chars().take_while(|c| *c != '=').collect();
            options.last_mut().expect("an option before its variable").1 = Some(env);
        }
    }
    options.retain(|(name, _)| name != "help");
    assert!(options.len() > 30, "{options:?}");

    let readme = std::fs::read_to_string("README.md").unwrap();
    let start = readme
        .find("| option | variable | default |")
        .expect("the table of options");
    let rows: Vec<&str> = readme[start..]
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .collect();
    let words = |cell: &str, prefix: &str| -> Vec<String> {
        cell.split('`')
            .skip(1)
            .step_by(2)
            .filter_map(|code| code.split_whitespace().next())
            .filter(|w| w.starts_with(prefix))
            .map(str::to_string)
            .collect()
    };
    let mut listed: Vec<String> = Vec::new();
    let mut variables: Vec<String> = Vec::new();
    for row in &rows {
        let cells: Vec<&str> = row.split(" | ").collect();
        listed.extend(words(cells[0], "--").iter().map(|w| w[2..].to_string()));
        variables.extend(words(cells[1], "CLAUSIER_"));
    }
    for (name, env) in &options {
        assert!(
            listed.contains(name),
            "`--{name}` is an option of serve that the README's table does not list"
        );
        if let Some(env) = env {
            assert!(
                variables.contains(env),
                "`--{name}` is read from `{env}`, which the README's table does not name"
            );
        }
    }
    for name in &listed {
        assert!(
            options.iter().any(|(o, _)| o == name),
            "the README's table lists `--{name}`, which serve does not have"
        );
    }
    let read: Vec<&str> = options.iter().filter_map(|(_, e)| e.as_deref()).collect();
    for env in &variables {
        assert!(
            read.contains(&env.as_str())
                || ["CLAUSIER_ADMIN_TOKEN", "CLAUSIER_RECORDS_TOKEN"].contains(&env.as_str()),
            "the README's table names `{env}`, which no option of serve reads"
        );
    }
}

/// `--today` (or `CLAUSIER_TODAY`) fixes the day whose version in force a request without a
/// version or a date gets: the eve of session 2027 is session 2026's, its first day its own;
/// the flag wins over the variable, and a request's `as_of` over both.
#[test]
fn the_day_taken_as_today_chooses_the_version_in_force() {
    let version = |served: &Served, body: Value| {
        let r = served.decide(&body);
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()["policy"]["version"].as_str().unwrap().to_string()
    };
    let eve = Served::start_with_env(&["--store", "none"], &[("CLAUSIER_TODAY", "2026-08-31")]);
    assert_eq!(version(&eve, json!({"input": {}})), "session-2026");
    let warned = eve.wait_log("the warning of a fixed day", |l| {
        l.contains("today is fixed")
    });
    assert!(
        warned.contains("WARN") && warned.contains("2026-08-31"),
        "{warned}"
    );
    let first = Served::start_with_env(
        &["--store", "none", "--today", "2026-09-01"],
        &[("CLAUSIER_TODAY", "2026-08-31")],
    );
    assert_eq!(version(&first, json!({"input": {}})), "session-2027");
    assert_eq!(
        version(&first, json!({"input": {}, "as_of": "2026-01-15"})),
        "session-2026"
    );
}

#[test]
fn each_option_is_read_from_its_variable_and_a_flag_wins_over_it() {
    // The variables' folder holds a second policy; the flag's does not.
    let root = tempfile::tempdir().unwrap();
    copy_policies(root.path());
    copy_dir(
        Path::new("tests/policies/aide-mobilite"),
        &root.path().join("aide-mobilite"),
    );
    let env = restrictive_env(root.path());
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();

    // The variables alone, the address included (`--addr` is not given).
    let mut with_env = env.clone();
    with_env.push(("CLAUSIER_ADDR", "127.0.0.1:0"));
    let by_env = Served::launch(&[], &with_env);
    assert_ne!(by_env.addr().rsplit(':').next(), Some("8080"));
    // Slow clients are cut at 300 ms: within three times that.
    let mut body = stall(
        by_env.addr(),
        &format!("/v1/policies/{BTS}/decisions"),
        "application/json",
    );
    let mut head = stall_head(by_env.addr());
    let (answer, _) = until_closed(&mut body, Duration::from_secs(3));
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    let (answer, _) = until_closed(&mut head, Duration::from_secs(3));
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert_eq!(
        effects(&by_env),
        Effects {
            policies: vec!["aide-mobilite".into(), BTS.into()],
            workers: "1".into(),
            max_connections: "64".into(),
            settle: "250ms".into(),
            large_body: "413 payload-too-large".into(),
            large_batch: "413 payload-too-large".into(),
            three_inputs: "413 too-many-inputs".into(),
            long_line: "413 payload-too-large".into(),
            deep: "400 bad-request".into(),
            long_text: "422 invalid-input".into(),
            decision: "503 deadline-exceeded".into(),
            admin: (401, 200, 401),
            cors: (true, false),
        }
    );

    // Every flag given, over the same variables (one that would not even parse).
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, format!("{FILE_TOKEN}\n")).unwrap();
    with_env.pop();
    with_env.push(("CLAUSIER_ADDR", "not an address"));
    let by_flags = Served::launch(
        &[
            "--policies",
            "policies",
            "--addr",
            "127.0.0.1:0",
            "--workers",
            "2",
            "--body-limit",
            "100000",
            "--batch-body-limit",
            "100000",
            "--batch-len-limit",
            "10",
            "--ndjson-line-limit",
            "100000",
            "--json-depth-limit",
            "64",
            "--string-limit",
            "1000",
            "--deadline-ms",
            "30000",
            "--body-timeout-ms",
            "20000",
            "--header-timeout-ms",
            "20000",
            "--max-connections",
            "96",
            "--admin-token-file",
            token_file.to_str().unwrap(),
            "--settle-ms",
            "150",
            "--cors-origin",
            "https://flag.example",
        ],
        &with_env,
    );
    let mut body = stall(
        by_flags.addr(),
        &format!("/v1/policies/{BTS}/decisions"),
        "application/json",
    );
    let mut head = stall_head(by_flags.addr());
    let started = Instant::now();
    assert_eq!(
        effects(&by_flags),
        Effects {
            policies: vec![BTS.into()],
            workers: "2".into(),
            max_connections: "96".into(),
            settle: "150ms".into(),
            large_body: "422 invalid-input".into(),
            large_batch: "200".into(),
            three_inputs: "200".into(),
            long_line: "decision".into(),
            deep: "200".into(),
            long_text: "200".into(),
            decision: "200".into(),
            admin: (401, 401, 200),
            cors: (false, true),
        }
    );
    // Past the variables' timeouts, the slow clients are still waited for.
    std::thread::sleep(Duration::from_millis(1000).saturating_sub(started.elapsed()));
    assert!(
        still_open(&mut body),
        "the body timeout of the variable applied"
    );
    assert!(
        still_open(&mut head),
        "the header timeout of the variable applied"
    );
}

#[test]
fn a_short_header_timeout_still_lets_prompt_clients_in() {
    // The HTTP layer reads its clock every half second: a header timeout shorter than that,
    // counted from a stale clock, would answer most new connections 408 at once.
    let served = Served::start(&["--header-timeout-ms", "100"]);
    let statuses: Vec<u16> = (0..20)
        .map(|_| {
            std::thread::sleep(Duration::from_millis(50));
            served.get("/healthz").status
        })
        .collect();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    // A client that sends nothing is still cut, within the timeout and the clock's tick.
    let mut head = stall_head(served.addr());
    let (answer, took) = until_closed(&mut head, Duration::from_secs(3));
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(took >= Duration::from_millis(100), "{took:?}");
}

// ------------------------------------------------------------------------- administration token

#[test]
fn a_token_under_sixteen_characters_stops_the_service_at_start() {
    let args = ["--policies", "policies", "--addr", "127.0.0.1:0"];
    let (code, err) = refused(&args, &[("CLAUSIER_ADMIN_TOKEN", "fifteen-chars-x")]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains(
            "CLAUSIER_ADMIN_TOKEN: the administration token must be at least 16 characters long"
        ),
        "{err}"
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token");
    std::fs::write(&file, "fifteen-chars-x\n").unwrap();
    let file = file.to_str().unwrap();
    let mut with_file = args.to_vec();
    with_file.extend(["--admin-token-file", file]);
    let (code, err) = refused(&with_file, &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains(&format!(
            "{file}: the administration token must be at least 16 characters long"
        )),
        "{err}"
    );
    // A file that cannot be read stops it too, naming the file.
    let missing = dir.path().join("missing");
    let missing = missing.to_str().unwrap();
    let mut with_missing = args.to_vec();
    with_missing.extend(["--admin-token-file", missing]);
    let (code, err) = refused(&with_missing, &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains(missing), "{err}");
}

// ---------------------------------------------------------------------------- ids and the log

/// The log line of the request whose id is `id`.
pub(crate) fn request_line(served: &Served, id: &str) -> String {
    served.wait_log(&format!("the log line of request {id}"), |l| {
        l.contains(" request ") && field(l, "request_id").as_deref() == Some(id)
    })
}

/// The method, route and status a request's log line gives.
fn logged(line: &str) -> (String, String, String) {
    assert!(field(line, "latency_ms").is_some(), "{line}");
    (
        field(line, "method").unwrap(),
        field(line, "route").unwrap(),
        field(line, "status").unwrap(),
    )
}

#[test]
fn a_request_id_is_echoed_or_drawn_and_each_request_is_logged_with_it() {
    let served = Served::start(&[]);
    let echoed = |r: &ureq::http::Response<ureq::Body>| {
        r.headers()["x-request-id"].to_str().unwrap().to_string()
    };
    // Given: echoed and logged.
    let r = agent()
        .get(format!("{}/healthz", served.base()))
        .header("x-request-id", "dossier-2027-0042")
        .call()
        .unwrap();
    assert_eq!(echoed(&r), "dossier-2027-0042");
    let line = request_line(&served, "dossier-2027-0042");
    assert_eq!(
        logged(&line),
        ("GET".into(), "/healthz".into(), "200".into())
    );

    // Absent: drawn, echoed, logged, and named in a problem.
    let r = agent()
        .post(format!("{}/v1/policies/{BTS}/decisions", served.base()))
        .header("content-type", "application/json")
        .send(json!({"input": candidate(), "version": "session-2027"}).to_string())
        .unwrap();
    let drawn = echoed(&r);
    assert_eq!(r.status(), 200);
    assert!(uuid_like(&drawn), "{drawn}");
    let line = request_line(&served, &drawn);
    assert_eq!(
        logged(&line),
        (
            "POST".into(),
            "/v1/policies/{id}/decisions".into(),
            "200".into()
        )
    );
    let r = agent()
        .get(format!("{}/v1/policies/nope/versions/x", served.base()))
        .call()
        .unwrap();
    let drawn = echoed(&r);
    let problem = reply(r).problem(404);
    assert_eq!(problem["request_id"], drawn.as_str());
    let line = request_line(&served, &drawn);
    assert_eq!(
        logged(&line),
        (
            "GET".into(),
            "/v1/policies/{id}/versions/{version}".into(),
            "404".into()
        )
    );

    // Over 128 characters, or blank, or with spaces that would forge a log field: replaced.
    for given in ["x".repeat(129), String::new(), "a status=500".into()] {
        let r = agent()
            .get(format!("{}/readyz", served.base()))
            .header("x-request-id", &given)
            .call()
            .unwrap();
        let id = echoed(&r);
        assert!(uuid_like(&id), "{given:?} gave {id:?}");
        let line = request_line(&served, &id);
        assert_eq!(
            logged(&line),
            ("GET".into(), "/readyz".into(), "200".into())
        );
    }

    // `/metrics`, answered by its middleware, is logged as what it answered.
    let r = agent()
        .get(format!("{}/metrics", served.base()))
        .header("x-request-id", "scrape-1")
        .call()
        .unwrap();
    assert_eq!(r.status(), 200);
    let line = request_line(&served, "scrape-1");
    assert_eq!(
        logged(&line),
        ("GET".into(), "/metrics".into(), "200".into())
    );
    // Other methods are answered as on any route: 405, with what it allows.
    let r = agent()
        .post(format!("{}/metrics", served.base()))
        .send_empty()
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "GET, HEAD");
    assert_eq!(
        reply(r).problem(405)["type"],
        "urn:clausier:problem:method-not-allowed"
    );
    let r = agent()
        .head(format!("{}/metrics", served.base()))
        .call()
        .unwrap();
    assert_eq!(r.status(), 200);

    // Without a token, the administration routes do not exist.
    assert_eq!(served.admin_reload(Some(FILE_TOKEN)), 404);
    let put = agent()
        .put(format!(
            "{}/v1/policies/{BTS}/versions/session-2099",
            served.base()
        ))
        .header("authorization", format!("Bearer {FILE_TOKEN}"))
        .header("content-type", "text/plain")
        .send("policy x")
        .unwrap();
    assert_eq!(put.status(), 404);
}

fn uuid_like(id: &str) -> bool {
    id.len() == 36 && id.chars().filter(|c| *c == '-').count() == 4
}
