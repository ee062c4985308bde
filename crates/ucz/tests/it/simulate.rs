//! `ucz simulate`: the example scenario's JSON has the base and its variants side by side, CSV
//! one row per variant, region, year and measure, and a bad scenario exits 2 naming its line
//! and field.

use std::io::Write;

use serde_json::Value;

use crate::{stderr, stdout, ucz};

const EXAMPLE: &str = "examples/scenarios/daejeon-post-bi.toml";

#[test]
fn json_has_the_base_and_every_variant() {
    let out = ucz(&["simulate", EXAMPLE, "--runs", "20", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["runs"], 20);
    assert_eq!(json["years"], 10);
    assert_eq!(json["scenario"]["id"], "daejeon_post_bi");
    let variants = json["variants"].as_array().unwrap();
    let ids: Vec<&str> = variants.iter().map(|v| v["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["base", "daejeon_plus_30000", "daejeon_campus_park"]);
    for v in variants {
        let regions = v["regions"].as_array().unwrap();
        assert_eq!(regions.len(), 5);
        let years = regions[0]["years"].as_array().unwrap();
        assert_eq!(years.len(), 10);
        assert_eq!(years[0]["year"], 2026);
        for field in ["mean", "p5", "p50", "p95"] {
            assert!(years[9]["born"][field].is_number(), "{field}");
            assert!(years[9]["retention"][field].is_number(), "{field}");
        }
    }
    assert!(variants[0]["regions"][0]["years"][9]["versus_base"].is_null());
    let daejeon = &variants[1]["regions"][3];
    assert_eq!(daejeon["region"], "daejeon");
    assert_eq!(
        daejeon["years"][9]["versus_base"]["retention_lower_runs"],
        0
    );
    // The same seed again: the same output.
    let again = ucz(&["simulate", EXAMPLE, "--runs", "20", "--format", "json"]);
    assert_eq!(stdout(&out), stdout(&again));
}

#[test]
fn csv_and_text_and_the_detailed_run() {
    let out = ucz(&["simulate", EXAMPLE, "--runs", "5", "--format", "csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("variant,region,year,measure,mean,p5,p50,p95")
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("daejeon_plus_30000,daejeon,2035,retention_vs_base,"))
    );
    let out = ucz(&["simulate", EXAMPLE, "--runs", "5", "--lang", "en"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("■ Daejeon (daejeon)"), "{text}");
    assert!(text.contains("daejeon_campus_park"), "{text}");
    let out = ucz(&["simulate", EXAMPLE, "--detailed", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let firms = json["variants"][1]["regions"][3]["firms"]
        .as_array()
        .unwrap();
    assert!(firms.iter().any(|f| f["hub"] == "대전역 Post-BI 확충"));
}

#[test]
fn a_bad_scenario_exits_2_with_its_line_and_field() {
    let text = std::fs::read_to_string(crate::root().join(EXAMPLE))
        .unwrap()
        .replacen(
            "survival_incubation = { value = 0.92, assumed = true }",
            "survival_incubation = { value = 1.5, assumed = true }",
            1,
        )
        .replacen("id = \"ulsan\"", "id = \"ulsann\"", 1);
    let mut file = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
    file.write_all(text.as_bytes()).unwrap();
    let path = file.path().to_str().unwrap().to_string();
    let line = |needle: &str| text[..text.find(needle).unwrap()].matches('\n').count() + 1;
    let out = ucz(&["simulate", &path]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).is_empty());
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "{path}:{}:33: field `defaults.survival_incubation.value`: 1.5 is out of range",
            line("value = 1.5")
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{path}:{}:6: field `region[4].id`: unknown region id \"ulsann\"",
            line("\"ulsann\"")
        )),
        "{err}"
    );
    assert!(err.contains("2 errors"), "{err}");
    let out = ucz(&["simulate", EXAMPLE, "--runs", "0"]);
    assert_eq!(out.status.code(), Some(2));
}
