//! `/api/v1/zones/{id}/evaluation`: a zone's performance evaluation of a year (docs/evaluation.md).

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use ucz_service::evaluation::{self, Scorecard};

use super::Q;
use crate::AppState;
use crate::error::ApiError;

/// Which year.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct YearQuery {
    /// The calendar year evaluated (1990–2100).
    pub year: i32,
}

pub async fn scorecard(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Q(q): Q<YearQuery>,
) -> Result<Json<Scorecard>, ApiError> {
    if !(1990..=2100).contains(&q.year) {
        return Err(ucz_service::Error::field(
            "year",
            ucz_core::Message::new(ucz_core::Key::OutOfRange)
                .arg("value", q.year)
                .arg("min", 1990)
                .arg("max", 2100),
        )
        .into());
    }
    Ok(Json(evaluation::scorecard(&state, &id, q.year).await?))
}
