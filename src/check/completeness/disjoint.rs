//! What the text of conditions settles without a search. A condition says a value is one of
//! some constants (`x = a`, `x in [a, b]`, `x is absent`) or none of them (`x != a`), joined by
//! `and`: two conditions that say it of the same value with no constant in common cannot hold
//! together, and rules whose conditions each say only that, and together name every value the
//! value's type has, leave no gap.

use super::Scope;
use crate::check::rules::same_opt;
use crate::model::{CmpOp, ConclusionInfo, Ir, IrKind, Presence, Type, Value};

/// What a condition says of one value.
struct Fact<'a> {
    /// The value (an input, a conclusion, any expression).
    term: &'a Ir,
    /// The constants it says the value is one of (`true`) or none of (`false`).
    among: bool,
    constants: Vec<Value>,
}

/// What a condition says of the values it tests, read once for all the pairs it is in.
pub(super) struct Facts<'a>(Vec<Fact<'a>>);

impl<'a> Facts<'a> {
    pub(super) fn of(scope: &Scope<'_>, ir: &'a Ir) -> Facts<'a> {
        let mut out = Vec::new();
        facts(scope, ir, &mut out);
        Facts(out)
    }
}

/// True when the conditions of `fa` and `fb` cannot both be true.
pub(super) fn disjoint(fa: &Facts<'_>, fb: &Facts<'_>) -> bool {
    fa.0.iter().any(|x| {
        fb.0.iter().any(|y| {
            same_opt(Some(x.term), Some(y.term))
                && match (x.among, y.among) {
                    (true, true) => !x.constants.iter().any(|c| y.constants.contains(c)),
                    (true, false) => x.constants.iter().all(|c| y.constants.contains(c)),
                    (false, true) => y.constants.iter().all(|c| x.constants.contains(c)),
                    (false, false) => false,
                }
        })
    })
}

/// The facts of the conjuncts of `ir`.
fn facts<'a>(scope: &Scope<'_>, ir: &'a Ir, out: &mut Vec<Fact<'a>>) {
    let fact = |term, among, constants| Fact {
        term,
        among,
        constants,
    };
    match &ir.kind {
        IrKind::And(a, b) => {
            facts(scope, a, out);
            facts(scope, b, out);
        }
        IrKind::Cmp(op @ (CmpOp::Eq | CmpOp::Ne), a, b) => {
            let among = *op == CmpOp::Eq;
            match (scope.constant(a), scope.constant(b)) {
                (None, Some(c)) => out.push(fact(a, among, vec![c.clone()])),
                (Some(c), None) => out.push(fact(b, among, vec![c.clone()])),
                _ => {}
            }
        }
        IrKind::In(a, list) => out.extend(listed(scope, list).map(|cs| fact(a, true, cs))),
        IrKind::IsAbsent(a) => out.push(fact(a, true, vec![Value::None])),
        IrKind::Not(x) => match &x.kind {
            IrKind::In(a, list) => out.extend(listed(scope, list).map(|cs| fact(a, false, cs))),
            IrKind::IsAbsent(a) => out.push(fact(a, false, vec![Value::None])),
            _ => {}
        },
        _ => {}
    }
}

/// The constants of a list written out, if each is one.
fn listed(scope: &Scope<'_>, list: &Ir) -> Option<Vec<Value>> {
    match &list.kind {
        IrKind::List(items, _) => items.iter().map(|x| scope.constant(x).cloned()).collect(),
        _ => None,
    }
}

/// True when some rule of `c` applies whatever the record: conditions that each say only that
/// one value is among some constants, which together are every value of its type.
pub(super) fn covered(scope: &Scope<'_>, c: &ConclusionInfo) -> bool {
    let mut terms: Vec<(&Ir, Vec<Value>)> = Vec::new();
    for r in &c.rules {
        let Some(cond) = &r.condition else {
            return true;
        };
        let mut fs = Vec::new();
        facts(scope, cond, &mut fs);
        let (Some(f), true) = (fs.pop(), fs.is_empty()) else {
            continue;
        };
        // The condition is exactly this fact (not a conjunction with more).
        if !f.among
            || !matches!(
                cond.kind,
                IrKind::Cmp(..) | IrKind::In(..) | IrKind::IsAbsent(_)
            )
        {
            continue;
        }
        match terms
            .iter_mut()
            .find(|(t, _)| same_opt(Some(t), Some(f.term)))
        {
            Some((_, values)) => values.extend(f.constants),
            None => terms.push((f.term, f.constants)),
        }
    }
    terms.iter().any(|(term, values)| {
        domain(scope, term).is_some_and(|all| all.iter().all(|v| values.contains(v)))
    })
}

/// Every value of the type of `term`, an input or a conclusion of a boolean or an enum type.
fn domain(scope: &Scope<'_>, term: &Ir) -> Option<Vec<Value>> {
    let (ty, optional) = match &term.kind {
        IrKind::Input(i) => {
            let info = scope.inputs.get(*i)?;
            (&info.ty, info.presence == Presence::Optional)
        }
        IrKind::Conclusion(j) => {
            let c = scope.conclusions.get(*j)?;
            (c.ty.base(), c.ty.is_optional())
        }
        _ => return None,
    };
    let mut values = match ty {
        Type::Bool => vec![Value::Bool(false), Value::Bool(true)],
        Type::Enum(e) => {
            let n = u32::try_from(scope.types.enums.get(*e)?.variants.len()).ok()?;
            let e = u32::try_from(*e).ok()?;
            (0..n).map(|i| Value::Enum(e, i)).collect()
        }
        _ => return None,
    };
    if optional {
        values.push(Value::None);
    }
    Some(values)
}
