//! Settling an undetermined conclusion: three-valued logic leaves undetermined what no missing
//! fact can change (a report whose parts are unknown but whose legal analysis is 1.5 pages is
//! non-conforming either way: with the part, its length is out of bounds; without it, the part
//! is missing). Here the conclusion is evaluated again under suppositions about the missing
//! facts, splitting on one at a time, until every branch is decided; when all branches agree,
//! the conclusion is decided whatever the facts are.
//!
//! What is split on:
//! - a missing input of a finite type (a boolean, an enum): each of its values, so that every
//!   reading of the input sees the same supposed value;
//! - the membership of a value in a missing list input (`activites in report.parts`): in, then
//!   out, the same for every test of it;
//! - any other boolean test that reads a missing fact (a comparison with a number or a date, a
//!   membership in an unknown list, a field of a list element): true, then false. Two tests of
//!   one fact are split independently, which may explore impossible combinations (`x > 5` true
//!   and `x > 3` false): that can only leave undetermined what is in fact decided, never the
//!   reverse.
//!
//! The conclusions a decision leaves undetermined are settled together: each supposition
//! evaluates all those still open at once. The work is bounded: at most [`BUDGET`] such
//! evaluations per decision; past that, the three-valued answers stand. A value (not a test) that reads a missing fact is never split:
//! such a branch stays undetermined.

use std::sync::Arc;

use crate::eval::{EvalError, Evaluator, Outcome, Stop};
use crate::model::{CompiledPolicy, Ir, Type, Value};

/// The most evaluations spent settling the undetermined conclusions of one decision.
pub const BUDGET: usize = 128;

/// What a conclusion comes to over every value of its missing facts.
#[derive(Clone, Debug, PartialEq)]
pub enum Settled {
    /// The same value whatever the missing facts are, given by these rules (indices in the
    /// conclusion, the union over the branches).
    Decided {
        /// The value.
        value: Value,
        /// The rules that gave it in some branch.
        rules: Vec<usize>,
        /// The missing facts it was settled over.
        over: Vec<Arc<str>>,
    },
    /// Still undetermined: the missing facts that can change it.
    Undetermined(Vec<Arc<str>>),
    /// Every branch fails the same way.
    Error(EvalError),
}

/// A supposition to make next.
#[derive(Clone, Debug, PartialEq)]
enum Point {
    /// A missing input of a finite type, by slot.
    Input(usize, Arc<str>),
    /// A boolean test, by node and local values, and the facts it misses.
    Atom(Key, Vec<Arc<str>>),
    /// The membership of a value in a missing list input, by slot.
    Member(usize, Value, Vec<Arc<str>>),
}

/// A test in a context: the node's address and the locals of its frame.
type Key = (usize, Vec<Value>);

/// The suppositions of one branch, and the first missing fact met without one.
#[derive(Clone, Debug, Default)]
pub struct Hypotheses {
    inputs: Vec<(usize, Value)>,
    atoms: Vec<(Key, bool)>,
    members: Vec<((usize, Value), bool)>,
    next: Option<Point>,
}

impl Hypotheses {
    /// The supposed value of missing input `slot`; notes it as the next point to split on if
    /// it has none and its type is finite.
    pub(super) fn input(
        &mut self,
        policy: Option<&CompiledPolicy>,
        slot: usize,
        path: &Arc<str>,
    ) -> Result<Value, Stop> {
        if let Some((_, v)) = self.inputs.iter().find(|(s, _)| *s == slot) {
            return Ok(v.clone());
        }
        let finite = policy
            .and_then(|p| p.inputs.get(slot))
            .is_some_and(|i| matches!(i.ty.base(), Type::Bool | Type::Enum(_)));
        if finite && self.next.is_none() {
            self.next = Some(Point::Input(slot, Arc::clone(path)));
        }
        Err(Stop::Missing(vec![Arc::clone(path)]))
    }

    /// The supposed truth of a test that misses `missing`; notes it as the next point to
    /// split on if it has none.
    pub(super) fn atom(
        &mut self,
        code: &Ir,
        locals: &[Value],
        missing: Vec<Arc<str>>,
    ) -> Result<bool, Stop> {
        let node = std::ptr::from_ref(code) as usize;
        if let Some((_, b)) = self
            .atoms
            .iter()
            .find(|((n, l), _)| *n == node && l.as_slice() == locals)
        {
            return Ok(*b);
        }
        if self.next.is_none() {
            self.next = Some(Point::Atom((node, locals.to_vec()), missing.clone()));
        }
        Err(Stop::Missing(missing))
    }
}

/// Settles the conclusions `conclusions` of `policy` on `facts`, which three-valued evaluation
/// left undetermined: their results, in the same order. They are settled together, each
/// supposition evaluating all those still open at once; none when the budget runs out.
pub fn settle(
    policy: &CompiledPolicy,
    facts: &[Value],
    conclusions: &[usize],
) -> Option<Vec<Settled>> {
    let mut budget = BUDGET;
    explore(
        policy,
        facts,
        conclusions,
        &Hypotheses::default(),
        &mut budget,
    )
}

fn explore(
    policy: &CompiledPolicy,
    facts: &[Value],
    conclusions: &[usize],
    hypotheses: &Hypotheses,
    budget: &mut usize,
) -> Option<Vec<Settled>> {
    *budget = budget.checked_sub(1)?;
    let mut ev = Evaluator::new(policy, facts);
    ev.hypotheses = Some(Box::new(hypotheses.clone()));
    let outcomes: Vec<Outcome> = conclusions.iter().map(|&i| ev.conclusion(i)).collect();
    let next = ev.hypotheses.and_then(|h| h.next);
    // What more suppositions decide: those still undetermined here. A conclusion decided here
    // stays so under any further supposition (three-valued logic only loses unknowns).
    let open: Vec<usize> = (0..outcomes.len())
        .filter(|&k| matches!(outcomes.get(k), Some(Outcome::Undetermined { .. })))
        .collect();
    let Some(point) = next.filter(|_| !open.is_empty()) else {
        return Some(outcomes.into_iter().map(leaf).collect());
    };
    let still: Vec<usize> = open
        .iter()
        .filter_map(|&k| conclusions.get(k).copied())
        .collect();
    let mut branches: Vec<Vec<Settled>> = Vec::new();
    for value in values(policy, &point) {
        let mut h = hypotheses.clone();
        match (&point, value) {
            (Point::Input(slot, _), v) => h.inputs.push((*slot, v)),
            (Point::Atom(key, _), Value::Bool(b)) => h.atoms.push((key.clone(), b)),
            (Point::Member(slot, x, _), Value::Bool(b)) => h.members.push(((*slot, x.clone()), b)),
            (Point::Atom(..) | Point::Member(..), _) => return None,
        }
        branches.push(explore(policy, facts, &still, &h, budget)?);
    }
    let mut out: Vec<Settled> = outcomes.into_iter().map(leaf).collect();
    for (j, &k) in open.iter().enumerate() {
        let results = branches.iter().filter_map(|b| b.get(j).cloned()).collect();
        if let Some(slot) = out.get_mut(k) {
            *slot = combine(results, &point);
        }
    }
    Some(out)
}

/// A conclusion's result where no supposition is made any more.
fn leaf(outcome: Outcome) -> Settled {
    match outcome {
        Outcome::Decided { value, rules } => Settled::Decided {
            value,
            rules,
            over: Vec::new(),
        },
        Outcome::Error { error, .. } => Settled::Error(error),
        Outcome::Undetermined { missing, .. } => Settled::Undetermined(missing),
    }
}

impl Hypotheses {
    /// The supposed membership of `x` in missing list input `slot`; notes it as the next point
    /// to split on if it has none.
    pub(super) fn member(
        &mut self,
        slot: usize,
        x: &Value,
        missing: &[Arc<str>],
    ) -> Result<bool, Stop> {
        if let Some((_, b)) = self.members.iter().find(|((s, v), _)| *s == slot && v == x) {
            return Ok(*b);
        }
        if self.next.is_none() {
            self.next = Some(Point::Member(slot, x.clone(), missing.to_vec()));
        }
        Err(Stop::Missing(missing.to_vec()))
    }
}

/// The values a point is split into.
fn values(policy: &CompiledPolicy, point: &Point) -> Vec<Value> {
    match point {
        Point::Input(slot, _) => match policy.inputs.get(*slot).map(|i| i.ty.base()) {
            Some(Type::Bool) => vec![Value::Bool(false), Value::Bool(true)],
            Some(Type::Enum(e)) => {
                let n = policy.types.enums.get(*e).map_or(0, |en| en.variants.len());
                let (Ok(e), Ok(n)) = (u32::try_from(*e), u32::try_from(n)) else {
                    return Vec::new();
                };
                (0..n).map(|i| Value::Enum(e, i)).collect()
            }
            _ => Vec::new(),
        },
        Point::Atom(..) | Point::Member(..) => vec![Value::Bool(true), Value::Bool(false)],
    }
}

/// One result for the branches of a point: theirs when they agree, else undetermined over
/// what the branches miss and the point's own facts.
fn combine(branches: Vec<Settled>, point: &Point) -> Settled {
    let facts: Vec<Arc<str>> = match point {
        Point::Input(_, path) => vec![Arc::clone(path)],
        Point::Atom(_, missing) | Point::Member(_, _, missing) => missing.clone(),
    };
    let mut iter = branches.into_iter();
    let Some(first) = iter.next() else {
        return Settled::Undetermined(facts);
    };
    let mut agreed = Some(first);
    let mut missing = facts.clone();
    for b in iter {
        if let Settled::Undetermined(m) = &b {
            add(&mut missing, m);
        }
        agreed = match (agreed, b) {
            (
                Some(Settled::Decided {
                    value,
                    mut rules,
                    mut over,
                }),
                Settled::Decided {
                    value: v,
                    rules: r,
                    over: o,
                },
            ) if value == v => {
                for i in r {
                    if !rules.contains(&i) {
                        rules.push(i);
                    }
                }
                add(&mut over, &o);
                Some(Settled::Decided { value, rules, over })
            }
            (Some(Settled::Error(e)), Settled::Error(f)) if e == f => Some(Settled::Error(e)),
            (Some(Settled::Undetermined(m)), _) => {
                add(&mut missing, &m);
                None
            }
            _ => None,
        };
    }
    match agreed {
        Some(Settled::Decided {
            value,
            mut rules,
            mut over,
        }) => {
            add(&mut over, &facts);
            over.sort();
            rules.sort_unstable();
            Settled::Decided { value, rules, over }
        }
        Some(Settled::Undetermined(m)) => {
            add(&mut missing, &m);
            missing.sort();
            Settled::Undetermined(missing)
        }
        Some(e @ Settled::Error(_)) => e,
        None => {
            missing.sort();
            Settled::Undetermined(missing)
        }
    }
}

fn add(to: &mut Vec<Arc<str>>, more: &[Arc<str>]) {
    for m in more {
        if !to.contains(m) {
            to.push(Arc::clone(m));
        }
    }
}
