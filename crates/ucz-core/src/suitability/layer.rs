//! A criterion's layer read from GeoJSON (a FeatureCollection) or from rows of points, and
//! turned into what the criterion measures. Problems name the feature (0-based, as in the
//! file's `features` array) or row and the field.

use serde_json::Value;

use super::spec::Measure;
use super::{Polygon, Source};

#[derive(Clone, Debug, PartialEq)]
pub enum Geometry {
    Points(Vec<(f64, f64)>),
    Lines(Vec<Vec<(f64, f64)>>),
    Polygons(Vec<Polygon>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Feature {
    /// Where it was: the feature's index, or the row's line of a CSV.
    pub at: String,
    pub geometry: Geometry,
    pub properties: serde_json::Map<String, Value>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Layer {
    /// The CRS the file names (GeoJSON's legacy `crs` member), if any.
    pub crs: Option<String>,
    pub features: Vec<Feature>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{at}: {field}: {message}")]
pub struct LayerProblem {
    pub at: String,
    pub field: String,
    pub message: String,
}

fn problem(at: impl Into<String>, field: &str, message: impl Into<String>) -> LayerProblem {
    LayerProblem {
        at: at.into(),
        field: field.into(),
        message: message.into(),
    }
}

/// Features of a GeoJSON FeatureCollection (a lone Feature or geometry is read as one feature).
pub fn geojson(text: &str) -> Result<Layer, LayerProblem> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        problem(
            format!("line {}", e.line()),
            "json",
            format!("not JSON: {e}"),
        )
    })?;
    let crs = value
        .pointer("/crs/properties/name")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let features: Vec<&Value> = match value.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => value
            .get("features")
            .and_then(Value::as_array)
            .ok_or_else(|| problem("collection", "features", "expected an array of features"))?
            .iter()
            .collect(),
        Some("Feature") => vec![&value],
        Some(_) => vec![&value],
        None => {
            return Err(problem(
                "document",
                "type",
                "expected a GeoJSON FeatureCollection",
            ));
        }
    };
    let mut out = Vec::with_capacity(features.len());
    for (i, f) in features.into_iter().enumerate() {
        let at = format!("feature {i}");
        let (geometry, properties) = if f.get("type").and_then(Value::as_str) == Some("Feature") {
            let props = match f.get("properties") {
                None | Some(Value::Null) => serde_json::Map::new(),
                Some(Value::Object(m)) => m.clone(),
                Some(_) => return Err(problem(at, "properties", "expected an object")),
            };
            (f.get("geometry").unwrap_or(&Value::Null), props)
        } else {
            (f, serde_json::Map::new())
        };
        if geometry.is_null() {
            continue;
        }
        out.push(Feature {
            geometry: read_geometry(geometry, &at)?,
            properties,
            at,
        });
    }
    Ok(Layer { crs, features: out })
}

fn read_geometry(g: &Value, at: &str) -> Result<Geometry, LayerProblem> {
    let kind = g
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| problem(at, "geometry.type", "missing"))?;
    let coords = g.get("coordinates").unwrap_or(&Value::Null);
    let field = "geometry.coordinates";
    let point = |v: &Value| -> Result<(f64, f64), LayerProblem> {
        match v.as_array().map(Vec::as_slice) {
            Some([x, y, ..]) => match (x.as_f64(), y.as_f64()) {
                (Some(x), Some(y)) if x.is_finite() && y.is_finite() => Ok((x, y)),
                _ => Err(problem(at, field, "a position's x and y must be numbers")),
            },
            _ => Err(problem(at, field, "expected a position [x, y]")),
        }
    };
    let list = |v: &Value| -> Result<Vec<(f64, f64)>, LayerProblem> {
        v.as_array()
            .ok_or_else(|| problem(at, field, "expected an array of positions"))?
            .iter()
            .map(point)
            .collect()
    };
    let rings = |v: &Value| -> Result<Polygon, LayerProblem> {
        let rings: Polygon = v
            .as_array()
            .ok_or_else(|| problem(at, field, "expected an array of rings"))?
            .iter()
            .map(list)
            .collect::<Result<_, _>>()?;
        if rings.iter().any(|r| r.len() < 3) {
            return Err(problem(at, field, "a ring needs at least three positions"));
        }
        Ok(rings)
    };
    let many = coords
        .as_array()
        .map(Vec::as_slice)
        .ok_or_else(|| problem(at, field, "expected an array"));
    Ok(match kind {
        "Point" => Geometry::Points(vec![point(coords)?]),
        "MultiPoint" => Geometry::Points(list(coords)?),
        "LineString" => Geometry::Lines(vec![list(coords)?]),
        "MultiLineString" => Geometry::Lines(many?.iter().map(list).collect::<Result<_, _>>()?),
        "Polygon" => Geometry::Polygons(vec![rings(coords)?]),
        "MultiPolygon" => Geometry::Polygons(many?.iter().map(rings).collect::<Result<_, _>>()?),
        other => {
            return Err(problem(
                at,
                "geometry.type",
                format!("`{other}` is not a geometry ucz reads"),
            ));
        }
    })
}

/// The layer in the grid's CRS: `project` maps a position of the layer's CRS to EPSG:5179, or
/// says why not.
pub fn project(
    layer: &mut Layer,
    project: &dyn Fn(f64, f64) -> Result<(f64, f64), String>,
) -> Result<(), LayerProblem> {
    for f in &mut layer.features {
        let at = f.at.clone();
        let mut go = |p: &mut (f64, f64)| -> Result<(), LayerProblem> {
            *p = project(p.0, p.1).map_err(|e| problem(at.as_str(), "geometry.coordinates", e))?;
            Ok(())
        };
        match &mut f.geometry {
            Geometry::Points(ps) => ps.iter_mut().try_for_each(&mut go)?,
            Geometry::Lines(ls) => ls.iter_mut().flatten().try_for_each(&mut go)?,
            Geometry::Polygons(ps) => ps.iter_mut().flatten().flatten().try_for_each(&mut go)?,
        }
    }
    Ok(())
}

/// What a criterion of `measure` reads from the (projected) layer.
pub fn source(
    layer: &Layer,
    measure: Measure,
    property: Option<&str>,
) -> Result<Source, LayerProblem> {
    let value = |f: &Feature| -> Result<f64, LayerProblem> { read_value(f, property) };
    Ok(match measure {
        Measure::Distance => {
            let mut shapes = super::Shapes::default();
            for f in &layer.features {
                match &f.geometry {
                    Geometry::Points(p) => shapes.points.extend(p.iter().copied()),
                    Geometry::Lines(l) => shapes.lines.extend(l.iter().cloned()),
                    Geometry::Polygons(p) => shapes.areas.extend(p.iter().cloned()),
                }
            }
            Source::DistanceTo(shapes)
        }
        Measure::Value => {
            let mut out = Vec::new();
            for f in &layer.features {
                let Geometry::Polygons(polygons) = &f.geometry else {
                    return Err(problem(
                        f.at.as_str(),
                        "geometry.type",
                        "a value criterion reads polygons",
                    ));
                };
                let v = value(f)?;
                out.extend(polygons.iter().map(|p| (p.clone(), v)));
            }
            Source::ValueIn(out)
        }
        Measure::NearestValue => {
            let mut out = Vec::new();
            for f in &layer.features {
                let Geometry::Points(points) = &f.geometry else {
                    return Err(problem(
                        f.at.as_str(),
                        "geometry.type",
                        "a nearest-value criterion reads points",
                    ));
                };
                let v = value(f)?;
                out.extend(points.iter().map(|&(x, y)| (x, y, v)));
            }
            Source::ValueOfNearest(out)
        }
    })
}

/// A feature's numeric property: a number, or text of one (`"1,200"`); finite and within what a
/// raster holds (±3.4e38), or refused by feature and property.
fn read_value(f: &Feature, property: Option<&str>) -> Result<f64, LayerProblem> {
    let name = property.unwrap_or_default();
    let field = format!("properties.{name}");
    let v = match f.properties.get(name) {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().replace(',', "").parse::<f64>().ok(),
        Some(_) => None,
        None => return Err(problem(f.at.as_str(), &field, "missing")),
    };
    match v {
        Some(v) if v.is_finite() && v.abs() <= f64::from(f32::MAX) => Ok(v),
        _ => Err(problem(
            f.at.as_str(),
            &field,
            format!(
                "`{}` is not a finite number",
                f.properties
                    .get(name)
                    .map(Value::to_string)
                    .unwrap_or_default()
            ),
        )),
    }
}

/// Polygons of a mask or study-area layer.
pub fn polygons(layer: &Layer) -> Result<Vec<Polygon>, LayerProblem> {
    let mut out = Vec::new();
    for f in &layer.features {
        match &f.geometry {
            Geometry::Polygons(p) => out.extend(p.iter().cloned()),
            _ => {
                return Err(problem(
                    f.at.as_str(),
                    "geometry.type",
                    "a mask reads polygons",
                ));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_features_are_named() {
        let text = r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{"v":1},"geometry":{"type":"Point","coordinates":[127.3,36.3]}},
            {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":["a",36.3]}}]}"#;
        let e = geojson(text).expect_err("bad position");
        assert_eq!(
            (e.at.as_str(), e.field.as_str()),
            ("feature 1", "geometry.coordinates")
        );
        let e = geojson("{\"type\":").expect_err("not json");
        assert_eq!(e.field, "json");
        let ok = geojson(
            r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:5186"}},
            "features":[{"type":"Feature","properties":{"v":"1,200"},"geometry":{"type":"Point","coordinates":[1,2]}},
            {"type":"Feature","properties":{"v":true},"geometry":{"type":"Point","coordinates":[3,4]}}]}"#,
        )
        .expect("layer");
        assert_eq!(ok.crs.as_deref(), Some("EPSG:5186"));
        let e = source(&ok, Measure::NearestValue, Some("v")).expect_err("a boolean");
        assert_eq!(
            (e.at.as_str(), e.field.as_str()),
            ("feature 1", "properties.v")
        );
        let nan = geojson(
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"v":"NaN"},"geometry":{"type":"Point","coordinates":[1,2]}},
            {"type":"Feature","properties":{"v":1e40},"geometry":{"type":"Point","coordinates":[3,4]}}]}"#,
        )
        .expect("layer");
        let e = source(&nan, Measure::NearestValue, Some("v")).expect_err("NaN");
        assert_eq!(e.at, "feature 0");
        let mut big = nan.clone();
        big.features.remove(0);
        assert!(
            source(&big, Measure::NearestValue, Some("v")).is_err(),
            "beyond what f32 holds"
        );
        let e = source(&ok, Measure::Value, Some("v")).expect_err("points for a value");
        assert_eq!(e.field, "geometry.type");
    }
}
