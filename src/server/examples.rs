//! An example of every operation's request body and answers in the OpenAPI document (what
//! the documentation page shows and a client developer copies): real requests of the BTS policy and the
//! service's real answers to them, trimmed to a few conclusions, from `openapi/examples/`.
//! `tests/integration/examples.rs` checks each against its schema in the document, and sends
//! every request example to the service.

use utoipa::openapi::path::Operation;
use utoipa::openapi::{Content, OpenApi, RefOr};

/// Where an example goes: the request body, or the answer of a status.
#[derive(Clone, Copy)]
enum Part {
    Request,
    Answer(&'static str),
}

macro_rules! example {
    ($path:literal, $method:literal, $part:expr, $media:literal, $file:literal) => {
        (
            $path,
            $method,
            $part,
            $media,
            include_str!(concat!("../../openapi/examples/", $file)),
        )
    };
}

const OK: Part = Part::Answer("200");

/// Path, method, part, media type and the example's text.
type Example = (&'static str, &'static str, Part, &'static str, &'static str);

const EXAMPLES: &[Example] = &[
    example!(
        "/healthz",
        "get",
        OK,
        "application/json",
        "healthz.response.json"
    ),
    example!(
        "/readyz",
        "get",
        OK,
        "application/json",
        "readyz.response.json"
    ),
    example!(
        "/v1/policies",
        "get",
        OK,
        "application/json",
        "policies.response.json"
    ),
    example!(
        "/v1/policies/{id}/decisions",
        "post",
        Part::Request,
        "application/json",
        "decide.request.json"
    ),
    example!(
        "/v1/policies/{id}/decisions",
        "post",
        OK,
        "application/json",
        "decide.response.json"
    ),
    example!(
        "/v1/policies/{id}/decisions/batch",
        "post",
        Part::Request,
        "application/json",
        "batch.request.json"
    ),
    example!(
        "/v1/policies/{id}/decisions/batch",
        "post",
        Part::Request,
        "application/x-ndjson",
        "batch.request.ndjson"
    ),
    example!(
        "/v1/policies/{id}/decisions/batch",
        "post",
        OK,
        "application/json",
        "batch.response.json"
    ),
    example!(
        "/v1/policies/{id}/decisions/batch",
        "post",
        OK,
        "application/x-ndjson",
        "batch.response.ndjson"
    ),
    example!(
        "/v1/policies/{id}/interview",
        "post",
        Part::Request,
        "application/json",
        "interview.request.json"
    ),
    example!(
        "/v1/policies/{id}/interview",
        "post",
        OK,
        "application/json",
        "interview.response.json"
    ),
    example!(
        "/v1/policies/{id}/versions/{version}",
        "get",
        OK,
        "application/json",
        "version.response.json"
    ),
    example!(
        "/v1/policies/{id}/versions/{version}/schema",
        "get",
        OK,
        "application/schema+json",
        "schema.response.json"
    ),
    example!(
        "/v1/policies/{id}/versions/{version}/decision-schema",
        "get",
        OK,
        "application/schema+json",
        "decision-schema.response.json"
    ),
    example!(
        "/v1/policies/{id}/diff",
        "get",
        OK,
        "application/json",
        "diff.response.json"
    ),
    example!(
        "/v1/policies/{id}/diff",
        "get",
        OK,
        "text/plain",
        "diff.response.txt"
    ),
    example!(
        "/v1/policies/{id}/diff",
        "get",
        OK,
        "text/markdown",
        "diff.response.md"
    ),
    example!(
        "/v1/policies/{id}/impact",
        "post",
        Part::Request,
        "application/json",
        "impact.request.json"
    ),
    example!(
        "/v1/policies/{id}/impact",
        "post",
        OK,
        "application/json",
        "impact.response.json"
    ),
    example!(
        "/v1/policies/{id}/impact",
        "post",
        OK,
        "text/plain",
        "impact.response.txt"
    ),
    example!(
        "/v1/policies/{id}/impact",
        "post",
        OK,
        "text/markdown",
        "impact.response.md"
    ),
    example!(
        "/v1/policies/{id}/versions/{version}",
        "put",
        Part::Request,
        "text/plain",
        "put.request.policy"
    ),
    example!(
        "/v1/policies/{id}/versions/{version}",
        "put",
        OK,
        "application/json",
        "put.response.json"
    ),
    example!(
        "/v1/policies/{id}/versions/{version}",
        "delete",
        OK,
        "application/json",
        "delete.response.json"
    ),
    example!(
        "/v1/admin/reload",
        "post",
        OK,
        "application/json",
        "reload.response.json"
    ),
    example!(
        "/v1/decisions/{id}",
        "get",
        OK,
        "application/json",
        "record.response.json"
    ),
    example!(
        "/v1/decisions",
        "get",
        OK,
        "application/json",
        "records.response.json"
    ),
    example!(
        "/v1/decisions",
        "get",
        OK,
        "application/x-ndjson",
        "records.response.ndjson"
    ),
    example!(
        "/v1/decisions",
        "get",
        OK,
        "text/csv",
        "records.response.csv"
    ),
    example!(
        "/v1/decisions",
        "delete",
        OK,
        "application/json",
        "erase.response.json"
    ),
    example!(
        "/v1/decisions/{id}/replay",
        "post",
        Part::Request,
        "application/json",
        "replay.request.json"
    ),
    example!(
        "/v1/decisions/{id}/replay",
        "post",
        OK,
        "application/json",
        "replay.response.json"
    ),
    example!(
        "/v1/policy-texts/{sha256}",
        "get",
        OK,
        "application/json",
        "policy-text.response.json"
    ),
    example!(
        "/v1/keys",
        "get",
        OK,
        "application/json",
        "keys.response.json"
    ),
];

/// Puts the examples into `api`; one whose operation or media type the document lacks is left
/// out (the test of the examples fails then).
pub(crate) fn add(api: &mut OpenApi) {
    for &(path, method, part, media, text) in EXAMPLES {
        let Some(item) = api.paths.paths.get_mut(path) else {
            continue;
        };
        let operation: Option<&mut Operation> = match method {
            "get" => item.get.as_mut(),
            "post" => item.post.as_mut(),
            "put" => item.put.as_mut(),
            "delete" => item.delete.as_mut(),
            _ => None,
        };
        let Some(operation) = operation else { continue };
        let content = match part {
            Part::Request => match operation.request_body.as_mut() {
                Some(RefOr::T(body)) => body.content.get_mut(media),
                _ => None,
            },
            Part::Answer(status) => match operation.responses.responses.get_mut(status) {
                Some(RefOr::T(answer)) => answer.content.get_mut(media),
                _ => None,
            },
        };
        if let Some(RefOr::T(content)) = content {
            set(content, media, text);
        }
    }
}

/// A JSON example as its value, any other (text, NDJSON, a policy) as its text.
fn set(content: &mut Content, media: &str, text: &str) {
    let json = media == "application/json" || media.ends_with("+json");
    content.example = Some(match json {
        true => serde_json::from_str(text).unwrap_or(serde_json::Value::Null),
        false => serde_json::Value::String(text.to_string()),
    });
}
