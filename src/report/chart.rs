//! Chart plumbing: one drawing, two files (SVG and PNG), an embedded font,
//! and the colours every chart shares.
//!
//! Charts implement [`Chart`] once, generically over the plotters backend;
//! [`render`] draws them on the SVG backend (text stays text, so titles and
//! legends can be searched) and rasterises that SVG with `resvg` (pure Rust,
//! anti-aliased, text shaped from the font) into the PNG. The font (DejaVu
//! Sans, `assets/fonts/`) is compiled into the binary and is the only font
//! either step knows: no system font or font library is needed.

use std::sync::{Arc, Once, OnceLock};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::metrics::Unit;

/// Colour-blind-safe palette (Okabe & Ito), one colour per strategy.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(230, 159, 0),   // orange
    RGBColor(0, 158, 115),   // green
    RGBColor(204, 121, 167), // purple
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(86, 180, 233),  // sky
    RGBColor(120, 94, 60),   // brown
    RGBColor(40, 40, 40),    // near black
];

/// The colour of a strategy: fixed for built-in runbooks (the same in every
/// chart of every study), by position for a scenario's own.
pub fn strategy_color(name: &str, position: usize) -> RGBColor {
    match crate::runbook::builtin_names().iter().position(|n| n == name) {
        Some(i) => PALETTE[i % PALETTE.len()],
        None => PALETTE[(position + 3) % PALETTE.len()],
    }
}

/// The states of the timeline's legend, in legend order, with their words
/// and colours. No two are alike under the common colour-vision
/// deficiencies: pairwise CIEDE2000 ΔE at least [`MIN_STATE_DELTA_E`] in
/// normal vision and under simulated deuteranopia and protanopia (Machado,
/// Oliveira & Fernandes 2009, severity 1), tested. Built from the Okabe–Ito
/// hues: the usual states (serving, the failover working) pale or calm, the
/// changes saturated, the lost failover reddish purple and hatched; the
/// faults dark: a failed upgrade waiting for support brick red, a rollback
/// plum, a crash vermilion.
pub const STATES: [(&str, &str, RGBColor); 13] = [
    ("serving", "serving", RGBColor(153, 216, 199)),
    ("down", "site down (fresh clients fail)", RGBColor(90, 20, 20)),
    ("backup", "backup", RGBColor(86, 180, 233)),
    ("draining", "draining", RGBColor(230, 159, 0)),
    ("offline", "offline", RGBColor(82, 82, 82)),
    ("upgrading", "upgrading", RGBColor(0, 114, 178)),
    (
        "awaiting_support",
        "upgrade failed, awaiting support",
        RGBColor(168, 40, 8),
    ),
    (
        "rolling_back",
        "rolling back (restoring its backup)",
        RGBColor(96, 32, 104),
    ),
    ("failed", "crashed, awaiting repair", RGBColor(213, 94, 0)),
    ("working", "failover working", RGBColor(0, 158, 115)),
    ("syncing", "failover syncing", RGBColor(242, 232, 94)),
    ("not working", "no working failover (hatched)", RGBColor(204, 121, 167)),
    ("window", "maintenance window", WINDOW_COLOR),
];

/// The shade of a maintenance window behind the timeline.
pub const WINDOW_COLOR: RGBColor = RGBColor(250, 247, 198);

/// The smallest CIEDE2000 colour difference between two legend entries of
/// [`STATES`], in normal vision and under simulated deuteranopia and
/// protanopia. 10 is a difference seen at a glance between two patches.
pub const MIN_STATE_DELTA_E: f64 = 10.0;

/// The colour of a node or relationship state on the timeline.
pub fn state_color(state: &str) -> RGBColor {
    STATES
        .iter()
        .find(|s| s.0 == state)
        .map_or(RGBColor(200, 200, 200), |s| s.2)
}

/// A font of `px` pixels in the SVG (plotters writes sizes divided by 1.24;
/// this undoes that, so that a size here is the size a reader gets).
pub fn font(px: f64) -> FontDesc<'static> {
    (FONT, px * 1.24).into_font()
}

/// The smallest text in any chart, in SVG pixels at the chart's own size.
/// Charts wider than the report's column ([`REPORT_WIDTH`]) scale it up so
/// that it is still this size there.
pub const MIN_TEXT_PX: f64 = 12.0;

/// The width at which the change-board report shows a chart (its column:
/// 1180 px less the padding); a wider chart is scaled down to it.
pub const REPORT_WIDTH: f64 = 1148.0;

/// Font family used by every chart.
pub const FONT: &str = "sans-serif";

/// The embedded font (DejaVu Sans): text measured for layout by plotters,
/// shaped and drawn in PNGs by the SVG rasteriser.
pub(crate) const FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

static FONT_ONCE: Once = Once::new();

pub(crate) fn register_font() {
    FONT_ONCE.call_once(|| {
        let bytes: &'static [u8] = FONT_BYTES;
        for style in [
            FontStyle::Normal,
            FontStyle::Bold,
            FontStyle::Italic,
            FontStyle::Oblique,
        ] {
            // The bytes are a valid TrueType font (tested); a failure would
            // only lose text in PNGs, never panic.
            let _ = plotters::style::register_font(FONT, style, bytes);
        }
    });
}

/// Why a chart could not be drawn.
#[derive(Debug)]
pub struct ChartError(pub String);

impl std::fmt::Display for ChartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ChartError {}

/// Result of a drawing on any backend.
pub type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// A chart: a size and a drawing.
pub trait Chart {
    /// Width and height in pixels.
    fn size(&self) -> (u32, u32);
    /// Draws on `area` (already filled white).
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB>;
}

/// A chart as SVG text and PNG bytes.
pub struct Rendered {
    /// The SVG document.
    pub svg: String,
    /// The PNG file.
    pub png: Vec<u8>,
}

/// Draws a chart into both formats: the SVG as plotters writes it, and the
/// PNG rasterised from that SVG (anti-aliased shapes, text shaped from the
/// embedded font) so that both files show the same picture.
pub fn render(chart: &impl Chart) -> Result<Rendered, ChartError> {
    let svg = render_svg(chart)?;
    let png = rasterise(&svg)?;
    Ok(Rendered { svg, png })
}

/// Draws a chart as SVG only (what the report inlines, and what tests read).
pub fn render_svg(chart: &impl Chart) -> Result<String, ChartError> {
    register_font();
    let (w, h) = chart.size();
    let mut svg = String::new();
    {
        let area = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        area.fill(&WHITE).map_err(|e| ChartError(format!("svg: {e}")))?;
        chart.draw(&area).map_err(|e| ChartError(format!("svg: {e}")))?;
        area.present().map_err(|e| ChartError(format!("svg: {e}")))?;
    }
    Ok(svg)
}

/// The parsing options of the SVG rasteriser: its font database holds the
/// embedded font alone, under every generic family name, so no system font
/// is ever looked up and every machine draws the same pixels.
fn svg_options() -> &'static resvg::usvg::Options<'static> {
    static OPTIONS: OnceLock<resvg::usvg::Options<'static>> = OnceLock::new();
    OPTIONS.get_or_init(|| {
        let mut db = resvg::usvg::fontdb::Database::new();
        db.load_font_data(FONT_BYTES.to_vec());
        db.set_sans_serif_family("DejaVu Sans");
        db.set_serif_family("DejaVu Sans");
        db.set_monospace_family("DejaVu Sans");
        resvg::usvg::Options {
            font_family: "DejaVu Sans".into(),
            fontdb: Arc::new(db),
            ..resvg::usvg::Options::default()
        }
    })
}

/// Rasterises an SVG document to PNG bytes at its own size (opaque RGB).
pub fn rasterise(svg: &str) -> Result<Vec<u8>, ChartError> {
    let tree = resvg::usvg::Tree::from_str(svg, svg_options()).map_err(|e| ChartError(format!("png: {e}")))?;
    let size = tree.size().to_int_size();
    let (w, h) = (size.width(), size.height());
    let mut pixmap = resvg::tiny_skia::Pixmap::new(w, h).ok_or_else(|| ChartError("png: empty chart".into()))?;
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(&tree, resvg::tiny_skia::Transform::identity(), &mut pixmap.as_mut());
    // Opaque (the background is white), so premultiplied RGBA is plain RGB.
    let rgb: Vec<u8> = pixmap.data().chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect();
    let mut png = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut png, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().map_err(|e| ChartError(format!("png: {e}")))?;
        writer
            .write_image_data(&rgb)
            .map_err(|e| ChartError(format!("png: {e}")))?;
        writer.finish().map_err(|e| ChartError(format!("png: {e}")))?;
    }
    Ok(png)
}

/// Width and height of a PNG, read from its header (for checks).
pub fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.len() < 24 || &bytes[..8] != b"\x89PNG\r\n\x1a\n" || &bytes[12..16] != b"IHDR" {
        return None;
    }
    let w = u32::from_be_bytes(bytes[16..20].try_into().ok()?);
    let h = u32::from_be_bytes(bytes[20..24].try_into().ok()?);
    Some((w, h))
}

/// A human duration for axis labels: `45s`, `12m`, `3.5h`, `2.0d`.
pub fn fmt_duration_s(s: f64) -> String {
    let a = s.abs();
    let v = if a >= 86_400.0 {
        format!("{:.1}d", a / 86_400.0)
    } else if a >= 3600.0 {
        format!("{:.1}h", a / 3600.0)
    } else if a >= 60.0 {
        format!("{:.0}m", a / 60.0)
    } else {
        format!("{a:.0}s")
    };
    if s < 0.0 { format!("-{v}") } else { v }
}

/// The unit of `metric` in [`crate::metrics::METRICS`]; a name that is not
/// there (a chart of other data) is shown as a count.
fn unit_of(metric: &str) -> Unit {
    crate::metrics::find(metric).map_or(Unit::Count, |m| m.unit)
}

/// A metric's words for people ("dropped sessions"), from the metric table.
pub fn metric_words(metric: &str) -> String {
    match crate::metrics::find(metric) {
        Some(m) => m.words.to_string(),
        None => metric.to_string(),
    }
}

/// Formats a value of `unit` for axes and tables: times as `45s`, `12m`,
/// `3.5h`, `2.0d`; probabilities and ratios as percentages; counts whole
/// or with one decimal.
pub fn fmt_value(unit: Unit, x: f64) -> String {
    match unit {
        Unit::Seconds | Unit::Instant => fmt_duration_s(x),
        Unit::Probability => format!("{:.2}%", x * 100.0),
        Unit::Ratio => format!("{:.0}%", x * 100.0),
        Unit::Count | Unit::Flag if x.abs() >= 100.0 || x.fract() == 0.0 => format!("{x:.0}"),
        Unit::Count | Unit::Flag => format!("{x:.1}"),
    }
}

/// Formats a metric value for tables, sentences and labels in the metric's
/// shown unit ([`crate::metrics::Metric::shown_unit`]): `52.3 min`,
/// `0.25 min`, `49.5 h`, `1.91%`, `3`; a long time in a larger unit
/// ([`fmt_long_time`]): `49.6 h`, not `2975 min`.
pub fn fmt_metric(metric: &str, x: f64) -> String {
    let Some(m) = crate::metrics::find(metric) else {
        return fmt_value(Unit::Count, x);
    };
    match m.unit {
        Unit::Probability | Unit::Ratio | Unit::Count | Unit::Flag => fmt_value(m.unit, x),
        Unit::Seconds | Unit::Instant => fmt_long_time(m.shown_unit(), x),
    }
}

/// From this many seconds on, a time shown in minutes is written in hours.
pub const HOURS_FROM_S: f64 = 10.0 * 3600.0;

/// From this many seconds on, a time is written in days.
pub const DAYS_FROM_S: f64 = 3.0 * 86_400.0;

/// A time of `s` seconds in its shown unit (`(name, seconds per unit)`),
/// or a larger one when it is long: from [`HOURS_FROM_S`] (10 h) on in
/// hours, from [`DAYS_FROM_S`] (3 days) on in days. `12.5 min`,
/// `49.6 h`, `11.2 days`.
pub fn fmt_long_time((name, per): (&'static str, f64), s: f64) -> String {
    let a = s.abs();
    if a >= DAYS_FROM_S {
        format!("{} days", fmt_number(s / 86_400.0))
    } else if a >= HOURS_FROM_S && per < 3600.0 {
        format!("{} h", fmt_number(s / 3600.0))
    } else {
        format!("{} {name}", fmt_number(s / per))
    }
}

/// A number with three significant digits or so: `52.3`, `0.25`, `130`.
pub fn fmt_number(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if a >= 100.0 || (a >= 1.0 && v.fract() == 0.0) {
        format!("{v:.0}")
    } else if a >= 1.0 {
        format!("{v:.1}")
    } else if a >= 0.01 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// A metric's chart label with its shown unit: `downtime (minutes)`,
/// `dropped sessions (count)`, or the metric table's own label.
pub fn metric_label(metric: &str) -> String {
    match crate::metrics::find(metric) {
        Some(m) if m.label.is_none() && m.unit.is_time() => {
            format!("{} ({})", m.words, Scale::for_metric(metric, 0.0).unit)
        }
        Some(m) => m.label(),
        None => format!("{metric} (count)"),
    }
}

/// The unit a chart axis shows a metric in: times in seconds, minutes,
/// hours or days by their size, so that ticks fall on round numbers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scale {
    /// Divide a value by this to get the axis value.
    pub div: f64,
    /// The unit's name for the axis description.
    pub unit: &'static str,
}

impl Scale {
    /// The scale of `metric`: its one shown unit, whatever its values
    /// (`max_abs` only matters for data that is not in the metric table).
    pub fn for_metric(metric: &str, max_abs: f64) -> Scale {
        match crate::metrics::find(metric) {
            Some(m) if m.unit.is_time() => match m.shown_unit() {
                ("h", per) => Scale {
                    div: per,
                    unit: "hours",
                },
                (_, per) => Scale {
                    div: per,
                    unit: "minutes",
                },
            },
            _ => Scale::for_unit(unit_of(metric), max_abs),
        }
    }

    /// The scale for values of `unit` that reach `max_abs`.
    pub fn for_unit(unit: Unit, max_abs: f64) -> Scale {
        match unit {
            Unit::Seconds | Unit::Instant => {
                let (div, unit) = if max_abs >= 2.0 * 86_400.0 {
                    (86_400.0, "days")
                } else if max_abs >= 2.0 * 3600.0 {
                    (3600.0, "hours")
                } else if max_abs >= 120.0 {
                    (60.0, "minutes")
                } else {
                    (1.0, "seconds")
                };
                Scale { div, unit }
            }
            Unit::Probability | Unit::Ratio => Scale { div: 0.01, unit: "%" },
            Unit::Count | Unit::Flag => Scale {
                div: 1.0,
                unit: "count",
            },
        }
    }

    /// The axis description: the metric's words and the unit.
    pub fn describe(&self, metric: &str) -> String {
        format!("{} ({})", metric_words(metric), self.unit)
    }

    /// A tick label in the scaled unit.
    pub fn tick(&self, v: f64) -> String {
        let v = if v.abs() < 1e-9 { 0.0 } else { v };
        if (v - v.round()).abs() < 1e-9 {
            format!("{v:.0}")
        } else if v.abs() >= 10.0 {
            format!("{v:.1}")
        } else {
            format!("{v:.2}")
        }
    }
}

/// The mark a legend entry shows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Swatch {
    /// A line (a curve, a sweep's mean).
    Line(RGBColor),
    /// A dot (a mean).
    Dot(RGBColor),
    /// A filled box (a quartile box, a band).
    Box(RGBColor),
    /// A dashed line (a threshold).
    Dashed(RGBColor),
    /// A series' line as the chart draws it ([`Stroke`]).
    Stroke(RGBColor, Stroke),
}

/// How a series' line is drawn: its width, and its dashes when it is drawn
/// over another series that has the same points.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stroke {
    /// Width in pixels.
    pub width: u32,
    /// A solid line when `None`.
    pub dash: Option<Dash>,
}

/// A dashed line's pattern, in pixels along the line: `on` drawn, `off`
/// left out, the first dash starting `phase` pixels in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dash {
    /// Pixels drawn.
    pub on: u32,
    /// Pixels left out before the next dash.
    pub off: u32,
    /// Where the first dash starts.
    pub phase: u32,
}

/// A dash's length, and the gap after it, over the first of identical
/// series.
const DASH_ON: u32 = 10;
const DASH_GAP: u32 = 6;

impl Stroke {
    /// A series alone: solid, 3 px.
    pub const PLAIN: Stroke = Stroke { width: 3, dash: None };

    /// The first of series with identical points: solid and wide, so that
    /// the later ones, drawn over it thinner and dashed, leave it showing.
    pub const UNDER: Stroke = Stroke { width: 7, dash: None };

    /// The `k`-th (from 1) of `m` later series over the first of identical
    /// ones: 3 px, dashed; their dashes take turns, so that each colour
    /// shows, with the wide line between them.
    pub fn over(k: usize, m: usize) -> Stroke {
        let (k, m) = (k.clamp(1, m.max(1)) as u32, m.max(1) as u32);
        Stroke {
            width: 3,
            dash: Some(Dash {
                on: DASH_ON,
                off: m * (DASH_ON + DASH_GAP) - DASH_ON,
                phase: (k - 1) * (DASH_ON + DASH_GAP),
            }),
        }
    }

    /// Draws the line through `points` (chart coordinates or pixels) on
    /// `area`, in `color`.
    pub fn draw<DB: DrawingBackend, CT: plotters::coord::CoordTranslate>(
        &self,
        area: &DrawingArea<DB, CT>,
        points: Vec<CT::From>,
        color: RGBColor,
    ) -> DrawResult<DB> {
        let style = color.stroke_width(self.width);
        let Some(dash) = self.dash else {
            return area.draw(&PathElement::new(points, style));
        };
        // Dashed in pixels, so that every dash has its length whatever the
        // axes' scales.
        let (bx, by) = area.get_base_pixel();
        let px: Vec<(f64, f64)> = points
            .iter()
            .map(|p| {
                let (x, y) = area.map_coordinate(p);
                ((x - bx) as f64, (y - by) as f64)
            })
            .collect();
        let flat = area.strip_coord_spec();
        for piece in dash.pieces(&px) {
            flat.draw(&PathElement::new(piece, style))?;
        }
        Ok(())
    }

    /// The legend's mark for a series drawn with this stroke in `color`:
    /// a plain line, or the stroke itself.
    pub fn swatch(self, color: RGBColor) -> Swatch {
        if self == Stroke::PLAIN {
            Swatch::Line(color)
        } else {
            Swatch::Stroke(color, self)
        }
    }
}

impl Dash {
    /// The dashes along the line through `points` (pixels): each a line of
    /// its own, a corner of the line kept within a dash.
    pub fn pieces(&self, points: &[(f64, f64)]) -> Vec<Vec<(i32, i32)>> {
        let (on, period, phase) = (self.on as f64, (self.on + self.off).max(1) as f64, self.phase as f64);
        let mut out = Vec::new();
        let mut piece: Vec<(i32, i32)> = Vec::new();
        let push = |piece: &mut Vec<(i32, i32)>, p: (f64, f64)| {
            let p = (p.0.round() as i32, p.1.round() as i32);
            if piece.last() != Some(&p) {
                piece.push(p);
            }
        };
        let mut walked = 0.0;
        for w in points.windows(2) {
            let (a, b) = (w[0], w[1]);
            let len = (b.0 - a.0).hypot(b.1 - a.1);
            let at = |s: f64| (a.0 + (b.0 - a.0) * s / len, a.1 + (b.1 - a.1) * s / len);
            let mut s = 0.0;
            while s < len {
                let into = (walked + s - phase).rem_euclid(period);
                let drawn = into < on;
                let left = if drawn { on - into } else { period - into };
                // Never stuck on a boundary a rounding put a hair away.
                let e = (s + left.max(1e-6)).min(len);
                if drawn {
                    push(&mut piece, at(s));
                    push(&mut piece, at(e));
                } else if piece.len() > 1 {
                    out.push(std::mem::take(&mut piece));
                } else {
                    piece.clear();
                }
                s = e;
            }
            walked += len;
        }
        if piece.len() > 1 {
            out.push(piece);
        }
        out
    }
}

/// Pixels between two legend entries.
pub const LEGEND_ROW_PX: i32 = 22;

/// Draws a legend at `(x, y)` of `area`, one entry a row: the charts put it
/// in an area of its own beside the plot, so that it never covers a mark.
/// A label wider than the area goes on over the next rows, broken between
/// words.
pub fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (x, y): (i32, i32),
    entries: &[(Swatch, String)],
) -> DrawResult<DB> {
    let style = TextStyle::from(font(13.0)).pos(Pos::new(HPos::Left, VPos::Center));
    // The estimate is a few per cent wider than the text drawn: no margin.
    let room = area.dim_in_pixel().0.saturating_sub((x + 32).max(0) as u32);
    let mut row = 0;
    for (swatch, label) in entries {
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in label.split(' ') {
            let longer = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if !line.is_empty() && area.estimate_text_size(&longer, &style)?.0 > room {
                lines.push(std::mem::replace(&mut line, word.to_string()));
            } else {
                line = longer;
            }
        }
        lines.push(line);
        let cy = y + LEGEND_ROW_PX * row + LEGEND_ROW_PX / 2;
        for (k, text) in lines.iter().enumerate().skip(1) {
            area.draw(&Text::new(
                text.clone(),
                (x + 32, cy + LEGEND_ROW_PX * k as i32 - 4 * k as i32),
                style.clone(),
            ))?;
        }
        row += lines.len() as i32;
        let label = &lines[0];
        match *swatch {
            Swatch::Line(c) => area.draw(&PathElement::new(vec![(x, cy), (x + 24, cy)], c.stroke_width(3)))?,
            Swatch::Dot(c) => area.draw(&Circle::new((x + 12, cy), 5, c.filled()))?,
            Swatch::Box(c) => area.draw(&Rectangle::new([(x + 2, cy - 7), (x + 22, cy + 7)], c.filled()))?,
            Swatch::Dashed(c) => {
                for k in 0..3 {
                    area.draw(&PathElement::new(
                        vec![(x + k * 9, cy), (x + k * 9 + 6, cy)],
                        c.stroke_width(2),
                    ))?;
                }
            }
            Swatch::Stroke(c, stroke) => {
                // The dashes as they look, whatever their turn on the line.
                let stroke = Stroke {
                    dash: stroke.dash.map(|_| Dash {
                        on: 6,
                        off: 3,
                        phase: 0,
                    }),
                    ..stroke
                };
                stroke.draw(area, vec![(x, cy), (x + 24, cy)], c)?
            }
        }
        area.draw(&Text::new(label.clone(), (x + 32, cy), style.clone()))?;
    }
    Ok(())
}

/// Diagonal white lines over the box `[xa, xb] × [ya, yb]`: the pattern of
/// the states that must be told apart whatever the reader's colour vision
/// (no working failover, on the timeline and the campaign Gantt).
pub(crate) fn hatch<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    xa: i32,
    ya: i32,
    xb: i32,
    yb: i32,
) -> DrawResult<DB> {
    let h = yb - ya;
    if h <= 0 || xb <= xa {
        return Ok(());
    }
    let mut x = xa - h;
    while x < xb {
        // The line from (x, yb) up to (x + h, ya), clipped to [xa, xb].
        let (s, e) = (x.max(xa), (x + h).min(xb));
        if s < e {
            area.draw(&PathElement::new(
                vec![(s, yb - (s - x)), (e, yb - (e - x))],
                WHITE.stroke_width(2),
            ))?;
        }
        x += 8;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dashes_keep_their_length_and_turn_along_a_bent_line() {
        let dash = |phase| Dash { on: 10, off: 22, phase };
        // A line bent at (20, 0): 20 px right, then 44 px down.
        let line = [(0.0, 0.0), (20.0, 0.0), (20.0, 44.0)];
        assert_eq!(dash(0).pieces(&line), [vec![(0, 0), (10, 0)], vec![(20, 12), (20, 22)]]);
        // The second in turn: its dashes where the first's gaps are, the
        // bend kept within a dash.
        assert_eq!(
            dash(16).pieces(&line),
            [vec![(16, 0), (20, 0), (20, 6)], vec![(20, 28), (20, 38)]]
        );
        let over = [Stroke::over(1, 2), Stroke::over(2, 2)];
        assert_eq!(
            over.map(|s| s.dash.map(|d| (d.on, d.off, d.phase))),
            [Some((10, 22, 0)), Some((10, 22, 16))]
        );
        assert!(dash(0).pieces(&[(5.0, 5.0)]).is_empty());
    }
}
