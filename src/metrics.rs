//! What one replication reports (docs/model.md §4).
//!
//! Times are kept in integer milliseconds and written as seconds with three
//! decimals; the column names carry the unit. The column order is fixed by
//! [`Metrics::COLUMNS`] and never moves.

use crate::time::fmt_secs;

/// The metrics of one replication of one strategy.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Metrics {
    /// Time during which a new connection from a client with a fresh resolver fails.
    pub downtime_ms: u64,
    /// Arrivals that could not connect after all their retries.
    pub failed_connects: u64,
    /// Sessions cut by their appliance going down, losing its address, or becoming a backup.
    pub dropped_sessions: u64,
    /// Time the failover site ran without an established relationship.
    pub exposure_ms: u64,
    /// Probability that the serving appliance crashes during the exposure: 1 − e^(−exposure/MTBF).
    pub exposure_risk: f64,
    /// Most session records ever waiting for a sync to the backup.
    pub unsynced_peak: u64,
    /// From the first step's start to the last step's end.
    pub procedure_ms: u64,
    /// Distinct maintenance-window occurrences in which the procedure worked.
    pub windows_used: u64,
    /// Working time of the procedure outside any maintenance window.
    pub window_overrun_ms: u64,
    /// Connection attempts started: fresh arrivals plus console reconnects.
    pub arrivals: u64,
    /// Arrivals that got a session (at the first try or after retries).
    pub served: u64,
    /// Sessions that ended on their own.
    pub completed: u64,
    /// Retries after failed connects (including console reconnect attempts).
    pub retries: u64,
    /// Arrivals that were console reconnects after a drop.
    pub reconnects: u64,
    /// Sessions still active when the run ended.
    pub active_at_end: u64,
    /// Simulated span, warm-up included.
    pub span_ms: u64,
    /// When the procedure started, since the calendar start.
    pub procedure_start_ms: u64,
    /// Sessions logged off with their unsaved work (close-immediately policy, crashes).
    pub lost_work_sessions: u64,
    /// Records that existed only on an appliance that crashed before they were synced.
    pub records_lost: u64,
    /// Upgrades that failed and were rolled back.
    pub rollbacks: u64,
    /// Highest concurrent sessions / capacity seen on any node with a capacity.
    pub peak_load_ratio: f64,
    /// Sessions served by a traffic node outside the client's region.
    pub cross_region_sessions: u64,
    /// Node crashes.
    pub crashes: u64,
    /// Crashes of the appliance serving the site while it had no working failover.
    pub exposure_crashes: u64,
    /// 1 when the procedure was aborted (upgrade retries exhausted, precheck not fixed in time).
    pub aborted: u64,
    /// Blue-green: when the maintenance was scheduled to start, since the calendar start.
    pub scheduled_at_ms: Option<u64>,
    /// Blue-green: whether that slot is the preferred window.
    pub in_preferred_window: Option<bool>,
}

impl Metrics {
    /// Column names, in output order (after `strategy,seed`).
    pub const COLUMNS: [&'static str; 27] = [
        "downtime_s",
        "failed_connects",
        "dropped_sessions",
        "exposure_s",
        "exposure_risk",
        "unsynced_peak",
        "procedure_s",
        "windows_used",
        "window_overrun_s",
        "arrivals",
        "served",
        "completed",
        "retries",
        "reconnects",
        "active_at_end",
        "span_s",
        "procedure_start_s",
        "lost_work_sessions",
        "records_lost",
        "rollbacks",
        "peak_load_ratio",
        "cross_region_sessions",
        "crashes",
        "exposure_crashes",
        "aborted",
        "scheduled_at_s",
        "in_preferred_window",
    ];

    /// The values, formatted, in [`Metrics::COLUMNS`] order.
    /// Empty cells stand for "does not apply" (`scheduled_at_s` outside pods).
    pub fn values(&self) -> [String; 27] {
        [
            fmt_secs(self.downtime_ms),
            self.failed_connects.to_string(),
            self.dropped_sessions.to_string(),
            fmt_secs(self.exposure_ms),
            format!("{:.9}", self.exposure_risk),
            self.unsynced_peak.to_string(),
            fmt_secs(self.procedure_ms),
            self.windows_used.to_string(),
            fmt_secs(self.window_overrun_ms),
            self.arrivals.to_string(),
            self.served.to_string(),
            self.completed.to_string(),
            self.retries.to_string(),
            self.reconnects.to_string(),
            self.active_at_end.to_string(),
            fmt_secs(self.span_ms),
            fmt_secs(self.procedure_start_ms),
            self.lost_work_sessions.to_string(),
            self.records_lost.to_string(),
            self.rollbacks.to_string(),
            format!("{:.6}", self.peak_load_ratio),
            self.cross_region_sessions.to_string(),
            self.crashes.to_string(),
            self.exposure_crashes.to_string(),
            self.aborted.to_string(),
            self.scheduled_at_ms.map(fmt_secs).unwrap_or_default(),
            self.in_preferred_window
                .map(|b| u8::from(b).to_string())
                .unwrap_or_default(),
        ]
    }

    /// Checks the conservation laws; returns what is violated.
    pub fn conservation_error(&self) -> Option<String> {
        if self.arrivals != self.served + self.failed_connects {
            return Some(format!(
                "arrivals {} != served {} + failed {}",
                self.arrivals, self.served, self.failed_connects
            ));
        }
        if self.served != self.completed + self.dropped_sessions + self.active_at_end {
            return Some(format!(
                "served {} != completed {} + dropped {} + active {}",
                self.served, self.completed, self.dropped_sessions, self.active_at_end
            ));
        }
        None
    }
}
