//! How many client connections the service holds open at once. Each connection takes a file
//! descriptor; when the process runs out of them, nothing more is accepted, not even
//! `/healthz`. The service therefore stops accepting (new connections wait in the listen
//! queue) below the limit on open files, keeping a reserve for what is not a client: the
//! policies folder and its watcher, the logs, the blocking pool's work.

/// Descriptors kept free for what is not a client connection.
pub const RESERVED_DESCRIPTORS: usize = 256;

/// Connections allowed when the limit on open files cannot be read (outside Linux): what a
/// common soft limit of 1,024 leaves after the reserve.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024 - RESERVED_DESCRIPTORS;

/// The most client connections open at once: `given` if any, else what `open_files` (the
/// soft limit on open files) allows after the reserve; never more than `open_files` allows,
/// and at least one.
pub fn cap(given: Option<usize>, open_files: Option<u64>) -> usize {
    let allowed = match open_files {
        Some(n) => {
            let n = usize::try_from(n).unwrap_or(usize::MAX);
            // A small limit keeps half for the reserve.
            n.saturating_sub(RESERVED_DESCRIPTORS.min(n / 2))
        }
        None => DEFAULT_MAX_CONNECTIONS,
    };
    given.map_or(allowed, |g| g.min(allowed)).max(1)
}

/// The share of `cap` of each of `workers` worker threads (actix counts connections per
/// worker), at least one.
pub fn per_worker(cap: usize, workers: usize) -> usize {
    (cap / workers.max(1)).max(1)
}

/// The soft limit on open files of this process (`RLIMIT_NOFILE`), read from
/// `/proc/self/limits`; none where that file does not exist or says `unlimited`.
pub fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    soft_open_files(&limits)
}

/// The soft limit in the text of `/proc/self/limits`.
fn soft_open_files(limits: &str) -> Option<u64> {
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    let rest = line.strip_prefix("Max open files")?;
    rest.split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_soft_limit_is_read_from_proc() {
        let text = "Limit                     Soft Limit           Hard Limit           Units     \n\
                    Max processes             63398                63398                processes \n\
                    Max open files            1024                 524288               files     \n";
        assert_eq!(soft_open_files(text), Some(1024));
        let unlimited =
            "Max open files            unlimited            unlimited            files\n";
        assert_eq!(soft_open_files(unlimited), None);
        assert_eq!(soft_open_files(""), None);
    }

    #[test]
    fn connections_stay_below_the_limit_on_open_files() {
        assert_eq!(cap(None, Some(20_000)), 20_000 - RESERVED_DESCRIPTORS);
        assert_eq!(cap(None, Some(1024)), 768);
        // A small limit keeps half for the reserve.
        assert_eq!(cap(None, Some(100)), 50);
        assert_eq!(cap(None, None), DEFAULT_MAX_CONNECTIONS);
        // What an operator gives is honoured below the limit, never above it.
        assert_eq!(cap(Some(100), Some(20_000)), 100);
        assert_eq!(
            cap(Some(50_000), Some(20_000)),
            20_000 - RESERVED_DESCRIPTORS
        );
        assert_eq!(cap(Some(0), Some(0)), 1);
        assert_eq!(per_worker(768, 2), 384);
        assert_eq!(per_worker(1, 4), 1);
        assert_eq!(per_worker(10, 0), 10);
    }
}
