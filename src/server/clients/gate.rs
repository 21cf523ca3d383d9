//! The gate every request passes when client identity is on: which route family it calls,
//! which client's key it carries, whether that client may call it. A request it admits
//! carries the client as its [`Caller`] (the request log, the metrics and the decision record
//! name it); one it refuses is answered 401 (no key, or a key of no client) or 403 (a client
//! that may not call that route or use that policy), naming no key.
//!
//! The routes that read policies (their list, versions, schemas, diffs), health, metrics and
//! the pages stay open: they hold the regulation, which is public, and no candidate's record.
//! The records and administration routes keep their tokens: a request with the token passes
//! as before, and a client allowed `records` or `admin` may use its own key instead.

use std::sync::Arc;

use actix_web::HttpMessage as _;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::web;
use prometheus::IntCounterVec;

use crate::server::AppState;
use crate::server::clients::jwt::{Invalid, Jwt, looks_like_jwt};
use crate::server::clients::limits::{BatchPermit, ClientLimits, Limited, Limiter};
use crate::server::clients::{Client, Clients, Route};
use crate::server::problem::{ApiError, Said};
use crate::server::reread::Reread;

/// The client a request was admitted as, and the route family it was admitted to.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The client's name.
    pub name: Arc<str>,
    /// The route family the gate admitted the request to.
    pub route: Route,
}

/// Client identity: the clients and what is counted of them.
pub struct Identity {
    /// The clients, read again when their file changes.
    pub clients: Reread<Clients>,
    /// Requests by client and outcome.
    pub counted: IntCounterVec,
    /// What each client has used of its limits.
    pub limiter: Limiter,
    /// An identity provider's bearer tokens, when accepted.
    pub jwt: Option<Jwt>,
}

impl Identity {
    /// The answer to a request that names no client it may be served as: counted, logged
    /// (with the reason, never the credential).
    fn refusal(&self, presented: Presented<'_>, req: &ServiceRequest, route: Route) -> ApiError {
        let path = req.path();
        match presented {
            Presented::Client(_) | Presented::Nobody => {
                self.counted
                    .with_label_values(&[NO_CLIENT, "unidentified"])
                    .inc();
                tracing::warn!(
                    path,
                    route = route.as_str(),
                    "request refused: no API key, or one of no client"
                );
                ApiError::Unidentified
            }
            Presented::Expired(client, at) => {
                self.counted
                    .with_label_values(&[&*client.name, "expired"])
                    .inc();
                tracing::warn!(client = %client.name, path, route = route.as_str(), "request refused: the client has expired");
                let at = at.format("%Y-%m-%dT%H:%M:%SZ");
                ApiError::InvalidCredential(Said::new(
                    format!(
                        "le client `{}` n'est plus servi depuis le {at}",
                        client.name
                    ),
                    format!("client `{}` expired at {at}", client.name),
                ))
            }
            Presented::InvalidCredential(invalid) => {
                self.counted
                    .with_label_values(&[NO_CLIENT, invalid.label()])
                    .inc();
                let claim = self
                    .jwt
                    .as_ref()
                    .map_or("sub", |j| j.options().claim.as_str());
                let said = invalid.said(claim);
                tracing::warn!(path, route = route.as_str(), reason = %said.get(crate::model::Lang::En), "request refused: bearer token not valid");
                ApiError::InvalidCredential(said)
            }
        }
    }
}

/// The address a request comes from (the connection's peer), as limits key it: an IPv6
/// address by its /64, which one machine or one customer of a provider holds whole.
fn address_of(req: &ServiceRequest) -> Arc<str> {
    req.peer_addr()
        .map_or_else(|| Arc::from("-"), |peer| Arc::from(address_key(peer.ip())))
}

/// The key of an address in the limits: an IPv4 address itself (also when written as an
/// IPv6-mapped one), an IPv6 address its /64.
fn address_key(ip: std::net::IpAddr) -> String {
    match ip.to_canonical() {
        std::net::IpAddr::V6(v6) => {
            let [a, b, c, d, ..] = v6.segments();
            format!("{a:x}:{b:x}:{c:x}:{d:x}::/64")
        }
        v4 => v4.to_string(),
    }
}

/// Who a request says it is.
enum Presented<'a> {
    /// A client of the file.
    Client(&'a Client),
    /// No credential, or one of no client.
    Nobody,
    /// An identity provider's token that is not valid.
    InvalidCredential(Invalid),
    /// A client of the file past its `expires`.
    Expired(&'a Client, chrono::DateTime<chrono::Utc>),
}

impl Identity {
    /// The client a request's credential names: a key or a token when one is sent (a wrong
    /// one is not made up for by a certificate), else the connection's client certificate.
    fn presented<'a>(&self, req: &ServiceRequest, clients: &'a Clients) -> Presented<'a> {
        let found = match (presented_key(req), &self.jwt) {
            (Some(token), Some(jwt)) if looks_like_jwt(token) => match jwt.verify(token) {
                Ok(subject) => clients.by_jwt_subject(&subject),
                Err(invalid) => return Presented::InvalidCredential(invalid),
            },
            (Some(key), _) => clients.identify(key),
            (None, _) => req
                .conn_data::<crate::server::tls::PeerName>()
                .and_then(|peer| clients.by_certificate(&peer.0)),
        };
        match found {
            None => Presented::Nobody,
            Some(client) => match client.expired(chrono::Utc::now()) {
                Some(at) => Presented::Expired(client, at),
                None => Presented::Client(client),
            },
        }
    }
}

/// The label of requests that name no client (a client name begins with a letter or digit).
const NO_CLIENT: &str = "-";

/// The route family of a request to the route `pattern` with `method`; none for the routes
/// that stay open.
pub fn route_of(method: &Method, pattern: &str) -> Option<Route> {
    let post = method == Method::POST;
    let get = method == Method::GET;
    match pattern {
        "/v1/policies/{id}/decisions" if post => Some(Route::Decisions),
        "/v1/policies/{id}/decisions/batch" if post => Some(Route::Batch),
        "/v1/policies/{id}/interview" if post => Some(Route::Interview),
        "/v1/policies/{id}/impact" if post => Some(Route::Impact),
        "/v1/decisions/{id}" | "/v1/decisions" | "/v1/policy-texts/{sha256}" if get => {
            Some(Route::Records)
        }
        "/v1/decisions/{id}/replay" if post => Some(Route::Records),
        "/v1/decisions" if method == Method::DELETE => Some(Route::Admin),
        "/v1/policies/{id}/versions/{version}"
            if method == Method::PUT || method == Method::DELETE =>
        {
            Some(Route::Admin)
        }
        "/v1/admin/reload" if post => Some(Route::Admin),
        _ => None,
    }
}

/// The API key a request presents: `X-Api-Key`, else `Authorization: Bearer`.
fn presented_key(req: &ServiceRequest) -> Option<&str> {
    let headers = req.headers();
    if let Some(key) = headers.get("x-api-key") {
        // A key that is not text is a key of no client, not no key.
        return Some(key.to_str().map_or("", str::trim));
    }
    headers
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(crate::server::routes::admin::bearer)
}

/// The policy a request under `/v1/policies/{id}/…` names, as sent. A policy id holds no
/// character that a URL escapes, so a segment that differs from every allowed id once
/// decoded differs from them as sent too: comparing it as sent refuses, never admits, wrongly.
fn policy_of(path: &str) -> Option<&str> {
    path.strip_prefix("/v1/policies/")?.split('/').next()
}

/// Why a client is refused a request, if it is.
fn refusal(client: &Client, route: Route, policy: Option<&str>) -> Option<ApiError> {
    if !client.may_call(route) {
        return Some(ApiError::Forbidden(Said::new(
            format!(
                "le client `{}` n'est pas autorisé à appeler les routes `{}`",
                client.name,
                route.as_str()
            ),
            format!(
                "client `{}` may not call the `{}` routes",
                client.name,
                route.as_str()
            ),
        )));
    }
    match policy {
        Some(id) if !client.may_use(id) => Some(ApiError::Forbidden(Said::new(
            format!(
                "le client `{}` n'est pas autorisé à utiliser le règlement `{id}`",
                client.name
            ),
            format!("client `{}` may not use policy `{id}`", client.name),
        ))),
        _ => None,
    }
}

/// The gate (a middleware): see the module's documentation. Without client identity, every
/// request passes, within the limits per address when there are some ([`Anonymous`]).
pub async fn gate<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>();
    let identity = state.and_then(|state| state.identity.clone());
    let anonymous = state.and_then(|state| state.anonymous.clone());
    let route = req
        .match_pattern()
        .and_then(|pattern| route_of(req.method(), &pattern));
    match (route, identity, anonymous) {
        (Some(route), Some(identity), anonymous) => {
            by_client(req, next, &identity, anonymous.as_deref(), route).await
        }
        (Some(route), None, Some(anonymous)) => by_address(req, next, &anonymous, route).await,
        _ => Ok(next.call(req).await?.map_into_boxed_body()),
    }
}

/// The gate of a request to `route` while client identity is on: the client its credential
/// names, allowed to the route and the policy, within its limits. With limits per address
/// too, a credential that names no client spends its address's allowance of failures.
async fn by_client<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
    identity: &Arc<Identity>,
    anonymous: Option<&Anonymous>,
    route: Route,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // The address is written out only when there are limits per address.
    let limited = anonymous.map(|anonymous| (anonymous, address_of(&req)));
    if let Some((anonymous, address)) = &limited
        && let Some(refused) = failures_spent(anonymous, address)
    {
        return Ok(req.error_response(refused));
    }
    let clients = identity.clients.get();
    let client = match identify(identity, &req, &clients).await {
        Presented::Client(client) => client,
        // The route's token decides (see `authorize_with`).
        _ if matches!(route, Route::Records | Route::Admin) => {
            return Ok(next.call(req).await?.map_into_boxed_body());
        }
        refused => {
            if let Some((anonymous, address)) = &limited {
                // A failure spends the address's allowance (its own wait is answered next time).
                let _ = anonymous.limiter.admit(address, &anonymous.limits, false);
            }
            let refused = identity.refusal(refused, &req, route);
            return Ok(req.error_response(refused));
        }
    };
    let name = Arc::clone(&client.name);
    match admitted(identity, client, route, req.path()) {
        Ok(permit) => {
            req.extensions_mut().insert(Caller { name, route });
            holding(req, next, permit).await
        }
        Err(refused) => Ok(req.error_response(refused)),
    }
}

/// The 429 of an address that has spent its allowance of failures, counted: it is refused
/// before its credential costs a signature check.
fn failures_spent(anonymous: &Anonymous, address: &Arc<str>) -> Option<ApiError> {
    let wait = anonymous.limiter.exhausted(address, &anonymous.limits)?;
    anonymous
        .counted
        .with_label_values(&[NO_CLIENT, "rate_limited"])
        .inc();
    Some(over_limit(
        Who::Address(address),
        &anonymous.limits,
        Limited::Rate(wait),
    ))
}

/// Who a request's credential names. A token signed by a key not known yet fetches the
/// provider's keys again (off the workers, at most once in a while), in case it rotated them.
async fn identify<'a>(
    identity: &Arc<Identity>,
    req: &ServiceRequest,
    clients: &'a Clients,
) -> Presented<'a> {
    let presented = identity.presented(req, clients);
    if !matches!(presented, Presented::InvalidCredential(Invalid::UnknownKey)) {
        return presented;
    }
    let asking = Arc::clone(identity);
    let fetched = web::block(move || asking.jwt.as_ref().is_some_and(Jwt::refetch_if_due))
        .await
        .unwrap_or(false);
    if fetched {
        identity.presented(req, clients)
    } else {
        presented
    }
}

/// Whether `client` may call `route` (on the policy of `path`) now: its permit when it may,
/// counted either way; the 403 or 429 when it may not.
fn admitted(
    identity: &Identity,
    client: &Client,
    route: Route,
    path: &str,
) -> Result<Option<BatchPermit>, ApiError> {
    let name = &client.name;
    let count = |outcome: &str| {
        identity
            .counted
            .with_label_values(&[&**name, outcome])
            .inc()
    };
    if let Some(refused) = refusal(client, route, policy_of(path)) {
        count("forbidden");
        tracing::warn!(client = %name, path = %path, route = route.as_str(), "request refused: not allowed to this client");
        return Err(refused);
    }
    let batch = matches!(route, Route::Batch | Route::Impact);
    match identity.limiter.admit(name, &client.limits, batch) {
        Ok(permit) => {
            count("allowed");
            Ok(permit)
        }
        Err(limited) => {
            // Each is in the request log (429, with the client): no line of its own, which a
            // flood would multiply.
            count(outcome_of(limited));
            Err(over_limit(Who::Client(name), &client.limits, limited))
        }
    }
}

/// Limits on the callers of the guarded routes while client identity is off: each address
/// (the connection's peer) has the same `limits`, so that one machine flooding the service
/// spends its own allowance and not the others' time.
pub struct Anonymous {
    /// The limits of each address.
    pub limits: ClientLimits,
    /// What each address has used of them.
    pub limiter: Limiter,
    /// Requests by outcome, under the client `-`.
    pub counted: IntCounterVec,
}

/// The gate of a request to `route` while client identity is off, with limits per address.
async fn by_address<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
    anonymous: &Anonymous,
    route: Route,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let address = address_of(&req);
    let batch = matches!(route, Route::Batch | Route::Impact);
    match anonymous.limiter.admit(&address, &anonymous.limits, batch) {
        Ok(permit) => {
            anonymous
                .counted
                .with_label_values(&[NO_CLIENT, "allowed"])
                .inc();
            holding(req, next, permit).await
        }
        Err(limited) => {
            anonymous
                .counted
                .with_label_values(&[NO_CLIENT, outcome_of(limited)])
                .inc();
            let refused = over_limit(Who::Address(&address), &anonymous.limits, limited);
            Ok(req.error_response(refused))
        }
    }
}

/// The outcome's label in the metrics.
fn outcome_of(limited: Limited) -> &'static str {
    match limited {
        Limited::Rate(_) => "rate_limited",
        Limited::Batches(_) => "batch_limited",
    }
}

/// Serves a request admitted with `permit`, held until the answer has been sent: a batch
/// runs until its answer has been streamed.
async fn holding<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
    permit: Option<BatchPermit>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let res = next.call(req).await?;
    Ok(match permit {
        Some(permit) => res.map_body(|_, body| {
            Held {
                body: body.boxed(),
                _permit: permit,
            }
            .boxed()
        }),
        None => res.map_into_boxed_body(),
    })
}

/// Whose limits a request is over.
#[derive(Clone, Copy)]
enum Who<'a> {
    /// A client of the file, by name.
    Client(&'a str),
    /// A caller not identified, by address.
    Address(&'a str),
}

/// The 429 of a client (or an address) over `limited`.
fn over_limit(who: Who<'_>, limits: &ClientLimits, limited: Limited) -> ApiError {
    let (fr, en) = match who {
        Who::Client(name) => (format!("le client `{name}`"), format!("client `{name}`")),
        Who::Address(address) => (format!("l'adresse {address}"), format!("address {address}")),
    };
    match limited {
        Limited::Rate(wait) => {
            let rate = limits.rate.unwrap_or_default();
            // Whole seconds, rounded up: `Retry-After` has no fractions.
            let seconds = wait
                .as_secs()
                .saturating_add(u64::from(wait.subsec_nanos() > 0))
                .max(1);
            let (rate_fr, rate_en) = requests_per_second(rate);
            ApiError::TooManyRequests(
                seconds,
                Said::new(
                    format!("{fr} dépasse son débit de {rate_fr}"),
                    format!("{en} is over its rate of {rate_en}"),
                ),
            )
        }
        Limited::Batches(max) => {
            let (lots, batches) = if max < 2 {
                ("lot", "batch")
            } else {
                ("lots", "batches")
            };
            ApiError::TooManyRequests(
                1,
                Said::new(
                    format!("{fr} a déjà {max} {lots} en cours : attendez qu'un lot finisse"),
                    format!(
                        "{en} already runs {max} {batches} at once: wait until one has finished"
                    ),
                ),
            )
        }
    }
}

/// A rate in words: `1 requête par seconde`, `2,5 requêtes par seconde` (French takes the
/// singular below 2, and a decimal comma), `1 request per second`, `0.5 requests per second`.
fn requests_per_second(rate: f64) -> (String, String) {
    let fr = if rate < 2.0 { "requête" } else { "requêtes" };
    let en = if rate == 1.0 { "request" } else { "requests" };
    (
        format!("{} {fr} par seconde", rate.to_string().replace('.', ",")),
        format!("{rate} {en} per second"),
    )
}

/// A response body that holds a batch's permit until it is sent (or abandoned).
struct Held {
    body: BoxBody,
    _permit: BatchPermit,
}

impl MessageBody for Held {
    type Error = <BoxBody as MessageBody>::Error;

    fn size(&self) -> actix_web::body::BodySize {
        self.body.size()
    }

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<web::Bytes, Self::Error>>> {
        std::pin::Pin::new(&mut self.get_mut().body).poll_next(cx)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests assert by panicking")]
    use super::*;

    #[test]
    fn a_rate_is_said_in_the_singular_or_plural_of_each_language() {
        let said = |rate: f64| requests_per_second(rate);
        assert_eq!(
            said(1.0),
            (
                "1 requête par seconde".into(),
                "1 request per second".into()
            )
        );
        assert_eq!(
            said(0.5),
            (
                "0,5 requête par seconde".into(),
                "0.5 requests per second".into()
            )
        );
        assert_eq!(
            said(20.0),
            (
                "20 requêtes par seconde".into(),
                "20 requests per second".into()
            )
        );
    }

    /// Every operation of the service is either open or in a route family: a route added
    /// later is not open by oversight.
    #[test]
    fn every_operation_is_open_or_gated_on_purpose() {
        let open = [
            "GET /v1/policies",
            "GET /v1/policies/{id}/versions/{version}",
            "GET /v1/policies/{id}/versions/{version}/schema",
            "GET /v1/policies/{id}/versions/{version}/decision-schema",
            "GET /v1/policies/{id}/diff",
            "GET /healthz",
            "GET /readyz",
            "GET /v1/keys",
        ];
        let api = crate::server::openapi();
        let mut seen = Vec::new();
        for (path, item) in &api.paths.paths {
            for (method, op) in [
                (Method::GET, &item.get),
                (Method::POST, &item.post),
                (Method::PUT, &item.put),
                (Method::DELETE, &item.delete),
            ] {
                if op.is_none() {
                    continue;
                }
                let name = format!("{method} {path}");
                let gated = route_of(&method, path).is_some();
                assert!(
                    gated != open.contains(&name.as_str()),
                    "`{name}` is {}",
                    if gated {
                        "gated and listed open"
                    } else {
                        "neither gated nor listed open"
                    }
                );
                seen.push(name);
            }
        }
        for name in open {
            assert!(seen.iter().any(|s| s == name), "`{name}` is no operation");
        }
    }

    #[test]
    fn an_address_is_limited_as_itself_or_as_its_slash_64() {
        let key = |ip: &str| address_key(ip.parse().unwrap());
        assert_eq!(key("203.0.113.7"), "203.0.113.7");
        assert_eq!(key("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(key("2001:db8:1:2:ffff::9"), key("2001:db8:1:2::1"));
        assert_ne!(key("2001:db8:1:3::1"), key("2001:db8:1:2::1"));
    }

    #[test]
    fn the_policy_is_read_from_the_path() {
        assert_eq!(policy_of("/v1/policies/bts/decisions/batch"), Some("bts"));
        assert_eq!(policy_of("/v1/admin/reload"), None);
    }
}
