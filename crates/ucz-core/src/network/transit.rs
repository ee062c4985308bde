//! Transit journeys over a GTFS feed's timetable, as the hub network times them: walk from a hub
//! to a stop within the longest walk, wait the transfer time, ride the fastest scheduled hop
//! between consecutive stops, alight, walk to another stop or to the destination hub. Waiting is
//! one fixed figure per boarding rather than the timetable's headways, and the graph knows stops,
//! not lines: riding on from a stop onto another line's hop costs no transfer (only walking to
//! another stop and boarding again does). A planner's estimate of how reachable two hubs are —
//! on the fast side where lines cross — not a journey planner.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::catalog::NetworkRules;
use crate::crs::{Crs, Transform};
use crate::nearest::Nearest;
use crate::zone::Site;

/// Walks kept from each stop to others.
const MAX_WALKS: usize = 16;

pub struct Transit {
    /// Stops in EPSG:5179 metres.
    xy: Vec<(f64, f64)>,
    /// Ride hops out of each stop: (next stop, minutes).
    rides: Vec<Vec<(usize, f64)>>,
    /// Walks out of each stop to stops within the longest walk: (stop, minutes).
    walks: Vec<Vec<(usize, f64)>>,
    stops: Nearest<usize>,
    to_metres: Transform,
    rules: NetworkRules,
}

/// A journey's state at a stop: on foot (may board or walk on) or riding (may ride on or alight).
#[derive(Clone, Copy, PartialEq)]
struct Visit {
    minutes: f64,
    node: usize,
}

impl Eq for Visit {}
impl Ord for Visit {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .minutes
            .total_cmp(&self.minutes)
            .then(other.node.cmp(&self.node))
    }
}
impl PartialOrd for Visit {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Transit {
    /// `stops` by index; `hops`: (from stop, to stop, minutes) for consecutive stops of trips
    /// (the fastest of each pair is kept). `None` when the stops cannot be projected.
    pub fn new(
        stops: &[Site],
        hops: &[(usize, usize, f64)],
        rules: &NetworkRules,
    ) -> Option<Transit> {
        let to_metres = Transform::new(Crs::Wgs84, Crs::Epsg5179).ok()?;
        let xy: Vec<(f64, f64)> = stops
            .iter()
            .map(|s| to_metres.point(s.lon, s.lat).ok())
            .collect::<Option<_>>()?;
        let n = xy.len();
        let mut rides: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
        for &(a, b, m) in hops {
            if a >= n || b >= n || a == b || !m.is_finite() || m < 0.0 {
                continue;
            }
            match rides[a].iter_mut().find(|(to, _)| *to == b) {
                Some(hop) => hop.1 = hop.1.min(m),
                None => rides[a].push((b, m)),
            }
        }
        let index: Nearest<usize> = xy
            .iter()
            .enumerate()
            .map(|(i, &(x, y))| (x, y, i))
            .collect();
        let walk = |m: f64| m / 1000.0 / rules.walk_speed_kmh * 60.0;
        let walks = xy
            .iter()
            .enumerate()
            .map(|(i, &(x, y))| {
                // The nearest stops within the walk, a bounded number: stops at one place (a
                // station's platforms) do not make the walks quadratic.
                index
                    .k_nearest(x, y, MAX_WALKS + 1)
                    .into_iter()
                    .filter(|(_, d)| *d <= rules.max_walk_m)
                    .filter(|&(&j, _)| j != i)
                    .map(|(&j, d)| (j, walk(d)))
                    .collect()
            })
            .collect();
        Some(Transit {
            xy,
            rides,
            walks,
            stops: index,
            to_metres,
            rules: rules.clone(),
        })
    }

    fn walk_minutes(&self, metres: f64) -> f64 {
        metres / 1000.0 / self.rules.walk_speed_kmh * 60.0
    }

    /// Minutes from one site to another by walking and transit; `None` when no stop is within
    /// a walk of either, or no journey joins them.
    pub fn minutes(&self, a: Site, b: Site) -> Option<f64> {
        self.minutes_from(a, &[b]).first().copied().flatten()
    }

    /// Minutes from one site to each of `targets`, from one shortest-path search over the
    /// timetable; `None` for a target no journey (or walk) reaches.
    pub fn minutes_from(&self, a: Site, targets: &[Site]) -> Vec<Option<f64>> {
        let Ok(pa) = self.to_metres.point(a.lon, a.lat) else {
            return vec![None; targets.len()];
        };
        // Nodes: 2 × stop (on foot) and 2 × stop + 1 (riding).
        let n = self.xy.len();
        let mut best = vec![f64::INFINITY; 2 * n];
        let mut queue = BinaryHeap::new();
        for (&s, d) in self.stops.within(pa.0, pa.1, self.rules.max_walk_m) {
            let m = self.walk_minutes(d);
            if m < best[2 * s] {
                best[2 * s] = m;
                queue.push(Visit {
                    minutes: m,
                    node: 2 * s,
                });
            }
        }
        while let Some(Visit { minutes, node }) = queue.pop() {
            if minutes > best[node] {
                continue;
            }
            let (stop, riding) = (node / 2, node % 2 == 1);
            let mut go = |to: usize, m: f64, queue: &mut BinaryHeap<Visit>| {
                if m < best[to] {
                    best[to] = m;
                    queue.push(Visit {
                        minutes: m,
                        node: to,
                    });
                }
            };
            if riding {
                for &(next, m) in &self.rides[stop] {
                    go(2 * next + 1, minutes + m, &mut queue);
                }
                go(2 * stop, minutes, &mut queue);
            } else {
                go(
                    2 * stop + 1,
                    minutes + self.rules.transfer_minutes,
                    &mut queue,
                );
                for &(next, m) in &self.walks[stop] {
                    go(2 * next, minutes + m, &mut queue);
                }
            }
        }
        targets
            .iter()
            .map(|b| {
                let pb = self.to_metres.point(b.lon, b.lat).ok()?;
                let straight = ((pa.0 - pb.0).powi(2) + (pa.1 - pb.1).powi(2)).sqrt();
                let direct = if straight <= self.rules.max_walk_m {
                    self.walk_minutes(straight)
                } else {
                    f64::INFINITY
                };
                let arrive = self
                    .stops
                    .within(pb.0, pb.1, self.rules.max_walk_m)
                    .into_iter()
                    .map(|(&s, d)| best[2 * s] + self.walk_minutes(d))
                    .fold(direct, f64::min);
                arrive.is_finite().then_some(arrive)
            })
            .collect()
    }
}

/// Minutes since midnight of a GTFS time (`HH:MM:SS`, hours may pass 24).
pub fn gtfs_minutes(text: &str) -> Option<f64> {
    let mut parts = text.trim().split(':');
    let h: u32 = parts.next()?.trim().parse().ok()?;
    let m: u32 = parts.next()?.parse().ok()?;
    let s: u32 = parts.next()?.parse().ok()?;
    if parts.next().is_some() || m > 59 || s > 60 || h > 99 {
        return None;
    }
    Some(f64::from(h * 60 + m) + f64::from(s) / 60.0)
}
