//! Charts of Monte-Carlo studies: distributions, empirical CDFs, paired
//! differences, sweeps (lines with CI bands, heat maps).
//!
//! Each chart is plain data plus a drawing, so tests can render them from
//! fixed numbers; the `from_*` constructors fill them from an aggregator.

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::chart::{Chart, DrawResult, fmt_metric};
use crate::metrics::{self, METRICS};
use crate::montecarlo::{Aggregator, DiffRow, Runs, SummaryRow};

mod cdf;
mod diffs;
mod distribution;
mod heatmap;
mod sweep;

pub use cdf::Cdf;
pub use diffs::{Bar, Diffs};
pub use distribution::{BoxStats, Distribution};
pub use heatmap::HeatMap;
pub use sweep::SweepLines;

/// A named, coloured series of points.
#[derive(Clone, Debug, PartialEq)]
pub struct Curve<P> {
    pub name: String,
    pub color: RGBColor,
    pub points: Vec<P>,
}

/// Any chart of a study, so that the charts of one can be listed and drawn
/// in turn.
#[derive(Clone, Debug, PartialEq)]
pub enum StudyChart {
    /// One metric's distribution across strategies.
    Distribution(Distribution),
    /// One metric's empirical CDFs.
    Cdf(Cdf),
    /// Paired differences against the baseline.
    Diffs(Diffs),
    /// A one-parameter sweep.
    Lines(SweepLines),
    /// A two-parameter sweep.
    Heat(HeatMap),
}

impl Chart for StudyChart {
    fn size(&self) -> (u32, u32) {
        match self {
            StudyChart::Distribution(c) => c.size(),
            StudyChart::Cdf(c) => c.size(),
            StudyChart::Diffs(c) => c.size(),
            StudyChart::Lines(c) => c.size(),
            StudyChart::Heat(c) => c.size(),
        }
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        match self {
            StudyChart::Distribution(c) => c.draw(area),
            StudyChart::Cdf(c) => c.draw(area),
            StudyChart::Diffs(c) => c.draw(area),
            StudyChart::Lines(c) => c.draw(area),
            StudyChart::Heat(c) => c.draw(area),
        }
    }
}

/// The key metrics worth a chart, by rank: those not zero in every
/// replication of some strategy.
pub fn charted_metrics(summary: &[SummaryRow]) -> Vec<&'static str> {
    metrics::key_metrics()
        .into_iter()
        .map(|m| m.name)
        .filter(|m| summary.iter().any(|r| r.metric == *m && (r.max != 0.0 || r.min != 0.0)))
        .collect()
}

/// The metrics whose empirical CDF is drawn, in column order.
pub fn cdf_metrics() -> impl Iterator<Item = &'static str> {
    METRICS.iter().filter(|m| m.key.is_some_and(|k| k.cdf)).map(|m| m.name)
}

/// The charts of a comparison, each with its file stem: a distribution per
/// charted metric (`dist-METRIC`), the CDFs (`cdf-METRIC`), and the paired
/// differences (`diff`) when there is more than one strategy.
pub fn comparison_charts(agg: &Aggregator, summary: &[SummaryRow], diffs: &[DiffRow]) -> Vec<(String, StudyChart)> {
    let mut out = Vec::new();
    let metrics = charted_metrics(summary);
    for m in &metrics {
        if let Some(d) = Distribution::from_aggregator(agg, summary, m) {
            out.push((format!("dist-{m}"), StudyChart::Distribution(d)));
        }
    }
    let runs = summary.first().map_or(Runs::All, |r| r.population);
    for m in cdf_metrics() {
        out.push((format!("cdf-{m}"), StudyChart::Cdf(Cdf::from_aggregator(agg, m, runs))));
    }
    if agg.strategies().len() > 1 && !metrics.is_empty() {
        out.push(("diff".into(), StudyChart::Diffs(Diffs::from_rows(agg, diffs, &metrics))));
    }
    out
}

fn pad_range(lo: f64, hi: f64) -> (f64, f64) {
    let (lo, hi) = if lo.is_finite() && hi.is_finite() {
        (lo, hi)
    } else {
        (0.0, 1.0)
    };
    if hi - lo < 1e-12 {
        return (lo - 1.0, hi + 1.0);
    }
    let pad = (hi - lo) * 0.08;
    (lo - pad, hi + pad)
}

/// Width of the legend column beside a plot.
const LEGEND_W: i32 = 300;

/// A value range for an axis: padded, and starting at 0 when no value is
/// below 0 (a duration or a count never shows a negative stretch).
fn value_range(lo: f64, hi: f64) -> (f64, f64) {
    let (plo, phi) = pad_range(lo, hi);
    if lo >= 0.0 && lo.is_finite() && hi - lo >= 1e-12 {
        (0.0, phi)
    } else {
        (plo, phi)
    }
}

/// Draws a dashed line between two points of a chart's data.
fn dashed<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    from: (f64, f64),
    to: (f64, f64),
    color: RGBColor,
) -> DrawResult<DB> {
    let n = 40;
    for k in (0..n).step_by(2) {
        let (a, b) = (k as f64 / n as f64, (k + 1) as f64 / n as f64);
        let p = |f: f64| (from.0 + (to.0 - from.0) * f, from.1 + (to.1 - from.1) * f);
        chart.draw_series(std::iter::once(PathElement::new(
            vec![p(a), p(b)],
            color.stroke_width(2),
        )))?;
    }
    Ok(())
}

/// The colour thresholds are drawn in.
pub const THRESHOLD_COLOR: RGBColor = RGBColor(213, 94, 0);

/// A threshold's label: `threshold 15 min`.
pub fn threshold_label(metric: &str, t: f64) -> String {
    format!("threshold {}", fmt_metric(metric, t))
}
