//! Runtime values: what inputs, parameters, definitions and conclusions hold.

use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;

/// A runtime value.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Value {
    /// `none`: the absence of an optional value.
    None,
    /// A boolean.
    Bool(bool),
    /// A number (its unit is static).
    Num(Decimal),
    /// A date.
    Date(NaiveDate),
    /// An enum value: the enum and the variant's index.
    Enum(u32, u32),
    /// A text.
    Text(Arc<str>),
    /// A list.
    List(Arc<[Value]>),
    /// A set, sorted and without duplicates.
    Set(Arc<[Value]>),
    /// A record, one slot per declared field.
    Record(Arc<[Value]>),
    /// A required record field that the input left out: reading it is a missing fact.
    Missing(Arc<str>),
}
