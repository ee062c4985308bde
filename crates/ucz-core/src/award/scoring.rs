//! The rubric, an evaluator's score sheet, and an application's final score: each evaluator's
//! weighted total, optionally standardised per evaluator (z-scores) and trimmed of the highest
//! and lowest score (as Korean public evaluations do), then averaged.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::message::{Key, Message};
use crate::record::FieldProblem;

/// One criterion of the rubric: its weight in points and the scale it is scored on (0 to
/// `scale`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    pub id: String,
    pub name: String,
    pub weight: u32,
    pub scale: u32,
}

/// An evaluator's scores by criterion id.
pub type Sheet = BTreeMap<String, u32>;

/// Every problem of a score sheet: a criterion missing or unknown, a score outside its scale.
pub fn check(rubric: &[Criterion], sheet: &Sheet) -> Vec<FieldProblem> {
    let mut out = Vec::new();
    for criterion in rubric {
        let field = format!("scores.{}", criterion.id);
        match sheet.get(&criterion.id) {
            None => out.push(FieldProblem::new(field, Key::AwardRequired)),
            Some(v) if *v > criterion.scale => out.push(FieldProblem::new(
                field,
                Message::new(Key::AwardOutOfRange)
                    .arg("min", 0)
                    .arg("max", criterion.scale),
            )),
            Some(_) => {}
        }
    }
    for id in sheet.keys() {
        if !rubric.iter().any(|c| &c.id == id) {
            out.push(FieldProblem::new(
                format!("scores.{id}"),
                Message::new(Key::AwardUnknownCriterion).arg("id", id),
            ));
        }
    }
    out
}

/// A sheet's weighted total: Σ weight × score / scale, out of the weights' sum.
pub fn total(rubric: &[Criterion], sheet: &Sheet) -> f64 {
    rubric
        .iter()
        .map(|c| {
            let v = f64::from(sheet.get(&c.id).copied().unwrap_or(0));
            f64::from(c.weight) * v / f64::from(c.scale.max(1))
        })
        .sum()
}

/// One stored score: which evaluator scored which application, and the sheet.
#[derive(Clone, Debug, PartialEq)]
pub struct Scored {
    pub application: i64,
    pub evaluator: i64,
    pub sheet: Sheet,
}

/// What an application's scores come to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Final {
    pub application: i64,
    /// The final score: the mean of the kept totals.
    pub score: f64,
    /// Each evaluator's total as counted (after standardising), by evaluator, in id order.
    pub totals: Vec<f64>,
    /// How many totals trimming left out.
    pub trimmed: usize,
    /// The mean raw score of each criterion (what tie rules read).
    pub criteria: BTreeMap<String, f64>,
}

/// Final scores of the applications with scores, in application order. `normalise` turns each
/// evaluator's totals into 50 + 10z over that evaluator's sheets (0 when it scored all alike);
/// `trim` leaves out one highest and one lowest total when three or more remain.
pub fn finals(rubric: &[Criterion], scores: &[Scored], normalise: bool, trim: bool) -> Vec<Final> {
    let mut by_evaluator: BTreeMap<i64, Vec<f64>> = BTreeMap::new();
    for s in scores {
        by_evaluator
            .entry(s.evaluator)
            .or_default()
            .push(total(rubric, &s.sheet));
    }
    // Summed in one order whatever order the rows came in: the same stored scores give the
    // same bits.
    by_evaluator
        .values_mut()
        .for_each(|totals| totals.sort_by(f64::total_cmp));
    let spread: BTreeMap<i64, (f64, f64)> = by_evaluator
        .iter()
        .map(|(e, totals)| {
            let n = totals.len() as f64;
            let mean = totals.iter().sum::<f64>() / n;
            let var = totals.iter().map(|t| (t - mean).powi(2)).sum::<f64>() / n;
            (*e, (mean, var.sqrt()))
        })
        .collect();
    let mut by_application: BTreeMap<i64, Vec<&Scored>> = BTreeMap::new();
    for s in scores {
        by_application.entry(s.application).or_default().push(s);
    }
    by_application
        .into_iter()
        .map(|(application, mut sheets)| {
            sheets.sort_by_key(|s| s.evaluator);
            let mut totals: Vec<f64> = sheets
                .iter()
                .map(|s| {
                    let t = total(rubric, &s.sheet);
                    match (normalise, spread.get(&s.evaluator)) {
                        (true, Some((mean, sd))) if *sd > 0.0 => 50.0 + 10.0 * (t - mean) / sd,
                        (true, _) => 50.0,
                        (false, _) => t,
                    }
                })
                .collect();
            let mut kept = totals.clone();
            let mut trimmed = 0;
            if trim && kept.len() >= 3 {
                kept.sort_by(f64::total_cmp);
                kept.remove(kept.len() - 1);
                kept.remove(0);
                trimmed = 2;
            }
            let score = round(kept.iter().sum::<f64>() / kept.len().max(1) as f64);
            let criteria = rubric
                .iter()
                .map(|c| {
                    let sum: u32 = sheets.iter().filter_map(|s| s.sheet.get(&c.id)).sum();
                    (c.id.clone(), round(f64::from(sum) / sheets.len() as f64))
                })
                .collect();
            totals.iter_mut().for_each(|t| *t = round(*t));
            Final {
                application,
                score,
                totals,
                trimmed,
                criteria,
            }
        })
        .collect()
}

/// Rounded to four decimals, so equal scores compare equal however they were summed.
fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::award::selection::{Entry, select};
    use crate::award::tests::competition;
    use proptest::prelude::*;

    proptest! {
        /// Results are reproducible from the stored scores: in whatever order the rows are
        /// read, the finals and the ranking and selection are the same.
        #[test]
        fn results_do_not_depend_on_the_order_scores_are_read(
            rows in proptest::collection::vec((0i64..12, 0i64..5, 0u32..=10, 0u32..=10), 1..60),
            seed in any::<u64>(),
            normalise in any::<bool>(),
            trim in any::<bool>(),
        ) {
            let c = competition();
            // One sheet per (application, evaluator), as the store keeps them.
            let mut seen = std::collections::HashSet::new();
            let scores: Vec<Scored> = rows
                .iter()
                .filter(|(a, e, _, _)| seen.insert((*a, *e)))
                .map(|(a, e, m, t)| scored(*a, *e, *m, *t))
                .collect();
            let mut shuffled = scores.clone();
            let mut state = seed | 1;
            for i in (1..shuffled.len()).rev() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                shuffled.swap(i, (state % (i as u64 + 1)) as usize);
            }
            let results = |scores: &[Scored]| {
                let entries: Vec<Entry> = finals(&c.rubric, scores, normalise, trim)
                    .into_iter()
                    .map(|f| Entry {
                        application: f.application,
                        score: f.score,
                        criteria: f.criteria,
                        submitted_at: format!("{:03}", f.application % 5),
                        requested: Some(10_000_000 * (1 + f.application % 7)),
                    })
                    .collect();
                select(&c, entries)
            };
            prop_assert_eq!(finals(&c.rubric, &scores, normalise, trim), finals(&c.rubric, &shuffled, normalise, trim));
            prop_assert_eq!(results(&scores), results(&shuffled));
        }
    }

    fn sheet(market: u32, tech: u32) -> Sheet {
        [("market".to_string(), market), ("tech".to_string(), tech)].into()
    }

    fn scored(application: i64, evaluator: i64, market: u32, tech: u32) -> Scored {
        Scored {
            application,
            evaluator,
            sheet: sheet(market, tech),
        }
    }

    #[test]
    fn a_sheet_is_scored_on_the_scale() {
        let rubric = competition().rubric;
        assert_eq!(check(&rubric, &sheet(10, 0)), vec![]);
        let problems = check(&rubric, &sheet(11, 3));
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field, "scores.market");
        assert!(problems[0].message.to_string().contains("10"));
        let mut partial = Sheet::new();
        partial.insert("tech".into(), 5);
        partial.insert("team".into(), 5);
        let fields: Vec<String> = check(&rubric, &partial)
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(fields, ["scores.market", "scores.team"]);
        // 40 × 8/10 + 60 × 5/10
        assert_eq!(total(&rubric, &sheet(8, 5)), 62.0);
    }

    #[test]
    fn trimming_leaves_out_the_highest_and_lowest() {
        let rubric = competition().rubric;
        let scores = [
            scored(1, 10, 10, 10),
            scored(1, 11, 5, 5),
            scored(1, 12, 0, 0),
            scored(1, 13, 6, 6),
        ];
        let plain = finals(&rubric, &scores, false, false);
        assert_eq!(plain[0].score, 52.5);
        let trimmed = finals(&rubric, &scores, false, true);
        assert_eq!(trimmed[0].score, 55.0);
        assert_eq!(trimmed[0].trimmed, 2);
        assert_eq!(trimmed[0].criteria["market"], 5.25);
    }

    #[test]
    fn standardising_removes_an_evaluators_leniency() {
        let rubric = competition().rubric;
        // Evaluator 20 scores everything 3 points higher than evaluator 21, same order.
        let scores = [
            scored(1, 20, 9, 9),
            scored(2, 20, 6, 6),
            scored(1, 21, 6, 6),
            scored(2, 21, 3, 3),
        ];
        let finals = finals(&rubric, &scores, true, false);
        assert_eq!(finals[0].totals, vec![60.0, 60.0]);
        assert_eq!(finals[1].totals, vec![40.0, 40.0]);
    }
}
