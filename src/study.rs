//! Monte-Carlo studies before and between their files: what the user asked
//! for, checked and turned into settings, and the rules a study follows.
//!
//! - [`ci`]: the precision target of `--ci-target` and its stop rule.
//! - [`shard`]: `--shard K/N` and the replications a shard holds.
//! - [`merge`]: the checks that shards belong to one study.
//! - [`sweep`]: `--set` values, the grid of a sweep, its points (each a
//!   validated scenario), its rows and its charts.
//! - [`progress`]: plain progress lines, at a bounded rate, for logs.
//! - [`sensitivity`]: one-at-a-time swings of the inputs that matter, and
//!   where the recommendation changes.
//! - [`pick`]: a typical and a bad run of each strategy, from the rows,
//!   with their outcome in one line.
//! - [`estimate`]: pilot replications, the estimate of a study's CPU time
//!   and output, and the limits beyond which it is refused.
//!
//! This module also picks the strategies of a study, bounds the run and
//! thread counts, and runs a study ([`run`]): replications in order, in
//! batches under a precision target. Nothing here touches a file; the
//! command line reads and writes them, and hands over the text of a
//! scenario and the flags as given. Messages name the flags they are about.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::montecarlo::{Aggregator, Replication, run_streaming};
use crate::rng::MAX_REPLICATIONS;
use crate::runbook::Runbook;
use crate::scenario::Scenario;

pub mod ci;
pub mod estimate;
pub mod merge;
pub mod pick;
pub mod progress;
pub mod sensitivity;
pub mod shard;
pub mod sweep;

/// Replications per strategy of a comparison when `--runs` is not given.
pub const DEFAULT_RUNS: u64 = 1000;

/// Most simulation workers `--threads` may ask for: far more than any
/// machine this runs on has cores, few enough that starting them is cheap.
pub const MAX_THREADS: usize = 1024;

/// Why a study cannot go on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// The user's input is wrong: a flag, a value, a scenario.
    Input(String),
    /// Something failed that is not the user's input.
    Internal(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Input(m) | Error::Internal(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

impl From<String> for Error {
    fn from(message: String) -> Error {
        Error::Input(message)
    }
}

/// The strategies to run (`--strategies`, else all the scenario enables) and
/// the index of the baseline (`--baseline`, else the first), checked against
/// the scenario.
pub fn pick_strategies<'a>(
    sc: &'a Scenario,
    names: Option<&[String]>,
    baseline: Option<&str>,
) -> Result<(Vec<&'a Runbook>, usize), String> {
    let names = names.unwrap_or(&sc.strategies);
    if names.is_empty() {
        return Err("--strategies is empty".into());
    }
    let mut runbooks = Vec::new();
    for n in names {
        if runbooks.iter().any(|r: &&Runbook| &r.name == n) {
            return Err(format!("--strategies lists {n:?} twice"));
        }
        runbooks.push(sc.strategy(n)?);
    }
    let baseline = match baseline {
        None => 0,
        Some(b) => names.iter().position(|n| n == b).ok_or_else(|| {
            format!(
                "--baseline {b:?} is not one of the compared strategies ({})",
                names.join(", ")
            )
        })?,
    };
    Ok((runbooks, baseline))
}

/// Refuses a run count of zero or past the random streams' space.
pub fn check_runs(flag: &str, runs: u64) -> Result<(), String> {
    if runs == 0 {
        return Err(format!("{flag} must be at least 1"));
    }
    if runs > MAX_REPLICATIONS {
        return Err(format!(
            "{flag} {runs}: at most {MAX_REPLICATIONS} (2^60) replications have random streams of their own"
        ));
    }
    Ok(())
}

/// The number of simulation workers: `--threads`, else `cores`.
pub fn workers(threads: Option<usize>, cores: usize) -> Result<usize, String> {
    match threads {
        Some(0) => Err("--threads must be at least 1".into()),
        Some(n) if n > MAX_THREADS => Err(format!("--threads {n}: at most {MAX_THREADS}")),
        Some(n) => Ok(n),
        None => Ok(cores.max(1)),
    }
}

/// The settings of a comparison, from its flags, checked.
#[derive(Clone, Debug, PartialEq)]
pub struct CompareSettings {
    /// Replications per strategy (under a precision target: the least).
    pub runs: u64,
    /// The shard to run, when split.
    pub shard: Option<shard::Shard>,
    /// The precision target, when given.
    pub target: Option<ci::CiTarget>,
}

/// The precision flags of a comparison, as given.
#[derive(Clone, Debug, PartialEq)]
pub struct CiFlags {
    /// `--ci-target REL`.
    pub target: Option<f64>,
    /// `--ci-metrics m,..`.
    pub metrics: Option<Vec<String>>,
    /// `--ci-abs metric=value,..`.
    pub abs: Option<Vec<String>>,
    /// `--max-runs N`.
    pub max_runs: u64,
}

impl Default for CiFlags {
    fn default() -> CiFlags {
        CiFlags {
            target: None,
            metrics: None,
            abs: None,
            max_runs: ci::DEFAULT_MAX_RUNS,
        }
    }
}

impl CompareSettings {
    /// Checks `--runs` (else [`DEFAULT_RUNS`], or [`ci::BATCH`] under a
    /// target), `--shard`, `--ci-target`, `--ci-metrics`, `--max-runs` and
    /// `--ci-abs`, in that order.
    pub fn new(runs: Option<u64>, ci: &CiFlags, shard: Option<&str>) -> Result<CompareSettings, String> {
        let runs = runs.unwrap_or(if ci.target.is_some() { ci::BATCH } else { DEFAULT_RUNS });
        check_runs("--runs", runs)?;
        let shard = shard.map(shard::Shard::parse).transpose()?;
        if let Some(s) = shard {
            s.check(runs)?;
        }
        let target = ci::CiTarget::from_flags(
            ci.target,
            ci.metrics.as_deref(),
            ci.abs.as_deref(),
            runs,
            ci.max_runs,
            shard.is_some(),
        )?;
        Ok(CompareSettings { runs, shard, target })
    }

    /// The replications this folder holds before any batch a target adds.
    pub fn range(&self) -> std::ops::Range<u64> {
        shard::replications(self.runs, self.shard)
    }
}

/// What a study runs: strategies of a scenario under a master seed.
pub struct Study<'a> {
    /// The scenario.
    pub sc: &'a Scenario,
    /// The strategies, in order.
    pub runbooks: Vec<&'a Runbook>,
    /// The master seed.
    pub seed: u64,
}

/// How a run of a study ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every replication planned was run (under a precision target: until
    /// it was met or the cap reached).
    Done,
    /// `stop` was set; the sink saw a prefix of the replications.
    Stopped,
}

/// Runs the replications of `batches` (one range, or batches until a
/// precision target is met: [`ci::Batches`]) on `workers` threads, and
/// hands each one, in replication order, to `sink` and then to `agg`.
/// `planned` hears the number of replications planned whenever a target
/// adds a batch. Setting `stop` ends the run after the replications in
/// progress.
pub fn run<E>(
    study: &Study,
    mut batches: ci::Batches,
    workers: usize,
    stop: &AtomicBool,
    agg: &mut Aggregator,
    mut planned: impl FnMut(u64),
    mut sink: impl FnMut(&Replication) -> Result<(), E>,
) -> Result<Outcome, E> {
    let mut known = batches.planned();
    while let Some(batch) = batches.next(agg) {
        if batches.planned() != known {
            known = batches.planned();
            planned(known);
        }
        // Workers take replications a few at a time, with no boundary to
        // wait at, while this thread hands them over in replication order.
        run_streaming(study.sc, &study.runbooks, study.seed, batch, workers, stop, |rep| {
            sink(&rep)?;
            agg.push(&rep.values);
            Ok(())
        })?;
        if stop.load(Ordering::SeqCst) {
            return Ok(Outcome::Stopped);
        }
    }
    Ok(Outcome::Done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strategies_and_baseline_are_checked_against_the_scenario() {
        let sc = Scenario::default_scenario();
        let (rbs, b) = pick_strategies(&sc, None, None).unwrap();
        assert_eq!(rbs.len(), sc.strategies.len());
        assert_eq!(b, 0);
        let names = vec!["failover-async-dns".to_string(), "failover-sync".to_string()];
        let (rbs, b) = pick_strategies(&sc, Some(&names), Some("failover-sync")).unwrap();
        assert_eq!((rbs[0].name.as_str(), b), ("failover-async-dns", 1));
        assert_eq!(
            pick_strategies(&sc, Some(&[]), None).unwrap_err(),
            "--strategies is empty"
        );
        let twice = vec!["failover-sync".to_string(), "failover-sync".to_string()];
        assert!(pick_strategies(&sc, Some(&twice), None).unwrap_err().contains("twice"));
        let err = pick_strategies(&sc, Some(&names), Some("single")).unwrap_err();
        assert!(err.starts_with("--baseline \"single\" is not one of"), "{err}");
        assert!(pick_strategies(&sc, Some(&["nope".to_string()]), None).is_err());
    }

    #[test]
    fn run_and_thread_counts_are_bounded() {
        assert!(check_runs("--runs", 0).is_err());
        assert!(check_runs("--runs", MAX_REPLICATIONS).is_ok());
        assert!(
            check_runs("--max-runs", MAX_REPLICATIONS + 1)
                .unwrap_err()
                .starts_with("--max-runs")
        );
        assert_eq!(workers(None, 6), Ok(6));
        assert_eq!(workers(Some(3), 6), Ok(3));
        assert!(workers(Some(0), 6).is_err());
        assert!(workers(Some(MAX_THREADS + 1), 6).is_err());
    }

    #[test]
    fn compare_settings_take_their_defaults_and_refuse_what_does_not_fit() {
        let flags = |target: Option<f64>, metrics: Option<&[String]>| CiFlags {
            target,
            metrics: metrics.map(|m| m.to_vec()),
            ..CiFlags::default()
        };
        let s = CompareSettings::new(None, &flags(None, None), None).unwrap();
        assert_eq!(
            (s.runs, s.range(), s.shard, s.target),
            (DEFAULT_RUNS, 0..DEFAULT_RUNS, None, None)
        );
        let s = CompareSettings::new(None, &flags(Some(0.1), None), None).unwrap();
        assert_eq!((s.runs, s.target.unwrap().max_runs), (ci::BATCH, ci::DEFAULT_MAX_RUNS));
        let s = CompareSettings::new(Some(90), &flags(None, None), Some("2/3")).unwrap();
        assert_eq!(s.range(), 30..60);
        for (runs, target, metrics, shard, want) in [
            (Some(0), None, None, None, "--runs must be at least 1"),
            (
                Some(2),
                None,
                None,
                Some("3/3"),
                "--shard: 3 shards for 2 runs leaves some empty",
            ),
            (None, None, None, Some("4/3"), "--shard \"4/3\": expected K/N"),
            (None, None, Some(&[][..]), None, "--ci-metrics needs --ci-target"),
            (
                None,
                Some(0.1),
                None,
                Some("1/2"),
                "--ci-target cannot be combined with --shard",
            ),
        ] {
            let e = CompareSettings::new(runs, &flags(target, metrics), shard).unwrap_err();
            assert!(e.starts_with(want), "{e}");
        }
    }

    #[test]
    fn a_run_hands_over_every_replication_in_order_and_stops_on_request() {
        let sc = Scenario::default_scenario();
        let study = Study {
            sc: &sc,
            runbooks: sc.runbooks.iter().take(2).collect(),
            seed: 3,
        };
        let names: Vec<String> = study.runbooks.iter().map(|r| r.name.clone()).collect();
        let never = AtomicBool::new(false);
        let mut agg = Aggregator::new(names.clone(), 0, &[]);
        let mut seen = Vec::new();
        let out = run(
            &study,
            ci::Batches::new(5..25, None),
            2,
            &never,
            &mut agg,
            |_| {},
            |rep| {
                seen.push(rep.index);
                Ok::<(), ()>(())
            },
        );
        assert_eq!(out, Ok(Outcome::Done));
        assert_eq!(seen, (5..25).collect::<Vec<_>>());
        assert_eq!(agg.replications(), 20);
        // A stop set from the sink ends the run with what came before.
        let stop = AtomicBool::new(false);
        let mut agg = Aggregator::new(names, 0, &[]);
        let out = run(
            &study,
            ci::Batches::new(0..1000, None),
            1,
            &stop,
            &mut agg,
            |_| {},
            |rep| {
                if rep.index == 9 {
                    stop.store(true, Ordering::SeqCst);
                }
                Ok::<(), ()>(())
            },
        );
        assert_eq!((out, agg.replications()), (Ok(Outcome::Stopped), 10));
    }
}
