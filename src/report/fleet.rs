//! The fleet report: a campaign's Gantt, the sites without a working
//! failover over time, the campaign length per plan, and the page a change
//! board reads (`report.html` and `report.md`, the charts beside them under
//! `charts/`).
//!
//! - `axis`: the dated axis and the marks the run charts share.
//! - `gantt`: the campaign's Gantt ([`gantt`]).
//! - `without_failover`: the sites without a working failover
//!   ([`without_failover`]).
//! - `length`: how each plan's runs ended, day by day: done, stopped, not
//!   done yet ([`campaign_length`]).
//! - `tally`: each plan's runs counted by how they ended ([`Tally`]), the
//!   one count the chart, the words and the printed table read.
//! - `words`: the bottom line, what was simulated, the stops, the tables.
//!
//! Pure functions: they read a fleet, the aggregated campaign metrics and
//! one traced replication per plan; they never run the engine nor touch a
//! file.

mod axis;
mod gantt;
mod length;
mod tally;
mod without_failover;
mod words;

use std::fmt::Write;

use plotters::coord::Shift;
use plotters::prelude::*;

pub use axis::{DEADLINE_COLOR, WaveMark, fleet_day};
pub use gantt::{ABORT_MARK, FREEZE_COLOR, Gantt, GanttLane, LaneBody, MAX_SITE_LANES, Phase, STACK_PX, gantt};
pub use length::{CampaignLength, DONE_COLOR, LengthPanel, PENDING_COLOR, STOPPED_COLOR, campaign_length};
pub use tally::{Paired, StopKey, Tally, paired_done, quantile};
pub use without_failover::{WithoutFailover, without_failover};
pub use words::bottom_line_text;
use words::document;

use super::chart::{Chart, DrawResult};
use super::doc::{ChartFiles, Document};
use super::page::thousands;
use crate::fleet::Fleet;
use crate::fleet::campaign::{CampaignRun, SiteState};
use crate::fleet::study::FleetStats;
use crate::montecarlo::Aggregator;

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
        FleetChart::CampaignLength(campaign_length(fleet, stats)),
    ));
    out
}

/// The charts' file stems and captions, in the order of [`charts`].
pub fn chart_captions(fleet: &Fleet, traces: &[CampaignRun]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (p, run) in traces.iter().enumerate().take(fleet.plans.len()) {
        let name = &fleet.plans[p].name;
        let lanes = if fleet.sites.len() > MAX_SITE_LANES {
            "each lane is a wave, its height split by how many of its sites are in each state"
        } else {
            "each lane is a site, in wave order"
        };
        let mut marks = String::new();
        if !run.stops.is_empty() {
            marks.push_str(" A vermillion line marks each stop, named above the waves.");
        }
        if run.resumed_at.is_some() {
            marks.push_str(
                " The hatched yellow bar above the lanes is the wait for the fixed version; yellow on a lane, \
                 a site back on the old version after the defect; a black bar, its second run (the fixed version) \
                 on the same lane.",
            );
        } else if run.all_runs().any(|s| s.state == SiteState::Recovered) {
            marks.push_str(" Yellow on a lane: a site back on the old version after a defect showed.");
        }
        out.push((
            format!("gantt-{name}"),
            format!(
                "Plan {name}, replication 0 of runs.csv (one run; the tables count every run): {lanes}; read left \
                 to right for when each wave started (bar above), how long it baked, and where sites were worked, \
                 without failover or down.{marks}"
            ),
        ));
        out.push((
            format!("without-failover-{name}"),
            format!(
                "Plan {name}, replication 0 of runs.csv: how many sites had no working failover at each moment; \
                 the peak is the most at once, the risk a second failure would hit."
            ),
        ));
    }
    let deadline = if fleet.deadline_unix_ms.is_some() {
        " Where the green meets the deadline line (the black mark) is the plan's P(done by the deadline), \
         the share of the tables."
    } else {
        ""
    };
    out.push((
        "campaign-length".into(),
        format!(
            "How each plan's runs ended, by day after the start, one panel per plan: the share of runs done \
             by that day (green, from the bottom: every site on the new version, a run that resumed after a \
             fix included), the share stopped by then (hatched, above it: a stop_on outcome ended the campaign \
             first; a stopped run is never counted done), and the rest not done yet or never (grey).{deadline}"
        ),
    ));
    out
}

// ---------------------------------------------------------------------
// The report.

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
    let doc = Document {
        title: title(fleet),
        description: fleet.description.clone(),
        provenance: provenance(&stats.agg, runs, seed),
        blocks: document(fleet, stats, traces, runs, seed),
    };
    let files = if chart_files {
        ChartFiles::Written
    } else {
        ChartFiles::NotWritten
    };
    (doc.html(svgs), doc.markdown(files))
}
