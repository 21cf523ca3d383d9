//! `clausier test`: run the examples, a line per failure with what differs; `--coverage` lists
//! the rules and clauses no example exercises.

use std::path::PathBuf;

use crate::cli::{FINDINGS, OK, TROUBLE, color};
use crate::examples::run as run_examples;
use crate::load::load_paths;

pub(crate) fn run(paths: &[PathBuf], coverage: bool) -> u8 {
    let (mut total, mut failed, mut broken) = (0, 0, false);
    let loaded = match load_paths(paths) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return TROUBLE;
        }
    };
    for folder in loaded {
        for d in folder.all_diagnostics().filter(|d| d.is_error()) {
            eprintln!("{}", d.render(&folder.sources, color()));
            broken = true;
        }
        let report = run_examples(&folder);
        total += report.run;
        failed += report.failures.len();
        for f in &report.failures {
            outln!("{f}");
        }
        if coverage {
            print_coverage(&folder, &report);
        }
    }
    outln!("{total} example(s), {failed} failure(s)");
    if broken || failed > 0 { FINDINGS } else { OK }
}

fn print_coverage(folder: &crate::load::PolicyFolder, report: &crate::examples::Report) {
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
