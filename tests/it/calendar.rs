//! The dated calendar: local windows across daylight-saving changes,
//! minute-precise and one-off windows, freezes, regions in their own time.

use crate::scenario;
use cutover::scenario::Scenario;
use cutover::sim::{RunOptions, RunOutput, simulate};
use cutover::time::SimTime;

const LOG: RunOptions = RunOptions {
    log_events: true,
    trace_sessions: false,
};

/// A failover pair in New York with one window, Tuesday 22:00 for 4 h.
fn new_york(extra: &str) -> Scenario {
    scenario(&format!(
        "[calendar]\nstart = \"2025-03-03T00:00\"\ntime_zone = \"America/New_York\"\nwarmup = \"0s\"\n\
         windows = [{{ weekday = \"tue\", at = \"22:00\", length = \"4h\" }}]\n{extra}"
    ))
}

fn run(sc: &Scenario, strategy: &str) -> RunOutput {
    let out = simulate(sc, sc.runbook(strategy).unwrap(), sc.seed, 0, LOG);
    assert!(out.metrics.conservation_error().is_none());
    out
}

/// Seconds of every `window` event named `name`.
fn window_events(out: &RunOutput, name: &str) -> Vec<u64> {
    out.events
        .iter()
        .filter(|r| matches!(r.event.entity(), cutover::sim::events::Entity::Window) && r.event.name() == name)
        .map(|r| r.time.0 / 1000)
        .collect()
}

#[test]
fn a_local_window_keeps_its_wall_clock_time_across_the_spring_change() {
    let sc = new_york("");
    let out = run(&sc, "failover-async-shared-ip");
    let opens = window_events(&out, "open");
    // 4 March 22:00 EST, then 11 March 22:00 EDT: a week less one hour.
    assert_eq!(opens[..2], [165_600, 766_800]);
    assert_eq!(766_800 - 165_600, 7 * 86_400 - 3600);
    let c = &sc.calendar;
    assert_eq!(c.next_open(SimTime(0)), Some(SimTime(165_600_000)));
    assert_eq!(c.next_open(SimTime(165_600_001)), Some(SimTime(766_800_000)));
    assert_eq!(c.local_text(SimTime(165_600_000)), "2025-03-04T22:00:00-05:00");
    assert_eq!(c.local_text(SimTime(766_800_000)), "2025-03-11T22:00:00-04:00");
}

#[test]
fn a_freeze_keeps_the_window_shut_and_the_exposure_grows_a_week() {
    let plain = new_york("");
    let frozen = new_york("freezes = [{ from = \"2025-03-10\", to = \"2025-03-16\", reason = \"audit\" }]\n");
    let a = run(&plain, "failover-async-shared-ip");
    let b = run(&frozen, "failover-async-shared-ip");
    let opens = window_events(&b, "open");
    assert!(!opens.contains(&766_800), "{opens:?}");
    assert_eq!(opens[..2], [165_600, 1_371_600]);
    let skipped: Vec<_> = b
        .events
        .iter()
        .filter(|r| r.event.name() == "skipped")
        .map(|r| (r.time.0 / 1000, b.events.detail(&r.event).to_string()))
        .collect();
    assert_eq!(skipped, [(766_800, "freeze 2025-03-10..2025-03-16: audit".to_string())]);
    // Same draws, the second window a week later (no daylight-saving change
    // between 11 and 18 March): exposure grows by exactly a week.
    assert_eq!(b.metrics.exposure_ms, a.metrics.exposure_ms + 7 * 86_400_000);
}

#[test]
fn a_freeze_touching_a_window_keeps_it_shut() {
    // Tuesday 22:00 to Wednesday 02:00: a freeze starting on the Wednesday
    // overlaps the window, which therefore does not open.
    let sc = new_york("freezes = [{ from = \"2025-03-05\", to = \"2025-03-05\" }]\n");
    assert_eq!(sc.calendar.next_open(SimTime(0)), Some(SimTime(766_800_000)));
    assert_eq!(
        sc.calendar.frozen(SimTime(0), SimTime(u64::MAX / 2)),
        [(SimTime(165_600_000), 0)]
    );
}

#[test]
fn minute_windows_and_dated_one_offs() {
    let sc = scenario(
        "[calendar]\nstart = \"2025-03-03T00:00\"\nwarmup = \"0s\"\nwindows = [\n\
         { weekday = \"tue\", at = \"22:30\", length = \"4h\" },\n\
         { date = \"2025-03-06\", at = \"01:15\", length = \"1h\" },\n]\n",
    );
    let c = &sc.calendar;
    let h = 3_600_000;
    assert_eq!(c.next_open(SimTime(0)), Some(SimTime(46 * h + h / 2)));
    let one_off = 3 * 24 * h + h + h / 4;
    assert_eq!(c.next_open(SimTime(47 * h)), Some(SimTime(one_off)));
    assert!(c.in_window(SimTime(one_off + 59 * 60_000)));
    assert!(!c.in_window(SimTime(one_off + h)));
    assert_eq!(c.next_open(SimTime(one_off + 1)), Some(SimTime((168 + 46) * h + h / 2)));
    // The weekly form takes `at` too.
    let weekly = scenario("[calendar]\nwindows = [{ weekday = \"tue\", at = \"22:30\" }]\n");
    assert_eq!(weekly.calendar.next_open(SimTime(0)), Some(SimTime(46 * h + h / 2)));
}

#[test]
fn spring_gap_moves_forward_and_autumn_fold_takes_the_first() {
    // New York, 9 March 2025: 02:00 EST jumps to 03:00 EDT. A window at
    // 02:30 that Sunday opens at 03:30 EDT (07:30 UTC); the next Sunday at
    // 02:30 EDT.
    let sc = scenario(
        "[calendar]\nstart = \"2025-03-03T00:00\"\ntime_zone = \"America/New_York\"\n\
         windows = [{ weekday = \"sun\", at = \"02:30\", length = \"1h\" }]\n",
    );
    let c = &sc.calendar;
    let open = c.next_open(SimTime(0)).unwrap();
    assert_eq!(c.local_text(open), "2025-03-09T03:30:00-04:00");
    // Time 0 is 05:00 UTC on 3 March; 07:30 UTC on 9 March is 6 days 2.5 h later.
    assert_eq!(open.0, (6 * 24 * 60 + 150) * 60_000);
    let next = c.next_open(open + cutover::time::SimDuration(1)).unwrap();
    assert_eq!(c.local_text(next), "2025-03-16T02:30:00-04:00");
    // 2 November 2025: 02:00 EDT falls back to 01:00 EST. A window at 01:30
    // opens at the first 01:30 (EDT).
    let sc = scenario(
        "[calendar]\nstart = \"2025-10-27T00:00\"\ntime_zone = \"America/New_York\"\n\
         windows = [{ weekday = \"sun\", at = \"01:30\", length = \"1h\" }]\n",
    );
    let c = &sc.calendar;
    let open = c.next_open(SimTime(0)).unwrap();
    assert_eq!(c.local_text(open), "2025-11-02T01:30:00-04:00");
    // The start itself follows the same rules: 02:30 on 9 March is 03:30 EDT.
    let sc = scenario("[calendar]\nstart = \"2025-03-09T02:30\"\ntime_zone = \"America/New_York\"\n");
    assert_eq!(sc.calendar.local_text(SimTime(0)), "2025-03-09T03:30:00-04:00");
}

#[test]
fn the_weekly_utc_form_is_unchanged() {
    // No `start`: the same calendar as before, and `at = "22:00"` is `hour = 22`.
    let a =
        scenario("[calendar]\nstart_weekday = \"tue\"\nstart_hour = 3\nwindows = [{ weekday = \"thu\", hour = 22 }]\n");
    let b = scenario(
        "[calendar]\nstart_weekday = \"tue\"\nstart_hour = 3\nwindows = [{ weekday = \"thu\", at = \"22:00\" }]\n",
    );
    assert_eq!(a.calendar, b.calendar);
    assert!(a.calendar.local.is_none());
    assert_eq!(a.calendar.local_text(SimTime(0)), "tue 03:00:00");
}

#[test]
fn the_readme_example_opens_where_it_says() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/src/calendar.md")).unwrap();
    let start = readme
        .find("[calendar]\nstart = \"2025-03-03T00:00\"")
        .expect("the example is in the book's calendar chapter");
    let toml = &readme[start..start + readme[start..].find("```").unwrap()];
    let sc = scenario(toml);
    let c = &sc.calendar;
    let mut opens = Vec::new();
    let mut t = SimTime(0);
    while let Some(o) = c.next_open(t) {
        if opens.len() == 4 {
            break;
        }
        opens.push(c.local_text(o));
        t = o + cutover::time::SimDuration(1);
    }
    assert_eq!(
        opens,
        [
            "2025-03-04T22:00:00-05:00",
            "2025-03-11T22:00:00-04:00",
            "2025-03-13T21:30:00-04:00",
            "2025-03-25T22:00:00-04:00",
        ]
    );
    assert_eq!(c.next_open(SimTime(0)), Some(SimTime(165_600_000)));
    let frozen = c.frozen(SimTime(0), SimTime(40 * 86_400_000));
    assert_eq!(frozen.len(), 1);
    assert_eq!(c.local_text(frozen[0].0), "2025-03-18T22:00:00-04:00");
}

#[test]
fn events_csv_ends_with_the_local_date_time() {
    let sc = new_york("");
    let out = run(&sc, "failover-async-shared-ip");
    let mut buf = Vec::new();
    cutover::export::write_events(&mut buf, &out.events).unwrap();
    let text = String::from_utf8(buf).unwrap();
    assert!(text.starts_with("time_s,entity,event,detail,local\n"), "{text}");
    assert!(
        text.contains("\n165600.000,window,open,,2025-03-04T22:00:00-05:00\n"),
        "{text}"
    );
    assert!(
        text.contains("\n766800.000,window,open,,2025-03-11T22:00:00-04:00\n"),
        "{text}"
    );
}

#[test]
fn the_timeline_labels_days_with_local_dates() {
    use cutover::report::timeline::Timeline;
    let sc = new_york("");
    let out = run(&sc, "failover-async-shared-ip");
    let t = Timeline::from_run(&sc, "failover-async-shared-ip", sc.seed, &out);
    let svg = cutover::report::chart::render(&t).expect("renders").svg;
    // The first step starts as the window opens: 4 March, 22:00 New York time.
    assert!(svg.contains("4 Mar 22:00"), "local date in the step legend");
    assert!(svg.contains("time (America/New_York)"));
    // Without a start the labels stay weekdays in UTC.
    let weekly = scenario("[calendar]\nwarmup = \"0s\"\nwindows = [{ weekday = \"tue\", at = \"22:00\" }]\n");
    let out = run(&weekly, "failover-async-shared-ip");
    let t = Timeline::from_run(&weekly, "failover-async-shared-ip", weekly.seed, &out);
    let svg = cutover::report::chart::render(&t).expect("renders").svg;
    assert!(svg.contains("tue 22:00") && svg.contains("time (UTC)"));
}

#[test]
fn regions_follow_the_profile_in_their_own_time() {
    // One busy local hour (10:00-11:00) every day; EMEA in Berlin (UTC+1 in
    // January), AMER in New York (UTC-5): the busy UTC hours are 09 and 15.
    let mut hours = vec!["0.01"; 24];
    hours[10] = "1";
    let sc = scenario(&format!(
        "[calendar]\nstart = \"2025-01-06T00:00\"\nwarmup = \"14d\"\n\
         [site]\nkind = \"atlas\"\nregions = [\n\
         {{ name = \"emea\", nodes = 2, capacity = 100000, time_zone = \"Europe/Berlin\" }},\n\
         {{ name = \"amer\", nodes = 2, capacity = 100000, time_zone = \"America/New_York\" }},\n]\n\
         [workload]\narrivals = \"deterministic\"\nhours = [{}]\n[workload.support]\nrate_per_hour = 60\n",
        hours.join(", ")
    ));
    let strategy = &sc.strategies[0];
    let opts = RunOptions {
        log_events: true,
        trace_sessions: true,
    };
    let out = simulate(&sc, sc.runbook(strategy).unwrap(), sc.seed, 0, opts);
    let before = out.metrics.procedure_start_ms;
    let mut counts = [[0u32; 24]; 2];
    for r in out
        .events
        .iter()
        .filter(|r| r.event.name() == "session_start" && r.time.0 < before)
    {
        let node = out.events.entity_name(r.event.entity());
        let region = if node.starts_with("emea") {
            0
        } else if node.starts_with("amer") {
            1
        } else {
            continue;
        };
        counts[region][((r.time.0 / 3_600_000) % 24) as usize] += 1;
    }
    let peak = |c: &[u32; 24]| (0..24).max_by_key(|&h| c[h]).unwrap();
    assert!(
        counts[0].iter().sum::<u32>() > 300 && counts[1].iter().sum::<u32>() > 300,
        "{counts:?}"
    );
    assert_eq!((peak(&counts[0]), peak(&counts[1])), (9, 15), "{counts:?}");
    // A region's zone needs the dated calendar.
    let err = cutover::scenario::Scenario::parse(
        "[site]\nkind = \"atlas\"\nregions = [{ name = \"emea\", time_zone = \"Europe/Berlin\" }]\n",
        "t.toml",
        "t",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("site.regions[0].time_zone: needs calendar.start"), "{err}");
}

#[test]
fn arrivals_keep_their_local_hour_across_the_change() {
    use cutover::model::calendar::{Clock, time_zone};
    use cutover::model::workload::ArrivalProcess;
    use rand::SeedableRng;
    // Only local 10:00-11:00 on weekdays is busy; New York from 3 March,
    // across the change of 9 March, for four weeks.
    let tz = time_zone("America/New_York").unwrap();
    let clock = Clock::new("America/New_York", tz, "2025-03-03T00:00".parse().unwrap()).unwrap();
    let mut profile = vec![0.0; 168];
    for d in 0..5 {
        profile[d * 24 + 10] = 1.0;
    }
    let mut p = ArrivalProcess::new(60.0, &profile, 0, SimTime(0)).local(clock.clone());
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    let mut n = 0;
    while let Some(t) = p.next(&mut rng) {
        if t.0 >= 28 * 86_400_000 {
            break;
        }
        let local = clock.local(t.0 as i64);
        assert_eq!(local.hour(), 10, "{local}");
        n += 1;
    }
    assert!(n > 800, "{n}");
}

#[test]
fn windows_in_words_give_minutes_dates_and_the_zone() {
    let sc = new_york("");
    assert_eq!(sc.calendar.window_texts(), ["tue 22:00 America/New_York for 4h"]);
    let sc = scenario(
        "[calendar]\nstart = \"2025-03-03T00:00\"\nwindows = [\n\
         { weekday = \"tue\", at = \"22:30\", length = \"4h\" },\n\
         { date = \"2025-03-10\", at = \"22:00\", length = \"6h\" },\n]\n",
    );
    assert_eq!(
        sc.calendar.window_texts(),
        ["tue 22:30 UTC for 4h", "2025-03-10 22:00 UTC for 6h"]
    );
}

#[test]
fn a_run_summary_gives_the_local_start_after_the_spring_change() {
    // A week of warm-up: the procedure starts in the second window, after
    // New York moved to daylight saving (EDT), at 22:00 local all the same.
    let sc = scenario(
        "[calendar]\nstart = \"2025-03-03T00:00\"\ntime_zone = \"America/New_York\"\nwarmup = \"7d\"\n\
         windows = [{ weekday = \"tue\", at = \"22:00\", length = \"4h\" }]\n",
    );
    let out = run(&sc, "failover-sync-one-window");
    assert_eq!(out.metrics.procedure_start_ms, 766_800_000);
    let summary = cutover::report::terminal::run_summary(&sc, "failover-sync-one-window", sc.seed, &out.metrics);
    assert!(summary.contains("starts 11 Mar 22:00 America/New_York"), "{summary}");
}
