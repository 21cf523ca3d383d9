//! Reading a JSON batch's envelope with its inputs counted as they are read (see
//! [`super::parse_batch`]): the same fields and the same strictness as
//! [`super::BatchRequest`] (unknown and repeated fields refused), each input kept as raw text.

use std::cell::Cell;
use std::fmt;

use serde::de::{DeserializeSeed, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::RawBatch;

const FIELDS: &[&str] = &["inputs", "version", "as_of", "explain", "conclusions"];

/// The whole batch object; sets `over` when `inputs` holds more than `max_len` items.
pub(super) struct Envelope<'c> {
    pub(super) max_len: usize,
    pub(super) over: &'c Cell<bool>,
}

impl<'de> DeserializeSeed<'de> for Envelope<'_> {
    type Value = RawBatch<'de>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Envelope<'_> {
    type Value = RawBatch<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object with `inputs`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut inputs = None;
        let (mut version, mut as_of, mut explain) = (None, None, None);
        let mut conclusions = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "inputs" if inputs.is_none() => {
                    inputs = Some(map.next_value_seed(Inputs {
                        max_len: self.max_len,
                        over: self.over,
                    })?);
                }
                "version" if version.is_none() => {
                    version = Some(map.next_value::<Option<String>>()?);
                }
                "as_of" if as_of.is_none() => as_of = Some(map.next_value::<Option<String>>()?),
                "explain" if explain.is_none() => explain = Some(map.next_value::<bool>()?),
                "conclusions" if conclusions.is_none() => {
                    conclusions = Some(map.next_value::<Option<Vec<String>>>()?);
                }
                other if FIELDS.contains(&other) => {
                    return Err(A::Error::duplicate_field(field(other)));
                }
                other => return Err(A::Error::unknown_field(other, FIELDS)),
            }
        }
        Ok(RawBatch {
            inputs: inputs.ok_or_else(|| A::Error::missing_field("inputs"))?,
            version: version.flatten(),
            as_of: as_of.flatten(),
            explain: explain.unwrap_or(false),
            conclusions: conclusions.flatten(),
        })
    }
}

/// The static name of a known field.
fn field(name: &str) -> &'static str {
    FIELDS
        .iter()
        .find(|f| **f == name)
        .copied()
        .unwrap_or("inputs")
}

/// The `inputs` array, each item as raw JSON, stopping at item `max_len + 1`.
struct Inputs<'c> {
    max_len: usize,
    over: &'c Cell<bool>,
}

impl<'de> DeserializeSeed<'de> for Inputs<'_> {
    type Value = Vec<&'de RawValue>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Inputs<'_> {
    type Value = Vec<&'de RawValue>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of inputs")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<&'de RawValue>()? {
            if items.len() == self.max_len {
                self.over.set(true);
                return Err(A::Error::custom(format_args!(
                    "more than {} inputs",
                    self.max_len
                )));
            }
            items.push(item);
        }
        Ok(items)
    }
}
