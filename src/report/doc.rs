//! The report as a document, written once and rendered per target: a list
//! of blocks (headings, paragraphs, the bottom line, notes, lists, tables,
//! figures) of inline text (plain, strong, code), rendered to Markdown,
//! self-contained HTML and the terminal. The site report
//! ([`super::page`]) and the fleet report ([`super::fleet`]) build a
//! [`Document`]; nothing else writes markup.

use std::fmt::Write as _;

/// A run of inline text with its emphasis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    pub text: String,
    pub strong: bool,
    pub code: bool,
}

/// Inline text: spans of plain, strong and code text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Text(pub Vec<Span>);

impl Text {
    /// Reads the light markup the report's sentences are written in:
    /// `**strong**` and `` `code` `` (code may sit inside strong).
    pub fn parse(markup: &str) -> Text {
        let mut spans = Vec::new();
        for (i, part) in markup.split("**").enumerate() {
            for (k, piece) in part.split('`').enumerate() {
                if !piece.is_empty() {
                    spans.push(Span {
                        text: piece.to_string(),
                        strong: i % 2 == 1,
                        code: k % 2 == 1,
                    });
                }
            }
        }
        Text(spans)
    }

    /// The text without emphasis.
    pub fn plain(&self) -> String {
        self.0.iter().map(|s| s.text.as_str()).collect()
    }

    /// The same text without strong emphasis (code kept).
    pub fn unstrong(&self) -> Text {
        Text(
            self.0
                .iter()
                .map(|s| Span {
                    strong: false,
                    ..s.clone()
                })
                .collect(),
        )
    }

    /// Markdown: `**` and `` ` `` where emphasis changes.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let (mut strong, mut code) = (false, false);
        for s in &self.0 {
            if code && !s.code {
                out.push('`');
                code = false;
            }
            if strong != s.strong {
                out.push_str("**");
                strong = s.strong;
            }
            if s.code && !code {
                out.push('`');
                code = true;
            }
            out.push_str(&s.text);
        }
        if code {
            out.push('`');
        }
        if strong {
            out.push_str("**");
        }
        out
    }

    /// HTML, escaped, with `<strong>` and `<code>`.
    pub fn html(&self) -> String {
        let mut out = String::new();
        let mut strong = false;
        for s in &self.0 {
            if strong != s.strong {
                out.push_str(if s.strong { "<strong>" } else { "</strong>" });
                strong = s.strong;
            }
            if s.code {
                let _ = write!(out, "<code>{}</code>", esc(&s.text));
            } else {
                out.push_str(&esc(&s.text));
            }
        }
        if strong {
            out.push_str("</strong>");
        }
        out
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text::parse(s)
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text::parse(&s)
    }
}

impl From<&String> for Text {
    fn from(s: &String) -> Text {
        Text::parse(s)
    }
}

/// A chart of the report: its file stem under `charts/` and its caption.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Figure {
    pub name: String,
    pub caption: String,
}

/// One block of a document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// A section heading.
    Section(String),
    /// A subsection heading.
    Subsection(String),
    Paragraph(Text),
    /// The decision in a few sentences: set apart on the page.
    BottomLine(Text),
    /// An aside in smaller type: what a table covers, a caveat.
    Note(Text),
    List(Vec<Text>),
    Table {
        head: Vec<Text>,
        rows: Vec<Vec<Text>>,
    },
    Figure(Figure),
}

impl Block {
    /// A paragraph of `markup`.
    pub fn p(markup: impl Into<Text>) -> Block {
        Block::Paragraph(markup.into())
    }

    /// A note of `markup`.
    pub fn note(markup: impl Into<Text>) -> Block {
        Block::Note(markup.into())
    }

    /// A list of `markup` items.
    pub fn list<T: Into<Text>>(items: impl IntoIterator<Item = T>) -> Block {
        Block::List(items.into_iter().map(Into::into).collect())
    }

    /// A table of `markup` cells.
    pub fn table<H: Into<Text>, C: Into<Text>>(head: impl IntoIterator<Item = H>, rows: Vec<Vec<C>>) -> Block {
        Block::Table {
            head: head.into_iter().map(Into::into).collect(),
            rows: rows
                .into_iter()
                .map(|r| r.into_iter().map(Into::into).collect())
                .collect(),
        }
    }

    /// A figure.
    pub fn figure(name: impl Into<String>, caption: impl Into<String>) -> Block {
        Block::Figure(Figure {
            name: name.into(),
            caption: caption.into(),
        })
    }
}

/// A report: its title, what it is about, where it comes from, and its
/// blocks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Document {
    pub title: String,
    /// The scenario's or fleet's own description (may be empty).
    pub description: String,
    /// How it was made: tool, runs, seed, input hash.
    pub provenance: String,
    pub blocks: Vec<Block>,
}

/// What the Markdown rendering knows of the charts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChartFiles {
    /// Each figure is `charts/NAME.png` beside the Markdown.
    Written,
    /// No chart files (`--no-charts`): each figure is named and said so.
    NotWritten,
}

/// A Markdown table cell: no line breaks, no column separators.
pub fn md_cell(s: &str) -> String {
    s.replace('|', "/").replace('\n', " ")
}

/// Text escaped for HTML (element content and attribute values).
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl Document {
    /// The document in Markdown.
    pub fn markdown(&self, charts: ChartFiles) -> String {
        let mut md = String::new();
        let _ = writeln!(md, "# {}\n", self.title);
        if !self.description.is_empty() {
            let _ = writeln!(md, "{}\n", self.description);
        }
        let _ = writeln!(md, "*{}*\n", self.provenance);
        for b in &self.blocks {
            match b {
                Block::Section(t) => {
                    let _ = writeln!(md, "## {t}\n");
                }
                Block::Subsection(t) => {
                    let _ = writeln!(md, "### {t}\n");
                }
                Block::Paragraph(t) | Block::BottomLine(t) => {
                    let _ = writeln!(md, "{}\n", t.markdown());
                }
                Block::Note(t) => {
                    // In italics: strong would close them; code stays.
                    let _ = writeln!(md, "*{}*\n", t.unstrong().markdown());
                }
                Block::List(items) => {
                    for i in items {
                        let _ = writeln!(md, "- {}", i.markdown());
                    }
                    md.push('\n');
                }
                Block::Table { head, rows } => {
                    let line = |cells: &[Text]| {
                        cells
                            .iter()
                            .map(|c| md_cell(&c.markdown()))
                            .collect::<Vec<_>>()
                            .join(" | ")
                    };
                    let _ = writeln!(md, "| {} |", line(head));
                    let _ = writeln!(md, "|---|{}", "---|".repeat(head.len().saturating_sub(1)));
                    for r in rows {
                        let _ = writeln!(md, "| {} |", line(r));
                    }
                    md.push('\n');
                }
                Block::Figure(f) => match charts {
                    ChartFiles::Written => {
                        let alt = f.caption.replace(['[', ']'], "");
                        let _ = writeln!(md, "![{alt}](charts/{}.png)\n\n*{}*\n", f.name, f.caption);
                    }
                    ChartFiles::NotWritten => {
                        let _ = writeln!(
                            md,
                            "*{}* (chart `{}` not written: `--no-charts`; `report.html` holds it)\n",
                            f.caption, f.name
                        );
                    }
                },
            }
        }
        let trimmed = md.trim_end().len();
        md.truncate(trimmed);
        md.push('\n');
        md
    }

    /// The document as one self-contained HTML page: styles inline, and
    /// each figure's SVG from `svgs` (by name) inline, else an `<img>` of
    /// `charts/NAME.svg`.
    pub fn html(&self, svgs: &[(String, String)]) -> String {
        let mut h = String::new();
        let t = esc(&self.title);
        let _ = write!(
            h,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{t}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<h1>{t}</h1>\n"
        );
        if !self.description.is_empty() {
            let _ = writeln!(h, "<p>{}</p>", esc(&self.description));
        }
        let _ = writeln!(h, "<p class=\"note\">{}</p>", esc(&self.provenance));
        for b in &self.blocks {
            match b {
                Block::Section(t) => {
                    let _ = writeln!(h, "<h2>{}</h2>", esc(t));
                }
                Block::Subsection(t) => {
                    let _ = writeln!(h, "<h3>{}</h3>", esc(t));
                }
                Block::Paragraph(t) => {
                    let _ = writeln!(h, "<p>{}</p>", t.html());
                }
                Block::BottomLine(t) => {
                    let _ = writeln!(h, "<p class=\"bottom\">{}</p>", t.html());
                }
                Block::Note(t) => {
                    let _ = writeln!(h, "<p class=\"note\">{}</p>", t.html());
                }
                Block::List(items) => {
                    let _ = writeln!(h, "<ul>");
                    for i in items {
                        let _ = writeln!(h, "<li>{}</li>", i.html());
                    }
                    let _ = writeln!(h, "</ul>");
                }
                Block::Table { head, rows } => {
                    let _ = write!(h, "<table>\n<tr>");
                    for c in head {
                        let _ = write!(h, "<th>{}</th>", c.html());
                    }
                    let _ = writeln!(h, "</tr>");
                    for r in rows {
                        let _ = write!(h, "<tr>");
                        for c in r {
                            let _ = write!(h, "<td>{}</td>", c.html());
                        }
                        let _ = writeln!(h, "</tr>");
                    }
                    let _ = writeln!(h, "</table>");
                }
                Block::Figure(f) => match svgs.iter().find(|(n, _)| *n == f.name) {
                    Some((_, svg)) => {
                        let inline = svg.find("<svg").map_or(svg.as_str(), |i| &svg[i..]);
                        let _ = writeln!(
                            h,
                            "<figure>\n{inline}\n<figcaption>{}</figcaption>\n</figure>",
                            esc(&f.caption)
                        );
                    }
                    None => {
                        let _ = writeln!(
                            h,
                            "<figure>\n<img src=\"charts/{}.svg\" alt=\"{}\">\n<figcaption>{}</figcaption>\n</figure>",
                            esc(&f.name),
                            esc(&f.caption),
                            esc(&f.caption)
                        );
                    }
                },
            }
        }
        let _ = writeln!(h, "</body>\n</html>");
        h
    }
}

/// `text` as plain words wrapped at `width` columns, each line after the
/// first indented by `indent` spaces (the terminal's rendering of a
/// paragraph).
pub fn wrap(text: &Text, first: usize, width: usize, indent: usize) -> String {
    let mut out = String::new();
    let mut col = first;
    for (i, word) in text.plain().split(' ').enumerate() {
        if i > 0 && col + 1 + word.len() > width {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
            col = indent;
        } else if i > 0 {
            out.push(' ');
            col += 1;
        }
        out.push_str(word);
        col += word.len();
    }
    out
}

/// The reports' styles: the page on screen and on paper.
pub const STYLE: &str = "body { font-family: sans-serif; max-width: 1180px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.92em; }
th, td { border: 1px solid #bbb; padding: 0.35em 0.6em; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
.note { color: #555; font-size: 0.9em; }
.bottom { font-size: 1.08em; background: #f4f8fb; border-left: 4px solid #0072b2; padding: 0.6em 0.9em; }
code { font-size: 0.95em; background: #f3f3f3; padding: 0 0.2em; }
figure { margin: 1.5em 0; } figure svg, figure img { max-width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { color: #444; font-size: 0.95em; margin-top: 0.3em; }
@media print {
  body { max-width: none; margin: 0; font-size: 10.5pt; }
  h2, h3, h2 + p, h3 + p { break-after: avoid; } table, figure, .bottom { break-inside: avoid; }
  p { orphans: 3; widows: 3; }
  .bottom { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  @page { size: A4; margin: 15mm; }
}\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_round_trips_through_spans() {
        for s in [
            "plain",
            "**strong** then plain",
            "a `code` b",
            "**bold with `code` inside** and `out`",
            "",
        ] {
            assert_eq!(Text::parse(s).markdown(), s, "{s}");
        }
        let t = Text::parse("**a `b` c**");
        assert_eq!(t.plain(), "a b c");
        assert_eq!(t.html(), "<strong>a <code>b</code> c</strong>");
    }

    #[test]
    fn html_escapes_every_span() {
        let t = Text::parse("<x> & **\"y\"** `<z>`");
        assert_eq!(
            t.html(),
            "&lt;x&gt; &amp; <strong>&quot;y&quot;</strong> <code>&lt;z&gt;</code>"
        );
    }

    #[test]
    fn one_document_renders_to_each_target() {
        let doc = Document {
            title: "T".into(),
            description: String::new(),
            provenance: "made".into(),
            blocks: vec![
                Block::Section("S".into()),
                Block::BottomLine("**x** wins".into()),
                Block::table(["a", "b|c"], vec![vec!["1", "`2`"]]),
                Block::figure("dist", "Downtime"),
            ],
        };
        let md = doc.markdown(ChartFiles::Written);
        assert!(md.contains("| a | b/c |\n|---|---|\n| 1 | `2` |"), "{md}");
        assert!(md.contains("![Downtime](charts/dist.png)\n\n*Downtime*"), "{md}");
        assert!(
            doc.markdown(ChartFiles::NotWritten)
                .contains("chart `dist` not written")
        );
        let html = doc.html(&[("dist".into(), "<?xml?><svg>x</svg>".into())]);
        assert!(
            html.contains("<p class=\"bottom\"><strong>x</strong> wins</p>"),
            "{html}"
        );
        assert!(
            html.contains("<figure>\n<svg>x</svg>\n<figcaption>Downtime</figcaption>"),
            "{html}"
        );
        assert!(doc.html(&[]).contains("<img src=\"charts/dist.svg\""));
    }

    #[test]
    fn paragraphs_wrap_on_words() {
        let t = Text::parse("**one** two three four");
        assert_eq!(wrap(&t, 0, 9, 2), "one two\n  three\n  four");
    }
}
