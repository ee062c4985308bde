//! Site suitability as a use case: a suitability file and its layers read, projected to
//! EPSG:5179 and scored (`ucz site score`, `/planning/sites`, `/api/v1/site/score`), the
//! candidate sites as GeoJSON in WGS84 or 5179, the surface as a GeoTIFF and as map tiles.
//! Admins, coordinators and zone operators may score (`access::plan`); one scoring runs at a
//! time, on a blocking thread, and holds its turn until it ends even if the caller goes away.

use std::time::Instant;

use serde::Serialize;
use serde_json::{Value, json};
use ucz_core::Catalog;
use ucz_core::crs::{Crs, Transform};
use ucz_core::suitability::layer::{self, Layer};
use ucz_core::suitability::spec::{Area, LayerRef, Measure, Spec, SpecProblem};
use ucz_core::suitability::{self, Criterion, Curve, Grid, Mask, Part, Polygon, Surface, tile};

/// How far the grid reaches past the study area, at most.
const MAX_PAD_M: f64 = 30_000.0;

/// Cells × (criteria + 1) a scoring may hold: the whole country at 100 m with six criteria
/// (about 40 M cells) fits; a request beyond it is refused before anything is allocated.
pub const CELL_BUDGET: usize = 400_000_000;

/// The bundled sample: Daejeon's suitability file and its layers (examples/site).
pub const SAMPLE_NAME: &str = "examples/site/daejeon.toml";
pub const SAMPLE: &str = include_str!("../../../examples/site/daejeon.toml");
const SAMPLE_LAYERS: [(&str, &str); 6] = [
    (
        "daejeon/stations.geojson",
        include_str!("../../../examples/site/daejeon/stations.geojson"),
    ),
    (
        "daejeon/universities.geojson",
        include_str!("../../../examples/site/daejeon/universities.geojson"),
    ),
    (
        "daejeon/research-institutes.geojson",
        include_str!("../../../examples/site/daejeon/research-institutes.geojson"),
    ),
    (
        "daejeon/incubators.geojson",
        include_str!("../../../examples/site/daejeon/incubators.geojson"),
    ),
    (
        "daejeon/industrial-complexes.geojson",
        include_str!("../../../examples/site/daejeon/industrial-complexes.geojson"),
    ),
    (
        "daejeon/youth-by-district.geojson",
        include_str!("../../../examples/site/daejeon/youth-by-district.geojson"),
    ),
];

/// A layer of the bundled sample by its path in the file.
pub fn sample_layer(path: &str) -> Result<String, String> {
    SAMPLE_LAYERS
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, text)| (*text).to_string())
        .ok_or_else(|| format!("no bundled layer `{path}`"))
}

/// What went wrong, and where: the suitability file's line and field, or the layer's file and
/// its feature or row.
#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Spec(Vec<SpecProblem>),
    #[error("line {line}: layer {path}: {message}")]
    Layer {
        line: usize,
        path: String,
        message: String,
    },
    #[error("grid: {0}")]
    Grid(String),
}

/// A scored file: the surface, the criteria as scored, the candidate sites and how long each
/// step took.
pub struct Scored {
    pub spec: Spec,
    pub criteria: Vec<Criterion>,
    pub surface: Surface,
    pub sites: Vec<Site>,
    pub timings: Timings,
}

#[derive(Clone, Debug, Default, Serialize, schemars::JsonSchema)]
pub struct Timings {
    pub read_s: f64,
    pub score_s: f64,
    pub rank_s: f64,
}

/// A candidate site: the cell's centre in WGS84 and EPSG:5179, its score and each criterion's part.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Site {
    pub rank: usize,
    pub lon: f64,
    pub lat: f64,
    pub x_5179: f64,
    pub y_5179: f64,
    pub score: f64,
    pub parts: Vec<Part>,
}

/// Scores a suitability file. `read` gives a layer's text by its path in the file (relative to
/// the file); `provinces` is the provinces' GeoJSON the study areas are cut from; `weights`
/// replaces some criteria's weights.
pub fn score(
    catalog: &Catalog,
    text: &str,
    read: &dyn Fn(&str) -> Result<String, String>,
    provinces: &str,
    weights: &[(String, f64)],
    threads: usize,
) -> Result<Scored, SiteError> {
    let started = Instant::now();
    let spec = Spec::parse(text, catalog).map_err(SiteError::Spec)?;
    let spec = spec
        .with_weights(weights)
        .map_err(|p| SiteError::Spec(vec![p]))?;
    let area = area(catalog, &spec.area, provinces)?;
    let (mut min, mut max) = (
        (f64::INFINITY, f64::INFINITY),
        (f64::NEG_INFINITY, f64::NEG_INFINITY),
    );
    for &(x, y) in area.iter().flatten().flatten() {
        min = (min.0.min(x), min.1.min(y));
        max = (max.0.max(x), max.1.max(y));
    }
    // Facilities beyond the area's edge count for the cells near it: the grid reaches as far
    // past the area as the longest distance any curve still rates differently (at most 30 km).
    let pad = spec
        .criteria
        .iter()
        .filter(|c| c.measure == Measure::Distance)
        .filter_map(|c| c.curve.last().map(|p| p.0))
        .fold(0.0f64, f64::max)
        .clamp(0.0, MAX_PAD_M);
    let grid = Grid::covering((min.0 - pad, min.1 - pad), (max.0 + pad, max.1 + pad), spec.cell_m)
        .filter(|g| g.len().saturating_mul(spec.criteria.len() + 1) <= CELL_BUDGET)
        .ok_or_else(|| {
            SiteError::Grid(format!(
                "the area at {} m cells with {} criteria is empty or too large (at most {} cells, and {} cells × criteria); choose larger cells, a smaller area or fewer criteria",
                spec.cell_m,
                spec.criteria.len(),
                suitability::grid::MAX_CELLS,
                CELL_BUDGET
            ))
        })?;
    let mut criteria = Vec::with_capacity(spec.criteria.len());
    for c in &spec.criteria {
        let layer = load(&c.layer, read)?;
        let source = layer::source(&layer, c.measure, c.property.as_deref())
            .map_err(|p| layer_error(&c.layer, p.to_string()))?;
        if !source.reaches(&grid) {
            return Err(layer_error(
                &c.layer,
                format!(
                    "{} features, none of them on or near the area: every cell would rate alike (is the CRS right?)",
                    layer.features.len()
                ),
            ));
        }
        criteria.push(Criterion {
            id: c.id.clone(),
            name_ko: c.name_ko.clone(),
            name_en: c.name_en.clone(),
            weight: c.weight,
            curve: Curve(c.curve.clone()),
            source,
        });
    }
    let mut masks = Vec::with_capacity(spec.masks.len());
    for m in &spec.masks {
        let layer = load(&m.layer, read)?;
        let polygons = layer::polygons(&layer).map_err(|p| layer_error(&m.layer, p.to_string()))?;
        masks.push(Mask {
            id: m.id.clone(),
            polygons,
            exclude: m.exclude,
        });
    }
    let read_s = started.elapsed().as_secs_f64();
    let started = Instant::now();
    if criteria.iter().all(|c| c.weight == 0.0) {
        return Err(SiteError::Spec(vec![SpecProblem {
            line: 0,
            field: "weights".into(),
            message: "every weight is 0: give at least one criterion a weight above 0".into(),
        }]));
    }
    let mut surface = suitability::score(grid, &area, &masks, &criteria, threads);
    if surface.scored_cells == 0 {
        return Err(SiteError::Grid(
            "no cell of the area is left to score: the masks take it all out".into(),
        ));
    }
    let score_s = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let back =
        Transform::new(Crs::Epsg5179, Crs::Wgs84).map_err(|e| SiteError::Grid(e.to_string()))?;
    let sites = suitability::candidates(&surface, &criteria, spec.candidates, spec.spacing_m)
        .into_iter()
        .map(|c| {
            let (lon, lat) = back.point(c.x, c.y).unwrap_or((f64::NAN, f64::NAN));
            Site {
                rank: c.rank,
                lon,
                lat,
                x_5179: c.x,
                y_5179: c.y,
                score: c.score,
                parts: c.parts,
            }
        })
        .collect();
    let rank_s = started.elapsed().as_secs_f64();
    // The criteria's rasters served the sites' parts; the kept surface needs its scores only.
    surface.values = Vec::new();
    Ok(Scored {
        spec,
        criteria,
        surface,
        sites,
        timings: Timings {
            read_s,
            score_s,
            rank_s,
        },
    })
}

fn layer_error(at: &LayerRef, message: String) -> SiteError {
    SiteError::Layer {
        line: at.line,
        path: at.path.clone(),
        message,
    }
}

/// A layer read (GeoJSON, or CSV of points) and projected to EPSG:5179.
fn load(at: &LayerRef, read: &dyn Fn(&str) -> Result<String, String>) -> Result<Layer, SiteError> {
    let text = read(&at.path).map_err(|e| layer_error(at, e))?;
    let mut layer = if at.path.to_ascii_lowercase().ends_with(".csv") {
        csv_points(&text).map_err(|e| layer_error(at, e))?
    } else {
        layer::geojson(&text).map_err(|p| layer_error(at, p.to_string()))?
    };
    // The file's own CRS wins over the suitability file's; neither: WGS84 (RFC 7946).
    let code = layer
        .crs
        .clone()
        .or_else(|| at.crs.clone())
        .unwrap_or_else(|| "EPSG:4326".into());
    let from = Crs::from_code(&code).map_err(|e| layer_error(at, format!("crs: {e}")))?;
    let transform =
        Transform::new(from, Crs::Epsg5179).map_err(|e| layer_error(at, e.to_string()))?;
    layer::project(&mut layer, &|x, y| {
        transform.point(x, y).map_err(|e| e.to_string())
    })
    .map_err(|p| layer_error(at, p.to_string()))?;
    Ok(layer)
}

/// Points from CSV: `lon,lat` (WGS84) or `x,y` (in the CRS the suitability file gives), the other
/// columns as properties. Problems name the row's line.
fn csv_points(text: &str) -> Result<Layer, String> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| format!("header: {e}"))?
        .clone();
    let find = |names: &[&str]| {
        headers
            .iter()
            .position(|h| names.contains(&h.trim().to_ascii_lowercase().as_str()))
    };
    let (xi, yi, crs) = match (
        find(&["lon", "lng", "longitude"]),
        find(&["lat", "latitude"]),
    ) {
        (Some(x), Some(y)) => (x, y, Some("EPSG:4326".to_string())),
        _ => match (find(&["x"]), find(&["y"])) {
            (Some(x), Some(y)) => (x, y, None),
            _ => return Err("header: needs columns lon,lat or x,y".into()),
        },
    };
    let mut features = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|e| format!("{e}"))?;
        let line = row.position().map_or(0, |p| p.line());
        let number = |i: usize| -> Result<f64, String> {
            let cell = row.get(i).unwrap_or_default();
            cell.trim()
                .parse::<f64>()
                .map_err(|_| format!("line {line}: {}: `{cell}` is not a number", &headers[i]))
        };
        let (x, y) = (number(xi)?, number(yi)?);
        let properties = headers
            .iter()
            .zip(row.iter())
            .enumerate()
            .filter(|(i, _)| *i != xi && *i != yi)
            .map(|(_, (h, v))| (h.to_string(), Value::String(v.to_string())))
            .collect();
        features.push(layer::Feature {
            at: format!("line {line}"),
            geometry: layer::Geometry::Points(vec![(x, y)]),
            properties,
        });
    }
    Ok(Layer { crs, features })
}

/// The study area's polygons in EPSG:5179.
fn area(catalog: &Catalog, area: &Area, provinces: &str) -> Result<Vec<Polygon>, SiteError> {
    let to_grid =
        Transform::new(Crs::Wgs84, Crs::Epsg5179).map_err(|e| SiteError::Grid(e.to_string()))?;
    let project = |x: f64, y: f64| to_grid.point(x, y).map_err(|e| e.to_string());
    let regions: Vec<&str> = match area {
        Area::Bbox([w, s, e, n]) => {
            // The box's edges densified, so that its projected outline stays true.
            let mut ring = Vec::new();
            for i in 0..=16 {
                ring.push((w + (e - w) * f64::from(i) / 16.0, *s));
            }
            for i in 0..=16 {
                ring.push((*e, s + (n - s) * f64::from(i) / 16.0));
            }
            for i in 0..=16 {
                ring.push((e - (e - w) * f64::from(i) / 16.0, *n));
            }
            for i in 0..=16 {
                ring.push((*w, n - (n - s) * f64::from(i) / 16.0));
            }
            let ring = ring
                .into_iter()
                .map(|(x, y)| project(x, y))
                .collect::<Result<Vec<_>, _>>();
            return Ok(vec![vec![ring.map_err(SiteError::Grid)?]]);
        }
        Area::Korea => catalog.regions.iter().map(|r| r.id.as_str()).collect(),
        Area::Region(id) => vec![id.as_str()],
        Area::EconomicRegion(id) => catalog
            .economic_regions
            .iter()
            .find(|e| e.id.as_str() == id)
            .map(|e| e.members.iter().map(|m| m.as_str()).collect())
            .unwrap_or_default(),
    };
    let codes: Vec<&str> = catalog
        .regions
        .iter()
        .filter(|r| regions.contains(&r.id.as_str()))
        .filter_map(|r| r.census_code_2013.as_deref())
        .collect();
    let mut outlines =
        layer::geojson(provinces).map_err(|p| SiteError::Grid(format!("provinces: {p}")))?;
    outlines.features.retain(|f| {
        f.properties
            .get("code")
            .and_then(Value::as_str)
            .is_some_and(|c| codes.contains(&c))
    });
    layer::project(&mut outlines, &project)
        .map_err(|p| SiteError::Grid(format!("provinces: {p}")))?;
    let polygons =
        layer::polygons(&outlines).map_err(|p| SiteError::Grid(format!("provinces: {p}")))?;
    if polygons.is_empty() {
        return Err(SiteError::Grid(
            "no outline of the area in the provinces map".into(),
        ));
    }
    Ok(polygons)
}

/// The candidate sites as a GeoJSON FeatureCollection in WGS84 (RFC 7946) or EPSG:5179 (with a
/// `crs` member), each with its rank, score and every criterion's value, rating and part.
pub fn sites_geojson(scored: &Scored, crs: Crs) -> Value {
    let features: Vec<Value> = scored
        .sites
        .iter()
        .map(|s| {
            let (x, y) = if crs == Crs::Epsg5179 { (s.x_5179, s.y_5179) } else { (s.lon, s.lat) };
            let mut properties = json!({
                "rank": s.rank,
                "score": round(s.score, 2),
                "x_5179": s.x_5179,
                "y_5179": s.y_5179,
            });
            for p in &s.parts {
                properties[format!("{}_value", p.criterion)] = json!(p.value.map(|v| round(v, 1)));
                properties[format!("{}_rating", p.criterion)] = json!(round(p.rating, 3));
                properties[format!("{}_part", p.criterion)] = json!(round(p.contribution, 2));
            }
            json!({"type": "Feature", "properties": properties, "geometry": {"type": "Point", "coordinates": [x, y]}})
        })
        .collect();
    let mut collection = json!({"type": "FeatureCollection", "features": features});
    if crs == Crs::Epsg5179 {
        collection["crs"] =
            json!({"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::5179"}});
    }
    collection
}

fn round(v: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (v * f).round() / f
}

/// The surface as a GeoTIFF in EPSG:5179.
pub fn geotiff(scored: &Scored) -> Vec<u8> {
    suitability::geotiff::encode(&scored.surface.grid, &scored.surface.score, 5179)
}

/// One map tile (z/x/y, Web Mercator) of the surface as PNG.
pub fn tile_png(surface: &Surface, z: u8, x: u32, y: u32) -> Result<Vec<u8>, String> {
    let to_grid = Transform::new(Crs::Wgs84, Crs::Epsg5179).map_err(|e| e.to_string())?;
    let rgba = tile::render(&surface.grid, &surface.score, z, x, y, &|lon, lat| {
        to_grid.point(lon, lat).ok()
    });
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, tile::SIZE as u32, tile::SIZE as u32);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
        writer.write_image_data(&rgba).map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// The WGS84 box of the surface (south-west, north-east), for fitting the map to it.
pub fn bounds(surface: &Surface) -> Option<[f64; 4]> {
    let back = Transform::new(Crs::Epsg5179, Crs::Wgs84).ok()?;
    let g = surface.grid;
    let (x1, y1) = g.max();
    let corners = [(g.x0, g.y0), (x1, g.y0), (g.x0, y1), (x1, y1)];
    let mut b = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for (x, y) in corners {
        let (lon, lat) = back.point(x, y).ok()?;
        b = [b[0].min(lon), b[1].min(lat), b[2].max(lon), b[3].max(lat)];
    }
    Some(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROVINCES: &str =
        include_str!("../../ucz-web/assets/geo/korea-provinces-2013-simple.geojson");

    #[test]
    fn the_sample_scores_daejeon_and_ranks_sites_inside_it() {
        let catalog = Catalog::bundled().expect("catalog");
        let scored = score(&catalog, SAMPLE, &sample_layer, PROVINCES, &[], 2).expect("scored");
        assert_eq!(scored.spec.area, Area::Region("daejeon".into()));
        assert_eq!(scored.sites.len(), 10);
        // Daejeon lies within 127.2–127.6 E, 36.18–36.50 N.
        for s in &scored.sites {
            assert!(
                (127.2..127.6).contains(&s.lon) && (36.18..36.5).contains(&s.lat),
                "{s:?}"
            );
            let parts: f64 = s.parts.iter().map(|p| p.contribution).sum();
            assert!((parts - s.score).abs() < 0.01);
        }
        assert!(scored.sites.windows(2).all(|w| w[0].score >= w[1].score));
        let cells = scored.surface.scored_cells as f64 * 0.01; // km² at 100 m cells
        assert!(
            (400.0..700.0).contains(&cells),
            "Daejeon is about 540 km²: {cells}"
        );
        let weights = [("youth".to_string(), 50.0)];
        let heavy = score(&catalog, SAMPLE, &sample_layer, PROVINCES, &weights, 2).expect("scored");
        assert_ne!(
            (heavy.sites[0].x_5179, heavy.sites[0].y_5179),
            (scored.sites[0].x_5179, scored.sites[0].y_5179),
            "the youth weight moves the best site"
        );
        let fc = sites_geojson(&scored, Crs::Epsg5179);
        assert_eq!(fc["features"].as_array().map(Vec::len), Some(10));
        assert!(fc["features"][0]["properties"]["station_part"].is_number());
        let png = tile_png(&scored.surface, 11, 1748, 802).expect("tile");
        assert_eq!(&png[1..4], b"PNG");
    }

    #[test]
    fn a_layer_in_an_unknown_crs_or_malformed_is_named() {
        let catalog = Catalog::bundled().expect("catalog");
        let crs = |path: &str| -> Result<String, String> {
            let mut layer: Value =
                serde_json::from_str(&sample_layer(path)?).map_err(|e| e.to_string())?;
            layer["crs"] = json!({"type": "name", "properties": {"name": "EPSG:2097"}});
            Ok(layer.to_string())
        };
        let e = score(&catalog, SAMPLE, &crs, PROVINCES, &[], 1)
            .err()
            .expect("refused");
        let text = e.to_string();
        assert!(
            text.contains("daejeon/stations.geojson") && text.contains("EPSG:2097"),
            "{text}"
        );
        let broken = |path: &str| -> Result<String, String> {
            if path.contains("universities") {
                Ok(r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[127.3]}}]}"#.into())
            } else {
                sample_layer(path)
            }
        };
        let e = score(&catalog, SAMPLE, &broken, PROVINCES, &[], 1)
            .err()
            .expect("refused");
        assert!(
            e.to_string().contains("feature 0: geometry.coordinates"),
            "{e}"
        );
        let csv = "name,x,y,youth\nA,233000,415000,1\nB,233500,oops,2\n";
        let e = csv_points(csv).expect_err("bad row");
        assert!(e.starts_with("line 3: y:"), "{e}");
    }
}

/// Surfaces scored lately, by key (the hash of what was scored), so that the map's tiles and
/// the downloads read the surface the planner is looking at without scoring it again; and one
/// scoring at a time, so that a planner's run does not starve the server's other work.
pub struct Surfaces {
    kept: std::sync::Mutex<std::collections::VecDeque<(String, std::sync::Arc<Scored>)>>,
    running: std::sync::Arc<tokio::sync::Semaphore>,
}

/// Surfaces kept at once, and the bytes of their scores (a national 100 m surface is about
/// 160 MB; a city's, under 1 MB).
const KEPT: usize = 32;
const KEPT_BYTES: usize = 640 << 20;

impl Default for Surfaces {
    fn default() -> Self {
        Surfaces {
            kept: Default::default(),
            running: std::sync::Arc::new(tokio::sync::Semaphore::new(1)),
        }
    }
}

impl Surfaces {
    /// A kept surface; looking at it keeps it longer (a planner panning the map).
    pub fn get(&self, key: &str) -> Option<std::sync::Arc<Scored>> {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        let at = kept.iter().position(|(k, _)| k == key)?;
        let found = kept.remove(at)?;
        let scored = found.1.clone();
        kept.push_front(found);
        Some(scored)
    }

    fn keep(&self, key: String, scored: std::sync::Arc<Scored>) {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.retain(|(k, _)| *k != key);
        kept.push_front((key, scored));
        // The newest stays; older ones go while the kept scores take more than the budget.
        let bytes = |kept: &std::collections::VecDeque<(String, std::sync::Arc<Scored>)>| {
            kept.iter()
                .map(|(_, s)| s.surface.score.len() * 4)
                .sum::<usize>()
        };
        while kept.len() > 1 && (kept.len() > KEPT || bytes(&kept) > KEPT_BYTES) {
            kept.pop_back();
        }
    }
}

/// What a planner asks to score: a suitability file (the bundled sample when none), its layers
/// by the paths the file names (GeoJSON objects, or CSV text), and weights to replace.
#[derive(Clone, Debug, Default, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoreRequest {
    /// The suitability file's TOML text (docs/site-suitability.md); left out, the bundled
    /// Daejeon sample.
    #[serde(default)]
    pub file: Option<String>,
    /// Each layer the file names, by its path: a GeoJSON object, or CSV text. Layers of the
    /// bundled sample need not be given.
    #[serde(default)]
    pub layers: std::collections::BTreeMap<String, Value>,
    /// Criterion id → weight (0–1000), replacing the file's.
    #[serde(default)]
    pub weights: std::collections::BTreeMap<String, f64>,
}

/// Scores a request (planning staff only) and keeps the surface; the key names it for tiles and
/// downloads. A problem is a field error named `file:LINE field` or `layers.PATH`.
pub async fn score_request(
    state: &crate::Services,
    caller: &crate::Caller,
    request: ScoreRequest,
    provinces: &'static str,
) -> Result<(String, std::sync::Arc<Scored>), crate::Error> {
    use sha2::Digest;
    crate::access::plan(caller)?;
    let key = {
        let mut h = sha2::Sha256::new();
        h.update(
            serde_json::to_vec(&(&request.file, &request.layers, &request.weights))
                .unwrap_or_default(),
        );
        h.finalize()
            .iter()
            .take(12)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    if let Some(scored) = state.surfaces.get(&key) {
        return Ok((key, scored));
    }
    let scored = score_kept(state, &key, request, provinces).await?;
    Ok((key, scored))
}

/// A surface by its key: kept in this process, or scored again from the request any process
/// stored under that key. `None` when no request has that key (or it is over a week old).
pub async fn surface(
    state: &crate::Services,
    caller: &crate::Caller,
    key: &str,
    provinces: &'static str,
) -> Result<Option<std::sync::Arc<Scored>>, crate::Error> {
    crate::access::plan(caller)?;
    if let Some(scored) = state.surfaces.get(key) {
        return Ok(Some(scored));
    }
    let Some(body) = state.store.site_request(key).await? else {
        return Ok(None);
    };
    let request: ScoreRequest = serde_json::from_str(&body).map_err(crate::Error::internal)?;
    Ok(Some(score_kept(state, key, request, provinces).await?))
}

/// Scores a request, one at a time, and keeps the surface in memory and the request in the store.
async fn score_kept(
    state: &crate::Services,
    key: &str,
    request: ScoreRequest,
    provinces: &'static str,
) -> Result<std::sync::Arc<Scored>, crate::Error> {
    let body = serde_json::to_string(&request).map_err(crate::Error::internal)?;
    let turn = crate::turn::wait(&state.surfaces.running).await?;
    // Scored while this one waited its turn.
    if let Some(scored) = state.surfaces.get(key) {
        return Ok(scored);
    }
    let catalog = state.catalog.clone();
    let scored = crate::turn::run(turn, move || {
        let text = request.file.clone().unwrap_or_else(|| SAMPLE.to_string());
        let read = |path: &str| -> Result<String, String> {
            match request.layers.get(path) {
                Some(Value::String(text)) => Ok(text.clone()),
                Some(value) => Ok(value.to_string()),
                None if request.file.is_none() => sample_layer(path),
                None => Err(format!("give this layer in `layers` under \"{path}\"")),
            }
        };
        let weights: Vec<(String, f64)> = request.weights.into_iter().collect();
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        score(&catalog, &text, &read, provinces, &weights, threads)
    })
    .await?
    .map_err(refused)?;
    let scored = std::sync::Arc::new(scored);
    state.surfaces.keep(key.to_string(), scored.clone());
    state.store.put_site_request(key, &body).await?;
    Ok(scored)
}

/// A scoring problem as the API's field errors.
fn refused(e: SiteError) -> crate::Error {
    let field = |field: String, message: String| crate::FieldError {
        field,
        message: crate::Message::input(message),
    };
    crate::Error::invalid(match e {
        SiteError::Spec(problems) => problems
            .into_iter()
            .map(|p| match p.line {
                0 => field(p.field, p.message),
                line => field(format!("file:{line} {}", p.field), p.message),
            })
            .collect(),
        SiteError::Layer {
            line,
            path,
            message,
        } => {
            vec![field(
                format!("layers.{path}"),
                format!("(file line {line}) {message}"),
            )]
        }
        SiteError::Grid(message) => vec![field("file grid".into(), message)],
    })
}

/// A criterion as scored: its weight and curve.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct CriterionView {
    pub id: String,
    pub name_ko: String,
    pub name_en: String,
    pub weight: f64,
    /// [value, rating] points.
    pub curve: Vec<(f64, f64)>,
    pub measure: ucz_core::suitability::spec::Measure,
}

/// The answer of a scoring: the sites, and where the surface's tiles and files are.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Answer {
    /// Names the kept surface in the links below.
    pub key: String,
    pub grid: Grid,
    pub scored_cells: usize,
    /// The surface's WGS84 box: west, south, east, north.
    pub bounds: Option<[f64; 4]>,
    pub criteria: Vec<CriterionView>,
    pub sites: Vec<Site>,
    pub timings: Timings,
    /// `{z}/{x}/{y}` map tiles (PNG, Web Mercator).
    pub tiles: String,
    pub geotiff: String,
    pub sites_geojson: String,
}

pub fn answer(key: &str, scored: &Scored) -> Answer {
    Answer {
        key: key.to_string(),
        grid: scored.surface.grid,
        scored_cells: scored.surface.scored_cells,
        bounds: bounds(&scored.surface),
        criteria: scored
            .spec
            .criteria
            .iter()
            .map(|c| CriterionView {
                id: c.id.clone(),
                name_ko: c.name_ko.clone(),
                name_en: c.name_en.clone(),
                weight: c.weight,
                curve: c.curve.clone(),
                measure: c.measure,
            })
            .collect(),
        sites: scored.sites.clone(),
        timings: scored.timings.clone(),
        tiles: format!("/api/v1/site/{key}/tiles/{{z}}/{{x}}/{{y}}.png"),
        geotiff: format!("/api/v1/site/{key}/score.tif"),
        sites_geojson: format!("/api/v1/site/{key}/sites.geojson"),
    }
}
