//! `ucz bench review`: the time to assign many applications to evaluators with conflicts, and
//! to rank and select them from every score (data generation not timed).

use std::collections::HashSet;
use std::time::Instant;

use ucz_core::award::assignment::{Problem, assign};
use ucz_core::award::scoring::{Scored, finals};
use ucz_core::award::selection::{Entry, Outcome, select};
use ucz_core::award::{Competition, Sheet};

use crate::bench_placement::Rng;
use crate::output;

/// A call of `awards` awards of up to ₩80M, scored by `k` evaluators on a four-criterion rubric,
/// standardised and trimmed.
fn competition(k: u32, max_load: u32) -> anyhow::Result<Competition> {
    Ok(serde_json::from_value(serde_json::json!({
        "budget": 20_000_000_000i64, "awards": 400, "max_amount": 80_000_000,
        "form": [],
        "rubric": [
            {"id": "market", "name": "시장성", "weight": 30, "scale": 10},
            {"id": "tech", "name": "기술성", "weight": 30, "scale": 10},
            {"id": "team", "name": "팀 역량", "weight": 20, "scale": 10},
            {"id": "region", "name": "지역 기여", "weight": 20, "scale": 10}
        ],
        "reviewers_per_application": k, "max_load": max_load,
        "normalise": true, "trim": true,
        "ties": ["criterion:tech", "earlier_submission"], "reserve": 40
    }))?)
}

pub fn run(applications: usize, evaluators: usize, k: usize, seed: u64) -> anyhow::Result<()> {
    if applications == 0 || evaluators < k || k == 0 {
        return Err(crate::input::BadInput(
            "error: --applications at least 1, --k at least 1 and --evaluators at least --k".into(),
        )
        .into());
    }
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    // Conflicts: each evaluator is affiliated with about 1% of the applicants, and one
    // application in ten has a declared conflict besides.
    let mut conflicts = HashSet::new();
    for e in 0..evaluators {
        for _ in 0..applications / 100 {
            conflicts.insert((rng.below(applications as u64) as usize, e));
        }
    }
    for a in (0..applications).step_by(10) {
        conflicts.insert((a, rng.below(evaluators as u64) as usize));
    }
    let max_load = (applications * k).div_ceil(evaluators) + 2;
    let started = Instant::now();
    let assigned = assign(&Problem {
        applications,
        evaluators,
        conflicts: &conflicts,
        k,
        max_load,
    })
    .map_err(|s| {
        anyhow::anyhow!(
            "application {} could get only {} of {k} evaluators",
            s.application,
            s.got
        )
    })?;
    let assign_time = started.elapsed();
    let mut loads = vec![0usize; evaluators];
    assigned.iter().flatten().for_each(|e| loads[*e] += 1);
    let (min, max) = (
        loads.iter().min().copied().unwrap_or(0),
        loads.iter().max().copied().unwrap_or(0),
    );

    // Every pair scored: an application's quality plus each evaluator's leniency and noise.
    let competition = competition(k as u32, max_load as u32)?;
    let leniency: Vec<i64> = (0..evaluators).map(|_| rng.below(3) as i64 - 1).collect();
    let mut scores = Vec::with_capacity(applications * k);
    for (a, list) in assigned.iter().enumerate() {
        let quality = 3 + rng.below(6) as i64;
        for e in list {
            let mut sheet = Sheet::new();
            for c in &competition.rubric {
                let v = (quality + leniency[*e] + rng.below(3) as i64 - 1).clamp(0, 10);
                sheet.insert(c.id.clone(), v as u32);
            }
            scores.push(Scored {
                application: a as i64,
                evaluator: *e as i64,
                sheet,
            });
        }
    }
    let started = Instant::now();
    let finals = finals(&competition.rubric, &scores, true, true);
    let entries: Vec<Entry> = finals
        .into_iter()
        .map(|f| Entry {
            application: f.application,
            score: f.score,
            criteria: f.criteria,
            submitted_at: format!(
                "2026-07-01T00:{:02}:{:02}Z",
                f.application / 60 % 60,
                f.application % 60
            ),
            requested: Some(30_000_000 + (f.application % 6) * 10_000_000),
        })
        .collect();
    let ranked = select(&competition, entries);
    let rank_time = started.elapsed();
    let selected = ranked
        .iter()
        .filter(|r| r.outcome == Outcome::Selected)
        .count();
    output::text(&format!(
        "applications: {applications}\nevaluators: {evaluators}\nreviews per application: {k}\n\
         conflicts: {}\nload limit: {max_load}\nloads: {min} to {max}\n\
         assignment time: {:.3} s\n\
         scores: {}\nranking and selection time: {:.3} s (standardised, trimmed, two tie rules)\n\
         selected: {selected} of {} within ₩{} and {} awards\n",
        conflicts.len(),
        assign_time.as_secs_f64(),
        scores.len(),
        rank_time.as_secs_f64(),
        ranked.len(),
        competition.budget,
        competition.awards,
    ))
}
