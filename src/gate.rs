//! The examples are the gate of publication: a version whose examples fail does not become a
//! rule in force (an upload is refused, an edited file keeps its last good version served,
//! `clausier publish` stops) unless the publisher accepts the failures in so many words.
//!
//! An acceptance is kept beside the policy's files, in [`ACCEPTED`]: one entry per accepted
//! version text, keyed by the version's sha256 (its file and the layers it extends), with who
//! accepted it, when, and how many examples failed. It holds for that text alone: any edit of
//! the version or of a layer it extends gives another sha256, judged anew. Drafts are never
//! judged: their examples may fail while they are prepared.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::examples::Failure;
use crate::load::PolicyFolder;

/// The file of a policy folder that lists the version texts published with failing examples.
pub const ACCEPTED: &str = "accepted-failures.json";

/// One version text published although some of its examples failed.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Acceptance {
    /// The version label.
    pub version: String,
    /// The version's sha256 (its file and its layers'): the text accepted.
    pub sha256: String,
    /// How many examples failed with it.
    pub failing: usize,
    /// When (RFC 3339, UTC).
    pub accepted_at: String,
    /// Who accepted (`administration API`, `clausier publish`, …).
    pub by: String,
}

/// The acceptances recorded in `dir` (none when the file is absent or unreadable: an
/// acceptance that cannot be read accepts nothing).
pub fn acceptances(dir: &Path) -> Vec<Acceptance> {
    std::fs::read_to_string(dir.join(ACCEPTED))
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

/// Records that `version`, whose text has `sha256`, is published although `failing` examples
/// fail with it, accepted `by` someone.
pub fn accept(
    dir: &Path,
    version: &str,
    sha256: &str,
    failing: usize,
    by: &str,
) -> std::io::Result<()> {
    let mut all = acceptances(dir);
    all.retain(|a| a.sha256 != sha256);
    all.push(Acceptance {
        version: version.to_string(),
        sha256: sha256.to_string(),
        failing,
        accepted_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        by: by.to_string(),
    });
    let text = serde_json::to_string_pretty(&all).map_err(std::io::Error::other)?;
    crate::load::write_atomically(&dir.join(ACCEPTED), &format!("{text}\n"))
}

/// The versions of `folder` whose publication its examples refuse, each with the failures that
/// refuse it: a version that is not a draft and whose examples fail, unless its text was
/// accepted (its sha256 is in `accepted`), and any version that extends a refused one (its
/// rules would bring the refused text into force). The examples are run here.
pub fn refused(
    folder: &PolicyFolder,
    accepted: &HashSet<String>,
) -> BTreeMap<String, Vec<Failure>> {
    refused_of(folder, &failing(folder), accepted)
}

/// The versions of `folder` that are not drafts and whose own examples fail, with the failures
/// (what [`refused_of`] judges): the examples are run here.
pub fn failing(folder: &PolicyFolder) -> BTreeMap<String, Vec<Failure>> {
    let report = crate::examples::run(folder);
    let mut failing: BTreeMap<String, Vec<Failure>> = BTreeMap::new();
    for failure in report.blocking(folder) {
        let Some(label) = &failure.version else {
            continue; // an examples file that cannot be read names no version
        };
        if folder.version(label).is_some() {
            failing
                .entry(label.clone())
                .or_default()
                .push(failure.clone());
        }
    }
    failing
}

/// [`refused`], from the versions' own `failing` examples as [`failing`] found them.
pub fn refused_of(
    folder: &PolicyFolder,
    failing: &BTreeMap<String, Vec<Failure>>,
    accepted: &HashSet<String>,
) -> BTreeMap<String, Vec<Failure>> {
    let mut refused: BTreeMap<String, Vec<Failure>> = failing
        .iter()
        .filter(|(label, _)| {
            folder
                .version(label)
                .is_some_and(|v| !accepted.contains(&v.sha256))
        })
        .map(|(label, failures)| (label.clone(), failures.clone()))
        .collect();
    // A layer refused refuses what extends it, however deep.
    loop {
        let more: Vec<(String, String)> = folder
            .compiled()
            .filter(|v| !v.draft && !refused.contains_key(&v.version))
            .filter_map(|v| {
                let base = v.extends.as_ref().filter(|b| refused.contains_key(*b))?;
                Some((v.version.clone(), base.clone()))
            })
            .collect();
        if more.is_empty() {
            return refused;
        }
        for (label, base) in more {
            let inherited = Failure {
                file: folder.dir.clone(),
                example: String::new(),
                version: Some(label.clone()),
                conclusion: None,
                expected: format!("`{base}`, which it extends, published"),
                found: format!("`{base}` is refused: its examples fail"),
            };
            refused.insert(label, vec![inherited]);
        }
    }
}
