//! The nearest facility to a point: an R-tree (rstar, bulk-loaded) over points in a projected
//! metric CRS — x, y in metres, e.g. EPSG:5179 (see [`crate::crs`] to get there from WGS84).
//! Distances are straight-line in that plane, in metres.

use rstar::RTree;
use rstar::primitives::GeomWithData;

/// Points with a payload each (an id, an index, a facility), for nearest-point queries.
pub struct Nearest<T> {
    tree: RTree<GeomWithData<[f64; 2], T>>,
}

impl<T> Nearest<T> {
    /// Builds the index at once from `(x, y, payload)`. Points with a non-finite coordinate are
    /// left out ([`Nearest::len`] tells how many are in).
    pub fn new(points: impl IntoIterator<Item = (f64, f64, T)>) -> Self {
        let points = points
            .into_iter()
            .filter(|(x, y, _)| x.is_finite() && y.is_finite())
            .map(|(x, y, payload)| GeomWithData::new([x, y], payload))
            .collect();
        Nearest {
            tree: RTree::bulk_load(points),
        }
    }

    pub fn len(&self) -> usize {
        self.tree.size()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The nearest point's payload and its distance in metres; of several equally near, any one.
    /// `None` when the index is empty.
    pub fn nearest(&self, x: f64, y: f64) -> Option<(&T, f64)> {
        self.tree
            .nearest_neighbor_with_distance_2([x, y])
            .map(|(p, d2)| (&p.data, d2.sqrt()))
    }

    /// Every point within `radius` metres (inclusive), nearest first.
    pub fn within(&self, x: f64, y: f64, radius: f64) -> Vec<(&T, f64)> {
        if radius.is_nan() || radius < 0.0 {
            return Vec::new();
        }
        let mut found: Vec<(&T, f64)> = self
            .tree
            .locate_within_distance([x, y], radius * radius)
            .map(|p| (&p.data, distance(p.geom(), x, y)))
            .collect();
        found.sort_by(|a, b| a.1.total_cmp(&b.1));
        found
    }

    /// The `k` nearest points (fewer if the index holds fewer), nearest first.
    pub fn k_nearest(&self, x: f64, y: f64, k: usize) -> Vec<(&T, f64)> {
        self.tree
            .nearest_neighbor_iter_with_distance_2([x, y])
            .take(k)
            .map(|(p, d2)| (&p.data, d2.sqrt()))
            .collect()
    }
}

/// As rstar's squared distance, then its root (so that every method gives the same figure).
fn distance(p: &[f64; 2], x: f64, y: f64) -> f64 {
    let (dx, dy) = (p[0] - x, p[1] - y);
    (dx * dx + dy * dy).sqrt()
}

impl<T> FromIterator<(f64, f64, T)> for Nearest<T> {
    fn from_iter<I: IntoIterator<Item = (f64, f64, T)>>(points: I) -> Self {
        Nearest::new(points)
    }
}

impl<T> std::fmt::Debug for Nearest<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Nearest").field("len", &self.len()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::Rng;

    /// A point in a Korea-sized EPSG:5179 box, on a 10 km grid a third of the time so that
    /// ties and duplicates happen.
    fn point(rng: &mut Rng) -> (f64, f64) {
        let x = 750_000.0 + 600_000.0 * rng.unit();
        let y = 1_450_000.0 + 650_000.0 * rng.unit();
        if rng.next_u64().is_multiple_of(3) {
            (
                (x / 10_000.0).round() * 10_000.0,
                (y / 10_000.0).round() * 10_000.0,
            )
        } else {
            (x, y)
        }
    }

    fn points(n: usize, seed: u64) -> Vec<(f64, f64)> {
        let mut rng = Rng::new(seed);
        (0..n).map(|_| point(&mut rng)).collect()
    }

    /// Every facility's distance from (x, y), nearest first.
    fn brute(facilities: &[(f64, f64)], x: f64, y: f64) -> Vec<(usize, f64)> {
        let mut all: Vec<(usize, f64)> = facilities
            .iter()
            .enumerate()
            .map(|(i, &(fx, fy))| (i, distance(&[fx, fy], x, y)))
            .collect();
        all.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        all
    }

    /// Equal but for the last bits of rounding (a micrometre).
    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    fn index(facilities: &[(f64, f64)]) -> Nearest<usize> {
        facilities
            .iter()
            .enumerate()
            .map(|(i, &(x, y))| (x, y, i))
            .collect()
    }

    #[test]
    fn nearest_agrees_with_a_brute_force_scan() {
        let facilities = points(3_000, 7);
        let nearest = index(&facilities);
        assert_eq!(nearest.len(), 3_000);
        for (x, y) in points(2_000, 11) {
            let expected = brute(&facilities, x, y)[0].1;
            let Some((&i, d)) = nearest.nearest(x, y) else {
                panic!("nothing near ({x}, {y})");
            };
            // Ties: any of the equally near, but its distance is the least.
            assert!(close(d, expected), "({x}, {y}): {d} m, not {expected} m");
            let (fx, fy) = facilities[i];
            assert!(close(distance(&[fx, fy], x, y), d));
        }
    }

    #[test]
    fn k_nearest_agrees_with_a_brute_force_scan() {
        let facilities = points(1_500, 3);
        let nearest = index(&facilities);
        let mut rng = Rng::new(5);
        for (x, y) in points(300, 13) {
            let k = (rng.next_u64() % 40) as usize;
            let expected: Vec<f64> = brute(&facilities, x, y)
                .iter()
                .take(k)
                .map(|p| p.1)
                .collect();
            let found = nearest.k_nearest(x, y, k);
            assert_eq!(found.len(), expected.len());
            for (&(&i, d), e) in found.iter().zip(&expected) {
                assert!(close(d, *e), "({x}, {y}), k = {k}: {d} m, not {e} m");
                let (fx, fy) = facilities[i];
                assert!(close(distance(&[fx, fy], x, y), d));
            }
            let mut ids: Vec<usize> = found.iter().map(|p| *p.0).collect();
            ids.sort_unstable();
            ids.dedup();
            assert_eq!(ids.len(), k);
        }
        assert_eq!(nearest.k_nearest(1e6, 2e6, 5_000).len(), 1_500);
    }

    #[test]
    fn within_agrees_with_a_brute_force_scan() {
        let facilities = points(2_000, 17);
        let nearest = index(&facilities);
        let mut rng = Rng::new(19);
        for (x, y) in points(300, 23) {
            let radius = 60_000.0 * rng.unit();
            let mut expected: Vec<usize> = brute(&facilities, x, y)
                .into_iter()
                .take_while(|p| p.1 <= radius)
                .map(|p| p.0)
                .collect();
            let found = nearest.within(x, y, radius);
            assert!(found.windows(2).all(|w| w[0].1 <= w[1].1));
            let mut ids: Vec<usize> = found.iter().map(|p| *p.0).collect();
            ids.sort_unstable();
            expected.sort_unstable();
            assert_eq!(ids, expected, "({x}, {y}) within {radius}");
        }
        // A radius reaching exactly a facility includes it.
        let (fx, fy) = facilities[0];
        let hits = nearest.within(fx + 3.0, fy + 4.0, 5.0);
        assert!(hits.iter().any(|&(&i, d)| i == 0 && d == 5.0));
        assert!(nearest.within(fx, fy, -1.0).is_empty());
        assert!(nearest.within(fx, fy, f64::NAN).is_empty());
    }

    #[test]
    fn an_empty_index_finds_nothing_and_bad_points_stay_out() {
        let empty: Nearest<u32> = Nearest::new([]);
        assert!(empty.is_empty());
        assert_eq!(empty.nearest(0.0, 0.0), None);
        assert!(empty.k_nearest(0.0, 0.0, 3).is_empty());
        assert!(empty.within(0.0, 0.0, 1e9).is_empty());

        let some = Nearest::new([
            (1.0, 1.0, "a"),
            (f64::NAN, 0.0, "nan"),
            (2.0, f64::INFINITY, "inf"),
            (4.0, 5.0, "b"),
        ]);
        assert_eq!(some.len(), 2);
        assert_eq!(some.nearest(4.0, 1.0), Some((&"a", 3.0)));
        assert_eq!(some.k_nearest(4.0, 1.0, 5), vec![(&"a", 3.0), (&"b", 4.0)]);
    }
}
