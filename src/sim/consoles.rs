//! The old console MSI after a return to the old version (docs/model.md,
//! "Consoles after the upgrade"; `[consoles] old_msi`).
//!
//! Consoles deployed by MSI on locked-down machines run the new console
//! once it was redeployed (or pre-staged). When the site then serves the
//! old version again (a fall-back or a restore after a latent defect, a
//! backout, a takeover by a backup still on the old version), they cannot
//! connect until the old MSI is redeployed: the new one cannot replace
//! them. A technician's first login after the return waits for it, as the
//! first login to the new version waits for the new one. One return per
//! run is looked at, and the old MSI's draws come from a stream of their
//! own: without `old_msi` nothing changes.

use rand::RngExt;

use super::World;
use super::events::Event;
use crate::scenario::prep::OldMsi;
use crate::time::SimTime;

impl World<'_> {
    /// Called by `refresh` while the site is up: the first time it serves
    /// the old version after the new one, the locked-down consoles need
    /// the old MSI, if they run the new console by then.
    pub(super) fn watch_return(&mut self) {
        let Some(old) = self.sc.consoles.old_msi else {
            return;
        };
        let console = &self.sc.workload.console;
        if self.returned
            || console.msi_locked_share == 0.0
            || self.sc.site.kind.upgrades_by_cutover()
            || self.front.target.is_none_or(|f| self.nodes[f].version > 1)
        {
            return;
        }
        let Some(since) = self.new_since else {
            return;
        };
        self.returned = true;
        if self.now < since + self.redeploy_after {
            // Back before the new console was redeployed: the locked-down
            // machines still run the old one.
            return;
        }
        let support = old == OldMsi::NotKept;
        let mut wait = if support {
            self.sc.faults.support.sample(&mut self.rng.old_msi)
        } else {
            crate::time::SimDuration::ZERO
        };
        wait += console.redeploy.sample(&mut self.rng.old_msi);
        self.old_console_at = Some(self.now + wait);
        self.technicians_back = console.technicians;
        self.log(Event::ConsolesRedeployOld {
            support,
            ready_in: wait,
        });
    }

    /// After a return, until the old console is redeployed: when the
    /// console login `locked` (on a locked-down machine) or `dropped_new`
    /// (a console dropped from the new version, on a locked-down machine
    /// with the share's probability) to a node on `version` must wait, and
    /// until when. As at the upgrade, only a technician's first
    /// login since the return waits (drawn from the old MSI's stream).
    pub(super) fn old_console_wait(&mut self, locked: bool, dropped_new: bool, version: u32) -> Option<SimTime> {
        let ready = self.old_console_at?;
        if version > 1 || self.now >= ready || self.technicians_back == 0 {
            return None;
        }
        let all = self.sc.workload.console.technicians;
        let left = self.technicians_back;
        let first = left >= all || self.rng.old_msi.random_range(0..all) < left;
        if !first {
            return None;
        }
        self.technicians_back -= 1;
        let locked =
            locked || (dropped_new && self.rng.old_msi.random::<f64>() < self.sc.workload.console.msi_locked_share);
        locked.then_some(ready)
    }
}
