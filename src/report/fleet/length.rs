//! The campaign's length across runs, per plan.

use std::fmt::Write;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axis::{DEADLINE_COLOR, fleet_day};
use super::gantt::G_WIDTH;
use super::words::{done_share, row};
use crate::fleet::Fleet;
use crate::montecarlo::Aggregator;
use crate::report::chart::{Chart, DrawResult, LEGEND_ROW_PX, PALETTE, Swatch, draw_legend, font};
use crate::report::page::{percent, thousands};
use crate::time::MS_PER_DAY;

/// One plan's curve.
#[derive(Clone, Debug)]
pub struct LengthCurve {
    pub plan: String,
    pub color: RGBColor,
    /// (days, share of runs at or below).
    pub points: Vec<(f64, f64)>,
    /// The legend's text.
    pub label: String,
}

/// The distribution of campaign length per plan (empirical CDFs).
#[derive(Clone, Debug)]
pub struct CampaignLength {
    pub title: String,
    pub curves: Vec<LengthCurve>,
    /// The deadline in days after the start, and its label.
    pub deadline: Option<(f64, String)>,
}

/// The colour of plan `i`.
pub fn plan_color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Empirical CDFs of the campaign length, one per plan.
pub fn campaign_length(fleet: &Fleet, agg: &Aggregator) -> CampaignLength {
    let rows = agg.summary();
    let d = MS_PER_DAY as f64 / 1000.0;
    let curves = agg
        .strategies()
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let points: Vec<(f64, f64)> = agg.ecdf(i, "campaign_s").into_iter().map(|(x, f)| (x / d, f)).collect();
            let median = row(&rows, name, "campaign_s").map_or(f64::NAN, |r| r.p50 / d);
            let mut label = format!("{name}: median {median:.1} days");
            if fleet.deadline_unix_ms.is_some()
                && let Some((_, _, lo, hi)) = done_share(&rows, name)
            {
                let r = row(&rows, name, "done_by_deadline").map_or(0.0, |r| r.mean);
                let _ = write!(
                    label,
                    ", P(done by deadline) {} [{}, {}]",
                    percent(r),
                    percent(lo),
                    percent(hi)
                );
            }
            LengthCurve {
                plan: name.clone(),
                color: plan_color(i),
                points,
                label,
            }
        })
        .collect();
    let deadline = fleet.deadline_unix_ms.map(|u| {
        let t = u - fleet.start_unix_ms;
        (
            t as f64 / MS_PER_DAY as f64,
            format!(
                "deadline {} (day {:.0})",
                fleet_day(fleet, t - 1),
                t as f64 / MS_PER_DAY as f64
            ),
        )
    });
    CampaignLength {
        title: format!(
            "Campaign length per plan, {} runs each (stopped runs count at their stop)",
            thousands(agg.replications())
        ),
        curves,
        deadline,
    }
}

impl Chart for CampaignLength {
    fn size(&self) -> (u32, u32) {
        let rows = self.curves.len() + usize::from(self.deadline.is_some());
        (G_WIDTH, 470 + rows as u32 * LEGEND_ROW_PX as u32 + 16)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let (plot, side) = area.split_vertically(470);
        let xs = self.curves.iter().flat_map(|c| c.points.iter().map(|p| p.0));
        let hi = xs
            .chain(self.deadline.as_ref().map(|d| d.0))
            .fold(f64::NEG_INFINITY, f64::max);
        let hi = if hi.is_finite() && hi > 0.0 { hi * 1.06 } else { 1.0 };
        let lo = -hi * 0.02;
        let mut chart = ChartBuilder::on(&plot)
            .caption(&self.title, font(18.0))
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d(lo..hi, 0f64..1.02)?;
        chart
            .configure_mesh()
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
            .x_desc("campaign length (days after the start)")
            .y_desc("share of runs done within")
            .label_style(font(13.0))
            .axis_desc_style(font(14.0))
            .draw()?;
        let mut entries = Vec::new();
        if let Some((d, label)) = &self.deadline {
            let n = 40;
            for k in (0..n).step_by(2) {
                let (a, b) = (k as f64 / n as f64 * 1.02, (k + 1) as f64 / n as f64 * 1.02);
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(*d, a), (*d, b)],
                    DEADLINE_COLOR.stroke_width(2),
                )))?;
            }
            entries.push((Swatch::Dashed(DEADLINE_COLOR), label.clone()));
        }
        // Earlier plans are drawn wider, under the later ones: plans with
        // the same lengths show as stripes of their colours, none hidden.
        let n = self.curves.len();
        for (i, c) in self.curves.iter().enumerate() {
            let width = 3 + 2 * (n - 1 - i).min(3) as u32;
            let mut path = Vec::with_capacity(c.points.len() * 2 + 2);
            let mut prev = 0.0;
            if let Some(first) = c.points.first() {
                path.push((lo, 0.0));
                path.push((first.0, 0.0));
            }
            for &(x, f) in &c.points {
                path.push((x, prev));
                path.push((x, f));
                prev = f;
            }
            path.push((hi, prev));
            chart.draw_series(std::iter::once(PathElement::new(path, c.color.stroke_width(width))))?;
            entries.push((Swatch::Line(c.color), c.label.clone()));
        }
        draw_legend(&side, (86, 0), &entries)
    }
}
