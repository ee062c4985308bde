//! The aggregate model: firms of a region drawn from their own streams, Post-BI placement as a
//! count of free units per space kind and month, and the yearly counts; the Monte Carlo over runs
//! on a few threads. See the module docs of [`super`] for the rules.

use super::random::{self, NEVER, Stream};
use super::scenario::{BIRTH_SOURCES, RegionSpec, Scenario};

/// What is counted for every region and year, in this order in a run's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    /// Firms born since the start (cumulative).
    Born,
    Incubating,
    /// In Post-BI space of the region.
    PostBi,
    /// Active in the region outside the ladder: grown out of Post-BI space, or graduated and
    /// stayed without it.
    ScaledUp,
    /// Incubating + Post-BI + scaled up.
    Active,
    /// Closed since the start (cumulative).
    Closed,
    /// Left for the capital region since the start (cumulative).
    Left,
    /// Graduated since the start (cumulative).
    Graduated,
    /// Placed in Post-BI space at graduation, since the start (cumulative).
    Placed,
    /// Share of the graduates since the start that stayed in the region at graduation (placed,
    /// or stayed without space); not a number when none graduated yet.
    Retention,
}

impl Measure {
    pub const ALL: [Measure; 10] = [
        Measure::Born,
        Measure::Incubating,
        Measure::PostBi,
        Measure::ScaledUp,
        Measure::Active,
        Measure::Closed,
        Measure::Left,
        Measure::Graduated,
        Measure::Placed,
        Measure::Retention,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Measure::Born => "born",
            Measure::Incubating => "incubating",
            Measure::PostBi => "post_bi",
            Measure::ScaledUp => "scaled_up",
            Measure::Active => "active",
            Measure::Closed => "closed",
            Measure::Left => "left",
            Measure::Graduated => "graduated",
            Measure::Placed => "placed",
            Measure::Retention => "retention",
        }
    }
}

pub const MEASURES: usize = Measure::ALL.len();

/// A space kind as the model uses it.
#[derive(Clone, Debug)]
pub struct KindModel {
    pub id: String,
    /// The shares of this and the kinds before it: a graduate needs the first kind whose
    /// cumulative share reaches its number.
    pub cumulative: f64,
    pub need_m2: f64,
}

/// A block of units of one kind in a hub, open from a month on.
#[derive(Clone, Debug)]
pub struct Block {
    pub hub: String,
    pub kind: usize,
    pub units: u32,
    pub unit_m2: f64,
    /// The month boundary it opens at (0 = the start).
    pub opens: u32,
}

/// A region's parameters as numbers the model uses.
#[derive(Clone, Debug)]
pub struct RegionModel {
    pub id: String,
    pub stream_key: u64,
    pub births: [f64; 3],
    pub incubation_months: f64,
    pub hazard_incubation: f64,
    pub post_bi_months: f64,
    pub hazard_post_bi: f64,
    pub hazard_after: f64,
    pub hazard_leave_after: f64,
    pub leave_share: f64,
    pub close_share: f64,
    pub kinds: Vec<KindModel>,
    /// Base blocks first (in file order), then the variant's.
    pub blocks: Vec<Block>,
    /// Units open per kind at each month boundary `0..=horizon`.
    pub capacity: Vec<Vec<u32>>,
}

/// The base or one variant, ready to run.
#[derive(Clone, Debug)]
pub struct Model {
    pub years: u32,
    /// Months simulated: 12 × years. Events happen at month boundaries `1..=horizon`; the
    /// counts of year `y` are those at boundary `12 (y + 1)`.
    pub horizon: u32,
    pub start_year: i32,
    pub regions: Vec<RegionModel>,
}

impl Model {
    /// The base (`None`) or a variant of a checked scenario.
    pub fn compile(scenario: &Scenario, variant: Option<usize>) -> Model {
        let years = scenario.years;
        let horizon = 12 * years;
        let regions = scenario
            .regions_of(variant)
            .iter()
            .map(|r| region_model(r, scenario, horizon))
            .collect();
        Model {
            years,
            horizon,
            start_year: scenario.start_year,
            regions,
        }
    }
}

fn region_model(spec: &RegionSpec, scenario: &Scenario, horizon: u32) -> RegionModel {
    let v = |name: &str| spec.value(name);
    let mut kinds = Vec::new();
    let mut cumulative = 0.0;
    for kind in &scenario.kinds {
        let share = spec.params.get(&format!("kind_share.{kind}"));
        let used = share.is_some() || spec.spaces.iter().any(|s| &s.kind == kind);
        if !used {
            continue;
        }
        cumulative += share.map_or(0.0, |p| p.value);
        kinds.push(KindModel {
            id: kind.clone(),
            cumulative,
            need_m2: v(&format!("need_m2.{kind}")).max(f64::MIN_POSITIVE),
        });
    }
    // The last kind with a share catches rounding: every number finds a kind.
    if let Some(last) = kinds.iter_mut().rev().find(|k| k.cumulative > 0.0) {
        last.cumulative = f64::INFINITY;
    }
    let blocks: Vec<Block> = spec
        .spaces
        .iter()
        .filter_map(|s| {
            let kind = kinds.iter().position(|k| k.id == s.kind)?;
            let need = kinds[kind].need_m2;
            let opens = s.opens.map_or(0, |y| {
                (i64::from(y - scenario.start_year) * 12).clamp(0, i64::from(horizon) + 1) as u32
            });
            Some(Block {
                hub: s.hub.clone(),
                kind,
                units: (s.m2.value / need + 1e-9)
                    .floor()
                    .min(f64::from(u32::MAX / 4)) as u32,
                unit_m2: need,
                opens,
            })
        })
        .collect();
    let mut capacity = vec![vec![0u32; horizon as usize + 1]; kinds.len()];
    for block in &blocks {
        for units in capacity[block.kind].iter_mut().skip(block.opens as usize) {
            *units = units.saturating_add(block.units);
        }
    }
    RegionModel {
        id: spec.id.clone(),
        stream_key: random::text_key(&spec.id),
        births: [
            v(&format!("births.{}", BIRTH_SOURCES[0])),
            v(&format!("births.{}", BIRTH_SOURCES[1])),
            v(&format!("births.{}", BIRTH_SOURCES[2])),
        ],
        incubation_months: v("incubation_months"),
        hazard_incubation: random::monthly_hazard(v("survival_incubation")),
        post_bi_months: v("post_bi_months"),
        hazard_post_bi: random::monthly_hazard(v("survival_post_bi")),
        hazard_after: random::monthly_hazard(v("survival_after")),
        hazard_leave_after: random::monthly_hazard(1.0 - v("leave_per_year_after")),
        leave_share: v("unplaced_leave_share"),
        close_share: v("unplaced_close_share"),
        kinds,
        blocks,
        capacity,
    }
}

// Purposes of a firm's draws: each a number of its own stream.
const MONTH: u64 = 1;
const INCUBATION: u64 = 2;
const DEATH_INCUBATING: u64 = 3;
const KIND: u64 = 4;
const STAY: u64 = 5;
const DEATH_POST_BI: u64 = 6;
const UNPLACED: u64 = 7;
const DEATH_AFTER: u64 = 8;
const LEAVE_AFTER: u64 = 9;
/// The key of a region's births stream (firm keys stay far below it).
const BIRTHS: u64 = u64::MAX;

/// A firm up to its graduation: what does not depend on placement.
#[derive(Clone, Copy, Debug)]
pub struct Firm {
    pub stream: Stream,
    /// Year (from 0), source (index of [`BIRTH_SOURCES`]) and number within them.
    pub year: u32,
    pub source: u8,
    pub number: u32,
    /// The month boundary it is born at (`1..=horizon`).
    pub born: u32,
    /// When it closes while incubating, or [`NEVER`].
    pub closes: u32,
    /// When it graduates, or [`NEVER`] (closes first).
    pub graduates: u32,
    /// The space kind it needs (an index of the region's kinds).
    pub kind: u16,
}

impl Firm {
    fn key(year: u32, source: usize, number: u32) -> u64 {
        (u64::from(year) << 40) | ((source as u64) << 32) | u64::from(number)
    }
}

/// The firms born in a region during a run, in a fixed order (year, source, number): the order
/// graduates of the same month claim space in.
pub fn births(region: &RegionModel, run: Stream, years: u32, horizon: u32, out: &mut Vec<Firm>) {
    out.clear();
    let stream = run.child(region.stream_key);
    let births = stream.child(BIRTHS);
    for year in 0..years {
        for (source, &mean) in region.births.iter().enumerate() {
            let count = random::poisson(births.child(Firm::key(year, source, 0)), mean);
            for number in 0..count {
                let firm = stream.child(Firm::key(year, source, number));
                out.push(draw(region, firm, year, source, number, horizon));
            }
        }
    }
}

fn draw(
    region: &RegionModel,
    stream: Stream,
    year: u32,
    source: usize,
    number: u32,
    horizon: u32,
) -> Firm {
    let month = ((stream.uniform(MONTH) * 12.0) as u32).min(11);
    let born = year * 12 + month + 1;
    let length = random::length_months(stream.uniform(INCUBATION), region.incubation_months);
    let death = random::months_until(stream.uniform(DEATH_INCUBATING), region.hazard_incubation);
    let (closes, graduates) = if death <= length {
        (born.saturating_add(death), NEVER)
    } else {
        (NEVER, born.saturating_add(length))
    };
    let kind = if graduates <= horizon {
        let u = stream.uniform(KIND);
        region
            .kinds
            .iter()
            .position(|k| u <= k.cumulative)
            .unwrap_or(0) as u16
    } else {
        0
    };
    Firm {
        stream,
        year,
        source: source as u8,
        number,
        born,
        closes,
        graduates,
        kind,
    }
}

/// A firm's whole life in the run, given whether it was placed at graduation. Intervals are
/// `[from, until)` in month boundaries; [`NEVER`] is open-ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Life {
    pub born: u32,
    /// The end of incubation: closing or graduation.
    pub incubating_until: u32,
    pub graduated: bool,
    pub placed: bool,
    pub post_bi: Option<(u32, u32)>,
    pub outside_from: Option<u32>,
    /// When it closed or left ([`NEVER`]: still active at any horizon).
    pub end: u32,
    pub left: bool,
    /// Graduated and stayed in the region at graduation (placed, or stayed without space).
    pub retained: bool,
}

impl Life {
    /// Its life: `placed` matters only for a graduate.
    pub fn of(firm: &Firm, region: &RegionModel, placed: bool) -> Life {
        let s = firm.stream;
        let mut life = Life {
            born: firm.born,
            incubating_until: firm.closes.min(firm.graduates),
            graduated: false,
            placed: false,
            post_bi: None,
            outside_from: None,
            end: firm.closes,
            left: false,
            retained: false,
        };
        if firm.graduates == NEVER {
            return life;
        }
        let g = firm.graduates;
        life.graduated = true;
        life.end = NEVER;
        let outside = if placed {
            life.placed = true;
            life.retained = true;
            let stay = random::length_months(s.uniform(STAY), region.post_bi_months);
            let death = random::months_until(s.uniform(DEATH_POST_BI), region.hazard_post_bi);
            if death <= stay {
                life.post_bi = Some((g, g.saturating_add(death)));
                life.end = g.saturating_add(death);
                None
            } else {
                life.post_bi = Some((g, g.saturating_add(stay)));
                Some(g.saturating_add(stay))
            }
        } else {
            let u = s.uniform(UNPLACED);
            if u <= region.leave_share {
                life.end = g;
                life.left = true;
                None
            } else if u <= region.leave_share + region.close_share {
                life.end = g;
                None
            } else {
                life.retained = true;
                Some(g)
            }
        };
        if let Some(from) = outside {
            life.outside_from = Some(from);
            let death = random::months_until(s.uniform(DEATH_AFTER), region.hazard_after);
            let leave = random::months_until(s.uniform(LEAVE_AFTER), region.hazard_leave_after);
            if death != NEVER && death <= leave {
                life.end = from.saturating_add(death);
            } else if leave != NEVER {
                life.end = from.saturating_add(leave);
                life.left = true;
            }
        }
        life
    }

    /// When its Post-BI unit frees up (placed firms only).
    pub fn releases(&self) -> Option<u32> {
        self.post_bi.map(|(_, until)| until)
    }
}

/// Yearly counts of a region in one run, gathered firm by firm.
pub struct Tally {
    years: usize,
    /// Differences of the stocks (incubating, post-BI, scaled up) by year, `years + 1` each.
    stocks: Vec<i64>,
    /// Events by year: born, closed, left, graduated, placed, retained.
    flows: Vec<u32>,
}

const STOCKS: usize = 3;
const FLOWS: usize = 6;

impl Tally {
    pub fn new(years: u32) -> Self {
        let years = years as usize;
        Tally {
            years,
            stocks: vec![0; STOCKS * (years + 1)],
            flows: vec![0; FLOWS * years],
        }
    }

    pub fn clear(&mut self) {
        self.stocks.fill(0);
        self.flows.fill(0);
    }

    /// The year an event at boundary `t` counts in (`None` past the horizon).
    #[inline]
    fn year_of(&self, t: u32) -> Option<usize> {
        let y = (t.max(1) as usize - 1) / 12;
        (y < self.years).then_some(y)
    }

    /// A stock over `[from, until)`: counted at the year ends `12 (y + 1)` inside it.
    #[inline]
    fn stock(&mut self, which: usize, from: u32, until: u32) {
        if until <= from {
            return;
        }
        let Some(first) = self.year_of(from) else {
            return;
        };
        let last = ((until.max(1) as usize - 1) / 12).min(self.years);
        if last <= first {
            return;
        }
        let row = which * (self.years + 1);
        self.stocks[row + first] += 1;
        self.stocks[row + last] -= 1;
    }

    #[inline]
    fn flow(&mut self, which: usize, at: u32) {
        if let Some(y) = self.year_of(at) {
            self.flows[which * self.years + y] += 1;
        }
    }

    pub fn add(&mut self, life: &Life) {
        self.flow(0, life.born);
        self.stock(0, life.born, life.incubating_until);
        if life.graduated {
            self.flow(3, life.incubating_until);
        }
        if life.placed {
            self.flow(4, life.incubating_until);
        }
        if life.retained {
            self.flow(5, life.incubating_until);
        }
        if let Some((from, until)) = life.post_bi {
            self.stock(1, from, until);
        }
        if let Some(from) = life.outside_from {
            self.stock(2, from, life.end);
        }
        if life.end != NEVER {
            self.flow(if life.left { 2 } else { 1 }, life.end);
        }
    }

    /// The counts into `out`: `years × MEASURES` values, year by year in [`Measure::ALL`] order.
    pub fn write(&self, out: &mut [f64]) {
        let mut stock = [0i64; STOCKS];
        let mut flow = [0u64; FLOWS];
        for y in 0..self.years {
            for (s, value) in stock.iter_mut().enumerate() {
                *value += self.stocks[s * (self.years + 1) + y];
            }
            for (f, value) in flow.iter_mut().enumerate() {
                *value += u64::from(self.flows[f * self.years + y]);
            }
            let row = &mut out[y * MEASURES..(y + 1) * MEASURES];
            let [incubating, post_bi, scaled_up] = stock.map(|v| v as f64);
            let [born, closed, left, graduated, placed, retained] = flow.map(|v| v as f64);
            row[0] = born;
            row[1] = incubating;
            row[2] = post_bi;
            row[3] = scaled_up;
            row[4] = incubating + post_bi + scaled_up;
            row[5] = closed;
            row[6] = left;
            row[7] = graduated;
            row[8] = placed;
            row[9] = if graduated > 0.0 {
                retained / graduated
            } else {
                f64::NAN
            };
        }
    }
}

/// Scratch space of one thread, reused run after run.
pub struct Scratch {
    firms: Vec<Firm>,
    /// Graduates by month: `starts[t]..starts[t + 1]` of `order`.
    starts: Vec<u32>,
    next: Vec<u32>,
    order: Vec<u32>,
    busy: Vec<u32>,
    frees: Vec<u32>,
    tally: Tally,
}

impl Scratch {
    pub fn new(model: &Model) -> Self {
        Scratch {
            firms: Vec::new(),
            starts: Vec::new(),
            next: Vec::new(),
            order: Vec::new(),
            busy: Vec::new(),
            frees: Vec::new(),
            tally: Tally::new(model.years),
        }
    }
}

/// One run of one region: its yearly counts into `out` (`years × MEASURES`).
///
/// Placement: at each month boundary, units freed then are free first; then the month's
/// graduates, in the order of [`births`], each take a free unit of the kind they need if the
/// region has one open, else go unplaced. This is the rule the monotonicity argument of the
/// module docs is about.
pub fn run_region(
    model: &Model,
    region: &RegionModel,
    run: Stream,
    scratch: &mut Scratch,
    out: &mut [f64],
) {
    let horizon = model.horizon;
    births(region, run, model.years, horizon, &mut scratch.firms);
    let Scratch {
        firms,
        starts,
        next,
        order,
        busy,
        frees,
        tally,
    } = scratch;
    tally.clear();
    // Graduates bucketed by month, stable (counting sort).
    let months = horizon as usize + 2;
    starts.clear();
    starts.resize(months + 1, 0);
    for firm in firms.iter() {
        if firm.graduates <= horizon {
            starts[firm.graduates as usize + 1] += 1;
        } else {
            tally.add(&Life::of(firm, region, false));
        }
    }
    for t in 1..starts.len() {
        starts[t] += starts[t - 1];
    }
    order.clear();
    order.resize(starts[months] as usize, 0);
    next.clear();
    next.extend_from_slice(&starts[..months]);
    for (i, firm) in firms.iter().enumerate() {
        if firm.graduates <= horizon {
            let slot = &mut next[firm.graduates as usize];
            order[*slot as usize] = i as u32;
            *slot += 1;
        }
    }
    let kinds = region.kinds.len();
    busy.clear();
    busy.resize(kinds, 0);
    frees.clear();
    frees.resize(kinds * months, 0);
    for t in 1..=horizon as usize {
        for (k, busy) in busy.iter_mut().enumerate() {
            *busy -= frees[k * months + t];
        }
        for &i in &order[starts[t] as usize..starts[t + 1] as usize] {
            let firm = &firms[i as usize];
            let k = firm.kind as usize;
            let free = k < kinds && busy[k] < region.capacity[k][t];
            let life = Life::of(firm, region, free);
            if free {
                busy[k] += 1;
                if let Some(release) = life.releases() {
                    if release <= horizon {
                        frees[k * months + release as usize] += 1;
                    }
                }
            }
            tally.add(&life);
        }
    }
    tally.write(out);
}

/// The values of one run: for each model (base, variants), region and year, the measures.
pub fn run_once(models: &[Model], seed: u64, run: u32, scratch: &mut [Scratch], out: &mut [f64]) {
    let stream = Stream::run(seed, run);
    let mut at = 0;
    for (model, scratch) in models.iter().zip(scratch.iter_mut()) {
        let size = model.years as usize * MEASURES;
        for region in &model.regions {
            run_region(model, region, stream, scratch, &mut out[at..at + size]);
            at += size;
        }
    }
}

/// Values per run: `Σ regions × years × MEASURES` over the models.
pub fn run_size(models: &[Model]) -> usize {
    models
        .iter()
        .map(|m| m.regions.len() * m.years as usize * MEASURES)
        .sum()
}

/// Every run's values, `runs × run_size`, run after run: runs are split into contiguous
/// chunks over `threads` scoped threads, and each run depends only on its index, so the result
/// is the same for any number of threads. `progress` hears of each run done.
pub fn run_all(
    models: &[Model],
    seed: u64,
    runs: u32,
    threads: usize,
    progress: &(dyn Fn(u32) + Sync),
) -> Vec<f64> {
    let size = run_size(models);
    let mut values = vec![0.0; size * runs as usize];
    if size == 0 || runs == 0 {
        return values;
    }
    let threads = threads.clamp(1, runs as usize);
    let per_thread = (runs as usize).div_ceil(threads);
    std::thread::scope(|scope| {
        for (chunk_index, chunk) in values.chunks_mut(per_thread * size).enumerate() {
            scope.spawn(move || {
                let mut scratch: Vec<Scratch> = models.iter().map(Scratch::new).collect();
                let first = chunk_index * per_thread;
                for (i, out) in chunk.chunks_mut(size).enumerate() {
                    run_once(models, seed, (first + i) as u32, &mut scratch, out);
                    progress(1);
                }
            });
        }
    });
    values
}
