//! Fleets: upgrade campaigns over many sites, in waves, with shared
//! operators (docs/model.md §7).
//!
//! A fleet file lists sites (`[fleet] sites`), each from a scenario file or
//! inline, with a `count`, overrides, labels and the strategy it uses; a
//! `[campaign]` orders them in waves with a cap on the sites changed per
//! window, a bake time between waves, the outcomes that stop the campaign
//! and an optional deadline; `[operators]` are shared by the whole
//! campaign; `[[plans]]` vary the campaign to compare.
//!
//! Every site keeps its own calendar, zone and freezes: its scenario is read
//! in the dated form (the fleet's `start` and zone stand in for a weekly
//! file's `start_weekday`), and the campaign starts each site's run at the
//! instant it picks ([`crate::model::calendar::Calendar::restarted`]). Site
//! `k` of replication `i` runs with its own seed drawn from `(seed, i, k)`
//! ([`site_seed`]), as replication 0 of a single-site run: the same site,
//! seed and start give the same metrics row, byte for byte, in a fleet or
//! alone, and every plan sees the same draws for the same site (common
//! random numbers, site by site).
//!
//! Nothing here does I/O: the files a fleet names are read through the
//! caller's `read` function.

pub mod campaign;
mod placement;
pub mod search;
pub mod shards;
pub mod study;
pub mod table;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use rand::Rng;
use serde::Deserialize;

use crate::rng::{Purpose, stream};
use crate::scenario::locate::{line_of_offset, lines_of_paths};
use crate::scenario::{Problem, Scenario, ScenarioError};
use crate::time::{MS_PER_MIN, SimDuration, parse_duration};

/// Most sites a fleet may hold once counts are expanded.
pub const MAX_SITES: usize = 100_000;
/// Most entries in `[fleet] sites`.
pub const MAX_ENTRIES: usize = 1_000;
/// Most waves of a campaign.
pub const MAX_WAVES: usize = 1_000;
/// Most plans of a fleet file.
pub const MAX_PLANS: usize = 64;
/// How far after its start a campaign may place a site: a site that finds
/// no room before then is not started.
///
/// A site is also not started after [`MAX_TRIES`] runs that each found the
/// window they tried taken.
pub const CAMPAIGN_HORIZON: SimDuration = SimDuration::from_hours(2 * 365 * 24);

/// Most runs simulated to place one site (each try after the first moves
/// it past what blocked the one before).
pub const MAX_TRIES: u32 = 1_000;

/// True when the TOML text is a fleet file (it has a `[fleet]` table).
pub fn is_fleet(text: &str) -> bool {
    toml::from_str::<toml::Table>(text).is_ok_and(|t| t.contains_key("fleet"))
}

/// What stops a campaign: a site with this outcome stops it when the
/// outcome is known; sites that have not started by then are not started.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum StopOn {
    /// The version's defect ([`Version`]) was found at a site, by a
    /// fall-back or an escape: sites already on the new version recover,
    /// and with a `fix` the campaign resumes with the fixed version.
    DefectFound,
    /// The site's procedure was aborted.
    Aborted,
    /// A latent defect escaped the interim (found after every appliance
    /// left the old version).
    DefectEscaped,
    /// An upgrade failed and was rolled back.
    Rollback,
    /// A window closed with work left and the site was backed out.
    Backout,
}

impl StopOn {
    /// Every outcome, in file order.
    pub const ALL: [StopOn; 5] = [
        StopOn::DefectFound,
        StopOn::Aborted,
        StopOn::DefectEscaped,
        StopOn::Rollback,
        StopOn::Backout,
    ];

    /// The word used in fleet files.
    pub fn word(self) -> &'static str {
        match self {
            StopOn::DefectFound => "defect_found",
            StopOn::Aborted => "aborted",
            StopOn::DefectEscaped => "defect_escaped",
            StopOn::Rollback => "rollback",
            StopOn::Backout => "backout",
        }
    }
}

/// The new version, shared by every site of the fleet (`[version]`): if it
/// carries a defect, every site that runs it carries the same one.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Version {
    /// Probability that the version carries a defect (drawn once per
    /// replication, the same for every plan).
    pub latent_defect: f64,
    /// Mean time for one site serving the new version to show the defect
    /// (exponential, each site on its own).
    pub defect_detect: SimDuration,
    /// Time from the defect's discovery to a fixed version; the campaign
    /// then resumes (plans that stop on `defect_found` only).
    pub fix: Option<SimDuration>,
}

/// How a campaign picks the window of each site within a wave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// Each site in the earliest window its own calendar and the rules
    /// allow, whatever the listed order (which only breaks ties).
    Earliest,
    /// Sites start in the order listed: a site's first work never comes
    /// before the one listed before it.
    Listed,
}

impl Placement {
    /// Every placement, as written in fleet files.
    pub const ALL: [Placement; 2] = [Placement::Earliest, Placement::Listed];

    /// The word used in fleet files.
    pub fn word(self) -> &'static str {
        match self {
            Placement::Earliest => "earliest",
            Placement::Listed => "listed",
        }
    }
}

/// One site type of the fleet: a scenario with its overrides applied.
#[derive(Debug)]
pub struct Group {
    /// The entry's name (the sites are `name-1`, `name-2`, ...).
    pub name: String,
    /// Where the scenario came from (a file, or `inline`).
    pub source: String,
    /// The scenario in the dated form, anchored at the campaign's start.
    pub scenario: Scenario,
    /// Runs anchored at other instants, by local start (minute precision),
    /// made once and shared by every replication.
    starts: Mutex<BTreeMap<DateTime, Arc<Scenario>>>,
}

impl Group {
    /// The scenario with simulation time 0 at the local date-time `start`.
    pub fn at(&self, start: DateTime) -> Option<Arc<Scenario>> {
        let mut cache = self.starts.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = cache.get(&start) {
            return Some(s.clone());
        }
        let calendar = self.scenario.calendar.restarted(start)?;
        let mut sc = self.scenario.clone();
        sc.calendar = calendar;
        let sc = Arc::new(sc);
        // Bounded: a campaign's starts are window openings within its horizon.
        if cache.len() < 2_048 {
            cache.insert(start, sc.clone());
        }
        Some(sc)
    }

    /// Unix milliseconds of the time 0 of [`Group::scenario`].
    pub fn t0_ms(&self) -> i64 {
        self.scenario.calendar.clock().map_or(0, |c| c.t0_ms)
    }

    /// The site zone.
    pub fn zone(&self) -> &TimeZone {
        &self
            .scenario
            .calendar
            .local
            .as_ref()
            .expect("fleet sites are dated")
            .clock
            .tz
    }
}

/// One site of the fleet.
#[derive(Clone, Debug, PartialEq)]
pub struct Site {
    /// `entry-k`, or the entry's name when its count is 1.
    pub name: String,
    /// Its [`Group`].
    pub group: usize,
    /// Its labels (`region`, `ring`, ...).
    pub labels: BTreeMap<String, String>,
    /// The strategy it uses unless a plan says otherwise.
    pub strategy: String,
}

/// One wave entry as written: a number of sites, a share of the fleet, or
/// the sites a label selector picks.
#[derive(Clone, Debug, PartialEq)]
pub enum WaveSpec {
    Count(usize),
    Share(f64),
    Select(Selector),
}

/// `key=value` (sites whose label `key` is `value`) or `*` (every site).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selector {
    All,
    Label(String, String),
}

impl Selector {
    fn parse(s: &str) -> Option<Selector> {
        let s = s.trim();
        if s == "*" {
            return Some(Selector::All);
        }
        let (k, v) = s.split_once('=')?;
        let (k, v) = (k.trim(), v.trim());
        (!k.is_empty() && !v.is_empty()).then(|| Selector::Label(k.to_string(), v.to_string()))
    }

    /// True when the site matches.
    pub fn matches(&self, site: &Site) -> bool {
        match self {
            Selector::All => true,
            Selector::Label(k, v) => site.labels.get(k) == Some(v),
        }
    }

    /// As written.
    pub fn text(&self) -> String {
        match self {
            Selector::All => "*".into(),
            Selector::Label(k, v) => format!("{k}={v}"),
        }
    }
}

/// A campaign: the order of the sites and the rules of the rollout.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// The plan's name (`campaign` when the file has no `[[plans]]`).
    pub name: String,
    /// What the plan is, in words (may be empty).
    pub description: String,
    /// The waves as written.
    pub wave_specs: Vec<WaveSpec>,
    /// Site indices of each wave, in order.
    pub waves: Vec<Vec<usize>>,
    /// Most sites worked in one window (each window a site works in counts).
    pub max_sites_per_window: usize,
    /// After a wave ends, before the next starts.
    pub bake: SimDuration,
    /// The outcomes that stop the campaign.
    pub stop_on: Vec<StopOn>,
    /// How each site's window is picked within a wave.
    pub placement: Placement,
    /// The days (site's local weekday, Monday = 0) a site's procedure may
    /// start on, as a bitmask; all days when not given. A two-window
    /// upgrade started on a Tuesday can end on Thursday; one started on a
    /// Thursday waits over the weekend without its failover.
    pub start_days: u8,
    /// The strategy of each site under this plan.
    pub strategies: Vec<String>,
}

/// The campaign's operators.
#[derive(Clone, Debug, PartialEq)]
pub struct Operators {
    /// How many work at once; each works one site at a time.
    pub count: usize,
    /// The `[operators]` table as written, given to every site's scenario
    /// (count 1: a site has one operator at a time).
    pub shifts: Option<toml::Value>,
}

/// A fleet file, read and checked.
#[derive(Debug)]
pub struct Fleet {
    pub name: String,
    pub description: String,
    pub seed: u64,
    /// The campaign's start, local date-time in `zone_name`.
    pub start: DateTime,
    /// Its zone (the Gantt's axis, the deadline).
    pub zone_name: String,
    pub zone: TimeZone,
    /// Unix milliseconds of the start.
    pub start_unix_ms: i64,
    /// Unix milliseconds of the deadline (end of its day when a date).
    pub deadline_unix_ms: Option<i64>,
    /// The deadline as written.
    pub deadline_text: Option<String>,
    pub groups: Vec<Group>,
    pub sites: Vec<Site>,
    pub plans: Vec<Plan>,
    /// Shared operators; `None` when the campaign does not share any (each
    /// site keeps its scenario's own).
    pub operators: Option<Operators>,
    /// The new version's defect; `None` without `[version]`.
    pub version: Option<Version>,
    /// The space of plans `cutover optimise` searches (`[search]`), if any.
    pub search: Option<search::Search>,
}

/// The seed of site `k` in replication `i` of a study under master seed
/// `seed`: word `k` of the ChaCha8 stream of `(seed, i, Purpose::Sites)`.
/// The site runs as replication 0 of this seed, so that `cutover run` of
/// its scenario with `--seed` this value gives the same row.
pub fn site_seed(seed: u64, replication: u64, k: usize) -> u64 {
    let mut rng = stream(seed, replication, Purpose::Sites);
    rng.set_word_pos(2 * k as u128);
    rng.next_u64()
}

/// The seed of site `k`'s second run in replication `i` (its upgrade to
/// the fixed version after the version's defect was found): word
/// `MAX_SITES + k` of the same stream as [`site_seed`].
pub fn site_seed_again(seed: u64, replication: u64, k: usize) -> u64 {
    let mut rng = stream(seed, replication, Purpose::Sites);
    rng.set_word_pos(2 * (MAX_SITES + k) as u128);
    rng.next_u64()
}

// ----- the file format --------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFleetFile {
    name: Option<String>,
    description: Option<String>,
    seed: Option<i64>,
    fleet: Option<RawFleet>,
    campaign: Option<RawCampaign>,
    operators: Option<toml::Table>,
    plans: Option<Vec<RawPlan>>,
    version: Option<RawVersion>,
    search: Option<search::RawSearch>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVersion {
    latent_defect: Option<f64>,
    defect_detect: Option<String>,
    fix: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFleet {
    start: Option<String>,
    time_zone: Option<String>,
    sites: Option<Vec<RawEntry>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    name: Option<String>,
    scenario: Option<toml::Value>,
    count: Option<i64>,
    strategy: Option<String>,
    labels: Option<BTreeMap<String, String>>,
    time_zone: Option<String>,
    data_gb: Option<f64>,
    workload_scale: Option<f64>,
    set: Option<toml::Table>,
}

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct RawCampaign {
    waves: Option<Vec<toml::Value>>,
    max_sites_per_window: Option<i64>,
    bake: Option<String>,
    stop_on: Option<Vec<String>>,
    start_days: Option<Vec<String>>,
    deadline: Option<String>,
    placement: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlan {
    name: Option<String>,
    description: Option<String>,
    waves: Option<Vec<toml::Value>>,
    max_sites_per_window: Option<i64>,
    bake: Option<String>,
    stop_on: Option<Vec<String>>,
    start_days: Option<Vec<String>>,
    strategies: Option<Vec<RawPlanStrategy>>,
    placement: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlanStrategy {
    select: Option<String>,
    strategy: Option<String>,
}

/// Problems found so far, by field path.
struct Ctx {
    problems: Vec<Problem>,
}

impl Ctx {
    fn bad(&mut self, path: &str, message: impl Into<String>) {
        self.problems.push(Problem {
            path: path.to_string(),
            line: None,
            message: message.into(),
        });
    }
}

fn folder_safe(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Reads a local date-time (`2025-03-03T00:00`) or a date (its midnight).
fn date_time(text: &str) -> Option<DateTime> {
    let t = text.trim();
    t.parse::<DateTime>()
        .ok()
        .or_else(|| {
            t.parse::<jiff::civil::Date>()
                .ok()
                .map(|d| d.to_datetime(jiff::civil::Time::midnight()))
        })
        .filter(|d| (1900..=2200).contains(&d.year()))
}

fn unix_ms(tz: &TimeZone, dt: DateTime) -> Option<i64> {
    tz.to_ambiguous_timestamp(dt)
        .compatible()
        .ok()
        .map(|t| t.as_millisecond())
}

/// The local date-time, in `tz`, of Unix milliseconds `ms`, to the minute
/// below.
pub fn local_minute(tz: &TimeZone, ms: i64) -> DateTime {
    let floored = ms - ms.rem_euclid(MS_PER_MIN as i64);
    let ts = jiff::Timestamp::from_millisecond(floored).unwrap_or(jiff::Timestamp::MIN);
    tz.to_datetime(ts)
}

impl Fleet {
    /// Reads and checks a fleet file. `file` names it in errors;
    /// `default_name` is its name when it sets none; `read` returns the
    /// text of a scenario file named relative to the fleet file (or an
    /// error in words).
    pub fn parse(
        text: &str,
        file: &str,
        default_name: &str,
        read: &dyn Fn(&str) -> Result<String, String>,
    ) -> Result<Fleet, ScenarioError> {
        let fail = |problems: Vec<Problem>| ScenarioError {
            file: file.to_string(),
            problems,
        };
        let raw: RawFleetFile = match crate::scenario::suggest::parse_all(text) {
            Ok(r) => r,
            Err(found) => {
                return Err(fail(
                    found
                        .into_iter()
                        .map(|p| Problem {
                            path: String::new(),
                            line: p.offset.map(|at| line_of_offset(text, at)),
                            message: p.message,
                        })
                        .collect(),
                ));
            }
        };
        let mut c = Ctx { problems: Vec::new() };
        let fleet = build(&mut c, raw, default_name, read);
        if c.problems.is_empty()
            && let Some(f) = fleet
        {
            return Ok(f);
        }
        let paths: Vec<&str> = c.problems.iter().map(|p| p.path.as_str()).collect();
        let lines = lines_of_paths(text, &paths);
        let mut problems = c.problems;
        for (p, l) in problems.iter_mut().zip(lines) {
            if p.line.is_none() {
                p.line = l;
            }
        }
        Err(fail(problems))
    }

    /// Plan index by name.
    pub fn plan(&self, name: &str) -> Option<usize> {
        self.plans.iter().position(|p| p.name == name)
    }
}

fn build(
    c: &mut Ctx,
    raw: RawFleetFile,
    default_name: &str,
    read: &dyn Fn(&str) -> Result<String, String>,
) -> Option<Fleet> {
    let name = raw.name.unwrap_or_else(|| default_name.to_string());
    if !folder_safe(&name) {
        c.bad(
            "name",
            format!("{name:?}: use letters, digits, '-', '_' or '.' (it names the output folder)"),
        );
    }
    let seed = match raw.seed {
        None => 1,
        Some(s) if s >= 0 => s as u64,
        Some(s) => {
            c.bad("seed", format!("{s} is negative"));
            1
        }
    };
    let Some(fleet) = raw.fleet else {
        c.bad("fleet", "missing: a fleet file lists its sites in [fleet] sites");
        return None;
    };
    let zone_name = fleet.time_zone.clone().unwrap_or_else(|| "UTC".into());
    let zone = match crate::model::calendar::time_zone(&zone_name) {
        Ok(z) => Some(z),
        Err(e) => {
            c.bad("fleet.time_zone", e);
            None
        }
    };
    let start = match fleet.start.as_deref() {
        None => {
            c.bad(
                "fleet.start",
                "missing: the campaign's first day, a local date-time such as \"2025-03-03T00:00\"",
            );
            None
        }
        Some(t) if crate::time::has_leap_second(t) => {
            c.bad("fleet.start", format!("{t:?}: {}", crate::time::LEAP_SECOND));
            None
        }
        Some(t) => date_time(t).or_else(|| {
            c.bad(
                "fleet.start",
                format!("{t:?} is not a date-time such as \"2025-03-03T00:00\" (years 1900 to 2200)"),
            );
            None
        }),
    };
    let campaign = raw.campaign.unwrap_or_default();
    let (Some(zone), Some(start)) = (zone, start) else {
        return None;
    };
    let start_unix_ms = unix_ms(&zone, start)?;
    let (deadline_unix_ms, deadline_text) = match campaign.deadline.as_deref() {
        None => (None, None),
        Some(t) if crate::time::has_leap_second(t) => {
            c.bad("campaign.deadline", format!("{t:?}: {}", crate::time::LEAP_SECOND));
            (None, None)
        }
        Some(t) => {
            let trimmed = t.trim();
            let end_of_day = trimmed
                .parse::<jiff::civil::Date>()
                .ok()
                .and_then(|d| d.tomorrow().ok());
            let at = match end_of_day {
                Some(d) => Some(d.to_datetime(jiff::civil::Time::midnight())),
                None => date_time(trimmed),
            };
            match at.and_then(|d| unix_ms(&zone, d)) {
                Some(ms) if ms > start_unix_ms => (Some(ms), Some(trimmed.to_string())),
                Some(_) => {
                    c.bad("campaign.deadline", format!("{trimmed} is not after fleet.start"));
                    (None, None)
                }
                None => {
                    c.bad(
                        "campaign.deadline",
                        format!("{t:?} is not a date such as \"2025-06-30\""),
                    );
                    (None, None)
                }
            }
        }
    };

    // Operators shared by the campaign.
    let operators = raw.operators.map(|t| {
        let count = match t.get("count") {
            None => 1,
            Some(toml::Value::Integer(n)) if (1..=10_000).contains(n) => *n as usize,
            Some(v) => {
                c.bad("operators.count", format!("{v}: give a whole number from 1 to 10000"));
                1
            }
        };
        for k in t.keys() {
            if k != "count" && k != "shifts" {
                c.bad(&format!("operators.{k}"), "unknown field: expected count or shifts");
            }
        }
        Operators {
            count,
            shifts: t.get("shifts").cloned(),
        }
    });

    let version = raw.version.map(|v| read_version(c, v));

    // Sites.
    let entries = fleet.sites.unwrap_or_default();
    if entries.is_empty() {
        c.bad(
            "fleet.sites",
            "empty: list the sites, e.g. { scenario = \"failover-pair.toml\", count = 9 }",
        );
        return None;
    }
    if entries.len() > MAX_ENTRIES {
        c.bad(
            "fleet.sites",
            format!("{} entries: at most {MAX_ENTRIES}", entries.len()),
        );
        return None;
    }
    let mut groups = Vec::new();
    let mut sites = Vec::new();
    let mut texts: BTreeMap<String, Result<String, String>> = BTreeMap::new();
    let total: i64 = entries
        .iter()
        .fold(0i64, |sum, e| sum.saturating_add(e.count.unwrap_or(1).max(0)));
    if total > MAX_SITES as i64 {
        c.bad("fleet.sites", format!("{total} sites: at most {MAX_SITES}"));
        return None;
    }
    for (k, e) in entries.into_iter().enumerate() {
        let p = format!("fleet.sites[{k}]");
        let count = match e.count {
            None => 1,
            Some(n) if n >= 1 => n as usize,
            Some(n) => {
                c.bad(
                    &format!("{p}.count"),
                    format!("{n}: give a whole number of sites, at least 1"),
                );
                continue;
            }
        };
        let (mut doc, source, stem) = match &e.scenario {
            None => {
                c.bad(
                    &format!("{p}.scenario"),
                    "missing: a scenario file (relative to the fleet file) or an inline table",
                );
                continue;
            }
            Some(toml::Value::String(path)) => {
                let text = texts.entry(path.clone()).or_insert_with(|| read(path)).clone();
                let text = match text {
                    Ok(t) => t,
                    Err(msg) => {
                        c.bad(&format!("{p}.scenario"), msg);
                        continue;
                    }
                };
                let stem = std::path::Path::new(path)
                    .file_stem()
                    .map(|s| s.to_string_lossy().to_string())
                    .unwrap_or_else(|| "site".into());
                // The file as it stands first, so that its own mistakes
                // are reported against its own lines.
                if let Err(err) = Scenario::parse(&text, path, &stem) {
                    for prob in err.problems {
                        let at = prob.line.map_or(String::new(), |l| format!(":{l}"));
                        let field = if prob.path.is_empty() {
                            String::new()
                        } else {
                            format!("{}: ", prob.path)
                        };
                        c.bad(&format!("{p}.scenario"), format!("{path}{at}: {field}{}", prob.message));
                    }
                    continue;
                }
                match toml::from_str::<toml::Table>(&text) {
                    Ok(doc) => (doc, path.clone(), stem),
                    Err(err) => {
                        c.bad(&format!("{p}.scenario"), format!("{path}: {}", err.message()));
                        continue;
                    }
                }
            }
            Some(toml::Value::Table(t)) => (t.clone(), "inline".to_string(), "site".to_string()),
            Some(other) => {
                c.bad(
                    &format!("{p}.scenario"),
                    format!("{}: give a file name or an inline table", other.type_str()),
                );
                continue;
            }
        };
        let entry_name = e
            .name
            .clone()
            .or_else(|| doc.get("name").and_then(|v| v.as_str()).map(String::from))
            .unwrap_or(stem);
        if !folder_safe(&entry_name) {
            c.bad(
                &format!("{p}.name"),
                format!("{entry_name:?}: use letters, digits, '-', '_' or '.'"),
            );
            continue;
        }
        // Overrides, then the dated form anchored at the campaign's start.
        let cal = doc
            .entry("calendar")
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        let Some(cal) = cal.as_table_mut() else {
            c.bad(&format!("{p}.scenario"), "calendar is not a table");
            continue;
        };
        if let Some(z) = &e.time_zone {
            cal.insert("time_zone".into(), toml::Value::String(z.clone()));
        }
        let site_zone_name = cal
            .get("time_zone")
            .and_then(|v| v.as_str())
            .map(String::from)
            .unwrap_or_else(|| zone_name.clone());
        let site_zone = match crate::model::calendar::time_zone(&site_zone_name) {
            Ok(z) => z,
            Err(msg) => {
                c.bad(&format!("{p}.time_zone"), msg);
                continue;
            }
        };
        cal.remove("start_weekday");
        cal.remove("start_hour");
        cal.insert("time_zone".into(), toml::Value::String(site_zone_name.clone()));
        let local_start = local_minute(&site_zone, start_unix_ms);
        cal.insert("start".into(), toml::Value::String(local_start.to_string()));
        let mut set = |path: &str, v: toml::Value, field: &str| {
            if let Err(msg) = crate::scenario::set_path(&mut doc, path, v) {
                c.bad(&format!("{p}.{field}"), msg);
            }
        };
        if let Some(gb) = e.data_gb {
            set("site.data_gb", toml::Value::Float(gb), "data_gb");
        }
        if let Some(ops) = &operators {
            let mut t = toml::Table::new();
            t.insert("count".into(), toml::Value::Integer(1));
            if let Some(s) = &ops.shifts {
                t.insert("shifts".into(), s.clone());
            }
            set("operators", toml::Value::Table(t), "operators");
        }
        for (path, v) in e.set.clone().unwrap_or_default() {
            set(&path, v, &format!("set.{path}"));
        }
        if let Some(scale) = e.workload_scale {
            if !(scale.is_finite() && (0.0..=1e6).contains(&scale)) {
                c.bad(
                    &format!("{p}.workload_scale"),
                    format!("{scale}: give a multiplier from 0 to 1e6"),
                );
                continue;
            }
            for kind in ["support", "console"] {
                let rate = doc
                    .get("workload")
                    .and_then(|w| w.get(kind))
                    .and_then(|k| k.get("rate_per_hour"))
                    .and_then(|r| r.as_float().or_else(|| r.as_integer().map(|i| i as f64)));
                if let Some(r) = rate {
                    let _ = crate::scenario::set_path(
                        &mut doc,
                        &format!("workload.{kind}.rate_per_hour"),
                        toml::Value::Float(r * scale),
                    );
                }
            }
        }
        let text = match toml::to_string(&doc) {
            Ok(t) => t,
            Err(err) => {
                c.bad(&p, format!("cannot write the site's scenario: {err}"));
                continue;
            }
        };
        let scenario = match Scenario::parse(&text, &source, &entry_name) {
            Ok(s) => s,
            Err(err) => {
                for prob in err.problems {
                    let field = if prob.path.is_empty() {
                        String::new()
                    } else {
                        format!("{}: ", prob.path)
                    };
                    c.bad(
                        &p,
                        format!("{source} with the fleet's overrides: {field}{}", prob.message),
                    );
                }
                continue;
            }
        };
        let strategy = match &e.strategy {
            Some(s) => s.clone(),
            None => scenario.strategies.first().cloned().unwrap_or_default(),
        };
        if scenario.runbook(&strategy).is_none() {
            c.bad(
                &format!("{p}.strategy"),
                format!(
                    "{strategy:?} is not a strategy of {source}{} (it has: {})",
                    crate::scenario::suggest::did_you_mean(&strategy, scenario.strategies.iter().map(String::as_str)),
                    scenario.strategies.join(", ")
                ),
            );
            continue;
        }
        let labels = e.labels.clone().unwrap_or_default();
        let g = groups.len();
        groups.push(Group {
            name: entry_name.clone(),
            source,
            scenario,
            starts: Mutex::new(BTreeMap::new()),
        });
        let width = count.to_string().len();
        for i in 0..count {
            sites.push(Site {
                name: if count == 1 {
                    entry_name.clone()
                } else {
                    format!("{entry_name}-{:0width$}", i + 1)
                },
                group: g,
                labels: labels.clone(),
                strategy: strategy.clone(),
            });
        }
    }
    if !c.problems.is_empty() {
        return None;
    }
    let mut seen = std::collections::BTreeSet::new();
    for s in &sites {
        if !seen.insert(s.name.clone()) {
            c.bad(
                "fleet.sites",
                format!("two sites are named {:?}: give the entries names of their own", s.name),
            );
            return None;
        }
    }

    // Plans.
    let base = campaign.clone();
    let raw_plans = raw.plans.unwrap_or_default();
    if raw_plans.len() > MAX_PLANS {
        c.bad("plans", format!("{} plans: at most {MAX_PLANS}", raw_plans.len()));
        return None;
    }
    let mut plans = Vec::new();
    if raw_plans.is_empty() {
        plans.extend(plan(
            c,
            "campaign",
            "campaign".into(),
            String::new(),
            &base,
            &RawPlan::default(),
            &groups,
            &sites,
        ));
    } else {
        for (k, rp) in raw_plans.iter().enumerate() {
            let p = format!("plans[{k}]");
            let name = rp.name.clone().unwrap_or_else(|| format!("plan-{}", k + 1));
            if !folder_safe(&name) {
                c.bad(
                    &format!("{p}.name"),
                    format!("{name:?}: use letters, digits, '-', '_' or '.'"),
                );
                continue;
            }
            if plans.iter().any(|q: &Plan| q.name == name) {
                c.bad(&format!("{p}.name"), format!("{name:?} names two plans"));
                continue;
            }
            let desc = rp.description.clone().unwrap_or_default();
            plans.extend(plan(c, &p, name, desc, &base, rp, &groups, &sites));
        }
    }
    if !c.problems.is_empty() {
        return None;
    }
    let search = raw
        .search
        .and_then(|s| search::read(c, s, &base, &groups, &sites, deadline_unix_ms.is_some()));
    if !c.problems.is_empty() {
        return None;
    }
    Some(Fleet {
        name,
        description: raw.description.unwrap_or_default(),
        seed,
        start,
        zone_name,
        zone,
        start_unix_ms,
        deadline_unix_ms,
        deadline_text,
        groups,
        sites,
        plans,
        operators,
        version,
        search,
    })
}

/// Reads `[version]`: its fields checked, each problem at its path.
fn read_version(c: &mut Ctx, v: RawVersion) -> Version {
    let latent_defect = match v.latent_defect {
        None => 0.0,
        Some(p) if (0.0..=1.0).contains(&p) => p,
        Some(p) => {
            c.bad("version.latent_defect", format!("{p} is not a probability (0 to 1)"));
            0.0
        }
    };
    let mut duration = |path: &str, text: Option<&String>, most_days: u64| -> Option<SimDuration> {
        let t = text?;
        match parse_duration(t) {
            Ok(d) if d == SimDuration::ZERO => {
                c.bad(path, format!("{t:?} is zero: give a time such as \"2d\""));
                None
            }
            Ok(d) if d > SimDuration::from_hours(24 * most_days) => {
                c.bad(path, format!("{d} is longer than {most_days} days"));
                None
            }
            Ok(d) => Some(d),
            Err(e) => {
                c.bad(path, e.to_string());
                None
            }
        }
    };
    let defect_detect =
        duration("version.defect_detect", v.defect_detect.as_ref(), 3_650).unwrap_or(SimDuration::from_hours(48));
    let fix = duration("version.fix", v.fix.as_ref(), 366);
    Version {
        latent_defect,
        defect_detect,
        fix,
    }
}

/// One plan: the campaign's settings with the plan's own on top.
#[allow(clippy::too_many_arguments)]
fn plan(
    c: &mut Ctx,
    p: &str,
    name: String,
    description: String,
    base: &RawCampaign,
    rp: &RawPlan,
    groups: &[Group],
    sites: &[Site],
) -> Option<Plan> {
    // A field a plan sets is reported at the plan; else at the campaign.
    let at = |field: &str, own: bool| {
        if own {
            format!("{p}.{field}")
        } else {
            format!("campaign.{field}")
        }
    };
    let waves_raw = rp.waves.as_ref().or(base.waves.as_ref());
    let waves_path = at("waves", rp.waves.is_some());
    let wave_specs: Vec<WaveSpec> = match waves_raw {
        None => vec![WaveSpec::Count(sites.len())],
        Some(list) if list.is_empty() || list.len() > MAX_WAVES => {
            c.bad(&waves_path, format!("{} waves: give from 1 to {MAX_WAVES}", list.len()));
            return None;
        }
        Some(list) => {
            let mut out = Vec::new();
            for (i, v) in list.iter().enumerate() {
                let spec = match v {
                    toml::Value::Integer(n) if *n >= 1 => Some(WaveSpec::Count(*n as usize)),
                    toml::Value::Float(f) if *f > 0.0 && *f <= 1.0 => Some(WaveSpec::Share(*f)),
                    toml::Value::String(s) => Selector::parse(s).map(WaveSpec::Select),
                    _ => None,
                };
                match spec {
                    Some(s) => out.push(s),
                    None => c.bad(
                        &format!("{waves_path}[{i}]"),
                        format!("{v}: give a number of sites (3), a share of the fleet (0.25) or a label selector (\"ring=canary\", \"*\")"),
                    ),
                }
            }
            out
        }
    };
    // Shares are of the whole fleet: together they cannot pass 1.
    let shares: f64 = wave_specs
        .iter()
        .map(|w| if let WaveSpec::Share(f) = w { *f } else { 0.0 })
        .sum();
    if shares > 1.0 + 1e-9 {
        c.bad(
            &waves_path,
            format!("the shares of the fleet add up to {shares}, more than the whole fleet (1)"),
        );
        return None;
    }
    let waves = assign_waves(c, &waves_path, &wave_specs, sites)?;
    let cap_path = at("max_sites_per_window", rp.max_sites_per_window.is_some());
    let max_sites_per_window = match rp.max_sites_per_window.or(base.max_sites_per_window) {
        None => usize::MAX,
        Some(n) if n >= 1 => n as usize,
        Some(n) => {
            c.bad(&cap_path, format!("{n}: give at least 1"));
            return None;
        }
    };
    let bake_path = at("bake", rp.bake.is_some());
    let bake = match rp.bake.as_ref().or(base.bake.as_ref()) {
        None => SimDuration::ZERO,
        Some(t) => match parse_duration(t) {
            Ok(d) if d <= SimDuration::from_hours(24 * 366) => d,
            Ok(d) => {
                c.bad(&bake_path, format!("{d} is longer than a year"));
                return None;
            }
            Err(e) => {
                c.bad(&bake_path, e.to_string());
                return None;
            }
        },
    };
    let stop_path = at("stop_on", rp.stop_on.is_some());
    let mut stop_on = Vec::new();
    for (i, w) in rp
        .stop_on
        .as_ref()
        .or(base.stop_on.as_ref())
        .into_iter()
        .flatten()
        .enumerate()
    {
        match StopOn::ALL.iter().find(|s| s.word() == w.trim()) {
            Some(s) => stop_on.push(*s),
            None => c.bad(
                &format!("{stop_path}[{i}]"),
                format!(
                    "{w:?}: give one of {}",
                    StopOn::ALL.iter().map(|s| s.word()).collect::<Vec<_>>().join(", ")
                ),
            ),
        }
    }
    stop_on.sort();
    stop_on.dedup();
    let placement_path = at("placement", rp.placement.is_some());
    let placement = match rp.placement.as_ref().or(base.placement.as_ref()) {
        None => Placement::Earliest,
        Some(w) => match Placement::ALL.iter().find(|p| p.word() == w.trim()) {
            Some(p) => *p,
            None => {
                c.bad(
                    &placement_path,
                    format!("{w:?}: give \"earliest\" (each site in its earliest free window) or \"listed\" (in the order listed)"),
                );
                Placement::Earliest
            }
        },
    };
    let days_path = at("start_days", rp.start_days.is_some());
    let mut start_days = 0u8;
    let days = rp.start_days.as_ref().or(base.start_days.as_ref());
    for (i, d) in days.into_iter().flatten().enumerate() {
        match crate::model::calendar::WEEKDAYS
            .iter()
            .position(|w| *w == d.trim().to_lowercase())
        {
            Some(k) => start_days |= 1 << k,
            None => c.bad(
                &format!("{days_path}[{i}]"),
                format!("{d:?}: give weekdays as mon, tue, wed, thu, fri, sat, sun"),
            ),
        }
    }
    // Left out, or written `[]`: any day.
    if days.is_none_or(|d| d.is_empty()) {
        start_days = 0x7f;
    }
    let mut strategies: Vec<String> = sites.iter().map(|s| s.strategy.clone()).collect();
    for (i, rs) in rp.strategies.iter().flatten().enumerate() {
        let q = format!("{p}.strategies[{i}]");
        let Some(sel) = rs.select.as_deref().and_then(Selector::parse) else {
            c.bad(
                &format!("{q}.select"),
                "give a label selector such as \"ring=main\" or \"*\"",
            );
            continue;
        };
        let Some(strategy) = &rs.strategy else {
            c.bad(&format!("{q}.strategy"), "missing");
            continue;
        };
        let mut any = false;
        for (k, s) in sites.iter().enumerate() {
            if !sel.matches(s) {
                continue;
            }
            any = true;
            let sc = &groups[s.group].scenario;
            if sc.runbook(strategy).is_none() {
                c.bad(
                    &format!("{q}.strategy"),
                    format!(
                        "{strategy:?} is not a strategy of site {}{} (it has: {})",
                        s.name,
                        crate::scenario::suggest::did_you_mean(strategy, sc.strategies.iter().map(String::as_str)),
                        sc.strategies.join(", ")
                    ),
                );
                break;
            }
            strategies[k] = strategy.clone();
        }
        if !any {
            c.bad(&format!("{q}.select"), format!("{:?} selects no site", sel.text()));
        }
    }
    Some(Plan {
        name,
        description,
        wave_specs,
        waves,
        max_sites_per_window,
        bake,
        stop_on,
        placement,
        start_days,
        strategies,
    })
}

/// The sites of each wave: selectors take every site they match not taken
/// by an earlier wave; numbers and shares take the next sites in the
/// fleet's order. Every site must be in exactly one wave.
fn assign_waves(c: &mut Ctx, path: &str, specs: &[WaveSpec], sites: &[Site]) -> Option<Vec<Vec<usize>>> {
    let n = sites.len();
    let mut taken = vec![false; n];
    let mut waves = Vec::new();
    let mut cum_share = 0.0;
    let mut taken_by_share = 0usize;
    for (i, spec) in specs.iter().enumerate() {
        let want = match spec {
            WaveSpec::Select(sel) => {
                let picked: Vec<usize> = (0..n).filter(|&k| !taken[k] && sel.matches(&sites[k])).collect();
                for &k in &picked {
                    taken[k] = true;
                }
                if picked.is_empty() {
                    c.bad(
                        &format!("{path}[{i}]"),
                        format!("{:?} selects no site not already in an earlier wave", sel.text()),
                    );
                    return None;
                }
                waves.push(picked);
                continue;
            }
            WaveSpec::Count(k) => *k,
            WaveSpec::Share(f) => {
                cum_share += f;
                let upto = ((cum_share * n as f64) + 1e-9).floor() as usize;
                let k = upto.saturating_sub(taken_by_share).max(1);
                taken_by_share += k;
                k
            }
        };
        let picked: Vec<usize> = (0..n).filter(|&k| !taken[k]).take(want).collect();
        if picked.len() < want {
            c.bad(
                &format!("{path}[{i}]"),
                format!(
                    "wave {} asks for {want} sites; only {} are left of the fleet's {n}",
                    i + 1,
                    picked.len()
                ),
            );
            return None;
        }
        for &k in &picked {
            taken[k] = true;
        }
        waves.push(picked);
    }
    let left = taken.iter().filter(|t| !**t).count();
    if left > 0 {
        c.bad(
            path,
            format!(
                "the waves take {} of the fleet's {n} sites: {left} are in no wave",
                n - left
            ),
        );
        return None;
    }
    Some(waves)
}

#[cfg(test)]
mod tests;
