//! Counter-based random numbers: every draw is a hash of where it is used — (seed, run, region,
//! firm, purpose) — and not the next number of a shared sequence. A firm's draws therefore do not
//! depend on how many numbers other firms used, nor on anything that happened to them, and the base
//! and every variant of a scenario draw the same numbers for the same firm: they compare on common
//! random numbers. Births of a region and year have their own stream in the same way.
//!
//! The mixing function is SplitMix64's finaliser (Steele, Lea and Flood, 2014), whose output passes
//! BigCrush when fed a counter; a key is folded into a stream by one more round, so a stream is a
//! chain of at most a handful of multiplications.

/// Drawn in place of a month when the event never happens (a survival of 1).
pub const NEVER: u32 = u32::MAX;

/// The SplitMix64 finaliser of `z + γ`.
#[inline]
pub const fn splitmix(z: u64) -> u64 {
    let mut z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A stream: the hash of the keys that led to it. Streams are values: `child` and `uniform` do
/// not change them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stream(pub u64);

impl Stream {
    /// The stream of one run of a seed.
    pub fn run(seed: u64, run: u32) -> Self {
        Stream(splitmix(
            splitmix(seed ^ 0x5CE7_A210_0000_0000) ^ u64::from(run),
        ))
    }

    /// A stream under this one, told apart by `key`.
    #[inline]
    pub fn child(self, key: u64) -> Self {
        Stream(splitmix(self.0 ^ splitmix(key)))
    }

    /// A uniform number in (0, 1] for `purpose`: 53 random bits, never 0 (so that its logarithm
    /// is finite).
    #[inline]
    pub fn uniform(self, purpose: u64) -> f64 {
        let bits = splitmix(self.0 ^ purpose.wrapping_mul(0xD1B5_4A32_D192_ED03)) >> 11;
        (bits + 1) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// The stable key of a text (a region id): FNV-1a, then mixed. Keys come from ids, not from the
/// order of regions in a file, so that a region keeps its streams when others are added.
pub fn text_key(text: &str) -> u64 {
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    for b in text.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01B3);
    }
    splitmix(h)
}

/// The largest mean drawn by one inversion; larger means are sums of pieces of at most this,
/// each with its own number (so `exp(-mean)` never underflows).
const POISSON_PIECE: f64 = 30.0;

/// A Poisson count of mean `mean` from the stream, by inversion (the count grows with the
/// uniform number drawn, and with the mean for the same number).
pub fn poisson(stream: Stream, mean: f64) -> u32 {
    if mean.is_nan() || mean <= 0.0 {
        return 0;
    }
    let pieces = (mean / POISSON_PIECE).ceil().max(1.0) as u64;
    let piece = mean / pieces as f64;
    let mut total: u32 = 0;
    for p in 0..pieces {
        let u = stream.uniform(p);
        let mut probability = (-piece).exp();
        let mut cumulative = probability;
        let mut k: u32 = 0;
        // Bounded: far past the mean the remaining mass is below the resolution of `u`.
        while u > cumulative && k < 1_000 {
            k += 1;
            probability *= piece / f64::from(k);
            cumulative += probability;
        }
        total = total.saturating_add(k);
    }
    total
}

/// The monthly hazard of a yearly survival probability: `1 - s^(1/12)`.
pub fn monthly_hazard(yearly_survival: f64) -> f64 {
    (1.0 - yearly_survival.clamp(0.0, 1.0).powf(1.0 / 12.0)).clamp(0.0, 1.0)
}

/// Months until an event of monthly hazard `hazard` happens (1 when it happens in the first
/// month), geometric by inversion of `u` in (0, 1]; [`NEVER`] for a hazard of 0.
#[inline]
pub fn months_until(u: f64, hazard: f64) -> u32 {
    if hazard <= 0.0 {
        return NEVER;
    }
    if hazard >= 1.0 {
        return 1;
    }
    let months = (u.ln() / (1.0 - hazard).ln()).floor() + 1.0;
    if months >= f64::from(NEVER - 1) {
        NEVER
    } else {
        months.max(1.0) as u32
    }
}

/// A length in months of mean `mean`, uniform over ±50% of it, at least 1.
#[inline]
pub fn length_months(u: f64, mean: f64) -> u32 {
    let months = (mean * (0.5 + u)).round();
    if months >= f64::from(NEVER - 1) {
        NEVER
    } else {
        months.max(1.0) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniforms_are_in_the_unit_interval_and_differ_by_key() {
        let s = Stream::run(1, 0);
        let a = s.child(1).uniform(0);
        let b = s.child(2).uniform(0);
        assert!(a > 0.0 && a <= 1.0 && b > 0.0 && b <= 1.0);
        assert_ne!(a, b);
        assert_eq!(a, Stream::run(1, 0).child(1).uniform(0));
        assert_ne!(Stream::run(1, 0), Stream::run(1, 1));
        assert_ne!(Stream::run(1, 0), Stream::run(2, 0));
    }

    #[test]
    fn uniform_means_are_a_half() {
        let s = Stream::run(7, 3);
        let n = 100_000;
        let mean = (0..n).map(|i| s.uniform(i)).sum::<f64>() / n as f64;
        assert!((mean - 0.5).abs() < 0.005, "{mean}");
    }

    #[test]
    fn poisson_means_come_out() {
        for mean in [0.0, 0.7, 12.0, 95.0] {
            let n = 20_000;
            let total: u64 = (0..n)
                .map(|i| u64::from(poisson(Stream::run(3, i), mean)))
                .sum();
            let got = total as f64 / f64::from(n);
            assert!((got - mean).abs() < 0.05 * mean.max(1.0), "{mean}: {got}");
        }
    }

    #[test]
    fn geometric_times_have_the_hazard() {
        assert_eq!(months_until(0.3, 0.0), NEVER);
        assert_eq!(months_until(0.3, 1.0), 1);
        let h = monthly_hazard(0.8);
        let n = 50_000;
        let within_year = (0..n)
            .filter(|&i| months_until(Stream::run(5, i).uniform(9), h) <= 12)
            .count();
        let share = within_year as f64 / f64::from(n);
        assert!((share - 0.2).abs() < 0.01, "{share}");
    }
}
