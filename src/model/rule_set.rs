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
        RuleSet::gather([], items)
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

    /// The runs of consecutive indices, in increasing order.
    pub fn runs(&self) -> impl Iterator<Item = Range<usize>> + '_ {
        self.runs.iter().cloned()
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

    /// The union of `sets` and of the indices `items`, sorting their runs once (an exception
    /// over thousands of rules is not merged one rule at a time).
    pub fn gather<'s>(
        sets: impl IntoIterator<Item = &'s RuleSet>,
        items: impl IntoIterator<Item = usize>,
    ) -> RuleSet {
        let mut runs: Vec<Range<usize>> = items.into_iter().map(|i| i..i + 1).collect();
        for set in sets {
            runs.extend(set.runs.iter().cloned());
        }
        runs.sort_unstable_by_key(|r| r.start);
        let mut out = RuleSet::default();
        for run in runs {
            out.push_run(run);
        }
        out
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
        let chain = RuleSet::gather([&RuleSet::of(5..9)], [4]);
        assert_eq!(chain.runs, vec![4..9]);
        let a = RuleSet::of([1, 2, 7, 15, 16]);
        let b = RuleSet::of([0, 3, 8, 9, 14, 20]);
        let both = RuleSet::gather([&a, &b], [11, 8]);
        let indices: Vec<usize> = both.iter().collect();
        assert_eq!(indices, vec![0, 1, 2, 3, 7, 8, 9, 11, 14, 15, 16, 20]);
        assert_eq!(both.runs, vec![0..4, 7..10, 11..12, 14..17, 20..21]);
        assert_eq!(RuleSet::gather([&a, &RuleSet::default()], []), a);
        // Runs that overlap, not only touch, merge too.
        let wide = RuleSet::gather([&RuleSet::of(2..6), &RuleSet::of(4..10)], [1]);
        assert_eq!(wide.runs, vec![1..10]);
    }
}
