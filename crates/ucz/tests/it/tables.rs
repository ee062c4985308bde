//! `ucz match` over Parquet and Arrow IPC firm files, Parquet pairs, `--rules` and `--summary`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::{stderr, ucz};

fn synth(dir: &Path, name: &str) -> PathBuf {
    crate::matching::synth(dir, name, "2500", "7")
}

fn run_match(firms: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "match",
        "--firms",
        firms.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--as-of",
        "2026-06-30",
    ];
    args.extend_from_slice(extra);
    ucz(&args)
}

fn csv_pairs(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

#[test]
fn parquet_firms_match_as_csv_firms_do_and_pairs_can_be_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let csv = synth(dir.path(), "firms.csv");
    let parquet = synth(dir.path(), "firms.parquet");
    assert!(std::fs::read(&parquet).unwrap().starts_with(b"PAR1"));

    let from_csv = dir.path().join("from-csv.csv");
    let out = run_match(&csv, &from_csv, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let from_parquet = dir.path().join("from-parquet.csv");
    let out = run_match(&parquet, &from_parquet, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("firms: 2500, programs: 57"),
        "{}",
        stderr(&out)
    );
    let expected = csv_pairs(&from_csv);
    assert!(expected.len() > 1000, "{} pairs", expected.len());
    assert_eq!(csv_pairs(&from_parquet), expected);

    // Pairs as Parquet: the same pairs, program ids dictionary-encoded.
    let pairs = dir.path().join("pairs.parquet");
    let out = run_match(&csv, &pairs, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&pairs).unwrap())
        .unwrap()
        .build()
        .unwrap();
    let mut read = vec!["firm_id,program_id".to_string()];
    for batch in reader {
        let batch = batch.unwrap();
        assert!(matches!(
            batch.column(1).data_type(),
            DataType::Dictionary(_, _)
        ));
        let program = arrow_cast_utf8(batch.column(1));
        let firm = batch
            .column(0)
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap();
        for (i, program) in program.iter().enumerate() {
            read.push(format!("{},{program}", firm.value(i)));
        }
    }
    assert_eq!(read, expected);
}

/// A dictionary column's values, row by row.
fn arrow_cast_utf8(column: &ArrayRef) -> Vec<String> {
    use arrow_array::cast::AsArray;
    let dict = column.as_any_dictionary();
    let values = dict.values().as_string::<i32>();
    dict.normalized_keys()
        .into_iter()
        .map(|k| values.value(k).to_string())
        .collect()
}

#[test]
fn an_arrow_ipc_file_is_read_whatever_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let csv = synth(dir.path(), "firms.csv");
    let parquet = synth(dir.path(), "firms.parquet");
    // The same firms as an Arrow IPC file named as if it were CSV.
    let arrow = dir.path().join("firms-arrow.csv");
    let reader =
        ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&parquet).unwrap()).unwrap();
    let schema = reader.schema().clone();
    let mut writer =
        arrow_ipc::writer::FileWriter::try_new(std::fs::File::create(&arrow).unwrap(), &schema)
            .unwrap();
    for batch in reader.build().unwrap() {
        writer.write(&batch.unwrap()).unwrap();
    }
    writer.finish().unwrap();

    let from_csv = dir.path().join("a.csv");
    let from_arrow = dir.path().join("b.csv");
    assert!(run_match(&csv, &from_csv, &[]).status.success());
    let out = run_match(&arrow, &from_arrow, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(csv_pairs(&from_arrow), csv_pairs(&from_csv));
}

#[test]
fn a_parquet_column_of_the_wrong_type_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("firms.parquet");
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("stage", DataType::Utf8, false),
        Field::new("region", DataType::Utf8, false),
        Field::new("founder_age", DataType::Float64, false),
    ]));
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(vec!["a"])),
        Arc::new(StringArray::from(vec!["pre_startup"])),
        Arc::new(StringArray::from(vec!["daejeon"])),
        Arc::new(Float64Array::from(vec![30.5])),
    ];
    let mut writer =
        ArrowWriter::try_new(std::fs::File::create(&path).unwrap(), schema.clone(), None).unwrap();
    writer
        .write(&RecordBatch::try_new(schema, columns).unwrap())
        .unwrap();
    writer.close().unwrap();
    let out = run_match(&path, &dir.path().join("m.csv"), &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "column `founder_age` has type Float64; expected an integer (Int8 to Int64, UInt8 to UInt32) or text"
        ),
        "{}",
        stderr(&out)
    );
    assert!(!dir.path().join("m.csv").exists());
}

#[test]
fn a_rule_set_of_ones_own_and_a_summary_of_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let csv = synth(dir.path(), "firms.csv");
    let pairs = dir.path().join("pairs.csv");
    let summary = dir.path().join("summary.json");
    let out = run_match(
        &csv,
        &pairs,
        &[
            "--rules",
            "bench/rules-20.toml",
            "--summary",
            summary.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = csv_pairs(&pairs);
    let programs: BTreeSet<&str> = lines[1..]
        .iter()
        .map(|l| l.split_once(',').unwrap().1)
        .collect();
    assert!(programs.contains("youth_founder"), "{programs:?}");
    assert!(programs.len() <= 20);

    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    assert_eq!(json["firms"], 2500);
    assert_eq!(json["programs"], 20);
    assert_eq!(json["pairs"], lines.len() - 1);
    assert_eq!(json["skipped_rows"], 0);
    let seconds = &json["seconds"];
    let parts: f64 = ["read", "compile", "evaluate", "write"]
        .iter()
        .map(|k| seconds[k].as_f64().unwrap())
        .sum();
    let total = seconds["total"].as_f64().unwrap();
    assert!((parts - total).abs() < 0.005, "{seconds}");
    assert!(
        json["peak_memory_bytes"].as_u64().unwrap() > 1_000_000,
        "{json}"
    );
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "firms: 2500, programs: 20, pairs: {}",
            lines.len() - 1
        )) && err.contains("peak memory: "),
        "{err}"
    );

    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[[rule]]\nid = \"x\"\nrule = \"firm.nope > 1\"\n").unwrap();
    let out = run_match(&csv, &pairs, &["--rules", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("bad.toml"), "{}", stderr(&out));
}
