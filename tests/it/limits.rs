//! Limits: no valid input may crash the process, exhaust its memory or run
//! without bound, and bad input stays cheap to refuse however much of it
//! there is. Each test is named after the limit it pins.

use cutover::scenario::Scenario;
use cutover::sim::{RunOptions, simulate};

use crate::{cutover, scenario};

fn logged() -> RunOptions {
    RunOptions {
        log_events: true,
        trace_sessions: false,
    }
}

/// A single-appliance scenario whose only strategy is a custom runbook of
/// `n` copies of `step`, under a calendar given by `calendar`.
fn many_steps(n: usize, step: &str, calendar: &str) -> String {
    let steps = vec![step; n].join(", ");
    format!(
        "strategies = [\"many\"]\n[calendar]\nwarmup = \"10m\"\n{calendar}\n[site]\nkind = \"single\"\n[[runbooks]]\nname = \"many\"\nsite = \"single\"\nsteps = [{steps}]\n"
    )
}

fn count(events: &[cutover::sim::LogRecord], event: &str) -> usize {
    events.iter().filter(|e| e.event == event).count()
}

/// The problems of an invalid scenario, as `path: message` lines.
fn refused(text: &str) -> String {
    match Scenario::parse(text, "test.toml", "test") {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.to_string(),
    }
}

// ----- 1. no recursion as deep as the input ------------------------------------

#[test]
fn thirty_thousand_zero_time_steps_run_without_recursion() {
    let sc = scenario(&many_steps(30_000, "{ do = \"notify\", what = \"n\" }", ""));
    let out = simulate(&sc, &sc.runbooks[0], 1, 0, logged());
    assert_eq!(out.metrics.aborted, 0);
    assert_eq!(count(&out.events, "step_done"), 30_000);
    assert_eq!(count(&out.events, "procedure_done"), 1);
}

#[test]
fn thirty_thousand_wait_window_steps_in_an_open_window_run_without_recursion() {
    let always = "windows = [{ weekday = \"mon\", hour = 0, length = \"168h\" }]";
    let sc = scenario(&many_steps(30_000, "{ do = \"wait_window\" }", always));
    let out = simulate(&sc, &sc.runbooks[0], 1, 0, logged());
    assert_eq!(out.metrics.aborted, 0);
    assert_eq!(out.metrics.procedure_ms, 0, "every step waits for nothing");
    assert_eq!(count(&out.events, "step_done"), 30_000);
}

#[test]
fn thirty_thousand_zero_time_steps_run_on_worker_threads() {
    // Worker threads have smaller stacks than the main thread.
    let tmp = tempfile::tempdir().unwrap();
    let text = many_steps(30_000, "{ do = \"notify\", what = \"n\" }", "");
    std::fs::write(tmp.path().join("many.toml"), text).unwrap();
    let o = cutover(
        tmp.path(),
        &[
            "compare",
            "many.toml",
            "--runs",
            "4",
            "--threads",
            "2",
            "--quiet",
            "--no-charts",
            "--out",
            "c",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
}

// ----- 2. memory: limits checked before the run ---------------------------------

#[test]
fn reminders_every_millisecond_are_refused_naming_the_interval() {
    let err = refused("[site]\nkind = \"pod\"\n[pod]\nreminder_interval = \"1ms\"\n");
    assert!(err.contains("pod.reminder_interval"), "{err}");
    assert!(err.contains("reminders"), "{err}");
}

#[test]
fn reminders_every_second_over_a_ten_year_lead_time_are_refused() {
    let err = refused("[site]\nkind = \"pod\"\n[pod]\nlead_time = \"3650d\"\nreminder_interval = \"1s\"\n");
    assert!(err.contains("pod.reminder_interval"), "{err}");
    // Daily reminders over the same lead time are a few thousand: accepted.
    scenario("[site]\nkind = \"pod\"\n[pod]\nlead_time = \"365d\"\nreminder_interval = \"1d\"\n");
}

#[test]
fn profile_multipliers_count_toward_the_rate_cap() {
    let flat = |x: &str, n: usize| vec![x; n].join(", ");
    let text = format!(
        "[workload]\ndays = [{}]\nhours = [{}]\n",
        flat("1000000", 7),
        flat("1000000", 24)
    );
    let err = refused(&text);
    assert!(err.contains("workload.support.rate_per_hour"), "{err}");
    assert!(err.contains("peak"), "{err}");
    // The cap itself at a peak multiplier of 1 is accepted; just above it is not.
    let at = "[workload]\ndays = [1, 1, 1, 1, 1, 1, 1]\n[workload.support]\nrate_per_hour = 1000000\n";
    scenario(at);
    let above = at.replace("days = [1, 1, 1, 1, 1, 1, 1]", "days = [1, 1, 1, 1, 1.5, 1, 1]");
    let err = refused(&above);
    assert!(err.contains("workload.support.rate_per_hour"), "{err}");
}

// ----- 3. work: absurd rate combinations refused before the run ------------------

#[test]
fn a_crash_every_millisecond_is_refused_naming_the_mtbf() {
    let err = refused("[faults]\ncrashes = true\nmtbf = \"1ms\"\nmttr = \"0s\"\n");
    assert!(err.contains("faults.mtbf"), "{err}");
    // Without simulated crashes the MTBF only prices the exposure: accepted.
    scenario("[faults]\ncrashes = false\nmtbf = \"1ms\"\n");
}

#[test]
fn the_site_wide_crash_rate_counts_every_node() {
    // One crash a day per node is fine for a pair, not for 10,000 nodes
    // (a crash every 8.6 s somewhere on the site).
    let atlas = |nodes: u32| {
        format!(
            "[site]\nkind = \"atlas\"\nregions = [{{ name = \"r\", nodes = {nodes} }}]\n[faults]\ncrashes = true\nmtbf = \"1d\"\n"
        )
    };
    scenario(&atlas(100));
    let err = refused(&atlas(10_000));
    assert!(err.contains("faults.mtbf"), "{err}");
}

#[test]
fn syncs_every_millisecond_without_overhead_are_refused_naming_the_interval() {
    let err = refused("[calendar]\nwarmup = \"3650d\"\n[failover]\nsync_interval = \"1ms\"\nsync_overhead = \"0s\"\n");
    assert!(err.contains("failover.sync_interval"), "{err}");
    // A sync that takes minutes may start right after the last one.
    scenario("[failover]\nsync_interval = \"1ms\"\nsync_overhead = \"5m\"\n");
    let err = refused("[faults]\nsync_failure = 0.5\nsync_retry = \"1ms\"\n[failover]\nsync_overhead = \"0s\"\n");
    assert!(err.contains("faults.sync_retry"), "{err}");
}

#[test]
fn group_steps_on_a_large_cluster_count_toward_the_runbook_work_cap() {
    // Each group step acts on (and scans) every node: 300 of them on a
    // 10,000-node cluster are 3 million node-steps, more than the 2 million allowed.
    let steps = vec!["{ do = \"set_accepting\", group = \"traffic\", value = true }"; 300].join(", ");
    let text = format!(
        "strategies = [\"x\"]\n[site]\nkind = \"atlas\"\nregions = [{{ name = \"r\", nodes = 10000 }}]\n[[runbooks]]\nname = \"x\"\nsite = \"atlas\"\nsteps = [{steps}]\n"
    );
    let err = refused(&text);
    assert!(err.contains("runbooks[0].steps[199]"), "{err}");
    assert!(err.contains("at most 2000000"), "{err}");
    // The same steps on a 100-node cluster are fine.
    scenario(&text.replace("nodes = 10000", "nodes = 100"));
}

#[test]
fn scenario_files_above_sixteen_mebibytes_are_refused_unread() {
    let text = format!("# {}\n", "x".repeat(16 << 20));
    let err = refused(&text);
    assert!(err.contains("at most 16777216"), "{err}");
}

// ----- 5. bad input: cheap to refuse, however much of it -----------------------

/// The lines of an error report, and its last line.
fn shape(err: &str) -> (usize, String) {
    (err.lines().count(), err.lines().last().unwrap_or_default().to_string())
}

#[test]
fn twenty_thousand_problems_are_located_once_and_shown_fifty_at_most() {
    let names: Vec<String> = (0..20_000).map(|i| format!("\"nope{i}\"")).collect();
    let unknown = format!("strategies = [{}]\n", names.join(", "));
    let twice = format!("strategies = [{}]\n", vec!["\"failover-sync\""; 20_000].join(", "));
    let regions: Vec<String> = (0..20_000)
        .map(|i| format!("{{ name = \"bad name {i}\", nodes = 1 }}"))
        .collect();
    let bad_regions = format!("[site]\nkind = \"atlas\"\nregions = [{}]\n", regions.join(", "));
    for (what, text, problems) in [
        ("unknown strategies", unknown, 20_000),
        ("one strategy listed 20,000 times", twice, 19_999),
        ("bad region names", bad_regions, 20_000),
    ] {
        let e = Scenario::parse(&text, "test.toml", "test").unwrap_err();
        assert_eq!(e.problems.len(), problems, "{what}");
        assert!(
            e.problems.iter().all(|p| p.line == Some(1) || p.line == Some(3)),
            "{what}"
        );
        let shown = e.to_string();
        let (lines, last) = shape(&shown);
        assert_eq!(lines, 51, "{what}: 50 problems and a count of the rest");
        assert_eq!(last, format!("… and {} more problems", problems - 50), "{what}");
    }
}

#[test]
fn an_unknown_strategy_lists_at_most_ten_known_names() {
    let runbooks: String = (0..1_000)
        .map(|i| format!("[[runbooks]]\nname = \"rb{i}\"\nsite = \"failover-pair\"\nsteps = [{{ do = \"backup\", node = \"A\" }}]\n"))
        .collect();
    let err = refused(&format!("strategies = [\"nope\"]\n{runbooks}"));
    let line = err.lines().find(|l| l.contains("nope")).unwrap();
    let more = cutover::runbook::builtin_names().len() + 1_000 - 10;
    assert!(line.contains(&format!("rb1 and {more} more")), "{line}");
    assert!(line.len() < 400, "{line}");
}

// ----- 6. listings in errors stay short ----------------------------------------

#[test]
fn an_unknown_group_lists_at_most_ten_groups() {
    let regions: Vec<String> = (0..1_000)
        .map(|i| format!("{{ name = \"r{i}\", nodes = 1 }}"))
        .collect();
    let text = format!(
        "strategies = [\"x\"]\n[site]\nkind = \"atlas\"\nregions = [{}]\n[[runbooks]]\nname = \"x\"\nsite = \"atlas\"\nsteps = [{{ do = \"distribute_package\" }}, {{ do = \"upgrade\", group = \"nowhere\" }}]\n",
        regions.join(", ")
    );
    let err = refused(&text);
    let line = err.lines().find(|l| l.contains("nowhere")).unwrap();
    // traffic, offline, remaining and 1,000 regions: ten shown.
    assert!(
        line.contains("traffic, offline, remaining, r0, r1, r2, r3, r4, r5, r6 and 993 more"),
        "{line}"
    );
}

// ----- 7. weekday names -----------------------------------------------------------

#[test]
fn weekday_names_match_exactly_not_by_prefix() {
    for bad in ["monkey", "mondays", "sunny", "mo", "tues", "thurs", "m", ""] {
        let err = refused(&format!("[calendar]\nstart_weekday = \"{bad}\"\n"));
        assert!(err.contains("calendar.start_weekday: unknown weekday"), "{bad}: {err}");
        let err = refused(&format!(
            "[calendar]\nwindows = [{{ weekday = \"{bad}\", hour = 1, length = \"1h\" }}]\n"
        ));
        assert!(err.contains("calendar.windows[0].weekday"), "{bad}: {err}");
        let err = refused(&format!(
            "[site]\nkind = \"pod\"\n[pod]\npreferred_window = {{ weekday = \"{bad}\", hour = 1 }}\n"
        ));
        assert!(err.contains("pod.preferred_window.weekday"), "{bad}: {err}");
    }
    for (good, day) in [
        ("mon", 0),
        ("Monday", 0),
        ("TUE", 1),
        ("wednesday", 2),
        ("sun", 6),
        ("Sunday", 6),
    ] {
        let sc = scenario(&format!("[calendar]\nstart_weekday = \"{good}\"\n"));
        assert_eq!(sc.calendar.start_offset_ms, day * 24 * 3_600_000, "{good}");
    }
}
