//! A set of a conclusion's rules (their indices), kept as sorted runs of consecutive indices.
//!
//! What a rule overrides is the transitive closure of its `exception … of` lists: under a `first`
//! table each row overrides the next, so the closure of a row is every row below it. Kept as
//! runs, that closure is one run, and a table of n rows holds n runs instead of n²/2 indices;
//! membership is a binary search.

use std::ops::Range;

/// Rule indices, as sorted, disjoint, non-adjacent runs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuleSet {
    runs: Vec<Range<usize>>,
}

impl RuleSet {
    /// The set of the indices `items` yields, in any order, repeats allowed.
    pub fn of(items: impl IntoIterator<Item = usize>) -> RuleSet {
        let mut items: Vec<usize> = items.into_iter().collect();
        items.sort_unstable();
        let mut set = RuleSet::default();
        for i in items {
            set.push_run(i..i + 1);
        }
        set
    }

    /// Appends a run that starts at or after the end of the last one (merged when they touch).
    fn push_run(&mut self, run: Range<usize>) {
        if run.is_empty() {
            return;
        }
        match self.runs.last_mut() {
            Some(last) if run.start <= last.end => last.end = last.end.max(run.end),
            _ => self.runs.push(run),
        }
    }

    /// Whether `i` is in the set.
    #[inline]
    pub fn contains(&self, i: usize) -> bool {
        match self.runs.as_slice() {
            // Most rules override nothing, or one run (a table's row, an exception).
            [] => false,
            [run] => run.contains(&i),
            runs => {
                let after = runs.partition_point(|r| r.start <= i);
                after
                    .checked_sub(1)
                    .and_then(|k| runs.get(k))
                    .is_some_and(|r| i < r.end)
            }
        }
    }

    /// How many indices the set holds.
    pub fn len(&self) -> usize {
        self.runs.iter().map(ExactSizeIterator::len).sum()
    }

    /// Whether the set holds no index.
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// The indices, in increasing order.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.runs.iter().flat_map(Clone::clone)
    }

    /// The indices of `within` that the set does not hold, in increasing order: what is left to
    /// pair with a rule once those it overrides are set aside (one step per run, not per index).
    pub fn missing_from(&self, within: Range<usize>) -> impl Iterator<Item = usize> + '_ {
        let first = self.runs.partition_point(|r| r.end <= within.start);
        let mut at = within.start;
        let end = within.end;
        let mut runs = self.runs.get(first..).unwrap_or_default().iter();
        let mut next = runs.next();
        std::iter::from_fn(move || {
            while at < end {
                match next {
                    Some(r) if r.start <= at => {
                        at = at.max(r.end);
                        next = runs.next();
                    }
                    _ => {
                        at += 1;
                        return Some(at - 1);
                    }
                }
            }
            None
        })
    }

    /// The union of the two sets, in time linear in their runs.
    pub fn union(&self, other: &RuleSet) -> RuleSet {
        let mut out = RuleSet {
            runs: Vec::with_capacity(self.runs.len() + other.runs.len()),
        };
        let (mut a, mut b) = (self.runs.iter().peekable(), other.runs.iter().peekable());
        loop {
            let next = match (a.peek(), b.peek()) {
                (Some(x), Some(y)) if x.start <= y.start => a.next(),
                (Some(_), Some(_)) => b.next(),
                (Some(_), None) => a.next(),
                (None, _) => b.next(),
            };
            match next {
                Some(run) => out.push_run(run.clone()),
                None => return out,
            }
        }
    }
}

impl FromIterator<usize> for RuleSet {
    fn from_iter<T: IntoIterator<Item = usize>>(iter: T) -> Self {
        RuleSet::of(iter)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests assert by panicking")]

    use super::RuleSet;

    /// The same questions asked of the set and of a plain list of its indices.
    fn agrees(items: &[usize]) {
        let set = RuleSet::of(items.iter().copied());
        let mut list = items.to_vec();
        list.sort_unstable();
        list.dedup();
        assert_eq!(set.iter().collect::<Vec<_>>(), list);
        assert_eq!(set.len(), list.len());
        assert_eq!(set.is_empty(), list.is_empty());
        for i in 0..40 {
            assert_eq!(set.contains(i), list.contains(&i), "{i} in {items:?}");
        }
        for start in 0..20 {
            for end in start..25 {
                let missing: Vec<usize> = set.missing_from(start..end).collect();
                let expected: Vec<usize> = (start..end).filter(|i| !list.contains(i)).collect();
                assert_eq!(missing, expected, "{start}..{end} without {items:?}");
            }
        }
    }

    #[test]
    fn a_set_of_runs_answers_as_the_list_of_its_indices() {
        agrees(&[]);
        agrees(&[3]);
        agrees(&[0, 1, 2, 3]);
        agrees(&[5, 3, 4, 9, 9, 10, 0]);
        agrees(&[1, 3, 5, 7, 11, 12, 13, 19, 20]);
    }

    #[test]
    fn touching_runs_merge_and_the_union_is_that_of_the_indices() {
        let chain = RuleSet::of([4]).union(&RuleSet::of(5..9));
        assert_eq!(chain.runs, vec![4..9]);
        let a = RuleSet::of([1, 2, 7, 15, 16]);
        let b = RuleSet::of([0, 3, 8, 9, 14, 20]);
        let both: Vec<usize> = a.union(&b).iter().collect();
        assert_eq!(both, vec![0, 1, 2, 3, 7, 8, 9, 14, 15, 16, 20]);
        assert_eq!(a.union(&b).runs, vec![0..4, 7..10, 14..17, 20..21]);
        assert_eq!(a.union(&RuleSet::default()), a);
    }
}
