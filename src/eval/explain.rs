//! Explanations: the facts that made a rule's condition hold (or an exception's fail), in words
//! a reviewer can read (`internship.periods[0].agreement_signed = false`). The facts are those
//! the evaluator recorded while deciding (see [`crate::eval::Record`]); here they only become
//! text. The texts of facts with few possible values (enums, booleans, parameters) are rendered
//! once, when the policy is prepared.

use std::borrow::Cow;
use std::sync::Arc;

use crate::eval::{Evaluator, FactRef, Outcome};
use crate::model::*;

/// A value as a reviewer reads it: `12 weeks`, `2027-04-16`, `force_majeure`, `[a, b]`.
#[expect(
    clippy::indexing_slicing,
    reason = "an enum value is made by the input reader or the checker from a declared variant"
)]
pub fn render_value(types: &TypeTable, ty: Option<&Type>, v: &Value) -> String {
    match v {
        Value::None => "none".into(),
        Value::Bool(b) => b.to_string(),
        // With its scale, as the decision writes it (`421.80`, not `421.8`).
        Value::Num(n) => match ty.map(Type::base) {
            Some(Type::Num { unit, .. }) if *unit != Unit::None => {
                format!("{n} {}", types.unit_name(*unit))
            }
            _ => n.to_string(),
        },
        Value::Date(d) => d.format("%Y-%m-%d").to_string(),
        Value::Enum(e, i) => types.enums[*e as usize].variants[*i as usize].clone(),
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
    /// The facts that rule `rule` of conclusion `conclusion` read, in words, without repeats:
    /// read from what deciding recorded, nothing is evaluated again.
    pub fn because(
        &self,
        policy: &CompiledPolicy,
        texts: &FactTexts,
        conclusion: usize,
        rule: usize,
    ) -> Vec<Arc<str>> {
        let mut out = Vec::new();
        self.add_because(policy, texts, conclusion, rule, &mut out);
        out
    }

    /// Appends to `out` the texts of the facts rule `rule` of `conclusion` read, skipping
    /// those already there.
    pub fn add_because(
        &self,
        policy: &CompiledPolicy,
        texts: &FactTexts,
        conclusion: usize,
        rule: usize,
        out: &mut Vec<Arc<str>>,
    ) {
        let reads = self.reads(conclusion, rule);
        out.reserve(reads.len());
        for (i, r) in reads.iter().enumerate() {
            if reads.get(..i).is_some_and(|before| before.contains(r)) {
                continue;
            }
            let text = self.fact_text(policy, texts, *r);
            if !out.contains(&text) {
                out.push(text);
            }
        }
    }

    /// `name = value` for a fact, from the values deciding computed.
    fn fact_text(&self, policy: &CompiledPolicy, texts: &FactTexts, r: FactRef) -> Arc<str> {
        let types = &policy.types;
        let (name, ty, value, finite): Described<'_> = match r {
            FactRef::Input(slot) => {
                let info = policy.inputs.get(slot);
                (
                    info.map_or(Cow::Borrowed(""), |i| Cow::Borrowed(&i.path)),
                    info.map(|i| &i.ty),
                    self.fact(slot),
                    texts.inputs.get(slot),
                )
            }
            FactRef::Field(slot, field) => {
                let (name, ty) = field_of(policy, slot, None, field);
                let value = self.fact(slot).and_then(|v| slot_of(v, field));
                (Cow::Owned(name), ty, value, None)
            }
            FactRef::Element(slot, index, field) => {
                let (name, ty) = field_of(policy, slot, Some(index), field);
                let value = self
                    .fact(slot)
                    .and_then(|v| slot_of(v, index))
                    .and_then(|v| slot_of(v, field));
                (Cow::Owned(name), ty, value, None)
            }
            FactRef::Param(i) => {
                if let Some(Some(text)) = texts.params.get(i) {
                    return Arc::clone(text);
                }
                let info = policy.params.get(i);
                (
                    info.map_or(Cow::Borrowed(""), |p| Cow::Borrowed(&p.name)),
                    info.map(|p| &p.ty),
                    None,
                    None,
                )
            }
            FactRef::Def(i) => {
                let info = policy.defs.get(i);
                (
                    info.map_or(Cow::Borrowed(""), |d| Cow::Borrowed(&d.name)),
                    info.map(|d| &d.ty),
                    self.definition_value(i),
                    texts.defs.get(i),
                )
            }
            FactRef::Conclusion(i) => {
                let info = policy.conclusions.get(i);
                let name = info.map_or(Cow::Borrowed(""), |c| Cow::Borrowed(c.name.as_str()));
                let outcome = self.recorded(i).map(|r| &r.outcome);
                if let Some(Outcome::Undetermined { known, .. }) = outcome
                    && !known.is_empty()
                {
                    let set = Value::Set(known.clone().into());
                    let ty = info.map(|c| &c.ty);
                    return format!("{name} includes {}", render_value(types, ty, &set)).into();
                }
                let value = match outcome {
                    Some(Outcome::Decided { value, .. }) => Some(value),
                    _ => None,
                };
                (name, info.map(|c| &c.ty), value, texts.conclusions.get(i))
            }
        };
        match value {
            Some(v) => {
                if let Some(t) = finite.and_then(|f| finite_index(v, f).and_then(|k| f.get(k))) {
                    return Arc::clone(t);
                }
                format!("{name} = {}", render_value(types, ty, v)).into()
            }
            None => format!("{name} is unknown").into(),
        }
    }
}

/// A fact described: its name, its type, its value if known, its pre-rendered texts if any.
type Described<'a> = (
    Cow<'a, str>,
    Option<&'a Type>,
    Option<&'a Value>,
    Option<&'a Vec<Arc<str>>>,
);

/// The element or field `i` of a list or record value.
fn slot_of(v: &Value, i: u32) -> Option<&Value> {
    match v {
        Value::List(items) | Value::Set(items) | Value::Record(items) => items.get(i as usize),
        _ => None,
    }
}

/// The name (`internship.periods[0].end`) and type of a field of a record input, or of an
/// element of a list input.
fn field_of(
    policy: &CompiledPolicy,
    slot: usize,
    index: Option<u32>,
    field: u32,
) -> (String, Option<&Type>) {
    let Some(input) = policy.inputs.get(slot) else {
        return (String::new(), None);
    };
    let record = match index {
        Some(_) => input.ty.element().map(Type::base),
        None => Some(input.ty.base()),
    };
    let info = match record {
        Some(Type::Record(r)) => policy
            .types
            .records
            .get(*r)
            .and_then(|r| r.fields.get(field as usize)),
        _ => None,
    };
    let field_name = info.map_or("", |f| f.name.as_str());
    let name = match index {
        Some(i) => format!("{}[{i}].{field_name}", input.path),
        None => format!("{}.{field_name}", input.path),
    };
    (name, info.map(|f| &f.ty))
}
