//! The operations records an evaluation reads, as plain facts the service gathers from the
//! store, and the measures of a zone's year computed from them (definitions in
//! [`super::measure::MeasureId`]).

use std::collections::{BTreeMap, BTreeSet};

use crate::date::Date;

use super::measure::{MeasureId as M, Measures};

/// A zone as the evaluation sees it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ZoneFact {
    pub id: String,
    /// The provinces of its economic region (광역경제권), the zone's own among them.
    pub region_provinces: Vec<String>,
    pub area_km2: f64,
    /// Its incubation rooms (spaces of the incubation kind).
    pub incubation_rooms: u32,
    pub principles: u32,
    pub principles_met: u32,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct FirmFact {
    pub id: String,
    pub zone: String,
    pub founded: Option<Date>,
    /// The day it closed (폐업), if it did.
    pub closed: Option<Date>,
    pub employees: i64,
    pub youth_employees: i64,
}

/// How a lease ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LeaseEnd {
    /// Running, or ended without the firm moving on.
    #[default]
    Open,
    /// The firm moved on (졸업).
    Graduated,
    /// The firm closed.
    Closed,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LeaseFact {
    pub firm: String,
    /// The zone whose space it is (empty for a hub's).
    pub zone: String,
    /// The province the space is in.
    pub province: String,
    pub incubation: bool,
    pub starts: Date,
    /// The first day after the lease.
    pub ends: Date,
    pub end: LeaseEnd,
    /// The province the firm moved to when it left.
    pub left_to: Option<String>,
}

/// A firm's filed figures for a period.
#[derive(Clone, Debug, PartialEq)]
pub struct FilingFact {
    pub firm: String,
    pub period_end: Date,
    pub employees: Option<i64>,
    pub youth_employees: Option<i64>,
    pub investment_krw: i64,
}

/// Investment a coordinator recorded (an anchor firm, a research institute, co-investment).
#[derive(Clone, Debug, PartialEq)]
pub struct InvestmentFact {
    pub zone: String,
    pub day: Date,
    pub amount_krw: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct BookingFact {
    pub zone: String,
    pub day: Date,
    pub minutes: i64,
    /// Booked and used: neither cancelled nor a no-show.
    pub used: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AwardFact {
    pub zone: String,
    pub firm: String,
    pub submitted: Option<Date>,
    pub selected: Option<Date>,
    pub amount_krw: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MilestoneFact {
    pub zone: String,
    pub planned: Date,
    pub done: Option<Date>,
}

/// Everything an evaluation reads.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dataset {
    pub zones: Vec<ZoneFact>,
    /// The provinces of the capital region (수도권), from the catalog.
    pub capital_provinces: Vec<String>,
    pub firms: Vec<FirmFact>,
    pub leases: Vec<LeaseFact>,
    pub filings: Vec<FilingFact>,
    pub investments: Vec<InvestmentFact>,
    pub bookings: Vec<BookingFact>,
    /// Minutes open to book, by zone and year.
    pub open_minutes: BTreeMap<(String, i32), i64>,
    pub awards: Vec<AwardFact>,
    pub milestones: Vec<MilestoneFact>,
}

fn year_of(day: Date) -> i32 {
    day.year()
}

impl Dataset {
    /// The measures of `zone` in `year`.
    pub fn measures(&self, zone: &str, year: i32) -> Measures {
        let mut m = Measures::default();
        let Some(z) = self.zones.iter().find(|z| z.id == zone) else {
            return m;
        };
        let (Some(end), Some(before)) = (Date::new(year, 12, 31), Date::new(year - 1, 12, 31))
        else {
            return m;
        };
        m.set(M::AreaKm2, z.area_km2);
        m.set(M::Principles, f64::from(z.principles));
        m.set(M::PrinciplesMet, f64::from(z.principles_met));

        // Firms: the zone's on its record, or holding a lease of the zone's space that day.
        let leased_on = |firm: &str, day: Date| {
            self.leases
                .iter()
                .any(|l| l.firm == firm && l.zone == zone && l.starts <= day && day < l.ends)
        };
        let in_zone = |f: &FirmFact, day: Date| {
            f.founded.is_none_or(|d| d <= day)
                && f.closed.is_none_or(|c| c > day)
                && (f.zone == zone || leased_on(&f.id, day))
        };
        // A firm's jobs on a day: its latest filing up to that day, else its record.
        let jobs_of = |f: &FirmFact, day: Date| -> (i64, i64) {
            let filed = self
                .filings
                .iter()
                .filter(|x| x.firm == f.id && x.period_end <= day && x.employees.is_some())
                .max_by_key(|x| x.period_end);
            match filed {
                Some(x) => (
                    x.employees.unwrap_or_default(),
                    x.youth_employees.unwrap_or_default(),
                ),
                None => (f.employees, f.youth_employees),
            }
        };
        for f in &self.firms {
            if in_zone(f, end) {
                m.add(M::Firms, 1.0);
                let (jobs, youth) = jobs_of(f, end);
                m.add(M::Jobs, jobs as f64);
                m.add(M::YouthJobs, youth as f64);
            }
            if in_zone(f, before) {
                m.add(M::JobsBefore, jobs_of(f, before).0 as f64);
            }
            if f.zone == zone && f.founded.is_some_and(|d| year_of(d) == year) {
                m.add(M::FirmsFounded, 1.0);
            }
        }

        // Firms attracted: the first lease in the zone starts in the year, founded before it.
        let mut first_lease: BTreeMap<&str, Date> = BTreeMap::new();
        for l in self.leases.iter().filter(|l| l.zone == zone) {
            let e = first_lease.entry(&l.firm).or_insert(l.starts);
            if l.starts < *e {
                *e = l.starts;
            }
        }
        for (firm, starts) in &first_lease {
            let founded_before = self
                .firms
                .iter()
                .find(|f| f.id == *firm)
                .and_then(|f| f.founded)
                .is_none_or(|d| year_of(d) < year);
            if year_of(*starts) == year && founded_before {
                m.add(M::FirmsAttracted, 1.0);
            }
        }

        // Investment: filings for periods ending in the year, and records dated in it.
        let zone_firms: BTreeSet<&str> = self
            .firms
            .iter()
            .filter(|f| in_zone(f, end) || in_zone(f, before))
            .map(|f| f.id.as_str())
            .collect();
        for x in &self.filings {
            if zone_firms.contains(x.firm.as_str()) && year_of(x.period_end) == year {
                m.add(M::Investment, x.investment_krw as f64);
            }
        }
        for i in self
            .investments
            .iter()
            .filter(|i| i.zone == zone && year_of(i.day) == year)
        {
            m.add(M::Investment, i.amount_krw as f64);
        }

        // Incubation: rooms, turnover, graduates and where they went.
        m.set(M::IncubationRooms, f64::from(z.incubation_rooms));
        for l in self
            .leases
            .iter()
            .filter(|l| l.zone == zone && l.incubation)
        {
            // A lease's last day is the day before `ends`.
            if year_of(l.ends.add_days(-1)) != year {
                continue;
            }
            m.add(M::IncubationExits, 1.0);
            if l.end != LeaseEnd::Graduated {
                continue;
            }
            m.add(M::Graduates, 1.0);
            // Its next place: a later lease of the firm, else where it said it went.
            let next = self
                .leases
                .iter()
                .filter(|n| {
                    n.firm == l.firm && n.starts >= l.ends.add_days(-1) && n.starts > l.starts
                })
                .min_by_key(|n| n.starts)
                .map(|n| n.province.clone())
                .or_else(|| l.left_to.clone());
            if let Some(province) = next {
                if z.region_provinces.contains(&province) {
                    m.add(M::GraduatesInRegion, 1.0);
                }
                if self.capital_provinces.contains(&province) {
                    m.add(M::GraduatesToCapital, 1.0);
                }
            }
        }

        for b in self
            .bookings
            .iter()
            .filter(|b| b.zone == zone && year_of(b.day) == year && b.used)
        {
            m.add(M::BookedMinutes, b.minutes as f64);
        }
        if let Some(open) = self.open_minutes.get(&(zone.to_string(), year)) {
            m.set(M::OpenMinutes, *open as f64);
        }

        // Support: applications, awards, and the survival of firms supported three years before.
        let mut supported = BTreeSet::new();
        for a in self.awards.iter().filter(|a| a.zone == zone) {
            if a.submitted.is_some_and(|d| year_of(d) == year) {
                m.add(M::Applications, 1.0);
            }
            if let Some(d) = a.selected {
                if year_of(d) == year {
                    m.add(M::Awards, 1.0);
                    m.add(M::AwardAmount, a.amount_krw as f64);
                }
                if year_of(d) == year - 3 {
                    supported.insert(a.firm.as_str());
                }
            }
        }
        m.set(M::SupportedThreeYearsAgo, supported.len() as f64);
        let operating = |firm: &str| {
            self.firms
                .iter()
                .find(|f| f.id == firm)
                .is_some_and(|f| f.closed.is_none_or(|c| c > end))
        };
        m.set(
            M::SupportedSurviving,
            supported.iter().filter(|f| operating(f)).count() as f64,
        );

        for s in self
            .milestones
            .iter()
            .filter(|s| s.zone == zone && s.planned <= end)
        {
            m.add(M::MilestonesDue, 1.0);
            if s.done.is_some_and(|d| d <= end) {
                m.add(M::MilestonesDone, 1.0);
            }
        }
        m
    }
}
