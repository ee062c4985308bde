//! `ucz bench match`: the speed of eligibility matching, load excluded.
//!
//! The population is synthetic (`ucz synth firms`); programs beyond the catalog's are variants of
//! its rules with every numeric threshold scaled, so they cost what real rules cost and share no
//! threshold kernels with the originals.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Instant;

use ucz_core::Catalog;
use ucz_core::date::Date;
use ucz_core::eligibility::Rulebook;
use ucz_core::rule::columnar::{Matcher, Population};
use ucz_core::rule::{Expr, ExprKind, Rule};

use crate::match_cmd::threads;
use crate::output;

/// The programs timed: variants of the catalog's rules, or the rules of a file.
pub enum Programs {
    Variants(usize),
    File(Vec<Rule>),
}

pub fn run(
    catalog: &Catalog,
    firms: usize,
    programs: Programs,
    seed: u64,
    as_of: Date,
) -> anyhow::Result<()> {
    if firms == 0 || matches!(programs, Programs::Variants(0)) {
        return Err(crate::input::BadInput(
            "error: --firms and --programs must be at least 1".into(),
        )
        .into());
    }
    let rulebook = Rulebook::new(catalog);
    let rules = match programs {
        Programs::Variants(count) => variants(&rulebook.rules(), count),
        Programs::File(rules) => rules,
    };

    eprintln!("loading {firms} synthetic firms (not timed)…");
    let load = Instant::now();
    let population_firms = ucz_core::synth::firms(firms, seed, as_of);
    let started = Instant::now();
    let matcher = Matcher::compile(&rules);
    let compile_time = started.elapsed();
    let population = Population::new(&population_firms, as_of, catalog, &matcher.fields());
    let load_time = load.elapsed() - compile_time;

    let started = Instant::now();
    let pairs = AtomicU64::new(0);
    let threads = threads();
    matcher.run(&population, threads, &AtomicUsize::new(0), &|_, chunk| {
        let found: u64 = (0..matcher.rule_count())
            .map(|r| u64::from(chunk.count(r)))
            .sum();
        pairs.fetch_add(found, Ordering::Relaxed);
    })?;
    let wall = started.elapsed() + compile_time;
    let evaluations = firms as f64 * rules.len() as f64;

    // One firm against the whole catalog, with explanations.
    let sample: Vec<_> = population_firms.iter().take(1000).collect();
    let one = Instant::now();
    let mut explained = 0usize;
    for firm in &sample {
        explained += rulebook.package(catalog, firm, as_of).ineligible.len();
    }
    let per_firm = one.elapsed() / sample.len().max(1) as u32;

    output::text(&format!(
        "firms: {firms}\nprograms: {}\nkernels (shared sub-expressions, compiled once): {} ({} by interpreter)\nthreads: {threads}\neligible pairs: {}\n\
         evaluations: {evaluations:.0}\nevaluations per second: {:.3e}\nwall time: {:.3} s (compile {:.3} s; load {:.2} s not counted)\n\
         one firm, whole catalog ({} programs) with explanations: {:.1} µs (mean of {} firms, {explained} refusals explained)\n",
        rules.len(),
        matcher.kernel_count(),
        matcher.fallback_count(),
        pairs.load(Ordering::Relaxed),
        evaluations / wall.as_secs_f64(),
        wall.as_secs_f64(),
        compile_time.as_secs_f64(),
        load_time.as_secs_f64(),
        rulebook.programs.len(),
        per_firm.as_secs_f64() * 1e6,
        sample.len(),
    ))
}

/// `count` rules: the catalog's, then variants whose thresholds move with each round: integers
/// above 1 by +round, doubles by ×(1 + round/100). Rules without thresholds repeat as they are.
pub fn variants(base: &[Rule], count: usize) -> Vec<Rule> {
    (0..count)
        .filter_map(|i| {
            let rule = &base[i % base.len()];
            let round = i / base.len();
            if round == 0 {
                return Some(rule.clone());
            }
            Rule::from_expr(scale(rule.expr(), round)).ok()
        })
        .collect()
}

fn scale(expr: &Expr, round: usize) -> Expr {
    let factor = round;
    let kind = match &expr.kind {
        ExprKind::Int(i) if *i > 1 => ExprKind::Int(i.saturating_add(round as i64)),
        ExprKind::Double(d) => ExprKind::Double(d * (1.0 + round as f64 / 100.0)),
        ExprKind::Unary(op, a) => ExprKind::Unary(*op, Box::new(scale(a, factor))),
        ExprKind::Binary(op, a, b) => {
            ExprKind::Binary(*op, Box::new(scale(a, factor)), Box::new(scale(b, factor)))
        }
        ExprKind::Conditional(c, a, b) => ExprKind::Conditional(
            Box::new(scale(c, factor)),
            Box::new(scale(a, factor)),
            Box::new(scale(b, factor)),
        ),
        other => other.clone(),
    };
    Expr {
        kind,
        span: expr.span.clone(),
    }
}
