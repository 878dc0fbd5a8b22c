//! What each plan's runs came to, counted once from the rows of `runs.csv`
//! ([`FleetStats::runs`]): the campaign-length chart, the bottom line, the
//! tables and the printed comparison all read these counts, so that none of
//! them counts a stopped run as a done one.

use crate::fleet::StopOn;
use crate::fleet::study::{FleetStats, RunFacts};
use crate::fleet::table::Outcome;
use crate::stats::{Moments, proportion_interval};

/// The runs of one plan, by how they ended.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tally {
    /// Runs.
    pub n: u64,
    /// Done: every site runs the new version (outcome `done`).
    pub done: u64,
    /// Done by the deadline (`done_by_deadline`); `None` without one.
    pub by_deadline: Option<u64>,
    /// Done, after the deadline.
    pub late: u64,
    /// Stopped by a `stop_on` outcome before every site was done.
    pub stopped: u64,
    /// Not stopped, yet some site is not done.
    pub unfinished: u64,
    /// The lengths of the done runs, seconds, in increasing order.
    pub done_s: Vec<f64>,
    /// When each stopped run stopped, seconds, in increasing order.
    pub stop_s: Vec<f64>,
    /// The runs with a stop cause, by wave, cause and outcome (how many),
    /// in that order.
    pub stops: Vec<(StopKey, u64)>,
    /// Done runs that resumed after the version's defect was found
    /// (`defect_found`, outcome done): their lengths.
    pub resumed: Moments,
    /// Done runs with no stop: their lengths.
    pub clean: Moments,
    /// Runs whose stop cause is `defect_found`: the sites that ran the
    /// defective version in each.
    pub found_defect_sites: Moments,
    /// Unfinished runs with some site aborted, and with some site back on
    /// the old version.
    pub unfinished_aborted: u64,
    pub unfinished_recovered: u64,
}

/// A row of the table of stops: the wave of the stop, its cause, and how
/// the campaign ended after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct StopKey {
    /// 1-based.
    pub wave: u64,
    pub cause: StopOn,
    pub outcome: Outcome,
}

/// The nearest-rank `p`-quantile of `sorted` (as the study's percentiles).
pub fn quantile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    let rank = ((p * n as f64).ceil() as usize).clamp(1, n);
    Some(sorted[rank - 1])
}

impl Tally {
    /// The tally of one plan's runs; `deadline` when the fleet has one.
    pub fn of(facts: &[RunFacts], deadline: bool) -> Tally {
        let mut t = Tally {
            n: facts.len() as u64,
            by_deadline: deadline.then_some(0),
            ..Tally::default()
        };
        let mut stops: std::collections::BTreeMap<StopKey, u64> = std::collections::BTreeMap::new();
        for f in facts {
            match f.outcome {
                Outcome::Done => {
                    t.done += 1;
                    t.done_s.push(f.campaign_s);
                    match f.done_by_deadline {
                        Some(true) => {
                            if let Some(d) = t.by_deadline.as_mut() {
                                *d += 1;
                            }
                        }
                        Some(false) => t.late += 1,
                        None => {}
                    }
                    match f.cause {
                        None => t.clean.push(f.campaign_s),
                        Some(StopOn::DefectFound) => t.resumed.push(f.campaign_s),
                        Some(_) => {}
                    }
                }
                Outcome::Stopped => {
                    t.stopped += 1;
                    t.stop_s.push(f.stop_s.unwrap_or(f.campaign_s));
                }
                Outcome::Unfinished => {
                    t.unfinished += 1;
                    t.unfinished_aborted += u64::from(f.sites_aborted > 0);
                    t.unfinished_recovered += u64::from(f.sites_recovered > 0);
                }
            }
            if let Some(cause) = f.cause {
                let key = StopKey {
                    wave: f.stopped_at_wave,
                    cause,
                    outcome: f.outcome,
                };
                *stops.entry(key).or_default() += 1;
                if cause == StopOn::DefectFound {
                    t.found_defect_sites.push(f.defect_sites as f64);
                }
            }
        }
        t.done_s.sort_by(f64::total_cmp);
        t.stop_s.sort_by(f64::total_cmp);
        t.stops = stops.into_iter().collect();
        t
    }

    /// Every plan's tally, in plan order.
    pub fn all(stats: &FleetStats, deadline: bool) -> Vec<Tally> {
        stats.runs.iter().map(|r| Tally::of(r, deadline)).collect()
    }

    /// The median length of the done runs, seconds.
    pub fn done_median(&self) -> Option<f64> {
        quantile(&self.done_s, 0.5)
    }

    /// The 95th percentile of the done runs' lengths, seconds.
    pub fn done_p95(&self) -> Option<f64> {
        quantile(&self.done_s, 0.95)
    }

    /// The mean length of the done runs, seconds.
    pub fn done_mean(&self) -> Option<f64> {
        (!self.done_s.is_empty()).then(|| self.done_s.iter().sum::<f64>() / self.done_s.len() as f64)
    }

    /// Runs done within `s` seconds of the start.
    pub fn done_within(&self, s: f64) -> u64 {
        self.done_s.partition_point(|x| *x <= s) as u64
    }

    /// Runs stopped within `s` seconds of the start.
    pub fn stopped_within(&self, s: f64) -> u64 {
        self.stop_s.partition_point(|x| *x <= s) as u64
    }

    /// P(done by the deadline) with its 95 % interval: (runs, of, low,
    /// high); `None` without a deadline or runs.
    pub fn deadline_share(&self) -> Option<(u64, u64, f64, f64)> {
        let x = self.by_deadline?;
        if self.n == 0 {
            return None;
        }
        let (lo, hi) = proportion_interval(x, self.n);
        Some((x, self.n, lo, hi))
    }

    /// Runs that miss the deadline (or, without one, that are not done).
    pub fn missed(&self) -> u64 {
        self.n - self.by_deadline.unwrap_or(self.done)
    }
}

/// A paired difference of lengths, seconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Paired {
    /// Replications where both plans are done.
    pub n: u64,
    pub mean: f64,
    /// The 95 % interval of the mean (Student's t).
    pub low: f64,
    pub high: f64,
}

/// The paired difference of the lengths of plans `a` and `b` (a minus b,
/// seconds) over the replications where both are done. `None` below two
/// such replications.
pub fn paired_done(a: &[RunFacts], b: &[RunFacts]) -> Option<Paired> {
    let mut m = Moments::default();
    for (x, y) in a.iter().zip(b) {
        if x.outcome == Outcome::Done && y.outcome == Outcome::Done {
            m.push(x.campaign_s - y.campaign_s);
        }
    }
    if m.n < 2 {
        return None;
    }
    let h = m.ci95_half();
    Some(Paired {
        n: m.n,
        mean: m.mean(),
        low: m.mean() - h,
        high: m.mean() + h,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(outcome: Outcome, cause: Option<StopOn>, wave: u64, stop_s: Option<f64>, len: f64) -> RunFacts {
        RunFacts {
            outcome,
            cause,
            stopped_at_wave: wave,
            stop_s,
            campaign_s: len,
            done_by_deadline: Some(outcome == Outcome::Done && len <= 100.0),
            defect_sites: u64::from(cause == Some(StopOn::DefectFound)) * 2,
            sites_not_started: 0,
            sites_aborted: 0,
            sites_recovered: 0,
        }
    }

    #[test]
    fn stopped_runs_are_never_counted_done() {
        let runs = [
            facts(Outcome::Done, None, 0, None, 50.0),
            facts(Outcome::Done, Some(StopOn::DefectFound), 1, Some(10.0), 90.0),
            facts(Outcome::Done, None, 0, None, 120.0),
            // Stopped early: a short campaign_s, never a done one.
            facts(Outcome::Stopped, Some(StopOn::Aborted), 2, Some(20.0), 25.0),
            facts(Outcome::Unfinished, None, 0, None, 60.0),
        ];
        let t = Tally::of(&runs, true);
        assert_eq!((t.n, t.done, t.stopped, t.unfinished, t.late), (5, 3, 1, 1, 1));
        assert_eq!(t.by_deadline, Some(2));
        assert_eq!(t.missed(), 3);
        assert_eq!(t.done_s, [50.0, 90.0, 120.0]);
        assert_eq!(t.done_median(), Some(90.0));
        assert_eq!(t.done_within(100.0), 2);
        assert_eq!(t.done_within(30.0), 0, "the stopped run's 25 s is not a done one");
        assert_eq!(t.stopped_within(20.0), 1);
        assert_eq!((t.resumed.n, t.clean.n), (1, 2));
        assert_eq!(t.found_defect_sites.mean(), 2.0);
        let keys: Vec<(u64, StopOn, Outcome, u64)> =
            t.stops.iter().map(|(k, n)| (k.wave, k.cause, k.outcome, *n)).collect();
        assert_eq!(
            keys,
            [
                (1, StopOn::DefectFound, Outcome::Done, 1),
                (2, StopOn::Aborted, Outcome::Stopped, 1)
            ]
        );
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0], 0.5), Some(2.0));
        assert_eq!(quantile(&[], 0.5), None);
    }

    #[test]
    fn paired_differences_count_only_runs_both_plans_finished() {
        let a = [
            facts(Outcome::Done, None, 0, None, 50.0),
            facts(Outcome::Done, None, 0, None, 70.0),
            facts(Outcome::Stopped, Some(StopOn::Aborted), 1, Some(5.0), 5.0),
        ];
        let b = [
            facts(Outcome::Done, None, 0, None, 40.0),
            facts(Outcome::Done, None, 0, None, 60.0),
            facts(Outcome::Done, None, 0, None, 500.0),
        ];
        let d = paired_done(&a, &b).unwrap();
        assert_eq!((d.n, d.mean, d.low, d.high), (2, 10.0, 10.0, 10.0));
        assert_eq!(paired_done(&a[..1], &b[..1]), None);
    }
}
