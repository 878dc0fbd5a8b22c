//! Scenarios: the file format, its validation, and the validated model config.
//!
//! A scenario file is TOML. It is read in two layers: [`raw`] mirrors the file
//! with every field optional and unknown keys refused; [`validate`] turns it
//! into a [`Scenario`] whose fields carry units in their names or types,
//! collecting *every* problem with its field path. [`locate`] then finds the
//! line of each problem in the text. Omitted fields take the documented
//! defaults (see the README's scenario reference).

pub mod locate;
pub mod raw;
pub mod validate;

use std::fmt;
use std::path::Path;

use crate::model::calendar::Calendar;
use crate::model::dist::Dist;
use crate::runbook::{self, Runbook, RunbookError};
use crate::time::SimDuration;

/// The built-in default scenario: the shipped `scenarios/failover-pair.toml`.
pub const DEFAULT_TOML: &str = include_str!("../scenarios/failover-pair.toml");
/// The name under which the built-in default reports.
pub const DEFAULT_NAME: &str = "failover-pair";

/// What serves the site.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SiteKind {
    /// One appliance, `A`.
    Single,
    /// A primary `A` and a backup `B` in a failover relationship.
    FailoverPair,
}

impl SiteKind {
    /// Parses the file name of a kind.
    pub fn parse(s: &str) -> Option<SiteKind> {
        match s {
            "single" => Some(SiteKind::Single),
            "failover-pair" => Some(SiteKind::FailoverPair),
            _ => None,
        }
    }

    /// The file name of the kind.
    pub fn name(self) -> &'static str {
        match self {
            SiteKind::Single => "single",
            SiteKind::FailoverPair => "failover-pair",
        }
    }
}

/// The site.
#[derive(Clone, Debug, PartialEq)]
pub struct Site {
    /// Single appliance or failover pair.
    pub kind: SiteKind,
    /// Stored data per appliance (recordings, logs, file store), in GB.
    pub data_gb: f64,
    /// Whether both appliances hold identical inter-appliance keys.
    pub keys_match: bool,
}

const NODE_NAMES: [&str; 2] = ["A", "B"];

impl Site {
    /// Names of the appliances, primary first.
    pub fn node_names(&self) -> &'static [&'static str] {
        match self.kind {
            SiteKind::Single => &NODE_NAMES[..1],
            SiteKind::FailoverPair => &NODE_NAMES[..],
        }
    }

    /// The name of appliance `id`.
    pub fn node_name(&self, id: usize) -> &'static str {
        NODE_NAMES.get(id).copied().unwrap_or("?")
    }

    /// The index of the appliance called `name`.
    pub fn node_id(&self, name: &str) -> Option<usize> {
        self.node_names().iter().position(|n| *n == name)
    }
}

/// Upgrade phases of one appliance.
#[derive(Clone, Debug, PartialEq)]
pub struct UpgradeSpec {
    /// Base software update.
    pub base: Dist,
    /// Product (licensing software) update, before the data-dependent part.
    pub product: Dist,
    /// Reboot.
    pub reboot: Dist,
    /// Extra install time per GB of stored data (added to the product phase).
    pub install_per_gb: SimDuration,
}

/// The failover relationship and its synchronisation.
#[derive(Clone, Debug, PartialEq)]
pub struct FailoverSpec {
    /// Time between periodic syncs while established.
    pub sync_interval: SimDuration,
    /// Delay from establishing to the first (full) sync.
    pub first_sync_delay: SimDuration,
    /// Fixed cost of every sync.
    pub sync_overhead: Dist,
    /// Sync throughput, MB/s.
    pub throughput_mb_s: f64,
    /// Size of the record each ended session leaves (log and recording), MB.
    pub record_mb: f64,
}

/// Network switch parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkSpec {
    /// Operator latency between disabling the shared IP on one appliance and
    /// enabling it on the other.
    pub shared_ip_gap: Dist,
    /// TTL of the site's DNS record.
    pub dns_ttl: SimDuration,
    /// Fraction of clients whose resolver keeps a stale answer past the TTL.
    pub dns_stale_fraction: f64,
    /// How long past the TTL a stale resolver holds on (the long tail).
    pub dns_stale_extra: Dist,
    /// Delay until a NAT edit takes effect.
    pub nat_delay: Dist,
}

/// Operator timings.
#[derive(Clone, Debug, PartialEq)]
pub struct OperatorSpec {
    /// One manual step (clicks, checks) before a step's action takes effect.
    pub step: Dist,
    /// "Verify and test".
    pub verify: Dist,
    /// Downloading a settings backup.
    pub backup: Dist,
}

/// Client retry policy after a failed connect.
#[derive(Clone, Debug, PartialEq)]
pub struct RetrySpec {
    /// Retries after the first attempt (0 = no retry).
    pub attempts: u32,
    /// Wait before the first retry.
    pub backoff: SimDuration,
    /// Each further wait is the previous one times this factor.
    pub factor: f64,
}

/// Reconnect behaviour of dropped representative consoles.
#[derive(Clone, Debug, PartialEq)]
pub struct ReconnectSpec {
    /// Time between reconnect attempts.
    pub interval: SimDuration,
    /// Attempts before giving up (counted as a failed connect).
    pub attempts: u32,
    /// Extra time a console reconnecting to an upgraded site spends updating.
    pub client_update: SimDuration,
}

/// One kind of client.
#[derive(Clone, Debug, PartialEq)]
pub struct ClientSpec {
    /// Arrival rate at a profile multiplier of 1, per hour.
    pub rate_per_hour: f64,
    /// Session duration.
    pub duration: Dist,
    /// Retries after a failed connect.
    pub retry: RetrySpec,
    /// Reconnect after a drop (consoles), if any.
    pub reconnect: Option<ReconnectSpec>,
}

/// The workload.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkloadSpec {
    /// Rate multiplier for each hour of the week (168 values, Monday 00:00 first).
    pub profile: Vec<f64>,
    /// Customer support sessions.
    pub support: ClientSpec,
    /// Representative consoles.
    pub console: ClientSpec,
}

/// Fault parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultSpec {
    /// Mean time between crashes of one appliance (for `exposure_risk`).
    pub mtbf: SimDuration,
}

/// A validated scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    /// Name, used in output paths.
    pub name: String,
    /// What the scenario shows.
    pub description: String,
    /// Default master seed.
    pub seed: u64,
    /// The strategies (runbook names) the scenario enables, in order.
    pub strategies: Vec<String>,
    /// Runbooks resolved against the site, one per strategy, same order.
    pub runbooks: Vec<Runbook>,
    /// Weekly calendar and windows.
    pub calendar: Calendar,
    /// Minimum time between the two maintenance windows of an asynchronous upgrade.
    pub interim: SimDuration,
    /// Workload time before the procedure starts.
    pub warmup: SimDuration,
    /// Time after the site is back to normal before the run ends.
    pub cooldown: SimDuration,
    /// The site.
    pub site: Site,
    /// Upgrade phases.
    pub upgrade: UpgradeSpec,
    /// Failover relationship.
    pub failover: FailoverSpec,
    /// Network switch.
    pub network: NetworkSpec,
    /// Operator.
    pub operator: OperatorSpec,
    /// Workload.
    pub workload: WorkloadSpec,
    /// Faults.
    pub faults: FaultSpec,
}

impl Scenario {
    /// The built-in default scenario.
    pub fn default_scenario() -> Scenario {
        Scenario::parse(DEFAULT_TOML, "<built-in default>", DEFAULT_NAME)
            .expect("the built-in default is valid (tested)")
    }

    /// Reads and validates a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
            file: file.clone(),
            problems: vec![Problem {
                path: String::new(),
                line: None,
                message: format!("cannot read the file: {e}"),
            }],
        })?;
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("scenario");
        Scenario::parse(&text, &file, stem)
    }

    /// Parses and validates scenario text; `file` names it in errors and
    /// `default_name` is used when the file sets no `name`.
    pub fn parse(text: &str, file: &str, default_name: &str) -> Result<Scenario, ScenarioError> {
        let fail = |problems: Vec<Problem>| ScenarioError {
            file: file.to_string(),
            problems,
        };
        let raw: raw::RawScenario = match toml::from_str(text) {
            Ok(r) => r,
            Err(e) => {
                let (line, path) = match e.span() {
                    Some(span) => (
                        Some(locate::line_of_offset(text, span.start)),
                        locate::path_at(text, span.start),
                    ),
                    None => (None, String::new()),
                };
                return Err(fail(vec![Problem {
                    path,
                    line,
                    message: e.message().trim().to_string(),
                }]));
            }
        };
        validate::validate(raw, default_name).map_err(|mut problems| {
            for p in &mut problems {
                p.line = locate::line_of_path(text, &p.path);
            }
            fail(problems)
        })
    }

    /// The runbook of strategy `name`, when the scenario enables it.
    pub fn runbook(&self, name: &str) -> Option<&Runbook> {
        self.runbooks.iter().find(|r| r.name == name)
    }

    /// Resolves a strategy name, with an error that lists the valid ones.
    pub fn strategy(&self, name: &str) -> Result<&Runbook, String> {
        self.runbook(name).ok_or_else(|| {
            let known = runbook::builtin_names();
            let why = if known.iter().any(|k| k == name) {
                "is not enabled for this scenario".to_string()
            } else {
                "is not a known strategy".to_string()
            };
            format!(
                "strategy {name:?} {why}; this scenario enables: {}",
                self.strategies.join(", ")
            )
        })
    }
}

/// One problem in a scenario file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Dotted field path, e.g. `upgrade.base.p95` or `calendar.windows[1].hour`.
    pub path: String,
    /// 1-based line, where known.
    pub line: Option<usize>,
    /// What is wrong, lowercase, no trailing period.
    pub message: String,
}

/// A scenario that could not be read or is invalid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// The file, as given.
    pub file: String,
    /// Every problem found.
    pub problems: Vec<Problem>,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            match p.line {
                Some(l) => write!(f, "{}:{}: {}", self.file, l, p)?,
                None => write!(f, "{}: {}", self.file, p)?,
            }
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}

impl From<RunbookError> for Problem {
    fn from(e: RunbookError) -> Problem {
        Problem {
            path: "strategies".into(),
            line: None,
            message: e.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_default_is_valid_and_named() {
        let s = Scenario::default_scenario();
        assert_eq!(s.name, "failover-pair");
        assert_eq!(s.site.kind, SiteKind::FailoverPair);
        assert_eq!(s.strategies.len(), 4);
    }

    #[test]
    fn empty_file_takes_defaults() {
        let s = Scenario::parse("", "x.toml", "x").unwrap();
        assert_eq!(s.name, "x");
        assert_eq!(s.workload.profile.len(), 168);
    }
}
