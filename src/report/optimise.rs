//! The chart of `cutover optimise`: each plan of the space as a dot, its
//! objective against the tightest constraint (the one the most plans
//! miss), the Pareto front of the two, the constraint's limit and the
//! chosen plan.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::chart::{Chart, DrawResult, PALETTE, Swatch, draw_legend, fmt_number, font};
use crate::fleet::search::race::Race;
use crate::fleet::search::{Search, Side};
use crate::fleet::table::CAMPAIGN_METRICS;

/// The search chart: plain data and a drawing.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchChart {
    pub title: String,
    pub x_desc: String,
    pub y_desc: String,
    /// Per plan: (x, objective, left the race, chosen).
    pub points: Vec<(f64, f64, bool, bool)>,
    /// The Pareto front, by x.
    pub front: Vec<(f64, f64)>,
    /// The constraint's limit on x, if x is a constraint.
    pub limit: Option<f64>,
}

impl SearchChart {
    /// The chart of a race over `search`'s space; `chosen` indexes it.
    pub fn new(search: &Search, race: &Race, chosen: usize) -> SearchChart {
        let y_name = CAMPAIGN_METRICS[search.objective.metric].words;
        // The tightest constraint: the one the most plans miss.
        let tight = (0..search.constraints.len()).max_by_key(|&c| {
            let missed = race
                .tried
                .iter()
                .filter(|t| {
                    t.estimate
                        .constraints
                        .get(c)
                        .is_some_and(|j| !search.constraints[c].met_by(j.value))
                })
                .count();
            (missed, std::cmp::Reverse(c))
        });
        let x_of = |i: usize| match tight {
            Some(c) => race.tried[i].estimate.constraints[c].value,
            None => (i + 1) as f64,
        };
        // Times in days.
        let days = CAMPAIGN_METRICS[search.objective.metric].unit == crate::metrics::Unit::Seconds;
        let scale = if days { 86_400.0 } else { 1.0 };
        let points: Vec<(f64, f64, bool, bool)> = (0..race.tried.len())
            .map(|i| {
                let t = &race.tried[i];
                (x_of(i), t.estimate.mean / scale, t.eliminated.is_some(), i == chosen)
            })
            .filter(|p| p.0.is_finite() && p.1.is_finite())
            .collect();
        // Better on x: the constraint's allowed side; better on y: the
        // objective's direction.
        let (x_sign, y_sign) = (
            match tight.map(|c| search.constraints[c].side) {
                Some(Side::AtLeast) => -1.0,
                _ => 1.0,
            },
            search.objective.sign(),
        );
        let front = if tight.is_some() {
            let mut f: Vec<(f64, f64)> = points
                .iter()
                .filter(|p| {
                    !points.iter().any(|q| {
                        let (qx, qy, px, py) = (x_sign * q.0, y_sign * q.1, x_sign * p.0, y_sign * p.1);
                        qx <= px && qy <= py && (qx < px || qy < py)
                    })
                })
                .map(|p| (p.0, p.1))
                .collect();
            f.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
            f.dedup();
            f
        } else {
            Vec::new()
        };
        SearchChart {
            title: format!(
                "{} plans searched: {} against {}",
                race.tried.len(),
                y_name,
                tight.map_or("the plan".to_string(), |c| search.constraints[c].text.clone())
            ),
            x_desc: tight.map_or("plan of the space".into(), |c| search.constraints[c].text.clone()),
            y_desc: format!(
                "{}{} (mean over the search's runs)",
                y_name,
                if days { ", days" } else { "" }
            ),
            points,
            front,
            limit: tight.map(|c| search.constraints[c].limit),
        }
    }
}

impl Chart for SearchChart {
    fn size(&self) -> (u32, u32) {
        (1200, 620)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let (plot, side) = area.split_horizontally(900);
        let xs = self.points.iter().map(|p| p.0).chain(self.limit);
        let ys = self.points.iter().map(|p| p.1);
        let span = |it: &mut dyn Iterator<Item = f64>| {
            let (lo, hi) = it.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
            if !lo.is_finite() {
                return (0.0, 1.0);
            }
            let pad = ((hi - lo) * 0.08).max(hi.abs().max(1.0) * 0.02);
            (lo - pad, hi + pad)
        };
        let (x0, x1) = span(&mut xs.into_iter());
        let (y0, y1) = span(&mut ys.into_iter());
        let mut chart = ChartBuilder::on(&plot)
            .caption(&self.title, font(18.0))
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(90)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        chart
            .configure_mesh()
            .max_light_lines(1)
            .x_label_formatter(&|x| fmt_number(*x))
            .y_label_formatter(&|y| fmt_number(*y))
            .x_desc(self.x_desc.as_str())
            .y_desc(self.y_desc.as_str())
            .label_style(font(13.0))
            .axis_desc_style(font(15.0))
            .draw()?;
        let grey = RGBColor(170, 170, 170);
        let (blue, orange, red) = (PALETTE[0], PALETTE[1], PALETTE[4]);
        if let Some(l) = self.limit {
            let mut y = y0;
            let step = (y1 - y0) / 40.0;
            while y < y1 {
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(l, y), (l, (y + step * 0.6).min(y1))],
                    red.stroke_width(2),
                )))?;
                y += step;
            }
        }
        if self.front.len() > 1 {
            chart.draw_series(std::iter::once(PathElement::new(
                self.front.clone(),
                blue.stroke_width(2),
            )))?;
        }
        chart.draw_series(
            self.points
                .iter()
                .filter(|p| p.2 && !p.3)
                .map(|p| Circle::new((p.0, p.1), 4, grey.filled())),
        )?;
        chart.draw_series(
            self.points
                .iter()
                .filter(|p| !p.2 && !p.3)
                .map(|p| Circle::new((p.0, p.1), 5, blue.filled())),
        )?;
        chart.draw_series(
            self.points
                .iter()
                .filter(|p| p.3)
                .map(|p| Circle::new((p.0, p.1), 8, orange.filled())),
        )?;
        let mut legend = vec![
            (Swatch::Dot(orange), "the chosen plan".to_string()),
            (Swatch::Dot(blue), "plans left at the end".to_string()),
            (Swatch::Dot(grey), "plans out of the race".to_string()),
        ];
        if self.front.len() > 1 {
            legend.push((Swatch::Line(blue), "Pareto front".to_string()));
        }
        if let Some(l) = self.limit {
            legend.push((Swatch::Dashed(red), format!("the limit, {}", fmt_number(l))));
        }
        draw_legend(&side, (10, 60), &legend)?;
        Ok(())
    }
}
