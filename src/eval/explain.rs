//! Explanations: the facts that made a rule's condition hold (or an exception's fail), in words
//! a reviewer can read (`internship.periods[0].agreement_signed = false`). The facts are those
//! the evaluator recorded while deciding (see [`crate::eval::Record`]); here they only become
//! text. The texts of facts with few possible values (enums, booleans, parameters) are rendered
//! once, when the policy is prepared.

use std::borrow::Cow;
use std::fmt::Write;
use std::sync::Arc;

use crate::eval::{Evaluator, FactRef, Outcome, words};
use crate::model::*;

/// A value as a reviewer reads it: `12 weeks`, `2027-04-16`, `force_majeure`, `[a, b]`.
pub fn render_value(types: &TypeTable, ty: Option<&Type>, v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, types, ty, v);
    out
}

/// Writes [`render_value`] at the end of `out`: a `because` text is written in one string,
/// not assembled from the strings of its parts.
#[expect(
    clippy::indexing_slicing,
    reason = "an enum value is made by the input reader or the checker from a declared variant"
)]
fn write_value(out: &mut String, types: &TypeTable, ty: Option<&Type>, v: &Value) {
    // Writing to a `String` cannot fail: the results of `write!` are left.
    match v {
        Value::None => out.push_str("none"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        // With its scale, as the decision writes it (`421.80`, not `421.8`).
        Value::Num(n) => {
            let _ = write!(out, "{n}");
            if let Some(Type::Num { unit, .. }) = ty.map(Type::base)
                && *unit != Unit::None
            {
                out.push(' ');
                out.push_str(types.unit_name(*unit));
            }
        }
        Value::Date(d) => {
            let _ = write!(out, "{}", d.format("%Y-%m-%d"));
        }
        Value::Enum(e, i) => out.push_str(&types.enums[*e as usize].variants[*i as usize]),
        Value::Text(t) => {
            out.push('"');
            out.push_str(t);
            out.push('"');
        }
        Value::List(items) | Value::Set(items) => {
            if items.iter().any(|i| matches!(i, Value::Record(_))) {
                let _ = write!(out, "{} entries", items.len());
                return;
            }
            let elem = ty.and_then(Type::element);
            out.push('[');
            for (k, item) in items.iter().enumerate() {
                if k > 0 {
                    out.push_str(", ");
                }
                write_value(out, types, elem, item);
            }
            out.push(']');
        }
        Value::Record(_) => out.push_str("{…}"),
        Value::Missing(p) => {
            let _ = write!(out, "missing ({p})");
        }
    }
}

/// The texts of facts whose values are few, rendered when the policy is prepared, in one
/// language: for each input, definition and conclusion of an enum or boolean type, its text for
/// every value (booleans: `false` then `true`; enums: their values in order; then `none` when
/// optional); for each parameter, its text. A fact with a label in the language reads
/// `Label : value in words`; one without reads `name = value`.
#[derive(Clone, Debug, Default)]
pub struct FactTexts {
    lang: Lang,
    inputs: Arc<[Vec<Arc<str>>]>,
    defs: Arc<[Vec<Arc<str>>]>,
    conclusions: Arc<[Vec<Arc<str>>]>,
    params: Vec<Option<Arc<str>>>,
}

/// A fact's text: in words under its label, else `name = value`.
fn fact_words(
    policy: &CompiledPolicy,
    name: &Named<'_>,
    ty: Option<&Type>,
    v: &Value,
    lang: Lang,
) -> String {
    match &name.label {
        Some(label) => words::fact(
            label,
            &words::value(&policy.types, &policy.labels, ty, v, lang),
            lang,
        ),
        None => {
            // The name, then the value: most values are short.
            let mut out = String::with_capacity(name.name.len() + 24);
            out.push_str(&name.name);
            out.push_str(" = ");
            write_value(&mut out, &policy.types, ty, v);
            out
        }
    }
}

/// A fact's name, and its label in the language asked if it has one.
struct Named<'a> {
    name: Cow<'a, str>,
    label: Option<Cow<'a, str>>,
}

fn finite_texts(
    policy: &CompiledPolicy,
    name: &Named<'_>,
    ty: &Type,
    optional: bool,
    lang: Lang,
) -> Vec<Arc<str>> {
    let mut values: Vec<Value> = match ty.base() {
        Type::Bool => vec![Value::Bool(false), Value::Bool(true)],
        Type::Enum(e) => {
            let n = policy.types.enums.get(*e).map_or(0, |en| en.variants.len());
            let (Ok(e), Ok(n)) = (u32::try_from(*e), u32::try_from(n)) else {
                return Vec::new();
            };
            (0..n).map(|i| Value::Enum(e, i)).collect()
        }
        _ => return Vec::new(),
    };
    if optional || ty.is_optional() {
        values.push(Value::None);
    }
    values
        .iter()
        .map(|v| Arc::from(fact_words(policy, name, Some(ty), v, lang)))
        .collect()
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

fn named<'a>(name: &'a str, label: Option<&'a str>) -> Named<'a> {
    Named {
        name: Cow::Borrowed(name),
        label: label.map(Cow::Borrowed),
    }
}

impl FactTexts {
    /// Renders the texts of `policy`'s facts in `lang`.
    pub fn of(policy: &CompiledPolicy, lang: Lang) -> FactTexts {
        let l = &policy.labels;
        FactTexts {
            lang,
            inputs: policy
                .inputs
                .iter()
                .enumerate()
                .map(|(slot, i)| {
                    let name = named(&i.path, l.input(slot, lang));
                    let optional = i.presence == Presence::Optional;
                    finite_texts(policy, &name, &i.ty, optional, lang)
                })
                .collect(),
            defs: policy
                .defs
                .iter()
                .enumerate()
                .map(|(k, d)| {
                    finite_texts(policy, &named(&d.name, l.def(k, lang)), &d.ty, false, lang)
                })
                .collect(),
            conclusions: policy
                .conclusions
                .iter()
                .enumerate()
                .map(|(k, c)| {
                    let name = named(&c.name, l.conclusion(k, lang));
                    finite_texts(policy, &name, &c.ty, false, lang)
                })
                .collect(),
            params: param_texts(policy, lang),
        }
    }

    /// The texts of `policy`, a version that extends the one these texts are of and changes
    /// nothing they render but parameters' values (no input, definition, conclusion or label
    /// of its own): these texts shared, its parameters' rendered.
    pub fn with_params_of(&self, policy: &CompiledPolicy) -> FactTexts {
        FactTexts {
            lang: self.lang,
            inputs: Arc::clone(&self.inputs),
            defs: Arc::clone(&self.defs),
            conclusions: Arc::clone(&self.conclusions),
            params: param_texts(policy, self.lang),
        }
    }

    /// The language of the texts.
    pub fn lang(&self) -> Lang {
        self.lang
    }
}

/// The text of each parameter of `policy` that has a value.
fn param_texts(policy: &CompiledPolicy, lang: Lang) -> Vec<Option<Arc<str>>> {
    policy
        .params
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let name = named(&p.name, policy.labels.param(k, lang));
            p.value
                .as_ref()
                .map(|v| Arc::from(fact_words(policy, &name, Some(&p.ty), v, lang)))
        })
        .collect()
}

/// What `because` says of a fact that settling showed cannot change the value: `report.parts is
/// unknown, and every value it may take gives this value`, or in words under its label.
pub fn settled_text(policy: &CompiledPolicy, fact: &str, lang: Lang) -> String {
    let slot = policy.inputs.iter().position(|i| i.path == fact);
    let label = slot.and_then(|s| policy.labels.input(s, lang)).or_else(|| {
        let p = policy.params.iter().position(|p| p.name == fact)?;
        policy.labels.param(p, lang)
    });
    match (label, lang) {
        (Some(label), Lang::Fr) => format!(
            "{} : inconnu, mais chacune de ses valeurs possibles donne ce résultat",
            words::capitalised(label)
        ),
        (Some(label), Lang::En) => format!(
            "{}: unknown, and every value it may take gives this value",
            words::capitalised(label)
        ),
        (None, Lang::Fr) => {
            format!("{fact} : inconnu, mais chacune de ses valeurs possibles donne ce résultat")
        }
        (None, Lang::En) => {
            format!("{fact} is unknown, and every value it may take gives this value")
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
        self.add_because(policy, texts, (conclusion, rule), &mut Vec::new(), &mut out);
        out
    }

    /// Appends to `out` the texts of the facts rule `rule` of `conclusion` read, skipping
    /// those already there. `read` holds the facts whose texts were added before, so that a
    /// fact many rules read is put in words once (the rows of a `first` table above the one
    /// that applies all read its columns: thousands of times the same text).
    pub fn add_because(
        &self,
        policy: &CompiledPolicy,
        texts: &FactTexts,
        (conclusion, rule): (usize, usize),
        read: &mut Vec<FactRef>,
        out: &mut Vec<Arc<str>>,
    ) {
        let reads = self.reads(conclusion, rule);
        out.reserve(reads.len());
        for r in reads {
            if read.contains(r) {
                continue;
            }
            read.push(*r);
            let text = self.fact_text(policy, texts, *r);
            if !out.contains(&text) {
                out.push(text);
            }
        }
    }

    /// A fact's text, from the values deciding computed.
    fn fact_text(&self, policy: &CompiledPolicy, texts: &FactTexts, r: FactRef) -> Arc<str> {
        let lang = texts.lang;
        let labels = &policy.labels;
        let (name, ty, value, finite): Described<'_> = match r {
            FactRef::Input(slot) => {
                let info = policy.inputs.get(slot);
                let path = info.map_or("", |i| i.path.as_str());
                (
                    named(path, labels.input(slot, lang)),
                    info.map(|i| &i.ty),
                    self.fact(slot),
                    texts.inputs.get(slot),
                )
            }
            FactRef::Field(slot, field) => {
                let (name, ty) = field_of(policy, slot, None, field, lang);
                let value = self.fact(slot).and_then(|v| slot_of(v, field));
                (name, ty, value, None)
            }
            FactRef::Element(slot, index, field) => {
                let (name, ty) = field_of(policy, slot, Some(index), field, lang);
                let value = self
                    .fact(slot)
                    .and_then(|v| slot_of(v, index))
                    .and_then(|v| slot_of(v, field));
                (name, ty, value, None)
            }
            FactRef::Param(i) => {
                if let Some(Some(text)) = texts.params.get(i) {
                    return Arc::clone(text);
                }
                let info = policy.params.get(i);
                let name = info.map_or("", |p| p.name.as_str());
                (
                    named(name, labels.param(i, lang)),
                    info.map(|p| &p.ty),
                    None,
                    None,
                )
            }
            FactRef::Def(i) => {
                let info = policy.defs.get(i);
                let name = info.map_or("", |d| d.name.as_str());
                (
                    named(name, labels.def(i, lang)),
                    info.map(|d| &d.ty),
                    self.definition_value(i),
                    texts.defs.get(i),
                )
            }
            FactRef::Conclusion(i) => {
                let info = policy.conclusions.get(i);
                let name = named(
                    info.map_or("", |c| c.name.as_str()),
                    labels.conclusion(i, lang),
                );
                let outcome = self.recorded(i).map(|r| &r.outcome);
                if let Some(Outcome::Undetermined { known, .. }) = outcome
                    && !known.is_empty()
                {
                    let set = Value::Set(known.clone().into());
                    return includes(policy, &name, info.map(|c| &c.ty), &set, lang).into();
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
                fact_words(policy, &name, ty, v, lang).into()
            }
            None => match (&name.label, lang) {
                (Some(label), _) => words::fact(label, words::unknown(lang), lang).into(),
                (None, Lang::Fr) => format!("{} : inconnu", name.name).into(),
                (None, Lang::En) => format!("{} is unknown", name.name).into(),
            },
        }
    }
}

/// What a set conclusion known in part includes: `causes includes [a]`, or in words.
fn includes(
    policy: &CompiledPolicy,
    name: &Named<'_>,
    ty: Option<&Type>,
    set: &Value,
    lang: Lang,
) -> String {
    match (&name.label, lang) {
        (Some(label), Lang::Fr) => format!(
            "{} : comprend au moins {}",
            words::capitalised(label),
            words::value(&policy.types, &policy.labels, ty, set, lang)
        ),
        (Some(label), Lang::En) => format!(
            "{}: includes at least {}",
            words::capitalised(label),
            words::value(&policy.types, &policy.labels, ty, set, lang)
        ),
        (None, Lang::Fr) => format!(
            "{} comprend {}",
            name.name,
            render_value(&policy.types, ty, set)
        ),
        (None, Lang::En) => format!(
            "{} includes {}",
            name.name,
            render_value(&policy.types, ty, set)
        ),
    }
}

/// A fact described: its name, its type, its value if known, its pre-rendered texts if any.
type Described<'a> = (
    Named<'a>,
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

/// The name (`internship.periods[0].end`), label (`fin de la période (périodes de stage
/// n° 1)`, when both the field and the input have one in `lang`) and type of a field of a
/// record input, or of an element of a list input.
fn field_of(
    policy: &CompiledPolicy,
    slot: usize,
    index: Option<u32>,
    field: u32,
    lang: Lang,
) -> (Named<'static>, Option<&Type>) {
    let Some(input) = policy.inputs.get(slot) else {
        return (named_owned(String::new(), None), None);
    };
    let record = match index {
        Some(_) => input.ty.element().map(Type::base),
        None => Some(input.ty.base()),
    };
    let (info, label) = match record {
        Some(Type::Record(r)) => (
            policy
                .types
                .records
                .get(*r)
                .and_then(|r| r.fields.get(field as usize)),
            policy.labels.field(*r, field as usize, lang),
        ),
        _ => (None, None),
    };
    let field_name = info.map_or("", |f| f.name.as_str());
    let name = match index {
        Some(i) => format!("{}[{i}].{field_name}", input.path),
        None => format!("{}.{field_name}", input.path),
    };
    let label = label
        .zip(policy.labels.input(slot, lang))
        .map(|(f, of)| match (index, lang) {
            (Some(i), Lang::Fr) => format!("{f} ({of} n° {})", u64::from(i) + 1),
            (Some(i), Lang::En) => format!("{f} ({of} no. {})", u64::from(i) + 1),
            (None, _) => format!("{f} ({of})"),
        });
    (named_owned(name, label), info.map(|f| &f.ty))
}

fn named_owned(name: String, label: Option<String>) -> Named<'static> {
    Named {
        name: Cow::Owned(name),
        label: label.map(Cow::Owned),
    }
}
