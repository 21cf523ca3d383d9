//! Evaluation: facts in, conclusions out. Total (no recursion in policies, no unbounded loop)
//! and three-valued: a missing fact makes unknown only what needs it.

mod error;
pub mod explain;
pub mod settle;
pub mod words;

pub use error::EvalError;

use std::sync::Arc;

use chrono::{Days, Months, NaiveDate};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::ast::Aggregate;
use crate::model::*;

/// The stack an evaluation may need between two definitions or conclusions (an expression up to
/// [`MAX_DEPTH`](crate::syntax::MAX_DEPTH) deep takes under 1 MiB in a release build): below
/// it, the evaluation goes on in a segment of [`STACK_SEGMENT`] on the heap, so that a chain of
/// definitions reading each other is bounded by memory, not by the thread's stack.
const RED_ZONE: usize = 1 << 20;
const STACK_SEGMENT: usize = 8 << 20;

/// Why an expression has no value.
#[derive(Clone, Debug, PartialEq)]
pub enum Stop {
    /// It needs facts (input paths or parameters) that are missing.
    Missing(Vec<Arc<str>>),
    /// It cannot be computed (a conflict, an overflow, a date out of range).
    Error(EvalError),
}

impl Stop {
    fn merge(self, other: Stop) -> Stop {
        match (self, other) {
            (Stop::Missing(mut a), Stop::Missing(b)) => {
                for m in b {
                    if !a.contains(&m) {
                        a.push(m);
                    }
                }
                Stop::Missing(a)
            }
            (e @ Stop::Error(_), _) | (_, e @ Stop::Error(_)) => e,
        }
    }
}

/// An expression's value, or why it has none.
pub type Res = Result<Value, Stop>;

/// The result of one conclusion.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Its value, with the rules that gave it (for a set, the members that applied).
    Decided {
        /// The value.
        value: Value,
        /// Indices of the rules behind it.
        rules: Vec<usize>,
    },
    /// It needs missing facts.
    Undetermined {
        /// The missing input paths and parameters, sorted.
        missing: Vec<Arc<str>>,
        /// For a set: the members that certainly belong to it (it may hold more).
        known: Vec<Value>,
    },
    /// It has no value: a conflict, no applicable rule, or a computation error.
    Error {
        /// What went wrong.
        error: EvalError,
        /// The rules involved.
        rules: Vec<usize>,
    },
}

/// What became of one rule of a conclusion, recorded while deciding it.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// It gave the value (for a set: its member belongs to the set).
    Applied,
    /// Its condition holds, but an exception that holds (this rule, by index) overrides it.
    Overridden(usize),
    /// Its condition is false.
    NotApplicable,
    /// Its condition needs these missing facts.
    Unknown(Vec<Arc<str>>),
    /// Its condition holds, but the conclusion stays undetermined: an exception to it, or its
    /// value, cannot be decided.
    Pending,
    /// Its condition holds, but the conclusion failed (a conflict, an error in another rule).
    InError,
    /// Its condition, or its value, could not be computed.
    Failed(EvalError),
}

/// A named fact that a condition read, recorded while it was evaluated: what `because` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FactRef {
    /// A declared input, by slot.
    Input(usize),
    /// A field of a record input: the slot, the field.
    Field(usize, u32),
    /// A field of an element of a list input: the slot, the element, the field.
    Element(usize, u32, u32),
    /// A parameter.
    Param(usize),
    /// A definition without parameters.
    Def(usize),
    /// A conclusion.
    Conclusion(usize),
}

/// A parameter or a definition that a rule read while it was decided: the decision cites its
/// clauses beside the rule's (`"via": "parameter minimum_reduced_weeks"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// A parameter.
    Param(usize),
    /// A definition, with or without parameters.
    Def(usize),
}

/// A conclusion once decided: its outcome, and what became of each of its rules.
#[derive(Clone, Debug)]
pub struct Record {
    /// The outcome.
    pub outcome: Outcome,
    rules: Vec<RuleRecord>,
}

/// One rule of a decided conclusion.
#[derive(Clone, Debug)]
pub struct RuleRecord {
    /// The value of its condition (true when it has none).
    pub condition: Res,
    /// What became of it.
    pub verdict: Verdict,
    /// The exception that holds and overrides it, if any.
    overridden_by: Option<usize>,
    /// The facts its condition read (deciding ones only: for `and`/`or`, the side that
    /// decided), as a range of the evaluator's arena.
    reads: (u32, u32),
    /// The parameters and definitions its condition read (as `reads`, the deciding side of an
    /// `and`/`or`), then its value, as ranges of the evaluator's arena of sources.
    sources: [(u32, u32); 2],
}

impl RuleRecord {
    fn holds(&self) -> bool {
        matches!(self.condition, Ok(Value::Bool(true)))
    }

    /// It may give the value: its condition is not false and no exception that holds
    /// overrides it.
    fn is_candidate(&self) -> bool {
        !matches!(self.condition, Ok(Value::Bool(false))) && self.overridden_by.is_none()
    }
}

impl Record {
    /// Rule `i`.
    pub fn rule(&self, i: usize) -> Option<&RuleRecord> {
        self.rules.get(i)
    }
}

/// One evaluation of a policy on one candidate's facts.
pub struct Evaluator<'p> {
    policy: Option<&'p CompiledPolicy>,
    facts: &'p [Value],
    defs: Vec<Option<Res>>,
    /// By conclusion: where its record is in `records`, plus one; 0 while it is not decided.
    /// Zeroed memory, so that an evaluator of a large policy costs little to make when a
    /// decision reads a few of its conclusions.
    slots: Vec<u32>,
    /// The conclusions decided so far with their records, in the order they were.
    records: Vec<(usize, Record)>,
    locals: Vec<Value>,
    /// Where each local came from, when it is an element of a list input: (slot, index).
    origins: Vec<Option<(usize, u32)>>,
    frame: usize,
    /// The facts read by the conditions being evaluated, when `recording`.
    reads: Vec<FactRef>,
    /// The facts read by the rules of the conclusions decided (see [`RuleRecord`]).
    arena: Vec<FactRef>,
    recording: bool,
    /// The parameters and definitions read by what is being evaluated (always recorded: a
    /// decision cites their clauses).
    used: Vec<Source>,
    /// The sources read by the rules of the conclusions decided, and by the definitions
    /// computed (see [`RuleRecord`] and `def_sources`).
    sources: Vec<Source>,
    /// By definition without parameters, once computed: the range of `sources` its body read.
    def_sources: Vec<(u32, u32)>,
    /// Values supposed for missing facts, when settling an undetermined conclusion.
    hypotheses: Option<Box<settle::Hypotheses>>,
}

/// Computes a constant expression (no input, parameter or definition).
pub fn const_eval(code: &Ir) -> Result<Value, String> {
    Evaluator::bare().eval(code).map_err(|s| match s {
        Stop::Missing(_) => "it reads a fact".to_string(),
        Stop::Error(e) => e.to_string(),
    })
}

fn missing(what: &str) -> Stop {
    Stop::Missing(vec![Arc::from(what)])
}

fn invariant(what: &'static str) -> Stop {
    Stop::Error(EvalError::Invariant(what))
}

fn overflow(what: &'static str) -> Stop {
    Stop::Error(EvalError::Overflow(what))
}

/// Merges two reasons for having no value (errors win, missing facts add up).
fn merged(a: Option<Stop>, b: Stop) -> Option<Stop> {
    Some(match a {
        Some(a) => a.merge(b),
        None => b,
    })
}

impl<'p> Evaluator<'p> {
    /// An evaluator of `policy` on `facts` (one value per input slot, [`Value::Missing`] for a
    /// missing fact).
    pub fn new(policy: &'p CompiledPolicy, facts: &'p [Value]) -> Self {
        Evaluator {
            policy: Some(policy),
            facts,
            defs: vec![None; policy.defs.len()],
            slots: vec![0; policy.conclusions.len()],
            // Sized for a policy of a few dozen conclusions, all decided.
            records: Vec::with_capacity(policy.conclusions.len().min(32)),
            // Sized for a typical decision, so that they do not grow step by step.
            locals: Vec::with_capacity(8),
            origins: Vec::with_capacity(8),
            frame: 0,
            reads: Vec::with_capacity(32),
            arena: Vec::with_capacity(64),
            recording: false,
            used: Vec::with_capacity(8),
            sources: Vec::with_capacity(16),
            def_sources: vec![(0, 0); policy.defs.len()],
            hypotheses: None,
        }
    }

    /// An evaluator of expressions that read no fact, parameter or definition (constants, a
    /// record's `require`): it allocates nothing.
    pub fn bare() -> Evaluator<'static> {
        Evaluator {
            policy: None,
            facts: &[],
            defs: Vec::new(),
            slots: Vec::new(),
            records: Vec::new(),
            locals: Vec::new(),
            origins: Vec::new(),
            frame: 0,
            reads: Vec::new(),
            arena: Vec::new(),
            recording: false,
            used: Vec::new(),
            sources: Vec::new(),
            def_sources: Vec::new(),
            hypotheses: None,
        }
    }

    /// Evaluates `code` on the local stack `locals` (a record's slots, for its `require`),
    /// giving the locals back.
    pub fn with_locals_returned(&mut self, locals: Vec<Value>, code: &Ir) -> (Res, Vec<Value>) {
        let saved = std::mem::replace(&mut self.locals, locals);
        let origins = std::mem::replace(&mut self.origins, vec![None; self.locals.len()]);
        let frame = std::mem::replace(&mut self.frame, 0);
        let used = self.used.len();
        let r = self.eval(code);
        // A `require` belongs to no rule: what it read is cited by no decision.
        self.used.truncate(used);
        self.frame = frame;
        self.origins = origins;
        (r, std::mem::replace(&mut self.locals, saved))
    }

    /// The outcome of conclusion `i` (computed once), cloned.
    pub fn conclusion(&mut self, i: usize) -> Outcome {
        match self.record(i) {
            Some(r) => r.outcome.clone(),
            None => Outcome::Error {
                error: EvalError::Invariant("no such conclusion"),
                rules: Vec::new(),
            },
        }
    }

    /// The outcome of conclusion `i`, computed once.
    pub fn outcome(&mut self, i: usize) -> Option<&Outcome> {
        self.record(i).map(|r| &r.outcome)
    }

    /// Conclusion `i` decided, with what became of each of its rules: computed once, and read
    /// by the decision's `because`, its trace and its `missing`.
    pub fn record(&mut self, i: usize) -> Option<&Record> {
        if self.slots.get(i) == Some(&0) {
            let conclusion = self.policy.and_then(|p| p.conclusions.get(i))?;
            // Conclusions read conclusions, as definitions do: see `definition`.
            let record = stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || {
                self.decide_conclusion(conclusion)
            });
            // Its rules may have decided others first: its place is taken now.
            self.records.push((i, record));
            if let Some(slot) = self.slots.get_mut(i) {
                *slot = count(self.records.len());
            }
        }
        self.recorded(i)
    }

    /// The conclusions decided so far (asked for, or read by one that was), in the order they
    /// were: a conclusion no one asked for or read is never evaluated.
    pub fn evaluated(&self) -> impl Iterator<Item = usize> + '_ {
        self.records.iter().map(|(i, _)| *i)
    }

    /// The value of input `slot`, unless it is missing.
    pub fn fact(&self, slot: usize) -> Option<&Value> {
        self.facts
            .get(slot)
            .filter(|v| !matches!(v, Value::Missing(_)))
    }

    /// The value of definition `i` if it was computed.
    pub fn definition_value(&self, i: usize) -> Option<&Value> {
        match self.defs.get(i) {
            Some(Some(Ok(v))) => Some(v),
            _ => None,
        }
    }

    /// The facts that rule `rule` of conclusion `conclusion` read, once it is decided.
    pub fn reads(&self, conclusion: usize, rule: usize) -> &[FactRef] {
        self.recorded(conclusion)
            .and_then(|r| r.rules.get(rule))
            .and_then(|r| self.arena.get(r.reads.0 as usize..r.reads.1 as usize))
            .unwrap_or(&[])
    }

    /// The parameters and definitions that rule `rule` of conclusion `conclusion` read while
    /// it was decided (its condition, then its value), and, through each definition, what that
    /// definition read: each once, in the order first read, a definition before what it read.
    /// Appended to `out`, skipping those already there.
    pub fn add_sources(&self, conclusion: usize, rule: usize, out: &mut Vec<Source>) {
        let Some(r) = self.recorded(conclusion).and_then(|r| r.rules.get(rule)) else {
            return;
        };
        let [condition, value] = r.sources;
        let mut stack = vec![
            self.sources_in(value).iter(),
            self.sources_in(condition).iter(),
        ];
        while let Some(top) = stack.last_mut() {
            let Some(&s) = top.next() else {
                stack.pop();
                continue;
            };
            if out.contains(&s) {
                continue;
            }
            out.push(s);
            if let Source::Def(i) = s
                && let Some(&range) = self.def_sources.get(i)
            {
                stack.push(self.sources_in(range).iter());
            }
        }
    }

    fn sources_in(&self, (start, end): (u32, u32)) -> &[Source] {
        self.sources
            .get(start as usize..end as usize)
            .unwrap_or_default()
    }

    /// The record of conclusion `i` if it was decided.
    pub fn recorded(&self, i: usize) -> Option<&Record> {
        let slot = self.slots.get(i)?.checked_sub(1)?;
        self.records.get(slot as usize).map(|(_, r)| r)
    }

    fn decide_conclusion(&mut self, conclusion: &ConclusionInfo) -> Record {
        // The conditions, each recording the facts that decide it.
        let base = self.reads.len();
        let used = self.used.len();
        let recording = std::mem::replace(&mut self.recording, true);
        let mut rules = Vec::with_capacity(conclusion.rules.len());
        for rule in &conclusion.rules {
            let start = self.reads.len() - base;
            let used_start = self.used.len() - used;
            let condition = match &rule.condition {
                Some(c) => self.bool(c).map(Value::Bool),
                None => Ok(Value::Bool(true)),
            };
            let used_end = count(self.used.len() - used);
            rules.push(RuleRecord {
                condition,
                verdict: Verdict::NotApplicable,
                overridden_by: None,
                reads: (count(start), count(self.reads.len() - base)),
                sources: [(count(used_start), used_end), (used_end, used_end)],
            });
        }
        self.recording = false;
        let outcome = if conclusion.is_set {
            self.set_conclusion(conclusion, &mut rules, used)
        } else {
            self.scalar_conclusion(conclusion, &mut rules, used)
        };
        self.recording = recording;
        // The facts move to the arena, where the record's ranges point.
        let offset = count(self.arena.len());
        self.arena.extend(self.reads.drain(base..));
        let sources = count(self.sources.len());
        self.sources.extend(self.used.drain(used..));
        for r in &mut rules {
            r.reads = (r.reads.0 + offset, r.reads.1 + offset);
            for s in &mut r.sources {
                *s = (s.0 + sources, s.1 + sources);
            }
        }
        Record { outcome, rules }
    }

    /// Evaluates rule `r`'s value, noting the sources it reads in `record` (as offsets from
    /// `used`, the start of the conclusion's sources).
    fn rule_value(&mut self, value: &Ir, record: &mut RuleRecord, used: usize) -> Res {
        let start = count(self.used.len() - used);
        let v = self.eval(value);
        if let Some(s) = record.sources.get_mut(1) {
            *s = (start, count(self.used.len() - used));
        }
        v
    }

    fn scalar_conclusion(
        &mut self,
        c: &ConclusionInfo,
        rules: &mut [RuleRecord],
        used: usize,
    ) -> Outcome {
        // Which exception that holds overrides each rule (the first written): one pass over the
        // exceptions, each marking only the rules no exception before it has marked (`covered`),
        // so that the rows of a `first` table that all hold mark the rows below them once, not
        // once per row above.
        let mut covered = RuleSet::default();
        for (j, e) in c.rules.iter().enumerate() {
            if e.overrides.is_empty() || !rules.get(j).is_some_and(RuleRecord::holds) {
                continue;
            }
            for run in e.overrides.runs() {
                for i in covered.missing_from(run) {
                    if let Some(r) = rules.get_mut(i) {
                        r.overridden_by = Some(j);
                    }
                }
            }
            covered = RuleSet::gather([&covered, &e.overrides], []);
        }
        for r in rules.iter_mut() {
            r.verdict = match &r.condition {
                Ok(Value::Bool(true)) => r
                    .overridden_by
                    .map_or(Verdict::Pending, Verdict::Overridden),
                Ok(_) => Verdict::NotApplicable,
                Err(Stop::Missing(m)) => Verdict::Unknown(m.clone()),
                Err(Stop::Error(e)) => Verdict::Failed(e.clone()),
            };
        }
        if let Some(e) = rules.iter().find_map(|r| match &r.condition {
            Err(Stop::Error(e)) => Some(e.clone()),
            _ => None,
        }) {
            in_error(rules);
            return Outcome::Error {
                error: e,
                rules: Vec::new(),
            };
        }
        // A candidate may give the value: its condition is not false and no exception that
        // holds overrides it.
        let mut sure: Vec<usize> = Vec::new();
        let mut first: Option<Value> = None;
        let mut agree = true;
        let mut all_known = true;
        let mut any = false;
        let mut unknown: Option<Stop> = None;
        for (i, rule) in c.rules.iter().enumerate() {
            let Some(r) = rules.get_mut(i) else { continue };
            if !r.is_candidate() {
                continue;
            }
            any = true;
            if let Err(s) = &r.condition {
                unknown = merged(unknown, s.clone());
            }
            if r.holds() {
                sure.push(i);
            }
            match self.rule_value(&rule.value, r, used) {
                Ok(v) => match &first {
                    None => first = Some(v),
                    Some(f) => agree &= *f == v,
                },
                Err(s) => {
                    all_known = false;
                    if let Stop::Error(e) = &s {
                        r.verdict = Verdict::Failed(e.clone());
                    }
                    unknown = merged(unknown, s);
                }
            }
        }
        if !any {
            let error = EvalError::NoRuleApplies(Arc::from(c.name.as_str()));
            return Outcome::Error {
                error,
                rules: Vec::new(),
            };
        }
        match (unknown, first) {
            (Some(Stop::Error(e)), _) => Outcome::Error {
                error: e,
                rules: Vec::new(),
            },
            (_, Some(v)) if agree && all_known && !sure.is_empty() => {
                for &i in &sure {
                    if let Some(r) = rules.get_mut(i) {
                        r.verdict = Verdict::Applied;
                    }
                }
                Outcome::Decided {
                    value: v,
                    rules: sure,
                }
            }
            (None, _) => {
                // Every candidate applies for sure and all values are known: they disagree.
                let candidates: Vec<usize> = (0..rules.len())
                    .filter(|&i| rules.get(i).is_some_and(RuleRecord::is_candidate))
                    .collect();
                let labels = candidates
                    .iter()
                    .filter_map(|i| c.rules.get(*i).map(|r| Arc::clone(&r.label)))
                    .collect();
                let error = EvalError::Conflict {
                    conclusion: Arc::from(c.name.as_str()),
                    rules: labels,
                };
                in_error(rules);
                Outcome::Error {
                    error,
                    rules: candidates,
                }
            }
            (Some(Stop::Missing(mut m)), _) => {
                m.sort();
                Outcome::Undetermined {
                    missing: m,
                    known: Vec::new(),
                }
            }
        }
    }

    fn set_conclusion(
        &mut self,
        c: &ConclusionInfo,
        rules: &mut [RuleRecord],
        used: usize,
    ) -> Outcome {
        let mut members: Vec<Value> = Vec::new();
        let mut applied = Vec::new();
        let mut unknown: Option<Stop> = None;
        for (i, rule) in c.rules.iter().enumerate() {
            let Some(r) = rules.get_mut(i) else { continue };
            let result = match &r.condition {
                Ok(Value::Bool(true)) => self.rule_value(&rule.value, r, used).map(Some),
                Ok(_) => Ok(None),
                Err(s) => Err(s.clone()),
            };
            r.verdict = match result {
                Ok(Some(v)) => {
                    members.push(v);
                    applied.push(i);
                    Verdict::Applied
                }
                Ok(None) => Verdict::NotApplicable,
                Err(s) => {
                    let verdict = match &s {
                        // The member's condition holds but its value is unknown.
                        Stop::Missing(_) if r.holds() => Verdict::Pending,
                        Stop::Missing(m) => Verdict::Unknown(m.clone()),
                        Stop::Error(e) => Verdict::Failed(e.clone()),
                    };
                    unknown = merged(unknown, s);
                    verdict
                }
            };
        }
        members.sort();
        members.dedup();
        match unknown {
            Some(Stop::Error(error)) => {
                in_error(rules);
                Outcome::Error {
                    error,
                    rules: Vec::new(),
                }
            }
            Some(Stop::Missing(mut m)) => {
                m.sort();
                Outcome::Undetermined {
                    missing: m,
                    known: members,
                }
            }
            None => Outcome::Decided {
                value: Value::Set(members.into()),
                rules: applied,
            },
        }
    }

    /// Notes that the condition being evaluated read `fact`.
    fn note(&mut self, fact: FactRef) {
        if self.recording {
            self.reads.push(fact);
        }
    }

    /// Evaluates an expression.
    pub fn eval(&mut self, code: &Ir) -> Res {
        match &code.kind {
            IrKind::Const(v) => Ok(v.clone()),
            IrKind::Input(slot) => {
                self.note(FactRef::Input(*slot));
                self.input(*slot)
            }
            IrKind::Param(i) => {
                self.note(FactRef::Param(*i));
                self.note_source(Source::Param(*i));
                let p = self
                    .policy
                    .and_then(|p| p.params.get(*i))
                    .ok_or_else(|| invariant("a constant cannot read a parameter"))?;
                p.value.clone().ok_or_else(|| missing(&p.name))
            }
            IrKind::Def(i) => {
                self.note(FactRef::Def(*i));
                self.definition(*i)
            }
            IrKind::Conclusion(i) => {
                self.note(FactRef::Conclusion(*i));
                match self.outcome(*i) {
                    Some(Outcome::Decided { value, .. }) => Ok(value.clone()),
                    Some(Outcome::Undetermined { missing, .. }) => {
                        Err(Stop::Missing(missing.clone()))
                    }
                    Some(Outcome::Error { error, .. }) => Err(Stop::Error(error.clone())),
                    None => Err(invariant("a constant cannot read a conclusion")),
                }
            }
            IrKind::Local(i) => match self.locals.get(self.frame + i) {
                // A required field a record left out (seen by a `require`): a missing fact.
                Some(Value::Missing(path)) => Err(Stop::Missing(vec![Arc::clone(path)])),
                Some(v) => Ok(v.clone()),
                None => Err(invariant("local out of range")),
            },
            IrKind::Call(i, args) => self.call(*i, args),
            IrKind::Field(base, i) => self.field(base, *i),
            IrKind::Not(x) => Ok(Value::Bool(!self.bool(x)?)),
            IrKind::Neg(x) => match self.eval(x)? {
                Value::Num(n) => Ok(Value::Num(-n)),
                v => Ok(v),
            },
            IrKind::And(a, b) => self.and_or(a, b, false),
            IrKind::Or(a, b) => self.and_or(a, b, true),
            IrKind::Cmp(op, a, b) => {
                // Most comparisons read an input and a constant: compare in place, no clone.
                if let (Some(x), Some(y)) = (self.peek(a), self.peek(b)) {
                    let holds = compare(*op, x, y);
                    if self.recording {
                        self.note_peeked(a);
                        self.note_peeked(b);
                    }
                    self.use_peeked(a);
                    self.use_peeked(b);
                    return Ok(Value::Bool(holds));
                }
                let (x, y) = self.both(a, b)?;
                Ok(Value::Bool(compare(*op, &x, &y)))
            }
            IrKind::Arith(op, a, b) => {
                let (x, y) = self.both(a, b)?;
                arith(*op, &x, &y)
            }
            IrKind::In(a, b) => {
                let x = self.eval(a);
                if let (Ok(x), Some(known)) = (&x, self.known_members(b))
                    && known.contains(x)
                {
                    self.note_peeked(b);
                    return Ok(Value::Bool(true));
                }
                let y = self.eval(b);
                // Settling: membership in a missing list input is one supposition per element,
                // whichever test asks (`x in l` and `x not in l` agree).
                if let (Ok(x), Err(Stop::Missing(m)), IrKind::Input(slot)) = (&x, &y, &b.kind)
                    && let Some(h) = &mut self.hypotheses
                {
                    return h.member(*slot, x, m).map(Value::Bool);
                }
                let (x, y) = match (x, y) {
                    (Ok(x), Ok(y)) => (x, y),
                    (Err(s), Ok(_)) | (Ok(_), Err(s)) => return Err(s),
                    (Err(s), Err(t)) => return Err(s.merge(t)),
                };
                match y {
                    Value::List(items) | Value::Set(items) => Ok(Value::Bool(items.contains(&x))),
                    _ => Ok(Value::Bool(false)),
                }
            }
            IrKind::DaysBetween(a, b) => match self.both(a, b)? {
                (Value::Date(x), Value::Date(y)) => {
                    Ok(Value::Num(Decimal::from((x - y).num_days())))
                }
                _ => Ok(Value::None),
            },
            IrKind::AddDays(d, n, sign) => self.shift(d, n, *sign, false),
            IrKind::AddMonths(d, n, sign) => self.shift(d, n, *sign, true),
            IrKind::Scale(x, mul, div) => match self.eval(x)? {
                Value::Num(n) => n
                    .checked_mul(*mul)
                    .and_then(|n| n.checked_div(*div))
                    .map(Value::Num)
                    .ok_or_else(|| overflow("a number")),
                v => Ok(v),
            },
            IrKind::IsAbsent(x) => Ok(Value::Bool(self.eval(x)? == Value::None)),
            IrKind::IsEmpty(x) => {
                if self.known_members(x).is_some_and(|k| !k.is_empty()) {
                    self.note_peeked(x);
                    return Ok(Value::Bool(false));
                }
                match self.eval(x)? {
                    Value::List(items) | Value::Set(items) => Ok(Value::Bool(items.is_empty())),
                    _ => Ok(Value::Bool(true)),
                }
            }
            IrKind::Round(x, rounding) => match self.eval(x)? {
                Value::Num(n) => rounding
                    .apply(n)
                    .map(Value::Num)
                    .ok_or_else(|| overflow("a rounding")),
                v => Ok(v),
            },
            IrKind::MinMax(max, a, b) => {
                let (x, y) = self.both(a, b)?;
                // On a tie the first is kept, as written (`1.0` and `1.00` are equal).
                let second = if *max { x < y } else { y < x };
                Ok(if second { y } else { x })
            }
            IrKind::If(c, a, b) => {
                if self.bool(c)? {
                    self.eval(a)
                } else {
                    self.eval(b)
                }
            }
            IrKind::List(items, set) => {
                let mut out = Vec::with_capacity(items.len());
                let mut stop: Option<Stop> = None;
                for item in items {
                    match self.eval(item) {
                        Ok(v) => out.push(v),
                        Err(s) => stop = merged(stop, s),
                    }
                }
                if let Some(s) = stop {
                    return Err(s);
                }
                if *set {
                    out.sort();
                    out.dedup();
                    Ok(Value::Set(out.into()))
                } else {
                    Ok(Value::List(out.into()))
                }
            }
            IrKind::Aggregate {
                kind,
                list,
                value,
                condition,
            } => self.aggregate(*kind, list, value.as_deref(), condition.as_deref()),
        }
    }

    /// The members that certainly belong to an undetermined set conclusion: enough to decide
    /// `is not empty` or `x in s` although the set as a whole is unknown.
    fn known_members(&mut self, code: &Ir) -> Option<Vec<Value>> {
        let IrKind::Conclusion(i) = code.kind else {
            return None;
        };
        match self.outcome(i) {
            Some(Outcome::Undetermined { known, .. }) => Some(known.clone()),
            _ => None,
        }
    }

    /// The value of a constant, a present input, a set parameter, a local, or a conclusion
    /// already decided, by reference: what [`Self::eval`] would give, without a clone (most
    /// conditions compare one of these with a constant: `presence_proof = dispense`).
    fn peek<'s>(&'s self, code: &'s Ir) -> Option<&'s Value> {
        let v = match &code.kind {
            IrKind::Const(v) => v,
            IrKind::Input(slot) => self.facts.get(*slot)?,
            IrKind::Param(i) => self.policy?.params.get(*i)?.value.as_ref()?,
            IrKind::Local(i) => self.locals.get(self.frame + i)?,
            IrKind::Conclusion(i) => match &self.recorded(*i)?.outcome {
                Outcome::Decided { value, .. } => value,
                _ => return None,
            },
            _ => return None,
        };
        (!matches!(v, Value::Missing(_))).then_some(v)
    }

    /// Notes the fact behind an operand read in place by [`Self::peek`] (or a conclusion
    /// whose known members decided).
    fn note_peeked(&mut self, code: &Ir) {
        match code.kind {
            IrKind::Input(slot) => self.note(FactRef::Input(slot)),
            IrKind::Param(i) => self.note(FactRef::Param(i)),
            IrKind::Conclusion(i) => self.note(FactRef::Conclusion(i)),
            _ => {}
        }
    }

    /// Notes the parameter behind an operand read in place by [`Self::peek`].
    fn use_peeked(&mut self, code: &Ir) {
        if let IrKind::Param(i) = code.kind {
            self.note_source(Source::Param(i));
        }
    }

    /// Notes that a parameter or definition was read. Repeats are kept: `and`, `or`, `any`
    /// and `every` drop the reads of what did not decide, which may hold an earlier one.
    fn note_source(&mut self, source: Source) {
        self.used.push(source);
    }

    fn input(&mut self, slot: usize) -> Res {
        match self.facts.get(slot) {
            Some(Value::Missing(path)) => match &mut self.hypotheses {
                Some(h) => h.input(self.policy, slot, path),
                None => Err(Stop::Missing(vec![Arc::clone(path)])),
            },
            Some(v) => Ok(v.clone()),
            None => Err(invariant("input slot out of range")),
        }
    }

    /// A field of a record. A field of a record input, or of an element of a list input, is a
    /// fact of its own (`internship.periods[0].end`); another record's field is read through it.
    fn field(&mut self, base: &Ir, i: usize) -> Res {
        let field = u32::try_from(i).map_err(|_| invariant("field out of range"))?;
        let record = match base.kind {
            IrKind::Input(slot) => {
                self.note(FactRef::Field(slot, field));
                self.input(slot)?
            }
            IrKind::Local(k) => {
                if let Some(Some((slot, index))) = self.origins.get(self.frame + k) {
                    self.note(FactRef::Element(*slot, *index, field));
                }
                self.eval(base)?
            }
            _ => self.eval(base)?,
        };
        match record {
            Value::Record(slots) => match slots.get(i) {
                Some(Value::Missing(path)) => Err(Stop::Missing(vec![Arc::clone(path)])),
                Some(v) => Ok(v.clone()),
                None => Err(invariant("field out of range")),
            },
            _ => Err(invariant("field of a value that is not a record")),
        }
    }

    fn bool(&mut self, code: &Ir) -> Result<bool, Stop> {
        if let Some(Value::Bool(b)) = self.peek(code) {
            let b = *b;
            if self.recording {
                self.note_peeked(code);
            }
            self.use_peeked(code);
            return Ok(b);
        }
        match self.eval(code) {
            Ok(Value::Bool(b)) => Ok(b),
            Ok(_) => Err(invariant("a condition is not a boolean")),
            Err(Stop::Missing(m)) if self.hypotheses.is_some() => {
                let locals = self.locals.get(self.frame..).unwrap_or_default();
                match &mut self.hypotheses {
                    Some(h) => h.atom(code, locals, m),
                    None => Err(Stop::Missing(m)),
                }
            }
            Err(s) => Err(s),
        }
    }

    fn both(&mut self, a: &Ir, b: &Ir) -> Result<(Value, Value), Stop> {
        match (self.eval(a), self.eval(b)) {
            (Ok(x), Ok(y)) => Ok((x, y)),
            (Err(s), Ok(_)) | (Ok(_), Err(s)) => Err(s),
            (Err(s), Err(t)) => Err(s.merge(t)),
        }
    }

    /// Three-valued `and` (`short` false) and `or` (`short` true): the short-circuiting value
    /// wins even when the other side is unknown.
    /// While recording, the facts kept are those of the side that decided: both sides' when
    /// both were needed, the right side's alone when it short-circuits.
    fn and_or(&mut self, a: &Ir, b: &Ir, short: bool) -> Res {
        let mark = self.reads.len();
        let used = self.used.len();
        let left = self.bool(a);
        if left == Ok(short) {
            return Ok(Value::Bool(short));
        }
        let middle = self.reads.len();
        let used_middle = self.used.len();
        let right = self.bool(b);
        match (left, right) {
            (_, Ok(r)) if r == short => {
                if self.recording {
                    self.reads.drain(mark..middle);
                }
                self.used.drain(used..used_middle);
                Ok(Value::Bool(short))
            }
            (Ok(_), Ok(r)) => Ok(Value::Bool(r)),
            (Err(s), Ok(_)) | (Ok(_), Err(s)) => Err(s),
            (Err(s), Err(t)) => Err(s.merge(t)),
        }
    }

    fn shift(&mut self, d: &Ir, n: &Ir, sign: i8, months: bool) -> Res {
        let (date, amount) = self.both(d, n)?;
        let (Value::Date(date), Value::Num(amount)) = (date, amount) else {
            return Ok(Value::None);
        };
        let amount = amount
            .to_i64()
            .and_then(|a| a.checked_mul(i64::from(sign)))
            .ok_or_else(|| overflow("a duration"))?;
        shift_date(date, amount, months)
            .map(Value::Date)
            .ok_or(Stop::Error(EvalError::DateOutOfRange))
    }

    fn definition(&mut self, i: usize) -> Res {
        self.note_source(Source::Def(i));
        if let Some(Some(done)) = self.defs.get(i) {
            return done.clone();
        }
        let def = self
            .policy
            .and_then(|p| p.defs.get(i))
            .ok_or_else(|| invariant("a constant cannot read a definition"))?;
        // A definition without parameters is a named fact: `because` names it, not what it read.
        let recording = std::mem::replace(&mut self.recording, false);
        let frame = std::mem::replace(&mut self.frame, self.locals.len());
        let used = self.used.len();
        // Definitions read definitions: a chain of a thousand would exhaust a worker's stack.
        let r = stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || self.eval(&def.body));
        self.frame = frame;
        self.recording = recording;
        if let Some(slot) = self.defs.get_mut(i) {
            *slot = Some(r.clone());
        }
        // What the body read is the definition's, kept once for every rule that reads it.
        let start = count(self.sources.len());
        self.sources.extend(self.used.drain(used..));
        if let Some(range) = self.def_sources.get_mut(i) {
            *range = (start, count(self.sources.len()));
        }
        r
    }

    fn call(&mut self, i: usize, args: &[Ir]) -> Res {
        let def = self
            .policy
            .and_then(|p| p.defs.get(i))
            .ok_or_else(|| invariant("a constant cannot call a definition"))?;
        self.note_source(Source::Def(i));
        let mut values = Vec::with_capacity(args.len());
        for a in args {
            values.push(self.eval(a)?);
        }
        let base = self.locals.len();
        // An argument that is an element of a list input keeps its origin, so that the fields
        // the body reads are named (`because` follows reads through the call).
        for a in args {
            let origin = match a.kind {
                IrKind::Local(k) => self.origins.get(self.frame + k).copied().flatten(),
                _ => None,
            };
            self.origins.push(origin);
        }
        self.locals.extend(values);
        let frame = std::mem::replace(&mut self.frame, base);
        let r = self.eval(&def.body);
        self.frame = frame;
        self.locals.truncate(base);
        self.origins.truncate(base);
        r
    }

    fn aggregate(
        &mut self,
        kind: Aggregate,
        list: &Ir,
        value: Option<&Ir>,
        condition: Option<&Ir>,
    ) -> Res {
        // Over a list input, the facts are the fields of its elements that the condition reads
        // (`employment[0].certificate`); the list itself only when they read none.
        let slot = match list.kind {
            IrKind::Input(slot) => Some(slot),
            _ => None,
        };
        let items = match slot {
            Some(slot) => self.input(slot),
            None => self.eval(list),
        };
        let items = match items? {
            Value::List(items) | Value::Set(items) => items,
            _ => return Err(invariant("an aggregate over a value that is not a list")),
        };
        let mark = self.reads.len();
        let used = self.used.len();
        let mut count = 0i64;
        let mut sum = Decimal::ZERO;
        let mut kept = Vec::new();
        let mut found = false;
        let mut stop: Option<Stop> = None;
        for (index, item) in items.iter().enumerate() {
            let before = self.reads.len();
            let used_before = self.used.len();
            self.locals.push(item.clone());
            let index = u32::try_from(index).ok();
            self.origins.push(slot.zip(index));
            let cond = match condition {
                Some(c) => self.bool(c),
                None => Ok(true),
            };
            let step = match (kind, cond) {
                (_, Err(s)) => Err(s),
                (Aggregate::Count, Ok(true)) => {
                    count += 1;
                    Ok(())
                }
                (Aggregate::Sum, Ok(true)) => match value.map(|v| self.eval(v)) {
                    Some(Ok(Value::Num(n))) => sum
                        .checked_add(n)
                        .map(|s| sum = s)
                        .ok_or_else(|| overflow("a sum")),
                    Some(Err(s)) => Err(s),
                    _ => Ok(()),
                },
                (Aggregate::Any, Ok(true)) | (Aggregate::Every, Ok(false)) => {
                    found = true;
                    Ok(())
                }
                (Aggregate::Each, Ok(true)) => {
                    kept.push(item.clone());
                    Ok(())
                }
                _ => Ok(()),
            };
            self.locals.pop();
            self.origins.pop();
            if let Err(s) = step {
                stop = merged(stop, s);
            }
            if found {
                // `any` found a true element, `every` a false one: decided whatever else is
                // unknown, and by this element alone.
                if self.recording {
                    self.reads.drain(mark..before);
                    if self.reads.len() == mark
                        && let Some(slot) = slot
                    {
                        self.note(FactRef::Input(slot));
                    }
                }
                self.used.drain(used..used_before);
                return Ok(Value::Bool(kind == Aggregate::Any));
            }
        }
        if self.reads.len() == mark
            && let Some(slot) = slot
        {
            self.note(FactRef::Input(slot));
        }
        if let Some(s) = stop {
            return Err(s);
        }
        Ok(match kind {
            Aggregate::Count => Value::Num(Decimal::from(count)),
            Aggregate::Sum => Value::Num(sum),
            Aggregate::Any => Value::Bool(false),
            Aggregate::Every => Value::Bool(true),
            Aggregate::Each => Value::List(kept.into()),
        })
    }
}

/// Once a conclusion failed, the rules that held are in error with it.
fn in_error(rules: &mut [RuleRecord]) {
    for r in rules {
        if r.verdict == Verdict::Pending {
            r.verdict = Verdict::InError;
        }
    }
}

/// An offset into the facts recorded for one conclusion.
fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Moves a date by days or months (negative: backwards); none when off the calendar.
pub fn shift_date(date: NaiveDate, amount: i64, months: bool) -> Option<NaiveDate> {
    let magnitude = amount.unsigned_abs();
    match (months, amount >= 0) {
        (true, true) => date.checked_add_months(Months::new(u32::try_from(magnitude).ok()?)),
        (true, false) => date.checked_sub_months(Months::new(u32::try_from(magnitude).ok()?)),
        (false, true) => date.checked_add_days(Days::new(magnitude)),
        (false, false) => date.checked_sub_days(Days::new(magnitude)),
    }
}

/// A comparison of two values: an ordering with `none` on either side is false.
pub(crate) fn compare(op: CmpOp, x: &Value, y: &Value) -> bool {
    match op {
        CmpOp::Eq => x == y,
        CmpOp::Ne => x != y,
        // An ordering with `none` on either side is false: "submitted after the deadline" is
        // false for a report that was not submitted.
        _ if *x == Value::None || *y == Value::None => false,
        CmpOp::Lt => x < y,
        CmpOp::Le => x <= y,
        CmpOp::Gt => x > y,
        CmpOp::Ge => x >= y,
    }
}

fn arith(op: ArithOp, x: &Value, y: &Value) -> Res {
    let (Value::Num(a), Value::Num(b)) = (x, y) else {
        return Ok(Value::None);
    };
    let r = match op {
        ArithOp::Add => a.checked_add(*b),
        ArithOp::Sub => a.checked_sub(*b),
        ArithOp::Mul => a.checked_mul(*b),
        ArithOp::Div if b.is_zero() => return Err(Stop::Error(EvalError::DivisionByZero)),
        ArithOp::Div => a.checked_div(*b),
    };
    r.map(Value::Num).ok_or_else(|| overflow("a number"))
}

#[cfg(test)]
mod tests;
