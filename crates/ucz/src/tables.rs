//! Firms and pairs as tables: Apache Parquet and Arrow IPC files, read with the natural column
//! types (`docs/firm.md`) into firm columns, and written by `synth firms` and `match --out`.

use std::io::{Read, Seek, Write};
use std::ops::Range;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    ArrowPrimitiveType, Date32Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type,
    UInt16Type, UInt32Type,
};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Date32Array, DictionaryArray, GenericStringArray, Int64Array,
    RecordBatch, StringArray, StringViewArray, UInt16Array,
};
use arrow_buffer::NullBuffer;
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder, RowSelection,
    RowSelector,
};
use parquet::basic::Compression;
use parquet::file::metadata::PageIndexPolicy;
use parquet::file::properties::WriterProperties;
use parquet::file::reader::ChunkReader;
use ucz_core::date::Date;
use ucz_core::firm::Firm;
use ucz_core::firm::columns::{COLUMNS, Cell, Ids, Part, Row, Setup, col};

use crate::firms_csv::{BadRow, FirmsFile, Names, check_names};

/// Rows per record batch read or written.
const BATCH: usize = 65_536;

/// Rows per record batch read from Parquet: small enough that a batch's arrays are still in the
/// core's cache when its rows are checked.
const READ_BATCH: usize = 8_192;

/// Rows per part a row group is cut into, so that merging starts before a row group is read.
const PART_ROWS: usize = 4 * BATCH;

/// Reads a Parquet file of firms, its row groups on every core: `open` gives each thread its own
/// reader of the file.
pub fn read_parquet<R: ChunkReader + 'static>(
    open: impl Fn() -> Result<R, String> + Sync,
    setup: &Setup<'_>,
    threads: usize,
) -> Result<FirmsFile, String> {
    read_parquet_in(open, setup, threads, PART_ROWS)
}

/// [`read_parquet`] in pieces of `part_rows` rows.
fn read_parquet_in<R: ChunkReader + 'static>(
    open: impl Fn() -> Result<R, String> + Sync,
    setup: &Setup<'_>,
    threads: usize,
    part_rows: usize,
) -> Result<FirmsFile, String> {
    let unreadable = |e: parquet::errors::ParquetError| format!("not a readable Parquet file: {e}");
    let metadata = hinted_metadata(&open()?).map_err(unreadable)?;
    let index = check_schema(metadata.schema())?;
    let groups = metadata.metadata().row_groups();
    let rows = u64::try_from(metadata.metadata().file_metadata().num_rows()).unwrap_or(0);
    // Each row group's first row, counted from 1.
    let firsts: Vec<u64> = groups
        .iter()
        .scan(1u64, |first, group| {
            let this = *first;
            *first += u64::try_from(group.num_rows()).unwrap_or(0);
            Some(this)
        })
        .collect();
    // Pieces of a row group where its pages can be found without reading the ones before (the
    // offset index, which ucz and most writers write): the merge then waits on no more than a
    // piece per thread, whatever the row groups' size. Otherwise a piece is a whole row group.
    let pieces: Vec<(usize, Option<RowSelection>, u64)> = groups
        .iter()
        .enumerate()
        .flat_map(|(group, meta)| {
            let len = usize::try_from(meta.num_rows()).unwrap_or(0);
            let indexed = metadata
                .metadata()
                .offset_index()
                .and_then(|index| index.get(group))
                .is_some_and(|columns| !columns.is_empty());
            let step = if indexed {
                part_rows.max(1)
            } else {
                len.max(1)
            };
            let first = firsts[group];
            (0..len.max(1)).step_by(step).map(move |start| {
                let take = step.min(len - start.min(len));
                let selection = (indexed && take < len).then(|| {
                    RowSelection::from(vec![RowSelector::skip(start), RowSelector::select(take)])
                });
                (group, selection, first + start as u64)
            })
        })
        .collect();
    let (batch, bad) = crate::ingest::pipeline(
        setup,
        threads,
        Some(rows),
        "row",
        |send| {
            for piece in pieces {
                if !send(piece) {
                    return Err("reading stopped unexpectedly".into());
                }
            }
            Ok(())
        },
        |(group, selection, mut first): (usize, Option<RowSelection>, u64), parts| {
            let mut reader =
                ParquetRecordBatchReaderBuilder::new_with_metadata(open()?, metadata.clone())
                    .with_row_groups(vec![group])
                    .with_batch_size(READ_BATCH);
            if let Some(selection) = selection {
                reader = reader.with_row_selection(selection);
            }
            let batches = reader.build().map_err(unreadable)?;
            let size = usize::try_from(groups[group].num_rows()).unwrap_or(0);
            let mut part = parts.part(size.min(part_rows));
            let (mut bad, mut units) = (Vec::new(), 0u64);
            for batch in batches {
                let batch = batch.map_err(|e| format!("cannot read a record batch: {e}"))?;
                read_batch(&mut part, &batch, first, &index, &mut bad);
                let len = batch.num_rows() as u64;
                first += len;
                units += len;
                if units as usize >= part_rows {
                    let full = std::mem::replace(&mut part, parts.part(part_rows));
                    parts.emit((full, std::mem::take(&mut bad), units));
                    units = 0;
                }
            }
            if units > 0 || !bad.is_empty() {
                parts.emit((part, bad, units));
            }
            Ok(())
        },
    )?;
    Ok(FirmsFile { batch, bad })
}

/// The file's metadata, asking for the text columns that name a catalog value (stage, sector,
/// region, zone, designations) as dictionaries where the file stores them so: each distinct
/// value is then checked once per batch. A file whose columns do not take the hint is read as
/// it is.
fn hinted_metadata<R: ChunkReader>(
    reader: &R,
) -> Result<ArrowReaderMetadata, parquet::errors::ParquetError> {
    let with_offsets =
        ArrowReaderOptions::new().with_offset_index_policy(PageIndexPolicy::Optional);
    let plain = ArrowReaderMetadata::load(reader, with_offsets)?;
    let bare = ArrowReaderOptions::new().with_skip_arrow_metadata(true);
    let Ok(base) = ArrowReaderMetadata::try_new(plain.metadata().clone(), bare) else {
        return Ok(plain);
    };
    let Ok(index) = check_schema(base.schema()) else {
        return Ok(plain);
    };
    let fields: Vec<Field> = base
        .schema()
        .fields()
        .iter()
        .zip(&index)
        .map(|(field, column)| {
            let coded = matches!(
                column,
                Some(col::STAGE | col::SECTOR | col::REGION | col::ZONE | col::DESIGNATIONS)
            );
            if coded && *field.data_type() == DataType::Utf8 {
                let dictionary =
                    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
                field.as_ref().clone().with_data_type(dictionary)
            } else {
                field.as_ref().clone()
            }
        })
        .collect();
    let hint = Arc::new(Schema::new_with_metadata(
        fields,
        base.schema().metadata().clone(),
    ));
    let options = ArrowReaderOptions::new().with_schema(hint);
    Ok(ArrowReaderMetadata::try_new(plain.metadata().clone(), options).unwrap_or(plain))
}

/// Reads an Arrow IPC file (Feather 2) of firms: its record batches are read in turn and
/// checked on every core.
pub fn read_arrow<R: Read + Seek>(
    reader: R,
    setup: &Setup<'_>,
    threads: usize,
) -> Result<FirmsFile, String> {
    let mut batches = arrow_ipc::reader::FileReader::try_new(reader, None)
        .map_err(|e| format!("not a readable Arrow IPC file: {e}"))?;
    let index = check_schema(&batches.schema())?;
    let (batch, bad) = crate::ingest::pipeline(
        setup,
        threads,
        None,
        "row",
        |send| {
            let mut first = 1u64;
            for batch in batches.by_ref() {
                let batch = batch.map_err(|e| format!("cannot read a record batch: {e}"))?;
                let len = batch.num_rows() as u64;
                if !send((batch, first)) {
                    return Err("reading stopped unexpectedly".into());
                }
                first += len;
            }
            Ok(())
        },
        |(batch, first): (RecordBatch, u64), parts| {
            let mut part = parts.part(batch.num_rows());
            let mut bad = Vec::new();
            read_batch(&mut part, &batch, first, &index, &mut bad);
            parts.emit((part, bad, batch.num_rows() as u64));
            Ok(())
        },
    )?;
    Ok(FirmsFile { batch, bad })
}

/// Checks a table's columns as a CSV header is checked, and each column's type; gives each
/// table column's place in [`COLUMNS`].
fn check_schema(schema: &Schema) -> Result<Vec<Option<usize>>, String> {
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let index = check_names(&names, Names::Table)?;
    for (field, column) in schema.fields().iter().zip(&index) {
        if let Some(column) = column {
            check_type(*column, field.data_type())?;
        }
    }
    Ok(index)
}

fn is_text(t: &DataType) -> bool {
    match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, values) => {
            matches!(**values, DataType::Utf8 | DataType::LargeUtf8)
        }
        _ => false,
    }
}

fn check_type(column: usize, t: &DataType) -> Result<(), String> {
    let int = matches!(
        t,
        DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
    );
    let (ok, expected) = match column {
        col::FOUNDED => (
            is_text(t) || *t == DataType::Date32,
            "a date (Date32) or text (YYYY-MM-DD)",
        ),
        col::EMPLOYEES
        | col::YOUTH_EMPLOYEES
        | col::REVENUE_KRW
        | col::RND_SPEND_KRW
        | col::EXPORT_REVENUE_KRW
        | col::FOUNDER_AGE
        | col::RESEARCH_INSTITUTE_SHARE
        | col::HIGH_TECH_SALES_SHARE
        | col::ASSETS_KRW => (
            int || is_text(t),
            "an integer (Int8 to Int64, UInt8 to UInt32) or text",
        ),
        col::IN_INCUBATOR
        | col::GRADUATED_INCUBATOR
        | col::VENTURE_CERTIFIED
        | col::HAS_RND_LAB
        | col::STRATEGIC_INDUSTRY
        | col::OWNS_HOME => (*t == DataType::Boolean || is_text(t), "Boolean or text"),
        col::DESIGNATIONS => (
            is_text(t)
                || match t {
                    DataType::List(f) | DataType::LargeList(f) => is_text(f.data_type()),
                    _ => false,
                },
            "a list of strings, or text with `;` between ids",
        ),
        _ => (is_text(t), "text (Utf8, LargeUtf8 or a dictionary of Utf8)"),
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "column `{}` has type {t}; expected {expected}",
            COLUMNS[column]
        ))
    }
}

/// A column of a record batch, read value by value.
enum Access<'a> {
    Utf8(&'a GenericStringArray<i32>),
    LargeUtf8(&'a GenericStringArray<i64>),
    View(&'a StringViewArray),
    Dict {
        array: &'a dyn Array,
        keys: Vec<usize>,
        values: Box<Access<'a>>,
    },
    /// A dictionary whose values the part has coded: a cell per value.
    Coded {
        array: &'a dyn Array,
        keys: Vec<usize>,
        cells: Vec<Cell<'a>>,
        empty: Cell<'a>,
    },
    Int64(&'a Int64Array),
    Ints(&'a dyn Array, Vec<i64>),
    Bool(&'a BooleanArray),
    Date(&'a Date32Array),
    List(&'a dyn Array, Vec<usize>, Box<Access<'a>>),
}

impl<'a> Access<'a> {
    fn new(array: &'a ArrayRef) -> Option<Access<'a>> {
        Self::of(array.as_ref())
    }

    fn of(array: &'a dyn Array) -> Option<Access<'a>> {
        let widen = |values: Vec<i64>| Some(Access::Ints(array, values));
        match array.data_type() {
            DataType::Utf8 => Some(Access::Utf8(array.as_string::<i32>())),
            DataType::LargeUtf8 => Some(Access::LargeUtf8(array.as_string::<i64>())),
            DataType::Utf8View => Some(Access::View(array.as_string_view())),
            DataType::Dictionary(_, _) => {
                let dict = array.as_any_dictionary_opt()?;
                Some(Access::Dict {
                    array,
                    keys: dict.normalized_keys(),
                    values: Box::new(Access::of(dict.values().as_ref())?),
                })
            }
            DataType::Int64 => Some(Access::Int64(array.as_primitive::<Int64Type>())),
            DataType::Int32 => widen(widened::<Int32Type>(array)),
            DataType::Int16 => widen(widened::<Int16Type>(array)),
            DataType::Int8 => widen(widened::<Int8Type>(array)),
            DataType::UInt32 => widen(widened::<UInt32Type>(array)),
            DataType::UInt16 => widen(widened::<UInt16Type>(array)),
            DataType::UInt8 => widen(widened::<UInt8Type>(array)),
            DataType::Boolean => Some(Access::Bool(array.as_boolean())),
            DataType::Date32 => Some(Access::Date(array.as_primitive::<Date32Type>())),
            DataType::List(_) => {
                let list = array.as_list::<i32>();
                let offsets = list.value_offsets().iter().map(|o| *o as usize).collect();
                Some(Access::List(
                    array,
                    offsets,
                    Box::new(Access::of(list.values().as_ref())?),
                ))
            }
            DataType::LargeList(_) => {
                let list = array.as_list::<i64>();
                let offsets = list.value_offsets().iter().map(|o| *o as usize).collect();
                Some(Access::List(
                    array,
                    offsets,
                    Box::new(Access::of(list.values().as_ref())?),
                ))
            }
            _ => None,
        }
    }

    fn is_null(&self, i: usize) -> bool {
        match self {
            Access::Utf8(a) => a.is_null(i),
            Access::LargeUtf8(a) => a.is_null(i),
            Access::View(a) => a.is_null(i),
            Access::Dict { array, .. }
            | Access::Coded { array, .. }
            | Access::Ints(array, _)
            | Access::List(array, ..) => array.is_null(i),
            Access::Int64(a) => a.is_null(i),
            Access::Bool(a) => a.is_null(i),
            Access::Date(a) => a.is_null(i),
        }
    }

    fn text(&self, i: usize) -> Option<&'a str> {
        if self.is_null(i) {
            return None;
        }
        match self {
            Access::Utf8(a) => Some(a.value(i)),
            Access::LargeUtf8(a) => Some(a.value(i)),
            Access::View(a) => Some(a.value(i)),
            Access::Dict { keys, values, .. } => values.text(*keys.get(i)?),
            _ => None,
        }
    }

    /// The nulls of the column (a dictionary's are its keys').
    fn nulls(&self) -> Option<&'a NullBuffer> {
        let array: &'a dyn Array = match self {
            Access::Utf8(a) => *a,
            Access::LargeUtf8(a) => *a,
            Access::View(a) => *a,
            Access::Int64(a) => *a,
            Access::Bool(a) => *a,
            Access::Date(a) => *a,
            Access::Dict { array, .. }
            | Access::Coded { array, .. }
            | Access::Ints(array, _)
            | Access::List(array, ..) => *array,
        };
        array.nulls().filter(|n| n.null_count() > 0)
    }

    /// The cells of `rows`, column by column: one tight loop per type. A list's cells are made by
    /// [`Lists`].
    fn fill(&self, rows: Range<usize>, out: &mut Vec<Cell<'a>>) {
        out.clear();
        let nulls = self.nulls();
        let null = |i: usize| nulls.is_some_and(|n| n.is_null(i));
        match self {
            Access::Coded {
                keys, cells, empty, ..
            } => out.extend(rows.map(|i| {
                if null(i) {
                    *empty
                } else {
                    keys.get(i)
                        .and_then(|k| cells.get(*k))
                        .copied()
                        .unwrap_or(*empty)
                }
            })),
            Access::Int64(a) => {
                let values = a.values();
                out.extend(rows.map(|i| {
                    if null(i) {
                        Cell::Empty
                    } else {
                        Cell::Int(values[i])
                    }
                }));
            }
            Access::Ints(_, values) => {
                out.extend(rows.map(|i| {
                    if null(i) {
                        Cell::Empty
                    } else {
                        Cell::Int(values[i])
                    }
                }));
            }
            Access::Bool(a) => {
                out.extend(rows.map(|i| {
                    if null(i) {
                        Cell::Empty
                    } else {
                        Cell::Bool(a.value(i))
                    }
                }));
            }
            Access::Date(a) => {
                let values = a.values();
                out.extend(rows.map(|i| {
                    if null(i) {
                        return Cell::Empty;
                    }
                    let days = i64::from(values[i]);
                    civil_from_days(days).map_or(Cell::Int(days), Cell::Date)
                }));
            }
            Access::Utf8(a) => out.extend(rows.map(|i| {
                if null(i) {
                    Cell::Empty
                } else {
                    text_cell(a.value(i))
                }
            })),
            Access::List(..) => out.extend(rows.map(|_| Cell::Empty)),
            _ => out.extend(rows.map(|i| self.text(i).map_or(Cell::Empty, text_cell))),
        }
    }
}

/// Text as a cell: trimmed, and empty when nothing is left.
fn text_cell(text: &str) -> Cell<'_> {
    let bytes = text.as_bytes();
    let plain = |b: u8| b > b' ' && b < 0x80;
    let text = match (bytes.first(), bytes.last()) {
        (Some(a), Some(z)) if plain(*a) && plain(*z) => text,
        _ => text.trim(),
    };
    if text.is_empty() {
        Cell::Empty
    } else {
        Cell::Text(text)
    }
}

/// The items of a batch's list column, read once: each row's items are a slice of one vector.
struct Lists<'a> {
    items: Vec<&'a str>,
    /// Each row's items, or `None` for a null list.
    rows: Vec<Option<(u32, u32)>>,
}

impl<'a> Lists<'a> {
    fn read(access: &Access<'a>, len: usize) -> Self {
        let mut lists = Lists {
            items: Vec::new(),
            rows: Vec::with_capacity(len),
        };
        if let Access::List(_, offsets, values) = access {
            let nulls = access.nulls();
            for i in 0..len {
                if nulls.is_some_and(|n| n.is_null(i)) {
                    lists.rows.push(None);
                    continue;
                }
                let start = lists.items.len() as u32;
                for j in offsets[i]..offsets[i + 1] {
                    if let Some(text) = values.text(j) {
                        lists.items.push(text);
                    }
                }
                lists.rows.push(Some((start, lists.items.len() as u32)));
            }
        }
        lists
    }

    fn cell(&self, i: usize) -> Cell<'_> {
        match self.rows.get(i).copied().flatten() {
            Some((start, end)) => {
                Cell::List(self.items.get(start as usize..end as usize).unwrap_or(&[]))
            }
            None => Cell::Empty,
        }
    }
}

/// A column of narrower ints, widened.
fn widened<T: ArrowPrimitiveType>(array: &dyn Array) -> Vec<i64>
where
    T::Native: Into<i64>,
{
    array
        .as_primitive::<T>()
        .values()
        .iter()
        .map(|v| (*v).into())
        .collect()
}

/// The date `days` after 1970-01-01 (H. Hinnant's civil-from-days), for a year of 1 to 9999.
fn civil_from_days(days: i64) -> Option<Date> {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    Date::new(
        i32::try_from(year).ok()?,
        u8::try_from(month).ok()?,
        u8::try_from(day).ok()?,
    )
}

/// Reads a record batch's rows into `part`; the rows refused go to `bad`.
fn read_batch(
    part: &mut Part<'_>,
    batch: &RecordBatch,
    first: u64,
    index: &[Option<usize>],
    bad: &mut Vec<BadRow>,
) {
    let mut columns = Vec::new();
    for (array, column) in batch.columns().iter().zip(index) {
        if let Some(column) = column {
            match Access::new(array) {
                Some(access) => columns.push((*column, code(part, *column, access))),
                None => {
                    // The schema was checked; a batch unlike it is refused row by row.
                    bad.push(BadRow {
                        unit: "row",
                        line: first,
                        column: COLUMNS[*column].to_string(),
                        value: String::new(),
                        reason: format!("has type {}", array.data_type()),
                    });
                    return;
                }
            }
        }
    }
    let rows = batch.num_rows();
    let lists = columns
        .iter()
        .find(|(_, access)| matches!(access, Access::List(..)))
        .map(|(_, access)| Lists::read(access, rows));
    // Rows a few at a time: each column's cells are made in one loop, then each row is checked.
    let mut cells: Vec<Vec<Cell<'_>>> = vec![Vec::with_capacity(ROWS_AT_ONCE); columns.len()];
    for start in (0..rows).step_by(ROWS_AT_ONCE) {
        let end = (start + ROWS_AT_ONCE).min(rows);
        for ((_, access), out) in columns.iter().zip(&mut cells) {
            access.fill(start..end, out);
        }
        for i in start..end {
            let mut row: Row<'_> = [Cell::Empty; ucz_core::firm::columns::COLUMNS.len()];
            for ((column, _), column_cells) in columns.iter().zip(&cells) {
                row[*column] = column_cells[i - start];
            }
            if let Some(lists) = &lists {
                row[col::DESIGNATIONS] = lists.cell(i);
            }
            let line = first + i as u64;
            if let Err(problem) = part.push(&row, line) {
                bad.push(BadRow {
                    unit: "row",
                    line,
                    column: problem.column.to_string(),
                    value: problem.value,
                    reason: problem.reason,
                });
            }
        }
    }
}

/// Rows whose cells are made at once: their cells stay in the core's cache.
const ROWS_AT_ONCE: usize = 1024;

/// A dictionary column of text the part codes: each distinct value looked up once.
fn code<'a>(part: &mut Part<'_>, column: usize, access: Access<'a>) -> Access<'a> {
    let Access::Dict {
        array,
        keys,
        values,
    } = access
    else {
        return access;
    };
    let mut cell = |text: &'a str| part.code(column, text).map(|code| Cell::Coded(text, code));
    let Some(empty) = cell("") else {
        return Access::Dict {
            array,
            keys,
            values,
        };
    };
    let len = match values.as_ref() {
        Access::Utf8(a) => a.len(),
        Access::LargeUtf8(a) => a.len(),
        Access::View(a) => a.len(),
        _ => 0,
    };
    let mut cells = Vec::with_capacity(len);
    for k in 0..len {
        match values.text(k).map(str::trim) {
            None | Some("") => cells.push(empty),
            Some(text) => cells.push(cell(text).unwrap_or(empty)),
        }
    }
    if len == 0 {
        return Access::Dict {
            array,
            keys,
            values,
        };
    }
    Access::Coded {
        array,
        keys,
        cells,
        empty,
    }
}

fn writer_properties() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build()
}

/// Firms as Parquet, with the natural types: text, Int64, Boolean, Date32 for `founded`, and a
/// list of strings for `designations`.
pub fn write_firms(out: impl Write + Send, firms: &[Firm]) -> std::io::Result<()> {
    write_firms_with(out, firms, writer_properties())
}

fn write_firms_with(
    out: impl Write + Send,
    firms: &[Firm],
    properties: WriterProperties,
) -> std::io::Result<()> {
    use arrow_array::builder::{
        BooleanBuilder, Date32Builder, Int64Builder, ListBuilder, StringBuilder,
    };
    let field = |name: &str, t: DataType| Field::new(name, t, true);
    let schema: SchemaRef = Arc::new(Schema::new(
        COLUMNS
            .iter()
            .enumerate()
            .map(|(i, name)| match i {
                col::FOUNDED => field(name, DataType::Date32),
                col::EMPLOYEES
                | col::YOUTH_EMPLOYEES
                | col::REVENUE_KRW
                | col::RND_SPEND_KRW
                | col::EXPORT_REVENUE_KRW
                | col::FOUNDER_AGE
                | col::RESEARCH_INSTITUTE_SHARE
                | col::HIGH_TECH_SALES_SHARE
                | col::ASSETS_KRW => field(name, DataType::Int64),
                col::IN_INCUBATOR
                | col::GRADUATED_INCUBATOR
                | col::VENTURE_CERTIFIED
                | col::HAS_RND_LAB
                | col::STRATEGIC_INDUSTRY
                | col::OWNS_HOME => field(name, DataType::Boolean),
                col::DESIGNATIONS => field(
                    name,
                    DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
                ),
                _ => field(name, DataType::Utf8),
            })
            .collect::<Vec<_>>(),
    ));
    let mut writer = ArrowWriter::try_new(out, schema.clone(), Some(properties))
        .map_err(std::io::Error::other)?;
    for slice in firms.chunks(BATCH) {
        let text = |get: &dyn Fn(&Firm) -> &str| -> ArrayRef {
            let mut b = StringBuilder::new();
            for f in slice {
                b.append_value(get(f));
            }
            Arc::new(b.finish())
        };
        let int = |get: &dyn Fn(&Firm) -> i64| -> ArrayRef {
            let mut b = Int64Builder::with_capacity(slice.len());
            for f in slice {
                b.append_value(get(f));
            }
            Arc::new(b.finish())
        };
        let flag = |get: &dyn Fn(&Firm) -> bool| -> ArrayRef {
            let mut b = BooleanBuilder::with_capacity(slice.len());
            for f in slice {
                b.append_value(get(f));
            }
            Arc::new(b.finish())
        };
        let mut founded = Date32Builder::with_capacity(slice.len());
        let mut designations = ListBuilder::new(StringBuilder::new());
        for f in slice {
            founded.append_option(f.founded.map(|d| d.days_since_epoch() as i32));
            for d in &f.designations {
                designations.values().append_value(d.as_str());
            }
            designations.append(true);
        }
        let arrays: Vec<ArrayRef> = vec![
            text(&|f| &f.id),
            text(&|f| &f.name),
            Arc::new(founded.finish()),
            text(&|f| &f.stage),
            int(&|f| f.employees),
            int(&|f| f.youth_employees),
            int(&|f| f.revenue_krw),
            int(&|f| f.rnd_spend_krw),
            int(&|f| f.export_revenue_krw),
            text(&|f| &f.sector),
            text(&|f| &f.region),
            text(&|f| &f.zone),
            Arc::new(designations.finish()),
            flag(&|f| f.in_incubator),
            flag(&|f| f.graduated_incubator),
            flag(&|f| f.venture_certified),
            flag(&|f| f.has_rnd_lab),
            int(&|f| f.founder_age),
            int(&|f| f.research_institute_share),
            int(&|f| f.high_tech_sales_share),
            flag(&|f| f.strategic_industry),
            flag(&|f| f.owns_home),
            int(&|f| f.assets_krw),
        ];
        let batch = RecordBatch::try_new(schema.clone(), arrays).map_err(std::io::Error::other)?;
        writer.write(&batch).map_err(std::io::Error::other)?;
    }
    writer.close().map_err(std::io::Error::other)?;
    Ok(())
}

/// Pairs per row group of a pairs file.
const PAIRS_PER_GROUP: usize = 1 << 20;

/// Pairs as Parquet: `firm_id` and `program_id` string columns, the program ids
/// dictionary-encoded. Row groups are encoded on `threads` threads and written in order.
pub fn write_pairs(
    out: impl Write + Send,
    pairs: &[Vec<(u32, u16)>],
    ids: &Ids,
    programs: &[String],
    threads: usize,
) -> std::io::Result<()> {
    write_pairs_in(out, pairs, ids, programs, threads, PAIRS_PER_GROUP)
}

fn write_pairs_in(
    out: impl Write + Send,
    pairs: &[Vec<(u32, u16)>],
    ids: &Ids,
    programs: &[String],
    threads: usize,
    per_group: usize,
) -> std::io::Result<()> {
    use parquet::arrow::ArrowSchemaConverter;
    use parquet::arrow::arrow_writer::{
        ArrowColumnChunk, ArrowRowGroupWriterFactory, compute_leaves,
    };
    use parquet::file::properties::EnabledStatistics;
    use parquet::file::writer::SerializedFileWriter;
    use parquet::schema::types::ColumnPath;

    let failed = std::io::Error::other;
    let program_values: ArrayRef = Arc::new(StringArray::from_iter_values(programs));
    let schema: SchemaRef = Arc::new(Schema::new(vec![
        Field::new("firm_id", DataType::Utf8, false),
        Field::new(
            "program_id",
            DataType::Dictionary(Box::new(DataType::UInt16), Box::new(DataType::Utf8)),
            false,
        ),
    ]));
    // Firm ids are all distinct: a dictionary of them would be given up page after page. No
    // statistics: pairs follow the firms file's order, so every row group spans nearly every
    // program and an unordered run of ids, and least and greatest values would prune nothing
    // while costing a comparison of every value.
    let mut properties = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_column_dictionary_enabled(ColumnPath::from("firm_id"), false)
        .set_statistics_enabled(EnabledStatistics::None)
        .build();
    parquet::arrow::add_encoded_arrow_schema_to_metadata(&schema, &mut properties);
    let properties = Arc::new(properties);
    let parquet_schema = ArrowSchemaConverter::new()
        .with_coerce_types(properties.coerce_types())
        .convert(&schema)
        .map_err(failed)?;
    let mut writer =
        SerializedFileWriter::new(out, parquet_schema.root_schema_ptr(), properties.clone())
            .map_err(failed)?;
    let factory = ArrowRowGroupWriterFactory::new(&writer, schema.clone());

    // Where each chunk of pairs starts among all the pairs.
    let starts: Vec<usize> = pairs
        .iter()
        .scan(0usize, |at, chunk| {
            let start = *at;
            *at += chunk.len();
            Some(start)
        })
        .collect();
    let total: usize = pairs.iter().map(Vec::len).sum();
    let groups = total.div_ceil(per_group.max(1));
    // The pairs `from..to`, in order.
    let slice = |from: usize, to: usize| {
        let first = starts.partition_point(|s| *s <= from).saturating_sub(1);
        pairs[first..]
            .iter()
            .zip(&starts[first..])
            .take_while(move |(_, start)| **start < to)
            .flat_map(move |(chunk, start)| {
                let lo = from.saturating_sub(*start).min(chunk.len());
                let hi = to.saturating_sub(*start).min(chunk.len());
                &chunk[lo..hi]
            })
    };
    let encode = |group: usize| -> parquet::errors::Result<Vec<ArrowColumnChunk>> {
        let (from, to) = (group * per_group, ((group + 1) * per_group).min(total));
        let mut offsets: Vec<i32> = Vec::with_capacity(to - from + 1);
        let mut bytes: Vec<u8> = Vec::new();
        let mut keys: Vec<u16> = Vec::with_capacity(to - from);
        offsets.push(0);
        for (firm, rule) in slice(from, to) {
            bytes.extend_from_slice(ids.get(*firm as usize));
            let end = i32::try_from(bytes.len()).map_err(|_| {
                parquet::errors::ParquetError::General("firm ids too long for a row group".into())
            })?;
            offsets.push(end);
            keys.push(*rule);
        }
        let firm_ids = StringArray::try_new(
            arrow_buffer::OffsetBuffer::new(offsets.into()),
            bytes.into(),
            None,
        )?;
        let programs = DictionaryArray::try_new(UInt16Array::from(keys), program_values.clone())?;
        let arrays: [ArrayRef; 2] = [Arc::new(firm_ids), Arc::new(programs)];
        let mut chunks = Vec::new();
        let writers = factory.create_column_writers(group)?;
        let mut writers = writers.into_iter();
        for (field, array) in schema.fields().iter().zip(&arrays) {
            for leaf in compute_leaves(field, array)? {
                let Some(mut column) = writers.next() else {
                    return Err(parquet::errors::ParquetError::General(
                        "a column without a writer".into(),
                    ));
                };
                column.write(&leaf)?;
                chunks.push(column.close()?);
            }
        }
        Ok(chunks)
    };

    let next = std::sync::atomic::AtomicUsize::new(0);
    let (to_writer, encoded) = std::sync::mpsc::channel();
    std::thread::scope(|scope| -> std::io::Result<()> {
        for _ in 0..threads.clamp(1, groups.max(1)) {
            let (next, encode, to_writer) = (&next, &encode, to_writer.clone());
            scope.spawn(move || {
                loop {
                    let group = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if group >= groups {
                        return;
                    }
                    if to_writer.send((group, encode(group))).is_err() {
                        return;
                    }
                }
            });
        }
        drop(to_writer);
        let mut waiting = std::collections::BTreeMap::new();
        let mut written = 0;
        let mut outcome = Ok(());
        for (group, chunks) in encoded.iter() {
            waiting.insert(group, chunks);
            while let Some(chunks) = waiting.remove(&written) {
                let append = || -> parquet::errors::Result<()> {
                    let mut row_group = writer.next_row_group()?;
                    for chunk in chunks? {
                        chunk.append_to_row_group(&mut row_group)?;
                    }
                    row_group.close()?;
                    Ok(())
                };
                written += 1;
                if let Err(e) = append() {
                    // The encoders stop at their next row group.
                    next.store(groups, std::sync::atomic::Ordering::Relaxed);
                    outcome = Err(failed(e));
                    break;
                }
            }
            if outcome.is_err() {
                break;
            }
        }
        outcome
    })?;
    writer.close().map_err(failed)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::LazyLock;

    use proptest::prelude::*;
    use ucz_core::Catalog;
    use ucz_core::eligibility::Rulebook;
    use ucz_core::firm::FirmField;
    use ucz_core::rule::columnar::{Matcher, Population};

    use super::*;
    use crate::firms_csv;

    static CATALOG: LazyLock<Catalog> =
        LazyLock::new(|| Catalog::bundled().unwrap_or_else(|e| panic!("{e}")));

    fn as_of() -> Date {
        Date::new(2026, 6, 30).unwrap_or_else(|| panic!("a date"))
    }

    /// The pairs of a file read into columns: `(firm id, rule)`.
    fn pairs(file: FirmsFile, matcher: &Matcher) -> Vec<(String, usize)> {
        assert!(file.bad.is_empty(), "{:?}", file.bad);
        let ids: Vec<String> = (0..file.batch.len)
            .map(|i| String::from_utf8_lossy(file.batch.ids.get(i)).into_owned())
            .collect();
        let population = Population::from_columns(file.batch.len, file.batch.columns)
            .unwrap_or_else(|e| panic!("{e}"));
        let matrix = matcher
            .matrix(&population)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut out = Vec::new();
        for (firm, rules) in matrix.iter().enumerate() {
            for (rule, holds) in rules.iter().enumerate() {
                if *holds {
                    out.push((ids[firm].clone(), rule));
                }
            }
        }
        out
    }

    #[test]
    fn days_become_dates() {
        assert_eq!(civil_from_days(0), Date::new(1970, 1, 1));
        assert_eq!(civil_from_days(19_782), Date::new(2024, 2, 29));
        assert_eq!(civil_from_days(-1), Date::new(1969, 12, 31));
        for days in [-700_000, -1, 0, 59, 11_016, 20_000, 2_900_000] {
            assert_eq!(
                civil_from_days(days),
                Date::from_days_since_epoch(days).filter(|d| d.year() >= 1),
                "{days}"
            );
        }
    }

    #[test]
    fn a_column_of_the_wrong_type_is_named() {
        let schema = Schema::new(vec![
            Field::new("id", DataType::Utf8, false),
            Field::new("stage", DataType::Utf8, false),
            Field::new("region", DataType::Utf8, false),
            Field::new("founder_age", DataType::Float64, false),
        ]);
        assert_eq!(
            check_schema(&schema).err().as_deref(),
            Some(
                "column `founder_age` has type Float64; expected an integer (Int8 to Int64, UInt8 to UInt32) or text"
            )
        );
    }

    /// Bad rows in row groups read on several threads are told as a CSV reading tells them,
    /// each at its row; text columns come back as dictionaries, and their values are checked.
    #[test]
    fn bad_rows_across_row_groups_are_told_as_csv_tells_them() {
        let mut firms = ucz_core::synth::firms(300, 7, as_of());
        firms[5].region = ucz_core::id::Id::new("atlantis");
        firms[77].stage = ucz_core::id::Id::new("unicorn");
        firms[130].sector = "Z99".into();
        firms[200].id = firms[12].id.clone();
        firms[250].zone = "nowhere".into();
        let rules = Rulebook::new(&CATALOG).rules();
        let matcher = Matcher::compile(&rules);
        let setup = Setup::new(&CATALOG, as_of(), &matcher.fields());

        let mut csv = Vec::new();
        firms_csv::write(&mut csv, &firms).unwrap_or_else(|e| panic!("{e}"));
        let reading = firms_csv::Reading {
            block: 512,
            threads: 2,
            size: Some(csv.len() as u64),
        };
        let from_csv = firms_csv::read(csv.as_slice(), &setup, reading, |_| {})
            .unwrap_or_else(|e| panic!("{e}"));

        let mut parquet = Vec::new();
        let small_groups = WriterProperties::builder()
            .set_max_row_group_row_count(Some(64))
            .set_data_page_row_count_limit(8)
            .set_write_batch_size(8)
            .build();
        write_firms_with(&mut parquet, &firms, small_groups).unwrap_or_else(|e| panic!("{e}"));
        let parquet = bytes::Bytes::from(parquet);
        let metadata = hinted_metadata(&parquet).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(metadata.metadata().num_row_groups(), 5);
        let region = metadata.schema().field_with_name("region");
        assert!(
            matches!(
                region.as_ref().map(|f| f.data_type()),
                Ok(DataType::Dictionary(..))
            ),
            "{region:?}"
        );
        assert!(metadata.metadata().offset_index().is_some());
        // Row groups cut into pieces of 24 rows, read on three threads.
        let from_parquet = read_parquet_in(|| Ok(parquet.clone()), &setup, 3, 24)
            .unwrap_or_else(|e| panic!("{e}"));

        let told = |file: &FirmsFile, header: u64| -> Vec<(u64, String, String, String)> {
            file.bad
                .iter()
                .map(|b| {
                    (
                        b.line - header,
                        b.column.clone(),
                        b.value.clone(),
                        b.reason.clone(),
                    )
                })
                .collect()
        };
        // The same words, each file counting in its own unit.
        let in_rows: Vec<_> = told(&from_csv, 1)
            .into_iter()
            .map(|(row, column, value, reason)| {
                (row, column, value, reason.replace("line 14", "row 13"))
            })
            .collect();
        assert_eq!(told(&from_parquet, 0), in_rows);
        assert_eq!(from_parquet.bad[3].reason, "duplicate id (first at row 13)");
        let rows: Vec<u64> = told(&from_parquet, 0).iter().map(|b| b.0).collect();
        assert_eq!(rows, vec![6, 78, 131, 201, 251]);
        assert_eq!(from_parquet.batch.len, 295);
        let ids = |file: &FirmsFile| -> Vec<Vec<u8>> {
            (0..file.batch.len)
                .map(|i| file.batch.ids.get(i).to_vec())
                .collect()
        };
        assert_eq!(ids(&from_parquet), ids(&from_csv));
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

        /// Pairs written in row groups of any size on any number of threads read back in order,
        /// with the program ids as a dictionary.
        #[test]
        fn pairs_read_back_in_order(
            chunks in proptest::collection::vec(proptest::collection::vec((0u32..30, 0u16..3), 0..30), 0..20),
            per_group in 1usize..40,
            threads in 1usize..4,
        ) {
            let ids = Ids::new((0..30).map(|i| format!("기업-{i}")));
            let programs = ["p0".to_string(), "p1".to_string(), "p2".to_string()];
            let mut file = Vec::new();
            write_pairs_in(&mut file, &chunks, &ids, &programs, threads, per_group)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let reader = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(file))
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let total: usize = chunks.iter().map(Vec::len).sum();
            prop_assert_eq!(reader.metadata().num_row_groups(), total.div_ceil(per_group));
            let mut got = Vec::new();
            for batch in reader.build().map_err(|e| TestCaseError::fail(e.to_string()))? {
                let batch = batch.map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert!(matches!(batch.column(1).data_type(), DataType::Dictionary(..)));
                let firms = batch.column(0).as_string::<i32>();
                let programs = arrow_cast_strings(batch.column(1));
                for (i, program) in programs.into_iter().enumerate() {
                    got.push((firms.value(i).to_string(), program));
                }
            }
            let expected: Vec<(String, String)> = chunks
                .iter()
                .flatten()
                .map(|(firm, rule)| (format!("기업-{firm}"), format!("p{rule}")))
                .collect();
            prop_assert_eq!(got, expected);
        }
    }

    /// A dictionary column's values as text.
    fn arrow_cast_strings(column: &ArrayRef) -> Vec<String> {
        let dict = column.as_any_dictionary();
        let values = dict.values().as_string::<i32>();
        dict.normalized_keys()
            .iter()
            .map(|k| values.value(*k).to_string())
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

        /// A population written as CSV and as Parquet is read into the same firms with the same
        /// pairs, with blocks and batches of any size.
        #[test]
        fn csv_and_parquet_give_the_same_pairs(count in 1usize..400, seed in any::<u64>(), block in 64usize..4096) {
            let firms = ucz_core::synth::firms(count, seed, as_of());
            let rules = Rulebook::new(&CATALOG).rules();
            let matcher = Matcher::compile(&rules);
            let fields = matcher.fields();
            let setup = Setup::new(&CATALOG, as_of(), &fields);

            let mut csv = Vec::new();
            firms_csv::write(&mut csv, &firms).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let reading = firms_csv::Reading { block, threads: 3, size: Some(csv.len() as u64) };
            let from_csv = firms_csv::read(csv.as_slice(), &setup, reading, |_| {})
                .map_err(TestCaseError::fail)?;

            let mut parquet = Vec::new();
            write_firms(&mut parquet, &firms).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let parquet = bytes::Bytes::from(parquet);
            let from_parquet = read_parquet(|| Ok(parquet.clone()), &setup, 2)
                .map_err(TestCaseError::fail)?;

            let expected: Vec<(String, usize)> = {
                let population = Population::new(&firms, as_of(), &CATALOG, &FirmField::ALL);
                let matrix = matcher.matrix(&population).map_err(|e| TestCaseError::fail(e.to_string()))?;
                matrix.iter().enumerate().flat_map(|(firm, rules)| {
                    let id = firms[firm].id.clone();
                    rules.iter().enumerate().filter(|(_, h)| **h).map(move |(rule, _)| (id.clone(), rule))
                }).collect()
            };
            prop_assert_eq!(&pairs(from_csv, &matcher), &expected);
            prop_assert_eq!(&pairs(from_parquet, &matcher), &expected);
        }
    }
}
