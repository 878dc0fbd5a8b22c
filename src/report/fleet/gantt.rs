//! The campaign's Gantt: one replication of one plan, a lane per site (or
//! per wave for a large fleet), the waves and bakes above the lanes.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use jiff::civil::Date;

use super::axis::{
    DEADLINE_COLOR, DateAxis, WaveMark, chart_end, day_month, deadline_mark, draw_deadline, midnight, wave_marks,
};
use crate::fleet::Fleet;
use crate::fleet::campaign::{CampaignRun, SiteRun, SiteState};
use crate::report::chart::{Chart, DrawResult, LEGEND_ROW_PX, font, hatch};
use crate::report::page::thousands;
use crate::time::MS_PER_DAY;

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

pub(super) const G_WIDTH: u32 = 1140;
const G_LEFT: i32 = 160;
pub(super) const G_RIGHT: i32 = 24;
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

/// A campaign's Gantt: one lane per site up to [`MAX_SITE_LANES`] sites,
/// else one lane per wave (consecutive waves share a lane beyond 20) with
/// the count of its sites in each phase over time.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fleet::axis::tests::axis;
    use crate::time::MS_PER_HOUR;

    const DAY: i64 = MS_PER_DAY as i64;
    const HOUR: i64 = MS_PER_HOUR as i64;

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
