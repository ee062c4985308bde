//! One firm's package as a readable text, Korean or English: the programs it qualifies for grouped
//! by function and by ministry, each with its legal reference; the programs it does not, each with
//! the clause that failed; and the programs that open at its next stage.

use std::fmt::Write;

use super::{Offer, Package, ProgramKind};
use crate::catalog::{Catalog, Kind};
use crate::lang::Lang;

pub fn render(package: &Package, catalog: &Catalog, lang: Lang) -> String {
    let t = |ko: &'static str, en: &'static str| lang.pick(ko, en);
    let name = |kind: Kind, id: &str| catalog.name(kind, id, lang);
    let mut out = String::new();
    let who = if package.name.is_empty() {
        package.firm.clone()
    } else {
        format!("{} ({})", package.name, package.firm)
    };
    let _ = writeln!(out, "{who} — {}", t("지원사업 패키지", "program package"));
    let _ = writeln!(out, "{}", "=".repeat(60));
    let mut facts = format!(
        "{}: {} · {}: {} · {}: {}",
        t("기준일", "As of"),
        package.as_of,
        t("단계", "Stage"),
        name(Kind::Stage, &package.stage),
        t("업력", "Age"),
        lang.pick(
            &format!("{}년", package.age_years),
            &format!(
                "{} year{}",
                package.age_years,
                if package.age_years == 1 { "" } else { "s" }
            )
        ),
    );
    if let Some(next) = &package.next_stage {
        let _ = write!(
            facts,
            " · {}: {}",
            t("다음 단계", "Next stage"),
            name(Kind::Stage, next)
        );
    }
    let _ = writeln!(out, "\n{facts}");
    let _ = writeln!(
        out,
        "{}: {} · {}: {}",
        t("대상 사업", "Eligible programs"),
        package.eligible.len(),
        t("대상 아님", "Not eligible"),
        package.ineligible.len()
    );

    let _ = writeln!(
        out,
        "\n{}\n{}",
        t(
            "1. 대상 사업 (기능·부처별)",
            "1. Eligible programs (by function and ministry)"
        ),
        "-".repeat(60)
    );
    if package.eligible.is_empty() {
        let _ = writeln!(out, "  {}", t("대상 사업이 없습니다.", "No program."));
    }
    for function in &catalog.functions {
        let offers: Vec<&Offer> = package
            .eligible
            .iter()
            .filter(|o| o.functions.first() == Some(&function.id))
            .collect();
        if offers.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n  [{}]", name(Kind::Function, &function.id));
        let mut groups: Vec<(String, Vec<&Offer>)> = Vec::new();
        for offer in offers {
            let group = match (&offer.ministry, offer.kind) {
                (Some(m), _) => name(Kind::Ministry, m),
                (None, ProgramKind::SupportProgram) => {
                    t("특구 지원 프로그램", "Zone support programs").to_string()
                }
                (None, _) => t("특구 연계사업", "Zone linkage programs").to_string(),
            };
            match groups.iter_mut().find(|(g, _)| *g == group) {
                Some((_, list)) => list.push(offer),
                None => groups.push((group, vec![offer])),
            }
        }
        for (group, offers) in groups {
            let _ = writeln!(out, "  {group}");
            for offer in offers {
                let _ = writeln!(
                    out,
                    "    • {}",
                    program_name(catalog, offer.kind, &offer.id, lang)
                );
                let basis = &offer.basis;
                let reference = match lang {
                    Lang::En => basis.reference_en.as_deref().unwrap_or(&offer.reference),
                    Lang::Ko => offer.reference.as_str(),
                };
                let _ = writeln!(out, "      {}: {reference}", t("근거", "Reference"));
                let assumption = match lang {
                    Lang::En => basis.assumption_en.as_deref(),
                    Lang::Ko => basis.assumption_ko.as_deref(),
                };
                if let Some(assumption) = assumption {
                    let _ = writeln!(out, "      {}: {assumption}", t("가정", "Assumption"));
                }
                if basis.since_brief {
                    let _ = writeln!(
                        out,
                        "      {}",
                        t("정책브리프에 없는 사업", "Not in the brief")
                    );
                }
            }
        }
    }

    let _ = writeln!(
        out,
        "\n{}\n{}",
        t(
            "2. 다음 단계에 열리는 사업",
            "2. Programs that open at the next stage"
        ),
        "-".repeat(60)
    );
    if package.next_stage_programs.is_empty() {
        let _ = writeln!(out, "  {}", t("없습니다.", "None."));
    }
    for offer in &package.next_stage_programs {
        let _ = writeln!(
            out,
            "  • {}",
            program_name(catalog, offer.kind, &offer.id, lang)
        );
    }

    let _ = writeln!(
        out,
        "\n{}\n{}",
        t(
            "3. 대상이 아닌 사업과 이유",
            "3. Programs not eligible, and why"
        ),
        "-".repeat(60)
    );
    for refusal in &package.ineligible {
        let _ = writeln!(
            out,
            "  • {} — {}",
            program_name(catalog, refusal.kind, &refusal.id, lang),
            lang.pick(&refusal.explanation_ko, &refusal.explanation_en)
        );
    }
    out
}

fn program_name(catalog: &Catalog, kind: ProgramKind, id: &str, lang: Lang) -> String {
    let kind = match kind {
        ProgramKind::Program => Kind::Program,
        ProgramKind::SupportProgram => Kind::SupportProgram,
        ProgramKind::LinkageProgram => Kind::LinkageProgram,
    };
    catalog.name(kind, id, lang)
}
