//! Node life: upgrades and rollbacks, the failover relationship and its
//! syncs, crashes, repairs and takeovers.

use rand::RngExt;
use rand_distr::{Distribution, Exp1};

use super::events::{AbortReason, DropCause, Event, Phase};
use super::{Ev, NodeState, Role, SyncJob, World};
use crate::model::site::NodeId;
use crate::time::SimDuration;

impl World<'_> {
    // ----- syncs ---------------------------------------------------------------

    /// True when the primary can sync to the backup now.
    pub(super) fn can_sync(&self) -> bool {
        match self.rel.established {
            Some((p, b)) => self.rel.backup_ops && self.nodes[p].up() && self.nodes[b].up() && self.same_versions(p, b),
            None => false,
        }
    }

    pub(super) fn start_sync(&mut self) {
        let fo = &self.sc.failover;
        let full = self.rel.full_pending;
        let held = self.rel.unsynced;
        let records = held[0] + held[1];
        let mut mb = records as f64 * fo.record_mb;
        if full {
            mb += self.sc.site.data_gb * 1000.0;
        }
        let overhead = fo.sync_overhead.sample(&mut self.rng.network);
        let dur = overhead + SimDuration::from_ms_f64(mb / fo.throughput_mb_s * 1000.0);
        self.rel.job = Some(SyncJob {
            started: self.now,
            records: held,
            full,
            interrupted: false,
        });
        self.rel.now_requested = false;
        self.q.schedule(self.now + dur, Ev::SyncDone { epoch: self.rel.epoch });
        self.log(Event::SyncStart {
            full,
            records,
            mb,
            takes: dur,
        });
    }

    pub(super) fn on_sync_done(&mut self) {
        let Some(job) = self.rel.job.take() else {
            return;
        };
        let failed = job.interrupted
            || !self.can_sync()
            || (self.sc.faults.sync_failure > 0.0 && self.rng.faults.random::<f64>() < self.sc.faults.sync_failure);
        if failed {
            // Nothing was copied; retry after the back-off (the records stay).
            self.log(Event::SyncFailed);
            let retry = self.now + self.sc.faults.sync_retry;
            self.rel.now_requested = self.rel.now_requested || matches!(self.exec.wait, super::Wait::SyncAfter(_));
            self.q.schedule(retry, Ev::SyncStart { epoch: self.rel.epoch });
            return;
        }
        // A crash of either appliance cuts the copy short (it fails above),
        // so what it copied is still there; saturating all the same.
        for (left, copied) in self.rel.unsynced.iter_mut().zip(job.records) {
            *left = left.saturating_sub(copied);
        }
        self.rel.last_done_started = Some(job.started);
        self.settle_owed(job.started, job.records);
        if job.full {
            self.rel.full_pending = false;
            self.rel.full_done_epoch = Some(self.rel.epoch);
        }
        self.log(Event::SyncDone {
            unsynced: self.rel.unsynced[0] + self.rel.unsynced[1],
        });
        if self.rel.now_requested {
            self.start_sync();
        } else {
            self.q.schedule(
                self.now + self.sc.failover.sync_interval,
                Ev::SyncStart { epoch: self.rel.epoch },
            );
        }
        self.poll_step();
        self.check_whole();
    }

    /// Asks for a sync now ("Sync Now"); returns the click instant the step waits on.
    pub(super) fn sync_now(&mut self) {
        if self.rel.job.is_none() && self.can_sync() {
            self.start_sync();
        } else {
            self.rel.now_requested = true;
        }
    }

    pub(super) fn break_relationship(&mut self) {
        self.rel.established = None;
        self.rel.epoch += 1;
        self.rel.job = None; // a sync in flight is abandoned; its records stay unsynced
        self.rel.now_requested = false;
        for n in &mut self.nodes {
            if matches!(n.role, Role::Primary | Role::Backup) {
                n.role = Role::Standalone;
            }
        }
        self.log(Event::Broken);
        self.refresh();
    }

    pub(super) fn establish(&mut self, primary: NodeId, backup: NodeId) {
        self.rel.established = Some((primary, backup));
        self.rel.epoch += 1;
        self.rel.full_pending = true;
        self.rel.backup_ops = true;
        self.nodes[primary].role = Role::Primary;
        self.nodes[backup].role = Role::Backup;
        self.log(Event::Established { primary, backup });
        // A backup does not accept connections: clients still on it (stale
        // DNS answers) lose their sessions.
        self.drop_sessions(backup, DropCause::BecameBackup, false);
        self.q.schedule(
            self.now + self.sc.failover.first_sync_delay,
            Ev::SyncStart { epoch: self.rel.epoch },
        );
        self.refresh();
    }

    /// "Become Backup" on `node`: it gives up the primary role and its peer
    /// takes it (the failover page does both).
    pub(super) fn become_backup(&mut self, node: NodeId) {
        if let Some((p, b)) = self.rel.established
            && p == node
        {
            self.rel.established = Some((b, p));
            self.rel.epoch += 1;
            self.rel.job = None;
            self.nodes[p].role = Role::Backup;
            self.nodes[b].role = Role::Primary;
            self.log(Event::RolesSwapped { primary: b, backup: p });
            self.drop_sessions(p, DropCause::BecameBackup, false);
            self.q.schedule(
                self.now + self.sc.failover.sync_interval,
                Ev::SyncStart { epoch: self.rel.epoch },
            );
        }
        self.refresh();
    }

    /// "Become Primary" on `node` (no change when it already is).
    pub(super) fn become_primary(&mut self, node: NodeId) {
        if let Some((p, b)) = self.rel.established
            && b == node
        {
            self.become_backup(p);
        }
        self.refresh();
    }

    pub(super) fn set_backup_operations(&mut self, value: bool) {
        self.rel.backup_ops = value;
        if !value {
            self.rel.job = None;
            self.rel.epoch += 1;
        } else {
            self.q.schedule(
                self.now + self.sc.failover.sync_interval,
                Ev::SyncStart { epoch: self.rel.epoch },
            );
        }
        self.log(Event::BackupOperations { enabled: value });
        self.refresh();
    }

    // ----- upgrades --------------------------------------------------------------

    pub(super) fn start_upgrade(&mut self, node: NodeId) {
        let n = &mut self.nodes[node];
        n.attempts += 1;
        n.upgrade_pending = true;
        n.state = NodeState::Upgrading(Phase::Base);
        n.epoch += 1;
        if n.attempts > 1 {
            // A retry draws fresh phase times; the first attempt used the
            // plan drawn before the run.
            n.plan = super::draw_plan(self.sc, &self.sc.site.nodes[node].class, &mut self.rng.upgrade);
        }
        let (epoch, d, attempt) = (n.epoch, n.plan[Phase::Base.index()], n.attempts);
        self.log(Event::UpgradeStart { node, attempt });
        // Upgrading an appliance of a cluster marks every traffic node "not
        // accepting new client connections" in its own configuration.
        if self.sc.site.kind.routes_through_traffic_nodes() && node < self.accepting.len() && !self.nodes[node].traffic
        {
            for a in self.accepting[node].iter_mut() {
                *a = false;
            }
            self.rebuild(node);
            self.log(Event::TrafficNodesNotAccepting { node });
        }
        self.touch(node);
        self.drop_sessions(node, DropCause::Upgrade, false);
        self.refresh();
        self.q.schedule(
            self.now + d,
            Ev::PhaseDone {
                node: node as u32,
                epoch,
            },
        );
    }

    pub(super) fn on_phase_done(&mut self, node: NodeId) {
        let n = &self.nodes[node];
        let (done, next) = match n.state {
            // The base software update ends with the appliance's reboot.
            NodeState::Upgrading(Phase::Base) => (Phase::Base, Some(Phase::Reboot)),
            // Then the operator downloads a backup (appliances) and installs
            // the product update at once, before anything else.
            NodeState::Upgrading(Phase::Reboot) if n.traffic => (Phase::Reboot, Some(Phase::Product)),
            NodeState::Upgrading(Phase::Reboot) => (Phase::Reboot, Some(Phase::Backup)),
            NodeState::Upgrading(Phase::Backup) => (Phase::Backup, Some(Phase::Product)),
            NodeState::Upgrading(Phase::Product) => (Phase::Product, None),
            _ => return,
        };
        self.log(Event::PhaseDone { node, phase: done });
        if let Some(phase) = next {
            let n = &mut self.nodes[node];
            n.state = NodeState::Upgrading(phase);
            let (d, epoch) = (n.plan[phase.index()], n.epoch);
            self.q.schedule(
                self.now + d,
                Ev::PhaseDone {
                    node: node as u32,
                    epoch,
                },
            );
            return;
        }
        // A rehearsal caught its share of the failures before production.
        let p = self.sc.preparation.residual(self.sc.faults.upgrade_failure);
        // An injected failure draws nothing more: the draw is made (and
        // the stream moves) as it would without it.
        let drawn = p > 0.0 && self.rng.faults.random::<f64>() < p;
        if self.inject.take_upgrade_failure(node) || drawn {
            // The update failed when expected to work: the operator contacts
            // technical support and leaves the appliance as it is.
            let d = self.sc.faults.support.sample(&mut self.rng.faults);
            let n = &mut self.nodes[node];
            n.state = NodeState::AwaitingSupport;
            n.epoch += 1;
            let epoch = n.epoch;
            self.touch(node);
            self.log(Event::UpgradeFailed { node, support: d });
            // Nothing else changes: only the node's display state is logged.
            self.log_states();
            self.q.schedule(
                self.now + d,
                Ev::SupportDone {
                    node: node as u32,
                    epoch,
                },
            );
            return;
        }
        let n = &mut self.nodes[node];
        n.state = NodeState::Up;
        n.version += 1;
        n.upgrade_pending = false;
        n.epoch += 1;
        let version = n.version;
        self.touch(node);
        if node < self.eligible.len() {
            // An appliance's version decides which traffic nodes it bridges to.
            self.rebuild(node);
        }
        self.log(Event::UpgradeDone { node, version });
        self.arm_crash(node);
        self.refresh();
        self.poll_step();
    }

    /// Technical support has answered a failed upgrade: with a retry left
    /// the operator tries again; else the backup taken first is restored
    /// (the rollback) and the procedure is aborted.
    pub(super) fn on_support_done(&mut self, node: NodeId) {
        let attempts = self.nodes[node].attempts;
        // A recovery from a latent defect restores the appliance anyway:
        // no retry then.
        if attempts <= self.sc.faults.upgrade_retries && !self.exec.recovering {
            self.log(Event::SupportDone { node, rollback: None });
            self.start_upgrade(node);
            return;
        }
        self.m.rollbacks += 1;
        let d = self.sc.faults.rollback.sample(&mut self.rng.faults);
        let n = &mut self.nodes[node];
        n.state = NodeState::RollingBack;
        n.epoch += 1;
        let epoch = n.epoch;
        self.touch(node);
        self.log(Event::SupportDone {
            node,
            rollback: Some(d),
        });
        self.log_states();
        self.q.schedule(
            self.now + d,
            Ev::RollbackDone {
                node: node as u32,
                epoch,
            },
        );
    }

    pub(super) fn on_rollback_done(&mut self, node: NodeId) {
        let n = &mut self.nodes[node];
        n.state = NodeState::Up;
        n.epoch += 1;
        let attempts = n.attempts;
        self.touch(node);
        self.log(Event::RollbackDone { node });
        self.arm_crash(node);
        self.refresh();
        if !self.exec.recovering {
            self.abort(AbortReason::UpgradeFailed { node, attempts });
        }
    }

    // ----- crashes -----------------------------------------------------------------

    /// Schedules the next crash of an up node (crashes on), at rate 1/MTBF.
    pub(super) fn arm_crash(&mut self, node: NodeId) {
        if !self.sc.faults.crashes || !self.nodes[node].up() {
            return;
        }
        let e: f64 = Exp1.sample(&mut self.rng.crashes);
        let d = SimDuration::from_ms_f64(e * self.sc.faults.mtbf.0 as f64);
        let epoch = self.nodes[node].epoch;
        self.q.schedule(
            self.now + d,
            Ev::Crash {
                node: node as u32,
                epoch,
            },
        );
    }

    pub(super) fn on_crash(&mut self, node: NodeId) {
        if !self.nodes[node].up() {
            return;
        }
        self.m.crashes += 1;
        let serving = self.front.target == Some(node);
        if serving && self.exposure_since.is_some() {
            self.m.exposure_crashes += 1;
        }
        let n = &mut self.nodes[node];
        n.state = NodeState::Failed;
        n.epoch += 1;
        let epoch = n.epoch;
        self.touch(node);
        let repair = self.sc.faults.mttr.sample(&mut self.rng.crashes);
        self.log(Event::Crashed { node, repair });
        self.drop_sessions(node, DropCause::Crash, true);
        // A copy in flight to or from this appliance is cut short.
        if let (Some((p, b)), Some(job)) = (self.rel.established, self.rel.job.as_mut())
            && (p == node || b == node)
        {
            job.interrupted = true;
        }
        // The records this appliance holds that are not yet on the other
        // one existed only here (see `World::add_record` for where a
        // record lives).
        // one existed only here (see `World::add_record` for where a
        // record lives). They die with its disk (`faults.crash_loses_data`,
        // drawn only when not certain, so that the default draws nothing);
        // a disk that survives keeps them until the repair, unless the
        // backup takes over meanwhile (`on_takeover`).
        let held = self
            .rel
            .unsynced
            .get(node)
            .copied()
            .filter(|_| self.sc.site.has_backup());
        if let Some(held) = held
            && held > 0
        {
            let p = self.sc.faults.crash_loses_data;
            if p >= 1.0 || (p > 0.0 && self.rng.crashes.random::<f64>() < p) {
                self.lose_records(node);
            } else {
                self.log(Event::RecordsKept { node, records: held });
            }
        }
        if let Some((p, b)) = self.rel.established
            && p == node
            && self.nodes[b].up()
            && self.rel.backup_ops
        {
            let d = self.sc.faults.failover_delay.sample(&mut self.rng.crashes);
            self.q.schedule(
                self.now + d,
                Ev::Takeover {
                    to: b as u32,
                    epoch: self.rel.epoch,
                },
            );
        }
        self.q.schedule(
            self.now + repair,
            Ev::Repaired {
                node: node as u32,
                epoch,
            },
        );
        self.refresh();
    }

    /// The records only `node` holds are lost (its disk died, or they will
    /// be overwritten).
    fn lose_records(&mut self, node: NodeId) {
        if let Some(held) = self.rel.unsynced.get_mut(node)
            && *held > 0
        {
            let lost = std::mem::take(held);
            self.forget_owed(node);
            self.m.records_lost += lost;
            self.log(Event::RecordsLost { node, records: lost });
        }
    }

    /// The backup takes over from a crashed primary, and the site's address follows.
    pub(super) fn on_takeover(&mut self, to: NodeId) {
        let Some((p, b)) = self.rel.established else {
            return;
        };
        if b != to || !self.nodes[to].up() {
            return;
        }
        self.rel.established = Some((b, p));
        self.rel.epoch += 1;
        self.rel.job = None;
        self.rel.full_pending = true; // the old primary's data is stale when it returns
        // Records the old primary kept on a surviving disk are overwritten
        // by the first sync from the new primary when it returns as its
        // backup (the vendor text: the backup's data "will be overwritten").
        self.lose_records(p);
        self.nodes[b].role = Role::Primary;
        self.nodes[p].role = Role::Backup;
        if self.front.target == Some(p) {
            self.front.target = Some(b);
            self.front.dns_swing = false;
        }
        self.log(Event::TookOver { node: b });
        self.q.schedule(
            self.now + self.sc.failover.sync_interval,
            Ev::SyncStart { epoch: self.rel.epoch },
        );
        self.refresh();
        self.reread_roles();
    }

    pub(super) fn on_repaired(&mut self, node: NodeId) {
        let n = &mut self.nodes[node];
        n.state = NodeState::Up;
        n.epoch += 1;
        self.touch(node);
        self.log(Event::Repaired { node });
        self.arm_crash(node);
        self.refresh();
        self.resume_download(node);
        if self.exec.wait == super::Wait::Repair {
            self.exec.wait = super::Wait::None;
            self.begin_step();
        } else {
            self.poll_step();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Limits, RunOptions, World};
    use crate::scenario::Scenario;

    #[test]
    fn a_crash_loses_only_the_records_the_crashed_appliance_holds() {
        let sc = Scenario::parse(
            "[workload.support]\nrate_per_hour = 0\n[workload.console]\nrate_per_hour = 0\n",
            "t.toml",
            "t",
        )
        .unwrap();
        let rb = sc.runbook("failover-async-nat").unwrap();
        let mut w = World::new(&sc, rb, 1, 0, RunOptions::default(), Limits::DEFAULT, false);
        // Established, A primary: three sessions end, wherever they ran,
        // and their records wait on A for the next sync.
        for node in [0, 0, 1] {
            w.add_record(node);
        }
        assert_eq!(w.rel.unsynced, [3, 0]);
        // Broken: a record stays where its session ended. Five more end on
        // A, four on B.
        w.break_relationship();
        for node in [0, 1, 0, 1, 0, 1, 0, 1, 0] {
            w.add_record(node);
        }
        assert_eq!(w.rel.unsynced, [8, 4]);
        assert_eq!(w.m.unsynced_peak, 12);
        // B crashes: only its own four records are lost; A still holds its 8.
        w.on_crash(1);
        assert_eq!(w.m.records_lost, 4);
        assert_eq!(w.rel.unsynced, [8, 0]);
        // Then A crashes: its 8 go too.
        w.on_crash(0);
        assert_eq!(w.m.records_lost, 12);
        assert_eq!(w.rel.unsynced, [0, 0]);
    }
}
