//! `/api/v1/housing/…`: worker housing — units and tenancies, employees firms invite, special
//! supply rounds, applications and their documents and verdicts, the verifiable draw, offers.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use ucz_core::date::Date;
use ucz_core::housing::{Published, Setup, Unit};
use ucz_service::housing::{
    self, ApplicationView, ApplyBody, DrawBody, EmploymentView, FreezeBody, InviteBody, ResultView,
    RoundView, TenancyBody, UnitView, VerdictBody,
};
use ucz_store::{DocumentRow, OfferRow, TenancyRow};

use super::awards::{Items, items};
use super::occupancy::ZoneQuery;
use super::{Body, Q, typed};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;

/// A document's kind and name.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentQuery {
    /// The kind the round asks for (`resident_register`, or a criterion's document).
    pub kind: String,
    /// The file's name as the applicant's computer knows it.
    pub name: String,
}

/// A tenancy's new last day.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RenewBody {
    pub ends_on: Date,
}

/// An employee a firm invited.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct EmployeeView {
    pub user_id: i64,
    pub email: String,
    pub name: String,
}

/// An offer answered, with the tenancy signed when accepted.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Answered {
    pub offer: OfferRow,
    pub tenancy: Option<TenancyRow>,
}

pub async fn units(
    State(state): State<AppState>,
    caller: Caller,
    Q(q): Q<ZoneQuery>,
) -> Result<Json<Items<UnitView>>, ApiError> {
    Ok(items(
        housing::units(&state, &caller, q.zone.as_deref()).await?,
    ))
}

pub async fn put_unit(
    State(state): State<AppState>,
    caller: Caller,
    Q(q): Q<ZoneQuery>,
    payload: Body,
) -> Result<Json<UnitView>, ApiError> {
    let unit: Unit = typed(payload)?;
    Ok(Json(
        housing::put_unit(&state, &caller, q.zone.as_deref(), unit).await?,
    ))
}

pub async fn sign(
    State(state): State<AppState>,
    caller: Caller,
    Q(q): Q<ZoneQuery>,
    payload: Body,
) -> Result<(StatusCode, Json<TenancyRow>), ApiError> {
    let body: TenancyBody = typed(payload)?;
    Ok((
        StatusCode::CREATED,
        Json(housing::sign_tenancy(&state, &caller, q.zone.as_deref(), body).await?),
    ))
}

pub async fn renew(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Q(q): Q<ZoneQuery>,
    payload: Body,
) -> Result<Json<TenancyRow>, ApiError> {
    let body: RenewBody = typed(payload)?;
    Ok(Json(
        housing::renew_tenancy(&state, &caller, q.zone.as_deref(), id, body.ends_on).await?,
    ))
}

fn employee_views(rows: Vec<(i64, String, String)>) -> Json<Items<EmployeeView>> {
    items(
        rows.into_iter()
            .map(|(user_id, email, name)| EmployeeView {
                user_id,
                email,
                name,
            })
            .collect(),
    )
}

pub async fn invite(
    State(state): State<AppState>,
    caller: Caller,
    payload: Body,
) -> Result<(StatusCode, Json<Items<EmployeeView>>), ApiError> {
    let body: InviteBody = typed(payload)?;
    Ok((
        StatusCode::CREATED,
        employee_views(housing::invite(&state, &caller, body).await?),
    ))
}

pub async fn employees(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Items<EmployeeView>>, ApiError> {
    Ok(employee_views(housing::employees(&state, &caller).await?))
}

pub async fn employment(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Items<EmploymentView>>, ApiError> {
    Ok(items(housing::employment(&state, &caller).await?))
}

pub async fn open_round(
    State(state): State<AppState>,
    caller: Caller,
    Q(q): Q<ZoneQuery>,
    payload: Body,
) -> Result<(StatusCode, Json<RoundView>), ApiError> {
    let setup: Setup = typed(payload)?;
    Ok((
        StatusCode::CREATED,
        Json(housing::open_round(&state, &caller, q.zone.as_deref(), setup).await?),
    ))
}

pub async fn rounds(
    State(state): State<AppState>,
    Q(q): Q<ZoneQuery>,
) -> Result<Json<Items<RoundView>>, ApiError> {
    Ok(items(housing::rounds(&state, q.zone.as_deref()).await?))
}

pub async fn round(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<RoundView>, ApiError> {
    Ok(Json(housing::round(&state, id).await?))
}

pub async fn result(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<ResultView>, ApiError> {
    Ok(Json(housing::result(&state, id).await?))
}

pub async fn published(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Published>, ApiError> {
    Ok(Json(housing::published(&state, id).await?))
}

pub async fn freeze(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    payload: Body,
) -> Result<Json<RoundView>, ApiError> {
    let body: FreezeBody = typed(payload)?;
    Ok(Json(housing::freeze(&state, &caller, id, body).await?))
}

pub async fn draw(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    payload: Body,
) -> Result<Json<ResultView>, ApiError> {
    let body: DrawBody = typed(payload)?;
    Ok(Json(housing::draw(&state, &caller, id, body).await?))
}

pub async fn applications(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Items<ApplicationView>>, ApiError> {
    Ok(items(housing::applications(&state, &caller, id).await?))
}

pub async fn offers(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Items<OfferRow>>, ApiError> {
    Ok(items(housing::offers(&state, &caller, id).await?))
}

pub async fn apply(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    payload: Body,
) -> Result<Json<ApplicationView>, ApiError> {
    let body: ApplyBody = typed(payload)?;
    Ok(Json(housing::apply(&state, &caller, id, body).await?))
}

pub async fn mine(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Items<ApplicationView>>, ApiError> {
    Ok(items(housing::mine(&state, &caller).await?))
}

pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<ApplicationView>, ApiError> {
    Ok(Json(housing::submit(&state, &caller, id, true).await?))
}

pub async fn withdraw(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<ApplicationView>, ApiError> {
    Ok(Json(housing::submit(&state, &caller, id, false).await?))
}

pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Q(q): Q<DocumentQuery>,
    content: axum::body::Bytes,
) -> Result<(StatusCode, Json<DocumentRow>), ApiError> {
    let doc = housing::upload(&state, &caller, id, &q.kind, &q.name, &content).await?;
    Ok((StatusCode::CREATED, Json(doc)))
}

pub async fn document(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let (doc, bytes) = housing::document(&state, &caller, id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, doc.content_type.clone()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"document-{}\"", doc.id),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}

pub async fn verdict(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    payload: Body,
) -> Result<Response, ApiError> {
    let body: VerdictBody = typed(payload)?;
    Ok(match housing::verdict(&state, &caller, id, body).await? {
        Some(view) => Json(view).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

pub async fn accept(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Answered>, ApiError> {
    let (offer, tenancy) = housing::answer(&state, &caller, id, true).await?;
    Ok(Json(Answered { offer, tenancy }))
}

pub async fn refuse(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Answered>, ApiError> {
    let (offer, tenancy) = housing::answer(&state, &caller, id, false).await?;
    Ok(Json(Answered { offer, tenancy }))
}
