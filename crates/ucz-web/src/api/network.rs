//! `/api/v1/network/{region}`: the hub network of a 시·도 or 광역경제권 (docs/hub-network.md) —
//! hubs, links, travel times and the inter-hub linkage check; with a GTFS feed's .zip posted,
//! travel times by transit.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use ucz_core::network::Network;
use ucz_service::network::{self, GtfsFiles};

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;

pub async fn read(
    State(state): State<AppState>,
    caller: Caller,
    Path(region): Path<String>,
) -> Result<Json<Network>, ApiError> {
    Ok(Json(
        network::of_region(&state, &caller, &region, None).await?,
    ))
}

/// The feed's .zip is the request body (`Content-Type: application/zip`).
pub async fn with_gtfs(
    State(state): State<AppState>,
    caller: Caller,
    Path(region): Path<String>,
    body: Bytes,
) -> Result<Json<Network>, ApiError> {
    // Who may see the network is asked before the feed is read.
    network::of_region(&state, &caller, &region, None).await?;
    let rules = state.catalog.placement.network.clone();
    let transit = tokio::task::spawn_blocking(move || {
        let files = GtfsFiles::from_zip(&body)
            .map_err(|e| ucz_service::Error::field("body", ucz_core::Message::input(e)))?;
        network::gtfs(&files, &rules)
    })
    .await
    .map_err(|e| ApiError::from(ucz_service::Error::internal(e)))??;
    Ok(Json(
        network::of_region(&state, &caller, &region, Some(&transit)).await?,
    ))
}
