//! Site suitability, after Klosterman's What if?: each criterion turns a layer into a value per
//! cell (the distance to the nearest station, the youth population of the district), a rating
//! curve turns the value into a rating from 0 to 1, and the cell's score is the importance-weighted
//! mean of its ratings, 0 to 100. Cells outside the study area or inside an excluding mask have no
//! score. The best cells, kept a minimum spacing apart, are the candidate sites, each with what
//! every criterion added to its score.
//!
//! Distances are raster distance transforms ([`distance`]) from the cells the facilities fall in,
//! so a distance is exact between cell centres and within half a cell's diagonal of the
//! facility itself.

pub mod distance;
pub mod geotiff;
pub mod grid;
pub mod layer;
pub mod spec;
pub mod tile;

#[cfg(test)]
mod tests;

use serde::Serialize;

pub use grid::{Grid, Polygon};

/// A rating curve: (value, rating) points with values strictly increasing and ratings in 0..=1;
/// flat before the first and after the last point, straight between.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Curve(pub Vec<(f64, f64)>);

impl Curve {
    /// Why the points do not make a curve, if they don't.
    pub fn problem(points: &[(f64, f64)]) -> Option<String> {
        if points.is_empty() {
            return Some("a curve needs at least one [value, rating] point".into());
        }
        for (i, &(x, r)) in points.iter().enumerate() {
            if !x.is_finite() {
                return Some(format!("point {}: the value is not a finite number", i + 1));
            }
            if !(0.0..=1.0).contains(&r) {
                return Some(format!(
                    "point {}: the rating {r} is not between 0 and 1",
                    i + 1
                ));
            }
            if i > 0 && x <= points[i - 1].0 {
                return Some(format!(
                    "point {}: values must increase ({x} after {})",
                    i + 1,
                    points[i - 1].0
                ));
            }
        }
        None
    }

    pub fn rate(&self, value: f64) -> f64 {
        let p = &self.0;
        let Some(&(first, r0)) = p.first() else {
            return 0.0;
        };
        if value.is_nan() {
            return 0.0;
        }
        if value <= first {
            return r0;
        }
        for w in p.windows(2) {
            let ((x0, y0), (x1, y1)) = (w[0], w[1]);
            if value <= x1 {
                return y0 + (y1 - y0) * (value - x0) / (x1 - x0);
            }
        }
        p[p.len() - 1].1
    }
}

/// What a criterion reads from its layer.
#[derive(Clone, Debug)]
pub enum Source {
    /// Distance, metres, to the nearest of these points, lines and areas (0 on a line and
    /// inside an area).
    DistanceTo(Shapes),
    /// The value of the polygon a cell's centre lies in (none: no value, rated 0).
    ValueIn(Vec<(Polygon, f64)>),
    /// The value of the nearest point (each point stands for the area nearest to it, as a
    /// district's office for its district when no boundaries are at hand).
    ValueOfNearest(Vec<(f64, f64, f64)>),
}

/// A layer's features as a distance criterion reads them.
#[derive(Clone, Debug, Default)]
pub struct Shapes {
    pub points: Vec<(f64, f64)>,
    pub lines: Vec<Vec<(f64, f64)>>,
    pub areas: Vec<Polygon>,
}

#[derive(Clone, Debug)]
pub struct Criterion {
    pub id: String,
    pub name_ko: String,
    pub name_en: String,
    /// Importance weight, ≥ 0.
    pub weight: f64,
    pub curve: Curve,
    pub source: Source,
}

impl Shapes {
    /// Points alone.
    pub fn points(points: Vec<(f64, f64)>) -> Self {
        Shapes {
            points,
            ..Shapes::default()
        }
    }
}

impl Source {
    /// Whether any of the layer reaches the grid: a point inside it, a line or area whose box
    /// meets it. A criterion reaching nothing would rate every cell alike, so it is refused.
    pub fn reaches(&self, grid: &Grid) -> bool {
        let (x1, y1) = grid.max();
        let meets = |ring: &[(f64, f64)]| {
            let (mut lo, mut hi) = (
                (f64::INFINITY, f64::INFINITY),
                (f64::NEG_INFINITY, f64::NEG_INFINITY),
            );
            for &(x, y) in ring {
                lo = (lo.0.min(x), lo.1.min(y));
                hi = (hi.0.max(x), hi.1.max(y));
            }
            lo.0 <= x1 && hi.0 >= grid.x0 && lo.1 <= grid.y0 && hi.1 >= y1
        };
        let inside = |&(x, y): &(f64, f64)| grid.index_of(x, y).is_some();
        match self {
            Source::DistanceTo(s) => {
                s.points.iter().any(inside)
                    || s.lines.iter().any(|l| meets(l))
                    || s.areas.iter().flatten().any(|r| meets(r))
            }
            Source::ValueIn(polygons) => polygons.iter().flat_map(|(p, _)| p).any(|r| meets(r)),
            Source::ValueOfNearest(points) => points
                .iter()
                .any(|&(x, y, _)| grid.index_of(x, y).is_some()),
        }
    }
}

/// Cells inside these polygons are taken out (`exclude`) or are the only ones kept.
#[derive(Clone, Debug)]
pub struct Mask {
    pub id: String,
    pub polygons: Vec<Polygon>,
    pub exclude: bool,
}

/// A scored grid: the score of every cell (NaN where there is none) and each criterion's value.
pub struct Surface {
    pub grid: Grid,
    pub score: Vec<f32>,
    /// Per criterion, in the criteria's order: metres or the layer's value per cell (NaN: none).
    pub values: Vec<Vec<f32>>,
    pub scored_cells: usize,
}

/// Scores the grid. `area`: the study area's polygons (empty: the whole grid).
pub fn score(
    grid: Grid,
    area: &[Polygon],
    masks: &[Mask],
    criteria: &[Criterion],
    threads: usize,
) -> Surface {
    let n = grid.len();
    let mut keep = vec![area.is_empty(); n];
    for polygon in area {
        grid.scan(polygon, |a, b| keep[a..b].fill(true));
    }
    for mask in masks {
        let mut inside = vec![false; n];
        for polygon in &mask.polygons {
            grid.scan(polygon, |a, b| inside[a..b].fill(true));
        }
        for (k, inside) in keep.iter_mut().zip(inside) {
            *k &= inside != mask.exclude;
        }
    }
    let values: Vec<Vec<f32>> = criteria
        .iter()
        .map(|c| values(&grid, &c.source, threads))
        .collect();
    let total: f64 = criteria.iter().map(|c| c.weight).sum();
    let mut score = vec![f32::NAN; n];
    let mut scored_cells = 0;
    // Weighted ratings added criterion by criterion, over blocks of cells on each thread.
    let threads = threads.max(1);
    let block = n.div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let mut handles = Vec::new();
        for (b, (out, keep)) in score.chunks_mut(block).zip(keep.chunks(block)).enumerate() {
            let values = &values;
            handles.push(scope.spawn(move || {
                let offset = b * block;
                let mut sum = vec![0f64; out.len()];
                for (criterion, values) in criteria.iter().zip(values) {
                    if criterion.weight == 0.0 {
                        continue;
                    }
                    let values = &values[offset..offset + out.len()];
                    for (s, &v) in sum.iter_mut().zip(values) {
                        *s += criterion.weight * criterion.curve.rate(f64::from(v));
                    }
                }
                let mut scored = 0;
                for ((o, s), &k) in out.iter_mut().zip(sum).zip(keep) {
                    if k {
                        *o = if total > 0.0 {
                            (100.0 * s / total) as f32
                        } else {
                            0.0
                        };
                        scored += 1;
                    }
                }
                scored
            }));
        }
        scored_cells = handles.into_iter().map(|h| h.join().unwrap_or(0)).sum();
    });
    Surface {
        grid,
        score,
        values,
        scored_cells,
    }
}

/// A criterion's value in every cell.
fn values(grid: &Grid, source: &Source, threads: usize) -> Vec<f32> {
    let n = grid.len();
    match source {
        Source::DistanceTo(shapes) => {
            let mut seeds = seeds(grid, shapes.points.iter().copied());
            // A line marks every cell it passes (sampled at a quarter cell); an area every cell
            // whose centre it holds, and its outline.
            let step = grid.cell_m / 4.0;
            let mut mark = |x: f64, y: f64| {
                if let Some(cell) = grid.index_of(x, y) {
                    seeds[cell] = 0;
                }
            };
            let outlines = shapes.areas.iter().flatten();
            for line in shapes.lines.iter().chain(outlines) {
                for w in line.windows(2) {
                    let ((x0, y0), (x1, y1)) = (w[0], w[1]);
                    let n = ((x1 - x0).hypot(y1 - y0) / step).ceil().clamp(1.0, 1e7) as usize;
                    for i in 0..=n {
                        let t = i as f64 / n as f64;
                        mark(x0 + t * (x1 - x0), y0 + t * (y1 - y0));
                    }
                }
                if let Some(&(x, y)) = line.first() {
                    mark(x, y);
                }
            }
            for area in &shapes.areas {
                grid.scan(area, |a, b| seeds[a..b].fill(0));
            }
            let t = distance::transform(&seeds, grid.rows, grid.cols, threads);
            let cell = grid.cell_m as f32;
            t.squared.into_iter().map(|d| d.sqrt() * cell).collect()
        }
        Source::ValueOfNearest(points) => {
            let seeds = seeds(grid, points.iter().map(|&(x, y, _)| (x, y)));
            let t = distance::transform(&seeds, grid.rows, grid.cols, threads);
            t.nearest
                .into_iter()
                .map(|s| points.get(s as usize).map_or(f32::NAN, |p| p.2 as f32))
                .collect()
        }
        Source::ValueIn(polygons) => {
            let mut out = vec![f32::NAN; n];
            for (polygon, value) in polygons {
                grid.scan(polygon, |a, b| out[a..b].fill(*value as f32));
            }
            out
        }
    }
}

/// Each point's cell marked with the point's index (the first point of a cell wins).
fn seeds(grid: &Grid, points: impl Iterator<Item = (f64, f64)>) -> Vec<u32> {
    let mut seeds = vec![u32::MAX; grid.len()];
    for (i, (x, y)) in points.enumerate() {
        if let Some(cell) = grid.index_of(x, y)
            && seeds[cell] == u32::MAX
        {
            seeds[cell] = i as u32;
        }
    }
    seeds
}

/// What one criterion added to a site's score.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Part {
    pub criterion: String,
    /// Metres or the layer's value; none where the cell has no value.
    pub value: Option<f64>,
    pub rating: f64,
    pub weight: f64,
    /// Points of the 0–100 score: 100 × weight × rating / the sum of the weights.
    pub contribution: f64,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Candidate {
    pub rank: usize,
    /// The cell's centre, EPSG:5179.
    pub x: f64,
    pub y: f64,
    pub score: f64,
    pub parts: Vec<Part>,
}

/// The `count` best cells, best first, no two closer than `spacing_m` (centre to centre); ties go
/// to the cell further north, then further west, so the ranking does not depend on threads.
pub fn candidates(
    surface: &Surface,
    criteria: &[Criterion],
    count: usize,
    spacing_m: f64,
) -> Vec<Candidate> {
    let grid = surface.grid;
    // Only cells that could make the list need sorting: those at or above the score of the
    // `limit`-th best cell (a histogram of scores in 0.01 steps finds it). The limit allows for
    // the cells the spacing passes over; if it proves short, every scored cell is sorted.
    let per_site = (std::f64::consts::PI * (spacing_m / grid.cell_m).powi(2))
        .ceil()
        .max(1.0);
    let limit = (count as f64 * (2.0 * per_site + 1.0)).min(surface.score.len() as f64) as usize;
    let mut histogram = vec![0usize; 10_002];
    for &s in &surface.score {
        if !s.is_nan() {
            histogram[bucket(s)] += 1;
        }
    }
    let mut seen = 0;
    let mut floor = 0;
    for b in (0..histogram.len()).rev() {
        seen += histogram[b];
        if seen >= limit {
            floor = b;
            break;
        }
    }
    loop {
        let chosen = pick(surface, criteria, count, spacing_m, floor);
        if chosen.len() == count || floor == 0 {
            return chosen;
        }
        floor = 0;
    }
}

fn pick(
    surface: &Surface,
    criteria: &[Criterion],
    count: usize,
    spacing_m: f64,
    floor: usize,
) -> Vec<Candidate> {
    let grid = surface.grid;
    let mut order: Vec<usize> = (0..surface.score.len())
        .filter(|&i| !surface.score[i].is_nan() && bucket(surface.score[i]) >= floor)
        .collect();
    order.sort_by(|&a, &b| {
        surface.score[b]
            .total_cmp(&surface.score[a])
            .then(a.cmp(&b))
    });
    let total: f64 = criteria.iter().map(|c| c.weight).sum();
    let spacing2 = spacing_m * spacing_m;
    let mut chosen: Vec<Candidate> = Vec::new();
    for i in order {
        if chosen.len() == count {
            break;
        }
        let (x, y) = grid.centre(i);
        if chosen
            .iter()
            .any(|c| (c.x - x).powi(2) + (c.y - y).powi(2) < spacing2)
        {
            continue;
        }
        let parts = criteria
            .iter()
            .zip(&surface.values)
            .map(|(c, values)| {
                let value = f64::from(values[i]);
                let rating = c.curve.rate(value);
                Part {
                    criterion: c.id.clone(),
                    value: (!value.is_nan()).then_some(value),
                    rating,
                    weight: c.weight,
                    contribution: if total > 0.0 {
                        100.0 * c.weight * rating / total
                    } else {
                        0.0
                    },
                }
            })
            .collect();
        chosen.push(Candidate {
            rank: chosen.len() + 1,
            x,
            y,
            score: f64::from(surface.score[i]),
            parts,
        });
    }
    chosen
}

fn bucket(score: f32) -> usize {
    ((score.clamp(0.0, 100.0) * 100.0) as usize).min(10_001)
}
