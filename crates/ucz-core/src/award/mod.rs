//! Running a zone's own programs (선정평가): a published call's competition — its application
//! form, rubric, budget and rules of selection — the applications firms fill in, their review by
//! evaluators, the ranking and selection, and the selected firms' agreements and KPI filings.
//!
//! Everything here is pure: the service reads the stored applications, scores and filings and
//! hands them in; the same inputs give the same ranking and selection (they are reproducible
//! from the stored scores).

pub mod assignment;
pub mod filing;
pub mod form;
pub mod scoring;
pub mod selection;

use std::collections::BTreeSet;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::message::{Key, Message};
use crate::record::FieldProblem;

pub use form::{Answers, FileRef, Question, QuestionKind};
pub use scoring::{Criterion, Sheet};
pub use selection::{Outcome, SkipRule, Tie};

/// How a call runs its competition: set by the zone's operator on a call it published.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Competition {
    /// The budget to award, in won.
    pub budget: i64,
    /// The number of awards at most.
    pub awards: u32,
    /// The most one firm may be awarded, in won.
    pub max_amount: i64,
    /// Every award is `max_amount` (applicants do not ask for an amount).
    #[serde(default)]
    pub fixed_amount: bool,
    /// A rule over `firm` narrowing the call's own (CEL); both must hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// The application form: questions in order.
    pub form: Vec<Question>,
    /// The evaluation rubric: criteria with their weights and scales.
    pub rubric: Vec<Criterion>,
    /// Review stages in order (document review, presentation…); one when left out.
    #[serde(default = "default_stages")]
    pub stages: Vec<Stage>,
    /// How many evaluators score each application (k).
    pub reviewers_per_application: u32,
    /// The most applications one evaluator is given in a stage.
    pub max_load: u32,
    /// Evaluators do not see who applied (names, ids, file names).
    #[serde(default)]
    pub blind: bool,
    /// Each evaluator's totals are standardised (z-scores, shown as 50 + 10z) before averaging.
    #[serde(default)]
    pub normalise: bool,
    /// The highest and the lowest score of an application are left out when it has three or more.
    #[serde(default)]
    pub trim: bool,
    /// How equal final scores are ordered, in turn; the application number decides last.
    #[serde(default)]
    pub ties: Vec<Tie>,
    /// What happens when the next firm's amount does not fit the remaining budget.
    #[serde(default)]
    pub skip: SkipRule,
    /// How many are kept on the reserve list after the selected.
    #[serde(default)]
    pub reserve: u32,
    /// Days after the results are published during which an applicant may object.
    #[serde(default = "default_objection_days")]
    pub objection_days: u32,
    /// Applications one firm may submit to the call.
    #[serde(default = "one")]
    pub per_firm: u32,
    /// The program's own KPIs a selected firm files beside the standard ones.
    #[serde(default)]
    pub kpis: Vec<Kpi>,
    /// Months between filings (3: quarterly).
    #[serde(default = "quarterly")]
    pub filing_months: u32,
}

/// A review stage; `advance` says how many of its ranking go on to the next stage.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advance: Option<u32>,
}

/// A program-specific KPI filed by the selected firms.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Kpi {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub unit: String,
}

fn default_stages() -> Vec<Stage> {
    vec![Stage {
        id: "documents".into(),
        name: "서면평가".into(),
        advance: None,
    }]
}

fn default_objection_days() -> u32 {
    7
}

fn one() -> u32 {
    1
}

fn quarterly() -> u32 {
    3
}

/// A short id of a question, criterion, stage or KPI: lower case letters, digits and `_`.
fn is_id(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 40
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl Competition {
    /// Every problem of the setup at once, by field path.
    pub fn problems(&self) -> Vec<FieldProblem> {
        let mut out = Vec::new();
        let mut push =
            |field: String, message: Message| out.push(FieldProblem::new(field, message));
        if self.budget <= 0 {
            push("budget".into(), Message::new(Key::AwardPositive));
        }
        if self.awards == 0 {
            push("awards".into(), Message::new(Key::AwardPositive));
        }
        if self.max_amount <= 0 {
            push("max_amount".into(), Message::new(Key::AwardPositive));
        } else if self.max_amount > self.budget && self.budget > 0 {
            push(
                "max_amount".into(),
                Message::new(Key::AwardAmountOver)
                    .arg("amount", self.max_amount)
                    .arg("max", self.budget),
            );
        }
        if self.reviewers_per_application == 0 {
            push(
                "reviewers_per_application".into(),
                Message::new(Key::AwardPositive),
            );
        }
        if self.max_load == 0 {
            push("max_load".into(), Message::new(Key::AwardPositive));
        }
        if self.per_firm == 0 {
            push("per_firm".into(), Message::new(Key::AwardPositive));
        }
        if !(1..=12).contains(&self.filing_months) {
            push(
                "filing_months".into(),
                Message::new(Key::AwardOutOfRange)
                    .arg("min", 1)
                    .arg("max", 12),
            );
        }
        let ids = |kind: &str, list: Vec<&str>, push: &mut dyn FnMut(String, Message)| {
            let mut seen = BTreeSet::new();
            for (i, id) in list.into_iter().enumerate() {
                if !is_id(id) {
                    push(
                        format!("{kind}[{i}].id"),
                        Message::new(Key::AwardBadId).arg("value", id),
                    );
                } else if !seen.insert(id) {
                    push(
                        format!("{kind}[{i}].id"),
                        Message::new(Key::AwardDuplicateId).arg("value", id),
                    );
                }
            }
        };
        ids(
            "form",
            self.form.iter().map(|q| q.id.as_str()).collect(),
            &mut push,
        );
        ids(
            "rubric",
            self.rubric.iter().map(|c| c.id.as_str()).collect(),
            &mut push,
        );
        ids(
            "stages",
            self.stages.iter().map(|s| s.id.as_str()).collect(),
            &mut push,
        );
        ids(
            "kpis",
            self.kpis.iter().map(|k| k.id.as_str()).collect(),
            &mut push,
        );
        for (i, question) in self.form.iter().enumerate() {
            for problem in question.problems() {
                push(format!("form[{i}].{}", problem.field), problem.message);
            }
        }
        if self.rubric.is_empty() {
            push("rubric".into(), Message::new(Key::AwardRequired));
        }
        for (i, criterion) in self.rubric.iter().enumerate() {
            if criterion.weight == 0 {
                push(
                    format!("rubric[{i}].weight"),
                    Message::new(Key::AwardPositive),
                );
            }
            if criterion.scale == 0 {
                push(
                    format!("rubric[{i}].scale"),
                    Message::new(Key::AwardPositive),
                );
            }
        }
        if self.stages.is_empty() {
            push("stages".into(), Message::new(Key::AwardRequired));
        }
        for (i, tie) in self.ties.iter().enumerate() {
            if let Tie::Criterion(id) = tie {
                if !self.rubric.iter().any(|c| &c.id == id) {
                    push(
                        format!("ties[{i}]"),
                        Message::new(Key::AwardUnknownCriterion).arg("id", id),
                    );
                }
            }
        }
        out
    }

    /// The amount an application is awarded if selected: the fixed amount, or what it asked.
    pub fn amount_of(&self, requested: Option<i64>) -> i64 {
        if self.fixed_amount {
            self.max_amount
        } else {
            requested.unwrap_or(self.max_amount)
        }
    }

    /// A stage by id.
    pub fn stage(&self, id: &str) -> Option<(usize, &Stage)> {
        self.stages.iter().enumerate().find(|(_, s)| s.id == id)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A call's competition as the tests use it.
    pub fn competition() -> Competition {
        serde_json::from_value(serde_json::json!({
            "budget": 300_000_000, "awards": 5, "max_amount": 80_000_000,
            "form": [
                {"id": "plan", "label": "사업계획", "kind": "long_text", "required": true, "max_chars": 2000},
                {"id": "amount", "label": "신청금액", "kind": "money", "required": true, "min": 1, "max": 80_000_000},
                {"id": "team", "label": "팀 규모", "kind": "number", "min": 1, "max": 500},
                {"id": "field", "label": "분야", "kind": "choice", "choices": ["AI", "바이오", "모빌리티"]},
                {"id": "deck", "label": "발표자료", "kind": "file", "max_bytes": 1_000_000, "types": ["application/pdf"]}
            ],
            "rubric": [
                {"id": "market", "name": "시장성", "weight": 40, "scale": 10},
                {"id": "tech", "name": "기술성", "weight": 60, "scale": 10}
            ],
            "reviewers_per_application": 3, "max_load": 20,
            "ties": ["criterion:tech", "earlier_submission"], "reserve": 2
        }))
        .expect("a competition")
    }

    #[test]
    fn a_good_setup_has_no_problems_and_a_bad_one_says_each() {
        assert_eq!(competition().problems(), vec![]);
        let mut bad = competition();
        bad.budget = 0;
        bad.max_load = 0;
        bad.form[1].id = "plan".into();
        bad.rubric[0].scale = 0;
        bad.ties = vec![Tie::Criterion("team".into())];
        let fields: Vec<String> = bad.problems().into_iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            [
                "budget",
                "max_load",
                "form[1].id",
                "rubric[0].scale",
                "ties[0]"
            ]
        );
    }

    #[test]
    fn the_amount_is_fixed_or_asked() {
        let mut c = competition();
        assert_eq!(c.amount_of(Some(10)), 10);
        c.fixed_amount = true;
        assert_eq!(c.amount_of(Some(10)), 80_000_000);
    }
}
