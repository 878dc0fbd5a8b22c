//! The calendar: maintenance windows, freezes and the local clock.
//!
//! Two forms. The **weekly UTC form** (no `start`): simulation time 0 is
//! `start_offset` after a Monday 00:00 UTC and every week is the same.
//! The **dated form** (`start`, and a `time_zone`, UTC by default):
//! simulation time 0 is the local date-time `start` in that zone; weekly
//! windows open at their local time on every date, daylight-saving changes
//! included, and dated one-off windows and freezes are local dates.
//!
//! Local times are turned into instants with one rule: a local time the
//! zone skips (the spring change) is read as that time shifted forward by
//! the length of the gap (02:30 in a gap from 02:00 to 03:00 is 03:30), one
//! it repeats (the autumn change) as the earlier of the two instants
//! (`jiff`'s "compatible" rule). Window lengths are elapsed time.
//!
//! Weekdays count from Monday = 0. In the dated form the occurrences of the
//! first two years (and of every week up to the last dated window or
//! freeze) are computed once when the scenario is read; later weeks are
//! computed when asked for.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::{TimeZone, TimeZoneDatabase};

use crate::time::{MS_PER_DAY, MS_PER_HOUR, MS_PER_MIN, MS_PER_WEEK, SimDuration, SimTime};

/// Weekday names as written in scenario files, Monday first.
pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Weeks after the start whose occurrences are computed in advance.
const PLANNED_WEEKS: i64 = 104;

/// A weekly maintenance window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    /// Monday = 0 .. Sunday = 6 (UTC, or local time in the dated form).
    pub weekday: u8,
    /// Opening hour, 0..24.
    pub hour: u8,
    /// Opening minute, 0..60.
    pub minute: u8,
    /// How long it stays open.
    pub length: SimDuration,
}

impl Window {
    /// Opening, in milliseconds after Monday 00:00.
    pub fn open_in_week(&self) -> u64 {
        (self.weekday as u64 * 24 + self.hour as u64) * MS_PER_HOUR + self.minute as u64 * MS_PER_MIN
    }
}

/// What the procedure does when a window closes with work left
/// (`calendar.on_overrun`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OnOverrun {
    /// Work goes on past the window (the overrun is measured).
    #[default]
    Continue,
    /// The next work step waits for the next window.
    Pause,
    /// Every upgraded appliance is restored from its backup and the
    /// procedure is aborted.
    Backout,
}

impl OnOverrun {
    /// The word written in scenario files.
    pub fn word(self) -> &'static str {
        match self {
            OnOverrun::Continue => "continue",
            OnOverrun::Pause => "pause",
            OnOverrun::Backout => "backout",
        }
    }

    /// The rule named `word`.
    pub fn from_word(word: &str) -> Option<OnOverrun> {
        [OnOverrun::Continue, OnOverrun::Pause, OnOverrun::Backout]
            .into_iter()
            .find(|o| o.word() == word)
    }
}

/// Window discipline: when work steps may start (docs/model.md §3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WindowRules {
    /// No work step starts unless the window has more than this left.
    pub cutoff: SimDuration,
    /// What a window closing with work left does.
    pub on_overrun: OnOverrun,
}

impl WindowRules {
    /// False for the defaults (no cutoff, continue): the rules never act.
    pub fn active(&self) -> bool {
        self.cutoff.0 > 0 || self.on_overrun != OnOverrun::Continue
    }
}

/// An operators' shift, every day from `from` to `to` in the calendar's
/// local time (UTC in the weekly form); `to` before `from` ends the next day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shift {
    /// Start (hour, minute).
    pub from: (u8, u8),
    /// End (hour, minute).
    pub to: (u8, u8),
}

/// A one-off window on a local date (dated form only).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatedWindow {
    /// The local date it opens on.
    pub date: Date,
    /// Opening hour, 0..24.
    pub hour: u8,
    /// Opening minute, 0..60.
    pub minute: u8,
    /// How long it stays open.
    pub length: SimDuration,
}

/// A change freeze: local dates `from` to `to`, both included.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Freeze {
    /// First frozen date.
    pub from: Date,
    /// Last frozen date.
    pub to: Date,
    /// Why (may be empty).
    pub reason: String,
}

impl Freeze {
    /// The freeze in words, for the event log: `freeze 2025-12-20..2026-01-05: year end`.
    pub fn describe(&self) -> String {
        if self.reason.is_empty() {
            format!("freeze {}..{}", self.from, self.to)
        } else {
            format!("freeze {}..{}: {}", self.from, self.to, self.reason)
        }
    }
}

/// The zone named `name` from the time-zone database compiled into the
/// binary (never the system's).
pub fn time_zone(name: &str) -> Result<TimeZone, String> {
    TimeZoneDatabase::bundled().get(name).map_err(|_| {
        format!("unknown time zone {name:?}: give an IANA name such as UTC, Europe/Paris or America/New_York")
    })
}

/// A time zone anchored at simulation time 0: converts between simulation
/// time and local date-times.
#[derive(Clone, Debug, PartialEq)]
pub struct Clock {
    /// The zone's IANA name.
    pub name: String,
    /// The zone.
    pub tz: TimeZone,
    /// Unix milliseconds of simulation time 0.
    pub t0_ms: i64,
}

impl Clock {
    /// The clock of zone `tz` whose simulation time 0 is the local `start`.
    pub fn new(name: &str, tz: TimeZone, start: DateTime) -> Result<Clock, String> {
        let ts = resolve(&tz, start)?;
        Ok(Clock {
            name: name.to_string(),
            tz,
            t0_ms: ts.as_millisecond(),
        })
    }

    /// The same instant 0 read in another zone.
    pub fn in_zone(&self, name: &str, tz: TimeZone) -> Clock {
        Clock {
            name: name.to_string(),
            tz,
            t0_ms: self.t0_ms,
        }
    }

    /// Simulation milliseconds (negative before time 0) of a local date-time,
    /// by the gap and fold rule of the module.
    pub fn sim_ms(&self, dt: DateTime) -> Result<i64, String> {
        Ok(resolve(&self.tz, dt)?.as_millisecond() - self.t0_ms)
    }

    fn timestamp(&self, t: i64) -> Timestamp {
        Timestamp::from_millisecond(self.t0_ms.saturating_add(t)).unwrap_or(Timestamp::MAX)
    }

    /// The zone's offset from UTC at simulation time `t`, in milliseconds.
    pub fn offset_ms(&self, t: i64) -> i64 {
        i64::from(self.tz.to_offset(self.timestamp(t)).seconds()) * 1000
    }

    /// The next instant after `t` at which the zone's offset changes.
    pub fn next_change(&self, t: i64) -> Option<i64> {
        let tr = self.tz.following(self.timestamp(t)).next()?;
        Some(tr.timestamp().as_millisecond() - self.t0_ms)
    }

    /// Local wall-clock milliseconds since Monday 00:00 of some week (a
    /// multiple of a week away from the local week's start) at `t`.
    pub fn week_ms(&self, t: i64) -> u64 {
        // 1970-01-01 was a Thursday: three days after a Monday.
        let local = self.t0_ms + t + self.offset_ms(t) + 3 * MS_PER_DAY as i64;
        local.rem_euclid(MS_PER_WEEK as i64) as u64
    }

    /// The local date-time at `t`.
    pub fn local(&self, t: i64) -> DateTime {
        self.tz.to_datetime(self.timestamp(t))
    }

    /// `t` as a local date-time with its offset, `2025-03-04T22:00:00-05:00`.
    pub fn format(&self, t: i64) -> String {
        let ts = self.timestamp(t);
        let off = self.tz.to_offset(ts);
        let secs = off.seconds();
        let sign = if secs < 0 { '-' } else { '+' };
        let a = secs.unsigned_abs();
        let dt = self.tz.to_datetime(ts);
        let mut s = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            dt.year(),
            dt.month(),
            dt.day(),
            dt.hour(),
            dt.minute(),
            dt.second()
        );
        if a.is_multiple_of(60) {
            s.push_str(&format!("{sign}{:02}:{:02}", a / 3600, a / 60 % 60));
        } else {
            s.push_str(&format!("{sign}{:02}:{:02}:{:02}", a / 3600, a / 60 % 60, a % 60));
        }
        s
    }
}

/// The instant of a local date-time: a skipped time moves forward by the
/// gap, a repeated one is the earlier instant.
fn resolve(tz: &TimeZone, dt: DateTime) -> Result<Timestamp, String> {
    tz.to_ambiguous_timestamp(dt)
        .compatible()
        .map_err(|e| format!("{dt} is out of range ({e})"))
}

/// One planned occurrence, in signed simulation milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Planned {
    open: i64,
    close: i64,
    /// The freeze (index) that keeps it shut.
    frozen: Option<usize>,
}

/// The dated form of the calendar.
#[derive(Clone, Debug, PartialEq)]
pub struct Local {
    /// The zone, anchored at simulation time 0.
    pub clock: Clock,
    /// Local date-time of simulation time 0.
    pub start: DateTime,
    /// One-off windows.
    pub dated: Vec<DatedWindow>,
    /// Change freezes.
    pub freezes: Vec<Freeze>,
    /// Local date of the Monday of the week of `start`.
    monday: Date,
    /// Every occurrence of weeks `-1..weeks`, frozen ones included, by opening.
    planned: Vec<Planned>,
    /// The occurrences that open, by opening, not overlapping.
    open: Vec<(i64, i64)>,
    /// Weeks planned in advance; later ones are computed on demand.
    weeks: i64,
    /// Simulation time of the (local) Monday 00:00 after the planned weeks.
    planned_until: i64,
}

/// A problem with the dated form, by what it concerns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LocalError {
    /// A dated window overlaps another window (its index).
    Overlap(usize),
    /// A date is out of range.
    Range(String),
}

impl Local {
    /// Plans the dated form. `windows` are the weekly windows (local times).
    pub fn new(
        clock: Clock,
        start: DateTime,
        windows: &[Window],
        dated: Vec<DatedWindow>,
        freezes: Vec<Freeze>,
    ) -> Result<Local, LocalError> {
        let range = |e: jiff::Error| LocalError::Range(e.to_string());
        let back = i64::from(start.date().weekday().to_monday_zero_offset());
        let monday = start.date().checked_sub(jiff::Span::new().days(back)).map_err(range)?;
        // Plan at least two years, and every week up to the last date given.
        let last = dated
            .iter()
            .map(|d| d.date)
            .chain(freezes.iter().map(|f| f.to))
            .max()
            .unwrap_or(monday);
        let days_to_last = (last - monday).get_days() as i64;
        let weeks = PLANNED_WEEKS.max(days_to_last.div_euclid(7) + 2);
        let mut cal = Local {
            clock,
            start,
            dated,
            freezes,
            monday,
            planned: Vec::new(),
            open: Vec::new(),
            weeks,
            planned_until: 0,
        };
        cal.planned_until = cal
            .clock
            .sim_ms(
                cal.week_monday(weeks)
                    .map_err(LocalError::Range)?
                    .to_datetime(Time::midnight()),
            )
            .map_err(LocalError::Range)?;
        let mut planned = Vec::new();
        for k in -1..weeks {
            for (open, close) in cal.week(windows, k).map_err(LocalError::Range)? {
                planned.push(Planned {
                    open,
                    close,
                    frozen: None,
                });
            }
        }
        let mut dated_occ = Vec::new();
        for (i, d) in cal.dated.iter().enumerate() {
            let hm = Time::new(d.hour as i8, d.minute as i8, 0, 0).map_err(range)?;
            let open = cal.clock.sim_ms(d.date.to_datetime(hm)).map_err(LocalError::Range)?;
            let close = open + d.length.0 as i64;
            if planned
                .iter()
                .chain(&dated_occ)
                .any(|p: &Planned| p.open < close && open < p.close)
            {
                return Err(LocalError::Overlap(i));
            }
            dated_occ.push(Planned {
                open,
                close,
                frozen: None,
            });
        }
        planned.extend(dated_occ);
        planned.sort_by_key(|p| (p.open, p.close));
        let mut spans = Vec::new();
        for f in &cal.freezes {
            let from = cal
                .clock
                .sim_ms(f.from.to_datetime(Time::midnight()))
                .map_err(LocalError::Range)?;
            let next = f.to.tomorrow().map_err(range)?;
            let to = cal
                .clock
                .sim_ms(next.to_datetime(Time::midnight()))
                .map_err(LocalError::Range)?;
            spans.push((from, to));
        }
        for p in &mut planned {
            p.frozen = spans.iter().position(|&(a, b)| p.open < b && a < p.close);
        }
        cal.open = open_spans(planned.iter().filter(|p| p.frozen.is_none()).map(|p| (p.open, p.close)));
        cal.planned = planned;
        Ok(cal)
    }

    fn week_monday(&self, k: i64) -> Result<Date, String> {
        self.monday
            .checked_add(jiff::Span::new().days(7 * k))
            .map_err(|e| e.to_string())
    }

    /// The weekly windows' occurrences in local week `k` (0 = the week of
    /// `start`), in simulation milliseconds.
    fn week(&self, windows: &[Window], k: i64) -> Result<Vec<(i64, i64)>, String> {
        let monday = self.week_monday(k)?;
        let mut out = Vec::with_capacity(windows.len());
        for w in windows {
            let day = monday
                .checked_add(jiff::Span::new().days(i64::from(w.weekday)))
                .map_err(|e| e.to_string())?;
            let hm = Time::new(w.hour as i8, w.minute as i8, 0, 0).map_err(|e| e.to_string())?;
            let open = self.clock.sim_ms(day.to_datetime(hm))?;
            out.push((open, open + w.length.0 as i64));
        }
        out.sort();
        Ok(out)
    }

    /// The local week (0 = the week of `start`) of simulation time `t`.
    fn week_of(&self, t: i64) -> i64 {
        let local = self.clock.local(t).date();
        (local - self.monday).get_days().div_euclid(7) as i64
    }

    /// The first opening occurrence that closes after `t`.
    fn current_or_next(&self, windows: &[Window], t: i64) -> Option<(i64, i64)> {
        let i = self.open.partition_point(|o| o.1 <= t);
        if let Some(&o) = self.open.get(i) {
            return Some(o);
        }
        if windows.is_empty() {
            return None;
        }
        // Past the planned weeks: weekly windows only (dated windows and
        // freezes are all planned).
        let first = self.weeks.max(self.week_of(t.max(self.planned_until)) - 1);
        for k in first..first + 3 {
            let occ = open_spans(self.week(windows, k).ok()?.into_iter());
            if let Some(&o) = occ.iter().find(|o| o.1 > t && o.0 >= self.planned_until) {
                return Some(o);
            }
        }
        None
    }

    /// Frozen occurrences opening in `[from, to]`, with their freeze.
    fn frozen(&self, from: i64, to: i64) -> impl Iterator<Item = (i64, usize)> + '_ {
        self.planned
            .iter()
            .filter(move |p| p.open >= from && p.open <= to)
            .filter_map(|p| p.frozen.map(|f| (p.open, f)))
    }
}

/// Occurrences in opening order with each one cut short where the next
/// opens (a daylight-saving change can stretch one into the next).
fn open_spans(occ: impl Iterator<Item = (i64, i64)>) -> Vec<(i64, i64)> {
    let mut out: Vec<(i64, i64)> = Vec::new();
    for (open, close) in occ {
        if let Some(last) = out.last_mut() {
            last.1 = last.1.min(open);
        }
        out.push((open, close));
    }
    out.retain(|o| o.1 > o.0);
    out
}

/// Simulation time as the site's local time: a date-time in the calendar's
/// zone (dated form) or a weekday and time of day (weekly UTC form).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LocalTime {
    /// Milliseconds from a Monday 00:00 to simulation time 0.
    pub offset_ms: u64,
    /// The zone and start of a dated calendar.
    pub clock: Option<Clock>,
}

/// Month abbreviations, January first.
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

impl LocalTime {
    /// `2025-03-04T22:00:00-05:00` (dated form) or `tue 22:00:00` (weekly form).
    pub fn text(&self, t: SimTime) -> String {
        match &self.clock {
            Some(c) => c.format(t.0 as i64),
            None => {
                let abs = t.0 + self.offset_ms;
                format!(
                    "{} {:02}:{:02}:{:02}",
                    WEEKDAYS[((abs / MS_PER_DAY) % 7) as usize],
                    (abs % MS_PER_DAY) / MS_PER_HOUR,
                    (abs % MS_PER_HOUR) / MS_PER_MIN,
                    (abs % MS_PER_MIN) / 1000
                )
            }
        }
    }

    /// A short label to the minute: `4 Mar 22:00` (dated form, local time)
    /// or `tue 22:00` (weekly form).
    pub fn label(&self, t: SimTime) -> String {
        match &self.clock {
            Some(c) => {
                let dt = c.local(t.0 as i64);
                format!(
                    "{} {} {:02}:{:02}",
                    dt.day(),
                    MONTHS[(dt.month() - 1) as usize],
                    dt.hour(),
                    dt.minute()
                )
            }
            None => {
                let abs = t.0 + self.offset_ms;
                format!(
                    "{} {:02}:{:02}",
                    WEEKDAYS[((abs / MS_PER_DAY) % 7) as usize],
                    (abs % MS_PER_DAY) / MS_PER_HOUR,
                    (abs % MS_PER_HOUR) / MS_PER_MIN
                )
            }
        }
    }

    /// The zone times are given in: `UTC` or the IANA name.
    pub fn zone(&self) -> &str {
        self.clock.as_ref().map_or("UTC", |c| c.name.as_str())
    }
}

/// One occurrence of a window: `[open, close)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Occurrence {
    /// Opening instant.
    pub open: SimTime,
    /// Closing instant.
    pub close: SimTime,
}

/// The calendar of a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Calendar {
    /// Milliseconds from a Monday 00:00 to simulation time 0: UTC in the
    /// weekly form, local wall-clock time of `start` in the dated form.
    pub start_offset_ms: u64,
    /// Weekly maintenance windows (validated: no overlaps).
    pub windows: Vec<Window>,
    /// The dated form: zone, start, one-off windows and freezes.
    pub local: Option<Box<Local>>,
    /// Atlas regions with a `time_zone` of their own, by region index
    /// (empty when none has one): their clients' weekly profile is read on
    /// these clocks.
    pub region_clocks: Vec<Option<Clock>>,
}

impl Calendar {
    /// Hour of the week (0 = Monday 00:00-01:00) at `t`, local time in the
    /// dated form.
    pub fn hour_of_week(&self, t: SimTime) -> usize {
        match &self.local {
            None => (((t.0 + self.start_offset_ms) % MS_PER_WEEK) / MS_PER_HOUR) as usize,
            Some(l) => (l.clock.week_ms(t.0 as i64) / MS_PER_HOUR) as usize,
        }
    }

    /// Milliseconds since Monday 00:00 of the week at `t` (local time in
    /// the dated form): [`Calendar::hour_of_week`] to the millisecond.
    pub fn week_ms(&self, t: SimTime) -> u64 {
        match &self.local {
            None => (t.0 + self.start_offset_ms) % MS_PER_WEEK,
            Some(l) => l.clock.week_ms(t.0 as i64),
        }
    }

    /// The calendar's zone: its IANA name in the dated form, `UTC` in the
    /// weekly form.
    pub fn local_time_zone(&self) -> &str {
        self.clock().map_or("UTC", |c| c.name.as_str())
    }

    /// The clock of the dated form.
    pub fn clock(&self) -> Option<&Clock> {
        self.local.as_ref().map(|l| &l.clock)
    }

    /// `t` as the site's local date-time (dated form), or as weekday and
    /// time of the calendar's week (weekly form): `tue 22:00:00`.
    pub fn local_text(&self, t: SimTime) -> String {
        self.local_time().text(t)
    }

    /// What turns simulation time into the site's local time, without the
    /// windows.
    pub fn local_time(&self) -> LocalTime {
        LocalTime {
            offset_ms: self.start_offset_ms,
            clock: self.clock().cloned(),
        }
    }

    /// The same dated calendar with simulation time 0 at the local
    /// date-time `start` (same zone, windows, dated windows and freezes;
    /// Atlas regions' clocks follow). This is what reading the scenario with
    /// `calendar.start = start` gives, without reading it again: a fleet
    /// starts each site's run where the campaign puts it. `None` for the
    /// weekly form (it has no dates) or a start out of range.
    pub fn restarted(&self, start: DateTime) -> Option<Calendar> {
        let l = self.local.as_ref()?;
        let clock = Clock::new(&l.clock.name, l.clock.tz.clone(), start).ok()?;
        let monday_offset = i64::from(start.date().weekday().to_monday_zero_offset()) as u64 * MS_PER_DAY
            + (start.hour() as u64 * 60 + start.minute() as u64) * MS_PER_MIN
            + start.second() as u64 * crate::time::MS_PER_S;
        let region_clocks = self
            .region_clocks
            .iter()
            .map(|c| c.as_ref().map(|c| clock.in_zone(&c.name, c.tz.clone())))
            .collect();
        let local = Local::new(clock, start, &self.windows, l.dated.clone(), l.freezes.clone()).ok()?;
        Some(Calendar {
            start_offset_ms: monday_offset,
            windows: self.windows.clone(),
            local: Some(Box::new(local)),
            region_clocks,
        })
    }

    /// The first instant at or after `t` that is `weekday` `hour`:00 (local
    /// time in the dated form).
    pub fn next_weekly(&self, t: SimTime, weekday: u8, hour: u8) -> SimTime {
        let in_week = (weekday as u64 * 24 + hour as u64) * MS_PER_HOUR;
        match &self.local {
            None => {
                let offset = self.start_offset_ms;
                let abs = t.0 + offset;
                let week_start = abs - abs % MS_PER_WEEK;
                let mut x = week_start + in_week;
                if x < abs {
                    x += MS_PER_WEEK;
                }
                SimTime(x - offset)
            }
            Some(l) => {
                let w = [Window {
                    weekday,
                    hour,
                    minute: 0,
                    length: SimDuration(1),
                }];
                let k = l.week_of(t.0 as i64);
                (k..k + 3)
                    .filter_map(|k| l.week(&w, k).ok())
                    .flatten()
                    .map(|o| o.0)
                    .find(|&o| o >= t.0 as i64)
                    .map_or(t, |o| SimTime(o as u64))
            }
        }
    }

    /// The first window occurrence that closes after `t`, i.e. the window
    /// open at `t` or, failing that, the next one to open.
    pub fn current_or_next(&self, t: SimTime) -> Option<Occurrence> {
        if let Some(l) = &self.local {
            let (open, close) = l.current_or_next(&self.windows, t.0 as i64)?;
            return Some(Occurrence {
                open: SimTime(open.max(0) as u64),
                close: SimTime(close.max(0) as u64),
            });
        }
        // Work in signed milliseconds after the Monday 00:00 before time 0,
        // so that the occurrence of the previous week is representable.
        let week = MS_PER_WEEK as i128;
        let abs = t.0 as i128 + self.start_offset_ms as i128;
        let week_start = abs - abs.rem_euclid(week);
        let mut best: Option<Occurrence> = None;
        for w in &self.windows {
            for base in [week_start - week, week_start, week_start + week] {
                let open = base + w.open_in_week() as i128;
                let close = open + w.length.0 as i128;
                if close <= abs {
                    continue;
                }
                let to_sim = |x: i128| SimTime((x - self.start_offset_ms as i128).max(0) as u64);
                let occ = Occurrence {
                    open: to_sim(open),
                    close: to_sim(close),
                };
                if best.is_none_or(|b| occ.open < b.open) {
                    best = Some(occ);
                }
            }
        }
        best
    }

    /// Occurrences that a freeze keeps shut, opening in `[from, to]`: the
    /// would-be opening and the freeze's description.
    pub fn frozen(&self, from: SimTime, to: SimTime) -> Vec<(SimTime, usize)> {
        match &self.local {
            None => Vec::new(),
            Some(l) => l
                .frozen(from.0 as i64, to.0 as i64)
                .map(|(t, f)| (SimTime(t as u64), f))
                .collect(),
        }
    }

    /// The windows in words, weekly ones first: `tue 22:30 for 4h`, then
    /// `2025-03-10 22:00 for 6h`; each ends with the zone (`UTC` or the
    /// IANA name).
    pub fn window_texts(&self) -> Vec<String> {
        let zone = self.local_time().zone().to_string();
        let weekly = self.windows.iter().map(|w| {
            format!(
                "{} {:02}:{:02} {zone} for {}",
                WEEKDAYS[w.weekday as usize], w.hour, w.minute, w.length
            )
        });
        let dated = self
            .local
            .iter()
            .flat_map(|l| l.dated.iter())
            .map(|d| format!("{} {:02}:{:02} {zone} for {}", d.date, d.hour, d.minute, d.length));
        weekly.chain(dated).collect()
    }

    /// Descriptions of the freezes, by index (see [`Calendar::frozen`]).
    pub fn freeze_reasons(&self) -> Vec<String> {
        self.local
            .iter()
            .flat_map(|l| l.freezes.iter().map(Freeze::describe))
            .collect()
    }

    /// `Ok` when `t` lies in one of `shifts` (or there are none), else the
    /// next instant a shift starts.
    pub fn on_shift(&self, shifts: &[Shift], t: SimTime) -> Result<(), SimTime> {
        if shifts.is_empty() {
            return Ok(());
        }
        let t = t.0 as i64;
        let mut next = i64::MAX;
        for k in -1..=2i64 {
            for s in shifts {
                let Some((a, b)) = self.shift_span(s, t, k) else {
                    continue;
                };
                if a <= t && t < b {
                    return Ok(());
                }
                if a > t {
                    next = next.min(a);
                }
            }
        }
        Err(SimTime(next.max(0) as u64))
    }

    /// Shift `s` on the local day `k` days after the one of `t`, in signed
    /// simulation milliseconds.
    fn shift_span(&self, s: &Shift, t: i64, k: i64) -> Option<(i64, i64)> {
        let crosses = s.to <= s.from;
        match self.clock() {
            None => {
                let day = MS_PER_DAY as i64;
                let off = self.start_offset_ms as i64;
                let base = (t + off).div_euclid(day) * day + k * day - off;
                let at = |(h, m): (u8, u8)| h as i64 * MS_PER_HOUR as i64 + m as i64 * MS_PER_MIN as i64;
                let end = base + at(s.to) + if crosses { day } else { 0 };
                Some((base + at(s.from), end))
            }
            Some(clock) => {
                let date = clock.local(t).date().checked_add(jiff::Span::new().days(k)).ok()?;
                let hm = |(h, m): (u8, u8)| Time::new(h as i8, m as i8, 0, 0).ok();
                let a = clock.sim_ms(date.to_datetime(hm(s.from)?)).ok()?;
                let end_date = if crosses { date.tomorrow().ok()? } else { date };
                let b = clock.sim_ms(end_date.to_datetime(hm(s.to)?)).ok()?;
                Some((a, b))
            }
        }
    }

    /// The longest window, weekly or dated (zero with none).
    pub fn longest_window(&self) -> SimDuration {
        let weekly = self.windows.iter().map(|w| w.length);
        let dated = self.local.iter().flat_map(|l| l.dated.iter().map(|d| d.length));
        weekly.chain(dated).max().unwrap_or(SimDuration::ZERO)
    }

    /// The first window opening at or after `t`.
    pub fn next_open(&self, t: SimTime) -> Option<SimTime> {
        let mut probe = t;
        // An open window whose opening is before `t` does not count: look
        // past its close for the next one.
        for _ in 0..self.windows.len() + 2 {
            let occ = self.current_or_next(probe)?;
            if occ.open >= t {
                return Some(occ.open);
            }
            probe = occ.close;
        }
        None
    }

    /// True when `t` lies inside a window.
    pub fn in_window(&self, t: SimTime) -> bool {
        self.current_or_next(t).is_some_and(|o| o.open <= t && t < o.close)
    }

    /// Every occurrence overlapping `[from, to)`, in order.
    pub fn occurrences(&self, from: SimTime, to: SimTime) -> Vec<Occurrence> {
        let mut out = Vec::new();
        let mut t = from;
        while t < to {
            match self.current_or_next(t) {
                Some(o) if o.open < to => {
                    out.push(o);
                    t = o.close;
                }
                _ => break,
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cal() -> Calendar {
        Calendar {
            start_offset_ms: 0,
            local: None,
            region_clocks: Vec::new(),
            windows: vec![
                Window {
                    weekday: 1,
                    hour: 22,
                    minute: 0,
                    length: SimDuration::from_hours(4),
                },
                Window {
                    weekday: 3,
                    hour: 22,
                    minute: 0,
                    length: SimDuration::from_hours(4),
                },
            ],
        }
    }

    const H: u64 = MS_PER_HOUR;

    #[test]
    fn finds_next_opening() {
        let c = cal();
        assert_eq!(c.next_open(SimTime(0)), Some(SimTime(46 * H)));
        assert_eq!(c.next_open(SimTime(46 * H)), Some(SimTime(46 * H)));
        assert_eq!(c.next_open(SimTime(47 * H)), Some(SimTime(94 * H)));
        // Past Thursday's window: next Tuesday.
        assert_eq!(c.next_open(SimTime(99 * H)), Some(SimTime((168 + 46) * H)));
    }

    #[test]
    fn windows_crossing_midnight_and_week_end() {
        let c = Calendar {
            start_offset_ms: 0,
            local: None,
            region_clocks: Vec::new(),
            windows: vec![Window {
                weekday: 6,
                hour: 22,
                minute: 0,
                length: SimDuration::from_hours(4),
            }],
        };
        // Sunday 22:00 to Monday 02:00: at Monday 01:00 of week 2 we are inside.
        assert!(c.in_window(SimTime((168 + 1) * H)));
        assert!(!c.in_window(SimTime((168 + 3) * H)));
        // The calendar is real before time 0: Sunday's window is still open
        // on Monday 01:00 of the first week, clipped to start at time 0.
        assert!(c.in_window(SimTime(H)));
        let occ = c.occurrences(SimTime(3 * H), SimTime(400 * H));
        assert_eq!(occ.len(), 2);
        assert_eq!(occ[0].open, SimTime(166 * H));
    }

    #[test]
    fn start_offset_shifts_the_week() {
        let c = Calendar {
            start_offset_ms: 46 * H,
            local: None,
            region_clocks: Vec::new(),
            windows: cal().windows,
        };
        assert_eq!(c.next_open(SimTime(0)), Some(SimTime(0)));
        assert_eq!(c.hour_of_week(SimTime(0)), 46);
    }
}
