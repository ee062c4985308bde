//! `/api/v1/zones`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use ucz_service::records::ZoneQuery;
use ucz_service::zones::ZoneRecord;
use ucz_service::{ListParams, Page, zones};

use super::{Body, Q, body};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;

pub async fn list(
    State(state): State<AppState>,
    Q(query): Q<ZoneQuery>,
) -> Result<Json<Page<ZoneRecord>>, ApiError> {
    Ok(Json(zones::list(&state, &ListParams::from(query)).await?))
}

pub async fn read(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ZoneRecord>, ApiError> {
    Ok(Json(zones::read(&state, &id).await?))
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    payload: Body,
) -> Result<(StatusCode, Json<ZoneRecord>), ApiError> {
    let created = zones::create(&state, &caller, body(payload)?).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    payload: Body,
) -> Result<Json<ZoneRecord>, ApiError> {
    Ok(Json(
        zones::update(&state, &caller, &id, body(payload)?).await?,
    ))
}

pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    zones::delete(&state, &caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
