//! Operators by hand: how many there are (`operators.count`) and their
//! shifts. Every duration is a constant and there are no clients.

use crate::{run, scenario};
use cutover::scenario::Scenario;
use cutover::sim::{RunOptions, simulate};

const S: u64 = 1000;
/// The procedure starts Monday 10:00, after the 2 h warm-up.
const P: u64 = 36_000;

/// An Atlas cluster, one region `r` of ten traffic nodes (`r-1`..`r-5`
/// offline, `r-6`..`r-10` remaining), no backup primary, no clients. A
/// window Monday 10:00 for 8 h. Every install takes 35 min = 2,100 s, an
/// operator step 45 s, distributing the package 300 s.
fn atlas(extra: &str) -> Scenario {
    scenario(&format!(
        r#"
[calendar]
windows = [{{ weekday = "mon", hour = 10, length = "8h" }}]
warmup = "2h"

[site]
kind = "atlas"
backup_primary = false
data_gb = 0
distribute = "5m"
regions = [{{ name = "r", nodes = 10, capacity = 100 }}]

[upgrade]
base = "10m"
product = "20m"
reboot = "5m"

[operator]
step = "45s"
backup = "0s"
verify = "0s"

[workload.support]
rate_per_hour = 0
[workload.console]
rate_per_hour = 0
{extra}
"#
    ))
}

/// Records as (seconds after P, text).
type Timed = Vec<(u64, String)>;

/// (seconds after P, node) of every `upgrade_start`, and the records
/// named `event` as (seconds after P, detail).
fn log(sc: &Scenario, event: &str) -> (Timed, Timed) {
    let out = simulate(
        sc,
        sc.runbook("atlas-standalone").unwrap(),
        1,
        0,
        RunOptions {
            log_events: true,
            trace_sessions: false,
        },
    );
    let pick = |name: &str| -> Vec<(u64, String)> {
        out.events
            .iter()
            .filter(|e| e.event.name() == name)
            .map(|e| (e.time.0 / S - P, out.events.detail(&e.event).to_string()))
            .collect()
    };
    let starts = out
        .events
        .iter()
        .filter(|e| e.event.name() == "upgrade_start")
        .map(|e| (e.time.0 / S - P, format!("{:?}", e.event.entity())))
        .collect();
    (starts, pick(event))
}

fn nodes(starts: &[(u64, String)]) -> Vec<u64> {
    starts.iter().map(|s| s.0).collect()
}

#[test]
fn unlimited_operators_start_a_group_with_one_click() {
    // distribute: click 0..45, transfer 300 → 345; r-1..r-5 not accepting
    // 390; drained at once (no clients); upgrade offline: one click, all
    // five start at 435 (today's model), done 2,535; upgrade A 2,580.
    let sc = atlas("");
    let (starts, _) = log(&sc, "waiting_for_operator");
    assert_eq!(
        nodes(&starts),
        [435, 435, 435, 435, 435, 2_580, 4_815, 4_815, 4_815, 4_815, 4_815]
    );
    let m = run(&sc, "atlas-standalone", 1, 0);
    // A done 4,680; accepting 4,725; sync 4,770; remaining click 4,815,
    // done 6,915; accepting 6,960; sync 7,005. Nine operator steps of 45 s.
    assert_eq!(m.procedure_ms, 7_005 * S);
    assert!((m.operator_hours - 9.0 * 45.0 / 3600.0).abs() < 1e-12);
    assert_eq!(m.operator_wait_ms, 0);
}

#[test]
fn one_operator_staggers_a_group_by_the_step_time() {
    // As above up to 390; then one operator clicks node after node, 45 s
    // each: r-1 starts 435, r-2 480, r-3 525, r-4 570, r-5 615 (done 2,715).
    let sc = atlas("[operators]\ncount = 1");
    let (starts, waits) = log(&sc, "waiting_for_operator");
    // Upgrade A: click 2,715..2,760, done 4,860; accepting 4,905; sync
    // 4,950; the remaining five start 4,995, 5,040, 5,085, 5,130, 5,175.
    assert_eq!(
        nodes(&starts),
        [435, 480, 525, 570, 615, 2_760, 4_995, 5_040, 5_085, 5_130, 5_175]
    );
    assert!(waits.is_empty(), "always on shift: {waits:?}");
    let m = run(&sc, "atlas-standalone", 1, 0);
    // r-10 done 7,275; accepting 7,320; sync 7,365.
    assert_eq!(m.procedure_ms, 7_365 * S);
    // 17 steps of 45 s (one per node of a group), 765 s.
    assert!((m.operator_hours - 765.0 / 3600.0).abs() < 1e-12);
    // Each group's nodes wait 0, 45, 90, 135, 180 for the operator: 450 twice.
    assert_eq!(m.operator_wait_ms, 900 * S);
}

#[test]
fn five_operators_start_five_nodes_at_once() {
    let sc = atlas("[operators]\ncount = 5");
    let (starts, _) = log(&sc, "waiting_for_operator");
    // Five clicks in parallel, 390..435: the same instants as with
    // unlimited operators, but five clicks' time.
    assert_eq!(
        nodes(&starts),
        [435, 435, 435, 435, 435, 2_580, 4_815, 4_815, 4_815, 4_815, 4_815]
    );
    let m = run(&sc, "atlas-standalone", 1, 0);
    assert_eq!(m.procedure_ms, 7_005 * S);
    assert!((m.operator_hours - 765.0 / 3600.0).abs() < 1e-12);
    assert_eq!(m.operator_wait_ms, 0);
}

#[test]
fn a_shift_ending_mid_procedure_logs_the_wait_and_resumes_at_the_next() {
    // Shifts 10:00-10:05 and 12:00-18:00 (P .. P + 300, P + 7,200 ..), one
    // operator. Distribute: click 0..45 (on shift), the transfer runs to
    // 345, past the shift's end (it needs no operator). Set accepting at
    // 345: off shift, it waits for 12:00 = 7,200; click 7,200..7,245.
    let sc = atlas(
        "[operators]\ncount = 1\nshifts = [{ from = \"10:00\", to = \"10:05\" }, { from = \"12:00\", to = \"18:00\" }]",
    );
    let (starts, waits) = log(&sc, "waiting_for_operator");
    assert_eq!(
        waits,
        [(
            345,
            "2/10 set_accepting r-1, r-2, r-3, r-4, r-5 = false waits for the operators' shift at mon 12:00:00"
                .to_string()
        )]
    );
    // Drained at once; the five offline clicks 7,245..7,470; r-5 done
    // 9,570; upgrade A click 9,570..9,615, done 11,715; accepting 11,760;
    // sync 11,805; remaining 11,850 .. 12,030.
    assert_eq!(
        nodes(&starts),
        [
            7_290, 7_335, 7_380, 7_425, 7_470, 9_615, 11_850, 11_895, 11_940, 11_985, 12_030
        ]
    );
    let m = run(&sc, "atlas-standalone", 1, 0);
    // r-10 done 14,130; accepting 14,175; sync 14,220.
    assert_eq!(m.procedure_ms, 14_220 * S);
    // Waits: the shift 7,200 − 345 = 6,855, and 450 in each group.
    assert_eq!(m.operator_wait_ms, (6_855 + 900) * S);
    assert!((m.operator_hours - 765.0 / 3600.0).abs() < 1e-12);
}

#[test]
fn a_group_waits_for_the_next_shift_node_by_node() {
    // One shift 10:00-10:08 (P .. P + 480) and 12:00-18:00: r-1's click
    // 390..435, r-2's 435..480; r-3's operator is free at 480, off shift:
    // it waits for 12:00 (7,200), then r-3 7,245, r-4 7,290, r-5 7,335.
    let sc = atlas(
        "[operators]\ncount = 1\nshifts = [{ from = \"10:00\", to = \"10:08\" }, { from = \"12:00\", to = \"18:00\" }]",
    );
    let (starts, waits) = log(&sc, "waiting_for_operator");
    assert_eq!(waits.iter().map(|w| w.0).collect::<Vec<_>>(), [480]);
    assert_eq!(nodes(&starts)[..6], [435, 480, 7_245, 7_290, 7_335, 9_480]);
    let m = run(&sc, "atlas-standalone", 1, 0);
    // Offline waits 0 + 45 + 6,810 + 6,855 + 6,900, remaining 450.
    assert_eq!(m.operator_wait_ms, (20_610 + 450) * S);
}

#[test]
fn the_operator_spans_are_the_operators_work_by_hand() {
    let spans = |sc: &Scenario| -> Vec<(u64, u64)> {
        let out = simulate(sc, sc.runbook("atlas-standalone").unwrap(), 1, 0, RunOptions::default());
        out.spans
            .operator
            .iter()
            .map(|&(a, b)| (a.0 / S - P, b.0 / S - P))
            .collect()
    };
    // One operator (times as above): distribute click 0..45 (the transfer
    // 45..345 needs none); set_accepting click 345..390, then at once the
    // five offline clicks 390..615: one span 345..615; upgrade A click
    // 2,715..2,760; after A, set_accepting 4,860..4,905, cluster_sync
    // 4,905..4,950 and the five remaining clicks 4,950..5,175: 4,860..5,175;
    // set_accepting 7,275..7,320 and cluster_sync 7,320..7,365.
    let one = spans(&atlas("[operators]\ncount = 1"));
    assert_eq!(
        one,
        [(0, 45), (345, 615), (2_715, 2_760), (4_860, 5_175), (7_275, 7_365)]
    );
    // 45 + 270 + 45 + 315 + 90 = 765 s, the operator hours.
    assert_eq!(one.iter().map(|(a, b)| b - a).sum::<u64>(), 765);
    // Five operators click five nodes at once: their spans overlap and
    // still add up to the 765 s of work.
    let five = spans(&atlas("[operators]\ncount = 5"));
    assert_eq!(five.iter().map(|(a, b)| b - a).sum::<u64>(), 765);
    assert!(
        five.iter().filter(|&&(a, b)| (a, b) == (390, 435)).count() >= 4,
        "{five:?}"
    );
}
