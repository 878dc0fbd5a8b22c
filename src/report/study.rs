//! Charts of Monte-Carlo studies: distributions, empirical CDFs, paired
//! differences, sweeps (lines with CI bands, heat maps).
//!
//! Each chart is plain data plus a drawing, so tests can render them from
//! fixed numbers; the `from_*` constructors fill them from an aggregator.

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::chart::{Chart, DrawResult, Stroke, fmt_metric};
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
pub use sweep::{LOG_SPAN, SweepLines, log_axis};

/// A named, coloured series of points.
#[derive(Clone, Debug, PartialEq)]
pub struct Curve<P> {
    pub name: String,
    pub color: RGBColor,
    pub points: Vec<P>,
}

/// A point of a series that can be told apart from another: coordinate by
/// coordinate, a NaN (no value) the same as a NaN.
pub trait SamePoint {
    /// True when every coordinate is the same.
    fn same(&self, other: &Self) -> bool;
    /// True when some coordinate is a value (the point is drawn).
    fn drawn(&self) -> bool;
}

fn same_value(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

impl SamePoint for (f64, f64) {
    fn same(&self, o: &Self) -> bool {
        same_value(self.0, o.0) && same_value(self.1, o.1)
    }
    fn drawn(&self) -> bool {
        self.0.is_finite() && self.1.is_finite()
    }
}

/// A sweep's point: the mean, then its 95 % CI; drawn where the mean is a
/// value.
impl SamePoint for (f64, f64, f64) {
    fn same(&self, o: &Self) -> bool {
        same_value(self.0, o.0) && same_value(self.1, o.1) && same_value(self.2, o.2)
    }
    fn drawn(&self) -> bool {
        self.0.is_finite()
    }
}

/// The series of a chart that would hide each other, drawn one on top of
/// the other: for each, the first series whose points are all the same as
/// its own, or itself when none before it has them. A series with nothing
/// to draw is the same as none.
pub fn first_same<P: SamePoint>(curves: &[Curve<P>]) -> Vec<usize> {
    let drawn = |c: &Curve<P>| c.points.iter().any(SamePoint::drawn);
    (0..curves.len())
        .map(|i| {
            let c = &curves[i];
            (0..i)
                .find(|&j| {
                    let o = &curves[j];
                    drawn(c)
                        && o.points.len() == c.points.len()
                        && o.points.iter().zip(&c.points).all(|(a, b)| a.same(b))
                })
                .unwrap_or(i)
        })
        .collect()
}

/// How each series is drawn, given [`first_same`]: alone, a plain line; the
/// first of identical ones wide, the later ones over it thinner and dashed,
/// their dashes taking turns, so that all show.
pub fn strokes(first: &[usize]) -> Vec<Stroke> {
    (0..first.len())
        .map(|i| {
            if first[i] != i {
                let later = |j: &usize| *j != first[i] && first[*j] == first[i];
                let k = (0..=i).filter(later).count();
                let m = (0..first.len()).filter(later).count();
                Stroke::over(k, m)
            } else if first.iter().skip(i + 1).any(|&f| f == i) {
                Stroke::UNDER
            } else {
                Stroke::PLAIN
            }
        })
        .collect()
}

/// The order to draw series in: the wide first lines of identical series,
/// then the plain ones (so that a wide line covers none of them), then the
/// dashed ones over the wide ones; otherwise as listed.
pub fn draw_order(strokes: &[Stroke]) -> Vec<usize> {
    let rank = |s: &Stroke| match *s {
        Stroke::UNDER => 0,
        s if s.dash.is_none() => 1,
        _ => 2,
    };
    let mut order: Vec<usize> = (0..strokes.len()).collect();
    order.sort_by_key(|&i| rank(&strokes[i]));
    order
}

/// A series' name in a legend: `b (same as a)` when its points are those
/// of `a`, listed before it.
pub fn same_name<P>(curves: &[Curve<P>], first: &[usize], i: usize) -> String {
    if first[i] == i {
        curves[i].name.clone()
    } else {
        format!("{} (same as {})", curves[i].name, curves[first[i]].name)
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn curve(name: &str, points: &[(f64, f64)]) -> Curve<(f64, f64)> {
        Curve {
            name: name.into(),
            color: RGBColor(0, 0, 0),
            points: points.to_vec(),
        }
    }

    #[test]
    fn identical_series_get_strokes_of_their_own_and_are_drawn_wide_first() {
        let a = [(1.0, 0.5), (2.0, 1.0)];
        let b = [(1.0, 0.25), (2.0, 1.0)];
        let curves = [
            curve("a", &a),
            curve("b", &b),
            curve("a2", &a),
            curve("a3", &a),
            curve("b2", &b),
            curve("c", &[(3.0, 1.0)]),
        ];
        let first = first_same(&curves);
        assert_eq!(first, [0, 1, 0, 0, 1, 5]);
        let s = strokes(&first);
        assert_eq!(s[0], Stroke::UNDER);
        assert_eq!(s[1], Stroke::UNDER);
        assert_eq!(s[5], Stroke::PLAIN);
        // Over the same line, each later series has dashes of its own, and
        // is thinner than the line under it.
        assert_ne!(s[2], s[3]);
        assert!(s[2].dash.is_some() && s[3].dash.is_some() && s[4].dash.is_some());
        assert!(s[2].width < Stroke::UNDER.width);
        // The wide lines first, the plain one next, the dashed ones last.
        assert_eq!(draw_order(&s), [0, 1, 5, 2, 3, 4]);
        assert_eq!(same_name(&curves, &first, 3), "a3 (same as a)");
        assert_eq!(same_name(&curves, &first, 5), "c");
    }

    #[test]
    fn series_alike_in_part_or_with_nothing_to_draw_are_not_the_same() {
        let nan = f64::NAN;
        let curves = [
            curve("a", &[(1.0, 0.5), (2.0, 1.0)]),
            // The same start, a longer tail.
            curve("b", &[(1.0, 0.5), (2.0, 1.0), (3.0, 1.0)]),
            // One point apart.
            curve("c", &[(1.0, 0.5), (2.5, 1.0)]),
            // Nothing to draw, twice: no line to hide.
            curve("d", &[]),
            curve("e", &[]),
        ];
        assert_eq!(first_same(&curves), [0, 1, 2, 3, 4]);
        assert!(strokes(&first_same(&curves)).iter().all(|s| *s == Stroke::PLAIN));
        // A sweep's points: NaN (did not run there) is the same as NaN, and
        // the CI counts.
        let sweep = |name: &str, points: Vec<(f64, f64, f64)>| Curve {
            name: name.into(),
            color: RGBColor(0, 0, 0),
            points,
        };
        let lines = [
            sweep("a", vec![(1.0, 0.5, 1.5), (nan, nan, nan)]),
            sweep("b", vec![(1.0, 0.5, 1.5), (nan, nan, nan)]),
            sweep("c", vec![(1.0, 0.4, 1.5), (nan, nan, nan)]),
            sweep("d", vec![(nan, nan, nan), (nan, nan, nan)]),
            sweep("e", vec![(nan, nan, nan), (nan, nan, nan)]),
        ];
        assert_eq!(first_same(&lines), [0, 0, 2, 3, 4]);
    }
}
