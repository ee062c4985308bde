//! `/api/v1/resources/…`, `/api/v1/bookings/…`: the zone's shared resources and their rules,
//! a day's slots, bookings (single, bundled, weekly), approval, check-in, cancellation, the
//! waitlist, closures, trainings, holidays and iCalendar feeds.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use ucz_core::catalog::Holiday;
use ucz_core::date::Date;
use ucz_service::bookings::{
    self, BookingBody, BookingOutcome, BookingView, ClosureBody, ClosureView, Day, ResourceView,
    TrainingBody, TrainingView, Upkeep, WaitView,
};
use ucz_service::{Error, FieldError, Key, Message};

use super::awards::{Items, items};
use super::{Body, Q, body, typed};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;

/// Whose resources: a zone's or a hub's.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaceQuery {
    /// A zone's id.
    pub zone: Option<String>,
    /// A hub's id.
    pub hub: Option<String>,
}

/// Whose bookings, from when, for how long.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BookingsQuery {
    /// A zone's id (the operator's own when left out).
    pub zone: Option<String>,
    /// A hub's id.
    pub hub: Option<String>,
    /// The first day (today when left out).
    pub from: Option<Date>,
    /// Days from `from` (7 when left out, at most 92).
    pub days: Option<i64>,
}

/// A date.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DateQuery {
    /// The day (`2026-12-07`).
    pub date: Date,
}

/// From which date a series is cancelled.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FromQuery {
    /// The first date cancelled (every booking to come when left out).
    pub from: Option<Date>,
}

/// A year.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct YearQuery {
    /// The year (every year of the table when left out).
    pub year: Option<i32>,
}

/// The caller firm's bookings and waitlist.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Mine {
    pub bookings: Vec<BookingView>,
    pub waitlist: Vec<WaitView>,
}

pub async fn list_resources(
    State(state): State<AppState>,
    Q(q): Q<PlaceQuery>,
) -> Result<Json<Items<ResourceView>>, ApiError> {
    Ok(items(
        bookings::resources(&state, q.zone.as_deref(), q.hub.as_deref()).await?,
    ))
}

pub async fn read_resource(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ResourceView>, ApiError> {
    Ok(Json(bookings::resource(&state, &id).await?))
}

pub async fn set_resource(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    payload: Body,
) -> Result<Json<ResourceView>, ApiError> {
    let mut value = body(payload)?;
    match value.get("id").and_then(|v| v.as_str()) {
        Some(given) if given != id => {
            return Err(Error::invalid(vec![FieldError::new(
                "id",
                Message::new(Key::BookingBadResourceId).arg("value", given),
            )])
            .into());
        }
        Some(_) => {}
        None => {
            value["id"] = serde_json::Value::String(id);
        }
    }
    Ok(Json(bookings::set_resource(&state, &caller, value).await?))
}

pub async fn resource_day(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Q(q): Q<DateQuery>,
) -> Result<Json<Day>, ApiError> {
    Ok(Json(bookings::day(&state, &caller, &id, q.date).await?))
}

fn calendar(text: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        text,
    )
        .into_response()
}

pub async fn resource_feed(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(calendar(bookings::resource_feed(&state, &id).await?))
}

pub async fn book(
    State(state): State<AppState>,
    caller: Caller,
    payload: Body,
) -> Result<(StatusCode, Json<BookingOutcome>), ApiError> {
    let body: BookingBody = typed(payload)?;
    let outcome = bookings::book(&state, &caller, body).await?;
    // A waitlist entry is accepted, not yet a booking.
    let status = if outcome.bookings.is_empty() {
        StatusCode::ACCEPTED
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(outcome)))
}

pub async fn list_bookings(
    State(state): State<AppState>,
    caller: Caller,
    Q(q): Q<BookingsQuery>,
) -> Result<Json<Items<BookingView>>, ApiError> {
    let from = q.from.unwrap_or_else(|| state.clock.today());
    Ok(items(
        bookings::bookings_of(
            &state,
            &caller,
            q.zone.as_deref(),
            q.hub.as_deref(),
            from,
            q.days.unwrap_or(7),
        )
        .await?,
    ))
}

pub async fn mine(State(state): State<AppState>, caller: Caller) -> Result<Json<Mine>, ApiError> {
    let (bookings, waitlist) = bookings::mine(&state, &caller).await?;
    Ok(Json(Mine { bookings, waitlist }))
}

pub async fn approve(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<BookingView>, ApiError> {
    Ok(Json(bookings::decide(&state, &caller, id, true).await?))
}

pub async fn decline(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<BookingView>, ApiError> {
    Ok(Json(bookings::decide(&state, &caller, id, false).await?))
}

pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<BookingView>, ApiError> {
    Ok(Json(bookings::cancel(&state, &caller, id).await?))
}

pub async fn check_in(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<BookingView>, ApiError> {
    Ok(Json(bookings::check_in(&state, &caller, id).await?))
}

pub async fn take_offer(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<BookingView>, ApiError> {
    Ok(Json(
        bookings::answer_offer(&state, &caller, id, true).await?,
    ))
}

pub async fn let_go(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<BookingView>, ApiError> {
    Ok(Json(
        bookings::answer_offer(&state, &caller, id, false).await?,
    ))
}

pub async fn cancel_series(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Q(q): Q<FromQuery>,
) -> Result<Json<Items<BookingView>>, ApiError> {
    Ok(items(
        bookings::cancel_series(&state, &caller, id, q.from).await?,
    ))
}

pub async fn leave_waitlist(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    bookings::leave_waitlist(&state, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn add_closure(
    State(state): State<AppState>,
    caller: Caller,
    payload: Body,
) -> Result<(StatusCode, Json<ClosureView>), ApiError> {
    let body: ClosureBody = typed(payload)?;
    Ok((
        StatusCode::CREATED,
        Json(bookings::add_closure(&state, &caller, body).await?),
    ))
}

pub async fn record_training(
    State(state): State<AppState>,
    caller: Caller,
    payload: Body,
) -> Result<(StatusCode, Json<TrainingView>), ApiError> {
    let body: TrainingBody = typed(payload)?;
    Ok((
        StatusCode::CREATED,
        Json(bookings::record_training(&state, &caller, body).await?),
    ))
}

pub async fn upkeep(
    State(state): State<AppState>,
    caller: Caller,
    Q(q): Q<PlaceQuery>,
) -> Result<Json<Upkeep>, ApiError> {
    Ok(Json(
        bookings::upkeep(&state, &caller, q.zone.as_deref(), q.hub.as_deref()).await?,
    ))
}

pub async fn holidays(State(state): State<AppState>, Q(q): Q<YearQuery>) -> Json<Items<Holiday>> {
    items(
        state
            .catalog
            .holidays
            .iter()
            .filter(|h| q.year.is_none_or(|y| h.date.year() == y))
            .cloned()
            .collect(),
    )
}
