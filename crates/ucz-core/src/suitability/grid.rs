//! The grid a surface is scored on, in EPSG:5179 metres (UTM-K): square cells, row 0 at the
//! north edge, and polygons burnt into it by scanlines through the cells' centres.

use serde::Serialize;

/// A polygon as rings of (x, y) in the grid's CRS; holes are rings inside (even–odd rule).
pub type Polygon = Vec<Vec<(f64, f64)>>;

/// Cells of a grid at most: about the whole of Korea at 100 m with its seas (a 6,000 × 7,000 box
/// would be 42 M); larger grids are refused before anything is allocated.
pub const MAX_CELLS: usize = 60_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Grid {
    /// West edge, metres (EPSG:5179).
    pub x0: f64,
    /// North edge, metres (EPSG:5179).
    pub y0: f64,
    /// Side of a cell, metres.
    pub cell_m: f64,
    pub cols: usize,
    pub rows: usize,
}

impl Grid {
    /// The grid of `cell_m` cells covering the box, its edges on whole multiples of the cell so
    /// that grids of one region line up from run to run. `None` when it would be empty or larger
    /// than [`MAX_CELLS`].
    pub fn covering(min: (f64, f64), max: (f64, f64), cell_m: f64) -> Option<Grid> {
        let ordered = min.0 < max.0 && min.1 < max.1;
        if !(cell_m.is_finite() && cell_m > 0.0 && ordered) {
            return None;
        }
        let x0 = (min.0 / cell_m).floor() * cell_m;
        let y0 = (max.1 / cell_m).ceil() * cell_m;
        let cols = ((max.0 - x0) / cell_m).ceil().max(1.0);
        let rows = ((y0 - min.1) / cell_m).ceil().max(1.0);
        if cols * rows > MAX_CELLS as f64 {
            return None;
        }
        Some(Grid {
            x0,
            y0,
            cell_m,
            cols: cols as usize,
            rows: rows as usize,
        })
    }

    pub fn len(&self) -> usize {
        self.cols * self.rows
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The centre of a cell.
    pub fn centre(&self, index: usize) -> (f64, f64) {
        let (r, c) = (index / self.cols, index % self.cols);
        (
            self.x0 + (c as f64 + 0.5) * self.cell_m,
            self.y0 - (r as f64 + 0.5) * self.cell_m,
        )
    }

    /// The cell a point falls in.
    pub fn index_of(&self, x: f64, y: f64) -> Option<usize> {
        let c = ((x - self.x0) / self.cell_m).floor();
        let r = ((self.y0 - y) / self.cell_m).floor();
        // Written so that NaN falls outside.
        if !(c >= 0.0 && r >= 0.0 && c < self.cols as f64 && r < self.rows as f64) {
            return None;
        }
        Some(r as usize * self.cols + c as usize)
    }

    /// The east and south edges.
    pub fn max(&self) -> (f64, f64) {
        (
            self.x0 + self.cols as f64 * self.cell_m,
            self.y0 - self.rows as f64 * self.cell_m,
        )
    }

    /// Calls `fill(start, end)` for every run of cells of each row whose centres lie inside the
    /// polygon (`start..end` are cell indices).
    pub fn scan(&self, polygon: &Polygon, mut fill: impl FnMut(usize, usize)) {
        let (mut ymin, mut ymax) = (f64::INFINITY, f64::NEG_INFINITY);
        for &(_, y) in polygon.iter().flatten() {
            ymin = ymin.min(y);
            ymax = ymax.max(y);
        }
        if !(ymin.is_finite() && ymax.is_finite()) {
            return;
        }
        // Rows whose centre line crosses the polygon's extent.
        let first = ((self.y0 - ymax) / self.cell_m - 0.5).ceil().max(0.0) as usize;
        let last = ((self.y0 - ymin) / self.cell_m - 0.5).floor();
        if last < 0.0 {
            return;
        }
        let last = (last as usize).min(self.rows.saturating_sub(1));
        let mut crossings: Vec<f64> = Vec::new();
        for r in first..=last {
            let y = self.y0 - (r as f64 + 0.5) * self.cell_m;
            crossings.clear();
            for ring in polygon {
                let n = ring.len();
                for i in 0..n {
                    let (a, b) = (ring[i], ring[(i + 1) % n]);
                    // Half-open so that a vertex on the line is counted once.
                    if (a.1 <= y) != (b.1 <= y) {
                        crossings.push(a.0 + (y - a.1) / (b.1 - a.1) * (b.0 - a.0));
                    }
                }
            }
            crossings.sort_by(f64::total_cmp);
            for pair in crossings.chunks_exact(2) {
                // Cells whose centre x lies in [pair[0], pair[1]).
                let start = ((pair[0] - self.x0) / self.cell_m - 0.5).ceil().max(0.0);
                let end = ((pair[1] - self.x0) / self.cell_m - 0.5)
                    .ceil()
                    .min(self.cols as f64);
                if end > start {
                    fill(r * self.cols + start as usize, r * self.cols + end as usize);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_square_burns_the_cells_whose_centres_it_holds() {
        let grid = Grid::covering((0.0, 0.0), (500.0, 400.0), 100.0).expect("grid");
        assert_eq!((grid.cols, grid.rows), (5, 4));
        // x 100..300, y 100..300: the centres (150, 250) in rows 1–2 (y 250, 150), cols 1–2.
        let square = vec![vec![
            (100.0, 100.0),
            (300.0, 100.0),
            (300.0, 300.0),
            (100.0, 300.0),
        ]];
        let mut cells = Vec::new();
        grid.scan(&square, |a, b| cells.extend(a..b));
        assert_eq!(cells, vec![6, 7, 11, 12]);
        // A hole in the middle of a larger ring takes its cells out.
        let framed = vec![
            vec![(0.0, 0.0), (500.0, 0.0), (500.0, 400.0), (0.0, 400.0)],
            vec![
                (100.0, 100.0),
                (300.0, 100.0),
                (300.0, 300.0),
                (100.0, 300.0),
            ],
        ];
        let mut cells = Vec::new();
        grid.scan(&framed, |a, b| cells.extend(a..b));
        assert_eq!(cells.len(), 20 - 4);
        assert!(!cells.contains(&6));
        assert_eq!(grid.index_of(150.0, 250.0), Some(6));
        assert_eq!(grid.centre(6), (150.0, 250.0));
        assert_eq!(grid.index_of(-1.0, 250.0), None);
        assert_eq!(grid.index_of(f64::NAN, 250.0), None);
    }

    #[test]
    fn too_large_or_empty_grids_are_refused() {
        assert!(Grid::covering((0.0, 0.0), (1e7, 1e7), 100.0).is_none());
        assert!(Grid::covering((0.0, 0.0), (0.0, 10.0), 100.0).is_none());
        assert!(Grid::covering((0.0, 0.0), (10.0, 10.0), f64::NAN).is_none());
    }
}
