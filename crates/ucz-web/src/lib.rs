//! The ucz platform server: a JSON API under `/api/v1` over the store, with accounts and roles,
//! problem+json errors and an audit trail, and the web pages (`pages`) built on the same handlers. Handlers validate with `ucz-core` and persist with
//! `ucz-store`; this crate alone knows HTTP.

pub mod api;
pub mod auth;
mod body_policy;
pub use ucz_service::demo;
pub mod error;
pub mod mail;
pub mod monitoring;
mod session;

use std::sync::Arc;

use axum::Router;

use ucz_core::{Catalog, Clock};
use ucz_service::Services;
use ucz_store::Store;

/// What every handler shares: the use cases' services, and what the web adds.
#[derive(Clone)]
pub struct AppState {
    pub services: Services,
    pub limiter: Arc<auth::LoginLimiter>,
    pub pages: Arc<pages::Pages>,
    /// Set behind TLS: session cookies get `Secure`.
    pub secure_cookies: bool,
    /// How much a spreadsheet or CSV import may read and keep.
    pub import: ImportLimits,
    /// Health, readiness and metrics.
    pub monitoring: Arc<monitoring::Monitoring>,
    /// What sends mail (`mail::SmtpRelay`), or `mail::NoRelay` when mail is held in the outbox.
    pub relay: Arc<dyn ucz_service::notices::Relay>,
}

/// Limits of the spreadsheet and CSV import (`/import`), beyond the 10 MB of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImportLimits {
    /// Data rows a file may hold below its header row.
    pub max_rows: usize,
    /// Bytes that the files of all previews awaiting confirmation may hold together; a new
    /// preview beyond them is refused (503) until earlier ones are confirmed or expire.
    pub pending_bytes: usize,
}

impl Default for ImportLimits {
    fn default() -> Self {
        ImportLimits {
            max_rows: 50_000,
            pending_bytes: 128 << 20,
        }
    }
}

impl AppState {
    pub fn new(store: Store, catalog: Catalog, secure_cookies: bool) -> Self {
        let pages = Arc::new(pages::Pages::new(&catalog));
        AppState {
            pages,
            services: Services::new(store, catalog),
            limiter: Default::default(),
            secure_cookies,
            import: ImportLimits::default(),
            monitoring: Default::default(),
            relay: Arc::new(mail::NoRelay),
        }
    }

    /// The state with `/metrics` served to requests that carry `token`.
    pub fn with_metrics_token(mut self, token: Option<String>) -> Self {
        self.monitoring = Arc::new(monitoring::Monitoring {
            token,
            ..Default::default()
        });
        self
    }

    /// The state, and its store, reading the time from `clock` (the system's unless given).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.services = self.services.with_clock(clock);
        self
    }
}

/// Handlers hand the state to the use cases as their services.
impl std::ops::Deref for AppState {
    type Target = Services;
    fn deref(&self) -> &Services {
        &self.services
    }
}

/// Stores the catalog in the database (read-only through the API), replacing what an earlier
/// start stored when it changed.
pub async fn sync_catalog(state: &AppState) -> Result<bool, ucz_store::StoreError> {
    state.services.sync_catalog().await
}

/// Request bodies above this size are refused (413).
pub const MAX_BODY: usize = 1 << 20;

/// The 17 provinces (시·도) in WGS84, KOSTAT 2013 (assets/geo/README.md): the national map and
/// the study areas of site suitability.
pub const PROVINCES: &str = include_str!("../assets/geo/korea-provinces-2013-simple.geojson");

pub use api::operations::{Answer, Operation};

/// Every operation of the API.
pub fn operations() -> Vec<Operation> {
    api::operations::routes()
        .into_iter()
        .map(|route| route.operation)
        .collect()
}

pub fn router(state: AppState) -> Router {
    let mut paths: Vec<(&'static str, axum::routing::MethodRouter<AppState>)> = Vec::new();
    for api::operations::Route {
        operation,
        mut handler,
    } in api::operations::routes()
    {
        // A route without query parameters refuses any, as the others refuse unknown ones.
        if operation.query.is_none() {
            handler = handler.layer(axum::middleware::from_fn(api::refuse_any_query));
        }
        match paths.iter_mut().find(|(path, _)| *path == operation.path) {
            Some((_, existing)) => *existing = std::mem::take(existing).merge(handler),
            None => paths.push((operation.path, handler)),
        }
    }
    let mut router = Router::new();
    for (path, handler) in paths {
        router = router.route(path, handler);
    }
    router
        .merge(pages::routes())
        .merge(monitoring::routes())
        .route_layer(axum::middleware::from_fn(monitoring::mark_route))
        .fallback(fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn(
            body_policy::refuse_duplicate_keys,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            monitoring::record,
        ))
        .with_state(state)
}

/// Unknown paths: problem+json under `/api`, an HTML page elsewhere.
async fn fallback(
    state: axum::extract::State<AppState>,
    uri: axum::http::Uri,
    visitor: pages::Visitor,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if uri.path().starts_with("/api/") {
        error::ApiError::unknown_route().into_response()
    } else {
        pages::not_found(state, visitor).await
    }
}

/// A wrong method: problem+json under `/api`, an HTML page elsewhere.
async fn method_not_allowed(
    state: axum::extract::State<AppState>,
    uri: axum::http::Uri,
    visitor: pages::Visitor,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let error = error::ApiError::method_not_allowed();
    if uri.path().starts_with("/api/") {
        error.into_response()
    } else {
        visitor.error_page(&state, error)
    }
}

mod openapi_doc;
pub mod pages;

/// A zone's evaluation report as an Excel workbook (one sheet per section), for `ucz evaluate`.
pub fn report_workbook(
    report: &ucz_service::evaluation::report::Report,
) -> Result<Vec<u8>, String> {
    pages::export::report_workbook(report).map_err(|e| e.to_string())
}
pub use openapi_doc::{openapi, openapi_for, reference_page};

pub mod server;

/// Serves until SIGTERM or Ctrl-C, with the default limits.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    serve_with(listener, state, server::Limits::default()).await
}

/// Serves until SIGTERM or Ctrl-C.
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    state: AppState,
    limits: server::Limits,
) -> std::io::Result<()> {
    serve_behind(listener, state, limits, server::Proxies::default()).await
}

/// Serves behind reverse `proxies` until SIGTERM or Ctrl-C.
pub async fn serve_behind(
    listener: tokio::net::TcpListener,
    state: AppState,
    limits: server::Limits,
    proxies: server::Proxies,
) -> std::io::Result<()> {
    server::serve_behind(
        listener,
        router(state),
        limits,
        proxies,
        server::stop_signal(),
    )
    .await
}
