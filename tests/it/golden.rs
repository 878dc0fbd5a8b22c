//! Golden outputs: `events.csv` and `metrics.csv` of every shipped scenario
//! and strategy (and one run with every session traced), and the outputs of
//! two small comparisons (`runs.csv`, `summary.csv`, `diff.csv`, the printed
//! table, and one `report.md`, under `compare/`), byte for byte, as pinned
//! in `tests/data/golden/`. A refactoring must leave them unchanged;
//! a change of the model on purpose re-pins them with
//!
//!     CUTOVER_BLESS=1 cargo test --test it golden
//!
//! and the diff of `tests/data/golden/` shows what moved.

use std::path::{Path, PathBuf};

use cutover::export;
use cutover::scenario::Scenario;
use cutover::sim::{RunOptions, simulate};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shipped scenarios, by file name.
fn shipped() -> Vec<(String, Scenario)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        // Fleets are pinned by their own tests (tests/it/fleet.rs).
        .filter(|p| !cutover::fleet::is_fleet(&std::fs::read_to_string(p).unwrap()))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(p).unwrap();
            let sc = Scenario::parse(&text, &p.display().to_string(), &stem).unwrap_or_else(|e| panic!("{e}"));
            (stem, sc)
        })
        .collect()
}

fn render(sc: &Scenario, strategy: &str, trace_sessions: bool) -> (Vec<u8>, Vec<u8>) {
    let rb = sc.runbook(strategy).unwrap();
    let out = simulate(
        sc,
        rb,
        sc.seed,
        0,
        RunOptions {
            log_events: true,
            trace_sessions,
        },
    );
    let mut events = Vec::new();
    export::write_events(&mut events, &out.events).unwrap();
    let mut metrics = Vec::new();
    export::write_metrics(&mut metrics, &[(strategy, sc.seed, &out.metrics)]).unwrap();
    (events, metrics)
}

/// Compares `got` with the pinned file (or re-pins it), naming the first line that differs.
fn check(path: &Path, got: &[u8], bless: bool, failures: &mut Vec<String>) {
    if bless {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, got).unwrap();
        return;
    }
    let want = match std::fs::read(path) {
        Ok(w) => w,
        Err(e) => {
            failures.push(format!("{}: {e}", path.display()));
            return;
        }
    };
    if want != got {
        let (w, g) = (String::from_utf8_lossy(&want), String::from_utf8_lossy(got));
        let line = w
            .lines()
            .zip(g.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| w.lines().count().min(g.lines().count()));
        failures.push(format!(
            "{} differs from line {}:\n  pinned: {}\n  now:    {}",
            path.display(),
            line + 1,
            w.lines().nth(line).unwrap_or("(end of file)"),
            g.lines().nth(line).unwrap_or("(end of file)")
        ));
    }
}

#[test]
fn shipped_scenarios_give_the_pinned_events_and_metrics() {
    let bless = std::env::var_os("CUTOVER_BLESS").is_some();
    let dir = root().join("tests/data/golden");
    let mut failures = Vec::new();
    let mut pinned = 0;
    for (stem, sc) in shipped() {
        for strategy in &sc.strategies {
            let (events, metrics) = render(&sc, strategy, false);
            check(
                &dir.join(&stem).join(strategy).join("events.csv"),
                &events,
                bless,
                &mut failures,
            );
            check(
                &dir.join(&stem).join(strategy).join("metrics.csv"),
                &metrics,
                bless,
                &mut failures,
            );
            pinned += 1;
        }
    }
    assert!(pinned >= 10, "every shipped scenario and strategy is pinned ({pinned})");
    // Every session event too, on the default scenario and a cluster.
    for (stem, strategy) in [
        ("failover-pair", "failover-sync"),
        ("atlas-3-regions", "atlas-failover"),
    ] {
        let sc = shipped().into_iter().find(|(s, _)| s == stem).unwrap().1;
        let (events, _) = render(&sc, strategy, true);
        check(
            &dir.join(stem).join(strategy).join("events-traced.csv"),
            &events,
            bless,
            &mut failures,
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The printed comparison table: stdout without the first line (it holds
/// the elapsed time) and the last (it names the temporary folder).
fn printed_table(stdout: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() > 2, "compare printed no table:\n{text}");
    let mut table = lines[1..lines.len() - 1].join("\n");
    table.push('\n');
    table.into_bytes()
}

#[test]
fn compare_outputs_and_the_report_are_pinned() {
    // `compare --runs 50 --no-charts` of the built-in default and of the
    // blue-green pod (its columns that do not apply elsewhere, one
    // strategy): runs.csv, summary.csv, diff.csv and the printed table; and
    // the default's report.md, whose words and numbers come from the same
    // metric descriptions.
    let bless = std::env::var_os("CUTOVER_BLESS").is_some();
    let dir = root().join("tests/data/golden/compare");
    let tmp = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let pod = root().join("scenarios/horizon-pod.toml").display().to_string();
    for (stem, scenario) in [("failover-pair", None), ("horizon-pod", Some(pod.as_str()))] {
        let mut args = vec!["compare"];
        args.extend(scenario);
        args.extend(["--runs", "50", "--no-charts", "--threads", "1", "--out", stem]);
        let o = crate::cutover(tmp.path(), &args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let out = tmp.path().join(stem);
        for f in ["runs.csv", "summary.csv", "diff.csv"] {
            check(
                &dir.join(stem).join(f),
                &std::fs::read(out.join(f)).unwrap(),
                bless,
                &mut failures,
            );
        }
        check(
            &dir.join(stem).join("table.txt"),
            &printed_table(&o.stdout),
            bless,
            &mut failures,
        );
    }
    let o = crate::cutover(tmp.path(), &["report", "failover-pair", "--quiet"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report = std::fs::read(tmp.path().join("failover-pair/report.md")).unwrap();
    check(&dir.join("failover-pair/report.md"), &report, bless, &mut failures);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
