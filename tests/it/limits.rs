//! Limits: no valid input may crash the process, exhaust its memory or run
//! without bound, and bad input stays cheap to refuse however much of it
//! there is. Each test is named after the limit it pins.

use std::sync::atomic::AtomicBool;

use cutover::scenario::Scenario;
use cutover::sim::events::{AbortReason, Event, EventLog};
use cutover::sim::{Limits, RunOptions, simulate, simulate_bounded};

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

fn count(log: &EventLog, is: impl Fn(&Event) -> bool) -> usize {
    log.iter().filter(|r| is(&r.event)).count()
}

fn step_done(e: &Event) -> bool {
    matches!(e, Event::StepDone { .. })
}

fn procedure_done(e: &Event) -> bool {
    matches!(e, Event::ProcedureDone)
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
    assert_eq!(count(&out.events, step_done), 30_000);
    assert_eq!(count(&out.events, procedure_done), 1);
}

#[test]
fn thirty_thousand_wait_window_steps_in_an_open_window_run_without_recursion() {
    let always = "windows = [{ weekday = \"mon\", hour = 0, length = \"168h\" }]";
    let sc = scenario(&many_steps(30_000, "{ do = \"wait_window\" }", always));
    let out = simulate(&sc, &sc.runbooks[0], 1, 0, logged());
    assert_eq!(out.metrics.aborted, 0);
    assert_eq!(out.metrics.procedure_ms, 0, "every step waits for nothing");
    assert_eq!(count(&out.events, step_done), 30_000);
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

// ----- 2. memory: budgets while the run goes on ----------------------------------

/// A single appliance upgraded in an always-open window after a two-hour
/// warm-up, both kinds of client arriving at `rate` an hour around the
/// clock, sessions lasting `duration`.
fn busy(rate: u32, duration: &str, extra: &str) -> String {
    format!(
        "strategies = [\"single\"]\n[site]\nkind = \"single\"\n[calendar]\nwarmup = \"2h\"\nwindows = [{{ weekday = \"mon\", hour = 0, length = \"168h\" }}]\n[workload]\ndays = [1, 1, 1, 1, 1, 1, 1]\nhours = [{}]\n[workload.support]\nrate_per_hour = {rate}\nduration = \"{duration}\"\n[workload.console]\nrate_per_hour = {rate}\nduration = \"{duration}\"\n{extra}",
        vec!["1"; 24].join(", ")
    )
}

/// [`busy`] at the rate cap.
fn busiest(duration: &str, extra: &str) -> String {
    busy(1_000_000, duration, extra)
}

fn bounded(sc: &Scenario, opts: RunOptions, limits: Limits) -> cutover::sim::RunOutput {
    let never = AtomicBool::new(false);
    simulate_bounded(sc, &sc.runbooks[0], 1, 0, opts, &limits, &never).expect("not stopped")
}

fn aborted_because(log: &EventLog) -> Vec<AbortReason> {
    log.iter()
        .filter_map(|r| match r.event {
            Event::Aborted { why } => Some(why),
            _ => None,
        })
        .collect()
}

/// The reasons a run was aborted, in the words of `events.csv`.
fn aborted_words(log: &EventLog) -> Vec<String> {
    log.iter()
        .filter(|r| matches!(r.event, Event::Aborted { .. }))
        .map(|r| log.detail(&r.event).to_string())
        .collect()
}

#[test]
fn sessions_that_never_end_stop_at_the_client_budget() {
    let sc = scenario(&busiest("3650d", ""));
    let limits = Limits {
        clients: 20_000,
        ..Limits::DEFAULT
    };
    let out = bounded(&sc, logged(), limits);
    let m = &out.metrics;
    assert_eq!(m.aborted, 1);
    assert_eq!(m.conservation_error(), None);
    assert_eq!(m.active_at_end, 20_001, "one past the budget, then the stop");
    let why = aborted_because(&out.events);
    assert_eq!(
        why,
        [AbortReason::ClientBudget {
            clients: 20_001,
            limit: 20_000
        }]
    );
    let words = aborted_words(&out.events);
    assert!(
        words[0].contains("more than the 20000 one replication holds"),
        "{words:?}"
    );
    // The budget, not the scenario, ended it: with room for all, it runs on.
    let more = bounded(
        &sc,
        RunOptions::default(),
        Limits {
            clients: 40_000,
            ..limits
        },
    );
    assert!(more.metrics.arrivals > m.arrivals);
}

#[test]
fn ends_of_sessions_dropped_again_and_again_stop_at_the_queue_budget() {
    // Ten-year sessions on a pair whose appliances crash every few minutes:
    // each crash drops them, and each dropped session's end stays queued.
    let text = busiest("3650d", "[faults]\ncrashes = true\nmtbf = \"2m\"\nmttr = \"1m\"\n").replace(
        "strategies = [\"single\"]\n[site]\nkind = \"single\"\n",
        "strategies = [\"failover-sync\"]\n",
    );
    let sc = scenario(&text);
    let limits = Limits {
        queued: 50_000,
        ..Limits::DEFAULT
    };
    let out = bounded(&sc, logged(), limits);
    assert_eq!(out.metrics.aborted, 1);
    assert_eq!(out.metrics.conservation_error(), None);
    // Thousands of drops, each leaving its session's end queued.
    assert!(out.metrics.dropped_sessions > 5_000, "{}", out.metrics.dropped_sessions);
    assert!(
        out.metrics.active_at_end < 50_000,
        "the clients were within their budget"
    );
    let why = aborted_because(&out.events);
    assert!(
        matches!(why[..], [AbortReason::QueueBudget { queued, limit: 50_000 }] if queued > 50_000),
        "{why:?}"
    );
    let words = aborted_words(&out.events);
    assert!(words[0].contains("events were waiting at once"), "{words:?}");
    assert!(
        words[0].contains("more than the 50000 one replication holds"),
        "{words:?}"
    );
}

#[test]
fn the_event_log_stops_at_its_budget_and_the_metrics_do_not_change() {
    let sc = scenario(&busiest("1m", "[faults]\ncrashes = true\nmtbf = \"10h\"\n"));
    let traced = RunOptions {
        log_events: true,
        trace_sessions: true,
    };
    let limits = Limits {
        log_records: 5_000,
        events: 200_000,
        ..Limits::DEFAULT
    };
    let full = bounded(
        &sc,
        traced,
        Limits {
            log_records: usize::MAX,
            ..limits
        },
    );
    let cut = bounded(&sc, traced, limits);
    let quiet = bounded(&sc, RunOptions::default(), limits);
    assert!(full.events.len() > 10_000, "the budget matters here");
    assert_eq!(cut.metrics, full.metrics);
    assert_eq!(quiet.metrics, full.metrics);
    let truncated: Vec<_> = cut
        .events
        .iter()
        .filter(|r| matches!(r.event, Event::LogTruncated { .. }))
        .collect();
    assert_eq!(truncated.len(), 1);
    assert_eq!(truncated[0].event, Event::LogTruncated { limit: 5_000 });
    assert!(
        cut.events.len() <= 5_001 + 2,
        "{} records (windows at most two more)",
        cut.events.len()
    );
    // Complete up to the truncation: the same records as the full log, in
    // order; past it only the reason the run stopped.
    let at = truncated[0].time;
    let kept: Vec<_> = cut
        .events
        .iter()
        .filter(|r| !matches!(r.event, Event::LogTruncated { .. } | Event::Aborted { .. }))
        .collect();
    let before: Vec<_> = full.events.iter().filter(|e| e.time <= at).take(kept.len()).collect();
    assert!(
        kept.len() >= 5_000 && kept == before,
        "the truncated log is not a prefix"
    );
    assert_eq!(aborted_because(&cut.events), aborted_because(&full.events));
    assert_eq!(aborted_because(&cut.events).len(), 1);
}

#[test]
fn the_event_budget_aborts_a_replication_with_its_reason() {
    let sc = scenario(&busiest("10m", ""));
    let limits = Limits {
        events: 100_000,
        ..Limits::DEFAULT
    };
    let out = bounded(&sc, logged(), limits);
    assert_eq!(out.metrics.aborted, 1);
    assert_eq!(out.metrics.conservation_error(), None);
    assert_eq!(
        aborted_because(&out.events),
        [AbortReason::EventBudget { limit: 100_000 }]
    );
    assert_eq!(
        aborted_words(&out.events),
        ["the run reached 100000 events, the most one replication handles"]
    );
    // A larger budget goes further: the first one stopped the run.
    let further = bounded(
        &sc,
        RunOptions::default(),
        Limits {
            events: 200_000,
            ..limits
        },
    );
    assert!(further.metrics.arrivals > out.metrics.arrivals);
}

#[test]
fn a_budget_reached_after_the_procedure_still_marks_the_replication_aborted() {
    // A long cool-down at a high rate: the procedure ends, the events go on.
    let sc = scenario(&busy(30_000, "10m", "").replace("warmup = \"2h\"", "warmup = \"10m\"\ncooldown = \"3650d\""));
    let out = bounded(
        &sc,
        logged(),
        Limits {
            events: 2_000_000,
            ..Limits::DEFAULT
        },
    );
    assert_eq!(count(&out.events, procedure_done), 1);
    assert_eq!(out.metrics.aborted, 1);
    assert_eq!(out.metrics.conservation_error(), None);
    assert_eq!(aborted_because(&out.events).len(), 1);
}

/// What one worker thread may use at most, and the rest of the process.
const PER_WORKER_MIB: u64 = 256;
const BASE_MIB: u64 = 64;

/// Runs the binary with its data segment and private mappings (the heap,
/// thread stacks) limited to `mib` MiB: an allocation past it fails, and the
/// process aborts.
#[cfg(target_os = "linux")]
fn cutover_within(dir: &std::path::Path, args: &[&str], mib: u64) -> std::process::Output {
    limited(dir, args, mib).output().expect("the binary runs")
}

#[cfg(target_os = "linux")]
fn limited(dir: &std::path::Path, args: &[&str], mib: u64) -> std::process::Command {
    use std::os::unix::process::CommandExt;
    let bytes = mib << 20;
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_cutover"));
    cmd.args(args).current_dir(dir);
    // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            let limit = libc::rlimit {
                rlim_cur: bytes,
                rlim_max: bytes,
            };
            if libc::setrlimit(libc::RLIMIT_DATA, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd
}

/// [`cutover_within`], killed after `secs` seconds (a generous bound: a hang
/// regression fails it, a slow machine does not): `None` when it was.
#[cfg(target_os = "linux")]
fn cutover_within_for(dir: &std::path::Path, args: &[&str], mib: u64, secs: u64) -> Option<std::process::Output> {
    use std::process::Stdio;
    let mut child = limited(dir, args, mib)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed().as_secs() >= secs {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    Some(child.wait_with_output().unwrap())
}

#[cfg(target_os = "linux")]
#[test]
fn work_per_event_does_not_grow_with_the_cluster() {
    // 100,000 traffic nodes in one region, and 75,000 regions (the most a
    // 2 MiB file holds): every arrival and status check scanned every node,
    // the timeline went over the whole log once per node and drew a lane per
    // region (minutes to hours, 5 GB). Each now takes seconds (debug build).
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let nodes = "[site]\nkind = \"atlas\"\nregions = [{ name = \"r\", nodes = 100000, capacity = 100 }]\n[workload.support]\nrate_per_hour = 20000\n[faults]\nupgrade_failure = 0.2\n";
    std::fs::write(dir.join("nodes.toml"), nodes).unwrap();
    let regions: Vec<String> = (0..75_000).map(|i| format!("{{name=\"r{i}\",nodes=1}}")).collect();
    let text = format!("[site]\nkind = \"atlas\"\nregions = [{}]\n", regions.join(","));
    std::fs::write(dir.join("regions.toml"), text).unwrap();
    // `run` simulates as `compare` does, and also logs and draws.
    let cases: [&[&str]; 2] = [
        &["run", "nodes.toml", "--out", "a"],
        &["run", "regions.toml", "--out", "c"],
    ];
    for args in cases {
        let o = cutover_within_for(dir, args, PER_WORKER_MIB + BASE_MIB, 120);
        let o = o.unwrap_or_else(|| panic!("{args:?} still running after 120 s"));
        assert_eq!(
            o.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    // The chart shows the 75,000 regions as one lane.
    let svg = std::fs::read_to_string(dir.join("c/timeline.svg")).unwrap();
    assert!(svg.contains("traffic (75000 nodes)"));
    assert!(svg.len() < 1_000_000, "{} bytes", svg.len());
}

#[cfg(target_os = "linux")]
#[test]
fn worst_accepted_inputs_stay_within_the_memory_bound() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // Sessions that never end, at the rate cap: they pile up to the client budget.
    std::fs::write(dir.join("never.toml"), busiest("3650d", "")).unwrap();
    // The same on a pair crashing every few minutes: the dropped sessions'
    // ends pile up in the queue (3.2 GB before its budget).
    let crashing = busiest("3650d", "[faults]\ncrashes = true\nmtbf = \"2m\"\nmttr = \"1m\"\n").replace(
        "strategies = [\"single\"]\n[site]\nkind = \"single\"\n",
        "strategies = [\"failover-sync\"]\n",
    );
    std::fs::write(dir.join("crashing.toml"), crashing).unwrap();
    // The largest file accepted, all zero-time steps: the parser's peak, and
    // more log records than the log keeps.
    let step = "{ do = \"notify\", what = \"n\" }, ";
    let head =
        "strategies = [\"x\"]\n[site]\nkind = \"single\"\n[[runbooks]]\nname = \"x\"\nsite = \"single\"\nsteps = [";
    let n = ((2 << 20) - head.len() - 2) / step.len();
    std::fs::write(dir.join("largest.toml"), format!("{head}{}]\n", step.repeat(n))).unwrap();
    let one = PER_WORKER_MIB + BASE_MIB;
    let two = 2 * PER_WORKER_MIB + BASE_MIB;
    let cases: [(&[&str], u64); 6] = [
        (&["run", "never.toml", "--trace-sessions", "--out", "a"], one),
        (&["run", "crashing.toml", "--trace-sessions", "--out", "g"], one),
        (
            &[
                "compare",
                "crashing.toml",
                "--runs",
                "2",
                "--threads",
                "2",
                "--out",
                "e",
            ],
            two,
        ),
        (
            &["compare", "never.toml", "--runs", "4", "--threads", "2", "--out", "b"],
            two,
        ),
        (&["run", "largest.toml", "--out", "c"], one),
        (
            &["compare", "largest.toml", "--runs", "4", "--threads", "2", "--out", "d"],
            two,
        ),
    ];
    for (args, mib) in cases {
        let o = cutover_within(dir, args, mib);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(0), "{args:?} within {mib} MiB: {err}");
    }
    let metrics = std::fs::read_to_string(dir.join("a/metrics.csv")).unwrap();
    let header: Vec<&str> = metrics.lines().next().unwrap().split(',').collect();
    let row: Vec<&str> = metrics.lines().nth(1).unwrap().split(',').collect();
    let aborted = header.iter().position(|h| *h == "aborted").unwrap();
    assert_eq!(row[aborted], "1", "the client budget stopped it");
    let log = std::fs::read_to_string(dir.join("a/events.csv")).unwrap();
    assert!(log.contains("log_truncated"));
    assert!(log.contains("clients were connected or waiting to retry at once"));
    // The limit is real: well below what the run needs (about 100 MB), it fails.
    let o = cutover_within(dir, &["run", "never.toml", "--trace-sessions", "--out", "f"], 48);
    assert_ne!(o.status.code(), Some(0), "a 48 MiB limit should not suffice");
}

/// Runs the binary under [`limited`] (with `RAYON_NUM_THREADS=1`, so that
/// charts drawn in parallel use one worker) and returns its exit code, its
/// stderr and its peak resident set in MiB, read from `wait4` on that
/// child alone (other tests' children do not count).
#[cfg(target_os = "linux")]
fn peak_rss(dir: &std::path::Path, args: &[&str], mib: u64) -> (Option<i32>, String, u64) {
    use std::os::unix::process::ExitStatusExt;
    use std::process::Stdio;
    let err_path = dir.join(format!(".stderr-{}", args.join("-").replace(['/', '.'], "_")));
    let err = std::fs::File::create(&err_path).unwrap();
    // Reaped by wait4 below (std's wait would not give its usage).
    #[allow(clippy::zombie_processes)]
    let child = limited(dir, args, mib)
        .env("RAYON_NUM_THREADS", "1")
        .stdout(Stdio::null())
        .stderr(err)
        .spawn()
        .expect("the binary runs");
    let mut status = 0;
    // SAFETY: an all-zero rusage is valid; wait4 reaps this child only.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    let got = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(got, pid, "wait4: {}", std::io::Error::last_os_error());
    let code = std::process::ExitStatus::from_raw(status).code();
    // ru_maxrss is in KiB on Linux.
    let peak = (usage.ru_maxrss as u64).div_ceil(1024);
    (code, std::fs::read_to_string(&err_path).unwrap(), peak)
}

#[cfg(target_os = "linux")]
#[test]
fn charts_of_the_longest_accepted_run_stay_within_the_memory_bound() {
    // The longest duration accepted (3,650 days) as the cool-down of the
    // shipped failover pair: a run of ten years with a sync every 15
    // minutes and two windows a week. Its timeline drew a rectangle per
    // sync (43 MB of SVG, 821 MB to rasterise); `report` drew four of them
    // (over 1 GB). The peak resident set is measured on the debug build
    // the suite runs: it holds the same data as a release build, plus
    // unoptimised code, so a debug peak within the bound is a release
    // peak within it too. One worker thread: the bound is 256 MB + 64 MB.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/failover-pair.toml"))
        .unwrap()
        .replace("cooldown = \"0s\"", "cooldown = \"3650d\"")
        .replace(
            "strategies = [\"failover-sync\", \"failover-sync-one-window\", \"failover-async-shared-ip\", \"failover-async-dns\", \"failover-async-nat\"]",
            "strategies = [\"failover-sync\", \"failover-async-dns\"]",
        );
    assert!(text.contains("cooldown = \"3650d\"") && text.contains("\"failover-async-dns\"]"));
    std::fs::write(dir.join("long.toml"), text).unwrap();
    let bound = PER_WORKER_MIB + BASE_MIB;
    let cases: [&[&str]; 3] = [
        &["run", "long.toml", "--strategy", "failover-async-dns", "--out", "r"],
        &[
            "compare",
            "long.toml",
            "--runs",
            "1",
            "--threads",
            "1",
            "--no-sensitivity",
            "--out",
            "c",
        ],
        &["report", "c", "--threads", "1", "--no-sensitivity"],
    ];
    for args in cases {
        let (code, err, peak) = peak_rss(dir, args, bound);
        assert_eq!(code, Some(0), "{args:?} within {bound} MiB: {err}");
        eprintln!("{args:?}: peak {peak} MiB");
        assert!(peak <= bound, "{args:?} peaked at {peak} MiB, over {bound} MiB");
    }
    // The drawings stay small: at most a rectangle per pixel column and
    // lane, whatever the run's length.
    let charts = [
        dir.join("r/timeline.svg"),
        dir.join("c/charts/timeline-failover-async-dns-typical.svg"),
        dir.join("c/charts/timeline-failover-sync-bad.svg"),
    ];
    for svg in charts {
        let len = std::fs::metadata(&svg).unwrap().len();
        assert!(len < 1_000_000, "{}: {len} bytes", svg.display());
    }
    // And still show the procedure: the years after it are one cut-out
    // stretch, labelled, and the exposure between the windows is written
    // on its lane.
    let svg = std::fs::read_to_string(dir.join("r/timeline.svg")).unwrap();
    assert!(
        svg.contains(" years cut out"),
        "the ten-year cool-down is cut out, in years"
    );
    assert!(svg.contains("no failover"), "the exposure is labelled");
}

// ----- 4. a stop request ends a replication in progress ---------------------------

#[test]
fn a_stop_request_interrupts_a_replication_in_progress() {
    // Hundreds of thousands of events: the flag is read every 65,536.
    let sc = scenario(&busy(100_000, "10m", ""));
    let stop = AtomicBool::new(true);
    let rb = &sc.runbooks[0];
    assert!(simulate_bounded(&sc, rb, 1, 0, RunOptions::default(), &Limits::DEFAULT, &stop).is_none());
    let never = AtomicBool::new(false);
    let done = simulate_bounded(&sc, rb, 1, 0, RunOptions::default(), &Limits::DEFAULT, &never).unwrap();
    assert!(done.metrics.arrivals > 100_000);
    assert_eq!(done.metrics, simulate(&sc, rb, 1, 0, RunOptions::default()).metrics);
}

/// Sends SIGINT to `cutover compare` on replications that take minutes each
/// (the rate cap at every hour of a two-window procedure) and waits for it.
fn interrupt_long_replications(threads: &str) -> (Option<i32>, std::time::Duration) {
    use std::process::{Command, Stdio};
    let tmp = tempfile::tempdir().unwrap();
    let text = busiest("10m", "")
        .replace(
            "strategies = [\"single\"]\n[site]\nkind = \"single\"\n",
            "strategies = [\"failover-sync\"]\n",
        )
        .replace("windows = [{ weekday = \"mon\", hour = 0, length = \"168h\" }]\n", "");
    std::fs::write(tmp.path().join("slow.toml"), text).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args([
            "compare",
            "slow.toml",
            "--runs",
            "8",
            "--threads",
            threads,
            "--quiet",
            "--no-charts",
            "--out",
            "o",
        ])
        .current_dir(tmp.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
    let sent = std::time::Instant::now();
    // A generous bound: before the fix it took over a minute.
    let limit = std::time::Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return (status.code(), sent.elapsed());
        }
        if sent.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return (None, sent.elapsed());
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn ctrl_c_stops_compare_in_the_middle_of_long_replications() {
    for threads in ["1", "2"] {
        let (code, after) = interrupt_long_replications(threads);
        assert_eq!(
            code,
            Some(130),
            "--threads {threads}: still running {after:?} after SIGINT"
        );
    }
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
fn scenario_files_above_two_mebibytes_are_refused_unparsed() {
    let text = format!("# {}\n", "x".repeat(2 << 20));
    let err = refused(&text);
    assert!(err.contains("bytes: at most 2097152 (2 MiB)"), "{err}");
    // At the limit it parses (a comment).
    let at = format!("# {}\n", "x".repeat((2 << 20) - 3));
    assert_eq!(at.len(), 2 << 20);
    scenario(&at);
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
    assert!(line.contains(&format!("rb0 and {more} more")), "{line}");
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
