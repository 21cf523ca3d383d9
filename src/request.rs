//! Requests for decisions, as the service receives them, independent of any HTTP framework: the
//! envelope (`input`, `version`, `as_of`, `explain`, `hints`), the bounds on the JSON (nesting depth,
//! string length), and the path from bytes to a decision. The service maps [`RequestError`] to
//! its problem documents; the fuzzers drive this path without a server.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::Value as Json;
use serde_json::value::RawValue;

use crate::decision::Decision;
use crate::interview::Interview;
use crate::json::{Absence, HintsRequest, InputError, parse_date, read_facts_as, read_hints};
use crate::model::{Lang, Said};
use crate::prepared::Prepared;

mod batch;

/// What is wrong with a request.
#[derive(Debug, Clone, PartialEq)]
pub enum RequestError {
    /// The body is not JSON.
    Malformed(String),
    /// The body is JSON but the request is wrong (its shape, `as_of`, too deep a nesting).
    Bad(Said),
    /// The candidate's record does not match the policy's declared inputs.
    Invalid(Vec<InputError>),
    /// The request goes past a limit of the service: its deadline, the length of a batch.
    Exceeded(Exceeded),
}

/// A limit a request went past.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exceeded {
    /// The evaluation was still running at its deadline (see [`Deadline`]), set this long
    /// after the request came.
    Deadline(std::time::Duration),
    /// A JSON batch holds more inputs than this limit.
    Inputs(usize),
}

impl Exceeded {
    /// What was exceeded, in words.
    pub fn said(&self) -> Said {
        match self {
            Exceeded::Deadline(budget) => Said::new(
                format!("l'évaluation a duré plus de {} ms", budget.as_millis()),
                format!("the evaluation took longer than {} ms", budget.as_millis()),
            ),
            Exceeded::Inputs(limit) => Said::new(
                format!("le lot contient plus de {limit} dossiers"),
                format!("the batch holds more than {limit} inputs"),
            ),
        }
    }
}

/// When an evaluation must be over. It is checked where a decision's work can be cut cleanly:
/// after the record is read, before each conclusion is evaluated, before settling, before
/// hints and sentences (see [`decide`]); a settling or a search for hints, once started, runs
/// to its own bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    /// The instant.
    pub at: std::time::Instant,
    /// How long after the start of the work it was set (what an error reports).
    pub budget: std::time::Duration,
}

impl Deadline {
    /// The deadline `budget` from now (a budget too large to count is a deadline far off).
    pub fn after(budget: std::time::Duration) -> Deadline {
        let now = std::time::Instant::now();
        let at = now
            .checked_add(budget)
            .or_else(|| now.checked_add(FAR))
            .unwrap_or(now);
        Deadline { at, budget }
    }

    /// Whether it has passed (a zero budget has passed as soon as it is set).
    pub fn passed(&self) -> bool {
        std::time::Instant::now() >= self.at
    }

    /// `Err(Exceeded::Deadline)` once it has passed.
    pub fn check(&self) -> Result<(), RequestError> {
        if self.passed() {
            return Err(self.exceeded());
        }
        Ok(())
    }

    /// The error of a request still running at this deadline.
    pub fn exceeded(&self) -> RequestError {
        RequestError::Exceeded(Exceeded::Deadline(self.budget))
    }
}

/// What "no deadline in practice" means when a budget overflows the clock: a century.
const FAR: std::time::Duration = std::time::Duration::from_secs(100 * 365 * 24 * 3600);

/// The most input errors reported for one record: past them, one more error says how many
/// were left out (a record of a million unknown fields must not answer a million errors).
pub const MAX_INPUT_ERRORS: usize = 100;

/// A request for one decision.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    /// The candidate's record, as the version's input schema describes it
    /// (`GET /v1/policies/{id}/versions/{version}/schema`: every field typed, enum values, dates).
    #[cfg_attr(feature = "server", schema(value_type = Object))]
    #[serde(deserialize_with = "crate::json::strict::value")]
    pub input: Json,
    /// The version label (else `as_of`, else the version in force today).
    pub version: Option<String>,
    /// A date `YYYY-MM-DD`: the version in force on that day.
    #[cfg_attr(feature = "server", schema(format = Date))]
    pub as_of: Option<String>,
    /// Add the trace of every rule considered.
    #[serde(default)]
    pub explain: bool,
    /// The conclusions to decide, by name (default: all of them). The decision then holds
    /// these alone, and evaluates nothing but what they read; a name the policy does not
    /// declare, or an empty list, is refused (422).
    pub conclusions: Option<Vec<String>>,
    /// What would change the decision: `true` for every decided conclusion (changes towards
    /// any other value), or the value wanted for each conclusion named
    /// (`{"e61_admission": "admis"}`). Each concerned conclusion gets a `hints` list.
    #[serde(default)]
    pub hints: Option<HintsRequest>,
    /// Add to each conclusion its `text`: the conclusion in one sentence, under the policy's
    /// labels, in the language asked.
    #[serde(default)]
    pub words: bool,
}

/// A request for the decisions on several candidates.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    /// The candidates' records (one that is not a valid record gets its own error entry).
    #[cfg_attr(feature = "server", schema(value_type = Vec<serde_json::Value>))]
    #[serde(deserialize_with = "crate::json::strict::values")]
    pub inputs: Vec<Json>,
    /// The version label.
    pub version: Option<String>,
    /// A date `YYYY-MM-DD`: the version in force on that day.
    #[cfg_attr(feature = "server", schema(format = Date))]
    pub as_of: Option<String>,
    /// Add the trace of every rule considered.
    #[serde(default)]
    pub explain: bool,
    /// The conclusions to decide, by name (default: all of them). The decision then holds
    /// these alone, and evaluates nothing but what they read; a name the policy does not
    /// declare, or an empty list, is refused (422).
    pub conclusions: Option<Vec<String>>,
}

/// A JSON batch as read from its bytes, before any input is: each input is its JSON text,
/// parsed when its turn comes, so that a batch never holds more than one record as values.
#[derive(Debug)]
pub struct RawBatch<'a> {
    /// The inputs, in order.
    pub inputs: Vec<&'a RawValue>,
    /// The version label.
    pub version: Option<String>,
    /// A date `YYYY-MM-DD`: the version in force on that day.
    pub as_of: Option<String>,
    /// Add the trace of every rule considered.
    pub explain: bool,
    /// The conclusions to decide, by name (all when none).
    pub conclusions: Option<Vec<String>>,
}

/// Reads a JSON batch (the shape of [`BatchRequest`]) within a nesting depth, counting its
/// inputs as they are read: the reading stops at input `max_len + 1` with
/// [`Exceeded::Inputs`], and no input is parsed into values here.
pub fn parse_batch(
    body: &[u8],
    max_depth: usize,
    max_len: usize,
) -> Result<RawBatch<'_>, RequestError> {
    if let Some(at) = too_deep(body, max_depth) {
        return Err(deep_bytes(max_depth, at));
    }
    let over = std::cell::Cell::new(false);
    let mut de = serde_json::Deserializer::from_slice(body);
    let seed = batch::Envelope {
        max_len,
        over: &over,
    };
    let read = serde::de::DeserializeSeed::deserialize(seed, &mut de).and_then(|b| {
        de.end()?;
        Ok(b)
    });
    match read {
        Ok(batch) => Ok(batch),
        Err(_) if over.get() => Err(RequestError::Exceeded(Exceeded::Inputs(max_len))),
        Err(e) => Err(classify(&e)),
    }
}

/// Which version a request asks for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selector {
    /// By label.
    pub version: Option<String>,
    /// The version in force on that date.
    pub as_of: Option<NaiveDate>,
}

impl Selector {
    /// Reads `version` and `as_of` (strings) into a selector; both at once is a bad request.
    pub fn parse(version: Option<String>, as_of: Option<String>) -> Result<Selector, RequestError> {
        if version.is_some() && as_of.is_some() {
            return Err(RequestError::Bad(Said::new(
                "donnez `version` ou `as_of`, pas les deux",
                "give `version` or `as_of`, not both",
            )));
        }
        let as_of = match as_of {
            Some(d) => Some(parse_date(&d).ok_or_else(|| {
                RequestError::Bad(Said::new(
                    format!("`as_of` doit être une date AAAA-MM-JJ, pas `{d}`"),
                    format!("`as_of` must be a date YYYY-MM-DD, found `{d}`"),
                ))
            })?),
            None => None,
        };
        Ok(Selector { version, as_of })
    }
}

/// A field of a JSON batch that the query string may also give (`version`, `as_of`): the one
/// given, or the value both give; two different values are a bad request.
pub fn agreed(
    name: &str,
    body: Option<String>,
    query: Option<String>,
) -> Result<Option<String>, RequestError> {
    match (body, query) {
        (Some(body), Some(query)) if body != query => Err(RequestError::Bad(Said::new(
            format!(
                "`{name}` vaut `{body}` dans le corps mais `{query}` dans les paramètres de l'URL"
            ),
            format!("`{name}` is `{body}` in the body but `{query}` in the query string"),
        ))),
        (body, query) => Ok(body.or(query)),
    }
}

/// Bounds on what a request's JSON may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// Deepest nesting of arrays and objects.
    pub json_depth: usize,
    /// Longest string, in bytes.
    pub string_len: usize,
}

/// Reads a JSON body, refusing arrays and objects nested deeper than `max_depth` before
/// parsing them; a syntax error is [`RequestError::Malformed`] with its line and column, a
/// shape error [`RequestError::Bad`].
pub fn parse_json<T: serde::de::DeserializeOwned>(
    body: &[u8],
    max_depth: usize,
) -> Result<T, RequestError> {
    if let Some(at) = too_deep(body, max_depth) {
        return Err(deep_bytes(max_depth, at));
    }
    serde_json::from_slice(body).map_err(|e| classify(&e))
}

/// JSON nested deeper than `max_depth`, first at byte `at`.
fn deep_bytes(max_depth: usize, at: usize) -> RequestError {
    RequestError::Bad(Said::new(
        format!(
            "le JSON imbrique listes et objets sur plus de {max_depth} niveaux (à l'octet {at})"
        ),
        format!("the JSON nests arrays and objects more than {max_depth} deep (at byte {at})"),
    ))
}

/// A syntax error is malformed JSON; a shape error, a bad request.
fn classify(e: &serde_json::Error) -> RequestError {
    match e.classify() {
        serde_json::error::Category::Data => RequestError::Bad(shape_error(e)),
        _ => RequestError::Malformed(e.to_string()),
    }
}

/// A shape error of a request's JSON, in French and in English: serde's words for what is
/// wrong (unknown, missing or repeated field, wrong type) said in French too, its position at
/// the end.
fn shape_error(e: &serde_json::Error) -> Said {
    let en = e.to_string();
    let position = format!(" at line {} column {}", e.line(), e.column());
    let what = en.strip_suffix(&position).unwrap_or(&en);
    let fr_position = format!(" (ligne {}, colonne {})", e.line(), e.column());
    let patterns = [
        ("unknown field ", "champ inconnu "),
        ("missing field ", "champ manquant "),
        ("duplicate field ", "champ en double "),
        ("the key ", "la clé "),
        (
            " appears twice in one object",
            " figure deux fois dans un même objet",
        ),
        (", expected one of ", ", valeurs attendues : "),
        (", expected ", ", attendu : "),
        ("invalid type: ", "type invalide : "),
        ("invalid value: ", "valeur invalide : "),
        ("unknown variant ", "valeur inconnue "),
    ];
    let fr = patterns
        .iter()
        .fold(what.to_string(), |text, (en, fr)| text.replace(en, fr));
    Said::new(format!("{fr}{fr_position}"), en)
}

/// The offset where `[`/`{` nesting first exceeds `max`, outside strings.
fn too_deep(body: &[u8], max: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(&b) = body.get(i) {
        match b {
            // A string is skipped to its closing quote at memchr speed: most of a record's
            // bytes are in its keys and strings.
            b'"' => loop {
                let rest = body.get(i + 1..)?;
                let k = memchr::memchr2(b'"', b'\\', rest)?;
                i += k + 1;
                if body.get(i) == Some(&b'"') {
                    break;
                }
                i += 1; // the escaped byte
            },
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

/// What of `input` lies beyond `bounds`, in one walk that allocates nothing unless it finds
/// something (every record goes through here): the pointer of the first array or object nested
/// deeper than allowed (a record given as a value, not bytes, is bounded here), and the strings
/// that are too long, as input errors.
fn beyond(input: &Json, bounds: Bounds) -> (Option<String>, Vec<InputError>) {
    let mut walk = Walk {
        bounds,
        path: Vec::new(),
        deep: None,
        long: Vec::new(),
    };
    walk.visit(input);
    walk.long.sort_by(|a, b| a.pointer.cmp(&b.pointer));
    (walk.deep, walk.long)
}

/// A step of a JSON pointer.
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

struct Walk<'a> {
    bounds: Bounds,
    path: Vec<Step<'a>>,
    deep: Option<String>,
    long: Vec<InputError>,
}

impl<'a> Walk<'a> {
    fn visit(&mut self, value: &'a Json) {
        let nests = value.is_array() || value.is_object();
        if nests && self.path.len() >= self.bounds.json_depth {
            self.deep.get_or_insert_with(|| pointer(&self.path));
            return;
        }
        match value {
            Json::String(s) if s.len() > self.bounds.string_len => {
                let limit = self.bounds.string_len;
                self.long.push(InputError {
                    pointer: pointer(&self.path),
                    message: format!("a text of {} bytes, over the limit of {limit}", s.len()),
                    message_fr: Some(format!(
                        "un texte de {} octets, au-delà de la limite de {limit}",
                        s.len()
                    )),
                });
            }
            Json::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    self.path.push(Step::Index(i));
                    self.visit(v);
                    self.path.pop();
                }
            }
            Json::Object(map) => {
                for (k, v) in map {
                    self.path.push(Step::Key(k));
                    self.visit(v);
                    self.path.pop();
                }
            }
            _ => {}
        }
    }
}

fn pointer(path: &[Step<'_>]) -> String {
    if path.is_empty() {
        return "/".into();
    }
    let mut out = String::new();
    for step in path {
        out.push('/');
        match step {
            Step::Key(k) => out.push_str(&k.replace('~', "~0").replace('/', "~1")),
            Step::Index(i) => out.push_str(&i.to_string()),
        }
    }
    out
}

/// How to decide: the trace, the bounds on the input, and the decision id.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Add the trace of every rule considered.
    pub explain: bool,
    /// The bounds on the candidate's record.
    pub bounds: Bounds,
    /// The decision's id; a fresh UUID v7 (time-ordered) when none. Give one to make the decision a pure
    /// function of the record (replays and tests do).
    pub decision_id: Option<String>,
    /// Three-valued logic only: leave undetermined what no missing fact can change, instead of
    /// settling it (see [`crate::eval::settle`]). For comparisons with plain three-valued
    /// implementations; off by default.
    pub three_valued: bool,
    /// The language of the texts people read (`because`): French unless asked otherwise.
    /// Facts the policy gives no label in this language keep the `name = value` form.
    pub lang: Lang,
    /// The hints asked for (see [`crate::hints`]); none by default.
    pub hints: Option<HintsRequest>,
    /// Add each conclusion's sentence in words (`text`).
    pub words: bool,
    /// When the evaluation must be over (see [`Deadline`] for where it is checked); none: no
    /// deadline.
    pub deadline: Option<Deadline>,
    /// The conclusions to decide, by index, sorted, each once (see [`conclusions`]): the
    /// decision holds them alone (see [`crate::decision::decide_only`]). All when none.
    pub conclusions: Option<std::sync::Arc<[usize]>>,
}

impl Default for Bounds {
    /// The service's defaults: nesting 64 deep, texts up to 64 KiB.
    fn default() -> Bounds {
        Bounds {
            json_depth: 64,
            string_len: 64 << 10,
        }
    }
}

/// Decides one candidate's record under `policy`: the one path from a record to a decision,
/// which the service, `clausier eval`, `clausier test` and the impact replay all take. The
/// record is checked against the bounds, then against the policy's declared inputs.
pub fn decide(
    policy: &Prepared,
    input: &Json,
    options: &Options,
) -> Result<Decision, RequestError> {
    let facts = facts(policy, input, options.bounds, Absence::Declared)?;
    decide_facts(policy, &facts, options)
}

/// The decision on a record's facts, once read (the rest of [`decide`]).
fn decide_facts(
    policy: &Prepared,
    facts: &[crate::model::Value],
    options: &Options,
) -> Result<Decision, RequestError> {
    let check = || options.deadline.as_ref().map_or(Ok(()), Deadline::check);
    check()?;
    let only = options.conclusions.as_deref();
    let asked = match &options.hints {
        Some(h) => read_hints(policy, h).map_err(|e| RequestError::Bad(e.into()))?,
        None => None,
    };
    if let Some(asked) = &asked {
        among(policy, asked, only)?;
    }
    let id = decision_id(options.decision_id.as_ref());
    let modes = (options.explain, !options.three_valued);
    let mut decision = match options.deadline {
        None => crate::decision::decide_only(policy, facts, &id, only, modes, options.lang),
        Some(deadline) => {
            let until = crate::decision::Until(deadline.at);
            crate::decision::decide_until(policy, facts, &id, only, modes, options.lang, &until)
                .map_err(|_| deadline.exceeded())?
        }
    };
    if let Some(asked) = asked {
        check()?;
        let (decision, lang) = ((&mut decision, only), options.lang);
        crate::hints::attach(policy, facts, decision, &asked, modes.1, lang);
    }
    if options.words {
        check()?;
        for (k, (_, c)) in decision.conclusions.0.iter_mut().enumerate() {
            let i = crate::decision::index_at(only, k).unwrap_or(k);
            c.text = Some(crate::report::sentence(policy, i, c, options.lang));
        }
    }
    Ok(decision)
}

/// The conclusions named in `names` (the field `field` of a request: `conclusions`), by index,
/// sorted, each once. A name the policy does not declare is an invalid request, its error at
/// `/{field}/{k}` with a "did you mean"; an empty list too, at `/{field}` (to decide every
/// conclusion, the field is left out).
pub fn conclusions(
    policy: &Prepared,
    names: &[String],
    field: &str,
) -> Result<std::sync::Arc<[usize]>, RequestError> {
    if names.is_empty() {
        return Err(RequestError::Invalid(vec![InputError {
            pointer: format!("/{field}"),
            message: format!(
                "`{field}` names no conclusion: name at least one, or leave it out to decide them all"
            ),
            message_fr: Some(format!(
                "`{field}` ne nomme aucune conclusion : nommez-en au moins une, ou omettez-le pour les décider toutes"
            )),
        }]));
    }
    let mut errors = Vec::new();
    let found = resolve(
        names,
        field,
        CONCLUSION,
        |name| policy.conclusion_index(name),
        policy.conclusions.iter().map(|c| c.name.as_str()),
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(RequestError::Invalid(at_most(errors)));
    }
    Ok(found.into())
}

/// What a name of a request designates, in the errors' words: English, French.
type Designates = (&'static str, &'static str);
const CONCLUSION: Designates = ("a conclusion", "une conclusion");
const INPUT: Designates = ("an input", "une entrée");

/// The indices of `names` (as `index` finds them), sorted and without repeats; an error for
/// each name not declared, at `/{field}/{k}`, in both languages. The first
/// [`MAX_INPUT_ERRORS`] of them say which of the names `declared` is close ("did you mean"):
/// the list shown stops there ([`at_most`]), and a search through every declared name for each
/// of thousands of names sent cost seconds on a large policy.
fn resolve<'a>(
    names: &[String],
    field: &str,
    (what, quoi): Designates,
    index: impl Fn(&str) -> Option<usize>,
    declared: impl Iterator<Item = &'a str> + Clone,
    errors: &mut Vec<InputError>,
) -> Vec<usize> {
    let mut found = Vec::with_capacity(names.len());
    for (k, name) in names.iter().enumerate() {
        if let Some(i) = index(name) {
            found.push(i);
            continue;
        }
        let close = (errors.len() < MAX_INPUT_ERRORS)
            .then(|| crate::check::names::suggest(name, declared.clone()))
            .flatten();
        let (en, fr) = close.map_or_else(Default::default, |c| {
            (
                format!(": did you mean `{c}`?"),
                format!(" : vouliez-vous dire `{c}` ?"),
            )
        });
        errors.push(InputError {
            pointer: format!("/{field}/{k}"),
            message: format!("`{name}` is not {what} of the policy{en}"),
            message_fr: Some(format!("`{name}` n'est pas {quoi} de la politique{fr}")),
        });
    }
    found.sort_unstable();
    found.dedup();
    found
}

/// The names of a query string's list (`conclusions=e61_admission,jury_informed`): separated by
/// commas, spaces around them ignored; an empty value names none.
pub fn names_in(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .collect()
}

/// `Ok` when every conclusion the hints name is among those `only` asked for (any, when all are).
fn among(
    policy: &Prepared,
    asked: &crate::hints::Asked,
    only: Option<&[usize]>,
) -> Result<(), RequestError> {
    let crate::hints::Asked::Targets(targets) = asked else {
        return Ok(());
    };
    for (i, _) in targets {
        if crate::decision::position(only, *i).is_none() {
            let name = policy.conclusion_name(*i);
            return Err(RequestError::Bad(Said::new(
                format!("`hints` nomme `{name}`, qui n'est pas parmi les `conclusions` demandées"),
                format!("`hints` names `{name}`, which is not among the `conclusions` asked for"),
            )));
        }
    }
    Ok(())
}

/// The facts of a record within `bounds`, read against the policy's declared inputs.
fn facts(
    policy: &Prepared,
    input: &Json,
    bounds: Bounds,
    absence: Absence,
) -> Result<Vec<crate::model::Value>, RequestError> {
    let (deep, long) = beyond(input, bounds);
    if let Some(at) = deep {
        let max = bounds.json_depth;
        return Err(RequestError::Bad(Said::new(
            format!("le JSON imbrique listes et objets sur plus de {max} niveaux (en {at})"),
            format!("the JSON nests arrays and objects more than {max} deep (at {at})"),
        )));
    }
    if !long.is_empty() {
        return Err(RequestError::Invalid(at_most(long)));
    }
    let facts =
        read_facts_as(policy, input, absence).map_err(|e| RequestError::Invalid(at_most(e)))?;
    met(policy, facts)
}

/// `facts`, if they meet the `require` lines of the policy's inputs.
fn met(
    policy: &Prepared,
    facts: Vec<crate::model::Value>,
) -> Result<Vec<crate::model::Value>, RequestError> {
    let broken = crate::json::broken_requirements(policy, &facts);
    if broken.is_empty() {
        Ok(facts)
    } else {
        Err(RequestError::Invalid(at_most(broken)))
    }
}

/// The first [`MAX_INPUT_ERRORS`] of `errors`, and one more saying how many were left out.
fn at_most(mut errors: Vec<InputError>) -> Vec<InputError> {
    if errors.len() > MAX_INPUT_ERRORS {
        let left = errors.len() - MAX_INPUT_ERRORS;
        errors.truncate(MAX_INPUT_ERRORS);
        errors.push(InputError {
            pointer: "/".into(),
            message: format!("{left} more errors not shown"),
            message_fr: Some(format!("{left} erreurs de plus, non montrées")),
        });
    }
    errors
}

/// The id given, else a fresh UUID v7: time-ordered, so that the decision records' index on it
/// grows at its end instead of at random places (the store's write cost depends on it).
fn decision_id(given: Option<&String>) -> String {
    match given {
        Some(id) => id.clone(),
        None => uuid::Uuid::now_v7().to_string(),
    }
}

/// A request for the next questions of an interview.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct InterviewRequest {
    /// The answers so far, as a partial record: an input left out is unanswered (unknown, even
    /// when it has a default or is optional); `null` answers an optional input with "none" and a
    /// defaulted one with its default.
    #[cfg_attr(feature = "server", schema(value_type = Object))]
    #[serde(deserialize_with = "crate::json::strict::value")]
    pub input: Json,
    /// Inputs (dotted paths) the person cannot answer: they stay unknown and are never asked.
    #[serde(default)]
    pub unknown: Vec<String>,
    /// The conclusions wanted (default: all of them).
    pub conclusions: Option<Vec<String>>,
    /// The version label (else `as_of`, else the version in force today).
    pub version: Option<String>,
    /// A date `YYYY-MM-DD`: the version in force on that day.
    #[cfg_attr(feature = "server", schema(format = Date))]
    pub as_of: Option<String>,
}

/// How to run an interview: the bounds on the record, the conclusions wanted, the inputs the
/// person cannot answer.
#[derive(Debug, Clone, Default)]
pub struct InterviewOptions {
    /// The bounds on the record.
    pub bounds: Bounds,
    /// The decision's id; a fresh UUID v7 (time-ordered) when none.
    pub decision_id: Option<String>,
    /// The conclusions wanted, by name; all when none.
    pub conclusions: Option<Vec<String>>,
    /// The inputs the person cannot answer, by dotted path.
    pub unknown: Vec<String>,
    /// The language of the texts people read (questions, labels, `because`).
    pub lang: Lang,
}

/// The interview on a partial record under `policy` (see [`crate::interview`]): the record is
/// bounded and read as [`decide`] reads it, except that an input it leaves out is unanswered.
/// A name in `conclusions` or `unknown` that the policy does not declare is an invalid request
/// whose errors point into the request (`/conclusions/0`, `/unknown/1`).
pub fn interview(
    policy: &Prepared,
    input: &Json,
    options: &InterviewOptions,
) -> Result<Interview, RequestError> {
    let mut errors = Vec::new();
    let wanted = match &options.conclusions {
        Some(names) => resolve(
            names,
            "conclusions",
            CONCLUSION,
            |name| policy.conclusion_index(name),
            policy.conclusions.iter().map(|c| c.name.as_str()),
            &mut errors,
        ),
        None => (0..policy.conclusions.len()).collect(),
    };
    let unknown = if options.unknown.is_empty() {
        Vec::new()
    } else {
        let paths: HashMap<&str, usize> = (policy.inputs.iter().enumerate())
            .map(|(i, input)| (input.path.as_str(), i))
            .collect();
        resolve(
            &options.unknown,
            "unknown",
            INPUT,
            |path| paths.get(path).copied(),
            policy.inputs.iter().map(|i| i.path.as_str()),
            &mut errors,
        )
    };
    let facts = facts(policy, input, options.bounds, Absence::Unanswered);
    if !errors.is_empty() {
        // Each list bounded on its own (the record's is already), so that each count of the
        // errors not shown is right.
        let mut errors = at_most(errors);
        if let Err(RequestError::Invalid(more)) = facts {
            errors.extend(more);
        }
        return Err(RequestError::Invalid(errors));
    }
    Ok(crate::interview::interview(
        policy,
        &facts?,
        &wanted,
        &unknown,
        &decision_id(options.decision_id.as_ref()),
        options.lang,
    ))
}

/// As [`decide`], from the record's JSON bytes, whose nesting is bounded before parsing.
///
/// A valid record is read straight into facts ([`crate::json::direct`]); any other is parsed
/// into a value and read as [`decide`] reads it, which gives the same errors as ever (syntax,
/// every input error with its pointer, a key twice, texts past the bound).
pub fn decide_bytes(
    policy: &Prepared,
    body: &[u8],
    options: &Options,
) -> Result<Decision, RequestError> {
    let bounds = options.bounds;
    if let Some(at) = too_deep(body, bounds.json_depth) {
        return Err(deep_bytes(bounds.json_depth, at));
    }
    // The bytes are nested within the bound: the values are too (see `beyond`).
    match crate::json::direct::read_facts(policy, body, bounds.string_len) {
        Some(facts) => decide_facts(policy, &met(policy, facts)?, options),
        None => {
            let crate::json::strict::Strict(input) =
                serde_json::from_slice(body).map_err(|e| classify(&e))?;
            decide(policy, &input, options)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::too_deep;

    const POLICY: &str = r#"
policy demo
version "v1"
clause "a" section "1"
  | Rule a.
enum field = metrologie | autre
record job
  start : date
  end : date
  field : field
  require end >= start else "the job ends before it starts"
input candidate.id : optional text
input candidate.jobs : list of job = []
input report.pages : integer
input report.parts : set of field
conclusion long : bool
  rule short gives false per "a"
  exception long of short when report.pages > 10 gives true per "a"
"#;

    #[test]
    #[expect(clippy::panic, reason = "tests")]
    fn a_record_from_bytes_is_decided_or_refused_as_its_value_is() {
        let folder = crate::load::check_texts(
            "demo".into(),
            vec![("demo.policy".into(), None, POLICY.into())],
        );
        let Some(policy) = folder.version("v1") else {
            panic!("the demo policy checks")
        };
        let options = super::Options {
            decision_id: Some("id".into()),
            bounds: super::Bounds {
                json_depth: 4,
                string_len: 16,
            },
            ..super::Options::default()
        };
        for text in [
            r#"{"report": {"pages": 12, "parts": ["autre", "metrologie"]}}"#,
            r#"{"candidate": {"jobs": [{"start": "2026-01-01", "field": "autre"}]}}"#,
            r#"{"report": {"pages": 12}, "report": {"pages": 3}}"#,
            r#"{"report": {"pages": 1e16, "pagez": 3}, "candidate": {"id": "seventeen bytes!!"}}"#,
            r#"{"candidate": {"jobs": [{"start": "2026-01-10", "end": "2026-01-01"}, {"x": 1}]}}"#,
            r#"{"candidate": {"jobs": [[[[1]]]]}}"#,
            r#"{"report": {"pages": 12}} x"#,
            r#"{"report": {"pages": 12"#,
            "[]",
        ] {
            let from_bytes = super::decide_bytes(policy, text.as_bytes(), &options);
            let from_value = super::parse_json::<crate::json::strict::Strict>(text.as_bytes(), 4)
                .and_then(|s| super::decide(policy, &s.0, &options));
            assert_eq!(from_bytes, from_value, "{text}");
        }
    }

    #[test]
    fn a_zero_budget_has_passed_when_set_and_a_budget_too_large_to_count_is_a_century() {
        use super::{Deadline, Exceeded, RequestError};
        use std::time::{Duration, Instant};
        let zero = Deadline::after(Duration::ZERO);
        assert!(zero.passed());
        assert_eq!(
            zero.check(),
            Err(RequestError::Exceeded(Exceeded::Deadline(Duration::ZERO)))
        );
        let hour = Deadline::after(Duration::from_secs(3600));
        assert!(!hour.passed());
        assert_eq!(hour.check(), Ok(()));
        let before = Instant::now();
        let endless = Deadline::after(Duration::MAX);
        let century = Duration::from_secs(100 * 365 * 24 * 3600);
        let off = endless.at.duration_since(before);
        assert!(
            off >= century && off < century + Duration::from_secs(60),
            "{off:?}"
        );
        assert_eq!(endless.budget, Duration::MAX);
        assert!(!endless.passed());
    }

    #[test]
    #[expect(clippy::panic, reason = "tests")]
    fn a_hundred_input_errors_are_all_shown_and_past_them_one_line_counts_the_rest() {
        let folder = crate::load::check_texts(
            "demo".into(),
            vec![("demo.policy".into(), None, POLICY.into())],
        );
        let Some(policy) = folder.version("v1") else {
            panic!("the demo policy checks")
        };
        let errors = |n: usize| {
            let record: serde_json::Map<String, serde_json::Value> = (0..n)
                .map(|i| (format!("field{i:03}"), serde_json::Value::from(i)))
                .collect();
            match super::decide(policy, &record.into(), &super::Options::default()) {
                Err(super::RequestError::Invalid(errors)) => errors,
                other => panic!("{other:?}"),
            }
        };
        let hundred = errors(super::MAX_INPUT_ERRORS);
        assert_eq!(hundred.len(), 100);
        assert_eq!(
            hundred.last().map(|e| e.pointer.as_str()),
            Some("/field099")
        );
        let more = errors(super::MAX_INPUT_ERRORS + 1);
        assert_eq!(more.len(), 101);
        let last = more
            .last()
            .map(|e| (e.pointer.as_str(), e.message.as_str()));
        assert_eq!(last, Some(("/", "1 more errors not shown")));
    }

    #[test]
    fn a_batch_is_read_with_each_field_once_and_refused_with_one_twice_or_in_another_shape() {
        use crate::model::Lang;
        let refused = |body: &str| match super::parse_batch(body.as_bytes(), 8, 10) {
            Err(super::RequestError::Bad(said)) => (
                said.get(Lang::En).to_string(),
                said.get(Lang::Fr).to_string(),
            ),
            other => (format!("{other:?}"), String::new()),
        };
        for (field, value) in [
            ("inputs", "[]"),
            ("version", r#""v1""#),
            ("as_of", r#""2026-01-01""#),
            ("explain", "true"),
            ("conclusions", r#"["long"]"#),
        ] {
            let twice = format!(r#""{field}": {value}, "{field}": {value}"#);
            let body = match field {
                "inputs" => format!("{{{twice}}}"),
                _ => format!(r#"{{"inputs": [], {twice}}}"#),
            };
            let (en, fr) = refused(&body);
            // serde_json places the error at the end of the second key.
            let key = format!(r#""{field}""#);
            let column = body.rfind(&key).unwrap_or_default() + key.len();
            assert_eq!(
                en,
                format!("duplicate field `{field}` at line 1 column {column}"),
                "{body}"
            );
            assert_eq!(
                fr,
                format!("champ en double `{field}` (ligne 1, colonne {column})"),
                "{body}"
            );
        }
        assert_eq!(
            refused(r#"{"inputs": [], "input": 1}"#).0,
            "unknown field `input`, expected one of `inputs`, `version`, `as_of`, `explain`, \
             `conclusions` at line 1 column 22"
        );
        let body = r#"{"inputs": [{}, 1], "version": "v1", "as_of": "2026-01-01", "explain": true,
            "conclusions": ["long"]}"#;
        let read = super::parse_batch(body.as_bytes(), 8, 10).map(|b| {
            let inputs: Vec<&str> = b.inputs.iter().map(|i| i.get()).collect();
            let fields = (b.version, b.as_of, b.explain, b.conclusions);
            (inputs.join(" "), fields)
        });
        let fields = (
            Some("v1".to_string()),
            Some("2026-01-01".to_string()),
            true,
            Some(vec!["long".to_string()]),
        );
        assert_eq!(read, Ok(("{} 1".to_string(), fields)));
        assert_eq!(
            refused("[]").0,
            "invalid type: sequence, expected an object with `inputs` at line 1 column 0"
        );
        assert_eq!(
            refused(r#"{"inputs": {}}"#).0,
            "invalid type: map, expected an array of inputs at line 1 column 11"
        );
        assert_eq!(
            refused(r#"{"version": "v1"}"#).0,
            "missing field `inputs` at line 1 column 17"
        );
    }

    #[test]
    fn nesting_is_counted_outside_strings_only() {
        assert_eq!(too_deep(br#"{"a": [[1]]}"#, 3), None);
        assert_eq!(too_deep(br#"{"a": [[[1]]]}"#, 3), Some(8));
        // Brackets, quotes and backslashes inside strings do not count.
        assert_eq!(
            too_deep(br#"{"a": "[[[{{{", "b": "\"[[[", "c": "\\"}"#, 1),
            None
        );
        assert_eq!(too_deep(br#"{"a": "\\", "b": [[1]]}"#, 2), Some(18));
        // An unterminated string or escape ends the scan without a finding.
        assert_eq!(too_deep(br#"{"a": "[[[["#, 1), None);
        assert_eq!(too_deep(br#"{"a": "\"#, 1), None);
        assert_eq!(too_deep(b"", 0), None);
    }

    #[test]
    fn long_strings_are_found_with_their_pointers() {
        let input = serde_json::json!({"a": {"b/c": "xxxxx"}, "d": ["yy", "zzzzzz"]});
        let bounds = super::Bounds {
            json_depth: usize::MAX,
            string_len: 4,
        };
        let found = super::beyond(&input, bounds).1;
        let pointers: Vec<&str> = found.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(pointers, ["/a/b~1c", "/d/1"]);
    }

    #[test]
    fn a_text_as_long_as_the_limit_is_within_it() {
        let input = serde_json::json!({"at": "wwww", "over": "wwwww"});
        let bounds = super::Bounds {
            json_depth: usize::MAX,
            string_len: 4,
        };
        let found = super::beyond(&input, bounds).1;
        let pointers: Vec<&str> = found.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(pointers, ["/over"]);
        assert_eq!(
            found.first().map(|e| e.message.as_str()),
            Some("a text of 5 bytes, over the limit of 4")
        );
    }

    #[test]
    fn a_record_given_as_a_value_is_bounded_too() {
        let json = serde_json::json!({"a": [{"b": [1]}], "c": "long text"});
        let deep = |json_depth| {
            let bounds = super::Bounds {
                json_depth,
                string_len: 4,
            };
            let (deep, long) = super::beyond(&json, bounds);
            (deep, long.len())
        };
        assert_eq!(deep(4), (None, 1));
        assert_eq!(deep(3), (Some("/a/0/b".to_string()), 1));
        assert_eq!(deep(1), (Some("/a".to_string()), 1));
        assert_eq!(deep(0), (Some("/".to_string()), 0));
    }
}
