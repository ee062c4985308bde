//! `/planning/sites`: site suitability for planners (docs/site-suitability.md) — the bundled
//! suitability file's criteria with their weights to change, the scored map (tiles of the kept
//! surface over the provinces), the candidate sites with each criterion's part, and downloads.
//! Weights travel in the address (`?w_station=4`), so a view can be shared.

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};
use ucz_core::Lang;
use ucz_service::suitability::{self, ScoreRequest};

use super::Visitor;
use crate::AppState;

fn name<'a>(lang: Lang, ko: &'a str, en: &'a str) -> &'a str {
    lang.pick(ko, en)
}

pub async fn page(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let result = async {
        ucz_service::access::plan(&visitor.caller)?;
        let lang = visitor.lang;
        // Weights asked for: a value that is not a number is kept as typed and named.
        let mut weights = BTreeMap::new();
        let mut typed: HashMap<String, String> = HashMap::new();
        let mut refused: Vec<Value> = Vec::new();
        // The bundled file's criteria, to name a weight by its criterion.
        let known = ucz_core::suitability::spec::Spec::parse(suitability::SAMPLE, &state.catalog)
            .map(|s| s.criteria)
            .unwrap_or_default();
        let mut asked: Vec<(&String, &String)> = query.iter().collect();
        asked.sort();
        for (k, v) in asked {
            let Some(id) = k.strip_prefix("w_") else { continue };
            let Some(c) = known.iter().find(|c| c.id == id) else {
                refused.push(json!({"field": id, "id": "", "message": state.pages.word(lang, "pl_weight_unknown").replace("{id}", id)}));
                continue;
            };
            let field = name(lang, &c.name_ko, &c.name_en);
            typed.insert(id.to_string(), v.clone());
            match v.trim().parse::<f64>() {
                Ok(w) if w.is_finite() && (0.0..=1000.0).contains(&w) => {
                    weights.insert(id.to_string(), w);
                }
                _ => refused.push(json!({"field": field, "id": id, "message": state.pages.word(lang, "pl_weight_refused").replace("{value}", v)})),
            }
        }
        let request = ScoreRequest { weights: weights.clone(), ..ScoreRequest::default() };
        let (key, scored) = match suitability::score_request(&state, &visitor.caller, request, crate::PROVINCES).await {
            Ok(done) => done,
            Err(e) if e.code == ucz_service::Code::Validation => {
                // A weight the file does not know: score the file as it is, and say so.
                for f in &e.errors {
                    refused.push(json!({"field": f.field, "id": "", "message": f.message.render(lang)}));
                }
                suitability::score_request(&state, &visitor.caller, ScoreRequest::default(), crate::PROVINCES).await?
            }
            Err(e) => return Err(e.into()),
        };
        let answer = suitability::answer(&key, &scored);
        let criteria: Vec<Value> = answer
            .criteria
            .iter()
            .map(|c| {
                let curve: Vec<String> = c.curve.iter().map(|(v, r)| format!("{v}→{r}")).collect();
                json!({
                    "id": c.id,
                    "name": name(lang, &c.name_ko, &c.name_en),
                    "measure": state.pages.word(lang, &format!("pl_measure_{}", serde_json::to_value(c.measure).ok().and_then(|m| m.as_str().map(str::to_owned)).unwrap_or_default())),
                    "curve": curve.join(", "),
                    "weight": typed.get(&c.id).cloned().unwrap_or_else(|| c.weight.to_string()),
                    "refused": refused.iter().any(|r| r["id"] == c.id.as_str()),
                })
            })
            .collect();
        let names: Vec<&str> = answer.criteria.iter().map(|c| name(lang, &c.name_ko, &c.name_en)).collect();
        let sites: Vec<Value> = answer
            .sites
            .iter()
            .map(|s| {
                json!({
                    "rank": s.rank, "score": format!("{:.1}", s.score),
                    "lon": format!("{:.5}", s.lon), "lat": format!("{:.5}", s.lat),
                    "parts": s.parts.iter().map(|p| format!("{:.1}", p.contribution)).collect::<Vec<_>>(),
                })
            })
            .collect();
        let map = json!({
            "tiles": answer.tiles, "bounds": answer.bounds,
            "sites": answer.sites.iter().map(|s| json!({"rank": s.rank, "lat": s.lat, "lon": s.lon, "score": (s.score * 10.0).round() / 10.0})).collect::<Vec<_>>(),
        });
        let status = if refused.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
        visitor.page(
            &state,
            status,
            "suitability.html",
            json!({
                "key": key, "criteria": criteria, "names": names, "sites": sites,
                "refused": refused, "map": super::script_json(&map),
                "cells": answer.scored_cells, "cell_m": answer.grid.cell_m,
                "seconds": format!("{:.2}", answer.timings.read_s + answer.timings.score_s + answer.timings.rank_s),
                "geotiff": answer.geotiff, "sites_geojson": answer.sites_geojson,
                "file": suitability::SAMPLE_NAME,
            }),
        )
    }
    .await;
    visitor.respond(&state, result)
}
