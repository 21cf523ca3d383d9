//! Liveness and readiness.

use actix_web::{HttpResponse, get, guard, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::server::AppState;
use crate::server::problem::{ApiError, Problem};

/// The answer of the health probes.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: &'static str,
}

/// The process is alive.
#[utoipa::path(tag = "health", responses((status = 200, description = "Alive", body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// Policies are loaded and at least one version is served.
#[utoipa::path(
    tag = "health",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "No policy version is served", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    if state.store.snapshot().has_versions() {
        HttpResponse::Ok().json(Health { status: "ok" })
    } else {
        ApiError::NotReady("no policy version is loaded".into()).into_response()
    }
}

/// `/metrics` as a route of its own, so that the request log names it with the status sent
/// and other methods are answered 405: the metrics middleware answers a `GET` itself, putting
/// the metrics in place of this empty body.
pub fn configure_metrics(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource(crate::server::METRICS_PATH)
            .guard(guard::Get())
            .to(|| async { HttpResponse::Ok().finish() }),
    )
    .service(
        web::resource(crate::server::METRICS_PATH).to(|| async {
            Err::<HttpResponse, _>(ApiError::MethodNotAllowed("GET, HEAD".into()))
        }),
    );
}
