//! `cutover` simulates software upgrades of appliance fleets as a
//! deterministic discrete-event simulation, and reports downtime, dropped
//! sessions, failed connections and failover exposure per upgrade strategy.
//!
//! # A first run
//!
//! ```
//! use cutover::scenario::Scenario;
//! use cutover::sim::{simulate, RunOptions};
//!
//! let scenario = Scenario::default_scenario();
//! let sync = scenario.runbook("failover-sync").unwrap();
//! let out = simulate(&scenario, sync, scenario.seed, 0, RunOptions::default());
//! // The site is down while appliance A upgrades.
//! assert!(out.metrics.downtime_ms > 0);
//! // Every arrival was served or failed; every served session ended, was
//! // dropped, or is still active.
//! assert_eq!(out.metrics.conservation_error(), None);
//! ```
//!
//! # Ordering guarantees
//!
//! Simulation time is an integer count of milliseconds ([`time::SimTime`]).
//! Events run in time order; events at the same time run in the order they
//! were scheduled ([`engine::EventQueue`]). Each replication draws from its
//! own ChaCha8 streams, one per purpose ([`rng`]), derived from
//! `(seed, replication, purpose)`: the same scenario, seed and replication
//! give the same events, byte for byte, on any machine and thread count.
//!
//! # Layout
//!
//! - [`time`]: the integer clock and duration parsing.
//! - [`rng`]: named random streams.
//! - [`engine`]: the future-event queue.
//! - [`model`]: distributions, the weekly calendar, the arrival process,
//!   the site (its kind and what the kind can do, nodes, regions, groups).
//! - [`runbook`]: steps, built-in runbooks (as data), feasibility checks.
//! - [`scenario`]: the TOML file format and its validation.
//! - [`sim`]: one replication: the world and the runbook executor.
//! - [`metrics`]: what a replication reports.
//! - [`montecarlo`]: replications in parallel, common random numbers,
//!   shards, ordered streaming aggregation.
//! - [`stats`]: streaming moments, a bounded quantile sketch, intervals
//!   that respect what a metric can be (empirical likelihood, exact shares).
//! - [`priorities`]: a scenario's `[priorities]` and `[risk]` matrix, validated.
//! - [`decision`]: ties, the bottom line and risk classes judged from a
//!   study's results.
//! - [`study`]: studies as checked settings and rules: strategies, run and
//!   thread counts, precision targets, shards, merges, sweep grids.
//! - [`export`]: CSV and JSON writers (pure functions to any `io::Write`).
//! - [`regions`]: an Atlas cluster's figures per region (`regions.csv`)
//!   and their summary over runs.
//! - [`results`]: manifests and `runs.csv` read back and checked (pure, from any `io::Read`).
//! - [`report`]: charts (SVG and PNG) and the change-board report.
//! - [`fit`]: the workload fitted to a site's session export.
//! - [`fleet`]: fleet files, and campaigns over many sites in waves with
//!   shared operators.

pub mod decision;
pub mod engine;
pub mod export;
pub mod fit;
pub mod fleet;
pub mod metrics;
pub mod model;
pub mod montecarlo;
pub mod priorities;
pub mod regions;
pub mod report;
pub mod results;
pub mod rng;
pub mod runbook;
pub mod scenario;
pub mod sim;
pub mod stats;
pub mod study;
pub mod time;
