//! `ucz catalog`, `ucz catalog check` and `--catalog DIR`.

use serde_json::Value;

use crate::{root, stderr, stdout, ucz};

#[test]
fn the_catalog_checks_clean() {
    let out = ucz(&["catalog", "check"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("4 functions, 6 facility_types, 6 linkages"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn the_catalog_folder_of_the_repository_checks_clean_too() {
    let out = ucz(&["catalog", "check", "--catalog", "catalog"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn json_has_one_array_per_kind_with_ids_and_names() {
    let out = ucz(&["catalog", "--format", "json"]);
    assert!(out.status.success());
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    for kind in [
        "functions",
        "facility_types",
        "linkages",
        "linkage_programs",
        "support_programs",
        "principles",
        "typologies",
        "zone_types",
        "ministries",
        "programs",
        "designations",
    ] {
        let items = json[kind]
            .as_array()
            .unwrap_or_else(|| panic!("{kind} is not an array"));
        assert!(!items.is_empty(), "{kind}");
        for item in items {
            for field in ["id", "name_ko", "name_en"] {
                assert!(
                    item[field].as_str().is_some_and(|s| !s.is_empty()),
                    "{kind}: {field} in {item}"
                );
            }
        }
    }
    assert!(
        json["linkage_programs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["linkage"].is_string())
    );
    for kind in ["programs", "support_programs", "linkage_programs"] {
        for program in json[kind].as_array().unwrap() {
            assert!(
                program["eligibility"]
                    .as_str()
                    .is_some_and(|r| r.contains("firm.")),
                "{program}"
            );
            assert!(
                program["reference"].as_str().is_some_and(|r| !r.is_empty()),
                "{program}"
            );
            assert!(
                program["stages"].as_array().is_some_and(|s| !s.is_empty()),
                "{program}"
            );
        }
    }
    for program in json["programs"].as_array().unwrap() {
        assert!(program["ministry"].is_string(), "{program}");
        assert!(
            program["functions"]
                .as_array()
                .is_some_and(|f| !f.is_empty()),
            "{program}"
        );
    }
}

#[test]
fn the_text_listing_follows_the_language() {
    let ko = stdout(&ucz(&["catalog"]));
    assert!(ko.contains("핵심기능 · 4") && ko.contains("중소벤처기업부"));
    let en = stdout(&ucz(&["catalog", "--lang", "en"]));
    assert!(en.contains("Functions · 4") && en.contains("Ministry of SMEs and Startups"));
}

/// Copies the catalog (with its rule tests) to a temporary folder, with one file changed.
pub fn broken_catalog(file: &str, edit: impl Fn(String) -> String) -> tempfile::TempDir {
    fn copy(
        from: &std::path::Path,
        to: &std::path::Path,
        file: &str,
        edit: &dyn Fn(String) -> String,
    ) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap().to_string();
            if path.is_dir() {
                copy(&path, &to.join(&name), file, edit);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let relative = path
                .strip_prefix(root().join("catalog"))
                .unwrap()
                .to_str()
                .unwrap()
                .to_string();
            let text = if relative == file { edit(text) } else { text };
            std::fs::write(to.join(name), text).unwrap();
        }
    }
    let dir = tempfile::tempdir().unwrap();
    copy(&root().join("catalog"), dir.path(), file, &edit);
    dir
}

#[test]
fn a_broken_reference_fails_the_check_with_its_place_and_exit_code_2() {
    let dir = broken_catalog("linkage_programs.toml", |t| {
        t.replacen(
            "linkage = \"innovation_startup\"",
            "linkage = \"innovation_start\"",
            1,
        )
    });
    let path = dir.path().to_str().unwrap();
    let out = ucz(&["catalog", "check", "--catalog", path]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains(&format!("{path}/linkage_programs.toml:8:11: field `joint_rnd_commercialization.linkage`: unknown linkage id \"innovation_start\"")), "{err}");
    assert!(
        err.contains("expected one of: innovation_startup, innovation_enterprise"),
        "{err}"
    );
}

#[test]
fn placement_numbers_and_space_kinds_are_checked_with_their_place() {
    let dir = broken_catalog("placement.toml", |t| {
        t.replacen("value = 2.0", "value = 0.5", 1).replacen(
            "id = \"rent_max\"",
            "id = \"rent_cap\"",
            1,
        )
    });
    let path = dir.path().to_str().unwrap();
    let out = ucz(&["catalog", "check", "--catalog", path]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains(&format!("{path}/placement.toml:14:9: field `growth_factor.value`: 0.5 is out of range; growth_factor must be a number from 1 to 10")), "{err}");
    assert!(
        err.contains("unknown placement parameter id \"rent_cap\""),
        "{err}"
    );
    assert!(
        err.contains("placement parameter \"rent_max\" is missing"),
        "{err}"
    );

    let dir = broken_catalog("space_kinds.toml", |t| t.replace("expansion = true", ""));
    let out = ucz(&[
        "catalog",
        "check",
        "--catalog",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("space_kinds.toml: no space kind has `expansion = true`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn every_command_uses_the_catalog_given() {
    let dir = broken_catalog("zone_types.toml", |t| {
        t.replace("name_ko = \"도시재생형\"", "name_ko = \"원도심 재생형\"")
    });
    let out = ucz(&[
        "diagnose",
        "examples/zones/daejeon.toml",
        "--catalog",
        dir.path().to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("원도심 재생형"));
}

#[test]
fn a_missing_catalog_folder_is_bad_input() {
    let out = ucz(&["catalog", "check", "--catalog", "no/such/folder"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no/such/folder: not a catalog folder"));
}
