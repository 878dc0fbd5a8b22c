//! The fleet report: a campaign's Gantt, the sites without a working
//! failover over time, the campaign length per plan, and the page a change
//! board reads (`report.html` and `report.md`, the charts beside them under
//! `charts/`).
//!
//! Pure functions: they read a fleet, the aggregated campaign metrics and
//! one traced replication per plan; they never run the engine nor touch a
//! file.

use crate::report::chart::hatch;
use std::fmt::Write;

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::chart::{Chart, DrawResult, LEGEND_ROW_PX, PALETTE, Swatch, draw_legend, font};
use super::page::{STYLE, esc, html_table, inline, md_table, percent, share_of_runs, thousands};
use crate::fleet::Fleet;
use crate::fleet::campaign::{CampaignRun, SiteRun, SiteState};
use crate::fleet::study::FleetStats;
use crate::fleet::table::{CAMPAIGN_METRICS, CampaignMetric};
use crate::metrics::Unit;
use crate::montecarlo::{Aggregator, SummaryRow};
use crate::stats::proportion_interval;
use crate::time::{MS_PER_DAY, MS_PER_HOUR};

// ---------------------------------------------------------------------
// Dates.

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The local date of campaign instant `t` (ms from the fleet's start) in `tz`.
fn local_date(start_unix_ms: i64, tz: &TimeZone, t: i64) -> Date {
    tz.to_datetime(Timestamp::from_millisecond(start_unix_ms + t).unwrap_or(Timestamp::UNIX_EPOCH))
        .date()
}

/// `3 Mar`.
fn day_month(d: Date) -> String {
    format!("{} {}", d.day(), MONTHS[(d.month() as usize).clamp(1, 12) - 1])
}

/// The campaign instant of local midnight starting `d`.
fn midnight(start_unix_ms: i64, tz: &TimeZone, d: Date) -> Option<i64> {
    let ts = tz
        .to_ambiguous_timestamp(d.to_datetime(jiff::civil::Time::midnight()))
        .compatible()
        .ok()?;
    Some(ts.as_millisecond() - start_unix_ms)
}

/// `3 Mar` of campaign instant `t` in the fleet's zone.
pub fn fleet_day(fleet: &Fleet, t: i64) -> String {
    day_month(local_date(fleet.start_unix_ms, &fleet.zone, t))
}

/// A dated time axis: campaign ms to pixels, ticks on local midnights.
#[derive(Clone, Debug)]
struct DateAxis {
    start_unix_ms: i64,
    tz: TimeZone,
    zone_name: String,
    /// Campaign ms at the left and right edges.
    from: i64,
    to: i64,
    x0: i32,
    x1: i32,
}

impl DateAxis {
    fn new(fleet: &Fleet, to: i64, x0: i32, x1: i32) -> DateAxis {
        DateAxis {
            start_unix_ms: fleet.start_unix_ms,
            tz: fleet.zone.clone(),
            zone_name: fleet.zone_name.clone(),
            from: 0,
            to: to.max(MS_PER_DAY as i64),
            x0,
            x1,
        }
    }

    fn xf(&self, t: i64) -> f64 {
        let f = (t - self.from) as f64 / (self.to - self.from).max(1) as f64;
        self.x0 as f64 + f * (self.x1 - self.x0) as f64
    }

    fn x(&self, t: i64) -> i32 {
        self.xf(t.clamp(self.from, self.to)).round() as i32
    }

    /// Ticks at local midnights, about one per 90 px: days, weeks (Mondays)
    /// or months (their first day).
    fn ticks(&self) -> Vec<(i64, String)> {
        let days = (self.to - self.from) as f64 / MS_PER_DAY as f64;
        let per_day = (self.x1 - self.x0) as f64 / days.max(1e-9);
        let want = 90.0 / per_day; // days between ticks
        let first = local_date(self.start_unix_ms, &self.tz, self.from);
        let last = local_date(self.start_unix_ms, &self.tz, self.to);
        let mut out = Vec::new();
        let mut d = first;
        let mut i = 0i64;
        let push = |d: Date, out: &mut Vec<(i64, String)>| {
            if let Some(t) = midnight(self.start_unix_ms, &self.tz, d)
                && t >= self.from
                && t <= self.to
            {
                out.push((t, day_month(d)));
            }
        };
        if want <= 2.0 {
            let step = if want <= 1.0 { 1 } else { 2 };
            while d <= last {
                if i % step == 0 {
                    push(d, &mut out);
                }
                i += 1;
                d = d.tomorrow().unwrap_or(Date::MAX);
            }
        } else if want <= 14.0 {
            let step = if want <= 7.0 { 1 } else { 2 };
            while d.weekday() != jiff::civil::Weekday::Monday {
                d = d.tomorrow().unwrap_or(Date::MAX);
            }
            while d <= last {
                if i % step == 0 {
                    push(d, &mut out);
                }
                i += 1;
                d = d.checked_add(jiff::Span::new().days(7)).unwrap_or(Date::MAX);
            }
        } else {
            let step = [1i8, 2, 3, 6, 12]
                .into_iter()
                .find(|m| *m as f64 * 30.0 >= want)
                .unwrap_or(12);
            let mut m = first.first_of_month();
            while m <= last {
                if (m.month() - 1) % step == 0
                    && let Some(t) = midnight(self.start_unix_ms, &self.tz, m)
                    && t >= self.from
                    && t <= self.to
                {
                    // Months by name; January with its year.
                    let name = MONTHS[(m.month() as usize).clamp(1, 12) - 1];
                    let label = if m.month() == 1 {
                        format!("{name} {}", m.year())
                    } else {
                        name.to_string()
                    };
                    out.push((t, label));
                }
                m = m.checked_add(jiff::Span::new().months(1)).unwrap_or(Date::MAX);
            }
        }
        out
    }

    fn title(&self) -> String {
        format!("date ({})", self.zone_name)
    }

    /// Ticks and labels under `y`, the axis title below them.
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, y: i32) -> DrawResult<DB> {
        area.draw(&PathElement::new(vec![(self.x0, y), (self.x1, y)], BLACK))?;
        let mut last_end = i32::MIN;
        for (t, label) in self.ticks() {
            let x = self.x(t);
            area.draw(&PathElement::new(vec![(x, y), (x, y + 5)], BLACK))?;
            let half = area.estimate_text_size(&label, &TextStyle::from(font(12.0)))?.0 as i32 / 2;
            if x - half < last_end + 8 {
                continue;
            }
            last_end = x + half;
            area.draw(&Text::new(
                label,
                (x, y + 8),
                TextStyle::from(font(12.0)).pos(Pos::new(HPos::Center, VPos::Top)),
            ))?;
        }
        area.draw(&Text::new(
            self.title(),
            ((self.x0 + self.x1) / 2, y + 28),
            TextStyle::from(font(14.0)).pos(Pos::new(HPos::Center, VPos::Top)),
        ))
    }
}

// ---------------------------------------------------------------------
// The Gantt.

/// What a site is doing at an instant, as the Gantt colours it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// Not started yet (its wave, or its window, has not come).
    Waiting,
    /// Under way, between its windows.
    Between,
    /// Being worked (a step under way).
    Worked,
    /// Without a working failover.
    Exposed,
    /// Down.
    Down,
    /// Its procedure ran to its end.
    Done,
    /// Its procedure was aborted.
    Aborted,
    /// The campaign never started it.
    NotStarted,
}

impl Phase {
    /// Legend order.
    pub const ALL: [Phase; 8] = [
        Phase::Waiting,
        Phase::Between,
        Phase::Worked,
        Phase::Exposed,
        Phase::Down,
        Phase::Done,
        Phase::Aborted,
        Phase::NotStarted,
    ];

    /// Its colour (Okabe–Ito hues; the usual states pale, changes saturated).
    pub fn color(self) -> RGBColor {
        match self {
            Phase::Waiting => RGBColor(226, 226, 226),
            Phase::Between => RGBColor(190, 215, 238),
            Phase::Worked => RGBColor(0, 114, 178),
            Phase::Exposed => RGBColor(204, 121, 167),
            Phase::Down => RGBColor(90, 20, 20),
            Phase::Done => RGBColor(153, 216, 199),
            Phase::Aborted => RGBColor(240, 186, 140),
            Phase::NotStarted => RGBColor(170, 170, 170),
        }
    }

    /// Its words in the legend.
    pub fn words(self) -> &'static str {
        match self {
            Phase::Waiting => "waiting",
            Phase::Between => "under way, between windows",
            Phase::Worked => "being worked",
            Phase::Exposed => "no working failover (hatched)",
            Phase::Down => "site down",
            Phase::Done => "done",
            Phase::Aborted => "aborted (a cross at the abort)",
            Phase::NotStarted => "not started (hatched)",
        }
    }

    /// Which state a site shows when it has several within one pixel
    /// column (higher wins).
    fn rank(self) -> u8 {
        match self {
            Phase::NotStarted => 0,
            Phase::Waiting => 1,
            Phase::Done => 2,
            Phase::Aborted => 3,
            Phase::Between => 4,
            Phase::Worked => 5,
            Phase::Exposed => 6,
            Phase::Down => 7,
        }
    }

    fn hatched(self) -> bool {
        matches!(self, Phase::Exposed | Phase::NotStarted)
    }
}

/// The shade of a change freeze.
pub const FREEZE_COLOR: RGBColor = RGBColor(120, 120, 200);
/// The colour of the deadline.
pub const DEADLINE_COLOR: RGBColor = RGBColor(20, 20, 20);
/// The colour of the abort's mark.
pub const ABORT_MARK: RGBColor = RGBColor(213, 94, 0);

/// Most sites drawn one lane each; more are drawn as lanes of waves.
pub const MAX_SITE_LANES: usize = 40;
/// Most lanes of waves (consecutive waves share a lane beyond it).
const MAX_WAVE_LANES: usize = 20;

/// One lane of the Gantt.
#[derive(Clone, Debug)]
pub struct GanttLane {
    /// The site's name, or `wave 2` / `waves 3-5`.
    pub name: String,
    /// A second line under the name (`40 sites`), if any.
    pub note: Option<String>,
    /// Sites in the lane.
    pub sites: usize,
    pub body: LaneBody,
    /// Change freezes of its sites' calendars, campaign ms.
    pub freezes: Vec<(i64, i64)>,
}

/// What a lane shows.
#[derive(Clone, Debug)]
pub enum LaneBody {
    /// One site: its phases over time, exposure drawn over the lower part.
    Site {
        state: SiteState,
        /// Full-height spans, in drawing order.
        spans: Vec<(i64, i64, Phase)>,
        exposure: Vec<(i64, i64)>,
        /// Its end (done or aborted), campaign ms.
        end: Option<i64>,
    },
    /// Many sites: per pixel column (of [`STACK_PX`] pixels), how many are
    /// in each phase ([`Phase::ALL`] order).
    Stack { columns: Vec<[u32; 8]> },
}

/// Pixels per column of a stacked lane.
pub const STACK_PX: i32 = 2;

/// A wave as the Gantt marks it.
#[derive(Clone, Debug)]
pub struct WaveMark {
    /// `wave 1`.
    pub label: String,
    /// Start and end (campaign ms), none when it never started.
    pub span: Option<(i64, i64)>,
    /// The bake after it, up to the next wave's start.
    pub bake: Option<(i64, i64)>,
}

/// A campaign's Gantt: one replication of one plan.
#[derive(Clone, Debug)]
pub struct Gantt {
    pub title: String,
    pub subtitle: String,
    pub lanes: Vec<GanttLane>,
    pub waves: Vec<WaveMark>,
    /// The deadline (campaign ms) and its label.
    pub deadline: Option<(i64, String)>,
    /// True when lanes are waves rather than sites.
    pub grouped: bool,
    /// The freezes of the sites' calendars in words (`quarter close, 24-28
    /// Mar`), under the legend.
    pub freeze_notes: Vec<String>,
    axis: DateAxis,
}

const G_WIDTH: u32 = 1140;
const G_LEFT: i32 = 160;
const G_RIGHT: i32 = 24;
const G_TOP: i32 = 132;
const LEGEND_COLS: usize = 3;

/// The phases of a started site, full height, in drawing order (later on
/// top), and its exposure.
fn site_spans(s: &SiteRun, to: i64) -> Vec<(i64, i64, Phase)> {
    let mut out = Vec::new();
    let (Some(ws), Some(end)) = (s.work_start, s.end) else {
        out.push((0, to, Phase::NotStarted));
        return out;
    };
    if ws > 0 {
        out.push((0, ws, Phase::Waiting));
    }
    out.push((ws, end, Phase::Between));
    out.extend(s.work.iter().map(|&(a, b)| (a, b, Phase::Worked)));
    out.extend(s.down.iter().map(|&(a, b)| (a, b, Phase::Down)));
    let after = if s.state == SiteState::Aborted {
        Phase::Aborted
    } else {
        Phase::Done
    };
    if end < to {
        out.push((end, to, after));
    }
    out
}

/// The freezes of site `k`'s calendar, campaign ms (local midnights of the
/// first frozen day and the day after the last, in the site's zone).
fn freezes_of(fleet: &Fleet, k: usize) -> Vec<(i64, i64)> {
    let group = &fleet.groups[fleet.sites[k].group];
    let Some(local) = group.scenario.calendar.local.as_ref() else {
        return Vec::new();
    };
    let tz = &local.clock.tz;
    local
        .freezes
        .iter()
        .filter_map(|f| {
            let a = midnight(fleet.start_unix_ms, tz, f.from)?;
            let b = midnight(fleet.start_unix_ms, tz, f.to.tomorrow().ok()?)?;
            Some((a, b))
        })
        .collect()
}

/// The distinct freezes of the sites' calendars, in words, at most three
/// (and how many more).
fn freeze_notes(fleet: &Fleet, waves: &[Vec<usize>]) -> Vec<String> {
    let mut seen: Vec<(Date, Date, String)> = Vec::new();
    for &k in waves.iter().flatten() {
        let group = &fleet.groups[fleet.sites[k].group];
        for f in group.scenario.calendar.local.iter().flat_map(|l| l.freezes.iter()) {
            let key = (f.from, f.to, f.reason.clone());
            if !seen.contains(&key) {
                seen.push(key);
            }
        }
    }
    seen.sort();
    let mut out: Vec<String> = seen
        .iter()
        .take(3)
        .map(|(a, b, why)| {
            let when = if a == b {
                day_month(*a)
            } else if a.month() == b.month() && a.year() == b.year() {
                format!("{}-{}", a.day(), day_month(*b))
            } else {
                format!("{} to {}", day_month(*a), day_month(*b))
            };
            if why.is_empty() { when } else { format!("{why}, {when}") }
        })
        .collect();
    if seen.len() > 3 {
        out.push(format!("{} more", seen.len() - 3));
    }
    out
}

fn merge(mut spans: Vec<(i64, i64)>) -> Vec<(i64, i64)> {
    spans.sort_unstable();
    let mut out: Vec<(i64, i64)> = Vec::new();
    for (a, b) in spans {
        match out.last_mut() {
            Some(l) if a <= l.1 => l.1 = l.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// The right edge of a campaign's charts: its end, the deadline, every
/// wave, with a little room.
fn chart_end(fleet: &Fleet, run: &CampaignRun) -> i64 {
    let mut end = run.metrics.campaign_ms as i64;
    for w in run.waves.iter().flatten() {
        end = end.max(w.1);
    }
    for s in &run.sites {
        end = end.max(s.end.unwrap_or(0));
    }
    if let Some(d) = fleet.deadline_unix_ms {
        end = end.max(d - fleet.start_unix_ms);
    }
    let end = end.max(MS_PER_DAY as i64);
    end + (end / 25).max(MS_PER_HOUR as i64)
}

fn wave_marks(fleet: &Fleet, plan: usize, run: &CampaignRun) -> Vec<WaveMark> {
    let _ = &fleet.plans[plan];
    (0..run.waves.len())
        .map(|w| {
            let span = run.waves[w];
            let bake = match (span, run.waves.get(w + 1).copied().flatten()) {
                (Some((_, e)), Some((next, _))) if next > e => Some((e, next)),
                _ => None,
            };
            WaveMark {
                label: format!("wave {}", w + 1),
                span,
                bake,
            }
        })
        .collect()
}

fn deadline_mark(fleet: &Fleet) -> Option<(i64, String)> {
    fleet.deadline_unix_ms.map(|d| {
        let t = d - fleet.start_unix_ms;
        // The deadline is the end of its day: name that day.
        (t, format!("deadline {}", fleet_day(fleet, t - 1)))
    })
}

/// A campaign's Gantt: one lane per site up to [`MAX_SITE_LANES`] sites,
/// else one lane per wave (consecutive waves share a lane beyond 20) with
/// the count of its sites in each phase over time.
/// The deadline: a dashed vertical line at `x` from `top` to `bottom`,
/// labelled at its top, on its right unless the label would pass `right`.
fn draw_deadline<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    x: i32,
    label: &str,
    top: i32,
    bottom: i32,
    right: i32,
) -> DrawResult<DB> {
    dashed_v(area, x, top, bottom, DEADLINE_COLOR.stroke_width(2))?;
    let tw = area.estimate_text_size(label, &TextStyle::from(font(13.0)))?.0 as i32;
    let (x, anchor) = if x + 6 + tw <= right {
        (x + 6, HPos::Left)
    } else {
        (x - 6, HPos::Right)
    };
    area.draw(&Text::new(
        label.to_string(),
        (x, top),
        TextStyle::from(font(13.0))
            .color(&DEADLINE_COLOR)
            .pos(Pos::new(anchor, VPos::Top)),
    ))?;
    Ok(())
}

pub fn gantt(fleet: &Fleet, plan: usize, run: &CampaignRun) -> Gantt {
    let p = &fleet.plans[plan];
    let to = chart_end(fleet, run);
    let axis = DateAxis::new(fleet, to, G_LEFT, G_WIDTH as i32 - G_RIGHT);
    let days = run.metrics.campaign_ms as f64 / MS_PER_DAY as f64;
    let stopped = run.metrics.stopped_at_wave;
    let title = if stopped > 0 {
        format!(
            "Plan {}: the campaign stopped at wave {stopped} after {days:.1} days",
            p.name
        )
    } else {
        format!("Plan {}: the campaign takes {days:.1} days", p.name)
    };
    let subtitle = format!(
        "replication 0 of runs.csv · {} sites in {} waves · at most {} per window · bake {}",
        fleet.sites.len(),
        p.waves.len(),
        p.max_sites_per_window,
        p.bake
    );
    let by_site: Vec<Option<&SiteRun>> = {
        let mut v = vec![None; fleet.sites.len()];
        for s in &run.sites {
            if s.site < v.len() {
                v[s.site] = Some(s);
            }
        }
        v
    };
    let grouped = fleet.sites.len() > MAX_SITE_LANES;
    let mut lanes = Vec::new();
    if !grouped {
        for members in &p.waves {
            for &k in members {
                let Some(s) = by_site[k] else { continue };
                let mut name = fleet.sites[k].name.clone();
                if name.chars().count() > 20 {
                    name = name.chars().take(19).collect::<String>() + "…";
                }
                lanes.push(GanttLane {
                    name,
                    note: None,
                    sites: 1,
                    body: LaneBody::Site {
                        state: s.state,
                        spans: site_spans(s, to),
                        exposure: s.exposure.clone(),
                        end: s.end,
                    },
                    freezes: freezes_of(fleet, k),
                });
            }
        }
    } else {
        let n = p.waves.len();
        let per_lane = n.div_ceil(MAX_WAVE_LANES).max(1);
        let cols = ((axis.x1 - axis.x0) / STACK_PX).max(1) as usize;
        for (chunk_i, chunk) in p.waves.chunks(per_lane).enumerate() {
            let first = chunk_i * per_lane + 1;
            let last = first + chunk.len() - 1;
            let name = if first == last {
                format!("wave {first}")
            } else {
                format!("waves {first}-{last}")
            };
            let members: Vec<usize> = chunk.iter().flatten().copied().collect();
            let mut freezes = Vec::new();
            for &k in &members {
                freezes.extend(freezes_of(fleet, k));
            }
            let columns = stack_columns(&axis, cols, members.iter().filter_map(|&k| by_site[k]), to);
            lanes.push(GanttLane {
                name,
                note: Some(format!(
                    "{} site{}",
                    thousands(members.len() as u64),
                    if members.len() == 1 { "" } else { "s" }
                )),
                sites: members.len(),
                body: LaneBody::Stack { columns },
                freezes: merge(freezes),
            });
        }
    }
    Gantt {
        title,
        subtitle,
        lanes,
        waves: wave_marks(fleet, plan, run),
        deadline: deadline_mark(fleet),
        grouped,
        freeze_notes: freeze_notes(fleet, &p.waves),
        axis,
    }
}

/// Per column of [`STACK_PX`] pixels, the sites in each phase (each site
/// counted once, in the most telling phase it has within the column).
fn stack_columns<'a>(axis: &DateAxis, cols: usize, sites: impl Iterator<Item = &'a SiteRun>, to: i64) -> Vec<[u32; 8]> {
    let col_of = |t: i64| -> usize {
        let x = axis.xf(t.clamp(axis.from, axis.to)) - axis.x0 as f64;
        ((x / STACK_PX as f64).floor().max(0.0) as usize).min(cols - 1)
    };
    let idx = |p: Phase| Phase::ALL.iter().position(|q| *q == p).unwrap_or(0);
    // Difference arrays for the long stretches, direct counts for the rest.
    let mut diff = vec![[0i64; 8]; cols + 1];
    let mut direct = vec![[0u32; 8]; cols];
    let mut scratch: Vec<Phase> = Vec::new();
    for s in sites {
        let (Some(ws), Some(end)) = (s.work_start, s.end) else {
            diff[0][idx(Phase::NotStarted)] += 1;
            diff[cols][idx(Phase::NotStarted)] -= 1;
            continue;
        };
        let (c0, c1) = (col_of(ws), col_of(end.max(ws)));
        diff[0][idx(Phase::Waiting)] += 1;
        diff[c0][idx(Phase::Waiting)] -= 1;
        let after = if s.state == SiteState::Aborted {
            Phase::Aborted
        } else {
            Phase::Done
        };
        if end < to && c1 + 1 < cols {
            diff[c1 + 1][idx(after)] += 1;
            diff[cols][idx(after)] -= 1;
        }
        scratch.clear();
        scratch.resize(c1 - c0 + 1, Phase::Between);
        let mut paint = |spans: &[(i64, i64)], p: Phase| {
            for &(a, b) in spans {
                let (ca, cb) = (col_of(a), col_of(b.max(a)));
                for c in ca.max(c0)..=cb.min(c1) {
                    let cell = &mut scratch[c - c0];
                    if p.rank() > cell.rank() {
                        *cell = p;
                    }
                }
            }
        };
        paint(&s.work, Phase::Worked);
        paint(&s.exposure, Phase::Exposed);
        paint(&s.down, Phase::Down);
        for (i, p) in scratch.iter().enumerate() {
            direct[c0 + i][idx(*p)] += 1;
        }
    }
    let mut run = [0i64; 8];
    (0..cols)
        .map(|c| {
            let mut out = direct[c];
            for j in 0..8 {
                run[j] += diff[c][j];
                out[j] += run[j].max(0) as u32;
            }
            out
        })
        .collect()
}

fn dashed_v<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    x: i32,
    y0: i32,
    y1: i32,
    style: ShapeStyle,
) -> DrawResult<DB> {
    let mut y = y0;
    while y < y1 {
        area.draw(&PathElement::new(vec![(x, y), (x, (y + 6).min(y1))], style))?;
        y += 10;
    }
    Ok(())
}

/// The mark of a legend entry of the Gantt.
#[derive(Clone, Copy, Debug)]
enum Mark {
    Box(RGBColor),
    Hatched(RGBColor),
    Dashed(RGBColor),
    /// The freeze's shade over a waiting lane, its top edge drawn.
    Freeze,
}

/// A legend in columns.
fn phase_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (x, y): (i32, i32),
    col_w: i32,
    entries: &[(Mark, String)],
) -> DrawResult<DB> {
    let style = TextStyle::from(font(13.0)).pos(Pos::new(HPos::Left, VPos::Center));
    for (i, (mark, label)) in entries.iter().enumerate() {
        let cx = x + (i % LEGEND_COLS) as i32 * col_w;
        let cy = y + (i / LEGEND_COLS) as i32 * LEGEND_ROW_PX + LEGEND_ROW_PX / 2;
        let (a, b) = ((cx, cy - 7), (cx + 26, cy + 7));
        match *mark {
            Mark::Box(c) => area.draw(&Rectangle::new([a, b], c.filled()))?,
            Mark::Hatched(c) => {
                area.draw(&Rectangle::new([a, b], c.filled()))?;
                hatch(area, a.0, a.1, b.0, b.1)?;
            }
            Mark::Dashed(c) => {
                for k in 0..3 {
                    area.draw(&PathElement::new(
                        vec![(cx + k * 10, cy), (cx + k * 10 + 6, cy)],
                        c.stroke_width(2),
                    ))?;
                }
            }
            Mark::Freeze => {
                area.draw(&Rectangle::new([a, b], Phase::Waiting.color().filled()))?;
                area.draw(&Rectangle::new([a, b], FREEZE_COLOR.mix(0.28).filled()))?;
                area.draw(&PathElement::new(vec![a, (b.0, a.1)], FREEZE_COLOR.stroke_width(2)))?;
            }
        }
        area.draw(&Text::new(label.clone(), (cx + 34, cy), style.clone()))?;
    }
    Ok(())
}

impl Gantt {
    fn lane_h(&self) -> i32 {
        if self.grouped {
            if self.lanes.len() <= 8 { 56 } else { 40 }
        } else if self.lanes.len() <= 16 {
            24
        } else {
            18
        }
    }

    /// The phases some lane shows.
    pub fn phases(&self) -> Vec<Phase> {
        let mut seen = [false; 8];
        let idx = |p: Phase| Phase::ALL.iter().position(|q| *q == p).unwrap_or(0);
        for lane in &self.lanes {
            match &lane.body {
                LaneBody::Site { spans, exposure, .. } => {
                    for (_, _, p) in spans {
                        seen[idx(*p)] = true;
                    }
                    if !exposure.is_empty() {
                        seen[idx(Phase::Exposed)] = true;
                    }
                }
                LaneBody::Stack { columns } => {
                    for c in columns {
                        for (j, n) in c.iter().enumerate() {
                            seen[j] |= *n > 0;
                        }
                    }
                }
            }
        }
        Phase::ALL.iter().copied().filter(|p| seen[idx(*p)]).collect()
    }

    fn legend(&self) -> Vec<(Mark, String)> {
        let mut out: Vec<(Mark, String)> = self
            .phases()
            .into_iter()
            .map(|p| {
                let mark = if p.hatched() {
                    Mark::Hatched(p.color())
                } else {
                    Mark::Box(p.color())
                };
                // Lanes of waves have no cross: the abort's words alone.
                let words = if self.grouped && p == Phase::Aborted {
                    "aborted"
                } else {
                    p.words()
                };
                (mark, words.to_string())
            })
            .collect();
        out.push((Mark::Box(RGBColor(110, 110, 110)), "wave (bar above the lanes)".into()));
        if self.waves.iter().any(|w| w.bake.is_some()) {
            out.push((Mark::Hatched(RGBColor(180, 180, 180)), "bake between waves".into()));
        }
        if self.lanes.iter().any(|l| !l.freezes.is_empty()) {
            out.push((Mark::Freeze, "change freeze (shaded)".into()));
        }
        if let Some((_, label)) = &self.deadline {
            out.push((Mark::Dashed(DEADLINE_COLOR), label.clone()));
        }
        out
    }

    fn lanes_bottom(&self) -> i32 {
        G_TOP + self.lane_h() * self.lanes.len().max(1) as i32
    }

    /// The text of the never-started waves (`wave 2, wave 3: never
    /// started`), if any.
    pub fn unstarted_label(&self) -> Option<String> {
        let names: Vec<&str> = self
            .waves
            .iter()
            .filter(|w| w.span.is_none())
            .map(|w| w.label.as_str())
            .collect();
        match names.len() {
            0 => None,
            1 => Some(format!("{}: never started", names[0])),
            n if n <= 4 => Some(format!("{}: never started", names.join(", "))),
            n => Some(format!("{} to {} ({n} waves): never started", names[0], names[n - 1])),
        }
    }
}

impl Chart for Gantt {
    fn size(&self) -> (u32, u32) {
        let rows = self.legend().len().div_ceil(LEGEND_COLS) as i32 + i32::from(!self.freeze_notes.is_empty());
        (G_WIDTH, (self.lanes_bottom() + 64 + rows * LEGEND_ROW_PX + 16) as u32)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let axis = &self.axis;
        let (x0, x1) = (axis.x0, axis.x1);
        let lane_h = self.lane_h();
        let bottom = self.lanes_bottom();
        let left_mid = |s: &str, x: i32, y: i32, size: f64| {
            Text::new(
                s.to_string(),
                (x, y),
                TextStyle::from(font(size)).pos(Pos::new(HPos::Left, VPos::Center)),
            )
        };
        area.draw(&Text::new(self.title.clone(), (14, 12), font(20.0)))?;
        area.draw(&Text::new(self.subtitle.clone(), (14, 40), font(13.0)))?;

        // The waves track: each wave a bar from its start to its end, the
        // bake a hatched bar after it; labels above, on two rows if needed.
        let track = (G_TOP - 30, G_TOP - 14);
        area.draw(&left_mid("waves", 12, (track.0 + track.1) / 2, 13.0))?;
        let mut row_end = [i32::MIN; 2];
        let mut last_x = x0;
        for w in &self.waves {
            let Some((a, b)) = w.span else { continue };
            let (xa, xb) = (axis.x(a), axis.x(b).max(axis.x(a) + 2));
            area.draw(&Rectangle::new(
                [(xa, track.0), (xb, track.1)],
                RGBColor(110, 110, 110).filled(),
            ))?;
            if let Some((ba, bb)) = w.bake {
                let (ya, yb) = (track.0 + 3, track.1 - 3);
                let (xa, xb) = (axis.x(ba), axis.x(bb));
                area.draw(&Rectangle::new([(xa, ya), (xb, yb)], RGBColor(180, 180, 180).filled()))?;
                hatch(area, xa, ya, xb, yb)?;
                let label = "bake";
                let tw = area.estimate_text_size(label, &TextStyle::from(font(12.0)))?.0 as i32;
                if xb - xa >= tw + 8 {
                    area.draw(&Text::new(
                        label,
                        ((xa + xb) / 2, track.1 + 2),
                        TextStyle::from(font(12.0)).pos(Pos::new(HPos::Center, VPos::Top)),
                    ))?;
                }
            }
            let tw = area.estimate_text_size(&w.label, &TextStyle::from(font(13.0)))?.0 as i32;
            let row = (0..2).find(|r| xa >= row_end[*r] + 6).unwrap_or(1);
            row_end[row] = xa + tw;
            area.draw(&Text::new(
                w.label.clone(),
                (xa, track.0 - 4 - 16 * row as i32),
                TextStyle::from(font(13.0)).pos(Pos::new(HPos::Left, VPos::Bottom)),
            ))?;
            last_x = last_x.max(xb);
        }
        if let Some(label) = self.unstarted_label() {
            let tw = area.estimate_text_size(&label, &TextStyle::from(font(13.0)))?.0 as i32;
            let x = (last_x + 10).min(x1 - tw).max(x0);
            area.draw(&left_mid(&label, x, (track.0 + track.1) / 2, 13.0))?;
        }

        // Lanes.
        let name_px = if lane_h >= 22 { 13.0 } else { 12.0 };
        for (i, lane) in self.lanes.iter().enumerate() {
            let y = G_TOP + i as i32 * lane_h;
            if i > 0 && self.grouped {
                area.draw(&PathElement::new(vec![(10, y), (x1, y)], RGBColor(150, 150, 150)))?;
            }
            match &lane.note {
                Some(note) => {
                    area.draw(&left_mid(&lane.name, 12, y + lane_h / 2 - 8, name_px))?;
                    area.draw(&left_mid(note, 12, y + lane_h / 2 + 9, 12.0))?;
                }
                None => area.draw(&left_mid(&lane.name, 12, y + lane_h / 2, name_px))?,
            }
            let (ya, yb) = (y + 2, y + lane_h - 2);
            match &lane.body {
                LaneBody::Site {
                    state,
                    spans,
                    exposure,
                    end,
                } => {
                    for &(a, b, p) in spans {
                        let (xa, xb) = (axis.x(a), axis.x(b));
                        // Short work and outages stay visible: 2 px at least.
                        let xb = if matches!(p, Phase::Worked | Phase::Down) {
                            xb.max(xa + 2)
                        } else {
                            xb
                        };
                        if xb <= xa {
                            continue;
                        }
                        area.draw(&Rectangle::new([(xa, ya), (xb, yb)], p.color().filled()))?;
                        if p.hatched() {
                            hatch(area, xa, ya, xb, yb)?;
                        }
                    }
                    // Without failover: the lower part of the lane, hatched.
                    let ea = yb - (yb - ya) * 45 / 100;
                    for &(a, b) in exposure {
                        let (xa, xb) = (axis.x(a), axis.x(b).max(axis.x(a) + 2));
                        area.draw(&Rectangle::new([(xa, ea), (xb, yb)], Phase::Exposed.color().filled()))?;
                        hatch(area, xa, ea, xb, yb)?;
                    }
                    let note = match (state, end) {
                        (SiteState::NotStarted, _) => Some((x0 + 6, "not started".to_string())),
                        (SiteState::Aborted, Some(e)) => {
                            let xe = axis.x(*e);
                            // A cross where it was aborted.
                            area.draw(&PathElement::new(
                                vec![(xe - 5, ya + 1), (xe + 5, yb - 1)],
                                ABORT_MARK.stroke_width(3),
                            ))?;
                            area.draw(&PathElement::new(
                                vec![(xe - 5, yb - 1), (xe + 5, ya + 1)],
                                ABORT_MARK.stroke_width(3),
                            ))?;
                            Some((xe + 9, "aborted".to_string()))
                        }
                        _ => None,
                    };
                    if let Some((x, text)) = note {
                        let tw = area.estimate_text_size(&text, &TextStyle::from(font(12.0)))?.0 as i32;
                        let x = x.min(x1 - tw - 4);
                        area.draw(&Rectangle::new([(x - 3, ya + 2), (x + tw + 3, yb - 2)], WHITE.filled()))?;
                        area.draw(&left_mid(&text, x, (ya + yb) / 2, 12.0))?;
                    }
                }
                LaneBody::Stack { columns } => {
                    let total = lane.sites.max(1) as f64;
                    let hgt = (yb - ya) as f64;
                    // Bottom to top: done first, waiting and not started last.
                    let order = [
                        Phase::Done,
                        Phase::Aborted,
                        Phase::Down,
                        Phase::Exposed,
                        Phase::Worked,
                        Phase::Between,
                        Phase::Waiting,
                        Phase::NotStarted,
                    ];
                    let mut base = vec![0u32; columns.len()];
                    for p in order {
                        let j = Phase::ALL.iter().position(|q| *q == p).unwrap_or(0);
                        if columns.iter().all(|c| c[j] == 0) {
                            continue;
                        }
                        let yv = |n: u32| yb - (n as f64 / total * hgt).round() as i32;
                        // Runs of equal (base, count): one box each.
                        let mut c = 0;
                        while c < columns.len() {
                            let (b0, n0) = (base[c], columns[c][j]);
                            let mut e = c + 1;
                            while e < columns.len() && base[e] == b0 && columns[e][j] == n0 {
                                e += 1;
                            }
                            if n0 > 0 {
                                let xa = x0 + c as i32 * STACK_PX;
                                let xb = (x0 + e as i32 * STACK_PX).min(x1);
                                let (ta, tb) = (yv(b0 + n0), yv(b0));
                                if tb > ta {
                                    area.draw(&Rectangle::new([(xa, ta), (xb, tb)], p.color().filled()))?;
                                }
                            }
                            c = e;
                        }
                        for (c, col) in columns.iter().enumerate() {
                            base[c] += col[j];
                        }
                        if p.hatched() {
                            // Hatch over the band's boxes: drawn as white
                            // slashes where the band is at least 4 px tall.
                            let mut c = 0;
                            while c < columns.len() {
                                if columns[c][j] == 0 {
                                    c += 1;
                                    continue;
                                }
                                let mut e = c + 1;
                                while e < columns.len() && columns[e][j] == columns[c][j] && base[e] == base[c] {
                                    e += 1;
                                }
                                let top = yv(base[c]);
                                let low = yv(base[c] - columns[c][j]);
                                if low - top >= 4 {
                                    hatch(
                                        area,
                                        x0 + c as i32 * STACK_PX,
                                        top,
                                        (x0 + e as i32 * STACK_PX).min(x1),
                                        low,
                                    )?;
                                }
                                c = e;
                            }
                        }
                    }
                    // A lane none of whose sites started says so.
                    let j = Phase::ALL.iter().position(|q| *q == Phase::NotStarted).unwrap_or(7);
                    if lane.sites > 0 && columns.iter().all(|c| c[j] as usize == lane.sites) {
                        let text = "not started";
                        let tw = area.estimate_text_size(text, &TextStyle::from(font(13.0)))?.0 as i32;
                        let yc = (ya + yb) / 2;
                        area.draw(&Rectangle::new(
                            [(x0 + 3, yc - 10), (x0 + tw + 9, yc + 10)],
                            WHITE.filled(),
                        ))?;
                        area.draw(&left_mid(text, x0 + 6, yc, 13.0))?;
                    }
                }
            }
            // Freezes: a translucent shade over the lane.
            for &(a, b) in &lane.freezes {
                if b <= axis.from || a >= axis.to {
                    continue;
                }
                let (xa, xb) = (axis.x(a), axis.x(b));
                area.draw(&Rectangle::new(
                    [(xa, y), (xb, y + lane_h)],
                    FREEZE_COLOR.mix(0.28).filled(),
                ))?;
                area.draw(&PathElement::new(vec![(xa, y), (xb, y)], FREEZE_COLOR.stroke_width(2)))?;
            }
        }
        // Wave starts: lines across the lanes.
        for w in &self.waves {
            if let Some((a, _)) = w.span {
                let x = axis.x(a);
                area.draw(&PathElement::new(
                    vec![(x, G_TOP - 30), (x, bottom)],
                    RGBColor(60, 60, 60).stroke_width(1),
                ))?;
            }
        }
        // The deadline.
        if let Some((t, label)) = &self.deadline {
            draw_deadline(area, axis.x(*t), label, G_TOP - 62, bottom, x1 + G_RIGHT - 2)?;
        }
        axis.draw(area, bottom + 4)?;
        let legend = self.legend();
        phase_legend(area, (G_LEFT - 140, bottom + 62), 370, &legend)?;
        if !self.freeze_notes.is_empty() {
            let y = bottom + 62 + legend.len().div_ceil(LEGEND_COLS) as i32 * LEGEND_ROW_PX + LEGEND_ROW_PX / 2;
            area.draw(&Text::new(
                format!("Freezes: {}.", self.freeze_notes.join("; ")),
                (G_LEFT - 140, y),
                TextStyle::from(font(13.0)).pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------
// Sites without a working failover.

/// The number of sites without a working failover over one run.
#[derive(Clone, Debug)]
pub struct WithoutFailover {
    pub title: String,
    /// (campaign ms, sites without failover from then on), in time order.
    pub steps: Vec<(i64, u64)>,
    /// The most at one instant and when first reached.
    pub peak: (u64, i64),
    /// The peak's label (`peak 4 sites, 1 Apr`).
    pub peak_label: String,
    pub waves: Vec<WaveMark>,
    pub deadline: Option<(i64, String)>,
    axis: DateAxis,
}

const W_HEIGHT: u32 = 440;
const W_LEFT: i32 = 80;
const W_TOP: i32 = 96;
const W_BOTTOM: i32 = 360;

/// The count of sites without a working failover, as a step line over
/// the dated axis, its peak marked.
pub fn without_failover(fleet: &Fleet, plan: usize, run: &CampaignRun) -> WithoutFailover {
    let mut ev: Vec<(i64, i32)> = Vec::new();
    for s in &run.sites {
        for &(a, b) in &s.exposure {
            if b > a {
                ev.push((a, 1));
                ev.push((b, -1));
            }
        }
    }
    // Ends before starts at one instant, as the metric counts.
    ev.sort_unstable();
    let mut steps: Vec<(i64, u64)> = vec![(0, 0)];
    let mut now = 0i64;
    let mut peak = (0u64, 0i64);
    for (t, d) in ev {
        now += d as i64;
        let n = now.max(0) as u64;
        if n > peak.0 {
            peak = (n, t);
        }
        match steps.last_mut() {
            Some(last) if last.0 == t => last.1 = n,
            _ => steps.push((t, n)),
        }
    }
    let peak_label = if peak.0 == 0 {
        "no site without failover".to_string()
    } else {
        format!(
            "peak {} site{}, {}",
            peak.0,
            if peak.0 == 1 { "" } else { "s" },
            fleet_day(fleet, peak.1)
        )
    };
    let to = chart_end(fleet, run);
    WithoutFailover {
        title: format!(
            "Plan {}: sites without a working failover (replication 0 of runs.csv)",
            fleet.plans[plan].name
        ),
        steps,
        peak,
        peak_label,
        waves: wave_marks(fleet, plan, run),
        deadline: deadline_mark(fleet),
        axis: DateAxis::new(fleet, to, W_LEFT, G_WIDTH as i32 - G_RIGHT),
    }
}

impl Chart for WithoutFailover {
    fn size(&self) -> (u32, u32) {
        (G_WIDTH, W_HEIGHT)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let axis = &self.axis;
        let (x0, x1) = (axis.x0, axis.x1);
        area.draw(&Text::new(self.title.clone(), (14, 12), font(20.0)))?;
        let ymax = ((self.peak.0 as f64 * 1.2).ceil() as u64).max(self.peak.0 + 1).max(2);
        let yv = |n: u64| W_BOTTOM - ((n as f64 / ymax as f64) * (W_BOTTOM - W_TOP) as f64).round() as i32;
        // Integer ticks, at most 6.
        let step = [1u64, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000]
            .into_iter()
            .find(|s| ymax / s <= 6)
            .unwrap_or(ymax.div_ceil(6));
        let mut n = 0;
        while n <= ymax {
            let y = yv(n);
            area.draw(&PathElement::new(vec![(x0, y), (x1, y)], RGBColor(225, 225, 225)))?;
            area.draw(&Text::new(
                n.to_string(),
                (x0 - 8, y),
                TextStyle::from(font(12.0)).pos(Pos::new(HPos::Right, VPos::Center)),
            ))?;
            n += step;
        }
        area.draw(&Text::new(
            "sites",
            (18, (W_TOP + W_BOTTOM) / 2),
            TextStyle::from(font(14.0).transform(FontTransform::Rotate270)).pos(Pos::new(HPos::Center, VPos::Center)),
        ))?;
        // Waves: light lines with their names along the top.
        let mut row_end = [i32::MIN; 2];
        for w in &self.waves {
            let Some((a, _)) = w.span else { continue };
            let x = axis.x(a);
            area.draw(&PathElement::new(
                vec![(x, W_TOP - 6), (x, W_BOTTOM)],
                RGBColor(150, 150, 150),
            ))?;
            let tw = area.estimate_text_size(&w.label, &TextStyle::from(font(12.0)))?.0 as i32;
            let row = (0..2).find(|r| x >= row_end[*r] + 6).unwrap_or(1);
            row_end[row] = x + tw;
            area.draw(&Text::new(
                w.label.clone(),
                (x + 3, W_TOP - 8 - 15 * row as i32),
                TextStyle::from(font(12.0)).pos(Pos::new(HPos::Left, VPos::Bottom)),
            ))?;
        }
        // The step line, filled under it.
        let mut pts: Vec<(i32, i32)> = Vec::with_capacity(self.steps.len() * 2 + 2);
        let mut prev = 0u64;
        for &(t, n) in &self.steps {
            let x = axis.x(t);
            pts.push((x, yv(prev)));
            pts.push((x, yv(n)));
            prev = n;
        }
        pts.push((x1, yv(prev)));
        let mut poly = pts.clone();
        poly.push((x1, yv(0)));
        poly.push((x0, yv(0)));
        area.draw(&Polygon::new(poly, Phase::Exposed.color().mix(0.35).filled()))?;
        area.draw(&PathElement::new(pts, Phase::Exposed.color().stroke_width(2)))?;
        area.draw(&PathElement::new(vec![(x0, W_TOP), (x0, W_BOTTOM)], BLACK))?;
        // The deadline.
        if let Some((t, label)) = &self.deadline {
            draw_deadline(area, axis.x(*t), label, W_TOP - 40, W_BOTTOM, x1 + G_RIGHT - 2)?;
        }
        // The peak: a dot and its label on a white box.
        let (px, py) = (axis.x(self.peak.1), yv(self.peak.0));
        if self.peak.0 > 0 {
            area.draw(&Circle::new((px, py), 5, BLACK.filled()))?;
        }
        let tw = area
            .estimate_text_size(&self.peak_label, &TextStyle::from(font(14.0)))?
            .0 as i32;
        let lx = (px + 10).min(x1 - tw - 4).max(x0 + 4);
        let ly = (py - 14).max(W_TOP + 10);
        area.draw(&Rectangle::new(
            [(lx - 4, ly - 11), (lx + tw + 4, ly + 11)],
            WHITE.filled(),
        ))?;
        area.draw(&Text::new(
            self.peak_label.clone(),
            (lx, ly),
            TextStyle::from(font(14.0)).pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
        axis.draw(area, W_BOTTOM)
    }
}

// ---------------------------------------------------------------------
// Campaign length across runs.

/// One plan's curve.
#[derive(Clone, Debug)]
pub struct LengthCurve {
    pub plan: String,
    pub color: RGBColor,
    /// (days, share of runs at or below).
    pub points: Vec<(f64, f64)>,
    /// The legend's text.
    pub label: String,
}

/// The distribution of campaign length per plan (empirical CDFs).
#[derive(Clone, Debug)]
pub struct CampaignLength {
    pub title: String,
    pub curves: Vec<LengthCurve>,
    /// The deadline in days after the start, and its label.
    pub deadline: Option<(f64, String)>,
}

/// The colour of plan `i`.
pub fn plan_color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

fn row<'a>(rows: &'a [SummaryRow], plan: &str, metric: &str) -> Option<&'a SummaryRow> {
    rows.iter().find(|r| r.strategy == plan && r.metric == metric)
}

/// P(done by deadline) of a plan, with its 95 % interval, when there is a
/// deadline and runs.
fn done_share(rows: &[SummaryRow], plan: &str) -> Option<(u64, u64, f64, f64)> {
    let r = row(rows, plan, "done_by_deadline")?;
    if r.n == 0 {
        return None;
    }
    let (lo, hi) = proportion_interval(r.nonzero, r.n);
    Some((r.nonzero, r.n, lo, hi))
}

/// Empirical CDFs of the campaign length, one per plan.
pub fn campaign_length(fleet: &Fleet, agg: &Aggregator) -> CampaignLength {
    let rows = agg.summary();
    let d = MS_PER_DAY as f64 / 1000.0;
    let curves = agg
        .strategies()
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let points: Vec<(f64, f64)> = agg.ecdf(i, "campaign_s").into_iter().map(|(x, f)| (x / d, f)).collect();
            let median = row(&rows, name, "campaign_s").map_or(f64::NAN, |r| r.p50 / d);
            let mut label = format!("{name}: median {median:.1} days");
            if fleet.deadline_unix_ms.is_some()
                && let Some((_, _, lo, hi)) = done_share(&rows, name)
            {
                let r = row(&rows, name, "done_by_deadline").map_or(0.0, |r| r.mean);
                let _ = write!(
                    label,
                    ", P(done by deadline) {} [{}, {}]",
                    percent(r),
                    percent(lo),
                    percent(hi)
                );
            }
            LengthCurve {
                plan: name.clone(),
                color: plan_color(i),
                points,
                label,
            }
        })
        .collect();
    let deadline = fleet.deadline_unix_ms.map(|u| {
        let t = u - fleet.start_unix_ms;
        (
            t as f64 / MS_PER_DAY as f64,
            format!(
                "deadline {} (day {:.0})",
                fleet_day(fleet, t - 1),
                t as f64 / MS_PER_DAY as f64
            ),
        )
    });
    CampaignLength {
        title: format!(
            "Campaign length per plan, {} runs each (stopped runs count at their stop)",
            thousands(agg.replications())
        ),
        curves,
        deadline,
    }
}

impl Chart for CampaignLength {
    fn size(&self) -> (u32, u32) {
        let rows = self.curves.len() + usize::from(self.deadline.is_some());
        (G_WIDTH, 470 + rows as u32 * LEGEND_ROW_PX as u32 + 16)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let (plot, side) = area.split_vertically(470);
        let xs = self.curves.iter().flat_map(|c| c.points.iter().map(|p| p.0));
        let hi = xs
            .chain(self.deadline.as_ref().map(|d| d.0))
            .fold(f64::NEG_INFINITY, f64::max);
        let hi = if hi.is_finite() && hi > 0.0 { hi * 1.06 } else { 1.0 };
        let lo = -hi * 0.02;
        let mut chart = ChartBuilder::on(&plot)
            .caption(&self.title, font(18.0))
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d(lo..hi, 0f64..1.02)?;
        chart
            .configure_mesh()
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
            .x_desc("campaign length (days after the start)")
            .y_desc("share of runs done within")
            .label_style(font(13.0))
            .axis_desc_style(font(14.0))
            .draw()?;
        let mut entries = Vec::new();
        if let Some((d, label)) = &self.deadline {
            let n = 40;
            for k in (0..n).step_by(2) {
                let (a, b) = (k as f64 / n as f64 * 1.02, (k + 1) as f64 / n as f64 * 1.02);
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(*d, a), (*d, b)],
                    DEADLINE_COLOR.stroke_width(2),
                )))?;
            }
            entries.push((Swatch::Dashed(DEADLINE_COLOR), label.clone()));
        }
        // Earlier plans are drawn wider, under the later ones: plans with
        // the same lengths show as stripes of their colours, none hidden.
        let n = self.curves.len();
        for (i, c) in self.curves.iter().enumerate() {
            let width = 3 + 2 * (n - 1 - i).min(3) as u32;
            let mut path = Vec::with_capacity(c.points.len() * 2 + 2);
            let mut prev = 0.0;
            if let Some(first) = c.points.first() {
                path.push((lo, 0.0));
                path.push((first.0, 0.0));
            }
            for &(x, f) in &c.points {
                path.push((x, prev));
                path.push((x, f));
                prev = f;
            }
            path.push((hi, prev));
            chart.draw_series(std::iter::once(PathElement::new(path, c.color.stroke_width(width))))?;
            entries.push((Swatch::Line(c.color), c.label.clone()));
        }
        draw_legend(&side, (86, 0), &entries)
    }
}

// ---------------------------------------------------------------------
// All charts.

/// A chart of the fleet report.
#[derive(Clone, Debug)]
pub enum FleetChart {
    Gantt(Gantt),
    WithoutFailover(WithoutFailover),
    CampaignLength(CampaignLength),
}

impl Chart for FleetChart {
    fn size(&self) -> (u32, u32) {
        match self {
            FleetChart::Gantt(c) => c.size(),
            FleetChart::WithoutFailover(c) => c.size(),
            FleetChart::CampaignLength(c) => c.size(),
        }
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        match self {
            FleetChart::Gantt(c) => c.draw(area),
            FleetChart::WithoutFailover(c) => c.draw(area),
            FleetChart::CampaignLength(c) => c.draw(area),
        }
    }
}

/// The report's charts, by file stem (under `charts/`), in report order:
/// `gantt-<plan>` and `without-failover-<plan>` for each plan traced
/// (`traces[p]` is replication 0 of plan `p`), then `campaign-length`.
pub fn charts(fleet: &Fleet, traces: &[CampaignRun], stats: &FleetStats) -> Vec<(String, FleetChart)> {
    let agg = &stats.agg;
    let mut out = Vec::new();
    for (p, run) in traces.iter().enumerate().take(fleet.plans.len()) {
        let name = &fleet.plans[p].name;
        out.push((format!("gantt-{name}"), FleetChart::Gantt(gantt(fleet, p, run))));
        out.push((
            format!("without-failover-{name}"),
            FleetChart::WithoutFailover(without_failover(fleet, p, run)),
        ));
    }
    out.push((
        "campaign-length".into(),
        FleetChart::CampaignLength(campaign_length(fleet, agg)),
    ));
    out
}

/// The charts' file stems and captions, in the order of [`charts`].
pub fn chart_captions(fleet: &Fleet, traces: &[CampaignRun]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (p, _) in traces.iter().enumerate().take(fleet.plans.len()) {
        let name = &fleet.plans[p].name;
        let lanes = if fleet.sites.len() > MAX_SITE_LANES {
            "each lane is a wave, its height split by how many of its sites are in each state"
        } else {
            "each lane is a site, in wave order"
        };
        out.push((
            format!("gantt-{name}"),
            format!(
                "Plan {name}, one run: {lanes}; read left to right for when each wave started (bar above), \
                 how long it baked, and where sites were worked, without failover or down."
            ),
        ));
        out.push((
            format!("without-failover-{name}"),
            format!(
                "Plan {name}, one run: how many sites had no working failover at each moment; \
                 the peak is the most at once, the risk a second failure would hit."
            ),
        ));
    }
    out.push((
        "campaign-length".into(),
        "Campaign length across runs, one curve per plan: the further left and the steeper, \
         the sooner and the more predictably the campaign ends; where a curve crosses the deadline \
         is the share of runs finished by then (a stopped campaign counts at its stop)."
            .into(),
    ));
    out
}

// ---------------------------------------------------------------------
// The report.

enum Block {
    H2(String),
    H3(String),
    P(String),
    Bottom(String),
    Note(String),
    List(Vec<String>),
    Table(Vec<String>, Vec<Vec<String>>),
    Figure(String, String),
}

fn days(s: f64) -> String {
    format!("{:.1} days", s / 86_400.0)
}

/// How a time metric reads in a row: days, hours or minutes by size.
fn time_scale(s: f64) -> (f64, &'static str) {
    if s >= 2.0 * 86_400.0 {
        (86_400.0, "days")
    } else if s >= 2.0 * 3600.0 {
        (3600.0, "h")
    } else {
        (60.0, "min")
    }
}

fn number(x: f64) -> String {
    let a = x.abs();
    if a >= 1000.0 {
        thousands(x.round() as u64)
    } else if a >= 100.0 || x.fract() == 0.0 {
        format!("{x:.0}")
    } else if a >= 1.0 {
        format!("{x:.1}")
    } else if a == 0.0 {
        "0".into()
    } else {
        format!("{x:.2}")
    }
}

/// A metric value in the row's unit.
fn cell(m: &CampaignMetric, x: f64, scale: (f64, &str)) -> String {
    match m.unit {
        Unit::Seconds | Unit::Instant => format!("{} {}", number(x / scale.0), scale.1),
        _ => number(x),
    }
}

fn metric_rows(rows: &[SummaryRow], plan: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for m in CAMPAIGN_METRICS.iter() {
        let Some(r) = row(rows, plan, m.name) else { continue };
        if r.n == 0 {
            continue;
        }
        let words = m.words.to_string();
        let cells = match m.name {
            "done_by_deadline" => vec![share_of_runs(r.nonzero, r.n), "—".into(), "—".into()],
            "stopped_at_wave" => vec![
                format!("stopped in {}", share_of_runs(r.nonzero, r.n)),
                if r.p50 > 0.0 {
                    format!("wave {:.0}", r.p50)
                } else {
                    "no stop".into()
                },
                if r.p95 > 0.0 {
                    format!("wave {:.0}", r.p95)
                } else {
                    "no stop".into()
                },
            ],
            _ => {
                let scale = time_scale(r.p50.max(r.mean));
                vec![
                    format!(
                        "{} [{}, {}]",
                        cell(m, r.mean, scale),
                        cell(m, r.ci95_low, scale),
                        cell(m, r.ci95_high, scale)
                    ),
                    cell(m, r.p50, scale),
                    cell(m, r.p95, scale),
                ]
            }
        };
        let mut line = vec![words];
        line.extend(cells);
        out.push(line);
    }
    out
}

fn plan_words(fleet: &Fleet, p: usize) -> String {
    let plan = &fleet.plans[p];
    let sizes: Vec<String> = plan.waves.iter().map(|w| w.len().to_string()).collect();
    let stop = if plan.stop_on.is_empty() {
        "never stops".to_string()
    } else {
        format!(
            "stops on {}",
            plan.stop_on
                .iter()
                .map(|s| format!("`{}`", s.word()))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let mut s = format!(
        "**{}**: {} waves of {} sites, at most {} site{} per window, bake {}, {stop}",
        plan.name,
        plan.waves.len(),
        sizes.join(", "),
        plan.max_sites_per_window,
        if plan.max_sites_per_window == 1 { "" } else { "s" },
        plan.bake
    );
    if !plan.description.is_empty() {
        let _ = write!(s, " ({})", plan.description);
    }
    s
}

fn simulated(fleet: &Fleet, runs: u64, seed: u64) -> Vec<String> {
    let mut out = Vec::new();
    out.push(format!(
        "{} sites of {} type{}; the campaign starts {} {:02}:{:02} ({})",
        thousands(fleet.sites.len() as u64),
        fleet.groups.len(),
        if fleet.groups.len() == 1 { "" } else { "s" },
        fleet.start.date(),
        fleet.start.hour(),
        fleet.start.minute(),
        fleet.zone_name
    ));
    for (g, group) in fleet.groups.iter().enumerate() {
        let members: Vec<usize> = (0..fleet.sites.len()).filter(|k| fleet.sites[*k].group == g).collect();
        let mut strategies: Vec<&str> = members.iter().map(|k| fleet.sites[*k].strategy.as_str()).collect();
        strategies.sort_unstable();
        strategies.dedup();
        out.push(format!(
            "**{}**: {} site{}, scenario `{}`, strategy {}",
            group.name,
            members.len(),
            if members.len() == 1 { "" } else { "s" },
            group.source,
            strategies
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    for p in 0..fleet.plans.len() {
        out.push(format!("Plan {}", plan_words(fleet, p)));
    }
    out.push(match &fleet.operators {
        Some(o) => format!(
            "{} shared operator{}, each on one site at a time",
            o.count,
            if o.count == 1 { "" } else { "s" }
        ),
        None => "operators: not shared (each site has its own)".into(),
    });
    out.push(match (&fleet.deadline_text, fleet.deadline_unix_ms) {
        (Some(t), Some(d)) => format!(
            "deadline {t} ({} days after the start; done by it means every site done)",
            number(((d - fleet.start_unix_ms) as f64 / MS_PER_DAY as f64 * 10.0).round() / 10.0)
        ),
        _ => "no deadline".into(),
    });
    out.push(format!(
        "{} runs per plan, seed {seed}; every plan sees the same draws for the same site",
        thousands(runs)
    ));
    out
}

/// The report's bottom line across plans as plain text, for a terminal
/// (the report's emphasis and code marks left out).
pub fn bottom_line_text(fleet: &Fleet, stats: &FleetStats) -> String {
    let agg = &stats.agg;
    bottom_line(fleet, agg, &agg.summary())
        .replace("**", "")
        .replace('`', "")
}

/// The bottom line across plans.
fn bottom_line(fleet: &Fleet, agg: &Aggregator, rows: &[SummaryRow]) -> String {
    let plans = agg.strategies();
    if plans.is_empty() || agg.replications() == 0 {
        return "No runs were simulated.".into();
    }
    let get = |p: usize, m: &str| row(rows, &plans[p], m);
    let median = |p: usize| get(p, "campaign_s").map_or(f64::INFINITY, |r| r.p50);
    let mean = |p: usize| get(p, "campaign_s").map_or(f64::INFINITY, |r| r.mean);
    let mut order: Vec<usize> = (0..plans.len()).collect();
    order.sort_by(|a, b| median(*a).total_cmp(&median(*b)).then(mean(*a).total_cmp(&mean(*b))));
    let fast = order[0];
    let fname = &plans[fast];
    let mut s = String::new();
    let length = |p: usize| {
        get(p, "campaign_s").map_or(String::new(), |r| {
            format!(
                "{} (median; mean {} [{}, {}], p95 {})",
                days(r.p50),
                days(r.mean),
                days(r.ci95_low),
                days(r.ci95_high),
                days(r.p95)
            )
        })
    };
    if plans.len() == 1 {
        let _ = write!(s, "The campaign of plan **{fname}** takes {}.", length(fast));
    } else {
        let mut clear = Vec::new();
        let mut alike = Vec::new();
        for &o in &order[1..] {
            let d = agg.paired(o, fast, "campaign_s");
            match d {
                Some(d) if d.ci95_low > 0.0 => clear.push((o, d)),
                Some(d) => alike.push((o, Some(d))),
                None => alike.push((o, None)),
            }
        }
        if alike.is_empty() {
            let _ = write!(s, "**{fname}** finishes first: {}", length(fast));
            let others: Vec<String> = clear
                .iter()
                .map(|(o, d)| {
                    format!(
                        "**{}** takes {} more on average [{}, {}] (median {})",
                        plans[*o],
                        days(d.mean),
                        days(d.ci95_low),
                        days(d.ci95_high),
                        days(median(*o))
                    )
                })
                .collect();
            let _ = write!(s, "; {} (paired by run).", others.join("; "));
        } else {
            let names: Vec<String> = std::iter::once(fast)
                .chain(alike.iter().map(|(o, _)| *o))
                .map(|p| format!("**{}** ({})", plans[p], days(median(p))))
                .collect();
            let _ = write!(
                s,
                "The plans {} are alike in campaign length within their 95 % intervals (medians shown)",
                names.join(", ")
            );
            let diffs: Vec<String> = alike
                .iter()
                .filter_map(|(o, d)| {
                    d.as_ref().map(|d| {
                        format!(
                            "{} minus {}: {} [{}, {}]",
                            plans[*o],
                            fname,
                            days(d.mean),
                            days(d.ci95_low),
                            days(d.ci95_high)
                        )
                    })
                })
                .collect();
            if !diffs.is_empty() {
                let _ = write!(s, "; paired differences of means {}", diffs.join("; "));
            }
            s.push('.');
            if !clear.is_empty() {
                let slower: Vec<String> = clear
                    .iter()
                    .map(|(o, d)| {
                        format!(
                            "**{}** (+{} [{}, {}])",
                            plans[*o],
                            days(d.mean),
                            days(d.ci95_low),
                            days(d.ci95_high)
                        )
                    })
                    .collect();
                let _ = write!(s, " Clearly slower: {}.", slower.join(", "));
            }
            let _ = write!(s, " The shortest median is **{fname}**'s: {}.", length(fast));
        }
    }
    // The deadline.
    if fleet.deadline_unix_ms.is_some()
        && let Some((x, n, _, _)) = done_share(rows, fname)
    {
        let _ = write!(
            s,
            " **{fname}** is done by the deadline ({}) in {}.",
            fleet.deadline_text.as_deref().unwrap_or("?"),
            share_of_runs(x, n)
        );
        if plans.len() > 1 {
            let best = (0..plans.len())
                .filter_map(|p| done_share(rows, &plans[p]).map(|d| (p, d)))
                .max_by(|a, b| (a.1.0 as f64 / a.1.1 as f64).total_cmp(&(b.1.0 as f64 / b.1.1 as f64)));
            if let Some((b, (bx, bn, blo, _))) = best
                && b != fast
                && blo > proportion_interval(x, n).1
            {
                let _ = write!(
                    s,
                    " **{}** is done by it more often: {}.",
                    plans[b],
                    share_of_runs(bx, bn)
                );
            }
        }
    }
    // What it costs.
    let peak = |p: usize| get(p, "peak_sites_without_failover");
    let um = |p: usize| get(p, "user_minutes_lost");
    // The sites' time without failover, added up, in site-days.
    let exposed = |p: usize| get(p, "site_exposure_s").map(|r| r.mean / 86_400.0);
    if let (Some(pk), Some(u)) = (peak(fast), um(fast)) {
        let _ = write!(
            s,
            " What it costs: at its peak {} site{} without a working failover at once (mean [{}, {}], worst run {}), {} site-days without failover in all, and {} user-minutes lost (mean [{}, {}])",
            number(pk.mean),
            if pk.mean == 1.0 { "" } else { "s" },
            number(pk.ci95_low),
            number(pk.ci95_high),
            number(pk.max),
            exposed(fast).map_or("—".into(), |d| format!("{d:.1}")),
            number(u.mean),
            number(u.ci95_low),
            number(u.ci95_high)
        );
        let others: Vec<String> = order[1..]
            .iter()
            .filter_map(|&o| {
                Some(format!(
                    "**{}**: peak {}, {:.1} site-days, {} user-minutes",
                    plans[o],
                    number(peak(o)?.mean),
                    exposed(o)?,
                    number(um(o)?.mean)
                ))
            })
            .collect();
        if others.is_empty() {
            s.push('.');
        } else {
            let _ = write!(s, "; against {}.", others.join("; "));
        }
    }
    // A stopped campaign looks short: say so, first when most runs stopped.
    if let Some(st) = get(fast, "stopped_at_wave")
        && st.nonzero > 0
    {
        let at = stop_mode(agg, fast).map_or(String::new(), |(w, c)| {
            if c == st.nonzero {
                format!(" at wave {w}")
            } else {
                format!(", most often at wave {w}")
            }
        });
        let note = format!(
            "**{fname}** stopped in {}{at}: its campaign length is the time to the stop, not to a finished fleet.",
            share_of_runs(st.nonzero, st.n)
        );
        if 2 * st.nonzero >= st.n {
            s = format!("{note} {s}");
        } else {
            let _ = write!(s, " Beware: {note}");
        }
    }
    s
}

/// The wave most runs of plan `p` stopped at, and in how many runs.
fn stop_mode(agg: &Aggregator, p: usize) -> Option<(u64, u64)> {
    let n = agg.replications();
    let mut prev = 0.0;
    let mut best: Option<(u64, u64)> = None;
    for (x, f) in agg.ecdf(p, "stopped_at_wave") {
        let count = ((f - prev) * n as f64).round() as u64;
        prev = f;
        if x >= 0.5 && best.is_none_or(|b| count > b.1) {
            best = Some((x.round() as u64, count));
        }
    }
    best
}

/// The stop, in words, for each plan that stopped in some run.
fn stop_words(fleet: &Fleet, agg: &Aggregator, rows: &[SummaryRow], traces: &[CampaignRun]) -> Vec<String> {
    let mut out = Vec::new();
    for (p, name) in agg.strategies().iter().enumerate() {
        let Some(st) = row(rows, name, "stopped_at_wave") else {
            continue;
        };
        if st.nonzero == 0 {
            continue;
        }
        let Some((wave, count)) = stop_mode(agg, p) else {
            continue;
        };
        let plan = fleet.plans.get(p);
        let waves = plan.map_or(0, |pl| pl.waves.len());
        let ns = row(rows, name, "sites_not_started").map_or(0.0, |r| r.mean);
        let all_same = count == st.nonzero;
        let mut s = format!(
            "Plan **{name}**: in {} of {} runs the campaign stopped",
            percent(st.nonzero as f64 / st.n as f64),
            thousands(st.n)
        );
        if all_same {
            let _ = write!(s, " at wave {wave}");
        } else {
            let _ = write!(s, ", most often at wave {wave} ({} runs)", thousands(count));
        }
        if let Some(pl) = plan
            && !pl.stop_on.is_empty()
        {
            let words: Vec<String> = pl.stop_on.iter().map(|w| format!("`{}`", w.word())).collect();
            let _ = write!(
                s,
                ", when a site's outcome was one of its stop_on ({})",
                words.join(", ")
            );
        }
        s.push('.');
        // The traced run, when it stopped: which site, how, when.
        if let Some(run) = traces.get(p)
            && run.metrics.stopped_at_wave > 0
        {
            let w = run.metrics.stopped_at_wave as usize - 1;
            let stopper = run
                .sites
                .iter()
                .filter(|x| x.wave == w)
                .filter_map(|x| {
                    x.triggers
                        .iter()
                        .filter(|(_, why)| plan.is_some_and(|pl| pl.stop_on.contains(why)))
                        .map(|(t, why)| (*t, *why, x.site))
                        .min()
                })
                .min();
            if let Some((t, why, k)) = stopper {
                let _ = write!(
                    s,
                    " In replication 0 (the Gantt's), site {} ended `{}` on {}.",
                    fleet.sites.get(k).map_or("?", |x| x.name.as_str()),
                    why.word(),
                    fleet_day(fleet, t)
                );
            }
        }
        let never = if all_same {
            "The later waves never started"
        } else {
            "The waves after the stop never started"
        };
        if wave as usize >= waves && all_same {
            let _ = write!(
                s,
                " It was the last wave: on average {} sites were not started.",
                number(ns)
            );
        } else {
            let _ = write!(
                s,
                " {never}: on average {} of the {} sites were not started.",
                number(ns),
                thousands(fleet.sites.len() as u64)
            );
        }
        out.push(s);
    }
    out
}

fn document(fleet: &Fleet, agg: &Aggregator, traces: &[CampaignRun], runs: u64, seed: u64) -> Vec<Block> {
    let rows = agg.summary();
    let mut out = vec![
        Block::H2("Bottom line".into()),
        Block::Bottom(bottom_line(fleet, agg, &rows)),
        Block::H2("What was simulated".into()),
        Block::List(simulated(fleet, runs, seed)),
    ];
    let stops = stop_words(fleet, agg, &rows, traces);
    if !stops.is_empty() {
        out.push(Block::H2("The stop".into()));
        for s in stops {
            out.push(Block::P(s));
        }
    }
    out.push(Block::H2("Key numbers by plan".into()));
    out.push(Block::Note(format!(
        "Mean with its 95 % interval, median and 95th percentile over {} runs per plan.",
        thousands(agg.replications())
    )));
    if agg.strategies().len() > 1 {
        out.push(Block::H3("The plans side by side".into()));
        out.push(side_by_side(fleet, agg, &rows));
    }
    for name in agg.strategies() {
        out.push(Block::H3(format!("Plan {name}")));
        out.push(Block::Table(
            vec![
                "metric".into(),
                "mean [95 % interval]".into(),
                "median".into(),
                "p95".into(),
            ],
            metric_rows(&rows, name),
        ));
    }
    out.push(Block::H2("Charts".into()));
    for (file, caption) in chart_captions(fleet, traces) {
        out.push(Block::Figure(file, caption));
    }
    out.push(Block::H2("The metrics".into()));
    out.push(Block::List(
        CAMPAIGN_METRICS
            .iter()
            .map(|m| format!("**{}** (`{}`): {}", m.words, m.name, m.meaning))
            .collect(),
    ));
    out
}

/// One row per plan: the numbers the bottom line weighs.
fn side_by_side(fleet: &Fleet, agg: &Aggregator, rows: &[SummaryRow]) -> Block {
    let mut head = vec!["plan".to_string(), "campaign length, median (p95)".into()];
    if fleet.deadline_unix_ms.is_some() {
        head.push("done by the deadline".into());
    }
    head.extend([
        "peak sites without failover, mean".into(),
        "user-minutes lost, mean".into(),
        "runs stopped".into(),
    ]);
    let body = agg
        .strategies()
        .iter()
        .map(|name| {
            let get = |m: &str| row(rows, name, m);
            let mut r = vec![format!("**{name}**")];
            r.push(get("campaign_s").map_or("—".into(), |x| format!("{} ({})", days(x.p50), days(x.p95))));
            if fleet.deadline_unix_ms.is_some() {
                r.push(done_share(rows, name).map_or("—".into(), |(x, n, _, _)| share_of_runs(x, n)));
            }
            r.push(get("peak_sites_without_failover").map_or("—".into(), |x| number(x.mean)));
            r.push(get("user_minutes_lost").map_or("—".into(), |x| number(x.mean)));
            r.push(get("stopped_at_wave").map_or("—".into(), |x| share_of_runs(x.nonzero, x.n)));
            r
        })
        .collect();
    Block::Table(head, body)
}

fn title(fleet: &Fleet) -> String {
    format!("Fleet campaign: {}", fleet.name)
}

fn provenance(agg: &Aggregator, runs: u64, seed: u64) -> String {
    let mut s = format!(
        "Simulated with cutover {} over {} runs per plan, seed {seed}; each site a single-site run with its own seed.",
        env!("CARGO_PKG_VERSION"),
        thousands(runs),
    );
    if agg.replications() != runs {
        let _ = write!(s, " {} runs aggregated.", thousands(agg.replications()));
    }
    s
}

/// The fleet report: self-contained HTML (styles and charts inline, as
/// SVG) and the same content in Markdown, whose charts are the files
/// `charts/NAME.png` beside it (see [`charts`]). `traces[p]` is
/// replication 0 of plan `p`.
pub fn report(fleet: &Fleet, stats: &FleetStats, traces: &[CampaignRun], runs: u64, seed: u64) -> (String, String) {
    report_with(fleet, stats, traces, runs, seed, true)
}

/// [`report`]; without `chart_files` (`--no-charts`) the Markdown names
/// each chart and says it was not written instead of linking to a file.
pub fn report_with(
    fleet: &Fleet,
    stats: &FleetStats,
    traces: &[CampaignRun],
    runs: u64,
    seed: u64,
    chart_files: bool,
) -> (String, String) {
    // The page holds its charts (one file to send to the change board).
    let svgs: Vec<(String, String)> = charts(fleet, traces, stats)
        .into_iter()
        .filter_map(|(name, chart)| crate::report::chart::render_svg(&chart).ok().map(|svg| (name, svg)))
        .collect();
    report_with_svgs(fleet, stats, traces, runs, seed, &svgs, chart_files)
}

/// [`report_with`] given the charts already drawn, as SVG by name (the
/// command line draws them once, for their files and for the page).
pub fn report_with_svgs(
    fleet: &Fleet,
    stats: &FleetStats,
    traces: &[CampaignRun],
    runs: u64,
    seed: u64,
    svgs: &[(String, String)],
    chart_files: bool,
) -> (String, String) {
    let agg = &stats.agg;
    let blocks = document(fleet, agg, traces, runs, seed);
    (
        html(fleet, agg, &blocks, runs, seed, svgs),
        markdown(fleet, agg, &blocks, runs, seed, chart_files),
    )
}

fn markdown(fleet: &Fleet, agg: &Aggregator, blocks: &[Block], runs: u64, seed: u64, chart_files: bool) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# {}\n", title(fleet));
    if !fleet.description.is_empty() {
        let _ = writeln!(md, "{}\n", fleet.description);
    }
    let _ = writeln!(md, "*{}*\n", provenance(agg, runs, seed));
    for b in blocks {
        match b {
            Block::H2(t) => {
                let _ = writeln!(md, "## {t}\n");
            }
            Block::H3(t) => {
                let _ = writeln!(md, "### {t}\n");
            }
            Block::P(t) | Block::Bottom(t) => {
                let _ = writeln!(md, "{t}\n");
            }
            Block::Note(t) => {
                let _ = writeln!(md, "*{}*\n", t.replace('*', ""));
            }
            Block::List(items) => {
                for i in items {
                    let _ = writeln!(md, "- {i}");
                }
                md.push('\n');
            }
            Block::Table(head, rows) => md_table(&mut md, head, rows),
            Block::Figure(file, caption) if chart_files => {
                let _ = writeln!(md, "![{file}](charts/{file}.png)\n\n*{}*\n", caption.replace('*', ""));
            }
            Block::Figure(file, caption) => {
                let _ = writeln!(
                    md,
                    "*{}* (chart `{file}` not written: `--no-charts`; `report.html` holds it)\n",
                    caption.replace('*', "")
                );
            }
        }
    }
    let trimmed = md.trim_end().len();
    md.truncate(trimmed);
    md.push('\n');
    md
}

fn html(fleet: &Fleet, agg: &Aggregator, blocks: &[Block], runs: u64, seed: u64, svgs: &[(String, String)]) -> String {
    let mut h = String::new();
    let t = esc(&title(fleet));
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{t}</title>\n<style>\n{STYLE}\
figure img {{ max-width: 100%; height: auto; border: 1px solid #ddd; }}\n</style>\n</head>\n<body>\n<h1>{t}</h1>\n"
    );
    if !fleet.description.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", esc(&fleet.description));
    }
    let _ = writeln!(h, "<p class=\"note\">{}</p>", esc(&provenance(agg, runs, seed)));
    for b in blocks {
        match b {
            Block::H2(t) => {
                let _ = writeln!(h, "<h2>{}</h2>", esc(t));
            }
            Block::H3(t) => {
                let _ = writeln!(h, "<h3>{}</h3>", esc(t));
            }
            Block::P(t) => {
                let _ = writeln!(h, "<p>{}</p>", inline(t));
            }
            Block::Bottom(t) => {
                let _ = writeln!(h, "<p class=\"bottom\">{}</p>", inline(t));
            }
            Block::Note(t) => {
                let _ = writeln!(h, "<p class=\"note\">{}</p>", inline(t));
            }
            Block::List(items) => {
                let _ = writeln!(h, "<ul>");
                for i in items {
                    let _ = writeln!(h, "<li>{}</li>", inline(i));
                }
                let _ = writeln!(h, "</ul>");
            }
            Block::Table(head, rows) => html_table(&mut h, head, rows),
            Block::Figure(file, caption) => match svgs.iter().find(|(n, _)| n == file) {
                Some((_, svg)) => {
                    let inline = svg.find("<svg").map_or(svg.as_str(), |i| &svg[i..]);
                    let _ = writeln!(
                        h,
                        "<figure>\n{inline}\n<figcaption>{}</figcaption>\n</figure>",
                        esc(caption)
                    );
                }
                None => {
                    let _ = writeln!(
                        h,
                        "<figure>\n<img src=\"charts/{}.svg\" alt=\"{}\">\n<figcaption>{}</figcaption>\n</figure>",
                        esc(file),
                        esc(caption),
                        esc(caption)
                    );
                }
            },
        }
    }
    let _ = writeln!(h, "</body>\n</html>");
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::table::{COLUMNS, units};

    const DAY: i64 = MS_PER_DAY as i64;
    const HOUR: i64 = MS_PER_HOUR as i64;
    /// 2025-03-03T00:00Z, a Monday.
    const START: i64 = 1_740_960_000_000;

    fn axis(zone: &str, days: i64) -> DateAxis {
        DateAxis {
            start_unix_ms: START,
            tz: crate::model::calendar::time_zone(zone).unwrap(),
            zone_name: zone.into(),
            from: 0,
            to: days * DAY,
            x0: 160,
            x1: 1116,
        }
    }

    fn site(k: usize, work_start: Option<i64>, end: Option<i64>) -> SiteRun {
        SiteRun {
            site: k,
            wave: 0,
            strategy: "s".into(),
            seed: 0,
            state: if end.is_some() {
                SiteState::Done
            } else {
                SiteState::NotStarted
            },
            run_start: None,
            work_start,
            end,
            metrics: None,
            work: Vec::new(),
            nights: Vec::new(),
            exposure: Vec::new(),
            down: Vec::new(),
            triggers: Vec::new(),
            serving_new: None,
            defective: false,
            version_defect: None,
            attempt: 1,
            user_minutes: 0.0,
            tries: 1,
        }
    }

    #[test]
    fn ticks_fall_on_local_midnights_with_short_dates() {
        // 46 days on 956 px: about 21 px a day, so weekly ticks on Mondays.
        let a = axis("UTC", 46);
        let ticks = a.ticks();
        let labels: Vec<&str> = ticks.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(&labels[..4], ["3 Mar", "10 Mar", "17 Mar", "24 Mar"]);
        assert!(ticks.iter().all(|(t, _)| t % (7 * DAY) == 0));
        // Five days: a tick a day.
        assert_eq!(axis("UTC", 5).ticks().len(), 6);
        // A year: months.
        let year: Vec<String> = axis("UTC", 365).ticks().into_iter().map(|t| t.1).collect();
        assert_eq!(year, ["May", "Jul", "Sep", "Nov", "Jan 2026", "Mar"]);
        // Paris: midnight is 23:00 UTC in winter, 22:00 UTC after 30 March.
        let paris = axis("Europe/Paris", 46).ticks();
        assert_eq!(paris[0].0, 7 * DAY - HOUR, "10 Mar 00:00 CET");
        assert_eq!(paris[0].1, "10 Mar");
        let apr = paris.iter().find(|t| t.1 == "31 Mar").unwrap();
        assert_eq!(apr.0, 28 * DAY - 2 * HOUR, "31 Mar 00:00 CEST");
    }

    #[test]
    fn stacked_columns_count_every_site_once_and_keep_short_outages() {
        let a = axis("UTC", 30);
        let cols = ((a.x1 - a.x0) / STACK_PX) as usize;
        let mut s = site(0, Some(5 * DAY), Some(7 * DAY));
        s.work = vec![(5 * DAY, 5 * DAY + HOUR)];
        s.exposure = vec![(5 * DAY + 60_000, 6 * DAY)];
        // A one-minute outage: far narrower than a column, still counted.
        s.down = vec![(5 * DAY + 120_000, 5 * DAY + 180_000)];
        let mut aborted = site(1, Some(10 * DAY), Some(11 * DAY));
        aborted.state = SiteState::Aborted;
        let idle = site(2, None, None);
        let columns = stack_columns(&a, cols, [&s, &aborted, &idle].into_iter(), a.to);
        assert_eq!(columns.len(), cols);
        assert!(columns.iter().all(|c| c.iter().sum::<u32>() == 3));
        let idx = |p: Phase| Phase::ALL.iter().position(|q| *q == p).unwrap();
        assert!(columns.iter().all(|c| c[idx(Phase::NotStarted)] == 1));
        assert!(columns.iter().any(|c| c[idx(Phase::Down)] == 1));
        assert!(columns.iter().any(|c| c[idx(Phase::Exposed)] == 1));
        assert_eq!(columns[0][idx(Phase::Waiting)], 2);
        let last = columns.last().unwrap();
        assert_eq!((last[idx(Phase::Done)], last[idx(Phase::Aborted)]), (1, 1));
    }

    #[test]
    fn the_stop_most_runs_share_is_found() {
        let mut agg = Aggregator::with_columns(COLUMNS.to_vec(), units(), None, vec!["p".into()], 0, &[]);
        let j = crate::fleet::table::index("stopped_at_wave").unwrap();
        for wave in [1, 2, 1, 0, 1] {
            let m = crate::fleet::table::CampaignMetrics {
                stopped_at_wave: wave,
                ..Default::default()
            };
            let v = m.values();
            assert_eq!(v[j], wave.to_string());
            agg.push(&[v]);
        }
        assert_eq!(stop_mode(&agg, 0), Some((1, 3)));
    }

    #[test]
    fn phases_are_told_apart() {
        let colors: Vec<RGBColor> = Phase::ALL.iter().map(|p| p.color()).collect();
        for (i, a) in colors.iter().enumerate() {
            for b in &colors[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert!(Phase::Down.rank() > Phase::Exposed.rank() && Phase::Exposed.rank() > Phase::Worked.rank());
        assert_eq!(merge(vec![(5, 9), (0, 3), (2, 4)]), vec![(0, 4), (5, 9)]);
        assert_eq!(day_month(jiff::civil::date(2025, 4, 1)), "1 Apr");
    }
}
