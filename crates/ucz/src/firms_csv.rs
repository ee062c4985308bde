//! Firms as CSV: one row per firm, columns named as the fields of the firm schema
//! (`docs/firm.md`). Reading reports every bad row with its line, column and value.

use std::collections::HashMap;
use std::io::{Read, Write};

use ucz_core::date::Date;
use ucz_core::firm::Firm;
use ucz_core::{Catalog, Id};

/// The columns, in the order ucz writes them.
pub const COLUMNS: [&str; 18] = [
    "id",
    "name",
    "founded",
    "stage",
    "employees",
    "youth_employees",
    "revenue_krw",
    "rnd_spend_krw",
    "export_revenue_krw",
    "sector",
    "region",
    "zone",
    "designations",
    "in_incubator",
    "graduated_incubator",
    "venture_certified",
    "has_rnd_lab",
    "founder_age",
];

/// Columns every file must have; the others default to empty, zero or false.
const REQUIRED: [&str; 4] = ["id", "stage", "region", "founder_age"];

/// A row that could not be read.
#[derive(Debug)]
pub struct BadRow {
    pub line: u64,
    pub column: String,
    pub value: String,
    pub reason: String,
}

impl std::fmt::Display for BadRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}, column {}, value \"{}\": {}",
            self.line, self.column, self.value, self.reason
        )
    }
}

pub struct FirmsFile {
    pub firms: Vec<Firm>,
    pub bad: Vec<BadRow>,
}

/// Reads every row; bad rows (a row with more fields than the header among them) are collected,
/// not fatal. A header without a required column, with a column that is not a firm field (a
/// misspelt one would silently read as empty) or with a column twice (which one would count?), is
/// an error for the whole file, and so is a read that fails (an input past its size limit).
pub fn read(
    input: impl Read,
    catalog: &Catalog,
    as_of: Date,
    mut progress: impl FnMut(u64),
) -> Result<FirmsFile, String> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let headers = reader
        .headers()
        .map_err(|e| match e.kind() {
            csv::ErrorKind::Io(io) => io.to_string(),
            _ => format!("cannot read the header: {e}"),
        })?
        .clone();
    let names: Vec<String> = headers
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
        .collect();
    let unknown: Vec<&str> = names
        .iter()
        .map(String::as_str)
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
            return Err(format!(
                "line 1, column {name}: the header has it twice (fields {} and {})",
                first + 1,
                i + 1
            ));
        }
    }
    for required in REQUIRED {
        if !names.iter().any(|h| h == required) {
            return Err(format!(
                "the header has no column `{required}`; expected columns: {}",
                COLUMNS.join(",")
            ));
        }
    }
    let index: Vec<Option<usize>> = COLUMNS
        .iter()
        .map(|c| names.iter().position(|h| h == c))
        .collect();
    let mut firms = Vec::new();
    let mut bad = Vec::new();
    let mut first_line: HashMap<String, u64> = HashMap::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(0, |p| p.line());
                if record.len() > names.len() {
                    bad.push(BadRow {
                        line,
                        column: (names.len() + 1).to_string(),
                        value: record.get(names.len()).unwrap_or("").to_string(),
                        reason: format!(
                            "the row has {} fields, the header {}",
                            record.len(),
                            names.len()
                        ),
                    });
                    continue;
                }
                let get = |column: usize| {
                    index[column]
                        .and_then(|i| record.get(i))
                        .unwrap_or("")
                        .trim()
                };
                match parse_row(&get, catalog, as_of) {
                    Ok(firm) => match first_line.get(&firm.id) {
                        Some(first) => bad.push(BadRow {
                            line,
                            column: "id".into(),
                            value: firm.id.clone(),
                            reason: format!("duplicate id (first at line {first})"),
                        }),
                        None => {
                            first_line.insert(firm.id.clone(), line);
                            firms.push(firm);
                        }
                    },
                    Err((column, value, reason)) => bad.push(BadRow {
                        line,
                        column,
                        value,
                        reason,
                    }),
                }
                if let Some(position) = record.position() {
                    progress(position.byte());
                }
            }
            Err(e) => {
                if let csv::ErrorKind::Io(io) = e.kind() {
                    return Err(io.to_string());
                }
                let line = e.position().map_or(0, |p| p.line());
                bad.push(BadRow {
                    line,
                    column: "-".into(),
                    value: String::new(),
                    reason: e.to_string(),
                });
                if !matches!(
                    e.kind(),
                    csv::ErrorKind::Utf8 { .. } | csv::ErrorKind::UnequalLengths { .. }
                ) {
                    break;
                }
            }
        }
    }
    Ok(FirmsFile { firms, bad })
}

type RowError = (String, String, String);

fn parse_row<'r>(
    get: &dyn Fn(usize) -> &'r str,
    catalog: &Catalog,
    as_of: Date,
) -> Result<Firm, RowError> {
    let column = |name: &str| COLUMNS.iter().position(|c| *c == name).unwrap_or(0);
    let text = |name: &str| get(column(name)).to_string();
    let fail =
        |name: &str, reason: String| (name.to_string(), get(column(name)).to_string(), reason);
    let count = |name: &str| -> Result<i64, RowError> {
        let value = get(column(name));
        if value.is_empty() {
            return Ok(0);
        }
        match value.replace(',', "").parse::<i64>() {
            Ok(n) if n >= 0 => Ok(n),
            Ok(_) => Err(fail(name, "must be 0 or more".into())),
            Err(_) => Err(fail(name, "is not a whole number".into())),
        }
    };
    let flag = |name: &str| -> Result<bool, RowError> {
        match get(column(name)).to_ascii_lowercase().as_str() {
            "" | "false" | "0" => Ok(false),
            "true" | "1" => Ok(true),
            _ => Err(fail(name, "must be true or false".into())),
        }
    };
    let founded = match get(column("founded")) {
        "" => None,
        value => Some(value.parse().map_err(|e: String| fail("founded", e))?),
    };
    if get(column("founder_age")).is_empty() {
        return Err(fail("founder_age", "is required".into()));
    }
    let firm = Firm {
        id: text("id"),
        name: text("name"),
        founded,
        stage: Id::new(text("stage")),
        employees: count("employees")?,
        youth_employees: count("youth_employees")?,
        revenue_krw: count("revenue_krw")?,
        rnd_spend_krw: count("rnd_spend_krw")?,
        export_revenue_krw: count("export_revenue_krw")?,
        sector: text("sector"),
        region: Id::new(text("region")),
        zone: text("zone"),
        designations: get(column("designations"))
            .split(';')
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(Id::new)
            .collect(),
        in_incubator: flag("in_incubator")?,
        graduated_incubator: flag("graduated_incubator")?,
        venture_certified: flag("venture_certified")?,
        has_rnd_lab: flag("has_rnd_lab")?,
        founder_age: count("founder_age")?,
    };
    if let Some((field, message, expected)) = firm.problems(catalog).into_iter().next() {
        let name = field.split('[').next().unwrap_or(&field).to_string();
        // The command line speaks English.
        let mut reason = message.to_string();
        if !expected.is_empty() && expected.len() <= 20 {
            reason.push_str(&format!("; expected one of: {}", expected.join(", ")));
        }
        return Err(fail(&name, reason));
    }
    if let Some(problem) = firm.date_problem(as_of) {
        return Err(fail("founded", problem.to_string()));
    }
    Ok(firm)
}

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
        ])?;
    }
    writer.flush()
}

#[cfg(test)]
mod tests {
    use std::sync::LazyLock;

    use proptest::prelude::*;

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

    fn read_str(text: &[u8]) -> Result<FirmsFile, String> {
        read(text, &CATALOG, as_of(), |_| {})
    }

    #[test]
    fn good_rows_are_read() {
        let file = read_str(GOOD.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        assert!(file.bad.is_empty(), "{:?}", file.bad);
        assert_eq!(file.firms.len(), 2);
        assert_eq!(file.firms[0].name, "Alpha, Inc.");
        assert_eq!(file.firms[1].employees, 1200);
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
    }

    #[test]
    fn a_row_with_an_extra_field_is_a_bad_row_even_when_empty() {
        let file = read_str(
            b"id,stage,region,founded,founder_age\na,early,daejeon,2025-01-01,30,\nb,early,daejeon,2025-01-01,31\n",
        )
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(file.firms.len(), 1, "{:?}", file.bad);
        assert_eq!(file.firms[0].id, "b");
        assert_eq!(
            file.bad.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["line 2, column 6, value \"\": the row has 6 fields, the header 5"]
        );
        // A short row reads its missing fields as empty, as before.
        let file = read_str(
            b"id,stage,region,founded,founder_age,employees\na,early,daejeon,2025-01-01,30\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(file.firms.len(), 1, "{:?}", file.bad);
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

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

        /// Any bytes give firms, bad rows or a refusal, never a panic; every firm read passed the
        /// catalog's checks, and every bad row has a line.
        #[test]
        fn any_bytes_are_read_without_panic(bytes in prop_oneof![
            3 => mutated(),
            1 => proptest::collection::vec(piece(), 0..30).prop_map(|v| v.concat()),
            1 => proptest::collection::vec(any::<u8>(), 0..300),
        ]) {
            let read = read_str(&bytes);
            if let Err(message) = &read {
                prop_assert!(!message.trim().is_empty(), "a refusal without a message");
            }
            if let Ok(file) = read {
                for firm in &file.firms {
                    prop_assert!(firm.problems(&CATALOG).is_empty(), "{firm:?}");
                }
                // Every bad row is located: a line of the input and a column.
                let lines = bytes.iter().filter(|b| **b == b'\n').count() as u64 + 1;
                for bad in &file.bad {
                    prop_assert!(bad.line >= 1 && bad.line <= lines, "{bad} of {lines} lines");
                    prop_assert!(!bad.column.is_empty() && !bad.reason.is_empty(), "{bad}");
                    let _ = bad.to_string();
                }
                // What was read writes back and reads again to the same firms.
                let mut out = Vec::new();
                write(&mut out, &file.firms).map_err(|e| TestCaseError::fail(e.to_string()))?;
                let again = read_str(&out).map_err(TestCaseError::fail)?;
                prop_assert!(again.bad.is_empty(), "{:?}", again.bad);
                prop_assert_eq!(again.firms.len(), file.firms.len());
            }
        }
    }
}
