//! Latent defects of the new version (docs/model.md §1, "Latent defects"):
//! when one shows, whether the operator can still fall back to an
//! appliance on the old version or the defect has escaped, and the recovery
//! the executor then carries out instead of the runbook's remaining steps.

use super::events::Event;
use super::{Ev, NodeState, Role, Wait, World};
use crate::model::site::{NodeId, SwitchMethod};
use crate::runbook::Step;
use crate::time::{SimDuration, SimTime};

/// Fall back to `to` (still on the old version) by `method`: break the
/// relationship if one exists (skipped otherwise), move the site, restore
/// the upgraded appliance `from`, re-establish with `to` primary, sync.
const fn fallback(method: SwitchMethod, to: NodeId, from: NodeId) -> [Step; 5] {
    [
        Step::BreakFailover,
        Step::Switch { method, to },
        Step::Restore { node: from },
        Step::EstablishFailover {
            primary: to,
            backup: from,
        },
        Step::WaitSync,
    ]
}

/// The defect escaped: restore the serving appliance `s` (the site down
/// meanwhile), then the other `o`, re-establish with `s` primary, sync.
const fn escaped(s: NodeId, o: NodeId) -> [Step; 5] {
    [
        Step::BreakFailover,
        Step::Restore { node: s },
        Step::Restore { node: o },
        Step::EstablishFailover { primary: s, backup: o },
        Step::WaitSync,
    ]
}

/// Fall-backs, by switch method (shared IP, DNS, NAT) and target (A, B).
static FALLBACK: [[[Step; 5]; 2]; 3] = [
    [
        fallback(SwitchMethod::SharedIp, 0, 1),
        fallback(SwitchMethod::SharedIp, 1, 0),
    ],
    [fallback(SwitchMethod::Dns, 0, 1), fallback(SwitchMethod::Dns, 1, 0)],
    [fallback(SwitchMethod::Nat, 0, 1), fallback(SwitchMethod::Nat, 1, 0)],
];

/// Escaped defects of a pair, by the appliance serving (A, B).
static ESCAPED: [[Step; 5]; 2] = [escaped(0, 1), escaped(1, 0)];

/// An escaped defect on a single appliance: restore it (the site down meanwhile).
static SINGLE: [Step; 1] = [Step::Restore { node: 0 }];

impl super::Defect {
    /// A defect may show: the site's own, or the version's.
    pub(super) fn armed(&self) -> bool {
        self.detect.is_some() || self.version.is_some()
    }
}

impl World<'_> {
    /// Called by `refresh` while a latent defect waits for the new version
    /// to serve: from the first instant the site's front door points at an
    /// up appliance on the new version, the defect is found after its
    /// detection time (the site's own or the version's, whichever shows
    /// first; the version's at once when it is already known).
    pub(super) fn watch_new_version(&mut self) {
        let Some(t) = self.front.target else {
            return;
        };
        let n = &self.nodes[t];
        if !n.up() || n.version < 2 || n.traffic {
            return;
        }
        let own = self.defect.detect;
        let now = self.now;
        let of_version = self.defect.version.map(|v| {
            let known = v
                .known_at
                .map(|k| if k > now { k.since(now) } else { SimDuration::ZERO });
            known.map_or(v.shows_after, |k| k.min(v.shows_after))
        });
        let (d, version) = match (own, of_version) {
            (Some(a), Some(b)) if a < b => (a, false),
            (_, Some(b)) => (b, true),
            (Some(a), None) => (a, false),
            (None, None) => return,
        };
        self.defect.of_version = version;
        self.defect.serving_since = Some(self.now);
        self.defect.ended_before = self.m.completed + self.m.dropped_sessions;
        self.q.schedule(self.now + d, Ev::DefectFound);
        self.log(Event::NewVersionServing {
            node: t,
            shows_in: d,
            of_version: version,
        });
    }

    /// Downtime in `[from, to)` that falls within the recovery from a defect.
    pub(super) fn defect_overlap(&self, from: SimTime, to: SimTime) -> u64 {
        let Some(start) = self.defect.recovery_from else {
            return 0;
        };
        let end = self.defect.recovery_to.unwrap_or(to).min(to);
        let from = from.max(start);
        if end > from { end.since(from).0 } else { 0 }
    }

    /// The defect shows: fall back to an appliance still on the old version
    /// if one stands, else the defect has escaped and every appliance is
    /// restored. The runbook's remaining steps are dropped.
    pub(super) fn on_defect_found(&mut self) {
        if self.defect.found || self.exec.aborted || (self.exec.finished.is_some() && !self.exec.holding) {
            return;
        }
        // A backout under way restores every upgraded appliance anyway.
        if self.exec.backout.is_some() {
            return;
        }
        // A runbook of the scenario's own may have restored every appliance
        // already: no appliance runs the new version, nothing to find.
        if !self.nodes.iter().any(|n| n.version >= 2) {
            return;
        }
        self.defect.found = true;
        let records = (self.m.completed + self.m.dropped_sessions).saturating_sub(self.defect.ended_before);
        let pair = self.sc.site.has_backup();
        // An appliance whose upgrade has not started (up, or crashed and
        // under repair) still runs the old version: the operator can fall
        // back to it. One whose install has begun cannot be fallen back to.
        let old = (0..self.nodes.len().min(2)).find(|&i| {
            let n = &self.nodes[i];
            pair && Some(i) != self.front.target
                && n.version == 1
                && matches!(n.state, NodeState::Up | NodeState::Failed)
                && n.role != Role::Traffic
        });
        let list: &'static [Step] = match old {
            Some(to) => {
                self.m.defects_found += 1;
                self.m.fallbacks += 1;
                let method = self.defect.last_switch.unwrap_or(self.sc.site.switch_method);
                self.log(Event::DefectFound { old: to });
                self.log(Event::Fallback { to, method, records });
                let m = match method {
                    SwitchMethod::SharedIp => 0,
                    SwitchMethod::Dns => 1,
                    SwitchMethod::Nat => 2,
                };
                &FALLBACK[m][to]
            }
            None => {
                self.m.defect_escaped = 1;
                let serving = self.front.target.filter(|&t| t < 2).unwrap_or(0);
                self.log(Event::DefectEscaped {
                    first: serving,
                    then: pair.then_some(1 - serving as u32),
                    records,
                });
                if pair { &ESCAPED[serving] } else { &SINGLE }
            }
        };
        // Skip the break when no relationship exists (no click to make),
        // and the re-establish when the keys differ (it cannot be done).
        let list = match list.first() {
            Some(Step::BreakFailover) if self.rel.established.is_none() => &list[1..],
            _ => list,
        };
        let list = if pair && !self.sc.site.keys_match {
            &list[..list.len() - 2]
        } else {
            list
        };
        self.start_recovery(list);
    }

    /// Replaces the runbook's remaining steps by `steps` and starts them at
    /// once (a recovery does not wait for a window).
    fn start_recovery(&mut self, steps: &'static [Step]) {
        self.close_active();
        self.exec.token += 1; // a pending timer of the interrupted step must not fire
        self.exec.wait = Wait::None;
        self.exec.holding = false;
        self.exec.resume = false;
        self.exec.op_resume = false;
        self.exec.plan = None;
        self.exec.recovering = true;
        self.exec.steps = steps;
        self.exec.roles = &[];
        self.exec.chosen = None;
        self.exec.idx = 0;
        self.defect.recovery_from = Some(self.now);
        self.exec.recovery = steps;
        self.log(Event::RecoveryStart { steps: steps.len() });
        self.exec.advance = true;
    }
}
