//! Decisions: one candidate, a JSON batch, or an NDJSON stream of candidates.

use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, post, web};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::Value as Json;
use utoipa::{IntoParams, ToSchema};

use crate::decision::Decision;
use crate::model::Lang;
use crate::prepared::Prepared;
use crate::server::AppState;
use crate::server::problem::{ApiError, Problem, parse_json};
use crate::server::routes::{
    DraftQuery, Selector, body_timeout, decidable, identity_encoding, in_lang, json_only, lang_of,
    media_type, millis, read_body, refuse_draft, select_version, unreadable, unsupported_media,
};
use crate::server::store::PolicySet;

use crate::request::Deadline;
pub use crate::request::{BatchRequest, DecisionRequest};

/// The decisions of a batch, in input order: each a decision or an error.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct BatchResponse {
    /// One entry per input.
    pub decisions: Vec<BatchEntry>,
}

/// One entry of a batch: a decision, or the problem with that input.
#[derive(Debug, serde::Serialize, ToSchema)]
#[serde(untagged)]
pub enum BatchEntry {
    /// The decision.
    Decision(Box<Decision>),
    /// Why this input has no decision.
    Error {
        /// The problem (status 422 for an invalid input).
        error: Problem,
    },
}

/// The query of a batch (JSON or NDJSON): for a JSON batch, `version`, `as_of` and
/// `conclusions` may be given here or in the body (both: the same value), and `explain` here or
/// in the body.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BatchQuery {
    /// The version label.
    pub version: Option<String>,
    /// A date `YYYY-MM-DD`: the version in force on that day.
    #[param(format = Date)]
    pub as_of: Option<String>,
    /// Add the trace of every rule considered.
    #[serde(default)]
    pub explain: bool,
    /// Decide under the version named although it is a draft (never in force): each decision
    /// then says `"draft": true` in its `policy`. Without it, a draft is refused (409).
    #[serde(default)]
    pub draft: bool,
    /// The conclusions to decide, by name, separated by commas (`e61_admission,jury_informed`;
    /// default: all of them): each decision then holds these alone, and evaluates nothing but
    /// what they read. A name the policy does not declare, or an empty list, is refused (422,
    /// the pointer `/conclusions/{k}` naming the k-th name).
    pub conclusions: Option<String>,
    /// The language of the texts people read (`because`): `fr` (the default) or `en`.
    pub lang: Option<String>,
    /// `full` (the default): each citation with its clause's section and text; `ids`: each by
    /// its clause's id, the texts once in each decision's `clauses`.
    #[param(inline)]
    pub citations: Option<CitationForm>,
}

/// The header an answer carries when its decisions were made by a stale version: the service
/// serves the version's last good text while its file fails the check.
pub const STALE: &str = "Clausier-Stale";

/// Whether `policy` is served stale in `set` (its file now fails the check).
pub fn is_stale(set: &PolicySet, policy: &Prepared) -> bool {
    set.policies
        .get(&*policy.id)
        .is_some_and(|entry| entry.stale_versions.contains(&*policy.version))
}

/// Marks `decision` as made by a stale version, and counts it.
fn mark_stale(state: &AppState, decision: &mut Decision) {
    decision.policy.stale = true;
    decision.policy.json = None;
    state
        .metrics
        .stale_decisions
        .with_label_values(&[&*decision.policy.id, &*decision.policy.version])
        .inc();
}

/// The header that names the set of policies a decision was made under
/// ([`PolicySet::set_digest`]): replicas that send the same one serve the same rules.
pub const POLICY_SET: &str = "Clausier-Policy-Set";

/// How a decision writes its citations.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CitationForm {
    /// Each citation with its clause's section and text (the default).
    #[default]
    Full,
    /// Each citation by its clause's id, the sections and texts once in the decision's
    /// `clauses`.
    Ids,
}

/// The form of the citations, asked in the query string.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CitationsQuery {
    /// `full` (the default): each citation with its clause's section and text; `ids`: each by
    /// its clause's id, the texts once in the decision's `clauses` (a decision a fraction of
    /// the size).
    #[param(inline)]
    pub citations: Option<CitationForm>,
}

/// The form of the citations the request asks for.
fn citation_form(req: &HttpRequest) -> Result<CitationForm, ApiError> {
    web::Query::<CitationsQuery>::from_query(req.query_string())
        .map(|q| q.into_inner().citations.unwrap_or_default())
        .map_err(|_| {
            ApiError::BadRequest(crate::server::problem::Said::new(
                "`citations` vaut `full` ou `ids`".to_string(),
                "`citations` is `full` or `ids`".to_string(),
            ))
        })
}

/// A decision's bytes in the form asked.
fn decision_bytes(decision: &Decision, form: CitationForm) -> Vec<u8> {
    match form {
        CitationForm::Full => serde_json::to_vec(decision).unwrap_or_default(),
        CitationForm::Ids => crate::json::by_clause_id(decision),
    }
}

/// The language asked in the query string.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LangQuery {
    /// The language of the texts people read (`because`): `fr` (the default) or `en`; facts
    /// the policy gives no label in that language read `name = value`. Without it,
    /// `Accept-Language` chooses.
    pub lang: Option<String>,
}

/// What a request asks of each of its decisions: the trace, and which conclusions.
#[derive(Clone, Debug, Default)]
pub struct Wanted {
    /// Add the trace of every rule considered.
    pub explain: bool,
    /// The conclusions to decide, by index (see [`crate::request::conclusions`]); all when
    /// none.
    pub conclusions: Option<Arc<[usize]>>,
}

impl Wanted {
    /// `explain`, and the conclusions `names` (read against `policy`, the field `conclusions`).
    pub fn of(
        policy: &Prepared,
        explain: bool,
        names: Option<&[String]>,
    ) -> Result<Wanted, ApiError> {
        let conclusions = names
            .map(|names| crate::request::conclusions(policy, names, "conclusions"))
            .transpose()?;
        Ok(Wanted {
            explain,
            conclusions,
        })
    }
}

/// The names of a query string's `conclusions` (see [`crate::request::names_in`]).
fn named(query: Option<&str>) -> Option<Vec<String>> {
    query.map(crate::request::names_in)
}

/// Decides one candidate's input under `policy`, within the service's limits (its deadline
/// counted from now), and counts it.
pub fn decide_one(
    state: &AppState,
    policy: &Prepared,
    input: &Json,
    wanted: &Wanted,
    lang: Lang,
) -> Result<Decision, ApiError> {
    let deadline = Deadline::after(state.limits.deadline);
    decide_by(state, policy, input, (wanted, lang), deadline)
}

/// As [`decide_one`], by a deadline shared with other inputs (a JSON batch's).
pub fn decide_by(
    state: &AppState,
    policy: &Prepared,
    input: &Json,
    modes: (&Wanted, Lang),
    deadline: Deadline,
) -> Result<Decision, ApiError> {
    counted(state, policy, input, &limited(state, modes, deadline))
}

/// As [`decide_by`], from the input's JSON bytes (an input of a JSON batch, a line of an
/// NDJSON one): a valid record is read straight into facts, with no `serde_json::Value`
/// between (see [`crate::request::decide_bytes`]); an invalid one gets the same errors.
fn decide_bytes_by(
    state: &AppState,
    policy: &Prepared,
    bytes: &[u8],
    modes: (&Wanted, Lang),
    deadline: Deadline,
) -> Result<Decision, ApiError> {
    let options = limited(state, modes, deadline);
    let decision = crate::request::decide_bytes(policy, bytes, &options)?;
    count(state, policy);
    Ok(decision)
}

/// The options of a decision within the service's limits.
fn limited(
    state: &AppState,
    (wanted, lang): (&Wanted, Lang),
    deadline: Deadline,
) -> crate::request::Options {
    crate::request::Options {
        explain: wanted.explain,
        bounds: state.limits.bounds(),
        lang,
        deadline: Some(deadline),
        conclusions: wanted.conclusions.clone(),
        ..crate::request::Options::default()
    }
}

/// As [`decide_one`], with the hints asked for (see [`crate::hints`]) and, with `words`, each
/// conclusion's sentence.
pub fn decide_hinted(
    state: &AppState,
    policy: &Prepared,
    input: &Json,
    wanted: &Wanted,
    lang: Lang,
    (hints, words): (Option<crate::json::HintsRequest>, bool),
) -> Result<Decision, ApiError> {
    let options = crate::request::Options {
        explain: wanted.explain,
        bounds: state.limits.bounds(),
        decision_id: None,
        three_valued: false,
        lang,
        hints,
        words,
        deadline: Some(Deadline::after(state.limits.deadline)),
        conclusions: wanted.conclusions.clone(),
    };
    counted(state, policy, input, &options)
}

/// The decision under `options`, counted in the metrics.
fn counted(
    state: &AppState,
    policy: &Prepared,
    input: &Json,
    options: &crate::request::Options,
) -> Result<Decision, ApiError> {
    let decision = crate::request::decide(policy, input, options)?;
    count(state, policy);
    Ok(decision)
}

/// Counts a decision made under `policy` in the metrics.
fn count(state: &AppState, policy: &Prepared) {
    state
        .metrics
        .decisions
        .with_label_values(&[policy.id.as_str(), policy.version.as_str()])
        .inc();
}

/// The decision on one candidate: every conclusion of the policy (or those the request names in
/// `conclusions`), decided or undetermined, with the clauses it rests on.
#[utoipa::path(
    tag = "decisions",
    params(
        ("id" = String, Path, description = "The policy id"),
        LangQuery,
        CitationsQuery,
        DraftQuery,
        ("Accept-Language" = Option<String>, Header, description = "The language of the texts people read when `lang` is not given: French unless English is preferred"),
    ),
    request_body = DecisionRequest,
    responses(
        (status = 200, description = "The decision", body = Decision, headers(("Clausier-Policy-Set" = String, description = "The digest of the set of policies served when the request was decided (`set_digest` of `GET /v1/policies`): replicas that send the same one serve the same rules"), ("Clausier-Stale" = String, description = "`true` when the version that decided is served stale: its file now fails the check and its last good version decides (each decision's `policy.stale` says so too)"))),
        (status = 400, description = "Malformed JSON or request", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown policy or version", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The version named is a draft and `draft=true` was not given (`draft-version`)", body = Problem, content_type = "application/problem+json"),
        (status = 408, description = "The body did not arrive within the body timeout (the connection is closed)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over the limit", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json, or is compressed (`Content-Encoding`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The input does not match the policy's declared inputs, or `conclusions` names a conclusion the version does not declare (or none)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The evaluation exceeded its deadline, or the version asked is withheld: its examples fail with its text and no last good text stands in (`version-withheld`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/policies/{id}/decisions")]
pub async fn decide(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let lang = lang_of(&req)?;
    let form = citation_form(&req)?;
    json_only(&req)?;
    let body = read_body(&req, payload, state.limits.body).await?;
    let request: DecisionRequest = parse_json(&body, state.limits.json_depth)?;
    let selector = Selector::parse(request.version, request.as_of)?;
    let set = state.store.snapshot();
    let policy = select_version(&state, &set, &id, &selector)?;
    decidable(&req, &policy)?;
    let wanted = Wanted::of(&policy, request.explain, request.conclusions.as_deref())?;
    let asked = Asked {
        version: selector.version.clone(),
        as_of: selector.as_of.map(|d| d.to_string()),
        conclusions: request.conclusions.clone(),
        options: options_of(&wanted, lang, form, request.hints.is_some(), request.words),
        caller: caller_of(&req),
        stale: is_stale(&set, &policy),
    };
    let input = Arc::new(request.input);
    let decision = match request.hints {
        None if request.words => {
            decide_hinted(&state, &policy, &input, &wanted, lang, (None, true))?
        }
        // The search for hints runs many evaluations (bounded): off the request's thread.
        Some(hints) => {
            let (worker, policy, input) = (state.clone(), Arc::clone(&policy), Arc::clone(&input));
            web::block(move || {
                decide_hinted(
                    &worker,
                    &policy,
                    &input,
                    &wanted,
                    lang,
                    (Some(hints), request.words),
                )
            })
            .await
            .map_err(|_| ApiError::Internal)??
        }
        None => decide_one(&state, &policy, &input, &wanted, lang)?,
    };
    let (bytes, pending) = answer(
        &state,
        &policy,
        Input::Value(&input),
        &asked,
        decision,
        form,
    );
    if let Some(pending) = pending {
        pending.settle().await;
    }
    let mut res = HttpResponse::Ok();
    in_lang(&mut res, lang);
    res.insert_header((POLICY_SET, set.digest.as_str()));
    if asked.stale {
        res.insert_header((STALE, "true"));
    }
    Ok(res.content_type("application/json").body(bytes))
}

/// What a request asked besides the input, as its decisions' records keep it.
#[derive(Clone, Debug, Default)]
pub struct Asked {
    /// The version label asked for.
    pub version: Option<String>,
    /// The date asked for.
    pub as_of: Option<String>,
    /// The conclusions asked for, when not all of them.
    pub conclusions: Option<Vec<String>>,
    /// The options that shape the decision (`explain`, `conclusions`, `lang`, `citations`…).
    pub options: serde_json::Map<String, Json>,
    /// Who asked: the client identified, else `X-Client-Id`.
    pub caller: Option<String>,
    /// Whether the version is served stale (its decisions are marked so).
    pub stale: bool,
}

/// The header that names the caller in the decision records.
pub const CLIENT_ID: &str = "x-client-id";

/// The caller of a request: the client the gate admitted it as, with client identity on;
/// else the one it names (`X-Client-Id`: printable ASCII, at most 128 bytes).
pub fn caller_of(req: &HttpRequest) -> Option<String> {
    use actix_web::HttpMessage as _;
    if let Some(caller) = req
        .extensions()
        .get::<crate::server::clients::gate::Caller>()
    {
        return Some(caller.name.to_string());
    }
    req.headers()
        .get(CLIENT_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_string)
}

/// The options of a request that shape its decisions, for their records.
fn options_of(
    wanted: &Wanted,
    lang: Lang,
    form: CitationForm,
    hints: bool,
    words: bool,
) -> serde_json::Map<String, Json> {
    let mut options = serde_json::Map::new();
    options.insert("lang".into(), Json::from(lang.code()));
    if wanted.explain {
        options.insert("explain".into(), Json::Bool(true));
    }
    if form == CitationForm::Ids {
        options.insert("citations".into(), Json::from("ids"));
    }
    if hints {
        options.insert("hints".into(), Json::Bool(true));
    }
    if words {
        options.insert("words".into(), Json::Bool(true));
    }
    options
}

/// A decision's record as it came: a value (a single decision's), or the JSON text of an input
/// of a batch, read as a value only when the service signs or keeps decisions.
pub enum Input<'i> {
    /// Already read.
    Value(&'i Json),
    /// Its JSON text.
    Text(&'i [u8]),
}

/// The answer's bytes for `decision`, in the citations' `form`: marked stale when its version
/// is, with its receipt when the service signs decisions, and its record queued when it keeps
/// them (the answer then waits for it). What every decision route answers through.
pub fn answer(
    state: &AppState,
    policy: &Arc<Prepared>,
    input: Input<'_>,
    asked: &Asked,
    mut decision: Decision,
    form: CitationForm,
) -> (Vec<u8>, Option<crate::server::records::Pending>) {
    if asked.stale {
        mark_stale(state, &mut decision);
    }
    let bytes = decision_bytes(&decision, form);
    if state.signer.is_none() && state.records.is_none() {
        return (bytes, None);
    }
    match input {
        Input::Value(input) => keep(state, policy, input, asked, &decision, bytes),
        Input::Text(text) => match serde_json::from_slice::<Json>(text) {
            Ok(input) => keep(state, policy, &input, asked, &decision, bytes),
            Err(_) => (bytes, None),
        },
    }
}

/// The answer's bytes for `decision` (written as `bytes`): with its receipt when the service
/// signs decisions, and its record queued when it keeps them.
fn keep(
    state: &AppState,
    policy: &Arc<Prepared>,
    input: &Json,
    asked: &Asked,
    decision: &Decision,
    mut bytes: Vec<u8>,
) -> (Vec<u8>, Option<crate::server::records::Pending>) {
    let receipt = state
        .signer
        .as_ref()
        .and_then(|s| s.sign(&bytes, input, &policy.sha256));
    let pending = state.records.as_ref().map(|records| {
        let mut request = serde_json::Map::new();
        if let Some(version) = &asked.version {
            request.insert("version".into(), Json::from(version.as_str()));
        }
        if let Some(as_of) = &asked.as_of {
            request.insert("as_of".into(), Json::from(as_of.as_str()));
        }
        if let Some(names) = &asked.conclusions {
            request.insert("conclusions".into(), Json::from(names.clone()));
        }
        request.insert("options".into(), Json::Object(asked.options.clone()));
        let (request, input_hash) = records.request_of(input, request);
        let candidate = policy
            .record_key
            .as_deref()
            .and_then(|key| crate::server::records::at_path(input, key))
            .and_then(|v| match v {
                Json::String(s) => Some(s.clone()),
                Json::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .map(|v| records.key_of(&v));
        records.submit(crate::server::records::Record {
            id: decision.decision_id.clone(),
            decided_at: crate::server::records::now_micros(),
            policy: Arc::clone(policy),
            candidate,
            caller: asked.caller.clone(),
            request,
            input_hash,
            decision: String::from_utf8_lossy(&bytes).into_owned(),
            full: asked.options.get("citations").is_none(),
            receipt: receipt.clone(),
        })
    });
    if let Some(receipt) = receipt {
        with_receipt(&mut bytes, &receipt);
    }
    (bytes, pending)
}

/// Adds `"receipt": …` to the decision written as `bytes` (a JSON object).
fn with_receipt(bytes: &mut Vec<u8>, receipt: &crate::server::records::receipt::Receipt) {
    let Ok(written) = serde_json::to_vec(receipt) else {
        return;
    };
    if bytes.last() == Some(&b'}') {
        bytes.pop();
        bytes.extend_from_slice(b",\"receipt\":");
        bytes.extend_from_slice(&written);
        bytes.push(b'}');
    }
}

// Declared as bytes, which is what it is to a client, and how client generators send a body
// they do not read (openapi-python-client, with `application/octet-stream` for NDJSON).
/// The body of an NDJSON batch: records, one JSON object per line.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[expect(
    dead_code,
    reason = "a schema for the document only: the body is read as bytes"
)]
struct NdjsonRecords(String);

/// Decisions on a cohort. With `Content-Type: application/json`, a `BatchRequest` in and a
/// `BatchResponse` out. With `Content-Type: application/x-ndjson`, one input object per line in
/// (version and date in the query string) and one `BatchEntry` per line out (a decision, or
/// `{"error": problem}`), streamed in input order, for cohorts too large to hold in memory.
#[utoipa::path(
    tag = "decisions",
    params(
        ("id" = String, Path, description = "The policy id"),
        BatchQuery,
        ("Accept-Language" = Option<String>, Header, description = "The language of the texts people read when `lang` is not given: French unless English is preferred"),
    ),
    request_body(content(
        (BatchRequest = "application/json"),
        (NdjsonRecords = "application/x-ndjson"),
    )),
    responses(
        (status = 200, description = "The decisions, in input order", content(
            (BatchResponse = "application/json"),
            (BatchEntry = "application/x-ndjson"),
        ), headers(("Clausier-Policy-Set" = String, description = "The digest of the set of policies served when the request was decided (`set_digest` of `GET /v1/policies`): replicas that send the same one serve the same rules"), ("Clausier-Stale" = String, description = "`true` when the version that decided is served stale: its file now fails the check and its last good version decides (each decision's `policy.stale` says so too)"))),
        (status = 400, description = "Malformed JSON or request", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown policy or version", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The version named is a draft and `draft=true` was not given (`draft-version`)", body = Problem, content_type = "application/problem+json"),
        (status = 408, description = "The body did not arrive within the body timeout (the connection is closed)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over the limit", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither JSON nor NDJSON, or compressed (`Content-Encoding`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`conclusions` names a conclusion the version does not declare (or none)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The evaluation exceeded its deadline, or the version asked is withheld: its examples fail with its text and no last good text stands in (`version-withheld`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/policies/{id}/decisions/batch")]
pub async fn batch(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    query: web::Query<BatchQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let media = media_type(&req);
    let lang = lang_of(&req)?;
    match media.as_str() {
        "application/x-ndjson" | "application/ndjson" => {
            identity_encoding(&req)?;
            let query = query.into_inner();
            let selector = Selector::parse(query.version, query.as_of)?;
            let set = state.store.snapshot();
            let policy = select_version(&state, &set, &id, &selector)?;
            refuse_draft(&policy, query.draft)?;
            let names = named(query.conclusions.as_deref());
            let wanted = Wanted::of(&policy, query.explain, names.as_deref())?;
            let within = body_timeout(&req);
            let digest = set.digest.clone();
            let form = query.citations.unwrap_or_default();
            let stale = is_stale(&set, &policy);
            let asked = Asked {
                version: selector.version,
                as_of: selector.as_of.map(|d| d.to_string()),
                conclusions: names,
                options: options_of(&wanted, lang, form, false, false),
                caller: caller_of(&req),
                stale,
            };
            Ok(ndjson(
                state,
                digest,
                policy,
                (payload, within),
                (wanted, form),
                (lang, asked),
            ))
        }
        "application/json" => {
            let body = read_body(&req, payload, state.limits.batch_body).await?;
            let caller = caller_of(&req);
            json_batch(
                state,
                id.into_inner(),
                body,
                (lang, caller),
                query.into_inner(),
            )
            .await
        }
        other => Err(unsupported_media(
            other,
            (
                "application/json ou application/x-ndjson",
                "application/json or application/x-ndjson",
            ),
        )),
    }
}

/// What the work on a JSON batch sends to its response: the chunks of the body, or, first and
/// alone, the error that answers the request instead.
type Chunk = Result<web::Bytes, ApiError>;

/// Bytes of the answer gathered before they are sent.
const CHUNK: usize = 64 << 10;

/// Answers a JSON batch. Reading the inputs, deciding and writing the answer run on the
/// blocking pool, off the workers that serve other requests; the answer is streamed as it is
/// written, `{"decisions":[` entry by entry `]}`, so that neither the inputs as values (each is
/// parsed when its turn comes) nor the decisions are all held in memory at once.
async fn json_batch(
    state: web::Data<AppState>,
    id: String,
    body: web::Bytes,
    (lang, caller): (Lang, Option<String>),
    query: BatchQuery,
) -> Result<HttpResponse, ApiError> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Chunk>(8);
    let worker = state.clone();
    // One set for the whole batch, named in the answer's header.
    let set = state.store.snapshot();
    let digest = set.digest.clone();
    // Set by the work on the batch, before its first chunk, when its version is stale.
    let stale = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let said_stale = Arc::clone(&stale);
    tokio::task::spawn_blocking(move || {
        let asked = (lang, caller, said_stale);
        if let Some(error) = answer_batch(&worker, (&id, &query, &set), &body, asked, &tx) {
            // Nothing was sent yet: the error answers the request.
            let _ = tx.blocking_send(Err(error));
        }
    });
    let first = rx.recv().await.ok_or(ApiError::Internal)??;
    let rest = futures_util::stream::unfold(rx, |mut rx| async move {
        let chunk = rx.recv().await?;
        Some((chunk.map_err(actix_web::Error::from), rx))
    });
    let stream = futures_util::stream::once(async move { Ok(first) }).chain(rest);
    let mut res = HttpResponse::Ok();
    in_lang(&mut res, lang);
    res.insert_header((POLICY_SET, digest));
    if stale.load(std::sync::atomic::Ordering::Acquire) {
        res.insert_header((STALE, "true"));
    }
    Ok(res.content_type("application/json").streaming(stream))
}

/// The answer of a JSON batch, written to `tx` in chunks; an error instead when the request
/// fails before the first chunk is sent (the body, the version, or the deadline passed before
/// the first chunk: 503 as a whole). Once a chunk is sent, the inputs left when the deadline
/// passes get its problem as their entries.
fn answer_batch(
    state: &AppState,
    (id, query, set): (&str, &BatchQuery, &PolicySet),
    body: &[u8],
    (lang, caller, stale): (Lang, Option<String>, Arc<std::sync::atomic::AtomicBool>),
    tx: &tokio::sync::mpsc::Sender<Chunk>,
) -> Option<ApiError> {
    let (cohort, policy, wanted, mut asked) = match open_batch(state, (id, query, set), body) {
        Ok(opened) => opened,
        Err(e) => return Some(e),
    };
    stale.store(asked.stale, std::sync::atomic::Ordering::Release);
    let deadline = Deadline::after(state.limits.deadline);
    let form = query.citations.unwrap_or_default();
    asked.caller = caller;
    asked.options = options_of(&wanted, lang, form, false, false);
    let mut out = Writer::new(tx);
    let mut late: Option<Vec<u8>> = None;
    for (i, raw) in cohort.inputs.iter().enumerate() {
        if i > 0 {
            out.buffer.push(b',');
        }
        if late.is_none() {
            let decided = decide_raw(state, &policy, raw, (&wanted, lang), deadline);
            match decided {
                Err(e @ ApiError::DeadlineExceeded(_)) if !out.sent => return Some(e),
                Err(e @ ApiError::DeadlineExceeded(_)) => late = Some(error_entry_bytes(&e, lang)),
                Ok(decision) => {
                    let input = Input::Text(raw.get().as_bytes());
                    let (bytes, pending) = answer(state, &policy, input, &asked, decision, form);
                    out.pending.extend(pending);
                    out.buffer.extend_from_slice(&bytes);
                }
                Err(e) => out.buffer.extend_from_slice(&error_entry_bytes(&e, lang)),
            }
        }
        if let Some(bytes) = &late {
            out.buffer.extend_from_slice(bytes);
        }
        if out.buffer.len() >= CHUNK && !out.flush() {
            return None; // the client has gone
        }
    }
    out.buffer.extend_from_slice(b"]}");
    out.flush();
    None
}

/// A JSON batch read (its inputs as text), the version it selects and what it asks of each
/// decision: `version`, `as_of`, `conclusions` and `explain` from the body or the query string,
/// as the NDJSON form takes them (a field given by both with different values is a bad
/// request).
fn open_batch<'b>(
    state: &AppState,
    (id, query, set): (&str, &BatchQuery, &PolicySet),
    body: &'b [u8],
) -> Result<(crate::request::RawBatch<'b>, Arc<Prepared>, Wanted, Asked), ApiError> {
    let limits = state.limits;
    let mut cohort = crate::request::parse_batch(body, limits.json_depth, limits.batch_len)?;
    let version = crate::request::agreed("version", cohort.version.take(), query.version.clone())?;
    let as_of = crate::request::agreed("as_of", cohort.as_of.take(), query.as_of.clone())?;
    let names = match (
        cohort.conclusions.take(),
        named(query.conclusions.as_deref()),
    ) {
        (Some(body), Some(query)) if body != query => {
            return Err(ApiError::BadRequest(crate::server::problem::Said::new(
                "`conclusions` diffère entre le corps et les paramètres de l'URL".to_string(),
                "`conclusions` differs between the body and the query string".to_string(),
            )));
        }
        (body, query) => body.or(query),
    };
    cohort.explain |= query.explain;
    let selector = Selector::parse(version, as_of)?;
    let policy = select_version(state, set, id, &selector)?;
    refuse_draft(&policy, query.draft)?;
    let wanted = Wanted::of(&policy, cohort.explain, names.as_deref())?;
    let asked = Asked {
        version: selector.version,
        as_of: selector.as_of.map(|d| d.to_string()),
        conclusions: names,
        stale: is_stale(set, &policy),
        ..Asked::default()
    };
    Ok((cohort, policy, wanted, asked))
}

/// The decision on one input of a JSON batch, read from its text now.
fn decide_raw(
    state: &AppState,
    policy: &Prepared,
    raw: &serde_json::value::RawValue,
    modes: (&Wanted, Lang),
    deadline: Deadline,
) -> Result<Decision, ApiError> {
    deadline.check()?;
    decide_bytes_by(state, policy, raw.get().as_bytes(), modes, deadline)
}

/// The answer of a JSON batch being written: what is not sent yet, and whether anything was.
struct Writer<'t> {
    tx: &'t tokio::sync::mpsc::Sender<Chunk>,
    buffer: Vec<u8>,
    sent: bool,
    /// The records of the decisions in `buffer`, whose commits the chunk waits for.
    pending: Vec<crate::server::records::Pending>,
}

impl<'t> Writer<'t> {
    fn new(tx: &'t tokio::sync::mpsc::Sender<Chunk>) -> Self {
        let mut buffer = Vec::with_capacity(CHUNK + (CHUNK >> 2));
        buffer.extend_from_slice(b"{\"decisions\":[");
        Writer {
            tx,
            buffer,
            sent: false,
            pending: Vec::new(),
        }
    }

    /// Sends what is written (waiting while the client reads slower than the batch is
    /// decided); false when the client has gone.
    fn flush(&mut self) -> bool {
        for pending in self.pending.drain(..) {
            pending.settle_blocking();
        }
        let chunk = web::Bytes::from(std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(CHUNK + (CHUNK >> 2)),
        ));
        self.sent = true;
        self.tx.blocking_send(Ok(chunk)).is_ok()
    }
}

/// The entry of a batch's answer for an input that got no decision, as JSON: its problem.
/// (An input decided is answered through [`answer`].)
fn error_entry_bytes(error: &ApiError, lang: Lang) -> Vec<u8> {
    let entry = |e: &ApiError| BatchEntry::Error {
        error: e.problem_in(lang),
    };
    serde_json::to_vec(&entry(error))
        .unwrap_or_else(|_| serde_json::to_vec(&entry(&ApiError::Internal)).unwrap_or_default())
}

/// The state of an NDJSON stream: bytes read but not yet split into lines.
struct Lines {
    payload: web::Payload,
    buffer: web::BytesMut,
    finished: bool,
    /// Set while skipping the rest of an over-long line.
    skipping: bool,
    /// When the line being received must be complete: the body timeout holds for each line,
    /// counted from the end of the one before (a stream may be long, not slow).
    due: tokio::time::Instant,
    /// The body timeout.
    within: std::time::Duration,
}

impl Lines {
    /// Reads the next chunk into the buffer. A broken body or a late line gives the error line
    /// that ends the stream (unfinished, the connection is then closed).
    async fn fill(&mut self, lang: Lang) -> Option<web::Bytes> {
        let next = tokio::time::timeout_at(self.due, self.payload.next()).await;
        let error = match next {
            Ok(Some(Ok(chunk))) => {
                self.buffer.extend_from_slice(&chunk);
                return None;
            }
            Ok(None) => {
                self.finished = true;
                return None;
            }
            Ok(Some(Err(e))) => unreadable(&e),
            Err(_) => ApiError::RequestTimeout(millis(self.within)),
        };
        self.finished = true;
        self.buffer.clear();
        Some(error_line(&error, lang))
    }

    /// The next complete line in the buffer, if any; the next line is due a body timeout
    /// from now.
    fn next_line(&mut self) -> Option<web::BytesMut> {
        let at = memchr::memchr(b'\n', &self.buffer)?;
        self.due = tokio::time::Instant::now() + self.within;
        Some(self.buffer.split_to(at + 1))
    }
}

fn ndjson(
    state: web::Data<AppState>,
    digest: String,
    policy: Arc<Prepared>,
    (payload, within): (web::Payload, std::time::Duration),
    (wanted, form): (Wanted, CitationForm),
    (lang, asked): (Lang, Asked),
) -> HttpResponse {
    let limit = state.limits.ndjson_line;
    let stale = asked.stale;
    let asked = Arc::new(asked);
    let lines = Lines {
        payload,
        buffer: web::BytesMut::new(),
        finished: false,
        skipping: false,
        due: tokio::time::Instant::now() + within,
        within,
    };
    let stream = futures_util::stream::unfold(lines, move |mut lines| {
        let state = state.clone();
        let policy = Arc::clone(&policy);
        let wanted = wanted.clone();
        let asked = Arc::clone(&asked);
        async move {
            loop {
                if let Some(line) = lines.next_line() {
                    if std::mem::take(&mut lines.skipping) {
                        continue;
                    }
                    if line.len() > limit + 1 {
                        return Some((
                            Ok(error_line(&ApiError::PayloadTooLarge(limit), lang)),
                            lines,
                        ));
                    }
                    match answer_line(&state, &policy, &line, (&wanted, form, &asked), lang) {
                        Some((out, pending)) => {
                            if let Some(pending) = pending {
                                pending.settle().await;
                            }
                            return Some((Ok::<_, actix_web::Error>(out), lines));
                        }
                        None => continue,
                    }
                }
                if lines.buffer.len() > limit && !lines.skipping {
                    // Answer the over-long line now and drop what remains of it.
                    lines.buffer.clear();
                    lines.skipping = true;
                    return Some((
                        Ok(error_line(&ApiError::PayloadTooLarge(limit), lang)),
                        lines,
                    ));
                }
                if lines.skipping {
                    lines.buffer.clear();
                }
                if lines.finished {
                    let rest = lines.buffer.split();
                    if lines.skipping || rest.is_empty() {
                        return None;
                    }
                    let (out, pending) =
                        answer_line(&state, &policy, &rest, (&wanted, form, &asked), lang)?;
                    if let Some(pending) = pending {
                        pending.settle().await;
                    }
                    return Some((Ok(out), lines));
                }
                if let Some(error) = lines.fill(lang).await {
                    return Some((Ok(error), lines));
                }
            }
        }
    });
    let mut res = HttpResponse::Ok();
    in_lang(&mut res, lang);
    res.insert_header((POLICY_SET, digest));
    if stale {
        res.insert_header((STALE, "true"));
    }
    res.content_type("application/x-ndjson").streaming(stream)
}

/// The output line for one input line; none for a blank line.
fn answer_line(
    state: &AppState,
    policy: &Arc<Prepared>,
    line: &[u8],
    (wanted, form, asked): (&Wanted, CitationForm, &Asked),
    lang: Lang,
) -> Option<(web::Bytes, Option<crate::server::records::Pending>)> {
    let text = line.trim_ascii();
    if text.is_empty() {
        return None;
    }
    let deadline = Deadline::after(state.limits.deadline);
    let result = decide_bytes_by(state, policy, text, (wanted, lang), deadline);
    let (mut out, pending) = match result {
        Ok(decision) => answer(state, policy, Input::Text(text), asked, decision, form),
        Err(e) => return Some((error_line(&e, lang), None)),
    };
    out.push(b'\n');
    Some((web::Bytes::from(out), pending))
}

fn error_line(e: &ApiError, lang: Lang) -> web::Bytes {
    let mut out =
        serde_json::to_vec(&serde_json::json!({ "error": e.problem_in(lang) })).unwrap_or_default();
    out.push(b'\n');
    web::Bytes::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The caller a request names is recorded only when it is printable ASCII and at most 128
    /// bytes: a header of anything else names no one.
    #[test]
    fn a_caller_named_by_its_header_is_kept_only_when_printable_and_short() {
        let named = |v: &str| {
            caller_of(
                &actix_web::test::TestRequest::default()
                    .insert_header((CLIENT_ID, v))
                    .to_http_request(),
            )
        };
        assert_eq!(named("scolarite-lyon"), Some("scolarite-lyon".to_string()));
        assert_eq!(named(&"a".repeat(128)), Some("a".repeat(128)));
        assert_eq!(named(&"a".repeat(129)), None);
        assert_eq!(named(""), None);
        assert_eq!(named("deux mots"), None);
        assert_eq!(
            caller_of(&actix_web::test::TestRequest::default().to_http_request()),
            None
        );
    }
}
