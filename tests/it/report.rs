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
    assert!(tails.contains("| blue-green ‡ | high | aborted in "), "{tails}");
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
    assert!(slot.contains("- P(in preferred window): "), "{slot}");
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
    // No downtime in any run for the DNS and NAT swings: a tie.
    assert!(
        line("downtime_s").ends_with("  tie (failover-async-dns, failover-async-nat)"),
        "{t}"
    );
    assert!(line("exposure_s").ends_with("  failover-sync-one-window"), "{t}");
    // The custom runbook varies the built-in asynchronous upgrade by doing
    // it in one night: more latent defects escape, and an escaped defect's
    // restore takes the serving appliance down (the site down), so its
    // downtime is clearly above the built-in one's in these 100 runs.
    let sc = shipped("custom-runbook");
    let t = table(&sc, 100);
    let line = |m: &str| t.lines().find(|l| l.starts_with(m)).unwrap().trim_end().to_string();
    assert!(line("downtime_s").ends_with("  failover-async-nat"), "{t}");
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
