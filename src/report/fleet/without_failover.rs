//! The number of sites without a working failover over one campaign run.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::{DateAxis, WaveMark, chart_end, deadline_mark, draw_deadline, fleet_day, wave_marks};
use super::gantt::{G_RIGHT, G_WIDTH, Phase};
use crate::fleet::Fleet;
use crate::fleet::campaign::CampaignRun;
use crate::report::chart::{Chart, DrawResult, font};

/// The number of sites without a working failover over one run.
#[derive(Clone, Debug)]
pub struct WithoutFailover {
    pub title: String,
    /// (campaign ms, sites without failover from then on), in time order.
    pub steps: Vec<(i64, u64)>,
    /// The most at one instant and when first reached.
    pub peak: (u64, i64),
    /// The peak's label (`peak 4 sites, 1 Apr`).
    pub peak_label: String,
    pub waves: Vec<WaveMark>,
    pub deadline: Option<(i64, String)>,
    axis: DateAxis,
}

const W_HEIGHT: u32 = 440;
const W_LEFT: i32 = 80;
const W_TOP: i32 = 96;
const W_BOTTOM: i32 = 360;

/// The count of sites without a working failover, as a step line over
/// the dated axis, its peak marked (the metric
/// `peak_sites_without_failover`).
pub fn without_failover(fleet: &Fleet, plan: usize, run: &CampaignRun) -> WithoutFailover {
    let mut ev: Vec<(i64, i32)> = Vec::new();
    // Every run of every site: a site run again was without failover in
    // its first run too (the metric counts both).
    for s in run.all_runs() {
        for &(a, b) in &s.exposure {
            if b > a {
                ev.push((a, 1));
                ev.push((b, -1));
            }
        }
    }
    // Ends before starts at one instant, as the metric counts.
    ev.sort_unstable();
    let mut steps: Vec<(i64, u64)> = vec![(0, 0)];
    let mut now = 0i64;
    let mut peak = (0u64, 0i64);
    for (t, d) in ev {
        now += d as i64;
        let n = now.max(0) as u64;
        if n > peak.0 {
            peak = (n, t);
        }
        match steps.last_mut() {
            Some(last) if last.0 == t => last.1 = n,
            _ => steps.push((t, n)),
        }
    }
    let peak_label = if peak.0 == 0 {
        "no site without failover".to_string()
    } else {
        format!(
            "peak {} site{}, {}",
            peak.0,
            if peak.0 == 1 { "" } else { "s" },
            fleet_day(fleet, peak.1)
        )
    };
    let to = chart_end(fleet, run);
    WithoutFailover {
        title: format!(
            "Plan {}: sites without a working failover (replication 0 of runs.csv)",
            fleet.plans[plan].name
        ),
        steps,
        peak,
        peak_label,
        waves: wave_marks(fleet, plan, run),
        deadline: deadline_mark(fleet),
        axis: DateAxis::new(fleet, to, W_LEFT, G_WIDTH as i32 - G_RIGHT),
    }
}

impl Chart for WithoutFailover {
    fn size(&self) -> (u32, u32) {
        (G_WIDTH, W_HEIGHT)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let axis = &self.axis;
        let (x0, x1) = (axis.x0, axis.x1);
        area.draw(&Text::new(self.title.clone(), (14, 12), font(20.0)))?;
        let ymax = ((self.peak.0 as f64 * 1.2).ceil() as u64).max(self.peak.0 + 1).max(2);
        let yv = |n: u64| W_BOTTOM - ((n as f64 / ymax as f64) * (W_BOTTOM - W_TOP) as f64).round() as i32;
        // Integer ticks, at most 6.
        let step = [1u64, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000]
            .into_iter()
            .find(|s| ymax / s <= 6)
            .unwrap_or(ymax.div_ceil(6));
        let mut n = 0;
        while n <= ymax {
            let y = yv(n);
            area.draw(&PathElement::new(vec![(x0, y), (x1, y)], RGBColor(225, 225, 225)))?;
            area.draw(&Text::new(
                n.to_string(),
                (x0 - 8, y),
                TextStyle::from(font(12.0)).pos(Pos::new(HPos::Right, VPos::Center)),
            ))?;
            n += step;
        }
        area.draw(&Text::new(
            "sites",
            (18, (W_TOP + W_BOTTOM) / 2),
            TextStyle::from(font(14.0).transform(FontTransform::Rotate270)).pos(Pos::new(HPos::Center, VPos::Center)),
        ))?;
        // Waves: light lines with their names along the top.
        let mut row_end = [i32::MIN; 2];
        for w in &self.waves {
            let Some((a, _)) = w.span else { continue };
            let x = axis.x(a);
            area.draw(&PathElement::new(
                vec![(x, W_TOP - 6), (x, W_BOTTOM)],
                RGBColor(150, 150, 150),
            ))?;
            let tw = area.estimate_text_size(&w.label, &TextStyle::from(font(12.0)))?.0 as i32;
            let row = (0..2).find(|r| x >= row_end[*r] + 6).unwrap_or(1);
            row_end[row] = x + tw;
            area.draw(&Text::new(
                w.label.clone(),
                (x + 3, W_TOP - 8 - 15 * row as i32),
                TextStyle::from(font(12.0)).pos(Pos::new(HPos::Left, VPos::Bottom)),
            ))?;
        }
        // The step line, filled under it.
        let mut pts: Vec<(i32, i32)> = Vec::with_capacity(self.steps.len() * 2 + 2);
        let mut prev = 0u64;
        for &(t, n) in &self.steps {
            let x = axis.x(t);
            pts.push((x, yv(prev)));
            pts.push((x, yv(n)));
            prev = n;
        }
        pts.push((x1, yv(prev)));
        let mut poly = pts.clone();
        poly.push((x1, yv(0)));
        poly.push((x0, yv(0)));
        area.draw(&Polygon::new(poly, Phase::Exposed.color().mix(0.35).filled()))?;
        area.draw(&PathElement::new(pts, Phase::Exposed.color().stroke_width(2)))?;
        area.draw(&PathElement::new(vec![(x0, W_TOP), (x0, W_BOTTOM)], BLACK))?;
        // The deadline.
        if let Some((t, label)) = &self.deadline {
            draw_deadline(area, axis.x(*t), label, W_TOP - 40, W_BOTTOM, x1 + G_RIGHT - 2)?;
        }
        // The peak: a dot and its label on a white box.
        let (px, py) = (axis.x(self.peak.1), yv(self.peak.0));
        if self.peak.0 > 0 {
            area.draw(&Circle::new((px, py), 5, BLACK.filled()))?;
        }
        let tw = area
            .estimate_text_size(&self.peak_label, &TextStyle::from(font(14.0)))?
            .0 as i32;
        let lx = (px + 10).min(x1 - tw - 4).max(x0 + 4);
        let ly = (py - 14).max(W_TOP + 10);
        area.draw(&Rectangle::new(
            [(lx - 4, ly - 11), (lx + tw + 4, ly + 11)],
            WHITE.filled(),
        ))?;
        area.draw(&Text::new(
            self.peak_label.clone(),
            (lx, ly),
            TextStyle::from(font(14.0)).pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
        axis.draw(area, W_BOTTOM)
    }
}
