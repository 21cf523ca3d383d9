//! Whether the answer to an unanswered boolean or enum input can change a wanted conclusion.
//!
//! Deciding with each of its values and comparing is not enough: `kind` in
//! `kind = school and school_ok` / `kind = work and work_ok` leaves the conclusion undetermined
//! whatever its value, yet decides which question follows. So when every value gives the same
//! statuses and values, the search supposes values for another unanswered boolean or enum input
//! that a condition waiting for this one also waits for, and compares again in each branch.
//! Where no such input is left, the branches are compared with their missing facts too (which
//! inputs would still be needed). An input that no undecided condition waits for cannot change
//! anything. The search makes at most [`SEARCH`] decisions per input; past that, the input is
//! taken to matter (it is asked rather than silently dropped).

use std::collections::HashMap;

use crate::decision::{Conclusions, Datum, Status};
use crate::eval::{Evaluator, Verdict};
use crate::model::Value;
use crate::prepared::Prepared;

/// Most decisions the search makes for one input.
pub const SEARCH: usize = 64;

/// The status, value and (when `missing`) missing facts of each wanted conclusion.
type Outcomes = Vec<Option<(Status, Datum, Option<Vec<String>>)>>;

/// The search for one interview: the policy, the wanted conclusions, the inputs by path.
pub(super) struct Search<'a> {
    policy: &'a Prepared,
    wanted: &'a [usize],
    slots: HashMap<&'a str, usize>,
}

impl<'a> Search<'a> {
    pub(super) fn new(policy: &'a Prepared, wanted: &'a [usize]) -> Search<'a> {
        let slots = policy
            .inputs
            .iter()
            .enumerate()
            .map(|(i, info)| (info.path.as_str(), i))
            .collect();
        Search {
            policy,
            wanted,
            slots,
        }
    }

    /// Whether some answer to input `slot` (its `values`) can give a wanted conclusion another
    /// result on `facts`; true when the search runs out of budget.
    pub(super) fn can_change(&self, facts: &[Value], slot: usize, values: &[Value]) -> bool {
        let mut budget = SEARCH;
        let mut facts = facts.to_vec();
        self.differs(&mut facts, slot, values, &mut budget)
            .unwrap_or(true)
    }

    /// None when the budget ran out.
    fn differs(
        &self,
        facts: &mut Vec<Value>,
        slot: usize,
        values: &[Value],
        budget: &mut usize,
    ) -> Option<bool> {
        let branches = self.branches(facts, slot, values, budget)?;
        if !all_same(&branches, false) {
            return Some(true);
        }
        let Some(next) = self.next_split(facts, slot) else {
            return Some(!all_same(&branches, true));
        };
        let Some(next_values) = super::answers(self.policy, next) else {
            return Some(!all_same(&branches, true));
        };
        let saved = facts.get(next)?.clone();
        let mut found = false;
        for v in next_values {
            if let Some(f) = facts.get_mut(next) {
                *f = v;
            }
            if self.differs(facts, slot, values, budget)? {
                found = true;
                break;
            }
        }
        if let Some(f) = facts.get_mut(next) {
            *f = saved;
        }
        Some(found)
    }

    /// The outcomes of deciding `facts` with each of `values` for input `slot`.
    fn branches(
        &self,
        facts: &mut [Value],
        slot: usize,
        values: &[Value],
        budget: &mut usize,
    ) -> Option<Vec<Outcomes>> {
        let saved = facts.get(slot)?.clone();
        let mut out = Vec::with_capacity(values.len());
        for v in values {
            *budget = budget.checked_sub(1)?;
            if let Some(f) = facts.get_mut(slot) {
                *f = v.clone();
            }
            let d = crate::decision::decide(self.policy, facts, "", false, true);
            out.push(outcomes(&d.conclusions, self.wanted));
        }
        if let Some(f) = facts.get_mut(slot) {
            *f = saved;
        }
        Some(out)
    }

    /// The first unanswered boolean or enum input (in declaration order) that a condition
    /// waiting for input `slot` also waits for; none when no condition waits for it, or no such
    /// input is left.
    fn next_split(&self, facts: &[Value], slot: usize) -> Option<usize> {
        let path = self.policy.inputs.get(slot)?.path.as_str();
        let mut ev = Evaluator::new(self.policy, facts);
        let mut with: Vec<usize> = Vec::new();
        for (i, c) in self.policy.conclusions.iter().enumerate() {
            let Some(record) = ev.record(i) else {
                continue;
            };
            for j in 0..c.rules.len() {
                let Some(Verdict::Unknown(m)) = record.rule(j).map(|r| &r.verdict) else {
                    continue;
                };
                if !m.iter().any(|p| &**p == path) {
                    continue;
                }
                with.extend(m.iter().filter_map(|p| self.slots.get(&**p)).copied());
            }
        }
        with.retain(|&s| s != slot && super::answers(self.policy, s).is_some());
        with.into_iter().min()
    }
}

fn outcomes(conclusions: &Conclusions, wanted: &[usize]) -> Outcomes {
    wanted
        .iter()
        .map(|&i| {
            conclusions.0.get(i).map(|(_, c)| {
                let mut missing = c.missing.clone();
                if let Some(m) = &mut missing {
                    m.sort();
                }
                (c.status, c.value.clone(), missing)
            })
        })
        .collect()
}

/// Whether every branch has the same statuses and values (and, with `missing`, the same
/// missing facts).
fn all_same(branches: &[Outcomes], missing: bool) -> bool {
    let key = |o: &Outcomes| -> Outcomes {
        o.iter()
            .map(|x| {
                x.as_ref()
                    .map(|(s, v, m)| (*s, v.clone(), if missing { m.clone() } else { None }))
            })
            .collect()
    };
    let mut keys = branches.iter().map(key);
    let Some(first) = keys.next() else {
        return true;
    };
    keys.all(|k| k == first)
}
