//! A scored surface as a GeoTIFF: one band of 32-bit floats (NaN where there is no score),
//! uncompressed in one strip, georeferenced in EPSG:5179 by a tie point and the pixel scale,
//! which GIS software (QGIS, GDAL) reads as it is.

use super::Grid;

const TIFF_SHORT: u16 = 3;
const TIFF_LONG: u16 = 4;
const TIFF_ASCII: u16 = 2;
const TIFF_RATIONAL: u16 = 5;
const TIFF_DOUBLE: u16 = 12;

enum Data {
    Short(Vec<u16>),
    Long(u32),
    Double(Vec<f64>),
    Ascii(&'static str),
    /// Numerator and denominator.
    Rational(u32, u32),
}

/// The file's bytes; `epsg` is the projected CRS of the grid's metres (5179).
pub fn encode(grid: &Grid, values: &[f32], epsg: u16) -> Vec<u8> {
    let (w, h) = (grid.cols as u32, grid.rows as u32);
    let image_len = values.len() * 4;
    // The GeoKey directory: header (version 1.1.0, 4 keys), then key id, location, count, value.
    let geokeys = vec![
        1, 1, 0, 4, //
        1024, 0, 1, 1, // GTModelType: projected
        1025, 0, 1, 1, // GTRasterType: pixel is area
        3072, 0, 1, epsg, // ProjectedCSType
        3076, 0, 1, 9001, // ProjLinearUnits: metre
    ];
    let mut tags: Vec<(u16, Data)> = vec![
        (256, Data::Long(w)),
        (257, Data::Long(h)),
        (258, Data::Short(vec![32])),
        (259, Data::Short(vec![1])),
        (262, Data::Short(vec![1])),
        (273, Data::Long(0)), // the strip's offset, set below
        (277, Data::Short(vec![1])),
        (278, Data::Long(h)),
        (279, Data::Long(image_len as u32)),
        // Baseline TIFF's resolution, which a georeferenced raster does not use: 1 per unit,
        // no unit.
        (282, Data::Rational(1, 1)),
        (283, Data::Rational(1, 1)),
        (284, Data::Short(vec![1])),
        (296, Data::Short(vec![1])),
        (339, Data::Short(vec![3])),
        (33550, Data::Double(vec![grid.cell_m, grid.cell_m, 0.0])),
        (
            33922,
            Data::Double(vec![0.0, 0.0, 0.0, grid.x0, grid.y0, 0.0]),
        ),
        (34735, Data::Short(geokeys)),
        (42113, Data::Ascii("nan\0")),
    ];
    let ifd_len = 2 + 12 * tags.len() + 4;
    let extra_len: usize = tags
        .iter()
        .map(|(_, d)| match d {
            Data::Short(v) if v.len() > 2 => v.len() * 2,
            Data::Double(v) => v.len() * 8,
            Data::Ascii(s) if s.len() > 4 => s.len(),
            Data::Rational(..) => 8,
            _ => 0,
        })
        .sum();
    let image_at = 8 + ifd_len + extra_len;
    for (tag, data) in &mut tags {
        if *tag == 273 {
            *data = Data::Long(image_at as u32);
        }
    }
    let mut out = Vec::with_capacity(image_at + image_len);
    out.extend_from_slice(b"II");
    out.extend_from_slice(&42u16.to_le_bytes());
    out.extend_from_slice(&8u32.to_le_bytes());
    out.extend_from_slice(&(tags.len() as u16).to_le_bytes());
    let mut extra: Vec<u8> = Vec::with_capacity(extra_len);
    let extra_at = 8 + ifd_len;
    for (tag, data) in &tags {
        out.extend_from_slice(&tag.to_le_bytes());
        let mut inline = [0u8; 4];
        let (kind, count) = match data {
            Data::Long(v) => {
                inline = v.to_le_bytes();
                (TIFF_LONG, 1)
            }
            Data::Short(v) if v.len() <= 2 => {
                for (i, s) in v.iter().enumerate() {
                    inline[i * 2..i * 2 + 2].copy_from_slice(&s.to_le_bytes());
                }
                (TIFF_SHORT, v.len())
            }
            Data::Short(v) => {
                inline = ((extra_at + extra.len()) as u32).to_le_bytes();
                v.iter()
                    .for_each(|s| extra.extend_from_slice(&s.to_le_bytes()));
                (TIFF_SHORT, v.len())
            }
            Data::Double(v) => {
                inline = ((extra_at + extra.len()) as u32).to_le_bytes();
                v.iter()
                    .for_each(|d| extra.extend_from_slice(&d.to_le_bytes()));
                (TIFF_DOUBLE, v.len())
            }
            Data::Ascii(s) if s.len() <= 4 => {
                inline[..s.len()].copy_from_slice(s.as_bytes());
                (TIFF_ASCII, s.len())
            }
            Data::Ascii(s) => {
                inline = ((extra_at + extra.len()) as u32).to_le_bytes();
                extra.extend_from_slice(s.as_bytes());
                (TIFF_ASCII, s.len())
            }
            Data::Rational(n, d) => {
                inline = ((extra_at + extra.len()) as u32).to_le_bytes();
                extra.extend_from_slice(&n.to_le_bytes());
                extra.extend_from_slice(&d.to_le_bytes());
                (TIFF_RATIONAL, 1)
            }
        };
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&(count as u32).to_le_bytes());
        out.extend_from_slice(&inline);
    }
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&extra);
    debug_assert_eq!(out.len(), image_at);
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u16_at(b: &[u8], at: usize) -> u16 {
        u16::from_le_bytes([b[at], b[at + 1]])
    }
    fn u32_at(b: &[u8], at: usize) -> u32 {
        u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
    }

    /// Reads the file back the way a TIFF reader does: the tags from the directory, the values
    /// from the strip.
    #[test]
    fn reads_back_as_a_georeferenced_float_raster() {
        let grid = Grid {
            x0: 990_000.0,
            y0: 1_820_000.0,
            cell_m: 100.0,
            cols: 3,
            rows: 2,
        };
        let values = [1.5, f32::NAN, 3.0, 4.0, 5.0, 6.25];
        let b = encode(&grid, &values, 5179);
        assert_eq!(&b[..4], b"II*\0");
        let ifd = u32_at(&b, 4) as usize;
        let n = u16_at(&b, ifd) as usize;
        let mut tag = std::collections::BTreeMap::new();
        for i in 0..n {
            let e = ifd + 2 + 12 * i;
            tag.insert(
                u16_at(&b, e),
                (u16_at(&b, e + 2), u32_at(&b, e + 4), u32_at(&b, e + 8)),
            );
        }
        assert_eq!(tag[&256].2, 3);
        assert_eq!(tag[&257].2, 2);
        assert_eq!(tag[&339].2, 3, "IEEE floats");
        let strip = tag[&273].2 as usize;
        let read: Vec<f32> = (0..6)
            .map(|i| {
                f32::from_le_bytes(
                    b[strip + 4 * i..strip + 4 * i + 4]
                        .try_into()
                        .expect("4 bytes"),
                )
            })
            .collect();
        assert_eq!(read[0], 1.5);
        assert!(read[1].is_nan());
        assert_eq!(read[5], 6.25);
        let tie = tag[&33922].2 as usize;
        let x0 = f64::from_le_bytes(b[tie + 24..tie + 32].try_into().expect("8 bytes"));
        let y0 = f64::from_le_bytes(b[tie + 32..tie + 40].try_into().expect("8 bytes"));
        assert_eq!((x0, y0), (990_000.0, 1_820_000.0));
        let keys = tag[&34735].2 as usize;
        let keys: Vec<u16> = (0..20).map(|i| u16_at(&b, keys + 2 * i)).collect();
        assert_eq!(&keys[12..16], &[3072, 0, 1, 5179]);
        assert_eq!(b.len(), strip + 24);
        // Tags ascend, as TIFF requires, and every offset is even.
        let ids: Vec<u16> = tag.keys().copied().collect();
        assert_eq!(ids.len(), n, "no tag twice");
        assert!(
            (0..n).all(
                |i| i == 0 || u16_at(&b, ifd + 2 + 12 * i) > u16_at(&b, ifd + 2 + 12 * (i - 1))
            )
        );
        assert_eq!(tag[&282].0, 5, "a rational resolution");
        assert!(
            tag.values()
                .filter(|t| matches!(t.0, 5 | 12))
                .all(|t| t.2 % 2 == 0)
        );
    }
}
