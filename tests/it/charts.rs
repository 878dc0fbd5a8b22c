//! Charts from fixed data: valid PNG and SVG files of the expected size,
//! with the expected titles and legend entries in the SVG text; and the
//! change-board report.

use std::path::Path;

use cutover::report::chart::{Chart, png_size, render};
use cutover::report::study::{Bar, BoxStats, Cdf, Curve, Diffs, Distribution, HeatMap, SweepLines};
use cutover::report::timeline::{Lane, Span, Timeline};
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
        steps: vec![
            (21 * MS_PER_HOUR, "break_failover".into()),
            (70 * MS_PER_HOUR, "upgrade B".into()),
        ],
        series: (20..80)
            .map(|h| SeriesPoint {
                time: SimTime(h * MS_PER_HOUR),
                active: h % 7,
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
    assert!(svg.contains("≈1d"), "the interim is shown as a labelled break");
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
    let (_, h) = t.size();
    assert!(h <= 1100, "lanes stay compact: {h} px");
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
            "exposure (days)",
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
fn svg_texts(svg: &str) -> Vec<(f64, f64, String)> {
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
    };
    let svg = check(
        &s,
        &[
            "exposure as calendar.interim varies",
            "failover-async-nat",
            "calendar.interim (days)",
            "mean exposure (days)",
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
