//! Settling an undetermined conclusion: three-valued logic leaves undetermined what no missing
//! fact can change (a report whose parts are unknown but whose legal analysis is 1.5 pages is
//! non-conforming either way: with the part, its length is out of bounds; without it, the part
//! is missing). Here the conclusion is evaluated again under suppositions about the missing
//! facts, splitting on one at a time, until every branch is decided; when all branches agree,
//! the conclusion is decided whatever the facts are. As soon as a branch leaves it undetermined
//! or gives it another value, it drops out and its three-valued answer stands.
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
//! evaluations per decision; past that, the three-valued answers stand. A value (not a test)
//! that reads a missing fact is never split: such a branch stays undetermined.

use std::sync::Arc;

use crate::eval::{EvalError, Evaluator, Outcome, Source, Stop};
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
        /// The parameters and definitions those rules read in some branch (see
        /// [`Evaluator::add_sources`]).
        sources: Vec<Source>,
    },
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
/// left undetermined: for each, in the same order, its settled result, or none when some value
/// of its missing facts leaves it undetermined or gives it another value (or the budget ran
/// out): its three-valued answer then stands. They are settled together, each supposition
/// evaluating all those still open at once; a conclusion found undetermined drops out.
pub fn settle(
    policy: &CompiledPolicy,
    facts: &[Value],
    conclusions: &[usize],
) -> Vec<Option<Settled>> {
    let mut budget = BUDGET;
    explore(
        policy,
        facts,
        conclusions,
        &Hypotheses::default(),
        &mut budget,
    )
    .unwrap_or_else(|| vec![None; conclusions.len()])
}

fn explore(
    policy: &CompiledPolicy,
    facts: &[Value],
    conclusions: &[usize],
    hypotheses: &Hypotheses,
    budget: &mut usize,
) -> Option<Vec<Option<Settled>>> {
    *budget = budget.checked_sub(1)?;
    let mut ev = Evaluator::new(policy, facts);
    ev.hypotheses = Some(Box::new(hypotheses.clone()));
    let outcomes: Vec<Outcome> = conclusions.iter().map(|&i| ev.conclusion(i)).collect();
    // A conclusion decided here stays so under any further supposition (three-valued logic
    // only loses unknowns): only the undetermined ones are split further.
    let mut out: Vec<Option<Settled>> = conclusions
        .iter()
        .zip(outcomes)
        .map(|(&i, o)| leaf(&ev, i, o))
        .collect();
    let next = ev.hypotheses.and_then(|h| h.next);
    let open: Vec<usize> = (0..out.len())
        .filter(|&k| matches!(out.get(k), Some(None)))
        .collect();
    let Some(point) = next.filter(|_| !open.is_empty()) else {
        return Some(out);
    };
    let mut agreed: Vec<Agreed> = vec![Agreed::Nothing; open.len()];
    for value in values(policy, &point) {
        let mut h = hypotheses.clone();
        match (&point, value) {
            (Point::Input(slot, _), v) => h.inputs.push((*slot, v)),
            (Point::Atom(key, _), Value::Bool(b)) => h.atoms.push((key.clone(), b)),
            (Point::Member(slot, x, _), Value::Bool(b)) => h.members.push(((*slot, x.clone()), b)),
            (Point::Atom(..) | Point::Member(..), _) => return None,
        }
        // Those found undetermined already drop out of the branches still to explore.
        let alive: Vec<usize> = (0..open.len())
            .filter(|&j| !matches!(agreed.get(j), Some(Agreed::No)))
            .collect();
        if alive.is_empty() {
            break;
        }
        let still: Vec<usize> = alive
            .iter()
            .filter_map(|&j| open.get(j).and_then(|&k| conclusions.get(k)).copied())
            .collect();
        let results = explore(policy, facts, &still, &h, budget)?;
        for (&j, result) in alive.iter().zip(results) {
            if let Some(a) = agreed.get_mut(j) {
                *a = std::mem::replace(a, Agreed::No).with(result);
            }
        }
    }
    let facts_of_point: Vec<Arc<str>> = match &point {
        Point::Input(_, path) => vec![Arc::clone(path)],
        Point::Atom(_, missing) | Point::Member(_, _, missing) => missing.clone(),
    };
    for (j, &k) in open.iter().enumerate() {
        if let (Some(slot), Some(a)) = (out.get_mut(k), agreed.get_mut(j)) {
            *slot = std::mem::replace(a, Agreed::No).settled(&facts_of_point);
        }
    }
    Some(out)
}

/// Conclusion `i`'s result where no more supposition is made: none when undetermined.
fn leaf(ev: &Evaluator<'_>, i: usize, outcome: Outcome) -> Option<Settled> {
    match outcome {
        Outcome::Decided { value, rules } => {
            let mut sources = Vec::new();
            for &r in &rules {
                ev.add_sources(i, r, &mut sources);
            }
            Some(Settled::Decided {
                value,
                rules,
                over: Vec::new(),
                sources,
            })
        }
        Outcome::Error { error, .. } => Some(Settled::Error(error)),
        Outcome::Undetermined { .. } => None,
    }
}

/// What the branches of a point agree on so far, for one conclusion.
#[derive(Clone, Debug)]
enum Agreed {
    /// No branch yet.
    Nothing,
    /// Every branch so far gave this.
    Yes(Settled),
    /// Two branches differ, or one is undetermined.
    No,
}

impl Agreed {
    fn with(self, branch: Option<Settled>) -> Agreed {
        match (self, branch) {
            (Agreed::Nothing, Some(b)) => Agreed::Yes(b),
            (
                Agreed::Yes(Settled::Decided {
                    value,
                    mut rules,
                    mut over,
                    mut sources,
                }),
                Some(Settled::Decided {
                    value: v,
                    rules: r,
                    over: o,
                    sources: s,
                }),
            ) if value == v => {
                for i in r {
                    if !rules.contains(&i) {
                        rules.push(i);
                    }
                }
                add(&mut over, &o);
                for x in s {
                    if !sources.contains(&x) {
                        sources.push(x);
                    }
                }
                Agreed::Yes(Settled::Decided {
                    value,
                    rules,
                    over,
                    sources,
                })
            }
            (Agreed::Yes(Settled::Error(e)), Some(Settled::Error(f))) if e == f => {
                Agreed::Yes(Settled::Error(e))
            }
            _ => Agreed::No,
        }
    }

    /// The result once every branch is in: the agreed one, settled over `facts` too.
    fn settled(self, facts: &[Arc<str>]) -> Option<Settled> {
        match self {
            Agreed::Yes(Settled::Decided {
                value,
                mut rules,
                mut over,
                sources,
            }) => {
                add(&mut over, facts);
                over.sort();
                rules.sort_unstable();
                Some(Settled::Decided {
                    value,
                    rules,
                    over,
                    sources,
                })
            }
            Agreed::Yes(e @ Settled::Error(_)) => Some(e),
            Agreed::Nothing | Agreed::No => None,
        }
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

fn add(to: &mut Vec<Arc<str>>, more: &[Arc<str>]) {
    for m in more {
        if !to.contains(m) {
            to.push(Arc::clone(m));
        }
    }
}
