//! Charts of `cutover fit-workload`: the fitted weekly profile against the
//! arrivals observed in each hour of the week, and the fitted duration
//! distributions against the empirical ones.
//!
//! Each chart is plain data plus a drawing; [`ProfileChart::from_fit`] and
//! [`DurationChart::from_fit`] fill them from a [`WorkloadFit`].

use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::prelude::*;

use super::chart::{Chart, DrawResult, PALETTE, fmt_duration_s, font};
use crate::fit::{WEEKDAYS, WorkloadFit, normal_cdf};

/// Arrivals per hour in each hour of the week: observed, fitted, and the
/// fitted Poisson 95 % band, all divided by the hours observed.
#[derive(Clone, Debug, PartialEq)]
pub struct ProfileChart {
    /// The title.
    pub title: String,
    /// Per cell (Monday 00:00 first): observed arrivals per hour, `None` when the cell was never observed.
    pub observed: Vec<Option<f64>>,
    /// Per cell: the fitted rate.
    pub expected: Vec<f64>,
    /// Per cell: the band's low and high, per hour.
    pub band: Vec<(f64, f64)>,
}

/// One kind's durations: the empirical CDF and the fitted lognormal.
#[derive(Clone, Debug, PartialEq)]
pub struct DurationPanel {
    /// The panel's title.
    pub title: String,
    /// (duration in seconds, share at or below), sorted; at most 2,000 points.
    pub empirical: Vec<(f64, f64)>,
    /// The fitted lognormal's `μ` and `σ` (of log seconds).
    pub mu: f64,
    /// See `mu`.
    pub sigma: f64,
}

/// The duration CDFs, one panel per fitted kind.
#[derive(Clone, Debug, PartialEq)]
pub struct DurationChart {
    /// The title.
    pub title: String,
    /// One panel per kind.
    pub panels: Vec<DurationPanel>,
}

/// Most points of an empirical CDF drawn: beyond it, evenly spaced ranks.
const MAX_ECDF_POINTS: usize = 2000;

impl ProfileChart {
    /// The profile chart of a fit.
    pub fn from_fit(f: &WorkloadFit) -> ProfileChart {
        let p = &f.profile;
        let mut observed = Vec::with_capacity(168);
        let mut expected = Vec::with_capacity(168);
        let mut band = Vec::with_capacity(168);
        for c in 0..168 {
            let e = p.exposure[c];
            expected.push(p.rate_per_hour * p.days[c / 24] * p.hours[c % 24]);
            if e > 0.0 {
                observed.push(Some(p.observed[c] as f64 / e));
                band.push((p.band[c].0 as f64 / e, p.band[c].1 as f64 / e));
            } else {
                observed.push(None);
                band.push((0.0, 0.0));
            }
        }
        ProfileChart {
            title: format!(
                "Arrivals per hour of the week, {}: {} sessions over {:.1} weeks",
                if f.zone == "UTC" {
                    "UTC".to_string()
                } else {
                    format!("{} local time", f.zone)
                },
                f.sessions,
                f.weeks()
            ),
            observed,
            expected,
            band,
        }
    }
}

impl Chart for ProfileChart {
    fn size(&self) -> (u32, u32) {
        (1200, 520)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let top = self
            .observed
            .iter()
            .flatten()
            .copied()
            .chain(self.band.iter().map(|b| b.1))
            .chain(self.expected.iter().copied())
            .filter(|x| x.is_finite())
            .fold(0.0f64, f64::max);
        // Headroom above the data for the legend: it covers no mark.
        let top = if top > 0.0 { top * 1.3 } else { 1.0 };
        // The x axis counts days (Monday 00:00 = 0); cell c spans [c/24, (c+1)/24).
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, font(19.0))
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(70)
            .build_cartesian_2d(0f64..7f64, 0f64..top)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .max_light_lines(1)
            .x_labels(8)
            .x_label_formatter(&|x| {
                let d = x.round();
                if (x - d).abs() < 1e-6 && (0.0..7.0).contains(&d) {
                    format!("{} 00:00", WEEKDAYS[d as usize])
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|y| {
                if top >= 10.0 {
                    format!("{y:.0}")
                } else {
                    format!("{y:.2}")
                }
            })
            .x_desc("hour of the week (local time)")
            .y_desc("arrivals per hour")
            .label_style(font(13.0))
            .axis_desc_style(font(15.0))
            .draw()?;
        let blue = PALETTE[0];
        chart
            .draw_series(self.band.iter().enumerate().map(|(c, (lo, hi))| {
                Rectangle::new(
                    [(c as f64 / 24.0, *lo), ((c + 1) as f64 / 24.0, *hi)],
                    blue.mix(0.18).filled(),
                )
            }))?
            .label("fitted Poisson 95% band")
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 16, y + 5)], blue.mix(0.18).filled()));
        for d in 1..7 {
            let x = d as f64;
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(x, 0.0), (x, top)],
                BLACK.mix(0.25).stroke_width(1),
            )))?;
        }
        let mut step = Vec::with_capacity(2 * 168);
        for (c, y) in self.expected.iter().enumerate() {
            step.push((c as f64 / 24.0, *y));
            step.push(((c + 1) as f64 / 24.0, *y));
        }
        chart
            .draw_series(std::iter::once(PathElement::new(step, blue.stroke_width(2))))?
            .label("fitted: rate × days × hours")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], blue.stroke_width(2)));
        let dot = PALETTE[7];
        chart
            .draw_series(
                self.observed
                    .iter()
                    .enumerate()
                    .filter_map(|(c, y)| y.map(|y| Circle::new(((c as f64 + 0.5) / 24.0, y), 3, dot.filled()))),
            )?
            .label("observed: sessions started / hours observed")
            .legend(move |(x, y)| Circle::new((x + 8, y), 3, dot.filled()));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.4))
            .label_font(font(13.0))
            .draw()?;
        Ok(())
    }
}

impl DurationChart {
    /// The duration chart of a fit: a panel per kind whose durations were fitted.
    pub fn from_fit(f: &WorkloadFit) -> DurationChart {
        let panels = f
            .kinds
            .iter()
            .filter_map(|k| {
                let d = k.durations.as_ref().ok()?;
                let n = d.sorted_logs.len();
                let step = n.div_ceil(MAX_ECDF_POINTS).max(1);
                let mut empirical: Vec<(f64, f64)> = (0..n)
                    .step_by(step)
                    .map(|i| (d.sorted_logs[i].exp(), (i + 1) as f64 / n as f64))
                    .collect();
                if let Some(last) = d.sorted_logs.last()
                    && (n - 1) % step != 0
                {
                    empirical.push((last.exp(), 1.0));
                }
                Some(DurationPanel {
                    title: format!("{}: {} sessions, KS distance {:.3}", k.kind.name(), k.sessions, d.ks),
                    empirical,
                    mu: d.mu,
                    sigma: d.sigma,
                })
            })
            .collect();
        DurationChart {
            title: "Session durations: empirical CDF and fitted lognormal".into(),
            panels,
        }
    }
}

/// Round durations for the logarithmic axis, in seconds: 1 s, 10 s, 1 m,
/// 5 m, 15 m, 1 h, 3 h, 8 h, 1 d, 3 d, 1 w, 30 d, 90 d, 365 d, 3650 d.
const DURATION_TICKS: [f64; 15] = [
    1.0,
    10.0,
    60.0,
    300.0,
    900.0,
    3600.0,
    10_800.0,
    28_800.0,
    86_400.0,
    259_200.0,
    604_800.0,
    2_592_000.0,
    7_776_000.0,
    31_536_000.0,
    315_360_000.0,
];

/// A logarithmic axis of durations in seconds whose ticks fall on round
/// durations (plotters' own logarithmic axis puts them on powers of ten
/// seconds: 100 s, 1000 s).
#[derive(Clone, Debug)]
struct LogDurations {
    lo: f64,
    hi: f64,
}

impl Ranged for LogDurations {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let (a, b) = (self.lo.ln(), self.hi.ln());
        let f = if *value > 0.0 { (value.ln() - a) / (b - a) } else { -1.0 };
        let f = if f.is_finite() { f.clamp(-1.0, 2.0) } else { 0.0 };
        limit.0 + (f * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        let max = hint.max_num_points().max(2);
        let mut ticks: Vec<f64> = DURATION_TICKS
            .iter()
            .copied()
            .filter(|t| *t >= self.lo && *t <= self.hi)
            .collect();
        while ticks.len() > max {
            ticks = ticks.into_iter().step_by(2).collect();
        }
        ticks
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

impl DurationPanel {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let lo = self
            .empirical
            .first()
            .map_or(1.0, |p| p.0)
            .min((self.mu - 3.0 * self.sigma).exp());
        let hi = self
            .empirical
            .last()
            .map_or(10.0, |p| p.0)
            .max((self.mu + 3.0 * self.sigma).exp());
        let (lo, hi) = if lo > 0.0 && hi > lo && hi.is_finite() {
            (lo / 1.3, hi * 1.3)
        } else {
            (1.0, 10.0)
        };
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, font(16.0))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(56)
            .build_cartesian_2d(LogDurations { lo, hi }, 0f64..1.02)?;
        chart
            .configure_mesh()
            .max_light_lines(1)
            .x_label_formatter(&|x| fmt_duration_s(*x))
            .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
            .x_desc("session duration (log scale)")
            .y_desc("share of sessions at or below")
            .label_style(font(12.5))
            .axis_desc_style(font(14.0))
            .draw()?;
        let data = PALETTE[7];
        let mut path = Vec::with_capacity(self.empirical.len() * 2 + 2);
        let mut prev = 0.0;
        path.push((lo, 0.0));
        for (x, f) in &self.empirical {
            path.push((*x, prev));
            path.push((*x, *f));
            prev = *f;
        }
        path.push((hi, prev));
        chart
            .draw_series(std::iter::once(PathElement::new(path, data.stroke_width(2))))?
            .label("empirical")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], data.stroke_width(2)));
        let fitted = PALETTE[4];
        let (a, b) = (lo.ln(), hi.ln());
        let curve: Vec<(f64, f64)> = (0..=200)
            .map(|i| {
                let l = a + (b - a) * i as f64 / 200.0;
                (l.exp(), normal_cdf((l - self.mu) / self.sigma))
            })
            .collect();
        chart
            .draw_series(std::iter::once(PathElement::new(curve, fitted.stroke_width(2))))?
            .label("fitted lognormal")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], fitted.stroke_width(2)));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.4))
            .label_font(font(13.0))
            .draw()?;
        Ok(())
    }
}

impl Chart for DurationChart {
    fn size(&self) -> (u32, u32) {
        (1200, 480)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let body = area.titled(&self.title, font(19.0))?;
        let panels = body.split_evenly((1, self.panels.len().max(1)));
        for (p, a) in self.panels.iter().zip(panels.iter()) {
            p.draw(a)?;
        }
        Ok(())
    }
}
