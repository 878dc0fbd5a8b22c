//! Empirical CDFs of one metric, one step curve per strategy.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    Curve, LEGEND_W, THRESHOLD_COLOR, dashed, draw_order, first_same, same_name, strokes, threshold_label, value_range,
};
use crate::montecarlo::{Aggregator, Runs};
use crate::report::chart::{
    Chart, DrawResult, Scale, Swatch, draw_legend, fmt_metric, font, metric_words, strategy_color,
};

/// Empirical CDFs of one metric, one curve per strategy.
#[derive(Clone, Debug, PartialEq)]
pub struct Cdf {
    pub title: String,
    pub metric: String,
    pub curves: Vec<Curve<(f64, f64)>>,
    /// The scenario's threshold for the metric, drawn as a dashed line.
    pub threshold: Option<f64>,
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
        // Strategies with the same results would hide each other: the later
        // ones are drawn over the first, thinner and dashed, and named with it.
        let first = first_same(&self.curves);
        let strokes = strokes(&first);
        for i in draw_order(&strokes) {
            let Curve { color, points: pts, .. } = &self.curves[i];
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
            strokes[i].draw(chart.plotting_area(), path, *color)?;
        }
        for (i, Curve { name, color, points }) in self.curves.iter().enumerate() {
            let swatch = strokes[i].swatch(*color);
            if first[i] != i {
                entries.push((swatch, same_name(&self.curves, &first, i)));
                continue;
            }
            // The median in words: readable however close to 0 the curve.
            let median = points.iter().find(|p| p.1 >= 0.5).map_or(f64::NAN, |p| p.0);
            entries.push((swatch, format!("{name} (median {})", fmt_metric(&self.metric, median))));
        }
        if let Some(t) = self.threshold {
            entries.push((Swatch::Dashed(THRESHOLD_COLOR), threshold_label(&self.metric, t)));
        }
        draw_legend(&side, (8, 70), &entries)
    }
}
