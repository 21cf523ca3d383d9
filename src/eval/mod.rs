//! Evaluation: facts in, conclusions out. Total (no recursion in policies, no unbounded loop)
//! and three-valued: a missing fact makes unknown only what needs it.

pub mod explain;

use std::sync::Arc;

use chrono::{Days, Months, NaiveDate};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::ast::Aggregate;
use crate::model::*;

/// Why an expression has no value.
#[derive(Clone, Debug, PartialEq)]
pub enum Stop {
    /// It needs facts (input paths or parameters) that are missing.
    Missing(Vec<Arc<str>>),
    /// It cannot be computed (a conflict, an overflow, a date out of range).
    Error(String),
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
        message: String,
        /// The rules involved.
        rules: Vec<usize>,
    },
}

/// One evaluation of a policy on one candidate's facts.
pub struct Evaluator<'p> {
    policy: Option<&'p CompiledPolicy>,
    facts: &'p [Value],
    defs: Vec<Option<Res>>,
    conclusions: Vec<Option<Outcome>>,
    /// The value of each rule's condition, per conclusion, kept for the explanations.
    conditions: Vec<Vec<Res>>,
    locals: Vec<Value>,
    frame: usize,
}

/// Computes a constant expression (no input, parameter or definition).
pub fn const_eval(code: &Ir) -> Result<Value, String> {
    Evaluator::bare().eval(code).map_err(|s| match s {
        Stop::Missing(_) => "it reads a fact".to_string(),
        Stop::Error(e) => e,
    })
}

fn missing(what: &str) -> Stop {
    Stop::Missing(vec![Arc::from(what)])
}

fn error(what: impl Into<String>) -> Stop {
    Stop::Error(what.into())
}

impl<'p> Evaluator<'p> {
    /// An evaluator of `policy` on `facts` (one value per input slot, [`Value::Missing`] for a
    /// missing fact).
    pub fn new(policy: &'p CompiledPolicy, facts: &'p [Value]) -> Self {
        Evaluator {
            policy: Some(policy),
            facts,
            defs: vec![None; policy.defs.len()],
            conclusions: vec![None; policy.conclusions.len()],
            conditions: vec![Vec::new(); policy.conclusions.len()],
            locals: Vec::new(),
            frame: 0,
        }
    }

    /// An evaluator of expressions that read no fact, parameter or definition (constants, a
    /// record's `require`): it allocates nothing.
    pub fn bare() -> Evaluator<'static> {
        Evaluator {
            policy: None,
            facts: &[],
            defs: Vec::new(),
            conclusions: Vec::new(),
            conditions: Vec::new(),
            locals: Vec::new(),
            frame: 0,
        }
    }

    /// Evaluates the local stack's current frame with `locals` (used for `require`).
    pub fn with_locals(&mut self, locals: Vec<Value>, code: &Ir) -> Res {
        self.with_locals_returned(locals, code).0
    }

    /// As [`Self::with_locals`], giving the locals back.
    pub fn with_locals_returned(&mut self, locals: Vec<Value>, code: &Ir) -> (Res, Vec<Value>) {
        let saved = std::mem::replace(&mut self.locals, locals);
        let frame = std::mem::replace(&mut self.frame, 0);
        let r = self.eval(code);
        self.frame = frame;
        (r, std::mem::replace(&mut self.locals, saved))
    }

    /// The outcome of conclusion `i` (computed once), cloned.
    pub fn conclusion(&mut self, i: usize) -> Outcome {
        self.outcome(i).cloned().unwrap_or_else(|| Outcome::Error {
            message: "no such conclusion".into(),
            rules: Vec::new(),
        })
    }

    /// The outcome of conclusion `i`, computed once.
    pub fn outcome(&mut self, i: usize) -> Option<&Outcome> {
        if matches!(self.conclusions.get(i), Some(None)) {
            let conclusion = self.policy.and_then(|p| p.conclusions.get(i))?;
            let conds: Vec<Res> = conclusion.rules.iter().map(|r| self.condition(r)).collect();
            let outcome = if conclusion.is_set {
                self.set_conclusion(conclusion, &conds)
            } else {
                self.scalar_conclusion(conclusion, &conds)
            };
            if let Some(slot) = self.conditions.get_mut(i) {
                *slot = conds;
            }
            if let Some(slot) = self.conclusions.get_mut(i) {
                *slot = Some(outcome);
            }
        }
        self.conclusions.get(i)?.as_ref()
    }

    /// The value of each rule's condition of conclusion `i` (after [`Self::outcome`]).
    pub fn conditions(&self, i: usize) -> &[Res] {
        self.conditions.get(i).map_or(&[], Vec::as_slice)
    }

    /// Evaluates a rule's condition (true when it has none).
    pub fn condition(&mut self, rule: &RuleInfo) -> Res {
        match &rule.condition {
            Some(c) => self.eval(c),
            None => Ok(Value::Bool(true)),
        }
    }

    fn scalar_conclusion(&mut self, c: &ConclusionInfo, conds: &[Res]) -> Outcome {
        if let Some(Err(Stop::Error(e))) = conds.iter().find(|r| matches!(r, Err(Stop::Error(_)))) {
            return Outcome::Error {
                message: e.clone(),
                rules: Vec::new(),
            };
        }
        let holds = |i: usize| matches!(conds.get(i), Some(Ok(Value::Bool(true))));
        // A candidate may give the value: its condition is not false and no exception that
        // holds overrides it. One pass, no allocation but the rules that surely apply.
        let is_candidate = |i: usize| {
            !matches!(conds.get(i), Some(Ok(Value::Bool(false))))
                && !c
                    .rules
                    .iter()
                    .enumerate()
                    .any(|(j, e)| holds(j) && e.overrides.contains(&i))
        };
        let mut sure: Vec<usize> = Vec::new();
        let mut first: Option<Value> = None;
        let mut agree = true;
        let mut all_known = true;
        let mut any = false;
        let mut unknown: Option<Stop> = None;
        for (i, rule) in c.rules.iter().enumerate() {
            if !is_candidate(i) {
                continue;
            }
            any = true;
            if let Some(Err(s)) = conds.get(i) {
                unknown = Some(match unknown {
                    Some(u) => u.merge(s.clone()),
                    None => s.clone(),
                });
            }
            if holds(i) {
                sure.push(i);
            }
            match self.eval(&rule.value) {
                Ok(v) => match &first {
                    None => first = Some(v),
                    Some(f) => agree &= *f == v,
                },
                Err(s) => {
                    all_known = false;
                    unknown = Some(match unknown {
                        Some(u) => u.merge(s),
                        None => s,
                    });
                }
            }
        }
        if !any {
            return Outcome::Error {
                message: format!("no rule of `{}` applies", c.name),
                rules: Vec::new(),
            };
        }
        match (unknown, first) {
            (Some(Stop::Error(e)), _) => Outcome::Error {
                message: e,
                rules: Vec::new(),
            },
            (_, Some(v)) if agree && all_known && !sure.is_empty() => Outcome::Decided {
                value: v,
                rules: sure,
            },
            (None, _) => {
                // Every candidate applies for sure and all values are known: they disagree.
                let rules: Vec<usize> = (0..c.rules.len()).filter(|&i| is_candidate(i)).collect();
                let labels: Vec<String> = rules
                    .iter()
                    .filter_map(|i| c.rules.get(*i).map(|r| format!("`{}`", r.label)))
                    .collect();
                Outcome::Error {
                    message: format!(
                        "conflict between rules {} of `{}`: they apply together and give different values",
                        labels.join(" and "),
                        c.name
                    ),
                    rules,
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

    fn set_conclusion(&mut self, c: &ConclusionInfo, conds: &[Res]) -> Outcome {
        let mut members: Vec<Value> = Vec::new();
        let mut applied = Vec::new();
        let mut unknown: Option<Stop> = None;
        for (i, r) in c.rules.iter().enumerate() {
            let cond = conds.get(i).cloned().unwrap_or(Ok(Value::Bool(false)));
            let result = cond.and_then(|cond| match cond {
                Value::Bool(true) => self.eval(&r.value).map(Some),
                _ => Ok(None),
            });
            match result {
                Ok(Some(v)) => {
                    members.push(v);
                    applied.push(i);
                }
                Ok(None) => {}
                Err(s) => {
                    unknown = Some(match unknown {
                        Some(u) => u.merge(s),
                        None => s,
                    })
                }
            }
        }
        match unknown {
            Some(Stop::Error(e)) => Outcome::Error {
                message: e,
                rules: Vec::new(),
            },
            Some(Stop::Missing(mut m)) => {
                m.sort();
                members.sort();
                members.dedup();
                Outcome::Undetermined {
                    missing: m,
                    known: members,
                }
            }
            None => {
                members.sort();
                members.dedup();
                Outcome::Decided {
                    value: Value::Set(members.into()),
                    rules: applied,
                }
            }
        }
    }

    /// Evaluates an expression.
    pub fn eval(&mut self, code: &Ir) -> Res {
        match &code.kind {
            IrKind::Const(v) => Ok(v.clone()),
            IrKind::Input(slot) => match self.facts.get(*slot) {
                Some(Value::Missing(path)) => Err(Stop::Missing(vec![Arc::clone(path)])),
                Some(v) => Ok(v.clone()),
                None => Err(error("input slot out of range")),
            },
            IrKind::Param(i) => {
                let p = self
                    .policy
                    .and_then(|p| p.params.get(*i))
                    .ok_or_else(|| error("a constant cannot read a parameter"))?;
                p.value.clone().ok_or_else(|| missing(&p.name))
            }
            IrKind::Def(i) => self.definition(*i),
            IrKind::Conclusion(i) => match self.outcome(*i) {
                Some(Outcome::Decided { value, .. }) => Ok(value.clone()),
                Some(Outcome::Undetermined { missing, .. }) => Err(Stop::Missing(missing.clone())),
                Some(Outcome::Error { message, .. }) => Err(Stop::Error(message.clone())),
                None => Err(error("a constant cannot read a conclusion")),
            },
            IrKind::Local(i) => match self.locals.get(self.frame + i) {
                // A required field a record left out (seen by a `require`): a missing fact.
                Some(Value::Missing(path)) => Err(Stop::Missing(vec![Arc::clone(path)])),
                Some(v) => Ok(v.clone()),
                None => Err(error("local out of range")),
            },
            IrKind::Call(i, args) => self.call(*i, args),
            IrKind::Field(base, i) => match self.eval(base)? {
                Value::Record(slots) => match slots.get(*i) {
                    Some(Value::Missing(path)) => Err(Stop::Missing(vec![Arc::clone(path)])),
                    Some(v) => Ok(v.clone()),
                    None => Err(error("field out of range")),
                },
                _ => Err(error("field of a value that is not a record")),
            },
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
                    return Ok(Value::Bool(compare(*op, x, y)));
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
                    return Ok(Value::Bool(true));
                }
                let (x, y) = match (x, self.eval(b)) {
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
            IrKind::Scale(x, factor) => match self.eval(x)? {
                Value::Num(n) => n
                    .checked_mul(*factor)
                    .map(Value::Num)
                    .ok_or_else(|| error("a number is too large")),
                v => Ok(v),
            },
            IrKind::IsAbsent(x) => Ok(Value::Bool(self.eval(x)? == Value::None)),
            IrKind::IsEmpty(x) => {
                if self.known_members(x).is_some_and(|k| !k.is_empty()) {
                    return Ok(Value::Bool(false));
                }
                match self.eval(x)? {
                    Value::List(items) | Value::Set(items) => Ok(Value::Bool(items.is_empty())),
                    _ => Ok(Value::Bool(true)),
                }
            }
            IrKind::Floor(x) => match self.eval(x)? {
                Value::Num(n) => Ok(Value::Num(n.floor())),
                v => Ok(v),
            },
            IrKind::MinMax(max, a, b) => {
                let (x, y) = self.both(a, b)?;
                Ok(if (x < y) == *max { y } else { x })
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
                        Err(s) => {
                            stop = Some(match stop {
                                Some(p) => p.merge(s),
                                None => s,
                            })
                        }
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

    /// The value of a constant, a present input, a set parameter or a local, by reference.
    fn peek<'s>(&'s self, code: &'s Ir) -> Option<&'s Value> {
        let v = match &code.kind {
            IrKind::Const(v) => v,
            IrKind::Input(slot) => self.facts.get(*slot)?,
            IrKind::Param(i) => self.policy?.params.get(*i)?.value.as_ref()?,
            IrKind::Local(i) => self.locals.get(self.frame + i)?,
            _ => return None,
        };
        (!matches!(v, Value::Missing(_))).then_some(v)
    }

    fn bool(&mut self, code: &Ir) -> Result<bool, Stop> {
        if let Some(Value::Bool(b)) = self.peek(code) {
            return Ok(*b);
        }
        match self.eval(code)? {
            Value::Bool(b) => Ok(b),
            _ => Err(error("a condition is not a boolean")),
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
    fn and_or(&mut self, a: &Ir, b: &Ir, short: bool) -> Res {
        let left = self.bool(a);
        if left == Ok(short) {
            return Ok(Value::Bool(short));
        }
        let right = self.bool(b);
        match (left, right) {
            (_, Ok(r)) if r == short => Ok(Value::Bool(short)),
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
            .ok_or_else(|| error("a duration is too large"))?
            * i64::from(sign);
        shift_date(date, amount, months)
            .map(Value::Date)
            .ok_or_else(|| error("a date falls outside the calendar"))
    }

    fn definition(&mut self, i: usize) -> Res {
        if let Some(Some(done)) = self.defs.get(i) {
            return done.clone();
        }
        let def = self
            .policy
            .and_then(|p| p.defs.get(i))
            .ok_or_else(|| error("a constant cannot read a definition"))?;
        let frame = std::mem::replace(&mut self.frame, self.locals.len());
        let r = self.eval(&def.body);
        self.frame = frame;
        if let Some(slot) = self.defs.get_mut(i) {
            *slot = Some(r.clone());
        }
        r
    }

    fn call(&mut self, i: usize, args: &[Ir]) -> Res {
        let def = self
            .policy
            .and_then(|p| p.defs.get(i))
            .ok_or_else(|| error("a constant cannot call a definition"))?;
        let mut values = Vec::with_capacity(args.len());
        for a in args {
            values.push(self.eval(a)?);
        }
        let base = self.locals.len();
        self.locals.extend(values);
        let frame = std::mem::replace(&mut self.frame, base);
        let r = self.eval(&def.body);
        self.frame = frame;
        self.locals.truncate(base);
        r
    }

    fn aggregate(
        &mut self,
        kind: Aggregate,
        list: &Ir,
        value: Option<&Ir>,
        condition: Option<&Ir>,
    ) -> Res {
        let items = match self.eval(list)? {
            Value::List(items) | Value::Set(items) => items,
            _ => return Err(error("an aggregate over a value that is not a list")),
        };
        let mut count = 0i64;
        let mut sum = Decimal::ZERO;
        let mut kept = Vec::new();
        let mut found = false;
        let mut stop: Option<Stop> = None;
        for item in items.iter() {
            self.locals.push(item.clone());
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
                        .ok_or_else(|| error("a sum is too large")),
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
            if let Err(s) = step {
                stop = Some(match stop {
                    Some(p) => p.merge(s),
                    None => s,
                });
            }
            if found {
                // `any` found a true element, `every` a false one: decided whatever else is unknown.
                return Ok(Value::Bool(kind == Aggregate::Any));
            }
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

fn compare(op: CmpOp, x: &Value, y: &Value) -> bool {
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
        ArithOp::Div if b.is_zero() => return Err(error("division by zero")),
        ArithOp::Div => a.checked_div(*b),
    };
    r.map(Value::Num)
        .ok_or_else(|| error("a number is too large"))
}

#[cfg(test)]
mod tests;
