//! `ucz bench placement`: the time to plan one region's Post-BI placement, for a synthetic region
//! of many graduates and spaces (data generation not timed).

use anyhow::Context;
use std::time::Instant;

use ucz_core::Catalog;
use ucz_core::date::Date;
use ucz_core::placement::{Need, Vacancy, plan};
use ucz_core::zone::Site;

use crate::output;

/// A small, fast, seeded generator (xorshift).
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const SECTIONS: [&str; 8] = ["C26", "C27", "C29", "J58", "J62", "J63", "M70", "M71"];

/// A metropolitan region: hubs (zone facilities, campus parks, knowledge-industry centres) with
/// rooms of a few standard sizes freeing up over a year, and graduates of its incubators; the
/// rooms are of the expansion kinds `kinds` (never empty in a checked catalog).
pub fn region(
    graduates: usize,
    spaces: usize,
    seed: u64,
    start: Date,
    kinds: &[String],
) -> (Vec<Need>, Vec<Vacancy>) {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let centre = Site {
        lat: 36.35,
        lon: 127.38,
    };
    let near = |rng: &mut Rng| Site {
        lat: centre.lat + (rng.below(3_000) as f64 - 1_500.0) / 10_000.0,
        lon: centre.lon + (rng.below(3_000) as f64 - 1_500.0) / 10_000.0,
    };
    let hubs = (spaces / 250).max(1);
    let hub_sites: Vec<Site> = (0..hubs).map(|_| near(&mut rng)).collect();
    let hub_sectors: Vec<Vec<String>> = (0..hubs)
        .map(|_| match rng.below(3) {
            0 => Vec::new(),
            _ => vec![rng.pick(&["C", "J", "M"]).to_string()],
        })
        .collect();
    let day = |offset: u64| start.add_days(offset as i64);
    let sizes = [
        (33.0, 700_000),
        (66.0, 1_300_000),
        (132.0, 2_500_000),
        (330.0, 6_000_000),
    ];
    let vacancies = (0..spaces)
        .map(|i| {
            let hub = i % hubs;
            let (area, rent) = *rng.pick(&sizes);
            Vacancy {
                space: format!("S{i:06}"),
                hub: format!("H{hub:03}"),
                region: "daejeon".into(),
                area: "daejeon".into(),
                kind: rng.pick(kinds).clone(),
                area_m2: area,
                rent_krw: Some(rent),
                stages: Vec::new(),
                sectors: hub_sectors[hub].clone(),
                equipment: if hub % 4 == 0 {
                    vec!["cnc".into()]
                } else {
                    Vec::new()
                },
                site: Some(hub_sites[hub]),
                free_from: day(30 * rng.below(12)),
            }
        })
        .collect();
    let incubators: Vec<Site> = (0..40).map(|_| near(&mut rng)).collect();
    let needs = (0..graduates)
        .map(|i| Need {
            firm: format!("G{i:06}"),
            region: "daejeon".into(),
            area: "daejeon".into(),
            needed_by: day(30 * rng.below(12) + 29),
            area_m2: *rng.pick(&[30.0, 60.0, 100.0, 150.0, 250.0]),
            sector: rng.pick(&SECTIONS).to_string(),
            stage: rng.pick(&["growth", "scale_up"]).to_string(),
            budget_krw: Some(1_000_000 * (1 + rng.below(6) as i64)),
            kinds: kinds.to_vec(),
            equipment: if rng.below(5) == 0 {
                vec!["cnc".into()]
            } else {
                Vec::new()
            },
            preferred_hubs: (0..rng.below(3))
                .map(|_| format!("H{:03}", rng.below(hubs as u64)))
                .collect(),
            site: Some(*rng.pick(&incubators)),
            excluded: Vec::new(),
            previous: None,
        })
        .collect();
    (needs, vacancies)
}

pub fn run(catalog: &Catalog, graduates: usize, spaces: usize, seed: u64) -> anyhow::Result<()> {
    let start = Date::new(2027, 1, 1).context("the start date")?;
    let policy = &catalog.placement;
    let (needs, vacancies) = region(graduates, spaces, seed, start, &policy.expansion_kinds);
    let started = Instant::now();
    let result = plan(&needs, &vacancies, policy);
    let wall = started.elapsed();
    let waitlisted = result
        .unplaced
        .iter()
        .filter(|u| u.fitting_spaces > 0)
        .count();
    output::text(&format!(
        "graduates: {graduates}\nspaces: {spaces}\nplaced: {}\nunplaced: {} ({waitlisted} waitlisted for a fitting space, {} with none)\n\
         plan time: {:.3} s (optimal: most placed, then best fit, then shortest move)\n",
        result.proposals.len(),
        result.unplaced.len(),
        result.unplaced.len() - waitlisted,
        wall.as_secs_f64(),
    ))
}
