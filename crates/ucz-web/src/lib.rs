//! The ucz platform server: a JSON API under `/api/v1` over the store, with accounts and roles,
//! problem+json errors and an audit trail. Handlers validate with `ucz-core` and persist with
//! `ucz-store`; this crate alone knows HTTP.

mod access;
mod analysis;
pub mod auth;
pub mod demo;
pub mod error;
mod resources;
mod session;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use ucz_core::Catalog;
use ucz_core::eligibility::Rulebook;
use ucz_store::Store;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub catalog: Arc<Catalog>,
    pub rulebook: Arc<Rulebook>,
    pub limiter: Arc<auth::LoginLimiter>,
    /// Set behind TLS: session cookies get `Secure`.
    pub secure_cookies: bool,
}

impl AppState {
    pub fn new(store: Store, catalog: Catalog, secure_cookies: bool) -> Self {
        let rulebook = Rulebook::new(&catalog);
        AppState {
            store,
            catalog: Arc::new(catalog),
            rulebook: Arc::new(rulebook),
            limiter: Default::default(),
            secure_cookies,
        }
    }
}

/// Request bodies above this size are refused (413).
pub const MAX_BODY: usize = 1 << 20;

pub fn router(state: AppState) -> Router {
    use resources::*;
    let api = Router::new()
        .route("/catalog", get(analysis::catalog))
        .route("/catalog/{kind}", get(analysis::catalog_kind))
        .route("/zones", get(zones::list).post(zones::create))
        .route(
            "/zones/{id}",
            get(zones::read).put(zones::update).delete(zones::delete),
        )
        .route("/zones/{id}/diagnosis", get(analysis::diagnosis))
        .route(
            "/facilities",
            get(facilities::list).post(facilities::create),
        )
        .route(
            "/facilities/{id}",
            get(facilities::read)
                .put(facilities::update)
                .delete(facilities::delete),
        )
        .route("/spaces", get(spaces::list).post(spaces::create))
        .route(
            "/spaces/{id}",
            get(spaces::read).put(spaces::update).delete(spaces::delete),
        )
        .route(
            "/institutions",
            get(institutions::list).post(institutions::create),
        )
        .route(
            "/institutions/{id}",
            get(institutions::read)
                .put(institutions::update)
                .delete(institutions::delete),
        )
        .route("/firms", get(firms::list).post(firms::create))
        .route(
            "/firms/{id}",
            get(firms::read).put(firms::update).delete(firms::delete),
        )
        .route("/firms/{id}/package", get(analysis::package))
        .route("/audit", get(analysis::audit))
        .route(
            "/session",
            post(session::login)
                .get(session::me)
                .delete(session::logout),
        )
        .route("/tokens", post(session::create_token));
    Router::new()
        .nest("/api/v1", api)
        .fallback(|| async { error::ApiError::not_found("route", "") })
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .with_state(state)
}

/// Serves until Ctrl-C.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
