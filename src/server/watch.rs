//! Watching the policies folder: when something that would be read changes, wait until it has
//! settled, then reload.
//!
//! - **Settle.** A change is read only once everything the store reads (the listing of each
//!   folder, each policy file's size and modification time) has stayed the same for the settle
//!   interval; the stamps are taken again after reading, and a reading that differs from the
//!   settled state is thrown away. A file written in several steps is thus not read between
//!   them when the pauses are shorter than the settle interval.
//! - **A second look at a text that shrinks.** A reading in which a version's file declares
//!   fewer parameters, conclusions or rules than the file being served waits one more settle
//!   interval, and is served only if nothing changed meanwhile: a file caught half-written
//!   usually lacks its end.
//! - **Following the folder.** The watch covers the root (recursively) and the folder that holds
//!   it, and is set again whenever the root is a new folder (deleted and recreated, renamed
//!   over, a link swapped to another checkout). When the way to the root passes through
//!   symbolic links (git-sync's `current -> .worktrees/<rev>` with the policies in
//!   `current/policies`), the folder holding each link is watched too, and a watched folder
//!   that has become another one (after a swap) is watched again. The folder is also looked at
//!   every poll interval whatever the notifications say (the resolved root, every link's
//!   resolved target and every file's stamp: a ConfigMap's `..data` swap changes them all), so
//!   a change the notifications miss is seen late (within the poll interval), never lost.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use notify::{RecursiveMode, Watcher as _};

use crate::load::tree::Fingerprint;
use crate::server::store::{Pending, ReloadSummary, Store};

/// When the watcher reads a change.
#[derive(Debug, Clone, Copy)]
pub struct WatchOptions {
    /// How long what is read must stay unchanged before it is read (default 500 ms).
    pub settle: Duration,
    /// How often the folder is looked at when no notification comes (default 1 s).
    pub poll: Duration,
}

impl Default for WatchOptions {
    fn default() -> Self {
        WatchOptions {
            settle: Duration::from_millis(500),
            poll: Duration::from_secs(1),
        }
    }
}

/// Watches the policies folder and reloads on change. Dropping it stops the watching.
pub struct Watcher {
    wake: Sender<Wake>,
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.wake.send(Wake::Stop);
    }
}

/// What wakes the watching thread.
enum Wake {
    /// Something changed under the root or beside it.
    Event,
    /// The [`Watcher`] was dropped.
    Stop,
}

/// Starts watching `store`'s folder with a settle interval of `settle` (and the default poll
/// interval); `on_reload` is called after each reload.
pub fn watch(
    store: Arc<Store>,
    settle: Duration,
    on_reload: impl Fn(ReloadSummary) + Send + 'static,
) -> Result<Watcher, notify::Error> {
    let options = WatchOptions {
        settle,
        ..WatchOptions::default()
    };
    watch_with(store, options, on_reload)
}

/// Starts watching `store`'s folder; `on_reload` is called after each reload.
pub fn watch_with(
    store: Arc<Store>,
    options: WatchOptions,
    on_reload: impl Fn(ReloadSummary) + Send + 'static,
) -> Result<Watcher, notify::Error> {
    let (wake, rx) = std::sync::mpsc::channel();
    let root = std::path::absolute(store.root())?;
    let events = wake.clone();
    let near = root.clone();
    let notifier = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let relevant = match &event {
            Ok(e) => !e.kind.is_access() && e.paths.iter().any(|p| concerns(&near, p)),
            Err(_) => true,
        };
        if relevant {
            let _ = events.send(Wake::Event);
        }
    })?;
    let armed = Armed::new(notifier, root);
    std::thread::Builder::new()
        .name("policy-watcher".into())
        .spawn(move || run(&store, options, &rx, armed, on_reload))
        .map_err(|e| notify::Error::generic(&e.to_string()))?;
    Ok(Watcher { wake })
}

/// True when a change at `path` may concern the folder `root` (inside it, or one of the folders
/// that lead to it).
fn concerns(root: &Path, path: &Path) -> bool {
    path.starts_with(root) || root.starts_with(path)
}

/// The watches in place, set again when the root becomes another folder.
struct Armed {
    notifier: notify::RecommendedWatcher,
    root: PathBuf,
    /// The identity of the root folder watched, if one is.
    watched: Option<(u64, u64)>,
    /// The folders watched beside the root (not recursively), each with the identity of the
    /// folder watched (none: not watched).
    beside: Vec<(PathBuf, Option<(u64, u64)>)>,
}

impl Armed {
    fn new(notifier: notify::RecommendedWatcher, root: PathBuf) -> Armed {
        let mut armed = Armed {
            notifier,
            root,
            watched: None,
            beside: Vec::new(),
        };
        armed.refresh();
        armed
    }

    /// Watches again each folder that is no longer the one watched: the root (recursively),
    /// and beside it the folders where a swap of it would show.
    fn refresh(&mut self) {
        for folder in beside(&self.root) {
            let now = identity(&folder);
            match self.beside.iter_mut().find(|(p, _)| *p == folder) {
                Some((_, watched)) if now.is_some() && *watched == now => {}
                Some((_, watched)) => {
                    *watched = arm(
                        &mut self.notifier,
                        &folder,
                        now,
                        RecursiveMode::NonRecursive,
                    );
                }
                None => {
                    let watched = arm(
                        &mut self.notifier,
                        &folder,
                        now,
                        RecursiveMode::NonRecursive,
                    );
                    self.beside.push((folder, watched));
                }
            }
        }
        let now = identity(&self.root);
        if now == self.watched {
            return;
        }
        let root = self.root.clone();
        self.watched = arm(&mut self.notifier, &root, now, RecursiveMode::Recursive);
    }
}

/// Watches `folder` anew (whatever was watched at that path before), when it is a folder
/// (`now`, its identity); gives the identity watched.
fn arm(
    notifier: &mut notify::RecommendedWatcher,
    folder: &Path,
    now: Option<(u64, u64)>,
    mode: RecursiveMode,
) -> Option<(u64, u64)> {
    let _ = notifier.unwatch(folder);
    let watching = now.is_some() && notifier.watch(folder, mode).is_ok();
    if watching { now } else { None }
}

/// The folders where a swap of the root shows: the one that holds the root, and the one that
/// holds each symbolic link on the way to it (git-sync's `current -> .worktrees/<rev>` when
/// the policies are `current/policies`: the swap is a rename in the folder that holds
/// `current`, and the folder `current` itself is another one after it).
fn beside(root: &Path) -> Vec<PathBuf> {
    let mut folders = vec![root.parent().unwrap_or(Path::new("/")).to_path_buf()];
    for step in root.ancestors() {
        let link = std::fs::symlink_metadata(step).is_ok_and(|m| m.file_type().is_symlink());
        if let Some(parent) = step.parent().filter(|_| link)
            && !folders.iter().any(|f| f == parent)
        {
            folders.push(parent.to_path_buf());
        }
    }
    folders
}

/// The device and inode of the folder at `path` (links followed).
fn identity(path: &Path) -> Option<(u64, u64)> {
    let meta = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        Some((0, 0))
    }
}

/// The watching thread: wait for a change, let it settle, reload.
fn run(
    store: &Store,
    options: WatchOptions,
    rx: &Receiver<Wake>,
    mut armed: Armed,
    on_reload: impl Fn(ReloadSummary),
) {
    // Unknown at first: the first look reads the folder again, in case it changed between the
    // store's first load and the watch.
    let mut served = Fingerprint::default();
    let mut held: Option<Fingerprint> = None;
    let mut pending = false;
    loop {
        let wait = if pending { step(options) } else { options.poll };
        if !woken(rx, wait) {
            return;
        }
        armed.refresh();
        let now = store.tree().fingerprint();
        pending = now != served;
        if !pending {
            continue;
        }
        let Some(settled) = settle(store, now, options, rx) else {
            return;
        };
        let accept = |p: &Pending| judge(p, &settled, &mut held);
        if let Some(summary) = store.reload_if(accept) {
            served = settled;
            held = None;
            pending = false;
            on_reload(summary);
        }
    }
}

/// Whether to serve what was read: only what settled, and a text that declares less than the
/// one served only at the second look.
fn judge(pending: &Pending, settled: &Fingerprint, held: &mut Option<Fingerprint>) -> bool {
    if pending.fingerprint != settled {
        return false;
    }
    if pending.loses_declarations() && held.as_ref() != Some(settled) {
        *held = Some(settled.clone());
        return false;
    }
    true
}

/// How often the folder is looked at while it settles.
fn step(options: WatchOptions) -> Duration {
    (options.settle / 5).clamp(Duration::from_millis(5), Duration::from_millis(100))
}

/// Waits up to `wait` for a notification; false when the watcher is stopped.
fn woken(rx: &Receiver<Wake>, wait: Duration) -> bool {
    match rx.recv_timeout(wait) {
        Ok(Wake::Event) | Err(RecvTimeoutError::Timeout) => true,
        Ok(Wake::Stop) | Err(RecvTimeoutError::Disconnected) => false,
    }
}

/// Waits until the fingerprint has stayed the same for the settle interval, and returns it;
/// none when the watcher is stopped meanwhile.
fn settle(
    store: &Store,
    mut seen: Fingerprint,
    options: WatchOptions,
    rx: &Receiver<Wake>,
) -> Option<Fingerprint> {
    let mut since = Instant::now();
    while since.elapsed() < options.settle {
        let left = options.settle.saturating_sub(since.elapsed());
        if !woken(rx, step(options).min(left)) {
            return None;
        }
        let now = store.tree().fingerprint();
        if now != seen {
            seen = now;
            since = Instant::now();
        }
    }
    Some(seen)
}
