//! The decision: every conclusion with its status, value, citations and reasons (SPEC §5).

use std::sync::Arc;

use rust_decimal::Decimal;
use serde::Serialize;
use serde::ser::SerializeMap;

use crate::eval::explain::settled_text;
use crate::eval::settle::Settled;
use crate::eval::{EvalError, Evaluator, Outcome, Source, Verdict};
use crate::model::*;
use crate::prepared::Prepared;
pub use crate::prepared::{Citation, PolicyRef};

/// `decided`, `undetermined` or `error`.
#[derive(Clone, Copy, Debug, Serialize, serde::Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The conclusion has a value.
    Decided,
    /// It needs facts that are missing.
    Undetermined,
    /// Its rules conflict, none applies, or a computation failed.
    Error,
}

/// A citation in a decision: the clause with its section and text (the default), or, with
/// `citations=ids`, its id alone, or its id and `via` for a clause a parameter or definition
/// brought.
#[cfg(feature = "server")]
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
#[expect(
    dead_code,
    reason = "a schema for the document only: decisions write citations themselves"
)]
pub(crate) enum CitationOrId {
    /// The clause, its section and its text.
    Citation(Citation),
    /// The clause's id.
    Id(String),
    /// The clause's id, and what brought it.
    Via(ClauseVia),
}

/// With `citations=ids`: a clause that a parameter or definition brought into a conclusion, by
/// id, with what brought it.
#[cfg(feature = "server")]
#[derive(Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"clause": "mayotte-2025-1", "via": "parameter minimum_reduced_weeks"}))]
pub(crate) struct ClauseVia {
    /// The clause's id.
    clause: String,
    /// The parameter or definition that brought it (`parameter minimum_reduced_weeks`).
    via: String,
}

/// A clause's section and text, in the `clauses` of a decision asked with `citations=ids`.
#[cfg(feature = "server")]
#[derive(utoipa::ToSchema)]
#[expect(
    dead_code,
    reason = "a schema for the document only: decisions write clauses themselves"
)]
pub struct ClauseText {
    /// Its section.
    section: String,
    /// Its text.
    text: String,
}

/// One conclusion of a decision.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ConclusionResult {
    /// The status.
    pub status: Status,
    /// The value (`null` unless decided, or when it is none).
    #[cfg_attr(feature = "server", schema(value_type = serde_json::Value))]
    pub value: Datum,
    /// The unit of the value, when it is a quantity (`weeks` for `"value": 12`): only beside a
    /// number.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "server", schema(value_type = String, required = false, example = "weeks"))]
    pub unit: Option<Arc<str>>,
    /// The clauses behind the value: those the rules that gave it cite, then those of the
    /// parameters and definitions these rules read (each marked `via` what brought it), each
    /// clause once; each with its section and text, or, when the request asks for
    /// `citations=ids`, its id alone (the texts are then in the decision's `clauses`).
    #[cfg_attr(feature = "server", schema(value_type = Vec<CitationOrId>))]
    pub citations: Shared<Arc<Citation>>,
    /// The interpretations the value rests on: the notes (`reading "…"`) of the rules that gave
    /// it, then of the parameters and definitions these rules read (as for `citations`); left
    /// out when there is none, so that a decision says where it rests on a reading rather than
    /// on the letter of the text.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub interpretations: Vec<Interpretation>,
    /// The labels of the rules that gave the value (for a set: the members that applied).
    #[serde(skip_serializing_if = "Shared::is_empty")]
    #[cfg_attr(feature = "server", schema(value_type = Vec<String>))]
    pub rules: Shared<Arc<str>>,
    /// The facts that made those rules apply.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "server", schema(value_type = Option<Vec<String>>))]
    pub because: Option<Vec<Arc<str>>>,
    /// The missing inputs or parameters (undetermined only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing: Option<Vec<String>>,
    /// What went wrong (error only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What would change the value: the smallest changes to the record that give it another
    /// value, or the value asked for (only when the request asks for hints).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hints: Option<Vec<Hint>>,
    /// The conclusion in one sentence, under the policy's labels in the language asked
    /// (« Admission à l'épreuve E6.1 : refusé »; only when the request asks for `words`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// An interpretation a value rests on: what the text leaves open and what the policy chose.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "server", schema(example = json!({
    "of": "definition weeks_of",
    "text": "Le texte fixe une durée en semaines sans dire comment les jours d'une période la forment…",
    "clauses": ["2.1.1-3", "2.1.2-3"]
})))]
pub struct Interpretation {
    /// What carries it: `rule LABEL` (or `exception`, `member`, `row`), `definition NAME` or
    /// `parameter NAME`.
    pub of: String,
    /// The note, as the policy states it.
    #[cfg_attr(feature = "server", schema(value_type = String))]
    pub text: Arc<str>,
    /// The clauses it reads.
    #[cfg_attr(feature = "server", schema(value_type = Vec<String>))]
    pub clauses: Vec<Arc<str>>,
}

/// The interpretations of `rules` of `c`, then of `sources`, each carrier once.
fn interpretations(
    policy: &Prepared,
    c: &ConclusionInfo,
    rules: &[usize],
    sources: &[Source],
) -> Vec<Interpretation> {
    let clauses = |ids: &[ClauseId]| -> Vec<Arc<str>> {
        ids.iter()
            .filter_map(|&i| policy.clauses.get(i).map(|c| Arc::clone(&c.id)))
            .collect()
    };
    let mut out = Vec::new();
    for r in rules.iter().filter_map(|&i| c.rules.get(i)) {
        if let Some(text) = &r.reading {
            out.push(Interpretation {
                of: format!("{} {}", r.kind.keyword(), r.label),
                text: Arc::clone(text),
                clauses: clauses(&r.citations),
            });
        }
    }
    for &source in sources {
        let (of, reading, cited) = match source {
            Source::Param(i) => match policy.params.get(i) {
                Some(p) => (("parameter", &p.name), &p.reading, &p.citations),
                None => continue,
            },
            Source::Def(i) => match policy.defs.get(i) {
                Some(d) => (("definition", &d.name), &d.reading, &d.citations),
                None => continue,
            },
        };
        if let Some(text) = reading {
            out.push(Interpretation {
                of: format!("{} {}", of.0, of.1),
                text: Arc::clone(text),
                clauses: clauses(cited),
            });
        }
    }
    out
}

/// A list of a conclusion's result: the one the policy prepared for the rule that alone gave
/// the value, shared by every decision it gives (see [`crate::prepared::RuleLists`]), or one of
/// its own (several rules, none). It reads as a slice.
#[derive(Clone, Debug)]
pub enum Shared<T> {
    /// Prepared with the policy.
    Prepared(Arc<[T]>),
    /// This decision's own.
    Own(Vec<T>),
}

impl<T> Shared<T> {
    /// True when it lists nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> Default for Shared<T> {
    fn default() -> Self {
        Shared::Own(Vec::new())
    }
}

impl<T> std::ops::Deref for Shared<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        match self {
            Shared::Prepared(items) => items,
            Shared::Own(items) => items,
        }
    }
}

impl<'a, T> IntoIterator for &'a Shared<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<T: PartialEq> PartialEq for Shared<T> {
    /// Compares the items, however they are held.
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: Serialize> Serialize for Shared<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// A way to change a conclusion's value.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "server", schema(example = json!({
    "changes": [{"path": "internship.periods[0].end", "from": "2026-06-26", "to": "2026-07-24"}],
    "gives": "admis",
    "clauses": ["2.1.2-4", "4-1", "3-1"],
    "effects": [{"name": "completed_weeks", "from": 8, "to": 12}],
    "text": "internship.periods[0].end : 2026-07-24 au lieu de 2026-06-26 (28 jours plus tard) → e61_admission = admis (completed_weeks : 8 → 12)"
})))]
pub struct Hint {
    /// The changes to the record, all needed together.
    pub changes: Vec<Change>,
    /// The conclusion's value once they are made.
    #[cfg_attr(feature = "server", schema(value_type = serde_json::Value))]
    pub gives: Datum,
    /// The clauses of the rules that give that value, then of those that gave the old one.
    #[cfg_attr(feature = "server", schema(value_type = Vec<String>))]
    pub clauses: Vec<Arc<str>>,
    /// What the changes do to the quantities the conclusion depends on (`completed_weeks`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub effects: Vec<Effect>,
    /// The hint in one line.
    pub text: String,
}

/// One change to the candidate's record: a new value (`from`, `to`), or an element added to
/// a list (`add`) or removed from it (`remove`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
// Named apart from the diff's `Change` (added, removed, changed): one name, one schema.
#[cfg_attr(feature = "server", schema(as = RecordChange))]
pub struct Change {
    /// Where, as a dotted path: `internship.periods[0].end`, `report.parts`.
    pub path: String,
    /// The value now (`null` when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "server", schema(value_type = Option<serde_json::Value>))]
    pub from: Option<Datum>,
    /// The value to give it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "server", schema(value_type = Option<serde_json::Value>))]
    pub to: Option<Datum>,
    /// The element to add to the list.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "server", schema(value_type = Option<serde_json::Value>))]
    pub add: Option<Datum>,
    /// The element to remove from the list.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "server", schema(value_type = Option<serde_json::Value>))]
    pub remove: Option<Datum>,
}

/// A derived quantity that the changes move.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Effect {
    /// The conclusion.
    pub name: String,
    /// Its value now.
    #[cfg_attr(feature = "server", schema(value_type = serde_json::Value))]
    pub from: Datum,
    /// Its value after the changes.
    #[cfg_attr(feature = "server", schema(value_type = serde_json::Value))]
    pub to: Datum,
}

/// One rule considered, for the trace.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TraceEntry {
    /// The conclusion.
    pub conclusion: String,
    /// The rule's label.
    pub rule: String,
    /// `rule`, `exception` or `member`.
    pub kind: &'static str,
    /// `file:line` of the rule.
    pub at: String,
    /// `true`, `false` or `unknown`.
    pub condition: &'static str,
    /// `applied`, `overridden`, `not applicable`, `undetermined` or `error`.
    pub outcome: &'static str,
    /// Why, in words.
    pub because: Vec<String>,
    /// The interpretation the rule rests on (`reading "…"` in the policy), when it states one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "server", schema(value_type = Option<String>))]
    pub reading: Option<Arc<str>>,
}

/// A decision on one candidate. Each version publishes the JSON Schema of its decisions, every
/// conclusion named and its value typed, at `GET /v1/policies/{id}/versions/{version}/decision-schema`.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Decision {
    /// A fresh id.
    pub decision_id: String,
    /// The version applied.
    pub policy: PolicyRef,
    /// Every conclusion, in declaration order; when the request names `conclusions`, those
    /// alone.
    #[cfg_attr(feature = "server", schema(value_type = std::collections::BTreeMap<String, ConclusionResult>))]
    pub conclusions: Conclusions,
    /// Every rule considered (only when asked for): the rules of every conclusion evaluated,
    /// those asked and those they read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<Vec<TraceEntry>>,
}

/// The conclusions of a decision, by name, in declaration order.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Conclusions(pub Vec<(Arc<str>, ConclusionResult)>);

impl Conclusions {
    /// The result of one conclusion.
    pub fn get(&self, name: &str) -> Option<&ConclusionResult> {
        self.0.iter().find(|(n, _)| &**n == name).map(|(_, c)| c)
    }
}

impl Serialize for Conclusions {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(&**k, v)?;
        }
        map.end()
    }
}

/// A conclusion's value as data, as the decision gives it: enums and dates by name, numbers
/// exact (a decimal keeps its scale: `421.80`), records as fields by name. The JSON edge
/// ([`crate::json`]) writes it.
#[derive(Clone, Debug, PartialEq)]
pub enum Datum {
    /// None, or no value.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number, exact.
    Number(Decimal),
    /// A text, a date (`YYYY-MM-DD`) or an enum value.
    Text(Arc<str>),
    /// A list or a set (sorted).
    List(Vec<Datum>),
    /// A record: its fields by name, in declared order.
    Record(Vec<(Arc<str>, Datum)>),
}

impl std::fmt::Display for Datum {
    /// A value as a reader writes it: `refuse`, `2027-04-16`, `421.80`, `[a, b]`,
    /// `{start: 2027-01-04, end: 2027-03-26}`, `none`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Datum::Null => write!(f, "none"),
            Datum::Bool(b) => write!(f, "{b}"),
            Datum::Number(n) => write!(f, "{n}"),
            Datum::Text(s) => write!(f, "{s}"),
            Datum::List(items) => {
                write!(f, "[")?;
                for (i, item) in items.iter().enumerate() {
                    write!(f, "{}{item}", if i == 0 { "" } else { ", " })?;
                }
                write!(f, "]")
            }
            Datum::Record(fields) => {
                write!(f, "{{")?;
                for (i, (k, v)) in fields.iter().enumerate() {
                    write!(f, "{}{k}: {v}", if i == 0 { "" } else { ", " })?;
                }
                write!(f, "}}")
            }
        }
    }
}

impl Datum {
    /// The datum of `v`, a value of type `ty`.
    pub fn of(types: &TypeTable, ty: &Type, v: &Value) -> Datum {
        Datum::named(types, None, ty, v)
    }

    /// As [`Datum::of`], taking enum values' names from `names` (by enum, by variant) when
    /// given: shared, not copied.
    pub fn named(
        types: &TypeTable,
        names: Option<&[Vec<Arc<str>>]>,
        ty: &Type,
        v: &Value,
    ) -> Datum {
        let of = |ty: &Type, v: &Value| Datum::named(types, names, ty, v);
        match v {
            Value::None | Value::Missing(_) => Datum::Null,
            Value::Bool(b) => Datum::Bool(*b),
            Value::Num(n) => Datum::Number(*n),
            Value::Date(d) => Datum::Text(d.format("%Y-%m-%d").to_string().into()),
            Value::Text(t) => Datum::Text(Arc::clone(t)),
            // The checker gives every enum value a declared variant.
            Value::Enum(e, i) => {
                let shared = names.and_then(|n| n.get(*e as usize)?.get(*i as usize));
                match shared {
                    Some(name) => Datum::Text(Arc::clone(name)),
                    None => types
                        .variant_name(*e, *i)
                        .map_or(Datum::Null, |name| Datum::Text(name.into())),
                }
            }
            Value::List(items) | Value::Set(items) => {
                let elem = ty.element().unwrap_or(&Type::Any);
                Datum::List(items.iter().map(|i| of(elem, i)).collect())
            }
            Value::Record(slots) => {
                let fields = match ty.base() {
                    Type::Record(r) => types.records.get(*r).map(|r| r.fields.as_slice()),
                    _ => None,
                };
                let Some(fields) = fields else {
                    // Only a record type holds a record: a value without one is shown by position.
                    return Datum::List(slots.iter().map(|i| of(&Type::Any, i)).collect());
                };
                Datum::Record(
                    fields
                        .iter()
                        .zip(slots.iter())
                        .map(|(f, v)| (Arc::from(f.name.as_str()), of(&f.ty, v)))
                        .collect(),
                )
            }
        }
    }
}

/// Evaluates every conclusion of `policy` on `facts` under the decision id `id` (the caller
/// draws it, so that the same facts always give the same decision); `explain` adds the trace;
/// `settle` decides, where it can, what three-valued logic leaves undetermined; `lang` is the
/// language of the texts people read (`because`, the trace).
pub fn decide(
    policy: &Prepared,
    facts: &[Value],
    id: &str,
    explain: bool,
    settle: bool,
    lang: Lang,
) -> Decision {
    decide_only(policy, facts, id, None, (explain, settle), lang)
}

/// As [`decide`], for the conclusions `only` (indices, sorted, each once) when given: the
/// decision holds them alone, in declaration order, and nothing else is evaluated but what
/// they read (definitions, other conclusions), which the trace then lists too.
pub fn decide_only(
    policy: &Prepared,
    facts: &[Value],
    id: &str,
    only: Option<&[usize]>,
    (explain, settle): (bool, bool),
    lang: Lang,
) -> Decision {
    match run(
        policy,
        facts,
        id,
        only,
        (explain, settle),
        lang,
        &NoDeadline,
    ) {
        Ok(decision) => decision,
        Err(never) => match never {},
    }
}

/// As [`decide_only`], giving up once `until` has passed: it is checked before each conclusion
/// is evaluated and before settling (settling, once started, runs to its own bound).
pub fn decide_until(
    policy: &Prepared,
    facts: &[Value],
    id: &str,
    only: Option<&[usize]>,
    (explain, settle): (bool, bool),
    lang: Lang,
    until: &Until,
) -> Result<Decision, Late> {
    run(policy, facts, id, only, (explain, settle), lang, until)
}

/// Where conclusion `i` stands among the conclusions of a decision made for `only` (all of the
/// policy's when none), if it is one of them.
pub fn position(only: Option<&[usize]>, i: usize) -> Option<usize> {
    match only {
        None => Some(i),
        Some(only) => only.binary_search(&i).ok(),
    }
}

/// The conclusion at `position` among those of a decision made for `only`.
pub fn index_at(only: Option<&[usize]>, position: usize) -> Option<usize> {
    match only {
        None => Some(position),
        Some(only) => only.get(position).copied(),
    }
}

/// When [`decide_until`] must give up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Until(pub std::time::Instant);

/// The deadline of [`decide_until`] passed before the decision was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the deadline passed before the decision was made")]
pub struct Late;

/// A deadline as [`run`] checks it; without one, the check costs nothing and cannot fail.
trait Clock {
    type Late;
    fn check(&self) -> Result<(), Self::Late>;
}

struct NoDeadline;

impl Clock for NoDeadline {
    type Late = std::convert::Infallible;
    fn check(&self) -> Result<(), Self::Late> {
        Ok(())
    }
}

impl Clock for Until {
    type Late = Late;
    fn check(&self) -> Result<(), Late> {
        if std::time::Instant::now() > self.0 {
            return Err(Late);
        }
        Ok(())
    }
}

fn run<C: Clock>(
    policy: &Prepared,
    facts: &[Value],
    id: &str,
    only: Option<&[usize]>,
    (explain, settle): (bool, bool),
    lang: Lang,
    clock: &C,
) -> Result<Decision, C::Late> {
    let mut ev = Evaluator::new(policy, facts);
    let asked = only.map_or(policy.conclusions.len(), <[usize]>::len);
    let mut conclusions = Vec::with_capacity(asked);
    // The undetermined ones: their indices, and where they stand in the decision.
    let mut open = Vec::new();
    let mut at = Vec::new();
    for k in 0..asked {
        let Some((i, c)) = index_at(only, k).and_then(|i| Some((i, policy.conclusions.get(i)?)))
        else {
            continue;
        };
        clock.check()?;
        ev.record(i);
        let r = result(policy, &ev, i, c, lang);
        if r.status == Status::Undetermined {
            open.push(i);
            at.push(conclusions.len());
        }
        conclusions.push((policy.conclusion_name(i), r));
    }
    // What three-valued logic left undetermined, settled over the values of the missing facts
    // (see `eval::settle`); when settling gives up, the three-valued answers stand.
    if settle && !open.is_empty() {
        clock.check()?;
        let settled = crate::eval::settle::settle(policy, facts, &open);
        for ((&i, &k), s) in open.iter().zip(&at).zip(settled) {
            if let (Some(s), Some((_, r)), Some(c)) =
                (s, conclusions.get_mut(k), policy.conclusions.get(i))
            {
                *r = settled_result(policy, (i, c), s, lang);
            }
        }
    }
    let trace = explain.then(|| trace(policy, &ev, lang));
    Ok(Decision {
        decision_id: id.to_string(),
        policy: policy.policy_ref().clone(),
        conclusions: Conclusions(conclusions),
        trace,
    })
}

/// The citations and labels of `rules` of conclusion `index`: shared when one rule gives them
/// and what it read brings no clause of its own. The clauses of `sources` (the parameters and
/// definitions the rules read) follow the rules' own, `via` what brought them, each clause once.
fn lists(
    policy: &Prepared,
    index: usize,
    c: &ConclusionInfo,
    rules: &[usize],
    sources: &[Source],
) -> (Shared<Arc<Citation>>, Shared<Arc<str>>) {
    let (citations, labels) = match rules {
        [rule] => match policy.rule_lists(index, *rule) {
            Some(lists) => (
                Shared::Prepared(Arc::clone(&lists.citations)),
                Shared::Prepared(Arc::clone(&lists.labels)),
            ),
            None => (Shared::Own(Vec::new()), Shared::Own(Vec::new())),
        },
        _ => (
            Shared::Own(policy.cited(c, rules)),
            Shared::Own(crate::prepared::labelled(c, rules)),
        ),
    };
    (with_sources(policy, citations, sources), labels)
}

/// `citations`, then the clauses of `sources` that are not among them, `via` their source.
fn with_sources(
    policy: &Prepared,
    citations: Shared<Arc<Citation>>,
    sources: &[Source],
) -> Shared<Arc<Citation>> {
    let mut own: Option<Vec<Arc<Citation>>> = None;
    for &source in sources {
        for cited in policy.source_citations(source) {
            let list = own.as_deref().unwrap_or(&citations);
            if list.iter().any(|c| c.clause == cited.clause) {
                continue;
            }
            own.get_or_insert_with(|| citations.to_vec())
                .push(Arc::clone(cited));
        }
    }
    own.map_or(citations, Shared::Own)
}

fn result(
    policy: &Prepared,
    ev: &Evaluator<'_>,
    index: usize,
    c: &ConclusionInfo,
    lang: Lang,
) -> ConclusionResult {
    let Some(record) = ev.recorded(index) else {
        return ConclusionResult::failed(&EvalError::Invariant("a conclusion was not decided"));
    };
    match &record.outcome {
        Outcome::Decided { value, rules } => {
            let texts = policy.fact_texts(lang);
            let mut because: Vec<Arc<str>> = Vec::new();
            let mut sources: Vec<Source> = Vec::new();
            for &i in rules {
                ev.add_sources(index, i, &mut sources);
            }
            // The exceptions that did not apply, found in one pass over the rules rather than
            // one per rule giving the value: a `collect` table has thousands of rows giving
            // (which override nothing), where a first table or exceptions have one or a few.
            let not_applied: Vec<(usize, &RuleInfo)> = (c.rules.iter().enumerate())
                .filter(|(j, e)| {
                    !e.overrides.is_empty()
                        && record.rule(*j).map(|r| &r.verdict) == Some(&Verdict::NotApplicable)
                })
                .collect();
            let mut read = Vec::new();
            for &i in rules {
                ev.add_because(policy, texts, (index, i), &mut read, &mut because);
                // Why the exceptions to it did not apply.
                for &(j, e) in &not_applied {
                    if e.overrides.contains(i) {
                        ev.add_because(policy, texts, (index, j), &mut read, &mut because);
                    }
                }
            }
            ConclusionResult::decided(policy, (index, c), value, (rules, &sources), because)
        }
        Outcome::Undetermined { missing, .. } => ConclusionResult::undetermined(missing),
        Outcome::Error { error, rules } => {
            let (citations, rules) = lists(policy, index, c, rules, &[]);
            ConclusionResult {
                citations,
                rules,
                ..ConclusionResult::failed(error)
            }
        }
    }
}

/// A settled conclusion's result: the value every value of the missing facts gives it (or the
/// error they all give).
fn settled_result(
    policy: &Prepared,
    conclusion: (usize, &ConclusionInfo),
    settled: Settled,
    lang: Lang,
) -> ConclusionResult {
    match settled {
        Settled::Decided {
            value,
            rules,
            over,
            sources,
        } => {
            let because = over
                .iter()
                .map(|f| Arc::from(settled_text(policy, f, lang)))
                .collect();
            ConclusionResult::decided(policy, conclusion, &value, (&rules, &sources), because)
        }
        Settled::Error(error) => ConclusionResult::failed(&error),
    }
}

impl ConclusionResult {
    fn decided(
        policy: &Prepared,
        (index, c): (usize, &ConclusionInfo),
        value: &Value,
        (rules, sources): (&[usize], &[Source]),
        because: Vec<Arc<str>>,
    ) -> ConclusionResult {
        let interpretations = interpretations(policy, c, rules, sources);
        let (citations, rules) = lists(policy, index, c, rules, sources);
        let unit = match value {
            Value::Num(_) => policy.conclusion_unit(index).cloned(),
            _ => None,
        };
        ConclusionResult {
            status: Status::Decided,
            value: Datum::named(&policy.types, Some(policy.variant_names()), &c.ty, value),
            unit,
            citations,
            interpretations,
            rules,
            because: Some(because),
            missing: None,
            error: None,
            hints: None,
            text: None,
        }
    }

    fn undetermined(missing: &[Arc<str>]) -> ConclusionResult {
        ConclusionResult {
            status: Status::Undetermined,
            value: Datum::Null,
            unit: None,
            citations: Shared::default(),
            interpretations: Vec::new(),
            rules: Shared::default(),
            because: None,
            missing: Some(missing.iter().map(|m| m.to_string()).collect()),
            error: None,
            hints: None,
            text: None,
        }
    }

    fn failed(error: &EvalError) -> ConclusionResult {
        ConclusionResult {
            status: Status::Error,
            value: Datum::Null,
            unit: None,
            citations: Shared::default(),
            interpretations: Vec::new(),
            rules: Shared::default(),
            because: None,
            missing: None,
            error: Some(error.to_string()),
            hints: None,
            text: None,
        }
    }
}

/// Every rule of every conclusion evaluated (those asked and those they read), in declaration
/// order, with what became of it, read from the records.
fn trace(policy: &Prepared, ev: &Evaluator<'_>, lang: Lang) -> Vec<TraceEntry> {
    let mut out = Vec::new();
    let mut evaluated: Vec<usize> = ev.evaluated().collect();
    evaluated.sort_unstable();
    for ci in evaluated {
        let (Some(c), Some(record)) = (policy.conclusions.get(ci), ev.recorded(ci)) else {
            continue;
        };
        for (ri, r) in c.rules.iter().enumerate() {
            let cond = record.rule(ri).map(|r| &r.condition);
            let condition = match cond {
                Some(Ok(Value::Bool(true))) => "true",
                Some(Ok(_)) => "false",
                _ => "unknown",
            };
            let (outcome, mut because) = match record.rule(ri).map(|r| &r.verdict) {
                Some(Verdict::Applied) => ("applied", Vec::new()),
                Some(Verdict::Overridden(by)) => {
                    let by = c.rules.get(*by);
                    let label = by.map_or("", |e| &*e.label);
                    let row = by.is_some_and(|e| e.kind == crate::ast::RuleKind::Row);
                    let text = match (lang, row) {
                        (Lang::Fr, false) => format!("l'exception `{label}` s'applique"),
                        (Lang::En, false) => format!("exception `{label}` applies"),
                        (Lang::Fr, true) => format!("la ligne `{label}`, plus haut, s'applique"),
                        (Lang::En, true) => format!("row `{label}`, above it, applies"),
                    };
                    ("overridden", vec![text])
                }
                Some(Verdict::NotApplicable) => ("not applicable", Vec::new()),
                Some(Verdict::Unknown(m)) => {
                    let missing = m.iter().map(|x| &**x).collect::<Vec<_>>().join(", ");
                    let text = match lang {
                        Lang::Fr => format!("manque : {missing}"),
                        Lang::En => format!("missing: {missing}"),
                    };
                    ("undetermined", vec![text])
                }
                Some(Verdict::Pending) => {
                    let text = match lang {
                        Lang::Fr => "une exception à cette règle ne peut être décidée",
                        Lang::En => "an exception to it cannot be decided",
                    };
                    ("undetermined", vec![text.to_string()])
                }
                Some(Verdict::InError) | None => ("error", Vec::new()),
                Some(Verdict::Failed(e)) => ("error", vec![e.to_string()]),
            };
            if matches!(cond, Some(Ok(_))) {
                let texts = policy.fact_texts(lang);
                because.extend(
                    ev.because(policy, texts, ci, ri)
                        .iter()
                        .map(|b| b.to_string()),
                );
            }
            out.push(TraceEntry {
                conclusion: c.name.clone(),
                rule: r.label.to_string(),
                kind: r.kind.keyword(),
                at: location(policy, r.span),
                condition,
                outcome,
                because,
                reading: r.reading.clone(),
            });
        }
    }
    out
}

/// `file:line` of a span.
pub fn location(policy: &CompiledPolicy, span: crate::span::Span) -> String {
    policy.sources.get(span.file).map_or_else(String::new, |f| {
        format!("{}:{}", f.name, f.line_col(span.start).0)
    })
}
