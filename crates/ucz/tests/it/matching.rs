//! `ucz match`, `ucz synth firms`, `ucz catalog test` and `ucz bench match` as a user runs them.

use std::collections::BTreeSet;

use ucz_core::Catalog;
use ucz_core::date::Date;
use ucz_core::eligibility::Rulebook;

use crate::catalog::broken_catalog;
use crate::{stderr, stdout, ucz};

const FIRM: &str = "examples/firms/seonhwa-robotics.toml";

#[test]
fn one_firms_package_in_korean_and_english() {
    let out = ucz(&["match", "--firm", FIRM, "--as-of", "2026-06-30"]);
    assert!(out.status.success(), "{}", stderr(&out));
    insta::assert_snapshot!("seonhwa_ko", stdout(&out));
    let out = ucz(&[
        "match",
        "--firm",
        FIRM,
        "--as-of",
        "2026-06-30",
        "--lang",
        "en",
    ]);
    let text = stdout(&out);
    assert!(
        text.contains("Eligible programs") && text.contains("Ministry of SMEs and Startups"),
        "{text}"
    );
}

/// Without `--as-of` a package is as of today in Korea, by the clock `UCZ_NOW` fixes: 15:00 UTC
/// is already the next day there.
#[test]
fn the_default_date_is_today_in_korea_by_ucz_now() {
    let package = |now: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_ucz"))
            .args(["match", "--firm", FIRM, "--format", "json"])
            .current_dir(crate::root())
            .env_remove("UCZ_CATALOG")
            .env("UCZ_NOW", now)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_str::<serde_json::Value>(&stdout(&out)).unwrap()["as_of"].clone()
    };
    assert_eq!(package("2026-06-14T14:59:59Z"), "2026-06-14");
    assert_eq!(package("2026-06-14T15:00:00Z"), "2026-06-15");
    assert_eq!(package("2026-06-15T09:00:00+09:00"), "2026-06-15");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ucz"))
        .args(["match", "--firm", FIRM])
        .current_dir(crate::root())
        .env("UCZ_NOW", "2026-06-15")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("\"2026-06-15\" is not a time with its offset"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn one_firms_package_as_json() {
    let out = ucz(&[
        "match",
        "--firm",
        FIRM,
        "--as-of",
        "2026-06-30",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    insta::assert_json_snapshot!("seonhwa_json", json);
    let refusal = json["ineligible"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "smart_green_city")
        .unwrap();
    assert_eq!(
        refusal["explanation_ko"],
        "업종(KSIC) D·E·F·M 대상 (현재 C28)"
    );
    assert_eq!(
        refusal["explanation_en"],
        "for KSIC sectors D, E, F, M (now C28)"
    );
    assert!(refusal["reason"].as_str().unwrap().ends_with(": \"C28\""));
    assert_eq!(refusal["values"][0]["value"], "C28");
    let refusal = json["ineligible"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "early_startup_package")
        .unwrap();
    assert_eq!(refusal["reason"], "firm.stage in [\"early\"]: \"growth\"");
}

#[test]
fn a_bad_firm_file_names_the_field_and_the_accepted_values() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("firm.toml");
    std::fs::write(
        &path,
        "id = \"x\"\nstage = \"seed\"\nregion = \"daejeon\"\nfounder_age = 40\n",
    )
    .unwrap();
    let out = ucz(&["match", "--firm", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("firm.toml:2:1: field `stage`: unknown stage \"seed\"; expected one of: pre_startup, early"), "{err}");
}

/// Synthetic firms written by `ucz synth firms` (CSV or, by the name, Parquet).
pub(crate) fn synth(
    dir: &std::path::Path,
    name: &str,
    count: &str,
    seed: &str,
) -> std::path::PathBuf {
    let path = dir.join(name);
    let out = ucz(&[
        "synth",
        "firms",
        "--count",
        count,
        "--seed",
        seed,
        "--as-of",
        "2026-06-30",
        "--out",
        path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    path
}

#[test]
fn synthetic_firms_are_reproducible_csv() {
    let dir = tempfile::tempdir().unwrap();
    let a = std::fs::read_to_string(synth(dir.path(), "a.csv", "300", "5")).unwrap();
    let b = std::fs::read_to_string(synth(dir.path(), "b.csv", "300", "5")).unwrap();
    let c = std::fs::read_to_string(synth(dir.path(), "c.csv", "300", "6")).unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_eq!(a.lines().count(), 301);
    assert!(a.starts_with("id,name,founded,stage,employees,youth_employees,revenue_krw"));
}

#[test]
fn every_firm_of_a_csv_matches_as_it_does_alone() {
    let dir = tempfile::tempdir().unwrap();
    let firms = synth(dir.path(), "firms.csv", "3000", "11");
    let matches = dir.path().join("matches.csv");
    let out = ucz(&[
        "match",
        "--firms",
        firms.to_str().unwrap(),
        "--out",
        matches.to_str().unwrap(),
        "--as-of",
        "2026-06-30",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("firms: 3000, programs: 57"),
        "{}",
        stderr(&out)
    );
    let text = std::fs::read_to_string(&matches).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("firm_id,program_id"));
    let written: BTreeSet<(String, String)> = lines
        .map(|l| {
            let (f, p) = l.split_once(',').unwrap();
            (f.to_string(), p.to_string())
        })
        .collect();

    let catalog = Catalog::bundled().unwrap();
    let rulebook = Rulebook::new(&catalog);
    let as_of = Date::new(2026, 6, 30).unwrap();
    let expected: BTreeSet<(String, String)> = ucz_core::synth::firms(3000, 11, as_of)
        .iter()
        .flat_map(|firm| {
            rulebook
                .package(&catalog, firm, as_of)
                .eligible
                .into_iter()
                .map(|o| (firm.id.clone(), o.id.to_string()))
        })
        .collect();
    assert_eq!(written, expected);
}

#[test]
fn bad_rows_stop_the_run_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let firms = dir.path().join("firms.csv");
    std::fs::write(
        &firms,
        "id,stage,region,employees,founded,founder_age\na,early,daejeon,3,2025-01-01,30\nb,early,daejeon,three,2025-01-01,30\nc,seed,busan,1,2025-01-01,30\nd,growth,ulsan,9,2022-01-01,50\n",
    )
    .unwrap();
    let matches = dir.path().join("matches.csv");
    let args = [
        "match",
        "--firms",
        firms.to_str().unwrap(),
        "--out",
        matches.to_str().unwrap(),
        "--as-of",
        "2026-06-30",
    ];
    let out = ucz(&args);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("2 bad rows"), "{err}");
    assert!(
        err.contains("line 3, column employees, value \"three\": is not a whole number"),
        "{err}"
    );
    assert!(
        err.contains("line 4, column stage, value \"seed\": unknown stage"),
        "{err}"
    );
    assert!(!matches.exists(), "nothing written");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary file left behind"
    );

    let mut skip = args.to_vec();
    skip.push("--skip-bad-rows");
    let out = ucz(&skip);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("skipped 2 bad rows"));
    let text = std::fs::read_to_string(&matches).unwrap();
    assert!(
        text.contains("\na,") && text.contains("\nd,") && !text.contains("\nb,"),
        "{text}"
    );
}

#[test]
fn a_csv_without_required_columns_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let firms = dir.path().join("firms.csv");
    std::fs::write(&firms, "name,stage\nx,early\n").unwrap();
    let out = ucz(&[
        "match",
        "--firms",
        firms.to_str().unwrap(),
        "--out",
        dir.path().join("m.csv").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("the header has no column `id`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_rule_tests_pass_and_a_wrong_one_fails() {
    let out = ucz(&["catalog", "test"]);
    assert!(out.status.success(), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.trim_end().ends_with("passed, 0 failed"), "{text}");

    let dir = broken_catalog("tests/programs.toml", |t| {
        t.replacen("expected = \"eligible\"", "expected = \"ineligible\"", 1)
    });
    let out = ucz(&["catalog", "test", "--catalog", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("FAIL ")
            && text.contains("[regulation_free_zone]")
            && text.contains("expected ineligible"),
        "{text}"
    );
    assert!(text.trim_end().ends_with("1 failed"), "{text}");
}

#[test]
fn an_invalid_rule_is_refused_with_program_position_and_reason() {
    let dir = broken_catalog("programs.toml", |t| {
        t.replacen("firm.age_years < 3", "firm.age_years < \"three\"", 1)
    });
    let out = ucz(&[
        "catalog",
        "check",
        "--catalog",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("field `early_startup_package.eligibility`: invalid rule at column 1: no operator < for int and string"),
        "{err}"
    );
}

#[test]
fn the_benchmark_prints_its_figures() {
    let out = ucz(&[
        "bench",
        "match",
        "--firms",
        "20000",
        "--programs",
        "120",
        "--as-of",
        "2026-06-30",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for line in [
        "firms: 20000",
        "programs: 120\n",
        "programs timed: bench/programs-2000.toml",
        "(0 by interpreter)",
        "evaluations per second:",
        "evaluation time:",
        "wall time:",
        "peak memory (VmHWM, whole process):",
        "one firm, whole catalog",
    ] {
        assert!(text.contains(line), "{text}");
    }
    // The catalog's rules with scaled thresholds, as the benchmark timed before.
    let out = ucz(&[
        "bench",
        "match",
        "--firms",
        "5000",
        "--variants",
        "60",
        "--as-of",
        "2026-06-30",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("programs: 60\n"), "{text}");
    assert!(
        text.contains("programs timed: the catalog's rules"),
        "{text}"
    );
    // The bundled set has 2,000 programs.
    let out = ucz(&["bench", "match", "--firms", "10", "--programs", "2001"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--variants"), "{}", stderr(&out));
}

/// A rule set of one's own is timed as the catalog's variants are, every rule column-wise; a bad
/// rule in the file is told at its line and column.
#[test]
fn the_benchmark_times_a_rule_set_of_ones_own() {
    let rules = crate::root().join("bench/rules-20.toml");
    let rules = rules.to_string_lossy();
    let out = ucz(&[
        "bench",
        "match",
        "--rules",
        &rules,
        "--firms",
        "20000",
        "--as-of",
        "2026-06-30",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("programs: 20\n"), "{text}");
    assert!(text.contains("(0 by interpreter)"), "{text}");
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("rules.toml");
    std::fs::write(&bad, "[[rule]]\nid = \"x\"\nrule = \"firm.employes > 1\"\n").unwrap();
    let out = ucz(&[
        "bench",
        "match",
        "--rules",
        &bad.to_string_lossy(),
        "--firms",
        "10",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("rules.toml:3:14"), "{}", stderr(&out));
}

#[test]
fn a_firm_in_a_zone_of_another_region_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("firm.toml");
    std::fs::write(&path, "id = \"x\"\nstage = \"early\"\nfounded = 2025-01-01\nregion = \"seoul\"\nzone = \"daejeon\"\nfounder_age = 40\n").unwrap();
    let out = ucz(&["match", "--firm", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("field `zone`: zone \"daejeon\" is in daejeon, not in seoul"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn csv_headers_ids_and_output_paths_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    };
    let good = write(
        "good.csv",
        "id,stage,region,founded,founder_age\na,early,daejeon,2025-01-01,30\nb,early,daejeon,2025-01-01,31\n",
    );
    let out_path = dir.path().join("m.csv").to_str().unwrap().to_string();

    let misspelt = write(
        "misspelt.csv",
        "id,stage,region,founded,founder_age,employes\na,early,daejeon,2025-01-01,30,3\n",
    );
    let out = ucz(&["match", "--firms", &misspelt, "--out", &out_path]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown column `employes`"),
        "{}",
        stderr(&out)
    );

    let duplicate = write(
        "dup.csv",
        "id,stage,region,founded,founder_age\na,early,daejeon,2025-01-01,30\na,early,daejeon,2025-01-01,30\n",
    );
    let out = ucz(&["match", "--firms", &duplicate, "--out", &out_path]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("line 3, column id, value \"a\": duplicate id (first at line 2)"),
        "{}",
        stderr(&out)
    );

    let out = ucz(&["match", "--firms", &good, "--out", &good]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("is the input file"),
        "{}",
        stderr(&out)
    );
    assert!(
        std::fs::read_to_string(&good)
            .unwrap()
            .starts_with("id,stage"),
        "the input is untouched"
    );

    let missing = dir.path().join("no/such/m.csv");
    let out = ucz(&[
        "match",
        "--firms",
        &good,
        "--out",
        missing.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("does not exist"), "{}", stderr(&out));

    let out = ucz(&[
        "match",
        "--firms",
        &good,
        "--out",
        "-",
        "--as-of",
        "2026-06-30",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("firm_id,program_id\na,"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_csv_with_a_column_twice_or_a_row_with_an_extra_field_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    };
    let out_path = dir.path().join("m.csv");
    let out_path = out_path.to_str().unwrap();

    let twice = write(
        "twice.csv",
        "id,stage,region,founded,founder_age,stage\na,early,daejeon,2025-01-01,30,growth\n",
    );
    let out = ucz(&["match", "--firms", &twice, "--out", out_path]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(&format!(
            "error: {twice}: line 1, column stage: the header has it twice (fields 2 and 6)"
        )),
        "{}",
        stderr(&out)
    );

    let extra = write(
        "extra.csv",
        "id,stage,region,founded,founder_age\na,early,daejeon,2025-01-01,30\nb,early,daejeon,2025-01-01,31,growth\n",
    );
    let args = [
        "match",
        "--firms",
        &extra,
        "--out",
        out_path,
        "--as-of",
        "2026-06-30",
    ];
    let out = ucz(&args);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(&format!(
            "  {extra}: line 3, column 6, value \"growth\": the row has 6 fields, the header 5"
        )),
        "{}",
        stderr(&out)
    );
    assert!(!std::path::Path::new(out_path).exists(), "nothing written");

    // It is a bad row like any other: --skip-bad-rows leaves it out.
    let mut skip = args.to_vec();
    skip.push("--skip-bad-rows");
    let out = ucz(&skip);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(out_path).unwrap();
    assert!(text.contains("\na,") && !text.contains("\nb,"), "{text}");
}
