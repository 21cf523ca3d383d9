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
///   "counts": { "cases": 8, "changed": 3, "unchanged": 4, "invalid": 1,
///               "conclusions_added": 1, "conclusions_removed": 0 },
///   "by_conclusion": [ { "conclusion": "e61_admission", "cases": 2 } ],
///   "changed": [
///     { "case": "force-majeure-5-semaines",
///       "conclusions": [
///         { "conclusion": "e61_admission",
///           "old": { "status": "decided", "value": "refuse", "rules": ["insuffisant"],
///                    "citations": ["3-1"] },
///           "new": { "status": "decided", "value": "admis_sur_autorisation", … } } ] } ],
///   "added": [
///     { "conclusion": "report_page_limit", "cases": 7,
///       "outcomes": [ { "case": "#1", "outcome": { "status": "decided", "value": 50, … } } ] } ],
///   "removed": [],
///   "invalid": [ { "case": "typo", "old": [ { "pointer": "/x", "message": "…" } ], "new": null } ]
/// }
/// ```
///
/// - A decision changes when a conclusion that both versions have differs in status or value
///   (a change of citations alone does not count). `changed` lists those cases with those
///   conclusions only, so each side of a change is present.
/// - A conclusion that only one version has is no change of decision: it is listed in `added`
///   (only the new version has it) or `removed` (only the old one), with what it gives each
///   case under the version that has it, and counted in `counts.conclusions_added` and
///   `counts.conclusions_removed` (numbers of conclusions, not of cases). A case whose only
///   difference is such a conclusion counts as `unchanged`.
/// - `cases` = `changed` + `unchanged` + `invalid`.
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
    /// How many cases were replayed, changed, unchanged, invalid; how many conclusions were
    /// added and removed.
    pub counts: ImpactCounts,
    /// Per conclusion, the number of cases where it changed.
    pub by_conclusion: Vec<ConclusionCount>,
    /// The cases with a conclusion of both versions that changed in status or value.
    pub changed: Vec<CaseImpact>,
    /// The conclusions only the new version has, and what they give each case.
    pub added: Vec<OneSided>,
    /// The conclusions only the old version has, and what they gave each case.
    pub removed: Vec<OneSided>,
    /// The cases whose input a version rejects.
    pub invalid: Vec<InvalidCase>,
}

/// The number of cases of each kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ImpactCounts {
    /// Every case replayed.
    pub cases: usize,
    /// Cases with a conclusion of both versions that changed in status or value.
    pub changed: usize,
    /// Cases whose conclusions of both versions are decided the same (a conclusion only one
    /// version has does not count).
    pub unchanged: usize,
    /// Cases whose input a version rejects.
    pub invalid: usize,
    /// Conclusions only the new version has.
    pub conclusions_added: usize,
    /// Conclusions only the old version has.
    pub conclusions_removed: usize,
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

/// A conclusion only one version has, and what it gives each case compared.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct OneSided {
    /// The conclusion.
    pub conclusion: String,
    /// The number of cases it was decided for (those valid under both versions).
    pub cases: usize,
    /// Its result for each case, under the version that has it.
    pub outcomes: Vec<CaseOutcome>,
}

/// A conclusion's result for one case.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CaseOutcome {
    /// The case's name.
    pub case: String,
    /// The result.
    pub outcome: Outcome,
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
/// `old` and `new`, within `bounds`, and lists the conclusions whose status or value differs,
/// apart from those only one version has. Cases whose input a version rejects are listed as
/// invalid, not dropped. See [`Impact`] for the shape, and [`Replay`] to replay cases one at a
/// time.
pub fn impact(old: &Prepared, new: &Prepared, cases: &[(String, Json)], bounds: Bounds) -> Impact {
    let mut replay = Replay::new(old, new, bounds);
    for (name, input) in cases {
        replay.case(name, input);
    }
    replay.finish()
}

/// One case under two versions.
pub enum Compared {
    /// Both versions accept the input: the conclusions whose status or value differs, a
    /// conclusion only one version has included (its other side `None`), the new version's
    /// first.
    Decided(Vec<ConclusionChange>),
    /// A version rejects the input.
    Invalid(InvalidCase),
}

/// Decides `input` under `old` and `new` (within `bounds`) and compares the two decisions.
pub fn compare(
    old: &Prepared,
    new: &Prepared,
    name: &str,
    input: &Json,
    bounds: Bounds,
) -> Compared {
    // A replay compares conclusions: the decisions' ids play no part.
    let options = Options {
        bounds,
        decision_id: Some(String::new()),
        ..Options::default()
    };
    let decide = |p: &Prepared| request::decide(p, input, &options).map_err(input_errors);
    match (decide(old), decide(new)) {
        (Ok(before), Ok(after)) => Compared::Decided(changes(&before, &after)),
        (o, n) => Compared::Invalid(InvalidCase {
            case: name.to_string(),
            old: o.err(),
            new: n.err(),
        }),
    }
}

/// An impact built one case at a time (so that a caller can stop between two cases).
pub struct Replay<'a> {
    old: &'a Prepared,
    new: &'a Prepared,
    bounds: Bounds,
    cases: usize,
    changed: Vec<CaseImpact>,
    added: Vec<OneSided>,
    removed: Vec<OneSided>,
    /// Where each conclusion is in `added` and in `removed`: a version that adds thousands of
    /// conclusions, replayed on thousands of cases, looked each up among all of them.
    places: rustc_hash::FxHashMap<(bool, String), usize>,
    invalid: Vec<InvalidCase>,
}

impl<'a> Replay<'a> {
    /// A replay of no case yet from `old` to `new`, each decision within `bounds`.
    pub fn new(old: &'a Prepared, new: &'a Prepared, bounds: Bounds) -> Self {
        Replay {
            old,
            new,
            bounds,
            cases: 0,
            changed: Vec::new(),
            added: Vec::new(),
            removed: Vec::new(),
            places: rustc_hash::FxHashMap::default(),
            invalid: Vec::new(),
        }
    }

    /// Replays one case under both versions.
    pub fn case(&mut self, name: &str, input: &Json) {
        self.cases += 1;
        let changes = match compare(self.old, self.new, name, input, self.bounds) {
            Compared::Decided(changes) => changes,
            Compared::Invalid(case) => return self.invalid.push(case),
        };
        let mut conclusions = Vec::new();
        for change in changes {
            let (list, outcome, added) = match (change.old, change.new) {
                (None, Some(new)) => (&mut self.added, new, true),
                (Some(old), None) => (&mut self.removed, old, false),
                (old, new) => {
                    conclusions.push(ConclusionChange {
                        conclusion: change.conclusion,
                        old,
                        new,
                    });
                    continue;
                }
            };
            let outcome = CaseOutcome {
                case: name.to_string(),
                outcome,
            };
            let key = (added, change.conclusion);
            match self.places.get(&key).and_then(|i| list.get_mut(*i)) {
                Some(c) => {
                    c.cases += 1;
                    c.outcomes.push(outcome);
                }
                None => {
                    self.places.insert(key.clone(), list.len());
                    list.push(OneSided {
                        conclusion: key.1,
                        cases: 1,
                        outcomes: vec![outcome],
                    });
                }
            }
        }
        if !conclusions.is_empty() {
            self.changed.push(CaseImpact {
                case: name.to_string(),
                conclusions,
            });
        }
    }

    /// The impact of the cases replayed.
    pub fn finish(self) -> Impact {
        let by_conclusion = count_by_conclusion(self.old, self.new, &self.changed);
        let (changed, invalid) = (self.changed.len(), self.invalid.len());
        Impact {
            from: PolicyRef::of(self.old),
            to: PolicyRef::of(self.new),
            counts: ImpactCounts {
                cases: self.cases,
                changed,
                unchanged: self.cases.saturating_sub(changed + invalid),
                invalid,
                conclusions_added: self.added.len(),
                conclusions_removed: self.removed.len(),
            },
            by_conclusion,
            changed: self.changed,
            added: self.added,
            removed: self.removed,
            invalid: self.invalid,
        }
    }
}

/// A record a version rejects, as input errors (a bound it exceeds included).
pub fn input_errors(e: RequestError) -> Vec<InputError> {
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

fn count_by_conclusion<'a>(
    old: &'a CompiledPolicy,
    new: &'a CompiledPolicy,
    changed: &[CaseImpact],
) -> Vec<ConclusionCount> {
    let mut counts: Vec<ConclusionCount> = Vec::new();
    let mut places: rustc_hash::FxHashMap<&str, usize> = rustc_hash::FxHashMap::default();
    for change in changed.iter().flat_map(|c| &c.conclusions) {
        match places
            .get(change.conclusion.as_str())
            .and_then(|i| counts.get_mut(*i))
        {
            Some(c) => c.cases += 1,
            None => {
                places.insert(&change.conclusion, counts.len());
                counts.push(ConclusionCount {
                    conclusion: change.conclusion.clone(),
                    cases: 1,
                });
            }
        }
    }
    // Declaration order: the new version's conclusions, then those only the old one has (the
    // first of a name, as a search from the start finds it).
    let positions = |p: &'a CompiledPolicy| {
        let mut at: rustc_hash::FxHashMap<&'a str, usize> = rustc_hash::FxHashMap::default();
        for (i, c) in p.conclusions.iter().enumerate().rev() {
            at.insert(&c.name, i);
        }
        at
    };
    let (in_new, in_old) = (positions(new), positions(old));
    let rank = |name: &str| {
        in_new
            .get(name)
            .copied()
            .unwrap_or_else(|| new.conclusions.len() + in_old.get(name).copied().unwrap_or(0))
    };
    counts.sort_by_key(|c| rank(&c.conclusion));
    counts
}
