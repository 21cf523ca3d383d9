//! The JSON Schemas (draft 2020-12) of a version: the candidate record it declares, and the
//! decision it gives, each conclusion's value typed.

use serde_json::{Value as Json, json};

use crate::decision::Datum;
use crate::json::to_json;
use crate::model::*;

/// The JSON Schema (draft 2020-12) of the input the policy declares.
pub fn json_schema(policy: &CompiledPolicy) -> Json {
    let mut schema = group_schema(policy, &policy.input_tree);
    if let Json::Object(map) = &mut schema {
        map.insert(
            "$schema".into(),
            json!("https://json-schema.org/draft/2020-12/schema"),
        );
        map.insert(
            "title".into(),
            json!(format!("input of {} {}", policy.id, policy.version)),
        );
    }
    schema
}

fn group_schema(policy: &CompiledPolicy, group: &InputGroup) -> Json {
    let mut props = serde_json::Map::new();
    for (name, node) in &group.members {
        let s = match node {
            // A group given as `null` is a group of absent fields.
            InputNode::Group(g) => nullable(group_schema(policy, g)),
            InputNode::Leaf(slot) => match policy.inputs.get(*slot) {
                Some(info) => {
                    let mut s = field_schema(policy, &info.ty, &info.presence);
                    if let (Some(rules), Json::Object(map)) =
                        (input_requirements(policy, &info.path), &mut s)
                    {
                        let said = map.get("description").and_then(Json::as_str).unwrap_or("");
                        map.insert("description".into(), json!(format!("{said}. {rules}")));
                    }
                    s
                }
                None => json!({}),
            },
        };
        props.insert(name.clone(), s);
    }
    json!({ "type": "object", "properties": props, "additionalProperties": false })
}

/// A field of the record: `null` is absence, whatever its presence says absence means.
fn field_schema(policy: &CompiledPolicy, ty: &Type, presence: &Presence) -> Json {
    let mut s = type_schema(policy, ty);
    if let Json::Object(map) = &mut s {
        let what = match presence {
            Presence::Default(v) => {
                map.insert("default".into(), to_json(&Datum::of(&policy.types, ty, v)));
                "absent or null means the default"
            }
            Presence::Optional => "optional: absent or null means none",
            Presence::Required => {
                "absent or null means unknown: conclusions that need it are undetermined"
            }
        };
        let description = match map.remove("description") {
            Some(Json::String(d)) => format!("{what}. {d}"),
            _ => what.to_string(),
        };
        map.insert("description".into(), Json::String(description));
    }
    nullable(s)
}

/// `schema`, `null` allowed too.
fn nullable(mut schema: Json) -> Json {
    let Json::Object(map) = &mut schema else {
        return schema;
    };
    if let Some(Json::Array(values)) = map.get_mut("enum") {
        values.push(Json::Null);
    }
    match map.get_mut("type") {
        Some(Json::String(t)) => {
            let t = std::mem::take(t);
            map.insert("type".into(), json!([t, "null"]));
        }
        Some(Json::Array(types)) if !types.contains(&json!("null")) => types.push(json!("null")),
        _ => {}
    }
    schema
}

/// A date as the service reads it: `format: date` is an annotation to most validators, so the
/// pattern says it too (month 01 to 12, day 01 to 31; the service also refuses 2027-02-30).
const DATE_PATTERN: &str = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$";

fn type_schema(policy: &CompiledPolicy, ty: &Type) -> Json {
    let types = &policy.types;
    match ty {
        Type::Bool => json!({ "type": "boolean" }),
        Type::Num { integral, unit } => {
            let mut s = json!({ "type": if *integral { "integer" } else { "number" } });
            if let (false, Json::Object(map)) = (*unit == Unit::None, &mut s) {
                map.insert(
                    "description".into(),
                    json!(format!("In {}.", types.unit_name(*unit))),
                );
            }
            s
        }
        Type::Text => json!({ "type": "string" }),
        Type::Date => json!({ "type": "string", "format": "date", "pattern": DATE_PATTERN }),
        Type::Enum(e) => {
            json!({ "type": "string", "enum": types.enums.get(*e).map(|i| i.variants.clone()).unwrap_or_default() })
        }
        Type::List(t) => json!({ "type": "array", "items": type_schema(policy, t) }),
        Type::Set(t) => {
            json!({ "type": "array", "items": type_schema(policy, t), "uniqueItems": true })
        }
        Type::Optional(t) => type_schema(policy, t),
        Type::Record(r) => {
            let Some(info) = types.records.get(*r) else {
                return json!({});
            };
            let mut props = serde_json::Map::new();
            for f in &info.fields {
                props.insert(f.name.clone(), field_schema(policy, &f.ty, &f.presence));
            }
            let mut s =
                json!({ "type": "object", "properties": props, "additionalProperties": false });
            if let (Some(rules), Json::Object(map)) = (requirements(policy, &info.name), &mut s) {
                map.insert("description".into(), json!(rules));
            }
            s
        }
        Type::Any => json!({}),
    }
}

/// What an input's `require` lines ask, as for a record's.
fn input_requirements(policy: &CompiledPolicy, path: &str) -> Option<String> {
    let decl = policy
        .merged
        .inputs
        .iter()
        .find(|i| i.path.node.join(".") == path)?;
    said_requirements(policy, &decl.requires, "It must meet")
}

/// What a record's `require` lines ask, in their source text and message: a JSON Schema cannot
/// say `end >= start`, so its description does.
fn requirements(policy: &CompiledPolicy, record: &str) -> Option<String> {
    let decl = policy
        .merged
        .records
        .iter()
        .find(|r| r.name.node == record)?;
    said_requirements(policy, &decl.requires, "Each must meet")
}

/// `requires` in words: `LEAD, or the record is refused: `COND` (else: MESSAGE); …`; none when
/// there are none.
fn said_requirements(
    policy: &CompiledPolicy,
    requires: &[crate::ast::Require],
    lead: &str,
) -> Option<String> {
    let lines: Vec<String> = requires
        .iter()
        .map(|q| {
            format!(
                "`{}` (else: {})",
                policy.sources.snippet(q.condition.span),
                q.message.node
            )
        })
        .collect();
    (!lines.is_empty()).then(|| format!("{lead}, or the record is refused: {}.", lines.join("; ")))
}

/// The JSON Schema (draft 2020-12) of the decisions the version gives: the decision's shape
/// (`generic`, the service's schemas of a decision and of what it holds, by name: `Decision`,
/// `ConclusionResult`, …, their references as `#/$defs/NAME`), with every conclusion of the
/// version named, and its value typed (enum values, units, dates; `null` unless decided), with
/// its `unit` when its value is a quantity. Every conclusion is required, as a decision holds
/// them all; with `only` (indices, as a request's `conclusions` gives them), the schema of the
/// decisions asked for these: they alone, each required.
pub fn decision_schema(
    policy: &CompiledPolicy,
    generic: &serde_json::Map<String, Json>,
    only: Option<&[usize]>,
) -> Json {
    let mut conclusions = serde_json::Map::new();
    let mut names: Vec<&str> = Vec::new();
    for (k, c) in policy.conclusions.iter().enumerate() {
        if crate::decision::position(only, k).is_none() {
            continue;
        }
        names.push(&c.name);
        let mut value = nullable(type_schema(policy, &c.ty));
        if let (Some(label), Json::Object(map)) =
            (policy.labels.conclusion(k, Lang::Fr), &mut value)
        {
            map.insert("title".into(), json!(label));
        }
        let mut properties = serde_json::Map::new();
        properties.insert("value".into(), value);
        // A quantity's number comes with its unit, always the same.
        if let Type::Num { unit, .. } = c.ty.base()
            && *unit != Unit::None
        {
            properties.insert(
                "unit".into(),
                json!({ "const": policy.types.unit_name(*unit) }),
            );
        }
        conclusions.insert(
            c.name.clone(),
            json!({
                "allOf": [
                    { "$ref": "#/$defs/ConclusionResult" },
                    { "properties": properties }
                ]
            }),
        );
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": format!("decision of {} {}", policy.id, policy.version),
        "allOf": [
            { "$ref": "#/$defs/Decision" },
            {
                "properties": {
                    "conclusions": {
                        "type": "object",
                        "properties": conclusions,
                        "required": names,
                        "additionalProperties": false
                    }
                }
            }
        ],
        "$defs": generic
    })
}
