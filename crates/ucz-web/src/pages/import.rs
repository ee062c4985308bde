//! Importing firms, facilities and spaces from `.xlsx` or `.csv`: the file is read and every row
//! checked as the API would check it; the preview lists each row with what is wrong with it, and
//! nothing is written until the visitor confirms. Confirmed rows are written in one transaction.

use std::collections::{HashMap, HashSet};
use std::io::Cursor;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use serde::Serialize;
use serde_json::{Value, json};

use super::form::{self, Resource};
use super::{Visitor, form_pairs, form_value};
use crate::auth::{Caller, Role, random_token};
use crate::error::{ApiError, FieldError};
use crate::resources::{firms, parts};
use crate::{AppState, access};
use ucz_core::Lang;

/// What can be imported.
const IMPORTABLE: [Resource; 3] = [Resource::Firm, Resource::Facility, Resource::Space];

/// Imports read and awaiting confirmation, by token.
#[derive(Default)]
pub struct Pending {
    imports: HashMap<String, PendingImport>,
}

pub struct PendingImport {
    user: i64,
    resource: Resource,
    records: Vec<Value>,
    read_at: Instant,
}

/// The largest file the import reads.
pub const MAX_FILE: usize = 10 << 20;

/// An unconfirmed import is forgotten after this long.
const KEEP: Duration = Duration::from_secs(30 * 60);

/// A spreadsheet's cells as text, row by row.
pub type Rows = Vec<Vec<String>>;

/// Days since 1899-12-30 (spreadsheet serial dates) as `YYYY-MM-DD`.
fn serial_date(serial: f64) -> String {
    ucz_core::date::Date::from_days_since_epoch(serial.floor() as i64 - 25_569).to_string()
}

fn cell(data: &Data) -> String {
    match data {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 9e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => serial_date(d.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.chars().take(10).collect(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// The first sheet of a workbook, or the records of a CSV file: UTF-8 (with or without BOM) or
/// the CP949/EUC-KR that Korean spreadsheet programs write, separated by commas, semicolons or
/// tabs (whichever the header line has most of).
pub fn read_table(name: &str, bytes: &[u8], lang: Lang) -> Result<Rows, String> {
    let lower = name.to_lowercase();
    if bytes.starts_with(b"PK") || lower.ends_with(".xlsx") {
        let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| {
            format!(
                "{name}: {} ({e})",
                lang.pick(
                    "읽을 수 있는 .xlsx 통합문서가 아닙니다",
                    "not a readable .xlsx workbook"
                )
            )
        })?;
        let range = workbook
            .worksheet_range_at(0)
            .ok_or_else(|| {
                format!(
                    "{name}: {}",
                    lang.pick("시트가 없습니다", "the workbook has no sheet")
                )
            })?
            .map_err(|e| {
                format!(
                    "{name}: {} ({e})",
                    lang.pick(
                        "첫 시트를 읽을 수 없습니다",
                        "the first sheet cannot be read"
                    )
                )
            })?;
        return Ok(range
            .rows()
            .map(|row| row.iter().map(cell).collect())
            .collect());
    }
    if !lower.ends_with(".csv") {
        return Err(format!(
            "{name}: {}",
            lang.pick(
                ".xlsx 또는 .csv 파일만 가져올 수 있습니다",
                "only .xlsx and .csv files can be imported"
            )
        ));
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text.strip_prefix('\u{feff}').unwrap_or(text).to_string(),
        Err(_) => {
            let (text, _, malformed) = encoding_rs::EUC_KR.decode(bytes);
            if malformed {
                return Err(format!(
                    "{name}: {}",
                    lang.pick(
                        "UTF-8도 CP949(EUC-KR)도 아닌 글자가 있습니다. \"CSV UTF-8\" 또는 .xlsx로 저장하세요",
                        "neither UTF-8 nor CP949 (EUC-KR) text; save as \"CSV UTF-8\" or .xlsx"
                    )
                ));
            }
            text.into_owned()
        }
    };
    let first = text.lines().next().unwrap_or_default();
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| first.bytes().filter(|b| b == d).count())
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| format!("{name}: {e}"))?;
        rows.push(record.iter().map(String::from).collect());
    }
    Ok(rows)
}

/// The field a header names: `name`, `label (name)` or the label alone.
fn header_field(header: &str, fields: &[form::Field]) -> Option<&'static str> {
    let header = header.trim();
    let inner = header
        .strip_suffix(')')
        .and_then(|h| h.rsplit_once('('))
        .map(|(_, name)| name.trim());
    fields
        .iter()
        .find(|f| {
            Some(f.name) == inner
                || f.name.eq_ignore_ascii_case(header)
                || f.label.eq_ignore_ascii_case(header)
        })
        .map(|f| f.name)
}

/// One row of the preview.
#[derive(Serialize)]
pub struct RowReport {
    /// The spreadsheet's row number (the header is row 1).
    pub row: usize,
    pub label: String,
    pub errors: Vec<FieldError>,
}

/// What a file would import.
pub struct Checked {
    pub rows: Vec<RowReport>,
    pub records: Vec<Value>,
    /// Problems of the file as a whole (missing columns, no rows).
    pub problems: Vec<String>,
    /// What was ignored (unknown columns).
    pub notices: Vec<String>,
}

/// Checks a row's body as the API would, returning the record to store.
async fn check_row(
    state: &AppState,
    caller: &Caller,
    resource: Resource,
    body: &Value,
) -> Result<Value, ApiError> {
    match resource {
        Resource::Firm => {
            access::create_or_delete_firm(caller, body["zone"].as_str().unwrap_or_default())?;
            let record = firms::validate(state, body, false).await?;
            let id = record["id"].as_str().unwrap_or_default();
            if state.store.get(&ucz_store::FIRMS, id).await?.is_some() {
                return Err(ApiError::invalid(vec![FieldError {
                    field: "id".into(),
                    message: format!("a firm {id} exists already"),
                }]));
            }
            Ok(record)
        }
        Resource::Facility => {
            let record = parts::facility(state, body).await?;
            access::write_zone_part(caller, record["zone_id"].as_str().unwrap_or_default())?;
            Ok(record)
        }
        Resource::Space => {
            let record = parts::space(state, body).await?;
            access::write_zone_part(caller, &parts::space_zone(state, &record).await?)?;
            Ok(record)
        }
        _ => Err(ApiError::bad_request("cannot import this kind of record")),
    }
}

pub async fn check(
    state: &AppState,
    caller: &Caller,
    lang: ucz_core::Lang,
    resource: Resource,
    rows: &Rows,
) -> Checked {
    let options = super::edit::options(state, caller, lang)
        .await
        .unwrap_or_default();
    let template = form::fields(state, resource, lang, &options);
    let mut problems = Vec::new();
    if rows.len() < 2 {
        problems.push(
            lang.pick(
                "데이터 행이 없습니다: 첫 행은 열 제목, 그 아래 행마다 한 건입니다",
                "no data rows: the first row holds the headers, each row below one record",
            )
            .into(),
        );
    }
    let Some(header) = rows.first() else {
        return Checked {
            rows: vec![],
            records: vec![],
            problems,
            notices: vec![],
        };
    };
    let columns: Vec<Option<&'static str>> =
        header.iter().map(|h| header_field(h, &template)).collect();
    let mut notices = Vec::new();
    for (i, (title, field)) in header.iter().zip(&columns).enumerate() {
        if field.is_none() && !title.trim().is_empty() && title.trim() != "id" {
            notices.push(format!(
                "{} {}: \"{title}\" — {}",
                lang.pick("열", "column"),
                column_letter(i),
                lang.pick("알 수 없는 열은 무시합니다", "unknown column, ignored")
            ));
        }
    }
    for field in template.iter().filter(|f| f.required) {
        if !columns.contains(&Some(field.name)) {
            problems.push(format!(
                "{}: {} ({})",
                lang.pick("필수 열이 없습니다", "a required column is missing"),
                field.label,
                field.name
            ));
        }
    }
    let mut reports = Vec::new();
    let mut records = Vec::new();
    let mut seen = HashSet::new();
    for (index, row) in rows.iter().enumerate().skip(1) {
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let pairs: Vec<(String, String)> = columns
            .iter()
            .zip(row)
            .filter_map(|(field, value)| field.map(|f| (f.to_string(), value.clone())))
            .collect();
        let mut fields = template.clone();
        form::read(&mut fields, &pairs);
        let label = ["id", "name"]
            .iter()
            .filter_map(|k| {
                fields
                    .iter()
                    .find(|f| f.name == *k)
                    .map(|f| f.value.clone())
            })
            .filter(|v| !v.is_empty())
            .collect::<Vec<_>>()
            .join(" · ");
        let mut errors: Vec<FieldError> = Vec::new();
        let (body, readable) = form::body(&mut fields, lang);
        let outcome = if readable {
            check_row(state, caller, resource, &body).await
        } else {
            Err(super::edit::check_only(state, resource, &body).await)
        };
        match outcome {
            Ok(record) => {
                let id = record["id"].as_str().unwrap_or_default().to_string();
                if !id.is_empty() && !seen.insert(id.clone()) {
                    errors.push(FieldError {
                        field: "id".into(),
                        message: format!(
                            "{} {id}",
                            lang.pick("파일 안에서 중복된 id:", "duplicate id in the file:")
                        ),
                    });
                } else {
                    records.push(record);
                }
            }
            Err(error) if error.code == "forbidden" => {
                let zone = ["zone", "zone_id"]
                    .iter()
                    .find_map(|k| body[*k].as_str())
                    .unwrap_or_default();
                errors.push(FieldError {
                    field: String::new(),
                    message: if zone.is_empty() && resource == Resource::Firm {
                        lang.pick(
                            "입주 특구(zone)를 적으세요: 운영기관은 자기 특구의 기업만 등록합니다",
                            "give the zone: an operator registers firms of its own zone",
                        )
                        .to_string()
                    } else {
                        format!(
                            "{} ({zone})",
                            lang.pick(
                                "이 특구의 자료를 쓸 권한이 없습니다",
                                "you may not write records of this zone"
                            )
                        )
                    },
                });
            }
            Err(error) => {
                if error.errors.is_empty() && error.status != StatusCode::UNPROCESSABLE_ENTITY {
                    errors.push(FieldError {
                        field: String::new(),
                        message: error.detail.clone(),
                    });
                }
                let localized = error
                    .errors
                    .into_iter()
                    .map(|e| FieldError {
                        message: state.pages.message(lang, &e.message),
                        ..e
                    })
                    .collect();
                errors.extend(form::attach(&mut fields, localized));
            }
        }
        errors.extend(fields.iter().filter_map(|f| {
            f.error.clone().map(|message| FieldError {
                field: format!("{} ({})", f.label, f.name),
                message,
            })
        }));
        reports.push(RowReport {
            row: index + 1,
            label,
            errors,
        });
    }
    Checked {
        rows: reports,
        records,
        problems,
        notices,
    }
}

fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push((b'A' + rem as u8) as char);
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

fn may_import(caller: &Caller) -> Result<i64, ApiError> {
    match caller {
        Caller::User {
            user,
            role: Role::Admin | Role::Operator { .. },
        } => Ok(user.id),
        Caller::User { .. } => Err(ApiError::forbidden()),
        Caller::Anonymous => Err(ApiError::unauthenticated()),
    }
}

fn choices(state: &AppState, visitor: &Visitor) -> Value {
    IMPORTABLE
        .iter()
        .map(|r| json!({"value": r.plural(), "label": state.pages.word(visitor.lang, &format!("r_{}", r.plural()))}))
        .collect()
}

pub async fn start(State(state): State<AppState>, visitor: Visitor) -> Response {
    let result = may_import(&visitor.caller).and_then(|_| {
        visitor.page(
            &state,
            StatusCode::OK,
            "import.html",
            json!({"resources": choices(&state, &visitor), "error": null}),
        )
    });
    visitor.respond(&state, result)
}

pub async fn upload(
    State(state): State<AppState>,
    visitor: Visitor,
    mut multipart: Multipart,
) -> Response {
    let result = async {
        let user = may_import(&visitor.caller)?;
        let mut csrf = None;
        let mut resource = None;
        let mut file: Option<(String, Bytes)> = None;
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|e| ApiError::bad_request(e.body_text()))?
        {
            match field.name() {
                Some("_csrf") => csrf = field.text().await.ok(),
                Some("resource") => resource = field.text().await.ok(),
                Some("file") => {
                    let name = field.file_name().unwrap_or("upload").to_string();
                    let bytes = field.bytes().await.map_err(|e| {
                        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                            ApiError::too_large()
                        } else {
                            ApiError::bad_request(e.body_text())
                        }
                    })?;
                    file = Some((name, bytes));
                }
                _ => {}
            }
        }
        visitor.check_form(csrf.as_deref())?;
        let resource = resource
            .as_deref()
            .and_then(Resource::parse)
            .filter(|r| IMPORTABLE.contains(r));
        let failure = |message: String| {
            visitor.page(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                "import.html",
                json!({"resources": choices(&state, &visitor), "error": message}),
            )
        };
        let Some(resource) = resource else {
            return failure(state.pages.word(visitor.lang, "import_choose"));
        };
        let Some((name, bytes)) = file.filter(|(name, _)| !name.is_empty()) else {
            return failure(state.pages.word(visitor.lang, "import_no_file"));
        };
        if bytes.is_empty() {
            return failure(format!(
                "{name}: {}",
                state.pages.word(visitor.lang, "import_empty_file")
            ));
        }
        let rows = match read_table(&name, &bytes, visitor.lang) {
            Ok(rows) => rows,
            Err(message) => return failure(message),
        };
        let checked = check(&state, &visitor.caller, visitor.lang, resource, &rows).await;
        let token = random_token()?;
        let valid = checked.records.len();
        let bad = checked.rows.iter().filter(|r| !r.errors.is_empty()).count();
        if valid > 0 {
            let mut pending = state
                .pages
                .imports
                .lock()
                .map_err(|_| ApiError::internal("import list poisoned"))?;
            pending.imports.retain(|_, p| p.read_at.elapsed() < KEEP);
            if pending.imports.len() >= 100 {
                return Err(ApiError::too_many_attempts());
            }
            pending.imports.insert(
                token.clone(),
                PendingImport {
                    user,
                    resource,
                    records: checked.records,
                    read_at: Instant::now(),
                },
            );
        }
        visitor.page(
            &state,
            StatusCode::OK,
            "preview.html",
            json!({
                "file": name,
                "resource": resource.plural(),
                "rows": checked.rows,
                "problems": checked.problems,
                "notices": checked.notices,
                "valid": valid,
                "bad": bad,
                "token": token,
            }),
        )
    }
    .await;
    visitor.respond(&state, result)
}

pub async fn confirm(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(token): Path<String>,
    body: Bytes,
) -> Response {
    let result = async {
        let user = may_import(&visitor.caller)?;
        let pairs = form_pairs(&body);
        let get = |key: &str| form_value(&pairs, key);

        visitor.check_form(get("_csrf"))?;
        let pending = {
            let mut all = state
                .pages
                .imports
                .lock()
                .map_err(|_| ApiError::internal("import list poisoned"))?;
            match all.imports.get(&token) {
                Some(p) if p.user == user && p.read_at.elapsed() < KEEP => {
                    all.imports.remove(&token)
                }
                _ => None,
            }
        }
        ;
        let Some(pending) = pending else {
            return visitor.page(
                &state,
                StatusCode::NOT_FOUND,
                "error.html",
                json!({
                    "status": 404,
                    "message": state.pages.word(visitor.lang, "import_gone"),
                    "detail": "",
                    "errors": [],
                }),
            );
        };
        if get("action") == Some("cancel") {
            return Ok(visitor.redirect("/import"));
        }
        let table = pending.resource.table();
        let created = state
            .store
            .create_many(&visitor.caller.actor(), table, &pending.records)
            .await?;
        visitor.page(
            &state,
            StatusCode::OK,
            "preview.html",
            json!({
                "done": created.len(),
                "resource": pending.resource.plural(),
                "rows": [], "problems": [], "notices": [], "valid": 0, "bad": 0, "token": "", "file": "",
            }),
        )
    }
    .await;
    visitor.respond(&state, result)
}

/// A preview's address opened again (a refresh, a bookmark): back to the start.
pub async fn revisit(visitor: Visitor) -> Response {
    visitor.redirect("/import")
}

/// An empty sheet with the right headers, to fill in.
pub async fn template(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(file): Path<String>,
) -> Response {
    let result = (|| {
        let (what, format) = file
            .rsplit_once('.')
            .filter(|(_, f)| matches!(*f, "xlsx" | "csv"))
            .ok_or_else(|| ApiError::not_found("template", &file))?;
        let resource = Resource::parse(what)
            .filter(|r| IMPORTABLE.contains(r))
            .ok_or_else(|| ApiError::not_found("template", &file))?;
        let fields = form::fields(&state, resource, visitor.lang, &form::Options::default());
        let sheet = super::export::Sheet {
            name: what.into(),
            header: fields
                .iter()
                .map(|f| format!("{} ({})", f.label, f.name))
                .collect(),
            rows: vec![],
        };
        let bytes = if format == "xlsx" {
            super::export::xlsx(&sheet)?
        } else {
            super::export::csv(&sheet)?
        };
        Ok(super::export::attachment(
            &format!("{what}-template"),
            format,
            bytes,
        ))
    })();
    visitor.respond(&state, result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreadsheet_serial_dates_become_iso_dates() {
        assert_eq!(serial_date(45_603.0), "2024-11-07");
        assert_eq!(serial_date(25_569.0), "1970-01-01");
        assert_eq!(serial_date(36_526.5), "2000-01-01");
    }

    #[test]
    fn csv_in_utf8_or_cp949_with_any_common_separator_reads_as_rows() {
        let rows = read_table(
            "f.csv",
            "\u{feff}id,name\nf1,\"가, 나\"\n".as_bytes(),
            Lang::En,
        )
        .expect("rows");
        assert_eq!(rows, vec![vec!["id", "name"], vec!["f1", "가, 나"]]);
        // "id;이름\nf1;가" as Korean Excel saves it: CP949, semicolons.
        let (cp949, _, _) = encoding_rs::EUC_KR.encode("id;이름\nf1;가\n");
        let rows = read_table("f.csv", &cp949, Lang::En).expect("rows");
        assert_eq!(rows, vec![vec!["id", "이름"], vec!["f1", "가"]]);
        let error = read_table("f.csv", b"id\n\xff\xff\xff", Lang::En).expect_err("not text");
        assert!(error.contains("neither UTF-8 nor CP949"), "{error}");
        let error = read_table("notes.txt", b"hello", Lang::Ko).expect_err("not a table");
        assert!(error.contains(".xlsx 또는 .csv"), "{error}");
    }

    #[test]
    fn columns_are_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(27), "AB");
    }
}
