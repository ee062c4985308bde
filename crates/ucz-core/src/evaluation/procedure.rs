//! The statutory procedure of a zone (catalog `procedure_dates`, `procedure_steps`): the dates a
//! coordinator enters, checked so that none comes before what it must follow and no step is
//! shorter than the act allows, and the timeline they give on a day — each step done, late,
//! running, due, at risk of its deadline or overdue, with what lateness risks.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Catalog;
use crate::date::Date;
use crate::message::{Key, Message};
use crate::record::FieldProblem;

/// The procedure's dates a zone has reached, by their catalog id.
pub type Dates = BTreeMap<String, Date>;

/// Every problem of a zone's dates, by field (`dates.<id>`); a date after `today` has not been
/// reached.
pub fn problems(catalog: &Catalog, dates: &Dates, today: Date) -> Vec<FieldProblem> {
    let mut out = Vec::new();
    let field = |id: &str| format!("dates.{id}");
    for (id, day) in dates.iter().filter(|(_, d)| **d > today) {
        out.push(FieldProblem::new(
            field(id),
            Message::new(Key::EvalInFuture)
                .arg("value", day)
                .arg("today", today),
        ));
    }
    let name = |id: &str| {
        catalog
            .procedure_dates
            .iter()
            .find(|d| d.id.as_str() == id)
            .map_or_else(|| id.to_string(), |d| d.name_en.clone())
    };
    for id in dates.keys() {
        if !catalog.procedure_dates.iter().any(|d| d.id.as_str() == id) {
            let known: Vec<&str> = catalog
                .procedure_dates
                .iter()
                .map(|d| d.id.as_str())
                .collect();
            out.push(FieldProblem::new(
                field(id),
                Message::new(Key::EvalUnknownDate)
                    .arg("value", id)
                    .arg("values", known.join(", ")),
            ));
        }
    }
    for d in &catalog.procedure_dates {
        let Some(day) = dates.get(d.id.as_str()) else {
            continue;
        };
        for other in &d.after {
            if let Some(other_day) = dates.get(other).filter(|o| day < *o) {
                out.push(FieldProblem::new(
                    field(d.id.as_str()),
                    Message::new(Key::EvalDateBefore)
                        .arg("date", d.name_en.clone())
                        .arg("other", name(other))
                        .arg("other_day", other_day),
                ));
            }
        }
    }
    for s in &catalog.procedure_steps {
        let (Some(from), Some(to), Some(min)) = (dates.get(&s.from), dates.get(&s.to), s.min_days)
        else {
            continue;
        };
        let days = from.days_until(*to) + 1;
        if *to >= *from && days < i64::from(min) {
            out.push(FieldProblem::new(
                field(&s.to),
                Message::new(Key::EvalStepTooShort)
                    .arg("step", s.name_en.clone())
                    .arg("days", days)
                    .arg("min", min),
            ));
        }
    }
    out
}

/// Where a step stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// Its first date is not reached.
    Waiting,
    /// A least length, started, not ended.
    Running,
    /// A deadline ahead, far off.
    Due,
    /// A deadline ahead within the warning (a quarter of the period, at most 90 days).
    AtRisk,
    /// Past its deadline, not done.
    Overdue,
    Done,
    /// Done after its deadline.
    Late,
}

impl StepStatus {
    /// Whether it needs a coordinator's attention.
    pub fn alerts(self) -> bool {
        matches!(self, StepStatus::AtRisk | StepStatus::Overdue)
    }
}

/// A step on the timeline.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct StepState {
    pub step: String,
    pub name_ko: String,
    pub name_en: String,
    pub from: Option<Date>,
    pub to: Option<Date>,
    /// The last day it may end (a greatest length).
    pub deadline: Option<Date>,
    /// The first day it may end (a least length).
    pub earliest_end: Option<Date>,
    /// Days from the day asked to the deadline (negative: overdue).
    pub days_left: Option<i64>,
    pub status: StepStatus,
    pub consequence_ko: String,
    pub consequence_en: String,
    pub source: String,
    pub verified: bool,
}

/// The timeline of a zone's dates on a day.
pub fn timeline(catalog: &Catalog, dates: &Dates, today: Date) -> Vec<StepState> {
    catalog
        .procedure_steps
        .iter()
        .map(|s| {
            let from = dates.get(&s.from).copied();
            let to = dates.get(&s.to).copied();
            let deadline = from.and_then(|f| match (s.max_days, s.max_years) {
                (Some(days), _) => Some(f.add_days(i64::from(days))),
                (_, Some(years)) => Some(f.add_months(12 * years as i32)),
                _ => None,
            });
            let earliest_end = from
                .zip(s.min_days)
                .map(|(f, d)| f.add_days(i64::from(d) - 1));
            let days_left = deadline.map(|d| today.days_until(d));
            let status = match (from, to, deadline) {
                (None, _, _) => StepStatus::Waiting,
                (Some(_), Some(to), Some(deadline)) if to > deadline => StepStatus::Late,
                (Some(_), Some(_), _) => StepStatus::Done,
                (Some(_), None, None) => StepStatus::Running,
                (Some(f), None, Some(deadline)) => {
                    let warn = (f.days_until(deadline) / 4).min(90);
                    let left = today.days_until(deadline);
                    if left < 0 {
                        StepStatus::Overdue
                    } else if left <= warn {
                        StepStatus::AtRisk
                    } else {
                        StepStatus::Due
                    }
                }
            };
            StepState {
                step: s.id.to_string(),
                name_ko: s.name_ko.clone(),
                name_en: s.name_en.clone(),
                from,
                to,
                deadline,
                earliest_end,
                days_left: if to.is_some() { None } else { days_left },
                status,
                consequence_ko: s.consequence_ko.clone(),
                consequence_en: s.consequence_en.clone(),
                source: s.source.clone(),
                verified: s.verified,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dates(pairs: &[(&str, &str)]) -> Dates {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.parse().expect("a date")))
            .collect()
    }

    fn day(s: &str) -> Date {
        s.parse().expect("a date")
    }

    fn status(t: &[StepState], step: &str) -> (StepStatus, Option<i64>) {
        let s = t.iter().find(|s| s.step == step).expect("a step");
        (s.status, s.days_left)
    }

    #[test]
    fn impossible_dates_are_named_by_field() {
        let catalog = Catalog::bundled().expect("catalog");
        let d = dates(&[
            ("plan_drafted", "2024-05-01"),
            ("inspection_started", "2024-06-01"),
            // 13 days, both ends counted.
            ("inspection_ended", "2024-06-13"),
            ("designated", "2024-06-10"),
            ("bogus", "2024-01-01"),
        ]);
        let fields: Vec<String> = problems(&catalog, &d, day("2026-06-30"))
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(
            fields,
            ["dates.bogus", "dates.designated", "dates.inspection_ended"]
        );
        let ok = dates(&[
            ("inspection_started", "2024-06-01"),
            ("inspection_ended", "2024-06-14"),
        ]);
        assert!(problems(&catalog, &ok, day("2026-06-30")).is_empty());
        assert_eq!(
            problems(&catalog, &ok, day("2024-06-10")).len(),
            1,
            "not reached yet"
        );
    }

    #[test]
    fn the_timeline_counts_each_deadline_from_its_date() {
        let catalog = Catalog::bundled().expect("catalog");
        let d = dates(&[
            ("plan_drafted", "2024-05-01"),
            ("inspection_started", "2024-06-01"),
            ("inspection_ended", "2024-06-20"),
            ("opinions_requested", "2024-07-01"),
            ("opinions_received", "2024-08-05"),
            ("designated", "2024-11-07"),
        ]);
        let t = timeline(&catalog, &d, day("2027-09-01"));
        assert_eq!(status(&t, "public_inspection").0, StepStatus::Done);
        // Asked 07-01, deadline 07-31, answered 08-05: late.
        assert_eq!(status(&t, "ministry_opinions").0, StepStatus::Late);
        // Designated 2024-11-07: the implementation plan is due by 2027-11-07, 67 days off,
        // within the 90 days' warning.
        assert_eq!(
            status(&t, "implementation_plan"),
            (StepStatus::AtRisk, Some(67))
        );
        assert_eq!(status(&t, "works_start").0, StepStatus::Waiting);
        assert_eq!(
            status(
                &timeline(&catalog, &d, day("2026-01-01")),
                "implementation_plan"
            )
            .0,
            StepStatus::Due
        );
        assert_eq!(
            status(
                &timeline(&catalog, &d, day("2027-11-08")),
                "implementation_plan"
            ),
            (StepStatus::Overdue, Some(-1))
        );
        assert!(StepStatus::Overdue.alerts() && !StepStatus::Due.alerts());
    }
}
