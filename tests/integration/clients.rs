//! Client identity (`--clients-file`): API keys known by their sha256, each client allowed
//! some policies and routes; 401 without a key of a client, 403 for what a client may not
//! use; the client named in the request log, the metrics and the decision record, never its
//! key; the file read again when it changes.

use std::path::Path;
use std::time::Instant;

use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::http::{BTS, Reply, agent, candidate, reply};
use crate::serve::{DEADLINE, Served, refused};

pub(crate) const LYON_KEY: &str = "lyon-key-5f1c0a9e7d3b2c14";
pub(crate) const OTHER_KEY: &str = "other-key-b7e2d4c6a8f01935";
pub(crate) const OPS_KEY: &str = "ops-key-0c9d8e7f6a5b4c3d";
const ADMIN_TOKEN: &str = "admin-token-0123456789";

/// A client of the file, its key given in clear here and written hashed.
pub(crate) fn client(
    name: &str,
    key: &str,
    policies: &[&str],
    routes: &[&str],
    more: &str,
) -> String {
    let hash = hex::encode(Sha256::digest(key.as_bytes()));
    format!(
        "[[clients]]\nname = \"{name}\"\nkey_sha256 = \"{hash}\"\npolicies = {policies:?}\nroutes = {routes:?}\n{more}\n"
    )
}

/// Writes the clients file by a rename (as an editor or a ConfigMap does).
pub(crate) fn write_clients(path: &Path, text: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn three_clients() -> String {
    client("lyon", LYON_KEY, &[BTS], &["decisions", "batch"], "")
        + &client("other", OTHER_KEY, &["aide-mobilite"], &["decisions"], "")
        + &client("ops", OPS_KEY, &["*"], &["admin", "records"], "")
}

/// `POST path` with `headers`.
pub(crate) fn post_with(
    served: &Served,
    path: &str,
    headers: &[(&str, &str)],
    body: &Value,
) -> Reply {
    let mut req = agent()
        .post(format!("{}{path}", served.base()))
        .header("content-type", "application/json");
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    reply(req.send(body.to_string()).unwrap())
}

fn get_with(served: &Served, path: &str, headers: &[(&str, &str)]) -> Reply {
    let mut req = agent().get(format!("{}{path}", served.base()));
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    reply(req.call().unwrap())
}

fn decide_as(served: &Served, headers: &[(&str, &str)]) -> Reply {
    post_with(
        served,
        &format!("/v1/policies/{BTS}/decisions"),
        headers,
        &json!({"input": candidate()}),
    )
}

fn bearer(key: &str) -> String {
    format!("Bearer {key}")
}

#[test]
fn a_client_is_known_by_its_key_and_may_use_only_what_the_file_allows() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("clients.toml");
    write_clients(&file, &three_clients());
    let served = Served::start_with_env(
        &[
            "--clients-file",
            file.to_str().unwrap(),
            "--cors-origin",
            "https://school.example",
        ],
        &[("CLAUSIER_ADMIN_TOKEN", ADMIN_TOKEN)],
    );
    // A page of an allowed origin may send a key, and read when to try again.
    let preflight = agent()
        .options(format!("{}/v1/policies/{BTS}/decisions", served.base()))
        .header("origin", "https://school.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "x-api-key, authorization")
        .call()
        .unwrap();
    assert_eq!(preflight.status(), 200);
    let allowed = preflight.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        allowed.contains("x-api-key") && allowed.contains("authorization"),
        "{allowed}"
    );

    // No key, a key of no client: 401, saying how to send one.
    let none = decide_as(&served, &[]);
    let p = none.problem(401);
    assert_eq!(p["type"], "urn:clausier:problem:unidentified");
    let unknown = decide_as(&served, &[("x-api-key", "not-a-key-of-anyone")]);
    unknown.problem(401);
    assert!(!unknown.body.contains("not-a-key-of-anyone"));

    // The key, as a bearer token or in X-Api-Key; X-Client-Id cannot name another caller.
    let lyon = bearer(LYON_KEY);
    let by_bearer = decide_as(
        &served,
        &[("authorization", &lyon), ("x-client-id", "someone-else")],
    );
    assert_eq!(by_bearer.status, 200, "{}", by_bearer.body);
    let by_header = decide_as(&served, &[("x-api-key", LYON_KEY)]);
    assert_eq!(by_header.status, 200, "{}", by_header.body);

    // A policy or a route the client may not use: 403, naming neither key nor hash.
    let other = decide_as(&served, &[("x-api-key", OTHER_KEY)]);
    let p = other.problem(403);
    assert_eq!(p["type"], "urn:clausier:problem:forbidden");
    assert!(p["detail"].as_str().unwrap().contains(BTS), "{p}");
    let interview = post_with(
        &served,
        &format!("/v1/policies/{BTS}/interview"),
        &[("x-api-key", LYON_KEY)],
        &json!({"input": {}}),
    );
    interview.problem(403);
    assert!(!other.body.contains(OTHER_KEY) && !interview.body.contains(LYON_KEY));

    // The policies themselves stay open.
    assert_eq!(served.get("/v1/policies").status, 200);

    // The record names the client; `ops` reads it with its own key, `lyon` may not.
    let id = by_bearer.json()["decision_id"]
        .as_str()
        .unwrap()
        .to_string();
    let record = get_with(
        &served,
        &format!("/v1/decisions/{id}"),
        &[("x-api-key", OPS_KEY)],
    );
    assert_eq!(record.status, 200, "{}", record.body);
    assert_eq!(record.json()["caller"], "lyon");
    get_with(
        &served,
        &format!("/v1/decisions/{id}"),
        &[("x-api-key", LYON_KEY)],
    )
    .problem(403);

    // Administration: the token as before, or a client allowed it.
    assert_eq!(served.admin_reload(Some(ADMIN_TOKEN)), 200);
    assert_eq!(served.admin_reload(Some(OPS_KEY)), 200);
    assert_eq!(served.admin_reload(Some(LYON_KEY)), 403);
    assert_eq!(served.admin_reload(None), 401);

    // The log names the client, and no key ever.
    let line = served.wait_log("the request line names the client", |l| {
        l.contains("route=/v1/policies/{id}/decisions") && l.contains("client=lyon")
    });
    assert!(line.contains("status=200"), "{line}");
    let log = served.log();
    for key in [LYON_KEY, OTHER_KEY, OPS_KEY, "not-a-key-of-anyone"] {
        assert!(!log.contains(key), "`{key}` is in the log:\n{log}");
    }

    // The metrics count each client's requests by outcome.
    let series = |client: &str, outcome: &str| {
        served.metric(&format!(
            "clausier_client_requests_total{{client=\"{client}\",outcome=\"{outcome}\"}}"
        ))
    };
    assert_eq!(series("lyon", "allowed"), 2.0);
    assert_eq!(series("lyon", "forbidden"), 3.0);
    assert_eq!(series("ops", "allowed"), 2.0);
    assert_eq!(series("other", "forbidden"), 1.0);
    assert_eq!(series("-", "unidentified"), 2.0);
}

#[test]
fn a_key_removed_from_the_file_is_refused_without_restart_and_a_bad_edit_keeps_the_last_good_file()
{
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("clients.json");
    let json_of = |names: &[(&str, &str)]| {
        let clients: Vec<Value> = names
            .iter()
            .map(|(name, key)| {
                json!({"name": name, "key_sha256": hex::encode(Sha256::digest(key.as_bytes())),
                       "policies": [BTS], "routes": ["decisions"]})
            })
            .collect();
        json!({ "clients": clients }).to_string()
    };
    write_clients(&file, &json_of(&[("lyon", LYON_KEY), ("other", OTHER_KEY)]));
    let served = Served::start(&["--clients-file", file.to_str().unwrap(), "--store", "none"]);
    assert_eq!(decide_as(&served, &[("x-api-key", OTHER_KEY)]).status, 200);

    write_clients(&file, &json_of(&[("lyon", LYON_KEY)]));
    let started = Instant::now();
    while decide_as(&served, &[("x-api-key", OTHER_KEY)]).status != 401 {
        assert!(started.elapsed() < DEADLINE, "the key is still accepted");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(decide_as(&served, &[("x-api-key", LYON_KEY)]).status, 200);

    // A file that does not read keeps the last good table, and says why.
    write_clients(&file, "{\"clients\": [{\"name\": \"lyon\"}]}");
    let started = Instant::now();
    while !served
        .log()
        .contains("the clients file changed but cannot be read")
    {
        assert_eq!(decide_as(&served, &[("x-api-key", LYON_KEY)]).status, 200);
        assert!(started.elapsed() < DEADLINE, "{}", served.log());
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(decide_as(&served, &[("x-api-key", LYON_KEY)]).status, 200);
}

#[test]
fn a_client_past_its_expiry_is_refused_whatever_its_key_until_the_file_extends_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("clients.toml");
    let with_expiry = |at: &str| {
        client(
            "lyon",
            LYON_KEY,
            &[BTS],
            &["decisions"],
            &format!("expires = \"{at}\""),
        ) + &client(
            "other",
            OTHER_KEY,
            &[BTS],
            &["decisions"],
            "expires = \"2999-12-31\"",
        )
    };
    write_clients(&file, &with_expiry("2026-06-30"));
    let served = Served::start(&["--clients-file", file.to_str().unwrap(), "--store", "none"]);
    let expired = post_with(
        &served,
        &format!("/v1/policies/{BTS}/decisions"),
        &[("x-api-key", LYON_KEY), ("accept-language", "en")],
        &json!({"input": candidate()}),
    );
    let problem = expired.problem(401);
    assert_eq!(problem["type"], "urn:clausier:problem:invalid-credential");
    assert_eq!(
        problem["detail"],
        "client `lyon` expired at 2026-07-01T00:00:00Z"
    );
    assert_eq!(decide_as(&served, &[("x-api-key", OTHER_KEY)]).status, 200);
    assert_eq!(
        served.metric("clausier_client_requests_total{client=\"lyon\",outcome=\"expired\"}"),
        1.0
    );

    // The office renews the client for another session: served again without a restart.
    write_clients(&file, &with_expiry("2027-08-31T18:00:00+02:00"));
    let started = Instant::now();
    while decide_as(&served, &[("x-api-key", LYON_KEY)]).status != 200 {
        assert!(
            started.elapsed() < DEADLINE,
            "the renewed client is still refused"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn without_client_identity_each_address_may_be_limited() {
    let served = Served::start(&[
        "--anonymous-rate",
        "1",
        "--anonymous-burst",
        "3",
        "--store",
        "none",
    ]);
    let url = format!("{}/v1/policies/{BTS}/decisions", served.base());
    let ask = || {
        agent()
            .post(&url)
            .header("content-type", "application/json")
            .header("accept-language", "en")
            .send(json!({"input": candidate()}).to_string())
            .unwrap()
    };
    let statuses: Vec<u16> = (0..3).map(|_| ask().status().as_u16()).collect();
    assert_eq!(statuses, [200, 200, 200]);
    let over = ask();
    assert_eq!(over.headers()["retry-after"], "1");
    let problem = reply(over).problem(429);
    assert_eq!(
        problem["detail"],
        "address 127.0.0.1 is over its rate of 1 request per second"
    );
    // What is open stays open: the regulation, the probes.
    for _ in 0..10 {
        assert_eq!(served.get("/v1/policies").status, 200);
        assert_eq!(served.get("/healthz").status, 200);
    }
    assert_eq!(
        served.metric("clausier_client_requests_total{client=\"-\",outcome=\"allowed\"}"),
        3.0
    );
    assert_eq!(
        served.metric("clausier_client_requests_total{client=\"-\",outcome=\"rate_limited\"}"),
        1.0
    );
    // A token a second later.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(ask().status().as_u16(), 200);

    let (code, err) = refused(&["--policies", "policies", "--anonymous-batches", "0"], &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("--anonymous-*: burst and batches must be at least 1"),
        "{err}"
    );
}

#[test]
fn with_client_identity_on_the_failures_of_an_address_are_limited() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("clients.toml");
    write_clients(&file, &three_clients());
    let served = Served::start(&[
        "--clients-file",
        file.to_str().unwrap(),
        "--anonymous-rate",
        "1",
        "--anonymous-burst",
        "2",
        "--store",
        "none",
    ]);
    // Clients are served whatever the failures' allowance: they do not spend it.
    for _ in 0..5 {
        assert_eq!(decide_as(&served, &[("x-api-key", LYON_KEY)]).status, 200);
    }
    // Two wrong keys are refused as such; the third is not even looked at.
    for _ in 0..2 {
        decide_as(&served, &[("x-api-key", "guess-0000000000000000")]).problem(401);
    }
    let over = decide_as(&served, &[("x-api-key", "guess-0000000000000001")]);
    assert_eq!(
        over.problem(429)["detail"],
        "l'adresse 127.0.0.1 dépasse son débit de 1 requête par seconde"
    );
    assert_eq!(
        served.metric("clausier_client_requests_total{client=\"-\",outcome=\"rate_limited\"}"),
        1.0
    );
}

#[test]
fn a_clients_file_that_does_not_read_stops_the_service_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("clients.toml");
    write_clients(&file, &client("lyon", LYON_KEY, &[BTS], &["records"], ""));
    let (code, err) = refused(
        &[
            "--policies",
            "policies",
            "--clients-file",
            file.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("its `policies` must be [\"*\"]"), "{err}");
}

/// The `q`-quantile of `samples` (sorted here).
fn quantile(samples: &mut [std::time::Duration], q: f64) -> std::time::Duration {
    samples.sort();
    let i = ((samples.len() as f64 * q).ceil() as usize).clamp(1, samples.len()) - 1;
    samples[i]
}

/// The latencies of one round of the flood test.
#[derive(Debug)]
struct Round {
    p99: std::time::Duration,
    /// The p99 without the flood.
    alone: std::time::Duration,
}

impl Round {
    fn of(flooded: &mut [std::time::Duration], alone: &mut [std::time::Duration]) -> Round {
        Round {
            p99: quantile(flooded, 0.99),
            alone: quantile(alone, 0.99),
        }
    }

    /// The target is 20 ms. A debug build on cores that other work shares can miss it with
    /// no flood at all; then the bound is twice the p99 without the flood: the flood must add
    /// no more than the machine's own noise.
    fn within(&self) -> bool {
        self.p99 < std::time::Duration::from_millis(20).max(self.alone * 2)
    }
}

#[test]
fn a_client_flooding_the_batch_endpoint_is_limited_and_does_not_slow_another() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::time::Duration;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("clients.toml");
    write_clients(
        &file,
        &(client(
            "flood",
            LYON_KEY,
            &[BTS],
            &["batch"],
            "rate = 20\nbatches = 1",
        ) + &client("steady", OTHER_KEY, &[BTS], &["decisions"], "")),
    );
    // Decisions neither recorded nor signed: what is measured is how one client's flood
    // reaches another's decisions, not the disk or the signature.
    let served = Served::start(&[
        "--clients-file",
        file.to_str().unwrap(),
        "--store",
        "none",
        "--no-receipts",
    ]);
    let inputs: Vec<Value> = (0..100).map(|_| candidate()).collect();
    let batch = json!({"inputs": inputs, "version": "session-2027"}).to_string();
    let url = format!("{}/v1/policies/{BTS}/decisions/batch", served.base());
    let send = || {
        agent()
            .post(&url)
            .header("content-type", "application/json")
            .header("x-api-key", LYON_KEY)
            .send(batch.as_str())
            .unwrap()
    };
    let (flooding, done) = (AtomicBool::new(false), AtomicBool::new(false));
    let (ok, limited, in_flight) = (
        AtomicUsize::new(0),
        AtomicUsize::new(0),
        AtomicUsize::new(0),
    );
    let mut rounds = Vec::new();
    std::thread::scope(|scope| {
        // Four senders, each as fast as its answers come less a pause that leaves the CPU
        // (shared with the service here) to the service: some 150 requests a second, seven
        // times the client's rate.
        for _ in 0..4 {
            scope.spawn(|| {
                while !done.load(Ordering::Relaxed) {
                    in_flight.fetch_add(1, Ordering::SeqCst);
                    if !flooding.load(Ordering::SeqCst) {
                        in_flight.fetch_sub(1, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(5));
                        continue;
                    }
                    let r = send();
                    match r.status().as_u16() {
                        200 => ok.fetch_add(1, Ordering::Relaxed),
                        429 => limited.fetch_add(1, Ordering::Relaxed),
                        other => panic!("{other}"),
                    };
                    // The whole answer is read, as a client does (a batch's permit is held
                    // until its answer is sent).
                    let _ = r.into_body().read_to_vec();
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(20));
                }
            });
        }
        // The other client's single decisions, one after the other, in phases with and
        // without the flood in turn (the flood's requests finished before a quiet phase), so
        // that the load other work puts on the machine falls on both alike. A round whose
        // p99 with the flood is within bounds ends the test; a burst of other work on the
        // machine can spoil one round, a flood that reaches the other client spoils them all.
        let started = Instant::now();
        while rounds.len() < 3 && started.elapsed() < DEADLINE {
            let (mut alone, mut flooded) = (Vec::new(), Vec::new());
            for phase in 0..8 {
                let on = phase % 2 == 1;
                flooding.store(on, Ordering::SeqCst);
                while !on && in_flight.load(Ordering::SeqCst) > 0 {
                    std::thread::sleep(Duration::from_millis(5));
                }
                std::thread::sleep(Duration::from_millis(100));
                for _ in 0..100 {
                    let sent = Instant::now();
                    let r = decide_as(&served, &[("x-api-key", OTHER_KEY)]);
                    assert_eq!(r.status, 200, "{}", r.body);
                    if on { &mut flooded } else { &mut alone }.push(sent.elapsed());
                }
            }
            let round = Round::of(&mut flooded, &mut alone);
            let within = round.within();
            rounds.push(round);
            if within {
                break;
            }
        }
        done.store(true, Ordering::Relaxed);
    });
    let (ok, limited) = (ok.into_inner(), limited.into_inner());
    assert!(
        ok > 0 && limited > 0,
        "{ok} batches answered, {limited} refused"
    );
    assert!(
        rounds.last().is_some_and(Round::within),
        "while {ok} batches were answered and {limited} refused: {rounds:#?}"
    );
    // The refusals are counted by client and limit, and said with Retry-After.
    let counted = |outcome: &str| {
        served.metric(&format!(
            "clausier_client_requests_total{{client=\"flood\",outcome=\"{outcome}\"}}"
        ))
    };
    assert_eq!(
        counted("rate_limited") + counted("batch_limited"),
        limited as f64
    );
    assert_eq!(counted("allowed"), ok as f64);
    // Past its burst, the client is refused whatever it sends.
    let r = (0..40)
        .map(|_| send())
        .find(|r| r.status() == 429)
        .expect("a 429");
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(retry, 1);
    let p: Value = serde_json::from_str(&r.into_body().read_to_string().unwrap()).unwrap();
    assert_eq!(p["type"], "urn:clausier:problem:too-many-requests");
}
