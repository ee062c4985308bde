//! `/api/v1/statements/…`, `/api/v1/leases/{id}/rent`: monthly statements of rent and usage,
//! credit notes, payments recorded by hand, and a lease's rent history.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use ucz_service::statements::{
    self, CreditBody, IssueBody, PaymentBody, RentBody, RentHistory, StatementView,
};

use super::awards::{Items, items};
use super::{Body, Q, typed};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;

/// Whose statements, of which month.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatementsQuery {
    /// A zone's id (the operator's own when left out).
    pub zone: Option<String>,
    /// `2026-07` (every month when left out).
    pub month: Option<String>,
}

pub async fn issue(
    State(state): State<AppState>,
    caller: Caller,
    payload: Body,
) -> Result<(StatusCode, Json<Items<StatementView>>), ApiError> {
    let body: IssueBody = typed(payload)?;
    Ok((
        StatusCode::CREATED,
        items(statements::issue(&state, &caller, body).await?),
    ))
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Q(q): Q<StatementsQuery>,
) -> Result<Json<Items<StatementView>>, ApiError> {
    Ok(items(
        statements::of_zone(&state, &caller, q.zone.as_deref(), q.month.as_deref()).await?,
    ))
}

pub async fn mine(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Items<StatementView>>, ApiError> {
    Ok(items(statements::mine(&state, &caller).await?))
}

pub async fn read(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<StatementView>, ApiError> {
    Ok(Json(statements::read(&state, &caller, id).await?))
}

pub async fn credit(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    payload: Body,
) -> Result<(StatusCode, Json<StatementView>), ApiError> {
    let body: CreditBody = typed(payload)?;
    Ok((
        StatusCode::CREATED,
        Json(statements::credit(&state, &caller, id, body).await?),
    ))
}

pub async fn pay(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    payload: Body,
) -> Result<(StatusCode, Json<StatementView>), ApiError> {
    let body: PaymentBody = typed(payload)?;
    Ok((
        StatusCode::CREATED,
        Json(statements::pay(&state, &caller, id, body).await?),
    ))
}

pub async fn set_rent(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    payload: Body,
) -> Result<(StatusCode, Json<RentHistory>), ApiError> {
    let body: RentBody = typed(payload)?;
    Ok((
        StatusCode::CREATED,
        Json(statements::set_rent(&state, &caller, id, body).await?),
    ))
}

pub async fn rent(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<RentHistory>, ApiError> {
    Ok(Json(statements::rent_history(&state, &caller, id).await?))
}
