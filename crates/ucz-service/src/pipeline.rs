//! The startup pipeline simulation as a use case (`/planning/pipeline`,
//! `POST /api/v1/pipeline/simulate`, `ucz simulate --calibrate`): a scenario file (the bundled
//! Daejeon example when none is given) read, optionally calibrated from what ucz's records say
//! of each region's ladder, and simulated on a blocking thread, one simulation at a time.
//! Planning staff only.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use ucz_core::SourceFile;
use ucz_core::pipeline::scenario::{Figure, Provenance};
use ucz_core::pipeline::{
    self, Interval, Measure, Observed, ObservedRegion, Options, Scenario, Simulation,
};

use crate::caller::Caller;
use crate::error::{Error, FieldError, Message};
use crate::{Services, access, ladder};

pub const SAMPLE_NAME: &str = "examples/scenarios/daejeon-post-bi.toml";
pub const SAMPLE: &str = include_str!("../../../examples/scenarios/daejeon-post-bi.toml");

/// The most runs a request to the server may ask for (the command line has the core's limit).
pub const MAX_RUNS: u32 = 5_000;

/// Variants besides the base a request to the server may have.
pub const MAX_VARIANTS: usize = 12;

/// Firms a request to the server may simulate in all (a few seconds' work).
pub const MAX_FIRMS: f64 = 120e6;

/// What a planner asks to simulate.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SimulateRequest {
    /// The scenario file's TOML text (examples/scenarios/README.md); left out, the bundled
    /// Daejeon example.
    #[serde(default)]
    pub scenario: Option<String>,
    /// Runs (1–5,000); left out, the file's.
    #[serde(default)]
    pub runs: Option<u32>,
    /// The seed; left out, the file's.
    #[serde(default)]
    pub seed: Option<u64>,
    /// Replace the regions' incubation length, survival and leaving share by what ucz's leases
    /// and retention show, where at least 20 records back a figure.
    #[serde(default)]
    pub calibrate: bool,
}

/// A parameter calibrated from ucz's records.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Calibrated {
    pub region: String,
    pub parameter: String,
    pub value: f64,
    /// Which records, how many.
    pub from: String,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Simulated {
    #[serde(flatten)]
    pub simulation: Simulation,
    /// What calibration changed (empty without it, or where too few records back a figure).
    pub calibrated: Vec<Calibrated>,
    pub seconds: f64,
}

/// A scenario file read; problems as field errors `scenario:LINE:COL field`.
pub fn read(catalog: &ucz_core::Catalog, name: &str, text: &str) -> Result<Scenario, Error> {
    pipeline::parse(SourceFile::new(name, text), catalog).map_err(|errors| {
        Error::invalid(
            errors
                .0
                .into_iter()
                .map(|e| FieldError {
                    field: match (e.position, &e.field) {
                        (Some((l, c)), Some(f)) => format!("scenario:{l}:{c} {f}"),
                        (Some((l, c)), None) => format!("scenario:{l}:{c}"),
                        (None, Some(f)) => format!("scenario {f}"),
                        (None, None) => "scenario".into(),
                    },
                    message: e
                        .keyed
                        .map(|k| *k)
                        .unwrap_or_else(|| Message::input(e.message)),
                })
                .collect(),
        )
    })
}

pub async fn simulate(
    state: &Services,
    caller: &Caller,
    request: SimulateRequest,
) -> Result<Simulated, Error> {
    access::plan(caller)?;
    let text = request
        .scenario
        .clone()
        .unwrap_or_else(|| SAMPLE.to_string());
    let name = if request.scenario.is_some() {
        "scenario.toml"
    } else {
        SAMPLE_NAME
    };
    let mut scenario = read(&state.catalog, name, &text)?;
    let runs = request.runs.unwrap_or(scenario.runs);
    if !(1..=MAX_RUNS).contains(&runs) {
        return Err(Error::field(
            "runs",
            Message::new(ucz_core::Key::OutOfRange)
                .arg("value", runs)
                .arg("min", 1)
                .arg("max", MAX_RUNS),
        ));
    }
    // The work a request may ask of the server: firms simulated over every run and variant.
    let firms: f64 = std::iter::once(None)
        .chain((0..scenario.variants.len()).map(Some))
        .flat_map(|v| scenario.regions_of(v))
        .map(|r| {
            [
                "births.universities",
                "births.research_institutes",
                "births.spinoffs",
            ]
            .iter()
            .map(|b| r.value(b))
            .sum::<f64>()
        })
        .sum::<f64>()
        * f64::from(scenario.years)
        * f64::from(runs);
    if scenario.variants.len() > MAX_VARIANTS || firms > MAX_FIRMS {
        return Err(Error::field(
            "runs",
            Message::input(format!(
                "{runs} runs of {} variants would simulate about {:.0} million firms; the server runs at most {} variants and {:.0} million firms (fewer runs, or the command line, `ucz simulate`)",
                scenario.variants.len() + 1,
                firms / 1e6,
                MAX_VARIANTS + 1,
                MAX_FIRMS / 1e6
            )),
        ));
    }
    let mut calibrated = Vec::new();
    if request.calibrate {
        let observed = observed(state, &scenario).await?;
        let before = scenario.clone();
        scenario = pipeline::calibrate(&scenario, &observed);
        calibrated = changes(&before, &scenario);
    }
    let options = Options {
        runs,
        seed: request.seed.unwrap_or(scenario.seed),
        threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
    };
    let turn = crate::turn::wait(&state.heavy).await?;
    let started = std::time::Instant::now();
    let simulation = crate::turn::run(turn, move || {
        pipeline::simulate(&scenario, &options, &|_| {})
    })
    .await?
    .map_err(|e| Error::field("runs", Message::input(e)))?;
    Ok(Simulated {
        simulation,
        calibrated,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The parameters calibration changed, from `before` to `after`.
pub fn changes(before: &Scenario, after: &Scenario) -> Vec<Calibrated> {
    let mut out = Vec::new();
    for (region, was) in after.regions.iter().zip(&before.regions) {
        for (name, p) in &region.params {
            if let Provenance::Calibrated(from) = &p.provenance
                && was.params.get(name).map(|w| &w.provenance) != Some(&p.provenance)
            {
                out.push(Calibrated {
                    region: region.id.clone(),
                    parameter: name.clone(),
                    value: p.value,
                    from: from.clone(),
                });
            }
        }
    }
    out
}

/// A scenario id as part of a file name: letters, digits, `-` and `_` only.
pub fn file_id(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// What ucz's records say of each region of the scenario: incubation leases that ended (their
/// mean months; the share whose firm had not closed by then), the retention of their graduates,
/// and the share that took a later lease in the region.
pub async fn observed(state: &Services, scenario: &Scenario) -> Result<Observed, Error> {
    let today = state.clock.today();
    let mut regions = Vec::new();
    for spec in &scenario.regions {
        let scope = ladder::scope(state, &spec.id)?;
        let records = ladder::region_records(state, &scope).await?;
        let incubation: HashMap<i64, bool> =
            records.rooms.iter().map(|r| (r.id, r.incubation)).collect();
        let ended: Vec<_> = records
            .leases
            .iter()
            .map(|(l, _)| l)
            .filter(|l| l.ends <= today && incubation.get(&l.space).copied().unwrap_or(false))
            .collect();
        let n = ended.len() as u32;
        let months: f64 = ended
            .iter()
            .map(|l| f64::from(l.starts.whole_months_until(l.ends).max(0)))
            .sum();
        let graduated: Vec<_> = ended
            .iter()
            .filter(|l| {
                records
                    .firms
                    .get(&l.firm)
                    .and_then(|f| f.closed)
                    .is_none_or(|c| c > l.ends)
            })
            .collect();
        let placed = graduated
            .iter()
            .filter(|l| {
                records.leases.iter().any(|(next, _)| {
                    next.firm == l.firm
                        && next.starts >= l.ends
                        && !incubation.get(&next.space).copied().unwrap_or(true)
                })
            })
            .count() as u32;
        let retention = ladder::retention_of(state, &scope, None, today).await?;
        let (stayed, known) = retention
            .iter()
            .fold((0, 0), |(s, k), r| (s + r.stayed, k + r.stayed + r.left));
        let figure = |value: f64, records: u32| (records > 0).then_some(Figure { value, records });
        let g = graduated.len() as u32;
        regions.push(ObservedRegion {
            region: spec.id.clone(),
            incubation_months: figure(months / f64::from(n.max(1)), n),
            graduating_share: figure(f64::from(g) / f64::from(n.max(1)), n),
            retention_share: figure(stayed as f64 / known.max(1) as f64, known as u32),
            placed_share: figure(f64::from(placed) / f64::from(g.max(1)), g),
        });
    }
    Ok(Observed { regions })
}

/// A simulation as CSV: `variant,region,year,measure,mean,p5,p50,p95`, one row per measure, and
/// each variant's paired differences from the base (`retention_vs_base`, …).
pub fn csv(result: &Simulation) -> Result<String, String> {
    csv_rows(result).map_err(|e| e.to_string())
}

fn csv_rows(result: &Simulation) -> Result<String, Box<dyn std::error::Error>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "variant", "region", "year", "measure", "mean", "p5", "p50", "p95",
    ])?;
    let cells = |i: Option<Interval>| match i {
        Some(i) => [i.mean, i.p5, i.p50, i.p95].map(|v| ((v * 1e6).round() / 1e6).to_string()),
        None => [(); 4].map(|()| String::new()),
    };
    for variant in &result.variants {
        for region in &variant.regions {
            for year in &region.years {
                let y = year.year.to_string();
                let mut row = |measure: &str, i: Option<Interval>| {
                    let [mean, p5, p50, p95] = cells(i);
                    w.write_record([
                        variant.id.as_str(),
                        region.region.as_str(),
                        &y,
                        measure,
                        &mean,
                        &p5,
                        &p50,
                        &p95,
                    ])
                };
                for m in Measure::ALL {
                    row(m.id(), year.measure(m))?;
                }
                if let Some(v) = &year.versus_base {
                    row("retention_vs_base", v.retention)?;
                    row("left_vs_base", Some(v.left))?;
                    row("active_vs_base", Some(v.active))?;
                    row("placed_vs_base", Some(v.placed))?;
                }
            }
        }
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}
