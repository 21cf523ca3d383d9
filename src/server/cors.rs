//! Cross-origin requests (CORS), off unless origins are configured (`--cors-origin`): a web
//! application served from one of them may then call the API from a browser.
//!
//! No credentials are involved (the service sets no cookie; the administration's bearer token
//! is an ordinary header), so `Access-Control-Allow-Credentials` is never sent.

use actix_cors::{Cors, CorsError};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;

use crate::server::problem::{ApiError, Said};
use crate::server::routes::{RequestId, lang_of};

/// How long a browser may keep a preflight's answer, in seconds (Chromium keeps it two hours
/// at most, Firefox a day).
pub const MAX_AGE: usize = 7200;

/// The answer headers a page may read besides the CORS-safelisted ones. A new `Clausier-*`
/// header belongs here too.
pub const EXPOSED: [&str; 6] = [
    "etag",
    "x-request-id",
    "location",
    "allow",
    "clausier-policy-set",
    "retry-after",
];

/// Checks an origin as the service is told it (`--cors-origin`): `*`, or `scheme://host` with
/// an optional port and nothing after it, as browsers send `Origin`. The origin, normalised
/// (lower case), or why it is refused.
pub fn check_origin(origin: &str) -> Result<String, String> {
    let origin = origin.trim();
    if origin == "*" {
        return Ok(origin.to_string());
    }
    let lower = origin.to_ascii_lowercase();
    let Some((scheme, rest)) = lower.split_once("://") else {
        return Err(format!(
            "`{origin}` is not an origin: write it as a browser sends it, `https://host` or `https://host:port`"
        ));
    };
    let host_ok = !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    let scheme_ok = !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok || !host_ok {
        return Err(format!(
            "`{origin}` is not an origin: only `scheme://host[:port]`, without a path or a final `/` (a browser's `Origin` never has one, so it would never match)"
        ));
    }
    Ok(lower)
}

/// The CORS middleware for `origins` (checked with [`check_origin`]; `*` allows every origin).
/// Preflights are answered with the methods the service offers (the administration's `PUT`
/// and `DELETE` only when `admin` is on) and the request headers it reads (`Authorization`
/// when `admin` is on, and `X-Api-Key` too with client identity, `keys`).
pub fn middleware(origins: &[String], admin: bool, keys: bool) -> Cors {
    let mut cors = Cors::default();
    if origins.iter().any(|o| o == "*") {
        cors = cors.allow_any_origin().send_wildcard();
    } else {
        for origin in origins {
            cors = cors.allowed_origin(origin);
        }
    }
    let mut methods = vec!["GET", "HEAD", "POST"];
    let mut headers = vec![
        header::CONTENT_TYPE,
        header::ACCEPT,
        header::ACCEPT_LANGUAGE,
        header::IF_NONE_MATCH,
        header::HeaderName::from_static("x-request-id"),
    ];
    if admin {
        methods.extend(["PUT", "DELETE"]);
        headers.push(header::AUTHORIZATION);
    }
    if keys {
        headers.push(header::HeaderName::from_static("x-api-key"));
    }
    cors.allowed_methods(methods)
        .allowed_headers(headers)
        .expose_headers(EXPOSED)
        .max_age(MAX_AGE)
}

/// Says a refused preflight (an origin, a method or a header not allowed) as a problem
/// document, as every other error; the CORS middleware would answer it in plain text.
pub async fn problems(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let res = next.call(req).await?;
    let refused = res
        .response()
        .error()
        .and_then(|e| e.as_error::<CorsError>())
        .map(|e| {
            let request = res.request();
            let lang = lang_of(request).unwrap_or_default();
            let id = actix_web::HttpMessage::extensions(request)
                .get::<RequestId>()
                .map(|id| id.0.clone());
            refusal(e).response_for(lang, id.as_deref())
        });
    Ok(match refused {
        Some(mut response) => {
            // Caches keep one answer per origin.
            response
                .headers_mut()
                .append(header::VARY, header::HeaderValue::from_static("Origin"));
            res.into_response(response)
        }
        None => res.map_into_boxed_body(),
    })
}

/// The problem for a refused cross-origin request.
fn refusal(e: &CorsError) -> ApiError {
    let (fr, en) = match e {
        CorsError::OriginNotAllowed => (
            "cette origine n'est pas autorisée à interroger le service (`--cors-origin`)",
            "this origin may not call the service (`--cors-origin`)",
        ),
        CorsError::MethodNotAllowed => (
            "cette méthode n'est pas offerte aux autres origines",
            "this method is not offered to other origins",
        ),
        CorsError::HeadersNotAllowed => (
            "un des en-têtes demandés n'est pas accepté des autres origines",
            "a requested header is not accepted from other origins",
        ),
        _ => (
            "la requête préalable (CORS) est incomplète ou invalide",
            "the preflight request (CORS) is incomplete or invalid",
        ),
    };
    ApiError::BadRequest(Said::new(fr, en))
}
