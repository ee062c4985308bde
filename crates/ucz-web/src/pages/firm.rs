//! Firms: the list an operator or coordinator works from, and a firm's page with its program
//! package (what it qualifies for and why, what it does not and why, what comes at its next
//! stage).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use ucz_core::eligibility::{Offer, describe};

use super::{Flash, PageQuery, Visitor};
use crate::AppState;
use ucz_service::{ListParams, firms, zones};

/// The firm's proposal in its region's plan, or why it has none (null when it is not graduating).
fn placement_of(
    state: &AppState,
    lang: ucz_core::Lang,
    id: &str,
    plan: &ucz_core::placement::Plan,
    records: &ucz_service::ladder::Region,
) -> Value {
    if let Some(p) = plan.proposals.iter().find(|p| p.firm == id) {
        json!({
            "proposed": true,
            "hub": records.hub_names.get(&p.hub).unwrap_or(&p.hub),
            "space": p.space,
            "space_name": p.space.parse::<i64>().ok().and_then(|id| records.room_names.get(&id)).unwrap_or(&p.space),
            "reasons": if lang == ucz_core::Lang::Ko { &p.reasons_ko } else { &p.reasons_en },
        })
    } else if let Some(u) = plan.unplaced.iter().find(|u| u.firm == id) {
        json!({"proposed": false, "reason": ucz_core::placement::Plan::reason_named(u, &state.catalog, lang)})
    } else {
        Value::Null
    }
}

/// An offer with its conditions in words. A program a zone runs (Figure 2's support programs,
/// Figure 3's linkage programs) is open to a firm only where its zone runs it: otherwise the
/// offer says so and names the zones that do.
fn offer(
    state: &AppState,
    offer: &Offer,
    lang: ucz_core::Lang,
    zone: &str,
    runners: &HashMap<String, Vec<zones::Runner>>,
) -> Value {
    let reasons = state
        .rulebook
        .get(offer.id.as_str())
        .map(|p| describe(p.rule.expr(), &state.catalog, lang))
        .unwrap_or_default();
    let zone_run = offer.kind.is_zone_run();
    let run_by: Vec<&zones::Runner> = runners
        .get(offer.id.as_str())
        .into_iter()
        .flatten()
        .collect();
    let runs_here = !zone_run || run_by.iter().any(|r| r.id == zone);
    let run_in: Vec<&str> = run_by
        .iter()
        .map(|r| match lang {
            ucz_core::Lang::En => r.name_en.as_deref().unwrap_or(&r.name),
            ucz_core::Lang::Ko => r.name.as_str(),
        })
        .collect();
    json!({"offer": offer, "reasons": reasons, "zone_run": zone_run, "runs_here": runs_here, "run_in": run_in})
}

pub async fn page(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    PageQuery(flash): PageQuery<Flash>,
) -> Response {
    let result = async {
        let firm = firms::read(&state, &visitor.caller, &id)
            .await?
            .record
            .record;
        let package = state
            .rulebook
            .package(&state.catalog, &firm, state.clock.today());
        let lang = visitor.lang;
        // Which zones run what is read only when the package holds a zone-run program.
        let zone_run = |o: &Offer| o.kind.is_zone_run();
        let runners = if package
            .eligible
            .iter()
            .chain(&package.next_stage_programs)
            .any(zone_run)
        {
            zones::runners(&state).await?
        } else {
            HashMap::new()
        };
        let eligible: Vec<Value> = package
            .eligible
            .iter()
            .map(|o| offer(&state, o, lang, &firm.zone, &runners))
            .collect();
        let next: Vec<Value> = package
            .next_stage_programs
            .iter()
            .map(|o| offer(&state, o, lang, &firm.zone, &runners))
            .collect();
        // Told where it could move when its incubation ends: its proposal, or why none fits, in
        // the 광역경제권 of its latest lease (it may incubate outside its own region).
        // Only a firm whose latest lease is running can be a graduate: the others are not
        // planned for (this page is viewed far more often than the plan changes).
        let latest = firms::running_space(&state, &visitor.caller, &firm).await?;
        let planned = match latest {
            Some(space) => {
                let region = ucz_service::ladder::decided_space(&state, space.0).await?.2;
                let scope = ucz_service::ladder::home_scope(&state, &region);
                Some(
                    ucz_service::ladder::plan_region(&state, &scope, state.clock.today(), 12)
                        .await?,
                )
            }
            None => None,
        };
        let placement = if let Some(planned) = &planned {
            placement_of(&state, lang, &id, &planned.plan, &planned.records)
        } else {
            Value::Null
        };
        let zone_name = match Some(firm.zone.as_str()).filter(|z| !z.is_empty()) {
            Some(zone) => match ucz_service::zones::read(&state, zone).await {
                Ok(stored) => super::zone_name(&stored.record.record, lang),
                // A zone without a stored plan is still named as the catalog names it.
                Err(error) if error.code == ucz_service::Code::NotFound => {
                    state.catalog.designated_zone(zone).map_or_else(
                        || zone.to_string(),
                        |z| lang.pick(&z.name_ko, &z.name_en).to_string(),
                    )
                }
                Err(error) => return Err(error.into()),
            },
            None => String::new(),
        };
        let writes = ucz_service::access::write_firm(&visitor.caller, &id, &firm.zone).is_ok();
        // The open calls that fit it (approved rules) or likely fit it (drafts), soonest first.
        let calls = ucz_service::calls::list(
            &state,
            &visitor.caller,
            &ucz_service::calls::CallQuery {
                firm: Some(id.clone()),
                fit: Some("likely".into()),
                status: Some("open".into()),
                limit: Some(10),
                ..Default::default()
            },
        )
        .await?;
        visitor.page(
            &state,
            StatusCode::OK,
            "firm.html",
            json!({
                "firm": firm,
                "package": package,
                "eligible": eligible,
                "next": next,
                "writes": writes,
                "zone_name": zone_name,
                "placement": placement,
                "calls": calls,
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
    deleted: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    visitor: Visitor,
    PageQuery(query): PageQuery<ListQuery>,
) -> Response {
    let result = async {
        let nonempty = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
        let mut query = query;
        // An operator sees its own zone's firms, whatever the address asks for.
        if let Some(crate::auth::Role::Operator { zone }) = visitor.role() {
            query.zone = Some(zone.clone());
        }
        let query = query;
        let params = ListParams {
            limit: Some(50),
            offset: query.offset.map(|o| o.max(0)),
            zone_id: None,
            facility_id: None,
            hub_id: None,
            region: nonempty(&query.region),
            stage: nonempty(&query.stage),
            zone: nonempty(&query.zone),
            space_id: None,
            firm_id: None,
        };
        let page = firms::list(&state, &visitor.caller, &params).await?;
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
        let options = super::edit::options(&state, &visitor.caller, visitor.lang).await?;
        let zone_names: serde_json::Map<String, Value> = options
            .zones
            .iter()
            .map(|c| (c.value.clone(), Value::from(c.label.clone())))
            .collect();
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
                "zone_names": zone_names,
                "deleted": query.deleted.is_some(),
                "stages": state.catalog.stages.iter().map(|s| s.id.to_string()).collect::<Vec<_>>(),
                "regions": state.catalog.regions.iter().map(|r| r.id.to_string()).collect::<Vec<_>>(),
            }),
        )
    }
    .await;
    visitor.respond(&state, result)
}
