//! `--ci-target`: add replications in batches until every chosen mean is
//! precise enough, or a cap is reached.
//!
//! The precision is checked only between batches of [`BATCH`] replications,
//! so where a study stops depends on the statistics and the batch size
//! alone, never on timing or the thread count.
//!
//! A mean is precise enough when its 95 % half-width (Student's t) is
//! within the relative target of its magnitude, or within an absolute
//! tolerance: a mean near zero (a few seconds of downtime, a crash risk of
//! hundredths of a percent) would otherwise need endless replications to
//! be known to 1 % of itself. Each unit has a default tolerance
//! ([`default_abs`]); `--ci-abs metric=value` sets one metric's.

use std::ops::Range;

use crate::metrics::{self, METRICS, Unit};
use crate::montecarlo::{Aggregator, Imprecise};

/// The absolute tolerance on a 95 % half-width below which a mean of
/// `unit` is precise enough whatever its magnitude: 1 s for times, 0.05 for
/// counts, half a percentage point for shares of runs (0/1 flags) and
/// ratios, 0.001 percentage points for probabilities.
pub fn default_abs(unit: Unit) -> f64 {
    match unit {
        Unit::Seconds | Unit::Instant => 1.0,
        Unit::Count => 0.05,
        Unit::Flag | Unit::Ratio => 0.005,
        Unit::Probability => 1e-5,
    }
}

/// Replications per batch under a precision target, and the least number of
/// replications when `--runs` is not given. Large enough to keep every core
/// busy, small enough that Ctrl-C and the check answer quickly.
pub const BATCH: u64 = 200;

/// The cap on replications per strategy under a precision target when
/// `--max-runs` is not given.
pub const DEFAULT_MAX_RUNS: u64 = 100_000;

/// A precision target: every mean of the chosen metrics (all when none is
/// chosen) with a 95 % half-width within `rel` of its magnitude or within
/// its metric's absolute tolerance.
#[derive(Clone, Debug, PartialEq)]
pub struct CiTarget {
    /// The relative half-width, e.g. 0.05.
    pub rel: f64,
    /// Column indices of the chosen metrics; empty for all.
    pub metrics: Vec<usize>,
    /// The most replications per strategy.
    pub max_runs: u64,
    /// The absolute tolerance of each metric, by column.
    pub abs: Vec<f64>,
}

impl CiTarget {
    /// Checks `--ci-target REL`, `--ci-metrics` and `--max-runs` for a study
    /// of at least `runs` replications (`sharded` when `--shard` was given).
    pub fn new(
        rel: f64,
        metrics: Option<&[String]>,
        runs: u64,
        max_runs: u64,
        sharded: bool,
    ) -> Result<CiTarget, String> {
        if !(rel > 0.0 && rel.is_finite()) {
            return Err(format!("--ci-target {rel}: must be a positive fraction, e.g. 0.05"));
        }
        if sharded {
            return Err(
                "--ci-target cannot be combined with --shard (each shard would stop at a different point)".into(),
            );
        }
        if max_runs < runs {
            return Err(format!("--max-runs {max_runs} is below --runs {runs}"));
        }
        super::check_runs("--max-runs", max_runs)?;
        let metrics = metrics
            .unwrap_or_default()
            .iter()
            .map(|m| metrics::index(m).ok_or_else(|| format!("--ci-metrics: unknown metric {m:?}")))
            .collect::<Result<_, _>>()?;
        Ok(CiTarget {
            rel,
            metrics,
            max_runs,
            abs: METRICS.iter().map(|m| default_abs(m.unit)).collect(),
        })
    }

    /// Sets absolute tolerances from `--ci-abs` items, `metric=value` (the
    /// value in the metric's unit: seconds for `_s`; 0 for none).
    pub fn with_abs(mut self, items: &[String]) -> Result<CiTarget, String> {
        let mut seen: Vec<&str> = Vec::new();
        for item in items {
            let Some((name, value)) = item.split_once('=') else {
                return Err(format!("--ci-abs {item:?}: expected METRIC=VALUE, e.g. downtime_s=1"));
            };
            let (name, value) = (name.trim(), value.trim());
            let j = metrics::index(name).ok_or_else(|| format!("--ci-abs: unknown metric {name:?}"))?;
            if seen.contains(&name) {
                return Err(format!("--ci-abs names {name} twice"));
            }
            seen.push(name);
            match value.parse::<f64>() {
                Ok(v) if v.is_finite() && v >= 0.0 => self.abs[j] = v,
                _ => {
                    return Err(format!(
                        "--ci-abs {name}={value}: the tolerance must be a number, 0 or more, in the metric's unit"
                    ));
                }
            }
        }
        Ok(self)
    }

    /// The target of `--ci-target`, when given; `--ci-metrics` or
    /// `--ci-abs` without it is refused.
    pub fn from_flags(
        rel: Option<f64>,
        metrics: Option<&[String]>,
        abs: Option<&[String]>,
        runs: u64,
        max_runs: u64,
        sharded: bool,
    ) -> Result<Option<CiTarget>, String> {
        match rel {
            None if metrics.is_some() => Err("--ci-metrics needs --ci-target".into()),
            None if abs.is_some() => Err("--ci-abs needs --ci-target".into()),
            None => Ok(None),
            Some(rel) => CiTarget::new(rel, metrics, runs, max_runs, sharded)?
                .with_abs(abs.unwrap_or_default())
                .map(Some),
        }
    }

    /// True when the replications so far meet the target.
    pub fn met(&self, agg: &Aggregator) -> bool {
        agg.precise_enough(self.rel, &self.metrics, &self.abs)
    }

    /// The means that miss the target, strategy by strategy.
    pub fn misses(&self, agg: &Aggregator) -> Vec<Imprecise> {
        agg.imprecise(self.rel, &self.metrics, &self.abs)
    }
}

/// The replications of a study, batch by batch: the whole range at once
/// without a target; with one, batches of [`BATCH`] through the range, then
/// one more batch at a time while the target is not met and the cap not
/// reached.
#[derive(Clone, Debug)]
pub struct Batches<'a> {
    start: u64,
    next: u64,
    end: u64,
    target: Option<&'a CiTarget>,
}

impl<'a> Batches<'a> {
    /// The batches of `range` under `target`.
    pub fn new(range: Range<u64>, target: Option<&'a CiTarget>) -> Batches<'a> {
        Batches {
            start: range.start,
            next: range.start,
            end: range.end,
            target,
        }
    }

    /// Replications planned so far (it grows as batches are added).
    pub fn planned(&self) -> u64 {
        self.end - self.start
    }

    /// The next batch, given the replications aggregated so far; `None`
    /// when the study is done.
    pub fn next(&mut self, agg: &Aggregator) -> Option<Range<u64>> {
        let Some(t) = self.target else {
            if self.next >= self.end {
                return None;
            }
            self.next = self.end;
            return Some(self.start..self.end);
        };
        if self.next >= self.end {
            if t.met(agg) || self.end >= t.max_runs {
                return None;
            }
            self.end = (self.end + BATCH).min(t.max_runs);
        }
        let hi = (self.next + BATCH).min(self.end);
        let batch = self.next..hi;
        self.next = hi;
        Some(batch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Metrics;

    #[test]
    fn targets_are_checked() {
        let both = ["downtime_s".to_string(), "exposure_s".to_string()];
        let ok = CiTarget::new(0.05, Some(&both), 200, 1000, false).unwrap();
        assert_eq!(ok.metrics, [0, 3]);
        assert!(CiTarget::new(0.05, None, 200, 1000, false).unwrap().metrics.is_empty());
        for (rel, max, sharded, why) in [
            (0.0, 1000, false, "positive fraction"),
            (f64::NAN, 1000, false, "positive fraction"),
            (f64::INFINITY, 1000, false, "positive fraction"),
            (0.05, 1000, true, "--shard"),
            (0.05, 100, false, "--max-runs 100 is below --runs 200"),
            (0.05, u64::MAX, false, "at most"),
        ] {
            let e = CiTarget::new(rel, None, 200, max, sharded).unwrap_err();
            assert!(e.contains(why), "{e}");
        }
        let e = CiTarget::new(0.05, Some(&["nope".to_string()]), 200, 1000, false).unwrap_err();
        assert_eq!(e, "--ci-metrics: unknown metric \"nope\"");
        assert_eq!(
            CiTarget::from_flags(None, Some(&[]), None, 200, 1000, false).unwrap_err(),
            "--ci-metrics needs --ci-target"
        );
        assert_eq!(
            CiTarget::from_flags(None, None, Some(&[]), 200, 1000, false).unwrap_err(),
            "--ci-abs needs --ci-target"
        );
        assert_eq!(CiTarget::from_flags(None, None, None, 200, 1000, false), Ok(None));
        // Absolute tolerances: per unit by default, per metric by flag.
        let t = CiTarget::from_flags(
            Some(0.01),
            None,
            Some(&["downtime_s=5".to_string(), "exposure_risk = 1e-4".to_string()]),
            200,
            1000,
            false,
        )
        .unwrap()
        .unwrap();
        assert_eq!(t.abs[metrics::index("downtime_s").unwrap()], 5.0);
        assert_eq!(t.abs[metrics::index("exposure_risk").unwrap()], 1e-4);
        assert_eq!(t.abs[metrics::index("procedure_s").unwrap()], 1.0);
        assert_eq!(t.abs[metrics::index("dropped_sessions").unwrap()], 0.05);
        for (item, why) in [
            ("downtime_s", "expected METRIC=VALUE"),
            ("nope=1", "unknown metric \"nope\""),
            ("downtime_s=-1", "0 or more"),
            ("downtime_s=abc", "must be a number"),
            ("downtime_s=inf", "must be a number"),
        ] {
            let e = CiTarget::new(0.05, None, 200, 1000, false)
                .unwrap()
                .with_abs(&[item.to_string()])
                .unwrap_err();
            assert!(e.contains(why), "{item}: {e}");
        }
        let twice = ["downtime_s=1".to_string(), "downtime_s=2".to_string()];
        let e = CiTarget::new(0.05, None, 200, 1000, false)
            .unwrap()
            .with_abs(&twice)
            .unwrap_err();
        assert_eq!(e, "--ci-abs names downtime_s twice");
    }

    /// An aggregator of one strategy whose downtime alternates between two
    /// values `spread` apart around 100 s, and whose other metrics are 0.
    fn aggregator(reps: u64, spread: f64) -> Aggregator {
        let mut agg = Aggregator::new(vec!["a".into()], 0, &[]);
        for i in 0..reps {
            let mut row = Metrics::default().values().to_vec();
            row[0] = format!("{:.3}", 100.0 + if i % 2 == 0 { spread } else { -spread });
            agg.push(&[row]);
        }
        agg
    }

    #[test]
    fn without_a_target_the_range_is_one_batch() {
        let agg = aggregator(0, 0.0);
        let mut b = Batches::new(7..1007, None);
        assert_eq!(b.next(&agg), Some(7..1007));
        assert_eq!(b.next(&agg), None);
        assert_eq!(b.planned(), 1000);
    }

    #[test]
    fn batches_go_on_until_the_target_is_met_or_the_cap_reached() {
        let t = CiTarget::new(0.05, None, 200, 700, false).unwrap();
        // Met at once: the least number of runs, in batches of 200.
        let precise = aggregator(400, 1.0);
        let mut b = Batches::new(0..400, Some(&t));
        assert_eq!(b.next(&precise), Some(0..200));
        assert_eq!(b.next(&precise), Some(200..400));
        assert_eq!(b.next(&precise), None);
        // Never met: batches up to the cap, the last one cut to it.
        let noisy = aggregator(400, 1000.0);
        let mut b = Batches::new(0..200, Some(&t));
        let mut got = Vec::new();
        while let Some(r) = b.next(&noisy) {
            got.push(r);
        }
        assert_eq!(got, [0..200, 200..400, 400..600, 600..700]);
        assert_eq!(b.planned(), 700);
    }

    #[test]
    fn the_stop_depends_on_the_statistics_at_batch_boundaries_only() {
        let t = CiTarget::new(0.05, Some(&["downtime_s".to_string()]), 200, 100_000, false).unwrap();
        let mut b = Batches::new(0..200, Some(&t));
        // Within the least number of runs the statistics are not looked at.
        assert_eq!(b.next(&aggregator(0, 0.0)), Some(0..200));
        // Not met at the boundary: one more batch; met at the next: done.
        assert_eq!(b.next(&aggregator(200, 1000.0)), Some(200..400));
        assert_eq!(b.next(&aggregator(400, 1.0)), None);
        assert_eq!(b.planned(), 400);
    }
}
