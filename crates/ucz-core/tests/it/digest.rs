//! Every identifier the brief's digest (`docs/brief-digest.md`) lists is in the catalog, as an
//! entry of the kind the digest gives it.

use std::collections::BTreeSet;

use ucz_core::Catalog;
use ucz_core::catalog::Entry;

const DIGEST: &str = include_str!("../../../../docs/brief-digest.md");

/// `(kind, id)` pairs read from the digest's tables and numbered lists, the kind taken from the
/// heading above them (`### Four core functions (핵심기능) — \`function\``).
fn digest_ids() -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    let mut kind: Option<String> = None;
    for line in DIGEST.lines() {
        if line.starts_with('#') {
            kind = line
                .split_once('—')
                .and_then(|(_, tail)| first_code(tail))
                .map(str::to_string);
            if line.contains("Institutional improvements") {
                kind = Some("improvement".into());
            }
            continue;
        }
        let Some(kind) = &kind else { continue };
        let trimmed = line.trim_start();
        let row = trimmed.strip_prefix("| ");
        let numbered = trimmed
            .split_once(". ")
            .filter(|(n, _)| n.chars().all(|c| c.is_ascii_digit()))
            .map(|(_, rest)| rest);
        if let Some(id) = row
            .or(numbered)
            .and_then(|rest| rest.strip_prefix('`'))
            .and_then(|rest| rest.split('`').next())
        {
            found.insert((kind.clone(), id.to_string()));
        }
        if line.contains("`zone_type_differentiation`") {
            for id in codes(line)
                .into_iter()
                .filter(|c| *c != "zone_type_differentiation")
            {
                found.insert(("zone_type".into(), id.to_string()));
            }
        }
    }
    // The Figure-4 columns are named in a paragraph of running text.
    let columns: Vec<&str> = DIGEST
        .lines()
        .skip_while(|l| !l.starts_with("Columns of Figure 4"))
        .take_while(|l| !l.starts_with('|'))
        .collect();
    for id in codes(&columns.join(" ")) {
        found.insert(("figure4_column".into(), id.to_string()));
    }
    found
}

fn first_code(text: &str) -> Option<&str> {
    text.split('`').nth(1)
}

fn codes(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

fn ids_of(catalog: &Catalog, kind: &str) -> Vec<String> {
    fn ids<T: Entry>(items: &[T]) -> Vec<String> {
        items.iter().map(|e| e.id().to_string()).collect()
    }
    match kind {
        "function" => ids(&catalog.functions),
        "facility_type" => ids(&catalog.facility_types),
        "linkage" => ids(&catalog.linkages),
        "principle" => ids(&catalog.principles),
        "typology" => ids(&catalog.typologies),
        "ministry" => ids(&catalog.ministries),
        "designation" => ids(&catalog.designations),
        "improvement" => ids(&catalog.improvements),
        "figure4_column" => ids(&catalog.figure4_columns),
        "zone_type" => ids(&catalog.zone_types),
        other => panic!("the digest names a kind the test does not know: {other}"),
    }
}

#[test]
fn every_identifier_of_the_digest_is_in_the_catalog() {
    let catalog = Catalog::bundled().unwrap_or_else(|e| panic!("{e}"));
    let found = digest_ids();
    let missing: Vec<_> = found
        .iter()
        .filter(|(kind, id)| !ids_of(&catalog, kind).contains(id))
        .collect();
    assert!(
        missing.is_empty(),
        "in the digest but not in the catalog: {missing:?}"
    );

    // The walk itself must have found every list, or the test would pass on nothing.
    let count = |kind: &str| found.iter().filter(|(k, _)| k == kind).count();
    assert_eq!(count("function"), 4);
    assert_eq!(count("facility_type"), 6);
    assert_eq!(count("linkage"), 6);
    assert_eq!(count("principle"), 6);
    assert_eq!(count("typology"), 4);
    assert_eq!(count("ministry"), 7);
    assert_eq!(count("designation"), 11);
    assert_eq!(count("improvement"), 4);
    assert_eq!(count("figure4_column"), 3);
    assert_eq!(count("zone_type"), 3);
}

#[test]
fn the_named_designations_of_the_issue_are_all_there() {
    let catalog = Catalog::bundled().unwrap_or_else(|e| panic!("{e}"));
    for name in [
        "연구개발특구",
        "규제자유특구",
        "산학융합지구",
        "지식기반산업 집적지구",
        "투자선도지구",
        "국가혁신융복합단지",
        "캠퍼스혁신파크",
        "고등교육 혁신 특화지역",
        "도시첨단산업단지",
        "기회발전특구",
        "글로벌혁신특구",
    ] {
        assert!(
            catalog
                .designations
                .iter()
                .any(|d| d.name_ko.starts_with(name)),
            "{name}"
        );
    }
}
