//! Map tiles of a scored surface: the 256 × 256 pixels of a Web Mercator tile (z/x/y, as Leaflet
//! asks for them), coloured by score, transparent where there is none. Pixel centres are
//! projected to the grid on a 17 × 17 lattice and interpolated between, which is well within a
//! pixel at the zooms a region is looked at.

use super::Grid;

pub const SIZE: usize = 256;
const STEP: usize = 16;

/// Colour stops of the score (0–100), light to dark (ColorBrewer YlGnBu).
pub const RAMP: [(f32, [u8; 3]); 5] = [
    (0.0, [255, 255, 204]),
    (25.0, [161, 218, 180]),
    (50.0, [65, 182, 196]),
    (75.0, [44, 127, 184]),
    (100.0, [37, 52, 148]),
];

pub fn colour(score: f32) -> [u8; 4] {
    if score.is_nan() {
        return [0, 0, 0, 0];
    }
    let s = score.clamp(0.0, 100.0);
    for w in RAMP.windows(2) {
        let ((a, ca), (b, cb)) = (w[0], w[1]);
        if s <= b {
            let t = (s - a) / (b - a);
            let mix = |i: usize| {
                (f32::from(ca[i]) + t * (f32::from(cb[i]) - f32::from(ca[i]))).round() as u8
            };
            return [mix(0), mix(1), mix(2), 210];
        }
    }
    let c = RAMP[RAMP.len() - 1].1;
    [c[0], c[1], c[2], 210]
}

/// Longitude and latitude of a tile's pixel position (fractions of a pixel allowed).
pub fn lon_lat(z: u8, x: f64, y: f64) -> (f64, f64) {
    let n = f64::from(1u32 << z.min(30));
    let lon = x / n * 360.0 - 180.0;
    let lat = (std::f64::consts::PI * (1.0 - 2.0 * y / n))
        .sinh()
        .atan()
        .to_degrees();
    (lon, lat)
}

/// The RGBA pixels of tile z/x/y. `to_grid` projects WGS84 lon/lat to the grid's metres.
pub fn render(
    grid: &Grid,
    score: &[f32],
    z: u8,
    x: u32,
    y: u32,
    to_grid: &dyn Fn(f64, f64) -> Option<(f64, f64)>,
) -> Vec<u8> {
    let mut rgba = vec![0u8; SIZE * SIZE * 4];
    let lattice = SIZE / STEP + 1;
    let mut at = Vec::with_capacity(lattice * lattice);
    for j in 0..lattice {
        for i in 0..lattice {
            let px = f64::from(x) + (i * STEP) as f64 / SIZE as f64;
            let py = f64::from(y) + (j * STEP) as f64 / SIZE as f64;
            let (lon, lat) = lon_lat(z, px, py);
            at.push(to_grid(lon, lat));
        }
    }
    for py in 0..SIZE {
        for px in 0..SIZE {
            // Centre of the pixel, between lattice points.
            let (fx, fy) = (
                (px as f64 + 0.5) / STEP as f64,
                (py as f64 + 0.5) / STEP as f64,
            );
            let (i, j) = (
                (fx as usize).min(lattice - 2),
                (fy as usize).min(lattice - 2),
            );
            let (tx, ty) = (fx - i as f64, fy - j as f64);
            let corners = [
                at[j * lattice + i],
                at[j * lattice + i + 1],
                at[(j + 1) * lattice + i],
                at[(j + 1) * lattice + i + 1],
            ];
            let [Some(a), Some(b), Some(c), Some(d)] = corners else {
                continue;
            };
            let gx =
                (a.0 * (1.0 - tx) + b.0 * tx) * (1.0 - ty) + (c.0 * (1.0 - tx) + d.0 * tx) * ty;
            let gy =
                (a.1 * (1.0 - tx) + b.1 * tx) * (1.0 - ty) + (c.1 * (1.0 - tx) + d.1 * tx) * ty;
            if let Some(cell) = grid.index_of(gx, gy) {
                let o = (py * SIZE + px) * 4;
                rgba[o..o + 4].copy_from_slice(&colour(score[cell]));
            }
        }
    }
    rgba
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ramp_runs_light_to_dark_and_nothing_is_clear() {
        assert_eq!(colour(0.0), [255, 255, 204, 210]);
        assert_eq!(colour(100.0), [37, 52, 148, 210]);
        assert_eq!(colour(f32::NAN)[3], 0);
        assert!(colour(60.0)[0] < colour(40.0)[0]);
    }

    #[test]
    fn tile_corners_are_where_leaflet_puts_them() {
        let (lon, lat) = lon_lat(0, 0.0, 0.0);
        assert!((lon + 180.0).abs() < 1e-9 && (lat - 85.0511287798).abs() < 1e-6);
        let (lon, lat) = lon_lat(1, 1.0, 1.0);
        assert!(lon.abs() < 1e-9 && lat.abs() < 1e-9);
    }

    #[test]
    fn pixels_take_the_score_of_the_cell_under_them() {
        // A grid in plain lon/lat "metres" so the projection is the identity: the tile 0/0/0
        // covers the world and the grid (lon 0–170, lat 0–85) the eastern hemisphere's north.
        let grid = Grid {
            x0: 0.0,
            y0: 85.0,
            cell_m: 85.0,
            cols: 2,
            rows: 1,
        };
        let rgba = render(&grid, &[100.0, 100.0], 0, 0, 0, &|lon, lat| {
            Some((lon, lat))
        });
        let at = |px: usize, py: usize| rgba[(py * SIZE + px) * 4 + 3];
        assert_eq!(at(200, 60), 210, "north-east is scored");
        assert_eq!(at(60, 60), 0, "north-west is not");
        assert_eq!(at(200, 200), 0, "south is not");
    }
}
