//! The JSON edge: candidate records in ([`input`]), decisions out, the input's JSON Schema
//! ([`schema`]). The engine below works on plain values ([`crate::model::Value`]); what JSON
//! means for them (exact numbers, records as objects, dates as strings) is decided here, once.

pub mod direct;
pub mod hints;
pub mod input;
pub mod pretty;
pub mod schema;
pub mod strict;

use std::str::FromStr;

use rust_decimal::Decimal;
use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, SerializeStruct};
use serde_json::Value as Json;
use serde_json::value::RawValue;

use crate::decision::Datum;
use crate::prepared::{Citation, PolicyRef};

pub use hints::{HintsRequest, read_hints};
pub use input::{Absence, InputError, broken_requirements, parse_date, read_facts, read_facts_as};
pub use schema::{decision_schema, json_schema};

impl Serialize for Datum {
    /// Numbers are written exactly as the decimal holds them: a whole number as an integer, any
    /// other with its scale (`421.80`, not `421.8` or `421.80000000000001`).
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Datum::Null => s.serialize_unit(),
            Datum::Bool(b) => s.serialize_bool(*b),
            Datum::Number(n) => match whole(n) {
                Some(i) => s.serialize_i64(i),
                None => match RawValue::from_string(n.to_string()) {
                    Ok(raw) => raw.serialize(s),
                    Err(e) => Err(serde::ser::Error::custom(e)),
                },
            },
            Datum::Text(t) => s.serialize_str(t),
            Datum::List(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for i in items {
                    seq.serialize_element(i)?;
                }
                seq.end()
            }
            Datum::Record(fields) => {
                let mut map = s.serialize_map(Some(fields.len()))?;
                for (k, v) in fields {
                    map.serialize_entry(&**k, v)?;
                }
                map.end()
            }
        }
    }
}

/// The value of a whole number that fits an `i64` and has no decimal digits written.
fn whole(n: &Decimal) -> Option<i64> {
    if n.scale() == 0 {
        i64::try_from(*n).ok()
    } else {
        None
    }
}

impl Serialize for Citation {
    /// `{"clause", "section", "text"}`, and `"via"` for a clause a parameter or definition
    /// brought: the JSON written when the policy was prepared, when
    /// there is one (see [`Citation::json`]).
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if let Some(raw) = &self.json {
            return raw.serialize(s);
        }
        let mut st = s.serialize_struct("Citation", 4)?;
        st.serialize_field("clause", &*self.clause)?;
        st.serialize_field("section", &*self.section)?;
        st.serialize_field("text", &*self.text)?;
        if let Some(via) = &self.via {
            st.serialize_field("via", &**via)?;
        }
        st.end()
    }
}

impl Serialize for PolicyRef {
    /// `{"id", "version", "effective_from", "sha256", "stale"?, "draft"?}`: the JSON written when the reference was
    /// made, when there is one (see [`PolicyRef::json`]).
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if let Some(raw) = &self.json {
            return raw.serialize(s);
        }
        let mut st = s.serialize_struct("PolicyRef", 5)?;
        st.serialize_field("id", &*self.id)?;
        st.serialize_field("version", &*self.version)?;
        st.serialize_field("effective_from", &self.effective_from.as_deref())?;
        st.serialize_field("sha256", &*self.sha256)?;
        if self.stale {
            st.serialize_field("stale", &true)?;
        }
        if self.draft {
            st.serialize_field("draft", &true)?;
        }
        st.end()
    }
}

/// A datum as a `serde_json` value, for callers that build JSON documents of their own (a
/// schema's default, a page's data). Exact for whole numbers; other numbers become the nearest
/// `f64`, as `serde_json` holds no decimals: write the [`Datum`] itself where exactness matters.
pub fn to_json(d: &Datum) -> Json {
    match d {
        Datum::Null => Json::Null,
        Datum::Bool(b) => Json::Bool(*b),
        Datum::Number(n) => match whole(n) {
            Some(i) => Json::from(i),
            None => serde_json::from_str(&n.to_string()).unwrap_or(Json::Null),
        },
        Datum::Text(t) => Json::String(t.to_string()),
        Datum::List(items) => Json::Array(items.iter().map(to_json).collect()),
        Datum::Record(fields) => Json::Object(
            fields
                .iter()
                .map(|(k, v)| (k.to_string(), to_json(v)))
                .collect(),
        ),
    }
}

/// True when `expected` (JSON, as an example writes it) is the value `d`: numbers compare by
/// value (`270`, `270.0` and `270.00` are one number), records by field, and with `as_set` the
/// elements of a list in any order.
pub fn same_value(expected: &Json, d: &Datum, as_set: bool) -> bool {
    match (expected, d) {
        (Json::Null, Datum::Null) => true,
        (Json::Bool(a), Datum::Bool(b)) => a == b,
        (Json::Number(a), Datum::Number(b)) => number(a).is_some_and(|a| a == *b),
        (Json::String(a), Datum::Text(b)) => a.as_str() == &**b,
        (Json::Array(a), Datum::List(b)) if a.len() == b.len() => {
            if as_set {
                let mut used = vec![false; b.len()];
                a.iter().all(|x| {
                    let found = b
                        .iter()
                        .zip(used.iter_mut())
                        .find(|(y, u)| !**u && same_value(x, y, false));
                    found.map(|(_, u)| *u = true).is_some()
                })
            } else {
                a.iter().zip(b).all(|(x, y)| same_value(x, y, false))
            }
        }
        (Json::Object(a), Datum::Record(b)) if a.len() == b.len() => b
            .iter()
            .all(|(k, v)| a.get(&**k).is_some_and(|x| same_value(x, v, false))),
        _ => false,
    }
}

impl PartialEq<Json> for Datum {
    /// Compares by value, as [`same_value`] does, lists in order.
    fn eq(&self, other: &Json) -> bool {
        same_value(other, self, false)
    }
}

/// A JSON number as an exact decimal (none when out of range).
pub fn number(n: &serde_json::Number) -> Option<Decimal> {
    if let Some(i) = n.as_i64() {
        return Some(Decimal::from(i));
    }
    let text = n.to_string();
    Decimal::from_str(&text)
        .or_else(|_| Decimal::from_scientific(&text))
        .ok()
}

/// A decision with its citations by clause id (`citations=ids`): each conclusion's
/// `citations` lists the ids of its clauses (`{"clause", "via"}` for a clause a parameter or
/// definition brought), and a top-level `clauses` object gives each
/// clause's section and text once, by id, in the order first cited. The default form repeats a
/// clause's text in every conclusion that cites it, most of a decision's bytes.
pub fn by_clause_id(decision: &crate::decision::Decision) -> Vec<u8> {
    use serde_json::json;
    let mut clauses = serde_json::Map::new();
    let mut conclusions = serde_json::Map::new();
    for (name, result) in &decision.conclusions.0 {
        let mut value = serde_json::to_value(result).unwrap_or(Json::Null);
        let ids = result
            .citations
            .iter()
            .map(|c| {
                clauses
                    .entry(c.clause.to_string())
                    .or_insert_with(|| json!({ "section": &*c.section, "text": &*c.text }));
                match &c.via {
                    Some(via) => json!({ "clause": &*c.clause, "via": &**via }),
                    None => Json::String(c.clause.to_string()),
                }
            })
            .collect();
        if let Some(citations) = value.get_mut("citations") {
            *citations = Json::Array(ids);
        }
        conclusions.insert(name.to_string(), value);
    }
    let mut out = serde_json::Map::new();
    out.insert("decision_id".into(), json!(decision.decision_id));
    out.insert(
        "policy".into(),
        serde_json::to_value(&decision.policy).unwrap_or(Json::Null),
    );
    out.insert("conclusions".into(), Json::Object(conclusions));
    out.insert("clauses".into(), Json::Object(clauses));
    if let Some(trace) = &decision.trace {
        out.insert(
            "trace".into(),
            serde_json::to_value(trace).unwrap_or(Json::Null),
        );
    }
    serde_json::to_vec(&out).unwrap_or_default()
}
