//! Paired differences against the baseline: a mean and its 95 % CI per
//! strategy, one panel per metric.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::pad_range;
use crate::montecarlo::{Aggregator, DiffRow};
use crate::report::chart::{Chart, DrawResult, Scale, font, strategy_color};

/// A strategy's paired difference: mean and 95 % CI.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    pub name: String,
    pub color: RGBColor,
    pub mean: f64,
    pub low: f64,
    pub high: f64,
}

/// Paired differences against a baseline, one panel per metric.
#[derive(Clone, Debug, PartialEq)]
pub struct Diffs {
    pub title: String,
    pub baseline: String,
    /// (metric, one bar per strategy).
    pub panels: Vec<(String, Vec<Bar>)>,
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
