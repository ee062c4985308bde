//! The operations records an evaluation reads, as plain facts the service gathers from the
//! store, and the measures of a zone's year computed from them (definitions in
//! [`super::measure::MeasureId`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};

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
    /// The investment record's id.
    pub id: String,
    pub investor: String,
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
    /// The milestone's id.
    pub id: String,
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
    /// The measures of `zone` in `year` (indexing the dataset for this one call; an evaluation of
    /// many zones and years indexes once: [`Index`]).
    pub fn measures(&self, zone: &str, year: i32) -> Measures {
        Index::new(self).measures(zone, year)
    }
}

/// A dataset indexed by firm and zone, so that a zone's year reads only its own records.
pub struct Index<'a> {
    data: &'a Dataset,
    /// Each firm with its leases (by start) and filings (by the end of the period).
    entries: Vec<Entry<'a>>,
    firms: HashMap<&'a str, usize>,
    /// The firms (entries) a zone may count: registered in it, or leasing its space at some time.
    candidates: HashMap<&'a str, Vec<usize>>,
    zone_leases: HashMap<&'a str, Vec<&'a LeaseFact>>,
    investments: HashMap<(&'a str, i32), Vec<&'a InvestmentFact>>,
    booked: HashMap<(&'a str, i32), i64>,
    awards: HashMap<&'a str, Vec<&'a AwardFact>>,
    milestones: HashMap<&'a str, Vec<&'a MilestoneFact>>,
}

struct Entry<'a> {
    firm: &'a FirmFact,
    leases: Vec<&'a LeaseFact>,
    filings: Vec<&'a FilingFact>,
}

impl Entry<'_> {
    /// Whether the firm is the zone's on a day.
    fn in_zone(&self, zone: &str, day: Date) -> bool {
        let f = self.firm;
        f.founded.is_none_or(|d| d <= day)
            && f.closed.is_none_or(|c| c > day)
            && (f.zone == zone
                || self
                    .leases
                    .iter()
                    .any(|l| l.zone == zone && l.starts <= day && day < l.ends))
    }

    /// Its jobs on a day: its latest filing with jobs up to that day, else its record.
    /// Employees and youth employees on a day, and the filing they come from (none: the
    /// firm's record).
    fn jobs(&self, day: Date) -> (i64, i64, Option<Date>) {
        // The latest filing by then; before the first filing, the first (an older figure is a
        // better guess of the past than the record's, which is today's).
        let mut filed = self.filings.iter().filter(|x| x.employees.is_some());
        let filed = filed
            .clone()
            .rfind(|x| x.period_end <= day)
            .or_else(|| filed.next());
        match filed {
            Some(x) => (
                x.employees.unwrap_or_default(),
                x.youth_employees.unwrap_or_default(),
                Some(x.period_end),
            ),
            None => (self.firm.employees, self.firm.youth_employees, None),
        }
    }
}

impl<'a> Index<'a> {
    pub fn new(data: &'a Dataset) -> Index<'a> {
        let mut index = Index {
            data,
            entries: data
                .firms
                .iter()
                .map(|firm| Entry {
                    firm,
                    leases: Vec::new(),
                    filings: Vec::new(),
                })
                .collect(),
            firms: data
                .firms
                .iter()
                .enumerate()
                .map(|(i, f)| (f.id.as_str(), i))
                .collect(),
            candidates: HashMap::new(),
            zone_leases: HashMap::new(),
            investments: HashMap::new(),
            booked: HashMap::new(),
            awards: HashMap::new(),
            milestones: HashMap::new(),
        };
        for (i, f) in data.firms.iter().enumerate() {
            index.candidates.entry(&f.zone).or_default().push(i);
        }
        for l in &data.leases {
            let firm = index.firms.get(l.firm.as_str()).copied();
            if let Some(i) = firm {
                index.entries[i].leases.push(l);
            }
            if !l.zone.is_empty() {
                if let Some(i) = firm {
                    index.candidates.entry(&l.zone).or_default().push(i);
                }
                index.zone_leases.entry(&l.zone).or_default().push(l);
            }
        }
        for x in &data.filings {
            if let Some(i) = index.firms.get(x.firm.as_str()) {
                index.entries[*i].filings.push(x);
            }
        }
        for e in &mut index.entries {
            e.leases.sort_by_key(|l| l.starts);
            e.filings.sort_by_key(|x| x.period_end);
        }
        for v in index.candidates.values_mut() {
            v.sort_unstable();
            v.dedup();
        }
        for i in &data.investments {
            index
                .investments
                .entry((&i.zone, year_of(i.day)))
                .or_default()
                .push(i);
        }
        for b in data.bookings.iter().filter(|b| b.used) {
            *index.booked.entry((&b.zone, year_of(b.day))).or_default() += b.minutes;
        }
        for a in &data.awards {
            index.awards.entry(&a.zone).or_default().push(a);
        }
        for s in &data.milestones {
            index.milestones.entry(&s.zone).or_default().push(s);
        }
        index
    }

    fn entry(&self, firm: &str) -> Option<&Entry<'a>> {
        self.firms.get(firm).map(|i| &self.entries[*i])
    }

    /// The measures of `zone` in `year`.
    pub fn measures(&self, zone: &str, year: i32) -> Measures {
        let mut m = Measures::default();
        self.walk(zone, year, &mut m);
        m
    }

    /// The records behind one measure of `zone` in `year`, each with what it adds.
    pub fn evidence(&self, zone: &str, year: i32, measure: M) -> Vec<Evidence> {
        let mut trail = Trail {
            measure,
            records: Vec::new(),
        };
        self.walk(zone, year, &mut trail);
        trail.records
    }

    /// Walks the records of `zone` in `year` once, telling `m` what each adds to which measure:
    /// the sums and the drill-down read the same walk.
    fn walk<T: Tally>(&self, zone: &str, year: i32, m: &mut T) {
        let Some(z) = self.data.zones.iter().find(|z| z.id == zone) else {
            return;
        };
        let (Some(end), Some(before)) = (Date::new(year, 12, 31), Date::new(year - 1, 12, 31))
        else {
            return;
        };
        m.set(M::AreaKm2, z.area_km2);
        m.set(M::Principles, f64::from(z.principles));
        m.set(M::PrinciplesMet, f64::from(z.principles_met));

        let candidates = self.candidates.get(zone).into_iter().flatten();
        for e in candidates.map(|i| &self.entries[*i]) {
            let f = e.firm;
            let now_here = e.in_zone(zone, end);
            let then_here = e.in_zone(zone, before);
            if now_here {
                m.add(M::Firms, 1.0, || Evidence::firm(f, f.founded));
                let (jobs, youth, filed) = e.jobs(end);
                m.add(M::Jobs, jobs as f64, || Evidence::jobs(f, filed, jobs));
                m.add(M::YouthJobs, youth as f64, || {
                    Evidence::jobs(f, filed, youth)
                });
            }
            if then_here {
                let (jobs, _, filed) = e.jobs(before);
                m.add(M::JobsBefore, jobs as f64, || {
                    Evidence::jobs(f, filed, jobs)
                });
            }
            if f.zone == zone && f.founded.is_some_and(|d| year_of(d) == year) {
                m.add(M::FirmsFounded, 1.0, || Evidence::firm(f, f.founded));
            }
            // Investment filed for periods ending in the year by the zone's firms of the year.
            if now_here || then_here {
                for x in e.filings.iter().filter(|x| year_of(x.period_end) == year) {
                    m.add(M::Investment, x.investment_krw as f64, || Evidence {
                        kind: "filing",
                        firm: Some(f.id.clone()),
                        id: None,
                        day: Some(x.period_end),
                        value: x.investment_krw as f64,
                    });
                }
            }
            // Attracted: its first lease in the zone starts in the year, founded before it.
            let first = e.leases.iter().find(|l| l.zone == zone);
            if first.is_some_and(|l| year_of(l.starts) == year)
                && f.founded.is_none_or(|d| year_of(d) < year)
            {
                m.add(M::FirmsAttracted, 1.0, || {
                    Evidence::firm(f, first.map(|l| l.starts))
                });
            }
        }
        for i in self.investments.get(&(zone, year)).into_iter().flatten() {
            m.add(M::Investment, i.amount_krw as f64, || Evidence {
                kind: "investment",
                firm: None,
                id: Some(format!("{} ({})", i.id, i.investor)),
                day: Some(i.day),
                value: i.amount_krw as f64,
            });
        }

        // Incubation: rooms, turnover, graduates and where they went.
        m.set(M::IncubationRooms, f64::from(z.incubation_rooms));
        for l in self.zone_leases.get(zone).into_iter().flatten() {
            // A lease's last day is the day before `ends`.
            if !l.incubation || year_of(l.ends.add_days(-1)) != year {
                continue;
            }
            m.add(M::IncubationExits, 1.0, || Evidence::lease(l));
            if l.end != LeaseEnd::Graduated {
                continue;
            }
            m.add(M::Graduates, 1.0, || Evidence::lease(l));
            // Its next place: the firm's next lease, else where the lease says it went.
            let next = self
                .entry(&l.firm)
                .and_then(|e| {
                    e.leases
                        .iter()
                        .find(|n| n.starts > l.starts && n.starts >= l.ends.add_days(-1))
                })
                .map(|n| n.province.clone())
                .or_else(|| l.left_to.clone());
            if let Some(province) = next {
                if z.region_provinces.contains(&province) {
                    m.add(M::GraduatesInRegion, 1.0, || Evidence::lease(l));
                }
                if self.data.capital_provinces.contains(&province) {
                    m.add(M::GraduatesToCapital, 1.0, || Evidence::lease(l));
                }
            }
        }

        if let Some(minutes) = self.booked.get(&(zone, year)) {
            m.set(M::BookedMinutes, *minutes as f64);
        }
        if let Some(open) = self.data.open_minutes.get(&(zone.to_string(), year)) {
            m.set(M::OpenMinutes, *open as f64);
        }

        // Support: applications, awards, and the survival of firms supported three years before.
        let mut supported = BTreeSet::new();
        for a in self.awards.get(zone).into_iter().flatten() {
            if a.submitted.is_some_and(|d| year_of(d) == year) {
                m.add(M::Applications, 1.0, || {
                    Evidence::award(a, a.submitted, 1.0)
                });
            }
            if let Some(d) = a.selected {
                if year_of(d) == year {
                    m.add(M::Awards, 1.0, || Evidence::award(a, Some(d), 1.0));
                    m.add(M::AwardAmount, a.amount_krw as f64, || {
                        Evidence::award(a, Some(d), a.amount_krw as f64)
                    });
                }
                if year_of(d) == year - 3 {
                    supported.insert(a.firm.as_str());
                }
            }
        }
        for firm in &supported {
            let closed = self.entry(firm).and_then(|e| e.firm.closed);
            let evidence = || Evidence {
                kind: "firm",
                firm: Some(firm.to_string()),
                id: None,
                day: closed,
                value: 1.0,
            };
            m.add(M::SupportedThreeYearsAgo, 1.0, evidence);
            if self.entry(firm).is_some() && closed.is_none_or(|c| c > end) {
                m.add(M::SupportedSurviving, 1.0, evidence);
            }
        }

        for s in self.milestones.get(zone).into_iter().flatten() {
            if s.planned <= end {
                let evidence = || Evidence {
                    kind: "milestone",
                    firm: None,
                    id: Some(s.id.clone()),
                    day: s.done.or(Some(s.planned)),
                    value: 1.0,
                };
                m.add(M::MilestonesDue, 1.0, evidence);
                if s.done.is_some_and(|d| d <= end) {
                    m.add(M::MilestonesDone, 1.0, evidence);
                }
            }
        }
    }
}

/// A record behind a measure: what it is, the firm it is of, its id, its day and what it adds.
#[derive(Clone, Debug, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct Evidence {
    /// `firm`, `jobs` (a firm's employees, filed or on its record), `filing`, `lease`,
    /// `investment`, `application`, `award` or `milestone`.
    pub kind: &'static str,
    pub firm: Option<String>,
    pub id: Option<String>,
    pub day: Option<Date>,
    pub value: f64,
}

impl Evidence {
    fn firm(f: &FirmFact, day: Option<Date>) -> Evidence {
        Evidence {
            kind: "firm",
            firm: Some(f.id.clone()),
            id: None,
            day,
            value: 1.0,
        }
    }

    fn jobs(f: &FirmFact, filed: Option<Date>, value: i64) -> Evidence {
        Evidence {
            kind: "jobs",
            firm: Some(f.id.clone()),
            id: None,
            day: filed,
            value: value as f64,
        }
    }

    fn lease(l: &LeaseFact) -> Evidence {
        Evidence {
            kind: "lease",
            firm: Some(l.firm.clone()),
            id: None,
            day: Some(l.ends.add_days(-1)),
            value: 1.0,
        }
    }

    fn award(a: &AwardFact, day: Option<Date>, value: f64) -> Evidence {
        Evidence {
            kind: if a.selected.is_some() && day == a.selected {
                "award"
            } else {
                "application"
            },
            firm: Some(a.firm.clone()),
            id: None,
            day,
            value,
        }
    }
}

/// What a walk over a zone's year tells: a value added to a measure with the record it comes
/// from (made only if wanted), or a measure's value set whole (a fact of the zone).
trait Tally {
    fn add(&mut self, measure: M, value: f64, evidence: impl FnOnce() -> Evidence);
    fn set(&mut self, measure: M, value: f64);
}

impl Tally for Measures {
    fn add(&mut self, measure: M, value: f64, _: impl FnOnce() -> Evidence) {
        Measures::add(self, measure, value);
    }
    fn set(&mut self, measure: M, value: f64) {
        Measures::set(self, measure, value);
    }
}

/// The records behind one measure.
struct Trail {
    measure: M,
    records: Vec<Evidence>,
}

impl Tally for Trail {
    fn add(&mut self, measure: M, _: f64, evidence: impl FnOnce() -> Evidence) {
        if measure == self.measure {
            self.records.push(evidence());
        }
    }
    fn set(&mut self, _: M, _: f64) {}
}
