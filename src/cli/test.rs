//! `clausier test`: run the examples, a line per failure with what differs; `--coverage` lists
//! the rules and clauses no example exercises.

use std::collections::HashSet;
use std::path::PathBuf;

use crate::cli::{FINDINGS, OK, TROUBLE, color};
use clausier::examples::{Report, run as run_examples, run_versions};
use clausier::load::{PolicyFolder, load_folder, load_version_file, policy_dirs};

pub(crate) fn run(paths: &[PathBuf], coverage: bool) -> u8 {
    let (mut total, mut failed, mut broken) = (0, 0, false);
    let loaded = match load(paths) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return TROUBLE;
        }
    };
    for (folder, from_file) in loaded {
        for d in folder.all_diagnostics().filter(|d| d.is_error()) {
            eprintln!("{}", d.render(&folder.sources, color()));
            broken = true;
        }
        let report = if from_file {
            // One version's file loads that version and its layers: the folder's other
            // versions are not there, and their examples could only fail.
            let loaded: HashSet<&str> = folder.files.iter().map(|f| f.version()).collect();
            run_versions(&folder, &loaded)
        } else {
            run_examples(&folder)
        };
        total += report.run;
        failed += report.failures.len();
        for f in &report.failures {
            outln!("{f}");
        }
        print_skipped(&report);
        if coverage {
            print_coverage(&folder, &report);
        }
    }
    outln!("{total} example(s), {failed} failure(s)");
    if broken || failed > 0 { FINDINGS } else { OK }
}

/// The folders to test, each with whether it was loaded from one version's file.
fn load(paths: &[PathBuf]) -> Result<Vec<(PolicyFolder, bool)>, clausier::load::LoadError> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_file() {
            out.push((load_version_file(path)?, true));
            continue;
        }
        for dir in policy_dirs(path)? {
            out.push((load_folder(&dir)?, false));
        }
    }
    Ok(out)
}

fn print_skipped(report: &Report) {
    if report.skipped.is_empty() {
        return;
    }
    let count: usize = report.skipped.values().sum();
    let versions: Vec<String> = report.skipped.keys().map(|v| format!("`{v}`")).collect();
    outln!(
        "skipped {count} example(s) of {}: only the file's version and the versions it extends were loaded",
        versions.join(", ")
    );
}

fn print_coverage(folder: &PolicyFolder, report: &Report) {
    let uncovered = report.uncovered(folder);
    outln!("coverage of {}:", folder.dir.display());
    if uncovered.rules.is_empty() {
        outln!("  every rule gives a value in some example");
    }
    for r in &uncovered.rules {
        outln!("  rule never applied: {r}");
    }
    if uncovered.clauses.is_empty() {
        outln!("  every clause that carries a rule is cited by some example's decision");
    }
    for c in &uncovered.clauses {
        outln!("  clause never cited by a decision: {c}");
    }
}
