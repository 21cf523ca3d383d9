//! One compile pipeline for a policy folder: each version is merged and checked once, on top of
//! the version it extends, so that a layer shared by several versions (the annex under every
//! session) is checked once, not once per version.
//!
//! Reuse never changes a result: a version's own file may only add or override clauses and
//! override parameters and rules; the version it extends must have checked without error; and
//! the parameters must keep their types. Then every definition and every conclusion that the
//! version's file leaves alone was typed against exactly what a full check would see, and is
//! taken as compiled. Anything else is checked in full, as [`super::check_version`] does.
//!
//! Across loads, a version whose chain of files (each file's name, path and bytes, at the same
//! place in the folder) is the one a previous load checked takes that check as it is
//! ([`Checked`]): a reload after an edit checks again only the versions whose files or layers
//! changed. The key is the files' content, so that an entry can never stand for other texts.

use std::collections::HashMap;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::ast::{Clause, ItemKind, Override};
use crate::check::layers::{self, Merged, ParsedFile};
use crate::check::{CheckResult, Checker, Global};
use crate::diagnostic::Diagnostic;
use crate::model::{ClauseInfo, CompiledPolicy, ConclusionInfo, DefInfo, Type};
use crate::prepared::Prepared;
use crate::span::{FileId, SourceMap, Span};

/// What a definition or conclusion reads, where it is declared and its name (the cycle check's
/// graph).
type Graph = rustc_hash::FxHashMap<Global, (Vec<Global>, Span, String)>;

/// One version checked, with what the versions that extend it can reuse.
pub(crate) struct CheckedVersion {
    /// The outcome, diagnostics not yet deduplicated against other versions'.
    pub(crate) result: CheckResult,
    /// Its declarations, layers merged.
    merged: Arc<Merged>,
    /// Its dependency graph.
    graph: Graph,
    /// The sha256 of its layers' texts, not yet finalised.
    hasher: Sha256,
}

/// One file of a chain as a previous check knows it: its place in the folder and the sha256 of
/// its name, path and text.
type FileKey = (FileId, [u8; 32]);

/// The versions a load of a folder checked, by their chains of files, for the next load of the
/// same folder to take those whose files did not change (see [`check_folder`]).
#[derive(Clone, Default)]
pub struct Checked {
    versions: HashMap<Vec<FileKey>, Arc<CheckedVersion>>,
    /// How many versions the load checked, the others taken from the load before.
    anew: usize,
}

impl Checked {
    /// How many versions the load that made it checked, the others (whose files did not
    /// change) taken from the load before.
    pub fn anew(&self) -> usize {
        self.anew
    }
}

/// The key of every file of the folder, by file id.
fn file_keys(sources: &SourceMap) -> HashMap<FileId, FileKey> {
    sources
        .files()
        .map(|(id, f)| {
            let mut h = Sha256::new();
            for part in [
                f.name.as_bytes(),
                f.path
                    .as_deref()
                    .map_or(&b""[..], |p| p.as_os_str().as_encoded_bytes()),
                f.text.as_bytes(),
            ] {
                h.update(part.len().to_le_bytes());
                h.update(part);
            }
            (id, (id, h.finalize().into()))
        })
        .collect()
}

/// What a version takes from the checked version it extends.
pub(crate) struct Reuse<'a> {
    base: &'a CompiledPolicy,
    graph: &'a Graph,
    leaf: FileId,
    /// The conclusions whose rules the version's file overrides: checked again.
    changed: Vec<&'a str>,
    /// True when the version's file labels something.
    labelled: bool,
}

impl<'a> Reuse<'a> {
    /// The reuse `leaf` may make of `base`, if its items allow any.
    fn new(base: &'a CheckedVersion, leaf: &'a ParsedFile) -> Option<Self> {
        let policy = base.result.policy.as_ref()?;
        let mut changed = Vec::new();
        for item in &leaf.policy.items {
            match &item.kind {
                ItemKind::Clause(_) | ItemKind::Label(_) => {}
                ItemKind::Override(o) => match o.as_ref() {
                    Override::Clause(_) | Override::Parameter(_) => {}
                    // A definition computed otherwise: everything that reads it is checked again.
                    Override::Definition(_) => return None,
                    Override::Rule { conclusion, .. } => changed.push(conclusion.node.as_str()),
                },
                ItemKind::Row(added) => changed.push(added.conclusion.node.as_str()),
                _ => return None,
            }
        }
        Some(Reuse {
            base: policy,
            graph: &base.graph,
            leaf: leaf.file,
            changed,
            labelled: leaf_labels(leaf),
        })
    }

    /// The base's labels, when they are the version's: its file labels nothing and its
    /// language is the base's (its declarations are, as it reuses the base).
    pub(crate) fn labels(&self, m: &Merged) -> Option<&'a crate::model::Labels> {
        fn language(m: &Merged) -> Option<&str> {
            m.header.language.as_ref().map(|l| l.node.as_str())
        }
        (!self.labelled && language(m) == language(&self.base.merged)).then_some(&self.base.labels)
    }

    /// The compiled clause `index` of the base, if `clause` is the base's (not declared or
    /// overridden by the version's file: clauses keep their index under overrides).
    pub(crate) fn clause(&self, index: usize, clause: &Clause) -> Option<&'a ClauseInfo> {
        if clause.id.span.file == self.leaf {
            return None;
        }
        self.base.clauses.get(index)
    }

    /// True when conclusion `name` is checked again, its rules overridden by the version's file.
    pub(crate) fn rechecks(&self, name: &str) -> bool {
        self.changed.contains(&name)
    }

    /// True when the parameters have the types they have in the base.
    pub(crate) fn same_param_types(&self, types: &[Type]) -> bool {
        self.base.params.len() == types.len()
            && self.base.params.iter().zip(types).all(|(p, t)| p.ty == *t)
    }
}

impl Checker {
    /// The base's definitions: the version's file declares or overrides none.
    pub(crate) fn reuse_defs(&mut self, r: &Reuse<'_>) -> Vec<DefInfo> {
        for (i, d) in r.base.defs.iter().enumerate() {
            self.cited.extend(d.citations.iter().copied());
            if let Some(entry) = r.graph.get(&Global::Def(i)) {
                self.dependency_graph.insert(Global::Def(i), entry.clone());
            }
        }
        r.base.defs.clone()
    }

    /// The conclusions: the base's, but those whose rules the version's file overrides, checked
    /// again; then the cycle check over them all.
    pub(crate) fn reuse_conclusions(
        &mut self,
        m: &Merged,
        r: &Reuse<'_>,
    ) -> Option<Vec<ConclusionInfo>> {
        let mut out = Vec::with_capacity(m.conclusions.len());
        for (i, c) in m.conclusions.iter().enumerate() {
            let kept = r
                .base
                .conclusions
                .get(i)
                .filter(|_| !r.changed.contains(&c.name.node.as_str()));
            let info = match kept {
                Some(info) => {
                    for rule in &info.rules {
                        self.cited.extend(rule.citations.iter().copied());
                    }
                    // The layer may give parameters the rules give other values: two rules
                    // that agreed in the base may conflict here.
                    self.static_conflicts(c, &info.rules);
                    if let Some(entry) = r.graph.get(&Global::Conclusion(i)) {
                        self.dependency_graph
                            .insert(Global::Conclusion(i), entry.clone());
                    }
                    Some(info.clone())
                }
                None => self.conclusion_with_deps(c, i),
            };
            out.push(info);
        }
        self.cycles();
        out.into_iter().collect()
    }
}

/// Checks the version at the end of `chain` (its layers, root first). `base`, when given, is
/// the checked version that `chain` without its last file makes. `alone` when nothing else of
/// the load runs meanwhile: the texts of a root may then be hashed on another core.
pub(crate) fn check_chain(
    sources: &Arc<SourceMap>,
    chain: &[&ParsedFile],
    base: Option<&CheckedVersion>,
    alone: bool,
) -> Option<CheckedVersion> {
    let leaf = *chain.last()?;
    // On a base without error, merging the last layer onto the base's declarations is merging
    // the whole chain again, without its diagnostics (there are none).
    let base = base.filter(|b| b.result.policy.is_some());
    let check = || {
        let mut diags = Vec::new();
        let merged = match base {
            Some(b) => layers::merge_onto(&b.merged, leaf, &mut diags),
            None => layers::merge(chain, &mut diags)?,
        };
        let reuse = base
            .and_then(|b| Reuse::new(b, leaf))
            .filter(|_| !diags.iter().any(Diagnostic::is_error));
        let merged = Arc::new(merged);
        let mut checker = Checker::default();
        // The sha256 is written once the texts are hashed (below).
        let compiled = checker.compile(&merged, sources, String::new(), reuse.as_ref());
        // A version that reuses its base's compiled declarations and labels nothing of its
        // own renders the same fact texts, but for its parameters.
        let same_texts = reuse.as_ref().is_some_and(|r| !r.labelled);
        Some((diags, merged, checker, compiled, same_texts))
    };
    // A layer's text is hashed on its base's hash. A root's texts (the whole of a policy's
    // main file) are hashed while they are checked, on another core when it is free.
    let hash_all = || {
        chain
            .iter()
            .fold(Sha256::new(), |h, f| hash_more(h, sources, f.file))
    };
    let (checked, hasher) = match base {
        Some(b) => (check(), hash_more(b.hasher.clone(), sources, leaf.file)),
        None if alone => crate::parallel::join(check, hash_all),
        None => (check(), hash_all()),
    };
    let (mut diags, merged, mut checker, compiled, same_texts) = checked?;
    let compiled = compiled.map(|mut c| {
        c.sha256 = hex::encode(hasher.clone().finalize());
        c
    });
    diags.append(&mut checker.diags);
    // Warnings belong to the file that has the finding: a layer does not repeat its parent's.
    diags.retain(|d| d.is_error() || d.span.is_none_or(|s| s.file == leaf.file));
    let failed = diags.iter().any(Diagnostic::is_error);
    let texts_base = base
        .and_then(|b| b.result.policy.as_ref())
        .filter(|_| same_texts);
    let prepare = |c| match texts_base {
        Some(b) => Prepared::extending(c, b),
        None => Prepared::new(c),
    };
    Some(CheckedVersion {
        result: CheckResult {
            policy: if failed {
                None
            } else {
                compiled.map(|c| Arc::new(prepare(c)))
            },
            diagnostics: diags,
        },
        merged,
        graph: std::mem::take(&mut checker.dependency_graph),
        hasher,
    })
}

/// True when `file` labels something.
fn leaf_labels(file: &ParsedFile) -> bool {
    file.policy
        .items
        .iter()
        .any(|i| matches!(i.kind, ItemKind::Label(_)))
}

/// The label of the version that `chain`'s last layer extends.
fn parent<'a>(chain: &[&'a ParsedFile]) -> Option<&'a str> {
    chain
        .len()
        .checked_sub(2)
        .and_then(|i| chain.get(i))
        .map(|f| f.version())
}

/// True when both chains end with the same version.
fn same_version(a: &[&ParsedFile], b: &[&ParsedFile]) -> bool {
    a.last().map(|f| f.version()) == b.last().map(|f| f.version())
}

/// `hasher` fed with one more file's text and a separator.
fn hash_more(mut hasher: Sha256, sources: &SourceMap, file: FileId) -> Sha256 {
    if let Some(f) = sources.get(file) {
        hasher.update(f.text.as_bytes());
        hasher.update([0u8]);
    }
    hasher
}

/// Checks every version of a folder, each layer once: the results by label, in file order, and
/// the versions checked, kept for the next load when `previous` is given (the versions a load
/// before kept, empty for a first load): a version whose chain of files it holds is taken from
/// it, not checked again. Diagnostics are each version's own, not yet deduplicated against the
/// others'.
pub(crate) fn check_folder(
    sources: &Arc<SourceMap>,
    files: &[ParsedFile],
    previous: Option<&Checked>,
) -> (Vec<(String, CheckResult)>, Checked) {
    let keys = previous.map(|_| file_keys(sources)).unwrap_or_default();
    let key = |chain: &[&ParsedFile]| -> Option<Vec<FileKey>> {
        chain.iter().map(|f| keys.get(&f.file).copied()).collect()
    };
    // Every version with its layers, root first, each once.
    let mut waiting: Vec<Vec<&ParsedFile>> = Vec::new();
    for f in files {
        let Some(chain) = layers::chain(files, f.version()) else {
            continue;
        };
        for k in 1..=chain.len() {
            let Some(prefix) = chain.get(..k) else { break };
            if !waiting.iter().any(|c| same_version(c, prefix)) {
                waiting.push(prefix.to_vec());
            }
        }
    }
    // In waves: a version is checked once the version it extends has been (the annex, then
    // every session on it, side by side).
    let mut done: HashMap<&str, Arc<CheckedVersion>> = HashMap::new();
    let mut next = Checked::default();
    let mut tried: Vec<&str> = Vec::new();
    while !waiting.is_empty() {
        let (ready, rest): (Vec<_>, Vec<_>) = waiting
            .into_iter()
            .partition(|c| parent(c).is_none_or(|p| tried.contains(&p)));
        waiting = rest;
        if ready.is_empty() {
            break;
        }
        let checked = crate::parallel::map(&ready, |chain| {
            let key = key(chain).filter(|_| previous.is_some());
            let kept = (key.as_ref()).and_then(|k| previous?.versions.get(k));
            if let Some(kept) = kept {
                return (Some(Arc::clone(kept)), key, false);
            }
            let base = parent(chain).and_then(|p| done.get(p));
            let alone = ready.len() == 1;
            let checked = check_chain(sources, chain, base.map(AsRef::as_ref), alone);
            (checked.map(Arc::new), key, true)
        });
        for (chain, (checked, key, anew)) in ready.iter().zip(checked) {
            let Some(label) = chain.last().map(|f| f.version()) else {
                continue;
            };
            tried.push(label);
            next.anew += usize::from(anew);
            if let Some(checked) = checked {
                if let Some(key) = key {
                    next.versions.insert(key, Arc::clone(&checked));
                }
                done.insert(label, checked);
            }
        }
    }
    let mut left: HashMap<&str, usize> = HashMap::new();
    for f in files {
        *left.entry(f.version()).or_default() += 1;
    }
    let results = files
        .iter()
        .map(|f| {
            let label = f.version();
            let n = left.entry(label).or_default();
            *n = n.saturating_sub(1);
            // A label declared twice (an error) names one version: the last use takes it.
            let result = done.get(label).map(|c| c.result.clone());
            if *n == 0 {
                done.remove(label);
            }
            let result = result.unwrap_or(CheckResult {
                policy: None,
                diagnostics: Vec::new(),
            });
            (label.to_string(), result)
        })
        .collect();
    (results, next)
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]

    use super::*;
    use crate::load::load_folder;

    /// The BTS sessions take the annex's definitions and conclusions (the fast path is taken,
    /// not only correct): each overrides parameters without changing their types.
    #[test]
    fn the_bts_sessions_reuse_the_checked_annex() {
        let dir = std::path::Path::new("policies/bts-metiers-de-la-mesure");
        let folder = load_folder(dir).unwrap();
        let file = |label: &str| folder.files.iter().find(|f| f.version() == label).unwrap();
        let checked = check_chain(&folder.sources, &[file("annexe-ivb")], None, true).unwrap();
        assert!(checked.result.policy.is_some());
        let types = |p: &CompiledPolicy| p.params.iter().map(|p| p.ty.clone()).collect::<Vec<_>>();
        for label in ["session-2026", "session-2027", "mayotte-2025"] {
            let reuse = Reuse::new(&checked, file(label)).unwrap();
            // The layers override parameters only: no conclusion is checked again.
            assert!(reuse.changed.is_empty(), "{label}: {:?}", reuse.changed);
            let alone = crate::check::check_version(&folder.sources, &folder.files, label);
            assert!(reuse.same_param_types(&types(alone.policy.as_ref().unwrap())));
            // The folder's session shares the annex's clause texts, escaped once.
            let session = folder.version(label).unwrap();
            let annex_in_folder = folder.version("annexe-ivb").unwrap();
            assert!(Arc::ptr_eq(
                &session.clauses[0].text,
                &annex_in_folder.clauses[0].text
            ));
        }
    }
}
