//! Charts of Monte-Carlo studies: distributions, empirical CDFs, paired
//! differences, sweeps (lines with CI bands, heat maps).
//!
//! Each chart is plain data plus a drawing, so tests can render them from
//! fixed numbers; the `from_*` constructors fill them from an aggregator.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::chart::{Chart, DrawResult, FONT, Scale, fmt_metric, metric_label, metric_words, strategy_color};
use crate::metrics::{self, METRICS};
use crate::montecarlo::{Aggregator, DiffRow, SummaryRow};

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
    /// Per strategy, (mean, low, high) at each x.
    pub lines: Vec<Curve<(f64, f64, f64)>>,
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
    for m in cdf_metrics() {
        out.push((format!("cdf-{m}"), StudyChart::Cdf(Cdf::from_aggregator(agg, m))));
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
            let q = agg.quantiles(i, metric, &[0.05, 0.25, 0.5, 0.75, 0.95])?;
            let row = summary.iter().find(|r| &r.strategy == name && r.metric == metric)?;
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
            boxes,
        })
    }
}

impl Chart for Distribution {
    fn size(&self) -> (u32, u32) {
        (900, 520)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let n = self.boxes.len().max(1);
        let lo = self
            .boxes
            .iter()
            .map(|b| b.q[0].min(b.ci.0))
            .fold(f64::INFINITY, f64::min);
        let hi = self
            .boxes
            .iter()
            .map(|b| b.q[4].max(b.ci.1))
            .fold(f64::NEG_INFINITY, f64::max);
        let scale = Scale::for_metric(&self.metric, lo.abs().max(hi.abs()));
        let d = scale.div;
        let (lo, hi) = pad_range(lo / d, hi / d);
        let names: Vec<String> = self.boxes.iter().map(|b| b.name.clone()).collect();
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, (FONT, 22))
            .margin(16)
            .x_label_area_size(46)
            .y_label_area_size(80)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), lo..hi)?;
        let metric = self.metric.clone();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n + 1)
            .x_label_formatter(&|x| {
                let i = x.round();
                if (x - i).abs() < 0.01 && i >= 0.0 {
                    names.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|y| scale.tick(*y))
            .y_desc(scale.describe(&metric))
            .x_desc("strategy")
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 15))
            .draw()?;
        for (i, b) in self.boxes.iter().enumerate() {
            let x = i as f64;
            let c = b.color;
            let q = b.q.map(|v| v / d);
            let b = BoxStats {
                q,
                mean: b.mean / d,
                ci: (b.ci.0 / d, b.ci.1 / d),
                ..b.clone()
            };
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x - 0.25, b.q[1]), (x + 0.25, b.q[3])],
                c.mix(0.35).filled(),
            )))?;
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x - 0.25, b.q[1]), (x + 0.25, b.q[3])],
                c.stroke_width(2),
            )))?;
            for seg in [
                vec![(x - 0.25, b.q[2]), (x + 0.25, b.q[2])],
                vec![(x, b.q[0]), (x, b.q[1])],
                vec![(x, b.q[3]), (x, b.q[4])],
                vec![(x - 0.1, b.q[0]), (x + 0.1, b.q[0])],
                vec![(x - 0.1, b.q[4]), (x + 0.1, b.q[4])],
            ] {
                chart.draw_series(std::iter::once(PathElement::new(seg, c.stroke_width(2))))?;
            }
            // The mean and its confidence interval, beside the box.
            let xm = x + 0.33;
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(xm, b.ci.0), (xm, b.ci.1)],
                BLACK.stroke_width(2),
            )))?;
            chart.draw_series(std::iter::once(Circle::new((xm, b.mean), 5, BLACK.filled())))?;
        }
        // Legend for the glyphs (empty series: nothing drawn on the plot).
        chart
            .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())?
            .label("mean and 95% CI")
            .legend(|(x, y)| Circle::new((x + 8, y), 5, BLACK.filled()));
        chart
            .draw_series(std::iter::empty::<Rectangle<(f64, f64)>>())?
            .label("box: p25-p75, line: median, whiskers: p5-p95")
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 16, y + 5)], RGBColor(0, 114, 178).mix(0.35).filled()));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.4))
            .label_font((FONT, 13))
            .draw()?;
        Ok(())
    }
}

impl Cdf {
    /// The empirical CDF of `metric` for every strategy of an aggregator.
    pub fn from_aggregator(agg: &Aggregator, metric: &str) -> Cdf {
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
                    points: agg.ecdf(i, metric),
                })
                .collect(),
        }
    }
}

impl Chart for Cdf {
    fn size(&self) -> (u32, u32) {
        (900, 520)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let xs = self.curves.iter().flat_map(|c| c.points.iter().map(|p| p.0));
        let (lo, hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| (a.min(x), b.max(x)));
        let scale = Scale::for_metric(&self.metric, lo.abs().max(hi.abs()));
        let d = scale.div;
        let (lo, hi) = pad_range(lo / d, hi / d);
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, (FONT, 22))
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
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 15))
            .draw()?;
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
            let c = *color;
            chart
                .draw_series(std::iter::once(PathElement::new(path, c.stroke_width(3))))?
                .label(name.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(3)));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.4))
            .label_font((FONT, 14))
            .draw()?;
        Ok(())
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
        (1200, 70 + rows * 230)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let (w, _) = self.size();
        area.draw(&Text::new(
            self.title.clone(),
            (w as i32 / 2, 14),
            TextStyle::from((FONT, 22).into_font()).pos(Pos::new(HPos::Center, VPos::Top)),
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
                .caption(scale.describe(metric), (FONT, 16))
                .margin(10)
                .x_label_area_size(30)
                .y_label_area_size(190)
                .build_cartesian_2d(lo..hi, -0.5f64..(n as f64 - 0.5))?;
            chart
                .configure_mesh()
                .disable_y_mesh()
                .y_labels(n + 1)
                .y_label_formatter(&|y| {
                    let i = y.round();
                    if (y - i).abs() < 0.01 && i >= 0.0 {
                        names.get(i as usize).cloned().unwrap_or_default()
                    } else {
                        String::new()
                    }
                })
                .x_label_formatter(&|x| scale.tick(*x))
                .label_style((FONT, 12))
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

impl Chart for SweepLines {
    fn size(&self) -> (u32, u32) {
        (900, 540)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let xs: Vec<f64> = self.xs.iter().map(|x| x.1).collect();
        let (xlo, xhi) = pad_range(
            xs.iter().cloned().fold(f64::INFINITY, f64::min),
            xs.iter().cloned().fold(f64::NEG_INFINITY, f64::max),
        );
        let ys = self
            .lines
            .iter()
            .flat_map(|l| l.points.iter().flat_map(|p| [p.1, p.2]))
            .filter(|v| v.is_finite());
        let (ylo, yhi) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| (a.min(y), b.max(y)));
        let scale = Scale::for_metric(&self.metric, ylo.abs().max(yhi.abs()));
        let d = scale.div;
        let (ylo, yhi) = pad_range(ylo.min(0.0) / d, yhi / d);
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, (FONT, 22))
            .margin(16)
            .x_label_area_size(46)
            .y_label_area_size(80)
            .build_cartesian_2d(xlo..xhi, ylo..yhi)?;
        let metric = self.metric.clone();
        chart
            .configure_mesh()
            .x_labels(12)
            // The x axis is labelled at the swept values only, as they were
            // given ("12h", "1d", "50"), below: round-number ticks between
            // them would mix units.
            .x_label_formatter(&|_| String::new())
            .y_label_formatter(&|y| scale.tick(*y))
            .x_desc(self.param.clone())
            .y_desc(format!("mean {}", scale.describe(&metric)))
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 15))
            .draw()?;
        let tick_style = TextStyle::from((FONT, 13).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
        let (bx, by) = area.get_base_pixel();
        for (label, x) in &self.xs {
            let (px, py) = chart.backend_coord(&(*x, ylo));
            let (px, py) = (px - bx, py - by);
            area.draw(&PathElement::new(vec![(px, py), (px, py + 5)], BLACK))?;
            area.draw(&Text::new(label.clone(), (px, py + 7), tick_style.clone()))?;
        }
        for Curve {
            name,
            color,
            points: pts,
        } in &self.lines
        {
            let c = *color;
            // The 95 % CI band, then the mean.
            let pts: Vec<(f64, f64, f64)> = pts.iter().map(|p| (p.0 / d, p.1 / d, p.2 / d)).collect();
            let pts = &pts;
            let mut band: Vec<(f64, f64)> = xs.iter().zip(pts).map(|(x, p)| (*x, p.2)).collect();
            band.extend(xs.iter().zip(pts).rev().map(|(x, p)| (*x, p.1)));
            chart.draw_series(std::iter::once(Polygon::new(band, c.mix(0.18).filled())))?;
            chart
                .draw_series(LineSeries::new(
                    xs.iter().zip(pts).map(|(x, p)| (*x, p.0)),
                    c.stroke_width(3),
                ))?
                .label(name.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(3)));
            chart.draw_series(xs.iter().zip(pts).map(|(x, p)| Circle::new((*x, p.0), 4, c.filled())))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.4))
            .label_font((FONT, 14))
            .draw()?;
        Ok(())
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
        (cols * 560 + 40, 90 + rows * 380)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let (w, _) = self.size();
        area.draw(&Text::new(
            self.title.clone(),
            (w as i32 / 2, 14),
            TextStyle::from((FONT, 22).into_font()).pos(Pos::new(HPos::Center, VPos::Top)),
        ))?;
        let all = self.panels.iter().flat_map(|p| p.1.iter().flatten().cloned());
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
                .caption(name, (FONT, 16))
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
                .label_style((FONT, 12))
                .axis_desc_style((FONT, 13))
                .draw()?;
            for (yi, row) in grid.iter().enumerate() {
                for (xi, v) in row.iter().enumerate() {
                    let (x, y) = (xi as f64, yi as f64);
                    chart.draw_series(std::iter::once(Rectangle::new(
                        [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)],
                        heat(*v, lo, hi).filled(),
                    )))?;
                    let dark = (v - lo) / (hi - lo).max(1e-12) > 0.6;
                    chart.draw_series(std::iter::once(Text::new(
                        fmt_metric(&self.metric, *v),
                        (x, y),
                        (FONT, 13)
                            .into_font()
                            .color(if dark { &WHITE } else { &BLACK })
                            .pos(Pos::new(HPos::Center, VPos::Center)),
                    )))?;
                }
            }
        }
        Ok(())
    }
}
