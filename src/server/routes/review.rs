//! For reviewers: the semantic diff of two served versions (with, on request, the line diff of
//! their source files side by side) and the impact of the change on a set of candidates.

use std::time::{Duration, Instant};

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use similar::{Algorithm, DiffOp, capture_diff_slices_deadline, group_diff_ops};
use utoipa::{IntoParams, ToSchema};

use crate::diff::{Impact, PolicyDiff, Replay, render};
use crate::model::CompiledPolicy;
use crate::prepared::Prepared;
use crate::request::Bounds;
use crate::server::AppState;
use crate::server::problem::{ApiError, Problem, parse_json};
use crate::server::routes::{Selector, read_body, select_version};

/// How a diff or an impact is rendered.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ReviewFormat {
    /// The JSON documented on `clausier::diff` (the default).
    #[default]
    Json,
    /// The French text of `clausier diff`, as `text/plain`.
    Text,
    /// Markdown to paste in a review, as `text/markdown`.
    Markdown,
}

/// The query of a diff.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffQuery {
    /// The old version's label.
    #[param(required = true)]
    pub from: Option<String>,
    /// The language of the text and markdown forms: `fr` (the default) or `en`; without it,
    /// `Accept-Language` chooses.
    pub lang: Option<String>,
    /// The new version's label.
    #[param(required = true)]
    pub to: Option<String>,
    /// `json` (default), `text` or `markdown`.
    #[param(inline)]
    pub format: Option<ReviewFormat>,
    /// Add `source_diff`, the line diff of the versions' source files (JSON only).
    #[serde(default)]
    pub sources: bool,
}

/// The semantic diff, and with `sources=true` the line diff of the source files.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiffResponse {
    /// The semantic diff (the fields of `PolicyDiff`, at the top level).
    #[serde(flatten)]
    pub diff: PolicyDiff,
    /// The line diff of the source files of both versions, layers included (root first);
    /// present only with `sources=true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_diff: Option<SourceDiff>,
}

/// The source files of two versions compared line by line, as hunks of side-by-side rows.
///
/// Each side is the concatenation of its files, root layer first; a common layer is equal on
/// both sides and shows only as context. Hunks keep three equal lines around each change.
#[derive(Debug, Serialize, ToSchema, PartialEq)]
pub struct SourceDiff {
    /// The old version's files, root first.
    pub old_files: Vec<String>,
    /// The new version's files, root first.
    pub new_files: Vec<String>,
    /// The changed regions, in order; empty when the texts are equal.
    pub hunks: Vec<SourceHunk>,
}

/// A changed region with its context.
#[derive(Debug, Serialize, ToSchema, PartialEq)]
pub struct SourceHunk {
    /// The rows, in order.
    pub rows: Vec<SourceRow>,
}

/// One row of the side-by-side view.
#[derive(Debug, Serialize, ToSchema, PartialEq)]
pub struct SourceRow {
    /// `equal` (same line on both sides), `removed` (old side only), `added` (new side only) or
    /// `changed` (an old line replaced by a new one).
    pub op: RowOp,
    /// The old line (`null` for `added`).
    pub old: Option<SourceLine>,
    /// The new line (`null` for `removed`).
    pub new: Option<SourceLine>,
}

/// What a row shows.
#[derive(Debug, Clone, Copy, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RowOp {
    /// The same line on both sides.
    Equal,
    /// A line only the old version has.
    Removed,
    /// A line only the new version has.
    Added,
    /// An old line and the new line in its place.
    Changed,
}

/// A line of a source file.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct SourceLine {
    /// The file's name.
    pub file: String,
    /// The line number in that file, from 1.
    pub line: usize,
    /// The line, without its end of line.
    pub text: String,
}

/// The query of an impact.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImpactQuery {
    /// `json` (default), `text` or `markdown`.
    #[param(inline)]
    pub format: Option<ReviewFormat>,
    /// The language of the text and markdown forms: `fr` (the default) or `en`; without it,
    /// `Accept-Language` chooses.
    pub lang: Option<String>,
    /// With `format=text` or `format=markdown`: the whole review in one document, the diff of
    /// the two versions first, then the impact (as `clausier diff --cases` prints it). Refused
    /// with the JSON form.
    #[serde(default)]
    pub with_diff: bool,
}

/// The candidates to replay under two versions.
///
/// `inputs` are bare candidate records, named `#1`, `#2`, … by position in the result; `cases`
/// are named records. Either may be empty; the inputs are replayed first, then the cases.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImpactRequest {
    /// The old version's label.
    pub from: String,
    /// The new version's label.
    pub to: String,
    /// Candidate records, as for a decision.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub inputs: Vec<Json>,
    /// Candidate records with the names the result gives them.
    #[serde(default)]
    pub cases: Vec<NamedCase>,
}

/// A candidate record and its name.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NamedCase {
    /// The name of the case in the result.
    pub name: String,
    /// The candidate's record.
    #[schema(value_type = Object)]
    pub input: Json,
}

/// The two versions a review compares, each by label.
fn versions(
    state: &AppState,
    id: &str,
    from: &str,
    to: &str,
) -> Result<(std::sync::Arc<Prepared>, std::sync::Arc<Prepared>), ApiError> {
    let set = state.store.snapshot();
    let pick = |label: &str| {
        let selector = Selector {
            version: Some(label.to_string()),
            as_of: None,
        };
        select_version(state, &set, id, &selector)
    };
    Ok((pick(from)?, pick(to)?))
}

/// The semantic diff of two versions of a policy (layers resolved): clauses, parameters, rules
/// per conclusion, definitions, input fields, types and header that changed in meaning. With
/// `format=text` or `format=markdown`, the same as `clausier diff` prints; with `sources=true`
/// (JSON), also the line diff of the source files as side-by-side rows.
#[utoipa::path(
    tag = "review",
    params(("id" = String, Path, description = "The policy id"), DiffQuery),
    responses(
        (status = 200, description = "The diff", content(
            (DiffResponse = "application/json"),
            (String = "text/plain"),
            (String = "text/markdown"),
        )),
        (status = 304, description = "Not modified: the `ETag` given in `If-None-Match` is this diff's (the two versions' sha256, the form and the language)"),
        (status = 400, description = "`from` or `to` missing, or a malformed query", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown policy or version", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/policies/{id}/diff")]
pub async fn diff(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    id: web::Path<String>,
    query: web::Query<DiffQuery>,
) -> Result<HttpResponse, ApiError> {
    let lang = crate::server::routes::lang_of(&req)?;
    let query = query.into_inner();
    let from = required(query.from, "from")?;
    let to = required(query.to, "to")?;
    let (old, new) = versions(&state, &id, &from, &to)?;
    let format = query.format.unwrap_or_default();
    // The diff is a function of the two versions' sources, the form asked and its language.
    let etag = format!(
        "{}-{}-{format:?}-{}-{}",
        old.sha256,
        new.sha256,
        query.sources,
        lang.code()
    );
    if crate::server::routes::held(&req, &etag) {
        return Ok(crate::server::routes::tagged(
            HttpResponse::NotModified().finish(),
            &etag,
        ));
    }
    let (old2, new2) = (std::sync::Arc::clone(&old), std::sync::Arc::clone(&new));
    let semantic = web::block(move || crate::diff::diff(&old2, &new2))
        .await
        .map_err(|_| ApiError::Internal)?;
    let answer = match format {
        ReviewFormat::Text => text_response("text/plain", render::text(&semantic, lang)),
        ReviewFormat::Markdown => text_response("text/markdown", render::markdown(&semantic, lang)),
        ReviewFormat::Json => {
            let source_diff = if query.sources {
                let diff = web::block(move || source_diff(&old, &new))
                    .await
                    .map_err(|_| ApiError::Internal)?;
                Some(diff)
            } else {
                None
            };
            HttpResponse::Ok().json(DiffResponse {
                diff: semantic,
                source_diff,
            })
        }
    };
    Ok(crate::server::routes::tagged(answer, &etag))
}

/// The impact of a change of version: every candidate evaluated under both versions, and the
/// conclusions whose status or value differs (with the clauses behind each), counted per
/// conclusion; conclusions only one version has are listed apart (`added`, `removed`) and do
/// not make a case count as changed; candidates a version rejects are listed as invalid, not
/// compared. With `format=markdown&with_diff=true`, the whole review as one document to attach
/// to a circular: the diff, then the impact. The body is limited as a JSON batch of decisions
/// (size, number of candidates, evaluation time).
#[utoipa::path(
    tag = "review",
    params(("id" = String, Path, description = "The policy id"), ImpactQuery),
    request_body = ImpactRequest,
    responses(
        (status = 200, description = "The impact", content(
            (Impact = "application/json"),
            (String = "text/plain"),
            (String = "text/markdown"),
        )),
        (status = 400, description = "Malformed JSON or request (`from` or `to` missing), or `with_diff=true` with the JSON form", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown policy or version", body = Problem, content_type = "application/problem+json"),
        (status = 408, description = "The body did not arrive within the body timeout (the connection is closed)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over the limit, or too many candidates", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The evaluation exceeded its deadline, or a version asked is withheld (`version-withheld`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/policies/{id}/impact")]
pub async fn impact(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    query: web::Query<ImpactQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let lang = crate::server::routes::lang_of(&req)?;
    let format = query.format.unwrap_or_default();
    if query.with_diff && format == ReviewFormat::Json {
        return Err(ApiError::BadRequest(
            "`with_diff=true` gives one document: ask for it with `format=markdown` or `format=text`"
                .into(),
        ));
    }
    let body = read_body(&req, payload, state.limits.batch_body).await?;
    let request: ImpactRequest = parse_json(&body, state.limits.json_depth)?;
    let count = request.inputs.len() + request.cases.len();
    if count > state.limits.batch_len {
        return Err(ApiError::TooManyInputs(state.limits.batch_len));
    }
    let (old, new) = versions(&state, &id, &request.from, &request.to)?;
    let cases: Vec<(String, Json)> = request
        .inputs
        .into_iter()
        .enumerate()
        .map(|(i, input)| (format!("#{}", i + 1), input))
        .chain(request.cases.into_iter().map(|c| (c.name, c.input)))
        .collect();
    let limits = state.limits;
    let with_diff = query.with_diff;
    let (result, semantic) = web::block(move || {
        let impact = replay(&old, &new, cases, limits.bounds(), limits.deadline)?;
        let semantic = with_diff.then(|| crate::diff::diff(&old, &new));
        Ok::<_, ApiError>((impact, semantic))
    })
    .await
    .map_err(|_| ApiError::Internal)??;
    Ok(match (format, semantic) {
        (ReviewFormat::Json, _) => HttpResponse::Ok().json(result),
        (ReviewFormat::Text, Some(d)) => {
            text_response("text/plain", render::report_text(&d, Some(&result), lang))
        }
        (ReviewFormat::Text, None) => {
            text_response("text/plain", render::impact_text(&result, lang))
        }
        (ReviewFormat::Markdown, Some(d)) => text_response(
            "text/markdown",
            render::report_markdown(&d, Some(&result), lang),
        ),
        (ReviewFormat::Markdown, None) => {
            text_response("text/markdown", render::impact_markdown(&result, lang))
        }
    })
}

fn required(value: Option<String>, name: &str) -> Result<String, ApiError> {
    value.filter(|v| !v.is_empty()).ok_or_else(|| {
        ApiError::BadRequest(
            format!("give the version labels to compare: `?from=…&to=…` (`{name}` is missing)")
                .into(),
        )
    })
}

fn text_response(mime: &str, text: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(format!("{mime}; charset=utf-8"))
        .body(text)
}

/// [`crate::diff::impact`] over `cases` one at a time, within `bounds`, giving up past
/// `deadline`.
fn replay(
    old: &Prepared,
    new: &Prepared,
    cases: Vec<(String, Json)>,
    bounds: Bounds,
    deadline: Duration,
) -> Result<Impact, ApiError> {
    let started = Instant::now();
    let mut replay = Replay::new(old, new, bounds);
    for (name, input) in &cases {
        if started.elapsed() > deadline {
            return Err(ApiError::DeadlineExceeded(
                u64::try_from(deadline.as_millis()).unwrap_or(u64::MAX),
            ));
        }
        replay.case(name, input);
    }
    Ok(replay.finish())
}

/// The lines of a version's source files, root layer first, with their file and number.
fn source_lines(p: &CompiledPolicy) -> (Vec<String>, Vec<SourceLine>) {
    let mut files = Vec::new();
    let mut lines = Vec::new();
    for file in p.layer_files.iter().filter_map(|f| p.sources.get(*f)) {
        let name = file
            .path
            .as_ref()
            .and_then(|x| x.file_name())
            .map_or_else(|| file.name.clone(), |n| n.to_string_lossy().into_owned());
        lines.extend(file.text.lines().enumerate().map(|(i, text)| SourceLine {
            file: name.clone(),
            line: i + 1,
            text: text.to_string(),
        }));
        files.push(name);
    }
    (files, lines)
}

/// The line diff of the sources of `old` and `new`, in hunks of side-by-side rows.
pub fn source_diff(old: &CompiledPolicy, new: &CompiledPolicy) -> SourceDiff {
    let (old_files, old_lines) = source_lines(old);
    let (new_files, new_lines) = source_lines(new);
    let a: Vec<&str> = old_lines.iter().map(|l| l.text.as_str()).collect();
    let b: Vec<&str> = new_lines.iter().map(|l| l.text.as_str()).collect();
    // A diff of huge texts stops refining after the deadline; the result stays a valid diff.
    let deadline = Instant::now() + Duration::from_secs(2);
    let ops = capture_diff_slices_deadline(Algorithm::Patience, &a, &b, Some(deadline));
    let hunks = group_diff_ops(ops, 3)
        .into_iter()
        .map(|group| SourceHunk {
            rows: group
                .iter()
                .flat_map(|op| rows(op, &old_lines, &new_lines))
                .collect(),
        })
        .collect();
    SourceDiff {
        old_files,
        new_files,
        hunks,
    }
}

/// The rows of one diff operation: a replacement pairs old and new lines while both last.
fn rows(op: &DiffOp, old: &[SourceLine], new: &[SourceLine]) -> Vec<SourceRow> {
    let (_, old_range, new_range) = op.as_tag_tuple();
    let equal = matches!(op, DiffOp::Equal { .. });
    let olds = old.get(old_range).unwrap_or_default();
    let news = new.get(new_range).unwrap_or_default();
    (0..olds.len().max(news.len()))
        .map(|i| {
            let o = olds.get(i).cloned();
            let n = news.get(i).cloned();
            let op = match (&o, &n, equal) {
                (Some(_), Some(_), true) => RowOp::Equal,
                (Some(_), Some(_), false) => RowOp::Changed,
                (Some(_), None, _) => RowOp::Removed,
                _ => RowOp::Added,
            };
            SourceRow { op, old: o, new: n }
        })
        .collect()
}

#[cfg(test)]
#[expect(clippy::indexing_slicing, reason = "tests assert by panicking")]
mod tests {
    use super::*;

    fn lines(file: &str, texts: &[&str]) -> Vec<SourceLine> {
        texts
            .iter()
            .enumerate()
            .map(|(i, t)| SourceLine {
                file: file.into(),
                line: i + 1,
                text: (*t).into(),
            })
            .collect()
    }

    #[test]
    fn a_replacement_pairs_lines_while_both_sides_last() {
        let old = lines("a", &["x", "y"]);
        let new = lines("b", &["x2", "y2", "z2"]);
        let op = DiffOp::Replace {
            old_index: 0,
            old_len: 2,
            new_index: 0,
            new_len: 3,
        };
        let ops: Vec<RowOp> = rows(&op, &old, &new).iter().map(|r| r.op).collect();
        assert_eq!(ops, [RowOp::Changed, RowOp::Changed, RowOp::Added]);
        let equal = DiffOp::Equal {
            old_index: 1,
            new_index: 0,
            len: 1,
        };
        let row = rows(&equal, &old, &new);
        assert_eq!(row.len(), 1);
        assert_eq!(row[0].op, RowOp::Equal);
        assert_eq!(row[0].old.as_ref().map(|l| l.line), Some(2));
        let deleted = DiffOp::Delete {
            old_index: 0,
            old_len: 2,
            new_index: 0,
        };
        assert!(
            rows(&deleted, &old, &new)
                .iter()
                .all(|r| r.op == RowOp::Removed && r.new.is_none())
        );
    }
}
