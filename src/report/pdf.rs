//! `summary.pdf`: the one-page summary ([`Summary`]) laid out on one A4
//! page: the title, a box with the decision, the board's limits, the odds
//! per strategy, the 3 × 3 risk matrix drawn with lines and shaded cells,
//! and a footer with the date and the scenario's hash.
//!
//! The page is laid out here and written with `pdf-writer`: text is real
//! text in the embedded font (DejaVu Sans, the charts' font, subsetted to
//! the glyphs used, with a map back to Unicode so the words can be
//! searched and copied); the font has no bold face, so strong text is
//! filled and stroked. Nothing is decided here: the words and the numbers
//! come with the summary. What does not fit is made smaller, then shortened
//! with `…`; nothing goes past the footer, so the page is always one.
//!
//! The file is the same bytes for the same summary: no clock, no random
//! identifier (the file's identifier is a hash of its content), the
//! creation date the summary's own date.

use std::collections::BTreeMap;
use std::io::Write as _;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, TextRenderingMode, UnicodeCmap};
use pdf_writer::{Content, Date, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use sha2::{Digest, Sha256};

use super::chart::FONT_BYTES;
pub use super::page::summary::Summary;
use crate::metrics::Impact;

/// A4 in points.
const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
/// The margin all round (15 mm).
const MARGIN: f32 = 42.5;
/// The smallest scale the page is tried at before text is cut.
const MIN_SCALE: f32 = 0.62;

type Rgb = [f32; 3];

const fn rgb(r: u8, g: u8, b: u8) -> Rgb {
    [r as f32 / 255.0, g as f32 / 255.0, b as f32 / 255.0]
}

const INK: Rgb = rgb(34, 34, 34);
const GREY: Rgb = rgb(85, 85, 85);
const RULE: Rgb = rgb(187, 187, 187);
const HEAD_FILL: Rgb = rgb(240, 240, 240);
const BLUE: Rgb = rgb(0, 114, 178);
const BOX_FILL: Rgb = rgb(244, 248, 251);
const PICK_FILL: Rgb = rgb(226, 238, 247);
const PASS: Rgb = rgb(0, 120, 86);
const FAIL: Rgb = rgb(192, 64, 0);

/// The shade of a cell of the risk matrix by its class.
fn class_fill(class: Impact) -> Rgb {
    match class {
        Impact::Low => rgb(223, 240, 228),
        Impact::Moderate => rgb(252, 238, 196),
        Impact::High => rgb(247, 209, 198),
    }
}

/// The embedded font: glyphs and advances.
struct Font<'a> {
    face: ttf_parser::Face<'a>,
    upem: f32,
}

impl<'a> Font<'a> {
    fn new(bytes: &'a [u8]) -> Result<Font<'a>, String> {
        let face = ttf_parser::Face::parse(bytes, 0).map_err(|e| format!("the embedded font: {e}"))?;
        let upem = f32::from(face.units_per_em().max(1));
        Ok(Font { face, upem })
    }

    fn glyph(&self, c: char) -> Option<u16> {
        self.face.glyph_index(c).map(|g| g.0)
    }

    /// The advance of glyph `g` in thousandths of the font size.
    fn advance(&self, g: u16) -> f32 {
        f32::from(self.face.glyph_hor_advance(ttf_parser::GlyphId(g)).unwrap_or(0)) * 1000.0 / self.upem
    }

    /// The width of `c` at `size` points.
    fn char_width(&self, c: char, size: f32, bold: bool) -> f32 {
        let w = self.advance(self.glyph(c).unwrap_or(0)) * size / 1000.0;
        // The stroke of strong text widens every glyph a little.
        if bold { w + 0.04 * size } else { w }
    }

    /// The width of `text` at `size` points.
    fn width(&self, text: &str, size: f32, bold: bool) -> f32 {
        text.chars().map(|c| self.char_width(c, size, bold)).sum()
    }

    /// `text` as the font can show it: control characters as spaces, a
    /// character without a glyph as `?`.
    fn clean(&self, text: &str) -> String {
        text.chars()
            .map(|c| {
                if c.is_control() {
                    ' '
                } else if self.glyph(c).is_some() {
                    c
                } else {
                    '?'
                }
            })
            .collect()
    }

    /// `text` on one line of at most `width`, cut with `…` when longer.
    fn fit(&self, text: &str, size: f32, bold: bool, width: f32) -> String {
        if self.width(text, size, bold) <= width {
            return text.to_string();
        }
        // The longest start that leaves room for the ellipsis.
        let room = width - self.char_width('…', size, bold);
        let mut end = 0;
        let mut w = 0.0;
        for (i, c) in text.char_indices() {
            w += self.char_width(c, size, bold);
            if w > room {
                break;
            }
            end = i + c.len_utf8();
        }
        let start = text[..end].trim_end();
        if start.is_empty() && room < 0.0 {
            return String::new();
        }
        format!("{start}…")
    }

    /// `text` wrapped on words into lines of at most `width`, at most
    /// `max` of them (the last cut with `…` when there is more). A word
    /// wider than a line breaks after a hyphen or underscore, else anywhere.
    fn wrap(&self, text: &str, size: f32, bold: bool, width: f32, max: usize) -> Vec<String> {
        let mut lines: Vec<String> = Vec::new();
        let mut line = String::new();
        for word in text.split_whitespace() {
            for (i, piece) in self.pieces(word, size, bold, width).into_iter().enumerate() {
                let joined = if line.is_empty() {
                    piece.clone()
                } else if i > 0 {
                    // The rest of a word broken across lines: no space.
                    format!("{line}{piece}")
                } else {
                    format!("{line} {piece}")
                };
                if line.is_empty() || self.width(&joined, size, bold) <= width {
                    line = joined;
                } else {
                    lines.push(std::mem::take(&mut line));
                    line = piece;
                }
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
        if max > 0 && lines.len() > max {
            let rest = lines[max - 1..].join(" ");
            lines.truncate(max - 1);
            let cut = self.fit(&format!("{rest}…"), size, bold, width);
            // The line that did not fit whole ends with `…` either way.
            lines.push(if cut.ends_with('…') { cut } else { format!("{cut}…") });
        }
        lines
    }

    /// A word cut into pieces no wider than `width`.
    fn pieces(&self, word: &str, size: f32, bold: bool, width: f32) -> Vec<String> {
        if self.width(word, size, bold) <= width {
            return vec![word.to_string()];
        }
        let mut out = Vec::new();
        let mut cur = String::new();
        let mut cur_w = 0.0;
        let mut last_break: Option<usize> = None;
        for c in word.chars() {
            cur.push(c);
            cur_w += self.char_width(c, size, bold);
            if cur_w > width && cur.chars().count() > 1 {
                let cut = match last_break {
                    Some(b) if b > 0 && b < cur.len() => b,
                    _ => cur.len() - c.len_utf8(),
                };
                let rest = cur[cut..].to_string();
                cur.truncate(cut);
                out.push(std::mem::take(&mut cur));
                cur_w = self.width(&rest, size, bold);
                cur = rest;
                last_break = None;
            }
            if c == '-' || c == '_' {
                last_break = Some(cur.len());
            }
        }
        if !cur.is_empty() {
            out.push(cur);
        }
        out
    }
}

/// One thing drawn on the page; `y` from the top of the page, a text's at
/// its baseline.
#[derive(Clone, Debug)]
enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        color: Rgb,
        text: String,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<Rgb>,
        stroke: Option<Rgb>,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        color: Rgb,
        width: f32,
    },
}

/// The page being laid out at one scale.
struct Layout<'f, 'a> {
    font: &'f Font<'a>,
    k: f32,
    ops: Vec<Op>,
    /// The next free line, from the top.
    y: f32,
    /// Where the footer starts: nothing is drawn below it.
    limit: f32,
    /// True once something was cut to stay above the footer.
    cut: bool,
}

const LEFT: f32 = MARGIN;
const WIDTH: f32 = PAGE_W - 2.0 * MARGIN;

impl Layout<'_, '_> {
    fn s(&self, size: f32) -> f32 {
        size * self.k
    }

    fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, color: Rgb, text: String) {
        if text.is_empty() {
            return;
        }
        self.ops.push(Op::Text {
            x,
            y,
            size,
            bold,
            color,
            text,
        });
    }

    /// Lines of text from the cursor on, each `lead` below the last: at
    /// most `max` (0: no bound), cut with `…` past it; what would go below
    /// the footer is cut too, and marks the page as cut.
    #[allow(clippy::too_many_arguments)]
    fn para(&mut self, x: f32, width: f32, size: f32, bold: bool, color: Rgb, text: &str, max: usize) {
        let size = self.s(size);
        let lead = size * 1.32;
        let room = ((self.limit - self.y) / lead).floor().max(0.0) as usize;
        let mut lines = self.font.wrap(text, size, bold, width, max);
        if lines.len() > room {
            self.cut = true;
            lines = if room == 0 {
                Vec::new()
            } else {
                self.font.wrap(text, size, bold, width, room)
            };
        }
        for l in lines {
            self.y += lead;
            let baseline = self.y - 0.3 * size;
            self.text(x, baseline, size, bold, color, l);
        }
    }

    fn gap(&mut self, h: f32) {
        self.y += h * self.k;
    }

    fn heading(&mut self, text: &str) {
        self.gap(9.0);
        let t = self.font.fit(text, self.s(11.5), true, WIDTH);
        self.para(LEFT, WIDTH, 11.5, true, INK, &t, 1);
        self.gap(3.0);
    }

    /// A table of single-line cells: the header on a grey band, each row
    /// with its own weight, colours and fill. At most `max` rows (and no
    /// more than fit above the footer): past it, the first ones, row
    /// `keep` among them, and a last row saying how many more.
    fn table(&mut self, widths: &[f32], head: &[String], rows: &[Row], max: usize, keep: Option<usize>) {
        let size = self.s(8.6);
        let h = size * 1.75;
        let pad = 4.0 * self.k;
        let x0 = LEFT;
        let total: f32 = widths.iter().sum();
        let draw_row = |me: &mut Self, cells: &[String], bold: &[bool], colors: &[Rgb], fill: Option<Rgb>| {
            let top = me.y;
            me.ops.push(Op::Rect {
                x: x0,
                y: top,
                w: total,
                h,
                fill,
                stroke: Some(RULE),
            });
            let mut x = x0;
            for (i, w) in widths.iter().enumerate() {
                if i > 0 {
                    me.ops.push(Op::Line {
                        x1: x,
                        y1: top,
                        x2: x,
                        y2: top + h,
                        color: RULE,
                        width: 0.5,
                    });
                }
                let b = bold.get(i).copied().unwrap_or(false);
                let c = colors.get(i).copied().unwrap_or(INK);
                let text = me.font.fit(cells.get(i).map_or("", |s| s), size, b, w - 2.0 * pad);
                me.text(x + pad, top + h * 0.5 + 0.35 * size, size, b, c, text);
                x += w;
            }
            me.y += h;
        };
        let room = ((self.limit - self.y) / h - 1.0).floor().max(0.0) as usize;
        if room < rows.len().min(max) {
            self.cut = true;
        }
        let cap = max.min(room);
        if cap == 0 {
            return;
        }
        let bold_head = vec![true; head.len()];
        draw_row(self, head, &bold_head, &[], Some(HEAD_FILL));
        let mut shown: Vec<usize> = (0..rows.len().min(cap)).collect();
        if rows.len() > cap {
            shown.truncate(cap - 1);
            if let (Some(k), Some(last)) = (keep.filter(|k| *k < rows.len()), shown.last_mut())
                && k > *last
            {
                *last = k;
            }
        }
        for &i in &shown {
            let r = &rows[i];
            draw_row(self, &r.cells, &r.bold, &r.colors, r.fill);
        }
        if shown.len() < rows.len() {
            let more = vec![format!("… and {} more: see report.html", rows.len() - shown.len())];
            draw_row(self, &more, &[false], &[GREY], None);
        }
    }
}

/// A table row as laid out.
struct Row {
    cells: Vec<String>,
    bold: Vec<bool>,
    colors: Vec<Rgb>,
    fill: Option<Rgb>,
}

/// The page at scale `k`: its drawing, where it ends, and whether anything
/// was cut.
fn layout(font: &Font, s: &Summary, k: f32) -> (Vec<Op>, f32, bool) {
    let footer_size = 7.6 * k;
    let footer_lead = footer_size * 1.35;
    let footer_top = PAGE_H - MARGIN - footer_lead * s.footer.len() as f32 - 6.0;
    let mut l = Layout {
        font,
        k,
        ops: Vec::new(),
        y: MARGIN - 6.0,
        limit: footer_top - 4.0,
        cut: false,
    };

    // The title.
    let title = font.fit(&s.title, l.s(19.0), true, WIDTH);
    l.para(LEFT, WIDTH, 19.0, true, INK, &title, 1);
    l.gap(2.0);
    l.para(LEFT, WIDTH, 9.5, false, GREY, &s.subtitle, 1);
    if !s.description.trim().is_empty() {
        l.para(LEFT, WIDTH, 9.0, false, INK, &s.description, 2);
    }
    l.gap(8.0);

    // The decision, in a box.
    let d = &s.decision;
    let box_top = l.y;
    let inner = LEFT + 14.0 * k;
    let inner_w = WIDTH - 24.0 * k;
    l.gap(6.0);
    // The strategy's name as large as fits, down to 10 pt, then wrapped.
    let lead_words = format!("Recommended: {}", d.recommended);
    let mut big = 15.5;
    while big > 10.0 && font.width(&lead_words, l.s(big), true) > inner_w {
        big -= 0.5;
    }
    l.para(inner, inner_w, big, true, BLUE, &lead_words, 2);
    l.gap(2.0);
    l.para(inner, inner_w, 9.6, false, INK, &d.why, 8);
    if !d.rest.is_empty() {
        l.gap(2.0);
        l.para(inner, inner_w, 8.8, false, GREY, &d.rest, 5);
    }
    l.gap(5.0);
    let runner = match &d.runner_up {
        Some(r) => format!("Runner-up: {r}"),
        None => "Runner-up".to_string(),
    };
    l.para(inner, inner_w, 9.6, true, INK, &runner, 2);
    l.para(inner, inner_w, 9.0, false, INK, &d.separates, 4);
    l.gap(7.0);
    let box_h = l.y - box_top;
    l.ops.insert(
        0,
        Op::Rect {
            x: LEFT,
            y: box_top,
            w: WIDTH,
            h: box_h,
            fill: Some(BOX_FILL),
            stroke: None,
        },
    );
    l.ops.insert(
        1,
        Op::Rect {
            x: LEFT,
            y: box_top,
            w: 4.0,
            h: box_h,
            fill: Some(BLUE),
            stroke: None,
        },
    );

    // The board's limits.
    l.heading("The board's limits");
    if !s.limits.is_empty() {
        let rows: Vec<Row> = s
            .limits
            .iter()
            .map(|m| Row {
                cells: vec![
                    m.what.clone(),
                    m.runs_over.clone(),
                    if m.pass { "PASS".into() } else { "FAIL".into() },
                ],
                bold: vec![false, false, true],
                colors: vec![INK, INK, if m.pass { PASS } else { FAIL }],
                fill: None,
            })
            .collect();
        let head = [
            "limit".to_string(),
            format!("runs of {} over it", d.recommended),
            "result".to_string(),
        ];
        l.table(&[WIDTH * 0.36, WIDTH * 0.50, WIDTH * 0.14], &head, &rows, 8, None);
        l.gap(2.0);
    }
    l.para(LEFT, WIDTH, 7.8, false, GREY, &s.limits_note, 3);

    // The odds per strategy.
    l.heading("Odds per strategy");
    let rows: Vec<Row> = s
        .odds
        .iter()
        .map(|o| Row {
            cells: vec![o.strategy.clone(), o.overrun.clone(), o.abort_or_rollback.clone()],
            bold: vec![o.recommended; 3],
            colors: vec![INK; 3],
            fill: o.recommended.then_some(PICK_FILL),
        })
        .collect();
    let pick = s.odds.iter().position(|o| o.recommended);
    l.table(
        &[WIDTH * 0.36, WIDTH * 0.32, WIDTH * 0.32],
        &s.odds_head,
        &rows,
        12,
        pick,
    );
    l.gap(2.0);
    l.para(LEFT, WIDTH, 7.8, false, GREY, &s.odds_note, 3);

    // The risk matrix.
    l.heading("Risk matrix: likelihood × impact");
    matrix(&mut l, &s.matrix);
    l.gap(2.0);
    l.para(LEFT, WIDTH, 7.8, false, GREY, &s.matrix.note, 4);

    let end = l.y;
    let cut = l.cut;
    let mut ops = l.ops;

    // The footer, under a rule.
    ops.push(Op::Line {
        x1: LEFT,
        y1: footer_top,
        x2: LEFT + WIDTH,
        y2: footer_top,
        color: RULE,
        width: 0.6,
    });
    let mut y = footer_top + 2.0;
    for line in &s.footer {
        y += footer_lead;
        ops.push(Op::Text {
            x: LEFT,
            y: y - 0.3 * footer_size,
            size: footer_size,
            bold: false,
            color: GREY,
            text: font.fit(line, footer_size, false, WIDTH),
        });
    }
    (ops, end, cut)
}

/// The 3 × 3 grid: likelihood bands as rows (likely on top), impacts as
/// columns, each cell shaded by its class with the strategies it holds.
fn matrix(l: &mut Layout, m: &super::page::summary::Matrix) {
    let k = l.k;
    let label_w = 100.0 * k;
    let col_w = (WIDTH - label_w) / 3.0;
    let size = l.s(8.6);
    let lead = size * 1.3;
    let pad = 4.0 * k;
    let head_h = size * 1.9;
    let small = l.s(7.0);
    if l.y + head_h + 3.0 * (small + 2.0 * lead) > l.limit {
        l.cut = true;
        return;
    }
    // The header: the impacts.
    let top = l.y;
    l.text(
        LEFT + pad,
        top + head_h * 0.5 + 0.35 * size,
        size,
        true,
        GREY,
        l.font.fit("likelihood", size, true, label_w - 2.0 * pad),
    );
    for (i, name) in m.impacts.iter().enumerate() {
        let x = LEFT + label_w + col_w * i as f32;
        let t = l.font.fit(&format!("{name} impact"), size, true, col_w - 2.0 * pad);
        l.text(x + pad, top + head_h * 0.5 + 0.35 * size, size, true, INK, t);
    }
    l.y += head_h;
    // Each band, most likely first; the rows share what room is left.
    let room = (l.limit - l.y).max(0.0);
    for band in (0..3).rev() {
        let cells = &m.cells[band];
        // Each name on its own lines, wrapped in its column.
        let name_lines: Vec<Vec<(Vec<String>, bool)>> = cells
            .iter()
            .map(|c| {
                c.iter()
                    .map(|p| {
                        let lines = l.font.wrap(&p.label, size, p.recommended, col_w - 2.0 * pad, 2);
                        (lines, p.recommended)
                    })
                    .collect()
            })
            .collect();
        let lines_needed = name_lines
            .iter()
            .map(|c| c.iter().map(|(ls, _)| ls.len()).sum::<usize>())
            .max()
            .unwrap_or(0)
            .max(1);
        let want = small + pad + lead * lines_needed as f32 + pad;
        let min_h = small + pad + lead * 2.0 + pad;
        let cap = (room / 3.0).max(min_h);
        let h = want.max(min_h).min(cap);
        let row_top = l.y;
        // The band's name and its likelihoods.
        let name = l.font.fit(&m.bands[band], size, true, label_w - 2.0 * pad);
        l.text(LEFT + pad, row_top + pad + lead - 0.3 * size, size, true, INK, name);
        let range = l.font.fit(&m.band_ranges[band], small, false, label_w - 2.0 * pad);
        l.text(
            LEFT + pad,
            row_top + pad + lead + small * 1.3,
            small,
            false,
            GREY,
            range,
        );
        l.ops.push(Op::Line {
            x1: LEFT,
            y1: row_top,
            x2: LEFT + label_w,
            y2: row_top,
            color: RULE,
            width: 0.5,
        });
        for (i, names) in name_lines.into_iter().enumerate() {
            let x = LEFT + label_w + col_w * i as f32;
            let class = m.classes[band][i];
            l.ops.push(Op::Rect {
                x,
                y: row_top,
                w: col_w,
                h,
                fill: Some(class_fill(class)),
                stroke: Some(RULE),
            });
            l.text(
                x + pad,
                row_top + pad + small * 0.8,
                small,
                false,
                GREY,
                format!("{} risk", class.name()),
            );
            let fits = ((h - small - 2.0 * pad) / lead).floor().max(0.0) as usize;
            let total: usize = names.iter().map(|(ls, _)| ls.len()).sum();
            let mut line = 0;
            let mut shown = 0;
            for (lines, bold) in &names {
                let last = total > fits && line + lines.len() + 1 > fits;
                if line + lines.len() > fits || last {
                    break;
                }
                for t in lines {
                    line += 1;
                    let y = row_top + small + pad + lead * line as f32 - 0.25 * size;
                    l.text(x + pad, y, size, *bold, INK, t.clone());
                }
                shown += 1;
            }
            if shown < names.len() && line < fits {
                l.cut = true;
                line += 1;
                let y = row_top + small + pad + lead * line as f32 - 0.25 * size;
                let more = l.font.fit(
                    &format!("+ {} more", names.len() - shown),
                    size,
                    false,
                    col_w - 2.0 * pad,
                );
                l.text(x + pad, y, size, false, GREY, more);
            }
        }
        l.y += h;
    }
    // The label column's last rule.
    l.ops.push(Op::Line {
        x1: LEFT,
        y1: l.y,
        x2: LEFT + label_w,
        y2: l.y,
        color: RULE,
        width: 0.5,
    });
}

/// The page as drawn: the largest scale at which everything fits, else the
/// smallest with what does not fit cut.
fn page(font: &Font, s: &Summary) -> Vec<Op> {
    let mut k = 1.0;
    loop {
        let (ops, _, cut) = layout(font, s, k);
        if !cut || k <= MIN_SCALE {
            return ops;
        }
        k = (k - 0.04).max(MIN_SCALE);
    }
}

/// Deflated bytes.
fn deflate(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing into memory does not fail.
    let _ = e.write_all(data);
    e.finish().unwrap_or_default()
}

/// `YYYY-MM-DD` as a PDF date (UTC midnight).
fn pdf_date(date: &str) -> Option<Date> {
    let mut it = date.split('-');
    let (y, m, d) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() || y.len() != 4 {
        return None;
    }
    let (y, m, d): (u16, u8, u8) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    ((1..=12).contains(&m) && (1..=31).contains(&d)).then(|| {
        Date::new(y)
            .month(m)
            .day(d)
            .hour(0)
            .minute(0)
            .second(0)
            .utc_offset_hour(0)
    })
}

/// The summary as a one-page A4 PDF.
pub fn render(s: &Summary) -> Result<Vec<u8>, String> {
    let font = Font::new(FONT_BYTES)?;
    let mut ops = page(&font, s);
    for op in &mut ops {
        if let Op::Text { text, .. } = op {
            *text = font.clean(text);
        }
    }

    // The glyphs used, each with the character it shows.
    let mut used: BTreeMap<u16, char> = BTreeMap::new();
    for op in &ops {
        if let Op::Text { text, .. } = op {
            for c in text.chars() {
                if let Some(g) = font.glyph(c) {
                    used.entry(g).or_insert(c);
                }
            }
        }
    }
    let mut remapper = subsetter::GlyphRemapper::new();
    for g in used.keys() {
        remapper.remap(*g);
    }
    let cid = |c: char| font.glyph(c).and_then(|g| remapper.get(g)).unwrap_or(0);
    let subset =
        subsetter::subset(FONT_BYTES, 0, &remapper).map_err(|e| format!("subsetting the embedded font: {e}"))?;

    // The page's content.
    let font_name = Name(b"F1");
    let mut c = Content::new();
    for op in &ops {
        match op {
            Op::Rect {
                x,
                y,
                w,
                h,
                fill,
                stroke,
            } => {
                c.save_state();
                if let Some(f) = fill {
                    c.set_fill_rgb(f[0], f[1], f[2]);
                }
                if let Some(s) = stroke {
                    c.set_stroke_rgb(s[0], s[1], s[2]);
                    c.set_line_width(0.5);
                }
                c.rect(*x, PAGE_H - y - h, *w, *h);
                match (fill, stroke) {
                    (Some(_), Some(_)) => c.fill_nonzero_and_stroke(),
                    (Some(_), None) => c.fill_nonzero(),
                    (None, Some(_)) => c.stroke(),
                    (None, None) => c.end_path(),
                };
                c.restore_state();
            }
            Op::Line {
                x1,
                y1,
                x2,
                y2,
                color,
                width,
            } => {
                c.save_state();
                c.set_stroke_rgb(color[0], color[1], color[2]);
                c.set_line_width(*width);
                c.move_to(*x1, PAGE_H - y1);
                c.line_to(*x2, PAGE_H - y2);
                c.stroke();
                c.restore_state();
            }
            Op::Text {
                x,
                y,
                size,
                bold,
                color,
                text,
            } => {
                let bytes: Vec<u8> = text.chars().flat_map(|ch| cid(ch).to_be_bytes()).collect();
                c.save_state();
                c.set_fill_rgb(color[0], color[1], color[2]);
                if *bold {
                    c.set_stroke_rgb(color[0], color[1], color[2]);
                    c.set_line_width(0.045 * size);
                    c.set_line_join(pdf_writer::types::LineJoinStyle::RoundJoin);
                }
                c.begin_text();
                c.set_font(font_name, *size);
                if *bold {
                    c.set_text_rendering_mode(TextRenderingMode::FillStroke);
                }
                c.next_line(*x, PAGE_H - y);
                c.show(Str(&bytes));
                c.end_text();
                c.restore_state();
            }
        }
    }
    let content = deflate(&c.finish());

    // The font's objects.
    let base = {
        let mut h = Sha256::new();
        for g in used.keys() {
            h.update(g.to_be_bytes());
        }
        let tag: String = h.finalize()[..6].iter().map(|b| char::from(b'A' + b % 26)).collect();
        format!("{tag}+DejaVuSans")
    };
    let base = Name(base.as_bytes());
    let info = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    };
    let mut cmap = UnicodeCmap::new(Name(b"Custom"), info);
    for (g, ch) in &used {
        if let Some(id) = remapper.get(*g) {
            cmap.pair(id, *ch);
        }
    }
    let cmap = deflate(&cmap.finish());
    // In the order of the new glyph ids, from 0 (.notdef).
    let widths: Vec<f32> = remapper.remapped_gids().map(|old| font.advance(old)).collect();
    let scale = 1000.0 / font.upem;
    let bbox = font.face.global_bounding_box();
    let file = deflate(&subset);

    let catalog = Ref::new(1);
    let pages = Ref::new(2);
    let page_id = Ref::new(3);
    let content_id = Ref::new(4);
    let type0 = Ref::new(5);
    let cid_font = Ref::new(6);
    let descriptor = Ref::new(7);
    let cmap_id = Ref::new(8);
    let file_id = Ref::new(9);
    let info_id = Ref::new(10);

    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(pages).lang(TextStr("en"));
    pdf.pages(pages).kids([page_id]).count(1);
    {
        let mut p = pdf.page(page_id);
        p.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H));
        p.parent(pages);
        p.contents(content_id);
        p.resources().fonts().pair(font_name, type0);
        p.finish();
    }
    pdf.stream(content_id, &content).filter(Filter::FlateDecode);
    pdf.type0_font(type0)
        .base_font(base)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid_font)
        .to_unicode(cmap_id);
    {
        let mut f = pdf.cid_font(cid_font);
        f.subtype(CidFontType::Type2)
            .base_font(base)
            .system_info(info)
            .font_descriptor(descriptor)
            .default_width(font.advance(0));
        f.widths().consecutive(0, widths);
        f.cid_to_gid_map_predefined(Name(b"Identity"));
        f.finish();
    }
    pdf.font_descriptor(descriptor)
        .name(base)
        .flags(FontFlags::SYMBOLIC)
        .bbox(Rect::new(
            f32::from(bbox.x_min) * scale,
            f32::from(bbox.y_min) * scale,
            f32::from(bbox.x_max) * scale,
            f32::from(bbox.y_max) * scale,
        ))
        .italic_angle(0.0)
        .ascent(f32::from(font.face.ascender()) * scale)
        .descent(f32::from(font.face.descender()) * scale)
        .cap_height(f32::from(font.face.capital_height().unwrap_or(font.face.ascender())) * scale)
        .stem_v(80.0)
        .font_file2(file_id);
    pdf.stream(cmap_id, &cmap).filter(Filter::FlateDecode);
    pdf.stream(file_id, &file)
        .filter(Filter::FlateDecode)
        .pair(Name(b"Length1"), subset.len() as i32);
    {
        let producer = format!("cutover {}", s.version);
        let mut i = pdf.document_info(info_id);
        i.title(TextStr(&s.title)).producer(TextStr(&producer));
        if let Some(d) = pdf_date(&s.date) {
            i.creation_date(d);
        }
        i.finish();
    }
    // The file's identifier: a hash of what it shows, not a random number.
    let id: Vec<u8> = {
        let mut h = Sha256::new();
        h.update(&content);
        h.update(&file);
        h.update(s.title.as_bytes());
        h.update(s.date.as_bytes());
        h.finalize()[..16].to_vec()
    };
    pdf.set_file_id((id.clone(), id));
    Ok(pdf.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn font() -> Font<'static> {
        Font::new(FONT_BYTES).unwrap()
    }

    #[test]
    fn wrapped_lines_stay_within_their_width() {
        let f = font();
        let text = "failover-async-shared-ip has the least downtime (2.1 min on average), against 14 min for failover-sync-one-window";
        for width in [40.0, 90.0, 200.0] {
            for l in f.wrap(text, 9.0, false, width, 0) {
                assert!(f.width(&l, 9.0, false) <= width + 0.01, "{l:?} at {width}");
            }
        }
        let lines = f.wrap(text, 9.0, false, 200.0, 2);
        assert_eq!(lines.len(), 2);
        assert!(lines[1].ends_with('…'), "{lines:?}");
        // A long name breaks after a hyphen.
        let lines = f.wrap("failover-async-shared-ip", 9.0, false, 70.0, 0);
        assert!(lines.len() > 1 && lines[0].ends_with('-'), "{lines:?}");
        assert_eq!(lines.concat(), "failover-async-shared-ip");
    }

    #[test]
    fn a_line_is_cut_with_an_ellipsis() {
        let f = font();
        let t = f.fit("a rather long line of text", 10.0, true, 50.0);
        assert!(t.ends_with('…') && f.width(&t, 10.0, true) <= 50.0, "{t}");
        assert_eq!(f.fit("short", 10.0, false, 100.0), "short");
        assert_eq!(f.clean("a\tb\u{E000}"), "a b?");
    }

    /// A summary of `n` strategies with names of `len` characters and
    /// sentences of `words` words.
    fn summary(n: usize, len: usize, words: usize) -> Summary {
        use crate::report::page::summary::{Decision, Limit, Matrix, Odds, Placed};
        let name = |i: usize| format!("{i}-{}", "strategy-name-".repeat(len / 14 + 1))[..len.max(2)].to_string();
        let sentence = "The runs say so with a wide margin and a footnote ".repeat(words / 10 + 1);
        let mut cells: [[Vec<Placed>; 3]; 3] = Default::default();
        for i in 0..n {
            cells[i % 3][(i / 3) % 3].push(Placed {
                strategy: name(i),
                label: name(i),
                recommended: i == 0,
            });
        }
        Summary {
            title: format!("Upgrade plan: {}", name(99)),
            subtitle: "One-page summary".into(),
            description: sentence.clone(),
            decision: Decision {
                recommended: name(0),
                why: sentence.clone(),
                rest: sentence.clone(),
                runner_up: (n > 1).then(|| name(1)),
                separates: sentence.clone(),
            },
            limits: (0..n)
                .map(|i| Limit {
                    what: format!("{} above {i} min", name(i)),
                    runs_over: "12 of 1,000 (1.2 % [0.62 %, 2.1 %])".into(),
                    pass: i % 2 == 0,
                })
                .collect(),
            limits_note: sentence.clone(),
            odds_head: [
                "strategy".into(),
                "P(window overrun)".into(),
                "P(abort or rollback)".into(),
            ],
            odds: (0..n)
                .map(|i| Odds {
                    strategy: name(i),
                    recommended: i == 0,
                    overrun: "1.2 % [0.62 %, 2.1 %]".into(),
                    abort_or_rollback: "0 (< 0.3 %)".into(),
                })
                .collect(),
            odds_note: sentence.clone(),
            matrix: Matrix {
                bands: ["rare".into(), "possible".into(), "likely".into()],
                band_ranges: ["below 1.0 %".into(), "1.0 % to 10 %".into(), "10 % or more".into()],
                impacts: ["low".into(), "moderate".into(), "high".into()],
                classes: crate::priorities::DEFAULT_CLASSES,
                cells,
                note: sentence.clone(),
            },
            footer: vec![sentence.clone(), "Generated 2026-01-01 (UTC).".into()],
            date: "2026-01-01".into(),
            version: "test".into(),
        }
    }

    #[test]
    fn everything_stays_on_the_page() {
        let f = font();
        for (n, len, words) in [(1, 5, 5), (5, 24, 40), (12, 40, 80), (40, 120, 400), (0, 2, 0)] {
            let s = summary(n, len, words);
            let ops = page(&f, &s);
            assert!(ops.iter().any(|o| matches!(o, Op::Text { .. })));
            for op in &ops {
                let (x0, y0, x1, y1) = match op {
                    Op::Text {
                        x, y, size, bold, text, ..
                    } => (*x, y - size, x + f.width(text, *size, *bold), *y),
                    Op::Rect { x, y, w, h, .. } => (*x, *y, x + w, y + h),
                    Op::Line { x1, y1, x2, y2, .. } => (x1.min(*x2), y1.min(*y2), x1.max(*x2), y1.max(*y2)),
                };
                let slack = 1.0;
                assert!(
                    x0 >= MARGIN - slack
                        && x1 <= PAGE_W - MARGIN + slack
                        && y0 >= MARGIN - 12.0
                        && y1 <= PAGE_H - MARGIN + slack,
                    "{n} strategies, names of {len}: off the page: {op:?}"
                );
            }
            let bytes = render(&s).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            assert_eq!(
                text.matches("/Type /Page").count() - text.matches("/Type /Pages").count(),
                1
            );
        }
    }

    #[test]
    fn dates_in_the_file() {
        assert!(pdf_date("2024-05-01").is_some());
        for bad in ["", "2024-13-01", "-0001-01-01", "2024-05", "x-y-z", "12024-01-01"] {
            assert!(pdf_date(bad).is_none(), "{bad}");
        }
    }
}
