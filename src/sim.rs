//! One replication: the world, its closed event enum, and the runbook executor.
//!
//! [`simulate`] builds the world from a [`Scenario`], runs the workload from
//! the start of the warm-up, starts the runbook at the first maintenance
//! window after the warm-up, and ends once the procedure has finished (plus
//! the cool-down). It does no I/O: the event log comes back as data.
//!
//! Modelling choices that the vendor documents leave open are documented in
//! the README ("Model notes"); the code comments say where they apply.

use std::collections::BTreeSet;

use rand::RngExt;

use crate::engine::EventQueue;
use crate::metrics::Metrics;
use crate::model::dist::Dist;
use crate::model::workload::ArrivalProcess;
use crate::rng::Streams;
use crate::runbook::{NodeId, Runbook, Step, SwitchMethod};
use crate::scenario::{Scenario, SiteKind};
use crate::time::{SimDuration, SimTime};

/// What to record besides the metrics.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunOptions {
    /// Keep the event log (appliances, relationship, network, runbook steps).
    pub log_events: bool,
    /// Also log every session: arrival, connect, failed connect, end (large).
    pub trace_sessions: bool,
}

/// One line of the event log.
#[derive(Clone, Debug, PartialEq)]
pub struct LogRecord {
    /// When.
    pub time: SimTime,
    /// Who: `runbook`, `site`, `failover`, an appliance name, `window`, `client`.
    pub entity: String,
    /// What happened, a snake_case word.
    pub event: &'static str,
    /// Free text.
    pub detail: String,
}

/// The result of one replication.
#[derive(Clone, Debug)]
pub struct RunOutput {
    /// The metrics.
    pub metrics: Metrics,
    /// The event log, in time order (empty unless asked for).
    pub events: Vec<LogRecord>,
}

/// Runs replication `replication` of `runbook` on `scenario` under master seed `seed`.
pub fn simulate(
    scenario: &Scenario,
    runbook: &Runbook,
    seed: u64,
    replication: u64,
    opts: RunOptions,
) -> RunOutput {
    let mut w = World::new(scenario, runbook, seed, replication, opts);
    w.run();
    w.finish()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Support,
    Console,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Base,
    Product,
    Reboot,
}

impl Phase {
    fn name(self) -> &'static str {
        match self {
            Phase::Base => "base",
            Phase::Product => "product",
            Phase::Reboot => "reboot",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NodeState {
    Serving,
    Upgrading(Phase),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Primary,
    Backup,
    Standalone,
}

struct Node {
    name: &'static str,
    state: NodeState,
    role: Role,
    version: u32,
    /// Phase durations drawn before the run, so that appliance A's upgrade
    /// takes the same time whichever strategy upgrades it (common random numbers).
    plan: [SimDuration; 3],
    /// Slots of the sessions on this node.
    sessions: Vec<u32>,
}

impl Node {
    fn accepts(&self) -> bool {
        self.state == NodeState::Serving && self.role != Role::Backup
    }
}

#[derive(Clone, Copy)]
struct Session {
    epoch: u32,
    alive: bool,
    kind: Kind,
    node: u8,
    pos: u32,
    end: SimTime,
}

#[derive(Clone, Copy, Debug)]
struct Attempt {
    kind: Kind,
    tries: u32,
    reconnect: bool,
    /// Version of the appliance a reconnecting console was dropped from.
    from_version: u32,
    /// This client's DNS propagation delay (its resolver's cache).
    dns_delay: SimDuration,
    /// How long the session lasts once connected.
    work: SimDuration,
}

#[derive(Clone, Copy, Debug)]
enum Ev {
    Arrival,
    Attempt(Attempt),
    SessionEnd { slot: u32, epoch: u32 },
    StepTimer { token: u32 },
    PhaseDone { node: u8 },
    SyncStart { epoch: u32 },
    SyncDone { epoch: u32 },
    End,
}

/// How fresh clients reach the site.
struct Front {
    target: Option<NodeId>,
    prev: Option<NodeId>,
    changed_at: SimTime,
    dns_swing: bool,
}

struct SyncJob {
    started: SimTime,
    records: u64,
    full: bool,
}

struct Relationship {
    established: Option<(NodeId, NodeId)>,
    /// Bumped at every break and establish; stale sync events carry an old one.
    epoch: u32,
    job: Option<SyncJob>,
    now_requested: bool,
    full_pending: bool,
    unsynced: u64,
    /// Start time of the last completed sync.
    last_done_started: Option<SimTime>,
    /// The epoch whose full (initial) sync has completed.
    full_done_gen: Option<u32>,
}

/// What the current step waits for after its timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Wait {
    None,
    Timer,
    Upgrade(NodeId),
    SyncAfter(SimTime),
    FullSync,
}

struct Exec {
    steps: Vec<Step>,
    idx: usize,
    /// Sub-phase of the current step.
    sub: u8,
    token: u32,
    wait: Wait,
    started: Option<SimTime>,
    finished: Option<SimTime>,
    active_from: Option<SimTime>,
    windows: BTreeSet<u64>,
    overrun: u64,
}

struct World<'a> {
    sc: &'a Scenario,
    opts: RunOptions,
    q: EventQueue<Ev>,
    now: SimTime,
    rng: Streams,
    arrivals: ArrivalProcess,
    support_share: f64,
    nodes: Vec<Node>,
    front: Front,
    rel: Relationship,
    sessions: Vec<Session>,
    free: Vec<u32>,
    exec: Exec,
    m: Metrics,
    start: SimTime,
    closing: bool,
    down_since: Option<SimTime>,
    exposure_since: Option<SimTime>,
    log: Vec<LogRecord>,
}

impl<'a> World<'a> {
    fn new(
        sc: &'a Scenario,
        runbook: &Runbook,
        seed: u64,
        replication: u64,
        opts: RunOptions,
    ) -> World<'a> {
        let mut rng = Streams::new(seed, replication);
        // The procedure starts at the first window opening after the warm-up;
        // the workload starts one warm-up earlier.
        let proc_start = sc
            .calendar
            .next_open(SimTime(sc.warmup.0))
            .unwrap_or(SimTime(sc.warmup.0));
        let start = SimTime(proc_start.0 - sc.warmup.0);
        let wl = &sc.workload;
        let total_rate = wl.support.rate_per_hour + wl.console.rate_per_hour;
        let nodes: Vec<Node> = sc
            .site
            .node_names()
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let up = &sc.upgrade;
                let base = up.base.sample(&mut rng.upgrade);
                let product = up.product.sample(&mut rng.upgrade)
                    + SimDuration::from_ms_f64(up.install_per_gb.0 as f64 * sc.site.data_gb);
                let reboot = up.reboot.sample(&mut rng.upgrade);
                Node {
                    name,
                    state: NodeState::Serving,
                    role: match (sc.site.kind, i) {
                        (SiteKind::Single, _) => Role::Standalone,
                        (SiteKind::FailoverPair, 0) => Role::Primary,
                        (SiteKind::FailoverPair, _) => Role::Backup,
                    },
                    version: 1,
                    plan: [base, product, reboot],
                    sessions: Vec::new(),
                }
            })
            .collect();
        let pair = sc.site.kind == SiteKind::FailoverPair;
        let mut w = World {
            sc,
            opts,
            q: EventQueue::with_capacity(1024),
            now: start,
            rng,
            arrivals: ArrivalProcess::new(
                total_rate,
                &wl.profile,
                sc.calendar.start_offset_ms,
                start,
            ),
            support_share: if total_rate > 0.0 {
                wl.support.rate_per_hour / total_rate
            } else {
                1.0
            },
            nodes,
            front: Front {
                target: Some(0),
                prev: None,
                changed_at: start,
                dns_swing: false,
            },
            rel: Relationship {
                established: if pair { Some((0, 1)) } else { None },
                epoch: 0,
                job: None,
                now_requested: false,
                full_pending: false,
                unsynced: 0,
                last_done_started: None,
                full_done_gen: Some(0),
            },
            sessions: Vec::new(),
            free: Vec::new(),
            exec: Exec {
                steps: runbook.steps.clone(),
                idx: 0,
                sub: 0,
                token: 0,
                wait: Wait::None,
                started: None,
                finished: None,
                active_from: None,
                windows: BTreeSet::new(),
                overrun: 0,
            },
            m: Metrics::default(),
            start,
            closing: false,
            down_since: None,
            exposure_since: None,
            log: Vec::new(),
        };
        w.m.procedure_start_ms = proc_start.0;
        w.schedule_next_arrival();
        if pair {
            // Steady state before the procedure: periodic syncs are running.
            let first = start + sc.failover.sync_interval;
            w.q.schedule(first, Ev::SyncStart { epoch: 0 });
        }
        w.exec.token += 1;
        w.exec.wait = Wait::Timer;
        w.q.schedule(
            proc_start,
            Ev::StepTimer {
                token: w.exec.token,
            },
        );
        w.exec.sub = u8::MAX; // "not started": the first timer starts step 0
        w
    }

    fn log(&mut self, entity: &str, event: &'static str, detail: impl FnOnce() -> String) {
        if self.opts.log_events {
            self.log.push(LogRecord {
                time: self.now,
                entity: entity.to_string(),
                event,
                detail: detail(),
            });
        }
    }

    fn run(&mut self) {
        while let Some((t, ev)) = self.q.pop() {
            debug_assert!(t >= self.now, "time went backwards");
            self.now = t;
            if self.closing {
                // After the end instant only pending connection attempts
                // resolve, so that every arrival is counted as served or failed.
                if let Ev::Attempt(a) = ev {
                    self.attempt(a);
                }
                continue;
            }
            match ev {
                Ev::Arrival => self.on_arrival(),
                Ev::Attempt(a) => self.attempt(a),
                Ev::SessionEnd { slot, epoch } => self.on_session_end(slot, epoch),
                Ev::StepTimer { token } => {
                    if token == self.exec.token {
                        self.on_step_timer();
                    }
                }
                Ev::PhaseDone { node } => self.on_phase_done(node as NodeId),
                Ev::SyncStart { epoch } => {
                    if epoch == self.rel.epoch
                        && self.rel.established.is_some()
                        && self.rel.job.is_none()
                    {
                        self.start_sync();
                    }
                }
                Ev::SyncDone { epoch } => {
                    if epoch == self.rel.epoch {
                        self.on_sync_done();
                    }
                }
                Ev::End => {
                    self.closing = true;
                    self.log("run", "end", String::new);
                }
            }
        }
    }

    // ----- workload -------------------------------------------------------

    fn schedule_next_arrival(&mut self) {
        if let Some(t) = self.arrivals.next(&mut self.rng.arrivals) {
            self.q.schedule(t.max(self.now), Ev::Arrival);
        }
    }

    fn on_arrival(&mut self) {
        let wl = &self.sc.workload;
        // Every arrival draws the same numbers from the same streams in the
        // same order, whatever the strategy: common random numbers.
        let kind = if self.rng.arrivals.random::<f64>() < self.support_share {
            Kind::Support
        } else {
            Kind::Console
        };
        let spec = match kind {
            Kind::Support => &wl.support,
            Kind::Console => &wl.console,
        };
        let work = spec.duration.sample(&mut self.rng.durations);
        let dns_delay = self.draw_dns_delay();
        self.schedule_next_arrival();
        self.attempt(Attempt {
            kind,
            tries: 0,
            reconnect: false,
            from_version: 0,
            dns_delay,
            work,
        });
    }

    /// A client's DNS propagation delay: the remaining life of its cached
    /// answer (uniform over the TTL), plus, for the stale fraction of
    /// resolvers that hold answers past the TTL, a long-tailed extra.
    fn draw_dns_delay(&mut self) -> SimDuration {
        let net = &self.sc.network;
        let u: f64 = self.rng.network.random();
        let stale: f64 = self.rng.network.random();
        let mut d = SimDuration::from_ms_f64(u * net.dns_ttl.0 as f64);
        if stale < net.dns_stale_fraction {
            d += net.dns_stale_extra.sample(&mut self.rng.network);
        }
        d
    }

    /// Where a client with this DNS delay connects now.
    fn route(&self, dns_delay: SimDuration) -> Option<NodeId> {
        if self.front.dns_swing && self.now < self.front.changed_at + dns_delay {
            self.front.prev
        } else {
            self.front.target
        }
    }

    fn attempt(&mut self, a: Attempt) {
        if a.tries == 0 {
            self.m.arrivals += 1;
            if a.reconnect {
                self.m.reconnects += 1;
            }
        }
        let target = self.route(a.dns_delay).filter(|n| self.nodes[*n].accepts());
        if let Some(node) = target {
            let mut work = a.work;
            if a.reconnect && self.nodes[node].version > a.from_version {
                // The console updates itself before the technician can go on.
                if let Some(rc) = &self.sc.workload.console.reconnect {
                    work += rc.client_update;
                }
            }
            self.start_session(node, a.kind, work);
            return;
        }
        let wl = &self.sc.workload;
        let spec = match a.kind {
            Kind::Support => &wl.support,
            Kind::Console => &wl.console,
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
            self.q.schedule(
                self.now + delay,
                Ev::Attempt(Attempt {
                    tries: a.tries + 1,
                    ..a
                }),
            );
        } else {
            self.m.failed_connects += 1;
            if self.opts.trace_sessions {
                self.log("client", "connect_failed", || {
                    format!("{:?} after {} tries", a.kind, a.tries + 1)
                });
            }
        }
    }

    fn start_session(&mut self, node: NodeId, kind: Kind, work: SimDuration) {
        self.m.served += 1;
        let end = self.now + work;
        let pos = self.nodes[node].sessions.len() as u32;
        let session = Session {
            epoch: 0,
            alive: true,
            kind,
            node: node as u8,
            pos,
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
        self.nodes[node].sessions.push(slot);
        let epoch = self.sessions[slot as usize].epoch;
        self.q.schedule(end, Ev::SessionEnd { slot, epoch });
        if self.opts.trace_sessions {
            let name = self.nodes[node].name;
            self.log(name, "session_start", || {
                format!("{kind:?} until {:.3}", end.as_secs_f64())
            });
        }
    }

    /// Removes a live session from its node and frees its slot.
    fn remove_session(&mut self, slot: u32) -> Session {
        let s = self.sessions[slot as usize];
        let node = &mut self.nodes[s.node as usize];
        let last = node.sessions.pop().expect("a live session is on its node");
        if last != slot {
            node.sessions[s.pos as usize] = last;
            self.sessions[last as usize].pos = s.pos;
        }
        self.sessions[slot as usize].alive = false;
        self.free.push(slot);
        s
    }

    fn on_session_end(&mut self, slot: u32, epoch: u32) {
        let s = self.sessions[slot as usize];
        if !s.alive || s.epoch != epoch {
            return; // dropped earlier; its end event is stale
        }
        self.remove_session(slot);
        self.m.completed += 1;
        self.add_record();
        if self.opts.trace_sessions {
            let name = self.nodes[s.node as usize].name;
            self.log(name, "session_end", || format!("{:?}", s.kind));
        }
    }

    /// Every ended session leaves a record (log, recording) to sync.
    fn add_record(&mut self) {
        if self.sc.site.kind == SiteKind::FailoverPair {
            self.rel.unsynced += 1;
            self.m.unsynced_peak = self.m.unsynced_peak.max(self.rel.unsynced);
        }
    }

    /// Drops every session on `node`; dropped consoles try to reconnect.
    fn drop_sessions(&mut self, node: NodeId, why: &'static str) {
        let slots = std::mem::take(&mut self.nodes[node].sessions);
        let n = slots.len();
        let version = self.nodes[node].version;
        for slot in slots {
            let s = self.sessions[slot as usize];
            self.sessions[slot as usize].alive = false;
            self.free.push(slot);
            self.m.dropped_sessions += 1;
            self.add_record();
            if s.kind == Kind::Console
                && let Some(rc) = &self.sc.workload.console.reconnect
            {
                let remaining = s.end.since(self.now);
                let dns_delay = SimDuration::ZERO; // the console resolves afresh
                self.q.schedule(
                    self.now + rc.interval,
                    Ev::Attempt(Attempt {
                        kind: Kind::Console,
                        tries: 0,
                        reconnect: true,
                        from_version: version,
                        dns_delay,
                        work: remaining,
                    }),
                );
            }
        }
        if n > 0 {
            let name = self.nodes[node].name;
            self.log(name, "sessions_dropped", || format!("{n} sessions ({why})"));
        }
    }

    // ----- site status ----------------------------------------------------

    /// Re-evaluates whether a fresh client can connect, and accounts downtime.
    fn refresh_site(&mut self) {
        let up = self.front.target.is_some_and(|n| self.nodes[n].accepts());
        match (up, self.down_since) {
            (false, None) => {
                self.down_since = Some(self.now);
                self.log("site", "down", String::new);
            }
            (true, Some(since)) => {
                self.m.downtime_ms += self.now.since(since).0;
                self.down_since = None;
                let down = self.now.since(since);
                self.log("site", "up", || format!("after {down}"));
            }
            _ => {}
        }
    }

    // ----- failover relationship ------------------------------------------

    fn start_sync(&mut self) {
        let fo = &self.sc.failover;
        let full = self.rel.full_pending;
        let records = self.rel.unsynced;
        let mut mb = records as f64 * fo.record_mb;
        if full {
            mb += self.sc.site.data_gb * 1000.0;
        }
        let overhead = fo.sync_overhead.sample(&mut self.rng.network);
        let dur = overhead + SimDuration::from_ms_f64(mb / fo.throughput_mb_s * 1000.0);
        self.rel.job = Some(SyncJob {
            started: self.now,
            records,
            full,
        });
        self.rel.now_requested = false;
        self.q.schedule(
            self.now + dur,
            Ev::SyncDone {
                epoch: self.rel.epoch,
            },
        );
        if self.opts.log_events {
            let kind = if full { "full" } else { "incremental" };
            self.log("failover", "sync_start", || {
                format!("{kind}, {records} records, {mb:.0} MB, takes {dur}")
            });
        }
    }

    fn on_sync_done(&mut self) {
        let job = self.rel.job.take().expect("a sync is running");
        self.rel.unsynced -= job.records;
        self.rel.last_done_started = Some(job.started);
        if job.full {
            self.rel.full_pending = false;
            self.rel.full_done_gen = Some(self.rel.epoch);
        }
        let left = self.rel.unsynced;
        self.log("failover", "sync_done", || {
            format!("{left} records still unsynced")
        });
        if self.rel.now_requested {
            self.start_sync();
        } else {
            self.q.schedule(
                self.now + self.sc.failover.sync_interval,
                Ev::SyncStart {
                    epoch: self.rel.epoch,
                },
            );
        }
        self.poll_step();
    }

    fn break_relationship(&mut self) {
        self.rel.established = None;
        self.rel.epoch += 1;
        self.rel.job = None; // a sync in flight is abandoned; its records stay unsynced
        self.rel.now_requested = false;
        for n in &mut self.nodes {
            n.role = Role::Standalone;
        }
        self.exposure_since = Some(self.now);
        self.log("failover", "broken", String::new);
        self.refresh_site();
    }

    fn establish(&mut self, primary: NodeId, backup: NodeId) {
        self.rel.established = Some((primary, backup));
        self.rel.epoch += 1;
        self.rel.full_pending = true;
        self.nodes[primary].role = Role::Primary;
        self.nodes[backup].role = Role::Backup;
        if let Some(since) = self.exposure_since.take() {
            self.m.exposure_ms += self.now.since(since).0;
        }
        let (p, b) = (self.nodes[primary].name, self.nodes[backup].name);
        self.log("failover", "established", || {
            format!("primary {p}, backup {b}")
        });
        // A backup does not accept connections: clients still on it (stale
        // DNS answers) lose their sessions.
        self.drop_sessions(backup, "became backup");
        self.q.schedule(
            self.now + self.sc.failover.first_sync_delay,
            Ev::SyncStart {
                epoch: self.rel.epoch,
            },
        );
        self.refresh_site();
    }

    // ----- upgrades ----------------------------------------------------------

    fn start_upgrade(&mut self, node: NodeId) {
        self.nodes[node].state = NodeState::Upgrading(Phase::Base);
        let name = self.nodes[node].name;
        self.log(name, "upgrade_start", || "base software update".into());
        self.drop_sessions(node, "upgrade");
        self.refresh_site();
        let d = self.nodes[node].plan[0];
        self.q
            .schedule(self.now + d, Ev::PhaseDone { node: node as u8 });
    }

    fn on_phase_done(&mut self, node: NodeId) {
        let name = self.nodes[node].name;
        let next = match self.nodes[node].state {
            NodeState::Upgrading(Phase::Base) => Some((Phase::Product, 1)),
            NodeState::Upgrading(Phase::Product) => Some((Phase::Reboot, 2)),
            NodeState::Upgrading(Phase::Reboot) => None,
            NodeState::Serving => return,
        };
        if let NodeState::Upgrading(done) = self.nodes[node].state {
            self.log(name, "phase_done", || done.name().to_string());
        }
        match next {
            Some((phase, i)) => {
                self.nodes[node].state = NodeState::Upgrading(phase);
                let d = self.nodes[node].plan[i];
                self.q
                    .schedule(self.now + d, Ev::PhaseDone { node: node as u8 });
            }
            None => {
                self.nodes[node].state = NodeState::Serving;
                self.nodes[node].version += 1;
                let v = self.nodes[node].version;
                self.log(name, "upgrade_done", || format!("version {v}"));
                self.refresh_site();
                self.poll_step();
            }
        }
    }

    // ----- runbook executor ------------------------------------------------

    fn set_timer(&mut self, d: SimDuration) {
        self.exec.token += 1;
        self.exec.wait = Wait::Timer;
        self.q.schedule(
            self.now + d,
            Ev::StepTimer {
                token: self.exec.token,
            },
        );
    }

    fn operator(&mut self, d: &Dist) -> SimDuration {
        d.sample(&mut self.rng.operator)
    }

    fn on_step_timer(&mut self) {
        self.exec.wait = Wait::None;
        if self.exec.sub == u8::MAX {
            self.exec.sub = 0;
            self.exec.started = Some(self.now);
            self.log("runbook", "procedure_start", String::new);
            self.begin_step();
        } else {
            self.exec.sub += 1;
            self.continue_step();
        }
    }

    /// Starts step `exec.idx`.
    fn begin_step(&mut self) {
        let i = self.exec.idx;
        let step = self.exec.steps[i].clone();
        let total = self.exec.steps.len();
        if self.opts.log_events {
            let what = step.describe(&self.sc.site);
            self.log("runbook", "step_start", || {
                format!("{}/{} {}", i + 1, total, what)
            });
        }
        // Window accounting: calendar waits pause the procedure's working time.
        if step.is_calendar_wait() {
            self.close_active();
        } else if self.exec.active_from.is_none() {
            self.exec.active_from = Some(self.now);
        }
        self.exec.sub = 0;
        self.continue_step();
    }

    /// Runs the current step's sub-phase `exec.sub`; each sub-phase either sets
    /// a wait or calls [`World::step_done`].
    fn continue_step(&mut self) {
        let step = self.exec.steps[self.exec.idx].clone();
        let sub = self.exec.sub;
        let op = self.sc.operator.clone();
        match (step, sub) {
            (Step::Backup { .. }, 0) => {
                let d = self.operator(&op.step) + self.operator(&op.backup);
                self.set_timer(d);
            }
            (Step::Verify { .. }, 0) => {
                let d = self.operator(&op.verify);
                self.set_timer(d);
            }
            (Step::Backup { .. } | Step::Verify { .. }, _) => self.step_done(),
            (Step::SyncNow, 0) => {
                let d = self.operator(&op.step);
                self.set_timer(d);
            }
            (Step::SyncNow, _) => {
                let clicked = self.now;
                if self.rel.job.is_some() {
                    self.rel.now_requested = true;
                } else {
                    self.start_sync();
                }
                self.exec.wait = Wait::SyncAfter(clicked);
                self.poll_step();
            }
            (Step::BreakFailover | Step::EstablishFailover { .. }, 0) => {
                let d = self.operator(&op.step);
                self.set_timer(d);
            }
            (Step::BreakFailover, _) => {
                self.break_relationship();
                self.step_done();
            }
            (Step::EstablishFailover { primary, backup }, _) => {
                self.establish(primary, backup);
                self.step_done();
            }
            (Step::Upgrade { .. }, 0) => {
                let d = self.operator(&op.step);
                self.set_timer(d);
            }
            (Step::Upgrade { node }, _) => {
                self.start_upgrade(node);
                self.exec.wait = Wait::Upgrade(node);
            }
            (Step::Switch { .. }, 0) => {
                let d = self.operator(&op.step);
                self.set_timer(d);
            }
            (Step::Switch { method, to }, 1) => {
                let from = self.front.target;
                match method {
                    SwitchMethod::SharedIp => {
                        // Disable the shared IP on the old appliance: its
                        // connections go with the address. The operator then
                        // enables it on the new one after the gap.
                        self.front.target = None;
                        self.front.dns_swing = false;
                        let name = from.map(|n| self.nodes[n].name).unwrap_or("-");
                        self.log("network", "shared_ip_disabled", || name.to_string());
                        if let Some(f) = from {
                            self.drop_sessions(f, "shared IP moved");
                        }
                        self.refresh_site();
                        let gap = self.sc.network.shared_ip_gap.sample(&mut self.rng.network);
                        self.set_timer(gap);
                    }
                    SwitchMethod::Dns => {
                        // Fresh resolvers follow at once; each client follows
                        // when its cached answer expires. The old appliance
                        // keeps its sessions and serves stale clients while up.
                        self.front.prev = from;
                        self.front.target = Some(to);
                        self.front.changed_at = self.now;
                        self.front.dns_swing = true;
                        let name = self.nodes[to].name;
                        self.log("network", "dns_record_changed", || format!("-> {name}"));
                        self.refresh_site();
                        // The operator waits one TTL before calling it done.
                        let ttl = self.sc.network.dns_ttl;
                        self.set_timer(ttl);
                    }
                    SwitchMethod::Nat => {
                        let d = self.sc.network.nat_delay.sample(&mut self.rng.network);
                        self.log("network", "nat_entry_edited", || {
                            format!("effective in {d}")
                        });
                        self.set_timer(d);
                    }
                }
            }
            (Step::Switch { method, to }, _) => {
                let from = self.front.target;
                match method {
                    SwitchMethod::SharedIp => {
                        self.front.target = Some(to);
                        let name = self.nodes[to].name;
                        self.log("network", "shared_ip_enabled", || name.to_string());
                    }
                    SwitchMethod::Nat => {
                        // The NAT now forwards to the new appliance: flows
                        // to the old one are cut.
                        self.front.target = Some(to);
                        self.front.dns_swing = false;
                        let name = self.nodes[to].name;
                        self.log("network", "nat_effective", || format!("-> {name}"));
                        if let Some(f) = from
                            && f != to
                        {
                            self.drop_sessions(f, "NAT moved");
                        }
                    }
                    SwitchMethod::Dns => {}
                }
                self.refresh_site();
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
            (Step::Wait { duration }, 0) => self.set_timer(duration),
            (Step::Wait { .. }, _) => self.step_done(),
            (Step::WaitSync, _) => {
                self.exec.wait = Wait::FullSync;
                self.poll_step();
            }
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

    /// Checks whether the current step's wait condition holds.
    fn poll_step(&mut self) {
        let done = match self.exec.wait {
            Wait::None | Wait::Timer => false,
            Wait::Upgrade(n) => self.nodes[n].state == NodeState::Serving,
            Wait::SyncAfter(t) => self.rel.last_done_started.is_some_and(|s| s >= t),
            Wait::FullSync => {
                self.rel.full_done_gen == Some(self.rel.epoch) && self.rel.established.is_some()
            }
        };
        if done {
            self.exec.wait = Wait::None;
            self.step_done();
        }
    }

    fn step_done(&mut self) {
        let i = self.exec.idx;
        let total = self.exec.steps.len();
        self.exec.wait = Wait::None;
        self.log("runbook", "step_done", || format!("{}/{}", i + 1, total));
        self.exec.idx += 1;
        if self.exec.idx < total {
            self.begin_step();
        } else {
            self.close_active();
            self.exec.finished = Some(self.now);
            self.log("runbook", "procedure_done", String::new);
            self.q.schedule(self.now + self.sc.cooldown, Ev::End);
            self.exec.token += 1; // no step timer may fire after the end
        }
    }

    /// Closes the current working interval and accounts windows and overrun.
    fn close_active(&mut self) {
        let Some(from) = self.exec.active_from.take() else {
            return;
        };
        let to = self.now;
        let mut inside = 0;
        for occ in self.sc.calendar.occurrences(from, to) {
            let a = occ.open.max(from);
            let b = occ.close.min(to);
            if b > a {
                inside += b.0 - a.0;
                self.exec.windows.insert(occ.open.0);
            }
        }
        self.exec.overrun += to.since(from).0 - inside;
        if from == to && self.sc.calendar.in_window(from) {
            // A zero-length stretch inside a window still uses that window.
            if let Some(occ) = self.sc.calendar.current_or_next(from) {
                self.exec.windows.insert(occ.open.0);
            }
        }
    }

    fn finish(mut self) -> RunOutput {
        let end = self.now;
        // Pending attempts resolved after the end instant; the span stops at it.
        let end_instant = self
            .exec
            .finished
            .map(|f| f + self.sc.cooldown)
            .unwrap_or(end)
            .min(end.max(self.start));
        if let Some(since) = self.down_since.take() {
            self.m.downtime_ms += end_instant.since(since).0;
        }
        if let Some(since) = self.exposure_since.take() {
            self.m.exposure_ms += end_instant.since(since).0;
        }
        self.m.active_at_end = self.nodes.iter().map(|n| n.sessions.len() as u64).sum();
        self.m.span_ms = end_instant.since(self.start).0;
        if let (Some(s), Some(f)) = (self.exec.started, self.exec.finished) {
            self.m.procedure_ms = f.since(s).0;
        }
        self.m.windows_used = self.exec.windows.len() as u64;
        self.m.window_overrun_ms = self.exec.overrun;
        if self.sc.site.kind == SiteKind::FailoverPair {
            let mtbf = self.sc.faults.mtbf.0 as f64;
            self.m.exposure_risk = 1.0 - (-(self.m.exposure_ms as f64) / mtbf).exp();
        }
        let mut events = std::mem::take(&mut self.log);
        if self.opts.log_events {
            let from = self.start;
            for occ in self.sc.calendar.occurrences(from, end_instant) {
                for (t, ev) in [(occ.open, "open"), (occ.close, "close")] {
                    if t >= from && t <= end_instant {
                        events.push(LogRecord {
                            time: t,
                            entity: "window".into(),
                            event: ev,
                            detail: String::new(),
                        });
                    }
                }
            }
            // Stable: same-time records keep the order they happened in.
            events.sort_by_key(|r| r.time);
        }
        RunOutput {
            metrics: self.m,
            events,
        }
    }
}
