//! `clausier check`: parse and check, print diagnostics, exit 1 on error.

use std::path::PathBuf;

use crate::cli::{ErrorFormat, FINDINGS, OK, TROUBLE, color};
use crate::diagnostic::{Diagnostic, Severity};
use crate::load::{load_folder, policy_dirs};

pub(crate) fn run(paths: &[PathBuf], format: ErrorFormat) -> u8 {
    let (mut errors, mut warnings, mut versions, mut folders) = (0, 0, 0, 0);
    for path in paths {
        let dirs = match policy_dirs(path) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("error: {e}");
                return TROUBLE;
            }
        };
        for dir in dirs {
            let folder = match load_folder(&dir) {
                Ok(f) => f,
                Err(e) => {
                    eprintln!("error: {e}");
                    return TROUBLE;
                }
            };
            folders += 1;
            versions += folder.versions.len();
            let wanted = |d: &&Diagnostic| {
                // A file argument checks that file's version only.
                !path.is_file() || d.span.and_then(|s| folder.sources.get(s.file)).is_none_or(|f| f.path.as_deref() == Some(path.as_path()))
            };
            for d in folder.all_diagnostics().filter(wanted) {
                match d.severity {
                    Severity::Error => errors += 1,
                    Severity::Warning => warnings += 1,
                }
                match format {
                    ErrorFormat::Human => eprintln!("{}", d.render(&folder.sources, color())),
                    ErrorFormat::Json => println!("{}", serde_json::to_string(&d.to_json(&folder.sources)).unwrap_or_default()),
                }
            }
        }
    }
    if format == ErrorFormat::Human {
        eprintln!("checked {versions} version(s) of {folders} polic{}: {errors} error(s), {warnings} warning(s)", if folders == 1 { "y" } else { "ies" });
    }
    if errors > 0 { FINDINGS } else { OK }
}
