//! Horizon pods as their administrators see them: users who come back when
//! they next work, the preferred window read in UTC (as the console takes
//! it), a pod left unsupported by a precheck not fixed in time, the hour
//! of a missed slot, and lost work in a fleet's tables.

use std::sync::atomic::AtomicBool;

use cutover::fleet::Fleet;
use cutover::fleet::campaign::simulate_campaign;

use crate::strategies::events_csv;
use crate::{mean_se, run, scenario};

const H: u64 = 3_600_000;

/// A pod whose users work Monday to Friday, 08:00 to 18:00 UTC, and leave
/// their desktop sessions open for long (a median of 10 h): every farm
/// closes disconnected sessions at once, every user comes back, 5 minutes
/// after they next can. The preferred window `window` is always honoured,
/// one day's notice after the start (Monday 02:00). The `remedy` runbook
/// sets "close disconnected sessions" to 2 hours for the maintenance.
pub fn office_pod(window: &str, extra: &str) -> String {
    let hours: Vec<&str> = (0..24).map(|h| if (8..18).contains(&h) { "1" } else { "0" }).collect();
    format!(
        r#"
[calendar]
warmup = "2h"

[site]
kind = "pod"
capacity = 100000

[pod]
preferred_window = {window}
miss_probability = 0
lead_time = "1d"
cutover = "15m"
build_green = "1h"
validate = "5m"
delete_blue = "10m"
farms = [{{ logoff = "immediately" }}]
reconnect_probability = 1
reconnect_delay = "5m"
{extra}

[operator]
step = "45s"

[workload]
days = [1, 1, 1, 1, 1, 0, 0]
hours = [{}]

[workload.support]
rate_per_hour = 40
duration = {{ dist = "lognormal", median = "10h", p95 = "60h" }}
retry = {{ attempts = 0 }}

[workload.console]
rate_per_hour = 0

[[runbooks]]
name = "remedy"
site = "pod"
steps = [
  {{ do = "precheck" }},
  {{ do = "schedule" }},
  {{ do = "set_logoff_policy", after = "2h" }},
  {{ do = "build_green" }},
  {{ do = "cutover" }},
  {{ do = "verify", node = "pod" }},
  {{ do = "set_logoff_policy", restore = true }},
  {{ do = "delete_blue" }},
]
"#,
        hours.join(", ")
    )
}

/// Lost work of `strategy` over `n` replications.
fn lost(sc: &cutover::scenario::Scenario, strategy: &str, n: u64) -> Vec<f64> {
    (0..n)
        .map(|i| run(sc, strategy, 11, i).lost_work_sessions as f64)
        .collect()
}

#[test]
fn users_away_for_the_weekend_lose_their_work_whatever_the_logoff_time() {
    let n = 40;
    // Saturday 02:00: nobody is at work; the users come back on Monday
    // from 08:00, two days later: "after 2 hours" has long expired.
    let sat = scenario(&office_pod(r#"{ weekday = "sat", hour = 2 }"#, ""));
    let (at_once, after) = (lost(&sat, "blue-green", n), lost(&sat, "remedy", n));
    let (m0, se0) = mean_se(&at_once);
    let (m1, se1) = mean_se(&after);
    assert!(m0 > 20.0, "sessions left open over the weekend: {m0}");
    let se = (se0 * se0 + se1 * se1).sqrt();
    assert!(
        (m0 - m1).abs() <= 3.0 * se,
        "immediately {m0} ± {se0}, after 2h {m1} ± {se1}"
    );
    // Every session open at the cutover loses its work under both.
    for i in 0..5 {
        let m = run(&sat, "remedy", 11, i);
        assert_eq!(m.lost_work_sessions, m.dropped_sessions, "replication {i}");
    }
    // Tuesday 10:00: everybody is at work and back 20 minutes after the
    // disconnection: "after 2 hours" saves their work.
    let tue = scenario(&office_pod(r#"{ weekday = "tue", hour = 10 }"#, ""));
    let (m0, _) = mean_se(&lost(&tue, "blue-green", n));
    let (m1, _) = mean_se(&lost(&tue, "remedy", n));
    assert!(m0 > 100.0, "a working morning's sessions: {m0}");
    assert!(m1 <= 0.1 * m0, "after 2h loses {m1}, immediately {m0}");
}

#[test]
fn users_come_back_at_the_first_working_hour() {
    // Disconnected on Saturday at 02:00 (a cutover of 15 minutes): users
    // are back on Monday at 08:00 plus their 5 minutes, 54 h 5 min later. A
    // farm that closes disconnected sessions after 54 h 4 min keeps none,
    // one that waits 54 h 6 min keeps them all.
    let with = |after: &str| {
        let text = office_pod(r#"{ weekday = "sat", hour = 2 }"#, "").replace(
            r#"farms = [{ logoff = "immediately" }]"#,
            &format!(r#"farms = [{{ logoff = "after", after = "{after}" }}]"#),
        );
        run(&scenario(&text), "blue-green", 11, 0)
    };
    let (short, long) = (with("54h4m"), with("54h6m"));
    assert!(short.dropped_sessions > 0);
    assert_eq!(short.lost_work_sessions, short.dropped_sessions);
    assert_eq!(long.lost_work_sessions, 0);
    // Half the users work on Saturday and on Sunday (08:00 to 18:00): each
    // user works on Saturday with chance 1/2 and is then back at 08:00,
    // six hours later; the others are away 30 hours or more. A farm that
    // waits 30 hours keeps the sessions of half the users (binomial).
    let half = office_pod(r#"{ weekday = "sat", hour = 2 }"#, "")
        .replace("days = [1, 1, 1, 1, 1, 0, 0]", "days = [1, 1, 1, 1, 1, 0.5, 0.5]")
        .replace(
            r#"farms = [{ logoff = "immediately" }]"#,
            r#"farms = [{ logoff = "after", after = "30h" }]"#,
        );
    let m = run(&scenario(&half), "blue-green", 11, 0);
    let n = m.dropped_sessions as f64;
    let kept = (m.dropped_sessions - m.lost_work_sessions) as f64 / n;
    let se = (0.25 / n).sqrt();
    assert!(n > 100.0 && (kept - 0.5).abs() < 3.0 * se, "{kept} of {n} kept");
}

/// A pod in New York (the calendar starts on Monday 3 March 2025, 00:00
/// local, 05:00 UTC) whose preferred window is Saturday 02:00 read in
/// `zone` (none: the default).
fn new_york(zone: Option<&str>) -> cutover::metrics::Metrics {
    let zone = zone.map_or(String::new(), |z| format!("preferred_window_zone = \"{z}\"\n"));
    let text = office_pod(r#"{ weekday = "sat", hour = 2 }"#, &zone).replace(
        "[calendar]\n",
        "[calendar]\nstart = \"2025-03-03T00:00\"\ntime_zone = \"America/New_York\"\n",
    );
    run(&scenario(&text), "blue-green", 11, 0)
}

#[test]
fn the_preferred_window_is_read_in_utc_by_default() {
    // Saturday 8 March 02:00 UTC is 4 days 21 hours after the start.
    let m = new_york(None);
    assert_eq!(m.scheduled_at_ms, Some(117 * H));
    assert_eq!(m.in_preferred_window, Some(true));
    assert_eq!(m.scheduled_hour, Some(5 * 24 + 2));
    assert_eq!(new_york(Some("UTC")).scheduled_at_ms, Some(117 * H));
    // Local: 02:00 in New York (EST) is 07:00 UTC.
    let m = new_york(Some("local"));
    assert_eq!(m.scheduled_at_ms, Some(122 * H));
    assert_eq!(
        (m.in_preferred_window, m.scheduled_hour),
        (Some(true), Some(5 * 24 + 2))
    );
    // A zone by name: 02:00 in Paris (CET) is 01:00 UTC.
    assert_eq!(new_york(Some("Europe/Paris")).scheduled_at_ms, Some(116 * H));
}

#[test]
fn a_named_zone_counts_its_change_of_offset() {
    // A calendar in UTC from Monday 3 March 2025; the window Sunday 03:00
    // in New York, which moves to summer time at 02:00 that Sunday (9
    // March): 03:00 EDT is 07:00 UTC, 6 days 7 hours after the start (the
    // week's arithmetic alone would say 04:00 EDT, an hour late).
    let text = office_pod(
        r#"{ weekday = "sun", hour = 3 }"#,
        "preferred_window_zone = \"America/New_York\"\n",
    )
    .replace("[calendar]\n", "[calendar]\nstart = \"2025-03-03T00:00\"\n");
    let m = run(&scenario(&text), "blue-green", 11, 0);
    assert_eq!(m.scheduled_at_ms, Some((6 * 24 + 7) * H));
    assert_eq!(
        (m.in_preferred_window, m.scheduled_hour),
        (Some(true), Some(6 * 24 + 3))
    );
}

#[test]
fn a_bad_preferred_window_zone_is_refused_by_field() {
    let refused = |text: String| {
        cutover::scenario::Scenario::parse(&text, "pod.toml", "pod")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    };
    let e = refused(office_pod(
        r#"{ weekday = "sat", hour = 2 }"#,
        "preferred_window_zone = \"Mars/Olympus\"",
    ));
    assert!(
        e.contains("pod.preferred_window_zone") && e.contains("unknown time zone"),
        "{e}"
    );
    // A zone by name needs dates; the weekly form has none.
    let e = refused(office_pod(
        r#"{ weekday = "sat", hour = 2 }"#,
        "preferred_window_zone = \"Europe/Paris\"",
    ));
    assert!(
        e.contains("pod.preferred_window_zone") && e.contains("calendar.start"),
        "{e}"
    );
}

#[test]
fn a_precheck_fixed_after_its_deadline_leaves_the_pod_unsupported() {
    let with = |fix: &str| {
        let text = format!(
            "{}\n[faults]\nprecheck_failure = 1\nadmin_fix = \"{fix}\"\nprecheck_deadline = \"2d\"\n",
            office_pod(r#"{ weekday = "tue", hour = 10 }"#, "")
        );
        scenario(&text)
    };
    // Fixed after 3 days, deadline 2 days: unsupported for the third day,
    // then the update is given up (the service schedules another).
    let sc = with("3d");
    let m = run(&sc, "blue-green", 11, 0);
    assert_eq!(m.unsupported_ms, Some(24 * H));
    assert_eq!(m.aborted, 1);
    assert_eq!(m.scheduled_at_ms, None, "no slot is scheduled");
    let csv = events_csv(&sc, "blue-green", 0);
    let row = csv
        .lines()
        .find(|l| l.contains(",unsupported,"))
        .expect("an unsupported event");
    assert!(row.contains("until the admin's fix, 1d"), "{row}");
    // The pod runs on the old version all along: nobody is disconnected.
    assert_eq!(m.dropped_sessions, 0);
    // Fixed within the deadline: never unsupported, the update goes on.
    let m = run(&with("1d"), "blue-green", 11, 0);
    assert_eq!((m.unsupported_ms, m.aborted), (Some(0), 0));
    assert!(m.scheduled_at_ms.is_some());
    // Not a pod: the metric does not apply.
    let m = run(
        &cutover::scenario::Scenario::default_scenario(),
        "failover-async-dns",
        11,
        0,
    );
    assert_eq!(m.unsupported_ms, None);
}

#[test]
fn a_missed_slot_reports_its_hour() {
    // Always missed, any slot within the hour after the notice: the
    // procedure starts Monday 02:00, the precheck takes 45 s, one day's
    // notice: the first slot on the hour is Tuesday 03:00 (hour 27).
    let text = office_pod(r#"{ weekday = "sat", hour = 2 }"#, "")
        .replace("miss_probability = 0", "miss_probability = 1\nspread = \"1h\"");
    let m = run(&scenario(&text), "blue-green", 11, 0);
    assert_eq!(m.in_preferred_window, Some(false));
    assert_eq!(m.scheduled_hour, Some(27));
    assert_eq!(m.scheduled_at_ms, Some(27 * H));
}

#[test]
fn a_fleets_tables_carry_the_pods_lost_work() {
    assert!(cutover::fleet::table::COLUMNS.contains(&"lost_work_sessions"));
    assert!(cutover::fleet::study::sites_header().contains(&"lost_work_sessions"));
    let root = env!("CARGO_MANIFEST_DIR");
    let read = |p: &str| std::fs::read_to_string(format!("{root}/scenarios/{p}")).map_err(|e| e.to_string());
    let text = r#"
[fleet]
start = "2025-03-03T00:00"
sites = [
  { scenario = "horizon-pod.toml", count = 3 },
  { scenario = "single.toml", count = 2 },
]
[campaign]
waves = [0.5, 0.5]
max_sites_per_window = 2
bake = "1d"
"#;
    let f = Fleet::parse(text, "fleet.toml", "fleet", &read).unwrap_or_else(|e| panic!("{e}"));
    let mut pods_lost = 0;
    for i in 0..4 {
        let r = simulate_campaign(&f, 0, 9, i, &AtomicBool::new(false)).unwrap();
        let per_site: Vec<u64> = (r.sites.iter())
            .map(|s| s.metrics.as_ref().map_or(0, |m| m.lost_work_sessions))
            .collect();
        assert_eq!(
            r.metrics.lost_work_sessions,
            per_site.iter().sum::<u64>(),
            "replication {i}"
        );
        // The appliances (the last two sites) lose no work at a cutover.
        assert_eq!(&per_site[3..], &[0, 0], "replication {i}");
        pods_lost += per_site[..3].iter().sum::<u64>();
        let k = cutover::fleet::table::index("lost_work_sessions").unwrap();
        assert_eq!(r.metrics.values()[k], r.metrics.lost_work_sessions.to_string());
    }
    assert!(pods_lost > 0, "the pods' farms close some sessions at once");
}
