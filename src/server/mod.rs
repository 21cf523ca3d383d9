//! The HTTP service (SPEC §6): decisions for one candidate or a cohort, the policies and their
//! versions, health and metrics, the OpenAPI document and its browsable UI. Built on the same
//! engine as the command line; `create_app` is what production and the tests run.

pub mod clients;
pub mod connections;
pub mod cors;
pub mod encoding;
mod examples;
pub mod problem;
pub mod records;
pub mod reread;
pub mod routes;
pub mod stopping;
pub mod store;
pub mod tls;
pub mod watch;

use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{App, HttpResponse, web};
use chrono::NaiveDate;
use prometheus::{IntCounterVec, Opts, Registry};
use utoipa::openapi::OpenApi;
use utoipa_actix_web::AppExt;

use crate::server::problem::ApiError;
use crate::server::store::Store;

/// Limits on what a request may carry.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest body of a single decision request, in bytes.
    pub body: usize,
    /// Largest body of a JSON batch request, in bytes.
    pub batch_body: usize,
    /// Largest line of an NDJSON batch, in bytes.
    pub ndjson_line: usize,
    /// Deepest nesting of arrays and objects in a JSON body.
    pub json_depth: usize,
    /// Most inputs in a JSON batch (NDJSON streams have no such limit).
    pub batch_len: usize,
    /// Longest string in an input, in bytes.
    pub string_len: usize,
    /// Longest evaluation of one request (a JSON batch as a whole, an NDJSON line each).
    pub deadline: std::time::Duration,
    /// Longest wait for a whole body, from the moment its handler starts reading it (for an
    /// NDJSON stream: for each line); past it the answer is 408 and the connection is closed.
    pub body_timeout: std::time::Duration,
    /// Largest policy text an administrator may upload, in bytes.
    pub policy_body: usize,
}

impl Limits {
    /// The bounds on a candidate's record.
    pub fn bounds(&self) -> crate::request::Bounds {
        crate::request::Bounds {
            json_depth: self.json_depth,
            string_len: self.string_len,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        let bounds = crate::request::Bounds::default();
        Limits {
            body: 1 << 20,
            batch_body: 64 << 20,
            ndjson_line: 1 << 20,
            json_depth: bounds.json_depth,
            batch_len: 100_000,
            string_len: bounds.string_len,
            deadline: std::time::Duration::from_secs(30),
            body_timeout: std::time::Duration::from_secs(10),
            policy_body: 4 << 20,
        }
    }
}

/// Where the metrics are served (by their middleware, not by a route).
pub const METRICS_PATH: &str = "/metrics";

/// The service's metrics: requests and latency per route and status (the middleware),
/// decisions per policy and version, reloads.
#[derive(Clone)]
pub struct Metrics {
    /// Decisions made, by policy and version.
    pub decisions: IntCounterVec,
    /// Decisions made by a stale version (its file now fails), by policy and version.
    pub stale_decisions: IntCounterVec,
    /// Reloads of the policies folder, by result (`ok`, `failed`).
    pub reloads: IntCounterVec,
    /// Failed reloads, by reason (`unreadable`, `empty`, `check`).
    pub reload_failures: IntCounterVec,
    /// The decision records' counters.
    pub records: records::RecordMetrics,
    /// Requests by client and outcome (`allowed`, `forbidden`, `unidentified` under client
    /// `-`), with client identity on.
    pub clients: IntCounterVec,
    /// The middleware that counts requests and serves `/metrics`.
    pub middleware: actix_web_prom::PrometheusMetrics,
}

impl Metrics {
    /// Creates and registers the metrics.
    pub fn new() -> Result<Metrics, Box<dyn std::error::Error + Send + Sync>> {
        let registry = Registry::new();
        let decisions = IntCounterVec::new(
            Opts::new(
                "clausier_decisions_total",
                "Decisions made, by policy and version",
            ),
            &["policy", "version"],
        )?;
        let stale_decisions = IntCounterVec::new(
            Opts::new(
                "clausier_stale_decisions_total",
                "Decisions made by a version whose file now fails the check (its last good version), by policy and version",
            ),
            &["policy", "version"],
        )?;
        let reloads = IntCounterVec::new(
            Opts::new("clausier_reloads_total", "Reloads of the policies folder"),
            &["result"],
        )?;
        let reload_failures = IntCounterVec::new(
            Opts::new(
                "clausier_reload_failures_total",
                "Reloads of the policies folder that kept the last good versions, by reason",
            ),
            &["reason"],
        )?;
        registry.register(Box::new(decisions.clone()))?;
        registry.register(Box::new(stale_decisions.clone()))?;
        registry.register(Box::new(reloads.clone()))?;
        registry.register(Box::new(reload_failures.clone()))?;
        let records = records::RecordMetrics::new(&registry)?;
        let clients = IntCounterVec::new(
            Opts::new(
                "clausier_client_requests_total",
                "Requests to the routes that identify their client, by client and outcome",
            ),
            &["client", "outcome"],
        )?;
        registry.register(Box::new(clients.clone()))?;
        let middleware = actix_web_prom::PrometheusMetricsBuilder::new("clausier")
            .registry(registry)
            .endpoint(METRICS_PATH)
            .mask_unmatched_patterns("UNKNOWN")
            .build()?;
        Ok(Metrics {
            decisions,
            stale_decisions,
            reloads,
            reload_failures,
            records,
            clients,
            middleware,
        })
    }
}

/// Everything the handlers share.
#[derive(Clone)]
pub struct AppState {
    /// The served policies.
    pub store: Arc<Store>,
    /// Today's date, for choosing the version in force (injected so tests can fix it).
    pub today: Arc<dyn Fn() -> NaiveDate + Send + Sync>,
    /// Request limits.
    pub limits: Limits,
    /// Counters.
    pub metrics: Metrics,
    /// The bearer token of the administration routes; none turns them off (404).
    pub admin_token: Option<Arc<str>>,
    /// Held by every administrative write from its check to its reload, so that two writes
    /// never interleave (an upload of a version and the deletion of the version it extends).
    pub admin_lock: Arc<std::sync::Mutex<()>>,
    /// The origins whose pages may call the service from a browser (CORS), each checked with
    /// [`cors::check_origin`]; `*` for any; none (the default) turns CORS off.
    pub cors_origins: Vec<String>,
    /// The store of decision records; none: decisions are not kept.
    pub records: Option<Arc<records::Records>>,
    /// The key that signs each decision's receipt; none: decisions carry no receipt.
    pub signer: Option<Arc<records::receipt::Signer>>,
    /// The public keys that signed receipts before the key in use, published beside it.
    pub retired_keys: Arc<[records::receipt::Jwk]>,
    /// The bearer token of the routes that read the records; none turns them off (404).
    pub records_token: Option<Arc<str>>,
    /// Client identity (`--clients-file`); none: requests name no client (off).
    pub identity: Option<Arc<clients::gate::Identity>>,
    /// Limits on the callers of the guarded routes while client identity is off, per
    /// address (`--anonymous-rate`…); none: no limit.
    pub anonymous: Option<Arc<clients::gate::Anonymous>>,
    /// Who to tell when a page cannot be used (an address, a link or words), shown in the
    /// accessibility statement (none: the statement sends readers to the team that runs the
    /// service).
    pub accessibility_contact: Option<Arc<str>>,
}

/// Checks an administration token: at least 16 characters, all of them those a bearer token
/// may hold (RFC 6750's `token68`: letters, digits, `-._~+/`, then `=` padding), so that a
/// token can be sent at all and is not blank. The reason when it is not.
pub fn check_admin_token(token: &str) -> Result<(), String> {
    let body = token.trim_end_matches('=');
    let allowed =
        |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~' | '+' | '/');
    if body.chars().count() < 16 {
        return Err("the administration token must be at least 16 characters long".into());
    }
    if body.is_empty() || !body.chars().all(allowed) {
        return Err(
            "the administration token may hold only ASCII letters, digits and `-._~+/` (then `=`): \
             nothing else can be sent in an `Authorization: Bearer` header"
                .into(),
        );
    }
    Ok(())
}

impl AppState {
    /// A state over `store`, with the system clock and default limits.
    pub fn new(store: Arc<Store>) -> Result<AppState, Box<dyn std::error::Error + Send + Sync>> {
        let metrics = Metrics::new()?;
        store.count_failures_in(metrics.reload_failures.clone());
        Ok(AppState {
            store,
            today: Arc::new(|| chrono::Local::now().date_naive()),
            limits: Limits::default(),
            metrics,
            admin_token: None,
            admin_lock: Arc::new(std::sync::Mutex::new(())),
            cors_origins: Vec::new(),
            records: None,
            signer: None,
            retired_keys: Arc::from([]),
            records_token: None,
            identity: None,
            anonymous: None,
            accessibility_contact: None,
        })
    }
}

/// The OpenAPI document of the service, generated from the handlers.
pub fn openapi() -> OpenApi {
    let (_, mut api) = App::new()
        .into_utoipa_app()
        .configure(routes::configure)
        .split_for_parts();
    api.info.title = "clausier".into();
    api.info.description = Some(
        "A rules engine for regulations: decisions on candidates' records, each conclusion citing the clauses it rests on."
            .into(),
    );
    api.info.version = env!("CARGO_PKG_VERSION").into();
    api.info.license = None;
    api.info.contact = None;
    use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
    let bearer = SecurityScheme::Http(
        HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some(
                "the administration token (`CLAUSIER_ADMIN_TOKEN` or `--admin-token-file`)",
            ))
            .build(),
    );
    let records = SecurityScheme::Http(
        HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some(
                "the token of the decision records (`CLAUSIER_RECORDS_TOKEN` or `--records-token-file`)",
            ))
            .build(),
    );
    let components = api.components.get_or_insert_with(Default::default);
    components.add_security_scheme("bearer", bearer);
    components.add_security_scheme("records", records);
    clients::document(&mut api);
    routes::document_errors(&mut api);
    examples::add(&mut api);
    document_clauses(api)
}

/// The `clauses` of a decision asked with `citations=ids`: the decision's schema holds no such
/// field (the decision JSON is written without it otherwise), so the document adds it, with
/// the `ClauseText` it maps each id to.
fn document_clauses(mut api: OpenApi) -> OpenApi {
    use utoipa::PartialSchema as _;
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{ObjectBuilder, Ref, Schema, SchemaType, Type};
    let components = api.components.get_or_insert_with(Default::default);
    components
        .schemas
        .insert("ClauseText".into(), crate::decision::ClauseText::schema());
    if let Some(RefOr::T(Schema::Object(decision))) = components.schemas.get_mut("Decision") {
        let clauses = ObjectBuilder::new()
            .schema_type(SchemaType::from_iter([Type::Object, Type::Null]))
            .additional_properties(Some(RefOr::Ref(Ref::from_schema_name("ClauseText"))))
            .description(Some(
                "With `citations=ids` only: the section and text of every clause the \
                 conclusions cite, by id, once each.",
            ));
        decision
            .properties
            .insert("clauses".into(), RefOr::T(Schema::Object(clauses.build())));
        // Absent unless the service signs decisions (the default when serving): the receipt,
        // an Ed25519 signature checked against `GET /v1/keys` or offline by `clausier verify`.
        let receipt = RefOr::Ref(Ref::from_schema_name("Receipt"));
        decision.properties.insert("receipt".into(), receipt);
    }
    api
}

/// The application: routes, error handling, metrics and request logging, compression and
/// CORS. `api` is the document served at `/openapi.json` (build it once with [`openapi`]).
///
/// The middleware, from the outside in: metrics (which answer `/metrics` themselves), the
/// request log and id, refused CORS preflights said as problems, the choice of a content
/// coding, `Compress` (answers of known length), streamed answers encoded and flushed as they
/// go, CORS (when origins are configured), `no-store` on answers to `POST`, `HEAD` as `GET`,
/// and errors said in the request's language.
pub fn create_app(
    state: AppState,
    api: Arc<OpenApi>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    use actix_web::middleware::{Compress, Condition, from_fn};
    // With client identity on, a client may be allowed the administration without a token.
    let admin = state.admin_token.is_some() || state.identity.is_some();
    let not_allowed = routes::method_fallbacks(&api, admin);
    let metrics = state.metrics.middleware.clone();
    let cors = Condition::new(
        !state.cors_origins.is_empty(),
        cors::middleware(&state.cors_origins, admin, state.identity.is_some()),
    );
    App::new()
        .app_data(web::Data::new(state))
        .app_data(web::JsonConfig::default().error_handler(problem::json_error))
        .app_data(web::PathConfig::default().error_handler(problem::path_error))
        .app_data(web::QueryConfig::default().error_handler(problem::query_error))
        .wrap(from_fn(clients::gate::gate))
        .wrap(from_fn(routes::speak))
        .wrap(from_fn(routes::head_as_get))
        .wrap(from_fn(routes::no_store))
        // Inside the compression: CORS rewrites `Vary` from its first value only, so it must
        // come before `Compress` adds `accept-encoding` as a second one.
        .wrap(cors)
        .wrap(from_fn(encoding::encode_streams))
        .wrap(Compress::default())
        .wrap(from_fn(encoding::accept_encoding))
        .wrap(from_fn(cors::problems))
        .wrap(from_fn(routes::log_request))
        .wrap(metrics)
        .into_utoipa_app()
        .configure(routes::configure)
        .into_app()
        .configure(|cfg| routes::configure_docs(cfg, &api))
        .configure(routes::ui::configure_ui)
        .configure(routes::health::configure_metrics)
        .configure(not_allowed)
        .default_service(web::to(|| async {
            Err::<HttpResponse, _>(ApiError::NotFound(problem::Said::new(
                "aucune route ne correspond",
                "no such route",
            )))
        }))
}

impl ApiError {
    /// The error as a response.
    pub fn into_response(self) -> HttpResponse {
        actix_web::ResponseError::error_response(&self)
    }
}

/// Options of `clausier serve`.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The policies folder.
    pub policies: std::path::PathBuf,
    /// Where to listen.
    pub addr: String,
    /// Worker threads (default: the number of cores).
    pub workers: Option<usize>,
    /// Request limits.
    pub limits: Limits,
    /// Longest wait for a request's headers (actix's `client_request_timeout`); the body has
    /// its own bound, [`Limits::body_timeout`].
    pub header_timeout: Duration,
    /// Most client connections open at once in the process (none: as many as the limit on
    /// open files allows, see [`connections::cap`]).
    pub max_connections: Option<usize>,
    /// The bearer token of the administration routes (none: they answer 404).
    pub admin_token: Option<String>,
    /// How long the policies folder must stay unchanged before a change is read.
    pub settle: Duration,
    /// Serve versions whose examples fail (logged) instead of refusing them.
    pub accept_failing_examples: bool,
    /// The origins allowed to call the service from a browser (CORS; none: off).
    pub cors_origins: Vec<String>,
    /// Where the service keeps its data (created when missing).
    pub data_dir: std::path::PathBuf,
    /// The decision store (none: decisions are not kept).
    pub records: Option<records::RecordsOptions>,
    /// The key that signs receipts, made there when missing if it is in the data folder
    /// (none: no receipts).
    pub signing_key: Option<std::path::PathBuf>,
    /// A key set (as `GET /v1/keys` gives it) of the keys that signed receipts before.
    pub retired_keys: Option<std::path::PathBuf>,
    /// The bearer token of the routes that read the records (none: they answer 404).
    pub records_token: Option<String>,
    /// The certificate and key to serve TLS with (none: plain HTTP).
    pub tls: Option<tls::TlsFiles>,
    /// The clients file (none: client identity off).
    pub clients_file: Option<std::path::PathBuf>,
    /// An identity provider whose bearer tokens identify clients (with a clients file).
    pub jwt: Option<clients::jwt::JwtOptions>,
    /// The limits of each address while client identity is off (all none: no limit).
    pub anonymous: clients::limits::ClientLimits,
    /// The accessibility contact shown in the pages' accessibility statement.
    pub accessibility_contact: Option<String>,
    /// The day taken as today when a request names neither a version nor a date (none: the
    /// machine's clock, day by day).
    pub today: Option<NaiveDate>,
}

/// Runs the service until SIGTERM or SIGINT, then finishes the requests in flight.
pub fn serve(options: ServeOptions) -> std::io::Result<()> {
    init_logging();
    routes::admin::remove_stale_temporaries(&options.policies);
    let store = Arc::new(Store::open_accepting(
        &options.policies,
        None,
        options.accept_failing_examples,
    ));
    let set = store.snapshot();
    let versions: usize = set.policies.values().map(|p| p.versions.len()).sum();
    tracing::info!(policies = set.policies.len(), versions, folder = %options.policies.display(), "policies loaded");
    log_failures(&store);
    let mut state = AppState::new(Arc::clone(&store)).map_err(std::io::Error::other)?;
    state.limits = options.limits;
    state.admin_token = options.admin_token.map(Arc::from);
    if state.admin_token.is_some() {
        tracing::info!("administration routes enabled");
        if crate::load::tree::published_by_swap(&options.policies) {
            tracing::warn!(
                folder = %options.policies.display(),
                "the policies folder is published by a symlink swap (a ConfigMap or git-sync layout): \
                 with several replicas, publish policies through git/ConfigMap, not the admin API \
                 (an upload reaches one replica only, and the next revision published replaces it)"
            );
        }
    }
    state.cors_origins = options.cors_origins;
    if options.records.is_some() || options.signing_key.is_some() {
        records::private_dir(&options.data_dir).map_err(|e| {
            std::io::Error::new(e.kind(), format!("{}: {e}", options.data_dir.display()))
        })?;
    }
    if let Some(path) = &options.signing_key {
        let create = path.parent() == Some(options.data_dir.as_path());
        let signer =
            records::receipt::Signer::from_file(path, create).map_err(std::io::Error::other)?;
        tracing::info!(key_id = signer.key_id(), key = %path.display(), "decisions carry signed receipts");
        state.signer = Some(Arc::new(signer));
    }
    if let Some(path) = &options.retired_keys {
        let retired = records::receipt::retired_keys(path).map_err(std::io::Error::other)?;
        let ids: Vec<&str> = retired.iter().map(|k| k.kid.as_str()).collect();
        tracing::info!(keys = ?ids, file = %path.display(), "retired receipt keys published beside the key in use");
        state.retired_keys = Arc::from(retired);
    }
    if let Some(records) = &options.records {
        let opened = records::Records::open(records, state.metrics.records.clone())
            .map_err(std::io::Error::other)?;
        tracing::info!(store = %records::shown(&records.url), hashed = records.hashed.is_some(), retention = ?records.retention, purge_every = ?records.purge_every, "decisions are recorded");
        if records.hashed.is_some() && records.salt_file.is_none() && !opened.db().is_sqlite() {
            tracing::warn!(
                "inputs are hashed with the salt of this data folder, in a store replicas may share: each replica hashes candidates its own way unless they share one salt (--input-salt-file)"
            );
        }
        state.records = Some(Arc::new(opened));
    } else {
        tracing::info!("decisions are not recorded (--store none)");
    }
    state.records_token = options.records_token.map(Arc::from);
    state.accessibility_contact = options.accessibility_contact.map(Arc::from);
    if let Some(day) = options.today {
        tracing::warn!(%day, "today is fixed (--today): the version in force is the one of that day, whatever the clock says");
        state.today = Arc::new(move || day);
    }
    if state.records_token.is_some() {
        tracing::info!("the routes that read decision records are enabled");
    }
    if let Some(path) = &options.clients_file {
        let clients = clients::watched(path.clone()).map_err(std::io::Error::other)?;
        tracing::info!(file = %path.display(), clients = clients.get().len(), "client identity on: the decision routes need a client's API key");
        let jwt = match options.jwt {
            Some(jwt) => {
                let opened = clients::jwt::Jwt::open(jwt).map_err(std::io::Error::other)?;
                let options = opened.options();
                tracing::info!(issuer = %options.issuer, audience = %options.audience, claim = %options.claim, keys = opened.keys().len(), "the identity provider's bearer tokens identify clients");
                Some(opened)
            }
            None => None,
        };
        state.identity = Some(Arc::new(clients::gate::Identity {
            clients,
            counted: state.metrics.clients.clone(),
            limiter: clients::limits::Limiter::default(),
            jwt,
        }));
    }
    let anonymous = options.anonymous;
    if anonymous != clients::limits::ClientLimits::default() {
        anonymous
            .check()
            .map_err(|e| std::io::Error::other(format!("--anonymous-*: {}", e.replace('`', ""))))?;
        if state.identity.is_some() {
            tracing::info!(rate = ?anonymous.rate, burst = ?anonymous.burst, "requests that name no client are limited per caller address");
        } else {
            tracing::info!(rate = ?anonymous.rate, burst = ?anonymous.burst, batches = ?anonymous.batches, "the decision routes are limited per caller address");
        }
        state.anonymous = Some(Arc::new(clients::gate::Anonymous {
            limits: anonymous,
            limiter: clients::limits::Limiter::default(),
            counted: state.metrics.clients.clone(),
        }));
    }
    if !state.cors_origins.is_empty() {
        tracing::info!(origins = ?state.cors_origins, "cross-origin requests (CORS) allowed");
    }
    let reloads = state.metrics.reloads.clone();
    let watched = Arc::clone(&store);
    let watch = store::WatchOptions {
        settle: options.settle,
        ..store::WatchOptions::default()
    };
    let _watcher = store::watch_with(Arc::clone(&store), watch, move |summary| {
        let result = if summary.failed_files == 0 {
            "ok"
        } else {
            "failed"
        };
        reloads.with_label_values(&[result]).inc();
        if summary
            .failure
            .is_none_or(|f| f == store::ReloadFailure::Check)
        {
            tracing::info!(
                versions = summary.versions,
                failed_files = summary.failed_files,
                "policies reloaded"
            );
        }
        log_failures(&watched);
    })
    .map_err(std::io::Error::other)?;
    tracing::info!(folder = %options.policies.display(), settle = ?options.settle, "watching the policies folder");
    let api = Arc::new(openapi());
    let workers = options
        .workers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, usize::from));
    let cap = connections::cap(options.max_connections, connections::open_files_limit());
    let tls = match &options.tls {
        Some(files) => Some(tls::server_config(files).map_err(std::io::Error::other)?),
        None => None,
    };
    let secure = tls.is_some();
    tracing::info!(
        max_connections = cap,
        header_timeout = ?options.header_timeout,
        body_timeout = ?options.limits.body_timeout,
        "connection limits"
    );
    actix_web::rt::System::new().block_on(async move {
        // In place before the service says it listens: from then on a stop is always graceful.
        let signal = stopping::signal()?;
        let open = stopping::OpenConnections::default();
        let tracked = open.clone();
        let records = state.records.clone();
        let server =
            actix_web::HttpServer::new(move || create_app(state.clone(), Arc::clone(&api)))
                .workers(workers)
                .max_connections(connections::per_worker(cap, workers))
                .client_request_timeout(head_deadline(options.header_timeout))
                .on_connect(move |conn, extensions| {
                    tracked.track(extensions);
                    tls::note_peer(conn, extensions);
                })
                .disable_signals();
        let server = match tls {
            Some(config) => server.bind_rustls_0_23(&options.addr, config)?,
            None => server.bind(&options.addr)?,
        };
        for addr in server.addrs() {
            if !secure && !addr.ip().is_loopback() {
                tracing::warn!(
                    %addr,
                    "listening beyond this machine without TLS: candidates' records and decisions \
                     cross the network in clear (give --tls-cert and --tls-key, or put a TLS proxy in front)"
                );
            }
            tracing::info!(%addr, workers, tls = secure, "listening");
        }
        let server = server.run();
        let handle = server.handle();
        actix_web::rt::spawn(async move {
            let signal = signal.await;
            // Paused first, and stopped once the connections have closed: see `stopping`.
            handle.pause().await;
            tracing::info!(
                %signal,
                "stopping: no new connection is accepted, the requests in flight finish"
            );
            let drained = open.drained(stopping::GRACE).await;
            if !drained {
                tracing::warn!(
                    connections = open.count(),
                    "stopping with connections still open after {:?}",
                    stopping::GRACE
                );
            }
            handle.stop(drained).await;
        });
        server.await?;
        // The records of the decisions answered are written before the process exits.
        if let Some(records) = records {
            if records.flush(stopping::GRACE).await {
                tracing::info!("every decision record is written");
            } else {
                tracing::warn!(
                    "stopping before every decision record was written: see the lost ones above"
                );
            }
        }
        Ok(())
    })
}

/// How often the HTTP layer (actix-http) reads the clock: it sets a connection's deadline for
/// its headers from a time it refreshes every half second, which can be that much behind.
const HTTP_CLOCK_TICK: Duration = Duration::from_millis(500);

/// The header timeout to give the HTTP layer so that a client has at least `wanted`: with
/// `wanted` alone, a connection accepted just before the clock is refreshed would have up to
/// half a second less, and one under half a second could be answered 408 at once. (Zero, which
/// the HTTP layer reads as "no timeout", is never given.)
fn head_deadline(wanted: Duration) -> Duration {
    wanted + HTTP_CLOCK_TICK
}

fn log_failures(store: &Store) {
    for policy in store.snapshot().policies.values() {
        for file in policy
            .files
            .iter()
            .filter(|f| f.status != store::LoadStatus::Ok)
        {
            for d in file
                .diagnostics
                .iter()
                // An I/O error is logged once, as an error, by the store.
                .filter(|d| {
                    d.severity == crate::diagnostic::Severity::Error && d.code != "io-error"
                })
            {
                // One line per diagnostic, as every log record: the caret rendering is in the
                // policy list (`GET /v1/policies`).
                tracing::warn!(
                    policy = %policy.id,
                    file = %file.file,
                    status = ?file.status,
                    code = %d.code,
                    location = %d.location.as_deref().unwrap_or(""),
                    "{}",
                    d.message.replace('\n', " ")
                );
            }
        }
    }
}

fn init_logging() {
    use tracing_subscriber::EnvFilter;
    // notify warns when it cannot unwatch a folder that a swap has just removed (the old
    // revision of a ConfigMap or a git-sync checkout): the service watches the new one, so
    // that is no news for an operator (unless `RUST_LOG` asks for notify's own words).
    let asked = std::env::var("RUST_LOG").unwrap_or_else(|_| "info".to_string());
    let directives = if asked.contains("notify") {
        asked
    } else {
        format!("{asked},notify::inotify=error")
    };
    let filter = EnvFilter::try_new(&directives).unwrap_or_else(|_| EnvFilter::new("info"));
    use std::io::IsTerminal;
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}
