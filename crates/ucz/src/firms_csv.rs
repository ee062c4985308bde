//! Firms as CSV: one row per firm, columns named as the fields of the firm schema
//! (`docs/firm.md`). Reading reports every bad row with its line, column and value.
//!
//! The file is read in large blocks, each cut after its last record (quotes honoured: a quoted
//! value may hold commas, doubled quotes and line breaks); the blocks are parsed on every core
//! straight into firm columns (`ucz_core::firm::columns`) and appended in file order. Nothing
//! is allocated per field, and no more of the file is held than the blocks in flight.

use std::io::{Read, Write};

use ucz_core::firm::Firm;
use ucz_core::firm::columns::{Cell, FirmBatch, Part, Row, Setup};
use ucz_core::id::Id;

pub use ucz_core::firm::columns::{COLUMNS, REQUIRED};

/// A row that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    /// `line` of a CSV, `row` of a table.
    pub unit: &'static str,
    pub line: u64,
    pub column: String,
    pub value: String,
    pub reason: String,
}

impl std::fmt::Display for BadRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}, column {}, value \"{}\": {}",
            self.unit, self.line, self.column, self.value, self.reason
        )
    }
}

/// The firms of a file in columns, and its bad rows in file order.
pub struct FirmsFile {
    pub batch: FirmBatch,
    pub bad: Vec<BadRow>,
}

/// How a file is read: block size and threads (small blocks in tests, to cross their edges).
#[derive(Clone, Copy)]
pub struct Reading {
    pub block: usize,
    pub threads: usize,
    /// The input's size when known, to size the columns once.
    pub size: Option<u64>,
}

impl Reading {
    pub fn new(threads: usize, size: Option<u64>) -> Self {
        Reading {
            block: 4 << 20,
            threads,
            size,
        }
    }
}

/// Reads every row; bad rows (a row with more fields than the header among them) are collected,
/// not fatal. A header without a required column, with a column that is not a firm field (a
/// misspelt one would silently read as empty) or with a column twice (which one would count?), is
/// an error for the whole file, and so is a read that fails (an input past its size limit).
pub fn read(
    mut input: impl Read,
    setup: &Setup<'_>,
    reading: Reading,
    mut progress: impl FnMut(u64),
) -> Result<FirmsFile, String> {
    let block = reading.block.max(1);
    let mut pending: Vec<u8> = Vec::with_capacity(block);
    let mut eof = false;
    let mut read_bytes = 0u64;
    let mut fill = |pending: &mut Vec<u8>, eof: &mut bool, want: usize| -> Result<(), String> {
        while !*eof && pending.len() < want {
            let start = pending.len();
            pending.resize(want, 0);
            match input.read(&mut pending[start..]) {
                Ok(0) => {
                    pending.truncate(start);
                    *eof = true;
                }
                Ok(n) => {
                    pending.truncate(start + n);
                    read_bytes += n as u64;
                    progress(read_bytes);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => pending.truncate(start),
                Err(e) => return Err(e.to_string()),
            }
        }
        Ok(())
    };

    // The header: the first record, after a byte order mark.
    let mut want = block;
    let header_end = loop {
        fill(&mut pending, &mut eof, want)?;
        if let Some(end) = last_record_end(&pending, true) {
            break end;
        }
        if eof {
            break pending.len();
        }
        want = (pending.len() * 2).max(block);
    };
    let skip = if pending.starts_with(b"\xef\xbb\xbf") {
        3
    } else {
        0
    };
    let mut scratch = Vec::new();
    let mut fields = Vec::new();
    let mut cursor = Cursor { at: skip, line: 1 };
    let header = next_record(
        &pending[..header_end],
        &mut cursor,
        &mut fields,
        &mut scratch,
    );
    let mut names = Vec::new();
    if header.is_some() {
        for field in &fields {
            let text = std::str::from_utf8(field.bytes(&pending, &scratch))
                .map_err(|_| "cannot read the header: it is not UTF-8 text".to_string())?;
            names.push(text.trim_start_matches('\u{feff}').trim().to_string());
        }
    }
    let index = check_names(&names, Names::Header)?;
    let header_len = names.len();
    let first_line = cursor.line;
    pending.drain(..cursor.at);

    let reading_size = reading.size;
    // Blocks parsed come back to be filled again: fresh ones would be faulted in page by page.
    let spare: std::sync::Mutex<Vec<Vec<u8>>> = std::sync::Mutex::new(Vec::new());
    let (batch, bad) = crate::ingest::pipeline(
        setup,
        reading.threads,
        reading_size,
        "line",
        |send| {
            let mut line = first_line;
            let mut want = block;
            loop {
                fill(&mut pending, &mut eof, want)?;
                if pending.is_empty() && eof {
                    return Ok(());
                }
                let end = if eof {
                    Some(pending.len())
                } else {
                    last_record_end(&pending, false)
                };
                let Some(end) = end else {
                    // One record longer than a block (the line limit bounds it): read on.
                    want = pending.len() * 2;
                    continue;
                };
                want = block;
                let mut next = spare
                    .lock()
                    .ok()
                    .and_then(|mut s| s.pop())
                    .unwrap_or_else(|| Vec::with_capacity(block));
                next.clear();
                next.extend_from_slice(&pending[end..]);
                pending.truncate(end);
                let lines = memchr::memchr_iter(b'\n', &pending).count() as u64;
                let full = std::mem::replace(&mut pending, next);
                if !send((full, line)) {
                    return Err("reading stopped unexpectedly".into());
                }
                line += lines;
            }
        },
        |(bytes, line): (Vec<u8>, u64), parts| {
            // Rows of firm files are some 100 bytes; room for rows of 64 wastes little.
            let mut part = parts.part(bytes.len() / 64 + 1);
            let bad = parse_block(&mut part, &bytes, line, &index, header_len);
            let units = bytes.len() as u64;
            if let Ok(mut spare) = spare.lock() {
                spare.push(bytes);
            }
            parts.emit((part, bad, units));
            Ok(())
        },
    )?;
    Ok(FirmsFile { batch, bad })
}

/// Where a file's column names come from, for the wording of what is wrong with them.
#[derive(Clone, Copy)]
pub enum Names {
    /// A CSV file's header line.
    Header,
    /// A Parquet or Arrow table's schema.
    Table,
}

/// Checks a file's column names — none unknown (a misspelt one would silently read as empty),
/// none twice, every required one present — and gives each name's column in [`COLUMNS`].
pub fn check_names<S: AsRef<str>>(names: &[S], from: Names) -> Result<Vec<Option<usize>>, String> {
    let names: Vec<&str> = names.iter().map(AsRef::as_ref).collect();
    let unknown: Vec<&str> = names
        .iter()
        .copied()
        .filter(|h| !COLUMNS.contains(h))
        .collect();
    if !unknown.is_empty() {
        return Err(format!(
            "unknown column `{}`; expected columns: {}",
            unknown.join("`, `"),
            COLUMNS.join(",")
        ));
    }
    for (i, name) in names.iter().enumerate() {
        if let Some(first) = names[..i].iter().position(|h| h == name) {
            let (first, second) = (first + 1, i + 1);
            return Err(match from {
                Names::Header => format!(
                    "line 1, column {name}: the header has it twice (fields {first} and {second})"
                ),
                Names::Table => {
                    format!("column {name}: the table has it twice (columns {first} and {second})")
                }
            });
        }
    }
    let whole = match from {
        Names::Header => "header",
        Names::Table => "table",
    };
    for required in REQUIRED {
        if !names.contains(&required) {
            return Err(format!(
                "the {whole} has no column `{required}`; expected columns: {}",
                COLUMNS.join(",")
            ));
        }
    }
    Ok(names
        .iter()
        .map(|h| COLUMNS.iter().position(|c| c == h))
        .collect())
}

/// The end (after its line break) of the last whole record of `bytes`, which start at a record's
/// start; with `first`, of the first record instead. A quote opens a quoted value only at a
/// value's start, as the CSV readers have it; inside one, `""` is a quote and line breaks are
/// text.
pub fn last_record_end(bytes: &[u8], first: bool) -> Option<usize> {
    let mut last = None;
    let mut quoted = false;
    let mut at = 0;
    while let Some(found) = if quoted {
        memchr::memchr(b'"', &bytes[at..])
    } else {
        memchr::memchr2(b'"', b'\n', &bytes[at..])
    } {
        let i = at + found;
        if quoted {
            // A quote closes the value unless doubled; one at the very end waits for more.
            match bytes.get(i + 1) {
                Some(b'"') => at = i + 2,
                Some(_) => {
                    quoted = false;
                    at = i + 1;
                }
                None => break,
            }
        } else if bytes[i] == b'\n' {
            last = Some(i + 1);
            if first {
                break;
            }
            at = i + 1;
        } else {
            quoted = i == 0 || matches!(bytes[i - 1], b',' | b'\n' | b'\r');
            at = i + 1;
        }
    }
    last
}

/// Where a value of a record is: in the block, or unescaped into the scratch buffer.
#[derive(Clone, Copy)]
enum Span {
    Block(usize, usize),
    Scratch(usize, usize),
}

impl Span {
    fn bytes<'a>(&self, block: &'a [u8], scratch: &'a [u8]) -> &'a [u8] {
        match *self {
            Span::Block(a, b) => &block[a..b],
            Span::Scratch(a, b) => &scratch[a..b],
        }
    }
}

struct Cursor {
    at: usize,
    line: u64,
}

/// Splits the next record off `bytes` at the cursor into `fields`; its line, or none at the end.
/// Blank lines are skipped; a record ends at `\n`, `\r\n` or `\r`.
fn next_record(
    bytes: &[u8],
    cursor: &mut Cursor,
    fields: &mut Vec<Span>,
    scratch: &mut Vec<u8>,
) -> Option<u64> {
    fields.clear();
    scratch.clear();
    let mut i = cursor.at;
    while i < bytes.len() && matches!(bytes[i], b'\n' | b'\r') {
        if bytes[i] == b'\n' {
            cursor.line += 1;
        }
        i += 1;
    }
    if i >= bytes.len() {
        cursor.at = i;
        return None;
    }
    let line = cursor.line;
    loop {
        // One value, starting at i.
        let span;
        if bytes.get(i) == Some(&b'"') {
            let open = i + 1;
            let start = scratch.len();
            // Whether the value is copied out (it has a doubled quote, or text after its quote).
            let mut copied = false;
            let mut j = open;
            let content_end;
            loop {
                let Some(k) = memchr::memchr(b'"', &bytes[j..]) else {
                    // An unclosed quote runs to the end of the input.
                    cursor.line += memchr::memchr_iter(b'\n', &bytes[j..]).count() as u64;
                    if copied {
                        scratch.extend_from_slice(&bytes[j..]);
                    }
                    content_end = bytes.len();
                    j = bytes.len();
                    break;
                };
                let q = j + k;
                cursor.line += memchr::memchr_iter(b'\n', &bytes[j..q]).count() as u64;
                if bytes.get(q + 1) == Some(&b'"') {
                    let from = if copied { j } else { open };
                    scratch.extend_from_slice(&bytes[from..=q]);
                    copied = true;
                    j = q + 2;
                } else {
                    if copied {
                        scratch.extend_from_slice(&bytes[j..q]);
                    }
                    content_end = q;
                    j = q + 1;
                    break;
                }
            }
            // Text after the closing quote belongs to the value, as the CSV readers have it.
            let k = memchr::memchr3(b',', b'\n', b'\r', &bytes[j..]).map_or(bytes.len(), |k| j + k);
            if k > j && !copied {
                scratch.extend_from_slice(&bytes[open..content_end]);
                copied = true;
            }
            if copied {
                scratch.extend_from_slice(&bytes[j..k]);
                span = Span::Scratch(start, scratch.len());
            } else {
                span = Span::Block(open, content_end);
            }
            i = k;
        } else {
            let end =
                memchr::memchr3(b',', b'\n', b'\r', &bytes[i..]).map_or(bytes.len(), |k| i + k);
            span = Span::Block(i, end);
            i = end;
        }
        fields.push(span);
        match bytes.get(i) {
            Some(b',') => i += 1,
            Some(b'\r') => {
                i += 1;
                if bytes.get(i) == Some(&b'\n') {
                    i += 1;
                    cursor.line += 1;
                }
                break;
            }
            Some(b'\n') => {
                i += 1;
                cursor.line += 1;
                break;
            }
            _ => break,
        }
    }
    cursor.at = i;
    Some(line)
}

/// Parses one block of whole records, starting at `line`.
fn parse_block(
    part: &mut Part<'_>,
    bytes: &[u8],
    line: u64,
    index: &[Option<usize>],
    header_len: usize,
) -> Vec<BadRow> {
    let mut bad = Vec::new();
    let mut fields = Vec::with_capacity(header_len + 1);
    let mut scratch = Vec::new();
    let mut cursor = Cursor { at: 0, line };
    // Checked once for the block: a value between delimiters of valid text is valid text.
    let text = std::str::from_utf8(bytes).ok();
    while let Some(line) = next_record(bytes, &mut cursor, &mut fields, &mut scratch) {
        if fields.len() > header_len {
            let value = fields[header_len].bytes(bytes, &scratch);
            bad.push(BadRow {
                unit: "line",
                line,
                column: (header_len + 1).to_string(),
                value: String::from_utf8_lossy(value).into_owned(),
                reason: format!(
                    "the row has {} fields, the header {}",
                    fields.len(),
                    header_len
                ),
            });
            continue;
        }
        let mut row: Row<'_> = [Cell::Empty; ucz_core::firm::columns::COLUMNS.len()];
        let mut not_text = None;
        for (field, column) in fields.iter().zip(index) {
            let Some(column) = column else { continue };
            let value = match (field, text) {
                (Span::Block(a, b), Some(text)) => text.get(*a..*b).ok_or(()),
                _ => std::str::from_utf8(field.bytes(bytes, &scratch)).map_err(|_| ()),
            };
            match value {
                Ok(value) => {
                    let value = trim(value);
                    if !value.is_empty() {
                        row[*column] = Cell::Text(value);
                    }
                }
                Err(_) => {
                    not_text.get_or_insert((*column, field));
                }
            }
        }
        if let Some((column, field)) = not_text {
            bad.push(BadRow {
                unit: "line",
                line,
                column: COLUMNS[column].to_string(),
                value: String::from_utf8_lossy(field.bytes(bytes, &scratch)).into_owned(),
                reason: "is not UTF-8 text (save the file as UTF-8; EUC-KR and CP949 are not read)"
                    .into(),
            });
            continue;
        }
        if let Err(problem) = part.push(&row, line) {
            bad.push(BadRow {
                unit: "line",
                line,
                column: problem.column.to_string(),
                value: problem.value,
                reason: problem.reason,
            });
        }
    }
    bad
}

/// A value without its surrounding white space; most have none.
fn trim(value: &str) -> &str {
    match (value.as_bytes().first(), value.as_bytes().last()) {
        (Some(a), Some(z)) if (0x21..0x7f).contains(a) && (0x21..0x7f).contains(z) => value,
        _ => value.trim(),
    }
}

/// Writes firms as CSV with the header [`COLUMNS`].
pub fn write(out: impl Write, firms: &[Firm]) -> std::io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(COLUMNS)?;
    for f in firms {
        let designations: Vec<&str> = f.designations.iter().map(Id::as_str).collect();
        writer.write_record([
            f.id.as_str(),
            &f.name,
            &f.founded.map(|d| d.to_string()).unwrap_or_default(),
            f.stage.as_str(),
            &f.employees.to_string(),
            &f.youth_employees.to_string(),
            &f.revenue_krw.to_string(),
            &f.rnd_spend_krw.to_string(),
            &f.export_revenue_krw.to_string(),
            &f.sector,
            f.region.as_str(),
            &f.zone,
            &designations.join(";"),
            &f.in_incubator.to_string(),
            &f.graduated_incubator.to_string(),
            &f.venture_certified.to_string(),
            &f.has_rnd_lab.to_string(),
            &f.founder_age.to_string(),
            &f.research_institute_share.to_string(),
            &f.high_tech_sales_share.to_string(),
            &f.strategic_industry.to_string(),
            &f.owns_home.to_string(),
            &f.assets_krw.to_string(),
        ])?;
    }
    writer.flush()
}

#[cfg(test)]
mod tests {
    use std::sync::LazyLock;

    use proptest::prelude::*;
    use ucz_core::Catalog;
    use ucz_core::date::Date;
    use ucz_core::firm::FirmField;

    use super::*;

    static CATALOG: LazyLock<Catalog> =
        LazyLock::new(|| Catalog::bundled().unwrap_or_else(|e| panic!("{e}")));

    const GOOD: &str = "id,name,founded,stage,employees,region,zone,designations,in_incubator,founder_age\n\
        a,\"Alpha, Inc.\",2025-01-01,early,3,daejeon,daejeon,rnd_special_zone,true,30\n\
        b,Beta,2020-02-29,growth,\"1,200\",busan,,,false,41\n";

    fn as_of() -> Date {
        "2026-06-30"
            .parse()
            .unwrap_or_else(|e: String| panic!("{e}"))
    }

    fn read_with(text: &[u8], block: usize, threads: usize) -> Result<FirmsFile, String> {
        let setup = Setup::new(&CATALOG, as_of(), &[FirmField::Employees]);
        let reading = Reading {
            block,
            threads,
            size: Some(text.len() as u64),
        };
        read(text, &setup, reading, |_| {})
    }

    fn read_str(text: &[u8]) -> Result<FirmsFile, String> {
        read_with(text, 4 << 20, 2)
    }

    fn ids(file: &FirmsFile) -> Vec<String> {
        (0..file.batch.len)
            .map(|i| String::from_utf8_lossy(file.batch.ids.get(i)).into_owned())
            .collect()
    }

    fn employees(file: &FirmsFile) -> Vec<i64> {
        match file.batch.columns.first() {
            Some((_, ucz_core::rule::columnar::Column::Ints(v))) => v.to_vec(),
            _ => Vec::new(),
        }
    }

    fn bad(file: &FirmsFile) -> Vec<String> {
        file.bad.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn good_rows_are_read() {
        let file = read_str(GOOD.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        assert!(file.bad.is_empty(), "{:?}", file.bad);
        assert_eq!(ids(&file), ["a", "b"]);
        assert_eq!(employees(&file), [3, 1200]);
    }

    #[test]
    fn a_column_twice_refuses_the_file() {
        let error = read_str(b"id,stage,region,founder_age,region\n").err();
        assert_eq!(
            error.as_deref(),
            Some("line 1, column region: the header has it twice (fields 3 and 5)")
        );
        // Named twice once spaces and a byte order mark are taken off.
        let error = read_str("\u{feff}id,stage,region,founder_age, id\n".as_bytes()).err();
        assert_eq!(
            error.as_deref(),
            Some("line 1, column id: the header has it twice (fields 1 and 5)")
        );
        let error = read_str(b"id,stage,region,founder_age,colour\n").err();
        assert!(
            error.is_some_and(|e| e.starts_with("unknown column `colour`")),
            "an unknown column"
        );
        let error = read_str(b"").err();
        assert!(
            error.is_some_and(|e| e.starts_with("the header has no column `id`")),
            "an empty file"
        );
    }

    #[test]
    fn a_row_with_an_extra_field_is_a_bad_row_even_when_empty() {
        let file = read_str(
            b"id,stage,region,founded,founder_age\na,early,daejeon,2025-01-01,30,\nb,early,daejeon,2025-01-01,31\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ids(&file), ["b"], "{:?}", file.bad);
        assert_eq!(
            bad(&file),
            ["line 2, column 6, value \"\": the row has 6 fields, the header 5"]
        );
        // A short row reads its missing fields as empty, as before.
        let file = read_str(
            b"id,stage,region,founded,founder_age,employees\na,early,daejeon,2025-01-01,30\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ids(&file), ["a"], "{:?}", file.bad);
    }

    #[test]
    fn quotes_line_breaks_bom_and_blank_lines() {
        let text = "\u{feff}id,name,stage,region,founder_age,employees\r\n\
            \"a,1\",\"say \"\"hi\"\", twice\",pre_startup,daejeon,30,\"1,000\"\r\n\
            \r\n\
            \"b\"\"\",,pre_startup,daejeon,31,\r\n\
            \"c\r\nx\",x,pre_startup,daejeon,32,three\r\n\
            d,,pre_startup,daejeon,33, 7 \r\n\
            e,,seed,daejeon,34,";
        for block in [1, 2, 3, 7, 64, 4 << 20] {
            let file = read_with(text.as_bytes(), block, 3).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(
                ids(&file),
                ["a,1", "b\"", "d"],
                "block {block}: {:?}",
                bad(&file)
            );
            assert_eq!(employees(&file), [1000, 0, 7], "block {block}");
            // Line 3 is blank; the id of line 5 runs on to line 6.
            let bad = bad(&file);
            assert_eq!(bad.len(), 2, "block {block}: {bad:?}");
            assert_eq!(
                bad[0], "line 5, column employees, value \"three\": is not a whole number",
                "block {block}"
            );
            assert!(
                bad[1].starts_with("line 8, column stage, value \"seed\": unknown stage"),
                "block {block}: {bad:?}"
            );
        }
    }

    #[test]
    fn duplicates_name_the_first_line_across_blocks() {
        let text = b"id,stage,region,founder_age\na,pre_startup,daejeon,30\nb,pre_startup,daejeon,30\n\n\"a\",pre_startup,daejeon,30\n";
        for block in [1, 5, 40, 4 << 20] {
            let file = read_with(text, block, 2).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(ids(&file), ["a", "b"], "block {block}: {:?}", bad(&file));
            assert_eq!(
                bad(&file),
                ["line 5, column id, value \"a\": duplicate id (first at line 2)"],
                "block {block}"
            );
        }
    }

    #[test]
    fn bytes_that_are_not_utf8_are_a_bad_row() {
        let file = read_str(b"id,stage,region,founder_age,name\na,early,daejeon,30,\xff\n")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(file.bad.len(), 1);
        assert_eq!(file.bad[0].line, 2);
        assert_eq!(file.bad[0].column, "name");
    }

    /// Records as the csv crate splits them, with their lines.
    fn csv_crate(bytes: &[u8]) -> Vec<(u64, Vec<Vec<u8>>)> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes);
        let mut out = Vec::new();
        let mut record = csv::ByteRecord::new();
        while let Ok(true) = reader.read_byte_record(&mut record) {
            let line = record.position().map_or(0, |p| p.line());
            out.push((line, record.iter().map(<[u8]>::to_vec).collect()));
        }
        out
    }

    fn ours(bytes: &[u8]) -> Vec<(u64, Vec<Vec<u8>>)> {
        let mut out = Vec::new();
        let (mut fields, mut scratch) = (Vec::new(), Vec::new());
        let mut cursor = Cursor { at: 0, line: 1 };
        while let Some(line) = next_record(bytes, &mut cursor, &mut fields, &mut scratch) {
            out.push((
                line,
                fields
                    .iter()
                    .map(|f| f.bytes(bytes, &scratch).to_vec())
                    .collect(),
            ));
        }
        out
    }

    /// CSV punctuation, firm values and odd bytes.
    fn piece() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            "[,\"\r\n a-z0-9_;.-]{0,6}".prop_map(String::into_bytes),
            proptest::sample::select(&COLUMNS[..]).prop_map(|c| c.as_bytes().to_vec()),
            proptest::sample::select(
                &[
                    "early",
                    "daejeon",
                    "true",
                    "2025-01-01",
                    "-1",
                    "9223372036854775808",
                    "\u{feff}",
                    "가"
                ][..]
            )
            .prop_map(|c| c.as_bytes().to_vec()),
            proptest::collection::vec(any::<u8>(), 0..6),
        ]
    }

    fn mutated() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec((any::<usize>(), 0usize..5, piece()), 1..8).prop_map(|edits| {
            let mut bytes = GOOD.as_bytes().to_vec();
            for (at, delete, insert) in edits {
                let at = at % (bytes.len() + 1);
                let end = (at + delete).min(bytes.len());
                bytes.splice(at..end, insert);
            }
            bytes
        })
    }

    fn any_input() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            3 => mutated(),
            1 => proptest::collection::vec(piece(), 0..30).prop_map(|v| v.concat()),
            1 => proptest::collection::vec(any::<u8>(), 0..300),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

        /// Records split as the csv crate splits them: the same values and lines.
        #[test]
        fn records_split_as_the_csv_crate_splits_them(bytes in any_input()) {
            // The csv crate drops a byte order mark at the start; the reader does that itself.
            prop_assume!(!bytes.starts_with(b"\xef\xbb\xbf"));
            // The same values; the lines are where each record starts, where the csv crate
            // counts blank lines before a record as its own.
            let (ours, theirs) = (ours(&bytes), csv_crate(&bytes));
            prop_assert_eq!(
                ours.iter().map(|r| &r.1).collect::<Vec<_>>(),
                theirs.iter().map(|r| &r.1).collect::<Vec<_>>()
            );
            for ((ours, _), (theirs, _)) in ours.iter().zip(&theirs) {
                prop_assert!(ours >= theirs);
            }
        }

        /// Any bytes give firms, bad rows or a refusal, never a panic, whatever the block size;
        /// every bad row has a line of the input and a column.
        #[test]
        fn any_bytes_are_read_alike_in_any_blocks(bytes in any_input(), block in 1usize..40) {
            let whole = read_str(&bytes);
            let blocks = read_with(&bytes, block, 3);
            match (&whole, &blocks) {
                (Err(a), Err(b)) => {
                    prop_assert!(!a.trim().is_empty(), "a refusal without a message");
                    prop_assert_eq!(a, b);
                }
                (Ok(a), Ok(b)) => {
                    prop_assert_eq!(ids(a), ids(b));
                    prop_assert_eq!(employees(a), employees(b));
                    prop_assert_eq!(bad(a), bad(b));
                    let lines = bytes.iter().filter(|b| **b == b'\n').count() as u64 + 1;
                    for row in &a.bad {
                        prop_assert!(row.line >= 1 && row.line <= lines, "{row} of {lines} lines");
                        prop_assert!(!row.column.is_empty() && !row.reason.is_empty(), "{row}");
                    }
                }
                _ => prop_assert!(false, "{:?} / {:?}", whole.as_ref().err(), blocks.as_ref().err()),
            }
        }
    }
}
