//! The command line: outputs, determinism, bad input and exit codes. Each
//! test works in its own temporary folder.

use std::path::PathBuf;
use std::process::Output;

use crate::cutover;

fn repo_file(rel: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(rel)
        .display()
        .to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn run_writes_events_and_metrics_to_the_default_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let o = cutover(tmp.path(), &["run"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let dir = tmp.path().join("output/failover-pair/failover-sync");
    let events = std::fs::read_to_string(dir.join("events.csv")).unwrap();
    assert!(events.starts_with("time_s,entity,event,detail,local\n"));
    for needle in [
        "step_start",
        "upgrade_start",
        "broken",
        "established",
        "sync_done",
        "site,down",
    ] {
        assert!(events.contains(needle), "events.csv lacks {needle}");
    }
    let metrics = std::fs::read_to_string(dir.join("metrics.csv")).unwrap();
    let mut lines = metrics.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("strategy,seed,downtime_s,failed_connects,dropped_sessions,exposure_s,exposure_risk,"));
    assert!(lines.next().unwrap().starts_with("failover-sync,1,"));
    assert_eq!(lines.next(), None);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("downtime") && out.contains("exposure"), "{out}");
    // No temporary file is left beside the outputs; the manifest lists them.
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "events.csv",
            "manifest.json",
            "metrics.csv",
            "timeline.png",
            "timeline.svg"
        ]
    );
    // Regression: outputs were written with the temporary file's private 0600 mode.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("metrics.csv")).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o044,
            0o044,
            "outputs are readable by group and others: {mode:o}"
        );
    }
}

#[test]
fn same_scenario_and_seed_give_identical_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = repo_file("scenarios/failover-pair.toml");
    for out in ["a", "b"] {
        let o = cutover(
            tmp.path(),
            &[
                "run",
                &scenario,
                "--strategy",
                "failover-async-dns",
                "--seed",
                "17",
                "--out",
                out,
                "--trace-sessions",
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
    }
    for f in ["events.csv", "metrics.csv"] {
        let a = std::fs::read(tmp.path().join("a").join(f)).unwrap();
        let b = std::fs::read(tmp.path().join("b").join(f)).unwrap();
        assert!(a.len() > 100);
        assert_eq!(a, b, "{f} differs between two runs");
    }
    // A different seed gives a different run.
    let o = cutover(
        tmp.path(),
        &[
            "run",
            &scenario,
            "--strategy",
            "failover-async-dns",
            "--seed",
            "18",
            "--out",
            "c",
        ],
    );
    assert!(o.status.success());
    let a = std::fs::read(tmp.path().join("a/metrics.csv")).unwrap();
    let c = std::fs::read(tmp.path().join("c/metrics.csv")).unwrap();
    assert_ne!(a, c);
}

#[test]
fn validate_and_strategies_on_shipped_scenarios() {
    let tmp = tempfile::tempdir().unwrap();
    for f in ["scenarios/failover-pair.toml", "scenarios/single.toml"] {
        let o = cutover(tmp.path(), &["validate", &repo_file(f)]);
        assert!(o.status.success(), "{f}: {}", stderr(&o));
    }
    let o = cutover(tmp.path(), &["strategies"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success());
    for name in [
        "failover-sync",
        "failover-sync-one-window",
        "failover-async-shared-ip",
        "failover-async-dns",
        "failover-async-nat",
    ] {
        assert!(out.contains(name), "{out}");
    }
    // The built-ins name appliances by role, read when each step starts.
    assert!(out.contains("switch method=dns to=backup"), "{out}");
    assert!(
        out.contains("atlas-failover") && out.contains("blue-green"),
        "every built-in is listed"
    );
    // The synchronous upgrade in the vendor's two windows: an interim
    // between the primary's half and the backup's; the one-night variant
    // has none.
    let block = |name: &str| -> String {
        let start = out
            .find(&format!("\n{name} ["))
            .unwrap_or_else(|| panic!("{name} listed: {out}"));
        let rest = &out[start + 1..];
        rest[..rest.find("\n\n").unwrap_or(rest.len())].to_string()
    };
    let sync = block("failover-sync");
    let (a, interim, b) = (
        sync.find("upgrade node=primary").unwrap(),
        sync.find(". interim").unwrap(),
        sync.find("upgrade node=backup").unwrap(),
    );
    assert!(a < interim && interim < b, "{sync}");
    let night = block("failover-sync-one-window");
    assert!(
        !night.contains(". interim") && night.contains("upgrade node=backup"),
        "{night}"
    );
    let o = cutover(tmp.path(), &["strategies", &repo_file("scenarios/failover-pair.toml")]);
    let listed = String::from_utf8_lossy(&o.stdout);
    assert!(listed.contains("switch dns -> backup"), "{listed}");
    assert!(listed.contains("\nfailover-sync-one-window\n"), "{listed}");
    let o = cutover(tmp.path(), &["strategies", &repo_file("scenarios/single.toml")]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("upgrade serving"));
}

/// Runs `cutover run` on a broken scenario and checks exit code 2, an error
/// naming `field` (and the file), and that nothing was written.
fn check_bad(text: &str, extra: &[&str], field: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("bad.toml");
    std::fs::write(&file, text).unwrap();
    let mut args = vec!["run", "bad.toml", "--out", "out"];
    args.extend(extra);
    let o = cutover(tmp.path(), &args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "exit code for {field}: {err}");
    assert!(err.contains(field), "error does not name {field}: {err}");
    assert!(!tmp.path().join("out").exists(), "output written despite the error");
    assert!(!tmp.path().join("output").exists());
    if extra.is_empty() {
        // The file itself is bad: `validate` says so too, naming file and field.
        let o = cutover(tmp.path(), &["validate", "bad.toml"]);
        assert_eq!(o.status.code(), Some(2));
        assert!(stderr(&o).contains("bad.toml"), "validate names the file");
        assert!(stderr(&o).contains(field));
    }
}

#[test]
fn malformed_toml() {
    check_bad("[site\nkind = \"single\"\n", &[], "bad.toml:1");
}

#[test]
fn unknown_key() {
    check_bad("[site]\nkind = \"single\"\ncolour = \"blue\"\n", &[], "site.colour");
}

#[test]
fn negative_duration() {
    check_bad("[calendar]\ninterim = \"-2h\"\n", &[], "calendar.interim");
}

#[test]
fn probability_above_one() {
    check_bad(
        "[network]\ndns_stale_fraction = 1.5\n",
        &[],
        "network.dns_stale_fraction",
    );
}

#[test]
fn lognormal_p95_below_median() {
    check_bad(
        "[upgrade]\nbase = { dist = \"lognormal\", median = \"20m\", p95 = \"10m\" }\n",
        &[],
        "upgrade.base.p95",
    );
}

#[test]
fn all_zero_weekly_profile() {
    check_bad("[workload]\ndays = [0, 0, 0, 0, 0, 0, 0]\n", &[], "workload.days");
}

#[test]
fn unknown_strategy() {
    check_bad(
        "[site]\nkind = \"single\"\n",
        &["--strategy", "failover-sync"],
        "failover-sync",
    );
    check_bad("", &["--strategy", "rolling"], "rolling");
}

#[test]
fn unknown_strategy_in_the_file() {
    check_bad("strategies = [\"failover-sync\", \"big-bang\"]\n", &[], "strategies[1]");
}

#[test]
fn errors_carry_line_numbers_and_all_problems() {
    let tmp = tempfile::tempdir().unwrap();
    let text = "name = \"x\"\n\n[network]\ndns_stale_fraction = 2\n\n[calendar]\ninterim = \"5 parsecs\"\n";
    std::fs::write(tmp.path().join("two.toml"), text).unwrap();
    let o = cutover(tmp.path(), &["validate", "two.toml"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(err.contains("two.toml:4: network.dns_stale_fraction"), "{err}");
    assert!(err.contains("two.toml:7: calendar.interim"), "{err}");
}

#[test]
fn missing_file_and_bad_flags_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let o = cutover(tmp.path(), &["run", "nope.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nope.toml"));
    let o = cutover(tmp.path(), &["run", "--seed", "minus-one"]);
    assert_eq!(o.status.code(), Some(2));
    let o = cutover(tmp.path(), &["frobnicate"]);
    assert_eq!(o.status.code(), Some(2));
}

/// A scenario with one custom runbook; `cutover validate` and `run` must
/// refuse it naming the runbook, the step and the reason.
fn check_impossible(site: &str, steps: &str, step_no: usize, reason: &str) {
    let text = format!(
        "{site}\n[[runbooks]]\nname = \"my-plan\"\nsite = \"{}\"\nsteps = [\n{steps}\n]\n",
        if site.contains("atlas") {
            "atlas"
        } else {
            "failover-pair"
        }
    );
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("plan.toml"), &text).unwrap();
    for args in [vec!["validate", "plan.toml"], vec!["run", "plan.toml", "--out", "out"]] {
        let o = cutover(tmp.path(), &args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains("runbook \"my-plan\""), "names the runbook: {err}");
        assert!(err.contains(&format!("step {step_no}:")), "names the step: {err}");
        assert!(err.contains(reason), "gives the reason: {err}");
        assert!(err.contains("plan.toml:"), "names the file and line: {err}");
    }
    assert!(!tmp.path().join("out").exists());
}

const CLUSTER: &str = "[site]\nkind = \"atlas\"\nregions = [{ name = \"eu\", nodes = 2 }]\n";

#[test]
fn impossible_runbook_node_does_not_exist() {
    check_impossible(
        CLUSTER,
        "{ do = \"distribute_package\" },\n{ do = \"upgrade\", node = \"eu-3\" },",
        2,
        "node \"eu-3\" does not exist",
    );
}

#[test]
fn impossible_runbook_switch_to_a_down_appliance() {
    check_impossible(
        "",
        "{ do = \"break_failover\" },\n{ do = \"upgrade\", node = \"B\", wait = false },\n{ do = \"switch\", method = \"nat\", to = \"B\" },\n{ do = \"wait_upgraded\", node = \"B\" },",
        3,
        "cannot switch to B: it is down",
    );
}

#[test]
fn impossible_runbook_establish_without_matching_keys() {
    check_impossible(
        "[site]\nkeys_match = false\n",
        "{ do = \"break_failover\" },\n{ do = \"establish_failover\", primary = \"A\", backup = \"B\" },",
        2,
        "inter-appliance keys differ",
    );
}

#[test]
fn impossible_runbook_upgrade_acting_primary_while_backup_down() {
    check_impossible(
        CLUSTER,
        "{ do = \"distribute_package\" },\n{ do = \"upgrade\", node = \"B\", wait = false },\n{ do = \"upgrade\", node = \"A\" },\n{ do = \"wait_upgraded\", node = \"B\" },",
        3,
        "acting primary A while its backup B is also down",
    );
}

/// Regression: a thousand years of valid steps (100 waits of 3650 days),
/// an install of ten million years and a sync of 31,700 years once ran for
/// minutes and grew to gigabytes. Now every run is bounded by the 366-day
/// horizon: the procedure is aborted, the run ends, the outputs are small.
#[test]
fn absurd_horizons_give_bounded_runs() {
    let waits = vec!["{ do = \"wait\", duration = \"3650d\" }"; 100].join(", ");
    let cases = [
        format!("[[runbooks]]\nname = \"my-plan\"\nsite = \"failover-pair\"\nsteps = [{waits}]\nstrategies = []\n")
            .replace("strategies = []\n", ""),
        "[site]\ndata_gb = 1000000\n[upgrade]\ninstall_per_gb = \"3650d\"\n".to_string(),
        "[site]\ndata_gb = 1000000\n[failover]\nthroughput_mb_s = 0.001\n".to_string(),
    ];
    for (i, text) in cases.iter().enumerate() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("long.toml"), text).unwrap();
        let strategy = if i == 0 { "my-plan" } else { "failover-sync" };
        let started = std::time::Instant::now();
        let o = cutover(
            tmp.path(),
            &["run", "long.toml", "--strategy", strategy, "--no-charts", "--out", "o"],
        );
        assert!(o.status.success(), "case {i}: {}", stderr(&o));
        assert!(
            started.elapsed().as_secs() < 60,
            "case {i} took {:?}",
            started.elapsed()
        );
        let metrics = std::fs::read_to_string(tmp.path().join("o/metrics.csv")).unwrap();
        let header: Vec<&str> = metrics.lines().next().unwrap().split(',').collect();
        let row: Vec<&str> = metrics.lines().nth(1).unwrap().split(',').collect();
        let aborted = header.iter().position(|h| *h == "aborted").unwrap();
        assert_eq!(row[aborted], "1", "case {i}: the procedure is aborted at the horizon");
        let events = std::fs::metadata(tmp.path().join("o/events.csv")).unwrap().len();
        assert!(events < 20_000_000, "case {i}: events.csv is {events} bytes");
        let log = std::fs::read_to_string(tmp.path().join("o/events.csv")).unwrap();
        assert!(log.contains("did not finish within 366d"), "case {i}");
    }
}

#[test]
fn an_output_folder_that_cannot_be_made_is_an_environment_error() {
    // Exit code 2 and a plain message: the input is fine, the machine
    // refuses; it is no bug of cutover. A file stands where the output
    // folder should go (or where one of its parents should); nothing is
    // written anywhere.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("afile"), "x").unwrap();
    let long = vec!["d".repeat(200); 25].join("/");
    let long_out = format!("afile/{long}");
    for (args, says) in [
        (
            &["run", "--quiet", "--out", "afile/sub"][..],
            "afile/sub: a part of the path is a file, not a folder",
        ),
        (
            &["compare", "--runs", "5", "--quiet", "--out", "afile/sub"][..],
            "afile/sub: a part of the path is a file, not a folder",
        ),
        (&["run", "--quiet", "--out", "afile"][..], "afile: a file, not a folder"),
        (
            &["compare", "--runs", "5", "--quiet", "--out", "afile"][..],
            "afile: a file, not a folder",
        ),
        (&["run", "--quiet", "--out", &long_out][..], "afile/"),
    ] {
        let o = cutover(tmp.path(), args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.starts_with("error: ") && err.contains(says), "{args:?}: {err}");
        assert!(!err.contains("internal error") && !err.contains("panicked"), "{err}");
        // A 5 KB path is not echoed whole: its first and last parts.
        assert!(err.len() < 600, "{} bytes: {err}", err.len());
    }
    let err = stderr(&cutover(tmp.path(), &["run", "--quiet", "--out", &long_out]));
    assert!(err.contains("afile/…"), "{err}");
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["afile"]);
    assert_eq!(std::fs::read_to_string(tmp.path().join("afile")).unwrap(), "x");
    // The same commands with a usable folder succeed (exit code 0).
    let o = cutover(tmp.path(), &["run", "--quiet", "--no-charts", "--out", "ok"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[cfg(unix)]
#[test]
fn a_closed_standard_output_ends_the_command_quietly() {
    // The reader of the pipe is gone before the command writes (as with
    // `| head -1` once head has its line): every write fails. The command
    // ends with 141 (128 + SIGPIPE), no panic, no "internal error", and
    // what it writes to disk is complete.
    let tmp = tempfile::tempdir().unwrap();
    let pair = repo_file("scenarios/failover-pair.toml");
    let pair = pair.as_str();
    for args in [
        &["run", pair, "--no-charts", "--out", "r"][..],
        &[
            "compare",
            pair,
            "--runs",
            "3",
            "--no-charts",
            "--no-sensitivity",
            "--out",
            "c",
        ][..],
        &["validate", pair][..],
        &["strategies", pair][..],
        &["strategies"][..],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_cutover"))
            .args(args)
            .current_dir(tmp.path())
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(141), "{args:?}: {err}");
        assert!(
            !err.contains("panicked") && !err.contains("internal error"),
            "{args:?}: {err}"
        );
        assert!(
            !err.contains("error"),
            "{args:?}: a closed pipe is not an error to report: {err}"
        );
    }
    assert!(tmp.path().join("r/metrics.csv").is_file());
    assert!(tmp.path().join("c/manifest.json").is_file());
}
