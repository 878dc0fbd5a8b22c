//! What one replication reports (docs/model.md §4), and the one table that
//! describes every metric.
//!
//! [`METRICS`] holds, per metric, in output order: its column name, its unit,
//! which way is better, the site kinds it applies to, whether and where it
//! is a key metric, whether it is a fault and its default impact as a risk
//! event, the words and chart label people read, its meaning, and how to
//! read it from a [`Metrics`]. Every consumer takes what it needs from
//! there: the CSV columns and cells ([`Metrics::COLUMNS`],
//! [`Metrics::values`]), the checks of `runs.csv` when it is read back, the
//! printed comparison table, the report's tables, goals, faults, risk
//! classes and words, the chart axes and labels, and the book's metric
//! table (a test compares them).
//!
//! Times are kept in integer milliseconds and written as seconds with three
//! decimals; the column names carry the unit. The column order is the order
//! of [`METRICS`] and never moves.

use crate::time::fmt_secs;

/// The metrics of one replication of one strategy.
///
/// Each field is the metric of [`METRICS`] with the same name (times in
/// integer milliseconds: `downtime_ms` is `downtime_s`); what it means is
/// said there, once.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Metrics {
    pub downtime_ms: u64,
    pub failed_connects: u64,
    pub dropped_sessions: u64,
    pub exposure_ms: u64,
    pub exposure_risk: f64,
    pub unsynced_peak: u64,
    pub procedure_ms: u64,
    pub windows_used: u64,
    pub window_overrun_ms: u64,
    pub arrivals: u64,
    pub served: u64,
    pub completed: u64,
    pub retries: u64,
    pub reconnects: u64,
    pub active_at_end: u64,
    pub span_ms: u64,
    pub procedure_start_ms: u64,
    pub lost_work_sessions: u64,
    pub records_lost: u64,
    pub rollbacks: u64,
    pub peak_load_ratio: f64,
    pub cross_region_sessions: u64,
    pub crashes: u64,
    pub exposure_crashes: u64,
    pub aborted: u64,
    pub scheduled_at_ms: Option<u64>,
    pub in_preferred_window: Option<bool>,
    pub defects_found: u64,
    pub defect_escaped: u64,
    pub fallbacks: u64,
    pub defect_downtime_ms: u64,
    pub drain_ms: u64,
    pub drain_cut_sessions: u64,
    pub technician_unavailable_ms: u64,
    pub notice_ms: Option<u64>,
    pub backouts: u64,
    pub slipped_windows: u64,
    pub operator_hours: f64,
    pub operator_wait_ms: u64,
    pub unsynced_at_end: u64,
    pub down_at_end_ms: u64,
    pub dropped_drain_timeout: u64,
    pub dropped_upgrade: u64,
    pub dropped_switch: u64,
    pub dropped_crash: u64,
    pub dropped_restore: u64,
    pub dropped_cutover: u64,
    pub unsupported_ms: Option<u64>,
    pub scheduled_hour: Option<u64>,
    pub preparation_ms: u64,
    pub jump_clients_offline_ms: u64,
    pub peak_reconnects_per_minute: u64,
    pub emergency: Option<u64>,
    pub rescheduled: Option<u64>,
    pub validation_failures: Option<u64>,
    pub radius_failed_connects: Option<u64>,
    pub download_ms: u64,
    pub redownloads: u64,
    pub integration_gap_ms: u64,
    pub dns_unremapped_ms: Option<u64>,
    pub green_build_failures: Option<u64>,
    pub point_releases: Option<u64>,
    pub green_running_ms: Option<u64>,
    pub admin_blocked_ms: Option<u64>,
}

/// What a metric measures; it fixes how the metric is written, checked when
/// read back, shown to people and scaled on a chart axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// A number of things: a whole number.
    Count,
    /// `0` or `1`.
    Flag,
    /// A duration: whole milliseconds, written as seconds with three decimals.
    Seconds,
    /// A point in time: whole milliseconds after the calendar start,
    /// written as seconds with three decimals.
    Instant,
    /// A probability from 0 to 1, written with nine decimals.
    Probability,
    /// A ratio from 0 up, written with six decimals.
    Ratio,
}

impl Unit {
    /// The unit's name in the book's metric table.
    pub fn name(self) -> &'static str {
        match self {
            Unit::Count => "count",
            Unit::Flag => "0 or 1",
            Unit::Seconds => "seconds",
            Unit::Instant => "instant",
            Unit::Probability => "probability",
            Unit::Ratio => "ratio",
        }
    }

    /// Seconds or an instant: a time, shown in s, m, h or d.
    pub fn is_time(self) -> bool {
        matches!(self, Unit::Seconds | Unit::Instant)
    }
}

/// Which way a metric is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Better {
    /// Lower is better (downtime, dropped sessions).
    Lower,
    /// Higher is better (sessions served).
    Higher,
    /// Neither: it describes the run (arrivals, the simulated span).
    Neither,
}

impl Better {
    /// The direction's name in the book's metric table.
    pub fn name(self) -> &'static str {
        match self {
            Better::Lower => "lower",
            Better::Higher => "higher",
            Better::Neither => "–",
        }
    }
}

/// The site kinds a metric applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sites {
    /// Every site.
    All,
    /// Sites with a backup (a failover pair, an Atlas cluster with a backup
    /// primary); 0 for the others.
    WithBackup,
    /// Atlas clusters; 0 for the others.
    Clusters,
    /// Single appliances and failover pairs (where latent defects are
    /// modelled); 0 for the others.
    Appliances,
    /// Blue-green pods; an empty cell for the others (does not apply).
    Pods,
}

impl Sites {
    /// The site kinds' name in the book's metric table.
    pub fn name(self) -> &'static str {
        match self {
            Sites::All => "all",
            Sites::WithBackup => "with a backup",
            Sites::Clusters => "clusters",
            Sites::Appliances => "single and pairs",
            Sites::Pods => "blue-green (empty elsewhere)",
        }
    }

    /// True when the cell is empty at the site kinds it does not apply to.
    pub fn empty_elsewhere(self) -> bool {
        self == Sites::Pods
    }
}

/// When a key metric is shown although it is zero in every replication
/// (otherwise its row and charts are left out as saying nothing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shown {
    /// Everywhere, always: the printed table, the report's table and its
    /// distribution chart.
    Always,
    /// Always in the printed table; in the report only when not zero.
    Printed,
    /// Only when not zero.
    NotZero,
}

/// The impact of a risk event, and the classes of the risk matrix (both
/// go low, moderate, high).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Impact {
    /// Low.
    Low,
    /// Moderate.
    Moderate,
    /// High.
    High,
}

impl Impact {
    /// Every level, lowest first.
    pub const ALL: [Impact; 3] = [Impact::Low, Impact::Moderate, Impact::High];

    /// The level's name in a scenario file and in the report.
    pub fn name(self) -> &'static str {
        match self {
            Impact::Low => "low",
            Impact::Moderate => "moderate",
            Impact::High => "high",
        }
    }

    /// Parses a level's name.
    pub fn parse(s: &str) -> Option<Impact> {
        Impact::ALL.into_iter().find(|l| l.name() == s)
    }
}

/// How a key metric is presented.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    /// Place among the key metrics, from 1: the printed table, the charts of
    /// a comparison and the report's table list them in this order.
    pub rank: u8,
    /// When it is shown although zero everywhere.
    pub shown: Shown,
    /// In the report's table of key results.
    pub in_report: bool,
    /// Place of its distribution chart in the report, from 1, if it has one.
    pub report_chart: Option<u8>,
    /// Its empirical CDF is drawn (a comparison's charts and the report).
    pub cdf: bool,
}

/// A metric's value in one run, before formatting.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Reading {
    /// Whole milliseconds (a [`Unit::Seconds`] or [`Unit::Instant`] metric).
    Millis(u64),
    /// A whole number (a [`Unit::Count`] or [`Unit::Flag`] metric).
    Whole(u64),
    /// A real number (a [`Unit::Probability`] or [`Unit::Ratio`] metric).
    Real(f64),
    /// Does not apply to this site: an empty cell.
    Absent,
}

/// The description of one metric: everything its consumers need.
#[derive(Clone, Copy, Debug)]
pub struct Metric {
    /// Column name in `metrics.csv` and `runs.csv`, and the metric's name in
    /// `summary.csv`, `diff.csv`, thresholds and flags.
    pub name: &'static str,
    /// What it measures.
    pub unit: Unit,
    /// Which way is better.
    pub better: Better,
    /// The site kinds it applies to.
    pub sites: Sites,
    /// How it is presented when it is a key metric.
    pub key: Option<Key>,
    /// The change-board goal it judges, in the report (e.g. "Least downtime").
    pub goal: Option<&'static str>,
    /// A fault (an aborted procedure, a rollback, a crash, lost records):
    /// the printed table and the report show it whenever it is not zero in
    /// some replication, and the report gives it a section of its own.
    pub fault: bool,
    /// Its default impact in the risk matrix, when it is a risk event (a
    /// scenario's `[risk] impact` replaces the defaults). The event is the
    /// metric above its threshold (`[thresholds]`), or above zero without
    /// one; for a probability metric its mean is the event's likelihood.
    pub impact: Option<Impact>,
    /// Its name for people, in sentences and tables ("dropped sessions").
    pub words: &'static str,
    /// A chart title's words with the unit, when not `words (time)` or
    /// `words (count)`.
    pub label: Option<&'static str>,
    /// What it means, in one line (the book's metric table).
    pub meaning: &'static str,
    /// Its value in a run.
    pub read: fn(&Metrics) -> Reading,
}

/// A key metric's presentation, in rank order of the arguments.
const fn key(rank: u8, shown: Shown, in_report: bool, report_chart: Option<u8>, cdf: bool) -> Option<Key> {
    Some(Key {
        rank,
        shown,
        in_report,
        report_chart,
        cdf,
    })
}

/// Every metric, in column order. A new metric is a row here and a field of
/// [`Metrics`] that the simulation sets; everything else follows.
pub const METRICS: &[Metric] = &[
    Metric {
        name: "downtime_s",
        unit: Unit::Seconds,
        better: Better::Lower,
        sites: Sites::All,
        key: key(1, Shown::Always, true, Some(1), true),
        goal: Some("Least downtime"),
        fault: false,
        impact: Some(Impact::Moderate),
        words: "downtime",
        label: None,
        meaning: "time during which a new connection from a client with a fresh resolver fails",
        read: |m| Reading::Millis(m.downtime_ms),
    },
    Metric {
        name: "failed_connects",
        unit: Unit::Count,
        better: Better::Lower,
        sites: Sites::All,
        key: key(2, Shown::Printed, true, Some(5), false),
        goal: None,
        fault: false,
        impact: None,
        words: "failed connects",
        label: None,
        meaning: "arrivals that could not connect after all their retries (including stale DNS answers pointing at a down appliance)",
        read: |m| Reading::Whole(m.failed_connects),
    },
    Metric {
        name: "dropped_sessions",
        unit: Unit::Count,
        better: Better::Lower,
        sites: Sites::All,
        key: key(3, Shown::Printed, true, Some(2), true),
        goal: Some("Fewest dropped sessions"),
        fault: false,
        impact: None,
        words: "dropped sessions",
        label: None,
        meaning: "sessions cut because their appliance went down, lost the site address, or became a backup",
        read: |m| Reading::Whole(m.dropped_sessions),
    },
    Metric {
        name: "exposure_s",
        unit: Unit::Seconds,
        better: Better::Lower,
        sites: Sites::WithBackup,
        key: key(5, Shown::Printed, true, Some(3), false),
        goal: Some("Shortest exposure without failover"),
        fault: false,
        impact: None,
        words: "exposure",
        label: None,
        meaning: "time the site ran without a working failover: relationship broken, backup down, or backup operations disabled",
        read: |m| Reading::Millis(m.exposure_ms),
    },
    Metric {
        name: "exposure_risk",
        unit: Unit::Probability,
        better: Better::Lower,
        sites: Sites::WithBackup,
        key: key(6, Shown::NotZero, true, None, false),
        goal: Some("Lowest risk of losing the site"),
        fault: false,
        impact: Some(Impact::High),
        words: "exposure risk",
        label: Some("exposure risk (probability of a crash, %)"),
        meaning: "probability that the serving appliance crashes during the exposure, `1 − e^(−T/MTBF)`, T the exposure while that appliance is up (not while it installs or is repaired)",
        read: |m| Reading::Real(m.exposure_risk),
    },
    Metric {
        name: "unsynced_peak",
        unit: Unit::Count,
        better: Better::Lower,
        sites: Sites::WithBackup,
        key: key(7, Shown::NotZero, true, None, false),
        goal: None,
        fault: false,
        impact: None,
        words: "unsynced peak",
        label: None,
        meaning: "most session records ever waiting for a sync to the backup (data at risk)",
        read: |m| Reading::Whole(m.unsynced_peak),
    },
    Metric {
        name: "procedure_s",
        unit: Unit::Seconds,
        better: Better::Lower,
        sites: Sites::All,
        key: key(9, Shown::NotZero, true, None, false),
        goal: None,
        fault: false,
        impact: None,
        words: "procedure",
        label: None,
        meaning: "first step's start to last step's end",
        read: |m| Reading::Millis(m.procedure_ms),
    },
    Metric {
        name: "windows_used",
        unit: Unit::Count,
        better: Better::Lower,
        sites: Sites::All,
        key: None,
        goal: None,
        fault: false,
        impact: None,
        words: "windows used",
        label: None,
        meaning: "maintenance-window occurrences in which the procedure worked",
        read: |m| Reading::Whole(m.windows_used),
    },
    Metric {
        name: "window_overrun_s",
        unit: Unit::Seconds,
        better: Better::Lower,
        sites: Sites::All,
        key: key(10, Shown::NotZero, true, None, false),
        goal: Some("Least work outside the window"),
        fault: false,
        impact: Some(Impact::Moderate),
        words: "window overrun",
        label: None,
        meaning: "working time of the procedure outside any window (calendar waits excluded); for blue-green, the maintenance (cutover and validation) past the service's allotment",
        read: |m| Reading::Millis(m.window_overrun_ms),
    },
    Metric {
        name: "arrivals",
        unit: Unit::Count,
        better: Better::Neither,
        sites: Sites::All,
        key: None,
        goal: None,
        fault: false,
        impact: None,
        words: "arrivals",
        label: None,
        meaning: "connection attempts started: fresh arrivals plus console reconnects",
        read: |m| Reading::Whole(m.arrivals),
    },
    Metric {
        name: "served",
        unit: Unit::Count,
        better: Better::Higher,
        sites: Sites::All,
        key: None,
        goal: None,
        fault: false,
        impact: None,
        words: "served",
        label: None,
        meaning: "arrivals that got a session, at once or after retries",
        read: |m| Reading::Whole(m.served),
    },
    Metric {
        name: "completed",
        unit: Unit::Count,
        better: Better::Higher,
        sites: Sites::All,
        key: None,
        goal: None,
        fault: false,
        impact: None,
        words: "completed",
        label: None,
        meaning: "sessions that ended on their own",
        read: |m| Reading::Whole(m.completed),
    },
    Metric {
        name: "retries",
        unit: Unit::Count,
        better: Better::Lower,
        sites: Sites::All,
        key: None,
        goal: None,
        fault: false,
        impact: None,
        words: "retries",
        label: None,
        meaning: "retries after failed connects, console reconnect attempts included",
        read: |m| Reading::Whole(m.retries),
    },
    Metric {
        name: "reconnects",
        unit: Unit::Count,
        better: Better::Lower,
        sites: Sites::All,
        key: None,
        goal: None,
        fault: false,
        impact: None,
        words: "reconnects",
        label: None,
        meaning: "arrivals that were console reconnects after a drop",
        read: |m| Reading::Whole(m.reconnects),
    },
    Metric {
        name: "active_at_end",
        unit: Unit::Count,
        better: Better::Neither,
        sites: Sites::All,
        key: None,
        goal: None,
        fault: false,
        impact: None,
        words: "active at end",
        label: None,
        meaning: "sessions still active when the run ended",
        read: |m| Reading::Whole(m.active_at_end),
    },
    Metric {
        name: "span_s",
        unit: Unit::Seconds,
        better: Better::Neither,
        sites: Sites::All,
        key: None,
        goal: None,
        fault: false,
        impact: None,
        words: "span",
        label: None,
        meaning: "simulated span, warm-up included",
        read: |m| Reading::Millis(m.span_ms),
    },
    Metric {
        name: "procedure_start_s",
        unit: Unit::Instant,
        better: Better::Neither,
        sites: Sites::All,
        key: None,
        goal: None,
        fault: false,
        impact: None,
        words: "procedure start",
        label: None,
        meaning: "when the procedure started",
        read: |m| Reading::Millis(m.procedure_start_ms),
    },
    Metric {
        name: "lost_work_sessions",
        unit: Unit::Count,
        better: Better::Lower,
        sites: Sites::All,
        key: key(4, Shown::NotZero, true, Some(4), false),
        goal: Some("Fewest sessions that lose work"),
        fault: false,
        impact: None,
        words: "lost work sessions",
        label: None,
        meaning: "sessions logged off with unsaved work: at a cutover, a farm's logoff policy that expired before the user was back; or a crash",
        read: |m| Reading::Whole(m.lost_work_sessions),
    },
    Metric {
        name: "records_lost",
        unit: Unit::Count,
        better: Better::Lower,
        sites: Sites::WithBackup,
        key: key(8, Shown::NotZero, false, None, false),
        goal: None,
        fault: true,
        impact: Some(Impact::High),
        words: "records lost",
        label: None,
        meaning: "records that existed only on an appliance that crashed before they were synced (each appliance's own: the other still holds its records)",
        read: |m| Reading::Whole(m.records_lost),
    },
    Metric {
        name: "rollbacks",
        unit: Unit::Count,
        better: Better::Lower,
        sites: Sites::All,
        key: None,
        goal: None,
        fault: true,
        impact: Some(Impact::Moderate),
        words: "rollbacks",
        label: None,
        meaning: "upgrades that failed with no retry left and were rolled back",
        read: |m| Reading::Whole(m.rollbacks),
    },
    Metric {
        name: "peak_load_ratio",
        unit: Unit::Ratio,
        better: Better::Lower,
        sites: Sites::All,
        key: key(11, Shown::NotZero, true, None, false),
        goal: None,
        fault: false,
        impact: None,
        words: "peak load ratio",
        label: Some("peak load (share of a node's capacity)"),
        meaning: "highest concurrent sessions / capacity on any node with a capacity, over the whole run, warm-up included (at most 1: a full node takes no more sessions; 0 when no node has a capacity); an Atlas cluster's load during the procedure, region by region, is in `regions.csv` and the report",
        read: |m| Reading::Real(m.peak_load_ratio),
    },
    Metric {
        name: "cross_region_sessions",
        unit: Unit::Count,
        better: Better::Lower,
        sites: Sites::Clusters,
        key: None,
        goal: None,
        fault: false,
        impact: None,
        words: "cross region sessions",
        label: None,
        meaning: "sessions a cluster served outside the client's region",
        read: |m| Reading::Whole(m.cross_region_sessions),
    },
    Metric {
        name: "crashes",
        unit: Unit::Count,
        better: Better::Lower,
        sites: Sites::All,
        key: None,
        goal: None,
        fault: true,
        impact: Some(Impact::Moderate),
        words: "crashes",
        label: None,
        meaning: "node crashes (faults on)",
        read: |m| Reading::Whole(m.crashes),
    },
    Metric {
        name: "exposure_crashes",
        unit: Unit::Count,
        better: Better::Lower,
        sites: Sites::WithBackup,
        key: None,
        goal: None,
        fault: true,
        impact: Some(Impact::High),
        words: "exposure crashes",
        label: None,
        meaning: "crashes of the appliance serving the site while it had no working failover",
        read: |m| Reading::Whole(m.exposure_crashes),
    },
    Metric {
        name: "aborted",
        unit: Unit::Flag,
        better: Better::Lower,
        sites: Sites::All,
        key: None,
        goal: None,
        fault: true,
        impact: Some(Impact::High),
        words: "aborted",
        label: None,
        meaning: "1 when the procedure stopped early (upgrade retries exhausted, precheck not fixed in time)",
        read: |m| Reading::Whole(m.aborted),
    },
    Metric {
        name: "scheduled_at_s",
        unit: Unit::Instant,
        better: Better::Neither,
        sites: Sites::Pods,
        key: None,
        goal: None,
        fault: false,
        impact: None,
        words: "scheduled at",
        label: None,
        meaning: "the maintenance slot the scheduler picked for the update (after a failed validation or build, the slot it was retried at; never a point release's)",
        read: |m| m.scheduled_at_ms.map_or(Reading::Absent, Reading::Millis),
    },
    Metric {
        name: "in_preferred_window",
        unit: Unit::Flag,
        better: Better::Higher,
        sites: Sites::Pods,
        key: None,
        goal: None,
        fault: false,
        impact: None,
        words: "in preferred window",
        label: None,
        meaning: "1 when that slot is the preferred window, else 0",
        read: |m| {
            m.in_preferred_window
                .map_or(Reading::Absent, |b| Reading::Whole(u64::from(b)))
        },
    },
    Metric {
        name: "defects_found",
        unit: Unit::Count,
        better: Better::Neither,
        sites: Sites::Appliances,
        key: None,
        goal: None,
        fault: true,
        impact: None,
        words: "defects found",
        label: None,
        meaning: "latent defects of the new version found while an appliance on the old version still stood (a fall-back was possible; `faults.latent_defect`)",
        read: |m| Reading::Whole(m.defects_found),
    },
    Metric {
        name: "defect_escaped",
        unit: Unit::Flag,
        better: Better::Lower,
        sites: Sites::Appliances,
        key: key(12, Shown::NotZero, true, None, false),
        goal: Some("Fewest escaped defects"),
        fault: true,
        impact: Some(Impact::High),
        words: "defect escaped",
        label: Some("defect escaped (share of replications)"),
        meaning: "1 when a latent defect was found only after every appliance had left the old version: all are restored",
        read: |m| Reading::Whole(m.defect_escaped),
    },
    Metric {
        name: "fallbacks",
        unit: Unit::Count,
        better: Better::Neither,
        sites: Sites::Appliances,
        key: None,
        goal: None,
        fault: true,
        impact: None,
        words: "fallbacks",
        label: None,
        meaning: "fall-backs to the appliance still on the old version after a defect was found",
        read: |m| Reading::Whole(m.fallbacks),
    },
    Metric {
        name: "defect_downtime_s",
        unit: Unit::Seconds,
        better: Better::Lower,
        sites: Sites::Appliances,
        key: None,
        goal: None,
        fault: false,
        impact: None,
        words: "defect downtime",
        label: None,
        meaning: "downtime while the recovery from a latent defect runs: the fall-back switch's gap, or the restore of the serving appliance once the defect escaped",
        read: |m| Reading::Millis(m.defect_downtime_ms),
    },
    Metric {
        name: "drain_s",
        unit: Unit::Seconds,
        better: Better::Lower,
        sites: Sites::Clusters,
        key: None,
        goal: None,
        fault: false,
        impact: None,
        words: "drain",
        label: None,
        meaning: "time the procedure waited for traffic nodes taken offline to drain (`wait_drained` steps)",
        read: |m| Reading::Millis(m.drain_ms),
    },
    Metric {
        name: "drain_cut_sessions",
        unit: Unit::Count,
        better: Better::Lower,
        sites: Sites::Clusters,
        key: key(13, Shown::NotZero, true, None, false),
        goal: None,
        fault: false,
        impact: Some(Impact::Moderate),
        words: "drain cut sessions",
        label: None,
        meaning: "sessions cut at a drain timeout (none without one; also in `dropped_sessions`)",
        read: |m| Reading::Whole(m.drain_cut_sessions),
    },
    Metric {
        name: "technician_unavailable_s",
        unit: Unit::Seconds,
        better: Better::Lower,
        sites: Sites::All,
        key: None,
        goal: None,
        fault: false,
        impact: None,
        words: "technician unavailable",
        label: None,
        meaning: "technician time lost to the consoles after the upgrade: each technician's self-update at their first login to the new version (`workload.console.technicians` of them; those not logged in by the end of a run that ends on the new version are counted then), and the first-login waits of consoles deployed by MSI on locked-down machines for their redeployment, and, after a return to the old version, for the old MSI's (`consoles.old_msi`); does not grow with the run's length (0 on pods)",
        read: |m| Reading::Millis(m.technician_unavailable_ms),
    },
    Metric {
        name: "notice_s",
        unit: Unit::Seconds,
        better: Better::Higher,
        sites: Sites::Pods,
        key: None,
        goal: None,
        fault: false,
        impact: None,
        words: "notice",
        label: None,
        meaning: "notice users and admins had: from the scheduling of the maintenance to its slot",
        read: |m| m.notice_ms.map_or(Reading::Absent, Reading::Millis),
    },
    Metric {
        name: "backouts",
        unit: Unit::Count,
        better: Better::Lower,
        sites: Sites::All,
        key: None,
        goal: None,
        fault: false,
        impact: None,
        words: "backouts",
        label: None,
        meaning: "1 when a window closed (or reached its cutoff) with work left and the upgraded appliances were restored from their backups (`calendar.on_overrun = \"backout\"`), else 0",
        read: |m| Reading::Whole(m.backouts),
    },
    Metric {
        name: "slipped_windows",
        unit: Unit::Count,
        better: Better::Lower,
        sites: Sites::All,
        key: None,
        goal: None,
        fault: false,
        impact: None,
        words: "slipped windows",
        label: None,
        meaning: "times a work step waited for a later window than planned: held by `calendar.cutoff`, or paused when the window closed (`on_overrun = \"pause\"`)",
        read: |m| Reading::Whole(m.slipped_windows),
    },
    Metric {
        name: "operator_hours",
        unit: Unit::Ratio,
        better: Better::Lower,
        sites: Sites::All,
        key: None,
        goal: None,
        fault: false,
        impact: None,
        words: "operator hours",
        label: None,
        meaning: "hours operators spent working: their part of each step (clicks, checks, backups, verification; one click per node of a group upgrade), not installs or waits",
        read: |m| Reading::Real(m.operator_hours),
    },
    Metric {
        name: "operator_wait_s",
        unit: Unit::Seconds,
        better: Better::Lower,
        sites: Sites::All,
        key: None,
        goal: None,
        fault: false,
        impact: None,
        words: "operator wait",
        label: None,
        meaning: "time steps waited for an operator (`[operators]`): for the next shift, and each node of a group upgrade for a free operator",
        read: |m| Reading::Millis(m.operator_wait_ms),
    },
    Metric {
        name: "unsynced_at_end",
        unit: Unit::Count,
        better: Better::Lower,
        sites: Sites::WithBackup,
        key: None,
        goal: None,
        fault: true,
        impact: Some(Impact::Moderate),
        words: "records unsynced at the end",
        label: None,
        meaning: "records made before the procedure ended that were on one appliance only when the run ended: 0 once a sync after the procedure has copied them (the run waits for it while the pair can sync); more when the relationship was left broken or without backup operations, or the run reached its horizon",
        read: |m| Reading::Whole(m.unsynced_at_end),
    },
    Metric {
        name: "down_at_end_s",
        unit: Unit::Seconds,
        better: Better::Lower,
        sites: Sites::All,
        key: None,
        goal: None,
        fault: true,
        impact: Some(Impact::High),
        words: "down at the end",
        label: None,
        meaning: "how long the site had been down when the run ended, 0 when it was up: a run waits past its end for every repair, install and rollback (and the final sync), so a site ends down only when nothing would bring it back by itself (an aborted procedure that left no traffic node accepting) or at the horizon; `downtime_s` includes this time",
        read: |m| Reading::Millis(m.down_at_end_ms),
    },
    Metric {
        name: "dropped_drain_timeout",
        unit: Unit::Count,
        better: Better::Lower,
        sites: Sites::All,
        key: None,
        goal: None,
        fault: false,
        impact: None,
        words: "dropped at drain timeout",
        label: None,
        meaning: "sessions cut when a drain reached its timeout (as `drain_cut_sessions`); part of `dropped_sessions`",
        read: |m| Reading::Whole(m.dropped_drain_timeout),
    },
    Metric {
        name: "dropped_upgrade",
        unit: Unit::Count,
        better: Better::Lower,
        sites: Sites::All,
        key: None,
        goal: None,
        fault: false,
        impact: None,
        words: "dropped by an upgrade",
        label: None,
        meaning: "sessions on a node when its upgrade started: an appliance, or a traffic node upgraded without a drain (an Atlas runbook's second half); part of `dropped_sessions`",
        read: |m| Reading::Whole(m.dropped_upgrade),
    },
    Metric {
        name: "dropped_switch",
        unit: Unit::Count,
        better: Better::Lower,
        sites: Sites::All,
        key: None,
        goal: None,
        fault: false,
        impact: None,
        words: "dropped by a switch",
        label: None,
        meaning: "sessions cut when their appliance became the backup or the shared IP or the NAT entry moved away from it; part of `dropped_sessions`",
        read: |m| Reading::Whole(m.dropped_switch),
    },
    Metric {
        name: "dropped_crash",
        unit: Unit::Count,
        better: Better::Lower,
        sites: Sites::All,
        key: None,
        goal: None,
        fault: false,
        impact: None,
        words: "dropped by a crash",
        label: None,
        meaning: "sessions on a node that crashed (faults on); part of `dropped_sessions`",
        read: |m| Reading::Whole(m.dropped_crash),
    },
    Metric {
        name: "dropped_restore",
        unit: Unit::Count,
        better: Better::Lower,
        sites: Sites::All,
        key: None,
        goal: None,
        fault: false,
        impact: None,
        words: "dropped by a restore",
        label: None,
        meaning: "sessions on an appliance restored to the old version (a backout, or the recovery from a latent defect); part of `dropped_sessions`",
        read: |m| Reading::Whole(m.dropped_restore),
    },
    Metric {
        name: "dropped_cutover",
        unit: Unit::Count,
        better: Better::Lower,
        sites: Sites::All,
        key: None,
        goal: None,
        fault: false,
        impact: None,
        words: "dropped at a cutover",
        label: None,
        meaning: "sessions of a blue-green pod disconnected at its cutover (back on green or logged off); part of `dropped_sessions`",
        read: |m| Reading::Whole(m.dropped_cutover),
    },
    Metric {
        name: "unsupported_s",
        unit: Unit::Seconds,
        better: Better::Lower,
        sites: Sites::Pods,
        key: None,
        goal: None,
        fault: true,
        impact: Some(Impact::High),
        words: "unsupported",
        label: None,
        meaning: "how long the pod ran unsupported: a failed precheck not fixed by its deadline fails the update, and the pod runs on the old version, out of support, from the deadline until the admin's fix",
        read: |m| m.unsupported_ms.map_or(Reading::Absent, Reading::Millis),
    },
    Metric {
        name: "scheduled_hour",
        unit: Unit::Count,
        better: Better::Neither,
        sites: Sites::Pods,
        key: None,
        goal: None,
        fault: false,
        impact: None,
        words: "slot hour of the week",
        label: None,
        meaning: "the hour of the week of the maintenance slot (0 = Monday 00:00 to 01:00, 167 = Sunday 23:00) in the preferred window's zone (UTC by default)",
        read: |m| m.scheduled_hour.map_or(Reading::Absent, Reading::Whole),
    },
    Metric {
        name: "preparation_s",
        unit: Unit::Seconds,
        better: Better::Lower,
        sites: Sites::All,
        key: None,
        goal: None,
        fault: false,
        impact: None,
        words: "preparation",
        label: None,
        meaning: "the preparation's length (`[preparation]`: the manual path, then the rehearsal), from the warm-up's end; the procedure starts at the first window after it (0 without a preparation; in a fleet, the mean length the campaign placed the site by)",
        read: |m| Reading::Millis(m.preparation_ms),
    },
    Metric {
        name: "jump_clients_offline_s",
        unit: Unit::Seconds,
        better: Better::Lower,
        sites: Sites::All,
        key: None,
        goal: None,
        fault: false,
        impact: None,
        words: "Jump Clients offline",
        label: None,
        meaning: "the time the `[jump_clients]` spent offline, added over the clients: each from the instant the site went down (or the site moved to the new version) until it reconnected, at the appliance's throttle, and, on the new version the first time, updated; the last return is counted in full, even past the run's end (0 without Jump Clients)",
        read: |m| Reading::Millis(m.jump_clients_offline_ms),
    },
    Metric {
        name: "peak_reconnects_per_minute",
        unit: Unit::Count,
        better: Better::Lower,
        sites: Sites::All,
        key: None,
        goal: None,
        fault: false,
        impact: None,
        words: "peak Jump Client reconnects a minute",
        label: None,
        meaning: "the most Jump Clients that reconnected to the appliance in one minute (at most `jump_clients.reconnect_per_minute`; all of them at once without a throttle; 0 without Jump Clients)",
        read: |m| Reading::Whole(m.peak_reconnects_per_minute),
    },
    Metric {
        name: "emergency",
        unit: Unit::Flag,
        better: Better::Lower,
        sites: Sites::Pods,
        key: None,
        goal: None,
        fault: false,
        impact: None,
        words: "emergency maintenance",
        label: None,
        meaning: "1 when the update came as an emergency maintenance (`pod.emergency_per_year`): short notice, any hour, no choice of slot; else 0",
        read: |m| m.emergency.map_or(Reading::Absent, Reading::Whole),
    },
    Metric {
        name: "rescheduled",
        unit: Unit::Flag,
        better: Better::Neither,
        sites: Sites::Pods,
        key: None,
        goal: None,
        fault: false,
        impact: None,
        words: "rescheduled through support",
        label: None,
        meaning: "1 when support moved the slot at the admin's request (`pod.reschedule_probability`) before it came; else 0",
        read: |m| m.rescheduled.map_or(Reading::Absent, Reading::Whole),
    },
    Metric {
        name: "validation_failures",
        unit: Unit::Count,
        better: Better::Lower,
        sites: Sites::Pods,
        key: None,
        goal: None,
        fault: true,
        impact: None,
        words: "validations failed",
        label: None,
        meaning: "green validations that failed (`pod.validation_failure`): each a fall-back to blue, users disconnected again, and the update retried at the next slot",
        read: |m| m.validation_failures.map_or(Reading::Absent, Reading::Whole),
    },
    Metric {
        name: "radius_failed_connects",
        unit: Unit::Count,
        better: Better::Lower,
        sites: Sites::Pods,
        key: None,
        goal: None,
        fault: false,
        impact: None,
        words: "refused by Radius",
        label: None,
        meaning: "connection attempts refused after the cutover until the Radius server accepts the new gateways' addresses (`pod.post_update.radius`); each is retried as the client's policy says, and counts in `failed_connects` when it gives up",
        read: |m| m.radius_failed_connects.map_or(Reading::Absent, Reading::Whole),
    },
    Metric {
        name: "download_s",
        unit: Unit::Seconds,
        better: Better::Lower,
        sites: Sites::All,
        key: None,
        goal: None,
        fault: false,
        impact: None,
        words: "downloading",
        label: None,
        meaning: "the time the appliances spent downloading the update directly before their installs (`preparation.download`), added over the downloads that ended, a lost one's and its redownload's included (not support's answer between them; a download a crash cut starts over after the repair): part of the procedure, in the window (0 without a download)",
        read: |m| Reading::Millis(m.download_ms),
    },
    Metric {
        name: "redownloads",
        unit: Unit::Count,
        better: Better::Lower,
        sites: Sites::All,
        key: None,
        goal: None,
        fault: true,
        impact: None,
        words: "downloads redone",
        label: None,
        meaning: "downloads lost and done again after technical support's answer (`preparation.download_lost`, the answer drawn from `faults.support`); each lengthens its appliance's install by the answer and a second download",
        read: |m| Reading::Whole(m.redownloads),
    },
    Metric {
        name: "integration_gap_s",
        unit: Unit::Seconds,
        better: Better::Lower,
        sites: Sites::WithBackup,
        key: None,
        goal: None,
        fault: false,
        impact: None,
        words: "integration gap",
        label: None,
        meaning: "the time the integrations configured by IP (`integrations.by_ip`) missed the site's data, added over them: each from a DNS or NAT swing to the other appliance until the operator re-pointed it (`integrations.repoint`, one after another) or a later switch brought the site back to its address; a re-pointing is counted in full even past the run's end (0 without such integrations)",
        read: |m| Reading::Millis(m.integration_gap_ms),
    },
    Metric {
        name: "dns_unremapped_s",
        unit: Unit::Seconds,
        better: Better::Lower,
        sites: Sites::Pods,
        key: None,
        goal: None,
        fault: false,
        impact: None,
        words: "direct connections without HA",
        label: None,
        meaning: "an exposure: how long direct connections ran without the pod's high availability after the update, from the cutover's end until the admin remapped the pod's DNS name to the load balancer's address (`pod.post_update.dns`); they work meanwhile, but if the active pod manager VM fails they are not carried over to the other (0 without the remap)",
        read: |m| m.dns_unremapped_ms.map_or(Reading::Absent, Reading::Millis),
    },
    Metric {
        name: "green_build_failures",
        unit: Unit::Count,
        better: Better::Lower,
        sites: Sites::Pods,
        key: None,
        goal: None,
        fault: true,
        impact: None,
        words: "green builds failed",
        label: None,
        meaning: "green builds that failed (`pod.green_build_failure`): each found at the build's end, blue serving on with no disconnection, and the update retried at the next slot",
        read: |m| m.green_build_failures.map_or(Reading::Absent, Reading::Whole),
    },
    Metric {
        name: "point_releases",
        unit: Unit::Count,
        better: Better::Lower,
        sites: Sites::Pods,
        key: None,
        goal: None,
        fault: false,
        impact: None,
        words: "point releases",
        label: None,
        meaning: "point releases that followed the update (`pod.point_release`; 0 or 1): another maintenance, not planned by the customer, at the next slot after the update, with its own cutover and disconnections",
        read: |m| m.point_releases.map_or(Reading::Absent, Reading::Whole),
    },
    Metric {
        name: "green_running_s",
        unit: Unit::Seconds,
        better: Better::Lower,
        sites: Sites::Pods,
        key: None,
        goal: None,
        fault: false,
        impact: None,
        words: "green and blue both running",
        label: None,
        meaning: "how long the pod ran two sets of VMs, the doubled VM cost: from each green build's start until blue is deleted, or until that green set is given up (a failed build, a fall-back to blue, an update stopped by locks)",
        read: |m| m.green_running_ms.map_or(Reading::Absent, Reading::Millis),
    },
    Metric {
        name: "admin_blocked_s",
        unit: Unit::Seconds,
        better: Better::Lower,
        sites: Sites::Pods,
        key: None,
        goal: None,
        fault: false,
        impact: None,
        words: "admin tasks blocked",
        label: None,
        meaning: "how long admin tasks on the pod were refused: the maintenances' length, from each maintenance's start to its end (a fall-back to blue is one too), a point release's included",
        read: |m| m.admin_blocked_ms.map_or(Reading::Absent, Reading::Millis),
    },
];

/// The number of metrics.
pub const COUNT: usize = METRICS.len();

const fn column_names() -> [&'static str; COUNT] {
    let mut names = [""; COUNT];
    let mut i = 0;
    while i < COUNT {
        names[i] = METRICS[i].name;
        i += 1;
    }
    names
}

/// The metric named `name` (a column name), if there is one.
pub fn find(name: &str) -> Option<&'static Metric> {
    METRICS.iter().find(|m| m.name == name)
}

/// The column index of metric `name`, if there is one.
pub fn index(name: &str) -> Option<usize> {
    METRICS.iter().position(|m| m.name == name)
}

/// The key metrics, by rank.
pub fn key_metrics() -> Vec<&'static Metric> {
    let mut keys: Vec<&Metric> = METRICS.iter().filter(|m| m.key.is_some()).collect();
    keys.sort_by_key(|m| m.key.map(|k| k.rank));
    keys
}

/// The faults, in column order.
pub fn faults() -> impl Iterator<Item = &'static Metric> {
    METRICS.iter().filter(|m| m.fault)
}

/// The metrics that judge a goal, with the goal, in column order.
pub fn goals() -> impl Iterator<Item = (&'static str, &'static Metric)> {
    METRICS.iter().filter_map(|m| m.goal.map(|g| (g, m)))
}

/// A metric is its column: two descriptions are equal when they name one column.
impl PartialEq for Metric {
    fn eq(&self, other: &Metric) -> bool {
        self.name == other.name
    }
}

impl Metric {
    /// The value in `m`, formatted as `metrics.csv` and `runs.csv` hold it.
    pub fn cell(&self, m: &Metrics) -> String {
        match (self.read)(m) {
            Reading::Millis(ms) => fmt_secs(ms),
            Reading::Whole(n) => n.to_string(),
            Reading::Real(x) if self.unit == Unit::Probability => format!("{x:.9}"),
            Reading::Real(x) => format!("{x:.6}"),
            Reading::Absent => String::new(),
        }
    }

    /// A chart title's words with the unit: `downtime (time)`,
    /// `dropped sessions (count)`, or the metric's own label.
    pub fn label(&self) -> String {
        match self.label {
            Some(l) => l.to_string(),
            None if self.unit.is_time() => format!("{} (time)", self.words),
            None => format!("{} (count)", self.words),
        }
    }

    /// The one unit its values are shown in to people, in every chart axis
    /// and every table and sentence of the report: its name and how many of
    /// the metric's own units make one (a time metric's values are seconds).
    ///
    /// Times are shown in minutes, except the spans that run to days (the
    /// exposure, the procedure, the simulated span, the notice and the
    /// instants) in hours; probabilities and ratios in percent; counts as
    /// counts.
    pub fn shown_unit(&self) -> (&'static str, f64) {
        match self.unit {
            Unit::Seconds | Unit::Instant
                if self.unit == Unit::Instant
                    || matches!(self.name, "exposure_s" | "procedure_s" | "span_s" | "notice_s") =>
            {
                ("h", 3600.0)
            }
            Unit::Seconds | Unit::Instant => ("min", 60.0),
            Unit::Probability | Unit::Ratio => ("%", 0.01),
            Unit::Count | Unit::Flag => ("", 1.0),
        }
    }

    /// True when it is shown in the printed table although zero everywhere.
    pub fn printed_when_zero(&self) -> bool {
        self.key.is_some_and(|k| k.shown != Shown::NotZero)
    }

    /// True when the report shows it although zero everywhere.
    pub fn reported_when_zero(&self) -> bool {
        self.key.is_some_and(|k| k.shown == Shown::Always)
    }
}

impl Metrics {
    /// Column names, in output order (after `strategy,seed`): the names of
    /// [`METRICS`].
    pub const COLUMNS: [&'static str; COUNT] = column_names();

    /// The values, formatted, in [`Metrics::COLUMNS`] order.
    /// Empty cells stand for "does not apply" (`scheduled_at_s` outside pods).
    pub fn values(&self) -> [String; COUNT] {
        std::array::from_fn(|i| METRICS[i].cell(self))
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
        let by_cause = self.dropped_drain_timeout
            + self.dropped_upgrade
            + self.dropped_switch
            + self.dropped_crash
            + self.dropped_restore
            + self.dropped_cutover;
        if by_cause != self.dropped_sessions {
            return Some(format!(
                "dropped {} != {} by cause (drain timeout, upgrade, switch, crash, restore, cutover)",
                self.dropped_sessions, by_cause
            ));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_distinct_and_are_the_columns() {
        for (i, m) in METRICS.iter().enumerate() {
            assert_eq!(Metrics::COLUMNS[i], m.name);
            assert_eq!(index(m.name), Some(i), "{} is listed twice", m.name);
            assert!(!m.words.contains('_') && !m.words.is_empty(), "{}", m.name);
            assert!(!m.meaning.is_empty() && !m.meaning.contains('|'), "{}", m.name);
            // A name carries its unit: `_s` for times, never for anything else.
            assert_eq!(m.name.ends_with("_s"), m.unit.is_time(), "{}", m.name);
        }
        assert!(find("nope").is_none() && index("nope").is_none());
    }

    #[test]
    fn key_metrics_have_distinct_places_and_lower_is_better() {
        let keys = key_metrics();
        let ranks: Vec<u8> = keys.iter().map(|m| m.key.unwrap().rank).collect();
        assert_eq!(ranks, (1..=keys.len() as u8).collect::<Vec<_>>());
        let mut places: Vec<u8> = keys.iter().filter_map(|m| m.key.unwrap().report_chart).collect();
        places.sort();
        assert_eq!(places, (1..=places.len() as u8).collect::<Vec<_>>());
        // The printed table names the best strategy where lower is better, and
        // the report's goals are the least or fewest of something.
        for m in &keys {
            assert_eq!(m.better, Better::Lower, "{}", m.name);
        }
        for (goal, m) in goals() {
            assert!(
                m.key.is_some_and(|k| k.in_report),
                "{goal}: {} is not in the report",
                m.name
            );
        }
        assert_eq!(keys[0].name, "downtime_s");
        assert!(keys[0].reported_when_zero() && keys[0].printed_when_zero());
    }

    #[test]
    fn readings_match_units_and_only_blue_green_metrics_can_be_absent() {
        let pod = Metrics {
            scheduled_at_ms: Some(3_600_000),
            in_preferred_window: Some(false),
            notice_ms: Some(3_000_000),
            unsupported_ms: Some(0),
            scheduled_hour: Some(122),
            emergency: Some(0),
            rescheduled: Some(1),
            validation_failures: Some(2),
            radius_failed_connects: Some(0),
            dns_unremapped_ms: Some(0),
            green_build_failures: Some(1),
            point_releases: Some(0),
            green_running_ms: Some(7_200_000),
            admin_blocked_ms: Some(900_000),
            ..Metrics::default()
        };
        for m in METRICS {
            for (run, is_pod) in [(&Metrics::default(), false), (&pod, true)] {
                let fits = match (m.read)(run) {
                    Reading::Millis(_) => m.unit.is_time(),
                    Reading::Whole(_) => matches!(m.unit, Unit::Count | Unit::Flag),
                    Reading::Real(_) => matches!(m.unit, Unit::Probability | Unit::Ratio),
                    Reading::Absent => m.sites.empty_elsewhere() && !is_pod,
                };
                assert!(fits, "{}: {:?} for a {:?} metric", m.name, (m.read)(run), m.unit);
            }
            if m.sites.empty_elsewhere() {
                assert_eq!((m.read)(&Metrics::default()), Reading::Absent, "{}", m.name);
            }
        }
    }

    #[test]
    fn cells_are_formatted_by_unit() {
        let m = Metrics {
            downtime_ms: 2_700_001,
            failed_connects: 3,
            exposure_risk: 0.25,
            peak_load_ratio: 1.5,
            aborted: 1,
            scheduled_at_ms: Some(90_000),
            in_preferred_window: Some(true),
            ..Metrics::default()
        };
        let v = m.values();
        let cell = |name: &str| v[index(name).unwrap()].as_str();
        assert_eq!(cell("downtime_s"), "2700.001");
        assert_eq!(cell("failed_connects"), "3");
        assert_eq!(cell("exposure_risk"), "0.250000000");
        assert_eq!(cell("peak_load_ratio"), "1.500000");
        assert_eq!(cell("aborted"), "1");
        assert_eq!(cell("scheduled_at_s"), "90.000");
        assert_eq!(cell("in_preferred_window"), "1");
        let d = Metrics::default().values();
        assert_eq!(d[index("scheduled_at_s").unwrap()], "");
        assert_eq!(d[index("in_preferred_window").unwrap()], "");
    }

    #[test]
    fn chart_labels_carry_the_unit() {
        assert_eq!(find("downtime_s").unwrap().label(), "downtime (time)");
        assert_eq!(find("dropped_sessions").unwrap().label(), "dropped sessions (count)");
        assert_eq!(
            find("exposure_risk").unwrap().label(),
            "exposure risk (probability of a crash, %)"
        );
    }
}
