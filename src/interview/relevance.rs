//! Whether the answer to an unanswered input can change a wanted conclusion.
//!
//! Deciding with each value of a boolean or enum input and comparing is not enough: `kind` in
//! `kind = school and school_ok` / `kind = work and work_ok` leaves the conclusion undetermined
//! whatever its value, yet decides which question follows. So when every value gives the same
//! statuses and values, the search supposes values for another unanswered boolean or enum input
//! that a condition waiting for this one also waits for (from the condition waiting for the
//! fewest facts), and compares again in each branch. Where no such input is left, the branches
//! are compared with their missing facts too (which inputs would still be needed). An input of
//! another type (a number, a date, a list) matters when some supposition of the boolean and
//! enum inputs waiting with it leaves a condition waiting for it: answering « scolaire » decides
//! that the proof is a certificate or an exemption, so no condition waits for the employment
//! records any more. The search makes at most [`SEARCH`] evaluations per input; past that, the
//! input is taken to matter (asked rather than silently dropped).
//!
//! A condition that compares a conclusion which only numbers, dates or lists leave open keeps
//! waiting for the inputs it reads: those may then be asked although no answer can change it.

use std::collections::HashMap;

use crate::decision::{Conclusions, Datum, Status};
use crate::eval::{Evaluator, Verdict};
use crate::hints::sites::Readers;
use crate::model::{Lang, Value};
use crate::prepared::Prepared;

/// Most evaluations (decisions, or three-valued passes) the search makes for one input.
pub const SEARCH: usize = 64;

/// The status, value and (when `missing`) missing facts of each wanted conclusion.
type Outcomes = Vec<Option<(Status, Datum, Option<Vec<String>>)>>;

/// The search for one interview: the policy, the wanted conclusions, the inputs by path.
pub(super) struct Search<'a> {
    policy: &'a Prepared,
    wanted: &'a [usize],
    slots: HashMap<&'a str, usize>,
    readers: Readers,
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
            readers: Readers::of(policy),
        }
    }

    /// Whether the answer to input `slot` can give a wanted conclusion another result on
    /// `facts`: for a boolean or enum (`values`), whether some answers differ; for another type,
    /// whether some supposition about the boolean and enum inputs that wait with it leaves a
    /// condition waiting for it. True when the search runs out of budget. The search supposes
    /// values in `facts` and gives each back its own before it returns, so that one copy of
    /// the facts serves every input an interview weighs (a copy each cost the square of the
    /// inputs of a large policy).
    pub(super) fn can_change(
        &self,
        facts: &mut Vec<Value>,
        slot: usize,
        values: Option<&[Value]>,
    ) -> bool {
        let mut budget = SEARCH;
        let readers = self.readers.of_input(slot);
        let wanted = (self.wanted.iter())
            .copied()
            .filter(|i| readers.binary_search(i).is_ok())
            .collect();
        let weighed = Weighed {
            slot,
            readers,
            wanted,
        };
        match values {
            Some(values) => self.differs(facts, &weighed, values, &mut budget),
            None => self.waited(facts, &weighed, &mut budget),
        }
        .unwrap_or(true)
    }

    /// None when the budget ran out.
    fn differs(
        &self,
        facts: &mut Vec<Value>,
        weighed: &Weighed,
        values: &[Value],
        budget: &mut usize,
    ) -> Option<bool> {
        let branches = self.branches(facts, weighed, values, budget)?;
        if !all_same(&branches, false) {
            return Some(true);
        }
        match self.next_split(facts, weighed) {
            Wait::Split(next) => self.any_branch(facts, next, budget, |s, f, b| {
                s.differs(f, weighed, values, b)
            }),
            Wait::Waited | Wait::Not => Some(!all_same(&branches, true)),
        }
    }

    /// Whether some condition still waits for input `slot` once the boolean and enum inputs
    /// that wait with it have values; none when the budget ran out.
    fn waited(
        &self,
        facts: &mut Vec<Value>,
        weighed: &Weighed,
        budget: &mut usize,
    ) -> Option<bool> {
        *budget = budget.checked_sub(1)?;
        match self.next_split(facts, weighed) {
            Wait::Split(next) => {
                self.any_branch(facts, next, budget, |s, f, b| s.waited(f, weighed, b))
            }
            Wait::Waited => Some(true),
            Wait::Not => Some(false),
        }
    }

    /// Whether `test` holds with some value of input `next` (restored afterwards).
    fn any_branch(
        &self,
        facts: &mut Vec<Value>,
        next: usize,
        budget: &mut usize,
        test: impl Fn(&Self, &mut Vec<Value>, &mut usize) -> Option<bool>,
    ) -> Option<bool> {
        let saved = facts.get(next)?.clone();
        let mut found = Some(false);
        for v in super::answers(self.policy, next).unwrap_or_default() {
            if let Some(f) = facts.get_mut(next) {
                *f = v;
            }
            match test(self, facts, budget) {
                Some(false) => {}
                other => {
                    found = other;
                    break;
                }
            }
        }
        if let Some(f) = facts.get_mut(next) {
            *f = saved;
        }
        found
    }

    /// The outcomes of deciding `facts` with each of `values` for input `slot`.
    fn branches(
        &self,
        facts: &mut [Value],
        weighed: &Weighed,
        values: &[Value],
        budget: &mut usize,
    ) -> Option<Vec<Outcomes>> {
        let (slot, only) = (weighed.slot, &weighed.wanted);
        let saved = facts.get(slot)?.clone();
        let mut out = Some(Vec::with_capacity(values.len()));
        for v in values {
            let (Some(left), Some(found)) = (budget.checked_sub(1), out.as_mut()) else {
                out = None;
                break;
            };
            *budget = left;
            if let Some(f) = facts.get_mut(slot) {
                *f = v.clone();
            }
            if only.is_empty() {
                found.push(Vec::new());
                continue;
            }
            let d = crate::decision::decide_only(
                self.policy,
                facts,
                "",
                Some(only),
                (false, true),
                Lang::En,
            );
            found.push(outcomes(&d.conclusions));
        }
        if let Some(f) = facts.get_mut(slot) {
            *f = saved;
        }
        out
    }

    /// Whether a condition waits for input `slot`, and the next input to suppose values for:
    /// an unanswered boolean or enum input that such a condition also waits for, from the
    /// condition that waits for the fewest facts (the most specific: a condition that reads a
    /// whole conclusion waits for all its facts), the first declared.
    fn next_split(&self, facts: &[Value], weighed: &Weighed) -> Wait {
        let slot = weighed.slot;
        let Some(path) = self.policy.inputs.get(slot).map(|i| i.path.as_str()) else {
            return Wait::Not;
        };
        let mut ev = Evaluator::new(self.policy, facts);
        let mut waiting: Vec<Vec<usize>> = Vec::new();
        // Only a conclusion that reads the input can wait for it.
        for &i in &weighed.readers {
            let Some(c) = self.policy.conclusions.get(i) else {
                continue;
            };
            let Some(record) = ev.record(i) else {
                continue;
            };
            for j in 0..c.rules.len() {
                let Some(Verdict::Unknown(m)) = record.rule(j).map(|r| &r.verdict) else {
                    continue;
                };
                if m.iter().any(|p| &**p == path) {
                    waiting.push(
                        m.iter()
                            .filter_map(|p| self.slots.get(&**p))
                            .copied()
                            .collect(),
                    );
                }
            }
        }
        if waiting.is_empty() {
            return Wait::Not;
        }
        waiting.sort_by_key(Vec::len);
        waiting
            .into_iter()
            .find_map(|with| {
                with.into_iter()
                    .filter(|&s| s != slot && super::answers(self.policy, s).is_some())
                    .min()
            })
            .map_or(Wait::Waited, Wait::Split)
    }
}

/// The input being weighed, with the conclusions that read it (found once per input).
struct Weighed {
    slot: usize,
    /// The conclusions that read it, directly or not ([`Readers::of_input`]).
    readers: Vec<usize>,
    /// The wanted ones among them: the others have the same outcome whatever its value, so
    /// only these are decided (a code of thousands of conclusions was decided whole for each
    /// value of each input an interview might ask).
    wanted: Vec<usize>,
}

/// What waits for an input.
enum Wait {
    /// No undecided condition.
    Not,
    /// Undecided conditions, with no boolean or enum input left to suppose.
    Waited,
    /// Undecided conditions; suppose values for this input next.
    Split(usize),
}

fn outcomes(conclusions: &Conclusions) -> Outcomes {
    conclusions
        .0
        .iter()
        .map(|(_, c)| {
            let mut missing = c.missing.clone();
            if let Some(m) = &mut missing {
                m.sort();
            }
            Some((c.status, c.value.clone(), missing))
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
