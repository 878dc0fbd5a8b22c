//! A one-parameter sweep: the mean of one metric against the swept value,
//! one line per strategy with its 95 % CI band.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Curve, LEGEND_W, draw_order, first_same, pad_range, same_name, strokes, value_range};
use crate::report::chart::{Chart, DrawResult, Scale, Stroke, Swatch, draw_legend, font};

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
    /// The x axis is logarithmic ([`log_axis`]): values that double sit
    /// evenly spaced.
    pub log_x: bool,
}

/// The smallest spread of swept values (largest over smallest) drawn on a
/// log axis whatever their steps.
pub const LOG_SPAN: f64 = 20.0;

/// Whether a sweep's values go on a log axis: at least three values, all
/// above zero, that either span [`LOG_SPAN`] (20×) or more, or grow by a
/// steady factor of 1.5 or more (1, 2, 4, 8 or 50, 100, 200, 400: each
/// step's ratio within 25 % of every other's). Otherwise, and whenever a
/// value is 0 or below, a linear axis.
pub fn log_axis(values: &[f64]) -> bool {
    let mut v: Vec<f64> = values.to_vec();
    v.sort_by(f64::total_cmp);
    v.dedup();
    if v.len() < 3 || !v.iter().all(|x| x.is_finite() && *x > 0.0) {
        return false;
    }
    let ratios: Vec<f64> = v.windows(2).map(|w| w[1] / w[0]).collect();
    let (lo, hi) = ratios
        .iter()
        .fold((f64::INFINITY, 0.0f64), |(a, b), r| (a.min(*r), b.max(*r)));
    v[v.len() - 1] / v[0] >= LOG_SPAN || (lo >= 1.5 && hi / lo <= 1.25)
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
        } else if self.log_x {
            self.xs.iter().map(|x| x.1.log10()).collect()
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
            .x_desc(if self.log_x && !self.categorical {
                format!("{}, log scale", self.param)
            } else {
                self.param.clone()
            })
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
        let scaled: Vec<Vec<(f64, f64, f64)>> = self
            .lines
            .iter()
            .map(|l| l.points.iter().map(|p| (p.0 / d, p.1 / d, p.2 / d)).collect())
            .collect();
        if self.categorical {
            for (li, (line, pts)) in self.lines.iter().zip(&scaled).enumerate() {
                let c = line.color;
                // Side by side at each value: the 95 % CI as a bar, the mean
                // as a dot; no line between values that have no order.
                let off = (li as f64 - (k - 1.0) / 2.0) * (0.6 / k);
                for (x, p) in xs.iter().zip(pts).filter(|(_, p)| p.0.is_finite()) {
                    let x = x + off;
                    chart.draw_series(std::iter::once(PathElement::new(
                        vec![(x, p.1), (x, p.2)],
                        c.stroke_width(3),
                    )))?;
                    chart.draw_series(std::iter::once(Circle::new((x, p.0), 5, c.filled())))?;
                }
                entries.push((Swatch::Dot(c), line.name.clone()));
            }
        } else {
            // Strategies with the same results would hide each other: the
            // later ones are drawn over the first, thinner and dashed, with
            // smaller dots, and named with it.
            let first = first_same(&self.lines);
            let strokes = strokes(&first);
            // The 95 % CI bands first, under every line; one for series
            // that are the same.
            for (i, (line, pts)) in self.lines.iter().zip(&scaled).enumerate() {
                if first[i] != i {
                    continue;
                }
                for run in Self::runs(pts) {
                    let (rx, rp) = (&xs[run.clone()], &pts[run]);
                    let mut band: Vec<(f64, f64)> = rx.iter().zip(rp).map(|(x, p)| (*x, p.2)).collect();
                    band.extend(rx.iter().zip(rp).rev().map(|(x, p)| (*x, p.1)));
                    chart.draw_series(std::iter::once(Polygon::new(band, line.color.mix(0.18).filled())))?;
                }
            }
            for i in draw_order(&strokes) {
                let (c, pts) = (self.lines[i].color, &scaled[i]);
                // The dots of series that are the same: rings, the later
                // ones smaller.
                let later = (0..=i).filter(|&j| j != first[i] && first[j] == first[i]).count() as i32;
                let r = match strokes[i] {
                    Stroke::UNDER => 8,
                    s if s.dash.is_some() => (8 - 2 * later).max(2),
                    _ => 4,
                };
                for run in Self::runs(pts) {
                    // The mean over each run of points where the strategy ran.
                    let (rx, rp) = (&xs[run.clone()], &pts[run]);
                    let path: Vec<(f64, f64)> = rx.iter().zip(rp).map(|(x, p)| (*x, p.0)).collect();
                    strokes[i].draw(chart.plotting_area(), path, c)?;
                    chart.draw_series(rx.iter().zip(rp).map(|(x, p)| Circle::new((*x, p.0), r, c.filled())))?;
                }
            }
            for (i, line) in self.lines.iter().enumerate() {
                entries.push((strokes[i].swatch(line.color), same_name(&self.lines, &first, i)));
            }
        }
        if self.lines.iter().any(|l| l.points.iter().any(|p| !p.0.is_finite())) {
            entries.push((Swatch::Box(WHITE), "no mark: did not run there".to_string()));
        }
        draw_legend(&side, (8, 70), &entries)
    }
}

#[cfg(test)]
mod tests {
    use super::log_axis;

    #[test]
    fn values_that_double_or_span_twenty_fold_go_on_a_log_axis() {
        // Doubling, however short the span.
        assert!(log_axis(&[1.0, 2.0, 4.0, 8.0]));
        assert!(log_axis(&[50.0, 100.0, 200.0, 400.0, 800.0]));
        assert!(log_axis(&[800.0, 50.0, 200.0]), "in any order");
        // A steady factor of 3 or so (1, 3, 10).
        assert!(log_axis(&[1.0, 3.0, 10.0]));
        // 20× or more, whatever the steps (20 s, 60 s, 1 h).
        assert!(log_axis(&[20.0, 60.0, 3600.0]));
        assert!(log_axis(&[1.0, 2.0, 20.0]));
        // Even steps, or uneven ones within 20×: linear.
        assert!(!log_axis(&[10.0, 20.0, 30.0, 40.0]));
        assert!(!log_axis(&[0.5, 1.0, 2.0, 3.0, 5.0]), "12h, 1d, 2d, 3d, 5d");
        assert!(!log_axis(&[1.0, 2.0, 19.0]));
        // Two values, a zero or a negative: linear.
        assert!(!log_axis(&[1.0, 1000.0]));
        assert!(!log_axis(&[0.0, 1.0, 2.0, 4.0, 8.0]));
        assert!(!log_axis(&[-4.0, 2.0, 8.0, 32.0]));
        // The same value twice counts once.
        assert!(!log_axis(&[2.0, 2.0, 4.0]));
    }
}
