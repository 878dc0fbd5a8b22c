//! Hand-computed runbooks. Every duration is a constant, the workload is
//! empty, so each metric follows from adding up the steps. The arithmetic is
//! spelled out next to each expectation.

use crate::{run, scenario};

pub const S: u64 = 1000; // milliseconds per second

/// A pair with 100 GB, windows Monday and Wednesday 10:00-18:00 UTC, and a
/// 2 h warm-up, so the procedure starts Monday 10:00 (P = 36,000 s).
///
/// Per appliance the upgrade takes base 10m + product 20m + 100 GB × 6 s
/// (10m) + reboot 5m = 45m = 2,700 s. Syncs: overhead 30 s, no record data;
/// the full sync after establishing copies 100,000 MB at 100 MB/s = 1,000 s,
/// so it takes 1,030 s and starts 60 s after establishing.
/// Operator: step 60 s, backup 180 s, verify 600 s.
pub const PAIR: &str = r#"
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

pub const P: u64 = 36_000;
const MTBF_S: f64 = 8760.0 * 3600.0;

#[test]
fn failover_sync_by_hand() {
    let m = run(&scenario(PAIR), "failover-sync", 1, 0);
    // backup: 60 + 180 = 240. Sync Now: click at 300; the periodic syncs
    // (every 930 s from 08:15) are idle then, so it runs 300..330.
    // break: 390. upgrade A: click 450, down 450..3,150.
    assert_eq!(m.downtime_ms, 2_700 * S, "downtime = A's upgrade time");
    // verify A 3,750. Interim: 1 day, to Tuesday 11:02 (P + 90,150); the
    // next window opens Wednesday 10:00 = P + 172,800. Upgrade B: click
    // 172,860, done 175,560 (B serves nobody: no downtime); verify B
    // 176,160; establish 176,220: exposure 176,220 − 390 = 175,830.
    assert_eq!(
        m.exposure_ms,
        175_830 * S,
        "exposure = break to re-established, the interim included"
    );
    // first sync 176,280 + 1,030 = 177,310: the procedure's end.
    assert_eq!(m.procedure_ms, 177_310 * S);
    assert_eq!(m.procedure_start_ms, P * S);
    assert_eq!(m.windows_used, 2, "A's half on Monday, B's on Wednesday");
    assert_eq!(m.window_overrun_ms, 0);
    let risk = 1.0 - (-175_830.0 / MTBF_S).exp();
    assert!((m.exposure_risk - risk).abs() < 1e-12, "{} vs {risk}", m.exposure_risk);
    assert_eq!(m.span_ms, (7_200 + 177_310) * S);
}

#[test]
fn failover_sync_one_window_by_hand() {
    let m = run(&scenario(PAIR), "failover-sync-one-window", 1, 0);
    // As above up to verify A at 3,750; then at once upgrade B 3,810..6,510;
    // verify B 7,110; establish 7,170: exposure 7,170 − 390 = 6,780.
    assert_eq!(m.downtime_ms, 2_700 * S, "downtime = A's upgrade time");
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
    // The one-night synchronous upgrade in a 1-hour window: 3,600 s of the
    // 8,260 s procedure fall inside it, 4,660 s outside.
    let text = PAIR.replace(
        "  { weekday = \"mon\", hour = 10, length = \"8h\" },\n  { weekday = \"wed\", hour = 10, length = \"8h\" },",
        "  { weekday = \"mon\", hour = 10, length = \"1h\" },",
    );
    let m = run(&scenario(&text), "failover-sync-one-window", 1, 0);
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

/// `PAIR` with a latent defect in every replication, found a constant
/// `detect` after the new version starts serving; restores take 30 min.
fn with_defect(text: &str, detect: &str) -> String {
    format!("{text}\n[faults]\nlatent_defect = 1\ndefect_detect = \"{detect}\"\nrollback = \"30m\"\n")
}

/// The event times (seconds after P) of `event` records.
fn times(sc: &cutover::scenario::Scenario, strategy: &str, event: &str) -> Vec<u64> {
    let out = cutover::sim::simulate(
        sc,
        sc.runbook(strategy).unwrap(),
        1,
        0,
        cutover::sim::RunOptions {
            log_events: true,
            trace_sessions: false,
        },
    );
    out.events
        .iter()
        .filter(|e| e.event.name() == event)
        .map(|e| e.time.0 / S - P)
        .collect()
}

#[test]
fn sync_fall_back_by_hand() {
    let sc = scenario(&with_defect(PAIR, "1d"));
    let m = run(&sc, "failover-sync", 1, 0);
    // As in `failover_sync_by_hand`: A down 450..3,150 and serving the new
    // version from 3,150; the interim runs from 3,750 and would end at
    // 90,150. The defect shows a day after 3,150, at 89,550, while B still
    // runs the old version: fall back to B by `site.switch` (shared IP).
    assert_eq!(times(&sc, "failover-sync", "new_version_serving"), [3_150]);
    assert_eq!(times(&sc, "failover-sync", "defect_found"), [89_550]);
    assert_eq!(times(&sc, "failover-sync", "fallback"), [89_550]);
    assert_eq!((m.defects_found, m.fallbacks, m.defect_escaped), (1, 1, 0));
    // Switch: operator 60 s, shared IP disabled on A at 89,610, enabled on
    // B 20 s later: 20 s of downtime caused by the fall-back.
    assert_eq!(m.downtime_ms, (2_700 + 20) * S);
    assert_eq!(m.defect_downtime_ms, 20 * S);
    // Restore A: click 89,630 + 60 = 89,690, back on the old version 1,800 s
    // later at 91,490 (B serves meanwhile: no downtime).
    assert_eq!(times(&sc, "failover-sync", "restore_start"), [89_690]);
    assert_eq!(times(&sc, "failover-sync", "restore_done"), [91_490]);
    // Establish B primary, A backup at 91,550: exposure 91,550 − 390.
    assert_eq!(m.exposure_ms, (91_550 - 390) * S);
    // Full sync 91,610..92,640: the procedure ends there, B's upgrade never ran.
    assert_eq!(m.procedure_ms, 92_640 * S);
    assert_eq!(times(&sc, "failover-sync", "upgrade_start"), [450]);
    // The recovery runs on Tuesday, outside the Monday and Wednesday
    // windows: 89,550..92,640 is overrun.
    assert_eq!(m.windows_used, 1);
    assert_eq!(m.window_overrun_ms, 3_090 * S);
    assert_eq!(m.aborted, 0);
}

#[test]
fn single_escaped_defect_by_hand() {
    // One appliance: a defect found is an escaped one. A serves the new
    // version from 3,000 (`single_by_hand`); the procedure's steps end at
    // 3,600, the run goes on until the defect shows at 3,000 + 3,600 =
    // 6,600; restore A: click 6,660, the site down until 8,460.
    let text = with_defect(&PAIR.replace("kind = \"failover-pair\"", "kind = \"single\""), "1h");
    let sc = scenario(&text);
    let m = run(&sc, "single", 1, 0);
    assert_eq!(times(&sc, "single", "defect_escaped"), [6_600]);
    assert_eq!(times(&sc, "single", "restore_start"), [6_660]);
    assert_eq!((m.defects_found, m.fallbacks, m.defect_escaped), (0, 0, 1));
    assert_eq!(m.downtime_ms, (2_700 + 1_800) * S);
    assert_eq!(m.defect_downtime_ms, 1_800 * S);
    assert_eq!(m.procedure_ms, 8_460 * S);
}

#[test]
fn defect_found_mid_upgrade_escapes_by_hand() {
    // One night: A serves the new version from 3,150; B's install runs
    // 3,810..6,510. The defect shows at 3,150 + 1,000 = 4,150, while B
    // installs: its old version is being overwritten, so the defect has
    // escaped. Restore A first, the site down: click 4,210, back at 6,010.
    // Then B: click 6,070, which stops its install (it would have ended at
    // 6,510), back on the old version at 7,870. Establish A primary at
    // 7,930; full sync 7,990..9,020.
    let sc = scenario(&with_defect(PAIR, "1000s"));
    let name = "failover-sync-one-window";
    let m = run(&sc, name, 1, 0);
    assert_eq!(times(&sc, name, "defect_escaped"), [4_150]);
    assert_eq!(times(&sc, name, "restore_start"), [4_210, 6_070]);
    assert_eq!(times(&sc, name, "restore_done"), [6_010, 7_870]);
    assert!(
        times(&sc, name, "upgrade_done").len() == 1,
        "B's install never completes"
    );
    assert_eq!((m.defects_found, m.fallbacks, m.defect_escaped), (0, 0, 1));
    assert_eq!(m.downtime_ms, (2_700 + 1_800) * S);
    assert_eq!(m.defect_downtime_ms, 1_800 * S);
    assert_eq!(m.exposure_ms, (7_930 - 390) * S);
    assert_eq!(m.procedure_ms, 9_020 * S);
}
