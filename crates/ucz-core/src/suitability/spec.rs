//! The suitability file (TOML; docs/site-suitability.md): the study area and cell size, the
//! criteria with their layers, rating curves and weights, the masks, and how many candidate
//! sites to keep how far apart. Every problem names its line and field.

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::Catalog;

/// Where the grid lies: a 시·도, a 광역경제권, the whole country, or a box.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Area {
    /// A 시·도 id of the catalog.
    Region(String),
    /// A 광역경제권 id of the catalog: its members together.
    EconomicRegion(String),
    /// Every 시·도.
    Korea,
    /// lon_min, lat_min, lon_max, lat_max in WGS84.
    Bbox([f64; 4]),
}

/// What a criterion measures from its layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Metres to the nearest feature (points; a polygon or line counts by its vertices).
    Distance,
    /// A numeric property of the polygon a cell lies in.
    Value,
    /// A numeric property of the nearest point.
    NearestValue,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LayerRef {
    /// The layer's file, relative to the suitability file.
    pub path: String,
    /// The CRS the file's coordinates are in when the file does not say (GeoJSON's `crs`
    /// member; otherwise WGS84 as RFC 7946 has it).
    pub crs: Option<String>,
    /// Line of the table naming the layer, for messages about the layer.
    pub line: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CriterionSpec {
    pub id: String,
    pub name_ko: String,
    pub name_en: String,
    pub measure: Measure,
    pub property: Option<String>,
    pub weight: f64,
    pub curve: Vec<(f64, f64)>,
    pub layer: LayerRef,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MaskSpec {
    pub id: String,
    pub exclude: bool,
    pub layer: LayerRef,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Spec {
    pub area: Area,
    pub cell_m: f64,
    pub candidates: usize,
    pub spacing_m: f64,
    pub criteria: Vec<CriterionSpec>,
    pub masks: Vec<MaskSpec>,
}

/// One problem of a suitability file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("line {line}: {field}: {message}")]
pub struct SpecProblem {
    pub line: usize,
    pub field: String,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    grid: Spanned<RawGrid>,
    #[serde(default)]
    candidates: Option<RawCandidates>,
    #[serde(default)]
    criterion: Vec<Spanned<RawCriterion>>,
    #[serde(default)]
    mask: Vec<Spanned<RawMask>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGrid {
    region: Option<Spanned<String>>,
    bbox: Option<Spanned<[f64; 4]>>,
    cell_m: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCandidates {
    count: Option<Spanned<i64>>,
    spacing_m: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCriterion {
    id: Spanned<String>,
    name_ko: Option<String>,
    name_en: Option<String>,
    measure: Measure,
    property: Option<String>,
    weight: Spanned<f64>,
    curve: Spanned<Vec<(f64, f64)>>,
    layer: String,
    crs: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMask {
    id: String,
    layer: String,
    crs: Option<String>,
    #[serde(default = "yes")]
    exclude: bool,
}

fn yes() -> bool {
    true
}

/// The 1-based line of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The field a line of the file sets, as the other problems name it (`criterion[2].weight`):
/// the table it is in and the key before its `=`.
fn field_at(text: &str, line: usize) -> String {
    let mut table = String::from("file");
    let mut counts: std::collections::HashMap<String, usize> = Default::default();
    let mut key = None;
    for (i, l) in text.lines().enumerate().take(line) {
        let l = l.trim();
        if let Some(name) = l.strip_prefix("[[").and_then(|l| l.split("]]").next()) {
            let n = counts.entry(name.trim().to_string()).or_default();
            *n += 1;
            table = format!("{}[{n}]", name.trim());
            key = None;
        } else if let Some(name) = l.strip_prefix('[').and_then(|l| l.split(']').next()) {
            table = name.trim().to_string();
            key = None;
        } else if i + 1 == line {
            key = l.split_once('=').map(|(k, _)| k.trim().to_string());
        }
    }
    match key {
        Some(key) if table == "file" => key,
        Some(key) => format!("{table}.{key}"),
        None => table,
    }
}

/// Most criteria, and most masks, of a file.
pub const MAX_LAYERS: usize = 32;

/// Largest cell count of candidate lists.
const MAX_CANDIDATES: i64 = 1000;

impl Spec {
    pub fn parse(text: &str, catalog: &Catalog) -> Result<Spec, Vec<SpecProblem>> {
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(1, |s| line_of(text, s.start));
            vec![SpecProblem {
                line,
                field: field_at(text, line),
                message: e.message().to_string(),
            }]
        })?;
        let mut problems = Vec::new();
        let mut problem = |span: std::ops::Range<usize>, field: String, message: String| {
            problems.push(SpecProblem {
                line: line_of(text, span.start),
                field,
                message,
            })
        };
        let grid_span = raw.grid.span();
        let grid = raw.grid.into_inner();
        let area = match (grid.region, grid.bbox) {
            (Some(region), None) => {
                let id = region.get_ref().as_str();
                if id == "korea" {
                    Some(Area::Korea)
                } else if catalog.regions.iter().any(|r| r.id.as_str() == id) {
                    Some(Area::Region(id.into()))
                } else if catalog.economic_regions.iter().any(|r| r.id.as_str() == id) {
                    Some(Area::EconomicRegion(id.into()))
                } else {
                    problem(
                        region.span(),
                        "grid.region".into(),
                        format!(
                            "unknown region `{id}`: a 시·도 or 광역경제권 id of the catalog, or `korea`"
                        ),
                    );
                    None
                }
            }
            (None, Some(bbox)) => {
                let [w, s, e, n] = *bbox.get_ref();
                if !(124.0..=132.0).contains(&w)
                    || !(124.0..=132.0).contains(&e)
                    || !(33.0..=39.0).contains(&s)
                    || !(33.0..=39.0).contains(&n)
                    || w >= e
                    || s >= n
                {
                    problem(
                        bbox.span(),
                        "grid.bbox".into(),
                        "expected [lon_min, lat_min, lon_max, lat_max] in WGS84 degrees within Korea".into(),
                    );
                    None
                } else {
                    Some(Area::Bbox([w, s, e, n]))
                }
            }
            _ => {
                problem(
                    grid_span.clone(),
                    "grid".into(),
                    "give either `region` or `bbox`".into(),
                );
                None
            }
        };
        let cell_m = match grid.cell_m {
            None => 100.0,
            Some(c) if (10.0..=10_000.0).contains(c.get_ref()) => *c.get_ref(),
            Some(c) => {
                problem(
                    c.span(),
                    "grid.cell_m".into(),
                    "a cell side between 10 and 10,000 metres".into(),
                );
                100.0
            }
        };
        let (mut candidates, mut spacing_m) = (20usize, 1000.0);
        if let Some(c) = raw.candidates {
            if let Some(count) = c.count {
                if (1..=MAX_CANDIDATES).contains(count.get_ref()) {
                    candidates = *count.get_ref() as usize;
                } else {
                    problem(
                        count.span(),
                        "candidates.count".into(),
                        format!("1 to {MAX_CANDIDATES} sites"),
                    );
                }
            }
            if let Some(s) = c.spacing_m {
                if s.get_ref().is_finite() && (0.0..=100_000.0).contains(s.get_ref()) {
                    spacing_m = *s.get_ref();
                } else {
                    problem(
                        s.span(),
                        "candidates.spacing_m".into(),
                        "0 to 100,000 metres".into(),
                    );
                }
            }
        }
        if raw.criterion.is_empty() {
            problem(
                grid_span.clone(),
                "criterion".into(),
                "at least one [[criterion]] is needed".into(),
            );
        }
        // Each criterion and mask holds a raster of the grid: a file has a bounded number.
        for (list, len, span) in [
            (
                "criterion",
                raw.criterion.len(),
                raw.criterion.get(MAX_LAYERS).map(|c| c.span()),
            ),
            (
                "mask",
                raw.mask.len(),
                raw.mask.get(MAX_LAYERS).map(|m| m.span()),
            ),
        ] {
            if len > MAX_LAYERS {
                problem(
                    span.unwrap_or(grid_span.clone()),
                    list.into(),
                    format!("{len} [[{list}]] tables: at most {MAX_LAYERS}"),
                );
            }
        }
        let mut criteria = Vec::new();
        for (i, c) in raw.criterion.into_iter().enumerate() {
            let line = line_of(text, c.span().start);
            let c = c.into_inner();
            let at = |f: &str| format!("criterion[{}].{f}", i + 1);
            let id = c.id.get_ref().clone();
            if id.is_empty() || criteria.iter().any(|x: &CriterionSpec| x.id == id) {
                problem(
                    c.id.span(),
                    at("id"),
                    format!("`{id}` is empty or used twice"),
                );
            }
            let weight = *c.weight.get_ref();
            if !(weight.is_finite() && (0.0..=1000.0).contains(&weight)) {
                problem(
                    c.weight.span(),
                    at("weight"),
                    "a weight from 0 to 1000".into(),
                );
            }
            if let Some(message) = super::Curve::problem(c.curve.get_ref()) {
                problem(c.curve.span(), at("curve"), message);
            }
            match (c.measure, &c.property) {
                (Measure::Distance, Some(_)) => problem(
                    c.id.span(),
                    at("property"),
                    "a distance criterion reads no property".into(),
                ),
                (Measure::Value | Measure::NearestValue, None) => problem(
                    c.id.span(),
                    at("property"),
                    "name the numeric property to read".into(),
                ),
                _ => {}
            }
            criteria.push(CriterionSpec {
                name_ko: c.name_ko.unwrap_or_else(|| id.clone()),
                name_en: c.name_en.unwrap_or_else(|| id.clone()),
                id,
                measure: c.measure,
                property: c.property,
                weight,
                curve: c.curve.into_inner(),
                layer: LayerRef {
                    path: c.layer,
                    crs: c.crs,
                    line,
                },
            });
        }
        let masks = raw
            .mask
            .into_iter()
            .map(|m| {
                let line = line_of(text, m.span().start);
                let m = m.into_inner();
                MaskSpec {
                    id: m.id,
                    exclude: m.exclude,
                    layer: LayerRef {
                        path: m.layer,
                        crs: m.crs,
                        line,
                    },
                }
            })
            .collect();
        match area {
            Some(area) if problems.is_empty() => Ok(Spec {
                area,
                cell_m,
                candidates,
                spacing_m,
                criteria,
                masks,
            }),
            _ => Err(problems),
        }
    }

    /// The same file with some weights changed (a planner trying another balance); an unknown
    /// criterion or a weight out of range is refused by name.
    pub fn with_weights(mut self, weights: &[(String, f64)]) -> Result<Spec, SpecProblem> {
        for (id, w) in weights {
            let Some(c) = self.criteria.iter_mut().find(|c| &c.id == id) else {
                return Err(SpecProblem {
                    line: 0,
                    field: format!("weights.{id}"),
                    message: format!("no criterion `{id}`"),
                });
            };
            if !(w.is_finite() && (0.0..=1000.0).contains(w)) {
                return Err(SpecProblem {
                    line: 0,
                    field: format!("weights.{id}"),
                    message: "a weight from 0 to 1000".into(),
                });
            }
            c.weight = *w;
        }
        Ok(self)
    }
}
