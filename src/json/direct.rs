//! A candidate's record read straight from its JSON bytes into facts, without building a
//! `serde_json::Value` first: the path of every valid record, where the tree of values, its
//! keys' hashes and its strings were most of the reading (SPEC §9, `benches/README.md`).
//!
//! It only has to be right for a valid record. At the first thing it does not take (any input
//! error, a key given twice, a text past the bound, a syntax error, bytes after the record),
//! it gives up, and the caller reads the bytes again the careful way ([`super::strict`], then
//! [`super::input`]), which names every problem with its JSON pointer. Its conversions are the
//! careful reader's own ([`Reader`]), so both read a valid record into the same facts.

use std::fmt;
use std::sync::Arc;

use serde::de::{DeserializeSeed, Deserializer, Error, MapAccess, SeqAccess, Visitor};

use super::input::{At, Reader, absent};
use crate::model::{CompiledPolicy, InputGroup, InputNode, Presence, RecordInfo, Type, Value};

/// The facts of the record in `body` (one value per input slot, absent inputs as declared),
/// or none when the record is not valid (the caller then finds out why). Texts longer than
/// `string_len` bytes are not valid. The nesting of the bytes is bounded by the caller.
pub fn read_facts(policy: &CompiledPolicy, body: &[u8], string_len: usize) -> Option<Vec<Value>> {
    let mut facts: Vec<Value> = policy
        .inputs
        .iter()
        .map(|i| absent(&i.presence, || Arc::clone(&i.fact_path)))
        .collect();
    let mut direct = Direct {
        reader: Reader {
            policy,
            errors: Vec::new(),
        },
        string_len,
        facts: &mut facts,
    };
    let mut de = serde_json::Deserializer::from_slice(body);
    let seed = GroupSeed {
        direct: &mut direct,
        group: &policy.input_tree,
        at: At::Root,
    };
    seed.deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(facts)
}

/// The state of one reading: the careful reader (its conversions, and the errors they note),
/// the bound on texts, and the facts written so far.
struct Direct<'p, 'f> {
    reader: Reader<'p>,
    string_len: usize,
    facts: &'f mut [Value],
}

impl Direct<'_, '_> {
    /// `value` unless converting it noted an error.
    fn checked<E: Error>(&self, value: Value) -> Result<Value, E> {
        if self.reader.errors.is_empty() {
            Ok(value)
        } else {
            Err(invalid())
        }
    }
}

/// Giving up: the message is never read (the careful reader says what is wrong).
fn invalid<E: Error>() -> E {
    E::custom("not a valid record")
}

/// The members of an object seen so far, by index, to refuse a key given twice (as
/// [`super::strict`] does): a bit each for the first 64, a list past them.
#[derive(Default)]
struct Seen {
    bits: u64,
    more: Vec<usize>,
}

impl Seen {
    /// Notes member `i`; false when it was seen already.
    fn first(&mut self, i: usize) -> bool {
        match u32::try_from(i).ok().and_then(|i| 1u64.checked_shl(i)) {
            Some(bit) => {
                let first = self.bits & bit == 0;
                self.bits |= bit;
                first
            }
            None if self.more.contains(&i) => false,
            None => {
                self.more.push(i);
                true
            }
        }
    }
}

/// A group of declared inputs (`report` for `report.pages`), or the record itself at the root.
struct GroupSeed<'a, 'p, 'f> {
    direct: &'a mut Direct<'p, 'f>,
    group: &'a InputGroup,
    at: At<'a>,
}

impl<'de> DeserializeSeed<'de> for GroupSeed<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for GroupSeed<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    /// A group given as `null` is a group left out (the record itself must be an object).
    fn visit_unit<E: Error>(self) -> Result<(), E> {
        match self.at {
            At::Root => Err(invalid()),
            _ => Ok(()),
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = Seen::default();
        while let Some((i, name, node)) = map.next_key_seed(MemberKey(self.group))? {
            if !seen.first(i) {
                return Err(invalid());
            }
            match node {
                InputNode::Group(group) => map.next_value_seed(GroupSeed {
                    direct: &mut *self.direct,
                    group,
                    at: At::Key(&self.at, name),
                })?,
                InputNode::Leaf(slot) => {
                    let policy = self.direct.reader.policy;
                    let info = policy.inputs.get(*slot).ok_or_else(invalid)?;
                    let value = map.next_value_seed(ValueSeed {
                        direct: &mut *self.direct,
                        ty: &info.ty,
                        presence: &info.presence,
                        at: At::Input(&self.at, name, &info.path),
                    })?;
                    *self.direct.facts.get_mut(*slot).ok_or_else(invalid)? = value;
                }
            }
        }
        Ok(())
    }
}

/// A key of a group: the member's index, name and node; an unknown key gives up.
struct MemberKey<'p>(&'p InputGroup);

impl<'de, 'p> DeserializeSeed<'de> for MemberKey<'p> {
    type Value = (usize, &'p str, &'p InputNode);

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de, 'p> Visitor<'de> for MemberKey<'p> {
    type Value = (usize, &'p str, &'p InputNode);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a declared input")
    }

    fn visit_str<E: Error>(self, key: &str) -> Result<Self::Value, E> {
        self.0
            .members
            .iter()
            .enumerate()
            .find(|(_, (name, _))| name.as_str() == key)
            .map(|(i, (name, node))| (i, name.as_str(), node))
            .ok_or_else(invalid)
    }
}

/// The value of an input, a field or an element, of type `ty`.
struct ValueSeed<'a, 'p, 'f> {
    direct: &'a mut Direct<'p, 'f>,
    ty: &'a Type,
    presence: &'a Presence,
    at: At<'a>,
}

/// How an element of a list is present: a `null` element is a missing fact.
static REQUIRED: Presence = Presence::Required;

impl<'de> DeserializeSeed<'de> for ValueSeed<'_, '_, '_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl ValueSeed<'_, '_, '_> {
    fn number<E: Error>(self, n: &serde_json::Number) -> Result<Value, E> {
        // A present value of `optional T` is a `T`.
        let Type::Num { integral, .. } = *self.ty.base() else {
            return Err(invalid());
        };
        let value = self.direct.reader.number(n, integral, self.at);
        self.direct.checked(value)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_, '_, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value of the declared type")
    }

    fn visit_unit<E: Error>(self) -> Result<Value, E> {
        let at = self.at;
        Ok(absent(self.presence, || at.fact_path().into()))
    }

    fn visit_bool<E: Error>(self, b: bool) -> Result<Value, E> {
        match self.ty.base() {
            Type::Bool => Ok(Value::Bool(b)),
            _ => Err(invalid()),
        }
    }

    fn visit_i64<E: Error>(self, n: i64) -> Result<Value, E> {
        self.number(&n.into())
    }

    fn visit_u64<E: Error>(self, n: u64) -> Result<Value, E> {
        self.number(&n.into())
    }

    fn visit_f64<E: Error>(self, n: f64) -> Result<Value, E> {
        // serde_json reads no infinite number; were it to, the careful reader decides.
        let n = serde_json::Number::from_f64(n).ok_or_else(invalid)?;
        self.number(&n)
    }

    fn visit_str<E: Error>(self, s: &str) -> Result<Value, E> {
        let ty = self.ty.base();
        if s.len() > self.direct.string_len
            || !matches!(ty, Type::Text | Type::Date | Type::Enum(_))
        {
            return Err(invalid());
        }
        let value = self.direct.reader.string(ty, s, self.at);
        self.direct.checked(value)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let (set, elem) = match self.ty.base() {
            Type::List(elem) => (false, elem),
            Type::Set(elem) => (true, elem),
            _ => return Err(invalid()),
        };
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        loop {
            let seed = ValueSeed {
                direct: &mut *self.direct,
                ty: elem,
                presence: &REQUIRED,
                at: At::Index(&self.at, items.len()),
            };
            match seq.next_element_seed(seed)? {
                Some(item) => items.push(item),
                None => break,
            }
        }
        Ok(if set {
            items.sort();
            items.dedup();
            Value::Set(items.into())
        } else {
            Value::List(items.into())
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Value, A::Error> {
        let Type::Record(r) = *self.ty.base() else {
            return Err(invalid());
        };
        let policy = self.direct.reader.policy;
        let info = policy.types.records.get(r).ok_or_else(invalid)?;
        record(self.direct, info, self.at, map)
    }
}

/// A record value: its fields by name (each at most once, none undeclared), those left out as
/// declared, then its `require`s.
fn record<'de, A: MapAccess<'de>>(
    direct: &mut Direct<'_, '_>,
    info: &RecordInfo,
    at: At<'_>,
    mut map: A,
) -> Result<Value, A::Error> {
    let mut slots = vec![Value::None; info.fields.len()];
    let mut seen = Seen::default();
    while let Some(i) = map.next_key_seed(FieldKey(info))? {
        let (Some(field), Some(slot)) = (info.fields.get(i), slots.get_mut(i)) else {
            return Err(invalid());
        };
        if !seen.first(i) {
            return Err(invalid());
        }
        *slot = map.next_value_seed(ValueSeed {
            direct: &mut *direct,
            ty: &field.ty,
            presence: &field.presence,
            at: At::Key(&at, &field.name),
        })?;
    }
    for (i, (field, slot)) in info.fields.iter().zip(slots.iter_mut()).enumerate() {
        if seen.first(i) {
            *slot = absent(&field.presence, || {
                At::Key(&at, &field.name).fact_path().into()
            });
        }
    }
    let value = direct.reader.required(info, slots, at);
    direct.checked(value)
}

/// A key of a record: the field's index; an undeclared field gives up.
struct FieldKey<'p>(&'p RecordInfo);

impl<'de> DeserializeSeed<'de> for FieldKey<'_> {
    type Value = usize;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for FieldKey<'_> {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a declared field")
    }

    fn visit_str<E: Error>(self, key: &str) -> Result<usize, E> {
        self.0
            .fields
            .iter()
            .position(|f| f.name == key)
            .ok_or_else(invalid)
    }
}
