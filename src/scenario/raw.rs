//! The file format: a serde mirror of the TOML, every field optional.
//!
//! Nothing here is validated beyond TOML types and key names (every struct
//! denies unknown keys). [`super::validate`] turns a [`RawScenario`] into a
//! [`super::Scenario`], collecting every problem with its field path.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};

/// The whole file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub name: Option<String>,
    pub description: Option<String>,
    pub seed: Option<i64>,
    pub strategies: Option<Vec<String>>,
    pub calendar: Option<RawCalendar>,
    pub site: Option<RawSite>,
    pub upgrade: Option<RawUpgrade>,
    pub failover: Option<RawFailover>,
    pub network: Option<RawNetwork>,
    pub operator: Option<RawOperator>,
    pub operators: Option<RawOperators>,
    pub workload: Option<RawWorkload>,
    pub faults: Option<RawFaults>,
    pub pod: Option<RawPod>,
    pub preparation: Option<super::prep::RawPreparation>,
    pub consoles: Option<super::prep::RawConsoles>,
    pub jump_clients: Option<super::prep::RawJumpClients>,
    pub integrations: Option<super::prep::RawIntegrations>,
    pub thresholds: Option<std::collections::BTreeMap<String, f64>>,
    pub priorities: Option<crate::priorities::RawPriorities>,
    pub risk: Option<crate::priorities::RawRisk>,
    pub sensitivity: Option<super::sensitivity::RawSensitivity>,
    pub runbooks: Option<Vec<crate::runbook::RawRunbook>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCalendar {
    pub start: Option<String>,
    pub time_zone: Option<String>,
    pub start_weekday: Option<String>,
    pub start_hour: Option<i64>,
    pub windows: Option<Vec<RawWindow>>,
    pub freezes: Option<Vec<RawFreeze>>,
    pub interim: Option<String>,
    pub warmup: Option<String>,
    pub cooldown: Option<String>,
    pub cutoff: Option<String>,
    pub on_overrun: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWindow {
    pub weekday: Option<String>,
    pub date: Option<String>,
    pub hour: Option<i64>,
    pub at: Option<String>,
    pub length: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOperators {
    pub count: Option<i64>,
    pub shifts: Option<Vec<RawShift>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawShift {
    pub from: Option<String>,
    pub to: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFreeze {
    pub from: Option<String>,
    pub to: Option<String>,
    pub reason: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSite {
    pub kind: Option<String>,
    pub data_gb: Option<f64>,
    pub keys_match: Option<bool>,
    pub capacity: Option<i64>,
    pub backup_primary: Option<bool>,
    pub switch: Option<String>,
    pub regions: Option<Vec<RawRegion>>,
    pub offline_fraction: Option<f64>,
    pub drain_timeout: Option<String>,
    pub distribute: Option<RawDist>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRegion {
    pub name: Option<String>,
    pub share: Option<f64>,
    pub nodes: Option<i64>,
    pub capacity: Option<i64>,
    pub time_zone: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPod {
    pub preferred_window: Option<RawPreferred>,
    pub preferred_window_zone: Option<String>,
    pub miss_probability: Option<f64>,
    pub lead_time: Option<String>,
    pub spread: Option<String>,
    pub allotment: Option<String>,
    pub cutover: Option<RawDist>,
    pub build_green: Option<RawDist>,
    pub validate: Option<RawDist>,
    pub delete_blue: Option<RawDist>,
    pub reminder_interval: Option<String>,
    pub close_immediately_fraction: Option<f64>,
    pub farms: Option<Vec<RawFarm>>,
    pub reconnect_probability: Option<f64>,
    pub reconnect_delay: Option<RawDist>,
    pub emergency_per_year: Option<f64>,
    pub emergency_notice: Option<String>,
    pub reschedule_probability: Option<f64>,
    pub support_delay: Option<RawDist>,
    pub preconditions: Option<RawPreconditions>,
    pub post_update: Option<RawPostUpdate>,
    pub validation_failure: Option<f64>,
    pub green_build_failure: Option<f64>,
    pub point_release: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPreconditions {
    pub agents: Option<f64>,
    pub vcores: Option<f64>,
    pub locks: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPostUpdate {
    pub agents: Option<RawDist>,
    pub radius: Option<RawDist>,
    pub dns: Option<RawDist>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFarm {
    pub share: Option<f64>,
    pub logoff: Option<String>,
    pub after: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPreferred {
    pub weekday: Option<String>,
    pub hour: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUpgrade {
    pub base: Option<RawDist>,
    pub product: Option<RawDist>,
    pub reboot: Option<RawDist>,
    pub install_per_gb: Option<String>,
    pub same_on_both: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFailover {
    pub sync_interval: Option<String>,
    pub first_sync_delay: Option<String>,
    pub sync_overhead: Option<RawDist>,
    pub throughput_mb_s: Option<f64>,
    pub record_mb: Option<f64>,
    pub mixed_versions: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNetwork {
    pub shared_ip_gap: Option<RawDist>,
    pub dns_ttl: Option<String>,
    pub dns_stale_fraction: Option<f64>,
    pub dns_stale_extra: Option<RawDist>,
    pub nat_delay: Option<RawDist>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOperator {
    pub step: Option<RawDist>,
    pub verify: Option<RawDist>,
    pub backup: Option<RawDist>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWorkload {
    pub arrivals: Option<String>,
    pub days: Option<Vec<f64>>,
    pub hours: Option<Vec<f64>>,
    pub support: Option<RawClients>,
    pub console: Option<RawClients>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawClients {
    pub rate_per_hour: Option<f64>,
    pub msi_locked_share: Option<f64>,
    pub redeploy: Option<RawDist>,
    pub technicians: Option<i64>,
    pub duration: Option<RawDist>,
    pub retry: Option<RawRetry>,
    pub reconnect: Option<RawReconnect>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRetry {
    pub attempts: Option<i64>,
    pub backoff: Option<String>,
    pub factor: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReconnect {
    pub enabled: Option<bool>,
    pub interval: Option<String>,
    pub attempts: Option<i64>,
    pub client_update: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFaults {
    pub mtbf: Option<String>,
    pub crashes: Option<bool>,
    pub mttr: Option<RawDist>,
    pub failover_delay: Option<RawDist>,
    pub upgrade_failure: Option<f64>,
    pub rollback: Option<RawDist>,
    pub support: Option<RawDist>,
    pub upgrade_retries: Option<i64>,
    pub sync_failure: Option<f64>,
    pub sync_retry: Option<String>,
    pub precheck_failure: Option<f64>,
    pub admin_fix: Option<RawDist>,
    pub precheck_deadline: Option<String>,
    pub latent_defect: Option<f64>,
    pub defect_detect: Option<RawDist>,
    pub crash_loses_data: Option<f64>,
    pub inject: Option<Vec<super::inject::RawInjection>>,
}

/// A distribution: either a duration string (a constant) or an inline table
/// such as `{ dist = "lognormal", median = "12m", p95 = "1h" }`.
#[derive(Debug, Clone, PartialEq)]
pub enum RawDist {
    /// `"20m"`: shorthand for a constant.
    Text(String),
    /// The inline-table form.
    Table(RawDistTable),
}

/// The inline-table form of a distribution; which keys apply depends on `dist`.
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDistTable {
    pub dist: Option<String>,
    pub value: Option<String>,
    pub mean: Option<String>,
    pub median: Option<String>,
    pub p95: Option<String>,
    pub min: Option<String>,
    pub max: Option<String>,
}

impl<'de> Deserialize<'de> for RawDist {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawDist;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a duration such as \"20m\" or a table such as { dist = \"lognormal\", median = \"12m\", p95 = \"1h\" }",
                )
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<RawDist, E> {
                Ok(RawDist::Text(s.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawDist, A::Error> {
                RawDistTable::deserialize(de::value::MapAccessDeserializer::new(map)).map(RawDist::Table)
            }
        }
        d.deserialize_any(V)
    }
}
