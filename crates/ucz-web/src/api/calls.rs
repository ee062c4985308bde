//! `/api/v1/calls/…` and `/api/v1/calendar`: open calls, their review, a founder's marks and
//! calendar.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use ucz_core::call::{CallSource, StoredCall};
use ucz_service::calls::{
    self, CallList, CallQuery, CallView, HistoryItem, ImportReport, Reviewed,
};
use ucz_store::MarkKind;

use super::{Body, Q, body, typed};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, FieldError, Key, Message};

/// Which portal a response comes from.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// `kstartup` or `bizinfo`.
    pub source: String,
}

/// The firm to fit a call to (a firm account's own by default).
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CallRead {
    /// The firm to fit the call to (a firm account's own by default).
    pub firm: Option<String>,
}

/// A call joined to another's group, or (`with` null) split into a group of its own.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Regroup {
    pub with: Option<i64>,
}

/// A calendar feed's address, shown once: the old one stops working.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct CalendarFeed {
    /// The path of the feed (`/calendar/<secret>.ics`), to prefix with the server's address.
    pub path: String,
}

fn id_of(text: &str) -> Result<i64, ApiError> {
    text.parse()
        .map_err(|_| ApiError::from(ucz_service::Error::not_found(ucz_core::Key::NounCall, text)))
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Q(query): Q<CallQuery>,
) -> Result<Json<CallList>, ApiError> {
    Ok(Json(calls::list(&state, &caller, &query).await?))
}

pub async fn read(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Q(query): Q<CallRead>,
) -> Result<Json<CallView>, ApiError> {
    let id = id_of(&id)?;
    Ok(Json(
        calls::read(&state, &caller, id, query.firm.as_deref()).await?,
    ))
}

pub async fn import(
    State(state): State<AppState>,
    caller: Caller,
    Q(query): Q<ImportQuery>,
    payload: Body,
) -> Result<Json<ImportReport>, ApiError> {
    let source = CallSource::parse(&query.source)
        .filter(|s| *s != CallSource::Ucz)
        .ok_or_else(|| {
            ApiError::invalid(vec![FieldError::new(
                "source",
                Message::new(Key::CallSource).arg("value", &query.source),
            )])
        })?;
    let text = body(payload)?.to_string();
    let report = calls::import(&state, &caller, source, &text).await?;
    state
        .monitoring
        .metrics
        .imported(report.written.created + report.written.updated);
    Ok(Json(report))
}

pub async fn queue(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<CallView>>, ApiError> {
    Ok(Json(calls::queue(&state, &caller).await?))
}

pub async fn review(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    payload: Body,
) -> Result<Json<Reviewed>, ApiError> {
    let id = id_of(&id)?;
    let review: calls::ReviewBody = typed(payload)?;
    Ok(Json(calls::review(&state, &caller, id, &review).await?))
}

pub async fn regroup(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    payload: Body,
) -> Result<Json<StoredCall>, ApiError> {
    let id = id_of(&id)?;
    let regroup: Regroup = typed(payload)?;
    Ok(Json(
        calls::regroup(&state, &caller, id, regroup.with).await?,
    ))
}

pub async fn publish(
    State(state): State<AppState>,
    caller: Caller,
    payload: Body,
) -> Result<(StatusCode, Json<StoredCall>), ApiError> {
    let publish: calls::PublishBody = typed(payload)?;
    let call = calls::publish(&state, &caller, &publish).await?;
    Ok((StatusCode::CREATED, Json(call)))
}

fn kind_of(text: &str) -> Result<MarkKind, ApiError> {
    MarkKind::parse(text)
        .filter(|k| *k != MarkKind::Viewed)
        .ok_or_else(|| ApiError::from(ucz_service::Error::not_found(Key::NounCall, text)))
}

pub async fn mark(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, kind)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let (id, kind) = (id_of(&id)?, kind_of(&kind)?);
    calls::mark(&state, &caller, id, kind).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn unmark(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, kind)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let (id, kind) = (id_of(&id)?, kind_of(&kind)?);
    calls::unmark(&state, &caller, id, kind).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<HistoryItem>>, ApiError> {
    Ok(Json(calls::history(&state, &caller).await?))
}

pub async fn renew_calendar(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<(StatusCode, Json<CalendarFeed>), ApiError> {
    let secret = calls::renew_calendar(&state, &caller).await?;
    Ok((
        StatusCode::CREATED,
        Json(CalendarFeed {
            path: format!("/calendar/{secret}.ics"),
        }),
    ))
}
