//! Any list as a spreadsheet: `/export/{zones|facilities|spaces|institutions|firms|programs}.{xlsx|csv}`
//! with the list's filters and the API's role rules. Headers read "label (field)", which the
//! import reads back.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use rust_xlsxwriter::{Format, Workbook};
use serde::Deserialize;
use serde_json::Value;

use super::form::{self, Resource};
use super::{PageQuery, Visitor};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use ucz_service::{ListParams, facilities, firms, institutions, spaces, zones};

#[derive(Deserialize, Default)]
pub struct Filters {
    // The catalog's filters ride along for the program list (see `catalog::Filters`).
    #[serde(flatten)]
    _catalog: std::collections::HashMap<String, String>,
    zone: Option<String>,
    facility: Option<String>,
    stage: Option<String>,
    region: Option<String>,
}

/// One page of a list through its API handler.
async fn list_page(
    state: &AppState,
    caller: &Caller,
    resource: Resource,
    filters: &Filters,
    offset: i64,
) -> Result<(Vec<Value>, i64), ApiError> {
    let some = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
    let params = ListParams {
        limit: Some(500),
        offset: Some(offset),
        zone_id: if resource == Resource::Firm {
            None
        } else {
            some(&filters.zone)
        },
        facility_id: some(&filters.facility),
        hub_id: None,
        region: some(&filters.region),
        stage: some(&filters.stage),
        zone: if resource == Resource::Firm {
            some(&filters.zone)
        } else {
            None
        },
        space_id: None,
        firm_id: None,
    };
    let page = match resource {
        Resource::Zone => zones::list(state, &params).await?.shown(),
        Resource::Facility => facilities::list(state, caller, &params).await?.shown(),
        Resource::Space => spaces::list(state, caller, &params).await?.shown(),
        Resource::Institution => institutions::list(state, caller, &params).await?.shown(),
        Resource::Firm => firms::list(state, caller, &params).await?.shown(),
        Resource::Hub => ucz_service::hubs::list(state, caller, &params)
            .await?
            .shown(),
        Resource::Bookable => {
            let all =
                ucz_service::bookings::resources(state, params.zone_id.as_deref(), None).await?;
            let total = all.len() as i64;
            ucz_service::Page {
                items: all
                    .into_iter()
                    .map(|r| serde_json::json!(r.setup))
                    .collect(),
                total,
                limit: 500,
                offset: 0,
            }
        }
    };
    Ok((page.items, page.total))
}

/// A table: header cells and rows of JSON values.
pub struct Sheet {
    pub name: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

async fn sheet(
    state: &AppState,
    visitor: &Visitor,
    what: &str,
    filters: &Filters,
) -> Result<Sheet, ApiError> {
    let lang = visitor.lang;
    if what == "programs" {
        let wanted: super::catalog::Filters =
            axum::extract::Query::try_from_uri(&visitor.here.parse().unwrap_or_default())
                .map(|q| q.0)
                .unwrap_or_default();
        let programs: Vec<Value> = super::catalog::programs(state, lang)
            .into_iter()
            .filter(|p| super::catalog::matches(p, &wanted))
            .collect();
        let keys = [
            "id",
            "kind",
            "name_ko",
            "name_en",
            "ministry",
            "column",
            "designation",
            "linkage",
            "functions",
            "stages",
            "rule",
            "reference",
        ];
        return Ok(Sheet {
            name: what.into(),
            header: keys.iter().map(|k| k.to_string()).collect(),
            rows: programs
                .iter()
                .map(|p| keys.iter().map(|k| p[*k].clone()).collect())
                .collect(),
        });
    }
    let resource = Resource::parse(what)
        .ok_or_else(|| ApiError::not_found(crate::error::Key::NounList, what))?;
    let mut items = Vec::new();
    loop {
        let (page, total) = list_page(
            state,
            &visitor.caller,
            resource,
            filters,
            items.len() as i64,
        )
        .await?;
        let done = page.is_empty();
        items.extend(page);
        if done || items.len() as i64 >= total {
            break;
        }
    }
    let fields = form::fields(state, resource, lang, &form::Options::default());
    let mut keys: Vec<String> = Vec::new();
    if !fields.iter().any(|f| f.name == "id") {
        keys.push("id".into());
    }
    keys.extend(fields.iter().map(|f| f.name.to_string()));
    let header = keys
        .iter()
        .map(|k| match fields.iter().find(|f| f.name == k) {
            Some(field) => format!("{} ({k})", field.label),
            None => k.clone(),
        })
        .collect();
    let rows = items
        .iter()
        .map(|item| {
            keys.iter()
                .map(|k| match k.as_str() {
                    "site_lat" => item["site"]["lat"].clone(),
                    "site_lon" => item["site"]["lon"].clone(),
                    k => item[k].clone(),
                })
                .collect()
        })
        .collect();
    Ok(Sheet {
        name: what.into(),
        header,
        rows,
    })
}

fn cell_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(cell_text).collect::<Vec<_>>().join("; "),
        other => other.to_string(),
    }
}

pub fn xlsx(sheet: &Sheet) -> Result<Vec<u8>, ApiError> {
    workbook(std::slice::from_ref(sheet))
}

/// A workbook of several sheets, each with a bold frozen header row.
pub fn workbook(sheets: &[Sheet]) -> Result<Vec<u8>, ApiError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    for sheet in sheets {
        let worksheet = workbook.add_worksheet();
        worksheet
            .set_name(&sheet.name)
            .map_err(ApiError::internal)?;
        for (c, title) in sheet.header.iter().enumerate() {
            worksheet
                .write_string_with_format(0, c as u16, title, &bold)
                .map_err(ApiError::internal)?;
        }
        for (r, row) in sheet.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, value) in row.iter().enumerate() {
                let c = c as u16;
                let written = match value {
                    Value::Null => continue,
                    Value::Number(n) => {
                        worksheet.write_number(r, c, n.as_f64().unwrap_or_default())
                    }
                    Value::Bool(b) => worksheet.write_boolean(r, c, *b),
                    other => worksheet.write_string(r, c, cell_text(other)),
                };
                written.map_err(ApiError::internal)?;
            }
        }
        worksheet
            .set_freeze_panes(1, 0)
            .map_err(ApiError::internal)?;
        worksheet.autofit();
    }
    workbook.save_to_buffer().map_err(ApiError::internal)
}

/// A zone's evaluation report as a workbook, one sheet per section.
pub fn report_workbook(
    report: &ucz_service::evaluation::report::Report,
) -> Result<Vec<u8>, ApiError> {
    let sheets: Vec<Sheet> = ucz_service::evaluation::report::sections(report)
        .into_iter()
        .map(|s| Sheet {
            name: s.name,
            header: s.header,
            rows: s.rows,
        })
        .collect();
    workbook(&sheets)
}

/// Text a spreadsheet program would run as a formula (`=1+2`, `@SUM(…)`) gets a leading `'`,
/// which makes it text again (OWASP's advice for CSV injection).
fn inert(text: String) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text
    }
}

/// CSV in UTF-8 with a byte-order mark, which spreadsheet programs need to read Hangul.
pub fn csv(sheet: &Sheet) -> Result<Vec<u8>, ApiError> {
    let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    writer
        .write_record(&sheet.header)
        .map_err(ApiError::internal)?;
    for row in &sheet.rows {
        writer
            .write_record(row.iter().map(|v| match v {
                Value::String(_) | Value::Array(_) => inert(cell_text(v)),
                other => cell_text(other),
            }))
            .map_err(ApiError::internal)?;
    }
    writer.into_inner().map_err(ApiError::internal)
}

pub fn attachment(name: &str, format: &str, bytes: Vec<u8>) -> Response {
    let content_type = if format == "xlsx" {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    } else {
        "text/csv; charset=utf-8"
    };
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.{format}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

pub async fn download(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(file): Path<String>,
    PageQuery(filters): PageQuery<Filters>,
) -> Response {
    let result = async {
        let (what, format) = file
            .rsplit_once('.')
            .filter(|(_, f)| matches!(*f, "xlsx" | "csv"))
            .ok_or_else(|| ApiError::not_found(crate::error::Key::NounExport, &file))?;
        let sheet = sheet(&state, &visitor, what, &filters).await?;
        let bytes = if format == "xlsx" {
            xlsx(&sheet)?
        } else {
            csv(&sheet)?
        };
        Ok(attachment(what, format, bytes))
    }
    .await;
    visitor.respond(&state, result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_that_would_run_as_formulas_stay_text() {
        let sheet = Sheet {
            name: "firms".into(),
            header: vec!["name".into(), "employees".into()],
            rows: vec![
                vec![Value::from("=1+2"), Value::from(-5)],
                vec![Value::from("@SUM(A1)"), Value::from(3)],
                vec![Value::from("보통 이름"), Value::Null],
            ],
        };
        let text = String::from_utf8(csv(&sheet).expect("csv")).expect("utf-8");
        assert_eq!(
            text,
            "\u{feff}name,employees\n'=1+2,-5\n'@SUM(A1),3\n보통 이름,\n"
        );
    }
}
