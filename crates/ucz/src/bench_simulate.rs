//! `ucz bench simulate`: the time of a pipeline simulation (`ucz simulate`) of the example
//! scenario — 1,000 runs × 10 years × 5 regions, for the base and each of its variants on common
//! random numbers — reading and summarising included, printing excluded.

use std::time::Instant;

use ucz_core::pipeline::{self, Measure, Options};
use ucz_core::{Catalog, SourceFile};

use crate::input::BadInput;
use crate::output;

/// The example scenario: five regions, two variants.
pub const SCENARIO: &str = include_str!("../../../examples/scenarios/daejeon-post-bi.toml");

pub fn run(catalog: &Catalog, runs: u32, threads: Option<usize>) -> anyhow::Result<()> {
    if !(1..=pipeline::scenario::MAX_RUNS).contains(&runs) {
        return Err(BadInput(format!(
            "error: --runs {runs}: from 1 to {}",
            pipeline::scenario::MAX_RUNS
        ))
        .into());
    }
    let started = Instant::now();
    let scenario = pipeline::parse(
        SourceFile::new("examples/scenarios/daejeon-post-bi.toml", SCENARIO),
        catalog,
    )
    .map_err(BadInput::from)?;
    let mut options = Options::of(&scenario);
    options.runs = runs;
    if let Some(threads) = threads {
        options.threads = threads.max(1);
    }
    let result = pipeline::simulate(&scenario, &options, &|_| {})?;
    let seconds = started.elapsed().as_secs_f64();
    let models = result.variants.len();
    // Firms simulated: those born by the end, over every run, region and model.
    let firms: f64 = result
        .variants
        .iter()
        .flat_map(|v| &v.regions)
        .filter_map(|r| r.years.last())
        .filter_map(|y| y.measure(Measure::Born))
        .map(|i| i.mean * f64::from(runs))
        .sum();
    let run_count = f64::from(runs) * models as f64;
    output::text(&format!(
        "scenario: {} ({} regions, {} years, base + {} variants)\nruns: {runs} of each ({} in all), seed {}, {} threads\n\
         firms simulated: {}\ntime: {seconds:.3} s ({:.0} runs/s, {:.1} M firms/s)\n",
        scenario.id,
        scenario.regions.len(),
        scenario.years,
        models - 1,
        run_count,
        options.seed,
        options.threads,
        ucz_core::report::thousands(firms),
        run_count / seconds.max(1e-9),
        firms / seconds.max(1e-9) / 1e6,
    ))
}
