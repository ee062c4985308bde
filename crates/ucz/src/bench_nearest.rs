//! `ucz bench nearest`: the nearest of N facilities (10,000 by default) to each of M query points
//! (1,000,000) in a Korea-sized EPSG:5179 box, with `ucz_core::nearest` (an rstar R-tree,
//! bulk-loaded), one thread. Beside it, where a Python with shapely ≥ 2 is found, the same points
//! through `shapely.STRtree.query_nearest` (GEOS, vectorized; bench/nearest_shapely.py): its
//! times, the ratio, and whether the two agree on every distance (ties may pick different
//! facilities). The Python is `$UCZ_BENCH_VENV/bin/python`, else
//! `~/.cache/ucz-bench-venv/bin/python` (scripts/bench-python.sh makes it), else `python3`.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::Context;
use ucz_core::nearest::Nearest;
use ucz_core::synth::Rng;

use crate::output;

/// The shapely side, run from a temporary directory.
const SHAPELY_SCRIPT: &str = include_str!("../../../bench/nearest_shapely.py");

/// EPSG:5179 metres: mainland Korea, Jeju and the East Sea islands fit in it.
const X: (f64, f64) = (750_000.0, 1_350_000.0);
const Y: (f64, f64) = (1_450_000.0, 2_100_000.0);

/// `n` points uniform in the box, to the centimetre; the same seed gives the same points.
fn points(rng: &mut Rng, n: usize) -> Vec<(f64, f64)> {
    let cm = |v: f64| (v * 100.0).round() / 100.0;
    let mut within = |(lo, hi): (f64, f64)| cm(lo + (hi - lo) * rng.unit());
    (0..n).map(|_| (within(X), within(Y))).collect()
}

pub fn run(facilities: usize, queries: usize, seed: u64) -> anyhow::Result<()> {
    let mut rng = Rng::new(seed);
    let sites = points(&mut rng, facilities);
    let points = points(&mut rng, queries);

    let started = Instant::now();
    let index: Nearest<u32> = sites
        .iter()
        .zip(0u32..)
        .map(|(&(x, y), id)| (x, y, id))
        .collect();
    let build = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let found: Vec<(u32, f64)> = points
        .iter()
        .map(|&(x, y)| {
            index
                .nearest(x, y)
                .map_or((u32::MAX, f64::INFINITY), |(&id, d)| (id, d))
        })
        .collect();
    let query = started.elapsed().as_secs_f64();
    let distances: Vec<f64> = found.iter().map(|f| f.1).collect();
    let mean = distances.iter().sum::<f64>() / distances.len().max(1) as f64;

    let mut out = format!(
        "facilities: {facilities}\nquery points: {queries}\n\
         box: EPSG:5179 x {:.0}–{:.0}, y {:.0}–{:.0} (uniform, seed {seed})\n\
         ucz (rstar R-tree, 1 thread): build {:.1} ms, {queries} nearest queries {:.1} ms, {:.0} queries/s\n\
         mean distance to the nearest facility: {mean:.1} m\n",
        X.0,
        X.1,
        Y.0,
        Y.1,
        build * 1000.0,
        query * 1000.0,
        queries as f64 / query.max(f64::MIN_POSITIVE),
    );
    output::text(&out)?;
    out.clear();

    match shapely_beside(&sites, &points, &distances)? {
        Beside::Missing(why) => {
            let _ = writeln!(
                out,
                "beside: no shapely ≥ 2 ({why}); nothing measured beside ucz.\n  \
                 To compare with shapely.STRtree: scripts/bench-python.sh (a venv at \
                 ${{UCZ_BENCH_VENV:-$HOME/.cache/ucz-bench-venv}} with shapely and numpy), then run again."
            );
        }
        Beside::Measured {
            versions,
            make_points,
            build: their_build,
            query: their_query,
            differ,
            worst,
        } => {
            let _ = writeln!(
                out,
                "beside: {versions}, STRtree.query_nearest (vectorized, 1 thread): \
                 points to geometries {:.1} ms, build {:.1} ms, queries {:.1} ms, {:.0} queries/s\n\
                 ratio shapely / ucz: build {:.2}×, queries {:.2}× (shapely's geometry making not counted)\n\
                 distances: {}",
                make_points * 1000.0,
                their_build * 1000.0,
                their_query * 1000.0,
                queries as f64 / their_query.max(f64::MIN_POSITIVE),
                their_build / build.max(f64::MIN_POSITIVE),
                their_query / query.max(f64::MIN_POSITIVE),
                if differ == 0 {
                    format!("agree on all {queries} (largest difference {worst:.1e} m)")
                } else {
                    format!("DIFFER on {differ} of {queries} (largest difference {worst:.3} m)")
                },
            );
            output::text(&out)?;
            if differ > 0 {
                anyhow::bail!("ucz and shapely disagree on {differ} nearest distances");
            }
            return Ok(());
        }
    }
    output::text(&out)
}

enum Beside {
    /// Why no comparison was made.
    Missing(String),
    Measured {
        versions: String,
        make_points: f64,
        build: f64,
        query: f64,
        /// Query points whose nearest distances differ by more than a micrometre.
        differ: usize,
        /// The largest difference, metres.
        worst: f64,
    },
}

/// The venv's python if there is one, else `python3`.
pub(crate) fn python() -> PathBuf {
    let venv = std::env::var_os("UCZ_BENCH_VENV")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache/ucz-bench-venv")));
    venv.map(|v| v.join("bin").join("python"))
        .filter(|p| p.is_file())
        .unwrap_or_else(|| PathBuf::from("python3"))
}

fn write_points(path: &Path, points: &[(f64, f64)]) -> anyhow::Result<()> {
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut out = std::io::BufWriter::new(file);
    for &(x, y) in points {
        out.write_all(&x.to_le_bytes())?;
        out.write_all(&y.to_le_bytes())?;
    }
    out.flush()?;
    Ok(())
}

fn shapely_beside(
    sites: &[(f64, f64)],
    points: &[(f64, f64)],
    ours: &[f64],
) -> anyhow::Result<Beside> {
    let python = python();
    let dir = tempfile::tempdir()?;
    let script = dir.path().join("nearest_shapely.py");
    std::fs::write(&script, SHAPELY_SCRIPT)?;
    let (sites_file, points_file, distances_file) = (
        dir.path().join("facilities.f64"),
        dir.path().join("queries.f64"),
        dir.path().join("distances.f64"),
    );
    write_points(&sites_file, sites)?;
    write_points(&points_file, points)?;
    let run = Command::new(&python)
        .arg(&script)
        .args([&sites_file, &points_file, &distances_file])
        .output();
    let output = match run {
        Ok(output) => output,
        Err(e) => {
            return Ok(Beside::Missing(format!(
                "cannot run {}: {e}",
                python.display()
            )));
        }
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    match output.status.code() {
        Some(0) => {}
        Some(3) => {
            return Ok(Beside::Missing(format!(
                "{}: {}",
                python.display(),
                stderr.trim()
            )));
        }
        _ => anyhow::bail!(
            "{} bench/nearest_shapely.py failed ({}): {}",
            python.display(),
            output.status,
            stderr.trim()
        ),
    }
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).with_context(|| {
        format!(
            "unreadable output of nearest_shapely.py: {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })?;
    let seconds = |key: &str| report[key].as_f64().unwrap_or(f64::NAN);
    let text = |key: &str| report[key].as_str().unwrap_or("?").to_string();
    let bytes = std::fs::read(&distances_file)?;
    let theirs: Vec<f64> = bytes
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
        .collect();
    anyhow::ensure!(
        theirs.len() == ours.len(),
        "shapely gave {} distances for {} points",
        theirs.len(),
        ours.len()
    );
    let (mut differ, mut worst) = (0, 0.0_f64);
    for (a, b) in ours.iter().zip(&theirs) {
        if a == b {
            continue; // also both infinite: no facilities
        }
        let d = (a - b).abs();
        if d.is_nan() || d > 1e-6 {
            differ += 1;
        }
        worst = worst.max(if d.is_nan() { f64::INFINITY } else { d });
    }
    Ok(Beside::Measured {
        versions: format!(
            "shapely {} (GEOS {}, numpy {}, {})",
            text("shapely"),
            text("geos"),
            text("numpy"),
            python.display()
        ),
        make_points: seconds("make_points_s"),
        build: seconds("build_s"),
        query: seconds("query_s"),
        differ,
        worst,
    })
}
