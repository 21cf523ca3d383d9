//! The policies folder as the service reads it: confined to its root, each file named relative
//! to that root, and summed up in a [`Fingerprint`] that tells when anything that would be read
//! has changed.
//!
//! The rule for links: a symbolic link is followed only when its target, resolved, lies inside
//! the resolved policies root. That covers the layouts of Kubernetes ConfigMaps and git-sync
//! (`x.policy -> ..data/x.policy`, `..data -> ..2027_01_01_…`, or a root that is itself a link
//! swapped to a new checkout). Any other link is not read, and is reported in one line that names
//! the link relative to the root, never its target. A file that does not start like a policy
//! (after comments and blank lines, the `policy` keyword) is not parsed and is reported in one line
//! too, with nothing of its content: what the service shows never quotes a file that is not a
//! policy.

use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

/// A hook called with each path before it is read (the root and the policy folders before they
/// are listed, each file before it is read): an error it returns is the error of that read. It
/// lets a test inject the I/O faults a file system can give (an unreadable folder).
pub type ReadHook = Arc<dyn Fn(&Path) -> io::Result<()> + Send + Sync>;

/// What identifies one state of a file or folder: device, inode, length, and the times of its
/// last change of content and of status (a `chmod` changes the latter).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stamp {
    id: (u64, u64),
    len: u64,
    modified: Option<SystemTime>,
    changed: (i64, i64),
}

impl Stamp {
    fn of(meta: &std::fs::Metadata) -> Stamp {
        #[cfg(unix)]
        let (id, changed) = {
            use std::os::unix::fs::MetadataExt;
            ((meta.dev(), meta.ino()), (meta.ctime(), meta.ctime_nsec()))
        };
        #[cfg(not(unix))]
        let (id, changed) = ((0, 0), (0, 0));
        Stamp {
            id,
            len: meta.len(),
            modified: meta.modified().ok(),
            changed,
        }
    }
}

/// One thing seen in the tree.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Mark {
    /// The root could not be listed, and why.
    Root(String),
    /// A folder (the root or a policy folder) and its stamp.
    Folder(String, Stamp),
    /// A policy folder that could not be listed, and why.
    FolderError(String, String),
    /// A policy file, by its name relative to the root, and its stamp.
    File(String, Stamp),
    /// A file beside the policy files that judges them (an examples file under `tests/`, the
    /// acceptances of failing examples), by its name relative to the root, and its stamp: a
    /// change to one is a change to read, though it is not read here.
    Beside(String, Stamp),
    /// A `.policy` entry that is not read (a link outside the root, a dangling link, not a file).
    Refused(String, &'static str),
}

/// Everything that would be read from the tree, as stamps: two equal fingerprints mean nothing
/// read has changed in between (same files, same sizes, same modification times).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fingerprint(Vec<Mark>);

/// A policy file read, named relative to the policies root.
#[derive(Debug)]
pub struct Text {
    /// `<policy-id>/<file>.policy` (or `<file>.policy` when the root is a policy folder).
    pub name: String,
    /// Where it was read (the path under the root, links not resolved).
    pub path: PathBuf,
    /// Its text.
    pub text: String,
}

/// A `.policy` file that is not read, with the one-line reason (it names the file relative to
/// the root, and neither a link's target nor anything of the content).
#[derive(Debug)]
pub struct Refused {
    /// The file relative to the root.
    pub name: String,
    /// Where it is (the path under the root, links not resolved).
    pub path: PathBuf,
    /// Why it is not read.
    pub message: String,
}

/// What one policy folder holds.
#[derive(Debug, Default)]
pub struct Files {
    /// The policy files read.
    pub texts: Vec<Text>,
    /// The files not read.
    pub refused: Vec<Refused>,
}

/// One policy folder of the tree.
#[derive(Debug)]
pub struct Folder {
    /// The policy id: the folder's name.
    pub id: String,
    /// The folder (under the root, links not resolved).
    pub dir: PathBuf,
    /// Its files, or why they could not be read (one line, paths relative to the root).
    pub files: Result<Files, String>,
}

/// The tree read at one moment.
#[derive(Debug)]
pub struct Reading {
    /// The policy folders, sorted by id; or why the root could not be read.
    pub folders: Result<Vec<Folder>, String>,
    /// The stamps of what was read, taken after reading it.
    pub fingerprint: Fingerprint,
}

/// The policies root and how to read it.
#[derive(Clone)]
pub struct Tree {
    root: PathBuf,
    hook: Option<ReadHook>,
}

/// What an entry under the root is, once links are judged.
enum Kind {
    /// A file, with the path to read it by (a link's target, resolved once and for all, so that
    /// a link swapped after it was judged is not followed).
    File(PathBuf, Stamp),
    Folder(Stamp),
    Refused(&'static str),
    Other,
}

impl Tree {
    /// The tree under `root`; `hook`, when given, is consulted before each read.
    pub fn new(root: impl Into<PathBuf>, hook: Option<ReadHook>) -> Tree {
        Tree {
            root: root.into(),
            hook,
        }
    }

    /// The root, as given.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The fingerprint of the tree now (listings and stamps; no file is read).
    pub fn fingerprint(&self) -> Fingerprint {
        self.walk(false).fingerprint
    }

    /// Reads every policy file of the tree.
    pub fn read(&self) -> Reading {
        self.walk(true)
    }

    fn check(&self, path: &Path) -> io::Result<()> {
        self.hook.as_ref().map_or(Ok(()), |hook| hook(path))
    }

    fn walk(&self, read: bool) -> Reading {
        let mut marks = Vec::new();
        let folders = self.walk_root(read, &mut marks).inspect_err(|e| {
            marks.push(Mark::Root(e.clone()));
        });
        Reading {
            folders,
            fingerprint: Fingerprint(marks),
        }
    }

    fn walk_root(&self, read: bool, marks: &mut Vec<Mark>) -> Result<Vec<Folder>, String> {
        let unreadable = |e: io::Error| format!("the policies folder cannot be read: {e}");
        self.check(&self.root).map_err(unreadable)?;
        let base = std::fs::canonicalize(&self.root).map_err(unreadable)?;
        let meta = std::fs::metadata(&base).map_err(unreadable)?;
        let entries = list(&base).map_err(unreadable)?;
        marks.push(Mark::Folder(String::new(), Stamp::of(&meta)));
        let walker = Walker {
            tree: self,
            base: &base,
            read,
        };
        if entries.iter().any(is_policy_name) {
            // The root is itself one policy folder.
            beside(&self.root, "", marks);
            let id = base
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            let files = walker.files(&self.root, "", entries, marks);
            return Ok(vec![Folder {
                id,
                dir: self.root.clone(),
                files: Ok(files),
            }]);
        }
        let mut folders = Vec::new();
        for name in entries {
            let id = name.to_string_lossy().into_owned();
            if id.starts_with('.') {
                continue;
            }
            if let Some(folder) = walker.folder(&self.root.join(&name), id, marks) {
                folders.push(folder);
            }
        }
        Ok(folders)
    }
}

/// One walk of the tree.
struct Walker<'a> {
    tree: &'a Tree,
    /// The root, resolved: what every link's target must lie under.
    base: &'a Path,
    /// Whether to read the files (or only stamp them).
    read: bool,
}

impl Walker<'_> {
    /// The policy folder `dir` (named `id`), when it is one: a folder holding `.policy` files.
    fn folder(&self, dir: &Path, id: String, marks: &mut Vec<Mark>) -> Option<Folder> {
        let stamp = match kind(dir, self.base) {
            Kind::Folder(stamp) => stamp,
            // A link to a folder outside the root: say so, as a policy with nothing read.
            Kind::Refused(why) if std::fs::metadata(dir).is_ok_and(|m| m.is_dir()) => {
                marks.push(Mark::Refused(id.clone(), why));
                let refused = vec![refusal(dir, id.clone(), why)];
                let files = Ok(Files {
                    texts: Vec::new(),
                    refused,
                });
                let dir = dir.to_path_buf();
                return Some(Folder { id, dir, files });
            }
            _ => return None,
        };
        let listed = self
            .tree
            .check(dir)
            .and_then(|()| list(dir))
            .map_err(|e| format!("the policy folder `{id}` cannot be read: {e}"));
        let files = match listed {
            Ok(entries) if !entries.iter().any(is_policy_name) => return None,
            Ok(entries) => {
                marks.push(Mark::Folder(id.clone(), stamp));
                let files = self.files(dir, &format!("{id}/"), entries, marks);
                beside(dir, &format!("{id}/"), marks);
                Ok(files)
            }
            Err(e) => {
                marks.push(Mark::FolderError(id.clone(), e.clone()));
                Err(e)
            }
        };
        let dir = dir.to_path_buf();
        Some(Folder { id, dir, files })
    }

    /// The `.policy` files among `entries` of `dir`, each named `prefix` + its name.
    fn files(
        &self,
        dir: &Path,
        prefix: &str,
        entries: Vec<OsString>,
        marks: &mut Vec<Mark>,
    ) -> Files {
        let mut files = Files::default();
        for name in entries.into_iter().filter(is_policy_name) {
            let path = dir.join(&name);
            let name = format!("{prefix}{}", name.to_string_lossy());
            match kind(&path, self.base) {
                Kind::File(_, stamp) if !self.read => marks.push(Mark::File(name, stamp)),
                Kind::File(source, stamp) => {
                    self.read_file(path, &source, name, stamp, &mut files, marks);
                }
                Kind::Refused(why) => {
                    marks.push(Mark::Refused(name.clone(), why));
                    files.refused.push(refusal(&path, name, why));
                }
                Kind::Folder(_) | Kind::Other => {
                    let why = "is not a regular file";
                    marks.push(Mark::Refused(name.clone(), why));
                    files.refused.push(refusal(&path, name, why));
                }
            }
        }
        files
    }

    /// Reads one policy file; its mark carries the stamp taken after reading, so that a write
    /// during the read shows as a change.
    fn read_file(
        &self,
        path: PathBuf,
        source: &Path,
        name: String,
        before: Stamp,
        files: &mut Files,
        marks: &mut Vec<Mark>,
    ) {
        let read = self
            .tree
            .check(&path)
            .and_then(|()| std::fs::read_to_string(source));
        // When the file read is gone (a ConfigMap's old revision removed after a swap), the
        // stamp is that of what the path leads to now: the reading then differs from the
        // settled state and is read again, instead of serving a file "that cannot be read".
        let after = std::fs::metadata(source)
            .or_else(|_| std::fs::metadata(&path))
            .map_or(before, |m| Stamp::of(&m));
        marks.push(Mark::File(name.clone(), after));
        let message = match read {
            Ok(text) if starts_like_a_policy(&text) => {
                files.texts.push(Text { name, path, text });
                return;
            }
            Ok(_) => format!(
                "`{name}` does not start like a policy file (`policy` and its id, after comments and blank lines): not read"
            ),
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                format!("`{name}` is not UTF-8 text: not read")
            }
            Err(e) => format!("`{name}` cannot be read: {e}"),
        };
        files.refused.push(Refused {
            name,
            path,
            message,
        });
    }
}

fn refusal(path: &Path, name: String, why: &str) -> Refused {
    Refused {
        message: format!("`{name}` {why}: not read"),
        name,
        path: path.to_path_buf(),
    }
}

/// The entries of a folder, sorted by name.
fn list(dir: &Path) -> io::Result<Vec<OsString>> {
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        entries.push(entry?.file_name());
    }
    entries.sort();
    Ok(entries)
}

fn is_policy_name(name: &OsString) -> bool {
    Path::new(name).extension().is_some_and(|e| e == "policy")
}

/// What `path` is: a link is judged by its resolved target, which must lie under `base`.
fn kind(path: &Path, base: &Path) -> Kind {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Kind::Other;
    };
    let (source, meta) = if meta.file_type().is_symlink() {
        match std::fs::canonicalize(path) {
            Err(_) => return Kind::Refused("is a symbolic link whose target cannot be resolved"),
            Ok(target) if !target.starts_with(base) => {
                return Kind::Refused("is a symbolic link that leads outside the policies folder");
            }
            Ok(target) => match std::fs::metadata(&target) {
                Ok(meta) => (target, meta),
                Err(_) => return Kind::Refused("is a symbolic link whose target cannot be read"),
            },
        }
    } else {
        (path.to_path_buf(), meta)
    };
    if meta.is_file() {
        Kind::File(source, Stamp::of(&meta))
    } else if meta.is_dir() {
        Kind::Folder(Stamp::of(&meta))
    } else {
        Kind::Other
    }
}

/// True when the folder `root` looks published by a symbolic link swap, as a cluster publishes
/// it: a `..data` link in it or in one of its folders (a Kubernetes ConfigMap volume, or a
/// git-sync checkout mounted the same way), or the root itself a link (git-sync's `current`).
/// Such a folder is managed by its publisher: what is written into it is replaced by the next
/// revision.
pub fn published_by_swap(root: &Path) -> bool {
    let is_link = |p: &Path| std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink());
    if is_link(root) || is_link(&root.join("..data")) {
        return true;
    }
    let Ok(entries) = std::fs::read_dir(root) else {
        return false;
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .any(|e| is_link(&e.path().join("..data")))
}

/// True when the first line that is neither blank nor a comment starts with the keyword
/// `policy`.
pub fn starts_like_a_policy(text: &str) -> bool {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.lines()
        .map(str::trim)
        .find(|line| !line.is_empty() && !line.starts_with('#'))
        .is_some_and(|line| {
            line.strip_prefix("policy")
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(char::is_whitespace))
        })
}

/// The file of a policy folder that lists the version texts published although some of their
/// examples failed (see `crate::gate`, which writes and reads it).
pub const ACCEPTED: &str = "accepted-failures.json";

/// Stamps what beside the policy files of `dir` judges them: the examples (`tests/*.json`,
/// and the `tests` folder itself, for files added or removed) and the acceptances of failing
/// examples ([`ACCEPTED`]). Only stamped: the store reads them.
fn beside(dir: &Path, prefix: &str, marks: &mut Vec<Mark>) {
    if let Ok(meta) = std::fs::metadata(dir.join(ACCEPTED)) {
        marks.push(Mark::Beside(
            format!("{prefix}{ACCEPTED}"),
            Stamp::of(&meta),
        ));
    }
    let tests = dir.join("tests");
    if let Ok(meta) = std::fs::metadata(&tests) {
        marks.push(Mark::Beside(format!("{prefix}tests/"), Stamp::of(&meta)));
    }
    let mut examples: Vec<(String, Stamp)> = std::fs::read_dir(&tests)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .filter_map(|e| {
            let meta = e.metadata().ok()?;
            Some((
                e.file_name().to_string_lossy().into_owned(),
                Stamp::of(&meta),
            ))
        })
        .collect();
    examples.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, stamp) in examples {
        marks.push(Mark::Beside(format!("{prefix}tests/{name}"), stamp));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_policy_starts_with_its_keyword_after_comments_and_blank_lines() {
        assert!(starts_like_a_policy("policy x\nversion \"1\""));
        assert!(starts_like_a_policy(
            "\u{feff}# a comment\n\n  # another\npolicy\n  x"
        ));
        assert!(!starts_like_a_policy(
            "root:x:0:0:root:/root:/bin/bash\npolicy x"
        ));
        assert!(!starts_like_a_policy("policyx"));
        assert!(!starts_like_a_policy(""));
    }
}
