//! Fleet studies: every plan of a fleet over many replications, with
//! common random numbers site by site, streamed in replication order
//! ([`crate::montecarlo::stream_ordered`]), and the rows of `runs.csv`
//! (one per plan and replication) and `sites.csv` (one per plan,
//! replication and site). Nothing here does I/O but to the writers given.

use std::io;
use std::ops::Range;
use std::sync::atomic::AtomicBool;

use super::Fleet;
use super::campaign::{CampaignRun, simulate_campaign};
use super::table::{COLUMNS, units};
use crate::metrics::Metrics;
use crate::montecarlo::{Aggregator, stream_ordered};
use crate::time::fmt_secs;

/// One replication of every plan.
#[derive(Clone, Debug, PartialEq)]
pub struct FleetReplication {
    /// Replication index.
    pub index: u64,
    /// One campaign per plan, in plan order.
    pub plans: Vec<CampaignRun>,
}

impl FleetReplication {
    /// The campaign metrics as `runs.csv` holds them, per plan.
    pub fn values(&self) -> Vec<Vec<String>> {
        self.plans.iter().map(|r| r.metrics.values()).collect()
    }
}

/// Replication `i` of every plan; `None` when stopped.
pub fn replication(fleet: &Fleet, seed: u64, i: u64, stop: &AtomicBool) -> Option<FleetReplication> {
    let mut plans = Vec::with_capacity(fleet.plans.len());
    for p in 0..fleet.plans.len() {
        plans.push(simulate_campaign(fleet, p, seed, i, stop)?);
    }
    Some(FleetReplication { index: i, plans })
}

/// Runs replications `range` on `workers` threads and hands each to `sink`
/// in order (see [`crate::montecarlo::run_streaming`]): the output does not
/// depend on the thread count or on how the range is split.
pub fn run_streaming<E>(
    fleet: &Fleet,
    seed: u64,
    range: Range<u64>,
    workers: usize,
    stop: &AtomicBool,
    sink: impl FnMut(FleetReplication) -> Result<(), E>,
) -> Result<(), E> {
    stream_ordered(range, workers, stop, &|i| replication(fleet, seed, i, stop), sink)
}

/// The aggregator of a fleet study: plans in the place of strategies, the
/// first plan the baseline of the paired differences.
pub fn aggregator(fleet: &Fleet) -> Aggregator {
    let names = fleet.plans.iter().map(|p| p.name.clone()).collect();
    Aggregator::with_columns(COLUMNS.to_vec(), units(), None, names, 0, &[])
}

/// The header of a fleet's `runs.csv`.
pub fn runs_header() -> Vec<&'static str> {
    let mut h = vec!["plan", "replication", "seed"];
    h.extend(COLUMNS);
    h
}

/// Appends the rows of one replication to `runs.csv` (one per plan).
pub fn write_runs<W: io::Write>(
    w: &mut csv::Writer<W>,
    fleet: &Fleet,
    seed: u64,
    rep: &FleetReplication,
) -> io::Result<()> {
    for (plan, run) in fleet.plans.iter().zip(&rep.plans) {
        let mut rec = vec![plan.name.clone(), rep.index.to_string(), seed.to_string()];
        rec.extend(run.metrics.values());
        w.write_record(&rec)?;
    }
    Ok(())
}

/// The header of `sites.csv`: who, where in the campaign, and the site's
/// own metrics row (the columns of a single-site `metrics.csv`).
pub fn sites_header() -> Vec<&'static str> {
    let mut h = vec![
        "plan",
        "replication",
        "site",
        "group",
        "labels",
        "wave",
        "strategy",
        "seed",
        "state",
        "run_start",
        "work_start_s",
        "end_s",
    ];
    h.extend(Metrics::COLUMNS);
    h
}

/// Campaign milliseconds as seconds (negative before the start).
fn secs(ms: i64) -> String {
    if ms < 0 {
        format!("-{}", fmt_secs(ms.unsigned_abs()))
    } else {
        fmt_secs(ms as u64)
    }
}

/// Appends the rows of one replication to `sites.csv` (plan by plan, site
/// by site in the fleet's order).
pub fn write_sites<W: io::Write>(w: &mut csv::Writer<W>, fleet: &Fleet, rep: &FleetReplication) -> io::Result<()> {
    for (plan, run) in fleet.plans.iter().zip(&rep.plans) {
        for s in &run.sites {
            let site = &fleet.sites[s.site];
            let labels: Vec<String> = site.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let mut rec = vec![
                plan.name.clone(),
                rep.index.to_string(),
                site.name.clone(),
                fleet.groups[site.group].name.clone(),
                labels.join(";"),
                (s.wave + 1).to_string(),
                s.strategy.clone(),
                s.seed.to_string(),
                s.state.word().to_string(),
                s.run_start.map(|d| d.to_string()).unwrap_or_default(),
                s.work_start.map(secs).unwrap_or_default(),
                s.end.map(secs).unwrap_or_default(),
            ];
            match &s.metrics {
                Some(m) => rec.extend(m.values()),
                None => rec.extend(std::iter::repeat_n(String::new(), Metrics::COLUMNS.len())),
            }
            w.write_record(&rec)?;
        }
    }
    Ok(())
}
