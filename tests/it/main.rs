//! The integration tests, one binary (faster to link than one per file).
//!
//! - `runbooks`: each built-in runbook's metrics against values computed by
//!   hand from constant durations.
//! - `theory`: the model against closed-form results (Poisson counts).
//! - `bad_inputs`: every broken scenario in `tests/data/bad/` is refused by
//!   `validate` and `run` with exit code 2 and the message its file expects.
//! - `cli`: the command line: outputs, determinism, bad input and exit codes.
//! - `strategies`: properties of the default scenario the README relies on.
//! - `cluster`: Atlas clusters and blue-green pods by hand, drains, Erlang B.
//! - `faults`: crashes against theory, failed upgrades, syncs and prechecks.
//! - `fit`: `fit-workload` recovers known parameters (UTC and across a
//!   daylight-saving change), refuses bad exports by line, and writes a
//!   `[workload]` a scenario accepts.
//! - `props`: property tests over 1,000 generated scenarios.
//! - `golden`: events.csv and metrics.csv of every shipped scenario and
//!   strategy, and two small comparisons and a report, byte for byte
//!   against `tests/data/golden/`.
//! - `messages`: every mistake of a file in one run, with suggestions.
//! - `templates`: `cutover new` writes templates that validate and compare.
//! - `docs`: the book's tables (metrics, campaign metrics, scenario fields) against the library's, its links, the README's length.
//! - `fuzz`: a bounded mutation fuzzer over parsing, validation, runbooks
//!   and short runs; no input may panic.
//! - `io_boundary`: no file, environment or clock access outside the
//!   command line.
//! - `architecture`: the module graph of `src/` has no cycle; the site
//!   types sit below the scenario and the runbooks; the simulation, the
//!   reports and Monte Carlo never reach the command line.
//! - `charts`: every chart kind from fixed data; the change-board report.
//! - `timeline`: the timeline against the run's event log: a pod's cutover
//!   on its day, the faults of a fault-heavy study in their own states and
//!   never in a break, labels on their own segment, days on the axis.
//! - `fleet_report`: the campaign Gantt, the sites without failover, how
//!   each plan's runs ended day by day, and the fleet report's bottom line,
//!   table of stops and strategies per plan.
//! - `report`: the report's text: intervals, the bottom line, tails, risk
//!   classes, faults, each site kind's story, the printed table's ties.
//! - `study`: Monte-Carlo studies: determinism across threads and shards,
//!   common random numbers, precision targets, sweeps, bad flags, Ctrl-C.
//! - `sensitivity`: what would change the decision: a break-even computed
//!   by hand and found by bisection, the tornado chart, the default
//!   report's section, `sensitivity.csv`, thread counts, refused ends.
//! - `safety`: output folders cutover did not write, commits stopped at
//!   every point, two writers on one folder, endless and special input
//!   files, tampered shards, hand-edited manifests, caps.
//! - `technicians`: each technician's console updates once after the
//!   upgrade; the cost does not depend on the run's length; the default
//!   number of technicians.
//! - `placement`: each site of a wave in its earliest window, by hand,
//!   and forty pairs in three zones as long however the file lists them.
//! - `version`: the version's defect in a fleet: canaries find it by the
//!   exponential law, every site or none carries it, the stop keeps later
//!   waves off it, the fix resumes the campaign.
//! - `optimise`: the plan `cutover optimise` finds on a space whose best
//!   plan is known by construction, against the exhaustive evaluation;
//!   constraints that move the answer or that no plan meets; the same
//!   files at any thread count.
//! - `inject`: faults at a chosen step, by hand; a run that goes on until
//!   the site is whole; the Atlas runbook's final sync, its roles when an
//!   appliance is down, and a backup on another version.
//! - `pods`: Horizon pods as their administrators see them: users back when
//!   they next work, the preferred window in UTC, a pod left unsupported,
//!   the hour of a missed slot, lost work in a fleet's tables.
//! - `preparation`: the preparation before the first window, a rehearsal
//!   that catches failures, pre-staged consoles and Jump Clients at the
//!   appliance's throttle, from events.csv and by hand.
//! - `pod_plans`: a pod's emergency, a slot moved through support, unmet
//!   preconditions (fixed, unsupported, locks at the slot), agents and
//!   Radius after the update, a failed validation's fall-back to blue.
//! - `after_switch`: locked-down consoles waiting for the old MSI after a
//!   fall-back to the old version, integrations configured by IP missing
//!   data from a DNS or NAT swing until re-pointed, from events.csv and by
//!   hand.
//! - `limits`: no valid input crashes, exhausts memory or runs without
//!   bound; bad input stays cheap to refuse however much of it there is.

mod after_switch;
mod architecture;
mod bad_inputs;
mod calendar;
mod charts;
mod cli;
mod cluster;
mod defects;
mod docs;
mod estimate;
mod faults;
mod fit;
mod fleet;
mod fleet_report;
mod fuzz;
mod golden;
mod inject;
mod io_boundary;
mod limits;
mod logged;
mod messages;
mod operators;
mod optimise;
mod placement;
mod pod_plans;
mod pods;
mod preparation;
mod props;
mod report;
mod runbooks;
mod safety;
mod sensitivity;
mod strategies;
mod study;
mod summary;
mod technicians;
mod templates;
mod theory;
mod timeline;
mod version;

use cutover::metrics::Metrics;
use cutover::scenario::Scenario;
use cutover::sim::{RunOptions, simulate};

/// Parses a scenario from text, panicking with the error list when invalid.
pub fn scenario(text: &str) -> Scenario {
    Scenario::parse(text, "test.toml", "test").unwrap_or_else(|e| panic!("{e}"))
}

/// The text of the shipped scenario file `name` (`single.toml`).
pub fn shipped(name: &str) -> String {
    let path = format!("{}/scenarios/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `text` with `line` added after the line `after` (which must be there).
pub fn with(text: &str, after: &str, line: &str) -> String {
    assert!(text.contains(after), "{after:?} is not in the scenario");
    text.replacen(after, &format!("{after}\n{line}"), 1)
}

/// Reads and parses a scenario file (named after its stem when it has no
/// `name`), panicking with the error list when invalid.
pub fn scenario_file(path: &std::path::Path) -> Scenario {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("scenario");
    Scenario::parse(&text, &path.display().to_string(), stem).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs one replication and checks conservation, as every test run must.
pub fn run(sc: &Scenario, strategy: &str, seed: u64, replication: u64) -> Metrics {
    let rb = sc.runbook(strategy).unwrap_or_else(|| panic!("{strategy} not enabled"));
    let m = simulate(sc, rb, seed, replication, RunOptions::default()).metrics;
    if let Some(e) = m.conservation_error() {
        panic!("{strategy} seed {seed} replication {replication}: {e}");
    }
    m
}

/// Sample mean and standard error of the mean.
pub fn mean_se(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

/// Runs the `cutover` binary in `dir`.
pub fn cutover(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}
