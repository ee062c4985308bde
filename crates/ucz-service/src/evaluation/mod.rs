//! The performance evaluation of zones (docs/evaluation.md): the operations facts gathered from
//! the store into an `ucz_core::evaluation::Dataset`, a zone's scorecard of a year — every
//! indicator of the catalog with its value, target, achievement and trend — the comparison of
//! every zone for coordinators, and the records behind each number within the viewer's rights.
//!
//! Gathered: the zones (area, incubation rooms, the principles their diagnosis finds met, their
//! economic region), every firm with its dated facts (employees, youth employees and investment
//! filed for a day), the leases of every zone's and hub's space (an ended incubation lease counts
//! as a graduation, as the space ladder reads it), the applications submitted to each zone's
//! programs with the selections and amounts of published results, the bookings of the zone's
//! shared resources and the minutes they were open, and the investment records and milestones
//! coordinators enter (`records`).
//!
//! As of a past moment: the evaluation records are read in the version valid then, firms and
//! leases as their audit trail stood then, facts recorded, applications submitted, results
//! published and bookings made by then. A zone's area and the principles its diagnosis finds
//! met are read as they are now.

pub mod records;
pub mod report;

use std::collections::{BTreeMap, HashMap};

use schemars::JsonSchema;
use serde::Serialize;
use ucz_core::account::Role;
use ucz_core::booking::{Holidays, Resource, civil};
use ucz_core::date::Date;
use ucz_core::evaluation::dataset::{
    AwardFact, BookingFact, Evidence, FilingFact, FirmFact, Index, InvestmentFact, LeaseEnd,
    LeaseFact, MilestoneFact, ZoneFact,
};
use ucz_core::evaluation::plan::{Investment, Milestone, Target, achievement};
use ucz_core::evaluation::{self, Dataset, Direction, IndicatorFormula, MeasureId, Normalise};
use ucz_core::firm::Firm;
use ucz_core::message::Message;
use ucz_core::placement::ladder::Scope;
use ucz_core::record::{Demo, LeaseBody, LeaseStatus};
use ucz_store::Filter;

use crate::Services;
use crate::caller::Caller;
use crate::error::{Error, Key};

/// An indicator's value in one year of a trend.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct Point {
    pub year: i32,
    pub value: Option<f64>,
}

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
    /// The zone's target for the year, if it set one.
    pub target: Option<f64>,
    /// The target is made up for the demonstration.
    pub target_illustrative: bool,
    /// How far the value reaches the target, in percent (`plan::achievement`).
    pub achievement: Option<f64>,
    /// The value in the four years before and this one, oldest first.
    pub trend: Vec<Point>,
}

/// A zone's scorecard of a year.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Scorecard {
    pub zone: String,
    pub zone_name: String,
    pub year: i32,
    /// The moment the records were read as of (RFC 3339, UTC); none: as they are now.
    pub as_of: Option<String>,
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

/// Every firm of the store, page by page; as of a moment, as the audit trail had them.
async fn all_firms(state: &Services, as_of: Option<&str>) -> Result<Vec<Firm>, Error> {
    if let Some(at) = as_of {
        let firms = state.store.repo::<Demo<Firm>>().as_of(at).await?;
        return Ok(firms.into_iter().map(|f| f.record.record).collect());
    }
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
pub(crate) async fn zone_ids(state: &Services) -> Result<Vec<String>, Error> {
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

/// The zone, or 404.
pub(crate) async fn known_zone(state: &Services, zone: &str) -> Result<(), Error> {
    if zone_ids(state).await?.iter().any(|z| z == zone) {
        Ok(())
    } else {
        Err(Error::not_found(Key::NounZone, zone))
    }
}

/// The moment an evaluation reads its records as of: a day (`2026-06-30`, its end in Korea) or
/// an RFC 3339 time, not in the future; none: now.
pub fn as_of(state: &Services, text: Option<&str>) -> Result<Option<String>, Error> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let at = match text.parse::<Date>() {
        // Today's end is still ahead: today means now.
        Ok(day) if day == state.clock.today() => state.clock.now(),
        Ok(day) => day.end_in_korea(),
        Err(_) => text.parse::<jiff::Timestamp>().map_err(|_| {
            Error::field(
                "as_of",
                Message::new(Key::BookingUnknownTime).arg("value", text),
            )
        })?,
    };
    if at > state.clock.now() {
        return Err(Error::field(
            "as_of",
            Message::new(Key::EvalAsOfFuture).arg("value", text),
        ));
    }
    Ok(Some(ucz_core::date::utc_timestamp(at)))
}

fn parsed_time(text: &str) -> Option<jiff::Timestamp> {
    text.parse::<jiff::Timestamp>().ok()
}

/// Whether a stored time (RFC 3339) is at or before `as_of` (none: always).
fn by(time: &str, as_of: Option<&str>) -> bool {
    match (as_of.and_then(parsed_time), parsed_time(time)) {
        (Some(at), Some(t)) => t <= at,
        (Some(_), None) => false,
        (None, _) => true,
    }
}

/// The facts gathered, with the zones' names.
pub struct Gathered {
    pub data: Dataset,
    pub names: BTreeMap<String, String>,
}

/// The operations facts of every zone, as the evaluation reads them, now or as of a moment.
pub async fn dataset(state: &Services, as_of: Option<&str>) -> Result<Gathered, Error> {
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
    let mut names = BTreeMap::new();
    for zone in zone_ids(state).await? {
        let diagnosis = crate::analysis::diagnosis_of(state, &zone).await?;
        let region = diagnosis.zone.region.to_string();
        names.insert(zone.clone(), diagnosis.zone.name.clone());
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
    data.firms = all_firms(state, as_of)
        .await?
        .into_iter()
        .map(|f| FirmFact {
            id: f.id,
            zone: f.zone,
            founded: f.founded,
            closed: f.closed,
            employees: f.employees,
            youth_employees: f.youth_employees,
        })
        .collect();
    // The firms' dated facts, one filing per firm and day, as recorded by then.
    let mut by_day: BTreeMap<(String, String), FilingFact> = Default::default();
    for (firm, fact) in state
        .store
        .facts_of_fields(&["employees", "youth_employees", "investment_krw"])
        .await?
    {
        // Recorded by then, and not yet replaced by a corrected filing then.
        let current = match (&fact.superseded_at, as_of) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(at), Some(_)) => !by(at, as_of),
        };
        if !by(&fact.recorded_at, as_of) || !current {
            continue;
        }
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
    let zones: Vec<String> = data.zones.iter().map(|z| z.id.clone()).collect();
    for zone in &zones {
        applications(state, zone, as_of, &mut data).await?;
        bookings(state, zone, as_of, &mut data).await?;
    }
    let leases: Vec<(i64, LeaseBody)> = match as_of {
        Some(at) => state
            .store
            .repo::<LeaseBody>()
            .as_of(at)
            .await?
            .into_iter()
            .map(|l| (l.record.space_id.0, l.record))
            .collect(),
        None => records
            .leases
            .iter()
            .map(|(l, body)| (l.space, body.clone()))
            .collect(),
    };
    for (space, body) in leases {
        let Some(room) = room_of.get(&space) else {
            continue;
        };
        data.leases.push(LeaseFact {
            firm: body.firm_id.0.clone(),
            zone: records
                .zone_of_room
                .get(&space)
                .cloned()
                .unwrap_or_default(),
            province: room.region.clone(),
            incubation: room.incubation,
            starts: body.starts,
            ends: body.ends,
            end: match body.status {
                LeaseStatus::Ended if room.incubation => LeaseEnd::Graduated,
                _ => LeaseEnd::Open,
            },
            left_to: body.left_to.clone(),
        });
    }
    for row in state
        .store
        .evaluation_records(None, records::INVESTMENT, as_of)
        .await?
    {
        if let Ok(i) = serde_json::from_value::<Investment>(row.body) {
            data.investments.push(InvestmentFact {
                id: i.id,
                investor: i.investor,
                zone: row.zone_id,
                day: i.day,
                amount_krw: i.amount_krw,
            });
        }
    }
    for row in state
        .store
        .evaluation_records(None, records::MILESTONE, as_of)
        .await?
    {
        if let Ok(m) = serde_json::from_value::<Milestone>(row.body) {
            data.milestones.push(MilestoneFact {
                id: m.id,
                zone: row.zone_id,
                planned: m.planned_end,
                done: m.actual_end,
            });
        }
    }
    Ok(Gathered { data, names })
}

/// An application's outcome in a call's results: `selected` with its amount.
fn selected_amounts(results: &serde_json::Value) -> HashMap<i64, i64> {
    let mut out = HashMap::new();
    for entry in results["ranking"].as_array().into_iter().flatten() {
        let ranked = if entry.get("outcome").is_some() {
            entry
        } else {
            &entry["ranked"]
        };
        if ranked["outcome"] == "selected" {
            if let Some(app) = ranked["application"].as_i64() {
                out.insert(app, ranked["amount"].as_i64().unwrap_or(0));
            }
        }
    }
    out
}

/// Applications submitted to a zone's programs, with selections and amounts of the results
/// published by then.
async fn applications(
    state: &Services,
    zone: &str,
    as_of: Option<&str>,
    data: &mut Dataset,
) -> Result<(), Error> {
    for call in state.store.competitions(Some(zone)).await? {
        let competition = state.store.competition(call).await?;
        let (selected, published) = match competition {
            Some(c) => match (c.results, c.published_at) {
                (Some(results), Some(at)) if by(&at, as_of) => (
                    selected_amounts(&results),
                    parsed_time(&at).map(Date::in_korea),
                ),
                _ => (HashMap::new(), None),
            },
            None => (HashMap::new(), None),
        };
        for app in state.store.applications(Some(call), None).await? {
            let Some(submitted) = app.submitted_at.as_deref().filter(|t| by(t, as_of)) else {
                continue;
            };
            let amount = selected.get(&app.id).copied();
            data.awards.push(AwardFact {
                zone: zone.to_string(),
                firm: app.firm_id,
                submitted: parsed_time(submitted).map(Date::in_korea),
                selected: amount.and(published),
                amount_krw: amount.unwrap_or(0),
            });
        }
    }
    Ok(())
}

/// The minutes a zone's shared resources were booked and used (confirmed or checked in, not
/// cancelled or a no-show) by day, and the minutes they were open each year from the first
/// booking's year to this one.
async fn bookings(
    state: &Services,
    zone: &str,
    as_of: Option<&str>,
    data: &mut Dataset,
) -> Result<(), Error> {
    let resources = state.store.resources_of(Some(zone), None).await?;
    if resources.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = resources.iter().map(|r| r.id.clone()).collect();
    let now = as_of
        .and_then(parsed_time)
        .unwrap_or_else(|| state.clock.now());
    let rows = state
        .store
        .bookings_between(&ids, 0, now.as_second())
        .await?;
    let mut first_year = now.to_zoned(jiff::tz::TimeZone::UTC).year() as i32;
    for b in rows.iter().filter(|b| by(&b.created_at, as_of)) {
        let day = Date::in_korea(jiff::Timestamp::from_second(b.starts_at).unwrap_or(now));
        first_year = first_year.min(day.year());
        data.bookings.push(BookingFact {
            zone: zone.to_string(),
            day,
            minutes: (b.ends_at - b.starts_at) / 60,
            used: matches!(b.state.as_str(), "confirmed" | "checked_in")
                && b.ends_at <= now.as_second(),
        });
    }
    let holidays = Holidays::of(&state.catalog.holidays);
    let today = Date::in_korea(now);
    for year in first_year..=today.year() {
        let (Some(from), Some(next)) = (Date::new(year, 1, 1), Date::new(year + 1, 1, 1)) else {
            continue;
        };
        let until = next.min(today);
        let mut open = 0;
        for r in &resources {
            let Ok(resource) = serde_json::from_value::<Resource>(r.body.clone()) else {
                continue;
            };
            let heat =
                ucz_core::occupancy::heat(&resource, &[], from, until, &holidays, civil(now));
            open += heat.open.iter().flatten().sum::<i64>();
        }
        data.open_minutes.insert((zone.to_string(), year), open);
    }
    Ok(())
}

/// The targets of a zone (every zone: `None`), by zone, indicator and year, as of a moment.
async fn targets(
    state: &Services,
    zone: Option<&str>,
    as_of: Option<&str>,
) -> Result<BTreeMap<(String, String, i32), Target>, Error> {
    Ok(state
        .store
        .evaluation_records(zone, records::TARGET, as_of)
        .await?
        .into_iter()
        .filter_map(|row| {
            let t: Target = serde_json::from_value(row.body).ok()?;
            Some(((row.zone_id, t.indicator.clone(), t.year), t))
        })
        .collect())
}

/// A zone's scorecard of a year, now or as of a moment. Public: the indicators are counts and
/// rates of a zone, no firm's figures.
pub async fn scorecard(
    state: &Services,
    zone: &str,
    year: i32,
    as_of: Option<&str>,
) -> Result<Scorecard, Error> {
    known_zone(state, zone).await?;
    let gathered = dataset(state, as_of).await?;
    let targets = targets(state, Some(zone), as_of).await?;
    scorecard_of(state, &gathered, &targets, zone, year, as_of)
}

/// A zone's scorecard from the facts gathered already.
pub fn scorecard_of(
    state: &Services,
    gathered: &Gathered,
    targets: &BTreeMap<(String, String, i32), Target>,
    zone: &str,
    year: i32,
    as_of: Option<&str>,
) -> Result<Scorecard, Error> {
    let formulas = formulas(state)?;
    let index = Index::new(&gathered.data);
    let years: Vec<i32> = (year - 4..=year).collect();
    let by_year: Vec<(i32, Vec<evaluation::Value>)> = years
        .iter()
        .map(|y| {
            (
                *y,
                evaluation::evaluate(&formulas, &index.measures(zone, *y)),
            )
        })
        .collect();
    let measures = index.measures(zone, year);
    let values = evaluation::evaluate(&formulas, &measures);
    let lines = state
        .catalog
        .indicators
        .iter()
        .zip(values)
        .enumerate()
        .map(|(n, (i, v))| {
            let target = targets.get(&(zone.to_string(), i.id.to_string(), year));
            Line {
                achievement: achievement(v.value, target.map(|t| t.value), i.direction),
                target: target.map(|t| t.value),
                target_illustrative: target.is_some_and(|t| t.illustrative),
                trend: by_year
                    .iter()
                    .map(|(y, values)| Point {
                        year: *y,
                        value: values.get(n).and_then(|v| v.value),
                    })
                    .collect(),
                indicator: v.indicator,
                name_ko: i.name_ko.clone(),
                name_en: i.name_en.clone(),
                unit: i.unit.clone(),
                direction: i.direction,
                normalise: i.normalise,
                value: v.value,
                compared: v.compared,
                source: i.source.clone(),
            }
        })
        .collect();
    Ok(Scorecard {
        zone: zone.to_string(),
        zone_name: gathered.names.get(zone).cloned().unwrap_or_default(),
        year,
        as_of: as_of.map(str::to_string),
        lines,
        measures: measures
            .named()
            .into_iter()
            .map(|(n, v)| (n.to_string(), v))
            .collect(),
    })
}

/// Every zone's scorecard of a year side by side, and the procedure steps needing attention:
/// the national overview coordinators compare zones on.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Overview {
    pub year: i32,
    pub as_of: Option<String>,
    pub zones: Vec<Scorecard>,
    /// Steps at risk of their deadline or overdue, every zone's.
    pub alerts: Vec<records::Alert>,
}

pub async fn overview(state: &Services, year: i32, as_of: Option<&str>) -> Result<Overview, Error> {
    let gathered = dataset(state, as_of).await?;
    let targets = targets(state, None, as_of).await?;
    let mut zones = Vec::new();
    for zone in gathered.data.zones.iter().map(|z| z.id.clone()) {
        zones.push(scorecard_of(
            state, &gathered, &targets, &zone, year, as_of,
        )?);
    }
    Ok(Overview {
        year,
        as_of: as_of.map(str::to_string),
        alerts: records::alerts(state, as_of).await?,
        zones,
    })
}

/// The records behind one number of a zone's year.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Drill {
    pub zone: String,
    pub year: i32,
    pub measure: String,
    pub definition: String,
    /// The definition in Korean.
    pub definition_ko: String,
    /// The measure's value: the sum of every record's, those hidden from the viewer included.
    pub value: f64,
    pub records: Vec<Evidence>,
    /// Records of other firms the viewer may not see (a firm sees only its own).
    pub hidden: usize,
}

/// The records behind a measure of a zone's year, within the viewer's rights: admins and
/// coordinators see every record, a zone's operator its zone's, a firm its own (the others
/// counted); other accounts none.
pub async fn drill(
    state: &Services,
    caller: &Caller,
    zone: &str,
    year: i32,
    measure: &str,
    as_of: Option<&str>,
) -> Result<Drill, Error> {
    let own_firm = match caller.require_user()? {
        Role::Admin | Role::Coordinator => None,
        Role::Operator { zone: own } if own == zone => None,
        Role::Firm { firm } => Some(firm.clone()),
        _ => return Err(Error::forbidden()),
    };
    known_zone(state, zone).await?;
    let Some(id) = MeasureId::by_name(measure) else {
        return Err(Error::not_found(Key::NounMeasure, measure));
    };
    let gathered = dataset(state, as_of).await?;
    let index = Index::new(&gathered.data);
    let all = index.evidence(zone, year, id);
    let value = index.measures(zone, year).get(id);
    let (records, hidden): (Vec<Evidence>, Vec<Evidence>) = all
        .into_iter()
        .partition(|e| own_firm.is_none() || e.firm.is_some() && e.firm == own_firm);
    Ok(Drill {
        zone: zone.to_string(),
        year,
        measure: measure.to_string(),
        definition: id.definition().to_string(),
        definition_ko: id.definition_ko().to_string(),
        value,
        records,
        hidden: hidden.len(),
    })
}
