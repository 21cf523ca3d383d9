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
pub use crate::load::tree::ACCEPTED;

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

/// The acceptances recorded in `dir`: none when there is no such file. A file that cannot be
/// read or parsed is an error: it must not be taken for "nothing accepted" and overwritten.
pub fn read_acceptances(dir: &Path) -> std::io::Result<Vec<Acceptance>> {
    match std::fs::read_to_string(dir.join(ACCEPTED)) {
        Ok(text) => serde_json::from_str(&text)
            .map_err(|e| std::io::Error::other(format!("{}: {e}", dir.join(ACCEPTED).display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// The sha256 of the version texts accepted in `dir` (none when the file cannot be read: an
/// acceptance that cannot be read accepts nothing).
pub fn accepted(dir: &Path) -> HashSet<String> {
    read_acceptances(dir)
        .unwrap_or_default()
        .into_iter()
        .map(|a| a.sha256)
        .collect()
}

/// Records that `version`, whose text has `sha256`, is published although `failing` examples
/// fail with it, accepted `by` someone. Record it before writing the text it accepts: an
/// acceptance of a text never written accepts nothing, a text written without its acceptance
/// would be refused.
pub fn accept(
    dir: &Path,
    version: &str,
    sha256: &str,
    failing: usize,
    by: &str,
) -> std::io::Result<()> {
    // The service and `clausier publish` may both record at once: the folder is locked
    // (`flock`) while the file is read, changed and written, so that neither loses the
    // other's acceptance. Where a folder cannot be locked, the write goes on unlocked.
    let folder = std::fs::File::open(dir)?;
    let _locked = folder.lock();
    let mut all = read_acceptances(dir)?;
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

/// What a publication (an upload, `clausier publish`) would bring into force against the
/// examples: the versions of `folder` refused ([`refused`], the acceptances of its folder read)
/// whose text differs from `before` (each label's sha256 as served or saved before; a label
/// absent there is new). The other versions' standing does not change with this publication.
pub fn refused_changes(
    folder: &PolicyFolder,
    before: &std::collections::HashMap<String, String>,
) -> BTreeMap<String, Vec<Failure>> {
    refused(folder, &accepted(&folder.dir))
        .into_iter()
        .filter(|(label, _)| {
            folder
                .version(label)
                .is_some_and(|v| before.get(label) != Some(&v.sha256))
        })
        .collect()
}

/// Records the acceptance of every version of `refused` that fails examples of its own (one
/// refused only for a layer it extends is published with that layer's acceptance), `by`
/// someone.
pub fn accept_refused(
    folder: &PolicyFolder,
    refused: &BTreeMap<String, Vec<Failure>>,
    by: &str,
) -> std::io::Result<()> {
    for (label, failures) in refused {
        let own = failures.iter().filter(|f| !f.example.is_empty()).count();
        if let (Some(version), true) = (folder.version(label), own > 0) {
            accept(&folder.dir, label, &version.sha256, own, by)?;
        }
    }
    Ok(())
}

/// A key of the examples of `dir` (their files' names and bytes): what a load that reuses a
/// folder's checked versions compares to know whether the examples must run again.
pub fn examples_key(dir: &Path) -> Vec<u8> {
    use sha2::Digest as _;
    let mut hasher = sha2::Sha256::new();
    for file in crate::examples::example_files(dir) {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bytes = std::fs::read(&file).unwrap_or_default();
        hasher.update(name.len().to_le_bytes());
        hasher.update(name.as_bytes());
        hasher.update(bytes.len().to_le_bytes());
        hasher.update(&bytes);
    }
    hasher.finalize().to_vec()
}

/// The versions of `folder` whose publication its examples refuse, each with the failures that
/// refuse it: a version that is not a draft and whose examples fail, unless its text was
/// accepted (its sha256 is in `accepted`), and any version that extends a refused one (its
/// rules would bring the refused text into force). The examples are run here.
pub fn refused(
    folder: &PolicyFolder,
    accepted: &HashSet<String>,
) -> BTreeMap<String, Vec<Failure>> {
    refused_of(folder, &examine(folder).failing, accepted)
}

/// What the examples of a folder say of its versions.
#[derive(Clone, Debug, Default)]
pub struct Examined {
    /// The versions that are not drafts and whose own examples fail, with the failures.
    pub failing: BTreeMap<String, Vec<Failure>>,
    /// The examples files that cannot be read or parsed (or name a version the folder does
    /// not have): they gate nothing, and are reported.
    pub unreadable: Vec<Failure>,
}

/// Runs the examples of `folder` (what [`refused_of`] then judges).
pub fn examine(folder: &PolicyFolder) -> Examined {
    let report = crate::examples::run(folder);
    let mut examined = Examined::default();
    for failure in report.blocking(folder) {
        match &failure.version {
            Some(label) if folder.version(label).is_some() => examined
                .failing
                .entry(label.clone())
                .or_default()
                .push(failure.clone()),
            _ => examined.unreadable.push(failure.clone()),
        }
    }
    examined
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
                file: folder.dir.join("tests"),
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests assert by panicking")]
    use super::*;

    /// Acceptances recorded at once (the service and `clausier publish`, each its own file
    /// handle) are all kept.
    #[test]
    fn acceptances_recorded_at_once_are_all_kept() {
        let dir = tempfile::tempdir().unwrap();
        std::thread::scope(|scope| {
            for writer in 0..4 {
                let dir = dir.path();
                scope.spawn(move || {
                    for n in 0..25 {
                        let sha = format!("{writer}-{n}");
                        accept(dir, "v", &sha, 1, "a test").unwrap();
                    }
                });
            }
        });
        assert_eq!(accepted(dir.path()).len(), 100);
    }
}
