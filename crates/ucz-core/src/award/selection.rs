//! Ranking by final score with the call's tie rules, and selection down the ranking within the
//! budget and the number of awards, then the reserve list.

use std::cmp::Ordering;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Competition;

/// A tie rule: `criterion:<id>` (the higher mean score on that criterion first) or
/// `earlier_submission`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tie {
    Criterion(String),
    EarlierSubmission,
}

impl Tie {
    pub fn parse(text: &str) -> Option<Tie> {
        match text.strip_prefix("criterion:") {
            Some(id) if !id.is_empty() => Some(Tie::Criterion(id.to_string())),
            _ => (text == "earlier_submission").then_some(Tie::EarlierSubmission),
        }
    }

    pub fn text(&self) -> String {
        match self {
            Tie::Criterion(id) => format!("criterion:{id}"),
            Tie::EarlierSubmission => "earlier_submission".into(),
        }
    }
}

impl Serialize for Tie {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text())
    }
}

impl<'de> Deserialize<'de> for Tie {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Tie, D::Error> {
        let text = String::deserialize(d)?;
        Tie::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "\"{text}\" is not a tie rule (criterion:<id> or earlier_submission)"
            ))
        })
    }
}

impl JsonSchema for Tie {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Tie".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^(criterion:[a-z0-9_]+|earlier_submission)$",
            "description": "criterion:<id> (the higher mean score on it first) or earlier_submission"
        })
    }
}

/// When the next firm's amount does not fit what is left of the budget.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SkipRule {
    /// Passed over: a later firm may still fit.
    #[default]
    Skip,
    /// The selection ends there.
    Stop,
}

/// What the ranking reads of an application.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub application: i64,
    pub score: f64,
    pub criteria: std::collections::BTreeMap<String, f64>,
    /// The submission moment, UTC (`2026-06-30T00:00:00Z`: compares as text).
    pub submitted_at: String,
    /// The amount it asked for.
    pub requested: Option<i64>,
}

/// An application's place in the ranking and its outcome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Ranked {
    pub application: i64,
    /// 1 for the first.
    pub rank: usize,
    pub score: f64,
    /// The tie rule that put it after the one above, when their scores were equal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tie_broken_by: Option<String>,
    pub outcome: Outcome,
    /// The amount awarded (selected) or that it would be (others).
    pub amount: i64,
}

/// What became of an application.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Selected,
    /// On the reserve list, in rank order.
    Reserve,
    /// Its amount did not fit the budget left (the call skips).
    DidNotFit,
    NotSelected,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Selected => "selected",
            Outcome::Reserve => "reserve",
            Outcome::DidNotFit => "did_not_fit",
            Outcome::NotSelected => "not_selected",
        }
    }
}

fn compare(a: &Entry, b: &Entry, ties: &[Tie]) -> (Ordering, Option<String>) {
    let by_score = b.score.total_cmp(&a.score);
    if by_score != Ordering::Equal {
        return (by_score, None);
    }
    for tie in ties {
        let order = match tie {
            Tie::Criterion(id) => {
                let of = |e: &Entry| e.criteria.get(id).copied().unwrap_or(0.0);
                of(b).total_cmp(&of(a))
            }
            Tie::EarlierSubmission => a.submitted_at.cmp(&b.submitted_at),
        };
        if order != Ordering::Equal {
            return (order, Some(tie.text()));
        }
    }
    (
        a.application.cmp(&b.application),
        Some("application_number".into()),
    )
}

/// Ranks the entries and walks down the ranking: each whose amount fits what is left of the
/// budget and of the awards is selected; one that does not fit is passed over (`skip`) or ends
/// the selection (`stop`); then the next `reserve` not selected form the reserve list.
pub fn select(competition: &Competition, mut entries: Vec<Entry>) -> Vec<Ranked> {
    entries.sort_by(|a, b| compare(a, b, &competition.ties).0);
    let mut budget = competition.budget;
    let mut awards = competition.awards;
    let mut stopped = false;
    let mut reserve = competition.reserve;
    let mut out: Vec<Ranked> = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let tie_broken_by = i
            .checked_sub(1)
            .and_then(|p| entries.get(p))
            .and_then(|before| compare(before, entry, &competition.ties).1);
        let amount = competition
            .amount_of(entry.requested)
            .min(competition.max_amount);
        let outcome = if stopped || awards == 0 {
            Outcome::NotSelected
        } else if amount <= budget {
            budget -= amount;
            awards -= 1;
            Outcome::Selected
        } else {
            if competition.skip == SkipRule::Stop {
                stopped = true;
            }
            Outcome::DidNotFit
        };
        out.push(Ranked {
            application: entry.application,
            rank: i + 1,
            score: entry.score,
            tie_broken_by,
            outcome,
            amount,
        });
    }
    for ranked in out.iter_mut() {
        if ranked.outcome != Outcome::Selected && reserve > 0 {
            ranked.outcome = Outcome::Reserve;
            reserve -= 1;
        }
    }
    out
}

/// The problem of a selection an operator sets by hand (after objections, say): its awards
/// over the call's number, or its amounts over the budget.
pub fn over_limits(competition: &Competition, amounts: &[i64]) -> Option<(i64, usize)> {
    let sum: i64 = amounts.iter().sum();
    (sum > competition.budget || amounts.len() > competition.awards as usize)
        .then_some((sum, amounts.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::award::tests::competition;
    use proptest::prelude::*;

    fn entry(application: i64, score: f64, tech: f64, at: &str, requested: i64) -> Entry {
        Entry {
            application,
            score,
            criteria: [("tech".to_string(), tech)].into(),
            submitted_at: at.into(),
            requested: Some(requested),
        }
    }

    #[test]
    fn ties_are_broken_by_the_calls_rules_in_turn() {
        let c = competition();
        let ranked = select(
            &c,
            vec![
                entry(1, 80.0, 7.0, "2026-06-01T00:00:00Z", 10),
                entry(2, 80.0, 8.0, "2026-06-02T00:00:00Z", 10),
                entry(3, 80.0, 8.0, "2026-06-01T00:00:00Z", 10),
                entry(4, 90.0, 1.0, "2026-06-03T00:00:00Z", 10),
            ],
        );
        let order: Vec<i64> = ranked.iter().map(|r| r.application).collect();
        assert_eq!(order, [4, 3, 2, 1]);
        assert_eq!(ranked[1].tie_broken_by, None);
        assert_eq!(
            ranked[2].tie_broken_by.as_deref(),
            Some("earlier_submission")
        );
        assert_eq!(ranked[3].tie_broken_by.as_deref(), Some("criterion:tech"));
    }

    #[test]
    fn a_firm_that_does_not_fit_is_skipped_or_ends_the_selection() {
        let mut c = competition();
        c.budget = 100;
        c.max_amount = 100;
        c.reserve = 1;
        let entries = vec![
            entry(1, 90.0, 0.0, "a", 60),
            entry(2, 80.0, 0.0, "a", 60),
            entry(3, 70.0, 0.0, "a", 40),
            entry(4, 60.0, 0.0, "a", 10),
        ];
        let outcomes = |r: Vec<Ranked>| r.into_iter().map(|r| r.outcome).collect::<Vec<_>>();
        assert_eq!(
            outcomes(select(&c, entries.clone())),
            [
                Outcome::Selected,
                Outcome::Reserve,
                Outcome::Selected,
                Outcome::DidNotFit
            ]
        );
        c.skip = SkipRule::Stop;
        assert_eq!(
            outcomes(select(&c, entries)),
            [
                Outcome::Selected,
                Outcome::Reserve,
                Outcome::NotSelected,
                Outcome::NotSelected
            ]
        );
    }

    proptest! {
        /// Never above the budget or the awards; the skip rule followed; the same input gives
        /// the same result.
        #[test]
        fn selection_stays_within_its_limits(
            budget in 1i64..1_000,
            awards in 1u32..10,
            skip in any::<bool>(),
            asks in proptest::collection::vec((0u32..20, 1i64..400), 0..40),
        ) {
            let mut c = competition();
            c.budget = budget;
            c.awards = awards;
            c.max_amount = 400;
            c.skip = if skip { SkipRule::Skip } else { SkipRule::Stop };
            let entries: Vec<Entry> = asks
                .iter()
                .enumerate()
                .map(|(i, (score, amount))| entry(i as i64, f64::from(*score), 0.0, "a", *amount))
                .collect();
            let ranked = select(&c, entries.clone());
            prop_assert_eq!(&ranked, &select(&c, entries));
            let chosen: Vec<&Ranked> = ranked.iter().filter(|r| r.outcome == Outcome::Selected).collect();
            prop_assert!(chosen.iter().map(|r| r.amount).sum::<i64>() <= budget);
            prop_assert!(chosen.len() <= awards as usize);
            let mut left = budget;
            let mut count = 0;
            for r in &ranked {
                match r.outcome {
                    Outcome::Selected => { left -= r.amount; count += 1; }
                    _ if count < awards as usize && r.amount <= left => {
                        // Passed over while it fitted: only after a stop.
                        prop_assert_eq!(c.skip, SkipRule::Stop);
                    }
                    _ => {}
                }
            }
            for pair in ranked.windows(2) {
                prop_assert!(pair[0].score >= pair[1].score);
            }
        }
    }
}
