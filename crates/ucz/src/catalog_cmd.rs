//! `ucz catalog` and `ucz catalog check`.

use std::path::Path;

use ucz_core::catalog::{Catalog, Entry};
use ucz_core::{Lang, catalog::Kind};

use crate::ListFormat;
use crate::input::{self, BadInput};

/// Validates the catalog and says what it holds.
pub fn check(dir: Option<&Path>) -> anyhow::Result<()> {
    let sources = input::catalog_sources(dir)?;
    let catalog = Catalog::load(&sources).map_err(BadInput::from)?;
    let counts: Vec<String> = catalog
        .counts()
        .iter()
        .map(|(kind, n)| format!("{n} {kind}"))
        .collect();
    println!("{}: ok — {}", sources.folder, counts.join(", "));
    Ok(())
}

pub fn show(catalog: &Catalog, format: ListFormat, lang: Lang) -> anyhow::Result<()> {
    match format {
        ListFormat::Json => println!("{}", serde_json::to_string_pretty(catalog)?),
        ListFormat::Text => print!("{}", text(catalog, lang)),
    }
    Ok(())
}

fn text(catalog: &Catalog, lang: Lang) -> String {
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
        |f| names(catalog, Kind::Function, &f.functions, lang),
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
        |p| names(catalog, Kind::Function, &p.functions, lang),
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
        |d| names(catalog, Kind::Ministry, &d.ministries, lang),
    );
    section(
        &mut out,
        lang.pick("제도 개선과제", "Institutional improvements"),
        &catalog.improvements,
        lang,
        |_| String::new(),
    );
    out
}

fn names(catalog: &Catalog, kind: Kind, ids: &[ucz_core::Id], lang: Lang) -> String {
    ids.iter()
        .map(|id| catalog.name(kind, id, lang))
        .collect::<Vec<_>>()
        .join(", ")
}

fn section<T: Entry>(
    out: &mut String,
    title: &str,
    items: &[T],
    lang: Lang,
    detail: impl Fn(&T) -> String,
) {
    out.push_str(&format!("{title} ({})\n", items.len()));
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
