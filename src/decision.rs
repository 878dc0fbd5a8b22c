//! What a change board decides with, and the judgements made from a
//! study's results.
//!
//! A scenario states its priorities and may set its risk matrix
//! ([`crate::priorities`]). From a study's summary and paired differences this module judges:
//!
//! - [`verdict`]: which strategy is best on one metric, or a tie: a
//!   strategy is named only when the paired difference against every other
//!   strategy excludes zero (95 % interval) and is not negligible.
//! - [`bottom_line`]: the one strategy recommended for the priorities: the
//!   best on the first priority; among those tied on it, the best on the
//!   next; and so on. What it costs: the priorities on which another
//!   strategy does clearly better.
//! - [`risk`]: each strategy's risk class from the matrix, and the events
//!   that set it.
//!
//! Nothing here formats text for people: the report and the printed table
//! do (`report::page`, `report::terminal`).

use crate::metrics::{self, Better, Impact, Metric, Sites, Unit};
use crate::model::site::Site;
use crate::montecarlo::{DiffRow, SummaryRow};
pub use crate::priorities::{Band, Priorities, RiskMatrix};

/// True when a metric of `sites` says something about `site` (otherwise it
/// is 0, or empty, there by construction).
pub fn applies(sites: Sites, site: &Site) -> bool {
    match sites {
        Sites::All => true,
        Sites::WithBackup => site.has_backup(),
        Sites::Clusters => site.kind.routes_through_traffic_nodes(),
        Sites::Appliances => site.kind.restores_appliances(),
        Sites::Pods => site.kind.upgrades_by_cutover(),
    }
}

/// A study's results, as the judgements need them.
pub struct Evidence<'a> {
    /// The strategies, in order.
    pub strategies: &'a [String],
    /// The summary rows.
    pub summary: &'a [SummaryRow],
    /// Paired differences `strategy − baseline` of any pairs known (every
    /// pair of up to `montecarlo::MAX_PAIRED` strategies).
    pub pairs: &'a [DiffRow],
    /// Differences of means too small to matter, by column.
    pub negligible: &'a [f64],
}

impl Evidence<'_> {
    /// The summary row of strategy `s` and `metric`.
    pub fn row(&self, s: usize, metric: &str) -> Option<&SummaryRow> {
        let name = self.strategies.get(s)?;
        self.summary.iter().find(|r| &r.strategy == name && r.metric == metric)
    }

    /// The mean of strategy `s` on `metric`.
    pub fn mean(&self, s: usize, metric: &str) -> Option<f64> {
        self.row(s, metric).map(|r| r.mean)
    }

    /// True when `a` and `b` cannot be told apart on `metric`: the paired
    /// difference's 95 % interval holds zero (without one, their own
    /// intervals overlap), or the means differ by no more than the
    /// negligible difference.
    pub fn tied(&self, a: usize, b: usize, metric: &str) -> bool {
        if a == b {
            return true;
        }
        let (Some(ra), Some(rb)) = (self.row(a, metric), self.row(b, metric)) else {
            return false;
        };
        let small = metrics::index(metric)
            .and_then(|j| self.negligible.get(j))
            .copied()
            .unwrap_or(0.0);
        if (ra.mean - rb.mean).abs() <= small {
            return true;
        }
        let (na, nb) = (&self.strategies[a], &self.strategies[b]);
        let pair = self.pairs.iter().find(|d| {
            d.metric == metric && ((&d.strategy == na && &d.baseline == nb) || (&d.strategy == nb && &d.baseline == na))
        });
        match pair {
            Some(d) => d.ci95_low <= 0.0 && d.ci95_high >= 0.0,
            None => ra.ci95_low <= rb.ci95_high && rb.ci95_low <= ra.ci95_high,
        }
    }

    /// The best mean among `among` on `metric` (lowest or highest by the
    /// metric's direction; the first in order on equal means).
    pub fn best(&self, among: &[usize], metric: &Metric) -> Option<usize> {
        let sign = match metric.better {
            Better::Lower => 1.0,
            Better::Higher => -1.0,
            Better::Neither => return None,
        };
        among
            .iter()
            .filter_map(|s| self.mean(*s, metric.name).map(|v| (*s, sign * v)))
            .fold(None, |acc: Option<(usize, f64)>, (s, v)| match acc {
                Some((_, b)) if b <= v => acc,
                _ => Some((s, v)),
            })
            .map(|(s, _)| s)
    }
}

/// Which strategy is best on one metric.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// This one: clearly better than every other.
    Best(usize),
    /// These are tied for the best (two or more; all of them when every
    /// strategy ties).
    Tie(Vec<usize>),
    /// The metric has no better direction, or no values.
    None,
}

/// The verdict on `metric` among `among`: the best mean, named only when
/// it is clearly better than each of the others ([`Evidence::tied`]).
pub fn verdict(ev: &Evidence, among: &[usize], metric: &Metric) -> Verdict {
    let Some(best) = ev.best(among, metric) else {
        return Verdict::None;
    };
    let tied: Vec<usize> = among
        .iter()
        .copied()
        .filter(|s| ev.row(*s, metric.name).is_some() && ev.tied(*s, best, metric.name))
        .collect();
    if tied.len() <= 1 {
        Verdict::Best(best)
    } else {
        Verdict::Tie(tied)
    }
}

/// One priority applied in the bottom line.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// The metric.
    pub metric: &'static Metric,
    /// The strategies in contention before it.
    pub before: Vec<usize>,
    /// Those left after it: the best and those tied with it.
    pub kept: Vec<usize>,
    /// The best among `before`.
    pub best: usize,
}

/// Something the recommended strategy gives up: a priority on which
/// another strategy does clearly better.
#[derive(Clone, Debug, PartialEq)]
pub struct Cost {
    /// The metric.
    pub metric: &'static Metric,
    /// The strategy that does best on it.
    pub best: usize,
}

/// A limit of the board's (`[thresholds]`) a strategy goes over.
#[derive(Clone, Debug, PartialEq)]
pub struct Breach {
    /// The metric.
    pub metric: &'static Metric,
    /// The limit, in the metric's unit (seconds for `_s`).
    pub limit: f64,
    /// Runs above it, and runs.
    pub over: u64,
    pub n: u64,
}

/// A strategy breaks a limit when it goes over it in more than this share
/// of its runs.
pub const LIMIT_TOLERANCE: f64 = 0.05;

/// The limits of `[thresholds]` strategy `s` goes over in more than
/// [`LIMIT_TOLERANCE`] of its runs, over the metrics that apply to `site`.
pub fn breaches(ev: &Evidence, s: usize, site: &Site) -> Vec<Breach> {
    metrics::METRICS
        .iter()
        .filter(|m| applies(m.sites, site) && m.better == Better::Lower)
        .filter_map(|m| {
            let r = ev.row(s, m.name)?;
            let (limit, _) = r.threshold?;
            (r.n > 0 && r.exceed as f64 > LIMIT_TOLERANCE * r.n as f64).then_some(Breach {
                metric: m,
                limit,
                over: r.exceed,
                n: r.n,
            })
        })
        .collect()
}

/// The bottom line: one strategy for the priorities, why, and what it costs.
#[derive(Clone, Debug, PartialEq)]
pub struct BottomLine {
    /// The recommended strategy.
    pub pick: usize,
    /// The strategies that keep within every limit of `[thresholds]` (in
    /// at least 95 % of their runs); the pick is among them when any does.
    /// Every strategy when the scenario sets no limit.
    pub within_limits: Vec<usize>,
    /// The limits the pick goes over (in more than 5 % of its runs).
    pub breaches: Vec<Breach>,
    /// The priorities that narrowed the field, in order (those on which
    /// every strategy still in contention tied are left out).
    pub steps: Vec<Step>,
    /// Strategies tied with the pick on every priority (the pick is the
    /// best of them on the first priority where their means differ, else
    /// the first listed).
    pub equivalent: Vec<usize>,
    /// What the pick costs, most important priority first.
    pub costs: Vec<Cost>,
}

/// The bottom line for `priorities`, over the metrics that apply to `site`:
/// among the strategies that keep within the board's limits when any does
/// (every strategy otherwise), the best on the first priority; among those
/// tied on it, the best on the next; and so on.
pub fn bottom_line(ev: &Evidence, priorities: &Priorities, site: &Site) -> BottomLine {
    let every: Vec<usize> = (0..ev.strategies.len()).collect();
    let within: Vec<usize> = every
        .iter()
        .copied()
        .filter(|s| breaches(ev, *s, site).is_empty())
        .collect();
    let all: Vec<usize> = if within.is_empty() {
        every.clone()
    } else {
        within.clone()
    };
    let order: Vec<&'static Metric> = priorities
        .order
        .iter()
        .copied()
        .filter(|m| applies(m.sites, site) && all.iter().any(|s| ev.row(*s, m.name).is_some()))
        .collect();
    let mut left = all.clone();
    let mut steps = Vec::new();
    for m in &order {
        if left.len() <= 1 {
            break;
        }
        let Some(best) = ev.best(&left, m) else { continue };
        let kept: Vec<usize> = left.iter().copied().filter(|s| ev.tied(*s, best, m.name)).collect();
        if kept.len() < left.len() {
            steps.push(Step {
                metric: m,
                before: left.clone(),
                kept: kept.clone(),
                best,
            });
        }
        left = kept;
    }
    let pick = if left.len() == 1 {
        left[0]
    } else {
        // Tied on every priority: the best mean on the first one where
        // the means differ at all.
        order
            .iter()
            .filter_map(|m| {
                let b = ev.best(&left, m)?;
                let differ = left.iter().any(|s| ev.mean(*s, m.name) != ev.mean(b, m.name));
                differ.then_some(b)
            })
            .next()
            .unwrap_or(left[0])
    };
    let equivalent = if left.len() > 1 {
        left.iter().copied().filter(|s| *s != pick).collect()
    } else {
        Vec::new()
    };
    let costs = order
        .iter()
        .filter_map(|m| {
            let best = ev.best(&every, m)?;
            (!ev.tied(pick, best, m.name)).then_some(Cost { metric: m, best })
        })
        .collect();
    BottomLine {
        pick,
        within_limits: within,
        breaches: breaches(ev, pick, site),
        steps,
        equivalent,
        costs,
    }
}

/// One risk event of a strategy.
#[derive(Clone, Debug, PartialEq)]
pub struct RiskEvent {
    /// The metric.
    pub metric: &'static Metric,
    /// Its likelihood: the mean of a probability metric, else the share
    /// of runs above the threshold (above zero without one).
    pub likelihood: f64,
    /// Runs in which it happened, and runs, when it is a share of runs.
    pub runs: Option<(u64, u64)>,
    /// The threshold it is measured against, when the scenario sets one.
    pub threshold: Option<f64>,
    /// Its likelihood band.
    pub band: Band,
    /// Its impact.
    pub impact: Impact,
    /// The class of its cell.
    pub class: Impact,
}

/// A strategy's risk class and the events behind it.
#[derive(Clone, Debug, PartialEq)]
pub struct Risk {
    /// The highest class of its events; low when no event happened.
    pub class: Impact,
    /// The events that happened in some run (or have a likelihood above
    /// zero), highest class first.
    pub events: Vec<RiskEvent>,
}

/// The risk class of strategy `s` under `matrix`, over the events that
/// apply to `site`.
pub fn risk_of(ev: &Evidence, s: usize, matrix: &RiskMatrix, site: &Site) -> Risk {
    let mut events = Vec::new();
    for (m, impact) in &matrix.impact {
        if !applies(m.sites, site) {
            continue;
        }
        let Some(r) = ev.row(s, m.name) else { continue };
        let (likelihood, runs, threshold) = if m.unit == Unit::Probability {
            (r.mean, None, None)
        } else if let Some((t, _)) = r.threshold {
            (r.exceed as f64 / r.n as f64, Some((r.exceed, r.n)), Some(t))
        } else {
            (r.nonzero as f64 / r.n as f64, Some((r.nonzero, r.n)), None)
        };
        if likelihood <= 0.0 {
            continue;
        }
        let band = matrix.band(likelihood);
        events.push(RiskEvent {
            metric: m,
            likelihood,
            runs,
            threshold,
            band,
            impact: *impact,
            class: matrix.class(band, *impact),
        });
    }
    events.sort_by(|a, b| b.class.cmp(&a.class).then(b.likelihood.total_cmp(&a.likelihood)));
    Risk {
        class: events.first().map_or(Impact::Low, |e| e.class),
        events,
    }
}

/// Every strategy's risk.
pub fn risk(ev: &Evidence, matrix: &RiskMatrix, site: &Site) -> Vec<Risk> {
    (0..ev.strategies.len()).map(|s| risk_of(ev, s, matrix, site)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::METRICS;
    use crate::priorities::{RawLikelihood, RawPriorities, RawRisk, check_priorities, check_risk};
    use crate::scenario::Scenario;

    fn row(strategy: &str, metric: &'static str, mean: f64, half: f64) -> SummaryRow {
        SummaryRow {
            strategy: strategy.into(),
            population: crate::montecarlo::Runs::All,
            metric,
            n: 100,
            mean,
            sd: 0.0,
            ci95_low: (mean - half).max(0.0),
            ci95_high: mean + half,
            p50: mean,
            p95: mean,
            p99: mean,
            min: 0.0,
            max: if mean > 0.0 { 2.0 * mean } else { 0.0 },
            nonzero: if mean > 0.0 { 50 } else { 0 },
            threshold: None,
            exceed: 0,
        }
    }

    fn pair(a: &str, b: &str, metric: &'static str, lo: f64, hi: f64) -> DiffRow {
        DiffRow {
            strategy: a.into(),
            baseline: b.into(),
            population: crate::montecarlo::Runs::All,
            metric,
            n: 100,
            mean: 0.5 * (lo + hi),
            sd: 0.0,
            ci95_low: lo,
            ci95_high: hi,
        }
    }

    fn names() -> Vec<String> {
        ["a", "b", "c"].iter().map(|s| s.to_string()).collect()
    }

    /// Downtime: a and b tie (their paired difference holds zero), c is
    /// worse. Dropped sessions: b is clearly best. Exposure: c is clearly
    /// best, a and b far behind.
    fn summary() -> (Vec<SummaryRow>, Vec<DiffRow>) {
        let rows = vec![
            row("a", "downtime_s", 10.0, 3.0),
            row("b", "downtime_s", 11.0, 3.0),
            row("c", "downtime_s", 600.0, 30.0),
            row("a", "dropped_sessions", 3.0, 0.3),
            row("b", "dropped_sessions", 1.0, 0.3),
            row("c", "dropped_sessions", 5.0, 0.3),
            row("a", "exposure_s", 3000.0, 30.0),
            row("b", "exposure_s", 3100.0, 30.0),
            row("c", "exposure_s", 60.0, 3.0),
        ];
        let pairs = vec![
            pair("a", "b", "downtime_s", -2.0, 0.5),
            pair("a", "c", "downtime_s", -620.0, -560.0),
            pair("b", "c", "downtime_s", -620.0, -560.0),
            pair("a", "b", "dropped_sessions", 1.5, 2.5),
            pair("a", "c", "dropped_sessions", -2.5, -1.5),
            pair("b", "c", "dropped_sessions", -4.5, -3.5),
            pair("a", "b", "exposure_s", -150.0, -50.0),
            pair("a", "c", "exposure_s", 2900.0, 3000.0),
            pair("b", "c", "exposure_s", 3000.0, 3100.0),
        ];
        (rows, pairs)
    }

    #[test]
    fn a_best_strategy_is_named_only_when_its_paired_differences_exclude_zero() {
        let (rows, pairs) = summary();
        let names = names();
        let negligible = vec![0.0; METRICS.len()];
        let ev = Evidence {
            strategies: &names,
            summary: &rows,
            pairs: &pairs,
            negligible: &negligible,
        };
        let m = |n| metrics::find(n).unwrap();
        let all = [0, 1, 2];
        // a has the lowest mean downtime, but not clearly: a tie with b.
        assert_eq!(verdict(&ev, &all, m("downtime_s")), Verdict::Tie(vec![0, 1]));
        assert_eq!(verdict(&ev, &all, m("dropped_sessions")), Verdict::Best(1));
        assert_eq!(verdict(&ev, &all, m("exposure_s")), Verdict::Best(2));
        // A negligible difference of 200 s of exposure ties a and b (100 s
        // apart), not a and c.
        let mut wide = negligible.clone();
        wide[metrics::index("exposure_s").unwrap()] = 200.0;
        let ev = Evidence {
            negligible: &wide,
            ..ev
        };
        assert!(ev.tied(0, 1, "exposure_s") && !ev.tied(0, 2, "exposure_s"));
        // Without paired differences, overlapping intervals tie.
        let ev = Evidence { pairs: &[], ..ev };
        assert_eq!(verdict(&ev, &all, m("downtime_s")), Verdict::Tie(vec![0, 1]));
    }

    #[test]
    fn the_bottom_line_follows_the_priorities_and_names_its_cost() {
        let (rows, pairs) = summary();
        let names = names();
        let sc = Scenario::default_scenario();
        let ev = Evidence {
            strategies: &names,
            summary: &rows,
            pairs: &pairs,
            negligible: &sc.priorities.negligible,
        };
        // The default order: downtime first (a and b tie), then dropped
        // sessions (b). It costs exposure, where c does best.
        let b = bottom_line(&ev, &Priorities::default(), &sc.site);
        assert_eq!(b.pick, 1);
        assert_eq!(b.steps.len(), 2);
        assert_eq!((b.steps[0].metric.name, &b.steps[0].kept), ("downtime_s", &vec![0, 1]));
        assert_eq!(
            (b.steps[1].metric.name, &b.steps[1].kept),
            ("dropped_sessions", &vec![1])
        );
        assert!(b.equivalent.is_empty());
        assert_eq!(
            b.costs.iter().map(|c| (c.metric.name, c.best)).collect::<Vec<_>>(),
            [("exposure_s", 2)]
        );
        // Exposure first: c, at the cost of downtime and dropped sessions.
        let mut raw = Vec::new();
        let p = check_priorities(
            Some(RawPriorities {
                order: Some(vec!["exposure_s".into(), "downtime_s".into()]),
                negligible: None,
            }),
            &mut raw,
        );
        assert!(raw.is_empty() && p.stated);
        let b = bottom_line(&ev, &p, &sc.site);
        assert_eq!(b.pick, 2);
        assert_eq!(
            b.costs.iter().map(|c| c.metric.name).collect::<Vec<_>>(),
            ["downtime_s"]
        );
    }

    #[test]
    fn risk_classes_come_from_the_matrix() {
        let sc = Scenario::default_scenario();
        let names = vec!["a".to_string(), "b".to_string()];
        let mut rows = vec![
            row("a", "exposure_risk", 0.0002, 0.0),
            row("b", "exposure_risk", 0.02, 0.0),
        ];
        // b overran its window in 30 of 100 runs.
        rows.push(row("a", "window_overrun_s", 0.0, 0.0));
        let mut over = row("b", "window_overrun_s", 60.0, 10.0);
        over.nonzero = 30;
        rows.push(over);
        let ev = Evidence {
            strategies: &names,
            summary: &rows,
            pairs: &[],
            negligible: &sc.priorities.negligible,
        };
        let m = RiskMatrix::default();
        let r = risk(&ev, &m, &sc.site);
        // a: a rare high-impact event, moderate. b: a possible high-impact
        // event (high) and a likely moderate one (high).
        assert_eq!(r[0].class, Impact::Moderate);
        assert_eq!(r[0].events.len(), 1);
        assert_eq!((r[0].events[0].band, r[0].events[0].impact), (Band::Rare, Impact::High));
        assert_eq!(r[1].class, Impact::High);
        let overrun = r[1]
            .events
            .iter()
            .find(|e| e.metric.name == "window_overrun_s")
            .unwrap();
        assert_eq!((overrun.runs, overrun.band), (Some((30, 100)), Band::Likely));
        // A scenario's matrix: the exposure risk of low impact, bands at 5 %
        // and 50 %. a is low (rare × low); b's overrun in 30 % of its runs
        // is possible × moderate: moderate.
        let mut problems = Vec::new();
        let m = check_risk(
            Some(RawRisk {
                likelihood: Some(RawLikelihood {
                    possible: Some(0.05),
                    likely: Some(0.5),
                }),
                impact: Some(
                    [
                        ("exposure_risk".to_string(), "low".to_string()),
                        ("window_overrun_s".into(), "moderate".into()),
                    ]
                    .into_iter()
                    .collect(),
                ),
                matrix: None,
            }),
            &mut problems,
        );
        assert!(problems.is_empty(), "{problems:?}");
        let r = risk(&ev, &m, &sc.site);
        assert_eq!(r[0].class, Impact::Low);
        assert_eq!(r[1].class, Impact::Moderate);
        assert_eq!(r[1].events[0].metric.name, "window_overrun_s");
    }
}
