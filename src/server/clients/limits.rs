//! Limits per client: requests per second (a token bucket) and batches at once. A client over
//! either is answered 429 with `Retry-After`, at the cost of a lookup and a lock held for a
//! few instructions, so that a client flooding the service spends its own allowance and not
//! the others' time. Batches run on the blocking pool, off the workers that answer single
//! decisions; the cap on batches at once keeps one client from filling that pool.
//!
//! A bucket of our own rather than `governor`: each client has its own rate, which an edit of
//! the clients file may change at any time, and a bucket is these few lines.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// A client's limits, as its entry in the clients file gives them; none: unlimited.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ClientLimits {
    /// Requests per second, on average.
    pub rate: Option<f64>,
    /// Requests that may come at once above the rate (default: one second's worth, at least
    /// one).
    pub burst: Option<u32>,
    /// Batches (and impacts) that may run at once.
    pub batches: Option<u32>,
}

impl ClientLimits {
    /// The reason these limits cannot be kept, if any.
    pub fn check(&self) -> Result<(), String> {
        if self.rate.is_some_and(|r| !(r.is_finite() && r > 0.0)) {
            return Err("`rate` must be a number of requests per second above 0".into());
        }
        if self.burst == Some(0) || self.batches == Some(0) {
            return Err(
                "`burst` and `batches` must be at least 1 (leave them out for no limit)".into(),
            );
        }
        if self.burst.is_some() && self.rate.is_none() {
            return Err("`burst` needs a `rate`".into());
        }
        Ok(())
    }

    fn burst_or_default(&self, rate: f64) -> f64 {
        self.burst.map_or_else(|| rate.ceil().max(1.0), f64::from)
    }
}

/// A token bucket: `tokens` left at `at`.
#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    /// Takes a token at `now` under `rate` per second and `burst`; the wait until one is
    /// there when none is.
    fn take(&mut self, rate: f64, burst: f64, now: Instant) -> Result<(), Duration> {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * rate).min(burst);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            // A rate so low that the wait overflows a `Duration` waits for ever.
            Err(Duration::try_from_secs_f64((1.0 - self.tokens) / rate).unwrap_or(Duration::MAX))
        }
    }
}

/// What is counted of one client.
#[derive(Debug)]
struct Usage {
    bucket: Mutex<Option<Bucket>>,
    batches: AtomicU32,
}

/// A batch running: counted until dropped (when its answer has been sent, or abandoned).
#[derive(Debug)]
pub struct BatchPermit(Arc<Usage>);

impl Drop for BatchPermit {
    fn drop(&mut self) {
        self.0.batches.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Which limit refused a request, and when to try again.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Limited {
    /// Over the rate: a token comes after this wait.
    Rate(Duration),
    /// As many batches as allowed are running.
    Batches(u32),
}

/// How many callers the table holds before it forgets the idle ones.
const FORGET_ABOVE: usize = 4096;

/// How long a caller is remembered after its last request.
const IDLE: Duration = Duration::from_secs(60);

/// The most callers the table holds; past them, new callers share the allowance of
/// [`OVERFLOW`].
const MOST_CALLERS: usize = 65_536;

/// The name under which callers past [`MOST_CALLERS`] are counted together.
const OVERFLOW: &str = "(others)";

/// The usage of every client, by name (or of every address, see
/// [`crate::server::clients::gate::Anonymous`]). Kept across edits of the clients file (a
/// client keeps its bucket when its limits change); a client removed keeps a few bytes here.
#[derive(Debug, Default)]
pub struct Limiter {
    table: Mutex<Table>,
}

/// The callers' usage, and when idle callers are next forgotten.
#[derive(Debug, Default)]
struct Table {
    callers: HashMap<Arc<str>, Arc<Usage>>,
    /// The size at which idle callers are next forgotten (below [`FORGET_ABOVE`]: at it).
    next_pass: usize,
    /// When they were last forgotten.
    passed_at: Option<Instant>,
}

/// How often idle callers are looked for, at most, while the table is full.
const PASS_WHEN_FULL: Duration = Duration::from_secs(10);

impl Usage {
    fn new() -> Arc<Usage> {
        Arc::new(Usage {
            bucket: Mutex::new(None),
            batches: AtomicU32::new(0),
        })
    }
}

impl Table {
    /// Keyed by address, the table would grow with every caller ever seen: forgets those
    /// with no batch running and no request for [`IDLE`] (their bucket is full again by then,
    /// unless the rate is below one request a minute).
    fn forget_idle(&mut self, now: Instant) {
        self.callers.retain(|_, kept| {
            Arc::strong_count(kept) > 1
                || kept
                    .bucket
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .as_ref()
                    .is_some_and(|b| now.saturating_duration_since(b.at) < IDLE)
        });
        // The next pass when the table has doubled: a flood of new callers costs a constant
        // time each, not a pass over the table each.
        self.next_pass = self.callers.len() * 2;
        self.passed_at = Some(now);
    }
}

impl Limiter {
    fn usage(&self, name: &Arc<str>) -> Arc<Usage> {
        let mut table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(known) = table.callers.get(name) {
            return Arc::clone(known);
        }
        let now = Instant::now();
        let size = table.callers.len();
        let full = size >= MOST_CALLERS;
        let due = size >= table.next_pass.max(FORGET_ABOVE)
            || (full
                && table
                    .passed_at
                    .is_none_or(|at| now.saturating_duration_since(at) >= PASS_WHEN_FULL));
        if due {
            table.forget_idle(now);
        }
        let name = if table.callers.len() >= MOST_CALLERS {
            // Still full of callers seen within the minute: the new ones share one
            // allowance until some are forgotten, rather than the memory growing.
            Arc::from(OVERFLOW)
        } else {
            Arc::clone(name)
        };
        Arc::clone(table.callers.entry(name).or_insert_with(Usage::new))
    }

    /// The wait until `name` has a token again under `limits`, if it has none now: looked at
    /// without spending one (nor remembering a caller never seen).
    pub fn exhausted(&self, name: &Arc<str>, limits: &ClientLimits) -> Option<Duration> {
        let rate = limits.rate?;
        let usage = {
            let table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(table.callers.get(name)?)
        };
        let mut bucket = usage.bucket.lock().unwrap_or_else(PoisonError::into_inner);
        let bucket = bucket.as_mut()?;
        let mut peek = Bucket {
            tokens: bucket.tokens,
            at: bucket.at,
        };
        peek.take(rate, limits.burst_or_default(rate), Instant::now())
            .err()
    }

    /// Admits a request of client `name` under `limits` (a batch when `batch`): a permit to
    /// hold while a batch runs, or the limit it is over.
    pub fn admit(
        &self,
        name: &Arc<str>,
        limits: &ClientLimits,
        batch: bool,
    ) -> Result<Option<BatchPermit>, Limited> {
        if limits.rate.is_none() && !(batch && limits.batches.is_some()) {
            return Ok(None);
        }
        let usage = self.usage(name);
        if let Some(rate) = limits.rate {
            let burst = limits.burst_or_default(rate);
            let now = Instant::now();
            let mut bucket = usage.bucket.lock().unwrap_or_else(PoisonError::into_inner);
            let bucket = bucket.get_or_insert(Bucket {
                tokens: burst,
                at: now,
            });
            bucket.take(rate, burst, now).map_err(Limited::Rate)?;
        }
        if !batch {
            return Ok(None);
        }
        let Some(max) = limits.batches else {
            return Ok(None);
        };
        usage
            .batches
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            })
            .map_err(|_| Limited::Batches(max))?;
        Ok(Some(BatchPermit(usage)))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests assert by panicking")]
    use super::*;

    #[test]
    fn a_bucket_gives_its_burst_then_one_token_per_interval() {
        let start = Instant::now();
        let mut bucket = Bucket {
            tokens: 3.0,
            at: start,
        };
        for _ in 0..3 {
            assert_eq!(bucket.take(10.0, 3.0, start), Ok(()));
        }
        let wait = bucket.take(10.0, 3.0, start).unwrap_err();
        assert!((wait.as_secs_f64() - 0.1).abs() < 1e-9, "{wait:?}");
        assert_eq!(
            bucket.take(10.0, 3.0, start + Duration::from_millis(100)),
            Ok(())
        );
        assert!(
            bucket
                .take(10.0, 3.0, start + Duration::from_millis(150))
                .is_err()
        );
        // A long pause refills no more than the burst.
        let later = start + Duration::from_secs(60);
        for _ in 0..3 {
            assert_eq!(bucket.take(10.0, 3.0, later), Ok(()));
        }
        assert!(bucket.take(10.0, 3.0, later).is_err());
    }

    #[test]
    fn batches_are_counted_until_their_permit_is_dropped() {
        let limiter = Limiter::default();
        let name: Arc<str> = Arc::from("a");
        let limits = ClientLimits {
            batches: Some(2),
            ..ClientLimits::default()
        };
        let one = limiter.admit(&name, &limits, true).unwrap().unwrap();
        let two = limiter.admit(&name, &limits, true).unwrap().unwrap();
        assert_eq!(
            limiter.admit(&name, &limits, true).unwrap_err(),
            Limited::Batches(2)
        );
        // Single decisions are not batches, and another client has its own count.
        assert!(limiter.admit(&name, &limits, false).unwrap().is_none());
        assert!(
            limiter
                .admit(&Arc::from("b"), &limits, true)
                .unwrap()
                .is_some()
        );
        drop(one);
        let three = limiter.admit(&name, &limits, true).unwrap();
        assert!(three.is_some());
        drop((two, three));
    }

    #[test]
    fn idle_callers_are_forgotten_when_the_table_is_full_but_not_running_batches() {
        let limiter = Limiter::default();
        let limits = ClientLimits {
            rate: Some(1.0),
            burst: Some(1),
            batches: Some(1),
        };
        let running = limiter
            .admit(&Arc::from("batch"), &limits, true)
            .unwrap()
            .unwrap();
        for n in 1..FORGET_ABOVE {
            limiter
                .admit(&Arc::from(n.to_string()), &limits, false)
                .unwrap();
        }
        // Everyone was seen just now: nothing is forgotten, and `1` is still over its rate.
        limiter.admit(&Arc::from("new"), &limits, false).unwrap();
        assert_eq!(
            limiter.table.lock().unwrap().callers.len(),
            FORGET_ABOVE + 1
        );
        assert!(limiter.admit(&Arc::from("1"), &limits, false).is_err());
        // A minute later, when the table has doubled, only the batch still running and the
        // callers of this minute are remembered.
        for usage in limiter.table.lock().unwrap().callers.values() {
            if let Some(bucket) = usage.bucket.lock().unwrap().as_mut() {
                bucket.at -= IDLE;
            }
        }
        let mut n = 0;
        while limiter.table.lock().unwrap().callers.contains_key("1") {
            limiter
                .admit(&Arc::from(format!("newer-{n}")), &limits, false)
                .unwrap();
            n += 1;
            assert!(n <= FORGET_ABOVE + 2, "never forgotten");
        }
        let kept: Vec<String> = limiter
            .table
            .lock()
            .unwrap()
            .callers
            .keys()
            .map(|k| k.to_string())
            .collect();
        assert!(kept.contains(&"batch".to_string()), "{kept:?}");
        assert!(
            kept.iter().all(|k| k == "batch" || k.starts_with("newer-")),
            "{kept:?}"
        );
        assert!(limiter.admit(&Arc::from("batch"), &limits, true).is_err());
        drop(running);
    }

    #[test]
    fn past_the_most_callers_new_ones_share_one_allowance() {
        let limiter = Limiter::default();
        let limits = ClientLimits {
            rate: Some(1.0),
            burst: Some(1),
            batches: None,
        };
        for n in 0..MOST_CALLERS {
            limiter
                .admit(&Arc::from(n.to_string()), &limits, false)
                .unwrap();
        }
        assert!(limiter.admit(&Arc::from("late-1"), &limits, false).is_ok());
        assert!(limiter.admit(&Arc::from("late-2"), &limits, false).is_err());
        assert!(limiter.table.lock().unwrap().callers.len() <= MOST_CALLERS + 1);
    }

    #[test]
    fn a_rate_too_low_to_wait_for_waits_for_ever_and_a_peek_spends_nothing() {
        let limiter = Limiter::default();
        let limits = ClientLimits {
            rate: Some(1e-300),
            burst: Some(1),
            batches: None,
        };
        let name: Arc<str> = Arc::from("slow");
        assert_eq!(limiter.exhausted(&name, &limits), None);
        limiter.admit(&name, &limits, false).unwrap();
        assert_eq!(limiter.exhausted(&name, &limits), Some(Duration::MAX));
        assert_eq!(
            limiter.admit(&name, &limits, false).unwrap_err(),
            Limited::Rate(Duration::MAX)
        );
    }

    #[test]
    fn limits_that_cannot_be_kept_are_refused() {
        let bad = |limits: ClientLimits| limits.check().unwrap_err();
        assert!(
            bad(ClientLimits {
                rate: Some(0.0),
                ..Default::default()
            })
            .contains("rate")
        );
        assert!(
            bad(ClientLimits {
                rate: Some(f64::NAN),
                ..Default::default()
            })
            .contains("rate")
        );
        assert!(
            bad(ClientLimits {
                batches: Some(0),
                ..Default::default()
            })
            .contains("batches")
        );
        assert!(
            bad(ClientLimits {
                burst: Some(5),
                ..Default::default()
            })
            .contains("needs a `rate`")
        );
        assert!(
            ClientLimits {
                rate: Some(0.5),
                burst: Some(2),
                batches: Some(1)
            }
            .check()
            .is_ok()
        );
    }
}
