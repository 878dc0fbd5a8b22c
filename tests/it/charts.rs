//! Charts from fixed data: valid PNG and SVG files of the expected size,
//! with the expected titles and legend entries in the SVG text; and the
//! change-board report.

use std::path::Path;

use cutover::report::chart::{Chart, png_size, render};
use cutover::report::study::{Bar, BoxStats, Cdf, Curve, Diffs, Distribution, HeatMap, SweepLines};
use cutover::report::timeline::{Lane, Span, StepBar, Timeline};
use cutover::sim::SeriesPoint;
use cutover::time::{MS_PER_DAY, MS_PER_HOUR, SimTime};
use plotters::style::RGBColor;

const BLUE: RGBColor = RGBColor(0, 114, 178);
const ORANGE: RGBColor = RGBColor(230, 159, 0);

/// Renders `chart` and checks both files; returns the SVG text.
fn check(chart: &impl Chart, texts: &[&str]) -> String {
    let r = render(chart).expect("renders");
    let (w, h) = chart.size();
    assert_eq!(png_size(&r.png), Some((w, h)), "PNG header and size");
    assert!(r.png.len() > 5_000, "the PNG has content ({} bytes)", r.png.len());
    // The PNG is not blank: some pixels are neither white nor one colour.
    let svg = r.svg;
    assert!(svg.trim_start().starts_with("<svg"), "an SVG document");
    assert!(
        svg.contains(&format!("width=\"{w}\"")) && svg.contains(&format!("height=\"{h}\"")),
        "SVG size"
    );
    assert!(svg.trim_end().ends_with("</svg>"));
    for t in texts {
        assert!(svg.contains(t), "the SVG shows {t:?}");
    }
    svg
}

fn span(from_h: u64, to_h: u64, state: &str) -> Span {
    Span {
        from: from_h * MS_PER_HOUR,
        to: to_h * MS_PER_HOUR,
        state: state.into(),
    }
}

fn step(from_h: u64, to_h: u64, label: &str) -> StepBar {
    StepBar {
        from: from_h * MS_PER_HOUR,
        work: from_h * MS_PER_HOUR,
        to: to_h * MS_PER_HOUR,
        label: label.into(),
    }
}

#[test]
fn timeline_from_fixed_data_with_a_cut_out_interim() {
    let lanes = vec![
        Lane {
            name: "site".into(),
            group: None,
            spans: vec![span(20, 80, "serving")],
        },
        Lane {
            name: "A".into(),
            group: None,
            spans: vec![
                span(20, 22, "serving"),
                span(22, 23, "upgrading"),
                span(23, 80, "serving"),
            ],
        },
        Lane {
            name: "B".into(),
            group: None,
            spans: vec![
                span(20, 70, "backup"),
                span(70, 71, "upgrading"),
                span(71, 80, "backup"),
            ],
        },
    ];
    let t = Timeline {
        title: "fixed / two windows".into(),
        lanes,
        relationship: vec![
            span(20, 21, "working"),
            span(21, 72, "not working"),
            span(72, 80, "working"),
        ],
        windows: vec![
            (22 * MS_PER_HOUR, 26 * MS_PER_HOUR),
            (70 * MS_PER_HOUR, 74 * MS_PER_HOUR),
        ],
        steps: vec![step(21, 21, "break_failover"), step(70, 71, "upgrade B")],
        marks: Vec::new(),
        series: (20..80)
            .map(|h| SeriesPoint {
                time: SimTime(h * MS_PER_HOUR),
                active: h % 7,
                low: h % 7,
                last: h % 7,
                failed: h / 10,
            })
            .collect(),
        from: 20 * MS_PER_HOUR,
        to: 80 * MS_PER_HOUR,
        offset_ms: 0,
        local: Default::default(),
    };
    let svg = check(
        &t,
        &[
            "fixed / two windows",
            "site",
            "failover",
            "upgrading",
            "maintenance window",
            "runbook steps",
            "break_failover",
            "active sessions",
            "failed connects",
            "time (UTC)",
        ],
    );
    // The quiet day and a half between the windows is cut out and labelled.
    assert!(svg.contains(" cut out"), "the interim is shown as a labelled break");
}

#[test]
fn timeline_of_a_cluster_run_stays_readable() {
    // 24 traffic nodes in 3 regions: one lane each, grouped by region.
    let sc = cutover::scenario::Scenario::parse(
        "[site]\nkind = \"atlas\"\nregions = [{ name = \"eu\", nodes = 8 }, { name = \"us\", nodes = 8 }, { name = \"ap\", nodes = 8 }]\n",
        "t.toml",
        "t",
    )
    .unwrap();
    let rb = sc.runbook("atlas-failover").unwrap();
    let out = cutover::sim::simulate(
        &sc,
        rb,
        1,
        0,
        cutover::sim::RunOptions {
            log_events: true,
            trace_sessions: false,
        },
    );
    let t = Timeline::from_run(&sc, "atlas-failover", 1, &out);
    assert_eq!(t.lanes.len(), 1 + 2 + 24, "site, A, B and every traffic node");
    // 27 lanes and two panels, then the legend of states and steps below.
    let (_, h) = t.size();
    assert!(h <= 1300, "lanes stay compact: {h} px");
    check(&t, &["eu-1", "us-8", "ap-3", "draining", "offline"]);
}

#[test]
fn distribution_cdf_and_diff_charts() {
    let d = Distribution {
        title: "downtime by strategy".into(),
        metric: "downtime_s".into(),
        boxes: vec![
            BoxStats {
                name: "sync".into(),
                color: BLUE,
                q: [2400.0, 2700.0, 3000.0, 3300.0, 3900.0],
                mean: 3050.0,
                ci: (3000.0, 3100.0),
            },
            BoxStats {
                name: "async".into(),
                color: ORANGE,
                q: [5.0, 10.0, 15.0, 20.0, 40.0],
                mean: 16.0,
                ci: (15.0, 17.0),
            },
        ],
        threshold: None,
    };
    check(
        &d,
        &[
            "downtime by strategy",
            "sync",
            "async",
            "mean and 95% CI",
            "downtime (minutes)",
        ],
    );
    let c = Cdf {
        title: "How often each downtime is not exceeded".into(),
        metric: "downtime_s".into(),
        curves: vec![
            Curve {
                name: "sync".into(),
                color: BLUE,
                points: vec![(2400.0, 0.1), (3000.0, 0.5), (3900.0, 1.0)],
            },
            Curve {
                name: "async".into(),
                color: ORANGE,
                points: vec![(10.0, 0.5), (40.0, 1.0)],
            },
        ],
        threshold: None,
    };
    check(
        &c,
        &[
            "How often each downtime is not exceeded",
            "sync",
            "async",
            "share of replications at or below",
        ],
    );
    let df = Diffs {
        title: "Paired differences against sync".into(),
        baseline: "sync".into(),
        panels: vec![
            (
                "downtime_s".into(),
                vec![Bar {
                    name: "async".into(),
                    color: ORANGE,
                    mean: -3000.0,
                    low: -3100.0,
                    high: -2900.0,
                }],
            ),
            (
                "exposure_s".into(),
                vec![Bar {
                    name: "async".into(),
                    color: ORANGE,
                    mean: 2.0 * MS_PER_DAY as f64 / 1000.0,
                    low: 1.9 * MS_PER_DAY as f64 / 1000.0,
                    high: 2.1 * MS_PER_DAY as f64 / 1000.0,
                }],
            ),
        ],
    };
    let svg = check(
        &df,
        &[
            "Paired differences against sync",
            "downtime (minutes)",
            "exposure (hours)",
            "async",
        ],
    );
    // The marks are drawn in the axis unit: the mean of -3,000 s sits at the
    // "-50" minutes tick, not clipped at the panel's edge.
    let tick = svg_texts(&svg)
        .into_iter()
        .find(|(_, _, t)| t == "-50")
        .expect("a -50 minutes tick")
        .0;
    let cx: f64 = svg
        .split("<circle cx=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .and_then(|v| v.parse().ok())
        .expect("a mean marker");
    assert!((cx - tick).abs() < 3.0, "mean at x {cx}, the -50 tick at x {tick}");
}

/// Every `<text>` of an SVG: its x, its y and its content.
pub(crate) fn svg_texts(svg: &str) -> Vec<(f64, f64, String)> {
    svg.split("<text")
        .skip(1)
        .filter_map(|rest| {
            let (tag, after) = rest.split_once('>')?;
            let attr = |name: &str| -> Option<f64> {
                tag.split(&format!(" {name}=\""))
                    .nth(1)?
                    .split('"')
                    .next()?
                    .parse()
                    .ok()
            };
            let body = after.split("</text>").next()?;
            Some((attr("x")?, attr("y")?, body.trim().to_string()))
        })
        .collect()
}

#[test]
fn sweep_line_and_heat_map_charts() {
    let s = SweepLines {
        title: "exposure as calendar.interim varies".into(),
        metric: "exposure_s".into(),
        param: "calendar.interim (days)".into(),
        xs: vec![("1d".into(), 1.0), ("3d".into(), 3.0)],
        lines: vec![Curve {
            name: "failover-async-nat".into(),
            color: BLUE,
            points: vec![(172_800.0, 170_000.0, 175_000.0), (604_800.0, 600_000.0, 610_000.0)],
        }],
        categorical: false,
        log_x: false,
    };
    let svg = check(
        &s,
        &[
            "exposure as calendar.interim varies",
            "failover-async-nat",
            "calendar.interim (days)",
            "mean exposure (hours)",
        ],
    );
    // The x axis is labelled at the swept values, as given, and nowhere
    // else (no "2.00" between "1d" and "3d").
    let texts = svg_texts(&svg);
    let row = texts.iter().find(|t| t.2 == "1d").expect("the 1d label").1;
    let on_axis: Vec<&str> = texts.iter().filter(|t| t.1 == row).map(|t| t.2.as_str()).collect();
    assert_eq!(on_axis, ["1d", "3d"]);
    let h = HeatMap {
        title: "mean dropped sessions by data and TTL".into(),
        metric: "dropped_sessions".into(),
        param_x: "site.data_gb".into(),
        param_y: "network.dns_ttl".into(),
        xs: vec!["50".into(), "800".into()],
        ys: vec!["20s".into(), "1h".into()],
        panels: vec![
            ("nat".into(), vec![vec![3.3, 2.5], vec![3.2, 2.4]]),
            ("dns".into(), vec![vec![0.0, 0.0], vec![0.1, 0.0]]),
        ],
    };
    check(
        &h,
        &[
            "mean dropped sessions by data and TTL",
            "site.data_gb",
            "network.dns_ttl",
            "nat",
            "dns",
            "3.3",
        ],
    );
}

use crate::cutover;

#[test]
fn report_on_the_default_is_self_contained() {
    let tmp = tempfile::tempdir().unwrap();
    let o = cutover(tmp.path(), &["report", "--runs", "200", "--quiet"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let dir = tmp.path().join("output/failover-pair/compare");
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    for section in [
        "The scenario",
        "Strategies compared",
        "Key results",
        "Recommendation by goal",
        "Charts",
        "Assumptions and sources",
    ] {
        assert!(html.contains(&format!("<h2>{section}</h2>")), "html has {section}");
        assert!(md.contains(&format!("## {section}")), "md has {section}");
    }
    for goal in [
        "Least downtime",
        "Fewest dropped sessions",
        "Shortest exposure",
        "Lowest risk",
    ] {
        assert!(md.contains(goal) && html.contains(goal), "a recommendation for {goal}");
    }
    assert!(md.contains("Trade-off:"));
    // Nothing is fetched: no scripts, no external style sheets or images;
    // the charts are inline SVG (their xmlns is a name, not a request).
    assert!(!html.contains("<script"));
    assert!(!html.contains("<link"));
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http") && !html.contains("url(http"));
    assert!(!html.contains("<img"));
    let figures = html.matches("<figure>").count();
    assert!(figures >= 8, "{figures} charts inlined");
    // Every chart's text is at least 12 px as the page shows it: the body's
    // max-width less its padding is the widest a chart is shown.
    let body = html.split("body {").nth(1).expect("a body style");
    let max_width: f64 = body
        .split("max-width:")
        .nth(1)
        .and_then(|r| r.trim_start().split("px").next())
        .and_then(|v| v.parse().ok())
        .expect("the body's max-width in px");
    for svg in html.split("<svg").skip(1) {
        let svg = format!("<svg{}", svg.split("</svg>").next().unwrap());
        let (px, text) = smallest_text_seen(&svg, max_width - 32.0);
        assert!(px >= 12.0 - 1e-9, "{text:?} is shown at {px:.1} px");
    }
    assert_eq!(html.matches("<svg").count(), figures);
    // report.md links PNGs that exist beside it.
    let links: Vec<&str> = md
        .lines()
        .filter_map(|l| l.split("](").nth(1))
        .map(|l| l.trim_end_matches(')'))
        .collect();
    assert_eq!(links.len(), figures);
    for l in links {
        assert!(dir.join(l).is_file(), "{l} exists");
        assert!(png_size(&std::fs::read(dir.join(l)).unwrap()).is_some(), "{l} is a PNG");
    }
    // Markdown tables have a header separator with one column per cell.
    let table: Vec<&str> = md
        .lines()
        .skip_while(|l| !l.starts_with("| metric"))
        .take_while(|l| l.starts_with('|'))
        .collect();
    assert!(table.len() > 3);
    let cols = table[0].matches('|').count();
    assert!(
        table.iter().all(|l| l.matches('|').count() == cols),
        "every row has {cols} separators"
    );
}

#[test]
fn report_refuses_a_changed_scenario_and_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/single.toml"),
        t.join("s.toml"),
    )
    .unwrap();
    assert!(
        cutover(t, &["compare", "s.toml", "--runs", "20", "--quiet", "--out", "c"])
            .status
            .success()
    );
    std::fs::write(
        t.join("s.toml"),
        format!("seed = 9\n{}", std::fs::read_to_string(t.join("s.toml")).unwrap()),
    )
    .unwrap();
    let o = cutover(t, &["report", "c"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("changed since"));
    assert!(
        cutover(
            t,
            &["compare", "--runs", "20", "--shard", "1/2", "--quiet", "--out", "sh"]
        )
        .status
        .success()
    );
    let o = cutover(t, &["report", "sh"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn no_charts_writes_numbers_only() {
    let tmp = tempfile::tempdir().unwrap();
    assert!(
        cutover(tmp.path(), &["run", "--no-charts", "--quiet", "--out", "r"])
            .status
            .success()
    );
    assert!(!tmp.path().join("r/timeline.png").exists());
    assert!(
        cutover(
            tmp.path(),
            &["compare", "--runs", "20", "--no-charts", "--quiet", "--out", "c"]
        )
        .status
        .success()
    );
    assert!(!tmp.path().join("c/charts").exists());
    assert!(
        cutover(tmp.path(), &["compare", "--runs", "20", "--quiet", "--out", "d"])
            .status
            .success()
    );
    assert!(tmp.path().join("d/charts/dist-downtime_s.png").exists());
    assert!(tmp.path().join("d/charts/cdf-dropped_sessions.svg").exists());
    assert!(tmp.path().join("d/charts/diff.png").exists());
}

#[test]
fn no_dependency_needs_a_system_library() {
    // Bindings to C libraries are `*-sys` crates. These four bind the
    // kernel or platform (Linux syscalls, Windows, browsers' JavaScript),
    // never a library to install; a font or image library (freetype-sys,
    // fontconfig-sys, expat-sys, ...) would fail here.
    let lock = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.lock")).unwrap();
    let allowed = ["js-sys", "linux-raw-sys", "web-sys", "windows-sys"];
    for line in lock.lines() {
        if let Some(name) = line.strip_prefix("name = \"").and_then(|n| n.strip_suffix('"'))
            && name.ends_with("-sys")
        {
            assert!(allowed.contains(&name), "{name} may need a system library");
        }
    }
}

// ---------------------------------------------------------------------
// What the SVG draws, read back: texts, dots, lines, boxes.

/// One attribute of an SVG tag.
fn attr(tag: &str, name: &str) -> Option<String> {
    Some(
        format!(" {tag}")
            .split(&format!(" {name}=\""))
            .nth(1)?
            .split('"')
            .next()?
            .to_string(),
    )
}

fn num(tag: &str, name: &str) -> Option<f64> {
    attr(tag, name)?.parse().ok()
}

/// Every `<TAG ...>` of an SVG, as its attribute text.
fn tags<'a>(svg: &'a str, tag: &str) -> Vec<&'a str> {
    svg.split(&format!("<{tag} "))
        .skip(1)
        .filter_map(|rest| rest.split_once('>').map(|t| t.0))
        .collect()
}

/// Every text: x, y, content and its size in pixels.
fn svg_text_sizes(svg: &str) -> Vec<(f64, f64, String, f64)> {
    svg.split("<text")
        .skip(1)
        .filter_map(|rest| {
            let (tag, after) = rest.split_once('>')?;
            let body = after.split("</text>").next()?.trim().to_string();
            Some((num(tag, "x")?, num(tag, "y")?, body, num(tag, "font-size")?))
        })
        .collect()
}

/// Dots: centre and fill colour.
fn circles(svg: &str) -> Vec<(f64, f64, String)> {
    tags(svg, "circle")
        .into_iter()
        .filter_map(|t| Some((num(t, "cx")?, num(t, "cy")?, attr(t, "fill")?)))
        .collect()
}

/// Lines: stroke colour and points.
fn polylines(svg: &str) -> Vec<(String, Vec<(f64, f64)>)> {
    tags(svg, "polyline")
        .into_iter()
        .filter_map(|t| {
            let pts = attr(t, "points")?
                .split_whitespace()
                .filter_map(|p| {
                    let (x, y) = p.split_once(',')?;
                    Some((x.parse().ok()?, y.parse().ok()?))
                })
                .collect();
            Some((attr(t, "stroke")?, pts))
        })
        .collect()
}

/// Boxes: x, y, width, height, fill.
fn rects(svg: &str) -> Vec<(f64, f64, f64, f64, String)> {
    tags(svg, "rect")
        .into_iter()
        .filter_map(|t| {
            Some((
                num(t, "x")?,
                num(t, "y")?,
                num(t, "width")?,
                num(t, "height")?,
                attr(t, "fill")?,
            ))
        })
        .collect()
}

fn hex(c: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

fn two_strategy_distribution(threshold: Option<f64>) -> Distribution {
    Distribution {
        title: "downtime (minutes) by strategy".into(),
        metric: "downtime_s".into(),
        boxes: vec![
            BoxStats {
                name: "failover-async-dns".into(),
                color: BLUE,
                q: [5.0, 10.0, 15.0, 20.0, 40.0],
                mean: 16.0,
                ci: (15.0, 17.0),
            },
            BoxStats {
                name: "failover-async-nat".into(),
                color: ORANGE,
                // The highest box, on the right: where a legend in the upper
                // right corner of the plot would cover it.
                q: [2400.0, 2900.0, 3300.0, 3700.0, 3900.0],
                mean: 3350.0,
                ci: (3300.0, 3400.0),
            },
        ],
        threshold,
    }
}

fn fixed_timeline() -> Timeline {
    let lanes = vec![
        Lane {
            name: "site".into(),
            group: None,
            spans: vec![span(20, 80, "serving")],
        },
        Lane {
            name: "A".into(),
            group: None,
            spans: vec![
                span(20, 22, "serving"),
                span(22, 23, "upgrading"),
                span(23, 80, "serving"),
            ],
        },
    ];
    Timeline {
        title: "fixed".into(),
        lanes,
        relationship: vec![
            span(20, 21, "working"),
            span(21, 72, "not working"),
            span(72, 73, "syncing"),
            span(73, 80, "working"),
        ],
        windows: vec![
            (22 * MS_PER_HOUR, 26 * MS_PER_HOUR),
            (70 * MS_PER_HOUR, 74 * MS_PER_HOUR),
        ],
        steps: vec![step(21, 21, "break_failover"), step(70, 71, "upgrade B")],
        marks: Vec::new(),
        series: vec![],
        from: 20 * MS_PER_HOUR,
        to: 80 * MS_PER_HOUR,
        offset_ms: 0,
        local: Default::default(),
    }
}

#[test]
fn pngs_are_the_svg_rasterised_with_the_embedded_font_and_deterministic() {
    use cutover::report::chart::rasterise;
    let t = fixed_timeline();
    let a = render(&t).unwrap();
    let b = render(&t).unwrap();
    assert_eq!(a.svg, b.svg, "the same SVG twice");
    assert_eq!(a.png, b.png, "the same PNG bytes twice");
    // The PNG is the SVG drawn by the SVG rasteriser (shaped, anti-aliased
    // text), not a second drawing by another backend.
    assert_eq!(rasterise(&a.svg).unwrap(), a.png);
    let d = render(&two_strategy_distribution(Some(900.0))).unwrap();
    assert_eq!(rasterise(&d.svg).unwrap(), d.png);
    assert_eq!(render(&two_strategy_distribution(Some(900.0))).unwrap().png, d.png);
}

/// The smallest text of an SVG as a reader of the report sees it: its size
/// times the scale at which a column `column` pixels wide shows the chart.
fn smallest_text_seen(svg: &str, column: f64) -> (f64, String) {
    let width = num(tags(svg, "svg")[0], "width").expect("an SVG width");
    let view = attr(tags(svg, "svg")[0], "viewBox").expect("a viewBox");
    let view_w: f64 = view.split_whitespace().nth(2).unwrap().parse().unwrap();
    assert_eq!(view_w, width, "the viewBox is the drawing's own size");
    let scale = (column / width).min(1.0);
    svg_text_sizes(svg)
        .into_iter()
        .map(|(_, _, t, size)| (size * scale, t))
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .unwrap()
}

#[test]
fn chart_text_is_at_least_12_px_where_the_report_shows_it() {
    use cutover::report::chart::{MIN_TEXT_PX, REPORT_WIDTH, render_svg};
    let heat = HeatMap {
        title: "mean dropped sessions by data and TTL".into(),
        metric: "dropped_sessions".into(),
        param_x: "site.data_gb".into(),
        param_y: "network.dns_ttl".into(),
        xs: vec!["50".into(), "800".into()],
        ys: vec!["20s".into(), "1h".into()],
        panels: vec![
            ("nat".into(), vec![vec![3.3, 2.5], vec![3.2, 2.4]]),
            ("dns".into(), vec![vec![0.0, 0.0], vec![0.1, f64::NAN]]),
        ],
    };
    let svgs = [
        ("timeline", render_svg(&fixed_timeline()).unwrap()),
        (
            "distribution",
            render_svg(&two_strategy_distribution(Some(900.0))).unwrap(),
        ),
        ("sweep", render_svg(&sweep_with_a_gap()).unwrap()),
        ("heat map", render_svg(&heat).unwrap()),
    ];
    for (name, svg) in svgs {
        let (px, text) = smallest_text_seen(&svg, REPORT_WIDTH);
        assert!(px >= MIN_TEXT_PX - 1e-9, "{name}: {text:?} is shown at {px:.1} px");
    }
}

// CIELAB and CIEDE2000 for the palette test.

fn linear(c: u8) -> f64 {
    let c = c as f64 / 255.0;
    if c <= 0.04045 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

/// Machado, Oliveira & Fernandes (2009), severity 1.0, on linear RGB.
const DEUTERANOPIA: [[f64; 3]; 3] = [
    [0.367322, 0.860646, -0.227968],
    [0.280085, 0.672501, 0.047413],
    [-0.011820, 0.042940, 0.968881],
];
const PROTANOPIA: [[f64; 3]; 3] = [
    [0.152286, 1.052583, -0.204868],
    [0.114503, 0.786281, 0.099216],
    [-0.003882, -0.048116, 1.051998],
];
const NORMAL: [[f64; 3]; 3] = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];

fn lab(c: RGBColor, m: &[[f64; 3]; 3]) -> [f64; 3] {
    let l = [linear(c.0), linear(c.1), linear(c.2)];
    let s: Vec<f64> = (0..3)
        .map(|i| (m[i][0] * l[0] + m[i][1] * l[1] + m[i][2] * l[2]).clamp(0.0, 1.0))
        .collect();
    let x = 0.4124564 * s[0] + 0.3575761 * s[1] + 0.1804375 * s[2];
    let y = 0.2126729 * s[0] + 0.7151522 * s[1] + 0.0721750 * s[2];
    let z = 0.0193339 * s[0] + 0.1191920 * s[1] + 0.9503041 * s[2];
    let f = |t: f64| {
        if t > 216.0 / 24389.0 {
            t.cbrt()
        } else {
            (24389.0 / 27.0 * t + 16.0) / 116.0
        }
    };
    let (fx, fy, fz) = (f(x / 0.95047), f(y), f(z / 1.08883));
    [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
}

/// CIEDE2000 colour difference (Sharma, Wu & Dalal 2005).
fn ciede2000(p: [f64; 3], q: [f64; 3]) -> f64 {
    let [l1, a1, b1] = p;
    let [l2, a2, b2] = q;
    let cb = (a1.hypot(b1) + a2.hypot(b2)) / 2.0;
    let g = 0.5 * (1.0 - (cb.powi(7) / (cb.powi(7) + 25f64.powi(7))).sqrt());
    let (a1p, a2p) = ((1.0 + g) * a1, (1.0 + g) * a2);
    let (c1p, c2p) = (a1p.hypot(b1), a2p.hypot(b2));
    let hue = |b: f64, a: f64| {
        if b == 0.0 && a == 0.0 {
            0.0
        } else {
            b.atan2(a).to_degrees().rem_euclid(360.0)
        }
    };
    let (h1p, h2p) = (hue(b1, a1p), hue(b2, a2p));
    let dl = l2 - l1;
    let dc = c2p - c1p;
    let dh = if c1p * c2p == 0.0 {
        0.0
    } else if (h2p - h1p).abs() <= 180.0 {
        h2p - h1p
    } else if h2p - h1p > 180.0 {
        h2p - h1p - 360.0
    } else {
        h2p - h1p + 360.0
    };
    let dhh = 2.0 * (c1p * c2p).sqrt() * (dh.to_radians() / 2.0).sin();
    let lb = (l1 + l2) / 2.0;
    let cbp = (c1p + c2p) / 2.0;
    let hb = if c1p * c2p == 0.0 {
        h1p + h2p
    } else if (h1p - h2p).abs() <= 180.0 {
        (h1p + h2p) / 2.0
    } else if h1p + h2p < 360.0 {
        (h1p + h2p + 360.0) / 2.0
    } else {
        (h1p + h2p - 360.0) / 2.0
    };
    let t = 1.0 - 0.17 * (hb - 30.0).to_radians().cos()
        + 0.24 * (2.0 * hb).to_radians().cos()
        + 0.32 * (3.0 * hb + 6.0).to_radians().cos()
        - 0.20 * (4.0 * hb - 63.0).to_radians().cos();
    let dtheta = 30.0 * (-((hb - 275.0) / 25.0).powi(2)).exp();
    let rc = 2.0 * (cbp.powi(7) / (cbp.powi(7) + 25f64.powi(7))).sqrt();
    let sl = 1.0 + 0.015 * (lb - 50.0).powi(2) / (20.0 + (lb - 50.0).powi(2)).sqrt();
    let sc = 1.0 + 0.045 * cbp;
    let sh = 1.0 + 0.015 * cbp * t;
    let rt = -(2.0 * dtheta).to_radians().sin() * rc;
    ((dl / sl).powi(2) + (dc / sc).powi(2) + (dhh / sh).powi(2) + rt * (dc / sc) * (dhh / sh)).sqrt()
}

#[test]
fn ciede2000_matches_published_pairs() {
    // Sharma, Wu & Dalal (2005), table 1, pairs 1, 7 and 17.
    let cases = [
        ([50.0, 2.6772, -79.7751], [50.0, 0.0, -82.7485], 2.0425),
        ([50.0, 0.0, 0.0], [50.0, -1.0, 2.0], 2.3669),
        ([50.0, 2.5, 0.0], [73.0, 25.0, -18.0], 27.1492),
    ];
    for (p, q, want) in cases {
        assert!((ciede2000(p, q) - want).abs() < 1e-3, "{p:?} {q:?}");
    }
}

#[test]
fn timeline_legend_colours_differ_under_colour_vision_deficiencies() {
    use cutover::report::chart::{MIN_STATE_DELTA_E, STATES, state_color};
    // The legend's entries, as the timeline names their states: every one,
    // the faults' too.
    let states: Vec<&str> = STATES.iter().map(|s| s.0).collect();
    for st in ["awaiting_support", "rolling_back", "failed", "down", "upgrading"] {
        assert!(states.contains(&st), "the legend lists {st}");
    }
    let mut worst = Vec::new();
    for (vision, m) in [
        ("normal vision", &NORMAL),
        ("deuteranopia", &DEUTERANOPIA),
        ("protanopia", &PROTANOPIA),
    ] {
        let mut min = (f64::INFINITY, "", "");
        for (i, a) in states.iter().enumerate() {
            for b in &states[i + 1..] {
                let d = ciede2000(lab(state_color(a), m), lab(state_color(b), m));
                if d < min.0 {
                    min = (d, a, b);
                }
            }
        }
        worst.push(format!("{vision}: {:.1} ({} / {})", min.0, min.1, min.2));
        assert!(
            min.0 >= MIN_STATE_DELTA_E,
            "{vision}: {} and {} differ by ΔE2000 {:.1} only",
            min.1,
            min.2,
            min.0
        );
    }
    eprintln!("smallest legend differences: {}", worst.join("; "));
    // The legend draws those colours, and the lost failover also carries a
    // pattern and its length in words on its lane.
    let svg = render(&fixed_timeline()).unwrap().svg;
    for st in &states {
        let fill = format!("fill=\"{}\"", hex(state_color(st)));
        assert!(svg.contains(&fill), "the legend shows {st} as {fill}");
    }
    assert!(svg.contains("no working failover (hatched)"));
    let white_lines = polylines(&svg).iter().filter(|l| l.0 == "#FFFFFF").count();
    assert!(
        white_lines > 20,
        "the lane without failover is hatched ({white_lines} lines)"
    );
}

#[test]
fn every_cut_is_labelled_with_its_length_and_the_exposure_with_its_own() {
    let t = fixed_timeline();
    let svg = render(&t).unwrap().svg;
    let texts = svg_text_sizes(&svg);
    let cuts = t.cuts();
    assert!(!cuts.is_empty(), "the quiet interim is cut out");
    for cut in &cuts {
        let label = cut.label();
        let hours = (cut.to - cut.from) as f64 / MS_PER_HOUR as f64;
        assert!(label.starts_with(&format!("{hours:.1} h")), "{label} says {hours:.1} h");
        let placed = texts
            .iter()
            .any(|(x, _, s, _)| *s == label && *x >= cut.x0 && *x <= cut.x1);
        assert!(
            placed,
            "{label:?} is written in its break ({:.0}-{:.0})",
            cut.x0, cut.x1
        );
    }
    // 51 hours without failover, written on the failover lane (the lane's
    // name is at its left, the label at the same height).
    let lane_y = texts.iter().find(|t| t.2 == "failover").expect("the failover lane").1;
    let exposure = texts
        .iter()
        .find(|t| t.2 == "no failover 51 h")
        .expect("the exposure's length on the lane");
    assert!((exposure.1 - lane_y).abs() < 2.0, "on the failover lane");
}

fn sweep_with_a_gap() -> SweepLines {
    SweepLines {
        title: "downtime as site.backup_primary varies".into(),
        metric: "downtime_s".into(),
        param: "calendar.interim (days)".into(),
        xs: vec![("1d".into(), 1.0), ("2d".into(), 2.0), ("3d".into(), 3.0)],
        lines: vec![
            Curve {
                name: "failover-sync".into(),
                color: BLUE,
                // Highest at the first point: under a legend in the upper
                // left corner of the plot.
                points: vec![
                    (3000.0, 2900.0, 3100.0),
                    (1500.0, 1400.0, 1600.0),
                    (1000.0, 900.0, 1100.0),
                ],
            },
            Curve {
                name: "atlas-failover".into(),
                color: ORANGE,
                // Did not run at the middle point.
                points: vec![
                    (600.0, 500.0, 700.0),
                    (f64::NAN, f64::NAN, f64::NAN),
                    (700.0, 600.0, 800.0),
                ],
            },
        ],
        categorical: false,
        log_x: false,
    }
}

/// The area the legend entries take: their texts and, left of each, its
/// swatch.
fn legend_box(svg: &str, labels: &[&str]) -> (f64, f64, f64, f64) {
    let texts: Vec<_> = svg_text_sizes(svg)
        .into_iter()
        .filter(|t| labels.iter().any(|l| t.2.starts_with(l)))
        .collect();
    assert_eq!(texts.len(), labels.len(), "every legend entry is drawn once");
    let x0 = texts.iter().map(|t| t.0).fold(f64::INFINITY, f64::min) - 34.0;
    let x1 = texts
        .iter()
        .map(|t| t.0 + 0.62 * t.3 * t.2.chars().count() as f64)
        .fold(f64::NEG_INFINITY, f64::max);
    let y0 = texts.iter().map(|t| t.1).fold(f64::INFINITY, f64::min) - 12.0;
    let y1 = texts.iter().map(|t| t.1).fold(f64::NEG_INFINITY, f64::max) + 12.0;
    (x0, y0, x1, y1)
}

fn inside(b: (f64, f64, f64, f64), (x, y): (f64, f64)) -> bool {
    x >= b.0 && x <= b.2 && y >= b.1 && y <= b.3
}

#[test]
fn legends_cover_no_mark() {
    // A sweep: its dots and lines.
    let svg = render(&sweep_with_a_gap()).unwrap().svg;
    let b = legend_box(&svg, &["failover-sync", "atlas-failover"]);
    let colours = [hex(BLUE), hex(ORANGE)];
    for (x, y, fill) in circles(&svg) {
        assert!(
            !(colours.contains(&fill) && inside(b, (x, y)) && x > b.0 + 26.0),
            "a {fill} mark at ({x}, {y}) under the legend {b:?}"
        );
    }
    for (stroke, pts) in polylines(&svg).iter().filter(|l| colours.contains(&l.0)) {
        // A legend swatch is a short line inside the legend's swatch column.
        if pts.iter().all(|p| inside(b, *p) && p.0 <= b.0 + 30.0) {
            continue;
        }
        for p in pts {
            assert!(!inside(b, *p), "a {stroke} line through {p:?} under the legend {b:?}");
        }
    }
    // A distribution: its boxes (the highest on the right).
    let svg = render(&two_strategy_distribution(Some(900.0))).unwrap().svg;
    let b = legend_box(&svg, &["mean and 95% CI", "box: p25-p75"]);
    for (x, y, w, h, fill) in rects(&svg) {
        if !colours.contains(&fill) {
            continue;
        }
        let corners = [
            (x, y),
            (x + w, y),
            (x, y + h),
            (x + w, y + h),
            (x + w / 2.0, y + h / 2.0),
        ];
        let overlaps = x < b.2 && x + w > b.0 && y < b.3 && y + h > b.1;
        assert!(!overlaps, "a {fill} box {corners:?} under the legend {b:?}");
    }
}

#[test]
fn sweeps_leave_a_gap_where_a_strategy_did_not_run() {
    let s = sweep_with_a_gap();
    let svg = render(&s).unwrap().svg;
    let texts = svg_texts(&svg);
    let x_of = |label: &str| texts.iter().find(|t| t.2 == label).unwrap().0;
    let (x1, x2, x3) = (x_of("1d"), x_of("2d"), x_of("3d"));
    let orange = hex(ORANGE);
    let dots: Vec<(f64, f64)> = circles(&svg)
        .into_iter()
        .filter(|c| c.2 == orange)
        .map(|c| (c.0, c.1))
        .collect();
    assert_eq!(
        dots.len(),
        2,
        "a dot at each point where it ran, none elsewhere: {dots:?}"
    );
    assert!(dots.iter().all(|d| (d.0 - x2).abs() > 5.0), "no dot at 2d");
    for (_, pts) in polylines(&svg).iter().filter(|l| l.0 == orange) {
        let xs: Vec<f64> = pts.iter().map(|p| p.0).collect();
        let spans_gap = xs.iter().any(|x| *x < x2 - 5.0) && xs.iter().any(|x| *x > x2 + 5.0);
        assert!(!spans_gap, "no line through the missing point: {pts:?}");
        assert!(xs.iter().all(|x| *x >= x1 - 30.0 && *x <= x3 + 30.0 || *x > x3 + 30.0));
    }
    // Nothing below zero: no negative tick, no mark under the 0 line.
    let zero_y = texts.iter().find(|t| t.2 == "0").expect("a 0 tick").1;
    assert!(!texts.iter().any(|t| t.2.starts_with('-')), "no negative tick");
    assert!(circles(&svg).iter().all(|c| c.1 <= zero_y + 6.0), "no mark below 0");
    // A categorical parameter: evenly spaced, no line between its values.
    let mut c = sweep_with_a_gap();
    c.categorical = true;
    c.xs = vec![("false".into(), 0.0), ("true".into(), 1.0), ("other".into(), 2.0)];
    let svg = render(&c).unwrap().svg;
    let texts = svg_texts(&svg);
    let x_of = |label: &str| texts.iter().find(|t| t.2 == label).unwrap().0;
    let (a, b, cc) = (x_of("false"), x_of("true"), x_of("other"));
    assert!(((b - a) - (cc - b)).abs() < 2.0, "evenly spaced: {a} {b} {cc}");
    let blue = hex(BLUE);
    for (_, pts) in polylines(&svg).iter().filter(|l| l.0 == blue || l.0 == orange) {
        let xs: Vec<f64> = pts.iter().map(|p| p.0).collect();
        let wide =
            xs.iter().cloned().fold(f64::NEG_INFINITY, f64::max) - xs.iter().cloned().fold(f64::INFINITY, f64::min);
        // Legend swatches are 24 px; a line between two values is wider.
        assert!(wide <= 25.0, "no line between categories: {pts:?}");
    }
}

#[test]
fn thresholds_near_zero_values_and_one_unit_per_metric() {
    use cutover::report::chart::fmt_metric;
    use cutover::report::study::threshold_label;
    // The threshold: a dashed line and its value in the legend.
    let svg = render(&two_strategy_distribution(Some(900.0))).unwrap().svg;
    assert_eq!(threshold_label("downtime_s", 900.0), "threshold 15 min");
    assert!(svg.contains(">\nthreshold 15 min\n<") || svg.contains(">threshold 15 min<"));
    let dashes = polylines(&svg).iter().filter(|l| l.0 == "#D55E00").count();
    assert!(dashes >= 10, "the threshold is a dashed line ({dashes} dashes)");
    // The strategy with 16 s of downtime is readable: its mean in words.
    assert_eq!(fmt_metric("downtime_s", 16.0), "0.27 min");
    assert!(svg.contains("mean 0.27 min"), "the near-zero mean is written");
    let c = Cdf {
        title: "How often each downtime is not exceeded".into(),
        metric: "downtime_s".into(),
        curves: vec![Curve {
            name: "async".into(),
            color: ORANGE,
            points: vec![(10.0, 0.5), (40.0, 1.0)],
        }],
        threshold: Some(30.0),
    };
    let svg = render(&c).unwrap().svg;
    assert!(svg.contains("threshold 0.50 min"), "the CDF's threshold");
    assert!(svg.contains("async (median 0.17 min)"), "the near-zero median in words");
    // One unit per metric: downtime in minutes whether its values are
    // seconds or hours, in every chart and in the report's words.
    assert!(svg.contains("downtime (minutes)"));
    let mut small = two_strategy_distribution(None);
    small.boxes.truncate(1);
    assert!(render(&small).unwrap().svg.contains("downtime (minutes)"));
    let diffs = Diffs {
        title: "Paired differences".into(),
        baseline: "sync".into(),
        panels: vec![(
            "exposure_s".into(),
            vec![Bar {
                name: "async".into(),
                color: ORANGE,
                mean: 600.0,
                low: 500.0,
                high: 700.0,
            }],
        )],
    };
    assert!(render(&diffs).unwrap().svg.contains("exposure (hours)"));
    assert_eq!(fmt_metric("exposure_s", 178_200.0), "49.5 h");
    assert_eq!(fmt_metric("exposure_s", 600.0), "0.17 h");
}

#[test]
fn long_times_are_written_in_hours_then_days() {
    use cutover::report::chart::fmt_metric;
    // Downtime is shown in minutes, up to 10 hours.
    assert_eq!(fmt_metric("downtime_s", 3000.0), "50 min");
    assert_eq!(fmt_metric("downtime_s", 35_940.0), "599 min");
    assert_eq!(fmt_metric("downtime_s", 36_000.0), "10 h");
    assert_eq!(fmt_metric("downtime_s", 178_500.0), "49.6 h");
    assert_eq!(fmt_metric("downtime_s", -178_500.0), "-49.6 h");
    // Exposure is shown in hours, up to 3 days; both in days from there.
    assert_eq!(fmt_metric("exposure_s", 255_600.0), "71 h");
    assert_eq!(fmt_metric("exposure_s", 259_200.0), "3 days");
    assert_eq!(fmt_metric("exposure_s", 963_627.0), "11.2 days");
    assert_eq!(fmt_metric("downtime_s", 400_000.0), "4.6 days");
    // Counts and shares are not times.
    assert_eq!(fmt_metric("dropped_sessions", 2975.0), "2975");
    // In a chart: the CDF's median and the distribution's mean and p95.
    let c = Cdf {
        title: "long".into(),
        metric: "downtime_s".into(),
        curves: vec![Curve {
            name: "slow".into(),
            color: BLUE,
            points: vec![(100_000.0, 0.2), (178_500.0, 0.6), (300_000.0, 1.0)],
        }],
        threshold: None,
    };
    let svg = render(&c).unwrap().svg;
    assert!(svg.contains("slow (median 49.6 h)"), "the median in hours");
    assert!(!svg.contains("2975 min"));
    let mut d = two_strategy_distribution(None);
    d.boxes[0].mean = 178_500.0;
    d.boxes[0].q[4] = 300_000.0;
    let texts: Vec<String> = svg_texts(&render(&d).unwrap().svg).into_iter().map(|t| t.2).collect();
    assert!(texts.iter().any(|t| t == "mean 49.6 h"), "{texts:?}");
    assert!(texts.iter().any(|t| t == "p95 3.5 days"), "{texts:?}");
}

#[test]
fn the_session_series_keeps_every_change_the_traced_log_shows() {
    use cutover::sim::events::Event;
    use cutover::sim::{MAX_SERIES_POINTS, RunOptions, simulate};
    let sc = cutover::scenario::Scenario::default_scenario();
    let rb = sc.runbook("failover-sync").unwrap();
    let out = simulate(
        &sc,
        rb,
        sc.seed,
        0,
        RunOptions {
            log_events: true,
            trace_sessions: true,
        },
    );
    assert!(out.series.len() < MAX_SERIES_POINTS, "the series was never coarsened");
    // The active sessions after every instant of the log, from the traced
    // session events alone.
    let mut active: i64 = 0;
    let mut counts: Vec<(u64, i64)> = Vec::new();
    for r in out.events.iter() {
        let change = match &r.event {
            Event::SessionStart { .. } => 1,
            Event::SessionEnd { .. } => -1,
            Event::SessionsDropped { sessions, .. } | Event::SessionsDisconnected { sessions, .. } => {
                -(*sessions as i64)
            }
            _ => continue,
        };
        active += change;
        match counts.last_mut() {
            Some(c) if c.0 == r.time.0 => c.1 = active,
            _ => counts.push((r.time.0, active)),
        }
    }
    assert!(counts.len() > 100, "a traced run has session events");
    let drops = counts.windows(2).filter(|w| w[1].1 < w[0].1).count();
    assert!(drops > 10);
    // The series, read as a step function of its last values, equals those
    // counts at every instant where the log changes them.
    let at = |t: u64| {
        out.series
            .iter()
            .take_while(|p| p.time.0 <= t)
            .last()
            .map_or(0, |p| p.last as i64)
    };
    for (t, want) in &counts {
        assert_eq!(at(*t), *want, "active sessions at {:.3} s", *t as f64 / 1000.0);
    }
    // And no point says otherwise (points where only the failed connects
    // change carry the count of the moment).
    for p in &out.series {
        let c = counts.iter().take_while(|c| c.0 <= p.time.0).last().map_or(0, |c| c.1);
        assert_eq!(c, p.last as i64, "the point at {:?}", p.time);
        assert!(p.low <= p.last && p.last <= p.active);
    }
}

#[test]
fn the_drawn_session_line_shows_a_drop_within_one_pixel() {
    // An arrival and, a second later, every session cut: one pixel column.
    let mut t = fixed_timeline();
    let at = |s: u64| SimTime(22 * MS_PER_HOUR + 30 * 60_000 + s * 1000);
    t.series = vec![
        SeriesPoint {
            time: at(0),
            active: 5,
            low: 5,
            last: 5,
            failed: 0,
        },
        SeriesPoint {
            time: at(1),
            active: 6,
            low: 6,
            last: 6,
            failed: 0,
        },
        SeriesPoint {
            time: at(2),
            active: 0,
            low: 0,
            last: 0,
            failed: 0,
        },
    ];
    let svg = render(&t).unwrap().svg;
    let blue = "#0072B2";
    let line = polylines(&svg)
        .into_iter()
        .find(|l| l.0 == blue)
        .expect("the session line");
    let ys: Vec<f64> = line.1.iter().map(|p| p.1).collect();
    let (top, bottom) = (
        ys.iter().cloned().fold(f64::INFINITY, f64::min),
        ys.iter().cloned().fold(f64::NEG_INFINITY, f64::max),
    );
    // It reaches the 6 (the top of the panel) and ends at 0 (its bottom).
    let texts = svg_texts(&svg);
    let y_of = |s: &str| texts.iter().find(|t| t.2 == s).unwrap().1;
    assert!((top - y_of("6")).abs() < 6.0, "the line reaches 6: {ys:?}");
    assert!((bottom - y_of("0")).abs() < 6.0, "the line falls to 0: {ys:?}");
    assert_eq!(ys.last(), Some(&bottom), "and stays there");
}

#[test]
fn the_campaign_charts_new_colours_differ_under_colour_vision_deficiencies() {
    use cutover::report::fleet::{DONE_COLOR, PENDING_COLOR, Phase, STOPPED_COLOR};
    // A site back on the old version, against every other state of the
    // Gantt; the campaign-length chart's three outcomes among themselves.
    let back = Phase::Recovered.color();
    let others: Vec<(String, RGBColor)> = Phase::ALL
        .iter()
        .filter(|p| **p != Phase::Recovered)
        .map(|p| (format!("{p:?}"), p.color()))
        .collect();
    let outcomes = [
        ("done", DONE_COLOR),
        ("stopped", STOPPED_COLOR),
        ("pending", PENDING_COLOR),
    ];
    for (vision, m) in [
        ("normal vision", &NORMAL),
        ("deuteranopia", &DEUTERANOPIA),
        ("protanopia", &PROTANOPIA),
    ] {
        for (name, c) in &others {
            let d = ciede2000(lab(back, m), lab(*c, m));
            assert!(d >= 10.0, "{vision}: back on the old version and {name}: ΔE2000 {d:.1}");
        }
        for (i, a) in outcomes.iter().enumerate() {
            for b in &outcomes[i + 1..] {
                let d = ciede2000(lab(a.1, m), lab(b.1, m));
                assert!(d >= 10.0, "{vision}: {} and {}: ΔE2000 {d:.1}", a.0, b.0);
            }
        }
    }
}

/// The PNG's pixels: width and RGB bytes.
fn png_rgb(bytes: &[u8]) -> (usize, Vec<u8>) {
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("a size")];
    let info = reader.next_frame(&mut buf).expect("a frame");
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buf.truncate(info.buffer_size());
    (info.width as usize, buf)
}

/// Pixels of colour `c` (within 12 levels a channel) left of column `x_max`.
fn pixels_of(bytes: &[u8], c: RGBColor, x_max: usize) -> usize {
    let (w, rgb) = png_rgb(bytes);
    rgb.chunks_exact(3)
        .enumerate()
        .filter(|(i, p)| {
            i % w < x_max
                && (p[0] as i32 - c.0 as i32).abs() <= 12
                && (p[1] as i32 - c.1 as i32).abs() <= 12
                && (p[2] as i32 - c.2 as i32).abs() <= 12
        })
        .count()
}

/// Stroke widths of the lines drawn in `colour`, in drawing order.
fn stroke_widths(svg: &str, colour: &str) -> Vec<f64> {
    tags(svg, "polyline")
        .into_iter()
        .filter(|t| attr(t, "stroke").as_deref() == Some(colour))
        .filter_map(|t| num(t, "stroke-width"))
        .collect()
}

#[test]
fn series_with_identical_points_stay_visible_and_are_told_apart() {
    const GREEN: RGBColor = RGBColor(0, 158, 115);
    let same = vec![(600.0, 0.2), (3000.0, 0.5), (3900.0, 1.0)];
    let curve = |name: &str, color, points: &Vec<(f64, f64)>| Curve {
        name: name.to_string(),
        color,
        points: points.clone(),
    };
    let cdf = Cdf {
        title: "How often each downtime is not exceeded".into(),
        metric: "downtime_s".into(),
        curves: vec![
            curve("sync", BLUE, &same),
            curve("async", ORANGE, &same),
            curve("atlas", GREEN, &vec![(100.0, 0.5), (200.0, 1.0)]),
        ],
        threshold: None,
    };
    let r = render(&cdf).unwrap();
    let texts: Vec<String> = svg_texts(&r.svg).into_iter().map(|t| t.2).collect();
    assert!(texts.iter().any(|t| t == "sync (median 50 min)"), "{texts:?}");
    assert!(texts.iter().any(|t| t == "async (same as sync)"), "{texts:?}");
    assert!(texts.iter().any(|t| t == "atlas (median 1.7 min)"), "{texts:?}");
    // The first drawn wide and before the later one, which is dashed (many
    // short pieces, thinner); the one alone a plain line.
    let blue = stroke_widths(&r.svg, &hex(BLUE));
    let orange = stroke_widths(&r.svg, &hex(ORANGE));
    assert!(
        blue.contains(&7.0) && orange.iter().all(|w| *w == 3.0),
        "{blue:?} {orange:?}"
    );
    assert!(orange.len() > 20, "dashed: {} pieces", orange.len());
    let (first_blue, first_orange) = (
        r.svg.find(&format!("stroke=\"{}\"", hex(BLUE))).unwrap(),
        r.svg.find(&format!("stroke=\"{}\"", hex(ORANGE))).unwrap(),
    );
    assert!(first_blue < first_orange, "the wide line under the dashed one");
    assert_eq!(
        stroke_widths(&r.svg, &hex(GREEN)),
        [3.0, 3.0],
        "the curve and its swatch"
    );
    // In the picture, both colours show along the curve (left of the
    // legend): drawn plainly, the later line would hide the first.
    let plot = 1100 - 300 - 40;
    let (b, o) = (pixels_of(&r.png, BLUE, plot), pixels_of(&r.png, ORANGE, plot));
    assert!(b > 800 && o > 800, "blue {b} and orange {o} pixels");

    // A sweep: the same, with the means' dots; three alike get three
    // strokes.
    let mut s = sweep_with_a_gap();
    s.lines[1].points = s.lines[0].points.clone();
    let mut third = s.lines[0].clone();
    third.name = "pod".into();
    third.color = GREEN;
    s.lines.push(third);
    let r = render(&s).unwrap();
    let texts: Vec<String> = svg_texts(&r.svg).into_iter().map(|t| t.2).collect();
    for label in [
        "failover-sync",
        "atlas-failover (same as failover-sync)",
        "pod (same as failover-sync)",
    ] {
        assert!(texts.iter().any(|t| t == label), "{label}: {texts:?}");
    }
    let plot = 1100 - 300;
    for c in [BLUE, ORANGE, GREEN] {
        let n = pixels_of(&r.png, c, plot);
        assert!(n > 300, "{} shows: {n} pixels", hex(c));
    }
    // The later ones' dashes take turns: no two start at one place.
    let starts = |colour: &str| -> Vec<(f64, f64)> {
        polylines(&r.svg)
            .into_iter()
            .filter(|l| l.0 == colour && l.1.len() >= 2)
            .map(|l| l.1[0])
            .collect()
    };
    let (o, g) = (starts(&hex(ORANGE)), starts(&hex(GREEN)));
    assert!(
        o.len() > 10 && g.len() > 10,
        "dashed: {} and {} pieces",
        o.len(),
        g.len()
    );
    for p in &o {
        assert!(
            g.iter().all(|q| (p.0 - q.0).hypot(p.1 - q.1) > 3.0),
            "an orange and a green dash both start at {p:?}"
        );
    }
    // Seen by eye when asked.
    if let Ok(dir) = std::env::var("CUTOVER_CHART_DIR") {
        std::fs::write(Path::new(&dir).join("identical-cdf.png"), render(&cdf).unwrap().png).unwrap();
        std::fs::write(Path::new(&dir).join("identical-sweep.png"), r.png).unwrap();
    }
}

#[test]
fn legend_labels_wider_than_the_legend_wrap_between_words() {
    let long = "failover-async-dns-canaries (same as failover-async-nat-canaries)";
    let c = Cdf {
        title: "How often each downtime is not exceeded".into(),
        metric: "downtime_s".into(),
        curves: vec![
            Curve {
                name: "failover-async-nat-canaries".into(),
                color: BLUE,
                points: vec![(600.0, 0.5), (900.0, 1.0)],
            },
            Curve {
                name: "failover-async-dns-canaries".into(),
                color: ORANGE,
                points: vec![(600.0, 0.5), (900.0, 1.0)],
            },
            Curve {
                name: "sync".into(),
                color: RGBColor(0, 158, 115),
                points: vec![(60.0, 1.0)],
            },
        ],
        threshold: None,
    };
    let svg = render(&c).unwrap().svg;
    let texts = svg_text_sizes(&svg);
    // The label is split between words over rows of its own, each within
    // the chart, and the next entry below them all.
    let row = |s: &str| {
        texts
            .iter()
            .find(|t| t.2 == s)
            .unwrap_or_else(|| panic!("{s:?} in {texts:?}"))
    };
    let (a, b) = (
        row("failover-async-dns-canaries (same as"),
        row("failover-async-nat-canaries)"),
    );
    assert_eq!(format!("{} {}", a.2, b.2), long);
    assert!(b.1 > a.1 && (a.0 - b.0).abs() < 0.5, "one under the other: {a:?} {b:?}");
    for t in [a, b] {
        assert!(
            t.0 + 0.62 * t.3 * t.2.chars().count() as f64 <= 1100.0,
            "{t:?} within the chart"
        );
    }
    let next = texts
        .iter()
        .find(|t| t.2.starts_with("sync (median"))
        .expect("the next entry");
    assert!(next.1 > b.1 + 10.0, "below the wrapped label: {next:?} {b:?}");
}

#[test]
fn a_timeline_of_years_draws_a_rectangle_per_pixel_column_and_loses_no_fault() {
    use cutover::report::chart::state_color;
    // Two years after a day's procedure: a sync of 30 s every 15 minutes
    // (70,000 spans on the failover lane), a window twice a week, and one
    // crash of a minute on A a year in. Drawn span by span this was
    // 140,000 rectangles; each column of a lane now draws once.
    let (min, year) = (60_000, 365 * MS_PER_DAY);
    let end = 2 * year;
    let mut relationship = vec![span(0, 24, "working")];
    let mut t = 24 * MS_PER_HOUR;
    while t < end {
        relationship.push(Span {
            from: t,
            to: t + 30_000,
            state: "syncing".into(),
        });
        relationship.push(Span {
            from: t + 30_000,
            to: (t + 15 * min).min(end),
            state: "working".into(),
        });
        t += 15 * min;
    }
    let crash = year + 7 * MS_PER_HOUR;
    let mut tl = fixed_timeline();
    tl.to = end;
    tl.relationship = relationship;
    tl.lanes[1].spans = vec![
        span(20, 22, "serving"),
        span(22, 23, "upgrading"),
        Span {
            from: 23 * MS_PER_HOUR,
            to: crash,
            state: "serving".into(),
        },
        Span {
            from: crash,
            to: crash + min,
            state: "failed".into(),
        },
        Span {
            from: crash + min,
            to: end,
            state: "serving".into(),
        },
    ];
    tl.lanes[0].spans[0].to = end;
    tl.windows = (0..end / (7 * MS_PER_DAY))
        .flat_map(|w| {
            let week = w * 7 * MS_PER_DAY;
            [
                (week + 46 * MS_PER_HOUR, week + 50 * MS_PER_HOUR),
                (week + 94 * MS_PER_HOUR, week + 98 * MS_PER_HOUR),
            ]
        })
        .collect();
    tl.series = (0..end / MS_PER_HOUR)
        .map(|h| SeriesPoint {
            time: SimTime(h * MS_PER_HOUR),
            active: h % 24,
            low: h % 12,
            last: h % 17,
            failed: h / 1000,
        })
        .collect();
    let svg = check(&tl, &["failover", "active sessions"]);
    let rects = tags(&svg, "rect").len();
    // Three lanes and the windows, the steps and the legend: a few
    // thousand at most, against 140,000 spans.
    assert!(rects < 4 * 1140, "{rects} rectangles");
    assert!(svg.len() < 600_000, "{} bytes", svg.len());
    // The crash of a minute, far narrower than a pixel, still shows on A's
    // lane (and not only in the legend).
    let failed = format!("fill=\"{}\"", hex(state_color("failed")));
    let on_lanes = tags(&svg, "rect")
        .into_iter()
        .filter(|r| r.contains(&failed) && num(r, "y").is_some_and(|y| y < 200.0))
        .count();
    assert_eq!(on_lanes, 1, "the crash is drawn on its lane");
    // The syncs show as the lane's columns do: most of the lane is working.
    let working = format!("fill=\"{}\"", hex(state_color("working")));
    let syncing = format!("fill=\"{}\"", hex(state_color("syncing")));
    let width = |fill: &str| -> f64 {
        tags(&svg, "rect")
            .into_iter()
            .filter(|r| r.contains(fill) && num(r, "y").is_some_and(|y| y < 200.0))
            .filter_map(|r| num(r, "width"))
            .sum()
    };
    assert!(
        width(&working) > 4.0 * width(&syncing),
        "working {} px, syncing {} px",
        width(&working),
        width(&syncing)
    );
}
