//! `clausier diff`: the semantic diff of two versions and, with `--cases`, the candidates whose
//! decision changes.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::cli::{OK, TROUBLE, color};
use clausier::diff::{Impact, PolicyDiff, diff, impact, render};
use clausier::load::{PolicyFolder, load_folder, load_version_file};
use clausier::prepared::Prepared;
use clausier::request::Bounds;

/// Arguments of `clausier diff`.
#[derive(clap::Args, Debug)]
pub(crate) struct DiffArgs {
    /// The old version: a `.policy` file, or `POLICY_DIR@VERSION`.
    old: String,
    /// The new version: a `.policy` file, or `POLICY_DIR@VERSION`.
    new: String,
    /// How to print the diff.
    #[arg(long, value_enum, default_value = "text")]
    format: DiffFormat,
    /// A folder of candidate records (`*.json`, one per file, as `clausier eval` reads them) to
    /// evaluate under both versions.
    #[arg(long, value_name = "DIR")]
    cases: Option<PathBuf>,
    /// The language of the text and markdown forms: `fr` or `en`.
    #[arg(long, default_value = "fr", value_parser = crate::cli::eval::parse_lang)]
    lang: clausier::Lang,
}

/// How a diff is printed.
#[derive(Clone, Copy, Debug, clap::ValueEnum, PartialEq, Eq)]
enum DiffFormat {
    /// For a reviewer (in French unless `--lang en`).
    Text,
    /// To paste in a review.
    Markdown,
    /// `{"diff": …, "impact": … | null}`.
    Json,
}

/// What `--format json` prints.
#[derive(Serialize)]
struct Report<'a> {
    diff: &'a PolicyDiff,
    impact: Option<&'a Impact>,
}

pub(crate) fn run(args: &DiffArgs) -> u8 {
    match compare(args) {
        Ok(out) => {
            out!("{out}");
            OK
        }
        Err(message) => {
            eprintln!("error: {message}");
            TROUBLE
        }
    }
}

fn compare(args: &DiffArgs) -> Result<String, String> {
    let old_folder = load_side(&args.old)?;
    let new_folder = load_side(&args.new)?;
    let old = version(&old_folder, &args.old)?;
    let new = version(&new_folder, &args.new)?;
    let d = diff(old, new);
    let cases = args.cases.as_deref().map(read_cases).transpose()?;
    let i = cases.map(|cases| impact(old, new, &cases, Bounds::default()));
    Ok(match args.format {
        DiffFormat::Text => render::report_text(&d, i.as_ref(), args.lang),
        DiffFormat::Markdown => render::report_markdown(&d, i.as_ref(), args.lang),
        DiffFormat::Json => {
            let report = Report {
                diff: &d,
                impact: i.as_ref(),
            };
            let json =
                clausier::json::pretty::to_string_pretty(&report).map_err(|e| e.to_string())?;
            format!("{json}\n")
        }
    })
}

/// One side as written: a `.policy` file, or `DIR@VERSION`.
enum Side<'a> {
    File(&'a Path),
    Folder(&'a Path, &'a str),
}

fn side(spec: &str) -> Result<Side<'_>, String> {
    let path = Path::new(spec);
    if path.is_file() {
        return Ok(Side::File(path));
    }
    match spec.rsplit_once('@') {
        Some((dir, label)) if !dir.is_empty() && !label.is_empty() => {
            Ok(Side::Folder(Path::new(dir), label))
        }
        _ if path.is_dir() => Err(format!(
            "`{spec}` is a folder: name a version of it, as `{spec}@VERSION`"
        )),
        _ => Err(format!(
            "`{spec}` is neither a policy file nor `POLICY_DIR@VERSION`"
        )),
    }
}

fn load_side(spec: &str) -> Result<PolicyFolder, String> {
    let loaded = match side(spec)? {
        Side::File(path) => load_version_file(path),
        Side::Folder(dir, _) => load_folder(dir),
    };
    loaded.map_err(|e| e.to_string())
}

/// The checked version a side names; the errors of a version that does not check are printed.
fn version<'a>(folder: &'a PolicyFolder, spec: &str) -> Result<&'a Prepared, String> {
    let label = match side(spec)? {
        Side::Folder(_, label) => Some(label.to_string()),
        // A file names its version (the other files loaded are the layers it extends).
        Side::File(path) => folder
            .files
            .iter()
            .find(|f| folder.sources.get(f.file).and_then(|s| s.path.as_deref()) == Some(path))
            .map(|f| f.version().to_string()),
    };
    if let Some(l) = &label
        && folder.files.iter().filter(|f| f.version() == l).count() > 1
    {
        return Err(format!(
            "version `{l}` is declared by more than one file of {}",
            folder.dir.display()
        ));
    }
    let found = label.as_deref().and_then(|l| folder.version(l));
    found.ok_or_else(|| {
        for d in folder.all_diagnostics().filter(|d| d.is_error()) {
            eprintln!("{}", d.render(&folder.sources, color()));
        }
        match label {
            Some(l) if folder.versions.iter().any(|(v, _)| *v == l) => {
                format!("version `{l}` of {} does not check", folder.dir.display())
            }
            Some(l) => {
                let labels: Vec<&str> = folder.versions.iter().map(|(v, _)| v.as_str()).collect();
                format!(
                    "no version `{l}` in {} (versions: {})",
                    folder.dir.display(),
                    labels.join(", ")
                )
            }
            None => format!("{spec} does not parse"),
        }
    })
}

/// Every `*.json` of `dir`, by file name: the case is named after the file (without `.json`).
fn read_cases(dir: &Path) -> Result<Vec<(String, serde_json::Value)>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json") && p.is_file())
        .collect();
    paths.sort();
    let mut cases = Vec::with_capacity(paths.len());
    for path in paths {
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let json = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not JSON: {e}", path.display()))?;
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        cases.push((name, json));
    }
    Ok(cases)
}
