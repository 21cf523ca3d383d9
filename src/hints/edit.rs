//! Changes to a candidate's facts: where (an input, a field of a record input, a field of one
//! element of a list input), what (a new value, an element added or removed), and how far the
//! change goes (what ranks hints of the same size).

use std::sync::Arc;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::eval::Evaluator;
use crate::model::{CompiledPolicy, Type, Value};

/// Where a change applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Loc {
    /// An input, by slot.
    Input(usize),
    /// A field of a record input: the slot, the field.
    Field(usize, usize),
    /// A field of an element of a list input: the slot, the element, the field.
    Element(usize, usize, usize),
}

impl Loc {
    /// The input the place belongs to.
    pub fn slot(self) -> usize {
        match self {
            Loc::Input(slot) | Loc::Field(slot, _) | Loc::Element(slot, _, _) => slot,
        }
    }
}

/// What a change does.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum What {
    /// Gives the place this value.
    Set(Value),
    /// Adds this element to a list input.
    Add(Value),
    /// Removes the element at this index of a list input.
    Remove(usize),
}

/// One change to the facts.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Edit {
    /// Where.
    pub loc: Loc,
    /// What.
    pub what: What,
}

/// The value at `loc` in `facts`.
pub fn get(facts: &[Value], loc: Loc) -> Option<&Value> {
    match loc {
        Loc::Input(slot) => facts.get(slot),
        Loc::Field(slot, f) => slot_of(facts.get(slot)?, f),
        Loc::Element(slot, i, f) => slot_of(slot_of(facts.get(slot)?, i)?, f),
    }
}

fn slot_of(v: &Value, i: usize) -> Option<&Value> {
    match v {
        Value::List(items) | Value::Set(items) | Value::Record(items) => items.get(i),
        _ => None,
    }
}

/// `items` with element `i` replaced by `v`.
fn replaced(items: &[Value], i: usize, v: Value) -> Option<Arc<[Value]>> {
    let mut out = items.to_vec();
    *out.get_mut(i)? = v;
    Some(out.into())
}

/// Changes made in place to a candidate's facts, to be given back: a search tries thousands of
/// changes, and a copy of the facts for each cost the square of the inputs of a large policy.
#[derive(Debug, Default)]
pub struct Made(Vec<(usize, Value)>);

impl Made {
    /// Makes `edit` on `facts`; none, and nothing changed, when it does not apply or would make
    /// a record break one of its `require`s (the record would then be rejected as input).
    pub fn make(
        &mut self,
        policy: &CompiledPolicy,
        facts: &mut [Value],
        edit: &Edit,
    ) -> Option<()> {
        let new = edited(policy, facts, edit)?;
        let slot = edit.loc.slot();
        let old = std::mem::replace(facts.get_mut(slot)?, new);
        self.0.push((slot, old));
        Some(())
    }

    /// Gives `facts` back the values the changes replaced, the last change first.
    pub fn undo(self, facts: &mut [Value]) {
        for (slot, old) in self.0.into_iter().rev() {
            if let Some(place) = facts.get_mut(slot) {
                *place = old;
            }
        }
    }
}

/// Makes `edits` on `facts` in turn, calls `f` on the facts changed, and gives them back their
/// values; none when an edit does not apply (see [`Made::make`]). `each` sees the facts before
/// each edit.
pub fn with_edits<R>(
    policy: &CompiledPolicy,
    facts: &mut [Value],
    edits: &[Edit],
    mut each: impl FnMut(&[Value], &Edit) -> Option<()>,
    f: impl FnOnce(&[Value]) -> R,
) -> Option<R> {
    let mut made = Made::default();
    let mut all = Some(());
    for e in edits {
        all = each(facts, e).and_then(|()| made.make(policy, facts, e));
        if all.is_none() {
            break;
        }
    }
    let out = all.map(|()| f(facts));
    made.undo(facts);
    out
}

/// The value of the input `edit` changes once it is made (see [`Made::make`]).
fn edited(policy: &CompiledPolicy, facts: &[Value], edit: &Edit) -> Option<Value> {
    let slot = edit.loc.slot();
    let current = facts.get(slot)?;
    let new = match (&edit.loc, &edit.what, current) {
        (Loc::Input(_), What::Set(v), _) => v.clone(),
        (Loc::Input(_), What::Add(v), Value::List(items)) => {
            let mut items = items.to_vec();
            items.push(v.clone());
            Value::List(items.into())
        }
        (Loc::Input(_), What::Remove(i), Value::List(items)) => {
            let mut items = items.to_vec();
            (*i < items.len()).then(|| items.remove(*i))?;
            Value::List(items.into())
        }
        (Loc::Field(_, f), What::Set(v), Value::Record(fields)) => {
            Value::Record(replaced(fields, *f, v.clone())?)
        }
        (Loc::Element(_, i, f), What::Set(v), Value::List(items)) => {
            let Value::Record(fields) = items.get(*i)? else {
                return None;
            };
            let element = replaced(fields, *f, v.clone())?;
            if !meets_requires(policy, input_element_record(policy, slot)?, &element) {
                return None;
            }
            Value::List(replaced(items, *i, Value::Record(element))?)
        }
        _ => return None,
    };
    Some(new)
}

/// The record type of the elements of list input `slot`.
fn input_element_record(policy: &CompiledPolicy, slot: usize) -> Option<usize> {
    match policy.inputs.get(slot)?.ty.element()?.base() {
        Type::Record(r) => Some(*r),
        _ => None,
    }
}

/// True when a record of type `record` with these fields meets its `require`s.
fn meets_requires(policy: &CompiledPolicy, record: usize, fields: &Arc<[Value]>) -> bool {
    let Some(info) = policy.types.records.get(record) else {
        return false;
    };
    let mut ev = Evaluator::bare();
    let mut locals = fields.to_vec();
    for (code, _) in &info.requires {
        let (result, back) = ev.with_locals_returned(locals, code);
        locals = back;
        if result == Ok(Value::Bool(false)) {
            return false;
        }
    }
    true
}

/// How far a change goes: the days a date moves, the units a number moves (at least 1), and
/// 1 for any other change.
pub fn distance(from: Option<&Value>, what: &What) -> u64 {
    match (from, what) {
        (Some(Value::Date(a)), What::Set(Value::Date(b))) => {
            (*b - *a).num_days().unsigned_abs().max(1)
        }
        (Some(Value::Num(a)), What::Set(Value::Num(b))) => {
            (*b - *a).abs().ceil().to_u64().unwrap_or(u64::MAX).max(1)
        }
        _ => 1,
    }
}

/// The position of a number or a date on the grid the search walks: days for dates, units
/// for whole numbers, hundredths for decimals.
pub fn position(v: &Value, integral: bool) -> Option<i64> {
    match v {
        Value::Date(d) => Some(i64::from(chrono::Datelike::num_days_from_ce(d))),
        Value::Num(n) if integral => n.floor().to_i64(),
        Value::Num(n) => (n * Decimal::ONE_HUNDRED).floor().to_i64(),
        _ => None,
    }
}

/// The value at a position of the grid, shaped like `like` (a date or a number); none off the
/// calendar years 1000 to 9999 (what a record's dates can say) or below zero for a number that
/// was not negative.
pub fn at_position(like: &Value, integral: bool, pos: i64) -> Option<Value> {
    match like {
        Value::Date(_) => {
            let d = chrono::NaiveDate::from_num_days_from_ce_opt(i32::try_from(pos).ok()?)?;
            let year = chrono::Datelike::year(&d);
            (1000..=9999).contains(&year).then_some(Value::Date(d))
        }
        Value::Num(n) => {
            let v = if integral {
                Decimal::from(pos)
            } else {
                Decimal::new(pos, 2).normalize()
            };
            (n.is_sign_negative() || !v.is_sign_negative()).then_some(Value::Num(v))
        }
        _ => None,
    }
}

/// The dotted path of `loc` (`internship.periods[0].end`) and the type of what it holds.
pub fn describe(policy: &CompiledPolicy, loc: Loc) -> Option<(String, Type)> {
    let (slot, index, field) = match loc {
        Loc::Input(s) => (s, None, None),
        Loc::Field(s, f) => (s, None, Some(f)),
        Loc::Element(s, i, f) => (s, Some(i), Some(f)),
    };
    let input = policy.inputs.get(slot)?;
    let Some(f) = field else {
        return Some((input.path.clone(), input.ty.clone()));
    };
    let record = match index {
        Some(_) => input.ty.element()?.base(),
        None => input.ty.base(),
    };
    let Type::Record(r) = record else {
        return None;
    };
    let field = policy.types.records.get(*r)?.fields.get(f)?;
    let path = match index {
        Some(i) => format!("{}[{i}].{}", input.path, field.name),
        None => format!("{}.{}", input.path, field.name),
    };
    Some((path, field.ty.clone()))
}
