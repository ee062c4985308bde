//! `/api/v1/placement/…` and `/api/v1/retention`: a region's space ladder.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use ucz_service::ladder::{self, PlanParams, RegionPlan, RegionRetention, RetentionParams};
use ucz_service::leases::WrittenLease;
use ucz_store::{Rejection, Stored};

use super::{Body, Q, body};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;

pub async fn placement_plan(
    State(state): State<AppState>,
    caller: Caller,
    Q(params): Q<PlanParams>,
) -> Result<Json<RegionPlan>, ApiError> {
    Ok(Json(
        ladder::placement_plan(&state, &caller, &params).await?,
    ))
}

pub async fn accept(
    State(state): State<AppState>,
    caller: Caller,
    payload: Body,
) -> Result<(StatusCode, Json<WrittenLease>), ApiError> {
    let lease = ladder::accept(&state, &caller, body(payload)?).await?;
    Ok((StatusCode::CREATED, Json(lease)))
}

/// 201 for a new rejection, 200 for one that was already recorded.
pub async fn reject(
    State(state): State<AppState>,
    caller: Caller,
    payload: Body,
) -> Result<(StatusCode, Json<Stored<Rejection>>), ApiError> {
    let (rejection, new) = ladder::reject(&state, &caller, body(payload)?).await?;
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(rejection)))
}

pub async fn unreject(
    State(state): State<AppState>,
    caller: Caller,
    payload: Body,
) -> Result<StatusCode, ApiError> {
    ladder::unreject(&state, &caller, body(payload)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn retention(
    State(state): State<AppState>,
    caller: Caller,
    Q(params): Q<RetentionParams>,
) -> Result<Json<RegionRetention>, ApiError> {
    Ok(Json(ladder::retention(&state, &caller, &params).await?))
}
