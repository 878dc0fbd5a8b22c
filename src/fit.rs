//! The workload from a site's own records: `cutover fit-workload`.
//!
//! A session export (a CSV file with the columns `start` and `end`, and
//! optionally `kind`) is read row by row into what the fit needs: the count
//! of sessions starting in each local hour of the week, per kind, and each
//! session's log duration. Nothing else of a row is kept.
//!
//! **The weekly profile.** The scenario's arrival process has the rate
//! `rate × days[d] × hours[h]` in hour `h` of weekday `d`. Over the observed
//! span, the sessions starting in cell `(d, h)` are Poisson with mean
//! `E[d][h] × rate × days[d] × hours[h]`, where the exposure `E[d][h]` is the
//! number of hours the span spends in that local cell: a partial week counts
//! only the cells it covers, the hour a spring daylight-saving change skips
//! counts nothing that week, and the hour an autumn change repeats counts
//! twice. The maximum-likelihood `days` and `hours` are those whose expected
//! margins (per weekday, per hour of the day) equal the observed ones; they
//! are found by iterative proportional fitting of the two margins with the
//! exposure, then scaled to a maximum of 1 each, the scale going into the
//! rate. The rate is split between the kinds by their counts (the scenario
//! has one profile for both). The observed span is the export's window: by
//! default from local midnight before the first session to local midnight
//! after the last (exports are usually taken by date), or as given
//! ([`Window`]); every session must start inside it.
//!
//! **Durations.** Per kind, a lognormal fitted by maximum likelihood on the
//! log durations: `μ` their mean, `σ` their standard deviation (divided by
//! `n`); `median = e^μ`, `p95 = e^(μ + 1.645σ)`. A kind with fewer than
//! [`MIN_SESSIONS_PER_KIND`] sessions is not fitted: its section is left out
//! of `workload.toml` with a note, so a scenario keeps its own settings for
//! it. When no kind has enough, the fit is refused.
//!
//! **How good the fit is.** The profile's deviance and Pearson chi-square
//! per degree of freedom (hour-of-week cells observed, less the 30 free
//! parameters: 7 days + 24 hours − 1), and the share of cells whose count
//! falls outside its Poisson 95 % band; per kind, the Kolmogorov–Smirnov
//! distance between the empirical and the fitted duration distribution.
//!
//! **Bounds.** Lines of at most [`MAX_LINE_BYTES`], at most [`MAX_SESSIONS`]
//! rows and [`MAX_INPUT_BYTES`] in all; session starts within
//! [`MAX_SPAN_DAYS`] of one another; a duration at most 3,650 days (the
//! longest a scenario accepts). Every bad row is reported by line and
//! column ([`MAX_LISTED_PROBLEMS`] of them, then a count) and the fit is
//! refused: no row is ever dropped.
//!
//! Pure: any [`Read`] in, values and text out. Time zones come from the
//! IANA database compiled into the binary (`jiff`'s bundled copy), never
//! from the system.

use std::fmt;
use std::io::{self, Read};

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::{AmbiguousOffset, TimeZone, TimeZoneDatabase};
use sha2::{Digest, Sha256};

use crate::model::dist::Z95;
use crate::results::shorten;
use crate::scenario::Scenario;
use crate::time::SimDuration;

/// Longest line read (8 KiB, as for `runs.csv`; a session row is tens of bytes).
pub const MAX_LINE_BYTES: usize = 8 * 1024;
/// Largest export read: 256 MiB.
pub const MAX_INPUT_BYTES: u64 = 256 << 20;
/// Most rows read: one million sessions (8 MB of durations in memory).
pub const MAX_SESSIONS: u64 = 1_000_000;
/// Longest span of session starts: 3,660 days (ten years).
pub const MAX_SPAN_DAYS: i64 = 3660;
/// Fewest sessions of a kind whose durations are fitted. With 30, the
/// median of a lognormal with the default support spread (σ ≈ 1) is known
/// to about ±35 % (95 %).
pub const MIN_SESSIONS_PER_KIND: usize = 30;
/// Bad rows listed before the rest are only counted.
pub const MAX_LISTED_PROBLEMS: usize = 50;
/// Longest duration a scenario accepts (3,650 days), in seconds.
const MAX_DURATION_S: f64 = 3650.0 * 86_400.0;
/// Free parameters of the profile: 7 days + 24 hours − 1 (the scale is shared).
const PROFILE_PARAMETERS: usize = 30;

/// Weekday names, Monday first, as the scenario writes them.
pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Why an export could not be fitted: the whole message, file and lines named.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FitError(pub String);

impl fmt::Display for FitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FitError {}

/// A kind of client, as the scenario names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `[workload.support]`.
    Support,
    /// `[workload.console]`.
    Console,
}

impl Kind {
    /// Both kinds, in the scenario's order.
    pub const ALL: [Kind; 2] = [Kind::Support, Kind::Console];

    /// `support` or `console`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Support => "support",
            Kind::Console => "console",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The time zone named `name` (an IANA name such as `Europe/Paris`, or
/// `UTC`; any letter case), from the database compiled into the binary.
pub fn time_zone(name: &str) -> Result<TimeZone, FitError> {
    let db = TimeZoneDatabase::bundled();
    db.get(name.trim()).map_err(|_| {
        FitError(format!(
            "unknown time zone {:?}: give an IANA name such as UTC, Europe/Paris or America/New_York",
            shorten(name)
        ))
    })
}

/// The name to print for a zone.
fn zone_name(tz: &TimeZone) -> String {
    tz.iana_name().unwrap_or("UTC").to_string()
}

/// "UTC", or "Europe/Paris local time".
fn time_words(zone: &str) -> String {
    if zone == "UTC" {
        "UTC".into()
    } else {
        format!("{zone} local time")
    }
}

/// Hashes what passes through, counts bytes, refuses over-long lines and
/// over-large inputs.
struct Guard<R> {
    inner: R,
    hasher: Sha256,
    bytes: u64,
    newlines: u64,
    line_len: usize,
    /// What stopped the reading (a line too long, or the whole too large),
    /// with the line when it is about one.
    stopped: Option<(Option<u64>, String)>,
}

impl<R: Read> Read for Guard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let chunk = &buf[..n];
        self.hasher.update(chunk);
        self.bytes += n as u64;
        if self.bytes > MAX_INPUT_BYTES {
            self.stopped = Some((
                None,
                format!(
                    "larger than {} MiB, the most cutover reads as a session export",
                    MAX_INPUT_BYTES >> 20
                ),
            ));
            return Err(io::Error::new(io::ErrorKind::InvalidData, "too large"));
        }
        for &b in chunk {
            if b == b'\n' {
                self.newlines += 1;
                self.line_len = 0;
            } else {
                self.line_len += 1;
                if self.line_len > MAX_LINE_BYTES {
                    self.stopped = Some((
                        Some(self.newlines + 1),
                        format!("longer than {MAX_LINE_BYTES} bytes: not a row of a session export"),
                    ));
                    return Err(io::Error::new(io::ErrorKind::InvalidData, "line too long"));
                }
            }
        }
        Ok(n)
    }
}

/// A session export reduced to what the fit needs.
#[derive(Clone, Debug)]
pub struct Sessions {
    /// The file as named in messages.
    pub file: String,
    /// SHA-256 of the bytes read.
    pub sha256: String,
    /// The zone the profile is read in.
    pub zone: TimeZone,
    /// Whether the export has a `kind` column (without one, every session is `support`).
    pub has_kind: bool,
    /// Sessions starting in each local hour of the week (Monday 00:00 first), per kind.
    pub counts: [[u64; 168]; 2],
    /// Natural logarithms of the durations in seconds, per kind, in row order.
    pub log_durations: [Vec<f64>; 2],
    /// The earliest and the latest start, with their lines.
    pub first: (Timestamp, u64),
    /// See `first`.
    pub last: (Timestamp, u64),
}

impl Sessions {
    /// Sessions of every kind.
    pub fn len(&self) -> usize {
        self.log_durations.iter().map(Vec::len).sum()
    }

    /// True when there is no session.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The bad rows found: the first ones listed, all counted.
struct Problems {
    file: String,
    listed: Vec<String>,
    count: u64,
}

impl Problems {
    fn add(&mut self, line: u64, column: Option<(usize, &str)>, what: String) {
        self.count += 1;
        if self.listed.len() < MAX_LISTED_PROBLEMS {
            let col = match column {
                Some((i, name)) => format!(" column {} ({name}):", i + 1),
                None => String::new(),
            };
            self.listed.push(format!("{}:{line}:{col} {what}", self.file));
        }
    }

    fn into_error(self) -> FitError {
        let mut m = format!(
            "{}: {} bad row{}; fix {} and run again (no row is left out)\n",
            self.file,
            self.count,
            if self.count == 1 { "" } else { "s" },
            if self.count == 1 { "it" } else { "them" }
        );
        m.push_str(&self.listed.join("\n"));
        let more = self.count - self.listed.len() as u64;
        if more > 0 {
            m.push_str(&format!("\n… and {more} more bad rows"));
        }
        FitError(m)
    }
}

/// What a date-time field may look like, for messages.
fn date_time_help(zone: &str) -> String {
    format!("an ISO 8601 date-time such as 2024-03-04T09:15:00+01:00, or 2024-03-04 09:15:00 (read in {zone})")
}

/// Reads one date-time: with an offset (or `Z`) as the instant it names,
/// without one as a local time in `tz`. A local time the zone skips (the
/// hour of a spring daylight-saving change) is refused; one it repeats (the
/// autumn change) is read as the first of the two.
fn parse_instant(text: &str, tz: &TimeZone, zone: &str) -> Result<Timestamp, String> {
    let shown = shorten(text);
    if text.contains('[') {
        return Err(format!(
            "{shown:?}: time-zone annotations in brackets are not read; give an offset such as +01:00"
        ));
    }
    if !text.contains(':') {
        return Err(format!("{shown:?} has no time of day: {}", date_time_help(zone)));
    }
    if crate::time::has_leap_second(text) {
        return Err(format!("{shown:?}: {}", crate::time::LEAP_SECOND));
    }
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Ok(ts);
    }
    let dt: DateTime = text.parse().map_err(|e: jiff::Error| {
        format!(
            "{shown:?} is not {} ({})",
            date_time_help(zone),
            shorten(&e.to_string())
        )
    })?;
    let amb = tz.to_ambiguous_timestamp(dt);
    if let AmbiguousOffset::Gap { before, after } = amb.offset() {
        return Err(format!(
            "{shown:?} does not exist in {zone}: the clocks move from offset {before} to {after} then; give the offset"
        ));
    }
    amb.compatible()
        .map_err(|e| format!("{shown:?} is out of range ({})", shorten(&e.to_string())))
}

/// The hour of the week (Monday 00:00 = 0) of `ts` in local time.
fn cell_of(ts: Timestamp, tz: &TimeZone) -> usize {
    let local = ts.as_second() + i64::from(tz.to_offset(ts).seconds());
    cell_of_local(local)
}

/// The hour of the week of local seconds since 1970-01-01 00:00 (a Thursday).
fn cell_of_local(local: i64) -> usize {
    let day = local.div_euclid(86_400);
    let weekday = (day + 3).rem_euclid(7) as usize;
    let hour = (local.rem_euclid(86_400) / 3600) as usize;
    weekday * 24 + hour
}

/// The columns the export must have, and where they are.
struct Columns {
    start: usize,
    end: usize,
    kind: Option<usize>,
    names: Vec<String>,
}

fn columns(header: &csv::StringRecord, file: &str) -> Result<Columns, FitError> {
    let names: Vec<String> = header
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let h = if i == 0 { h.trim_start_matches('\u{feff}') } else { h };
            h.trim().to_ascii_lowercase()
        })
        .collect();
    let find = |want: &str| -> Result<Option<usize>, FitError> {
        let at: Vec<usize> = (0..names.len()).filter(|&i| names[i] == want).collect();
        match at.as_slice() {
            [] => Ok(None),
            [i] => Ok(Some(*i)),
            [a, b, ..] => Err(FitError(format!(
                "{file}:1: the header has the column {want} twice (columns {} and {})",
                a + 1,
                b + 1
            ))),
        }
    };
    let found = || {
        let list: Vec<String> = names.iter().take(10).map(|n| shorten(n)).collect();
        format!("{}{}", list.join(", "), if names.len() > 10 { ", …" } else { "" })
    };
    let need = |want: &str, at: Option<usize>| {
        at.ok_or_else(|| {
            FitError(format!(
                "{file}:1: no column {want} in the header (found: {}); a session export has the columns start and end (ISO 8601 date-times) and optionally kind (support or console)",
                found()
            ))
        })
    };
    let start = need("start", find("start")?)?;
    let end = need("end", find("end")?)?;
    let kind = find("kind")?;
    Ok(Columns {
        start,
        end,
        kind,
        names,
    })
}

/// Reads a session export (see the module doc), reading local times in
/// `tz`. `file` names it in messages.
pub fn read_sessions<R: Read>(input: R, file: &str, tz: &TimeZone) -> Result<Sessions, FitError> {
    let zone = zone_name(tz);
    let guard = Guard {
        inner: input,
        hasher: Sha256::new(),
        bytes: 0,
        newlines: 0,
        line_len: 0,
        stopped: None,
    };
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(guard);
    let fatal = |csv: &csv::Reader<Guard<R>>, e: csv::Error| -> FitError {
        match &csv.get_ref().stopped {
            Some((Some(line), why)) => return FitError(format!("{file}:{line}: {why}")),
            Some((None, why)) => return FitError(format!("{file}: {why}")),
            None => {}
        }
        let line = e.position().map(|p| p.line()).unwrap_or(0);
        FitError(format!("{file}:{line}: {}", shorten(&e.to_string())))
    };
    let mut rec = csv::StringRecord::new();
    let header = match csv.read_record(&mut rec) {
        Ok(true) => rec.clone(),
        Ok(false) => {
            return Err(FitError(format!(
                "{file}:1: empty: a session export starts with a header naming its columns, start and end (and optionally kind)"
            )));
        }
        Err(e) if matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) => {
            let line = e.position().map(|p| p.line()).unwrap_or(1);
            return Err(FitError(format!("{file}:{line}: the header is not UTF-8 text")));
        }
        Err(e) => return Err(fatal(&csv, e)),
    };
    let cols = columns(&header, file)?;
    let mut problems = Problems {
        file: file.to_string(),
        listed: Vec::new(),
        count: 0,
    };
    let mut counts = [[0u64; 168]; 2];
    let mut log_durations: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    let mut first: Option<(Timestamp, u64)> = None;
    let mut last: Option<(Timestamp, u64)> = None;
    let mut rows = 0u64;
    loop {
        let line = csv.position().line();
        match csv.read_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) if matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) => {
                rows += 1;
                let line = e.position().map(|p| p.line()).unwrap_or(line);
                problems.add(line, None, "not UTF-8 text".into());
                continue;
            }
            Err(e) => return Err(fatal(&csv, e)),
        }
        let line = rec.position().map(|p| p.line()).unwrap_or(line);
        rows += 1;
        if rows > MAX_SESSIONS {
            return Err(FitError(format!(
                "{file}:{line}: more than {MAX_SESSIONS} sessions, the most cutover fits: export a shorter span"
            )));
        }
        let field = |i: usize, problems: &mut Problems| -> Option<String> {
            match rec.get(i).map(str::trim) {
                Some("") => {
                    problems.add(line, Some((i, &cols.names[i])), "empty".into());
                    None
                }
                Some(v) => Some(v.to_string()),
                None => {
                    problems.add(
                        line,
                        Some((i, &cols.names[i])),
                        format!("missing (the row has {} fields)", rec.len()),
                    );
                    None
                }
            }
        };
        let before = problems.count;
        let instant = |i: usize, problems: &mut Problems| -> Option<Timestamp> {
            let text = field(i, problems)?;
            match parse_instant(&text, tz, &zone) {
                Ok(ts) => Some(ts),
                Err(why) => {
                    problems.add(line, Some((i, &cols.names[i])), why);
                    None
                }
            }
        };
        let start = instant(cols.start, &mut problems);
        let end = instant(cols.end, &mut problems);
        let kind = match cols.kind {
            None => Some(Kind::Support),
            Some(i) => field(i, &mut problems).and_then(|k| {
                let found = Kind::ALL.into_iter().find(|c| k.eq_ignore_ascii_case(c.name()));
                if found.is_none() {
                    problems.add(
                        line,
                        Some((i, &cols.names[i])),
                        format!("unknown kind {:?}: support or console", shorten(&k)),
                    );
                }
                found
            }),
        };
        let (Some(start), Some(end), Some(kind)) = (start, end, kind) else {
            debug_assert!(problems.count > before);
            continue;
        };
        let ns = end.as_nanosecond() - start.as_nanosecond();
        let secs = ns as f64 * 1e-9;
        let end_col = Some((cols.end, cols.names[cols.end].as_str()));
        if ns < 0 {
            problems.add(line, end_col, format!("{end} is before the start {start}"));
            continue;
        }
        if ns == 0 {
            problems.add(
                line,
                end_col,
                format!("{end} is the start: a session lasts longer than zero"),
            );
            continue;
        }
        if secs > MAX_DURATION_S {
            problems.add(
                line,
                end_col,
                format!(
                    "the session lasts {:.0} days: at most 3650, the longest duration a scenario accepts",
                    secs / 86_400.0
                ),
            );
            continue;
        }
        if problems.count > 0 {
            // Only the problems matter from here on.
            continue;
        }
        counts[kind.index()][cell_of(start, tz)] += 1;
        log_durations[kind.index()].push(secs.ln());
        if first.is_none_or(|(t, _)| start < t) {
            first = Some((start, line));
        }
        if last.is_none_or(|(t, _)| start > t) {
            last = Some((start, line));
        }
    }
    if problems.count > 0 {
        return Err(problems.into_error());
    }
    let (Some(first), Some(last)) = (first, last) else {
        return Err(FitError(format!(
            "{file}:1: no session: the header is followed by no row"
        )));
    };
    let span_days = (last.0.as_second() - first.0.as_second()) / 86_400;
    if span_days > MAX_SPAN_DAYS {
        return Err(FitError(format!(
            "{file}: the sessions start over {span_days} days (line {}: {}, line {}: {}): at most {MAX_SPAN_DAYS} are fitted; export a shorter span",
            first.1, first.0, last.1, last.0
        )));
    }
    let guard = csv.into_inner();
    let sha256 = guard.hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok(Sessions {
        file: file.to_string(),
        sha256,
        zone: tz.clone(),
        has_kind: cols.kind.is_some(),
        counts,
        log_durations,
        first,
        last,
    })
}

/// The export's window, when it is not whole local days around the sessions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Window {
    /// Its start; local midnight before the first session when `None`.
    pub from: Option<Timestamp>,
    /// Its end (excluded); local midnight after the last session when `None`.
    pub to: Option<Timestamp>,
}

/// Reads a window bound given as `flag`: a date (local midnight in `tz`)
/// or a date-time as in the export.
pub fn parse_bound(text: &str, tz: &TimeZone, flag: &str) -> Result<Timestamp, FitError> {
    let zone = zone_name(tz);
    let text = text.trim();
    if !text.contains(':')
        && let Ok(date) = text.parse::<jiff::civil::Date>()
    {
        return tz
            .to_ambiguous_timestamp(date.to_datetime(jiff::civil::Time::midnight()))
            .compatible()
            .map_err(|e| FitError(format!("{flag}: {:?}: {}", shorten(text), shorten(&e.to_string()))));
    }
    parse_instant(text, tz, &zone).map_err(|why| FitError(format!("{flag}: {why}")))
}

/// Local midnight at or before `t` in `tz`, and the one after it.
fn local_days(t: Timestamp, tz: &TimeZone) -> Option<(i64, i64)> {
    let z = t.to_zoned_datetime(tz.clone());
    let from = z.start_of_day().ok()?;
    let to = z.tomorrow().ok()?.start_of_day().ok()?;
    Some((from.timestamp().as_second(), to.timestamp().as_second()))
}

/// The next instant after `t` (seconds) where the local hour changes: the
/// next whole local hour, or a zone transition, whichever comes first.
fn next_boundary(t: i64, tz: &TimeZone) -> i64 {
    let Ok(ts) = Timestamp::from_second(t) else {
        return t + 3600;
    };
    let local = t + i64::from(tz.to_offset(ts).seconds());
    let hour_end = t + (3600 - local.rem_euclid(3600));
    let transition = tz
        .following(ts)
        .map(|tr| tr.timestamp().as_second())
        .find(|&s| s > t)
        .unwrap_or(i64::MAX);
    hour_end.min(transition)
}

/// Hours spent in each local hour-of-week cell between `from` and `to`
/// (seconds since the epoch), daylight-saving changes included.
pub fn exposure(tz: &TimeZone, from: i64, to: i64) -> [f64; 168] {
    let mut e = [0.0; 168];
    let mut t = from;
    while t < to {
        let Ok(ts) = Timestamp::from_second(t) else { break };
        let next = next_boundary(t, tz).min(to);
        e[cell_of(ts, tz)] += (next - t) as f64 / 3600.0;
        t = next;
    }
    e
}

/// The fitted lognormal of one kind's durations.
#[derive(Clone, Debug, PartialEq)]
pub struct DurationFit {
    /// Mean of the log durations (seconds).
    pub mu: f64,
    /// Standard deviation of the log durations (maximum likelihood: over n).
    pub sigma: f64,
    /// `e^μ`, seconds, as written (rounded).
    pub median_s: f64,
    /// `e^(μ + 1.645σ)`, seconds, as written (rounded).
    pub p95_s: f64,
    /// Approximate 95 % interval of the median: `e^(μ ± 1.96σ/√n)`.
    pub median_ci_s: (f64, f64),
    /// Kolmogorov–Smirnov distance between the empirical and the fitted CDF.
    pub ks: f64,
    /// The sorted log durations, for the chart.
    pub sorted_logs: Vec<f64>,
}

/// What the fit says of one kind.
#[derive(Clone, Debug, PartialEq)]
pub struct KindFit {
    /// Which kind.
    pub kind: Kind,
    /// Its sessions.
    pub sessions: usize,
    /// Its arrivals per hour at multiplier 1: the rate times its share of the sessions.
    pub rate_per_hour: f64,
    /// The fitted durations, or why there are none (then the kind's
    /// section is left out of `workload.toml`).
    pub durations: Result<DurationFit, String>,
}

/// The fitted weekly profile and how well it fits.
#[derive(Clone, Debug, PartialEq)]
pub struct ProfileFit {
    /// Multiplier per weekday, Monday first, the largest 1.
    pub days: [f64; 7],
    /// Multiplier per local hour, the largest 1.
    pub hours: [f64; 24],
    /// Arrivals per hour, all kinds, at multiplier 1.
    pub rate_per_hour: f64,
    /// Hours observed per hour-of-week cell.
    pub exposure: [f64; 168],
    /// Sessions starting per cell, all kinds.
    pub observed: [u64; 168],
    /// Expected sessions per cell under the fit.
    pub expected: [f64; 168],
    /// The Poisson 95 % band of each cell's count: (2.5 %, 97.5 % quantiles).
    pub band: [(u64, u64); 168],
    /// Cells with some exposure.
    pub cells: usize,
    /// Their degrees of freedom: cells less the 30 free parameters.
    pub df: usize,
    /// Poisson deviance.
    pub deviance: f64,
    /// Pearson chi-square.
    pub pearson: f64,
    /// Cells (with exposure) whose count is outside its band.
    pub outside: usize,
    /// Iterations of proportional fitting.
    pub iterations: usize,
}

impl ProfileFit {
    /// Expected arrivals in one whole week.
    pub fn per_week(&self) -> f64 {
        self.rate_per_hour * self.days.iter().sum::<f64>() * self.hours.iter().sum::<f64>()
    }

    /// The busiest hour's multiplier, `max(days) × max(hours)`, as the
    /// scenario reads the profile (the default number of technicians
    /// takes the same).
    pub fn peak(&self) -> f64 {
        let max = |v: &[f64]| v.iter().copied().fold(0.0, f64::max);
        max(&self.days) * max(&self.hours)
    }
}

/// The whole fit of an export.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkloadFit {
    /// The file, as named in messages.
    pub file: String,
    /// Its SHA-256.
    pub sha256: String,
    /// The zone's name.
    pub zone: String,
    /// The observed span, seconds since the epoch: `[from, to)`.
    pub span: (i64, i64),
    /// The span as local date-times, for people.
    pub span_text: (String, String),
    /// Sessions of every kind.
    pub sessions: usize,
    /// Whether the export has a `kind` column.
    pub has_kind: bool,
    /// The profile.
    pub profile: ProfileFit,
    /// Per kind, in the scenario's order.
    pub kinds: Vec<KindFit>,
    /// `workload.toml`.
    pub toml: String,
}

impl WorkloadFit {
    /// Weeks observed (span in hours ÷ 168).
    pub fn weeks(&self) -> f64 {
        (self.span.1 - self.span.0) as f64 / (168.0 * 3600.0)
    }
}

/// Standard normal CDF.
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * statrs::function::erf::erfc(-z / std::f64::consts::SQRT_2)
}

/// P(X ≤ k) for X ~ Poisson(λ), λ > 0.
fn poisson_cdf(k: u64, lambda: f64) -> f64 {
    statrs::function::gamma::checked_gamma_ur(k as f64 + 1.0, lambda).unwrap_or(if (k as f64) < lambda {
        0.0
    } else {
        1.0
    })
}

/// The smallest k with P(X ≤ k) ≥ p, X ~ Poisson(λ).
fn poisson_quantile(p: f64, lambda: f64) -> u64 {
    if lambda.is_nan() || lambda <= 0.0 || !lambda.is_finite() {
        return 0;
    }
    let (mut lo, mut hi) = (0u64, (lambda + 12.0 * lambda.sqrt() + 20.0).ceil() as u64);
    if poisson_cdf(lo, lambda) >= p {
        return 0;
    }
    // cdf(lo) < p ≤ cdf(hi).
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if poisson_cdf(mid, lambda) >= p {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}

/// Fits days and hours by proportional fitting of the margins with exposure.
/// Returns (days, hours, iterations), unscaled (the rate is in `days`).
fn proportional_fit(n: &[u64; 168], e: &[f64; 168]) -> ([f64; 7], [f64; 24], usize) {
    let nd: Vec<f64> = (0..7).map(|d| (0..24).map(|h| n[d * 24 + h] as f64).sum()).collect();
    let nh: Vec<f64> = (0..24).map(|h| (0..7).map(|d| n[d * 24 + h] as f64).sum()).collect();
    let mut a = [1.0f64; 7];
    let mut b = [1.0f64; 24];
    let mut iterations = 0;
    while iterations < 10_000 {
        iterations += 1;
        for d in 0..7 {
            let denom: f64 = (0..24).map(|h| e[d * 24 + h] * b[h]).sum();
            a[d] = if denom > 0.0 { nd[d] / denom } else { 0.0 };
        }
        for h in 0..24 {
            let denom: f64 = (0..7).map(|d| e[d * 24 + h] * a[d]).sum();
            b[h] = if denom > 0.0 { nh[h] / denom } else { 0.0 };
        }
        // The hour margins now match exactly; stop when the day margins do too.
        let worst = (0..7)
            .map(|d| {
                let fitted: f64 = (0..24).map(|h| e[d * 24 + h] * a[d] * b[h]).sum();
                (fitted - nd[d]).abs() / nd[d].max(1.0)
            })
            .fold(0.0, f64::max);
        if worst < 1e-12 {
            break;
        }
    }
    (a, b, iterations)
}

/// A number with four significant digits, always with a decimal point (a TOML float).
pub fn toml_float(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return "0.0".into();
    }
    let digits = (3 - x.abs().log10().floor() as i64).clamp(0, 12) as usize;
    let s = format!("{x:.digits$}");
    if !s.contains('.') {
        return format!("{s}.0");
    }
    let s = s.trim_end_matches('0');
    if s.ends_with('.') {
        format!("{s}0")
    } else {
        s.to_string()
    }
}

/// A duration as a scenario writes it: whole seconds from a minute up,
/// milliseconds below; at least a millisecond.
fn duration_text(secs: f64) -> (String, f64) {
    let ms = if secs >= 60.0 {
        (secs.round() * 1000.0).max(1.0)
    } else {
        (secs * 1000.0).round().max(1.0)
    };
    (SimDuration::from_ms_f64(ms).to_string(), ms / 1000.0)
}

/// Fits one kind's durations, or says why not.
fn fit_durations(logs: &[f64]) -> Result<DurationFit, String> {
    let n = logs.len();
    if n < MIN_SESSIONS_PER_KIND {
        return Err(format!(
            "{n} session{}, fewer than the {MIN_SESSIONS_PER_KIND} needed to fit a duration",
            if n == 1 { "" } else { "s" }
        ));
    }
    let nf = n as f64;
    let mu = logs.iter().sum::<f64>() / nf;
    let sigma = (logs.iter().map(|x| (x - mu) * (x - mu)).sum::<f64>() / nf).sqrt();
    let (_, median_s) = duration_text(mu.exp());
    let (_, p95_s) = duration_text((mu + Z95 * sigma).exp());
    if sigma.is_nan() || sigma <= 0.0 || p95_s <= median_s {
        return Err(format!(
            "the {n} durations hardly vary (σ of the logs {sigma:.2e}): a lognormal needs a p95 above its median; write a constant duration instead"
        ));
    }
    let half = 1.959_963_984_540_054 * sigma / nf.sqrt();
    let mut sorted_logs = logs.to_vec();
    sorted_logs.sort_by(f64::total_cmp);
    let mut ks = 0.0f64;
    for (i, x) in sorted_logs.iter().enumerate() {
        let f = normal_cdf((x - mu) / sigma);
        ks = ks.max((i + 1) as f64 / nf - f).max(f - i as f64 / nf);
    }
    Ok(DurationFit {
        mu,
        sigma,
        median_s,
        p95_s,
        median_ci_s: ((mu - half).exp(), (mu + half).exp()),
        ks,
        sorted_logs,
    })
}

fn local_text(t: i64, tz: &TimeZone) -> String {
    match Timestamp::from_second(t) {
        Ok(ts) => ts
            .to_zoned_datetime(tz.clone())
            .strftime("%Y-%m-%d %H:%M (%:z)")
            .to_string(),
        Err(_) => t.to_string(),
    }
}

/// Fits the weekly profile and the durations (see the module doc), and
/// writes `workload.toml`, checked by parsing it as a scenario.
pub fn fit(s: &Sessions, window: Window) -> Result<WorkloadFit, FitError> {
    let tz = &s.zone;
    let zone = zone_name(tz);
    let out_of_range = || FitError(format!("{}: a session starts out of the calendar's range", s.file));
    let from = match window.from {
        Some(t) => t.as_second(),
        None => local_days(s.first.0, tz).ok_or_else(out_of_range)?.0,
    };
    let to = match window.to {
        Some(t) => t.as_second(),
        None => local_days(s.last.0, tz).ok_or_else(out_of_range)?.1,
    };
    if from >= to {
        return Err(FitError(format!(
            "--from {} is not before --to {}",
            local_text(from, tz),
            local_text(to, tz)
        )));
    }
    if s.first.0.as_second() < from {
        return Err(FitError(format!(
            "{}:{}: the session starts at {}, before the window's start {} (--from); every session of the export must start inside its window",
            s.file,
            s.first.1,
            s.first.0,
            local_text(from, tz)
        )));
    }
    if s.last.0.as_second() >= to {
        return Err(FitError(format!(
            "{}:{}: the session starts at {}, at or after the window's end {} (--to); every session of the export must start inside its window",
            s.file,
            s.last.1,
            s.last.0,
            local_text(to, tz)
        )));
    }
    if (to - from) / 86_400 > MAX_SPAN_DAYS {
        return Err(FitError(format!(
            "{}: the window spans {} days: at most {MAX_SPAN_DAYS} are fitted",
            s.file,
            (to - from) / 86_400
        )));
    }
    let exposure = exposure(tz, from, to);
    let days_seen = (0..7).filter(|d| (0..24).any(|h| exposure[d * 24 + h] > 0.0)).count();
    let hours_seen = (0..24).filter(|h| (0..7).any(|d| exposure[d * 24 + h] > 0.0)).count();
    if days_seen < 7 || hours_seen < 24 {
        return Err(FitError(format!(
            "{}: the window spans {:.1} days (sessions from line {}: {} to line {}: {}): fitting a weekly profile needs every weekday and every hour of the day, at least a week",
            s.file,
            (to - from) as f64 / 86_400.0,
            s.first.1,
            s.first.0,
            s.last.1,
            s.last.0
        )));
    }
    let mut observed = [0u64; 168];
    for (c, o) in observed.iter_mut().enumerate() {
        *o = s.counts[0][c] + s.counts[1][c];
    }
    let (a, b, iterations) = proportional_fit(&observed, &exposure);
    let amax = a.iter().copied().fold(0.0, f64::max);
    let bmax = b.iter().copied().fold(0.0, f64::max);
    let days = a.map(|x| x / amax);
    let hours = b.map(|x| x / bmax);
    let rate = amax * bmax;
    let mut expected = [0.0; 168];
    let mut band = [(0u64, 0u64); 168];
    let (mut deviance, mut pearson, mut outside, mut cells) = (0.0, 0.0, 0usize, 0usize);
    for c in 0..168 {
        if exposure[c] <= 0.0 {
            continue;
        }
        cells += 1;
        let mu = exposure[c] * rate * days[c / 24] * hours[c % 24];
        let n = observed[c] as f64;
        expected[c] = mu;
        if mu > 0.0 {
            deviance += 2.0 * (if n > 0.0 { n * (n / mu).ln() } else { 0.0 } - (n - mu));
            pearson += (n - mu) * (n - mu) / mu;
        }
        band[c] = (poisson_quantile(0.025, mu), poisson_quantile(0.975, mu));
        if observed[c] < band[c].0 || observed[c] > band[c].1 {
            outside += 1;
        }
    }
    let profile = ProfileFit {
        days,
        hours,
        rate_per_hour: rate,
        exposure,
        observed,
        expected,
        band,
        cells,
        df: cells.saturating_sub(PROFILE_PARAMETERS),
        deviance,
        pearson,
        outside,
        iterations,
    };
    let total = s.len();
    let kinds: Vec<KindFit> = Kind::ALL
        .iter()
        .map(|&k| {
            let n = s.log_durations[k.index()].len();
            KindFit {
                kind: k,
                sessions: n,
                rate_per_hour: rate * n as f64 / total as f64,
                durations: fit_durations(&s.log_durations[k.index()]),
            }
        })
        .collect();
    if kinds.iter().all(|k| k.durations.is_err()) && kinds.iter().any(|k| k.sessions >= MIN_SESSIONS_PER_KIND) {
        // Enough sessions of some kind: say why none could be fitted.
        let each: Vec<String> = kinds
            .iter()
            .filter_map(|k| {
                k.durations
                    .as_ref()
                    .err()
                    .map(|why| format!("{}: {why}", k.kind.name()))
            })
            .collect();
        return Err(FitError(format!(
            "{}: no kind's session durations can be fitted ({})",
            s.file,
            each.join("; ")
        )));
    }
    if kinds.iter().all(|k| k.durations.is_err()) {
        let each: Vec<String> = kinds
            .iter()
            .map(|k| format!("{} {}", k.kind.name(), k.sessions))
            .collect();
        return Err(FitError(format!(
            "{}: too few sessions to fit ({}): at least {MIN_SESSIONS_PER_KIND} of a kind are needed",
            s.file,
            each.join(", ")
        )));
    }
    let mut fit = WorkloadFit {
        file: s.file.clone(),
        sha256: s.sha256.clone(),
        zone,
        span: (from, to),
        span_text: (local_text(from, tz), local_text(to, tz)),
        sessions: total,
        has_kind: s.has_kind,
        profile,
        kinds,
        toml: String::new(),
    };
    fit.toml = workload_toml(&fit);
    Scenario::parse(&fit.toml, "workload.toml", "fit").map_err(|e| {
        FitError(format!(
            "{}: the fitted workload is not one a scenario accepts:\n{e}",
            s.file
        ))
    })?;
    Ok(fit)
}

fn float_list(xs: &[f64]) -> String {
    let v: Vec<String> = xs.iter().map(|x| toml_float(*x)).collect();
    format!("[{}]", v.join(", "))
}

/// The `[workload]` section, with comments saying where it comes from.
fn workload_toml(f: &WorkloadFit) -> String {
    let p = &f.profile;
    let mut t = String::new();
    t.push_str(&format!(
        "# Fitted by `cutover fit-workload` from {} (sha256 {}),\n",
        shorten(&f.file),
        &f.sha256[..16]
    ));
    t.push_str(&format!(
        "# {} sessions starting from {} to {}, {:.2} weeks, {}.\n",
        f.sessions,
        f.span_text.0,
        f.span_text.1,
        f.weeks(),
        time_words(&f.zone)
    ));
    if f.zone != "UTC" {
        t.push_str(&format!(
            "# days and hours are {0} local time: paste them into a scenario whose calendar\n# is in {0} (start = \"...\", time_zone = \"{0}\"), or a fleet site in that zone,\n# and the peak stays at the same local hours. A weekly scenario (no start) reads\n# them in UTC: fit with --time-zone UTC for one.\n",
            f.zone
        ));
    }
    t.push_str(&format!(
        "# Profile: deviance/df {:.2}, Pearson chi-square/df {:.2} ({} df); {} of {} hour-of-week cells outside their Poisson 95 % band.\n",
        p.deviance / p.df.max(1) as f64,
        p.pearson / p.df.max(1) as f64,
        p.df,
        p.outside,
        p.cells
    ));
    t.push_str("[workload]\n");
    t.push_str(&format!("days = {}\n", float_list(&p.days)));
    t.push_str(&format!("hours = {}\n", float_list(&p.hours)));
    for k in &f.kinds {
        t.push('\n');
        match &k.durations {
            Ok(d) => {
                t.push_str(&format!(
                    "# {} sessions; durations: Kolmogorov-Smirnov distance {:.3}.\n",
                    k.sessions, d.ks
                ));
                t.push_str(&format!("[workload.{}]\n", k.kind.name()));
                t.push_str(&format!("rate_per_hour = {}\n", toml_float(k.rate_per_hour)));
                t.push_str(&format!(
                    "duration = {{ dist = \"lognormal\", median = \"{}\", p95 = \"{}\" }}\n",
                    duration_text(d.median_s).0,
                    duration_text(d.p95_s).0
                ));
            }
            Err(why) => {
                t.push_str(&format!(
                    "# [workload.{}] left out: {why}; a scenario keeps its own.\n",
                    k.kind.name()
                ));
                if k.sessions == 0 && !f.has_kind && k.kind == Kind::Console {
                    t.push_str("# (the export has no kind column: every session counts as support)\n");
                }
            }
        }
    }
    t
}

/// What `fit-workload` prints: the data used, the profile and its fit, each kind.
pub fn summary(f: &WorkloadFit) -> String {
    let p = &f.profile;
    let mut s = String::new();
    s.push_str(&format!(
        "{}: {} sessions from {} to {}: {:.2} weeks, {}\n",
        f.file,
        f.sessions,
        f.span_text.0,
        f.span_text.1,
        f.weeks(),
        time_words(&f.zone)
    ));
    s.push_str(&format!(
        "weekly profile: {} arrivals a week expected; rate_per_hour {} at multiplier 1\n",
        toml_float(p.per_week()),
        toml_float(p.rate_per_hour)
    ));
    s.push_str(&format!(
        "  days  = {}\n  hours = {}\n",
        float_list(&p.days),
        float_list(&p.hours)
    ));
    let df = p.df.max(1) as f64;
    s.push_str(&format!(
        "  deviance/df {:.2}, Pearson chi-square/df {:.2} ({} df; about 1 when the counts are Poisson around the profile)\n",
        p.deviance / df,
        p.pearson / df,
        p.df
    ));
    s.push_str(&format!(
        "  {} of {} hour-of-week cells ({:.1} %) outside their Poisson 95 % band (about 5 % or fewer expected)\n",
        p.outside,
        p.cells,
        100.0 * p.outside as f64 / p.cells.max(1) as f64
    ));
    for k in &f.kinds {
        match &k.durations {
            Ok(d) => {
                let crit = 0.886 / (k.sessions as f64).sqrt();
                s.push_str(&format!(
                    "{}: {} sessions, rate_per_hour {}\n  duration lognormal: median {} (95 % CI {} to {}), p95 {}\n  Kolmogorov-Smirnov distance {:.3} (a lognormal is rejected at 5 % above {:.3})\n",
                    k.kind.name(),
                    k.sessions,
                    toml_float(k.rate_per_hour),
                    duration_text(d.median_s).0,
                    duration_text(d.median_ci_s.0).0,
                    duration_text(d.median_ci_s.1).0,
                    duration_text(d.p95_s).0,
                    d.ks,
                    crit
                ));
                let mean_s = lognormal_mean_s(d.median_s, d.p95_s);
                s.push_str(&format!(
                    "  implied peak concurrency: about {:.1} sessions at once at the busiest hour\n  (rate_per_hour {} × highest days × hours multiplier {} × mean duration {}: Little's law)\n",
                    k.rate_per_hour * p.peak() * mean_s / 3600.0,
                    toml_float(k.rate_per_hour),
                    toml_float(p.peak()),
                    duration_text(mean_s).0
                ));
            }
            Err(why) => s.push_str(&format!(
                "{}: {why}\n  [workload.{}] is left out of workload.toml: a scenario keeps its own\n",
                k.kind.name(),
                k.kind.name()
            )),
        }
    }
    if f.zone != "UTC" {
        s.push_str(&format!(
            "note: days and hours are {0} local time: paste them into a scenario whose\n  calendar is in {0} (start = \"...\", time_zone = \"{0}\"), or a fleet site in\n  that zone, and the peak stays at the same local hours; a weekly scenario (no\n  start) reads them in UTC: fit with --time-zone UTC for one\n",
            f.zone
        ));
    }
    s
}

/// The mean of the lognormal a scenario builds from `median` and `p95`
/// (seconds): `median × e^(σ²/2)`, `σ = ln(p95 / median) / 1.645`.
fn lognormal_mean_s(median_s: f64, p95_s: f64) -> f64 {
    let sigma = (p95_s / median_s).ln() / 1.645;
    median_s * (sigma * sigma / 2.0).exp()
}

/// `profile.csv`: per hour-of-week cell, the exposure, the observed and
/// expected counts and the Poisson 95 % band.
pub fn profile_csv(f: &WorkloadFit) -> String {
    let p = &f.profile;
    let mut s = String::from("weekday,hour,hours_observed,observed,expected,band_low,band_high\n");
    for c in 0..168 {
        s.push_str(&format!(
            "{},{},{:.3},{},{:.3},{},{}\n",
            WEEKDAYS[c / 24],
            c % 24,
            p.exposure[c],
            p.observed[c],
            p.expected[c],
            p.band[c].0,
            p.band[c].1
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> i64 {
        s.parse::<Timestamp>().unwrap().as_second()
    }

    #[test]
    fn exposure_counts_daylight_saving_hours() {
        let paris = time_zone("Europe/Paris").unwrap();
        // The week of the spring change: 167 hours, Sunday 02:00 never happens.
        let e = exposure(&paris, ts("2024-03-25T00:00:00+01:00"), ts("2024-04-01T00:00:00+02:00"));
        assert_eq!(e.iter().sum::<f64>(), 167.0);
        assert_eq!(e[6 * 24 + 2], 0.0);
        assert_eq!(e[6 * 24 + 3], 1.0);
        // The autumn change: 169 hours, Sunday 02:00 twice.
        let e = exposure(&paris, ts("2024-10-21T00:00:00+02:00"), ts("2024-10-28T00:00:00+01:00"));
        assert_eq!(e.iter().sum::<f64>(), 169.0);
        assert_eq!(e[6 * 24 + 2], 2.0);
        // UTC: a week is every cell once; a half-hour zone splits its hours evenly.
        let utc = time_zone("UTC").unwrap();
        let e = exposure(&utc, ts("2024-03-04T00:00:00Z"), ts("2024-03-11T00:00:00Z"));
        assert!(e.iter().all(|x| *x == 1.0));
        let kolkata = time_zone("asia/kolkata").unwrap();
        let e = exposure(
            &kolkata,
            ts("2024-03-04T00:00:00+05:30"),
            ts("2024-03-11T00:00:00+05:30"),
        );
        assert!(e.iter().all(|x| *x == 1.0), "{e:?}");
    }

    #[test]
    fn hours_end_at_local_boundaries() {
        let kolkata = time_zone("Asia/Kolkata").unwrap();
        let t = ts("2024-03-04T10:20:00+05:30");
        assert_eq!(next_boundary(t, &kolkata), ts("2024-03-04T11:00:00+05:30"));
        let paris = time_zone("Europe/Paris").unwrap();
        // 01:10 before the spring change: the next hour is 03:00, an hour of real time later.
        let t = ts("2024-03-31T01:10:00+01:00");
        assert_eq!(next_boundary(t, &paris), ts("2024-03-31T03:00:00+02:00"));
        let t = ts("2024-03-31T03:10:00+02:00");
        assert_eq!(cell_of(Timestamp::from_second(t).unwrap(), &paris), 6 * 24 + 3);
        // Whole local days around a session, the short day of the change included.
        let (from, to) = local_days(Timestamp::from_second(t).unwrap(), &paris).unwrap();
        assert_eq!(
            (from, to),
            (ts("2024-03-31T00:00:00+01:00"), ts("2024-04-01T00:00:00+02:00"))
        );
        assert_eq!(to - from, 23 * 3600);
    }

    #[test]
    fn window_bounds_are_dates_or_date_times() {
        let paris = time_zone("Europe/Paris").unwrap();
        let b = parse_bound("2024-03-31", &paris, "--from").unwrap();
        assert_eq!(b.as_second(), ts("2024-03-31T00:00:00+01:00"));
        let b = parse_bound("2024-03-31T09:30", &paris, "--to").unwrap();
        assert_eq!(b.as_second(), ts("2024-03-31T09:30:00+02:00"));
        let e = parse_bound("31/03/2024", &paris, "--to").unwrap_err();
        assert!(e.0.starts_with("--to: "), "{e}");
    }

    #[test]
    fn local_times_in_a_gap_are_refused_and_in_a_fold_read_first() {
        let paris = time_zone("Europe/Paris").unwrap();
        let e = parse_instant("2024-03-31 02:30:00", &paris, "Europe/Paris").unwrap_err();
        assert!(e.contains("does not exist in Europe/Paris"), "{e}");
        let t = parse_instant("2024-10-27T02:30", &paris, "Europe/Paris").unwrap();
        assert_eq!(t.as_second(), ts("2024-10-27T02:30:00+02:00"));
        let t = parse_instant("2024-10-27T02:30+01:00", &paris, "Europe/Paris").unwrap();
        assert_eq!(t.as_second(), ts("2024-10-27T01:30:00Z"));
        assert!(parse_instant("2024-10-27", &paris, "Europe/Paris").is_err());
        assert!(parse_instant("2024-13-01T00:00", &paris, "Europe/Paris").is_err());
        assert!(parse_instant("2024-03-01T00:00[Europe/Paris]", &paris, "Europe/Paris").is_err());
    }

    #[test]
    fn poisson_quantiles() {
        assert_eq!(poisson_quantile(0.025, 0.0), 0);
        assert_eq!(poisson_quantile(0.975, 1.0), 3);
        assert_eq!(poisson_quantile(0.025, 1.0), 0);
        // λ = 100: the normal approximation's 80 and 120, to a count or two.
        assert!((80..=82).contains(&poisson_quantile(0.025, 100.0)));
        assert!((119..=121).contains(&poisson_quantile(0.975, 100.0)));
    }

    #[test]
    fn proportional_fitting_recovers_a_product() {
        // Counts exactly exposure × a × b (an uneven exposure): the fit is exact.
        let a = [1.0, 0.8, 0.9, 1.0, 0.7, 0.2, 0.1];
        let b: Vec<f64> = (0..24).map(|h| 0.1 + (h as f64 / 23.0)).collect();
        let mut e = [3.0; 168];
        e[6 * 24 + 2] = 2.0;
        e[0] = 4.0;
        let mut n = [0u64; 168];
        for c in 0..168 {
            n[c] = (e[c] * 1000.0 * a[c / 24] * b[c % 24]).round() as u64;
        }
        let (fa, fb, _) = proportional_fit(&n, &e);
        for c in 0..168 {
            let fitted = e[c] * fa[c / 24] * fb[c % 24];
            assert!((fitted - n[c] as f64).abs() < 0.6, "cell {c}: {fitted} vs {}", n[c]);
        }
    }

    #[test]
    fn toml_floats_keep_four_digits_and_a_point() {
        assert_eq!(toml_float(1.0), "1.0");
        assert_eq!(toml_float(0.25), "0.25");
        assert_eq!(toml_float(0.123456), "0.1235");
        assert_eq!(toml_float(30.12345), "30.12");
        assert_eq!(toml_float(12345.6), "12346.0");
        assert_eq!(toml_float(0.000123456), "0.0001235");
        assert_eq!(toml_float(0.0), "0.0");
        assert_eq!(toml_float(12340.0), "12340.0");
        assert_eq!(toml_float(999.96), "1000.0");
    }
}
