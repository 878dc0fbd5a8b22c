//! Faults: crashes against theory, failed upgrades, syncs and prechecks.

use crate::{mean_se, run, scenario};

/// A pair whose runbook breaks the relationship for exactly 10 h and
/// re-establishes it; crashes at MTBF 20 h, repaired in 1 s, no workload.
const EXPOSED: &str = r#"
[calendar]
windows = [{ weekday = "mon", hour = 0, length = "24h" }]
warmup = "0s"

[site]
kind = "failover-pair"
data_gb = 0

[operator]
step = "0s"

[faults]
crashes = true
mtbf = "20h"
mttr = "1s"

[workload.support]
rate_per_hour = 0
[workload.console]
rate_per_hour = 0

[[runbooks]]
name = "exposed"
site = "failover-pair"
steps = [
  { do = "break_failover" },
  { do = "wait", duration = "10h" },
  { do = "establish_failover", primary = "A", backup = "B" },
]
"#;

#[test]
fn crash_during_exposure_matches_the_exponential_law() {
    let sc = scenario(EXPOSED);
    let mtbf_s = 20.0 * 3600.0;
    let mut hit = Vec::new();
    let mut theory = Vec::new();
    for r in 0..600 {
        let m = run(&sc, "exposed", 11, r);
        let t = m.exposure_ms as f64 / 1000.0;
        // Exposure is the 10 h wait, give or take a 1 s repair at its end.
        assert!((36_000.0..=36_002.0).contains(&t), "exposure {t}");
        // The serving appliance is at risk while it is up: the exposure
        // less the 1 s repair after each of its crashes.
        let at_risk = t - m.exposure_crashes as f64;
        let formula = 1.0 - (-at_risk / mtbf_s).exp();
        assert!(
            (m.exposure_risk - formula).abs() < 1e-12,
            "exposure_risk is 1 − e^(−T/MTBF)"
        );
        hit.push(f64::from(u8::from(m.exposure_crashes > 0)));
        theory.push(formula);
    }
    let (p, se) = mean_se(&hit);
    let expected = theory.iter().sum::<f64>() / theory.len() as f64; // 1 − e^(−0.5) ≈ 0.393
    assert!(
        (p - expected).abs() < 3.0 * se,
        "crash fraction {p} ± {se}, theory {expected}"
    );
}

#[test]
fn a_crash_without_failover_loses_unsynced_records_and_takes_the_site_down() {
    // The single exposure window with records piling up: crash often, and
    // repair slowly, so the site is down for repairs.
    let text = EXPOSED
        .replace("mtbf = \"20h\"", "mtbf = \"2h\"")
        .replace("mttr = \"1s\"", "mttr = \"30m\"")
        .replace(
            "[workload.support]\nrate_per_hour = 0",
            "[workload.support]\nrate_per_hour = 60",
        );
    let sc = scenario(&text);
    let mut lost = 0;
    let mut down = 0;
    for r in 0..20 {
        let m = run(&sc, "exposed", 2, r);
        lost += m.records_lost;
        down += m.downtime_ms;
        assert!(m.lost_work_sessions <= m.dropped_sessions);
    }
    assert!(lost > 0, "unsynced records die with the appliance");
    assert!(down > 0, "nobody takes over without a relationship");
}

#[test]
fn backup_takes_over_when_the_primary_crashes() {
    // Established the whole time (the runbook only waits 10 h): a crash of
    // the primary costs the failover delay (1 min), not the 5-hour repair.
    // A crash in about one run in three: runs with exactly one are common.
    let text = EXPOSED
        .replace("mttr = \"1s\"", "mttr = \"5h\"\nfailover_delay = \"1m\"")
        .replace(
            "steps = [\n  { do = \"break_failover\" },\n  { do = \"wait\", duration = \"10h\" },\n  { do = \"establish_failover\", primary = \"A\", backup = \"B\" },\n]",
            "steps = [{ do = \"wait\", duration = \"10h\" }]",
        );
    let sc = scenario(&text);
    let (mut crashes, mut short) = (0, 0);
    for r in 0..60 {
        let m = run(&sc, "exposed", 4, r);
        crashes += m.crashes;
        // One crash at most in the run: the backup took over within a minute.
        if m.crashes == 1 {
            assert!(m.downtime_ms <= 60_000, "replication {r}: down {} ms", m.downtime_ms);
            short += 1;
        }
    }
    assert!(crashes > 0 && short > 0);
}

const SINGLE: &str = r#"
[calendar]
windows = [{ weekday = "mon", hour = 10, length = "8h" }]
warmup = "1h"

[site]
kind = "single"
data_gb = 0

[upgrade]
base = "10m"
product = "20m"
reboot = "5m"

[operator]
step = "1m"
backup = "0s"
verify = "0s"

[faults]
upgrade_failure = 1.0
rollback = "30m"
support = "2h"
upgrade_retries = 1

[workload.support]
rate_per_hour = 0
[workload.console]
rate_per_hour = 0
"#;

#[test]
fn failed_upgrades_wait_for_support_retry_roll_back_and_abort() {
    let m = run(&scenario(SINGLE), "single", 1, 0);
    // Backup (one operator step), the upgrade's click, then the first
    // attempt (35 m) fails: technical support answers in 2 h and the
    // operator retries (35 m); it fails again: support (2 h), then, no
    // retry left, the rollback (30 m) and the abort. The site is down
    // throughout: 35 + 120 + 35 + 120 + 30 = 340 m.
    assert_eq!(m.rollbacks, 1);
    assert_eq!(m.aborted, 1);
    assert_eq!(m.downtime_ms, 340 * 60_000);
    assert_eq!(m.procedure_ms, (1 + 1 + 340) * 60_000);
    // The path is in the event log.
    let sc = scenario(SINGLE);
    let out = cutover::sim::simulate(
        &sc,
        sc.runbook("single").unwrap(),
        1,
        0,
        cutover::sim::RunOptions {
            log_events: true,
            trace_sessions: false,
        },
    );
    use cutover::sim::events::{Entity, Event};
    let path: Vec<&str> = out
        .events
        .iter()
        .filter(|e| e.event.entity() == Entity::Node(0))
        .filter(|e| !matches!(e.event, Event::PhaseDone { .. } | Event::State { .. }))
        .map(|e| e.event.name())
        .collect();
    assert_eq!(
        path,
        [
            "upgrade_start",
            "upgrade_failed",
            "support_done",
            "upgrade_start",
            "upgrade_failed",
            "support_done",
            "rollback_done"
        ]
    );
    // And so are the states the timeline draws: upgrading 35 m, awaiting
    // support 2 h (the appliance left as it is), again, then rolling back
    // 30 m, serving the old version.
    let states: Vec<(u64, &str)> = out
        .events
        .iter()
        .filter_map(|e| match e.event {
            Event::State { node: 0, state } => Some((e.time.0, state.name())),
            _ => None,
        })
        .collect();
    let names: Vec<&str> = states.iter().map(|s| s.1).collect();
    assert_eq!(
        names,
        [
            "serving",
            "upgrading",
            "awaiting_support",
            "upgrading",
            "awaiting_support",
            "rolling_back",
            "serving"
        ]
    );
    let lengths: Vec<u64> = states.windows(2).skip(1).map(|w| (w[1].0 - w[0].0) / 60_000).collect();
    assert_eq!(lengths, [35, 120, 35, 120, 30]);
    // With no failure the same runbook is done in 1 + 1 + 35 minutes.
    let ok = run(
        &scenario(&SINGLE.replace("upgrade_failure = 1.0", "upgrade_failure = 0")),
        "single",
        1,
        0,
    );
    assert_eq!((ok.rollbacks, ok.aborted, ok.procedure_ms), (0, 0, 37 * 60_000));
}

#[test]
fn failed_prechecks_wait_for_the_admin_or_fail_the_update() {
    let base = SINGLE
        .replace("upgrade_failure = 1.0", "upgrade_failure = 0")
        .replace("[workload.support]", "[workload.support]\n")
        + "\n";
    let with_precheck = |deadline: &str| {
        format!(
            "{}\n[[runbooks]]\nname = \"checked\"\nsite = \"single\"\nsteps = [{{ do = \"precheck\" }}, {{ do = \"upgrade\", node = \"A\" }}]\n",
            base.replace(
                "upgrade_retries = 1",
                &format!("upgrade_retries = 1\nprecheck_failure = 1.0\nadmin_fix = \"3h\"\nprecheck_deadline = \"{deadline}\""),
            )
        )
    };
    // Fixed in 3 h, before a 1-day deadline: the upgrade goes on after it.
    let m = run(&scenario(&with_precheck("1d")), "checked", 1, 0);
    assert_eq!(m.aborted, 0);
    assert_eq!(m.procedure_ms, (1 + 180 + 1 + 35) * 60_000);
    // A 2-hour deadline: the update fails, nothing is upgraded.
    let m = run(&scenario(&with_precheck("2h")), "checked", 1, 0);
    assert_eq!(m.aborted, 1);
    assert_eq!(m.downtime_ms, 0);
    assert_eq!(m.procedure_ms, (1 + 120) * 60_000);
}

#[test]
fn failing_syncs_are_retried_until_they_succeed() {
    let text = r#"
[calendar]
windows = [{ weekday = "mon", hour = 10, length = "8h" }]
warmup = "1h"

[failover]
sync_overhead = "1m"
record_mb = 0

[faults]
sync_failure = 0.5
sync_retry = "5m"
"#;
    let sc = scenario(text);
    let clean = scenario(&text.replace("sync_failure = 0.5", "sync_failure = 0"));
    let (mut with, mut without) = (Vec::new(), Vec::new());
    for r in 0..40 {
        let m = run(&sc, "failover-sync", 8, r);
        assert_eq!(m.aborted, 0, "a failing sync is retried, never abandoned");
        with.push(m.procedure_ms as f64);
        without.push(run(&clean, "failover-sync", 8, r).procedure_ms as f64);
    }
    // Two waited-for syncs (Sync Now, the initial sync) each fail half the
    // time and cost a 5-minute retry: on average 2 × 5 min × (0.5/0.5) longer.
    let (a, sa) = mean_se(&with);
    let (b, _) = mean_se(&without);
    let extra_min = (a - b) / 60_000.0;
    assert!(
        extra_min > 5.0,
        "failed syncs added only {extra_min} min (± {} min)",
        sa / 60_000.0
    );
}

/// Found by the property tests: a 321 GB full sync (about 54 minutes) runs
/// while the primary crashes (its unsynced records are lost) and is repaired
/// 20 minutes later. The copy was cut short and must fail, not take the
/// lost records off the count a second time.
const CRASH_DURING_SYNC: &str = r#"
[site]
kind = "failover-pair"
data_gb = 321
[calendar]
warmup = "1h"
interim = "1h"
windows = [{ weekday = "fri", hour = 7, length = "1h" }, { weekday = "mon", hour = 7, length = "1h" }]
[upgrade]
base = { dist = "exponential", mean = "24m" }
product = { dist = "lognormal", median = "2m", p95 = "27m" }
reboot = "2m"
install_per_gb = "1s"
[operator]
step = { dist = "uniform", min = "2m", max = "3m" }
verify = "1m"
backup = { dist = "uniform", min = "2m", max = "3m" }
[workload]
arrivals = "deterministic"
[workload.support]
rate_per_hour = 0
duration = "1m"
retry = { attempts = 0, backoff = "20s" }
[workload.console]
rate_per_hour = 1
duration = { dist = "exponential", mean = "1m" }
[faults]
crashes = true
mtbf = "4h"
mttr = "20m"
upgrade_failure = 0.4810066785630115
rollback = "10m"
upgrade_retries = 1
sync_failure = 0.296896625980168
sync_retry = "2m"
precheck_failure = 0
admin_fix = "2h"
precheck_deadline = "3h"
"#;

#[test]
fn a_crash_during_a_sync_cuts_the_copy_short() {
    let sc = scenario(CRASH_DURING_SYNC);
    for name in &sc.strategies {
        // `run` asserts conservation; before the fix, one of these panicked
        // on the unsynced-record count going below zero.
        for (seed, rep) in [(726, 756), (1, 0), (2, 3)] {
            let m = run(&sc, name, seed, rep);
            assert!(m.records_lost <= m.completed + m.dropped_sessions, "{name}");
        }
    }
}

/// The default pair with crashes on, no workload (for speed) and a 1 s
/// repair, so that a crash barely changes the path of the procedure.
fn crashing_pair(mtbf: &str) -> cutover::scenario::Scenario {
    scenario(&format!(
        r#"
[calendar]
warmup = "0s"
[faults]
crashes = true
mtbf = "{mtbf}"
mttr = "1s"
[workload.support]
rate_per_hour = 0
[workload.console]
rate_per_hour = 0
"#
    ))
}

#[test]
fn exposure_risk_matches_the_share_of_runs_with_an_exposure_crash() {
    // Each strategy with an MTBF that puts its risk near 10–30 %: the time
    // the serving appliance is up without a working failover is about two
    // days for the two-window procedures (the interim) and about an hour
    // for the one-night synchronous upgrade (B installs while A serves).
    for (strategy, mtbf) in [
        ("failover-sync", "150h"),
        ("failover-sync-one-window", "8h"),
        ("failover-async-nat", "150h"),
    ] {
        let sc = crashing_pair(mtbf);
        let (mut hit, mut risk) = (Vec::new(), Vec::new());
        for r in 0..500 {
            let m = run(&sc, strategy, 21, r);
            hit.push(f64::from(u8::from(m.exposure_crashes > 0)));
            risk.push(m.exposure_risk);
        }
        let (p, se) = mean_se(&hit);
        let (mean_risk, _) = mean_se(&risk);
        assert!(
            (p - mean_risk).abs() < 3.0 * se,
            "{strategy}: exposure crashes in {p} ± {se} of the runs, mean exposure_risk {mean_risk}"
        );
    }
}

/// The hand-computed pair of `runbooks.rs` with random crashes (MTBF
/// 300 h, repaired in 1 h, a takeover 90 s after the primary's crash) and a
/// warm-up of three days, so that in some replications A crashes and B
/// takes over before the procedure; plus the asynchronous DNS procedure
/// written with names, as the built-in one was.
fn crashing_before(strategy: &str) -> cutover::scenario::Scenario {
    let text = crate::runbooks::PAIR.replace("warmup = \"2h\"", "warmup = \"3d\"")
        + &format!(
            r#"strategies = ["failover-async-dns", "{strategy}"]
[faults]
crashes = true
mtbf = "300h"
mttr = "1h"
failover_delay = "90s"

[[runbooks]]
name = "async-dns-by-name"
site = "failover-pair"
steps = [
  {{ do = "backup", node = "A" }}, {{ do = "sync_now" }}, {{ do = "break_failover" }},
  {{ do = "upgrade", node = "B" }}, {{ do = "verify", node = "B" }}, {{ do = "switch", method = "dns", to = "B" }},
  {{ do = "interim" }}, {{ do = "upgrade", node = "A" }}, {{ do = "verify", node = "A" }},
  {{ do = "establish_failover", primary = "B", backup = "A" }}, {{ do = "wait_sync" }},
]
"#
        );
    // The top-level `strategies` must come before any table.
    let (head, tail) = text.split_at(text.find("strategies").unwrap());
    let (line, rest) = tail.split_at(tail.find('\n').unwrap());
    scenario(&format!("{line}\n{head}{rest}"))
}

#[test]
fn after_a_takeover_before_the_procedure_the_async_upgrade_follows_the_roles() {
    use cutover::sim::events::Event;
    use cutover::sim::{RunOptions, simulate};
    let sc = crashing_before("async-dns-by-name");
    let opts = RunOptions {
        log_events: true,
        trace_sessions: false,
    };
    let mut seen = 0;
    for r in 0..60 {
        let by_role = simulate(&sc, sc.runbook("failover-async-dns").unwrap(), 3, r, opts);
        let start = by_role.metrics.procedure_start_ms;
        let end = start + by_role.metrics.procedure_ms;
        let when = |e: &dyn Fn(&Event) -> bool| -> Vec<u64> {
            by_role
                .events
                .iter()
                .filter(|x| e(&x.event))
                .map(|x| x.time.0)
                .collect()
        };
        let to_b = when(&|e| matches!(e, Event::TookOver { node: 1 }));
        let took_over = when(&|e| matches!(e, Event::TookOver { .. }));
        let crashes = when(&|e| matches!(e, Event::Crashed { .. }));
        // The case: one takeover, to B, before the procedure, A back by
        // then, and nothing crashed from then to the procedure's end.
        let quiet = to_b.first().is_some_and(|&t| t < start)
            && took_over.len() == 1
            && crashes.iter().all(|&c| c + 3_600_000 < start || c > end);
        if !quiet {
            continue;
        }
        seen += 1;
        // By role: A (the backup) first, then B; the site is never down
        // during the procedure (a DNS swing to an up appliance).
        let upgraded = when(&|e| matches!(e, Event::UpgradeStart { .. }));
        assert_eq!(upgraded.len(), 2, "replication {r}");
        let first = by_role.events.iter().find_map(|x| match x.event {
            Event::UpgradeStart { node, .. } => Some(node),
            _ => None,
        });
        assert_eq!(first, Some(0), "replication {r}: A first");
        assert!(
            by_role.spans.down.iter().all(|&(_, b)| b.0 <= start),
            "replication {r}: down only before the procedure: {:?}",
            by_role.spans.down
        );
        // By name (the same crashes: they draw from a stream of their own):
        // B is upgraded while it serves, down for its whole install, 2,880 s.
        let by_name = simulate(&sc, sc.runbook("async-dns-by-name").unwrap(), 3, r, opts);
        let during: Vec<u64> = by_name
            .spans
            .down
            .iter()
            .filter(|&&(a, _)| a.0 >= start)
            .map(|&(a, b)| b.0 - a.0)
            .collect();
        assert_eq!(during, [2_880_000], "replication {r}");
        assert_eq!(
            by_name.metrics.downtime_ms,
            by_role.metrics.downtime_ms + 2_880_000,
            "replication {r}: the same crash before, plus B's install"
        );
    }
    assert!(
        seen >= 3,
        "only {seen} replications with a takeover before the procedure"
    );
}
