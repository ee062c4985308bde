//! A zone's plan as the evaluation reads it: the basic plan's required items (present, partial or
//! missing, and the section of the document that holds them), targets per indicator and year,
//! the development project's milestones with planned and actual dates, and the investment
//! records coordinators enter with their evidence. Each is checked by field against the catalog
//! before it is stored.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Catalog;
use crate::date::Date;
use crate::message::{Key, Message};
use crate::record::FieldProblem;

/// An id of a milestone or an investment record: lowercase letters, digits, `-` and `_`.
pub fn is_record_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// A day that must have happened by `today`.
fn happened(out: &mut Vec<FieldProblem>, field: &str, day: Option<Date>, today: Date) {
    if let Some(day) = day.filter(|d| *d > today) {
        out.push(FieldProblem::new(
            field,
            Message::new(Key::EvalInFuture)
                .arg("value", day)
                .arg("today", today),
        ));
    }
}

/// Text no longer than `max` characters.
fn bounded(out: &mut Vec<FieldProblem>, field: &str, text: &str, max: usize) {
    let length = text.chars().count();
    if length > max {
        out.push(FieldProblem::new(
            field,
            Message::new(Key::EvalTooLong)
                .arg("length", length)
                .arg("max", max),
        ));
    }
}

fn bad_id(field: &str, id: &str) -> FieldProblem {
    FieldProblem::new(field, Message::new(Key::EvalBadId).arg("value", id))
}

/// How far the basic plan covers an item the act requires.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    Present,
    Partial,
    Missing,
}

/// One required item as the plan covers it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanItemEntry {
    /// A `plan_items` id of the catalog.
    pub item: String,
    pub status: ItemStatus,
    /// Where the plan document covers it (`제3장 2절`); required unless missing.
    #[serde(default)]
    pub section: String,
}

/// A zone's basic plan (기본계획) as a record: its title, when it was approved, and the act's
/// required items it covers. An item of the catalog not listed is missing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BasicPlan {
    pub title: String,
    #[serde(default)]
    pub approved_on: Option<Date>,
    pub items: Vec<PlanItemEntry>,
    /// True where the record is made up for the demonstration (not public).
    #[serde(default)]
    pub illustrative: bool,
}

/// A required item with how the plan covers it, in catalog order.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct ChecklistLine {
    pub item: String,
    pub name_ko: String,
    pub name_en: String,
    /// Whether the item's wording was checked against the act.
    pub verified: bool,
    pub status: ItemStatus,
    pub section: String,
}

impl BasicPlan {
    pub fn problems(&self, catalog: &Catalog, today: Date) -> Vec<FieldProblem> {
        let mut out = Vec::new();
        if self.title.trim().is_empty() {
            out.push(FieldProblem::new("title", Key::AwardRequired));
        }
        bounded(&mut out, "title", &self.title, 200);
        happened(&mut out, "approved_on", self.approved_on, today);
        let mut seen = std::collections::HashSet::new();
        for (i, entry) in self.items.iter().enumerate() {
            let field = |f: &str| format!("items[{i}].{f}");
            if !catalog
                .plan_items
                .iter()
                .any(|p| p.id.as_str() == entry.item)
            {
                out.push(FieldProblem::new(
                    field("item"),
                    Message::new(Key::EvalUnknownPlanItem).arg("value", &entry.item),
                ));
            } else if !seen.insert(entry.item.as_str()) {
                out.push(FieldProblem::new(
                    field("item"),
                    Message::new(Key::EvalDuplicate).arg("value", &entry.item),
                ));
            }
            if entry.status != ItemStatus::Missing && entry.section.trim().is_empty() {
                out.push(FieldProblem::new(
                    field("section"),
                    Key::EvalSectionRequired,
                ));
            }
            bounded(&mut out, &field("section"), &entry.section, 100);
        }
        out
    }

    /// Every item the act requires, with how this plan covers it.
    pub fn checklist(&self, catalog: &Catalog) -> Vec<ChecklistLine> {
        checklist(Some(self), catalog)
    }
}

/// The checklist of a plan, or of no plan (every item missing).
pub fn checklist(plan: Option<&BasicPlan>, catalog: &Catalog) -> Vec<ChecklistLine> {
    catalog
        .plan_items
        .iter()
        .map(|p| {
            let entry = plan.and_then(|plan| plan.items.iter().find(|e| e.item == p.id.as_str()));
            ChecklistLine {
                item: p.id.to_string(),
                name_ko: p.name_ko.clone(),
                name_en: p.name_en.clone(),
                verified: p.verified,
                status: entry.map_or(ItemStatus::Missing, |e| e.status),
                section: entry.map(|e| e.section.clone()).unwrap_or_default(),
            }
        })
        .collect()
}

/// A target of an indicator for a year.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// An `indicators` id of the catalog.
    pub indicator: String,
    pub year: i32,
    pub value: f64,
    /// Where it comes from (the basic plan's section, a press release).
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub illustrative: bool,
}

impl Target {
    /// The key a target is stored under: one per indicator and year.
    pub fn key(&self) -> String {
        format!("{}/{}", self.indicator, self.year)
    }

    pub fn problems(&self, catalog: &Catalog) -> Vec<FieldProblem> {
        let mut out = Vec::new();
        if !catalog
            .indicators
            .iter()
            .any(|i| i.id.as_str() == self.indicator)
        {
            out.push(FieldProblem::new(
                "indicator",
                Message::new(Key::EvalUnknownIndicator).arg("value", &self.indicator),
            ));
        }
        if !(2000..=2100).contains(&self.year) {
            out.push(FieldProblem::new(
                "year",
                Message::new(Key::OutOfRange)
                    .arg("value", self.year)
                    .arg("min", 2000)
                    .arg("max", 2100),
            ));
        }
        if !self.value.is_finite() || self.value > 1e15 {
            out.push(FieldProblem::new(
                "value",
                Message::new(Key::OutOfRange)
                    .arg(
                        "value",
                        if self.value.is_finite() {
                            "> 10^15".to_string()
                        } else {
                            self.value.to_string()
                        },
                    )
                    .arg("min", 0)
                    .arg("max", "10^15"),
            ));
        } else if self.value < 0.0 {
            out.push(FieldProblem::new(
                "value",
                Message::new(Key::EvalNegative).arg("value", self.value),
            ));
        }
        bounded(&mut out, "source", &self.source, 300);
        out
    }
}

/// How far a value reaches its target, in percent: for a higher-is-better indicator the value
/// over the target, for a lower-is-better one the target over the value. None without a target,
/// value or a positive divisor.
pub fn achievement(
    value: Option<f64>,
    target: Option<f64>,
    direction: super::Direction,
) -> Option<f64> {
    let (value, target) = (value?, target?);
    let (num, den) = match direction {
        super::Direction::Higher => (value, target),
        super::Direction::Lower => (target, value),
    };
    (den > 0.0).then(|| num / den * 100.0)
}

/// What a milestone of the development project is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MilestoneKind {
    /// 토지 확보, 보상.
    Land,
    /// 인허가 (실시계획, 건축허가).
    Permit,
    /// 착공·공사.
    Construction,
    /// 시설 개관.
    Opening,
    Other,
}

/// A milestone of a zone's development project, with its planned and actual dates.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Milestone {
    pub id: String,
    pub name_ko: String,
    #[serde(default)]
    pub name_en: String,
    pub kind: MilestoneKind,
    /// The facility it concerns, if one.
    #[serde(default)]
    pub facility: String,
    pub planned_start: Date,
    pub planned_end: Date,
    #[serde(default)]
    pub actual_start: Option<Date>,
    #[serde(default)]
    pub actual_end: Option<Date>,
    #[serde(default)]
    pub illustrative: bool,
}

/// Where a milestone stands on a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MilestoneState {
    Planned,
    Started,
    Done,
    /// Past its planned end, not done.
    Late,
}

impl Milestone {
    /// Its problems by field; actual dates must have happened by `today`.
    pub fn problems(&self, today: Date) -> Vec<FieldProblem> {
        let mut out = Vec::new();
        bounded(&mut out, "name_ko", &self.name_ko, 200);
        bounded(&mut out, "name_en", &self.name_en, 200);
        bounded(&mut out, "facility", &self.facility, 200);
        happened(&mut out, "actual_start", self.actual_start, today);
        happened(&mut out, "actual_end", self.actual_end, today);
        if !is_record_id(&self.id) {
            out.push(bad_id("id", &self.id));
        }
        if self.name_ko.trim().is_empty() {
            out.push(FieldProblem::new("name_ko", Key::AwardRequired));
        }
        let before = |field: &str, end: Date, start: Date| {
            FieldProblem::new(
                field,
                Message::new(Key::EvalEndBeforeStart)
                    .arg("end", end)
                    .arg("start", start),
            )
        };
        if self.planned_end < self.planned_start {
            out.push(before("planned_end", self.planned_end, self.planned_start));
        }
        for (field, day) in [
            ("actual_start", self.actual_start),
            ("actual_end", self.actual_end),
        ] {
            if let Some(day) = day.filter(|d| *d < self.planned_start) {
                out.push(FieldProblem::new(
                    field,
                    Message::new(Key::EvalActualBeforePlan)
                        .arg("actual", day)
                        .arg("planned", self.planned_start),
                ));
            }
        }
        match (self.actual_start, self.actual_end) {
            (None, Some(_)) => {
                out.push(FieldProblem::new("actual_start", Key::EvalEndWithoutStart))
            }
            (Some(start), Some(end)) if end < start => out.push(before("actual_end", end, start)),
            _ => {}
        }
        out
    }

    pub fn state(&self, today: Date) -> MilestoneState {
        match (self.actual_start, self.actual_end) {
            (_, Some(end)) if end <= today => MilestoneState::Done,
            _ if self.planned_end < today => MilestoneState::Late,
            (Some(start), _) if start <= today => MilestoneState::Started,
            _ => MilestoneState::Planned,
        }
    }
}

/// Who invested, for the investment measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InvestorKind {
    /// 앵커기업.
    AnchorFirm,
    /// 연구기관.
    ResearchInstitute,
    /// 민간 공동투자.
    CoInvestment,
    Other,
}

/// Investment attracted into the zone, as a coordinator records it with its evidence (an MOU,
/// a disclosure, a fund's notice).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Investment {
    pub id: String,
    /// When it was committed.
    pub day: Date,
    pub investor: String,
    pub kind: InvestorKind,
    pub amount_krw: i64,
    /// What proves it: a document number, a disclosure, a link.
    pub evidence: String,
    #[serde(default)]
    pub illustrative: bool,
}

impl Investment {
    /// Its problems by field; its day must have come by `today`.
    pub fn problems(&self, today: Date) -> Vec<FieldProblem> {
        let mut out = Vec::new();
        happened(&mut out, "day", Some(self.day), today);
        bounded(&mut out, "investor", &self.investor, 200);
        bounded(&mut out, "evidence", &self.evidence, 500);
        if !is_record_id(&self.id) {
            out.push(bad_id("id", &self.id));
        }
        if self.investor.trim().is_empty() {
            out.push(FieldProblem::new("investor", Key::AwardRequired));
        }
        if !(1..=1_000_000_000_000_000).contains(&self.amount_krw) {
            out.push(FieldProblem::new(
                "amount_krw",
                Message::new(Key::OutOfRange)
                    .arg("value", self.amount_krw)
                    .arg("min", 1)
                    .arg("max", "10^15"),
            ));
        }
        if self.evidence.trim().is_empty() {
            out.push(FieldProblem::new("evidence", Key::EvalEvidenceRequired));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluation::Direction;

    fn day(s: &str) -> Date {
        s.parse().expect("a date")
    }

    fn fields(p: Vec<FieldProblem>) -> Vec<String> {
        p.into_iter().map(|p| p.field).collect()
    }

    #[test]
    fn a_plan_names_unknown_duplicate_and_unplaced_items() {
        let catalog = Catalog::bundled().expect("catalog");
        let plan: BasicPlan = serde_json::from_value(serde_json::json!({
            "title": "대전 도심융합특구 기본계획",
            "items": [
                {"item": "housing", "status": "present", "section": "5장"},
                {"item": "housing", "status": "partial", "section": "6장"},
                {"item": "moon_base", "status": "missing"},
                {"item": "land_use", "status": "partial"},
            ]
        }))
        .expect("shape");
        assert_eq!(
            fields(plan.problems(&catalog, day("2026-06-30"))),
            ["items[1].item", "items[2].item", "items[3].section"]
        );
        let list = plan.checklist(&catalog);
        assert_eq!(list.len(), catalog.plan_items.len());
        let housing = list.iter().find(|l| l.item == "housing").expect("listed");
        assert_eq!(
            (housing.status, housing.section.as_str()),
            (ItemStatus::Present, "5장")
        );
        let unlisted = list.iter().find(|l| l.item == "financing").expect("listed");
        assert_eq!(unlisted.status, ItemStatus::Missing);
    }

    #[test]
    fn a_target_names_its_unknown_indicator_and_bad_year() {
        let catalog = Catalog::bundled().expect("catalog");
        let t = Target {
            indicator: "happiness".into(),
            year: 1999,
            value: f64::NAN,
            source: String::new(),
            illustrative: false,
        };
        assert_eq!(fields(t.problems(&catalog)), ["indicator", "year", "value"]);
        let ok = Target {
            indicator: "jobs".into(),
            year: 2030,
            value: 26_000.0,
            ..t
        };
        assert!(ok.problems(&catalog).is_empty());
        let negative = Target {
            value: -5.0,
            ..ok.clone()
        };
        assert_eq!(fields(negative.problems(&catalog)), ["value"]);
        assert_eq!(ok.key(), "jobs/2030");
    }

    #[test]
    fn achievement_follows_the_direction() {
        assert_eq!(
            achievement(Some(50.0), Some(200.0), Direction::Higher),
            Some(25.0)
        );
        assert_eq!(
            achievement(Some(20.0), Some(10.0), Direction::Lower),
            Some(50.0)
        );
        assert_eq!(achievement(Some(5.0), None, Direction::Higher), None);
        assert_eq!(achievement(Some(5.0), Some(0.0), Direction::Higher), None);
    }

    #[test]
    fn a_milestone_with_actual_dates_before_its_plan_is_refused_by_field() {
        let m = Milestone {
            id: "Bad Id".into(),
            name_ko: "".into(),
            name_en: String::new(),
            kind: MilestoneKind::Construction,
            facility: String::new(),
            planned_start: day("2026-03-01"),
            planned_end: day("2026-01-01"),
            actual_start: Some(day("2026-02-01")),
            actual_end: Some(day("2026-01-15")),
            illustrative: false,
        };
        assert_eq!(
            fields(m.problems(day("2026-06-30"))),
            [
                "id",
                "name_ko",
                "planned_end",
                "actual_start",
                "actual_end",
                "actual_end"
            ]
        );
        let m = Milestone {
            id: "anchor-building".into(),
            name_ko: "앵커 건물 착공".into(),
            planned_end: day("2026-12-31"),
            actual_start: None,
            actual_end: Some(day("2026-05-01")),
            ..m
        };
        assert_eq!(fields(m.problems(day("2026-06-30"))), ["actual_start"]);
        let m = Milestone {
            actual_start: Some(day("2026-03-02")),
            actual_end: None,
            ..m
        };
        assert!(m.problems(day("2026-06-30")).is_empty());
        assert_eq!(
            fields(m.problems(day("2026-03-01"))),
            ["actual_start"],
            "not happened yet"
        );
        assert_eq!(m.state(day("2026-02-01")), MilestoneState::Planned);
        assert_eq!(m.state(day("2026-06-01")), MilestoneState::Started);
        assert_eq!(m.state(day("2027-01-01")), MilestoneState::Late);
        let done = Milestone {
            actual_end: Some(day("2026-11-30")),
            ..m
        };
        assert_eq!(done.state(day("2027-01-01")), MilestoneState::Done);
    }

    #[test]
    fn an_investment_needs_its_evidence_and_a_positive_amount() {
        let future = Investment {
            id: "later".into(),
            day: day("2027-01-01"),
            investor: "A".into(),
            kind: InvestorKind::Other,
            amount_krw: 1,
            evidence: "x".into(),
            illustrative: false,
        };
        assert_eq!(fields(future.problems(day("2026-06-30"))), ["day"]);
        let i = Investment {
            id: "lg-battery-lab".into(),
            day: day("2026-04-01"),
            investor: " ".into(),
            kind: InvestorKind::AnchorFirm,
            amount_krw: 0,
            evidence: "".into(),
            illustrative: false,
        };
        assert_eq!(
            fields(i.problems(day("2026-06-30"))),
            ["investor", "amount_krw", "evidence"]
        );
    }
}
