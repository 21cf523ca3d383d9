//! What can go wrong while deciding, as a type: the decision carries its message unchanged.

use std::sync::Arc;

/// Why a conclusion (or an expression) has no value although no fact is missing.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    /// Two rules of the same rank apply and give different values.
    #[error("conflict between rules {} of `{conclusion}`: they apply together and give different values", quoted(.rules))]
    Conflict {
        /// The conclusion.
        conclusion: Arc<str>,
        /// The labels of the rules that apply together.
        rules: Vec<Arc<str>>,
    },
    /// No rule of a conclusion applies.
    #[error("no rule of `{0}` applies")]
    NoRuleApplies(Arc<str>),
    /// A number outgrew the decimal range (`what`: a number, a sum, a duration).
    #[error("{0} is too large")]
    Overflow(&'static str),
    /// A division by zero.
    #[error("division by zero")]
    DivisionByZero,
    /// Date arithmetic left the calendar.
    #[error("a date falls outside the calendar")]
    DateOutOfRange,
    /// An expression read what it cannot: a constant reading a fact, an index out of range.
    /// The checker rules these out for checked policies; the message names the broken
    /// invariant rather than hiding it behind a made-up value.
    #[error("internal error: {0}")]
    Invariant(&'static str),
}

fn quoted(labels: &[Arc<str>]) -> String {
    labels
        .iter()
        .map(|l| format!("`{l}`"))
        .collect::<Vec<_>>()
        .join(" and ")
}
