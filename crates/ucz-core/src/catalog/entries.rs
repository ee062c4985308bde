//! The kinds of entry the catalog holds, one struct each, as written in `catalog/*.toml`.

use serde::{Deserialize, Serialize};

use crate::id::Id;

/// What every catalog entry has: an identifier, a Korean and an English name, and the place in
/// the brief (or the law) it comes from.
pub trait Entry {
    fn id(&self) -> &Id;
    fn name_ko(&self) -> &str;
    fn name_en(&self) -> &str;
    fn source(&self) -> &str;
}

macro_rules! entry {
    ($($kind:ty),* $(,)?) => {$(
        impl Entry for $kind {
            fn id(&self) -> &Id { &self.id }
            fn name_ko(&self) -> &str { &self.name_ko }
            fn name_en(&self) -> &str { &self.name_en }
            fn source(&self) -> &str { &self.source }
        }
    )*};
}

entry!(
    Function,
    FacilityType,
    Linkage,
    LinkageProgram,
    SupportProgram,
    Principle,
    Typology,
    ZoneType,
    Ministry,
    Figure4Column,
    Program,
    Designation,
    Improvement,
    InstitutionKind,
    Region,
    EconomicRegion,
    Stage,
    DesignatedZone,
    HubKind,
    SpaceKind,
    PlacementParameter,
    SmeSize,
    CallTerm,
    Holiday,
    PlanItem,
    ProcedureDate,
    ProcedureStep,
);

/// 핵심기능 — one of the four core functions.
#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Function {
    pub id: Id,
    pub name_ko: String,
    pub name_en: String,
    pub source: String,
    #[serde(default)]
    pub summary_ko: String,
    #[serde(default)]
    pub summary_en: String,
}

/// 주요 도입시설 — a facility type and the functions it serves.
#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FacilityType {
    pub id: Id,
    pub name_ko: String,
    pub name_en: String,
    pub functions: Vec<Id>,
    pub source: String,
    #[serde(default)]
    pub summary_ko: String,
    #[serde(default)]
    pub summary_en: String,
    /// How long a tenant may lease space of this type, when a rule limits it (incubators).
    pub lease_rule: Option<LeaseRule>,
}

/// The period a tenant may stay: an initial term and a number of renewals, with its source.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LeaseRule {
    pub max_months: u32,
    pub renewal_months: u32,
    pub max_renewals: u32,
    pub source: String,
}

impl LeaseRule {
    /// The longest stay, renewals included.
    pub fn longest_months(&self) -> u32 {
        self.max_months + self.renewal_months * self.max_renewals
    }

    /// This rule with a facility's or hub's own terms in place of those it sets: each centre
    /// sets its tenancy in its own rules, the catalog's rule is only the default.
    pub fn overridden(&self, own: &LeaseRuleOverride) -> LeaseRule {
        LeaseRule {
            max_months: own.max_months.unwrap_or(self.max_months),
            renewal_months: own.renewal_months.unwrap_or(self.renewal_months),
            max_renewals: own.max_renewals.unwrap_or(self.max_renewals),
            source: self.source.clone(),
        }
    }
}

/// A facility's or hub's own lease terms; each one given replaces the catalog default's.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LeaseRuleOverride {
    /// The initial term in months (1 to 120).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 120))]
    pub max_months: Option<u32>,
    /// Months each renewal adds (0 to 120).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = 120))]
    pub renewal_months: Option<u32>,
    /// How many renewals (0 to 99).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = 99))]
    pub max_renewals: Option<u32>,
}

impl LeaseRuleOverride {
    /// Whether every term is within its range (see the fields).
    pub fn is_plausible(&self) -> bool {
        self.max_months.is_none_or(|m| (1..=120).contains(&m))
            && self.renewal_months.is_none_or(|m| m <= 120)
            && self.max_renewals.is_none_or(|r| r <= 99)
    }

    /// Whether it sets no term (the catalog default applies as is).
    pub fn is_empty(&self) -> bool {
        self == &LeaseRuleOverride::default()
    }
}

/// 기능 연계 — a linkage between two functions (Figure 3).
#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Linkage {
    pub id: Id,
    pub name_ko: String,
    pub name_en: String,
    /// The two functions it links.
    pub functions: Vec<Id>,
    pub source: String,
    #[serde(default)]
    pub summary_ko: String,
    #[serde(default)]
    pub summary_en: String,
}

/// 연계사업 — a program of Figure 3 that makes one linkage run.
#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkageProgram {
    pub id: Id,
    pub name_ko: String,
    pub name_en: String,
    pub linkage: Id,
    pub source: String,
    /// Eligibility rule in CEL over `firm` (docs/rules.md).
    #[schemars(with = "String")]
    pub eligibility: toml::Spanned<String>,
    /// The law or notice the rule rests on, in Korean (laws are cited by their Korean titles).
    pub reference: String,
    #[serde(flatten)]
    pub basis: Basis,
    /// Growth stages the program serves.
    pub stages: Vec<Id>,
}

/// 지원 프로그램 — a support program of Figure 2.
#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SupportProgram {
    pub id: Id,
    pub name_ko: String,
    pub name_en: String,
    /// `tenant_growth` (입주기업 성장지원) or `innovation_district` (혁신지구 산학연 혁신활동).
    pub group: String,
    pub functions: Vec<Id>,
    pub source: String,
    /// Eligibility rule in CEL over `firm` (docs/rules.md).
    #[schemars(with = "String")]
    pub eligibility: toml::Spanned<String>,
    /// The law or notice the rule rests on, in Korean (laws are cited by their Korean titles).
    pub reference: String,
    #[serde(flatten)]
    pub basis: Basis,
    /// Growth stages the program serves.
    pub stages: Vec<Id>,
}

/// Where a rule entry stands against the brief and the public record, as data: pages show it in
/// the reader's language, never as English inside a Korean reference.
#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
pub struct Basis {
    /// The reference in English, when the English page should not show the Korean citation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_en: Option<String>,
    /// Not in the brief: created after it (the 2024 special act, later programs) or one founders
    /// in the zones use that it does not name.
    #[serde(default)]
    pub since_brief: bool,
    /// What the rule assumes beyond its public sources, in Korean and English (both or neither).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assumption_ko: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assumption_en: Option<String>,
}

/// 운영·관리원칙 — an operating principle and the evidence that shows a plan meets it.
#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Principle {
    pub id: Id,
    pub name_ko: String,
    pub name_en: String,
    pub source: String,
    #[serde(default)]
    pub summary_ko: String,
    #[serde(default)]
    pub summary_en: String,
    pub advice_ko: String,
    pub advice_en: String,
    /// All must hold for the principle to be met.
    pub requires: Vec<Requirement>,
}

/// One piece of evidence a principle asks of a zone plan.
#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Requirement {
    /// The plan names at least this many strategic industries.
    StrategicIndustriesAtLeast(u32),
    /// An institution of one of these kinds takes part.
    InstitutionKindIn(Vec<Id>),
    /// Institutions of at least `count` distinct kinds among `kinds` take part; when `ownership` is
    /// given, only institutions of that ownership count.
    InstitutionKindsAtLeast {
        count: u32,
        kinds: Vec<Id>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ownership: Option<crate::zone::Ownership>,
    },
    /// The site holds one of these designations.
    DesignationIn(Vec<Id>),
    /// One of these ministry programs is in use.
    ProgramIn(Vec<Id>),
    /// One of these support programs runs.
    SupportProgramIn(Vec<Id>),
    /// One of these linkage programs runs.
    LinkageProgramIn(Vec<Id>),
    /// At least one of these holds.
    Any(Vec<Requirement>),
}

/// 표 1 — a single-function project type, or (with no primary function) the convergence target.
#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Typology {
    pub id: Id,
    pub name_ko: String,
    pub name_en: String,
    pub primary_function: Option<Id>,
    pub source: String,
    pub limits_ko: Vec<String>,
    pub limits_en: Vec<String>,
    /// The linkages the zone adds to overcome this type's limits.
    pub remedies: Vec<Id>,
    pub remedies_ko: Vec<String>,
    pub remedies_en: Vec<String>,
}

/// 사업유형 — new town, urban regeneration or industrial complex, with advice for each.
#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ZoneType {
    pub id: Id,
    pub name_ko: String,
    pub name_en: String,
    /// The region of the pilot zone of this type.
    pub pilot: Option<Id>,
    /// The Table-1 type whose limits a zone of this type most risks repeating.
    pub resembles: Option<Id>,
    pub source: String,
    #[serde(default)]
    pub advice: Vec<Advice>,
}

/// A piece of advice in both languages, with its place in the brief.
#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Advice {
    pub ko: String,
    pub en: String,
    pub source: String,
}

/// 부처 — a ministry and the direction of its package (Figure 4).
#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ministry {
    pub id: Id,
    pub name_ko: String,
    pub name_en: String,
    pub source: String,
    pub direction_ko: String,
    pub direction_en: String,
}

/// A column of Figure 4.
#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Figure4Column {
    pub id: Id,
    pub name_ko: String,
    pub name_en: String,
    pub source: String,
}

/// 부처 사업 — a ministry program of Figure 4 or section 3.
#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Program {
    pub id: Id,
    pub name_ko: String,
    pub name_en: String,
    pub ministry: Id,
    /// The Figure-4 column it is listed under; none for a program the brief names elsewhere (the
    /// startup packages of section 3) or that came after it.
    #[serde(default)]
    pub column: Option<Id>,
    /// Set when the program consists in holding this designation.
    pub designation: Option<Id>,
    pub functions: Vec<Id>,
    #[serde(default)]
    pub linkages: Vec<Id>,
    pub source: String,
    /// Eligibility rule in CEL over `firm` (docs/rules.md).
    #[schemars(with = "String")]
    pub eligibility: toml::Spanned<String>,
    /// The law or notice the rule rests on, in Korean (laws are cited by their Korean titles).
    pub reference: String,
    #[serde(flatten)]
    pub basis: Basis,
    /// Growth stages the program serves.
    pub stages: Vec<Id>,
    #[serde(default)]
    pub summary_ko: String,
    #[serde(default)]
    pub summary_en: String,
}

/// 지정제도 — a designation a site can hold.
#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Designation {
    pub id: Id,
    pub name_ko: String,
    pub name_en: String,
    /// Owning ministries, the lead first.
    pub ministries: Vec<Id>,
    pub functions: Vec<Id>,
    #[serde(default)]
    pub linkages: Vec<Id>,
    pub law: Option<String>,
    pub source: String,
    /// Advised to a zone only where it has an institution of this kind (캠퍼스혁신파크 is built
    /// on university land: a zone with no university has none to offer).
    #[serde(default)]
    pub advised_with: Option<Id>,
}

/// 제도 개선과제 — an institutional improvement the brief proposes.
#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Improvement {
    pub id: Id,
    pub name_ko: String,
    pub name_en: String,
    pub source: String,
    #[serde(default)]
    pub points_ko: Vec<String>,
    #[serde(default)]
    pub points_en: Vec<String>,
}

/// 참여기관 유형 — a kind of institution and the functions it brings to a zone.
#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InstitutionKind {
    pub id: Id,
    pub name_ko: String,
    pub name_en: String,
    pub functions: Vec<Id>,
    pub source: String,
    /// The ownership an institution of this kind has unless its zone file says otherwise.
    pub ownership: Option<crate::zone::Ownership>,
}

/// 거점 유형 — a kind of hub of a region's startup network where graduates can find space: the
/// zone itself, or a hub outside it (campus innovation park, innovation growth center, public
/// rental knowledge-industry center, …).
#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HubKind {
    pub id: Id,
    pub name_ko: String,
    pub name_en: String,
    /// The functions a hub of this kind serves (the inter-hub linkage check).
    pub functions: Vec<Id>,
    pub source: String,
}

/// 공간 유형 — a kind of space a facility or hub lets to firms, and its step on the space ladder.
#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpaceKind {
    pub id: Id,
    pub name_ko: String,
    pub name_en: String,
    pub source: String,
    /// Tenants graduate when their lease ends; the lease keeps the incubation lease rule.
    #[serde(default)]
    pub incubation: bool,
    /// Post-BI expansion space: what graduates move into.
    #[serde(default)]
    pub expansion: bool,
}

/// 배치 기준 — one number the placement reads (`catalog/placement.toml`); which ones there are,
/// and their ranges, is `catalog::placement::PARAMETERS`.
#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlacementParameter {
    pub id: Id,
    pub name_ko: String,
    pub name_en: String,
    #[serde(default)]
    pub summary_ko: String,
    #[serde(default)]
    pub summary_en: String,
    #[schemars(with = "f64")]
    pub value: toml::Spanned<f64>,
    pub source: String,
}

/// 중소기업 규모 기준 — one row of the SME size test (`catalog/sme_sizes.toml`): the most
/// 평균매출액 an SME of an industry may have (중소기업기본법 시행령 별표 1), or, on the row of every
/// industry (`ksic = ""`), the total assets it must stay below.
#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SmeSize {
    pub id: Id,
    pub name_ko: String,
    pub name_en: String,
    /// A KSIC section letter or division (`G`, `C26`); empty on the row of every industry.
    pub ksic: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revenue_max_krw: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assets_below_krw: Option<i64>,
    pub source: String,
}

/// 시도 — a provincial-level region.
#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Region {
    pub id: Id,
    pub name_ko: String,
    pub name_en: String,
    /// 수도권: Seoul, Incheon, Gyeonggi.
    pub capital_region: bool,
    /// KOSTAT's census code of the region (2013), as in the province map.
    pub census_code_2013: Option<String>,
    /// Other Korean names announcements use: the short name (`서울`), former names (`강원도`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases_ko: Vec<String>,
    pub source: String,
}

/// 광역경제권 — a metropolitan economic region: 시·도 that plan their hubs together, in one
/// grouping (the policy that draws the map; a grouping covers every 시·도 exactly once).
#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EconomicRegion {
    pub id: Id,
    pub grouping: Id,
    pub name_ko: String,
    pub name_en: String,
    /// The 시·도 of the region (`regions.toml`).
    pub members: Vec<Id>,
    /// 수도권: every member is in the capital region.
    pub capital_region: bool,
    /// Other Korean names announcements use for the region (`충청권`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases_ko: Vec<String>,
    pub source: String,
}

/// 성장단계 — a growth stage of a firm; the catalog lists them in order.
#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    pub id: Id,
    /// Firm age, in whole years, at which the stage usually begins.
    pub from_age_years: i64,
    pub name_ko: String,
    pub name_en: String,
    pub source: String,
    #[serde(default)]
    pub summary_ko: String,
    #[serde(default)]
    pub summary_en: String,
}

/// 지정된 도심융합특구 — a designated zone, which firms can be tenants of.
#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DesignatedZone {
    pub id: Id,
    pub name_ko: String,
    pub name_en: String,
    pub region: Id,
    pub designated: crate::date::Date,
    pub source: String,
}

/// The entries that carry an eligibility rule: ministry programs, support programs and linkage
/// programs.
pub trait Ruled: Entry {
    fn eligibility(&self) -> &toml::Spanned<String>;
    fn reference(&self) -> &str;
    fn basis(&self) -> &Basis;
    fn stages(&self) -> &[Id];
}

macro_rules! ruled {
    ($($kind:ty),*) => {$(
        impl Ruled for $kind {
            fn eligibility(&self) -> &toml::Spanned<String> { &self.eligibility }
            fn reference(&self) -> &str { &self.reference }
            fn basis(&self) -> &Basis { &self.basis }
            fn stages(&self) -> &[Id] { &self.stages }
        }
    )*};
}

ruled!(Program, SupportProgram, LinkageProgram);

/// 공고 대상 용어 — a value of an announcement's applicant or target field (K-Startup's
/// `aply_trgt`, 기업마당's `trgetNm`) and what it says about who may apply: the reading a call's
/// draft rule is made from, for a coordinator to review (docs/calls.md).
#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CallTerm {
    pub id: Id,
    /// The record field the value is read from: `aply_trgt` or `trgetNm`.
    pub field: String,
    /// The value as the portal writes it (`예비창업자`, `1인 창조기업`, `중소기업`).
    pub name_ko: String,
    pub name_en: String,
    /// Who the value admits: `pre_founders`, `firms`, `institutions` (no firm) or `any`.
    pub applicants: String,
    /// A condition on firms the value adds (CEL over `firm`), when it says more than who.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// What the reading leaves unchecked, for the reviewer, in both languages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note_ko: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note_en: Option<String>,
    pub source: String,
}

/// 공휴일 — a public holiday in Korea (`catalog/holidays.toml`): the days bookable resources are
/// closed on unless a rule opens them.
#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Holiday {
    /// `d` and the date: `d2026_03_02`.
    pub id: Id,
    pub date: crate::date::Date,
    pub name_ko: String,
    pub name_en: String,
    /// `statutory`, `substitute` (대체공휴일), `temporary` (임시공휴일) or `election`.
    pub kind: String,
    pub source: String,
}

impl Holiday {
    pub const KINDS: [&'static str; 4] = ["statutory", "substitute", "temporary", "election"];
}

/// 성과평가 지표 — an indicator of a zone's annual evaluation (`catalog/indicators.toml`): a
/// formula over the measures of a zone's year (`ucz_core::evaluation`), type-checked by the
/// catalog check.
#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub id: Id,
    pub name_ko: String,
    pub name_en: String,
    pub unit: String,
    pub direction: crate::evaluation::Direction,
    pub normalise: crate::evaluation::Normalise,
    /// CEL over `m`, the measures of a zone's year.
    pub formula: String,
    pub source: String,
}

/// 기본계획 수록 사항 — an item the act requires a zone's basic plan to contain
/// (`catalog/plan_items.toml`); `verified` says whether its wording was checked against the act.
#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanItem {
    pub id: Id,
    pub name_ko: String,
    pub name_en: String,
    pub source: String,
    pub verified: bool,
}

/// 절차 일자 — a date of a zone's statutory procedure (`catalog/procedure_dates.toml`), with
/// the dates it cannot come before.
#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProcedureDate {
    pub id: Id,
    pub after: Vec<String>,
    pub name_ko: String,
    pub name_en: String,
    pub source: String,
}

/// 법정 절차 — a statutory step from one procedure date to another, with the least length it
/// must last (`min_days`, both ends counted) or the most it may take (`max_days`, `max_years`)
/// (`catalog/procedure_steps.toml`).
#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProcedureStep {
    pub id: Id,
    pub name_ko: String,
    pub name_en: String,
    pub from: String,
    pub to: String,
    #[serde(default)]
    pub min_days: Option<u32>,
    #[serde(default)]
    pub max_days: Option<u32>,
    #[serde(default)]
    pub max_years: Option<u32>,
    #[serde(default)]
    pub consequence_ko: String,
    #[serde(default)]
    pub consequence_en: String,
    pub source: String,
    pub verified: bool,
}
