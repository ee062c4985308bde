//! Firms: the list an operator or coordinator works from, and a firm's page with its program
//! package (what it qualifies for and why, what it does not and why, what comes at its next
//! stage).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};
use ucz_core::eligibility::{Offer, describe};

use super::{Flash, Visitor};
use crate::AppState;
use crate::analysis::today;
use crate::resources::{ListParams, Q, firms};

/// An offer with its conditions in words.
fn offer(state: &AppState, offer: &Offer, lang: ucz_core::Lang) -> Value {
    let reasons = state
        .rulebook
        .get(offer.id.as_str())
        .map(|p| describe(p.rule.expr(), &state.catalog, lang))
        .unwrap_or_default();
    json!({"offer": offer, "reasons": reasons})
}

pub async fn page(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> Response {
    let result = async {
        let record = firms::stored(&state, &visitor.caller, &id).await?;
        let firm = firms::firm_of(&state, &record)?;
        let package = state.rulebook.package(&state.catalog, &firm, today());
        let lang = visitor.lang;
        let eligible: Vec<Value> = package
            .eligible
            .iter()
            .map(|o| offer(&state, o, lang))
            .collect();
        let next: Vec<Value> = package
            .next_stage_programs
            .iter()
            .map(|o| offer(&state, o, lang))
            .collect();
        let writes = crate::access::write_firm(
            &visitor.caller,
            &id,
            record["zone"].as_str().unwrap_or_default(),
        )
        .is_ok();
        visitor.page(
            &state,
            StatusCode::OK,
            "firm.html",
            json!({
                "firm": record["body"],
                "package": package,
                "eligible": eligible,
                "next": next,
                "writes": writes,
                "saved": flash.saved.is_some(),
            }),
        )
    }
    .await;
    visitor.respond(&state, result)
}

#[derive(Deserialize)]
pub struct ListQuery {
    zone: Option<String>,
    stage: Option<String>,
    region: Option<String>,
    offset: Option<i64>,
}

pub async fn list(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(query): Query<ListQuery>,
) -> Response {
    let result = async {
        let nonempty = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
        let params = ListParams {
            limit: Some(50),
            offset: query.offset,
            zone_id: None,
            facility_id: None,
            region: nonempty(&query.region),
            stage: nonempty(&query.stage),
            zone: nonempty(&query.zone),
        };
        let page = firms::list(State(state.clone()), visitor.caller.clone(), Q(params))
            .await?
            .0;
        let filters: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(
                [
                    ("zone", nonempty(&query.zone)),
                    ("stage", nonempty(&query.stage)),
                    ("region", nonempty(&query.region)),
                ]
                .iter()
                .filter_map(|(k, v)| v.as_ref().map(|v| (*k, v.as_str()))),
            )
            .finish();
        let options = super::edit::options(&state, &visitor.caller).await?;
        visitor.page(
            &state,
            StatusCode::OK,
            "firms.html",
            json!({
                "items": page.items,
                "total": page.total,
                "offset": page.offset,
                "limit": page.limit,
                "filters": filters,
                "query": {"zone": query.zone, "stage": query.stage, "region": query.region},
                "zones": options.zones,
                "stages": state.catalog.stages.iter().map(|s| s.id.to_string()).collect::<Vec<_>>(),
                "regions": state.catalog.regions.iter().map(|r| r.id.to_string()).collect::<Vec<_>>(),
            }),
        )
    }
    .await;
    visitor.respond(&state, result)
}
