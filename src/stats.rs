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
//!   Each bucket also keeps the sum of its values, so the values it stands
//!   for are known to their mean.
//! - [`t_quantile`]: Student's t quantile for confidence intervals.
//! - [`el_interval`]: the 95 % empirical-likelihood interval of a mean. It
//!   lies within the values' range (never below zero for a metric that
//!   cannot be negative) and follows their skew.
//! - [`proportion_interval`]: the 95 % Clopper–Pearson (exact) interval of a
//!   share, with the one-sided bound (the "rule of three") when none or all
//!   of the runs show it.
//! - [`zero_count_bound`]: the Poisson-exact upper bound on a mean count
//!   when no event was seen at all.

use std::collections::BTreeMap;

use statrs::distribution::{ContinuousCDF, StudentsT};
use statrs::function::beta::beta_reg;

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

    /// The moments of the values of `self` that are not in `part` (a
    /// sub-stream of it, e.g. the aborted runs), from the pooled-variance
    /// identity; `min` and `max` are given (the moments cannot know them).
    pub fn without(&self, part: &Moments, min: f64, max: f64) -> Moments {
        let n = self.n.saturating_sub(part.n);
        if n == 0 {
            return Moments::default();
        }
        let (nt, na, nc) = (self.n as f64, part.n as f64, n as f64);
        let mut mean = (nt * self.mean - na * part.mean) / nc;
        // The subtraction leaves rounding noise (a mean of zeros at
        // -2e-13); the mean of the values left lies within their range.
        if min <= max {
            mean = mean.clamp(min, max);
        }
        let d = part.mean - mean;
        let m2 = if min == max {
            0.0 // equal values do not vary, whatever the rounding says
        } else {
            (self.m2 - part.m2 - d * d * nc * na / nt).max(0.0)
        };
        Moments { n, mean, m2, min, max }
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
    /// Representative value (as ordered bits) → its bucket.
    bins: BTreeMap<u64, Bin>,
    n: u64,
}

/// One bucket of a [`Sketch`]: how many values fell in it, their sum, the
/// smallest and the largest.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Bin {
    count: u64,
    sum: f64,
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
            sum: 0.0,
            min: x,
            max: x,
        });
        bin.count += 1;
        bin.sum += x;
        bin.min = bin.min.min(x);
        bin.max = bin.max.max(x);
    }

    /// The values of `self` that are not in `part` (a sketch of some of the
    /// same values, e.g. those of the aborted runs). A bucket keeps the
    /// smallest and largest values it held before: its values stay within
    /// them, though they may no longer be reached.
    pub fn without(&self, part: &Sketch) -> Sketch {
        let mut out = self.clone();
        for (k, b) in &part.bins {
            if let Some(mine) = out.bins.get_mut(k) {
                mine.count = mine.count.saturating_sub(b.count);
                mine.sum -= b.sum;
                out.n = out.n.saturating_sub(b.count);
                if mine.count == 0 {
                    out.bins.remove(k);
                }
            }
        }
        out
    }

    /// The buckets in increasing order, each as the mean of its values and
    /// their count: the data, to within a bucket's width.
    pub fn points(&self) -> Vec<(f64, u64)> {
        self.bins
            .iter()
            .map(|(k, b)| {
                let rep = from_ordered_bits(*k);
                // A bucket of one exact value is that value; the others,
                // their mean (kept within the bucket against rounding).
                let mean = b.sum / b.count as f64;
                let (lo, hi) = (rep.min(mean), rep.max(mean));
                let width = rep.abs() * 2.0 * ALPHA;
                (if hi - lo <= width { mean } else { rep }, b.count)
            })
            .collect()
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

/// The 95 % point of the chi-squared distribution with one degree of
/// freedom: the empirical-likelihood ratio's cut-off.
pub const CHI2_1_95: f64 = 3.841_458_820_694_124;

/// −2 log of the empirical likelihood ratio of mean `mu` for standardised
/// points `(z, weight)`, and the Lagrange multiplier found (`lam` is the
/// starting guess). `mu` must lie strictly between the smallest and the
/// largest `z`.
fn el_stat(points: &[(f64, f64)], mu: f64, lam: &mut f64) -> f64 {
    let (zmin, zmax) = points
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), (z, _)| {
            (a.min(*z), b.max(*z))
        });
    // The weights 1/(n(1 + λ(z − μ))) are positive for λ in (lo, hi);
    // g(λ) = Σ w (z − μ)/(1 + λ(z − μ)) falls from +∞ to −∞ there.
    let (mut lo, mut hi) = (-1.0 / (zmax - mu), -1.0 / (zmin - mu));
    let mut l = if *lam > lo && *lam < hi { *lam } else { 0.0 };
    for _ in 0..200 {
        let (mut g, mut dg) = (0.0, 0.0);
        for (z, w) in points {
            let d = z - mu;
            let q = 1.0 + l * d;
            g += w * d / q;
            dg -= w * d * d / (q * q);
        }
        if g > 0.0 {
            lo = l;
        } else {
            hi = l;
        }
        let mut next = l - g / dg;
        if !(next > lo && next < hi) {
            next = 0.5 * (lo + hi);
        }
        let done = (next - l).abs() <= 1e-14 * (1.0 + l.abs()) || g == 0.0;
        l = next;
        if done {
            break;
        }
    }
    *lam = l;
    2.0 * points.iter().map(|(z, w)| w * (l * (z - mu)).ln_1p()).sum::<f64>()
}

/// The mean `mu` between `inner` (where the statistic is below the
/// cut-off) and the boundary `edge` (where it is infinite) at which the
/// empirical-likelihood statistic reaches [`CHI2_1_95`].
fn el_bound(points: &[(f64, f64)], inner: f64, edge: f64, first: f64) -> f64 {
    let f = |mu: f64, lam: &mut f64| el_stat(points, mu, lam) - CHI2_1_95;
    let mut lam = 0.0;
    // Bracket the crossing: step from `first` towards the edge.
    let (mut a, mut fa) = (inner, -CHI2_1_95);
    let span = edge - inner;
    let mut b = inner + span * ((first - inner) / span).clamp(1e-9, 0.5);
    let mut fb = f(b, &mut lam);
    for _ in 0..200 {
        if fb >= 0.0 {
            break;
        }
        (a, fa) = (b, fb);
        b = 0.5 * (b + edge);
        fb = f(b, &mut lam);
    }
    if fb < 0.0 {
        return b;
    }
    // Illinois (regula falsi) between a and b.
    let mut side = 0;
    for _ in 0..200 {
        let c = b - fb * (b - a) / (fb - fa);
        let c = if c.is_finite() && (c - a) * (c - b) < 0.0 {
            c
        } else {
            0.5 * (a + b)
        };
        let fc = f(c, &mut lam);
        if fc == 0.0 || (b - a).abs() <= 1e-12 * (1.0 + c.abs()) {
            return c;
        }
        if (fc < 0.0) == (fa < 0.0) {
            (a, fa) = (c, fc);
            if side == -1 {
                fb *= 0.5;
            }
            side = -1;
        } else {
            (b, fb) = (c, fc);
            if side == 1 {
                fa *= 0.5;
            }
            side = 1;
        }
    }
    0.5 * (a + b)
}

/// The 95 % empirical-likelihood confidence interval of the mean of
/// `points` (value, number of times seen): the means whose empirical
/// likelihood ratio stays within the χ²(1) cut-off (Owen 1988). It always
/// lies within the smallest and largest value, so it never goes below zero
/// for a metric that cannot be negative, and it is longer on the side the
/// values are skewed to. Fewer than two values, or values all equal, give
/// the mean itself at both ends. Deterministic: no resampling.
pub fn el_interval(points: &[(f64, u64)]) -> (f64, f64) {
    let n: f64 = points.iter().map(|(_, c)| *c as f64).sum();
    let mean = points.iter().map(|(x, c)| x * *c as f64).sum::<f64>() / n;
    let var = points
        .iter()
        .map(|(x, c)| (x - mean) * (x - mean) * *c as f64)
        .sum::<f64>()
        / n;
    let s = var.sqrt();
    if n < 2.0 || points.len() < 2 || s == 0.0 || !s.is_finite() {
        return (mean, mean);
    }
    let z: Vec<(f64, f64)> = points.iter().map(|(x, c)| ((x - mean) / s, *c as f64)).collect();
    let zmin = z.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let zmax = z.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
    // Near the mean the statistic is about n·μ² (standardised values).
    let step = (CHI2_1_95 / n).sqrt();
    let hi = el_bound(&z, 0.0, zmax, step);
    let lo = el_bound(&z, 0.0, zmin, -step);
    let xmin = points.iter().map(|p| p.0).fold(mean, f64::min);
    let xmax = points.iter().map(|p| p.0).fold(mean, f64::max);
    ((mean + s * lo).clamp(xmin, mean), (mean + s * hi).clamp(mean, xmax))
}

/// The one-sided 95 % bound on a share when none of `n` runs showed it:
/// 1 − 0.05^(1/n), about 3/n (the "rule of three").
pub fn none_in(n: u64) -> f64 {
    1.0 - 0.05f64.powf(1.0 / n as f64)
}

/// The 95 % interval of a share, `x` runs of `n`: Clopper–Pearson (exact,
/// two-sided); when none of the runs (or all of them) showed it, the
/// one-sided 95 % bound, [`none_in`]. Always within [0, 1].
pub fn proportion_interval(x: u64, n: u64) -> (f64, f64) {
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    if x == 0 {
        return (0.0, none_in(n));
    }
    if x >= n {
        return (1.0 - none_in(n), 1.0);
    }
    let (x, n) = (x as f64, n as f64);
    // The share p at which the regularised incomplete beta I_p(a, b) is
    // `target` (it grows with p).
    let quantile = |a: f64, b: f64, target: f64| -> f64 {
        let (mut lo, mut hi) = (0.0f64, 1.0f64);
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if beta_reg(a, b, mid) < target {
                lo = mid;
            } else {
                hi = mid;
            }
            if hi - lo <= 1e-15 {
                break;
            }
        }
        0.5 * (lo + hi)
    };
    (quantile(x, n - x + 1.0, 0.025), quantile(x + 1.0, n - x, 0.975))
}

/// The Poisson-exact one-sided 95 % upper bound on the mean count per run
/// when `n` runs saw no event at all: −ln(0.05)/n, about 3/n.
pub fn zero_count_bound(n: u64) -> f64 {
    -(0.05f64.ln()) / n as f64
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_moments_without_a_part_keep_their_mean_within_their_range() {
        // Zeros and two large values; without the large ones, the mean is
        // exactly 0 (not the subtraction's rounding noise).
        let (mut all, mut part) = (super::Moments::default(), super::Moments::default());
        for x in [0.0, 0.0, 0.0, 5_017.3, 73_104.9, 0.0, 228.1] {
            all.push(x);
        }
        for x in [5_017.3, 73_104.9, 228.1] {
            part.push(x);
        }
        let rest = all.without(&part, 0.0, 0.0);
        assert_eq!((rest.n, rest.mean(), rest.sd()), (4, 0.0, 0.0));
    }

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

    /// A small deterministic generator for the coverage test (SplitMix64).
    fn uniforms(seed: u64) -> impl FnMut() -> f64 {
        let mut x = seed;
        move || {
            x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    #[test]
    fn the_empirical_likelihood_interval_of_two_values_is_the_binomial_likelihood_ratio_interval() {
        // 3 runs of 1,000 with a value of 1, the rest 0: the mean is a
        // share, and the interval is {p : 2[x ln(x/np) + (n−x) ln((n−x)/n(1−p))] ≤ 3.84}.
        let (x, n) = (3.0f64, 1000.0f64);
        let lr = |p: f64| 2.0 * (x * (x / (n * p)).ln() + (n - x) * ((n - x) / (n * (1.0 - p))).ln());
        let solve = |mut a: f64, mut b: f64| {
            for _ in 0..200 {
                let m = 0.5 * (a + b);
                if (lr(m) > CHI2_1_95) == (lr(a) > CHI2_1_95) {
                    a = m
                } else {
                    b = m
                }
            }
            0.5 * (a + b)
        };
        let want = (solve(1e-9, 0.003), solve(0.003, 0.5));
        let (lo, hi) = el_interval(&[(0.0, 997), (1.0, 3)]);
        assert!(
            (lo - want.0).abs() < 1e-9 && (hi - want.1).abs() < 1e-9,
            "{lo} {hi} vs {want:?}"
        );
        // Above zero, though the t interval of these values is not.
        let mut m = Moments::default();
        (0..997).for_each(|_| m.push(0.0));
        (0..3).for_each(|_| m.push(1.0));
        assert!(m.mean() - m.ci95_half() < 0.0 && lo > 0.0);
    }

    #[test]
    fn the_empirical_likelihood_interval_stays_in_the_range_and_matches_t_on_symmetric_data() {
        // Zero-inflated and skewed: within [min, max], longer on the right.
        let pts = [(0.0, 990), (300.0, 7), (4000.0, 3)];
        let (lo, hi) = el_interval(&pts);
        let mean = (7.0 * 300.0 + 3.0 * 4000.0) / 1000.0;
        assert!(lo >= 0.0 && lo < mean && hi > mean, "{lo} {mean} {hi}");
        assert!(hi - mean > mean - lo, "skewed right: [{lo}, {hi}] around {mean}");
        // Symmetric and plentiful: close to mean ± t·sd/√n.
        let pts: Vec<(f64, u64)> = (0..=20)
            .map(|i| (i as f64, 100 - (i as i64 - 10).unsigned_abs() * 4))
            .collect();
        let mut m = Moments::default();
        for (x, c) in &pts {
            (0..*c).for_each(|_| m.push(*x));
        }
        let (lo, hi) = el_interval(&pts);
        let h = m.ci95_half();
        assert!((lo - (m.mean() - h)).abs() < 0.02 * h && (hi - (m.mean() + h)).abs() < 0.02 * h);
        // Degenerate inputs give the mean at both ends.
        assert_eq!(el_interval(&[(5.0, 10)]), (5.0, 5.0));
        assert_eq!(el_interval(&[(2.0, 1)]), (2.0, 2.0));
        assert_eq!(el_interval(&[(0.0, 999), (0.0, 1)]), (0.0, 0.0));
    }

    #[test]
    fn the_empirical_likelihood_interval_covers_the_mean_of_skewed_data() {
        // Exponential samples of 60 (mean 1): the interval holds the true
        // mean in about 95 % of 600 trials; the t interval of the same
        // samples sometimes reaches below zero for a zero-inflated variant.
        let mut u = uniforms(11);
        let mut covered = 0;
        for _ in 0..600 {
            let mut s = Sketch::default();
            for _ in 0..60 {
                s.push(-(1.0 - u()).ln());
            }
            let (lo, hi) = el_interval(&s.points());
            if lo <= 1.0 && 1.0 <= hi {
                covered += 1;
            }
        }
        let share = covered as f64 / 600.0;
        assert!((0.91..=0.98).contains(&share), "coverage {share}");
    }

    #[test]
    fn shares_have_exact_intervals_and_the_rule_of_three() {
        // Clopper–Pearson, 5 of 20: 0.0866 to 0.4910 (standard tables).
        let (lo, hi) = proportion_interval(5, 20);
        assert!((lo - 0.08657).abs() < 1e-4 && (hi - 0.49105).abs() < 1e-4, "{lo} {hi}");
        // None of 1,000: below 0.3 %; all of them: above 99.7 %.
        let (lo, hi) = proportion_interval(0, 1000);
        assert_eq!(lo, 0.0);
        assert!((hi - 0.002991).abs() < 1e-6 && hi < 0.003, "{hi}");
        let (lo, hi) = proportion_interval(1000, 1000);
        assert!((lo - 0.997009).abs() < 1e-6 && hi == 1.0);
        assert!((zero_count_bound(1000) - 0.0029957).abs() < 1e-6);
        for (x, n) in [(1, 3), (2, 100_000), (99_999, 100_000), (50, 100)] {
            let (lo, hi) = proportion_interval(x, n);
            let p = x as f64 / n as f64;
            assert!(0.0 < lo && lo < p && p < hi && hi < 1.0, "{x}/{n}: {lo} {hi}");
        }
    }

    #[test]
    fn a_sketch_without_part_of_its_values_is_the_sketch_of_the_rest() {
        let (mut all, mut part, mut rest) = (Sketch::default(), Sketch::default(), Sketch::default());
        for i in 0..200 {
            let x = 0.37 * i as f64 + (i % 3) as f64;
            all.push(x);
            if i % 7 == 0 {
                part.push(x);
            } else {
                rest.push(x);
            }
        }
        let got = all.without(&part);
        assert_eq!(got.len(), rest.len());
        assert_eq!(got.quantile(0.5), rest.quantile(0.5));
        assert_eq!(got.cdf(), rest.cdf());
        for ((a, ca), (b, cb)) in got.points().iter().zip(rest.points()) {
            assert!(ca == &cb && (a - b).abs() < 1e-9);
        }
        let (mut m, mut p) = (Moments::default(), Moments::default());
        let (mut r, mut lo, mut hi) = (Moments::default(), f64::INFINITY, f64::NEG_INFINITY);
        for i in 0..50 {
            let x = (i * i % 17) as f64;
            m.push(x);
            if i % 4 == 0 {
                p.push(x);
            } else {
                r.push(x);
                lo = lo.min(x);
                hi = hi.max(x);
            }
        }
        let w = m.without(&p, lo, hi);
        assert_eq!(w.n, r.n);
        assert!((w.mean() - r.mean()).abs() < 1e-12 && (w.sd() - r.sd()).abs() < 1e-9);
    }
}
