//! The routes, one module per resource, and what they share: reading bodies within limits,
//! choosing a version, the 405 fallbacks and the request log.

pub mod admin;
pub mod decisions;
pub mod health;
pub mod interview;
pub mod policies;
pub mod review;
pub mod ui;

use std::sync::Arc;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use futures_util::StreamExt;
use utoipa::openapi::OpenApi;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_swagger_ui::SwaggerUi;

use crate::prepared::Prepared;
use crate::server::AppState;
use crate::server::problem::ApiError;
use crate::server::store::PolicySet;

/// Registers every documented route.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(decisions::decide)
        .service(decisions::batch)
        .service(interview::interview)
        .service(policies::list)
        .service(policies::version_view)
        .service(policies::schema)
        .service(review::diff)
        .service(review::impact)
        .service(health::healthz)
        .service(health::readyz)
        .service(admin::put_version)
        .service(admin::delete_version)
        .service(admin::reload);
}

/// `/openapi.json` and the browsable UI at `/docs/` (assets served from the binary).
pub fn configure_docs(cfg: &mut web::ServiceConfig, api: &Arc<OpenApi>) {
    cfg.service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", (**api).clone()))
        .route(
            "/docs",
            web::get().to(|| async {
                HttpResponse::PermanentRedirect()
                    .insert_header(("Location", "/docs/"))
                    .finish()
            }),
        );
}

/// For each documented path, a last resource that answers 405 with `Allow` to the methods the
/// path does not serve (registered after the real routes, so it only sees the others).
pub fn method_fallbacks(api: &OpenApi) -> impl FnOnce(&mut web::ServiceConfig) + use<> {
    let paths: Vec<(String, String)> = api
        .paths
        .paths
        .iter()
        .map(|(path, item)| {
            let mut methods: Vec<&str> = Vec::new();
            if item.get.is_some() {
                methods.extend(["GET", "HEAD"]);
            }
            if item.post.is_some() {
                methods.push("POST");
            }
            if item.put.is_some() {
                methods.push("PUT");
            }
            if item.delete.is_some() {
                methods.push("DELETE");
            }
            (path.clone(), methods.join(", "))
        })
        .collect();
    move |cfg: &mut web::ServiceConfig| {
        for (path, allow) in paths {
            cfg.service(web::resource(path).to(move || {
                let allow = allow.clone();
                async move { ApiError::MethodNotAllowed(allow).into_response() }
            }));
        }
    }
}

/// Logs one line per request: its id, method, route, status and latency. The id is also
/// returned in `x-request-id`.
pub async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.len() <= 128)
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_string);
    let method = req.method().to_string();
    let route = req.match_pattern().unwrap_or_else(|| "UNKNOWN".to_string());
    let mut res = next.call(req).await?;
    let status = res.status().as_u16();
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&id) {
        res.headers_mut().insert(
            actix_web::http::header::HeaderName::from_static("x-request-id"),
            value,
        );
    }
    tracing::info!(request_id = %id, %method, %route, status, latency_ms, "request");
    Ok(res)
}

/// Reads a whole body, refusing more than `limit` bytes (413) before reading it when the
/// client announced its length.
pub async fn read_body(
    req: &actix_web::HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<web::Bytes, ApiError> {
    let announced = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if announced.is_some_and(|n| n > limit) {
        return Err(ApiError::PayloadTooLarge(limit));
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::BadRequest(format!("the body could not be read: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

pub use crate::request::Selector;

/// The version of policy `id` a request selects: by label, by date, or in force today.
pub fn select_version(
    state: &AppState,
    set: &PolicySet,
    id: &str,
    selector: &Selector,
) -> Result<Arc<Prepared>, ApiError> {
    let entry = set
        .policies
        .get(id)
        .ok_or_else(|| ApiError::NotFound(format!("there is no policy `{id}`")))?;
    match (&selector.version, selector.as_of) {
        (Some(label), _) => {
            entry.versions.get(label).cloned().ok_or_else(|| {
                ApiError::NotFound(format!("policy `{id}` has no version `{label}`"))
            })
        }
        (None, date) => {
            let date = date.unwrap_or_else(|| (state.today)());
            let chosen =
                crate::load::select(entry.compiled(), None, date).map(|p| p.version.clone());
            chosen
                .and_then(|label| entry.versions.get(&label).cloned())
                .ok_or_else(|| {
                    ApiError::NotFound(format!("no version of policy `{id}` is in force on {date}"))
                })
        }
    }
}
