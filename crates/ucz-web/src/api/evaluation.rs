//! `/api/v1/zones/{id}/evaluation…` and `/api/v1/evaluation/…`: a zone's performance evaluation
//! of a year, the records behind each number, the report, every zone side by side, the open
//! data; and the records a zone's evaluation reads — its basic plan, targets, milestones,
//! investment records and procedure (docs/evaluation.md).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use ucz_core::evaluation::plan::{BasicPlan, Investment, Milestone, Target};
use ucz_service::evaluation::records::{
    self, MilestoneView, PlanView, ProcedureBody, ProcedureView, Version,
};
use ucz_service::evaluation::report::{self, OpenRow, Report};
use ucz_service::evaluation::{self, Drill, Overview, Scorecard};

use super::awards::{Items, items};
use super::{Body, Q, typed};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;

/// Which year, read as of when.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct YearQuery {
    /// The calendar year evaluated (1990–2100).
    pub year: i32,
    /// Read the records as they stood at this moment: a day (its end in Korea) or an RFC 3339
    /// time; left out, as they are now.
    #[serde(default)]
    pub as_of: Option<String>,
}

/// As of when.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AsOfQuery {
    /// Read the records as they stood at this moment: a day (its end in Korea) or an RFC 3339
    /// time; left out, as they are now.
    #[serde(default)]
    pub as_of: Option<String>,
}

/// One number of a year to drill into.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DrillQuery {
    /// The calendar year evaluated (1990–2100).
    pub year: i32,
    /// A measure's name (`jobs`, `investment_krw`, …; docs/evaluation.md).
    pub measure: String,
    /// Read the records as they stood at this moment; left out, as they are now.
    #[serde(default)]
    pub as_of: Option<String>,
}

/// The open data of a year, in a format.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenQuery {
    /// The calendar year (1990–2100).
    pub year: i32,
    /// `json` (the default) or `csv`.
    #[serde(default)]
    pub format: Option<String>,
}

/// Which record's history.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    /// `plan`, `target`, `milestone`, `investment` or `procedure`.
    pub kind: String,
    /// The record's key: a milestone's or investment's id, `<indicator>/<year>` for a target,
    /// the kind itself for the plan and the procedure.
    pub key: String,
}

fn year(y: i32) -> Result<i32, ApiError> {
    if (1990..=2100).contains(&y) {
        Ok(y)
    } else {
        Err(ucz_service::Error::field(
            "year",
            ucz_core::Message::new(ucz_core::Key::OutOfRange)
                .arg("value", y)
                .arg("min", 1990)
                .arg("max", 2100),
        )
        .into())
    }
}

fn as_of(state: &AppState, text: Option<&str>) -> Result<Option<String>, ApiError> {
    Ok(evaluation::as_of(state, text)?)
}

pub async fn scorecard(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Q(q): Q<YearQuery>,
) -> Result<Json<Scorecard>, ApiError> {
    let at = as_of(&state, q.as_of.as_deref())?;
    Ok(Json(
        evaluation::scorecard(&state, &id, year(q.year)?, at.as_deref()).await?,
    ))
}

pub async fn drill(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Q(q): Q<DrillQuery>,
) -> Result<Json<Drill>, ApiError> {
    let at = as_of(&state, q.as_of.as_deref())?;
    Ok(Json(
        evaluation::drill(
            &state,
            &caller,
            &id,
            year(q.year)?,
            &q.measure,
            at.as_deref(),
        )
        .await?,
    ))
}

pub async fn report(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Q(q): Q<YearQuery>,
) -> Result<Json<Report>, ApiError> {
    let at = as_of(&state, q.as_of.as_deref())?;
    Ok(Json(
        report::report(&state, &id, year(q.year)?, at.as_deref()).await?,
    ))
}

pub async fn overview(
    State(state): State<AppState>,
    Q(q): Q<YearQuery>,
) -> Result<Json<Overview>, ApiError> {
    let at = as_of(&state, q.as_of.as_deref())?;
    Ok(Json(
        evaluation::overview(&state, year(q.year)?, at.as_deref()).await?,
    ))
}

/// The non-personal indicators of every zone in a year, as JSON rows or CSV.
pub async fn open_data(
    State(state): State<AppState>,
    Q(q): Q<OpenQuery>,
) -> Result<Response, ApiError> {
    let rows = report::open_data(&state, year(q.year)?, None).await?;
    if !super::wants_csv(q.format.as_deref())? {
        return Ok(Json(Items { items: rows }).into_response());
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"ucz-indicators-{}.csv\"", q.year),
            ),
        ],
        open_csv(&rows)?,
    )
        .into_response())
}

/// The open data as CSV: the columns of `OpenRow`, one line per zone and indicator.
pub fn open_csv(rows: &[OpenRow]) -> Result<Vec<u8>, ApiError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "zone",
        "year",
        "indicator",
        "name_ko",
        "name_en",
        "unit",
        "value",
        "target",
        "achievement",
        "compared",
        "compared_by",
        "target_illustrative",
    ])
    .map_err(ApiError::internal)?;
    let n = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    for r in rows {
        w.write_record([
            r.zone.clone(),
            r.year.to_string(),
            r.indicator.clone(),
            r.name_ko.clone(),
            r.name_en.clone(),
            r.unit.clone(),
            n(r.value),
            n(r.target),
            n(r.achievement),
            n(r.compared),
            serde_json::to_value(r.compared_by)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            r.target_illustrative.to_string(),
        ])
        .map_err(ApiError::internal)?;
    }
    w.into_inner().map_err(ApiError::internal)
}

/// The JSON Schema of an open-data row.
pub async fn open_schema() -> Json<serde_json::Value> {
    Json(serde_json::to_value(schemars::schema_for!(OpenRow)).unwrap_or_default())
}

pub async fn plan(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Q(q): Q<AsOfQuery>,
) -> Result<Json<PlanView>, ApiError> {
    let at = as_of(&state, q.as_of.as_deref())?;
    Ok(Json(records::plan(&state, &id, at.as_deref()).await?))
}

pub async fn put_plan(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    payload: Body,
) -> Result<Json<PlanView>, ApiError> {
    let plan: BasicPlan = typed(payload)?;
    Ok(Json(records::put_plan(&state, &caller, &id, plan).await?))
}

pub async fn targets(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Q(q): Q<AsOfQuery>,
) -> Result<Json<Items<Target>>, ApiError> {
    let at = as_of(&state, q.as_of.as_deref())?;
    Ok(items(records::targets(&state, &id, at.as_deref()).await?))
}

pub async fn put_target(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    payload: Body,
) -> Result<Json<Target>, ApiError> {
    let target: Target = typed(payload)?;
    Ok(Json(
        records::put_target(&state, &caller, &id, target).await?,
    ))
}

pub async fn delete_target(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, indicator, y)): Path<(String, String, i32)>,
) -> Result<StatusCode, ApiError> {
    records::delete_target(&state, &caller, &id, &indicator, y).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn milestones(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Q(q): Q<AsOfQuery>,
) -> Result<Json<Items<MilestoneView>>, ApiError> {
    let at = as_of(&state, q.as_of.as_deref())?;
    Ok(items(
        records::milestones(&state, &id, at.as_deref()).await?,
    ))
}

pub async fn put_milestone(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    payload: Body,
) -> Result<Json<MilestoneView>, ApiError> {
    let milestone: Milestone = typed(payload)?;
    Ok(Json(
        records::put_milestone(&state, &caller, &id, milestone).await?,
    ))
}

pub async fn delete_milestone(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, milestone)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    records::delete_milestone(&state, &caller, &id, &milestone).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn investments(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Q(q): Q<AsOfQuery>,
) -> Result<Json<Items<Investment>>, ApiError> {
    let at = as_of(&state, q.as_of.as_deref())?;
    Ok(items(
        records::investments(&state, &id, at.as_deref()).await?,
    ))
}

pub async fn put_investment(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    payload: Body,
) -> Result<Json<Investment>, ApiError> {
    let investment: Investment = typed(payload)?;
    Ok(Json(
        records::put_investment(&state, &caller, &id, investment).await?,
    ))
}

pub async fn delete_investment(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, investment)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    records::delete_investment(&state, &caller, &id, &investment).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn procedure(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Q(q): Q<AsOfQuery>,
) -> Result<Json<ProcedureView>, ApiError> {
    let at = as_of(&state, q.as_of.as_deref())?;
    Ok(Json(records::procedure(&state, &id, at.as_deref()).await?))
}

pub async fn put_procedure(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    payload: Body,
) -> Result<Json<ProcedureView>, ApiError> {
    let body: ProcedureBody = typed(payload)?;
    Ok(Json(
        records::put_procedure(&state, &caller, &id, body).await?,
    ))
}

pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Q(q): Q<HistoryQuery>,
) -> Result<Json<Items<Version>>, ApiError> {
    Ok(items(
        records::history(&state, &caller, &id, &q.kind, &q.key).await?,
    ))
}
