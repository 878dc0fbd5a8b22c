//! Hand-computed runbooks. Every duration is a constant, the workload is
//! empty, so each metric follows from adding up the steps. The arithmetic is
//! spelled out next to each expectation.

use crate::{run, scenario};

const S: u64 = 1000; // milliseconds per second

/// A pair with 100 GB, windows Monday and Wednesday 10:00-18:00 UTC, and a
/// 2 h warm-up, so the procedure starts Monday 10:00 (P = 36,000 s).
///
/// Per appliance the upgrade takes base 10m + product 20m + 100 GB × 6 s
/// (10m) + reboot 5m = 45m = 2,700 s. Syncs: overhead 30 s, no record data;
/// the full sync after establishing copies 100,000 MB at 100 MB/s = 1,000 s,
/// so it takes 1,030 s and starts 60 s after establishing.
/// Operator: step 60 s, backup 180 s, verify 600 s.
const PAIR: &str = r#"
[calendar]
windows = [
  { weekday = "mon", hour = 10, length = "8h" },
  { weekday = "wed", hour = 10, length = "8h" },
]
warmup = "2h"
interim = "1d"

[site]
kind = "failover-pair"
data_gb = 100

[upgrade]
base = "10m"
product = "20m"
reboot = "5m"
install_per_gb = "6s"

[failover]
sync_interval = "15m"
first_sync_delay = "60s"
sync_overhead = "30s"
throughput_mb_s = 100
record_mb = 0

[network]
shared_ip_gap = "20s"
dns_ttl = "60s"
dns_stale_fraction = 0
nat_delay = "5s"

[operator]
step = "1m"
backup = "3m"
verify = "10m"

[workload.support]
rate_per_hour = 0
[workload.console]
rate_per_hour = 0
"#;

const P: u64 = 36_000;
const MTBF_S: f64 = 8760.0 * 3600.0;

#[test]
fn failover_sync_by_hand() {
    let m = run(&scenario(PAIR), "failover-sync", 1, 0);
    // backup: 60 + 180 = 240. Sync Now: click at 300; the periodic syncs
    // (every 930 s from 08:15) are idle then, so it runs 300..330.
    // break: 390. upgrade A: click 450, down 450..3,150.
    assert_eq!(m.downtime_ms, 2_700 * S, "downtime = A's upgrade time");
    // verify A 3,750; upgrade B 3,810..6,510; verify B 7,110;
    // establish 7,170: exposure 7,170 − 390 = 6,780.
    assert_eq!(m.exposure_ms, 6_780 * S, "exposure = break to re-established");
    // first sync 7,230 + 1,030 = 8,260: the procedure's end.
    assert_eq!(m.procedure_ms, 8_260 * S);
    assert_eq!(m.procedure_start_ms, P * S);
    assert_eq!(m.windows_used, 1);
    assert_eq!(m.window_overrun_ms, 0);
    let risk = 1.0 - (-6_780.0 / MTBF_S).exp();
    assert!((m.exposure_risk - risk).abs() < 1e-12, "{} vs {risk}", m.exposure_risk);
    // The run ends when the procedure does (no cool-down); the span starts
    // at the warm-up, 2 h before P.
    assert_eq!(m.span_ms, (7_200 + 8_260) * S);
}

/// The three asynchronous runbooks share everything but the switch.
fn async_common(strategy: &str, switch_done: u64, downtime: u64) {
    let sc = scenario(PAIR);
    let m = run(&sc, strategy, 1, 0);
    // The switch (step 6 of 11) ends when the hand computation says.
    let log = cutover::sim::simulate(
        &sc,
        sc.runbook(strategy).unwrap(),
        1,
        0,
        cutover::sim::RunOptions {
            log_events: true,
            trace_sessions: false,
        },
    );
    assert_eq!(log.events.step_count(), 11);
    let done = log
        .events
        .iter()
        .find(|e| e.event == cutover::sim::events::Event::StepDone { step: 5 })
        .map(|e| e.time.0);
    assert_eq!(done, Some((P + switch_done) * S), "{strategy}: the switch ends");
    assert_eq!(m.downtime_ms, downtime * S, "{strategy}: downtime = the switch gap");
    // backup 240, Sync Now 300..330, break 390, upgrade B 450..3,150,
    // verify B 3,750, switch click 3,810 and done at `switch_done`.
    // Interim 1 day: Tuesday ~11:00, so the next window opens Wednesday
    // 10:00 = P + 172,800. Upgrade A: click 172,860, done 175,560; verify
    // 176,160; establish (B primary) 176,220; full sync 176,280..177,310.
    // The interim ends a day after the switch, before Wednesday's window.
    assert!(switch_done + 86_400 < 172_800);
    assert_eq!(m.exposure_ms, (176_220 - 390) * S, "{strategy}: exposure");
    assert_eq!(m.procedure_ms, 177_310 * S, "{strategy}: procedure");
    assert_eq!(m.windows_used, 2, "{strategy}: two windows");
    assert_eq!(m.window_overrun_ms, 0, "{strategy}: overrun");
}

#[test]
fn failover_async_shared_ip_by_hand() {
    // Shared IP disabled on A at 3,810, enabled on B 20 s later.
    async_common("failover-async-shared-ip", 3_830, 20);
}

#[test]
fn failover_async_dns_by_hand() {
    // Record edited at 3,810; fresh resolvers follow at once (A is up
    // anyway); the operator waits one TTL (60 s).
    async_common("failover-async-dns", 3_870, 0);
}

#[test]
fn failover_async_nat_by_hand() {
    // NAT edited at 3,810, effective 5 s later; A serves until then.
    async_common("failover-async-nat", 3_815, 0);
}

#[test]
fn single_by_hand() {
    let text = PAIR.replace("kind = \"failover-pair\"", "kind = \"single\"");
    let m = run(&scenario(&text), "single", 1, 0);
    // backup 240; upgrade click 300, down 300..3,000; verify 3,600.
    assert_eq!(m.downtime_ms, 2_700 * S);
    assert_eq!(m.procedure_ms, 3_600 * S);
    assert_eq!(m.exposure_ms, 0);
    assert_eq!(m.exposure_risk, 0.0);
    assert_eq!(m.windows_used, 1);
}

#[test]
fn window_overrun_by_hand() {
    // The same synchronous upgrade in a 1-hour window: 3,600 s of the
    // 8,260 s procedure fall inside it, 4,660 s outside.
    let text = PAIR.replace(
        "  { weekday = \"mon\", hour = 10, length = \"8h\" },\n  { weekday = \"wed\", hour = 10, length = \"8h\" },",
        "  { weekday = \"mon\", hour = 10, length = \"1h\" },",
    );
    let m = run(&scenario(&text), "failover-sync", 1, 0);
    assert_eq!(m.procedure_ms, 8_260 * S);
    assert_eq!(m.windows_used, 1);
    assert_eq!(m.window_overrun_ms, 4_660 * S);
}

#[test]
fn async_interim_waits_a_week_with_one_weekly_window() {
    // With only Monday's window, the interim (1 day) ends Tuesday and the
    // second half waits for the next Monday: A's upgrade click at P + 7 d + 60.
    let text = PAIR.replace("  { weekday = \"wed\", hour = 10, length = \"8h\" },\n", "");
    let m = run(&scenario(&text), "failover-async-nat", 1, 0);
    let week = 7 * 86_400;
    assert_eq!(m.exposure_ms, (week + 60 + 2_700 + 600 + 60 - 390) * S);
    assert_eq!(m.windows_used, 2);
}
