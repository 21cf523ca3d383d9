//! Every error of the service as an RFC 9457 `application/problem+json`, from one table:
//! kind → status, problem type, title. Actix's own extractor errors go through it too.

use actix_web::http::StatusCode;
use actix_web::http::header::ContentType;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::diagnostic::Severity;
use crate::json::InputError;
use crate::model::Lang;
pub use crate::model::Said;

/// The kinds of failure, each with its row of the table.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// The body is not JSON (or not the expected JSON shape).
    MalformedJson(Said),
    /// The request is well-formed JSON but its envelope is wrong (`as_of` not a date, …).
    BadRequest(Said),
    /// The candidate's input does not match the policy's declared inputs.
    InvalidInput(Vec<InputError>),
    /// No such policy, version, or route.
    NotFound(Said),
    /// The route exists but not for this method.
    MethodNotAllowed(String),
    /// The body is over the configured limit.
    PayloadTooLarge(usize),
    /// The media type is not one the route reads.
    UnsupportedMediaType(Said),
    /// No policy version is served yet.
    NotReady(Said),
    /// An administrative request without the right bearer token.
    Unauthorized,
    /// With client identity on: a request without an API key, or with one of no client.
    Unidentified,
    /// With client identity on: an identity provider's token that is not valid (expired,
    /// another issuer's or audience's, a signature of no published key), or a client past its
    /// `expires`, with the reason.
    InvalidCredential(Said),
    /// A client that may not call this route or use this policy.
    Forbidden(Said),
    /// A client over one of its limits; it may try again after this many seconds.
    TooManyRequests(u64, Said),
    /// The change would break what depends on it (a version other versions extend).
    Conflict(Said),
    /// A decision asked under a draft without `?draft=true`.
    Draft(Said),
    /// The version asked (by label or by date) is refused for its examples, with no last good
    /// text to serve instead.
    Withheld(Said),
    /// An erasure that cannot be done yet: decision records queued before it are not written
    /// (the store is slow or down), and would be written after it.
    RecordsPending(Said),
    /// A policy text sent by an administrator fails the check.
    InvalidPolicy(Vec<crate::server::store::FileDiagnostic>),
    /// The evaluation took longer than the per-request deadline.
    DeadlineExceeded(u64),
    /// The body (or, in an NDJSON stream, one line) did not arrive within the body timeout, in
    /// milliseconds; the connection is closed after the answer.
    RequestTimeout(u64),
    /// A JSON batch with more inputs than this limit.
    TooManyInputs(usize),
    /// Anything else: details go to the log, not to the client.
    Internal,
}

/// One row of the error table.
struct Row {
    status: StatusCode,
    kind: &'static str,
    title: &'static str,
    titre: &'static str,
}

impl ApiError {
    fn row(&self) -> Row {
        let (status, kind, title, titre) = match self {
            ApiError::MalformedJson(_) => (
                StatusCode::BAD_REQUEST,
                "malformed-json",
                "The body is not valid JSON",
                "Le corps de la requête n'est pas du JSON valide",
            ),
            ApiError::BadRequest(_) => (
                StatusCode::BAD_REQUEST,
                "bad-request",
                "The request is malformed",
                "La requête est mal formée",
            ),
            ApiError::InvalidInput(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-input",
                "The input does not match the policy's declared inputs",
                "Le dossier ne correspond pas aux données que le règlement déclare",
            ),
            ApiError::NotFound(_) => (
                StatusCode::NOT_FOUND,
                "not-found",
                "Not found",
                "Introuvable",
            ),
            ApiError::MethodNotAllowed(_) => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "Method not allowed",
                "Méthode non autorisée",
            ),
            ApiError::PayloadTooLarge(_) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                "The body is too large",
                "Le corps de la requête est trop volumineux",
            ),
            ApiError::UnsupportedMediaType(_) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
                "Type de contenu non pris en charge",
            ),
            ApiError::NotReady(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "not-ready",
                "Not ready",
                "Pas encore prêt",
            ),
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "A valid bearer token is required",
                "Un jeton d'accès valide est requis",
            ),
            ApiError::Unidentified => (
                StatusCode::UNAUTHORIZED,
                "unidentified",
                "A client's API key is required",
                "La clé d'API d'un client est requise",
            ),
            ApiError::InvalidCredential(_) => (
                StatusCode::UNAUTHORIZED,
                "invalid-credential",
                "The credential presented is not valid",
                "Le justificatif d'accès présenté n'est pas valide",
            ),
            ApiError::Forbidden(_) => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "The client may not make this request",
                "Le client n'est pas autorisé à faire cette requête",
            ),
            ApiError::TooManyRequests(..) => (
                StatusCode::TOO_MANY_REQUESTS,
                "too-many-requests",
                "The client is over its limits",
                "Le client a dépassé ses limites",
            ),
            ApiError::Conflict(_) => (
                StatusCode::CONFLICT,
                "conflict",
                "The change conflicts with other versions",
                "La modification est en conflit avec d'autres versions",
            ),
            ApiError::Withheld(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "version-withheld",
                "The version asked is withheld: its examples fail with its text",
                "La version demandée est retenue : ses exemples échouent avec son texte",
            ),
            ApiError::RecordsPending(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "records-pending",
                "Decision records made before this request are not written yet",
                "Des décisions prises avant cette requête ne sont pas encore enregistrées",
            ),
            ApiError::Draft(_) => (
                StatusCode::CONFLICT,
                "draft-version",
                "The version is a draft, not in force",
                "La version est un projet, qui n'est pas en vigueur",
            ),
            ApiError::InvalidPolicy(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-policy",
                "The policy fails the check",
                "Le règlement ne passe pas la vérification",
            ),
            ApiError::TooManyInputs(_) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-many-inputs",
                "The batch holds too many inputs",
                "Le lot contient trop de dossiers",
            ),
            ApiError::DeadlineExceeded(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "deadline-exceeded",
                "The evaluation exceeded its deadline",
                "L'évaluation a dépassé son délai",
            ),
            ApiError::RequestTimeout(_) => (
                StatusCode::REQUEST_TIMEOUT,
                "request-timeout",
                "The body did not arrive in time",
                "Le corps de la requête n'est pas arrivé à temps",
            ),
            ApiError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal server error",
                "Erreur interne du serveur",
            ),
        };
        Row {
            status,
            kind,
            title,
            titre,
        }
    }

    /// The problem document of this error, in English (what logs and the `Display` say).
    pub fn problem(&self) -> Problem {
        self.problem_in(Lang::En)
    }

    /// The problem document of this error, its title and detail in `lang`; the input errors
    /// in `errors` are said in the language the request was read in.
    pub fn problem_in(&self, lang: Lang) -> Problem {
        let row = self.row();
        let fr = lang == Lang::Fr;
        let pick = |fr_text: String, en_text: String| if fr { fr_text } else { en_text };
        let diagnostics = match self {
            ApiError::InvalidPolicy(d) => Some(d.clone()),
            _ => None,
        };
        let (detail, errors) = match self {
            ApiError::MalformedJson(d)
            | ApiError::BadRequest(d)
            | ApiError::NotFound(d)
            | ApiError::UnsupportedMediaType(d)
            | ApiError::NotReady(d)
            | ApiError::Conflict(d)
            | ApiError::Forbidden(d)
            | ApiError::InvalidCredential(d)
            | ApiError::TooManyRequests(_, d)
            | ApiError::Draft(d)
            | ApiError::RecordsPending(d)
            | ApiError::Withheld(d) => (Some(d.get(lang).to_string()), None),
            ApiError::MethodNotAllowed(allowed) => (
                Some(pick(
                    format!("cette route répond à {allowed}"),
                    format!("this route answers {allowed}"),
                )),
                None,
            ),
            ApiError::Unauthorized => (
                Some(pick(
                    "envoyez `Authorization: Bearer <jeton>` avec le jeton d'administration".into(),
                    "send `Authorization: Bearer <token>` with the administration token".into(),
                )),
                None,
            ),
            ApiError::Unidentified => (
                Some(pick(
                    "envoyez la clé d'API du client dans `X-Api-Key` ou `Authorization: Bearer <clé>`".into(),
                    "send the client's API key in `X-Api-Key` or `Authorization: Bearer <key>`".into(),
                )),
                None,
            ),
            ApiError::InvalidPolicy(d) => {
                let n = d.iter().filter(|x| x.severity == Severity::Error).count();
                (
                    Some(pick(
                        format!("{n} erreur(s) : rien n'a été écrit"),
                        format!("{n} error(s): nothing was written"),
                    )),
                    None,
                )
            }
            ApiError::TooManyInputs(limit) => (
                Some(pick(
                    format!(
                        "le lot contient plus de {limit} dossiers, la limite : envoyez-le en NDJSON"
                    ),
                    format!(
                        "the batch holds more than {limit} inputs, the limit: send it as NDJSON"
                    ),
                )),
                None,
            ),
            ApiError::DeadlineExceeded(ms) => (
                Some(pick(
                    format!(
                        "l'évaluation a duré plus de {ms} ms : découpez le lot, ou envoyez-le en NDJSON"
                    ),
                    format!(
                        "the evaluation took longer than {ms} ms: split the batch, or send it as NDJSON"
                    ),
                )),
                None,
            ),
            ApiError::RequestTimeout(ms) => (
                Some(pick(
                    format!(
                        "le corps n'est pas arrivé en entier en {ms} ms : la connexion est fermée"
                    ),
                    format!(
                        "the body did not arrive in full within {ms} ms: the connection is closed"
                    ),
                )),
                None,
            ),
            ApiError::InvalidInput(errors) => (
                Some(pick(
                    format!("{} erreur(s) dans le dossier", errors.len()),
                    format!("{} error(s) in the input", errors.len()),
                )),
                Some(errors.iter().map(|e| e.in_lang(lang)).collect()),
            ),
            ApiError::PayloadTooLarge(limit) => (
                Some(pick(
                    format!("le corps dépasse la limite de {limit} octets"),
                    format!("the body is larger than the limit of {limit} bytes"),
                )),
                None,
            ),
            ApiError::Internal => (None, None),
        };
        Problem {
            problem_type: format!("urn:clausier:problem:{}", row.kind),
            title: if fr { row.titre } else { row.title }.to_string(),
            status: row.status.as_u16(),
            detail,
            errors,
            diagnostics,
            request_id: None,
        }
    }

    /// The response of this error in `lang`: what [`ResponseError::error_response`] gives in
    /// English, the language middleware calls this with the request's language.
    pub fn response_in(&self, lang: Lang) -> HttpResponse {
        self.response_for(lang, None)
    }

    /// As [`ApiError::response_in`], the problem naming the request's id when known.
    pub fn response_for(&self, lang: Lang, request_id: Option<&str>) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header(ContentType(problem_mime()));
        response.insert_header((actix_web::http::header::CONTENT_LANGUAGE, lang.code()));
        response.insert_header((actix_web::http::header::VARY, "Accept-Language"));
        // The body was not read to its end: the connection cannot carry another request.
        if matches!(
            self,
            ApiError::PayloadTooLarge(_)
                | ApiError::TooManyInputs(_)
                | ApiError::RequestTimeout(_)
                | ApiError::TooManyRequests(..)
        ) {
            response.force_close();
        }
        if let ApiError::MethodNotAllowed(allowed) = self {
            response.insert_header(("Allow", allowed.as_str()));
        }
        if let ApiError::RequestTimeout(_) = self {
            // The rest of a late body may still come: the connection cannot be reused.
            response.force_close();
        }
        if let ApiError::Unauthorized = self {
            response.insert_header(("WWW-Authenticate", "Bearer realm=\"clausier-admin\""));
        }
        if let ApiError::TooManyRequests(seconds, _) = self {
            response.insert_header((actix_web::http::header::RETRY_AFTER, seconds.to_string()));
        }
        if let ApiError::RecordsPending(_) = self {
            // The writer tries a batch it could not write again within a second; an erasure
            // asked again then waits for the records anew.
            response.insert_header((actix_web::http::header::RETRY_AFTER, "1"));
        }
        if let ApiError::Unidentified = self {
            response.insert_header(("WWW-Authenticate", "Bearer realm=\"clausier\""));
        }
        if let ApiError::InvalidCredential(_) = self {
            // RFC 6750 §3.1: the client may ask its provider for a new token.
            response.insert_header((
                "WWW-Authenticate",
                "Bearer realm=\"clausier\", error=\"invalid_token\"",
            ));
        }
        let mut problem = self.problem_in(lang);
        problem.request_id = request_id.map(str::to_string);
        response.json(problem)
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
#[schema(example = problem_example)]
pub struct Problem {
    /// A URI naming the kind of problem (`urn:clausier:problem:invalid-input`).
    #[serde(rename = "type")]
    pub problem_type: String,
    /// A short summary of the kind.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What happened in this occurrence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// For invalid input: each error with its JSON pointer into the input (for a field of the
    /// request that names something of the policy, such as `conclusions`, into the request).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<InputError>>,
    /// For an invalid policy: the checker's diagnostics.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<Vec<crate::server::store::FileDiagnostic>>,
    /// The request's id (its `x-request-id`, given or drawn): what to quote to the service's
    /// operators, who find it in the logs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// The example of a problem in the OpenAPI document: a record refused, in French.
fn problem_example() -> serde_json::Value {
    serde_json::from_str(include_str!("../../openapi/examples/problem.json")).unwrap_or_default()
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p = self.problem();
        write!(f, "{}: {}", p.title, p.detail.unwrap_or_default())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.row().status
    }

    fn error_response(&self) -> HttpResponse {
        self.response_in(Lang::Fr)
    }
}

/// `application/problem+json`.
pub fn problem_mime() -> actix_web::mime::Mime {
    "application/problem+json"
        .parse()
        .unwrap_or(actix_web::mime::APPLICATION_JSON)
}

/// Maps actix's JSON extractor errors (used by no route today, kept for any `web::Json`) into the table.
pub fn json_error(
    err: actix_web::error::JsonPayloadError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as E;
    let api = match &err {
        E::Overflow { limit } | E::OverflowKnownLength { limit, .. } => {
            ApiError::PayloadTooLarge(*limit)
        }
        E::ContentType => ApiError::UnsupportedMediaType(Said::new(
            "application/json attendu",
            "expected application/json",
        )),
        E::Deserialize(e) => ApiError::MalformedJson(e.to_string().into()),
        other => ApiError::MalformedJson(other.to_string().into()),
    };
    {
        let _ = err;
        // As an `ApiError`, so that the language middleware says it in the request's language.
        actix_web::Error::from(api)
    }
}

/// Maps path extractor errors into the table.
pub fn path_error(
    err: actix_web::error::PathError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    let api = ApiError::NotFound(err.to_string().into());
    {
        let _ = err;
        // As an `ApiError`, so that the language middleware says it in the request's language.
        actix_web::Error::from(api)
    }
}

/// Maps query-string extractor errors into the table.
pub fn query_error(
    err: actix_web::error::QueryPayloadError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    let api = ApiError::BadRequest(err.to_string().into());
    {
        let _ = err;
        // As an `ApiError`, so that the language middleware says it in the request's language.
        actix_web::Error::from(api)
    }
}

/// Reads a JSON body within a nesting depth (see [`crate::request::parse_json`]).
pub fn parse_json<T: serde::de::DeserializeOwned>(
    body: &[u8],
    max_depth: usize,
) -> Result<T, ApiError> {
    crate::request::parse_json(body, max_depth).map_err(ApiError::from)
}

impl From<crate::request::RequestError> for ApiError {
    fn from(e: crate::request::RequestError) -> Self {
        use crate::request::{Exceeded, RequestError as R};
        match e {
            R::Malformed(m) => ApiError::MalformedJson(m.into()),
            R::Bad(m) => ApiError::BadRequest(m),
            R::Invalid(errors) => ApiError::InvalidInput(errors),
            R::Exceeded(Exceeded::Inputs(limit)) => ApiError::TooManyInputs(limit),
            R::Exceeded(Exceeded::Deadline(budget)) => {
                ApiError::DeadlineExceeded(u64::try_from(budget.as_millis()).unwrap_or(u64::MAX))
            }
        }
    }
}
