//! JSON read strictly: an object with the same key twice is an error, not silently its last
//! value (a record with two different `pages` is not a record anyone meant). Otherwise the
//! same values as `serde_json::Value`.

use std::fmt;

use serde::de::{Deserialize, Deserializer, Error, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value as Json};

/// A JSON value whose objects have distinct keys.
#[derive(Clone, Debug, PartialEq)]
pub struct Strict(pub Json);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Strict, D::Error> {
        d.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: Error>(self, b: bool) -> Result<Json, E> {
        Ok(Json::Bool(b))
    }

    fn visit_i64<E: Error>(self, n: i64) -> Result<Json, E> {
        Ok(Json::from(n))
    }

    fn visit_u64<E: Error>(self, n: u64) -> Result<Json, E> {
        Ok(Json::from(n))
    }

    fn visit_f64<E: Error>(self, n: f64) -> Result<Json, E> {
        Ok(serde_json::Number::from_f64(n).map_or(Json::Null, Json::Number))
    }

    fn visit_str<E: Error>(self, s: &str) -> Result<Json, E> {
        Ok(Json::String(s.to_string()))
    }

    fn visit_string<E: Error>(self, s: String) -> Result<Json, E> {
        Ok(Json::String(s))
    }

    fn visit_unit<E: Error>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_none<E: Error>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        Strict::deserialize(d).map(|s| s.0)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(Strict(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(A::Error::custom(format!(
                    "the key `{key}` appears twice in one object"
                )));
            }
            let Strict(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(Json::Object(object))
    }
}

/// For `#[serde(deserialize_with)]`: a value read strictly.
pub fn value<'de, D: Deserializer<'de>>(d: D) -> Result<Json, D::Error> {
    Strict::deserialize(d).map(|s| s.0)
}

/// For `#[serde(deserialize_with)]`: a list of values read strictly.
pub fn values<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Json>, D::Error> {
    Vec::<Strict>::deserialize(d).map(|v| v.into_iter().map(|s| s.0).collect())
}

#[cfg(test)]
mod tests {
    use super::Strict;

    #[test]
    fn a_key_twice_is_refused_at_any_depth() {
        let ok: Result<Strict, _> = serde_json::from_str(r#"{"a": {"b": 1, "c": [1, 2.5, null]}}"#);
        assert_eq!(
            ok.map(|s| s.0).ok(),
            Some(serde_json::json!({"a": {"b": 1, "c": [1, 2.5, null]}}))
        );
        for text in [
            r#"{"a": 1, "a": 2}"#,
            r#"{"r": {"pages": 40, "pages": 60}}"#,
            r#"[{"x": 1, "x": 1}]"#,
        ] {
            let e = serde_json::from_str::<Strict>(text)
                .err()
                .map(|e| e.to_string());
            assert!(e.is_some_and(|e| e.contains("appears twice")), "{text}");
        }
    }
}
