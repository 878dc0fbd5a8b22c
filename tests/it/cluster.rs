//! Atlas clusters and blue-green pods by hand, drains, and capacity against
//! Erlang B. The workload here is deterministic where counts are checked by
//! hand: one arrival every 60 s (rate 60/h, flat profile), every session
//! exactly 30 min, no retries; so 30 sessions are active at any time.

use crate::{mean_se, run, scenario};

const S: u64 = 1000;

/// One region `r` of two traffic nodes: `r-1` is the "offline" half, `r-2`
/// the "remaining" one. Windows Monday 10:00-18:00; warm-up 2 h, so the
/// procedure starts at P = Monday 10:00 and the arrivals fall on P + 60 j.
/// Every node upgrades in 35 min = 2,100 s; an operator step is 45 s (never
/// a multiple of 60, so no step coincides with an arrival); distributing the
/// package takes 300 s.
///
/// Which node gets which session: the least-loaded one, ties to `r-1`.
/// Starting empty, arrivals alternate, and since each arrival finds the
/// session that started 30 arrivals earlier just ended (a session end is
/// scheduled before the arrival at the same instant), the pattern holds: `r-1`
/// gets the arrivals at P + 60 j with j odd.
fn cluster(backup: bool, extra: &str) -> String {
    format!(
        r#"
[calendar]
windows = [{{ weekday = "mon", hour = 10, length = "8h" }}]
warmup = "2h"

[site]
kind = "atlas"
backup_primary = {backup}
switch = "shared-ip"
data_gb = 0
distribute = "5m"
drain_timeout = "1h"
regions = [{{ name = "r", nodes = 2, capacity = 100 }}]

[upgrade]
base = "10m"
product = "20m"
reboot = "5m"

[failover]
sync_overhead = "30s"
record_mb = 0

[network]
shared_ip_gap = "20s"

[operator]
step = "45s"
backup = "0s"
verify = "0s"

[workload]
arrivals = "deterministic"
days = [1, 1, 1, 1, 1, 1, 1]
hours = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]

[workload.support]
rate_per_hour = 60
duration = "30m"
retry = {{ attempts = 0 }}

[workload.console]
rate_per_hour = 0
{extra}
"#
    )
}

#[test]
fn atlas_standalone_by_hand() {
    let sc = scenario(&cluster(false, ""));
    let m = run(&sc, "atlas-standalone", 1, 0);
    // distribute 45 + 300 = 345; r-1 not accepting at 390; its last session
    // started at 300 (j = 5) and ends at 2,100: drained, nothing dropped.
    // Upgrade r-1: 2,145..4,245. Upgrade A: click 4,290; the site is down
    // from then until the operator brings r-1 back in A's configuration at
    // 4,290 + 2,100 + 45 = 6,435: A's upgrade time plus that one step.
    assert_eq!(m.downtime_ms, 2_145 * S);
    // Arrivals at 4,320 .. 6,420 (j = 72..107) fail: 36.
    assert_eq!(m.failed_connects, 36);
    // cluster_sync 6,480; upgrade r-2 at 6,525: its last session (j = 71,
    // 4,260) ended at 6,060, so nothing is dropped; done 8,625; r-2 back
    // 8,670; cluster_sync 8,715.
    assert_eq!(m.dropped_sessions, 0);
    assert_eq!(m.procedure_ms, 8_715 * S);
    // Arrivals from P − 7,200 + 60 to P + 8,700: 265; the last 30 are active.
    assert_eq!(m.arrivals, 265);
    assert_eq!(m.active_at_end, 30);
    assert_eq!(m.exposure_ms, 0);
    assert_eq!(m.cross_region_sessions, 0);
    // r-2 alone carried the 30 active sessions while r-1 drained and upgraded.
    assert!((m.peak_load_ratio - 0.30).abs() < 1e-9, "{}", m.peak_load_ratio);
}

#[test]
fn drains_wait_for_the_sessions_to_end_unless_a_timeout_cuts_them() {
    // No timeout (the default): r-1 stops accepting at 390; its last
    // session started at 300 and ends at 2,100: the drain takes 1,710 s and
    // cuts nothing.
    let sc = scenario(&cluster(false, "").replace("drain_timeout = \"1h\"\n", ""));
    assert_eq!(sc.site.drain_timeout, None);
    let m = run(&sc, "atlas-standalone", 1, 0);
    assert_eq!(
        (m.drain_ms, m.drain_cut_sessions, m.dropped_sessions),
        (1_710 * S, 0, 0)
    );
    // A 10-minute timeout cuts at 990 the sessions r-1 still holds: those
    // that started at P + 60 j, j odd, from −780 (ending at 1,020) to 300:
    // ten of them.
    let sc = scenario(&cluster(false, "").replace("drain_timeout = \"1h\"", "drain_timeout = \"10m\""));
    let m = run(&sc, "atlas-standalone", 1, 0);
    assert_eq!((m.drain_ms, m.drain_cut_sessions), (600 * S, 10));
    assert_eq!(m.dropped_sessions, 10);
}

#[test]
fn traffic_nodes_install_without_the_recordings_time() {
    // 500 GB of recordings at 6 s per GB add 50 minutes to the appliance's
    // install (35 → 85 min), none to a traffic node's (35 min).
    let sc = scenario(&cluster(true, "").replace("data_gb = 0", "data_gb = 500"));
    let csv = crate::strategies::events_csv(&sc, "atlas-failover", 0);
    let span = |node: &str| {
        let spans = crate::strategies::upgrade_spans(&csv, node);
        assert_eq!(spans.len(), 1, "{node}");
        spans[0].1 - spans[0].0
    };
    assert_eq!(span("A"), 85.0 * 60.0);
    assert_eq!(span("B"), 85.0 * 60.0);
    assert_eq!(span("r-1"), 35.0 * 60.0);
    assert_eq!(span("r-2"), 35.0 * 60.0);
    // A traffic node: base (with its reboot), then the product; it
    // downloads no backup.
    let phases: Vec<&str> = csv
        .lines()
        .filter(|l| l.contains(",r-1,phase_done,"))
        .map(|l| l.split(',').nth(3).unwrap())
        .collect();
    assert_eq!(phases, ["base", "reboot", "product"]);
}

#[test]
fn atlas_failover_by_hand() {
    let sc = scenario(&cluster(true, ""));
    let m = run(&sc, "atlas-failover", 1, 0);
    // distribute 345; r-1 off 390; drained 2,100 (as above).
    // Upgrade B (the backup): click 2,145, up 4,245 — no working failover
    // for 2,100 s. Upgrade r-1: 4,290..6,390.
    // become_backup A at 6,435 (B takes the primary role; clients still
    // reach A: the site is down); shared IP off A at 6,480, on B at 6,500;
    // become_primary B 6,545; backup operations off at 6,590 (exposure
    // again); r-1 accepting in B's configuration at 6,635: the site is up.
    assert_eq!(m.downtime_ms, 200 * S);
    // Arrivals at 6,480, 6,540, 6,600 fail.
    assert_eq!(m.failed_connects, 3);
    // cluster_sync 6,680; upgrade r-2 at 6,725 cuts the sessions it took
    // from 4,980 to 6,420 (j = 83..107): 25; r-2 done 8,825, back 8,870.
    assert_eq!(m.dropped_sessions, 25);
    // Upgrade A: click 8,915, done 11,015; backup operations on at 11,060.
    // No working failover from B's upgrade at 2,145 to then: B on the new
    // version is no working backup of A on the old one (4,245..6,435), nor
    // is A of B (6,435..11,015), and backup operations are off from 6,590:
    // 11,060 − 2,145 = 8,915.
    assert_eq!(m.exposure_ms, 8_915 * S);
    // The cluster's Sync Now (45 s) at 11,105 syncs the pair: 30 s of
    // overhead. The procedure ends at 11,135. No session ended within the
    // sync (they end on whole minutes): nothing is owed to a later sync,
    // and the run ends then.
    assert_eq!(m.procedure_ms, 11_135 * S);
    assert_eq!(m.unsynced_at_end, 0);
    assert_eq!(m.span_ms, (7_200 + 11_135) * S);
}

/// `[[faults.inject]]`: B crashes 10 min into "upgrade A", repaired in 2 h.
#[test]
fn an_injected_crash_of_the_serving_primary_is_counted_until_it_is_repaired() {
    let inject =
        "\n[faults]\nmttr = \"2h\"\n\n[[faults.inject]]\nat_step = \"upgrade A\"\nafter = \"10m\"\ncrash = \"B\"\n";
    let sc = scenario(&cluster(true, "").replace("[workload]", &format!("{inject}\n[workload]")));
    let m = run(&sc, "atlas-failover", 1, 0);
    let csv = crate::strategies::events_csv(&sc, "atlas-failover", 0);
    let p = m.procedure_start_ms as f64 / 1000.0;
    let at = |entity: &str, event: &str| -> Vec<f64> {
        csv.lines()
            .filter(|l| l.split(',').nth(1) == Some(entity) && l.split(',').nth(2) == Some(event))
            .map(|l| l.split(',').next().unwrap().parse::<f64>().unwrap() - p)
            .collect()
    };
    // As in `atlas_failover_by_hand`, "14/16 upgrade A" starts when r-2 is
    // back at 8,870: B, the serving primary, crashes at 9,470, logged as
    // injected. A is installing and backup operations are off: nobody
    // takes over. The site is down from 9,470 to B's repair at 16,670.
    let step = at("runbook", "step_start");
    assert_eq!(step[13], 8_870.0, "{csv}");
    assert_eq!(at("B", "fault_injected"), [9_470.0]);
    assert_eq!(at("B", "crashed"), [9_470.0]);
    assert_eq!(at("B", "repaired"), [16_670.0]);
    // Downtime: the 200 s of the switch (as by hand without the crash)
    // plus the 7,200 s B was down.
    assert_eq!(m.downtime_ms, 7_400 * S);
    assert_eq!(m.down_at_end_ms, 0);
    // A is done at 11,015, backup operations on at 11,060; the cluster's
    // Sync Now at 11,105 waits for B: the sync runs 16,670..16,700, then
    // the procedure and the run end, the site whole.
    assert_eq!(at("failover", "sync_done").last().copied(), Some(16_700.0));
    assert_eq!(m.procedure_ms, 16_700 * S);
    assert_eq!(at("run", "end"), [16_700.0]);
    assert_eq!(m.unsynced_at_end, 0);
    // The records B held alone died with it: every session that ended (or
    // was cut) from the role swap at 6,435 (the sync due after it was
    // cancelled when backup operations went off) to the crash: those that
    // started at 4,680..7,620 (50), but for the 3 arrivals that failed.
    assert_eq!(m.records_lost, 47);
    assert_eq!(m.crashes, 1);
}

#[test]
fn drained_sessions_are_never_cut_before_the_timeout() {
    let runbook = |timeout: &str| {
        format!(
            r#"
[[runbooks]]
name = "drain-only"
site = "atlas"
steps = [
  {{ do = "distribute_package" }},
  {{ do = "set_accepting", group = "offline", value = false }},
  {{ do = "wait_drained", group = "offline", timeout = "{timeout}" }},
]"#
        )
    };
    // Timeout 1 h: r-1's sessions (the last started at 300) all end by
    // 2,100, before the timeout at 390 + 3,600: none is dropped.
    let m = run(&scenario(&cluster(false, &runbook("1h"))), "drain-only", 1, 0);
    assert_eq!(m.dropped_sessions, 0);
    assert_eq!(m.procedure_ms, 2_100 * S);
    // Timeout 10 min: at 990 the sessions still on r-1 are cut. They
    // started after 990 − 1,800 = −810, at odd j up to 5: j = −13, −11, .., 5.
    let m = run(&scenario(&cluster(false, &runbook("10m"))), "drain-only", 1, 0);
    assert_eq!(m.dropped_sessions, 10);
    assert_eq!(m.procedure_ms, 990 * S);
}

/// Erlang's loss formula B(n, a), by the stable recursion.
fn erlang_b(servers: u32, load: f64) -> f64 {
    let mut b = 1.0;
    for n in 1..=servers {
        b = load * b / (n as f64 + load * b);
    }
    b
}

#[test]
fn capacity_losses_match_erlang_b() {
    // One region, c = 2 traffic nodes of capacity k = 5: 10 servers. Poisson
    // arrivals at 48/h, exponential sessions of mean 10 min: a = 8 Erlang.
    // No upgrade: the runbook only waits. A lost arrival is a failed connect.
    let text = r#"
[calendar]
windows = [{ weekday = "mon", hour = 10, length = "8h" }]
warmup = "2h"

[site]
kind = "atlas"
backup_primary = false
regions = [{ name = "r", nodes = 2, capacity = 5 }]

[workload]
days = [1, 1, 1, 1, 1, 1, 1]
hours = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]

[workload.support]
rate_per_hour = 48
duration = { dist = "exponential", mean = "10m" }
retry = { attempts = 0 }

[workload.console]
rate_per_hour = 0

[[runbooks]]
name = "idle"
site = "atlas"
steps = [{ do = "wait", duration = "60h" }]
"#;
    let sc = scenario(text);
    let fractions: Vec<f64> = (0..40)
        .map(|r| {
            let m = run(&sc, "idle", 3, r);
            assert!((m.peak_load_ratio - 1.0).abs() < 1e-9, "the nodes fill up");
            m.failed_connects as f64 / m.arrivals as f64
        })
        .collect();
    let (mean, se) = mean_se(&fractions);
    let theory = erlang_b(10, 8.0);
    assert!(
        (mean - theory).abs() < 3.0 * se,
        "loss {mean} ± {se}, Erlang B {theory}"
    );
}

/// A pod whose preferred window (Tuesday 10:00 UTC) is always honoured; the
/// workload arrives at 60.25/h (an interval of 59.75 s, so no arrival lands
/// on the hour) with 30-minute sessions, all in farms that close
/// disconnected sessions immediately.
fn pod(extra: &str) -> String {
    format!(
        r#"
[calendar]
warmup = "2h"

[site]
kind = "pod"

[pod]
preferred_window = {{ weekday = "tue", hour = 10 }}
miss_probability = 0
lead_time = "1d"
allotment = "4h"
cutover = "15m"
build_green = "1h"
validate = "5m"
delete_blue = "10m"
close_immediately_fraction = 1
reconnect_probability = 0
{extra}

[operator]
step = "45s"

[workload]
arrivals = "deterministic"
days = [1, 1, 1, 1, 1, 1, 1]
hours = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]

[workload.support]
rate_per_hour = 60.25
duration = "30m"
retry = {{ attempts = 0 }}

[workload.console]
rate_per_hour = 0
"#
    )
}

#[test]
fn blue_green_by_hand() {
    let m = run(&scenario(&pod("")), "blue-green", 1, 0);
    // The pod's service starts after the warm-up, Monday 02:00 (7,200 s).
    // Precheck 45 s; scheduled with one day's notice: the next Tuesday
    // 10:00 after Tuesday 02:00:45 is 34 h = 122,400 s.
    assert_eq!(m.scheduled_at_ms, Some(122_400 * S));
    assert_eq!(m.in_preferred_window, Some(true));
    // Active at the cutover: arrivals k with T − 1,800 < k·3600/60.25 ≤ T,
    // i.e. floor(2,048.5) − floor(2,018.375) = 30; all lose their work.
    assert_eq!(m.lost_work_sessions, 30);
    assert_eq!(m.dropped_sessions, 30);
    // Down for the 15-minute cutover; arrivals inside it fail:
    // floor(123,300 × 60.25 / 3,600) − 2,048 = 15.
    assert_eq!(m.downtime_ms, 900 * S);
    assert_eq!(m.failed_connects, 15);
    // Validate 5 min, delete blue 10 min: 124,200 − 7,200.
    assert_eq!(m.procedure_ms, 117_000 * S);
    assert_eq!(m.windows_used, 1);
    assert_eq!(m.window_overrun_ms, 0);
}

#[test]
fn blue_green_overrun_and_policy() {
    // A 10-minute allotment: cutover (15 min) + validation (5 min) overrun
    // it by 10 minutes. With the default "never close" policy nobody loses
    // work, though everybody is disconnected.
    let text = pod("")
        .replace("allotment = \"4h\"", "allotment = \"10m\"")
        .replace("close_immediately_fraction = 1", "close_immediately_fraction = 0");
    let m = run(&scenario(&text), "blue-green", 1, 0);
    assert_eq!(m.window_overrun_ms, 600 * S);
    assert_eq!(m.lost_work_sessions, 0);
    assert_eq!(m.dropped_sessions, 30);
}

#[test]
fn farms_log_off_disconnected_sessions_by_their_policy() {
    // The 30 sessions of `blue_green_by_hand`, every user back 5 min after
    // the 15-minute cutover: away 20 min from the disconnection.
    let with = |farms: &str, runbook: &str| {
        let text = pod(&format!("farms = {farms}\n{runbook}"))
            .replace("close_immediately_fraction = 1\n", "")
            .replace(
                "reconnect_probability = 0",
                "reconnect_probability = 1\nreconnect_delay = \"5m\"",
            );
        let sc = scenario(&text);
        let name = if runbook.is_empty() { "blue-green" } else { "remedy" };
        run(&sc, name, 1, 0)
    };
    let lost = |farms: &str| with(farms, "").lost_work_sessions;
    // Closed after 10 min: before the users are back: all lost.
    assert_eq!(lost(r#"[{ logoff = "after", after = "10m" }]"#), 30);
    // After 30 min, or never: they are back in time, nothing lost.
    assert_eq!(lost(r#"[{ logoff = "after", after = "30m" }]"#), 0);
    assert_eq!(lost(r#"[{ logoff = "never" }]"#), 0);
    assert_eq!(lost(r#"[{ logoff = "immediately" }]"#), 30);
    // The remedy: "close disconnected sessions" set to 2 h before the
    // maintenance and restored after it: the immediate farm loses nothing.
    let remedy = r#"
[[runbooks]]
name = "remedy"
site = "pod"
steps = [
  { do = "precheck" },
  { do = "schedule" },
  { do = "set_logoff_policy", after = "2h" },
  { do = "build_green" },
  { do = "cutover" },
  { do = "verify", node = "pod" },
  { do = "set_logoff_policy", restore = true },
  { do = "delete_blue" },
]"#;
    let m = with(r#"[{ logoff = "immediately" }]"#, remedy);
    assert_eq!((m.lost_work_sessions, m.dropped_sessions), (0, 30));
    // A user who never comes back loses the work once the policy expires;
    // under "never" it waits.
    let gone = |farms: &str| {
        let text = pod(&format!("farms = {farms}")).replace("close_immediately_fraction = 1\n", "");
        run(&scenario(&text), "blue-green", 1, 0).lost_work_sessions
    };
    assert_eq!(gone(r#"[{ logoff = "after", after = "8h" }]"#), 30);
    assert_eq!(gone(r#"[{ logoff = "never" }]"#), 0);
    // The notice: scheduled at 7,245 for 122,400.
    assert_eq!(
        with(r#"[{ logoff = "never" }]"#, "").notice_ms,
        Some((122_400 - 7_245) * S)
    );
}

#[test]
fn the_shipped_pod_remedy_lowers_lost_work() {
    // scenarios/horizon-pod.toml: 15 % of sessions in farms that close
    // disconnected sessions at once, 15 % after 30 min. Its runbook with the
    // vendor's remedy loses, in every replication, no more than the plain
    // blue-green update (the same arrivals, cutover and returns: common
    // random numbers). But its slot is Saturday 02:00 UTC: most users come
    // back when they next work, hours later, after the 2 hours have run
    // out; the remedy saves less than half the lost work there.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let sc = crate::scenario_file(&root.join("scenarios/horizon-pod.toml"));
    let (mut plain, mut remedy) = (0, 0);
    for r in 0..20 {
        let a = run(&sc, "blue-green", sc.seed, r);
        let b = run(&sc, "blue-green-logoff-2h", sc.seed, r);
        assert_eq!(a.dropped_sessions, b.dropped_sessions, "replication {r}");
        assert!(b.lost_work_sessions <= a.lost_work_sessions, "replication {r}");
        plain += a.lost_work_sessions;
        remedy += b.lost_work_sessions;
    }
    assert!(
        remedy < plain && remedy * 2 > plain,
        "lost work {remedy} with the remedy, {plain} without"
    );
}

#[test]
fn scheduler_honours_the_preference_best_effort() {
    // With a 30 % chance of another slot, among 168 hourly slots of a week,
    // the share of runs in the preferred window is 0.7 + 0.3/168.
    let sc = scenario(&pod("").replace("miss_probability = 0", "miss_probability = 0.3"));
    let hits: Vec<f64> = (0..400)
        .map(|r| f64::from(u8::from(run(&sc, "blue-green", 5, r).in_preferred_window.unwrap())))
        .collect();
    let (mean, se) = mean_se(&hits);
    let theory = 0.7 + 0.3 / 168.0;
    assert!((mean - theory).abs() < 3.0 * se, "{mean} ± {se}, theory {theory}");
}

/// The cluster of [`cluster`] with a second region `s` of one node (`s-1`,
/// capacity `cap`) where every client lives (`r` has share 0), the
/// package distributed in 320 s (so that no operator step lands on an
/// arrival's instant).
fn two_regions(cap: u32) -> String {
    cluster(false, "")
        .replace(
            r#"regions = [{ name = "r", nodes = 2, capacity = 100 }]"#,
            &format!(
                r#"regions = [{{ name = "r", share = 0, nodes = 2, capacity = 100 }}, {{ name = "s", share = 1, nodes = 1, capacity = {cap} }}]"#
            ),
        )
        .replace(r#"distribute = "5m""#, r#"distribute = "320s""#)
}

#[test]
fn region_figures_by_hand() {
    let sc = scenario(&two_regions(100));
    let rb = sc.runbook("atlas-standalone").unwrap();
    let out = cutover::sim::simulate(&sc, rb, 1, 0, cutover::sim::RunOptions::default());
    let m = &out.metrics;
    assert_eq!(m.conservation_error(), None);
    // Every client is in `s`: s-1 holds the 30 sessions, r-1 none. At P:
    // distribute 45 + 320 = 365; r-1 (the offline half of `r`; `s`, one
    // node, has none) not accepting at 410, drained at once (no session);
    // upgrade r-1: click 455, installed 2,555. Upgrade A: click 2,600 —
    // every node stops accepting in A's configuration, A installs until
    // 4,700; r-1 back at 4,745: `r` accepts again. cluster_sync 4,790;
    // upgrade r-2 and s-1 (one click each, at once) 4,835..6,935, their
    // sessions cut; both accepting at 6,980; cluster_sync: the end at 7,025.
    assert_eq!(m.procedure_ms, 7_025 * S);
    assert_eq!(m.downtime_ms, (4_745 - 2_600) * S);
    let [r, s] = out.regions[..] else {
        panic!("{:?}", out.regions)
    };
    // `r`: no accepting node while A installs, and the one step that brings
    // r-1 back: 2,100 + 45 s.
    assert_eq!(r.no_accepting_ms, (2_100 + 45) * S);
    // `s`: from A's click to the end of its own node's upgrade and the step
    // that brings it back: A's 2,100 s, three operator steps (r-1 back,
    // cluster_sync, the upgrade's click), s-1's 2,100 s, its step back.
    assert_eq!(s.no_accepting_ms, (2_100 + 3 * 45 + 2_100 + 45) * S);
    assert_eq!(s.no_accepting_ms, (6_980 - 2_600) * S);
    // Arrivals from 4,800 to 6,960 (one a minute) find `s` without an
    // accepting node and r-1 accepting: 37 spill to `r`; none before (A
    // down: they fail) or after.
    assert_eq!(s.spilled_sessions, 37);
    assert_eq!(r.spilled_sessions, 0);
    assert_eq!(m.cross_region_sessions, 37);
    // Load of `s`: 30 sessions of its clients over s-1's 100 while it
    // accepts (before 2,600 and from 6,980, when its clients' 30 sessions
    // are those spilled to r-1); `r` has no clients.
    assert!((s.peak_load - 0.30).abs() < 1e-9, "{}", s.peak_load);
    assert_eq!(r.peak_load, 0.0);
    // s-1's sessions are cut by its upgrade (those started before A's
    // click at 2,600 and still running at 4,835: none, they last 30 min);
    // r-2 never held one. Nothing is dropped; the causes add up.
    assert_eq!(m.dropped_sessions, 0);

    // With room for 20 sessions on s-1, `s`'s clients hold 30 (10 of them
    // spilled to `r` as s-1 filled): a load of 1.5 from the procedure's start.
    let sc = scenario(&two_regions(20));
    let out = cutover::sim::simulate(&sc, sc.runbook("atlas-standalone").unwrap(), 1, 0, Default::default());
    assert!((out.regions[1].peak_load - 1.5).abs() < 1e-9, "{:?}", out.regions);
    // The whole-run ratio of one node is capped by its capacity.
    assert!((out.metrics.peak_load_ratio - 1.0).abs() < 1e-9);
}

#[test]
fn region_peak_load_counts_only_the_procedure() {
    // Every client in `s`; 60 arrivals an hour from 08:00 to 09:00 (the
    // warm-up's first hour), 6 an hour after: the warm-up peaks at 30
    // sessions on s-1, all ended by 09:30; the procedure (from 10:00)
    // sees at most 3 at once (30-minute sessions, one every 10 minutes).
    let hours = (0..24)
        .map(|h| if h == 8 { "1" } else { "0.1" })
        .collect::<Vec<_>>()
        .join(", ");
    let text = two_regions(100).replace(
        "hours = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]",
        &format!("hours = [{hours}]"),
    );
    let sc = scenario(&text);
    let out = cutover::sim::simulate(&sc, sc.runbook("atlas-standalone").unwrap(), 1, 0, Default::default());
    assert!(
        (out.metrics.peak_load_ratio - 0.30).abs() < 0.011,
        "{}",
        out.metrics.peak_load_ratio
    );
    let s = out.regions[1].peak_load;
    assert!(s > 0.0 && s <= 0.04, "{s}");
}

#[test]
fn dropped_sessions_add_up_by_cause() {
    // The shipped scenarios with faults and drains, several seeds: the
    // causes add up to the dropped sessions (conservation checks it), and
    // each strategy drops for the causes it can.
    let mut seen = [0u64; 6];
    for name in [
        "atlas-3-regions",
        "atlas-standalone",
        "failover-pair",
        "horizon-pod",
        "single",
    ] {
        let sc = crate::scenario_file(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/{name}.toml")),
        );
        for strategy in &sc.strategies {
            for seed in 1..=4 {
                let m = run(&sc, strategy, seed, 0);
                let causes = [
                    m.dropped_drain_timeout,
                    m.dropped_upgrade,
                    m.dropped_switch,
                    m.dropped_crash,
                    m.dropped_restore,
                    m.dropped_cutover,
                ];
                assert_eq!(
                    causes.iter().sum::<u64>(),
                    m.dropped_sessions,
                    "{name} {strategy} {seed}"
                );
                assert_eq!(
                    m.dropped_drain_timeout, m.drain_cut_sessions,
                    "{name} {strategy} {seed}"
                );
                for (a, b) in seen.iter_mut().zip(causes) {
                    *a += b;
                }
            }
        }
    }
    // The drain timeout, the un-drained second half, the pod's cutover and
    // a switch all happen somewhere.
    assert!(seen[0] > 0 && seen[1] > 0 && seen[5] > 0, "{seen:?}");
}

#[test]
fn a_drained_region_has_no_accepting_node_for_its_drain_and_upgrade() {
    // [`two_regions`] with a runbook that drains and upgrades `s` (one
    // node) alone, with the primary. Distributed at 365; `s` stops
    // accepting at 410; its last session (started at 360) ends at 2,160:
    // the drain waits 1,750 s. A's click 2,205, installed 4,305; s-1's
    // click 4,350, installed 6,450; `s` accepting again at 6,495; `r`
    // (still on the old version: it cannot serve through A) asked to at
    // 6,540, the procedure's end.
    let runbook = r#"
[[runbooks]]
name = "one-region"
site = "atlas"
steps = [
  { do = "distribute_package" },
  { do = "set_accepting", group = "s", value = false },
  { do = "wait_drained", group = "s" },
  { do = "upgrade", node = "primary" },
  { do = "upgrade", group = "s" },
  { do = "set_accepting", group = "s", value = true },
  { do = "set_accepting", group = "r", value = true },
]"#;
    let text = format!("{}{runbook}", two_regions(100));
    let sc = scenario(&text);
    let out = cutover::sim::simulate(&sc, sc.runbook("one-region").unwrap(), 1, 0, Default::default());
    assert_eq!(out.metrics.conservation_error(), None);
    assert_eq!(out.metrics.drain_ms, 1_750 * S);
    assert_eq!(out.metrics.procedure_ms, 6_540 * S);
    let [r, s] = out.regions[..] else {
        panic!("{:?}", out.regions)
    };
    // The drain wait, the click, A's upgrade, the click, s-1's upgrade and
    // the step that brings it back.
    assert_eq!(s.no_accepting_ms, (1_750 + 45 + 2_100 + 45 + 2_100 + 45) * S);
    assert_eq!(s.no_accepting_ms, (6_495 - 410) * S);
    // `r` has none from A's click to the run's end (the cool-down after the
    // procedure's end).
    assert_eq!(r.no_accepting_ms, (6_540 - 2_205) * S + sc.cooldown.0);
    // From 410 to 2,205 the clients of `s` (one a minute, from 420 to
    // 2,160) spill to `r`: 30.
    assert_eq!(s.spilled_sessions, 30);
}
