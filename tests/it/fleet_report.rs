//! The fleet report: the campaign's Gantt (a lane per site, and lanes of
//! waves for a large fleet), the sites without failover, the campaign
//! length per plan, and the report's words (the bottom line, the stop).
//!
//! With `CUTOVER_FLEET_CHARTS` set to a folder, the charts and the report
//! of the nine-site fixture are written there to be looked at.

use std::sync::atomic::AtomicBool;

use cutover::fleet::Fleet;
use cutover::fleet::campaign::{CampaignRun, simulate_campaign};
use cutover::fleet::study::{FleetReplication, FleetStats};
use cutover::report::chart::{Chart, png_size, render};
use cutover::report::fleet::{campaign_length, charts, gantt, report, without_failover};

/// The hand-computed pair, its windows on Tuesday and Thursday 22:00 UTC
/// for 4 h, and a freeze in the week of 24 March.
fn pair() -> String {
    crate::fleet::pair().replace(
        "interim = \"1d\"",
        "interim = \"1d\"\nstart = \"2025-03-03T00:00\"\nfreezes = [{ from = \"2025-03-24\", to = \"2025-03-28\", reason = \"quarter close\" }]",
    )
}

fn fleet(text: &str) -> Fleet {
    crate::fleet::fleet(text, &pair())
}

/// Nine sites in waves of 1, 2 and 6; `plans` adds `[[plans]]` tables.
fn nine(cap: usize, extra_site: &str, stop_on: &str, plans: &str) -> String {
    format!(
        r#"
name = "nine"
description = "Nine pairs <in> three waves & a deadline"
seed = 5
[fleet]
start = "2025-03-03T00:00"   # a Monday, UTC
sites = [
  {{ name = "first", scenario = "pair.toml", count = 1, strategy = "failover-async-dns"{extra_site} }},
  {{ name = "pair", scenario = "pair.toml", count = 8, strategy = "failover-async-dns" }},
]
[campaign]
waves = [1, 2, 6]
max_sites_per_window = {cap}
bake = "7d"
stop_on = [{stop_on}]
deadline = "2025-04-30"
{plans}
"#
    )
}

/// 200 sites in four waves, ten per window.
fn two_hundred() -> String {
    r#"
name = "two-hundred"
seed = 7
[fleet]
start = "2025-03-03T00:00"
sites = [
  { name = "canary", scenario = "pair.toml", count = 2, strategy = "failover-async-dns" },
  { name = "pair", scenario = "pair.toml", count = 198, strategy = "failover-async-dns" },
]
[campaign]
waves = [2, 18, 60, 120]
max_sites_per_window = 40
bake = "3d"
stop_on = ["aborted"]
deadline = "2025-06-30"
"#
    .to_string()
}

fn run(f: &Fleet, plan: usize, replication: u64) -> CampaignRun {
    simulate_campaign(f, plan, f.seed, replication, &AtomicBool::new(false)).expect("not stopped")
}

/// `runs` replications of every plan, aggregated; replication 0 of each.
fn study(f: &Fleet, runs: u64) -> (FleetStats, Vec<CampaignRun>) {
    let mut stats = FleetStats::new(f);
    let mut traces = Vec::new();
    for i in 0..runs {
        let rep = FleetReplication {
            index: i,
            plans: (0..f.plans.len()).map(|p| run(f, p, i)).collect(),
        };
        stats.push(&rep.rows()).expect("rows the campaign wrote");
        if i == 0 {
            traces = rep.plans;
        }
    }
    (stats, traces)
}

/// The SVG's text elements, joined.
fn svg_text(svg: &str) -> String {
    let mut out = String::new();
    for part in svg.split("<text").skip(1) {
        if let Some(start) = part.find('>')
            && let Some(end) = part.find("</text>")
        {
            out.push_str(&part[start + 1..end]);
            out.push('\n');
        }
    }
    out
}

fn renders(chart: &impl Chart, name: &str) -> String {
    let r = render(chart).expect("renders");
    assert_eq!(png_size(&r.png), Some(chart.size()), "the PNG has the chart's size");
    if let Ok(dir) = std::env::var("CUTOVER_FLEET_CHARTS") {
        let _ = std::fs::create_dir_all(&dir);
        std::fs::write(format!("{dir}/{name}.png"), &r.png).unwrap();
    }
    r.svg
}

#[test]
fn fleet_report_gantt_of_nine_sites_names_every_wave_and_marks_the_deadline() {
    let f = fleet(&nine(2, "", "\"aborted\"", ""));
    let r = run(&f, 0, 0);
    let g = gantt(&f, 0, &r);
    assert!(!g.grouped);
    assert_eq!(g.lanes.len(), 9, "a lane per site");
    let text = svg_text(&renders(&g, "gantt-9"));
    for w in 1..=3 {
        assert!(text.contains(&format!("wave {w}")), "wave {w} named:\n{text}");
    }
    assert!(text.contains("deadline 30 Apr"), "{text}");
    assert!(text.contains("date (UTC)"), "the axis names the zone:\n{text}");
    assert!(
        text.contains("3 Mar") || text.contains("10 Mar"),
        "dated ticks:\n{text}"
    );
    let days = r.metrics.campaign_ms as f64 / 86_400_000.0;
    assert!(
        text.contains(&format!("{days:.1} days")),
        "the title gives the length:\n{text}"
    );
    assert!(text.contains("Plan campaign"), "{text}");
    assert!(text.contains("bake"), "the bake is labelled:\n{text}");
    // The freeze of 24-28 March lies on every lane.
    assert!(g.lanes.iter().all(|l| l.freezes.len() == 1), "{:?}", g.lanes[0].freezes);
    assert_eq!(g.freeze_notes, ["quarter close, 24-28 Mar"]);
    assert!(text.contains("Freezes: quarter close, 24-28 Mar."), "{text}");
    // Each wave's start is its first site's first work.
    assert_eq!(
        g.waves.iter().map(|w| w.span).collect::<Vec<_>>(),
        r.waves,
        "the waves marked are the run's"
    );
    assert!(g.waves[0].bake.is_some() && g.waves[2].bake.is_none());
}

#[test]
fn fleet_report_gantt_of_200_sites_draws_lanes_of_waves() {
    let f = fleet(&two_hundred());
    let r = run(&f, 0, 0);
    assert_eq!(r.metrics.sites_done, 200);
    let g = gantt(&f, 0, &r);
    assert!(g.grouped);
    assert_eq!(g.lanes.len(), 4, "a lane per wave");
    assert_eq!(
        g.lanes.iter().map(|l| l.sites).collect::<Vec<_>>(),
        vec![2, 18, 60, 120]
    );
    // Every column counts every site of its lane once.
    for lane in &g.lanes {
        let cutover::report::fleet::LaneBody::Stack { columns } = &lane.body else {
            panic!("stacked lanes")
        };
        assert!(columns.iter().all(|c| c.iter().sum::<u32>() as usize == lane.sites));
        // At the right edge every site is done (index 5 in Phase::ALL).
        assert_eq!(columns.last().unwrap()[5] as usize, lane.sites);
    }
    let svg = renders(&g, "gantt-200");
    let text = svg_text(&svg);
    for w in 1..=4 {
        assert!(text.contains(&format!("wave {w}")), "wave {w}:\n{text}");
    }
    assert!(text.contains("120 sites"), "{text}");
    assert!(text.contains("deadline 30 Jun"), "{text}");
    assert!(svg.len() < 2_000_000, "the SVG stays small: {} bytes", svg.len());
    // The canaries fail and stop the campaign: the later lanes are all
    // not started (index 7 in Phase::ALL), from the first column to the last.
    let failing = two_hundred().replace(
        "strategy = \"failover-async-dns\" },\n  { name = \"pair\"",
        "strategy = \"failover-async-dns\", set = { \"faults.upgrade_failure\" = 1.0 } },\n  { name = \"pair\"",
    );
    assert_ne!(failing, two_hundred());
    let f = fleet(&failing);
    let r = run(&f, 0, 0);
    assert_eq!(r.metrics.stopped_at_wave, 1);
    let g = gantt(&f, 0, &r);
    for lane in &g.lanes[1..] {
        let cutover::report::fleet::LaneBody::Stack { columns } = &lane.body else {
            panic!("stacked lanes")
        };
        assert!(columns.iter().all(|c| c[7] as usize == lane.sites));
    }
    let text = svg_text(&renders(&g, "gantt-200-stopped"));
    assert!(text.contains("wave 2, wave 3, wave 4: never started"), "{text}");
}

#[test]
fn fleet_report_peak_without_failover_is_the_metric() {
    for cap in [2, 4] {
        let f = fleet(&nine(cap, "", "\"aborted\"", ""));
        let r = run(&f, 0, 0);
        let w = without_failover(&f, 0, &r);
        let peak = r.metrics.peak_sites_without_failover;
        assert!(peak >= 2);
        assert_eq!(w.peak.0, peak);
        assert!(
            w.peak_label.starts_with(&format!("peak {peak} sites, ")),
            "{}",
            w.peak_label
        );
        let text = svg_text(&renders(&w, &format!("without-failover-cap{cap}")));
        assert!(text.contains(&w.peak_label), "{text}");
        assert!(text.contains("deadline 30 Apr"), "{text}");
        // The steps never go above the peak, and reach it.
        assert_eq!(w.steps.iter().map(|s| s.1).max(), Some(peak));
    }
}

fn two_plans() -> String {
    nine(
        1,
        "",
        "\"aborted\"",
        "[[plans]]\nname = \"one-a-night\"\n[[plans]]\nname = \"four-a-night\"\nmax_sites_per_window = 4\n",
    )
}

#[test]
fn fleet_report_bottom_line_names_the_faster_plan() {
    let f = fleet(&two_plans());
    assert_eq!(f.plans.len(), 2);
    let (agg, traces) = study(&f, 6);
    let slow = traces[0].metrics.campaign_ms;
    let fast = traces[1].metrics.campaign_ms;
    assert!(fast < slow, "cap 4 is faster: {fast} vs {slow}");
    let (html, md) = report(&f, &agg, &traces, 6, f.seed);
    let bottom = md.split("## Bottom line").nth(1).unwrap().split("##").next().unwrap();
    assert!(
        bottom.contains("**four-a-night** finishes first"),
        "the bottom line names the faster plan:\n{bottom}"
    );
    assert!(bottom.contains("**one-a-night** takes"), "{bottom}");
    assert!(bottom.contains("done by the deadline"), "{bottom}");
    assert!(bottom.contains("user-minutes lost"), "{bottom}");
    // Both plans' tables, every chart, escaped text.
    for name in ["one-a-night", "four-a-night"] {
        assert!(md.contains(&format!("### Plan {name}")));
        assert!(md.contains(&format!("charts/gantt-{name}.png")));
    }
    // The page holds its five charts inline (one file to send), none by link.
    assert_eq!(html.matches("<figure>\n<svg").count(), 5);
    assert!(!html.contains("<img"));
    assert!(html.contains("Nine pairs &lt;in&gt; three waves &amp; a deadline"));
    assert!(!html.contains("<in>"));
    assert!(md.contains("| campaign length |"), "{md}");
    assert!(md.contains("### The plans side by side"), "{md}");
    // The charts: one Gantt and one exposure chart per plan, then lengths.
    let names: Vec<String> = charts(&f, &traces, &agg).into_iter().map(|c| c.0).collect();
    assert_eq!(
        names,
        [
            "gantt-one-a-night",
            "without-failover-one-a-night",
            "gantt-four-a-night",
            "without-failover-four-a-night",
            "campaign-length"
        ]
    );
    let c = campaign_length(&f, &agg.agg);
    assert_eq!(c.curves.len(), 2);
    assert!(
        c.curves[0].label.contains("P(done by deadline)"),
        "{}",
        c.curves[0].label
    );
    let text = svg_text(&renders(&c, "campaign-length"));
    assert!(text.contains("deadline 30 Apr"), "{text}");
    assert!(text.contains("four-a-night: median"), "{text}");
}

#[test]
fn fleet_report_of_a_stopped_campaign_says_where_it_stopped() {
    let f = fleet(&nine(
        2,
        ", set = { \"faults.upgrade_failure\" = 1.0 }",
        "\"aborted\"",
        "",
    ));
    let (agg, traces) = study(&f, 4);
    assert_eq!(traces[0].metrics.stopped_at_wave, 1);
    let (html, md) = report(&f, &agg, &traces, 4, f.seed);
    let stop = md
        .split("## The stop")
        .nth(1)
        .expect("a stop section")
        .split("##")
        .next()
        .unwrap();
    assert!(
        stop.contains("in 100 % of 4 runs the campaign stopped at wave 1"),
        "{stop}"
    );
    assert!(stop.contains("The later waves never started"), "{stop}");
    assert!(stop.contains("on average 8 of the 9 sites were not started"), "{stop}");
    assert!(stop.contains("site first ended `aborted`"), "{stop}");
    assert!(html.contains("stopped at wave 1"));
    // The Gantt says so too.
    let g = gantt(&f, 0, &traces[0]);
    let text = svg_text(&renders(&g, "gantt-stopped"));
    assert!(text.contains("wave 2, wave 3: never started"), "{text}");
    assert!(text.contains("not started"), "{text}");
    assert!(text.contains("aborted"), "{text}");
    assert!(text.contains("stopped at wave 1"), "{text}");
    if let Ok(dir) = std::env::var("CUTOVER_FLEET_CHARTS") {
        std::fs::write(format!("{dir}/stopped.md"), &md).unwrap();
        let f = fleet(&two_plans());
        let (agg, traces) = study(&f, 20);
        let (html, md) = report(&f, &agg, &traces, 20, f.seed);
        std::fs::create_dir_all(format!("{dir}/charts")).unwrap();
        std::fs::write(format!("{dir}/report.html"), html).unwrap();
        std::fs::write(format!("{dir}/report.md"), md).unwrap();
        for (name, chart) in charts(&f, &traces, &agg) {
            let r = render(&chart).unwrap();
            std::fs::write(format!("{dir}/charts/{name}.svg"), r.svg).unwrap();
            std::fs::write(format!("{dir}/charts/{name}.png"), r.png).unwrap();
        }
    }
}

#[test]
fn fleet_report_bottom_line_says_when_plans_are_alike() {
    // Two plans with the same settings under other names: the same draws
    // (common random numbers), so the same lengths.
    let f = fleet(&nine(
        2,
        "",
        "\"aborted\"",
        "[[plans]]\nname = \"tuesday\"\n[[plans]]\nname = \"thursday\"\n",
    ));
    let (agg, traces) = study(&f, 3);
    assert_eq!(traces[0].metrics, traces[1].metrics);
    let (_, md) = report(&f, &agg, &traces, 3, f.seed);
    let bottom = md.split("## Bottom line").nth(1).unwrap().split("##").next().unwrap();
    assert!(
        bottom.contains("are alike in campaign length within their 95 % intervals"),
        "{bottom}"
    );
    assert!(!bottom.contains("finishes first"), "{bottom}");
    assert!(!md.contains("## The stop"), "no run stopped");
}

#[test]
fn fleet_report_gantt_of_a_real_pair_in_paris_names_its_zone() {
    // The shipped default pair (random durations, a real workload), 30
    // sites in Paris, across the change to summer time on 30 March.
    let default =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/failover-pair.toml")).unwrap();
    let text = r#"
name = "paris"
seed = 11
[fleet]
start = "2025-03-03T00:00"
time_zone = "Europe/Paris"
sites = [{ name = "shop", scenario = "pair.toml", count = 30, strategy = "failover-sync" }]
[campaign]
waves = [2, 8, 20]
max_sites_per_window = 4
bake = "2d"
"#;
    let f = Fleet::parse(text, "fleet.toml", "fleet", &move |_| Ok(default.clone())).unwrap();
    let r = run(&f, 0, 0);
    let g = gantt(&f, 0, &r);
    assert_eq!(g.lanes.len(), 30);
    assert!(g.deadline.is_none());
    let text = svg_text(&renders(&g, "gantt-paris"));
    assert!(text.contains("date (Europe/Paris)"), "{text}");
    assert!(text.contains("shop-30"), "{text}");
    let w = without_failover(&f, 0, &r);
    assert_eq!(w.peak.0, r.metrics.peak_sites_without_failover);
    renders(&w, "without-failover-paris");
}

#[test]
fn fleet_report_of_the_shipped_fleet_renders_every_chart() {
    let dir = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios"));
    let text = std::fs::read_to_string(dir.join("fleet-regional.toml")).unwrap();
    let f = Fleet::parse(&text, "fleet-regional.toml", "fleet-regional", &move |path| {
        std::fs::read_to_string(dir.join(path)).map_err(|e| format!("{path}: {e}"))
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let (agg, traces) = study(&f, 2);
    let (html, md) = report(&f, &agg, &traces, 2, f.seed);
    assert!(md.starts_with("# Fleet campaign: fleet-regional\n"));
    assert!(html.contains("<h2>Bottom line</h2>"));
    for (name, chart) in charts(&f, &traces, &agg) {
        let text = svg_text(&renders(&chart, &format!("regional-{name}")));
        assert!(
            text.contains("Europe/Paris") || name == "campaign-length",
            "{name}:\n{text}"
        );
        assert!(md.contains(&format!("charts/{name}.png")), "{name}");
    }
    if let Ok(dir) = std::env::var("CUTOVER_FLEET_CHARTS") {
        std::fs::write(format!("{dir}/regional.md"), &md).unwrap();
    }
}
