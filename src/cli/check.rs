//! `clausier check`: parse and check, print diagnostics, exit 1 on error.

use std::path::PathBuf;

use crate::cli::{ErrorFormat, FINDINGS, OK, TROUBLE, color};
use clausier::diagnostic::Severity;
use clausier::load::load_paths;

/// A note per layer (a version that extends another: a session) that leaves parameters unset,
/// naming them: the conclusions that read them stay undetermined under that version.
fn unset(folder: &clausier::load::PolicyFolder) -> Vec<String> {
    folder
        .compiled()
        .filter(|v| v.extends.is_some())
        .filter_map(|v| {
            let names: Vec<&str> = v
                .params
                .iter()
                .filter(|p| p.value.is_none())
                .map(|p| p.name.as_str())
                .collect();
            (!names.is_empty()).then(|| {
                format!(
                    "note: version `{}` leaves {} unset: the conclusions that read {} stay undetermined",
                    v.version,
                    names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    if names.len() == 1 { "it" } else { "them" }
                )
            })
        })
        .collect()
}

pub(crate) fn run(paths: &[PathBuf], format: ErrorFormat) -> u8 {
    let (mut errors, mut warnings, mut versions, mut folders) = (0, 0, 0, 0);
    let loaded = match load_paths(paths) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return TROUBLE;
        }
    };
    for folder in loaded {
        folders += 1;
        versions += folder.versions.len();
        for d in folder.all_diagnostics() {
            match d.severity {
                Severity::Error => errors += 1,
                Severity::Warning => warnings += 1,
            }
            match format {
                ErrorFormat::Human => eprintln!("{}", d.render(&folder.sources, color())),
                ErrorFormat::Json => outln!(
                    "{}",
                    serde_json::to_string(&d.to_json(&folder.sources)).unwrap_or_default()
                ),
            }
        }
        if format == ErrorFormat::Human {
            for note in unset(&folder) {
                eprintln!("{note}");
            }
        }
    }
    if format == ErrorFormat::Human {
        eprintln!(
            "checked {versions} version(s) of {folders} polic{}: {errors} error(s), {warnings} warning(s)",
            if folders == 1 { "y" } else { "ies" }
        );
    }
    if errors > 0 { FINDINGS } else { OK }
}
