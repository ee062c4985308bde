//! A selected firm's agreement and its periodic KPI filings: the periods an agreement asks
//! filings for, when each is due, and a filing's checks.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Kpi;
use crate::date::Date;
use crate::message::{Key, Message};
use crate::record::FieldProblem;

/// An agreement with a selected firm.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AgreementBody {
    pub starts: Date,
    pub ends: Date,
    /// The amount agreed, in won (at most the amount awarded).
    pub amount: i64,
    #[serde(default)]
    pub milestones: Vec<Milestone>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Milestone {
    pub due: Date,
    pub text: String,
}

impl AgreementBody {
    pub fn problems(&self, awarded: i64) -> Vec<FieldProblem> {
        let mut out = Vec::new();
        if self.ends < self.starts {
            out.push(FieldProblem::new(
                "ends",
                Message::new(Key::AwardPeriodOrder)
                    .arg("start", self.starts)
                    .arg("end", self.ends),
            ));
        }
        if self.amount <= 0 {
            out.push(FieldProblem::new("amount", Key::AwardPositive));
        } else if self.amount > awarded {
            out.push(FieldProblem::new(
                "amount",
                Message::new(Key::AwardAmountOver)
                    .arg("amount", self.amount)
                    .arg("max", awarded),
            ));
        }
        for (i, m) in self.milestones.iter().enumerate() {
            if m.due < self.starts || m.due > self.ends {
                out.push(FieldProblem::new(
                    format!("milestones[{i}].due"),
                    Message::new(Key::AwardOutsidePeriod)
                        .arg("start", self.starts)
                        .arg("end", self.ends),
                ));
            }
        }
        out
    }

    /// The periods filings are asked for: from the agreement's start, every `months`, the last
    /// one ending with the agreement. Each ends the day before the next begins.
    pub fn periods(&self, months: u32) -> Vec<Period> {
        let mut out = Vec::new();
        let mut start = self.starts;
        let months = months.max(1) as i32;
        while start <= self.ends && out.len() < 120 {
            let next = self.starts.add_months(months * (out.len() as i32 + 1));
            let end = next.add_days(-1).min(self.ends);
            out.push(Period {
                index: out.len() as u32 + 1,
                starts: start,
                ends: end,
                // Due the same day a month after the period ends (the month's end clamped).
                due: end.add_months(1),
            });
            start = next;
        }
        out
    }
}

/// One filing period of an agreement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Period {
    /// 1 for the first.
    pub index: u32,
    pub starts: Date,
    pub ends: Date,
    pub due: Date,
}

/// What a firm files for a period: the standard outcome figures and the call's own KPIs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FilingBody {
    /// The period's number (1 for the first).
    pub period: u32,
    /// The day the figures held.
    pub as_of: Date,
    pub employees: i64,
    /// Employees aged 34 or younger on `as_of` (청년).
    pub youth_employees: i64,
    /// Revenue over the twelve months to `as_of`, won (the measure of the firm's profile).
    pub revenue_krw: i64,
    /// Exports over the twelve months to `as_of`, won.
    pub export_revenue_krw: i64,
    /// Investment attracted in the period, won.
    pub investment_krw: i64,
    pub patents_filed: i64,
    pub patents_granted: i64,
    /// The call's KPIs by id.
    #[serde(default)]
    pub kpis: BTreeMap<String, f64>,
    /// Why a figure changed much (asked for when one did).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl FilingBody {
    /// Every problem: negative figures, more youth employees than employees, a period the
    /// agreement lacks, an `as_of` outside the period or after `today`, KPIs unknown or missing, and a big jump from
    /// the previous filing (employees doubling by 5 or more, revenue tripling by ₩100M or
    /// more, or either halving) without a note.
    pub fn problems(
        &self,
        periods: &[Period],
        kpis: &[Kpi],
        previous: Option<&FilingBody>,
        today: Date,
    ) -> Vec<FieldProblem> {
        let mut out = Vec::new();
        for (field, value) in [
            ("employees", self.employees),
            ("youth_employees", self.youth_employees),
            ("revenue_krw", self.revenue_krw),
            ("export_revenue_krw", self.export_revenue_krw),
            ("investment_krw", self.investment_krw),
            ("patents_filed", self.patents_filed),
            ("patents_granted", self.patents_granted),
        ] {
            if value < 0 {
                out.push(FieldProblem::new(field, Key::AwardNotNegative));
            }
        }
        if self.youth_employees > self.employees {
            out.push(FieldProblem::new(
                "youth_employees",
                Message::new(Key::AwardYouthOverEmployees)
                    .arg("youth", self.youth_employees)
                    .arg("employees", self.employees),
            ));
        }
        match periods.iter().find(|p| p.index == self.period) {
            None => out.push(FieldProblem::new(
                "period",
                Message::new(Key::AwardOutOfRange)
                    .arg("min", 1)
                    .arg("max", periods.len()),
            )),
            Some(p) if self.as_of < p.starts || self.as_of > p.ends.min(today) => {
                out.push(FieldProblem::new(
                    "as_of",
                    Message::new(Key::AwardOutsidePeriod)
                        .arg("start", p.starts)
                        .arg("end", p.ends.min(today)),
                ))
            }
            Some(_) => {}
        }
        for kpi in kpis {
            if !self.kpis.contains_key(&kpi.id) {
                out.push(FieldProblem::new(
                    format!("kpis.{}", kpi.id),
                    Key::AwardRequired,
                ));
            }
        }
        for id in self.kpis.keys() {
            if !kpis.iter().any(|k| &k.id == id) {
                out.push(FieldProblem::new(
                    format!("kpis.{id}"),
                    Message::new(Key::AwardUnknownKpi).arg("id", id),
                ));
            }
        }
        let noted = self.note.as_deref().is_some_and(|n| !n.trim().is_empty());
        if let (Some(before), false) = (previous, noted) {
            let jumps = |field: &'static str, was: i64, now: i64, step: i64, factor: i64| {
                let up = now >= was.saturating_mul(factor) && now.saturating_sub(was) >= step;
                let down = was >= step && now.saturating_mul(2) < was;
                (up || down).then(|| {
                    FieldProblem::new(
                        field,
                        Message::new(Key::AwardJumpNeedsNote)
                            .arg("before", was)
                            .arg("after", now),
                    )
                })
            };
            out.extend(jumps("employees", before.employees, self.employees, 5, 2));
            out.extend(jumps(
                "revenue_krw",
                before.revenue_krw,
                self.revenue_krw,
                100_000_000,
                3,
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Date {
        text.parse().expect("date")
    }

    fn agreement() -> AgreementBody {
        AgreementBody {
            starts: d("2026-07-01"),
            ends: d("2027-06-30"),
            amount: 50_000_000,
            milestones: vec![],
        }
    }

    fn filing(period: u32, as_of: &str, employees: i64, youth: i64, revenue: i64) -> FilingBody {
        FilingBody {
            period,
            as_of: d(as_of),
            employees,
            youth_employees: youth,
            revenue_krw: revenue,
            export_revenue_krw: 0,
            investment_krw: 0,
            patents_filed: 0,
            patents_granted: 0,
            kpis: BTreeMap::new(),
            note: None,
        }
    }

    #[test]
    fn a_year_has_four_quarters_each_due_a_month_after() {
        let periods = agreement().periods(3);
        assert_eq!(periods.len(), 4);
        assert_eq!(
            (periods[0].starts, periods[0].ends),
            (d("2026-07-01"), d("2026-09-30"))
        );
        assert_eq!(periods[0].due, d("2026-10-30"));
        assert_eq!(periods[3].ends, d("2027-06-30"));
    }

    #[test]
    fn a_filing_cannot_have_more_youth_than_employees_and_big_jumps_need_a_note() {
        let periods = agreement().periods(3);
        let first = filing(1, "2026-09-30", 5, 3, 100_000_000);
        assert_eq!(first.problems(&periods, &[], None, d("2027-12-31")), vec![]);
        let bad = filing(2, "2026-12-31", 4, 6, 100_000_000);
        let fields: Vec<String> = bad
            .problems(&periods, &[], Some(&first), d("2027-12-31"))
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(fields, ["youth_employees"]);
        let jump = filing(2, "2026-12-31", 12, 6, 400_000_000);
        let fields: Vec<String> = jump
            .problems(&periods, &[], Some(&first), d("2027-12-31"))
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(fields, ["employees", "revenue_krw"]);
        let noted = FilingBody {
            note: Some("시리즈A 유치 후 채용".into()),
            ..jump
        };
        assert_eq!(
            noted.problems(&periods, &[], Some(&first), d("2027-12-31")),
            vec![]
        );
        let outside = filing(1, "2027-03-01", 5, 3, 0);
        assert_eq!(
            outside.problems(&periods, &[], None, d("2027-12-31"))[0].field,
            "as_of"
        );
        let ahead = filing(1, "2026-09-30", 5, 3, 0);
        assert_eq!(
            ahead.problems(&periods, &[], None, d("2026-09-29"))[0].field,
            "as_of"
        );
    }
}
