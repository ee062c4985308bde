//! `/api/v1/network/{region}`: the hub network of a 시·도 or 광역경제권 (docs/hub-network.md) —
//! hubs, links, travel times and the inter-hub linkage check; with a GTFS feed's .zip posted,
//! travel times by transit.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use ucz_core::network::Network;
use ucz_service::network;

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;

pub async fn read(
    State(state): State<AppState>,
    caller: Caller,
    Path(region): Path<String>,
) -> Result<Json<Network>, ApiError> {
    Ok(Json(network::of_region(&state, &caller, &region).await?))
}

/// The feed's .zip is the request body (`Content-Type: application/zip`).
pub async fn with_gtfs(
    State(state): State<AppState>,
    caller: Caller,
    Path(region): Path<String>,
    body: Bytes,
) -> Result<Json<Network>, ApiError> {
    Ok(Json(
        network::by_transit(&state, &caller, &region, body.to_vec()).await?,
    ))
}
