//! Work shared over the machine's cores with scoped threads: the load parses a large file in
//! two halves and checks the versions that extend one layer side by side. Nothing here is
//! needed for a decision, which runs on the thread that asks for it.

use std::sync::LazyLock;

/// The stack the stages of a load (parse, check, compile, format) may use: they read
/// expressions by recursion, up to [`MAX_DEPTH`](crate::syntax::MAX_DEPTH) levels, and an
/// unoptimised build takes several times the stack of a release one per level (a chain of 255
/// `and` needs about 1 MiB in release, over 2 MiB unoptimised). Reserved, not committed: only
/// the pages used are.
pub(crate) const STAGE_STACK: usize = 64 << 20;

/// Runs `f` where at least half of [`STAGE_STACK`] is left, on a stack of that size on the heap
/// when the calling thread's has less (a worker's or a watcher's 2 MiB), whatever thread loads.
pub(crate) fn with_stage_stack<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(STAGE_STACK / 2, STAGE_STACK, f)
}

/// How many threads the machine runs at once (1 when it cannot say).
pub(crate) fn cores() -> usize {
    static CORES: LazyLock<usize> = LazyLock::new(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    *CORES
}

/// `f` applied to every item, the items shared in contiguous parts over the cores (the first
/// part on the calling thread); the results in the items' order. A panic in `f` is resumed on
/// the calling thread.
pub(crate) fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = cores().min(items.len());
    if threads < 2 {
        return items.iter().map(f).collect();
    }
    let part = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|scope| {
        let mut parts = items.chunks(part);
        let first = parts.next().unwrap_or_default();
        // Each part on a thread with the stack of the stages (spawning with the default of
        // 2 MiB could fail where the calling thread, grown, would not).
        let others: Vec<_> = parts
            .map(|p| {
                let thread = std::thread::Builder::new()
                    .stack_size(STAGE_STACK)
                    .spawn_scoped(scope, move || p.iter().map(f).collect::<Vec<R>>());
                (p, thread)
            })
            .collect();
        let mut out: Vec<R> = first.iter().map(f).collect();
        for (p, thread) in others {
            let part: Vec<R> = match thread {
                Ok(handle) => handle
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e)),
                // No thread to be had: this part on the calling thread.
                Err(_) => p.iter().map(f).collect(),
            };
            out.extend(part);
        }
        out
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_come_in_the_items_order() {
        let items: Vec<u32> = (0..101).collect();
        assert_eq!(
            super::map(&items, |x| x * 2),
            (0..101).map(|x| x * 2).collect::<Vec<_>>()
        );
        assert_eq!(super::map(&[] as &[u32], |x| *x), Vec::<u32>::new());
    }
}
