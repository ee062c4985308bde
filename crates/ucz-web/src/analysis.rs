//! Computed on demand: a zone's diagnosis, a firm's package, the catalog, the audit trail.

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::Value;
use ucz_core::date::Date;
use ucz_core::{SourceFile, Zone, diagnose};
use ucz_store::{FACILITIES, Filter, INSTITUTIONS, ZONES};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::resources::firms;
use crate::{AppState, access};

pub async fn catalog(State(state): State<AppState>) -> Json<ucz_core::Catalog> {
    Json(state.catalog.as_ref().clone())
}

pub async fn catalog_kind(
    State(state): State<AppState>,
    Path(kind): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let all = serde_json::to_value(state.catalog.as_ref()).map_err(ApiError::internal)?;
    all.get(&kind)
        .cloned()
        .map(Json)
        .ok_or_else(|| ApiError::not_found("catalog kind", &kind))
}

/// The zone file of a stored zone: its plan, facilities and institutions.
async fn zone_text(state: &AppState, id: &str) -> Result<String, ApiError> {
    let zone = state
        .store
        .get(&ZONES, id)
        .await?
        .ok_or_else(|| ApiError::not_found("zone", id))?;
    let all = Filter {
        equals: vec![("zone_id", id.to_string())],
        limit: i64::MAX,
        offset: 0,
    };
    let (facilities, _) = state.store.list(&FACILITIES, &all).await?;
    let (institutions, _) = state.store.list(&INSTITUTIONS, &all).await?;
    let mut document = zone["body"].clone();
    document["facility"] = facilities
        .iter()
        .map(|f| {
            let mut facility = serde_json::json!({
                "type": f["kind"], "name": f["name"], "floor_area_m2": f["floor_area_m2"], "planned": f["planned"],
            });
            if f["units"].is_i64() {
                facility["units"] = f["units"].clone();
            }
            facility
        })
        .collect();
    document["institution"] = institutions
        .iter()
        .map(|i| serde_json::json!({"kind": i["kind"], "name": i["name"]}))
        .collect();
    crate::resources::as_toml(&document)
}

pub async fn diagnosis(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ucz_core::Diagnosis>, ApiError> {
    diagnosis_of(&state, &id).await.map(Json)
}

/// The diagnosis of a stored zone with its facilities and institutions.
pub async fn diagnosis_of(state: &AppState, id: &str) -> Result<ucz_core::Diagnosis, ApiError> {
    let text = zone_text(state, id).await?;
    let zone = Zone::parse(SourceFile::new(id, &text), &state.catalog)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(diagnose(&state.catalog, &zone))
}

#[derive(Deserialize)]
pub struct PackageParams {
    as_of: Option<String>,
}

pub async fn package(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    crate::resources::Q(params): crate::resources::Q<PackageParams>,
) -> Result<Json<ucz_core::eligibility::Package>, ApiError> {
    let record = firms::stored(&state, &caller, &id).await?;
    let firm = firms::firm_of(&state, &record)?;
    let as_of = match params.as_of {
        Some(text) => text.parse::<Date>().map_err(|e| {
            ApiError::invalid(vec![crate::error::FieldError {
                field: "as_of".into(),
                message: e,
            }])
        })?,
        None => state.clock.today(),
    };
    Ok(Json(state.rulebook.package(&state.catalog, &firm, as_of)))
}

#[derive(Deserialize)]
pub struct AuditParams {
    limit: Option<i64>,
    offset: Option<i64>,
}

pub async fn audit(
    State(state): State<AppState>,
    caller: Caller,
    crate::resources::Q(params): crate::resources::Q<AuditParams>,
) -> Result<Json<Value>, ApiError> {
    access::read_audit(&caller)?;
    let limit = params.limit.unwrap_or(100).clamp(1, 1000);
    let entries = state
        .store
        .audit(limit, params.offset.unwrap_or(0).max(0))
        .await?;
    let verification = state.store.verify_audit().await?;
    Ok(Json(
        serde_json::json!({"items": entries, "chain": verification}),
    ))
}
