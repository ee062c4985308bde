//! `/planning/pipeline`: the startup pipeline simulation for planners (examples/scenarios) —
//! the bundled scenario's base and variants run side by side on common random numbers:
//! retention by year with its 90% interval per region, the last year's figures with the paired
//! difference from the base, the parameters with their sources, and exports.

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use ucz_core::Lang;
use ucz_core::pipeline::Interval;
use ucz_core::pipeline::scenario::Provenance;
use ucz_service::pipeline::{self, SimulateRequest, Simulated};

use super::Visitor;
use super::charts::{Band, bands};
use crate::AppState;
use crate::error::ApiError;

#[derive(Debug, Default, Deserialize)]
pub struct Asked {
    pub runs: Option<String>,
    pub seed: Option<String>,
    pub calibrate: Option<String>,
    /// Set when the planner pressed Run.
    pub run: Option<String>,
}

impl Asked {
    /// The request, or the field that is not a number.
    fn request(&self) -> Result<SimulateRequest, (&'static str, String)> {
        let number = |field: &'static str,
                      text: &Option<String>|
         -> Result<Option<u64>, (&'static str, String)> {
            match text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                None => Ok(None),
                Some(t) => t.parse().map(Some).map_err(|_| (field, t.to_string())),
            }
        };
        let runs = number("runs", &self.runs)?.map(|r| u32::try_from(r).unwrap_or(u32::MAX));
        Ok(SimulateRequest {
            scenario: None,
            runs: Some(runs.unwrap_or(DEFAULT_RUNS)),
            seed: number("seed", &self.seed)?,
            calibrate: self.calibrate.is_some(),
        })
    }

    fn query(&self) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        q.append_pair("runs", self.runs.as_deref().unwrap_or("200"));
        if let Some(seed) = self.seed.as_deref().filter(|s| !s.is_empty()) {
            q.append_pair("seed", seed);
        }
        if self.calibrate.is_some() {
            q.append_pair("calibrate", "on");
        }
        q.finish()
    }
}

/// Runs the page asks for unless told: enough for stable intervals, quick on the server.
const DEFAULT_RUNS: u32 = 200;

fn percent(i: Option<Interval>) -> String {
    i.map_or("—".into(), |i| {
        format!(
            "{:.1}% ({:.1}–{:.1})",
            100.0 * i.mean,
            100.0 * i.p5,
            100.0 * i.p95
        )
    })
}

fn count(i: Interval) -> String {
    format!("{:.0} ({:.0}–{:.0})", i.mean, i.p5, i.p95)
}

fn signed(i: Option<Interval>, scale: f64, unit: &str) -> String {
    i.map_or("—".into(), |i| {
        format!(
            "{:+.1}{unit} ({:+.1}–{:+.1})",
            scale * i.mean,
            scale * i.p5,
            scale * i.p95
        )
    })
}

fn view(state: &AppState, lang: Lang, s: &Simulated) -> Value {
    let sim = &s.simulation;
    let region_name = |id: &str| region_name(state, lang, id);
    let mut regions: Vec<&str> = sim
        .variants
        .first()
        .map(|v| v.regions.iter().map(|r| r.region.as_str()).collect())
        .unwrap_or_default();
    // Regions a variant changes come first; the others, the same in every variant, after them.
    let changed = |region: &str| {
        sim.variants.iter().skip(1).any(|v| {
            v.regions
                .iter()
                .find(|r| r.region == region)
                .and_then(|r| r.years.last())
                .and_then(|y| y.versus_base.as_ref())
                .is_some_and(|x| x.retention_higher_runs + x.retention_lower_runs > 0)
        })
    };
    regions.sort_by_key(|r| !changed(r));
    let regions: Vec<Value> = regions
        .iter()
        .map(|region| {
            let series: Vec<Band> = sim
                .variants
                .iter()
                .map(|v| Band {
                    name: lang.pick(&v.name_ko, &v.name_en).to_string(),
                    points: v
                        .regions
                        .iter()
                        .find(|r| r.region == *region)
                        .map(|r| r.years.iter().filter_map(|y| y.retention.map(|i| (y.year, 100.0 * i.p5, 100.0 * i.mean, 100.0 * i.p95))).collect())
                        .unwrap_or_default(),
                })
                .collect();
            let title = format!("{} — {}", region_name(region), state.pages.word(lang, "pl_retention_chart"));
            let rows: Vec<Value> = sim
                .variants
                .iter()
                .filter_map(|v| {
                    let last = v.regions.iter().find(|r| r.region == *region)?.years.last()?;
                    let versus = last.versus_base.as_ref();
                    Some(json!({
                        "id": v.id,
                        "name": lang.pick(&v.name_ko, &v.name_en),
                        "retention": percent(last.retention),
                        "versus": versus.map(|x| signed(x.retention, 100.0, "%p")).unwrap_or_default(),
                        "runs": versus.map(|x| format!("{} / {} / {}", x.retention_higher_runs, x.retention_equal_runs, x.retention_lower_runs)).unwrap_or_default(),
                        "left": count(last.left),
                        "active": count(last.active),
                        "placed": count(last.placed),
                        "graduated": count(last.graduated),
                    }))
                })
                .collect();
            json!({"id": region, "name": region_name(region), "chart": bands(&title, &format!("chart-{region}"), "%", 100.0, &series), "rows": rows})
        })
        .collect();
    let calibrated: Vec<Value> = s
        .calibrated
        .iter()
        .map(|c| json!({"region": region_name(&c.region), "parameter": c.parameter, "value": format!("{:.3}", c.value), "from": c.from}))
        .collect();
    json!({
        "regions": regions, "calibrated": calibrated,
        "runs": sim.runs, "seed": sim.seed, "seconds": format!("{:.2}", s.seconds),
        "title": lang.pick(&sim.scenario.name_ko, &sim.scenario.name_en),
        "last_year": sim.start_year + sim.years as i32 - 1,
    })
}

fn region_name(state: &AppState, lang: Lang, id: &str) -> String {
    state
        .catalog
        .regions
        .iter()
        .find(|r| r.id.as_str() == id)
        .map_or(id.to_string(), |r| {
            lang.pick(&r.name_ko, &r.name_en).to_string()
        })
}

/// The scenario's parameters of each region, with where each value comes from.
fn parameters(state: &AppState, lang: Lang) -> Vec<Value> {
    let Ok(scenario) = pipeline::read(&state.catalog, pipeline::SAMPLE_NAME, pipeline::SAMPLE)
    else {
        return Vec::new();
    };
    scenario
        .regions
        .iter()
        .flat_map(|r| {
            r.params.iter().map(move |(name, p)| {
                let (kind, text) = match &p.provenance {
                    Provenance::Source(s) => ("source", s.clone()),
                    Provenance::Assumed => ("assumed", state.pages.word(lang, "pl_assumed")),
                    Provenance::Calibrated(s) => ("calibrated", s.clone()),
                };
                json!({"region": r.id, "region_name": region_name(state, lang, &r.id), "name": name, "value": p.value, "kind": kind, "provenance": text})
            })
        })
        .collect()
}

pub async fn page(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(asked): Query<Asked>,
) -> Response {
    let result = async {
        ucz_service::access::plan(&visitor.caller)?;
        let lang = visitor.lang;
        let mut refused: Vec<Value> = Vec::new();
        let mut results = Value::Null;
        if asked.run.is_some() {
            match asked.request() {
                Err((field, value)) => refused.push(json!({"field": state.pages.word(lang, &format!("pl_field_{field}")), "message": state.pages.word(lang, "pl_not_a_number").replace("{value}", &value)})),
                Ok(request) => match pipeline::simulate(&state, &visitor.caller, request).await {
                    Ok(simulated) => results = view(&state, lang, &simulated),
                    Err(e) if e.code == ucz_service::Code::Validation => {
                        refused.extend(e.errors.iter().map(|f| json!({"field": f.field, "message": f.message.render(lang)})));
                    }
                    Err(e) => return Err(e.into()),
                },
            }
        }
        let status = if refused.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
        visitor.page(
            &state,
            status,
            "pipeline.html",
            json!({
                "results": results, "refused": refused,
                "runs": asked.runs.clone().unwrap_or_else(|| DEFAULT_RUNS.to_string()),
                "seed": asked.seed.clone().unwrap_or_default(),
                "calibrate": asked.calibrate.is_some(),
                "query": asked.query(), "file": pipeline::SAMPLE_NAME,
                "parameters": parameters(&state, lang),
            }),
        )
    }
    .await;
    visitor.respond(&state, result)
}

/// `/planning/pipeline.csv` and `.json`: the same simulation as a file.
pub async fn export(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(file): Path<String>,
    Query(asked): Query<Asked>,
) -> Response {
    let result = async {
        if !matches!(file.as_str(), "pipeline.csv" | "pipeline.json") {
            return Err(ucz_service::Error::not_found(ucz_core::Key::NounFile, &file).into());
        }
        let request = asked.request().map_err(|(field, value)| {
            ApiError::from(ucz_service::Error::field(
                field,
                ucz_core::Message::input(format!("`{value}` is not a number")),
            ))
        })?;
        let simulated = pipeline::simulate(&state, &visitor.caller, request).await?;
        let id = pipeline::file_id(&simulated.simulation.scenario.id);
        let (kind, body) = match file.as_str() {
            "pipeline.csv" => (
                "text/csv; charset=utf-8",
                pipeline::csv(&simulated.simulation)
                    .map_err(|e| ApiError::from(ucz_service::Error::internal(e)))?,
            ),
            "pipeline.json" => (
                "application/json",
                serde_json::to_string_pretty(&simulated)
                    .map_err(|e| ApiError::from(ucz_service::Error::internal(e)))?,
            ),
            _ => return Err(ucz_service::Error::not_found(ucz_core::Key::NounFile, &file).into()),
        };
        let ext = file.rsplit('.').next().unwrap_or("csv");
        Ok((
            [
                (header::CONTENT_TYPE, kind.to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"ucz-pipeline-{id}.{ext}\""),
                ),
            ],
            body,
        )
            .into_response())
    }
    .await;
    visitor.respond(&state, result)
}
