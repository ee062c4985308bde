use std::sync::LazyLock;

use proptest::prelude::*;

use super::*;
use crate::rule::columnar::{Matcher, Population};

static CATALOG: LazyLock<Catalog> =
    LazyLock::new(|| Catalog::bundled().unwrap_or_else(|e| panic!("{e}")));

fn as_of() -> Date {
    Date::new(2026, 6, 30).unwrap_or_else(|| panic!("a date"))
}

/// A good row: an early firm in Daejeon's zone.
fn good<'a>() -> Row<'a> {
    let mut row = [Cell::Empty; 18];
    row[col::ID] = Cell::Text("a");
    row[col::NAME] = Cell::Text("Alpha, Inc.");
    row[col::FOUNDED] = Cell::Text("2024-07-01");
    row[col::STAGE] = Cell::Text("early");
    row[col::EMPLOYEES] = Cell::Text("1,200");
    row[col::YOUTH_EMPLOYEES] = Cell::Text("3");
    row[col::REGION] = Cell::Text("daejeon");
    row[col::ZONE] = Cell::Text("daejeon");
    row[col::DESIGNATIONS] = Cell::Text("rnd_special_zone");
    row[col::IN_INCUBATOR] = Cell::Text("TRUE");
    row[col::FOUNDER_AGE] = Cell::Text("30");
    row
}

fn problem(row: &Row<'_>) -> Option<RowProblem> {
    let setup = Setup::new(&CATALOG, as_of(), &FirmField::ALL);
    let mut part = Part::new(&setup);
    part.push(row, 2).err()
}

#[test]
fn a_good_row_is_kept_with_its_derived_fields() {
    let setup = Setup::new(
        &CATALOG,
        as_of(),
        &[
            FirmField::Employees,
            FirmField::AgeYears,
            FirmField::CapitalRegion,
            FirmField::InIncubator,
            FirmField::Designations,
        ],
    );
    let mut part = Part::new(&setup);
    assert_eq!(part.push(&good(), 2), Ok(()));
    let mut builder = Builder::new(&setup);
    assert!(builder.append(part).is_empty());
    let batch = builder.finish();
    assert_eq!(batch.len, 1);
    assert_eq!(batch.ids.get(0), b"a");
    let column = |field: FirmField| {
        batch
            .columns
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, c)| c.clone())
    };
    assert_eq!(column(FirmField::Employees), Some(Column::Ints(vec![1200])));
    // 2024-07-01 to 2026-06-30: one whole year.
    assert_eq!(column(FirmField::AgeYears), Some(Column::Ints(vec![1])));
    let Some(Column::Codes { codes, values }) = column(FirmField::CapitalRegion) else {
        panic!("capital_region is a code column");
    };
    assert_eq!(values[codes[0] as usize], Value::Bool(false));
    let Some(Column::Codes { codes, values }) = column(FirmField::Designations) else {
        panic!("designations is a code column");
    };
    assert_eq!(
        values[codes[0] as usize],
        Value::List(vec![Value::String("rnd_special_zone".into())])
    );
    // Only the columns asked for.
    assert!(column(FirmField::Stage).is_none());
    assert_eq!(batch.columns.len(), 5);
}

#[test]
fn bad_values_are_told_as_the_firm_reader_tells_them() {
    let cases: [(usize, Cell<'static>, &str, &str); 9] = [
        (
            col::EMPLOYEES,
            Cell::Text("three"),
            "employees",
            "is not a whole number",
        ),
        (
            col::EMPLOYEES,
            Cell::Text("-1"),
            "employees",
            "must be 0 or more",
        ),
        (
            col::EMPLOYEES,
            Cell::Text(","),
            "employees",
            "is not a whole number",
        ),
        (
            col::IN_INCUBATOR,
            Cell::Text("yes"),
            "in_incubator",
            "must be true or false",
        ),
        (col::FOUNDER_AGE, Cell::Empty, "founder_age", "is required"),
        (col::STAGE, Cell::Text("seed"), "stage", "unknown stage"),
        (col::REGION, Cell::Text("busan"), "zone", "zone"),
        (
            col::FOUNDED,
            Cell::Text("2027-01-01"),
            "founded",
            "2027-01-01",
        ),
        (
            col::DESIGNATIONS,
            Cell::Text("rnd_special_zone; nope"),
            "designations",
            "nope",
        ),
    ];
    for (column, value, named, reason) in cases {
        let mut row = good();
        row[column] = value;
        let found = problem(&row).unwrap_or_else(|| panic!("{named}: {value:?} is refused"));
        assert_eq!(found.column, named, "{found:?}");
        assert!(found.reason.contains(reason), "{found:?}");
    }
    let mut row = good();
    row[col::STAGE] = Cell::Text("seed");
    let found = problem(&row).unwrap_or_else(|| panic!("refused"));
    assert_eq!(
        found.reason,
        "unknown stage \"seed\"; expected one of: pre_startup, early, growth, scale_up, established"
    );
    assert_eq!(found.value, "seed");
}

#[test]
fn forms_the_firm_reader_accepts_are_kept() {
    // `+5` and `-0` read as numbers, as they always have.
    for (column, value) in [
        (col::EMPLOYEES, "+5"),
        (col::EMPLOYEES, "-0"),
        (col::FOUNDED, "+202-01-01"),
    ] {
        let mut row = good();
        row[column] = Cell::Text(value);
        let slow = firm_of(&row, &CATALOG, as_of()).map(|_| ());
        assert_eq!(problem(&row).map_or(Ok(()), Err), slow, "{value}");
    }
}

#[test]
fn a_repeated_id_is_left_out_with_the_line_of_the_first() {
    let setup = Setup::new(&CATALOG, as_of(), &[FirmField::FounderAge]);
    let mut builder = Builder::new(&setup);
    builder.reserve(4, 4);
    let mut first = Part::new(&setup);
    let mut row = good();
    assert_eq!(first.push(&row, 2), Ok(()));
    row[col::ID] = Cell::Text("b");
    assert_eq!(first.push(&row, 5), Ok(()));
    assert!(builder.append(first).is_empty());
    let mut second = Part::new(&setup);
    row[col::FOUNDER_AGE] = Cell::Text("44");
    assert_eq!(second.push(&row, 9), Ok(()));
    row[col::ID] = Cell::Text("c");
    assert_eq!(second.push(&row, 10), Ok(()));
    assert_eq!(
        builder.append(second),
        [Duplicate {
            line: 9,
            id: "b".into(),
            first_line: 5
        }]
    );
    let batch = builder.finish();
    assert_eq!(batch.len, 3);
    assert_eq!(batch.ids.get(2), b"c");
    assert_eq!(
        batch.columns,
        [(FirmField::FounderAge, Column::Ints(vec![30, 30, 44]))]
    );
}

fn arbitrary_row() -> impl Strategy<Value = Vec<String>> {
    let pick =
        |values: &'static [&'static str]| proptest::sample::select(values).prop_map(String::from);
    (
        pick(&[
            "2020-02-29",
            "2026-06-30",
            "2026-07-01",
            "",
            "1999-13-01",
            "+202-01-01",
        ]),
        pick(&["early", "growth", "pre_startup", "seed", ""]),
        pick(&["0", "7", "1,200", "-3", "x", "", "+4"]),
        pick(&["0", "2", "5000"]),
        pick(&["daejeon", "seoul", "busan", "mars"]),
        pick(&["", "daejeon", "busan", "nowhere"]),
        pick(&["", "rnd_special_zone", "rnd_special_zone;nope", " ; "]),
        pick(&["true", "0", "TRUE", "maybe", ""]),
        pick(&["30", "121", "", "45"]),
        pick(&["", "C26", "J62", "c26"]),
        pick(&["Alpha", "B\u{202e}eta", ""]),
    )
        .prop_map(
            |(
                founded,
                stage,
                employees,
                youth,
                region,
                zone,
                designations,
                flag,
                age,
                sector,
                name,
            )| {
                vec![
                    founded,
                    stage,
                    employees,
                    youth,
                    region,
                    zone,
                    designations,
                    flag,
                    age,
                    sector,
                    name,
                ]
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// Rows read into columns give the verdicts of the firm reader and the population of the
    /// firms it reads, for every field.
    #[test]
    fn columns_agree_with_firms(rows in proptest::collection::vec(arbitrary_row(), 1..40)) {
        let setup = Setup::new(&CATALOG, as_of(), &FirmField::ALL);
        let mut part = Part::new(&setup);
        let mut firms = Vec::new();
        for (i, values) in rows.iter().enumerate() {
            let id = format!("f{i}");
            let mut row = [Cell::Empty; 18];
            row[col::ID] = Cell::Text(&id);
            for (column, value) in [
                col::FOUNDED, col::STAGE, col::EMPLOYEES, col::YOUTH_EMPLOYEES, col::REGION,
                col::ZONE, col::DESIGNATIONS, col::HAS_RND_LAB, col::FOUNDER_AGE, col::SECTOR,
                col::NAME,
            ].into_iter().zip(values) {
                if !value.is_empty() {
                    row[column] = Cell::Text(value);
                }
            }
            let expected = firm_of(&row, &CATALOG, as_of());
            let got = part.push(&row, i as u64 + 2);
            prop_assert_eq!(got.clone().err(), expected.clone().err());
            if let Ok(firm) = expected {
                firms.push(firm);
            }
        }
        let mut builder = Builder::new(&setup);
        prop_assert!(builder.append(part).is_empty());
        let batch = builder.finish();
        prop_assert_eq!(batch.len, firms.len());
        let from_columns = Population::from_columns(batch.len, batch.columns)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let from_firms = Population::new(&firms, as_of(), &CATALOG, &FirmField::ALL);
        let rules = crate::eligibility::Rulebook::new(&CATALOG).rules();
        let matcher = Matcher::compile(&rules);
        prop_assert_eq!(
            matcher.matrix(&from_columns).map_err(|e| TestCaseError::fail(e.to_string()))?,
            matcher.matrix(&from_firms).map_err(|e| TestCaseError::fail(e.to_string()))?
        );
    }
}
