//! What would change the decision: the tornado chart of a sensitivity
//! study and its findings in words.
//!
//! Both are plain data, filled by the study (`study::sensitivity`) so that
//! tests can draw and word them from fixed numbers. The chart shows the first priority's mean
//! for the recommended strategy at the low and the high end of each input
//! (each swung alone, the others as the scenario gives them), the inputs
//! with the widest swing first, and a mark where the recommendation changes.

use std::fmt::Write;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::chart::{Chart, DrawResult, PALETTE, Scale, Swatch, draw_legend, fmt_metric, font, metric_words};
use crate::scenario::sensitivity::{Input, Kind};

/// The colour of the bars at the low end of each input (the palette's blue).
pub const LOW_COLOR: RGBColor = PALETTE[0];
/// The colour of the bars at the high end of each input (the palette's
/// orange: the two stay apart in every common colour-vision deficiency).
pub const HIGH_COLOR: RGBColor = PALETTE[1];

/// A number to three significant digits, without trailing zeros: `118`,
/// `12.5`, `0.5`, `0.025`.
pub fn fmt_number(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return if x.is_nan() {
            "–".into()
        } else {
            format!("{}", x + 0.0)
        };
    }
    let digits = (2 - x.abs().log10().floor() as i64).clamp(0, 12) as usize;
    let s = format!("{x:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// An input's value in words, in its unit: `620 GB`, `12 h`, `3 days`,
/// `30 %`, `×2`.
pub fn input_value(kind: Kind, x: f64) -> String {
    match kind {
        Kind::Gb => format!("{} GB", fmt_number(x)),
        Kind::Duration => duration_words(x),
        Kind::Probability => format!("{} %", fmt_number(x * 100.0)),
        Kind::Factor => format!("×{}", fmt_number(x)),
    }
}

/// A duration given in milliseconds, in the unit people would use:
/// `250 ms`, `20 s`, `45 min`, `12 h`, `3 days`, `2 years`.
pub fn duration_words(ms: f64) -> String {
    let s = ms / 1000.0;
    if s < 1.0 {
        format!("{} ms", fmt_number(ms))
    } else if s < 120.0 {
        format!("{} s", fmt_number(s))
    } else if s < 2.0 * 3600.0 {
        format!("{} min", fmt_number(s / 60.0))
    } else if s < 2.0 * 86_400.0 {
        format!("{} h", fmt_number(s / 3600.0))
    } else if s < 730.0 * 86_400.0 {
        format!("{} days", fmt_number(s / 86_400.0))
    } else {
        format!("{} years", fmt_number(s / (365.0 * 86_400.0)))
    }
}

/// An input at a value, as a sentence says it: `620 GB of stored data`,
/// `an interim period of 12 h`, `1.6 times the scenario's workload`.
pub fn input_phrase(input: Input, value: &str) -> String {
    match input {
        Input::DataGb => format!("{value} of stored data"),
        Input::Interim => format!("an interim period of {value}"),
        Input::DnsTtl => format!("a DNS TTL of {value}"),
        Input::UpgradeFailure => format!("an upgrade failure probability of {value}"),
        Input::Mtbf => format!("a crash MTBF of {value}"),
        Input::Workload => format!("{value} the scenario's workload"),
    }
}

/// A value as a sentence says it: a factor as `1.6 times`.
fn phrase_value(input: Input, x: f64) -> String {
    match input.kind() {
        Kind::Factor => format!("{} times", fmt_number(x)),
        k => input_value(k, x),
    }
}

/// Where the recommendation changes on one side of an input.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// The input.
    pub input: Input,
    /// True when it changes as the input grows past the scenario's value.
    pub above: bool,
    /// The value nearest the change that keeps the recommendation.
    pub inner: f64,
    /// The value nearest the change that does not.
    pub outer: f64,
    /// Where the change is said to be: between `inner` and `outer`.
    pub at: f64,
    /// The strategy recommended at `outer`.
    pub pick: String,
    /// The priority on which it beats the scenario's recommendation there
    /// (the metric's words), or none when the two tie on every priority.
    pub on: Option<&'static str>,
}

/// An input that does not change the recommendation within its range.
#[derive(Clone, Debug, PartialEq)]
pub struct Steady {
    pub input: Input,
    pub low: f64,
    pub high: f64,
}

/// What a sensitivity study found, for the report and the terminal.
#[derive(Clone, Debug, PartialEq)]
pub struct Findings {
    /// The first priority (a metric name).
    pub metric: &'static str,
    /// The strategy recommended for the scenario as given, over the
    /// study's runs per point.
    pub pick: String,
    /// Strategies compared.
    pub strategies: usize,
    /// Replications per strategy at each point.
    pub runs: u64,
    /// Bisection steps towards each change.
    pub steps: u32,
    /// Where the recommendation changes, the inputs with the widest swing first.
    pub changes: Vec<Change>,
    /// Inputs that do not change it within their ranges.
    pub steady: Vec<Steady>,
    /// Inputs not swung, and why.
    pub skipped: Vec<(Input, String)>,
    /// The file stem of the tornado chart (`sensitivity-downtime_s`).
    pub chart: String,
}

/// `a`, `a and b`, `a, b and c`.
pub fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [a] => a.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

impl Change {
    /// The sentence: `Above about 118 GB of stored data (between 116 GB and
    /// 120 GB), **b** becomes the better choice (on downtime).`
    pub fn sentence(&self, base_pick: &str) -> String {
        let (inner, outer) = (
            phrase_value(self.input, self.inner),
            phrase_value(self.input, self.outer),
        );
        let at = format!("about {}", phrase_value(self.input, self.at));
        let bracket = if inner == outer {
            String::new()
        } else {
            let (a, b) = if self.above { (inner, outer) } else { (outer, inner) };
            format!(" (between {a} and {b})")
        };
        let why = match self.on {
            Some(words) => format!("on {words}"),
            None => format!("it ties with {base_pick} on every priority and comes first on the means"),
        };
        format!(
            "{} {}{bracket}, **{}** becomes the better choice ({why}).",
            if self.above { "Above" } else { "Below" },
            input_phrase(self.input, &at),
            self.pick
        )
    }
}

impl Findings {
    /// The section's sentences: one per change, then one for the inputs
    /// that change nothing, with `**bold**`.
    pub fn sentences(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.strategies < 2 {
            out.push(format!(
                "Only one strategy was compared, so no input can change the recommendation; the chart shows how {} moves as each input swings.",
                metric_words(self.metric)
            ));
            return out;
        }
        for c in &self.changes {
            out.push(c.sentence(&self.pick));
        }
        let steady: Vec<String> = self
            .steady
            .iter()
            .map(|s| {
                format!(
                    "the {} ({} to {})",
                    s.input.words(),
                    input_value(s.input.kind(), s.low),
                    input_value(s.input.kind(), s.high)
                )
            })
            .collect();
        if !steady.is_empty() {
            let verb = if steady.len() == 1 { "does" } else { "do" };
            out.push(if self.changes.is_empty() {
                format!(
                    "No input changes the recommendation ({}) within its range: {} {verb} not change it.",
                    self.pick,
                    and_list(&steady)
                )
            } else {
                format!(
                    "Within {}, {} {verb} not change it.",
                    if steady.len() == 1 { "its range" } else { "their ranges" },
                    and_list(&steady)
                )
            });
        }
        if self.changes.is_empty() && steady.is_empty() {
            out.push("No input was swung.".into());
        }
        out
    }

    /// How the numbers were made, and what was not swung.
    pub fn note(&self) -> String {
        let mut text = format!(
            "Each input swung alone, the others as the scenario gives them; each point is the mean of {} runs per strategy with the study's seeds (common random numbers), and the recommendation there follows your priorities as in the bottom line. A change is found by bisection in {} steps between the scenario's value and the end where the recommendation differs, to within the range given. The ranges are the defaults (×0.5 and ×2 for volumes, periods and rates, 0 to 30 % for the upgrade failure probability, 20 s to 1 day for the DNS TTL) unless the scenario's `[sensitivity]` sets its own.",
            self.runs, self.steps
        );
        if !self.skipped.is_empty() {
            let skipped: Vec<String> = self
                .skipped
                .iter()
                .map(|(i, why)| format!("the {} ({why})", i.words()))
                .collect();
            let _ = write!(text, " Not swung: {}.", and_list(&skipped));
        }
        text
    }

    /// The findings as plain text after the printed table.
    pub fn plain(&self) -> String {
        let text = self.sentences().join(" ").replace("**", "");
        let mut out = String::from("What would change it:");
        let mut col = out.len();
        for word in text.split(' ') {
            if col + 1 + word.len() > 100 {
                out.push_str("\n ");
                col = 1;
            }
            out.push(' ');
            out.push_str(word);
            col += 1 + word.len();
        }
        out.push('\n');
        out
    }
}

/// One input's bar pair.
#[derive(Clone, Debug, PartialEq)]
pub struct TornadoBar {
    /// The input.
    pub input: Input,
    /// Its value at the low and the high end, and the scenario's own.
    pub values: (f64, f64, f64),
    /// The metric's mean at the low end and at the high end.
    pub means: (f64, f64),
    /// Where the recommendation changes: the metric's mean there, true on
    /// the high side, and the label (`failover-sync above about 118 GB`).
    pub flips: Vec<(f64, bool, String)>,
}

/// A tornado chart: one metric of one strategy as each input swings alone.
#[derive(Clone, Debug, PartialEq)]
pub struct Tornado {
    pub title: String,
    /// The metric (a name in the metric table).
    pub metric: String,
    /// The strategy whose metric is shown.
    pub strategy: String,
    /// The mean with every input as the scenario gives it.
    pub base: f64,
    /// The bars, widest swing first.
    pub bars: Vec<TornadoBar>,
}

impl TornadoBar {
    /// How far the metric moves over the input's range.
    pub fn swing(&self, base: f64) -> f64 {
        let (lo, hi) = self.means;
        lo.max(hi).max(base) - lo.min(hi).min(base)
    }
}

/// Width of the legend column beside the plot.
const LEGEND_W: i32 = 250;
/// Height of one input's row.
const ROW_PX: u32 = 78;
/// Room left free beside the bars for their end's words, in pixels.
const LABEL_ROOM_PX: f64 = 140.0;
/// The room above the plot for the title and the subtitle.
const HEAD_PX: i32 = 64;

/// Draws the mark of a change of recommendation, centred on `(x, y)`.
fn diamond<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, (x, y): (i32, i32)) -> DrawResult<DB> {
    area.draw(&Polygon::new(
        vec![(x, y - 9), (x + 9, y), (x, y + 9), (x - 9, y)],
        BLACK.filled(),
    ))?;
    area.draw(&Polygon::new(
        vec![(x, y - 4), (x + 4, y), (x, y + 4), (x - 4, y)],
        WHITE.filled(),
    ))
}

impl Tornado {
    /// The line under the title: what the bars say at a glance.
    pub fn subtitle(&self) -> String {
        let ends = 2 * self.bars.len();
        let changes: usize = self.bars.iter().map(|b| b.flips.len()).sum();
        let moves = self.bars.iter().any(|b| b.swing(self.base) > 0.0);
        let mut text = match changes {
            0 => format!("{} stays recommended at every end of every input", self.strategy),
            1 => format!("the recommendation ({}) changes at 1 of {ends} ends", self.strategy),
            n => format!("the recommendation ({}) changes at {n} of {ends} ends", self.strategy),
        };
        if !moves {
            text = format!(
                "{} stays {} at every end; {text}",
                metric_words(&self.metric),
                fmt_metric(&self.metric, self.base)
            );
        }
        capitalised(&text)
    }
}

/// `s` with its first letter in capitals.
pub fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

impl Chart for Tornado {
    fn size(&self) -> (u32, u32) {
        (1140, HEAD_PX as u32 + 80 + ROW_PX * self.bars.len().max(1) as u32)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let (w, _) = self.size();
        let centre = Pos::new(HPos::Center, VPos::Top);
        area.draw(&Text::new(
            self.title.clone(),
            (w as i32 / 2, 12),
            TextStyle::from(font(17.0)).pos(centre),
        ))?;
        area.draw(&Text::new(
            self.subtitle(),
            (w as i32 / 2, 38),
            TextStyle::from(font(13.0)).color(&RGBColor(60, 60, 60)).pos(centre),
        ))?;
        let body = area.margin(HEAD_PX as u32, 0, 0, 0);
        let (plot, side) = body.split_horizontally(w as i32 - LEGEND_W);
        let n = self.bars.len().max(1);
        let values = self
            .bars
            .iter()
            .flat_map(|b| [b.means.0, b.means.1].into_iter().chain(b.flips.iter().map(|f| f.0)))
            .chain(std::iter::once(self.base))
            .filter(|v| v.is_finite());
        let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
        let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 0.0) };
        let nonnegative = lo >= 0.0;
        let scale = Scale::for_metric(&self.metric, lo.abs().max(hi.abs()));
        let d = scale.div;
        let (lo, hi) = (lo / d, hi / d);
        // Room on both sides for the words at the bars' ends: the plot is
        // about 600 pixels wide, the bars get what the words leave.
        let (y_labels, margin) = (262.0, 16.0);
        let width = (plot.dim_in_pixel().0 as f64 - y_labels - 2.0 * margin).max(2.0 * LABEL_ROOM_PX + 100.0);
        let span = if hi - lo > 1e-9 { hi - lo } else { 1.0 };
        let pad = span * LABEL_ROOM_PX / (width - 2.0 * LABEL_ROOM_PX);
        let (x0, x1) = if hi - lo > 1e-9 {
            (lo - pad, hi + pad)
        } else {
            (lo - 0.5 - pad, lo + 0.5 + pad)
        };
        let mut chart = ChartBuilder::on(&plot)
            .margin(margin as u32)
            .x_label_area_size(48)
            .y_label_area_size(y_labels as u32)
            .build_cartesian_2d(x0..x1, 0f64..n as f64)?;
        let metric = self.metric.clone();
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_labels(8)
            // A metric that is never negative shows no negative ticks in the padding.
            .x_label_formatter(&|x| {
                if nonnegative && *x < -1e-9 {
                    String::new()
                } else {
                    scale.tick(*x)
                }
            })
            .x_desc(format!("{}, {}", scale.describe(&metric), self.strategy))
            .label_style(font(13.0))
            .axis_desc_style(font(14.0))
            .draw()?;
        let (bx, by) = plot.get_base_pixel();
        let px = |chart: &ChartContext<'_, DB, _>, x: f64, y: f64| {
            let (a, b) = chart.backend_coord(&(x, y));
            (a - bx, b - by)
        };
        let name_style = TextStyle::from(font(14.0)).pos(Pos::new(HPos::Right, VPos::Center));
        let range_style = TextStyle::from(font(12.0))
            .color(&RGBColor(80, 80, 80))
            .pos(Pos::new(HPos::Right, VPos::Center));
        let base = self.base / d;
        // The scenario as given: a line through every row, under the words.
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(base, 0.0), (base, n as f64)],
            BLACK.stroke_width(2),
        )))?;
        for (i, b) in self.bars.iter().enumerate() {
            let top = (n - i) as f64;
            let kind = b.input.kind();
            // The input and its range, left of the axis.
            let (lx, ly) = px(&chart, x0, top - 0.22);
            plot.draw(&Text::new(
                b.input.words().to_string(),
                (lx - 12, ly),
                name_style.clone(),
            ))?;
            let (_, ly) = px(&chart, x0, top - 0.47);
            plot.draw(&Text::new(
                format!(
                    "{} to {} (as given {})",
                    input_value(kind, b.values.0),
                    input_value(kind, b.values.1),
                    input_value(kind, b.values.2)
                ),
                (lx - 12, ly),
                range_style.clone(),
            ))?;
            // Two bars from the base: the low end above, the high end below.
            for (k, (mean, color, value)) in [(b.means.0, LOW_COLOR, b.values.0), (b.means.1, HIGH_COLOR, b.values.1)]
                .into_iter()
                .enumerate()
            {
                let (ya, yb) = (top - 0.1 - 0.27 * k as f64, top - 0.33 - 0.27 * k as f64);
                let m = mean / d;
                if !m.is_finite() {
                    continue;
                }
                let (a, z) = (base.min(m), base.max(m));
                if z - a > 0.0 {
                    chart.draw_series(std::iter::once(Rectangle::new([(a, ya), (z, yb)], color.filled())))?;
                } else {
                    chart.draw_series(std::iter::once(PathElement::new(
                        vec![(m, ya), (m, yb)],
                        color.stroke_width(4),
                    )))?;
                }
                // The end's value and the metric there, beyond the bar's
                // end and beyond any mark on the bar.
                let right = m >= base;
                let (mut tx, ty) = px(&chart, if right { z } else { a }, (ya + yb) / 2.0);
                for (fm, high, _) in &b.flips {
                    if usize::from(*high) == k && fm.is_finite() {
                        let (fx, _) = px(&chart, fm / d, ya);
                        tx = if right { tx.max(fx + 9) } else { tx.min(fx - 9) };
                    }
                }
                let words = format!("{}: {}", input_value(kind, value), fmt_metric(&self.metric, mean));
                let style = TextStyle::from(font(12.0))
                    .pos(Pos::new(if right { HPos::Left } else { HPos::Right }, VPos::Center));
                plot.draw(&Text::new(words, (tx + if right { 7 } else { -7 }, ty), style))?;
            }
            // Where the recommendation changes: a mark on its side's bar,
            // and the words under the bars, on white over the line.
            let mut notes = Vec::new();
            for (mean, high, label) in &b.flips {
                let y = top - 0.215 - 0.27 * usize::from(*high) as f64;
                diamond(&plot, px(&chart, mean / d, y))?;
                notes.push(label.clone());
            }
            if !notes.is_empty() {
                let note = format!("changes to {}", notes.join("; "));
                let style = TextStyle::from(font(12.5)).pos(Pos::new(HPos::Left, VPos::Center));
                let (nx, ny) = px(&chart, x0, top - 0.8);
                let (tw, th) = plot.estimate_text_size(&note, &style)?;
                plot.draw(&Rectangle::new(
                    [
                        (nx + 4, ny - th as i32 / 2 - 2),
                        (nx + 10 + tw as i32, ny + th as i32 / 2 + 2),
                    ],
                    WHITE.filled(),
                ))?;
                plot.draw(&Text::new(note, (nx + 7, ny), style))?;
            }
        }
        draw_legend(
            &side,
            (8, 20),
            &[
                (Swatch::Box(LOW_COLOR), "low end of the input".to_string()),
                (Swatch::Box(HIGH_COLOR), "high end of the input".to_string()),
                (
                    Swatch::Line(BLACK),
                    format!("as given: {}", fmt_metric(&self.metric, self.base)),
                ),
            ],
        )?;
        // The fourth entry's mark is the diamond itself.
        let y = 20 + 3 * super::chart::LEGEND_ROW_PX + super::chart::LEGEND_ROW_PX / 2;
        diamond(&side, (8 + 12, y))?;
        side.draw(&Text::new(
            "recommendation changes".to_string(),
            (8 + 32, y),
            TextStyle::from(font(13.0)).pos(Pos::new(HPos::Left, VPos::Center)),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_in_the_units_people_use() {
        assert_eq!(input_value(Kind::Gb, 118.3), "118 GB");
        assert_eq!(input_value(Kind::Duration, 20_000.0), "20 s");
        assert_eq!(input_value(Kind::Duration, 12.0 * 3_600_000.0), "12 h");
        assert_eq!(input_value(Kind::Duration, 86_400_000.0), "24 h");
        assert_eq!(input_value(Kind::Duration, 2.0 * 86_400_000.0), "2 days");
        assert_eq!(input_value(Kind::Duration, 8760.0 * 3_600_000.0), "365 days");
        assert_eq!(input_value(Kind::Duration, 2.0 * 8760.0 * 3_600_000.0), "2 years");
        assert_eq!(input_value(Kind::Probability, 0.3), "30 %");
        assert_eq!(input_value(Kind::Factor, 0.5), "×0.5");
    }

    fn findings(changes: Vec<Change>, steady: Vec<Steady>) -> Findings {
        Findings {
            metric: "downtime_s",
            pick: "a".into(),
            strategies: 2,
            runs: 200,
            steps: 5,
            changes,
            steady,
            skipped: vec![(Input::DnsTtl, "no compared strategy swings DNS".to_string())],
            chart: "sensitivity-downtime_s".into(),
        }
    }

    #[test]
    fn a_change_and_the_steady_inputs_in_words() {
        let change = Change {
            input: Input::DataGb,
            above: true,
            inner: 116.0,
            outer: 120.0,
            at: 118.0,
            pick: "b".into(),
            on: Some("downtime"),
        };
        let steady = Steady {
            input: Input::Interim,
            low: 12.0 * 3_600_000.0,
            high: 2.0 * 86_400_000.0,
        };
        let f = findings(vec![change.clone()], vec![steady.clone()]);
        assert_eq!(
            f.sentences(),
            [
                "Above about 118 GB of stored data (between 116 GB and 120 GB), **b** becomes the better choice (on downtime).",
                "Within its range, the interim period (12 h to 2 days) does not change it."
            ]
        );
        let below = Change {
            input: Input::Mtbf,
            above: false,
            inner: 100.0 * 86_400_000.0,
            outer: 90.0 * 86_400_000.0,
            at: 95.0 * 86_400_000.0,
            on: None,
            ..change
        };
        assert_eq!(
            below.sentence("a"),
            "Below a crash MTBF of about 95 days (between 90 days and 100 days), **b** becomes the better choice (it ties with a on every priority and comes first on the means)."
        );
        let f = findings(vec![], vec![steady.clone(), steady]);
        assert!(
            f.sentences()[0]
                .starts_with("No input changes the recommendation (a) within its range: the interim period")
        );
        assert!(
            f.note()
                .ends_with("Not swung: the DNS TTL (no compared strategy swings DNS).")
        );
        assert!(f.plain().starts_with("What would change it: No input changes"));
        assert!(f.plain().lines().all(|l| l.len() <= 100));
    }
}
