//! `ucz site score FILE.toml`: site suitability (docs/site-suitability.md) — the candidate sites
//! as a table or JSON, and with `--out DIR` the surface as a GeoTIFF (EPSG:5179), the sites as
//! GeoJSON in WGS84 and in EPSG:5179, and map tiles for a zoom range.

use std::path::{Path, PathBuf};

use anyhow::Context;
use ucz_core::crs::Crs;
use ucz_core::{Catalog, Lang};
use ucz_service::suitability::{self as site, Scored, SiteError};

use crate::ListFormat;
use crate::input::{self, BadInput};
use crate::output;

pub struct Asked {
    pub file: PathBuf,
    pub weights: Vec<String>,
    pub out: Option<PathBuf>,
    pub tiles: Option<String>,
    pub format: ListFormat,
    pub lang: Lang,
}

/// Reads `id=weight` flags.
fn weights(flags: &[String]) -> Result<Vec<(String, f64)>, BadInput> {
    flags
        .iter()
        .map(|f| {
            let (id, w) = f.split_once('=').ok_or_else(|| {
                BadInput(format!("error: --weight {f}: expected CRITERION=WEIGHT"))
            })?;
            let w: f64 = w
                .trim()
                .parse()
                .map_err(|_| BadInput(format!("error: --weight {f}: `{w}` is not a number")))?;
            Ok((id.trim().to_string(), w))
        })
        .collect()
}

/// `8-12` or `11`.
fn zooms(text: &str) -> Result<(u8, u8), BadInput> {
    let bad = || {
        BadInput(format!(
            "error: --tiles {text}: expected a zoom (0–16) or a range like 8-12"
        ))
    };
    let (a, b) = text.split_once('-').unwrap_or((text, text));
    let (a, b): (u8, u8) = (
        a.trim().parse().map_err(|_| bad())?,
        b.trim().parse().map_err(|_| bad())?,
    );
    if a > b || b > 16 {
        return Err(bad());
    }
    Ok((a, b))
}

pub fn score(catalog: &Catalog, asked: Asked) -> anyhow::Result<()> {
    let name = input::name(&asked.file);
    let text = input::read_text(&asked.file)?;
    let weights = weights(&asked.weights)?;
    let zooms = asked.tiles.as_deref().map(zooms).transpose()?;
    if zooms.is_some() && asked.out.is_none() {
        return Err(BadInput("error: --tiles needs --out DIR".into()).into());
    }
    let base = asked
        .file
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let read = |path: &str| -> Result<String, String> {
        let full = base.join(path);
        input::read_text(&full).map_err(|e| e.0)
    };
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let scored = site::score(catalog, &text, &read, ucz_web::PROVINCES, &weights, threads)
        .map_err(|e| located(&name, e))?;
    if let Some(dir) = &asked.out {
        write_outputs(&scored, dir, zooms)?;
    }
    match asked.format {
        ListFormat::Json => output::json(&serde_json::json!({
            "file": name,
            "grid": scored.surface.grid,
            "scored_cells": scored.surface.scored_cells,
            "timings": scored.timings,
            "sites": scored.sites,
        })),
        ListFormat::Text => output::text(&table(&scored, asked.lang)),
    }
}

/// Each problem as `file:line: field: message` (the layer's own file for a layer's problem).
fn located(name: &str, e: SiteError) -> BadInput {
    BadInput(match e {
        SiteError::Spec(problems) => problems
            .iter()
            .map(|p| match p.line {
                // A weight from the command line, not from the file.
                0 => format!(
                    "error: --weight {}: {}",
                    p.field.trim_start_matches("weights."),
                    p.message
                ),
                line => format!("{name}:{line}: {}: {}", p.field, p.message),
            })
            .collect::<Vec<_>>()
            .join("\n"),
        SiteError::Layer {
            line,
            path,
            message,
        } => format!("{name}:{line}: layer {path}: {message}"),
        SiteError::Grid(message) => format!("{name}: grid: {message}"),
    })
}

fn write_outputs(scored: &Scored, dir: &Path, zooms: Option<(u8, u8)>) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let write = |file: &str, bytes: &[u8]| {
        let path = dir.join(file);
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))
    };
    write("score.tif", &site::geotiff(scored))?;
    write(
        "sites.geojson",
        site::sites_geojson(scored, Crs::Wgs84)
            .to_string()
            .as_bytes(),
    )?;
    write(
        "sites-5179.geojson",
        site::sites_geojson(scored, Crs::Epsg5179)
            .to_string()
            .as_bytes(),
    )?;
    if let (Some((z0, z1)), Some([w, s, e, n])) = (zooms, site::bounds(&scored.surface)) {
        let mut count = 0usize;
        for z in z0..=z1 {
            let (x0, y0) = tile_of(w, n, z);
            let (x1, y1) = tile_of(e, s, z);
            for x in x0..=x1 {
                let folder = dir.join(format!("tiles/{z}/{x}"));
                std::fs::create_dir_all(&folder)
                    .with_context(|| format!("cannot create {}", folder.display()))?;
                for y in y0..=y1 {
                    let png =
                        site::tile_png(&scored.surface, z, x, y).map_err(anyhow::Error::msg)?;
                    std::fs::write(folder.join(format!("{y}.png")), png)?;
                    count += 1;
                }
            }
        }
        eprintln!("{count} tiles written to {}", dir.join("tiles").display());
    }
    Ok(())
}

/// The tile holding a point at zoom z.
fn tile_of(lon: f64, lat: f64, z: u8) -> (u32, u32) {
    let n = f64::from(1u32 << z);
    let x = ((lon + 180.0) / 360.0 * n).floor();
    let lat = lat.to_radians();
    let y = ((1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n).floor();
    (x.clamp(0.0, n - 1.0) as u32, y.clamp(0.0, n - 1.0) as u32)
}

fn table(scored: &Scored, lang: Lang) -> String {
    use std::fmt::Write as _;
    let g = scored.surface.grid;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} × {} ({} m), {} {}; {} {:.2} s",
        lang.pick("격자", "grid"),
        g.cols,
        g.rows,
        g.cell_m,
        scored.surface.scored_cells,
        lang.pick("셀 평가", "cells scored"),
        lang.pick("소요", "took"),
        scored.timings.read_s + scored.timings.score_s + scored.timings.rank_s
    );
    let names: Vec<&str> = scored.criteria.iter().map(|c| c.id.as_str()).collect();
    let _ = writeln!(
        out,
        "{:>4} {:>7} {:>10} {:>9}  {}",
        "rank",
        "score",
        "lon",
        "lat",
        names.join(" / ")
    );
    for s in &scored.sites {
        let parts: Vec<String> = s
            .parts
            .iter()
            .map(|p| format!("{:.1}", p.contribution))
            .collect();
        let _ = writeln!(
            out,
            "{:>4} {:>7.2} {:>10.5} {:>9.5}  {}",
            s.rank,
            s.score,
            s.lon,
            s.lat,
            parts.join(" / ")
        );
    }
    let _ = writeln!(
        out,
        "{}",
        lang.pick(
            "(각 기준의 기여점수: 100 × 가중치 × 평점 ÷ 가중치 합)",
            "(each criterion's part: 100 × weight × rating ÷ the sum of the weights)"
        )
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_are_read_or_refused_by_name() {
        assert_eq!(
            weights(&["station=2.5".into()]).expect("ok"),
            vec![("station".into(), 2.5)]
        );
        assert!(weights(&["station".into()]).is_err());
        assert!(
            weights(&["station=high".into()])
                .expect_err("nan")
                .0
                .contains("`high`")
        );
        assert_eq!(zooms("8-12").expect("ok"), (8, 12));
        assert_eq!(zooms("11").expect("ok"), (11, 11));
        assert!(zooms("12-8").is_err() && zooms("30").is_err());
        // Daejeon station at zoom 11.
        assert_eq!(tile_of(127.4343, 36.3323, 11), (1748, 801));
    }
}
