//! Scenarios: the file format, its validation, and the validated model config.
//!
//! A scenario file is TOML. It is read in two layers: [`raw`] mirrors the file
//! with every field optional and unknown keys refused; [`validate`] turns it
//! into a [`Scenario`] whose fields carry units in their names or types,
//! collecting *every* problem with its field path. [`locate`] then finds the
//! line of each problem in the text. Omitted fields take the documented
//! defaults (see the book's scenario chapter, docs/src/scenarios.md, whose field table is [`fields::TABLES`]).

pub mod fields;
pub mod inject;
pub mod locate;
pub mod prep;
pub mod raw;
pub mod sensitivity;
pub mod suggest;
pub mod validate;

use std::fmt;

use crate::model::calendar::{Calendar, Clock, WindowRules};
use crate::model::dist::Dist;
use crate::model::site::{Site, short_list};
use crate::runbook::{self, Runbook, RunbookError};
use crate::time::{MS_PER_HOUR, MS_PER_WEEK, SimDuration, SimTime};

/// The scenario of `text` with the lines of the parse's refusals blanked
/// (see [`suggest::parse_all`]), when that parses; `None` when a refusal
/// has no line or the text without them still does not parse.
fn blanked_raw(text: &str, problems: &[Problem]) -> Option<raw::RawScenario> {
    let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
    for p in problems {
        let at = p.line?.checked_sub(1)?;
        let line = lines.get_mut(at)?;
        if line.trim_start().starts_with('[') && !line.contains('=') {
            return None;
        }
        *line = " ".repeat(line.len());
    }
    toml::from_str(&lines.join("\n")).ok()
}

/// The built-in default scenario: the shipped `scenarios/failover-pair.toml`.
pub const DEFAULT_TOML: &str = include_str!("../scenarios/failover-pair.toml");
/// The name under which the built-in default reports.
pub const DEFAULT_NAME: &str = "failover-pair";
/// Largest scenario file accepted (2 MiB): the TOML parser holds about 70
/// times the text's size while it reads it (about 140 MB at the limit), and
/// no sensible scenario comes near it (30,000 steps take under 1 MB).
pub const MAX_SCENARIO_BYTES: usize = 2 << 20;

/// Upgrade phases of one appliance.
#[derive(Clone, Debug, PartialEq)]
pub struct UpgradeSpec {
    /// Base software update.
    pub base: Dist,
    /// Product (licensing software) update, before the data-dependent part.
    pub product: Dist,
    /// Reboot.
    pub reboot: Dist,
    /// Extra install time per GB of stored data (added to the product
    /// phase of appliances; traffic nodes store no recordings).
    pub install_per_gb: SimDuration,
    /// Both appliances of a pair (`A` and `B` of a cluster) take the same
    /// time: one draw of the phases serves both ("expect the upgrade
    /// process to take the same amount of time on both").
    pub same_on_both: bool,
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
    /// A backup on another version than its primary still counts as a
    /// working backup and takes syncs (the vendor text does not say the
    /// pair supports it: off by default; docs/model.md §3).
    pub mixed_versions: bool,
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

/// How many operators there are and when they work (`[operators]`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OperatorsSpec {
    /// How many work at once; none = as many as needed.
    pub count: Option<u32>,
    /// When they are on shift, local time; empty = always.
    pub shifts: Vec<crate::model::calendar::Shift>,
}

impl OperatorsSpec {
    /// False for the defaults: as many operators as needed, always on shift.
    pub fn limited(&self) -> bool {
        self.count.is_some() || !self.shifts.is_empty()
    }
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
    /// Consoles: share deployed by MSI on locked-down machines, which
    /// cannot connect to the new version until redeployed (0 for support).
    pub msi_locked_share: f64,
    /// Consoles: the redeployment of the locked-down ones, from the moment
    /// the site first serves the new version.
    pub redeploy: Dist,
    /// Consoles: the number of distinct consoles (technicians), each of
    /// which updates itself once after the upgrade (0 for support). By
    /// default the consoles connected at once at the busiest hour of the
    /// weekly profile (docs/model.md, "Consoles after the upgrade").
    pub technicians: u64,
}

/// The workload.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkloadSpec {
    /// Arrivals evenly spaced in cumulative rate instead of Poisson (for
    /// hand-checkable runs).
    pub deterministic: bool,
    /// Rate multiplier for each hour of the week (168 values, Monday 00:00 first).
    pub profile: Vec<f64>,
    /// Customer support sessions.
    pub support: ClientSpec,
    /// Representative consoles.
    pub console: ClientSpec,
}

/// Fault parameters. Every fault is off by default.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultSpec {
    /// Mean time between crashes of one node (for `exposure_risk`, and for
    /// simulated crashes when `crashes` is on).
    pub mtbf: SimDuration,
    /// Simulate crashes at rate 1/MTBF while a node is up.
    pub crashes: bool,
    /// Repair time after a crash.
    pub mttr: Dist,
    /// Time for the backup to take over after the primary crashes.
    pub failover_delay: Dist,
    /// Probability that one upgrade of one node fails.
    pub upgrade_failure: f64,
    /// Extra time to roll back a failed upgrade (restore from the backup).
    pub rollback: Dist,
    /// Wait for technical support after a failed upgrade, before the retry
    /// (or, with no retry left, before the rollback and the abort).
    pub support: Dist,
    /// Further attempts after a failed upgrade before the procedure is aborted.
    pub upgrade_retries: u32,
    /// Probability that a sync fails.
    pub sync_failure: f64,
    /// Wait before a failed sync is retried.
    pub sync_retry: SimDuration,
    /// Probability that a precheck fails and needs admin action.
    pub precheck_failure: f64,
    /// Time the admin needs to fix a failed precheck.
    pub admin_fix: Dist,
    /// Deadline for the fix; past it the update fails.
    pub precheck_deadline: SimDuration,
    /// Probability that the new version carries a defect that shows only
    /// in production (single appliances and failover pairs).
    pub latent_defect: f64,
    /// Time in production until such a defect is found, counted from the
    /// first instant the site's front door points at an up appliance on the
    /// new version.
    pub defect_detect: Dist,
    /// Probability that a crash destroys the appliance's disk, with the
    /// records only it held (else they wait for its repair, unless the
    /// backup takes over meanwhile).
    pub crash_loses_data: f64,
    /// Faults at a chosen step (`[[faults.inject]]`), in file order.
    pub inject: Vec<inject::Injection>,
}

/// A blue-green pod's maintenance.
#[derive(Clone, Debug, PartialEq)]
pub struct PodSpec {
    /// Preferred maintenance window: (weekday, Monday = 0; hour in
    /// `preferred_zone`), or none.
    pub preferred: Option<(u8, u8)>,
    /// The zone the preferred window is read in: UTC by default, as the
    /// service's console takes it.
    pub preferred_zone: WindowZone,
    /// Chance that the scheduler picks another slot despite the preference.
    pub miss_probability: f64,
    /// Notice between scheduling and the maintenance.
    pub lead_time: SimDuration,
    /// Range over which a slot is picked when the preference is not honoured.
    pub spread: SimDuration,
    /// Time the service allots to the maintenance.
    pub allotment: SimDuration,
    /// The cutover itself.
    pub cutover: Dist,
    /// Building the green set (in parallel, before the maintenance).
    pub build_green: Dist,
    /// Validation after the cutover.
    pub validate: Dist,
    /// Deleting the blue VMs.
    pub delete_blue: Dist,
    /// Time between reminder notifications.
    pub reminder_interval: SimDuration,
    /// Share of sessions in farms whose policy closes disconnected sessions
    /// immediately (the sum of those farms' shares).
    pub close_immediately_fraction: f64,
    /// The farms (and VDI assignments), each with its share of sessions
    /// and its "close disconnected sessions" policy; the shares sum to 1.
    pub farms: Vec<Farm>,
    /// Chance that a disconnected user reconnects after the cutover.
    pub reconnect_probability: f64,
    /// Delay from the end of the cutover to a user's reconnect.
    pub reconnect_delay: Dist,
    /// Emergency maintenances a year: the update is one (short notice, any
    /// hour) with probability 1 - e^(-rate x lead time).
    pub emergency_per_year: f64,
    /// Notice of an emergency maintenance.
    pub emergency_notice: SimDuration,
    /// Chance the admin asks support to move the slot.
    pub reschedule_probability: f64,
    /// Support's answer to a request to move the slot.
    pub support_delay: Dist,
    /// Chances that each precondition of the update is unmet.
    pub preconditions: Preconditions,
    /// Steps after the cutover (none by default).
    pub post_update: PostUpdate,
    /// Chance that the green validation fails (fall-back to blue).
    pub validation_failure: f64,
    /// Chance that the green build fails (blue serves on; the update is
    /// retried at the next slot).
    pub green_build_failure: f64,
    /// Chance that a point release follows the update, maintained at the
    /// next slot after it.
    pub point_release: f64,
}

/// The update's preconditions (`pod.preconditions`): each the chance that
/// it is unmet when the update comes.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Preconditions {
    /// Some VM lacks the latest agent (found by the precheck).
    pub agents: f64,
    /// Too few vCores of the right series (found by the precheck).
    pub vcores: f64,
    /// Management locks on the pod's VMs (not seen by the precheck: the
    /// update fails at the slot).
    pub locks: f64,
}

/// Steps after the cutover (`pod.post_update`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PostUpdate {
    /// The admin updates the agents: the pod is unsupported meanwhile.
    pub agents: Option<Dist>,
    /// The Radius server accepts the new gateways' addresses: connections
    /// fail meanwhile.
    pub radius: Option<Dist>,
    /// The admin remaps the pod's DNS name to the load balancer's address
    /// (a pod on manifest 1493.1 or earlier whose name points at the
    /// tenant appliance's): direct connections lack the HA failover
    /// meanwhile.
    pub dns: Option<Dist>,
}

/// The zone a pod's preferred window is read in
/// (`pod.preferred_window_zone`).
#[derive(Clone, Debug, Default, PartialEq)]
pub enum WindowZone {
    /// UTC (the default: the console takes the window in UTC).
    #[default]
    Utc,
    /// The calendar's zone (`"local"`).
    Local,
    /// A zone of its own, by IANA name (dated calendars only).
    Named {
        /// The IANA name.
        name: String,
        /// The zone.
        tz: jiff::tz::TimeZone,
    },
}

impl WindowZone {
    /// The zone's name as the report gives it: `UTC`, the calendar's zone
    /// (`Europe/Paris`, or `UTC` in the weekly form) or the IANA name.
    pub fn name<'a>(&'a self, calendar: &'a Calendar) -> &'a str {
        match self {
            WindowZone::Utc => "UTC",
            WindowZone::Local => calendar.local_time_zone(),
            WindowZone::Named { name, .. } => name,
        }
    }

    /// The clock the window is read on, when it is not the calendar's own
    /// week (the weekly form's week is UTC already).
    fn clock(&self, calendar: &Calendar) -> Option<Clock> {
        let own = calendar.clock()?;
        match self {
            WindowZone::Local => None,
            WindowZone::Utc => Some(own.in_zone("UTC", jiff::tz::TimeZone::UTC)),
            WindowZone::Named { name, tz } => Some(own.in_zone(name, tz.clone())),
        }
    }
}

impl PodSpec {
    /// The first instant at or after `t` that is `weekday` `hour`:00 in
    /// the preferred window's zone.
    pub fn next_preferred(&self, calendar: &Calendar, t: SimTime, weekday: u8, hour: u8) -> SimTime {
        match self.preferred_zone.clock(calendar) {
            None => calendar.next_weekly(t, weekday, hour),
            Some(clock) => next_weekly_on(&clock, t, weekday, hour),
        }
    }

    /// The hour of the week (0 = Monday 00:00-01:00) at `t` in the
    /// preferred window's zone.
    pub fn hour_of_week(&self, calendar: &Calendar, t: SimTime) -> usize {
        match self.preferred_zone.clock(calendar) {
            None => calendar.hour_of_week(t),
            Some(clock) => (clock.week_ms(t.0 as i64) / MS_PER_HOUR) as usize,
        }
    }
}

/// The first instant at or after `t` that reads `weekday` `hour`:00 on
/// `clock`: the week's arithmetic, corrected for a change of the zone's
/// offset in between (an hour the spring change skips is read as the
/// instant the arithmetic lands on).
fn next_weekly_on(clock: &Clock, t: SimTime, weekday: u8, hour: u8) -> SimTime {
    let week = MS_PER_WEEK as i64;
    let want = (i64::from(weekday) * 24 + i64::from(hour)) * MS_PER_HOUR as i64;
    let mut x = t.0 as i64 + (want - clock.week_ms(t.0 as i64) as i64).rem_euclid(week);
    for _ in 0..2 {
        // Off by the change of offset between t and x, at most a day.
        let off = (want - clock.week_ms(x) as i64 + week / 2).rem_euclid(week) - week / 2;
        if off == 0 || x + off < t.0 as i64 {
            break;
        }
        x += off;
    }
    SimTime(x.max(0) as u64)
}

/// When a farm closes (logs off) a disconnected session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Logoff {
    /// Never (the default policy): the session waits for its user.
    Never,
    /// At once: the user's unsaved work is lost.
    Immediately,
    /// After this long disconnected.
    After(SimDuration),
}

/// A farm of a pod: its share of the sessions and its logoff policy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Farm {
    /// Share of sessions (the farms' shares sum to 1).
    pub share: f64,
    /// Its "close disconnected sessions" policy.
    pub logoff: Logoff,
}

/// Most farms a pod may list.
pub const MAX_FARMS: usize = 1000;

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
    /// Cutoff and what a window closing with work left does.
    pub window_rules: WindowRules,
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
    /// Operators: how many, and their shifts.
    pub operators: OperatorsSpec,
    /// Workload.
    pub workload: WorkloadSpec,
    /// Faults.
    pub faults: FaultSpec,
    /// Blue-green maintenance (pods only; defaults otherwise).
    pub pod: PodSpec,
    /// The preparation before the first window (`[preparation]`).
    pub preparation: prep::PreparationSpec,
    /// Representative consoles around the upgrade (`[consoles]`).
    pub consoles: prep::ConsolesSpec,
    /// Jump Clients (`[jump_clients]`).
    pub jump_clients: prep::JumpClientsSpec,
    /// Integrations configured by IP (`[integrations]`).
    pub integrations: prep::IntegrationsSpec,
    /// Thresholds for the summary's exceedance probabilities, by metric
    /// column name (e.g. `downtime_s` → 900 gives P(downtime > 15 min)).
    pub thresholds: Vec<(String, f64)>,
    /// What matters most, in order, for the report's bottom line.
    pub priorities: crate::priorities::Priorities,
    /// The likelihood × impact matrix of the report's risk classes.
    pub risk: crate::priorities::RiskMatrix,
    /// The ranges of the report's sensitivity study (`[sensitivity]`).
    pub sensitivity: sensitivity::SensitivitySpec,
}

impl Scenario {
    /// The built-in default scenario.
    pub fn default_scenario() -> Scenario {
        Scenario::parse(DEFAULT_TOML, "<built-in default>", DEFAULT_NAME)
            .expect("the built-in default is valid (tested)")
    }

    /// Parses and validates scenario text; `file` names it in errors and
    /// `default_name` is used when the file sets no `name`.
    pub fn parse(text: &str, file: &str, default_name: &str) -> Result<Scenario, ScenarioError> {
        let fail = |problems: Vec<Problem>| ScenarioError {
            file: file.to_string(),
            problems,
        };
        if text.len() > MAX_SCENARIO_BYTES {
            return Err(fail(vec![Problem {
                path: String::new(),
                line: None,
                message: format!(
                    "the file is {} bytes: at most {MAX_SCENARIO_BYTES} ({} MiB)",
                    text.len(),
                    MAX_SCENARIO_BYTES >> 20
                ),
            }]));
        }
        let parsed = suggest::parse_all::<raw::RawScenario>(text);
        let (raw, mut problems) = match parsed {
            Ok(r) => (Some(r), Vec::new()),
            Err(found) => {
                let problems: Vec<Problem> = found
                    .into_iter()
                    .map(|p| Problem {
                        path: p.offset.map(|at| locate::path_at(text, at)).unwrap_or_default(),
                        line: p.offset.map(|at| locate::line_of_offset(text, at)),
                        message: p.message,
                    })
                    .collect();
                (None, problems)
            }
        };
        // With the parse's refusals, the validation's of what did parse: the
        // text without the entries at fault, so that one run names every
        // mistake (a value out of range beside a misspelled key).
        let raw = match raw {
            Some(r) => Some(r),
            None => blanked_raw(text, &problems),
        };
        if let Some(raw) = raw {
            match validate::validate(raw, default_name) {
                Ok(s) if problems.is_empty() => return Ok(s),
                Ok(_) => {}
                Err(mut found) => {
                    let paths: Vec<&str> = found.iter().map(|p| p.path.as_str()).collect();
                    let lines = locate::lines_of_paths(text, &paths);
                    for (p, line) in found.iter_mut().zip(lines) {
                        p.line = line;
                    }
                    problems.extend(found);
                }
            }
        }
        // In the order of the file; problems without a line last.
        problems.sort_by_key(|p| p.line.unwrap_or(usize::MAX));
        Err(fail(problems))
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
                short_list(&self.strategies)
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

/// Problems a report shows; past them it says how many more there are.
pub const MAX_SHOWN_PROBLEMS: usize = 50;

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().take(MAX_SHOWN_PROBLEMS).enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            match p.line {
                Some(l) => write!(f, "{}:{}: {}", self.file, l, p)?,
                None => write!(f, "{}: {}", self.file, p)?,
            }
        }
        if self.problems.len() > MAX_SHOWN_PROBLEMS {
            write!(f, "\n… and {} more problems", self.problems.len() - MAX_SHOWN_PROBLEMS)?;
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

/// Sets `path` (dotted keys, `[i]` indices) in a TOML document: missing
/// tables are made, list items must exist. (Sweeps and fleet overrides
/// use it.)
pub fn set_path(doc: &mut toml::Table, path: &str, value: toml::Value) -> Result<(), String> {
    let mut segs: Vec<(String, Option<usize>)> = Vec::new();
    for part in path.split('.') {
        let (key, idx) = match part.split_once('[') {
            Some((k, rest)) => {
                let i = rest
                    .trim_end_matches(']')
                    .parse::<usize>()
                    .map_err(|_| format!("bad index in {part:?}"))?;
                (k, Some(i))
            }
            None => (part, None),
        };
        if key.is_empty() {
            return Err(format!("empty key in {path:?}"));
        }
        segs.push((key.to_string(), idx));
    }
    let mut table = doc;
    for (i, (key, idx)) in segs.iter().enumerate() {
        let last = i + 1 == segs.len();
        match idx {
            None if last => {
                table.insert(key.clone(), value);
                return Ok(());
            }
            None => {
                let entry = table
                    .entry(key.clone())
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()));
                table = entry.as_table_mut().ok_or_else(|| format!("{key:?} is not a table"))?;
            }
            Some(n) => {
                let arr = table
                    .get_mut(key)
                    .and_then(|v| v.as_array_mut())
                    .ok_or_else(|| format!("{key:?} is not a list in the scenario"))?;
                let len = arr.len();
                let item = arr
                    .get_mut(*n)
                    .ok_or_else(|| format!("{key}[{n}] does not exist (the list has {len})"))?;
                if last {
                    *item = value;
                    return Ok(());
                }
                table = item
                    .as_table_mut()
                    .ok_or_else(|| format!("{key}[{n}] is not a table"))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::site::SiteKind;

    #[test]
    fn builtin_default_is_valid_and_named() {
        let s = Scenario::default_scenario();
        assert_eq!(s.name, "failover-pair");
        assert_eq!(s.site.kind, SiteKind::FailoverPair);
        assert_eq!(s.strategies.len(), 5);
    }

    #[test]
    fn an_unknown_strategy_name_lists_ten_of_those_enabled() {
        let runbooks: String = (0..30)
            .map(|i| {
                format!(
                    "[[runbooks]]\nname = \"rb{i}\"\nsite = \"single\"\nsteps = [{{ do = \"verify\", node = \"A\" }}]\n"
                )
            })
            .collect();
        let sc = Scenario::parse(&format!("[site]\nkind = \"single\"\n{runbooks}"), "t.toml", "t").unwrap();
        assert_eq!(sc.strategies.len(), 31, "single and the 30 custom runbooks");
        let err = sc.strategy("nope").unwrap_err();
        assert!(
            err.ends_with("this scenario enables: single, rb0, rb1, rb2, rb3, rb4, rb5, rb6, rb7, rb8 and 21 more"),
            "{err}"
        );
    }

    #[test]
    fn reports_show_fifty_problems_and_count_the_rest() {
        let problem = |i: usize| Problem {
            path: format!("strategies[{i}]"),
            line: Some(1),
            message: "unknown".into(),
        };
        let e = ScenarioError {
            file: "f.toml".into(),
            problems: (0..MAX_SHOWN_PROBLEMS).map(problem).collect(),
        };
        assert_eq!(e.to_string().lines().count(), MAX_SHOWN_PROBLEMS);
        let e = ScenarioError {
            file: "f.toml".into(),
            problems: (0..MAX_SHOWN_PROBLEMS + 7).map(problem).collect(),
        };
        let text = e.to_string();
        assert_eq!(text.lines().count(), MAX_SHOWN_PROBLEMS + 1);
        assert_eq!(text.lines().last(), Some("… and 7 more problems"));
    }

    #[test]
    fn the_automatic_warm_up_ignores_kinds_of_client_that_never_arrive() {
        let text = |console_rate: f64| {
            format!(
                "[workload.support]\nduration = \"10m\"\n[workload.console]\nrate_per_hour = {console_rate}\nduration = \"5h\"\n"
            )
        };
        // Consoles arrive: their 5-hour sessions set the warm-up.
        let s = Scenario::parse(&text(2.0), "x.toml", "x").unwrap();
        assert_eq!(s.warmup, SimDuration::from_hours(5));
        // No console ever arrives: the 10-minute support sessions do.
        let s = Scenario::parse(&text(0.0), "x.toml", "x").unwrap();
        assert_eq!(s.warmup, SimDuration::from_mins(10));
        // No client at all: nothing to settle.
        let none = text(0.0).replace("[workload.support]\n", "[workload.support]\nrate_per_hour = 0\n");
        let s = Scenario::parse(&none, "x.toml", "x").unwrap();
        assert_eq!(s.warmup, SimDuration::ZERO);
    }

    #[test]
    fn empty_file_takes_defaults() {
        let s = Scenario::parse("", "x.toml", "x").unwrap();
        assert_eq!(s.name, "x");
        assert_eq!(s.workload.profile.len(), 168);
    }
}
