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
    /// Largest line of an NDJSON batch, in bytes.
    #[arg(long, default_value_t = 1 << 20, env = "CLAUSIER_NDJSON_LINE_LIMIT")]
    ndjson_line_limit: usize,
}

#[cfg(feature = "server")]
pub(crate) fn run(args: &ServeArgs) -> u8 {
    let options = crate::server::ServeOptions {
        policies: args.policies.clone(),
        addr: args.addr.clone(),
        workers: args.workers,
        limits: crate::server::Limits {
            body: args.body_limit,
            batch_body: args.batch_body_limit,
            ndjson_line: args.ndjson_line_limit,
        },
    };
    match crate::server::serve(options) {
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
    match crate::server::openapi().to_pretty_json() {
        Ok(json) => {
            println!("{json}");
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
