//! The event log of one run: a closed enum of what happened, each with its
//! entity and a typed payload, and the words each one renders to.
//!
//! The simulation pushes [`Record`]s (a time and an [`Event`]) while the
//! log is on, and nothing at all while it is off. An [`EventLog`] keeps
//! the run's node names and runbook steps beside its records, so that it
//! renders without the scenario: [`EventLog::entity_name`],
//! [`Event::name`] and [`EventLog::detail`] give the `entity`, `event`
//! and `detail` columns of `events.csv` (written by
//! [`crate::export::write_events`]). Readers such as the timeline match
//! on the events themselves, never on those words.

use std::fmt;

use crate::model::calendar::LocalTime;
use crate::model::site::{NodeId, SwitchMethod};
use crate::runbook::Step;
use crate::scenario::inject::Injected as InjectedFault;
use crate::time::{SimDuration, SimTime};

/// Who an event is about: the `entity` column of `events.csv`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entity {
    /// The run itself (its end, the log's budget).
    Run,
    /// The runbook executor.
    Runbook,
    /// The site as a fresh client sees it.
    Site,
    /// The failover relationship.
    Failover,
    /// The network front door (shared IP, DNS, NAT).
    Network,
    /// A maintenance window of the calendar.
    Window,
    /// A blue-green pod's service.
    Pod,
    /// A cluster's configuration.
    Cluster,
    /// A client whose connection failed.
    Client,
    /// A latent defect of the new version.
    Defect,
    /// The site's Jump Clients (`[jump_clients]`).
    JumpClients,
    /// The representative consoles deployed by MSI on locked-down machines
    /// (`[consoles]`).
    Consoles,
    /// The integrations configured by IP (`[integrations]`).
    Integrations,
    /// One node.
    Node(NodeId),
}

/// The two kinds of client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientKind {
    /// A customer support session.
    Support,
    /// A representative console.
    Console,
}

impl ClientKind {
    /// The word in the log: `Support` or `Console`.
    pub fn name(self) -> &'static str {
        match self {
            ClientKind::Support => "Support",
            ClientKind::Console => "Console",
        }
    }
}

/// A phase of one node's upgrade, in the vendor's order: base software
/// updates (the appliance reboots as part of them), then a backup download
/// (appliances only), then the product update at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Base software update.
    Base,
    /// The reboot that is part of the base update.
    Reboot,
    /// The backup download before the product update (appliances).
    Backup,
    /// Product update.
    Product,
}

impl Phase {
    /// The word in the log.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Base => "base",
            Phase::Reboot => "reboot",
            Phase::Backup => "backup_download",
            Phase::Product => "product",
        }
    }

    /// Index of the phase's duration in a node's plan.
    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// The state a node shows on the timeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeStatus {
    /// Up and taking sessions (or the acting primary).
    Serving,
    /// The backup of a working relationship: up, not serving clients.
    Backup,
    /// A traffic node that accepts no new sessions but still carries some.
    Draining,
    /// A traffic node that accepts no new sessions and carries none.
    Offline,
    /// Upgrading or cutting over.
    Upgrading,
    /// Its upgrade failed: down, left as it is, waiting for technical
    /// support (`faults.support`).
    AwaitingSupport,
    /// Down while restored to the old version from its backup: the rollback
    /// of a failed upgrade, a backout, a recovery from a latent defect.
    RollingBack,
    /// Crashed, waiting for its repair.
    Failed,
}

impl NodeStatus {
    /// The word in the log and on the timeline.
    pub fn name(self) -> &'static str {
        match self {
            NodeStatus::Serving => "serving",
            NodeStatus::Backup => "backup",
            NodeStatus::Draining => "draining",
            NodeStatus::Offline => "offline",
            NodeStatus::Upgrading => "upgrading",
            NodeStatus::AwaitingSupport => "awaiting_support",
            NodeStatus::RollingBack => "rolling_back",
            NodeStatus::Failed => "failed",
        }
    }
}

/// Why a node's sessions were cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropCause {
    /// A drain reached its timeout.
    DrainTimeout,
    /// The node started upgrading.
    Upgrade,
    /// The node crashed.
    Crash,
    /// The node became the backup.
    BecameBackup,
    /// The shared IP left the node.
    SharedIpMoved,
    /// The NAT entry moved away from the node.
    NatMoved,
    /// The node is restored to the old version.
    Restore,
}

impl DropCause {
    /// The words in the log.
    pub fn words(self) -> &'static str {
        match self {
            DropCause::DrainTimeout => "drain timeout",
            DropCause::Upgrade => "upgrade",
            DropCause::Crash => "crash",
            DropCause::BecameBackup => "became backup",
            DropCause::SharedIpMoved => "shared IP moved",
            DropCause::NatMoved => "NAT moved",
            DropCause::Restore => "restore",
        }
    }
}

/// Why the procedure was aborted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AbortReason {
    /// A node's upgrade failed more often than the retries allow.
    UpgradeFailed {
        /// The node.
        node: NodeId,
        /// Attempts made.
        attempts: u32,
    },
    /// A failed precheck was not fixed before its deadline.
    PrecheckNotFixed,
    /// Management locks on a pod's VMs stopped its update at the slot.
    LocksNotRemoved,
    /// A pod's green validation failed this many times in a row.
    ValidationFailed {
        /// Validations failed.
        times: u32,
    },
    /// A pod's update failed this many times in a row, green builds
    /// (`pod.green_build_failure`) and validations together.
    UpdateRetriesExhausted {
        /// Green builds failed.
        builds: u32,
        /// Validations failed.
        validations: u32,
    },
    /// The window closed (or reached its cutoff) with work left, and the
    /// upgraded appliances were restored (`calendar.on_overrun = "backout"`).
    Backout,
    /// The procedure ran past the horizon.
    Horizon {
        /// The horizon ([`crate::sim::HORIZON`]).
        horizon: SimDuration,
    },
    /// The steps were done, but the latent defect the run waited for did
    /// not show within the horizon.
    DefectNotFound {
        /// The horizon ([`crate::sim::HORIZON`]).
        horizon: SimDuration,
    },
    /// The run handled as many events as one replication may.
    EventBudget {
        /// The budget.
        limit: u64,
    },
    /// More clients were held at once than one replication may hold.
    ClientBudget {
        /// Clients held.
        clients: u64,
        /// The budget.
        limit: u64,
    },
    /// More events waited in the queue at once than one replication may hold.
    QueueBudget {
        /// Events waiting.
        queued: u64,
        /// The budget.
        limit: u64,
    },
}

/// What happened. Each event has one entity ([`Event::entity`]) and one
/// name ([`Event::name`]); node events carry the node.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Event {
    // ----- the run ---------------------------------------------------------
    /// The run reached its end instant.
    End,
    /// The log reached its budget; nothing more is logged but the reason
    /// the run was aborted.
    LogTruncated {
        /// Most records the log keeps.
        limit: usize,
    },
    // ----- windows ---------------------------------------------------------
    /// A maintenance window opens.
    WindowOpen,
    /// A maintenance window closes.
    WindowClose,
    /// A maintenance window does not open: it would overlap a freeze.
    WindowSkipped {
        /// The freeze, by index in the calendar's list.
        freeze: usize,
    },
    // ----- the site --------------------------------------------------------
    /// A fresh client can no longer connect.
    SiteDown,
    /// A fresh client can connect again.
    SiteUp {
        /// How long the site was down.
        after: SimDuration,
    },
    // ----- the failover relationship --------------------------------------
    /// The site has no working failover any more.
    FailoverNotWorking,
    /// The site has a working failover again.
    FailoverWorking,
    /// A sync starts.
    SyncStart {
        /// A full copy (after establishing) rather than an incremental one.
        full: bool,
        /// Records it copies.
        records: u64,
        /// Megabytes it copies.
        mb: f64,
        /// How long it takes.
        takes: SimDuration,
    },
    /// A sync failed and copied nothing.
    SyncFailed,
    /// A sync completed.
    SyncDone {
        /// Records still waiting to be synced.
        unsynced: u64,
    },
    /// The relationship was broken.
    Broken,
    /// The relationship was established.
    Established {
        /// The primary.
        primary: NodeId,
        /// The backup.
        backup: NodeId,
    },
    /// The appliances swapped roles.
    RolesSwapped {
        /// The new primary.
        primary: NodeId,
        /// The new backup.
        backup: NodeId,
    },
    /// Backup operations were enabled or disabled.
    BackupOperations {
        /// Enabled.
        enabled: bool,
    },
    // ----- one node --------------------------------------------------------
    /// A node's timeline state changed.
    State {
        /// The node.
        node: NodeId,
        /// Its new state.
        state: NodeStatus,
    },
    /// An appliance starts downloading the update, directly before its
    /// install (`preparation.download`); it serves on meanwhile.
    DownloadStart {
        /// The appliance.
        node: NodeId,
        /// How long the download takes.
        takes: SimDuration,
    },
    /// The download was lost (`preparation.download_lost`): the update is
    /// no longer offered, and technical support is contacted for a new one.
    DownloadLost {
        /// The appliance.
        node: NodeId,
        /// When support answers, from now.
        support: SimDuration,
    },
    /// Support has answered: the appliance downloads the update again.
    Redownload {
        /// The appliance.
        node: NodeId,
        /// How long the download takes.
        takes: SimDuration,
    },
    /// The download is done: the install follows at once.
    DownloadDone {
        /// The appliance.
        node: NodeId,
    },
    /// A node's upgrade starts (with its base update).
    UpgradeStart {
        /// The node.
        node: NodeId,
        /// Which attempt, from 1.
        attempt: u32,
    },
    /// An upgrading appliance marked every traffic node not accepting in
    /// its cluster configuration.
    TrafficNodesNotAccepting {
        /// The appliance.
        node: NodeId,
    },
    /// A phase of a node's upgrade is done.
    PhaseDone {
        /// The node.
        node: NodeId,
        /// The phase.
        phase: Phase,
    },
    /// A node's upgrade failed; the operator contacts technical support
    /// and leaves the node as it is.
    UpgradeFailed {
        /// The node.
        node: NodeId,
        /// How long support takes to answer.
        support: SimDuration,
    },
    /// Technical support answered a failed upgrade: the operator retries,
    /// or, with no retry left, rolls back.
    SupportDone {
        /// The node.
        node: NodeId,
        /// How long the rollback takes, when there is one (no retry left).
        rollback: Option<SimDuration>,
    },
    /// A node's upgrade succeeded.
    UpgradeDone {
        /// The node.
        node: NodeId,
        /// Its new version.
        version: u32,
    },
    /// A node is back on its old version.
    RollbackDone {
        /// The node.
        node: NodeId,
    },
    /// A node crashed.
    Crashed {
        /// The node.
        node: NodeId,
        /// How long its repair takes.
        repair: SimDuration,
    },
    /// A crashed appliance's disk survived: its records not yet synced
    /// wait for its repair.
    RecordsKept {
        /// The appliance.
        node: NodeId,
        /// Records kept.
        records: u64,
    },
    /// Records not yet synced died with a crashed appliance.
    RecordsLost {
        /// The appliance.
        node: NodeId,
        /// Records lost.
        records: u64,
    },
    /// The backup took over from a crashed primary.
    TookOver {
        /// The new primary.
        node: NodeId,
    },
    /// A crashed node is back.
    Repaired {
        /// The node.
        node: NodeId,
    },
    /// A node's sessions were cut.
    SessionsDropped {
        /// The node.
        node: NodeId,
        /// Sessions cut.
        sessions: usize,
        /// Why.
        cause: DropCause,
    },
    /// A pod's sessions were disconnected by its cutover.
    SessionsDisconnected {
        /// The pod.
        node: NodeId,
        /// Sessions disconnected.
        sessions: usize,
        /// Of them, logged off with their work lost.
        logged_off: usize,
    },
    /// A session started (traced runs only).
    SessionStart {
        /// The node it runs on.
        node: NodeId,
        /// The kind of client.
        client: ClientKind,
        /// When it will end if nothing cuts it.
        until: SimTime,
    },
    /// A session ended (traced runs only).
    SessionEnd {
        /// The node it ran on.
        node: NodeId,
        /// The kind of client.
        client: ClientKind,
    },
    // ----- clients ---------------------------------------------------------
    /// A client gave up connecting (traced runs only).
    ConnectFailed {
        /// The kind of client.
        client: ClientKind,
        /// Attempts made.
        tries: u32,
    },
    // ----- the runbook -----------------------------------------------------
    /// The preparation starts (`[preparation]`): the manual path, then
    /// the rehearsal, then support's answer on the install order, each as
    /// long as drawn.
    PreparationStart {
        /// The manual path's lead time (key, transfer, media).
        manual: SimDuration,
        /// The rehearsal's length.
        rehearsal: SimDuration,
        /// The wait for support's answer on the install order.
        question: SimDuration,
    },
    /// The preparation is done: the procedure may start at the next window.
    PreparationDone,
    /// The site is back: its Jump Clients reconnect, at most `per_minute`
    /// a minute (0: no throttle, all at once).
    JumpClientsReconnecting {
        /// Jump Clients offline.
        count: u64,
        /// The appliance's throttle (0: none).
        per_minute: u64,
        /// They update once reconnected (the site serves the new version
        /// they have not run yet).
        update: bool,
    },
    /// The last of `count` Jump Clients reconnected, `minutes` minutes
    /// after the site came back.
    JumpClientsReconnected {
        /// Jump Clients reconnected.
        count: u64,
        /// Minutes it took.
        minutes: u64,
    },
    /// The site serves the old version again after it served the new one,
    /// and the locked-down consoles run the new console: they need the old
    /// MSI redeployed (`consoles.old_msi`), ready `ready_in` from now.
    ConsolesRedeployOld {
        /// Support must provide the old MSI first (it was not kept).
        support: bool,
        /// How long until the old console is redeployed.
        ready_in: SimDuration,
    },
    /// The old console is redeployed on the locked-down machines: they
    /// connect again.
    ConsolesRedeployedOld,
    /// A switch moved the site to appliance `to` at another address:
    /// `count` integrations configured by IP extract from the old one.
    IntegrationBroken {
        /// Integrations left extracting from the old address.
        count: u64,
        /// The appliance now serving.
        to: NodeId,
    },
    /// The operator re-pointed one integration at appliance `to`, `after`
    /// its break; `left` are still to re-point.
    IntegrationRepointed {
        /// The appliance it now extracts from.
        to: NodeId,
        /// How long it missed data.
        after: SimDuration,
        /// Integrations still to re-point.
        left: u64,
    },
    /// The procedure starts.
    ProcedureStart,
    /// Step `step` (0-based) of the runbook starts.
    StepStart {
        /// The step's index.
        step: usize,
    },
    /// Step `step` (0-based) is done.
    StepDone {
        /// The step's index.
        step: usize,
    },
    /// The last step is done.
    ProcedureDone,
    /// The current step waits for a crashed node's repair.
    WaitingForRepair {
        /// The node.
        node: NodeId,
    },
    /// Step `step` may not start: the window has no more than
    /// `calendar.cutoff` left (or has closed); it waits for the window
    /// opening at `until`.
    HeldByCutoff {
        /// The step's index.
        step: usize,
        /// When it may start.
        until: SimTime,
    },
    /// The window closed with work left (`on_overrun = "pause"`): step
    /// `step` waits for the window opening at `until`.
    Paused {
        /// The step's index.
        step: usize,
        /// When it may start.
        until: SimTime,
    },
    /// Step `step` needs an operator and none is on shift (or, in a group
    /// upgrade, free): it waits until the shift starting at `until`.
    WaitingForOperator {
        /// The step's index.
        step: usize,
        /// When a shift starts.
        until: SimTime,
    },
    /// A held or paused step `step` may start: its window has opened.
    Resumed {
        /// The step's index.
        step: usize,
    },
    /// The window closed (or reached its cutoff) with work left
    /// (`on_overrun = "backout"`): `nodes` upgraded appliances are restored
    /// from their backups, one after the other.
    BackoutStart {
        /// How many are restored.
        nodes: usize,
    },
    /// Every upgraded appliance is back on the old version.
    BackoutDone,
    /// The prechecks passed.
    PrecheckPassed,
    /// A precheck failed; the admin is notified.
    PrecheckFailed {
        /// How long the admin's fix takes.
        fix: SimDuration,
        /// The deadline for the fix.
        deadline: SimDuration,
    },
    /// The admin fixed a failed precheck in time.
    PrecheckFixed,
    /// A `notify` step sent its notification.
    Notify {
        /// The step's index.
        step: usize,
    },
    /// The procedure was aborted.
    Aborted {
        /// Why.
        why: AbortReason,
    },
    // ----- a cluster's configuration ---------------------------------------
    /// A `set_accepting` step took effect in an appliance's configuration.
    Accepting {
        /// The step's index (its nodes and value).
        step: usize,
        /// The appliance whose configuration changed.
        on: NodeId,
    },
    /// The upgrade package reached every node.
    PackageDistributed {
        /// Nodes of the site.
        nodes: usize,
    },
    // ----- a pod's service -------------------------------------------------
    /// The green set starts building.
    GreenBuildStart {
        /// How long the build takes.
        ready_in: SimDuration,
    },
    /// The green set is built.
    GreenBuilt,
    /// The service scheduled the maintenance.
    MaintenanceScheduled {
        /// The slot.
        at: SimTime,
        /// The slot is the preferred window.
        preferred: bool,
    },
    /// A reminder of the maintenance.
    Reminder,
    /// The maintenance (the cutover) started.
    MaintenanceStarted {
        /// How long the cutover takes.
        cutover: SimDuration,
    },
    /// The cutover is done: green serves.
    CutoverDone,
    /// The maintenance ended.
    MaintenanceEnded,
    /// The blue VMs were deleted.
    BlueDeleted,
    /// The "close disconnected sessions" policy was set to a time value in
    /// the farms that close them sooner, or restored (`None`).
    LogoffPolicy {
        /// The time value set; none when the farms' own were restored.
        after: Option<SimDuration>,
    },
    /// A failed precheck was not fixed by its deadline: the update failed
    /// and the pod runs unsupported (on the old version, serving) until
    /// the admin's fix, `until_fix` from now.
    Unsupported {
        /// Until the admin's fix.
        until_fix: SimDuration,
    },
    /// The update comes as an emergency maintenance: short notice, any
    /// hour, the preferred window ignored, no request to move it.
    EmergencyMaintenance {
        /// Its notice.
        notice: SimDuration,
    },
    /// The admin asked support to move the slot; support answers in
    /// `answer_in`.
    RescheduleRequested {
        /// Until support's answer.
        answer_in: SimDuration,
    },
    /// Support moved the slot to `at`.
    Rescheduled {
        /// The new slot.
        at: SimTime,
    },
    /// Support's answer came at or after the slot: the maintenance keeps it.
    RescheduleTooLate,
    /// A precondition of the update is unmet: `"agents"` or `"vcores"`
    /// (found by the precheck), or `"locks"` (found by nobody before the
    /// slot).
    PreconditionUnmet {
        /// Which one.
        what: &'static str,
    },
    /// Management locks stopped the update at the slot: blue serves on the
    /// old version, and the pod runs unsupported until the admin's fix.
    UpdateFailed {
        /// Until the admin's fix.
        until_fix: SimDuration,
    },
    /// The admin starts updating the agents after the cutover (the pod is
    /// unsupported until they are).
    AgentsUpdateStart {
        /// How long it takes.
        takes: SimDuration,
    },
    /// Every agent runs the latest version.
    AgentsUpdated,
    /// The Radius server refuses the new gateways' addresses: connections
    /// fail until it accepts them.
    RadiusPending {
        /// Until it accepts them.
        takes: SimDuration,
    },
    /// The Radius server accepts the new gateways' addresses.
    RadiusAccepted,
    /// The green validation failed.
    ValidationFailed,
    /// The pod falls back to blue: users are disconnected again for the
    /// switch's time.
    FallbackToBlue {
        /// The switch back.
        takes: SimDuration,
    },
    /// Blue serves again, on the old version.
    BlueServing,
    /// The pod's DNS name still points at the tenant appliance's address:
    /// direct connections work but have no HA failover until the admin
    /// remaps it to the load balancer's (`pod.post_update.dns`).
    DnsRemapPending {
        /// Until the remap.
        takes: SimDuration,
    },
    /// The pod's DNS name points at the load balancer's address.
    DnsRemapped,
    /// The green build failed (`pod.green_build_failure`): blue serves on,
    /// and the update is retried at the next slot.
    GreenBuildFailed,
    /// The service announces a point release after the update
    /// (`pod.point_release`): another maintenance, at the next slot.
    PointRelease,
    // ----- the network -----------------------------------------------------
    /// The shared IP was disabled on the appliance that held it (if any).
    SharedIpDisabled {
        /// That appliance.
        on: Option<NodeId>,
    },
    /// The shared IP was enabled on an appliance.
    SharedIpEnabled {
        /// The appliance.
        on: NodeId,
    },
    /// The DNS record now points at an appliance.
    DnsRecordChanged {
        /// The appliance.
        to: NodeId,
    },
    /// The NAT entry was edited.
    NatEntryEdited {
        /// When the edit takes effect.
        effective_in: SimDuration,
    },
    /// The NAT entry now forwards to an appliance.
    NatEffective {
        /// The appliance.
        to: NodeId,
    },
    // ----- latent defects --------------------------------------------------
    /// The site serves the new version for the first time; its latent
    /// defect shows after `shows_in`.
    NewVersionServing {
        /// The appliance serving it.
        node: NodeId,
        /// When the defect shows.
        shows_in: SimDuration,
        /// The defect is the version's, shared by a fleet (not the site's own).
        of_version: bool,
    },
    /// The defect was found while `old` still runs the old version.
    DefectFound {
        /// The appliance on the old version.
        old: NodeId,
    },
    /// The operator falls back to `to`, moving the site by `method`.
    Fallback {
        /// The appliance on the old version.
        to: NodeId,
        /// How the site moves to it.
        method: SwitchMethod,
        /// Records made since the new version served, at risk until restored.
        records: u64,
    },
    /// The defect was found after every appliance left the old version.
    DefectEscaped {
        /// The appliance restored first (the serving one).
        first: NodeId,
        /// The one restored next (none on a single appliance; a `u32` keeps
        /// a record small).
        then: Option<u32>,
        /// Records made since the new version served, at risk until restored.
        records: u64,
    },
    /// Every appliance is back on the old version, the site restored.
    Recovered,
    /// A node's restore from its backup starts.
    RestoreStart {
        /// The node.
        node: NodeId,
        /// How long it takes.
        takes: SimDuration,
    },
    /// A node is restored to the old version.
    RestoreDone {
        /// The node.
        node: NodeId,
    },
    /// The runbook's steps are done, but a latent defect has not shown yet:
    /// the run goes on.
    StepsDone,
    /// A recovery of `steps` steps replaces the rest of the runbook.
    RecoveryStart {
        /// How many steps.
        steps: usize,
    },
    /// Step `index` (0-based) of the recovery starts.
    RecoveryStepStart {
        /// The step.
        step: &'static Step,
        /// Its index.
        index: usize,
        /// Steps of the recovery.
        total: usize,
    },
    /// Step `index` (0-based) of the recovery is done.
    RecoveryStepDone {
        /// Its index.
        index: usize,
        /// Steps of the recovery.
        total: usize,
    },
    /// A fault of `[[faults.inject]]` happens, `after` into its step.
    Injected {
        /// What happens.
        what: InjectedFault,
        /// How long into the step.
        after: SimDuration,
        /// It changed something (a crash of a node that is not up, a
        /// precheck already passed, a defect of a version no longer
        /// installed: nothing happens).
        applied: bool,
    },
    /// The run reached its end instant with the site not whole: it goes on
    /// until it is (or until the horizon).
    NotWhole {
        /// The site is down.
        down: bool,
        /// Nodes in repair, install or rollback.
        busy: usize,
        /// Records made before the procedure ended, not yet synced.
        unsynced: u64,
    },
    /// A `cluster_sync` with no pair to sync (no backup primary, or backup
    /// operations disabled): the configuration goes to the traffic nodes,
    /// no data moves.
    ClusterConfigSynced,
}

impl Event {
    /// Who the event is about.
    pub fn entity(&self) -> Entity {
        use Event::*;
        match *self {
            End | LogTruncated { .. } | NotWhole { .. } => Entity::Run,
            Injected { what, .. } => match what {
                InjectedFault::Crash(node) | InjectedFault::FailUpgrade(node) => Entity::Node(node),
                InjectedFault::FailPrecheck | InjectedFault::Defect => Entity::Runbook,
            },
            WindowOpen | WindowClose | WindowSkipped { .. } => Entity::Window,
            SiteDown | SiteUp { .. } => Entity::Site,
            FailoverNotWorking
            | FailoverWorking
            | SyncStart { .. }
            | SyncFailed
            | SyncDone { .. }
            | Broken
            | Established { .. }
            | RolesSwapped { .. }
            | BackupOperations { .. } => Entity::Failover,
            State { node, .. }
            | DownloadStart { node, .. }
            | DownloadLost { node, .. }
            | Redownload { node, .. }
            | DownloadDone { node }
            | UpgradeStart { node, .. }
            | TrafficNodesNotAccepting { node }
            | PhaseDone { node, .. }
            | UpgradeFailed { node, .. }
            | SupportDone { node, .. }
            | UpgradeDone { node, .. }
            | RollbackDone { node }
            | Crashed { node, .. }
            | RecordsLost { node, .. }
            | RecordsKept { node, .. }
            | TookOver { node }
            | Repaired { node }
            | SessionsDropped { node, .. }
            | SessionsDisconnected { node, .. }
            | SessionStart { node, .. }
            | SessionEnd { node, .. }
            | RestoreStart { node, .. }
            | RestoreDone { node } => Entity::Node(node),
            NewVersionServing { .. } | DefectFound { .. } | Fallback { .. } | DefectEscaped { .. } | Recovered => {
                Entity::Defect
            }
            ConnectFailed { .. } => Entity::Client,
            JumpClientsReconnecting { .. } | JumpClientsReconnected { .. } => Entity::JumpClients,
            ConsolesRedeployOld { .. } | ConsolesRedeployedOld => Entity::Consoles,
            IntegrationBroken { .. } | IntegrationRepointed { .. } => Entity::Integrations,
            ProcedureStart
            | PreparationStart { .. }
            | PreparationDone
            | StepStart { .. }
            | StepDone { .. }
            | ProcedureDone
            | WaitingForRepair { .. }
            | HeldByCutoff { .. }
            | Paused { .. }
            | Resumed { .. }
            | WaitingForOperator { .. }
            | BackoutStart { .. }
            | BackoutDone
            | PrecheckPassed
            | PrecheckFailed { .. }
            | PrecheckFixed
            | Notify { .. }
            | Aborted { .. }
            | StepsDone
            | RecoveryStart { .. }
            | RecoveryStepStart { .. }
            | RecoveryStepDone { .. } => Entity::Runbook,
            Accepting { .. } | PackageDistributed { .. } | ClusterConfigSynced => Entity::Cluster,
            GreenBuildStart { .. }
            | GreenBuilt
            | MaintenanceScheduled { .. }
            | Reminder
            | MaintenanceStarted { .. }
            | CutoverDone
            | MaintenanceEnded
            | BlueDeleted
            | LogoffPolicy { .. }
            | Unsupported { .. }
            | EmergencyMaintenance { .. }
            | RescheduleRequested { .. }
            | Rescheduled { .. }
            | RescheduleTooLate
            | PreconditionUnmet { .. }
            | UpdateFailed { .. }
            | AgentsUpdateStart { .. }
            | AgentsUpdated
            | RadiusPending { .. }
            | RadiusAccepted
            | ValidationFailed
            | FallbackToBlue { .. }
            | BlueServing
            | DnsRemapPending { .. }
            | DnsRemapped
            | GreenBuildFailed
            | PointRelease => Entity::Pod,
            SharedIpDisabled { .. }
            | SharedIpEnabled { .. }
            | DnsRecordChanged { .. }
            | NatEntryEdited { .. }
            | NatEffective { .. } => Entity::Network,
        }
    }

    /// What happened, a snake_case word: the `event` column of `events.csv`.
    pub fn name(&self) -> &'static str {
        use Event::*;
        match self {
            End => "end",
            LogTruncated { .. } => "log_truncated",
            WindowOpen => "open",
            WindowClose => "close",
            WindowSkipped { .. } => "skipped",
            SiteDown => "down",
            SiteUp { .. } => "up",
            FailoverNotWorking => "not_working",
            FailoverWorking => "working",
            SyncStart { .. } => "sync_start",
            SyncFailed => "sync_failed",
            SyncDone { .. } => "sync_done",
            Broken => "broken",
            Established { .. } => "established",
            RolesSwapped { .. } => "roles_swapped",
            BackupOperations { .. } => "backup_operations",
            State { .. } => "state",
            DownloadStart { .. } => "download_start",
            DownloadLost { .. } => "download_lost",
            Redownload { .. } => "redownload",
            DownloadDone { .. } => "download_done",
            UpgradeStart { .. } => "upgrade_start",
            TrafficNodesNotAccepting { .. } => "traffic_nodes_not_accepting",
            PhaseDone { .. } => "phase_done",
            UpgradeFailed { .. } => "upgrade_failed",
            SupportDone { .. } => "support_done",
            UpgradeDone { .. } => "upgrade_done",
            RollbackDone { .. } => "rollback_done",
            Crashed { .. } => "crashed",
            RecordsLost { .. } => "records_lost",
            RecordsKept { .. } => "records_kept",
            TookOver { .. } => "took_over",
            Repaired { .. } => "repaired",
            SessionsDropped { .. } => "sessions_dropped",
            SessionsDisconnected { .. } => "sessions_disconnected",
            SessionStart { .. } => "session_start",
            SessionEnd { .. } => "session_end",
            ConnectFailed { .. } => "connect_failed",
            ProcedureStart => "procedure_start",
            PreparationStart { .. } => "preparation_start",
            PreparationDone => "preparation_done",
            JumpClientsReconnecting { .. } => "reconnecting",
            JumpClientsReconnected { .. } => "reconnected",
            ConsolesRedeployOld { .. } => "consoles_redeploy_old",
            ConsolesRedeployedOld => "consoles_redeployed_old",
            IntegrationBroken { .. } => "integration_broken",
            IntegrationRepointed { .. } => "integration_repointed",
            StepStart { .. } => "step_start",
            StepDone { .. } => "step_done",
            ProcedureDone => "procedure_done",
            WaitingForRepair { .. } => "waiting_for_repair",
            HeldByCutoff { .. } => "held_by_cutoff",
            Paused { .. } => "paused",
            Resumed { .. } => "resumed",
            WaitingForOperator { .. } => "waiting_for_operator",
            BackoutStart { .. } => "backout_start",
            BackoutDone => "backout_done",
            PrecheckPassed => "precheck_passed",
            PrecheckFailed { .. } => "precheck_failed",
            PrecheckFixed => "precheck_fixed",
            Notify { .. } | MaintenanceScheduled { .. } | Reminder | MaintenanceStarted { .. } | MaintenanceEnded => {
                "notify"
            }
            Aborted { .. } => "aborted",
            Accepting { .. } => "accepting",
            PackageDistributed { .. } => "package_distributed",
            GreenBuildStart { .. } => "green_build_start",
            GreenBuilt => "green_built",
            CutoverDone => "cutover_done",
            BlueDeleted => "blue_deleted",
            LogoffPolicy { .. } => "logoff_policy",
            Unsupported { .. } => "unsupported",
            EmergencyMaintenance { .. } => "emergency_maintenance",
            RescheduleRequested { .. } => "reschedule_requested",
            Rescheduled { .. } => "rescheduled",
            RescheduleTooLate => "reschedule_too_late",
            PreconditionUnmet { .. } => "precondition_unmet",
            UpdateFailed { .. } => "update_failed",
            AgentsUpdateStart { .. } => "agents_update_start",
            AgentsUpdated => "agents_updated",
            RadiusPending { .. } => "radius_pending",
            RadiusAccepted => "radius_accepted",
            ValidationFailed => "validation_failed",
            FallbackToBlue { .. } => "fallback_to_blue",
            BlueServing => "blue_serving",
            DnsRemapPending { .. } => "dns_remap_pending",
            DnsRemapped => "dns_remapped",
            GreenBuildFailed => "green_build_failed",
            PointRelease => "point_release",
            SharedIpDisabled { .. } => "shared_ip_disabled",
            SharedIpEnabled { .. } => "shared_ip_enabled",
            DnsRecordChanged { .. } => "dns_record_changed",
            NatEntryEdited { .. } => "nat_entry_edited",
            NatEffective { .. } => "nat_effective",
            NewVersionServing { .. } => "new_version_serving",
            DefectFound { .. } => "defect_found",
            Fallback { .. } => "fallback",
            DefectEscaped { .. } => "defect_escaped",
            Recovered => "recovered",
            RestoreStart { .. } => "restore_start",
            RestoreDone { .. } => "restore_done",
            StepsDone => "steps_done",
            RecoveryStart { .. } => "recovery_start",
            RecoveryStepStart { .. } => "recovery_step_start",
            RecoveryStepDone { .. } => "recovery_step_done",
            Injected { .. } => "fault_injected",
            NotWhole { .. } => "not_whole",
            ClusterConfigSynced => "cluster_config_synced",
        }
    }
}

/// One line of the event log.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Record {
    /// When.
    pub time: SimTime,
    /// What happened.
    pub event: Event,
}

/// The event log of one run: its records in time order, and the node names
/// and runbook steps they refer to by index.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EventLog {
    nodes: Vec<String>,
    steps: Vec<Step>,
    records: Vec<Record>,
    /// The calendar's freezes in words, by index.
    freezes: Vec<String>,
    /// The site's local time, for readers.
    local: LocalTime,
}

impl EventLog {
    /// An empty log about the nodes `nodes` (by [`NodeId`]) and the
    /// runbook steps `steps` (by index).
    pub fn new(nodes: Vec<String>, steps: Vec<Step>) -> EventLog {
        EventLog {
            nodes,
            steps,
            records: Vec::new(),
            freezes: Vec::new(),
            local: LocalTime::default(),
        }
    }

    /// The same log reading times in the site's local time `local`.
    pub fn with_local_time(mut self, local: LocalTime) -> EventLog {
        self.local = local;
        self
    }

    /// Simulation time `t` as the site's local time (see [`LocalTime::text`]).
    pub fn local_text(&self, t: SimTime) -> String {
        self.local.text(t)
    }

    /// The same log with the calendar's freezes in words (by index), for
    /// the detail of [`Event::WindowSkipped`].
    pub fn with_freezes(mut self, freezes: Vec<String>) -> EventLog {
        self.freezes = freezes;
        self
    }

    /// Adds a record at the end.
    pub fn push(&mut self, record: Record) {
        self.records.push(record);
    }

    /// Drops the records planned after `after` that `stale` picks (the
    /// notices of a slot that no longer holds).
    pub fn drop_planned(&mut self, after: SimTime, stale: impl Fn(&Event) -> bool) {
        self.records.retain(|r| r.time <= after || !stale(&r.event));
    }

    /// The records, in time order.
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// The records, in time order.
    pub fn iter(&self) -> std::slice::Iter<'_, Record> {
        self.records.iter()
    }

    /// How many records the log holds.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True when the log holds no record.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Keeps the records for which `keep` holds.
    pub(super) fn retain(&mut self, keep: impl FnMut(&Record) -> bool) {
        self.records.retain(keep);
    }

    /// Orders the records by time; records at the same time keep their order.
    pub(super) fn sort_by_time(&mut self) {
        self.records.sort_by_key(|r| r.time);
    }

    /// The name of node `id`.
    pub fn node_name(&self, id: NodeId) -> &str {
        self.nodes.get(id).map_or("?", String::as_str)
    }

    /// Step `i` as it read when it started (a step naming a role names
    /// the appliance that held it then).
    pub(super) fn set_step(&mut self, i: usize, step: &Step) {
        if let Some(s) = self.steps.get_mut(i) {
            *s = step.clone();
        }
    }

    /// Step `i` of the runbook.
    pub fn step(&self, i: usize) -> Option<&Step> {
        self.steps.get(i)
    }

    /// How many steps the runbook has.
    pub fn step_count(&self) -> usize {
        self.steps.len()
    }

    /// Step `i` in words, with its arguments: `switch dns -> B`.
    pub fn describe_step(&self, i: usize) -> String {
        self.step(i)
            .map_or_else(String::new, |s| s.describe_with(|n| self.node_name(n)))
    }

    /// The `entity` column of an event: `runbook`, `site`, `failover`,
    /// `network`, `window`, `pod`, `cluster`, `client`, `run`, or a node's name.
    pub fn entity_name(&self, entity: Entity) -> &str {
        match entity {
            Entity::Run => "run",
            Entity::Runbook => "runbook",
            Entity::Site => "site",
            Entity::Failover => "failover",
            Entity::Network => "network",
            Entity::Window => "window",
            Entity::Pod => "pod",
            Entity::Cluster => "cluster",
            Entity::Client => "client",
            Entity::Defect => "defect",
            Entity::JumpClients => "jump_clients",
            Entity::Consoles => "consoles",
            Entity::Integrations => "integrations",
            Entity::Node(id) => self.node_name(id),
        }
    }

    /// The `detail` column of an event, in words (written without
    /// building a string first).
    pub fn detail<'a>(&'a self, event: &'a Event) -> Detail<'a> {
        Detail { log: self, event }
    }
}

/// An event's detail in words; see [`EventLog::detail`].
pub struct Detail<'a> {
    log: &'a EventLog,
    event: &'a Event,
}

impl fmt::Display for Detail<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Event::*;
        let log = self.log;
        let name = |n: NodeId| log.node_name(n);
        match *self.event {
            End
            | WindowOpen
            | WindowClose
            | SiteDown
            | FailoverNotWorking
            | FailoverWorking
            | SyncFailed
            | Broken
            | Repaired { .. }
            | ProcedureStart
            | PreparationDone
            | ProcedureDone
            | PrecheckPassed
            | PrecheckFixed
            | GreenBuilt
            | AgentsUpdated
            | RadiusAccepted
            | ValidationFailed
            | BlueServing
            | DnsRemapped => Ok(()),
            LogTruncated { limit } => write!(
                f,
                "the event log keeps at most {limit} records; the run goes on without it"
            ),
            SiteUp { after } => write!(f, "after {after}"),
            WindowSkipped { freeze } => match log.freezes.get(freeze) {
                Some(text) => f.write_str(text),
                None => write!(f, "freeze {}", freeze + 1),
            },
            SyncStart {
                full,
                records,
                mb,
                takes,
            } => {
                let kind = if full { "full" } else { "incremental" };
                write!(f, "{kind}, {records} records, {mb:.0} MB, takes {takes}")
            }
            SyncDone { unsynced } => write!(f, "{unsynced} records still unsynced"),
            Established { primary, backup } | RolesSwapped { primary, backup } => {
                write!(f, "primary {}, backup {}", name(primary), name(backup))
            }
            BackupOperations { enabled } => f.write_str(if enabled { "enabled" } else { "disabled" }),
            State { state, .. } => f.write_str(state.name()),
            DownloadStart { takes, .. } => write!(f, "the update, takes {takes}; the install follows"),
            DownloadLost { support, .. } => write!(
                f,
                "the download was lost and the update is no longer offered: technical support contacted, answers in {support}"
            ),
            Redownload { takes, .. } => write!(f, "the update again, takes {takes}"),
            DownloadDone { .. } => f.write_str("the install follows at once"),
            UpgradeStart { attempt, .. } => write!(f, "attempt {attempt}: base software update"),
            TrafficNodesNotAccepting { .. } => f.write_str("in its cluster configuration"),
            PhaseDone { phase, .. } => f.write_str(phase.name()),
            UpgradeFailed { support, .. } => write!(f, "technical support contacted, answers in {support}"),
            SupportDone { rollback: None, .. } => f.write_str("retrying the upgrade"),
            SupportDone {
                rollback: Some(rollback),
                ..
            } => write!(f, "no retry left: rolling back, takes {rollback}"),
            UpgradeDone { version, .. } => write!(f, "version {version}"),
            RollbackDone { .. } => f.write_str("back on the old version"),
            Crashed { repair, .. } => write!(f, "repair takes {repair}"),
            RecordsLost { records, .. } => write!(f, "{records} unsynced records"),
            RecordsKept { records, .. } => write!(f, "{records} unsynced records on a disk that survived"),
            TookOver { .. } => f.write_str("primary after a crash"),
            SessionsDropped { sessions, cause, .. } => write!(f, "{sessions} sessions ({})", cause.words()),
            SessionsDisconnected {
                sessions, logged_off, ..
            } => write!(f, "{sessions} sessions, {logged_off} logged off with their work lost"),
            SessionStart { client, until, .. } => write!(f, "{} until {:.3}", client.name(), until.as_secs_f64()),
            SessionEnd { client, .. } => f.write_str(client.name()),
            ConnectFailed { client, tries } => write!(f, "{} after {tries} tries", client.name()),
            StepStart { step } => write!(f, "{}/{} {}", step + 1, log.step_count(), log.describe_step(step)),
            StepDone { step } => write!(f, "{}/{}", step + 1, log.step_count()),
            WaitingForRepair { node } => f.write_str(name(node)),
            HeldByCutoff { step, until } | Paused { step, until } => write!(
                f,
                "{}/{} {} waits for the window at {}",
                step + 1,
                log.step_count(),
                log.describe_step(step),
                log.local_text(until)
            ),
            WaitingForOperator { step, until } => write!(
                f,
                "{}/{} {} waits for the operators' shift at {}",
                step + 1,
                log.step_count(),
                log.describe_step(step),
                log.local_text(until)
            ),
            Resumed { step } => write!(f, "{}/{} {}", step + 1, log.step_count(), log.describe_step(step)),
            BackoutStart { nodes } => match nodes {
                1 => f.write_str("1 upgraded appliance to restore from its backup"),
                n => write!(f, "{n} upgraded appliances to restore from their backups"),
            },
            BackoutDone => f.write_str("every upgraded appliance back on the old version"),
            PrecheckFailed { fix, deadline } => {
                write!(f, "admin notified; fix takes {fix}, deadline {deadline}")
            }
            Notify { step } => match log.step(step) {
                Some(Step::Notify { what }) => f.write_str(what),
                _ => Ok(()),
            },
            Aborted { why } => match why {
                AbortReason::UpgradeFailed { node, attempts } => {
                    write!(f, "the upgrade of {} failed {attempts} times", name(node))
                }
                AbortReason::PrecheckNotFixed => f.write_str(
                    "a precheck failed and was fixed only after its deadline: the update failed (the service schedules another)",
                ),
                AbortReason::LocksNotRemoved => f.write_str(
                    "management locks on the pod's VMs stopped the update at the slot (the service schedules another)",
                ),
                AbortReason::ValidationFailed { times } => write!(
                    f,
                    "the green validation failed {times} times: blue serves on the old version"
                ),
                AbortReason::UpdateRetriesExhausted { builds, validations } => write!(
                    f,
                    "the update failed {} times ({builds} green builds, {validations} validations): blue serves on the old version",
                    builds + validations
                ),
                AbortReason::Backout => f.write_str("the window closed with work left: backed out to the old version"),
                AbortReason::Horizon { horizon } => {
                    write!(f, "the procedure did not finish within {horizon} of simulated time")
                }
                AbortReason::DefectNotFound { horizon } => write!(
                    f,
                    "the latent defect of the new version was not found within {horizon} of simulated time"
                ),
                AbortReason::EventBudget { limit } => {
                    write!(f, "the run reached {limit} events, the most one replication handles")
                }
                AbortReason::ClientBudget { clients, limit } => write!(
                    f,
                    "{clients} clients were connected or waiting to retry at once, more than the {limit} one replication holds"
                ),
                AbortReason::QueueBudget { queued, limit } => write!(
                    f,
                    "{queued} events were waiting at once (dropped sessions' ends among them), more than the {limit} one replication holds"
                ),
            },
            Accepting { step, on } => match log.step(step) {
                Some(Step::SetAccepting { nodes, value }) => {
                    for (i, n) in nodes.iter().enumerate() {
                        if i > 0 {
                            f.write_str(" ")?;
                        }
                        f.write_str(name(*n))?;
                    }
                    let what = if *value { "accepting" } else { "not accepting" };
                    write!(f, ": {what} (in {}'s configuration)", name(on))
                }
                _ => Ok(()),
            },
            PackageDistributed { nodes } => write!(f, "{nodes} nodes"),
            GreenBuildStart { ready_in } => write!(f, "ready in {ready_in}"),
            MaintenanceScheduled { at, preferred } => write!(
                f,
                "maintenance scheduled at {:.0} s{}",
                at.as_secs_f64(),
                if preferred { " (preferred window)" } else { "" }
            ),
            Reminder => f.write_str("reminder"),
            MaintenanceStarted { cutover } => write!(f, "maintenance started; cutover takes {cutover}"),
            CutoverDone => f.write_str("green serves"),
            MaintenanceEnded => f.write_str("maintenance ended"),
            BlueDeleted => f.write_str("network cards kept for the next update"),
            LogoffPolicy { after: Some(d) } => {
                write!(
                    f,
                    "close disconnected sessions after {d} (farms that closed them sooner)"
                )
            }
            LogoffPolicy { after: None } => f.write_str("farms' own policies restored"),
            Unsupported { until_fix } => write!(
                f,
                "the update failed: the pod runs unsupported on the old version until the admin's fix, {until_fix}"
            ),
            EmergencyMaintenance { notice } => write!(f, "emergency maintenance: {notice} notice, any hour"),
            RescheduleRequested { answer_in } => write!(f, "support answers in {answer_in}"),
            Rescheduled { at } => write!(f, "moved to {:.0} s", at.as_secs_f64()),
            RescheduleTooLate => f.write_str("support answered after the slot: it stands"),
            PreconditionUnmet { what } => f.write_str(match what {
                "agents" => "agents: some VM lacks the latest agent",
                "vcores" => "vcores: too few vCores of the VM series",
                _ => "locks: management locks on the pod's VMs (the precheck does not see them)",
            }),
            UpdateFailed { until_fix } => write!(
                f,
                "management locks stopped the update: blue serves on the old version, unsupported until the admin's fix, {until_fix}"
            ),
            AgentsUpdateStart { takes } => write!(f, "takes {takes}; unsupported meanwhile"),
            RadiusPending { takes } => write!(f, "connections fail until it accepts the new addresses, {takes}"),
            FallbackToBlue { takes } => write!(f, "users disconnected again; takes {takes}"),
            DnsRemapPending { takes } => write!(
                f,
                "direct connections lack the HA failover until the DNS name points at the load balancer, {takes}"
            ),
            GreenBuildFailed => f.write_str("blue serves on; the update is retried at the next slot"),
            PointRelease => f.write_str("a point release follows the update, at the next slot"),
            SharedIpDisabled { on } => f.write_str(on.map_or("-", name)),
            SharedIpEnabled { on } => f.write_str(name(on)),
            DnsRecordChanged { to } | NatEffective { to } => write!(f, "-> {}", name(to)),
            NatEntryEdited { effective_in } => write!(f, "effective in {effective_in}"),
            NewVersionServing {
                node,
                shows_in,
                of_version: false,
            } => write!(
                f,
                "{} serves the new version; its latent defect shows in {shows_in}",
                name(node)
            ),
            NewVersionServing {
                node,
                shows_in,
                of_version: true,
            } => write!(
                f,
                "{} serves the new version; the version's defect shows here in {shows_in}",
                name(node)
            ),
            DefectFound { old } => write!(f, "{} still runs the old version: fall back to it", name(old)),
            Fallback { to, method, records } => write!(
                f,
                "to {} by {}; {records} records made since the new version served are at risk until restored",
                name(to),
                method.name()
            ),
            DefectEscaped { first, then, records } => {
                write!(f, "no appliance runs the old version: restore {}", name(first))?;
                if let Some(t) = then {
                    write!(f, " then {}", name(t as NodeId))?;
                }
                write!(
                    f,
                    "; {records} records made since the new version served are at risk until restored"
                )
            }
            Recovered => f.write_str("every appliance back on the old version"),
            RestoreStart { takes, .. } => write!(f, "from the backup, takes {takes}"),
            RestoreDone { .. } => f.write_str("back on the old version"),
            PreparationStart {
                manual,
                rehearsal,
                question,
            } => {
                write!(f, "manual path {manual}, rehearsal {rehearsal}")?;
                if question > SimDuration::ZERO {
                    write!(f, ", support's answer on the install order {question}")?;
                }
                Ok(())
            }
            JumpClientsReconnecting {
                count,
                per_minute,
                update,
            } => {
                if per_minute == 0 {
                    write!(f, "{count} Jump Clients, all at once")?;
                } else {
                    write!(f, "{count} Jump Clients, at most {per_minute} a minute")?;
                }
                if update {
                    f.write_str(", each updating to the new version")?;
                }
                Ok(())
            }
            JumpClientsReconnected { count, minutes } => {
                write!(f, "{count} Jump Clients in {minutes} min")
            }
            ConsolesRedeployOld { support, ready_in } => {
                f.write_str("back on the old version: the locked-down consoles run the new console")?;
                if support {
                    write!(f, "; the old MSI was not kept: support provides it, then it is redeployed, in {ready_in}")
                } else {
                    write!(f, "; the kept old MSI is redeployed in {ready_in}")
                }
            }
            ConsolesRedeployedOld => f.write_str("the old console is back on the locked-down machines"),
            IntegrationBroken { count, to } => {
                let (s, verb) = if count == 1 { ("", "extracts") } else { ("s", "extract") };
                write!(
                    f,
                    "{count} integration{s} configured by IP {verb} from the old address, not from {}",
                    name(to)
                )
            }
            IntegrationRepointed { to, after, left } => {
                write!(f, "re-pointed at {} after {after}; {left} left", name(to))
            }
            StepsDone => f.write_str("the new version carries a latent defect not found yet: the run goes on"),
            RecoveryStart { steps } => write!(f, "{steps} steps replace the rest of the runbook"),
            RecoveryStepStart { step, index, total } => {
                write!(f, "{}/{total} {}", index + 1, step.describe_with(name))
            }
            RecoveryStepDone { index, total } => write!(f, "{}/{total}", index + 1),
            Injected { what, after, applied } => {
                let what = match what {
                    InjectedFault::Crash(_) => "crash",
                    InjectedFault::FailUpgrade(_) => "upgrade failure",
                    InjectedFault::FailPrecheck => "precheck failure",
                    InjectedFault::Defect => "latent defect of the new version",
                };
                write!(f, "{what}, {after} into the step")?;
                if !applied {
                    f.write_str(" (no effect: nothing to act on then)")?;
                }
                Ok(())
            }
            NotWhole { down, busy, unsynced } => {
                let mut parts = Vec::new();
                if down {
                    parts.push("the site is down".to_string());
                }
                if busy > 0 {
                    parts.push(format!("{busy} nodes in repair, install or rollback"));
                }
                if unsynced > 0 {
                    parts.push(format!("{unsynced} records not synced"));
                }
                if parts.is_empty() {
                    parts.push("the final sync is not done".to_string());
                }
                write!(f, "{}: the run goes on until the site is whole", parts.join(", "))
            }
            ClusterConfigSynced => f.write_str("configuration pushed to the traffic nodes; no pair to sync"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log() -> EventLog {
        EventLog::new(
            vec!["A".into(), "B".into(), "eu-1".into(), "eu-2".into()],
            vec![
                Step::Notify {
                    what: "change 42, approved".into(),
                },
                Step::SetAccepting {
                    nodes: vec![2, 3],
                    value: false,
                },
                Step::Switch {
                    method: SwitchMethod::Dns,
                    to: 1,
                },
            ],
        )
    }

    /// Every event, in the words of `events.csv`: (entity, event, detail).
    #[test]
    fn every_event_renders_to_its_entity_name_and_detail() {
        use Event::*;
        let s = SimDuration::from_secs;
        let cases: Vec<(Event, &str, &str, &str)> = vec![
            (End, "run", "end", ""),
            (
                LogTruncated { limit: 7 },
                "run",
                "log_truncated",
                "the event log keeps at most 7 records; the run goes on without it",
            ),
            (WindowOpen, "window", "open", ""),
            (WindowClose, "window", "close", ""),
            (WindowSkipped { freeze: 0 }, "window", "skipped", "freeze 1"),
            (SiteDown, "site", "down", ""),
            (SiteUp { after: s(90) }, "site", "up", "after 1m30s"),
            (FailoverNotWorking, "failover", "not_working", ""),
            (FailoverWorking, "failover", "working", ""),
            (
                SyncStart {
                    full: true,
                    records: 3,
                    mb: 200_000.4,
                    takes: s(60),
                },
                "failover",
                "sync_start",
                "full, 3 records, 200000 MB, takes 1m",
            ),
            (
                SyncStart {
                    full: false,
                    records: 0,
                    mb: 0.0,
                    takes: s(5),
                },
                "failover",
                "sync_start",
                "incremental, 0 records, 0 MB, takes 5s",
            ),
            (SyncFailed, "failover", "sync_failed", ""),
            (
                SyncDone { unsynced: 4 },
                "failover",
                "sync_done",
                "4 records still unsynced",
            ),
            (Broken, "failover", "broken", ""),
            (
                Established { primary: 0, backup: 1 },
                "failover",
                "established",
                "primary A, backup B",
            ),
            (
                RolesSwapped { primary: 1, backup: 0 },
                "failover",
                "roles_swapped",
                "primary B, backup A",
            ),
            (
                BackupOperations { enabled: false },
                "failover",
                "backup_operations",
                "disabled",
            ),
            (
                BackupOperations { enabled: true },
                "failover",
                "backup_operations",
                "enabled",
            ),
            (
                State {
                    node: 3,
                    state: NodeStatus::Draining,
                },
                "eu-2",
                "state",
                "draining",
            ),
            (
                DownloadStart {
                    node: 1,
                    takes: s(1200),
                },
                "B",
                "download_start",
                "the update, takes 20m; the install follows",
            ),
            (
                DownloadLost {
                    node: 1,
                    support: s(4 * 3600),
                },
                "B",
                "download_lost",
                "the download was lost and the update is no longer offered: technical support contacted, answers in 4h",
            ),
            (
                Redownload { node: 0, takes: s(900) },
                "A",
                "redownload",
                "the update again, takes 15m",
            ),
            (
                DownloadDone { node: 0 },
                "A",
                "download_done",
                "the install follows at once",
            ),
            (
                UpgradeStart { node: 1, attempt: 2 },
                "B",
                "upgrade_start",
                "attempt 2: base software update",
            ),
            (
                TrafficNodesNotAccepting { node: 0 },
                "A",
                "traffic_nodes_not_accepting",
                "in its cluster configuration",
            ),
            (
                PhaseDone {
                    node: 0,
                    phase: Phase::Product,
                },
                "A",
                "phase_done",
                "product",
            ),
            (
                UpgradeFailed {
                    node: 0,
                    support: s(7200),
                },
                "A",
                "upgrade_failed",
                "technical support contacted, answers in 2h",
            ),
            (
                SupportDone {
                    node: 0,
                    rollback: None,
                },
                "A",
                "support_done",
                "retrying the upgrade",
            ),
            (
                SupportDone {
                    node: 0,
                    rollback: Some(s(1800)),
                },
                "A",
                "support_done",
                "no retry left: rolling back, takes 30m",
            ),
            (UpgradeDone { node: 0, version: 2 }, "A", "upgrade_done", "version 2"),
            (
                RollbackDone { node: 0 },
                "A",
                "rollback_done",
                "back on the old version",
            ),
            (
                Crashed {
                    node: 1,
                    repair: s(7200),
                },
                "B",
                "crashed",
                "repair takes 2h",
            ),
            (
                RecordsLost { node: 0, records: 9 },
                "A",
                "records_lost",
                "9 unsynced records",
            ),
            (TookOver { node: 1 }, "B", "took_over", "primary after a crash"),
            (Repaired { node: 1 }, "B", "repaired", ""),
            (
                SessionsDropped {
                    node: 2,
                    sessions: 5,
                    cause: DropCause::SharedIpMoved,
                },
                "eu-1",
                "sessions_dropped",
                "5 sessions (shared IP moved)",
            ),
            (
                SessionsDisconnected {
                    node: 0,
                    sessions: 5,
                    logged_off: 2,
                },
                "A",
                "sessions_disconnected",
                "5 sessions, 2 logged off with their work lost",
            ),
            (
                SessionStart {
                    node: 2,
                    client: ClientKind::Console,
                    until: SimTime(61_234),
                },
                "eu-1",
                "session_start",
                "Console until 61.234",
            ),
            (
                SessionEnd {
                    node: 2,
                    client: ClientKind::Support,
                },
                "eu-1",
                "session_end",
                "Support",
            ),
            (
                ConnectFailed {
                    client: ClientKind::Support,
                    tries: 3,
                },
                "client",
                "connect_failed",
                "Support after 3 tries",
            ),
            (ProcedureStart, "runbook", "procedure_start", ""),
            (
                PreparationStart {
                    manual: SimDuration::from_hours(72),
                    rehearsal: SimDuration::from_hours(30),
                    question: SimDuration::ZERO,
                },
                "runbook",
                "preparation_start",
                "manual path 3d, rehearsal 1d6h",
            ),
            (
                PreparationStart {
                    manual: SimDuration::ZERO,
                    rehearsal: SimDuration::ZERO,
                    question: SimDuration::from_hours(48),
                },
                "runbook",
                "preparation_start",
                "manual path 0s, rehearsal 0s, support's answer on the install order 2d",
            ),
            (PreparationDone, "runbook", "preparation_done", ""),
            (
                JumpClientsReconnecting {
                    count: 1000,
                    per_minute: 300,
                    update: true,
                },
                "jump_clients",
                "reconnecting",
                "1000 Jump Clients, at most 300 a minute, each updating to the new version",
            ),
            (
                JumpClientsReconnecting {
                    count: 10,
                    per_minute: 0,
                    update: false,
                },
                "jump_clients",
                "reconnecting",
                "10 Jump Clients, all at once",
            ),
            (
                JumpClientsReconnected {
                    count: 1000,
                    minutes: 4,
                },
                "jump_clients",
                "reconnected",
                "1000 Jump Clients in 4 min",
            ),
            (
                ConsolesRedeployOld {
                    support: false,
                    ready_in: s(7200),
                },
                "consoles",
                "consoles_redeploy_old",
                "back on the old version: the locked-down consoles run the new console; the kept old MSI is redeployed in 2h",
            ),
            (
                ConsolesRedeployOld {
                    support: true,
                    ready_in: s(90_000),
                },
                "consoles",
                "consoles_redeploy_old",
                "back on the old version: the locked-down consoles run the new console; the old MSI was not kept: support provides it, then it is redeployed, in 1d1h",
            ),
            (
                ConsolesRedeployedOld,
                "consoles",
                "consoles_redeployed_old",
                "the old console is back on the locked-down machines",
            ),
            (
                IntegrationBroken { count: 2, to: 1 },
                "integrations",
                "integration_broken",
                "2 integrations configured by IP extract from the old address, not from B",
            ),
            (
                IntegrationBroken { count: 1, to: 0 },
                "integrations",
                "integration_broken",
                "1 integration configured by IP extracts from the old address, not from A",
            ),
            (
                IntegrationRepointed {
                    to: 1,
                    after: s(1200),
                    left: 1,
                },
                "integrations",
                "integration_repointed",
                "re-pointed at B after 20m; 1 left",
            ),
            (StepStart { step: 2 }, "runbook", "step_start", "3/3 switch dns -> B"),
            (StepDone { step: 2 }, "runbook", "step_done", "3/3"),
            (ProcedureDone, "runbook", "procedure_done", ""),
            (WaitingForRepair { node: 1 }, "runbook", "waiting_for_repair", "B"),
            (
                HeldByCutoff {
                    step: 2,
                    until: crate::time::SimTime(3_600_000),
                },
                "runbook",
                "held_by_cutoff",
                "3/3 switch dns -> B waits for the window at mon 01:00:00",
            ),
            (
                Paused {
                    step: 2,
                    until: crate::time::SimTime(3_600_000),
                },
                "runbook",
                "paused",
                "3/3 switch dns -> B waits for the window at mon 01:00:00",
            ),
            (Resumed { step: 2 }, "runbook", "resumed", "3/3 switch dns -> B"),
            (
                WaitingForOperator {
                    step: 2,
                    until: crate::time::SimTime(3_600_000),
                },
                "runbook",
                "waiting_for_operator",
                "3/3 switch dns -> B waits for the operators' shift at mon 01:00:00",
            ),
            (
                BackoutStart { nodes: 2 },
                "runbook",
                "backout_start",
                "2 upgraded appliances to restore from their backups",
            ),
            (
                BackoutDone,
                "runbook",
                "backout_done",
                "every upgraded appliance back on the old version",
            ),
            (
                Aborted {
                    why: AbortReason::Backout,
                },
                "runbook",
                "aborted",
                "the window closed with work left: backed out to the old version",
            ),
            (PrecheckPassed, "runbook", "precheck_passed", ""),
            (
                PrecheckFailed {
                    fix: s(3600),
                    deadline: s(7200),
                },
                "runbook",
                "precheck_failed",
                "admin notified; fix takes 1h, deadline 2h",
            ),
            (PrecheckFixed, "runbook", "precheck_fixed", ""),
            (Notify { step: 0 }, "runbook", "notify", "change 42, approved"),
            (
                Aborted {
                    why: AbortReason::UpgradeFailed { node: 1, attempts: 2 },
                },
                "runbook",
                "aborted",
                "the upgrade of B failed 2 times",
            ),
            (
                Aborted {
                    why: AbortReason::PrecheckNotFixed,
                },
                "runbook",
                "aborted",
                "a precheck failed and was fixed only after its deadline: the update failed (the service schedules another)",
            ),
            (
                Aborted {
                    why: AbortReason::Horizon {
                        horizon: SimDuration::from_hours(48),
                    },
                },
                "runbook",
                "aborted",
                "the procedure did not finish within 2d of simulated time",
            ),
            (
                Aborted {
                    why: AbortReason::EventBudget { limit: 10 },
                },
                "runbook",
                "aborted",
                "the run reached 10 events, the most one replication handles",
            ),
            (
                Aborted {
                    why: AbortReason::ClientBudget { clients: 11, limit: 10 },
                },
                "runbook",
                "aborted",
                "11 clients were connected or waiting to retry at once, more than the 10 one replication holds",
            ),
            (
                Aborted {
                    why: AbortReason::QueueBudget { queued: 12, limit: 10 },
                },
                "runbook",
                "aborted",
                "12 events were waiting at once (dropped sessions' ends among them), more than the 10 one replication holds",
            ),
            (
                Accepting { step: 1, on: 1 },
                "cluster",
                "accepting",
                "eu-1 eu-2: not accepting (in B's configuration)",
            ),
            (
                PackageDistributed { nodes: 4 },
                "cluster",
                "package_distributed",
                "4 nodes",
            ),
            (
                GreenBuildStart { ready_in: s(3600) },
                "pod",
                "green_build_start",
                "ready in 1h",
            ),
            (GreenBuilt, "pod", "green_built", ""),
            (
                MaintenanceScheduled {
                    at: SimTime(7_200_499),
                    preferred: true,
                },
                "pod",
                "notify",
                "maintenance scheduled at 7200 s (preferred window)",
            ),
            (
                MaintenanceScheduled {
                    at: SimTime(7_200_600),
                    preferred: false,
                },
                "pod",
                "notify",
                "maintenance scheduled at 7201 s",
            ),
            (Reminder, "pod", "notify", "reminder"),
            (
                MaintenanceStarted { cutover: s(720) },
                "pod",
                "notify",
                "maintenance started; cutover takes 12m",
            ),
            (CutoverDone, "pod", "cutover_done", "green serves"),
            (MaintenanceEnded, "pod", "notify", "maintenance ended"),
            (
                BlueDeleted,
                "pod",
                "blue_deleted",
                "network cards kept for the next update",
            ),
            (
                LogoffPolicy { after: Some(s(7200)) },
                "pod",
                "logoff_policy",
                "close disconnected sessions after 2h (farms that closed them sooner)",
            ),
            (
                LogoffPolicy { after: None },
                "pod",
                "logoff_policy",
                "farms' own policies restored",
            ),
            (
                Unsupported { until_fix: s(5400) },
                "pod",
                "unsupported",
                "the update failed: the pod runs unsupported on the old version until the admin's fix, 1h30m",
            ),
            (
                EmergencyMaintenance { notice: s(86_400) },
                "pod",
                "emergency_maintenance",
                "emergency maintenance: 1d notice, any hour",
            ),
            (
                RescheduleRequested { answer_in: s(7200) },
                "pod",
                "reschedule_requested",
                "support answers in 2h",
            ),
            (
                Rescheduled { at: SimTime(7_200_499) },
                "pod",
                "rescheduled",
                "moved to 7200 s",
            ),
            (
                RescheduleTooLate,
                "pod",
                "reschedule_too_late",
                "support answered after the slot: it stands",
            ),
            (
                PreconditionUnmet { what: "vcores" },
                "pod",
                "precondition_unmet",
                "vcores: too few vCores of the VM series",
            ),
            (
                UpdateFailed { until_fix: s(3600) },
                "pod",
                "update_failed",
                "management locks stopped the update: blue serves on the old version, unsupported until the admin's fix, 1h",
            ),
            (
                AgentsUpdateStart { takes: s(1800) },
                "pod",
                "agents_update_start",
                "takes 30m; unsupported meanwhile",
            ),
            (AgentsUpdated, "pod", "agents_updated", ""),
            (
                RadiusPending { takes: s(600) },
                "pod",
                "radius_pending",
                "connections fail until it accepts the new addresses, 10m",
            ),
            (RadiusAccepted, "pod", "radius_accepted", ""),
            (ValidationFailed, "pod", "validation_failed", ""),
            (
                FallbackToBlue { takes: s(720) },
                "pod",
                "fallback_to_blue",
                "users disconnected again; takes 12m",
            ),
            (BlueServing, "pod", "blue_serving", ""),
            (
                DnsRemapPending { takes: s(600) },
                "pod",
                "dns_remap_pending",
                "direct connections lack the HA failover until the DNS name points at the load balancer, 10m",
            ),
            (DnsRemapped, "pod", "dns_remapped", ""),
            (
                GreenBuildFailed,
                "pod",
                "green_build_failed",
                "blue serves on; the update is retried at the next slot",
            ),
            (
                PointRelease,
                "pod",
                "point_release",
                "a point release follows the update, at the next slot",
            ),
            (SharedIpDisabled { on: Some(0) }, "network", "shared_ip_disabled", "A"),
            (SharedIpDisabled { on: None }, "network", "shared_ip_disabled", "-"),
            (SharedIpEnabled { on: 1 }, "network", "shared_ip_enabled", "B"),
            (DnsRecordChanged { to: 1 }, "network", "dns_record_changed", "-> B"),
            (
                NatEntryEdited { effective_in: s(2) },
                "network",
                "nat_entry_edited",
                "effective in 2s",
            ),
            (NatEffective { to: 0 }, "network", "nat_effective", "-> A"),
            (
                NewVersionServing {
                    node: 0,
                    shows_in: s(43_200),
                    of_version: false,
                },
                "defect",
                "new_version_serving",
                "A serves the new version; its latent defect shows in 12h",
            ),
            (
                DefectFound { old: 1 },
                "defect",
                "defect_found",
                "B still runs the old version: fall back to it",
            ),
            (
                Fallback {
                    to: 1,
                    method: SwitchMethod::SharedIp,
                    records: 4,
                },
                "defect",
                "fallback",
                "to B by shared-ip; 4 records made since the new version served are at risk until restored",
            ),
            (
                DefectEscaped {
                    first: 0,
                    then: Some(1),
                    records: 0,
                },
                "defect",
                "defect_escaped",
                "no appliance runs the old version: restore A then B; 0 records made since the new version served are at risk until restored",
            ),
            (
                DefectEscaped {
                    first: 0,
                    then: None,
                    records: 2,
                },
                "defect",
                "defect_escaped",
                "no appliance runs the old version: restore A; 2 records made since the new version served are at risk until restored",
            ),
            (
                Recovered,
                "defect",
                "recovered",
                "every appliance back on the old version",
            ),
            (
                RestoreStart {
                    node: 1,
                    takes: s(1800),
                },
                "B",
                "restore_start",
                "from the backup, takes 30m",
            ),
            (RestoreDone { node: 1 }, "B", "restore_done", "back on the old version"),
            (
                StepsDone,
                "runbook",
                "steps_done",
                "the new version carries a latent defect not found yet: the run goes on",
            ),
            (
                RecoveryStart { steps: 4 },
                "runbook",
                "recovery_start",
                "4 steps replace the rest of the runbook",
            ),
            (
                RecoveryStepStart {
                    step: &Step::Restore { node: 0 },
                    index: 1,
                    total: 4,
                },
                "runbook",
                "recovery_step_start",
                "2/4 restore A",
            ),
            (
                RecoveryStepDone { index: 1, total: 4 },
                "runbook",
                "recovery_step_done",
                "2/4",
            ),
        ];
        let log = log();
        for (event, entity, name, detail) in cases {
            let got = (
                log.entity_name(event.entity()),
                event.name(),
                log.detail(&event).to_string(),
            );
            assert_eq!(got, (entity, name, detail.to_string()), "{event:?}");
        }
    }

    #[test]
    fn a_record_is_small_plain_data() {
        // `Copy`: no event owns heap memory, so one costs nothing to build
        // while the log is off, and a kept one is a fixed-size push.
        fn plain<T: Copy>() {}
        plain::<Record>();
        assert!(std::mem::size_of::<Record>() <= 40, "{}", std::mem::size_of::<Record>());
        assert!(EventLog::default().is_empty());
    }

    #[test]
    fn a_run_without_the_log_allocates_no_log() {
        use crate::scenario::Scenario;
        use crate::sim::{RunOptions, simulate};
        let sc = Scenario::default_scenario();
        let off = simulate(&sc, &sc.runbooks[0], 1, 0, RunOptions::default());
        let log = &off.events;
        assert_eq!(
            (log.records.capacity(), log.nodes.capacity(), log.steps.capacity()),
            (0, 0, 0)
        );
        let on = simulate(
            &sc,
            &sc.runbooks[0],
            1,
            0,
            RunOptions {
                log_events: true,
                trace_sessions: false,
            },
        );
        assert!(on.events.len() > 10, "{}", on.events.len());
        assert_eq!(on.events.node_name(0), "A");
        assert_eq!(on.events.step_count(), sc.runbooks[0].steps.len());
        assert_eq!(on.metrics, off.metrics);
    }

    #[test]
    fn steps_and_nodes_out_of_range_render_without_a_panic() {
        let log = EventLog::default();
        assert_eq!(log.entity_name(Entity::Node(5)), "?");
        assert_eq!(log.describe_step(3), "");
        assert_eq!(log.detail(&Event::Notify { step: 3 }).to_string(), "");
        assert_eq!(log.detail(&Event::Accepting { step: 3, on: 9 }).to_string(), "");
    }
}
