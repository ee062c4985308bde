//! Firms and pairs as tables: Apache Parquet and Arrow IPC files, read with the natural column
//! types (`docs/firm.md`) into firm columns, and written by `synth firms` and `match --out`.

use std::io::{Read, Seek, Write};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type, UInt32Type,
};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Date32Array, DictionaryArray, GenericStringArray, Int64Array,
    RecordBatch, StringArray, StringViewArray, UInt16Array,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use parquet::file::reader::ChunkReader;
use ucz_core::date::Date;
use ucz_core::firm::Firm;
use ucz_core::firm::columns::{COLUMNS, Cell, Ids, Part, Row, Setup, col};

use crate::firms_csv::{BadRow, FirmsFile, Names, check_names};

/// Rows per record batch read or written.
const BATCH: usize = 65_536;

/// Reads a Parquet file of firms.
pub fn read_parquet<R: ChunkReader + 'static>(
    reader: R,
    setup: &Setup<'_>,
    threads: usize,
) -> Result<FirmsFile, String> {
    let builder = ParquetRecordBatchReaderBuilder::try_new(reader)
        .map_err(|e| format!("not a readable Parquet file: {e}"))?;
    let rows = u64::try_from(builder.metadata().file_metadata().num_rows()).unwrap_or(0);
    let schema = builder.schema().clone();
    let batches = builder
        .with_batch_size(BATCH)
        .build()
        .map_err(|e| format!("not a readable Parquet file: {e}"))?;
    read_batches(schema, batches, Some(rows), setup, threads)
}

/// Reads an Arrow IPC file (Feather 2) of firms.
pub fn read_arrow<R: Read + Seek>(
    reader: R,
    setup: &Setup<'_>,
    threads: usize,
) -> Result<FirmsFile, String> {
    let batches = arrow_ipc::reader::FileReader::try_new(reader, None)
        .map_err(|e| format!("not a readable Arrow IPC file: {e}"))?;
    let schema = batches.schema();
    read_batches(schema, batches, None, setup, threads)
}

fn read_batches(
    schema: SchemaRef,
    mut batches: impl Iterator<Item = Result<RecordBatch, arrow_schema::ArrowError>>,
    rows: Option<u64>,
    setup: &Setup<'_>,
    threads: usize,
) -> Result<FirmsFile, String> {
    let index = check_schema(&schema)?;
    let (builder, bad) = crate::ingest::pipeline(
        setup,
        threads,
        rows,
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
        |(batch, first): (RecordBatch, u64)| {
            let (part, bad) = read_batch(&batch, first, &index, setup);
            (part, bad, batch.num_rows() as u64)
        },
    )?;
    Ok(FirmsFile {
        batch: builder.finish(),
        bad,
    })
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
        | col::FOUNDER_AGE => (
            int || is_text(t),
            "an integer (Int8 to Int64, UInt8 to UInt32) or text",
        ),
        col::IN_INCUBATOR
        | col::GRADUATED_INCUBATOR
        | col::VENTURE_CERTIFIED
        | col::HAS_RND_LAB => (*t == DataType::Boolean || is_text(t), "Boolean or text"),
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
            DataType::Int32 => widen(
                array
                    .as_primitive::<Int32Type>()
                    .values()
                    .iter()
                    .map(|v| i64::from(*v))
                    .collect(),
            ),
            DataType::Int16 => widen(
                array
                    .as_primitive::<Int16Type>()
                    .values()
                    .iter()
                    .map(|v| i64::from(*v))
                    .collect(),
            ),
            DataType::Int8 => widen(
                array
                    .as_primitive::<Int8Type>()
                    .values()
                    .iter()
                    .map(|v| i64::from(*v))
                    .collect(),
            ),
            DataType::UInt32 => widen(
                array
                    .as_primitive::<UInt32Type>()
                    .values()
                    .iter()
                    .map(|v| i64::from(*v))
                    .collect(),
            ),
            DataType::UInt16 => widen(
                array
                    .as_primitive::<UInt16Type>()
                    .values()
                    .iter()
                    .map(|v| i64::from(*v))
                    .collect(),
            ),
            DataType::UInt8 => widen(
                array
                    .as_primitive::<UInt8Type>()
                    .values()
                    .iter()
                    .map(|v| i64::from(*v))
                    .collect(),
            ),
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
            Access::Dict { array, .. } | Access::Ints(array, _) | Access::List(array, ..) => {
                array.is_null(i)
            }
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

    /// The value of row `i`; a list's items go to `items`.
    fn cell(&self, i: usize, items: &mut Vec<&'a str>) -> Cell<'a> {
        if self.is_null(i) {
            return Cell::Empty;
        }
        match self {
            Access::Int64(a) => Cell::Int(a.value(i)),
            Access::Ints(_, values) => Cell::Int(values[i]),
            Access::Bool(a) => Cell::Bool(a.value(i)),
            Access::Date(a) => {
                let days = a.value(i);
                civil_from_days(i64::from(days)).map_or(Cell::Int(i64::from(days)), Cell::Date)
            }
            Access::List(_, offsets, values) => {
                for j in offsets[i]..offsets[i + 1] {
                    if let Some(text) = values.text(j) {
                        items.push(text);
                    }
                }
                Cell::Empty
            }
            _ => match self.text(i).map(str::trim) {
                None | Some("") => Cell::Empty,
                Some(text) => Cell::Text(text),
            },
        }
    }
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

fn read_batch<'s>(
    batch: &RecordBatch,
    first: u64,
    index: &[Option<usize>],
    setup: &'s Setup<'s>,
) -> (Part<'s>, Vec<BadRow>) {
    let mut part = Part::with_capacity(setup, batch.num_rows());
    let mut bad = Vec::new();
    let mut columns = Vec::new();
    for (array, column) in batch.columns().iter().zip(index) {
        if let Some(column) = column {
            match Access::new(array) {
                Some(access) => columns.push((*column, access)),
                None => {
                    // The schema was checked; a batch unlike it is refused row by row.
                    bad.push(BadRow {
                        unit: "row",
                        line: first,
                        column: COLUMNS[*column].to_string(),
                        value: String::new(),
                        reason: format!("has type {}", array.data_type()),
                    });
                    return (part, bad);
                }
            }
        }
    }
    let mut items = Vec::new();
    for i in 0..batch.num_rows() {
        let line = first + i as u64;
        items.clear();
        let mut row: Row<'_> = [Cell::Empty; 18];
        let mut list = false;
        for (column, access) in &columns {
            row[*column] = access.cell(i, &mut items);
            list |= matches!(access, Access::List(..)) && !access.is_null(i);
        }
        if list {
            row[col::DESIGNATIONS] = Cell::List(&items);
        }
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
    (part, bad)
}

fn writer_properties() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build()
}

/// Firms as Parquet, with the natural types: text, Int64, Boolean, Date32 for `founded`, and a
/// list of strings for `designations`.
pub fn write_firms(out: impl Write + Send, firms: &[Firm]) -> std::io::Result<()> {
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
                | col::FOUNDER_AGE => field(name, DataType::Int64),
                col::IN_INCUBATOR
                | col::GRADUATED_INCUBATOR
                | col::VENTURE_CERTIFIED
                | col::HAS_RND_LAB => field(name, DataType::Boolean),
                col::DESIGNATIONS => field(
                    name,
                    DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
                ),
                _ => field(name, DataType::Utf8),
            })
            .collect::<Vec<_>>(),
    ));
    let mut writer = ArrowWriter::try_new(out, schema.clone(), Some(writer_properties()))
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
        ];
        let batch = RecordBatch::try_new(schema.clone(), arrays).map_err(std::io::Error::other)?;
        writer.write(&batch).map_err(std::io::Error::other)?;
    }
    writer.close().map_err(std::io::Error::other)?;
    Ok(())
}

/// Pairs as Parquet: `firm_id` and `program_id` string columns, the program ids
/// dictionary-encoded.
pub fn write_pairs(
    out: impl Write + Send,
    pairs: &[Vec<(u32, u16)>],
    ids: &Ids,
    programs: &[String],
) -> std::io::Result<()> {
    let program_values: ArrayRef = Arc::new(StringArray::from_iter_values(programs));
    let schema: SchemaRef = Arc::new(Schema::new(vec![
        Field::new("firm_id", DataType::Utf8, false),
        Field::new(
            "program_id",
            DataType::Dictionary(Box::new(DataType::UInt16), Box::new(DataType::Utf8)),
            false,
        ),
    ]));
    let mut writer = ArrowWriter::try_new(out, schema.clone(), Some(writer_properties()))
        .map_err(std::io::Error::other)?;
    let mut firm_ids = arrow_array::builder::StringBuilder::new();
    let mut keys: Vec<u16> = Vec::new();
    let mut flush = |firm_ids: &mut arrow_array::builder::StringBuilder,
                     keys: &mut Vec<u16>|
     -> std::io::Result<()> {
        let programs = DictionaryArray::try_new(
            UInt16Array::from(std::mem::take(keys)),
            program_values.clone(),
        )
        .map_err(std::io::Error::other)?;
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![Arc::new(firm_ids.finish()), Arc::new(programs)],
        )
        .map_err(std::io::Error::other)?;
        writer.write(&batch).map_err(std::io::Error::other)
    };
    for (firm, rule) in pairs.iter().flatten() {
        let id = std::str::from_utf8(ids.get(*firm as usize)).map_err(std::io::Error::other)?;
        firm_ids.append_value(id);
        keys.push(*rule);
        if keys.len() >= 1 << 20 {
            flush(&mut firm_ids, &mut keys)?;
        }
    }
    if !keys.is_empty() {
        flush(&mut firm_ids, &mut keys)?;
    }
    writer.close().map_err(std::io::Error::other)?;
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
            let from_parquet = read_parquet(bytes::Bytes::from(parquet), &setup, 2)
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
