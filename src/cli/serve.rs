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
}

#[cfg(feature = "server")]
pub(crate) fn run(args: &ServeArgs) -> u8 {
    // A token given but blank is an error, not administration turned off in silence.
    let (token, from) = match &args.admin_token_file {
        Some(file) => match std::fs::read_to_string(file) {
            Ok(t) => (Some(t.trim().to_string()), file.display().to_string()),
            Err(e) => {
                eprintln!("error: {}: {e}", file.display());
                return TROUBLE;
            }
        },
        None => (
            std::env::var("CLAUSIER_ADMIN_TOKEN")
                .ok()
                .map(|t| t.trim().to_string()),
            "CLAUSIER_ADMIN_TOKEN".to_string(),
        ),
    };
    if let Some(t) = &token {
        let checked = if t.is_empty() {
            Err("it holds no token".to_string())
        } else {
            clausier::server::check_admin_token(t)
        };
        if let Err(reason) = checked {
            eprintln!("error: {from}: {reason}");
            return TROUBLE;
        }
    }
    let admin_token = token;
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
        cors_origins,
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
