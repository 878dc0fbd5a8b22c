//! Monte Carlo: many replications of several strategies, compared with
//! common random numbers, aggregated in replication order.
//!
//! Replication `i` of every strategy draws from the streams of `(seed, i)`,
//! so it sees the same arrivals, session durations and first-attempt install
//! times: differences between strategies are paired. Replications run in
//! parallel ([`run_range`] and [`run_streaming`] keep their order), and
//! every statistic is computed serially from the *formatted* values, exactly
//! as they stand in `runs.csv`, in replication order. So the thread count,
//! and whether a study was split into shards and merged, cannot change a
//! single output byte.
//!
//! The 95 % interval of a mean respects what the metric can be: a share of
//! runs (a 0/1 flag) gets the exact Clopper–Pearson interval, a count that
//! is zero in every run the Poisson-exact upper bound, and every other
//! metric the empirical-likelihood interval ([`crate::stats::el_interval`]),
//! which stays within the values' range, so never below zero. Paired
//! differences can be negative: they keep Student's t interval.
//!
//! Nothing here does I/O.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use rayon::prelude::*;

use crate::metrics::{METRICS, Metrics, Unit};
use crate::runbook::Runbook;
use crate::scenario::Scenario;
use crate::sim::{Limits, RunOptions, simulate_bounded};
use crate::stats::{Moments, Sketch, el_interval, proportion_interval, zero_count_bound};

/// One replication of every strategy: the metric values as written in
/// `runs.csv` (`values[strategy][column]`; an empty string means "does not apply").
#[derive(Clone, Debug, PartialEq)]
pub struct Replication {
    /// Replication index.
    pub index: u64,
    /// Formatted values per strategy, in [`Metrics::COLUMNS`] order.
    pub values: Vec<Vec<String>>,
    /// An Atlas cluster's figures per strategy and region (`regions.csv`);
    /// empty for other sites.
    pub regions: Vec<Vec<crate::sim::RegionFigures>>,
}

/// Runs replications `range` of every runbook in parallel on the current
/// rayon pool; the result is in replication order whatever the pool size.
pub fn run_range(scenario: &Scenario, runbooks: &[&Runbook], seed: u64, range: Range<u64>) -> Vec<Replication> {
    let never = AtomicBool::new(false);
    range
        .into_par_iter()
        .map(|i| replication(scenario, runbooks, seed, i, &never).expect("never stopped"))
        .collect()
}

/// Replication `i` of every runbook; `None` when `stop` was set while it
/// ran (the simulation looks at it every few thousand events).
pub fn replication(
    scenario: &Scenario,
    runbooks: &[&Runbook],
    seed: u64,
    i: u64,
    stop: &AtomicBool,
) -> Option<Replication> {
    let mut values = Vec::with_capacity(runbooks.len());
    let mut regions = Vec::new();
    for rb in runbooks {
        let out = simulate_bounded(scenario, rb, seed, i, RunOptions::default(), &Limits::DEFAULT, stop)?;
        values.push(out.metrics.values().to_vec());
        if !out.regions.is_empty() {
            regions.push(out.regions);
        }
    }
    Some(Replication {
        index: i,
        values,
        regions,
    })
}

/// How far (in replications per worker) a worker may run ahead of the
/// oldest replication not yet handed to the sink: bounds the reorder buffer.
const AHEAD_PER_WORKER: u64 = 64;

/// Replications a worker takes at once and hands back in one message: fewer
/// wake-ups of the main thread (one per replication cost about 2.7 context
/// switches each), at most a few milliseconds of imbalance at the end.
const BLOCK: u64 = 4;

/// Runs replications `range` of every runbook on `workers` threads and
/// hands each one to `sink` in replication order, as soon as it and all
/// before it are done.
///
/// Unlike batches of [`run_range`], no worker ever waits for the others at a
/// batch boundary: each takes the next few replication numbers as it
/// finishes the previous ones, and the calling thread restores the order.
/// Memory stays bounded whatever the length of `range`: a worker never
/// starts a replication more than `workers × 64` past the oldest one not yet
/// handed over.
///
/// With one worker everything runs on the calling thread, so `--threads 1`
/// keeps to one core.
///
/// Setting `stop` stops the workers within milliseconds, mid-replication
/// too: a replication cut short is dropped, never handed over, so the sink
/// sees a prefix of the range. The first error of `sink` stops everything
/// and is returned.
pub fn run_streaming<E>(
    scenario: &Scenario,
    runbooks: &[&Runbook],
    seed: u64,
    range: Range<u64>,
    workers: usize,
    stop: &AtomicBool,
    sink: impl FnMut(Replication) -> Result<(), E>,
) -> Result<(), E> {
    stream_ordered(
        range,
        workers,
        stop,
        &|i| replication(scenario, runbooks, seed, i, stop),
        sink,
    )
}

/// The engine of [`run_streaming`], for any kind of replication: runs
/// `work(i)` for every `i` of `range` on `workers` threads and hands the
/// results to `sink` in order of `i`, with the same bounds, stop and error
/// rules. `work` returns `None` when it was stopped.
pub fn stream_ordered<T: Send, E>(
    range: Range<u64>,
    workers: usize,
    stop: &AtomicBool,
    work: &(dyn Fn(u64) -> Option<T> + Sync),
    mut sink: impl FnMut(T) -> Result<(), E>,
) -> Result<(), E> {
    if workers <= 1 {
        // One thread means one: the replications run on the calling thread.
        for i in range {
            if stop.load(Ordering::SeqCst) {
                break;
            }
            match work(i) {
                Some(rep) => sink(rep)?,
                None => break,
            }
        }
        return Ok(());
    }
    let window = workers as u64 * AHEAD_PER_WORKER;
    let next = AtomicU64::new(range.start);
    // The oldest replication not yet handed to the sink. Workers read it
    // without a lock; one that must wait counts itself in `waiting` first,
    // so the common case costs no lock and no wake-up call.
    let handed = AtomicU64::new(range.start);
    let waiting = AtomicUsize::new(0);
    let wake = (Mutex::new(()), Condvar::new());
    let failed = AtomicBool::new(false);
    let halted = || stop.load(Ordering::SeqCst) || failed.load(Ordering::SeqCst);
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::channel::<Vec<(u64, T)>>();
        for _ in 0..workers {
            let tx = tx.clone();
            let (next, handed, waiting, wake, halted) = (&next, &handed, &waiting, &wake, &halted);
            let end = range.end;
            scope.spawn(move || {
                while !halted() {
                    let i = next.fetch_add(BLOCK, Ordering::SeqCst);
                    if i >= end {
                        break;
                    }
                    let block = i..i.saturating_add(BLOCK).min(end);
                    if i >= handed.load(Ordering::SeqCst) + window {
                        waiting.fetch_add(1, Ordering::SeqCst);
                        let (lock, cv) = wake;
                        let mut guard = lock.lock().unwrap_or_else(|p| p.into_inner());
                        while i >= handed.load(Ordering::SeqCst) + window && !halted() {
                            // Timed, so that a stop is seen without a wake-up.
                            guard = cv
                                .wait_timeout(guard, Duration::from_millis(50))
                                .unwrap_or_else(|p| p.into_inner())
                                .0;
                        }
                        drop(guard);
                        waiting.fetch_sub(1, Ordering::SeqCst);
                    }
                    if halted() {
                        break;
                    }
                    // A stop cuts the block short: it is
                    // dropped whole, so nothing after the gap is handed over.
                    let reps: Option<Vec<(u64, T)>> = block.map(|j| work(j).map(|r| (j, r))).collect();
                    let Some(reps) = reps else { break };
                    if tx.send(reps).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut pending: BTreeMap<u64, T> = BTreeMap::new();
        let mut want = range.start;
        for reps in rx.iter() {
            pending.extend(reps);
            while let Some(rep) = pending.remove(&want) {
                if let Err(e) = sink(rep) {
                    failed.store(true, Ordering::SeqCst);
                    return Err(e);
                }
                want += 1;
                handed.store(want, Ordering::SeqCst);
                if waiting.load(Ordering::SeqCst) > 0 {
                    let (lock, cv) = &wake;
                    let _guard = lock.lock().unwrap_or_else(|p| p.into_inner());
                    cv.notify_all();
                }
            }
        }
        Ok(())
    })
}

/// The contiguous replications of shard `k` (1-based) of `n` out of `runs`.
pub fn shard_range(runs: u64, k: u64, n: u64) -> Range<u64> {
    let lo = (runs as u128 * (k - 1) as u128 / n as u128) as u64;
    let hi = (runs as u128 * k as u128 / n as u128) as u64;
    lo..hi
}

/// Streaming statistics of one strategy and metric.
#[derive(Clone, Debug, Default)]
struct Cell {
    moments: Moments,
    sketch: Sketch,
    /// Values above the threshold.
    exceed: u64,
    /// Values above zero.
    nonzero: u64,
}

impl Cell {
    fn push(&mut self, x: f64, threshold: Option<f64>) {
        self.moments.push(x);
        self.sketch.push(x);
        if threshold.is_some_and(|t| x > t) {
            self.exceed += 1;
        }
        if x > 0.0 {
            self.nonzero += 1;
        }
    }

    /// The values of `self` that are not in `part`.
    fn without(&self, part: &Cell) -> Cell {
        if part.moments.n == 0 {
            return self.clone();
        }
        let sketch = self.sketch.without(&part.sketch);
        let points = sketch.points();
        let (min, max) = match (points.first(), points.last()) {
            (Some(a), Some(b)) => (a.0, b.0),
            _ => (0.0, 0.0),
        };
        Cell {
            moments: self.moments.without(&part.moments, min, max),
            sketch,
            exceed: self.exceed - part.exceed,
            nonzero: self.nonzero - part.nonzero,
        }
    }
}

/// The 95 % interval of the mean of one cell of a metric of `unit` (see
/// the module doc).
fn mean_interval(unit: Unit, c: &Cell) -> (f64, f64) {
    let (n, mean) = (c.moments.n, c.moments.mean());
    match unit {
        Unit::Flag => proportion_interval(c.nonzero, n),
        Unit::Count if c.moments.min == 0.0 && c.moments.max == 0.0 => (0.0, zero_count_bound(n)),
        _ => {
            let (lo, hi) = el_interval(&c.sketch.points());
            (lo.min(mean), hi.max(mean))
        }
    }
}

/// One row of `summary.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct SummaryRow {
    pub strategy: String,
    /// The replications it describes.
    pub population: Runs,
    pub metric: &'static str,
    pub n: u64,
    pub mean: f64,
    pub sd: f64,
    /// The 95 % interval of the mean (see the module doc for its method).
    pub ci95_low: f64,
    pub ci95_high: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub min: f64,
    pub max: f64,
    /// Replications with a value above zero.
    pub nonzero: u64,
    /// The scenario's threshold for this metric, and P(metric > threshold).
    pub threshold: Option<(f64, f64)>,
    /// Replications above the threshold (0 without one).
    pub exceed: u64,
}

impl SummaryRow {
    /// The 95 % interval of P(metric > threshold), when there is a threshold.
    pub fn exceed_interval(&self) -> Option<(f64, f64)> {
        self.threshold.map(|_| proportion_interval(self.exceed, self.n))
    }

    /// True when the metric is zero in every replication.
    pub fn all_zero(&self) -> bool {
        self.min == 0.0 && self.max == 0.0
    }
}

/// Which replications a summary describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runs {
    /// All of them (`summary.csv`).
    All,
    /// Those whose procedure ran to its end (`aborted` = 0).
    Completed,
    /// Those whose procedure was aborted.
    Aborted,
}

impl Runs {
    /// The word in `summary.csv`'s `population` column.
    pub fn name(self) -> &'static str {
        match self {
            Runs::All => "all",
            Runs::Completed => "completed",
            Runs::Aborted => "aborted",
        }
    }
}

/// Most strategies whose paired differences are kept for every pair, not
/// only against the baseline: 32 strategies, 496 pairs. With more, two
/// strategies neither of which is the baseline are compared by their own
/// intervals.
pub const MAX_PAIRED: usize = 32;

/// One metric whose mean is not yet as precise as a target asks.
#[derive(Clone, Debug, PartialEq)]
pub struct Imprecise {
    pub strategy: String,
    pub metric: &'static str,
    pub mean: f64,
    /// The 95 % half-width, Student's t.
    pub half: f64,
}

/// One row of `diff.csv`: strategy minus baseline, paired by replication.
#[derive(Clone, Debug, PartialEq)]
pub struct DiffRow {
    pub strategy: String,
    pub baseline: String,
    /// The replications paired: all, or those both completed.
    pub population: Runs,
    pub metric: &'static str,
    pub n: u64,
    pub mean: f64,
    pub sd: f64,
    pub ci95_low: f64,
    pub ci95_high: f64,
}

/// Aggregates replications in order, in memory independent of their number.
#[derive(Clone, Debug)]
pub struct Aggregator {
    /// The columns aggregated: their names and units ([`Metrics::COLUMNS`]
    /// for sites, the campaign table for fleets).
    columns: Vec<&'static str>,
    units: Vec<Unit>,
    /// The column of the `aborted` flag, if the table has one.
    aborted_col: Option<usize>,
    strategies: Vec<String>,
    baseline: usize,
    thresholds: Vec<Option<f64>>,
    cells: Vec<Vec<Cell>>,
    /// The cells of the aborted replications only.
    aborted: Vec<Vec<Cell>>,
    diffs: Vec<Vec<Moments>>,
    /// Paired differences `i − j` for every pair `i < j` (see [`MAX_PAIRED`]).
    pairs: Vec<Vec<Moments>>,
    /// The same two over the replications both strategies completed.
    diffs_done: Vec<Vec<Moments>>,
    pairs_done: Vec<Vec<Moments>>,
    replications: u64,
}

impl Aggregator {
    /// A new aggregator of the site metrics; `thresholds` pairs metric
    /// column names with values. The `aborted` flag's column keeps the
    /// aborted replications apart (their times stop at the abort).
    pub fn new(strategies: Vec<String>, baseline: usize, thresholds: &[(String, f64)]) -> Aggregator {
        let units = METRICS.iter().map(|m| m.unit).collect();
        Aggregator::with_columns(
            Metrics::COLUMNS.to_vec(),
            units,
            crate::metrics::index("aborted"),
            strategies,
            baseline,
            thresholds,
        )
    }

    /// A new aggregator of any table of columns (`values` of [`Aggregator::push`]
    /// in this order): names, units, and the column of an `aborted` flag.
    pub fn with_columns(
        columns: Vec<&'static str>,
        units: Vec<Unit>,
        aborted_col: Option<usize>,
        strategies: Vec<String>,
        baseline: usize,
        thresholds: &[(String, f64)],
    ) -> Aggregator {
        let k = columns.len();
        let s = strategies.len();
        Aggregator {
            thresholds: columns
                .iter()
                .map(|c| thresholds.iter().find(|(m, _)| m == c).map(|(_, v)| *v))
                .collect(),
            columns,
            units,
            aborted_col,
            strategies,
            baseline,
            cells: vec![vec![Cell::default(); k]; s],
            aborted: vec![vec![Cell::default(); k]; s],
            diffs: vec![vec![Moments::default(); k]; s],
            pairs: if s <= MAX_PAIRED {
                vec![vec![Moments::default(); k]; s * s.saturating_sub(1) / 2]
            } else {
                Vec::new()
            },
            diffs_done: vec![vec![Moments::default(); k]; s],
            pairs_done: if s <= MAX_PAIRED {
                vec![vec![Moments::default(); k]; s * s.saturating_sub(1) / 2]
            } else {
                Vec::new()
            },
            replications: 0,
        }
    }

    /// The index of pair `i < j` among `s` strategies.
    fn pair_index(&self, i: usize, j: usize) -> usize {
        let s = self.strategies.len();
        i * (2 * s - i - 1) / 2 + (j - i - 1)
    }

    /// Replications seen.
    pub fn replications(&self) -> u64 {
        self.replications
    }

    /// Adds one replication (values as in `runs.csv`).
    pub fn push(&mut self, values: &[Vec<String>]) {
        self.replications += 1;
        let parsed: Vec<Vec<Option<f64>>> = values
            .iter()
            .map(|row| row.iter().map(|v| v.parse::<f64>().ok()).collect())
            .collect();
        let col = self.aborted_col;
        let aborted: Vec<bool> = parsed
            .iter()
            .map(|row| col.is_some_and(|c| row.get(c).copied().flatten().is_some_and(|v| v > 0.0)))
            .collect();
        let base = self.baseline;
        for (s, row) in parsed.iter().enumerate() {
            for (j, v) in row.iter().enumerate() {
                let Some(x) = *v else { continue };
                self.cells[s][j].push(x, self.thresholds[j]);
                if aborted[s] {
                    self.aborted[s][j].push(x, self.thresholds[j]);
                }
                if let Some(b) = parsed[base][j]
                    && s != base
                {
                    self.diffs[s][j].push(x - b);
                    if !aborted[s] && !aborted[base] {
                        self.diffs_done[s][j].push(x - b);
                    }
                }
            }
        }
        if !self.pairs.is_empty() {
            for a in 0..parsed.len() {
                for b in a + 1..parsed.len() {
                    let p = self.pair_index(a, b);
                    let done = !aborted[a] && !aborted[b];
                    for (j, (x, y)) in parsed[a].iter().zip(&parsed[b]).enumerate() {
                        if let (Some(x), Some(y)) = (x, y) {
                            self.pairs[p][j].push(x - y);
                            if done {
                                self.pairs_done[p][j].push(x - y);
                            }
                        }
                    }
                }
            }
        }
    }

    /// One summary row of a cell.
    fn row(&self, name: &str, j: usize, c: &Cell) -> SummaryRow {
        let (low, high) = mean_interval(self.units[j], c);
        let q = |p| c.sketch.quantile(p).unwrap_or(f64::NAN);
        SummaryRow {
            strategy: name.to_string(),
            population: Runs::All,
            metric: self.columns[j],
            n: c.moments.n,
            mean: c.moments.mean(),
            sd: c.moments.sd(),
            ci95_low: low,
            ci95_high: high,
            p50: q(0.5),
            p95: q(0.95),
            p99: q(0.99),
            min: c.moments.min,
            max: c.moments.max,
            nonzero: c.nonzero,
            threshold: self.thresholds[j].map(|t| (t, c.exceed as f64 / c.moments.n as f64)),
            exceed: if self.thresholds[j].is_some() { c.exceed } else { 0 },
        }
    }

    /// The summary rows of `runs`, strategy by strategy, metric by metric.
    /// A strategy with no replication of that kind has no rows.
    pub fn summary_of(&self, runs: Runs) -> Vec<SummaryRow> {
        let mut out = Vec::new();
        for (s, name) in self.strategies.iter().enumerate() {
            for j in 0..self.columns.len() {
                let cell = match runs {
                    Runs::All => std::borrow::Cow::Borrowed(&self.cells[s][j]),
                    Runs::Aborted => std::borrow::Cow::Borrowed(&self.aborted[s][j]),
                    Runs::Completed => std::borrow::Cow::Owned(self.cells[s][j].without(&self.aborted[s][j])),
                };
                if cell.moments.n > 0 {
                    out.push(SummaryRow {
                        population: runs,
                        ..self.row(name, j, &cell)
                    });
                }
            }
        }
        out
    }

    /// Replications of strategy `s` whose procedure was aborted.
    pub fn aborted_runs(&self, s: usize) -> u64 {
        self.aborted_col
            .map_or(0, |c| self.aborted.get(s).map_or(0, |row| row[c].moments.n))
    }

    /// Every paired difference known, `a − b` for each pair `a < b` and
    /// metric: every pair of up to [`MAX_PAIRED`] strategies, else those
    /// with the baseline.
    pub fn all_pairs(&self) -> Vec<DiffRow> {
        self.all_pairs_of(Runs::All)
    }

    /// [`Aggregator::all_pairs`] over the replications of `runs`: all, or
    /// those both strategies of a pair completed.
    pub fn all_pairs_of(&self, runs: Runs) -> Vec<DiffRow> {
        let s = self.strategies.len();
        let mut out = Vec::new();
        for a in 0..s {
            for b in a + 1..s {
                for metric in &self.columns {
                    out.extend(self.paired_of(a, b, metric, runs));
                }
            }
        }
        out
    }

    /// The paired difference `a − b` of `metric`, replication by
    /// replication: always when one of them is the baseline, and for any
    /// pair of up to [`MAX_PAIRED`] strategies.
    pub fn paired(&self, a: usize, b: usize, metric: &str) -> Option<DiffRow> {
        self.paired_of(a, b, metric, Runs::All)
    }

    /// [`Aggregator::paired`] over the replications of `runs` (all, or
    /// those both completed; the aborted ones alone are not paired).
    pub fn paired_of(&self, a: usize, b: usize, metric: &str, runs: Runs) -> Option<DiffRow> {
        let j = self.columns.iter().position(|c| *c == metric)?;
        let s = self.strategies.len();
        if a == b || a >= s || b >= s || runs == Runs::Aborted {
            return None;
        }
        let (diffs, pairs) = match runs {
            Runs::Completed => (&self.diffs_done, &self.pairs_done),
            _ => (&self.diffs, &self.pairs),
        };
        let (moments, sign) = if b == self.baseline {
            (&diffs[a][j], 1.0)
        } else if a == self.baseline {
            (&diffs[b][j], -1.0)
        } else if pairs.is_empty() {
            return None;
        } else if a < b {
            (&pairs[self.pair_index(a, b)][j], 1.0)
        } else {
            (&pairs[self.pair_index(b, a)][j], -1.0)
        };
        if moments.n == 0 {
            return None;
        }
        let half = moments.ci95_half();
        let mean = sign * moments.mean();
        Some(DiffRow {
            strategy: self.strategies[a].clone(),
            baseline: self.strategies[b].clone(),
            population: runs,
            metric: self.columns[j],
            n: moments.n,
            mean,
            sd: moments.sd(),
            ci95_low: mean - half,
            ci95_high: mean + half,
        })
    }

    /// The summary rows of every replication.
    pub fn summary(&self) -> Vec<SummaryRow> {
        self.summary_of(Runs::All)
    }

    /// The rows of `summary.csv`: every replication of each strategy, then
    /// the completed ones of each strategy whose procedure was aborted in
    /// some (their `population` says which).
    pub fn summary_csv(&self) -> Vec<SummaryRow> {
        let mut out = self.summary();
        let aborting: Vec<&String> = (0..self.strategies.len())
            .filter(|s| self.aborted_runs(*s) > 0)
            .map(|s| &self.strategies[s])
            .collect();
        out.extend(
            self.summary_of(Runs::Completed)
                .into_iter()
                .filter(|r| aborting.contains(&&r.strategy)),
        );
        out
    }

    /// The paired differences against the baseline.
    pub fn diffs(&self) -> Vec<DiffRow> {
        self.diffs_of(Runs::All)
    }

    /// The rows of `diff.csv`: every replication, then, where the strategy
    /// or the baseline was aborted in some, the replications both completed.
    pub fn diffs_csv(&self) -> Vec<DiffRow> {
        let mut out = self.diffs();
        let base_aborted = self.aborted_runs(self.baseline) > 0;
        let aborting: Vec<&String> = (0..self.strategies.len())
            .filter(|s| base_aborted || self.aborted_runs(*s) > 0)
            .map(|s| &self.strategies[s])
            .collect();
        out.extend(
            self.diffs_of(Runs::Completed)
                .into_iter()
                .filter(|r| aborting.contains(&&r.strategy)),
        );
        out
    }

    /// [`Aggregator::diffs`] over the replications of `runs` (all, or those
    /// both completed).
    pub fn diffs_of(&self, runs: Runs) -> Vec<DiffRow> {
        let mut out = Vec::new();
        if runs == Runs::Aborted {
            return out;
        }
        let diffs = if runs == Runs::Completed {
            &self.diffs_done
        } else {
            &self.diffs
        };
        for (s, name) in self.strategies.iter().enumerate() {
            if s == self.baseline {
                continue;
            }
            for (j, metric) in self.columns.iter().enumerate() {
                let d = &diffs[s][j];
                if d.n == 0 {
                    continue;
                }
                let half = d.ci95_half();
                out.push(DiffRow {
                    strategy: name.clone(),
                    baseline: self.strategies[self.baseline].clone(),
                    population: runs,
                    metric,
                    n: d.n,
                    mean: d.mean(),
                    sd: d.sd(),
                    ci95_low: d.mean() - half,
                    ci95_high: d.mean() + half,
                });
            }
        }
        out
    }

    /// The means of the chosen metrics (all when `metrics` is empty) whose
    /// 95 % half-width (Student's t: cheap enough to look at after every
    /// batch) is above both `rel` of their magnitude and the metric's
    /// absolute tolerance `abs[column]`. A mean with no spread is precise.
    pub fn imprecise(&self, rel: f64, metrics: &[usize], abs: &[f64]) -> Vec<Imprecise> {
        let mut out = Vec::new();
        for (s, row) in self.cells.iter().enumerate() {
            for (j, c) in row.iter().enumerate() {
                if !metrics.is_empty() && !metrics.contains(&j) || c.moments.n == 0 {
                    continue;
                }
                let half = c.moments.ci95_half();
                let tolerance = (rel * c.moments.mean().abs()).max(abs.get(j).copied().unwrap_or(0.0));
                if half != 0.0 && half > tolerance {
                    out.push(Imprecise {
                        strategy: self.strategies[s].clone(),
                        metric: self.columns[j],
                        mean: c.moments.mean(),
                        half,
                    });
                }
            }
        }
        out
    }

    /// True when at least two replications were seen and no chosen mean is
    /// [`Aggregator::imprecise`].
    pub fn precise_enough(&self, rel: f64, metrics: &[usize], abs: &[f64]) -> bool {
        self.replications >= 2 && self.imprecise(rel, metrics, abs).is_empty()
    }

    /// The strategies, in order.
    pub fn strategies(&self) -> &[String] {
        &self.strategies
    }

    /// The baseline's index.
    pub fn baseline(&self) -> usize {
        self.baseline
    }

    fn cell(&self, strategy: usize, metric: &str) -> Option<&Cell> {
        let j = self.columns.iter().position(|c| *c == metric)?;
        self.cells.get(strategy).map(|row| &row[j]).filter(|c| c.moments.n > 0)
    }

    /// The cell of `runs` of one strategy's metric.
    fn cell_of(&self, strategy: usize, metric: &str, runs: Runs) -> Option<std::borrow::Cow<'_, Cell>> {
        let j = self.columns.iter().position(|c| *c == metric)?;
        let all = self.cells.get(strategy).map(|row| &row[j])?;
        let aborted = &self.aborted[strategy][j];
        let c = match runs {
            Runs::All => std::borrow::Cow::Borrowed(all),
            Runs::Aborted => std::borrow::Cow::Borrowed(aborted),
            Runs::Completed => std::borrow::Cow::Owned(all.without(aborted)),
        };
        (c.moments.n > 0).then_some(c)
    }

    /// Nearest-rank quantiles of one strategy's metric.
    pub fn quantiles(&self, strategy: usize, metric: &str, ps: &[f64]) -> Option<Vec<f64>> {
        let c = self.cell(strategy, metric)?;
        ps.iter().map(|p| c.sketch.quantile(*p)).collect()
    }

    /// [`Aggregator::quantiles`] over the replications of `runs`.
    pub fn quantiles_of(&self, strategy: usize, metric: &str, ps: &[f64], runs: Runs) -> Option<Vec<f64>> {
        let c = self.cell_of(strategy, metric, runs)?;
        ps.iter().map(|p| c.sketch.quantile(*p)).collect()
    }

    /// The empirical CDF of one strategy's metric.
    pub fn ecdf(&self, strategy: usize, metric: &str) -> Vec<(f64, f64)> {
        self.cell(strategy, metric).map(|c| c.sketch.cdf()).unwrap_or_default()
    }

    /// [`Aggregator::ecdf`] over the replications of `runs`.
    pub fn ecdf_of(&self, strategy: usize, metric: &str, runs: Runs) -> Vec<(f64, f64)> {
        self.cell_of(strategy, metric, runs)
            .map(|c| c.sketch.cdf())
            .unwrap_or_default()
    }

    /// The scenario's threshold for `metric`, if it has one.
    pub fn threshold(&self, metric: &str) -> Option<f64> {
        self.thresholds[self.columns.iter().position(|c| *c == metric)?]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streaming_keeps_the_order_of_a_batch_and_stops_on_request() {
        let sc = Scenario::default_scenario();
        let rbs: Vec<&Runbook> = sc.strategies.iter().map(|n| sc.runbook(n).unwrap()).collect();
        let batch = run_range(&sc, &rbs, 3, 5..45);
        let never = AtomicBool::new(false);
        for workers in [1, 2, 3] {
            let mut got = Vec::new();
            let r: Result<(), ()> = run_streaming(&sc, &rbs, 3, 5..45, workers, &never, |rep| {
                got.push(rep);
                Ok(())
            });
            assert_eq!(r, Ok(()));
            assert_eq!(got, batch, "{workers} workers");
        }
        // A slow sink makes the workers wait at the window's edge; they are
        // woken as it catches up, and nothing is lost or reordered.
        let mut got = Vec::new();
        let r: Result<(), ()> = run_streaming(&sc, &rbs, 3, 0..400, 2, &never, |rep| {
            if rep.index % 100 == 0 {
                std::thread::sleep(Duration::from_millis(30));
            }
            got.push(rep.index);
            Ok(())
        });
        assert_eq!(r, Ok(()));
        assert_eq!(got, (0..400).collect::<Vec<u64>>());
        // A sink error stops the run and comes back; nothing after it is handed over.
        let mut seen = 0;
        let r = run_streaming(&sc, &rbs, 3, 0..1000, 2, &never, |rep| {
            seen += 1;
            if rep.index == 7 { Err("full disk") } else { Ok(()) }
        });
        assert_eq!((r, seen), (Err("full disk"), 8));
        // A stop hands over a prefix, in order.
        let stop = AtomicBool::new(false);
        let mut got = Vec::new();
        let r: Result<(), ()> = run_streaming(&sc, &rbs, 3, 0..100_000, 2, &stop, |rep| {
            got.push(rep.index);
            if rep.index == 20 {
                stop.store(true, Ordering::SeqCst);
            }
            Ok(())
        });
        assert_eq!(r, Ok(()));
        assert!(got.len() >= 21 && got.len() < 1000, "{}", got.len());
        assert!(got.iter().enumerate().all(|(k, i)| *i == k as u64));
    }

    #[test]
    fn a_stop_mid_replication_hands_over_only_whole_replications_in_order() {
        // Replications of a few hundred thousand events: a stop lands in the
        // middle of those in progress, which are dropped, not handed over.
        let text = crate::scenario::DEFAULT_TOML.replacen("rate_per_hour = 30\n", "rate_per_hour = 20000\n", 1);
        assert_ne!(text, crate::scenario::DEFAULT_TOML);
        let sc = Scenario::parse(&text, "busy.toml", "busy").unwrap_or_else(|e| panic!("{e}"));
        let rbs: Vec<&Runbook> = sc.runbooks.iter().take(1).collect();
        for workers in [1, 2] {
            let stop = AtomicBool::new(false);
            let mut got = Vec::new();
            let r: Result<(), ()> = run_streaming(&sc, &rbs, 5, 0..40, workers, &stop, |rep| {
                got.push(rep);
                stop.store(true, Ordering::SeqCst);
                Ok(())
            });
            assert_eq!(r, Ok(()));
            assert!(!got.is_empty() && got.len() < 40, "{workers} workers: {}", got.len());
            let whole = run_range(&sc, &rbs, 5, 0..got.len() as u64);
            assert_eq!(got, whole, "{workers} workers");
        }
    }

    #[test]
    fn shards_cover_the_runs_exactly_once() {
        for runs in [1u64, 2, 10, 1000, 1001] {
            for n in 1..=7u64.min(runs) {
                let mut next = 0;
                for k in 1..=n {
                    let r = shard_range(runs, k, n);
                    assert_eq!(r.start, next);
                    next = r.end;
                }
                assert_eq!(next, runs);
            }
        }
    }

    #[test]
    fn summary_and_diffs_against_a_reference_computation() {
        // Two strategies, five replications of one metric each; the rest empty.
        let k = Metrics::COLUMNS.len();
        let a = [10.0, 12.0, 9.0, 15.0, 14.0];
        let b = [7.0, 10.0, 8.0, 11.0, 13.0];
        let mut agg = Aggregator::new(vec!["a".into(), "b".into()], 0, &[("downtime_s".into(), 11.0)]);
        for i in 0..5 {
            let row = |x: f64| {
                let mut v = vec![String::new(); k];
                v[0] = format!("{x:.3}");
                v
            };
            agg.push(&[row(a[i]), row(b[i])]);
        }
        let s = agg.summary();
        assert_eq!(s.len(), 2);
        let sa = &s[0];
        // Reference: mean 12, sample sd sqrt(26/4), t(0.975; 4) = 2.776445.
        let sd = (26.0f64 / 4.0).sqrt();
        let half = 2.776_445_105 * sd / 5f64.sqrt();
        assert!((sa.mean - 12.0).abs() < 1e-12);
        assert!((sa.sd - sd).abs() < 1e-12);
        // The interval of the mean is the empirical-likelihood one: within
        // the values seen, and narrower than Student's t on five values.
        let want = crate::stats::el_interval(&[(9.0, 1), (10.0, 1), (12.0, 1), (14.0, 1), (15.0, 1)]);
        assert_eq!((sa.ci95_low, sa.ci95_high), want);
        assert!(9.0 < sa.ci95_low && sa.ci95_low < 12.0 && 12.0 < sa.ci95_high && sa.ci95_high < 15.0);
        assert!(sa.ci95_low > 12.0 - half && sa.ci95_high < 12.0 + half);
        // Nearest rank on sorted [9, 10, 12, 14, 15]: p50 = 12, p95 = p99 = 15.
        assert_eq!((sa.p50, sa.p95, sa.p99, sa.min, sa.max), (12.0, 15.0, 15.0, 9.0, 15.0));
        // Two of five above 11 for a, one (13) for b.
        assert_eq!(sa.threshold, Some((11.0, 0.6)));
        assert_eq!(s[1].threshold, Some((11.0, 0.2)));
        // Paired differences b − a: [−3, −2, −1, −4, −1]: mean −2.2.
        let d = agg.diffs();
        assert_eq!(d.len(), 1);
        assert!((d[0].mean + 2.2).abs() < 1e-12);
        let dsd = (6.8f64 / 4.0).sqrt();
        assert!((d[0].sd - dsd).abs() < 1e-12);
        assert!((d[0].ci95_high - (-2.2 + 2.776_445_105 * dsd / 5f64.sqrt())).abs() < 1e-6);
    }
}
