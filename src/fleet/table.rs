//! What one replication of a campaign reports, and the one table that
//! describes each campaign metric (like [`crate::metrics::METRICS`] for a
//! site): column name, unit, which way is better, words and meaning.

use crate::metrics::{Better, Reading, Unit};
use crate::time::fmt_secs;

/// The campaign metrics of one replication of one plan.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CampaignMetrics {
    pub campaign_ms: u64,
    pub sites_done: u64,
    pub sites_aborted: u64,
    pub sites_not_started: u64,
    pub done_by_deadline: Option<bool>,
    pub peak_sites_without_failover: u64,
    pub site_exposure_ms: u64,
    pub downtime_ms: u64,
    pub dropped_sessions: u64,
    pub user_minutes_lost: f64,
    pub operator_hours: f64,
    pub peak_night_operator_hours: f64,
    pub nights_used: u64,
    pub stopped_at_wave: u64,
    pub defects_escaped: u64,
}

/// One campaign metric.
#[derive(Clone, Copy, Debug)]
pub struct CampaignMetric {
    /// Column name in the fleet's `runs.csv` and `summary.csv`.
    pub name: &'static str,
    pub unit: Unit,
    pub better: Better,
    /// Short words for tables and charts.
    pub words: &'static str,
    /// What it means, for the README and the report.
    pub meaning: &'static str,
    pub read: fn(&CampaignMetrics) -> Reading,
}

impl CampaignMetric {
    /// The value formatted as `runs.csv` holds it.
    pub fn cell(&self, m: &CampaignMetrics) -> String {
        match (self.read)(m) {
            Reading::Millis(ms) => fmt_secs(ms),
            Reading::Whole(n) => n.to_string(),
            Reading::Real(x) => format!("{x:.6}"),
            Reading::Absent => String::new(),
        }
    }
}

/// Every campaign metric, in column order (never reordered).
pub const CAMPAIGN_METRICS: [CampaignMetric; 15] = [
    CampaignMetric {
        name: "campaign_s",
        unit: Unit::Seconds,
        better: Better::Lower,
        words: "campaign length",
        meaning: "from the campaign's start to the end of the last site's procedure: its last step, or its abort (a stopped campaign: of the last site that started; the recovery from a defect found later is not part of it)",
        read: |m| Reading::Millis(m.campaign_ms),
    },
    CampaignMetric {
        name: "sites_done",
        unit: Unit::Count,
        better: Better::Higher,
        words: "sites done",
        meaning: "sites whose procedure ran to its end",
        read: |m| Reading::Whole(m.sites_done),
    },
    CampaignMetric {
        name: "sites_aborted",
        unit: Unit::Count,
        better: Better::Lower,
        words: "sites aborted",
        meaning: "sites whose procedure was aborted (a failed upgrade rolled back, a backout, a budget)",
        read: |m| Reading::Whole(m.sites_aborted),
    },
    CampaignMetric {
        name: "sites_not_started",
        unit: Unit::Count,
        better: Better::Lower,
        words: "sites not started",
        meaning: "sites the campaign never started: it stopped first, or no window had room within two years",
        read: |m| Reading::Whole(m.sites_not_started),
    },
    CampaignMetric {
        name: "done_by_deadline",
        unit: Unit::Flag,
        better: Better::Higher,
        words: "done by the deadline",
        meaning: "1 when every site is done and the last one ended by the deadline (the end of its day); empty without a deadline",
        read: |m| match m.done_by_deadline {
            Some(b) => Reading::Whole(u64::from(b)),
            None => Reading::Absent,
        },
    },
    CampaignMetric {
        name: "peak_sites_without_failover",
        unit: Unit::Count,
        better: Better::Lower,
        words: "peak sites without failover",
        meaning: "most sites without a working failover at the same instant",
        read: |m| Reading::Whole(m.peak_sites_without_failover),
    },
    CampaignMetric {
        name: "site_exposure_s",
        unit: Unit::Seconds,
        better: Better::Lower,
        words: "exposure, all sites",
        meaning: "the sites' times without a working failover, added up",
        read: |m| Reading::Millis(m.site_exposure_ms),
    },
    CampaignMetric {
        name: "downtime_s",
        unit: Unit::Seconds,
        better: Better::Lower,
        words: "downtime, all sites",
        meaning: "the sites' downtimes, added up",
        read: |m| Reading::Millis(m.downtime_ms),
    },
    CampaignMetric {
        name: "dropped_sessions",
        unit: Unit::Count,
        better: Better::Lower,
        words: "dropped sessions, all sites",
        meaning: "the sites' dropped sessions, added up",
        read: |m| Reading::Whole(m.dropped_sessions),
    },
    CampaignMetric {
        name: "user_minutes_lost",
        unit: Unit::Ratio,
        better: Better::Lower,
        words: "user-minutes lost",
        meaning: "for each outage, the users who would have been connected (arrival rate at that local hour × mean session length) times its minutes, plus the consoles' technician time, all sites",
        read: |m| Reading::Real(m.user_minutes_lost),
    },
    CampaignMetric {
        name: "operator_hours",
        unit: Unit::Ratio,
        better: Better::Lower,
        words: "operator hours",
        meaning: "operators' working time over the campaign, all sites",
        read: |m| Reading::Real(m.operator_hours),
    },
    CampaignMetric {
        name: "peak_night_operator_hours",
        unit: Unit::Ratio,
        better: Better::Lower,
        words: "busiest night, operator hours",
        meaning: "operator hours of the busiest night (a night runs from noon to noon in the fleet's zone)",
        read: |m| Reading::Real(m.peak_night_operator_hours),
    },
    CampaignMetric {
        name: "nights_used",
        unit: Unit::Count,
        better: Better::Lower,
        words: "nights used",
        meaning: "nights (noon to noon, fleet zone) in which some site was worked",
        read: |m| Reading::Whole(m.nights_used),
    },
    CampaignMetric {
        name: "stopped_at_wave",
        unit: Unit::Count,
        better: Better::Neither,
        words: "stopped at wave",
        meaning: "the wave whose site stopped the campaign (by its stop_on outcomes), 0 when it did not stop",
        read: |m| Reading::Whole(m.stopped_at_wave),
    },
    CampaignMetric {
        name: "defects_escaped",
        unit: Unit::Count,
        better: Better::Lower,
        words: "defects escaped",
        meaning: "sites where a latent defect was found after every appliance left the old version",
        read: |m| Reading::Whole(m.defects_escaped),
    },
];

/// The column names, in order.
pub const COLUMNS: [&str; CAMPAIGN_METRICS.len()] = {
    let mut out = [""; CAMPAIGN_METRICS.len()];
    let mut i = 0;
    while i < out.len() {
        out[i] = CAMPAIGN_METRICS[i].name;
        i += 1;
    }
    out
};

/// The units, in column order.
pub fn units() -> Vec<Unit> {
    CAMPAIGN_METRICS.iter().map(|m| m.unit).collect()
}

/// The column of `name`.
pub fn index(name: &str) -> Option<usize> {
    COLUMNS.iter().position(|c| *c == name)
}

impl CampaignMetrics {
    /// The values as `runs.csv` holds them, in column order.
    pub fn values(&self) -> Vec<String> {
        CAMPAIGN_METRICS.iter().map(|m| m.cell(self)).collect()
    }
}
