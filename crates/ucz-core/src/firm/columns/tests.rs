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
    let mut row = [Cell::Empty; COLUMNS.len()];
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
    builder.append(&part);
    let (batch, duplicates) = builder.finish(2);
    assert!(duplicates.is_empty());
    assert_eq!(batch.len, 1);
    assert_eq!(batch.ids.get(0), b"a");
    let column = |field: FirmField| {
        batch
            .columns
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, c)| c.clone())
    };
    assert_eq!(column(FirmField::Employees), Some(Column::ints(vec![1200])));
    // 2024-07-01 to 2026-06-30: one whole year.
    assert_eq!(column(FirmField::AgeYears), Some(Column::ints(vec![1])));
    let Some(Column::Codes { codes, values }) = column(FirmField::CapitalRegion) else {
        panic!("capital_region is a code column");
    };
    assert_eq!(values[codes.get(0) as usize], Value::Bool(false));
    let Some(Column::Codes { codes, values }) = column(FirmField::Designations) else {
        panic!("designations is a code column");
    };
    assert_eq!(
        values[codes.get(0) as usize],
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
    builder.append(&first);
    let mut second = Part::new(&setup);
    row[col::FOUNDER_AGE] = Cell::Text("44");
    assert_eq!(second.push(&row, 9), Ok(()));
    row[col::ID] = Cell::Text("c");
    assert_eq!(second.push(&row, 10), Ok(()));
    builder.append(&second);
    let (batch, duplicates) = builder.finish(2);
    assert_eq!(
        duplicates,
        [Duplicate {
            line: 9,
            id: "b".into(),
            first_line: 5
        }]
    );
    assert_eq!(batch.len, 3);
    assert_eq!(batch.ids.get(2), b"c");
    assert_eq!(
        batch.columns,
        [(FirmField::FounderAge, Column::ints(vec![30, 30, 44]))]
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
        (
            pick(&["Alpha", "B\u{202e}eta", ""]),
            // Around the SME figures: 800억 (J), 1,000억 (C26), 5,000억 of assets.
            pick(&["", "0", "80000000000", "90000000000", "100000000001"]),
            pick(&["", "499999999999", "500000000000"]),
        ),
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
                (name, revenue, assets),
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
                    revenue,
                    assets,
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
            let mut row = [Cell::Empty; COLUMNS.len()];
            row[col::ID] = Cell::Text(&id);
            for (column, value) in [
                col::FOUNDED, col::STAGE, col::EMPLOYEES, col::YOUTH_EMPLOYEES, col::REGION,
                col::ZONE, col::DESIGNATIONS, col::HAS_RND_LAB, col::FOUNDER_AGE, col::SECTOR,
                col::NAME, col::REVENUE_KRW, col::ASSETS_KRW,
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
        builder.append(&part);
        let (batch, duplicates) = builder.finish(2);
        prop_assert!(duplicates.is_empty());
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

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    /// Repeated ids, in parts of any size and looked for on any number of threads, are the ones a
    /// first-seen table finds, each with the line of its first; the firms kept keep their values,
    /// their codes and their lines.
    #[test]
    fn repeated_ids_are_found_as_a_first_seen_table_finds_them(
        ids in proptest::collection::vec(0u16..300, 1..600),
        part_size in 1usize..80,
        threads in 1usize..5,
    ) {
        let setup = Setup::new(&CATALOG, as_of(), &[FirmField::FounderAge, FirmField::Stage]);
        let stages = ["early", "growth", "scale_up"];
        let mut builder = Builder::new(&setup);
        let mut seen = std::collections::HashMap::new();
        let (mut expected, mut kept) = (Vec::new(), Vec::new());
        for (chunk_at, chunk) in ids.chunks(part_size).enumerate() {
            let mut part = Part::new(&setup);
            for (k, n) in chunk.iter().enumerate() {
                let i = chunk_at * part_size + k;
                // A blank line after every seventh row: lines are not rows.
                let line = 2 + i as u64 + i as u64 / 7;
                let id = format!("id-{n}");
                let age = (i % 90).to_string();
                let mut row = good();
                row[col::ID] = Cell::Text(&id);
                row[col::FOUNDER_AGE] = Cell::Text(&age);
                row[col::STAGE] = Cell::Text(stages[i % 3]);
                prop_assert_eq!(part.push(&row, line), Ok(()));
                match seen.get(&id) {
                    Some(first) => expected.push(Duplicate { line, id: id.clone(), first_line: *first }),
                    None => {
                        seen.insert(id.clone(), line);
                        kept.push((id, (i % 90) as i64, stages[i % 3]));
                    }
                }
            }
            builder.append(&part);
        }
        let (batch, duplicates) = builder.finish(threads);
        prop_assert_eq!(duplicates, expected);
        prop_assert_eq!(batch.len, kept.len());
        let got_ids: Vec<String> = (0..batch.len)
            .map(|i| String::from_utf8_lossy(batch.ids.get(i)).into_owned())
            .collect();
        let want_ids: Vec<String> = kept.iter().map(|k| k.0.clone()).collect();
        prop_assert_eq!(got_ids, want_ids);
        let want_ages: Vec<i64> = kept.iter().map(|k| k.1).collect();
        let want_stages: Vec<Value> = kept.iter().map(|k| Value::String(k.2.into())).collect();
        for (field, column) in batch.columns {
            match (field, column) {
                (FirmField::FounderAge, Column::Ints(ages)) => prop_assert_eq!(&ages.to_vec(), &want_ages),
                (FirmField::Stage, Column::Codes { codes, values }) => {
                    let stages: Vec<Value> = codes.to_vec().iter().map(|c| values[*c as usize].clone()).collect();
                    prop_assert_eq!(&stages, &want_stages);
                }
                (field, _) => prop_assert!(false, "unexpected column {:?}", field),
            }
        }
    }
}
