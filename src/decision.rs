//! The decision: every conclusion with its status, value, citations and reasons (SPEC §5).

use std::sync::Arc;

use serde::Serialize;
use serde::ser::SerializeMap;
use serde_json::{Value as Json, json};

use crate::eval::explain::render_value;
use crate::eval::{Evaluator, Outcome, Stop};
use crate::model::*;

/// The policy version a decision was made under.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PolicyRef {
    /// The policy id.
    pub id: String,
    /// The version label.
    pub version: String,
    /// Its effective date, if any.
    pub effective_from: Option<String>,
    /// The sha256 of its sources and its layers'.
    pub sha256: String,
}

/// A clause a conclusion rests on.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Citation {
    /// The clause reference.
    #[cfg_attr(feature = "server", schema(value_type = String))]
    pub clause: Arc<str>,
    /// Its section.
    #[cfg_attr(feature = "server", schema(value_type = String))]
    pub section: Arc<str>,
    /// Its text.
    #[cfg_attr(feature = "server", schema(value_type = String))]
    pub text: Arc<str>,
    /// The text as a JSON string, escaped once when the policy was compiled: the clause texts
    /// are most of a decision's bytes, and escaping them on every decision dominated its output.
    #[cfg_attr(feature = "server", schema(ignore))]
    pub text_json: Option<Arc<serde_json::value::RawValue>>,
}

impl PartialEq for Citation {
    fn eq(&self, other: &Self) -> bool {
        self.clause == other.clause && self.section == other.section && self.text == other.text
    }
}

impl Serialize for Citation {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Citation", 3)?;
        st.serialize_field("clause", &*self.clause)?;
        st.serialize_field("section", &*self.section)?;
        match &self.text_json {
            Some(raw) => st.serialize_field("text", &**raw)?,
            None => st.serialize_field("text", &*self.text)?,
        }
        st.end()
    }
}

/// `decided`, `undetermined` or `error`.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
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

/// One conclusion of a decision.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ConclusionResult {
    /// The status.
    pub status: Status,
    /// The value (`null` unless decided, or when it is none).
    pub value: Json,
    /// The clauses behind the value.
    pub citations: Vec<Citation>,
    /// The labels of the rules that gave the value (for a set: the members that applied).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "server", schema(value_type = Vec<String>))]
    pub rules: Vec<Arc<str>>,
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
}

/// A decision on one candidate.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Decision {
    /// A fresh id.
    pub decision_id: String,
    /// The version applied.
    pub policy: PolicyRef,
    /// Every conclusion, in declaration order.
    #[cfg_attr(feature = "server", schema(value_type = std::collections::BTreeMap<String, ConclusionResult>))]
    pub conclusions: Conclusions,
    /// Every rule considered (only when asked for).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<Vec<TraceEntry>>,
}

/// The conclusions of a decision, by name, in declaration order.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Conclusions(pub Vec<(String, ConclusionResult)>);

impl Conclusions {
    /// The result of one conclusion.
    pub fn get(&self, name: &str) -> Option<&ConclusionResult> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, c)| c)
    }
}

impl Serialize for Conclusions {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// A value as JSON: numbers, date strings, enum names, arrays, objects, `null` for none.
pub fn value_json(types: &TypeTable, v: &Value) -> Json {
    match v {
        Value::None | Value::Missing(_) => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Num(n) => {
            let n = n.normalize();
            if n.fract().is_zero()
                && let Ok(i) = i64::try_from(n)
            {
                return json!(i);
            }
            n.to_string()
                .parse::<f64>()
                .map_or(Json::Null, |f| json!(f))
        }
        Value::Date(d) => Json::String(d.format("%Y-%m-%d").to_string()),
        Value::Enum(..) => Json::String(render_value(types, None, v)),
        Value::Text(t) => Json::String(t.to_string()),
        Value::List(items) | Value::Set(items) => {
            Json::Array(items.iter().map(|i| value_json(types, i)).collect())
        }
        Value::Record(slots) => Json::Array(slots.iter().map(|i| value_json(types, i)).collect()),
    }
}

/// Evaluates every conclusion of `policy` on `facts`; `explain` adds the trace.
pub fn decide(policy: &CompiledPolicy, facts: &[Value], explain: bool) -> Decision {
    let mut ev = Evaluator::new(policy, facts);
    let mut conclusions = Vec::with_capacity(policy.conclusions.len());
    for (i, c) in policy.conclusions.iter().enumerate() {
        let outcome = ev.conclusion(i);
        conclusions.push((c.name.clone(), result(policy, &mut ev, i, c, &outcome)));
    }
    let trace = explain.then(|| trace(policy, &mut ev));
    Decision {
        decision_id: uuid::Uuid::new_v4().to_string(),
        policy: PolicyRef {
            id: policy.id.clone(),
            version: policy.version.clone(),
            effective_from: policy
                .effective_from
                .map(|d| d.format("%Y-%m-%d").to_string()),
            sha256: policy.sha256.clone(),
        },
        conclusions: Conclusions(conclusions),
        trace,
    }
}

fn citations_of(policy: &CompiledPolicy, c: &ConclusionInfo, rules: &[usize]) -> Vec<Citation> {
    let mut ids: Vec<ClauseId> = Vec::new();
    for r in rules.iter().filter_map(|i| c.rules.get(*i)) {
        for id in &r.citations {
            if !ids.contains(id) {
                ids.push(*id);
            }
        }
    }
    ids.iter()
        .filter_map(|i| policy.clauses.get(*i))
        .map(|cl| Citation {
            clause: cl.id.clone(),
            section: cl.section.clone(),
            text: cl.text.clone(),
            text_json: cl.text_json.clone(),
        })
        .collect()
}

fn result(
    policy: &CompiledPolicy,
    ev: &mut Evaluator<'_>,
    index: usize,
    c: &ConclusionInfo,
    outcome: &Outcome,
) -> ConclusionResult {
    let labels = |rules: &[usize]| {
        rules
            .iter()
            .filter_map(|i| c.rules.get(*i).map(|r| r.label.clone()))
            .collect()
    };
    match outcome {
        Outcome::Decided { value, rules } => {
            let mut because: Vec<Arc<str>> = Vec::new();
            let mut add = |reasons: Vec<Arc<str>>| {
                for b in reasons {
                    if !because.contains(&b) {
                        because.push(b);
                    }
                }
            };
            let failed: Vec<bool> = ev
                .conditions(index)
                .iter()
                .map(|r| *r == Ok(Value::Bool(false)))
                .collect();
            for &i in rules {
                let Some(r) = c.rules.get(i) else { continue };
                if let Some(cond) = &r.condition {
                    add(ev.because(policy, cond));
                }
                // Why the exceptions to it did not apply.
                for (j, e) in c.rules.iter().enumerate() {
                    if e.overrides.contains(&i)
                        && failed.get(j) == Some(&true)
                        && let Some(cond) = &e.condition
                    {
                        add(ev.because(policy, cond));
                    }
                }
            }
            ConclusionResult {
                status: Status::Decided,
                value: value_json(&policy.types, value),
                citations: citations_of(policy, c, rules),
                rules: labels(rules),
                because: Some(because),
                missing: None,
                error: None,
            }
        }
        Outcome::Undetermined { missing, .. } => ConclusionResult {
            status: Status::Undetermined,
            value: Json::Null,
            citations: Vec::new(),
            rules: Vec::new(),
            because: None,
            missing: Some(missing.iter().map(|m| m.to_string()).collect()),
            error: None,
        },
        Outcome::Error { message, rules } => ConclusionResult {
            status: Status::Error,
            value: Json::Null,
            citations: citations_of(policy, c, rules),
            rules: labels(rules),
            because: None,
            missing: None,
            error: Some(message.clone()),
        },
    }
}

fn trace(policy: &CompiledPolicy, ev: &mut Evaluator<'_>) -> Vec<TraceEntry> {
    let mut out = Vec::new();
    for (ci, c) in policy.conclusions.iter().enumerate() {
        let outcome = ev.conclusion(ci);
        let conds: Vec<_> = ev.conditions(ci).to_vec();
        for (ri, r) in c.rules.iter().enumerate() {
            let cond = conds.get(ri).cloned().unwrap_or(Ok(Value::Bool(false)));
            let condition = match &cond {
                Ok(Value::Bool(true)) => "true",
                Ok(_) => "false",
                Err(_) => "unknown",
            };
            let overrider = c.rules.iter().enumerate().find(|(j, e)| {
                matches!(conds.get(*j), Some(Ok(Value::Bool(true)))) && e.overrides.contains(&ri)
            });
            let applied = matches!(&outcome, Outcome::Decided { rules, .. } if rules.contains(&ri));
            let (outcome_word, mut because) = match (&cond, overrider) {
                (Ok(Value::Bool(true)), _) if applied => ("applied", Vec::new()),
                (Ok(Value::Bool(true)), Some((_, e))) => (
                    "overridden",
                    vec![format!("exception `{}` applies", e.label)],
                ),
                (Ok(Value::Bool(true)), None) => match &outcome {
                    Outcome::Error { .. } => ("error", Vec::new()),
                    _ => (
                        "undetermined",
                        vec!["an exception to it cannot be decided".to_string()],
                    ),
                },
                (Ok(_), _) => ("not applicable", Vec::new()),
                (Err(Stop::Missing(m)), _) => (
                    "undetermined",
                    vec![format!(
                        "missing: {}",
                        m.iter()
                            .map(|x| x.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )],
                ),
                (Err(Stop::Error(e)), _) => ("error", vec![e.clone()]),
            };
            if let (Some(code), Ok(_)) = (&r.condition, &cond) {
                because.extend(ev.because(policy, code).iter().map(|b| b.to_string()));
            }
            out.push(TraceEntry {
                conclusion: c.name.clone(),
                rule: r.label.to_string(),
                kind: r.kind.keyword(),
                at: location(policy, r.span),
                condition,
                outcome: outcome_word,
                because,
            });
        }
    }
    out
}

/// `file:line` of a span.
pub fn location(policy: &CompiledPolicy, span: crate::syntax::span::Span) -> String {
    policy.sources.get(span.file).map_or_else(String::new, |f| {
        format!("{}:{}", f.name, f.line_col(span.start).0)
    })
}
