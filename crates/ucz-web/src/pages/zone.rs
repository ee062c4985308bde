//! A zone's page: its diagnosis as a picture (Figure 3's diamond), typology and remedies,
//! ministry packages and principles; its facilities, spaces, institutions and tenant firms.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};
use ucz_core::catalog::Kind;

use super::charts::{self, Corner, Link};
use super::{Flash, PageQuery, Visitor};
use crate::AppState;
use ucz_service::access;

pub async fn page(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    PageQuery(flash): PageQuery<Flash>,
) -> Response {
    let result = async {
        let zone = ucz_service::records::shown(&ucz_service::zones::read(&state, &id).await?);
        let holdings = ucz_service::zones::holdings(&state, &visitor.caller, &id).await?;
        let diagnosis = holdings.diagnosis;
        let lang = visitor.lang;
        let catalog = &state.catalog;
        let status_word = |s: &str| state.pages.word(lang, &format!("status_{s}"));
        let corners: Vec<Corner> = diagnosis
            .functions
            .iter()
            .map(|f| Corner {
                id: f.id.as_str(),
                name: catalog.name(Kind::Function, f.id.as_str(), lang),
                present: f.status == ucz_core::diagnosis::FunctionStatus::Present,
            })
            .collect();
        let statuses: Vec<String> = diagnosis
            .linkages
            .iter()
            .map(|l| {
                serde_json::to_value(l.status)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default()
            })
            .collect();
        let links: Vec<Link> = diagnosis
            .linkages
            .iter()
            .zip(&statuses)
            .filter_map(|(l, status)| {
                let linkage = catalog.linkage(l.id.as_str())?;
                Some(Link {
                    between: [
                        linkage.functions.first()?.as_str(),
                        linkage.functions.get(1)?.as_str(),
                    ],
                    name: catalog.name(Kind::Linkage, l.id.as_str(), lang),
                    status: status.as_str(),
                    status_name: status_word(status),
                })
            })
            .collect();
        let diamond = charts::diamond(&state.pages.word(lang, "diamond_title"), &corners, &links);

        let counts = holdings.tenants_by_stage;
        let mut by_stage = Vec::new();
        for stage in &catalog.stages {
            let count = counts
                .iter()
                .find(|(s, _)| s == stage.id.as_str())
                .map_or(0, |(_, n)| *n);
            by_stage.push((catalog.name(Kind::Stage, stage.id.as_str(), lang), count));
        }
        let tenant_count: i64 = by_stage.iter().map(|(_, n)| n).sum();
        let stage_chart = charts::bars(&state.pages.word(lang, "firms_by_stage"), &by_stage);

        let role = visitor.role();
        let account = role.is_some();
        // The page's buttons follow the rules its lists were read by.
        let writes_parts = access::list_zone_leases(&visitor.caller, &id).is_ok();
        let edits_zone = access::update_zone(&visitor.caller, &id).is_ok();
        let reads_firms = access::list_zone_firms(&visitor.caller, &id).is_ok();
        let (facilities, institutions) = (holdings.facilities, holdings.institutions);
        // Leases of the zone's spaces, for its operator to end and say where a firm went:
        // running ones first, each group by its end.
        let mut leases = holdings.leases;
        leases.sort_by(|a, b| {
            (a["status"] != "active", a["ends"].as_str())
                .cmp(&(b["status"] != "active", b["ends"].as_str()))
        });
        // A lease beyond its facility's terms was written on purpose: it is shown, not hidden.
        for lease in &mut leases {
            let warned = lease["id"]
                .as_i64()
                .and_then(|id| holdings.lease_warnings.get(&id));
            let texts: Vec<String> = warned
                .into_iter()
                .flatten()
                .map(|w| w.message.render(lang))
                .collect();
            lease["warnings"] = Value::from(texts);
        }
        let tenants = holdings.tenants;
        // Post-BI retention of this zone's incubator graduates, for those who may see the ladder.
        let region = zone["region"].as_str().unwrap_or_default();
        let scope = ucz_core::placement::ladder::Scope::region(region);
        let retention = if ucz_service::ladder::may_see(&state, &visitor.caller, &scope)
            .await
            .is_ok()
        {
            Some(
                ucz_service::ladder::retention_of(&state, &scope, Some(&id), state.clock.today())
                    .await?,
            )
        } else {
            None
        };
        // Per ministry: what the plan uses and holds, then what the diagnosis would add.
        let listed = |field: &str| -> Vec<String> {
            zone[field]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        };
        let (in_use, held) = (listed("programs"), listed("designations"));
        let ministry_rows: Vec<Value> = catalog
            .ministries
            .iter()
            .filter_map(|m| {
                let uses: Vec<&String> = in_use
                    .iter()
                    .filter(|p| catalog.program(p).is_some_and(|p| p.ministry == m.id))
                    .collect();
                let holds: Vec<&String> = held
                    .iter()
                    .filter(|d| {
                        catalog
                            .designation(d)
                            .is_some_and(|d| d.ministries.first() == Some(&m.id))
                    })
                    .collect();
                let adds = diagnosis.packages.iter().find(|p| p.ministry == m.id);
                let empty = uses.is_empty()
                    && holds.is_empty()
                    && adds.is_none_or(|p| p.programs.is_empty() && p.designations.is_empty());
                (!empty).then(|| {
                    json!({
                        "ministry": m.id, "in_use": uses, "held": holds,
                        "add_programs": adds.map(|p| p.programs.clone()).unwrap_or_default(),
                        "add_designations": adds.map(|p| p.designations.clone()).unwrap_or_default(),
                    })
                })
            })
            .collect();
        let linkages: Vec<Value> = diagnosis
            .linkages
            .iter()
            .zip(&statuses)
            .map(|(l, status)| json!({"finding": l, "status": status}))
            .collect();
        visitor.page(
            &state,
            StatusCode::OK,
            "zone.html",
            json!({
                "zone": zone,
                "diagnosis": diagnosis,
                "linkages": linkages,
                "ministry_rows": ministry_rows,
                "diamond": diamond,
                "stage_chart": stage_chart,
                "by_stage": by_stage,
                "tenant_count": tenant_count,
                "facilities": facilities,
                "institutions": institutions,
                "tenants": tenants,
                "account": account,
                "writes_parts": writes_parts,
                "edits_zone": edits_zone,
                "reads_firms": reads_firms,
                "saved": flash.saved.is_some(),
                "retention": retention,
                "leases": leases,
                "regions": catalog.regions.iter().map(|r| r.id.to_string()).collect::<Vec<_>>(),
                "today": state.clock.today(),
                "region": region,
                "deleted": flash.deleted.is_some(),
            }),
        )
    }
    .await;
    visitor.respond(&state, result)
}
