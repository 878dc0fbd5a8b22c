//! A typical run and a bad run of each strategy, picked from a study's
//! rows, so that the report can show what happens when rather than one
//! arbitrary replication.
//!
//! Replications are ordered by the scenario's priorities
//! ([`crate::priorities::Priorities`]): by the first priority metric, worse
//! later (for a metric where higher is better, lower values are worse), ties
//! broken by the next priorities, then by replication. Of a strategy's
//! replications,
//!
//! - the **typical** one is at the median of that order (the nearest-rank
//!   median, rank ⌈n/2⌉: its first priority metric is the median itself, so
//!   no replication is closer to it);
//! - the **bad** one is an aborted replication if there is any (the median
//!   of the aborted ones, in the same order: a representative abort), else
//!   the one at the 95th percentile of that order (rank ⌈0.95 n⌉).
//!
//! Each comes with a one-line outcome ([`outcome`]), from the replication's
//! row and, when it was simulated again with its event log, the log. Nothing
//! here does I/O.

use crate::decision::applies;
use crate::metrics::{self, Better, Metric};
use crate::report::chart::fmt_metric;
use crate::scenario::Scenario;
use crate::sim::events::{AbortReason, Event, EventLog};

/// Why a replication was picked.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Why {
    /// The typical run: at the median of the first priority metric.
    Median,
    /// The bad run of a strategy with no abort: at the `pct`th percentile
    /// of the first priority metric (95; 5 when higher is better).
    Percentile(u8),
    /// The bad run: an aborted one.
    Aborted,
}

/// One picked replication.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pick {
    /// Its index in the study.
    pub replication: u64,
    /// Why it was picked.
    pub why: Why,
    /// The metric it was picked by (the first priority metric), and its
    /// value in this replication (none when the row leaves it empty).
    pub metric: &'static Metric,
    pub value: Option<f64>,
}

/// The two runs picked for one strategy.
#[derive(Clone, Debug, PartialEq)]
pub struct Picks {
    /// The strategy's name.
    pub strategy: String,
    /// The typical run.
    pub typical: Pick,
    /// The bad run.
    pub bad: Pick,
}

/// What the picker keeps of one replication of one strategy.
#[derive(Clone, Debug)]
struct Run {
    replication: u64,
    aborted: bool,
    /// The priority metrics' values, in priority order (NaN when empty).
    values: Box<[f64]>,
}

/// Collects a study's rows, replication by replication, and picks each
/// strategy's typical and bad run. It keeps the priority metrics and the
/// `aborted` flag of every replication (a few numbers each), not the rows.
#[derive(Clone, Debug)]
pub struct Picker {
    strategies: Vec<String>,
    /// The priority metrics and their columns in a row.
    metrics: Vec<(&'static Metric, usize)>,
    aborted_col: Option<usize>,
    runs: Vec<Vec<Run>>,
}

/// How bad `x` is for `m`: larger is worse; an empty value is the least bad.
fn badness(m: &Metric, x: f64) -> f64 {
    if x.is_nan() {
        f64::NEG_INFINITY
    } else if m.better == Better::Higher {
        -x
    } else {
        x
    }
}

impl Picker {
    /// A picker for `strategies` (in the rows' order), ordering runs by
    /// `order` (the priority metrics, most important first; metrics the
    /// rows do not have are left out).
    pub fn new(strategies: Vec<String>, order: &[&'static Metric]) -> Picker {
        let metrics: Vec<(&'static Metric, usize)> = order
            .iter()
            .filter_map(|m| metrics::index(m.name).map(|c| (*m, c)))
            .collect();
        let runs = vec![Vec::new(); strategies.len()];
        Picker {
            strategies,
            metrics,
            aborted_col: metrics::index("aborted"),
            runs,
        }
    }

    /// The picker of a study of `sc`: its priorities, those that say
    /// something about its site.
    pub fn for_scenario(sc: &Scenario, strategies: Vec<String>) -> Picker {
        let order: Vec<&'static Metric> = sc
            .priorities
            .order
            .iter()
            .copied()
            .filter(|m| applies(m.sites, &sc.site))
            .collect();
        Picker::new(strategies, &order)
    }

    /// The priority metrics the runs are ordered by, most important first.
    pub fn order(&self) -> Vec<&'static Metric> {
        self.metrics.iter().map(|(m, _)| *m).collect()
    }

    /// Adds replication `replication`: one row of values per strategy, as
    /// in `runs.csv` (`strategy,replication,seed` left out; an empty cell
    /// means "does not apply").
    pub fn push(&mut self, replication: u64, rows: &[Vec<String>]) {
        for (runs, row) in self.runs.iter_mut().zip(rows) {
            let value = |c: usize| row.get(c).and_then(|v| v.parse::<f64>().ok()).unwrap_or(f64::NAN);
            runs.push(Run {
                replication,
                aborted: self.aborted_col.is_some_and(|c| value(c) > 0.0),
                values: self.metrics.iter().map(|(_, c)| value(*c)).collect(),
            });
        }
    }

    /// The order of the runs: by the priority metrics, worse later, then
    /// by replication.
    fn sorted<'r>(&self, runs: impl Iterator<Item = &'r Run>) -> Vec<&'r Run> {
        let mut v: Vec<&Run> = runs.collect();
        v.sort_by(|a, b| {
            for (k, (m, _)) in self.metrics.iter().enumerate() {
                let o = badness(m, a.values[k]).total_cmp(&badness(m, b.values[k]));
                if o.is_ne() {
                    return o;
                }
            }
            a.replication.cmp(&b.replication)
        });
        v
    }

    fn pick(&self, run: &Run, why: Why) -> Option<Pick> {
        let (metric, _) = *self.metrics.first()?;
        Some(Pick {
            replication: run.replication,
            why,
            metric,
            value: run.values.first().copied().filter(|v| !v.is_nan()),
        })
    }

    /// Each strategy's typical and bad run (a strategy without rows, or
    /// a picker without a priority metric, has none).
    pub fn picks(&self) -> Vec<Picks> {
        let mut out = Vec::new();
        for (name, runs) in self.strategies.iter().zip(&self.runs) {
            let all = self.sorted(runs.iter());
            let n = all.len();
            if n == 0 {
                continue;
            }
            let typical = all[n.div_ceil(2) - 1];
            let aborted = self.sorted(runs.iter().filter(|r| r.aborted));
            let (bad, why) = if aborted.is_empty() {
                let pct = match self.metrics.first() {
                    Some((m, _)) if m.better == Better::Higher => 5,
                    _ => 95,
                };
                // Nearest rank ⌈0.95 n⌉, in integers.
                (all[(95 * n).div_ceil(100) - 1], Why::Percentile(pct))
            } else {
                (aborted[aborted.len().div_ceil(2) - 1], Why::Aborted)
            };
            if let (Some(typical), Some(bad)) = (self.pick(typical, Why::Median), self.pick(bad, why)) {
                out.push(Picks {
                    strategy: name.clone(),
                    typical,
                    bad,
                });
            }
        }
        out
    }
}

/// Priority metrics an outcome names besides the one the run was picked by.
const MORE_METRICS: usize = 2;

/// `once`, `twice`, `3 times`.
fn times(n: u32) -> String {
    match n {
        1 => "once".into(),
        2 => "twice".into(),
        n => format!("{n} times"),
    }
}

/// A value of a row by metric name (none when empty or absent).
fn cell(row: &[String], name: &str) -> Option<f64> {
    metrics::index(name)
        .and_then(|c| row.get(c))
        .and_then(|v| v.parse::<f64>().ok())
}

/// Why the procedure was aborted, in words, with the log's help.
fn abort_words(why: &AbortReason, log: &EventLog) -> String {
    match *why {
        AbortReason::UpgradeFailed { node, attempts } => format!(
            "upgrade of {} failed {}, rolled back",
            log.node_name(node),
            times(attempts)
        ),
        AbortReason::PrecheckNotFixed => "a failed precheck was not fixed in time".into(),
        AbortReason::LocksNotRemoved => "management locks stopped the update".into(),
        AbortReason::ValidationFailed { times } => format!("the green validation failed {times} times"),
        AbortReason::UpdateRetriesExhausted { builds, validations } => format!(
            "the update failed {} times (green builds and validations)",
            builds + validations
        ),
        AbortReason::Backout => "the window closed with work left, backed out".into(),
        AbortReason::Horizon { .. } => "still under way at the horizon".into(),
        AbortReason::DefectNotFound { .. } => "the latent defect did not show within the horizon".into(),
        AbortReason::EventBudget { .. } | AbortReason::ClientBudget { .. } | AbortReason::QueueBudget { .. } => {
            "stopped at the run's budget".into()
        }
    }
}

/// The outcome of a picked run in one line: what it was picked by, what
/// went wrong, the next two priority metrics it did not leave at zero, and
/// the window overrun. `row` is its row of `runs.csv` (or the values of the same
/// run simulated again); `log`, when given, is that run's event log, which
/// names the nodes (`aborted: upgrade of A failed twice, rolled back;
/// downtime 64.6 min` or `p95 downtime: 35 min; upgrade of B failed once
/// (retried), window overrun 40 min`).
pub fn outcome(pick: &Pick, order: &[&'static Metric], row: &[String], log: Option<&EventLog>) -> String {
    let m = pick.metric;
    let value = cell(row, m.name);
    let shown = |name: &str, v: f64| fmt_metric(name, v);
    let mut facts: Vec<String> = Vec::new();
    let rank = match pick.why {
        Why::Median => Some("median".to_string()),
        Why::Percentile(p) => Some(format!("p{p}")),
        Why::Aborted => None,
    };
    let lead = match rank {
        Some(what) => match value {
            Some(v) => format!("{what} {}: {}", m.words, shown(m.name, v)),
            None => format!("{what} {}", m.words),
        },
        None => {
            let why = log.and_then(|l| {
                l.iter().find_map(|e| match e.event {
                    Event::Aborted { why } => Some(abort_words(&why, l)),
                    _ => None,
                })
            });
            let why = why.unwrap_or_else(|| {
                if cell(row, "backouts").is_some_and(|v| v > 0.0) {
                    "backed out".into()
                } else if cell(row, "rollbacks").is_some_and(|v| v > 0.0) {
                    "rolled back".into()
                } else {
                    "the procedure did not finish".into()
                }
            });
            if let Some(v) = value.filter(|v| *v != 0.0) {
                facts.push(format!("{} {}", m.words, shown(m.name, v)));
            }
            format!("aborted: {why}")
        }
    };
    // What went wrong on the way, from the log when there is one.
    if let Some(log) = log {
        // Each node whose upgrade failed: failures, retried, rolled back.
        let mut failed: Vec<(usize, u32, bool, bool)> = Vec::new();
        let mut crashed: Vec<usize> = Vec::new();
        let mut aborted_node = None;
        for e in log.iter() {
            match e.event {
                Event::UpgradeFailed { node, .. } => match failed.iter_mut().find(|f| f.0 == node) {
                    Some(f) => f.1 += 1,
                    None => failed.push((node, 1, false, false)),
                },
                Event::UpgradeStart { node, .. } => {
                    if let Some(f) = failed.iter_mut().find(|f| f.0 == node) {
                        f.2 = true;
                    }
                }
                Event::RollbackDone { node } => {
                    if let Some(f) = failed.iter_mut().find(|f| f.0 == node) {
                        f.3 = true;
                    }
                }
                Event::Crashed { node, .. } if !crashed.contains(&node) => crashed.push(node),
                Event::Aborted {
                    why: AbortReason::UpgradeFailed { node, .. },
                } => aborted_node = Some(node),
                _ => {}
            }
        }
        for (node, n, retried, rolled_back) in failed {
            if pick.why == Why::Aborted && aborted_node == Some(node) {
                continue;
            }
            let then = if rolled_back {
                " (rolled back)"
            } else if retried {
                " (retried)"
            } else {
                ""
            };
            facts.push(format!("upgrade of {} failed {}{then}", log.node_name(node), times(n)));
        }
        if !crashed.is_empty() {
            let names: Vec<&str> = crashed.iter().map(|n| log.node_name(*n)).collect();
            facts.push(format!("{} crashed", names.join(" and ")));
        }
    } else {
        if pick.why != Why::Aborted
            && let Some(r) = cell(row, "rollbacks").filter(|v| *v > 0.0)
        {
            facts.push(format!("{r:.0} rollback{}", if r == 1.0 { "" } else { "s" }));
        }
        if let Some(c) = cell(row, "crashes").filter(|v| *v > 0.0) {
            facts.push(format!("{c:.0} crash{}", if c == 1.0 { "" } else { "es" }));
        }
    }
    if cell(row, "defect_escaped").is_some_and(|v| v > 0.0) {
        facts.push("latent defect escaped (restored)".into());
    } else if cell(row, "defects_found").is_some_and(|v| v > 0.0) {
        facts.push("latent defect found (fell back)".into());
    }
    // The next two priority metrics not at zero, and the window overrun.
    let others = order
        .iter()
        .copied()
        .filter(|o| o.name != m.name && cell(row, o.name).is_some_and(|v| v != 0.0))
        .take(MORE_METRICS);
    let overrun = metrics::find("window_overrun_s").filter(|w| w.name != m.name);
    let mut listed: Vec<&'static Metric> = Vec::new();
    for o in others.chain(overrun) {
        if listed.iter().any(|l| l.name == o.name) {
            continue;
        }
        listed.push(o);
        if let Some(v) = cell(row, o.name).filter(|v| *v != 0.0) {
            facts.push(format!("{} {}", o.words, shown(o.name, v)));
        }
    }
    if facts.is_empty() {
        lead
    } else {
        format!("{lead}; {}", facts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{Metrics, find};

    /// A row of `runs.csv` values with downtime `d` seconds (and the
    /// other columns as a default run has them), aborted or not.
    fn row(d: f64, aborted: bool) -> Vec<String> {
        let mut m = Metrics {
            downtime_ms: (d * 1000.0) as u64,
            aborted: u64::from(aborted),
            ..Metrics::default()
        };
        if aborted {
            m.rollbacks = 1;
        }
        m.values().to_vec()
    }

    fn picker(order: &[&str]) -> Picker {
        let order: Vec<&'static Metric> = order.iter().map(|n| find(n).unwrap()).collect();
        Picker::new(vec!["a".into(), "b".into()], &order)
    }

    #[test]
    fn the_typical_run_is_at_the_median_and_the_bad_one_at_the_95th_percentile() {
        let mut p = picker(&["downtime_s"]);
        // Strategy a: downtimes 0, 10, …, 190 s in a shuffled order of
        // replications; strategy b: 5 s in every one.
        let order: Vec<u64> = (0..20).map(|i| (i * 7) % 20).collect();
        for (rep, k) in order.iter().enumerate() {
            p.push(rep as u64, &[row(*k as f64 * 10.0, false), row(5.0, false)]);
        }
        let picks = p.picks();
        assert_eq!(picks.len(), 2);
        let a = &picks[0];
        // The median of 0..190 by tens: rank 10 of 20, 90 s (the mean of
        // the two middle ones, 95 s, is as close to 90 as to 100: the
        // lower one is taken); the 95th percentile: rank 19, 180 s.
        let rep_of = |k: u64| order.iter().position(|x| *x == k).unwrap() as u64;
        assert_eq!((a.typical.replication, a.typical.value), (rep_of(9), Some(90.0)));
        assert_eq!(a.typical.why, Why::Median);
        assert_eq!((a.bad.replication, a.bad.value), (rep_of(18), Some(180.0)));
        assert_eq!(a.bad.why, Why::Percentile(95));
        // All equal: ordered by replication, the ranks pick replications 9 and 18.
        let b = &picks[1];
        assert_eq!((b.typical.replication, b.bad.replication), (9, 18));
    }

    #[test]
    fn an_aborted_run_is_the_bad_one_whatever_its_downtime() {
        let mut p = picker(&["downtime_s"]);
        for rep in 0..40u64 {
            // Replications 7 and 30 abort with little downtime; 12 aborts with more.
            let aborted = matches!(rep, 7 | 12 | 30);
            let d = match rep {
                7 => 1.0,
                12 => 50.0,
                30 => 2.0,
                r => 100.0 + r as f64,
            };
            p.push(rep, &[row(d, aborted), row(d, false)]);
        }
        let picks = p.picks();
        // a: the median of the three aborted runs by downtime (1, 2, 50 s): 2 s.
        assert_eq!(picks[0].bad.replication, 30);
        assert_eq!(picks[0].bad.why, Why::Aborted);
        // b never aborts: its 95th percentile, rank 38 of 40. Sorted, the
        // downtimes are 1, 2, 50, then 100 + r for the other replications
        // (100-106, 108-111, 113-129, 131-139): the 38th is 137 s.
        assert_eq!(picks[1].bad.why, Why::Percentile(95));
        assert_eq!((picks[1].bad.replication, picks[1].bad.value), (37, Some(137.0)));
        // The typical runs: rank 20, the 20th smallest, 118 s.
        assert_eq!(
            (picks[0].typical.replication, picks[0].typical.value),
            (18, Some(118.0))
        );
        assert_eq!(picks[1].typical, picks[0].typical);
    }

    #[test]
    fn ties_on_the_first_priority_are_broken_by_the_next_and_higher_is_better_reads_low() {
        // Downtime 0 everywhere; dropped sessions decide.
        let mut p = picker(&["downtime_s", "dropped_sessions"]);
        for rep in 0..10u64 {
            let mut m = Metrics {
                dropped_sessions: 9 - rep,
                ..Metrics::default()
            };
            m.downtime_ms = 0;
            p.push(rep, &[m.values().to_vec(), m.values().to_vec()]);
        }
        let picks = p.picks();
        // Ordered by dropped sessions 0..9 (replications 9..0): rank 5 is 4
        // dropped (replication 5), rank 10 is 9 (replication 0).
        assert_eq!((picks[0].typical.replication, picks[0].bad.replication), (5, 0));
        // A metric where higher is better: its bad run is the low end.
        let mut p = picker(&["in_preferred_window"]);
        for rep in 0..10u64 {
            let m = Metrics {
                in_preferred_window: Some(rep != 4),
                ..Metrics::default()
            };
            p.push(rep, &[m.values().to_vec(), m.values().to_vec()]);
        }
        let picks = p.picks();
        assert_eq!((picks[0].bad.replication, picks[0].bad.why), (4, Why::Percentile(5)));
        assert_eq!(picks[0].bad.value, Some(0.0));
        // Nothing to pick from: nothing picked.
        assert!(picker(&["downtime_s"]).picks().is_empty());
        let mut p = Picker::new(vec!["a".into()], &[]);
        p.push(0, &[row(1.0, false)]);
        assert!(p.picks().is_empty());
    }

    #[test]
    fn the_outcome_says_why_and_what_went_wrong_in_one_line() {
        let order: Vec<&'static Metric> = ["downtime_s", "dropped_sessions", "exposure_s"]
            .iter()
            .map(|n| find(n).unwrap())
            .collect();
        let m = Metrics {
            downtime_ms: 2 * 3_600_000,
            dropped_sessions: 4,
            window_overrun_ms: 40 * 60_000,
            crashes: 1,
            ..Metrics::default()
        };
        let pick = Pick {
            replication: 3,
            why: Why::Percentile(95),
            metric: order[0],
            value: Some(7200.0),
        };
        let s = outcome(&pick, &order, &m.values(), None);
        assert_eq!(
            s,
            "p95 downtime: 120 min; 1 crash, dropped sessions 4, window overrun 40 min"
        );
        assert!(!s.contains('\n'));
        let aborted = Metrics {
            downtime_ms: 90 * 60_000,
            aborted: 1,
            rollbacks: 1,
            ..Metrics::default()
        };
        let pick = Pick {
            why: Why::Aborted,
            ..pick
        };
        assert_eq!(
            outcome(&pick, &order, &aborted.values(), None),
            "aborted: rolled back; downtime 90 min"
        );
        // With the run's log: the nodes by name, the reason the abort gives,
        // and a failed upgrade of another node that was retried.
        use crate::sim::events::{EventLog, Record};
        use crate::time::{SimDuration, SimTime};
        let mut log = EventLog::new(vec!["A".into(), "B".into()], vec![]);
        let support = SimDuration(1000);
        for (t, event) in [
            (1, Event::UpgradeStart { node: 1, attempt: 1 }),
            (2, Event::UpgradeFailed { node: 1, support }),
            (3, Event::UpgradeStart { node: 1, attempt: 2 }),
            (4, Event::UpgradeStart { node: 0, attempt: 1 }),
            (5, Event::UpgradeFailed { node: 0, support }),
            (6, Event::UpgradeStart { node: 0, attempt: 2 }),
            (7, Event::UpgradeFailed { node: 0, support }),
            (8, Event::RollbackDone { node: 0 }),
            (
                8,
                Event::Aborted {
                    why: AbortReason::UpgradeFailed { node: 0, attempts: 2 },
                },
            ),
        ] {
            log.push(Record {
                time: SimTime(t),
                event,
            });
        }
        assert_eq!(
            outcome(&pick, &order, &aborted.values(), Some(&log)),
            "aborted: upgrade of A failed twice, rolled back; downtime 90 min, upgrade of B failed once (retried)"
        );
    }
}
