//! `ucz bench site`: site suitability on a synthetic national grid — about 10 M cells of 100 m
//! (3,200 × 3,125, a 320 × 312.5 km box of EPSG:5179) with six criteria: distances to stations,
//! universities, research institutes and incubators, a district value from 250 polygons and the
//! value of the nearest of 250 points, and a mask. Prints each step's time. Beside it, where a
//! Python with SciPy is found (scripts/bench-python.sh), SciPy's exact Euclidean distance
//! transform (`scipy.ndimage.distance_transform_edt`) on the same seeds as one criterion, and
//! whether the two agree.

use std::fmt::Write as _;
use std::process::Command;
use std::time::Instant;

use anyhow::Context;
use ucz_core::suitability::{self, Criterion, Curve, Grid, Mask, Shapes, Source};
use ucz_core::synth::Rng;

use crate::output;

const EDT_SCRIPT: &str = include_str!("../../../bench/edt_scipy.py");

/// Uniform in [lo, hi); the same seed gives the same layers.
fn within(rng: &mut Rng, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * rng.unit()
}

pub fn run(cols: usize, rows: usize, seed: u64) -> anyhow::Result<()> {
    if cols == 0 || rows == 0 || cols.saturating_mul(rows) > suitability::grid::MAX_CELLS {
        return Err(crate::input::BadInput(format!(
            "error: --cols {cols} --rows {rows}: from 1 cell to {} cells",
            suitability::grid::MAX_CELLS
        ))
        .into());
    }
    let grid = Grid {
        x0: 800_000.0,
        y0: 2_000_000.0,
        cell_m: 100.0,
        cols,
        rows,
    };
    let (x1, y1) = grid.max();
    let mut draw = Rng::new(seed);
    let mut points = |n: usize| -> Vec<(f64, f64)> {
        (0..n)
            .map(|_| {
                (
                    within(&mut draw, grid.x0, x1),
                    within(&mut draw, y1, grid.y0),
                )
            })
            .collect()
    };
    let (stations, universities, research, incubators) =
        (points(700), points(400), points(200), points(300));
    let offices = points(250);
    let mut draw = Rng::new(seed ^ 0xA5A5);
    // Districts: 250 squares of 5–25 km a side, each with a youth share.
    let districts: Vec<(suitability::Polygon, f64)> = (0..250)
        .map(|_| {
            let (x, y) = (
                within(&mut draw, grid.x0, x1),
                within(&mut draw, y1, grid.y0),
            );
            let h = within(&mut draw, 2_500.0, 12_500.0);
            let ring = vec![
                (x - h, y - h),
                (x + h, y - h),
                (x + h, y + h),
                (x - h, y + h),
            ];
            (vec![ring], within(&mut draw, 0.15, 0.40))
        })
        .collect();
    let values: Vec<(f64, f64, f64)> = offices
        .iter()
        .map(|&(x, y)| (x, y, within(&mut draw, 10_000.0, 150_000.0)))
        .collect();
    let near = |id: &str, weight: f64, far: f64, source: Source| Criterion {
        id: id.into(),
        name_ko: id.into(),
        name_en: id.into(),
        weight,
        curve: Curve(vec![(0.0, 1.0), (far / 3.0, 0.6), (far, 0.0)]),
        source,
    };
    let criteria = vec![
        near(
            "station",
            3.0,
            3_000.0,
            Source::DistanceTo(Shapes::points(stations.clone())),
        ),
        near(
            "university",
            2.0,
            4_000.0,
            Source::DistanceTo(Shapes::points(universities)),
        ),
        near(
            "research",
            2.0,
            6_000.0,
            Source::DistanceTo(Shapes::points(research)),
        ),
        near(
            "incubator",
            2.0,
            8_000.0,
            Source::DistanceTo(Shapes::points(incubators)),
        ),
        Criterion {
            id: "youth_share".into(),
            name_ko: "youth_share".into(),
            name_en: "youth_share".into(),
            weight: 1.0,
            curve: Curve(vec![(0.15, 0.0), (0.40, 1.0)]),
            source: Source::ValueIn(districts),
        },
        Criterion {
            id: "youth".into(),
            name_ko: "youth".into(),
            name_en: "youth".into(),
            weight: 1.0,
            curve: Curve(vec![(10_000.0, 0.0), (150_000.0, 1.0)]),
            source: Source::ValueOfNearest(values),
        },
    ];
    let (cx, cy) = ((grid.x0 + x1) / 2.0, (grid.y0 + y1) / 2.0);
    let masks = vec![Mask {
        id: "reserve".into(),
        polygons: vec![vec![vec![
            (cx, cy),
            (cx + 40_000.0, cy),
            (cx + 40_000.0, cy + 30_000.0),
            (cx, cy + 30_000.0),
        ]]],
        exclude: true,
    }];
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let started = Instant::now();
    let surface = suitability::score(grid, &[], &masks, &criteria, threads);
    let scored = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let sites = suitability::candidates(&surface, &criteria, 20, 2_000.0);
    let ranked = started.elapsed().as_secs_f64();

    // One criterion alone, for the comparison below.
    let one = [Criterion {
        weight: 1.0,
        ..criteria[0].clone()
    }];
    let started = Instant::now();
    let alone = suitability::score(grid, &[], &[], &one, threads);
    let ucz_edt = started.elapsed().as_secs_f64();

    let mut out = String::new();
    let _ = writeln!(
        out,
        "grid: {cols} × {rows} = {} cells of 100 m, 6 criteria, 1 mask, {threads} threads",
        grid.len()
    );
    let _ = writeln!(
        out,
        "ucz score (6 distance/value rasters, weighted sum): {scored:.2} s ({:.1} M cells/s)",
        grid.len() as f64 / scored / 1e6
    );
    let _ = writeln!(
        out,
        "ucz candidates (20 sites, 2 km apart): {:.3} s; best score {:.2}",
        ranked,
        sites.first().map_or(0.0, |s| s.score)
    );
    let _ = writeln!(
        out,
        "ucz total: {:.2} s for {} scored cells",
        scored + ranked,
        surface.scored_cells
    );
    let _ = writeln!(
        out,
        "ucz one distance criterion (transform + rating): {ucz_edt:.2} s"
    );
    out.push_str(&scipy(&grid, &stations, &alone.values[0])?);
    output::text(&out)
}

/// SciPy's EDT over the same seeds, timed in its own process; the distances compared.
fn scipy(grid: &Grid, stations: &[(f64, f64)], ucz: &[f32]) -> anyhow::Result<String> {
    let python = crate::bench_nearest::python();
    let found = Command::new(&python)
        .args(["-c", "import numpy, scipy"])
        .output();
    if !found.is_ok_and(|o| o.status.success()) {
        return Ok("scipy: not found (scripts/bench-python.sh makes a Python with it)\n".into());
    }
    let dir = tempfile::tempdir().context("temporary directory")?;
    let mut seeds = vec![1u8; grid.len()];
    for &(x, y) in stations {
        if let Some(i) = grid.index_of(x, y) {
            seeds[i] = 0;
        }
    }
    std::fs::write(dir.path().join("seeds.u8"), &seeds)?;
    std::fs::write(dir.path().join("edt.py"), EDT_SCRIPT)?;
    let run = Command::new(&python)
        .arg(dir.path().join("edt.py"))
        .arg(dir.path().join("seeds.u8"))
        .arg(grid.rows.to_string())
        .arg(grid.cols.to_string())
        .arg(dir.path().join("out.f32"))
        .output()
        .context("running scipy")?;
    if !run.status.success() {
        return Ok(format!(
            "scipy: failed: {}\n",
            String::from_utf8_lossy(&run.stderr)
        ));
    }
    let took: f64 = String::from_utf8_lossy(&run.stdout)
        .trim()
        .parse()
        .unwrap_or(f64::NAN);
    let theirs = std::fs::read(dir.path().join("out.f32"))?;
    let mut worst = 0f64;
    for (i, chunk) in theirs.chunks_exact(4).enumerate() {
        let d =
            f64::from(f32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]])) * grid.cell_m;
        worst = worst.max((d - f64::from(ucz[i])).abs());
    }
    Ok(format!(
        "scipy.ndimage.distance_transform_edt (1 thread, same seeds): {took:.2} s; largest difference {worst:.3} m\n"
    ))
}
