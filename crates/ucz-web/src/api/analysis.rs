//! Computed on demand: the catalog, a zone's diagnosis, a firm's package, the audit trail.

use axum::Json;
use axum::extract::{Path, State};
use serde_json::Value;
use ucz_service::analysis::{self, AuditPage, AuditParams, PackageParams};

use super::Q;
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;

pub async fn catalog(State(state): State<AppState>) -> Json<ucz_core::Catalog> {
    Json(state.catalog.as_ref().clone())
}

pub async fn catalog_kind(
    State(state): State<AppState>,
    Path(kind): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(analysis::catalog_kind(&state, &kind)?))
}

pub async fn diagnosis(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ucz_core::Diagnosis>, ApiError> {
    Ok(Json(analysis::diagnosis_of(&state, &id).await?))
}

pub async fn package(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Q(params): Q<PackageParams>,
) -> Result<Json<ucz_core::eligibility::Package>, ApiError> {
    Ok(Json(
        analysis::package(&state, &caller, &id, &params).await?,
    ))
}

pub async fn audit(
    State(state): State<AppState>,
    caller: Caller,
    Q(params): Q<AuditParams>,
) -> Result<Json<AuditPage>, ApiError> {
    Ok(Json(analysis::audit(&state, &caller, &params).await?))
}
