//! `/api/v1/occupancy`: a zone's occupancy by facility and month, utilisation of its shared
//! resources by hour of the week with no-show rates, and the leases ending within 90 days.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use ucz_service::occupancy::{self, Dashboard};

use super::Q;
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;

/// Which zone.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ZoneQuery {
    /// A zone's id (the operator's own when left out).
    pub zone: Option<String>,
}

pub async fn dashboard(
    State(state): State<AppState>,
    caller: Caller,
    Q(q): Q<ZoneQuery>,
) -> Result<Json<Dashboard>, ApiError> {
    Ok(Json(
        occupancy::dashboard(&state, &caller, q.zone.as_deref()).await?,
    ))
}
