//! The policy store: every version found under the policies folder, reloaded when files change
//! and swapped atomically (a request sees the old set or the new one, never a mix). A version
//! whose file fails the check never replaces the one being served; a folder that cannot be read,
//! or that holds no policy any more, never replaces the set being served.
//!
//! What is read, and how links are judged, is [`crate::load::tree`]; when a change is read is
//! the watcher's business ([`super::watch`]).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use arc_swap::ArcSwap;
use prometheus::IntCounterVec;
use serde::Serialize;
use utoipa::ToSchema;

use crate::ast::{ItemKind, Override, Policy};
use crate::diagnostic::{Code, Severity};
use crate::load::tree::{Files, Fingerprint, Folder, ReadHook, Tree};
use crate::load::{PolicyFolder, check_texts_after};
use crate::prepared::Prepared;

pub use super::watch::{WatchOptions, Watcher, watch, watch_with};

/// What happened to one policy file at the last load.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
#[serde(rename_all = "lowercase")]
pub enum LoadStatus {
    /// It checked and is served.
    Ok,
    /// It fails the check or could not be read; the last good version from this file is still
    /// served.
    Stale,
    /// It fails the check or is not read, and nothing from it is served.
    Error,
}

/// One finding of the checker about a file, for the policy list.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct FileDiagnostic {
    /// `error` or `warning`.
    pub severity: Severity,
    /// The stable code (`unknown-name`, …).
    pub code: String,
    /// The message.
    pub message: String,
    /// `file:line:column`, when it has a place.
    pub location: Option<String>,
    /// The diagnostic as `clausier check` prints it.
    pub rendered: String,
}

/// The load status of one policy file.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct FileStatus {
    /// The file's name within the policy folder.
    pub file: String,
    /// The version label it declares, when it parses.
    pub version: Option<String>,
    /// Served, stale, or in error.
    pub status: LoadStatus,
    /// Errors and warnings.
    pub diagnostics: Vec<FileDiagnostic>,
}

/// One policy: its served versions and the status of its files.
#[derive(Debug, Clone, Default)]
pub struct PolicyEntry {
    /// The policy id (its folder's name).
    pub id: String,
    /// The versions served, by label.
    pub versions: BTreeMap<String, Arc<Prepared>>,
    /// The status of each file, by file name.
    pub files: Vec<FileStatus>,
    /// The version served from each file (what a broken edit falls back to).
    served_from: HashMap<PathBuf, Arc<Prepared>>,
    /// The labels of the versions served from a file that now fails (or could not be read):
    /// their last good version, which the file on disk no longer says.
    pub stale_versions: std::collections::BTreeSet<String>,
    /// What the file of each served version declares, by label.
    declared: HashMap<String, Declared>,
    /// The folder as the load that made this entry read and checked it: the next load takes
    /// from it what did not change.
    last: LastLoad,
    /// How many versions the load that made this entry checked (the others taken as checked
    /// by the load before).
    checked_anew: usize,
    /// What the examples said of the versions ([`crate::gate::examine`]) at the load that ran
    /// them, with the key of the examples files then: a load that reuses the folder runs them
    /// again only when that key changed. Each load judges them against the acceptances anew.
    examined: Arc<(Vec<u8>, crate::gate::Examined)>,
    /// The versions whose publication their examples refuse, with the failures.
    refused: BTreeMap<String, Vec<FileDiagnostic>>,
    /// The versions refused for their examples that have no last good text to serve instead:
    /// a date on which one of them would be in force is answered 503, never by the version
    /// before it.
    pub withheld: BTreeMap<String, Arc<Prepared>>,
}

/// A policy folder as a load read and checked it, kept for the next load: a folder whose files
/// did not change is taken whole, and in one that changed, the versions whose chains of files
/// did not change are (see [`crate::load::check_texts_after`]). Keyed by the files' content,
/// never by a time or a name alone: what is taken is what checking the same texts gives.
#[derive(Clone, Default)]
struct LastLoad(Option<Arc<PolicyFolder>>);

impl std::fmt::Debug for LastLoad {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let versions = self.0.as_ref().map_or(0, |l| l.versions.len());
        write!(f, "LastLoad({versions} versions)")
    }
}

impl PolicyEntry {
    /// The versions served, in no particular order.
    pub fn compiled(&self) -> impl Iterator<Item = &Prepared> {
        self.versions.values().map(AsRef::as_ref)
    }

    /// The version in force on `date`, served (`Ok`) or withheld (`Err`: refused for its
    /// examples, with no last good text to serve instead; no other version stands in for it).
    pub fn in_force(
        &self,
        date: chrono::NaiveDate,
    ) -> Option<Result<&Arc<Prepared>, &Arc<Prepared>>> {
        let all = self.versions.values().chain(self.withheld.values());
        let label = crate::load::select(all.map(AsRef::as_ref), None, date)?
            .version
            .as_str();
        match self.versions.get(label) {
            Some(served) => Some(Ok(served)),
            None => self.withheld.get(label).map(Err),
        }
    }
}

/// How many parameters, conclusions and rules a version's own file declares (overrides
/// included): a text that declares fewer than the one served may be a file caught half-written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Declared {
    parameters: usize,
    conclusions: usize,
    rules: usize,
}

impl Declared {
    fn of(policy: &Policy) -> Declared {
        let mut d = Declared::default();
        for item in &policy.items {
            match &item.kind {
                ItemKind::Parameter(_) => d.parameters += 1,
                ItemKind::Conclusion(c) => {
                    d.conclusions += 1;
                    d.rules += c.rules.len();
                }
                ItemKind::Override(o) => match o.as_ref() {
                    Override::Parameter(_) => d.parameters += 1,
                    Override::Rule { .. } => d.rules += 1,
                    Override::Clause(_) | Override::Definition(_) => {}
                },
                _ => {}
            }
        }
        d
    }

    /// True when `self` has fewer of something than `before`.
    fn loses(self, before: Declared) -> bool {
        self.parameters < before.parameters
            || self.conclusions < before.conclusions
            || self.rules < before.rules
    }
}

/// Every policy, as served at one moment.
#[derive(Debug, Clone, Default)]
pub struct PolicySet {
    /// The policies by id.
    pub policies: BTreeMap<String, PolicyEntry>,
    /// How many loads produced this set (1 for the first).
    pub generation: u64,
    /// [`PolicySet::set_digest`], computed when the set is published (empty before).
    pub digest: String,
}

impl PolicySet {
    /// True when at least one version is served.
    pub fn has_versions(&self) -> bool {
        self.policies.values().any(|p| !p.versions.is_empty())
    }

    /// True when some file fails the check.
    pub fn has_errors(&self) -> bool {
        self.policies
            .values()
            .flat_map(|p| &p.files)
            .any(|f| f.status != LoadStatus::Ok)
    }

    /// A digest of what is served: the sha256 (hex) of the sorted list of every served version
    /// (policy id, version label, the version's sha256) and of every file's load status
    /// (policy id, file, the label it declares, `ok`, `stale` or `error`). Two replicas that
    /// serve the same versions from the same files give the same digest, and any reload that
    /// changes what is served changes it; reading the folder again without a change does not.
    /// Cheap: a few lines per version hashed, nothing cached.
    pub fn set_digest(&self) -> String {
        use sha2::Digest as _;
        let mut hasher = sha2::Sha256::new();
        // Tabs and newlines never occur in ids, labels, file names or hashes.
        for (id, entry) in &self.policies {
            for (label, version) in &entry.versions {
                hasher.update(format!("version\t{id}\t{label}\t{}\n", version.sha256));
            }
            let mut files: Vec<&FileStatus> = entry.files.iter().collect();
            files.sort_by(|a, b| a.file.cmp(&b.file));
            for file in files {
                let status = match file.status {
                    LoadStatus::Ok => "ok",
                    LoadStatus::Stale => "stale",
                    LoadStatus::Error => "error",
                };
                let label = file.version.as_deref().unwrap_or("");
                hasher.update(format!("file\t{id}\t{}\t{label}\t{status}\n", file.file));
            }
        }
        hex::encode(hasher.finalize())
    }

    fn failed_files(&self) -> usize {
        self.policies
            .values()
            .flat_map(|p| &p.files)
            .filter(|f| f.status != LoadStatus::Ok)
            .count()
    }

    /// True when some version of `self` would replace a different one of `before` whose file
    /// declares more parameters, conclusions or rules.
    fn loses_declarations(&self, before: &PolicySet) -> bool {
        self.policies.values().any(|entry| {
            let Some(old) = before.policies.get(&entry.id) else {
                return false;
            };
            entry.versions.iter().any(|(label, new)| {
                let replaced = old.versions.get(label).filter(|o| !Arc::ptr_eq(o, new));
                let counts = (entry.declared.get(label), old.declared.get(label));
                replaced.is_some() && matches!(counts, (Some(now), Some(then)) if now.loses(*then))
            })
        })
    }
}

/// Why a reload did not give a fully checked set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReloadFailure {
    /// The folder, or a policy folder served before, could not be read: what was served stays
    /// served, marked stale.
    Unreadable,
    /// No policy was found where some were served (an unmounted volume, a folder being
    /// replaced): what was served stays served, marked stale.
    Empty,
    /// Some files fail the check (their last good versions stay served).
    Check,
}

impl ReloadFailure {
    /// The `reason` label of the failure counter.
    pub fn reason(self) -> &'static str {
        match self {
            ReloadFailure::Unreadable => "unreadable",
            ReloadFailure::Empty => "empty",
            ReloadFailure::Check => "check",
        }
    }
}

/// A reload's outcome, for logs and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReloadSummary {
    /// Versions served after the reload.
    pub versions: usize,
    /// Files that fail the check or could not be read (at least 1 when the folder itself could
    /// not be read).
    pub failed_files: usize,
    /// What went wrong, if anything.
    pub failure: Option<ReloadFailure>,
    /// Versions this reload checked: the others, whose files and layers did not change since
    /// the load before, were taken as that load checked them.
    pub checked: usize,
}

/// A reload read and checked, before it is served: what [`Store::reload_if`] shows its judge.
pub struct Pending<'a> {
    /// The stamps of what was read, taken after reading it.
    pub fingerprint: &'a Fingerprint,
    next: &'a PolicySet,
    current: &'a PolicySet,
}

impl Pending<'_> {
    /// True when a version would be replaced by a text that declares fewer parameters,
    /// conclusions or rules than the one served.
    pub fn loses_declarations(&self) -> bool {
        self.next.loses_declarations(self.current)
    }
}

/// The served set of policies and how to reload it.
pub struct Store {
    tree: Tree,
    /// Serve versions whose examples fail (`serve --accept-failing-examples`), logged.
    accept_failing: bool,
    current: ArcSwap<PolicySet>,
    reloading: Mutex<()>,
    failures: OnceLock<IntCounterVec>,
}

impl Store {
    /// Loads every policy under `root`.
    pub fn open(root: impl Into<PathBuf>) -> Store {
        Store::open_with(root, None)
    }

    /// Loads every policy under `root`, calling `hook` before each read of the disk (see
    /// [`ReadHook`]).
    pub fn open_with(root: impl Into<PathBuf>, hook: Option<ReadHook>) -> Store {
        Store::open_accepting(root, hook, false)
    }

    /// Like [`Store::open_with`]; with `accept_failing`, a version whose examples fail is served
    /// all the same (each such load logs it), where it is otherwise refused (see
    /// [`crate::gate`]).
    pub fn open_accepting(
        root: impl Into<PathBuf>,
        hook: Option<ReadHook>,
        accept_failing: bool,
    ) -> Store {
        let store = Store {
            tree: Tree::new(root, hook),
            accept_failing,
            current: ArcSwap::from_pointee(PolicySet::default()),
            reloading: Mutex::new(()),
            failures: OnceLock::new(),
        };
        store.reload();
        store
    }

    /// The folder of policies.
    pub fn root(&self) -> &Path {
        self.tree.root()
    }

    /// The folder of policies and how it is read.
    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    /// Counts each failed reload from now on in `counter`, by its reason (one label).
    pub fn count_failures_in(&self, counter: IntCounterVec) {
        let _ = self.failures.set(counter);
    }

    /// The set served now. Hold it for the whole request: it never changes underneath.
    pub fn snapshot(&self) -> Arc<PolicySet> {
        self.current.load_full()
    }

    /// Re-reads the folder, checks every version whose files or layers changed (the others are
    /// taken as the load before checked them), and swaps in the new set; until then, the set
    /// before is served. Broken files keep
    /// their last good version served; a folder that cannot be read, or that holds no policy
    /// any more, keeps the whole last good set served.
    pub fn reload(&self) -> ReloadSummary {
        self.reload_if(|_| true).unwrap_or(ReloadSummary {
            versions: 0,
            failed_files: 0,
            failure: None,
            checked: 0,
        })
    }

    /// Like [`Store::reload`], after an administrative write: the folder is as the
    /// administrator left it, so a folder left without any policy (the last version deleted)
    /// is served empty, not taken for a fault.
    pub fn reload_written(&self) -> ReloadSummary {
        self.reload_checked(|_| true, true)
            .unwrap_or(ReloadSummary {
                versions: 0,
                failed_files: 0,
                failure: None,
                checked: 0,
            })
    }

    /// Like [`Store::reload`], but serves the new set only if `accept` agrees once it is read
    /// and checked (the watcher refuses a reading that changed since the folder settled); none
    /// when it refused.
    pub fn reload_if(&self, accept: impl FnOnce(&Pending) -> bool) -> Option<ReloadSummary> {
        self.reload_checked(accept, false)
    }

    fn reload_checked(
        &self,
        accept: impl FnOnce(&Pending) -> bool,
        deliberate: bool,
    ) -> Option<ReloadSummary> {
        let _one_at_a_time = self
            .reloading
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let current = self.current.load_full();
        let reading = self.tree.read();
        let (next, failure) = next_set(reading.folders, &current, deliberate, self.accept_failing);
        let pending = Pending {
            fingerprint: &reading.fingerprint,
            next: &next,
            current: &current,
        };
        if !accept(&pending) {
            return None;
        }
        let summary = ReloadSummary {
            versions: next.policies.values().map(|p| p.versions.len()).sum(),
            failed_files: next.failed_files().max(usize::from(failure.is_some())),
            failure: failure.as_ref().map(|(f, _)| *f),
            checked: next.policies.values().map(|p| p.checked_anew).sum(),
        };
        let mut next = next;
        next.digest = next.set_digest();
        self.current.store(Arc::new(next));
        if let Some((failure, message)) = failure {
            self.report(failure, &message, summary);
        }
        Some(summary)
    }

    fn report(&self, failure: ReloadFailure, message: &str, summary: ReloadSummary) {
        if let Some(counter) = self.failures.get() {
            counter.with_label_values(&[failure.reason()]).inc();
        }
        if failure != ReloadFailure::Check {
            tracing::error!(
                reason = failure.reason(),
                versions = summary.versions,
                "policies not reloaded: {message}; the last good versions stay served, marked stale"
            );
        }
    }
}

/// The set to serve after `folders` were read over `current`, and what failed; `deliberate`
/// when an administrative write left the folder so (an empty folder is then no fault).
fn next_set(
    folders: Result<Vec<Folder>, String>,
    current: &PolicySet,
    deliberate: bool,
    accept_failing: bool,
) -> (PolicySet, Option<(ReloadFailure, String)>) {
    let folders = match folders {
        Ok(folders) => folders,
        Err(message) => {
            let kept = kept_set(current, &message);
            return (kept, Some((ReloadFailure::Unreadable, message)));
        }
    };
    let mut next = PolicySet {
        policies: BTreeMap::new(),
        generation: current.generation + 1,
        digest: String::new(),
    };
    let mut unreadable = None;
    for folder in folders {
        let before = current.policies.get(&folder.id);
        let entry = match folder.files {
            Ok(files) => load_entry(&folder.id, &folder.dir, files, (before, accept_failing)),
            // A folder never served that cannot be listed (`lost+found`) is not a policy.
            Err(_) if before.is_none() => continue,
            Err(message) => {
                let kept = before.map(|b| kept_entry(b, &message)).unwrap_or_default();
                unreadable.get_or_insert(message);
                kept
            }
        };
        next.policies.insert(folder.id, entry);
    }
    if let Some(message) = unreadable {
        return (next, Some((ReloadFailure::Unreadable, message)));
    }
    if !next.has_versions() && current.has_versions() && !deliberate {
        let message = "no policy found in the policies folder".to_string();
        return (
            kept_set(current, &message),
            Some((ReloadFailure::Empty, message)),
        );
    }
    let failure = next.has_errors().then(|| {
        (
            ReloadFailure::Check,
            "some files fail the check".to_string(),
        )
    });
    (next, failure)
}

/// `current` kept as it is, every file marked stale for `message`.
fn kept_set(current: &PolicySet, message: &str) -> PolicySet {
    PolicySet {
        policies: current
            .policies
            .iter()
            .map(|(id, entry)| (id.clone(), kept_entry(entry, message)))
            .collect(),
        generation: current.generation + 1,
        digest: String::new(),
    }
}

/// `entry` kept as it is, each file marked stale for `message` (an I/O error).
fn kept_entry(entry: &PolicyEntry, message: &str) -> PolicyEntry {
    let mut kept = entry.clone();
    kept.checked_anew = 0;
    kept.stale_versions = kept.versions.keys().cloned().collect();
    for file in &mut kept.files {
        if file.status == LoadStatus::Ok {
            file.status = LoadStatus::Stale;
        }
        // Only the latest reason: the set may be kept over several failed reloads.
        file.diagnostics
            .retain(|d| d.code != Code::IoError.as_str());
        file.diagnostics.push(one_line(Code::IoError, message));
    }
    kept
}

/// A diagnostic that has no place in a text.
fn one_line(code: Code, message: &str) -> FileDiagnostic {
    FileDiagnostic {
        severity: code.severity(),
        code: code.to_string(),
        message: message.to_string(),
        location: None,
        rendered: format!("{}[{code}]: {message}", code.severity()),
    }
}

/// The file name of `path` within its folder.
fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Checks the files of one policy folder; a file that fails (or was not read) keeps the version
/// it served before.
fn load_entry(
    id: &str,
    dir: &Path,
    files: Files,
    (before, accept_failing): (Option<&PolicyEntry>, bool),
) -> PolicyEntry {
    let mut entry = PolicyEntry {
        id: id.to_string(),
        ..PolicyEntry::default()
    };
    // The folder's name is the id the service serves under: a file that declares another
    // policy is never served, and is left out of the check (what extends it then fails).
    let (texts, foreign): (Vec<_>, Vec<_>) = files.texts.into_iter().partition(|t| {
        crate::syntax::header_policy_id(&t.text).is_none_or(|declared| declared == id)
    });
    for t in foreign {
        let declared = crate::syntax::header_policy_id(&t.text).unwrap_or_default();
        entry.files.push(FileStatus {
            file: file_name(&t.path),
            version: crate::syntax::header_labels(&t.text).map(|(v, _)| v),
            status: LoadStatus::Error,
            diagnostics: vec![one_line(
                Code::PolicyIdMismatch,
                &format!(
                    "this file declares policy `{declared}` but sits in the folder `{id}`, the id the service serves: rename the folder `{declared}` or declare `policy {id}`"
                ),
            )],
        });
    }
    let texts: Vec<_> = texts
        .into_iter()
        .map(|t| (t.name, Some(t.path), t.text))
        .collect();
    let last = before.and_then(|b| b.last.0.as_ref());
    let (folder, reused) = match last {
        Some(last) if last.read_from(&texts) => (Arc::clone(last), true),
        _ => {
            let folder = check_texts_after(dir.to_path_buf(), texts, last.map(AsRef::as_ref));
            entry.checked_anew = folder.checked_anew();
            (Arc::new(folder), false)
        }
    };
    // The examples run again when the versions or the examples changed.
    let key = crate::gate::examples_key(dir);
    entry.examined = match before {
        Some(b) if reused && b.examined.0 == key => Arc::clone(&b.examined),
        _ => Arc::new((key, crate::gate::examine(&folder))),
    };
    entry.refused = judge(id, &folder, &entry.examined.1.failing, accept_failing);
    entry.last = LastLoad(Some(Arc::clone(&folder)));
    let mut compiled: HashMap<String, Arc<Prepared>> = HashMap::new();
    for (label, result) in &folder.versions {
        if let Some(p) = &result.policy {
            compiled.insert(label.clone(), Arc::clone(p));
        }
    }
    for (file_id, source) in folder.sources.files() {
        let Some(path) = source.path.clone() else {
            continue;
        };
        let parsed = folder.files.iter().find(|f| f.file == file_id);
        let label = parsed.map(|f| f.version().to_string());
        let refusal = label.as_ref().and_then(|l| entry.refused.get(l)).cloned();
        let fresh = label.as_ref().and_then(|l| compiled.remove(l));
        let status = match (fresh, parsed) {
            (Some(policy), Some(parsed)) if refusal.is_none() => {
                entry.serve_fresh(&path, policy, Declared::of(&parsed.policy), before)
            }
            (Some(policy), _) => {
                let status = entry.serve_stale(&path, before);
                if status == LoadStatus::Error {
                    entry.withheld.insert(policy.version.clone(), policy);
                }
                status
            }
            _ => entry.serve_stale(&path, before),
        };
        let refused = refusal.is_some();
        let mut diagnostics = refusal.unwrap_or_default();
        // Refused for its examples, not for a layer that fails the check.
        diagnostics.extend(
            diagnostics_of(&folder, file_id, &status)
                .into_iter()
                .filter(|d| !refused || d.code != Code::BrokenLayer.as_str()),
        );
        entry.files.push(FileStatus {
            file: file_name(&path),
            version: label,
            status,
            diagnostics,
        });
    }
    // An examples file that cannot be read gates nothing, and is reported.
    for f in &entry.examined.1.unreadable {
        entry.files.push(FileStatus {
            file: f
                .file
                .strip_prefix(dir)
                .unwrap_or(&f.file)
                .display()
                .to_string(),
            version: f.version.clone(),
            status: LoadStatus::Error,
            diagnostics: vec![example_failed(dir, f)],
        });
    }
    for refused in files.refused {
        let status = entry.serve_stale(&refused.path, before);
        entry.files.push(FileStatus {
            file: file_name(&refused.path),
            version: None,
            status,
            diagnostics: vec![one_line(Code::NotRead, &refused.message)],
        });
    }
    entry
}

impl PolicyEntry {
    /// Serves `policy`, read from `path`.
    fn serve_fresh(
        &mut self,
        path: &Path,
        policy: Arc<Prepared>,
        declared: Declared,
        before: Option<&PolicyEntry>,
    ) -> LoadStatus {
        // Keep the same Arc when nothing changed, so identity tells "same version".
        let policy = match before.and_then(|b| b.served_from.get(path)) {
            Some(old) if old.sha256 == policy.sha256 => Arc::clone(old),
            _ => policy,
        };
        self.declared.insert(policy.version.clone(), declared);
        self.versions
            .insert(policy.version.clone(), Arc::clone(&policy));
        self.served_from.insert(path.to_path_buf(), policy);
        LoadStatus::Ok
    }

    /// Keeps serving what `path` served before, if anything (and no other file serves its
    /// label now).
    fn serve_stale(&mut self, path: &Path, before: Option<&PolicyEntry>) -> LoadStatus {
        let Some(before) = before else {
            return LoadStatus::Error;
        };
        match before.served_from.get(path) {
            Some(old) if !self.versions.contains_key(&old.version) => {
                if let Some(d) = before.declared.get(&old.version) {
                    self.declared.insert(old.version.clone(), *d);
                }
                self.versions.insert(old.version.clone(), Arc::clone(old));
                self.served_from.insert(path.to_path_buf(), Arc::clone(old));
                self.stale_versions.insert(old.version.clone());
                LoadStatus::Stale
            }
            _ => LoadStatus::Error,
        }
    }
}

/// The versions of `folder` whose examples refuse their publication, with the failures as
/// diagnostics; none with `accept_failing` (each version served so is logged).
fn judge(
    id: &str,
    folder: &PolicyFolder,
    failing: &BTreeMap<String, Vec<crate::examples::Failure>>,
    accept_failing: bool,
) -> BTreeMap<String, Vec<FileDiagnostic>> {
    if failing.is_empty() {
        return BTreeMap::new();
    }
    let accepted = crate::gate::accepted(&folder.dir);
    let refused = crate::gate::refused_of(folder, failing, &accepted);
    for (version, failures) in &refused {
        if accept_failing {
            tracing::warn!(policy = %id, version = %version, failing = failures.len(), "version served although its examples fail (--accept-failing-examples)");
        } else {
            tracing::warn!(policy = %id, version = %version, failing = failures.len(), "version not published: its examples fail; its last good text, if any, stays served");
        }
    }
    if accept_failing {
        return BTreeMap::new();
    }
    refused
        .into_iter()
        .map(|(version, failures)| {
            let diagnostics = failures
                .iter()
                .map(|f| example_failed(&folder.dir, f))
                .collect();
            (version, diagnostics)
        })
        .collect()
}

/// A failed example as a diagnostic of its examples file (`tests/…`, relative to `dir`).
pub fn example_failed(dir: &Path, f: &crate::examples::Failure) -> FileDiagnostic {
    let file = f
        .file
        .strip_prefix(dir)
        .unwrap_or(&f.file)
        .display()
        .to_string();
    let what = match &f.conclusion {
        Some(c) => format!("`{c}`: expected {}, found {}", f.expected, f.found),
        None => format!("expected {}, found {}", f.expected, f.found),
    };
    let message = if f.example.is_empty() {
        what
    } else {
        format!("example `{}` fails with this text: {what}", f.example)
    };
    FileDiagnostic {
        severity: Severity::Error,
        code: Code::ExampleFailed.to_string(),
        rendered: format!("error[example-failed]: {message}\n  --> {file}"),
        message,
        location: Some(file),
    }
}

/// The checker's findings about one file, for the policy list.
fn diagnostics_of(
    folder: &crate::load::PolicyFolder,
    file_id: crate::span::FileId,
    status: &LoadStatus,
) -> Vec<FileDiagnostic> {
    let mut diagnostics: Vec<FileDiagnostic> = folder
        .all_diagnostics()
        .filter(|d| d.span.is_some_and(|s| s.file == file_id) || (d.span.is_none() && d.is_error()))
        .map(|d| FileDiagnostic {
            severity: d.severity,
            code: d.code.to_string(),
            message: d.message.clone(),
            location: d.location(&folder.sources),
            rendered: d.render(&folder.sources, false),
        })
        .collect();
    if *status != LoadStatus::Ok && !diagnostics.iter().any(|d| d.severity == Severity::Error) {
        diagnostics.push(one_line(
            Code::BrokenLayer,
            "a version it extends fails the check (see that file)",
        ));
    }
    diagnostics
}
