//! Post-BI placement: graduates of a region's incubators matched to the expansion spaces of its
//! hubs. The plan is optimal, not greedy: it places as many graduates as any assignment can, then
//! fits their needs and preferences best, then keeps them closest to where they are now
//! (lexicographically). Every graduate gets a proposed space with its reasons, or the reason no
//! space fits.

mod flow;
pub mod ladder;

use std::collections::HashMap;

use serde::Serialize;

pub use crate::catalog::{MisfitWeights, PlacementPolicy};
use crate::date::Date;
use crate::lang::Lang;
use crate::zone::Site;

/// A graduate looking for space.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Need {
    pub firm: String,
    pub region: String,
    /// The space must be free on or before this day (the end of its incubation lease).
    pub needed_by: Date,
    pub area_m2: f64,
    /// KSIC code of the firm, matched against the prefixes a space admits.
    pub sector: String,
    pub stage: String,
    /// Monthly rent it can pay, if known.
    pub budget_krw: Option<i64>,
    /// Space kinds it can use (Post-BI office, rental unit, lab).
    pub kinds: Vec<String>,
    /// Shared equipment it wants nearby (a preference).
    pub equipment: Vec<String>,
    /// Hubs it prefers (a preference).
    pub preferred_hubs: Vec<String>,
    /// Where it is now.
    pub site: Option<Site>,
    /// Spaces proposed to it before and turned down: not proposed again.
    #[serde(default)]
    pub excluded: Vec<String>,
}

/// A space free (or freeing up) in a hub of the region.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Vacancy {
    pub space: String,
    pub hub: String,
    pub region: String,
    pub kind: String,
    pub area_m2: f64,
    pub rent_krw: Option<i64>,
    /// Stages it admits; empty admits all.
    pub stages: Vec<String>,
    /// KSIC prefixes it admits; empty admits all.
    pub sectors: Vec<String>,
    pub equipment: Vec<String>,
    pub site: Option<Site>,
    pub free_from: Date,
}

/// Hard requirements: a graduate can only be proposed a space that meets all of them.
pub fn fits(need: &Need, space: &Vacancy) -> bool {
    fits_from(need, space, space.free_from)
}

/// [`fits`] for the space as if it freed up on `free_from` (a type of space by one of its days).
fn fits_from(need: &Need, space: &Vacancy, free_from: Date) -> bool {
    // Numbers before text: most spaces fail on area, rent or day, which cost no comparison of
    // strings.
    space.area_m2 >= need.area_m2
        && match (space.rent_krw, need.budget_krw) {
            (Some(rent), Some(budget)) => rent <= budget,
            _ => true,
        }
        && free_from <= need.needed_by
        && space.region == need.region
        && need.kinds.contains(&space.kind)
        && admits_sector(space, &need.sector)
        && (space.stages.is_empty() || space.stages.contains(&need.stage))
        && !need.excluded.contains(&space.space)
}

/// The hard requirements a space does not meet for a graduate, in words (empty when it fits).
pub fn unmet(need: &Need, space: &Vacancy) -> Vec<String> {
    let mut unmet = Vec::new();
    if space.region != need.region {
        unmet.push(format!("it is in {}, not in {}", space.region, need.region));
    }
    if !need.kinds.contains(&space.kind) {
        unmet.push(format!(
            "it is a {}, not one of {}",
            space.kind,
            need.kinds.join(", ")
        ));
    }
    if space.area_m2 < need.area_m2 {
        unmet.push(format!(
            "{} m² is less than the {} m² needed",
            space.area_m2, need.area_m2
        ));
    }
    if !admits_sector(space, &need.sector) {
        unmet.push(format!(
            "it admits sectors {}, not {}",
            space.sectors.join(", "),
            need.sector
        ));
    }
    if !space.stages.is_empty() && !space.stages.contains(&need.stage) {
        unmet.push(format!(
            "it admits stages {}, not {}",
            space.stages.join(", "),
            need.stage
        ));
    }
    if let (Some(rent), Some(budget)) = (space.rent_krw, need.budget_krw) {
        if rent > budget {
            unmet.push(format!(
                "its rent {rent} won is above the budget {budget} won"
            ));
        }
    }
    if space.free_from > need.needed_by {
        unmet.push(format!(
            "it frees up on {}, after {} when it is needed",
            space.free_from, need.needed_by
        ));
    }
    if need.excluded.contains(&space.space) {
        unmet.push("it was turned down for this graduate".into());
    }
    unmet
}

fn admits_sector(space: &Vacancy, sector: &str) -> bool {
    space.sectors.is_empty() || space.sectors.iter().any(|p| sector.starts_with(p.as_str()))
}

/// How well a fitting space suits the graduate, as a penalty in points (0 is perfect, at most
/// `MisfitWeights::max`), weighed as `catalog/placement.toml` says: outside its preferred hubs (a
/// graduate that states none is content anywhere, but one that prefers this hub comes first),
/// missing equipment it wants, much larger than needed, rent close to its budget.
pub fn misfit(need: &Need, space: &Vacancy, weights: &MisfitWeights) -> i64 {
    let mut penalty = 0;
    if need.preferred_hubs.is_empty() {
        penalty += weights.no_preferred_hub;
    } else if !need.preferred_hubs.contains(&space.hub) {
        penalty += weights.outside_preferred_hubs;
    }
    let missing = need
        .equipment
        .iter()
        .filter(|e| !space.equipment.contains(e))
        .count() as i64;
    penalty += missing
        .saturating_mul(weights.missing_equipment)
        .min(weights.missing_equipment_max);
    let oversize = ((space.area_m2 - need.area_m2) / need.area_m2.max(1.0)
        * 100.0
        * weights.oversize_per_percent as f64) as i64;
    penalty += oversize.clamp(0, weights.oversize_max);
    if let (Some(rent), Some(budget)) = (space.rent_krw, need.budget_krw) {
        let percent_points = rent.saturating_mul(100 * weights.rent_per_percent);
        penalty += (percent_points / budget.max(1)).clamp(0, weights.rent_max);
    }
    penalty
}

/// Great-circle distance in metres.
pub fn distance_m(a: Site, b: Site) -> f64 {
    let (la1, la2) = (a.lat.to_radians(), b.lat.to_radians());
    let dla = la2 - la1;
    let dlo = (b.lon - a.lon).to_radians();
    let h = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
    2.0 * 6_371_000.0 * h.sqrt().asin()
}

/// Distance counts in units of 100 m, up to this many: below one step of fit, so a better fit
/// always wins over a shorter move. Not a policy choice but the scaling that keeps the order of
/// the plan's aims (fit first, then distance) in one integer cost.
const DISTANCE_UNITS: i64 = 9_999;

fn distance_units(need: &Need, space: &Vacancy) -> i64 {
    match (need.site, space.site) {
        (Some(a), Some(b)) => ((distance_m(a, b) / 100.0).round() as i64).min(DISTANCE_UNITS),
        _ => 0,
    }
}

/// Days a space would stand empty before the graduate needs it: a space free early is better
/// kept for one who needs it early (`idle_days_per_point` of them weigh a misfit point).
fn idle_days(need: &Need, free_from: Date) -> i64 {
    (need.needed_by.days_since_epoch() - free_from.days_since_epoch()).max(0)
}

/// One step of fit, in cost units: above any distance.
const FIT_STEP: i64 = DISTANCE_UNITS + 1;

/// The cost the plan minimises among plans that place the most graduates: fit (misfit and idle
/// days) first, then distance. Linear in the day a space frees up, so the days of a space type
/// can form a chain in the network.
pub fn cost(need: &Need, space: &Vacancy, policy: &PlacementPolicy) -> i64 {
    cost_from(need, space, space.free_from, policy)
}

/// [`cost`] for the space as if it freed up on `free_from`.
fn cost_from(need: &Need, space: &Vacancy, free_from: Date, policy: &PlacementPolicy) -> i64 {
    (misfit(need, space, &policy.misfit) * policy.idle_days_per_point + idle_days(need, free_from))
        * FIT_STEP
        + distance_units(need, space)
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Proposal {
    pub firm: String,
    pub space: String,
    pub hub: String,
    pub misfit: i64,
    pub distance_km: Option<f64>,
    pub reasons_ko: Vec<String>,
    pub reasons_en: Vec<String>,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Unplaced {
    pub firm: String,
    /// Spaces that fit it, all proposed to other graduates: it waits for one to free up.
    pub fitting_spaces: usize,
    pub reason_ko: String,
    pub reason_en: String,
}

#[derive(Clone, Debug, Default, Serialize, schemars::JsonSchema)]
pub struct Plan {
    pub proposals: Vec<Proposal>,
    pub unplaced: Vec<Unplaced>,
    /// The sum of `cost` over the proposals.
    pub cost: i64,
}

/// Spaces that are interchangeable for every graduate, but for the day they free up, form one
/// type; a region with many identical rooms makes a small network.
fn type_key(v: &Vacancy) -> String {
    format!(
        "{}\u{1}{}\u{1}{}\u{1}{}\u{1}{:?}\u{1}{:?}\u{1}{:?}\u{1}{:?}\u{1}{:?}",
        v.hub,
        v.region,
        v.kind,
        v.area_m2,
        v.rent_krw,
        v.stages,
        v.sectors,
        v.equipment,
        v.site.map(|s| (s.lat.to_bits(), s.lon.to_bits())),
    )
}

/// A type of space: its members, and the days they free up (ascending, distinct).
struct SpaceType {
    members: Vec<usize>,
    days: Vec<Date>,
    /// How many members are free by each day (cumulative, in step with `days`).
    free_by: Vec<usize>,
    /// The network node of each day; a graduate enters at the last day it can use and may move
    /// to earlier ones along a chain.
    nodes: Vec<usize>,
}

/// The cost of leaving a graduate unplaced: more than any augmenting path can cost, so placing
/// one more graduate always pays, whatever moves it takes. A path has at most one arc into a
/// type per graduate it moves (each at most `max_arc`), plus chain arcs of at most the type's
/// span (`max_chain`).
fn unplaced_cost(graduates: usize, max_arc: i64, max_chain: i64) -> i64 {
    (graduates as i64 + 1)
        .checked_mul(max_arc.saturating_add(max_chain).saturating_add(1))
        .and_then(|c| c.checked_add(1))
        // Beyond this the sums of a path could overflow; no real region comes near it.
        .unwrap_or(i64::MAX / 8)
        .min(i64::MAX / 8)
}

/// The optimal plan (see the module's documentation).
///
/// The network: each graduate can go to a type of space it fits (at the cost of that fit and
/// distance), entering at the last day it can move in, or stay unplaced (`unplaced_cost`); the
/// days of a type form a chain towards earlier days; each day's spaces flow to the sink.
/// Graduates are routed one by one along cheapest paths, which may move earlier graduates
/// elsewhere.
pub fn plan(needs: &[Need], vacancies: &[Vacancy], policy: &PlacementPolicy) -> Plan {
    let types = space_types(needs, vacancies);
    let mut network = PlanNetwork::build(needs, vacancies, types, policy);
    network.solve();
    network.read(needs, vacancies, policy)
}

/// Groups the vacancies into types (`type_key`), each with its days in ascending order and a
/// network node per day, numbered after the graduates and the sink.
fn space_types(needs: &[Need], vacancies: &[Vacancy]) -> Vec<SpaceType> {
    let mut types: Vec<SpaceType> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    // A space someone turned down is not interchangeable with its twins: it is a type alone.
    let excluded: std::collections::HashSet<&str> = needs
        .iter()
        .flat_map(|n| n.excluded.iter().map(String::as_str))
        .collect();
    for (i, v) in vacancies.iter().enumerate() {
        let next = types.len();
        let key = if excluded.contains(v.space.as_str()) {
            format!("{}\u{2}{}", type_key(v), v.space)
        } else {
            type_key(v)
        };
        let t = *index.entry(key).or_insert(next);
        if t == next {
            types.push(SpaceType {
                members: Vec::new(),
                days: Vec::new(),
                free_by: Vec::new(),
                nodes: Vec::new(),
            });
        }
        types[t].members.push(i);
    }
    let mut nodes = needs.len() + 1;
    for t in &mut types {
        t.members.sort_by_key(|&m| vacancies[m].free_from);
        let free_from: Vec<Date> = t.members.iter().map(|&m| vacancies[m].free_from).collect();
        t.days = free_from.clone();
        t.days.dedup();
        t.free_by = t
            .days
            .iter()
            .map(|day| free_from.partition_point(|d| d <= day))
            .collect();
        t.nodes = (nodes..nodes + t.days.len()).collect();
        nodes += t.days.len();
    }
    types
}

/// A type of space a graduate fits: the node it enters at and the cost of the arc.
struct Candidate {
    need: usize,
    space_type: usize,
    node: usize,
    cost: i64,
}

/// The types of space each graduate fits, with how many spaces of them it could use.
fn candidates(
    needs: &[Need],
    vacancies: &[Vacancy],
    types: &[SpaceType],
    policy: &PlacementPolicy,
) -> (Vec<Candidate>, Vec<usize>) {
    // Types by region, largest area first, so a graduate scans only those that can hold it.
    let mut by_region: HashMap<&str, Vec<usize>> = HashMap::new();
    for (t, space_type) in types.iter().enumerate() {
        by_region
            .entry(vacancies[space_type.members[0]].region.as_str())
            .or_default()
            .push(t);
    }
    let area = |t: usize| vacancies[types[t].members[0]].area_m2;
    for list in by_region.values_mut() {
        list.sort_by(|a, b| area(*b).total_cmp(&area(*a)));
    }
    let mut candidates = Vec::new();
    let mut fitting = vec![0usize; needs.len()];
    for (n, need) in needs.iter().enumerate() {
        for &t in by_region.get(need.region.as_str()).into_iter().flatten() {
            let space = &vacancies[types[t].members[0]];
            if space.area_m2 < need.area_m2 {
                break;
            }
            // All but the day first (a type's spaces differ in nothing else), then the last day
            // of the type it can move in by.
            if !fits_from(need, space, need.needed_by) {
                continue;
            }
            let usable = types[t].days.partition_point(|d| *d <= need.needed_by);
            if usable == 0 {
                continue;
            }
            // Entering at the last usable day; earlier days cost their idle days on the chain.
            let entry = types[t].days[usable - 1];
            fitting[n] += types[t].free_by[usable - 1];
            candidates.push(Candidate {
                need: n,
                space_type: t,
                node: types[t].nodes[usable - 1],
                cost: cost_from(need, space, entry, policy),
            });
        }
    }
    (candidates, fitting)
}

/// The flow network of a plan, with the arcs its answer is read from.
struct PlanNetwork {
    net: flow::Network,
    graduates: usize,
    sink: usize,
    types: Vec<SpaceType>,
    /// The arc from each day node to the sink: its flow is how many of that day's spaces are used.
    day_arcs: Vec<Vec<usize>>,
    /// (graduate, type, arc) of every candidate.
    edges: Vec<(usize, usize, usize)>,
    /// Spaces that fit each graduate, by the day it needs one.
    fitting: Vec<usize>,
}

impl PlanNetwork {
    fn build(
        needs: &[Need],
        vacancies: &[Vacancy],
        types: Vec<SpaceType>,
        policy: &PlacementPolicy,
    ) -> Self {
        let sink = needs.len();
        let nodes = types.iter().map(|t| t.days.len()).sum::<usize>() + sink + 1;
        let mut net = flow::Network::new(nodes);
        let mut day_arcs: Vec<Vec<usize>> = vec![Vec::new(); types.len()];
        for (ti, t) in types.iter().enumerate() {
            for (k, day) in t.days.iter().enumerate() {
                let count = t
                    .members
                    .iter()
                    .filter(|&&m| vacancies[m].free_from == *day)
                    .count();
                day_arcs[ti].push(net.arc(t.nodes[k], sink, count as i32, 0));
                if k > 0 {
                    // Taking a space that frees earlier costs the days it would stand empty.
                    let earlier = day.days_since_epoch() - t.days[k - 1].days_since_epoch();
                    net.arc(t.nodes[k], t.nodes[k - 1], i32::MAX / 2, earlier * FIT_STEP);
                }
            }
        }
        let (candidates, fitting) = candidates(needs, vacancies, &types, policy);
        let max_arc = candidates.iter().map(|c| c.cost).max().unwrap_or(0);
        let max_chain = types
            .iter()
            .map(|t| match (t.days.first(), t.days.last()) {
                (Some(first), Some(last)) => {
                    (last.days_since_epoch() - first.days_since_epoch()) * FIT_STEP
                }
                _ => 0,
            })
            .max()
            .unwrap_or(0);
        let unplaced_arc = unplaced_cost(needs.len(), max_arc, max_chain);
        let edges = candidates
            .into_iter()
            .map(|c| (c.need, c.space_type, net.arc(c.need, c.node, 1, c.cost)))
            .collect();
        for n in 0..needs.len() {
            net.arc(n, sink, 1, unplaced_arc);
        }
        Self {
            net,
            graduates: needs.len(),
            sink,
            types,
            day_arcs,
            edges,
            fitting,
        }
    }

    /// Routes every graduate; each can at least stay unplaced, so each finds a route.
    fn solve(&mut self) {
        for n in 0..self.graduates {
            let _ = self.net.route(n, self.sink);
        }
    }

    /// Which type each graduate got; then concrete spaces, earliest deadline first taking the
    /// earliest-free space of its type (the flow guarantees this succeeds); then the reasons.
    fn read(&self, needs: &[Need], vacancies: &[Vacancy], policy: &PlacementPolicy) -> Plan {
        let mut by_type: Vec<Vec<usize>> = vec![Vec::new(); self.types.len()];
        for &(n, t, arc) in &self.edges {
            if self.net.flow(arc) > 0 {
                by_type[t].push(n);
            }
        }
        let mut proposals = Vec::new();
        let mut total = 0;
        let mut got = vec![false; needs.len()];
        for (t, mut graduates) in by_type.into_iter().enumerate() {
            graduates.sort_by_key(|&n| needs[n].needed_by);
            let mut free = self.used_spaces(t, vacancies).into_iter();
            for n in graduates {
                match free.next() {
                    Some(m) if vacancies[m].free_from <= needs[n].needed_by => {
                        total += cost(&needs[n], &vacancies[m], policy);
                        got[n] = true;
                        proposals.push(proposal(&needs[n], &vacancies[m], &policy.misfit));
                    }
                    _ => {}
                }
            }
        }
        let unplaced = needs
            .iter()
            .enumerate()
            .filter(|(n, _)| !got[*n])
            .map(|(n, need)| unplaced(need, vacancies, &self.types, self.fitting[n]))
            .collect();
        Plan {
            proposals,
            unplaced,
            cost: total,
        }
    }

    /// Exactly the spaces of a type the flow used (of each day, as many as its arc carries):
    /// which days are used decides the idle days; who gets which is then any feasible pairing.
    fn used_spaces(&self, t: usize, vacancies: &[Vacancy]) -> Vec<usize> {
        let space_type = &self.types[t];
        let mut used = Vec::new();
        for (k, day) in space_type.days.iter().enumerate() {
            let take = self.net.flow(self.day_arcs[t][k]).max(0) as usize;
            used.extend(
                space_type
                    .members
                    .iter()
                    .copied()
                    .filter(|&m| vacancies[m].free_from == *day)
                    .take(take),
            );
        }
        used
    }
}

fn won(n: i64) -> String {
    crate::report::thousands(n as f64)
}

fn proposal(need: &Need, space: &Vacancy, weights: &MisfitWeights) -> Proposal {
    let distance = match (need.site, space.site) {
        (Some(a), Some(b)) => Some((distance_m(a, b) / 100.0).round() / 10.0),
        _ => None,
    };
    let mut ko = vec![format!(
        "{} m² (필요 {} m²)",
        crate::report::thousands(space.area_m2),
        crate::report::thousands(need.area_m2)
    )];
    let mut en = vec![format!(
        "{} m² ({} m² needed)",
        crate::report::thousands(space.area_m2),
        crate::report::thousands(need.area_m2)
    )];
    if !space.sectors.is_empty() {
        ko.push(format!("업종 {} 입주 가능", need.sector));
        en.push(format!("admits sector {}", need.sector));
    }
    if let (Some(rent), Some(budget)) = (space.rent_krw, need.budget_krw) {
        ko.push(format!(
            "월 임대료 {}원 ≤ 예산 {}원",
            won(rent),
            won(budget)
        ));
        en.push(format!(
            "rent {} won ≤ budget {} won",
            won(rent),
            won(budget)
        ));
    }
    if need.preferred_hubs.contains(&space.hub) {
        ko.push("희망 거점".into());
        en.push("a preferred hub".into());
    }
    let wanted: Vec<&String> = need
        .equipment
        .iter()
        .filter(|e| space.equipment.contains(e))
        .collect();
    if !wanted.is_empty() {
        let list = wanted
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        ko.push(format!("공동장비: {list}"));
        en.push(format!("equipment: {list}"));
    }
    if let Some(km) = distance {
        ko.push(format!("현 위치에서 {km} km"));
        en.push(format!("{km} km from its current site"));
    }
    ko.push(format!("{}부터 입주 가능", space.free_from));
    en.push(format!("free from {}", space.free_from));
    Proposal {
        firm: need.firm.clone(),
        space: space.space.clone(),
        hub: space.hub.clone(),
        misfit: misfit(need, space, weights),
        distance_km: distance,
        reasons_ko: ko,
        reasons_en: en,
    }
}

/// Why no space was proposed: the requirements in order, up to the first that no space of the
/// region meets ("no space ≥ 200 m² admitting C26 in daejeon before 2027-03-31"), or that every
/// fitting space went to another graduate.
/// Why a graduate got no space. The requirements are checked one by one against the types of
/// space (`space_types`: the spaces that differ only in the day they free up) rather than every
/// space, each type by its first member and its earliest day.
fn unplaced(need: &Need, vacancies: &[Vacancy], types: &[SpaceType], fitting: usize) -> Unplaced {
    if fitting > 0 {
        return Unplaced {
            firm: need.firm.clone(),
            fitting_spaces: fitting,
            reason_ko: if fitting == 1 {
                "맞는 공간 1곳이 다른 졸업기업에 배정됨 (대기자 명단)".to_string()
            } else {
                format!("맞는 공간 {fitting}곳이 모두 다른 졸업기업에 배정됨 (대기자 명단)")
            },
            reason_en: if fitting == 1 {
                "the one fitting space is proposed to another graduate (waitlisted)".to_string()
            } else {
                format!("all {fitting} fitting spaces are proposed to other graduates (waitlisted)")
            },
        };
    }
    type Filter<'a> = (Box<dyn Fn(&Vacancy, Date) -> bool + 'a>, String, String);
    let filters: Vec<Filter> = vec![
        (
            Box::new(|v: &Vacancy, _| v.region == need.region),
            format!("{} 지역", need.region),
            format!("in {}", need.region),
        ),
        (
            Box::new(|v: &Vacancy, _| need.kinds.contains(&v.kind)),
            format!("{} 유형", need.kinds.join("/")),
            format!("of kind {}", need.kinds.join("/")),
        ),
        (
            Box::new(|v: &Vacancy, _| v.area_m2 >= need.area_m2),
            format!("{} m² 이상", crate::report::thousands(need.area_m2)),
            format!("≥ {} m²", crate::report::thousands(need.area_m2)),
        ),
        (
            Box::new(|v: &Vacancy, _| admits_sector(v, &need.sector)),
            format!("업종 {} 입주 가능", need.sector),
            format!("admitting {}", need.sector),
        ),
        (
            Box::new(|v: &Vacancy, _| v.stages.is_empty() || v.stages.contains(&need.stage)),
            format!("{} 단계 입주 가능", need.stage),
            format!("for the {} stage", need.stage),
        ),
        (
            Box::new(|v: &Vacancy, _| match (v.rent_krw, need.budget_krw) {
                (Some(rent), Some(budget)) => rent <= budget,
                _ => true,
            }),
            format!("월 {}원 이하", won(need.budget_krw.unwrap_or(0))),
            format!("at most {} won a month", won(need.budget_krw.unwrap_or(0))),
        ),
        (
            Box::new(|_: &Vacancy, earliest: Date| earliest <= need.needed_by),
            format!("{}까지 입주 가능", need.needed_by),
            format!("before {}", need.needed_by),
        ),
    ];
    let mut remaining: Vec<(&Vacancy, Date)> = types
        .iter()
        .filter_map(|t| Some((&vacancies[*t.members.first()?], *t.days.first()?)))
        .collect();
    let (mut ko, mut en) = (Vec::new(), Vec::new());
    for (keep, words_ko, words_en) in &filters {
        if need.budget_krw.is_none() && words_en.starts_with("at most") {
            continue;
        }
        ko.push(words_ko.clone());
        en.push(words_en.clone());
        remaining.retain(|(v, earliest)| keep(v, *earliest));
        if remaining.is_empty() {
            break;
        }
    }
    // Order the words as one reads them: "no space ≥ 200 m² admitting C26 in daejeon before …".
    let en_order = |words: &[String]| {
        let last = |w: &str| match w {
            w if w.starts_with("in ") => 1,
            w if w.starts_with("before ") => 2,
            _ => 0,
        };
        let mut sorted: Vec<&String> = words.iter().collect();
        sorted.sort_by_key(|w| last(w));
        sorted
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    };
    Unplaced {
        firm: need.firm.clone(),
        fitting_spaces: 0,
        reason_ko: format!("{} 공간 없음", ko.join(", ")),
        reason_en: format!("no space {}", en_order(&en)),
    }
}

impl Plan {
    /// The reasons in one language.
    pub fn reason(unplaced: &Unplaced, lang: Lang) -> &str {
        lang.pick(&unplaced.reason_ko, &unplaced.reason_en)
    }
}

#[cfg(test)]
mod tests;
