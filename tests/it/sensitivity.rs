//! What would change the decision: a break-even computed by hand and found
//! by bisection, the tornado chart and the findings of that case, and the
//! command line (the default report's section and chart, `sensitivity.csv`,
//! `--no-sensitivity`, `--no-charts`, thread counts, a default end the
//! scenario refuses). Each command-line test works in its own temporary folder.

use std::path::Path;
use std::process::Output;
use std::sync::atomic::AtomicBool;

use cutover::report::chart::{Chart, png_size, render, render_svg};
use cutover::scenario::Scenario;
use cutover::scenario::sensitivity::Input;
use cutover::study::sensitivity::{End, Plan, Sensitivity};

use crate::cutover;
use crate::runbooks::PAIR;

fn ok(o: &Output) {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// The hand-computed pair (tests/it/runbooks.rs, constant durations, no
/// workload) with `data_gb` GB and a shared-IP gap of 50 minutes, comparing
/// the synchronous upgrade with the asynchronous one over the shared IP,
/// downtime the only priority, any difference of it deciding (no minute of
/// materiality); the upgrade failure (random) off.
///
/// Downtime of `failover-sync`: A's upgrade, base 10m + reboot 5m + backup
/// 3m + product 20m + 6 s per GB = 2,280 s + 6 s × GB. Of
/// `failover-async-shared-ip`: the gap, 3,000 s, whatever the data. They
/// are equal at 720 / 6 = 120 GB; at a tie the first listed (sync) stays.
fn break_even_pair(data_gb: u32) -> String {
    let pair = PAIR
        .replace("shared_ip_gap = \"20s\"", "shared_ip_gap = \"50m\"")
        .replace("data_gb = 100", &format!("data_gb = {data_gb}"));
    assert_ne!(pair, PAIR);
    format!(
        "strategies = [\"failover-sync\", \"failover-async-shared-ip\"]\n{pair}\n[priorities]\norder = [\"downtime_s\"]\nnegligible = {{ downtime_s = 0 }}\n\n[sensitivity]\nruns = 3\ninputs = {{ \"faults.upgrade_failure\" = false }}\n"
    )
}

fn study(text: &str, workers: usize) -> Sensitivity {
    let sc = crate::scenario(text);
    let plan = Plan::new(text, "pair.toml", &sc, &sc.strategies, 0, 1, 1000).unwrap();
    plan.run(&sc, workers, &AtomicBool::new(false), &mut |_, _| {})
        .unwrap()
        .unwrap()
}

#[test]
fn bisection_finds_the_break_even_computed_by_hand_on_either_side() {
    // From 100 GB the high end (200 GB) changes the recommendation; from
    // 200 GB the low end (100 GB) does. Five steps on a log scale over a
    // factor of 2 leave the change within a factor of 2^(1/32).
    for (base, above, pick, other) in [
        (100, true, "failover-sync", "failover-async-shared-ip"),
        (200, false, "failover-async-shared-ip", "failover-sync"),
    ] {
        let s = study(&break_even_pair(base), 2);
        assert_eq!(s.runs, 3);
        assert_eq!(s.strategies[s.base.pick()], pick, "as given, {base} GB");
        let data = &s.swings[0];
        assert_eq!(data.swing.input, Input::DataGb);
        assert_eq!(
            (data.swing.low, data.swing.high),
            (base as f64 / 2.0, base as f64 * 2.0)
        );
        // The ends by hand: sync 2,280 + 6 × GB, async 3,000, in every run.
        let sync = |gb: f64| 2280.0 + 6.0 * gb;
        assert_eq!(data.low.means[0][0], (3, sync(base as f64 / 2.0)));
        assert_eq!(data.high.means[0][0], (3, sync(base as f64 * 2.0)));
        assert_eq!(data.high.means[1][0], (3, 3000.0));
        assert_eq!(data.breaks.len(), 1, "{base} GB: one side changes");
        let (end, b) = &data.breaks[0];
        assert_eq!((*end, b.above), (if above { End::High } else { End::Low }, above));
        assert_eq!(b.steps.len(), 5);
        assert_eq!(s.strategies[b.at.pick()], other);
        let (lo, hi) = if above { (b.inner, b.outer) } else { (b.outer, b.inner) };
        assert!(lo <= 120.0 && 120.0 < hi, "{base} GB: the change lies in [{lo}, {hi})");
        assert!(hi / lo <= 2f64.powf(1.0 / 32.0) + 1e-12, "resolution: {lo} to {hi}");
        // Each step's recommendation is the hand's: sync up to 120 GB.
        for p in &b.steps {
            let want = if p.value <= 120.0 {
                "failover-sync"
            } else {
                "failover-async-shared-ip"
            };
            assert_eq!(s.strategies[p.pick()], want, "at {} GB", p.value);
        }
        // Nothing else changes it: the interim and the MTBF leave both
        // downtimes alone; DNS, the failure and the workload are not swung.
        let f = s.findings();
        let steady: Vec<Input> = f.steady.iter().map(|x| x.input).collect();
        assert_eq!(steady, [Input::Interim, Input::Mtbf]);
        let skipped: Vec<Input> = f.skipped.iter().map(|x| x.0).collect();
        assert_eq!(skipped, [Input::DnsTtl, Input::UpgradeFailure, Input::Workload]);
        let sentence = &f.sentences()[0];
        let side = if above { "Above" } else { "Below" };
        assert!(
            sentence.starts_with(&format!("{side} about 120 GB of stored data (between "))
                && sentence.ends_with(&format!("**{other}** becomes the better choice (on downtime).")),
            "{sentence}"
        );
    }
}

#[test]
fn the_tornado_of_the_hand_made_case_marks_the_change() {
    let s = study(&break_even_pair(100), 1);
    let t = s.tornado();
    assert_eq!(
        (t.metric.as_str(), t.strategy.as_str(), t.base),
        ("downtime_s", "failover-sync", 2880.0)
    );
    // The widest swing first: the data (2,580 s to 3,480 s), then the
    // inputs that move nothing.
    assert_eq!(t.bars[0].input, Input::DataGb);
    assert_eq!(t.bars[0].means, (2580.0, 3480.0));
    assert_eq!(t.bars[0].flips.len(), 1);
    assert!(t.bars[0].flips[0].1, "on the high side");
    assert!(
        t.bars[1..]
            .iter()
            .all(|b| b.flips.is_empty() && b.means == (2880.0, 2880.0))
    );
    let svg = render_svg(&t).unwrap();
    for words in [
        "Downtime of failover-sync, each input swung alone (3 runs per point)",
        "The recommendation (failover-sync) changes at 1 of 6 ends",
        "changes to failover-async-shared-ip above about 120 GB",
        "stored data",
        "50 GB to 200 GB (as given 100 GB)",
        "200 GB: 58 min",
        "recommendation changes",
    ] {
        assert!(svg.contains(words), "the chart lacks {words:?}");
    }
    let r = render(&t).unwrap();
    assert_eq!(png_size(&r.png), Some(t.size()));
}

#[test]
fn the_study_and_its_files_do_not_depend_on_the_thread_count() {
    let text = break_even_pair(100);
    let one = study(&text, 1);
    for workers in [2, 3] {
        let other = study(&text, workers);
        assert_eq!(other.rows(), one.rows(), "{workers} workers");
        assert_eq!(
            render_svg(&other.tornado()).unwrap(),
            render_svg(&one.tornado()).unwrap()
        );
    }
}

fn read(dir: &Path, f: &str) -> Vec<u8> {
    std::fs::read(dir.join(f)).unwrap_or_else(|e| panic!("{}/{f}: {e}", dir.display()))
}

fn manifest_files(dir: &Path) -> Vec<String> {
    let m: serde_json::Value = serde_json::from_slice(&read(dir, "manifest.json")).unwrap();
    m["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f[0].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_default_report_says_what_would_change_the_decision() {
    let tmp = tempfile::tempdir().unwrap();
    let o = cutover(tmp.path(), &["report", "--runs", "20", "--out", "rep"]);
    ok(&o);
    // The cost is said before the study runs.
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("sensitivity: 13 points × 5 strategies × 20 runs = 1,300 simulations"),
        "{err}"
    );
    let rep = tmp.path().join("rep");
    let md = String::from_utf8(read(&rep, "report.md")).unwrap();
    let section = &md[md.find("## What would change the decision\n").expect("the section")..];
    let section = &section[..section.find("\n## Charts").unwrap()];
    assert!(
        section.contains("within its range") && section.contains("the DNS TTL (20 s to 24 h)"),
        "{section}"
    );
    assert!(
        section.contains("each point is the mean of 20 runs per strategy"),
        "{section}"
    );
    // The chart: in the report, and as files listed in the manifest.
    assert!(md.contains("](charts/sensitivity-downtime_s.png)"));
    let png = read(&rep, "charts/sensitivity-downtime_s.png");
    assert_eq!(png_size(&png).map(|s| s.0), Some(1140));
    let html = String::from_utf8(read(&rep, "report.html")).unwrap();
    assert!(html.contains("<h2>What would change the decision</h2>"));
    assert!(html.contains("Downtime of failover-async-dns, each input swung alone (20 runs per point)"));
    let files = manifest_files(&rep);
    for f in [
        "sensitivity.csv",
        "charts/sensitivity-downtime_s.png",
        "charts/sensitivity-downtime_s.svg",
    ] {
        assert!(files.iter().any(|x| x == f), "the manifest lacks {f}: {files:?}");
    }
    let csv = String::from_utf8(read(&rep, "sensitivity.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("input,unit,end,step,value,strategy,metric,n,mean,recommended")
    );
    // The scenario as given is the comparison's first runs, with its
    // seeds: the same means as summary.csv (20 runs each here).
    let summary = String::from_utf8(read(&rep, "summary.csv")).unwrap();
    let mut checked = 0;
    for line in lines.take_while(|l| l.starts_with("site.data_gb,GB,base,")) {
        let cells: Vec<&str> = line.split(',').collect();
        let (strategy, metric, mean) = (cells[5], cells[6], cells[8]);
        let row = summary
            .lines()
            .find(|l| l.starts_with(&format!("{strategy},all,{metric},20,")))
            .unwrap_or_else(|| panic!("summary.csv has no {strategy} {metric}"));
        assert_eq!(row.split(',').nth(4), Some(mean), "{line}");
        checked += 1;
    }
    assert_eq!(checked, 5 * 7, "five strategies, seven priorities");
    // Without the study: no file, and the section says so.
    let o = cutover(
        tmp.path(),
        &["report", "--runs", "20", "--quiet", "--no-sensitivity", "--out", "bare"],
    );
    ok(&o);
    let bare = tmp.path().join("bare");
    assert!(!bare.join("sensitivity.csv").exists());
    let md = String::from_utf8(read(&bare, "report.md")).unwrap();
    assert!(
        md.contains("## What would change the decision\n\nNot studied: "),
        "{md}"
    );
}

#[test]
fn compare_writes_the_study_unless_told_not_to() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let o = cutover(t, &["compare", "--runs", "10", "--out", "c"]);
    ok(&o);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("\nWhat would change it: "), "{out}");
    assert!(out.contains("wrote c/{runs,summary,diff,sensitivity}.csv"), "{out}");
    let c = t.join("c");
    let csv = read(&c, "sensitivity.csv");
    let png = read(&c, "charts/sensitivity-downtime_s.png");
    // One thread or two: the same bytes.
    ok(&cutover(
        t,
        &["compare", "--runs", "10", "--threads", "1", "--quiet", "--out", "one"],
    ));
    assert!(read(&t.join("one"), "sensitivity.csv") == csv);
    assert!(read(&t.join("one"), "charts/sensitivity-downtime_s.png") == png);
    // --no-charts keeps the numbers; --no-sensitivity drops both, and a
    // rerun into the folder removes what the previous one wrote.
    ok(&cutover(
        t,
        &["compare", "--runs", "10", "--quiet", "--no-charts", "--out", "c"],
    ));
    assert!(c.join("sensitivity.csv").is_file() && !c.join("charts").exists());
    ok(&cutover(
        t,
        &["compare", "--runs", "10", "--quiet", "--no-sensitivity", "--out", "c"],
    ));
    assert!(!c.join("sensitivity.csv").exists());
    assert!(!manifest_files(&c).iter().any(|f| f.contains("sensitivity")));
    // A shard is part of a study: it makes none.
    ok(&cutover(
        t,
        &["compare", "--runs", "10", "--quiet", "--shard", "1/2", "--out", "s1"],
    ));
    assert!(!t.join("s1/sensitivity.csv").exists());
}

#[test]
fn an_end_the_scenario_refuses_is_left_out_by_default_and_refused_when_stated() {
    // Crashes on a single appliance with a 90 s MTBF: the default low end,
    // 45 s, is below the 60 s a site may crash at most. The comparison
    // goes on without the MTBF, and the report says why.
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let text = "[site]\nkind = \"single\"\n[faults]\ncrashes = true\nmtbf = \"90s\"\n";
    std::fs::write(t.join("s.toml"), text).unwrap();
    ok(&cutover(
        t,
        &["report", "s.toml", "--runs", "3", "--quiet", "--out", "c"],
    ));
    let csv = String::from_utf8(read(&t.join("c"), "sensitivity.csv")).unwrap();
    assert!(!csv.contains("faults.mtbf"), "{csv}");
    let md = String::from_utf8(read(&t.join("c"), "report.md")).unwrap();
    assert!(
        md.contains("and the crash MTBF (its default low end, 45 s, is not a valid scenario (faults.mtbf: 45s per node on 1 nodes makes a crash"),
        "{md}"
    );
    // A range the scenario states is checked before anything is written.
    let stated = format!("{text}[sensitivity]\ninputs = {{ \"faults.mtbf\" = [\"30s\", \"1h\"] }}\n");
    std::fs::write(t.join("s.toml"), stated).unwrap();
    let o = cutover(t, &["compare", "s.toml", "--runs", "3", "--out", "d"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with("error: sensitivity: the low end of faults.mtbf (30 s, from [sensitivity]) makes an invalid scenario:\ns.toml with faults.mtbf = 30 s: faults.mtbf: "),
        "{err}"
    );
    assert!(!t.join("d").exists());
    ok(&cutover(
        t,
        &[
            "compare",
            "s.toml",
            "--runs",
            "3",
            "--quiet",
            "--no-sensitivity",
            "--out",
            "d",
        ],
    ));
    let ranged = format!("{text}[sensitivity]\ninputs = {{ \"faults.mtbf\" = [\"60s\", \"1h\"] }}\n");
    std::fs::write(t.join("s.toml"), ranged).unwrap();
    ok(&cutover(
        t,
        &["compare", "s.toml", "--runs", "3", "--quiet", "--out", "e"],
    ));
    let csv = String::from_utf8(read(&t.join("e"), "sensitivity.csv")).unwrap();
    assert!(csv.contains("\nfaults.mtbf,s,low,0,60.000,single,"), "{csv}");
}

#[test]
fn a_scenario_with_one_strategy_says_nothing_can_change_it() {
    let sc = Scenario::parse("[site]\nkind = \"single\"\n", "s.toml", "s").unwrap();
    let plan = Plan::new("[site]\nkind = \"single\"\n", "s.toml", &sc, &sc.strategies, 0, 1, 4).unwrap();
    let s = plan
        .run(&sc, 1, &AtomicBool::new(false), &mut |_, _| {})
        .unwrap()
        .unwrap();
    let f = s.findings();
    assert_eq!(f.sentences().len(), 1);
    assert!(f.sentences()[0].starts_with("Only one strategy was compared"));
    assert!(s.swings.iter().all(|r| r.breaks.is_empty()));
}
