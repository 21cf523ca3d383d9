//! The guided interview: from a partial record, the decision so far and the questions whose
//! answers can still change an undetermined wanted conclusion, most decisive first.
//!
//! An input the record leaves out is unanswered, and a missing fact whatever its declaration
//! (the request path reads the record with [`crate::json::Absence::Unanswered`]); inputs the
//! person cannot answer stay missing and are never asked. The decision is settled (see
//! [`crate::eval::settle`]), so a conclusion is undetermined only when some value of its missing
//! facts can change it. Its `missing` may still name an input that no answer can change, when
//! settling gave up on it: a boolean or enum input is asked only when some answer to it can
//! change a wanted conclusion's status or value (see `relevance` for the search and its bound).

mod question;
mod relevance;

pub use question::{Choice, Field, Question, ValueType, Words};

use std::collections::HashMap;

use serde::Serialize;

use crate::decision::{Conclusions, Decision, Status};
use crate::eval::Evaluator;
use crate::model::{Lang, Presence, Type, Value};
use crate::prepared::Prepared;

/// The decision so far and what to ask next.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Interview {
    /// The wanted conclusions, decided whatever the unanswered inputs turn out to be, or
    /// undetermined with the missing facts.
    pub decision: Decision,
    /// The unanswered inputs whose answer can still change an undetermined wanted conclusion,
    /// most decisive first.
    pub questions: Vec<Question>,
    /// No wanted conclusion is undetermined, or nothing is left to ask.
    pub done: bool,
}

/// An unanswered input that some undetermined wanted conclusion misses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// The input's slot (its declaration order).
    pub slot: usize,
    /// The undetermined wanted conclusions that list it as missing (their number ranks it).
    pub conclusions: Vec<usize>,
}

/// Orders candidate questions, most decisive first: by how many undetermined wanted
/// conclusions miss them, then by the declaration order of the inputs.
pub fn rank(candidates: &mut [Candidate]) {
    candidates.sort_by(|a, b| {
        b.conclusions
            .len()
            .cmp(&a.conclusions.len())
            .then(a.slot.cmp(&b.slot))
    });
}

/// The interview on `facts` (one value per input slot, [`Value::Missing`] for an unanswered
/// one) for the conclusions `wanted` (indices, in declaration order), never asking the inputs
/// `unknown` (slots); `id` is the decision's id; what people read is in `lang`.
pub fn interview(
    policy: &Prepared,
    facts: &[Value],
    wanted: &[usize],
    unknown: &[usize],
    id: &str,
    lang: Lang,
) -> Interview {
    let decision = crate::decision::decide(policy, facts, id, false, true, lang);
    let open: Vec<usize> = wanted
        .iter()
        .copied()
        .filter(|&i| status(&decision.conclusions, i) == Some(Status::Undetermined))
        .collect();
    let mut candidates = candidates(policy, facts, &decision.conclusions, &open, unknown);
    let search = relevance::Search::new(policy, wanted);
    let mut supposed = facts.to_vec();
    candidates
        .retain(|c| search.can_change(&mut supposed, c.slot, answers(policy, c.slot).as_deref()));
    debug_assert!(supposed == facts, "the search gives every fact back");
    rank(&mut candidates);
    let mut ev = Evaluator::new(policy, facts);
    let questions = candidates
        .iter()
        .map(|c| question::question(policy, &mut ev, c, lang))
        .collect::<Vec<_>>();
    let done = open.is_empty() || questions.is_empty();
    let Decision {
        decision_id,
        policy: policy_ref,
        conclusions,
        trace,
    } = decision;
    let conclusions = conclusions
        .0
        .into_iter()
        .enumerate()
        .filter(|(i, _)| wanted.binary_search(i).is_ok())
        .map(|(_, c)| c)
        .collect();
    Interview {
        decision: Decision {
            decision_id,
            policy: policy_ref,
            conclusions: Conclusions(conclusions),
            trace,
        },
        questions,
        done,
    }
}

fn status(conclusions: &Conclusions, i: usize) -> Option<Status> {
    conclusions.0.get(i).map(|(_, c)| c.status)
}

/// The unanswered inputs, other than `unknown`, that the conclusions `open` miss, with them.
fn candidates(
    policy: &Prepared,
    facts: &[Value],
    conclusions: &Conclusions,
    open: &[usize],
    unknown: &[usize],
) -> Vec<Candidate> {
    // The open conclusions that miss each fact, in their order (each once).
    let mut missed: HashMap<&str, Vec<usize>> = HashMap::new();
    for &i in open {
        let Some(missing) = conclusions.0.get(i).and_then(|(_, c)| c.missing.as_deref()) else {
            continue;
        };
        for path in missing {
            let by = missed.entry(path.as_str()).or_default();
            if by.last() != Some(&i) {
                by.push(i);
            }
        }
    }
    policy
        .inputs
        .iter()
        .enumerate()
        .filter(|(slot, _)| matches!(facts.get(*slot), Some(Value::Missing(_))))
        .filter(|(slot, _)| !unknown.contains(slot))
        .filter_map(|(slot, info)| {
            let missed_by = missed.remove(info.path.as_str())?;
            Some(Candidate {
                slot,
                conclusions: missed_by,
            })
        })
        .collect()
}

/// The values a finite input may be answered with (`none` too when it is optional); none for
/// an input of another type.
pub fn answers(policy: &Prepared, slot: usize) -> Option<Vec<Value>> {
    let info = policy.inputs.get(slot)?;
    let mut values = match info.ty.base() {
        Type::Bool => vec![Value::Bool(false), Value::Bool(true)],
        Type::Enum(e) => {
            let n = policy.types.enums.get(*e)?.variants.len();
            let e = u32::try_from(*e).ok()?;
            (0..u32::try_from(n).ok()?)
                .map(|i| Value::Enum(e, i))
                .collect()
        }
        _ => return None,
    };
    if info.presence == Presence::Optional {
        values.push(Value::None);
    }
    Some(values)
}

#[cfg(test)]
#[path = "interview/tests.rs"]
mod tests;
