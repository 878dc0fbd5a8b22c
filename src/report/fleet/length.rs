//! How each plan's campaigns ended, day by day: the share of its runs done
//! by each day after the start, the share stopped by then stacked above
//! it, and the rest not done yet (or never) — cumulative incidence, one
//! panel per plan on a shared axis, the deadline across them all.
//!
//! A run counts as done at its `campaign_s` only when its outcome is done;
//! a stopped run counts as stopped at its `stop_s`, never as done; an
//! unfinished run stays "not done" to the right edge. At the deadline the
//! done share is the plan's P(done by the deadline), the same count as
//! `done_by_deadline` in `runs.csv` and the report's tables.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::{DEADLINE_COLOR, dashed_v, fleet_day};
use super::gantt::G_WIDTH;
use super::tally::Tally;
use crate::fleet::Fleet;
use crate::fleet::study::FleetStats;
use crate::report::chart::{Chart, DrawResult, LEGEND_ROW_PX, font, hatch};
use crate::report::page::{percent, thousands};

/// The colour of the runs done (Okabe–Ito bluish green).
pub const DONE_COLOR: RGBColor = RGBColor(0, 158, 115);
/// The colour of the runs stopped (Okabe–Ito vermillion, hatched).
pub const STOPPED_COLOR: RGBColor = RGBColor(213, 94, 0);
/// The colour of the runs not done yet, or never.
pub const PENDING_COLOR: RGBColor = RGBColor(228, 228, 228);

const DAY_S: f64 = 86_400.0;

/// One plan's panel.
#[derive(Clone, Debug)]
pub struct LengthPanel {
    pub plan: String,
    /// The plan's runs by outcome.
    pub tally: Tally,
    /// Above the panel: the runs, done (with their median length), stopped
    /// and unfinished.
    pub heading: String,
    /// At the deadline: P(done by the deadline) with its 95 % interval.
    pub at_deadline: Option<String>,
}

impl LengthPanel {
    /// The share of the plan's runs done within `s` seconds of the start.
    pub fn done_share(&self, s: f64) -> f64 {
        self.tally.done_within(s) as f64 / self.tally.n.max(1) as f64
    }

    /// The share of the plan's runs stopped within `s` seconds.
    pub fn stopped_share(&self, s: f64) -> f64 {
        self.tally.stopped_within(s) as f64 / self.tally.n.max(1) as f64
    }
}

/// How each plan's runs ended over campaign days.
#[derive(Clone, Debug)]
pub struct CampaignLength {
    pub title: String,
    pub panels: Vec<LengthPanel>,
    /// The deadline in seconds after the start, and its label.
    pub deadline: Option<(f64, String)>,
    /// The right edge, seconds after the start.
    pub x_max_s: f64,
}

/// The cumulative incidence of done and stopped runs, a panel per plan.
pub fn campaign_length(fleet: &Fleet, stats: &FleetStats) -> CampaignLength {
    let has_deadline = fleet.deadline_unix_ms.is_some();
    let panels: Vec<LengthPanel> = fleet
        .plans
        .iter()
        .zip(Tally::all(stats, has_deadline))
        .map(|(plan, tally)| {
            let median = tally
                .done_median()
                .map_or(String::new(), |m| format!(", median {:.1} days", m / DAY_S));
            let heading = format!(
                "{}: {} runs · {} done{median} · {} stopped · {} unfinished",
                plan.name,
                thousands(tally.n),
                thousands(tally.done),
                thousands(tally.stopped),
                thousands(tally.unfinished)
            );
            let at_deadline = tally.deadline_share().map(|(x, n, lo, hi)| {
                format!(
                    "done by the deadline: {} of {} ({} [{}, {}])",
                    thousands(x),
                    thousands(n),
                    percent(x as f64 / n as f64),
                    percent(lo),
                    percent(hi)
                )
            });
            LengthPanel {
                plan: plan.name.clone(),
                tally,
                heading,
                at_deadline,
            }
        })
        .collect();
    let deadline = fleet.deadline_unix_ms.map(|u| {
        let t = u - fleet.start_unix_ms;
        (
            t as f64 / 1000.0,
            format!(
                "deadline {} (day {:.0})",
                fleet_day(fleet, t - 1),
                t as f64 / 86_400_000.0
            ),
        )
    });
    let last = panels
        .iter()
        .flat_map(|p| p.tally.done_s.last().into_iter().chain(p.tally.stop_s.last()))
        .copied()
        .chain(deadline.as_ref().map(|d| d.0))
        .fold(0.0f64, f64::max);
    let x_max_s = if last > 0.0 { last * 1.06 } else { DAY_S };
    CampaignLength {
        title: format!(
            "How the campaigns ended: share of runs done, stopped, not done yet, by day ({} runs per plan)",
            thousands(stats.replications())
        ),
        panels,
        deadline,
        x_max_s,
    }
}

const L_LEFT: i32 = 70;
const L_RIGHT: i32 = 24;
const L_TOP: i32 = 78;
const HEAD_PX: i32 = 22;
const GAP_PX: i32 = 14;

impl CampaignLength {
    fn plot_px(&self) -> i32 {
        match self.panels.len() {
            0..=3 => 110,
            4..=6 => 80,
            _ => 60,
        }
    }

    fn panels_bottom(&self) -> i32 {
        L_TOP + self.panels.len().max(1) as i32 * (HEAD_PX + self.plot_px() + GAP_PX) - GAP_PX
    }

    fn x(&self, s: f64) -> i32 {
        let (x0, x1) = (L_LEFT, G_WIDTH as i32 - L_RIGHT);
        x0 + ((s / self.x_max_s).clamp(0.0, 1.0) * (x1 - x0) as f64).round() as i32
    }

    /// Ticks in days: 1, 2, 5, 10, 20, ... apart, at most 14.
    fn ticks(&self) -> Vec<f64> {
        let days = self.x_max_s / DAY_S;
        let step = [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0]
            .into_iter()
            .find(|s| days / s <= 14.0)
            .unwrap_or(1000.0);
        let mut out = Vec::new();
        let mut d = 0.0;
        while d <= days {
            out.push(d);
            d += step;
        }
        out
    }
}

impl Chart for CampaignLength {
    fn size(&self) -> (u32, u32) {
        (G_WIDTH, (self.panels_bottom() + 64 + LEGEND_ROW_PX + 20) as u32)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let (x0, x1) = (L_LEFT, G_WIDTH as i32 - L_RIGHT);
        let plot_px = self.plot_px();
        let bottom = self.panels_bottom();
        area.draw(&Text::new(self.title.clone(), (14, 12), font(18.0)))?;
        area.draw(&Text::new(
            "Green from the bottom: runs done (every site on the new version). Hatched above: runs stopped. Grey: not done yet, or never.",
            (14, 38),
            font(13.0),
        ))?;
        let left = |s: &str, x: i32, y: i32, px: f64| {
            Text::new(
                s.to_string(),
                (x, y),
                TextStyle::from(font(px)).pos(Pos::new(HPos::Left, VPos::Center)),
            )
        };
        let dl_x = self.deadline.as_ref().map(|(s, _)| self.x(*s));
        for (i, p) in self.panels.iter().enumerate() {
            let top = L_TOP + i as i32 * (HEAD_PX + plot_px + GAP_PX);
            let (ya, yb) = (top + HEAD_PX, top + HEAD_PX + plot_px);
            let yv = |f: f64| yb - (f.clamp(0.0, 1.0) * (yb - ya) as f64).round() as i32;
            area.draw(&left(&p.heading, x0, top + HEAD_PX / 2 - 1, 13.0))?;
            // The plot: per pixel column, the shares at its left edge.
            area.draw(&Rectangle::new([(x0, ya), (x1, yb)], PENDING_COLOR.filled()))?;
            let cols = (x1 - x0).max(1);
            let at = |c: i32| -> (f64, f64) {
                let s = self.x_max_s * c as f64 / cols as f64;
                (p.done_share(s), p.stopped_share(s))
            };
            let mut c = 0;
            while c < cols {
                let v = at(c);
                let mut e = c + 1;
                while e < cols && at(e) == v {
                    e += 1;
                }
                let (xa, xb) = (x0 + c, x0 + e);
                let (done, stopped) = v;
                if done > 0.0 {
                    area.draw(&Rectangle::new([(xa, yv(done)), (xb, yb)], DONE_COLOR.filled()))?;
                }
                if stopped > 0.0 {
                    let (ta, tb) = (yv(done + stopped), yv(done));
                    area.draw(&Rectangle::new([(xa, ta), (xb, tb)], STOPPED_COLOR.filled()))?;
                }
                c = e;
            }
            // The hatch over the stopped band, in boxes of equal height
            // at least 4 px tall.
            let mut c = 0;
            while c < cols {
                let (done, stopped) = at(c);
                let (ta, tb) = (yv(done + stopped), yv(done));
                let mut e = c + 1;
                while e < cols && {
                    let (d2, s2) = at(e);
                    (yv(d2 + s2), yv(d2)) == (ta, tb)
                } {
                    e += 1;
                }
                if tb - ta >= 4 {
                    hatch(area, x0 + c, ta, x0 + e, tb)?;
                }
                c = e;
            }
            // Axes: 0, 50 and 100 % of the runs.
            for (f, label) in [(0.0, "0 %"), (0.5, "50 %"), (1.0, "100 %")] {
                let y = yv(f);
                if f == 0.5 {
                    area.draw(&PathElement::new(
                        vec![(x0, y), (x1, y)],
                        WHITE.mix(0.6).stroke_width(1),
                    ))?;
                }
                area.draw(&PathElement::new(vec![(x0 - 4, y), (x0, y)], BLACK))?;
                area.draw(&Text::new(
                    label,
                    (x0 - 7, y),
                    TextStyle::from(font(12.0)).pos(Pos::new(HPos::Right, VPos::Center)),
                ))?;
            }
            area.draw(&PathElement::new(vec![(x0, ya), (x0, yb), (x1, yb)], BLACK))?;
            // The deadline: the line, a mark where the done share meets it,
            // and that share in words.
            if let (Some((s, _)), Some(x)) = (&self.deadline, dl_x) {
                dashed_v(area, x, ya, yb, DEADLINE_COLOR.stroke_width(2))?;
                let y = yv(p.done_share(*s));
                area.draw(&PathElement::new(vec![(x - 7, y), (x + 7, y)], BLACK.stroke_width(3)))?;
                if let Some(text) = &p.at_deadline {
                    let tw = area.estimate_text_size(text, &TextStyle::from(font(13.0)))?.0 as i32;
                    let head_w = area.estimate_text_size(&p.heading, &TextStyle::from(font(13.0)))?.0 as i32;
                    // In the heading's row, ending at the line (or starting
                    // at it when there is no room on its left).
                    let (tx, anchor) = if x - 6 - tw > x0 + head_w + 16 {
                        (x - 6, HPos::Right)
                    } else if x + 6 + tw <= x1 {
                        (x + 6, HPos::Left)
                    } else {
                        (x1, HPos::Right)
                    };
                    area.draw(&Text::new(
                        text.clone(),
                        (tx, top + HEAD_PX / 2 - 1),
                        TextStyle::from(font(13.0)).pos(Pos::new(anchor, VPos::Center)),
                    ))?;
                }
            }
        }
        // The deadline's name above the first panel.
        if let (Some((_, label)), Some(x)) = (&self.deadline, dl_x) {
            dashed_v(area, x, L_TOP - 14, L_TOP + HEAD_PX, DEADLINE_COLOR.stroke_width(2))?;
            let tw = area.estimate_text_size(label, &TextStyle::from(font(13.0)))?.0 as i32;
            let (tx, anchor) = if x + 6 + tw <= x1 {
                (x + 6, HPos::Left)
            } else {
                (x - 6, HPos::Right)
            };
            area.draw(&Text::new(
                label.clone(),
                (tx, L_TOP - 14),
                TextStyle::from(font(13.0))
                    .color(&DEADLINE_COLOR)
                    .pos(Pos::new(anchor, VPos::Center)),
            ))?;
        }
        // The shared axis: days after the start.
        let mut last_end = i32::MIN;
        for d in self.ticks() {
            let x = self.x(d * DAY_S);
            area.draw(&PathElement::new(vec![(x, bottom), (x, bottom + 5)], BLACK))?;
            let label = format!("{d:.0}");
            let half = area.estimate_text_size(&label, &TextStyle::from(font(12.0)))?.0 as i32 / 2;
            if x - half < last_end + 8 {
                continue;
            }
            last_end = x + half;
            area.draw(&Text::new(
                label,
                (x, bottom + 8),
                TextStyle::from(font(12.0)).pos(Pos::new(HPos::Center, VPos::Top)),
            ))?;
        }
        area.draw(&Text::new(
            "days after the campaign's start",
            ((x0 + x1) / 2, bottom + 28),
            TextStyle::from(font(14.0)).pos(Pos::new(HPos::Center, VPos::Top)),
        ))?;
        // The legend, one row.
        let y = bottom + 64 + LEGEND_ROW_PX / 2;
        let mut x = x0;
        let entries: [(&str, Option<RGBColor>, bool); 4] = [
            ("done (every site on the new version)", Some(DONE_COLOR), false),
            ("stopped (a stop_on outcome ended it)", Some(STOPPED_COLOR), true),
            ("not done yet, or unfinished", Some(PENDING_COLOR), false),
            ("deadline", None, false),
        ];
        for (label, color, hatched) in entries {
            if label == "deadline" && self.deadline.is_none() {
                continue;
            }
            match color {
                Some(c) => {
                    area.draw(&Rectangle::new([(x, y - 7), (x + 26, y + 7)], c.filled()))?;
                    if hatched {
                        hatch(area, x, y - 7, x + 26, y + 7)?;
                    }
                }
                None => {
                    for k in 0..3 {
                        area.draw(&PathElement::new(
                            vec![(x + k * 10, y), (x + k * 10 + 6, y)],
                            DEADLINE_COLOR.stroke_width(2),
                        ))?;
                    }
                }
            }
            area.draw(&left(label, x + 34, y, 13.0))?;
            let tw = area.estimate_text_size(label, &TextStyle::from(font(13.0)))?.0 as i32;
            x += 34 + tw + 28;
        }
        Ok(())
    }
}
