//! Intervals over the runs, and each variant beside the base on the same runs (paired
//! differences: common random numbers make them much narrower than the intervals themselves).

use serde::Serialize;

use super::model::{MEASURES, Measure, Model};
use super::scenario::Scenario;

/// The mean and the 5th, 50th and 95th percentiles of a measure over the runs (a 90% interval
/// from `p5` to `p95`). Percentiles interpolate linearly between the two nearest order
/// statistics (Hyndman and Fan's type 7, as R and NumPy do by default).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Interval {
    pub mean: f64,
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
}

/// The interval of the values that are numbers (`None` when none is); sorts `values`.
pub fn interval(values: &mut Vec<f64>) -> Option<Interval> {
    values.retain(|v| !v.is_nan());
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let at = |p: f64| {
        let h = (n - 1) as f64 * p;
        let lo = h.floor() as usize;
        let hi = (lo + 1).min(n - 1);
        values[lo] + (h - lo as f64) * (values[hi] - values[lo])
    };
    Some(Interval {
        mean: values.iter().sum::<f64>() / n as f64,
        p5: at(0.05),
        p50: at(0.5),
        p95: at(0.95),
    })
}

/// A variant against the base, run by run (variant − base).
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Versus {
    /// In shares (0.1 is 10 percentage points); `None` while nobody graduated.
    pub retention: Option<Interval>,
    pub left: Interval,
    pub active: Interval,
    pub placed: Interval,
    /// Runs in which the variant's retention is higher, the same, lower than the base's.
    pub retention_higher_runs: u32,
    pub retention_equal_runs: u32,
    pub retention_lower_runs: u32,
}

/// A region's year: its counts at the end of the year (stocks) or since the start (flows, and
/// retention).
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Year {
    pub year: i32,
    pub born: Interval,
    pub incubating: Interval,
    pub post_bi: Interval,
    pub scaled_up: Interval,
    pub active: Interval,
    pub closed: Interval,
    pub left: Interval,
    pub graduated: Interval,
    pub placed: Interval,
    pub retention: Option<Interval>,
    /// `None` for the base.
    pub versus_base: Option<Versus>,
}

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct RegionResult {
    pub region: String,
    pub years: Vec<Year>,
}

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct VariantResult {
    pub id: String,
    pub name_ko: String,
    pub name_en: String,
    pub regions: Vec<RegionResult>,
}

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ScenarioHead {
    pub id: String,
    pub name_ko: String,
    pub name_en: String,
}

/// The result of a Monte Carlo simulation (`ucz simulate --format json`).
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Simulation {
    pub scenario: ScenarioHead,
    pub runs: u32,
    pub seed: u64,
    pub start_year: i32,
    pub years: u32,
    /// The base first, then the variants in file order.
    pub variants: Vec<VariantResult>,
}

/// Where a (model, region, year, measure) is in a run's values.
fn offset(model: usize, region: usize, regions: usize, years: usize, year: usize) -> usize {
    ((model * regions + region) * years + year) * MEASURES
}

/// Intervals for every model, region, year and measure from the runs' values.
pub fn summarize(
    scenario: &Scenario,
    models: &[Model],
    values: &[f64],
    runs: u32,
    seed: u64,
) -> Simulation {
    let regions = scenario.regions.len();
    let years = scenario.years as usize;
    let size = models.len() * regions * years * MEASURES;
    let runs_n = runs as usize;
    let series = |model: usize, region: usize, year: usize, m: Measure| -> Vec<f64> {
        let at = offset(model, region, regions, years, year) + m as usize;
        (0..runs_n).map(|r| values[r * size + at]).collect()
    };
    let whole = |v: Vec<f64>| {
        let mut v = v;
        interval(&mut v).unwrap_or(Interval {
            mean: 0.0,
            p5: 0.0,
            p50: 0.0,
            p95: 0.0,
        })
    };
    let names = scenario.variant_names();
    let variants = names
        .into_iter()
        .enumerate()
        .take(models.len())
        .map(|(v, (id, name_ko, name_en))| VariantResult {
            id,
            name_ko,
            name_en,
            regions: scenario
                .regions
                .iter()
                .enumerate()
                .map(|(r, region)| RegionResult {
                    region: region.id.clone(),
                    years: (0..years)
                        .map(|y| {
                            let get = |m| series(v, r, y, m);
                            let versus_base = (v > 0).then(|| {
                                let diff = |m: Measure| -> Vec<f64> {
                                    get(m)
                                        .iter()
                                        .zip(series(0, r, y, m))
                                        .map(|(a, b)| a - b)
                                        .collect()
                                };
                                let retention = diff(Measure::Retention);
                                let count = |f: fn(f64) -> bool| {
                                    retention.iter().filter(|d| !d.is_nan() && f(**d)).count()
                                        as u32
                                };
                                Versus {
                                    retention_higher_runs: count(|d| d > 1e-12),
                                    retention_equal_runs: count(|d| d.abs() <= 1e-12),
                                    retention_lower_runs: count(|d| d < -1e-12),
                                    retention: interval(&mut retention.clone()),
                                    left: whole(diff(Measure::Left)),
                                    active: whole(diff(Measure::Active)),
                                    placed: whole(diff(Measure::Placed)),
                                }
                            });
                            Year {
                                year: scenario.start_year + y as i32,
                                born: whole(get(Measure::Born)),
                                incubating: whole(get(Measure::Incubating)),
                                post_bi: whole(get(Measure::PostBi)),
                                scaled_up: whole(get(Measure::ScaledUp)),
                                active: whole(get(Measure::Active)),
                                closed: whole(get(Measure::Closed)),
                                left: whole(get(Measure::Left)),
                                graduated: whole(get(Measure::Graduated)),
                                placed: whole(get(Measure::Placed)),
                                retention: interval(&mut get(Measure::Retention)),
                                versus_base,
                            }
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    Simulation {
        scenario: ScenarioHead {
            id: scenario.id.clone(),
            name_ko: scenario.name_ko.clone(),
            name_en: scenario.name_en.clone(),
        },
        runs,
        seed,
        start_year: scenario.start_year,
        years: scenario.years,
        variants,
    }
}

impl Year {
    /// A measure's interval by its id (`None` for retention before anyone graduated).
    pub fn measure(&self, m: Measure) -> Option<Interval> {
        match m {
            Measure::Born => Some(self.born),
            Measure::Incubating => Some(self.incubating),
            Measure::PostBi => Some(self.post_bi),
            Measure::ScaledUp => Some(self.scaled_up),
            Measure::Active => Some(self.active),
            Measure::Closed => Some(self.closed),
            Measure::Left => Some(self.left),
            Measure::Graduated => Some(self.graduated),
            Measure::Placed => Some(self.placed),
            Measure::Retention => self.retention,
        }
    }
}
