//! The placement page of a region: graduations against freeing expansion space by month, the
//! optimal plan with accept and reject, graduates left without space and why, and retention.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::charts;
use super::{PageQuery, Visitor, form_pairs, form_value};
use crate::AppState;
use crate::auth::Role;
use crate::error::ApiError;
use ucz_service::ladder::{self, as_of, may_see, plan_region, retention_of};

#[derive(Deserialize, Default)]
pub struct Params {
    region: Option<String>,
    as_of: Option<String>,
    horizon: Option<u32>,
    done: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    visitor: Visitor,
    PageQuery(params): PageQuery<Params>,
) -> Response {
    let result = async {
        visitor.caller.require_user()?;
        let regions = ucz_service::zones::regions(&state, &visitor.caller).await?;
        let region = params
            .region
            .clone()
            .filter(|r| !r.is_empty())
            .or_else(|| regions.iter().find(|r| *r == "daejeon").or(regions.first()).cloned())
            .unwrap_or_else(|| "daejeon".into());
        let scope = ladder::scope(&state, &region)?;
        may_see(&state, &visitor.caller, &scope).await?;
        // Each 시·도 with a zone, then the 광역경제권 they lie in.
        let mut choices = regions.clone();
        for r in &regions {
            if let Some(e) = state.catalog.home_economic_region(r) {
                if !choices.iter().any(|c| c == e.id.as_str()) {
                    choices.push(e.id.to_string());
                }
            }
        }
        let economic = state.catalog.economic_region(&region).or_else(|| state.catalog.home_economic_region(&region));
        let day = as_of(&state.clock, params.as_of.as_deref().filter(|d| !d.is_empty()))?;
        let horizon = params.horizon.unwrap_or(12);
        if !(1..=60).contains(&horizon) {
            return Err(ApiError::invalid(vec![crate::error::FieldError {
                field: "horizon".into(),
                message: crate::error::Key::HorizonMonths.into(),
            }]));
        }
        let ladder::Planned {
            mut forecast,
            mut plan,
            records,
            ..
        } = plan_region(&state, &scope, day, horizon).await?;
        let graduates = forecast.graduates.len();
        let withheld =
            ladder::visible_plan(&visitor.caller, &records, &mut forecast, &mut plan);
        let retention = retention_of(&state, &scope, None, day).await?;
        let lang = visitor.lang;
        let mut firm_names: HashMap<String, String> = HashMap::new();
        for firm in forecast.graduates.iter().map(|g| &g.firm) {
            if let Some(record) = records.firms.get(firm) {
                let name = Some(record.name.as_str()).filter(|n| !n.is_empty());
                let name = name.unwrap_or(firm).to_string();
                firm_names.insert(firm.clone(), name);
            }
        }
        let months: Vec<(String, i64, i64)> = forecast
            .months
            .iter()
            .map(|m| (m.month.clone(), m.graduating as i64, m.freeing as i64))
            .collect();
        let word = |key: &str| state.pages.word(lang, key);
        let chart = charts::paired(
            &word("ladder_chart"),
            [&word("ladder_graduating"), &word("ladder_freeing")],
            &months,
        );
        let graduate_day: HashMap<&str, String> = forecast
            .graduates
            .iter()
            .map(|g| (g.firm.as_str(), g.needed_by.to_string()))
            .collect();
        let owner_of = |space: &str| {
            space
                .parse::<i64>()
                .ok()
                .and_then(|id| records.room_owners.get(&id))
        };
        let may_accept = |space: &str| match owner_of(space) {
            Some(owner) => ucz_service::access::write_zone_part(&visitor.caller, owner).is_ok(),
            None => matches!(visitor.role(), Some(Role::Admin)),
        };
        let may_reject = |space: &str| {
            may_accept(space) || matches!(visitor.role(), Some(Role::Admin | Role::Coordinator))
        };
        let room_name = |space: &str| {
            space
                .parse::<i64>()
                .ok()
                .and_then(|id| records.room_names.get(&id).cloned())
                .unwrap_or_default()
        };
        let firm_region: HashMap<&str, &str> = forecast
            .graduates
            .iter()
            .map(|g| (g.firm.as_str(), g.region.as_str()))
            .collect();
        let proposals: Vec<Value> = plan
            .proposals
            .iter()
            .map(|p| {
                // A move into another 시·도 of the 광역경제권 is shown as such.
                let from = firm_region.get(p.firm.as_str()).copied().unwrap_or_default();
                let moves = (!from.is_empty() && from != p.region).then(|| json!({
                    "from": state.catalog.area_name(from, lang), "to": state.catalog.area_name(&p.region, lang),
                }));
                json!({
                    "moves": moves,
                    "firm": p.firm, "firm_name": firm_names.get(&p.firm).unwrap_or(&p.firm),
                    "hub": records.hub_names.get(&p.hub).unwrap_or(&p.hub), "space": p.space,
                    "space_name": room_name(&p.space),
                    "may_accept": may_accept(&p.space), "may_reject": may_reject(&p.space),
                    "reasons": if lang == ucz_core::Lang::Ko { &p.reasons_ko } else { &p.reasons_en },
                    "starts": graduate_day.get(p.firm.as_str()),
                })
            })
            .collect();
        let unplaced: Vec<Value> = plan
            .unplaced
            .iter()
            .map(|u| {
                json!({
                    "firm": u.firm, "firm_name": firm_names.get(&u.firm).unwrap_or(&u.firm),
                    "reason": ucz_core::placement::Plan::reason_named(u, &state.catalog, lang),
                    "waitlisted": u.fitting_spaces > 0,
                    "needed_by": graduate_day.get(u.firm.as_str()),
                })
            })
            .collect();
        visitor.page(
            &state,
            StatusCode::OK,
            "placement.html",
            json!({
                "region": region,
                "regions": choices,
                "members": scope.regions,
                "economic_region": economic.map(|e| e.id.to_string()),
                "withheld": withheld,
                "as_of": forecast.as_of,
                "until": forecast.until,
                "horizon": horizon,
                "graduates": graduates,
                "vacancies": forecast.vacancies.len(),
                "chart": chart,
                "months": forecast.months,
                "proposals": proposals,
                "unplaced": unplaced,
                "retention": retention,
                "done": params.done.as_deref().and_then(|d| {
                    let mut parts = d.splitn(3, ':');
                    let (action, firm, space) = (parts.next()?, parts.next()?, parts.next()?);
                    matches!(action, "accept" | "reject").then(|| {
                        json!({"action": action, "firm": firm, "space": space, "space_name": room_name(space)})
                    })
                }),
            }),
        )
    }
    .await;
    visitor.respond(&state, result)
}

/// The accept and reject buttons: the API's own handlers, then back to the plan.
pub async fn decide(State(state): State<AppState>, visitor: Visitor, body: Bytes) -> Response {
    let result = async {
        let pairs = form_pairs(&body);
        visitor.check_form(form_value(&pairs, "_csrf"))?;
        let get = |key: &str| form_value(&pairs, key).unwrap_or_default().to_string();
        let decision = json!({
            "firm_id": get("firm_id"),
            "space_id": get("space_id").parse::<i64>().unwrap_or(-1),
        });
        let mut decision = decision;
        let accepted = match get("action").as_str() {
            "accept" => true,
            "reject" => false,
            _ => return Err(ApiError::bad_request(crate::error::Key::PlacementAction)),
        };
        if accepted && !get("starts").is_empty() {
            decision["starts"] = Value::from(get("starts"));
        }
        if accepted {
            let _lease = ladder::accept(&state, &visitor.caller, decision).await?;
        } else {
            let _rejection = ladder::reject(&state, &visitor.caller, decision).await?;
        }
        let back: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("region", &get("region"))
            .append_pair("as_of", &get("as_of"))
            .append_pair(
                "done",
                &format!("{}:{}:{}", get("action"), get("firm_id"), get("space_id")),
            )
            .finish();
        Ok(visitor.redirect(&format!("/placement?{back}")))
    }
    .await;
    visitor.respond(&state, result)
}
