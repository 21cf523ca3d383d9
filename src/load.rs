//! Reading policy folders from disk: every `*.policy` file of a folder is a version; each
//! version is checked with its layers.

pub mod tree;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustc_hash::FxHashSet;

use crate::ast::Policy;
use crate::check::CheckResult;
use crate::check::layers::{ParsedFile, check_versions};
use crate::check::pipeline::{Checked, check_folder};
use crate::diagnostic::Diagnostic;
use crate::model::CompiledPolicy;
use crate::prepared::Prepared;
use crate::span::{FileId, SourceMap};

/// One policy folder, parsed and checked.
pub struct PolicyFolder {
    /// The folder.
    pub dir: PathBuf,
    /// Every file read.
    pub sources: Arc<SourceMap>,
    /// The files that parsed.
    pub files: Vec<ParsedFile>,
    /// Findings about the folder as a whole and syntax errors.
    pub diagnostics: Vec<Diagnostic>,
    /// Each version's check, by label, in file order.
    pub versions: Vec<(String, CheckResult)>,
    /// The versions checked, kept for a later load of the folder (see [`check_texts_after`]);
    /// empty unless the load was asked to keep them.
    checked: Checked,
}

impl PolicyFolder {
    /// The compiled version with this label, if it checked.
    pub fn version(&self, label: &str) -> Option<&Prepared> {
        self.versions
            .iter()
            .find(|(l, _)| l == label)
            .and_then(|(_, r)| r.policy.as_deref())
    }

    /// Every diagnostic, folder-level first, then each version's.
    pub fn all_diagnostics(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .chain(self.versions.iter().flat_map(|(_, r)| r.diagnostics.iter()))
    }

    /// True when nothing failed.
    pub fn is_ok(&self) -> bool {
        !self.all_diagnostics().any(Diagnostic::is_error)
    }

    /// How many versions this load checked; the others, whose chains of files a load before
    /// checked, were taken from it (see [`check_texts_after`]).
    pub fn checked_anew(&self) -> usize {
        self.checked.anew()
    }

    /// The AST of the file `id` of this folder when `now` is that file unchanged: the same
    /// name, path and text, at the same place in the folder (so that its spans hold). A load
    /// after an edit parses only the files that changed.
    fn parsed_as(&self, id: FileId, now: Option<&crate::span::SourceFile>) -> Option<Arc<Policy>> {
        let (then, now) = (self.sources.get(id)?, now?);
        if then.name != now.name || then.path != now.path || then.text != now.text {
            return None;
        }
        // The files that parsed are in the order of their ids: found by halving (a file found
        // has this id, so a miss could only make the file parsed again).
        let at = self.files.binary_search_by_key(&id, |f| f.file).ok()?;
        Some(Arc::clone(&self.files.get(at)?.policy))
    }

    /// True when `texts` (`(name, path, text)`, in order) are the texts of the files this
    /// folder was loaded from, one for one.
    pub fn read_from(&self, texts: &[(String, Option<PathBuf>, String)]) -> bool {
        let files: Vec<_> = self.sources.files().map(|(_, f)| f).collect();
        files.len() == texts.len()
            && files.iter().zip(texts).all(|(f, (name, path, text))| {
                f.name == *name && f.path == *path && f.text == *text
            })
    }

    /// The compiled versions, in file order.
    pub fn compiled(&self) -> impl Iterator<Item = &Prepared> {
        self.versions
            .iter()
            .filter_map(|(_, r)| r.policy.as_deref())
    }
}

/// An error reading the disk.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {source}")]
pub struct LoadError {
    /// What could not be read.
    pub path: String,
    /// Why.
    pub source: std::io::Error,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> LoadError + '_ {
    move |source| LoadError {
        path: path.display().to_string(),
        source,
    }
}

/// The `.policy` files directly in `dir`, sorted by name.
pub fn policy_files(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "policy") && p.is_file())
        .collect();
    files.sort();
    Ok(files)
}

/// The policy folders under `path`: itself if it holds `.policy` files, else its subfolders that
/// do (sorted). A `.policy` file stands for its folder.
pub fn policy_dirs(path: &Path) -> Result<Vec<PathBuf>, LoadError> {
    if path.is_file() {
        return Ok(vec![folder_of(path)]);
    }
    if !policy_files(path)?.is_empty() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(io(path))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir() && policy_files(p).is_ok_and(|f| !f.is_empty()))
        .collect();
    dirs.sort();
    Ok(dirs)
}

/// Parses and checks every version of one policy folder.
pub fn load_folder(dir: &Path) -> Result<PolicyFolder, LoadError> {
    Ok(check_texts(dir.to_path_buf(), read_texts(dir)?))
}

/// The texts of a folder's `.policy` files, as [`check_texts`] takes them: `(name, path,
/// text)`, in the order of [`policy_files`].
pub fn read_texts(dir: &Path) -> Result<Vec<(String, Option<PathBuf>, String)>, LoadError> {
    let mut texts = Vec::new();
    for path in policy_files(dir)? {
        let text = std::fs::read_to_string(&path).map_err(io(&path))?;
        texts.push((path.display().to_string(), Some(path), text));
    }
    Ok(texts)
}

/// Parses and checks versions given as texts `(name, path, text)`.
pub fn check_texts(dir: PathBuf, texts: Vec<(String, Option<PathBuf>, String)>) -> PolicyFolder {
    check_texts_keeping(dir, texts, Keep::Nothing)
}

/// As [`check_texts`], for a folder loaded again: a version whose chain of files (names, paths
/// and texts, at the same places in the folder) `previous` checked is taken as checked, not
/// checked again; the versions checked are kept in the folder for the next load (see
/// [`PolicyFolder::checked_anew`]). Without `previous`, every version is checked, and kept.
/// The result is the one [`check_texts`] gives.
pub fn check_texts_after(
    dir: PathBuf,
    texts: Vec<(String, Option<PathBuf>, String)>,
    previous: Option<&PolicyFolder>,
) -> PolicyFolder {
    check_texts_keeping(dir, texts, Keep::After(previous))
}

/// What a load keeps for the next one, and takes from the one before.
#[derive(Clone, Copy)]
enum Keep<'a> {
    /// Nothing kept, nothing taken: a load for once (the command line).
    Nothing,
    /// The versions checked kept, and what did not change taken from the load before, if any.
    After(Option<&'a PolicyFolder>),
}

fn check_texts_keeping(
    dir: PathBuf,
    texts: Vec<(String, Option<PathBuf>, String)>,
    keep: Keep<'_>,
) -> PolicyFolder {
    crate::parallel::with_stage_stack(|| check_texts_deep(dir, texts, keep))
}

fn check_texts_deep(
    dir: PathBuf,
    texts: Vec<(String, Option<PathBuf>, String)>,
    keep: Keep<'_>,
) -> PolicyFolder {
    let empty = Checked::default();
    let (before, previous) = match keep {
        Keep::Nothing => (None, None),
        Keep::After(before) => (before, Some(before.map_or(&empty, |b| &b.checked))),
    };
    let mut sources = SourceMap::new();
    let ids: Vec<FileId> = texts
        .into_iter()
        .map(|(name, path, text)| sources.add(name, path, text))
        .collect();
    // The files side by side on the cores (a large one is itself parsed in parts): the
    // sessions' small files while the annex's parts are parsed, not after.
    let parsed = crate::parallel::map(&ids, |&id| {
        let parsed = match before.and_then(|b| b.parsed_as(id, sources.get(id))) {
            Some(policy) => Ok(policy),
            None => {
                let text = sources.get(id).map_or("", |f| f.text.as_str());
                crate::syntax::parse(id, text).map(Arc::new)
            }
        };
        (id, parsed)
    });
    check_parsed(dir, sources, parsed, previous)
}

/// A file parsed (its tree, shared with the load after when it does not change), or why not.
type Parsed = Result<Arc<Policy>, Vec<Diagnostic>>;

/// Checks files already parsed, each once: the folder as a whole, then every version on top of
/// the version it extends (see [`crate::check::pipeline`]).
fn check_parsed(
    dir: PathBuf,
    sources: SourceMap,
    parsed: Vec<(FileId, Parsed)>,
    previous: Option<&Checked>,
) -> PolicyFolder {
    crate::parallel::with_stage_stack(|| check_parsed_deep(dir, sources, parsed, previous))
}

fn check_parsed_deep(
    dir: PathBuf,
    sources: SourceMap,
    parsed: Vec<(FileId, Parsed)>,
    previous: Option<&Checked>,
) -> PolicyFolder {
    let mut files = Vec::with_capacity(parsed.len());
    let mut diagnostics = Vec::new();
    for (file, result) in parsed {
        match result {
            Ok(policy) => files.push(ParsedFile { file, policy }),
            Err(mut d) => diagnostics.append(&mut d),
        }
    }
    diagnostics.extend(check_versions(&files));
    let sources = Arc::new(sources);
    let mut versions: Vec<(String, CheckResult)> = Vec::new();
    let (results, checked) = check_folder(&sources, &files, previous);
    // A layer's errors stop the versions that extend it too: report each finding once, the
    // first time (the folder's, then each version's in order). A set, not a search of every
    // earlier list: a large policy's thousands of findings, in several versions, stay linear.
    let mut reported: FxHashSet<Diagnostic> = diagnostics.iter().cloned().collect();
    for (label, mut result) in results {
        result.diagnostics.retain(|d| !reported.contains(d));
        reported.extend(result.diagnostics.iter().cloned());
        versions.push((label, result));
    }
    PolicyFolder {
        dir,
        sources,
        files,
        diagnostics,
        versions,
        checked,
    }
}

/// Picks a version: by `label`, or the latest whose effective date is on or before `as_of`
/// (versions without an effective date, and drafts, are selected by label only).
pub fn select<'a, P: std::ops::Deref<Target = CompiledPolicy>>(
    versions: impl IntoIterator<Item = &'a P>,
    label: Option<&str>,
    as_of: chrono::NaiveDate,
) -> Option<&'a P> {
    let versions = versions.into_iter();
    match label {
        Some(l) => versions.into_iter().find(|v| v.version == l),
        None => versions
            .filter(|v| !v.draft && v.effective_from.is_some_and(|d| d <= as_of))
            .max_by_key(|v| v.effective_from),
    }
}

/// The folder that holds the file `path`: `.` for a bare file name, whose parent is the empty
/// path (which no file system call accepts).
pub fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Parses and checks one version's file with the layers it extends (found by label among the
/// `.policy` files beside it), leaving the folder's other versions out.
///
/// Each file of the chain is parsed once; of the other files, only the header is read.
pub fn load_version_file(path: &Path) -> Result<PolicyFolder, LoadError> {
    let dir = folder_of(path);
    let mut siblings = Vec::new();
    for p in policy_files(&dir)? {
        if p != path {
            let text = std::fs::read_to_string(&p).map_err(io(&p))?;
            siblings.push((p, text));
        }
    }
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    let mut sources = SourceMap::new();
    let id = sources.add(path.display().to_string(), Some(path.to_path_buf()), text);
    let leaf = crate::syntax::parse(id, sources.get(id).map_or("", |f| f.text.as_str()));
    let mut extends = extends_of(&leaf);
    let mut parsed = vec![(id, leaf.map(Arc::new))];
    while let Some(label) = extends.take() {
        // The layer is the first file beside it that parses with this label.
        let next = FileId(u32::try_from(parsed.len()).unwrap_or(u32::MAX));
        let found = siblings.iter().enumerate().find_map(|(i, (_, t))| {
            let labels = crate::syntax::header_labels(t)?;
            if labels.0 != label {
                return None;
            }
            let policy = crate::syntax::parse(next, t).ok()?;
            Some((i, policy))
        });
        let Some((i, policy)) = found else { break };
        let (p, t) = siblings.swap_remove(i);
        extends = policy.header.extends.as_ref().map(|e| e.node.clone());
        let id = sources.add(p.display().to_string(), Some(p), t);
        parsed.push((id, Ok(Arc::new(policy))));
    }
    Ok(check_parsed(dir, sources, parsed, None))
}

/// The label a parsed file extends.
fn extends_of(parsed: &Result<Policy, Vec<Diagnostic>>) -> Option<String> {
    let policy = parsed.as_ref().ok()?;
    policy.header.extends.as_ref().map(|e| e.node.clone())
}

/// The policy folders that `paths` name, loaded: a `.policy` file loads its version and the
/// layers it extends, a folder every version in it, a folder of folders each of them.
pub fn load_paths(paths: &[PathBuf]) -> Result<Vec<PolicyFolder>, LoadError> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_file() {
            out.push(load_version_file(path)?);
            continue;
        }
        for dir in policy_dirs(path)? {
            out.push(load_folder(&dir)?);
        }
    }
    Ok(out)
}

/// Writes `text` to `path` atomically: a temporary file in the same folder, flushed to disk,
/// then renamed over the target, so a crash leaves the old file or the new one, never a torn one.
pub fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = folder_of(path);
    std::fs::create_dir_all(&dir)?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        uuid::Uuid::new_v4()
    ));
    let mut file = std::fs::File::create(&tmp)?;
    let written =
        std::io::Write::write_all(&mut file, text.as_bytes()).and_then(|()| file.sync_all());
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, path)?;
    // The rename itself is durable once the folder is flushed.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}
