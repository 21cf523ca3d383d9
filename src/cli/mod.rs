//! The `clausier` command line: one file per subcommand.

// Standard output goes through `out!`/`outln!`, which stop quietly on a closed pipe.
#![deny(clippy::print_stdout)]

#[macro_use]
mod out;

mod check;
mod diff;
mod eval;
mod fmt;
mod interview;
mod new_version;
mod publish;
mod records;
mod serve;
mod test;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Exit codes: 0 all good, 1 findings or failures, 2 usage or I/O error.
pub(crate) const OK: u8 = 0;
pub(crate) const FINDINGS: u8 = 1;
pub(crate) const TROUBLE: u8 = 2;

/// clausier — a rules engine for regulations whose decisions cite their clauses.
#[derive(Parser, Debug)]
#[command(name = "clausier", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// How diagnostics are printed.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ErrorFormat {
    /// Like rustc: location, source line, caret, help.
    Human,
    /// One JSON object per line.
    Json,
}

/// How a decision is printed.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum OutputFormat {
    /// The decision JSON.
    Json,
    /// One block per conclusion with its value and the quoted clauses.
    Text,
}

#[derive(Subcommand, Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "the command line is parsed once, at start: the size of `serve`'s options costs nothing"
)]
enum Command {
    /// Serve the policies over HTTP.
    Serve(serve::ServeArgs),
    /// Print the OpenAPI document of the service.
    #[command(hide = true)]
    Openapi,
    /// Evaluate one candidate and print the decision.
    Eval(eval::EvalArgs),
    /// Ask, one question at a time, what can still change the decision, then print it.
    Interview(interview::InterviewArgs),
    /// Parse and check policies; print diagnostics like rustc.
    Check {
        /// Policy files, policy folders, or a folder of policy folders.
        #[arg(default_value = "policies")]
        paths: Vec<PathBuf>,
        /// How to print diagnostics.
        #[arg(long, value_enum, default_value = "human")]
        error_format: ErrorFormat,
    },
    /// Run the examples written next to the policies.
    Test {
        /// Policy folders, or a folder of policy folders.
        #[arg(default_value = "policies")]
        paths: Vec<PathBuf>,
        /// List the clauses and rules that no example exercises.
        #[arg(long)]
        coverage: bool,
    },
    /// Compare two versions: what changed in meaning and, with `--cases`, whose decision.
    Diff(diff::DiffArgs),
    /// Write the layer of a new session (its header, and the parameters to set, commented),
    /// ready to fill.
    NewVersion(new_version::NewVersionArgs),
    /// Publish a draft: check the folder and run its examples with the draft published, then
    /// remove the word `draft` from its file (refused while an example fails).
    Publish(publish::PublishArgs),
    /// Check a decision's signed receipt offline, against the service's public keys.
    Verify(records::VerifyArgs),
    /// Decide a recorded decision again under the version in force today (or another), and
    /// show which conclusions change (exit 1 when some do).
    Replay(records::ReplayArgs),
    /// Rewrite policies in the canonical layout.
    Fmt {
        /// Print the diff for each file that is not formatted, change nothing (exit 1 if any).
        #[arg(long)]
        check: bool,
        /// Policy files or folders (searched recursively).
        #[arg(default_value = "policies")]
        paths: Vec<PathBuf>,
    },
}

/// Runs the command line.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { TROUBLE } else { OK });
        }
    };
    let code = match cli.command {
        Command::Serve(args) => serve::run(&args),
        Command::Openapi => serve::openapi(),
        Command::Eval(args) => eval::run(&args),
        Command::Interview(args) => interview::run(&args),
        Command::Check {
            paths,
            error_format,
        } => check::run(&paths, error_format),
        Command::Test { paths, coverage } => test::run(&paths, coverage),
        Command::Fmt { check, paths } => fmt::run(&paths, check),
        Command::NewVersion(args) => new_version::run(&args),
        Command::Publish(args) => publish::run(&args),
        Command::Verify(args) => records::verify(&args),
        Command::Replay(args) => records::replay(&args),
        Command::Diff(args) => diff::run(&args),
    };
    ExitCode::from(code)
}

/// True when standard error is a terminal (for colours).
pub(crate) fn color() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}
