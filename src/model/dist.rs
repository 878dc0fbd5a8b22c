//! Duration distributions.

use rand::Rng;
use rand_distr::{Distribution, Exp1, LogNormal, StandardUniform};

use crate::time::SimDuration;

/// Standard normal quantile at 0.95.
pub const Z95: f64 = 1.644_853_626_951_472_2;
/// Standard normal quantile at 0.999.
pub const Z999: f64 = 3.090_232_306_167_813_5;

/// A distribution of durations, validated (every parameter finite and in range).
#[derive(Clone, Debug, PartialEq)]
pub enum Dist {
    /// Always the same value.
    Constant(SimDuration),
    /// Exponential with the given mean, in milliseconds.
    Exponential {
        /// Mean in milliseconds (> 0).
        mean_ms: f64,
    },
    /// Log-normal given by its median and 95th percentile; build it with
    /// [`Dist::lognormal`], which also works out the parameters of the
    /// underlying normal once instead of at every draw.
    LogNormal {
        /// Median in milliseconds (> 0).
        median_ms: f64,
        /// 95th percentile in milliseconds (> median).
        p95_ms: f64,
        /// Mean of the underlying normal, `ln(median)`.
        mu: f64,
        /// Standard deviation of the underlying normal, `ln(p95 / median) / z95`.
        sigma: f64,
    },
    /// Uniform between `min` and `max` (inclusive of min).
    Uniform {
        /// Lower bound in milliseconds.
        min_ms: f64,
        /// Upper bound in milliseconds (>= min).
        max_ms: f64,
    },
}

impl Dist {
    /// A constant distribution.
    pub fn constant(d: SimDuration) -> Dist {
        Dist::Constant(d)
    }

    /// A log-normal distribution with this median and 95th percentile (ms).
    pub fn lognormal(median_ms: f64, p95_ms: f64) -> Dist {
        let mu = median_ms.ln();
        let sigma = (p95_ms.ln() - mu) / Z95;
        Dist::LogNormal {
            median_ms,
            p95_ms,
            mu,
            sigma,
        }
    }

    /// Draws one duration. Constant distributions draw nothing, so adding a
    /// constant step never shifts the stream.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> SimDuration {
        let ms = match *self {
            Dist::Constant(d) => return d,
            Dist::Exponential { mean_ms } => {
                let e: f64 = Exp1.sample(rng);
                e * mean_ms
            }
            Dist::LogNormal { mu, sigma, .. } => LogNormal::new(mu, sigma).expect("validated").sample(rng),
            Dist::Uniform { min_ms, max_ms } => {
                let u: f64 = StandardUniform.sample(rng);
                min_ms + u * (max_ms - min_ms)
            }
        };
        SimDuration::from_ms_f64(ms)
    }

    /// The mean, in milliseconds.
    pub fn mean_ms(&self) -> f64 {
        match *self {
            Dist::Constant(d) => d.0 as f64,
            Dist::Exponential { mean_ms } => mean_ms,
            Dist::LogNormal { mu, sigma, .. } => (mu + sigma * sigma / 2.0).exp(),
            Dist::Uniform { min_ms, max_ms } => (min_ms + max_ms) / 2.0,
        }
    }

    /// The 99.9th percentile, in milliseconds (used for the automatic warm-up).
    pub fn p999_ms(&self) -> f64 {
        match *self {
            Dist::Constant(d) => d.0 as f64,
            Dist::Exponential { mean_ms } => -mean_ms * (0.001f64).ln(),
            Dist::LogNormal { mu, sigma, .. } => (mu + sigma * Z999).exp(),
            Dist::Uniform { max_ms, .. } => max_ms,
        }
    }

    /// True when the distribution never draws (a constant).
    pub fn is_constant(&self) -> bool {
        matches!(self, Dist::Constant(_))
    }

    /// Short human description, e.g. `lognormal(median 12m, p95 1h)`.
    pub fn describe(&self) -> String {
        let d = |ms: f64| SimDuration::from_ms_f64(ms).to_string();
        match *self {
            Dist::Constant(v) => v.to_string(),
            Dist::Exponential { mean_ms } => format!("exponential(mean {})", d(mean_ms)),
            Dist::LogNormal { median_ms, p95_ms, .. } => {
                format!("lognormal(median {}, p95 {})", d(median_ms), d(p95_ms))
            }
            Dist::Uniform { min_ms, max_ms } => format!("uniform({}..{})", d(min_ms), d(max_ms)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn sample_mean(d: &Dist, n: usize) -> f64 {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        (0..n).map(|_| d.sample(&mut rng).0 as f64).sum::<f64>() / n as f64
    }

    #[test]
    fn lognormal_hits_its_median_and_p95() {
        let d = Dist::lognormal(600_000.0, 3_600_000.0);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let mut v: Vec<u64> = (0..40_000).map(|_| d.sample(&mut rng).0).collect();
        v.sort_unstable();
        let med = v[v.len() / 2] as f64;
        let p95 = v[v.len() * 95 / 100] as f64;
        assert!((med / 600_000.0 - 1.0).abs() < 0.03, "median {med}");
        assert!((p95 / 3_600_000.0 - 1.0).abs() < 0.05, "p95 {p95}");
    }

    #[test]
    fn sample_means_match_theory() {
        for d in [
            Dist::Exponential { mean_ms: 1000.0 },
            Dist::Uniform {
                min_ms: 1000.0,
                max_ms: 3000.0,
            },
            Dist::lognormal(1000.0, 3000.0),
        ] {
            let m = sample_mean(&d, 200_000);
            assert!((m / d.mean_ms() - 1.0).abs() < 0.02, "{d:?}: {m}");
        }
    }
}
