//! Clients: arrivals, routing to a node, sessions, drops.

use rand::RngExt;

use super::events::{ClientKind, DropCause, Event};
use super::{Attempt, Ev, MinTree, NodeState, Role, Session, World};
use crate::model::site::NodeId;
use crate::scenario::Logoff;
use crate::time::{MS_PER_HOUR, SimDuration, SimTime};

impl World<'_> {
    /// A technician's console that cannot connect until it is redeployed
    /// (the new MSI, or the old one after a return): the wait until `ready`
    /// counts as the technician's, and the login is tried again then by a
    /// console that runs the serving `version`.
    fn wait_for_redeployed_console(&mut self, ready: SimTime, a: Attempt, version: u32) {
        self.m.technician_unavailable_ms += ready.since(self.now).0;
        self.schedule_attempt(
            ready,
            Attempt {
                locked: false,
                counted: true,
                from_version: version,
                ..a
            },
        );
    }

    /// Schedules an attempt at `at`.
    pub(super) fn schedule_attempt(&mut self, at: crate::time::SimTime, a: Attempt) {
        let i = match self.pending_free.pop() {
            Some(i) => {
                self.pending[i as usize] = a;
                i
            }
            None => {
                self.pending.push(a);
                (self.pending.len() - 1) as u32
            }
        };
        self.q.schedule(at, Ev::Attempt(i));
        self.count_clients();
    }

    /// Takes a scheduled attempt out of its slot.
    pub(super) fn take_attempt(&mut self, i: u32) -> Attempt {
        self.pending_free.push(i);
        self.pending[i as usize]
    }

    pub(super) fn schedule_next_arrival(&mut self) {
        if !self.region_arrivals.is_empty() {
            // Regions in their own time: the region whose next arrival
            // comes first (the lowest index on a tie).
            let first = (self.region_arrivals.iter().enumerate())
                .filter_map(|(i, (_, t))| t.map(|t| (t, i)))
                .min();
            if let Some((t, i)) = first {
                self.arrival_region = i as u32;
                let (p, next) = &mut self.region_arrivals[i];
                *next = p.next(&mut self.rng.arrivals);
                self.q.schedule(t.max(self.now), Ev::Arrival);
            }
            return;
        }
        if let Some(t) = self.arrivals.next(&mut self.rng.arrivals) {
            self.q.schedule(t.max(self.now), Ev::Arrival);
        }
    }

    pub(super) fn on_arrival(&mut self) {
        let wl = &self.sc.workload;
        // Every arrival draws the same numbers from the same streams in the
        // same order, whatever the strategy: common random numbers.
        let kind = if self.rng.arrivals.random::<f64>() < self.support_share {
            ClientKind::Support
        } else {
            ClientKind::Console
        };
        let region = if !self.region_arrivals.is_empty() {
            self.arrival_region
        } else if self.region_cdf.len() > 1 {
            let u: f64 = self.rng.arrivals.random();
            // The first region whose cumulative share exceeds u (a binary
            // search: the shares are cumulative, so never decreasing).
            let first = self.region_cdf.partition_point(|c| *c <= u);
            first.min(self.region_cdf.len() - 1) as u32
        } else {
            0
        };
        // A pod's session belongs to a farm, drawn where the draw of the
        // close-immediately policy always was (common random numbers hold).
        let farm = if self.sc.site.kind.upgrades_by_cutover() {
            let u: f64 = self.rng.arrivals.random();
            let farms = &self.sc.pod.farms;
            let mut acc = 0.0;
            farms
                .iter()
                .position(|f| {
                    acc += f.share;
                    u < acc
                })
                .unwrap_or(farms.len().saturating_sub(1)) as u32
        } else {
            0
        };
        let spec = match kind {
            ClientKind::Support => &wl.support,
            ClientKind::Console => &wl.console,
        };
        let work = spec.duration.sample(&mut self.rng.durations);
        let share = wl.console.msi_locked_share;
        let locked = kind == ClientKind::Console && share > 0.0 && self.rng.consoles.random::<f64>() < share;
        let dns_delay = if self.uses_dns {
            self.draw_dns_delay()
        } else {
            SimDuration::ZERO
        };
        self.schedule_next_arrival();
        self.attempt(Attempt {
            kind,
            tries: 0,
            reconnect: false,
            farm,
            region,
            from_version: 1,
            locked,
            counted: false,
            dns_delay,
            work,
        });
    }

    /// A client's DNS propagation delay: the remaining life of its cached
    /// answer (uniform over the TTL), plus, for the stale fraction of
    /// resolvers that hold answers past the TTL, a long-tailed extra.
    /// Drawn only when the runbook swings DNS: elsewhere nobody reads it.
    fn draw_dns_delay(&mut self) -> SimDuration {
        let net = &self.sc.network;
        let u: f64 = self.rng.dns.random();
        let stale: f64 = self.rng.dns.random();
        let mut d = SimDuration::from_ms_f64(u * net.dns_ttl.0 as f64);
        if stale < net.dns_stale_fraction {
            d += net.dns_stale_extra.sample(&mut self.rng.dns);
        }
        d
    }

    /// The front-door node a client with this DNS delay reaches now.
    fn route(&self, dns_delay: SimDuration) -> Option<NodeId> {
        if self.front.dns_swing && self.now < self.front.changed_at + dns_delay {
            self.front.prev
        } else {
            self.front.target
        }
    }

    /// True when traffic node `t` takes new sessions bridged by primary `p`:
    /// up, accepting in `p`'s cluster configuration, and on `p`'s version.
    pub(super) fn traffic_serves(&self, p: NodeId, t: NodeId) -> bool {
        let node = &self.nodes[t];
        node.traffic
            && node.up()
            && self.accepting.get(p).is_some_and(|cfg| cfg[t])
            && node.version == self.nodes[p].version
    }

    /// The node a new session goes to, and whether it left the client's
    /// region; `None` when the attempt fails.
    fn pick_node(&self, a: &Attempt) -> Option<(NodeId, bool)> {
        let front = self.route(a.dns_delay)?;
        let f = &self.nodes[front];
        if !f.up() || f.role == Role::Backup {
            return None;
        }
        if !self.sc.site.kind.routes_through_traffic_nodes() {
            return (!f.full()).then_some((front, false));
        }
        // A cluster: the primary bridges the session to the least-loaded
        // serving traffic node of the client's region, else of any region
        // (ties to the first node). The tree of the front's appliance holds
        // exactly those nodes, keyed by (sessions, node).
        let home = a.region as usize;
        if self.eligible.is_empty() {
            return self.pick_by_scan(front, home);
        }
        let tree = self.eligible.get(front)?;
        let range = self.region_nodes.get(home).cloned().unwrap_or(0..0);
        let node_of = |key: u64| (key != MinTree::EMPTY).then_some((key & u64::from(u32::MAX)) as NodeId);
        let picked = match node_of(tree.min(range.clone())) {
            Some(t) => Some((t, false)),
            None => {
                let elsewhere = tree.min(0..range.start).min(tree.min(range.end..self.nodes.len()));
                node_of(elsewhere).map(|t| (t, true))
            }
        };
        debug_assert!(
            self.nodes.len() > 512 || picked == self.pick_by_scan(front, home),
            "the eligible tree is out of date"
        );
        picked
    }

    /// [`World::pick_node`] for a cluster by a scan (small clusters; and
    /// the check of the trees in debug builds): the least-loaded serving
    /// node of the region, else of any region.
    fn pick_by_scan(&self, front: NodeId, home: usize) -> Option<(NodeId, bool)> {
        let least = |nodes: std::ops::Range<usize>| -> Option<(usize, NodeId)> {
            nodes
                .filter(|t| self.traffic_serves(front, *t) && !self.nodes[*t].full())
                .map(|t| (self.nodes[t].sessions.len(), t))
                .min()
        };
        if let Some((_, t)) = self.region_nodes.get(home).and_then(|r| least(r.clone())) {
            return Some((t, false));
        }
        let others = self.region_nodes.iter().enumerate().filter(|(r, _)| *r != home);
        others
            .filter_map(|(_, range)| least(range.clone()))
            .min()
            .map(|(_, t)| (t, true))
    }

    pub(super) fn attempt(&mut self, a: Attempt) {
        if a.tries == 0 && !a.counted {
            self.m.arrivals += 1;
            if a.reconnect {
                self.m.reconnects += 1;
            }
        }
        if !self.eligible.is_empty() {
            self.ensure_tree(self.route(a.dns_delay));
        }
        let picked = if self.radius_refuses() {
            // Refused by the Radius server: the attempt fails as when no
            // node takes it.
            *self.m.radius_failed_connects.get_or_insert(0) += 1;
            None
        } else {
            self.pick_node(&a)
        };
        if let Some((node, cross)) = picked {
            let mut work = a.work;
            let version = self.nodes[node].version;
            if a.kind == ClientKind::Console && !self.sc.site.kind.upgrades_by_cutover() && version > a.from_version {
                // Only a technician's first login to the new version pays:
                // a later one finds the console updated (or redeployed).
                let first = self.first_login();
                if a.locked {
                    // Deployed by MSI on a locked-down machine: it cannot
                    // connect until redeployed, `redeploy` after the site
                    // first served the new version; the redeployed console
                    // runs the new version.
                    let since = *self.new_since.get_or_insert(self.now);
                    let ready = since + self.redeploy_after;
                    if first && self.now < ready {
                        self.wait_for_redeployed_console(ready, a, version);
                        return;
                    }
                } else if first && let Some(rc) = &self.sc.workload.console.reconnect {
                    // The console updates itself at its first login to the
                    // new version before the technician can go on.
                    work += rc.client_update;
                    self.m.technician_unavailable_ms += rc.client_update.0;
                }
            } else if a.kind == ClientKind::Console
                && let Some(ready) = self.old_console_wait(a.locked, a.reconnect && a.from_version > 1, version)
            {
                // Back on the old version: a locked-down console that runs
                // the new console waits for the old MSI's redeployment,
                // counted as the first one is (`consoles.old_msi`).
                self.wait_for_redeployed_console(ready, a, version);
                return;
            }
            if cross {
                self.m.cross_region_sessions += 1;
            }
            self.start_session(node, &a, work, cross);
            return;
        }
        let wl = &self.sc.workload;
        let spec = match a.kind {
            ClientKind::Support => &wl.support,
            ClientKind::Console => &wl.console,
        };
        let (max, delay) = match (&spec.reconnect, a.reconnect) {
            (Some(rc), true) => (rc.attempts, rc.interval),
            _ => {
                let factor = spec.retry.factor.powi(a.tries.min(64) as i32);
                (
                    spec.retry.attempts,
                    SimDuration::from_ms_f64(spec.retry.backoff.0 as f64 * factor),
                )
            }
        };
        if a.tries < max {
            self.m.retries += 1;
            self.schedule_attempt(
                self.now + delay,
                Attempt {
                    tries: a.tries + 1,
                    ..a
                },
            );
        } else {
            self.m.failed_connects += 1;
            self.record_series();
            if self.opts.trace_sessions {
                self.log(Event::ConnectFailed {
                    client: a.kind,
                    tries: a.tries + 1,
                });
            }
        }
    }

    /// Whether a console login to the new version is its technician's
    /// first since the upgrade: with `left` of the `technicians` not yet
    /// logged in, a login is one of theirs with probability `left /
    /// technicians` (drawn from a stream of its own, and only while it is
    /// neither 0 nor 1).
    fn first_login(&mut self) -> bool {
        let all = self.sc.workload.console.technicians;
        let left = self.technicians_left;
        if left == 0 {
            return false;
        }
        let first = left >= all || self.rng.technicians.random_range(0..all) < left;
        if first {
            self.technicians_left -= 1;
        }
        first
    }

    /// The self-updates still due when the run ends: on a site that ends on
    /// the new version, every technician who has not logged in to it yet
    /// will update their console at their next login, whenever that is, so
    /// it counts in full; except the share whose console is locked down
    /// (`msi_locked_share`): those log in once redeployed, and pay nothing.
    /// 0 without `client_update`, on pods, and on a site back on the old
    /// version.
    pub(super) fn updates_still_due_ms(&self) -> u64 {
        let console = &self.sc.workload.console;
        let Some(rc) = &console.reconnect else { return 0 };
        let on_new = self.front.target.is_some_and(|f| self.nodes[f].version > 1);
        if self.sc.site.kind.upgrades_by_cutover() || !on_new {
            return 0;
        }
        let left = self.technicians_left;
        if console.msi_locked_share == 0.0 {
            // Exact: at most 1,000,000 technicians × ten years in ms.
            return left.saturating_mul(rc.client_update.0);
        }
        let ms = left as f64 * (1.0 - console.msi_locked_share) * rc.client_update.0 as f64;
        ms.round() as u64
    }

    /// Starts a session of client `a` on `node` (`cross`: outside the
    /// client's region).
    fn start_session(&mut self, node: NodeId, a: &Attempt, work: SimDuration, cross: bool) {
        self.m.served += 1;
        let end = self.now + work;
        let pos = self.nodes[node].sessions.len() as u32;
        let session = Session {
            epoch: 0,
            alive: true,
            kind: a.kind,
            farm: a.farm,
            locked: a.locked && self.nodes[node].version <= 1,
            node: node as u32,
            pos,
            region: a.region,
            start: self.now,
            end,
        };
        let slot = match self.free.pop() {
            Some(s) => {
                let epoch = self.sessions[s as usize].epoch.wrapping_add(1);
                self.sessions[s as usize] = Session { epoch, ..session };
                s
            }
            None => {
                self.sessions.push(session);
                (self.sessions.len() - 1) as u32
            }
        };
        self.active_now += 1;
        self.count_clients();
        self.record_series();
        self.nodes[node].sessions.push(slot);
        self.touch(node);
        self.region_session_started(a.region, cross);
        let n = &self.nodes[node];
        if let Some(cap) = n.capacity {
            let ratio = n.sessions.len() as f64 / cap as f64;
            if ratio > self.m.peak_load_ratio {
                self.m.peak_load_ratio = ratio;
            }
            if n.full() {
                // A full node may have been the last place a session could go.
                self.refresh();
            }
        }
        let epoch = self.sessions[slot as usize].epoch;
        self.q.schedule(end, Ev::SessionEnd { slot, epoch });
        if self.opts.trace_sessions {
            self.log(Event::SessionStart {
                node,
                client: a.kind,
                until: end,
            });
        }
    }

    /// Removes a live session from its node and frees its slot.
    fn remove_session(&mut self, slot: u32) -> Session {
        let s = self.sessions[slot as usize];
        let node = &mut self.nodes[s.node as usize];
        let was_full = node.full();
        let last = node.sessions.pop().expect("a live session is on its node");
        if last != slot {
            node.sessions[s.pos as usize] = last;
            self.sessions[last as usize].pos = s.pos;
        }
        // A node that once held many sessions gives the room back as they
        // end: nodes filled one after another never hold the peak of each.
        let cap = node.sessions.capacity();
        if cap > 1024 && node.sessions.len() < cap / 4 {
            node.sessions.shrink_to(cap / 2);
        }
        self.sessions[slot as usize].alive = false;
        self.free.push(slot);
        self.active_now -= 1;
        self.region_session_ended(s.region);
        self.touch(s.node as NodeId);
        self.record_series();
        if was_full {
            self.refresh();
        }
        s
    }

    pub(super) fn on_session_end(&mut self, slot: u32, epoch: u32) {
        let s = self.sessions[slot as usize];
        if !s.alive || s.epoch != epoch {
            return; // dropped earlier; its end event is stale
        }
        self.remove_session(slot);
        self.m.completed += 1;
        self.add_record(s.node as NodeId);
        if self.opts.trace_sessions {
            self.log(Event::SessionEnd {
                node: s.node as NodeId,
                client: s.kind,
            });
        }
        if self.opts.log_events && self.nodes[s.node as usize].sessions.is_empty() {
            // A draining node may just have become an offline one.
            self.log_states();
        }
        if matches!(self.exec.wait, super::Wait::Drained(_)) {
            self.poll_step();
        }
    }

    /// Every ended session leaves a record (log, recording) to sync. It
    /// lives on the primary while the relationship is established (until
    /// a sync copies it), else on the appliance where the session ended; a
    /// session on a traffic node leaves it on the acting primary.
    pub(super) fn add_record(&mut self, node: NodeId) {
        if self.sc.site.has_backup() {
            let home = match self.rel.established {
                Some((p, _)) => p,
                None if self.nodes[node].traffic => self.acting_primary(),
                None => node,
            };
            self.rel.unsynced[home.min(1)] += 1;
            let total = self.rel.unsynced[0] + self.rel.unsynced[1];
            self.m.unsynced_peak = self.m.unsynced_peak.max(total);
        }
    }

    /// Drops every session on `node`; dropped consoles try to reconnect.
    /// With `lost_work`, every dropped session also counts as lost work.
    pub(super) fn drop_sessions(&mut self, node: NodeId, cause: DropCause, lost_work: bool) {
        let slots = std::mem::take(&mut self.nodes[node].sessions);
        self.touch(node);
        let n = slots.len();
        self.active_now -= n as u64;
        self.record_series();
        let version = self.nodes[node].version;
        let by_cause = match cause {
            DropCause::DrainTimeout => &mut self.m.dropped_drain_timeout,
            DropCause::Upgrade => &mut self.m.dropped_upgrade,
            DropCause::Crash => &mut self.m.dropped_crash,
            DropCause::BecameBackup | DropCause::SharedIpMoved | DropCause::NatMoved => &mut self.m.dropped_switch,
            DropCause::Restore => &mut self.m.dropped_restore,
        };
        *by_cause += n as u64;
        for slot in slots {
            let s = self.sessions[slot as usize];
            self.sessions[slot as usize].alive = false;
            self.free.push(slot);
            self.region_session_ended(s.region);
            self.m.dropped_sessions += 1;
            if lost_work {
                self.m.lost_work_sessions += 1;
            }
            self.add_record(node);
            if s.kind == ClientKind::Console
                && let Some(rc) = &self.sc.workload.console.reconnect
            {
                let remaining = s.end.since(self.now);
                self.schedule_attempt(
                    self.now + rc.interval,
                    Attempt {
                        kind: ClientKind::Console,
                        tries: 0,
                        reconnect: true,
                        farm: s.farm,
                        // A client of a region stays one, wherever it was served.
                        region: s.region,
                        from_version: version,
                        locked: s.locked,
                        counted: false,
                        dns_delay: SimDuration::ZERO, // the console resolves afresh
                        work: remaining,
                    },
                );
            }
        }
        if n > 0 {
            self.log(Event::SessionsDropped {
                node,
                sessions: n,
                cause,
            });
        }
    }

    /// The "close disconnected sessions" policy of farm `farm` now: the
    /// farm's own, unless a `set_logoff_policy` step raised a policy that
    /// closes them sooner to its time value.
    fn logoff_policy(&self, farm: u32) -> Logoff {
        let own = self.sc.pod.farms.get(farm as usize).map_or(Logoff::Never, |f| f.logoff);
        match (own, self.logoff_override) {
            (Logoff::Immediately, Some(d)) => Logoff::After(d),
            (Logoff::After(x), Some(d)) if x < d => Logoff::After(d),
            (own, _) => own,
        }
    }

    /// When a user disconnected by a cutover that ends at `end` is back
    /// (docs/model.md §3, "Users come back when they next work"). The
    /// weekly profile is read in the workload's zone, as the arrivals are.
    /// At work when the cutover ends, with the chance of the profile's
    /// level at that hour relative to its peak (a draw, unless the hour is
    /// at the peak): back `delay` after it. Otherwise back at their next
    /// working time, day by day from the next hour on: the user works on a
    /// day with the chance of that day's busiest hour relative to the
    /// week's peak, and arrives at the first hour whose level relative to
    /// the day's busiest reaches a draw (the morning's rise is the share of
    /// the day's workers in by then); a day whose remaining hours never
    /// reach it is skipped. Then `delay` to log on. These draws come after
    /// the reconnect draws on the same stream and only when the end hour is
    /// below the peak, so a scenario whose users are always at work keeps
    /// its numbers.
    fn back_at(&mut self, end: SimTime, delay: SimDuration) -> SimTime {
        let profile = &self.sc.workload.profile;
        let at = |h: usize| profile[h % profile.len()];
        let peak = profile.iter().copied().fold(0.0, f64::max);
        let cal = &self.sc.calendar;
        if peak <= 0.0 || at(cal.hour_of_week(end)) >= peak {
            return end + delay;
        }
        if self.rng.retries.random::<f64>() < at(cal.hour_of_week(end)) / peak {
            return end + delay;
        }
        let day_peak = |d: usize| (0..24).map(|h| at(d * 24 + h)).fold(0.0, f64::max);
        let mut t = end + SimDuration(MS_PER_HOUR - cal.week_ms(end) % MS_PER_HOUR);
        let mut today = None;
        let (mut works, mut by) = (false, 0.0);
        // The busiest day comes round within a week (eight days, from
        // inside one; two weeks cover a change of the zone's offset).
        for _ in 0..15 * 24 {
            let h = cal.hour_of_week(t);
            let d = h / 24;
            let busiest = day_peak(d);
            if today != Some(d) {
                today = Some(d);
                works = self.rng.retries.random::<f64>() < busiest / peak;
                by = self.rng.retries.random::<f64>();
            }
            if works && by < at(h) / busiest {
                return t + delay;
            }
            t = t + SimDuration(MS_PER_HOUR);
        }
        t + delay
    }

    /// Cuts the sessions of a pod at a cutover: all are disconnected; each
    /// user comes back with the scenario's probability, when they next
    /// work ([`World::back_at`]). A session whose farm's policy logs it off
    /// before its user is back (at once, after the policy's time, or never
    /// back) is logged off and its work lost.
    pub(super) fn disconnect_for_cutover(&mut self, node: NodeId, cutover_end: crate::time::SimTime) {
        let slots = std::mem::take(&mut self.nodes[node].sessions);
        self.touch(node);
        let n = slots.len();
        self.active_now -= n as u64;
        self.record_series();
        let mut lost = 0;
        for slot in slots {
            let s = self.sessions[slot as usize];
            self.sessions[slot as usize].alive = false;
            self.free.push(slot);
            self.region_session_ended(s.region);
            self.m.dropped_sessions += 1;
            self.m.dropped_cutover += 1;
            self.add_record(node);
            let pod = &self.sc.pod;
            let back: f64 = self.rng.retries.random();
            let delay = pod.reconnect_delay.sample(&mut self.rng.retries);
            let returns = back < pod.reconnect_probability;
            let back_at = self.back_at(cutover_end, delay);
            let away = back_at.since(self.now);
            let logged_off = match self.logoff_policy(s.farm) {
                Logoff::Never => false,
                Logoff::Immediately => true,
                Logoff::After(limit) => !returns || away > limit,
            };
            if logged_off {
                self.m.lost_work_sessions += 1;
                lost += 1;
            }
            if returns {
                // A logged-off user starts again; a disconnected one resumes.
                let work = if logged_off {
                    s.end.since(s.start)
                } else {
                    s.end.since(self.now)
                };
                self.schedule_attempt(
                    back_at,
                    Attempt {
                        kind: s.kind,
                        tries: 0,
                        reconnect: true,
                        farm: s.farm,
                        region: 0,
                        from_version: self.nodes[node].version,
                        locked: false,
                        counted: false,
                        dns_delay: SimDuration::ZERO,
                        work,
                    },
                );
            }
        }
        self.log(Event::SessionsDisconnected {
            node,
            sessions: n,
            logged_off: lost,
        });
    }

    /// Cuts the remaining sessions of draining nodes at the drain timeout
    /// (counted in `drain_cut_sessions`).
    pub(super) fn cut_drained(&mut self, nodes: &[NodeId]) {
        for &n in nodes {
            if self.nodes[n].state == NodeState::Up {
                self.m.drain_cut_sessions += self.nodes[n].sessions.len() as u64;
                self.drop_sessions(n, DropCause::DrainTimeout, false);
            }
        }
    }
}
