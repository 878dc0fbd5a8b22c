//! The timeline of one run: the runbook steps as numbered bars, a lane per
//! node coloured by state (the faults in colours of their own: a failed
//! upgrade waiting for support, a rollback, a crash), the failover
//! relationship, maintenance windows, and below them the active sessions and
//! failed connects on the same time axis, labelled with the day of the run
//! and the local time.
//!
//! Long quiet stretches (an interim period of days, most of the warm-up) are
//! cut out of the axis and shown as a narrow break labelled with their
//! length, so that two windows days apart both stay readable. Only truly
//! quiet stretches are cut: never one that holds a fault (the whole of a
//! failed, support-wait, rollback or site-down span), a window's opening or
//! closing, a step's start or end, or any change of state.

use crate::report::chart::hatch;
use std::collections::BTreeMap;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::chart::{Chart, DrawResult, STATES, WINDOW_COLOR, fmt_metric, fmt_number, font, state_color};
use crate::model::calendar::{LocalTime, WEEKDAYS};
use crate::model::site::NodeClass;
use crate::scenario::Scenario;
use crate::sim::events::{Event, NodeStatus};
use crate::sim::{RunOutput, SeriesPoint};
use crate::time::{MS_PER_DAY, MS_PER_HOUR, MS_PER_MIN};

/// A stretch of one state.
#[derive(Clone, Debug, PartialEq)]
pub struct Span {
    pub from: u64,
    pub to: u64,
    pub state: String,
}

/// One lane: a node, or a region's nodes together.
#[derive(Clone, Debug, PartialEq)]
pub struct Lane {
    pub name: String,
    /// The region, for traffic nodes.
    pub group: Option<String>,
    pub spans: Vec<Span>,
}

/// One runbook step as drawn: a bar from its start to its end.
#[derive(Clone, Debug, PartialEq)]
pub struct StepBar {
    /// When it started (`step_start`).
    pub from: u64,
    /// When its own work began: later than `from` when it first waited (a
    /// pod's cutover for its slot, a step for an operator's shift). The
    /// wait is drawn thin, the work as a bar.
    pub work: u64,
    /// When it ended: its `step_done`, else the next step's start, the
    /// procedure's abort, or the end of the run.
    pub to: u64,
    /// What it does (`upgrade A`).
    pub label: String,
}

/// A fault injected by the scenario (`[[faults.inject]]`), marked where
/// and when it struck.
#[derive(Clone, Debug, PartialEq)]
pub struct Mark {
    /// When (ms since the calendar start).
    pub at: u64,
    /// The lane of the node it struck (its index in `lanes`), or `None`
    /// for a fault of the runbook (a precheck, a defect): marked on the
    /// steps' row.
    pub lane: Option<usize>,
    /// What it was (`crash of B`).
    pub label: String,
}

/// Everything the timeline shows (times in ms since the calendar start).
#[derive(Clone, Debug, PartialEq)]
pub struct Timeline {
    pub title: String,
    pub lanes: Vec<Lane>,
    pub relationship: Vec<Span>,
    pub windows: Vec<(u64, u64)>,
    pub steps: Vec<StepBar>,
    /// The injected faults, in time order.
    pub marks: Vec<Mark>,
    pub series: Vec<SeriesPoint>,
    pub from: u64,
    pub to: u64,
    pub offset_ms: u64,
    /// The site's local time: day labels are dates in its zone when the
    /// calendar has a `start`.
    pub local: LocalTime,
}

/// Lanes beyond which traffic nodes are shown one lane per region (and
/// beyond which regions are shown as one lane of all traffic nodes).
const MAX_NODE_LANES: usize = 48;
/// Quiet stretches longer than this are cut out of the axis.
const BREAK_AFTER: u64 = 3 * MS_PER_HOUR;

/// The states of a fault: a crash, a failed upgrade waiting for support, a
/// rollback, and the site down. The axis never cuts into them.
pub const FAULT_STATES: [&str; 4] = ["failed", "awaiting_support", "rolling_back", "down"];

/// How bad a node's state is, for a lane of many nodes (the worst shows).
fn severity(state: NodeStatus) -> u8 {
    match state {
        NodeStatus::Failed => 7,
        NodeStatus::AwaitingSupport => 6,
        NodeStatus::RollingBack => 5,
        NodeStatus::Upgrading => 4,
        NodeStatus::Draining => 3,
        NodeStatus::Offline => 2,
        NodeStatus::Backup => 1,
        NodeStatus::Serving => 0,
    }
}

fn spans_of(changes: &[(u64, String)], end: u64) -> Vec<Span> {
    let mut out: Vec<Span> = Vec::new();
    for (i, (t, st)) in changes.iter().enumerate() {
        let to = changes.get(i + 1).map_or(end, |c| c.0);
        if to > *t {
            out.push(Span {
                from: *t,
                to,
                state: st.clone(),
            });
        }
    }
    out
}

impl Timeline {
    /// Builds the timeline of a run from its event log and series.
    pub fn from_run(sc: &Scenario, strategy: &str, seed: u64, out: &RunOutput) -> Timeline {
        let log = &out.events;
        let end = log.records().last().map_or(out.metrics.span_ms, |e| e.time.0);
        let start = end.saturating_sub(out.metrics.span_ms);
        let proc_start = out.metrics.procedure_start_ms;
        let from = proc_start.saturating_sub(MS_PER_HOUR).max(start);
        // First lane: can a fresh client connect? The run's own spans.
        let mut site: Vec<(u64, String)> = vec![(start, "serving".into())];
        for &(a, b) in &out.spans.down {
            site.push((a.0, "down".into()));
            site.push((b.0, "serving".into()));
        }
        let mut lanes: Vec<Lane> = vec![Lane {
            name: "site".into(),
            group: None,
            spans: spans_of(&site, end),
        }];
        let traffic_nodes = sc
            .site
            .nodes
            .iter()
            .filter(|n| matches!(n.class, NodeClass::Traffic { .. }))
            .count();
        let aggregate = traffic_nodes + 2 > MAX_NODE_LANES;
        // Every node's state changes, in log order: one pass over the log,
        // whatever the number of nodes.
        let mut by_node: Vec<Vec<(u64, NodeStatus)>> = vec![Vec::new(); sc.site.nodes.len()];
        for e in log.iter() {
            if let Event::State { node, state } = e.event
                && let Some(changes) = by_node.get_mut(node)
            {
                changes.push((e.time.0, state));
            }
        }
        for (id, info) in sc.site.nodes.iter().enumerate() {
            let changes: Vec<(u64, String)> = by_node[id]
                .iter()
                .map(|(t, state)| (*t, state.name().to_string()))
                .collect();
            match info.class {
                NodeClass::Traffic { .. } if aggregate => {}
                NodeClass::Traffic { region, .. } => lanes.push(Lane {
                    name: info.name.clone(),
                    group: Some(sc.site.regions[region].name.clone()),
                    spans: spans_of(&changes, end),
                }),
                _ => lanes.push(Lane {
                    name: info.name.clone(),
                    group: None,
                    spans: spans_of(&changes, end),
                }),
            }
        }
        if aggregate {
            // One lane per region: at each instant, the worst state among its
            // nodes; with more regions than lanes, one lane for them all.
            let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
            if sc.site.regions.len() + 2 > MAX_NODE_LANES {
                let ids: Vec<usize> = sc
                    .site
                    .nodes
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| matches!(n.class, NodeClass::Traffic { .. }))
                    .map(|(id, _)| id)
                    .collect();
                groups.push(("traffic".to_string(), ids));
            } else {
                let mut by_region: Vec<Vec<usize>> = vec![Vec::new(); sc.site.regions.len()];
                for (id, n) in sc.site.nodes.iter().enumerate() {
                    if let NodeClass::Traffic { region, .. } = n.class {
                        by_region[region].push(id);
                    }
                }
                for (region, names) in sc.site.regions.iter().zip(by_region) {
                    groups.push((region.name.clone(), names));
                }
            }
            for (group, names) in groups {
                // The region's changes in time order (stable: each node's own
                // order kept), applied instant by instant to a count of nodes
                // per state; the lane shows the worst state held by any node.
                // Linear in the changes, not changes × nodes.
                let mut ch: Vec<(u64, usize, NodeStatus)> = names
                    .iter()
                    .enumerate()
                    .flat_map(|(k, n)| by_node[*n].iter().map(move |(time, st)| (*time, k, *st)))
                    .collect();
                ch.sort_by_key(|c| c.0);
                let key = |st: NodeStatus| (severity(st), st.name());
                let mut current: Vec<NodeStatus> = vec![NodeStatus::Serving; names.len()];
                let mut held: BTreeMap<(u8, &str), usize> = BTreeMap::new();
                if !names.is_empty() {
                    held.insert(key(NodeStatus::Serving), names.len());
                }
                let mut changes = Vec::new();
                let mut i = 0;
                while i < ch.len() {
                    let t = ch[i].0;
                    while i < ch.len() && ch[i].0 == t {
                        let (_, k, st) = ch[i];
                        let old = key(current[k]);
                        if let Some(c) = held.get_mut(&old) {
                            *c -= 1;
                            if *c == 0 {
                                held.remove(&old);
                            }
                        }
                        *held.entry(key(st)).or_insert(0) += 1;
                        current[k] = st;
                        i += 1;
                    }
                    let worst = held.keys().next_back().map(|(_, s)| s.to_string()).unwrap_or_default();
                    if changes.last().is_none_or(|(_, s): &(u64, String)| *s != worst) {
                        changes.push((t, worst));
                    }
                }
                lanes.push(Lane {
                    name: format!("{group} ({} nodes)", names.len()),
                    group: Some(group),
                    spans: spans_of(&changes, end),
                });
            }
        }
        // The relationship: not working over the run's exposure spans;
        // otherwise syncing while a sync that began with it working runs.
        let mut relationship = Vec::new();
        if sc.site.has_backup() {
            let exposed = |t: u64| out.spans.exposure.iter().any(|(a, b)| a.0 <= t && t < b.0);
            // Instants where the state may change, with whether a sync runs
            // from then on (the last event at an instant decides).
            let mut marks: Vec<(u64, Option<bool>)> = Vec::new();
            for e in log.iter() {
                let t = e.time.0;
                let syncing = match e.event {
                    Event::SyncStart { .. } => !exposed(t),
                    Event::SyncDone { .. } | Event::SyncFailed => false,
                    _ => continue,
                };
                marks.push((t, Some(syncing)));
            }
            for &(a, b) in &out.spans.exposure {
                // A sync under way when the relationship breaks is over.
                marks.push((a.0, Some(false)));
                marks.push((b.0, None));
            }
            marks.sort_by_key(|m| m.0);
            let mut changes: Vec<(u64, String)> = vec![(start, "working".into())];
            let mut syncing = false;
            for (i, &(t, s)) in marks.iter().enumerate() {
                if let Some(s) = s {
                    syncing = s;
                }
                if marks.get(i + 1).is_some_and(|m| m.0 == t) {
                    continue;
                }
                let state = if exposed(t) {
                    "not working"
                } else if syncing {
                    "syncing"
                } else {
                    "working"
                };
                if changes.last().is_some_and(|c| c.1 != state) {
                    changes.push((t, state.into()));
                }
            }
            relationship = spans_of(&changes, end);
        }
        let mut windows = Vec::new();
        let mut open = None;
        for e in log.iter() {
            match e.event {
                Event::WindowOpen => open = Some(e.time.0),
                Event::WindowClose => {
                    windows.push((open.unwrap_or(start), e.time.0));
                    open = None;
                }
                _ => {}
            }
        }
        if let Some(o) = open {
            windows.push((o, end));
        }
        if sc.site.kind.scheduled_by_service()
            && let Some(at) = out.metrics.scheduled_at_ms
        {
            windows.push((at, at + sc.pod.allotment.0));
        }
        // Steps: from their start to their end; the work of a step that
        // waited first (a pod's cutover for its slot, a step for an
        // operator on shift) begins when the wait ends.
        let mut steps: Vec<StepBar> = Vec::new();
        let mut open: Option<StepBar> = None;
        for e in log.iter() {
            let t = e.time.0;
            let label = match e.event {
                Event::StepStart { step } => Some(log.describe_step(step)),
                Event::RecoveryStepStart { step, .. } => {
                    Some(format!("recovery: {}", step.describe_with(|n| log.node_name(n))))
                }
                _ => None,
            };
            if let Some(label) = label {
                steps.extend(open.take().map(|s| StepBar { to: t, ..s }));
                open = Some(StepBar {
                    from: t,
                    work: t,
                    to: t,
                    label,
                });
                continue;
            }
            match e.event {
                Event::StepDone { .. }
                | Event::RecoveryStepDone { .. }
                | Event::Aborted { .. }
                | Event::ProcedureDone
                | Event::End => {
                    steps.extend(open.take().map(|s| StepBar { to: t, ..s }));
                }
                Event::MaintenanceStarted { .. } => {
                    if let Some(s) = open.as_mut()
                        && s.work == s.from
                    {
                        s.work = t;
                    }
                }
                Event::WaitingForOperator { until, .. } => {
                    if let Some(s) = open.as_mut()
                        && s.work == s.from
                        && t == s.from
                    {
                        s.work = until.0;
                    }
                }
                _ => {}
            }
        }
        steps.extend(open.take().map(|s| StepBar { to: end, ..s }));
        for s in &mut steps {
            s.to = s.to.max(s.from);
            s.work = s.work.clamp(s.from, s.to);
        }
        // Injected faults that struck, on their node's lane.
        let marks = log
            .iter()
            .filter_map(|e| match e.event {
                Event::Injected {
                    what, applied: true, ..
                } => {
                    use crate::scenario::inject::Injected as F;
                    let on = |verb: &str, node: usize| {
                        let name = log.node_name(node).to_string();
                        (Some(name.clone()), format!("{verb} of {name}"))
                    };
                    let (lane, label) = match what {
                        F::Crash(n) => on("crash", n),
                        F::FailUpgrade(n) => on("failed upgrade", n),
                        F::FailPrecheck => (None, "failed precheck".to_string()),
                        F::Defect => (None, "latent defect".to_string()),
                    };
                    Some(Mark {
                        at: e.time.0,
                        lane: lane.and_then(|name| lanes.iter().position(|l| l.name == name)),
                        label,
                    })
                }
                _ => None,
            })
            .collect();
        Timeline {
            title: format!("{} / {strategy}, seed {seed}", sc.name),
            lanes,
            relationship,
            windows,
            steps,
            marks,
            series: out.series.clone(),
            from,
            to: end.max(from + 1),
            offset_ms: sc.calendar.start_offset_ms,
            local: sc.calendar.local_time(),
        }
    }

    /// What the axis keeps, padded by `pad` around each instant: the
    /// instants that matter (every step's start, end and the start of its
    /// work, every state change, the relationship's breaks and repairs but
    /// not the periodic syncs, every window's opening and closing up to the
    /// end of the last step) and the whole of every fault
    /// ([`FAULT_STATES`]). Stretches between them are quiet: the windows
    /// and syncs that recur after the procedure (a cool-down of years) do
    /// not keep them apart.
    fn kept(&self, pad: u64) -> Vec<(u64, u64)> {
        let mut instants: Vec<u64> = Vec::new();
        let mut whole: Vec<(u64, u64)> = Vec::new();
        for s in &self.steps {
            instants.extend([s.from, s.work, s.to]);
        }
        for lane in &self.lanes {
            for s in &lane.spans {
                instants.extend([s.from, s.to]);
                if FAULT_STATES.contains(&s.state.as_str()) {
                    whole.push((s.from, s.to));
                }
            }
        }
        // The relationship's changes into and out of not working: a sync
        // and the working time after it recur every few minutes.
        instants.extend(
            self.relationship
                .windows(2)
                .filter(|w| w[0].state == "not working" || w[1].state == "not working")
                .map(|w| w[1].from),
        );
        let last_step = self.steps.iter().map(|s| s.to).max().unwrap_or(self.to);
        for &(a, b) in &self.windows {
            if a <= last_step {
                instants.extend([a, b]);
            }
        }
        instants.extend(self.marks.iter().map(|m| m.at));
        instants.extend([self.from, self.to]);
        let mut kept: Vec<(u64, u64)> = instants
            .into_iter()
            .map(|k| (k, k))
            .chain(whole)
            .filter(|(a, b)| *b >= self.from && *a <= self.to)
            .map(|(a, b)| (a.saturating_sub(pad).max(self.from), (b + pad).min(self.to)))
            .collect();
        kept.sort_unstable();
        kept.dedup();
        kept
    }

    /// The day of the run and the local time of `t`: `(day, weekday and
    /// date, HH:MM)`. Day 0 is the calendar start's day; a day starts at
    /// local midnight (in the scenario's zone when it has one, else UTC).
    fn day_and_time(&self, t: u64) -> (i64, String, String) {
        match &self.local.clock {
            Some(c) => {
                let dt = c.local(t as i64);
                let d0 = c.local(0).date();
                let day = epoch_day(dt.year(), dt.month(), dt.day()) - epoch_day(d0.year(), d0.month(), d0.day());
                let wd = WEEKDAYS[dt.weekday().to_monday_zero_offset() as usize];
                (
                    day,
                    format!("{wd} {} {}", dt.day(), MONTHS[(dt.month() - 1) as usize]),
                    format!("{:02}:{:02}", dt.hour(), dt.minute()),
                )
            }
            None => {
                let abs = t + self.offset_ms;
                let day = (abs / MS_PER_DAY) as i64 - (self.offset_ms / MS_PER_DAY) as i64;
                (
                    day,
                    WEEKDAYS[((abs / MS_PER_DAY) % 7) as usize].to_string(),
                    format!(
                        "{:02}:{:02}",
                        (abs % MS_PER_DAY) / MS_PER_HOUR,
                        (abs % MS_PER_HOUR) / MS_PER_MIN
                    ),
                )
            }
        }
    }

    /// The instant `t` as the axis and the step legend write it, with the
    /// day of the run: `day 12 · sat 02:00` (`day 3 · tue 4 Mar 22:00` with
    /// a dated calendar, in its zone).
    pub fn day_label(&self, t: u64) -> String {
        let (day, date, time) = self.day_and_time(t);
        format!("day {day} · {date} {time}")
    }

    /// Where the time axis draws instant `t`, in pixels from the left.
    pub fn x_of(&self, t: u64) -> f64 {
        Axis::new(self, LEFT as f64, (WIDTH as i32 - RIGHT) as f64).x(t)
    }
}

/// Month abbreviations, January first.
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar.
fn epoch_day(year: i16, month: i8, day: i8) -> i64 {
    let (y, m, d) = (i64::from(year), i64::from(month), i64::from(day));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A piecewise-linear time axis with cut-out quiet stretches.
struct Axis {
    /// (from, to, x0, x1, is_break)
    pieces: Vec<(u64, u64, f64, f64, bool)>,
}

const BREAK_PX: f64 = 40.0;
/// The most quiet stretches cut out of one axis: their breaks take at most
/// about half its width.
const MAX_BREAKS: usize = 12;

impl Axis {
    fn new(t: &Timeline, x0: f64, x1: f64) -> Axis {
        let span = t.to - t.from;
        let pad = (span / 100).clamp(10 * MS_PER_MIN, MS_PER_HOUR);
        // Busy stretches: what the axis keeps, joined across gaps too short
        // to cut.
        let mut busy: Vec<(u64, u64)> = Vec::new();
        for (a, b) in t.kept(pad) {
            match busy.last_mut() {
                Some(last) if a <= last.1 + BREAK_AFTER => last.1 = last.1.max(b),
                _ => busy.push((a, b)),
            }
        }
        if busy.is_empty() {
            busy.push((t.from, t.to));
        }
        // A quiet stretch is cut only when the axis gains by it: when it
        // would be wider uncut than its break. Of those, at most
        // MAX_BREAKS, the longest (the earliest of equals). A run of years
        // with a window every few days has a thousand quiet stretches of a
        // few days, each narrower than a pixel: none is cut.
        if busy.len() > 1 {
            let px_per_ms = (x1 - x0) / span.max(1) as f64;
            let mut gaps: Vec<(u64, usize)> = busy
                .windows(2)
                .enumerate()
                .map(|(i, w)| (w[1].0 - w[0].1, i))
                .filter(|(gap, _)| *gap as f64 * px_per_ms > BREAK_PX)
                .collect();
            gaps.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            let mut cut = vec![false; busy.len()];
            for &(_, i) in gaps.iter().take(MAX_BREAKS) {
                cut[i] = true;
            }
            let mut merged: Vec<(u64, u64)> = Vec::new();
            for (i, &(a, b)) in busy.iter().enumerate() {
                match merged.last_mut() {
                    Some(last) if !cut[i - 1] => last.1 = b,
                    _ => merged.push((a, b)),
                }
            }
            busy = merged;
        }
        busy[0].0 = t.from;
        if let Some(last) = busy.last_mut() {
            last.1 = t.to;
        }
        let breaks = busy.len() - 1;
        let width = (x1 - x0 - breaks as f64 * BREAK_PX).max(10.0);
        let total: u64 = busy.iter().map(|(a, b)| b - a).sum::<u64>().max(1);
        let mut pieces = Vec::new();
        let mut x = x0;
        for (i, (a, b)) in busy.iter().enumerate() {
            let w = width * (b - a) as f64 / total as f64;
            pieces.push((*a, *b, x, x + w, false));
            x += w;
            if let Some(next) = busy.get(i + 1) {
                pieces.push((*b, next.0, x, x + BREAK_PX, true));
                x += BREAK_PX;
            }
        }
        Axis { pieces }
    }

    fn x(&self, t: u64) -> f64 {
        // The first piece that ends at or after `t` (the pieces are in time
        // order): a binary search, as the timeline asks for every span.
        let i = self.pieces.partition_point(|p| p.1 < t);
        match self.pieces.get(i) {
            Some((a, b, x0, x1, _)) => {
                let f = if b > a {
                    (t.max(*a) - a) as f64 / (b - a) as f64
                } else {
                    0.0
                };
                x0 + f * (x1 - x0)
            }
            None => self.pieces.last().map_or(0.0, |p| p.3),
        }
    }
}

/// Rectangles painted in order along the time axis, as the pixel columns
/// show them: runs `[x0, x1)` of columns in one kind, at most one run per
/// column. Each item `(xa, xb, kind, salient)` covers the columns from
/// `xa` to `xb` (one at least), and a later item paints over an earlier
/// one, as rectangles drawn in that order would, except that a salient
/// item (a fault) is never painted over by one that is not: a crash of a
/// minute still shows on an axis of years. However many items there are,
/// what is drawn stays within one rectangle per column, so a run's chart
/// does not grow with its length.
fn pixel_runs<T: Copy + PartialEq>(items: impl IntoIterator<Item = (i32, i32, T, bool)>) -> Vec<(i32, i32, T)> {
    let width = WIDTH as i32;
    let mut cols: Vec<Option<(T, bool)>> = vec![None; WIDTH as usize];
    for (xa, xb, kind, salient) in items {
        let xb = xb.max(xa + 1);
        for x in xa.clamp(0, width)..xb.clamp(0, width) {
            let c = &mut cols[x as usize];
            if salient || !c.is_some_and(|(_, s)| s) {
                *c = Some((kind, salient));
            }
        }
    }
    let mut runs: Vec<(i32, i32, T)> = Vec::new();
    for (x, c) in cols.into_iter().enumerate() {
        let x = x as i32;
        match (c, runs.last_mut()) {
            (Some((k, _)), Some(last)) if last.1 == x && last.2 == k => last.1 = x + 1,
            (Some((k, _)), _) => runs.push((x, x + 1, k)),
            (None, _) => {}
        }
    }
    runs
}

/// Whether a lane's state is a fault the chart must not lose at any scale:
/// [`FAULT_STATES`], or a failover not working.
fn salient(state: &str) -> bool {
    state == "not working" || FAULT_STATES.contains(&state)
}

/// A length of time on a lane: `40 min`, `2.5 h`.
fn fmt_len(ms: u64) -> String {
    if ms < MS_PER_HOUR {
        format!("{} min", fmt_number(ms as f64 / MS_PER_MIN as f64))
    } else {
        format!("{} h", fmt_number(ms as f64 / MS_PER_HOUR as f64))
    }
}

/// The width of `s` in pixels at `px` (none when it cannot be measured).
fn text_width(s: &str, px: f64) -> Option<f64> {
    super::chart::register_font();
    font(px).box_size(s).ok().map(|(w, _)| f64::from(w))
}

/// Left edge of the time axis (lane names to its left).
const LEFT: i32 = 130;
/// Margin right of the time axis.
const RIGHT: i32 = 16;
/// The timeline's width: the report's column, so that the report shows its
/// text at the size drawn.
const WIDTH: u32 = 1140;
/// Top of the first lane (the title, the step numbers and the steps' bars
/// above it).
const TOP: i32 = 100;
/// Height of the row of the steps' bars, and its gap to the first lane.
const STEPS_H: i32 = 14;
const STEPS_GAP: i32 = 6;
/// Columns of the states' legend under the chart.
const LEGEND_COLS: usize = 3;
/// Columns and rows of the runbook steps' legend under the chart.
const STEP_COLS: usize = 2;
const MAX_STEP_ROWS: usize = 20;
const STEP_ROW_PX: i32 = 19;
/// An injected fault's mark.
const MARK_COLOR: RGBColor = RGBColor(200, 20, 20);
/// The steps' bars, alternately dark and light so that neighbours part.
const STEP_COLORS: [RGBColor; 2] = [RGBColor(80, 80, 80), RGBColor(150, 150, 150)];

/// Where the parts of a timeline go, in pixels from the top.
#[derive(Clone, Copy, Debug)]
struct Layout {
    sessions_top: i32,
    failed_top: i32,
    bottom: i32,
    legend_top: i32,
    steps_top: i32,
    height: i32,
}

/// A cut-out quiet stretch as drawn: its times and its place on the axis.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cut {
    /// First and last instant cut out (ms since the calendar start).
    pub from: u64,
    pub to: u64,
    /// Left and right edge of the break drawn in its place (pixels).
    pub x0: f64,
    pub x1: f64,
}

impl Cut {
    /// Its label: the length cut out, in the unit people would use
    /// (`45.4 h cut out`, `6.2 days cut out`, `10 years cut out`).
    pub fn label(&self) -> String {
        format!(
            "{} cut out",
            crate::report::sensitivity::duration_words((self.to - self.from) as f64)
        )
    }
}

/// A label written on a lane, on the segment it describes, as drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct LaneLabel {
    /// The lane: an index into [`Timeline::lanes`]; one past the last is
    /// the failover lane.
    pub row: usize,
    /// The segment it describes: its state and times.
    pub state: String,
    pub from: u64,
    pub to: u64,
    /// The words (`no failover 1.5 h`, `awaiting support 2.5 h`).
    pub text: String,
    /// Left and right edge of the words, inside the segment (pixels).
    pub x0: f64,
    pub x1: f64,
}

/// The parts of `[xa, xb]` not inside a break, widest first.
fn visible(axis: &Axis, xa: f64, xb: f64) -> Vec<(f64, f64)> {
    let mut parts = vec![(xa, xb)];
    for (_, _, c0, c1, is_break) in &axis.pieces {
        if !is_break {
            continue;
        }
        parts = parts
            .into_iter()
            .flat_map(|(a, b)| {
                if *c1 <= a || *c0 >= b {
                    vec![(a, b)]
                } else {
                    [(a, c0.max(a)), (c1.min(b), b)]
                        .into_iter()
                        .filter(|(a, b)| b > a)
                        .collect()
                }
            })
            .collect();
    }
    parts.sort_by(|p, q| (q.1 - q.0).total_cmp(&(p.1 - p.0)).then(p.0.total_cmp(&q.0)));
    parts
}

impl Timeline {
    fn lane_h(&self) -> i32 {
        if self.lanes.len() > 20 { 16 } else { 24 }
    }

    /// The states the legend lists: the relationship's only when drawn.
    fn legend_states(&self) -> Vec<(&'static str, &'static str, RGBColor)> {
        STATES
            .iter()
            .filter(|s| !self.relationship.is_empty() || !matches!(s.0, "working" | "syncing" | "not working"))
            .copied()
            .collect()
    }

    fn layout(&self) -> Layout {
        let lanes = (self.lanes.len() as i32 + i32::from(!self.relationship.is_empty())) * self.lane_h();
        let lanes_bottom = TOP + lanes;
        let sessions_top = lanes_bottom + 50;
        let failed_top = sessions_top + 170;
        let bottom = failed_top + 120;
        let legend_top = bottom + 64;
        let state_rows = self.legend_states().len().div_ceil(LEGEND_COLS) as i32;
        let mark_rows = i32::from(!self.marks.is_empty());
        let steps_top = legend_top + 26 + (state_rows + mark_rows) * 21 + 16;
        let step_rows = self.steps.len().div_ceil(STEP_COLS).min(MAX_STEP_ROWS) as i32;
        let height = steps_top + 26 + step_rows * STEP_ROW_PX + 12;
        Layout {
            sessions_top,
            failed_top,
            bottom,
            legend_top,
            steps_top,
            height,
        }
    }

    fn axis(&self) -> Axis {
        Axis::new(self, LEFT as f64, (WIDTH as i32 - RIGHT) as f64)
    }

    /// The quiet stretches cut out of the time axis, as drawn.
    pub fn cuts(&self) -> Vec<Cut> {
        self.axis()
            .pieces
            .iter()
            .filter(|p| p.4)
            .map(|p| Cut {
                from: p.0,
                to: p.1,
                x0: p.2,
                x1: p.3,
            })
            .collect()
    }

    /// The size of the words written on the lanes.
    fn label_px(&self) -> f64 {
        if self.lane_h() > 18 { 13.0 } else { 12.0 }
    }

    /// The labels written on the lanes, each on the segment it describes:
    /// the length of every stretch without a working failover (in the
    /// exposure's unit) and of every fault on a node (support wait,
    /// rollback, crash) or the site (down). A label goes on the widest part
    /// of its segment the breaks leave, shortened to the length alone when
    /// the words do not fit, and left out when that does not fit either:
    /// never on another segment.
    pub fn lane_labels(&self) -> Vec<LaneLabel> {
        let axis = self.axis();
        let size = self.label_px();
        let mut out = Vec::new();
        let rows = self
            .lanes
            .iter()
            .map(|l| &l.spans)
            .chain(std::iter::once(&self.relationship));
        for (row, spans) in rows.enumerate() {
            for s in spans {
                if s.to <= self.from || s.to <= s.from {
                    continue;
                }
                let from = s.from.max(self.from);
                let len = s.to - from;
                let words = match s.state.as_str() {
                    "not working" => {
                        let v = fmt_metric("exposure_s", len as f64 / 1000.0);
                        [format!("no failover {v}"), v]
                    }
                    "awaiting_support" => [format!("awaiting support {}", fmt_len(len)), fmt_len(len)],
                    "rolling_back" => [format!("rolling back {}", fmt_len(len)), fmt_len(len)],
                    "failed" => [format!("crashed {}", fmt_len(len)), fmt_len(len)],
                    "down" => [format!("down {}", fmt_len(len)), fmt_len(len)],
                    _ => continue,
                };
                // Too narrow for any words: not measured (a run of years
                // holds thousands of such segments).
                if axis.x(s.to) - axis.x(from) <= 12.0 {
                    continue;
                }
                let Some(&(a, b)) = visible(&axis, axis.x(from), axis.x(s.to)).first() else {
                    continue;
                };
                for text in words {
                    let Some(w) = text_width(&text, size) else { continue };
                    if w + 12.0 <= b - a {
                        let mid = (a + b) / 2.0;
                        out.push(LaneLabel {
                            row,
                            state: s.state.clone(),
                            from: s.from,
                            to: s.to,
                            text,
                            x0: mid - w / 2.0,
                            x1: mid + w / 2.0,
                        });
                        break;
                    }
                }
            }
        }
        out
    }

    /// A lane's spans as its pixel columns show them ([`pixel_runs`]).
    fn lane_runs<'a>(&self, spans: &'a [Span], px: &impl Fn(u64) -> i32) -> Vec<(i32, i32, &'a str)> {
        pixel_runs(
            spans
                .iter()
                .filter(|s| s.to > self.from)
                .map(|s| (px(s.from.max(self.from)), px(s.to), s.state.as_str(), salient(&s.state))),
        )
    }

    /// The label of step `i` in the step legend: when its work began and
    /// what it does, and since when it waited, if it did.
    fn step_legend(&self, i: usize) -> String {
        let s = &self.steps[i];
        let mut l = format!("{:>2}. {} {}", i + 1, self.day_label(s.work), s.label);
        if s.work > s.from {
            l.push_str(&format!(" (waited since {})", self.day_label(s.from)));
        }
        l
    }
}

impl Chart for Timeline {
    fn size(&self) -> (u32, u32) {
        (WIDTH, self.layout().height as u32)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let Layout {
            sessions_top,
            failed_top,
            bottom,
            legend_top,
            steps_top,
            ..
        } = self.layout();
        let top = TOP;
        // The row of the steps' bars, and the top of every shade.
        let (bars_top, bars_bottom) = (top - STEPS_GAP - STEPS_H, top - STEPS_GAP);
        let shade_top = bars_top - 2;
        let x1 = WIDTH as i32 - RIGHT;
        let axis = self.axis();
        let px = |t: u64| axis.x(t).round() as i32;
        let lane_h = self.lane_h();
        let text = |s: &str, x: i32, y: i32, size: f64| Text::new(s.to_string(), (x, y), font(size));
        let left_mid = |s: &str, x: i32, y: i32, size: f64| {
            Text::new(
                s.to_string(),
                (x, y),
                TextStyle::from(font(size)).pos(Pos::new(HPos::Left, VPos::Center)),
            )
        };
        area.draw(&Text::new(self.title.clone(), (14, 12), font(20.0)))?;

        // Maintenance windows, shaded behind everything.
        let windows = self
            .windows
            .iter()
            .filter(|(a, b)| *b > self.from && *a < self.to)
            .map(|(a, b)| (px((*a).max(self.from)), px((*b).min(self.to)), (), false))
            // A window narrower than a pixel is not shaded (at a scale of
            // days per pixel, every column would be).
            .filter(|(xa, xb, _, _)| xb > xa);
        for (xa, xb, ()) in pixel_runs(windows) {
            area.draw(&Rectangle::new([(xa, shade_top), (xb, bottom)], WINDOW_COLOR.filled()))?;
        }
        // Cut-out stretches: a grey break with zigzag edges, labelled with
        // the length cut out (written down the break, in the sessions panel).
        for cut in self.cuts() {
            let (xa, xb) = (cut.x0 as i32, cut.x1 as i32);
            area.draw(&Rectangle::new(
                [(xa, shade_top), (xb, bottom)],
                RGBColor(235, 235, 235).filled(),
            ))?;
            for x in [xa + 4, xb - 4] {
                let zig: Vec<(i32, i32)> = (0..((bottom - shade_top) / 8))
                    .map(|k| (x + if k % 2 == 0 { -3 } else { 3 }, shade_top + k * 8))
                    .collect();
                area.draw(&PathElement::new(zig, RGBColor(150, 150, 150)))?;
            }
            area.draw(&Text::new(
                cut.label(),
                ((xa + xb) / 2, (sessions_top + failed_top - 30) / 2),
                TextStyle::from(font(13.0).transform(FontTransform::Rotate270))
                    .pos(Pos::new(HPos::Center, VPos::Center)),
            ))?;
        }
        // Runbook steps: a bar from each step's start to its end (thin while
        // it waits), numbered above; steps closer than a label's width
        // share one label ("6-10").
        let name_px = if lane_h > 18 { 14.0 } else { 12.0 };
        area.draw(&left_mid("steps", 12, (bars_top + bars_bottom) / 2, name_px))?;
        let mut numbers: Vec<(usize, i32)> = Vec::new();
        // The waits (thin) and the work (bars), each as the pixel columns
        // show them: thousands of steps in one column draw one bar.
        let (mut waits, mut bars) = (Vec::new(), Vec::new());
        for (i, s) in self.steps.iter().enumerate() {
            if s.to < self.from {
                continue;
            }
            let (xf, xw, xt) = (px(s.from.max(self.from)), px(s.work.max(self.from)), px(s.to));
            if xw > xf {
                waits.push((xf, xw, i % 2, false));
            }
            bars.push((xw, xt.max(xw + 2), i % 2, false));
            // The number over the widest part of its work the breaks leave.
            let x = visible(&axis, axis.x(s.work.max(self.from)), axis.x(s.to))
                .first()
                .map_or(xw, |(a, b)| ((a + b) / 2.0).round() as i32);
            numbers.push((i, x));
        }
        let mid = (bars_top + bars_bottom) / 2;
        for (xa, xb, c) in pixel_runs(waits) {
            area.draw(&Rectangle::new([(xa, mid - 2), (xb, mid + 2)], STEP_COLORS[c].filled()))?;
        }
        for (xa, xb, c) in pixel_runs(bars) {
            area.draw(&Rectangle::new(
                [(xa, bars_top), (xb, bars_bottom)],
                STEP_COLORS[c].filled(),
            ))?;
        }
        let mut row_end = [i32::MIN; 2];
        let mut k = 0;
        while k < numbers.len() {
            let (first, x0) = numbers[k];
            let mut last = k;
            while last + 1 < numbers.len() && numbers[last + 1].1 - x0 < 16 {
                last += 1;
            }
            let label = if last > k {
                format!("{}-{}", first + 1, numbers[last].0 + 1)
            } else {
                format!("{}", first + 1)
            };
            let x = (x0 + numbers[last].1) / 2;
            let half = 4 * label.len() as i32;
            let row = (0..2).find(|r| x - half >= row_end[*r] + 3).unwrap_or(1);
            row_end[row] = x + half;
            area.draw(&Text::new(
                label,
                (x, bars_top - 2 - 16 * row as i32),
                TextStyle::from(font(12.0)).pos(Pos::new(HPos::Center, VPos::Bottom)),
            ))?;
            k = last + 1;
        }
        // Lanes.
        let mut y = top;
        let mut last_group: Option<&str> = None;
        for lane in &self.lanes {
            if lane.group.as_deref() != last_group && lane.group.is_some() {
                area.draw(&PathElement::new(vec![(10, y), (x1, y)], RGBColor(120, 120, 120)))?;
                last_group = lane.group.as_deref();
            }
            area.draw(&left_mid(&lane.name, 12, y + lane_h / 2, name_px))?;
            for (xa, xb, state) in self.lane_runs(&lane.spans, &px) {
                area.draw(&Rectangle::new(
                    [(xa, y + 2), (xb, y + lane_h - 2)],
                    state_color(state).filled(),
                ))?;
            }
            y += lane_h;
        }
        if !self.relationship.is_empty() {
            area.draw(&PathElement::new(vec![(10, y), (x1, y)], RGBColor(120, 120, 120)))?;
            area.draw(&left_mid("failover", 12, y + lane_h / 2, name_px))?;
            for (xa, xb, state) in self.lane_runs(&self.relationship, &px) {
                area.draw(&Rectangle::new(
                    [(xa, y + 2), (xb, y + lane_h - 2)],
                    state_color(state).filled(),
                ))?;
                if state == "not working" {
                    hatch(area, xa, y + 2, xb, y + lane_h - 2)?;
                }
            }
        }
        // The labels on the lanes, each on a white box on its own segment.
        let label_px = self.label_px();
        for l in self.lane_labels() {
            let y = top + l.row as i32 * lane_h;
            let (xa, xb) = (l.x0.round() as i32, l.x1.round() as i32);
            area.draw(&Rectangle::new(
                [(xa - 4, y + 4), (xb + 4, y + lane_h - 4)],
                WHITE.filled(),
            ))?;
            area.draw(&Text::new(
                l.text,
                ((xa + xb) / 2, y + lane_h / 2),
                TextStyle::from(font(label_px)).pos(Pos::new(HPos::Center, VPos::Center)),
            ))?;
        }
        // Injected faults: a red line down the lane they struck (the steps'
        // row for the runbook's), a triangle above it.
        let lanes_bottom = top + self.lanes.len() as i32 * lane_h;
        for m in self.marks.iter().filter(|m| m.at >= self.from && m.at <= self.to) {
            let x = px(m.at);
            let (ya, yb) = match m.lane {
                Some(l) => (top + l as i32 * lane_h, top + (l as i32 + 1) * lane_h),
                None => (bars_top, bars_bottom),
            };
            let yb = yb.min(lanes_bottom.max(bars_bottom));
            area.draw(&Rectangle::new([(x - 1, ya), (x + 1, yb)], MARK_COLOR.filled()))?;
            area.draw(&Polygon::new(
                vec![(x - 6, ya - 9), (x + 6, ya - 9), (x, ya)],
                MARK_COLOR.filled(),
            ))?;
        }
        // Time axis labels under the bottom panel: the time of day, and on
        // the first label of each day in each stretch the day of the run.
        let mut ticks: Vec<(u64, usize)> = Vec::new();
        let pieces: Vec<_> = axis.pieces.iter().filter(|p| !p.4).collect();
        for (k, (a, b, xa, xb, _)) in pieces.iter().enumerate() {
            let ms_per_px = (b - a) as f64 / (xb - xa).max(1.0);
            let want = (ms_per_px * 110.0) as u64;
            // Minutes, then whole weeks (which keep ticks on the same
            // weekday) up to a year of them: an axis of years keeps a few
            // hundred pixels between ticks too.
            let step = [5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880]
                .iter()
                .map(|m| m * MS_PER_MIN)
                .chain([1, 2, 4, 13, 26, 52].iter().map(|w| w * 7 * MS_PER_DAY))
                .find(|s| *s >= want)
                .unwrap_or(52 * 7 * MS_PER_DAY);
            let abs = a + self.offset_ms;
            let first = ticks.len();
            let mut t = (abs.div_ceil(step) * step).saturating_sub(self.offset_ms);
            while t <= *b {
                ticks.push((t, k));
                t += step;
            }
            if ticks.len() == first {
                // A stretch narrower than the tick step: one tick on it, on
                // the next five minutes when there is one.
                let five = 5 * MS_PER_MIN;
                let t = (abs.div_ceil(five) * five).saturating_sub(self.offset_ms);
                ticks.push((if t <= *b { t } else { *a }, k));
            }
        }
        for (t, _) in &ticks {
            let x = px(*t);
            area.draw(&PathElement::new(vec![(x, bottom), (x, bottom + 5)], BLACK))?;
        }
        let mut placed: Vec<(i32, i32)> = Vec::new();
        let place = |label: String,
                     x: i32,
                     placed: &mut Vec<(i32, i32)>|
         -> Result<bool, DrawingAreaErrorKind<DB::ErrorType>> {
            let Some(w) = text_width(&label, 12.0) else {
                return Ok(false);
            };
            // Centred on its tick, or moved in from the chart's edge as
            // long as it still spans the tick.
            let half = w as i32 / 2;
            let c = x.clamp(half + 2, (WIDTH as i32 - 2 - half).max(half + 2));
            let (a, b) = (c - half, c + half);
            if (c - x).abs() > half - 4 || placed.iter().any(|(p, q)| a < q + 8 && b > p - 8) {
                return Ok(false);
            }
            let x = c;
            placed.push((a, b));
            area.draw(&Text::new(
                label,
                (x, bottom + 8),
                TextStyle::from(font(12.0)).pos(Pos::new(HPos::Center, VPos::Top)),
            ))?;
            Ok(true)
        };
        // First the days: for each stretch and day, the first tick whose
        // label fits.
        let mut dated = vec![false; ticks.len()];
        let mut days: Vec<(i32, i64)> = Vec::new();
        let mut i = 0;
        while i < ticks.len() {
            let (piece, day) = (ticks[i].1, self.day_and_time(ticks[i].0).0);
            let mut j = i;
            let mut done = false;
            while j < ticks.len() && ticks[j].1 == piece && self.day_and_time(ticks[j].0).0 == day {
                if !done && place(self.day_label(ticks[j].0), px(ticks[j].0), &mut placed)? {
                    dated[j] = true;
                    done = true;
                    days.push((px(ticks[j].0), day));
                }
                j += 1;
            }
            i = j;
        }
        // Then the times of day, where they fit and the day written last
        // to their left is theirs.
        for (k, (t, _)) in ticks.iter().enumerate() {
            let (day, _, time) = self.day_and_time(*t);
            let x = px(*t);
            let ours = days
                .iter()
                .filter(|d| d.0 <= x)
                .max_by_key(|d| d.0)
                .is_some_and(|d| d.1 == day);
            if !dated[k] && ours {
                place(time, x, &mut placed)?;
            }
        }
        area.draw(&Text::new(
            format!("day of the run and time ({})", self.local.zone()),
            ((LEFT + x1) / 2, bottom + 32),
            TextStyle::from(font(14.0)).pos(Pos::new(HPos::Center, VPos::Top)),
        ))?;
        // Active sessions and failed connects.
        let panels = [
            (sessions_top, failed_top - 30, "active sessions", false),
            (failed_top, bottom, "failed connects (total so far)", true),
        ];
        for (p_top, p_bottom, label, failed) in panels {
            // (time, most, fewest, last) of each point.
            let pts: Vec<(u64, u64, u64, u64)> = self
                .series
                .iter()
                .filter(|p| p.time.0 >= self.from)
                .map(|p| {
                    if failed {
                        (p.time.0, p.failed, p.failed, p.failed)
                    } else {
                        (p.time.0, p.active, p.low, p.last)
                    }
                })
                .collect();
            let before = self.series.iter().rev().find(|p| p.time.0 < self.from);
            let base = if failed { before.map_or(0, |p| p.failed) } else { 0 };
            let first = if failed { base } else { before.map_or(0, |p| p.last) };
            let max = pts
                .iter()
                .map(|p| p.1.saturating_sub(base))
                .chain([first.saturating_sub(base)])
                .max()
                .unwrap_or(0)
                .max(1);
            area.draw(&Rectangle::new([(LEFT, p_top), (x1, p_bottom)], BLACK.stroke_width(1)))?;
            area.draw(&text(label, LEFT, p_top - 21, 14.0))?;
            for (frac, v) in [(0.0, 0), (1.0, max)] {
                let y = p_bottom - ((p_bottom - p_top) as f64 * frac) as i32;
                area.draw(&Text::new(
                    format!("{v}"),
                    (LEFT - 6, y),
                    TextStyle::from(font(12.0)).pos(Pos::new(HPos::Right, VPos::Center)),
                ))?;
            }
            let yv = |v: u64| {
                p_bottom - ((v.saturating_sub(base)) as f64 / max as f64 * (p_bottom - p_top - 4) as f64) as i32
            };
            let color = if failed {
                RGBColor(213, 94, 0)
            } else {
                RGBColor(0, 114, 178)
            };
            // A step line, interrupted over cut-out stretches; the points
            // that fall in one pixel column are drawn as their envelope (a
            // vertical stroke from the fewest to the most), so that no rise
            // or fall is lost however many changes share the column.
            let break_of = |t: u64| {
                axis.pieces
                    .iter()
                    .find(|(a, b, _, _, is_break)| *is_break && t > *a && t < *b)
                    .map(|p| (p.2, p.3))
            };
            let mut line: Vec<(i32, i32)> = vec![(LEFT, yv(first))];
            let mut prev = first;
            // The column being gathered: x, most, fewest, last.
            let mut col: Option<(i32, u64, u64, u64)> = None;
            let flush = |line: &mut Vec<(i32, i32)>, prev: &mut u64, col: Option<(i32, u64, u64, u64)>| {
                if let Some((x, hi, lo, last)) = col {
                    line.push((x, yv(*prev)));
                    if hi > (*prev).max(last) {
                        line.push((x, yv(hi)));
                    }
                    if lo < (*prev).min(last) {
                        line.push((x, yv(lo)));
                    }
                    line.push((x, yv(last)));
                    *prev = last;
                }
            };
            for &(t, hi, lo, last) in &pts {
                if let Some((bx0, bx1)) = break_of(t) {
                    flush(&mut line, &mut prev, col.take());
                    // Close the line at the cut-out, restart it after.
                    if line.first().is_some_and(|p| p.0 < bx0 as i32) {
                        line.push((bx0 as i32, yv(prev)));
                        area.draw(&PathElement::new(std::mem::take(&mut line), color.stroke_width(2)))?;
                    }
                    prev = last;
                    line = vec![(bx1 as i32, yv(prev))];
                    continue;
                }
                let x = px(t);
                col = match col {
                    Some((cx, chi, clo, _)) if cx == x => Some((x, chi.max(hi), clo.min(lo), last)),
                    other => {
                        flush(&mut line, &mut prev, other);
                        Some((x, hi, lo, last))
                    }
                };
            }
            flush(&mut line, &mut prev, col);
            line.push((x1, yv(prev)));
            area.draw(&PathElement::new(line, color.stroke_width(2)))?;
        }
        // Legend under the chart, outside every lane and panel: the states,
        // then the numbered steps.
        area.draw(&text("states", 14, legend_top, 15.0))?;
        let col_w = (WIDTH as i32 - 28) / LEGEND_COLS as i32;
        for (i, (state, words, color)) in self.legend_states().into_iter().enumerate() {
            let (lx, ly) = (
                14 + col_w * (i % LEGEND_COLS) as i32,
                legend_top + 26 + 21 * (i / LEGEND_COLS) as i32,
            );
            area.draw(&Rectangle::new([(lx, ly), (lx + 26, ly + 15)], color.filled()))?;
            if state == "not working" {
                hatch(area, lx, ly, lx + 26, ly + 15)?;
            }
            area.draw(&left_mid(words, lx + 34, ly + 8, 13.0))?;
        }
        if !self.marks.is_empty() {
            let ly = legend_top + 26 + 21 * self.legend_states().len().div_ceil(LEGEND_COLS) as i32;
            let (lx, mid) = (14, ly + 8);
            area.draw(&Polygon::new(
                vec![(lx + 7, mid - 6), (lx + 19, mid - 6), (lx + 13, mid + 6)],
                MARK_COLOR.filled(),
            ))?;
            let what: Vec<String> = self
                .marks
                .iter()
                .map(|m| format!("{} ({})", m.label, self.day_label(m.at)))
                .collect();
            let mut l = format!("injected: {}", what.join("; "));
            let fits = |l: &str| text_width(l, 13.0).is_some_and(|w| w <= (WIDTH as i32 - 28 - 34) as f64);
            if !fits(&l) {
                while !fits(&format!("{l}…")) && l.pop().is_some() {}
                l.push('…');
            }
            area.draw(&left_mid(&l, lx + 34, mid, 13.0))?;
        }
        area.draw(&text(
            "runbook steps: bars from start to end, thin while a step waits",
            14,
            steps_top,
            15.0,
        ))?;
        let col_w = (WIDTH as i32 - 28) / STEP_COLS as i32;
        let rows = self.steps.len().div_ceil(STEP_COLS).min(MAX_STEP_ROWS);
        let shown = rows * STEP_COLS;
        for i in 0..self.steps.len() {
            let (lx, ly) = (
                14 + col_w * (i / rows.max(1)) as i32,
                steps_top + 26 + STEP_ROW_PX * (i % rows.max(1)) as i32,
            );
            if i + 1 == shown && self.steps.len() > shown {
                area.draw(&left_mid(
                    &format!("… and {} more", self.steps.len() - i),
                    lx,
                    ly + 8,
                    13.0,
                ))?;
                break;
            }
            // Shortened to its column.
            let mut l = self.step_legend(i);
            let fits = |l: &str| text_width(l, 13.0).is_some_and(|w| w <= (col_w - 12) as f64);
            if !fits(&l) {
                let mut chars: Vec<char> = l.chars().collect();
                while !chars.is_empty() && !fits(&(chars.iter().collect::<String>() + "…")) {
                    chars.pop();
                }
                l = chars.into_iter().collect::<String>() + "…";
            }
            area.draw(&left_mid(&l, lx, ly + 8, 13.0))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Metrics;
    use crate::runbook::Step;
    use crate::sim::events::{EventLog, Record};
    use crate::time::{SimDuration, SimTime};

    fn span(from: u64, to: u64, state: &str) -> Span {
        Span {
            from,
            to,
            state: state.into(),
        }
    }

    #[test]
    fn the_timeline_is_built_from_the_typed_events() {
        let sc = Scenario::parse("[site]\nkind = \"failover-pair\"\n", "t.toml", "t").unwrap();
        let mut log = EventLog::new(
            vec!["A".into(), "B".into()],
            vec![
                Step::Upgrade {
                    nodes: vec![0],
                    wait: true,
                },
                Step::Verify { node: 0 },
            ],
        );
        let (a, b) = (0, 1);
        for (t, event) in [
            (
                0,
                Event::State {
                    node: a,
                    state: NodeStatus::Serving,
                },
            ),
            (
                0,
                Event::State {
                    node: b,
                    state: NodeStatus::Backup,
                },
            ),
            (1000, Event::StepStart { step: 0 }),
            (
                1000,
                Event::State {
                    node: a,
                    state: NodeStatus::Upgrading,
                },
            ),
            (1000, Event::SiteDown),
            (1000, Event::FailoverNotWorking),
            (1000, Event::WindowOpen),
            // A sync while the failover is not working does not show.
            (
                2000,
                Event::SyncStart {
                    full: false,
                    records: 1,
                    mb: 1.0,
                    takes: SimDuration(10),
                },
            ),
            (
                3000,
                Event::SiteUp {
                    after: SimDuration(2000),
                },
            ),
            (
                3000,
                Event::State {
                    node: a,
                    state: NodeStatus::Serving,
                },
            ),
            (3000, Event::StepDone { step: 0 }),
            (3000, Event::StepStart { step: 1 }),
            (4000, Event::FailoverWorking),
            (
                4000,
                Event::SyncStart {
                    full: true,
                    records: 0,
                    mb: 5.0,
                    takes: SimDuration(500),
                },
            ),
            (4500, Event::SyncDone { unsynced: 0 }),
            (5000, Event::WindowClose),
        ] {
            log.push(Record {
                time: SimTime(t),
                event,
            });
        }
        let out = RunOutput {
            metrics: Metrics {
                span_ms: 5000,
                procedure_start_ms: 1000,
                ..Metrics::default()
            },
            events: log,
            series: Vec::new(),
            // As the simulation closes them for this log.
            spans: crate::sim::Spans {
                down: vec![(SimTime(1000), SimTime(3000))],
                exposure: vec![(SimTime(1000), SimTime(4000))],
                operator: Vec::new(),
            },
            version: Default::default(),
            regions: Vec::new(),
        };
        let t = Timeline::from_run(&sc, "x", 1, &out);
        let lanes: Vec<(&str, &[Span])> = t.lanes.iter().map(|l| (l.name.as_str(), &l.spans[..])).collect();
        assert_eq!(
            lanes,
            [
                (
                    "site",
                    &[
                        span(0, 1000, "serving"),
                        span(1000, 3000, "down"),
                        span(3000, 5000, "serving")
                    ][..]
                ),
                (
                    "A",
                    &[
                        span(0, 1000, "serving"),
                        span(1000, 3000, "upgrading"),
                        span(3000, 5000, "serving")
                    ][..]
                ),
                ("B", &[span(0, 5000, "backup")][..]),
            ]
        );
        assert_eq!(
            t.relationship,
            [
                span(0, 1000, "working"),
                span(1000, 4000, "not working"),
                span(4000, 4500, "syncing"),
                span(4500, 5000, "working"),
            ]
        );
        assert_eq!(t.windows, [(1000, 5000)]);
        assert_eq!(
            t.steps,
            [
                StepBar {
                    from: 1000,
                    work: 1000,
                    to: 3000,
                    label: "upgrade A".to_string()
                },
                // Not done when the run ends: drawn to its end.
                StepBar {
                    from: 3000,
                    work: 3000,
                    to: 5000,
                    label: "verify A".to_string()
                }
            ]
        );
        assert_eq!((t.from, t.to), (0, 5000));
    }
}
