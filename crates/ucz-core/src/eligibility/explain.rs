//! A failed clause in words a founder reads, Korean and English: "업력 3년 미만 대상 (현재 4년)"
//! rather than `firm.age_years < 3: 4`. A clause of a shape it does not know is named by the
//! facts it reads ("직원 수·청년 직원 수에 관한 조건"); its CEL is left to the rule's disclosure.

use crate::catalog::{Catalog, Kind};
use crate::firm::{FirmFacts, FirmField};
use crate::lang::Lang;
use crate::rule::{BinaryOp, Expr, ExprKind, FailedClause, UnaryOp, Value, as_field, flatten};

/// The clause that failed, explained; `None` when its shape is not one of the known ones.
pub fn explain(
    clause: &Expr,
    failed: &FailedClause,
    facts: &FirmFacts<'_>,
    catalog: &Catalog,
    lang: Lang,
) -> Option<String> {
    if let Some(error) = &failed.error {
        return Some(match lang {
            Lang::Ko => format!("규칙을 평가할 수 없어 대상이 아님 ({error})"),
            Lang::En => {
                format!("the rule cannot be evaluated for this firm ({error}), so not eligible")
            }
        });
    }
    words(clause, Some(facts), catalog, lang).or_else(|| Some(about(clause, Some(facts), lang)))
}

/// A whole rule in words, for readers of the catalog: its `&&` clauses one by one, each in
/// words when its shape is known and as CEL otherwise.
pub fn describe(rule: &Expr, catalog: &Catalog, lang: Lang) -> Vec<String> {
    let mut parts = Vec::new();
    flatten(rule, BinaryOp::And, &mut parts);
    parts
        .into_iter()
        .map(|clause| {
            words(clause, None, catalog, lang).unwrap_or_else(|| about(clause, None, lang))
        })
        .collect()
}

/// One clause in words; with a firm's facts, its current value is added ("(현재 4년)").
fn words(
    clause: &Expr,
    facts: Option<&FirmFacts<'_>>,
    catalog: &Catalog,
    lang: Lang,
) -> Option<String> {
    let t = |ko: &str, en: &str| lang.pick(ko, en).to_string();
    // "(now …)" when the firm is known.
    let now = |value: String| match (facts, lang) {
        (None, _) => String::new(),
        (Some(_), Lang::Ko) => format!(" (현재 {value})"),
        (Some(_), Lang::En) => format!(" (now {value})"),
    };
    match &clause.kind {
        // firm.stage in ["early", …]
        ExprKind::Binary(BinaryOp::In, a, b) if as_field(a) == Some(FirmField::Stage) => {
            let ExprKind::List(items) = &b.kind else {
                return None;
            };
            let stages: Vec<String> = items
                .iter()
                .filter_map(|i| match &i.kind {
                    ExprKind::Str(s) => Some(s.clone()),
                    _ => None,
                })
                .collect();
            Some(stage_list(&stages, facts, catalog, lang))
        }
        // firm.region == "daejeon", firm.region in ["daejeon", …]
        ExprKind::Binary(op @ (BinaryOp::Eq | BinaryOp::In), a, b)
            if as_field(a) == Some(FirmField::Region) =>
        {
            let ids: Vec<&str> = match (&b.kind, op) {
                (ExprKind::Str(id), BinaryOp::Eq) => vec![id.as_str()],
                (ExprKind::List(items), BinaryOp::In) => items
                    .iter()
                    .filter_map(|i| match &i.kind {
                        ExprKind::Str(s) => Some(s.as_str()),
                        _ => None,
                    })
                    .collect(),
                _ => return None,
            };
            let names: Vec<String> = ids
                .iter()
                .map(|id| catalog.name(Kind::Region, id, lang))
                .collect();
            let current = facts
                .map(|f| now(catalog.name(Kind::Region, f.firm.region.as_str(), lang)))
                .unwrap_or_default();
            Some(match lang {
                Lang::Ko => format!("대상 지역: {}{current}", names.join(", ")),
                Lang::En => format!("for firms in {}{current}", names.join(", ")),
            })
        }
        // "rnd_special_zone" in firm.designations
        ExprKind::Binary(BinaryOp::In, a, b) if as_field(b) == Some(FirmField::Designations) => {
            let ExprKind::Str(designation) = &a.kind else {
                return None;
            };
            let name = catalog.name(Kind::Designation, designation, lang);
            Some(match lang {
                Lang::Ko => format!("{name} 지정 지역의 기업 대상"),
                Lang::En => format!("for firms in a designated area: {name}"),
            })
        }
        // firm.zone != ""
        ExprKind::Binary(BinaryOp::Ne, a, b)
            if as_field(a) == Some(FirmField::Zone)
                && matches!(&b.kind, ExprKind::Str(s) if s.is_empty()) =>
        {
            Some(t(
                "도심융합특구 입주기업 대상",
                "for tenants of an urban convergence special zone",
            ))
        }
        // firm.stage == "pre_startup"
        ExprKind::Binary(op @ (BinaryOp::Eq | BinaryOp::Ne), a, b)
            if as_field(a) == Some(FirmField::Stage) =>
        {
            let ExprKind::Str(stage) = &b.kind else {
                return None;
            };
            let name = catalog.name(Kind::Stage, stage, lang);
            let now = now(stage_now(facts, catalog, lang));
            Some(match (lang, op) {
                (Lang::Ko, BinaryOp::Eq) => format!("{name} 단계 대상{now}"),
                (Lang::Ko, _) => format!("{name} 단계는 제외"),
                (Lang::En, BinaryOp::Eq) => format!("for the {name} stage{now}"),
                (Lang::En, _) => format!("not for the {name} stage"),
            })
        }
        // firm.employees < 300, firm.age_years >= 3
        ExprKind::Binary(op, a, b) if op.is_comparison() => {
            let field = as_field(a)?;
            let limit = match &b.kind {
                ExprKind::Int(i) => *i,
                _ => return None,
            };
            let (label_ko, label_en, unit_ko, unit_en) = quantity(field)?;
            let now = now(format!(
                "{}{}",
                grouped(facts.map_or(0, |f| f.int(field))),
                lang.pick(unit_ko, unit_en)
            ));
            let (op_ko, op_en) = match op {
                BinaryOp::Lt => ("미만", "less than"),
                BinaryOp::Le => ("이하", "at most"),
                BinaryOp::Gt => ("초과", "more than"),
                BinaryOp::Ge => ("이상", "at least"),
                BinaryOp::Eq => ("", "exactly"),
                _ => ("아닌", "other than"),
            };
            Some(match lang {
                Lang::Ko => format!("{label_ko} {}{unit_ko} {op_ko} 대상{now}", grouped(limit)),
                Lang::En => format!("for {label_en} {op_en} {}{unit_en}{now}", grouped(limit)),
            })
        }
        // firm.sme: the size test, with the figures of the firm's industry when it is known
        ExprKind::Select(..) if as_field(clause) == Some(FirmField::Sme) => {
            Some(sme_words(facts, catalog, lang))
        }
        // firm.has_rnd_lab, !firm.capital_region
        ExprKind::Select(..) => {
            let (ko, en) = flag(as_field(clause)?)?;
            Some(match lang {
                Lang::Ko => format!("{ko} 기업 대상"),
                Lang::En => format!("for firms that are {en}"),
            })
        }
        ExprKind::Unary(UnaryOp::Not, inner) => {
            let (ko, en) = flag(as_field(inner)?)?;
            Some(match lang {
                Lang::Ko => format!("{ko} 기업은 제외"),
                Lang::En => format!("not for firms that are {en}"),
            })
        }
        // (firm.age_years < 3 && firm.has_rnd_lab) inside alternatives: both in words
        ExprKind::Binary(BinaryOp::And, a, b) => Some(format!(
            "{} {} {}",
            words(a, facts, catalog, lang)?,
            lang.pick("및", "and"),
            words(b, facts, catalog, lang)?
        )),
        // firm.stage == "early" || firm.stage == "growth"
        ExprKind::Binary(BinaryOp::Or, ..) if stage_choices(clause).is_some() => {
            Some(stage_list(&stage_choices(clause)?, facts, catalog, lang))
        }
        // (firm.sector.startsWith("C") || firm.sector.startsWith("J") || …)
        ExprKind::Binary(BinaryOp::Or, ..) | ExprKind::Method(..) => {
            let mut prefixes = Vec::new();
            if sector_prefixes(clause, &mut prefixes).is_none() {
                // (firm.graduated_incubator || firm.stage == "growth"): each alternative in words
                return match &clause.kind {
                    ExprKind::Binary(BinaryOp::Or, ..) => either(clause, facts, catalog, lang),
                    _ => None,
                };
            }
            let sector = facts.map(|f| f.firm.sector.clone()).unwrap_or_default();
            let now = now(if sector.is_empty() {
                t("없음", "none")
            } else {
                sector
            });
            Some(match lang {
                Lang::Ko => format!("업종(KSIC) {} 대상{now}", prefixes.join("·")),
                Lang::En => format!("for KSIC sectors {}{now}", prefixes.join(", ")),
            })
        }
        _ => None,
    }
}

/// "for stages A, B (now C)": the stages by their catalog names.
fn stage_list(
    stages: &[String],
    facts: Option<&FirmFacts<'_>>,
    catalog: &Catalog,
    lang: Lang,
) -> String {
    let names: Vec<String> = stages
        .iter()
        .map(|s| catalog.name(Kind::Stage, s, lang))
        .collect();
    let now = match (facts, lang) {
        (None, _) => String::new(),
        (Some(_), Lang::Ko) => format!(" (현재 {})", stage_now(facts, catalog, lang)),
        (Some(_), Lang::En) => format!(" (now {})", stage_now(facts, catalog, lang)),
    };
    match lang {
        Lang::Ko => format!("대상 단계: {}{now}", names.join(", ")),
        Lang::En => format!("for stages {}{now}", names.join(", ")),
    }
}

/// `a || b || …` whose alternatives each read as words, joined by "or"; the alternatives that
/// name stages read as one list of stages. `None` when one of them has no words.
fn either(
    clause: &Expr,
    facts: Option<&FirmFacts<'_>>,
    catalog: &Catalog,
    lang: Lang,
) -> Option<String> {
    let mut parts = Vec::new();
    flatten(clause, BinaryOp::Or, &mut parts);
    let mut stages = Vec::new();
    let mut said = Vec::new();
    for part in parts {
        match stage_choices(part) {
            Some(named) => stages.extend(named),
            None => said.push(words(part, facts, catalog, lang)?),
        }
    }
    if !stages.is_empty() {
        said.push(stage_list(&stages, facts, catalog, lang));
    }
    Some(said.join(lang.pick(" 또는 ", " or ")))
}

/// `firm.stage == "a" || firm.stage == "b" || …` as its stages, if the clause is only that.
fn stage_choices(expr: &Expr) -> Option<Vec<String>> {
    match &expr.kind {
        ExprKind::Binary(BinaryOp::Or, a, b) => {
            let mut stages = stage_choices(a)?;
            stages.extend(stage_choices(b)?);
            Some(stages)
        }
        ExprKind::Binary(BinaryOp::Eq, a, b) if as_field(a) == Some(FirmField::Stage) => {
            match &b.kind {
                ExprKind::Str(stage) => Some(vec![stage.clone()]),
                _ => None,
            }
        }
        _ => None,
    }
}

fn stage_now(facts: Option<&FirmFacts<'_>>, catalog: &Catalog, lang: Lang) -> String {
    facts.map_or_else(String::new, |f| {
        catalog.name(Kind::Stage, f.firm.stage.as_str(), lang)
    })
}

/// `firm.sector.startsWith("C") || …` as its prefixes, if the clause is only that.
fn sector_prefixes(expr: &Expr, out: &mut Vec<String>) -> Option<()> {
    match &expr.kind {
        ExprKind::Binary(BinaryOp::Or, a, b) => {
            sector_prefixes(a, out)?;
            sector_prefixes(b, out)
        }
        ExprKind::Method(target, name, args)
            if name == "startsWith" && as_field(target) == Some(FirmField::Sector) =>
        {
            match args.as_slice() {
                [
                    Expr {
                        kind: ExprKind::Str(prefix),
                        ..
                    },
                ] => {
                    out.push(prefix.clone());
                    Some(())
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// A clause of an unknown shape in words: the facts it reads, with the firm's values.
fn about(clause: &Expr, facts: Option<&FirmFacts<'_>>, lang: Lang) -> String {
    let mut fields: Vec<FirmField> = Vec::new();
    crate::rule::visit(clause, &mut |e| {
        if let Some(f) = as_field(e) {
            if !fields.contains(&f) {
                fields.push(f);
            }
        }
    });
    let name = |f: FirmField| -> String {
        if let Some((ko, en, _, _)) = quantity(f) {
            return lang.pick(ko, en).to_string();
        }
        if let Some((ko, en)) = flag(f) {
            return lang.pick(ko, en).to_string();
        }
        match f {
            FirmField::Sector => lang.pick("업종", "sector"),
            FirmField::Stage => lang.pick("성장단계", "stage"),
            FirmField::Region => lang.pick("지역", "region"),
            FirmField::Zone => lang.pick("입주 특구", "zone"),
            FirmField::Designations => lang.pick("지정제도", "designations"),
            _ => lang.pick("기업 정보", "the firm's profile"),
        }
        .to_string()
    };
    let names: Vec<String> = fields.iter().map(|f| name(*f)).collect();
    let values: Vec<String> = match facts {
        None => Vec::new(),
        Some(facts) => fields
            .iter()
            .filter_map(|f| {
                let (ko, en, unit_ko, unit_en) = quantity(*f)?;
                let value = grouped(facts.int(*f));
                Some(match lang {
                    Lang::Ko => format!("{ko} {value}{unit_ko}"),
                    Lang::En => format!("{en} {value}{unit_en}"),
                })
            })
            .collect(),
    };
    let now = if values.is_empty() {
        String::new()
    } else {
        match lang {
            Lang::Ko => format!(" (현재 {})", values.join(", ")),
            Lang::En => format!(" (now {})", values.join(", ")),
        }
    };
    match lang {
        Lang::Ko => format!("{}에 관한 조건{now}", names.join("·")),
        Lang::En => format!("a condition on {}{now}", names.join(" and ")),
    }
}

fn quantity(field: FirmField) -> Option<(&'static str, &'static str, &'static str, &'static str)> {
    Some(match field {
        FirmField::AgeYears => ("업력", "firm age", "년", " years"),
        FirmField::Employees => ("직원 수", "employees", "명", ""),
        FirmField::YouthEmployees => ("청년 직원 수", "young employees", "명", ""),
        FirmField::RevenueKrw => ("매출", "revenue", "원", " won"),
        FirmField::RndSpendKrw => ("연구개발비", "R&D spending", "원", " won"),
        FirmField::ExportRevenueKrw => ("수출액", "export revenue", "원", " won"),
        FirmField::FounderAge => ("대표자 나이", "founder's age", "세", ""),
        FirmField::ResearchInstituteShare => (
            "공공연구기관 지분",
            "public research institutes' share of the capital",
            "%",
            "%",
        ),
        FirmField::HighTechSalesShare => (
            "첨단기술 제품 매출 비중",
            "high-tech share of sales",
            "%",
            "%",
        ),
        FirmField::AssetsKrw => ("자산총액", "total assets", "원", " won"),
        _ => return None,
    })
}

fn flag(field: FirmField) -> Option<(&'static str, &'static str)> {
    Some(match field {
        FirmField::InIncubator => ("창업보육센터 입주", "in an incubator"),
        FirmField::GraduatedIncubator => ("창업보육센터 졸업", "incubator graduates"),
        FirmField::VentureCertified => ("벤처기업 확인", "venture-certified"),
        FirmField::HasRndLab => ("기업부설연구소 보유", "running an R&D lab"),
        FirmField::CapitalRegion => ("수도권 소재", "in the capital region"),
        FirmField::StrategicIndustry => (
            "지역 전략산업 종사",
            "in a strategic industry of the region",
        ),
        FirmField::OwnsHome => ("주택 소유", "owning a home"),
        FirmField::Sme => ("중소기업", "SMEs"),
        _ => return None,
    })
}

/// `firm.sme` in words: the size test, and with a firm, the row of its industry, its figures
/// and its revenue and assets.
fn sme_words(facts: Option<&FirmFacts<'_>>, catalog: &Catalog, lang: Lang) -> String {
    let assets = catalog.sme_assets_below().map(|a| won(a, lang));
    let Some(facts) = facts else {
        return match (lang, assets) {
            (Lang::Ko, Some(a)) => format!(
                "중소기업 대상 (중소기업기본법 규모 기준: 업종별 매출액, 자산총액 {a} 미만)"
            ),
            (Lang::Ko, None) => "중소기업 대상 (중소기업기본법 규모 기준: 업종별 매출액)".into(),
            (Lang::En, Some(a)) => format!(
                "for SMEs (the SME Act's size test: revenue by industry, total assets under {a})"
            ),
            (Lang::En, None) => "for SMEs (the SME Act's size test: revenue by industry)".into(),
        };
    };
    let firm = facts.firm;
    let row = catalog.sme_size(&firm.sector);
    let industry = row.map_or(String::new(), |r| {
        let name = lang.pick(&r.name_ko, &r.name_en);
        match (lang, firm.sector.is_empty()) {
            (Lang::Ko, true) => format!("업종 미기재: 가장 낮은 기준({name})"),
            (Lang::En, true) => format!("no sector given: the lowest figure ({name})"),
            _ => name.to_string(),
        }
    });
    let revenue = row.and_then(|r| r.revenue_max_krw).map(|r| won(r, lang));
    let limits = match (lang, revenue, assets) {
        (Lang::Ko, Some(r), Some(a)) => format!("매출액 {r} 이하, 자산총액 {a} 미만"),
        (Lang::En, Some(r), Some(a)) => format!("revenue at most {r}, total assets under {a}"),
        (Lang::Ko, Some(r), None) => format!("매출액 {r} 이하"),
        (Lang::En, Some(r), None) => format!("revenue at most {r}"),
        (_, None, _) => String::new(),
    };
    let (revenue_now, assets_now) = (won(firm.revenue_krw, lang), won(firm.assets_krw, lang));
    match lang {
        Lang::Ko => format!(
            "중소기업 대상 ({industry}: {limits}; 현재 매출액 {revenue_now}, 자산총액 {assets_now})"
        ),
        Lang::En => format!(
            "for SMEs ({industry}: {limits}; now revenue {revenue_now}, total assets {assets_now})"
        ),
    }
}

/// An amount of won as its readers write it: 억원 (10^8 won) in Korean, `1,000억원`; billions
/// of won in English, `₩100 billion`; smaller amounts whole.
fn won(amount: i64, lang: Lang) -> String {
    // Tenths of a unit, so that 123.4억원 or ₩12.3 billion keep one decimal.
    let scaled = |unit: i64| {
        let (whole, tenths) = (amount / unit, (amount % unit).abs() / (unit / 10));
        match tenths {
            0 => grouped(whole),
            t => format!("{}.{t}", grouped(whole)),
        }
    };
    match lang {
        Lang::Ko if amount.abs() >= 100_000_000 => format!("{}억원", scaled(100_000_000)),
        Lang::Ko => format!("{}원", grouped(amount)),
        Lang::En if amount.abs() >= 1_000_000_000 => format!("₩{} billion", scaled(1_000_000_000)),
        Lang::En if amount.abs() >= 1_000_000 => format!("₩{} million", scaled(1_000_000)),
        Lang::En => format!("₩{}", grouped(amount)),
    }
}

fn grouped(value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if value < 0 { format!("-{out}") } else { out }
}

/// The value as JSON, for machine readers of the package.
pub fn json_value(value: &Value) -> serde_json::Value {
    match value {
        Value::Int(i) => serde_json::Value::from(*i),
        Value::Double(d) => serde_json::Number::from_f64(*d)
            .map_or(serde_json::Value::Null, serde_json::Value::Number),
        Value::String(s) => serde_json::Value::from(s.as_str()),
        Value::Bool(b) => serde_json::Value::from(*b),
        Value::List(items) => serde_json::Value::Array(items.iter().map(json_value).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::rule::Rule;

    #[test]
    fn a_rule_reads_as_words_clause_by_clause() {
        let catalog = Catalog::bundled().expect("bundled catalog");
        let rule = Rule::parse(
            r#"firm.stage in ["early", "growth"] && firm.age_years < 7 && !firm.capital_region && firm.sector.size() > 9"#,
        )
        .expect("rule");
        let ko = describe(rule.expr(), &catalog, Lang::Ko);
        assert_eq!(ko.len(), 4);
        assert!(ko[0].starts_with("대상 단계: "), "{ko:?}");
        assert!(!ko[0].contains("현재"), "no firm, no current value: {ko:?}");
        assert_eq!(ko[1], "업력 7년 미만 대상");
        assert_eq!(ko[2], "수도권 소재 기업은 제외");
        // A shape without words is named by the facts it reads; its CEL is the rule's.
        assert_eq!(ko[3], "업종에 관한 조건");
        assert!(!ko.iter().any(|k| k.contains("firm.")), "{ko:?}");
        let en = describe(rule.expr(), &catalog, Lang::En);
        assert_eq!(en[1], "for firm age less than 7 years");
        let either = Rule::parse(
            r#"(firm.stage == "early" || firm.stage == "growth") && firm.employees < 50"#,
        )
        .expect("rule");
        let words = describe(either.expr(), &catalog, Lang::En);
        assert_eq!(words[0], "for stages Early stage, Growth", "{words:?}");
        // Alternatives of other shapes read as words too, with the catalog's names for ids.
        let mixed = Rule::parse(
            r#"(firm.graduated_incubator || firm.stage == "growth" || firm.stage == "scale_up") && (firm.has_rnd_lab || "rnd_special_zone" in firm.designations)"#,
        )
        .expect("rule");
        let ko = describe(mixed.expr(), &catalog, Lang::Ko);
        assert_eq!(
            ko,
            [
                "창업보육센터 졸업 기업 대상 또는 대상 단계: 도약기, 스케일업",
                "기업부설연구소 보유 기업 대상 또는 연구개발특구 (강소특구 포함) 지정 지역의 기업 대상",
            ]
        );
        assert!(ko.iter().all(|w| !w.contains("firm.")), "{ko:?}");
        let sme = Rule::parse("!firm.capital_region && firm.sme").expect("rule");
        assert_eq!(
            describe(sme.expr(), &catalog, Lang::Ko)[1],
            "중소기업 대상 (중소기업기본법 규모 기준: 업종별 매출액, 자산총액 5,000억원 미만)"
        );
        let nested = Rule::parse(
            r#"firm.stage == "pre_startup" || (firm.age_years < 3 && firm.has_rnd_lab)"#,
        )
        .expect("rule");
        assert_eq!(
            describe(nested.expr(), &catalog, Lang::Ko),
            ["업력 3년 미만 대상 및 기업부설연구소 보유 기업 대상 또는 대상 단계: 예비창업"]
        );
    }

    #[test]
    fn a_refused_sme_reads_its_industry_figure_and_its_own() {
        let catalog = Catalog::bundled().expect("bundled catalog");
        let rule = Rule::parse("firm.sme").expect("rule");
        let firm: crate::firm::Firm = toml::from_str(
            r#"id = "f"
stage = "growth"
region = "daejeon"
founder_age = 40
sector = "J62"
revenue_krw = 90_000_000_000
assets_krw = 12_345_000_000"#,
        )
        .expect("firm");
        let facts = firm.facts(crate::date::Date::new(2026, 6, 30).expect("date"), &catalog);
        let reason = words(rule.expr(), Some(&facts), &catalog, Lang::Ko).expect("in words");
        assert_eq!(
            reason,
            "중소기업 대상 (정보통신업: 매출액 800억원 이하, 자산총액 5,000억원 미만; 현재 매출액 900억원, 자산총액 123.4억원)"
        );
        assert_eq!(won(99_999_999, Lang::Ko), "99,999,999원");
        let reason = words(rule.expr(), Some(&facts), &catalog, Lang::En).expect("in words");
        assert_eq!(
            reason,
            "for SMEs (Information and communication: revenue at most ₩80 billion, total assets under ₩500 billion; now revenue ₩90 billion, total assets ₩12.3 billion)"
        );
        assert_eq!(won(2_500_000, Lang::En), "₩2.5 million");
    }
}
