//! One replication of a campaign: the sites placed wave by wave in their
//! windows, under the cap and the shared operators, each site one
//! single-site run, the version's defect shared by every site that runs it,
//! the stops and the resumption after a fix (docs/model.md §7).
//!
//! Times here are campaign milliseconds: signed, 0 at the fleet's `start`.
//!
//! The rules, in the order they apply:
//!
//! 1. A wave starts at the campaign's start (the first) or once every site
//!    of the previous wave has ended, plus the bake time.
//! 2. Within a wave, each site goes to the earliest window its own calendar
//!    and the rules below allow, the listed order breaking ties (or, with
//!    `placement = "listed"`, in the order listed) — see the
//!    `placement` module.
//! 3. A site's procedure starts at a window opening of its own calendar,
//!    on one of the plan's `start_days` (a pod's service schedules its own
//!    slot after the start). Its run starts one warm-up earlier, to the
//!    minute below, so that its sessions are those of a single-site run
//!    started then.
//! 4. Each window (occurrence) a site works in counts once towards
//!    `max_sites_per_window`. A site that would break the cap in any of its
//!    nights waits for a later window.
//! 5. With shared operators, each operator works one site at a time.
//! 6. A site whose outcome is in `stop_on` stops the campaign when that
//!    outcome is known: a site that has not started by then is not
//!    started, nor is any later wave. A site already under way finishes —
//!    but when the stop is the version's defect found (`defect_found`),
//!    every site that runs the new version falls back or is restored as
//!    soon as it serves it, and with `[version] fix` the campaign resumes
//!    once the fixed version is out: the sites that ran the defective one
//!    first, then the rest of the wave, then the later waves.
//! 7. A site that finds no room within [`super::CAMPAIGN_HORIZON`] (or
//!    within [`super::MAX_TRIES`] runs) is not started.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;

use rand::RngExt;

use super::placement::{Ledger, Placed, WavePlacer};
use super::table::{CampaignMetrics, Outcome};
use super::{Fleet, StopOn, site_seed, site_seed_again};
use crate::metrics::Metrics;
use crate::rng::{Purpose, stream};
use crate::runbook::StepKind;
use crate::scenario::Scenario;
use crate::sim::events::Event;
use crate::sim::{Limits, RunOptions, VersionDefect, simulate_carrying};
use crate::time::{MS_PER_DAY, MS_PER_HOUR, MS_PER_MIN, SimDuration, SimTime};

/// What became of a site.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SiteState {
    /// Its procedure ran to its end: it runs the new version.
    Done,
    /// Its procedure was aborted.
    Aborted,
    /// It ran the new version, a latent defect showed, and it fell back or
    /// was restored: it runs the old version.
    Recovered,
    /// The campaign never started it.
    NotStarted,
}

impl SiteState {
    /// The word in `sites.csv`.
    pub fn word(self) -> &'static str {
        match self {
            SiteState::Done => "done",
            SiteState::Aborted => "aborted",
            SiteState::Recovered => "recovered",
            SiteState::NotStarted => "not_started",
        }
    }
}

/// One site in one replication of a campaign (one run of its procedure).
#[derive(Clone, Debug, PartialEq)]
pub struct SiteRun {
    /// The site (index in [`Fleet::sites`]).
    pub site: usize,
    /// Its wave (0-based).
    pub wave: usize,
    /// 1 for the campaign's first run of the site; 2 for its upgrade to the
    /// fixed version after the version's defect was found.
    pub attempt: u32,
    /// The strategy it used.
    pub strategy: String,
    /// Its seed ([`site_seed`], or [`site_seed_again`] for attempt 2).
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
    /// An operator worked on it (the run's operator spans).
    pub operator: Vec<(i64, i64)>,
    /// The outcomes that may stop a campaign, each when first known.
    pub triggers: Vec<(i64, StopOn)>,
    /// When it first served the new version, campaign ms.
    pub serving_new: Option<i64>,
    /// It ran a version that carries the version's defect.
    pub defective: bool,
    /// The version's defect ([`VersionDefect`]) given to its run, if any.
    pub version_defect: Option<VersionDefect>,
    /// User-minutes lost (see the metric).
    pub user_minutes: f64,
    /// Runs simulated to place it (1 when its first window had room).
    pub tries: u32,
}

/// A stop of the campaign: when it was known, the wave of the site that
/// stopped it, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stop {
    pub at: i64,
    pub wave: usize,
    pub cause: StopOn,
}

/// One replication of one plan.
#[derive(Clone, Debug, PartialEq)]
pub struct CampaignRun {
    pub metrics: CampaignMetrics,
    /// Every site, in the fleet's order: its last run (or not started).
    pub sites: Vec<SiteRun>,
    /// Runs of sites that were run again (their first run, on the version
    /// whose defect was found), in the order they were superseded.
    pub earlier: Vec<SiteRun>,
    /// Each wave's start and end (campaign ms); `None` for a wave that
    /// never started.
    pub waves: Vec<Option<(i64, i64)>>,
    /// The stops that fired, in order: at most a `defect_found` the
    /// campaign resumed from, then the stop in force at its end.
    pub stops: Vec<Stop>,
    /// When the campaign resumed with the fixed version, if it did.
    pub resumed_at: Option<i64>,
}

impl CampaignRun {
    /// The last stop: the one in force at the end, or the `defect_found`
    /// the campaign resumed from.
    pub fn stop(&self) -> Option<Stop> {
        self.stops.last().copied()
    }

    /// Every run of every site: the earlier ones, then the last ones.
    pub fn all_runs(&self) -> impl Iterator<Item = &SiteRun> {
        self.earlier.iter().chain(&self.sites)
    }
}

/// The version's defect in one replication: whether the version carries
/// one, and when each site would show it once serving. Drawn from a stream
/// of its own, `(seed, replication, version)`: the same for every plan
/// (common random numbers), and independent of the sites' own draws.
struct VersionDraw {
    defective: bool,
    mean_ms: f64,
    seed: u64,
    replication: u64,
}

impl VersionDraw {
    fn new(fleet: &Fleet, seed: u64, replication: u64) -> VersionDraw {
        let (p, mean_ms) = fleet
            .version
            .map_or((0.0, 0.0), |v| (v.latent_defect, v.defect_detect.0 as f64));
        // Nothing drawn without a defect possible.
        let defective = p > 0.0 && stream(seed, replication, Purpose::Version).random::<f64>() < p;
        VersionDraw {
            defective,
            mean_ms,
            seed,
            replication,
        }
    }

    /// Site `k`'s own time to show the defect once serving the new version:
    /// exponential, word `2(k + 1)` of the stream (word 0 drew the defect).
    fn shows_after(&self, k: usize) -> SimDuration {
        let mut rng = stream(self.seed, self.replication, Purpose::Version);
        rng.set_word_pos(2 * (k as u128 + 1));
        let u: f64 = rng.random();
        SimDuration::from_ms_f64(-self.mean_ms * (1.0 - u).ln())
    }
}

/// Runs one site with its run starting at the local `start` (site zone).
/// `None` when stopped; `Some(None)` when the calendar cannot start there.
#[allow(clippy::too_many_arguments)]
fn run_site(
    fleet: &Fleet,
    k: usize,
    wave: usize,
    attempt: u32,
    strategy: &str,
    start: jiff::civil::DateTime,
    seed: u64,
    version: Option<VersionDefect>,
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
    let out = simulate_carrying(&sc, rb, seed, opts, &Limits::DEFAULT, stop, version)?;
    let at = |t: SimTime| t0 + t.0 as i64;
    let log = &out.events;
    // Operators' work, and the service's changes (a pod's cutover).
    let mut work = Vec::new();
    let mut open: Option<(i64, i64)> = None;
    let mut changes = Vec::new();
    let mut cutover: Option<(i64, i64)> = None;
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
            Event::StepStart { step } => match log.step(step).map(|s| s.kind()) {
                Some(StepKind::Operator) => {
                    if open.is_none() {
                        open = Some((t, t));
                    }
                }
                Some(StepKind::ServiceChange) | Some(StepKind::Wait) | None => {
                    if let Some(span) = open.take() {
                        work.push(span);
                    }
                }
            },
            Event::StepDone { step } => {
                if log.step(step).map(|s| s.kind()) == Some(StepKind::Operator)
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
            Event::DefectEscaped { .. } => note(t, StopOn::DefectEscaped, &mut triggers),
            Event::RollbackDone { .. } => note(t, StopOn::Rollback, &mut triggers),
            Event::BackoutDone => note(t, StopOn::Backout, &mut triggers),
            _ => {}
        }
    }
    if out.version.found_version_defect
        && let Some(found) = out.version.defect_found_at
    {
        triggers.push((at(found), StopOn::DefectFound));
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
    let spans = |v: &[(SimTime, SimTime)]| v.iter().map(|&(a, b)| (at(a), at(b))).collect::<Vec<_>>();
    let down = spans(&out.spans.down);
    let exposure = spans(&out.spans.exposure);
    let operator = spans(&out.spans.operator);
    let m = out.metrics;
    let state = if m.aborted > 0 {
        SiteState::Aborted
    } else if out.version.recovered {
        SiteState::Recovered
    } else {
        SiteState::Done
    };
    let user_minutes = user_minutes(&sc, t0, &down) + m.technician_unavailable_ms as f64 / MS_PER_MIN as f64;
    let serving_new = out.version.serving_from.map(at);
    Some(Some(SiteRun {
        site: k,
        wave,
        attempt,
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
        operator,
        triggers,
        serving_new,
        defective: version.is_some() && serving_new.is_some(),
        version_defect: version,
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

/// A campaign under way: what is placed, and the stops.
struct Campaign<'f> {
    fleet: &'f Fleet,
    plan: usize,
    seed: u64,
    replication: u64,
    version: VersionDraw,
    /// Each site's last run.
    runs: Vec<Option<SiteRun>>,
    earlier: Vec<SiteRun>,
    /// Each site's attempt to come (2 once it is to be run again).
    attempt: Vec<u32>,
    /// Each site's wave in the plan.
    wave: Vec<usize>,
    /// The version's defect was recalled (every site told).
    recalled: bool,
    /// The campaign resumed with the fixed version: no site carries the
    /// version's defect any more.
    fixed: bool,
    ledger: Ledger,
    /// The stop in force: sites that would start at or after it do not.
    stop: Option<Stop>,
    /// The stops handled (a resumed `defect_found`).
    stops: Vec<Stop>,
    resumed_at: Option<i64>,
}

impl Campaign<'_> {
    /// Site `k`'s run with its run starting at `start`.
    fn simulate(&self, k: usize, start: jiff::civil::DateTime, stop: &AtomicBool) -> Option<Option<SiteRun>> {
        let p = &self.fleet.plans[self.plan];
        let attempt = self.attempt[k];
        let (seed, version) = if attempt == 1 {
            let carries = self.version.defective
                && !self.fixed
                && self.fleet.groups[self.fleet.sites[k].group]
                    .scenario
                    .site
                    .kind
                    .restores_appliances();
            let v = carries.then(|| VersionDefect {
                shows_after: self.version.shows_after(k),
                known_at: None,
            });
            (site_seed(self.seed, self.replication, k), v)
        } else {
            // The fixed version carries no defect of the version's own.
            (site_seed_again(self.seed, self.replication, k), None)
        };
        run_site(
            self.fleet,
            k,
            self.wave[k],
            attempt,
            &p.strategies[k],
            start,
            seed,
            version,
            stop,
        )
    }

    /// Takes note of a placed run's outcomes that stop the campaign.
    fn note_triggers(&mut self, run: &SiteRun) {
        let p = &self.fleet.plans[self.plan];
        for &(t, why) in &run.triggers {
            if !p.stop_on.contains(&why) {
                continue;
            }
            // At the same instant, the version's defect found names the
            // stop (an escape of the version's defect is both).
            let earlier = match self.stop {
                None => true,
                Some(s) => t < s.at || (t == s.at && why == StopOn::DefectFound && s.cause != why),
            };
            if earlier {
                self.stop = Some(Stop {
                    at: t,
                    wave: run.wave,
                    cause: why,
                });
            }
        }
    }

    /// Places the sites `members` of wave `w` from `start`; returns the end
    /// of the wave's last site (`None` when none started).
    fn place_wave(&mut self, members: Vec<usize>, start: i64, stop: &AtomicBool) -> Option<Option<i64>> {
        let fleet = self.fleet;
        let plan = &fleet.plans[self.plan];
        let mut placer = WavePlacer::new(fleet, plan, members, start);
        let mut end: Option<i64> = None;
        loop {
            let stop_at = self.stop.map(|s| s.at);
            let mut ledger = std::mem::take(&mut self.ledger);
            let placed = {
                let me = &*self;
                let mut sim = |k: usize, at: jiff::civil::DateTime| {
                    // A site's run looks at the flag only every so many
                    // events: a stop must not wait for the rest of the fleet.
                    if stop.load(std::sync::atomic::Ordering::Relaxed) {
                        return None;
                    }
                    me.simulate(k, at, stop)
                };
                placer.next(&mut ledger, stop_at, &mut sim)
            };
            self.ledger = ledger;
            match placed {
                Placed::Site(run) => {
                    let e = run.end.unwrap_or(start);
                    end = Some(end.map_or(e, |x: i64| x.max(e)));
                    self.note_triggers(&run);
                    let k = run.site;
                    if let Some(old) = self.runs[k].replace(*run) {
                        self.earlier.push(old);
                    }
                }
                Placed::NotStarted(k) => {
                    // A site to be run again that is not keeps its first run.
                    if self.runs[k].is_none() {
                        self.runs[k] = Some(not_started(self, k));
                    }
                }
                Placed::Finished => return Some(end),
                Placed::Interrupted => return None,
            }
        }
    }

    /// The version's defect is known at `at`: every site that carries it
    /// and has not found it yet falls back or is restored as soon as it
    /// serves the new version (its run simulated again with the defect
    /// known). `None` when the user asked to stop.
    fn recall(&mut self, at: i64, stop: &AtomicBool) -> Option<()> {
        if std::mem::replace(&mut self.recalled, true) {
            return Some(());
        }
        for k in 0..self.runs.len() {
            let Some(run) = &self.runs[k] else { continue };
            let Some(v) = run.version_defect else { continue };
            let found = run
                .triggers
                .iter()
                .any(|(t, why)| *why == StopOn::DefectFound && *t <= at);
            let Some(start) = run.run_start else { continue };
            if found || run.state == SiteState::NotStarted {
                continue;
            }
            let group = &self.fleet.groups[self.fleet.sites[k].group];
            let Some(sc) = group.at(start) else { continue };
            let t0 = sc.calendar.clock().expect("fleet sites are dated").t0_ms - self.fleet.start_unix_ms;
            let known_at = SimTime((at - t0).max(0) as u64);
            let p = &self.fleet.plans[self.plan];
            let Some(mut again) = run_site(
                self.fleet,
                k,
                run.wave,
                run.attempt,
                &p.strategies[k],
                start,
                run.seed,
                Some(VersionDefect {
                    known_at: Some(known_at),
                    ..v
                }),
                stop,
            )?
            else {
                continue;
            };
            again.tries = run.tries;
            self.ledger.remove(run);
            self.ledger.add(&again);
            self.runs[k] = Some(again);
        }
        Some(())
    }
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
    let mut c = Campaign {
        fleet,
        plan,
        seed,
        replication,
        version: VersionDraw::new(fleet, seed, replication),
        runs: vec![None; n],
        earlier: Vec::new(),
        attempt: vec![1; n],
        wave: (0..n).map(|k| wave_of(fleet, plan, k)).collect(),
        recalled: false,
        fixed: false,
        ledger: Ledger::default(),
        stop: None,
        stops: Vec::new(),
        resumed_at: None,
    };
    let fix = fleet.version.and_then(|v| v.fix);
    let mut waves: Vec<Option<(i64, i64)>> = vec![None; p.waves.len()];
    let mut start = 0i64;
    let mut w = 0;
    let mut members = p.waves.first().cloned().unwrap_or_default();
    while w < p.waves.len() {
        let wave_start = start;
        let end = c.place_wave(members.clone(), wave_start, stop)?;
        if let Some(e) = end {
            let span = waves[w].map_or((wave_start, e), |(a, b)| (a, b.max(e)));
            waves[w] = Some(span);
        }
        let next_start = waves[w].map_or(wave_start, |(_, e)| e) + p.bake.0 as i64;
        // A stop of the version's defect known before the next wave starts
        // (or after the last): recall the version; with a fix, resume.
        if let Some(s) = c.stop
            && s.cause == StopOn::DefectFound
            && (s.at < next_start || w + 1 == p.waves.len())
        {
            c.recall(s.at, stop)?;
            if let Some(fix) = fix
                && c.resumed_at.is_none()
            {
                c.stops.push(s);
                let resume = s.at + fix.0 as i64;
                c.resumed_at = Some(resume);
                c.stop = None;
                c.fixed = true;
                // The sites that ran the defective version first, then
                // those of this wave not started yet.
                let mut again: Vec<usize> = (0..n)
                    .filter(|&k| c.runs[k].as_ref().is_some_and(|r| r.defective))
                    .collect();
                for &k in &again {
                    c.attempt[k] = 2;
                }
                let left: Vec<usize> = members
                    .iter()
                    .copied()
                    .filter(|&k| c.runs[k].as_ref().is_none_or(|r| r.state == SiteState::NotStarted))
                    .collect();
                for &k in &left {
                    c.runs[k] = None;
                }
                again.extend(left);
                members = again;
                start = resume;
                continue;
            }
        }
        w += 1;
        start = next_start;
        members = p.waves.get(w).cloned().unwrap_or_default();
    }
    let sites: Vec<SiteRun> = c
        .runs
        .iter()
        .enumerate()
        .map(|(k, r)| r.clone().unwrap_or_else(|| not_started(&c, k)))
        .collect();
    c.stops.extend(c.stop);
    let mut run = CampaignRun {
        metrics: CampaignMetrics::default(),
        sites,
        earlier: c.earlier,
        waves,
        stops: c.stops,
        resumed_at: c.resumed_at,
    };
    run.metrics = campaign_metrics(fleet, &run);
    Some(run)
}

/// The wave of site `k` under plan `plan`.
fn wave_of(fleet: &Fleet, plan: usize, k: usize) -> usize {
    fleet.plans[plan].waves.iter().position(|m| m.contains(&k)).unwrap_or(0)
}

fn not_started(c: &Campaign, k: usize) -> SiteRun {
    let seed = if c.attempt[k] == 1 {
        site_seed(c.seed, c.replication, k)
    } else {
        site_seed_again(c.seed, c.replication, k)
    };
    SiteRun {
        site: k,
        wave: c.wave[k],
        attempt: c.attempt[k],
        strategy: c.fleet.plans[c.plan].strategies[k].clone(),
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
        operator: Vec::new(),
        triggers: Vec::new(),
        serving_new: None,
        defective: false,
        version_defect: None,
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

/// The end of night `night` (see [`night_of`]): noon of the next day in
/// the fleet's zone, campaign ms; `None` past the calendar's range.
fn night_end(fleet: &Fleet, night: i64) -> Option<i64> {
    let day = jiff::civil::date(1970, 1, 1)
        .checked_add(jiff::Span::new().try_days(night + 1).ok()?)
        .ok()?;
    let noon = fleet
        .zone
        .to_ambiguous_timestamp(day.at(12, 0, 0, 0))
        .compatible()
        .ok()?;
    Some(noon.as_millisecond() - fleet.start_unix_ms)
}

/// Adds the operator work `[a, b)` (campaign ms) to `hours`, night by
/// night: a span across noon counts on both sides.
fn add_by_night(fleet: &Fleet, hours: &mut BTreeMap<i64, u64>, (mut a, b): (i64, i64)) {
    while a < b {
        let night = night_of(fleet, a);
        let end = match night_end(fleet, night) {
            Some(e) if e > a => e.min(b),
            _ => b,
        };
        *hours.entry(night).or_default() += (end - a) as u64;
        a = end;
    }
}

fn campaign_metrics(fleet: &Fleet, run: &CampaignRun) -> CampaignMetrics {
    let mut m = CampaignMetrics::default();
    // Nights with work of some site, and the operators' time in each (ms).
    let mut nights: BTreeMap<i64, ()> = BTreeMap::new();
    let mut night_ms: BTreeMap<i64, u64> = BTreeMap::new();
    for s in &run.sites {
        match s.state {
            SiteState::Done => m.sites_done += 1,
            SiteState::Aborted => m.sites_aborted += 1,
            SiteState::Recovered => m.sites_recovered += 1,
            SiteState::NotStarted => m.sites_not_started += 1,
        }
    }
    let mut defect_sites = vec![false; run.sites.len()];
    for s in run.all_runs() {
        if s.defective {
            defect_sites[s.site] = true;
        }
        if let Some(end) = s.end {
            m.campaign_ms = m.campaign_ms.max(end.max(0) as u64);
        }
        if let Some(x) = &s.metrics {
            m.site_exposure_ms += x.exposure_ms;
            m.downtime_ms += x.downtime_ms;
            m.dropped_sessions += x.dropped_sessions;
            m.lost_work_sessions += x.lost_work_sessions;
            m.operator_hours += x.operator_hours;
            m.defects_escaped += x.defect_escaped;
            m.user_minutes_lost += s.user_minutes;
            // The nights it was worked in; its operators' time on the
            // night each piece of it happened (installs, syncs and drains
            // under way are work of the site, not of its operators).
            for &(a, _) in &s.work {
                nights.insert(night_of(fleet, a), ());
            }
            for &span in &s.operator {
                add_by_night(fleet, &mut night_ms, span);
            }
        }
    }
    m.defect_sites = defect_sites.iter().filter(|d| **d).count() as u64;
    m.peak_sites_without_failover = peak_overlap(run.all_runs().flat_map(|s| s.exposure.iter().copied()));
    m.nights_used = nights.len() as u64;
    m.peak_night_operator_hours = night_ms.values().copied().max().unwrap_or(0) as f64 / MS_PER_HOUR as f64;
    let stop = run.stop();
    m.stopped_at_wave = stop.map_or(0, |s| s.wave as u64 + 1);
    m.stop_cause = stop.map(|s| s.cause);
    m.stop_ms = stop.map(|s| s.at.max(0) as u64);
    let all_done = m.sites_done == run.sites.len() as u64;
    m.outcome = if all_done {
        Outcome::Done
    } else if stop.is_some() {
        Outcome::Stopped
    } else {
        Outcome::Unfinished
    };
    m.done_by_deadline = fleet
        .deadline_unix_ms
        .map(|d| all_done && fleet.start_unix_ms + m.campaign_ms as i64 <= d);
    m
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::{add_by_night, night_end, night_of};
    use crate::fleet::Fleet;
    use crate::time::MS_PER_HOUR;

    const H: i64 = MS_PER_HOUR as i64;

    fn fleet(zone: &str, start: &str) -> Fleet {
        let text = format!(
            "[fleet]\nstart = \"{start}\"\ntime_zone = \"{zone}\"\nsites = [{{ scenario = \"s.toml\", strategy = \"single\" }}]\n"
        );
        Fleet::parse(&text, "f.toml", "f", &|_| Ok("[site]\nkind = \"single\"\n".to_string()))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn operator_work_across_noon_counts_on_both_nights() {
        // Start Monday 2025-03-03 00:00 UTC: Sunday's night runs to Monday
        // noon (12 h), Monday's from then to Tuesday noon (36 h).
        let f = fleet("UTC", "2025-03-03T00:00");
        assert_eq!(night_of(&f, 0), night_of(&f, 12 * H - 1));
        assert_eq!(night_of(&f, 12 * H), night_of(&f, 0) + 1);
        assert_eq!(night_end(&f, night_of(&f, 0)), Some(12 * H));
        // 11:30 to 12:45: 30 min on Sunday's night, 45 min on Monday's;
        // 36:00 to 36:10 (Tuesday noon on), 10 min on Tuesday's.
        let mut hours = BTreeMap::new();
        add_by_night(&f, &mut hours, (23 * H / 2, 12 * H + 3 * H / 4));
        add_by_night(&f, &mut hours, (36 * H, 36 * H + H / 6));
        let sunday = night_of(&f, 0);
        let want: BTreeMap<i64, u64> = [
            (sunday, (H / 2) as u64),
            (sunday + 1, (3 * H / 4) as u64),
            (sunday + 2, (H / 6) as u64),
        ]
        .into();
        assert_eq!(hours, want);
    }

    #[test]
    fn a_night_ends_at_local_noon_across_a_clock_change() {
        // Paris moves to summer time on Sunday 2025-03-30 at 02:00: the
        // night from Saturday noon (11:00 UTC) to Sunday noon (10:00 UTC)
        // lasts 23 h. Campaign time 0 is Saturday 2025-03-29 12:00 local.
        let f = fleet("Europe/Paris", "2025-03-29T12:00");
        let saturday = night_of(&f, 0);
        assert_eq!(night_end(&f, saturday), Some(23 * H));
        assert_eq!(night_of(&f, 23 * H - 1), saturday);
        assert_eq!(night_of(&f, 23 * H), saturday + 1);
    }
}
