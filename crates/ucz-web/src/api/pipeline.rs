//! `/api/v1/pipeline/simulate`: the startup pipeline simulation (examples/scenarios/README.md) —
//! a scenario's base and variants on common random numbers, as JSON or CSV (`?format=csv`).

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use ucz_service::pipeline::{self, SimulateRequest};

use super::{Body, Q, typed};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;

/// In which format.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FormatQuery {
    /// `json` (the default) or `csv`.
    #[serde(default)]
    pub format: Option<String>,
}

pub async fn simulate(
    State(state): State<AppState>,
    caller: Caller,
    Q(q): Q<FormatQuery>,
    payload: Body,
) -> Result<Response, ApiError> {
    let request: SimulateRequest = typed(payload)?;
    let csv = super::wants_csv(q.format.as_deref())?;
    let simulated = pipeline::simulate(&state, &caller, request).await?;
    if csv {
        let text = pipeline::csv(&simulated.simulation)
            .map_err(|e| ApiError::from(ucz_service::Error::internal(e)))?;
        return Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"ucz-pipeline-{}.csv\"",
                        simulated.simulation.scenario.id
                    ),
                ),
            ],
            text,
        )
            .into_response());
    }
    Ok(Json(simulated).into_response())
}
