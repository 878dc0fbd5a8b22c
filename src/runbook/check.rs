//! Feasibility: walk the steps with a symbolic state of the site and refuse
//! the first step that cannot be carried out, before any simulation runs.

use std::collections::BTreeSet;

use super::{Holders, Role, RoleStep, Step};
use crate::model::site::{NodeClass, NodeId, Site};

struct State {
    /// (primary, backup) while a relationship exists.
    relationship: Option<(NodeId, NodeId)>,
    backup_ops: bool,
    /// The appliance clients reach.
    serving: NodeId,
    /// Nodes upgrading in the background.
    down: BTreeSet<NodeId>,
    distributed: bool,
    scheduled: bool,
    green: bool,
    cut_over: bool,
    /// A `set_logoff_policy` with `after` is in force (to be restored).
    logoff_set: bool,
}

impl State {
    /// Who holds the roles at this point (see [`Role`]), or why a role
    /// `role` cannot be read: the site's address leads to no appliance.
    fn holders(&self, site: &Site, role: Role) -> Result<Holders, String> {
        let serving = self.serving;
        let primary = self.relationship.map_or(serving, |(p, _)| p);
        let appliance = |n: NodeId| n < 2 && site.nodes.get(n).is_some_and(|x| x.class == NodeClass::Appliance);
        if appliance(primary) && appliance(serving) {
            Ok(Holders { primary, serving })
        } else {
            Err(format!(
                "no appliance is {} at this point: the site's address leads to {}",
                role.name(),
                site.node_name(serving)
            ))
        }
    }
}

/// Returns the 0-based index of the first impossible step and the reason.
/// Each step naming a role (in `roles`, by index) is first read as it
/// stands at its point of the plan, and `steps` keeps that reading.
pub(super) fn feasible(steps: &mut [Step], roles: &[RoleStep], site: &Site) -> Result<(), (usize, String)> {
    let name = |n: NodeId| site.node_name(n).to_string();
    let mut st = State {
        relationship: if site.has_backup() { Some((0, 1)) } else { None },
        backup_ops: true,
        serving: 0,
        down: BTreeSet::new(),
        distributed: false,
        scheduled: false,
        green: false,
        cut_over: false,
        logoff_set: false,
    };
    let traffic_nodes = site.kind.routes_through_traffic_nodes();
    let distributes = site.kind.distributes_package();
    let blue_green = site.kind.upgrades_by_cutover();
    let switches = site.kind.switches_appliances();
    let mut bound = roles.iter().peekable();
    for (i, slot) in steps.iter_mut().enumerate() {
        if let Some(r) = bound.next_if(|r| r.index == i) {
            let role = r.args.first().map_or(Role::Primary, |a| a.1);
            let holders = st.holders(site, role).map_err(|reason| (i, reason))?;
            let reading = r
                .reading(holders)
                .ok_or_else(|| (i, format!("no appliance can be {} on this site", role.name())))?;
            *slot = reading.clone();
        }
        let step = &*slot;
        let fail = |reason: String| Err((i, reason));
        let down = |st: &State, n: NodeId| st.down.contains(&n);
        let no_rel = "no failover relationship exists at this point".to_string();
        match step {
            Step::Backup { node } | Step::Verify { node } if down(&st, *node) => {
                return fail(format!("{} is down (upgrading) at this point", name(*node)));
            }
            Step::Restore { node } => {
                if !site.kind.restores_appliances() {
                    return fail(format!(
                        "restore applies to single appliances and failover pairs, not to {} sites",
                        site.kind.name()
                    ));
                }
                if down(&st, *node) {
                    return fail(format!("{} is down (upgrading) at this point", name(*node)));
                }
                if let Some((p, b)) = st.relationship
                    && (p == *node || b == *node)
                {
                    return fail(format!(
                        "cannot restore {} while the failover relationship exists: break it first",
                        name(*node)
                    ));
                }
            }
            Step::SyncNow | Step::WaitSync => {
                if st.relationship.is_none() {
                    return fail(no_rel);
                }
                if !st.backup_ops {
                    return fail("backup operations are disabled at this point".into());
                }
            }
            // `take` breaks the relationship; the guard refuses a break without one.
            Step::BreakFailover if st.relationship.take().is_none() => return fail(no_rel),
            Step::EstablishFailover { primary, backup } => {
                if !site.has_backup() {
                    return fail(format!("a {} site has no failover peer", site.kind.name()));
                }
                if st.relationship.is_some() {
                    return fail("a failover relationship already exists".into());
                }
                if primary == backup {
                    return fail("primary and backup must be different appliances".into());
                }
                if !site.keys_match {
                    return fail(
                        "the appliances' inter-appliance keys differ (site.keys_match = false): the relationship cannot be established"
                            .into(),
                    );
                }
                for n in [primary, backup] {
                    if down(&st, *n) {
                        return fail(format!("{} is down (upgrading) at this point", name(*n)));
                    }
                }
                if *primary != st.serving {
                    return fail(format!(
                        "the primary must be the appliance serving the site ({}), not {}",
                        name(st.serving),
                        name(*primary)
                    ));
                }
                st.relationship = Some((*primary, *backup));
                st.backup_ops = true;
            }
            Step::Upgrade { nodes, wait } => {
                if blue_green {
                    return fail("a pod is not upgraded node by node: use build_green and cutover".into());
                }
                if let Some(n) = nodes.iter().find(|n| down(&st, **n)) {
                    return fail(format!("{} is already upgrading", name(*n)));
                }
                if distributes && !st.distributed {
                    return fail(
                        "the package has not been distributed: add distribute_package before any upgrade".into(),
                    );
                }
                if let Some((p, b)) = st.relationship {
                    let primary_down = nodes.contains(&p);
                    let backup_down = nodes.contains(&b) || down(&st, b);
                    if primary_down && backup_down {
                        return fail(format!(
                            "upgrading the acting primary {} while its backup {} is also down leaves the site with neither",
                            name(p),
                            name(b)
                        ));
                    }
                    if primary_down {
                        return fail(format!(
                            "cannot upgrade the acting primary {} while the failover relationship exists: break it first, or make it the backup",
                            name(p)
                        ));
                    }
                }
                if !wait {
                    st.down.extend(nodes.iter().copied());
                }
            }
            Step::WaitUpgraded { nodes } => {
                for n in nodes {
                    if !st.down.remove(n) {
                        return fail(format!("{} is not upgrading in the background at this point", name(*n)));
                    }
                }
            }
            Step::Switch { to, .. } => {
                if !switches {
                    return fail(format!("a {} site has no appliance to switch to", site.kind.name()));
                }
                if *to == st.serving {
                    return fail(format!("the site is already served by {}", name(*to)));
                }
                if down(&st, *to) {
                    return fail(format!(
                        "cannot switch to {}: it is down (upgrading) at this point",
                        name(*to)
                    ));
                }
                if let Some((_, b)) = st.relationship
                    && b == *to
                {
                    return fail(format!("{} is the backup and does not accept connections", name(*to)));
                }
                st.serving = *to;
            }
            Step::SetAccepting { .. } | Step::WaitDrained { .. } | Step::ClusterSync if !traffic_nodes => {
                return fail(format!("{} applies to Atlas clusters only", step.verb()));
            }
            Step::DistributePackage => {
                if !distributes {
                    return fail("distribute_package applies to Atlas clusters only".into());
                }
                st.distributed = true;
            }
            Step::BecomeBackup { node } => match st.relationship {
                Some((p, b)) if p == *node => st.relationship = Some((b, p)),
                Some(_) => return fail(format!("{} is not the primary", name(*node))),
                None => return fail(no_rel),
            },
            Step::BecomePrimary { node } => {
                if down(&st, *node) {
                    return fail(format!("{} is down (upgrading) at this point", name(*node)));
                }
                match st.relationship {
                    Some((p, _)) if p == *node => {}
                    Some((p, b)) if b == *node => st.relationship = Some((b, p)),
                    Some(_) => {
                        return fail(format!("{} is not in the failover relationship", name(*node)));
                    }
                    None => return fail(no_rel),
                }
            }
            Step::SetBackupOperations { value } => {
                if st.relationship.is_none() {
                    return fail(no_rel);
                }
                st.backup_ops = *value;
            }
            Step::Schedule | Step::BuildGreen | Step::Cutover | Step::DeleteBlue if !blue_green => {
                return fail(format!("{} applies to blue-green pods only", step.verb()));
            }
            Step::Schedule => st.scheduled = true,
            Step::BuildGreen => st.green = true,
            Step::Cutover => {
                if !st.scheduled {
                    return fail("the cutover needs a schedule step before it".into());
                }
                if !st.green {
                    return fail("the cutover needs build_green before it".into());
                }
                st.cut_over = true;
            }
            Step::SetLogoffPolicy { .. } if !blue_green => {
                return fail("set_logoff_policy applies to blue-green pods only".into());
            }
            Step::SetLogoffPolicy { after: Some(_) } => st.logoff_set = true,
            Step::SetLogoffPolicy { after: None } if !std::mem::take(&mut st.logoff_set) => {
                return fail("nothing to restore: no set_logoff_policy with `after` before this step".into());
            }
            Step::DeleteBlue if !st.cut_over => {
                return fail("blue cannot be deleted before the cutover".into());
            }
            _ => {}
        }
    }
    if let Some(n) = st.down.iter().next() {
        return Err((
            steps.len() - 1,
            format!(
                "the runbook ends while {} is still upgrading: add wait_upgraded",
                name(*n)
            ),
        ));
    }
    Ok(())
}
