//! A recorded decision decided again: its version rebuilt from the text stored with it, the
//! input decided under another version (the one in force today) and compared with the decision
//! as it was answered, and decided again under its own version to say whether the engine still
//! gives what it answered.

use std::sync::Arc;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use serde_json::value::RawValue;

use crate::decision::{PolicyRef, Status};
use crate::diff::{InvalidCase, input_errors};
use crate::json::InputError;
use crate::prepared::Prepared;
use crate::request::{self, Bounds, Options};

use super::StoredRecord;

/// What a replay found.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Replay {
    /// The decision replayed.
    pub decision_id: String,
    /// The version it was made under (rebuilt from its stored text).
    pub from: PolicyRef,
    /// The version it is decided under now.
    pub to: PolicyRef,
    /// Whether some conclusion's status or value under `to` differs from the decision as it
    /// was answered (among the conclusions it was asked for).
    pub changed: bool,
    /// The conclusions that differ: each as it was answered (`old`) and as `to` decides it
    /// (`new`), with the rules and clauses behind each value.
    pub conclusions: Vec<ReplayedConclusion>,
    /// The input errors, when a version rejects the input: `old` under the version it was made
    /// under (decided again), `new` under `to`; `to` rejecting it, nothing is compared.
    pub invalid: Option<InvalidCase>,
    /// Whether the record decided again under the version it was made under gives the decision
    /// that was answered: for each conclusion asked, the same status, value, rules, clauses and
    /// missing inputs. False when the engine now decides otherwise on the same rules (a change
    /// of the engine, or a stored record altered), or rejects the input.
    pub reproduced: bool,
    /// Where it does not: each conclusion as it was answered (`old`) and as decided again under
    /// the same version (`new`); empty when `reproduced`, or when the input is rejected.
    pub not_reproduced: Vec<ReplayedConclusion>,
}

/// One conclusion on both sides of a comparison.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ReplayedConclusion {
    /// The conclusion.
    pub conclusion: String,
    /// As it was answered (`null` if the decision has no such conclusion).
    pub old: Option<ReplayOutcome>,
    /// As decided now (`null` if the version has no such conclusion).
    pub new: Option<ReplayOutcome>,
}

/// A conclusion's result on one side of a replay, reduced to what a reviewer compares: as the
/// impact replay gives it, its value as the decision wrote it.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ReplayOutcome {
    /// `decided`, `undetermined` or `error`.
    pub status: Status,
    /// The value (`null` unless decided, or when it is none).
    #[cfg_attr(feature = "server", schema(value_type = serde_json::Value))]
    pub value: Box<RawValue>,
    /// The rules that gave the value.
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(required = true))]
    pub rules: Vec<String>,
    /// The clauses behind the value, by reference.
    #[serde(default, deserialize_with = "clause_ids")]
    #[cfg_attr(feature = "server", schema(required = true))]
    pub citations: Vec<String>,
    /// The missing inputs or parameters (undetermined only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing: Option<Vec<String>>,
    /// What went wrong (error only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl ReplayOutcome {
    /// The value, read.
    fn value(&self) -> Option<Json> {
        serde_json::from_str(self.value.get()).ok()
    }

    /// The same status and value: what a change of the rules is judged on.
    fn same_value(&self, other: &ReplayOutcome) -> bool {
        self.status == other.status
            && match (self.value(), other.value()) {
                (Some(a), Some(b)) => same_json(&a, &b),
                _ => false,
            }
    }

    /// The same status, value, rules, clauses and missing inputs: a decision reproduced.
    fn same_grounds(&self, other: &ReplayOutcome) -> bool {
        self.same_value(other)
            && self.rules == other.rules
            && self.citations == other.citations
            && self.missing == other.missing
    }
}

/// Whether two values decisions wrote are one value: numbers by value (`270` and `270.0` are
/// one number, as the examples compare them), lists in order, records by field.
fn same_json(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => {
            crate::json::number(x).is_some_and(|x| crate::json::number(y) == Some(x))
        }
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y))
        }
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

/// A citation as a decision writes it: the clause with its section and text (the default
/// form), its id alone, or its id and `via` (`citations=ids`).
#[derive(Deserialize)]
#[serde(untagged)]
enum Cited {
    Id(String),
    Clause { clause: String },
}

fn clause_ids<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let cited = Vec::<Cited>::deserialize(d)?;
    Ok(cited
        .into_iter()
        .map(|c| match c {
            Cited::Id(id) | Cited::Clause { clause: id } => id,
        })
        .collect())
}

/// A decision's conclusions, in the order it gives them.
struct Conclusions(Vec<(String, ReplayOutcome)>);

impl<'de> Deserialize<'de> for Conclusions {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct InOrder;
        impl<'de> Visitor<'de> for InOrder {
            type Value = Conclusions;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("the conclusions of a decision")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Conclusions, A::Error> {
                let mut all = Vec::new();
                while let Some(entry) = map.next_entry::<String, ReplayOutcome>()? {
                    all.push(entry);
                }
                Ok(Conclusions(all))
            }
        }
        d.deserialize_map(InOrder)
    }
}

impl Conclusions {
    /// The conclusions of `decision` (as JSON text).
    fn of(decision: &str) -> Option<Conclusions> {
        #[derive(Deserialize)]
        struct Decision {
            conclusions: Conclusions,
        }
        serde_json::from_str::<Decision>(decision)
            .ok()
            .map(|d| d.conclusions)
    }

    /// Those named in `asked` (all when none).
    fn among(mut self, asked: Option<&[String]>) -> Conclusions {
        if let Some(names) = asked {
            self.0.retain(|(n, _)| names.contains(n));
        }
        self
    }
}

/// The conclusions of `after` that differ from `before` by `same`, then those only `before`
/// has, each with both sides.
fn differing(
    mut before: Conclusions,
    after: Conclusions,
    same: impl Fn(&ReplayOutcome, &ReplayOutcome) -> bool,
) -> Vec<ReplayedConclusion> {
    let mut out = Vec::new();
    for (name, new) in after.0 {
        let old = before
            .0
            .iter()
            .position(|(n, _)| *n == name)
            .map(|i| before.0.remove(i).1);
        if !old.as_ref().is_some_and(|old| same(old, &new)) {
            out.push(ReplayedConclusion {
                conclusion: name,
                old,
                new: Some(new),
            });
        }
    }
    out.extend(before.0.into_iter().map(|(name, old)| ReplayedConclusion {
        conclusion: name,
        old: Some(old),
        new: None,
    }));
    out
}

/// A record decided under a version: its conclusions, or the version rejects it.
enum Decided {
    Conclusions(Conclusions),
    Rejected(Vec<InputError>),
}

/// `input` decided under `policy`, within `bounds`: its conclusions as the decision writes
/// them.
fn decided(policy: &Prepared, input: &Json, bounds: Bounds) -> Result<Decided, ReplayError> {
    // A replay compares conclusions: the decision's id plays no part.
    let options = Options {
        bounds,
        decision_id: Some(String::new()),
        ..Options::default()
    };
    let decision = match request::decide(policy, input, &options) {
        Ok(decision) => decision,
        Err(e) => return Ok(Decided::Rejected(input_errors(e))),
    };
    let text = serde_json::to_string(&decision).map_err(|_| ReplayError::Unreadable)?;
    Conclusions::of(&text)
        .map(Decided::Conclusions)
        .ok_or(ReplayError::Unreadable)
}

/// Why a decision cannot be replayed.
#[derive(Debug, PartialEq, Eq)]
pub enum ReplayError {
    /// Only the input's hash is kept, and no input was given.
    InputNotKept,
    /// The input given is not the one decided (its hash differs).
    InputMismatch,
    /// The stored text does not give the version back.
    Rebuild,
    /// The stored decision, or the one made again, cannot be read as a decision.
    Unreadable,
}

/// Replays `record` (whose version's files, as stored, are `files`) under `now`. `input` is
/// the candidate's record when the store kept only its hash, `input_hash` how the store hashes
/// one.
pub fn replay(
    record: &StoredRecord,
    files: &str,
    now: &Prepared,
    input: Option<Json>,
    input_hash: impl Fn(&Json) -> String,
    bounds: Bounds,
) -> Result<Replay, ReplayError> {
    let request: Json = serde_json::from_str(&record.request).unwrap_or(Json::Null);
    let input = match (request.get("input"), input, &record.input_hash) {
        (Some(kept), _, _) => kept.clone(),
        (None, Some(given), Some(hash)) if input_hash(&given) == *hash => given,
        (None, Some(_), Some(_)) => return Err(ReplayError::InputMismatch),
        _ => return Err(ReplayError::InputNotKept),
    };
    let then = rebuild(&record.policy, &record.version, files).ok_or(ReplayError::Rebuild)?;
    if *then.sha256 != *record.policy_sha256 {
        return Err(ReplayError::Rebuild);
    }
    // A decision asked for some conclusions is compared on those alone (it holds no other).
    let asked: Option<Vec<String>> = request
        .get("conclusions")
        .and_then(|c| serde_json::from_value(c.clone()).ok());
    let asked = asked.as_deref();
    let answered = || Conclusions::of(&record.decision).ok_or(ReplayError::Unreadable);
    let (not_reproduced, rejected_then) = match decided(&then, &input, bounds)? {
        Decided::Conclusions(again) => (
            Some(differing(
                answered()?,
                again.among(asked),
                ReplayOutcome::same_grounds,
            )),
            None,
        ),
        Decided::Rejected(errors) => (None, Some(errors)),
    };
    let (conclusions, rejected_now) = match decided(now, &input, bounds)? {
        Decided::Conclusions(after) => (
            differing(
                answered()?.among(asked),
                after.among(asked),
                ReplayOutcome::same_value,
            ),
            None,
        ),
        Decided::Rejected(errors) => (Vec::new(), Some(errors)),
    };
    let invalid = (rejected_then.is_some() || rejected_now.is_some()).then(|| InvalidCase {
        case: record.id.clone(),
        old: rejected_then,
        new: rejected_now,
    });
    Ok(Replay {
        decision_id: record.id.clone(),
        from: PolicyRef::of(&then),
        to: PolicyRef::of(now),
        changed: !conclusions.is_empty(),
        conclusions,
        invalid,
        reproduced: not_reproduced.as_ref().is_some_and(Vec::is_empty),
        not_reproduced: not_reproduced.unwrap_or_default(),
    })
}

/// The version `label` of `policy` rebuilt from its stored files (JSON `{"files": [...]}`).
pub fn rebuild(policy: &str, label: &str, files: &str) -> Option<Arc<Prepared>> {
    let files: Json = serde_json::from_str(files).ok()?;
    let texts: Vec<(String, Option<std::path::PathBuf>, String)> = files
        .get("files")?
        .as_array()?
        .iter()
        .filter_map(|f| {
            Some((
                f.get("name")?.as_str()?.to_string(),
                None,
                f.get("text")?.as_str()?.to_string(),
            ))
        })
        .collect();
    let folder = crate::load::check_texts(std::path::PathBuf::from(policy), texts);
    folder
        .versions
        .into_iter()
        .find(|(l, _)| l == label)
        .and_then(|(_, r)| r.policy)
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::indexing_slicing,
        reason = "tests assert by panicking"
    )]
    use super::*;

    #[test]
    fn a_decision_reads_back_the_same_whichever_form_its_citations_take() {
        let full = r#"{"conclusions":{"admission":{"status":"decided","value":421.80,
            "citations":[{"clause":"2.1-1","section":"2.1","text":"…"},
                         {"clause":"3-1","section":"3","text":"…","via":"parameter n"}],
            "rules":["r"]},"mention":{"status":"undetermined","value":null,
            "citations":[],"missing":["report.pages"]}}}"#;
        let ids = r#"{"conclusions":{"admission":{"status":"decided","value":421.80,
            "citations":["2.1-1",{"clause":"3-1","via":"parameter n"}],"rules":["r"]},
            "mention":{"status":"undetermined","value":null,"citations":[],
            "missing":["report.pages"]}},"clauses":{}}"#;
        let (full, ids) = (
            Conclusions::of(full).unwrap(),
            Conclusions::of(ids).unwrap(),
        );
        let names: Vec<&str> = full.0.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["admission", "mention"], "in the decision's order");
        let admission = &full.0[0].1;
        assert_eq!(admission.citations, ["2.1-1", "3-1"]);
        assert_eq!(admission.value.get(), "421.80", "the value as written");
        assert!(differing(full, ids, ReplayOutcome::same_grounds).is_empty());
    }

    #[test]
    fn a_conclusion_differs_by_its_value_or_by_its_grounds_as_asked() {
        let said = |value: &str, rule: &str| {
            Conclusions::of(&format!(
                r#"{{"conclusions":{{"a":{{"status":"decided","value":{value},"citations":[],"rules":["{rule}"]}}}}}}"#
            ))
            .unwrap()
        };
        let names = |changes: Vec<ReplayedConclusion>| -> Vec<String> {
            changes.into_iter().map(|c| c.conclusion).collect()
        };
        // Another rule giving the same value: a change of grounds, not of value.
        let value = differing(said("1", "r"), said("1.0", "s"), ReplayOutcome::same_value);
        assert!(value.is_empty());
        let grounds = differing(said("1", "r"), said("1", "s"), ReplayOutcome::same_grounds);
        assert_eq!(names(grounds), ["a"]);
        let other = differing(said("1", "r"), said("2", "r"), ReplayOutcome::same_value);
        assert_eq!(names(other), ["a"]);
    }
}
