//! Fleet studies: every plan of a fleet over many replications, with
//! common random numbers site by site, streamed in replication order
//! ([`crate::montecarlo::stream_ordered`]), and the rows of `runs.csv`
//! (one per plan and replication) and `sites.csv` (one per plan,
//! replication and site). Nothing here does I/O but to the writers given.

use std::io;
use std::ops::Range;
use std::sync::atomic::AtomicBool;

use super::Fleet;
use super::StopOn;
use super::campaign::{CampaignRun, simulate_campaign};
use super::table::{COLUMNS, Outcome, WORD_COLUMNS, index, units};
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
    /// The campaign's words and metrics as `runs.csv` holds them (after
    /// its key columns), per plan.
    pub fn rows(&self) -> Vec<Vec<String>> {
        self.plans
            .iter()
            .map(|r| {
                let mut row: Vec<String> = r.metrics.words().into();
                row.extend(r.metrics.values());
                row
            })
            .collect()
    }
}

/// What the report reads of one campaign beyond the aggregated metrics:
/// how it ended and when (the cells of its row of `runs.csv`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RunFacts {
    pub outcome: Outcome,
    /// `stop_cause`: the stop in force at the end, or the `defect_found`
    /// the campaign resumed from.
    pub cause: Option<StopOn>,
    /// The wave of that stop (1-based); 0 when no stop fired.
    pub stopped_at_wave: u64,
    /// When that stop fired, seconds from the start (`stop_s`).
    pub stop_s: Option<f64>,
    pub campaign_s: f64,
    pub done_by_deadline: Option<bool>,
    pub defect_sites: u64,
    pub sites_not_started: u64,
    pub sites_aborted: u64,
    pub sites_recovered: u64,
}

/// A fleet study's statistics: the campaign metrics aggregated per plan,
/// and every campaign's [`RunFacts`], per plan in replication order, so
/// that every number of the report counts the same runs.
pub struct FleetStats {
    pub agg: Aggregator,
    pub runs: Vec<Vec<RunFacts>>,
}

impl FleetStats {
    /// Empty statistics for `fleet`'s plans.
    pub fn new(fleet: &Fleet) -> FleetStats {
        FleetStats {
            agg: aggregator(fleet),
            runs: vec![Vec::new(); fleet.plans.len()],
        }
    }

    /// Adds one replication: per plan, its row of `runs.csv` after the key
    /// columns (the words, then the metrics). An error says which column
    /// holds what cannot be read.
    pub fn push(&mut self, rows: &[Vec<String>]) -> Result<(), String> {
        let w = WORD_COLUMNS.len();
        let mut facts = Vec::with_capacity(rows.len());
        for row in rows {
            if row.len() != w + COLUMNS.len() {
                return Err(format!(
                    "{} columns, not {}",
                    row.len() + RUNS_KEY_COLUMNS,
                    runs_header().len()
                ));
            }
            let outcome = Outcome::parse(&row[0])
                .ok_or_else(|| format!("outcome {:?} is not one of done, stopped, unfinished", row[0]))?;
            let cause = match row[1].as_str() {
                "" => None,
                word => Some(
                    StopOn::ALL
                        .into_iter()
                        .find(|s| s.word() == word)
                        .ok_or_else(|| format!("stop_cause {word:?} is not a stop_on outcome"))?,
                ),
            };
            let num = |name: &str| -> Result<Option<f64>, String> {
                let i = index(name).expect("a campaign column") + w;
                let cell = row[i].as_str();
                if cell.is_empty() {
                    return Ok(None);
                }
                match cell.parse::<f64>() {
                    Ok(x) if x.is_finite() && x >= 0.0 => Ok(Some(x)),
                    _ => Err(format!("{name} {cell:?} is not a number of 0 or more")),
                }
            };
            let need = |name: &str| num(name)?.ok_or_else(|| format!("{name} is empty"));
            let f = RunFacts {
                outcome,
                cause,
                stopped_at_wave: need("stopped_at_wave")? as u64,
                stop_s: num("stop_s")?,
                campaign_s: need("campaign_s")?,
                done_by_deadline: num("done_by_deadline")?.map(|x| x > 0.5),
                defect_sites: need("defect_sites")? as u64,
                sites_not_started: need("sites_not_started")? as u64,
                sites_aborted: need("sites_aborted")? as u64,
                sites_recovered: need("sites_recovered")? as u64,
            };
            // The report draws a stopped run at its stop, and never counts
            // a run done by the deadline unless it is done.
            if f.outcome == Outcome::Stopped && (f.cause.is_none() || f.stop_s.is_none() || f.stopped_at_wave == 0) {
                return Err("outcome stopped without its stop_cause, stop_s and stopped_at_wave".into());
            }
            if f.done_by_deadline == Some(true) && f.outcome != Outcome::Done {
                return Err(format!(
                    "done_by_deadline 1 with outcome {}: only a done campaign is done by the deadline",
                    f.outcome.word()
                ));
            }
            facts.push(f);
        }
        let values: Vec<Vec<String>> = rows.iter().map(|r| r[w..].to_vec()).collect();
        self.agg.push(&values);
        for (p, f) in facts.into_iter().enumerate() {
            self.runs[p].push(f);
        }
        Ok(())
    }

    /// Replications seen.
    pub fn replications(&self) -> u64 {
        self.agg.replications()
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

/// The header of a fleet's `runs.csv`: who, the word columns
/// ([`WORD_COLUMNS`]), then the campaign metrics.
pub fn runs_header() -> Vec<&'static str> {
    let mut h = vec!["plan", "replication", "seed"];
    h.extend(WORD_COLUMNS.iter().map(|(name, _)| *name));
    h.extend(COLUMNS);
    h
}

/// Columns of `runs.csv` before the word columns.
pub const RUNS_KEY_COLUMNS: usize = 3;

/// Appends the rows of one replication to `runs.csv` (one per plan).
pub fn write_runs<W: io::Write>(
    w: &mut csv::Writer<W>,
    fleet: &Fleet,
    seed: u64,
    rep: &FleetReplication,
) -> io::Result<()> {
    for (plan, run) in fleet.plans.iter().zip(&rep.plans) {
        let mut rec = vec![plan.name.clone(), rep.index.to_string(), seed.to_string()];
        rec.extend(run.metrics.words());
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
        "attempt",
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
/// by site in the fleet's order; a site run twice has its first run's row
/// just before its last).
pub fn write_sites<W: io::Write>(w: &mut csv::Writer<W>, fleet: &Fleet, rep: &FleetReplication) -> io::Result<()> {
    for (plan, run) in fleet.plans.iter().zip(&rep.plans) {
        let mut earlier: Vec<&super::campaign::SiteRun> = run.earlier.iter().collect();
        earlier.sort_by_key(|s| s.site);
        let mut earlier = earlier.into_iter().peekable();
        let mut rows = Vec::with_capacity(run.sites.len() + run.earlier.len());
        for s in &run.sites {
            while let Some(e) = earlier.next_if(|e| e.site <= s.site) {
                rows.push(e);
            }
            rows.push(s);
        }
        for s in rows {
            let site = &fleet.sites[s.site];
            let labels: Vec<String> = site.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let mut rec = vec![
                plan.name.clone(),
                rep.index.to_string(),
                site.name.clone(),
                fleet.groups[site.group].name.clone(),
                labels.join(";"),
                (s.wave + 1).to_string(),
                s.attempt.to_string(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::table::CampaignMetrics;

    fn stats() -> FleetStats {
        FleetStats {
            agg: Aggregator::with_columns(COLUMNS.to_vec(), units(), None, vec!["p".into()], 0, &[]),
            runs: vec![Vec::new()],
        }
    }

    fn row(m: &CampaignMetrics) -> Vec<String> {
        let mut r: Vec<String> = m.words().into();
        r.extend(m.values());
        r
    }

    #[test]
    fn rows_are_read_back_and_checked() {
        let stopped = CampaignMetrics {
            outcome: Outcome::Stopped,
            stop_cause: Some(StopOn::Aborted),
            stopped_at_wave: 2,
            stop_ms: Some(5_000),
            campaign_ms: 9_000,
            sites_aborted: 1,
            done_by_deadline: Some(false),
            ..Default::default()
        };
        let mut s = stats();
        s.push(&[row(&stopped)]).unwrap();
        let f = s.runs[0][0];
        assert_eq!(
            (f.outcome, f.cause, f.stopped_at_wave),
            (Outcome::Stopped, Some(StopOn::Aborted), 2)
        );
        assert_eq!((f.stop_s, f.campaign_s, f.sites_aborted), (Some(5.0), 9.0, 1));
        // A stopped row without its stop, or a row done by the deadline
        // that is not done, is refused with what is wrong.
        let mut bad = row(&stopped);
        bad[1] = String::new();
        let err = stats().push(&[bad]).unwrap_err();
        assert!(err.contains("outcome stopped without its stop_cause"), "{err}");
        let late = CampaignMetrics {
            done_by_deadline: Some(true),
            ..stopped.clone()
        };
        let err = stats().push(&[row(&late)]).unwrap_err();
        assert!(err.contains("done_by_deadline 1 with outcome stopped"), "{err}");
        let mut bad = row(&stopped);
        let i = WORD_COLUMNS.len() + index("sites_recovered").unwrap();
        bad[i] = "x".into();
        let err = stats().push(&[bad]).unwrap_err();
        assert!(err.contains("sites_recovered \"x\""), "{err}");
    }
}
