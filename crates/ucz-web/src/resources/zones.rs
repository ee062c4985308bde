//! `/api/v1/zones`: a zone's top-level plan (the zone file without its facilities and
//! institutions, which have their own resources).

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};
use ucz_core::{SourceFile, Zone};
use ucz_store::{Filter, ZONES};

use super::{ListParams, Page, as_toml, body};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::{AppState, access};

/// Checks a zone body with the zone-file parser; returns the stored record.
pub(crate) fn validate(state: &AppState, body: &Value, demo: bool) -> Result<Value, ApiError> {
    if body.get("facility").is_some() || body.get("institution").is_some() {
        return Err(ApiError::bad_request(
            "facilities and institutions have their own resources",
        ));
    }
    let text = as_toml(body)?;
    Zone::parse(SourceFile::new("body", &text), &state.catalog)?;
    Ok(json!({"id": body["id"], "body": body, "demo": demo}))
}

fn view(record: Value) -> Value {
    let mut zone = record["body"].clone();
    zone["demo"] = record["demo"].clone();
    zone
}

pub async fn list(
    State(state): State<AppState>,
    crate::resources::Q(params): crate::resources::Q<ListParams>,
) -> Result<Json<Page>, ApiError> {
    let (limit, offset) = params.page()?;
    let (items, total) = state
        .store
        .list(
            &ZONES,
            &Filter {
                equals: Vec::new(),
                limit,
                offset,
            },
        )
        .await?;
    Ok(Json(Page {
        items: items.into_iter().map(view).collect(),
        total,
        limit,
        offset,
    }))
}

pub async fn read(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let record = state
        .store
        .get(&ZONES, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("zone", &id))?;
    Ok(Json(view(record)))
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    payload: Result<Json<Value>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    access::create_zone(&caller)?;
    let body = body(payload)?;
    let record = validate(&state, &body, false)?;
    // Plans name zones and hubs alike: a zone may not take a hub's id.
    let id = body["id"].as_str().unwrap_or_default();
    if state.store.get(&ucz_store::HUBS, id).await?.is_some() {
        return Err(ApiError::invalid(vec![crate::error::FieldError {
            field: "id".into(),
            message: format!("{id} is a hub's id; choose another"),
        }]));
    }
    let created = state.store.create(&caller.actor(), &ZONES, &record).await?;
    Ok((StatusCode::CREATED, Json(view(created))))
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    payload: Result<Json<Value>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    access::update_zone(&caller, &id)?;
    let mut body = body(payload)?;
    super::same_id(&body, &id)?;
    body["id"] = Value::from(id.clone());
    let existing = state
        .store
        .get(&ZONES, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("zone", &id))?;
    if body["region"] != existing["body"]["region"] {
        access::change_zone_region(&caller)?;
    }
    let record = validate(&state, &body, existing["demo"].as_bool().unwrap_or(false))?;
    let updated = state
        .store
        .update(&caller.actor(), &ZONES, &id, &record)
        .await?
        .ok_or_else(|| ApiError::not_found("zone", &id))?;
    Ok(Json(view(updated)))
}

pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    access::delete_zone(&caller)?;
    // Tenant firms name their zone; a later zone of the same id must not inherit them.
    let tenants = Filter {
        equals: vec![("zone", id.clone())],
        limit: 1,
        offset: 0,
    };
    let (_, count) = state.store.list(&ucz_store::FIRMS, &tenants).await?;
    if count > 0 {
        return Err(ApiError::conflict(format!(
            "zone {id} has {count} tenant firms; move or delete them first"
        )));
    }
    // Leased spaces in its facilities are refused by the store.
    if state.store.delete(&caller.actor(), &ZONES, &id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("zone", &id))
    }
}
