//! `/planning/network`: the hub network of a 시·도 or 광역경제권 for planners
//! (docs/hub-network.md) — the map of hubs and the links firms made between them, the hubs with
//! their functions and spaces, the links with travel times, and the functions each hub lacks
//! within reach.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::Visitor;
use super::hubs::RegionQuery;
use crate::AppState;

pub async fn page(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(q): Query<RegionQuery>,
) -> Response {
    let result = async {
        let lang = visitor.lang;
        let region = q.region.filter(|r| !r.is_empty()).unwrap_or_else(|| "daejeon".into());
        let net = ucz_service::network::of_region(&state, &visitor.caller, &region).await?;
        let catalog = &state.catalog;
        let function_name = |id: &str| {
            catalog
                .functions
                .iter()
                .find(|f| f.id.as_str() == id)
                .map_or(id.to_string(), |f| lang.pick(&f.name_ko, &f.name_en).to_string())
        };
        let kind_name = |id: &str| {
            if id == "zone" {
                return state.pages.word(lang, "pl_kind_zone");
            }
            catalog
                .hub_kinds
                .iter()
                .find(|k| k.id.as_str() == id)
                .map_or(id.to_string(), |k| lang.pick(&k.name_ko, &k.name_en).to_string())
        };
        let space_name = |id: &str| {
            catalog
                .space_kinds
                .iter()
                .find(|k| k.id.as_str() == id)
                .map_or(id.to_string(), |k| lang.pick(&k.name_ko, &k.name_en).to_string())
        };
        let shown = |n: &ucz_core::network::Node| match (lang, &n.name_en) {
            (ucz_core::Lang::En, Some(en)) => en.clone(),
            _ => n.name.clone(),
        };
        let node_name = |id: &str| net.nodes.iter().find(|n| n.id == id).map_or(id.to_string(), shown);
        let minutes = |m: Option<f64>| m.map_or("—".to_string(), |m| format!("{m:.0}"));
        let nodes: Vec<Value> = net
            .nodes
            .iter()
            .map(|n| json!({
                "id": n.id, "name": shown(n), "kind": kind_name(&n.kind),
                "functions": n.functions.iter().map(|f| function_name(f)).collect::<Vec<_>>().join(", "),
                "spaces": n.spaces.iter().map(|s| format!("{} {} · {} m²", space_name(&s.kind), s.count, s.area_m2.round())).collect::<Vec<_>>().join(", "),
                "placed": n.site.is_some(),
            }))
            .collect();
        let links: Vec<Value> = net
            .links
            .iter()
            .map(|l| json!({
                "from": node_name(&l.from), "to": node_name(&l.to),
                "kind": state.pages.word(lang, &format!("pl_link_{}", serde_json::to_value(l.kind).ok().and_then(|k| k.as_str().map(str::to_owned)).unwrap_or_default())),
                "count": l.count, "minutes": minutes(l.minutes),
            }))
            .collect();
        let gaps: Vec<Value> = net
            .gaps
            .iter()
            .map(|g| json!({
                "hub": node_name(&g.hub), "function": function_name(&g.function),
                "nearest": g.nearest.as_deref().map(node_name).unwrap_or_else(|| "—".into()),
                "minutes": minutes(g.nearest_minutes),
            }))
            .collect();
        let map = json!({
            "nodes": net.nodes.iter().map(|n| json!({"id": n.id, "name": shown(n), "kind": n.kind, "site": n.site, "functions": n.functions.len(), "gaps": net.gaps.iter().filter(|g| g.hub == n.id).count()})).collect::<Vec<_>>(),
            "links": net.links.iter().map(|l| json!({"from": l.from, "to": l.to, "kind": l.kind, "count": l.count})).collect::<Vec<_>>(),
        });
        let mut regions: Vec<Value> = catalog
            .regions
            .iter()
            .map(|r| json!({"id": r.id, "name": lang.pick(&r.name_ko, &r.name_en)}))
            .collect();
        regions.extend(
            catalog
                .economic_regions
                .iter()
                .map(|e| json!({"id": e.id, "name": lang.pick(&e.name_ko, &e.name_en)})),
        );
        let rules = &net.rules;
        visitor.page(
            &state,
            StatusCode::OK,
            "network.html",
            json!({
                "region": region, "regions": regions, "nodes": nodes, "links": links, "gaps": gaps,
                "map": super::script_json(&map), "unplaced": net.unplaced.len(), "empty": net.nodes.is_empty(),
                "reach": format!("{:.0}", rules.reachable_minutes), "detour": rules.detour_factor, "speed": format!("{:.0}", rules.travel_speed_kmh),
            }),
        )
    }
    .await;
    visitor.respond(&state, result)
}
