//! The fleet report: the campaign's Gantt (a lane per site, and lanes of
//! waves for a large fleet), the sites without failover, how each plan's
//! runs ended day by day, and the report's words (the bottom line, the
//! table of stops, what was simulated).
//!
//! With `CUTOVER_FLEET_CHARTS` set to a folder, the charts and the report
//! of the nine-site fixture are written there to be looked at.

use std::sync::atomic::AtomicBool;

use cutover::fleet::Fleet;
use cutover::fleet::campaign::{CampaignRun, simulate_campaign};
use cutover::fleet::study::{FleetReplication, FleetStats, RUNS_KEY_COLUMNS, runs_header};
use cutover::report::chart::{Chart, png_size, render};
use cutover::report::fleet::{Phase, campaign_length, charts, gantt, report, without_failover};

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
        bottom.contains("**Among the runs that finished**, **four-a-night** is the shortest"),
        "the bottom line names the faster plan:\n{bottom}"
    );
    assert!(bottom.contains("**one-a-night** takes"), "{bottom}");
    assert!(
        bottom.trim_start().starts_with("**Done by the deadline** (2025-04-30)"),
        "{bottom}"
    );
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
    assert!(md.contains("| campaign length, the 6 done runs |"), "{md}");
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
    let c = campaign_length(&f, &agg);
    assert_eq!(c.panels.len(), 2);
    let at = c.panels[0].at_deadline.as_deref().unwrap();
    assert!(at.starts_with("done by the deadline: "), "{at}");
    let text = svg_text(&renders(&c, "campaign-length"));
    assert!(text.contains("deadline 30 Apr"), "{text}");
    assert!(text.contains("four-a-night: 6 runs"), "{text}");
    assert!(text.contains(at), "{text}");
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
    let stops = md
        .split("## The stops")
        .nth(1)
        .expect("a table of stops")
        .split("##")
        .next()
        .unwrap();
    let row = stops
        .lines()
        .find(|l| l.starts_with("| wave 1 |"))
        .unwrap_or_else(|| panic!("a row for wave 1:\n{stops}"));
    assert!(row.contains("(`aborted`)"), "{row}");
    assert!(row.contains("ended the campaign"), "{row}");
    assert!(row.ends_with("| 4 of 4 (100 %) |"), "every run: {row}");
    assert!(!stops.contains("| wave 2 |"), "{stops}");
    let bottom = md.split("## Bottom line").nth(1).unwrap().split("##").next().unwrap();
    assert!(
        bottom.contains("Runs that miss it: 4 stopped at wave 1 when a site's upgrade aborted (`aborted`)"),
        "{bottom}"
    );
    assert!(
        bottom.contains("**No run of any plan finished**"),
        "no length is ranked on stopped runs:\n{bottom}"
    );
    assert!(html.contains("<h2>The stops</h2>"));
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
        bottom.contains("the plans **tuesday** (") && bottom.contains("are alike in length"),
        "{bottom}"
    );
    assert!(
        bottom.contains("thursday minus tuesday: 0.0 days [0.0 days, 0.0 days]"),
        "{bottom}"
    );
    assert!(!bottom.contains("is the shortest"), "{bottom}");
    assert!(!md.contains("## The stops"), "no run stopped");
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

/// The shipped fleet, read with its scenario files.
fn regional() -> Fleet {
    let dir = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios"));
    let text = std::fs::read_to_string(dir.join("fleet-regional.toml")).unwrap();
    Fleet::parse(&text, "fleet-regional.toml", "fleet-regional", &move |path| {
        std::fs::read_to_string(dir.join(path)).map_err(|e| format!("{path}: {e}"))
    })
    .unwrap_or_else(|e| panic!("{e}"))
}

/// `runs` replications of every plan: the statistics, replication 0 of
/// each plan, and each plan's rows as `runs.csv` holds them (after the key
/// columns).
fn study_rows(f: &Fleet, runs: u64) -> (FleetStats, Vec<CampaignRun>, Vec<Vec<Vec<String>>>) {
    let mut stats = FleetStats::new(f);
    let mut traces = Vec::new();
    let mut rows = vec![Vec::new(); f.plans.len()];
    for i in 0..runs {
        let rep = FleetReplication {
            index: i,
            plans: (0..f.plans.len()).map(|p| run(f, p, i)).collect(),
        };
        let r = rep.rows();
        stats.push(&r).expect("rows the campaign wrote");
        for (p, row) in r.into_iter().enumerate() {
            rows[p].push(row);
        }
        if i == 0 {
            traces = rep.plans;
        }
    }
    (stats, traces, rows)
}

/// The cell of column `name` of a row of `runs.csv` (after its key columns).
fn cell<'a>(row: &'a [String], name: &str) -> &'a str {
    let i = runs_header().iter().position(|c| *c == name).unwrap() - RUNS_KEY_COLUMNS;
    &row[i]
}

/// The nearest-rank median, as the report's percentiles.
fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[(v.len() as f64 * 0.5).ceil() as usize - 1]
}

/// Nine pairs whose lone first-wave site fails its upgrade most of the
/// time: most campaigns stop at wave 1, a few days in, long before any
/// campaign that runs to its end. Two plans: one and four sites a night.
fn mostly_stopping() -> Fleet {
    fleet(&nine(
        1,
        ", set = { \"faults.upgrade_failure\" = 0.8 }",
        "\"aborted\"",
        "[[plans]]\nname = \"one-a-night\"\n[[plans]]\nname = \"four-a-night\"\nmax_sites_per_window = 4\n",
    ))
}

#[test]
fn fleet_report_counts_no_stopped_run_as_done() {
    let f = mostly_stopping();
    let runs = 30;
    let (stats, traces, rows) = study_rows(&f, runs);
    let chart = campaign_length(&f, &stats);
    let deadline_s = (f.deadline_unix_ms.unwrap() - f.start_unix_ms) as f64 / 1000.0;
    let secs = |r: &Vec<String>, c: &str| cell(r, c).parse::<f64>().unwrap();
    let (_, md) = report(&f, &stats, &traces, runs, f.seed);
    let bottom = md.split("## Bottom line").nth(1).unwrap().split("##").next().unwrap();
    let mut done_medians = Vec::new();
    for (p, plan_rows) in rows.iter().enumerate() {
        let outcome = |o: &str| plan_rows.iter().filter(|r| cell(r, "outcome") == o).collect::<Vec<_>>();
        let (done, stopped) = (outcome("done"), outcome("stopped"));
        assert!(2 * stopped.len() > runs as usize, "most runs stop: {}", stopped.len());
        assert!(!done.is_empty(), "some run is done");
        let first_done = done.iter().map(|r| secs(r, "campaign_s")).fold(f64::INFINITY, f64::min);
        assert!(
            stopped.iter().any(|r| secs(r, "campaign_s") < first_done),
            "a stopped run is shorter than any done one: counted as done, it would be done first"
        );
        // The chart at the deadline: the done_by_deadline count of runs.csv.
        let by_deadline = plan_rows.iter().filter(|r| cell(r, "done_by_deadline") == "1").count();
        let panel = &chart.panels[p];
        let n = runs as f64;
        assert_eq!((panel.done_share(deadline_s) * n).round() as usize, by_deadline);
        assert!(
            panel
                .at_deadline
                .as_deref()
                .unwrap()
                .contains(&format!("{by_deadline} of {runs}")),
            "{:?}",
            panel.at_deadline
        );
        // At the right edge: every done run done, every stopped run stopped.
        assert_eq!((panel.done_share(chart.x_max_s) * n).round() as usize, done.len());
        assert_eq!((panel.stopped_share(chart.x_max_s) * n).round() as usize, stopped.len());
        // When a stopped run ended, only the done runs that ended by then
        // are done; the stopped ones are counted stopped at their stop.
        for r in &stopped {
            let t = secs(r, "campaign_s");
            let done_by_then = done.iter().filter(|d| secs(d, "campaign_s") <= t).count();
            assert_eq!((panel.done_share(t) * n).round() as usize, done_by_then);
            let stop = secs(r, "stop_s");
            let stopped_by_then = stopped.iter().filter(|s| secs(s, "stop_s") <= stop).count();
            assert_eq!((panel.stopped_share(stop) * n).round() as usize, stopped_by_then);
        }
        // The bottom line's length is the median of the done runs alone.
        let all = median(plan_rows.iter().map(|r| secs(r, "campaign_s")).collect());
        let own = median(done.iter().map(|r| secs(r, "campaign_s")).collect());
        assert_ne!(format!("{:.1}", all / 86_400.0), format!("{:.1}", own / 86_400.0));
        let name = &f.plans[p].name;
        let own_words = [
            format!(
                "**{name}** is the shortest: median {:.1} days over its {} done run",
                own / 86_400.0,
                done.len()
            ),
            format!("**{name}** takes "),
            format!("**{name}** ({:.1} days)", own / 86_400.0),
        ];
        let at = own_words
            .iter()
            .find_map(|w| bottom.find(w.as_str()))
            .unwrap_or_else(|| panic!("{name}:\n{bottom}"));
        let said = &bottom[at..];
        assert!(said.contains(&format!("{:.1} days", own / 86_400.0)), "{name}: {said}");
        assert!(
            !bottom.contains(&format!("median {:.1} days", all / 86_400.0)),
            "the median of all runs is not the length:\n{bottom}"
        );
        done_medians.push(own);
    }
    assert!(!bottom.contains("finishes first"), "{bottom}");
    // The shortest is the plan whose done runs are shortest.
    let fast = if done_medians[1] < done_medians[0] { 1 } else { 0 };
    assert!(
        bottom.contains(&format!("**{}** is the shortest", f.plans[fast].name))
            || bottom.contains(&format!("the plans **{}** (", f.plans[fast].name)),
        "{bottom}"
    );
    let text = svg_text(&renders(&chart, "campaign-length-stopped"));
    for p in &chart.panels {
        assert!(text.contains(p.at_deadline.as_deref().unwrap()), "{text}");
        assert!(text.contains(&p.heading), "{text}");
    }
}

#[test]
fn fleet_report_has_one_table_of_stops() {
    let f = mostly_stopping();
    let runs = 12;
    let (stats, traces, rows) = study_rows(&f, runs);
    let (html, md) = report(&f, &stats, &traces, runs, f.seed);
    assert_eq!(md.matches("## The stops").count(), 1, "{md}");
    assert_eq!(md.matches("| wave | stop | then |").count(), 1, "{md}");
    assert_eq!(html.matches("<h2>The stops</h2>").count(), 1);
    assert_eq!(html.matches("<th>wave</th><th>stop</th><th>then</th>").count(), 1);
    // No paragraph per plan about its stop any more.
    assert!(!md.contains("the campaign stopped"), "{md}");
    // The table accounts for every run: its cells add up to the runs, in
    // one column when every plan counts the same (the first wave is one
    // site, the same draws in both plans), else one per plan.
    let table: Vec<&str> = md
        .split("## The stops")
        .nth(1)
        .unwrap()
        .split("\n## ")
        .next()
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("| "))
        .collect();
    let head: Vec<&str> = table[0].trim_matches('|').split('|').map(str::trim).collect();
    let same = rows.iter().all(|r| {
        r.iter()
            .map(|x| (cell(x, "outcome"), cell(x, "stop_cause"), cell(x, "stopped_at_wave")))
            .collect::<Vec<_>>()
            == rows[0]
                .iter()
                .map(|x| (cell(x, "outcome"), cell(x, "stop_cause"), cell(x, "stopped_at_wave")))
                .collect::<Vec<_>>()
    });
    if same {
        assert_eq!(&head[3..], ["every plan"]);
    } else {
        assert_eq!(head[3..].len(), f.plans.len());
    }
    for c in 3..head.len() {
        let total: u64 = table[1..]
            .iter()
            .map(|l| {
                let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
                cells[c].split(" of ").next().unwrap().parse::<u64>().unwrap_or(0)
            })
            .sum();
        assert_eq!(total, runs, "column {}: {table:?}", head[c]);
    }
    // The stops the rows hold, each with its wave.
    for r in &rows[0] {
        if cell(r, "outcome") == "stopped" {
            let row = format!("| wave {} | ", cell(r, "stopped_at_wave"));
            assert!(
                table
                    .iter()
                    .any(|l| l.starts_with(&row) && l.contains(&format!("(`{}`)", cell(r, "stop_cause")))),
                "{row}: {table:?}"
            );
        }
    }
}

#[test]
fn fleet_report_of_the_shipped_fleet_names_the_defect_and_the_aborts_with_their_waves() {
    let f = regional();
    let runs = 60;
    let (stats, traces, rows) = study_rows(&f, runs);
    let (_, md) = report(&f, &stats, &traces, runs, f.seed);
    let bottom = md
        .split("## Bottom line")
        .nth(1)
        .unwrap()
        .split("\n## ")
        .next()
        .unwrap()
        .replace("**", "");
    let sentence = |start: &str| -> String {
        let i = bottom.find(start).unwrap_or_else(|| panic!("{start:?} in:\n{bottom}"));
        bottom[i..].split(". ").next().unwrap().to_string()
    };
    let mut defect_waves = std::collections::BTreeSet::new();
    let mut abort_waves = std::collections::BTreeSet::new();
    for plan_rows in &rows {
        for r in plan_rows {
            let wave: u64 = cell(r, "stopped_at_wave").parse().unwrap();
            match (cell(r, "stop_cause"), cell(r, "outcome")) {
                ("defect_found", _) => {
                    defect_waves.insert(wave);
                }
                ("aborted", "stopped") => {
                    abort_waves.insert(wave);
                }
                _ => {}
            }
        }
    }
    assert!(!defect_waves.is_empty(), "some run finds the version's defect");
    assert!(!abort_waves.is_empty(), "some run stops on an abort");
    let defect = sentence("The version's defect was found (`defect_found`)");
    for w in &defect_waves {
        assert!(defect.contains(&format!("wave {w}")), "wave {w}: {defect}");
    }
    let miss = sentence("Runs that miss it");
    assert!(miss.contains("a site's upgrade aborted (`aborted`)"), "{miss}");
    for w in &abort_waves {
        assert!(miss.contains(&format!("wave {w}")), "wave {w}: {miss}");
    }
    // The plan without canaries stops on its one wave; the others on the
    // European wave.
    assert_eq!(abort_waves, [1, 2].into_iter().collect());
    // The catch: its cost in days, and the sites it kept off the defect.
    assert!(bottom.contains("What the catch cost"), "{bottom}");
    assert!(bottom.contains("What it saved"), "{bottom}");
}

#[test]
fn fleet_report_names_each_plans_strategy_per_group() {
    let f = regional();
    let (stats, traces) = study(&f, 1);
    let (_, md) = report(&f, &stats, &traces, 1, f.seed);
    let simulated = md
        .split("## What was simulated")
        .nth(1)
        .unwrap()
        .split("\n## ")
        .next()
        .unwrap();
    let line = |group: &str| {
        simulated
            .lines()
            .find(|l| l.starts_with(&format!("- **{group}**:")))
            .unwrap_or_else(|| panic!("{group}:\n{simulated}"))
    };
    let eu = line("eu");
    assert!(eu.contains("`failover-async-nat` in plan **nat-everywhere**"), "{eu}");
    assert!(eu.contains("`failover-async-dns` in plans **cautious**"), "{eu}");
    // What each plan really runs, read from the plans.
    let nat = f.plans.iter().position(|p| p.name == "nat-everywhere").unwrap();
    let eu_site = f.sites.iter().position(|s| s.name.starts_with("eu-")).unwrap();
    assert_eq!(f.plans[nat].strategies[eu_site], "failover-async-nat");
    assert!(
        line("canary").contains("`failover-async-nat` in every plan"),
        "{simulated}"
    );
    assert!(line("branch").contains("`single` in every plan"), "{simulated}");
    assert!(
        simulated.contains("Placement, in every plan: `earliest`"),
        "{simulated}"
    );
    assert!(simulated.contains("probability 10 %"), "{simulated}");
    assert!(
        simulated.contains("stops on `defect_found`, `aborted`, `defect_escaped`"),
        "{simulated}"
    );
}

#[test]
fn fleet_report_printed_table_ranks_done_runs_and_shows_the_stopped() {
    let tmp = tempfile::tempdir().unwrap();
    crate::fleet::small_fleet(tmp.path());
    let o = crate::cutover(tmp.path(), &["compare", "fleet.toml", "--runs", "4", "--out", "out"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    let head = out
        .lines()
        .find(|l| l.starts_with("plan "))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(head.contains("length if done p50/p95"), "{head}");
    assert!(head.contains("stopped"), "{head}");
    // The printed bottom line is the report's, without its marks.
    let md = std::fs::read_to_string(tmp.path().join("out/report.md")).unwrap();
    let bottom = md
        .split("## Bottom line\n\n")
        .nth(1)
        .unwrap()
        .split("\n\n## ")
        .next()
        .unwrap();
    assert!(bottom.contains("\n\n"), "paragraphs: {bottom}");
    assert!(out.contains(&bottom.replace("**", "").replace('`', "")), "{out}");
}

/// A new version that always carries a defect, shown within the hour, and
/// fixed a week after it is found.
const DEFECTIVE: &str = "[version]\nlatent_defect = 1.0\ndefect_detect = \"1h\"\nfix = \"7d\"\n";

#[test]
fn fleet_report_gantt_draws_the_defect_the_fix_and_the_second_runs() {
    let f = fleet(&nine(2, "", "\"defect_found\", \"aborted\"", DEFECTIVE));
    let r = run(&f, 0, 0);
    let found = r.stops.first().copied().expect("the canary finds the defect");
    assert_eq!(found.cause, cutover::fleet::StopOn::DefectFound);
    let resumed = r.resumed_at.expect("the campaign resumes after the fix");
    assert!(r.earlier.iter().any(|s| s.site == 0), "the canary is run again");
    let g = gantt(&f, 0, &r);
    assert_eq!(g.fix_wait, Some((found.at, resumed)));
    assert_eq!(g.stops.len(), r.stops.len());
    assert!(
        g.stops[0].label.starts_with("defect found, campaign held, wave 1, "),
        "{:?}",
        g.stops
    );
    // The canary's lane: its first run, back on the old version, then its
    // second run where the campaign placed it.
    let second = r.sites[0].work_start.unwrap();
    let cutover::report::fleet::LaneBody::Site { spans, again, .. } = &g.lanes[0].body else {
        panic!("a lane per site")
    };
    assert_eq!(*again, Some(second));
    let back: Vec<&(i64, i64, Phase)> = spans.iter().filter(|s| s.2 == Phase::Recovered).collect();
    assert!(!back.is_empty(), "{spans:?}");
    assert!(
        back.iter()
            .all(|s| s.0 >= found.at.min(r.earlier[0].end.unwrap()) && s.1 <= second)
    );
    // The sites without failover count the first runs too, as the metric.
    let w = without_failover(&f, 0, &r);
    assert_eq!(w.peak.0, r.metrics.peak_sites_without_failover);
    let first_runs: i64 = r.earlier.iter().flat_map(|s| &s.exposure).map(|(a, b)| b - a).sum();
    assert!(first_runs > 0, "the canary's first run was without failover a while");
    let all: i64 = r.all_runs().flat_map(|s| &s.exposure).map(|(a, b)| b - a).sum();
    let drawn: i64 = w.steps.windows(2).map(|p| (p[1].0 - p[0].0) * p[0].1 as i64).sum();
    assert_eq!(drawn, all, "site-time without failover drawn, every run counted");
    let text = svg_text(&renders(&g, "gantt-defect"));
    assert!(text.contains("back on the old version"), "{text}");
    assert!(text.contains("waiting for the fixed version"), "{text}");
    assert!(text.contains(&g.stops[0].label), "{text}");
    if r.metrics.outcome == cutover::fleet::table::Outcome::Done {
        assert!(g.title.contains("resumed after the version's defect"), "{}", g.title);
    }
    // The caption says what the marks are, and that this is one run.
    let captions = cutover::report::fleet::chart_captions(&f, std::slice::from_ref(&r));
    let gantt_caption = &captions[0].1;
    assert!(gantt_caption.contains("replication 0 of runs.csv"), "{gantt_caption}");
    assert!(gantt_caption.contains("wait for the fixed version"), "{gantt_caption}");
    // 200 sites in lanes of waves: the first wave's sites back on the old
    // version between their two runs are counted so.
    let f = fleet(&format!(
        "{}\n{DEFECTIVE}",
        two_hundred().replace("stop_on = [\"aborted\"]", "stop_on = [\"defect_found\"]")
    ));
    let r = run(&f, 0, 0);
    assert!(r.resumed_at.is_some());
    let g = gantt(&f, 0, &r);
    let cutover::report::fleet::LaneBody::Stack { columns } = &g.lanes[0].body else {
        panic!("stacked lanes")
    };
    let back = Phase::ALL.iter().position(|p| *p == Phase::Recovered).unwrap();
    assert!(
        columns.iter().any(|c| c[back] > 0),
        "the canaries are back on the old version a while"
    );
    assert!(
        columns
            .iter()
            .all(|c| c.iter().sum::<u32>() as usize == g.lanes[0].sites)
    );
    let text = svg_text(&renders(&g, "gantt-200-defect"));
    assert!(text.contains("back on the old version"), "{text}");
}
