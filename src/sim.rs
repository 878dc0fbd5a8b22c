//! One replication: the world, its closed event enum, and the runbook executor.
//!
//! [`simulate`] builds the world from a [`Scenario`], runs the workload from
//! the start of the warm-up, starts the runbook at the first maintenance
//! window after the warm-up (pods: right after the warm-up; the service
//! schedules its own slot), and ends once the procedure has finished (plus
//! the cool-down; with a latent defect of the new version not found yet,
//! once it is found and the site restored). It does no I/O: the event log comes back as data, a
//! typed [`events::EventLog`] (what happened as a closed enum with typed
//! payloads; `events.csv` is its rendering).
//!
//! The world is split by concern, each an `impl World` block of its own:
//! `clients` (arrivals, routing, sessions), `failover` (the relationship,
//! syncs, crashes and takeovers), `exec` (the runbook executor), `defects`
//! (latent defects of the new version and the recovery). Modelling
//! choices that the vendor documents leave open are in `docs/model.md` §3;
//! comments say where they apply.

mod clients;
mod consoles;
mod defects;
mod download;
mod ending;
pub mod events;
mod exec;
mod failover;
mod inject;
mod integrations;
mod jump;
mod mintree;
mod regions;
mod roles;

use rand::RngExt;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};

use self::events::{AbortReason, ClientKind, Event, EventLog, NodeStatus, Phase, Record};
use self::mintree::MinTree;
pub use self::regions::RegionFigures;
use crate::engine::EventQueue;
use crate::metrics::Metrics;
use crate::model::calendar::Occurrence;
use crate::model::site::{NodeClass, NodeId, SwitchMethod};
use crate::model::workload::ArrivalProcess;
use crate::rng::Streams;
use crate::runbook::{RoleStep, Runbook, Step};
use crate::scenario::Scenario;
use crate::time::{SimDuration, SimTime};

/// What to record besides the metrics.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunOptions {
    /// Keep the event log (nodes, relationship, network, runbook steps).
    pub log_events: bool,
    /// Also log every session: start, end, failed connect (large).
    pub trace_sessions: bool,
}

/// Active sessions and failed connects over time (for the timeline).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeriesPoint {
    /// Start of the point's stretch.
    pub time: SimTime,
    /// Most sessions active at once during the stretch.
    pub active: u64,
    /// Fewest sessions active at once during the stretch.
    pub low: u64,
    /// Sessions active at the end of the stretch.
    pub last: u64,
    /// Failed connects so far, at the end of the stretch.
    pub failed: u64,
}

/// How long after its start a procedure may run before it is aborted: every
/// run is bounded, whatever the scenario's durations add up to.
pub const HORIZON: SimDuration = SimDuration::from_hours(366 * 24);

/// Most events one replication handles (arrivals, session ends, timers,
/// syncs, crashes...): past it the procedure is aborted, with the reason in
/// the event log, and the replication stops (about 25 s of work on one
/// core, release build). No sensible scenario comes near it.
pub const MAX_EVENTS: u64 = 200_000_000;

/// Most clients one replication holds at once: sessions open plus
/// connection attempts waiting to retry or reconnect (about 100 bytes
/// each). Past it the procedure is aborted and the replication stops.
pub const MAX_CLIENTS: u64 = 500_000;

/// Most events waiting in the queue at once (about 50 bytes each at
/// worst). Beyond the clients, a dropped session's end stays queued until
/// the instant it would have ended: sessions of years dropped again and
/// again pile up. Past it the procedure is aborted and the replication stops.
pub const MAX_QUEUED_EVENTS: u64 = 1_000_000;

/// Most records the event log keeps. Past it one `log_truncated` record
/// says so and the run goes on without logging: the metrics never depend
/// on whether the log was kept.
pub const MAX_LOG_RECORDS: usize = 500_000;

/// Events between two looks at the stop flag of [`simulate_bounded`].
pub const STOP_POLL_EVENTS: u64 = 1 << 16;

/// Shortest stretch a series point covers: one millisecond, so that every
/// change of the active sessions or failed connects is a point of its own
/// (a drop right after an arrival stays visible).
pub const SERIES_STEP: SimDuration = SimDuration(1);

/// Most points the series keeps: past it, neighbouring points are merged
/// two by two (each keeping the most and fewest sessions of both, so the
/// envelope stays exact) and the stretch grows (a coarser series of a long
/// run).
pub const MAX_SERIES_POINTS: usize = 100_000;

/// Clusters of at most this many nodes find the least-loaded traffic node
/// by a scan, faster than keeping trees at that size; larger ones keep a
/// [`MinTree`] per appliance, so that the work per session does not grow
/// with the cluster. (Debug builds keep the trees at every size and check
/// them against the scan.)
const SCAN_MAX_NODES: usize = 64;

/// The run-time budgets of one replication; [`Limits::DEFAULT`] holds the
/// documented constants. Smaller ones are for tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Events handled ([`MAX_EVENTS`]).
    pub events: u64,
    /// Clients held at once ([`MAX_CLIENTS`]).
    pub clients: u64,
    /// Events waiting in the queue at once ([`MAX_QUEUED_EVENTS`]).
    pub queued: u64,
    /// Event-log records kept ([`MAX_LOG_RECORDS`]).
    pub log_records: usize,
}

impl Limits {
    /// The documented limits.
    pub const DEFAULT: Limits = Limits {
        events: MAX_EVENTS,
        clients: MAX_CLIENTS,
        queued: MAX_QUEUED_EVENTS,
        log_records: MAX_LOG_RECORDS,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// The result of one replication.
#[derive(Clone, Debug)]
pub struct RunOutput {
    /// The metrics.
    pub metrics: Metrics,
    /// The event log, in time order (empty unless asked for). Every node's
    /// display state changes are in it as [`Event::State`] records.
    pub events: EventLog,
    /// Active sessions and failed connects (empty unless the log was asked for).
    pub series: Vec<SeriesPoint>,
    /// When the site was down and without a working failover, as the
    /// metrics count them (always kept: a few spans a run).
    pub spans: Spans,
    /// What became of the new version: when it first served, and the
    /// latent defect found, if any.
    pub version: VersionOutcome,
    /// An Atlas cluster's figures per region, in the scenario's order of
    /// `site.regions` (empty for other sites).
    pub regions: Vec<RegionFigures>,
}

/// Spans of a run, closed at its end instant: the same time the metrics
/// `downtime_s` and `exposure_s` add up. The timeline and a fleet's
/// campaign read them from here rather than from the event log.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Spans {
    /// A client with a fresh resolver could not connect.
    pub down: Vec<(SimTime, SimTime)>,
    /// A site with a backup ran without a working failover.
    pub exposure: Vec<(SimTime, SimTime)>,
    /// An operator worked: a click, a backup's download, a verification,
    /// each as long as drawn (even when a recovery or an abort cuts its
    /// step short). Their lengths add up to `operator_hours`; the spans of
    /// operators working at once overlap, and one operator's back-to-back
    /// work is one span.
    pub operator: Vec<(SimTime, SimTime)>,
}

/// The new version in one run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VersionOutcome {
    /// When the site first served the new version (its front door pointed
    /// at an up appliance on it).
    pub serving_from: Option<SimTime>,
    /// When a latent defect was found (a fall-back or an escape began).
    pub defect_found_at: Option<SimTime>,
    /// The defect found was the version's (given by [`VersionDefect`]), not
    /// the site's own (`faults.latent_defect`).
    pub found_version_defect: bool,
    /// The site ended on the old version after a recovery from the defect.
    pub recovered: bool,
}

/// The new version's own defect, shared by every site of a fleet that
/// installs it (docs/model.md §7): this site shows it `shows_after` after
/// it first serves the new version, unless it is known sooner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VersionDefect {
    /// The site's own time to show the defect once serving the new version.
    pub shows_after: SimDuration,
    /// The instant (run time) the defect became known elsewhere: from then
    /// on, the site treats it as found as soon as it serves the new version.
    pub known_at: Option<SimTime>,
}

/// Runs replication `replication` of `runbook` on `scenario` under master
/// seed `seed`, within the documented [`Limits`].
pub fn simulate(scenario: &Scenario, runbook: &Runbook, seed: u64, replication: u64, opts: RunOptions) -> RunOutput {
    let never = AtomicBool::new(false);
    simulate_bounded(scenario, runbook, seed, replication, opts, &Limits::DEFAULT, &never)
        .expect("a run that is never asked to stop finishes")
}

/// [`simulate_bounded`] of a site that installs a version carrying
/// `version`'s defect (besides any defect of its own configuration from
/// `faults.latent_defect`): the earlier of the two to show is found.
pub fn simulate_carrying(
    scenario: &Scenario,
    runbook: &Runbook,
    seed: u64,
    opts: RunOptions,
    limits: &Limits,
    stop: &AtomicBool,
    version: Option<VersionDefect>,
) -> Option<RunOutput> {
    // The campaign placed the site after its preparation: its run does
    // not wait for it again.
    let mut w = World::new(scenario, runbook, seed, 0, opts, *limits, true);
    w.defect.version = version;
    if !w.run(stop) {
        return None;
    }
    Some(w.finish())
}

/// [`simulate`] within `limits`, giving up as soon as `stop` is set: it is
/// read every [`STOP_POLL_EVENTS`] events, so a long replication stops
/// within milliseconds. `None` when stopped; a stopped replication has no
/// result, not a partial one.
pub fn simulate_bounded(
    scenario: &Scenario,
    runbook: &Runbook,
    seed: u64,
    replication: u64,
    opts: RunOptions,
    limits: &Limits,
    stop: &AtomicBool,
) -> Option<RunOutput> {
    let mut w = World::new(scenario, runbook, seed, replication, opts, *limits, false);
    if !w.run(stop) {
        return None;
    }
    Some(w.finish())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NodeState {
    Up,
    Upgrading(Phase),
    RollingBack,
    /// A failed upgrade waits for technical support (the appliance is
    /// left as it is: not restarted).
    AwaitingSupport,
    CuttingOver,
    Failed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Primary,
    Backup,
    Standalone,
    Traffic,
    Pod,
}

struct Node {
    state: NodeState,
    role: Role,
    version: u32,
    capacity: Option<u32>,
    /// Region of a traffic node.
    region: usize,
    traffic: bool,
    /// Phase durations drawn before the run, so that a node's first upgrade
    /// takes the same time whichever strategy upgrades it (common random
    /// numbers), in [`Phase`] order.
    plan: [SimDuration; 4],
    /// Upgrade attempts so far.
    attempts: u32,
    /// An upgrade was asked for and has not succeeded yet.
    upgrade_pending: bool,
    /// Since when the download before its install has run
    /// (`preparation.download`), while it runs or waits for support after
    /// a lost one.
    downloading: Option<SimTime>,
    /// Bumped whenever the node's state changes, so that stale phase,
    /// crash and repair events are ignored.
    epoch: u32,
    /// Slots of the sessions on this node.
    sessions: Vec<u32>,
}

impl Node {
    fn up(&self) -> bool {
        self.state == NodeState::Up
    }

    fn full(&self) -> bool {
        self.capacity.is_some_and(|c| self.sessions.len() as u64 >= c as u64)
    }
}

#[derive(Clone, Copy)]
struct Session {
    epoch: u32,
    alive: bool,
    kind: ClientKind,
    /// The pod farm the session belongs to (an index into `pod.farms`).
    farm: u32,
    /// A console deployed by MSI on a locked-down machine, not yet redeployed.
    locked: bool,
    node: u32,
    pos: u32,
    /// The region of the session's client (0 outside clusters).
    region: u32,
    start: SimTime,
    end: SimTime,
}

#[derive(Clone, Copy, Debug)]
struct Attempt {
    kind: ClientKind,
    tries: u32,
    reconnect: bool,
    /// The pod farm the session belongs to (an index into `pod.farms`).
    farm: u32,
    region: u32,
    /// The version a console runs: that of the node a reconnecting console
    /// was dropped from, else the old one (1): it updates itself at its
    /// first login to a newer version.
    from_version: u32,
    /// A console deployed by MSI on a locked-down machine: it cannot
    /// connect to the new version until it has been redeployed.
    locked: bool,
    /// Already counted as an arrival (a locked console that waited for its
    /// redeployment).
    counted: bool,
    /// This client's DNS propagation delay (its resolver's cache).
    dns_delay: SimDuration,
    /// How long the session lasts once connected.
    work: SimDuration,
}

#[derive(Clone, Copy, Debug)]
enum Ev {
    Arrival,
    /// A retry or reconnect; the attempt waits in `World::pending` (keeping
    /// every event small: the queue moves events around).
    Attempt(u32),
    SessionEnd {
        slot: u32,
        epoch: u32,
    },
    StepTimer {
        token: u32,
    },
    PhaseDone {
        node: u32,
        epoch: u32,
    },
    RollbackDone {
        node: u32,
        epoch: u32,
    },
    SupportDone {
        node: u32,
        epoch: u32,
    },
    /// An appliance's download before its install ends (`download`).
    DownloadDone {
        node: u32,
        epoch: u32,
    },
    /// Support has answered on a lost download: download again.
    Redownload {
        node: u32,
        epoch: u32,
    },
    SyncStart {
        epoch: u32,
    },
    SyncDone {
        epoch: u32,
    },
    Crash {
        node: u32,
        epoch: u32,
    },
    Repaired {
        node: u32,
        epoch: u32,
    },
    Takeover {
        to: u32,
        epoch: u32,
    },
    /// The latent defect of the new version is found.
    DefectFound,
    /// Injection `index` of `faults.inject` happens.
    Inject {
        index: u32,
    },
    /// The horizon cap: a procedure still running then is aborted.
    Horizon,
    End,
}

/// How fresh clients reach the site's front door (an appliance or primary).
struct Front {
    target: Option<NodeId>,
    prev: Option<NodeId>,
    changed_at: SimTime,
    dns_swing: bool,
}

struct SyncJob {
    started: SimTime,
    /// The records it copies, by the appliance that held them.
    records: [u64; 2],
    full: bool,
    /// An appliance of the pair crashed while the copy ran: it cannot
    /// complete, even if the appliance is back by the time it would have.
    interrupted: bool,
}

struct Relationship {
    /// (primary, backup) while established.
    established: Option<(NodeId, NodeId)>,
    backup_ops: bool,
    /// Bumped at every break, establish and role change; stale sync events
    /// carry an old one.
    epoch: u32,
    job: Option<SyncJob>,
    now_requested: bool,
    full_pending: bool,
    /// Records not yet on both appliances, by the appliance that holds
    /// them (`A` = 0, `B` = 1): a crash loses only the crashed one's.
    unsynced: [u64; 2],
    /// Start time of the last completed sync.
    last_done_started: Option<SimTime>,
    /// The epoch whose full (initial) sync has completed.
    full_done_epoch: Option<u32>,
}

/// What the current step waits for after its timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Wait<'a> {
    None,
    Timer,
    Upgraded(&'a [NodeId]),
    SyncAfter(SimTime),
    FullSync,
    Drained(&'a [NodeId]),
    /// A node the step needs has crashed: wait for its repair.
    Repair,
}

struct Exec<'a> {
    /// The runbook's steps, shared by every replication (never copied).
    steps: &'a [Step],
    /// The runbook's steps naming a role, by index (none in a recovery).
    roles: &'a [RoleStep],
    /// The reading of the current step when it names a role: resolved
    /// when the step starts, kept until it is done.
    chosen: Option<&'a Step>,
    idx: usize,
    /// Step `idx` is due to begin (set by `step_done`, run by `advance`).
    advance: bool,
    /// Sub-phase of the current step.
    sub: u8,
    token: u32,
    wait: Wait<'a>,
    /// Nodes of an `Upgraded` or `Drained` wait known to be done, from the
    /// first: a poll resumes there instead of checking them all again.
    cursor: usize,
    started: Option<SimTime>,
    finished: Option<SimTime>,
    aborted: bool,
    /// A failed precheck will not be fixed before its deadline.
    doomed: bool,
    /// When the current `wait_drained` step began.
    drain_from: Option<SimTime>,
    /// The steps are a recovery from a latent defect, not the runbook's.
    recovering: bool,
    /// The recovery's steps (the same as `steps` while `recovering`).
    recovery: &'static [Step],
    /// The runbook's steps are done, but a latent defect of the new
    /// version has not been found yet: the run goes on until it is and the
    /// site is restored.
    holding: bool,
    active_from: Option<SimTime>,
    windows: BTreeSet<u64>,
    overrun: u64,
    /// The pending timer lets a step held by the window rules begin.
    resume: bool,
    /// A backout under way: the appliances to restore and how many are done.
    backout: Option<(Vec<NodeId>, usize)>,
    /// Holds by the window rules (`slipped_windows`).
    slipped: u64,
    /// The pending timer lets a step that waited for an operator's shift go on.
    op_resume: bool,
    /// A group upgrade with limited operators: when each node's install
    /// starts (its operator's click done), by time, and how many have.
    plan: Option<(Vec<(SimTime, NodeId)>, usize)>,
    /// Operators' working time and steps' waits for one, ms.
    op_ms: u64,
    op_wait_ms: u64,
}

/// A latent defect of the new version (docs/model.md §1, "Latent defects").
#[derive(Default)]
struct Defect {
    /// The site's own defect (`faults.latent_defect`): found this long after
    /// the new version starts serving.
    detect: Option<SimDuration>,
    /// The version's defect, given by a fleet's campaign.
    version: Option<VersionDefect>,
    /// The defect scheduled to show is the version's.
    of_version: bool,
    /// When the site's front door first pointed at an up appliance on the
    /// new version.
    serving_since: Option<SimTime>,
    /// Sessions ended (completed or dropped) by then: their difference with
    /// the count at the fall-back is the records made since.
    ended_before: u64,
    /// It has been found.
    found: bool,
    /// The recovery's span, for `defect_downtime_s`.
    recovery_from: Option<SimTime>,
    recovery_to: Option<SimTime>,
    /// How the runbook last moved the site (a fall-back moves it back the same way).
    last_switch: Option<SwitchMethod>,
}

/// Blue-green pod state.
struct PodState {
    scheduled: Option<SimTime>,
    green_ready: Option<SimTime>,
    /// How long past its deadline the admin's fix of a failed precheck
    /// takes (zero when in time).
    late_fix: SimDuration,
    /// Since when the pod runs unsupported (a failed precheck not fixed
    /// by its deadline), while it does.
    unsupported_since: Option<SimTime>,
    /// Management locks remain on the pod's VMs (`pod.preconditions.locks`):
    /// the update fails at the slot.
    locked: bool,
    /// Since when the Radius server refuses connections through the new
    /// gateways (the cutover's end, with `pod.post_update.radius`).
    radius_from: Option<SimTime>,
    /// Until when it refuses them (set when the maintenance has ended).
    radius_until: Option<SimTime>,
    /// The pod is falling back to blue after a failed validation.
    falling_back: bool,
    /// When the post-update steps end (the procedure waits for them).
    post_until: SimTime,
    /// Green validations failed so far.
    validation_failures: u32,
    /// The green build under way fails at its end (`pod.green_build_failure`).
    build_failed: bool,
    /// Green builds failed so far.
    build_failures: u32,
    /// Since when direct connections lack the HA failover (the cutover's
    /// end, with `pod.post_update.dns`), until the remap is planned.
    dns_from: Option<SimTime>,
    /// The maintenance under way is a point release's (`pod.point_release`).
    point_release: bool,
    /// Since when a green set runs beside blue (its build's start).
    green_since: Option<SimTime>,
    /// Since when admin tasks are refused (a maintenance's start).
    blocked_since: Option<SimTime>,
}

struct World<'a> {
    sc: &'a Scenario,
    opts: RunOptions,
    limits: Limits,
    /// Events handled so far.
    events: u64,
    /// More clients are held, or more events queued, than the budget allows.
    over_clients: bool,
    /// When the event log reached its budget and stopped.
    log_full_at: Option<SimTime>,
    /// The stretch one series point covers (doubles when the series is full).
    series_step: SimDuration,
    q: EventQueue<Ev>,
    now: SimTime,
    rng: Streams,
    arrivals: ArrivalProcess,
    /// Atlas regions in their own time zones: one arrival process per
    /// region (its share of the rate, its local profile) and its next
    /// arrival; empty otherwise (one process for the site, regions drawn).
    region_arrivals: Vec<(ArrivalProcess, Option<SimTime>)>,
    /// The region of the arrival scheduled next (with `region_arrivals`).
    arrival_region: u32,
    support_share: f64,
    /// Cumulative region shares, for drawing a client's region.
    region_cdf: Vec<f64>,
    /// The traffic nodes of each region (contiguous in the node list).
    region_nodes: Vec<std::ops::Range<usize>>,
    /// A cluster's figures per region as the run goes (empty elsewhere),
    /// whether each traffic node accepts as they last counted it, and
    /// against which appliance.
    regions: Vec<regions::RegionState>,
    region_serving: Vec<bool>,
    against: regions::Against,
    nodes: Vec<Node>,
    /// Cluster configuration of each appliance: `accepting[appliance][node]`
    /// says whether that appliance, as acting primary, lets traffic node
    /// `node` accept new client connections.
    accepting: Vec<Vec<bool>>,
    distributed: bool,
    front: Front,
    rel: Relationship,
    pod: PodState,
    defect: Defect,
    sessions: Vec<Session>,
    free: Vec<u32>,
    /// Attempts scheduled for later (retries, reconnects), and free slots.
    pending: Vec<Attempt>,
    pending_free: Vec<u32>,
    exec: Exec<'a>,
    m: Metrics,
    start: SimTime,
    /// The run has ended: only pending connection attempts resolve.
    closing: bool,
    /// The end instant came with the site not whole: the run goes on
    /// until it is (`ending`).
    settling: bool,
    /// When the run ended.
    ended_at: Option<SimTime>,
    /// Records on one appliance only when the procedure ended, by
    /// appliance, until a sync copies them (`ending`).
    owed: Option<[u64; 2]>,
    /// The faults of `faults.inject` (`inject`).
    inject: inject::Injections,
    down_since: Option<SimTime>,
    exposure_since: Option<SimTime>,
    /// Closed down and exposure spans (see [`Spans`]).
    spans: Spans,
    /// Since when the appliance serving the site has been up without a
    /// working failover (the time `exposure_risk` is computed from).
    at_risk_since: Option<SimTime>,
    /// Time at risk so far, ms.
    at_risk_ms: u64,
    /// The "close disconnected sessions" time value a `set_logoff_policy`
    /// step put in force, if any.
    logoff_override: Option<SimDuration>,
    /// When the site first served the new version (a fresh client could
    /// connect to it).
    new_since: Option<SimTime>,
    /// How long after that the locked-down consoles are redeployed
    /// (drawn before the run when there are any).
    redeploy_after: SimDuration,
    /// The preparation, when there is one to log: its start and its
    /// lengths.
    prepared: Option<(SimTime, crate::scenario::prep::Prepared)>,
    /// Technicians whose console has not logged in to the new version yet
    /// (docs/model.md, "Consoles after the upgrade").
    technicians_left: u64,
    /// The site served the old version again after the new one (looked at
    /// with `consoles.old_msi` only; `consoles`).
    returned: bool,
    /// When the old console is redeployed on the locked-down machines
    /// after that return, when they need it.
    old_console_at: Option<SimTime>,
    /// Technicians who have not logged in since the return.
    technicians_back: u64,
    /// The DNS and NAT swings, for the integrations configured by IP.
    swings: Vec<integrations::Swing>,
    log: EventLog,
    /// Last logged display state of each node.
    shown: Vec<Option<NodeStatus>>,
    series: Vec<SeriesPoint>,
    active_now: u64,
    /// The runbook swings DNS: clients draw their resolvers' delays.
    uses_dns: bool,
    /// Clusters: per appliance `p`, the traffic nodes that take new
    /// sessions through it (serving and not full), keyed by (sessions,
    /// node): the least-loaded one and whether any exists, without a scan.
    /// A tree is kept up to date from the first time it is asked (`live`):
    /// a backup primary's costs nothing until clients reach it.
    eligible: Vec<MinTree>,
    live: Vec<bool>,
    /// Index of the first traffic node (the appliances come first).
    first_traffic: usize,
    /// Nodes whose display state may have changed since the last
    /// `log_states`, each once (`is_dirty`); `all_dirty` for every node.
    dirty: Vec<u32>,
    is_dirty: Vec<bool>,
    all_dirty: bool,
    /// The acting primary at the last `log_states`.
    shown_p: Option<NodeId>,
}

/// Draws the phase durations of one upgrade of a node of class `class`, in
/// [`Phase`] order. The per-GB install time and the backup download are for
/// appliances, which hold the site's data; traffic nodes store none.
fn draw_plan(sc: &Scenario, class: &NodeClass, rng: &mut rand_chacha::ChaCha8Rng) -> [SimDuration; 4] {
    let up = &sc.upgrade;
    let appliance = *class == NodeClass::Appliance;
    let base = up.base.sample(rng);
    let mut product = up.product.sample(rng);
    if appliance {
        product += SimDuration::from_ms_f64(up.install_per_gb.0 as f64 * sc.site.data_gb);
    }
    let reboot = up.reboot.sample(rng);
    let backup = if appliance {
        sc.operator.backup.sample(rng)
    } else {
        SimDuration::ZERO
    };
    [base, reboot, backup, product]
}

impl<'a> World<'a> {
    fn new(
        sc: &'a Scenario,
        runbook: &'a Runbook,
        seed: u64,
        replication: u64,
        opts: RunOptions,
        limits: Limits,
        placed: bool,
    ) -> World<'a> {
        let mut rng = Streams::new(seed, replication);
        // The preparation (docs/model.md, "Preparation") starts at the
        // warm-up's end and holds the procedure back until it is done; a
        // fleet's campaign placed the site after its preparation already
        // (its mean length), so the site's run does not wait again.
        let prep = &sc.preparation;
        let prepared = if prep.is_set() && !placed {
            prep.draw(&mut crate::rng::preparation_stream(seed, replication))
        } else {
            crate::scenario::prep::Prepared::default()
        };
        let ready = SimTime(sc.warmup.0) + prepared.total();
        // The procedure starts at the first window opening after the warm-up
        // and the preparation (a pod's service starts at once and schedules
        // its own slot); the workload starts one warm-up earlier.
        let proc_start = if sc.site.kind.scheduled_by_service() {
            ready
        } else {
            sc.calendar.next_open(ready).unwrap_or(ready)
        };
        let start = SimTime(proc_start.0 - sc.warmup.0);
        let wl = &sc.workload;
        let total_rate = wl.support.rate_per_hour + wl.console.rate_per_hour;
        let has_backup = sc.site.has_backup();
        let nodes: Vec<Node> = sc
            .site
            .nodes
            .iter()
            .enumerate()
            .map(|(i, info)| {
                let plan = draw_plan(sc, &info.class, &mut rng.upgrade);
                let (role, traffic, region) = match info.class {
                    NodeClass::Traffic { region, .. } => (Role::Traffic, true, region),
                    NodeClass::Pod => (Role::Pod, false, 0),
                    NodeClass::Appliance if has_backup => (if i == 0 { Role::Primary } else { Role::Backup }, false, 0),
                    NodeClass::Appliance => (Role::Standalone, false, 0),
                };
                Node {
                    state: NodeState::Up,
                    role,
                    version: 1,
                    capacity: info.capacity,
                    region,
                    traffic,
                    plan,
                    attempts: 0,
                    upgrade_pending: false,
                    downloading: None,
                    epoch: 0,
                    sessions: Vec::new(),
                }
            })
            .collect();
        let mut nodes = nodes;
        if sc.upgrade.same_on_both
            && nodes.len() > 1
            && sc.site.nodes[..2].iter().all(|n| n.class == NodeClass::Appliance)
        {
            // One draw for both appliances (every node drew its own first,
            // so the traffic nodes' draws do not depend on this setting).
            nodes[1].plan = nodes[0].plan;
        }
        let appliances = nodes
            .iter()
            .filter(|n| matches!(n.role, Role::Primary | Role::Backup | Role::Standalone))
            .count();
        let accepting = vec![nodes.iter().map(|n| n.traffic).collect::<Vec<bool>>(); appliances.max(1)];
        let mut region_cdf = Vec::new();
        let mut acc = 0.0;
        for r in &sc.site.regions {
            acc += r.share;
            region_cdf.push(acc);
        }
        // Each region's traffic nodes are contiguous in the node list: one pass.
        let mut region_nodes: Vec<std::ops::Range<usize>> = vec![0..0; sc.site.regions.len()];
        for (i, n) in nodes.iter().enumerate() {
            if n.traffic {
                let r = &mut region_nodes[n.region];
                *r = if r.start == r.end { i..i + 1 } else { r.start..i + 1 };
            }
        }
        let first_traffic = nodes.iter().position(|n| n.traffic).unwrap_or(nodes.len());
        let trees =
            sc.site.kind.routes_through_traffic_nodes() && (cfg!(debug_assertions) || nodes.len() > SCAN_MAX_NODES);
        let eligible = if trees {
            vec![MinTree::new(nodes.len()); accepting.len()]
        } else {
            Vec::new()
        };
        let node_count = nodes.len();
        let mut arrivals = ArrivalProcess::new(total_rate, &wl.profile, sc.calendar.start_offset_ms, start);
        if wl.deterministic {
            arrivals = arrivals.deterministic();
        }
        if let Some(clock) = sc.calendar.clock() {
            arrivals = arrivals.local(clock.clone());
        }
        let mut region_arrivals = Vec::new();
        if let Some(clock) = sc.calendar.clock()
            && !sc.calendar.region_clocks.is_empty()
        {
            for (r, own) in sc.site.regions.iter().zip(&sc.calendar.region_clocks) {
                let mut p = ArrivalProcess::new(total_rate * r.share, &wl.profile, 0, start)
                    .local(own.as_ref().unwrap_or(clock).clone());
                if wl.deterministic {
                    p = p.deterministic();
                }
                let next = p.next(&mut rng.arrivals);
                region_arrivals.push((p, next));
            }
        }
        let mut w = World {
            sc,
            opts,
            limits,
            events: 0,
            over_clients: false,
            log_full_at: None,
            series_step: SERIES_STEP,
            q: EventQueue::with_capacity(1024),
            now: start,
            rng,
            arrivals,
            region_arrivals,
            arrival_region: 0,
            support_share: if total_rate > 0.0 {
                wl.support.rate_per_hour / total_rate
            } else {
                1.0
            },
            region_cdf,
            regions: if sc.site.kind.routes_through_traffic_nodes() {
                vec![regions::RegionState::default(); region_nodes.len()]
            } else {
                Vec::new()
            },
            region_serving: vec![false; node_count],
            against: regions::Against::default(),
            region_nodes,
            nodes,
            accepting,
            distributed: false,
            front: Front {
                target: Some(0),
                prev: None,
                changed_at: start,
                dns_swing: false,
            },
            rel: Relationship {
                established: if has_backup { Some((0, 1)) } else { None },
                backup_ops: true,
                epoch: 0,
                job: None,
                now_requested: false,
                full_pending: false,
                unsynced: [0; 2],
                last_done_started: None,
                full_done_epoch: Some(0),
            },
            pod: PodState {
                scheduled: None,
                green_ready: None,
                late_fix: SimDuration::ZERO,
                unsupported_since: None,
                locked: false,
                radius_from: None,
                radius_until: None,
                falling_back: false,
                post_until: SimTime(0),
                validation_failures: 0,
                build_failed: false,
                build_failures: 0,
                dns_from: None,
                point_release: false,
                green_since: None,
                blocked_since: None,
            },
            defect: Defect::default(),
            sessions: Vec::new(),
            free: Vec::new(),
            pending: Vec::new(),
            pending_free: Vec::new(),
            exec: Exec {
                steps: &runbook.steps,
                roles: &runbook.roles,
                chosen: None,
                idx: 0,
                advance: false,
                sub: u8::MAX, // "not started": the first timer starts step 0
                token: 0,
                wait: Wait::None,
                cursor: 0,
                started: None,
                finished: None,
                aborted: false,
                doomed: false,
                drain_from: None,
                recovering: false,
                recovery: &[],
                holding: false,
                active_from: None,
                windows: BTreeSet::new(),
                overrun: 0,
                resume: false,
                backout: None,
                slipped: 0,
                op_resume: false,
                plan: None,
                op_ms: 0,
                op_wait_ms: 0,
            },
            m: Metrics::default(),
            start,
            closing: false,
            settling: false,
            ended_at: None,
            owed: None,
            inject: inject::Injections::new(sc.faults.inject.len(), node_count),
            down_since: None,
            exposure_since: None,
            spans: Spans::default(),
            at_risk_since: None,
            at_risk_ms: 0,
            logoff_override: None,
            new_since: None,
            redeploy_after: SimDuration::ZERO,
            prepared: None,
            technicians_left: sc.workload.console.technicians,
            returned: false,
            old_console_at: None,
            technicians_back: 0,
            swings: Vec::new(),
            log: if opts.log_events {
                EventLog::new(
                    sc.site.nodes.iter().map(|n| n.name.clone()).collect(),
                    runbook.steps.clone(),
                )
                .with_freezes(sc.calendar.freeze_reasons())
                .with_local_time(sc.calendar.local_time())
            } else {
                EventLog::default()
            },
            shown: Vec::new(),
            series: Vec::new(),
            active_now: 0,
            uses_dns: runbook.switches_by(SwitchMethod::Dns),
            live: vec![false; eligible.len()],
            eligible,
            first_traffic,
            dirty: Vec::new(),
            is_dirty: vec![false; node_count],
            all_dirty: true,
            shown_p: None,
        };

        w.m.procedure_start_ms = proc_start.0;
        if prep.is_set() {
            w.m.preparation_ms = if placed { prep.mean().0 } else { prepared.total().0 };
            if !placed {
                w.prepared = Some((SimTime(sc.warmup.0), prepared));
            }
        }
        if sc.workload.console.msi_locked_share > 0.0 {
            w.redeploy_after = sc.workload.console.redeploy.sample(&mut w.rng.consoles);
            if sc.consoles.prestage_msi {
                // Pre-staged: the MSI of the new console was downloaded
                // before the server upgrade and deployed with it (drawn all
                // the same, so that the stream does not move).
                w.redeploy_after = SimDuration::ZERO;
            }
        }
        // Drawn once per replication from a stream of its own, and only when
        // a defect is possible: without one nothing is drawn. A rehearsal
        // catches its share first (docs/model.md, "Preparation").
        let p = sc.preparation.residual(sc.faults.latent_defect);
        if p > 0.0 && w.rng.defects.random::<f64>() < p {
            w.defect.detect = Some(sc.faults.defect_detect.sample(&mut w.rng.defects));
        }
        w.schedule_next_arrival();
        if has_backup {
            // Steady state before the procedure: periodic syncs are running.
            let first = start + sc.failover.sync_interval;
            w.q.schedule(first, Ev::SyncStart { epoch: 0 });
        }
        for n in 0..w.nodes.len() {
            w.arm_crash(n);
        }
        w.exec.token += 1;
        w.exec.wait = Wait::Timer;
        w.q.schedule(proc_start, Ev::StepTimer { token: w.exec.token });
        w.q.schedule(proc_start + HORIZON, Ev::Horizon);
        w.regions_reread();
        w.log_states();
        w
    }

    /// The state a node shows on the timeline.
    fn display_state(&self, n: NodeId) -> NodeStatus {
        let node = &self.nodes[n];
        match node.state {
            NodeState::Upgrading(_) | NodeState::CuttingOver => NodeStatus::Upgrading,
            NodeState::AwaitingSupport => NodeStatus::AwaitingSupport,
            NodeState::RollingBack => NodeStatus::RollingBack,
            NodeState::Failed => NodeStatus::Failed,
            NodeState::Up if node.traffic => {
                let p = self.rel.established.map(|(p, _)| p).or(self.front.target).unwrap_or(0);
                if self.accepting.get(p).is_some_and(|cfg| cfg[n]) {
                    NodeStatus::Serving
                } else if node.sessions.is_empty() {
                    NodeStatus::Offline
                } else {
                    NodeStatus::Draining
                }
            }
            NodeState::Up if node.role == Role::Backup => NodeStatus::Backup,
            NodeState::Up => NodeStatus::Serving,
        }
    }

    /// The acting primary: the relationship's primary, or the appliance the
    /// site points at.
    fn acting_primary(&self) -> NodeId {
        self.rel.established.map(|(p, _)| p).or(self.front.target).unwrap_or(0)
    }

    /// The key of traffic node `t` in appliance `p`'s tree: (sessions, node)
    /// when it takes new sessions through `p`, else empty.
    fn eligible_key(&self, p: NodeId, t: NodeId) -> u64 {
        if self.traffic_serves(p, t) && !self.nodes[t].full() {
            ((self.nodes[t].sessions.len() as u64) << 32) | t as u64
        } else {
            MinTree::EMPTY
        }
    }

    /// Call after anything about node `t` changed: its state, version or
    /// sessions, or an appliance's accepting flag for it.
    #[inline]
    fn touch(&mut self, t: NodeId) {
        self.region_touch(t);
        if self.eligible.is_empty() && !self.opts.log_events {
            return;
        }
        for p in 0..self.eligible.len() {
            if self.live[p] {
                let key = self.eligible_key(p, t);
                self.eligible[p].set(t, key);
            }
        }
        if self.opts.log_events && !self.is_dirty[t] {
            self.is_dirty[t] = true;
            self.dirty.push(t as u32);
        }
    }

    /// Call after appliance `p`'s configuration or version changed for
    /// every node (it may not be an appliance of a cluster: then only the
    /// display states are marked).
    fn rebuild(&mut self, p: NodeId) {
        if self.live.get(p) == Some(&true) {
            self.fill_tree(p);
        }
        self.regions_reread();
        self.all_dirty = true;
    }

    fn fill_tree(&mut self, p: NodeId) {
        let mut tree = std::mem::replace(&mut self.eligible[p], MinTree::new(0));
        tree.fill((0..self.nodes.len()).map(|t| self.eligible_key(p, t)));
        self.eligible[p] = tree;
    }

    /// Brings appliance `p`'s tree up to date before it is asked, and keeps
    /// it so from then on.
    fn ensure_tree(&mut self, p: Option<NodeId>) {
        if let Some(p) = p
            && self.live.get(p) == Some(&false)
        {
            self.fill_tree(p);
            self.live[p] = true;
        }
    }

    /// Logs the display states that changed since the last call. Only the
    /// nodes marked by [`World::touch`] are looked at (and the appliances,
    /// and all after a change of acting primary), in node order.
    fn log_states(&mut self) {
        if !self.opts.log_events || self.log_full_at.is_some() {
            return;
        }
        let n = self.nodes.len();
        if self.shown.len() != n {
            self.shown = vec![None; n];
            self.all_dirty = true;
        }
        let p = self.acting_primary();
        if self.shown_p != Some(p) {
            self.shown_p = Some(p);
            self.all_dirty = true;
        }
        let mut dirty = std::mem::take(&mut self.dirty);
        for &t in &dirty {
            self.is_dirty[t as usize] = false;
        }
        if std::mem::take(&mut self.all_dirty) {
            for i in 0..n {
                self.show_state(i);
            }
        } else {
            for i in 0..self.first_traffic.min(n) {
                self.show_state(i);
            }
            dirty.sort_unstable();
            let first = self.first_traffic;
            for &t in dirty.iter().filter(|t| **t as usize >= first) {
                self.show_state(t as usize);
            }
        }
        dirty.clear();
        self.dirty = dirty;
        #[cfg(debug_assertions)]
        if n <= 512 && self.log_full_at.is_none() {
            for i in 0..n {
                debug_assert_eq!(
                    self.shown[i],
                    Some(self.display_state(i)),
                    "node {i}: a change was not marked"
                );
            }
        }
    }

    /// Logs node `i`'s display state when it changed.
    fn show_state(&mut self, i: NodeId) {
        let state = self.display_state(i);
        if self.shown[i] != Some(state) {
            self.shown[i] = Some(state);
            self.log(Event::State { node: i, state });
        }
    }

    /// Records the active-session count and failed connects for the timeline:
    /// every change, as a point of its own while the series has room; a
    /// point covering a longer stretch keeps the most, the fewest and the
    /// last count of it.
    fn record_series(&mut self) {
        if !self.opts.log_events {
            return;
        }
        let (now, active, failed) = (self.now, self.active_now, self.m.failed_connects);
        match self.series.last_mut() {
            Some(p) if now.since(p.time) < self.series_step => {
                p.active = p.active.max(active);
                p.low = p.low.min(active);
                p.last = active;
                p.failed = failed;
            }
            Some(p) if p.last == active && p.failed == failed => {}
            _ => {
                if self.series.len() >= MAX_SERIES_POINTS {
                    self.coarsen_series();
                }
                self.series.push(SeriesPoint {
                    time: now,
                    active,
                    low: active,
                    last: active,
                    failed,
                });
            }
        }
    }

    /// Merges the series' points two by two and lengthens the stretch a new
    /// point covers: at least double, and at least the series' span over
    /// half its room, so that the series fills again no faster than it did.
    fn coarsen_series(&mut self) {
        let merged: Vec<SeriesPoint> = self
            .series
            .chunks(2)
            .map(|pair| SeriesPoint {
                time: pair[0].time,
                active: pair.iter().map(|p| p.active).max().unwrap_or(0),
                low: pair.iter().map(|p| p.low).min().unwrap_or(0),
                last: pair[pair.len() - 1].last,
                failed: pair[pair.len() - 1].failed,
            })
            .collect();
        let span = match (merged.first(), merged.last()) {
            (Some(a), Some(b)) => b.time.0 - a.time.0,
            _ => 0,
        };
        self.series = merged;
        self.series_step = SimDuration(
            self.series_step
                .0
                .saturating_mul(2)
                .max(span / (MAX_SERIES_POINTS as u64 / 2)),
        );
    }

    /// True when a record may go into the event log: logging is on and the
    /// log is within its budget. The first record refused is replaced by
    /// one that says the log stops there.
    fn keep_log(&mut self) -> bool {
        if !self.opts.log_events || self.log_full_at.is_some() {
            return false;
        }
        if self.log.len() < self.limits.log_records {
            return true;
        }
        self.log_full_at = Some(self.now);
        self.log.push(Record {
            time: self.now,
            event: Event::LogTruncated {
                limit: self.limits.log_records,
            },
        });
        false
    }

    /// Logs `event` now, when the log is on and within its budget. Every
    /// event is plain data: building one when the log is off costs nothing.
    #[inline]
    fn log(&mut self, event: Event) {
        if self.keep_log() {
            self.log.push(Record { time: self.now, event });
        }
    }

    /// Logs why the procedure was aborted: kept even past the log's budget,
    /// so that a truncated log still says why the run stopped.
    fn log_abort(&mut self, why: AbortReason) {
        if self.opts.log_events {
            self.log.push(Record {
                time: self.now,
                event: Event::Aborted { why },
            });
        }
    }

    /// Logs a record at a future instant (notifications planned ahead).
    fn log_at(&mut self, time: SimTime, event: Event) {
        if self.keep_log() {
            self.log.push(Record { time, event });
        }
    }

    /// Clients held now: sessions open and attempts waiting.
    fn clients(&self) -> u64 {
        self.active_now + (self.pending.len() - self.pending_free.len()) as u64
    }

    /// Call where the clients held may grow (a session starts, an attempt
    /// waits), and with them the queue: past a budget, the run stops before
    /// its next event.
    fn count_clients(&mut self) {
        if self.clients() > self.limits.clients || self.q.len() as u64 > self.limits.queued {
            self.over_clients = true;
        }
    }

    /// Ends a replication that reached a budget: the procedure is aborted
    /// (`aborted` = 1, the reason in the log, even when it had finished:
    /// the counts stop early) and nothing more is simulated. Retries in
    /// flight count as failed connects (their arrival was counted);
    /// reconnects not yet attempted never arrive.
    fn stop_early(&mut self, why: AbortReason) {
        if self.exec.finished.is_none() {
            self.abort(why);
        } else {
            self.exec.aborted = true;
            self.log_abort(why);
        }
        self.closing = true;
        let waiting: Vec<u32> = self
            .q
            .drain()
            .filter_map(|ev| match ev {
                Ev::Attempt(i) => Some(i),
                _ => None,
            })
            .collect();
        for i in waiting {
            if self.take_attempt(i).tries > 0 {
                self.m.failed_connects += 1;
            }
        }
    }

    /// Runs the events until none is left or a budget is reached; `false`
    /// when `stop` was set on the way.
    fn run(&mut self, stop: &AtomicBool) -> bool {
        // The event budget and the stop flag are looked at every
        // `STOP_POLL_EVENTS` events (one comparison per event otherwise).
        let mut next_check = STOP_POLL_EVENTS.min(self.limits.events);
        loop {
            if self.events >= next_check {
                if self.q.is_empty() {
                    return true;
                }
                if self.events >= self.limits.events {
                    self.stop_early(AbortReason::EventBudget {
                        limit: self.limits.events,
                    });
                    return true;
                }
                if stop.load(Ordering::Relaxed) {
                    return false;
                }
                next_check = (self.events + STOP_POLL_EVENTS).min(self.limits.events);
            }
            if self.over_clients {
                let why = if self.clients() > self.limits.clients {
                    AbortReason::ClientBudget {
                        clients: self.clients(),
                        limit: self.limits.clients,
                    }
                } else {
                    AbortReason::QueueBudget {
                        queued: self.q.len() as u64,
                        limit: self.limits.queued,
                    }
                };
                self.stop_early(why);
                return true;
            }
            let Some((t, ev)) = self.q.pop() else {
                return true;
            };
            self.events += 1;
            debug_assert!(t >= self.now, "time went backwards");
            self.now = t;
            if self.closing {
                // After the end instant only pending connection attempts
                // resolve, so that every arrival is counted as served or failed.
                if let Ev::Attempt(i) = ev {
                    let a = self.take_attempt(i);
                    self.attempt(a);
                }
                continue;
            }
            match ev {
                Ev::Arrival => self.on_arrival(),
                Ev::Attempt(i) => {
                    let a = self.take_attempt(i);
                    self.attempt(a);
                }
                Ev::SessionEnd { slot, epoch } => self.on_session_end(slot, epoch),
                Ev::StepTimer { token } => {
                    if token == self.exec.token {
                        self.on_step_timer();
                    }
                }
                Ev::PhaseDone { node, epoch } => {
                    if self.nodes[node as usize].epoch == epoch {
                        self.on_phase_done(node as NodeId);
                    }
                }
                Ev::SupportDone { node, epoch } => {
                    if self.nodes[node as usize].epoch == epoch {
                        self.on_support_done(node as NodeId);
                    }
                }
                Ev::DownloadDone { node, epoch } => {
                    if self.nodes[node as usize].epoch == epoch {
                        self.on_download_done(node as NodeId);
                    }
                }
                Ev::Redownload { node, epoch } => {
                    if self.nodes[node as usize].epoch == epoch {
                        self.begin_download(node as NodeId, true);
                    }
                }
                Ev::RollbackDone { node, epoch } => {
                    if self.nodes[node as usize].epoch == epoch {
                        self.on_rollback_done(node as NodeId);
                    }
                }
                Ev::SyncStart { epoch } => {
                    if epoch == self.rel.epoch && self.rel.job.is_none() {
                        if self.can_sync() {
                            self.start_sync();
                        } else {
                            // Try again at the next periodic tick.
                            let next = self.now + self.sc.failover.sync_interval;
                            self.q.schedule(next, Ev::SyncStart { epoch });
                        }
                    }
                }
                Ev::SyncDone { epoch } => {
                    if epoch == self.rel.epoch {
                        self.on_sync_done();
                    }
                }
                Ev::Crash { node, epoch } => {
                    if self.nodes[node as usize].epoch == epoch {
                        self.on_crash(node as NodeId);
                    }
                }
                Ev::Repaired { node, epoch } => {
                    if self.nodes[node as usize].epoch == epoch {
                        self.on_repaired(node as NodeId);
                    }
                }
                Ev::Takeover { to, epoch } => {
                    if epoch == self.rel.epoch {
                        self.on_takeover(to as NodeId);
                    }
                }
                Ev::DefectFound => self.on_defect_found(),
                Ev::Inject { index } => self.on_inject(index as usize),
                Ev::Horizon if self.settling => self.close_run(),
                Ev::Horizon => {
                    if self.exec.holding && self.defect.of_version {
                        // The version's defect did not show here within the
                        // horizon: the site ran it all along (a fleet's
                        // other sites may yet find it).
                        self.exec.holding = false;
                        self.end_procedure();
                        self.log(Event::ProcedureDone);
                    } else if self.exec.finished.is_none() {
                        self.abort(if self.exec.holding {
                            AbortReason::DefectNotFound { horizon: HORIZON }
                        } else {
                            AbortReason::Horizon { horizon: HORIZON }
                        });
                    }
                }
                Ev::End => self.on_end(),
            }
            if self.exec.advance {
                self.advance();
            }
        }
    }

    // ----- site status ----------------------------------------------------

    /// True when a client with a fresh resolver can connect now.
    fn site_up(&self) -> bool {
        let Some(front) = self.front.target else {
            return false;
        };
        let n = &self.nodes[front];
        if self.sc.site.kind.routes_through_traffic_nodes() {
            let scan = || (0..self.nodes.len()).any(|t| self.traffic_serves(front, t) && !self.nodes[t].full());
            let any = if self.eligible.is_empty() {
                scan()
            } else {
                let any = self
                    .eligible
                    .get(front)
                    .is_some_and(|tree| tree.min(0..self.nodes.len()) != MinTree::EMPTY);
                debug_assert!(
                    self.nodes.len() > 512 || any == scan(),
                    "the eligible tree is out of date"
                );
                any
            };
            n.up() && n.role != Role::Backup && any
        } else {
            n.up() && n.role != Role::Backup && !n.full()
        }
    }

    /// True when the site has a working failover (only for sites with a backup).
    fn failover_ok(&self) -> bool {
        match self.rel.established {
            Some((p, b)) => {
                self.rel.backup_ops
                    && self.nodes[p].up()
                    && self.nodes[b].up()
                    && self.nodes[p].role == Role::Primary
                    && self.nodes[b].role == Role::Backup
                    && self.same_versions(p, b)
            }
            None => false,
        }
    }

    /// The pair's appliances run the same version, or the scenario says
    /// the pair works across versions (`failover.mixed_versions`): a backup
    /// on another version is no working backup and takes no syncs.
    fn same_versions(&self, p: NodeId, b: NodeId) -> bool {
        self.sc.failover.mixed_versions || self.nodes[p].version == self.nodes[b].version
    }

    /// Re-evaluates the site's availability and failover, accounting downtime
    /// and exposure; call after every change of node, role, route or config.
    fn refresh(&mut self) {
        if !self.eligible.is_empty() {
            self.ensure_tree(self.front.target);
        }
        self.refresh_regions();
        let up = self.site_up();
        if up && self.new_since.is_none() && self.front.target.is_some_and(|f| self.nodes[f].version > 1) {
            self.new_since = Some(self.now);
        }
        if up && self.new_since.is_some() && !self.returned {
            self.watch_return();
        }
        match (up, self.down_since) {
            (false, None) => {
                self.down_since = Some(self.now);
                self.log(Event::SiteDown);
            }
            (true, Some(since)) => {
                self.m.downtime_ms += self.now.since(since).0;
                self.spans.down.push((since, self.now));
                self.m.defect_downtime_ms += self.defect_overlap(since, self.now);
                self.down_since = None;
                let after = self.now.since(since);
                self.log(Event::SiteUp { after });
            }
            _ => {}
        }
        if self.defect.armed() && self.defect.serving_since.is_none() {
            self.watch_new_version();
        }
        if self.sc.site.has_backup() {
            let ok = self.failover_ok();
            match (ok, self.exposure_since) {
                (false, None) => {
                    self.exposure_since = Some(self.now);
                    self.log(Event::FailoverNotWorking);
                }
                (true, Some(since)) => {
                    self.m.exposure_ms += self.now.since(since).0;
                    self.spans.exposure.push((since, self.now));
                    self.exposure_since = None;
                    self.log(Event::FailoverWorking);
                }
                _ => {}
            }
            // At risk: exposed, and the appliance the site points at is up
            // (it can crash; while it installs or is being repaired it cannot).
            let at_risk = !ok && self.front.target.is_some_and(|n| self.nodes[n].up());
            match (at_risk, self.at_risk_since) {
                (true, None) => self.at_risk_since = Some(self.now),
                (false, Some(since)) => {
                    self.at_risk_ms += self.now.since(since).0;
                    self.at_risk_since = None;
                }
                _ => {}
            }
            if self.rel.now_requested && self.rel.job.is_none() && self.can_sync() {
                self.start_sync();
            }
        }
        self.log_states();
        self.check_whole();
    }

    /// Window occurrences overlapping `[from, to)`: the calendar's, or for a
    /// pod the service's allotment from the scheduled start.
    fn occurrences(&self, from: SimTime, to: SimTime) -> Vec<Occurrence> {
        if self.sc.site.kind.scheduled_by_service() {
            return match self.pod.scheduled {
                Some(open) => {
                    let close = open + self.sc.pod.allotment;
                    if open < to && from < close {
                        vec![Occurrence { open, close }]
                    } else {
                        Vec::new()
                    }
                }
                None => Vec::new(),
            };
        }
        self.sc.calendar.occurrences(from, to)
    }

    /// Whether the Radius server refuses connections now: from the
    /// cutover's end until it accepts the new gateways' addresses.
    fn radius_refuses(&self) -> bool {
        self.pod.radius_from.is_some_and(|f| self.now >= f) && self.pod.radius_until.is_none_or(|u| self.now < u)
    }

    /// Ends the green set's run beside blue at `at`, if one runs
    /// (`green_running_s`).
    fn close_green(&mut self, at: SimTime) {
        if let Some(since) = self.pod.green_since.take() {
            *self.m.green_running_ms.get_or_insert(0) += at.since(since).0;
        }
    }

    /// Ends the stretch in which admin tasks are refused at `at`, if one
    /// is open (`admin_blocked_s`).
    fn close_blocked(&mut self, at: SimTime) {
        if let Some(since) = self.pod.blocked_since.take() {
            *self.m.admin_blocked_ms.get_or_insert(0) += at.since(since).0;
        }
    }

    /// Ends the direct connections' stretch without HA failover at `at`,
    /// if one is open (`dns_unremapped_s`).
    fn close_dns(&mut self, at: SimTime) {
        if let Some(since) = self.pod.dns_from.take() {
            *self.m.dns_unremapped_ms.get_or_insert(0) += at.since(since).0;
        }
    }

    /// Ends the pod's unsupported state at `at`, if it is in one.
    fn close_unsupported(&mut self, at: SimTime) {
        if let Some(since) = self.pod.unsupported_since.take() {
            *self.m.unsupported_ms.get_or_insert(0) += at.since(since).0;
        }
    }

    fn finish(mut self) -> RunOutput {
        let end = self.now;
        // Pending attempts resolved after the end instant; the span stops at it.
        let end_instant = self.ended_at.unwrap_or_else(|| {
            self.exec
                .finished
                .map(|f| f + self.sc.cooldown)
                .unwrap_or(end)
                .min(end.max(self.start))
        });
        if let Some(since) = self.down_since {
            self.m.down_at_end_ms = end_instant.since(since).0;
        }
        self.m.unsynced_at_end = self.owed_records();
        let down_at_end = self.down_since.is_some();
        if let Some(since) = self.down_since.take() {
            self.m.downtime_ms += end_instant.since(since).0;
            self.spans.down.push((since, end_instant));
            self.m.defect_downtime_ms += self.defect_overlap(since, end_instant);
        }
        if let Some(since) = self.exposure_since.take() {
            self.m.exposure_ms += end_instant.since(since).0;
            self.spans.exposure.push((since, end_instant));
        }
        self.close_unsupported(end_instant);
        if self.sc.site.kind.upgrades_by_cutover() {
            self.m.unsupported_ms.get_or_insert(0);
            self.m.emergency.get_or_insert(0);
            self.m.rescheduled.get_or_insert(0);
            self.m.validation_failures = Some(u64::from(self.pod.validation_failures));
            self.m.radius_failed_connects.get_or_insert(0);
            self.close_dns(end_instant);
            self.close_green(end_instant);
            self.close_blocked(end_instant);
            self.m.dns_unremapped_ms.get_or_insert(0);
            self.m.green_running_ms.get_or_insert(0);
            self.m.admin_blocked_ms.get_or_insert(0);
            self.m.green_build_failures = Some(u64::from(self.pod.build_failures));
            self.m.point_releases = Some(u64::from(self.pod.point_release));
        }
        if let Some(since) = self.at_risk_since.take() {
            self.at_risk_ms += end_instant.since(since).0;
        }
        self.m.technician_unavailable_ms += self.updates_still_due_ms();
        self.m.active_at_end = self.nodes.iter().map(|n| n.sessions.len() as u64).sum();
        self.m.span_ms = end_instant.since(self.start).0;
        if let (Some(s), Some(f)) = (self.exec.started, self.exec.finished) {
            self.m.procedure_ms = f.since(s).0;
        }
        self.m.windows_used = self.exec.windows.len() as u64;
        self.m.window_overrun_ms = self.exec.overrun;
        self.m.slipped_windows = self.exec.slipped;
        self.m.operator_hours = self.exec.op_ms as f64 / crate::time::MS_PER_HOUR as f64;
        self.m.operator_wait_ms = self.exec.op_wait_ms;
        self.m.aborted = u64::from(self.exec.aborted);
        if self.sc.site.has_backup() {
            let mtbf = self.sc.faults.mtbf.0 as f64;
            self.m.exposure_risk = 1.0 - (-(self.at_risk_ms as f64) / mtbf).exp();
        }
        let jump = jump::jump_clients(
            &self.sc.jump_clients,
            &self.spans.down,
            down_at_end,
            self.new_since,
            end_instant,
        );
        self.m.jump_clients_offline_ms = jump.offline_ms;
        self.m.peak_reconnects_per_minute = jump.peak_per_minute;
        let integrations =
            integrations::integrations(&self.sc.integrations, 0, &self.swings, &mut self.rng.integrations);
        self.m.integration_gap_ms = integrations.gap_ms;
        let mut events = std::mem::take(&mut self.log);
        if self.opts.log_events {
            events.retain(|r| r.time <= end_instant);
            if let Some((from, p)) = self.prepared {
                events.push(Record {
                    time: from,
                    event: Event::PreparationStart {
                        manual: p.manual,
                        rehearsal: p.rehearsal,
                        question: p.question,
                    },
                });
                events.push(Record {
                    time: from + p.total(),
                    event: Event::PreparationDone,
                });
            }
            // Worked out after the run: logged within the run only (the
            // metrics count the last return in full, even past the end).
            for r in jump.records.iter().filter(|r| r.time <= end_instant) {
                events.push(*r);
            }
            for r in integrations.records.iter().filter(|r| r.time <= end_instant) {
                events.push(*r);
            }
            if let Some(at) = self.old_console_at.filter(|t| *t <= end_instant) {
                events.push(Record {
                    time: at,
                    event: Event::ConsolesRedeployedOld,
                });
            }
            // A truncated log is complete up to its last instant: windows too.
            let last = self.log_full_at.map_or(end_instant, |t| t.min(end_instant));
            if !self.sc.site.kind.scheduled_by_service() {
                for occ in self.sc.calendar.occurrences(self.start, last) {
                    for (time, event) in [(occ.open, Event::WindowOpen), (occ.close, Event::WindowClose)] {
                        if time >= self.start && time <= last {
                            events.push(Record { time, event });
                        }
                    }
                }
                for (time, freeze) in self.sc.calendar.frozen(self.start, last) {
                    events.push(Record {
                        time,
                        event: Event::WindowSkipped { freeze },
                    });
                }
            }
            // Stable: same-time records keep the order they happened in.
            events.sort_by_time();
        }
        let series = std::mem::take(&mut self.series);
        let regions = self.region_figures(end_instant);
        for spans in [&mut self.spans.down, &mut self.spans.exposure] {
            spans.retain(|(a, _)| *a < end_instant);
            for span in spans.iter_mut() {
                span.1 = span.1.min(end_instant);
            }
        }
        let version = VersionOutcome {
            serving_from: self.new_since,
            defect_found_at: self.defect.found.then_some(self.defect.recovery_from).flatten(),
            found_version_defect: self.defect.found && self.defect.of_version,
            recovered: self.defect.found && self.defect.recovery_to.is_some(),
        };
        RunOutput {
            metrics: self.m,
            events,
            series,
            spans: std::mem::take(&mut self.spans),
            version,
            regions,
        }
    }
}
