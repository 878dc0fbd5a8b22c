//! Runbooks: ordered steps that an operator (or a service) carries out.
//!
//! Built-in runbooks are data, not code: they are written in
//! `runbook/builtin.toml` in the same step vocabulary a scenario uses for its
//! own `[[runbooks]]`, parsed by the same [`RawRunbook`] reader, and checked
//! by the same [`resolve`] pass. The executor (in [`crate::sim`]) knows
//! steps, never runbook names.
//!
//! A step names an appliance by name (`A`, `B`) or by the role it holds
//! (`primary`, `backup`, `serving`, `idle`; see `roles.rs`), read when the
//! step starts. The built-in runbooks use roles.

mod check;
mod roles;

pub use roles::{Arg, Holders, Role, RoleStep};

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::Deserialize;

use crate::model::site::{NodeClass, NodeId, Site, SiteKind, SwitchMethod, short_list};
use crate::time::{MAX_DURATION_MS, SimDuration, parse_duration};

/// One step of a runbook, with its arguments resolved against a site.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// Download a backup of the appliance's settings (operator time + backup time).
    Backup { node: NodeId },
    /// Click "Sync Now" on the failover page and wait for that sync to complete.
    SyncNow,
    /// Break the failover relationship: both appliances become standalone.
    BreakFailover,
    /// Establish the failover relationship; the backup stops serving clients.
    EstablishFailover { primary: NodeId, backup: NodeId },
    /// Wait until the full sync after the last establish has completed.
    WaitSync,
    /// Install base and product updates and reboot, on every node listed at
    /// once; with `wait` the step ends when all are done.
    Upgrade { nodes: Vec<NodeId>, wait: bool },
    /// Wait until the listed nodes have finished upgrading.
    WaitUpgraded { nodes: Vec<NodeId> },
    /// Verify and test (for a pod: the service's validation).
    Verify { node: NodeId },
    /// Move the site's clients to `to`.
    Switch { method: SwitchMethod, to: NodeId },
    /// Check or uncheck "Accepting New Client Connections" for traffic
    /// nodes, in the acting primary's cluster configuration.
    SetAccepting { nodes: Vec<NodeId>, value: bool },
    /// Wait until no session is left on the nodes; after `timeout`, when
    /// there is one, the remaining sessions are cut (dropped).
    WaitDrained {
        nodes: Vec<NodeId>,
        timeout: Option<SimDuration>,
    },
    /// Push the upgrade package to every node of the cluster.
    DistributePackage,
    /// "Become Backup": the node gives up the primary role.
    BecomeBackup { node: NodeId },
    /// "Become Primary": the node takes the primary role.
    BecomePrimary { node: NodeId },
    /// Enable or disable backup operations (failover syncs and takeover).
    SetBackupOperations { value: bool },
    /// "Sync Now" in the cluster status: push the configuration to the nodes.
    ClusterSync,
    /// Wait the interim period, then for the next maintenance window.
    Interim,
    /// Wait for the next maintenance window to open (none when one is open).
    WaitWindow,
    /// Wait a fixed time.
    Wait { duration: SimDuration },
    /// Prechecks (keys, agent versions, capacity quota); a failure needs
    /// admin action before a deadline or the update fails.
    Precheck,
    /// The service schedules the maintenance (pods).
    Schedule,
    /// Build the green set in parallel (pods); the cutover waits for it.
    BuildGreen,
    /// At the scheduled time: cut over from blue to green (pods).
    Cutover,
    /// Send a notification (logged).
    Notify { what: String },
    /// Delete the blue VMs (pods).
    DeleteBlue,
    /// Restore the appliance to the old version from its backup
    /// (`faults.rollback`; the appliance is down meanwhile).
    Restore { node: NodeId },
    /// Set the pod's "close disconnected sessions" policy to a time value
    /// (`after`) in every farm whose policy closes them sooner, or restore
    /// the farms' own policies (`None`).
    SetLogoffPolicy { after: Option<SimDuration> },
}

/// Who a step keeps busy, for a campaign's operators and its cap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepKind {
    /// An operator works (or watches, within the same window): clicks,
    /// backups, verification, the waits for installs, syncs and drains.
    Operator,
    /// The cloud service changes the site without an operator: a pod's
    /// cutover. It counts towards a campaign's cap, not its operators.
    ServiceChange,
    /// Nobody works: the interim, the wait for a window or a fixed time, the
    /// service's scheduling, building, notices and clean-up.
    Wait,
}

impl Step {
    /// Who the step keeps busy (an exhaustive match: a new step must say).
    pub fn kind(&self) -> StepKind {
        match self {
            Step::Backup { .. }
            | Step::SyncNow
            | Step::BreakFailover
            | Step::EstablishFailover { .. }
            | Step::WaitSync
            | Step::Upgrade { .. }
            | Step::WaitUpgraded { .. }
            | Step::Verify { .. }
            | Step::Switch { .. }
            | Step::SetAccepting { .. }
            | Step::WaitDrained { .. }
            | Step::DistributePackage
            | Step::BecomeBackup { .. }
            | Step::BecomePrimary { .. }
            | Step::SetBackupOperations { .. }
            | Step::ClusterSync
            | Step::Precheck
            | Step::Restore { .. }
            | Step::SetLogoffPolicy { .. } => StepKind::Operator,
            Step::Cutover => StepKind::ServiceChange,
            Step::Interim
            | Step::WaitWindow
            | Step::Wait { .. }
            | Step::Schedule
            | Step::BuildGreen
            | Step::Notify { .. }
            | Step::DeleteBlue => StepKind::Wait,
        }
    }

    /// True for a manual step that starts with one operator action of
    /// `operator.step` (a click in a console) before it takes effect.
    /// Backups and verification take an operator's time of their own; waits,
    /// installs under way and the service's pod steps take none.
    pub fn starts_with_a_click(&self) -> bool {
        match self {
            Step::SyncNow
            | Step::BreakFailover
            | Step::EstablishFailover { .. }
            | Step::Upgrade { .. }
            | Step::Switch { .. }
            | Step::SetAccepting { .. }
            | Step::DistributePackage
            | Step::BecomeBackup { .. }
            | Step::BecomePrimary { .. }
            | Step::SetBackupOperations { .. }
            | Step::ClusterSync
            | Step::Precheck
            | Step::Restore { .. } => true,
            Step::Backup { .. }
            | Step::WaitSync
            | Step::WaitUpgraded { .. }
            | Step::Verify { .. }
            | Step::WaitDrained { .. }
            | Step::Interim
            | Step::WaitWindow
            | Step::Wait { .. }
            | Step::Schedule
            | Step::BuildGreen
            | Step::Cutover
            | Step::Notify { .. }
            | Step::DeleteBlue
            | Step::SetLogoffPolicy { .. } => false,
        }
    }

    /// The vocabulary word of the step.
    pub fn verb(&self) -> &'static str {
        match self {
            Step::Backup { .. } => "backup",
            Step::SyncNow => "sync_now",
            Step::BreakFailover => "break_failover",
            Step::EstablishFailover { .. } => "establish_failover",
            Step::WaitSync => "wait_sync",
            Step::Upgrade { .. } => "upgrade",
            Step::WaitUpgraded { .. } => "wait_upgraded",
            Step::Verify { .. } => "verify",
            Step::Switch { .. } => "switch",
            Step::SetAccepting { .. } => "set_accepting",
            Step::WaitDrained { .. } => "wait_drained",
            Step::DistributePackage => "distribute_package",
            Step::BecomeBackup { .. } => "become_backup",
            Step::BecomePrimary { .. } => "become_primary",
            Step::SetBackupOperations { .. } => "set_backup_operations",
            Step::ClusterSync => "cluster_sync",
            Step::Interim => "interim",
            Step::WaitWindow => "wait_window",
            Step::Wait { .. } => "wait",
            Step::Precheck => "precheck",
            Step::Schedule => "schedule",
            Step::BuildGreen => "build_green",
            Step::Cutover => "cutover",
            Step::Notify { .. } => "notify",
            Step::DeleteBlue => "delete_blue",
            Step::Restore { .. } => "restore",
            Step::SetLogoffPolicy { .. } => "set_logoff_policy",
        }
    }

    /// True for steps that are not maintenance work: calendar waits and the
    /// service's own preparation. Their time never counts as window overrun.
    pub fn is_window_work(&self) -> bool {
        !matches!(
            self,
            Step::Interim
                | Step::WaitWindow
                | Step::Precheck
                | Step::Schedule
                | Step::BuildGreen
                | Step::Notify { .. }
                | Step::DeleteBlue
                | Step::SetLogoffPolicy { .. }
        )
    }

    /// True for the work steps that the window rules (`calendar.cutoff`,
    /// `calendar.on_overrun`) govern: window work that is not a wait
    /// (`wait_sync`, `wait_upgraded`, `wait_drained`, `wait`) and not a
    /// pod's cutover, which the service schedules.
    pub fn window_rules_apply(&self) -> bool {
        self.is_window_work()
            && !matches!(
                self,
                Step::WaitSync
                    | Step::WaitUpgraded { .. }
                    | Step::WaitDrained { .. }
                    | Step::Wait { .. }
                    | Step::Cutover
            )
    }

    /// A one-line description with argument names, e.g. `switch dns -> B`.
    pub fn describe(&self, site: &Site) -> String {
        self.describe_with(|id| site.node_name(id))
    }

    /// [`Step::describe`] with the node names given by `name`.
    pub fn describe_with<'n>(&self, name: impl Fn(NodeId) -> &'n str) -> String {
        let n = |id: &NodeId| name(*id).to_string();
        let list = |ids: &[NodeId]| -> String {
            let names: Vec<String> = ids.iter().map(n).collect();
            if names.len() > 6 {
                format!("{} nodes ({} .. {})", names.len(), names[0], names[names.len() - 1])
            } else {
                names.join(", ")
            }
        };
        match self {
            Step::Backup { node } => format!("backup {}", n(node)),
            Step::Restore { node } => format!("restore {}", n(node)),
            Step::Upgrade { nodes, wait } => {
                format!("upgrade {}{}", list(nodes), if *wait { "" } else { " (in background)" })
            }
            Step::WaitUpgraded { nodes } => format!("wait_upgraded {}", list(nodes)),
            Step::Verify { node } => format!("verify {}", n(node)),
            Step::Switch { method, to } => format!("switch {} -> {}", method.name(), n(to)),
            Step::SetAccepting { nodes, value } => {
                format!("set_accepting {} = {value}", list(nodes))
            }
            Step::WaitDrained {
                nodes,
                timeout: Some(t),
            } => {
                format!("wait_drained {} (timeout {t})", list(nodes))
            }
            Step::WaitDrained { nodes, timeout: None } => format!("wait_drained {}", list(nodes)),
            Step::BecomeBackup { node } => format!("become_backup {}", n(node)),
            Step::BecomePrimary { node } => format!("become_primary {}", n(node)),
            Step::SetBackupOperations { value } => format!("set_backup_operations {value}"),
            Step::Wait { duration } => format!("wait {duration}"),
            Step::EstablishFailover { primary, backup } => {
                format!("establish_failover primary {} backup {}", n(primary), n(backup))
            }
            Step::Notify { what } => format!("notify {what}"),
            Step::SetLogoffPolicy { after: Some(d) } => format!("set_logoff_policy after {d}"),
            Step::SetLogoffPolicy { after: None } => "set_logoff_policy restore".to_string(),
            other => other.verb().to_string(),
        }
    }
}

/// A runbook as written in a file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRunbook {
    pub name: String,
    pub site: String,
    #[serde(default)]
    pub summary: String,
    pub steps: Vec<RawStep>,
}

/// A step as written in a file: the verb in `do`, the arguments it takes.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    #[serde(rename = "do")]
    pub verb: String,
    pub node: Option<String>,
    pub nodes: Option<Vec<String>>,
    pub group: Option<String>,
    pub method: Option<String>,
    pub to: Option<String>,
    pub primary: Option<String>,
    pub backup: Option<String>,
    pub duration: Option<String>,
    pub timeout: Option<String>,
    pub value: Option<bool>,
    pub wait: Option<bool>,
    pub what: Option<String>,
    pub after: Option<String>,
    pub restore: Option<bool>,
}

/// A runbook resolved against a site: every node exists, every step is possible.
#[derive(Clone, Debug, PartialEq)]
pub struct Runbook {
    /// Its name, e.g. `failover-sync`.
    pub name: String,
    /// One sentence on what it does.
    pub summary: String,
    /// The steps, in order, as planned: a step naming a role reads as it
    /// does when nothing but the runbook changes the site (`A` primary and
    /// serving when the procedure starts).
    pub steps: Vec<Step>,
    /// The steps naming a role, by index: the executor reads them again
    /// when each starts.
    pub roles: Vec<RoleStep>,
}

impl Runbook {
    /// Step `i`'s roles, when it names any.
    pub fn role_step(&self, i: usize) -> Option<&RoleStep> {
        self.roles
            .binary_search_by_key(&i, |r| r.index)
            .ok()
            .map(|k| &self.roles[k])
    }

    /// Step `i` in words, its roles as the runbook names them: `upgrade
    /// backup`, `switch dns -> B`.
    pub fn describe_step(&self, i: usize, site: &Site) -> String {
        match (self.role_step(i), self.steps.get(i)) {
            (Some(r), _) => r.describe(|id| site.node_name(id)),
            (None, Some(s)) => s.describe(site),
            (None, None) => String::new(),
        }
    }

    /// True when some step moves the clients by `method`.
    pub fn switches_by(&self, method: SwitchMethod) -> bool {
        self.steps
            .iter()
            .any(|s| matches!(s, Step::Switch { method: m, .. } if *m == method))
    }
}

/// Why a runbook cannot be carried out on a site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunbookError {
    /// The runbook's name.
    pub runbook: String,
    /// 1-based step number, when the problem is one step's.
    pub step: Option<usize>,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for RunbookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.step {
            Some(s) => write!(f, "runbook {:?}, step {}: {}", self.runbook, s, self.reason),
            None => write!(f, "runbook {:?}: {}", self.runbook, self.reason),
        }
    }
}

impl std::error::Error for RunbookError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BuiltinFile {
    runbook: Vec<RawRunbook>,
}

/// The built-in runbooks, in the order they are listed.
pub fn builtin() -> Vec<RawRunbook> {
    let file: BuiltinFile =
        toml::from_str(include_str!("runbook/builtin.toml")).expect("built-in runbooks parse (tested)");
    file.runbook
}

/// Names of the built-in runbooks.
pub fn builtin_names() -> Vec<String> {
    builtin().into_iter().map(|r| r.name).collect()
}

/// The words a step may use.
pub const VERBS: [&str; 27] = [
    "backup",
    "sync_now",
    "break_failover",
    "establish_failover",
    "wait_sync",
    "upgrade",
    "wait_upgraded",
    "verify",
    "switch",
    "set_accepting",
    "wait_drained",
    "distribute_package",
    "become_backup",
    "become_primary",
    "set_backup_operations",
    "cluster_sync",
    "interim",
    "wait_window",
    "wait",
    "precheck",
    "schedule",
    "build_green",
    "cutover",
    "notify",
    "delete_blue",
    "restore",
    "set_logoff_policy",
];

/// Resolves a raw runbook against a site, refusing what cannot work (see
/// `check.rs` for the feasibility rules).
pub fn resolve(raw: &RawRunbook, site: &Site) -> Result<Runbook, RunbookError> {
    let err = |step: Option<usize>, reason: String| RunbookError {
        runbook: raw.name.clone(),
        step,
        reason,
    };
    let wanted = SiteKind::parse(&raw.site).ok_or_else(|| {
        err(
            None,
            format!("unknown site kind {:?} ({})", raw.site, SiteKind::choices()),
        )
    })?;
    if wanted != site.kind {
        return Err(err(
            None,
            format!(
                "needs a {} site, the scenario has a {}",
                wanted.name(),
                site.kind.name()
            ),
        ));
    }
    if raw.steps.is_empty() {
        return Err(err(None, "has no steps".into()));
    }
    let index: HashMap<&str, NodeId> = site
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.name.as_str(), i))
        .collect();
    let mut steps = Vec::with_capacity(raw.steps.len());
    let mut roles = Vec::new();
    let mut work = 0u64;
    let appliances = appliances(site);
    for (i, s) in raw.steps.iter().enumerate() {
        let args = role_args(s, site, appliances).map_err(|reason| err(Some(i + 1), reason))?;
        let step = resolve_step(s, site, &index).map_err(|reason| err(Some(i + 1), reason))?;
        if !args.is_empty() {
            roles.push(RoleStep::new(i, args, &step, appliances, site.nodes.len()));
        }
        work += step_work(s, &step, site);
        if work > MAX_RUNBOOK_WORK {
            return Err(err(
                Some(i + 1),
                format!(
                    "the steps up to here act on {work} nodes in all (a group or distribute_package counts every node of the site): at most {MAX_RUNBOOK_WORK}"
                ),
            ));
        }
        steps.push(step);
    }
    check::feasible(&mut steps, &roles, site).map_err(|(i, reason)| err(Some(i + 1), reason))?;
    Ok(Runbook {
        name: raw.name.clone(),
        summary: raw.summary.clone(),
        steps,
        roles,
    })
}

/// The appliances that can hold a role: `A`, and `B` when the site has a
/// backup (a pod has none).
fn appliances(site: &Site) -> usize {
    match site.kind {
        SiteKind::Pod => 0,
        _ if site.has_backup() => 2,
        _ => 1,
    }
}

/// The arguments of `s` naming a role, refusing a role where none can
/// stand: in a list, on a site without the appliance to hold it.
fn role_args(s: &RawStep, site: &Site, appliances: usize) -> Result<Vec<(Arg, Role)>, String> {
    if let Some(r) = s.nodes.iter().flatten().find_map(|n| Role::parse(n)) {
        return Err(format!(
            "a role names one appliance: write `node = \"{}\"`, not a `nodes` list",
            r.name()
        ));
    }
    let mut args = Vec::new();
    for (arg, value) in [
        (Arg::Node, &s.node),
        (Arg::To, &s.to),
        (Arg::Primary, &s.primary),
        (Arg::Backup, &s.backup),
    ] {
        let Some(role) = value.as_deref().and_then(Role::parse) else {
            continue;
        };
        if appliances == 0 {
            return Err(format!(
                "`{} = \"{}\"`: the {} site has no appliances to name by role (name the node: {})",
                arg.field(),
                role.name(),
                site.kind.name(),
                site.node_names().join(", ")
            ));
        }
        if appliances < 2 && role.needs_two() {
            return Err(format!(
                "`{} = \"{}\"`: the {} site has a single appliance, A, so no appliance is ever {}",
                arg.field(),
                role.name(),
                site.kind.name(),
                if role == Role::Backup { "the backup" } else { "idle" }
            ));
        }
        args.push((arg, role));
    }
    Ok(args)
}

/// Most node-steps one runbook may carry out (see `step_work`): bounds
/// the work of resolving and running it, whatever the cluster's size.
pub const MAX_RUNBOOK_WORK: u64 = 2_000_000;

/// The nodes a step acts on, as counted against [`MAX_RUNBOOK_WORK`]: a
/// group or `distribute_package` counts every node of the site (finding
/// the group scans them), a list its length, an appliance's upgrade in a
/// cluster every node too (it rewrites the cluster configuration); any
/// other step counts one.
fn step_work(raw: &RawStep, step: &Step, site: &Site) -> u64 {
    let all = site.nodes.len() as u64;
    let appliance = |n: &NodeId| matches!(site.nodes[*n].class, NodeClass::Appliance);
    let mut work = match step {
        _ if raw.group.is_some() => all,
        Step::DistributePackage => all,
        Step::Upgrade { nodes, .. }
        | Step::WaitUpgraded { nodes }
        | Step::SetAccepting { nodes, .. }
        | Step::WaitDrained { nodes, .. } => nodes.len() as u64,
        _ => 1,
    };
    if let Step::Upgrade { nodes, .. } = step
        && site.kind.routes_through_traffic_nodes()
        && nodes.iter().any(appliance)
    {
        work += all;
    }
    work.max(1)
}

fn resolve_step(s: &RawStep, site: &Site, index: &HashMap<&str, NodeId>) -> Result<Step, String> {
    let allowed: &[&str] = match s.verb.as_str() {
        "backup" | "verify" | "become_backup" | "become_primary" | "restore" => &["node"],
        "upgrade" => &["node", "nodes", "group", "wait"],
        "wait_upgraded" => &["node", "nodes", "group"],
        "set_accepting" => &["node", "nodes", "group", "value"],
        "wait_drained" => &["node", "nodes", "group", "timeout"],
        "switch" => &["method", "to"],
        "establish_failover" => &["primary", "backup"],
        "wait" => &["duration"],
        "set_backup_operations" => &["value"],
        "notify" => &["what"],
        "set_logoff_policy" => &["after", "restore"],
        v if VERBS.contains(&v) => &[],
        other => {
            return Err(format!("unknown step {other:?} (one of: {})", VERBS.join(", ")));
        }
    };
    let present = [
        ("node", s.node.is_some()),
        ("nodes", s.nodes.is_some()),
        ("group", s.group.is_some()),
        ("method", s.method.is_some()),
        ("to", s.to.is_some()),
        ("primary", s.primary.is_some()),
        ("backup", s.backup.is_some()),
        ("duration", s.duration.is_some()),
        ("timeout", s.timeout.is_some()),
        ("value", s.value.is_some()),
        ("wait", s.wait.is_some()),
        ("what", s.what.is_some()),
        ("after", s.after.is_some()),
        ("restore", s.restore.is_some()),
    ];
    for (field, here) in present {
        if here && !allowed.contains(&field) {
            return Err(format!("{} takes no `{field}`", s.verb));
        }
    }
    let one = |field: &str, v: &Option<String>| -> Result<NodeId, String> {
        let name = v.as_deref().ok_or_else(|| format!("{} needs `{field}`", s.verb))?;
        // A role reads as planned here; `RoleStep` makes its other readings.
        if let Some(role) = Role::parse(name) {
            return Ok(Holders::PLANNED.of(role));
        }
        index.get(name).copied().ok_or_else(|| {
            let names = site.node_names();
            let shown = if names.len() > 8 {
                format!("{} .. {}", names[..4].join(", "), names[names.len() - 1])
            } else {
                names.join(", ")
            };
            let roles = if matches!(field, "node" | "to" | "primary" | "backup") && site.kind != SiteKind::Pod {
                format!("; or name a role: {}", Role::choices())
            } else {
                String::new()
            };
            format!("node {name:?} does not exist (the site has {shown}{roles})")
        })
    };
    let many = || -> Result<Vec<NodeId>, String> {
        let given = [s.node.is_some(), s.nodes.is_some(), s.group.is_some()];
        if given.iter().filter(|x| **x).count() != 1 {
            return Err(format!("{} needs exactly one of `node`, `nodes` or `group`", s.verb));
        }
        if let Some(g) = &s.group {
            let ids = site.group(g).ok_or_else(|| {
                let groups = site.group_names();
                if groups.is_empty() {
                    format!("group {g:?} does not exist (a {} site has no groups)", site.kind.name())
                } else {
                    format!("group {g:?} does not exist (groups: {})", short_list(&groups))
                }
            })?;
            // An empty group (one traffic node per region has no "offline"
            // half) makes the step a no-op, as an operator would skip it.
            return Ok(ids);
        }
        if let Some(list) = &s.nodes {
            if list.is_empty() {
                return Err("`nodes` is empty".into());
            }
            let mut ids = Vec::with_capacity(list.len());
            let mut seen = HashSet::with_capacity(list.len());
            for n in list {
                let id = one("nodes", &Some(n.clone()))?;
                if !seen.insert(id) {
                    return Err(format!("node {n:?} is listed twice"));
                }
                ids.push(id);
            }
            return Ok(ids);
        }
        Ok(vec![one("node", &s.node)?])
    };
    let value = || {
        s.value
            .ok_or_else(|| format!("{} needs `value` (true or false)", s.verb))
    };
    let step = match s.verb.as_str() {
        "backup" => Step::Backup {
            node: one("node", &s.node)?,
        },
        "verify" => Step::Verify {
            node: one("node", &s.node)?,
        },
        "become_backup" => Step::BecomeBackup {
            node: one("node", &s.node)?,
        },
        "become_primary" => Step::BecomePrimary {
            node: one("node", &s.node)?,
        },
        "restore" => Step::Restore {
            node: one("node", &s.node)?,
        },
        "upgrade" => Step::Upgrade {
            nodes: many()?,
            wait: s.wait.unwrap_or(true),
        },
        "wait_upgraded" => Step::WaitUpgraded { nodes: many()? },
        "set_accepting" => {
            let nodes = many()?;
            if let Some(n) = nodes
                .iter()
                .find(|n| !matches!(site.nodes[**n].class, NodeClass::Traffic { .. }))
            {
                return Err(format!("{} is not a traffic node", site.node_name(*n)));
            }
            Step::SetAccepting { nodes, value: value()? }
        }
        "wait_drained" => {
            let timeout = match s.timeout.as_deref() {
                Some("none") => None,
                Some(t) => Some(capped_duration("timeout", t)?),
                None => site.drain_timeout,
            };
            Step::WaitDrained {
                nodes: many()?,
                timeout,
            }
        }
        "sync_now" => Step::SyncNow,
        "break_failover" => Step::BreakFailover,
        "wait_sync" => Step::WaitSync,
        "distribute_package" => Step::DistributePackage,
        "cluster_sync" => Step::ClusterSync,
        "interim" => Step::Interim,
        "wait_window" => Step::WaitWindow,
        "precheck" => Step::Precheck,
        "schedule" => Step::Schedule,
        "build_green" => Step::BuildGreen,
        "cutover" => Step::Cutover,
        "delete_blue" => Step::DeleteBlue,
        "set_backup_operations" => Step::SetBackupOperations { value: value()? },
        "notify" => Step::Notify {
            what: s.what.clone().ok_or("notify needs `what`")?,
        },
        "set_logoff_policy" => match (&s.after, s.restore) {
            (Some(t), None) => Step::SetLogoffPolicy {
                after: Some(capped_duration("after", t)?),
            },
            (None, Some(true)) => Step::SetLogoffPolicy { after: None },
            _ => {
                return Err("set_logoff_policy needs either `after` (a duration) or `restore = true`".into());
            }
        },
        "wait" => {
            let text = s.duration.as_deref().ok_or("wait needs `duration`")?;
            Step::Wait {
                duration: capped_duration("duration", text)?,
            }
        }
        "switch" => {
            let method = match s.method.as_deref() {
                Some("auto") => site.switch_method,
                Some(m) => SwitchMethod::parse(m)
                    .ok_or_else(|| format!("unknown switch method {m:?} (shared-ip, dns, nat or auto)"))?,
                None => return Err("switch needs `method`".into()),
            };
            Step::Switch {
                method,
                to: one("to", &s.to)?,
            }
        }
        "establish_failover" => Step::EstablishFailover {
            primary: one("primary", &s.primary)?,
            backup: one("backup", &s.backup)?,
        },
        other => return Err(format!("step {other:?} is not supported here")),
    };
    Ok(step)
}

/// A step's duration field: a duration of at most 3,650 days (the cap on
/// every duration of a scenario).
fn capped_duration(field: &str, text: &str) -> Result<SimDuration, String> {
    let d = parse_duration(text).map_err(|e| format!("{field}: {e}"))?;
    if d.0 > MAX_DURATION_MS {
        return Err(format!("{field}: {text:?} is longer than the 3650-day limit"));
    }
    Ok(d)
}

#[cfg(test)]
mod tests;
