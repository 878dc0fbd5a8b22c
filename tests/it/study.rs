//! Monte-Carlo studies on disk: determinism across threads and shards,
//! common random numbers, precision targets, sweeps and bad flags.

use std::path::Path;
use std::process::{Command, Output};

use crate::cutover;

fn ok(o: &Output) {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn read(dir: &Path, f: &str) -> Vec<u8> {
    std::fs::read(dir.join(f)).unwrap_or_else(|e| panic!("{}/{f}: {e}", dir.display()))
}

fn repo(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel).display().to_string()
}

const FILES: [&str; 3] = ["runs.csv", "summary.csv", "diff.csv"];

/// Rows of a CSV as maps from header to cell.
fn table(bytes: &[u8]) -> Vec<std::collections::HashMap<String, String>> {
    let mut r = csv::Reader::from_reader(bytes);
    let headers: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|rec| {
            headers
                .iter()
                .cloned()
                .zip(rec.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}

fn cell<'a>(rows: &'a [std::collections::HashMap<String, String>], keys: &[(&str, &str)], col: &str) -> &'a str {
    rows.iter()
        .find(|r| keys.iter().all(|(k, v)| r[*k] == *v))
        .unwrap_or_else(|| panic!("no row {keys:?}"))[col]
        .as_str()
}

#[test]
fn outputs_do_not_depend_on_threads_repeats_or_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let common = ["compare", "--runs", "90", "--seed", "5", "--quiet"];
    for (out, threads) in [("t1", "1"), ("t2", "2"), ("t2b", "2")] {
        let mut args = common.to_vec();
        args.extend(["--threads", threads, "--out", out]);
        ok(&cutover(t, &args));
    }
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let out = format!("s{k}");
        let mut args = common.to_vec();
        args.extend(["--threads", "2", "--shard", &shard, "--out", &out]);
        ok(&cutover(t, &args));
    }
    // Shards given in any order.
    ok(&cutover(t, &["merge", "s3", "s1", "s2", "--out", "merged"]));
    for f in FILES {
        let reference = read(&t.join("t1"), f);
        assert!(reference.len() > 200);
        for other in ["t2", "t2b", "merged"] {
            assert!(
                read(&t.join(other), f) == reference,
                "{f}: {other} differs from the one-thread run"
            );
        }
    }
    // Each shard holds its own contiguous replications: 90 / 3 = 30 × 5 strategies.
    let s2 = String::from_utf8(read(&t.join("s2"), "runs.csv")).unwrap();
    assert_eq!(s2.lines().count(), 1 + 30 * 5);
    assert!(s2.lines().nth(1).unwrap().starts_with("failover-sync,30,5,"));
}

#[test]
fn an_atlas_regions_csv_does_not_depend_on_threads_or_shards() {
    // The 3-region cluster: regions.csv (a row per replication and region)
    // is the same bytes at 1 and 2 threads and merged from shards; the
    // report reads it into its Regions section, and refuses one changed
    // after it was written.
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let sc = repo("scenarios/atlas-3-regions.toml");
    let common = [
        "compare",
        sc.as_str(),
        "--runs",
        "24",
        "--seed",
        "3",
        "--quiet",
        "--no-charts",
    ];
    for (out, threads) in [("t1", "1"), ("t2", "2")] {
        let mut args = common.to_vec();
        args.extend(["--threads", threads, "--out", out]);
        ok(&cutover(t, &args));
    }
    for k in 1..=2 {
        let shard = format!("{k}/2");
        let out = format!("s{k}");
        let mut args = common.to_vec();
        args.extend(["--threads", "2", "--shard", &shard, "--out", &out]);
        ok(&cutover(t, &args));
    }
    ok(&cutover(t, &["merge", "s2", "s1", "--out", "merged"]));
    let reference = read(&t.join("t1"), "regions.csv");
    let text = String::from_utf8(reference.clone()).unwrap();
    assert_eq!(text.lines().count(), 1 + 24 * 3, "{text}");
    assert!(text.starts_with(
        "strategy,replication,seed,region,no_accepting_s,peak_load,spilled_sessions\natlas-failover,0,3,emea,"
    ));
    for other in ["t2", "merged"] {
        assert!(
            read(&t.join(other), "regions.csv") == reference,
            "{other} differs from the one-thread run"
        );
    }
    // The figures agree with the metrics of the same runs: the sessions
    // spilled from the procedure's start are at most the cluster's
    // cross-region sessions of the whole run.
    let runs = table(&read(&t.join("t1"), "runs.csv"));
    let regions = table(&reference);
    for run in &runs {
        let spilled: u64 = regions
            .iter()
            .filter(|r| r["replication"] == run["replication"])
            .map(|r| r["spilled_sessions"].parse::<u64>().unwrap())
            .sum();
        assert!(spilled <= run["cross_region_sessions"].parse::<u64>().unwrap());
    }
    ok(&cutover(t, &["report", "t1", "--quiet", "--no-sensitivity"]));
    let md = String::from_utf8(read(&t.join("t1"), "report.md")).unwrap();
    assert!(
        md.contains("## Regions") && md.contains("| emea |") && md.contains("| apac |"),
        "{md}"
    );
    assert!(md.contains("## Dropped sessions by cause"), "{md}");
    let mut changed = reference.clone();
    changed.extend_from_slice(b"atlas-failover,24,3,emea,1.000,0.100000,0\n");
    std::fs::write(t.join("t2/regions.csv"), changed).unwrap();
    let o = cutover(t, &["report", "t2", "--quiet", "--no-sensitivity"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("regions.csv: its SHA-256 is not the one"), "{err}");
}

#[test]
fn common_random_numbers_narrow_the_difference() {
    let tmp = tempfile::tempdir().unwrap();
    ok(&cutover(
        tmp.path(),
        &["compare", "--runs", "300", "--quiet", "--out", "c"],
    ));
    let summary = table(&read(&tmp.path().join("c"), "summary.csv"));
    let diff = table(&read(&tmp.path().join("c"), "diff.csv"));
    for metric in ["arrivals", "completed"] {
        let sd = |s: &str| -> f64 {
            cell(&summary, &[("strategy", s), ("metric", metric)], "sd")
                .parse()
                .unwrap()
        };
        let n = 300f64;
        // Unpaired: the two means' errors add in quadrature.
        let unpaired = 1.968 * (sd("failover-sync").powi(2) / n + sd("failover-async-nat").powi(2) / n).sqrt();
        let keys = [
            ("strategy", "failover-async-nat"),
            ("baseline", "failover-sync"),
            ("metric", metric),
        ];
        let lo: f64 = cell(&diff, &keys, "ci95_low").parse().unwrap();
        let hi: f64 = cell(&diff, &keys, "ci95_high").parse().unwrap();
        let paired = (hi - lo) / 2.0;
        assert!(
            paired < 0.8 * unpaired,
            "{metric}: paired ±{paired} vs unpaired ±{unpaired}"
        );
    }
}

#[test]
fn compare_default_thousand_runs_prints_the_table() {
    let tmp = tempfile::tempdir().unwrap();
    let o = cutover(tmp.path(), &["compare", "--runs", "1000"]);
    ok(&o);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("1000 replications × 5 strategies"), "{out}");
    let header = out.lines().find(|l| l.starts_with("metric")).unwrap();
    assert!(out.contains("downtime_s") && header.ends_with("  best"), "{out}");
    // The synchronous upgrade is never the one with the least downtime; the
    // DNS and NAT swings have none in any run, the shared IP's 23 s are less
    // than a minute more: a tie, not a "lowest".
    let line = out.lines().find(|l| l.starts_with("downtime_s")).unwrap();
    assert!(
        line.trim_end()
            .ends_with("tie (failover-async-shared-ip, failover-async-dns, failover-async-nat)"),
        "{line}"
    );
    // The bottom line follows the table.
    assert!(out.contains("\nBottom line: Recommended: failover-async-dns."), "{out}");
    // The README quotes this bottom line, word for word.
    let words = |t: &str| t.replace("**", "").split_whitespace().collect::<Vec<_>>().join(" ");
    let printed = &out[out.find("\nBottom line: ").unwrap() + "\nBottom line: ".len()..];
    let printed = words(&printed[..printed.find("\n\n").unwrap_or(printed.len())]);
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let quoted = readme
        .lines()
        .find(|l| l.starts_with("> **Recommended: "))
        .expect("the README quotes the default bottom line");
    assert_eq!(
        words(&quoted[2..]),
        printed,
        "README.md's bottom line is not the default's"
    );
    let dir = tmp.path().join("output/failover-pair/compare");
    let summary = table(&read(&dir, "summary.csv"));
    // P(downtime > 15 min) from the scenario's thresholds: 1 for sync, 0 for async.
    assert_eq!(
        cell(
            &summary,
            &[("strategy", "failover-sync"), ("metric", "downtime_s")],
            "p_exceed"
        ),
        "1.000000"
    );
    assert_eq!(
        cell(
            &summary,
            &[("strategy", "failover-async-dns"), ("metric", "downtime_s")],
            "p_exceed"
        ),
        "0.000000"
    );
    let manifest: serde_json::Value = serde_json::from_slice(&read(&dir, "manifest.json")).unwrap();
    assert_eq!(manifest["runs"], 1000);
    assert_eq!(manifest["seed"], 1);
    assert_eq!(manifest["scenario"], "failover-pair");
    assert_eq!(manifest["scenario_sha256"].as_str().unwrap().len(), 64);
}

#[test]
fn ci_target_stops_when_met() {
    // The single appliance's downtime is its upgrade time: its spread is
    // known from the scenario, so the replications needed follow from it.
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let single = repo("scenarios/single.toml");
    let o = cutover(
        t,
        &[
            "compare",
            &single,
            "--ci-target",
            "0.01",
            "--ci-metrics",
            "downtime_s",
            "--quiet",
            "--out",
            "ci",
        ],
    );
    ok(&o);
    let rel = |dir: &str| -> (u64, f64) {
        let s = table(&read(&t.join(dir), "summary.csv"));
        let get = |c: &str| -> f64 { cell(&s, &[("metric", "downtime_s")], c).parse().unwrap() };
        let n = cell(&s, &[("metric", "downtime_s")], "n").parse().unwrap();
        (n, (get("ci95_high") - get("ci95_low")) / 2.0 / get("mean"))
    };
    let (n, precision) = rel("ci");
    assert!(precision <= 0.01, "stopped at ±{precision}");
    assert!(n > 200 && n % 200 == 0, "batches of 200: {n}");
    // One batch fewer would not have been enough.
    let fewer = (n - 200).to_string();
    ok(&cutover(
        t,
        &["compare", &single, "--runs", &fewer, "--quiet", "--out", "fewer"],
    ));
    let (_, before) = rel("fewer");
    assert!(before > 0.01, "{fewer} runs already gave ±{before}");
    // A metric that never varies is met at once.
    ok(&cutover(
        t,
        &[
            "compare",
            &single,
            "--ci-target",
            "0.01",
            "--ci-metrics",
            "exposure_s",
            "--quiet",
            "--out",
            "zero",
        ],
    ));
    assert_eq!(rel("zero").0, 200);
}

#[test]
fn sweep_rows_and_monotone_exposure() {
    let tmp = tempfile::tempdir().unwrap();
    let o = cutover(
        tmp.path(),
        &[
            "sweep",
            &repo("scenarios/failover-pair.toml"),
            "--set",
            "site.data_gb=20,800",
            "--runs",
            "40",
            "--quiet",
            "--out",
            "sw",
        ],
    );
    ok(&o);
    let rows = table(&read(&tmp.path().join("sw"), "sweep.csv"));
    // 2 points × 5 strategies × every metric that applies (not the pods'
    // own: scheduled_at_s, in_preferred_window, notice_s, unsupported_s,
    // scheduled_hour and the rest).
    assert_eq!(
        rows.len(),
        2 * 5 * (cutover::metrics::Metrics::COLUMNS.len() - pods_only())
    );
    for s in [
        "failover-sync",
        "failover-async-shared-ip",
        "failover-async-dns",
        "failover-async-nat",
    ] {
        let exposure = |gb: &str| -> f64 {
            cell(
                &rows,
                &[("site.data_gb", gb), ("strategy", s), ("metric", "exposure_s")],
                "mean",
            )
            .parse()
            .unwrap()
        };
        // More stored data: longer installs on both appliances, a longer full sync.
        assert!(
            exposure("800") > exposure("20"),
            "{s}: {} vs {}",
            exposure("800"),
            exposure("20")
        );
    }
    // A two-parameter grid has the product of the points.
    let o = cutover(
        tmp.path(),
        &[
            "sweep",
            &repo("scenarios/failover-pair.toml"),
            "--set",
            "site.data_gb=20,800",
            "--set",
            "calendar.interim=1d,3d,5d",
            "--strategies",
            "failover-async-nat",
            "--runs",
            "10",
            "--quiet",
            "--out",
            "grid",
        ],
    );
    ok(&o);
    let rows = table(&read(&tmp.path().join("grid"), "sweep.csv"));
    // Every metric but the pods' own.
    assert_eq!(rows.len(), 6 * (cutover::metrics::Metrics::COLUMNS.len() - pods_only()));
}

/// The metrics of pods only (absent for every other site).
fn pods_only() -> usize {
    let pods = cutover::metrics::METRICS
        .iter()
        .filter(|m| m.sites == cutover::metrics::Sites::Pods)
        .count();
    assert!(
        pods >= 5,
        "at least scheduled_at_s, in_preferred_window, notice_s, unsupported_s, scheduled_hour"
    );
    pods
}

#[test]
fn a_sweep_prints_its_table_and_bottom_lines_and_writes_values_in_words() {
    let tmp = tempfile::tempdir().unwrap();
    let o = cutover(
        tmp.path(),
        &[
            "sweep",
            &repo("scenarios/failover-pair.toml"),
            "--set",
            "calendar.interim=1d,2d,60h",
            "--runs",
            "20",
            "--out",
            "sw",
        ],
    );
    ok(&o);
    let out = String::from_utf8_lossy(&o.stdout);
    // The table: the field's label and the strategies as columns, a row per
    // value in words, the pick marked.
    let header = out
        .lines()
        .find(|l| l.starts_with("Interim period (days)"))
        .unwrap_or_else(|| panic!("the table's header:\n{out}"));
    for s in ["failover-sync", "failover-async-dns"] {
        assert!(header.contains(s), "{header}");
    }
    for v in ["24 h", "2 days", "2.5 days"] {
        let row = out
            .lines()
            .find(|l| l.starts_with(&format!("{v} ")))
            .unwrap_or_else(|| panic!("a row for {v}:\n{out}"));
        assert_eq!(row.matches(" *").count(), 1, "one pick per row: {row}");
    }
    assert!(out.contains("Mean downtime at each point"), "{out}");
    // A bottom line per point, then across the sweep.
    let at = out
        .split("Bottom line at each point:\n")
        .nth(1)
        .expect("the bottom lines");
    for v in ["24 h", "2 days", "2.5 days"] {
        assert!(
            at.contains(&format!("\n  {v}: ")) || at.starts_with(&format!("  {v}: ")),
            "{v}: {at}"
        );
    }
    assert!(out.contains("Across the sweep: "), "{out}");
    assert!(
        !out.contains("calendar.interim"),
        "no TOML path in what is printed:\n{out}"
    );
    // sweep.csv: the value in seconds, in words beside it, and the mean in words.
    let rows = table(&read(&tmp.path().join("sw"), "sweep.csv"));
    let row = rows
        .iter()
        .find(|r| r["calendar.interim"] == "216000" && r["strategy"] == "failover-sync" && r["metric"] == "exposure_s")
        .expect("the 60h row in seconds");
    assert_eq!(row["calendar.interim_human"], "2.5 days");
    let mean: f64 = row["mean"].parse().unwrap();
    assert_eq!(
        row["mean_human"],
        cutover::report::chart::fmt_metric("exposure_s", mean)
    );
    assert!(
        rows.iter()
            .any(|r| r["calendar.interim"] == "86400" && r["calendar.interim_human"] == "24 h")
    );
    // The chart: the label, not the path; linear steps (1 to 2.5 days).
    let svg = String::from_utf8(read(&tmp.path().join("sw/charts"), "sweep-exposure_s.svg")).unwrap();
    assert!(svg.contains("Interim period (days)") && !svg.contains("log scale"));
    assert!(svg.contains("exposure (hours) by interim period"));
    assert!(!svg.contains("calendar.interim"));

    // Doubling values: a log axis, the values evenly spaced on it.
    let o = cutover(
        tmp.path(),
        &[
            "sweep",
            &repo("scenarios/failover-pair.toml"),
            "--set",
            "site.data_gb=50,100,200,400",
            "--strategies",
            "failover-sync",
            "--runs",
            "10",
            "--quiet",
            "--out",
            "gb",
        ],
    );
    ok(&o);
    assert!(o.stdout.is_empty(), "quiet prints nothing");
    let svg = String::from_utf8(read(&tmp.path().join("gb/charts"), "sweep-exposure_s.svg")).unwrap();
    assert!(svg.contains("Stored data (GB), log scale"));
    let xs: Vec<f64> = ["50", "100", "200", "400"]
        .iter()
        .map(|v| {
            crate::charts::svg_texts(&svg)
                .into_iter()
                .find(|t| t.2 == *v)
                .unwrap_or_else(|| panic!("the {v} tick"))
                .0
        })
        .collect();
    let steps: Vec<f64> = xs.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(
        steps.iter().all(|d| (d - steps[0]).abs() < 2.0 && *d > 50.0),
        "evenly spaced: {xs:?}"
    );
}

fn bad(dir: &Path, args: &[&str], says: &str) {
    let o = cutover(dir, args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.contains(says), "{args:?}: {err}");
}

#[test]
fn bad_flags_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let pair = repo("scenarios/failover-pair.toml");
    bad(t, &["compare", "--runs", "0"], "--runs must be at least 1");
    bad(t, &["compare", "--shard", "4/3"], "--shard");
    bad(t, &["compare", "--threads", "0"], "--threads");
    bad(t, &["compare", "--strategies", "failover-sync,big-bang"], "big-bang");
    bad(t, &["compare", "--ci-target", "0"], "--ci-target");
    bad(t, &["sweep", &pair, "--set", "site.colour=1,2"], "site.colour");
    bad(
        t,
        &["sweep", &pair, "--set", "calendar.windows[7].hour=1,2"],
        "does not exist",
    );
    assert!(!t.join("output").exists(), "nothing written for bad flags");
    // Shards of different seeds or scenarios do not merge.
    ok(&cutover(
        t,
        &["compare", "--runs", "20", "--shard", "1/2", "--quiet", "--out", "a1"],
    ));
    ok(&cutover(
        t,
        &[
            "compare", "--runs", "20", "--shard", "2/2", "--seed", "9", "--quiet", "--out", "a2",
        ],
    ));
    ok(&cutover(
        t,
        &[
            "compare",
            &repo("scenarios/single.toml"),
            "--runs",
            "20",
            "--shard",
            "2/2",
            "--quiet",
            "--out",
            "b2",
        ],
    ));
    bad(t, &["merge", "a1", "a2", "--out", "m"], "seeds differ");
    bad(t, &["merge", "a1", "b2", "--out", "m"], "scenarios differ");
    bad(t, &["merge", "a1", "--out", "m"], "missing");
    assert!(!t.join("m").exists());
    // A folder holding another scenario's results is not mixed with new ones.
    bad(
        t,
        &[
            "compare",
            &repo("scenarios/single.toml"),
            "--runs",
            "20",
            "--quiet",
            "--out",
            "a1",
        ],
        "different",
    );
}

#[test]
fn ctrl_c_stops_cleanly() {
    let tmp = tempfile::tempdir().unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_cutover"))
        // A hundred million runs: past the estimate's limit, so --yes.
        .args(["compare", "--runs", "100000000", "--yes", "--quiet", "--out", "big"])
        .current_dir(tmp.path())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130));
    let left: Vec<_> = std::fs::read_dir(tmp.path().join("big"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn a_missed_precision_target_names_its_metrics_and_logs_get_progress_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let single = repo("scenarios/single.toml");
    // stderr is a pipe here, not a terminal: plain progress lines (every
    // replication with an interval of 0 s), and the metrics that miss.
    let o = Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args([
            "compare",
            &single,
            "--ci-target",
            "0.001",
            "--max-runs",
            "400",
            "--out",
            "miss",
        ])
        .env("CUTOVER_PROGRESS_SECONDS", "0")
        .current_dir(t)
        .output()
        .unwrap();
    ok(&o);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("warning: precision target ±0.1% NOT met after 400 replications"),
        "{err}"
    );
    assert!(err.contains("\n  downtime_s of single: "), "{err}");
    assert!(err.contains("--ci-abs METRIC=VALUE"), "{err}");
    assert!(
        err.lines()
            .any(|l| l.starts_with("compare: ") && l.contains(" of 400 replications")),
        "{err}"
    );
    assert!(err.contains("compare: done, 400 replications in "), "{err}");
    // An absolute tolerance meets the target at once for a mean it covers.
    ok(&cutover(
        t,
        &[
            "compare",
            &single,
            "--ci-target",
            "0.001",
            "--ci-metrics",
            "downtime_s",
            "--ci-abs",
            "downtime_s=300",
            "--quiet",
            "--out",
            "abs",
        ],
    ));
    let s = table(&read(&t.join("abs"), "summary.csv"));
    assert_eq!(cell(&s, &[("metric", "downtime_s")], "n"), "200");
    // Quiet: no progress line at all.
    let o = Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args(["compare", &single, "--runs", "30", "--quiet", "--out", "q"])
        .env("CUTOVER_PROGRESS_SECONDS", "0")
        .current_dir(t)
        .output()
        .unwrap();
    ok(&o);
    assert!(o.stderr.is_empty(), "{}", String::from_utf8_lossy(&o.stderr));
    // Bad tolerances are refused before anything runs.
    bad(
        t,
        &["compare", "--ci-abs", "downtime_s=1"],
        "--ci-abs needs --ci-target",
    );
    bad(
        t,
        &["compare", "--ci-target", "0.1", "--ci-abs", "downtime_s=-1"],
        "0 or more",
    );
    bad(
        t,
        &["compare", "--ci-target", "0.1", "--ci-abs", "nope=1"],
        "unknown metric",
    );
    assert!(!t.join("output").exists());
}
