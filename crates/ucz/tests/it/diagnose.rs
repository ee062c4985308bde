//! `ucz diagnose` on the five designated zones: snapshots of the reports, and the JSON against
//! its published schema.

use serde_json::Value;

use crate::{root, stderr, stdout, ucz};

const ZONES: [&str; 5] = ["busan", "daegu", "daejeon", "gwangju", "ulsan"];

fn diagnose(zone: &str, args: &[&str]) -> String {
    let path = format!("examples/zones/{zone}.toml");
    let mut all = vec!["diagnose", path.as_str()];
    all.extend_from_slice(args);
    let out = ucz(&all);
    assert!(out.status.success(), "{zone}: {}", stderr(&out));
    stdout(&out)
}

#[test]
fn korean_text_reports() {
    for zone in ZONES {
        insta::assert_snapshot!(format!("{zone}_ko_text"), diagnose(zone, &[]));
    }
}

#[test]
fn english_markdown_reports() {
    for zone in ZONES {
        insta::assert_snapshot!(
            format!("{zone}_en_md"),
            diagnose(zone, &["--format", "md", "--lang", "en"])
        );
    }
}

#[test]
fn json_reports() {
    for zone in ZONES {
        let json: Value = serde_json::from_str(&diagnose(zone, &["--format", "json"])).unwrap();
        insta::assert_json_snapshot!(format!("{zone}_json"), json);
    }
}

#[test]
fn json_reports_validate_against_the_published_schema() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("docs/diagnosis.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for zone in ZONES {
        let json: Value = serde_json::from_str(&diagnose(zone, &["--format", "json"])).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&json)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{zone}: {errors:?}");
        for field in [
            "zone",
            "functions",
            "linkages",
            "typology",
            "packages",
            "principles",
        ] {
            assert!(!json[field].is_null(), "{zone}: {field}");
        }
    }
}

#[test]
fn the_published_schema_is_the_one_the_code_produces() {
    let out = ucz(&["schema", "diagnosis"]);
    assert!(out.status.success());
    let generated: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let published: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("docs/diagnosis.schema.json")).unwrap(),
    )
    .unwrap();
    assert!(
        generated == published,
        "docs/diagnosis.schema.json is stale: run `ucz schema diagnosis > docs/diagnosis.schema.json`"
    );
}
