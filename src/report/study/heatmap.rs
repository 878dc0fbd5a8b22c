//! A two-parameter sweep: a heat map of one metric's means per strategy.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::report::chart::{Chart, DrawResult, fmt_metric, font};

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
