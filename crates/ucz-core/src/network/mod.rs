//! The hub network of a region or 광역경제권 (docs/hub-network.md): its hubs — the zones and the
//! hubs outside them — with their functions and spaces, the links firms make between them
//! (Post-BI moves from an incubator to expansion space, shared equipment booked at another
//! hub), the distance and travel time between every two hubs, and the brief's inter-hub linkage
//! check: which hub lacks which function, neither in itself nor in a hub within reach.
//!
//! Travel is a straight line stretched by the catalog's detour factor at its travel speed, or,
//! where a GTFS feed is given, a transit journey ([`transit`]). Post-BI placement keeps its own
//! straight-line cost (`placement::distance_m`): this module only describes the network.

pub mod transit;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::catalog::NetworkRules;
use crate::placement::distance_m;
use crate::zone::Site;

/// A hub: a zone or a hub outside the zones.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Node {
    pub id: String,
    pub name: String,
    /// The English name, where the record gives one (a zone's plan does).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    /// `zone`, or the hub kind id of the catalog.
    pub kind: String,
    pub region: String,
    pub site: Option<Site>,
    /// Function ids it serves: a zone's from its facilities' types, a hub's from its kind.
    pub functions: Vec<String>,
    /// Its spaces by space kind.
    pub spaces: Vec<SpaceTotal>,
}

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct SpaceTotal {
    pub kind: String,
    pub count: usize,
    pub area_m2: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// A graduate left an incubation room of one hub for a lease at another.
    PostBiMove,
    /// A firm based at one hub booked shared equipment at another.
    Booking,
}

/// Firms' ties from one hub to another, counted.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Link {
    pub from: String,
    pub to: String,
    pub kind: LinkKind,
    pub count: usize,
    /// Minutes between the two hubs, when both have a site.
    pub minutes: Option<f64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum By {
    /// Straight line × detour factor at the travel speed.
    Road,
    /// Walking and transit over the GTFS feed's timetable.
    Transit,
}

/// How far apart two hubs are.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Leg {
    pub from: String,
    pub to: String,
    pub straight_m: f64,
    /// Straight line × the detour factor.
    pub road_m: f64,
    pub minutes: f64,
    pub by: By,
}

/// A function a hub lacks, and the nearest hub that has it (further than the reach, or none).
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Gap {
    pub hub: String,
    pub function: String,
    pub nearest: Option<String>,
    pub nearest_minutes: Option<f64>,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Network {
    pub nodes: Vec<Node>,
    pub links: Vec<Link>,
    pub legs: Vec<Leg>,
    pub gaps: Vec<Gap>,
    /// Hubs without a site: no distance, so no gap can be told for them.
    pub unplaced: Vec<String>,
    pub rules: NetworkRules,
}

/// Minutes by road for a straight line.
pub fn road_minutes(straight_m: f64, rules: &NetworkRules) -> f64 {
    straight_m * rules.detour_factor / 1000.0 / rules.travel_speed_kmh * 60.0
}

/// The network of these hubs. `moves` and `bookings` are (from hub, to hub) pairs, one per
/// event; `functions` are the catalog's function ids in order; `transit` times journeys when a
/// feed is given.
pub fn build(
    mut nodes: Vec<Node>,
    moves: &[(String, String)],
    bookings: &[(String, String)],
    functions: &[String],
    rules: &NetworkRules,
    transit: Option<&transit::Transit>,
) -> Network {
    nodes.sort_by(|a, b| a.id.cmp(&b.id));
    // By transit: one search from each hub to all the others.
    let sites: Vec<Site> = nodes.iter().filter_map(|n| n.site).collect();
    let by_transit: BTreeMap<(usize, usize), f64> = match transit {
        None => BTreeMap::new(),
        Some(t) => {
            let placed: Vec<usize> = (0..nodes.len())
                .filter(|&i| nodes[i].site.is_some())
                .collect();
            let mut out = BTreeMap::new();
            for (k, &i) in placed.iter().enumerate() {
                let Some(from) = nodes[i].site else { continue };
                for (l, m) in t.minutes_from(from, &sites).into_iter().enumerate() {
                    if let (Some(m), true) = (m, l != k) {
                        out.insert((i, placed[l]), m);
                    }
                }
            }
            out
        }
    };
    let mut legs = Vec::new();
    for (i, a) in nodes.iter().enumerate() {
        for (j, b) in nodes.iter().enumerate().skip(i + 1) {
            if let (Some(sa), Some(sb)) = (a.site, b.site) {
                let straight_m = distance_m(sa, sb);
                let road = road_minutes(straight_m, rules);
                // Legs have no direction: a feed's faster direction stands for both.
                let transit = match (by_transit.get(&(i, j)), by_transit.get(&(j, i))) {
                    (Some(x), Some(y)) => Some(x.min(*y)),
                    (x, y) => x.or(y).copied(),
                };
                let (minutes, by) = match transit {
                    Some(m) => (m, By::Transit),
                    None => (road, By::Road),
                };
                legs.push(Leg {
                    from: a.id.clone(),
                    to: b.id.clone(),
                    straight_m,
                    road_m: straight_m * rules.detour_factor,
                    minutes,
                    by,
                });
            }
        }
    }
    let minutes = |a: &str, b: &str| -> Option<f64> {
        if a == b {
            return Some(0.0);
        }
        let (a, b) = if a < b { (a, b) } else { (b, a) };
        legs.iter()
            .find(|l| l.from == a && l.to == b)
            .map(|l| l.minutes)
    };
    let known = |id: &str| nodes.iter().any(|n| n.id == id);
    let mut counted: BTreeMap<(String, String, LinkKind), usize> = BTreeMap::new();
    for (pairs, kind) in [(moves, LinkKind::PostBiMove), (bookings, LinkKind::Booking)] {
        for (from, to) in pairs {
            if from != to && known(from) && known(to) {
                *counted.entry((from.clone(), to.clone(), kind)).or_default() += 1;
            }
        }
    }
    let links = counted
        .into_iter()
        .map(|((from, to, kind), count)| Link {
            minutes: minutes(&from, &to),
            from,
            to,
            kind,
            count,
        })
        .collect();
    let mut gaps = Vec::new();
    let mut unplaced = Vec::new();
    for n in &nodes {
        if n.site.is_none() {
            unplaced.push(n.id.clone());
            continue;
        }
        for f in functions {
            if n.functions.contains(f) {
                continue;
            }
            let nearest = nodes
                .iter()
                .filter(|o| o.id != n.id && o.functions.contains(f))
                .filter_map(|o| minutes(&n.id, &o.id).map(|m| (o, m)))
                .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.id.cmp(&b.0.id)));
            if nearest.is_some_and(|(_, m)| m <= rules.reachable_minutes) {
                continue;
            }
            gaps.push(Gap {
                hub: n.id.clone(),
                function: f.clone(),
                nearest: nearest.map(|(o, _)| o.id.clone()),
                nearest_minutes: nearest.map(|(_, m)| m),
            });
        }
    }
    Network {
        nodes,
        links,
        legs,
        gaps,
        unplaced,
        rules: rules.clone(),
    }
}

#[cfg(test)]
mod tests;
