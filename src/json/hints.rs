//! The `hints` of a decision request, read against the policy: `true` for every decided
//! conclusion, or the value wanted for each conclusion named (`{"e61_admission": "admis"}`).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value as Json;

use crate::hints::Asked;
use crate::json::{number, parse_date};
use crate::model::{CompiledPolicy, Type, Value};
use crate::prepared::Prepared;

/// The hints a request asks for: `true` (every decided conclusion, towards any other value),
/// `false` (none), `"favourable"` (what is not granted, towards the values the policy marks
/// favourable), or the value wanted for each conclusion named.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "server", schema(example = json!({"e61_admission": "admis", "report_conformity": "conforme"})))]
#[serde(untagged)]
pub enum HintsRequest {
    /// `true`: hints for every decided conclusion; `false`: none.
    All(bool),
    /// `"favourable"`: hints for the conclusions whose value is not one the policy marks
    /// favourable, towards those values.
    Mode(String),
    /// The value wanted for each conclusion named, as the decision writes it.
    #[cfg_attr(feature = "server", schema(value_type = Object))]
    Targets(BTreeMap<String, Json>),
}

/// What `request` asks of `policy`'s conclusions; none for `false`. An unknown conclusion or a
/// value it cannot take is an error, in words.
pub fn read_hints(policy: &Prepared, request: &HintsRequest) -> Result<Option<Asked>, String> {
    let targets = match request {
        HintsRequest::All(all) => return Ok(all.then_some(Asked::All)),
        HintsRequest::Mode(mode) if mode == "favourable" => return Ok(Some(Asked::Favourable)),
        HintsRequest::Mode(mode) => {
            return Err(format!(
                "`hints` is `true`, `\"favourable\"` or an object of values wanted, not `\"{mode}\"`"
            ));
        }
        HintsRequest::Targets(t) => t,
    };
    let mut out = Vec::with_capacity(targets.len());
    for (name, wanted) in targets {
        let Some(i) = policy.conclusion_index(name) else {
            return Err(format!(
                "`hints` names `{name}`, which is not a conclusion of the policy"
            ));
        };
        let ty = policy
            .conclusions
            .get(i)
            .map(|c| &c.ty)
            .unwrap_or(&Type::Any);
        let Some(v) = target(policy, ty, wanted) else {
            return Err(format!(
                "`hints`: `{wanted}` is not a value of `{name}` (a {})",
                policy.types.type_name(ty)
            ));
        };
        out.push((i, v));
    }
    Ok(Some(Asked::Targets(out)))
}

/// `json` as a value of type `ty`, when it is one.
fn target(policy: &CompiledPolicy, ty: &Type, json: &Json) -> Option<Value> {
    if json.is_null() {
        return ty.is_optional().then_some(Value::None);
    }
    match (ty.base(), json) {
        (Type::Bool, Json::Bool(b)) => Some(Value::Bool(*b)),
        (Type::Num { .. }, Json::Number(n)) => number(n).map(|n| Value::Num(n.normalize())),
        (Type::Date, Json::String(s)) => parse_date(s).map(Value::Date),
        (Type::Text, Json::String(s)) => Some(Value::Text(s.as_str().into())),
        (Type::Enum(e), Json::String(s)) => {
            let info = policy.types.enums.get(*e)?;
            let v = info.variants.iter().position(|v| v == s)?;
            Some(Value::Enum(u32::try_from(*e).ok()?, u32::try_from(v).ok()?))
        }
        (Type::Set(elem), Json::Array(items)) => {
            let mut values = items
                .iter()
                .map(|i| target(policy, elem, i))
                .collect::<Option<Vec<Value>>>()?;
            values.sort();
            values.dedup();
            Some(Value::Set(values.into()))
        }
        _ => None,
    }
}
