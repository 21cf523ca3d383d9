//! `clausier fmt`: the canonical layout, written only when it provably keeps the meaning.
//!
//! A file that parses is formatted even when it does not pass `clausier check` (the layout
//! does not depend on the names or types being right, and fixing a policy is easier once it
//! reads well), but a warning names it; the exit code is that of formatting alone. With
//! `--check`, nothing is written: each file that is not formatted is shown as the unified diff
//! that `clausier fmt` would apply, and the exit code is 1.

use std::path::{Path, PathBuf};

use crate::cli::{FINDINGS, OK, TROUBLE, color};
use clausier::diagnostic::Diagnostic;
use clausier::span::SourceMap;

pub(crate) fn run(paths: &[PathBuf], check: bool) -> u8 {
    let mut files = Vec::new();
    for p in paths {
        if let Err(e) = collect(p, &mut files) {
            eprintln!("error: {}: {e}", p.display());
            return TROUBLE;
        }
    }
    let mut code = OK;
    for file in files {
        let text = match std::fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: {}: {e}", file.display());
                return TROUBLE;
            }
        };
        let mut sources = SourceMap::new();
        let id = sources.add(file.display().to_string(), Some(file.clone()), text.clone());
        let formatted = match clausier::format::format_source(id, &text) {
            Ok(formatted) => formatted,
            Err(diags) => {
                for d in diags {
                    eprintln!("{}", d.render(&sources, color()));
                }
                code = FINDINGS;
                continue;
            }
        };
        warn_if_it_fails_the_check(&file);
        if formatted == text {
            continue;
        }
        if check {
            out!("{}", unified_diff(&file, &text, &formatted));
            code = FINDINGS;
        } else if let Err(e) = std::fs::write(&file, formatted) {
            eprintln!("error: {}: {e}", file.display());
            return TROUBLE;
        } else {
            outln!("formatted {}", file.display());
        }
    }
    code
}

/// Warns that `file`, which parses, does not pass `clausier check FILE` (the file with the
/// layers it extends). The check's own diagnostics are left to `clausier check`.
fn warn_if_it_fails_the_check(file: &Path) {
    let Ok(folders) = clausier::load::load_paths(&[file.to_path_buf()]) else {
        return;
    };
    let errors = folders
        .iter()
        .flat_map(|f| f.all_diagnostics())
        .filter(|d| Diagnostic::is_error(d))
        .count();
    if errors > 0 {
        let name = file.display();
        eprintln!(
            "warning: `{name}` does not pass `clausier check` ({errors} error(s)); it parses, \
             so fmt lays it out all the same: `clausier check {name}` lists the errors"
        );
    }
}

/// What formatting would change in `file`, as a unified diff (`--- file`, `+++ file`).
fn unified_diff(file: &Path, text: &str, formatted: &str) -> String {
    let name = file.display().to_string();
    similar::TextDiff::from_lines(text, formatted)
        .unified_diff()
        .header(&name, &format!("{name} (formatted)"))
        .to_string()
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if path.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for e in entries {
        if e.is_dir() {
            collect(&e, out)?;
        } else if e.extension().is_some_and(|x| x == "policy") {
            out.push(e);
        }
    }
    Ok(())
}
