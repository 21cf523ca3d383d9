//! The candidate's JSON record to facts, validated against the policy's declared inputs, with
//! an error per problem naming its JSON pointer.

use std::sync::Arc;

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Value as Json;

use crate::check::names::suggest;
use crate::eval::Evaluator;
use crate::model::*;

/// One problem with the input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct InputError {
    /// Where, as a JSON pointer into the input (`/report/pages`).
    pub pointer: String,
    /// What is wrong (in English; see [`InputError::in_lang`]).
    pub message: String,
    /// The same in French, when it was said in French.
    #[serde(skip)]
    #[cfg_attr(feature = "server", schema(ignore))]
    pub message_fr: Option<String>,
}

impl InputError {
    /// An error said in English only.
    pub fn new(pointer: impl Into<String>, message: impl Into<String>) -> InputError {
        InputError {
            pointer: pointer.into(),
            message: message.into(),
            message_fr: None,
        }
    }

    /// The error with its message in `lang` (English when it has no French).
    pub fn in_lang(&self, lang: Lang) -> InputError {
        let message = match (lang, &self.message_fr) {
            (Lang::Fr, Some(fr)) => fr.clone(),
            _ => self.message.clone(),
        };
        InputError {
            pointer: self.pointer.clone(),
            message,
            message_fr: self.message_fr.clone(),
        }
    }
}

/// "did you mean `x`?", else "expected one of a, b", in English and in French.
fn hint<'a>(name: &str, known: impl IntoIterator<Item = &'a str> + Clone) -> (String, String) {
    match suggest(name, known.clone()) {
        Some(close) => (
            format!("did you mean `{close}`?"),
            format!("vouliez-vous dire `{close}` ?"),
        ),
        None => {
            let all: Vec<&str> = known.into_iter().collect();
            (
                format!("expected one of {}", all.join(", ")),
                format!("valeurs attendues : {}", all.join(", ")),
            )
        }
    }
}

/// What a declared input that the record leaves out reads as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Absence {
    /// As declared: a required input is a missing fact, an optional one `none`, a defaulted
    /// one its default (an ordinary decision).
    Declared,
    /// Unanswered: every input left out is a missing fact, whatever its declaration (an
    /// interview, where the record holds only the answers given so far). `null` still answers
    /// as declared: `none` for an optional input, the default for a defaulted one.
    Unanswered,
}

/// Reads the candidate record into one value per input slot ([`Value::Missing`] for a required
/// fact that is absent). Every problem is reported, not only the first.
pub fn read_facts(policy: &CompiledPolicy, input: &Json) -> Result<Vec<Value>, Vec<InputError>> {
    read_facts_as(policy, input, Absence::Declared)
}

/// As [`read_facts`], an input that the record leaves out reading as `absence` says (only the
/// declared inputs: the fields of a record value given keep their declared absence).
pub fn read_facts_as(
    policy: &CompiledPolicy,
    input: &Json,
    absence: Absence,
) -> Result<Vec<Value>, Vec<InputError>> {
    let mut reader = Reader {
        policy,
        errors: Vec::new(),
    };
    let mut facts: Vec<Value> = policy
        .inputs
        .iter()
        .map(|i| match absence {
            Absence::Declared => absent(&i.presence, || Arc::clone(&i.fact_path)),
            Absence::Unanswered => Value::Missing(Arc::clone(&i.fact_path)),
        })
        .collect();
    if input.is_object() {
        reader.group(&policy.input_tree, input, At::Root, &mut facts);
    } else {
        let en = format!(
            "expected the candidate's record as an object, found {}",
            kind(input)
        );
        let fr = format!(
            "le dossier du candidat doit être un objet, pas {}",
            kind_fr(input)
        );
        reader.error(At::Root, en, fr);
    }
    if reader.errors.is_empty() {
        Ok(facts)
    } else {
        Err(reader.errors)
    }
}

/// What a declared input or field left out (or `null`) reads as.
pub(super) fn absent(presence: &Presence, path: impl FnOnce() -> Arc<str>) -> Value {
    match presence {
        Presence::Required => Value::Missing(path()),
        Presence::Optional => Value::None,
        Presence::Default(v) => v.clone(),
    }
}

fn kind(json: &Json) -> &'static str {
    match json {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

fn kind_fr(json: &Json) -> &'static str {
    match json {
        Json::Null => "null",
        Json::Bool(_) => "un booléen",
        Json::Number(_) => "un nombre",
        Json::String(_) => "un texte",
        Json::Array(_) => "une liste",
        Json::Object(_) => "un objet",
    }
}

/// Where a value sits in the input, as a chain of steps: the JSON pointer and the dotted path
/// of a missing fact are spelled out only when an error or a missing fact needs them.
#[derive(Clone, Copy)]
pub(super) enum At<'a> {
    /// The record itself.
    Root,
    /// A member of an object; `dot` is false for the members of a group of inputs whose
    /// path starts the input's dotted name.
    Key(&'a At<'a>, &'a str),
    /// An element of an array.
    Index(&'a At<'a>, usize),
    /// An input whose dotted path is known (a leaf of the tree of inputs).
    Input(&'a At<'a>, &'a str, &'a str),
}

impl At<'_> {
    /// The JSON pointer (`/report/pages`, `/` for the record).
    fn pointer(&self) -> String {
        let mut out = String::new();
        self.write_pointer(&mut out);
        if out.is_empty() { "/".into() } else { out }
    }

    fn write_pointer(&self, out: &mut String) {
        match self {
            At::Root => {}
            At::Key(parent, key) | At::Input(parent, key, _) => {
                parent.write_pointer(out);
                out.push('/');
                out.push_str(&key.replace('~', "~0").replace('/', "~1"));
            }
            At::Index(parent, i) => {
                parent.write_pointer(out);
                out.push('/');
                out.push_str(&i.to_string());
            }
        }
    }

    /// The name of a missing fact: the input's dotted path, then `[i]` and `.field`.
    pub(super) fn fact_path(&self) -> String {
        match self {
            At::Root => String::new(),
            At::Input(_, _, path) => (*path).to_string(),
            At::Key(parent, key) => format!("{}.{key}", parent.fact_path()),
            At::Index(parent, i) => format!("{}[{i}]", parent.fact_path()),
        }
    }
}

/// Reads values against the policy's types, noting every problem; shared with the reader of
/// bytes ([`super::direct`]), which takes its conversions from here so that both read a valid
/// record alike.
pub(super) struct Reader<'p> {
    pub(super) policy: &'p CompiledPolicy,
    pub(super) errors: Vec<InputError>,
}

impl Reader<'_> {
    fn error(&mut self, at: At<'_>, en: impl Into<String>, fr: impl Into<String>) {
        self.errors.push(InputError {
            pointer: at.pointer(),
            message: en.into(),
            message_fr: Some(fr.into()),
        });
    }

    fn group(&mut self, group: &InputGroup, json: &Json, at: At<'_>, facts: &mut [Value]) {
        let Json::Object(map) = json else {
            if !json.is_null() {
                self.error(
                    at,
                    format!("expected an object, found {}", kind(json)),
                    format!("un objet est attendu, pas {}", kind_fr(json)),
                );
            }
            return;
        };
        for (key, value) in map {
            match group.members.get(key) {
                Some(InputNode::Group(g)) => self.group(g, value, At::Key(&at, key), facts),
                Some(InputNode::Leaf(slot)) => {
                    let Some(info) = self.policy.inputs.get(*slot) else {
                        continue;
                    };
                    let here = At::Input(&at, key, &info.path);
                    let v = if value.is_null() {
                        absent(&info.presence, || Arc::clone(&info.fact_path))
                    } else {
                        self.present(&info.ty, value, here)
                    };
                    if let Some(f) = facts.get_mut(*slot) {
                        *f = v;
                    }
                }
                None => {
                    let (en, fr) = hint(key, group.members.keys().map(String::as_str));
                    self.error(
                        At::Key(&at, key),
                        format!("unknown field `{key}`: {en}"),
                        format!("champ inconnu `{key}` : {fr}"),
                    );
                }
            }
        }
    }

    /// Converts one JSON value, `null` being absence.
    fn value(&mut self, ty: &Type, presence: &Presence, json: &Json, at: At<'_>) -> Value {
        if json.is_null() {
            return absent(presence, || at.fact_path().into());
        }
        self.present(ty, json, at)
    }

    fn present(&mut self, ty: &Type, json: &Json, at: At<'_>) -> Value {
        let types = &self.policy.types;
        match (ty, json) {
            (Type::Optional(inner), _) => self.present(inner, json, at),
            (Type::Bool, Json::Bool(b)) => Value::Bool(*b),
            (Type::Num { integral, .. }, Json::Number(n)) => self.number(n, *integral, at),
            (Type::Text | Type::Date | Type::Enum(_), Json::String(s)) => self.string(ty, s, at),
            (Type::List(elem) | Type::Set(elem), Json::Array(items)) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    out.push(self.value(elem, &Presence::Required, item, At::Index(&at, i)));
                }
                if matches!(ty, Type::Set(_)) {
                    out.sort();
                    out.dedup();
                    Value::Set(out.into())
                } else {
                    Value::List(out.into())
                }
            }
            (Type::Record(r), Json::Object(map)) => self.record(*r, map, at),
            _ => {
                let (en, fr): (String, String) =
                    match ty {
                        Type::Enum(e) => types.enums.get(*e).map_or(
                            ("a string".into(), "un texte".into()),
                            |i| {
                                let all = i.variants.join(", ");
                                (format!("one of {all}"), format!("l'une des valeurs {all}"))
                            },
                        ),
                        Type::Date => (
                            "a date string YYYY-MM-DD".into(),
                            "une date AAAA-MM-JJ".into(),
                        ),
                        Type::Record(_) => ("an object".into(), "un objet".into()),
                        Type::List(_) | Type::Set(_) => ("an array".into(), "une liste".into()),
                        Type::Bool => ("true or false".into(), "true ou false".into()),
                        Type::Num { integral: true, .. } => {
                            ("a whole number".into(), "un nombre entier".into())
                        }
                        Type::Num { .. } => ("a number".into(), "un nombre".into()),
                        _ => (types.type_name(ty), types.type_name(ty)),
                    };
                self.error(
                    at,
                    format!("expected {en}, found {}", kind(json)),
                    format!("{fr} est attendu, pas {}", kind_fr(json)),
                );
                Value::None
            }
        }
    }

    /// A string as a text, a date or an enum value (`ty` is one of those).
    pub(super) fn string(&mut self, ty: &Type, s: &str, at: At<'_>) -> Value {
        match ty {
            Type::Text => Value::Text(Arc::from(s)),
            Type::Date => match parse_date(s) {
                Some(d) => Value::Date(d),
                None => {
                    self.error(
                        at,
                        format!("`{s}` is not a date: expected YYYY-MM-DD, like 2027-04-16"),
                        format!(
                            "`{s}` n'est pas une date : écrire AAAA-MM-JJ, par exemple 2027-04-16"
                        ),
                    );
                    Value::None
                }
            },
            Type::Enum(e) => {
                let Some(info) = self.policy.types.enums.get(*e) else {
                    return Value::None;
                };
                match info.variants.iter().position(|v| v == s) {
                    Some(i) => match (u32::try_from(*e), u32::try_from(i)) {
                        (Ok(e), Ok(i)) => Value::Enum(e, i),
                        _ => {
                            let e = "internal error: more enums than a u32 counts";
                            self.error(at, e, e);
                            Value::None
                        }
                    },
                    None => {
                        let (en, fr) = hint(s, info.variants.iter().map(String::as_str));
                        self.error(
                            at,
                            format!("`{s}` is not a value of `{}`: {en}", info.name),
                            format!("`{s}` n'est pas une valeur de `{}` : {fr}", info.name),
                        );
                        Value::None
                    }
                }
            }
            _ => {
                let e = "internal error: a string read for a type that takes none";
                self.error(at, e, e);
                Value::None
            }
        }
    }

    /// A number, refused when `integral` and it is not whole, or when it is out of range.
    pub(super) fn number(&mut self, n: &serde_json::Number, integral: bool, at: At<'_>) -> Value {
        // A whole number beyond the integers (`2^64`) is read as a float and rounded: it is
        // rejected, not cited rounded. Floats are exact integers up to 2^53.
        let rounded = n.is_f64()
            && n.as_f64()
                .is_some_and(|f| f.abs() >= 9_007_199_254_740_992.0);
        if integral && rounded {
            self.error(
                at,
                format!("the number {n} is out of range: whole numbers are exact up to 2^53 when written with an exponent or beyond 64 bits"),
                format!("le nombre {n} est hors des limites : un nombre entier écrit avec un exposant ou au-delà de 64 bits n'est exact que jusqu'à 2^53"),
            );
            return Value::None;
        }
        match crate::json::number(n) {
            Some(d) if integral && !d.fract().is_zero() => {
                self.error(
                    at,
                    format!("expected a whole number, found {n}"),
                    format!("un nombre entier est attendu, pas {n}"),
                );
                Value::None
            }
            // The number was read as an `f64`: the digits of `text` are its shortest form plus,
            // for a whole float, a `.0` that the record may not have written (`6`, `6.0` and
            // `6.00` all read `6.0`). No scale can be trusted, so none is kept: `6`, `351.5`.
            Some(d) => Value::Num(d.normalize()),
            None => {
                self.error(
                    at,
                    format!("the number {n} is out of range"),
                    format!("le nombre {n} est hors des limites"),
                );
                Value::None
            }
        }
    }

    fn record(&mut self, r: usize, map: &serde_json::Map<String, Json>, at: At<'_>) -> Value {
        let policy = self.policy;
        let Some(info) = policy.types.records.get(r) else {
            return Value::None;
        };
        for key in map.keys() {
            if !info.fields.iter().any(|f| &f.name == key) {
                let (en, fr) = hint(key, info.fields.iter().map(|f| f.name.as_str()));
                self.error(
                    At::Key(&at, key),
                    format!("unknown field `{key}`: {en}"),
                    format!("champ inconnu `{key}` : {fr}"),
                );
            }
        }
        let before = self.errors.len();
        let slots: Vec<Value> = info
            .fields
            .iter()
            .map(|f| {
                let here = At::Key(&at, &f.name);
                match map.get(&f.name) {
                    Some(v) => self.value(&f.ty, &f.presence, v, here),
                    None => absent(&f.presence, || here.fact_path().into()),
                }
            })
            .collect();
        if self.errors.len() == before {
            return self.required(info, slots, at);
        }
        Value::Record(slots.into())
    }

    /// The record of `slots`, once its `require`s are checked (an error for each that fails).
    pub(super) fn required(&mut self, info: &RecordInfo, slots: Vec<Value>, at: At<'_>) -> Value {
        let mut ev = Evaluator::bare();
        let mut locals = slots;
        for (code, message) in &info.requires {
            let (result, back) = ev.with_locals_returned(locals, code);
            locals = back;
            // Written by the policy's author, in the policy's language.
            if result == Ok(Value::Bool(false)) {
                self.error(at, message.clone(), message.clone());
            }
        }
        Value::Record(locals.into())
    }
}

/// The `require` lines of the policy's inputs that `facts` break, each as an error at its
/// input's pointer (`/report/pages`), in the policy's words. A condition a missing fact leaves
/// unknown breaks nothing.
pub fn broken_requirements(policy: &CompiledPolicy, facts: &[Value]) -> Vec<InputError> {
    let mut errors = Vec::new();
    let mut ev = Evaluator::new(policy, facts);
    for info in policy.inputs.iter().filter(|i| !i.requires.is_empty()) {
        for (code, message) in &info.requires {
            if ev.eval(code) == Ok(Value::Bool(false)) {
                errors.push(InputError {
                    pointer: format!("/{}", info.segments.join("/")),
                    message: message.clone(),
                    message_fr: Some(message.clone()),
                });
            }
        }
    }
    errors
}

/// A strict `YYYY-MM-DD` date.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        b.get(r)?.iter().try_fold(0u32, |acc, c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let year = i32::try_from(digits(0..4)?).ok()?;
    NaiveDate::from_ymd_opt(year, digits(5..7)?, digits(8..10)?)
}

#[cfg(test)]
#[path = "input_tests.rs"]
mod tests;
