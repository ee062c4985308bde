//! The evaluation pages (docs/evaluation.md): every zone side by side with the statutory alerts
//! (`/evaluation`), a zone's scorecard with targets, achievement and trend (`/evaluation/{zone}`),
//! the records behind a number (`…/records`), the plan, procedure, targets, milestones and
//! investment records with their forms (`…/plan`), and the annual report as a printable page,
//! an Excel workbook and a PDF printed by headless Chromium (`…/report`). Each chart has its
//! data table.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use ucz_core::Lang;
use ucz_core::date::Date;
use ucz_core::evaluation::plan::{
    BasicPlan, Investment, ItemStatus, Milestone, PlanItemEntry, Target,
};
use ucz_service::evaluation::records::{self, ProcedureBody};
use ucz_service::evaluation::report;
use ucz_service::evaluation::{self, Line, Scorecard};

use super::members::{messages, refused};
use super::{PageQuery, Visitor, form_pairs, form_value};
use crate::AppState;
use crate::auth::Role;
use crate::error::ApiError;

/// A year and a moment, as the pages take them.
#[derive(Debug, Default, Deserialize)]
pub struct Asked {
    pub year: Option<String>,
    pub as_of: Option<String>,
    pub measure: Option<String>,
    pub indicator: Option<String>,
}

impl Asked {
    /// The year asked, else last year (the one evaluated).
    fn year(&self, state: &AppState) -> Result<i32, ApiError> {
        match self
            .year
            .as_deref()
            .map(str::trim)
            .filter(|y| !y.is_empty())
        {
            None => Ok(state.clock.today().year() - 1),
            Some(text) => text
                .parse::<i32>()
                .ok()
                .filter(|y| (1990..=2100).contains(y))
                .ok_or_else(|| {
                    ucz_service::Error::field(
                        "year",
                        ucz_core::Message::new(ucz_core::Key::OutOfRange)
                            .arg("value", text)
                            .arg("min", 1990)
                            .arg("max", 2100),
                    )
                    .into()
                }),
        }
    }

    fn as_of(&self, state: &AppState) -> Result<Option<String>, ApiError> {
        Ok(evaluation::as_of(state, self.as_of.as_deref())?)
    }

    /// The query that keeps year and moment on links.
    fn query(year: i32, as_of: Option<&str>) -> String {
        match as_of {
            Some(at) => format!("year={year}&as_of={at}"),
            None => format!("year={year}"),
        }
    }
}

fn number(v: Option<f64>) -> String {
    match v {
        None => "—".into(),
        Some(v) if v.abs() >= 100.0 || v.fract() == 0.0 => ucz_core::report::thousands(v),
        Some(v) => format!("{v:.1}"),
    }
}

fn percent(v: Option<f64>) -> String {
    v.map_or_else(|| "—".into(), |v| format!("{v:.0}%"))
}

fn name<'a>(lang: Lang, ko: &'a str, en: &'a str) -> &'a str {
    match lang {
        Lang::Ko => ko,
        Lang::En => en,
    }
}

/// The measures an indicator's formula reads, in the order they appear.
fn measures_of(formula: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in formula.split("m.").skip(1) {
        let name: String = part
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() && !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// Whether the visitor may open the records behind a zone's numbers (a firm: its own).
fn drills(visitor: &Visitor, zone: &str) -> bool {
    match visitor.caller.role() {
        Some(Role::Admin | Role::Coordinator | Role::Firm { .. }) => true,
        Some(Role::Operator { zone: own }) => own == zone,
        _ => false,
    }
}

/// Whether the visitor writes a zone's evaluation records.
fn writes(visitor: &Visitor, zone: &str) -> bool {
    match visitor.caller.role() {
        Some(Role::Admin | Role::Coordinator) => true,
        Some(Role::Operator { zone: own }) => own == zone,
        _ => false,
    }
}

fn line_view(state: &AppState, lang: Lang, l: &Line, zone: &str, q: &str, drill: bool) -> Value {
    let formula = state
        .catalog
        .indicators
        .iter()
        .find(|i| i.id.as_str() == l.indicator)
        .map(|i| i.formula.clone())
        .unwrap_or_default();
    json!({
        "indicator": l.indicator,
        "name": name(lang, &l.name_ko, &l.name_en),
        "unit": l.unit,
        "value": number(l.value),
        "target": number(l.target),
        "illustrative": l.target_illustrative,
        "achievement": percent(l.achievement),
        "reached": l.achievement.is_some_and(|a| a >= 100.0),
        "compared": number(l.compared),
        "source": l.source,
        "trend": l.trend.iter().map(|p| json!({"year": p.year, "value": number(p.value)})).collect::<Vec<_>>(),
        "measures": measures_of(&formula).into_iter().map(|m| json!({
            "href": listed(drill, &m).then(|| format!("/evaluation/{zone}/records?{q}&measure={m}")),
            "name": m,
        })).collect::<Vec<_>>(),
    })
}

/// Whether a measure's records are listed for the visitor: one it may drill into, made of records.
fn listed(drill: bool, measure: &str) -> bool {
    drill && ucz_core::evaluation::MeasureId::by_name(measure).is_some_and(|m| !m.is_aggregate())
}

fn chart_id(svg: String, id: &str) -> String {
    svg.replace("bars-title", id)
}

/// `/evaluation`: every zone's indicators of a year side by side, one indicator charted across
/// zones (compared as the indicator says: per km² or per firm), and the statutory alerts.
pub async fn overview(
    State(state): State<AppState>,
    visitor: Visitor,
    PageQuery(asked): PageQuery<Asked>,
) -> Response {
    let result = async {
        let year = asked.year(&state)?;
        let as_of = asked.as_of(&state)?;
        let o = evaluation::overview(&state, year, as_of.as_deref()).await?;
        let lang = visitor.lang;
        let chosen = asked
            .indicator
            .clone()
            .filter(|i| state.catalog.indicators.iter().any(|x| x.id.as_str() == i))
            .unwrap_or_else(|| "jobs".into());
        let indicators: Vec<Value> = state
            .catalog
            .indicators
            .iter()
            .map(|i| json!({"id": i.id.as_str(), "name": name(lang, &i.name_ko, &i.name_en), "unit": i.unit, "chosen": i.id.as_str() == chosen}))
            .collect();
        let q = Asked::query(year, as_of.as_deref());
        let zones: Vec<Value> = o
            .zones
            .iter()
            .map(|card| {
                json!({
                    "zone": card.zone,
                    "name": card.zone_name,
                    "href": format!("/evaluation/{}?{q}", card.zone),
                    "cells": card.lines.iter().map(|l| json!({
                        "value": number(l.value),
                        "achievement": percent(l.achievement),
                        "has_target": l.target.is_some(),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        let bars: Vec<(String, i64)> = o
            .zones
            .iter()
            .map(|card| {
                let v = card
                    .lines
                    .iter()
                    .find(|l| l.indicator == chosen)
                    .and_then(|l| l.compared)
                    .unwrap_or(0.0);
                (card.zone_name.clone(), v.round() as i64)
            })
            .collect();
        let compared: Vec<Value> = o
            .zones
            .iter()
            .map(|card| {
                let l = card.lines.iter().find(|l| l.indicator == chosen);
                json!({"name": card.zone_name, "value": number(l.and_then(|l| l.value)), "compared": number(l.and_then(|l| l.compared))})
            })
            .collect();
        let chosen_line = state.catalog.indicators.iter().find(|i| i.id.as_str() == chosen);
        let by = chosen_line.map_or("none", |i| match i.normalise {
            ucz_core::evaluation::Normalise::None => "none",
            ucz_core::evaluation::Normalise::Area => "area",
            ucz_core::evaluation::Normalise::Firms => "firms",
        });
        let title = format!(
            "{} ({})",
            chosen_line.map_or("", |i| name(lang, &i.name_ko, &i.name_en)),
            state.pages.word(lang, &format!("ev_by_{by}"))
        );
        let alerts: Vec<Value> = o
            .alerts
            .iter()
            .map(|a| json!({
                "zone": a.zone,
                "href": format!("/evaluation/{}/plan", a.zone),
                "step": name(lang, &a.step.name_ko, &a.step.name_en),
                "deadline": a.step.deadline.map(|d| d.to_string()).unwrap_or_default(),
                "days_left": a.step.days_left.unwrap_or_default(),
                "status": serde_json::to_value(a.step.status).unwrap_or_default(),
                "consequence": name(lang, &a.step.consequence_ko, &a.step.consequence_en),
            }))
            .collect();
        visitor.page(
            &state,
            StatusCode::OK,
            "evaluation.html",
            json!({
                "year": year, "as_of": as_of.clone().unwrap_or_default(),
                "asked_as_of": asked.as_of.clone().unwrap_or_default(),
                "indicators": indicators, "zones": zones, "alerts": alerts,
                "chart": chart_id(super::charts::bars(&title, &bars), "overview-chart"),
                "chart_title": title, "compared": compared, "chosen": chosen,
            }),
        )
    }
    .await;
    visitor.respond(&state, result)
}

fn card_view(state: &AppState, visitor: &Visitor, card: &Scorecard) -> Value {
    let lang = visitor.lang;
    let q = Asked::query(card.year, card.as_of.as_deref());
    let drill = drills(visitor, &card.zone);
    let lines: Vec<Value> = card
        .lines
        .iter()
        .map(|l| line_view(state, lang, l, &card.zone, &q, drill))
        .collect();
    let bars: Vec<(String, i64)> = card
        .lines
        .iter()
        .filter_map(|l| {
            l.achievement.map(|a| {
                (
                    name(lang, &l.name_ko, &l.name_en).to_string(),
                    a.round() as i64,
                )
            })
        })
        .collect();
    let title = state.pages.word(lang, "ev_chart_achievement");
    let measures: Vec<Value> = card
        .measures
        .iter()
        .map(|(m, v)| json!({
            "name": m,
            "value": number(Some(*v)),
            "definition": ucz_core::evaluation::MeasureId::by_name(m).map(|m| match lang {
                Lang::Ko => m.definition_ko(),
                Lang::En => m.definition(),
            }).unwrap_or_default(),
            "href": listed(drill, m).then(|| format!("/evaluation/{}/records?{q}&measure={m}", card.zone)),
        }))
        .collect();
    json!({
        "zone": card.zone, "zone_name": card.zone_name, "year": card.year,
        "as_of": card.as_of.clone().unwrap_or_default(), "q": q,
        "years": card.lines.first().map(|l| l.trend.iter().map(|p| p.year).collect::<Vec<_>>()).unwrap_or_default(),
        "lines": lines, "measures": measures, "drill": drill,
        "chart": if bars.is_empty() { String::new() } else { chart_id(super::charts::bars(&title, &bars), "achievement-chart") },
        "chart_title": title,
        "achieved": bars.iter().map(|(n, a)| json!({"name": n, "achievement": format!("{a}%")})).collect::<Vec<_>>(),
    })
}

/// `/evaluation/{zone}`: a zone's scorecard of a year.
pub async fn zone(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(zone): Path<String>,
    PageQuery(asked): PageQuery<Asked>,
) -> Response {
    let result = async {
        let year = asked.year(&state)?;
        let as_of = asked.as_of(&state)?;
        let card = evaluation::scorecard(&state, &zone, year, as_of.as_deref()).await?;
        let mut view = card_view(&state, &visitor, &card);
        view["asked_as_of"] = json!(asked.as_of.clone().unwrap_or_default());
        view["writes"] = json!(writes(&visitor, &zone));
        visitor.page(&state, StatusCode::OK, "evaluation_zone.html", view)
    }
    .await;
    visitor.respond(&state, result)
}

/// `/evaluation/{zone}/records`: the records behind one number, within the visitor's rights.
pub async fn records_page(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(zone): Path<String>,
    PageQuery(asked): PageQuery<Asked>,
) -> Response {
    let result = async {
        let year = asked.year(&state)?;
        let as_of = asked.as_of(&state)?;
        let measure = asked.measure.clone().unwrap_or_default();
        let d = evaluation::drill(
            &state,
            &visitor.caller,
            &zone,
            year,
            &measure,
            as_of.as_deref(),
        )
        .await?;
        let rows: Vec<Value> = d
            .records
            .iter()
            .map(|r| {
                json!({
                    "kind": r.kind,
                    "firm": r.firm.clone().unwrap_or_default(),
                    "id": r.id.clone().unwrap_or_default(),
                    "day": r.day.map(|d| d.to_string()).unwrap_or_default(),
                    "value": number(Some(r.value)),
                })
            })
            .collect();
        visitor.page(
            &state,
            StatusCode::OK,
            "evaluation_records.html",
            json!({
                "zone": zone, "year": year, "as_of": as_of.clone().unwrap_or_default(),
                "q": Asked::query(year, as_of.as_deref()),
                "measure": d.measure,
                "definition": match visitor.lang { Lang::Ko => d.definition_ko.clone(), Lang::En => d.definition.clone() },
                "value": number(Some(d.value)),
                "rows": rows, "hidden": d.hidden,
            }),
        )
    }
    .await;
    visitor.respond(&state, result)
}

/// The plan page's view: checklist, procedure, targets, milestones, investment records.
/// The fields of the plan page's forms, each as typed when a form was refused (else empty).
const FORM_FIELDS: [&str; 19] = [
    "indicator",
    "year",
    "value",
    "source",
    "id",
    "name_ko",
    "name_en",
    "facility",
    "kind",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "day",
    "investor",
    "amount_krw",
    "evidence",
    "title",
    "approved_on",
];

async fn plan_view(
    state: &AppState,
    visitor: &Visitor,
    zone: &str,
    errors: Vec<Value>,
    typed: Option<(&str, &[(String, String)])>,
) -> Result<Value, ApiError> {
    let lang = visitor.lang;
    let plan = records::plan(state, zone, None).await?;
    let procedure = records::procedure(state, zone, None).await?;
    let targets = records::targets(state, zone, None).await?;
    let milestones = records::milestones(state, zone, None).await?;
    let investments = records::investments(state, zone, None).await?;
    let word = |k: &str| state.pages.word(lang, k);
    let (act, pairs) = typed.unwrap_or(("", &[]));
    let typed_value = |k: &str| form_value(pairs, k).map(str::to_string);
    // Each new-record form with every field: what was typed if that form was refused, else empty.
    let mut forms = serde_json::Map::new();
    for name in ["target", "milestone", "investment", "procedure"] {
        let mut form = serde_json::Map::new();
        form.insert("open".into(), json!(act == name));
        for field in FORM_FIELDS {
            let value = if act == name {
                typed_value(field)
            } else {
                None
            };
            form.insert(field.into(), json!(value.unwrap_or_default()));
        }
        forms.insert(name.into(), Value::Object(form));
    }
    let mut view = json!({
        "zone": zone,
        "writes": writes(visitor, zone),
        "errors": errors,
        "title": plan.plan.as_ref().map(|p| p.title.clone()).unwrap_or_default(),
        "approved_on": plan.plan.as_ref().and_then(|p| p.approved_on).map(|d| d.to_string()).unwrap_or_default(),
        "illustrative": plan.plan.as_ref().is_some_and(|p| p.illustrative),
        "counts": {"present": plan.present, "partial": plan.partial, "missing": plan.missing},
        "checklist": plan.checklist.iter().map(|c| json!({
            "item": c.item, "name": name(lang, &c.name_ko, &c.name_en), "verified": c.verified,
            "status": serde_json::to_value(c.status).unwrap_or_default(),
            "status_word": word(&format!("ev_status_{}", serde_json::to_value(c.status).unwrap_or_default().as_str().unwrap_or_default())),
            "section": c.section,
        })).collect::<Vec<_>>(),
        "dates": state.catalog.procedure_dates.iter().map(|d| json!({
            "id": d.id.as_str(), "name": name(lang, &d.name_ko, &d.name_en),
            "value": procedure.dates.get(d.id.as_str()).map(|d| d.to_string()).unwrap_or_default(),
        })).collect::<Vec<_>>(),
        "steps": procedure.steps.iter().map(|s| json!({
            "step": s.step, "name": name(lang, &s.name_ko, &s.name_en),
            "from": s.from.map(|d| d.to_string()).unwrap_or_default(),
            "to": s.to.map(|d| d.to_string()).unwrap_or_default(),
            "deadline": s.deadline.map(|d| d.to_string()).unwrap_or_default(),
            "days_left": s.days_left.map(|d| d.to_string()).unwrap_or_default(),
            "status": serde_json::to_value(s.status).unwrap_or_default(),
            "alert": s.status.alerts(),
            "consequence": name(lang, &s.consequence_ko, &s.consequence_en),
            "source": s.source, "verified": s.verified,
        })).collect::<Vec<_>>(),
        "indicators": state.catalog.indicators.iter().map(|i| json!({"id": i.id.as_str(), "name": name(lang, &i.name_ko, &i.name_en)})).collect::<Vec<_>>(),
        "targets": targets.iter().map(|t| json!({
            "indicator": t.indicator, "year": t.year, "value": number(Some(t.value)),
            "source": t.source, "illustrative": t.illustrative,
        })).collect::<Vec<_>>(),
        "milestones": milestones.iter().map(|m| json!({
            "id": m.milestone.id, "name": m.milestone.name_ko, "kind": serde_json::to_value(m.milestone.kind).unwrap_or_default(),
            "planned_start": m.milestone.planned_start.to_string(), "planned_end": m.milestone.planned_end.to_string(),
            "actual_start": m.milestone.actual_start.map(|d| d.to_string()).unwrap_or_default(),
            "actual_end": m.milestone.actual_end.map(|d| d.to_string()).unwrap_or_default(),
            "state": serde_json::to_value(m.state).unwrap_or_default(),
            "illustrative": m.milestone.illustrative,
        })).collect::<Vec<_>>(),
        "investments": investments.iter().map(|i| json!({
            "id": i.id, "day": i.day.to_string(), "investor": i.investor,
            "kind": serde_json::to_value(i.kind).unwrap_or_default(),
            "amount": number(Some(i.amount_krw as f64)), "evidence": i.evidence, "illustrative": i.illustrative,
        })).collect::<Vec<_>>(),
    });
    view["forms"] = Value::Object(forms);
    // A refused checklist or procedure form shows what was typed, not what is stored.
    if act == "checklist" {
        view["title"] = json!(typed_value("title").unwrap_or_default());
        view["approved_on"] = json!(typed_value("approved_on").unwrap_or_default());
        if let Some(items) = view["checklist"].as_array_mut() {
            for c in items {
                let item = c["item"].as_str().unwrap_or_default().to_string();
                if let Some(status) = typed_value(&format!("status_{item}")) {
                    c["status"] = json!(status);
                }
                c["section"] = json!(typed_value(&format!("section_{item}")).unwrap_or_default());
            }
        }
    }
    if act == "procedure" {
        if let Some(dates) = view["dates"].as_array_mut() {
            for d in dates {
                let id = d["id"].as_str().unwrap_or_default().to_string();
                d["value"] = json!(typed_value(&format!("date_{id}")).unwrap_or_default());
            }
        }
    }
    Ok(view)
}

/// `/evaluation/{zone}/plan`.
pub async fn plan(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(zone): Path<String>,
) -> Response {
    let result = async {
        let view = plan_view(&state, &visitor, &zone, Vec::new(), None).await?;
        visitor.page(&state, StatusCode::OK, "evaluation_plan.html", view)
    }
    .await;
    visitor.respond(&state, result)
}

/// A number typed in a form field, or the field named as not a number.
fn typed_number<T: std::str::FromStr>(text: &str, field: &str) -> Result<T, ApiError> {
    text.trim().replace(',', "").parse::<T>().map_err(|_| {
        ucz_service::Error::field(
            field,
            ucz_core::Message::new(ucz_core::Key::UnknownValue).arg("value", text),
        )
        .into()
    })
}

fn unreadable(what: impl std::fmt::Display) -> ApiError {
    ucz_service::Error::unreadable(what).into()
}

fn day(text: &str, field: &str) -> Result<Option<Date>, ApiError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<Date>().map(Some).map_err(|_| {
        ucz_service::Error::field(
            field,
            ucz_core::Message::new(ucz_core::Key::UnknownValue).arg("value", text),
        )
        .into()
    })
}

/// `POST /evaluation/{zone}/plan/{act}`: the plan page's forms; a refusal is shown beside them.
pub async fn plan_act(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((zone, act)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let pairs = form_pairs(&body);
    let get = |k: &str| form_value(&pairs, k).unwrap_or_default().trim().to_string();
    let result = async {
        visitor.check_form(form_value(&pairs, "_csrf"))?;
        let caller = &visitor.caller;
        let done: Result<&str, ApiError> = async {
            Ok(match act.as_str() {
                "checklist" => {
                    let items = state
                        .catalog
                        .plan_items
                        .iter()
                        .enumerate()
                        .map(|(i, p)| {
                            let typed = get(&format!("status_{}", p.id));
                            let status = match typed.as_str() {
                                "present" => ItemStatus::Present,
                                "partial" => ItemStatus::Partial,
                                "missing" | "" => ItemStatus::Missing,
                                other => {
                                    return Err(ApiError::from(ucz_service::Error::field(
                                        format!("items[{i}].status"),
                                        ucz_core::Message::new(ucz_core::Key::UnknownValue)
                                            .arg("value", other),
                                    )));
                                }
                            };
                            Ok(PlanItemEntry {
                                item: p.id.to_string(),
                                status,
                                section: get(&format!("section_{}", p.id)),
                            })
                        })
                        .collect::<Result<Vec<_>, ApiError>>()?;
                    let plan = BasicPlan {
                        title: get("title"),
                        approved_on: day(&get("approved_on"), "approved_on")?,
                        items,
                        illustrative: get("illustrative") == "true",
                    };
                    records::put_plan(&state, caller, &zone, plan).await?;
                    "checklist"
                }
                "procedure" => {
                    let mut dates = std::collections::BTreeMap::new();
                    for d in &state.catalog.procedure_dates {
                        let field = format!("dates.{}", d.id);
                        if let Some(day) = day(&get(&format!("date_{}", d.id)), &field)? {
                            dates.insert(d.id.to_string(), day);
                        }
                    }
                    records::put_procedure(&state, caller, &zone, ProcedureBody { dates }).await?;
                    "procedure"
                }
                "target" => {
                    let target = Target {
                        indicator: get("indicator"),
                        year: typed_number(&get("year"), "year")?,
                        value: typed_number(&get("value"), "value")?,
                        source: get("source"),
                        illustrative: get("illustrative") == "true",
                    };
                    records::put_target(&state, caller, &zone, target).await?;
                    "targets"
                }
                "delete-target" => {
                    let year = typed_number(&get("year"), "year")?;
                    records::delete_target(&state, caller, &zone, &get("indicator"), year).await?;
                    "targets"
                }
                "milestone" => {
                    let kind = serde_json::from_value(json!(get("kind"))).map_err(unreadable)?;
                    let required = |field: &str| -> Result<Date, ApiError> {
                        day(&get(field), field)?.ok_or_else(|| {
                            ucz_service::Error::field(field, ucz_core::Key::AwardRequired).into()
                        })
                    };
                    let milestone = Milestone {
                        id: get("id"),
                        name_ko: get("name_ko"),
                        name_en: get("name_en"),
                        kind,
                        facility: get("facility"),
                        planned_start: required("planned_start")?,
                        planned_end: required("planned_end")?,
                        actual_start: day(&get("actual_start"), "actual_start")?,
                        actual_end: day(&get("actual_end"), "actual_end")?,
                        illustrative: get("illustrative") == "true",
                    };
                    records::put_milestone(&state, caller, &zone, milestone).await?;
                    "milestones"
                }
                "delete-milestone" => {
                    records::delete_milestone(&state, caller, &zone, &get("id")).await?;
                    "milestones"
                }
                "investment" => {
                    let kind = serde_json::from_value(json!(get("kind"))).map_err(unreadable)?;
                    let investment = Investment {
                        id: get("id"),
                        day: day(&get("day"), "day")?.ok_or_else(|| {
                            ApiError::from(ucz_service::Error::field(
                                "day",
                                ucz_core::Key::AwardRequired,
                            ))
                        })?,
                        investor: get("investor"),
                        kind,
                        amount_krw: typed_number(&get("amount_krw"), "amount_krw")?,
                        evidence: get("evidence"),
                        illustrative: get("illustrative") == "true",
                    };
                    records::put_investment(&state, caller, &zone, investment).await?;
                    "investments"
                }
                "delete-investment" => {
                    records::delete_investment(&state, caller, &zone, &get("id")).await?;
                    "investments"
                }
                other => return Err(unreadable(other)),
            })
        }
        .await;
        match done {
            Ok(anchor) => Ok(visitor.redirect(&format!("/evaluation/{zone}/plan#{anchor}"))),
            Err(error) if refused(&error) => {
                let errors = messages(&error, visitor.lang);
                let view = plan_view(
                    &state,
                    &visitor,
                    &zone,
                    errors,
                    Some((act.as_str(), &pairs)),
                )
                .await?;
                visitor.page(&state, error.status(), "evaluation_plan.html", view)
            }
            Err(error) => Err(error),
        }
    }
    .await;
    visitor.respond(&state, result)
}

/// The report's view: the scorecard and every section, printable on its own (no site layout).
/// Where the report's fonts are: the site's assets, or beside the file Chromium prints.
const FONTS: &str = "vendor/krds-uiux-1.1.0/resources/fonts/";
const FONT_FILES: [&str; 2] = [
    "PretendardGOV-Regular.subset.woff2",
    "PretendardGOV-Bold.subset.woff2",
];

async fn report_html(
    state: &AppState,
    visitor: &Visitor,
    zone: &str,
    asked: &Asked,
    font_base: &str,
) -> Result<(String, i32), ApiError> {
    let year = asked.year(state)?;
    let as_of = asked.as_of(state)?;
    let r = report::report(state, zone, year, as_of.as_deref()).await?;
    let lang = visitor.lang;
    let mut context = card_view(state, visitor, &r.scorecard);
    context["sections"] = json!(report::sections(&r));
    context["made_at"] = json!(r.made_at);
    context["t"] = state.pages.words.get(&lang).cloned().unwrap_or_default();
    context["lang"] = json!(lang.to_string());
    context["font_base"] = json!(font_base);
    Ok((
        state.pages.render("evaluation_report.html", &context)?,
        year,
    ))
}

/// `/evaluation/{zone}/report`: the printable report (Korean section titles; the page's words in
/// the visitor's language).
pub async fn report_page(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(zone): Path<String>,
    PageQuery(asked): PageQuery<Asked>,
) -> Response {
    let result = async {
        let (html, _) =
            report_html(&state, &visitor, &zone, &asked, &format!("/assets/{FONTS}")).await?;
        Ok(axum::response::Html(html).into_response())
    }
    .await;
    visitor.respond(&state, result)
}

/// `/evaluation/{zone}/report.xlsx`: the report as a workbook, one sheet per section.
pub async fn report_xlsx(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(zone): Path<String>,
    PageQuery(asked): PageQuery<Asked>,
) -> Response {
    let result = async {
        let year = asked.year(&state)?;
        let as_of = asked.as_of(&state)?;
        let r = report::report(&state, &zone, year, as_of.as_deref()).await?;
        let bytes = super::export::report_workbook(&r)?;
        Ok(super::export::attachment(
            &format!("ucz-evaluation-{zone}-{year}"),
            "xlsx",
            bytes,
        ))
    }
    .await;
    visitor.respond(&state, result)
}

static PRINTING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

/// The Chromium the PDF is printed with: `UCZ_CHROMIUM`, else the first of Debian's names
/// found on the PATH.
fn chromium() -> Option<std::path::PathBuf> {
    if let Some(path) = std::env::var_os("UCZ_CHROMIUM") {
        return Some(path.into());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| {
            ["chromium", "chromium-browser", "google-chrome"]
                .into_iter()
                .map(move |name| dir.join(name))
        })
        .find(|p| p.is_file())
}

/// `/evaluation/{zone}/report.pdf`: the printable report printed to PDF by headless Chromium
/// where it is installed (503 saying so where it is not).
pub async fn report_pdf(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(zone): Path<String>,
    PageQuery(asked): PageQuery<Asked>,
) -> Response {
    let result = async {
        let (html, year) = report_html(&state, &visitor, &zone, &asked, "").await?;
        // One Chromium at a time: a burst of requests waits its turn (30 s) rather than
        // starting a browser each.
        let _printing =
            tokio::time::timeout(std::time::Duration::from_secs(30), PRINTING.acquire())
                .await
                .map_err(|_| {
                    ApiError::from(ucz_service::Error::new(
                        ucz_service::error::Code::Busy,
                        ucz_core::Message::new(ucz_core::Key::EvalPrintingBusy),
                    ))
                })?
                .map_err(ApiError::internal)?;
        let Some(browser) = chromium() else {
            return Err(ApiError::from(ucz_service::Error::new(
                ucz_service::error::Code::Busy,
                ucz_core::Message::new(ucz_core::Key::EvalNoChromium),
            )));
        };
        let dir = tempfile::tempdir().map_err(ApiError::internal)?;
        let page = dir.path().join("report.html");
        let pdf = dir.path().join("report.pdf");
        std::fs::write(&page, html).map_err(ApiError::internal)?;
        // The fonts beside the page, so that Hangul prints without a system font.
        for font in FONT_FILES {
            if let Some(file) = super::assets::Assets::get(&format!("{FONTS}{font}")) {
                std::fs::write(dir.path().join(font), file.data).map_err(ApiError::internal)?;
            }
        }
        let mut child = std::process::Command::new(browser)
            .args([
                "--headless",
                "--disable-gpu",
                "--no-sandbox",
                "--no-pdf-header-footer",
                &format!("--user-data-dir={}", dir.path().join("profile").display()),
                &format!("--print-to-pdf={}", pdf.display()),
            ])
            .arg(format!("file://{}", page.display()))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map_err(ApiError::internal)?;
        // Chromium gets a minute; a hung one is killed rather than left behind.
        let status = tokio::task::spawn_blocking(move || {
            let started = std::time::Instant::now();
            loop {
                match child.try_wait() {
                    Ok(Some(status)) => return Ok(status),
                    Ok(None) if started.elapsed() < std::time::Duration::from_secs(60) => {
                        std::thread::sleep(std::time::Duration::from_millis(100));
                    }
                    Ok(None) => {
                        let _ = child.kill();
                        return Err("chromium took over 60 s to print the report".to_string());
                    }
                    Err(e) => return Err(e.to_string()),
                }
            }
        })
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
        let bytes = std::fs::read(&pdf)
            .map_err(|e| ApiError::internal(format!("chromium ({status}) wrote no PDF: {e}")))?;
        Ok((
            [
                (header::CONTENT_TYPE, "application/pdf".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"ucz-evaluation-{zone}-{year}.pdf\""),
                ),
            ],
            bytes,
        )
            .into_response())
    }
    .await;
    visitor.respond(&state, result)
}
