//! One replication of a campaign: the sites placed wave by wave in their
//! windows, under the cap and the shared operators, each site one
//! single-site run (docs/model.md §7).
//!
//! Times here are campaign milliseconds: signed, 0 at the fleet's `start`.
//!
//! The rules, in the order they apply to a site:
//!
//! 1. A wave starts at the campaign's start (the first) or once every site
//!    of the previous wave has ended, plus the bake time.
//! 2. Within a wave, sites start in the order listed: a site's first work
//!    never comes before the one listed before it.
//! 3. A site's procedure starts at a window opening of its own calendar,
//!    on one of the plan's `start_days` (a pod's service schedules its own
//!    slot after the start). Its run
//!    starts one warm-up earlier, to the minute below, so that its sessions
//!    are those of a single-site run started then.
//! 4. Each window (occurrence) a site works in counts once towards
//!    `max_sites_per_window`: the sites whose nights overlap it. A site that
//!    would break the cap in any of its nights waits for a later window.
//! 5. With shared operators, each operator works one site at a time: a
//!    site whose work would overlap the work of `count` others waits for a
//!    later window (the simulator starts procedures at window openings, so
//!    an operator does not move on to a second site in the same window).
//! 6. A site whose outcome is in `stop_on` stops the campaign when that
//!    outcome is known (the abort, the rollback, the backout, the escaped
//!    defect's discovery): a site that has not started by then is not
//!    started, nor is any later wave. A site already under way finishes.
//! 7. A site that finds no room within [`CAMPAIGN_HORIZON`] (or within
//!    [`MAX_TRIES`] runs) is not started.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;

use super::table::CampaignMetrics;
use super::{CAMPAIGN_HORIZON, Fleet, MAX_TRIES, StopOn, local_minute, site_seed};
use crate::metrics::Metrics;
use crate::runbook::Step;
use crate::scenario::Scenario;
use crate::sim::events::Event;
use crate::sim::{Limits, RunOptions, simulate_bounded};
use crate::time::{MS_PER_DAY, MS_PER_HOUR, MS_PER_MIN, SimTime};

/// What became of a site.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SiteState {
    /// Its procedure ran to its end.
    Done,
    /// Its procedure was aborted.
    Aborted,
    /// The campaign never started it.
    NotStarted,
}

impl SiteState {
    /// The word in `sites.csv`.
    pub fn word(self) -> &'static str {
        match self {
            SiteState::Done => "done",
            SiteState::Aborted => "aborted",
            SiteState::NotStarted => "not_started",
        }
    }
}

/// One site in one replication of a campaign.
#[derive(Clone, Debug, PartialEq)]
pub struct SiteRun {
    /// The site (index in [`Fleet::sites`]).
    pub site: usize,
    /// Its wave (0-based).
    pub wave: usize,
    /// The strategy it used.
    pub strategy: String,
    /// Its seed ([`site_seed`]).
    pub seed: u64,
    pub state: SiteState,
    /// The local date-time (site zone) its run started at: the
    /// `calendar.start` of the single-site run that gives the same row.
    pub run_start: Option<jiff::civil::DateTime>,
    /// Its first work, campaign ms.
    pub work_start: Option<i64>,
    /// The end of its procedure (done or aborted), campaign ms.
    pub end: Option<i64>,
    /// The single-site metrics (none when not started).
    pub metrics: Option<Metrics>,
    /// Spans of work (steps under way, waits for the next window left
    /// out), campaign ms.
    pub work: Vec<(i64, i64)>,
    /// The windows it worked in (each counts towards the cap).
    pub nights: Vec<(i64, i64)>,
    /// Without a working failover.
    pub exposure: Vec<(i64, i64)>,
    /// Down.
    pub down: Vec<(i64, i64)>,
    /// The outcomes that may stop a campaign, each when first known.
    pub triggers: Vec<(i64, StopOn)>,
    /// User-minutes lost (see the metric).
    pub user_minutes: f64,
    /// Runs simulated to place it (1 when its first window had room).
    pub tries: u32,
}

/// One replication of one plan.
#[derive(Clone, Debug, PartialEq)]
pub struct CampaignRun {
    pub metrics: CampaignMetrics,
    /// Every site, in the fleet's order.
    pub sites: Vec<SiteRun>,
    /// Each wave's start and end (campaign ms); `None` for a wave that
    /// never started.
    pub waves: Vec<Option<(i64, i64)>>,
}

/// Nights and work spans placed so far, indexed by start for overlap queries.
#[derive(Default)]
struct Ledger {
    nights: BTreeMap<(i64, usize), i64>,
    longest_night: i64,
    work: BTreeMap<(i64, usize, usize), i64>,
    longest_work: i64,
}

impl Ledger {
    /// Sites (other than `me`) with a night overlapping `[a, b)`.
    fn sites_in(&self, a: i64, b: i64, me: usize) -> Vec<usize> {
        let mut out: Vec<usize> = self
            .nights
            .range((a - self.longest_night, 0)..(b, 0))
            .filter(|((s, k), e)| *k != me && *s < b && **e > a)
            .map(|((_, k), _)| *k)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// True when site `me` may work in the window `[a, b)` under `cap`: at
    /// most `cap` sites (`me` included) in it, and in each window of the
    /// others it overlaps.
    fn room(&self, a: i64, b: i64, me: usize, cap: usize) -> bool {
        if self.sites_in(a, b, me).len() >= cap {
            return false;
        }
        self.nights
            .range((a - self.longest_night, 0)..(b, 0))
            // The same window as `[a, b)` holds the same sites: checked above.
            .filter(|((s, k), e)| *k != me && *s < b && **e > a && (*s, **e) != (a, b))
            .all(|((s, k), e)| {
                let mut others = self.sites_in(*s, *e, *k);
                others.retain(|o| *o != me);
                others.len() + 1 < cap
            })
    }

    /// The first end of the nights (other than `me`'s) overlapping `[a, b)`.
    fn first_end(&self, a: i64, b: i64, me: usize) -> Option<i64> {
        self.nights
            .range((a - self.longest_night, 0)..(b, 0))
            .filter(|((s, k), e)| *k != me && *s < b && **e > a)
            .map(|(_, e)| *e)
            .min()
    }

    /// Work spans (other than `me`'s) overlapping `[a, b)`.
    fn work_in(&self, a: i64, b: i64, me: usize) -> Vec<(i64, i64)> {
        self.work
            .range((a - self.longest_work, 0, 0)..(b, 0, 0))
            .filter(|((s, k, _), e)| *k != me && *s < b && **e > a)
            .map(|((s, _, _), e)| (*s, *e))
            .collect()
    }

    /// Most of `spans` covering one instant of `[a, b)`.
    fn peak(spans: &[(i64, i64)], a: i64, b: i64) -> usize {
        let mut ev: Vec<(i64, i32)> = Vec::with_capacity(spans.len() * 2);
        for &(s, e) in spans {
            ev.push((s.max(a), 1));
            ev.push((e.min(b), -1));
        }
        ev.sort_unstable();
        let (mut now, mut most) = (0i32, 0i32);
        for (_, d) in ev {
            now += d;
            most = most.max(now);
        }
        most.max(0) as usize
    }

    fn add(&mut self, r: &SiteRun) {
        for &(a, b) in &r.nights {
            self.nights.insert((a, r.site), b);
            self.longest_night = self.longest_night.max(b - a);
        }
        for (i, &(a, b)) in r.work.iter().enumerate() {
            self.work.insert((a, r.site, i), b);
            self.longest_work = self.longest_work.max(b - a);
        }
    }
}

/// What a runbook step asks of people, for the campaign.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// An operator works (or watches, within the same window): clicks,
    /// backups, verification, the waits for installs, syncs and drains.
    Operator,
    /// The cloud service changes the site without an operator: a pod's
    /// cutover. It counts towards the cap, not towards the operators.
    Change,
    /// Nobody works: the interim, the wait for a window or a fixed time, the
    /// service's scheduling, building, notices and clean-up.
    Wait,
}

/// Every step's [`Role`] (an exhaustive match: a new step must say).
fn role(step: &Step) -> Role {
    match step {
        Step::Backup { .. }
        | Step::SyncNow
        | Step::BreakFailover
        | Step::EstablishFailover { .. }
        | Step::WaitSync
        | Step::Upgrade { .. }
        | Step::WaitUpgraded { .. }
        | Step::Verify { .. }
        | Step::Switch { .. }
        | Step::SetAccepting { .. }
        | Step::WaitDrained { .. }
        | Step::DistributePackage
        | Step::BecomeBackup { .. }
        | Step::BecomePrimary { .. }
        | Step::SetBackupOperations { .. }
        | Step::ClusterSync
        | Step::Precheck
        | Step::Restore { .. }
        | Step::SetLogoffPolicy { .. } => Role::Operator,
        Step::Cutover => Role::Change,
        Step::Interim
        | Step::WaitWindow
        | Step::Wait { .. }
        | Step::Schedule
        | Step::BuildGreen
        | Step::Notify { .. }
        | Step::DeleteBlue => Role::Wait,
    }
}

/// Runs one site with its run starting at the local `start` (site zone).
/// `None` when stopped; `Some(None)` when the calendar cannot start there.
#[allow(clippy::too_many_arguments)]
fn run_site(
    fleet: &Fleet,
    k: usize,
    wave: usize,
    strategy: &str,
    start: jiff::civil::DateTime,
    seed: u64,
    stop: &AtomicBool,
) -> Option<Option<SiteRun>> {
    let site = &fleet.sites[k];
    let group = &fleet.groups[site.group];
    let Some(sc) = group.at(start) else {
        return Some(None);
    };
    let rb = sc
        .runbook(strategy)
        .expect("strategies are checked when the fleet is read");
    let t0 = sc.calendar.clock().expect("fleet sites are dated").t0_ms - fleet.start_unix_ms;
    let opts = RunOptions {
        log_events: true,
        trace_sessions: false,
    };
    let out = simulate_bounded(&sc, rb, seed, 0, opts, &Limits::DEFAULT, stop)?;
    let at = |t: SimTime| t0 + t.0 as i64;
    let log = &out.events;
    // Operators' work, and the service's changes (a pod's cutover).
    let mut work = Vec::new();
    let mut open: Option<(i64, i64)> = None;
    let mut changes = Vec::new();
    let mut cutover: Option<(i64, i64)> = None;
    let mut exposure = Vec::new();
    let mut exp_since = None;
    let mut down = Vec::new();
    let mut down_since = None;
    let mut triggers: Vec<(i64, StopOn)> = Vec::new();
    let mut end = None;
    let mut last = 0;
    let note = |t: i64, why: StopOn, triggers: &mut Vec<(i64, StopOn)>| {
        if !triggers.iter().any(|(_, w)| *w == why) {
            triggers.push((t, why));
        }
    };
    for r in log.iter() {
        let t = at(r.time);
        last = t;
        match r.event {
            Event::StepStart { step } => match log.step(step).map(role) {
                Some(Role::Operator) => {
                    if open.is_none() {
                        open = Some((t, t));
                    }
                }
                Some(Role::Change) | Some(Role::Wait) | None => {
                    if let Some(span) = open.take() {
                        work.push(span);
                    }
                }
            },
            Event::StepDone { step } => {
                if log.step(step).map(role) == Some(Role::Operator)
                    && let Some(span) = open.as_mut()
                {
                    span.1 = t;
                }
            }
            // The cutover itself, at the slot the service scheduled (its
            // step starts earlier and waits for the slot).
            Event::MaintenanceStarted { .. } => cutover = Some((t, t)),
            Event::CutoverDone => {
                if let Some((a, _)) = cutover.take() {
                    changes.push((a, t));
                }
            }
            // The runbook's last step done: the site is done as far as
            // anyone knows (a latent defect may show later: the run goes on
            // until it does, and `ProcedureDone` comes after the recovery).
            Event::StepsDone | Event::ProcedureDone => {
                end = end.or(Some(t));
                if let Some(mut span) = open.take() {
                    span.1 = span.1.max(t);
                    work.push(span);
                }
            }
            Event::Aborted { .. } => {
                end = Some(t);
                note(t, StopOn::Aborted, &mut triggers);
                if let Some(mut span) = open.take() {
                    span.1 = t;
                    work.push(span);
                }
                if let Some((a, _)) = cutover.take() {
                    changes.push((a, t));
                }
            }
            Event::FailoverNotWorking => exp_since = Some(t),
            Event::FailoverWorking => {
                if let Some(s) = exp_since.take() {
                    exposure.push((s, t));
                }
            }
            Event::SiteDown => down_since = Some(t),
            Event::SiteUp { .. } => {
                if let Some(s) = down_since.take() {
                    down.push((s, t));
                }
            }
            Event::DefectEscaped { .. } => note(t, StopOn::DefectEscaped, &mut triggers),
            Event::RollbackDone { .. } => note(t, StopOn::Rollback, &mut triggers),
            Event::BackoutDone => note(t, StopOn::Backout, &mut triggers),
            _ => {}
        }
    }
    // Spans still open close where the run ends (its last record).
    let close = last;
    if let Some(s) = exp_since {
        exposure.push((s, close));
    }
    if let Some(s) = down_since {
        down.push((s, close));
    }
    if let Some(span) = open {
        work.push(span);
    }
    work.retain(|(a, b)| b >= a);
    let end = end.unwrap_or(last);
    // The windows the site changed in: the occurrence holding the start of
    // each stretch of work or of a cutover, or the stretch itself (a pod's
    // cutover, work outside any window).
    let mut nights: Vec<(i64, i64)> = Vec::new();
    let mut all: Vec<(i64, i64)> = work.iter().chain(&changes).copied().collect();
    all.sort_unstable();
    for &(a, b) in &all {
        let rel = (a - t0).max(0) as u64;
        let night = match sc.calendar.current_or_next(SimTime(rel)) {
            Some(o) if o.open.0 <= rel && rel < o.close.0 && !sc.site.kind.scheduled_by_service() => {
                (t0 + o.open.0 as i64, t0 + o.close.0 as i64)
            }
            _ => (a, b.max(a + 1)),
        };
        if !nights.contains(&night) {
            nights.push(night);
        }
    }
    let m = out.metrics;
    let state = if m.aborted > 0 {
        SiteState::Aborted
    } else {
        SiteState::Done
    };
    let user_minutes = user_minutes(&sc, t0, &down) + m.technician_unavailable_ms as f64 / MS_PER_MIN as f64;
    Some(Some(SiteRun {
        site: k,
        wave,
        strategy: strategy.to_string(),
        seed,
        state,
        run_start: Some(start),
        work_start: all.first().map(|w| w.0),
        end: Some(end),
        metrics: Some(m),
        work,
        nights,
        exposure,
        down,
        triggers,
        user_minutes,
        tries: 1,
    }))
}

/// Users who would have been connected during the outages `down`
/// (campaign ms; the run's time 0 is `t0`), in user-minutes: the arrival
/// rate at each local hour times the mean session length (Little's law),
/// integrated minute by minute.
fn user_minutes(sc: &Scenario, t0: i64, down: &[(i64, i64)]) -> f64 {
    let wl = &sc.workload;
    let per_hour = wl.support.rate_per_hour * wl.support.duration.mean_ms() / MS_PER_HOUR as f64
        + wl.console.rate_per_hour * wl.console.duration.mean_ms() / MS_PER_HOUR as f64;
    let mut total = 0.0;
    for &(a, b) in down {
        let mut t = a;
        while t < b {
            let next = (t + MS_PER_MIN as i64).min(b);
            let hour = sc.calendar.hour_of_week(SimTime((t - t0).max(0) as u64));
            let load = per_hour * wl.profile.get(hour).copied().unwrap_or(1.0);
            total += load * (next - t) as f64 / MS_PER_MIN as f64;
            t = next;
        }
    }
    total
}

/// Runs replication `replication` of plan `plan`; `None` when `stop` was
/// set meanwhile.
pub fn simulate_campaign(
    fleet: &Fleet,
    plan: usize,
    seed: u64,
    replication: u64,
    stop: &AtomicBool,
) -> Option<CampaignRun> {
    let p = &fleet.plans[plan];
    let n = fleet.sites.len();
    let horizon = CAMPAIGN_HORIZON.0 as i64;
    let mut runs: Vec<Option<SiteRun>> = vec![None; n];
    let mut ledger = Ledger::default();
    let mut stop_at: Option<(i64, usize)> = None;
    let mut waves = Vec::with_capacity(p.waves.len());
    let mut next_wave_start = 0i64;
    let cap = p.max_sites_per_window;
    let operators = fleet.operators.as_ref().map(|o| o.count);
    for (w, members) in p.waves.iter().enumerate() {
        let wave_start = next_wave_start;
        if stop_at.is_some_and(|(t, _)| t <= wave_start) {
            waves.push(None);
            continue;
        }
        let mut cursor = wave_start;
        let mut wave_end: Option<i64> = None;
        for &k in members {
            // A site's run looks at the flag only every so many events: a
            // stop must not wait for the rest of the fleet.
            if stop.load(std::sync::atomic::Ordering::Relaxed) {
                return None;
            }
            let site = &fleet.sites[k];
            let group = &fleet.groups[site.group];
            let sc = &group.scenario;
            let strategy = &p.strategies[k];
            let seed_k = site_seed(seed, replication, k);
            let windowed = !sc.site.kind.scheduled_by_service()
                && (!sc.calendar.windows.is_empty() || sc.calendar.local.as_ref().is_some_and(|l| !l.dated.is_empty()));
            // The group's calendar counts from its own time 0: `g0` in
            // campaign time.
            let g0 = group.t0_ms() - fleet.start_unix_ms;
            let rel = |t: i64| SimTime((t - g0).max(0) as u64);
            let warmup = sc.warmup.0 as i64;
            let mut t = cursor;
            let mut tries = 0u32;
            let placed = loop {
                if t > horizon || tries >= MAX_TRIES || stop_at.is_some_and(|(s, _)| s <= t) {
                    break None;
                }
                // The next opening at or after `t` (pods and window-less
                // sites: `t` itself).
                let c = if windowed {
                    match sc.calendar.next_open(rel(t)) {
                        Some(o) => g0 + o.0 as i64,
                        None => break None,
                    }
                } else {
                    t
                };
                if c > horizon || stop_at.is_some_and(|(s, _)| s <= c) {
                    break None;
                }
                // Cheap look first: a day the plan does not start on, the
                // first window already full, or every operator busy at its
                // opening.
                if windowed && let Some(o) = sc.calendar.current_or_next(rel(c)) {
                    let (a, b) = (g0 + o.open.0 as i64, g0 + o.close.0 as i64);
                    if p.start_days != 0x7f {
                        let day = local_minute(group.zone(), fleet.start_unix_ms + a)
                            .date()
                            .weekday()
                            .to_monday_zero_offset();
                        if p.start_days & (1 << day) == 0 {
                            t = b;
                            continue;
                        }
                    }
                    if !ledger.room(a, b, k, cap) {
                        t = b;
                        continue;
                    }
                    if let Some(count) = operators
                        && Ledger::peak(&ledger.work_in(a, a + 1, k), a, a + 1) >= count
                    {
                        t = b;
                        continue;
                    }
                }
                // To the minute: below for a site that waits for its
                // window (the opening is still the next one), above for one
                // that starts at once (never before `t`).
                let start_ms = fleet.start_unix_ms + c - warmup;
                let start = if windowed {
                    local_minute(group.zone(), start_ms)
                } else {
                    local_minute(group.zone(), start_ms + MS_PER_MIN as i64 - 1)
                };
                tries += 1;
                let Some(mut run) = run_site(fleet, k, w, strategy, start, seed_k, stop)? else {
                    break None;
                };
                run.tries = tries;
                // The whole run checked against what is placed.
                // A conflict moves the whole site: by as much as it takes
                // for the conflicting night (or span) to come after what
                // blocks it.
                let first = run.nights.first().copied().unwrap_or((c, c + 1));
                let mut conflict: Option<i64> = None;
                for (i, &(a, b)) in run.nights.iter().enumerate() {
                    if !ledger.room(a, b, k, cap) {
                        // A window: the next one. A stretch of its own (a
                        // pod's): the first one moves with the start, past
                        // the first of the others to end; a later one (a
                        // pod's cutover at the slot the service picks) does
                        // not, so the site starts once that other one ends.
                        let free = ledger.first_end(a, b, k).unwrap_or(b);
                        conflict = Some(if windowed {
                            c + (b - a).max(1)
                        } else if i == 0 {
                            c + (free - a).max(1)
                        } else {
                            free
                        });
                        break;
                    }
                }
                if conflict.is_none()
                    && let Some(count) = operators
                {
                    for (i, &(a, b)) in run.work.iter().enumerate() {
                        let others = ledger.work_in(a, b.max(a + 1), k);
                        if Ledger::peak(&others, a, b.max(a + 1)) >= count {
                            let free = others.iter().map(|o| o.1).min().unwrap_or(b);
                            conflict = Some(if windowed {
                                first.1
                            } else if i == 0 {
                                c + (free - a).max(1)
                            } else {
                                free
                            });
                            break;
                        }
                    }
                }
                match conflict {
                    // A site that starts at once starts on the minute: a
                    // smaller step would run it again from the same minute.
                    Some(next) if !windowed => t = next.max(c + MS_PER_MIN as i64),
                    Some(next) => t = next.max(c + 1),
                    None => break Some(run),
                }
            };
            match placed {
                Some(run) => {
                    cursor = cursor.max(run.work_start.unwrap_or(cursor));
                    let end = run.end.unwrap_or(cursor);
                    wave_end = Some(wave_end.map_or(end, |e: i64| e.max(end)));
                    for &(t, why) in &run.triggers {
                        if p.stop_on.contains(&why) && stop_at.is_none_or(|(s, _)| t < s) {
                            stop_at = Some((t, w));
                        }
                    }
                    ledger.add(&run);
                    runs[k] = Some(run);
                }
                None => {
                    runs[k] = Some(not_started(k, w, strategy, seed_k));
                }
            }
        }
        let end = wave_end.unwrap_or(wave_start);
        waves.push(wave_end.map(|e| (wave_start, e)));
        next_wave_start = end + p.bake.0 as i64;
    }
    let sites: Vec<SiteRun> = runs
        .into_iter()
        .enumerate()
        .map(|(k, r)| {
            r.unwrap_or_else(|| {
                let w = p.waves.iter().position(|m| m.contains(&k)).unwrap_or(0);
                not_started(k, w, &p.strategies[k], site_seed(seed, replication, k))
            })
        })
        .collect();
    let metrics = campaign_metrics(fleet, &sites, stop_at.map(|(_, w)| w));
    Some(CampaignRun { metrics, sites, waves })
}

fn not_started(k: usize, wave: usize, strategy: &str, seed: u64) -> SiteRun {
    SiteRun {
        site: k,
        wave,
        strategy: strategy.to_string(),
        seed,
        state: SiteState::NotStarted,
        run_start: None,
        work_start: None,
        end: None,
        metrics: None,
        work: Vec::new(),
        nights: Vec::new(),
        exposure: Vec::new(),
        down: Vec::new(),
        triggers: Vec::new(),
        user_minutes: 0.0,
        tries: 0,
    }
}

/// Most spans of `spans` covering one instant.
pub fn peak_overlap(spans: impl Iterator<Item = (i64, i64)>) -> u64 {
    let mut ev: Vec<(i64, i32)> = Vec::new();
    for (a, b) in spans {
        if b > a {
            ev.push((a, 1));
            ev.push((b, -1));
        }
    }
    // At equal instants ends come first: a span ending when another starts
    // does not overlap it.
    ev.sort_unstable();
    let (mut now, mut most) = (0i64, 0i64);
    for (_, d) in ev {
        now += d as i64;
        most = most.max(now);
    }
    most as u64
}

/// The night a campaign instant belongs to: noon to noon in the fleet's
/// zone, named by the day it starts on (days since 1970).
fn night_of(fleet: &Fleet, t: i64) -> i64 {
    let ts = jiff::Timestamp::from_millisecond(fleet.start_unix_ms + t).unwrap_or(jiff::Timestamp::MIN);
    let off = fleet.zone.to_offset(ts).seconds() as i64 * 1000;
    (fleet.start_unix_ms + t + off - 12 * MS_PER_HOUR as i64).div_euclid(MS_PER_DAY as i64)
}

fn campaign_metrics(fleet: &Fleet, sites: &[SiteRun], stopped_wave: Option<usize>) -> CampaignMetrics {
    let mut m = CampaignMetrics::default();
    let mut night_hours: BTreeMap<i64, f64> = BTreeMap::new();
    for s in sites {
        match s.state {
            SiteState::Done => m.sites_done += 1,
            SiteState::Aborted => m.sites_aborted += 1,
            SiteState::NotStarted => m.sites_not_started += 1,
        }
        if let Some(end) = s.end {
            m.campaign_ms = m.campaign_ms.max(end.max(0) as u64);
        }
        if let Some(x) = &s.metrics {
            m.site_exposure_ms += x.exposure_ms;
            m.downtime_ms += x.downtime_ms;
            m.dropped_sessions += x.dropped_sessions;
            m.operator_hours += x.operator_hours;
            m.defects_escaped += x.defect_escaped;
            m.user_minutes_lost += s.user_minutes;
            // The site's operator hours, shared among its nights by work time.
            let total: i64 = s.work.iter().map(|(a, b)| b - a).sum();
            for &(a, b) in &s.work {
                let share = if total > 0 {
                    (b - a) as f64 / total as f64
                } else {
                    1.0 / s.work.len() as f64
                };
                *night_hours.entry(night_of(fleet, a)).or_default() += x.operator_hours * share;
            }
        }
    }
    m.peak_sites_without_failover = peak_overlap(sites.iter().flat_map(|s| s.exposure.iter().copied()));
    m.nights_used = night_hours.len() as u64;
    m.peak_night_operator_hours = night_hours.values().copied().fold(0.0, f64::max);
    m.stopped_at_wave = stopped_wave.map_or(0, |w| w as u64 + 1);
    m.done_by_deadline = fleet
        .deadline_unix_ms
        .map(|d| m.sites_done == sites.len() as u64 && fleet.start_unix_ms + m.campaign_ms as i64 <= d);
    m
}
