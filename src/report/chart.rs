//! Chart plumbing: one drawing, two files (SVG and PNG), an embedded font,
//! and the colours every chart shares.
//!
//! Charts implement [`Chart`] once, generically over the plotters backend;
//! [`render`] draws them on the SVG backend (text stays text, so titles and
//! legends can be searched) and on an in-memory bitmap encoded as PNG. The
//! font (DejaVu Sans, `assets/fonts/`) is compiled into the binary: no
//! system font or font library is needed.

use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;

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

/// The colour of a node or relationship state on the timeline.
pub fn state_color(state: &str) -> RGBColor {
    match state {
        "serving" | "working" => RGBColor(0, 158, 115),
        "backup" => RGBColor(120, 190, 230),
        "draining" => RGBColor(230, 159, 0),
        "offline" => RGBColor(170, 170, 170),
        "upgrading" => RGBColor(0, 90, 160),
        "syncing" => RGBColor(86, 180, 233),
        "failed" => RGBColor(213, 94, 0),
        "down" => RGBColor(90, 20, 20),
        "not working" => RGBColor(204, 51, 99),
        _ => RGBColor(200, 200, 200),
    }
}

/// Font family used by every chart.
pub const FONT: &str = "sans-serif";

static FONT_ONCE: Once = Once::new();

fn register_font() {
    FONT_ONCE.call_once(|| {
        let bytes: &'static [u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
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

/// Draws a chart into both formats.
pub fn render(chart: &impl Chart) -> Result<Rendered, ChartError> {
    register_font();
    let (w, h) = chart.size();
    let mut svg = String::new();
    {
        let area = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        area.fill(&WHITE).map_err(|e| ChartError(format!("svg: {e}")))?;
        chart.draw(&area).map_err(|e| ChartError(format!("svg: {e}")))?;
        area.present().map_err(|e| ChartError(format!("svg: {e}")))?;
    }
    let mut rgb = vec![255u8; w as usize * h as usize * 3];
    {
        let area = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        area.fill(&WHITE).map_err(|e| ChartError(format!("png: {e}")))?;
        chart.draw(&area).map_err(|e| ChartError(format!("png: {e}")))?;
        area.present().map_err(|e| ChartError(format!("png: {e}")))?;
    }
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
    Ok(Rendered { svg, png })
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

/// Formats a metric value for axes and tables, by the metric's unit.
pub fn fmt_metric(metric: &str, x: f64) -> String {
    fmt_value(unit_of(metric), x)
}

/// A metric's chart label with its unit, from the metric table.
pub fn metric_label(metric: &str) -> String {
    match crate::metrics::find(metric) {
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
    /// The scale for `metric` whose values reach `max_abs`.
    pub fn for_metric(metric: &str, max_abs: f64) -> Scale {
        Scale::for_unit(unit_of(metric), max_abs)
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
