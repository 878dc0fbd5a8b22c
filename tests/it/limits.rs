//! Limits: no valid input may crash the process, exhaust its memory or run
//! without bound, and bad input stays cheap to refuse however much of it
//! there is. Each test is named after the limit it pins.

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
