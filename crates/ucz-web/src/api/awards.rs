//! `/api/v1/awards/…`: a zone's own programs run in ucz — competitions, applications and their
//! files, evaluators, conflicts, assignment, scores, ranking and selection, results, objections,
//! agreements and KPI filings — and `/api/v1/firms/{id}/facts`, a firm's dated facts.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use ucz_core::award::filing::{AgreementBody, FilingBody};
use ucz_core::award::{Competition, FileRef};
use ucz_service::awards::{
    self, Agreement, ApplicationBody, ApplicationView, Assignment, AssignmentReport,
    CompetitionView, ConflictBody, EvaluatorView, Facts, Filing, FilingStatus, InviteBody,
    ObjectionBody, OwnResult, Precheck, Results, ScoreBody, SelectBody,
};
use ucz_store::ObjectionRow;

use super::{Body, Q, typed};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;

/// The largest upload a route takes; each question sets its own limit below it.
pub const MAX_UPLOAD: usize = 32 << 20;

/// A list.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Items<T> {
    pub items: Vec<T>,
}

pub(crate) fn items<T>(items: Vec<T>) -> Json<Items<T>> {
    Json(Items { items })
}

/// A done answer.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Done {
    pub done: bool,
}

/// The stage a request is about (the first, or for rankings the last, when left out).
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StageQuery {
    /// A stage's id (the call's `stages`); the first, or for rankings the last, when left out.
    pub stage: Option<String>,
}

/// Which question an upload answers, and the file's name.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// The id of the form's file question the file answers.
    pub question: String,
    /// The file's name as the applicant's computer knows it.
    pub name: String,
}

pub async fn read_competition(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<CompetitionView>, ApiError> {
    Ok(Json(awards::read_competition(&state, id).await?))
}

pub async fn set_competition(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    payload: Body,
) -> Result<Json<CompetitionView>, ApiError> {
    let setup: Competition = typed(payload)?;
    Ok(Json(
        awards::set_competition(&state, &caller, id, setup).await?,
    ))
}

pub async fn precheck(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Precheck>, ApiError> {
    Ok(Json(awards::precheck(&state, &caller, id).await?))
}

pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Q(query): Q<UploadQuery>,
    headers: HeaderMap,
    content: axum::body::Bytes,
) -> Result<(StatusCode, Json<FileRef>), ApiError> {
    let media_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or("application/octet-stream")
        .trim()
        .to_ascii_lowercase();
    let file = awards::upload(
        &state,
        &caller,
        id,
        &query.question,
        &query.name,
        &media_type,
        &content,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(file)))
}

pub async fn create_application(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    payload: Body,
) -> Result<(StatusCode, Json<ApplicationView>), ApiError> {
    let body: ApplicationBody = typed(payload)?;
    let made = awards::create_application(&state, &caller, id, body).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

pub async fn list_applications(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Items<ApplicationView>>, ApiError> {
    Ok(items(awards::applications(&state, &caller, id).await?))
}

pub async fn my_applications(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Items<ApplicationView>>, ApiError> {
    Ok(items(awards::my_applications(&state, &caller).await?))
}

pub async fn read_application(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<ApplicationView>, ApiError> {
    Ok(Json(awards::read_application(&state, &caller, id).await?))
}

pub async fn update_application(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    payload: Body,
) -> Result<Json<ApplicationView>, ApiError> {
    let body: ApplicationBody = typed(payload)?;
    Ok(Json(
        awards::update_application(&state, &caller, id, body).await?,
    ))
}

pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<ApplicationView>, ApiError> {
    Ok(Json(awards::submit(&state, &caller, id).await?))
}

pub async fn withdraw(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<ApplicationView>, ApiError> {
    Ok(Json(awards::withdraw(&state, &caller, id).await?))
}

/// A file of an application, as an attachment (its shown name: blind reviews hide the real one).
pub async fn application_file(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, question)): Path<(i64, String)>,
) -> Result<Response, ApiError> {
    let (name, media_type, content) =
        awards::application_file(&state, &caller, id, &question).await?;
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, media_type),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
                    urlencoding(&name)
                ),
            ),
        ],
        content,
    )
        .into_response())
}

fn urlencoding(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

pub async fn invite(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    payload: Body,
) -> Result<(StatusCode, Json<EvaluatorView>), ApiError> {
    let body: InviteBody = typed(payload)?;
    Ok((
        StatusCode::CREATED,
        Json(awards::invite(&state, &caller, id, body).await?),
    ))
}

pub async fn evaluators(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Items<EvaluatorView>>, ApiError> {
    Ok(items(awards::evaluators(&state, &caller, id).await?))
}

pub async fn declare_conflict(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    payload: Body,
) -> Result<Json<Done>, ApiError> {
    let body: ConflictBody = typed(payload)?;
    awards::declare_conflict(&state, &caller, id, body).await?;
    Ok(Json(Done { done: true }))
}

pub async fn assign(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Q(query): Q<StageQuery>,
) -> Result<Json<AssignmentReport>, ApiError> {
    Ok(Json(
        awards::assign(&state, &caller, id, query.stage.as_deref()).await?,
    ))
}

pub async fn my_assignments(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Items<Assignment>>, ApiError> {
    Ok(items(awards::my_assignments(&state, &caller).await?))
}

pub async fn score(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    payload: Body,
) -> Result<Json<Done>, ApiError> {
    let body: ScoreBody = typed(payload)?;
    awards::score(&state, &caller, id, body).await?;
    Ok(Json(Done { done: true }))
}

pub async fn ranking(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Q(query): Q<StageQuery>,
) -> Result<Json<Results>, ApiError> {
    Ok(Json(
        awards::ranking(&state, &caller, id, query.stage.as_deref()).await?,
    ))
}

pub async fn select(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    payload: Body,
) -> Result<Json<Results>, ApiError> {
    let body: SelectBody = typed(payload)?;
    Ok(Json(awards::select(&state, &caller, id, body).await?))
}

pub async fn results(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Results>, ApiError> {
    Ok(Json(awards::results(&state, &caller, id).await?))
}

pub async fn own_result(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<OwnResult>, ApiError> {
    Ok(Json(awards::own_result(&state, &caller, id).await?))
}

pub async fn object(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    payload: Body,
) -> Result<(StatusCode, Json<ObjectionRow>), ApiError> {
    let body: ObjectionBody = typed(payload)?;
    Ok((
        StatusCode::CREATED,
        Json(awards::object(&state, &caller, id, body).await?),
    ))
}

pub async fn objections(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Items<ObjectionRow>>, ApiError> {
    Ok(items(awards::objections(&state, &caller, id).await?))
}

pub async fn sign_agreement(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    payload: Body,
) -> Result<Json<Agreement>, ApiError> {
    let body: AgreementBody = typed(payload)?;
    Ok(Json(
        awards::sign_agreement(&state, &caller, id, body).await?,
    ))
}

pub async fn agreement(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Agreement>, ApiError> {
    Ok(Json(awards::agreement(&state, &caller, id).await?))
}

pub async fn file(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    payload: Body,
) -> Result<(StatusCode, Json<Filing>), ApiError> {
    let body: FilingBody = typed(payload)?;
    Ok((
        StatusCode::CREATED,
        Json(awards::file(&state, &caller, id, body).await?),
    ))
}

pub async fn filings(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Items<Filing>>, ApiError> {
    Ok(items(awards::filings_of(&state, &caller, id).await?))
}

pub async fn filings_table(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Items<FilingStatus>>, ApiError> {
    Ok(items(awards::filings_table(&state, &caller, id).await?))
}

pub async fn facts(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Facts>, ApiError> {
    Ok(Json(awards::facts(&state, &caller, &id).await?))
}
