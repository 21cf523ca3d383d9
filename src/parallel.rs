//! Work shared over the machine's cores: the load parses a large file in parts and checks the
//! versions that extend one layer side by side. Nothing here is needed for a decision, which
//! runs on the thread that asks for it.
//!
//! The calling thread takes its share of a [`map`]; the other cores' shares go to one pool of
//! threads made once for the process ([`rayon_core`]), each with the stack of the stages: a load
//! that spawned threads of its own paid for them, and for their fresh stacks and allocator
//! heaps, at every load. A thread of the pool that waits for the others' items of a map within
//! a map takes other work meanwhile, so that maps never wait on each other.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{LazyLock, Mutex};

/// The stack the stages of a load (parse, check, compile, format) may use: they read
/// expressions by recursion, up to [`MAX_DEPTH`](crate::syntax::MAX_DEPTH) levels, and an
/// unoptimised build takes several times the stack of a release one per level (a chain of 255
/// `and` needs about 1 MiB in release, over 2 MiB unoptimised). Reserved, not committed: only
/// the pages used are.
pub(crate) const STAGE_STACK: usize = 64 << 20;

/// The threads that help the thread that loads, each with [`STAGE_STACK`]: one per core but
/// one, as a [`map`] takes a core's share on the calling thread and asks the pool for the
/// others'; `None` when the system gives none (the items are then taken on the calling thread,
/// one after the other). No more: a thread of the pool left without work looks for some a
/// while before it sleeps, and with two per core those looking took the cores from the thread
/// that loads (the BTS load, median of 2,000: 1.11-1.38 ms with four on two cores, 0.96-1.06
/// with one; benches/README.md, "The thirteenth round"). Loads side by side share the pool.
static STAGES: LazyLock<Option<rayon_core::ThreadPool>> = LazyLock::new(|| {
    rayon_core::ThreadPoolBuilder::new()
        .num_threads(cores().saturating_sub(1).max(1))
        .stack_size(STAGE_STACK)
        .thread_name(|i| format!("clausier-stage-{i}"))
        .build()
        .ok()
});

/// Runs `f` where at least half of [`STAGE_STACK`] is left, on a stack of that size on the heap
/// when the calling thread's has less (a worker's or a watcher's 2 MiB), whatever thread loads.
pub(crate) fn with_stage_stack<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(STAGE_STACK / 2, STAGE_STACK, f)
}

/// `a()` and `b()` side by side: a [`map`] of the two, so `a` runs on the calling thread and
/// `b` on a thread of the pool when one is free to take it before `a` is done, else on the
/// calling thread after `a`.
pub(crate) fn join<A: Send, B: Send>(a: impl Fn() -> A + Sync, b: impl Fn() -> B + Sync) -> (A, B) {
    enum Side<A, B> {
        A(A),
        B(B),
    }
    let mut sides = map(&[true, false], |&first| match first {
        true => Side::A(a()),
        false => Side::B(b()),
    })
    .into_iter();
    match (sides.next(), sides.next()) {
        (Some(Side::A(ra)), Some(Side::B(rb))) => (ra, rb),
        // Not reached: a map gives one result per item, in the items' order.
        _ => (a(), b()),
    }
}

/// How many threads the machine runs at once (1 when it cannot say).
pub(crate) fn cores() -> usize {
    static CORES: LazyLock<usize> = LazyLock::new(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    *CORES
}

/// `f` applied to every item on the machine's cores, the calling thread one of them; the results
/// in the items' order. Each core takes the next item as it finishes its last, so that items of
/// unequal cost even out. A panic in `f` is resumed on the calling thread.
pub(crate) fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    map_with(items, || (), |(), item| f(item))
}

/// [`map`] where `f` also gets a state of its core's own, made by `init` on that core before
/// its first item (a copy of what the items are read against, which `f` may change).
pub(crate) fn map_with<T: Sync, S, R: Send>(
    items: &[T],
    init: impl Fn() -> S + Sync,
    f: impl Fn(&mut S, &T) -> R + Sync,
) -> Vec<R> {
    let threads = cores().min(items.len());
    let Some(pool) = STAGES.as_ref().filter(|_| threads > 1) else {
        let mut state = init();
        return items.iter().map(|item| f(&mut state, item)).collect();
    };
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        let mut state = None;
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else {
                return done;
            };
            let state = state.get_or_insert_with(&init);
            done.push((i, f(state, item)));
        }
    };
    // The other cores' shares, each taken by the first thread of the pool free to take it; one
    // that comes when every item is taken finds none, and is done at once.
    let others: Vec<Mutex<Vec<(usize, R)>>> = std::iter::repeat_with(|| Mutex::new(Vec::new()))
        .take(threads - 1)
        .collect();
    let mut all = Vec::with_capacity(items.len());
    // The calling thread takes its share itself, on its own stack; the pool's threads the
    // others. The scope ends when every share is done (a panic in one is resumed here then).
    pool.in_place_scope(|scope| {
        for share in &others {
            scope.spawn(|_| {
                let done = work();
                *share
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = done;
            });
        }
        all = work();
    });
    for share in others {
        all.extend(
            share
                .into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
    }
    let mut out: Vec<Option<R>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    for (i, r) in all {
        if let Some(slot) = out.get_mut(i) {
            *slot = Some(r);
        }
    }
    // Every index below the items' count was taken by exactly one core.
    out.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing, reason = "tests assert by panicking")]

    #[test]
    fn results_come_in_the_items_order() {
        let items: Vec<u32> = (0..101).collect();
        assert_eq!(
            super::map(&items, |x| x * 2),
            (0..101).map(|x| x * 2).collect::<Vec<_>>()
        );
        assert_eq!(super::map(&[] as &[u32], |x| *x), Vec::<u32>::new());
    }

    /// A panic in `f`, on whichever thread took the item, reaches the caller; maps within maps
    /// (a file's parts within the folder's files) complete.
    #[test]
    fn a_panic_reaches_the_caller_and_maps_nest() {
        let items: Vec<u32> = (0..100).collect();
        for bad in [0, 57, 99] {
            let caught = std::panic::catch_unwind(|| {
                super::map(&items, |&x| assert_ne!(x, bad, "item {bad}"))
            });
            assert!(caught.is_err(), "the panic of item {bad}");
        }
        let nested = super::map(&items[..8], |&x| {
            super::map(&items, |&y| x * y).into_iter().sum::<u32>()
        });
        assert_eq!(nested, (0..8).map(|x| x * 4950).collect::<Vec<_>>());
    }

    /// `join` gives both results, runs `b` once whichever thread takes it (however long `a`
    /// takes, and inside a map), and a panic in `b` reaches the caller.
    #[test]
    fn join_runs_each_side_once() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        for a_takes in [0, 1, 20] {
            let runs = AtomicUsize::new(0);
            let (a, b) = super::join(
                || {
                    std::thread::sleep(std::time::Duration::from_millis(a_takes));
                    "a"
                },
                || {
                    runs.fetch_add(1, Ordering::Relaxed);
                    7
                },
            );
            assert_eq!((a, b, runs.load(Ordering::Relaxed)), ("a", 7, 1));
        }
        let items: Vec<u32> = (0..16).collect();
        let joined = super::map(&items, |&x| super::join(|| x, || x * 2));
        assert_eq!(joined, (0..16).map(|x| (x, x * 2)).collect::<Vec<_>>());
        let caught =
            std::panic::catch_unwind(|| super::join(|| (), || assert_eq!(1 + 1, 3, "b fails")));
        assert!(caught.is_err());
    }

    /// Each core's state is its own, made once, and sees only the items that core takes: every
    /// item is taken once, whatever the cores.
    #[test]
    fn each_core_has_a_state_of_its_own() {
        let items: Vec<u32> = (0..1000).collect();
        let made = std::sync::atomic::AtomicUsize::new(0);
        let out = super::map_with(
            &items,
            || {
                made.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                Vec::new()
            },
            |seen: &mut Vec<u32>, &x| {
                seen.push(x);
                (x, seen.clone())
            },
        );
        let made = made.into_inner();
        assert!((1..=super::cores()).contains(&made), "{made} states");
        assert_eq!(out.iter().map(|(x, _)| *x).collect::<Vec<_>>(), items);
        // What a state saw grows by one item each time, in the order its core took them.
        for (x, seen) in &out {
            assert_eq!(seen.last(), Some(x));
            assert!(seen.windows(2).all(|w| w[0] < w[1]));
        }
        let firsts = out.iter().filter(|(_, seen)| seen.len() == 1).count();
        assert_eq!(firsts, made);
    }
}
