//! Post-BI placement: graduates of a region's incubators matched to the expansion spaces of its
//! hubs. The plan is optimal, not greedy: it places as many graduates as any assignment can, then
//! fits their needs and preferences best, then keeps them closest to where they are now
//! (lexicographically). Every graduate gets a proposed space with its reasons, or the reason no
//! space fits.

mod flow;
mod index;
pub mod ladder;

use serde::Serialize;

pub use crate::catalog::{MisfitWeights, PlacementPolicy};
use crate::date::Date;
use crate::lang::Lang;
use crate::zone::Site;

/// A graduate looking for space.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Need {
    pub firm: String,
    /// The 시·도 it graduates in.
    pub region: String,
    /// Where it may be placed: the id of the 시·도 or of the 광역경제권 (metropolitan economic
    /// region) the plan covers. A space fits only in the same area.
    pub area: String,
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
    /// The space the plan shown last proposed to it: kept whenever an optimal plan can keep it
    /// (see [`plan`]).
    #[serde(default)]
    pub previous: Option<String>,
}

/// A space free (or freeing up) in a hub of the region.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Vacancy {
    pub space: String,
    pub hub: String,
    /// The 시·도 of its hub.
    pub region: String,
    /// The plan's area it is offered in (see [`Need::area`]).
    pub area: String,
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
    // Numbers before text: most spaces fail on area, rent or day, which cost no comparison of
    // strings.
    space.area_m2 >= need.area_m2
        && match (space.rent_krw, need.budget_krw) {
            (Some(rent), Some(budget)) => rent <= budget,
            _ => true,
        }
        && space.free_from <= need.needed_by
        && space.area == need.area
        && need.kinds.contains(&space.kind)
        && admits_sector(&space.sectors, &need.sector)
        && admits_stage(&space.stages, &need.stage)
        && !need.excluded.contains(&space.space)
}

/// The hard requirements a space does not meet for a graduate, in words (empty when it fits).
pub fn unmet(need: &Need, space: &Vacancy) -> Vec<String> {
    let mut unmet = Vec::new();
    if space.area != need.area {
        unmet.push(format!("it is in {}, not in {}", space.area, need.area));
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
    if !admits_sector(&space.sectors, &need.sector) {
        unmet.push(format!(
            "it admits sectors {}, not {}",
            space.sectors.join(", "),
            need.sector
        ));
    }
    if !admits_stage(&space.stages, &need.stage) {
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

/// A space admits a sector when it lists no prefixes or one the sector's code starts with.
fn admits_sector(sectors: &[String], sector: &str) -> bool {
    sectors.is_empty() || sectors.iter().any(|p| sector.starts_with(p.as_str()))
}

/// A space admits a stage when it lists none or that one.
fn admits_stage(stages: &[String], stage: &str) -> bool {
    stages.is_empty() || stages.iter().any(|s| s == stage)
}

/// How well a fitting space suits the graduate, as a penalty in points (0 is perfect, at most
/// `MisfitWeights::max`), weighed as `catalog/placement.toml` says: outside its preferred hubs (a
/// graduate that states none is content anywhere, but one that prefers this hub comes first),
/// missing equipment it wants, much larger than needed, rent close to its budget.
pub fn misfit(need: &Need, space: &Vacancy, weights: &MisfitWeights) -> i64 {
    let hub = if need.preferred_hubs.is_empty() {
        weights.no_preferred_hub
    } else if !need.preferred_hubs.contains(&space.hub) {
        weights.outside_preferred_hubs
    } else {
        0
    };
    hub + misfit_but_hub(need, space, weights)
}

/// The misfit but for the preferred hubs: the same for all spaces of a class of the index.
fn misfit_but_hub(need: &Need, space: &Vacancy, weights: &MisfitWeights) -> i64 {
    let mut penalty = 0;
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
        (Some(a), Some(b)) => site_units(a, b),
        _ => 0,
    }
}

fn site_units(a: Site, b: Site) -> i64 {
    ((distance_m(a, b) / 100.0).round() as i64).min(DISTANCE_UNITS)
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
    /// The 시·도 of the space: another than the graduate's when the plan covers a 광역경제권.
    pub region: String,
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

/// How many fitting types a graduate starts with in the network: its cheapest. A graduate that
/// would rather have one left out (by the prices the solved network puts on the types) gets all
/// of its fitting types and the network is solved again, so the plan stays optimal.
const FIRST_CHOICES: usize = 8;

/// The optimal plan (see the module's documentation).
///
/// Stability: among the optimal plans, one that keeps as many of the graduates' `previous`
/// proposals as any optimal plan can, so that turning one proposal down or adding a space does
/// not needlessly move others. Exact: when some graduate has a previous proposal, every arc costs
/// `(n + 1)` times its cost, plus 1 unless it is a graduate's arc into its previous space (a type
/// alone, always among its candidates). Of two plans differing in cost the cheaper stays cheaper
/// (the added ones sum to at most `n`), and of plans of one cost the one keeping more is cheaper.
///
/// The network: each graduate can go to a type of space it fits (at the cost of that fit and
/// distance), entering at the last day it can move in, or stay unplaced (`unplaced_cost`); the
/// days of a type form a chain towards earlier days; each day's spaces flow to the sink.
/// Graduates are routed one by one along cheapest paths, which may move earlier graduates
/// elsewhere.
pub fn plan(needs: &[Need], vacancies: &[Vacancy], policy: &PlacementPolicy) -> Plan {
    plan_with(needs, vacancies, policy, FIRST_CHOICES)
}

/// [`plan`], each graduate starting with its `first_choices` cheapest fitting types.
///
/// Leaving arcs out is exact when checked: the solved network's potentials are prices (the
/// sink's stays 0 and the others only fall, so a day node's price, minus its potential, is
/// never negative). The flow is optimal for every arc if no left-out arc has a negative reduced
/// cost; a graduate whose value (minus its potential) is at most the cheapest cost it left out
/// passes at once, any other is checked arc by arc.
fn plan_with(
    needs: &[Need],
    vacancies: &[Vacancy],
    policy: &PlacementPolicy,
    first_choices: usize,
) -> Plan {
    let index = index::Index::new(needs, vacancies);
    let mut choices: Vec<index::Choice> = needs
        .iter()
        .enumerate()
        .map(|(n, need)| index.choose(n, need, policy, first_choices))
        .collect();
    let stability = Stability::of(needs);
    loop {
        let mut network = PlanNetwork::build(needs, &index, &choices, policy, stability);
        network.solve();
        let widen = network.underpriced(needs, &index, &choices, policy, stability);
        if widen.is_empty() {
            return network.read(needs, vacancies, &index, &choices, policy);
        }
        // Each round gives at least one graduate all its types: the rounds end.
        for n in widen {
            choices[n] = index.choose(n, &needs[n], policy, usize::MAX);
        }
    }
}

/// How the costs of the network weigh keeping previous proposals (see [`plan`]).
#[derive(Clone, Copy)]
struct Stability {
    /// What one unit of a plan's cost weighs: 1 without previous proposals.
    scale: i64,
}

impl Stability {
    fn of(needs: &[Need]) -> Self {
        let any = needs.iter().any(|n| n.previous.is_some());
        Self {
            scale: if any { needs.len() as i64 + 1 } else { 1 },
        }
    }

    /// The network's cost of a graduate's arc into a type.
    fn arc(self, cost: i64, keeps_previous: bool) -> i64 {
        if self.scale == 1 {
            cost
        } else {
            cost.saturating_mul(self.scale)
                .saturating_add(i64::from(!keeps_previous))
        }
    }

    /// The network's cost of any other arc.
    fn other(self, cost: i64) -> i64 {
        cost.saturating_mul(self.scale)
    }
}

/// The flow network of a plan, with the arcs its answer is read from.
struct PlanNetwork {
    net: flow::Network,
    graduates: usize,
    sink: usize,
    /// The arc from each day node to the sink: its flow is how many of that day's spaces are used.
    day_arcs: Vec<Vec<usize>>,
    /// (graduate, type, arc) of every candidate.
    edges: Vec<(usize, usize, usize)>,
}

impl PlanNetwork {
    fn build(
        needs: &[Need],
        index: &index::Index,
        choices: &[index::Choice],
        policy: &PlacementPolicy,
        stability: Stability,
    ) -> Self {
        let types = &index.types;
        let sink = needs.len();
        let nodes = types.iter().map(|t| t.days.len()).sum::<usize>() + sink + 1;
        let mut net = flow::Network::new(nodes);
        let mut day_arcs: Vec<Vec<usize>> = vec![Vec::new(); types.len()];
        for (ti, t) in types.iter().enumerate() {
            for (k, day) in t.days.iter().enumerate() {
                let count = t.free_by[k] - k.checked_sub(1).map_or(0, |j| t.free_by[j]);
                day_arcs[ti].push(net.arc(t.nodes[k], sink, count as i32, 0));
                if k > 0 {
                    // Taking a space that frees earlier costs the days it would stand empty.
                    let earlier = day.days_since_epoch() - t.days[k - 1].days_since_epoch();
                    net.arc(
                        t.nodes[k],
                        t.nodes[k - 1],
                        i32::MAX / 2,
                        stability.other(earlier * FIT_STEP),
                    );
                }
            }
        }
        // Any arc, left out or not, costs at most the most misfit, the longest idle time and
        // the longest distance: the cost of staying unplaced must stay above paths of those.
        let first_day = types.iter().filter_map(|t| t.days.first()).min();
        let idle = needs
            .iter()
            .filter_map(|need| Some(idle_days(need, *first_day?)))
            .max()
            .unwrap_or(0);
        let max_arc = policy
            .misfit
            .max()
            .saturating_mul(policy.idle_days_per_point)
            .saturating_add(idle)
            .saturating_mul(FIT_STEP)
            .saturating_add(DISTANCE_UNITS)
            .max(
                choices
                    .iter()
                    .flat_map(|c| c.candidates.iter().map(|c| c.cost))
                    .max()
                    .unwrap_or(0),
            );
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
        let unplaced_arc = stability.other(unplaced_cost(needs.len(), max_arc, max_chain));
        let mut edges = Vec::new();
        for (n, choice) in choices.iter().enumerate() {
            for c in &choice.candidates {
                let cost = stability.arc(c.cost, index.is_previous(n, c.space_type));
                edges.push((n, c.space_type, net.arc(n, c.node, 1, cost)));
            }
        }
        for n in 0..needs.len() {
            net.arc(n, sink, 1, unplaced_arc);
        }
        Self {
            net,
            graduates: needs.len(),
            sink,
            day_arcs,
            edges,
        }
    }

    /// Routes every graduate; each can at least stay unplaced, so each finds a route.
    fn solve(&mut self) {
        for n in 0..self.graduates {
            let _ = self.net.route(n, self.sink);
        }
    }

    /// The graduates with a left-out arc of negative reduced cost: the plan could be better
    /// with it.
    fn underpriced(
        &self,
        needs: &[Need],
        index: &index::Index,
        choices: &[index::Choice],
        policy: &PlacementPolicy,
        stability: Stability,
    ) -> Vec<usize> {
        let mut widen = Vec::new();
        for (n, (need, choice)) in needs.iter().zip(choices).enumerate() {
            let Some(omitted) = choice.omitted else {
                continue;
            };
            let potential = self.net.potential(n);
            // Day nodes' potentials are at most 0: no left-out arc is cheaper, reduced, than
            // its cost plus the graduate's potential. (A previous space is never left out.)
            if stability.arc(omitted, false).saturating_add(potential) >= 0 {
                continue;
            }
            let all = index.choose(n, need, policy, usize::MAX);
            let cheaper = all.candidates.iter().any(|c| {
                !choice
                    .candidates
                    .iter()
                    .any(|kept| kept.space_type == c.space_type)
                    && stability.arc(c.cost, index.is_previous(n, c.space_type)) + potential
                        - self.net.potential(c.node)
                        < 0
            });
            if cheaper {
                widen.push(n);
            }
        }
        widen
    }

    /// Which type each graduate got; then concrete spaces, earliest deadline first taking the
    /// earliest-free space of its type (the flow guarantees this succeeds); then the reasons.
    fn read(
        &self,
        needs: &[Need],
        vacancies: &[Vacancy],
        index: &index::Index,
        choices: &[index::Choice],
        policy: &PlacementPolicy,
    ) -> Plan {
        let mut by_type: Vec<Vec<usize>> = vec![Vec::new(); index.types.len()];
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
            let mut free = self.used_spaces(t, index, vacancies).into_iter();
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
            .map(|(n, need)| {
                // Without a candidate, none fits; otherwise count them all.
                let fitting = if choices[n].candidates.is_empty() {
                    0
                } else {
                    index.fitting_spaces(n, need)
                };
                unplaced(need, fitting, || index.requirements_met(n, need))
            })
            .collect();
        Plan {
            proposals,
            unplaced,
            cost: total,
        }
    }

    /// Exactly the spaces of a type the flow used (of each day, as many as its arc carries):
    /// which days are used decides the idle days; who gets which is then any feasible pairing.
    fn used_spaces(&self, t: usize, index: &index::Index, vacancies: &[Vacancy]) -> Vec<usize> {
        let space_type = &index.types[t];
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
        region: space.region.clone(),
        misfit: misfit(need, space, weights),
        distance_km: distance,
        reasons_ko: ko,
        reasons_en: en,
    }
}

/// The requirements a graduate without fitting space is told of, in order: region, kind, area,
/// sector, stage, rent, day. It hears them up to the first no space of the region meets with
/// the ones before ("no space ≥ 200 m² admitting C26 in daejeon before 2027-03-31"), all of
/// them when only spaces it turned down meet them all.
const REQUIREMENTS: usize = 7;

/// Why a graduate got no space: every fitting space went to another graduate, or the
/// requirements up to the first that no space meets together with those before
/// (`requirements_met` of them are met by some space; the index reads its classes).
fn unplaced(need: &Need, fitting: usize, requirements_met: impl FnOnce() -> usize) -> Unplaced {
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
    let told = (requirements_met() + 1).min(REQUIREMENTS);
    let words = [
        (format!("{} 지역", need.area), format!("in {}", need.area)),
        (
            format!("{} 유형", need.kinds.join("/")),
            format!("of kind {}", need.kinds.join("/")),
        ),
        (
            format!("{} m² 이상", crate::report::thousands(need.area_m2)),
            format!("≥ {} m²", crate::report::thousands(need.area_m2)),
        ),
        (
            format!("업종 {} 입주 가능", need.sector),
            format!("admitting {}", need.sector),
        ),
        (
            format!("{} 단계 입주 가능", need.stage),
            format!("for the {} stage", need.stage),
        ),
        (
            format!("월 {}원 이하", won(need.budget_krw.unwrap_or(0))),
            format!("at most {} won a month", won(need.budget_krw.unwrap_or(0))),
        ),
        (
            format!("{}까지 입주 가능", need.needed_by),
            format!("before {}", need.needed_by),
        ),
    ];
    let (mut ko, mut en) = (Vec::new(), Vec::new());
    for (i, (words_ko, words_en)) in words.into_iter().enumerate().take(told) {
        // Without a budget, rent is no requirement.
        if i == 5 && need.budget_krw.is_none() {
            continue;
        }
        ko.push(words_ko);
        en.push(words_en);
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

    /// The reason in one language, with the catalog's names for the 시·도, 광역경제권 and
    /// space-kind ids it gives, as pages and the command line show it.
    pub fn reason_named(unplaced: &Unplaced, catalog: &crate::Catalog, lang: Lang) -> String {
        let mut text = Self::reason(unplaced, lang).to_string();
        let areas = catalog
            .regions
            .iter()
            .map(|r| (r.id.as_str(), lang.pick(&r.name_ko, &r.name_en)))
            .chain(
                catalog
                    .economic_regions
                    .iter()
                    .map(|e| (e.id.as_str(), lang.pick(&e.name_ko, &e.name_en))),
            );
        for (id, name) in areas {
            text = text.replace(&format!(" {id} "), &format!(" {name} "));
            text = text.replace(&format!("{id} 지역"), name);
            if text.ends_with(&format!(" {id}")) {
                text = format!("{}{name}", &text[..text.len() - id.len()]);
            }
        }
        for kind in &catalog.space_kinds {
            text = text.replace(kind.id.as_str(), lang.pick(&kind.name_ko, &kind.name_en));
        }
        text
    }
}

#[cfg(test)]
mod tests;
