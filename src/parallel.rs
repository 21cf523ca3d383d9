//! Work shared over the machine's cores with scoped threads: the load parses a large file in
//! two halves and checks the versions that extend one layer side by side. Nothing here is
//! needed for a decision, which runs on the thread that asks for it.

use std::sync::LazyLock;

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
        let others: Vec<_> = parts
            .map(|p| scope.spawn(move || p.iter().map(f).collect::<Vec<R>>()))
            .collect();
        let mut out: Vec<R> = first.iter().map(f).collect();
        for handle in others {
            out.extend(
                handle
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e)),
            );
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
