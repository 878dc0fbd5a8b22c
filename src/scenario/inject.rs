//! `[[faults.inject]]`: a fault at a chosen step, for what-ifs asked by
//! name ("what if the backup primary crashes while A is upgraded?").
//!
//! ```toml
//! [[faults.inject]]
//! at_step = "upgrade A"   # the first runbook step whose label, without its "14/16 " number, starts so
//! occurrence = 1          # or the second such step, …
//! after = "10m"           # into that step
//! crash = "B"             # or: fail_upgrade = "A", fail_precheck = true, defect = true
//! ```
//!
//! An injection draws nothing to decide whether or when it happens: it
//! happens `after` the `occurrence`-th (default first) step of the run
//! whose label (as `events.csv` shows it when the step starts, roles read)
//! starts with `at_step`. What
//! follows is drawn as for a random fault (the repair time of a crash, the
//! support's answer to a failed upgrade). Random faults stay on. The sim
//! side is `sim::inject`; docs/model.md §4 "Injected faults" has the rules.

use serde::Deserialize;

use super::validate::MAX_DURATION_MS;
use crate::model::site::{NodeId, Site, SiteKind};
use crate::runbook::Runbook;
use crate::time::{SimDuration, parse_duration};

/// One `[[faults.inject]]` table as written.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInjection {
    /// The step's label, or its start (`"upgrade A"`).
    pub at_step: Option<String>,
    /// Which of the steps labelled so (1: the first, the default).
    pub occurrence: Option<i64>,
    /// How long into that step (default 0).
    pub after: Option<String>,
    /// The appliance or node that crashes.
    pub crash: Option<String>,
    /// The appliance or node whose upgrade fails.
    pub fail_upgrade: Option<String>,
    /// The precheck fails (pods).
    pub fail_precheck: Option<bool>,
    /// The new version carries a latent defect.
    pub defect: Option<bool>,
}

/// What an injection does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Injected {
    /// The node crashes (if it is up then): down for `faults.mttr`, and
    /// the records only it holds are lost.
    Crash(NodeId),
    /// The node's upgrade under way, or its next one, fails at its end.
    FailUpgrade(NodeId),
    /// The next precheck fails; the admin's fix is drawn from `faults.admin_fix`.
    FailPrecheck,
    /// The new version carries a latent defect, found `faults.defect_detect`
    /// after it first serves.
    Defect,
}

/// One checked injection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Injection {
    /// The start of the step's label, as written.
    pub at_step: String,
    /// Which of the run's steps labelled so arms it (1: the first).
    pub occurrence: u32,
    /// How long into that step.
    pub after: SimDuration,
    /// What happens then.
    pub what: Injected,
}

impl Injection {
    /// True when a step labelled `label` (without its number) is the one
    /// this injection waits for.
    pub fn matches(&self, label: &str) -> bool {
        label.starts_with(self.at_step.as_str())
    }

    /// The injection in words, for the report's assumptions:
    /// `B crashes 10m into "upgrade A"`.
    pub fn describe(&self, site: &Site) -> String {
        let name = |n: NodeId| site.nodes.get(n).map_or("?", |x| x.name.as_str());
        let what = match self.what {
            Injected::Crash(n) => format!("{} crashes", name(n)),
            Injected::FailUpgrade(n) => format!("the upgrade of {} fails", name(n)),
            Injected::FailPrecheck => "the precheck fails".to_string(),
            Injected::Defect => "the new version carries a latent defect".to_string(),
        };
        let which = match self.occurrence {
            1 => "first".to_string(),
            2 => "second".to_string(),
            3 => "third".to_string(),
            n => format!("{n}th"),
        };
        format!("{what} {} into the {which} step \"{}…\"", self.after, self.at_step)
    }
}

/// Checks the `[[faults.inject]]` tables against the site and the enabled
/// runbooks; problems go to `out` as (field path, message).
pub fn check(
    raw: Option<Vec<RawInjection>>,
    site: &Site,
    runbooks: &[Runbook],
    out: &mut Vec<(String, String)>,
) -> Vec<Injection> {
    let raw = raw.unwrap_or_default();
    if raw.is_empty() {
        return Vec::new();
    }
    // Every step label of the enabled strategies, once for all the tables
    // (and each strategy's own, to count a label's steps in one run).
    let by_runbook: Vec<Vec<String>> = runbooks
        .iter()
        .map(|rb| rb.steps.iter().map(|step| step.describe(site)).collect())
        .collect();
    let mut labels: Vec<String> = by_runbook.iter().flatten().cloned().collect();
    labels.sort_unstable();
    labels.dedup();
    let mut list = Vec::new();
    for (i, r) in raw.into_iter().enumerate() {
        let p = format!("faults.inject[{i}]");
        let mut bad = |field: &str, msg: String| out.push((format!("{p}{field}"), msg));
        let node = |field: &str, name: &String, bad: &mut dyn FnMut(&str, String)| -> Option<NodeId> {
            let id = site.node_id(name);
            if id.is_none() {
                let names: Vec<&str> = site.nodes.iter().map(|n| n.name.as_str()).collect();
                bad(
                    field,
                    format!(
                        "{name:?} is not a node of this site (one of: {})",
                        crate::model::site::short_list(&names)
                    ),
                );
            }
            id
        };
        let mut whats = Vec::new();
        if let Some(n) = &r.crash {
            whats.push(node(".crash", n, &mut bad).map(Injected::Crash));
        }
        if let Some(n) = &r.fail_upgrade {
            whats.push(node(".fail_upgrade", n, &mut bad).map(Injected::FailUpgrade));
        }
        if r.fail_precheck == Some(true) {
            if site.kind != SiteKind::Pod {
                bad(".fail_precheck", "prechecks are a pod's (site.kind = \"pod\")".into());
            }
            whats.push(Some(Injected::FailPrecheck));
        }
        if r.defect == Some(true) {
            if !site.kind.restores_appliances() {
                bad(
                    ".defect",
                    format!(
                        "latent defects are modelled for single appliances and failover pairs only, not for {} sites",
                        site.kind.name()
                    ),
                );
            }
            whats.push(Some(Injected::Defect));
        }
        if whats.len() != 1 {
            bad(
                "",
                format!(
                    "give exactly one of crash, fail_upgrade, fail_precheck = true, defect = true ({} given)",
                    whats.len()
                ),
            );
            continue;
        }
        let after = match r.after.as_deref().map(parse_duration) {
            None => SimDuration::ZERO,
            Some(Ok(d)) if d.0 <= MAX_DURATION_MS => d,
            Some(Ok(_)) => {
                bad(
                    ".after",
                    "is longer than the longest duration a scenario may give".into(),
                );
                continue;
            }
            Some(Err(e)) => {
                bad(".after", e.to_string());
                continue;
            }
        };
        let Some(at_step) = r.at_step.filter(|s| !s.trim().is_empty()) else {
            bad(
                ".at_step",
                "missing: the start of a step's label, as events.csv shows it (\"upgrade A\")".into(),
            );
            continue;
        };
        if !labels.iter().any(|l| l.starts_with(at_step.as_str())) {
            let shown: Vec<&str> = labels.iter().map(String::as_str).collect();
            bad(
                ".at_step",
                format!(
                    "{at_step:?} starts no step of the enabled strategies (their steps: {})",
                    crate::model::site::short_list(&shown)
                ),
            );
            continue;
        }
        let occurrence = match r.occurrence {
            None => 1,
            Some(n) if (1..=10_000).contains(&n) => n as u32,
            Some(n) => {
                bad(
                    ".occurrence",
                    format!("{n} is not from 1 to 10000 (1: the first step labelled so)"),
                );
                continue;
            }
        };
        // The most steps so labelled that one strategy runs.
        let most = by_runbook
            .iter()
            .map(|l| l.iter().filter(|l| l.starts_with(at_step.as_str())).count())
            .max()
            .unwrap_or(0);
        if occurrence as usize > most {
            bad(
                ".occurrence",
                format!(
                    "{occurrence}: no enabled strategy has more than {most} step{} whose label starts with {at_step:?}",
                    if most == 1 { "" } else { "s" }
                ),
            );
            continue;
        }
        if let Some(Some(what)) = whats.pop() {
            list.push(Injection {
                at_step,
                occurrence,
                after,
                what,
            });
        }
    }
    list
}
