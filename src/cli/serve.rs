//! `clausier serve` and `clausier openapi`.

use std::path::PathBuf;

#[cfg(feature = "server")]
use crate::cli::OK;
use crate::cli::TROUBLE;

/// Arguments of `clausier serve`.
#[derive(clap::Args, Debug)]
pub(crate) struct ServeArgs {
    /// The folder of policies (one subfolder per policy).
    #[arg(long, default_value = "policies", env = "CLAUSIER_POLICIES")]
    policies: PathBuf,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", env = "CLAUSIER_ADDR")]
    addr: String,
    /// Worker threads (default: the number of cores).
    #[arg(long, env = "CLAUSIER_WORKERS")]
    workers: Option<usize>,
    /// Largest body of a single decision request, in bytes.
    #[arg(long, default_value_t = 1 << 20, env = "CLAUSIER_BODY_LIMIT")]
    body_limit: usize,
    /// Largest body of a JSON batch request, in bytes.
    #[arg(long, default_value_t = 64 << 20, env = "CLAUSIER_BATCH_BODY_LIMIT")]
    batch_body_limit: usize,
    /// Most inputs in a JSON batch (NDJSON streams have no such limit).
    #[arg(long, default_value_t = 100_000, env = "CLAUSIER_BATCH_LEN_LIMIT")]
    batch_len_limit: usize,
    /// Largest line of an NDJSON batch, in bytes.
    #[arg(long, default_value_t = 1 << 20, env = "CLAUSIER_NDJSON_LINE_LIMIT")]
    ndjson_line_limit: usize,
    /// Deepest nesting of arrays and objects in a JSON body.
    #[arg(long, default_value_t = 64, env = "CLAUSIER_JSON_DEPTH_LIMIT")]
    json_depth_limit: usize,
    /// Longest string in an input, in bytes.
    #[arg(long, default_value_t = 64 << 10, env = "CLAUSIER_STRING_LIMIT")]
    string_limit: usize,
    /// Longest evaluation of one request, in milliseconds.
    #[arg(long, default_value_t = 30_000, env = "CLAUSIER_DEADLINE_MS")]
    deadline_ms: u64,
    /// Longest wait for a whole request body, in milliseconds (for an NDJSON batch: for each
    /// line, after the one before); past it the answer is 408 and the connection is closed.
    #[arg(long, default_value_t = 10_000, env = "CLAUSIER_BODY_TIMEOUT_MS")]
    body_timeout_ms: u64,
    /// Longest wait for a request's headers, in milliseconds; past it the connection is closed
    /// (408).
    #[arg(long, default_value_t = 5_000, env = "CLAUSIER_HEADER_TIMEOUT_MS")]
    header_timeout_ms: u64,
    /// Most client connections open at once (default: the limit on open files less 256 kept
    /// for the service itself; never more). Further connections wait to be accepted.
    #[arg(long, env = "CLAUSIER_MAX_CONNECTIONS")]
    max_connections: Option<usize>,
    /// A file holding the bearer token of the administration routes (the variable
    /// `CLAUSIER_ADMIN_TOKEN` may hold it instead). Without a token, those routes do not exist.
    #[arg(long)]
    admin_token_file: Option<PathBuf>,
    /// Serve a version whose examples fail (each load logs it). Without it such a version is
    /// not published: an edited file keeps its last good text served, marked stale, and a
    /// version never served is not served (unless `accepted-failures.json` in its folder
    /// accepts that very text: see the README).
    #[arg(long, env = "CLAUSIER_ACCEPT_FAILING_EXAMPLES")]
    accept_failing_examples: bool,
    /// Who to tell when a page cannot be used, shown in the accessibility statement of the
    /// pages: an e-mail address (`accessibilite@ac-exemple.fr`), a link (`https://…`) or words.
    #[arg(long, env = "CLAUSIER_ACCESSIBILITY_CONTACT")]
    accessibility_contact: Option<String>,
    /// The day taken as today when a request names neither a version nor a date (YYYY-MM-DD);
    /// default: this machine's clock, day by day. To rehearse a session before its first day.
    #[arg(long, env = "CLAUSIER_TODAY", value_name = "YYYY-MM-DD")]
    today: Option<chrono::NaiveDate>,
    /// How long the policies folder must stay unchanged before a change is read, in
    /// milliseconds.
    #[arg(long, default_value_t = 500, env = "CLAUSIER_SETTLE_MS")]
    settle_ms: u64,
    /// An origin whose pages may call the service from a browser (CORS), as the browser sends
    /// it: `https://host` or `https://host:port`; `*` for any origin. Repeat it for several
    /// (the variable holds them separated by commas). Without it, CORS is off.
    #[arg(
        long = "cors-origin",
        value_name = "ORIGIN",
        env = "CLAUSIER_CORS_ORIGIN",
        value_delimiter = ','
    )]
    cors_origins: Vec<String>,
    /// Where the service keeps its data: the decision store (SQLite), the key that signs
    /// receipts, the salt of hashed inputs. Created when missing. Default:
    /// `$XDG_DATA_HOME/clausier` (`~/.local/share/clausier`).
    #[arg(long, env = "CLAUSIER_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// The decision store: `sqlite` (a file in the data folder, the default), a URL
    /// `sqlite:///path/file.db` or `postgres://user:password@host/db` (replicas that share
    /// one), or `none` (decisions are not kept).
    #[arg(long, default_value = "sqlite", env = "CLAUSIER_STORE")]
    store: String,
    /// Records waiting to be written, at most; a decision whose record finds the queue full is
    /// still answered, its record lost (counted and logged).
    #[arg(long, default_value_t = 10_000, env = "CLAUSIER_STORE_QUEUE")]
    store_queue: usize,
    /// Longest wait of an answer for its record's commit, in milliseconds; past it the
    /// decision is answered and its record stays queued (counted and logged).
    #[arg(long, default_value_t = 1_000, env = "CLAUSIER_STORE_WAIT_MS")]
    store_wait_ms: u64,
    /// Longest wait of an erasure (`DELETE /v1/decisions`) for the records of the decisions
    /// made before it to be written, in milliseconds; past it nothing is deleted and the
    /// answer is a 503 `records-pending`. The default outlasts the writer's four tries of a
    /// batch on a database that answers slowly; keep it under the timeout of the proxies in
    /// front of the service, so that the caller hears the answer.
    #[arg(long, default_value_t = 30_000, env = "CLAUSIER_ERASE_WAIT_MS", value_parser = clap::value_parser!(u64).range(1..))]
    erase_wait_ms: u64,
    /// Days a decision record is kept: `DAYS` for every policy not named, `POLICY=DAYS` for
    /// one (repeat it, or separate them by commas). A policy not named keeps the bare `DAYS`,
    /// 730 when none is given. Records older are deleted at start and every
    /// `--purge-every` seconds.
    #[arg(
        long = "retention-days",
        value_name = "[POLICY=]DAYS",
        env = "CLAUSIER_RETENTION_DAYS",
        value_delimiter = ','
    )]
    retention_days: Vec<String>,
    /// How often the records past their retention are deleted (with the policy texts no
    /// record uses any more), in seconds.
    #[arg(long, default_value_t = 3600, env = "CLAUSIER_PURGE_EVERY", value_parser = clap::value_parser!(u64).range(1..))]
    purge_every: u64,
    /// `full` keeps each candidate's record with its decision; `hashed` keeps a salted sha256
    /// of the record (and of the candidate's key) instead (the salt from `--input-salt-file`,
    /// else `input-salt` in the data folder, made at first start).
    #[arg(long, default_value = "full", env = "CLAUSIER_KEEP_INPUTS")]
    keep_inputs: String,
    /// The salt of hashed inputs (`--keep-inputs hashed`): a file holding at least 16 bytes
    /// in hex (`openssl rand -hex 32`), as `input-salt` in the data folder does. Replicas
    /// that share a store must share the salt, or each hashes candidates its own way.
    #[arg(long, env = "CLAUSIER_INPUT_SALT_FILE")]
    input_salt_file: Option<PathBuf>,
    /// The Ed25519 private key (PKCS#8 PEM) that signs every decision's receipt. Default:
    /// `receipt-key.pem` in the data folder, made at first start.
    #[arg(long, env = "CLAUSIER_SIGNING_KEY")]
    signing_key: Option<PathBuf>,
    /// Decisions carry no signed receipt.
    #[arg(long, env = "CLAUSIER_NO_RECEIPTS")]
    no_receipts: bool,
    /// The public keys that signed receipts before the key changed: a key set as `GET
    /// /v1/keys` gives it, saved before the change. They are published beside the key in use,
    /// so that the receipts they signed can still be checked.
    #[arg(long, env = "CLAUSIER_RETIRED_KEYS")]
    retired_keys: Option<PathBuf>,
    /// A file holding the bearer token of the routes that read the decision records (the
    /// variable `CLAUSIER_RECORDS_TOKEN` may hold it instead). Without it, those routes do not
    /// exist.
    #[arg(long)]
    records_token_file: Option<PathBuf>,
    /// Serve HTTPS with this certificate chain (PEM, the service's certificate first), read
    /// again when it changes. Needs `--tls-key`. Without it, plain HTTP.
    #[arg(long, env = "CLAUSIER_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key (PEM) of `--tls-cert`, read again when it changes.
    #[arg(long, env = "CLAUSIER_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Ask clients for a certificate and accept those these authorities (PEM) issued: its
    /// subject's common name identifies a client of `--clients-file` (`certificate_cn`).
    #[arg(long, env = "CLAUSIER_TLS_CLIENT_CA", requires_all = ["tls_cert", "clients_file"])]
    tls_client_ca: Option<PathBuf>,
    /// Certificate revocation lists (PEM) of the authorities of `--tls-client-ca`: a client
    /// certificate they revoke is refused. Read again, with the authorities, when they change.
    #[arg(long, env = "CLAUSIER_TLS_CLIENT_CRL", requires = "tls_client_ca")]
    tls_client_crl: Option<PathBuf>,
    /// The clients file (TOML, or JSON when named `*.json`): each client's name, the sha256
    /// of its API key, the policies and routes it may use; read again when it changes.
    /// Without it, client identity is off (see "Security" in the README).
    #[arg(long, env = "CLAUSIER_CLIENTS_FILE")]
    clients_file: Option<PathBuf>,
    /// Requests per second each caller address may send to the guarded routes (decisions,
    /// batch, interview, impact, records, admin) with client identity off; with it on, the
    /// refusals (no or a wrong credential) it may cause. 429 over it.
    #[arg(long, env = "CLAUSIER_ANONYMOUS_RATE")]
    anonymous_rate: Option<f64>,
    /// Requests at once above `--anonymous-rate` (default: one second's worth).
    #[arg(long, env = "CLAUSIER_ANONYMOUS_BURST", requires = "anonymous_rate")]
    anonymous_burst: Option<u32>,
    /// With client identity off: batches (and impacts) each caller address may run at once.
    #[arg(long, env = "CLAUSIER_ANONYMOUS_BATCHES")]
    anonymous_batches: Option<u32>,
    /// Accept the bearer tokens (JWT) of this identity provider: the issuer (`iss`) they
    /// must name. Needs `--jwt-audience`, `--jwt-jwks` and `--clients-file` (`jwt_subject`).
    #[arg(long, env = "CLAUSIER_JWT_ISSUER", requires_all = ["jwt_audience", "jwt_jwks", "clients_file"])]
    jwt_issuer: Option<String>,
    /// The audience (`aud`) tokens must be meant for: this service's name at the provider.
    #[arg(long, env = "CLAUSIER_JWT_AUDIENCE", requires = "jwt_issuer")]
    jwt_audience: Option<String>,
    /// The provider's public keys: a JWKS file (read again when it changes) or an `https://`
    /// URL (`http://` only on this machine; fetched again every `--jwt-jwks-refresh-seconds`,
    /// and when a token names a key not yet known).
    #[arg(long, env = "CLAUSIER_JWT_JWKS", requires = "jwt_issuer")]
    jwt_jwks: Option<String>,
    /// The authorities (PEM) that the JWKS URL's certificate must come from (default: the
    /// web's usual roots).
    #[arg(long, env = "CLAUSIER_JWT_JWKS_CA", requires = "jwt_jwks")]
    jwt_jwks_ca: Option<PathBuf>,
    /// How often the JWKS URL is fetched again.
    #[arg(long, env = "CLAUSIER_JWT_JWKS_REFRESH_SECONDS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(10..))]
    jwt_jwks_refresh_seconds: u64,
    /// The claim of a token that names its client (`jwt_subject` in the clients file).
    #[arg(long, env = "CLAUSIER_JWT_CLAIM", default_value = "sub")]
    jwt_claim: String,
    /// How far the provider's clock and this machine's may differ, in seconds, when a
    /// token's `exp` and `nbf` are checked.
    #[arg(long, env = "CLAUSIER_JWT_LEEWAY_SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(0..=600))]
    jwt_leeway_seconds: u64,
}

/// The identity provider's options, when `--jwt-issuer` is given.
#[cfg(feature = "server")]
fn jwt_options(args: &ServeArgs) -> Option<clausier::server::clients::jwt::JwtOptions> {
    use clausier::server::clients::jwt::{JwtOptions, KeysAt};
    let (issuer, audience, jwks) = (
        args.jwt_issuer.clone()?,
        args.jwt_audience.clone()?,
        args.jwt_jwks.clone()?,
    );
    let keys = if jwks.starts_with("http://") || jwks.starts_with("https://") {
        KeysAt::Url {
            url: jwks,
            ca: args.jwt_jwks_ca.clone(),
            refresh: std::time::Duration::from_secs(args.jwt_jwks_refresh_seconds),
        }
    } else {
        KeysAt::File(PathBuf::from(jwks))
    };
    Some(JwtOptions {
        issuer,
        audience,
        keys,
        claim: args.jwt_claim.clone(),
        leeway: std::time::Duration::from_secs(args.jwt_leeway_seconds),
    })
}

/// The default data folder: `$XDG_DATA_HOME/clausier`, else `~/.local/share/clausier`, else
/// `clausier-data` here.
fn default_data_dir() -> PathBuf {
    let xdg = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty());
    let home = std::env::var_os("HOME").filter(|v| !v.is_empty());
    match (xdg, home) {
        (Some(xdg), _) => PathBuf::from(xdg).join("clausier"),
        (None, Some(home)) => PathBuf::from(home).join(".local/share/clausier"),
        (None, None) => PathBuf::from("clausier-data"),
    }
}

/// A bearer token from `file`, else from the variable `var`: checked when given.
#[cfg(feature = "server")]
fn token(file: Option<&PathBuf>, var: &str) -> Result<Option<String>, String> {
    let (token, from) = match file {
        Some(file) => match std::fs::read_to_string(file) {
            Ok(t) => (Some(t.trim().to_string()), file.display().to_string()),
            Err(e) => return Err(format!("{}: {e}", file.display())),
        },
        None => (
            std::env::var(var).ok().map(|t| t.trim().to_string()),
            var.to_string(),
        ),
    };
    if let Some(t) = &token {
        // A token given but blank is an error, not the routes turned off in silence.
        let checked = if t.is_empty() {
            Err("it holds no token".to_string())
        } else {
            clausier::server::check_admin_token(t)
        };
        checked.map_err(|reason| format!("{from}: {reason}"))?;
    }
    Ok(token)
}

/// The records' options the arguments give (none with `--store none`).
#[cfg(feature = "server")]
fn records(
    args: &ServeArgs,
    data: &std::path::Path,
) -> Result<Option<clausier::server::records::RecordsOptions>, String> {
    let url = match args.store.trim() {
        "none" => return Ok(None),
        "sqlite" => format!("sqlite://{}?mode=rwc", data.join("decisions.db").display()),
        url if url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://") =>
        {
            url.to_string()
        }
        other => {
            return Err(format!(
                "--store: `{other}` is neither `sqlite`, `none`, a `sqlite://` URL nor a `postgres://` one"
            ));
        }
    };
    let hashed = match (args.keep_inputs.trim(), &args.input_salt_file) {
        ("full", None) => None,
        ("full", Some(_)) => {
            return Err(
                "--input-salt-file is given but inputs are kept in full: it is the salt of `--keep-inputs hashed`"
                    .into(),
            );
        }
        ("hashed", Some(file)) => {
            Some(clausier::server::records::read_salt(file).map_err(|e| e.to_string())?)
        }
        ("hashed", None) => {
            Some(clausier::server::records::salt_in(data).map_err(|e| e.to_string())?)
        }
        (other, _) => return Err(format!("--keep-inputs: `{other}` is `full` or `hashed`")),
    };
    Ok(Some(clausier::server::records::RecordsOptions {
        url,
        queue: args.store_queue,
        wait: std::time::Duration::from_millis(args.store_wait_ms),
        retention: retention(&args.retention_days)?,
        hashed,
        salt_file: args.input_salt_file.clone(),
        purge_every: std::time::Duration::from_secs(args.purge_every),
        erase_wait: std::time::Duration::from_millis(args.erase_wait_ms),
    }))
}

/// Days a record is kept when `--retention-days` gives none for its policy.
#[cfg(feature = "server")]
const RETENTION_DAYS: u32 = 730;

/// The retention `--retention-days` gives, by policy: each policy named keeps its own, every
/// other policy the bare `DAYS` (last), or [`RETENTION_DAYS`] when none is given.
#[cfg(feature = "server")]
fn retention(given: &[String]) -> Result<Vec<(Option<String>, u32)>, String> {
    let mut retention: Vec<(Option<String>, u32)> = Vec::new();
    for given in given.iter().map(|r| r.trim()).filter(|r| !r.is_empty()) {
        let (policy, days) = match given.split_once('=') {
            Some((policy, days)) => (Some(policy.trim().to_string()), days),
            None => (None, given),
        };
        let days: u32 = days
            .trim()
            .parse()
            .ok()
            .filter(|d| *d > 0)
            .ok_or_else(|| format!("--retention-days: `{given}` is not `DAYS` or `POLICY=DAYS` (DAYS a whole number above 0)"))?;
        if policy.as_ref().is_some_and(String::is_empty) {
            return Err(format!("--retention-days: `{given}` names no policy"));
        }
        if retention.iter().any(|(p, _)| *p == policy) {
            return Err(match policy {
                Some(p) => format!("--retention-days: `{p}` is given twice"),
                None => "--retention-days: `DAYS` for every other policy is given twice".into(),
            });
        }
        retention.push((policy, days));
    }
    if !retention.iter().any(|(p, _)| p.is_none()) {
        retention.push((None, RETENTION_DAYS));
    }
    Ok(retention)
}

#[cfg(feature = "server")]
pub(crate) fn run(args: &ServeArgs) -> u8 {
    let tokens = token(args.admin_token_file.as_ref(), "CLAUSIER_ADMIN_TOKEN").and_then(|admin| {
        token(args.records_token_file.as_ref(), "CLAUSIER_RECORDS_TOKEN").map(|r| (admin, r))
    });
    let (admin_token, records_token) = match tokens {
        Ok(tokens) => tokens,
        Err(e) => {
            eprintln!("error: {e}");
            return TROUBLE;
        }
    };
    if admin_token.is_some() && admin_token == records_token {
        eprintln!("error: the records token must differ from the administration token");
        return TROUBLE;
    }
    let data = args.data_dir.clone().unwrap_or_else(default_data_dir);
    let records = match records(args, &data) {
        Ok(records) => records,
        Err(e) => {
            eprintln!("error: {e}");
            return TROUBLE;
        }
    };
    let signing_key = (!args.no_receipts).then(|| {
        args.signing_key
            .clone()
            .unwrap_or_else(|| data.join("receipt-key.pem"))
    });
    let mut cors_origins = Vec::new();
    for origin in args.cors_origins.iter().filter(|o| !o.trim().is_empty()) {
        match clausier::server::cors::check_origin(origin) {
            Ok(origin) => cors_origins.push(origin),
            Err(reason) => {
                eprintln!("error: --cors-origin: {reason}");
                return TROUBLE;
            }
        }
    }
    let options = clausier::server::ServeOptions {
        policies: args.policies.clone(),
        addr: args.addr.clone(),
        workers: args.workers,
        limits: clausier::server::Limits {
            body: args.body_limit,
            batch_body: args.batch_body_limit,
            ndjson_line: args.ndjson_line_limit,
            json_depth: args.json_depth_limit,
            batch_len: args.batch_len_limit,
            string_len: args.string_limit,
            deadline: std::time::Duration::from_millis(args.deadline_ms),
            body_timeout: std::time::Duration::from_millis(args.body_timeout_ms),
            policy_body: clausier::server::Limits::default().policy_body,
        },
        header_timeout: std::time::Duration::from_millis(args.header_timeout_ms),
        max_connections: args.max_connections,
        admin_token,
        settle: std::time::Duration::from_millis(args.settle_ms),
        accept_failing_examples: args.accept_failing_examples,
        cors_origins,
        data_dir: data,
        records,
        signing_key,
        retired_keys: args.retired_keys.clone(),
        records_token,
        tls: args
            .tls_cert
            .clone()
            .zip(args.tls_key.clone())
            .map(|(cert, key)| clausier::server::tls::TlsFiles {
                cert,
                key,
                client_ca: args.tls_client_ca.clone(),
                client_crl: args.tls_client_crl.clone(),
            }),
        clients_file: args.clients_file.clone(),
        jwt: jwt_options(args),
        anonymous: clausier::server::clients::limits::ClientLimits {
            rate: args.anonymous_rate,
            burst: args.anonymous_burst,
            batches: args.anonymous_batches,
        },
        accessibility_contact: args.accessibility_contact.clone(),
        today: args.today,
    };
    match clausier::server::serve(options) {
        Ok(()) => OK,
        Err(e) => {
            eprintln!("error: {e}");
            TROUBLE
        }
    }
}

#[cfg(not(feature = "server"))]
pub(crate) fn run(args: &ServeArgs) -> u8 {
    eprintln!(
        "clausier serve: this binary was built without the `server` feature (policies: {}, address: {})",
        args.policies.display(),
        args.addr
    );
    TROUBLE
}

/// Prints the OpenAPI document (what `openapi/openapi.json` holds).
#[cfg(feature = "server")]
pub(crate) fn openapi() -> u8 {
    match clausier::server::openapi().to_pretty_json() {
        Ok(json) => {
            outln!("{json}");
            OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            TROUBLE
        }
    }
}

#[cfg(not(feature = "server"))]
pub(crate) fn openapi() -> u8 {
    eprintln!("clausier openapi: this binary was built without the `server` feature");
    TROUBLE
}
