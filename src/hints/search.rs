//! The search for changes: each place a conclusion reads is tried with the values it may take
//! (the other boolean, the other enum values, elements added to or removed from a list, a
//! missing list given whole, the thresholds an absent or missing number or date is compared
//! against) and, for a number or a date, the
//! nearest value in each direction that makes a difference, found by doubling the step and
//! then halving the interval (assuming the conclusion moves monotonically with the value). Every
//! try is one evaluation, counted against a budget.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::edit::{Edit, Loc, Made, What, at_position, get, position};
use super::sites::{Reads, Site};
use crate::ast::RuleKind;
use crate::eval::{Evaluator, Outcome};
use crate::model::{CompiledPolicy, Type, Value};

/// The most elements of a list input whose fields are tried.
pub const MAX_ELEMENTS: usize = 16;
/// The most doublings of the step when looking for the nearest number or date that makes a
/// difference: 2^14 days is about 45 years, 2^14 hundredths is 163.84.
const MAX_DOUBLINGS: u32 = 14;
/// The most thresholds tried for a number or a date that is absent.
const MAX_SEEDS: usize = 4;

/// What a change should reach.
#[derive(Clone, Debug, PartialEq)]
pub enum Goal {
    /// This value.
    Value(Value),
    /// Any value but this one.
    Other(Value),
}

impl Goal {
    /// True when `value` (none: undetermined or in error) reaches the goal.
    pub fn reached(&self, value: Option<&Value>) -> bool {
        match (self, value) {
            (Goal::Value(t), Some(v)) => t == v,
            (Goal::Other(o), Some(v)) => o != v,
            _ => false,
        }
    }
}

/// How far the facts are from the goal (lower is closer): the rules that held at the start and
/// still hold; then the missing facts that leave the conclusion, or one it depends on,
/// undetermined; then the members of sets that hold and did not.
///
/// The missing facts come second so that a record lacking what the conclusion needs can be
/// completed a fact at a time: once a change has undone what gave the unwanted value (the report
/// is now submitted), the conclusion is undetermined until each fact it then needs is given,
/// and each fact given is progress, even one that shows a defect a later change mends.
pub type Score = (usize, usize, usize);

/// What an evaluation of changed facts gives: the conclusion's value, and how far it is from
/// the goal (fewer is progress towards a change that needs several steps).
#[derive(Clone, Debug)]
pub struct Probe {
    /// The value, when decided.
    pub value: Option<Value>,
    /// The rules that held at the start and still hold, the missing facts, and the members
    /// that hold.
    pub score: Score,
}

/// A change that reaches the goal or makes progress (made on the facts searched from, it gives
/// them back: see [`super::edit::Made`]).
#[derive(Clone, Debug)]
pub struct Found {
    /// The change.
    pub edit: Edit,
    /// What the facts give once it is made.
    pub probe: Probe,
}

/// The search for one conclusion.
pub struct Searcher<'a> {
    policy: &'a CompiledPolicy,
    conclusion: usize,
    reads: &'a Reads,
    /// The rules (conclusion, rule) of the conclusions it depends on that held at the start.
    held: Vec<(usize, usize)>,
    /// Evaluations left.
    pub budget: usize,
}

/// The outcome of trying one value.
enum Tried {
    Accepted(Box<Found>),
    No,
    /// The value cannot be given (off the calendar, or the record would be invalid).
    Off,
    /// The budget is spent.
    Spent,
}

impl<'a> Searcher<'a> {
    /// A search for conclusion `conclusion`, which reads `reads`, from `facts`.
    pub fn new(
        policy: &'a CompiledPolicy,
        conclusion: usize,
        reads: &'a Reads,
        facts: &[Value],
        budget: usize,
    ) -> Searcher<'a> {
        let mut ev = Evaluator::new(policy, facts);
        let mut held = Vec::new();
        for &c in &reads.conclusions {
            let n = policy.conclusions.get(c).map_or(0, |c| c.rules.len());
            if let Some(record) = ev.record(c) {
                for r in 0..n {
                    if record
                        .rule(r)
                        .is_some_and(|r| r.condition == Ok(Value::Bool(true)))
                    {
                        held.push((c, r));
                    }
                }
            }
        }
        Searcher {
            policy,
            conclusion,
            reads,
            held,
            budget,
        }
    }

    /// The policy searched.
    pub fn policy(&self) -> &'a CompiledPolicy {
        self.policy
    }

    /// Evaluates the conclusion on `facts`; none once the budget is spent.
    pub fn probe(&mut self, facts: &[Value]) -> Option<Probe> {
        self.budget = self.budget.checked_sub(1)?;
        let mut ev = Evaluator::new(self.policy, facts);
        let value = match ev.outcome(self.conclusion) {
            Some(Outcome::Decided { value, .. }) => Some(value.clone()),
            _ => None,
        };
        let (held, members) = self.rules_held(&mut ev);
        Some(Probe {
            value,
            score: (held, self.missing(&mut ev), members),
        })
    }

    /// The rules that hold and held at the start; then the members of sets that hold and did
    /// not (a cause a set collects: a defect to be mended, when the set is one of defects).
    fn rules_held(&self, ev: &mut Evaluator<'_>) -> (usize, usize) {
        let mut score = (0, 0);
        for &c in &self.reads.conclusions {
            let Some(info) = self.policy.conclusions.get(c) else {
                continue;
            };
            for (r, rule) in info.rules.iter().enumerate() {
                let holds = ev
                    .record(c)
                    .and_then(|rec| rec.rule(r))
                    .is_some_and(|r| r.condition == Ok(Value::Bool(true)));
                if holds && self.held.contains(&(c, r)) {
                    score.0 += 1;
                } else if holds && (rule.kind == RuleKind::Member || info.is_set) {
                    score.1 += 1;
                }
            }
        }
        score
    }

    /// How many facts (input paths and parameters) the conclusion and those it depends on miss.
    fn missing(&self, ev: &mut Evaluator<'_>) -> usize {
        let mut missing: BTreeSet<Arc<str>> = BTreeSet::new();
        for &c in &self.reads.conclusions {
            if let Some(Outcome::Undetermined { missing: m, .. }) = ev.outcome(c) {
                missing.extend(m.iter().cloned());
            }
        }
        missing.len()
    }

    /// The single changes of `facts` that reach `goal` or bring the score under `score` (when
    /// given), leaving alone the places in `fixed`.
    pub fn changes(
        &mut self,
        facts: &mut [Value],
        goal: &Goal,
        score: Option<Score>,
        fixed: &[Loc],
    ) -> Vec<Found> {
        let mut out = Vec::new();
        let sites: Vec<Site> = self.reads.sites.iter().copied().collect();
        for site in sites {
            if self.budget == 0 {
                break;
            }
            match site {
                Site::Input(slot) => self.input(facts, slot, goal, score, fixed, &mut out),
                Site::Field(slot, f) => {
                    let ty = self.field_type(slot, false, f);
                    if let Some(ty) = ty {
                        self.scalar(
                            facts,
                            Loc::Field(slot, f),
                            &ty,
                            goal,
                            score,
                            fixed,
                            &mut out,
                        );
                    }
                }
                Site::Elements(slot, f) => {
                    let (Some(ty), Some(Value::List(items))) =
                        (self.field_type(slot, true, f), facts.get(slot))
                    else {
                        continue;
                    };
                    // The changes tried give each element back, so the list keeps its length.
                    let elements = items.len().min(MAX_ELEMENTS);
                    for i in 0..elements {
                        let loc = Loc::Element(slot, i, f);
                        self.scalar(facts, loc, &ty, goal, score, fixed, &mut out);
                    }
                }
            }
        }
        out
    }

    /// The type of field `f` of record input `slot` (or of its elements, for a list).
    fn field_type(&self, slot: usize, element: bool, f: usize) -> Option<Type> {
        let input = self.policy.inputs.get(slot)?;
        let record = if element {
            input.ty.element()?.base()
        } else {
            input.ty.base()
        };
        let Type::Record(r) = record else {
            return None;
        };
        let field = self.policy.types.records.get(*r)?.fields.get(f)?;
        Some(field.ty.clone())
    }

    fn input(
        &mut self,
        facts: &mut [Value],
        slot: usize,
        goal: &Goal,
        score: Option<Score>,
        fixed: &[Loc],
        out: &mut Vec<Found>,
    ) {
        let Some(info) = self.policy.inputs.get(slot) else {
            return;
        };
        let ty = info.ty.clone();
        if ty.element().is_none() {
            self.scalar(facts, Loc::Input(slot), &ty, goal, score, fixed, out);
            return;
        }
        let edits = match facts.get(slot) {
            Some(Value::List(items)) => self.list_edits(&ty, items),
            // A required list the record leaves out: given whole.
            Some(Value::Missing(_)) if !fixed.contains(&Loc::Input(slot)) => {
                self.filled_lists(&ty).into_iter().map(What::Set).collect()
            }
            _ => Vec::new(),
        };
        for what in edits {
            let edit = Edit {
                loc: Loc::Input(slot),
                what,
            };
            match self.attempt(facts, edit, goal, score) {
                Tried::Accepted(f) => out.push(*f),
                Tried::Spent => return,
                Tried::No | Tried::Off => {}
            }
        }
    }

    /// The changes of a list input of type `ty` holding `items`: for a list of enum values,
    /// each value added if it lacks it, removed if it holds it; for a list of records, each
    /// element removed.
    fn list_edits(&self, ty: &Type, items: &[Value]) -> Vec<What> {
        match ty.element().map(Type::base) {
            Some(Type::Enum(e)) => self
                .variants(*e)
                .into_iter()
                .map(|value| match items.iter().position(|i| *i == value) {
                    Some(at) => What::Remove(at),
                    None => What::Add(value),
                })
                .collect(),
            Some(Type::Record(_)) => (0..items.len().min(MAX_ELEMENTS))
                .map(What::Remove)
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The values a missing list input of type `ty` is tried with: for a list of enum values,
    /// every value (in the order the enum declares them), then none; for any other list, none.
    fn filled_lists(&self, ty: &Type) -> Vec<Value> {
        let whole = |items: Vec<Value>| match ty.base() {
            Type::Set(_) => Value::Set(items.into()),
            _ => Value::List(items.into()),
        };
        let mut out = Vec::new();
        if let Some(Type::Enum(e)) = ty.element().map(Type::base) {
            out.push(whole(self.variants(*e)));
        }
        out.push(whole(Vec::new()));
        out
    }

    /// The values of enum `e`, in the order it declares them.
    fn variants(&self, e: usize) -> Vec<Value> {
        let n = self
            .policy
            .types
            .enums
            .get(e)
            .map_or(0, |e| e.variants.len());
        let Ok(e) = u32::try_from(e) else {
            return Vec::new();
        };
        (0..n)
            .filter_map(|v| u32::try_from(v).ok())
            .map(|v| Value::Enum(e, v))
            .collect()
    }

    /// Tries the values of one place that holds a boolean, an enum, a number or a date.
    #[expect(
        clippy::too_many_arguments,
        reason = "the state of one step of the search, passed down unchanged"
    )]
    fn scalar(
        &mut self,
        facts: &mut [Value],
        loc: Loc,
        ty: &Type,
        goal: &Goal,
        score: Option<Score>,
        fixed: &[Loc],
        out: &mut Vec<Found>,
    ) {
        if fixed.contains(&loc) {
            return;
        }
        let current = get(facts, loc).cloned();
        let values: Vec<Value> = match (ty.base(), &current) {
            (Type::Bool, Some(Value::Bool(b))) => vec![Value::Bool(!b)],
            (Type::Bool, _) => vec![Value::Bool(false), Value::Bool(true)],
            (Type::Enum(e), _) => self
                .variants(*e)
                .into_iter()
                .filter(|v| current.as_ref() != Some(v))
                .collect(),
            (Type::Num { .. }, Some(v @ Value::Num(_)))
            | (Type::Date, Some(v @ Value::Date(_))) => {
                let integral = matches!(ty.base(), Type::Num { integral: true, .. });
                for dir in [1, -1] {
                    if let Some(f) = self.nearest(facts, loc, v, integral, dir, goal, score) {
                        out.push(f);
                    }
                }
                return;
            }
            (Type::Num { .. } | Type::Date, _) => {
                self.seeded(facts, loc, ty, goal, score, out);
                return;
            }
            _ => return,
        };
        for v in values {
            let edit = Edit {
                loc,
                what: What::Set(v),
            };
            match self.attempt(facts, edit, goal, score) {
                Tried::Accepted(f) => out.push(*f),
                Tried::Spent => return,
                Tried::No | Tried::Off => {}
            }
        }
    }

    /// An absent number or date: the thresholds it is compared against, then the nearest
    /// values around them.
    fn seeded(
        &mut self,
        facts: &mut [Value],
        loc: Loc,
        ty: &Type,
        goal: &Goal,
        score: Option<Score>,
        out: &mut Vec<Found>,
    ) {
        let site = match loc {
            Loc::Input(s) => Site::Input(s),
            Loc::Field(s, f) => Site::Field(s, f),
            Loc::Element(s, _, f) => Site::Elements(s, f),
        };
        let integral = matches!(ty.base(), Type::Num { integral: true, .. });
        let seeds: Vec<Value> = self
            .reads
            .thresholds
            .iter()
            .filter(|(s, v)| {
                *s == site
                    && matches!(
                        (ty.base(), v),
                        (Type::Date, Value::Date(_)) | (Type::Num { .. }, Value::Num(_))
                    )
            })
            .map(|(_, v)| v.clone())
            .take(MAX_SEEDS)
            .collect();
        for seed in seeds {
            let edit = Edit {
                loc,
                what: What::Set(seed.clone()),
            };
            match self.attempt(facts, edit, goal, score) {
                Tried::Accepted(f) => out.push(*f),
                Tried::Spent => return,
                Tried::No | Tried::Off => {
                    // From the seed, the nearest value that does; the change found sets the
                    // place, so it is the same made on the record as it is.
                    let seeded = Edit {
                        loc,
                        what: What::Set(seed.clone()),
                    };
                    for dir in [1, -1] {
                        let mut made = Made::default();
                        if made.make(self.policy, facts, &seeded).is_none() {
                            continue;
                        }
                        let found = self.nearest(facts, loc, &seed, integral, dir, goal, score);
                        made.undo(facts);
                        if let Some(f) = found {
                            out.push(f);
                            break;
                        }
                    }
                }
            }
        }
    }

    /// The nearest value of a number or a date from `start`, in direction `dir`, that reaches
    /// the goal or makes progress: doubling the step until one does, then halving the interval.
    #[expect(
        clippy::too_many_arguments,
        reason = "the state of one step of the search, passed down unchanged"
    )]
    fn nearest(
        &mut self,
        facts: &mut [Value],
        loc: Loc,
        start: &Value,
        integral: bool,
        dir: i64,
        goal: &Goal,
        score: Option<Score>,
    ) -> Option<Found> {
        let origin = position(start, integral)?;
        let mut probe =
            |s: &mut Self, k: i64| s.at(facts, loc, start, integral, origin + dir * k, goal, score);
        let mut lo = 0i64;
        let mut step = 1i64;
        let mut hit = None;
        'doubling: for _ in 0..MAX_DOUBLINGS {
            match probe(self, step) {
                Tried::Accepted(f) => {
                    hit = Some(f);
                    break;
                }
                Tried::No => {
                    lo = step;
                    step *= 2;
                }
                Tried::Spent => return None,
                // Past the edge (below zero, off the calendar, a record made invalid): the
                // farthest value this side of it is tried instead.
                Tried::Off => loop {
                    step = lo + (step - lo) / 2;
                    if step <= lo {
                        return None;
                    }
                    match probe(self, step) {
                        Tried::Accepted(f) => {
                            hit = Some(f);
                            break 'doubling;
                        }
                        Tried::Off => {}
                        Tried::No | Tried::Spent => return None,
                    }
                },
            }
        }
        let mut found = hit?;
        let mut hi = step;
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            match probe(self, mid) {
                Tried::Accepted(f) => {
                    hi = mid;
                    found = f;
                }
                Tried::No | Tried::Off => lo = mid,
                Tried::Spent => break,
            }
        }
        Some(*found)
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "the state of one step of the search, passed down unchanged"
    )]
    fn at(
        &mut self,
        facts: &mut [Value],
        loc: Loc,
        like: &Value,
        integral: bool,
        pos: i64,
        goal: &Goal,
        score: Option<Score>,
    ) -> Tried {
        let Some(value) = at_position(like, integral, pos) else {
            return Tried::Off;
        };
        let edit = Edit {
            loc,
            what: What::Set(value),
        };
        self.attempt(facts, edit, goal, score)
    }

    /// Makes `edit` and evaluates: accepted when it reaches the goal or makes progress.
    fn attempt(
        &mut self,
        facts: &mut [Value],
        edit: Edit,
        goal: &Goal,
        score: Option<Score>,
    ) -> Tried {
        let mut made = Made::default();
        if made.make(self.policy, facts, &edit).is_none() {
            return Tried::Off;
        }
        let probe = self.probe(facts);
        made.undo(facts);
        let Some(probe) = probe else {
            return Tried::Spent;
        };
        if goal.reached(probe.value.as_ref()) || score.is_some_and(|s| probe.score < s) {
            Tried::Accepted(Box::new(Found { edit, probe }))
        } else {
            Tried::No
        }
    }
}
