//! A firm as eligibility rules see it: the documented fields of a firm profile (one TOML file, or
//! one CSV row with columns of the same names), and the facts derived from them at a date.

pub mod columns;

use serde::{Deserialize, Deserializer, Serialize};

use crate::catalog::Catalog;
use crate::date::Date;
use crate::id::Id;
use crate::message::{Key, Message};

/// A firm profile. Field names are the CSV column names; see `docs/firm.md`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Firm {
    pub id: String,
    #[serde(default)]
    pub name: String,
    /// Date business started; none for a founder not yet registered (pre_startup).
    pub founded: Option<Date>,
    /// The day it closed (폐업), if it did: the evaluation's survival of supported firms reads it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed: Option<Date>,
    /// Growth stage id (catalog/stages.toml).
    #[serde(deserialize_with = "crate::id::plain")]
    pub stage: Id,
    #[serde(default, deserialize_with = "count")]
    pub employees: i64,
    /// Employees aged 15–34 (청년).
    #[serde(default, deserialize_with = "count")]
    pub youth_employees: i64,
    #[serde(default, deserialize_with = "count")]
    pub revenue_krw: i64,
    #[serde(default, deserialize_with = "count")]
    pub rnd_spend_krw: i64,
    #[serde(default, deserialize_with = "count")]
    pub export_revenue_krw: i64,
    /// KSIC code: a section letter and up to five digits (`C`, `C26`, `J62`).
    #[serde(default)]
    pub sector: String,
    /// 시도 id.
    #[serde(deserialize_with = "crate::id::plain")]
    pub region: Id,
    /// Zone id, or empty when outside every zone.
    #[serde(default)]
    pub zone: String,
    /// Designation ids held by the firm's site.
    #[serde(default, deserialize_with = "crate::id::plain_list")]
    pub designations: Vec<Id>,
    #[serde(default)]
    pub in_incubator: bool,
    #[serde(default)]
    pub graduated_incubator: bool,
    #[serde(default)]
    pub venture_certified: bool,
    #[serde(default)]
    pub has_rnd_lab: bool,
    /// The representative's age; required, since several programs depend on it.
    #[serde(deserialize_with = "count")]
    pub founder_age: i64,
    /// Percent (0–100) of the capital a public research institute, or its technology holding
    /// company, holds (연구소기업: at least 10).
    #[serde(default, deserialize_with = "count")]
    pub research_institute_share: i64,
    /// Percent (0–100) of sales from high-tech products (첨단기술기업).
    #[serde(default, deserialize_with = "count")]
    pub high_tech_sales_share: i64,
    /// Works in a strategic industry its local government named (지역전략산업: the zone's
    /// `strategic_industries`, as the local government reads them).
    #[serde(default)]
    pub strategic_industry: bool,
    /// The applicant for housing (the founder, or the worker applying through the firm) owns a
    /// home (public rental housing is for those who own none).
    #[serde(default)]
    pub owns_home: bool,
    /// 자산총액: total assets, won (an SME's are below 5,000억원; `catalog/sme_sizes.toml`).
    #[serde(default, deserialize_with = "count")]
    pub assets_krw: i64,
}

fn count<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    let value = i64::deserialize(deserializer)?;
    if value < 0 {
        return Err(serde::de::Error::custom(format!(
            "must be 0 or more, found {value}"
        )));
    }
    Ok(value)
}

/// The facts a rule reads: the profile and what is derived from it at the evaluation date.
#[derive(Clone, Copy, Debug)]
pub struct FirmFacts<'a> {
    pub firm: &'a Firm,
    /// Whole years from `founded` to the evaluation date; 0 when not founded.
    pub age_years: i64,
    /// The firm's region is in the capital region (수도권).
    pub capital_region: bool,
    /// An SME (중소기업) by size: its revenue within its industry's figure, its assets below the
    /// cap (`Catalog::is_sme`).
    pub sme: bool,
}

impl Firm {
    pub fn facts<'a>(&'a self, as_of: Date, catalog: &Catalog) -> FirmFacts<'a> {
        FirmFacts {
            firm: self,
            age_years: self
                .founded
                .map_or(0, |f| f.whole_years_until(as_of).max(0)),
            capital_region: catalog
                .region(&self.region)
                .is_some_and(|r| r.capital_region),
            sme: catalog.is_sme(&self.sector, self.revenue_krw, self.assets_krw),
        }
    }

    /// Reads a firm profile (TOML) and checks it against the catalog.
    pub fn parse(
        file: crate::source::SourceFile<'_>,
        catalog: &Catalog,
    ) -> Result<Firm, crate::source::InputErrors> {
        let firm: Firm = toml::from_str(file.text)
            .map_err(|e| crate::source::InputErrors::from(file.toml_error(&e)))?;
        let problems = firm.problems(catalog);
        if problems.is_empty() {
            return Ok(firm);
        }
        let position = |field: &str| {
            let key = field.split('[').next().unwrap_or(field);
            file.text
                .lines()
                .position(|l| l.trim_start().starts_with(key) && l.contains('='))
                .map(|line| line + 1)
        };
        Err(crate::source::InputErrors(
            problems
                .into_iter()
                .map(|(field, message, expected)| {
                    let mut error = file
                        .error_keyed(None, message)
                        .field(field.clone())
                        .expected(expected);
                    error.position = position(&field).map(|line| (line, 1));
                    error
                })
                .collect(),
        ))
    }

    /// A founding date after the evaluation date makes every age-based rule meaningless.
    pub fn date_problem(&self, as_of: Date) -> Option<Message> {
        self.founded.filter(|f| *f > as_of).map(|f| {
            Message::new(Key::FoundedAfterEvaluation)
                .arg("founded", f)
                .arg("as_of", as_of)
        })
    }

    /// Problems with values that parsed but do not fit the catalog: `(field, message, accepted)`.
    pub fn problems(&self, catalog: &Catalog) -> Vec<(String, Message, Vec<String>)> {
        let mut problems = Vec::new();
        let ids =
            |items: &mut dyn Iterator<Item = &Id>| items.map(|i| i.to_string()).collect::<Vec<_>>();
        if let Some(hidden) = crate::text::first_hidden(&self.name) {
            problems.push((
                "name".into(),
                Message::new(Key::FirmNameHidden).arg("found", hidden),
                vec!["visible text on one line".into()],
            ));
        }
        if catalog.stage(&self.stage).is_none() {
            problems.push((
                "stage".into(),
                Message::new(Key::UnknownStage).arg("id", &self.stage),
                ids(&mut catalog.stages.iter().map(|s| &s.id)),
            ));
        }
        if catalog.region(&self.region).is_none() {
            problems.push((
                "region".into(),
                Message::new(Key::UnknownRegion).arg("id", &self.region),
                ids(&mut catalog.regions.iter().map(|r| &r.id)),
            ));
        }
        for (i, designation) in self.designations.iter().enumerate() {
            if catalog.designation(designation).is_none() {
                problems.push((
                    format!("designations[{i}]"),
                    Message::new(Key::UnknownDesignation).arg("id", designation),
                    ids(&mut catalog.designations.iter().map(|d| &d.id)),
                ));
            }
        }
        if !self.sector.is_empty() && !is_ksic(&self.sector) {
            problems.push((
                "sector".into(),
                Message::new(Key::NotKsic).arg("value", &self.sector),
                Vec::new(),
            ));
        }
        if self.founded.is_none() && self.stage != "pre_startup" {
            problems.push((
                "founded".into(),
                Message::new(Key::FoundingDateNeeded).arg("stage", &self.stage),
                Vec::new(),
            ));
        }
        if !self.zone.is_empty() {
            match catalog.designated_zone(&self.zone) {
                None => problems.push((
                    "zone".into(),
                    Message::new(Key::UnknownZone).arg("id", &self.zone),
                    ids(&mut catalog.designated_zones.iter().map(|z| &z.id)),
                )),
                Some(zone) if zone.region != self.region => problems.push((
                    "zone".into(),
                    Message::new(Key::ZoneInOtherRegion)
                        .arg("zone", &self.zone)
                        .arg("zone_region", &zone.region)
                        .arg("region", &self.region),
                    Vec::new(),
                )),
                Some(_) => {}
            }
        }
        if self.youth_employees > self.employees {
            problems.push((
                "youth_employees".into(),
                Message::new(Key::YouthOverEmployees)
                    .arg("youth", self.youth_employees)
                    .arg("employees", self.employees),
                Vec::new(),
            ));
        }
        for (field, share) in [
            ("research_institute_share", self.research_institute_share),
            ("high_tech_sales_share", self.high_tech_sales_share),
        ] {
            if share > 100 {
                problems.push((
                    field.into(),
                    Message::new(Key::PercentOver100).arg("value", share),
                    vec!["0 to 100".into()],
                ));
            }
        }
        if !(0..=120).contains(&self.founder_age) {
            problems.push((
                "founder_age".into(),
                Message::new(Key::ImpossibleAge).arg("age", self.founder_age),
                Vec::new(),
            ));
        }
        if self.id.trim().is_empty() {
            problems.push(("id".into(), Message::new(Key::EmptyText), Vec::new()));
        }
        problems
    }
}

/// KSIC (한국표준산업분류) code: section letter A–U, then up to five digits.
pub fn is_ksic(code: &str) -> bool {
    let mut chars = code.chars();
    matches!(chars.next(), Some('A'..='U')) && code.len() <= 6 && chars.all(|c| c.is_ascii_digit())
}

/// The fields a rule can read as `firm.<name>`, with their CEL types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FirmField {
    Id,
    Name,
    Stage,
    Employees,
    YouthEmployees,
    RevenueKrw,
    RndSpendKrw,
    ExportRevenueKrw,
    Sector,
    Region,
    Zone,
    Designations,
    InIncubator,
    GraduatedIncubator,
    VentureCertified,
    HasRndLab,
    FounderAge,
    AgeYears,
    CapitalRegion,
    ResearchInstituteShare,
    HighTechSalesShare,
    StrategicIndustry,
    OwnsHome,
    AssetsKrw,
    Sme,
}

/// CEL types of firm fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldType {
    Int,
    String,
    Bool,
    StringList,
}

impl FirmField {
    pub const ALL: [FirmField; 25] = [
        FirmField::Id,
        FirmField::Name,
        FirmField::Stage,
        FirmField::Employees,
        FirmField::YouthEmployees,
        FirmField::RevenueKrw,
        FirmField::RndSpendKrw,
        FirmField::ExportRevenueKrw,
        FirmField::Sector,
        FirmField::Region,
        FirmField::Zone,
        FirmField::Designations,
        FirmField::InIncubator,
        FirmField::GraduatedIncubator,
        FirmField::VentureCertified,
        FirmField::HasRndLab,
        FirmField::FounderAge,
        FirmField::AgeYears,
        FirmField::CapitalRegion,
        FirmField::ResearchInstituteShare,
        FirmField::HighTechSalesShare,
        FirmField::StrategicIndustry,
        FirmField::OwnsHome,
        FirmField::AssetsKrw,
        FirmField::Sme,
    ];

    pub fn name(self) -> &'static str {
        match self {
            FirmField::Id => "id",
            FirmField::Name => "name",
            FirmField::Stage => "stage",
            FirmField::Employees => "employees",
            FirmField::YouthEmployees => "youth_employees",
            FirmField::RevenueKrw => "revenue_krw",
            FirmField::RndSpendKrw => "rnd_spend_krw",
            FirmField::ExportRevenueKrw => "export_revenue_krw",
            FirmField::Sector => "sector",
            FirmField::Region => "region",
            FirmField::Zone => "zone",
            FirmField::Designations => "designations",
            FirmField::InIncubator => "in_incubator",
            FirmField::GraduatedIncubator => "graduated_incubator",
            FirmField::VentureCertified => "venture_certified",
            FirmField::HasRndLab => "has_rnd_lab",
            FirmField::FounderAge => "founder_age",
            FirmField::AgeYears => "age_years",
            FirmField::CapitalRegion => "capital_region",
            FirmField::ResearchInstituteShare => "research_institute_share",
            FirmField::HighTechSalesShare => "high_tech_sales_share",
            FirmField::StrategicIndustry => "strategic_industry",
            FirmField::OwnsHome => "owns_home",
            FirmField::AssetsKrw => "assets_krw",
            FirmField::Sme => "sme",
        }
    }

    pub fn from_name(name: &str) -> Option<FirmField> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    pub fn field_type(self) -> FieldType {
        match self {
            FirmField::Id
            | FirmField::Name
            | FirmField::Stage
            | FirmField::Sector
            | FirmField::Region
            | FirmField::Zone => FieldType::String,
            FirmField::Employees
            | FirmField::YouthEmployees
            | FirmField::RevenueKrw
            | FirmField::RndSpendKrw
            | FirmField::ExportRevenueKrw
            | FirmField::FounderAge
            | FirmField::AgeYears
            | FirmField::ResearchInstituteShare
            | FirmField::HighTechSalesShare
            | FirmField::AssetsKrw => FieldType::Int,
            FirmField::Designations => FieldType::StringList,
            FirmField::InIncubator
            | FirmField::GraduatedIncubator
            | FirmField::VentureCertified
            | FirmField::HasRndLab
            | FirmField::CapitalRegion
            | FirmField::StrategicIndustry
            | FirmField::OwnsHome
            | FirmField::Sme => FieldType::Bool,
        }
    }
}

impl<'a> FirmFacts<'a> {
    pub fn int(&self, field: FirmField) -> i64 {
        let f = self.firm;
        match field {
            FirmField::Employees => f.employees,
            FirmField::YouthEmployees => f.youth_employees,
            FirmField::RevenueKrw => f.revenue_krw,
            FirmField::RndSpendKrw => f.rnd_spend_krw,
            FirmField::ExportRevenueKrw => f.export_revenue_krw,
            FirmField::FounderAge => f.founder_age,
            FirmField::AgeYears => self.age_years,
            FirmField::ResearchInstituteShare => f.research_institute_share,
            FirmField::HighTechSalesShare => f.high_tech_sales_share,
            FirmField::AssetsKrw => f.assets_krw,
            _ => 0,
        }
    }

    pub fn string(&self, field: FirmField) -> &'a str {
        let f = self.firm;
        match field {
            FirmField::Id => &f.id,
            FirmField::Name => &f.name,
            FirmField::Stage => &f.stage,
            FirmField::Sector => &f.sector,
            FirmField::Region => &f.region,
            FirmField::Zone => &f.zone,
            _ => "",
        }
    }

    pub fn bool(&self, field: FirmField) -> bool {
        let f = self.firm;
        match field {
            FirmField::InIncubator => f.in_incubator,
            FirmField::GraduatedIncubator => f.graduated_incubator,
            FirmField::VentureCertified => f.venture_certified,
            FirmField::HasRndLab => f.has_rnd_lab,
            FirmField::CapitalRegion => self.capital_region,
            FirmField::StrategicIndustry => f.strategic_industry,
            FirmField::OwnsHome => f.owns_home,
            FirmField::Sme => self.sme,
            _ => false,
        }
    }
}

/// Firms as rules see them: the variable `firm` over [`FirmField`]s, read from [`FirmFacts`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct FirmSchema;

impl crate::rule::Schema for FirmSchema {
    type Field = FirmField;
    type Record<'r> = FirmFacts<'r>;

    const VARIABLE: &'static str = "firm";

    fn fields() -> &'static [FirmField] {
        &FirmField::ALL
    }

    fn name(field: FirmField) -> &'static str {
        field.name()
    }

    fn field_type(field: FirmField) -> crate::rule::Type {
        use crate::rule::Type;
        match field.field_type() {
            FieldType::Int => Type::Int,
            FieldType::String => Type::String,
            FieldType::Bool => Type::Bool,
            FieldType::StringList => Type::List(Box::new(Type::String)),
        }
    }

    fn field(name: &str) -> Option<FirmField> {
        FirmField::from_name(name)
    }

    fn value(facts: &FirmFacts<'_>, field: FirmField) -> crate::rule::Value {
        use crate::rule::Value;
        match field.field_type() {
            FieldType::Int => Value::Int(facts.int(field)),
            FieldType::String => Value::String(facts.string(field).to_string()),
            FieldType::Bool => Value::Bool(facts.bool(field)),
            FieldType::StringList => Value::List(
                facts
                    .firm
                    .designations
                    .iter()
                    .map(|d| Value::String(d.to_string()))
                    .collect(),
            ),
        }
    }

    fn int(facts: &FirmFacts<'_>, field: FirmField) -> i64 {
        facts.int(field)
    }

    /// Ids and names are nearly unique; every other non-int field has few values.
    fn categorical(field: FirmField) -> bool {
        !matches!(field, FirmField::Id | FirmField::Name) && field.field_type() != FieldType::Int
    }

    fn category<'r>(facts: &Self::Record<'r>, field: FirmField) -> crate::rule::Category<'r> {
        use crate::rule::Category;
        match field.field_type() {
            FieldType::String => Category::Text(facts.string(field)),
            FieldType::Bool => Category::Flag(facts.bool(field)),
            FieldType::StringList => Category::Ids(&facts.firm.designations),
            FieldType::Int => Category::Owned(facts.int(field).to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ksic_codes() {
        assert!(is_ksic("C26"));
        assert!(is_ksic("J"));
        assert!(is_ksic("M70113"));
        assert!(!is_ksic("c26"));
        assert!(!is_ksic("Z01"));
        assert!(!is_ksic("C2a"));
        assert!(!is_ksic("C1234567"));
    }

    #[test]
    fn every_field_has_a_unique_name() {
        for field in FirmField::ALL {
            assert_eq!(FirmField::from_name(field.name()), Some(field));
        }
    }
}
