//! `/api/v1/signup`, `/api/v1/password/…`, `/api/v1/account/…`, `/api/v1/inbox`,
//! `/api/v1/zone-links`, `/api/v1/outbox` and `/api/v1/jobs`: accounts founders make
//! themselves, their care, their notices and mail, and the background work administrators watch.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use ucz_core::credentials::PrivacyNotice;
use ucz_service::accounts::{self, Accepted, AccountView};
use ucz_service::jobs::{self, JobRun};
use ucz_service::notices::{self, Inbox, MailPreferences};
use ucz_store::{JobInfo, OutboxMail, ZoneLink};

use super::{Body, Q, body, typed};
use crate::AppState;
use crate::auth::{Caller, token_hash};
use crate::error::ApiError;

/// The secret of a mailed link.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkToken {
    pub token: String,
}

/// An address to mail a reset link to.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Forgot {
    pub email: String,
}

/// A new password set by a reset link.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Reset {
    pub token: String,
    pub password: String,
}

/// A password change.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    pub password: String,
}

/// The account's password, to remove it.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Removal {
    pub password: String,
}

/// A done answer.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Done {
    pub done: bool,
}

/// A founder's firm profile as made, with its zone link request.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct ProfileMade {
    pub firm: serde_json::Value,
    pub zone_link: Option<ZoneLink>,
}

/// Which notices to mark read: one, or (no id) all.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadNotices {
    #[serde(default)]
    pub id: Option<i64>,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Marked {
    pub marked: u64,
}

/// An unsubscribe link's secret and kind.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Unsubscribe {
    pub token: String,
    /// `call_fits`, `call_closing` or `placement`.
    pub kind: String,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Unsubscribed {
    pub kind: String,
}

/// The status of zone links to list.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ZoneLinkQuery {
    /// `requested`, `approved` or `refused`; all by default.
    pub status: Option<String>,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct ZoneLinks {
    pub items: Vec<ZoneLink>,
}

/// Which mail of the outbox to list.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutboxQuery {
    /// `queued`, `sent`, `held` or `failed`; all by default.
    pub status: Option<String>,
    /// 1 to 500 (50).
    pub limit: Option<i64>,
    /// Mails to skip, newest first (0).
    pub offset: Option<i64>,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct OutboxPage {
    pub items: Vec<OutboxMail>,
    pub total: i64,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Jobs {
    pub items: Vec<JobInfo>,
}

pub async fn sign_up(
    State(state): State<AppState>,
    crate::server::Peer(address): crate::server::Peer,
    payload: Body,
) -> Result<(StatusCode, Json<Accepted>), ApiError> {
    let asked = body(payload)?;
    let email = asked["email"].as_str().unwrap_or_default();
    state.limiter.mailing("signup", email, address)?;
    let accepted = accounts::sign_up(&state, asked).await?;
    Ok((StatusCode::ACCEPTED, Json(accepted)))
}

pub async fn verify(State(state): State<AppState>, payload: Body) -> Result<Json<Done>, ApiError> {
    let asked: LinkToken = typed(payload)?;
    accounts::verify(&state, &asked.token).await?;
    Ok(Json(Done { done: true }))
}

pub async fn forgot(
    State(state): State<AppState>,
    crate::server::Peer(address): crate::server::Peer,
    payload: Body,
) -> Result<(StatusCode, Json<Accepted>), ApiError> {
    let asked: Forgot = typed(payload)?;
    state.limiter.mailing("forgot", &asked.email, address)?;
    let accepted = accounts::forgot(&state, &asked.email).await?;
    Ok((StatusCode::ACCEPTED, Json(accepted)))
}

pub async fn reset(State(state): State<AppState>, payload: Body) -> Result<Json<Done>, ApiError> {
    let asked: Reset = typed(payload)?;
    accounts::reset(&state, &asked.token, &asked.password).await?;
    Ok(Json(Done { done: true }))
}

pub async fn privacy() -> Json<&'static PrivacyNotice> {
    Json(PrivacyNotice::current())
}

pub async fn account(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Json<AccountView>, ApiError> {
    let current = crate::auth::session_cookie(&headers).map(|s| token_hash(&s));
    Ok(Json(
        accounts::account(&state, &caller, current.as_deref()).await?,
    ))
}

pub async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    payload: Body,
) -> Result<Json<Done>, ApiError> {
    let asked: PasswordChange = typed(payload)?;
    let keep = crate::auth::session_cookie(&headers).map(|s| token_hash(&s));
    accounts::change_password(
        &state,
        &caller,
        &asked.current_password,
        &asked.password,
        keep.as_deref(),
    )
    .await?;
    Ok(Json(Done { done: true }))
}

pub async fn end_session(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    accounts::end_session(&state, &caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    payload: Body,
) -> Result<Json<Done>, ApiError> {
    let asked: Removal = typed(payload)?;
    accounts::remove(&state, &caller, &asked.password).await?;
    Ok(Json(Done { done: true }))
}

pub async fn make_profile(
    State(state): State<AppState>,
    caller: Caller,
    payload: Body,
) -> Result<(StatusCode, Json<ProfileMade>), ApiError> {
    let (firm, zone_link) = accounts::make_profile(&state, &caller, body(payload)?).await?;
    let firm = serde_json::to_value(&firm).map_err(ApiError::internal)?;
    Ok((StatusCode::CREATED, Json(ProfileMade { firm, zone_link })))
}

pub async fn inbox(State(state): State<AppState>, caller: Caller) -> Result<Json<Inbox>, ApiError> {
    Ok(Json(notices::inbox(&state, &caller).await?))
}

pub async fn read_notices(
    State(state): State<AppState>,
    caller: Caller,
    payload: Body,
) -> Result<Json<Marked>, ApiError> {
    let asked: ReadNotices = typed(payload)?;
    let marked = notices::mark_read(&state, &caller, asked.id).await?;
    Ok(Json(Marked { marked }))
}

pub async fn preferences(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<MailPreferences>, ApiError> {
    Ok(Json(notices::preferences(&state, &caller).await?))
}

pub async fn set_preferences(
    State(state): State<AppState>,
    caller: Caller,
    payload: Body,
) -> Result<Json<MailPreferences>, ApiError> {
    let asked: MailPreferences = typed(payload)?;
    Ok(Json(
        notices::set_preferences(&state, &caller, &asked).await?,
    ))
}

pub async fn unsubscribe(
    State(state): State<AppState>,
    payload: Body,
) -> Result<Json<Unsubscribed>, ApiError> {
    let asked: Unsubscribe = typed(payload)?;
    let kind = notices::unsubscribe(&state, &asked.token, &asked.kind).await?;
    Ok(Json(Unsubscribed {
        kind: kind.as_str().into(),
    }))
}

pub async fn zone_links(
    State(state): State<AppState>,
    caller: Caller,
    Q(query): Q<ZoneLinkQuery>,
) -> Result<Json<ZoneLinks>, ApiError> {
    let items = accounts::zone_links(&state, &caller, query.status.as_deref()).await?;
    Ok(Json(ZoneLinks { items }))
}

fn link_id(text: &str) -> Result<i64, ApiError> {
    text.parse().map_err(|_| {
        ApiError::from(ucz_service::Error::not_found(
            ucz_core::Key::NounZoneLink,
            text,
        ))
    })
}

pub async fn approve_zone_link(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ZoneLink>, ApiError> {
    let id = link_id(&id)?;
    Ok(Json(
        accounts::decide_zone_link(&state, &caller, id, true).await?,
    ))
}

pub async fn refuse_zone_link(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ZoneLink>, ApiError> {
    let id = link_id(&id)?;
    Ok(Json(
        accounts::decide_zone_link(&state, &caller, id, false).await?,
    ))
}

pub async fn outbox(
    State(state): State<AppState>,
    caller: Caller,
    Q(query): Q<OutboxQuery>,
) -> Result<Json<OutboxPage>, ApiError> {
    let (items, total) = notices::outbox(
        &state,
        &caller,
        query.status.as_deref(),
        query.limit.unwrap_or(50),
        query.offset.unwrap_or(0),
    )
    .await?;
    Ok(Json(OutboxPage { items, total }))
}

pub async fn list_jobs(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Jobs>, ApiError> {
    Ok(Json(Jobs {
        items: jobs::list(&state, &caller).await?,
    }))
}

pub async fn run_job(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<Json<JobRun>, ApiError> {
    Ok(Json(
        jobs::run(&state, &caller, &name, state.relay.as_ref()).await?,
    ))
}
