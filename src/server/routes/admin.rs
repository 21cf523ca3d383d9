//! Administration: upload or delete a version, reload now. Behind a bearer token compared in
//! constant time; without a configured token these routes answer 404 as if absent. Every
//! action is logged.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use actix_web::{HttpMessage as _, HttpRequest, HttpResponse, delete, post, put, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::load::check_texts;
use crate::server::AppState;
use crate::server::clients::Route;
use crate::server::clients::gate::Caller;
use crate::server::problem::{ApiError, Problem, Said};
use crate::server::routes::read_body;
use crate::server::store::FileDiagnostic;

/// The outcome of an upload or a deletion.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionWritten {
    /// The policy id.
    pub id: String,
    /// The version label.
    pub version: String,
    /// `created`, `updated` or `deleted`.
    pub action: String,
    /// The sha256 of the version now served (none after a deletion).
    pub sha256: Option<String>,
    /// Warnings of the checker about the uploaded text.
    pub warnings: Vec<FileDiagnostic>,
}

/// What an upload did, read under the administration lock.
struct Written {
    warnings: Vec<FileDiagnostic>,
    existed: bool,
    sha256: Option<String>,
}

/// The outcome of a reload.
#[derive(Debug, Serialize, ToSchema)]
pub struct Reloaded {
    /// Versions served after the reload.
    pub versions: usize,
    /// Files that fail the check (their last good version, if any, is still served).
    pub failed_files: usize,
}

/// The query of an upload.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AcceptQuery {
    /// Write and serve the text although some of the policy's examples fail with it (the
    /// failures are logged); without it, such a text is refused (422, the failures listed as
    /// `example-failed` diagnostics).
    #[serde(default)]
    pub accept_failing_examples: bool,
    /// Write the text although it makes a version in force a draft again, withdrawing it from
    /// force (logged); without it, such a text is refused (409).
    #[serde(default)]
    pub withdraw: bool,
}

/// Checks the bearer token; 404 when none is configured, 401 when it is missing or wrong.
fn authorize(state: &AppState, req: &HttpRequest) -> Result<(), ApiError> {
    authorize_with(state, state.admin_token.as_ref(), req, Route::Admin)
}

/// Checks the bearer token against `expected` (the token of the `route` routes), or, with
/// client identity on, that the gate admitted the request as a client allowed `route`; 404
/// when neither is configured (the routes do not exist), 401 otherwise.
pub fn authorize_with(
    state: &AppState,
    expected: Option<&Arc<str>>,
    req: &HttpRequest,
    route: Route,
) -> Result<(), ApiError> {
    let admitted = req
        .extensions()
        .get::<Caller>()
        .is_some_and(|caller| caller.route == route);
    if admitted {
        return Ok(());
    }
    if expected.is_none() && state.identity.is_some() {
        tracing::warn!(path = %req.path(), routes = route.as_str(), "request refused: no client allowed these routes");
        return Err(ApiError::Unidentified);
    }
    let Some(expected) = expected else {
        return Err(ApiError::NotFound(Said::new(
            "aucune route ne correspond",
            "no such route",
        )));
    };
    let given = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer)
        .unwrap_or("");
    if constant_time_eq::constant_time_eq(given.as_bytes(), expected.as_bytes()) {
        Ok(())
    } else {
        tracing::warn!(path = %req.path(), routes = route.as_str(), "request refused: bad or missing token");
        Err(ApiError::Unauthorized)
    }
}

/// The token of an `Authorization` value of the `Bearer` scheme, whose name is
/// case-insensitive (RFC 9110 §11.1).
pub(crate) fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim_start().split_once([' ', '\t'])?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim_matches([' ', '\t']))
}

/// Runs `write` holding the administration lock: checks, writes and reloads of two requests
/// never interleave. A poisoned lock (a write that panicked) is taken over: the folder on disk
/// is the truth, and the next reload reads it.
fn serialized<T>(lock: &std::sync::Mutex<()>, write: impl FnOnce() -> T) -> T {
    let _held = lock
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    write()
}

/// Logs the cause of a failure the client sees as a bare 500.
fn internal(what: &str, cause: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %cause, "administration: {what}");
    ApiError::Internal
}

/// Policy ids and version labels name files: `[a-z0-9][a-z0-9._-]*`, no `..`.
fn valid_name(what: &str, name: &str) -> Result<(), ApiError> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let rest_ok =
        chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if first_ok && rest_ok && !name.contains("..") && name.len() <= 100 {
        Ok(())
    } else {
        Err(ApiError::BadRequest(Said::new(
            format!(
                "`{name}` n'est pas un nom valide : lettres minuscules, chiffres, `.`, `_` et `-`"
            ),
            format!(
                "`{name}` is not a valid {what}: use lowercase letters, digits, `.`, `_` and `-`"
            ),
        )))
    }
}

/// Removes the temporary files that an upload interrupted mid-write (a killed process) left
/// in the policy folders under `root` (`.<file>.policy.<uuid>.tmp`, never read as policies);
/// returns how many. Run once at start, before anything is served or written.
pub fn remove_stale_temporaries(root: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(root) else {
        return 0;
    };
    let dirs = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .chain(std::iter::once(root.to_path_buf()));
    let mut removed = 0;
    for dir in dirs {
        let Ok(files) = std::fs::read_dir(&dir) else {
            continue;
        };
        for file in files.filter_map(Result::ok) {
            let name = file.file_name().to_string_lossy().into_owned();
            let ours = name.starts_with('.') && name.ends_with(".tmp") && name.contains(".policy.");
            if ours && file.path().is_file() && std::fs::remove_file(file.path()).is_ok() {
                tracing::info!(file = %name, "removed a temporary file left by an interrupted upload");
                removed += 1;
            }
        }
    }
    removed
}

fn diagnostics_of(folder: &crate::load::PolicyFolder, path: &Path) -> Vec<FileDiagnostic> {
    let ids: Vec<_> = folder
        .sources
        .files()
        .filter(|(_, f)| f.path.as_deref() == Some(path))
        .map(|(id, _)| id)
        .collect();
    folder
        .all_diagnostics()
        .filter(|d| d.span.is_none_or(|s| ids.contains(&s.file)) || d.is_error())
        .map(|d| FileDiagnostic {
            severity: d.severity,
            code: d.code.to_string(),
            message: d.message.clone(),
            location: d.location(&folder.sources),
            rendered: d.render(&folder.sources, false),
        })
        .collect()
}

/// The policy texts of folder `id` as the service reads them (named relative to the policies
/// root; links leading outside it are not read), but for `except`.
fn folder_texts(
    store: &crate::server::store::Store,
    id: &str,
    except: &Path,
) -> Result<Vec<(String, Option<PathBuf>, String)>, ApiError> {
    let folders = store
        .tree()
        .read()
        .folders
        .map_err(|e| internal("cannot read the policies folder", e))?;
    let Some(folder) = folders.into_iter().find(|f| f.id == id) else {
        return Ok(Vec::new());
    };
    let files = folder
        .files
        .map_err(|e| internal(&format!("cannot read the folder of `{id}`"), e))?;
    Ok(files
        .texts
        .into_iter()
        .filter(|t| t.path != except)
        .map(|t| (t.name, Some(t.path), t.text))
        .collect())
}

/// Checks the folder as it would be with `text` in `path`: the new file and every version that
/// extends it must pass. Files are named relative to the policies root, as the service shows
/// them.
fn check_with(
    store: &crate::server::store::Store,
    (id, label): (&str, &str),
    path: &Path,
    text: &str,
) -> Result<crate::load::PolicyFolder, ApiError> {
    let mut texts = folder_texts(store, id, path)?;
    texts.push((
        format!("{id}/{label}.policy"),
        Some(path.to_path_buf()),
        text.to_string(),
    ));
    Ok(check_texts(crate::load::folder_of(path), texts))
}

// Declared as bytes, which is what it is to a client, and how client generators send a body
// they do not read (openapi-python-client, with `application/octet-stream` for `text/plain`).
/// A policy file's text, in UTF-8.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[expect(
    dead_code,
    reason = "a schema for the document only: the body is read as bytes"
)]
struct PolicyText(String);

/// Uploads the text of a version (`text/plain`), checked with the rest of its folder before it
/// is written; on failure nothing is written and the diagnostics come back.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The policy id"), ("version" = String, Path, description = "The version label"), AcceptQuery),
    request_body(content = PolicyText, content_type = "text/plain", description = "The policy file"),
    responses(
        (status = 200, description = "Written and served", body = VersionWritten),
        (status = 400, description = "Invalid id, label or text encoding", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or wrong bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Administration is off (no token configured)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over the limit", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The text makes a version in force a draft again, and `withdraw=true` was not given", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The policy fails the check, or makes some of its examples fail (`example-failed`, unless `accept_failing_examples=true`); nothing was written", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/v1/policies/{id}/versions/{version}")]
pub async fn put_version(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    authorize(&state, &req)?;
    let (id, label) = path.into_inner();
    valid_name("policy id", &id)?;
    valid_name("version label", &label)?;
    let body = read_body(&req, payload, state.limits.policy_body).await?;
    let text = String::from_utf8(body.to_vec()).map_err(|_| {
        ApiError::BadRequest(Said::new(
            "le texte du règlement n'est pas en UTF-8",
            "the policy text is not UTF-8",
        ))
    })?;
    let (accept_failing, withdraw) = web::Query::<AcceptQuery>::from_query(req.query_string())
        .map(|q| (q.accept_failing_examples, q.withdraw))
        .map_err(|_| {
            ApiError::BadRequest(Said::new(
                "`accept_failing_examples` et `withdraw` valent `true` ou `false`",
                "`accept_failing_examples` and `withdraw` are `true` or `false`",
            ))
        })?;
    let dir = state.store.root().join(&id);
    let file: PathBuf = dir.join(format!("{label}.policy"));
    let store = std::sync::Arc::clone(&state.store);
    let lock = std::sync::Arc::clone(&state.admin_lock);
    let (id2, label2, file2, dir2) = (id.clone(), label.clone(), file.clone(), dir.clone());
    // What the answer says (created or updated, the sha256 served) is read under the lock too,
    // so that two uploads of one version at once each report their own.
    let outcome = web::block(move || serialized(&lock, || -> Result<Written, ApiError> {
        let existed = file2.exists();
        let folder = check_with(&store, (&id2, &label2), &file2, &text)?;
        let mine = folder.files.iter().find(|f| folder.sources.get(f.file).and_then(|s| s.path.as_deref()) == Some(file2.as_path()));
        if let Some(f) = mine {
            let header = &f.policy.header;
            if header.policy.node != id2 || header.version.node != label2 {
                return Err(ApiError::BadRequest(Said::new(
                    format!(
                        "le texte déclare le règlement `{}` version `{}`, mais le chemin nomme le règlement `{id2}` version `{label2}`",
                        header.policy.node, header.version.node
                    ),
                    format!(
                        "the text declares policy `{}` version `{}`, but the path names policy `{id2}` version `{label2}`",
                        header.policy.node, header.version.node
                    ),
                )));
            }
        }
        let diagnostics = diagnostics_of(&folder, &file2);
        if !folder.is_ok() {
            return Err(ApiError::InvalidPolicy(diagnostics));
        }
        // The examples are the gate: a text that brings into force a version whose examples
        // fail (this one, or one that extends it) is refused, unless the publisher accepts the
        // failures in so many words.
        let snapshot = store.snapshot();
        let in_force = snapshot.policies.get(&id2).and_then(|p| p.versions.get(&label2));
        // Made a draft again, a version in force leaves force: only when asked in so many words.
        let withdrawn = in_force.is_some_and(|v| !v.draft)
            && folder.version(&label2).is_some_and(|v| v.draft);
        if withdrawn && !withdraw {
            return Err(ApiError::Conflict(Said::new(
                format!("ce texte fait de la version `{label2}` un projet : elle ne serait plus en vigueur ; ajoutez `?withdraw=true` pour la retirer"),
                format!("this text makes version `{label2}` a draft: it would no longer be in force; add `?withdraw=true` to withdraw it"),
            )));
        }
        if withdrawn {
            tracing::warn!(policy = %id2, version = %label2, "administration: version withdrawn from force (made a draft, withdraw=true)");
        }
        let served: std::collections::HashMap<String, String> = snapshot
            .policies
            .get(&id2)
            .map(|p| p.versions.iter().map(|(l, v)| (l.clone(), v.sha256.clone())).collect())
            .unwrap_or_default();
        let refused = crate::gate::refused_changes(&folder, &served);
        if !refused.is_empty() {
            let failures: Vec<FileDiagnostic> = refused
                .values()
                .flatten()
                .map(|f| crate::server::store::example_failed(&folder.dir, f))
                .collect();
            if !accept_failing {
                return Err(ApiError::InvalidPolicy(failures));
            }
            tracing::warn!(policy = %id2, version = %label2, failing = failures.len(), "administration: upload accepted with failing examples (accept_failing_examples=true)");
            // The acceptance is kept beside the files, for these texts alone, and written
            // first: the service then serves them after a restart, and so does any replica.
            crate::gate::accept_refused(&folder, &refused, "administration API")
                .map_err(|e| internal(&format!("cannot record the acceptance in {}", dir2.display()), e))?;
        }
        crate::load::write_atomically(&file2, &text)
            .map_err(|e| internal(&format!("cannot write {}", file2.display()), e))?;
        store.reload_written();
        let sha256 = store
            .snapshot()
            .policies
            .get(&id2)
            .and_then(|p| p.versions.get(&label2))
            .map(|v| v.sha256.clone());
        Ok(Written {
            warnings: diagnostics,
            existed,
            sha256,
        })
    }))
    .await
    .map_err(|e| internal("the upload's task failed", e))?;
    let Written {
        warnings,
        existed,
        sha256,
    } = match outcome {
        Ok(w) => w,
        Err(e) => {
            tracing::warn!(policy = %id, version = %label, "administration: upload refused: {e}");
            return Err(e);
        }
    };
    let action = if existed { "updated" } else { "created" };
    tracing::info!(policy = %id, version = %label, action, sha256 = sha256.as_deref().unwrap_or(""), "administration: version written");
    Ok(HttpResponse::Ok().json(VersionWritten {
        id,
        version: label,
        action: action.into(),
        sha256,
        warnings,
    }))
}

/// Deletes a version's file; refused while other versions extend it.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The policy id"), ("version" = String, Path, description = "The version label")),
    responses(
                (status = 200, description = "Deleted", body = VersionWritten),
        (status = 400, description = "Invalid id or label", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or wrong bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such version, or administration is off", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Other versions extend it", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/v1/policies/{id}/versions/{version}")]
pub async fn delete_version(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    authorize(&state, &req)?;
    let (id, label) = path.into_inner();
    valid_name("policy id", &id)?;
    valid_name("version label", &label)?;
    let dir = state.store.root().join(&id);
    let store = std::sync::Arc::clone(&state.store);
    let lock = std::sync::Arc::clone(&state.admin_lock);
    let (id2, label2) = (id.clone(), label.clone());
    web::block(move || serialized(&lock, || delete_file(&store, &dir, &id2, &label2)))
        .await
        .map_err(|e| internal("the deletion's task failed", e))??;
    tracing::info!(policy = %id, version = %label, "administration: version deleted");
    Ok(HttpResponse::Ok().json(VersionWritten {
        id,
        version: label,
        action: "deleted".into(),
        sha256: None,
        warnings: Vec::new(),
    }))
}

/// Reloads every policy now (the service also reloads on its own when files change).
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    responses(
                (status = 200, description = "Reloaded", body = Reloaded),
        (status = 401, description = "Missing or wrong bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Administration is off", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/admin/reload")]
pub async fn reload(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    authorize(&state, &req)?;
    let store = std::sync::Arc::clone(&state.store);
    let lock = std::sync::Arc::clone(&state.admin_lock);
    let summary = web::block(move || serialized(&lock, || store.reload()))
        .await
        .map_err(|e| internal("the reload's task failed", e))?;
    let result = if summary.failed_files == 0 {
        "ok"
    } else {
        "failed"
    };
    state.metrics.reloads.with_label_values(&[result]).inc();
    tracing::info!(
        versions = summary.versions,
        failed_files = summary.failed_files,
        "administration: reload"
    );
    Ok(HttpResponse::Ok().json(Reloaded {
        versions: summary.versions,
        failed_files: summary.failed_files,
    }))
}

/// Deletes version `label` of policy `id` from `dir` and reloads, unless a file of the folder
/// (served or not: one in error still names it) extends it.
fn delete_file(
    store: &crate::server::store::Store,
    dir: &Path,
    id: &str,
    label: &str,
) -> Result<(), ApiError> {
    let file = dir.join(format!("{label}.policy"));
    if !file.is_file() {
        return Err(ApiError::NotFound(Said::new(
            format!("le règlement `{id}` n'a pas de fichier de version `{label}.policy`"),
            format!("policy `{id}` has no version file `{label}.policy`"),
        )));
    }
    // Versions extend the version a file declares, whatever the file's name.
    let declared = std::fs::read_to_string(&file)
        .ok()
        .and_then(|t| crate::syntax::header_labels(&t))
        .map_or_else(|| label.to_string(), |(version, _)| version);
    let mut dependents: Vec<String> = Vec::new();
    for (_, _, text) in folder_texts(store, id, &file)? {
        if let Some((version, Some(extends))) = crate::syntax::header_labels(&text)
            && extends == declared
        {
            dependents.push(version);
        }
    }
    if !dependents.is_empty() {
        dependents.sort();
        let list = dependents.join(", ");
        return Err(ApiError::Conflict(Said::new(
            format!(
                "les versions {list} étendent `{declared}` : supprimez-les ou modifiez-les d'abord"
            ),
            format!("versions {list} extend `{declared}`: delete or change them first"),
        )));
    }
    std::fs::remove_file(&file)
        .map_err(|e| internal(&format!("cannot delete {}", file.display()), e))?;
    store.reload_written();
    Ok(())
}
