//! The performance evaluation of zones (docs/evaluation.md): the operations facts gathered from
//! the store into an `ucz_core::evaluation::Dataset`, and a zone's scorecard of a year — every
//! indicator of the catalog with its value and its value compared across zones.
//!
//! Gathered so far: the zones (area, incubation rooms, the principles their diagnosis finds met,
//! their economic region), every firm with its dated facts (employees, youth employees and
//! investment filed for a day), the leases of every zone's and hub's space (an ended incubation
//! lease counts as a graduation, as the space ladder reads it), and the applications submitted
//! to each zone's programs. Selections and amounts, investment records, bookings and milestones
//! are not gathered yet: the measures resting on them are zero, and the indicators dividing by
//! them have no value.

use std::collections::HashMap;

use schemars::JsonSchema;
use serde::Serialize;
use ucz_core::date::Date;
use ucz_core::evaluation::dataset::{
    AwardFact, FilingFact, FirmFact, LeaseEnd, LeaseFact, ZoneFact,
};
use ucz_core::evaluation::{self, Dataset, Direction, IndicatorFormula, Normalise};
use ucz_core::firm::Firm;
use ucz_core::placement::ladder::Scope;
use ucz_core::record::{Demo, LeaseStatus};
use ucz_store::Filter;

use crate::Services;
use crate::error::{Error, Key};

/// One indicator of a scorecard.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Line {
    pub indicator: String,
    pub name_ko: String,
    pub name_en: String,
    pub unit: String,
    pub direction: Direction,
    pub normalise: Normalise,
    /// None when it cannot be had (a rate of nothing).
    pub value: Option<f64>,
    /// Divided as the indicator compares across zones.
    pub compared: Option<f64>,
    pub source: String,
}

/// A zone's scorecard of a year.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Scorecard {
    pub zone: String,
    pub year: i32,
    pub lines: Vec<Line>,
    /// Every measure of the year, by name: what the formulas read.
    pub measures: std::collections::BTreeMap<String, f64>,
}

/// The catalog's indicators with their formulas parsed (checked when the catalog loaded).
fn formulas(state: &Services) -> Result<Vec<(String, IndicatorFormula, Normalise)>, Error> {
    state
        .catalog
        .indicators
        .iter()
        .map(|i| {
            evaluation::formula(&i.formula)
                .map(|f| (i.id.to_string(), f, i.normalise))
                .map_err(|e| Error::internal(format!("indicator {}: {e}", i.id)))
        })
        .collect()
}

/// Every firm of the store, page by page.
async fn all_firms(state: &Services) -> Result<Vec<Firm>, Error> {
    const PAGE: i64 = 5_000;
    let mut out = Vec::new();
    loop {
        let (page, _) = state
            .store
            .repo::<Demo<Firm>>()
            .list(&Filter {
                equals: Vec::new(),
                limit: PAGE,
                offset: out.len() as i64,
            })
            .await?;
        let n = page.len();
        out.extend(page.into_iter().map(|f| f.record.record));
        if (n as i64) < PAGE {
            return Ok(out);
        }
    }
}

/// Every zone's id.
async fn zone_ids(state: &Services) -> Result<Vec<String>, Error> {
    let (zones, _) = state
        .store
        .repo::<Demo<ucz_core::record::ZonePlan>>()
        .list(&Filter {
            equals: Vec::new(),
            limit: 10_000,
            offset: 0,
        })
        .await?;
    Ok(zones.into_iter().map(|z| z.id.to_string()).collect())
}

/// The operations facts of every zone, as the evaluation reads them.
pub async fn dataset(state: &Services) -> Result<Dataset, Error> {
    let catalog = &state.catalog;
    let everywhere = Scope {
        id: "kr".into(),
        regions: catalog.regions.iter().map(|r| r.id.to_string()).collect(),
    };
    let records = crate::ladder::region_records(state, &everywhere).await?;
    let room_of: HashMap<i64, &ucz_core::placement::ladder::Room> =
        records.rooms.iter().map(|r| (r.id, r)).collect();
    let mut data = Dataset {
        capital_provinces: catalog
            .regions
            .iter()
            .filter(|r| r.capital_region)
            .map(|r| r.id.to_string())
            .collect(),
        ..Dataset::default()
    };
    let zones = zone_ids(state).await?;
    for zone in zones {
        let diagnosis = crate::analysis::diagnosis_of(state, &zone).await?;
        let region = diagnosis.zone.region.to_string();
        data.zones.push(ZoneFact {
            region_provinces: catalog
                .home_economic_region(&region)
                .map(|e| e.members.iter().map(|m| m.to_string()).collect())
                .unwrap_or_else(|| vec![region.clone()]),
            area_km2: diagnosis.zone.area_km2.unwrap_or_default(),
            incubation_rooms: records
                .rooms
                .iter()
                .filter(|r| r.incubation && records.zone_of_room.get(&r.id) == Some(&zone))
                .count() as u32,
            principles: diagnosis.principles.len() as u32,
            principles_met: diagnosis.principles.iter().filter(|p| p.met).count() as u32,
            id: zone,
        });
    }
    data.firms = all_firms(state)
        .await?
        .into_iter()
        .map(|f| FirmFact {
            id: f.id,
            zone: f.zone,
            founded: f.founded,
            closed: None,
            employees: f.employees,
            youth_employees: f.youth_employees,
        })
        .collect();
    // The firms' dated facts, one filing per firm and day.
    let mut by_day: std::collections::BTreeMap<(String, String), FilingFact> = Default::default();
    for (firm, fact) in state
        .store
        .facts_of_fields(&["employees", "youth_employees", "investment_krw"])
        .await?
    {
        let Ok(day) = fact.as_of.get(..10).unwrap_or_default().parse::<Date>() else {
            continue;
        };
        let filing = by_day
            .entry((firm.clone(), fact.as_of.clone()))
            .or_insert(FilingFact {
                firm,
                period_end: day,
                employees: None,
                youth_employees: None,
                investment_krw: 0,
            });
        match fact.field.as_str() {
            "employees" => filing.employees = Some(fact.value),
            "youth_employees" => filing.youth_employees = Some(fact.value),
            _ => filing.investment_krw = fact.value,
        }
    }
    data.filings.extend(by_day.into_values());
    // Applications submitted to each zone's programs run in ucz.
    for zone in data.zones.iter().map(|z| z.id.clone()).collect::<Vec<_>>() {
        for call in state.store.competitions(Some(&zone)).await? {
            for app in state.store.applications(Some(call), None).await? {
                let submitted = app
                    .submitted_at
                    .as_deref()
                    .and_then(|t| t.parse::<jiff::Timestamp>().ok())
                    .map(Date::in_korea);
                if submitted.is_some() {
                    data.awards.push(AwardFact {
                        zone: zone.clone(),
                        firm: app.firm_id,
                        submitted,
                        selected: None,
                        amount_krw: 0,
                    });
                }
            }
        }
    }
    for (lease, body) in &records.leases {
        let Some(room) = room_of.get(&lease.space) else {
            continue;
        };
        data.leases.push(LeaseFact {
            firm: lease.firm.clone(),
            zone: records
                .zone_of_room
                .get(&lease.space)
                .cloned()
                .unwrap_or_default(),
            province: room.region.clone(),
            incubation: room.incubation,
            starts: lease.starts,
            ends: lease.ends,
            end: match body.status {
                LeaseStatus::Ended if room.incubation => LeaseEnd::Graduated,
                _ => LeaseEnd::Open,
            },
            left_to: body.left_to.clone(),
        });
    }
    Ok(data)
}

/// A zone's scorecard of a year. Public: the indicators are counts and rates of a zone, no
/// firm's figures.
pub async fn scorecard(state: &Services, zone: &str, year: i32) -> Result<Scorecard, Error> {
    if !zone_ids(state).await?.iter().any(|z| z == zone) {
        return Err(Error::not_found(Key::NounZone, zone));
    }
    let data = dataset(state).await?;
    scorecard_of(state, &data, zone, year)
}

/// A zone's scorecard from a dataset gathered already.
pub fn scorecard_of(
    state: &Services,
    data: &Dataset,
    zone: &str,
    year: i32,
) -> Result<Scorecard, Error> {
    let measures = data.measures(zone, year);
    let values = evaluation::evaluate(&formulas(state)?, &measures);
    let lines = state
        .catalog
        .indicators
        .iter()
        .zip(values)
        .map(|(i, v)| Line {
            indicator: v.indicator,
            name_ko: i.name_ko.clone(),
            name_en: i.name_en.clone(),
            unit: i.unit.clone(),
            direction: i.direction,
            normalise: i.normalise,
            value: v.value,
            compared: v.compared,
            source: i.source.clone(),
        })
        .collect();
    Ok(Scorecard {
        zone: zone.to_string(),
        year,
        lines,
        measures: measures
            .named()
            .into_iter()
            .map(|(n, v)| (n.to_string(), v))
            .collect(),
    })
}
