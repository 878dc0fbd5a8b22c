//! What one replication of a campaign reports, and the one table that
//! describes each campaign metric (like [`crate::metrics::METRICS`] for a
//! site): column name, unit, which way is better, words and meaning.

use super::StopOn;
use crate::metrics::{Better, Reading, Unit};
use crate::time::fmt_secs;

/// How a campaign ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// Every site runs the new version (after a stop and a fix, perhaps).
    #[default]
    Done,
    /// A `stop_on` outcome stopped it before every site was done.
    Stopped,
    /// Nothing stopped it, yet some site is not done: aborted, back on the
    /// old version after a defect, or with no room within the horizon.
    Unfinished,
}

impl Outcome {
    /// Every outcome, in the order tables list them.
    pub const ALL: [Outcome; 3] = [Outcome::Done, Outcome::Stopped, Outcome::Unfinished];

    /// The word in `runs.csv`.
    pub fn word(self) -> &'static str {
        match self {
            Outcome::Done => "done",
            Outcome::Stopped => "stopped",
            Outcome::Unfinished => "unfinished",
        }
    }

    /// The outcome a word of `runs.csv` names.
    pub fn parse(word: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.word() == word)
    }
}

/// The columns of `runs.csv` that hold words, not numbers, with their
/// meaning (they come before the numbers).
pub const WORD_COLUMNS: [(&str, &str); 2] = [
    (
        "outcome",
        "done (every site runs the new version), stopped (a stop_on outcome stopped the campaign first) or unfinished (no stop, yet some site is not done: aborted, back on the old version after a defect, or no room within two years)",
    ),
    (
        "stop_cause",
        "the stop_on entry that stopped the campaign (defect_found whenever the version's defect was found, wherever and however the site recovered; aborted, defect_escaped, rollback, backout); a campaign that resumed after a fix and was not stopped again: defect_found; empty when none fired",
    ),
];

/// The campaign metrics of one replication of one plan.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CampaignMetrics {
    pub outcome: Outcome,
    pub stop_cause: Option<StopOn>,
    pub campaign_ms: u64,
    pub sites_done: u64,
    pub sites_aborted: u64,
    pub sites_recovered: u64,
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
    pub stop_ms: Option<u64>,
    pub defects_escaped: u64,
    pub defect_sites: u64,
    pub lost_work_sessions: u64,
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
    /// What it means, for the book and the report.
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
pub const CAMPAIGN_METRICS: [CampaignMetric; 19] = [
    CampaignMetric {
        name: "campaign_s",
        unit: Unit::Seconds,
        better: Better::Lower,
        words: "campaign length",
        meaning: "from the campaign's start to the end of the last site's procedure: its last step, or its abort (a stopped campaign: of the last site that started, not a finished fleet; read it with outcome; the recovery from a defect found later is not part of it)",
        read: |m| Reading::Millis(m.campaign_ms),
    },
    CampaignMetric {
        name: "sites_done",
        unit: Unit::Count,
        better: Better::Higher,
        words: "sites done",
        meaning: "sites whose procedure ran to its end and that run the new version at the end",
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
        name: "sites_recovered",
        unit: Unit::Count,
        better: Better::Lower,
        words: "sites back on the old version",
        meaning: "sites that ran the new version, showed a latent defect and fell back or were restored (not run again)",
        read: |m| Reading::Whole(m.sites_recovered),
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
        meaning: "1 when every site is done (outcome done) and the last one ended by the deadline (the end of its day); empty without a deadline",
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
        meaning: "for each outage, the users who would have been connected (arrival rate at that local hour × mean session length) times its minutes, plus the consoles' technician time (each technician's update once, however long a site's run lasts), all sites",
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
        meaning: "the wave of the site whose outcome stopped the campaign (the stop of stop_cause), 0 when none did",
        read: |m| Reading::Whole(m.stopped_at_wave),
    },
    CampaignMetric {
        name: "stop_s",
        unit: Unit::Seconds,
        better: Better::Neither,
        words: "stopped after",
        meaning: "when the stop of stop_cause fired, from the campaign's start; empty when none did",
        read: |m| match m.stop_ms {
            Some(ms) => Reading::Millis(ms),
            None => Reading::Absent,
        },
    },
    CampaignMetric {
        name: "defects_escaped",
        unit: Unit::Count,
        better: Better::Lower,
        words: "defects escaped",
        meaning: "sites where a latent defect was found after every appliance left the old version",
        read: |m| Reading::Whole(m.defects_escaped),
    },
    CampaignMetric {
        name: "defect_sites",
        unit: Unit::Count,
        better: Better::Lower,
        words: "sites that ran the defective version",
        meaning: "sites that served a version carrying the version's defect ([version] latent_defect): 0 when the version had none",
        read: |m| Reading::Whole(m.defect_sites),
    },
    CampaignMetric {
        name: "lost_work_sessions",
        unit: Unit::Count,
        better: Better::Lower,
        words: "sessions that lost work, all sites",
        meaning: "the sites' sessions logged off with their users' work lost (pods' cutovers; 0 for appliances), added up",
        read: |m| Reading::Whole(m.lost_work_sessions),
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

    /// The word columns as `runs.csv` holds them ([`WORD_COLUMNS`]).
    pub fn words(&self) -> [String; 2] {
        [
            self.outcome.word().to_string(),
            self.stop_cause.map_or(String::new(), |c| c.word().to_string()),
        ]
    }
}
