//! Hand-computed runbooks. Every duration is a constant, the workload is
//! empty, so each metric follows from adding up the steps. The arithmetic is
//! spelled out next to each expectation.

use crate::{run, scenario};

pub const S: u64 = 1000; // milliseconds per second

/// A pair with 100 GB, windows Monday and Wednesday 10:00-18:00 UTC, and a
/// 2 h warm-up, so the procedure starts Monday 10:00 (P = 36,000 s).
///
/// Per appliance the upgrade takes base 10m + reboot 5m, the backup
/// download 3m (`operator.backup`), then product 20m + 100 GB × 6 s (10m):
/// 48m = 2,880 s. Syncs: overhead 30 s, no record data;
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
    // break: 390. upgrade A: click 450, down 450..3,330.
    assert_eq!(m.downtime_ms, 2_880 * S, "downtime = A's upgrade time");
    // verify A 3,930. Interim: 1 day, to Tuesday 11:05 (P + 90,330); the
    // next window opens Wednesday 10:00 = P + 172,800. Upgrade B: click
    // 172,860, done 175,740 (B serves nobody: no downtime); verify B
    // 176,340; establish 176,400: exposure 176,400 − 390 = 176,010.
    assert_eq!(
        m.exposure_ms,
        176_010 * S,
        "exposure = break to re-established, the interim included"
    );
    // first sync 176,460 + 1,030 = 177,490: the procedure's end.
    assert_eq!(m.procedure_ms, 177_490 * S);
    assert_eq!(m.procedure_start_ms, P * S);
    assert_eq!(m.windows_used, 2, "A's half on Monday, B's on Wednesday");
    assert_eq!(m.window_overrun_ms, 0);
    // At risk while A serves and is up: the exposure less A's install,
    // 176,010 − 2,880 = 173,130 s (A cannot crash while it installs).
    let risk = 1.0 - (-173_130.0 / MTBF_S).exp();
    assert!((m.exposure_risk - risk).abs() < 1e-12, "{} vs {risk}", m.exposure_risk);
    assert_eq!(m.span_ms, (7_200 + 177_490) * S);
}

#[test]
fn failover_sync_one_window_by_hand() {
    let m = run(&scenario(PAIR), "failover-sync-one-window", 1, 0);
    // As above up to verify A at 3,930; then at once upgrade B 3,990..6,870;
    // verify B 7,470; establish 7,530: exposure 7,530 − 390 = 7,140.
    assert_eq!(m.downtime_ms, 2_880 * S, "downtime = A's upgrade time");
    assert_eq!(m.exposure_ms, 7_140 * S, "exposure = break to re-established");
    // first sync 7,590 + 1,030 = 8,620: the procedure's end.
    assert_eq!(m.procedure_ms, 8_620 * S);
    assert_eq!(m.procedure_start_ms, P * S);
    assert_eq!(m.windows_used, 1);
    assert_eq!(m.window_overrun_ms, 0);
    // At risk while A serves and is up: the exposure less A's install,
    // 7,140 − 2,880 = 4,260 s (A cannot crash while it installs).
    let risk = 1.0 - (-4_260.0 / MTBF_S).exp();
    assert!((m.exposure_risk - risk).abs() < 1e-12, "{} vs {risk}", m.exposure_risk);
    // The run ends when the procedure does (no cool-down); the span starts
    // at the warm-up, 2 h before P.
    assert_eq!(m.span_ms, (7_200 + 8_620) * S);
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
    // backup 240, Sync Now 300..330, break 390, upgrade B 450..3,330,
    // verify B 3,930, switch click 3,990 and done at `switch_done`.
    // Interim 1 day: Tuesday ~11:00, so the next window opens Wednesday
    // 10:00 = P + 172,800. Upgrade A: click 172,860, done 175,740; verify
    // 176,340; establish (B primary) 176,400; full sync 176,460..177,490.
    // The interim ends a day after the switch, before Wednesday's window.
    assert!(switch_done + 86_400 < 172_800);
    assert_eq!(m.exposure_ms, (176_400 - 390) * S, "{strategy}: exposure");
    assert_eq!(m.procedure_ms, 177_490 * S, "{strategy}: procedure");
    assert_eq!(m.windows_used, 2, "{strategy}: two windows");
    assert_eq!(m.window_overrun_ms, 0, "{strategy}: overrun");
}

#[test]
fn failover_async_shared_ip_by_hand() {
    // Shared IP disabled on A at 3,990, enabled on B 20 s later.
    async_common("failover-async-shared-ip", 4_010, 20);
}

#[test]
fn failover_async_dns_by_hand() {
    // Record edited at 3,990; fresh resolvers follow at once (A is up
    // anyway); the operator waits one TTL (60 s).
    async_common("failover-async-dns", 4_050, 0);
}

#[test]
fn failover_async_nat_by_hand() {
    // NAT edited at 3,990, effective 5 s later; A serves until then.
    async_common("failover-async-nat", 3_995, 0);
}

#[test]
fn single_by_hand() {
    let text = PAIR.replace("kind = \"failover-pair\"", "kind = \"single\"");
    let m = run(&scenario(&text), "single", 1, 0);
    // backup 240; upgrade click 300, down 300..3,180; verify 3,780.
    assert_eq!(m.downtime_ms, 2_880 * S);
    assert_eq!(m.procedure_ms, 3_780 * S);
    assert_eq!(m.exposure_ms, 0);
    assert_eq!(m.exposure_risk, 0.0);
    assert_eq!(m.windows_used, 1);
}

#[test]
fn window_overrun_by_hand() {
    // The one-night synchronous upgrade in a 1-hour window: 3,600 s of the
    // 8,620 s procedure fall inside it, 5,020 s outside.
    let text = PAIR.replace(
        "  { weekday = \"mon\", hour = 10, length = \"8h\" },\n  { weekday = \"wed\", hour = 10, length = \"8h\" },",
        "  { weekday = \"mon\", hour = 10, length = \"1h\" },",
    );
    let m = run(&scenario(&text), "failover-sync-one-window", 1, 0);
    assert_eq!(m.procedure_ms, 8_620 * S);
    assert_eq!(m.windows_used, 1);
    assert_eq!(m.window_overrun_ms, 5_020 * S);
}

#[test]
fn async_interim_waits_a_week_with_one_weekly_window() {
    // With only Monday's window, the interim (1 day) ends Tuesday and the
    // second half waits for the next Monday: A's upgrade click at P + 7 d + 60.
    let text = PAIR.replace("  { weekday = \"wed\", hour = 10, length = \"8h\" },\n", "");
    let m = run(&scenario(&text), "failover-async-nat", 1, 0);
    let week = 7 * 86_400;
    assert_eq!(m.exposure_ms, (week + 60 + 2_880 + 600 + 60 - 390) * S);
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
    // As in `failover_sync_by_hand`: A down 450..3,330 and serving the new
    // version from 3,330; the interim runs from 3,930 and would end at
    // 90,330. The defect shows a day after 3,330, at 89,730, while B still
    // runs the old version: fall back to B by `site.switch` (shared IP).
    assert_eq!(times(&sc, "failover-sync", "new_version_serving"), [3_330]);
    assert_eq!(times(&sc, "failover-sync", "defect_found"), [89_730]);
    assert_eq!(times(&sc, "failover-sync", "fallback"), [89_730]);
    assert_eq!((m.defects_found, m.fallbacks, m.defect_escaped), (1, 1, 0));
    // Switch: operator 60 s, shared IP disabled on A at 89,790, enabled on
    // B 20 s later: 20 s of downtime caused by the fall-back.
    assert_eq!(m.downtime_ms, (2_880 + 20) * S);
    assert_eq!(m.defect_downtime_ms, 20 * S);
    // Restore A: click 89,810 + 60 = 89,870, back on the old version 1,800 s
    // later at 91,670 (B serves meanwhile: no downtime).
    assert_eq!(times(&sc, "failover-sync", "restore_start"), [89_870]);
    assert_eq!(times(&sc, "failover-sync", "restore_done"), [91_670]);
    // Establish B primary, A backup at 91,730: exposure 91,730 − 390.
    assert_eq!(m.exposure_ms, (91_730 - 390) * S);
    // Full sync 91,790..92,820: the procedure ends there, B's upgrade never ran.
    assert_eq!(m.procedure_ms, 92_820 * S);
    assert_eq!(times(&sc, "failover-sync", "upgrade_start"), [450]);
    // The recovery runs on Tuesday, outside the Monday and Wednesday
    // windows: 89,730..92,820 is overrun.
    assert_eq!(m.windows_used, 1);
    assert_eq!(m.window_overrun_ms, 3_090 * S);
    assert_eq!(m.aborted, 0);
}

#[test]
fn single_escaped_defect_by_hand() {
    // One appliance: a defect found is an escaped one. A serves the new
    // version from 3,180 (`single_by_hand`); the procedure's steps end at
    // 3,780, the run goes on until the defect shows at 3,180 + 3,600 =
    // 6,780; restore A: click 6,840, the site down until 8,640.
    let text = with_defect(&PAIR.replace("kind = \"failover-pair\"", "kind = \"single\""), "1h");
    let sc = scenario(&text);
    let m = run(&sc, "single", 1, 0);
    assert_eq!(times(&sc, "single", "defect_escaped"), [6_780]);
    assert_eq!(times(&sc, "single", "restore_start"), [6_840]);
    assert_eq!((m.defects_found, m.fallbacks, m.defect_escaped), (0, 0, 1));
    assert_eq!(m.downtime_ms, (2_880 + 1_800) * S);
    assert_eq!(m.defect_downtime_ms, 1_800 * S);
    assert_eq!(m.procedure_ms, 8_640 * S);
}

#[test]
fn defect_found_mid_upgrade_escapes_by_hand() {
    // One night: A serves the new version from 3,330; B's install runs
    // 3,990..6,870. The defect shows at 3,330 + 1,000 = 4,330, while B
    // installs: its old version is being overwritten, so the defect has
    // escaped. Restore A first, the site down: click 4,390, back at 6,190.
    // Then B: click 6,250, which stops its install (it would have ended at
    // 6,870), back on the old version at 8,050. Establish A primary at
    // 8,110; full sync 8,170..9,200.
    let sc = scenario(&with_defect(PAIR, "1000s"));
    let name = "failover-sync-one-window";
    let m = run(&sc, name, 1, 0);
    assert_eq!(times(&sc, name, "defect_escaped"), [4_330]);
    assert_eq!(times(&sc, name, "restore_start"), [4_390, 6_250]);
    assert_eq!(times(&sc, name, "restore_done"), [6_190, 8_050]);
    assert!(
        times(&sc, name, "upgrade_done").len() == 1,
        "B's install never completes"
    );
    assert_eq!((m.defects_found, m.fallbacks, m.defect_escaped), (0, 0, 1));
    assert_eq!(m.downtime_ms, (2_880 + 1_800) * S);
    assert_eq!(m.defect_downtime_ms, 1_800 * S);
    assert_eq!(m.exposure_ms, (8_110 - 390) * S);
    assert_eq!(m.procedure_ms, 9_200 * S);
}

#[test]
fn an_upgrade_runs_base_reboot_backup_download_then_product() {
    // The vendor's order: base software updates (with their reboot), then
    // download a backup, then the product update at once. A's upgrade click
    // in failover-sync is at 450: base 600 s, reboot 300 s, backup download
    // 180 s, product 1,200 + 600 s.
    let sc = scenario(PAIR);
    let out = cutover::sim::simulate(
        &sc,
        sc.runbook("failover-sync").unwrap(),
        1,
        0,
        cutover::sim::RunOptions {
            log_events: true,
            trace_sessions: false,
        },
    );
    let phases: Vec<(u64, &str)> = out
        .events
        .iter()
        .filter_map(|e| match e.event {
            cutover::sim::events::Event::PhaseDone { node: 0, phase } => Some((e.time.0 / S - P, phase.name())),
            _ => None,
        })
        .collect();
    assert_eq!(
        phases,
        [
            (1_050, "base"),
            (1_350, "reboot"),
            (1_530, "backup_download"),
            (3_330, "product")
        ]
    );
}

/// A single appliance with one console login a minute (30-minute shifts,
/// no retries), windows Monday 10:00; warm-up 2 h, so the procedure starts
/// at P = Monday 10:00 and the logins fall on P + 60 j. Operator step 45 s,
/// no backup time: the upgrade (35 min) is clicked at 90 and done at 2,190;
/// verify takes 10 min: the run ends at 2,790.
const CONSOLES: &str = r#"
[calendar]
windows = [{ weekday = "mon", hour = 10, length = "8h" }]
warmup = "2h"

[site]
kind = "single"
data_gb = 0

[upgrade]
base = "10m"
product = "20m"
reboot = "5m"

[operator]
step = "45s"
backup = "0s"
verify = "10m"

[workload]
arrivals = "deterministic"
days = [1, 1, 1, 1, 1, 1, 1]
hours = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]

[workload.support]
rate_per_hour = 0

[workload.console]
rate_per_hour = 60
duration = "30m"
retry = { attempts = 0 }
reconnect = { interval = "40s", client_update = "1m" }
"#;

#[test]
fn each_technician_updates_once_after_the_upgrade() {
    // The upgrade at 90 drops the 30 consoles that logged in from −1,680
    // to 60; they reconnect every 40 s (130, 170, ...) and get in at 2,210,
    // on the new version; fresh logins follow at 2,220 .. 2,760. Among
    // those 40 logins, only each technician's first pays the update (1 min);
    // those who have not logged in by the end pay it later, counted at the
    // end: N updates in all. By default N is the consoles connected at once
    // at the busiest hour, 60/h × 30 min = 30.
    let m = run(&scenario(CONSOLES), "single", 1, 0);
    assert_eq!(m.technician_unavailable_ms, 30 * 60 * S);
    assert_eq!(m.reconnects, 30);
    for n in [0, 1, 7, 100] {
        let text = CONSOLES.replace(
            "rate_per_hour = 60\n",
            &format!("rate_per_hour = 60\ntechnicians = {n}\n"),
        );
        let m = run(&scenario(&text), "single", 1, 0);
        assert_eq!(m.technician_unavailable_ms, n * 60 * S, "{n} technicians");
    }
}

#[test]
fn locked_down_consoles_wait_for_their_redeployment() {
    // Every console was deployed by MSI on a locked-down machine; the
    // redeployment takes 5 min from 2,190, when the site first serves the
    // new version: until 2,490 none of them can connect. With one
    // technician, the first console to come back (the 30 dropped consoles
    // reconnect at 2,210) is theirs: it waits 280 s; every later login is
    // not a first one and connects at once. Redeployed, the console runs
    // the new version: no update, and nothing is due at the end.
    let locked = |n: &str| {
        CONSOLES.replace(
            "rate_per_hour = 60\n",
            &format!("rate_per_hour = 60\nmsi_locked_share = 1\nredeploy = \"5m\"\n{n}"),
        )
    };
    let m = run(&scenario(&locked("technicians = 1\n")), "single", 1, 0);
    assert_eq!(m.technician_unavailable_ms, 280 * S);
    // With the default 30 technicians, the first login waits 280 s too, and
    // no more than 30 logins wait, none longer than 280 s.
    let m = run(&scenario(&locked("")), "single", 1, 0);
    assert!(
        (280 * S..=30 * 280 * S).contains(&m.technician_unavailable_ms),
        "{}",
        m.technician_unavailable_ms
    );
    // Each waiting console is one arrival, served once it could connect.
    let plain = run(&scenario(CONSOLES), "single", 1, 0);
    assert_eq!(m.arrivals, plain.arrivals);
}

/// `PAIR` with windows of `length` (Monday and Wednesday 10:00) and more
/// `[calendar]` lines: the window rules (`cutoff`, `on_overrun`).
fn ruled(length: &str, rules: &str) -> cutover::scenario::Scenario {
    let text = PAIR
        .replace("length = \"8h\"", &format!("length = \"{length}\""))
        .replace("interim = \"1d\"\n", &format!("interim = \"1d\"\n{rules}\n"));
    scenario(&format!("{text}\n[faults]\nrollback = \"20m\"\n"))
}

/// Seconds after P of each record named `event`, with its detail.
fn details(sc: &cutover::scenario::Scenario, strategy: &str, event: &str) -> Vec<(u64, String)> {
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
        .map(|e| (e.time.0 / S - P, out.events.detail(&e.event).to_string()))
        .collect()
}

#[test]
fn cutoff_holds_a_step_until_the_next_window_by_hand() {
    // Windows Monday and Wednesday 10:00 for 2 h, cutoff 1 h: a work step
    // may start only while the window has more than 3,600 s left, i.e.
    // before P + 3,600 on Monday.
    let sc = ruled("2h", "cutoff = \"1h\"");
    let name = "failover-sync-one-window";
    let m = run(&sc, name, 1, 0);
    // backup 0..240, Sync Now 240..330, break 330..390, upgrade A 390..3,330
    // (click 450), verify A starts at 3,330 < 3,600 and ends at 3,930.
    // Upgrade B would start at 3,930, within the cutoff (3,930 + 3,600 ≥
    // 7,200): it waits for Wednesday 10:00 = P + 172,800.
    assert_eq!(
        details(&sc, name, "held_by_cutoff"),
        [(3_930, "6/9 upgrade B waits for the window at wed 10:00:00".to_string())]
    );
    assert_eq!(times(&sc, name, "resumed"), [172_800]);
    assert_eq!(times(&sc, name, "upgrade_start"), [450, 172_860]);
    // Upgrade B: click 172,860, done 175,740; verify B 176,340; establish
    // 176,400; full sync 176,460..177,490: the procedure's end.
    assert_eq!(m.procedure_ms, 177_490 * S);
    assert_eq!(m.exposure_ms, (176_400 - 390) * S);
    assert_eq!(m.downtime_ms, 2_880 * S);
    // Monday 0..3,930 and Wednesday 172,800..177,490, both inside their
    // windows (Wednesday's closes at 180,000).
    assert_eq!((m.windows_used, m.window_overrun_ms, m.slipped_windows), (2, 0, 1));
    assert_eq!((m.backouts, m.aborted), (0, 0));
}

#[test]
fn pause_at_window_close_by_hand() {
    // Windows of 1 h, on_overrun = "pause", no cutoff. Verify A starts at
    // 3,330 (inside) and ends at 3,930, after the close at 3,600: upgrade B
    // waits for Wednesday 10:00 (P + 172,800).
    let sc = ruled("1h", "on_overrun = \"pause\"");
    let name = "failover-sync-one-window";
    let m = run(&sc, name, 1, 0);
    assert_eq!(
        details(&sc, name, "paused"),
        [(3_930, "6/9 upgrade B waits for the window at wed 10:00:00".to_string())]
    );
    assert!(times(&sc, name, "held_by_cutoff").is_empty());
    assert_eq!(times(&sc, name, "resumed"), [172_800]);
    // Upgrade B 172,800..175,740, verify B ..176,340, establish starts at
    // 176,340, before the close at 176,400 (no cutoff), and ends at
    // 176,400; the full sync 176,460..177,490 is not a work step.
    assert_eq!(times(&sc, name, "established"), [176_400]);
    assert_eq!(m.procedure_ms, 177_490 * S);
    // Overrun: verify A 3,600..3,930 = 330, and the sync after the close,
    // 176,400..177,490 = 1,090.
    assert_eq!(m.window_overrun_ms, (330 + 1_090) * S);
    assert_eq!((m.windows_used, m.slipped_windows, m.backouts), (2, 1, 0));
}

#[test]
fn backout_restores_the_upgraded_appliance_and_aborts_by_hand() {
    // As in the pause test, but on_overrun = "backout": at 3,930 the window
    // has closed with upgrade B left. A (on the new version) is restored
    // from its backup, 20 min: down 3,930..5,130; B was never touched.
    let sc = ruled("1h", "on_overrun = \"backout\"");
    let name = "failover-sync-one-window";
    let m = run(&sc, name, 1, 0);
    assert_eq!(
        details(&sc, name, "backout_start"),
        [(3_930, "1 upgraded appliance to restore from its backup".to_string())]
    );
    assert_eq!(times(&sc, name, "restore_start"), [3_930]);
    assert_eq!(times(&sc, name, "restore_done"), [5_130]);
    assert_eq!(times(&sc, name, "backout_done"), [5_130]);
    assert_eq!(
        details(&sc, name, "aborted"),
        [(
            5_130,
            "the window closed with work left: backed out to the old version".to_string()
        )]
    );
    assert_eq!(times(&sc, name, "upgrade_start"), [450]);
    assert_eq!((m.backouts, m.aborted, m.slipped_windows), (1, 1, 0));
    // A serves alone: down for its install (2,880) and its restore (1,200).
    assert_eq!(m.downtime_ms, (2_880 + 1_200) * S);
    assert_eq!(m.procedure_ms, 5_130 * S);
    // The backout is work: 3,600..5,130 outside the window, with verify A's
    // 3,600..3,930.
    assert_eq!(m.window_overrun_ms, (5_130 - 3_600) * S);
    assert_eq!(m.windows_used, 1);
}

#[test]
fn cutoff_with_backout_backs_out_at_the_cutoff() {
    // Windows of 2 h, cutoff 1 h, backout: at 3,930 upgrade B may not
    // start; the backout begins there, inside the window, and A is back on
    // the old version at 5,130, before the close at 7,200: no overrun.
    let sc = ruled("2h", "cutoff = \"1h\"\non_overrun = \"backout\"");
    let m = run(&sc, "failover-sync-one-window", 1, 0);
    assert_eq!(times(&sc, "failover-sync-one-window", "backout_start"), [3_930]);
    assert_eq!((m.backouts, m.aborted, m.window_overrun_ms), (1, 1, 0));
    assert_eq!(m.procedure_ms, 5_130 * S);
}
