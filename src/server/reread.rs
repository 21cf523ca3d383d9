//! A value read from files and read again when they change: the TLS certificate and key, the
//! clients file. Certificate managers and operators replace these files while the service
//! runs; a process that read them once would serve a revoked key or an expired certificate
//! until restarted.
//!
//! The files are looked at on use, at most once per [`Reread::every`] (a `stat` of each: the
//! request path pays nothing more), by whichever thread comes first while the others go on
//! with the value they have. A change is read at once; a reading that fails (a file half
//! written, a certificate without its new key yet) keeps the last good value, is logged once,
//! and is tried again when the files change again.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use arc_swap::ArcSwap;

/// What is known of a file without reading it: its modification time and size (none when it
/// cannot be read).
type Stamp = Vec<Option<(SystemTime, u64)>>;

/// How to read the value from its files.
pub type Reader<T> = Box<dyn Fn(&[PathBuf]) -> Result<T, String> + Send + Sync>;

/// What the last look at the files saw.
struct Seen {
    /// When the files were last looked at.
    at: Instant,
    /// The stamps of the value served.
    served: Stamp,
    /// The stamps of the last reading that failed, not to log it again.
    failed: Option<Stamp>,
}

/// A value read from `paths`, read again when their stamps change.
pub struct Reread<T> {
    what: &'static str,
    paths: Vec<PathBuf>,
    read: Reader<T>,
    every: Duration,
    current: ArcSwap<T>,
    seen: Mutex<Seen>,
}

impl<T> std::fmt::Debug for Reread<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reread")
            .field("what", &self.what)
            .field("paths", &self.paths)
            .finish_non_exhaustive()
    }
}

fn stamp(paths: &[PathBuf]) -> Stamp {
    paths
        .iter()
        .map(|p| {
            let meta = std::fs::metadata(p).ok()?;
            Some((meta.modified().ok()?, meta.len()))
        })
        .collect()
}

impl<T> Reread<T> {
    /// Reads the value a first time (an error here stops the service at start: there is no
    /// last good value to keep). `what` names it in the logs.
    pub fn open(
        what: &'static str,
        paths: Vec<PathBuf>,
        every: Duration,
        read: Reader<T>,
    ) -> Result<Reread<T>, String> {
        let served = stamp(&paths);
        let value = read(&paths)?;
        Ok(Reread {
            what,
            paths,
            read,
            every,
            current: ArcSwap::from_pointee(value),
            seen: Mutex::new(Seen {
                at: Instant::now(),
                served,
                failed: None,
            }),
        })
    }

    /// The value, read again first if the files changed since it was read (looked at no more
    /// than once per interval).
    pub fn get(&self) -> Arc<T> {
        self.refresh();
        self.current.load_full()
    }

    fn refresh(&self) {
        // Another thread is looking: go on with the value as it is.
        let Ok(mut seen) = self.seen.try_lock() else {
            return;
        };
        if seen.at.elapsed() < self.every {
            return;
        }
        seen.at = Instant::now();
        let now = stamp(&self.paths);
        if now == seen.served || seen.failed.as_ref() == Some(&now) {
            return;
        }
        match (self.read)(&self.paths) {
            Ok(value) => {
                self.current.store(Arc::new(value));
                seen.served = now;
                seen.failed = None;
                tracing::info!(files = ?self.paths, "{} read again", self.what);
            }
            Err(error) => {
                seen.failed = Some(now);
                tracing::error!(files = ?self.paths, %error, "{} changed but cannot be read: the last good one is kept", self.what);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::indexing_slicing,
        reason = "tests assert by panicking"
    )]
    use super::*;

    fn number(paths: &[PathBuf]) -> Result<u32, String> {
        let text = std::fs::read_to_string(&paths[0]).map_err(|e| e.to_string())?;
        text.trim()
            .parse()
            .map_err(|_| format!("`{text}` is no number"))
    }

    #[test]
    fn a_change_is_read_and_a_bad_one_keeps_the_last_good_value() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("n");
        std::fs::write(&file, "1").unwrap();
        let value =
            Reread::open("n", vec![file.clone()], Duration::ZERO, Box::new(number)).unwrap();
        assert_eq!(*value.get(), 1);
        std::fs::write(&file, "22").unwrap();
        assert_eq!(*value.get(), 22);
        std::fs::write(&file, "not a number").unwrap();
        assert_eq!(*value.get(), 22);
        std::fs::remove_file(&file).unwrap();
        assert_eq!(*value.get(), 22);
        std::fs::write(&file, "333").unwrap();
        assert_eq!(*value.get(), 333);
    }

    #[test]
    fn the_files_are_not_looked_at_again_within_the_interval() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("n");
        std::fs::write(&file, "1").unwrap();
        let value = Reread::open(
            "n",
            vec![file.clone()],
            Duration::from_secs(3600),
            Box::new(number),
        )
        .unwrap();
        std::fs::write(&file, "22").unwrap();
        assert_eq!(*value.get(), 1);
    }

    #[test]
    fn a_first_reading_that_fails_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing");
        let err = Reread::open("n", vec![missing], Duration::ZERO, Box::new(number)).unwrap_err();
        assert!(err.contains("No such file"), "{err}");
    }
}
