//! The diagnosis as a readable report, in Korean or English, as plain text or Markdown.
//! Both styles come from one walk over the diagnosis; only the marks differ.

use std::fmt::Write;

use crate::catalog::{Catalog, Kind, Requirement};
use crate::diagnosis::{
    Diagnosis, Evidence, FunctionStatus, LinkageStatus, PackageItemKind, PrincipleStatus, Warning,
};
use crate::id::Id;
use crate::lang::Lang;
use crate::zone::Ownership;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Text,
    Markdown,
}

/// Renders a diagnosis report.
pub fn render(diagnosis: &Diagnosis, catalog: &Catalog, lang: Lang, style: Style) -> String {
    let r = Report {
        catalog,
        lang,
        style,
        out: String::new(),
    };
    r.diagnosis(diagnosis)
}

struct Report<'a> {
    catalog: &'a Catalog,
    lang: Lang,
    style: Style,
    out: String,
}

impl Report<'_> {
    fn t<'s>(&self, ko: &'s str, en: &'s str) -> &'s str {
        self.lang.pick(ko, en)
    }

    fn name(&self, kind: Kind, id: &str) -> String {
        self.catalog.name(kind, id, self.lang)
    }

    fn names(&self, kind: Kind, ids: &[Id]) -> String {
        ids.iter()
            .map(|id| self.name(kind, id))
            .collect::<Vec<_>>()
            .join(LIST_SEPARATOR)
    }

    fn title(&mut self, text: &str) {
        match self.style {
            Style::Markdown => self.out.push_str(&format!("# {text}\n")),
            Style::Text => self.out.push_str(&format!("{text}\n{}\n", "=".repeat(60))),
        }
    }

    /// Ends what came before with exactly one empty line.
    fn blank(&mut self) {
        if self.out.is_empty() {
            return;
        }
        while self.out.ends_with("\n\n") {
            self.out.pop();
        }
        if !self.out.ends_with('\n') {
            self.out.push('\n');
        }
        self.out.push('\n');
    }

    fn heading(&mut self, text: &str) {
        self.blank();
        match self.style {
            Style::Markdown => self.out.push_str(&format!("## {text}\n\n")),
            Style::Text => self.out.push_str(&format!("{text}\n{}\n", "-".repeat(60))),
        }
    }

    fn subheading(&mut self, text: &str) {
        self.blank();
        match self.style {
            Style::Markdown => self.out.push_str(&format!("### {text}\n\n")),
            Style::Text => self.out.push_str(&format!("  {text}\n")),
        }
    }

    /// A list item; `depth` 0 is the top level.
    fn item(&mut self, depth: usize, text: &str) {
        let indent = match self.style {
            Style::Markdown => "  ".repeat(depth),
            Style::Text => "  ".repeat(depth + 1),
        };
        let mark = match (self.style, depth) {
            (Style::Markdown, _) => "-",
            (Style::Text, 0) => "•",
            (Style::Text, _) => "·",
        };
        self.out.push_str(&format!("{indent}{mark} {text}\n"));
    }

    /// A line of text; in Markdown, a paragraph of its own.
    fn line(&mut self, text: &str) {
        match self.style {
            Style::Markdown => {
                self.blank();
                self.out.push_str(&format!("{text}\n\n"));
            }
            Style::Text => self.out.push_str(&format!("{text}\n")),
        }
    }

    /// Text a user wrote (names, places), escaped where Markdown would read it as markup.
    fn user(&self, text: &str) -> String {
        match self.style {
            Style::Text => text.to_string(),
            Style::Markdown => {
                let mut escaped = String::with_capacity(text.len());
                for c in text.chars() {
                    if matches!(
                        c,
                        '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|'
                    ) {
                        escaped.push('\\');
                    }
                    escaped.push(c);
                }
                escaped
            }
        }
    }

    /// A place in the brief (`Figure 3`, `Table 1`, `Section 3`) in the report's language.
    fn source(&self, source: &str) -> String {
        match self.lang {
            Lang::En => source.to_string(),
            Lang::Ko => {
                let mut out = source.replace("Figure ", "그림 ").replace("Table ", "표 ");
                while let Some(i) = out.find("Section ") {
                    let rest = &out[i + "Section ".len()..];
                    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                    let tail = rest[digits.len()..].to_string();
                    out = format!("{}{digits}장{tail}", &out[..i]);
                }
                out
            }
        }
    }

    fn bold(&self, text: &str) -> String {
        match self.style {
            Style::Markdown => format!("**{text}**"),
            Style::Text => text.to_string(),
        }
    }

    fn diagnosis(mut self, d: &Diagnosis) -> String {
        let name = match (self.lang, &d.zone.name_en) {
            (Lang::En, Some(name_en)) => name_en,
            _ => &d.zone.name,
        };
        let title = format!(
            "{} — {}",
            self.user(name),
            self.t("도심융합특구 계획 진단", "zone plan diagnosis")
        );
        self.title(&title);
        self.summary(d);
        self.functions(d);
        self.linkages(d);
        self.typology(d);
        self.packages(d);
        self.principles(d);
        self.zone_type(d);
        self.out
    }

    fn summary(&mut self, d: &Diagnosis) {
        let z = &d.zone;
        let mut facts = vec![
            format!(
                "{}: {}",
                self.t("특구 유형", "Zone type"),
                self.name(Kind::ZoneType, &z.zone_type)
            ),
            format!(
                "{}: {}",
                self.t("지역", "Region"),
                self.name(Kind::Region, &z.region)
            ),
        ];
        if let Some(location) = &z.location {
            facts.push(format!(
                "{}: {}",
                self.t("위치", "Location"),
                self.user(location)
            ));
        }
        if let Some(area) = z.area_km2 {
            facts.push(format!("{}: {area} km²", self.t("면적", "Area")));
        }
        if let Some(designated) = &z.designated {
            facts.push(format!("{}: {designated}", self.t("지정", "Designated")));
        }
        self.blank();
        if self.lang == Lang::En && z.name_en.is_some() {
            let name = self.user(&z.name);
            self.line(&name);
        }
        self.line(&facts.join(" · "));
        if !z.strategic_industries.is_empty() {
            let line = format!(
                "{}: {}",
                self.t("전략산업", "Strategic industries"),
                z.strategic_industries
                    .iter()
                    .map(|s| self.user(s))
                    .collect::<Vec<_>>()
                    .join(LIST_SEPARATOR)
            );
            self.line(&line);
        }
        let line = format!(
            "{}: {} ({} m²) · {}: {}",
            self.t("시설", "Facilities"),
            z.facilities,
            thousands(z.floor_area_m2),
            self.t("참여기관", "Institutions"),
            z.institutions
        );
        self.line(&line);

        let met = d.principles.iter().filter(|p| p.met).count();
        let present = d
            .functions
            .iter()
            .filter(|f| f.status == FunctionStatus::Present)
            .count();
        let active = d
            .linkages
            .iter()
            .filter(|l| l.status == LinkageStatus::Active)
            .count();
        let planned = d
            .principles
            .iter()
            .filter(|p| p.status == PrincipleStatus::Planned)
            .count();
        let planned = if planned > 0 {
            format!(" ({} {planned})", self.t("계획됨", "planned"))
        } else {
            String::new()
        };
        let summary = format!(
            "{}: {} {present}/{} · {} {active}/{} · {} {met}/{}{planned} · {}: {}",
            self.t("요약", "Summary"),
            self.t("기능", "functions"),
            d.functions.len(),
            self.t("연계 작동", "linkages active"),
            d.linkages.len(),
            self.t("원칙 충족", "principles met"),
            d.principles.len(),
            self.t("표 1 유형", "Table-1 type"),
            self.name(Kind::Typology, &d.typology.id),
        );
        let summary = self.bold(&summary);
        self.line(&summary);

        for warning in &d.warnings {
            let text = match warning {
                Warning::CapitalRegion { region } => {
                    let name = self.name(Kind::Region, region);
                    match self.lang {
                        Lang::Ko => format!(
                            "{name}{} 수도권입니다. 도심융합특구법은 수도권 밖에만 적용됩니다.",
                            topic_particle(&name)
                        ),
                        Lang::En => format!(
                            "{name} is in the capital region; the special act applies outside it only."
                        ),
                    }
                }
                Warning::NoFacilities => self
                    .t(
                        "시설이 없어 주기능(연면적 최대)을 정할 수 없습니다. 유형은 카탈로그의 첫 기능을 따릅니다.",
                        "No facilities: the primary function (largest floor area) is undetermined; the type follows the catalog's first function.",
                    )
                    .to_string(),
            };
            let text = format!("{} {text}", self.t("주의:", "Warning:"));
            self.line(&text);
        }
    }

    fn functions(&mut self, d: &Diagnosis) {
        self.heading(self.t("1. 핵심기능", "1. Core functions"));
        for f in &d.functions {
            let status = match f.status {
                FunctionStatus::Present => self.t("● 있음", "● present"),
                FunctionStatus::Absent => self.t("○ 없음", "○ absent"),
            };
            let mut text = format!(
                "{} — {status}",
                self.bold(&self.name(Kind::Function, &f.id))
            );
            if f.floor_area_m2 > 0.0 {
                let _ = write!(text, " ({} m²)", thousands(f.floor_area_m2));
            }
            self.item(0, &text);
            for e in &f.evidence {
                let line = self.evidence(e);
                self.item(1, &line);
            }
        }
    }

    fn linkages(&mut self, d: &Diagnosis) {
        self.heading(self.t("2. 기능 연계 (그림 3)", "2. Linkages (Figure 3)"));
        for l in &d.linkages {
            let status = match l.status {
                LinkageStatus::Active => self.t("✔ 작동", "✔ active"),
                LinkageStatus::Possible => {
                    self.t("△ 가능 (연계사업 없음)", "△ possible (no linkage program)")
                }
                LinkageStatus::Missing => {
                    self.t("✘ 불가 (기능 없음)", "✘ missing (function absent)")
                }
            };
            let text = format!("{} — {status}", self.bold(&self.name(Kind::Linkage, &l.id)));
            self.item(0, &text);
            if !l.programs.is_empty() {
                let line = format!(
                    "{}: {}",
                    self.t("운영 중", "Running"),
                    self.names(Kind::LinkageProgram, &l.programs)
                );
                self.item(1, &line);
            }
            if !l.missing_functions.is_empty() {
                let line = format!(
                    "{}: {}",
                    self.t("없는 기능", "Absent functions"),
                    self.names(Kind::Function, &l.missing_functions)
                );
                self.item(1, &line);
            }
            if !l.suggestions.is_empty() {
                let line = format!(
                    "{}: {}",
                    self.t("도입할 연계사업", "Linkage programs to start"),
                    self.names(Kind::LinkageProgram, &l.suggestions)
                );
                self.item(1, &line);
            }
        }
    }

    fn typology(&mut self, d: &Diagnosis) {
        self.heading(self.t("3. 사업 유형 (표 1)", "3. Project type (Table 1)"));
        let t = &d.typology;
        let mut line = self.bold(&self.name(Kind::Typology, &t.id));
        if let Some(primary) = &t.primary_function {
            let _ = write!(
                line,
                " — {}: {}",
                self.t("주기능", "primary function"),
                self.name(Kind::Function, primary)
            );
        }
        self.line(&line);
        let limits = if self.lang == Lang::Ko {
            &t.limits_ko
        } else {
            &t.limits_en
        };
        if !limits.is_empty() {
            let label = self.t("한계", "Limits");
            self.subheading(label);
            for limit in limits.clone() {
                self.item(0, &limit);
            }
        }
        if !t.remedies.is_empty() {
            let label = self.t(
                "보완할 연계 (표 1)",
                "Remedies (Table 1 linkages not active)",
            );
            self.subheading(label);
            let typology = self.catalog.typology(&t.id);
            for remedy in &t.remedies {
                let described = typology
                    .and_then(|ty| {
                        let i = ty.remedies.iter().position(|r| r == remedy)?;
                        let texts = if self.lang == Lang::Ko {
                            &ty.remedies_ko
                        } else {
                            &ty.remedies_en
                        };
                        texts.get(i).cloned()
                    })
                    .unwrap_or_default();
                let text = format!("{} — {described}", self.name(Kind::Linkage, remedy));
                self.item(0, &text);
            }
        }
    }

    fn packages(&mut self, d: &Diagnosis) {
        self.heading(self.t("4. 부처 패키지 (그림 4)", "4. Ministry packages (Figure 4)"));
        if d.packages.is_empty() {
            self.line(self.t("보완할 기능이나 연계가 없습니다.", "No gap to close."));
            return;
        }
        for package in &d.packages {
            let direction = self
                .catalog
                .ministry(&package.ministry)
                .map(|m| self.lang.pick(&m.direction_ko, &m.direction_en).to_string())
                .unwrap_or_default();
            let heading = format!(
                "{} — {direction}",
                self.name(Kind::Ministry, &package.ministry)
            );
            self.subheading(&heading);
            for item in &package.serves {
                let (label, kind) = match item.kind {
                    PackageItemKind::Program => (self.t("사업", "Program"), Kind::Program),
                    PackageItemKind::Designation => {
                        (self.t("중복지정", "Designation"), Kind::Designation)
                    }
                };
                let mut closes: Vec<String> = item
                    .functions
                    .iter()
                    .map(|f| {
                        format!(
                            "{} {}",
                            self.name(Kind::Function, f),
                            self.t("기능", "function")
                        )
                    })
                    .collect();
                closes.extend(item.linkages.iter().map(|l| self.name(Kind::Linkage, l)));
                let text = format!(
                    "{label}: {} → {}: {}",
                    self.bold(&self.name(kind, &item.id)),
                    self.t("지원", "supports"),
                    closes.join(LIST_SEPARATOR)
                );
                self.item(0, &text);
            }
        }
    }

    fn principles(&mut self, d: &Diagnosis) {
        self.heading(self.t("5. 운영·관리원칙", "5. Operating principles"));
        for p in &d.principles {
            let status = match p.status {
                PrincipleStatus::Met => self.t("✔ 충족", "✔ met"),
                PrincipleStatus::Planned => self.t("◐ 계획됨", "◐ planned"),
                PrincipleStatus::Missing => self.t("✘ 미충족", "✘ not met"),
            };
            let text = format!(
                "{} — {status}",
                self.bold(&self.name(Kind::Principle, &p.id))
            );
            self.item(0, &text);
            for e in &p.evidence {
                let line = self.evidence(e);
                self.item(1, &line);
            }
            for e in &p.to_secure {
                let line = format!(
                    "{}: {}",
                    self.t("확보 필요 (계획)", "To secure (planned)"),
                    self.evidence(e)
                );
                self.item(1, &line);
            }
            for requirement in &p.unmet {
                let line = format!(
                    "{}: {}",
                    self.t("필요", "Needs"),
                    self.requirement(requirement)
                );
                self.item(1, &line);
            }
            if let (Some(ko), Some(en)) = (&p.advice_ko, &p.advice_en) {
                let line = format!("{}: {}", self.t("권고", "Advice"), self.lang.pick(ko, en));
                self.item(1, &line);
            }
        }
    }

    fn zone_type(&mut self, d: &Diagnosis) {
        let heading = format!(
            "{} — {}",
            self.t("6. 특구 유형별 권고", "6. Advice for the zone type"),
            self.name(Kind::ZoneType, &d.zone_type.id)
        );
        self.heading(&heading);
        if let Some(resembles) = &d.zone_type.resembles {
            let text = if d.zone_type.repeats_risk {
                format!(
                    "{} {}",
                    self.t(
                        "이 계획은 이 유형이 빠지기 쉬운",
                        "This plan repeats the Table-1 type this zone type risks:"
                    ),
                    self.lang.pick(
                        &format!(
                            "{}의 한계를 그대로 갖고 있습니다.",
                            self.name(Kind::Typology, resembles)
                        ),
                        &self.name(Kind::Typology, resembles)
                    )
                )
            } else {
                format!(
                    "{}: {}",
                    self.t(
                        "이 유형이 빠지기 쉬운 표 1 유형",
                        "The Table-1 type this zone type risks repeating"
                    ),
                    self.name(Kind::Typology, resembles)
                )
            };
            self.line(&text);
        }
        for advice in d.zone_type.advice.clone() {
            let text = format!(
                "{} ({})",
                self.lang.pick(&advice.ko, &advice.en),
                self.source(&advice.source)
            );
            self.item(0, &text);
        }
    }

    fn evidence(&self, e: &Evidence) -> String {
        match e {
            Evidence::Facility {
                facility_type,
                name,
                floor_area_m2,
                planned,
            } => format!(
                "{}: {} — {}, {} m²{}",
                self.t("시설", "Facility"),
                self.user(name),
                self.name(Kind::FacilityType, facility_type),
                thousands(*floor_area_m2),
                if *planned {
                    self.t(", 계획", ", planned")
                } else {
                    ""
                }
            ),
            Evidence::Institution {
                institution_kind,
                name,
            } => {
                format!(
                    "{}: {} — {}",
                    self.t("기관", "Institution"),
                    self.user(name),
                    self.name(Kind::InstitutionKind, institution_kind)
                )
            }
            Evidence::Program { id } => format!(
                "{}: {}",
                self.t("사업", "Program"),
                self.name(Kind::Program, id)
            ),
            Evidence::Designation { id } => format!(
                "{}: {}",
                self.t("지정", "Designation"),
                self.name(Kind::Designation, id)
            ),
            Evidence::SupportProgram { id } => {
                format!(
                    "{}: {}",
                    self.t("지원 프로그램", "Support program"),
                    self.name(Kind::SupportProgram, id)
                )
            }
            Evidence::LinkageProgram { id } => {
                format!(
                    "{}: {}",
                    self.t("연계사업", "Linkage program"),
                    self.name(Kind::LinkageProgram, id)
                )
            }
            Evidence::StrategicIndustries { names } => format!(
                "{}: {}",
                self.t("전략산업", "Strategic industries"),
                names
                    .iter()
                    .map(|n| self.user(n))
                    .collect::<Vec<_>>()
                    .join(LIST_SEPARATOR)
            ),
        }
    }

    fn requirement(&self, r: &Requirement) -> String {
        let or = self.t(" 또는 ", " or ");
        let list = |kind: Kind, ids: &[Id]| {
            ids.iter()
                .map(|id| self.name(kind, id))
                .collect::<Vec<_>>()
                .join(or)
        };
        match r {
            Requirement::StrategicIndustriesAtLeast(n) => self
                .lang
                .pick(
                    &format!("전략산업 {n}개 이상 명시"),
                    &format!(
                        "at least {n} strategic {} named",
                        if *n == 1 { "industry" } else { "industries" }
                    ),
                )
                .to_string(),
            Requirement::InstitutionKindIn(kinds) => format!(
                "{}: {}",
                self.t("참여기관", "an institution"),
                list(Kind::InstitutionKind, kinds)
            ),
            Requirement::InstitutionKindsAtLeast {
                count,
                kinds,
                ownership,
            } => {
                let (ownership_ko, ownership_en) = match ownership {
                    Some(Ownership::Public) => ("공공 ", "public "),
                    Some(Ownership::Private) => ("민간 ", "private "),
                    None => ("", ""),
                };
                if *count == 1 {
                    return self
                        .lang
                        .pick(
                            &format!(
                                "{ownership_ko}참여기관: {}",
                                list(Kind::InstitutionKind, kinds)
                            ),
                            &format!(
                                "a {ownership_en}institution: {}",
                                list(Kind::InstitutionKind, kinds)
                            ),
                        )
                        .to_string();
                }
                let kinds = kinds
                    .iter()
                    .map(|k| self.name(Kind::InstitutionKind, k))
                    .collect::<Vec<_>>()
                    .join(LIST_SEPARATOR);
                self.lang
                    .pick(
                        &format!("{kinds} 가운데 {count}개 유형 이상의 {ownership_ko}참여기관"),
                        &format!(
                            "{ownership_en}institutions of at least {count} kinds among {kinds}"
                        ),
                    )
                    .to_string()
            }
            Requirement::DesignationIn(ids) => format!(
                "{}: {}",
                self.t("지정", "a designation"),
                list(Kind::Designation, ids)
            ),
            Requirement::ProgramIn(ids) => format!(
                "{}: {}",
                self.t("사업", "a program"),
                list(Kind::Program, ids)
            ),
            Requirement::SupportProgramIn(ids) => {
                format!(
                    "{}: {}",
                    self.t("지원 프로그램", "a support program"),
                    list(Kind::SupportProgram, ids)
                )
            }
            Requirement::LinkageProgramIn(ids) => {
                format!(
                    "{}: {}",
                    self.t("연계사업", "a linkage program"),
                    list(Kind::LinkageProgram, ids)
                )
            }
            Requirement::Any(options) => {
                let options: Vec<String> = options
                    .iter()
                    .map(|o| format!("({})", self.requirement(o)))
                    .collect();
                options.join(or)
            }
        }
    }
}

/// `12000.0` → `12,000`; fractions are kept to one decimal.
pub fn thousands(value: f64) -> String {
    let rounded = (value * 10.0).round() / 10.0;
    let whole = rounded.trunc() as i64;
    let digits = whole.abs().to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if whole < 0 { "-" } else { "" };
    let fraction = ((rounded - rounded.trunc()).abs() * 10.0).round() as i64;
    if fraction == 0 {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{fraction}")
    }
}

/// Names can hold commas (`…(마이크로그리드, 자율주행서비스 등)`): lists of them use semicolons.
const LIST_SEPARATOR: &str = "; ";

/// 은 after a final consonant, 는 after a vowel (or a non-Hangul ending).
fn topic_particle(word: &str) -> &'static str {
    match word.chars().last() {
        Some(c @ '\u{AC00}'..='\u{D7A3}') if (c as u32 - 0xAC00) % 28 != 0 => "은",
        _ => "는",
    }
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn korean_topic_particles() {
        assert_eq!(super::topic_particle("서울특별시"), "는");
        assert_eq!(super::topic_particle("인천광역시"), "는");
        assert_eq!(super::topic_particle("경기도"), "는");
        assert_eq!(super::topic_particle("대전역"), "은");
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(thousands(0.0), "0");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(12000.0), "12,000");
        assert_eq!(thousands(1234567.25), "1,234,567.3");
    }
}
