//! The timeline of one run against the run's own event log: a pod's cutover
//! drawn on the day and at the time `events.csv` gives; no break over a
//! fault of a fault-heavy study (a failed upgrade, the wait for support, the
//! rollback, a crash), a window's edge or a step's boundary; the bad run such
//! a study picks (an aborted one) drawn with its failed upgrade, its wait
//! for support and its rollback in their own states; the labels on the
//! lanes each on the segment it describes; the days on the axis.

use std::path::PathBuf;

use cutover::montecarlo::run_range;
use cutover::report::chart::render;
use cutover::report::timeline::{FAULT_STATES, Lane, Span, StepBar, Timeline};
use cutover::scenario::Scenario;
use cutover::sim::events::{Event, NodeStatus};
use cutover::sim::{RunOptions, RunOutput, simulate};
use cutover::study::pick::{Picker, Why, outcome};
use cutover::time::{MS_PER_DAY, MS_PER_HOUR, MS_PER_MIN};

use crate::charts::svg_texts;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn logged(sc: &Scenario, strategy: &str, seed: u64, replication: u64) -> RunOutput {
    let rb = sc.strategy(strategy).unwrap();
    simulate(
        sc,
        rb,
        seed,
        replication,
        RunOptions {
            log_events: true,
            trace_sessions: false,
        },
    )
}

#[test]
fn the_pods_cutover_is_drawn_on_the_day_and_at_the_time_of_its_event() {
    let sc = crate::scenario_file(&root().join("scenarios/horizon-pod.toml"));
    let out = logged(&sc, "blue-green", sc.seed, 0);
    // The cutover as the event log has it: its instant, and the local
    // weekday and time events.csv writes beside it.
    let started = out
        .events
        .iter()
        .find(|r| matches!(r.event, Event::MaintenanceStarted { .. }))
        .expect("the cutover starts")
        .time
        .0;
    let done = out
        .events
        .iter()
        .find(|r| matches!(r.event, Event::CutoverDone))
        .expect("and ends")
        .time
        .0;
    let mut csv = Vec::new();
    cutover::export::write_events(&mut csv, &out.events).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    let line = csv
        .lines()
        .find(|l| l.contains(",maintenance started;"))
        .expect("events.csv has the cutover");
    let time_s: f64 = line.split(',').next().unwrap().parse().unwrap();
    assert_eq!((time_s * 1000.0).round() as u64, started);
    // `sat 02:00:00`: the weekday and the minute.
    let local = line.rsplit(',').next().unwrap();
    let (weekday, clock) = local.split_once(' ').unwrap();
    let hhmm = &clock[..5];
    // The day of the run: days since the calendar start's day (UTC here).
    let offset = sc.calendar.start_offset_ms;
    let day = (started + offset) / MS_PER_DAY - offset / MS_PER_DAY;
    assert!(
        started > out.metrics.procedure_start_ms + MS_PER_DAY,
        "the slot is days after the procedure starts (the case that was drawn on the wrong day)"
    );

    let t = Timeline::from_run(&sc, "blue-green", sc.seed, &out);
    // The cutover step waited for its slot since the procedure's start, and
    // its bar (its work) runs from the cutover's start to its end.
    let (i, bar) = t
        .steps
        .iter()
        .enumerate()
        .find(|(_, s)| s.label == "cutover")
        .expect("a cutover step");
    assert_eq!((bar.work, bar.to), (started, done), "{bar:?}");
    assert!(bar.from < started, "it waited for its slot: {bar:?}");
    // The pod is upgrading from that instant.
    let pod = t.lanes.iter().find(|l| l.name == "pod").unwrap();
    assert!(
        pod.spans.iter().any(|s| s.from == started && s.state == "upgrading"),
        "{:?}",
        pod.spans
    );
    // The chart writes the instant with its day, weekday and time...
    let label = format!("day {day} · {weekday} {hhmm}");
    assert_eq!(t.day_label(started), label);
    let svg = render(&t).unwrap().svg;
    let texts = svg_texts(&svg);
    let legend = format!("{}. {label} cutover", i + 1);
    assert!(
        texts.iter().any(|x| x.2.starts_with(&legend)),
        "the step legend says {legend:?}"
    );
    // ...and draws it where no break is, under the axis label of that day.
    let x = t.x_of(started);
    assert!(t.cuts().iter().all(|c| x <= c.x0 || x >= c.x1), "not in a break");
    // The axis's day labels: `day N · …` (the step legend's lines start
    // with their number).
    let is_day = |s: &str| {
        s.strip_prefix("day ")
            .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
    };
    let day_labels: Vec<&(f64, f64, String)> = texts.iter().filter(|x| is_day(&x.2)).collect();
    assert!(day_labels.len() >= 2, "{day_labels:?}");
    assert!(
        day_labels.iter().all(|l| l.1 == day_labels[0].1),
        "one row: {day_labels:?}"
    );
    let left = day_labels
        .iter()
        .filter(|l| l.0 <= x + 1.0)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .expect("a day label at or before the cutover");
    assert!(
        left.2.starts_with(&format!("day {day} · {weekday} ")),
        "the axis names the cutover's day: {:?} at x {:.0}, the cutover at x {x:.0}",
        left.2,
        left.0
    );
}

/// The default scenario with failed upgrades, latent defects and crashes.
fn fault_heavy() -> Scenario {
    let text = std::fs::read_to_string(root().join("scenarios/failover-pair.toml")).unwrap();
    assert!(text.contains("\n[faults]\n"));
    let text = text.replace(
        "\n[faults]\n",
        "\n[faults]\nupgrade_failure = 0.3\nlatent_defect = 0.2\ncrashes = true\n",
    );
    Scenario::parse(&text, "fault-heavy.toml", "fault-heavy").unwrap_or_else(|e| panic!("{e}"))
}

/// The instants of every window edge, step boundary and lane change, and the
/// spans of every fault: a break may hold none of them.
fn check_no_break_hides_anything(t: &Timeline, what: &str) {
    let cuts = t.cuts();
    let inside = |x: u64| cuts.iter().find(|c| c.from < x && x < c.to);
    for &(a, b) in &t.windows {
        for e in [a, b] {
            assert!(
                inside(e).is_none(),
                "{what}: a break hides a window edge at {e}: {cuts:?}"
            );
        }
    }
    for s in &t.steps {
        for e in [s.from, s.work, s.to] {
            assert!(inside(e).is_none(), "{what}: a break hides a boundary of {s:?}");
        }
    }
    for lane in &t.lanes {
        for s in &lane.spans {
            assert!(
                inside(s.from).is_none(),
                "{what}: a break hides a change of {}",
                lane.name
            );
            if FAULT_STATES.contains(&s.state.as_str()) {
                let over = cuts.iter().find(|c| c.from < s.to && s.from < c.to);
                assert!(over.is_none(), "{what}: a break {over:?} over {} {s:?}", lane.name);
            }
        }
    }
}

#[test]
fn the_bad_run_of_a_fault_heavy_study_shows_the_failed_upgrade_and_the_support_wait() {
    let sc = fault_heavy();
    let runbooks: Vec<_> = sc.strategies.iter().map(|n| sc.strategy(n).unwrap()).collect();
    let reps = run_range(&sc, &runbooks, sc.seed, 0..40);
    let mut picker = Picker::for_scenario(&sc, sc.strategies.clone());
    for r in &reps {
        picker.push(r.index, &r.values);
    }
    let order = picker.order();
    let picks = picker.picks();
    assert_eq!(picks.len(), sc.strategies.len());
    let mut shown = 0;
    for (s, p) in picks.iter().enumerate() {
        let aborted = cutover::metrics::index("aborted").unwrap();
        let aborts = reps.iter().filter(|r| r.values[s][aborted] == "1").count();
        let out = logged(&sc, &p.strategy, sc.seed, p.bad.replication);
        // Simulated again with its log, the run is the one of the study.
        assert_eq!(
            out.metrics.values().to_vec(),
            reps[p.bad.replication as usize].values[s]
        );
        assert_eq!(
            p.bad.why == Why::Aborted,
            aborts > 0,
            "{}: aborted runs come first",
            p.strategy
        );
        let t = Timeline::from_run(&sc, &p.strategy, sc.seed, &out);
        check_no_break_hides_anything(&t, &format!("{} bad run", p.strategy));
        // Every failed upgrade: the node waits for support, in its own
        // state, from the failure to support's answer.
        let mut waits = Vec::new();
        for e in out.events.iter() {
            if let Event::UpgradeFailed { node, support } = e.event {
                waits.push((out.events.node_name(node).to_string(), e.time.0, e.time.0 + support.0));
            }
        }
        if waits.is_empty() {
            continue;
        }
        shown += 1;
        for (node, from, to) in &waits {
            let lane = t.lanes.iter().find(|l| l.name == *node).unwrap();
            let wait = Span {
                from: *from,
                to: *to,
                state: NodeStatus::AwaitingSupport.name().into(),
            };
            assert!(lane.spans.contains(&wait), "{node}: {wait:?} in {:?}", lane.spans);
            assert!(
                t.cuts().iter().all(|c| c.to <= *from || c.from >= *to),
                "no break over the wait"
            );
        }
        // The outcome names the failed upgrade.
        let line = outcome(&p.bad, &order, &out.metrics.values(), Some(&out.events));
        assert!(line.contains("upgrade of "), "{}: {line}", p.strategy);
        // A rollback is drawn as one too.
        for e in out.events.iter() {
            if let Event::SupportDone {
                node,
                rollback: Some(d),
            } = e.event
            {
                let lane = t.lanes.iter().find(|l| l.name == out.events.node_name(node)).unwrap();
                let back = lane
                    .spans
                    .iter()
                    .find(|s| s.from == e.time.0 && s.state == "rolling_back")
                    .unwrap_or_else(|| panic!("a rollback from {} in {:?}", e.time.0, lane.spans));
                assert_eq!(back.to, e.time.0 + d.0);
            }
        }
    }
    assert!(shown > 0, "some strategy's bad run has a failed upgrade");
}

#[test]
fn no_break_hides_a_fault_a_window_edge_or_a_step_boundary() {
    let sc = fault_heavy();
    let mut faults = 0;
    for strategy in &sc.strategies {
        for rep in 0..6 {
            let out = logged(&sc, strategy, sc.seed, rep);
            let t = Timeline::from_run(&sc, strategy, sc.seed, &out);
            check_no_break_hides_anything(&t, &format!("{strategy} replication {rep}"));
            faults += t
                .lanes
                .iter()
                .flat_map(|l| &l.spans)
                .filter(|s| FAULT_STATES[..3].contains(&s.state.as_str()))
                .count();
        }
    }
    assert!(faults > 0, "the runs checked have faults");
    // And the quiet interim of the default is still cut out.
    let sc = Scenario::default_scenario();
    let out = logged(&sc, "failover-async-dns", sc.seed, 0);
    let t = Timeline::from_run(&sc, "failover-async-dns", sc.seed, &out);
    assert!(
        t.cuts().iter().any(|c| c.to - c.from > 24 * MS_PER_HOUR),
        "{:?}",
        t.cuts()
    );
    check_no_break_hides_anything(&t, "the default");
}

fn span(from_min: u64, to_min: u64, state: &str) -> Span {
    Span {
        from: from_min * MS_PER_MIN,
        to: to_min * MS_PER_MIN,
        state: state.into(),
    }
}

/// Two nodes over ten hours; `a_spans` on A, `rel` on the failover lane.
fn fixed(a_spans: Vec<Span>, rel: Vec<Span>) -> Timeline {
    Timeline {
        title: "labels".into(),
        lanes: vec![
            Lane {
                name: "site".into(),
                group: None,
                spans: vec![span(0, 600, "serving")],
            },
            Lane {
                name: "A".into(),
                group: None,
                spans: a_spans,
            },
        ],
        relationship: rel,
        windows: vec![(0, 600 * MS_PER_MIN)],
        steps: vec![StepBar {
            from: 0,
            work: 0,
            to: 600 * MS_PER_MIN,
            label: "wait".into(),
        }],
        marks: Vec::new(),
        series: vec![],
        from: 0,
        to: 600 * MS_PER_MIN,
        offset_ms: 0,
        local: Default::default(),
    }
}

#[test]
fn labels_on_the_lanes_sit_on_the_segment_they_describe_or_nowhere() {
    // A stretch without failover of 90 minutes, long enough for its words;
    // one of 3 minutes between two working ones, too short for any; a
    // support wait of 2.5 hours on A, and a crash of 30 minutes.
    let t = fixed(
        vec![
            span(0, 60, "serving"),
            span(60, 210, "awaiting_support"),
            span(210, 400, "upgrading"),
            span(400, 430, "failed"),
            span(430, 600, "serving"),
        ],
        vec![
            span(0, 100, "working"),
            span(100, 190, "not working"),
            span(190, 300, "working"),
            span(300, 303, "not working"),
            span(303, 600, "working"),
        ],
    );
    let labels = t.lane_labels();
    let texts: Vec<&str> = labels.iter().map(|l| l.text.as_str()).collect();
    assert!(texts.contains(&"no failover 1.5 h"), "{texts:?}");
    assert!(texts.contains(&"awaiting support 2.5 h"), "{texts:?}");
    assert!(
        !labels.iter().any(|l| l.from == 300 * MS_PER_MIN),
        "3 minutes hold no label: {labels:?}"
    );
    for l in &labels {
        let (a, b) = (t.x_of(l.from), t.x_of(l.to));
        assert!(a <= l.x0 && l.x1 <= b, "{l:?} within its segment {a:.0}-{b:.0}");
        assert!(
            t.cuts().iter().all(|c| l.x1 <= c.x0 || l.x0 >= c.x1),
            "{l:?} not in a break"
        );
    }
    // In the drawing, each label's centre is on its lane and its segment.
    let svg = render(&t).unwrap().svg;
    let texts = svg_texts(&svg);
    let lane_y = |name: &str| texts.iter().find(|x| x.2 == name).unwrap().1;
    for l in &labels {
        let drawn = texts.iter().find(|x| x.2 == l.text).expect("drawn");
        let row = if l.row == 2 { "failover" } else { "A" };
        assert!((drawn.1 - lane_y(row)).abs() < 2.0, "{} on the {row} lane", l.text);
        assert!(
            t.x_of(l.from) < drawn.0 && drawn.0 < t.x_of(l.to),
            "{} on its segment",
            l.text
        );
    }
    // Squeezed so that only the length fits, the label is the length alone.
    let mut narrow = fixed(
        vec![span(0, 600, "serving")],
        vec![
            span(0, 100, "working"),
            span(100, 118, "not working"),
            span(118, 600, "working"),
        ],
    );
    narrow.windows.clear();
    let labels = narrow.lane_labels();
    for l in &labels {
        assert!(narrow.x_of(l.from) <= l.x0 && l.x1 <= narrow.x_of(l.to), "{l:?}");
        assert!(!l.text.starts_with("no failover"), "the words do not fit: {l:?}");
    }
}

#[test]
fn the_axis_names_each_day_of_the_run_with_its_weekday() {
    // Ten hours from Friday 20:00 (UTC): Friday is day 0, Saturday day 1.
    let mut t = fixed(vec![span(0, 600, "serving")], vec![]);
    t.offset_ms = 4 * MS_PER_DAY + 20 * MS_PER_HOUR;
    assert_eq!(t.day_label(0), "day 0 · fri 20:00");
    assert_eq!(t.day_label(4 * MS_PER_HOUR + 5 * MS_PER_MIN), "day 1 · sat 00:05");
    let svg = render(&t).unwrap().svg;
    let texts = svg_texts(&svg);
    assert!(texts.iter().any(|x| x.2.starts_with("day 0 · fri ")), "{texts:?}");
    assert!(texts.iter().any(|x| x.2.starts_with("day 1 · sat ")), "{texts:?}");
    // A dated calendar: the date in its zone, days counted from its start.
    let sc = crate::scenario(
        "[calendar]\nstart = \"2025-03-08T22:00\"\ntime_zone = \"America/New_York\"\nwarmup = \"0s\"\n",
    );
    let t = Timeline {
        local: sc.calendar.local_time(),
        ..t
    };
    // 8 March 22:00 EST; the clocks go forward at 02:00 on the 9th.
    assert_eq!(t.day_label(0), "day 0 · sat 8 Mar 22:00");
    assert_eq!(t.day_label(5 * MS_PER_HOUR), "day 1 · sun 9 Mar 04:00");
}
