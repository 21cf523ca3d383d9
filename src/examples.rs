//! Examples written next to a policy (`<policy folder>/tests/*.json`): an input, the version,
//! and the expected conclusions. `clausier test` runs them and reports coverage.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::decision::{Datum, Decision, Status};
use crate::json::same_value;
use crate::load::PolicyFolder;
use crate::model::Type;
use crate::request::{Options, RequestError};

/// One example.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    /// What it shows.
    pub name: String,
    /// The version it runs under.
    pub version: String,
    /// The candidate record.
    pub input: Json,
    /// The expected conclusions (only those listed are compared).
    pub expect: serde_json::Map<String, Json>,
}

/// What is expected of one conclusion.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    /// `decided` (implied by `value`), `undetermined` or `error`.
    pub status: Option<String>,
    /// The value.
    #[serde(default, deserialize_with = "present")]
    pub value: Option<Json>,
    /// The cited clause ids, in any order.
    pub citations: Option<Vec<String>>,
    /// The missing facts, in any order.
    pub missing: Option<Vec<String>>,
}

/// Keeps an explicit `null` as `Some(Null)`: "expected none" differs from "not checked".
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Json>, D::Error> {
    Json::deserialize(d).map(Some)
}

/// One failed expectation or example.
#[derive(Clone, Debug)]
pub struct Failure {
    /// The examples file.
    pub file: PathBuf,
    /// The example's name.
    pub example: String,
    /// The version the example runs under; none when the file could not be read.
    pub version: Option<String>,
    /// The conclusion, when the failure is about one.
    pub conclusion: Option<String>,
    /// What was expected.
    pub expected: String,
    /// What was found.
    pub found: String,
}

/// The results of a folder's examples.
#[derive(Debug, Default)]
pub struct Report {
    /// How many examples ran.
    pub run: usize,
    /// Their failures.
    pub failures: Vec<Failure>,
    /// Rules that gave a value in some example: (file, offset) of the rule.
    pub rules_applied: HashSet<(u32, usize)>,
    /// Clauses cited by some decided conclusion, by where their text is declared (file,
    /// offset), as rules are: a clause a layer amends is exercised apart from the text it
    /// replaces, and one every version inherits counts once.
    pub clauses_cited: HashSet<(u32, usize)>,
    /// The versions of the examples left out by [`run_versions`], with how many each.
    pub skipped: BTreeMap<String, usize>,
}

/// Reads the examples files of a policy folder.
pub fn example_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("tests"))
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Runs every example of the folder.
pub fn run(folder: &PolicyFolder) -> Report {
    run_selected(folder, None)
}

/// Runs the examples of the folder whose version is one of `versions` and counts the others in
/// [`Report::skipped`]: for a folder loaded from one version's file (and the layers it extends),
/// whose other versions were not loaded and could only fail.
pub fn run_versions(folder: &PolicyFolder, versions: &HashSet<&str>) -> Report {
    run_selected(folder, Some(versions))
}

fn run_selected(folder: &PolicyFolder, versions: Option<&HashSet<&str>>) -> Report {
    let mut report = Report::default();
    for file in example_files(&folder.dir) {
        let examples: Vec<Example> = match std::fs::read_to_string(&file)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
        {
            Ok(x) => x,
            Err(e) => {
                report.failures.push(Failure {
                    file: file.clone(),
                    example: String::new(),
                    version: None,
                    conclusion: None,
                    expected: "an array of examples".into(),
                    found: e,
                });
                continue;
            }
        };
        for ex in &examples {
            if versions.is_some_and(|v| !v.contains(ex.version.as_str())) {
                *report.skipped.entry(ex.version.clone()).or_default() += 1;
                continue;
            }
            report.run += 1;
            run_one(folder, &file, ex, &mut report);
        }
    }
    report
}

fn run_one(folder: &PolicyFolder, file: &Path, ex: &Example, report: &mut Report) {
    let fail = |conclusion: Option<&str>, expected: String, found: String| Failure {
        file: file.to_path_buf(),
        example: ex.name.clone(),
        version: Some(ex.version.clone()),
        conclusion: conclusion.map(str::to_string),
        expected,
        found,
    };
    let Some(policy) = folder.version(&ex.version) else {
        report.failures.push(fail(
            None,
            format!("version `{}`", ex.version),
            "no such version (or it failed the check)".into(),
        ));
        return;
    };
    // An example's decision is a pure function of its record: a fixed id.
    let options = Options {
        decision_id: Some(String::new()),
        ..Options::default()
    };
    let decision = match crate::request::decide(policy, &ex.input, &options) {
        Ok(d) => d,
        Err(RequestError::Invalid(errors)) => {
            let found = errors
                .iter()
                .map(|e| format!("{}: {}", e.pointer, e.message))
                .collect::<Vec<_>>()
                .join("; ");
            report
                .failures
                .push(fail(None, "a valid input".into(), found));
            return;
        }
        Err(RequestError::Malformed(e)) => {
            report.failures.push(fail(None, "a valid input".into(), e));
            return;
        }
        Err(RequestError::Bad(e)) => {
            report
                .failures
                .push(fail(None, "a valid input".into(), e.to_string()));
            return;
        }
        Err(RequestError::Exceeded(e)) => {
            report
                .failures
                .push(fail(None, "a valid input".into(), e.said().to_string()));
            return;
        }
    };
    record_coverage(policy, &decision, report);
    // An example that expects nothing would pass whatever the policy decides.
    if ex.expect.is_empty() {
        report.failures.push(fail(
            None,
            "at least one expected conclusion".into(),
            "`expect` is empty".into(),
        ));
    }
    for (name, expectation) in &ex.expect {
        let Some(got) = decision.conclusions.get(name) else {
            report.failures.push(fail(
                Some(name),
                "a conclusion of the policy".into(),
                "no such conclusion".into(),
            ));
            continue;
        };
        let exp: Expectation = match serde_json::from_value(expectation.clone()) {
            Ok(e) => e,
            Err(e) => {
                report.failures.push(fail(
                    Some(name),
                    "an expectation {value, citations, status, missing}".into(),
                    e.to_string(),
                ));
                continue;
            }
        };
        if exp.status.is_none()
            && exp.value.is_none()
            && exp.citations.is_none()
            && exp.missing.is_none()
        {
            report.failures.push(fail(
                Some(name),
                "an expectation that says something: `value`, `status`, `citations` or `missing`"
                    .into(),
                "`{}`".into(),
            ));
            continue;
        }
        let is_set = policy
            .conclusions
            .iter()
            .any(|c| &c.name == name && matches!(c.ty, Type::Set(_)));
        if let Some((expected, found)) = compare(&exp, got, is_set) {
            report.failures.push(fail(Some(name), expected, found));
        }
    }
}

fn record_coverage(
    policy: &crate::model::CompiledPolicy,
    decision: &Decision,
    report: &mut Report,
) {
    for (c, (_, result)) in policy.conclusions.iter().zip(&decision.conclusions.0) {
        if result.status != Status::Decided {
            continue;
        }
        for r in c.rules.iter().filter(|r| result.rules.contains(&r.label)) {
            report.rules_applied.insert((r.span.file.0, r.span.start));
        }
        for cit in &result.citations {
            if let Some(cl) = policy.clauses.iter().find(|cl| cl.id == cit.clause) {
                report.clauses_cited.insert((cl.span.file.0, cl.span.start));
            }
        }
    }
}

fn sorted(v: &[String]) -> Vec<String> {
    let mut v = v.to_vec();
    v.sort();
    v
}

/// A result as a failed example reports it.
#[derive(Serialize)]
struct Found<'a> {
    status: &'a str,
    value: &'a Datum,
    citations: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    missing: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

/// The first difference between an expectation and a result, as (expected, found).
fn compare(
    exp: &Expectation,
    got: &crate::decision::ConclusionResult,
    is_set: bool,
) -> Option<(String, String)> {
    let status = serde_json::to_value(got.status)
        .ok()
        .and_then(|s| s.as_str().map(str::to_string))
        .unwrap_or_default();
    let wanted_status = exp
        .status
        .clone()
        .or_else(|| exp.value.as_ref().map(|_| "decided".to_string()));
    // Written straight from the datum: through a `serde_json::Value` the number would become an
    // `f64` and `421.80` would be reported as `421.8`.
    let found = || {
        let f = Found {
            status: &status,
            value: &got.value,
            citations: got.citations.iter().map(|c| &*c.clause).collect(),
            missing: got.missing.as_deref(),
            error: got.error.as_deref(),
        };
        serde_json::to_string(&f).unwrap_or_else(|e| format!("({e})"))
    };
    if let Some(ws) = &wanted_status
        && *ws != status
    {
        return Some((format!("status {ws}"), found()));
    }
    if let Some(v) = &exp.value
        && !same_value(v, &got.value, is_set)
    {
        return Some((format!("value {v}"), found()));
    }
    if let Some(c) = &exp.citations {
        let cited: Vec<String> = got.citations.iter().map(|c| c.clause.to_string()).collect();
        if sorted(c) != sorted(&cited) {
            return Some((format!("citations {c:?}"), found()));
        }
    }
    if let Some(m) = &exp.missing
        && sorted(m) != sorted(got.missing.as_deref().unwrap_or_default())
    {
        return Some((format!("missing {m:?}"), found()));
    }
    None
}

/// What no example exercises: the rules that never gave a value (as `rule c.label (file:line)`)
/// and the clauses that carry a rule but no decision cited.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Uncovered {
    /// The rules never applied.
    pub rules: Vec<String>,
    /// The clauses that carry a rule but that no decision cited, as `id (file:line)` of the
    /// text (a layer's amended text is a clause of its own).
    pub clauses: Vec<String>,
}

impl Report {
    /// What the examples leave unexercised in `folder`'s versions.
    pub fn uncovered(&self, folder: &PolicyFolder) -> Uncovered {
        let mut out = Uncovered::default();
        let mut seen = HashSet::new();
        for policy in folder.compiled() {
            for c in &policy.conclusions {
                for r in &c.rules {
                    let key = (r.span.file.0, r.span.start);
                    if !self.rules_applied.contains(&key) && seen.insert(key) {
                        let at = crate::decision::location(policy, r.span);
                        out.rules.push(format!(
                            "{} {}.{} ({at})",
                            r.kind.keyword(),
                            c.name,
                            r.label
                        ));
                    }
                    for id in &r.citations {
                        let Some(cl) = policy.clauses.get(*id) else {
                            continue;
                        };
                        let key = (cl.span.file.0, cl.span.start);
                        let at = crate::decision::location(policy, cl.span);
                        let named = format!("{} ({at})", cl.id);
                        if !self.clauses_cited.contains(&key) && !out.clauses.contains(&named) {
                            out.clauses.push(named);
                        }
                    }
                }
            }
        }
        out
    }
}

impl Report {
    /// The failures that stop a publication (an upload, a reload, `clausier publish`): all but
    /// those of the examples of drafts, whose examples may fail while they are prepared.
    pub fn blocking<'r>(&'r self, folder: &'r PolicyFolder) -> impl Iterator<Item = &'r Failure> {
        self.failures.iter().filter(|f| {
            !f.version
                .as_deref()
                .and_then(|v| folder.version(v))
                .is_some_and(|p| p.draft)
        })
    }
}

impl std::fmt::Display for Failure {
    /// `FAIL file › example › conclusion`, then the expected and found lines, as `clausier test`
    /// prints them.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = self
            .conclusion
            .as_deref()
            .map_or(String::new(), |c| format!(" › {c}"));
        writeln!(f, "FAIL {} › {}{what}", self.file.display(), self.example)?;
        writeln!(f, "  - expected: {}", self.expected)?;
        write!(f, "  + found:    {}", self.found)
    }
}
