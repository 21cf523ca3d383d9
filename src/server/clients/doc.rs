//! What client identity adds to the OpenAPI document: the two ways to send a client's API key
//! (the second also carries an identity provider's token) and the client certificate as
//! security schemes, and on every operation the gate guards, those schemes as
//! alternatives (none needed while identity is off) and its refusals as responses.

use utoipa::openapi::OpenApi;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};

use crate::server::clients::gate::route_of;
use crate::server::routes::problem_response;

/// The scheme of a key in `X-Api-Key`.
const API_KEY: &str = "apiKey";
/// The scheme of a key as a bearer token.
const CLIENT_BEARER: &str = "clientBearer";
/// The scheme of a client certificate.
const CLIENT_CERTIFICATE: &str = "clientCertificate";

/// The 429 of a client over its limits, with `Retry-After`.
fn too_many() -> utoipa::openapi::Response {
    use utoipa::openapi::header::HeaderBuilder;
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    let mut response = problem_response(
        "The client (with identity off and `--anonymous-*`, the caller's address) is over its \
         rate, or runs as many batches as it may (`too-many-requests`; the connection is closed)",
    );
    let retry = HeaderBuilder::new()
        .schema(Some(ObjectBuilder::new().schema_type(Type::Integer)))
        .description(Some("seconds to wait before trying again"))
        .build();
    response.headers.insert("Retry-After".into(), retry.into());
    response
}

/// Adds the schemes, and the requirements and refusals of each guarded operation.
pub fn document(api: &mut OpenApi) {
    let components = api.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        API_KEY,
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
            "x-api-key",
            "a client's API key, with client identity on (`--clients-file`)",
        ))),
    );
    components.add_security_scheme(
        CLIENT_BEARER,
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(
                    "a client's API key as a bearer token, with client identity on (`--clients-file`); \
                     or a token (JWT) of the identity provider of `--jwt-issuer`, naming a client's `jwt_subject`",
                ))
                .build(),
        ),
    );
    components.add_security_scheme(
        CLIENT_CERTIFICATE,
        SecurityScheme::MutualTls {
            description: Some(
                "a client certificate of the authorities of `--tls-client-ca`, its subject's \
                 common name a client's `certificate_cn`"
                    .into(),
            ),
            deprecated: None,
            extensions: None,
        },
    );
    let none: Vec<String> = Vec::new();
    for (path, item) in api.paths.paths.iter_mut() {
        for (method, operation) in [
            (actix_web::http::Method::GET, &mut item.get),
            (actix_web::http::Method::POST, &mut item.post),
            (actix_web::http::Method::PUT, &mut item.put),
            (actix_web::http::Method::DELETE, &mut item.delete),
        ] {
            let Some(operation) = operation.as_mut() else {
                continue;
            };
            if route_of(&method, path).is_none() {
                continue;
            }
            // The token routes keep their token; the others need nothing while identity is off.
            let security = operation
                .security
                .get_or_insert_with(|| vec![SecurityRequirement::default()]);
            security.push(SecurityRequirement::new(API_KEY, none.clone()));
            security.push(SecurityRequirement::new(CLIENT_BEARER, none.clone()));
            security.push(SecurityRequirement::new(CLIENT_CERTIFICATE, none.clone()));
            let responses = &mut operation.responses.responses;
            responses.entry("401".into()).or_insert_with(|| {
                problem_response(
                    "With client identity on: no API key, or one of no client (`unidentified`); an \
                     identity provider's token that is not valid: expired, another issuer's or \
                     audience's, a signature of no published key; or a client past its `expires` \
                     (`invalid-credential`)",
                )
                .into()
            });
            responses
                .entry("429".into())
                .or_insert_with(|| too_many().into());
            responses.entry("403".into()).or_insert_with(|| {
                problem_response(
                    "With client identity on: the client may not call this route or use this policy (`forbidden`)",
                )
                .into()
            });
        }
    }
}
