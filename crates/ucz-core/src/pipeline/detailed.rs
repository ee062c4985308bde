//! One run in detail, firm by firm (`ucz simulate --detailed`): the same firms and draws as the
//! aggregate model's run of that index, but each month's Post-BI placement is the exact plan of
//! [`crate::placement::plan`] over the region's free units (one [`Vacancy`] per unit of a hub, one
//! [`Need`] per graduate). Its output: the counts per year, and every firm's path (born →
//! incubated → placed where, or left, or closed).
//!
//! The plan places as many graduates as any assignment can, as the aggregate rule does, so the
//! two agree on how many are placed each month; when graduates compete for too few units, the
//! plan may pick other graduates than first-come-first-served does, and later counts may then
//! differ a little from the aggregate run's.

use std::collections::HashMap;

use serde::Serialize;

use super::Error;
use super::model::{Firm, Life, MEASURES, Model, RegionModel, Tally, births};
use super::random::{NEVER, Stream};
use super::scenario::{BIRTH_SOURCES, Scenario};
use super::summary::ScenarioHead;
use crate::date::Date;
use crate::placement::{Need, PlacementPolicy, Vacancy, plan};

/// What happened to a firm, in a month.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    Born,
    Graduated,
    /// Got Post-BI space in the region.
    Placed,
    /// Graduated with no fitting space; stayed in the region without it.
    StayedWithoutSpace,
    /// Moved out of Post-BI space, grown.
    ScaledUp,
    Closed,
    /// Left for the capital region.
    Left,
}

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Step {
    /// `2027-03`.
    pub month: String,
    pub event: Event,
    /// The hub and unit, for [`Event::Placed`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub space: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct FirmPath {
    /// `daejeon-2027-universities-3`: region, year born, source, number.
    pub firm: String,
    pub source: String,
    /// The space kind it needs on graduating (graduates only).
    pub kind: Option<String>,
    /// The hub it was placed in.
    pub hub: Option<String>,
    pub steps: Vec<Step>,
    /// Where it is at the end: incubating, post_bi, scaled_up, closed or left.
    pub state: String,
}

/// A region's counts at the end of a year (flows since the start).
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Counts {
    pub year: i32,
    pub born: u32,
    pub incubating: u32,
    pub post_bi: u32,
    pub scaled_up: u32,
    pub active: u32,
    pub closed: u32,
    pub left: u32,
    pub graduated: u32,
    pub placed: u32,
    pub retention: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct DetailedRegion {
    pub region: String,
    pub years: Vec<Counts>,
    pub firms: Vec<FirmPath>,
}

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct DetailedVariant {
    pub id: String,
    pub name_ko: String,
    pub name_en: String,
    pub regions: Vec<DetailedRegion>,
}

/// `ucz simulate --detailed --format json`.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Detailed {
    pub scenario: ScenarioHead,
    pub seed: u64,
    /// The index of the run (its streams are those of the Monte Carlo run of that index).
    pub run: u32,
    pub start_year: i32,
    pub years: u32,
    pub variants: Vec<DetailedVariant>,
}

/// Run `run` of `seed`, firm by firm, for the base and every variant.
pub fn detailed(
    scenario: &Scenario,
    policy: &PlacementPolicy,
    seed: u64,
    run: u32,
) -> Result<Detailed, Error> {
    let start =
        Date::new(scenario.start_year, 1, 1).ok_or(Error::StartYear(scenario.start_year))?;
    let names = scenario.variant_names();
    let mut variants = Vec::new();
    for (v, (id, name_ko, name_en)) in names.into_iter().enumerate() {
        let model = Model::compile(scenario, v.checked_sub(1));
        let regions = model
            .regions
            .iter()
            .map(|region| detailed_region(&model, region, Stream::run(seed, run), start, policy))
            .collect();
        variants.push(DetailedVariant {
            id,
            name_ko,
            name_en,
            regions,
        });
    }
    Ok(Detailed {
        scenario: ScenarioHead {
            id: scenario.id.clone(),
            name_ko: scenario.name_ko.clone(),
            name_en: scenario.name_en.clone(),
        },
        seed,
        run,
        start_year: scenario.start_year,
        years: scenario.years,
        variants,
    })
}

/// A unit of Post-BI space.
struct Unit {
    block: usize,
    number: u32,
    /// Busy until this boundary (free from it).
    free_from: u32,
}

/// The counts of a region's run as the aggregate model writes them, for comparison in tests.
#[cfg(test)]
pub(crate) fn region_values(
    model: &Model,
    region: &RegionModel,
    run: Stream,
    start: Date,
    policy: &PlacementPolicy,
) -> Vec<f64> {
    let (_, tally) = simulate_region(model, region, run, start, policy);
    let mut out = vec![0.0; model.years as usize * MEASURES];
    tally.write(&mut out);
    out
}

fn detailed_region(
    model: &Model,
    region: &RegionModel,
    run: Stream,
    start: Date,
    policy: &PlacementPolicy,
) -> DetailedRegion {
    let (lives, tally) = simulate_region(model, region, run, start, policy);
    let mut values = vec![0.0; model.years as usize * MEASURES];
    tally.write(&mut values);
    let years = values
        .chunks(MEASURES)
        .enumerate()
        .map(|(y, row)| Counts {
            year: model.start_year + y as i32,
            born: row[0] as u32,
            incubating: row[1] as u32,
            post_bi: row[2] as u32,
            scaled_up: row[3] as u32,
            active: row[4] as u32,
            closed: row[5] as u32,
            left: row[6] as u32,
            graduated: row[7] as u32,
            placed: row[8] as u32,
            retention: (!row[9].is_nan()).then_some(row[9]),
        })
        .collect();
    let month = |t: u32| start.add_months(t as i32 - 1).month_text();
    let firms = lives
        .iter()
        .map(|(firm, life, space)| {
            let horizon = model.horizon;
            let mut steps = Vec::new();
            let mut step = |t: u32, event: Event, space: Option<String>| {
                if t <= horizon {
                    steps.push(Step {
                        month: month(t),
                        event,
                        space,
                    });
                }
            };
            step(life.born, Event::Born, None);
            if life.graduated {
                let g = life.incubating_until;
                step(g, Event::Graduated, None);
                if life.placed {
                    step(g, Event::Placed, space.clone());
                    if let (Some((_, until)), Some(_)) = (life.post_bi, life.outside_from) {
                        step(until, Event::ScaledUp, None);
                    }
                } else if life.retained {
                    step(g, Event::StayedWithoutSpace, None);
                }
            }
            if life.end != NEVER {
                step(
                    life.end,
                    if life.left {
                        Event::Left
                    } else {
                        Event::Closed
                    },
                    None,
                );
            }
            let h = model.horizon;
            let state = if life.end <= h {
                if life.left { "left" } else { "closed" }
            } else if life.incubating_until > h {
                "incubating"
            } else if life
                .post_bi
                .is_some_and(|(from, until)| from <= h && h < until)
            {
                "post_bi"
            } else {
                "scaled_up"
            };
            FirmPath {
                firm: format!(
                    "{}-{}-{}-{}",
                    region.id,
                    model.start_year + firm.year as i32,
                    BIRTH_SOURCES[usize::from(firm.source)],
                    firm.number + 1
                ),
                source: BIRTH_SOURCES[usize::from(firm.source)].to_string(),
                kind: (firm.graduates <= model.horizon)
                    .then(|| {
                        region
                            .kinds
                            .get(usize::from(firm.kind))
                            .map(|k| k.id.clone())
                    })
                    .flatten(),
                hub: space
                    .as_ref()
                    .and_then(|s| s.rsplit_once('#').map(|(hub, _)| hub.to_string())),
                steps,
                state: state.to_string(),
            }
        })
        .collect();
    DetailedRegion {
        region: region.id.clone(),
        years,
        firms,
    }
}

type Lived = (Firm, Life, Option<String>);

/// The region's run with the exact plan each month: every firm's life (with its space) and the
/// counts.
fn simulate_region(
    model: &Model,
    region: &RegionModel,
    run: Stream,
    start: Date,
    policy: &PlacementPolicy,
) -> (Vec<Lived>, Tally) {
    let horizon = model.horizon;
    let mut firms = Vec::new();
    births(region, run, model.years, horizon, &mut firms);
    let mut units: Vec<Unit> = region
        .blocks
        .iter()
        .enumerate()
        .flat_map(|(block, b)| {
            (0..b.units).map(move |number| Unit {
                block,
                number,
                free_from: b.opens,
            })
        })
        .collect();
    let mut by_month: Vec<Vec<usize>> = vec![Vec::new(); horizon as usize + 1];
    let mut lived: Vec<Option<Lived>> = vec![None; firms.len()];
    let mut tally = Tally::new(model.years);
    for (i, firm) in firms.iter().enumerate() {
        if firm.graduates <= horizon {
            by_month[firm.graduates as usize].push(i);
        } else {
            let life = Life::of(firm, region, false);
            tally.add(&life);
            lived[i] = Some((*firm, life, None));
        }
    }
    let name = |i: usize| format!("{i}");
    for (t, graduates) in by_month.iter().enumerate().skip(1) {
        if graduates.is_empty() {
            continue;
        }
        let t = t as u32;
        let day = start.add_months(t as i32);
        // Graduates by kind this month: no block needs to offer more units than that.
        let mut wanted = vec![0usize; region.kinds.len()];
        for &i in graduates {
            if let Some(w) = wanted.get_mut(usize::from(firms[i].kind)) {
                *w += 1;
            }
        }
        // Free units of a block differ only in the day they freed: the plan prefers the latest
        // (fewest idle days), so the latest `wanted` of each block are all it could use.
        let mut offered: Vec<usize> = Vec::new();
        for (b, block) in region.blocks.iter().enumerate() {
            let mut free: Vec<usize> = units
                .iter()
                .enumerate()
                .filter(|(_, u)| u.block == b && u.free_from <= t)
                .map(|(k, _)| k)
                .collect();
            free.sort_by_key(|&k| std::cmp::Reverse((units[k].free_from, units[k].number)));
            free.truncate(wanted.get(block.kind).copied().unwrap_or(0));
            offered.extend(free);
        }
        let space_id = |k: usize| {
            let unit = &units[k];
            format!("{}#{}", region.blocks[unit.block].hub, unit.number + 1)
        };
        let vacancies: Vec<Vacancy> = offered
            .iter()
            .map(|&k| {
                let unit = &units[k];
                let block = &region.blocks[unit.block];
                Vacancy {
                    space: space_id(k),
                    hub: block.hub.clone(),
                    region: region.id.clone(),
                    area: region.id.clone(),
                    kind: region.kinds[block.kind].id.clone(),
                    area_m2: block.unit_m2,
                    rent_krw: None,
                    stages: Vec::new(),
                    sectors: Vec::new(),
                    equipment: Vec::new(),
                    site: None,
                    free_from: start.add_months(unit.free_from as i32),
                }
            })
            .collect();
        let needs: Vec<Need> = graduates
            .iter()
            .map(|&i| {
                let firm = &firms[i];
                let kind = region.kinds.get(usize::from(firm.kind));
                Need {
                    firm: name(i),
                    region: region.id.clone(),
                    area: region.id.clone(),
                    needed_by: day,
                    area_m2: kind.map_or(1.0, |k| k.need_m2),
                    sector: String::new(),
                    stage: "growth".to_string(),
                    budget_krw: None,
                    kinds: kind.map(|k| vec![k.id.clone()]).unwrap_or_default(),
                    equipment: Vec::new(),
                    preferred_hubs: Vec::new(),
                    site: None,
                    excluded: Vec::new(),
                    previous: None,
                }
            })
            .collect();
        let proposals: HashMap<String, String> = if vacancies.is_empty() {
            HashMap::new()
        } else {
            plan(&needs, &vacancies, policy)
                .proposals
                .into_iter()
                .map(|p| (p.firm, p.space))
                .collect()
        };
        let unit_of: HashMap<String, usize> = offered.iter().map(|&k| (space_id(k), k)).collect();
        for &i in graduates {
            let firm = firms[i];
            let space = proposals.get(&name(i));
            let unit = space.and_then(|s| unit_of.get(s)).copied();
            let life = Life::of(&firm, region, unit.is_some());
            if let Some(k) = unit {
                units[k].free_from = life.releases().unwrap_or(NEVER);
            }
            tally.add(&life);
            lived[i] = Some((firm, life, space.cloned()));
        }
    }
    (lived.into_iter().flatten().collect(), tally)
}
