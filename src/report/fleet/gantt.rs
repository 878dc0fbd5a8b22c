//! The campaign's Gantt: one replication of one plan, a lane per site (or
//! per wave for a large fleet), the waves and bakes above the lanes, the
//! stops across them. A site run twice (its first run on the version whose
//! defect was found, then the fixed version) keeps one lane: its first run,
//! the time it is back on the old version, then its second run.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use jiff::civil::Date;

use super::axis::{
    DEADLINE_COLOR, DateAxis, WaveMark, chart_end, day_month, deadline_mark, draw_deadline, fleet_day, midnight,
    wave_marks,
};
use crate::fleet::Fleet;
use crate::fleet::StopOn;
use crate::fleet::campaign::{CampaignRun, SiteRun, SiteState};
use crate::fleet::table::Outcome;
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
    /// It ran the new version, a defect showed, and it is back on the old
    /// version (until its second run, if any).
    Recovered,
}

impl Phase {
    /// Legend order (and the order of a stacked lane's counts).
    pub const ALL: [Phase; PHASES] = [
        Phase::Waiting,
        Phase::Between,
        Phase::Worked,
        Phase::Exposed,
        Phase::Down,
        Phase::Done,
        Phase::Aborted,
        Phase::NotStarted,
        Phase::Recovered,
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
            Phase::Recovered => RGBColor(240, 228, 66),
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
            Phase::Recovered => "back on the old version (the defect found)",
        }
    }

    /// Which state a site shows when it has several within one pixel
    /// column (higher wins).
    fn rank(self) -> u8 {
        match self {
            Phase::NotStarted => 0,
            Phase::Waiting => 1,
            Phase::Done => 2,
            Phase::Recovered => 3,
            Phase::Aborted => 4,
            Phase::Between => 5,
            Phase::Worked => 6,
            Phase::Exposed => 7,
            Phase::Down => 8,
        }
    }

    fn hatched(self) -> bool {
        matches!(self, Phase::Exposed | Phase::NotStarted)
    }
}

/// How many phases there are ([`Phase::ALL`]).
pub const PHASES: usize = 9;

/// The shade of a change freeze.
pub const FREEZE_COLOR: RGBColor = RGBColor(120, 120, 200);
/// The colour of the abort's mark, and of the stops' lines.
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
        /// The end of its last run (done or aborted), campaign ms.
        end: Option<i64>,
        /// Where a run of it was aborted (a cross each).
        aborts: Vec<i64>,
        /// Where its second run started (after the fix), if it had one.
        again: Option<i64>,
    },
    /// Many sites: per pixel column (of [`STACK_PX`] pixels), how many are
    /// in each phase ([`Phase::ALL`] order).
    Stack { columns: Vec<[u32; PHASES]> },
}

/// Pixels per column of a stacked lane.
pub const STACK_PX: i32 = 2;

/// A stop of the campaign, as the Gantt marks it: a line across the lanes.
#[derive(Clone, Debug, PartialEq)]
pub struct StopMark {
    /// When it fired, campaign ms.
    pub at: i64,
    /// `stopped: aborted, wave 2, 14 Apr`.
    pub label: String,
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
    /// The stops that fired (a resumed `defect_found`, then the stop in
    /// force at the end).
    pub stops: Vec<StopMark>,
    /// The wait for the fixed version: from the defect's discovery to the
    /// campaign's resumption, campaign ms.
    pub fix_wait: Option<(i64, i64)>,
    axis: DateAxis,
}

pub(super) const G_WIDTH: u32 = 1140;
const G_LEFT: i32 = 160;
pub(super) const G_RIGHT: i32 = 24;
/// The top of the lanes; with stops, room for their labels above.
const G_TOP: i32 = 132;
const G_TOP_STOPS: i32 = 154;
const LEGEND_COLS: usize = 3;

/// When a site's defect showed (its fall-back or restore began), if it did.
fn recovery_start(s: &SiteRun) -> Option<i64> {
    s.triggers
        .iter()
        .filter(|(_, why)| matches!(why, StopOn::DefectFound | StopOn::DefectEscaped))
        .map(|(t, _)| *t)
        .min()
}

/// What run `s` left behind once it ended at `end`, up to `until`: done,
/// aborted, or done until its defect showed and back on the old version
/// from then.
fn after_run(s: &SiteRun, end: i64, until: i64) -> Vec<(i64, i64, Phase)> {
    if until <= end {
        return Vec::new();
    }
    match s.state {
        SiteState::Aborted => vec![(end, until, Phase::Aborted)],
        SiteState::Recovered => {
            let t = recovery_start(s).unwrap_or(end).clamp(end, until);
            let mut out = Vec::new();
            if t > end {
                out.push((end, t, Phase::Done));
            }
            if until > t {
                out.push((t, until, Phase::Recovered));
            }
            out
        }
        SiteState::Done | SiteState::NotStarted => vec![(end, until, Phase::Done)],
    }
}

/// One site's lane, from its runs in time order (a first run on the
/// defective version, then its last).
struct SiteLane {
    /// The first run's first work and the last run's end.
    first_work: i64,
    last_end: i64,
    /// The runs' spans and what each left behind before the next, in
    /// drawing order (later on top).
    middle: Vec<(i64, i64, Phase)>,
    /// What the last run left behind, to the right edge.
    tail: Vec<(i64, i64, Phase)>,
    exposure: Vec<(i64, i64)>,
    aborts: Vec<i64>,
    again: Option<i64>,
}

/// The lane of a site run as `runs` (`None` when it never started).
fn site_lane(runs: &[&SiteRun], to: i64) -> Option<SiteLane> {
    let started: Vec<(&SiteRun, i64, i64)> = runs.iter().filter_map(|s| Some((*s, s.work_start?, s.end?))).collect();
    let (first, last) = (started.first()?, started.last()?);
    let mut middle = Vec::new();
    for (i, &(s, _, end)) in started.iter().enumerate().rev().skip(1).rev() {
        middle.extend(after_run(s, end, started[i + 1].1));
    }
    for &(s, ws, end) in &started {
        middle.push((ws, end, Phase::Between));
        middle.extend(s.work.iter().map(|&(a, b)| (a, b, Phase::Worked)));
    }
    for &(s, ..) in &started {
        middle.extend(s.down.iter().map(|&(a, b)| (a, b, Phase::Down)));
    }
    Some(SiteLane {
        first_work: first.1,
        last_end: last.2,
        tail: after_run(last.0, last.2, to),
        middle,
        exposure: started.iter().flat_map(|r| r.0.exposure.iter().copied()).collect(),
        aborts: started
            .iter()
            .filter(|r| r.0.state == SiteState::Aborted)
            .map(|r| r.2)
            .collect(),
        again: (started.len() > 1).then_some(last.1),
    })
}

/// The phases of a site's lane, full height, in drawing order (later on
/// top): waiting, what its last run left, its runs.
fn site_spans(lane: Option<&SiteLane>, to: i64) -> Vec<(i64, i64, Phase)> {
    let Some(l) = lane else {
        return vec![(0, to, Phase::NotStarted)];
    };
    let mut out = Vec::new();
    if l.first_work > 0 {
        out.push((0, l.first_work, Phase::Waiting));
    }
    out.extend(l.tail.iter().copied());
    out.extend(l.middle.iter().copied());
    out
}

/// Each site's runs in time order: its earlier run (if it was run again),
/// then its last.
fn runs_by_site<'a>(fleet: &Fleet, run: &'a CampaignRun) -> Vec<Vec<&'a SiteRun>> {
    let mut v: Vec<Vec<&SiteRun>> = vec![Vec::new(); fleet.sites.len()];
    for s in run.earlier.iter().chain(&run.sites) {
        if s.site < v.len() {
            v[s.site].push(s);
        }
    }
    v
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
    let m = &run.metrics;
    let title = match m.outcome {
        Outcome::Stopped => format!(
            "Plan {}: the campaign stopped at wave {} ({}) after {days:.1} days",
            p.name,
            m.stopped_at_wave,
            m.stop_cause.map_or("?", |c| c.word())
        ),
        Outcome::Done if run.resumed_at.is_some() => format!(
            "Plan {}: the campaign takes {days:.1} days, resumed after the version's defect",
            p.name
        ),
        Outcome::Done => format!("Plan {}: the campaign takes {days:.1} days", p.name),
        Outcome::Unfinished => format!(
            "Plan {}: the campaign ends after {days:.1} days with {} site{} not done",
            p.name,
            fleet.sites.len() as u64 - m.sites_done,
            if fleet.sites.len() as u64 - m.sites_done == 1 {
                ""
            } else {
                "s"
            }
        ),
    };
    let subtitle = format!(
        "replication 0 of runs.csv · {} sites in {} wave{} · at most {} per window · bake {}",
        fleet.sites.len(),
        p.waves.len(),
        if p.waves.len() == 1 { "" } else { "s" },
        p.max_sites_per_window,
        p.bake
    );
    let by_site = runs_by_site(fleet, run);
    let grouped = fleet.sites.len() > MAX_SITE_LANES;
    let mut lanes = Vec::new();
    if !grouped {
        for members in &p.waves {
            for &k in members {
                let Some(s) = by_site[k].last() else { continue };
                let mut name = fleet.sites[k].name.clone();
                if name.chars().count() > 20 {
                    name = name.chars().take(19).collect::<String>() + "…";
                }
                lanes.push(GanttLane {
                    name,
                    note: None,
                    sites: 1,
                    body: {
                        let lane = site_lane(&by_site[k], to);
                        LaneBody::Site {
                            state: s.state,
                            spans: site_spans(lane.as_ref(), to),
                            exposure: lane.as_ref().map_or(Vec::new(), |l| l.exposure.clone()),
                            end: s.end,
                            aborts: lane.as_ref().map_or(Vec::new(), |l| l.aborts.clone()),
                            again: lane.as_ref().and_then(|l| l.again),
                        }
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
            let columns = stack_columns(&axis, cols, members.iter().map(|&k| by_site[k].as_slice()), to);
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
    let stops = run
        .stops
        .iter()
        .map(|st| {
            let resumed = st.cause == StopOn::DefectFound && run.resumed_at.is_some_and(|r| r > st.at);
            let what = if resumed {
                "defect found, campaign held".to_string()
            } else {
                format!("stopped: {}", st.cause.word())
            };
            StopMark {
                at: st.at,
                label: format!("{what}, wave {}, {}", st.wave + 1, fleet_day(fleet, st.at)),
            }
        })
        .collect();
    let fix_wait = run.resumed_at.and_then(|r| {
        run.stops
            .iter()
            .filter(|st| st.cause == StopOn::DefectFound && st.at < r)
            .map(|st| (st.at, r))
            .next()
    });
    Gantt {
        title,
        subtitle,
        lanes,
        waves: wave_marks(fleet, plan, run),
        deadline: deadline_mark(fleet),
        grouped,
        freeze_notes: freeze_notes(fleet, &p.waves),
        stops,
        fix_wait,
        axis,
    }
}

/// Per column of [`STACK_PX`] pixels, the sites in each phase (each site
/// counted once, in the most telling phase it has within the column).
/// `sites` gives each site's runs in time order.
fn stack_columns<'a>(
    axis: &DateAxis,
    cols: usize,
    sites: impl Iterator<Item = &'a [&'a SiteRun]>,
    to: i64,
) -> Vec<[u32; PHASES]> {
    let col_of = |t: i64| -> usize {
        let x = axis.xf(t.clamp(axis.from, axis.to)) - axis.x0 as f64;
        ((x / STACK_PX as f64).floor().max(0.0) as usize).min(cols - 1)
    };
    let idx = |p: Phase| Phase::ALL.iter().position(|q| *q == p).unwrap_or(0);
    // Difference arrays for the long stretches (waiting before the first
    // work, what the last run left after the last change), direct counts
    // for the columns in between.
    let mut diff = vec![[0i64; PHASES]; cols + 1];
    let mut direct = vec![[0u32; PHASES]; cols];
    let mut scratch: Vec<Option<Phase>> = Vec::new();
    for runs in sites {
        let Some(l) = site_lane(runs, to) else {
            diff[0][idx(Phase::NotStarted)] += 1;
            diff[cols][idx(Phase::NotStarted)] -= 1;
            continue;
        };
        // The direct stretch: from the first work to the last change (an
        // outage or exposure may come after the last run's end).
        let last = l
            .middle
            .iter()
            .map(|s| s.1)
            .chain(l.exposure.iter().map(|e| e.1))
            .fold(l.last_end, i64::max)
            .max(l.first_work);
        let (c0, c1) = (col_of(l.first_work), col_of(last));
        diff[0][idx(Phase::Waiting)] += 1;
        diff[c0][idx(Phase::Waiting)] -= 1;
        // The tail past the direct stretch: each phase from its start (or
        // the column after the stretch) to the next one's.
        let starts: Vec<usize> = l.tail.iter().map(|t| col_of(t.0).max(c1 + 1)).collect();
        for (i, t) in l.tail.iter().enumerate() {
            let a = starts[i];
            let b = starts.get(i + 1).copied().unwrap_or(cols).min(cols);
            if a < b {
                diff[a][idx(t.2)] += 1;
                diff[b][idx(t.2)] -= 1;
            }
        }
        scratch.clear();
        scratch.resize(c1 - c0 + 1, None);
        let mut paint = |a: i64, b: i64, p: Phase| {
            let (ca, cb) = (col_of(a), col_of(b.max(a)));
            for c in ca.max(c0)..=cb.min(c1) {
                let cell = &mut scratch[c - c0];
                if cell.is_none_or(|q| p.rank() > q.rank()) {
                    *cell = Some(p);
                }
            }
        };
        for &(a, b, p) in l.tail.iter().chain(&l.middle) {
            paint(a, b, p);
        }
        for &(a, b) in &l.exposure {
            paint(a, b, Phase::Exposed);
        }
        for (i, p) in scratch.iter().enumerate() {
            direct[c0 + i][idx(p.unwrap_or(Phase::Between))] += 1;
        }
    }
    let mut run = [0i64; PHASES];
    (0..cols)
        .map(|c| {
            let mut out = direct[c];
            for j in 0..PHASES {
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
    /// A solid vertical line (a stop).
    Line(RGBColor),
    /// A short black bar across a lane (a second run's start).
    Tick,
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
            Mark::Line(c) => {
                area.draw(&PathElement::new(
                    vec![(cx + 13, cy - 9), (cx + 13, cy + 9)],
                    c.stroke_width(3),
                ))?;
            }
            Mark::Tick => {
                area.draw(&Rectangle::new([a, b], Phase::Between.color().filled()))?;
                area.draw(&Rectangle::new([(cx + 11, cy - 8), (cx + 15, cy + 8)], BLACK.filled()))?;
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
    fn top(&self) -> i32 {
        if self.stops.is_empty() { G_TOP } else { G_TOP_STOPS }
    }

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
        let mut seen = [false; PHASES];
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
        if self.fix_wait.is_some() {
            out.push((
                Mark::Hatched(Phase::Recovered.color()),
                "waiting for the fixed version (above the lanes)".into(),
            ));
        }
        if !self.stops.is_empty() {
            out.push((Mark::Line(ABORT_MARK), "a stop of the campaign".into()));
        }
        if self
            .lanes
            .iter()
            .any(|l| matches!(l.body, LaneBody::Site { again: Some(_), .. }))
        {
            out.push((Mark::Tick, "a site's second run (the fixed version)".into()));
        }
        if let Some((_, label)) = &self.deadline {
            out.push((Mark::Dashed(DEADLINE_COLOR), label.clone()));
        }
        out
    }

    fn lanes_bottom(&self) -> i32 {
        self.top() + self.lane_h() * self.lanes.len().max(1) as i32
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
        let top = self.top();
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
        let track = (top - 30, top - 14);
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
        // The wait for the fixed version: hatched on the track.
        if let Some((a, b)) = self.fix_wait {
            let (xa, xb) = (axis.x(a), axis.x(b).max(axis.x(a) + 2));
            let (ya, yb) = (track.0 + 3, track.1 - 3);
            area.draw(&Rectangle::new([(xa, ya), (xb, yb)], Phase::Recovered.color().filled()))?;
            hatch(area, xa, ya, xb, yb)?;
            let label = "fix";
            let tw = area.estimate_text_size(label, &TextStyle::from(font(12.0)))?.0 as i32;
            if xb - xa >= tw + 8 {
                area.draw(&Text::new(
                    label,
                    ((xa + xb) / 2, track.1 + 2),
                    TextStyle::from(font(12.0)).pos(Pos::new(HPos::Center, VPos::Top)),
                ))?;
            }
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
            let y = top + i as i32 * lane_h;
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
                    aborts,
                    again,
                    ..
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
                    // Back on the old version: said on the stretch when
                    // it has room.
                    for &(a, b, p) in spans {
                        if p != Phase::Recovered {
                            continue;
                        }
                        let (xa, xb) = (axis.x(a), axis.x(b));
                        let text = "back on the old version";
                        let tw = area.estimate_text_size(text, &TextStyle::from(font(12.0)))?.0 as i32;
                        if xb - xa >= tw + 12 {
                            area.draw(&left_mid(text, xa + 6, (ya + yb) / 2, 12.0))?;
                        }
                    }
                    // The second run's start: a black bar across the lane.
                    if let Some(t) = again {
                        let x = axis.x(*t);
                        area.draw(&Rectangle::new([(x - 2, ya - 1), (x + 2, yb + 1)], BLACK.filled()))?;
                    }
                    // A cross where a run was aborted.
                    for &e in aborts {
                        let xe = axis.x(e);
                        area.draw(&PathElement::new(
                            vec![(xe - 5, ya + 1), (xe + 5, yb - 1)],
                            ABORT_MARK.stroke_width(3),
                        ))?;
                        area.draw(&PathElement::new(
                            vec![(xe - 5, yb - 1), (xe + 5, ya + 1)],
                            ABORT_MARK.stroke_width(3),
                        ))?;
                    }
                    let note = match (state, aborts.last()) {
                        (SiteState::NotStarted, _) => Some((x0 + 6, "not started".to_string())),
                        (SiteState::Aborted, Some(e)) => Some((axis.x(*e) + 9, "aborted".to_string())),
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
                        Phase::Recovered,
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
                    vec![(x, top - 30), (x, bottom)],
                    RGBColor(60, 60, 60).stroke_width(1),
                ))?;
            }
        }
        // The stops: a line across the lanes, its words above the waves
        // (a second label below the first when they would meet).
        let mut label_end = i32::MIN;
        for st in &self.stops {
            let x = axis.x(st.at);
            let tw = area.estimate_text_size(&st.label, &TextStyle::from(font(13.0)))?.0 as i32;
            // On the line's right, or its left when it would pass the edge.
            let (start, anchor) = if x + 4 + tw <= x1 + G_RIGHT - 2 {
                (x + 4, HPos::Left)
            } else {
                (x - 4 - tw, HPos::Right)
            };
            let row = if start > label_end + 8 { 0 } else { 1 };
            let y = top - 84 + 16 * row;
            area.draw(&PathElement::new(
                vec![(x, y + 14), (x, bottom)],
                ABORT_MARK.stroke_width(2),
            ))?;
            let tx = if start == x + 4 { x + 4 } else { x - 4 };
            area.draw(&Text::new(
                st.label.clone(),
                (tx, y),
                TextStyle::from(font(13.0))
                    .color(&ABORT_MARK)
                    .pos(Pos::new(anchor, VPos::Top)),
            ))?;
            label_end = start + tw;
        }
        // The deadline.
        if let Some((t, label)) = &self.deadline {
            draw_deadline(area, axis.x(*t), label, top - 62, bottom, x1 + G_RIGHT - 2)?;
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
    use crate::fleet::StopOn;
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
            operator: Vec::new(),
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
        let sites = [vec![&s], vec![&aborted], vec![&idle]];
        let columns = stack_columns(&a, cols, sites.iter().map(|v| v.as_slice()), a.to);
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
    fn a_site_run_again_keeps_one_lane_back_on_the_old_version_between() {
        let a = axis("UTC", 30);
        // Its first run: done on day 3, the defect shows on day 5, back on
        // the old version until its second run on day 20.
        let mut first = site(0, Some(2 * DAY), Some(3 * DAY));
        first.state = SiteState::Recovered;
        first.triggers = vec![(5 * DAY, StopOn::DefectFound)];
        first.down = vec![(5 * DAY, 5 * DAY + HOUR)];
        let mut second = site(0, Some(20 * DAY), Some(21 * DAY));
        second.attempt = 2;
        let lane = site_lane(&[&first, &second], a.to).unwrap();
        assert_eq!(lane.again, Some(20 * DAY));
        let spans = site_spans(Some(&lane), a.to);
        assert!(spans.contains(&(0, 2 * DAY, Phase::Waiting)));
        assert!(spans.contains(&(3 * DAY, 5 * DAY, Phase::Done)), "{spans:?}");
        assert!(spans.contains(&(5 * DAY, 20 * DAY, Phase::Recovered)), "{spans:?}");
        assert!(spans.contains(&(21 * DAY, a.to, Phase::Done)), "{spans:?}");
        // The outage of the restore is drawn over what the run left.
        let down = spans.iter().position(|s| s.2 == Phase::Down).unwrap();
        let back = spans.iter().position(|s| s.2 == Phase::Recovered).unwrap();
        assert!(down > back);
        // Never run again: back on the old version to the right edge.
        let lane = site_lane(&[&first], a.to).unwrap();
        assert_eq!(lane.again, None);
        assert_eq!(lane.tail.last(), Some(&(5 * DAY, a.to, Phase::Recovered)));
        // Stacked: the site counted once a column, back on the old
        // version between its runs, done after the second.
        let cols = ((a.x1 - a.x0) / STACK_PX) as usize;
        let sites = [vec![&first, &second]];
        let columns = stack_columns(&a, cols, sites.iter().map(|v| v.as_slice()), a.to);
        assert!(columns.iter().all(|c| c.iter().sum::<u32>() == 1));
        let idx = |p: Phase| Phase::ALL.iter().position(|q| *q == p).unwrap();
        let at = |t: i64| columns[((a.xf(t) - a.x0 as f64) / STACK_PX as f64) as usize];
        assert_eq!(at(10 * DAY)[idx(Phase::Recovered)], 1);
        assert_eq!(at(25 * DAY)[idx(Phase::Done)], 1);
        assert_eq!(at(DAY)[idx(Phase::Waiting)], 1);
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
