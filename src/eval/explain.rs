//! Explanations: the facts that made a rule's condition hold (or an exception's fail), in words
//! a reviewer can read ("periods[0].signed = false"). Built only for the conclusions a decision
//! returns, in one pass over each condition; the texts of facts with few possible values
//! (enums, booleans, parameters) are rendered once, when the policy is compiled.

use std::sync::Arc;

use crate::eval::{Evaluator, Outcome, Res, Stop};
use crate::model::*;

/// A value as a reviewer reads it: `12 weeks`, `2027-04-16`, `force_majeure`, `[a, b]`.
pub fn render_value(types: &TypeTable, ty: Option<&Type>, v: &Value) -> String {
    match v {
        Value::None => "none".into(),
        Value::Bool(b) => b.to_string(),
        Value::Num(n) => {
            let n = n.normalize();
            match ty.map(Type::base) {
                Some(Type::Num { unit, .. }) if *unit != Unit::None => {
                    format!("{n} {}", types.unit_name(*unit))
                }
                _ => n.to_string(),
            }
        }
        Value::Date(d) => d.format("%Y-%m-%d").to_string(),
        Value::Enum(e, i) => types
            .enums
            .get(*e as usize)
            .and_then(|en| en.variants.get(*i as usize))
            .cloned()
            .unwrap_or_else(|| "?".into()),
        Value::Text(t) => format!("\"{t}\""),
        Value::List(items) | Value::Set(items) => {
            let elem = ty.and_then(Type::element);
            if items.iter().any(|i| matches!(i, Value::Record(_))) {
                return format!("{} entries", items.len());
            }
            let parts: Vec<String> = items.iter().map(|i| render_value(types, elem, i)).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Record(_) => "{…}".into(),
        Value::Missing(p) => format!("missing ({p})"),
    }
}

/// A named fact an expression reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FactRef {
    /// A declared input, by slot.
    Input(usize),
    /// A parameter.
    Param(usize),
    /// A definition without parameters.
    Def(usize),
    /// A conclusion.
    Conclusion(usize),
}

/// The texts of facts whose values are few, rendered when the policy is compiled: for each
/// input, definition and conclusion of an enum or boolean type, `name = value` for every value
/// (booleans: `false` then `true`; enums: their values in order; then `none` when optional); for
/// each parameter, `name = value`.
#[derive(Clone, Debug, Default)]
pub struct FactTexts {
    inputs: Vec<Vec<Arc<str>>>,
    defs: Vec<Vec<Arc<str>>>,
    conclusions: Vec<Vec<Arc<str>>>,
    params: Vec<Option<Arc<str>>>,
}

fn finite_texts(types: &TypeTable, name: &str, ty: &Type, optional: bool) -> Vec<Arc<str>> {
    let mut out: Vec<Arc<str>> = match ty.base() {
        Type::Bool => vec![
            format!("{name} = false").into(),
            format!("{name} = true").into(),
        ],
        Type::Enum(e) => types
            .enums
            .get(*e)
            .map(|en| {
                en.variants
                    .iter()
                    .map(|v| Arc::from(format!("{name} = {v}")))
                    .collect()
            })
            .unwrap_or_default(),
        _ => return Vec::new(),
    };
    if optional || ty.is_optional() {
        out.push(format!("{name} = none").into());
    }
    out
}

/// The position of a value among the pre-rendered texts of its fact.
fn finite_index(v: &Value, texts: &[Arc<str>]) -> Option<usize> {
    match v {
        Value::Bool(b) => Some(usize::from(*b)),
        Value::Enum(_, i) => Some(*i as usize),
        Value::None => texts.len().checked_sub(1),
        _ => None,
    }
}

impl FactTexts {
    /// Renders the texts of `policy`'s facts.
    pub fn of(policy: &CompiledPolicy) -> FactTexts {
        let t = &policy.types;
        FactTexts {
            inputs: policy
                .inputs
                .iter()
                .map(|i| finite_texts(t, &i.path, &i.ty, i.presence == Presence::Optional))
                .collect(),
            defs: policy
                .defs
                .iter()
                .map(|d| finite_texts(t, &d.name, &d.ty, false))
                .collect(),
            conclusions: policy
                .conclusions
                .iter()
                .map(|c| finite_texts(t, &c.name, &c.ty, false))
                .collect(),
            params: policy
                .params
                .iter()
                .map(|p| {
                    p.value.as_ref().map(|v| {
                        Arc::from(format!("{} = {}", p.name, render_value(t, Some(&p.ty), v)))
                    })
                })
                .collect(),
        }
    }
}

impl Evaluator<'_> {
    /// The facts behind the truth value of a condition, in one pass: for `and` that holds (or
    /// `or` that fails) both sides' facts, for `and` that fails (or `or` that holds) those of
    /// the side that decided it, for an atom the facts it reads.
    pub fn because(&mut self, policy: &CompiledPolicy, code: &Ir) -> Vec<Arc<str>> {
        let mut refs = Vec::new();
        let _ = self.explained(code, &mut refs);
        let mut out: Vec<Arc<str>> = Vec::with_capacity(refs.len());
        for (i, r) in refs.iter().enumerate() {
            if refs.get(..i).is_some_and(|before| before.contains(r)) {
                continue;
            }
            out.push(self.fact_text(policy, *r));
        }
        out
    }

    /// Evaluates `code`, appending to `refs` the facts that decide its value.
    fn explained(&mut self, code: &Ir, refs: &mut Vec<FactRef>) -> Res {
        match &code.kind {
            IrKind::Not(x) => match self.explained(x, refs)? {
                Value::Bool(b) => Ok(Value::Bool(!b)),
                _ => Err(Stop::Error("a condition is not a boolean".into())),
            },
            IrKind::And(a, b) | IrKind::Or(a, b) => {
                let short = matches!(code.kind, IrKind::Or(..));
                let mark = refs.len();
                let left = self.explained(a, refs);
                if left == Ok(Value::Bool(short)) {
                    return left;
                }
                let middle = refs.len();
                let right = self.explained(b, refs);
                if right == Ok(Value::Bool(short)) {
                    // The right side decided alone: drop the left side's facts.
                    refs.drain(mark..middle);
                    return right;
                }
                match (left, right) {
                    (Ok(_), Ok(r)) => Ok(r),
                    (Err(s), _) | (_, Err(s)) => Err(s),
                }
            }
            _ => {
                collect_refs(code, refs);
                self.eval(code)
            }
        }
    }

    fn fact_text(&mut self, policy: &CompiledPolicy, r: FactRef) -> Arc<str> {
        let texts = &policy.fact_texts;
        let (name, ty, value, finite): (&str, &Type, Res, Option<&Vec<Arc<str>>>) = match r {
            FactRef::Input(slot) => {
                let Some(info) = policy.inputs.get(slot) else {
                    return Arc::from("?");
                };
                let value = self.eval(&Ir {
                    kind: IrKind::Input(slot),
                    span: info.span,
                });
                (&info.path, &info.ty, value, texts.inputs.get(slot))
            }
            FactRef::Param(i) => {
                if let Some(Some(text)) = texts.params.get(i) {
                    return Arc::clone(text);
                }
                let Some(info) = policy.params.get(i) else {
                    return Arc::from("?");
                };
                (&info.name, &info.ty, Err(Stop::Missing(Vec::new())), None)
            }
            FactRef::Def(i) => {
                let Some(info) = policy.defs.get(i) else {
                    return Arc::from("?");
                };
                let value = self.eval(&Ir {
                    kind: IrKind::Def(i),
                    span: info.span,
                });
                (&info.name, &info.ty, value, texts.defs.get(i))
            }
            FactRef::Conclusion(i) => {
                let Some(info) = policy.conclusions.get(i) else {
                    return Arc::from("?");
                };
                let value = self.eval(&Ir {
                    kind: IrKind::Conclusion(i),
                    span: info.span,
                });
                if value.is_err()
                    && let Some(Outcome::Undetermined { known, .. }) = self.outcome(i)
                    && !known.is_empty()
                {
                    let set = Value::Set(known.clone().into());
                    return format!(
                        "{} includes {}",
                        info.name,
                        render_value(&policy.types, Some(&info.ty), &set)
                    )
                    .into();
                }
                (&info.name, &info.ty, value, texts.conclusions.get(i))
            }
        };
        match value {
            Ok(v) => {
                if let Some(t) = finite.and_then(|f| finite_index(&v, f).and_then(|k| f.get(k))) {
                    return Arc::clone(t);
                }
                format!("{name} = {}", render_value(&policy.types, Some(ty), &v)).into()
            }
            Err(_) => format!("{name} is unknown").into(),
        }
    }
}

/// The named facts an expression reads, without entering definitions' bodies.
pub fn collect_refs(code: &Ir, out: &mut Vec<FactRef>) {
    let fact = match &code.kind {
        IrKind::Input(i) => Some(FactRef::Input(*i)),
        IrKind::Param(i) => Some(FactRef::Param(*i)),
        IrKind::Def(i) => Some(FactRef::Def(*i)),
        IrKind::Conclusion(i) => Some(FactRef::Conclusion(*i)),
        _ => None,
    };
    if let Some(f) = fact {
        out.push(f);
        return;
    }
    match &code.kind {
        IrKind::Call(_, args) | IrKind::List(args, _) => {
            args.iter().for_each(|a| collect_refs(a, out))
        }
        IrKind::Field(x, _)
        | IrKind::Not(x)
        | IrKind::Neg(x)
        | IrKind::Scale(x, _)
        | IrKind::IsAbsent(x)
        | IrKind::IsEmpty(x)
        | IrKind::Floor(x) => collect_refs(x, out),
        IrKind::And(a, b)
        | IrKind::Or(a, b)
        | IrKind::Cmp(_, a, b)
        | IrKind::Arith(_, a, b)
        | IrKind::In(a, b)
        | IrKind::DaysBetween(a, b)
        | IrKind::AddDays(a, b, _)
        | IrKind::AddMonths(a, b, _)
        | IrKind::MinMax(_, a, b) => {
            collect_refs(a, out);
            collect_refs(b, out);
        }
        IrKind::If(c, a, b) => {
            collect_refs(c, out);
            collect_refs(a, out);
            collect_refs(b, out);
        }
        IrKind::Aggregate {
            list,
            value,
            condition,
            ..
        } => {
            collect_refs(list, out);
            if let Some(v) = value {
                collect_refs(v, out);
            }
            if let Some(c) = condition {
                collect_refs(c, out);
            }
        }
        _ => {}
    }
}
