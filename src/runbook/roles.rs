//! Roles: a step may name an appliance by the role it holds instead of by
//! its name, `node = "backup"` for `node = "B"`. The role is resolved when
//! the step starts and kept until it is done (docs/model.md §2, "Roles").
//!
//! Every role is a function of two appliances: the one holding the primary
//! role and the one the site's address leads to. With at most two
//! appliances a role-bound step has at most four readings; they are
//! resolved and checked once, before any run, so that the executor only
//! picks one (as the recovery from a latent defect picks its steps).

use super::Step;
use crate::model::site::NodeId;

/// A role an appliance holds, as a step names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The relationship's primary; without a relationship, the appliance
    /// the site's address leads to (the vendor text's "Appliance A": the
    /// one the primary hostname resolves to).
    Primary,
    /// The relationship's backup; without a relationship, the appliance
    /// that is not the primary.
    Backup,
    /// The appliance the site's address leads to (hostname, shared IP or
    /// NAT entry): where a new client goes.
    Serving,
    /// The appliance that is not serving.
    Idle,
}

impl Role {
    /// Every role, in the order the documentation lists them.
    pub const ALL: [Role; 4] = [Role::Primary, Role::Backup, Role::Serving, Role::Idle];

    /// Parses a role's word.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == s)
    }

    /// The word a runbook uses.
    pub fn name(self) -> &'static str {
        match self {
            Role::Primary => "primary",
            Role::Backup => "backup",
            Role::Serving => "serving",
            Role::Idle => "idle",
        }
    }

    /// The words, for messages: `primary, backup, serving or idle`.
    pub fn choices() -> &'static str {
        "primary, backup, serving or idle"
    }

    /// True for the roles only a second appliance can hold.
    pub fn needs_two(self) -> bool {
        matches!(self, Role::Backup | Role::Idle)
    }
}

/// Who holds the roles at one moment (appliances `A` = 0 and `B` = 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Holders {
    /// The appliance holding the primary role (see [`Role::Primary`]).
    pub primary: NodeId,
    /// The appliance the site's address leads to.
    pub serving: NodeId,
}

impl Holders {
    /// The holders before any procedure: `A` primary and serving.
    pub const PLANNED: Holders = Holders { primary: 0, serving: 0 };

    /// The appliance holding `role`: the holders are appliances `A` (0)
    /// and `B` (1), and the site has both when a role needing two is asked.
    pub fn of(self, role: Role) -> NodeId {
        match role {
            Role::Primary => self.primary,
            Role::Backup => self.primary ^ 1,
            Role::Serving => self.serving,
            Role::Idle => self.serving ^ 1,
        }
    }
}

/// The argument of a step that names a role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arg {
    /// `node` (one appliance).
    Node,
    /// `to` of a `switch`.
    To,
    /// `primary` of an `establish_failover`.
    Primary,
    /// `backup` of an `establish_failover`.
    Backup,
}

impl Arg {
    /// The field's name in a runbook.
    pub fn field(self) -> &'static str {
        match self {
            Arg::Node => "node",
            Arg::To => "to",
            Arg::Primary => "primary",
            Arg::Backup => "backup",
        }
    }
}

/// A step naming at least one role, with its reading for every holder.
#[derive(Clone, Debug, PartialEq)]
pub struct RoleStep {
    /// The step's 0-based index in its runbook.
    pub index: usize,
    /// The arguments naming a role, and the roles they name.
    pub args: Vec<(Arg, Role)>,
    /// Appliances that can hold a role (1 or 2).
    appliances: usize,
    /// The step for each [`Holders`], at `2 × primary + serving`.
    readings: Vec<Step>,
    /// The step with the roles in place of nodes, for [`RoleStep::describe`]:
    /// a role stands as node `site nodes + its index in` [`Role::ALL`].
    template: Step,
    /// The site's node count (where the template's roles begin).
    base: usize,
}

impl RoleStep {
    /// Builds the readings of `step` (resolved with [`Holders::PLANNED`])
    /// on a site with `appliances` appliances and `nodes` nodes in all.
    pub(super) fn new(index: usize, args: Vec<(Arg, Role)>, step: &Step, appliances: usize, nodes: usize) -> RoleStep {
        let mut readings = Vec::with_capacity(4);
        for primary in 0..appliances {
            for serving in 0..appliances {
                let h = Holders { primary, serving };
                readings.push(substitute(step, &args, |r| h.of(r)));
            }
        }
        let template = substitute(step, &args, |r| {
            nodes + Role::ALL.iter().position(|x| *x == r).unwrap_or(0)
        });
        RoleStep {
            index,
            args,
            appliances,
            readings,
            template,
            base: nodes,
        }
    }

    /// The step as it reads when `holders` hold the roles; `None` when one
    /// of them is not an appliance that can hold a role.
    pub fn reading(&self, holders: Holders) -> Option<&Step> {
        let n = self.appliances;
        if holders.primary >= n || holders.serving >= n {
            return None;
        }
        self.readings.get(holders.primary * n + holders.serving)
    }

    /// The step in words with its roles, e.g. `upgrade backup`.
    pub fn describe<'n>(&self, name: impl Fn(NodeId) -> &'n str) -> String {
        let base = self.base;
        self.template.describe_with(|id| match id.checked_sub(base) {
            Some(r) => Role::ALL.get(r).map_or("?", |r| r.name()),
            None => name(id),
        })
    }
}

/// `step` with the node of each argument in `args` replaced by the holder
/// of its role.
fn substitute(step: &Step, args: &[(Arg, Role)], id: impl Fn(Role) -> NodeId) -> Step {
    let mut out = step.clone();
    for &(arg, role) in args {
        let n = id(role);
        match (&mut out, arg) {
            (
                Step::Backup { node }
                | Step::Verify { node }
                | Step::BecomeBackup { node }
                | Step::BecomePrimary { node }
                | Step::Restore { node },
                Arg::Node,
            ) => *node = n,
            (
                Step::Upgrade { nodes, .. }
                | Step::WaitUpgraded { nodes }
                | Step::SetAccepting { nodes, .. }
                | Step::WaitDrained { nodes, .. },
                Arg::Node,
            ) => *nodes = vec![n],
            (Step::Switch { to, .. }, Arg::To) => *to = n,
            (Step::EstablishFailover { primary, .. }, Arg::Primary) => *primary = n,
            (Step::EstablishFailover { backup, .. }, Arg::Backup) => *backup = n,
            // The reader only records the arguments a step takes.
            _ => {}
        }
    }
    out
}
