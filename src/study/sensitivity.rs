//! What would change the answer: the inputs that matter, each swung alone
//! from a low to a high value, every compared strategy run at each end with
//! the study's seeds, and where the recommendation changes.
//!
//! **Inputs and their default ranges** ([`swings`]), each relative to the
//! scenario's own value unless the scenario's `[sensitivity]` gives a range
//! ([`crate::scenario::sensitivity`]):
//!
//! | input | key | low | high | not swung when |
//! |---|---|---|---|---|
//! | stored data | `site.data_gb` | ×0.5 | ×2 (0 GB: 0 to 100 GB) | a pod (no appliance data) |
//! | interim period | `calendar.interim` | ×0.5 | ×2 (0: 0 to 1 day) | no compared strategy waits one |
//! | DNS TTL | `network.dns_ttl` | 20 s | 1 day | no compared strategy swings DNS |
//! | upgrade failure probability | `faults.upgrade_failure` | 0 | 0.3 (from 0.3: ×2, at most 1) | a pod (the service upgrades) |
//! | crash MTBF | `faults.mtbf` | ×0.5 | ×2 | no crash simulated and no failover at risk |
//! | workload | `workload.scale` | ×0.5 | ×2 (both arrival rates) | both rates are 0 |
//!
//! A range always holds the scenario's own value (20 s to 1 day is widened
//! to take in a TTL outside it).
//!
//! **Points.** The scenario as given, and each input at each end (the
//! scenario's text with the field set, parsed and validated like any
//! scenario; every end is checked before anything runs). At each point
//! every compared strategy runs replications `0..R` with the study's seed:
//! the same streams as the comparison's first `R` replications (common
//! random numbers), so the ends differ from the base by the input alone.
//! The recommendation at a point is the bottom line's
//! ([`crate::decision::bottom_line`], through [`recommend`]), from the same
//! evidence as the report's.
//!
//! **Break-even.** When the recommendation at an end differs from the
//! scenario's, bisection between the scenario's value and that end (on a
//! log scale for volumes, periods and factors, linear for probabilities)
//! keeps the nearest value that keeps the recommendation and the nearest
//! that does not; after `steps` steps the change lies between them.
//!
//! Points run as one stream of `points × R` replications on the workers
//! ([`crate::montecarlo::stream_ordered`]), aggregated per point in order:
//! the results do not depend on the thread count. Nothing here does I/O.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::decision::{self, BottomLine, Evidence, applies};
use crate::export::{num, thousands};
use crate::metrics::{self, Metric};
use crate::montecarlo::{Aggregator, Replication, Runs, SummaryRow, replication, stream_ordered};
use crate::report::sensitivity::{Change, Findings, Steady, Tornado, TornadoBar, capitalised, input_value};
use crate::runbook::{Runbook, Step};
use crate::scenario::sensitivity::{Input, Kind, Range};
use crate::scenario::validate::{MAX_DATA_GB, MAX_DURATION_MS};
use crate::scenario::{Scenario, set_path};
use crate::time::{MS_PER_DAY, MS_PER_S, SimDuration, fmt_secs};

use super::Error;

/// Replications per strategy at each point when `[sensitivity] runs` is
/// not set (and at most the comparison's own).
pub const DEFAULT_RUNS: u64 = 200;
/// Bisection steps towards each break-even when `[sensitivity] steps` is not set.
pub const DEFAULT_STEPS: u32 = 5;
/// The high end of the upgrade failure probability (the upper range of
/// configuration and procedural errors in one study: docs/model.md §6).
pub const HIGH_UPGRADE_FAILURE: f64 = 0.3;
/// The ends of the DNS TTL: 20 s (the shortest TTL in the study behind the
/// default DNS tail) and a day.
pub const DNS_TTL_MS: (f64, f64) = ((20 * MS_PER_S) as f64, MS_PER_DAY as f64);
/// The high end of the stored data when the scenario has none.
pub const NO_DATA_HIGH_GB: f64 = 100.0;
/// The high end of the interim period when the scenario has none.
pub const NO_INTERIM_HIGH_MS: f64 = MS_PER_DAY as f64;

/// One input's range in a study.
#[derive(Clone, Debug, PartialEq)]
pub struct Swing {
    pub input: Input,
    /// The scenario's own value (the workload: 1).
    pub base: f64,
    pub low: f64,
    pub high: f64,
    /// True when the scenario's `[sensitivity]` gives the range.
    pub stated: bool,
}

/// Why the site or the strategies do not use `input`, if they do not.
fn unused(input: Input, sc: &Scenario, runbooks: &[&Runbook]) -> Option<&'static str> {
    let pod = sc.site.kind.upgrades_by_cutover();
    match input {
        Input::DataGb if pod => Some("a pod stores no data on appliances"),
        Input::Interim
            if !runbooks
                .iter()
                .any(|r| r.steps.iter().any(|s| matches!(s, Step::Interim))) =>
        {
            Some("no compared strategy waits an interim period")
        }
        Input::DnsTtl
            if !runbooks
                .iter()
                .any(|r| r.switches_by(crate::model::site::SwitchMethod::Dns)) =>
        {
            Some("no compared strategy swings DNS")
        }
        Input::UpgradeFailure if pod => Some("a pod's service carries out the upgrade"),
        Input::Mtbf if !sc.site.has_backup() && !sc.faults.crashes => {
            Some("no crash is simulated and no failover is at risk")
        }
        Input::Workload if sc.workload.support.rate_per_hour == 0.0 && sc.workload.console.rate_per_hour == 0.0 => {
            Some("the scenario has no workload")
        }
        _ => None,
    }
}

/// The scenario's own value of `input`, in the input's unit.
fn base_value(input: Input, sc: &Scenario) -> f64 {
    match input {
        Input::DataGb => sc.site.data_gb,
        Input::Interim => sc.interim.0 as f64,
        Input::DnsTtl => sc.network.dns_ttl.0 as f64,
        Input::UpgradeFailure => sc.faults.upgrade_failure,
        Input::Mtbf => sc.faults.mtbf.0 as f64,
        Input::Workload => 1.0,
    }
}

/// The default range of `input` around the scenario's value `base`.
pub fn default_range(input: Input, base: f64) -> (f64, f64) {
    let max_ms = MAX_DURATION_MS as f64;
    match input {
        Input::DataGb if base > 0.0 => (base / 2.0, (base * 2.0).min(MAX_DATA_GB).max(base)),
        Input::DataGb => (0.0, NO_DATA_HIGH_GB),
        Input::Interim if base > 0.0 => ((base / 2.0).round(), (base * 2.0).min(max_ms).max(base)),
        Input::Interim => (0.0, NO_INTERIM_HIGH_MS),
        Input::DnsTtl => (DNS_TTL_MS.0.min(base), DNS_TTL_MS.1.max(base)),
        Input::UpgradeFailure if base < HIGH_UPGRADE_FAILURE => (0.0, HIGH_UPGRADE_FAILURE),
        Input::UpgradeFailure => (0.0, (base * 2.0).min(1.0)),
        Input::Mtbf => ((base / 2.0).round(), (base * 2.0).min(max_ms).max(base)),
        Input::Workload => (0.5, 2.0),
    }
}

/// The inputs a study of `sc` with `runbooks` swings, in [`Input::ALL`]
/// order, and those it does not, with why.
pub fn swings(sc: &Scenario, runbooks: &[&Runbook]) -> (Vec<Swing>, Vec<(Input, String)>) {
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for input in Input::ALL {
        if let Some(why) = unused(input, sc, runbooks) {
            skipped.push((input, why.to_string()));
            continue;
        }
        let base = base_value(input, sc);
        let (low, high, stated) = match sc.sensitivity.range(input) {
            Some(Range::Off) => {
                skipped.push((input, "turned off in `[sensitivity]`".to_string()));
                continue;
            }
            Some(Range::Between(low, high)) => (low, high, true),
            None => {
                let (low, high) = default_range(input, base);
                (low, high, false)
            }
        };
        out.push(Swing {
            input,
            base,
            low,
            high,
            stated,
        });
    }
    (out, skipped)
}

/// The value halfway between `a` and `b` for bisection: geometric for
/// volumes, periods and factors (both above 0), arithmetic otherwise;
/// durations in whole milliseconds.
pub fn midpoint(kind: Kind, a: f64, b: f64) -> f64 {
    let m = match kind {
        Kind::Gb | Kind::Duration | Kind::Factor if a > 0.0 && b > 0.0 => (a * b).sqrt(),
        _ => (a + b) / 2.0,
    };
    if kind == Kind::Duration { m.round() } else { m }
}

/// The metrics of the scenario's priorities that apply to its site, most
/// important first (downtime when none does).
pub fn priority_metrics(sc: &Scenario) -> Vec<&'static Metric> {
    let mut out: Vec<&'static Metric> = sc
        .priorities
        .order
        .iter()
        .copied()
        .filter(|m| applies(m.sites, &sc.site))
        .collect();
    if out.is_empty() {
        out.extend(metrics::find("downtime_s"));
    }
    out
}

/// The summary rows the decision reads, as the report's: every
/// replication's, but over the completed ones for a strategy whose
/// procedure was aborted in some.
/// The summary rows a bottom line reads: per strategy, over its completed
/// runs when some of its runs were aborted, else over all.
pub fn decision_rows(agg: &Aggregator) -> Vec<SummaryRow> {
    let all = agg.summary();
    let completed = agg.summary_of(Runs::Completed);
    agg.strategies()
        .iter()
        .enumerate()
        .flat_map(|(s, name)| {
            let from = if agg.aborted_runs(s) > 0 && completed.iter().any(|r| &r.strategy == name) {
                &completed
            } else {
                &all
            };
            from.iter().filter(|r| &r.strategy == name).cloned().collect::<Vec<_>>()
        })
        .collect()
}

fn judge(sc: &Scenario, agg: &Aggregator, rows: &[SummaryRow]) -> BottomLine {
    let pairs = agg.all_pairs();
    let ev = Evidence {
        strategies: agg.strategies(),
        summary: rows,
        pairs: &pairs,
        negligible: &sc.priorities.negligible,
    };
    decision::bottom_line(&ev, &sc.priorities, &sc.site)
}

/// The bottom line of a study of `sc`: the decision rule applied to the
/// same evidence the report's bottom line reads.
pub fn recommend(sc: &Scenario, agg: &Aggregator) -> BottomLine {
    judge(sc, agg, &decision_rows(agg))
}

/// Where a point stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// The scenario as given.
    Base,
    /// The input at its low end, or a bisection step on that side.
    Low,
    /// The input at its high end, or a bisection step on that side.
    High,
}

impl End {
    /// Its name in `sensitivity.csv`.
    pub fn name(self) -> &'static str {
        match self {
            End::Base => "base",
            End::Low => "low",
            End::High => "high",
        }
    }
}

/// The results at one point.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// The input's value (the scenario's at the base).
    pub value: f64,
    /// Per strategy and priority metric: the runs the mean is over, and the mean.
    pub means: Vec<Vec<(u64, f64)>>,
    /// The bottom line there.
    pub line: BottomLine,
}

impl Point {
    /// The recommended strategy.
    pub fn pick(&self) -> usize {
        self.line.pick
    }
}

/// A change of recommendation on one side of an input.
#[derive(Clone, Debug, PartialEq)]
pub struct BreakEven {
    /// True on the side above the scenario's value.
    pub above: bool,
    /// The nearest value found that keeps the scenario's recommendation.
    pub inner: f64,
    /// The nearest value found that does not.
    pub outer: f64,
    /// The point at `outer`.
    pub at: Point,
    /// The bisection's points, in order.
    pub steps: Vec<Point>,
}

/// One input's results.
#[derive(Clone, Debug, PartialEq)]
pub struct SwingResult {
    pub swing: Swing,
    pub low: Point,
    pub high: Point,
    /// The changes found: on the low side, then the high side.
    pub breaks: Vec<(End, BreakEven)>,
}

/// A sensitivity study's results.
#[derive(Clone, Debug, PartialEq)]
pub struct Sensitivity {
    pub strategies: Vec<String>,
    /// The priorities' metrics that apply, most important first.
    pub metrics: Vec<&'static Metric>,
    /// Replications per strategy at each point.
    pub runs: u64,
    /// Bisection steps.
    pub steps: u32,
    /// The scenario as given.
    pub base: Point,
    /// Each input swung, in [`Input::ALL`] order.
    pub swings: Vec<SwingResult>,
    /// The inputs not swung, and why.
    pub skipped: Vec<(Input, String)>,
}

/// What a study costs, in simulations (one replication of one strategy).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cost {
    /// The scenario and both ends of each input.
    pub points: u64,
    pub strategies: u64,
    pub runs: u64,
    pub steps: u32,
}

impl Cost {
    /// Simulations before any bisection.
    pub fn simulations(&self) -> u64 {
        self.points * self.strategies * self.runs
    }

    /// Simulations of the bisection towards one break-even.
    pub fn per_change(&self) -> u64 {
        self.steps as u64 * self.strategies * self.runs
    }

    /// The estimate in words, for the terminal.
    pub fn describe(&self) -> String {
        format!(
            "sensitivity: {} points × {} strategies × {} runs = {} simulations, and {} more ({} bisection steps) for each end that changes the recommendation",
            self.points,
            self.strategies,
            self.runs,
            thousands(self.simulations()),
            thousands(self.per_change()),
            self.steps
        )
    }
}

/// A checked sensitivity study of one scenario, ready to run.
#[derive(Clone, Debug)]
pub struct Plan {
    doc: toml::Table,
    file: String,
    name: String,
    strategies: Vec<String>,
    baseline: usize,
    seed: u64,
    runs: u64,
    steps: u32,
    swings: Vec<Swing>,
    skipped: Vec<(Input, String)>,
    /// The scenario's support and console rates.
    rates: (f64, f64),
    metrics: Vec<&'static Metric>,
}

impl Plan {
    /// Checks a study of `base` (the scenario `text`, from `file`): the
    /// compared `strategies` and the baseline of their paired differences,
    /// the seed, the runs per point (`[sensitivity] runs`, else
    /// [`DEFAULT_RUNS`], at most `most_runs`), and every end's scenario,
    /// before anything runs.
    pub fn new(
        text: &str,
        file: &str,
        base: &Scenario,
        strategies: &[String],
        baseline: usize,
        seed: u64,
        most_runs: u64,
    ) -> Result<Plan, Error> {
        let doc: toml::Table = toml::from_str(text).map_err(|e| Error::Input(format!("{file}: {e}")))?;
        let runbooks: Vec<&Runbook> = strategies
            .iter()
            .map(|n| base.strategy(n))
            .collect::<Result<_, _>>()
            .map_err(Error::Input)?;
        let (swings, skipped) = swings(base, &runbooks);
        let mut plan = Plan {
            doc,
            file: file.to_string(),
            name: base.name.clone(),
            strategies: strategies.to_vec(),
            baseline,
            seed,
            runs: base.sensitivity.runs.unwrap_or(DEFAULT_RUNS).min(most_runs.max(1)),
            steps: base.sensitivity.steps.unwrap_or(DEFAULT_STEPS),
            swings,
            skipped,
            rates: (base.workload.support.rate_per_hour, base.workload.console.rate_per_hour),
            metrics: priority_metrics(base),
        };
        // Every end is a valid scenario: a range the scenario states is
        // refused when it is not; a default one leaves the input out.
        let mut kept = Vec::new();
        for sw in std::mem::take(&mut plan.swings) {
            let mut refused = None;
            for (end, value) in [("low", sw.low), ("high", sw.high)] {
                if let Err(e) = plan.scenario(sw.input, value) {
                    if sw.stated {
                        return Err(Error::Input(format!(
                            "sensitivity: the {end} end of {} ({}, from [sensitivity]) makes an invalid scenario:\n{e}",
                            sw.input.key(),
                            input_value(sw.input.kind(), value),
                        )));
                    }
                    let first = e.lines().next().unwrap_or_default();
                    let problem = first.split_once(": ").map_or(first, |(_, p)| p);
                    refused.get_or_insert(format!(
                        "its default {end} end, {}, is not a valid scenario ({problem}); `[sensitivity]` can give it a range",
                        input_value(sw.input.kind(), value)
                    ));
                }
            }
            match refused {
                Some(why) => plan.skipped.push((sw.input, why)),
                None => kept.push(sw),
            }
        }
        plan.swings = kept;
        plan.skipped.sort_by_key(|(i, _)| *i);
        Ok(plan)
    }

    /// Replications per strategy at each point.
    pub fn runs(&self) -> u64 {
        self.runs
    }

    /// Bisection steps towards each break-even.
    pub fn steps(&self) -> u32 {
        self.steps
    }

    /// The inputs swung.
    pub fn swings(&self) -> &[Swing] {
        &self.swings
    }

    /// The inputs not swung, and why.
    pub fn skipped(&self) -> &[(Input, String)] {
        &self.skipped
    }

    /// What the study costs before any bisection, and per break-even.
    pub fn cost(&self) -> Cost {
        Cost {
            points: 1 + 2 * self.swings.len() as u64,
            strategies: self.strategies.len() as u64,
            runs: self.runs,
            steps: self.steps,
        }
    }

    /// The scenario with `input` at `value`, validated; its errors name the
    /// input and the value.
    pub fn scenario(&self, input: Input, value: f64) -> Result<Scenario, String> {
        let mut d = self.doc.clone();
        let duration = |v: f64| toml::Value::String(SimDuration::from_ms_f64(v).to_string());
        let mut set = |path: &str, v: toml::Value| set_path(&mut d, path, v).map_err(|e| format!("{path}: {e}"));
        match input {
            Input::DataGb => set("site.data_gb", toml::Value::Float(value))?,
            Input::Interim => set("calendar.interim", duration(value))?,
            Input::DnsTtl => set("network.dns_ttl", duration(value))?,
            Input::UpgradeFailure => set("faults.upgrade_failure", toml::Value::Float(value))?,
            Input::Mtbf => set("faults.mtbf", duration(value))?,
            Input::Workload => {
                for (path, rate) in [
                    ("workload.support.rate_per_hour", self.rates.0),
                    ("workload.console.rate_per_hour", self.rates.1),
                ] {
                    if rate > 0.0 {
                        set(path, toml::Value::Float(rate * value))?;
                    }
                }
            }
        }
        let text = toml::to_string(&d).map_err(|e| format!("serialise the scenario: {e}"))?;
        let label = format!(
            "{} with {} = {}",
            self.file,
            input.key(),
            input_value(input.kind(), value)
        );
        // The lines would be those of the text made here, not of the file.
        Scenario::parse(&text, &label, &self.name).map_err(|e| {
            let problems: Vec<String> = e.problems.iter().map(|p| format!("{}: {p}", e.file)).collect();
            problems.join("\n")
        })
    }

    /// Runs every strategy at each of `scs` (replications `0..runs` each)
    /// and judges each point; `None` when `stop` was set.
    fn run_points(
        &self,
        scs: &[(f64, Scenario)],
        workers: usize,
        stop: &AtomicBool,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Option<Vec<Point>>, Error> {
        let runbooks: Vec<Vec<&Runbook>> = scs
            .iter()
            .map(|(_, sc)| self.strategies.iter().map(|n| sc.strategy(n)).collect())
            .collect::<Result<_, _>>()
            .map_err(Error::Input)?;
        let r = self.runs;
        let mut aggs: Vec<Aggregator> = scs
            .iter()
            .map(|(_, sc)| Aggregator::new(self.strategies.clone(), self.baseline, &sc.thresholds))
            .collect();
        let work = |u: u64| {
            let p = (u / r) as usize;
            replication(&scs[p].1, &runbooks[p], self.seed, u % r, stop).map(|rep| (p, rep))
        };
        let done = stream_ordered(
            0..scs.len() as u64 * r,
            workers,
            stop,
            &work,
            |(p, rep): (usize, Replication)| {
                aggs[p].push(&rep.values);
                progress(1);
                Ok::<(), std::convert::Infallible>(())
            },
        );
        let Ok(()) = done;
        if stop.load(Ordering::SeqCst) {
            return Ok(None);
        }
        Ok(Some(
            scs.iter()
                .zip(&aggs)
                .map(|((value, sc), agg)| self.point(*value, sc, agg))
                .collect(),
        ))
    }

    fn point(&self, value: f64, sc: &Scenario, agg: &Aggregator) -> Point {
        let rows = decision_rows(agg);
        let line = judge(sc, agg, &rows);
        let means = self
            .strategies
            .iter()
            .map(|s| {
                self.metrics
                    .iter()
                    .map(|m| {
                        rows.iter()
                            .find(|r| &r.strategy == s && r.metric == m.name)
                            .map_or((0, f64::NAN), |r| (r.n, r.mean))
                    })
                    .collect()
            })
            .collect();
        Point { value, means, line }
    }

    /// Runs the study of `base` (the scenario this plan was made from) on
    /// `workers` threads; `progress(done, planned)` hears of every
    /// replication (of every strategy at one point) and of the planned
    /// total. `None` when `stop` was set.
    pub fn run(
        &self,
        base: &Scenario,
        workers: usize,
        stop: &AtomicBool,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Option<Sensitivity>, Error> {
        let per_point = self.runs;
        let mut done = 0u64;
        // The base, and both ends of each input (an end at the scenario's
        // own value is the base itself).
        let mut scs = vec![(f64::NAN, base.clone())];
        let mut at = Vec::new();
        for sw in &self.swings {
            let mut pair = [0usize; 2];
            for (k, value) in [sw.low, sw.high].into_iter().enumerate() {
                if value == sw.base {
                    continue;
                }
                pair[k] = scs.len();
                scs.push((value, self.scenario(sw.input, value).map_err(Error::Input)?));
            }
            at.push(pair);
        }
        let mut planned = scs.len() as u64 * per_point;
        progress(done, planned);
        let points = {
            let mut tick = |n: u64| {
                done += n;
                progress(done, planned);
            };
            self.run_points(&scs, workers, stop, &mut tick)?
        };
        let Some(points) = points else {
            return Ok(None);
        };
        let base_point = points[0].clone();
        let pick = base_point.pick();
        let mut results: Vec<SwingResult> = Vec::new();
        for (sw, pair) in self.swings.iter().zip(&at) {
            let end = |k: usize, value: f64| {
                let mut p = points[pair[k]].clone();
                p.value = value;
                p
            };
            results.push(SwingResult {
                swing: sw.clone(),
                low: end(0, sw.low),
                high: end(1, sw.high),
                breaks: Vec::new(),
            });
        }
        // Each end whose recommendation differs: bisection towards the base.
        struct Side {
            swing: usize,
            end: End,
            inner: f64,
            outer: f64,
            at: Point,
            steps: Vec<Point>,
        }
        let mut sides: Vec<Side> = Vec::new();
        for (i, r) in results.iter().enumerate() {
            for (end, p) in [(End::Low, &r.low), (End::High, &r.high)] {
                if p.pick() != pick {
                    sides.push(Side {
                        swing: i,
                        end,
                        inner: r.swing.base,
                        outer: p.value,
                        at: p.clone(),
                        steps: Vec::new(),
                    });
                }
            }
        }
        planned = done + sides.len() as u64 * self.steps as u64 * per_point;
        progress(done, planned);
        for round in 0..self.steps {
            let mut mids = Vec::new();
            for (k, s) in sides.iter().enumerate() {
                let input = self.swings[s.swing].input;
                let m = midpoint(input.kind(), s.inner, s.outer);
                if m != s.inner && m != s.outer {
                    mids.push((k, m, self.scenario(input, m).map_err(Error::Input)?));
                }
            }
            if mids.is_empty() {
                break;
            }
            // What is left: these sides for the rounds to come (a side whose
            // values can be split no further drops out).
            planned = done + mids.len() as u64 * per_point * (self.steps - round) as u64;
            let scs: Vec<(f64, Scenario)> = mids.iter().map(|(_, m, sc)| (*m, sc.clone())).collect();
            let points = {
                let mut tick = |n: u64| {
                    done += n;
                    progress(done, planned);
                };
                self.run_points(&scs, workers, stop, &mut tick)?
            };
            let Some(points) = points else {
                return Ok(None);
            };
            for ((k, m, _), p) in mids.into_iter().zip(points) {
                let s = &mut sides[k];
                if p.pick() == pick {
                    s.inner = m;
                } else {
                    s.outer = m;
                    s.at = p.clone();
                }
                s.steps.push(p);
            }
        }
        if planned != done {
            progress(done, done);
        }
        for s in sides {
            results[s.swing].breaks.push((
                s.end,
                BreakEven {
                    above: s.outer > s.inner,
                    inner: s.inner,
                    outer: s.outer,
                    at: s.at,
                    steps: s.steps,
                },
            ));
        }
        let mut base_point = base_point;
        base_point.value = f64::NAN;
        Ok(Some(Sensitivity {
            strategies: self.strategies.clone(),
            metrics: self.metrics.clone(),
            runs: self.runs,
            steps: self.steps,
            base: base_point,
            swings: results,
            skipped: self.skipped.clone(),
        }))
    }
}

/// The unit of an input's values in `sensitivity.csv`.
fn csv_unit(kind: Kind) -> &'static str {
    match kind {
        Kind::Gb => "GB",
        Kind::Duration => "s",
        Kind::Probability => "probability",
        Kind::Factor => "factor",
    }
}

/// A value as `sensitivity.csv` writes it: durations in seconds with
/// three decimals, like every `_s` column.
fn csv_value(kind: Kind, x: f64) -> String {
    match kind {
        Kind::Duration => fmt_secs(SimDuration::from_ms_f64(x).0),
        _ => num(x),
    }
}

impl Sensitivity {
    /// The header of `sensitivity.csv`.
    pub fn header() -> [&'static str; 10] {
        [
            "input",
            "unit",
            "end",
            "step",
            "value",
            "strategy",
            "metric",
            "n",
            "mean",
            "recommended",
        ]
    }

    /// The rows of `sensitivity.csv`: for each input, the scenario as
    /// given (`base`), the low and the high end (step 0), then each
    /// bisection step; at each point, one row per strategy and priority
    /// metric, `recommended` 1 for the strategy recommended there.
    pub fn rows(&self) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        for r in &self.swings {
            let input = r.swing.input;
            let mut point = |end: End, step: usize, value: f64, p: &Point| {
                for (s, name) in self.strategies.iter().enumerate() {
                    for (k, m) in self.metrics.iter().enumerate() {
                        let (n, mean) = p.means[s][k];
                        out.push(vec![
                            input.key().to_string(),
                            csv_unit(input.kind()).to_string(),
                            end.name().to_string(),
                            step.to_string(),
                            csv_value(input.kind(), value),
                            name.clone(),
                            m.name.to_string(),
                            n.to_string(),
                            num(mean),
                            u8::from(p.pick() == s).to_string(),
                        ]);
                    }
                }
            };
            point(End::Base, 0, r.swing.base, &self.base);
            point(End::Low, 0, r.swing.low, &r.low);
            point(End::High, 0, r.swing.high, &r.high);
            for (end, b) in &r.breaks {
                for (k, p) in b.steps.iter().enumerate() {
                    point(*end, k + 1, p.value, p);
                }
            }
        }
        out
    }

    /// The first priority: the tornado's metric.
    pub fn metric(&self) -> &'static Metric {
        self.metrics[0]
    }

    /// The file stem of the tornado chart: `sensitivity-<metric>`.
    pub fn chart_name(&self) -> String {
        format!("sensitivity-{}", self.metric().name)
    }

    /// The first priority's mean for strategy `s` at `p`.
    fn first(&self, p: &Point, s: usize) -> f64 {
        p.means[s][0].1
    }

    /// The inputs, widest swing of the recommended strategy's first
    /// priority first (ties in [`Input::ALL`] order).
    fn ordered(&self) -> Vec<&SwingResult> {
        let s = self.base.pick();
        let base = self.first(&self.base, s);
        let width = |r: &SwingResult| {
            let (a, b) = (self.first(&r.low, s), self.first(&r.high, s));
            let w = a.max(b).max(base) - a.min(b).min(base);
            if w.is_finite() { w } else { 0.0 }
        };
        let mut out: Vec<&SwingResult> = self.swings.iter().collect();
        out.sort_by(|a, b| width(b).total_cmp(&width(a)));
        out
    }

    /// The priority on which the recommendation at `p` beats the
    /// scenario's: the first that leaves the scenario's out.
    fn decided_by(&self, p: &Point) -> Option<&'static str> {
        let base = self.base.pick();
        p.line
            .steps
            .iter()
            .find(|st| st.before.contains(&base) && !st.kept.contains(&base))
            .map(|st| st.metric.words)
    }

    /// Where a change is said to be.
    fn at(input: Input, b: &BreakEven) -> f64 {
        midpoint(input.kind(), b.inner, b.outer)
    }

    /// The tornado chart of the first priority for the recommended strategy.
    pub fn tornado(&self) -> Tornado {
        let s = self.base.pick();
        let metric = self.metric();
        let bars = self
            .ordered()
            .into_iter()
            .map(|r| TornadoBar {
                input: r.swing.input,
                values: (r.swing.low, r.swing.high, r.swing.base),
                means: (self.first(&r.low, s), self.first(&r.high, s)),
                flips: r
                    .breaks
                    .iter()
                    .map(|(_, b)| {
                        (
                            self.first(&b.at, s),
                            b.above,
                            format!(
                                "{} {} about {}",
                                self.strategies[b.at.pick()],
                                if b.above { "above" } else { "below" },
                                input_value(r.swing.input.kind(), Self::at(r.swing.input, b))
                            ),
                        )
                    })
                    .collect(),
            })
            .collect();
        Tornado {
            title: format!(
                "{} of {}, each input swung alone ({} runs per point)",
                capitalised(metric.words),
                self.strategies[s],
                self.runs
            ),
            metric: metric.name.to_string(),
            strategy: self.strategies[s].clone(),
            base: self.first(&self.base, s),
            bars,
        }
    }

    /// What the study found, for the report's section and the terminal.
    pub fn findings(&self) -> Findings {
        let mut changes = Vec::new();
        let mut steady = Vec::new();
        for r in self.ordered() {
            let input = r.swing.input;
            for (_, b) in &r.breaks {
                changes.push(Change {
                    input,
                    above: b.above,
                    inner: b.inner,
                    outer: b.outer,
                    at: Self::at(input, b),
                    pick: self.strategies[b.at.pick()].clone(),
                    on: self.decided_by(&b.at),
                });
            }
            if r.breaks.is_empty() {
                steady.push(Steady {
                    input,
                    low: r.swing.low,
                    high: r.swing.high,
                });
            }
        }
        Findings {
            metric: self.metric().name,
            pick: self.strategies[self.base.pick()].clone(),
            strategies: self.strategies.len(),
            runs: self.runs,
            steps: self.steps,
            changes,
            steady,
            skipped: self.skipped.clone(),
            chart: self.chart_name(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runbooks(sc: &Scenario) -> Vec<&Runbook> {
        sc.runbooks.iter().collect()
    }

    #[test]
    fn the_default_scenario_swings_every_input_around_its_own_values() {
        let sc = Scenario::default_scenario();
        let (sw, skipped) = swings(&sc, &runbooks(&sc));
        assert!(skipped.is_empty(), "{skipped:?}");
        let h = 3_600_000.0;
        let want = [
            (Input::DataGb, 200.0, 100.0, 400.0),
            (Input::Interim, 24.0 * h, 12.0 * h, 48.0 * h),
            (Input::DnsTtl, 60_000.0, 20_000.0, 24.0 * h),
            (Input::UpgradeFailure, 0.0, 0.0, 0.3),
            (Input::Mtbf, 8760.0 * h, 4380.0 * h, 17_520.0 * h),
            (Input::Workload, 1.0, 0.5, 2.0),
        ];
        let got: Vec<(Input, f64, f64, f64)> = sw.iter().map(|s| (s.input, s.base, s.low, s.high)).collect();
        assert_eq!(got, want);
        assert!(sw.iter().all(|s| !s.stated));
    }

    #[test]
    fn inputs_the_site_or_the_strategies_do_not_use_are_skipped() {
        let sc = Scenario::default_scenario();
        // Without the DNS swing, the TTL changes nothing.
        let no_dns: Vec<&Runbook> = sc.runbooks.iter().filter(|r| r.name != "failover-async-dns").collect();
        let (sw, skipped) = swings(&sc, &no_dns);
        assert_eq!(
            skipped,
            [(Input::DnsTtl, "no compared strategy swings DNS".to_string())]
        );
        assert_eq!(sw.len(), 5);
        // The one-night upgrade alone has no interim either.
        let one: Vec<&Runbook> = sc
            .runbooks
            .iter()
            .filter(|r| r.name == "failover-sync-one-window")
            .collect();
        let (_, skipped) = swings(&sc, &one);
        let names: Vec<Input> = skipped.iter().map(|s| s.0).collect();
        assert_eq!(names, [Input::Interim, Input::DnsTtl]);
        // A single appliance without crashes: no interim, no DNS, no MTBF.
        let single = Scenario::parse("[site]\nkind = \"single\"\n", "s.toml", "s").unwrap();
        let (sw, skipped) = swings(&single, &runbooks(&single));
        let names: Vec<Input> = skipped.iter().map(|s| s.0).collect();
        assert_eq!(names, [Input::Interim, Input::DnsTtl, Input::Mtbf]);
        let swung: Vec<Input> = sw.iter().map(|s| s.input).collect();
        assert_eq!(swung, [Input::DataGb, Input::UpgradeFailure, Input::Workload]);
        // A pod: only the workload.
        let pod = Scenario::parse("[site]\nkind = \"pod\"\n", "p.toml", "p").unwrap();
        let (sw, _) = swings(&pod, &runbooks(&pod));
        let swung: Vec<Input> = sw.iter().map(|s| s.input).collect();
        assert_eq!(swung, [Input::Workload]);
    }

    #[test]
    fn a_scenario_sets_its_own_ranges_and_turns_inputs_off() {
        let text = format!(
            "{}\n[sensitivity]\nruns = 7\nsteps = 2\ninputs = {{ \"site.data_gb\" = [50, 800], \"network.dns_ttl\" = false, \"calendar.interim\" = [\"0s\", \"3d\"] }}\n",
            crate::scenario::DEFAULT_TOML
        );
        let sc = Scenario::parse(&text, "x.toml", "x").unwrap();
        let (sw, skipped) = swings(&sc, &runbooks(&sc));
        assert_eq!(skipped, [(Input::DnsTtl, "turned off in `[sensitivity]`".to_string())]);
        assert_eq!(
            (sw[0].input, sw[0].low, sw[0].high, sw[0].stated),
            (Input::DataGb, 50.0, 800.0, true)
        );
        assert_eq!(
            (sw[1].input, sw[1].low, sw[1].high),
            (Input::Interim, 0.0, 3.0 * 86_400_000.0)
        );
        assert!(!sw[2].stated);
        let names: Vec<String> = sc.strategies.clone();
        let plan = Plan::new(&text, "x.toml", &sc, &names, 0, 1, 1000).unwrap();
        assert_eq!((plan.runs(), plan.steps()), (7, 2));
        // The comparison's runs bound them.
        assert_eq!(Plan::new(&text, "x.toml", &sc, &names, 0, 1, 5).unwrap().runs(), 5);
        // An end is a scenario with the field set.
        let s = plan.scenario(Input::Interim, 3.0 * 86_400_000.0).unwrap();
        assert_eq!(s.interim, SimDuration::from_hours(72));
        let s = plan.scenario(Input::Workload, 2.0).unwrap();
        assert_eq!(
            (s.workload.support.rate_per_hour, s.workload.console.rate_per_hour),
            (60.0, 4.0)
        );
        // Defaults and a zero base.
        assert_eq!(default_range(Input::DataGb, 0.0), (0.0, NO_DATA_HIGH_GB));
        assert_eq!(default_range(Input::Interim, 0.0), (0.0, NO_INTERIM_HIGH_MS));
        assert_eq!(default_range(Input::UpgradeFailure, 0.4), (0.0, 0.8));
        assert_eq!(default_range(Input::DnsTtl, 5_000.0), (5_000.0, DNS_TTL_MS.1));
    }

    #[test]
    fn an_end_that_makes_an_invalid_scenario_is_refused_or_left_out_before_anything_runs() {
        // Crashes on a pair: an MTBF of a minute per node is refused.
        let text = format!(
            "{}\n[sensitivity]\ninputs = {{ \"faults.mtbf\" = [\"1m\", \"1d\"] }}\n",
            crate::scenario::DEFAULT_TOML.replace("[faults]\n", "[faults]\ncrashes = true\n")
        );
        let sc = Scenario::parse(&text, "x.toml", "x").unwrap();
        let e = Plan::new(&text, "x.toml", &sc, &sc.strategies, 0, 1, 1000).unwrap_err();
        let Error::Input(m) = e else { panic!("{e:?}") };
        assert!(
            m.starts_with(
                "sensitivity: the low end of faults.mtbf (60 s, from [sensitivity]) makes an invalid scenario:"
            ),
            "{m}"
        );
        assert!(
            m.contains("\nx.toml with faults.mtbf = 60 s: faults.mtbf: 1m per node on 2 nodes"),
            "{m}"
        );
        // A default end the scenario refuses leaves the input out, saying why.
        let text = crate::scenario::DEFAULT_TOML.replace("mtbf = \"8760h\"", "crashes = true\nmtbf = \"3m\"");
        let sc = Scenario::parse(&text, "x.toml", "x").unwrap();
        let plan = Plan::new(&text, "x.toml", &sc, &sc.strategies, 0, 1, 1000).unwrap();
        assert!(plan.swings().iter().all(|s| s.input != Input::Mtbf));
        assert_eq!(plan.skipped().len(), 1);
        let (input, why) = &plan.skipped()[0];
        assert_eq!(*input, Input::Mtbf);
        assert!(
            why.starts_with(
                "its default low end, 90 s, is not a valid scenario (faults.mtbf: 1m30s per node on 2 nodes"
            ),
            "{why}"
        );
    }

    #[test]
    fn midpoints_are_geometric_for_scales_and_arithmetic_for_probabilities() {
        assert_eq!(midpoint(Kind::Gb, 100.0, 400.0), 200.0);
        assert_eq!(midpoint(Kind::Gb, 0.0, 100.0), 50.0);
        assert_eq!(midpoint(Kind::Probability, 0.0, 0.3), 0.15);
        assert_eq!(midpoint(Kind::Duration, 1000.0, 2000.0), 1414.0);
        assert_eq!(midpoint(Kind::Factor, 0.5, 2.0), 1.0);
    }

    #[test]
    fn the_recommendation_is_the_reports_bottom_line() {
        let sc = Scenario::default_scenario();
        let rbs = runbooks(&sc);
        let names: Vec<String> = rbs.iter().map(|r| r.name.clone()).collect();
        let mut agg = Aggregator::new(names.clone(), 0, &sc.thresholds);
        for rep in crate::montecarlo::run_range(&sc, &rbs, 1, 0..60) {
            agg.push(&rep.values);
        }
        let pick = &names[recommend(&sc, &agg).pick];
        let text = crate::report::page::bottom_line_for(&sc, &agg);
        assert!(text.starts_with(&format!("**Recommended: {pick}.**")), "{pick}: {text}");
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        let text = format!(
            "{}\n[sensitivity]\nsteps = 2\ninputs = {{ \"faults.upgrade_failure\" = [0, 0.6] }}\n",
            crate::scenario::DEFAULT_TOML
        );
        let sc = Scenario::parse(&text, "x.toml", "x").unwrap();
        let plan = Plan::new(&text, "x.toml", &sc, &sc.strategies, 0, 3, 12).unwrap();
        let never = AtomicBool::new(false);
        let mut last = (0, 0);
        let one = plan.run(&sc, 1, &never, &mut |d, p| last = (d, p)).unwrap().unwrap();
        assert_eq!(last.0, last.1, "every planned simulation done: {last:?}");
        for workers in [2, 3] {
            let other = plan.run(&sc, workers, &never, &mut |_, _| {}).unwrap().unwrap();
            assert_eq!(other.rows(), one.rows(), "{workers} workers");
            assert_eq!(other.findings(), one.findings());
        }
        // Rows: per input, the base, both ends and each bisection step, one
        // row per strategy and priority metric.
        let per_point = sc.strategies.len() * one.metrics.len();
        let steps: usize = one.swings.iter().flat_map(|r| &r.breaks).map(|b| b.1.steps.len()).sum();
        assert_eq!(one.rows().len(), (3 * one.swings.len() + steps) * per_point);
        // A stop ends the study with nothing.
        let stop = AtomicBool::new(true);
        assert_eq!(plan.run(&sc, 2, &stop, &mut |_, _| {}).unwrap(), None);
    }
}
