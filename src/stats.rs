//! Streaming statistics for Monte-Carlo summaries.
//!
//! Everything here consumes values one at a time, in replication order, in
//! memory that does not grow with the number of replications:
//!
//! - [`Moments`]: count, mean and variance by Welford's update (the same
//!   order gives the same bits), min and max.
//! - [`Sketch`]: a quantile sketch. Integer values up to 65,536 (counts, and
//!   most whole-second values) are kept exactly; any other value falls in a
//!   logarithmic bucket of relative width 0.1 %, so a percentile is exact for
//!   the former and within 0.1 % for the latter. Each bucket also keeps the
//!   smallest and largest value it received: a bucket of equal values
//!   reports that value exactly (a constant sample, or each value of a
//!   two-valued one), and a bucket's value is kept within them, so every
//!   percentile lies within the sample's min and max. The number of
//!   buckets is bounded by the range of the values, not their count.
//! - [`t_quantile`]: Student's t quantile for confidence intervals.

use std::collections::BTreeMap;

use statrs::distribution::{ContinuousCDF, StudentsT};

/// Count, mean, variance (Welford), min and max of a stream.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Moments {
    /// Values seen.
    pub n: u64,
    mean: f64,
    m2: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
}

impl Moments {
    /// Adds one value.
    pub fn push(&mut self, x: f64) {
        self.n += 1;
        if self.n == 1 {
            self.min = x;
            self.max = x;
        } else {
            self.min = self.min.min(x);
            self.max = self.max.max(x);
        }
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
    }

    /// The mean (0 when empty).
    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// The sample standard deviation (0 below two values).
    pub fn sd(&self) -> f64 {
        if self.n < 2 {
            0.0
        } else {
            (self.m2 / (self.n - 1) as f64).max(0.0).sqrt()
        }
    }

    /// Half-width of the 95 % confidence interval of the mean (Student's t).
    pub fn ci95_half(&self) -> f64 {
        if self.n < 2 {
            return 0.0;
        }
        t_quantile(0.975, self.n - 1) * self.sd() / (self.n as f64).sqrt()
    }
}

/// Student's t quantile at probability `p` with `df` degrees of freedom.
pub fn t_quantile(p: f64, df: u64) -> f64 {
    match StudentsT::new(0.0, 1.0, df.max(1) as f64) {
        Ok(t) => t.inverse_cdf(p),
        Err(_) => f64::NAN,
    }
}

/// Largest integer value kept exactly.
const EXACT_MAX: f64 = 65_536.0;
/// Relative accuracy of the logarithmic buckets.
const ALPHA: f64 = 0.001;

/// A bounded-memory quantile sketch (see the module docs).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sketch {
    /// Representative value (as ordered bits) → the values in its bucket.
    bins: BTreeMap<u64, Bin>,
    n: u64,
}

/// The values that fell in one bucket: how many, the smallest and the largest.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Bin {
    count: u64,
    min: f64,
    max: f64,
}

impl Bin {
    /// The value the bucket stands for: its one value when all its values
    /// are equal (a constant sample is reported exactly), else the
    /// bucket's centre brought within the values it holds (so that every
    /// quantile lies within the sample's range).
    fn value(&self, key: u64) -> f64 {
        if self.min == self.max {
            self.min
        } else {
            from_ordered_bits(key).clamp(self.min, self.max)
        }
    }
}

/// Maps an f64 to a u64 whose order is the numeric order.
fn ordered_bits(x: f64) -> u64 {
    let b = x.to_bits();
    if x.is_sign_negative() { !b } else { b | (1 << 63) }
}

fn from_ordered_bits(k: u64) -> f64 {
    if k & (1 << 63) != 0 {
        f64::from_bits(k & !(1 << 63))
    } else {
        f64::from_bits(!k)
    }
}

impl Sketch {
    /// The value a sample is stored as: itself when a small integer, else
    /// the centre of its logarithmic bucket.
    pub fn representative(x: f64) -> f64 {
        let a = x.abs();
        if a == 0.0 || (a <= EXACT_MAX && a.fract() == 0.0) || !a.is_finite() {
            return x;
        }
        let gamma = (1.0 + ALPHA) / (1.0 - ALPHA);
        let i = (a.ln() / gamma.ln()).ceil();
        let rep = 2.0 * gamma.powf(i) / (gamma + 1.0);
        rep.copysign(x)
    }

    /// Adds one value.
    pub fn push(&mut self, x: f64) {
        self.n += 1;
        let bin = self.bins.entry(ordered_bits(Self::representative(x))).or_insert(Bin {
            count: 0,
            min: x,
            max: x,
        });
        bin.count += 1;
        bin.min = bin.min.min(x);
        bin.max = bin.max.max(x);
    }

    /// Values seen.
    pub fn len(&self) -> u64 {
        self.n
    }

    /// True when no value was seen.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The nearest-rank `p`-quantile: the smallest stored value whose
    /// cumulative count reaches `ceil(p·n)`; the first and last ranks are
    /// the sample's exact min and max.
    pub fn quantile(&self, p: f64) -> Option<f64> {
        if self.n == 0 {
            return None;
        }
        let rank = ((p * self.n as f64).ceil() as u64).clamp(1, self.n);
        // The extremes are known exactly: the first and last buckets' bounds.
        if rank == 1 {
            return self.bins.values().next().map(|b| b.min);
        }
        if rank == self.n {
            return self.bins.values().next_back().map(|b| b.max);
        }
        let mut seen = 0;
        for (k, bin) in &self.bins {
            seen += bin.count;
            if seen >= rank {
                return Some(bin.value(*k));
            }
        }
        self.bins.iter().next_back().map(|(k, bin)| bin.value(*k))
    }

    /// The empirical CDF at each stored value: `(value, share ≤ value)`.
    pub fn cdf(&self) -> Vec<(f64, f64)> {
        let mut seen = 0;
        self.bins
            .iter()
            .map(|(k, bin)| {
                seen += bin.count;
                (bin.value(*k), seen as f64 / self.n as f64)
            })
            .collect()
    }

    /// Number of distinct buckets held (for memory checks).
    pub fn buckets(&self) -> usize {
        self.bins.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_match_the_two_pass_formulas() {
        let xs = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        let mut m = Moments::default();
        xs.iter().for_each(|x| m.push(*x));
        assert_eq!(m.n, 8);
        assert!((m.mean() - 5.0).abs() < 1e-12);
        // Sample variance: sum of squares 32 over 7.
        assert!((m.sd() - (32.0f64 / 7.0).sqrt()).abs() < 1e-12);
        assert_eq!((m.min, m.max), (2.0, 9.0));
    }

    #[test]
    fn t_quantiles_match_tables() {
        // Standard tables: t(0.975; 1) = 12.706, t(0.975; 9) = 2.262,
        // t(0.975; 29) = 2.045, large df → 1.960.
        assert!((t_quantile(0.975, 1) - 12.7062).abs() < 1e-3);
        assert!((t_quantile(0.975, 9) - 2.2622).abs() < 1e-3);
        assert!((t_quantile(0.975, 29) - 2.0452).abs() < 1e-3);
        assert!((t_quantile(0.975, 100_000) - 1.95998).abs() < 1e-3);
    }

    #[test]
    fn sketch_is_exact_for_small_integers_and_close_otherwise() {
        let mut s = Sketch::default();
        for x in 1..=100 {
            s.push(x as f64);
        }
        // Nearest rank: p50 of 1..100 is the 50th value, p95 the 95th.
        assert_eq!(s.quantile(0.5), Some(50.0));
        assert_eq!(s.quantile(0.95), Some(95.0));
        assert_eq!(s.quantile(0.0), Some(1.0));
        assert_eq!(s.quantile(1.0), Some(100.0));
        let mut s = Sketch::default();
        let xs: Vec<f64> = (0..10_000).map(|i| 0.37 * (i as f64 + 1.0).powf(1.7)).collect();
        xs.iter().for_each(|x| s.push(*x));
        let mut sorted = xs.clone();
        sorted.sort_by(f64::total_cmp);
        for p in [0.01, 0.5, 0.9, 0.99] {
            let exact = sorted[((p * 10_000.0) as usize).max(1) - 1];
            let got = s.quantile(p).unwrap();
            assert!((got / exact - 1.0).abs() <= 0.0011, "p{p}: {got} vs {exact}");
        }
        // Memory follows the range, not the count.
        assert!(s.buckets() < 10_000);
        let before = s.buckets();
        for _ in 0..5 {
            xs.iter().for_each(|x| s.push(*x));
        }
        assert_eq!(s.buckets(), before);
    }

    #[test]
    fn constant_and_two_valued_samples_are_reported_exactly() {
        let mut s = Sketch::default();
        for _ in 0..1000 {
            s.push(3_600_000.0);
        }
        for p in [0.0, 0.01, 0.5, 0.95, 0.99, 1.0] {
            assert_eq!(s.quantile(p), Some(3_600_000.0), "p{p}");
        }
        let mut s = Sketch::default();
        for i in 0..100 {
            s.push(if i % 4 == 0 { 7_200_000.25 } else { 0.000302 });
        }
        assert_eq!(s.quantile(0.5), Some(0.000302));
        assert_eq!(s.quantile(0.75), Some(0.000302));
        assert_eq!(s.quantile(0.76), Some(7_200_000.25));
        assert_eq!(s.quantile(0.99), Some(7_200_000.25));
    }

    #[test]
    fn wide_samples_keep_their_quantiles_close_and_within_range() {
        // From a thousandth to a billion: ten orders of magnitude.
        let xs: Vec<f64> = (0..5000).map(|i| 1e-3 * 1.0046f64.powi(i) + 0.123).collect();
        let mut s = Sketch::default();
        xs.iter().for_each(|x| s.push(*x));
        let mut sorted = xs.clone();
        sorted.sort_by(f64::total_cmp);
        let (min, max) = (sorted[0], sorted[sorted.len() - 1]);
        for p in [0.0, 0.001, 0.25, 0.5, 0.9, 0.999, 1.0] {
            let rank = ((p * 5000.0f64).ceil() as usize).clamp(1, 5000);
            let exact = sorted[rank - 1];
            let got = s.quantile(p).unwrap();
            assert!((got / exact - 1.0).abs() <= 0.0011, "p{p}: {got} vs {exact}");
            assert!((min..=max).contains(&got), "p{p}: {got} outside [{min}, {max}]");
        }
        assert_eq!(s.quantile(0.0), Some(min));
        assert_eq!(s.quantile(1.0), Some(max));
    }

    #[test]
    fn every_quantile_lies_within_min_and_max() {
        // A property over many small pseudo-random samples (a fixed
        // generator): values of every magnitude, repeated or not.
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..2000 {
            let n = 1 + next() % 20;
            let scale = 10f64.powi((next() % 19) as i32 - 6);
            let mut s = Sketch::default();
            let mut m = Moments::default();
            let base = (next() % 1_000_000) as f64 / 997.0 * scale;
            for _ in 0..n {
                let x = if next() % 3 == 0 {
                    base
                } else {
                    base + (next() % 10_000) as f64 / 13.0 * scale
                };
                s.push(x);
                m.push(x);
            }
            for i in 0..=100 {
                let q = s.quantile(i as f64 / 100.0).unwrap();
                assert!(q >= m.min && q <= m.max, "{q} outside [{}, {}]", m.min, m.max);
            }
            for (v, _) in s.cdf() {
                assert!(v >= m.min && v <= m.max);
            }
        }
    }

    #[test]
    fn sketch_orders_negative_values() {
        let mut s = Sketch::default();
        for x in [-5.0, -1.5, 0.0, 2.0, 3.25] {
            s.push(x);
        }
        assert_eq!(s.quantile(0.2), Some(-5.0));
        assert!((s.quantile(0.4).unwrap() + 1.5).abs() < 0.002);
        assert_eq!(s.quantile(0.6), Some(0.0));
    }
}
