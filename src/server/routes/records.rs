//! The decision records (see [`crate::server::records`]): one decision as it was answered, a
//! listing and its exports, the text of the rules it was made under, a replay under today's
//! rules, a candidate's erasure, and the public keys of the receipts.

use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use utoipa::{IntoParams, ToSchema};

use crate::server::AppState;
use crate::server::clients::Route;
use crate::server::problem::{ApiError, Problem, Said, parse_json};
use crate::server::records::receipt::{KeySet, Receipt};
use crate::server::records::replay::{Replay, ReplayError};
use crate::server::records::{EraseError, Filter, Records, StoredRecord};
use crate::server::routes::admin::authorize_with;
use crate::server::routes::{Selector, read_body, select_version};

/// A decision as it was recorded.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StoredDecision {
    /// The decision's id (its `decision_id`).
    pub decision_id: String,
    /// When it was made (RFC 3339, UTC).
    pub decided_at: String,
    /// The policy id.
    pub policy: String,
    /// The version label.
    pub version: String,
    /// The sha256 of the version's text (its files): the rules it was made under.
    pub policy_sha256: String,
    /// Where that text is served: `/v1/policy-texts/{sha256}`.
    pub policy_text: String,
    /// The candidate's key (the input the policy is `identified by`), or its salted hash when
    /// inputs are kept hashed; null when the policy names none or the record has none.
    pub candidate: Option<String>,
    /// Who asked (`X-Client-Id`), if the request said.
    pub caller: Option<String>,
    /// The request: `input` (or `input_sha256`, its salted hash, when inputs are kept
    /// hashed), `version` and `as_of` as asked, `conclusions` when not all, and `options`.
    #[schema(value_type = Object)]
    pub request: Json,
    /// The decision as it was answered (without its receipt).
    #[schema(value_type = Object)]
    pub decision: Json,
    /// Its receipt, when the service signed it.
    pub receipt: Option<Receipt>,
}

impl StoredDecision {
    fn of(record: StoredRecord) -> StoredDecision {
        let decided_at = chrono::DateTime::from_timestamp_micros(record.decided_at)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
            .unwrap_or_default();
        let receipt = match (record.key_id, record.signature) {
            (Some(key_id), Some(signature)) => Some(Receipt {
                algorithm: crate::server::records::receipt::ALGORITHM.into(),
                key_id,
                policy_sha256: record.policy_sha256.clone(),
                signature,
            }),
            _ => None,
        };
        StoredDecision {
            decision_id: record.id,
            decided_at,
            policy_text: format!("/v1/policy-texts/{}", record.policy_sha256),
            policy: record.policy,
            version: record.version,
            policy_sha256: record.policy_sha256,
            candidate: record.candidate,
            caller: record.caller,
            request: serde_json::from_str(&record.request).unwrap_or(Json::Null),
            decision: serde_json::from_str(&record.decision).unwrap_or(Json::Null),
            receipt,
        }
    }
}

/// The store, and the caller allowed to read it (the records token); 404 when either is off.
fn readable<'s>(state: &'s AppState, req: &HttpRequest) -> Result<&'s Arc<Records>, ApiError> {
    authorize_with(state, state.records_token.as_ref(), req, Route::Records)?;
    state.records.as_ref().ok_or_else(not_recorded)
}

fn not_recorded() -> ApiError {
    ApiError::NotFound(Said::new(
        "les décisions ne sont pas enregistrées (--store none)",
        "decisions are not recorded (--store none)",
    ))
}

fn store_failed(e: sqlx::Error) -> ApiError {
    tracing::error!(error = %e, "the decision store failed");
    ApiError::Internal
}

async fn run<T: Send + 'static>(
    records: &Records,
    work: impl std::future::Future<Output = Result<T, sqlx::Error>> + Send + 'static,
) -> Result<T, ApiError> {
    records
        .run(work)
        .await
        .ok_or(ApiError::Internal)?
        .map_err(store_failed)
}

fn no_decision(id: &str) -> ApiError {
    ApiError::NotFound(Said::new(
        format!("aucune décision `{id}` n'est enregistrée"),
        format!("no decision `{id}` is recorded"),
    ))
}

/// One recorded decision: what was asked, what was answered, under which rules (the sha256 of
/// their text and where to read it), who asked, and the receipt.
#[utoipa::path(
    tag = "records",
    security(("records" = [])),
    params(("id" = String, Path, description = "The decision id")),
    responses(
        (status = 200, description = "The recorded decision", body = StoredDecision),
        (status = 401, description = "Missing or wrong records token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such decision, or the records are not served (no records token, or `--store none`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/decisions/{id}")]
pub async fn get_decision(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let records = readable(&state, &req)?;
    let db = records.db().clone();
    let wanted = id.clone();
    let record = run(records, async move { db.get(&wanted).await }).await?;
    let record = record.ok_or_else(|| no_decision(&id))?;
    Ok(HttpResponse::Ok().json(StoredDecision::of(record)))
}

/// The selection and the page of a listing.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Of this policy.
    pub policy: Option<String>,
    /// Of this version label.
    pub version: Option<String>,
    /// Of this candidate: the value of the input the policy is `identified by`.
    pub candidate: Option<String>,
    /// Made on or after: a date `YYYY-MM-DD` (UTC) or an RFC 3339 time.
    pub from: Option<String>,
    /// Made before: a date `YYYY-MM-DD` (UTC, the day excluded) or an RFC 3339 time.
    pub to: Option<String>,
    /// Records per page (JSON), 1 to 1,000; default 100.
    pub limit: Option<usize>,
    /// The page after this one: the `next` of the page before.
    pub after: Option<String>,
    /// `json` (pages, the default), `ndjson` (every record selected, one per line) or `csv`
    /// (every record selected, one row each, one column per conclusion: for a spreadsheet).
    pub format: Option<String>,
}

/// A page of recorded decisions, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionPage {
    /// The decisions.
    pub decisions: Vec<StoredDecision>,
    /// The URL of the next page; null on the last.
    pub next: Option<String>,
}

fn bad(fr: String, en: String) -> ApiError {
    ApiError::BadRequest(Said::new(fr, en))
}

/// A time of the query (`from`, `to`): a date (midnight UTC) or an RFC 3339 time.
fn instant(name: &str, text: &str) -> Result<i64, ApiError> {
    if let Ok(date) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(date
            .and_time(chrono::NaiveTime::MIN)
            .and_utc()
            .timestamp_micros());
    }
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp_micros())
        .map_err(|_| {
            bad(
                format!("`{name}` est une date `AAAA-MM-JJ` ou une heure RFC 3339, pas `{text}`"),
                format!("`{name}` is a date `YYYY-MM-DD` or an RFC 3339 time, not `{text}`"),
            )
        })
}

/// The cursor `after` names: a time in microseconds and a decision id.
fn cursor(text: &str) -> Result<(i64, String), ApiError> {
    text.split_once('_')
        .and_then(|(at, id)| Some((at.parse().ok()?, id.to_string())))
        .ok_or_else(|| {
            bad(
                "`after` n'est pas un `next` donné par une page".into(),
                "`after` is not a `next` a page gave".into(),
            )
        })
}

fn filter_of(records: &Records, q: &ListQuery) -> Result<Filter, ApiError> {
    Ok(Filter {
        policy: q.policy.clone(),
        version: q.version.clone(),
        candidate: q.candidate.as_deref().map(|c| records.key_of(c)),
        from: q.from.as_deref().map(|t| instant("from", t)).transpose()?,
        to: q.to.as_deref().map(|t| instant("to", t)).transpose()?,
    })
}

/// Most records an export holds.
const EXPORT_MAX: usize = 10_000;
/// [`EXPORT_MAX`] as people read it, in French and in English.
const EXPORT_MAX_WORDS: (&str, &str) = ("10 000", "10,000");
const _: () = assert!(EXPORT_MAX == 10_000, "EXPORT_MAX_WORDS says 10,000");

/// The recorded decisions a query selects (policy, version, candidate, period), oldest first:
/// a page at a time in JSON, or all of them (up to 10,000) in NDJSON or in CSV for a jury's
/// list.
#[utoipa::path(
    tag = "records",
    security(("records" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "The decisions", content(
            (DecisionPage = "application/json"),
            (StoredDecision = "application/x-ndjson"),
            (String = "text/csv"),
        )),
        (status = 400, description = "A malformed date, cursor, limit or format", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or wrong records token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The records are not served (no records token, or `--store none`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/decisions")]
pub async fn list_decisions(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let records = readable(&state, &req)?;
    let q = web::Query::<ListQuery>::from_query(req.query_string())
        .map_err(|e| {
            bad(
                format!("paramètres invalides : {e}"),
                format!("invalid query: {e}"),
            )
        })?
        .into_inner();
    let filter = filter_of(records, &q)?;
    let after = q.after.as_deref().map(cursor).transpose()?;
    let format = q.format.as_deref().unwrap_or("json");
    let limit = match (format, q.limit) {
        ("json", Some(n)) if (1..=1000).contains(&n) => n,
        ("json", None) => 100,
        ("json", Some(_)) => {
            return Err(bad(
                "`limit` va de 1 à 1000".into(),
                "`limit` is from 1 to 1000".into(),
            ));
        }
        // One more than an export holds: more selected is refused, not cut short.
        ("ndjson" | "csv", _) => EXPORT_MAX + 1,
        (other, _) => {
            return Err(bad(
                format!("`format` vaut `json`, `ndjson` ou `csv`, pas `{other}`"),
                format!("`format` is `json`, `ndjson` or `csv`, not `{other}`"),
            ));
        }
    };
    let db = records.db().clone();
    let selected = filter.clone();
    let rows = run(
        records,
        async move { db.list(&selected, after, limit).await },
    )
    .await?;
    if format != "json" && rows.len() > EXPORT_MAX {
        return Err(bad(
            format!(
                "plus de {} décisions sont choisies : restreignez-les (policy, version, from, to) ou lisez-les page par page (format=json)",
                EXPORT_MAX_WORDS.0
            ),
            format!(
                "more than {} decisions are selected: narrow them (policy, version, from, to) or read them page by page (format=json)",
                EXPORT_MAX_WORDS.1
            ),
        ));
    }
    match format {
        "ndjson" => {
            let mut body = Vec::new();
            for row in rows {
                serde_json::to_writer(&mut body, &StoredDecision::of(row))
                    .map_err(|_| ApiError::Internal)?;
                body.push(b'\n');
            }
            Ok(HttpResponse::Ok()
                .content_type("application/x-ndjson")
                .body(body))
        }
        "csv" => Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                actix_web::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"decisions.csv\"",
            ))
            .body(csv(rows))),
        _ => {
            let next = (rows.len() == limit)
                .then(|| {
                    rows.last()
                        .map(|r| next_url(&req, &format!("{}_{}", r.decided_at, r.id)))
                })
                .flatten();
            let decisions = rows.into_iter().map(StoredDecision::of).collect();
            Ok(HttpResponse::Ok().json(DecisionPage { decisions, next }))
        }
    }
}

/// The URL of the page after `cursor`: the same query, `after` replaced.
fn next_url(req: &HttpRequest, cursor: &str) -> String {
    let mut query: Vec<(String, String)> = url_pairs(req.query_string())
        .filter(|(k, _)| k != "after")
        .collect();
    query.push(("after".into(), cursor.into()));
    let encoded: Vec<String> = query
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    format!("/v1/decisions?{}", encoded.join("&"))
}

fn url_pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    web::Query::<Vec<(String, String)>>::from_query(query)
        .map(|q| q.into_inner())
        .unwrap_or_default()
        .into_iter()
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The records as CSV (RFC 4180, UTF-8 with a byte order mark so that spreadsheets read the
/// accents): the record's columns, then one column per conclusion (its value, or its status
/// when it has none), in the order they first appear.
fn csv(rows: Vec<StoredRecord>) -> Vec<u8> {
    let decisions: Vec<StoredDecision> = rows.into_iter().map(StoredDecision::of).collect();
    let mut conclusions: Vec<String> = Vec::new();
    for d in &decisions {
        if let Some(map) = d.decision.get("conclusions").and_then(Json::as_object) {
            for name in map.keys() {
                if !conclusions.contains(name) {
                    conclusions.push(name.clone());
                }
            }
        }
    }
    let mut out = String::from("\u{feff}");
    let header: Vec<String> = [
        "decision_id",
        "decided_at",
        "policy",
        "version",
        "candidate",
        "caller",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain(conclusions.iter().cloned())
    .collect();
    line(&mut out, &header);
    for d in &decisions {
        let mut cells = vec![
            d.decision_id.clone(),
            d.decided_at.clone(),
            d.policy.clone(),
            d.version.clone(),
            d.candidate.clone().unwrap_or_default(),
            d.caller.clone().unwrap_or_default(),
        ];
        for name in &conclusions {
            let c = d.decision.get("conclusions").and_then(|m| m.get(name));
            cells.push(match c {
                None => String::new(),
                Some(c) => match c.get("value") {
                    Some(Json::String(s)) => s.clone(),
                    Some(Json::Null) | None => c
                        .get("status")
                        .and_then(Json::as_str)
                        .unwrap_or("")
                        .to_string(),
                    Some(Json::Array(items)) => items
                        .iter()
                        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                        .collect::<Vec<_>>()
                        .join(" "),
                    Some(other) => other.to_string(),
                },
            });
        }
        line(&mut out, &cells);
    }
    out.into_bytes()
}

fn line(out: &mut String, cells: &[String]) {
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        // A cell a spreadsheet would read as a formula is written as text.
        let cell = if cell.starts_with(['=', '+', '-', '@']) {
            format!("'{cell}")
        } else {
            cell.clone()
        };
        if cell.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&cell.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&cell);
        }
    }
    out.push_str("\r\n");
}

/// The text of a version a recorded decision was made under: its files, root layer first.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionText {
    /// The sha256 of the files' texts (each followed by a zero byte), as decisions name it.
    pub sha256: String,
    /// The policy id.
    pub policy: String,
    /// The version label.
    pub version: String,
    /// The files, `{"name", "text"}`, root layer first.
    #[schema(value_type = Vec<Object>)]
    pub files: Json,
}

/// The text of the rules a recorded decision was made under, kept once per sha256 even after
/// the file changed.
#[utoipa::path(
    tag = "records",
    security(("records" = [])),
    params(("sha256" = String, Path, description = "The version's sha256")),
    responses(
        (status = 200, description = "The version's files", body = VersionText),
        (status = 401, description = "Missing or wrong records token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such text, or the records are not served", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/policy-texts/{sha256}")]
pub async fn policy_text(
    state: web::Data<AppState>,
    req: HttpRequest,
    sha256: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let records = readable(&state, &req)?;
    let db = records.db().clone();
    let wanted = sha256.clone();
    let text = run(records, async move { db.text(&wanted).await }).await?;
    let (policy, version, files) = text.ok_or_else(|| {
        ApiError::NotFound(Said::new(
            format!("aucun texte de règlement `{sha256}` n'est enregistré"),
            format!("no policy text `{sha256}` is recorded"),
        ))
    })?;
    let files: Json = serde_json::from_str(&files).unwrap_or(Json::Null);
    Ok(crate::server::routes::cached(&req, &sha256, || {
        HttpResponse::Ok().json(VersionText {
            sha256: sha256.to_string(),
            policy,
            version,
            files: files.get("files").cloned().unwrap_or(Json::Null),
        })
    }))
}

/// A replay: the version to decide under (default: the one in force today), and the input
/// when only its hash was kept.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplayRequest {
    /// The version label.
    pub version: Option<String>,
    /// A date `YYYY-MM-DD`: the version in force on that day.
    #[schema(format = Date)]
    pub as_of: Option<String>,
    /// The candidate's record, when the store keeps inputs hashed: it must be the one
    /// decided (its salted hash is checked).
    #[schema(value_type = Option<Object>)]
    pub input: Option<Json>,
}

/// Decides a recorded decision's input again, under the version in force today or a named
/// one, and says which conclusions would change from the decision as it was answered (from
/// what to what, with their clauses). The recorded decision's version is rebuilt from its
/// stored text, so that the replay also says whether deciding the record again under it gives
/// what was answered (`reproduced`), even after its file changed.
#[utoipa::path(
    tag = "records",
    security(("records" = [])),
    params(("id" = String, Path, description = "The decision id"), crate::server::routes::DraftQuery),
    request_body(content = ReplayRequest, content_type = "application/json", description = "Optional: `{}` or no body replays under the version in force today"),
    responses(
        (status = 200, description = "The replay", body = Replay),
        (status = 401, description = "Missing or wrong records token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such decision or version, or the records are not served", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Only the input's hash was kept: send the input; or the version named is a draft and `draft=true` was not given (`draft-version`)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The version asked is withheld: its examples fail with its text and no last good text stands in (`version-withheld`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/decisions/{id}/replay")]
pub async fn replay(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let records = readable(&state, &req)?;
    let body = read_body(&req, payload, state.limits.body).await?;
    let asked: ReplayRequest = if body.iter().all(u8::is_ascii_whitespace) {
        ReplayRequest::default()
    } else {
        parse_json(&body, state.limits.json_depth)?
    };
    let db = records.db().clone();
    let wanted = id.clone();
    let record = run(records, async move { db.get(&wanted).await }).await?;
    let record = record.ok_or_else(|| no_decision(&id))?;
    let db = records.db().clone();
    let sha256 = record.policy_sha256.clone();
    let text = run(records, async move { db.text(&sha256).await }).await?;
    let (_, _, files) = text.ok_or(ApiError::Internal)?;
    let selector = Selector::parse(asked.version, asked.as_of)?;
    let set = state.store.snapshot();
    let now = select_version(&state, &set, &record.policy, &selector)?;
    crate::server::routes::decidable(&req, &now)?;
    let bounds = state.limits.bounds();
    let hashing = Arc::clone(records);
    let replayed = web::block(move || {
        crate::server::records::replay::replay(&record, &files, &now, asked.input, |i| hashing.input_hash(i), bounds)
    })
    .await
    .map_err(|_| ApiError::Internal)?
    .map_err(|e| match e {
        ReplayError::InputNotKept => ApiError::Conflict(Said::new(
            "seule l'empreinte de l'entrée est conservée : envoyez l'entrée (`input`)".to_string(),
            "only the input's hash is kept: send the input (`input`)".to_string(),
        )),
        ReplayError::InputMismatch => ApiError::Conflict(Said::new(
            "l'entrée envoyée n'est pas celle de la décision enregistrée".to_string(),
            "the input sent is not the one of the recorded decision".to_string(),
        )),
        ReplayError::Rebuild => {
            tracing::error!(decision_id = %id, "the stored text of a decision's version does not check");
            ApiError::Internal
        }
        ReplayError::Unreadable => {
            tracing::error!(decision_id = %id, "a recorded decision does not read back as a decision");
            ApiError::Internal
        }
    })?;
    Ok(HttpResponse::Ok().json(replayed))
}

/// Which records an erasure deletes.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EraseQuery {
    /// The candidate: the value of the input the policy is `identified by`.
    pub candidate: String,
    /// Of this policy only.
    pub policy: Option<String>,
}

/// What an erasure did.
#[derive(Debug, Serialize, ToSchema)]
pub struct Erased {
    /// How many records were deleted.
    pub deleted: u64,
}

/// Deletes every record of a candidate (a data subject's erasure request), once the records of
/// the decisions made before it are written; the service logs the erasure with the number of
/// records, not the candidate.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(EraseQuery),
    responses(
        (status = 200, description = "The records deleted", body = Erased),
        (status = 400, description = "No candidate named", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or wrong bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Administration is off (no token configured), or decisions are not recorded", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Decisions made before the request are still waiting to be recorded (the store is slow or down): nothing was deleted, ask again later (`records-pending`)", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "seconds to wait before asking again: the writer tries a batch it could not write again within a second"))),
    )
)]
#[delete("/v1/decisions")]
pub async fn erase(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    authorize_with(&state, state.admin_token.as_ref(), &req, Route::Admin)?;
    let records = state.records.as_ref().ok_or_else(not_recorded)?;
    let q = web::Query::<EraseQuery>::from_query(req.query_string())
        .map_err(|_| {
            bad(
                "nommez le candidat : `?candidate=…`".into(),
                "name the candidate: `?candidate=…`".into(),
            )
        })?
        .into_inner();
    if q.candidate.trim().is_empty() {
        return Err(bad(
            "nommez le candidat : `?candidate=…`".into(),
            "name the candidate: `?candidate=…`".into(),
        ));
    }
    let deleted = records
        .erase(&q.candidate, q.policy.clone())
        .await
        .map_err(|e| match e {
            EraseError::Pending => ApiError::RecordsPending(Said::new(
                "des décisions prises avant cette demande attendent encore d'être enregistrées (la base est lente ou arrêtée) : réessayez l'effacement plus tard",
                "decisions made before this request are still waiting to be recorded (the store is slow or down): ask for the erasure again later",
            )),
            EraseError::Store(e) => store_failed(e),
        })?;
    state
        .metrics
        .records
        .deleted
        .with_label_values(&["erasure"])
        .inc_by(deleted);
    tracing::info!(
        records = deleted,
        policy = q.policy.as_deref().unwrap_or("*"),
        "administration: a candidate's decision records erased"
    );
    Ok(HttpResponse::Ok().json(Erased { deleted }))
}

/// The public keys that sign the decisions' receipts (a JSON Web Key Set, RFC 7517 and 8037):
/// what `clausier verify` and anyone else checks a receipt against.
#[utoipa::path(
    tag = "records",
    responses(
        (status = 200, description = "The keys (none when the service signs nothing)", body = KeySet),
    )
)]
#[get("/v1/keys")]
pub async fn keys(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    // The key in use first, then those retired (`--retired-keys`), so that older receipts
    // can still be checked.
    let set = KeySet {
        keys: state
            .signer
            .iter()
            .map(|s| s.jwk())
            .chain(state.retired_keys.iter().cloned())
            .collect(),
    };
    let ids: Vec<&str> = set.keys.iter().map(|k| k.kid.as_str()).collect();
    let etag = if ids.is_empty() {
        "none".to_string()
    } else {
        ids.join(".")
    };
    crate::server::routes::cached(&req, &etag, || HttpResponse::Ok().json(set))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_csv_cell_is_quoted_when_it_must_be_and_never_read_as_a_formula() {
        let mut out = String::new();
        let cells = [
            "C-001",
            "a,b",
            "dit \"oui\"",
            "=HYPERLINK(\"x\")",
            "-3",
            "@A1",
        ]
        .map(String::from);
        super::line(&mut out, &cells);
        assert_eq!(
            out,
            "C-001,\"a,b\",\"dit \"\"oui\"\"\",\"'=HYPERLINK(\"\"x\"\")\",'-3,'@A1\r\n"
        );
    }
}
