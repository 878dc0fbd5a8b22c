//! Charts of Monte-Carlo studies: distributions, empirical CDFs, paired
//! differences, sweeps (lines with CI bands, heat maps).
//!
//! Each chart is plain data plus a drawing, so tests can render them from
//! fixed numbers; the `from_*` constructors fill them from an aggregator.

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::chart::{
    Chart, DrawResult, Scale, Swatch, draw_legend, fmt_metric, font, metric_label, metric_words, strategy_color,
};
use crate::metrics::{self, METRICS};
use crate::montecarlo::{Aggregator, DiffRow, Runs, SummaryRow};

/// Box-plot statistics of one strategy.
#[derive(Clone, Debug, PartialEq)]
pub struct BoxStats {
    pub name: String,
    pub color: RGBColor,
    /// p5, p25, p50, p75, p95.
    pub q: [f64; 5],
    pub mean: f64,
    pub ci: (f64, f64),
}

/// One metric across strategies: box (p25–p75), whiskers (p5–p95),
/// median line, and the mean with its 95 % CI.
#[derive(Clone, Debug, PartialEq)]
pub struct Distribution {
    pub title: String,
    pub metric: String,
    pub boxes: Vec<BoxStats>,
    /// The scenario's threshold for the metric, drawn as a dashed line.
    pub threshold: Option<f64>,
}

/// A named, coloured series of points.
#[derive(Clone, Debug, PartialEq)]
pub struct Curve<P> {
    pub name: String,
    pub color: RGBColor,
    pub points: Vec<P>,
}

/// A strategy's paired difference: mean and 95 % CI.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    pub name: String,
    pub color: RGBColor,
    pub mean: f64,
    pub low: f64,
    pub high: f64,
}

/// Empirical CDFs of one metric, one curve per strategy.
#[derive(Clone, Debug, PartialEq)]
pub struct Cdf {
    pub title: String,
    pub metric: String,
    pub curves: Vec<Curve<(f64, f64)>>,
    /// The scenario's threshold for the metric, drawn as a dashed line.
    pub threshold: Option<f64>,
}

/// Paired differences against a baseline, one panel per metric.
#[derive(Clone, Debug, PartialEq)]
pub struct Diffs {
    pub title: String,
    pub baseline: String,
    /// (metric, one bar per strategy).
    pub panels: Vec<(String, Vec<Bar>)>,
}

/// A one-parameter sweep of one metric: mean and 95 % CI band per strategy.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepLines {
    pub title: String,
    pub metric: String,
    pub param: String,
    /// The swept values as given, and their positions on the x axis.
    pub xs: Vec<(String, f64)>,
    /// Per strategy, (mean, low, high) at each x; NaN where the strategy
    /// did not run (drawn as a gap: no mark, no line through it).
    pub lines: Vec<Curve<(f64, f64, f64)>>,
    /// The swept values are names or true/false, not numbers: evenly
    /// spaced, no line between them.
    pub categorical: bool,
}

/// A two-parameter sweep of one metric: a grid of means per strategy.
#[derive(Clone, Debug, PartialEq)]
pub struct HeatMap {
    pub title: String,
    pub metric: String,
    pub param_x: String,
    pub param_y: String,
    pub xs: Vec<String>,
    pub ys: Vec<String>,
    /// (strategy, `means[y][x]`).
    pub panels: Vec<(String, Vec<Vec<f64>>)>,
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

impl Distribution {
    /// Fills the boxes of `metric` for every strategy of an aggregator.
    pub fn from_aggregator(agg: &Aggregator, summary: &[SummaryRow], metric: &str) -> Option<Distribution> {
        let mut boxes = Vec::new();
        for (i, name) in agg.strategies().iter().enumerate() {
            let row = summary.iter().find(|r| &r.strategy == name && r.metric == metric)?;
            // The boxes describe the rows' runs, as the tables do.
            let q = agg.quantiles_of(i, metric, &[0.05, 0.25, 0.5, 0.75, 0.95], row.population)?;
            boxes.push(BoxStats {
                name: name.clone(),
                color: strategy_color(name, i),
                q: [q[0], q[1], q[2], q[3], q[4]],
                mean: row.mean,
                ci: (row.ci95_low, row.ci95_high),
            });
        }
        Some(Distribution {
            title: format!("{} by strategy", metric_label(metric)),
            metric: metric.into(),
            threshold: summary
                .iter()
                .find(|r| r.metric == metric)
                .and_then(|r| r.threshold.map(|t| t.0)),
            boxes,
        })
    }
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

impl Chart for Distribution {
    fn size(&self) -> (u32, u32) {
        (1100, 560)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let (w, _) = self.size();
        let (plot, side) = area.split_horizontally(w as i32 - LEGEND_W);
        let n = self.boxes.len().max(1);
        let lo = self
            .boxes
            .iter()
            .map(|b| b.q[0].min(b.ci.0))
            .chain(self.threshold)
            .fold(f64::INFINITY, f64::min);
        let hi = self
            .boxes
            .iter()
            .map(|b| b.q[4].max(b.ci.1))
            .chain(self.threshold)
            .fold(f64::NEG_INFINITY, f64::max);
        let scale = Scale::for_metric(&self.metric, lo.abs().max(hi.abs()));
        let d = scale.div;
        let (lo, hi) = value_range(lo / d, hi / d);
        // Room above the marks for the row of means.
        let top = hi + (hi - lo) * 0.16;
        let names: Vec<String> = self.boxes.iter().map(|b| b.name.clone()).collect();
        let mut chart = ChartBuilder::on(&plot)
            .caption(&self.title, font(18.0))
            .margin(16)
            .x_label_area_size(64)
            .y_label_area_size(80)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), lo..top)?;
        let metric = self.metric.clone();
        chart
            .configure_mesh()
            .disable_x_mesh()
            // The strategies are written below, by hand: in two rows when
            // their names are wider than their columns.
            .x_labels(0)
            .y_label_formatter(&|y| if *y > hi { String::new() } else { scale.tick(*y) })
            .y_desc(scale.describe(&metric))
            .x_desc("strategy")
            .label_style(font(13.0))
            .axis_desc_style(font(14.0))
            .draw()?;
        let name_style = TextStyle::from(font(13.0)).pos(Pos::new(HPos::Center, VPos::Top));
        let column = (chart.backend_coord(&(1.0, lo)).0 - chart.backend_coord(&(0.0, lo)).0) as u32;
        let mut crowded = false;
        for name in &names {
            crowded |= plot.estimate_text_size(name, &name_style)?.0 + 8 > column;
        }
        let (bx, by) = plot.get_base_pixel();
        for (i, name) in names.iter().enumerate() {
            let (px, py) = chart.backend_coord(&(i as f64, lo));
            let (px, py) = (px - bx, py - by);
            let row = if crowded { (i % 2) as i32 } else { 0 };
            plot.draw(&PathElement::new(vec![(px, py), (px, py + 5 + 18 * row)], BLACK))?;
            plot.draw(&Text::new(name.clone(), (px, py + 7 + 18 * row), name_style.clone()))?;
        }
        if let Some(t) = self.threshold {
            let t = t / d;
            dashed(&mut chart, (-0.5, t), (n as f64 - 0.5, t), THRESHOLD_COLOR)?;
        }
        for (i, b) in self.boxes.iter().enumerate() {
            let x = i as f64;
            let c = b.color;
            let q = b.q.map(|v| v / d);
            let (mean, ci) = (b.mean / d, (b.ci.0 / d, b.ci.1 / d));
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x - 0.25, q[1]), (x + 0.25, q[3])],
                c.mix(0.35).filled(),
            )))?;
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x - 0.25, q[1]), (x + 0.25, q[3])],
                c.stroke_width(2),
            )))?;
            for seg in [
                vec![(x - 0.25, q[2]), (x + 0.25, q[2])],
                vec![(x, q[0]), (x, q[1])],
                vec![(x, q[3]), (x, q[4])],
                vec![(x - 0.1, q[0]), (x + 0.1, q[0])],
                vec![(x - 0.1, q[4]), (x + 0.1, q[4])],
            ] {
                chart.draw_series(std::iter::once(PathElement::new(seg, c.stroke_width(2))))?;
            }
            // The mean and its confidence interval, beside the box.
            let xm = x + 0.33;
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(xm, ci.0), (xm, ci.1)],
                BLACK.stroke_width(2),
            )))?;
            chart.draw_series(std::iter::once(Circle::new((xm, mean), 5, BLACK.filled())))?;
            // The mean in words above the marks: readable however small
            // beside the others.
            for (row, words) in [
                format!("mean {}", fmt_metric(&self.metric, b.mean)),
                format!("p95 {}", fmt_metric(&self.metric, b.q[4])),
            ]
            .into_iter()
            .enumerate()
            {
                chart.draw_series(std::iter::once(Text::new(
                    words,
                    (x, top - (top - lo) * (0.01 + 0.045 * row as f64)),
                    TextStyle::from(font(13.0)).pos(Pos::new(HPos::Center, VPos::Top)),
                )))?;
            }
        }
        // The legend in its own column: it covers no mark.
        let mut entries = vec![
            (Swatch::Box(RGBColor(200, 200, 200)), "box: p25-p75".to_string()),
            (Swatch::Line(RGBColor(90, 90, 90)), "line in box: median".to_string()),
            (Swatch::Line(RGBColor(90, 90, 90)), "whiskers: p5-p95".to_string()),
            (Swatch::Dot(BLACK), "mean and 95% CI".to_string()),
        ];
        if let Some(t) = self.threshold {
            entries.push((Swatch::Dashed(THRESHOLD_COLOR), threshold_label(&self.metric, t)));
        }
        draw_legend(&side, (8, 70), &entries)
    }
}

impl Cdf {
    /// The empirical CDF of `metric` for every strategy of an aggregator,
    /// over the replications of `runs`.
    pub fn from_aggregator(agg: &Aggregator, metric: &str, runs: Runs) -> Cdf {
        Cdf {
            title: format!("How often each {} is not exceeded", metric_words(metric)),
            metric: metric.into(),
            curves: agg
                .strategies()
                .iter()
                .enumerate()
                .map(|(i, n)| Curve {
                    name: n.clone(),
                    color: strategy_color(n, i),
                    points: agg.ecdf_of(i, metric, runs),
                })
                .collect(),
            threshold: agg.threshold(metric),
        }
    }
}

impl Chart for Cdf {
    fn size(&self) -> (u32, u32) {
        (1100, 540)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let (w, _) = self.size();
        let (plot, side) = area.split_horizontally(w as i32 - LEGEND_W - 40);
        let xs = self.curves.iter().flat_map(|c| c.points.iter().map(|p| p.0));
        let (lo, hi) = xs
            .chain(self.threshold)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| (a.min(x), b.max(x)));
        let scale = Scale::for_metric(&self.metric, lo.abs().max(hi.abs()));
        let d = scale.div;
        let (lo, hi) = value_range(lo / d, hi / d);
        // A little room left of 0, so that a jump at 0 is not hidden by the axis.
        let lo = if lo == 0.0 { -(hi * 0.02) } else { lo };
        let mut chart = ChartBuilder::on(&plot)
            .caption(&self.title, font(18.0))
            .margin(16)
            .x_label_area_size(46)
            .y_label_area_size(70)
            .build_cartesian_2d(lo..hi, 0f64..1.02)?;
        let metric = self.metric.clone();
        chart
            .configure_mesh()
            .x_label_formatter(&|x| scale.tick(*x))
            .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
            .x_desc(scale.describe(&metric))
            .y_desc("share of replications at or below")
            .label_style(font(13.0))
            .axis_desc_style(font(14.0))
            .draw()?;
        if let Some(t) = self.threshold {
            dashed(&mut chart, (t / d, 0.0), (t / d, 1.02), THRESHOLD_COLOR)?;
        }
        let mut entries = Vec::new();
        for Curve {
            name,
            color,
            points: pts,
        } in &self.curves
        {
            // A step function starting at zero.
            let mut path = Vec::with_capacity(pts.len() * 2 + 1);
            let mut prev = 0.0;
            if let Some(first) = pts.first() {
                path.push((lo, 0.0));
                path.push((first.0 / d, 0.0));
            }
            for (x, f) in pts {
                path.push((*x / d, prev));
                path.push((*x / d, *f));
                prev = *f;
            }
            path.push((hi, prev));
            chart.draw_series(std::iter::once(PathElement::new(path, color.stroke_width(3))))?;
            // The median in words: readable however close to 0 the curve.
            let median = pts.iter().find(|p| p.1 >= 0.5).map_or(f64::NAN, |p| p.0);
            entries.push((
                Swatch::Line(*color),
                format!("{name} (median {})", fmt_metric(&self.metric, median)),
            ));
        }
        if let Some(t) = self.threshold {
            entries.push((Swatch::Dashed(THRESHOLD_COLOR), threshold_label(&self.metric, t)));
        }
        draw_legend(&side, (8, 70), &entries)
    }
}

impl Diffs {
    /// Panels for `metrics` from the diff rows of a study.
    pub fn from_rows(agg: &Aggregator, rows: &[DiffRow], metrics: &[&str]) -> Diffs {
        let baseline = agg.strategies()[agg.baseline()].clone();
        let panels = metrics
            .iter()
            .map(|m| {
                let bars = agg
                    .strategies()
                    .iter()
                    .enumerate()
                    .filter_map(|(i, n)| {
                        rows.iter().find(|r| &r.strategy == n && r.metric == *m).map(|r| Bar {
                            name: n.clone(),
                            color: strategy_color(n, i),
                            mean: r.mean,
                            low: r.ci95_low,
                            high: r.ci95_high,
                        })
                    })
                    .collect();
                (m.to_string(), bars)
            })
            .collect();
        Diffs {
            title: format!("Paired differences against {baseline} (mean and 95% CI; left of 0 is less)"),
            baseline,
            panels,
        }
    }
}

impl Chart for Diffs {
    fn size(&self) -> (u32, u32) {
        let rows = self.panels.len().div_ceil(2).max(1) as u32;
        (1140, 70 + rows * 240)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let (w, _) = self.size();
        area.draw(&Text::new(
            self.title.clone(),
            (w as i32 / 2, 14),
            TextStyle::from(font(18.0)).pos(Pos::new(HPos::Center, VPos::Top)),
        ))?;
        let body = area.margin(56, 8, 8, 8);
        let rows = self.panels.len().div_ceil(2).max(1);
        let cells = body.split_evenly((rows, 2));
        for (cell, (metric, bars)) in cells.iter().zip(&self.panels) {
            let n = bars.len().max(1);
            let lo = bars.iter().map(|b| b.low).fold(0.0f64, f64::min);
            let hi = bars.iter().map(|b| b.high).fold(0.0f64, f64::max);
            let scale = Scale::for_metric(metric, lo.abs().max(hi.abs()));
            let d = scale.div;
            let (lo, hi) = pad_range(lo / d, hi / d);
            let names: Vec<String> = bars.iter().map(|b| b.name.clone()).collect();
            let mut chart = ChartBuilder::on(cell)
                .caption(scale.describe(metric), font(15.0))
                .margin(10)
                .x_label_area_size(30)
                .y_label_area_size(190)
                .build_cartesian_2d(lo..hi, -0.5f64..(n as f64 - 0.5))?;
            chart
                .configure_mesh()
                .disable_y_mesh()
                .y_labels(n + 1)
                .x_labels(6)
                .y_label_formatter(&|y| {
                    let i = y.round();
                    if (y - i).abs() < 0.01 && i >= 0.0 {
                        names.get(i as usize).cloned().unwrap_or_default()
                    } else {
                        String::new()
                    }
                })
                .x_label_formatter(&|x| scale.tick(*x))
                .label_style(font(12.5))
                .draw()?;
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(0.0, -0.5), (0.0, n as f64 - 0.5)],
                BLACK.mix(0.6),
            )))?;
            for (
                i,
                Bar {
                    color, mean, low, high, ..
                },
            ) in bars.iter().enumerate()
            {
                let y = i as f64;
                // In the axis unit, like the axis itself.
                let (mean, low, high) = (&(mean / d), &(low / d), &(high / d));
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(*low, y), (*high, y)],
                    color.stroke_width(4),
                )))?;
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(*low, y - 0.15), (*low, y + 0.15)],
                    color.stroke_width(2),
                )))?;
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(*high, y - 0.15), (*high, y + 0.15)],
                    color.stroke_width(2),
                )))?;
                chart.draw_series(std::iter::once(Circle::new((*mean, y), 6, color.filled())))?;
            }
        }
        Ok(())
    }
}

impl SweepLines {
    /// Runs of consecutive points where a strategy ran (finite means): a
    /// line is drawn through each run, never across a point where it did
    /// not run.
    pub fn runs(points: &[(f64, f64, f64)]) -> Vec<std::ops::Range<usize>> {
        let mut out = Vec::new();
        let mut start = None;
        for (i, p) in points.iter().enumerate() {
            match (p.0.is_finite(), start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    out.push(s..i);
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            out.push(s..points.len());
        }
        out
    }
}

impl Chart for SweepLines {
    fn size(&self) -> (u32, u32) {
        (1100, 560)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let (w, _) = self.size();
        let (plot, side) = area.split_horizontally(w as i32 - LEGEND_W);
        // A categorical parameter sits at evenly spaced places, its
        // strategies side by side; a numeric one at its values.
        let xs: Vec<f64> = if self.categorical {
            (0..self.xs.len()).map(|i| i as f64).collect()
        } else {
            self.xs.iter().map(|x| x.1).collect()
        };
        let (xlo, xhi) = if self.categorical {
            (-0.5, self.xs.len().max(1) as f64 - 0.5)
        } else {
            pad_range(
                xs.iter().cloned().fold(f64::INFINITY, f64::min),
                xs.iter().cloned().fold(f64::NEG_INFINITY, f64::max),
            )
        };
        let ys = self
            .lines
            .iter()
            .flat_map(|l| {
                l.points
                    .iter()
                    .filter(|p| p.0.is_finite())
                    .flat_map(|p| [p.0, p.1, p.2])
            })
            .filter(|v| v.is_finite());
        let (ylo, yhi) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| (a.min(y), b.max(y)));
        let (ylo, yhi) = if ylo.is_finite() { (ylo, yhi) } else { (0.0, 1.0) };
        let scale = Scale::for_metric(&self.metric, ylo.abs().max(yhi.abs()));
        let d = scale.div;
        let (ylo, yhi) = value_range(ylo / d, yhi / d);
        let mut chart = ChartBuilder::on(&plot)
            .caption(&self.title, font(18.0))
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(xlo..xhi, ylo..yhi)?;
        let metric = self.metric.clone();
        chart
            .configure_mesh()
            .x_labels(0)
            // The x axis is labelled at the swept values only, as they were
            // given ("12h", "1d", "50"), below: round-number ticks between
            // them would mix units.
            .x_label_formatter(&|_| String::new())
            .disable_x_mesh()
            .y_label_formatter(&|y| scale.tick(*y))
            .x_desc(self.param.clone())
            .y_desc(format!("mean {}", scale.describe(&metric)))
            .label_style(font(13.0))
            .axis_desc_style(font(14.0))
            .draw()?;
        let tick_style = TextStyle::from(font(13.0)).pos(Pos::new(HPos::Center, VPos::Top));
        let (bx, by) = plot.get_base_pixel();
        for ((label, _), x) in self.xs.iter().zip(&xs) {
            let (px, py) = chart.backend_coord(&(*x, ylo));
            let (px, py) = (px - bx, py - by);
            plot.draw(&PathElement::new(vec![(px, py), (px, py + 5)], BLACK))?;
            plot.draw(&Text::new(label.clone(), (px, py + 7), tick_style.clone()))?;
        }
        let k = self.lines.len().max(1) as f64;
        let mut entries = Vec::new();
        for (li, line) in self.lines.iter().enumerate() {
            let c = line.color;
            let pts: Vec<(f64, f64, f64)> = line.points.iter().map(|p| (p.0 / d, p.1 / d, p.2 / d)).collect();
            if self.categorical {
                // Side by side at each value: the 95 % CI as a bar, the mean
                // as a dot; no line between values that have no order.
                let off = (li as f64 - (k - 1.0) / 2.0) * (0.6 / k);
                for (x, p) in xs.iter().zip(&pts).filter(|(_, p)| p.0.is_finite()) {
                    let x = x + off;
                    chart.draw_series(std::iter::once(PathElement::new(
                        vec![(x, p.1), (x, p.2)],
                        c.stroke_width(3),
                    )))?;
                    chart.draw_series(std::iter::once(Circle::new((x, p.0), 5, c.filled())))?;
                }
                entries.push((Swatch::Dot(c), line.name.clone()));
                continue;
            }
            for run in Self::runs(&pts) {
                // The 95 % CI band, then the mean, over each run of points
                // where the strategy ran.
                let (rx, rp) = (&xs[run.clone()], &pts[run]);
                let mut band: Vec<(f64, f64)> = rx.iter().zip(rp).map(|(x, p)| (*x, p.2)).collect();
                band.extend(rx.iter().zip(rp).rev().map(|(x, p)| (*x, p.1)));
                chart.draw_series(std::iter::once(Polygon::new(band, c.mix(0.18).filled())))?;
                chart.draw_series(LineSeries::new(
                    rx.iter().zip(rp).map(|(x, p)| (*x, p.0)),
                    c.stroke_width(3),
                ))?;
                chart.draw_series(rx.iter().zip(rp).map(|(x, p)| Circle::new((*x, p.0), 4, c.filled())))?;
            }
            entries.push((Swatch::Line(c), line.name.clone()));
        }
        if self.lines.iter().any(|l| l.points.iter().any(|p| !p.0.is_finite())) {
            entries.push((Swatch::Box(WHITE), "no mark: did not run there".to_string()));
        }
        draw_legend(&side, (8, 70), &entries)
    }
}

/// Colour of a value between the smallest and largest of a heat map.
fn heat(v: f64, lo: f64, hi: f64) -> RGBColor {
    let f = if hi > lo {
        ((v - lo) / (hi - lo)).clamp(0.0, 1.0)
    } else {
        0.5
    };
    // Light yellow (low) to dark red (high).
    let (a, b) = ((255.0, 247.0, 188.0), (153.0, 0.0, 13.0));
    RGBColor(
        (a.0 + f * (b.0 - a.0)) as u8,
        (a.1 + f * (b.1 - a.1)) as u8,
        (a.2 + f * (b.2 - a.2)) as u8,
    )
}

impl Chart for HeatMap {
    fn size(&self) -> (u32, u32) {
        let cols = self.panels.len().clamp(1, 2) as u32;
        let rows = self.panels.len().div_ceil(2).max(1) as u32;
        (cols * 540 + 40, 90 + rows * 380)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let (w, _) = self.size();
        area.draw(&Text::new(
            self.title.clone(),
            (w as i32 / 2, 14),
            TextStyle::from(font(18.0)).pos(Pos::new(HPos::Center, VPos::Top)),
        ))?;
        let all = self
            .panels
            .iter()
            .flat_map(|p| p.1.iter().flatten().cloned())
            .filter(|v| v.is_finite());
        let (lo, hi) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
        let body = area.margin(56, 8, 8, 8);
        let cols = self.panels.len().clamp(1, 2);
        let rows = self.panels.len().div_ceil(2).max(1);
        let cells = body.split_evenly((rows, cols));
        for (cell, (name, grid)) in cells.iter().zip(&self.panels) {
            let (nx, ny) = (self.xs.len(), self.ys.len());
            let xs = self.xs.clone();
            let ys = self.ys.clone();
            let mut chart = ChartBuilder::on(cell)
                .caption(name, font(15.0))
                .margin(10)
                .x_label_area_size(40)
                .y_label_area_size(70)
                .build_cartesian_2d(-0.5f64..(nx as f64 - 0.5), -0.5f64..(ny as f64 - 0.5))?;
            chart
                .configure_mesh()
                .disable_mesh()
                .x_labels(nx + 1)
                .y_labels(ny + 1)
                .x_label_formatter(&|x| {
                    let i = x.round();
                    if (x - i).abs() < 0.01 && i >= 0.0 {
                        xs.get(i as usize).cloned().unwrap_or_default()
                    } else {
                        String::new()
                    }
                })
                .y_label_formatter(&|y| {
                    let i = y.round();
                    if (y - i).abs() < 0.01 && i >= 0.0 {
                        ys.get(i as usize).cloned().unwrap_or_default()
                    } else {
                        String::new()
                    }
                })
                .x_desc(self.param_x.clone())
                .y_desc(self.param_y.clone())
                .label_style(font(13.0))
                .axis_desc_style(font(14.0))
                .draw()?;
            for (yi, row) in grid.iter().enumerate() {
                for (xi, v) in row.iter().enumerate() {
                    let (x, y) = (xi as f64, yi as f64);
                    if !v.is_finite() {
                        // The strategy did not run at this point: no value.
                        chart.draw_series(std::iter::once(Rectangle::new(
                            [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)],
                            RGBColor(240, 240, 240).filled(),
                        )))?;
                        chart.draw_series(std::iter::once(Text::new(
                            "not run".to_string(),
                            (x, y),
                            TextStyle::from(font(13.0)).pos(Pos::new(HPos::Center, VPos::Center)),
                        )))?;
                        continue;
                    }
                    chart.draw_series(std::iter::once(Rectangle::new(
                        [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)],
                        heat(*v, lo, hi).filled(),
                    )))?;
                    let dark = (v - lo) / (hi - lo).max(1e-12) > 0.6;
                    chart.draw_series(std::iter::once(Text::new(
                        fmt_metric(&self.metric, *v),
                        (x, y),
                        font(14.0)
                            .color(if dark { &WHITE } else { &BLACK })
                            .pos(Pos::new(HPos::Center, VPos::Center)),
                    )))?;
                }
            }
        }
        Ok(())
    }
}
