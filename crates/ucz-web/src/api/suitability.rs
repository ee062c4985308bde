//! `/api/v1/site/…`: site suitability (docs/site-suitability.md) — score a suitability file
//! (the bundled Daejeon sample when none is given) with weights of the planner's, then read the
//! kept surface's map tiles, GeoTIFF and candidate sites.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use ucz_core::crs::Crs;
use ucz_service::suitability::{self, Answer, ScoreRequest};

use super::{Body, Q, typed};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;

pub async fn score(
    State(state): State<AppState>,
    caller: Caller,
    payload: Body,
) -> Result<(StatusCode, Json<Answer>), ApiError> {
    let request: ScoreRequest = typed(payload)?;
    let (key, scored) =
        suitability::score_request(&state, &caller, request, crate::PROVINCES).await?;
    Ok((
        StatusCode::CREATED,
        Json(suitability::answer(&key, &scored)),
    ))
}

/// A kept surface (scored again from its stored request where another process scored it);
/// planning staff only, like the scoring.
async fn kept(
    state: &AppState,
    caller: &Caller,
    key: &str,
) -> Result<std::sync::Arc<suitability::Scored>, ApiError> {
    suitability::surface(state, caller, key, crate::PROVINCES)
        .await?
        .ok_or_else(|| ucz_service::Error::not_found(ucz_core::Key::NounSurface, key).into())
}

pub async fn tile(
    State(state): State<AppState>,
    caller: Caller,
    Path((key, z, x, y)): Path<(String, u8, u32, String)>,
) -> Result<Response, ApiError> {
    let scored = kept(&state, &caller, &key).await?;
    let y: u32 = y
        .strip_suffix(".png")
        .and_then(|y| y.parse().ok())
        .ok_or_else(|| {
            ApiError::from(ucz_service::Error::field(
                "y",
                ucz_core::Message::input("expected a row number and .png"),
            ))
        })?;
    if z > 18 {
        let message = ucz_core::Message::input("a zoom from 0 to 18");
        return Err(ucz_service::Error::field("z", message).into());
    }
    for (field, v) in [("x", x), ("y", y)] {
        if v >= 1 << z {
            let message = ucz_core::Message::input(format!("below {} at zoom {z}", 1u32 << z));
            return Err(ucz_service::Error::field(field, message).into());
        }
    }
    let png = tokio::task::spawn_blocking(move || suitability::tile_png(&scored.surface, z, x, y))
        .await
        .map_err(|e| ApiError::from(ucz_service::Error::internal(e)))?
        .map_err(|e| ApiError::from(ucz_service::Error::internal(e)))?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "private, max-age=600"),
        ],
        png,
    )
        .into_response())
}

pub async fn geotiff(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> Result<Response, ApiError> {
    let scored = kept(&state, &caller, &key).await?;
    // A national surface is a few hundred MB: encoded off the request threads.
    let tiff = tokio::task::spawn_blocking(move || suitability::geotiff(&scored))
        .await
        .map_err(|e| ApiError::from(ucz_service::Error::internal(e)))?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/tiff".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"ucz-suitability-{key}.tif\""),
            ),
        ],
        tiff,
    )
        .into_response())
}

/// In which CRS.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CrsQuery {
    /// `EPSG:4326` (WGS84, the default) or `EPSG:5179`.
    #[serde(default)]
    pub crs: Option<String>,
}

pub async fn sites(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    Q(q): Q<CrsQuery>,
) -> Result<Response, ApiError> {
    let scored = kept(&state, &caller, &key).await?;
    let crs = match q.crs.as_deref().map(Crs::from_code) {
        None => Crs::Wgs84,
        Some(Ok(c @ (Crs::Wgs84 | Crs::Epsg5179))) => c,
        Some(_) => {
            return Err(ucz_service::Error::field(
                "crs",
                ucz_core::Message::input("EPSG:4326 or EPSG:5179"),
            )
            .into());
        }
    };
    Ok((
        [
            (header::CONTENT_TYPE, "application/geo+json".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"ucz-sites-{key}.geojson\""),
            ),
        ],
        suitability::sites_geojson(&scored, crs).to_string(),
    )
        .into_response())
}
