//! The variables of a region: the inputs whose values the conditions test, each with finitely
//! many samples that stand for all its values. A boolean or an enum is sampled by each of its
//! values; a number or a date by the constants it is compared with, the intervals between them
//! and beyond them; an optional input by `none` too.

use chrono::Days;
use rust_decimal::Decimal;

use super::Scope;
use crate::eval::explain::render_value;
use crate::model::{Ir, IrKind, Presence, Type, Value};

/// What a sample stands for.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Region {
    /// Exactly its value.
    Is,
    /// Any value (of an optional input whose values are not compared).
    Present,
    /// Every value below this constant.
    Below(Value),
    /// Every value above this constant.
    Above(Value),
    /// Every value strictly between these constants.
    Between(Value, Value),
}

/// One value of a variable, standing for a region of its values.
#[derive(Clone, Debug)]
pub(super) struct Sample {
    /// The value evaluated.
    pub(super) value: Value,
    /// What it stands for.
    pub(super) region: Region,
}

/// An input whose values split the regions.
#[derive(Debug)]
pub(super) struct Var {
    /// The input's slot.
    pub(super) input: usize,
    /// Its samples: together, every value it can take.
    pub(super) samples: Vec<Sample>,
    /// For a number or a date, the constants it may be compared with (its samples stand for
    /// the intervals between them, so a comparison with any other value is not decided);
    /// none for a boolean or an enum, whose samples are its values.
    pub(super) constants: Option<Vec<Value>>,
}

/// The variables of one analysis.
#[derive(Debug)]
pub(super) struct Vars {
    /// The variables, in the order they were met.
    pub(super) list: Vec<Var>,
    /// The variable of each input slot.
    by_input: Vec<Option<usize>>,
}

impl Vars {
    /// The variables that `roots` and the rules and definitions they read test, and those the
    /// inputs' `require` lines that read them test.
    pub(super) fn collect(scope: &Scope<'_>, roots: &[&Ir]) -> Vars {
        let mut walk = Walk::new(scope);
        for ir in roots {
            walk.ir(ir);
        }
        // The invariants of the inputs met: a region that breaks one is no input at all.
        let met: Vec<usize> = walk.order.clone();
        for info in scope.inputs {
            for (req, _) in &info.requires {
                if reads_any(req, &met) {
                    walk.ir(req);
                }
            }
        }
        let mut vars = Vars {
            list: Vec::new(),
            by_input: vec![None; scope.inputs.len()],
        };
        for input in walk.order.clone() {
            let constants = walk
                .constants
                .get_mut(input)
                .map(std::mem::take)
                .unwrap_or_default();
            if let Some(var) = variable(scope, input, constants) {
                if let Some(slot) = vars.by_input.get_mut(input) {
                    *slot = Some(vars.list.len());
                }
                vars.list.push(var);
            }
        }
        vars
    }

    /// The variables that conclusion `j` reads, through its rules and what they read: its
    /// value in a region depends on these alone.
    pub(super) fn read_by(&self, scope: &Scope<'_>, j: usize) -> Vec<usize> {
        let mut walk = Walk::new(scope);
        walk.conclusion(j);
        let mut out: Vec<usize> = walk
            .order
            .iter()
            .filter_map(|i| self.of_input(*i))
            .collect();
        out.sort_unstable();
        out
    }

    /// How many variables `ir` reads, through what it reads: the fewer, the sooner it is
    /// decided.
    pub(super) fn weight(&self, scope: &Scope<'_>, ir: &Ir) -> usize {
        let mut walk = Walk::new(scope);
        walk.ir(ir);
        walk.order
            .iter()
            .filter(|i| self.of_input(**i).is_some())
            .count()
    }

    /// The variable of input `slot`, if it is one.
    pub(super) fn of_input(&self, slot: usize) -> Option<usize> {
        self.by_input.get(slot).copied().flatten()
    }

    /// The variable `v`.
    pub(super) fn get(&self, v: usize) -> Option<&Var> {
        self.list.get(v)
    }

    /// Variable `v` given sample `s`, in words: "`report.pages` > 50 pages".
    pub(super) fn words(&self, scope: &Scope<'_>, v: usize, s: usize) -> Option<String> {
        let var = self.list.get(v)?;
        let sample = var.samples.get(s)?;
        let info = scope.inputs.get(var.input)?;
        let path = &info.path;
        let show = |x: &Value| render_value(scope.types, Some(&info.ty), x);
        Some(match (&sample.region, &sample.value) {
            (Region::Is, Value::None) => format!("`{path}` is absent"),
            (Region::Is, x) => format!("`{path}` = {}", show(x)),
            (Region::Present, _) => format!("`{path}` is present"),
            (Region::Below(c), _) => format!("`{path}` < {}", show(c)),
            (Region::Above(c), _) => format!("`{path}` > {}", show(c)),
            (Region::Between(a, b), _) => {
                format!("`{path}` > {} and `{path}` < {}", show(a), show(b))
            }
        })
    }
}

/// The inputs `ir` reads itself (not through definitions or conclusions).
pub(super) fn inputs_read(ir: &Ir) -> Vec<usize> {
    let mut out = Vec::new();
    visit(ir, &mut |x| {
        if let IrKind::Input(i) = x.kind
            && !out.contains(&i)
        {
            out.push(i);
        }
    });
    out
}

/// True when `ir` reads one of `inputs`.
fn reads_any(ir: &Ir, inputs: &[usize]) -> bool {
    let mut found = false;
    visit(ir, &mut |x| {
        if let IrKind::Input(i) = x.kind {
            found |= inputs.contains(&i);
        }
    });
    found
}

/// Calls `f` on `ir` and every expression inside it.
fn visit(ir: &Ir, f: &mut impl FnMut(&Ir)) {
    f(ir);
    use IrKind as K;
    match &ir.kind {
        K::Const(_) | K::Input(_) | K::Param(_) | K::Def(_) | K::Conclusion(_) | K::Local(_) => {}
        K::Call(_, xs) | K::List(xs, _) => xs.iter().for_each(|x| visit(x, f)),
        K::Field(x, _)
        | K::Not(x)
        | K::Neg(x)
        | K::Scale(x, _, _)
        | K::IsAbsent(x)
        | K::IsEmpty(x)
        | K::Round(x, _) => visit(x, f),
        K::And(a, b)
        | K::Or(a, b)
        | K::Cmp(_, a, b)
        | K::Arith(_, a, b)
        | K::In(a, b)
        | K::DaysBetween(a, b)
        | K::AddDays(a, b, _)
        | K::AddMonths(a, b, _)
        | K::MinMax(_, a, b) => {
            visit(a, f);
            visit(b, f);
        }
        K::If(c, a, b) => {
            visit(c, f);
            visit(a, f);
            visit(b, f);
        }
        K::Aggregate {
            list,
            value,
            condition,
            ..
        } => {
            visit(list, f);
            for x in value.iter().chain(condition.iter()) {
                visit(x, f);
            }
        }
    }
}

/// The inputs an expression reads, through the definitions and conclusions it reads, with the
/// constants each number or date is compared with.
struct Walk<'s> {
    scope: &'s Scope<'s>,
    order: Vec<usize>,
    /// By input slot, definition and conclusion index: met already.
    seen: Vec<bool>,
    defs: Vec<bool>,
    conclusions: Vec<bool>,
    /// By input slot.
    constants: Vec<Vec<Value>>,
}

impl<'s> Walk<'s> {
    fn new(scope: &'s Scope<'s>) -> Self {
        Walk {
            scope,
            order: Vec::new(),
            seen: vec![false; scope.inputs.len()],
            defs: vec![false; scope.defs.len()],
            conclusions: vec![false; scope.conclusions.len()],
            constants: vec![Vec::new(); scope.inputs.len()],
        }
    }

    fn ir(&mut self, ir: &Ir) {
        let mut defs = Vec::new();
        let mut conclusions = Vec::new();
        visit(ir, &mut |x| match &x.kind {
            IrKind::Input(i) if first(&mut self.seen, *i) => self.order.push(*i),
            IrKind::Def(i) => defs.push(*i),
            IrKind::Conclusion(j) => conclusions.push(*j),
            IrKind::Cmp(_, a, b) => {
                for (term, other) in [(a, b), (b, a)] {
                    if let (IrKind::Input(i), Some(c)) = (&term.kind, self.scope.constant(other))
                        && matches!(c, Value::Num(_) | Value::Date(_))
                        && let Some(list) = self.constants.get_mut(*i)
                    {
                        // Repeats are dropped once sorted (`variable`), the first met kept:
                        // a search of the list for each comparison was quadratic.
                        list.push(c.clone());
                    }
                }
            }
            _ => {}
        });
        for i in defs {
            if first(&mut self.defs, i)
                && let Some(d) = self.scope.defs.get(i)
            {
                self.ir(&d.body);
            }
        }
        for j in conclusions {
            self.conclusion(j);
        }
    }

    fn conclusion(&mut self, j: usize) {
        if first(&mut self.conclusions, j)
            && let Some(c) = self.scope.conclusions.get(j)
        {
            for r in &c.rules {
                if let Some(cond) = &r.condition {
                    self.ir(cond);
                }
                self.ir(&r.value);
            }
        }
    }
}

/// True the first time `i` is marked in `met`.
fn first(met: &mut [bool], i: usize) -> bool {
    match met.get_mut(i) {
        Some(m) if !*m => {
            *m = true;
            true
        }
        _ => false,
    }
}

/// The variable of input `slot`, if its values can be sampled.
fn variable(scope: &Scope<'_>, slot: usize, mut constants: Vec<Value>) -> Option<Var> {
    let info = scope.inputs.get(slot)?;
    let optional = info.presence == Presence::Optional;
    let is = |value| Sample {
        value,
        region: Region::Is,
    };
    let (mut samples, constants) = match &info.ty {
        Type::Bool => (vec![is(Value::Bool(false)), is(Value::Bool(true))], None),
        Type::Enum(e) => {
            let n = scope.types.enums.get(*e)?.variants.len();
            let e = u32::try_from(*e).ok()?;
            let values = (0..u32::try_from(n).ok()?).map(|i| is(Value::Enum(e, i)));
            (values.collect(), None)
        }
        Type::Num { .. } | Type::Date if !constants.is_empty() => {
            let integral = !matches!(
                info.ty,
                Type::Num {
                    integral: false,
                    ..
                }
            );
            constants.sort();
            constants.dedup();
            (intervals(&constants, integral), Some(constants))
        }
        // Only its presence is tested: one sample stands for every present value.
        _ if optional => {
            let present = Sample {
                value: Value::Bool(true),
                region: Region::Present,
            };
            (vec![present], Some(Vec::new()))
        }
        _ => return None,
    };
    if optional {
        samples.push(is(Value::None));
    }
    Some(Var {
        input: slot,
        samples,
        constants,
    })
}

/// Samples of the number line (or the calendar) cut at `cuts`, sorted: below the first, each
/// constant that a value can equal, between two, above the last. `integral` for whole numbers
/// and dates, where an interval may be empty or hold one value.
fn intervals(cuts: &[Value], integral: bool) -> Vec<Sample> {
    let mut out = Vec::new();
    let (Some(first), Some(last)) = (cuts.first(), cuts.last()) else {
        return out;
    };
    if let Some(v) = step(first, false, integral) {
        out.push(Sample {
            value: v,
            region: Region::Below(first.clone()),
        });
    }
    for (i, c) in cuts.iter().enumerate() {
        if !integral || is_whole(c) {
            out.push(Sample {
                value: c.clone(),
                region: Region::Is,
            });
        }
        let Some(next) = cuts.get(i + 1) else {
            continue;
        };
        if let Some(s) = between(c, next, integral) {
            out.push(s);
        }
    }
    if let Some(v) = step(last, true, integral) {
        out.push(Sample {
            value: v,
            region: Region::Above(last.clone()),
        });
    }
    out
}

/// True for a whole number or a date.
fn is_whole(v: &Value) -> bool {
    match v {
        Value::Num(n) => n.fract().is_zero(),
        _ => true,
    }
}

/// A value just above (`up`) or below `c`: the next whole number or day, or one more or less.
fn step(c: &Value, up: bool, integral: bool) -> Option<Value> {
    match c {
        Value::Num(n) => {
            let n = match (integral, up) {
                (true, true) => n.floor().checked_add(Decimal::ONE)?,
                (true, false) => n.ceil().checked_sub(Decimal::ONE)?,
                (false, true) => n.checked_add(Decimal::ONE)?,
                (false, false) => n.checked_sub(Decimal::ONE)?,
            };
            Some(Value::Num(n))
        }
        Value::Date(d) if up => d.checked_add_days(Days::new(1)).map(Value::Date),
        Value::Date(d) => d.checked_sub_days(Days::new(1)).map(Value::Date),
        _ => None,
    }
}

/// A sample strictly between `a` and `b` (`a < b`), if there is a value there: the region it
/// stands for is that one value when it is the only one.
fn between(a: &Value, b: &Value, integral: bool) -> Option<Sample> {
    let value = if integral {
        step(a, true, true)?
    } else {
        let (Value::Num(x), Value::Num(y)) = (a, b) else {
            return None;
        };
        Value::Num(x.checked_add(*y)?.checked_div(Decimal::TWO)?)
    };
    if value >= *b {
        return None;
    }
    let alone = integral && step(&value, true, true).is_some_and(|next| next >= *b);
    let region = if alone {
        Region::Is
    } else {
        Region::Between(a.clone(), b.clone())
    };
    Some(Sample { value, region })
}
