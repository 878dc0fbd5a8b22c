//! Runbooks: ordered steps that an operator carries out.
//!
//! Built-in runbooks are data, not code: they are written in
//! `runbook/builtin.toml` in the same step vocabulary a scenario uses, parsed
//! by the same [`RawRunbook`] reader, and checked by the same [`resolve`]
//! pass. The executor (in [`crate::sim`]) knows steps, never runbook names.

use std::fmt;

use serde::Deserialize;

use crate::scenario::{Site, SiteKind};
use crate::time::{SimDuration, parse_duration};

/// Index of an appliance in the site (`A` = 0, `B` = 1).
pub type NodeId = usize;

/// How clients are moved from one appliance to another (MODEL.md §1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SwitchMethod {
    /// Disable the shared IP on the old appliance, enable it on the new one.
    SharedIp,
    /// Edit the DNS record; each client follows when its cached answer expires.
    Dns,
    /// Edit the NAT entry; everybody follows at once after a short delay.
    Nat,
}

impl SwitchMethod {
    /// The name used in files and logs.
    pub fn name(self) -> &'static str {
        match self {
            SwitchMethod::SharedIp => "shared-ip",
            SwitchMethod::Dns => "dns",
            SwitchMethod::Nat => "nat",
        }
    }
}

/// One step of a runbook, with its arguments resolved against a site.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// Download a backup of the appliance's settings (operator time + backup time).
    Backup { node: NodeId },
    /// Click "Sync Now" and wait for that synchronisation to complete.
    SyncNow,
    /// Break the failover relationship: both appliances become standalone.
    BreakFailover,
    /// Install base and product updates and reboot; the appliance is down throughout.
    Upgrade { node: NodeId },
    /// Verify and test the appliance (sampled verify time).
    Verify { node: NodeId },
    /// Move the site's clients to `to`.
    Switch { method: SwitchMethod, to: NodeId },
    /// Wait the interim period, then for the next maintenance window.
    Interim,
    /// Wait for the next maintenance window to open (no wait when one is open).
    WaitWindow,
    /// Wait a fixed time.
    Wait { duration: SimDuration },
    /// Establish the failover relationship; the backup stops serving clients.
    EstablishFailover { primary: NodeId, backup: NodeId },
    /// Wait until a synchronisation started after the last establish completes.
    WaitSync,
}

impl Step {
    /// The vocabulary word of the step.
    pub fn verb(&self) -> &'static str {
        match self {
            Step::Backup { .. } => "backup",
            Step::SyncNow => "sync_now",
            Step::BreakFailover => "break_failover",
            Step::Upgrade { .. } => "upgrade",
            Step::Verify { .. } => "verify",
            Step::Switch { .. } => "switch",
            Step::Interim => "interim",
            Step::WaitWindow => "wait_window",
            Step::Wait { .. } => "wait",
            Step::EstablishFailover { .. } => "establish_failover",
            Step::WaitSync => "wait_sync",
        }
    }

    /// True for steps that wait on the calendar rather than work: their time
    /// does not count as window overrun.
    pub fn is_calendar_wait(&self) -> bool {
        matches!(self, Step::Interim | Step::WaitWindow)
    }

    /// A one-line description with argument names, e.g. `switch dns -> B`.
    pub fn describe(&self, site: &Site) -> String {
        let n = |id: NodeId| site.node_name(id).to_string();
        match self {
            Step::Backup { node } => format!("backup {}", n(*node)),
            Step::Upgrade { node } => format!("upgrade {}", n(*node)),
            Step::Verify { node } => format!("verify {}", n(*node)),
            Step::Switch { method, to } => format!("switch {} -> {}", method.name(), n(*to)),
            Step::Wait { duration } => format!("wait {duration}"),
            Step::EstablishFailover { primary, backup } => {
                format!(
                    "establish_failover primary {} backup {}",
                    n(*primary),
                    n(*backup)
                )
            }
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
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    #[serde(rename = "do")]
    pub verb: String,
    pub node: Option<String>,
    pub method: Option<String>,
    pub to: Option<String>,
    pub primary: Option<String>,
    pub backup: Option<String>,
    pub duration: Option<String>,
}

/// A runbook resolved against a site: every node exists, every step is possible.
#[derive(Clone, Debug, PartialEq)]
pub struct Runbook {
    /// Its name, e.g. `failover-sync`.
    pub name: String,
    /// One sentence on what it does.
    pub summary: String,
    /// The steps, in order.
    pub steps: Vec<Step>,
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
    let file: BuiltinFile = toml::from_str(include_str!("runbook/builtin.toml"))
        .expect("built-in runbooks parse (tested)");
    file.runbook
}

/// Names of the built-in runbooks.
pub fn builtin_names() -> Vec<String> {
    builtin().into_iter().map(|r| r.name).collect()
}

/// Resolves a raw runbook against a site, refusing what cannot work: a node
/// that does not exist, a site of the wrong kind, a missing argument, an
/// upgrade of the appliance that serves the site while the relationship is
/// established, a switch to an appliance that is down or a backup, an
/// establish without matching inter-appliance keys.
pub fn resolve(raw: &RawRunbook, site: &Site) -> Result<Runbook, RunbookError> {
    let err = |step: Option<usize>, reason: String| RunbookError {
        runbook: raw.name.clone(),
        step,
        reason,
    };
    let wanted = SiteKind::parse(&raw.site)
        .ok_or_else(|| err(None, format!("unknown site kind {:?}", raw.site)))?;
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
    let mut steps = Vec::with_capacity(raw.steps.len());
    for (i, s) in raw.steps.iter().enumerate() {
        let no = Some(i + 1);
        let node = |field: &str, v: &Option<String>| -> Result<NodeId, RunbookError> {
            let name = v
                .as_deref()
                .ok_or_else(|| err(no, format!("{} needs `{field}`", s.verb)))?;
            site.node_id(name).ok_or_else(|| {
                err(
                    no,
                    format!(
                        "node {name:?} does not exist (the site has {})",
                        site.node_names().join(", ")
                    ),
                )
            })
        };
        let allowed: &[&str] = match s.verb.as_str() {
            "backup" | "upgrade" | "verify" => &["node"],
            "switch" => &["method", "to"],
            "establish_failover" => &["primary", "backup"],
            "wait" => &["duration"],
            _ => &[],
        };
        for (field, present) in [
            ("node", s.node.is_some()),
            ("method", s.method.is_some()),
            ("to", s.to.is_some()),
            ("primary", s.primary.is_some()),
            ("backup", s.backup.is_some()),
            ("duration", s.duration.is_some()),
        ] {
            if present && !allowed.contains(&field) {
                return Err(err(no, format!("{} takes no `{field}`", s.verb)));
            }
        }
        let step = match s.verb.as_str() {
            "backup" => Step::Backup {
                node: node("node", &s.node)?,
            },
            "upgrade" => Step::Upgrade {
                node: node("node", &s.node)?,
            },
            "verify" => Step::Verify {
                node: node("node", &s.node)?,
            },
            "sync_now" => Step::SyncNow,
            "break_failover" => Step::BreakFailover,
            "interim" => Step::Interim,
            "wait_window" => Step::WaitWindow,
            "wait_sync" => Step::WaitSync,
            "wait" => {
                let text = s
                    .duration
                    .as_deref()
                    .ok_or_else(|| err(no, "wait needs `duration`".into()))?;
                let duration =
                    parse_duration(text).map_err(|e| err(no, format!("duration: {e}")))?;
                Step::Wait { duration }
            }
            "switch" => {
                let method = match s.method.as_deref() {
                    Some("shared-ip") => SwitchMethod::SharedIp,
                    Some("dns") => SwitchMethod::Dns,
                    Some("nat") => SwitchMethod::Nat,
                    Some(m) => {
                        return Err(err(
                            no,
                            format!("unknown switch method {m:?} (shared-ip, dns or nat)"),
                        ));
                    }
                    None => return Err(err(no, "switch needs `method`".into())),
                };
                Step::Switch {
                    method,
                    to: node("to", &s.to)?,
                }
            }
            "establish_failover" => Step::EstablishFailover {
                primary: node("primary", &s.primary)?,
                backup: node("backup", &s.backup)?,
            },
            other => {
                return Err(err(
                    no,
                    format!(
                        "unknown step {other:?} (backup, sync_now, break_failover, upgrade, verify, switch, interim, wait_window, wait, establish_failover, wait_sync)"
                    ),
                ));
            }
        };
        steps.push(step);
    }
    check_feasible(&raw.name, &steps, site)?;
    Ok(Runbook {
        name: raw.name.clone(),
        summary: raw.summary.clone(),
        steps,
    })
}

/// Walks the steps with a symbolic state of the site and refuses the first
/// step that cannot be carried out.
fn check_feasible(name: &str, steps: &[Step], site: &Site) -> Result<(), RunbookError> {
    let err = |i: usize, reason: String| RunbookError {
        runbook: name.to_string(),
        step: Some(i + 1),
        reason,
    };
    let pair = site.kind == SiteKind::FailoverPair;
    // (primary, backup) while established.
    let mut relationship: Option<(NodeId, NodeId)> = if pair { Some((0, 1)) } else { None };
    let mut serving: NodeId = 0;
    for (i, step) in steps.iter().enumerate() {
        match *step {
            Step::SyncNow | Step::WaitSync if relationship.is_none() => {
                return Err(err(
                    i,
                    "no failover relationship is established at this point".into(),
                ));
            }
            // `take` breaks the relationship; the guard refuses a break without one.
            Step::BreakFailover if relationship.take().is_none() => {
                return Err(err(
                    i,
                    "no failover relationship is established at this point".into(),
                ));
            }
            Step::Upgrade { node } => {
                if let Some((p, b)) = relationship
                    && (node == p || node == b)
                {
                    return Err(err(
                        i,
                        format!(
                            "cannot upgrade {} while the failover relationship is established: break it first",
                            site.node_name(node)
                        ),
                    ));
                }
            }
            Step::Switch { to, .. } => {
                if !pair {
                    return Err(err(i, "a single appliance has nowhere to switch to".into()));
                }
                if to == serving {
                    return Err(err(
                        i,
                        format!("the site is already served by {}", site.node_name(to)),
                    ));
                }
                if let Some((_, b)) = relationship
                    && b == to
                {
                    return Err(err(
                        i,
                        format!(
                            "{} is the backup and does not accept connections",
                            site.node_name(to)
                        ),
                    ));
                }
                serving = to;
            }
            Step::EstablishFailover { primary, backup } => {
                if !pair {
                    return Err(err(i, "a single appliance has no failover peer".into()));
                }
                if relationship.is_some() {
                    return Err(err(
                        i,
                        "a failover relationship is already established".into(),
                    ));
                }
                if primary == backup {
                    return Err(err(
                        i,
                        "primary and backup must be different appliances".into(),
                    ));
                }
                if !site.keys_match {
                    return Err(err(
                        i,
                        "the appliances' inter-appliance keys differ (site.keys_match = false): the relationship cannot be established".into(),
                    ));
                }
                if primary != serving {
                    return Err(err(
                        i,
                        format!(
                            "the primary must be the appliance serving the site ({}), not {}",
                            site.node_name(serving),
                            site.node_name(primary)
                        ),
                    ));
                }
                relationship = Some((primary, backup));
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(kind: SiteKind, keys_match: bool) -> Site {
        Site {
            kind,
            data_gb: 10.0,
            keys_match,
        }
    }

    #[test]
    fn every_builtin_resolves_on_its_site() {
        let names = builtin_names();
        assert_eq!(
            names,
            [
                "single",
                "failover-sync",
                "failover-async-shared-ip",
                "failover-async-dns",
                "failover-async-nat"
            ]
        );
        for raw in builtin() {
            let kind = SiteKind::parse(&raw.site).unwrap();
            let rb = resolve(&raw, &site(kind, true)).unwrap();
            assert_eq!(rb.steps.len(), raw.steps.len());
        }
    }

    #[test]
    fn refuses_impossible_runbooks() {
        let pair = site(SiteKind::FailoverPair, true);
        let raw = |steps: &str| -> RawRunbook {
            toml::from_str(&format!(
                "name = \"x\"\nsite = \"failover-pair\"\nsteps = [{steps}]"
            ))
            .unwrap()
        };
        let e = resolve(
            &raw(r#"{ do = "break_failover" }, { do = "upgrade", node = "C" }"#),
            &pair,
        )
        .unwrap_err();
        assert_eq!(e.step, Some(2));
        assert!(e.reason.contains("\"C\" does not exist"), "{e}");
        let e = resolve(&raw(r#"{ do = "upgrade", node = "A" }"#), &pair).unwrap_err();
        assert!(e.reason.contains("break it first"), "{e}");
        let e = resolve(
            &raw(r#"{ do = "break_failover" }, { do = "establish_failover", primary = "A", backup = "B" }"#),
            &site(SiteKind::FailoverPair, false),
        )
        .unwrap_err();
        assert!(e.reason.contains("inter-appliance keys"), "{e}");
        let e = resolve(
            &raw(r#"{ do = "switch", method = "dns", to = "B" }"#),
            &pair,
        )
        .unwrap_err();
        assert!(e.reason.contains("backup"), "{e}");
        let e = resolve(&raw(r#"{ do = "reboot" }"#), &pair).unwrap_err();
        assert!(e.reason.contains("unknown step"), "{e}");
    }
}
