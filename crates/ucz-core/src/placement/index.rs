//! The vacancies of a plan, indexed so that each graduate reads only what can concern it: text
//! interned to small ids; spaces grouped into types (interchangeable but for the day they free
//! up) and types into classes (the same requirements and the same misfit but for the hub and the
//! site); the classes of each area (the plan's 시·도 or 광역경제권) and kind listed largest first. A graduate looks at the
//! classes that can hold it and reads their types cheapest first (each class's nearest first),
//! only as many as its cheapest few need; the reasons of one without space read the classes, not
//! the spaces.

use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::hash::Hash;
use std::rc::Rc;

use super::{
    Date, FIT_STEP, Need, PlacementPolicy, Vacancy, admits_sector, admits_stage, idle_days,
    misfit_but_hub, site_units,
};
use crate::zone::Site;

/// A class's types nearest first from one graduate site, with their distance units.
type Order = Rc<[(u16, u32)]>;

/// Equal keys (texts, lists of texts) get one small id, so the index compares numbers.
struct Interner<'a, K: ?Sized> {
    ids: HashMap<&'a K, u32>,
    keys: Vec<&'a K>,
}

impl<'a, K: ?Sized + Hash + Eq> Interner<'a, K> {
    fn new() -> Self {
        Self {
            ids: HashMap::new(),
            keys: Vec::new(),
        }
    }

    fn id(&mut self, key: &'a K) -> u32 {
        let next = self.keys.len() as u32;
        let id = *self.ids.entry(key).or_insert(next);
        if id == next {
            self.keys.push(key);
        }
        id
    }

    fn get(&self, key: &K) -> Option<u32> {
        self.ids.get(key).copied()
    }
}

/// A type of space: its members, and the days they free up (ascending, distinct).
pub(super) struct SpaceType {
    pub members: Vec<usize>,
    pub days: Vec<Date>,
    /// How many members are free by each day (cumulative, in step with `days`).
    pub free_by: Vec<usize>,
    /// The network node of each day; a graduate enters at the last day it can use and may move
    /// to earlier ones along a chain.
    pub nodes: Vec<usize>,
    /// A space someone turned down, or was proposed last time, is a type alone: checked against
    /// each graduate's refusals and previous proposal.
    pub alone: Option<usize>,
    hub: u32,
    class: usize,
    /// Its site among the distinct sites of the types.
    site: Option<u32>,
}

/// Types that differ only in their hub and site: whether a graduate fits them (but for the day
/// and its refusals) and their misfit but for the preferred hubs are one answer for all.
struct Class {
    kind: u32,
    /// A member space, for the attributes all the class's spaces share.
    sample: usize,
    sectors: u32,
    stages: u32,
    types: Vec<usize>,
    /// The days its spaces free up, ascending and distinct.
    days: Vec<Date>,
}

/// What of a graduate the index reads: its area and kinds as ids, and the sector and stage
/// lists of spaces that admit it.
struct Graduate {
    area: Option<u32>,
    kinds: Vec<u32>,
    sectors: usize,
    stages: usize,
    /// The type (alone) of the space proposed to it last time, if still offered.
    previous: Option<usize>,
}

/// A type of space a graduate fits: the node it enters at and the cost of the arc.
pub(super) struct Candidate {
    pub space_type: usize,
    pub node: usize,
    pub cost: i64,
}

/// The candidates a graduate starts with, and a lower bound on the cost of every fitting type
/// left out (`None` when none was).
pub(super) struct Choice {
    pub candidates: Vec<Candidate>,
    pub omitted: Option<i64>,
}

pub(super) struct Index<'a> {
    vacancies: &'a [Vacancy],
    pub types: Vec<SpaceType>,
    classes: Vec<Class>,
    /// Each graduate's site among the distinct sites of the graduates.
    need_site: Vec<Option<u32>>,
    need_sites: Vec<Site>,
    /// How many graduates are at each of those sites.
    site_graduates: Vec<u32>,
    type_sites: Vec<Site>,
    /// The classes' types nearest first, by (graduate site, class): kept for the sites of
    /// several graduates (a region's graduates come from a few incubators), so a graduate reads
    /// only the types its cheapest few need, not every type of a class whose types tie but for
    /// distance.
    orders: RefCell<HashMap<(Option<u32>, usize), Order>>,
    /// The ids of hubs' names.
    hub_ids: HashMap<&'a str, u32>,
    /// The types of each hub (by its text's id).
    by_hub: Vec<Vec<usize>>,
    /// Classes by area (the plan's 시·도 or 광역경제권), then by kind, largest area first.
    by_area: Vec<HashMap<u32, Vec<usize>>>,
    graduates: Vec<Graduate>,
    /// Per sector (stage) of the graduates, which sector (stage) lists of the spaces admit it.
    sector_admits: Vec<Vec<bool>>,
    stage_admits: Vec<Vec<bool>>,
}

/// A float as a key: its bits (equal exactly when its text was, for the values a space holds).
fn bits(x: f64) -> u64 {
    x.to_bits()
}

impl<'a> Index<'a> {
    pub fn new(needs: &'a [Need], vacancies: &'a [Vacancy]) -> Self {
        let mut texts: Interner<str> = Interner::new();
        let mut lists: Interner<[String]> = Interner::new();
        // A space someone turned down, or was proposed last time, is not interchangeable with
        // its twins.
        let excluded: std::collections::HashSet<&str> = needs
            .iter()
            .flat_map(|n| {
                n.excluded
                    .iter()
                    .map(String::as_str)
                    .chain(n.previous.as_deref())
            })
            .collect();
        type TypeKey = (
            u32,
            u32,
            u32,
            u64,
            Option<i64>,
            [u32; 3],
            Option<(u64, u64)>,
        );
        let mut type_ids: HashMap<(TypeKey, Option<usize>), usize> = HashMap::new();
        let mut types: Vec<SpaceType> = Vec::new();
        type ClassKey = (u32, u32, u64, Option<i64>, [u32; 3]);
        let mut class_ids: HashMap<ClassKey, usize> = HashMap::new();
        let mut classes: Vec<Class> = Vec::new();
        let mut class_area: Vec<u32> = Vec::new();
        let mut type_site_ids: HashMap<(u64, u64), u32> = HashMap::new();
        let mut type_sites: Vec<Site> = Vec::new();
        for (i, v) in vacancies.iter().enumerate() {
            let (hub, area, kind) = (
                texts.id(v.hub.as_str()),
                texts.id(v.area.as_str()),
                texts.id(v.kind.as_str()),
            );
            let admits = [
                lists.id(v.stages.as_slice()),
                lists.id(v.sectors.as_slice()),
                lists.id(v.equipment.as_slice()),
            ];
            let site = v.site.map(|s| (bits(s.lat), bits(s.lon)));
            let alone = excluded.contains(v.space.as_str()).then_some(i);
            let key = (hub, area, kind, bits(v.area_m2), v.rent_krw, admits, site);
            let next = types.len();
            let t = *type_ids.entry((key, alone)).or_insert(next);
            if t == next {
                let class_key = (area, kind, bits(v.area_m2), v.rent_krw, admits);
                let next_class = classes.len();
                let c = *class_ids.entry(class_key).or_insert(next_class);
                if c == next_class {
                    classes.push(Class {
                        kind,
                        sample: i,
                        sectors: admits[1],
                        stages: admits[0],
                        types: Vec::new(),
                        days: Vec::new(),
                    });
                    class_area.push(area);
                }
                classes[c].types.push(t);
                types.push(SpaceType {
                    members: Vec::new(),
                    days: Vec::new(),
                    free_by: Vec::new(),
                    nodes: Vec::new(),
                    alone,
                    hub,
                    class: c,
                    site: site.map(|key| {
                        let next = type_sites.len() as u32;
                        *type_site_ids.entry(key).or_insert_with(|| {
                            type_sites.extend(v.site);
                            next
                        })
                    }),
                });
            }
            types[t].members.push(i);
        }
        // Day nodes are numbered after the graduates and the sink.
        let mut node = needs.len() + 1;
        for space_type in &mut types {
            space_type.members.sort_by_key(|&m| vacancies[m].free_from);
            let free_from: Vec<Date> = space_type
                .members
                .iter()
                .map(|&m| vacancies[m].free_from)
                .collect();
            space_type.days = free_from.clone();
            space_type.days.dedup();
            space_type.free_by = space_type
                .days
                .iter()
                .map(|day| free_from.partition_point(|d| d <= day))
                .collect();
            space_type.nodes = (node..node + space_type.days.len()).collect();
            node += space_type.days.len();
            classes[space_type.class]
                .days
                .extend_from_slice(&space_type.days);
        }
        for class in &mut classes {
            class.days.sort();
            class.days.dedup();
        }
        let mut by_hub: Vec<Vec<usize>> = vec![Vec::new(); texts.keys.len()];
        for (t, space_type) in types.iter().enumerate() {
            by_hub[space_type.hub as usize].push(t);
        }
        let mut by_area: Vec<HashMap<u32, Vec<usize>>> = Vec::new();
        for (c, class) in classes.iter().enumerate() {
            let area = class_area[c] as usize;
            if by_area.len() <= area {
                by_area.resize_with(area + 1, HashMap::new);
            }
            by_area[area].entry(class.kind).or_default().push(c);
        }
        for list in by_area.iter_mut().flat_map(|kinds| kinds.values_mut()) {
            list.sort_by(|a, b| {
                let area = |c: usize| vacancies[classes[c].sample].area_m2;
                area(*b).total_cmp(&area(*a)).then(a.cmp(b))
            });
        }
        // Admission is read once per distinct sector (stage) of the graduates.
        let mut sector_rows: HashMap<&str, usize> = HashMap::new();
        let mut stage_rows: HashMap<&str, usize> = HashMap::new();
        let mut sector_admits: Vec<Vec<bool>> = Vec::new();
        let mut stage_admits: Vec<Vec<bool>> = Vec::new();
        let alone_type: HashMap<&str, usize> = types
            .iter()
            .enumerate()
            .filter_map(|(t, space_type)| Some((vacancies[space_type.alone?].space.as_str(), t)))
            .collect();
        let graduates = needs
            .iter()
            .map(|need| {
                let sectors = *sector_rows.entry(need.sector.as_str()).or_insert_with(|| {
                    sector_admits.push(
                        lists
                            .keys
                            .iter()
                            .map(|list| admits_sector(list, &need.sector))
                            .collect(),
                    );
                    sector_admits.len() - 1
                });
                let stages = *stage_rows.entry(need.stage.as_str()).or_insert_with(|| {
                    stage_admits.push(
                        lists
                            .keys
                            .iter()
                            .map(|list| admits_stage(list, &need.stage))
                            .collect(),
                    );
                    stage_admits.len() - 1
                });
                let mut kinds: Vec<u32> = need
                    .kinds
                    .iter()
                    .filter_map(|k| texts.get(k.as_str()))
                    .collect();
                kinds.sort_unstable();
                kinds.dedup();
                Graduate {
                    area: texts.get(need.area.as_str()),
                    kinds,
                    sectors,
                    stages,
                    previous: need
                        .previous
                        .as_deref()
                        .and_then(|space| alone_type.get(space).copied()),
                }
            })
            .collect();
        let mut need_site_ids: HashMap<(u64, u64), u32> = HashMap::new();
        let mut need_sites: Vec<Site> = Vec::new();
        let need_site: Vec<Option<u32>> = needs
            .iter()
            .map(|need| {
                let site = need.site?;
                let next = need_sites.len() as u32;
                Some(
                    *need_site_ids
                        .entry((bits(site.lat), bits(site.lon)))
                        .or_insert_with(|| {
                            need_sites.push(site);
                            next
                        }),
                )
            })
            .collect();
        let mut site_graduates = vec![0u32; need_sites.len()];
        for s in need_site.iter().flatten() {
            site_graduates[*s as usize] += 1;
        }
        Index {
            need_site,
            need_sites,
            site_graduates,
            type_sites,
            orders: RefCell::new(HashMap::new()),
            vacancies,
            types,
            classes,
            hub_ids: vacancies
                .iter()
                .filter_map(|v| Some((v.hub.as_str(), texts.get(v.hub.as_str())?)))
                .collect(),
            by_hub,
            by_area,
            graduates,
            sector_admits,
            stage_admits,
        }
    }

    /// Whether a type is the space proposed to graduate `n` last time.
    pub fn is_previous(&self, n: usize, t: usize) -> bool {
        self.graduates[n].previous == Some(t)
    }

    /// A hub's id, if some space is in it.
    fn texts_hub(&self, hub: &str) -> Option<u32> {
        self.hub_ids.get(hub).copied()
    }

    /// The classes of the graduate's area and kinds that can hold it, largest first per kind,
    /// each until the first too small.
    fn large_enough<'s>(&'s self, n: usize, need: &'s Need) -> impl Iterator<Item = usize> + 's {
        let graduate = &self.graduates[n];
        let kinds = graduate.area.and_then(|r| self.by_area.get(r as usize));
        graduate.kinds.iter().flat_map(move |kind| {
            kinds
                .and_then(|kinds| kinds.get(kind))
                .into_iter()
                .flat_map(|list| list.iter().copied())
                .take_while(move |&c| {
                    self.vacancies[self.classes[c].sample]
                        .area_m2
                        .partial_cmp(&need.area_m2)
                        != Some(std::cmp::Ordering::Less)
                })
        })
    }

    /// The classes whose spaces fit the graduate but for the day and its refusals, with some day
    /// by its deadline: exactly `fits` on the class's attributes.
    fn fitting_classes<'s>(&'s self, n: usize, need: &'s Need) -> impl Iterator<Item = usize> + 's {
        let graduate = &self.graduates[n];
        self.large_enough(n, need).filter(move |&c| {
            let class = &self.classes[c];
            let space = &self.vacancies[class.sample];
            space.area_m2 >= need.area_m2
                && match (space.rent_krw, need.budget_krw) {
                    (Some(rent), Some(budget)) => rent <= budget,
                    _ => true,
                }
                && class.days.first().is_some_and(|d| *d <= need.needed_by)
                && self.sector_admits[graduate.sectors][class.sectors as usize]
                && self.stage_admits[graduate.stages][class.stages as usize]
        })
    }

    /// Distance units from a graduate site to a type's site (0 without either, as
    /// `distance_units`).
    fn distance(&self, site: Option<u32>, t: usize) -> i64 {
        match (site, self.types[t].site) {
            (Some(a), Some(b)) => {
                site_units(self.need_sites[a as usize], self.type_sites[b as usize])
            }
            _ => 0,
        }
    }

    /// The types of a class nearest first from a graduate site (see `orders`).
    fn nearest_first(&self, c: usize, site: Option<u32>) -> Order {
        let key = (site, c);
        if let Some(order) = self.orders.borrow().get(&key) {
            return order.clone();
        }
        let mut order: Vec<(u16, u32)> = self.classes[c]
            .types
            .iter()
            .map(|&t| (self.distance(site, t) as u16, t as u32))
            .collect();
        order.sort_unstable();
        let order: Order = order.into();
        if site.is_none_or(|s| self.site_graduates[s as usize] > 1) {
            self.orders.borrow_mut().insert(key, order.clone());
        }
        order
    }

    /// The arc of a graduate into a type of a fitting class, if it can use one of its days and
    /// did not turn it down. Its cost is `cost_from`'s, from parts: the misfit but the hub's
    /// (`class_misfit`, one per class), the hub's by the graduate's preferred hubs (ids), the
    /// distance units.
    fn enter(
        &self,
        t: usize,
        need: &Need,
        policy: &PlacementPolicy,
        class_misfit: i64,
        preferred: &[u32],
        distance: i64,
    ) -> Option<Candidate> {
        let space_type = &self.types[t];
        if let Some(m) = space_type.alone {
            if need.excluded.contains(&self.vacancies[m].space) {
                return None;
            }
        }
        let usable = space_type.days.partition_point(|d| *d <= need.needed_by);
        let last = usable.checked_sub(1)?;
        let weights = &policy.misfit;
        let hub = if need.preferred_hubs.is_empty() {
            weights.no_preferred_hub
        } else if preferred.binary_search(&space_type.hub).is_ok() {
            0
        } else {
            weights.outside_preferred_hubs
        };
        // Entering at the last usable day; earlier days cost their idle days on the chain.
        let idle = idle_days(need, space_type.days[last]);
        Some(Candidate {
            space_type: t,
            node: space_type.nodes[last],
            cost: ((hub + class_misfit) * policy.idle_days_per_point + idle) * FIT_STEP + distance,
        })
    }

    /// No type of the class outside the graduate's preferred hubs costs it less: the latest day
    /// by the deadline, no distance. Holds because an idle day weighs at least one point's worth
    /// of nothing: `idle_days_per_point` ≥ 1 (`catalog check`).
    fn lower_bound(&self, c: usize, need: &Need, policy: &PlacementPolicy) -> i64 {
        let class = &self.classes[c];
        let weights = &policy.misfit;
        let hub = if need.preferred_hubs.is_empty() {
            weights.no_preferred_hub
        } else {
            weights.outside_preferred_hubs
        };
        let misfit = hub + misfit_but_hub(need, &self.vacancies[class.sample], weights);
        let usable = class.days.partition_point(|d| *d <= need.needed_by);
        let idle = usable
            .checked_sub(1)
            .map_or(0, |last| idle_days(need, class.days[last]));
        (misfit * policy.idle_days_per_point + idle) * FIT_STEP
    }

    /// The graduate's `limit` cheapest fitting types (of equal costs at the limit, any), in the
    /// order of the classes by region and area. The types of its preferred hubs come first
    /// (their hub costs nothing), then the others cheapest first: each fitting class is read
    /// nearest type first, and no unread type of it costs less than its bound plus the next
    /// type's distance, so the reading stops once no class can beat the `limit`-th found.
    pub fn choose(&self, n: usize, need: &Need, policy: &PlacementPolicy, limit: usize) -> Choice {
        let limit = limit.max(1);
        let mut fitting: Vec<usize> = self.fitting_classes(n, need).collect();
        fitting.sort_unstable();
        let mut preferred: Vec<u32> = need
            .preferred_hubs
            .iter()
            .filter_map(|h| self.texts_hub(h))
            .collect();
        preferred.sort_unstable();
        preferred.dedup();
        let site = self.need_site[n];
        let class_misfit = |c: usize| {
            misfit_but_hub(
                need,
                &self.vacancies[self.classes[c].sample],
                &policy.misfit,
            )
        };
        let mut found: Vec<Candidate> = preferred
            .iter()
            .flat_map(|&h| self.by_hub[h as usize].iter().copied())
            .filter(|&t| fitting.binary_search(&self.types[t].class).is_ok())
            .filter_map(|t| {
                let misfit = class_misfit(self.types[t].class);
                self.enter(t, need, policy, misfit, &preferred, self.distance(site, t))
            })
            .collect();
        // The `limit` cheapest costs found, the dearest on top.
        let mut cheapest: BinaryHeap<i64> = BinaryHeap::new();
        let keep = |cheapest: &mut BinaryHeap<i64>, cost: i64| {
            if cheapest.len() < limit {
                cheapest.push(cost);
            } else if cheapest.peek().is_some_and(|&top| cost < top) {
                cheapest.pop();
                cheapest.push(cost);
            }
        };
        for candidate in &found {
            keep(&mut cheapest, candidate.cost);
        }
        // (class's bound, its types nearest first, its misfit but the hub's), and the next
        // type of each to read by the least cost it can have.
        let mut streams = Vec::with_capacity(fitting.len());
        let mut next = BinaryHeap::new();
        for &c in &fitting {
            let bound = self.lower_bound(c, need, policy);
            let order = self.nearest_first(c, site);
            if let Some(&(units, _)) = order.first() {
                next.push(Reverse((bound + i64::from(units), streams.len(), 0)));
            }
            streams.push((bound, order, class_misfit(c)));
        }
        let mut omitted = None;
        while let Some(&Reverse((least, s, k))) = next.peek() {
            if cheapest.len() >= limit && cheapest.peek().is_some_and(|&kth| least >= kth) {
                omitted = Some(least);
                break;
            }
            next.pop();
            let (bound, order, misfit) = &streams[s];
            let t = order[k].1 as usize;
            if preferred.binary_search(&self.types[t].hub).is_err() {
                let distance = i64::from(order[k].0);
                if let Some(candidate) = self.enter(t, need, policy, *misfit, &preferred, distance)
                {
                    keep(&mut cheapest, candidate.cost);
                    found.push(candidate);
                }
            }
            if let Some(&(units, _)) = order.get(k + 1) {
                next.push(Reverse((bound + i64::from(units), s, k + 1)));
            }
        }
        found.sort_unstable_by_key(|c| (c.cost, c.space_type));
        if found.len() > limit {
            let next = found[limit].cost;
            omitted = Some(omitted.map_or(next, |o: i64| o.min(next)));
            found.truncate(limit);
        }
        // The space proposed last time is always a candidate, so that no left-out arc is one
        // that keeps a previous proposal (`Stability` counts on it).
        if let Some(t) = self.graduates[n].previous {
            let class = self.types[t].class;
            if !found.iter().any(|c| c.space_type == t) && fitting.binary_search(&class).is_ok() {
                let misfit = class_misfit(class);
                found.extend(self.enter(
                    t,
                    need,
                    policy,
                    misfit,
                    &preferred,
                    self.distance(site, t),
                ));
            }
        }
        // The arcs in the order of the types by region and area, as a full scan adds them.
        let area = |c: &Candidate| {
            let space_type = &self.types[c.space_type];
            self.vacancies[space_type.members[0]].area_m2
        };
        found.sort_by(|a, b| {
            area(b)
                .total_cmp(&area(a))
                .then(a.space_type.cmp(&b.space_type))
        });
        Choice {
            candidates: found,
            omitted,
        }
    }

    /// How many spaces fit the graduate by the day it needs one.
    pub fn fitting_spaces(&self, n: usize, need: &Need) -> usize {
        self.fitting_classes(n, need)
            .flat_map(|c| self.classes[c].types.iter().copied())
            .filter(|&t| {
                self.types[t]
                    .alone
                    .is_none_or(|m| !need.excluded.contains(&self.vacancies[m].space))
            })
            .map(|t| {
                let space_type = &self.types[t];
                let usable = space_type.days.partition_point(|d| *d <= need.needed_by);
                usable.checked_sub(1).map_or(0, |k| space_type.free_by[k])
            })
            .sum()
    }

    /// How many of the requirements of `super::REQUIREMENTS` in order some type meets all
    /// together (7 when a type meets every one): the first it falls short at is the reason a
    /// graduate without fitting space gets. Only the area's classes are read, and of each
    /// kind only those large enough.
    pub fn requirements_met(&self, n: usize, need: &Need) -> usize {
        let graduate = &self.graduates[n];
        let Some(kinds) = graduate
            .area
            .and_then(|r| self.by_area.get(r as usize))
            .filter(|kinds| !kinds.is_empty())
        else {
            return 0;
        };
        if !graduate.kinds.iter().any(|k| kinds.contains_key(k)) {
            return 1;
        }
        let mut met = 2;
        for c in self.large_enough(n, need) {
            let class = &self.classes[c];
            let space = &self.vacancies[class.sample];
            let checks = [
                space.area_m2 >= need.area_m2,
                self.sector_admits[graduate.sectors][class.sectors as usize],
                self.stage_admits[graduate.stages][class.stages as usize],
                match (space.rent_krw, need.budget_krw) {
                    (Some(rent), Some(budget)) => rent <= budget,
                    _ => true,
                },
                class.days.first().is_some_and(|d| *d <= need.needed_by),
            ];
            met = met.max(2 + checks.iter().take_while(|ok| **ok).count());
            if met == 7 {
                break;
            }
        }
        met
    }
}
