//! Explanations, built only when asked for: the facts that made a rule's condition hold, in
//! words a reviewer can read ("periods[0].signed = false").

use crate::eval::{Evaluator, Stop};
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

impl Evaluator<'_> {
    /// The facts behind the truth value of `code` (a condition that was just evaluated).
    pub fn because(&mut self, policy: &CompiledPolicy, code: &Ir) -> Vec<String> {
        let mut out = Vec::new();
        self.reasons(policy, code, &mut out);
        out
    }

    fn reasons(&mut self, policy: &CompiledPolicy, code: &Ir, out: &mut Vec<String>) {
        let truth = self.eval(code).ok();
        match (&code.kind, truth) {
            (IrKind::Not(x), _) => self.reasons(policy, x, out),
            // `a and b` true, or `a or b` false: both sides count.
            (IrKind::And(a, b), Some(Value::Bool(true)))
            | (IrKind::Or(a, b), Some(Value::Bool(false))) => {
                self.reasons(policy, a, out);
                self.reasons(policy, b, out);
            }
            // `a and b` false, or `a or b` true: the side that decided it.
            (IrKind::And(a, b), Some(Value::Bool(false)))
            | (IrKind::Or(a, b), Some(Value::Bool(true))) => {
                let decisive = if self.eval(a).ok() == truth_of(&code.kind) {
                    a
                } else {
                    b
                };
                self.reasons(policy, decisive, out);
            }
            _ => self.facts_read(policy, code, out),
        }
    }

    /// `name = value` for each fact an atomic condition reads.
    fn facts_read(&mut self, policy: &CompiledPolicy, code: &Ir, out: &mut Vec<String>) {
        let mut refs = Vec::new();
        collect_refs(code, &mut refs);
        for r in refs {
            let (name, ty, value) = match r {
                IrKind::Input(slot) => {
                    let Some(info) = policy.inputs.get(*slot) else {
                        continue;
                    };
                    (
                        info.path.clone(),
                        info.ty.clone(),
                        self.eval(&Ir {
                            kind: r.clone(),
                            span: code.span,
                        }),
                    )
                }
                IrKind::Param(i) => {
                    let Some(info) = policy.params.get(*i) else {
                        continue;
                    };
                    (
                        info.name.clone(),
                        info.ty.clone(),
                        info.value.clone().ok_or(Stop::Missing(Vec::new())),
                    )
                }
                IrKind::Def(i) => {
                    let Some(info) = policy.defs.get(*i) else {
                        continue;
                    };
                    (
                        info.name.clone(),
                        info.ty.clone(),
                        self.eval(&Ir {
                            kind: r.clone(),
                            span: code.span,
                        }),
                    )
                }
                IrKind::Conclusion(i) => {
                    let Some(info) = policy.conclusions.get(*i) else {
                        continue;
                    };
                    (
                        info.name.clone(),
                        info.ty.clone(),
                        self.eval(&Ir {
                            kind: r.clone(),
                            span: code.span,
                        }),
                    )
                }
                _ => continue,
            };
            let text = match (value, r) {
                (Ok(v), _) => format!("{name} = {}", render_value(&policy.types, Some(&ty), &v)),
                (Err(_), IrKind::Conclusion(i)) => match self.conclusion(*i) {
                    crate::eval::Outcome::Undetermined { known, .. } if !known.is_empty() => {
                        let set = Value::Set(known.into());
                        format!(
                            "{name} includes {}",
                            render_value(&policy.types, Some(&ty), &set)
                        )
                    }
                    _ => format!("{name} is unknown"),
                },
                (Err(_), _) => format!("{name} is unknown"),
            };
            if !out.contains(&text) {
                out.push(text);
            }
        }
    }
}

fn truth_of(kind: &IrKind) -> Option<Value> {
    match kind {
        IrKind::And(..) => Some(Value::Bool(false)),
        _ => Some(Value::Bool(true)),
    }
}

/// The named facts an expression reads, without entering definitions' bodies.
fn collect_refs<'a>(code: &'a Ir, out: &mut Vec<&'a IrKind>) {
    match &code.kind {
        IrKind::Input(_) | IrKind::Param(_) | IrKind::Def(_) | IrKind::Conclusion(_) => {
            if !out.contains(&&code.kind) {
                out.push(&code.kind);
            }
        }
        IrKind::Const(_) | IrKind::Local(_) => {}
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
    }
}
