//! Impact replay: candidate records evaluated under two versions, and the conclusions that
//! change.

use serde::Serialize;
use serde_json::Value as Json;

use crate::decision::{ConclusionResult, Datum, Decision, PolicyRef, Status};
use crate::json::InputError;
use crate::model::CompiledPolicy;
use crate::prepared::Prepared;
use crate::request::{self, Bounds, Options, RequestError};

/// The candidates a change of version affects.
///
/// JSON shape (every list always present; cases in the order given):
///
/// ```json
/// {
///   "from": { "id", "version", "effective_from", "sha256" },
///   "to":   { … },
///   "counts": { "cases": 8, "changed": 3, "unchanged": 4, "invalid": 1 },
///   "by_conclusion": [ { "conclusion": "e61_admission", "cases": 2 } ],
///   "changed": [
///     { "case": "force-majeure-5-semaines",
///       "conclusions": [
///         { "conclusion": "e61_admission",
///           "old": { "status": "decided", "value": "refuse", "rules": ["insuffisant"],
///                    "citations": ["3-1"] },
///           "new": { "status": "decided", "value": "admis_sur_autorisation", … } } ] } ],
///   "invalid": [ { "case": "typo", "old": [ { "pointer": "/x", "message": "…" } ], "new": null } ]
/// }
/// ```
///
/// - A conclusion changes when its status or its value differs (a change of citations alone
///   does not count). A side is `null` when that version has no such conclusion.
/// - An [`Outcome`] has `missing` when undetermined and `error` when in error, as in a decision.
/// - `by_conclusion` counts, per conclusion that changed for some case, the cases where it
///   changed, in the new version's declaration order.
/// - `invalid` holds the cases whose input one version (or both) rejects, with the input errors
///   under each version (`null` under a version that accepts the input); they are not compared.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Impact {
    /// The old version.
    pub from: PolicyRef,
    /// The new version.
    pub to: PolicyRef,
    /// How many cases were replayed, changed, unchanged, invalid.
    pub counts: ImpactCounts,
    /// Per conclusion, the number of cases where it changed.
    pub by_conclusion: Vec<ConclusionCount>,
    /// The cases with at least one conclusion that changed.
    pub changed: Vec<CaseImpact>,
    /// The cases whose input a version rejects.
    pub invalid: Vec<InvalidCase>,
}

/// The number of cases of each kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ImpactCounts {
    /// Every case replayed.
    pub cases: usize,
    /// Cases with a conclusion that changed.
    pub changed: usize,
    /// Cases decided the same under both versions.
    pub unchanged: usize,
    /// Cases whose input a version rejects.
    pub invalid: usize,
}

/// How many cases one conclusion changed for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ConclusionCount {
    /// The conclusion.
    pub conclusion: String,
    /// The number of cases.
    pub cases: usize,
}

/// One case and its conclusions that changed.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CaseImpact {
    /// The case's name.
    pub case: String,
    /// The conclusions that changed.
    pub conclusions: Vec<ConclusionChange>,
}

/// One conclusion of one case, under both versions.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ConclusionChange {
    /// The conclusion.
    pub conclusion: String,
    /// Under the old version (`null` if it has no such conclusion).
    pub old: Option<Outcome>,
    /// Under the new version (`null` if it has no such conclusion).
    pub new: Option<Outcome>,
}

/// A conclusion's result, reduced to what a reviewer compares.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Outcome {
    /// `decided`, `undetermined` or `error`.
    pub status: Status,
    /// The value (`null` unless decided, or when it is none).
    #[cfg_attr(feature = "server", schema(value_type = serde_json::Value))]
    pub value: Datum,
    /// The rules that gave the value.
    pub rules: Vec<String>,
    /// The clauses behind the value, by reference.
    pub citations: Vec<String>,
    /// The missing inputs or parameters (undetermined only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing: Option<Vec<String>>,
    /// What went wrong (error only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl From<&ConclusionResult> for Outcome {
    fn from(c: &ConclusionResult) -> Self {
        Outcome {
            status: c.status,
            value: c.value.clone(),
            rules: c.rules.iter().map(|r| r.to_string()).collect(),
            citations: c.citations.iter().map(|c| c.clause.to_string()).collect(),
            missing: c.missing.clone(),
            error: c.error.clone(),
        }
    }
}

/// A case whose input a version rejects.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct InvalidCase {
    /// The case's name.
    pub case: String,
    /// The input errors under the old version (`null` if it accepts the input).
    pub old: Option<Vec<InputError>>,
    /// The input errors under the new version (`null` if it accepts the input).
    pub new: Option<Vec<InputError>>,
}

/// Evaluates every case (a name and a candidate record, as `clausier eval` reads it) under
/// `old` and `new`, within `bounds`, and lists the conclusions whose status or value differs.
/// Cases whose input a version rejects are listed as invalid, not dropped. See [`Impact`] for
/// the shape.
pub fn impact(old: &Prepared, new: &Prepared, cases: &[(String, Json)], bounds: Bounds) -> Impact {
    let mut changed = Vec::new();
    let mut invalid = Vec::new();
    // A replay compares conclusions: the decisions' ids play no part.
    let options = Options {
        bounds,
        decision_id: Some(String::new()),
        ..Options::default()
    };
    for (name, input) in cases {
        let decide = |p: &Prepared| request::decide(p, input, &options).map_err(input_errors);
        match (decide(old), decide(new)) {
            (Ok(before), Ok(after)) => {
                let conclusions = changes(&before, &after);
                if !conclusions.is_empty() {
                    changed.push(CaseImpact {
                        case: name.clone(),
                        conclusions,
                    });
                }
            }
            (o, n) => invalid.push(InvalidCase {
                case: name.clone(),
                old: o.err(),
                new: n.err(),
            }),
        }
    }
    let by_conclusion = count_by_conclusion(old, new, &changed);
    Impact {
        from: PolicyRef::of(old),
        to: PolicyRef::of(new),
        counts: ImpactCounts {
            cases: cases.len(),
            changed: changed.len(),
            unchanged: cases.len().saturating_sub(changed.len() + invalid.len()),
            invalid: invalid.len(),
        },
        by_conclusion,
        changed,
        invalid,
    }
}

/// A record a version rejects, as input errors (a bound it exceeds included).
fn input_errors(e: RequestError) -> Vec<InputError> {
    match e {
        RequestError::Invalid(errors) => errors,
        RequestError::Malformed(message) => vec![InputError::new("/", message)],
        RequestError::Bad(message) => vec![InputError::new("/", message.to_string())],
        RequestError::Exceeded(e) => vec![InputError::new("/", e.said().to_string())],
    }
}

/// The conclusions whose status or value differs, the new version's first.
fn changes(before: &Decision, after: &Decision) -> Vec<ConclusionChange> {
    let names = after.conclusions.0.iter().map(|(n, _)| n).chain(
        before
            .conclusions
            .0
            .iter()
            .map(|(n, _)| n)
            .filter(|n| after.conclusions.get(n).is_none()),
    );
    names
        .filter_map(|name| {
            let old = before.conclusions.get(name);
            let new = after.conclusions.get(name);
            let same = matches!((old, new), (Some(o), Some(n)) if o.status == n.status && o.value == n.value);
            (!same).then(|| ConclusionChange {
                conclusion: name.to_string(),
                old: old.map(Outcome::from),
                new: new.map(Outcome::from),
            })
        })
        .collect()
}

fn count_by_conclusion(
    old: &CompiledPolicy,
    new: &CompiledPolicy,
    changed: &[CaseImpact],
) -> Vec<ConclusionCount> {
    let mut counts: Vec<ConclusionCount> = Vec::new();
    for change in changed.iter().flat_map(|c| &c.conclusions) {
        match counts
            .iter_mut()
            .find(|c| c.conclusion == change.conclusion)
        {
            Some(c) => c.cases += 1,
            None => counts.push(ConclusionCount {
                conclusion: change.conclusion.clone(),
                cases: 1,
            }),
        }
    }
    // Declaration order: the new version's conclusions, then those only the old one has.
    let rank = |name: &str| {
        let position = |p: &CompiledPolicy| p.conclusions.iter().position(|c| c.name == name);
        position(new).unwrap_or_else(|| new.conclusions.len() + position(old).unwrap_or(0))
    };
    counts.sort_by_key(|c| rank(&c.conclusion));
    counts
}
