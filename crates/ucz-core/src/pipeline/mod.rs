//! The startup pipeline of a region, simulated: births, incubation, graduation, Post-BI placement, growth and leaving.
//!
//! A stochastic model of the firms of a few 시·도, month by month over some years, run many times
//! (Monte Carlo) for a base and for variants that change it (more Post-BI space in Daejeon, a new
//! campus innovation park): the brief's question of how many incubator graduates a region keeps
//! when it has, or lacks, space for them to grow (Section 1: graduates leave for the capital
//! region). Pure: the caller reads the scenario file and hands its text in.
//!
//! # The scenario file
//!
//! ```toml
//! [scenario]
//! id = "daejeon_post_bi"
//! name_ko = "…"
//! name_en = "…"
//! start_year = 2026
//! years = 10          # default 10 (1 to 50)
//! runs = 1000         # default 1000 (1 to 100,000)
//! seed = 20260101     # default 1
//!
//! [defaults]          # parameters of every region that does not set its own
//! incubation_months = { value = 30, source = "창업보육센터 운영요령: 2년 + 1년 연장 관행" }
//! survival_incubation = { value = 0.9, assumed = true }
//! [defaults.kind_share]
//! post_bi_office = { value = 0.6, assumed = true }
//! …
//!
//! [[region]]
//! id = "daejeon"      # a 시·도 of catalog/regions.toml, outside the capital region
//! [region.births]
//! universities = { value = 60, assumed = true }
//! research_institutes = { value = 45, assumed = true }
//! spinoffs = { value = 25, assumed = true }
//! [[region.space]]    # Post-BI space there now
//! hub = "대전 Post-BI 센터"
//! kind = "post_bi_office"
//! m2 = { value = 6000, assumed = true }
//! opens = 2026        # optional
//!
//! [[variant]]
//! id = "daejeon_plus_30000"
//! name_ko = "…"
//! name_en = "+30,000 m² of Post-BI space in Daejeon"
//! [[variant.change]]
//! region = "daejeon"
//! post_bi_m2 = "+30000"   # of `kind` (default post_bi_office), in a block named `hub`, from `opens`
//! ```
//!
//! Every parameter is a table `{ value = …, source = "…" }`, `{ value = …, assumed = true }` or
//! `{ value = …, calibrated = "…" }` (written by the service when it fills a value from ucz's
//! records, see [`scenario::calibrate`]); a parameter with none of them is refused. The
//! parameters of a region ([`scenario::SCALARS`] and the groups):
//!
//! | parameter | meaning | range |
//! |---|---|---|
//! | `births.universities`, `births.research_institutes`, `births.spinoffs` | firms entering the region's incubators a year, by source (Poisson means) | 0–10,000 |
//! | `incubation_months` | mean months of incubation (each firm: uniform within ±50%) | 1–600 |
//! | `survival_incubation` | yearly survival while incubated | 0–1 |
//! | `kind_share.<kind>` | share of graduates needing each expansion space kind (sum 1) | 0–1 |
//! | `need_m2.<kind>` | m² a graduate needs of that kind: one unit | 1–100,000 |
//! | `post_bi_months` | mean months in Post-BI space before scaling up (±50%) | 1–600 |
//! | `survival_post_bi` | yearly survival in Post-BI space | 0–1 |
//! | `unplaced_leave_share` | share of unplaced graduates that leave for the capital region | 0–1 |
//! | `unplaced_close_share` | share of unplaced graduates that close (the rest stay without space) | 0–1, sum with the above ≤ 1 |
//! | `survival_after` | yearly survival of firms active outside the ladder | 0–1 |
//! | `leave_per_year_after` | yearly probability that such a firm leaves for the capital region | 0–1 |
//!
//! A variant's `[[variant.change]]` names a `region` and changes it: `post_bi_m2 = "+N"` adds N m²
//! of one kind; `space_m2 = { post_bi_office = …, lab = … }` adds several kinds (a new hub);
//! `hub` names the block, `opens` the year it opens, `source` where the plan comes from; and any
//! parameter above, set anew (with its provenance). Errors name the file, line, column and field
//! (`region[2].survival_incubation.value`, indices from 0), all of them in one reading.
//!
//! # The model
//!
//! Time runs in months; events happen at month boundaries; the counts of a year are those at
//! its end. For each region, run and year, births of each source are Poisson; each firm then has
//! its own stream (below), from which it draws: its month of birth; its incubation length; its
//! month of closing while incubated (geometric, from the yearly survival); the space kind it will
//! need. A firm that outlives its incubation graduates and looks for Post-BI space in its region:
//! - **Placement (aggregate):** space is counted in units: a hub's m² of a kind over the m² a
//!   graduate needs of it, whole units only, open from the hub's opening. At each boundary the
//!   units freed then are free first; then that month's graduates, in a fixed order (year born,
//!   source, number), each take a free unit of its kind if there is one, or go unplaced. There is
//!   no waiting list: a graduate without space at graduation is unplaced.
//! - **Placed** firms stay their Post-BI length (or close first, by their survival there), then
//!   scale up: active in the region outside the ladder. Their unit frees up when they go.
//! - **Unplaced** graduates leave for the capital region (`unplaced_leave_share`), close
//!   (`unplaced_close_share`), or stay without space, outside the ladder.
//! - Firms **outside the ladder** close or leave for the capital region by their yearly rates.
//!
//! The counts, per region and year: `born` (since the start), `incubating`, `post_bi`,
//! `scaled_up` (active outside the ladder: grown out of Post-BI space, or stayed without it),
//! `active` (the three), `closed` and `left` (since the start), `graduated` and `placed` (since
//! the start), and `retention`: the share of the graduates since the start that stayed in the
//! region at graduation (placed, or stayed without space), as `placement::ladder::retention`
//! counts graduates that stayed. Every firm is in exactly one state at a time, so
//! `born = active + closed + left` holds in every run and year.
//!
//! **Detailed run** ([`detailed::detailed`], `--detailed`): the same firms, but each month's
//! placement is the exact plan of [`crate::placement::plan`] over one vacancy per free unit.
//!
//! # Random numbers and common random numbers
//!
//! Every draw is a hash of (seed, run, region id, firm, purpose) ([`random`]): a firm's draws do
//! not depend on other firms, and births of a region and year have their own stream. The base
//! and each variant therefore see the same firms with the same draws in run `r`: they are
//! compared on common random numbers, run by run ([`summary::Versus`]).
//!
//! # Why more Post-BI space never lowers retention in a paired run
//!
//! Up to graduation nothing depends on space, so base and variant have the same graduates, in the
//! same order, with the same kinds and the same Post-BI lengths should they be placed. Each kind
//! is then a loss system: a graduate is placed iff fewer units are busy than are open, and a
//! placed firm holds its unit for a time of its own. Let `c(t) ≤ c'(t)` be the open units of the
//! base and the variant, with `D(t) = c'(t) − c(t)` never shrinking (space is added, opens and
//! stays open). Claim: every graduate the base places, the variant places too (at the same
//! month, so with the same life after). Suppose not, and let `x` be the first graduate placed by
//! the base and not by the variant. Every graduate before `x` placed by the base was placed by
//! the variant, with the same release, so the base's busy set `B` is inside the variant's `B'`;
//! let `E = B' \ B`, the variant's extra busy firms. If `E` is empty at `x`, then
//! `|B'| = |B| < c ≤ c'` and `x` is placed: contradiction. Otherwise let `y` be the latest
//! graduate of `E` at `x`: when `y` came, the base was full (`|B| ≥ c`) and the variant was not,
//! so `|E| < c' − |B| ≤ D` then; every extra firm busy at `x` came no later than `y`, so at `x`
//! `|E| ≤ D(then) ≤ D(now)`, and `|B'| = |B| + |E| < c + D = c'`: `x` is placed, contradiction.
//! Hence the variant's placed set contains the base's; a graduate the base did not place either
//! stays unplaced with the same draw (same fate) or is placed (retained). So retention — and the
//! placed count — is at least the base's in every run and year. (A rule where one graduate may
//! take several units, or wait in a queue, loses this property; so do variants that move a hub's
//! opening earlier and then no more, since `D` would shrink.)
//!
//! # Monte Carlo
//!
//! [`simulate`] runs `runs` runs of the base and every variant, on scoped threads over
//! contiguous chunks of runs; a run's values depend only on its index, so the result is the same
//! for any number of threads. Each measure gets its mean and 5th, 50th and 95th percentiles
//! ([`summary::Interval`]); each variant also gets its paired differences from the base.
//!
//! # JSON (`ucz simulate --format json`)
//!
//! [`summary::Simulation`]: `{scenario: {id, name_ko, name_en}, runs, seed, start_year, years,
//! variants: [{id, name_ko, name_en, regions: [{region, years: [{year, born: {mean, p5, p50, p95},
//! incubating, post_bi, scaled_up, active, closed, left, graduated, placed, retention (or null),
//! versus_base: null | {retention, left, active, placed, retention_higher_runs,
//! retention_equal_runs, retention_lower_runs}}]}]}]}`. The base is the first variant, id `base`.

pub mod detailed;
pub mod model;
pub mod random;
pub mod scenario;
pub mod summary;

#[cfg(test)]
mod tests;

pub use detailed::{Detailed, detailed};
pub use model::Measure;
pub use scenario::{Observed, ObservedRegion, Scenario, calibrate, parse};
pub use summary::{Interval, Simulation};

/// What can go wrong running a checked scenario.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    #[error("runs must be from 1 to {max}, not {runs}", max = scenario::MAX_RUNS)]
    Runs { runs: u32 },
    #[error("the start year {0} has no date")]
    StartYear(i32),
}

/// How to run a scenario: its runs and seed (from the file unless the caller overrides them),
/// and on how many threads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    pub runs: u32,
    pub seed: u64,
    pub threads: usize,
}

impl Options {
    /// The scenario's runs and seed, on every core.
    pub fn of(scenario: &Scenario) -> Self {
        Options {
            runs: scenario.runs,
            seed: scenario.seed,
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
        }
    }
}

/// The base and every variant, `options.runs` runs each on the same streams; `progress` hears
/// of each run done (from any thread).
pub fn simulate(
    scenario: &Scenario,
    options: &Options,
    progress: &(dyn Fn(u32) + Sync),
) -> Result<Simulation, Error> {
    if options.runs == 0 || options.runs > scenario::MAX_RUNS {
        return Err(Error::Runs { runs: options.runs });
    }
    let models = models(scenario);
    let values = model::run_all(
        &models,
        options.seed,
        options.runs,
        options.threads,
        progress,
    );
    Ok(summary::summarize(
        scenario,
        &models,
        &values,
        options.runs,
        options.seed,
    ))
}

/// The base and every variant, compiled.
pub fn models(scenario: &Scenario) -> Vec<model::Model> {
    std::iter::once(None)
        .chain((0..scenario.variants.len()).map(Some))
        .map(|v| model::Model::compile(scenario, v))
        .collect()
}
