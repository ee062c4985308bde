//! The national overview: a map of Korea with the zones, and a table comparing them.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::{Flash, PageQuery, Visitor};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;

/// One row of the comparison, also drawn on the map.
pub async fn zone_summaries(state: &AppState, caller: &Caller) -> Result<Vec<Value>, ApiError> {
    let mut rows = Vec::new();
    for summary in ucz_service::zones::overview(state, caller).await? {
        let id = summary.zone.id.to_string();
        let body = &ucz_service::records::shown(&summary.zone.record.record);
        let diagnosis = &summary.diagnosis;
        let functions: Vec<Value> = diagnosis
            .functions
            .iter()
            .map(|f| json!({"id": f.id, "present": f.status == ucz_core::diagnosis::FunctionStatus::Present}))
            .collect();
        let active = diagnosis
            .linkages
            .iter()
            .filter(|l| l.status == ucz_core::diagnosis::LinkageStatus::Active)
            .count();
        let firms = summary.tenants;
        let census = state
            .catalog
            .regions
            .iter()
            .find(|r| r.id.as_str() == body["region"].as_str().unwrap_or_default())
            .and_then(|r| r.census_code_2013.clone());
        rows.push(json!({
            "id": id,
            "name": body["name"],
            "name_en": body["name_en"],
            "region": body["region"],
            "census_code": census,
            "zone_type": body["zone_type"],
            "area_km2": body["area_km2"],
            "site": body["site"],
            "functions": functions,
            "functions_present": functions.iter().filter(|f| f["present"] == true).count(),
            "linkages_active": active,
            "linkages_total": diagnosis.linkages.len(),
            "facilities": diagnosis.zone.facilities,
            "floor_area_m2": diagnosis.zone.floor_area_m2,
            "firms": firms,
            "typology": diagnosis.typology.id,
        }));
    }
    Ok(rows)
}

pub async fn page(
    State(state): State<AppState>,
    visitor: Visitor,
    PageQuery(flash): PageQuery<Flash>,
) -> Response {
    let result = async {
        let zones = zone_summaries(&state, &visitor.caller).await?;
        let map_data = serde_json::to_string(&zones).map_err(ApiError::internal)?;
        visitor.page(
            &state,
            StatusCode::OK,
            "overview.html",
            json!({
                "zones": zones,
                "deleted": flash.deleted.is_some(),
                // Read by the map script as JSON; no `<`, `>` or `&` can end the script element.
                "map_data": map_data.replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026"),
                "functions": state.catalog.functions.iter().map(|f| f.id.to_string()).collect::<Vec<_>>(),
            }),
        )
    }
    .await;
    visitor.respond(&state, result)
}
