//! `[[faults.inject]]` and when a run ends: a fault at a chosen step, the
//! run that waits until the site is whole, the Atlas runbook's final sync
//! and its roles when an appliance is down.

use crate::{run, scenario};

const S: u64 = 1000;

/// A single appliance with constant durations and no workload: the backup
/// (the operator's 1 min click, no download), the upgrade (10 + 5 + 20 =
/// 35 min), the verification (5 min). The window opens Monday 10:00 (P).
fn single(extra: &str) -> String {
    format!(
        r#"
[calendar]
windows = [{{ weekday = "mon", hour = 10, length = "8h" }}]
warmup = "0s"
{extra}

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
verify = "5m"

[faults]
mttr = "2h"
{faults}

[workload.support]
rate_per_hour = 0
[workload.console]
rate_per_hour = 0
"#,
        extra = extra.split("@@").next().unwrap_or(""),
        faults = extra.split("@@").nth(1).unwrap_or(""),
    )
}

/// The events of replication 0 as (seconds after the procedure's start,
/// entity, event).
fn events(sc: &cutover::scenario::Scenario, strategy: &str) -> Vec<(f64, String, String)> {
    let csv = crate::strategies::events_csv(sc, strategy, 0);
    let m = run(sc, strategy, sc.seed, 0);
    let p = m.procedure_start_ms as f64 / 1000.0;
    csv.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].parse::<f64>().unwrap() - p, f[1].to_string(), f[2].to_string())
        })
        .collect()
}

fn times(ev: &[(f64, String, String)], entity: &str, event: &str) -> Vec<f64> {
    ev.iter()
        .filter(|(_, e, x)| e == entity && x == event)
        .map(|(t, _, _)| *t)
        .collect()
}

#[test]
fn a_crash_in_the_cool_down_keeps_the_run_going_until_the_repair() {
    // Backup 0..60 (its click), upgrade: click 60..120, install
    // 120..2,220; verify 2,220..2,520: the procedure ends at 2,520; with a
    // 30-minute cool-down the run would end at 4,320.
    let plain = scenario(&single("cooldown = \"30m\""));
    let m = run(&plain, "single", 1, 0);
    assert_eq!(m.procedure_ms, 2_520 * S);
    assert_eq!(m.span_ms, 4_320 * S);
    assert_eq!(m.downtime_ms, 2_100 * S);
    // A crashes 10 min into the cool-down, asked as 15 min into the
    // verification (which takes 5): at 2,220 + 900 = 3,120. It is down
    // until 3,120 + 7,200 = 10,320: the run goes on to then, and counts it.
    let sc = scenario(&single(
        "cooldown = \"30m\"@@[[faults.inject]]\nat_step = \"verify A\"\nafter = \"15m\"\ncrash = \"A\"",
    ));
    let m = run(&sc, "single", 1, 0);
    let ev = events(&sc, "single");
    assert_eq!(times(&ev, "A", "crashed"), [3_120.0]);
    assert_eq!(times(&ev, "run", "not_whole"), [4_320.0]);
    assert_eq!(times(&ev, "run", "end"), [10_320.0]);
    assert_eq!(m.procedure_ms, 2_520 * S);
    assert_eq!(m.span_ms, 10_320 * S);
    assert_eq!(m.downtime_ms, (2_100 + 7_200) * S);
    assert_eq!(m.down_at_end_ms, 0);
}

#[test]
fn an_injected_upgrade_failure_fails_that_upgrade_and_draws_nothing_else() {
    // No retry: the failed upgrade waits for support (1 h), rolls back
    // (30 min) and the procedure aborts.
    let faults = "support = \"1h\"\nrollback = \"30m\"\nupgrade_retries = 0\n[[faults.inject]]\nat_step = \"upgrade\"\nfail_upgrade = \"A\"";
    let sc = scenario(&single(&format!("@@{faults}")));
    let m = run(&sc, "single", 1, 0);
    let ev = events(&sc, "single");
    assert_eq!(times(&ev, "A", "fault_injected"), [60.0]);
    assert_eq!(times(&ev, "A", "upgrade_failed"), [2_220.0]);
    assert_eq!(times(&ev, "A", "rollback_done"), [2_220.0 + 3_600.0 + 1_800.0]);
    assert_eq!((m.rollbacks, m.aborted), (1, 1));
    // Down from the install's start (after the click) to the rollback's end.
    assert_eq!(m.downtime_ms, (2_220 - 120 + 3_600 + 1_800) * S);
}

#[test]
fn an_injection_that_finds_nothing_to_act_on_says_so() {
    // A crash of A 5 min into its own upgrade: A is installing, not up.
    let sc = scenario(&single(
        "@@[[faults.inject]]\nat_step = \"upgrade A\"\nafter = \"5m\"\ncrash = \"A\"",
    ));
    let csv = crate::strategies::events_csv(&sc, "single", 0);
    let line = csv.lines().find(|l| l.contains("fault_injected")).expect("logged");
    assert!(line.contains("no effect"), "{line}");
    let m = run(&sc, "single", 1, 0);
    assert_eq!((m.crashes, m.downtime_ms), (0, 2_100 * S));
}

/// The Atlas cluster of `cluster::atlas_failover_by_hand` (the same text).
fn atlas(extra: &str) -> cutover::scenario::Scenario {
    atlas_with(extra, "")
}

/// [`atlas`], with `failover` added to its `[failover]` table.
fn atlas_with(extra: &str, failover: &str) -> cutover::scenario::Scenario {
    scenario(&cluster_text(true, extra, failover))
}

/// The text of `cluster::cluster`, with or without a backup primary.
fn cluster_text(backup: bool, extra: &str, failover: &str) -> String {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/cluster.rs")).unwrap();
    let start = text.find("[calendar]").unwrap();
    let end = text.find("{extra}").unwrap();
    let body = text[start..end]
        .replace("{backup}", &backup.to_string())
        .replace("{{", "{")
        .replace("}}", "}");
    let body = body.replace("[failover]\n", &format!("[failover]\n{failover}"));
    body.replace("[workload]", &format!("{extra}\n[workload]"))
}

#[test]
fn become_backup_waits_for_a_crashed_peer_instead_of_handing_it_the_site() {
    // B crashes as "become_backup A" starts (6,390 in the hand count), and
    // is repaired 2 h later. The step would hand the site to B: it waits.
    let sc = atlas("[faults]\nmttr = \"2h\"\n[[faults.inject]]\nat_step = \"become_backup A\"\ncrash = \"B\"\n");
    let ev = events(&sc, "atlas-failover");
    let crash = times(&ev, "B", "crashed");
    let repaired = times(&ev, "B", "repaired");
    assert_eq!(crash, [6_390.0]);
    assert_eq!(repaired, [6_390.0 + 7_200.0]);
    assert_eq!(times(&ev, "runbook", "waiting_for_repair"), [6_435.0]);
    // The roles swap after the repair and a fresh click (45 s).
    assert_eq!(times(&ev, "failover", "roles_swapped"), [repaired[0] + 45.0]);
    // The site stays on A meanwhile: its only downtime is the switch's
    // 200 s, as without the crash.
    let m = run(&sc, "atlas-failover", 1, 0);
    assert_eq!(m.downtime_ms, 200 * S);
}

#[test]
fn mixed_versions_said_to_work_count_as_a_working_backup() {
    // With the pair working across versions, B on the new version is a
    // working backup of A from 4,245 to the swap at 6,435, and the swap
    // itself leaves a working pair until backup operations go off at 6,590:
    // exposure 2,100 + (11,060 − 6,590) = 6,570 (8,915 without).
    let sc = atlas_with("", "mixed_versions = true\n");
    let m = run(&sc, "atlas-failover", 1, 0);
    assert_eq!(m.exposure_ms, 6_570 * S);
}

#[test]
fn the_shipped_atlas_ends_whole_after_a_sync_that_follows_the_last_cluster_sync() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/atlas-3-regions.toml");
    let sc = crate::scenario_file(&path);
    for rep in 0..5 {
        let rb = sc.runbook("atlas-failover").unwrap();
        let out = cutover::sim::simulate(
            &sc,
            rb,
            sc.seed,
            rep,
            cutover::sim::RunOptions {
                log_events: true,
                trace_sessions: false,
            },
        );
        let m = &out.metrics;
        assert_eq!(m.unsynced_at_end, 0, "replication {rep}");
        assert_eq!(m.down_at_end_ms, 0, "replication {rep}");
        let mut buf = Vec::new();
        cutover::export::write_events(&mut buf, &out.events).unwrap();
        let csv = String::from_utf8(buf).unwrap();
        let last_click = csv
            .lines()
            .rfind(|l| l.contains("step_start") && l.contains("cluster_sync"))
            .map(|l| l.split(',').next().unwrap().parse::<f64>().unwrap())
            .expect("a cluster_sync step");
        let synced_after = csv
            .lines()
            .any(|l| l.contains(",sync_done,") && l.split(',').next().unwrap().parse::<f64>().unwrap() > last_click);
        assert!(synced_after, "replication {rep}: no sync after the last cluster_sync");
        assert!(
            csv.lines().last().unwrap().contains(",run,end,"),
            "{}",
            csv.lines().last().unwrap()
        );
    }
}

#[test]
fn a_site_still_down_at_the_horizon_reports_how_long() {
    // A is repaired only after 500 days: the run waits until the horizon,
    // 366 days after the procedure's start, and ends with the site down
    // since the crash at 2,220 + 60 (1 min into the verification).
    let text = single("@@[[faults.inject]]\nat_step = \"verify A\"\nafter = \"1m\"\ncrash = \"A\"");
    let sc = scenario(&text.replace("mttr = \"2h\"", "mttr = \"500d\""));
    let m = run(&sc, "single", 1, 0);
    let horizon = cutover::sim::HORIZON.as_ms();
    assert_eq!(m.span_ms, horizon);
    assert_eq!(m.down_at_end_ms, horizon - 2_280 * S);
    assert_eq!(m.downtime_ms, 2_100 * S + horizon - 2_280 * S);
    let ev = events(&sc, "single");
    assert_eq!(times(&ev, "run", "end"), [horizon as f64 / 1000.0]);
}

#[test]
fn an_injected_defect_is_found_its_detection_time_after_the_version_serves() {
    // The new version serves from the upgrade's end at 2,220; the defect
    // shows 1 h later: a single appliance has no old version to fall back
    // to (it has escaped), and it is restored from its backup.
    let text = single("@@defect_detect = \"1h\"\n[[faults.inject]]\nat_step = \"upgrade A\"\ndefect = true");
    let sc = scenario(&text);
    let ev = events(&sc, "single");
    assert_eq!(times(&ev, "defect", "new_version_serving"), [2_220.0]);
    assert_eq!(times(&ev, "defect", "defect_escaped"), [5_820.0]);
    let m = run(&sc, "single", 1, 0);
    assert_eq!((m.defects_found, m.defect_escaped), (0, 1));
    // Without the injection the same scenario finds nothing.
    let m = run(&scenario(&single("@@defect_detect = \"1h\"")), "single", 1, 0);
    assert_eq!(m.defect_escaped, 0);
}

#[test]
fn a_disk_that_survives_a_crash_keeps_its_records_for_the_sync_after_the_repair() {
    // The crash of `cluster::an_injected_crash_of_the_serving_primary_...`,
    // whose 47 records died with B's disk: with a disk that survives, B
    // keeps them, and the final Sync Now copies them after the repair.
    let sc = atlas(
        "[faults]\nmttr = \"2h\"\ncrash_loses_data = 0\n[[faults.inject]]\nat_step = \"upgrade A\"\nafter = \"10m\"\ncrash = \"B\"\n",
    );
    let m = run(&sc, "atlas-failover", 1, 0);
    assert_eq!((m.records_lost, m.unsynced_at_end), (0, 0));
    let csv = crate::strategies::events_csv(&sc, "atlas-failover", 0);
    let kept = csv
        .lines()
        .find(|l| l.contains(",B,records_kept,"))
        .expect("records kept");
    assert!(kept.contains(",47 unsynced records"), "{kept}");
    // The sync after the repair copies them, besides the records A has held
    // since the pair stopped syncing (from B's upgrade): 47 more than the
    // same sync copies when B's disk dies.
    let last_sync = |sc: &cutover::scenario::Scenario| -> u64 {
        let csv = crate::strategies::events_csv(sc, "atlas-failover", 0);
        let line = csv
            .lines()
            .rfind(|l| l.contains(",failover,sync_start,"))
            .expect("a sync")
            .to_string();
        let words = line.split("incremental, ").nth(1).expect("incremental");
        words.split(' ').next().unwrap().parse().unwrap()
    };
    let died =
        atlas("[faults]\nmttr = \"2h\"\n[[faults.inject]]\nat_step = \"upgrade A\"\nafter = \"10m\"\ncrash = \"B\"\n");
    assert_eq!(last_sync(&sc), last_sync(&died) + 47);
}

#[test]
fn records_kept_on_a_crashed_primary_are_lost_when_the_backup_takes_over() {
    // A pair with its defaults: A, the primary, crashes as the procedure
    // starts; its disk survives, but B takes over, and its first sync to A
    // when A returns as the backup will overwrite them: lost at the takeover.
    let sc = scenario("[faults]\ncrash_loses_data = 0\n[[faults.inject]]\nat_step = \"backup A\"\ncrash = \"A\"\n");
    let csv = crate::strategies::events_csv(&sc, "failover-sync", 0);
    let field = |l: &str, i: usize| l.split(',').nth(i).unwrap().to_string();
    let kept = csv
        .lines()
        .find(|l| l.contains(",A,records_kept,"))
        .expect("records kept");
    let lost = csv
        .lines()
        .find(|l| l.contains(",A,records_lost,"))
        .expect("records lost");
    let took = csv.lines().find(|l| l.contains(",B,took_over,")).expect("a takeover");
    assert_eq!(field(lost, 0), field(took, 0), "lost at the takeover");
    let count = |l: &str| field(l, 3).split(' ').next().unwrap().parse::<u64>().unwrap();
    assert_eq!(count(kept), count(lost));
    assert!(count(kept) > 0);
    let m = run(&sc, "failover-sync", sc.seed, 0);
    assert_eq!(m.records_lost, count(lost));
}

#[test]
fn an_injected_precheck_failure_waits_for_the_admin_fix() {
    // A pod whose prechecks never fail by chance: the injected failure at
    // the precheck's start is logged, and the admin's fix (1 h, within the
    // 2-day deadline) lets the update go on; without it, the precheck passes.
    let pod = |inject: &str| {
        scenario(&format!(
            "[site]\nkind = \"pod\"\n\n[operator]\nstep = \"1m\"\n\n[faults]\nadmin_fix = \"1h\"\n{inject}\n\n[workload.support]\nrate_per_hour = 0\n[workload.console]\nrate_per_hour = 0\n"
        ))
    };
    let sc = pod("[[faults.inject]]\nat_step = \"precheck\"\nfail_precheck = true");
    let ev = events(&sc, "blue-green");
    assert_eq!(times(&ev, "runbook", "fault_injected"), [0.0]);
    assert_eq!(times(&ev, "runbook", "precheck_failed"), [60.0]);
    assert_eq!(times(&ev, "runbook", "precheck_fixed"), [3_660.0]);
    assert!(times(&ev, "runbook", "precheck_passed").is_empty());
    let m = run(&sc, "blue-green", 1, 0);
    assert_eq!(m.aborted, 0);
    let plain = events(&pod(""), "blue-green");
    assert_eq!(times(&plain, "runbook", "precheck_passed"), [60.0]);
}

#[test]
fn a_site_left_down_by_an_aborted_procedure_ends_the_run_and_says_how_long() {
    // The standalone cluster of `cluster::atlas_standalone_by_hand`: A's
    // upgrade (click 4,290, the site down from then: every traffic node
    // marked not accepting in its configuration) fails, with no retry: it
    // waits for support, is rolled back, and the procedure aborts. Nothing
    // marks the traffic nodes accepting again: the site stays down, and the
    // run ends when the rollback is done, not at the horizon.
    let sc = scenario(&cluster_text(
        false,
        "[faults]\nupgrade_retries = 0\n[[faults.inject]]\nat_step = \"upgrade A\"\nfail_upgrade = \"A\"\n",
        "",
    ));
    let m = run(&sc, "atlas-standalone", 1, 0);
    let ev = events(&sc, "atlas-standalone");
    let rolled_back = times(&ev, "A", "rollback_done");
    assert_eq!(rolled_back.len(), 1);
    assert_eq!(times(&ev, "run", "end"), rolled_back);
    assert_eq!(m.aborted, 1);
    let end_ms = (rolled_back[0] * 1000.0).round() as u64;
    assert_eq!(m.down_at_end_ms, end_ms - 4_290 * S);
    assert_eq!(m.downtime_ms, m.down_at_end_ms);
}

/// The timeline of replication 0 of `sc`'s `strategy`.
fn timeline(sc: &cutover::scenario::Scenario, strategy: &str) -> cutover::report::timeline::Timeline {
    let rb = sc.runbook(strategy).unwrap();
    let out = cutover::sim::simulate(
        sc,
        rb,
        sc.seed,
        0,
        cutover::sim::RunOptions {
            log_events: true,
            trace_sessions: false,
        },
    );
    cutover::report::timeline::Timeline::from_run(sc, strategy, sc.seed, &out)
}

#[test]
fn the_timeline_marks_an_injected_fault_where_and_when_it_struck() {
    // The crash of A 10 min into the cool-down (as above): at 3,120 s
    // after the procedure's start, on A's lane.
    let sc = scenario(&single(
        "cooldown = \"30m\"@@[[faults.inject]]\nat_step = \"verify A\"\nafter = \"15m\"\ncrash = \"A\"",
    ));
    let t = timeline(&sc, "single");
    let m = run(&sc, "single", sc.seed, 0);
    assert_eq!(t.marks.len(), 1, "{:?}", t.marks);
    let mark = &t.marks[0];
    assert_eq!(mark.at, m.procedure_start_ms + 3_120 * S);
    assert_eq!(mark.label, "crash of A");
    assert_eq!(t.lanes[mark.lane.expect("on a node's lane")].name, "A");
    // Its instant stays on the axis: inside the drawn range, not cut out.
    assert!(mark.at >= t.from && mark.at <= t.to);
    assert!(
        t.cuts().iter().all(|c| mark.at < c.from || mark.at > c.to),
        "{:?}",
        t.cuts()
    );
    // The chart draws (the legend's row of injected faults included).
    let r = cutover::report::chart::render(&t).expect("drawn");
    assert!(r.svg.contains("injected: crash of A (day 0"), "the legend names it");
    // An injection that struck nothing (A installing) marks nothing; nor
    // does a run without one.
    let idle = scenario(&single(
        "@@[[faults.inject]]\nat_step = \"upgrade A\"\nafter = \"5m\"\ncrash = \"A\"",
    ));
    assert!(timeline(&idle, "single").marks.is_empty());
    assert!(timeline(&scenario(&single("")), "single").marks.is_empty());
}

#[test]
fn occurrence_names_the_second_step_labelled_so() {
    // The Atlas runbook runs cluster_sync twice (steps 11 and 16). With
    // `occurrence = 2`, a crash of B 1 min into a cluster_sync strikes at
    // the second one's start + 60 s, not the first's.
    let text = |occurrence: &str| {
        cluster_text(
            true,
            &format!(
                "[faults]\nmttr = \"2h\"\n[[faults.inject]]\nat_step = \"cluster_sync\"\n{occurrence}after = \"1m\"\ncrash = \"B\"\n"
            ),
            "",
        )
    };
    let starts = |sc: &cutover::scenario::Scenario| -> (Vec<f64>, Vec<f64>) {
        let csv = crate::strategies::events_csv(sc, "atlas-failover", 0);
        let at = |l: &str| l.split(',').next().unwrap().parse::<f64>().unwrap();
        let syncs = csv
            .lines()
            .filter(|l| l.contains(",step_start,") && l.contains("cluster_sync"))
            .map(at)
            .collect();
        let injected = csv.lines().filter(|l| l.contains(",fault_injected,")).map(at).collect();
        (syncs, injected)
    };
    let (syncs, first) = starts(&scenario(&text("")));
    assert_eq!(syncs.len(), 2, "{syncs:?}");
    assert_eq!(first, [syncs[0] + 60.0]);
    let (syncs, second) = starts(&scenario(&text("occurrence = 2\n")));
    assert_eq!(second, [syncs[1] + 60.0]);
    // A third is refused before any run, with the count there is.
    let e = cutover::scenario::Scenario::parse(&text("occurrence = 3\n"), "t.toml", "t")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("faults.inject[0].occurrence") && e.contains("no enabled strategy has more than 2 steps"),
        "{e}"
    );
    let e = cutover::scenario::Scenario::parse(&text("occurrence = 0\n"), "t.toml", "t")
        .unwrap_err()
        .to_string();
    assert!(e.contains("0 is not from 1 to 10000"), "{e}");
}
