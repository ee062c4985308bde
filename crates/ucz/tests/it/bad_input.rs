//! Bad zone files: each gets a message naming the file, line, column and field, and exit code 2.

use std::io::Write;

use crate::{stderr, stdout, ucz};

/// Writes a zone file and diagnoses it; returns (exit code, stderr, the file's path).
fn diagnose_text(text: &str) -> (Option<i32>, String, String) {
    let mut file = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
    file.write_all(text.as_bytes()).unwrap();
    let path = file.path().to_str().unwrap().to_string();
    let out = ucz(&["diagnose", &path]);
    assert!(stdout(&out).is_empty(), "no report on bad input");
    (out.status.code(), stderr(&out), path)
}

const HEAD: &str = "id = \"z\"\nname = \"시험\"\nzone_type = \"new_town\"\nregion = \"gwangju\"\n";

#[test]
fn malformed_toml() {
    let (code, err, path) = diagnose_text("id = \"z\nname = \"x\"\n");
    assert_eq!(code, Some(2));
    assert!(err.starts_with(&format!("error: {path}:1:")), "{err}");
}

#[test]
fn an_unknown_id_lists_the_allowed_ids() {
    let (code, err, path) = diagnose_text(&HEAD.replace("new_town", "newtown"));
    assert_eq!(code, Some(2));
    assert!(
        err.contains(&format!("{path}:3:13: field `zone_type`: unknown zone type id \"newtown\"; expected one of: new_town, urban_regeneration, industrial_complex")),
        "{err}"
    );
}

#[test]
fn an_unknown_facility_type_names_the_facility() {
    let (code, err, path) = diagnose_text(&format!(
        "{HEAD}[[facility]]\ntype = \"lab\"\nname = \"A\"\nfloor_area_m2 = 10\n"
    ));
    assert_eq!(code, Some(2));
    assert!(
        err.contains(&format!(
            "{path}:6:8: field `facility[0].type`: unknown facility type id \"lab\""
        )),
        "{err}"
    );
    assert!(err.contains("incubation_space"), "{err}");
}

#[test]
fn a_wrong_type() {
    let (code, err, path) = diagnose_text(&format!("{HEAD}strategic_industries = \"로봇\"\n"));
    assert_eq!(code, Some(2));
    assert!(err.contains(&format!("{path}:5:24:")), "{err}");
    assert!(err.contains("sequence"), "{err}");
}

#[test]
fn a_missing_field() {
    let (code, err, _) = diagnose_text("id = \"z\"\nname = \"시험\"\nregion = \"gwangju\"\n");
    assert_eq!(code, Some(2));
    assert!(err.contains("missing field `zone_type`"), "{err}");
}

#[test]
fn several_errors_are_reported_together() {
    let (code, err, _) = diagnose_text(
        &format!("{HEAD}designations = [\"a\", \"b\"]\n").replace("gwangju", "atlantis"),
    );
    assert_eq!(code, Some(2));
    assert!(
        err.contains("unknown region id \"atlantis\"")
            && err.contains("\"a\"")
            && err.contains("\"b\""),
        "{err}"
    );
    assert!(err.trim_end().ends_with("3 errors"), "{err}");
}

#[test]
fn a_missing_file() {
    let out = ucz(&["diagnose", "examples/zones/atlantis.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("examples/zones/atlantis.toml: cannot read"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_unknown_format_is_a_usage_error() {
    let out = ucz(&["diagnose", "examples/zones/daejeon.toml", "--format", "pdf"]);
    assert_eq!(out.status.code(), Some(2));
}
