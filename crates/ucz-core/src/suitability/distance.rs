//! Exact Euclidean distance transform of a grid (Felzenszwalb and Huttenlocher, 2012): the
//! distance from every cell centre to the nearest seed cell's centre in two separable passes,
//! linear in the number of cells, instead of a search per cell. With it comes the feature
//! transform — which seed is nearest — so a point layer's values can be spread to the cells
//! each point is nearest to.

use std::thread;

/// "No seed in reach": larger than any squared distance on a grid of at most 2^20 a side.
const FAR: i64 = 1 << 42;

/// Squared distances (in cells²) to the nearest seed and, for each cell, the index of that seed
/// (`u32::MAX` when there is no seed at all). `seeds` holds, per cell, the seed's index or
/// `u32::MAX`.
pub struct Transformed {
    pub squared: Vec<f32>,
    pub nearest: Vec<u32>,
}

/// The transform of a `rows` × `cols` grid, row-major, over `threads` threads (the result does
/// not depend on how many).
pub fn transform(seeds: &[u32], rows: usize, cols: usize, threads: usize) -> Transformed {
    debug_assert_eq!(seeds.len(), rows * cols);
    // Pass 1, down each column: the nearest seed in the same column (row distance and which).
    // Swept row by row so that the memory is read in order.
    let mut vertical: Vec<u32> = vec![u32::MAX; rows * cols];
    let mut owner: Vec<u32> = vec![u32::MAX; rows * cols];
    // Top-down, then bottom-up; `vertical` holds the row distance (u32::MAX: none).
    for r in 0..rows {
        let (above, here) = vertical.split_at_mut(r * cols);
        let (owner_above, owner_here) = owner.split_at_mut(r * cols);
        let here = &mut here[..cols];
        let owner_here = &mut owner_here[..cols];
        let seeds_here = &seeds[r * cols..(r + 1) * cols];
        for c in 0..cols {
            if seeds_here[c] != u32::MAX {
                here[c] = 0;
                owner_here[c] = seeds_here[c];
            } else if r > 0 && above[(r - 1) * cols + c] != u32::MAX {
                here[c] = above[(r - 1) * cols + c] + 1;
                owner_here[c] = owner_above[(r - 1) * cols + c];
            }
        }
    }
    for r in (0..rows.saturating_sub(1)).rev() {
        let (here, below) = vertical.split_at_mut((r + 1) * cols);
        let (owner_here, owner_below) = owner.split_at_mut((r + 1) * cols);
        let here = &mut here[r * cols..];
        let owner_here = &mut owner_here[r * cols..];
        for c in 0..cols {
            let b = below[c];
            if b != u32::MAX && b + 1 < here[c] {
                here[c] = b + 1;
                owner_here[c] = owner_below[c];
            }
        }
    }
    // Pass 2, along each row: the lower envelope of the parabolas of the row's columns. Rows are
    // independent, so they are shared out between the threads in contiguous blocks.
    let mut squared = vec![0f32; rows * cols];
    let mut nearest = vec![u32::MAX; rows * cols];
    let threads = threads.clamp(1, rows.max(1));
    let block = rows.div_ceil(threads).max(1) * cols;
    thread::scope(|scope| {
        for (((sq, near), vert), own) in squared
            .chunks_mut(block)
            .zip(nearest.chunks_mut(block))
            .zip(vertical.chunks(block))
            .zip(owner.chunks(block))
        {
            scope.spawn(move || {
                let mut env = Envelope::new(cols);
                for (((sq, near), vert), own) in sq
                    .chunks_mut(cols)
                    .zip(near.chunks_mut(cols))
                    .zip(vert.chunks(cols))
                    .zip(own.chunks(cols))
                {
                    env.row(vert, own, sq, near);
                }
            });
        }
    });
    Transformed { squared, nearest }
}

/// Scratch space of one row's lower envelope.
struct Envelope {
    f: Vec<i64>,
    v: Vec<usize>,
    z: Vec<f64>,
}

impl Envelope {
    fn new(cols: usize) -> Self {
        Envelope {
            f: vec![0; cols],
            v: vec![0; cols],
            z: vec![0.0; cols + 1],
        }
    }

    fn row(&mut self, vertical: &[u32], owner: &[u32], squared: &mut [f32], nearest: &mut [u32]) {
        let n = vertical.len();
        for (f, &d) in self.f.iter_mut().zip(vertical) {
            *f = if d == u32::MAX {
                FAR
            } else {
                i64::from(d) * i64::from(d)
            };
        }
        let f = &self.f;
        let (v, z) = (&mut self.v, &mut self.z);
        let mut k = 0usize;
        v[0] = 0;
        z[0] = f64::NEG_INFINITY;
        z[1] = f64::INFINITY;
        let intersect = |q: usize, p: usize| -> f64 {
            let (q, p) = (q as i64, p as i64);
            ((f[q as usize] + q * q) - (f[p as usize] + p * p)) as f64 / (2 * (q - p)) as f64
        };
        for q in 1..n {
            let mut s = intersect(q, v[k]);
            while s <= z[k] {
                // Never below the first parabola: z[0] is −∞.
                k -= 1;
                s = intersect(q, v[k]);
            }
            k += 1;
            v[k] = q;
            z[k] = s;
            z[k + 1] = f64::INFINITY;
        }
        k = 0;
        for q in 0..n {
            while z[k + 1] < q as f64 {
                k += 1;
            }
            let p = v[k];
            let dq = q as i64 - p as i64;
            let d = dq * dq + f[p];
            if d >= FAR {
                squared[q] = f32::INFINITY;
                nearest[q] = u32::MAX;
            } else {
                squared[q] = d as f32;
                nearest[q] = owner[p];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same answer by looking at every seed from every cell.
    fn brute(seeds: &[u32], rows: usize, cols: usize) -> Vec<f32> {
        let points: Vec<(usize, usize)> = (0..rows * cols)
            .filter(|&i| seeds[i] != u32::MAX)
            .map(|i| (i / cols, i % cols))
            .collect();
        (0..rows * cols)
            .map(|i| {
                let (r, c) = (i / cols, i % cols);
                points
                    .iter()
                    .map(|&(pr, pc)| {
                        let (dr, dc) = (pr as f32 - r as f32, pc as f32 - c as f32);
                        dr * dr + dc * dc
                    })
                    .fold(f32::INFINITY, f32::min)
            })
            .collect()
    }

    #[test]
    fn matches_a_search_from_every_cell() {
        let mut state = 7u64;
        for (rows, cols, density) in [
            (1, 1, 1),
            (5, 9, 5),
            (17, 3, 10),
            (40, 37, 60),
            (23, 61, 200),
        ] {
            for threads in [1, 2, 3] {
                let mut seeds = vec![u32::MAX; rows * cols];
                let mut next = 0;
                for (i, seed) in seeds.iter_mut().enumerate() {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    if (state >> 33) % density == 0 || (i == rows * cols / 2 && next == 0) {
                        *seed = next;
                        next += 1;
                    }
                }
                let got = transform(&seeds, rows, cols, threads);
                assert_eq!(got.squared, brute(&seeds, rows, cols), "{rows}x{cols}");
                // The nearest seed named is one at that distance.
                for i in 0..rows * cols {
                    let s = got.nearest[i];
                    let at = seeds.iter().position(|&x| x == s).expect("a seed");
                    let (dr, dc) = (
                        (at / cols) as f32 - (i / cols) as f32,
                        (at % cols) as f32 - (i % cols) as f32,
                    );
                    assert_eq!(dr * dr + dc * dc, got.squared[i]);
                }
            }
        }
    }

    #[test]
    fn without_seeds_everything_is_out_of_reach() {
        let got = transform(&[u32::MAX; 12], 3, 4, 2);
        assert!(got.squared.iter().all(|d| d.is_infinite()));
        assert!(got.nearest.iter().all(|&n| n == u32::MAX));
    }
}
