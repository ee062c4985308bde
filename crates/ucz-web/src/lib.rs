//! The ucz platform server: a JSON API under `/api/v1` over the store, with accounts and roles,
//! problem+json errors and an audit trail, and the web pages (`pages`) built on the same handlers. Handlers validate with `ucz-core` and persist with
//! `ucz-store`; this crate alone knows HTTP.

pub mod api;
pub mod auth;
mod body_policy;
pub use ucz_service::demo;
pub mod error;
mod session;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
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
        }
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

/// One operation of the API: how it is documented, and the handler that serves it. The router
/// and the OpenAPI document are both made from this list, so they cannot disagree.
pub struct Operation {
    pub method: &'static str,
    pub path: &'static str,
    pub summary: &'static str,
    /// Who may call it, in words (the rules are in `access`).
    pub access: &'static str,
    /// The component schema of the request body, if any.
    pub body: Option<&'static str>,
}

type Handler = axum::routing::MethodRouter<AppState>;

fn operations_and_handlers() -> Vec<(Operation, Handler)> {
    use api::*;
    use axum::routing::{delete, put};
    let op = |method, path, summary, access, body| Operation {
        method,
        path,
        summary,
        access,
        body,
    };
    let anyone = "anyone";
    let account = "any account";
    vec![
        (
            op(
                "get",
                "/api/v1/catalog",
                "The whole catalog, one array per kind",
                anyone,
                None,
            ),
            get(analysis::catalog),
        ),
        (
            op(
                "get",
                "/api/v1/catalog/{kind}",
                "One kind of the catalog (programs, designations, …)",
                anyone,
                None,
            ),
            get(analysis::catalog_kind),
        ),
        (
            op("get", "/api/v1/zones", "Zones, paginated", anyone, None),
            get(zones::list),
        ),
        (
            op(
                "post",
                "/api/v1/zones",
                "Create a zone (its top-level plan)",
                "admin, coordinator",
                Some("Zone"),
            ),
            post(zones::create),
        ),
        (
            op("get", "/api/v1/zones/{id}", "A zone", anyone, None),
            get(zones::read),
        ),
        (
            op(
                "put",
                "/api/v1/zones/{id}",
                "Replace a zone's plan",
                "admin, coordinator, the zone's operator",
                Some("Zone"),
            ),
            put(zones::update),
        ),
        (
            op(
                "delete",
                "/api/v1/zones/{id}",
                "Delete a zone with what it holds",
                "admin",
                None,
            ),
            delete(zones::delete),
        ),
        (
            op(
                "get",
                "/api/v1/zones/{id}/diagnosis",
                "The zone's diagnosis against the model of the brief",
                anyone,
                None,
            ),
            get(analysis::diagnosis),
        ),
        (
            op(
                "get",
                "/api/v1/facilities",
                "Facilities, paginated; ?zone_id=",
                account,
                None,
            ),
            get(facilities::list),
        ),
        (
            op(
                "post",
                "/api/v1/facilities",
                "Create a facility",
                "admin, the zone's operator",
                Some("Facility"),
            ),
            post(facilities::create),
        ),
        (
            op(
                "get",
                "/api/v1/facilities/{id}",
                "A facility",
                account,
                None,
            ),
            get(facilities::read),
        ),
        (
            op(
                "put",
                "/api/v1/facilities/{id}",
                "Replace a facility",
                "admin, the zone's operator",
                Some("Facility"),
            ),
            put(facilities::update),
        ),
        (
            op(
                "delete",
                "/api/v1/facilities/{id}",
                "Delete a facility and its spaces",
                "admin, the zone's operator",
                None,
            ),
            delete(facilities::delete),
        ),
        (
            op(
                "get",
                "/api/v1/spaces",
                "Spaces (rooms, units), paginated; ?facility_id=",
                account,
                None,
            ),
            get(spaces::list),
        ),
        (
            op(
                "post",
                "/api/v1/spaces",
                "Create a space",
                "admin, the zone's operator",
                Some("Space"),
            ),
            post(spaces::create),
        ),
        (
            op("get", "/api/v1/spaces/{id}", "A space", account, None),
            get(spaces::read),
        ),
        (
            op(
                "put",
                "/api/v1/spaces/{id}",
                "Replace a space",
                "admin, the zone's operator",
                Some("Space"),
            ),
            put(spaces::update),
        ),
        (
            op(
                "delete",
                "/api/v1/spaces/{id}",
                "Delete a space",
                "admin, the zone's operator",
                None,
            ),
            delete(spaces::delete),
        ),
        (
            op(
                "get",
                "/api/v1/institutions",
                "Institutions, paginated; ?zone_id=",
                account,
                None,
            ),
            get(institutions::list),
        ),
        (
            op(
                "post",
                "/api/v1/institutions",
                "Create an institution",
                "admin, the zone's operator",
                Some("Institution"),
            ),
            post(institutions::create),
        ),
        (
            op(
                "get",
                "/api/v1/institutions/{id}",
                "An institution",
                account,
                None,
            ),
            get(institutions::read),
        ),
        (
            op(
                "put",
                "/api/v1/institutions/{id}",
                "Replace an institution",
                "admin, the zone's operator",
                Some("Institution"),
            ),
            put(institutions::update),
        ),
        (
            op(
                "delete",
                "/api/v1/institutions/{id}",
                "Delete an institution",
                "admin, the zone's operator",
                None,
            ),
            delete(institutions::delete),
        ),
        (
            op(
                "get",
                "/api/v1/hubs",
                "Hubs outside the zones, paginated; ?region=",
                account,
                None,
            ),
            get(hubs::list),
        ),
        (
            op(
                "post",
                "/api/v1/hubs",
                "Register a hub of a region's network",
                "admin, coordinator",
                Some("Hub"),
            ),
            post(hubs::create),
        ),
        (
            op("get", "/api/v1/hubs/{id}", "A hub", account, None),
            get(hubs::read),
        ),
        (
            op(
                "put",
                "/api/v1/hubs/{id}",
                "Replace a hub",
                "admin, coordinator",
                Some("Hub"),
            ),
            put(hubs::update),
        ),
        (
            op(
                "delete",
                "/api/v1/hubs/{id}",
                "Delete a hub and its spaces",
                "admin, coordinator",
                None,
            ),
            delete(hubs::delete),
        ),
        (
            op(
                "get",
                "/api/v1/leases",
                "Leases the caller may see, paginated; ?space_id=&firm_id=",
                account,
                None,
            ),
            get(leases::list),
        ),
        (
            op(
                "post",
                "/api/v1/leases",
                "Create a lease (refused with the conflict named when it breaks a lease rule)",
                "admin, the space's zone operator; coordinators for hub spaces",
                Some("Lease"),
            ),
            post(leases::create),
        ),
        (
            op("get", "/api/v1/leases/{id}", "A lease", account, None),
            get(leases::read),
        ),
        (
            op(
                "put",
                "/api/v1/leases/{id}",
                "Replace a lease (renew, end, record where the firm went)",
                "admin, the space's zone operator; coordinators for hub spaces",
                Some("Lease"),
            ),
            put(leases::update),
        ),
        (
            op(
                "delete",
                "/api/v1/leases/{id}",
                "Delete a lease",
                "admin, the space's zone operator; coordinators for hub spaces",
                None,
            ),
            delete(leases::delete),
        ),
        (
            op(
                "get",
                "/api/v1/placement",
                "A region's graduation forecast and optimal placement plan; ?region=&as_of=&horizon=",
                "admin, coordinator, operators of the region's zones",
                None,
            ),
            get(ladder::placement_plan),
        ),
        (
            op(
                "post",
                "/api/v1/placement/accept",
                "Accept a proposal: creates the lease",
                "admin, the space's zone operator; coordinators for hub spaces",
                Some("Decision"),
            ),
            post(ladder::accept),
        ),
        (
            op(
                "post",
                "/api/v1/placement/reject",
                "Reject a proposal: the plan does not propose it again",
                "admin, coordinator, the space's zone operator",
                Some("Decision"),
            ),
            post(ladder::reject),
        ),
        (
            op(
                "post",
                "/api/v1/placement/unreject",
                "Take a rejection back: the plan may propose it again",
                "admin, coordinator, the space's zone operator",
                Some("Decision"),
            ),
            post(ladder::unreject),
        ),
        (
            op(
                "get",
                "/api/v1/retention",
                "Post-BI retention by year of graduation; ?region=&zone=&as_of=",
                "admin, coordinator, operators of the region's zones",
                None,
            ),
            get(ladder::retention),
        ),
        (
            op(
                "get",
                "/api/v1/firms",
                "Firms, paginated; ?zone=&region=&stage= (an operator sees its zone's)",
                "admin, coordinator, operator",
                None,
            ),
            get(firms::list),
        ),
        (
            op(
                "post",
                "/api/v1/firms",
                "Create a firm",
                "admin, the zone's operator",
                Some("Firm"),
            ),
            post(firms::create),
        ),
        (
            op(
                "get",
                "/api/v1/firms/{id}",
                "A firm",
                "admin, coordinator, its zone's operator, the firm",
                None,
            ),
            get(firms::read),
        ),
        (
            op(
                "put",
                "/api/v1/firms/{id}",
                "Replace a firm's profile",
                "admin, its zone's operator, the firm",
                Some("Firm"),
            ),
            put(firms::update),
        ),
        (
            op(
                "delete",
                "/api/v1/firms/{id}",
                "Delete a firm",
                "admin, its zone's operator",
                None,
            ),
            delete(firms::delete),
        ),
        (
            op(
                "get",
                "/api/v1/firms/{id}/package",
                "The firm's program package with reasons; ?as_of=",
                "admin, coordinator, its zone's operator, the firm",
                None,
            ),
            get(analysis::package),
        ),
        (
            op(
                "get",
                "/api/v1/audit",
                "The audit trail, newest first, and the state of its hash chain",
                "admin, coordinator",
                None,
            ),
            get(analysis::audit),
        ),
        (
            op(
                "post",
                "/api/v1/session",
                "Log in: sets the session cookie, returns the CSRF token",
                anyone,
                Some("Login"),
            ),
            post(session::login),
        ),
        (
            op(
                "get",
                "/api/v1/session",
                "The logged-in account",
                account,
                None,
            ),
            get(session::me),
        ),
        (
            op("delete", "/api/v1/session", "Log out", account, None),
            delete(session::logout),
        ),
        (
            op(
                "post",
                "/api/v1/tokens",
                "An API token for the caller's account (shown once; expires after `days`, default 90; at most 20 live tokens)",
                account,
                Some("NewToken"),
            ),
            post(session::create_token),
        ),
        (
            op(
                "get",
                "/api/v1/tokens",
                "The caller's live API tokens (ids, names, expiry; never the secrets)",
                account,
                None,
            ),
            get(session::list_tokens),
        ),
        (
            op(
                "delete",
                "/api/v1/tokens/{id}",
                "Revoke one of the caller's API tokens",
                account,
                None,
            ),
            delete(session::revoke_token),
        ),
        (
            op("get", "/api/openapi.json", "This document", anyone, None),
            get(
                |axum::extract::State(state): axum::extract::State<AppState>| async move {
                    axum::Json(openapi_for(&state.catalog))
                },
            ),
        ),
        (
            op(
                "get",
                "/api/docs",
                "The API reference as a page",
                anyone,
                None,
            ),
            get(|| async { axum::response::Html(reference_page()) }),
        ),
    ]
}

/// Every operation of the API.
pub fn operations() -> Vec<Operation> {
    operations_and_handlers()
        .into_iter()
        .map(|(op, _)| op)
        .collect()
}

pub fn router(state: AppState) -> Router {
    let mut paths: Vec<(&'static str, Handler)> = Vec::new();
    for (op, handler) in operations_and_handlers() {
        match paths.iter_mut().find(|(path, _)| *path == op.path) {
            Some((_, existing)) => *existing = std::mem::take(existing).merge(handler),
            None => paths.push((op.path, handler)),
        }
    }
    let mut router = Router::new();
    for (path, handler) in paths {
        router = router.route(path, handler);
    }
    router
        .merge(pages::routes())
        .fallback(fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn(
            body_policy::refuse_duplicate_keys,
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
pub use openapi_doc::{openapi, openapi_for, reference_page};

pub mod server;

/// Serves until Ctrl-C, with the default limits.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    serve_with(listener, state, server::Limits::default()).await
}

/// Serves until Ctrl-C.
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    state: AppState,
    limits: server::Limits,
) -> std::io::Result<()> {
    server::serve(listener, router(state), limits, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}
