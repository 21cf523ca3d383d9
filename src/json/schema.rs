//! The JSON Schema (draft 2020-12) of the candidate record a policy declares.

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
            InputNode::Group(g) => group_schema(policy, g),
            InputNode::Leaf(slot) => match policy.inputs.get(*slot) {
                Some(info) => field_schema(policy, &info.ty, &info.presence),
                None => json!({}),
            },
        };
        props.insert(name.clone(), s);
    }
    json!({ "type": "object", "properties": props, "additionalProperties": false })
}

fn field_schema(policy: &CompiledPolicy, ty: &Type, presence: &Presence) -> Json {
    let mut s = type_schema(policy, ty);
    if let Json::Object(map) = &mut s {
        match presence {
            Presence::Default(v) => {
                map.insert("default".into(), to_json(&Datum::of(&policy.types, ty, v)));
            }
            Presence::Optional => {
                map.insert(
                    "description".into(),
                    json!("optional: absent or null means none"),
                );
            }
            Presence::Required => {
                map.insert(
                    "description".into(),
                    json!("absent means unknown: conclusions that need it are undetermined"),
                );
            }
        }
    }
    s
}

fn type_schema(policy: &CompiledPolicy, ty: &Type) -> Json {
    let types = &policy.types;
    match ty {
        Type::Bool => json!({ "type": "boolean" }),
        Type::Num { integral: true, .. } => json!({ "type": "integer" }),
        Type::Num { .. } => json!({ "type": "number" }),
        Type::Text => json!({ "type": "string" }),
        Type::Date => json!({ "type": "string", "format": "date" }),
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
            json!({ "type": "object", "properties": props, "additionalProperties": false })
        }
        Type::Any => json!({}),
    }
}
