//! Placing the sites of one wave in their windows (docs/model.md §7,
//! "Placing the sites"): the ledger of what is placed, the checks a site's
//! run must pass against it (the cap, the operators, the start days), and
//! the two rules that pick the order sites are placed in.
//!
//! - [`Placement::Earliest`]: among the sites of the wave not placed yet,
//!   the one that can start first is placed first, whatever the order of
//!   the file; the listed order breaks ties. Sites are placed in the order
//!   of their starts, so a stop known at an instant stops exactly the sites
//!   that would start after it.
//! - [`Placement::Listed`]: sites start in the order listed (a site's first
//!   work never comes before the one listed before it).
//!
//! A site's run at a given start is always the same (its seed does not
//! change), so a site is simulated at most once per opening it tries.
//!
//! Earliest placement without a sweep over every site at every window:
//! sites of one entry of the fleet file (one [`super::Group`]) share their
//! calendar, zone and strategy, and the cheap checks at an opening (start
//! day, room in the window, a free operator) do not depend on which of
//! them asks. They wait in one pool keyed by the group's next opening that
//! passes those checks; a site leaves its pool only when its own run does
//! not fit there, and then waits on its own. Each placement then costs a
//! few heap operations per group, not per site.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};

use super::campaign::SiteRun;
use super::{CAMPAIGN_HORIZON, Fleet, MAX_TRIES, Placement, Plan, local_minute};
use crate::time::{MS_PER_MIN, SimTime};

/// Nights and work spans placed so far, indexed by start for overlap queries.
#[derive(Default)]
pub(super) struct Ledger {
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

    /// Records a placed run: its nights and its work.
    pub(super) fn add(&mut self, r: &SiteRun) {
        for &(a, b) in &r.nights {
            self.nights.insert((a, r.site), b);
            self.longest_night = self.longest_night.max(b - a);
        }
        for (i, &(a, b)) in r.work.iter().enumerate() {
            self.work.insert((a, r.site, i), b);
            self.longest_work = self.longest_work.max(b - a);
        }
    }

    /// Forgets a run recorded by [`Ledger::add`] (a site simulated again).
    pub(super) fn remove(&mut self, r: &SiteRun) {
        for &(a, _) in &r.nights {
            self.nights.remove(&(a, r.site));
        }
        for (i, &(a, _)) in r.work.iter().enumerate() {
            self.work.remove(&(a, r.site, i));
        }
    }
}

/// One site's run when its procedure starts at a given instant: the caller
/// simulates it (`None`: stopped by the user; `Some(None)`: the calendar
/// cannot start there).
pub(super) type Simulate<'s> = dyn FnMut(usize, jiff::civil::DateTime) -> Option<Option<SiteRun>> + 's;

/// What placing one more site of a wave gave.
pub(super) enum Placed {
    /// This site runs (its run is in the ledger now).
    Site(Box<SiteRun>),
    /// This site is not started: the stop came first, or it found no room.
    NotStarted(usize),
    /// Every site of the wave has been placed or given up.
    Finished,
    /// The user asked to stop.
    Interrupted,
}

/// An entry of the earliest-first queue: the earliest instant a site (or
/// the pool of a group's sites) could start, then its position in the wave.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    /// The pool of group `g` (its sites that have not failed on their own).
    Pool(usize),
    /// One site, at position `pos` of the wave.
    Site(usize),
}

/// One wave being placed, one site at a time.
pub(super) struct WavePlacer<'f> {
    fleet: &'f Fleet,
    plan: &'f Plan,
    /// The sites, in the order that breaks ties.
    members: Vec<usize>,
    tries: Vec<u32>,
    /// Listed: the next position to place, and the earliest start allowed.
    next: usize,
    cursor: i64,
    /// Earliest: the queue of (instant, position, who), and the pools.
    queue: BinaryHeap<Reverse<(i64, usize, Who)>>,
    pools: Vec<VecDeque<usize>>,
    /// Sites given up, waiting to be reported.
    given_up: VecDeque<usize>,
}

/// What a try at an opening gave.
enum Trial {
    Fits(Box<SiteRun>),
    /// Try again from this instant.
    Later(i64),
    Never,
}

impl<'f> WavePlacer<'f> {
    /// Places `members` (site indices, in listed order) from `start`
    /// (campaign ms).
    pub(super) fn new(fleet: &'f Fleet, plan: &'f Plan, members: Vec<usize>, start: i64) -> WavePlacer<'f> {
        let n = members.len();
        let mut pools: Vec<VecDeque<usize>> = vec![VecDeque::new(); fleet.groups.len()];
        let mut queue = BinaryHeap::new();
        if plan.placement == Placement::Earliest {
            for (pos, &k) in members.iter().enumerate() {
                let g = fleet.sites[k].group;
                if pools[g].is_empty() {
                    queue.push(Reverse((start, pos, Who::Pool(g))));
                }
                pools[g].push_back(pos);
            }
        }
        WavePlacer {
            fleet,
            plan,
            members,
            tries: vec![0; n],
            next: 0,
            cursor: start,
            queue,
            pools,
            given_up: VecDeque::new(),
        }
    }

    /// Places the next site, given what is placed (`ledger`) and the
    /// instant the campaign stops (`stop_at`: sites that would start then
    /// or later are not started). A placed site's run is added to the
    /// ledger.
    pub(super) fn next(&mut self, ledger: &mut Ledger, stop_at: Option<i64>, sim: &mut Simulate) -> Placed {
        if let Some(k) = self.given_up.pop_front() {
            return Placed::NotStarted(k);
        }
        let placed = match self.plan.placement {
            Placement::Listed => self.next_listed(ledger, stop_at, sim),
            Placement::Earliest => self.next_earliest(ledger, stop_at, sim),
        };
        if let Placed::Site(run) = &placed {
            ledger.add(run);
        }
        placed
    }

    fn next_listed(&mut self, ledger: &Ledger, stop_at: Option<i64>, sim: &mut Simulate) -> Placed {
        let Some(&k) = self.members.get(self.next) else {
            return Placed::Finished;
        };
        let pos = self.next;
        self.next += 1;
        let mut t = self.cursor;
        loop {
            let Some(c) = self.candidate(k, t, ledger, stop_at) else {
                return Placed::NotStarted(k);
            };
            match self.trial(pos, c, ledger, sim) {
                None => return Placed::Interrupted,
                Some(Trial::Fits(run)) => {
                    self.cursor = self.cursor.max(run.work_start.unwrap_or(self.cursor));
                    return Placed::Site(run);
                }
                Some(Trial::Later(next)) => t = next,
                Some(Trial::Never) => return Placed::NotStarted(k),
            }
        }
    }

    fn next_earliest(&mut self, ledger: &Ledger, stop_at: Option<i64>, sim: &mut Simulate) -> Placed {
        while let Some(Reverse((t, pos, who))) = self.queue.pop() {
            if stop_at.is_some_and(|s| s <= t) {
                // Every site left starts at `t` or later: none starts.
                self.give_up_all(who, pos);
                return self.given_up.pop_front().map_or(Placed::Finished, Placed::NotStarted);
            }
            let k = self.members[pos];
            let Some(c) = self.candidate(k, t, ledger, stop_at) else {
                self.give_up_all(who, pos);
                return self.given_up.pop_front().map_or(Placed::Finished, Placed::NotStarted);
            };
            if c > t {
                // Not free at `t` any more: wait in the queue at `c`.
                self.queue.push(Reverse((c, pos, who)));
                continue;
            }
            if let Who::Pool(g) = who {
                // The pool's first site tries; the pool stays at `c` for the
                // next one.
                self.pools[g].pop_front();
                if let Some(&p) = self.pools[g].front() {
                    self.queue.push(Reverse((c, p, Who::Pool(g))));
                }
            }
            match self.trial(pos, c, ledger, sim) {
                None => return Placed::Interrupted,
                Some(Trial::Fits(run)) => return Placed::Site(run),
                Some(Trial::Later(next)) => self.queue.push(Reverse((next, pos, Who::Site(pos)))),
                Some(Trial::Never) => return Placed::NotStarted(k),
            }
        }
        Placed::Finished
    }

    /// Gives up the site at `pos`, and every site of the pool `who` is.
    fn give_up_all(&mut self, who: Who, pos: usize) {
        match who {
            Who::Site(_) => self.given_up.push_back(self.members[pos]),
            Who::Pool(g) => {
                for p in std::mem::take(&mut self.pools[g]) {
                    self.given_up.push_back(self.members[p]);
                }
            }
        }
    }

    /// The first opening at or after `t` (for a site without windows, `t`
    /// itself) where site `k` could start by the checks that do not need
    /// its run: the plan's start days, room under the cap in that window,
    /// an operator free at its opening. `None` past the horizon or the stop.
    fn candidate(&self, k: usize, mut t: i64, ledger: &Ledger, stop_at: Option<i64>) -> Option<i64> {
        let fleet = self.fleet;
        let p = self.plan;
        let group = &fleet.groups[fleet.sites[k].group];
        let sc = &group.scenario;
        let g0 = group.t0_ms() - fleet.start_unix_ms;
        let rel = |t: i64| SimTime((t - g0).max(0) as u64);
        let horizon = CAMPAIGN_HORIZON.0 as i64;
        let windowed = windowed(fleet, k);
        // A site prepares from the campaign's start (`[preparation]`, its
        // mean length: the same for every replication) and cannot start
        // before its preparation ends (docs/model.md, "Preparation").
        t = t.max(sc.preparation.mean().0.min(i64::MAX as u64) as i64);
        loop {
            if t > horizon || stop_at.is_some_and(|s| s <= t) {
                return None;
            }
            let c = if windowed {
                g0 + sc.calendar.next_open(rel(t))?.0 as i64
            } else {
                t
            };
            if c > horizon || stop_at.is_some_and(|s| s <= c) {
                return None;
            }
            if !windowed {
                return Some(c);
            }
            let Some(o) = sc.calendar.current_or_next(rel(c)) else {
                return Some(c);
            };
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
            if !ledger.room(a, b, k, p.max_sites_per_window) {
                t = b;
                continue;
            }
            if let Some(o) = &fleet.operators
                && Ledger::peak(&ledger.work_in(a, a + 1, k), a, a + 1) >= o.count
            {
                t = b;
                continue;
            }
            return Some(c);
        }
    }

    /// Site at `pos` simulated with its procedure at opening `c`, checked
    /// whole (every window it works in, every stretch of its work) against
    /// the ledger. `None` when the user asked to stop.
    fn trial(&mut self, pos: usize, c: i64, ledger: &Ledger, sim: &mut Simulate) -> Option<Trial> {
        let fleet = self.fleet;
        let k = self.members[pos];
        if self.tries[pos] >= MAX_TRIES {
            return Some(Trial::Never);
        }
        self.tries[pos] += 1;
        let group = &fleet.groups[fleet.sites[k].group];
        let warmup = group.scenario.warmup.0 as i64;
        let windowed = windowed(fleet, k);
        // To the minute: below for a site that waits for its window (the
        // opening is still the next one), above for one that starts at
        // once (never before `c`).
        let start_ms = fleet.start_unix_ms + c - warmup;
        let start = if windowed {
            local_minute(group.zone(), start_ms)
        } else {
            local_minute(group.zone(), start_ms + MS_PER_MIN as i64 - 1)
        };
        let Some(mut run) = sim(k, start)? else {
            return Some(Trial::Never);
        };
        run.tries = self.tries[pos];
        let cap = self.plan.max_sites_per_window;
        // A conflict moves the whole site: by as much as it takes for the
        // conflicting night (or span) to come after what blocks it.
        let first = run.nights.first().copied().unwrap_or((c, c + 1));
        let mut conflict: Option<i64> = None;
        for (i, &(a, b)) in run.nights.iter().enumerate() {
            if !ledger.room(a, b, k, cap) {
                // A window: the next one. A stretch of its own (a pod's):
                // the first one moves with the start, past the first of the
                // others to end; a later one (a pod's cutover at the slot
                // the service picks) does not, so the site starts once that
                // other one ends.
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
            && let Some(o) = &fleet.operators
        {
            for (i, &(a, b)) in run.work.iter().enumerate() {
                let others = ledger.work_in(a, b.max(a + 1), k);
                if Ledger::peak(&others, a, b.max(a + 1)) >= o.count {
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
        Some(match conflict {
            // A site that starts at once starts on the minute: a smaller
            // step would run it again from the same minute.
            Some(next) if !windowed => Trial::Later(next.max(c + MS_PER_MIN as i64)),
            Some(next) => Trial::Later(next.max(c + 1)),
            None => Trial::Fits(Box::new(run)),
        })
    }
}

/// True when site `k` starts its procedure at window openings (not a pod,
/// whose service picks its slot, nor a site without windows).
fn windowed(fleet: &Fleet, k: usize) -> bool {
    let sc = &fleet.groups[fleet.sites[k].group].scenario;
    !sc.site.kind.scheduled_by_service()
        && (!sc.calendar.windows.is_empty() || sc.calendar.local.as_ref().is_some_and(|l| !l.dated.is_empty()))
}
