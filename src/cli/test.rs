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
            let what = f
                .conclusion
                .as_deref()
                .map_or(String::new(), |c| format!(" › {c}"));
            println!("FAIL {} › {}{what}", f.file.display(), f.example);
            println!("  - expected: {}", f.expected);
            println!("  + found:    {}", f.found);
        }
        if coverage {
            print_coverage(&folder, &report);
        }
    }
    println!("{total} example(s), {failed} failure(s)");
    if broken || failed > 0 { FINDINGS } else { OK }
}

fn print_coverage(folder: &crate::load::PolicyFolder, report: &crate::examples::Report) {
    let mut rules = Vec::new();
    let mut clauses = Vec::new();
    let mut seen_rules = std::collections::HashSet::new();
    for policy in folder.compiled() {
        for c in &policy.conclusions {
            for r in &c.rules {
                let key = (r.span.file.0, r.span.start);
                if !report.rules_applied.contains(&key) && seen_rules.insert(key) {
                    rules.push(format!(
                        "{} {}.{} ({})",
                        r.kind.keyword(),
                        c.name,
                        r.label,
                        crate::decision::location(policy, r.span)
                    ));
                }
                for id in &r.citations {
                    if let Some(cl) = policy.clauses.get(*id)
                        && !report.clauses_cited.contains(&*cl.id)
                        && !clauses.contains(&cl.id)
                    {
                        clauses.push(cl.id.clone());
                    }
                }
            }
        }
    }
    println!("coverage of {}:", folder.dir.display());
    if rules.is_empty() {
        println!("  every rule gives a value in some example");
    }
    for r in &rules {
        println!("  rule never applied: {r}");
    }
    if clauses.is_empty() {
        println!("  every clause that carries a rule is cited by some example's decision");
    }
    for c in &clauses {
        println!("  clause never cited by a decision: {c}");
    }
}
