//! `clausier eval`: one decision, printed as JSON or as text with the quoted clauses.

use std::io::Read;
use std::path::PathBuf;

use chrono::NaiveDate;

use crate::cli::{FINDINGS, OK, OutputFormat, TROUBLE, color};
use clausier::Lang;
use clausier::json::HintsRequest;
use clausier::load::{PolicyFolder, load_folder, load_version_file, select};
use clausier::request::{Options, RequestError};

/// Arguments of `clausier eval`.
#[derive(clap::Args, Debug)]
pub(crate) struct EvalArgs {
    #[command(flatten)]
    which: Which,
    /// The candidate record (JSON); `-` or nothing reads standard input.
    input: Option<PathBuf>,
    /// Add the trace of every rule considered.
    #[arg(long)]
    explain: bool,
    /// Decide this conclusion only (repeat for several): the decision holds the conclusions
    /// named alone, and evaluates nothing but what they read. Default: every conclusion.
    #[arg(long = "conclusion", value_name = "NAME")]
    conclusions: Vec<String>,
    /// Add, to each decided conclusion, the smallest changes to the record that would give it
    /// another value.
    #[arg(long)]
    hints: bool,
    /// How to print the decision.
    #[arg(long, value_enum, default_value = "json")]
    format: OutputFormat,
    /// The language of what people read (`because`, the text format): `fr` or `en`.
    #[arg(long, default_value = "fr", value_parser = parse_lang)]
    lang: Lang,
}

/// The policy and the version a command decides under (`eval`, `interview`).
#[derive(clap::Args, Debug)]
pub(crate) struct Which {
    /// A policy folder, or one version's file.
    pub(crate) policy: PathBuf,
    /// The version label.
    #[arg(long, conflicts_with = "as_of")]
    pub(crate) version: Option<String>,
    /// The date whose version in force applies (YYYY-MM-DD); default: today.
    #[arg(long)]
    pub(crate) as_of: Option<NaiveDate>,
    /// The date taken as today when neither a version nor `--as-of` is given (YYYY-MM-DD);
    /// default: this machine's clock. To rehearse a session before its first day.
    #[arg(long, env = "CLAUSIER_TODAY", value_name = "YYYY-MM-DD")]
    pub(crate) today: Option<NaiveDate>,
    /// Decide under the version named although it is a draft (never in force; a draft is
    /// never chosen by date).
    #[arg(long)]
    pub(crate) draft: bool,
}

/// A language clap reads: `fr`, `en` (or a tag like `en-GB`).
pub(crate) fn parse_lang(s: &str) -> Result<Lang, String> {
    Lang::parse(s).ok_or_else(|| format!("`{s}` is not a language clausier speaks: `fr` or `en`"))
}

pub(crate) fn run(args: &EvalArgs) -> u8 {
    let (folder, label) = match load(&args.which) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let Some(policy) = folder.version(&label) else {
        return TROUBLE;
    };
    let text = match read_input(args.input.as_ref()) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return TROUBLE;
        }
    };
    let conclusions = match conclusions(policy, &args.conclusions, args.lang) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let options = Options {
        explain: args.explain,
        lang: args.lang,
        hints: args.hints.then_some(HintsRequest::All(true)),
        conclusions,
        ..Options::default()
    };
    // The same path as the service's: bounded JSON bytes, then the declared inputs.
    let decision = match clausier::request::decide_bytes(policy, text.as_bytes(), &options) {
        Ok(d) => d,
        Err(RequestError::Invalid(errors)) => {
            for e in errors {
                eprintln!("error: {}: {}", e.pointer, e.in_lang(args.lang).message);
            }
            return FINDINGS;
        }
        Err(RequestError::Malformed(e)) => {
            eprintln!("error: the input is not JSON: {e}");
            return FINDINGS;
        }
        Err(RequestError::Bad(e)) => {
            eprintln!("error: {}", e.get(args.lang));
            return FINDINGS;
        }
        Err(RequestError::Exceeded(e)) => {
            eprintln!("error: {}", e.said().get(args.lang));
            return FINDINGS;
        }
    };
    match args.format {
        OutputFormat::Json => outln!(
            "{}",
            clausier::json::pretty::to_string_pretty(&decision).unwrap_or_default()
        ),
        OutputFormat::Text => out!("{}", clausier::report::text(policy, &decision, args.lang)),
    }
    OK
}

/// The conclusions named by `--conclusion` (all when none), or the exit code once the names
/// the policy does not declare are printed.
fn conclusions(
    policy: &clausier::prepared::Prepared,
    names: &[String],
    lang: Lang,
) -> Result<Option<std::sync::Arc<[usize]>>, u8> {
    if names.is_empty() {
        return Ok(None);
    }
    match clausier::request::conclusions(policy, names, "conclusions") {
        Ok(found) => Ok(Some(found)),
        Err(RequestError::Invalid(errors)) => {
            for e in errors {
                eprintln!("error: --conclusion: {}", e.in_lang(lang).message);
            }
            Err(FINDINGS)
        }
        Err(_) => Err(TROUBLE),
    }
}

/// Loads the policy folder (or one version's file and its layers) and chooses the version: by
/// label, by the file named, else in force on `as_of` (default today). On failure, the
/// diagnostics and the error are printed and the exit code returned.
pub(crate) fn load(which: &Which) -> Result<(PolicyFolder, String), u8> {
    let (path, version, as_of) = (
        which.policy.as_path(),
        which.version.as_deref(),
        which.as_of,
    );
    let is_file = path.is_file();
    let loaded = if is_file {
        load_version_file(path)
    } else {
        load_folder(path)
    };
    let folder = match loaded {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return Err(TROUBLE);
        }
    };
    let dir = &folder.dir;
    // A file names its version (the other files loaded are the layers it extends).
    let from_file = is_file
        .then(|| {
            let of_path = |f: &&clausier::check::layers::ParsedFile| {
                folder.sources.get(f.file).and_then(|s| s.path.as_deref()) == Some(path)
            };
            folder
                .files
                .iter()
                .find(of_path)
                .map(|f| f.version().to_string())
        })
        .flatten();
    if is_file && from_file.is_none() && version.is_none() {
        for d in folder.all_diagnostics().filter(|d| d.is_error()) {
            eprintln!("{}", d.render(&folder.sources, color()));
        }
        return Err(FINDINGS);
    }
    let label = version.map(str::to_string).or(from_file);
    let today = which
        .today
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    let Some(policy) = select(folder.compiled(), label.as_deref(), as_of.unwrap_or(today)) else {
        for d in folder.all_diagnostics().filter(|d| d.is_error()) {
            eprintln!("{}", d.render(&folder.sources, color()));
        }
        let what = label.map_or_else(
            || format!("in force on {}", as_of.unwrap_or(today)),
            |l| format!("`{l}`"),
        );
        eprintln!("error: no checked version {what} in {}", dir.display());
        return Err(TROUBLE);
    };
    if policy.draft && !which.draft {
        eprintln!(
            "error: version `{}` is a draft, not in force: add --draft to decide under it",
            policy.version
        );
        return Err(TROUBLE);
    }
    let label = policy.version.clone();
    Ok((folder, label))
}

fn read_input(path: Option<&PathBuf>) -> std::io::Result<String> {
    match path {
        Some(p) if p.as_os_str() != "-" => std::fs::read_to_string(p),
        _ => {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s)?;
            Ok(s)
        }
    }
}
