//! A question of the interview: what a person or a form needs to ask for one input.

use std::sync::Arc;

use serde::Serialize;

use crate::decision::Datum;
use crate::eval::{Evaluator, Verdict};
use crate::interview::Candidate;
use crate::model::{CompiledPolicy, Lang, Presence, Type, Unit};
use crate::prepared::Prepared;

/// One question: an unanswered input, its type, its words, and why it is asked.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Question {
    /// The input's dotted path, where the answer goes in the record (`report.pages` is
    /// `{"report": {"pages": …}}`).
    pub path: String,
    /// The type of the answer.
    #[serde(rename = "type")]
    #[cfg_attr(feature = "server", schema(value_type = ValueTypeSchema))]
    pub ty: ValueType,
    /// For an enum, its values in declared order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<Choice>>,
    /// What to call the input.
    pub label: String,
    /// The question to put, if the policy words one.
    pub question: Option<String>,
    /// A help text, if the policy gives one.
    pub help: Option<String>,
    /// `null` is an answer: the input is optional, and `null` means it has no value.
    pub optional: bool,
    /// The value an ordinary decision takes when the input is left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "server", schema(value_type = Option<serde_json::Value>))]
    pub default: Option<Datum>,
    /// The clauses that make it relevant: those cited by the rules of the undetermined wanted
    /// conclusions whose conditions wait for it (else those the input's declaration cites).
    #[cfg_attr(feature = "server", schema(value_type = Vec<String>))]
    pub clauses: Vec<Arc<str>>,
    /// The undetermined wanted conclusions that miss it.
    #[cfg_attr(feature = "server", schema(value_type = Vec<String>))]
    pub conclusions: Vec<Arc<str>>,
}

/// The type of an answer, as a form needs it.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ValueType {
    /// `true` or `false`.
    Boolean,
    /// One of the enum's values, by name.
    Enum {
        /// The enum's name.
        name: String,
        /// Its values, in declared order.
        values: Vec<Choice>,
    },
    /// A whole number.
    Integer {
        /// Its unit (`pages`), if any.
        #[serde(skip_serializing_if = "Option::is_none")]
        unit: Option<String>,
    },
    /// A number.
    Decimal {
        /// Its unit, if any.
        #[serde(skip_serializing_if = "Option::is_none")]
        unit: Option<String>,
    },
    /// A date `YYYY-MM-DD`.
    Date,
    /// A text.
    Text,
    /// An array of elements.
    List {
        /// The elements' type.
        element: Box<ValueType>,
    },
    /// An array of distinct elements, in any order.
    Set {
        /// The elements' type.
        element: Box<ValueType>,
    },
    /// An object with these fields.
    Record {
        /// The record's name.
        name: String,
        /// Its fields, in declared order.
        fields: Vec<Field>,
    },
}

// `ValueType` as the OpenAPI document describes it: one object whose `kind` says which members
// it has, rather than a union of one object per kind, which refers to itself (a list's element,
// a record's fields) and which client generators do not handle (openapi-python-client drops
// every schema that uses it). The JSON is the same.
/// The type of an answer, as a form needs it: `kind` says which other members it has.
#[cfg(feature = "server")]
#[derive(utoipa::ToSchema)]
#[schema(as = ValueType)]
#[expect(dead_code, reason = "a schema for the document only: never built")]
pub(crate) struct ValueTypeSchema {
    /// `boolean`, `enum` (with `name` and `values`), `integer` or `decimal` (with `unit` when the
    /// number has one), `date` (`YYYY-MM-DD`), `text`, `list` or `set` (with `element`), or
    /// `record` (with `name` and `fields`).
    kind: ValueKind,
    /// The enum's or the record's name.
    #[schema(required = false)]
    name: String,
    /// An enum's values, in declared order.
    #[schema(required = false)]
    values: Vec<Choice>,
    /// A number's unit (`pages`).
    #[schema(required = false)]
    unit: String,
    /// A list's or a set's elements' type.
    #[schema(no_recursion, required = false)]
    element: Box<ValueTypeSchema>,
    /// A record's fields, in declared order.
    #[schema(required = false)]
    fields: Vec<Field>,
}

/// The kinds of answer types.
#[cfg(feature = "server")]
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[expect(dead_code, reason = "a schema for the document only: never built")]
pub(crate) enum ValueKind {
    Boolean,
    Enum,
    Integer,
    Decimal,
    Date,
    Text,
    List,
    Set,
    Record,
}

/// A field of a record.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Field {
    /// Its name (the key in the object).
    pub name: String,
    /// What to call it.
    pub label: String,
    /// Its type.
    #[serde(rename = "type")]
    #[cfg_attr(feature = "server", schema(value_type = ValueTypeSchema, no_recursion))]
    pub ty: ValueType,
    /// It may be left out (or `null`): it then has no value.
    pub optional: bool,
    /// The value it takes when left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "server", schema(value_type = Option<serde_json::Value>))]
    pub default: Option<Datum>,
}

/// A value of an enum.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Choice {
    /// The value, as the record writes it.
    pub value: String,
    /// What to call it.
    pub label: String,
}

/// What a person reads of an input, a field or a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Words {
    /// What to call it.
    pub label: String,
    /// The question to put (inputs only).
    pub question: Option<String>,
    /// A help text (inputs only).
    pub help: Option<String>,
}

/// Something a policy may word for people.
#[derive(Clone, Copy, Debug)]
enum Named {
    /// A declared input, by slot.
    Input(usize),
    /// A field of a record: the record, the field.
    Field(usize, usize),
    /// A value of an enum: the enum, the variant.
    Value(usize, usize),
}

/// The words of `named` in `lang`: every label, question and help text of the interview comes
/// from here. What the policy does not label is called by its name (an input by its path), with
/// no question or help text.
fn words(policy: &CompiledPolicy, named: Named, lang: Lang) -> Words {
    let labels = &policy.labels;
    let (name, label) = match named {
        Named::Input(slot) => (
            policy.inputs.get(slot).map(|i| i.path.clone()),
            labels.input_label(slot),
        ),
        Named::Field(r, f) => (
            policy
                .types
                .records
                .get(r)
                .and_then(|r| r.fields.get(f))
                .map(|f| f.name.clone()),
            labels
                .fields
                .get(r)
                .and_then(|r| r.get(f))
                .and_then(|l| l.as_deref()),
        ),
        Named::Value(e, v) => (
            policy
                .types
                .enums
                .get(e)
                .and_then(|e| e.variants.get(v))
                .cloned(),
            labels
                .variants
                .get(e)
                .and_then(|e| e.get(v))
                .and_then(|l| l.as_deref()),
        ),
    };
    let text = |pick: fn(&crate::model::Label) -> &crate::model::Texts| {
        label.and_then(|l| pick(l).get(lang)).map(str::to_string)
    };
    Words {
        label: text(|l| &l.label).or(name).unwrap_or_default(),
        question: text(|l| &l.question),
        help: text(|l| &l.help),
    }
}

/// The question for `candidate`; `ev` evaluates the conclusions on the same facts (three-valued),
/// to find the rules that wait for the input.
pub(super) fn question(
    policy: &Prepared,
    ev: &mut Evaluator<'_>,
    candidate: &Candidate,
    lang: Lang,
) -> Question {
    let slot = candidate.slot;
    let Some(info) = policy.inputs.get(slot) else {
        return Question {
            path: String::new(),
            ty: ValueType::Text,
            values: None,
            label: String::new(),
            question: None,
            help: None,
            optional: false,
            default: None,
            clauses: Vec::new(),
            conclusions: Vec::new(),
        };
    };
    let ty = value_type(policy, &info.ty, 0, lang);
    let values = match &ty {
        ValueType::Enum { values, .. } => Some(values.clone()),
        _ => None,
    };
    let Words {
        label,
        question,
        help,
    } = words(policy, Named::Input(slot), lang);
    Question {
        path: info.path.clone(),
        ty,
        values,
        label,
        question,
        help,
        optional: info.presence == Presence::Optional,
        default: default(policy, &info.ty, &info.presence),
        clauses: clauses(policy, ev, candidate, &info.path, &info.citations),
        conclusions: candidate
            .conclusions
            .iter()
            .map(|&i| policy.conclusion_name(i))
            .collect(),
    }
}

fn default(policy: &Prepared, ty: &Type, presence: &Presence) -> Option<Datum> {
    match presence {
        Presence::Default(v) => Some(Datum::named(
            &policy.types,
            Some(policy.variant_names()),
            ty,
            v,
        )),
        Presence::Required | Presence::Optional => None,
    }
}

/// Deepest records within records a type description follows (the checker forbids a record
/// that contains itself; this only bounds the walk).
const DEPTH: usize = 16;

fn value_type(policy: &Prepared, ty: &Type, depth: usize, lang: Lang) -> ValueType {
    let unit = |u: &Unit| match u {
        Unit::None => None,
        u => Some(policy.types.unit_name(*u).to_string()),
    };
    match ty.base() {
        Type::Bool => ValueType::Boolean,
        Type::Num {
            integral: true,
            unit: u,
        } => ValueType::Integer { unit: unit(u) },
        Type::Num { unit: u, .. } => ValueType::Decimal { unit: unit(u) },
        Type::Date => ValueType::Date,
        Type::Enum(e) => {
            let info = policy.types.enums.get(*e);
            ValueType::Enum {
                name: info.map(|i| i.name.clone()).unwrap_or_default(),
                values: info
                    .map(|i| {
                        (0..i.variants.len())
                            .map(|v| Choice {
                                value: i.variants.get(v).cloned().unwrap_or_default(),
                                label: words(policy, Named::Value(*e, v), lang).label,
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            }
        }
        Type::List(t) if depth < DEPTH => ValueType::List {
            element: Box::new(value_type(policy, t, depth + 1, lang)),
        },
        Type::Set(t) if depth < DEPTH => ValueType::Set {
            element: Box::new(value_type(policy, t, depth + 1, lang)),
        },
        Type::Record(r) if depth < DEPTH => {
            let info = policy.types.records.get(*r);
            ValueType::Record {
                name: info.map(|i| i.name.clone()).unwrap_or_default(),
                fields: info
                    .map(|i| {
                        i.fields
                            .iter()
                            .enumerate()
                            .map(|(k, f)| Field {
                                name: f.name.clone(),
                                label: words(policy, Named::Field(*r, k), lang).label,
                                ty: value_type(policy, &f.ty, depth + 1, lang),
                                optional: f.presence == Presence::Optional,
                                default: default(policy, &f.ty, &f.presence),
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            }
        }
        Type::Text
        | Type::List(_)
        | Type::Set(_)
        | Type::Record(_)
        | Type::Optional(_)
        | Type::Any => ValueType::Text,
    }
}

/// The clauses cited by the rules of the candidate's conclusions whose conditions miss `path`;
/// `declared` (the input's own) when no condition does (a value reads it).
fn clauses(
    policy: &Prepared,
    ev: &mut Evaluator<'_>,
    candidate: &Candidate,
    path: &str,
    declared: &[usize],
) -> Vec<Arc<str>> {
    let mut ids: Vec<usize> = Vec::new();
    for &i in &candidate.conclusions {
        let (Some(record), Some(info)) = (ev.record(i), policy.conclusions.get(i)) else {
            continue;
        };
        for (j, rule) in info.rules.iter().enumerate() {
            let waits = matches!(
                record.rule(j).map(|r| &r.verdict),
                Some(Verdict::Unknown(m)) if m.iter().any(|p| &**p == path)
            );
            if waits {
                for &c in &rule.citations {
                    if !ids.contains(&c) {
                        ids.push(c);
                    }
                }
            }
        }
    }
    if ids.is_empty() {
        ids = declared.to_vec();
    }
    ids.iter()
        .filter_map(|&c| policy.clauses.get(c).map(|c| Arc::clone(&c.id)))
        .collect()
}
