//! The distribution of one metric across strategies: a box plot with the
//! mean and its 95 % CI beside each box.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{LEGEND_W, THRESHOLD_COLOR, dashed, threshold_label, value_range};
use crate::montecarlo::{Aggregator, SummaryRow};
use crate::report::chart::{
    Chart, DrawResult, Scale, Swatch, draw_legend, fmt_metric, font, metric_label, strategy_color,
};

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
