//! The catalog browser: every program of the seven ministries, the support programs and the
//! linkage programs, searchable and filterable, each rule shown in words and as CEL.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};
use ucz_core::eligibility::{ProgramKind, describe};

use super::{PageQuery, Visitor};
use crate::AppState;

#[derive(Deserialize, Default, serde::Serialize)]
pub struct Filters {
    #[serde(default)]
    q: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    ministry: String,
    #[serde(default)]
    function: String,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    column: String,
    #[serde(default)]
    designation: String,
}

/// Every program as one flat record, the same for the page and the export.
pub fn programs(state: &AppState, lang: ucz_core::Lang) -> Vec<Value> {
    let catalog = &state.catalog;
    state
        .rulebook
        .programs
        .iter()
        .map(|p| {
            let (kind, column, designation, summary, linkage) = match p.kind {
                ProgramKind::Program => {
                    let program = catalog.program(p.id.as_str());
                    (
                        "program",
                        program.and_then(|x| x.column.as_ref().map(|c| c.to_string())),
                        program.and_then(|x| x.designation.as_ref().map(|d| d.to_string())),
                        program.map(|x| lang.pick(&x.summary_ko, &x.summary_en).to_string()),
                        None,
                    )
                }
                ProgramKind::SupportProgram => ("support_program", None, None, None, None),
                ProgramKind::LinkageProgram => (
                    "linkage_program",
                    None,
                    None,
                    None,
                    catalog
                        .linkage_program(p.id.as_str())
                        .map(|l| l.linkage.to_string()),
                ),
            };
            let functions: Vec<String> = match linkage.as_deref().and_then(|l| catalog.linkage(l)) {
                Some(linkage) => linkage.functions.iter().map(|f| f.to_string()).collect(),
                None => p.functions.iter().map(|f| f.to_string()).collect(),
            };
            json!({
                "id": p.id,
                "kind": kind,
                "name_ko": catalog.name(p.catalog_kind(), p.id.as_str(), ucz_core::Lang::Ko),
                "name_en": catalog.name(p.catalog_kind(), p.id.as_str(), ucz_core::Lang::En),
                "ministry": p.ministry,
                "functions": functions,
                "stages": p.stages,
                "column": column,
                "designation": designation,
                "linkage": linkage,
                "summary": summary,
                "rule": p.rule.text(),
                "rule_words": describe(p.rule.expr(), catalog, lang),
                "reference": match lang {
                    ucz_core::Lang::En => p.basis.reference_en.as_deref().unwrap_or(&p.reference),
                    ucz_core::Lang::Ko => p.reference.as_str(),
                },
                "assumption": match lang {
                    ucz_core::Lang::En => p.basis.assumption_en.as_deref(),
                    ucz_core::Lang::Ko => p.basis.assumption_ko.as_deref(),
                },
                "since_brief": p.basis.since_brief,
            })
        })
        .collect()
}

pub fn matches(program: &Value, filters: &Filters) -> bool {
    let is = |key: &str, wanted: &str| wanted.is_empty() || program[key].as_str() == Some(wanted);
    let has = |key: &str, wanted: &str| {
        wanted.is_empty()
            || program[key]
                .as_array()
                .is_some_and(|items| items.iter().any(|i| i.as_str() == Some(wanted)))
    };
    let q = filters.q.trim().to_lowercase();
    let text = |key: &str| program[key].as_str().unwrap_or_default().to_lowercase();
    (q.is_empty()
        || ["id", "name_ko", "name_en", "summary", "reference"]
            .iter()
            .any(|k| text(k).contains(&q)))
        && is("kind", &filters.kind)
        && is("ministry", &filters.ministry)
        && has("functions", &filters.function)
        && has("stages", &filters.stage)
        && is("column", &filters.column)
        && is("designation", &filters.designation)
}

pub async fn page(
    State(state): State<AppState>,
    visitor: Visitor,
    PageQuery(filters): PageQuery<Filters>,
) -> Response {
    let mut filters = filters;
    filters.q = filters.q.chars().filter(|c| !c.is_control()).collect();
    let all = programs(&state, visitor.lang);
    let total = all.len();
    let shown: Vec<Value> = all.into_iter().filter(|p| matches(p, &filters)).collect();
    let ids = |items: Vec<String>| Value::from(items);
    let c = &state.catalog;
    let result = visitor.page(
        &state,
        StatusCode::OK,
        "catalog.html",
        json!({
            "programs": shown,
            "total": total,
            "filters": filters,
            "query": visitor.here.split_once('?').map_or("", |(_, q)| q),
            "ministries": ids(c.ministries.iter().map(|m| m.id.to_string()).collect()),
            "functions": ids(c.functions.iter().map(|m| m.id.to_string()).collect()),
            "stages": ids(c.stages.iter().map(|m| m.id.to_string()).collect()),
            "columns": ids(c.figure4_columns.iter().map(|m| m.id.to_string()).collect()),
            "designations": ids(c.designations.iter().map(|m| m.id.to_string()).collect()),
        }),
    );
    visitor.respond(&state, result)
}
