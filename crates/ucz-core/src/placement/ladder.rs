//! The space ladder of a region: which tenants graduate from incubation when, what expansion
//! space frees up when (the forecast the placement plans from), and how many graduates stayed
//! in the region (retention).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::{Need, PlacementPolicy, Vacancy};
use crate::date::Date;
use crate::lease::Lease;
use crate::zone::Site;

/// A space as the ladder sees it.
#[derive(Clone, Debug)]
pub struct Room {
    pub id: i64,
    pub hub: String,
    pub region: String,
    pub kind: String,
    pub area_m2: f64,
    pub rent_krw: Option<i64>,
    pub stages: Vec<String>,
    pub sectors: Vec<String>,
    pub equipment: Vec<String>,
    pub site: Option<Site>,
    /// Tenants of this room graduate when their lease ends (an incubation room).
    pub incubation: bool,
}

/// What a tenant will need when it graduates; what it does not say is taken from its room.
#[derive(Clone, Debug, Default)]
pub struct Tenant {
    pub firm: String,
    pub sector: String,
    pub stage: String,
    pub area_m2: Option<f64>,
    pub budget_krw: Option<i64>,
    pub equipment: Vec<String>,
    pub preferred_hubs: Vec<String>,
    /// Spaces proposed to it before and turned down.
    pub rejected: Vec<String>,
    /// The space the plan shown last proposed to it.
    pub previous: Option<String>,
}

/// Graduations and freeing spaces of one month.
#[derive(Clone, Debug, Serialize, PartialEq, schemars::JsonSchema)]
pub struct Month {
    /// `2027-03`.
    pub month: String,
    pub graduating: usize,
    pub freeing: usize,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Forecast {
    pub region: String,
    pub as_of: Date,
    pub until: Date,
    pub graduates: Vec<Need>,
    pub vacancies: Vec<Vacancy>,
    pub months: Vec<Month>,
}

/// What a plan covers: one 시·도, or a 광역경제권 (metropolitan economic region) with its member
/// 시·도, whose graduates may be placed in any of its hubs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    /// The 시·도 or 광역경제권 id.
    pub id: String,
    pub regions: Vec<String>,
}

impl Scope {
    /// One 시·도 on its own.
    pub fn region(id: &str) -> Self {
        Self {
            id: id.to_string(),
            regions: vec![id.to_string()],
        }
    }

    pub fn contains(&self, region: &str) -> bool {
        self.regions.iter().any(|r| r == region)
    }
}

/// The month of a day, as the forecast names it (`2027-03`).
pub fn month_of(day: Date) -> String {
    day.month_text()
}

/// The graduates of the incubation rooms of a scope (a 시·도 or a 광역경제권) whose leases end
/// from `as_of` for `horizon` months (and who hold no later lease yet), and the expansion spaces
/// (the policy's `expansion_kinds`) of the scope free by then, each from the day its last lease
/// ends. Every graduate may be placed anywhere in the scope.
/// Graduates grow: without a stated need, they look for the policy's `growth_factor` times the
/// room they leave.
pub fn forecast(
    scope: &Scope,
    rooms: &[Room],
    leases: &[Lease],
    tenants: &HashMap<String, Tenant>,
    as_of: Date,
    horizon_months: u32,
    policy: &PlacementPolicy,
) -> Forecast {
    let post_bi_kinds = &policy.expansion_kinds;
    let until = as_of.add_months(horizon_months as i32);
    let room_of: HashMap<i64, &Room> = rooms.iter().map(|r| (r.id, r)).collect();
    let mut graduates = Vec::new();
    for lease in leases {
        let Some(room) = room_of.get(&lease.space) else {
            continue;
        };
        // `ends` is the first day after the lease: a tenant whose last day falls in the horizon
        // needs space on `ends`, up to and including `until`.
        if !room.incubation
            || !scope.contains(&room.region)
            || lease.ends < as_of
            || lease.ends > until
        {
            continue;
        }
        let placed = leases
            .iter()
            .any(|l| l.firm == lease.firm && l.id != lease.id && l.starts >= lease.ends);
        if placed {
            continue;
        }
        let tenant = tenants.get(&lease.firm).cloned().unwrap_or_default();
        graduates.push(Need {
            firm: lease.firm.clone(),
            region: room.region.clone(),
            area: scope.id.clone(),
            needed_by: lease.ends,
            area_m2: tenant
                .area_m2
                .unwrap_or(room.area_m2 * policy.growth_factor),
            sector: tenant.sector,
            stage: tenant.stage,
            budget_krw: tenant.budget_krw,
            kinds: post_bi_kinds.to_vec(),
            equipment: tenant.equipment,
            preferred_hubs: tenant.preferred_hubs,
            site: room.site,
            excluded: tenant.rejected,
            previous: tenant.previous,
        });
    }
    graduates.sort_by(|a, b| (a.needed_by, &a.firm).cmp(&(b.needed_by, &b.firm)));
    let mut vacancies = Vec::new();
    for room in rooms {
        if !scope.contains(&room.region) || !post_bi_kinds.contains(&room.kind) {
            continue;
        }
        let free_from = leases
            .iter()
            .filter(|l| l.space == room.id && l.ends > as_of)
            .map(|l| l.ends)
            .max()
            .unwrap_or(as_of);
        if free_from > until {
            continue;
        }
        vacancies.push(Vacancy {
            space: room.id.to_string(),
            hub: room.hub.clone(),
            region: room.region.clone(),
            area: scope.id.clone(),
            kind: room.kind.clone(),
            area_m2: room.area_m2,
            rent_krw: room.rent_krw,
            stages: room.stages.clone(),
            sectors: room.sectors.clone(),
            equipment: room.equipment.clone(),
            site: room.site,
            free_from,
        });
    }
    let mut months: Vec<Month> = (0..=as_of.whole_months_until(until).max(0))
        .map(|m| Month {
            month: month_of(as_of.add_months(m)),
            graduating: 0,
            freeing: 0,
        })
        .collect();
    for g in &graduates {
        if let Some(m) = months.iter_mut().find(|m| m.month == month_of(g.needed_by)) {
            m.graduating += 1;
        }
    }
    for v in &vacancies {
        let key = month_of(v.free_from.max(as_of));
        if let Some(m) = months.iter_mut().find(|m| m.month == key) {
            m.freeing += 1;
        }
    }
    Forecast {
        region: scope.id.clone(),
        as_of,
        until,
        graduates,
        vacancies,
        months,
    }
}

/// Where a graduate went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A later lease in the scope followed, or a recorded move within it.
    Stayed,
    /// A later lease in another 시·도, or a recorded move to one.
    Left { to: String },
    /// Nothing recorded yet.
    Unknown,
}

#[derive(Clone, Debug)]
pub struct Graduation {
    pub firm: String,
    pub year: i32,
    pub outcome: Outcome,
}

/// Post-BI retention of one year's graduates.
#[derive(Clone, Debug, Serialize, PartialEq, schemars::JsonSchema)]
pub struct Retention {
    pub year: i32,
    pub graduates: usize,
    pub stayed: usize,
    /// Stayed, or left for another 시·도 of the same 광역경제권 (metropolitan economic region):
    /// the hubs of a 광역경제권 share their graduates.
    pub stayed_in_economic_region: usize,
    pub left: usize,
    /// Left for a 시·도 of the capital region outside the 광역경제권.
    pub left_for_capital_region: usize,
    pub unknown: usize,
    /// Stayed among those whose outcome is known.
    pub retention_rate: Option<f64>,
    /// The capital region's share of those who left.
    pub capital_share_of_leavers: Option<f64>,
}

/// Retention by year of graduation. `economic_region` lists the 시·도 of the 광역경제권 the
/// graduates' scope lies in (empty when unknown).
pub fn retention(
    graduations: &[Graduation],
    capital_regions: &[String],
    economic_region: &[String],
) -> Vec<Retention> {
    let mut years: BTreeMap<i32, Retention> = BTreeMap::new();
    for g in graduations {
        let r = years.entry(g.year).or_insert(Retention {
            year: g.year,
            graduates: 0,
            stayed: 0,
            stayed_in_economic_region: 0,
            left: 0,
            left_for_capital_region: 0,
            unknown: 0,
            retention_rate: None,
            capital_share_of_leavers: None,
        });
        r.graduates += 1;
        match &g.outcome {
            Outcome::Stayed => {
                r.stayed += 1;
                r.stayed_in_economic_region += 1;
            }
            Outcome::Left { to } => {
                r.left += 1;
                if economic_region.contains(to) {
                    r.stayed_in_economic_region += 1;
                } else if capital_regions.contains(to) {
                    r.left_for_capital_region += 1;
                }
            }
            Outcome::Unknown => r.unknown += 1,
        }
    }
    years
        .into_values()
        .map(|mut r| {
            let known = r.stayed + r.left;
            r.retention_rate = (known > 0).then(|| r.stayed as f64 / known as f64);
            r.capital_share_of_leavers =
                (r.left > 0).then(|| r.left_for_capital_region as f64 / r.left as f64);
            r
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Date {
        text.parse().expect("date")
    }

    fn room(id: i64, kind: &str, area: f64, incubation: bool) -> Room {
        Room {
            id,
            hub: "hub".into(),
            region: "daejeon".into(),
            kind: kind.into(),
            area_m2: area,
            rent_krw: None,
            stages: vec![],
            sectors: vec![],
            equipment: vec![],
            site: None,
            incubation,
        }
    }

    fn lease(id: i64, space: i64, firm: &str, starts: &str, ends: &str) -> Lease {
        Lease {
            id,
            space,
            firm: firm.into(),
            starts: d(starts),
            ends: d(ends),
            renewals: 0,
        }
    }

    /// A Busan incubator whose graduate needs 150 m²: Busan's only Post-BI office has 100, an
    /// Ulsan hub has 200 and a second Busan office as large frees up too late.
    fn southeast() -> (Vec<Room>, Vec<Lease>) {
        let at = |region: &str, hub: &str, mut r: Room, lat: f64, lon: f64| {
            r.region = region.into();
            r.hub = hub.into();
            r.site = Some(Site { lat, lon });
            r
        };
        let rooms = vec![
            at(
                "busan",
                "bs-bi",
                room(1, "incubation_room", 60.0, true),
                35.18,
                129.07,
            ),
            at(
                "busan",
                "bs-bi",
                room(2, "post_bi_office", 100.0, false),
                35.18,
                129.07,
            ),
            at(
                "ulsan",
                "us-hub",
                room(3, "post_bi_office", 200.0, false),
                35.54,
                129.31,
            ),
            at(
                "busan",
                "bs-late",
                room(4, "post_bi_office", 200.0, false),
                35.10,
                129.03,
            ),
        ];
        let leases = vec![
            lease(1, 1, "bs-grad", "2025-03-01", "2027-03-01"),
            lease(2, 4, "tenant", "2024-01-01", "2028-01-01"),
        ];
        (rooms, leases)
    }

    fn southeast_plan(scope: &Scope, rooms: &[Room], leases: &[Lease]) -> crate::placement::Plan {
        let mut tenants = HashMap::new();
        tenants.insert(
            "bs-grad".to_string(),
            Tenant {
                firm: "bs-grad".into(),
                sector: "J62".into(),
                stage: "growth".into(),
                area_m2: Some(150.0),
                ..Tenant::default()
            },
        );
        let catalog = crate::Catalog::bundled().unwrap_or_else(|e| panic!("{e}"));
        let f = forecast(
            scope,
            rooms,
            leases,
            &tenants,
            d("2027-01-01"),
            12,
            &catalog.placement,
        );
        crate::placement::plan(&f.graduates, &f.vacancies, &catalog.placement)
    }

    #[test]
    fn a_graduate_is_placed_anywhere_in_its_economic_region() {
        let catalog = crate::Catalog::bundled().unwrap_or_else(|e| panic!("{e}"));
        let dongnam = catalog
            .placement_scope("dongnam_area")
            .expect("동남권 in the catalog");
        assert!(dongnam.contains("busan") && dongnam.contains("ulsan"));
        let (rooms, leases) = southeast();
        let plan = southeast_plan(&dongnam, &rooms, &leases);
        assert_eq!(plan.proposals.len(), 1, "{plan:?}");
        let p = &plan.proposals[0];
        assert_eq!(
            (p.space.as_str(), p.hub.as_str(), p.region.as_str()),
            ("3", "us-hub", "ulsan")
        );
        let alone = southeast_plan(&Scope::region("busan"), &rooms, &leases);
        let named =
            crate::placement::Plan::reason_named(&alone.unplaced[0], &catalog, crate::Lang::Ko);
        assert!(
            named.contains("부산광역시")
                && !named.contains("busan")
                && !named.contains("post_bi_office"),
            "{named}"
        );
        assert!(alone.proposals.is_empty(), "{alone:?}");
        assert_eq!(
            alone.unplaced[0].reason_en,
            "no space of kind post_bi_office/rental_unit/lab ≥ 150 m² admitting J62 for the growth \
             stage in busan before 2027-03-01",
            "Busan's large office frees up only in 2028"
        );
    }

    #[test]
    fn within_the_economic_region_a_graduate_stays_in_its_province_when_it_can() {
        let (mut rooms, leases) = southeast();
        // An Ulsan space and a Busan one of the same fit: the shorter move wins.
        rooms.push(Room {
            id: 5,
            ..rooms[1].clone()
        });
        rooms[4].area_m2 = 200.0;
        let catalog = crate::Catalog::bundled().unwrap_or_else(|e| panic!("{e}"));
        let scope = catalog.placement_scope("dongnam_area").expect("동남권");
        let plan = southeast_plan(&scope, &rooms, &leases);
        assert_eq!(
            (
                plan.proposals[0].space.as_str(),
                plan.proposals[0].region.as_str()
            ),
            ("5", "busan"),
            "{plan:?}"
        );
    }

    #[test]
    fn graduations_and_freeing_spaces_by_month() {
        let rooms = [
            room(1, "incubation_room", 30.0, true),
            room(2, "incubation_room", 40.0, true),
            room(3, "incubation_room", 40.0, true),
            room(10, "post_bi_office", 100.0, false),
            room(11, "post_bi_office", 100.0, false),
            room(12, "post_bi_office", 100.0, false),
        ];
        let leases = [
            lease(1, 1, "a", "2025-03-01", "2027-03-01"),
            lease(2, 2, "b", "2025-06-01", "2027-06-01"),
            // c graduates after the horizon.
            lease(3, 3, "c", "2026-01-01", "2028-06-01"),
            // b already has its next space.
            lease(4, 10, "b", "2027-06-01", "2029-06-01"),
            // 11 frees in May; 12 is free now.
            lease(5, 11, "x", "2024-05-01", "2027-05-01"),
        ];
        let mut tenants = HashMap::new();
        tenants.insert(
            "a".to_string(),
            Tenant {
                firm: "a".into(),
                sector: "C26".into(),
                area_m2: Some(80.0),
                ..Tenant::default()
            },
        );
        let catalog = crate::Catalog::bundled().unwrap_or_else(|e| panic!("{e}"));
        let f = forecast(
            &Scope::region("daejeon"),
            &rooms,
            &leases,
            &tenants,
            d("2027-01-01"),
            12,
            &catalog.placement,
        );
        let firms: Vec<&str> = f.graduates.iter().map(|g| g.firm.as_str()).collect();
        assert_eq!(firms, ["a"], "b is placed, c graduates later");
        assert_eq!(
            (f.graduates[0].area_m2, f.graduates[0].needed_by),
            (80.0, d("2027-03-01"))
        );
        let free: Vec<(&str, Date)> = f
            .vacancies
            .iter()
            .map(|v| (v.space.as_str(), v.free_from))
            .collect();
        assert_eq!(free, [("11", d("2027-05-01")), ("12", d("2027-01-01"))]);
        assert_eq!(f.months.len(), 13, "from as_of's month through until's");
        assert_eq!(
            (f.months[0].month.as_str(), f.months[0].freeing),
            ("2027-01", 1)
        );
        assert_eq!((f.months[2].graduating, f.months[4].freeing), (1, 1));
    }

    #[test]
    fn retention_counts_known_outcomes_and_the_capital_regions_share() {
        let g = |firm: &str, year, outcome| Graduation {
            firm: firm.into(),
            year,
            outcome,
        };
        let left = |to: &str| Outcome::Left { to: to.into() };
        let figures = retention(
            &[
                g("a", 2026, Outcome::Stayed),
                g("b", 2026, left("seoul")),
                g("c", 2026, left("busan")),
                g("d", 2026, Outcome::Stayed),
                g("e", 2026, Outcome::Unknown),
                g("f", 2027, left("gyeonggi")),
            ],
            &["seoul".into(), "gyeonggi".into(), "incheon".into()],
            &["busan".into(), "ulsan".into(), "gyeongnam".into()],
        );
        assert_eq!(figures.len(), 2);
        assert_eq!(
            figures[0].stayed_in_economic_region, 3,
            "c left for Busan, a 시·도 of the same 광역경제권"
        );
        assert_eq!(
            (
                figures[0].graduates,
                figures[0].stayed,
                figures[0].left,
                figures[0].unknown
            ),
            (5, 2, 2, 1)
        );
        assert_eq!(figures[0].retention_rate, Some(0.5));
        assert_eq!(figures[0].capital_share_of_leavers, Some(0.5));
        assert_eq!(
            (
                figures[1].retention_rate,
                figures[1].capital_share_of_leavers
            ),
            (Some(0.0), Some(1.0))
        );
    }
}
