//! When a run ends (docs/model.md §3, "When a run ends").
//!
//! A run's end instant is the procedure's end plus the cool-down, but only
//! if the site is *whole* then; else the run goes on until it is, and no
//! metric stops counting on the way. Whole means: no node is being
//! repaired, installed or rolled back (each of those ends by itself, and
//! with it the outage it causes); and, with a backup, the records made
//! before the procedure ended are on both appliances (a sync begun after
//! that has completed), while the pair can sync. What the runbook left
//! undone does not end by itself (a relationship broken by an aborted
//! procedure, backup operations off, traffic nodes left not accepting, so
//! a site left down): the run does not wait for it; `unsynced_at_end`
//! counts the records it left on one appliance and `down_at_end_s` how
//! long the site had been down. The horizon (`sim::HORIZON` after the
//! procedure's start) bounds the wait.

use super::events::Event;
use super::{NodeState, World};

impl World<'_> {
    /// Nodes in repair, install, rollback or a pod's cutover: each ends by itself.
    fn busy_nodes(&self) -> usize {
        self.nodes
            .iter()
            .filter(|n| {
                matches!(
                    n.state,
                    NodeState::Failed
                        | NodeState::RollingBack
                        | NodeState::AwaitingSupport
                        | NodeState::Upgrading(_)
                        | NodeState::CuttingOver
                )
            })
            .count()
    }

    /// Records made before the procedure ended and still on one appliance.
    pub(super) fn owed_records(&self) -> u64 {
        self.owed.map_or(0, |o| o[0] + o[1])
    }

    /// True when the run may end now (see the module's text): nothing
    /// left that mends by itself. A site down with no node busy stays down
    /// until someone acts, which a run does not simulate.
    fn whole(&self) -> bool {
        self.busy_nodes() == 0 && (self.owed_records() == 0 || !self.can_sync())
    }

    /// Called when the procedure ends: the records then on one appliance
    /// are owed to the final sync.
    pub(super) fn owe_final_sync(&mut self) {
        if self.sc.site.has_backup() {
            self.owed = Some(self.rel.unsynced);
        }
    }

    /// A sync that copied `copied` (by appliance), begun at `started`, has
    /// completed: the owed records it copied are settled (all of them when
    /// it began after the procedure ended).
    pub(super) fn settle_owed(&mut self, started: crate::time::SimTime, copied: [u64; 2]) {
        let finished = self.exec.finished;
        if let Some(owed) = self.owed.as_mut() {
            if finished.is_some_and(|f| started >= f) {
                *owed = [0, 0];
            } else {
                for (o, c) in owed.iter_mut().zip(copied) {
                    *o = o.saturating_sub(c);
                }
            }
        }
    }

    /// The records `node` held alone died with it: nothing is owed for them.
    pub(super) fn forget_owed(&mut self, node: usize) {
        if let Some(o) = self.owed.as_mut().and_then(|o| o.get_mut(node)) {
            *o = 0;
        }
    }

    /// The end instant has come: the run ends if the site is whole, else
    /// it goes on until it is.
    pub(super) fn on_end(&mut self) {
        if self.whole() {
            self.close_run();
        } else {
            self.settling = true;
            let (down, busy, unsynced) = (!self.site_up(), self.busy_nodes(), self.owed_records());
            self.log(Event::NotWhole { down, busy, unsynced });
        }
    }

    /// After any change while the run waits to be whole: ends it once it is.
    pub(super) fn check_whole(&mut self) {
        if self.settling && !self.closing && self.whole() {
            self.close_run();
        }
    }

    /// Ends the run now (at its end instant, or cut by the horizon).
    pub(super) fn close_run(&mut self) {
        self.settling = false;
        self.closing = true;
        self.ended_at = Some(self.now);
        self.log(Event::End);
    }
}
