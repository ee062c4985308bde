//! `ucz catalog` and `ucz catalog check`.

use ucz_core::catalog::{Catalog, Entry, Kind};
use ucz_core::{Id, Lang};

use crate::ListFormat;
use crate::input::{self, BadInput, CatalogFolder};
use crate::output;

/// Validates the catalog and says what it holds.
pub fn check(folder: Option<&CatalogFolder>) -> anyhow::Result<()> {
    let sources = input::catalog_sources(folder)?;
    let catalog = Catalog::load(&sources).map_err(BadInput::from)?;
    let counts: Vec<String> = catalog
        .counts()
        .iter()
        .map(|(kind, n)| format!("{n} {kind}"))
        .collect();
    output::text(&format!("{}: ok — {}\n", sources.folder, counts.join(", ")))
}

pub fn show(catalog: &Catalog, format: ListFormat, lang: Lang) -> anyhow::Result<()> {
    match format {
        ListFormat::Json => output::json(catalog),
        ListFormat::Text => output::text(&text(catalog, lang)),
    }
}

fn text(catalog: &Catalog, lang: Lang) -> String {
    let names = |kind: Kind, ids: &[Id]| {
        ids.iter()
            .map(|id| catalog.name(kind, id, lang))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let mut out = String::new();
    section(
        &mut out,
        lang.pick("핵심기능", "Functions"),
        &catalog.functions,
        lang,
        |_| String::new(),
    );
    section(
        &mut out,
        lang.pick("도입시설", "Facility types"),
        &catalog.facility_types,
        lang,
        |f| names(Kind::Function, &f.functions),
    );
    section(
        &mut out,
        lang.pick("기능 연계", "Linkages"),
        &catalog.linkages,
        lang,
        |_| String::new(),
    );
    section(
        &mut out,
        lang.pick("연계사업", "Linkage programs"),
        &catalog.linkage_programs,
        lang,
        |p| catalog.name(Kind::Linkage, &p.linkage, lang),
    );
    section(
        &mut out,
        lang.pick("지원 프로그램", "Support programs"),
        &catalog.support_programs,
        lang,
        |p| names(Kind::Function, &p.functions),
    );
    section(
        &mut out,
        lang.pick("운영·관리원칙", "Principles"),
        &catalog.principles,
        lang,
        |_| String::new(),
    );
    section(
        &mut out,
        lang.pick("사업 유형 (표 1)", "Typologies (Table 1)"),
        &catalog.typologies,
        lang,
        |t| {
            t.primary_function
                .as_ref()
                .map(|f| catalog.name(Kind::Function, f, lang))
                .unwrap_or_default()
        },
    );
    section(
        &mut out,
        lang.pick("특구 유형", "Zone types"),
        &catalog.zone_types,
        lang,
        |_| String::new(),
    );
    section(
        &mut out,
        lang.pick("부처", "Ministries"),
        &catalog.ministries,
        lang,
        |_| String::new(),
    );
    section(
        &mut out,
        lang.pick("부처 사업", "Programs"),
        &catalog.programs,
        lang,
        |p| catalog.name(Kind::Ministry, &p.ministry, lang),
    );
    section(
        &mut out,
        lang.pick("지정제도", "Designations"),
        &catalog.designations,
        lang,
        |d| names(Kind::Ministry, &d.ministries),
    );
    section(
        &mut out,
        lang.pick("그림 4의 열", "Figure 4 columns"),
        &catalog.figure4_columns,
        lang,
        |_| String::new(),
    );
    section(
        &mut out,
        lang.pick("제도 개선과제", "Institutional improvements"),
        &catalog.improvements,
        lang,
        |_| String::new(),
    );
    section(
        &mut out,
        lang.pick("참여기관 유형", "Institution kinds"),
        &catalog.institution_kinds,
        lang,
        |k| names(Kind::Function, &k.functions),
    );
    section(
        &mut out,
        lang.pick("거점 유형", "Hub kinds"),
        &catalog.hub_kinds,
        lang,
        |_| String::new(),
    );
    section(
        &mut out,
        lang.pick("광역경제권", "Metropolitan economic regions"),
        &catalog.economic_regions,
        lang,
        |area| {
            area.members
                .iter()
                .map(|m| {
                    catalog
                        .region(m.as_str())
                        .map_or(m.as_str(), |r| lang.pick(&r.name_ko, &r.name_en))
                })
                .collect::<Vec<_>>()
                .join(", ")
        },
    );
    section(
        &mut out,
        lang.pick("시도", "Regions"),
        &catalog.regions,
        lang,
        |r| {
            if r.capital_region {
                lang.pick("수도권", "capital region").to_string()
            } else {
                String::new()
            }
        },
    );
    out
}

fn section<T: Entry>(
    out: &mut String,
    title: &str,
    items: &[T],
    lang: Lang,
    detail: impl Fn(&T) -> String,
) {
    out.push_str(&format!("{title} · {}\n", items.len()));
    for item in items {
        let name = lang.pick(item.name_ko(), item.name_en());
        let detail = detail(item);
        if detail.is_empty() {
            out.push_str(&format!("  {:<32} {name}\n", item.id().as_str()));
        } else {
            out.push_str(&format!("  {:<32} {name} — {detail}\n", item.id().as_str()));
        }
    }
    out.push('\n');
}

/// Runs the rule tests; exit code 1 when one fails or a program has too few.
pub fn test(folder: Option<&CatalogFolder>) -> anyhow::Result<std::process::ExitCode> {
    use ucz_core::eligibility::{Rulebook, cases};
    let sources = input::catalog_sources(folder)?;
    let catalog = Catalog::load(&sources).map_err(BadInput::from)?;
    let rulebook = Rulebook::new(&catalog);
    let mut all = Vec::new();
    let mut errors = Vec::new();
    for file in ucz_core::catalog::TEST_FILES {
        let path = sources.path(file);
        let Some(text) = sources.files.get(file) else {
            errors.push(ucz_core::SourceFile::new(&path, "").error(None, "rule test file missing"));
            continue;
        };
        match cases::parse(ucz_core::SourceFile::new(&path, text), &catalog, &rulebook) {
            Ok(found) => all.extend(found),
            Err(e) => errors.extend(e.0),
        }
    }
    if !errors.is_empty() {
        return Err(BadInput::from(ucz_core::InputErrors(errors)).into());
    }
    let results = cases::run(&catalog, &rulebook, &all);
    let mut report = String::new();
    let mut failed = 0;
    for result in &results {
        if let Some(failure) = &result.failure {
            failed += 1;
            report.push_str(&format!(
                "FAIL {}:{} [{}] {}: {failure}\n",
                result.case.file, result.case.line, result.case.program, result.case.name
            ));
        }
    }
    let undertested = cases::undertested(&rulebook, &all);
    for program in &undertested {
        report.push_str(&format!(
            "FAIL program {program} has fewer than {} rule tests\n",
            cases::MIN_CASES_PER_PROGRAM
        ));
    }
    let passed = results.len() - failed;
    report.push_str(&format!(
        "rule tests: {} programs, {} cases\n{passed} passed, {failed} failed\n",
        rulebook.programs.len(),
        results.len()
    ));
    output::text(&report)?;
    Ok(if failed == 0 && undertested.is_empty() {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::from(1)
    })
}
