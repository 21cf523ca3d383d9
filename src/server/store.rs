//! The policy store: every version found under the policies folder, reloaded when files change
//! and swapped atomically (a request sees the old set or the new one, never a mix). A version
//! whose file fails the check never replaces the one being served.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arc_swap::ArcSwap;
use serde::Serialize;
use utoipa::ToSchema;

use crate::diagnostic::{Code, Severity};
use crate::load::{load_folder, policy_dirs};
use crate::prepared::Prepared;

/// What happened to one policy file at the last load.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
#[serde(rename_all = "lowercase")]
pub enum LoadStatus {
    /// It checked and is served.
    Ok,
    /// It fails the check; the last good version from this file is still served.
    Stale,
    /// It fails the check and nothing from it is served.
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
}

impl PolicyEntry {
    /// The versions served, in no particular order.
    pub fn compiled(&self) -> impl Iterator<Item = &Prepared> {
        self.versions.values().map(AsRef::as_ref)
    }
}

/// Every policy, as served at one moment.
#[derive(Debug, Clone, Default)]
pub struct PolicySet {
    /// The policies by id.
    pub policies: BTreeMap<String, PolicyEntry>,
    /// How many loads produced this set (1 for the first).
    pub generation: u64,
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
}

/// A reload's outcome, for logs and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReloadSummary {
    /// Versions served after the reload.
    pub versions: usize,
    /// Files that fail the check.
    pub failed_files: usize,
}

/// The served set of policies and how to reload it.
pub struct Store {
    root: PathBuf,
    current: ArcSwap<PolicySet>,
    reloading: Mutex<()>,
}

impl Store {
    /// Loads every policy under `root`.
    pub fn open(root: impl Into<PathBuf>) -> Store {
        let store = Store {
            root: root.into(),
            current: ArcSwap::from_pointee(PolicySet::default()),
            reloading: Mutex::new(()),
        };
        store.reload();
        store
    }

    /// The folder of policies.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The set served now. Hold it for the whole request: it never changes underneath.
    pub fn snapshot(&self) -> Arc<PolicySet> {
        self.current.load_full()
    }

    /// Re-reads the folder, checks every version, and swaps in the new set. Broken files keep
    /// their last good version served.
    pub fn reload(&self) -> ReloadSummary {
        let _one_at_a_time = self
            .reloading
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let previous = self.current.load_full();
        let mut next = PolicySet {
            policies: BTreeMap::new(),
            generation: previous.generation + 1,
        };
        let dirs = policy_dirs(&self.root).unwrap_or_default();
        for dir in dirs {
            let Some(id) = dir.file_name().and_then(|n| n.to_str()).map(str::to_string) else {
                continue;
            };
            let before = previous.policies.get(&id);
            let entry = load_entry(&id, &dir, before);
            next.policies.insert(id, entry);
        }
        let summary = ReloadSummary {
            versions: next.policies.values().map(|p| p.versions.len()).sum(),
            failed_files: next
                .policies
                .values()
                .flat_map(|p| &p.files)
                .filter(|f| f.status != LoadStatus::Ok)
                .count(),
        };
        self.current.store(Arc::new(next));
        summary
    }
}

fn load_entry(id: &str, dir: &Path, before: Option<&PolicyEntry>) -> PolicyEntry {
    let mut entry = PolicyEntry {
        id: id.to_string(),
        ..PolicyEntry::default()
    };
    let folder = match load_folder(dir) {
        Ok(f) => f,
        Err(e) => {
            // The folder cannot be read: keep serving what was served.
            let mut kept = before.cloned().unwrap_or_default();
            kept.id = id.to_string();
            kept.files.push(FileStatus {
                file: dir.display().to_string(),
                version: None,
                status: LoadStatus::Stale,
                diagnostics: vec![FileDiagnostic {
                    severity: Code::IoError.severity(),
                    code: Code::IoError.to_string(),
                    message: e.to_string(),
                    location: None,
                    rendered: e.to_string(),
                }],
            });
            return kept;
        }
    };
    let labels: HashMap<crate::span::FileId, String> = folder
        .files
        .iter()
        .map(|f| (f.file, f.version().to_string()))
        .collect();
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
        let label = labels.get(&file_id).cloned();
        let diagnostics: Vec<FileDiagnostic> = folder
            .all_diagnostics()
            .filter(|d| {
                d.span.is_some_and(|s| s.file == file_id) || (d.span.is_none() && d.is_error())
            })
            .map(|d| FileDiagnostic {
                severity: d.severity,
                code: d.code.to_string(),
                message: d.message.clone(),
                location: d.location(&folder.sources),
                rendered: d.render(&folder.sources, false),
            })
            .collect();
        let fresh = label.as_ref().and_then(|l| compiled.remove(l));
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let status = match fresh {
            Some(policy) => {
                // Keep the same Arc when nothing changed, so identity tells "same version".
                let policy = match before.and_then(|b| b.served_from.get(&path)) {
                    Some(old) if old.sha256 == policy.sha256 => Arc::clone(old),
                    _ => policy,
                };
                entry
                    .versions
                    .insert(policy.version.clone(), Arc::clone(&policy));
                entry.served_from.insert(path.clone(), policy);
                LoadStatus::Ok
            }
            None => match before.and_then(|b| b.served_from.get(&path)) {
                Some(old) if !entry.versions.contains_key(&old.version) => {
                    entry.versions.insert(old.version.clone(), Arc::clone(old));
                    entry.served_from.insert(path.clone(), Arc::clone(old));
                    LoadStatus::Stale
                }
                _ => LoadStatus::Error,
            },
        };
        let mut diagnostics = diagnostics;
        if status != LoadStatus::Ok && !diagnostics.iter().any(|d| d.severity == Severity::Error) {
            let message = "a version it extends fails the check (see that file)".to_string();
            diagnostics.push(FileDiagnostic {
                severity: Code::BrokenLayer.severity(),
                code: Code::BrokenLayer.to_string(),
                message: message.clone(),
                location: None,
                rendered: format!("error[{}]: {message}", Code::BrokenLayer),
            });
        }
        entry.files.push(FileStatus {
            file: name,
            version: label,
            status,
            diagnostics,
        });
    }
    entry
}

/// Watches the policies folder and reloads on change (debounced: an editor's save through a
/// temporary file and a rename is one change). Dropping it stops the watching.
pub struct Watcher {
    _debouncer: notify_debouncer_full::Debouncer<
        notify::RecommendedWatcher,
        notify_debouncer_full::RecommendedCache,
    >,
}

/// Starts watching `store`'s folder; `on_reload` is called after each reload.
pub fn watch(
    store: Arc<Store>,
    debounce: Duration,
    on_reload: impl Fn(ReloadSummary) + Send + 'static,
) -> Result<Watcher, notify::Error> {
    use notify::RecursiveMode;
    let (tx, rx) = std::sync::mpsc::channel();
    let mut debouncer = notify_debouncer_full::new_debouncer(debounce, None, tx)?;
    debouncer.watch(store.root(), RecursiveMode::Recursive)?;
    std::thread::Builder::new()
        .name("policy-watcher".into())
        .spawn(move || {
            for result in rx {
                let relevant = match &result {
                    Ok(events) => events.iter().any(|e| !e.event.kind.is_access()),
                    Err(_) => true,
                };
                if relevant {
                    on_reload(store.reload());
                }
            }
        })
        .map_err(|e| notify::Error::generic(&e.to_string()))?;
    Ok(Watcher {
        _debouncer: debouncer,
    })
}
