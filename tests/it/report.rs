//! The change-board report's text, from studies run through the library
//! (no charts, so it stays fast): intervals within what each metric can
//! be, the bottom line and the priorities, tails, thresholds, the window
//! fit and risk classes, faults and aborted runs, each site kind's story,
//! and the printed table's ties.

use std::path::PathBuf;

use cutover::montecarlo::{Aggregator, run_range};
use cutover::report::page::{self, ReportInput};
use cutover::report::terminal;
use cutover::runbook::Runbook;
use cutover::scenario::Scenario;

use crate::{scenario, scenario_file};

fn shipped(name: &str) -> Scenario {
    scenario_file(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/{name}.toml")))
}

fn shipped_text(name: &str) -> String {
    std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/{name}.toml"))).unwrap()
}

/// `runs` replications of every strategy of `sc`, the first the baseline.
fn study(sc: &Scenario, runs: u64) -> Aggregator {
    let rbs: Vec<&Runbook> = sc.strategies.iter().map(|s| sc.runbook(s).unwrap()).collect();
    let mut agg = Aggregator::new(sc.strategies.clone(), 0, &sc.thresholds);
    for rep in run_range(sc, &rbs, sc.seed, 0..runs) {
        agg.push(&rep.values);
    }
    agg
}

/// The Markdown and HTML reports of `runs` replications.
fn report(sc: &Scenario, runs: u64) -> (String, String) {
    let agg = study(sc, runs);
    let input = ReportInput {
        scenario: sc,
        scenario_sha256: "0".repeat(64),
        version: "test".into(),
        seed: sc.seed,
        agg: &agg,
        charts: Vec::new(),
        sensitivity: None,
        calendar: Vec::new(),
        regions: Vec::new(),
    };
    (page::markdown(&input), page::html(&input))
}

/// The printed table and bottom line of the same study.
fn table(sc: &Scenario, runs: u64) -> String {
    let agg = study(sc, runs);
    let t = terminal::comparison(
        agg.strategies(),
        &agg.summary(),
        &agg.all_pairs(),
        &sc.priorities.negligible,
        &sc.site,
    );
    t + &terminal::bottom_line(sc, &agg)
}

/// The text of one `## ` section, up to the next.
fn section<'a>(md: &'a str, title: &str) -> &'a str {
    let start = md
        .find(&format!("## {title}\n"))
        .unwrap_or_else(|| panic!("no section {title}:\n{md}"));
    let rest = &md[start + 3..];
    &md[start..start + 3 + rest.find("\n## ").unwrap_or(rest.len())]
}

#[test]
fn intervals_never_leave_what_a_metric_can_be() {
    // Every shipped scenario: a metric that cannot be negative has an
    // interval that does not go below zero, and shares stay within [0, 1].
    for name in [
        "single",
        "failover-pair",
        "custom-runbook",
        "horizon-pod",
        "atlas-standalone",
        "atlas-3-regions",
    ] {
        let sc = shipped(name);
        let agg = study(&sc, 40);
        for r in agg.summary() {
            let what = format!("{name} {} {}", r.strategy, r.metric);
            assert!(
                r.ci95_low <= r.mean + 1e-9 && r.mean <= r.ci95_high + 1e-9,
                "{what}: {r:?}"
            );
            if r.min >= 0.0 {
                assert!(r.ci95_low >= 0.0, "{what}: {r:?}");
            }
            let m = cutover::metrics::find(r.metric).unwrap();
            if m.unit == cutover::metrics::Unit::Flag {
                assert!(r.ci95_high <= 1.0, "{what}: {r:?}");
            }
        }
        let (md, _) = report(&sc, 40);
        assert!(!md.contains("[-"), "{name}: a negative bound\n{md}");
    }
    // "0.0 %" of 1,000 runs is said with its bound.
    assert_eq!(page::share_of_runs(0, 1000), "0 of 1,000 (< 0.3 %)");
    assert_eq!(page::share_of_runs(1000, 1000), "1,000 of 1,000 (> 99.7 %)");
    assert_eq!(page::share_of_runs(5, 20), "5 of 20 (25 % [8.7 %, 49 %])");
    // The default's window overrun, zero in most runs: 3 s [-3 s, 8 s]
    // with Student's t, now within [0, max].
    let sc = Scenario::default_scenario();
    let agg = study(&sc, 50);
    let r = agg
        .summary()
        .into_iter()
        .find(|r| r.strategy == "failover-sync-one-window" && r.metric == "window_overrun_s")
        .unwrap();
    assert!(
        r.mean > 0.0 && r.mean - r.sd * 2.0 / 50f64.sqrt() < 0.0 && r.ci95_low >= 0.0,
        "{r:?}"
    );
}

#[test]
fn the_report_opens_with_the_bottom_line_for_the_priorities() {
    let sc = Scenario::default_scenario();
    let (md, html) = report(&sc, 100);
    let first = md.lines().find(|l| l.starts_with("## ")).unwrap();
    assert_eq!(first, "## Bottom line");
    let bottom = section(&md, "Bottom line");
    assert!(bottom.contains("**Recommended: failover-async-dns.**"), "{bottom}");
    assert!(bottom.contains("What it costs: exposure"), "{bottom}");
    assert!(bottom.contains("its risk class is"), "{bottom}");
    assert!(bottom.contains("the default order"), "{bottom}");
    assert!(
        html.contains("<h2>Bottom line</h2>\n<p class=\"bottom\"><strong>Recommended: failover-async-dns.</strong>")
    );
    // The printed table ends with the same recommendation.
    assert!(table(&sc, 100).contains("\nBottom line: Recommended: failover-async-dns."));

    // Exposure first: the synchronous upgrade in one window, and the per-goal
    // recommendations that differ say so.
    let text = format!(
        "{}\n[priorities]\norder = [\"exposure_s\", \"downtime_s\"]\n",
        shipped_text("failover-pair")
    );
    let sc = scenario(&text);
    let (md, _) = report(&sc, 100);
    let bottom = section(&md, "Bottom line");
    assert!(
        bottom.contains("**Recommended: failover-sync-one-window.**"),
        "{bottom}"
    );
    assert!(bottom.contains("Your first priority is exposure"), "{bottom}");
    assert!(bottom.contains("What it costs: downtime"), "{bottom}");
    assert!(bottom.contains("the scenario's `[priorities]`"), "{bottom}");
    let goals = section(&md, "Recommendation by goal");
    let downtime = goals.lines().find(|l| l.starts_with("- Least downtime")).unwrap();
    assert!(
        downtime.contains(
            "The bottom line recommends failover-sync-one-window instead: your priorities put exposure before downtime."
        ),
        "{downtime}"
    );
}

#[test]
fn tails_thresholds_window_fit_and_risk_classes() {
    let sc = Scenario::default_scenario();
    let (md, _) = report(&sc, 100);
    let tails = section(&md, "Tails: median, p95 and worst case");
    assert!(tails.contains("| median / p95 / worst |"), "{tails}");
    assert!(
        tails.contains("| P(downtime > 15 min) | 100 of 100 (> 97 %) |"),
        "{tails}"
    );
    assert!(tails.contains("### Fit in the maintenance window"), "{tails}");
    assert!(tails.contains("| runs that overrun the window |"), "{tails}");
    assert!(tails.contains("### Risk class"), "{tails}");
    assert!(tails.contains("These are the defaults"), "{tails}");
    // The default's exposure risk, about 0.56 %, is rare; of high impact:
    // moderate.
    assert!(
        tails.contains("| failover-async-dns | moderate | exposure risk 0.56 %: rare, high impact |"),
        "{tails}"
    );

    // A window too short for the procedure: a warning, and with the
    // scenario's matrix (an overrun of high impact) a high risk.
    let text = shipped_text("single").replace("length = \"4h\"", "length = \"1h\"")
        + "\n[risk]\nimpact = { window_overrun_s = \"high\" }\n";
    let sc = scenario(&text);
    let (md, _) = report(&sc, 60);
    let tails = section(&md, "Tails: median, p95 and worst case");
    assert!(tails.contains("the p95 procedure does not fit."), "{tails}");
    assert!(
        tails.contains("**Warning:** single does not fit its window in 1 run of 20 or more: its p95 overrun is"),
        "{tails}"
    );
    assert!(tails.contains("| single | high | window overrun in "), "{tails}");
    assert!(tails.contains(": likely, high impact |"), "{tails}");
    assert!(tails.contains("The scenario sets them in `[risk]`."), "{tails}");
}

#[test]
fn faults_are_surfaced_and_aborted_runs_kept_apart() {
    // No fault in the default: no section.
    let (md, _) = report(&Scenario::default_scenario(), 40);
    assert!(!md.contains("## Faults"));
    // Faults on: each one that happened, in the report and the table.
    let sc = shipped("custom-runbook");
    let (md, _) = report(&sc, 200);
    let faults = section(&md, "Faults");
    for fault in ["| rollbacks |", "| crashes |", "| records lost |"] {
        assert!(faults.contains(fault), "{fault}: {faults}");
    }
    let t = table(&sc, 200);
    assert!(t.lines().any(|l| l.starts_with("rollbacks ")), "{t}");
    // Latent defects: found, escaped and fallen back from, the same way.
    let text = shipped_text("failover-pair").replace("[faults]", "[faults]\nlatent_defect = 0.3");
    let sc = scenario(&text);
    let (md, _) = report(&sc, 60);
    let faults = section(&md, "Faults");
    for fault in ["| defects found |", "| defect escaped |", "| fallbacks |"] {
        assert!(faults.contains(fault), "{fault}: {faults}");
    }
    let t = table(&sc, 60);
    for row in ["defect_escaped ", "defects_found ", "fallbacks "] {
        assert!(t.lines().any(|l| l.starts_with(row)), "{row}: {t}");
    }
    // Prechecks that are never fixed in time: aborted runs are counted,
    // their figures reported apart, the tables over the completed runs.
    let text = shipped_text("horizon-pod")
        .replace("precheck_failure = 0.1", "precheck_failure = 0.5")
        .replace("precheck_deadline = \"2d\"", "precheck_deadline = \"1h\"");
    let sc = scenario(&text);
    let (md, _) = report(&sc, 60);
    let faults = section(&md, "Faults");
    assert!(faults.contains("| aborted | "), "{faults}");
    assert!(faults.contains("**blue-green**: aborted in "), "{faults}");
    assert!(faults.contains("they are kept apart"), "{faults}");
    assert!(faults.contains("(lower bounds)"), "{faults}");
    let key = section(&md, "Key results");
    assert!(key.contains("| metric | blue-green ‡ |"), "{key}");
    assert!(
        key.contains("‡ Over the completed runs only: blue-green was aborted in "),
        "{key}"
    );
    // The abort sets the risk class: likely, of high impact.
    let tails = section(&md, "Tails: median, p95 and worst case");
    let row = tails
        .lines()
        .find(|l| l.starts_with("| blue-green ‡ | high |"))
        .expect("a high class");
    assert!(row.contains("aborted in "), "{row}");
    let t = table(&sc, 60);
    assert!(t.contains("\naborted: blue-green in "), "{t}");
}

#[test]
fn each_site_kind_tells_its_own_story() {
    // A pod: its slot, the notice, the sessions that lose work; no word of
    // failover; one strategy (the shipped scenario's blue-green alone, not
    // its remedy runbook), so no comparison between strategies.
    let mut pod = shipped("horizon-pod");
    pod.strategies.retain(|s| s == "blue-green");
    pod.runbooks.retain(|r| r.name == "blue-green");
    let (md, html) = report(&pod, 60);
    let slot = section(&md, "The maintenance slot");
    // The slot in the preferred window is an assumption read back, not a
    // finding; the missed slots' hours are.
    assert!(
        slot.contains("- The preferred window, sat 02:00 UTC: an assumption, not a finding. miss_probability = 0.15 comes from the scenario"),
        "{slot}"
    );
    assert!(!slot.contains("P(in preferred window)"), "{slot}");
    assert!(slot.contains("- Missed slots ("), "{slot}");
    assert!(
        slot.contains("- Notice: users are told when the slot is scheduled, at least 7d ahead"),
        "{slot}"
    );
    assert!(slot.contains("- Sessions that lose work: "), "{slot}");
    for text in [&md, &html] {
        assert!(!text.to_lowercase().contains("failover"), "{md}");
        assert!(
            !text.contains("every strategy") && !text.contains("No clear difference"),
            "{md}"
        );
        assert!(!text.contains("Recommendation by goal"));
    }
    assert!(md.contains("the only strategy compared"));
    // A single appliance: no failover, no slot.
    let (md, _) = report(&shipped("single"), 40);
    assert!(!md.to_lowercase().contains("failover"), "{md}");
    assert!(!md.contains("## The maintenance slot"));
    assert!(!md.contains("every strategy"), "{md}");
    // Assumptions only where they apply: no upgrade error rates with
    // faults off, and they are there with faults on.
    let (md, _) = report(&Scenario::default_scenario(), 40);
    assert!(!section(&md, "Assumptions and sources").contains("Upgrade error rates"));
    assert!(section(&md, "Not simulated").contains("Failed upgrades and rollbacks (`faults.upgrade_failure` is 0)"));
    let glossary = section(&md, "Glossary");
    for word in [
        "**run**",
        "**95% interval**",
        "**tie**",
        "**risk class**",
        "**downtime** (`downtime_s`)",
    ] {
        assert!(glossary.contains(word), "{word}: {glossary}");
    }
    let (md, _) = report(&shipped("custom-runbook"), 40);
    assert!(section(&md, "Assumptions and sources").contains("Upgrade error rates"));
    assert!(!section(&md, "Not simulated").contains("Failed upgrades"));
}

#[test]
fn the_table_names_a_best_strategy_only_when_the_difference_is_clear() {
    let t = table(&Scenario::default_scenario(), 100);
    let line = |m: &str| t.lines().find(|l| l.starts_with(m)).unwrap().trim_end().to_string();
    // No downtime in any run for the DNS and NAT swings, and 22 s for the
    // shared IP: less than a minute apart, a tie.
    assert!(
        line("downtime_s").ends_with("  tie (failover-async-shared-ip, failover-async-dns, failover-async-nat)"),
        "{t}"
    );
    assert!(line("exposure_s").ends_with("  failover-sync-one-window"), "{t}");
    // The custom runbook: the one-window procedures keep the exposure to
    // hours, clearly; the two asynchronous ones' downtimes, within minutes
    // of each other in 100 runs of faults, are not told apart.
    let sc = shipped("custom-runbook");
    let t = table(&sc, 100);
    let line = |m: &str| t.lines().find(|l| l.starts_with(m)).unwrap().trim_end().to_string();
    assert!(line("exposure_s").ends_with("  failover-sync-one-window"), "{t}");
    assert!(
        line("downtime_s").ends_with("  tie (failover-async-nat, async-nat-one-night)"),
        "{t}"
    );
    assert!(!t.contains("lowest"));
}

#[test]
fn a_pod_bottom_line_weighs_lost_work_by_default() {
    // Both pod strategies have the same cutover: downtime and dropped
    // sessions tie, and the vendor's remedy (a logoff policy raised for the
    // maintenance) saves the work of most disconnected sessions.
    let sc = shipped("horizon-pod");
    let (md, _) = report(&sc, 100);
    let bottom = section(&md, "Bottom line");
    assert!(bottom.contains("**Recommended: blue-green-logoff-2h.**"), "{bottom}");
    assert!(bottom.contains("lost work sessions"), "{bottom}");
}

/// The strategy names a sentence holds, among `names` (longest first, so
/// `failover-sync` is not read inside `failover-sync-one-window`).
fn named_in(text: &str, names: &[String]) -> Vec<String> {
    let mut sorted: Vec<&String> = names.iter().collect();
    sorted.sort_by_key(|n| std::cmp::Reverse(n.len()));
    let mut rest = text.to_string();
    let mut out = Vec::new();
    for n in sorted {
        if rest.contains(n.as_str()) {
            out.push(n.clone());
            rest = rest.replace(n.as_str(), "");
        }
    }
    out
}

/// Regression: "Least work outside the window: failover-sync, …,
/// failover-async-dns and failover-async-nat … Trade-off: their downtime is
/// 57.0 min where failover-async-dns has 0 min" named one strategy on both
/// sides of one contrast. In every shipped scenario's report, the side
/// that wins a goal (or ties in the bottom line) and the strategy it is
/// set against are apart.
#[test]
fn no_contrast_names_a_strategy_on_both_sides() {
    for name in [
        "failover-pair",
        "custom-runbook",
        "single",
        "horizon-pod",
        "atlas-3-regions",
        "atlas-standalone",
    ] {
        let sc = shipped(name);
        let (md, _) = report(&sc, 60);
        let names = &sc.strategies;
        let mut checked = 0;
        let bottom = section(&md, "Bottom line");
        for clause in bottom.split("; ") {
            // "A and B tie …, against X for C": C is not A or B.
            if let Some((tie, against)) = clause.split_once(" tie")
                && let Some((_, runner)) = against.split_once(" for ")
            {
                let left = named_in(tie, names);
                let right = named_in(runner.split([',', '.', ';']).next().unwrap_or(""), names);
                assert!(right.iter().all(|r| !left.contains(r)), "{name}: {clause}");
                checked += 1;
            }
        }
        if names.len() > 1 {
            for line in section(&md, "Recommendation by goal")
                .lines()
                .filter(|l| l.starts_with("- "))
            {
                let (winners, rest) = line.split_once(": mean").unwrap_or((line, ""));
                let winners = named_in(winners, names);
                for (marker, upto) in [(" against ", '.'), (" where ", ' ')] {
                    if let Some((_, after)) = rest.split_once(marker) {
                        let part = if marker == " where " {
                            after.split(" has ").next().unwrap_or("")
                        } else {
                            after.split(upto).next().unwrap_or("")
                        };
                        let other = named_in(part, names);
                        assert!(other.iter().all(|o| !winners.contains(o)), "{name}: {line}");
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 0 || names.len() == 1, "{name}: no contrast read");
    }
}

/// The board's limits decide: the default scenario's recommendation goes
/// over its 24 h exposure limit in every run (no strategy keeps within all
/// three limits), and the bottom line says so with the share; a limit the
/// recommendation would break puts a strategy within it first.
#[test]
fn the_bottom_line_names_the_limits_the_pick_breaks() {
    let sc = shipped("failover-pair");
    let (md, _) = report(&sc, 60);
    let bottom = section(&md, "Bottom line");
    assert!(bottom.contains("**Recommended: failover-async-dns.**"), "{bottom}");
    assert!(
        bottom.contains("goes over your exposure limit of 24 h in 60 of 60"),
        "{bottom}"
    );
    assert!(bottom.contains("no strategy keeps within all your limits"), "{bottom}");
    // Only the exposure limit: failover-sync-one-window alone keeps within
    // it (2.4 h), so it is recommended whatever downtime it costs, and the
    // others are named with their breach.
    let text = shipped_text("failover-pair")
        .replace("downtime_s = 900", "")
        .replace("dropped_sessions = 5\n", "");
    let sc = scenario(&text);
    let (md, _) = report(&sc, 60);
    let bottom = section(&md, "Bottom line");
    assert!(
        bottom.contains("**Recommended: failover-sync-one-window.**"),
        "{bottom}"
    );
    assert!(bottom.contains("It keeps within your limits"), "{bottom}");
    assert!(
        bottom.contains("failover-async-dns goes over your exposure limit of 24 h in 60 of 60"),
        "{bottom}"
    );
}

/// What matters: by default a minute, one session, half a percentage
/// point. In the custom runbook, the one-night runbook's 0.2 fewer dropped
/// sessions no longer decide; the escaped defects do, and the
/// recommendation states its escape and overrun risks.
#[test]
fn small_differences_are_ties_and_the_recommendation_states_its_risks() {
    let sc = shipped("custom-runbook");
    let (md, _) = report(&sc, 200);
    let bottom = section(&md, "Bottom line");
    assert!(!bottom.contains("dropped sessions (your second priority)"), "{bottom}");
    assert!(bottom.contains("**Recommended: failover-async-nat.**"), "{bottom}");
    let risk = bottom.split("its risk class is").nth(1).expect("a risk class");
    assert!(risk.contains("defect escaped in"), "{risk}");
    assert!(risk.contains("window overrun in"), "{risk}");
}

/// The number a report cell starts with, in the metric's unit as runs.csv
/// holds it (seconds, a share from 0 to 1, a count), and half the last
/// digit it shows: how far the exact value may be from it.
fn leading_number(cell: &str) -> Option<(f64, f64)> {
    let t = cell.trim();
    let end = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .unwrap_or(t.len());
    let digits = &t[..end];
    let x: f64 = digits.replace(',', "").parse().ok()?;
    let decimals = digits.split_once('.').map_or(0, |(_, d)| d.len()) as i32;
    let unit = t[end..].trim_start();
    let factor = if unit.starts_with("min") {
        60.0
    } else if unit.starts_with("h ") || unit == "h" {
        3600.0
    } else if unit.starts_with("day") || unit.starts_with("d ") || unit == "d" {
        86_400.0
    } else if unit.starts_with('%') {
        0.01
    } else {
        1.0
    };
    Some((x * factor, 0.5 * 10f64.powi(-decimals) * factor * 1.0001))
}

/// True when the exact value prints as `shown`.
fn printed_as((shown, half): (f64, f64), exact: f64) -> bool {
    (shown - exact).abs() <= half
}

/// "x of n" counts in a cell, in order.
fn counts(cell: &str) -> Vec<(u64, u64)> {
    let words: Vec<&str> = cell.split_whitespace().collect();
    let num = |w: &str| {
        w.trim_matches(|c: char| !c.is_ascii_digit())
            .replace(',', "")
            .parse::<u64>()
            .ok()
    };
    words
        .windows(3)
        .filter(|w| w[1] == "of")
        .filter_map(|w| Some((num(w[0])?, num(w[2])?)))
        .collect()
}

/// The acceptance of "one population, named": in a fault-heavy default
/// (upgrade failure 0.3, latent defects 0.2, crashes on), every mean,
/// share and percentile of report.md is the one computed from runs.csv
/// over the runs it names — the completed runs in the tables (each
/// strategy here was aborted in some), every run in the faults table and
/// for the abort itself.
#[test]
fn every_number_of_the_fault_heavy_report_recomputes_from_runs_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let text = shipped_text("failover-pair").replace(
        "mtbf = \"8760h\"",
        "mtbf = \"8760h\"\ncrashes = true\nupgrade_failure = 0.3\nlatent_defect = 0.2",
    );
    std::fs::write(tmp.path().join("heavy.toml"), text).unwrap();
    let o = crate::cutover(tmp.path(), &["report", "heavy.toml", "--runs", "200", "--out", "out"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let md = std::fs::read_to_string(tmp.path().join("out/report.md")).unwrap();
    let mut runs = csv::Reader::from_path(tmp.path().join("out/runs.csv")).unwrap();
    let head: Vec<String> = runs.headers().unwrap().iter().map(String::from).collect();
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    let rows: Vec<Vec<String>> = runs
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    let sc = shipped("failover-pair");
    // The values of `metric` for `strategy`: completed runs, or all.
    let values = |strategy: &str, metric: &str, completed: bool| -> Vec<f64> {
        rows.iter()
            .filter(|r| r[0] == strategy)
            .filter(|r| !completed || r[col("aborted")] == "0")
            .filter_map(|r| r[col(metric)].parse::<f64>().ok())
            .collect()
    };
    let metric_of = |words: &str| {
        cutover::metrics::METRICS
            .iter()
            .find(|m| m.words == words.trim())
            .unwrap_or_else(|| panic!("no metric {words:?}"))
    };
    let table = |section_text: &str, first: &str| -> Vec<Vec<String>> {
        section_text
            .lines()
            .skip_while(|l| !l.starts_with(&format!("| {first} |")))
            .skip(2)
            .take_while(|l| l.starts_with('|'))
            .map(|l| l.trim_matches('|').split(" | ").map(|c| c.trim().to_string()).collect())
            .collect()
    };
    let mut checked = 0;
    // Key results: the means, over the completed runs.
    for row in table(section(&md, "Key results"), "metric") {
        let m = metric_of(&row[0]);
        for (s, cell) in sc.strategies.iter().zip(&row[1..]) {
            let xs = values(s, m.name, true);
            if cell.contains(" of ") {
                let (x, n) = counts(cell)[0];
                assert_eq!(n, xs.len() as u64, "{}: {s}: {cell}", m.name);
                assert_eq!(
                    x,
                    xs.iter().filter(|v| **v > 0.0).count() as u64,
                    "{}: {s}: {cell}",
                    m.name
                );
            } else {
                let mean = xs.iter().sum::<f64>() / xs.len() as f64;
                let shown = leading_number(cell).unwrap();
                assert!(printed_as(shown, mean), "{}: {s}: {cell} against {mean}", m.name);
            }
            checked += 1;
        }
    }
    // Tails: median, p95 and worst, over the completed runs.
    let tails = section(&md, "Tails: median, p95 and worst case");
    for row in table(tails, "median / p95 / worst") {
        let m = metric_of(&row[0]);
        for (s, cell) in sc.strategies.iter().zip(&row[1..]) {
            let mut xs = values(s, m.name, true);
            xs.sort_by(f64::total_cmp);
            let parts: Vec<(f64, f64)> = cell.split(" / ").map(|p| leading_number(p).unwrap()).collect();
            // Nearest rank, as the quantile sketch gives it: within its
            // relative accuracy of 0.1 % (stats::Sketch), and the rounding
            // of the digits shown.
            let near = |p: f64, (shown, half): (f64, f64)| {
                let r = ((p * xs.len() as f64).ceil() as usize).clamp(1, xs.len()) - 1;
                let (lo, hi) = (xs[r.saturating_sub(1)], xs[(r + 1).min(xs.len() - 1)]);
                shown >= lo * 0.999 - half && shown <= hi * 1.001 + half
            };
            assert!(near(0.5, parts[0]), "{}: {s}: median {cell}", m.name);
            assert!(near(0.95, parts[1]), "{}: {s}: p95 {cell}", m.name);
            assert!(
                printed_as(parts[2], *xs.last().unwrap()),
                "{}: {s}: worst {cell}",
                m.name
            );
            checked += 1;
        }
    }
    // Thresholds and the window: counts of completed runs.
    for row in table(tails, "threshold") {
        let words = row[0].trim_start_matches("P(").split(" > ").next().unwrap();
        let m = metric_of(words);
        let limit = sc.thresholds.iter().find(|(n, _)| n == m.name).unwrap().1;
        for (s, cell) in sc.strategies.iter().zip(&row[1..]) {
            let xs = values(s, m.name, true);
            let over = xs.iter().filter(|v| **v > limit).count() as u64;
            assert_eq!(counts(cell)[0], (over, xs.len() as u64), "{}: {s}: {cell}", m.name);
            checked += 1;
        }
    }
    for row in table(tails, "window")
        .into_iter()
        .filter(|r| r[0].contains("overrun the window"))
    {
        for (s, cell) in sc.strategies.iter().zip(&row[1..]) {
            let xs = values(s, "window_overrun_s", true);
            let over = xs.iter().filter(|v| **v > 0.0).count() as u64;
            assert_eq!(counts(cell)[0], (over, xs.len() as u64), "{s}: {cell}");
            checked += 1;
        }
    }
    // The risk events: completed runs, the abort over every run.
    for row in table(tails, "strategy") {
        let s = row[0].trim_end_matches(" ‡");
        for event in row[2].split("; ") {
            let words = event.split(" in ").next().unwrap().split(" above ").next().unwrap();
            if event.contains(" % :") || !event.contains(" of ") {
                continue;
            }
            let m = metric_of(words);
            let all = m.name == "aborted";
            let xs = values(s, m.name, !all);
            let limit = sc.thresholds.iter().find(|(n, _)| n == m.name).map_or(0.0, |t| t.1);
            let over = xs.iter().filter(|v| **v > limit).count() as u64;
            assert_eq!(counts(event)[0], (over, xs.len() as u64), "{s}: {event}");
            assert_eq!(event.contains("completed runs"), !all, "{s}: {event}");
            checked += 1;
        }
    }
    // The faults: every run.
    for row in table(section(&md, "Faults"), "fault") {
        let m = metric_of(&row[0]);
        for (s, cell) in sc.strategies.iter().zip(&row[1..]) {
            let xs = values(s, m.name, false);
            let with = xs.iter().filter(|v| **v > 0.0).count() as u64;
            assert_eq!(counts(cell)[0], (with, 200), "{}: {s}: {cell}", m.name);
            checked += 1;
        }
    }
    assert!(checked > 150, "{checked} numbers checked");
}

/// The calendar in words: a freeze that skips the second window of a
/// two-window upgrade is named in the report, with the days it added to
/// the wait without a working failover.
#[test]
fn the_report_names_the_freeze_that_lengthened_the_wait() {
    let tmp = tempfile::tempdir().unwrap();
    let text = shipped_text("failover-pair")
        .replace(
            "start_weekday = \"mon\"",
            "start = \"2025-03-03T00:00\"\ntime_zone = \"Europe/Paris\"\nfreezes = [{ from = \"2025-03-06\", to = \"2025-03-07\", reason = \"Quarter-end audit\" }]",
        )
        .replace("start_hour = 0", "");
    std::fs::write(tmp.path().join("frozen.toml"), text).unwrap();
    let o = crate::cutover(
        tmp.path(),
        &[
            "report",
            "frozen.toml",
            "--runs",
            "20",
            "--out",
            "out",
            "--no-sensitivity",
            "--quiet",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let md = std::fs::read_to_string(tmp.path().join("out/report.md")).unwrap();
    let cal = section(&md, "The calendar");
    let sync = cal
        .lines()
        .find(|l| l.starts_with("- **failover-sync** "))
        .expect("a line per strategy");
    assert!(sync.contains("Worked in 2 windows"), "{sync}");
    assert!(
        sync.contains("Quarter-end audit") && sync.contains("added 5.0 days"),
        "{sync}"
    );
    assert!(sync.contains("without a working failover"), "{sync}");
    let one = cal
        .lines()
        .find(|l| l.starts_with("- **failover-sync-one-window** "))
        .unwrap();
    assert!(one.contains("Worked in 1 window") && !one.contains("skipped"), "{one}");
}

#[test]
fn the_report_gives_the_figures_of_the_work_around_the_upgrade_it_sets() {
    let tmp = tempfile::tempdir().unwrap();
    let plain = shipped_text("failover-pair");
    let set = format!(
        "{plain}\n[preparation]\nmanual_path = \"3d\"\ndownload = \"20m\"\n[integrations]\nby_ip = 2\nrepoint = \"15m\"\n[jump_clients]\ncount = 100\nreconnect_per_minute = 50\nupdate = \"1m\"\n"
    );
    std::fs::write(tmp.path().join("set.toml"), set).unwrap();
    std::fs::write(tmp.path().join("plain.toml"), plain).unwrap();
    let report = |name: &str| {
        let o = crate::cutover(
            tmp.path(),
            &[
                "report",
                name,
                "--runs",
                "20",
                "--out",
                &format!("{name}.out"),
                "--no-sensitivity",
                "--quiet",
            ],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        std::fs::read_to_string(tmp.path().join(format!("{name}.out")).join("report.md")).unwrap()
    };
    assert!(!report("plain.toml").contains("## Around the upgrade"));
    let md = report("set.toml");
    let s = section(&md, "Around the upgrade");
    let row = |start: &str| {
        s.lines()
            .find(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no row {start:?} in {s}"))
            .to_string()
    };
    // A constant preparation and download: 3 days, and 20 min for each of
    // the two appliances, in every run and strategy.
    assert_eq!(row("| Preparation |").matches("3.0 days / 3.0 days").count(), 5, "{s}");
    assert_eq!(row("| Downloading |").matches("40 min / 40 min").count(), 5, "{s}");
    // Integrations by IP break only where a swing moves the site to
    // another address: none for the sync methods and the shared IP.
    let gap = row("| Integration gap (added over the 2 integrations) |");
    let cells: Vec<&str> = gap.split('|').map(str::trim).filter(|c| !c.is_empty()).collect();
    assert_eq!(&cells[1..4], ["0 s / 0 s"; 3], "{gap}");
    assert!(cells[4..].iter().all(|c| *c != "0 s / 0 s"), "{gap}");
    row("| Jump Clients offline (added over the 100 clients) |");
    assert!(section(&md, "The scenario").contains("Around the upgrade: the manual update path"));
}
