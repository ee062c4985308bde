//! Importing firms, facilities and spaces from `.xlsx` or `.csv`: the file is read and every row
//! checked as the API would check it; the preview counts the rows and shows the first errors, and
//! nothing is written until the visitor confirms. The confirmed file is read and checked again and
//! its valid rows written in one transaction.
//!
//! What a file may cost is bounded before it is spent: a workbook's zip entries are refused from
//! their declared and inflated sizes before a sheet is parsed, the first sheet is streamed cell by
//! cell and refused at the first cell beyond the row or column limit, and a preview keeps only
//! the uploaded file (one per account, all of them within `ImportLimits::pending_bytes`).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::io::Cursor;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use calamine::{DataRef, Reader, Xlsx, open_workbook_from_rs};
use serde::Serialize;
use serde_json::{Value, json};

use super::form::{self, Resource};
use super::{Visitor, form_pairs, form_value};
use crate::auth::{Caller, Role, random_token};
use crate::error::{ApiError, FieldError, Key, Message};
use crate::{AppState, ImportLimits};
use ucz_core::Lang;
use ucz_service::import::{self, ImportKind, Lookups};

/// What can be imported.
const IMPORTABLE: [Resource; 4] = [
    Resource::Firm,
    Resource::Facility,
    Resource::Space,
    Resource::Bookable,
];

/// Imports read and awaiting confirmation, by token: the uploaded file, at most one per account.
#[derive(Default)]
pub struct Pending {
    imports: HashMap<String, PendingImport>,
}

pub struct PendingImport {
    user: i64,
    resource: Resource,
    name: String,
    file: Bytes,
    read_at: Instant,
}

impl Pending {
    /// Forgets expired previews and the account's earlier one (a new upload replaces it).
    fn forget(&mut self, user: i64) {
        self.imports
            .retain(|_, p| p.user != user && p.read_at.elapsed() < KEEP);
    }

    /// The bytes all previews hold.
    fn held(&self) -> usize {
        self.imports.values().map(|p| p.file.len()).sum()
    }

    /// Whether a file of `size` bytes fits beside the others.
    fn fits(&self, size: usize, budget: usize) -> bool {
        self.held().saturating_add(size) <= budget
    }
}

/// The pending previews with room made for the account's new file of `size` bytes (its earlier
/// preview forgotten), or `None` when the others hold the budget.
fn room_for(
    state: &AppState,
    user: i64,
    size: usize,
    budget: usize,
) -> Result<Option<std::sync::MutexGuard<'_, Pending>>, ApiError> {
    let mut pending = state
        .pages
        .imports
        .lock()
        .map_err(|_| ApiError::internal("import list poisoned"))?;
    pending.forget(user);
    Ok(pending.fits(size, budget).then_some(pending))
}

/// The largest file the import reads.
pub const MAX_FILE: usize = 10 << 20;

/// An unconfirmed import is forgotten after this long.
const KEEP: Duration = Duration::from_secs(30 * 60);

/// Columns a sheet may use: A to BL.
pub const MAX_COLUMNS: u32 = 64;
/// Entries of a workbook's zip.
const MAX_ENTRIES: usize = 1_000;

/// What a workbook's zip entries may inflate to.
struct ZipLimits {
    /// A worksheet's XML.
    sheet: u64,
    /// The shared strings (read whole before the sheet).
    strings: u64,
    /// Any other entry (workbook, styles, relations).
    other: u64,
    /// All entries together.
    total: u64,
}

const ZIP_LIMITS: ZipLimits = ZipLimits {
    sheet: 100 << 20,
    strings: 32 << 20,
    other: 10 << 20,
    total: 200 << 20,
};
/// The text of all cells read (shared strings repeat in many cells).
const MAX_TEXT: usize = 64 << 20;
/// Rows with errors shown in a preview; the rest are counted.
pub const SHOWN_ERRORS: usize = 100;
/// Valid rows shown in a preview, from the top of the file, as a sample of how rows read.
pub const SHOWN_VALID: usize = 10;
/// Previews checked at once; more wait their turn.
pub const CHECKING_AT_ONCE: usize = 2;

/// A sheet's non-empty cells in reading order, their text in one buffer.
#[derive(Debug, Default)]
pub struct Table {
    text: String,
    cells: Vec<TableCell>,
}

#[derive(Clone, Copy, Debug)]
struct TableCell {
    row: u32,
    column: u32,
    start: u32,
    end: u32,
}

impl Table {
    /// Adds a cell; empty ones are not kept.
    fn push(&mut self, row: u32, column: u32, value: &str) -> Result<(), ()> {
        if value.is_empty() {
            return Ok(());
        }
        if self.text.len() + value.len() > MAX_TEXT {
            return Err(());
        }
        let start = self.text.len() as u32;
        self.text.push_str(value);
        self.cells.push(TableCell {
            row,
            column,
            start,
            end: self.text.len() as u32,
        });
        Ok(())
    }

    /// Cells in row order (a workbook may write them out of order).
    fn finish(mut self) -> Table {
        if !self.cells.is_sorted_by_key(|c| (c.row, c.column)) {
            self.cells.sort_by_key(|c| (c.row, c.column));
        }
        self
    }

    /// The rows that have a cell, each with its 0-based row index and its cells from column A.
    pub fn rows(&self) -> impl Iterator<Item = (u32, Vec<&str>)> + '_ {
        self.cells
            .chunk_by(|a, b| a.row == b.row)
            .filter_map(|cells| {
                let first = cells.first()?;
                let width = cells.last().map_or(0, |c| c.column as usize + 1);
                let mut row = vec![""; width];
                for cell in cells {
                    row[cell.column as usize] = &self.text[cell.start as usize..cell.end as usize];
                }
                Some((first.row, row))
            })
    }
}

/// Days since 1899-12-30 (spreadsheet serial dates) as `YYYY-MM-DD`; a serial beyond the
/// calendar stays a number, which the date field then refuses.
fn serial_date(serial: f64) -> String {
    let days = (serial.floor() as i64).saturating_sub(25_569);
    ucz_core::date::Date::from_days_since_epoch(days)
        .map_or_else(|| serial.to_string(), |day| day.to_string())
}

fn cell_text<'a>(data: &'a DataRef<'_>) -> Cow<'a, str> {
    match data {
        DataRef::Empty => Cow::Borrowed(""),
        DataRef::String(s) => Cow::Borrowed(s),
        DataRef::SharedString(s) => Cow::Borrowed(s),
        DataRef::Int(i) => Cow::Owned(i.to_string()),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 9e15 => {
            Cow::Owned(format!("{}", *f as i64))
        }
        DataRef::Float(f) => Cow::Owned(f.to_string()),
        DataRef::Bool(b) => Cow::Owned(b.to_string()),
        DataRef::DateTime(d) => Cow::Owned(serial_date(d.as_f64())),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
            Cow::Owned(s.chars().take(10).collect())
        }
        DataRef::Error(e) => Cow::Owned(format!("#{e:?}")),
    }
}

/// A cell's name: `A1`, `XFD1048576`.
fn cell_name(row: u32, column: u32) -> String {
    format!("{}{}", column_letter(column as usize), u64::from(row) + 1)
}

/// What the import reads at most, in words.
pub fn limits_text(lang: Lang, max_rows: usize) -> String {
    let rows = ucz_core::report::thousands(max_rows as f64);
    let last = column_letter(MAX_COLUMNS as usize - 1);
    match lang {
        Lang::Ko => format!("첫 행(열 제목) 아래 데이터 {rows}행, A–{last}열, 파일 10 MB까지"),
        Lang::En => {
            format!("{rows} data rows below the header row, columns A to {last}, files up to 10 MB")
        }
    }
}

fn beyond_limits(name: &str, lang: Lang, max_rows: usize, what: String) -> String {
    format!(
        "{name}: {what} {} ({}). {}",
        lang.pick("가져오기 한도를 넘습니다", "is beyond what an import reads"),
        limits_text(lang, max_rows),
        lang.pick(
            "파일을 나누거나 범위 밖의 셀을 지우세요",
            "split the file or clear the cells outside"
        )
    )
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / f64::from(1 << 20))
}

/// Refuses a workbook whose zip holds too many entries or entries that inflate beyond their
/// limits, from the sizes the zip declares, before anything is inflated. Declared sizes cannot
/// lie: the zip reader refuses an entry that inflates to more than it declares, at that point.
fn check_zip(name: &str, bytes: &[u8], lang: Lang, limits: &ZipLimits) -> Result<(), String> {
    let unreadable = |e: &dyn std::fmt::Display| {
        format!(
            "{name}: {} ({e})",
            lang.pick(
                "읽을 수 있는 .xlsx 통합문서가 아닙니다",
                "not a readable .xlsx workbook"
            )
        )
    };
    let too_big = |entry: &str, size: u64, limit: u64| {
        format!(
            "{name}: {entry} — {} {}, {} {}",
            lang.pick("압축을 풀면", "expands to"),
            megabytes(size),
            lang.pick("가져오기 한도는", "an import reads at most"),
            megabytes(limit),
        )
    };
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    if zip.len() > MAX_ENTRIES {
        return Err(format!(
            "{name}: {} {} ({} {MAX_ENTRIES})",
            zip.len(),
            lang.pick("개 항목을 담은 zip입니다", "entries in the zip"),
            lang.pick("한도", "at most"),
        ));
    }
    let limit_of = |entry: &str| {
        let entry = entry.to_ascii_lowercase();
        if entry.starts_with("xl/worksheets/") {
            limits.sheet
        } else if entry == "xl/sharedstrings.xml" {
            limits.strings
        } else {
            limits.other
        }
    };
    let mut declared = 0u64;
    for index in 0..zip.len() {
        let entry = zip.by_index_raw(index).map_err(|e| unreadable(&e))?;
        let entry_name = entry.name().map_err(|e| unreadable(&e))?.to_string();
        let limit = limit_of(&entry_name);
        if entry.size() > limit {
            return Err(too_big(&entry_name, entry.size(), limit));
        }
        declared = declared.saturating_add(entry.size());
        if declared > limits.total {
            return Err(too_big(
                lang.pick("전체 항목", "all entries"),
                declared,
                limits.total,
            ));
        }
    }
    Ok(())
}

/// The first sheet of a workbook, streamed cell by cell: its declared range and every cell must
/// lie within `max_rows` data rows (below the header in row 1) and `MAX_COLUMNS` columns.
fn read_xlsx(name: &str, bytes: &[u8], lang: Lang, max_rows: usize) -> Result<Table, String> {
    check_zip(name, bytes, lang, &ZIP_LIMITS)?;
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| {
        format!(
            "{name}: {} ({e})",
            lang.pick(
                "읽을 수 있는 .xlsx 통합문서가 아닙니다",
                "not a readable .xlsx workbook"
            )
        )
    })?;
    let unreadable = |e: &dyn std::fmt::Display| {
        format!(
            "{name}: {} ({e})",
            lang.pick(
                "첫 시트를 읽을 수 없습니다",
                "the first sheet cannot be read"
            )
        )
    };
    let first = workbook.sheet_names().first().cloned().ok_or_else(|| {
        format!(
            "{name}: {}",
            lang.pick("시트가 없습니다", "the workbook has no sheet")
        )
    })?;
    let mut cells = workbook
        .worksheet_cells_reader(&first)
        .map_err(|e| unreadable(&e))?;
    let last_row = u32::try_from(max_rows).unwrap_or(u32::MAX);
    let outside = |row: u32, column: u32| row > last_row || column >= MAX_COLUMNS;
    let dimensions = cells.dimensions();
    if outside(dimensions.end.0, dimensions.end.1) {
        return Err(beyond_limits(
            name,
            lang,
            max_rows,
            format!(
                "{} {}:{}",
                lang.pick("시트가 선언한 범위", "the sheet's declared range"),
                cell_name(dimensions.start.0, dimensions.start.1),
                cell_name(dimensions.end.0, dimensions.end.1)
            ),
        ));
    }
    let mut table = Table::default();
    while let Some(cell) = cells.next_cell().map_err(|e| unreadable(&e))? {
        let (row, column) = cell.get_position();
        let text = cell_text(cell.get_value());
        if text.is_empty() {
            continue;
        }
        if outside(row, column) {
            return Err(beyond_limits(
                name,
                lang,
                max_rows,
                format!("{} {}", lang.pick("셀", "cell"), cell_name(row, column)),
            ));
        }
        table.push(row, column, &text).map_err(|()| {
            format!(
                "{name}: {} {}",
                lang.pick("셀의 글자가 모두", "the cells hold more than"),
                megabytes(MAX_TEXT as u64)
            )
        })?;
    }
    Ok(table.finish())
}

/// The first sheet of a workbook, or the records of a CSV file: UTF-8 (with or without BOM) or
/// the CP949/EUC-KR that Korean spreadsheet programs write, separated by commas, semicolons or
/// tabs (whichever the header line has most of). Either is refused at the first row beyond
/// `max_rows` data rows or column beyond `MAX_COLUMNS`.
pub fn read_table(name: &str, bytes: &[u8], lang: Lang, max_rows: usize) -> Result<Table, String> {
    let lower = name.to_lowercase();
    if bytes.starts_with(b"PK") || lower.ends_with(".xlsx") {
        return read_xlsx(name, bytes, lang, max_rows);
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
        Ok(text) => Cow::Borrowed(text.strip_prefix('\u{feff}').unwrap_or(text)),
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
            text
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
    let mut table = Table::default();
    let mut record = csv::StringRecord::new();
    let mut row = 0u32;
    while reader
        .read_record(&mut record)
        .map_err(|e| format!("{name}: {e}"))?
    {
        let line = record.position().map_or(u64::from(row) + 1, |p| p.line());
        if row as usize > max_rows {
            return Err(beyond_limits(
                name,
                lang,
                max_rows,
                format!(
                    "{} {line} ({} {})",
                    lang.pick("줄", "line"),
                    lang.pick("데이터 행", "data row"),
                    ucz_core::report::thousands(row as f64)
                ),
            ));
        }
        for (column, value) in record.iter().enumerate() {
            if value.is_empty() {
                continue;
            }
            if column >= MAX_COLUMNS as usize {
                return Err(beyond_limits(
                    name,
                    lang,
                    max_rows,
                    format!(
                        "{} {line}, {} {}",
                        lang.pick("줄", "line"),
                        lang.pick("열", "column"),
                        column_letter(column)
                    ),
                ));
            }
            // CSV text is at most the 10 MB of the file: always within MAX_TEXT.
            let _ = table.push(row, column as u32, value);
        }
        row += 1;
    }
    Ok(table.finish())
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
    pub errors: Vec<super::Shown>,
}

/// What a file would import.
#[derive(Default)]
pub struct Checked {
    /// Data rows read (blank rows left out).
    pub read: usize,
    pub valid: usize,
    pub bad: usize,
    /// The first rows with errors (`SHOWN_ERRORS`) and the first valid rows (`SHOWN_VALID`),
    /// in file order.
    pub shown: Vec<RowReport>,
    /// The records to write, when asked for (a confirmation), else empty.
    pub records: Vec<import::Row>,
    /// Problems of the file as a whole (missing columns, no rows).
    pub problems: Vec<String>,
    /// What was ignored (unknown columns).
    pub notices: Vec<String>,
}

/// The import kind of a form's resource.
fn import_kind(resource: Resource) -> Result<ImportKind, ApiError> {
    match resource {
        Resource::Firm => Ok(ImportKind::Firm),
        Resource::Facility => Ok(ImportKind::Facility),
        Resource::Space => Ok(ImportKind::Space),
        Resource::Bookable => Ok(ImportKind::Resource),
        _ => Err(ApiError::bad_request(Key::CannotImportKind)),
    }
}

/// Rows checked together: their firm ids are looked up in one query.
const CHUNK: usize = 500;

/// A row read into the form's fields.
struct ReadRow {
    number: usize,
    label: String,
    fields: Vec<form::Field>,
    body: Value,
    readable: bool,
}

/// Checks every row of the table; keeps the records to write when `keep` (a confirmation),
/// else only counts them and the first errors (a preview).
pub async fn check(
    state: &AppState,
    caller: &Caller,
    lang: ucz_core::Lang,
    resource: Resource,
    table: &Table,
    keep: bool,
) -> Result<Checked, ApiError> {
    let options = super::edit::options(state, caller, lang)
        .await
        .unwrap_or_default();
    let template = form::fields(state, resource, lang, &options);
    let mut checked = Checked::default();
    let mut rows = table.rows();
    let header = rows.next();
    let mut rows = rows.peekable();
    if rows.peek().is_none() {
        checked.problems.push(
            lang.pick(
                "데이터 행이 없습니다: 첫 행은 열 제목, 그 아래 행마다 한 건입니다",
                "no data rows: the first row holds the headers, each row below one record",
            )
            .into(),
        );
    }
    let Some((_, header)) = header else {
        return Ok(checked);
    };
    let columns: Vec<Option<&'static str>> =
        header.iter().map(|h| header_field(h, &template)).collect();
    // A space's `id` column names the space a row updates (blank: a new space).
    let id_column = (resource == Resource::Space)
        .then(|| header.iter().position(|h| h.trim() == "id"))
        .flatten();
    for (i, (title, field)) in header.iter().zip(&columns).enumerate() {
        if field.is_none() && !title.trim().is_empty() && title.trim() != "id" {
            checked.notices.push(format!(
                "{} {}: \"{title}\" — {}",
                lang.pick("열", "column"),
                column_letter(i),
                lang.pick("알 수 없는 열은 무시합니다", "unknown column, ignored")
            ));
        }
    }
    for field in template.iter().filter(|f| f.required) {
        if !columns.contains(&Some(field.name)) {
            checked.problems.push(format!(
                "{}: {} ({})",
                lang.pick("필수 열이 없습니다", "a required column is missing"),
                field.label,
                field.name
            ));
        }
    }
    let mut lookups = Lookups::default();
    let mut seen = HashSet::new();
    // Each row's fields: the template without its choices (read from the template's).
    let light = form::without_choices(&template);
    let mut chunk: Vec<ReadRow> = Vec::with_capacity(CHUNK);
    loop {
        chunk.clear();
        for (index, row) in rows.by_ref() {
            if row.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let pairs: Vec<(String, String)> = columns
                .iter()
                .zip(&row)
                .filter_map(|(field, value)| field.map(|f| (f.to_string(), value.to_string())))
                .collect();
            let mut fields = light.clone();
            form::read_by(&mut fields, &template, &pairs);
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
            let (mut body, readable) = form::body(&mut fields, lang);
            if let Some(id) = id_column
                .and_then(|i| row.get(i))
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
            {
                body["id"] = id.parse::<i64>().map_or_else(|_| json!(id), |n| json!(n));
            }
            // A resource's row changes the columns the sheet has, nothing else (an absent
            // yes/no column is not a "no").
            if resource == Resource::Bookable {
                if let Some(object) = body.as_object_mut() {
                    object.retain(|k, _| columns.contains(&Some(k.as_str())));
                }
            }
            chunk.push(ReadRow {
                number: index as usize + 1,
                label,
                fields,
                body,
                readable,
            });
            if chunk.len() == CHUNK {
                break;
            }
        }
        if chunk.is_empty() {
            break;
        }
        if resource == Resource::Firm {
            let ids: Vec<String> = chunk
                .iter()
                .filter_map(|r| r.body["id"].as_str().map(str::to_string))
                .collect();
            lookups.firms_taken(state, &ids).await?;
        }
        for row in chunk.drain(..) {
            check_one(
                state,
                caller,
                lang,
                resource,
                &lookups,
                &mut seen,
                keep,
                row,
                &mut checked,
            )
            .await;
        }
    }
    Ok(checked)
}

/// Checks one row and adds it to what was found.
#[allow(clippy::too_many_arguments)]
async fn check_one(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    resource: Resource,
    lookups: &Lookups,
    seen: &mut HashSet<String>,
    keep: bool,
    row: ReadRow,
    checked: &mut Checked,
) {
    let ReadRow {
        number,
        label,
        mut fields,
        body,
        readable,
    } = row;
    let mut errors: Vec<FieldError> = Vec::new();
    // Errors of the row's own cells, already in the visitor's language.
    let mut read_errors: Vec<super::Shown> = Vec::new();
    let outcome = if readable {
        match import_kind(resource) {
            Ok(kind) => import::check_row(state, caller, kind, &body, lookups)
                .await
                .map_err(ApiError::from),
            Err(error) => Err(error),
        }
    } else {
        Err(super::edit::check_only(state, resource, &body).await)
    };
    match outcome {
        Ok(record) => {
            let id = match &record {
                import::Row::Firm(firm) => firm.id.as_str(),
                import::Row::Resource { setup, .. } => setup.id.as_str(),
                import::Row::Facility(_) | import::Row::Space(_) => "",
                import::Row::SpaceUpdate(..) => "",
            };
            if !id.is_empty() && !seen.insert(id.to_string()) {
                errors.push(FieldError {
                    field: "id".into(),
                    message: Message::new(Key::DuplicateIdInFile).arg("id", id),
                });
            } else if keep {
                checked.records.push(record);
            }
        }
        Err(error) if error.code == ucz_service::Code::Forbidden => {
            let mut zone = ["zone", "zone_id"]
                .iter()
                .find_map(|k| body[*k].as_str())
                .unwrap_or_default()
                .to_string();
            // A space belongs to its facility's zone (already looked up for this import).
            if let Some(facility) = body["facility_id"].as_i64() {
                let facility = ucz_core::record::FacilityId(facility);
                if let Ok(Some(own)) = lookups.known.facility_zone(state, facility).await {
                    zone = own.0;
                }
            } else if let Some(hub) = body["hub_id"].as_str() {
                zone = hub.to_string();
            }
            errors.push(FieldError {
                field: String::new(),
                message: if zone.is_empty() && resource == Resource::Firm {
                    Key::GiveTheZone.into()
                } else if zone.is_empty() {
                    Key::ZoneRefused.into()
                } else {
                    Message::new(Key::ZoneRefusedIn).arg("zone", zone)
                },
            });
        }
        Err(mut error) => {
            if error.errors.is_empty() && error.code != ucz_service::Code::Validation {
                errors.push(FieldError {
                    field: String::new(),
                    message: error.detail.clone(),
                });
            }
            let unplaced = form::attach(&mut fields, std::mem::take(&mut error.errors), lang);
            errors.extend(unplaced);
        }
    }
    read_errors.extend(fields.iter().filter_map(|f| {
        f.error.clone().map(|message| super::Shown {
            field: format!("{} ({})", f.label, f.name),
            message,
        })
    }));
    let errors: Vec<super::Shown> = errors
        .iter()
        .map(|e| super::Shown::new(e, lang))
        .chain(read_errors)
        .collect();
    checked.read += 1;
    let show = if errors.is_empty() {
        checked.valid += 1;
        checked.valid <= SHOWN_VALID
    } else {
        checked.bad += 1;
        checked.bad <= SHOWN_ERRORS
    };
    if show {
        checked.shown.push(RowReport {
            row: number,
            label,
            errors,
        });
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
        } => Ok(user.id.0),
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
            json!({
                "resources": choices(&state, &visitor),
                "error": null,
                "limits": limits_text(visitor.lang, state.import.max_rows),
            }),
        )
    });
    visitor.respond(&state, result)
}

/// The page refusing a preview while the previews awaiting confirmation hold the budget.
fn busy(state: &AppState, visitor: &Visitor, limits: ImportLimits) -> Result<Response, ApiError> {
    visitor.page(
        state,
        StatusCode::SERVICE_UNAVAILABLE,
        "error.html",
        json!({
            "status": 503,
            "message": format!(
                "{} ({})",
                state.pages.word(visitor.lang, "import_busy"),
                megabytes(limits.pending_bytes as u64)
            ),
            "detail": "",
            "errors": [],
        }),
    )
}

/// Reads the file off the async threads, a few files at a time.
async fn read_file(
    state: &AppState,
    name: &str,
    file: &Bytes,
    lang: Lang,
) -> Result<Result<Table, String>, ApiError> {
    let _turn = state
        .pages
        .import_turns
        .acquire()
        .await
        .map_err(|_| ApiError::internal("import turns closed"))?;
    let (name, file, max_rows) = (name.to_string(), file.clone(), state.import.max_rows);
    tokio::task::spawn_blocking(move || read_table(&name, &file, lang, max_rows))
        .await
        .map_err(ApiError::internal)
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
            .map_err(|e| ApiError::unreadable(e.body_text()))?
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
                            ApiError::unreadable(e.body_text())
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
        let limits = state.import;
        let failure = |message: String| {
            visitor.page(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                "import.html",
                json!({
                    "resources": choices(&state, &visitor),
                    "error": message,
                    "limits": limits_text(visitor.lang, limits.max_rows),
                }),
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
        // A new upload replaces the account's earlier preview; refused before any reading when
        // the others hold the budget.
        if room_for(&state, user, bytes.len(), limits.pending_bytes)?.is_none() {
            return busy(&state, &visitor, limits);
        }
        let table = match read_file(&state, &name, &bytes, visitor.lang).await? {
            Ok(table) => table,
            Err(message) => return failure(message),
        };
        let checked = check(
            &state,
            &visitor.caller,
            visitor.lang,
            resource,
            &table,
            false,
        )
        .await?;
        drop(table);
        let token = random_token()?;
        if checked.valid > 0 {
            let Some(mut pending) = room_for(&state, user, bytes.len(), limits.pending_bytes)?
            else {
                return busy(&state, &visitor, limits);
            };
            pending.imports.insert(
                token.clone(),
                PendingImport {
                    user,
                    resource,
                    name: name.clone(),
                    // An exact copy: the budget counts what is held, not a larger buffer
                    // the upload may have been read into.
                    file: Bytes::copy_from_slice(&bytes),
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
                "rows": checked.shown,
                "problems": checked.problems,
                "notices": checked.notices,
                "read": checked.read,
                "valid": checked.valid,
                "bad": checked.bad,
                "shown_bad": checked.bad.min(SHOWN_ERRORS),
                "shown_valid": checked.valid.min(SHOWN_VALID),
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
        };
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
        // The file is read and checked again: what was valid at the preview may not be now.
        let table = match read_file(&state, &pending.name, &pending.file, visitor.lang).await? {
            Ok(table) => table,
            // The reader's message is in the visitor's language already.
            Err(message) => {
                return Err(ApiError::bad_request(
                    Message::new(Key::ImportFile).arg("detail", message),
                ));
            }
        };
        drop(pending.file);
        let checked = check(
            &state,
            &visitor.caller,
            visitor.lang,
            pending.resource,
            &table,
            true,
        )
        .await?;
        drop(table);
        import_kind(pending.resource)?;
        let created = import::write(&state, &visitor.caller, &checked.records).await?;
        state.monitoring.metrics.imported(created);
        visitor.page(
            &state,
            StatusCode::OK,
            "preview.html",
            json!({
                "done": created,
                "skipped": checked.bad,
                "resource": pending.resource.plural(),
                "rows": [], "problems": [], "notices": [], "read": 0, "valid": 0, "bad": 0,
                "shown_bad": 0, "shown_valid": 0, "token": "", "file": "",
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
            .ok_or_else(|| ApiError::not_found(Key::NounTemplate, &file))?;
        let resource = Resource::parse(what)
            .filter(|r| IMPORTABLE.contains(r))
            .ok_or_else(|| ApiError::not_found(Key::NounTemplate, &file))?;
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

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config { cases: 256, ..Default::default() })]

        /// Any bytes, read as a CSV or as a workbook, are rows or a message: never a panic.
        #[test]
        fn any_bytes_read_as_rows_or_a_message(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..2048)) {
            for name in ["f.csv", "f.xlsx", "f.txt"] {
                let _ = read_table(name, &bytes, Lang::En, 50);
            }
        }

        /// A real workbook with bytes changed here and there is read or refused, never a panic.
        #[test]
        fn a_damaged_workbook_is_read_or_refused(edits in proptest::collection::vec((0usize..100_000, proptest::num::u8::ANY), 1..8)) {
            let mut bytes = workbook();
            for (at, byte) in edits {
                let at = at % bytes.len().max(1);
                if let Some(b) = bytes.get_mut(at) {
                    *b = byte;
                }
            }
            let _ = read_table("f.xlsx", &bytes, Lang::En, 50);
        }
    }

    #[test]
    fn spreadsheet_serial_dates_become_iso_dates() {
        assert_eq!(serial_date(45_603.0), "2024-11-07");
        assert_eq!(serial_date(25_569.0), "1970-01-01");
        assert_eq!(serial_date(36_526.5), "2000-01-01");
    }

    fn rows(table: &Table) -> Vec<Vec<String>> {
        table
            .rows()
            .map(|(_, row)| row.into_iter().map(String::from).collect())
            .collect()
    }

    #[test]
    fn csv_in_utf8_or_cp949_with_any_common_separator_reads_as_rows() {
        let table = read_table(
            "f.csv",
            "\u{feff}id,name\nf1,\"가, 나\"\n".as_bytes(),
            Lang::En,
            10,
        )
        .expect("rows");
        assert_eq!(rows(&table), vec![vec!["id", "name"], vec!["f1", "가, 나"]]);
        // "id;이름\nf1;가" as Korean Excel saves it: CP949, semicolons.
        let (cp949, _, _) = encoding_rs::EUC_KR.encode("id;이름\nf1;가\n");
        let table = read_table("f.csv", &cp949, Lang::En, 10).expect("rows");
        assert_eq!(rows(&table), vec![vec!["id", "이름"], vec!["f1", "가"]]);
        let error = read_table("f.csv", b"id\n\xff\xff\xff", Lang::En, 10).expect_err("not text");
        assert!(error.contains("neither UTF-8 nor CP949"), "{error}");
        let error = read_table("notes.txt", b"hello", Lang::Ko, 10).expect_err("not a table");
        assert!(error.contains(".xlsx 또는 .csv"), "{error}");
    }

    #[test]
    fn a_csv_is_refused_at_the_first_row_or_column_beyond_the_limits() {
        let ok = read_table("f.csv", b"id\na\nb\nc\n", Lang::En, 3).expect("three data rows");
        assert_eq!(rows(&ok).len(), 4);
        let error = read_table("f.csv", b"id\na\nb\nc\nd\n", Lang::En, 3).expect_err("four");
        assert!(
            error.contains("line 5") && error.contains("3 data rows"),
            "{error}"
        );
        let wide = format!("{}x\n", ",".repeat(MAX_COLUMNS as usize));
        let error = read_table("f.csv", wide.as_bytes(), Lang::Ko, 3).expect_err("too wide");
        assert!(error.contains("줄 1, 열 BM"), "{error}");
    }

    #[test]
    fn cells_out_of_order_are_read_in_row_order_and_blank_ones_are_not_kept() {
        let mut table = Table::default();
        table.push(2, 1, "b3").expect("room");
        table.push(0, 0, "a1").expect("room");
        table.push(2, 0, "a3").expect("room");
        table.push(1, 0, "").expect("room");
        let table = table.finish();
        let read: Vec<(u32, Vec<&str>)> = table.rows().collect();
        assert_eq!(read, vec![(0, vec!["a1"]), (2, vec!["a3", "b3"])]);
    }

    /// Sets the uncompressed size the zip's central directory declares for `entry`.
    fn declare(bytes: &mut [u8], entry: &str, size: u32) {
        let mut at = 0;
        while let Some(found) = bytes[at..]
            .windows(4)
            .position(|w| w == [0x50, 0x4b, 0x01, 0x02])
        {
            let header = at + found;
            let length = u16::from_le_bytes([bytes[header + 28], bytes[header + 29]]) as usize;
            if &bytes[header + 46..header + 46 + length] == entry.as_bytes() {
                bytes[header + 24..header + 28].copy_from_slice(&size.to_le_bytes());
                return;
            }
            at = header + 4;
        }
        panic!("no {entry}");
    }

    fn workbook() -> Vec<u8> {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        for row in 0..50 {
            sheet.write_string(row, 0, "id").expect("written");
            sheet.write_number(row, 1, 1.0).expect("written");
        }
        workbook.save_to_buffer().expect("saved")
    }

    #[test]
    fn zip_entries_are_refused_from_their_declared_sizes_and_cannot_inflate_beyond_them() {
        let limits = ZipLimits {
            sheet: 1_000,
            strings: 500,
            other: 100_000,
            total: 200_000,
        };
        let mut bytes = workbook();
        check_zip("a.xlsx", &bytes, Lang::En, &ZIP_LIMITS).expect("within the limits");
        let error = check_zip("a.xlsx", &bytes, Lang::En, &limits).expect_err("sheet");
        assert!(
            error.contains("a.xlsx: xl/worksheets/sheet1.xml — expands to 0.0 MB"),
            "{error}"
        );
        declare(&mut bytes, "xl/sharedStrings.xml", 600);
        let error = check_zip(
            "a.xlsx",
            &bytes,
            Lang::Ko,
            &ZipLimits {
                sheet: 1 << 20,
                ..limits
            },
        )
        .expect_err("strings");
        assert!(
            error.contains("xl/sharedStrings.xml — 압축을 풀면"),
            "{error}"
        );
        let error = check_zip(
            "a.xlsx",
            &bytes,
            Lang::En,
            &ZipLimits {
                sheet: 1 << 20,
                strings: 1 << 20,
                other: 1 << 20,
                total: 10_000,
            },
        )
        .expect_err("total");
        assert!(error.contains("all entries — expands to"), "{error}");
        // A sheet that declares fewer bytes than it holds is refused while it is read.
        let mut lying = workbook();
        declare(&mut lying, "xl/worksheets/sheet1.xml", 100);
        let error = read_table("a.xlsx", &lying, Lang::En, 100).expect_err("lies");
        assert!(error.contains("larger than its declared"), "{error}");
        assert_eq!(
            rows(&read_table("a.xlsx", &workbook(), Lang::En, 100).expect("reads")).len(),
            50
        );
    }

    #[test]
    fn columns_are_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(cell_name(1_048_575, 16_383), "XFD1048576");
    }
}
