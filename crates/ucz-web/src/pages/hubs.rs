//! `/hubs`: the hubs of the regions' networks outside the zones, with the links to make and
//! edit them (coordinators and admins; the forms are `edit`'s, as for every record).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use ucz_service::ListParams;

use super::Visitor;
use crate::AppState;
use crate::auth::Role;

#[derive(Debug, Default, Deserialize)]
pub struct RegionQuery {
    pub region: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(q): Query<RegionQuery>,
) -> Response {
    let result = async {
        let region = q.region.filter(|r| !r.is_empty());
        let params = ListParams {
            limit: Some(500),
            region: region.clone(),
            ..ListParams::default()
        };
        let hubs = ucz_service::hubs::list(&state, &visitor.caller, &params).await?;
        let keeps = matches!(
            visitor.caller.role(),
            Some(Role::Admin | Role::Coordinator)
        );
        let regions: Vec<_> = state
            .catalog
            .regions
            .iter()
            .map(|r| json!({"id": r.id, "name": visitor.lang.pick(&r.name_ko, &r.name_en)}))
            .collect();
        visitor.page(
            &state,
            StatusCode::OK,
            "hubs.html",
            json!({"hubs": hubs.items, "total": hubs.total, "keeps": keeps, "region": region.unwrap_or_default(), "regions": regions}),
        )
    }
    .await;
    visitor.respond(&state, result)
}
