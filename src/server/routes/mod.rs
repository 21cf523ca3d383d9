//! The routes, one module per resource, and what they share: reading bodies within limits,
//! choosing a version, the 405 fallbacks and the request log.

pub mod admin;
pub mod decisions;
pub mod docs;
pub mod health;
pub mod interview;
pub mod policies;
pub mod records;
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

use crate::prepared::Prepared;
use crate::server::AppState;
use crate::server::problem::{ApiError, Said};
use crate::server::store::PolicySet;

/// Registers every documented route.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(decisions::decide)
        .service(decisions::batch)
        .service(interview::interview)
        .service(policies::list)
        .service(policies::version_view)
        .service(policies::schema)
        .service(policies::decision_schema)
        .service(review::diff)
        .service(review::impact)
        .service(health::healthz)
        .service(health::readyz)
        .service(admin::put_version)
        .service(admin::delete_version)
        .service(admin::reload)
        .service(records::get_decision)
        .service(records::list_decisions)
        .service(records::erase)
        .service(records::replay)
        .service(records::policy_text)
        .service(records::keys);
}

/// `/openapi.json` and the documentation page at `/docs/` (see [`docs`]), made once here.
///
/// Every URL the page uses is relative, so that it works wherever a proxy mounts the service
/// (`/clausier/docs/` links `/clausier/docs/openapi.json`): beside the page is a copy of the
/// document, `docs/openapi.json`, which names the service as `servers: [{"url": ".."}]` (the
/// folder above the document's), so that a tool given that address calls the service where the
/// page was found. The document itself, `/openapi.json`, names no server, as before.
pub fn configure_docs(cfg: &mut web::ServiceConfig, api: &Arc<OpenApi>) {
    let mut for_docs = (**api).clone();
    for_docs.servers = Some(vec![
        utoipa::openapi::server::ServerBuilder::new()
            .url("..")
            .description(Some("this service, where the documentation page was found"))
            .build(),
    ]);
    let document = web::Bytes::from(serde_json::to_vec(&**api).unwrap_or_default());
    let for_docs = web::Bytes::from(serde_json::to_vec(&for_docs).unwrap_or_default());
    let pages = Arc::new(docs::DocsPages::new(
        &serde_json::to_value(&**api).unwrap_or_default(),
    ));
    // The document changes only with the binary: its hash is its tag.
    let etag = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&document));
    cfg.route(
        "/openapi.json",
        web::get().to(move |req: actix_web::HttpRequest| {
            let (document, etag) = (document.clone(), etag.clone());
            async move {
                cached(&req, &etag, || {
                    HttpResponse::Ok()
                        .content_type("application/json")
                        .body(document)
                })
            }
        }),
    )
    .route(
        "/docs/openapi.json",
        web::get().to(move || {
            let for_docs = for_docs.clone();
            async move {
                HttpResponse::Ok()
                    .content_type("application/json")
                    .body(for_docs)
            }
        }),
    )
    .route(
        "/docs/",
        web::get().to(move |req: actix_web::HttpRequest| {
            let pages = Arc::clone(&pages);
            async move {
                let lang = lang_of(&req)?;
                let mut res = ui::own_page();
                in_lang(&mut res, lang);
                Ok::<_, ApiError>(
                    res.content_type("text/html; charset=utf-8")
                        .body(pages.page(lang).to_string()),
                )
            }
        }),
    )
    .route("/docs", web::get().to(|| relative_redirect("docs/")));
}

/// A permanent redirect to `to`, relative to the request's path (`/docs` to `docs/`, which is
/// `/clausier/docs/` behind a proxy that mounts the service at `/clausier/`).
pub async fn relative_redirect(to: &'static str) -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((actix_web::http::header::LOCATION, to))
        .finish()
}

/// Documents the errors any operation may answer besides those it lists: every operation gets
/// a `default` response, a problem document (a path no route serves is 404, a method its path
/// does not serve is 405 with `Allow`, and a failure of the service is 500).
pub fn document_errors(api: &mut OpenApi) {
    let default = problem_response(
        "Any other error, as an RFC 9457 problem document: 404 for a path no route serves, \
         405 for a method the path does not serve (with `Allow`: the methods it does), \
         500 for a failure of the service (without its details)",
    );
    for item in api.paths.paths.values_mut() {
        for operation in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            operation
                .responses
                .responses
                .entry("default".to_string())
                .or_insert_with(|| default.clone().into());
        }
    }
}

/// A response of the OpenAPI document that is a problem document, described as `description`.
pub fn problem_response(description: &str) -> utoipa::openapi::Response {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
}

/// For each documented path, a last resource that answers 405 with `Allow` to the methods the
/// path does not serve (registered after the real routes, so it only sees the others). With
/// `admin` off, the administration's operations are not offered (a path left with none answers
/// 404, as routes that do not exist).
pub fn method_fallbacks(
    api: &OpenApi,
    admin: bool,
) -> impl FnOnce(&mut web::ServiceConfig) + use<> {
    let offered = |op: &Option<utoipa::openapi::path::Operation>| {
        op.as_ref().is_some_and(|op| {
            admin
                || !op
                    .tags
                    .as_ref()
                    .is_some_and(|tags| tags.iter().any(|t| t == "admin"))
        })
    };
    let paths: Vec<(String, String)> = api
        .paths
        .paths
        .iter()
        .filter_map(|(path, item)| {
            let mut methods: Vec<&str> = Vec::new();
            if offered(&item.get) {
                methods.extend(["GET", "HEAD"]);
            }
            if offered(&item.post) {
                methods.push("POST");
            }
            if offered(&item.put) {
                methods.push("PUT");
            }
            if offered(&item.delete) {
                methods.push("DELETE");
            }
            (!methods.is_empty()).then(|| (path.clone(), methods.join(", ")))
        })
        .collect();
    move |cfg: &mut web::ServiceConfig| {
        for (path, allow) in paths {
            cfg.service(web::resource(path).to(move || {
                let allow = allow.clone();
                async move { Err::<HttpResponse, _>(ApiError::MethodNotAllowed(allow)) }
            }));
        }
    }
}

/// Answers `HEAD` as `GET` (RFC 9110 §9.3.2): the route, the status and the headers are those
/// of the `GET`. The HTTP layer, which read the request as a `HEAD`, sends no body and keeps
/// the `Content-Length` the body would have.
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method() == actix_web::http::Method::HEAD {
        req.head_mut().method = actix_web::http::Method::GET;
    }
    next.call(req).await
}

/// Says every error in the request's language (see [`lang_of`]): a handler's error is a
/// problem document, rendered again here in French or English.
pub async fn speak(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let lang = lang_of(req.request()).unwrap_or_default();
    let id = actix_web::HttpMessage::extensions(&req)
        .get::<RequestId>()
        .map(|id| id.0.clone());
    let res = next.call(req).await?;
    let said = res
        .response()
        .error()
        .and_then(|e| e.as_error::<ApiError>())
        .map(|api| api.response_for(lang, id.as_deref()));
    Ok(match said {
        Some(response) => res.into_response(response),
        None => res.map_into_boxed_body(),
    })
}

/// A representation that is a pure function of `etag` (a version's sha256, with the language
/// when it matters): 304 Not Modified when the client holds it (`If-None-Match`), else the
/// answer `build` makes, with its `ETag`. Caches revalidate each time (`no-cache`): a reload
/// may serve another version under the same label.
pub fn cached(
    req: &actix_web::HttpRequest,
    etag: &str,
    build: impl FnOnce() -> HttpResponse,
) -> HttpResponse {
    let res = if held(req, etag) {
        HttpResponse::NotModified().finish()
    } else {
        build()
    };
    tagged(res, etag)
}

/// Whether the client holds the representation `etag` names (`If-None-Match`).
pub fn held(req: &actix_web::HttpRequest, etag: &str) -> bool {
    let quoted = format!("\"{etag}\"");
    req.headers()
        .get_all(actix_web::http::header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|tag| tag == quoted || tag == "*" || tag.strip_prefix("W/") == Some(quoted.as_str()))
}

/// Answers to `POST` carry `Cache-Control: no-store`: they hold candidates' records and the
/// decisions on them, which no cache (a proxy's, a browser's) may keep.
pub async fn no_store(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let post = req.method() == actix_web::http::Method::POST;
    let mut res = next.call(req).await?;
    if post {
        res.headers_mut().insert(
            actix_web::http::header::CACHE_CONTROL,
            actix_web::http::header::HeaderValue::from_static("no-store"),
        );
    }
    Ok(res)
}

/// `res` with the `ETag` `etag` and `Cache-Control: no-cache`.
pub fn tagged(mut res: HttpResponse, etag: &str) -> HttpResponse {
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&format!("\"{etag}\"")) {
        res.headers_mut()
            .insert(actix_web::http::header::ETAG, value);
    }
    res.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-cache"),
    );
    res
}

/// The id of the request being served (its `x-request-id`), for the problems that name it.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

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
        // Printable ASCII without spaces, so that an id cannot forge fields of the log line.
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_string);
    let method = req.method().to_string();
    let route = req.match_pattern().unwrap_or_else(|| "UNKNOWN".to_string());
    actix_web::HttpMessage::extensions_mut(&req).insert(RequestId(id.clone()));
    let mut res = next.call(req).await?;
    let client = actix_web::HttpMessage::extensions(res.request())
        .get::<crate::server::clients::gate::Caller>()
        .map(|caller| Arc::clone(&caller.name));
    let status = res.status().as_u16();
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&id) {
        res.headers_mut().insert(
            actix_web::http::header::HeaderName::from_static("x-request-id"),
            value,
        );
    }
    match client {
        Some(client) => {
            tracing::info!(request_id = %id, %method, %route, %client, status, latency_ms, "request");
        }
        None => tracing::info!(request_id = %id, %method, %route, status, latency_ms, "request"),
    }
    Ok(res)
}

/// The media type of a request's body (`Content-Type` without its parameters, in lower case);
/// empty when none is given.
pub fn media_type(req: &actix_web::HttpRequest) -> String {
    req.headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// The 415 for a body of media type `media` (empty: none given), naming what the route reads
/// (`accepted`, said in French and in English).
pub fn unsupported_media(media: &str, (accepte, accepted): (&str, &str)) -> ApiError {
    if media.is_empty() {
        return ApiError::UnsupportedMediaType(Said::new(
            format!("la requête n'indique pas de `Content-Type` : envoyez {accepte}"),
            format!("the request has no `Content-Type`: send {accepted}"),
        ));
    }
    ApiError::UnsupportedMediaType(Said::new(
        format!("`{media}` n'est pas accepté : envoyez {accepte}"),
        format!("`{media}` is not accepted: send {accepted}"),
    ))
}

/// Refuses (415) a body that is not `application/json`.
pub fn json_only(req: &actix_web::HttpRequest) -> Result<(), ApiError> {
    match media_type(req).as_str() {
        "application/json" => Ok(()),
        other => Err(unsupported_media(
            other,
            ("application/json", "application/json"),
        )),
    }
}

/// Refuses (415) a body sent with a `Content-Encoding` (other than `identity`): bodies are
/// read as sent, never decompressed.
pub fn identity_encoding(req: &actix_web::HttpRequest) -> Result<(), ApiError> {
    let Some(value) = req.headers().get(actix_web::http::header::CONTENT_ENCODING) else {
        return Ok(());
    };
    let encoding = value.to_str().unwrap_or("?").trim().to_ascii_lowercase();
    if encoding.is_empty() || encoding == "identity" {
        return Ok(());
    }
    Err(ApiError::UnsupportedMediaType(Said::new(
        format!(
            "le corps est envoyé avec `Content-Encoding: {encoding}`, qui n'est pas accepté : envoyez-le non compressé"
        ),
        format!(
            "the body is sent with `Content-Encoding: {encoding}`, which is not accepted: send it uncompressed"
        ),
    )))
}

/// Reads a whole body, refusing more than `limit` bytes (413) before reading it when the
/// client announced its length, and answering 408 (closing the connection) when the whole body
/// has not arrived within the service's body timeout ([`crate::server::Limits::body_timeout`]),
/// counted from the moment the handler starts reading. A compressed body is refused (see
/// [`identity_encoding`]).
pub async fn read_body(
    req: &actix_web::HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<web::Bytes, ApiError> {
    identity_encoding(req)?;
    let announced = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if announced.is_some_and(|n| n > limit) {
        return Err(ApiError::PayloadTooLarge(limit));
    }
    let within = body_timeout(req);
    actix_web::rt::time::timeout(within, collect(payload, limit))
        .await
        .map_err(|_| ApiError::RequestTimeout(millis(within)))?
}

/// The body timeout of the service that received `req`.
pub fn body_timeout(req: &actix_web::HttpRequest) -> std::time::Duration {
    req.app_data::<web::Data<AppState>>().map_or_else(
        || crate::server::Limits::default().body_timeout,
        |state| state.limits.body_timeout,
    )
}

/// A duration in whole milliseconds, as problem documents state it.
pub fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The chunks of `payload`, up to `limit` bytes in all.
async fn collect(mut payload: web::Payload, limit: usize) -> Result<web::Bytes, ApiError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| unreadable(&e))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// A body that could not be read (the connection broke, a malformed chunk).
pub fn unreadable(e: &impl std::fmt::Display) -> ApiError {
    ApiError::BadRequest(Said::new(
        format!("le corps de la requête n'a pu être lu : {e}"),
        format!("the body could not be read: {e}"),
    ))
}

pub use crate::request::Selector;

/// The `lang` query parameter, read apart from a route's other parameters.
#[derive(serde::Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

/// The language of the texts people read in the answer: `?lang=fr|en`, else the one
/// `Accept-Language` prefers among French and English, else French. An unknown `lang` is a
/// 400; an `Accept-Language` that names neither is not an error (French is served).
pub fn lang_of(req: &actix_web::HttpRequest) -> Result<crate::model::Lang, ApiError> {
    use crate::model::Lang;
    let query = web::Query::<LangQuery>::from_query(req.query_string()).ok();
    if let Some(tag) = query.and_then(|q| q.into_inner().lang) {
        return Lang::parse(&tag).ok_or_else(|| {
            ApiError::BadRequest(Said::new(
                format!("`lang` vaut `fr` ou `en`, pas `{tag}`"),
                format!("`lang` is `fr` or `en`, not `{tag}`"),
            ))
        });
    }
    let accepted = req
        .headers()
        .get(actix_web::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Lang::negotiate);
    Ok(accepted.unwrap_or_default())
}

/// Marks a response as being in `lang`, and as depending on `Accept-Language` (for caches).
pub fn in_lang(res: &mut actix_web::HttpResponseBuilder, lang: crate::model::Lang) {
    res.insert_header((actix_web::http::header::CONTENT_LANGUAGE, lang.code()))
        .insert_header((actix_web::http::header::VARY, "Accept-Language"));
}

/// The query parameter that lets a request decide under a draft.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DraftQuery {
    /// Decide under the version named although it is a draft (a version put before reviewers,
    /// never in force): each decision then says `"draft": true` in its `policy`. Without it, a
    /// draft named by label is refused (409). A draft is never chosen by date.
    #[serde(default)]
    pub draft: bool,
}

/// Refuses to decide under `policy` when it is a draft and the request did not ask for drafts
/// in so many words (`?draft=true`).
pub fn decidable(req: &actix_web::HttpRequest, policy: &Prepared) -> Result<(), ApiError> {
    // Most requests carry no query string: nothing to read.
    if req.query_string().is_empty() {
        return refuse_draft(policy, false);
    }
    // Read whatever the version: a malformed `draft` is refused even where it is not needed.
    let asked = web::Query::<DraftQuery>::from_query(req.query_string())
        .map(|q| q.draft)
        .map_err(|_| {
            ApiError::BadRequest(Said::new(
                "`draft` vaut `true` ou `false`",
                "`draft` is `true` or `false`",
            ))
        })?;
    refuse_draft(policy, asked)
}

/// Refuses to decide under `policy` when it is a draft, unless drafts were `asked` for.
pub fn refuse_draft(policy: &Prepared, asked: bool) -> Result<(), ApiError> {
    if !policy.draft || asked {
        return Ok(());
    }
    Err(ApiError::Draft(Said::new(
        format!(
            "la version `{}` du règlement `{}` est un projet, qui n'est pas en vigueur : ajoutez `?draft=true` pour décider selon ce projet",
            policy.version, policy.id
        ),
        format!(
            "version `{}` of policy `{}` is a draft, not in force: add `?draft=true` to decide under it",
            policy.version, policy.id
        ),
    )))
}

/// The version of policy `id` a request selects: by label, by date, or in force today.
pub fn select_version(
    state: &AppState,
    set: &PolicySet,
    id: &str,
    selector: &Selector,
) -> Result<Arc<Prepared>, ApiError> {
    let entry = set.policies.get(id).ok_or_else(|| {
        ApiError::NotFound(Said::new(
            format!("il n'existe pas de règlement `{id}`"),
            format!("there is no policy `{id}`"),
        ))
    })?;
    let withheld = |p: &Prepared, (quand, when): (String, String)| {
        ApiError::Withheld(Said::new(
            format!(
                "la version `{}` du règlement `{id}`{quand} n'est pas servie : ses exemples échouent avec son texte (voir `GET /v1/policies`), et aucune autre version ne la remplace",
                p.version
            ),
            format!(
                "version `{}` of policy `{id}`{when} is not served: its examples fail with its text (see `GET /v1/policies`), and no other version stands in for it",
                p.version
            ),
        ))
    };
    match (&selector.version, selector.as_of) {
        (Some(label), _) => match (entry.versions.get(label), entry.withheld.get(label)) {
            (Some(served), _) => Ok(Arc::clone(served)),
            (None, Some(held)) => Err(withheld(held, Default::default())),
            (None, None) => Err(ApiError::NotFound(Said::new(
                format!("le règlement `{id}` n'a pas de version `{label}`"),
                format!("policy `{id}` has no version `{label}`"),
            ))),
        },
        (None, date) => {
            let date = date.unwrap_or_else(|| (state.today)());
            match entry.in_force(date) {
                Some(Ok(served)) => Ok(Arc::clone(served)),
                Some(Err(held)) => Err(withheld(
                    held,
                    (
                        format!(", en vigueur le {date},"),
                        format!(", in force on {date},"),
                    ),
                )),
                None => Err(ApiError::NotFound(Said::new(
                    format!("aucune version du règlement `{id}` n'est en vigueur le {date}"),
                    format!("no version of policy `{id}` is in force on {date}"),
                ))),
            }
        }
    }
}
