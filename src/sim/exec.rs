//! The runbook executor: carries out one step at a time.
//!
//! Each step runs as a short sequence of sub-phases: usually the operator's
//! time for the manual step (a timer), then the action on the world, then a
//! wait for a condition (an upgrade done, a sync done, nodes drained). A
//! step that needs a crashed node waits for its repair first.

use rand::RngExt;

use super::events::{AbortReason, DropCause, Event};
use super::{Ev, NodeState, Wait, World};
use crate::model::calendar::OnOverrun;
use crate::model::dist::Dist;
use crate::model::site::{NodeId, SiteKind, SwitchMethod};
use crate::runbook::Step;
use crate::time::{MS_PER_DAY, MS_PER_HOUR, MS_PER_WEEK, SimDuration, SimTime};

/// A year for `pod.emergency_per_year`: 365 days.
const MS_PER_YEAR: u64 = 365 * MS_PER_DAY;

/// Green validations and builds, together, that may fail in a row before
/// the procedure stops (blue serves on the old version).
pub const MAX_VALIDATION_FAILURES: u32 = 5;

impl<'a> World<'a> {
    fn set_timer(&mut self, d: SimDuration) {
        self.exec.token += 1;
        self.exec.wait = Wait::Timer;
        self.q.schedule(self.now + d, Ev::StepTimer { token: self.exec.token });
    }

    /// Draws an operator's time from `d` for work starting at `at`, and
    /// counts it (`operator_hours`, the operator spans).
    fn operator(&mut self, d: &Dist, at: SimTime) -> SimDuration {
        let d = d.sample(&mut self.rng.operator);
        self.exec.op_ms += d.0;
        self.operator_span(at, at + d);
        d
    }

    /// Records operator work over `[a, b)`, one span with the last when it
    /// follows on from it.
    fn operator_span(&mut self, a: SimTime, b: SimTime) {
        let spans = &mut self.spans.operator;
        match spans.last_mut() {
            Some(last) if last.1 == a => last.1 = b,
            _ if b > a => spans.push((a, b)),
            _ => {}
        }
    }

    /// True when `step` takes an operator's time (docs/model.md §3): the
    /// manual steps, backups, verification (not a pod's: the service's).
    fn needs_operator(&self, step: &Step) -> bool {
        match step {
            Step::Verify { node } => self.nodes[*node].role != super::Role::Pod,
            Step::Backup { .. } => true,
            other => other.starts_with_a_click(),
        }
    }

    /// With shifts, a step needing an operator off shift waits for the next
    /// shift (true); the step's sub-phase 0 runs again then.
    fn off_shift(&mut self) -> bool {
        let sc = self.sc;
        match sc.calendar.on_shift(&sc.operators.shifts, self.now) {
            Ok(()) => false,
            Err(until) => {
                self.log(Event::WaitingForOperator {
                    step: self.exec.idx,
                    until,
                });
                self.exec.op_wait_ms += until.since(self.now).0;
                self.exec.op_resume = true;
                self.set_timer(until.since(self.now));
                true
            }
        }
    }

    /// Plans a group upgrade with limited operators: node by node, in
    /// order, the first operator free (on shift) clicks, then moves on;
    /// each install starts when its click is done.
    fn plan_clicks(&mut self, nodes: &[NodeId]) -> Vec<(SimTime, NodeId)> {
        let count = self.sc.operators.count.map_or(nodes.len(), |c| c as usize);
        let mut free = vec![self.now; count.clamp(1, nodes.len().max(1))];
        // Each operator's work so far: back-to-back clicks make one span.
        let mut worked: Vec<Option<(SimTime, SimTime)>> = vec![None; free.len()];
        let mut plan = Vec::with_capacity(nodes.len());
        for &n in nodes {
            let j = (0..free.len()).min_by_key(|&j| free[j]).unwrap_or(0);
            let ready = free[j];
            let sc = self.sc;
            let start = match sc.calendar.on_shift(&sc.operators.shifts, ready) {
                Ok(()) => ready,
                Err(until) => {
                    self.log_at(
                        ready,
                        Event::WaitingForOperator {
                            step: self.exec.idx,
                            until,
                        },
                    );
                    until
                }
            };
            self.exec.op_wait_ms += start.since(self.now).0;
            let d = self.sc.operator.step.sample(&mut self.rng.operator);
            self.exec.op_ms += d.0;
            free[j] = start + d;
            plan.push((start + d, n));
            match &mut worked[j] {
                Some(span) if span.1 == start => span.1 = start + d,
                slot => {
                    if let Some((a, b)) = slot.replace((start, start + d)) {
                        self.operator_span(a, b);
                    }
                }
            }
        }
        for (a, b) in worked.into_iter().flatten() {
            self.operator_span(a, b);
        }
        plan.sort_by_key(|p| p.0);
        plan
    }

    /// Starts the installs whose clicks are done; sets the timer for the
    /// next, or, all started, goes on as an upgrade step does.
    fn next_clicks(&mut self, nodes: &'a [NodeId], wait: bool) {
        let Some((plan, mut i)) = self.exec.plan.take() else {
            return;
        };
        while let Some(&(t, n)) = plan.get(i)
            && t <= self.now
        {
            self.install(n);
            i += 1;
        }
        if let Some(&(t, _)) = plan.get(i) {
            self.exec.plan = Some((plan, i));
            self.exec.sub = 0;
            self.set_timer(t.since(self.now));
        } else {
            self.upgrade_started(nodes, wait);
        }
    }

    /// Every node of an upgrade step has started: wait for them, or not.
    fn upgrade_started(&mut self, nodes: &'a [NodeId], wait: bool) {
        if wait {
            self.wait_for(Wait::Upgraded(nodes));
            self.poll_step();
        } else {
            self.step_done();
        }
    }

    pub(super) fn on_step_timer(&mut self) {
        self.exec.wait = Wait::None;
        if self.exec.backout.is_some() {
            self.backout_next();
        } else if std::mem::take(&mut self.exec.op_resume) {
            self.continue_step();
        } else if std::mem::take(&mut self.exec.resume) {
            self.log(Event::Resumed { step: self.exec.idx });
            self.begin_step();
        } else if self.exec.sub == u8::MAX {
            self.exec.started = Some(self.now);
            self.sample_loads();
            self.log(Event::ProcedureStart);
            self.begin_step();
        } else {
            self.exec.sub += 1;
            self.continue_step();
        }
    }

    /// The first node a step acts on that has crashed: every one must be
    /// up (not crashed) when the step starts.
    fn crashed_needed(&self, step: &Step) -> Option<NodeId> {
        let failed = |n: &NodeId| self.nodes[*n].state == NodeState::Failed;
        match step {
            Step::Backup { node } | Step::Verify { node } | Step::BecomePrimary { node } | Step::Restore { node } => {
                Some(*node).filter(failed)
            }
            Step::Upgrade { nodes, .. } => nodes.iter().copied().find(failed),
            Step::Switch { to, .. } => Some(*to).filter(failed),
            Step::EstablishFailover { primary, backup } => [*primary, *backup].into_iter().find(failed),
            // "Become Backup" hands the primary role to the peer: not to a
            // crashed one (the administrator waits for its repair). On a
            // crashed `node` with the peer up, the peer takes the role.
            Step::BecomeBackup { node } => match self.rel.established {
                Some((p, b)) if p == *node => Some(b).filter(failed),
                _ => None,
            },
            _ => None,
        }
    }

    /// The window rules (`calendar.cutoff`, `calendar.on_overrun`) for a
    /// step about to begin: true when it may not begin now, because it is
    /// held until a later window or the procedure backs out. They govern
    /// the runbook's work steps (not waits, not a recovery, not a pod's
    /// steps, which the service schedules); see docs/model.md §3.
    fn window_rules_hold(&mut self, step: &Step) -> bool {
        let rules = self.sc.window_rules;
        if !rules.active() || self.exec.recovering || !step.window_rules_apply() || self.sc.site.kind == SiteKind::Pod {
            return false;
        }
        let now = self.now;
        let Some(occ) = self.sc.calendar.current_or_next(now) else {
            // No window left to wait for: the step goes on (as a wait for
            // a window ends at once).
            return false;
        };
        let inside = occ.open <= now && now < occ.close;
        if inside && now + rules.cutoff < occ.close {
            return false;
        }
        // The window this step may start in: the next to open.
        let until = if inside {
            match self.sc.calendar.next_open(occ.close) {
                Some(t) => t,
                None => return false,
            }
        } else {
            occ.open
        };
        let step_i = self.exec.idx;
        match rules.on_overrun {
            OnOverrun::Backout => self.backout(),
            OnOverrun::Pause if !inside => {
                self.log(Event::Paused { step: step_i, until });
                self.hold(until);
            }
            _ => {
                self.log(Event::HeldByCutoff { step: step_i, until });
                self.hold(until);
            }
        }
        true
    }

    /// Waits, out of any window's work, until `until`, then begins the
    /// current step again.
    fn hold(&mut self, until: SimTime) {
        self.close_active();
        self.exec.slipped += 1;
        self.exec.resume = true;
        self.set_timer(until.since(self.now));
    }

    /// Backs out: restores every appliance whose upgrade has begun from its
    /// backup, one after the other, then aborts.
    fn backout(&mut self) {
        let nodes: Vec<NodeId> = (0..self.nodes.len())
            .filter(|&i| {
                let n = &self.nodes[i];
                n.version > 1
                    || n.upgrade_pending
                    || matches!(
                        n.state,
                        NodeState::Upgrading(_) | NodeState::RollingBack | NodeState::AwaitingSupport
                    )
            })
            .collect();
        self.m.backouts = 1;
        self.log(Event::BackoutStart { nodes: nodes.len() });
        self.exec.backout = Some((nodes, 0));
        self.backout_next();
    }

    /// Ends the restore under way, if any, and begins the next one; aborts
    /// once every appliance is restored.
    fn backout_next(&mut self) {
        let Some((nodes, done)) = self.exec.backout.take() else {
            return;
        };
        let mut done = done;
        // The timer that brought us here ended restore `done - 1`.
        if done > 0 {
            self.restore_end(nodes[done - 1]);
        }
        if let Some(&node) = nodes.get(done) {
            done += 1;
            self.exec.backout = Some((nodes, done));
            self.restore_begin(node);
        } else {
            self.log(Event::BackoutDone);
            self.abort(AbortReason::Backout);
        }
    }

    /// Starts step `exec.idx`.
    pub(super) fn begin_step(&mut self) {
        let i = self.exec.idx;
        let step = self.read_roles();
        if self.window_rules_hold(step) {
            return;
        }
        if let Some(node) = self.crashed_needed(step) {
            self.log(Event::WaitingForRepair { node });
            self.exec.wait = Wait::Repair;
            return;
        }
        if self.exec.recovering {
            let (steps, total) = (self.exec.recovery, self.exec.recovery.len());
            self.log(Event::RecoveryStepStart {
                step: &steps[i],
                index: i,
                total,
            });
        } else {
            if self.exec.chosen.is_some() && self.opts.log_events {
                self.log.set_step(i, step);
            }
            self.log(Event::StepStart { step: i });
            self.arm_injections(step);
        }
        // Window accounting: waits and the service's preparation are not
        // maintenance work; a cutover's work starts when it really starts.
        if !step.is_window_work() || *step == Step::Cutover {
            self.close_active();
        } else if self.exec.active_from.is_none() {
            self.exec.active_from = Some(self.now);
        }
        self.exec.sub = 0;
        self.continue_step();
    }

    /// Runs the current step's sub-phase `exec.sub`; each sub-phase either
    /// sets a wait or calls [`World::step_done`].
    pub(super) fn continue_step(&mut self) {
        let step = self.current_step();
        let sub = self.exec.sub;
        let op = &self.sc.operator;
        let pod = &self.sc.pod;
        if self.sc.operators.limited() {
            if let Step::Upgrade { nodes, wait } = step
                && (sub == 0 || self.exec.plan.is_some())
            {
                if self.exec.plan.is_none() {
                    let plan = self.plan_clicks(nodes);
                    self.exec.plan = Some((plan, 0));
                }
                self.next_clicks(nodes, *wait);
                return;
            }
            if sub == 0 && self.needs_operator(step) && self.off_shift() {
                return;
            }
        }
        match (step, sub) {
            // A manual step first takes the operator's time.
            (manual, 0) if manual.starts_with_a_click() => {
                let d = self.operator(&op.step, self.now);
                self.set_timer(d);
            }
            (Step::Backup { .. }, 0) => {
                let click = self.operator(&op.step, self.now);
                let d = click + self.operator(&op.backup, self.now + click);
                self.set_timer(d);
            }
            (Step::Verify { node }, 0) => {
                let d = if self.nodes[*node].role == super::Role::Pod {
                    pod.validate.sample(&mut self.rng.operator)
                } else {
                    self.operator(&op.verify, self.now)
                };
                self.set_timer(d);
            }
            (Step::Verify { node }, 1) if self.nodes[*node].role == super::Role::Pod => self.pod_validated(),
            (Step::Verify { .. }, 2) if self.pod.falling_back => self.back_on_blue(),
            (Step::Backup { .. } | Step::Verify { .. }, _) => self.step_done(),
            // "Sync Now" in Cluster :: Status: with a backup primary and
            // backup operations enabled, the pair syncs and the step waits
            // for it (for a repair first, if an appliance is down); else
            // only the configuration goes to the traffic nodes.
            (Step::ClusterSync, _) => {
                if let Some((p, b)) = self.rel.established
                    && self.rel.backup_ops
                    && self.same_versions(p, b)
                {
                    let clicked = self.now;
                    self.sync_now();
                    self.exec.wait = Wait::SyncAfter(clicked);
                    self.poll_step();
                } else {
                    self.log(Event::ClusterConfigSynced);
                    self.step_done();
                }
            }
            (Step::SyncNow, _) => {
                let clicked = self.now;
                self.sync_now();
                self.exec.wait = Wait::SyncAfter(clicked);
                self.poll_step();
            }
            (Step::WaitSync, _) => {
                self.exec.wait = Wait::FullSync;
                self.poll_step();
            }
            (Step::BreakFailover, _) => {
                self.break_relationship();
                self.step_done();
            }
            (Step::EstablishFailover { primary, backup }, _) => {
                self.establish(*primary, *backup);
                self.step_done();
            }
            (Step::Upgrade { nodes, wait }, _) => {
                for &n in nodes {
                    self.install(n);
                }
                self.upgrade_started(nodes, *wait);
            }
            (Step::WaitUpgraded { nodes }, _) => {
                self.wait_for(Wait::Upgraded(nodes));
                self.poll_step();
            }
            (Step::Switch { method, to }, 1) => {
                self.defect.last_switch = Some(*method);
                self.switch_begin(*method, *to)
            }
            (Step::Switch { method, to }, _) => {
                self.switch_end(*method, *to);
                self.note_swing(*method, *to);
                self.step_done();
            }
            (Step::SetAccepting { nodes, value }, _) => {
                let (p, value) = (self.acting_primary(), *value);
                for &t in nodes {
                    self.accepting[p][t] = value;
                    self.touch(t);
                }
                self.log(Event::Accepting {
                    step: self.exec.idx,
                    on: p,
                });
                self.refresh();
                self.step_done();
            }
            (Step::WaitDrained { nodes, timeout }, 0) => {
                self.exec.drain_from = Some(self.now);
                if let Some(t) = timeout {
                    self.set_timer(*t);
                }
                self.wait_for(Wait::Drained(nodes));
                self.poll_step();
            }
            (Step::WaitDrained { nodes, .. }, _) => {
                self.cut_drained(nodes);
                self.refresh();
                self.step_done();
            }
            (Step::DistributePackage, 1) => {
                // The package goes to every node in parallel; the step ends
                // with the slowest transfer.
                let mut slowest = SimDuration::ZERO;
                for _ in 0..self.nodes.len() {
                    slowest = slowest.max(self.sc.site.distribute.sample(&mut self.rng.network));
                }
                self.set_timer(slowest);
            }
            (Step::DistributePackage, _) => {
                self.distributed = true;
                self.log(Event::PackageDistributed {
                    nodes: self.nodes.len(),
                });
                self.step_done();
            }
            (Step::BecomeBackup { node }, _) => {
                // The peer crashed during the click: the role goes to no
                // crashed appliance; the step waits and starts again.
                if let Some(peer) = self.crashed_needed(step) {
                    self.log(Event::WaitingForRepair { node: peer });
                    self.exec.wait = Wait::Repair;
                    return;
                }
                self.become_backup(*node);
                self.step_done();
            }
            (Step::BecomePrimary { node }, _) => {
                self.become_primary(*node);
                self.step_done();
            }
            (Step::SetBackupOperations { value }, _) => {
                self.set_backup_operations(*value);
                self.step_done();
            }
            (Step::Interim, 0) => {
                let interim = self.sc.interim;
                self.set_timer(interim);
            }
            (Step::Interim, 1) => self.wait_for_opening(),
            (Step::WaitWindow, 0) => {
                if self.sc.calendar.in_window(self.now) {
                    self.step_done();
                } else {
                    self.wait_for_opening();
                }
            }
            (Step::Interim | Step::WaitWindow, _) => self.step_done(),
            (Step::Wait { duration }, 0) => self.set_timer(*duration),
            (Step::Wait { .. }, _) => self.step_done(),
            (Step::Precheck, 1) => self.precheck(),
            (Step::Precheck, 2) if self.exec.doomed && self.sc.site.kind.upgrades_by_cutover() => {
                // Not fixed by the deadline: the update failed, and a pod
                // runs unsupported until the admin's fix (docs/model.md §3).
                let late = self.pod.late_fix;
                self.pod.unsupported_since = Some(self.now);
                self.log(Event::Unsupported { until_fix: late });
                self.set_timer(late);
            }
            (Step::Precheck, _) => {
                if self.exec.doomed {
                    self.close_unsupported(self.now);
                    self.abort(AbortReason::PrecheckNotFixed);
                } else {
                    self.log(Event::PrecheckFixed);
                    self.step_done();
                }
            }
            (Step::Schedule, _) => {
                self.schedule_maintenance();
                self.step_done();
            }
            (Step::BuildGreen, _) => {
                let d = pod.build_green.sample(&mut self.rng.operator);
                let ready = self.now + d;
                self.pod.green_ready = Some(ready);
                self.close_green(self.now);
                self.pod.green_since = Some(self.now);
                self.log(Event::GreenBuildStart { ready_in: d });
                // A failed build is found at its end (`Step::Cutover`).
                self.pod.build_failed =
                    pod.green_build_failure > 0.0 && self.rng.pod_update.random::<f64>() < pod.green_build_failure;
                if !self.pod.build_failed {
                    self.log_at(ready, Event::GreenBuilt);
                }
                self.step_done();
            }
            (Step::Cutover, 0) => {
                let ready = self.pod.green_ready.unwrap_or(self.now);
                let at = if self.pod.build_failed {
                    ready
                } else {
                    self.pod.scheduled.unwrap_or(self.now).max(ready)
                };
                if at > self.now {
                    self.set_timer(at.since(self.now));
                } else {
                    self.exec.sub = 1;
                    self.continue_step();
                }
            }
            (Step::Cutover, 1) if self.pod.build_failed => self.green_build_failed(),
            (Step::Cutover, 1) => {
                self.exec.active_from = Some(self.now);
                let d = pod.cutover.sample(&mut self.rng.operator);
                self.log(Event::MaintenanceStarted { cutover: d });
                self.pod.blocked_since = Some(self.now);
                let end = self.now + d;
                let n = 0;
                self.nodes[n].state = NodeState::CuttingOver;
                self.nodes[n].epoch += 1;
                self.touch(n);
                self.disconnect_for_cutover(n, end);
                self.refresh();
                self.set_timer(d);
            }
            (Step::Cutover, 2) if self.pod.locked => {
                // Management locks: the maintenance ran its time and did
                // not complete; blue serves on, on the old version, and
                // the pod is unsupported until the admin's fix.
                let node = &mut self.nodes[0];
                node.state = NodeState::Up;
                node.epoch += 1;
                self.touch(0);
                let fix = self.sc.faults.admin_fix.sample(&mut self.rng.pod);
                self.log(Event::PreconditionUnmet { what: "locks" });
                self.log(Event::UpdateFailed { until_fix: fix });
                self.close_green(self.now);
                self.maintenance_ended();
                self.pod.unsupported_since = Some(self.now);
                self.arm_crash(0);
                self.refresh();
                self.set_timer(fix);
            }
            (Step::Cutover, 3) if self.pod.locked => {
                self.close_unsupported(self.now);
                self.abort(AbortReason::LocksNotRemoved);
            }
            (Step::Cutover, _) => {
                // The post-update steps are the update's: a point release
                // needs them no more.
                let point_release = self.pod.point_release;
                if pod.post_update.radius.is_some() && !point_release {
                    self.pod.radius_from = Some(self.now);
                }
                if pod.post_update.dns.is_some() && !point_release {
                    self.pod.dns_from = Some(self.now);
                }
                let node = &mut self.nodes[0];
                node.state = NodeState::Up;
                if !point_release {
                    node.version += 1;
                }
                node.epoch += 1;
                self.touch(0);
                self.log(Event::CutoverDone);
                self.maintenance_ended();
                self.arm_crash(0);
                self.refresh();
                self.step_done();
            }
            (Step::Notify { .. }, _) => {
                self.log(Event::Notify { step: self.exec.idx });
                self.step_done();
            }
            // A setting the admin changes ahead of the maintenance: no
            // operator time (and no draw, so a runbook with it keeps the
            // common random numbers of one without).
            (Step::SetLogoffPolicy { after }, _) => {
                self.logoff_override = *after;
                self.log(Event::LogoffPolicy { after: *after });
                self.step_done();
            }
            (Step::DeleteBlue, 0) => {
                let d = pod.delete_blue.sample(&mut self.rng.operator);
                self.set_timer(d);
            }
            (Step::Restore { node }, 1) => self.restore_begin(*node),
            (Step::Restore { node }, _) => {
                self.restore_end(*node);
                self.step_done();
            }
            (Step::DeleteBlue, 1) => {
                self.log(Event::BlueDeleted);
                self.close_green(self.now);
                if self.point_release_follows() {
                    return;
                }
                // The procedure ends with the admin's post-update steps.
                let until = self.pod.post_until;
                if until > self.now {
                    self.set_timer(until.since(self.now));
                } else {
                    self.step_done();
                }
            }
            (Step::DeleteBlue, _) => self.step_done(),
        }
    }

    fn switch_begin(&mut self, method: SwitchMethod, to: NodeId) {
        let from = self.front.target;
        match method {
            SwitchMethod::SharedIp => {
                // Disable the shared IP on the old appliance: its
                // connections go with the address. The operator then
                // enables it on the new one after the gap.
                self.front.target = None;
                self.front.dns_swing = false;
                self.log(Event::SharedIpDisabled { on: from });
                if let Some(f) = from {
                    self.drop_sessions(f, DropCause::SharedIpMoved, false);
                }
                self.refresh();
                let gap = self.sc.network.shared_ip_gap.sample(&mut self.rng.network);
                self.set_timer(gap);
            }
            SwitchMethod::Dns => {
                // Fresh resolvers follow at once; each client follows when
                // its cached answer expires. The old appliance keeps its
                // sessions and serves stale clients while it is up.
                self.front.prev = from;
                self.front.target = Some(to);
                self.front.changed_at = self.now;
                self.front.dns_swing = true;
                self.log(Event::DnsRecordChanged { to });
                self.refresh();
                // The operator waits one TTL before calling it done.
                let ttl = self.sc.network.dns_ttl;
                self.set_timer(ttl);
            }
            SwitchMethod::Nat => {
                let d = self.sc.network.nat_delay.sample(&mut self.rng.network);
                self.log(Event::NatEntryEdited { effective_in: d });
                self.set_timer(d);
            }
        }
    }

    /// A switch step ended: a DNS or NAT swing to another appliance
    /// breaks the integrations configured by IP (`[integrations]`; worked
    /// out after the run, `integrations`). A shared IP moves with the site.
    fn note_swing(&mut self, method: SwitchMethod, to: NodeId) {
        if self.sc.integrations.by_ip == 0 {
            return;
        }
        let at = match method {
            SwitchMethod::SharedIp => return,
            SwitchMethod::Dns => self.front.changed_at,
            SwitchMethod::Nat => self.now,
        };
        self.swings.push(super::integrations::Swing { at, done: self.now, to });
    }

    fn switch_end(&mut self, method: SwitchMethod, to: NodeId) {
        let from = self.front.target;
        match method {
            SwitchMethod::SharedIp => {
                self.front.target = Some(to);
                self.log(Event::SharedIpEnabled { on: to });
            }
            SwitchMethod::Nat => {
                // The NAT now forwards to the new appliance: flows to the
                // old one are cut.
                self.front.target = Some(to);
                self.front.dns_swing = false;
                self.log(Event::NatEffective { to });
                if let Some(f) = from
                    && f != to
                    && !self.nodes[f].traffic
                {
                    self.drop_sessions(f, DropCause::NatMoved, false);
                }
            }
            SwitchMethod::Dns => {}
        }
        self.refresh();
    }

    /// Prechecks: with the scenario's probability one fails and needs the
    /// admin; a fix within the deadline lets the procedure go on. A pod's
    /// unmet preconditions (`pod.preconditions`) are drawn after, from the
    /// pod's stream: an agents or vCores one is found and fixed as a failed
    /// precheck (the slowest fix counts); management locks are not seen.
    fn precheck(&mut self) {
        let sc = self.sc;
        let f = &sc.faults;
        let drawn = f.precheck_failure > 0.0 && self.rng.faults.random::<f64>() < f.precheck_failure;
        let mut fix = (self.inject.take_precheck_failure() || drawn).then(|| f.admin_fix.sample(&mut self.rng.faults));
        if sc.site.kind.upgrades_by_cutover() {
            let pre = sc.pod.preconditions;
            for (what, p) in [("agents", pre.agents), ("vcores", pre.vcores)] {
                if p > 0.0 && self.rng.pod.random::<f64>() < p {
                    self.log(Event::PreconditionUnmet { what });
                    let d = f.admin_fix.sample(&mut self.rng.pod);
                    fix = Some(fix.map_or(d, |x| x.max(d)));
                }
            }
            self.pod.locked = pre.locks > 0.0 && self.rng.pod.random::<f64>() < pre.locks;
        }
        if let Some(fix) = fix {
            let deadline = f.precheck_deadline;
            self.log(Event::PrecheckFailed { fix, deadline });
            self.exec.doomed = fix > deadline;
            self.pod.late_fix = SimDuration(fix.0.saturating_sub(deadline.0));
            self.set_timer(fix.min(deadline));
        } else {
            self.log(Event::PrecheckPassed);
            self.step_done();
        }
    }

    /// The service picks the maintenance slot: the preferred window (next
    /// occurrence after the lead time) unless it misses it, else any hour
    /// within the spread after the lead time. With `pod.emergency_per_year`
    /// the update is an emergency with probability 1 - e^(-rate x lead
    /// time): the first full hour after `emergency_notice`. Otherwise the
    /// admin may ask support to move it (`pod.reschedule_probability`).
    fn schedule_maintenance(&mut self) {
        let sc = self.sc;
        let pod = &sc.pod;
        if !self.pod.point_release {
            // A retry's slot is drawn afresh: the figures describe it, not
            // the slot (or the move support had not yet answered) it replaces.
            self.m.emergency = None;
            self.m.rescheduled = None;
        }
        let earliest = self.now + pod.lead_time;
        let offset = sc.calendar.start_offset_ms;
        let miss: f64 = self.rng.scheduler.random();
        let hour_slot: f64 = self.rng.scheduler.random();
        let emergency = pod.emergency_per_year > 0.0 && {
            let years = pod.lead_time.0 as f64 / MS_PER_YEAR as f64;
            let p = 1.0 - (-pod.emergency_per_year * years).exp();
            self.rng.pod.random::<f64>() < p
        };
        let slot = match pod.preferred {
            _ if emergency => {
                let abs = (self.now + pod.emergency_notice).0 + offset;
                SimTime(abs.div_ceil(MS_PER_HOUR) * MS_PER_HOUR - offset)
            }
            Some((day, hour)) if miss >= pod.miss_probability => {
                pod.next_preferred(&self.sc.calendar, earliest, day, hour)
            }
            _ => {
                let hours = (pod.spread.0 / MS_PER_HOUR).max(1);
                let pick = ((hour_slot * hours as f64) as u64).min(hours - 1);
                // Slots start on the hour.
                let abs = earliest.0 + offset;
                let first = abs.div_ceil(MS_PER_HOUR) * MS_PER_HOUR;
                SimTime(first + pick * MS_PER_HOUR - offset)
            }
        };
        if emergency {
            if !self.pod.point_release {
                self.m.emergency = Some(1);
            }
            self.log(Event::EmergencyMaintenance {
                notice: pod.emergency_notice,
            });
        }
        let preferred = self.set_slot(slot);
        self.log(Event::MaintenanceScheduled { at: slot, preferred });
        let mut slot = slot;
        if !emergency && pod.reschedule_probability > 0.0 && self.rng.pod.random::<f64>() < pod.reschedule_probability {
            // The admin asks on the notice; support's answer moves the
            // slot to the first preferred window after the old one (the
            // same hour a week on without a preferred window).
            let d = pod.support_delay.sample(&mut self.rng.pod);
            self.log(Event::RescheduleRequested { answer_in: d });
            let answer = self.now + d;
            if answer >= slot {
                self.log_at(slot, Event::RescheduleTooLate);
            } else {
                let moved = match pod.preferred {
                    Some((day, hour)) => pod.next_preferred(&sc.calendar, slot + SimDuration(1), day, hour),
                    None => slot + SimDuration(MS_PER_WEEK),
                };
                self.set_slot(moved);
                if !self.pod.point_release {
                    self.m.rescheduled = Some(1);
                }
                self.log_at(answer, Event::Rescheduled { at: moved });
                slot = moved;
            }
        }
        // Reminders only make log records (at most `MAX_REMINDERS`, checked
        // before the run): none to plan when nobody keeps the log.
        let interval = pod.reminder_interval;
        let mut t = slot.0.saturating_sub(interval.0);
        while self.opts.log_events && self.log_full_at.is_none() && t > self.now.0 {
            self.log_at(SimTime(t), Event::Reminder);
            t = t.saturating_sub(interval.0);
            if interval.0 == 0 {
                break;
            }
        }
    }

    /// Sets the pod's slot and its metrics; true when it is the preferred
    /// window.
    fn set_slot(&mut self, slot: SimTime) -> bool {
        let pod = &self.sc.pod;
        self.pod.scheduled = Some(slot);
        let how = pod.hour_of_week(&self.sc.calendar, slot);
        let preferred = pod.preferred.is_some_and(|(d, h)| how == d as usize * 24 + h as usize);
        // The slot's metrics describe the update's slot (the last one, after
        // a retry), not a point release's that follows it.
        if !self.pod.point_release {
            self.m.scheduled_at_ms = Some(slot.0);
            self.m.notice_ms = Some(slot.since(self.now).0);
            self.m.in_preferred_window = Some(preferred);
            self.m.scheduled_hour = Some(how as u64);
        }
        preferred
    }

    /// The end of a pod's validation: with `pod.validation_failure` it
    /// fails, and the pod falls back to blue (users disconnected again,
    /// for a cutover's time); else the admin's post-update steps begin
    /// (`pod.post_update`) and the step is done.
    fn pod_validated(&mut self) {
        let pod = &self.sc.pod;
        if pod.validation_failure > 0.0 && self.rng.pod.random::<f64>() < pod.validation_failure {
            self.pod.validation_failures += 1;
            self.pod.falling_back = true;
            self.pod.radius_from = None;
            // Green served direct connections without the HA failover
            // until now; blue's address is the one its name points at.
            self.close_dns(self.now);
            self.log(Event::ValidationFailed);
            let d = pod.cutover.sample(&mut self.rng.pod);
            self.log(Event::FallbackToBlue { takes: d });
            self.pod.blocked_since = Some(self.now);
            let node = &mut self.nodes[0];
            node.state = NodeState::CuttingOver;
            node.epoch += 1;
            self.touch(0);
            self.disconnect_for_cutover(0, self.now + d);
            self.refresh();
            self.set_timer(d);
            return;
        }
        if self.pod.point_release {
            // The post-update steps were the update's.
            self.step_done();
            return;
        }
        let mut until = self.now;
        if let Some(d) = &pod.post_update.agents {
            // The pod is unsupported until the admin has updated them.
            let t = d.sample(&mut self.rng.pod);
            self.log(Event::AgentsUpdateStart { takes: t });
            self.log_at(self.now + t, Event::AgentsUpdated);
            *self.m.unsupported_ms.get_or_insert(0) += t.0;
            until = until.max(self.now + t);
        }
        if let Some(d) = &pod.post_update.radius {
            let t = d.sample(&mut self.rng.pod);
            self.log(Event::RadiusPending { takes: t });
            self.log_at(self.now + t, Event::RadiusAccepted);
            self.pod.radius_until = Some(self.now + t);
            until = until.max(self.now + t);
        }
        if let Some(d) = &pod.post_update.dns {
            // Direct connections lack the HA failover from the cutover's
            // end until the admin's remap.
            let t = d.sample(&mut self.rng.pod_update);
            self.log(Event::DnsRemapPending { takes: t });
            self.log_at(self.now + t, Event::DnsRemapped);
            self.close_dns(self.now + t);
            until = until.max(self.now + t);
        }
        self.pod.post_until = until;
        self.step_done();
    }

    /// Blue serves again after a failed validation: the update is retried
    /// at the next slot ([`World::retry_update`]).
    fn back_on_blue(&mut self) {
        self.pod.falling_back = false;
        let node = &mut self.nodes[0];
        node.state = NodeState::Up;
        // Falling back from a point release leaves the update's version.
        if !self.pod.point_release {
            node.version -= 1;
        }
        node.epoch += 1;
        self.touch(0);
        self.log(Event::BlueServing);
        self.close_green(self.now);
        self.maintenance_ended();
        self.arm_crash(0);
        self.refresh();
        self.retry_update();
    }

    /// Logs a maintenance's end: admin tasks on the pod are allowed again.
    fn maintenance_ended(&mut self) {
        self.log(Event::MaintenanceEnded);
        self.close_blocked(self.now);
    }

    /// The green build failed (found at its end): blue serves on, with no
    /// disconnection, and the update is retried as after a failed
    /// validation.
    fn green_build_failed(&mut self) {
        self.pod.build_failed = false;
        self.pod.build_failures += 1;
        self.close_green(self.now);
        self.log(Event::GreenBuildFailed);
        // The slot may not have come: its notices give way to the next's.
        self.log.drop_planned(self.now, |e| {
            matches!(
                e,
                Event::Reminder | Event::RescheduleTooLate | Event::Rescheduled { .. }
            )
        });
        self.retry_update();
    }

    /// After a failed validation or green build: the update is retried at
    /// the next slot (scheduled as the first one was, after the lead time)
    /// from the green build on; after [`MAX_VALIDATION_FAILURES`] failures,
    /// builds and validations together, the procedure stops.
    fn retry_update(&mut self) {
        let (builds, validations) = (self.pod.build_failures, self.pod.validation_failures);
        if builds + validations >= MAX_VALIDATION_FAILURES {
            self.abort(if builds == 0 {
                AbortReason::ValidationFailed { times: validations }
            } else {
                AbortReason::UpdateRetriesExhausted { builds, validations }
            });
            return;
        }
        self.schedule_maintenance();
        self.again_from_build();
    }

    /// With `pod.point_release`, once blue is deleted after the update: a
    /// point release follows, maintained at the next slot as the update
    /// was (from the green build on). True when one does.
    fn point_release_follows(&mut self) -> bool {
        let p = self.sc.pod.point_release;
        if self.pod.point_release || p == 0.0 || self.rng.pod_update.random::<f64>() >= p {
            return false;
        }
        self.pod.point_release = true;
        self.log(Event::PointRelease);
        self.schedule_maintenance();
        self.again_from_build();
        true
    }

    /// Goes back to the runbook's green build (or its cutover, without
    /// one) before the current step.
    fn again_from_build(&mut self) {
        let steps = &self.exec.steps[..self.exec.idx];
        let again = steps
            .iter()
            .rposition(|s| *s == Step::BuildGreen)
            .or_else(|| steps.iter().rposition(|s| *s == Step::Cutover));
        match again {
            Some(i) => {
                self.exec.idx = i;
                self.exec.wait = Wait::None;
                self.exec.token += 1; // a pending timer of this step must not fire
                self.exec.chosen = None;
                self.exec.advance = true;
            }
            None => self.step_done(),
        }
    }

    /// Waits for the next maintenance window to open (done at once when one
    /// opens right now).
    fn wait_for_opening(&mut self) {
        let open = self.sc.calendar.next_open(self.now).unwrap_or(self.now);
        if open <= self.now {
            self.step_done();
        } else {
            let d = open.since(self.now);
            self.set_timer(d);
        }
    }

    /// Sets the wait of the current step.
    fn wait_for(&mut self, wait: super::Wait<'a>) {
        self.exec.wait = wait;
        self.exec.cursor = 0;
    }

    /// True when `done` holds for every node. Resumes at the first node not
    /// known to be done (a poll per session end or upgrade phase stays
    /// cheap on a large group), then checks them all once more, since a
    /// node done earlier may have regressed (a crash).
    fn all_done(&mut self, nodes: &[NodeId], done: impl Fn(&Self, NodeId) -> bool) -> bool {
        while self.exec.cursor < nodes.len() && done(self, nodes[self.exec.cursor]) {
            self.exec.cursor += 1;
        }
        if self.exec.cursor < nodes.len() {
            return false;
        }
        match nodes.iter().position(|n| !done(self, *n)) {
            Some(i) => {
                self.exec.cursor = i;
                false
            }
            None => true,
        }
    }

    /// Checks whether the current step's wait condition holds.
    pub(super) fn poll_step(&mut self) {
        let done = match self.exec.wait {
            Wait::None | Wait::Timer | Wait::Repair => false,
            Wait::Upgraded(nodes) => self.all_done(nodes, |w, n| !w.nodes[n].upgrade_pending && w.nodes[n].up()),
            Wait::SyncAfter(t) => self.rel.last_done_started.is_some_and(|s| s >= t),
            Wait::FullSync => self.rel.full_done_epoch == Some(self.rel.epoch) && self.rel.established.is_some(),
            Wait::Drained(nodes) => self.all_done(nodes, |w, n| w.nodes[n].sessions.is_empty()),
        };
        if done {
            self.exec.wait = Wait::None;
            self.step_done();
        }
    }

    pub(super) fn step_done(&mut self) {
        if let Some(from) = self.exec.drain_from.take() {
            self.m.drain_ms += self.now.since(from).0;
        }
        let i = self.exec.idx;
        let total = self.exec.steps.len();
        self.exec.wait = Wait::None;
        self.exec.token += 1; // a pending timer of this step must not fire
        self.exec.chosen = None;
        if self.exec.recovering {
            self.log(Event::RecoveryStepDone { index: i, total });
        } else {
            self.log(Event::StepDone { step: i });
        }
        self.exec.idx += 1;
        if self.exec.idx < total {
            // The next step begins once this call chain has unwound, in
            // [`World::advance`]: a run of zero-time steps is a loop, never
            // a recursion as deep as the runbook is long.
            self.exec.advance = true;
        } else if self.exec.recovering {
            self.defect.recovery_to = Some(self.now);
            self.end_procedure();
            self.log(Event::Recovered);
            self.log(Event::ProcedureDone);
        } else if self.defect_pending() {
            // The run goes on until the defect shows and the site is restored.
            self.close_active();
            self.exec.holding = true;
            self.exec.wait = super::Wait::None;
            self.log(Event::StepsDone);
        } else {
            self.end_procedure();
            self.log(Event::ProcedureDone);
        }
    }

    /// Begins every step that became due since the last call (see
    /// [`World::step_done`]); the event loop calls it after each event.
    pub(super) fn advance(&mut self) {
        while std::mem::take(&mut self.exec.advance) {
            if self.exec.finished.is_none() {
                self.begin_step();
            }
        }
    }

    /// Stops the procedure: the remaining steps are not carried out.
    pub(super) fn abort(&mut self, why: AbortReason) {
        if self.exec.finished.is_some() {
            return;
        }
        self.exec.aborted = true;
        self.exec.wait = Wait::None;
        self.exec.token += 1;
        self.log_abort(why);
        self.end_procedure();
    }

    /// True when the new version serves with a latent defect not found yet.
    fn defect_pending(&self) -> bool {
        self.defect.armed() && self.defect.serving_since.is_some() && !self.defect.found
    }

    /// Restores `node` to the old version from its backup: it goes down
    /// (an install under way is stopped) for `faults.rollback`.
    fn restore_begin(&mut self, node: NodeId) {
        let d = self.sc.faults.rollback.sample(&mut self.rng.defects);
        let n = &mut self.nodes[node];
        n.state = NodeState::RollingBack;
        n.upgrade_pending = false;
        n.downloading = None;
        n.epoch += 1;
        self.touch(node);
        self.log(Event::RestoreStart { node, takes: d });
        self.drop_sessions(node, DropCause::Restore, false);
        self.refresh();
        self.set_timer(d);
    }

    fn restore_end(&mut self, node: NodeId) {
        let n = &mut self.nodes[node];
        n.state = NodeState::Up;
        n.version = 1;
        n.epoch += 1;
        self.touch(node);
        self.log(Event::RestoreDone { node });
        self.arm_crash(node);
        self.refresh();
    }

    pub(super) fn end_procedure(&mut self) {
        self.close_active();
        self.exec.finished = Some(self.now);
        self.owe_final_sync();
        self.q.schedule(self.now + self.sc.cooldown, Ev::End);
    }

    /// Closes the current working interval and accounts windows and overrun.
    pub(super) fn close_active(&mut self) {
        let Some(from) = self.exec.active_from.take() else {
            return;
        };
        let to = self.now;
        let mut inside = 0;
        for occ in self.occurrences(from, to) {
            let a = occ.open.max(from);
            let b = occ.close.min(to);
            if b > a {
                inside += b.0 - a.0;
                self.exec.windows.insert(occ.open.0);
            }
        }
        self.exec.overrun += to.since(from).0 - inside;
        if from == to
            && let Some(occ) = self.occurrences(from, from + SimDuration(1)).first()
            && occ.open <= from
        {
            // A zero-length stretch inside a window still uses that window.
            self.exec.windows.insert(occ.open.0);
        }
    }
}
