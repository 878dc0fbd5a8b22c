//! From the raw file mirror to a [`Scenario`], collecting every problem.
//!
//! Each helper reads one field, falls back to its documented default when the
//! field is absent, and records a [`Problem`] with the field's path when the
//! value is out of range. Validation goes on after a problem so that one pass
//! reports everything.

use super::prep::{
    ConsolesSpec, IntegrationsSpec, JumpClientsSpec, OldMsi, PreparationSpec, RawConsoles, RawIntegrations,
    RawJumpClients, RawPreparation, Rehearsal,
};
use super::raw::*;
use super::*;
use crate::model::calendar::{
    Clock, DatedWindow, Freeze, Local, LocalError, OnOverrun, Shift, WEEKDAYS, Window, WindowRules,
};
use crate::model::site::{FailoverPeer, Region, SiteKind, SwitchMethod};
use crate::time::{MS_PER_DAY, MS_PER_HOUR, MS_PER_MIN, MS_PER_S, MS_PER_WEEK, parse_duration};

/// Highest arrival rate accepted, per hour and kind (about 280 per second).
pub const MAX_RATE_PER_HOUR: f64 = 1_000_000.0;
/// Longest duration accepted anywhere (ten years): larger values are typos.
pub const MAX_DURATION_MS: u64 = crate::time::MAX_DURATION_MS;
/// Largest stored data accepted, GB (a petabyte).
pub const MAX_DATA_GB: f64 = 1_000_000.0;
/// Most retry or reconnect attempts accepted.
pub const MAX_ATTEMPTS: i64 = 10_000;
/// Most technicians (distinct representative consoles) a site may have,
/// given or by default.
pub const MAX_TECHNICIANS: i64 = 1_000_000;
/// Most reminders one scheduled pod maintenance may send (each is a line
/// of the event log): `(lead_time + the scheduling spread) / reminder_interval`.
pub const MAX_REMINDERS: u64 = 10_000;
/// At most this many maintenance windows (weekly and dated) and this many
/// freezes: the calendar plans two years of openings when it is read.
pub const MAX_WINDOWS: usize = 1000;
/// At most this many freezes in `calendar.freezes`.
pub const MAX_FREEZES: usize = 1000;
/// Shortest mean time between two crashes anywhere on the site when crashes
/// are simulated: `faults.mtbf / nodes` may not be below it.
pub const MIN_SITE_MTBF_MS: u64 = 60 * MS_PER_S;
/// Shortest sync cycle: the wait between two syncs (`failover.sync_interval`,
/// or `faults.sync_retry` after a failure) plus the sync's own mean
/// overhead may not be below it.
pub const MIN_SYNC_CYCLE_MS: u64 = 60 * MS_PER_S;

/// True for a name that can be one output folder: not empty, not starting
/// with a dot, only letters, digits, `-`, `_` and `.` (so never `..` or a path).
pub fn is_folder_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name.len() <= 100
        && name
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_' || ch == '.')
}

/// A number for a message: plain when ordinary, scientific when huge or tiny.
fn shown(x: f64) -> String {
    if x != 0.0 && (x.abs() >= 1e9 || x.abs() < 1e-6) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

struct Ctx {
    problems: Vec<Problem>,
}

impl Ctx {
    fn bad(&mut self, path: &str, message: impl Into<String>) {
        self.problems.push(Problem {
            path: path.to_string(),
            line: None,
            message: message.into(),
        });
    }

    fn duration(&mut self, path: &str, v: Option<&String>, default: SimDuration) -> SimDuration {
        let Some(text) = v else { return default };
        match parse_duration(text) {
            Ok(d) if d.0 > MAX_DURATION_MS => {
                self.bad(path, format!("{text:?} is longer than the 3650-day limit"));
                default
            }
            Ok(d) => d,
            Err(e) => {
                self.bad(path, e.to_string());
                default
            }
        }
    }

    fn positive_duration(&mut self, path: &str, v: Option<&String>, default: SimDuration) -> SimDuration {
        let d = self.duration(path, v, default);
        if v.is_some() && d.0 == 0 {
            self.bad(path, "must be longer than zero");
            return default;
        }
        d
    }

    fn number(&mut self, path: &str, v: Option<f64>, default: f64, min: f64, max: f64) -> f64 {
        let Some(x) = v else { return default };
        if !x.is_finite() || x < min || x > max {
            self.bad(
                path,
                format!("{} is out of range ({} to {})", shown(x), shown(min), shown(max)),
            );
            return default;
        }
        x
    }

    fn probability(&mut self, path: &str, v: Option<f64>, default: f64) -> f64 {
        let Some(x) = v else { return default };
        if !(0.0..=1.0).contains(&x) {
            self.bad(path, format!("{} is not a probability (0 to 1)", shown(x)));
            return default;
        }
        x
    }

    fn integer(&mut self, path: &str, v: Option<i64>, default: i64, min: i64, max: i64) -> i64 {
        let Some(x) = v else { return default };
        if x < min || x > max {
            self.bad(path, format!("{x} is out of range ({min} to {max})"));
            return default;
        }
        x
    }

    fn dist(&mut self, path: &str, v: Option<&RawDist>, default: Dist) -> Dist {
        let Some(raw) = v else { return default };
        let t = match raw {
            RawDist::Text(s) => {
                return Dist::Constant(self.duration(path, Some(s), SimDuration::ZERO));
            }
            RawDist::Table(t) => t,
        };
        let Some(kind) = t.dist.as_deref() else {
            self.bad(
                &format!("{path}.dist"),
                "missing: constant, exponential, lognormal or uniform",
            );
            return default;
        };
        let (needs, name): (&[&str], _) = match kind {
            "constant" => (&["value"], kind),
            "exponential" => (&["mean"], kind),
            "lognormal" => (&["median", "p95"], kind),
            "uniform" => (&["min", "max"], kind),
            other => {
                self.bad(
                    &format!("{path}.dist"),
                    format!("unknown distribution {other:?} (constant, exponential, lognormal or uniform)"),
                );
                return default;
            }
        };
        let fields = [
            ("value", &t.value),
            ("mean", &t.mean),
            ("median", &t.median),
            ("p95", &t.p95),
            ("min", &t.min),
            ("max", &t.max),
        ];
        let before = self.problems.len();
        let mut got = std::collections::BTreeMap::new();
        for (field, value) in fields {
            match (needs.contains(&field), value) {
                (true, None) => self.bad(
                    &format!("{path}.{field}"),
                    format!("missing: {name} needs {}", needs.join(" and ")),
                ),
                (false, Some(_)) => self.bad(&format!("{path}.{field}"), format!("does not apply to {name}")),
                (true, Some(s)) => {
                    let d = self.duration(&format!("{path}.{field}"), Some(s), SimDuration::ZERO);
                    got.insert(field, d.0 as f64);
                }
                (false, None) => {}
            }
        }
        if self.problems.len() > before {
            return default;
        }
        match kind {
            "constant" => Dist::Constant(SimDuration(got["value"] as u64)),
            "exponential" => {
                if got["mean"] <= 0.0 {
                    self.bad(&format!("{path}.mean"), "must be longer than zero");
                    return default;
                }
                Dist::Exponential { mean_ms: got["mean"] }
            }
            "lognormal" => {
                let (median_ms, p95_ms) = (got["median"], got["p95"]);
                if median_ms <= 0.0 {
                    self.bad(&format!("{path}.median"), "must be longer than zero");
                    return default;
                }
                if p95_ms <= median_ms {
                    self.bad(
                        &format!("{path}.p95"),
                        format!(
                            "p95 ({}) must be above the median ({})",
                            t.p95.as_deref().unwrap_or(""),
                            t.median.as_deref().unwrap_or("")
                        ),
                    );
                    return default;
                }
                let d = Dist::lognormal(median_ms, p95_ms);
                if d.p999_ms() > MAX_DURATION_MS as f64 {
                    self.bad(
                        &format!("{path}.p95"),
                        "the tail is absurdly long (99.9th percentile above 3650 days)",
                    );
                    return default;
                }
                d
            }
            _ => {
                let (min_ms, max_ms) = (got["min"], got["max"]);
                if max_ms < min_ms {
                    self.bad(&format!("{path}.max"), "must not be below min");
                    return default;
                }
                Dist::Uniform { min_ms, max_ms }
            }
        }
    }
}

fn lognormal(median_s: f64, p95_s: f64) -> Dist {
    Dist::lognormal(median_s * MS_PER_S as f64, p95_s * MS_PER_S as f64)
}

/// Full weekday names, Monday first (the short forms are [`WEEKDAYS`]).
const WEEKDAY_NAMES: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// A weekday: its three-letter form (`mon`) or its full name (`monday`), in
/// any letter case; nothing else (no other prefix, no plural).
fn weekday(ctx: &mut Ctx, path: &str, v: Option<&String>, default: u8) -> u8 {
    let Some(s) = v else { return default };
    let lower = s.to_ascii_lowercase();
    match (0..7).find(|&i| lower == WEEKDAYS[i] || lower == WEEKDAY_NAMES[i]) {
        Some(i) => i as u8,
        None => {
            ctx.bad(
                path,
                format!("unknown weekday {s:?} (mon, tue, wed, thu, fri, sat, sun, or the full name)"),
            );
            default
        }
    }
}

/// The default hour-of-day shape: quiet nights, a business-day plateau (UTC).
pub const DEFAULT_HOURS: [f64; 24] = [
    0.1, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 0.7, 1.0, 1.0, 1.0, 1.0, 0.9, 1.0, 1.0, 1.0, 1.0, 0.8, 0.6, 0.4, 0.3, 0.2, 0.1,
    0.1,
];
/// The default day-of-week shape, Monday first.
pub const DEFAULT_DAYS: [f64; 7] = [1.0, 1.0, 1.0, 1.0, 1.0, 0.25, 0.15];

fn shape(ctx: &mut Ctx, path: &str, v: Option<&Vec<f64>>, default: &[f64]) -> Vec<f64> {
    let Some(xs) = v else { return default.to_vec() };
    if xs.len() != default.len() {
        ctx.bad(path, format!("needs {} values, found {}", default.len(), xs.len()));
        return default.to_vec();
    }
    if let Some(x) = xs.iter().find(|x| !x.is_finite() || **x < 0.0 || **x > 1e6) {
        ctx.bad(path, format!("{x} is not a rate multiplier (0 to 1e6)"));
        return default.to_vec();
    }
    xs.clone()
}

/// The default number of technicians: the consoles connected at once at
/// the busiest hour of the weekly profile (Little's law: the console rate at
/// the profile's peak multiplier `peak` times the mean console session),
/// rounded up; at least 1 when consoles arrive at all, 0 when none do; at
/// most [`MAX_TECHNICIANS`].
fn default_technicians(rate_per_hour: f64, peak: f64, duration: &Dist) -> u64 {
    if rate_per_hour <= 0.0 {
        return 0;
    }
    let at_once = rate_per_hour * peak * duration.mean_ms() / MS_PER_HOUR as f64;
    // NaN (never from validated numbers) falls to 1 as well.
    at_once.ceil().clamp(1.0, MAX_TECHNICIANS as f64) as u64
}

/// One kind of client at `path`; `peak` is the weekly profile's highest
/// multiplier (for the default number of technicians).
fn clients(ctx: &mut Ctx, path: &str, raw: Option<&RawClients>, support: bool, peak: f64) -> ClientSpec {
    let empty = RawClients::default();
    let r = raw.unwrap_or(&empty);
    let (rate, dur, attempts, backoff) = if support {
        (30.0, lognormal(12.0 * 60.0, 3600.0), 2, SimDuration::from_secs(30))
    } else {
        (
            2.0,
            lognormal(3.0 * 3600.0, 8.0 * 3600.0),
            3,
            SimDuration::from_secs(10),
        )
    };
    let rate_per_hour = ctx.number(
        &format!("{path}.rate_per_hour"),
        r.rate_per_hour,
        rate,
        0.0,
        MAX_RATE_PER_HOUR,
    );
    let duration = ctx.dist(&format!("{path}.duration"), r.duration.as_ref(), dur);
    let er = RawRetry::default();
    let rr = r.retry.as_ref().unwrap_or(&er);
    let retry = RetrySpec {
        attempts: ctx.integer(
            &format!("{path}.retry.attempts"),
            rr.attempts,
            attempts,
            0,
            MAX_ATTEMPTS,
        ) as u32,
        backoff: ctx.duration(&format!("{path}.retry.backoff"), rr.backoff.as_ref(), backoff),
        factor: ctx.number(&format!("{path}.retry.factor"), rr.factor, 2.0, 1.0, 10.0),
    };
    let reconnect = match (&r.reconnect, support) {
        (Some(rc), _) if rc.enabled == Some(false) => None,
        (None, true) => None,
        (rc, _) => {
            let e = RawReconnect::default();
            let rc = rc.as_ref().unwrap_or(&e);
            Some(ReconnectSpec {
                interval: ctx.positive_duration(
                    &format!("{path}.reconnect.interval"),
                    rc.interval.as_ref(),
                    SimDuration::from_secs(30),
                ),
                attempts: ctx.integer(&format!("{path}.reconnect.attempts"), rc.attempts, 240, 0, MAX_ATTEMPTS) as u32,
                client_update: ctx.duration(
                    &format!("{path}.reconnect.client_update"),
                    rc.client_update.as_ref(),
                    SimDuration::from_mins(1),
                ),
            })
        }
    };
    let (msi_locked_share, redeploy, technicians) = if support {
        for (field, given) in [
            ("msi_locked_share", r.msi_locked_share.is_some()),
            ("redeploy", r.redeploy.is_some()),
            ("technicians", r.technicians.is_some()),
        ] {
            if given {
                ctx.bad(
                    &format!("{path}.{field}"),
                    "applies to representative consoles only (workload.console)",
                );
            }
        }
        (0.0, Dist::Constant(SimDuration::ZERO), 0)
    } else {
        let by_default = default_technicians(rate_per_hour, peak, &duration);
        (
            ctx.probability(&format!("{path}.msi_locked_share"), r.msi_locked_share, 0.0),
            ctx.dist(
                &format!("{path}.redeploy"),
                r.redeploy.as_ref(),
                lognormal(24.0 * 3600.0, 72.0 * 3600.0),
            ),
            ctx.integer(
                &format!("{path}.technicians"),
                r.technicians,
                by_default as i64,
                0,
                MAX_TECHNICIANS,
            ) as u64,
        )
    };
    ClientSpec {
        rate_per_hour,
        duration,
        retry,
        reconnect,
        msi_locked_share,
        redeploy,
        technicians,
    }
}

/// Earliest and latest year of a calendar date.
const YEARS: (i16, i16) = (1970, 2200);

/// Reads a local date (`2025-03-10`).
fn date(c: &mut Ctx, path: &str, text: &str) -> Option<jiff::civil::Date> {
    if crate::time::has_leap_second(text) {
        c.bad(path, format!("{text:?}: {}", crate::time::LEAP_SECOND));
        return None;
    }
    match text.trim().parse::<jiff::civil::Date>() {
        Ok(d) if (YEARS.0..=YEARS.1).contains(&d.year()) => Some(d),
        Ok(_) => {
            c.bad(
                path,
                format!("{text:?} is out of range (years {} to {})", YEARS.0, YEARS.1),
            );
            None
        }
        Err(_) => {
            c.bad(path, format!("{text:?} is not a date such as \"2025-03-10\""));
            None
        }
    }
}

/// Reads a local time of day (`22:30`): hour and minute.
fn time_of_day(c: &mut Ctx, path: &str, text: &str) -> Option<(u8, u8)> {
    if crate::time::has_leap_second(text) {
        c.bad(path, format!("{text:?}: {}", crate::time::LEAP_SECOND));
        return None;
    }
    let parsed = text.split_once(':').and_then(|(h, m)| {
        let ok = |x: &str| x.len() == 2 && x.bytes().all(|b| b.is_ascii_digit());
        if !ok(h) || !ok(m) {
            return None;
        }
        let (h, m) = (h.parse::<u8>().ok()?, m.parse::<u8>().ok()?);
        (h < 24 && m < 60).then_some((h, m))
    });
    if parsed.is_none() {
        c.bad(
            path,
            format!("{text:?} is not a time of day such as \"22:30\" (00:00 to 23:59)"),
        );
    }
    parsed
}

/// At most this many operator shifts a day.
pub const MAX_SHIFTS: usize = 1000;

/// `operators.shifts`: each `{ from, to }`, times of day, not equal; at
/// most [`MAX_SHIFTS`].
fn shifts(c: &mut Ctx, raw: &[RawShift]) -> Vec<Shift> {
    let mut out = Vec::new();
    if raw.len() > MAX_SHIFTS {
        c.bad(
            "operators.shifts",
            format!("{} shifts: at most {MAX_SHIFTS}", raw.len()),
        );
    }
    for (i, s) in raw.iter().take(MAX_SHIFTS).enumerate() {
        let p = format!("operators.shifts[{i}]");
        let mut at = |field: &str, v: &Option<String>| match v {
            None => {
                c.bad(&format!("{p}.{field}"), "missing: a time of day such as \"20:00\"");
                None
            }
            Some(t) => time_of_day(c, &format!("{p}.{field}"), t),
        };
        let (from, to) = (at("from", &s.from), at("to", &s.to));
        if let (Some(from), Some(to)) = (from, to) {
            if from == to {
                c.bad(
                    &format!("{p}.to"),
                    "equals from: a shift needs a length (leave shifts out for always on shift)",
                );
            } else {
                out.push(Shift { from, to });
            }
        }
    }
    out
}

/// The `[calendar]` table but its durations: the weekly UTC form, or the
/// dated form when `start` is given.
fn calendar(c: &mut Ctx, cal: &RawCalendar) -> Calendar {
    let start_day = weekday(c, "calendar.start_weekday", cal.start_weekday.as_ref(), 0);
    let start_hour = c.integer("calendar.start_hour", cal.start_hour, 0, 0, 23) as u64;
    let start = cal.start.as_deref().and_then(|text| {
        if cal.start_weekday.is_some() || cal.start_hour.is_some() {
            c.bad(
                "calendar.start",
                "give either start (a local date-time) or start_weekday and start_hour, not both",
            );
        }
        // A civil date-time only: jiff would read past an offset or a zone.
        let t = text.trim();
        if crate::time::has_leap_second(t) {
            c.bad("calendar.start", format!("{text:?}: {}", crate::time::LEAP_SECOND));
            return None;
        }
        let offset = t.get(10..).is_some_and(|r| r.contains(['+', '-', 'Z', 'z', '[']));
        match t.parse::<jiff::civil::DateTime>().map_err(|_| ()).and_then(|d| if offset { Err(()) } else { Ok(d) }) {
            Ok(dt) if (YEARS.0..=YEARS.1).contains(&dt.year()) => Some(dt),
            Ok(_) => {
                c.bad(
                    "calendar.start",
                    format!("{text:?} is out of range (years {} to {})", YEARS.0, YEARS.1),
                );
                None
            }
            Err(_) => {
                c.bad(
                    "calendar.start",
                    format!("{text:?} is not a local date-time such as \"2025-03-03T00:00\" (no offset: the zone is time_zone)"),
                );
                None
            }
        }
    });
    let zone_name = cal.time_zone.clone().unwrap_or_else(|| "UTC".to_string());
    let zone = match crate::model::calendar::time_zone(&zone_name) {
        Ok(tz) => Some(tz),
        Err(e) => {
            c.bad("calendar.time_zone", e);
            None
        }
    };
    let dated_form = cal.start.is_some();
    if !dated_form && cal.time_zone.is_some() {
        c.bad(
            "calendar.time_zone",
            "needs calendar.start (a local date-time such as \"2025-03-03T00:00\")",
        );
    }
    let mut windows = Vec::new();
    let mut dated = Vec::new();
    // Index in the file of each dated window.
    let mut dated_at = Vec::new();
    match &cal.windows {
        None => {
            for day in [1, 3] {
                windows.push(Window {
                    weekday: day,
                    hour: 22,
                    minute: 0,
                    length: SimDuration::from_hours(4),
                });
            }
        }
        Some(ws) if ws.is_empty() => c.bad("calendar.windows", "needs at least one maintenance window"),
        Some(ws) if ws.len() > MAX_WINDOWS => c.bad(
            "calendar.windows",
            format!("{} windows: at most {MAX_WINDOWS}", ws.len()),
        ),
        Some(ws) => {
            let mut spans: Vec<(u64, u64, usize)> = Vec::new();
            for (i, w) in ws.iter().enumerate() {
                let p = format!("calendar.windows[{i}]");
                let hour = c.integer(&format!("{p}.hour"), w.hour, 22, 0, 23) as u8;
                let (hour, minute) = match &w.at {
                    Some(_) if w.hour.is_some() => {
                        c.bad(&format!("{p}.at"), "give hour or at, not both");
                        (hour, 0)
                    }
                    Some(at) => time_of_day(c, &format!("{p}.at"), at).unwrap_or((hour, 0)),
                    None => (hour, 0),
                };
                let length = c.positive_duration(&format!("{p}.length"), w.length.as_ref(), SimDuration::from_hours(4));
                if length.0 > MS_PER_WEEK {
                    c.bad(&format!("{p}.length"), "a window cannot be longer than a week");
                }
                if let Some(text) = &w.date {
                    if w.weekday.is_some() {
                        c.bad(
                            &format!("{p}.date"),
                            "give weekday (weekly) or date (one-off), not both",
                        );
                    }
                    if !dated_form {
                        c.bad(
                            &format!("{p}.date"),
                            "a dated window needs calendar.start (a local date-time such as \"2025-03-03T00:00\")",
                        );
                    }
                    if let Some(date) = date(c, &format!("{p}.date"), text) {
                        dated.push(DatedWindow {
                            date,
                            hour,
                            minute,
                            length,
                        });
                        dated_at.push(i);
                    }
                    continue;
                }
                if w.weekday.is_none() {
                    c.bad(&format!("{p}.weekday"), "missing (or give a date for a one-off window)");
                }
                let weekday = weekday(c, &format!("{p}.weekday"), w.weekday.as_ref(), 0);
                let window = Window {
                    weekday,
                    hour,
                    minute,
                    length,
                };
                let open = window.open_in_week();
                spans.push((open, open + length.0, i));
                windows.push(window);
            }
            // Overlapping windows would count one maintenance period twice.
            spans.sort();
            for pair in spans.windows(2) {
                if pair[1].0 < pair[0].1 {
                    c.bad(&format!("calendar.windows[{}]", pair[1].2), "overlaps another window");
                }
            }
            if let (Some(first), Some(last)) = (spans.first(), spans.last())
                && spans.len() > 1
                && last.1 > MS_PER_WEEK + first.0
            {
                c.bad(
                    &format!("calendar.windows[{}]", last.2),
                    "overlaps another window across the week's end",
                );
            }
        }
    }
    let mut freezes = Vec::new();
    let freeze_list = cal.freezes.as_deref().unwrap_or_default();
    if freeze_list.len() > MAX_FREEZES {
        c.bad(
            "calendar.freezes",
            format!("{} freezes: at most {MAX_FREEZES}", freeze_list.len()),
        );
    }
    for (i, f) in freeze_list.iter().take(MAX_FREEZES).enumerate() {
        let p = format!("calendar.freezes[{i}]");
        if !dated_form {
            c.bad(
                &p,
                "freezes need calendar.start (a local date-time such as \"2025-03-03T00:00\")",
            );
        }
        let from = match &f.from {
            Some(t) => date(c, &format!("{p}.from"), t),
            None => {
                c.bad(&format!("{p}.from"), "missing");
                None
            }
        };
        let to = match &f.to {
            Some(t) => date(c, &format!("{p}.to"), t),
            None => {
                c.bad(&format!("{p}.to"), "missing");
                None
            }
        };
        if let (Some(from), Some(to)) = (from, to) {
            if to < from {
                c.bad(&format!("{p}.to"), format!("{to} is before from ({from})"));
            } else {
                freezes.push(Freeze {
                    from,
                    to,
                    reason: f.reason.clone().unwrap_or_default(),
                });
            }
        }
    }
    let weekly = Calendar {
        start_offset_ms: (start_day as u64 * 24 + start_hour) * MS_PER_HOUR,
        windows,
        local: None,
        region_clocks: Vec::new(),
    };
    let (Some(start), Some(tz)) = (start, zone) else {
        return weekly;
    };
    // Dates far from the start are typos (and would plan years of weeks).
    let limit = jiff::Span::new().days(3650);
    let near = |d: jiff::civil::Date| {
        start.date().checked_sub(limit).is_ok_and(|a| a <= d) && start.date().checked_add(limit).is_ok_and(|b| d <= b)
    };
    for (k, d) in dated.iter().enumerate() {
        if !near(d.date) {
            c.bad(
                &format!("calendar.windows[{}].date", dated_at[k]),
                format!("{} is more than 3650 days from calendar.start", d.date),
            );
        }
    }
    for (i, f) in freezes.iter().enumerate() {
        for (field, d) in [("from", f.from), ("to", f.to)] {
            if !near(d) {
                c.bad(
                    &format!("calendar.freezes[{i}].{field}"),
                    format!("{d} is more than 3650 days from calendar.start"),
                );
            }
        }
    }
    if !c.problems.is_empty() {
        return weekly;
    }
    let clock = match Clock::new(&zone_name, tz, start) {
        Ok(clock) => clock,
        Err(e) => {
            c.bad("calendar.start", e);
            return weekly;
        }
    };
    let monday_offset = i64::from(start.date().weekday().to_monday_zero_offset()) as u64 * MS_PER_DAY
        + (start.hour() as u64 * 60 + start.minute() as u64) * MS_PER_MIN
        + start.second() as u64 * MS_PER_S;
    match Local::new(clock, start, &weekly.windows, dated, freezes) {
        Ok(local) => Calendar {
            start_offset_ms: monday_offset,
            windows: weekly.windows,
            local: Some(Box::new(local)),
            region_clocks: Vec::new(),
        },
        Err(LocalError::Overlap(k)) => {
            c.bad(
                &format!("calendar.windows[{}]", dated_at[k]),
                "overlaps another window (in local time)",
            );
            weekly
        }
        Err(LocalError::Range(e)) => {
            c.bad("calendar.start", e);
            weekly
        }
    }
}

/// `calendar.cutoff` and `calendar.on_overrun`.
fn window_rules(c: &mut Ctx, cal: &RawCalendar, calendar: &Calendar) -> WindowRules {
    let cutoff = c.duration("calendar.cutoff", cal.cutoff.as_ref(), SimDuration::ZERO);
    let longest = calendar.longest_window();
    let cutoff = if cutoff.0 > 0 && cutoff >= longest {
        c.bad(
            "calendar.cutoff",
            format!("{cutoff} is not shorter than the longest window ({longest}): no step could ever start"),
        );
        SimDuration::ZERO
    } else {
        cutoff
    };
    let on_overrun = match cal.on_overrun.as_deref() {
        None => OnOverrun::Continue,
        Some(w) => OnOverrun::from_word(w).unwrap_or_else(|| {
            c.bad("calendar.on_overrun", format!("{w:?}: give continue, pause or backout"));
            OnOverrun::Continue
        }),
    };
    WindowRules { cutoff, on_overrun }
}

/// The clocks of Atlas regions that set a `time_zone` (empty when none does).
fn region_clocks(c: &mut Ctx, calendar: &Calendar, zones: &[Option<String>]) -> Vec<Option<Clock>> {
    if zones.iter().all(Option::is_none) {
        return Vec::new();
    }
    let mut clocks = Vec::new();
    for (i, zone) in zones.iter().enumerate() {
        let path = format!("site.regions[{i}].time_zone");
        let Some(name) = zone else {
            clocks.push(None);
            continue;
        };
        let tz = match crate::model::calendar::time_zone(name) {
            Ok(tz) => tz,
            Err(e) => {
                c.bad(&path, e);
                clocks.push(None);
                continue;
            }
        };
        match calendar.clock() {
            Some(clock) => clocks.push(Some(clock.in_zone(name, tz))),
            None => {
                c.bad(
                    &path,
                    "needs calendar.start (a local date-time such as \"2025-03-03T00:00\")",
                );
                clocks.push(None);
            }
        }
    }
    clocks
}

/// Validates a raw scenario; `default_name` names it when the file does not.
pub fn validate(raw: RawScenario, default_name: &str) -> Result<Scenario, Vec<Problem>> {
    let mut ctx = Ctx { problems: Vec::new() };
    let c = &mut ctx;

    let name = raw.name.clone().unwrap_or_else(|| default_name.to_string());
    if !is_folder_name(&name) {
        c.bad(
            "name",
            format!("{name:?}: use letters, digits, '-', '_' or '.' (it names the output folder)"),
        );
    }
    let seed = c.integer("seed", raw.seed, 1, 0, i64::MAX) as u64;

    // Calendar.
    let cal = raw.calendar.unwrap_or_default();
    let calendar = calendar(c, &cal);
    let interim = c.duration("calendar.interim", cal.interim.as_ref(), SimDuration::from_hours(24));
    let cooldown = c.duration("calendar.cooldown", cal.cooldown.as_ref(), SimDuration::ZERO);
    let window_rules = window_rules(c, &cal, &calendar);

    // Site.
    let region_zones: Vec<Option<String>> = raw
        .site
        .as_ref()
        .and_then(|s| s.regions.as_ref())
        .map(|list| list.iter().map(|r| r.time_zone.clone()).collect())
        .unwrap_or_default();
    let site = site(c, raw.site.unwrap_or_default());
    let mut calendar = calendar;
    calendar.region_clocks = region_clocks(c, &calendar, &region_zones);

    // Upgrade.
    let up = raw.upgrade.unwrap_or_default();
    let upgrade = UpgradeSpec {
        base: c.dist("upgrade.base", up.base.as_ref(), lognormal(600.0, 1200.0)),
        product: c.dist("upgrade.product", up.product.as_ref(), lognormal(900.0, 2100.0)),
        reboot: c.dist(
            "upgrade.reboot",
            up.reboot.as_ref(),
            Dist::Uniform {
                min_ms: 180_000.0,
                max_ms: 360_000.0,
            },
        ),
        install_per_gb: c.duration(
            "upgrade.install_per_gb",
            up.install_per_gb.as_ref(),
            SimDuration::from_secs(6),
        ),
        same_on_both: up.same_on_both.unwrap_or(true),
    };

    // Failover.
    let fo = raw.failover.unwrap_or_default();
    let failover = FailoverSpec {
        sync_interval: c.positive_duration(
            "failover.sync_interval",
            fo.sync_interval.as_ref(),
            SimDuration::from_mins(15),
        ),
        first_sync_delay: c.duration(
            "failover.first_sync_delay",
            fo.first_sync_delay.as_ref(),
            SimDuration::from_secs(60),
        ),
        sync_overhead: c.dist(
            "failover.sync_overhead",
            fo.sync_overhead.as_ref(),
            Dist::Constant(SimDuration::from_secs(30)),
        ),
        throughput_mb_s: c.number("failover.throughput_mb_s", fo.throughput_mb_s, 100.0, 1e-3, 1e6),
        record_mb: c.number("failover.record_mb", fo.record_mb, 25.0, 0.0, 1e6),
        mixed_versions: fo.mixed_versions.unwrap_or(false),
    };

    // Network.
    let nw = raw.network.unwrap_or_default();
    let network = NetworkSpec {
        shared_ip_gap: c.dist(
            "network.shared_ip_gap",
            nw.shared_ip_gap.as_ref(),
            lognormal(15.0, 60.0),
        ),
        dns_ttl: c.duration("network.dns_ttl", nw.dns_ttl.as_ref(), SimDuration::from_secs(60)),
        dns_stale_fraction: c.probability("network.dns_stale_fraction", nw.dns_stale_fraction, 0.10),
        dns_stale_extra: c.dist(
            "network.dns_stale_extra",
            nw.dns_stale_extra.as_ref(),
            lognormal(300.0, 2520.0),
        ),
        nat_delay: c.dist(
            "network.nat_delay",
            nw.nat_delay.as_ref(),
            Dist::Uniform {
                min_ms: 2_000.0,
                max_ms: 10_000.0,
            },
        ),
    };

    // Operator.
    let op = raw.operator.unwrap_or_default();
    let operator = OperatorSpec {
        step: c.dist("operator.step", op.step.as_ref(), lognormal(60.0, 180.0)),
        verify: c.dist("operator.verify", op.verify.as_ref(), lognormal(600.0, 1800.0)),
        backup: c.dist("operator.backup", op.backup.as_ref(), lognormal(180.0, 600.0)),
    };

    // Operators.
    let ops = raw.operators.unwrap_or_default();
    let operators = OperatorsSpec {
        count: ops
            .count
            .map(|_| c.integer("operators.count", ops.count, 1, 1, 10_000) as u32),
        shifts: shifts(c, ops.shifts.as_deref().unwrap_or_default()),
    };

    // Workload.
    let wl = raw.workload.unwrap_or_default();
    let days = shape(c, "workload.days", wl.days.as_ref(), &DEFAULT_DAYS);
    let hours = shape(c, "workload.hours", wl.hours.as_ref(), &DEFAULT_HOURS);
    let profile: Vec<f64> = days.iter().flat_map(|d| hours.iter().map(move |h| d * h)).collect();
    if profile.iter().all(|x| *x == 0.0) {
        let path = if days.iter().all(|x| *x == 0.0) {
            "workload.days"
        } else {
            "workload.hours"
        };
        c.bad(
            path,
            "the weekly profile is zero at every hour: no client would ever arrive",
        );
    }
    let peak = profile.iter().fold(0.0f64, |a, b| a.max(*b));
    let support = clients(c, "workload.support", wl.support.as_ref(), true, peak);
    let console = clients(c, "workload.console", wl.console.as_ref(), false, peak);
    let deterministic = match wl.arrivals.as_deref() {
        None | Some("poisson") => false,
        Some("deterministic") => true,
        Some(other) => {
            c.bad(
                "workload.arrivals",
                format!("unknown arrival process {other:?} (poisson or deterministic)"),
            );
            false
        }
    };
    let workload = WorkloadSpec {
        deterministic,
        profile,
        support,
        console,
    };

    let warmup = match cal.warmup.as_deref() {
        None | Some("auto") => {
            // Long enough for the active-session count to be in steady state:
            // the 99.9th percentile of the longest session duration among
            // the kinds of client that arrive at all (a rate of 0 has no
            // sessions to settle); none at all without clients.
            let p = [&workload.support, &workload.console]
                .iter()
                .filter(|k| k.rate_per_hour > 0.0)
                .map(|k| k.duration.p999_ms())
                .fold(0.0, f64::max);
            SimDuration::from_ms_f64(p.min(MAX_DURATION_MS as f64))
        }
        Some(_) => c.duration("calendar.warmup", cal.warmup.as_ref(), SimDuration::ZERO),
    };

    let mut raw_faults = raw.faults.unwrap_or_default();
    let raw_inject = raw_faults.inject.take();
    let mut faults = faults(c, raw_faults);
    if faults.latent_defect > 0.0 && !site.kind.restores_appliances() {
        c.bad(
            "faults.latent_defect",
            format!(
                "latent defects are modelled for single appliances and failover pairs only, not for {} sites: set it to 0",
                site.kind.name()
            ),
        );
    }
    let pod = pod(c, raw.pod, site.kind, &calendar);
    let (preparation, consoles, jump_clients) = prep(c, raw.preparation, raw.consoles, raw.jump_clients);
    let integrations = integrations(c, raw.integrations);
    work_bounds(c, &site, &workload, &failover, &faults, &pod);

    let mut thresholds = Vec::new();
    for (metric, value) in raw.thresholds.iter().flatten() {
        let path = format!("thresholds.{metric}");
        if !crate::metrics::Metrics::COLUMNS.contains(&metric.as_str()) {
            c.bad(
                &path,
                format!(
                    "unknown metric {metric:?} (one of: {})",
                    crate::metrics::Metrics::COLUMNS.join(", ")
                ),
            );
        } else if !value.is_finite() {
            c.bad(&path, "must be a finite number");
        } else {
            thresholds.push((metric.clone(), *value));
        }
    }
    let mut judged = Vec::new();
    let priorities = crate::priorities::check_priorities(raw.priorities, &mut judged);
    let risk = crate::priorities::check_risk(raw.risk, &mut judged);
    let sensitivity = super::sensitivity::check_sensitivity(raw.sensitivity, &mut judged);
    for (path, message) in judged {
        c.bad(&path, message);
    }
    let (strategies, runbooks) = strategies(c, raw.strategies.as_deref(), raw.runbooks.as_deref(), &site);
    let mut judged = Vec::new();
    faults.inject = super::inject::check(raw_inject, &site, &runbooks, &mut judged);
    for (path, message) in judged {
        c.bad(&path, message);
    }

    if !ctx.problems.is_empty() {
        return Err(ctx.problems);
    }
    Ok(Scenario {
        name,
        description: raw.description.unwrap_or_default(),
        seed,
        strategies,
        runbooks,
        calendar,
        interim,
        window_rules,
        warmup,
        cooldown,
        site,
        upgrade,
        failover,
        network,
        operator,
        operators,
        workload,
        faults,
        pod,
        preparation,
        consoles,
        jump_clients,
        integrations,
        thresholds,
        priorities,
        risk,
        sensitivity,
    })
}

/// `[preparation]`, `[consoles]` and `[jump_clients]` (docs/model.md,
/// "Preparation" and "Jump Clients"): all off when absent.
fn prep(
    c: &mut Ctx,
    preparation: Option<RawPreparation>,
    consoles: Option<RawConsoles>,
    jump: Option<RawJumpClients>,
) -> (PreparationSpec, ConsolesSpec, JumpClientsSpec) {
    let p = preparation.unwrap_or_default();
    let manual_path = p
        .manual_path
        .as_ref()
        .map(|d| c.dist("preparation.manual_path", Some(d), Dist::Constant(SimDuration::ZERO)));
    let rehearsal = p.rehearsal.map(|r| {
        if r.duration.is_none() {
            c.bad(
                "preparation.rehearsal.duration",
                "missing: a rehearsal needs its length (duration) and the share of failures it catches (catches)",
            );
        }
        if r.catches.is_none() {
            c.bad(
                "preparation.rehearsal.catches",
                "missing: the share of upgrade failures and latent defects the rehearsal catches (0 to 1)",
            );
        }
        Rehearsal {
            duration: c.dist(
                "preparation.rehearsal.duration",
                r.duration.as_ref(),
                Dist::Constant(SimDuration::ZERO),
            ),
            catches: c.probability("preparation.rehearsal.catches", r.catches, 0.0),
        }
    });
    let order_question = p
        .order_question
        .as_ref()
        .map(|d| c.dist("preparation.order_question", Some(d), Dist::Constant(SimDuration::ZERO)));
    let download = p
        .download
        .as_ref()
        .map(|d| c.dist("preparation.download", Some(d), Dist::Constant(SimDuration::ZERO)));
    let download_lost = c.probability("preparation.download_lost", p.download_lost, 0.0);
    if download_lost >= 1.0 {
        c.bad(
            "preparation.download_lost",
            "1 is not allowed: a download that is always lost would be redone for ever (below 1)",
        );
    } else if download_lost > 0.0 && download.is_none() {
        c.bad(
            "preparation.download_lost",
            "needs preparation.download: the download's length, which a lost download takes again",
        );
    }
    let cs = consoles.unwrap_or_default();
    let j = jump.unwrap_or_default();
    let jump_clients = JumpClientsSpec {
        count: c.integer("jump_clients.count", j.count, 0, 0, 10_000_000) as u64,
        reconnect_per_minute: j.reconnect_per_minute.map(|_| {
            c.integer(
                "jump_clients.reconnect_per_minute",
                j.reconnect_per_minute,
                1,
                1,
                10_000_000,
            ) as u64
        }),
        update: c.duration("jump_clients.update", j.update.as_ref(), SimDuration::ZERO),
    };
    (
        PreparationSpec {
            manual_path,
            rehearsal,
            order_question,
            download,
            download_lost,
        },
        ConsolesSpec {
            prestage_msi: cs.prestage_msi.unwrap_or(false),
            old_msi: cs.old_msi.as_deref().and_then(|w| {
                let old = OldMsi::from_word(w);
                if old.is_none() {
                    c.bad("consoles.old_msi", format!("{w:?}: give kept or not_kept"));
                }
                old
            }),
        },
        jump_clients,
    )
}

/// `[integrations]` (docs/model.md, "Integrations"): none when absent.
fn integrations(c: &mut Ctx, raw: Option<RawIntegrations>) -> IntegrationsSpec {
    let r = raw.unwrap_or_default();
    IntegrationsSpec {
        by_ip: c.integer("integrations.by_ip", r.by_ip, 0, 0, 1000) as u64,
        repoint: c.dist(
            "integrations.repoint",
            r.repoint.as_ref(),
            Dist::Constant(SimDuration::ZERO),
        ),
    }
}

/// Refuses rate combinations that would make a run do absurd amounts of
/// work or logging, each one naming the field to change. (A run is also
/// bounded while it runs: see `sim::MAX_EVENTS` and its siblings.)
fn work_bounds(
    c: &mut Ctx,
    site: &Site,
    workload: &WorkloadSpec,
    fo: &FailoverSpec,
    faults: &FaultSpec,
    pod: &PodSpec,
) {
    // The rate cap holds at the busiest hour of the week, multipliers included.
    let peak = workload.profile.iter().fold(0.0f64, |a, b| a.max(*b));
    for (kind, spec) in [("support", &workload.support), ("console", &workload.console)] {
        let effective = spec.rate_per_hour * peak;
        if effective > MAX_RATE_PER_HOUR {
            c.bad(
                &format!("workload.{kind}.rate_per_hour"),
                format!(
                    "{} an hour at the weekly profile's peak multiplier {} (workload.days × workload.hours) is {} an hour: at most {}",
                    shown(spec.rate_per_hour),
                    shown(peak),
                    shown(effective),
                    shown(MAX_RATE_PER_HOUR)
                ),
            );
        }
    }
    if faults.crashes {
        let nodes = site.nodes.len().max(1) as u64;
        if faults.mtbf.0 / nodes < MIN_SITE_MTBF_MS {
            c.bad(
                "faults.mtbf",
                format!(
                    "{} per node on {nodes} nodes makes a crash somewhere on the site more often than once every {} on average: at least {} with crashes on",
                    faults.mtbf,
                    SimDuration(MIN_SITE_MTBF_MS),
                    SimDuration(MIN_SITE_MTBF_MS * nodes)
                ),
            );
        }
    }
    if site.has_backup() {
        let overhead = fo.sync_overhead.mean_ms();
        let cycle = |wait: SimDuration| wait.0 as f64 + overhead;
        let min = SimDuration(MIN_SYNC_CYCLE_MS);
        if cycle(fo.sync_interval) < MIN_SYNC_CYCLE_MS as f64 {
            c.bad(
                "failover.sync_interval",
                format!(
                    "{} between syncs that take {} on average: the interval plus the sync's mean overhead must be at least {min}",
                    fo.sync_interval,
                    SimDuration::from_ms_f64(overhead)
                ),
            );
        }
        if faults.sync_failure > 0.0 && cycle(faults.sync_retry) < MIN_SYNC_CYCLE_MS as f64 {
            c.bad(
                "faults.sync_retry",
                format!(
                    "{} between a failed sync and its retry, with syncs that take {} on average: the retry wait plus the sync's mean overhead must be at least {min}",
                    faults.sync_retry,
                    SimDuration::from_ms_f64(overhead)
                ),
            );
        }
    }
    if site.kind.scheduled_by_service() {
        // The slot is at most the lead time plus a week (a preferred
        // window) or plus the spread (any hour) away.
        let ahead = pod.lead_time.0 + (pod.spread.0 + MS_PER_HOUR).max(MS_PER_WEEK);
        let reminders = ahead / pod.reminder_interval.0.max(1);
        if reminders > MAX_REMINDERS {
            c.bad(
                "pod.reminder_interval",
                format!(
                    "a reminder every {} over up to {} before the maintenance is {reminders} reminders: at most {MAX_REMINDERS}",
                    pod.reminder_interval,
                    SimDuration(ahead)
                ),
            );
        }
    }
}

/// Names a region may not take: they are group or node names already.
const RESERVED: [&str; 6] = ["traffic", "offline", "remaining", "A", "B", "pod"];
/// Most traffic nodes in one cluster.
pub const MAX_NODES: u64 = 100_000;

fn site(c: &mut Ctx, r: RawSite) -> Site {
    let kind = match r.kind.as_deref() {
        None => SiteKind::FailoverPair,
        Some(k) => SiteKind::parse(k).unwrap_or_else(|| {
            c.bad(
                "site.kind",
                format!("unknown site kind {k:?} ({})", SiteKind::choices()),
            );
            SiteKind::FailoverPair
        }),
    };
    let traffic_nodes = kind.routes_through_traffic_nodes();
    let data_gb = c.number("site.data_gb", r.data_gb, 200.0, 0.0, MAX_DATA_GB);
    let capacity = r
        .capacity
        .map(|_| c.integer("site.capacity", r.capacity, 1, 1, 100_000_000) as u32);
    if r.backup_primary.is_some() && kind.failover_peer() != FailoverPeer::Optional {
        c.bad("site.backup_primary", "applies to atlas sites only");
    }
    let mut regions = Vec::new();
    match (&r.regions, traffic_nodes) {
        (Some(_), false) => c.bad("site.regions", "applies to atlas sites only"),
        (None, true) => c.bad("site.regions", "an atlas site needs at least one region"),
        (Some(list), true) if list.is_empty() => c.bad("site.regions", "an atlas site needs at least one region"),
        (Some(list), true) => {
            let mut total_nodes = 0u64;
            let mut seen = std::collections::HashSet::new();
            for (i, rr) in list.iter().enumerate() {
                let p = format!("site.regions[{i}]");
                let name = match &rr.name {
                    None => {
                        c.bad(&format!("{p}.name"), "missing");
                        format!("region{}", i + 1)
                    }
                    Some(n) => {
                        if n.is_empty() || !n.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_') {
                            c.bad(&format!("{p}.name"), format!("{n:?}: use letters, digits or '_'"));
                        } else if RESERVED.contains(&n.as_str()) {
                            c.bad(
                                &format!("{p}.name"),
                                format!("{n:?} is reserved (a group or node name)"),
                            );
                        } else if !seen.insert(n.as_str()) {
                            c.bad(&format!("{p}.name"), format!("{n:?} is used twice"));
                        }
                        n.clone()
                    }
                };
                let share = c.number(&format!("{p}.share"), rr.share, 1.0, 0.0, 1e9);
                let nodes = c.integer(&format!("{p}.nodes"), rr.nodes, 2, 1, MAX_NODES as i64) as u32;
                let capacity = c.integer(&format!("{p}.capacity"), rr.capacity, 100, 1, 100_000_000) as u32;
                total_nodes += nodes as u64;
                regions.push(Region {
                    name,
                    share,
                    nodes,
                    capacity,
                });
            }
            if total_nodes > MAX_NODES {
                c.bad(
                    "site.regions",
                    format!("{total_nodes} traffic nodes: at most {MAX_NODES}"),
                );
                // Do not build a site that large just to refuse it.
                regions.clear();
            }
            let sum: f64 = regions.iter().map(|r| r.share).sum();
            if sum <= 0.0 && !regions.is_empty() {
                c.bad("site.regions", "the regions' shares add up to zero");
            } else {
                for r in &mut regions {
                    r.share /= sum;
                }
            }
        }
        (None, false) => {}
    }
    let offline_fraction = c.probability("site.offline_fraction", r.offline_fraction, 0.5);
    let mut site = Site::new(
        kind,
        data_gb,
        r.keys_match.unwrap_or(true),
        r.backup_primary.unwrap_or(true),
        capacity,
        regions,
        offline_fraction,
    );
    if let Some(m) = &r.switch {
        match SwitchMethod::parse(m) {
            Some(method) => site.switch_method = method,
            None => c.bad(
                "site.switch",
                format!("unknown switch method {m:?} (shared-ip, dns or nat)"),
            ),
        }
    }
    site.drain_timeout = match r.drain_timeout.as_deref() {
        None | Some("none") => None,
        Some(text) if parse_duration(text).is_err() => {
            c.bad(
                "site.drain_timeout",
                format!("{text:?} is neither a duration such as \"2h\" nor \"none\""),
            );
            None
        }
        Some(_) => Some(c.duration("site.drain_timeout", r.drain_timeout.as_ref(), SimDuration::ZERO)),
    };
    site.distribute = c.dist("site.distribute", r.distribute.as_ref(), lognormal(300.0, 900.0));
    site
}

fn faults(c: &mut Ctx, r: RawFaults) -> FaultSpec {
    FaultSpec {
        inject: Vec::new(),
        crash_loses_data: c.probability("faults.crash_loses_data", r.crash_loses_data, 1.0),
        mtbf: c.positive_duration("faults.mtbf", r.mtbf.as_ref(), SimDuration::from_hours(8760)),
        crashes: r.crashes.unwrap_or(false),
        mttr: c.dist("faults.mttr", r.mttr.as_ref(), lognormal(2.0 * 3600.0, 8.0 * 3600.0)),
        failover_delay: c.dist(
            "faults.failover_delay",
            r.failover_delay.as_ref(),
            Dist::Uniform {
                min_ms: 30_000.0,
                max_ms: 120_000.0,
            },
        ),
        upgrade_failure: c.probability("faults.upgrade_failure", r.upgrade_failure, 0.0),
        rollback: c.dist("faults.rollback", r.rollback.as_ref(), lognormal(1800.0, 5400.0)),
        support: c.dist(
            "faults.support",
            r.support.as_ref(),
            lognormal(2.0 * 3600.0, 8.0 * 3600.0),
        ),
        upgrade_retries: c.integer("faults.upgrade_retries", r.upgrade_retries, 1, 0, 10) as u32,
        sync_failure: c.probability("faults.sync_failure", r.sync_failure, 0.0),
        sync_retry: c.positive_duration("faults.sync_retry", r.sync_retry.as_ref(), SimDuration::from_mins(5)),
        precheck_failure: c.probability("faults.precheck_failure", r.precheck_failure, 0.0),
        admin_fix: c.dist(
            "faults.admin_fix",
            r.admin_fix.as_ref(),
            lognormal(4.0 * 3600.0, 24.0 * 3600.0),
        ),
        precheck_deadline: c.duration(
            "faults.precheck_deadline",
            r.precheck_deadline.as_ref(),
            SimDuration::from_hours(48),
        ),
        latent_defect: c.probability("faults.latent_defect", r.latent_defect, 0.0),
        defect_detect: c.dist(
            "faults.defect_detect",
            r.defect_detect.as_ref(),
            Dist::Exponential {
                mean_ms: 2.0 * MS_PER_DAY as f64,
            },
        ),
    }
}

fn pod(c: &mut Ctx, r: Option<RawPod>, kind: SiteKind, calendar: &Calendar) -> PodSpec {
    if r.is_some() && !kind.upgrades_by_cutover() {
        c.bad("pod", "applies to pod sites only (site.kind = \"pod\")");
    }
    let r = r.unwrap_or_default();
    let preferred = r.preferred_window.as_ref().map(|w| {
        if w.weekday.is_none() {
            c.bad("pod.preferred_window.weekday", "missing");
        }
        let day = weekday(c, "pod.preferred_window.weekday", w.weekday.as_ref(), 5);
        let hour = c.integer("pod.preferred_window.hour", w.hour, 2, 0, 23) as u8;
        (day, hour)
    });
    let preferred_zone = window_zone(c, r.preferred_window_zone.as_deref(), calendar);
    let (farms, close_immediately_fraction) = farms(c, &r);
    PodSpec {
        preferred,
        preferred_zone,
        miss_probability: c.probability("pod.miss_probability", r.miss_probability, 0.1),
        lead_time: c.duration("pod.lead_time", r.lead_time.as_ref(), SimDuration::from_hours(7 * 24)),
        spread: c.positive_duration("pod.spread", r.spread.as_ref(), SimDuration::from_hours(7 * 24)),
        allotment: c.positive_duration("pod.allotment", r.allotment.as_ref(), SimDuration::from_hours(4)),
        cutover: c.dist("pod.cutover", r.cutover.as_ref(), lognormal(12.0 * 60.0, 20.0 * 60.0)),
        build_green: c.dist(
            "pod.build_green",
            r.build_green.as_ref(),
            lognormal(3600.0, 3.0 * 3600.0),
        ),
        validate: c.dist("pod.validate", r.validate.as_ref(), lognormal(180.0, 480.0)),
        delete_blue: c.dist("pod.delete_blue", r.delete_blue.as_ref(), lognormal(300.0, 900.0)),
        reminder_interval: c.positive_duration(
            "pod.reminder_interval",
            r.reminder_interval.as_ref(),
            SimDuration::from_hours(24),
        ),
        close_immediately_fraction,
        farms,
        reconnect_probability: c.probability("pod.reconnect_probability", r.reconnect_probability, 0.9),
        reconnect_delay: c.dist(
            "pod.reconnect_delay",
            r.reconnect_delay.as_ref(),
            lognormal(120.0, 900.0),
        ),
        emergency_per_year: c.number("pod.emergency_per_year", r.emergency_per_year, 0.0, 0.0, 1e6),
        emergency_notice: c.positive_duration(
            "pod.emergency_notice",
            r.emergency_notice.as_ref(),
            SimDuration::from_hours(24),
        ),
        reschedule_probability: c.probability("pod.reschedule_probability", r.reschedule_probability, 0.0),
        support_delay: c.dist(
            "pod.support_delay",
            r.support_delay.as_ref(),
            lognormal(24.0 * 3600.0, 72.0 * 3600.0),
        ),
        preconditions: {
            let p = r.preconditions.as_ref();
            Preconditions {
                agents: c.probability("pod.preconditions.agents", p.and_then(|p| p.agents), 0.0),
                vcores: c.probability("pod.preconditions.vcores", p.and_then(|p| p.vcores), 0.0),
                locks: c.probability("pod.preconditions.locks", p.and_then(|p| p.locks), 0.0),
            }
        },
        post_update: {
            let p = r.post_update.as_ref();
            PostUpdate {
                agents: p
                    .and_then(|p| p.agents.as_ref())
                    .map(|d| c.dist("pod.post_update.agents", Some(d), Dist::Constant(SimDuration::ZERO))),
                radius: p
                    .and_then(|p| p.radius.as_ref())
                    .map(|d| c.dist("pod.post_update.radius", Some(d), Dist::Constant(SimDuration::ZERO))),
                dns: p
                    .and_then(|p| p.dns.as_ref())
                    .map(|d| c.dist("pod.post_update.dns", Some(d), Dist::Constant(SimDuration::ZERO))),
            }
        },
        validation_failure: {
            let p = c.probability("pod.validation_failure", r.validation_failure, 0.0);
            if p >= 1.0 {
                c.bad(
                    "pod.validation_failure",
                    "1 is not allowed: a validation that always fails would retry the update for ever (below 1)",
                );
                0.0
            } else {
                p
            }
        },
        green_build_failure: {
            let p = c.probability("pod.green_build_failure", r.green_build_failure, 0.0);
            if p >= 1.0 {
                c.bad(
                    "pod.green_build_failure",
                    "1 is not allowed: a green build that always fails would retry the update for ever (below 1)",
                );
                0.0
            } else {
                p
            }
        },
        point_release: c.probability("pod.point_release", r.point_release, 0.0),
    }
}

/// `pod.preferred_window_zone`: `"UTC"` (the default, as the console
/// takes the window), `"local"` (the calendar's zone) or an IANA zone
/// name (which needs a dated calendar: the weekly form has no dates to
/// know its offset on).
fn window_zone(c: &mut Ctx, name: Option<&str>, calendar: &Calendar) -> WindowZone {
    const PATH: &str = "pod.preferred_window_zone";
    match name {
        None | Some("UTC") => WindowZone::Utc,
        Some("local") => WindowZone::Local,
        Some(name) => match crate::model::calendar::time_zone(name) {
            Err(e) => {
                c.bad(PATH, format!("{e}, or \"local\" for the calendar's zone"));
                WindowZone::Utc
            }
            Ok(_) if calendar.clock().is_none() => {
                c.bad(
                    PATH,
                    "a zone by name needs calendar.start (a local date-time such as \"2025-03-03T00:00\"); \"UTC\" and \"local\" need none",
                );
                WindowZone::Utc
            }
            Ok(tz) => WindowZone::Named {
                name: name.to_string(),
                tz,
            },
        },
    }
}

/// The pod's farms: `pod.farms`, or the `close_immediately_fraction`
/// shorthand (a farm closing disconnected sessions immediately with that
/// share, listed first, and one that never does), never both; and the
/// share of sessions in farms that close them immediately.
fn farms(c: &mut Ctx, r: &RawPod) -> (Vec<Farm>, f64) {
    let shorthand = |f: f64| {
        vec![
            Farm {
                share: f,
                logoff: Logoff::Immediately,
            },
            Farm {
                share: 1.0 - f,
                logoff: Logoff::Never,
            },
        ]
    };
    let Some(list) = &r.farms else {
        let f = c.probability("pod.close_immediately_fraction", r.close_immediately_fraction, 0.0);
        return (shorthand(f), f);
    };
    if r.close_immediately_fraction.is_some() {
        c.bad(
            "pod.close_immediately_fraction",
            "give either pod.farms or its shorthand pod.close_immediately_fraction, not both",
        );
    }
    if list.is_empty() {
        c.bad("pod.farms", "needs at least one farm");
        return (shorthand(0.0), 0.0);
    }
    if list.len() > MAX_FARMS {
        c.bad("pod.farms", format!("{} farms: at most {MAX_FARMS}", list.len()));
        return (shorthand(0.0), 0.0);
    }
    let mut farms = Vec::with_capacity(list.len());
    for (i, f) in list.iter().enumerate() {
        let p = format!("pod.farms[{i}]");
        let share = c.number(&format!("{p}.share"), f.share, 1.0, 0.0, 1e9);
        let logoff = match f.logoff.as_deref() {
            None | Some("never") => Logoff::Never,
            Some("immediately") => Logoff::Immediately,
            Some("after") => match &f.after {
                None => {
                    c.bad(&format!("{p}.after"), "missing: logoff = \"after\" needs a duration");
                    Logoff::Never
                }
                Some(_) => Logoff::After(c.duration(&format!("{p}.after"), f.after.as_ref(), SimDuration::ZERO)),
            },
            Some(other) => {
                c.bad(
                    &format!("{p}.logoff"),
                    format!("unknown logoff policy {other:?} (never, immediately or after)"),
                );
                Logoff::Never
            }
        };
        if f.after.is_some() && f.logoff.as_deref() != Some("after") {
            c.bad(&format!("{p}.after"), "applies to logoff = \"after\" only");
        }
        farms.push(Farm { share, logoff });
    }
    let sum: f64 = farms.iter().map(|f| f.share).sum();
    if sum <= 0.0 {
        c.bad("pod.farms", "the farms' shares add up to zero");
        return (shorthand(0.0), 0.0);
    }
    for f in &mut farms {
        f.share /= sum;
    }
    let immediate = farms
        .iter()
        .filter(|f| f.logoff == Logoff::Immediately)
        .map(|f| f.share)
        .sum();
    (farms, immediate)
}

/// The enabled strategies and their resolved runbooks. Custom runbooks are
/// always checked (an impossible one is an error even when not enabled).
fn strategies(
    c: &mut Ctx,
    listed: Option<&[String]>,
    custom: Option<&[runbook::RawRunbook]>,
    site: &Site,
) -> (Vec<String>, Vec<Runbook>) {
    let builtins = runbook::builtin();
    let custom = custom.unwrap_or(&[]);
    // Names are looked up in maps, never by scanning the lists: a file with
    // 20,000 names is refused in milliseconds, not minutes.
    let mut custom_index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut custom_ok: Vec<Option<Runbook>> = Vec::new();
    for (i, rb) in custom.iter().enumerate() {
        let p = format!("runbooks[{i}]");
        let first = *custom_index.entry(&rb.name).or_insert(i) == i;
        if !is_folder_name(&rb.name) {
            c.bad(
                &format!("{p}.name"),
                format!(
                    "{:?}: use letters, digits, '-', '_' or '.' (it names the output folder)",
                    rb.name
                ),
            );
            custom_ok.push(None);
            continue;
        }
        if builtins.iter().any(|b| b.name == rb.name) {
            c.bad(
                &format!("{p}.name"),
                format!("{:?} is a built-in runbook's name", rb.name),
            );
            custom_ok.push(None);
            continue;
        }
        if !first {
            c.bad(&format!("{p}.name"), format!("{:?} is used twice", rb.name));
            custom_ok.push(None);
            continue;
        }
        match runbook::resolve(rb, site) {
            Ok(r) => custom_ok.push(Some(r)),
            Err(e) => {
                let path = match e.step {
                    Some(n) => format!("{p}.steps[{}]", n - 1),
                    None => p,
                };
                c.bad(&path, e.to_string());
                custom_ok.push(None);
            }
        }
    }
    let names: Vec<String> = match listed {
        None => {
            // The built-ins made for this site that can run on it, then every custom runbook.
            let mut v: Vec<String> = builtins
                .iter()
                .filter(|r| SiteKind::parse(&r.site) == Some(site.kind) && runbook::resolve(r, site).is_ok())
                .map(|r| r.name.clone())
                .collect();
            v.extend(custom.iter().map(|r| r.name.clone()));
            if v.is_empty() {
                c.bad("strategies", "no runbook can run on this site");
            }
            v
        }
        Some(list) => {
            if list.is_empty() {
                c.bad("strategies", "needs at least one strategy");
            }
            list.to_vec()
        }
    };
    let mut listed = std::collections::HashSet::new();
    let mut known: Option<String> = None;
    let mut runbooks = Vec::new();
    for (i, s) in names.iter().enumerate() {
        if !listed.insert(s.as_str()) {
            c.bad(&format!("strategies[{i}]"), format!("{s:?} is listed twice"));
            continue;
        }
        if let Some(&j) = custom_index.get(s.as_str()) {
            if let Some(Some(rb)) = custom_ok.get(j) {
                runbooks.push(rb.clone());
            }
            continue;
        }
        match builtins.iter().find(|r| &r.name == s) {
            None => {
                let known = known.get_or_insert_with(|| {
                    let mut names: Vec<&str> = builtins.iter().map(|r| r.name.as_str()).collect();
                    names.extend(custom.iter().map(|r| r.name.as_str()));
                    short_list(&names)
                });
                let names = builtins.iter().map(|r| r.name.as_str());
                let hint = super::suggest::did_you_mean(s, names.chain(custom.iter().map(|r| r.name.as_str())));
                c.bad(
                    &format!("strategies[{i}]"),
                    format!("unknown strategy {s:?}{hint} (known: {known})"),
                )
            }
            Some(raw_rb) => match runbook::resolve(raw_rb, site) {
                Ok(rb) => runbooks.push(rb),
                Err(e) => c.bad(&format!("strategies[{i}]"), e.to_string()),
            },
        }
    }
    (names, runbooks)
}
