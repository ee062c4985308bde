//! Coordinate reference systems ucz reads and writes: WGS84 and the Korean EPSG:5179, 5186, 5174.
//!
//! Axis order is always x = easting (longitude), y = northing (latitude), whatever the EPSG
//! registry says (it puts northing first for the Korean grids and latitude first for 4326):
//! the order of GeoJSON, shapefiles and PROJ strings. WGS84 is in degrees at this API.
//!
//! Transformations are [proj4rs] (pure Rust) over the PROJ strings below, checked against
//! PROJ's `cs2cs` with the same strings on reference points across Korea
//! (`tests/fixtures/crs-reference.csv`, made by `scripts/crs-fixture.sh`).
//!
//! EPSG:5174 (Korean 1985, old Bessel) needs a datum shift: [`EPSG5174_PROJ`] carries the
//! seven-parameter `+towgs84` the project settled on (position-vector convention, as PROJ reads
//! `+towgs84`), and proj4rs applies it exactly as cs2cs does (under 1 µm apart). PROJ's own
//! EPSG:5174 → WGS84 operation is a Molodensky-Badekas transformation that a PROJ.4 string cannot
//! express; these seven parameters come within 4–9 cm of it across Korea (5 cm at Seoul City
//! Hall, 9 cm at Marado; the fixture's header records it). Both PROJ and proj4rs undo the shift
//! with the transposed small-angle rotation, not its exact inverse, so WGS84 → 5174 → WGS84
//! comes back up to about 5 mm off (4e-8°); the Korea 2000 grids round-trip exactly.

use std::fmt;

use proj4rs::proj::Proj;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// WGS84 longitude/latitude (EPSG:4326 with x = longitude, i.e. OGC:CRS84).
pub const WGS84_PROJ: &str = "+proj=longlat +datum=WGS84 +no_defs +type=crs";
/// Korea 2000 / Unified CS (UTM-K), GRS80: national maps, road-name addresses, census grids.
pub const EPSG5179_PROJ: &str = "+proj=tmerc +lat_0=38 +lon_0=127.5 +k=0.9996 +x_0=1000000 +y_0=2000000 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs +type=crs";
/// Korea 2000 / Central Belt 2010, GRS80: cadastre and most local-government GIS.
pub const EPSG5186_PROJ: &str = "+proj=tmerc +lat_0=38 +lon_0=127 +k=1 +x_0=200000 +y_0=600000 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs +type=crs";
/// Korean 1985 / Modified Central Belt, Bessel: old cadastral and planning data.
pub const EPSG5174_PROJ: &str = "+proj=tmerc +lat_0=38 +lon_0=127.002890277778 +k=1 +x_0=200000 +y_0=500000 +ellps=bessel +towgs84=-115.80,474.99,674.11,1.16,-2.31,-1.63,6.43 +units=m +no_defs +type=crs";

/// A coordinate reference system ucz knows. Serialized as its code, `"EPSG:5179"`; read from
/// any of the spellings of [`Crs::from_code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Crs {
    /// WGS84 in degrees, longitude first.
    Wgs84,
    Epsg5179,
    Epsg5186,
    Epsg5174,
}

impl Crs {
    pub const ALL: [Crs; 4] = [Crs::Wgs84, Crs::Epsg5179, Crs::Epsg5186, Crs::Epsg5174];

    /// Reads `EPSG:5179`, `5179`, `urn:ogc:def:crs:EPSG::5179` (with or without a version),
    /// `http://www.opengis.net/def/crs/EPSG/0/5179`, and for WGS84 also `EPSG:4326`, `OGC:CRS84`,
    /// `CRS84`, `urn:ogc:def:crs:OGC:1.3:CRS84`, `WGS84`. Case and surrounding space are ignored.
    pub fn from_code(code: &str) -> Result<Crs, CrsError> {
        let text = code.trim().to_ascii_lowercase();
        let unknown = || CrsError::UnknownCrs(code.to_string());
        let ogc = [
            "crs84",
            "ogc:crs84",
            "urn:ogc:def:crs:ogc::crs84",
            "urn:ogc:def:crs:ogc:1.3:crs84",
            "http://www.opengis.net/def/crs/ogc/1.3/crs84",
            "https://www.opengis.net/def/crs/ogc/1.3/crs84",
            "wgs84",
            "wgs 84",
        ];
        if ogc.contains(&text.as_str()) {
            return Ok(Crs::Wgs84);
        }
        let number = if let Some(rest) = text.strip_prefix("urn:ogc:def:crs:epsg:") {
            // urn:ogc:def:crs:EPSG::5179 or urn:ogc:def:crs:EPSG:9.9.1:5179
            rest.rsplit_once(':').map(|(_version, number)| number)
        } else if let Some(rest) = text
            .strip_prefix("http://www.opengis.net/def/crs/epsg/")
            .or_else(|| text.strip_prefix("https://www.opengis.net/def/crs/epsg/"))
        {
            rest.rsplit_once('/').map(|(_version, number)| number)
        } else {
            Some(text.strip_prefix("epsg:").unwrap_or(&text))
        };
        match number.map(str::trim) {
            Some("4326") => Ok(Crs::Wgs84),
            Some("5179") => Ok(Crs::Epsg5179),
            Some("5186") => Ok(Crs::Epsg5186),
            Some("5174") => Ok(Crs::Epsg5174),
            _ => Err(unknown()),
        }
    }

    /// `EPSG:4326`, `EPSG:5179`, `EPSG:5186`, `EPSG:5174`. (ucz's WGS84 is longitude first
    /// nevertheless, like GeoJSON.)
    pub fn code(self) -> &'static str {
        match self {
            Crs::Wgs84 => "EPSG:4326",
            Crs::Epsg5179 => "EPSG:5179",
            Crs::Epsg5186 => "EPSG:5186",
            Crs::Epsg5174 => "EPSG:5174",
        }
    }

    /// The EPSG number.
    pub fn epsg(self) -> u16 {
        match self {
            Crs::Wgs84 => 4326,
            Crs::Epsg5179 => 5179,
            Crs::Epsg5186 => 5186,
            Crs::Epsg5174 => 5174,
        }
    }

    /// The PROJ string ucz transforms with.
    pub fn proj_string(self) -> &'static str {
        match self {
            Crs::Wgs84 => WGS84_PROJ,
            Crs::Epsg5179 => EPSG5179_PROJ,
            Crs::Epsg5186 => EPSG5186_PROJ,
            Crs::Epsg5174 => EPSG5174_PROJ,
        }
    }

    /// Longitude/latitude in degrees rather than metres.
    pub fn is_geographic(self) -> bool {
        self == Crs::Wgs84
    }

    fn proj(self) -> Result<Proj, CrsError> {
        Proj::from_proj_string(self.proj_string()).map_err(|e| CrsError::Definition {
            crs: self,
            reason: e.to_string(),
        })
    }
}

impl fmt::Display for Crs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl std::str::FromStr for Crs {
    type Err = CrsError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Crs::from_code(s)
    }
}

impl Serialize for Crs {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Crs {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        Crs::from_code(&code).map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CrsError {
    #[error(
        "unknown coordinate reference system {0:?}: ucz knows EPSG:4326 (WGS84, OGC:CRS84), \
         EPSG:5179, EPSG:5186 and EPSG:5174"
    )]
    UnknownCrs(String),
    #[error("cannot set up {crs}: {reason}")]
    Definition { crs: Crs, reason: String },
    #[error("cannot transform ({x}, {y}) from {from} to {to}: {reason}")]
    Point {
        from: Crs,
        to: Crs,
        x: f64,
        y: f64,
        reason: String,
    },
    #[error("point {index}: {error}")]
    AtIndex { index: usize, error: Box<CrsError> },
}

/// A transformation from one CRS to another, set up once and used for any number of points.
#[derive(Clone)]
pub struct Transform {
    from: Crs,
    to: Crs,
    /// `None` when `from == to`.
    projs: Option<(Proj, Proj)>,
}

impl fmt::Debug for Transform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transform")
            .field("from", &self.from)
            .field("to", &self.to)
            .finish()
    }
}

impl Transform {
    pub fn new(from: Crs, to: Crs) -> Result<Transform, CrsError> {
        let projs = if from == to {
            None
        } else {
            Some((from.proj()?, to.proj()?))
        };
        Ok(Transform { from, to, projs })
    }

    pub fn from(&self) -> Crs {
        self.from
    }

    pub fn to(&self) -> Crs {
        self.to
    }

    /// One point: x = easting or longitude (degrees), y = northing or latitude.
    pub fn point(&self, x: f64, y: f64) -> Result<(f64, f64), CrsError> {
        let fail = |reason: String| CrsError::Point {
            from: self.from,
            to: self.to,
            x,
            y,
            reason,
        };
        if !x.is_finite() || !y.is_finite() {
            return Err(fail("not a finite coordinate".into()));
        }
        if self.from.is_geographic() && (y.abs() > 90.0 || x.abs() > 360.0) {
            return Err(fail("longitude or latitude out of range".into()));
        }
        let Some((src, dst)) = &self.projs else {
            return Ok((x, y));
        };
        let mut p = if self.from.is_geographic() {
            (x.to_radians(), y.to_radians())
        } else {
            (x, y)
        };
        proj4rs::transform::transform(src, dst, &mut p).map_err(|e| fail(e.to_string()))?;
        if self.to.is_geographic() {
            p = (p.0.to_degrees(), p.1.to_degrees());
        }
        if p.0.is_finite() && p.1.is_finite() {
            Ok(p)
        } else {
            Err(fail("no finite result".into()))
        }
    }

    /// Many points in place. At the first point that cannot be transformed it stops with
    /// [`CrsError::AtIndex`]: the points before it are transformed, it and the rest unchanged.
    pub fn points(&self, points: &mut [(f64, f64)]) -> Result<(), CrsError> {
        if self.projs.is_none() {
            return Ok(());
        }
        for (index, p) in points.iter_mut().enumerate() {
            *p = self.point(p.0, p.1).map_err(|error| CrsError::AtIndex {
                index,
                error: Box::new(error),
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// WGS84 → x, y by cs2cs.
    const FIXTURE: &str = include_str!("../tests/fixtures/crs-reference.csv");
    /// Those x, y → WGS84 by cs2cs.
    const INVERSE: &str = include_str!("../tests/fixtures/crs-reference-inverse.csv");

    struct Reference<'a> {
        name: &'a str,
        lon: f64,
        lat: f64,
        crs: Crs,
        x: f64,
        y: f64,
    }

    fn references(fixture: &'static str) -> Vec<Reference<'static>> {
        let mut lines = fixture
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'));
        assert_eq!(lines.next(), Some("name,lon,lat,epsg,x,y"));
        lines
            .map(|line| {
                let f: Vec<&str> = line.split(',').collect();
                assert_eq!(f.len(), 6, "{line}");
                let num = |i: usize| {
                    f[i].parse::<f64>()
                        .unwrap_or_else(|e| panic!("{line}: {e}"))
                };
                Reference {
                    name: f[0],
                    lon: num(1),
                    lat: num(2),
                    crs: Crs::from_code(f[3]).unwrap_or_else(|e| panic!("{line}: {e}")),
                    x: num(4),
                    y: num(5),
                }
            })
            .collect()
    }

    fn transform(from: Crs, to: Crs) -> Transform {
        Transform::new(from, to).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_fixture_was_made_with_ucz_proj_strings() {
        for crs in [Crs::Epsg5179, Crs::Epsg5186, Crs::Epsg5174] {
            let line = format!("# {}: {}", crs.code(), crs.proj_string());
            assert!(
                FIXTURE.lines().any(|l| l == line),
                "the fixture is stale for {crs}: re-run scripts/crs-fixture.sh"
            );
        }
        let (forward, inverse) = (references(FIXTURE), references(INVERSE));
        assert_eq!(forward.len(), inverse.len());
        for crs in [Crs::Epsg5179, Crs::Epsg5186, Crs::Epsg5174] {
            assert!(forward.iter().filter(|r| r.crs == crs).count() >= 20);
        }
        for (f, i) in forward.iter().zip(&inverse) {
            assert!(f.name == i.name && f.crs == i.crs && f.x == i.x && f.y == i.y);
        }
    }

    /// Per CRS: the largest distance (m) from cs2cs's x, y; the largest difference (degrees)
    /// from cs2cs's inverse of those; the largest round trip WGS84 → x, y → WGS84 (degrees).
    fn errors() -> Vec<(Crs, f64, f64, f64)> {
        let (refs, inverse) = (references(FIXTURE), references(INVERSE));
        [Crs::Epsg5179, Crs::Epsg5186, Crs::Epsg5174]
            .into_iter()
            .map(|crs| {
                let forward = transform(Crs::Wgs84, crs);
                let back = transform(crs, Crs::Wgs84);
                let (mut metres, mut inverse_degrees, mut round_trip) = (0.0_f64, 0.0_f64, 0.0_f64);
                for (r, i) in refs.iter().zip(&inverse).filter(|(r, _)| r.crs == crs) {
                    let (x, y) = forward
                        .point(r.lon, r.lat)
                        .unwrap_or_else(|e| panic!("{e}"));
                    metres = metres.max((x - r.x).hypot(y - r.y));
                    let (lon, lat) = back.point(i.x, i.y).unwrap_or_else(|e| panic!("{e}"));
                    inverse_degrees = inverse_degrees
                        .max((lon - i.lon).abs())
                        .max((lat - i.lat).abs());
                    let (lon, lat) = back.point(x, y).unwrap_or_else(|e| panic!("{e}"));
                    round_trip = round_trip.max((lon - r.lon).abs()).max((lat - r.lat).abs());
                }
                println!(
                    "{crs}: forward {metres:.6} m from cs2cs, inverse {inverse_degrees:.1e}° from \
                     cs2cs, round trip {round_trip:.1e}°"
                );
                (crs, metres, inverse_degrees, round_trip)
            })
            .collect()
    }

    #[test]
    fn matches_cs2cs_within_a_millimetre_both_ways() {
        for (crs, metres, inverse_degrees, round_trip) in errors() {
            assert!(metres < 0.001, "{crs}: {metres} m from cs2cs");
            // 1e-9° is about 0.1 mm; cs2cs's figures have 1e-10°.
            assert!(
                inverse_degrees < 1e-9,
                "{crs}: {inverse_degrees}° from cs2cs"
            );
            // The Korea 2000 grids round-trip exactly. PROJ (and proj4rs, alike) undo a
            // +towgs84 Helmert shift with the transposed small-angle rotation, which is not
            // its exact inverse: 5174 comes back a few millimetres off, as it does in cs2cs.
            let tolerance = if crs == Crs::Epsg5174 { 1e-7 } else { 1e-12 };
            assert!(
                round_trip < tolerance,
                "{crs}: round trip off by {round_trip}°"
            );
        }
    }

    #[test]
    fn many_points_in_place_equal_one_by_one() {
        let refs = references(FIXTURE);
        let forward = transform(Crs::Wgs84, Crs::Epsg5174);
        let mut points: Vec<(f64, f64)> = refs.iter().map(|r| (r.lon, r.lat)).collect();
        forward
            .points(&mut points)
            .unwrap_or_else(|e| panic!("{e}"));
        for (r, p) in refs.iter().zip(&points) {
            assert_eq!(Ok(*p), forward.point(r.lon, r.lat));
        }
    }

    #[test]
    fn points_stop_at_the_first_failure_and_name_it() {
        let forward = transform(Crs::Wgs84, Crs::Epsg5179);
        let mut points = [(127.0, 37.0), (f64::NAN, 37.0), (128.0, 36.0)];
        let error = forward.points(&mut points);
        assert!(
            matches!(error, Err(CrsError::AtIndex { index: 1, .. })),
            "{error:?}"
        );
        assert!(points[0].0 > 900_000.0);
        assert_eq!(points[2], (128.0, 36.0));
        assert!(forward.point(127.0, 91.0).is_err());
    }

    #[test]
    fn projected_to_projected_goes_through_the_datums() {
        // Seoul City Hall: 5174 → 5179 equals 5174 → WGS84 → 5179.
        let (x, y) = transform(Crs::Wgs84, Crs::Epsg5174)
            .point(126.9779692, 37.5662952)
            .unwrap_or_else(|e| panic!("{e}"));
        let direct = transform(Crs::Epsg5174, Crs::Epsg5179)
            .point(x, y)
            .unwrap_or_else(|e| panic!("{e}"));
        let (lon, lat) = transform(Crs::Epsg5174, Crs::Wgs84)
            .point(x, y)
            .unwrap_or_else(|e| panic!("{e}"));
        let via = transform(Crs::Wgs84, Crs::Epsg5179)
            .point(lon, lat)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!((direct.0 - via.0).abs() < 1e-6 && (direct.1 - via.1).abs() < 1e-6);
        // The same CRS is the identity.
        assert_eq!(
            transform(Crs::Epsg5186, Crs::Epsg5186).point(1.5, 2.5),
            Ok((1.5, 2.5))
        );
    }

    #[test]
    fn codes_in_their_usual_spellings() {
        for (code, crs) in [
            ("EPSG:5179", Crs::Epsg5179),
            ("5179", Crs::Epsg5179),
            ("epsg:5186", Crs::Epsg5186),
            (" EPSG:5174 ", Crs::Epsg5174),
            ("urn:ogc:def:crs:EPSG::5179", Crs::Epsg5179),
            ("urn:ogc:def:crs:EPSG:9.8.1:5186", Crs::Epsg5186),
            ("http://www.opengis.net/def/crs/EPSG/0/5174", Crs::Epsg5174),
            ("EPSG:4326", Crs::Wgs84),
            ("4326", Crs::Wgs84),
            ("OGC:CRS84", Crs::Wgs84),
            ("CRS84", Crs::Wgs84),
            ("urn:ogc:def:crs:OGC:1.3:CRS84", Crs::Wgs84),
            ("http://www.opengis.net/def/crs/OGC/1.3/CRS84", Crs::Wgs84),
            ("WGS84", Crs::Wgs84),
        ] {
            assert_eq!(Crs::from_code(code), Ok(crs), "{code}");
        }
        for crs in Crs::ALL {
            assert_eq!(Crs::from_code(crs.code()), Ok(crs));
            assert_eq!(crs.code(), format!("EPSG:{}", crs.epsg()));
        }
        for bad in [
            "EPSG:2097",
            "EPSG:",
            "",
            "urn:ogc:def:crs:EPSG::",
            "EPSG:5179x",
        ] {
            let error = Crs::from_code(bad);
            assert_eq!(error, Err(CrsError::UnknownCrs(bad.to_string())));
        }
        let message = Crs::from_code("EPSG:32652").map_err(|e| e.to_string());
        assert!(message.is_err_and(|m| m.contains("\"EPSG:32652\"") && m.contains("EPSG:5179")));
    }

    #[test]
    fn serialized_as_the_code() {
        #[derive(Serialize, Deserialize, PartialEq, Debug)]
        struct Layer {
            crs: Crs,
        }
        let json = serde_json::to_string(&Layer { crs: Crs::Epsg5186 }).unwrap_or_default();
        assert_eq!(json, r#"{"crs":"EPSG:5186"}"#);
        let layer: Result<Layer, _> =
            serde_json::from_str(r#"{"crs":"urn:ogc:def:crs:OGC::CRS84"}"#);
        assert_eq!(layer.ok(), Some(Layer { crs: Crs::Wgs84 }));
        let bad: Result<Layer, _> = serde_json::from_str(r#"{"crs":"EPSG:3857"}"#);
        assert!(bad.is_err_and(|e| e.to_string().contains("EPSG:3857")));
    }

    #[test]
    fn transforms_can_be_shared_between_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<Transform>();
    }
}
