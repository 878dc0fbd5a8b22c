//! Properties of the built-in default scenario that the README states.

use crate::run;
use cutover::scenario::Scenario;
use cutover::sim::events::{ClientKind, Event};
use cutover::sim::{RunOptions, simulate};

#[test]
fn async_trades_exposure_for_downtime_on_the_default() {
    // Every asynchronous strategy has less downtime than either synchronous
    // one; every two-window procedure (the vendor's, sync or async) leaves
    // the site without failover for days, the one-night sync for hours.
    let sc = Scenario::default_scenario();
    let (hour, day) = (3_600_000, 86_400_000);
    for r in 0..20 {
        let sync = run(&sc, "failover-sync", sc.seed, r);
        let night = run(&sc, "failover-sync-one-window", sc.seed, r);
        assert_eq!(
            sync.downtime_ms, night.downtime_ms,
            "replication {r}: A's install either way"
        );
        assert!(
            sync.exposure_ms > day,
            "replication {r}: two windows, {} ms",
            sync.exposure_ms
        );
        assert!(
            night.exposure_ms > hour && night.exposure_ms < 6 * hour,
            "replication {r}: one night, {} ms",
            night.exposure_ms
        );
        assert_eq!(sync.windows_used, 2, "replication {r}");
        assert_eq!(night.windows_used, 1, "replication {r}");
        for name in ["failover-async-shared-ip", "failover-async-dns", "failover-async-nat"] {
            let a = run(&sc, name, sc.seed, r);
            assert!(
                a.downtime_ms < sync.downtime_ms,
                "replication {r}: {name} downtime {} >= sync {}",
                a.downtime_ms,
                sync.downtime_ms
            );
            assert!(
                a.exposure_ms > day && a.exposure_ms > night.exposure_ms,
                "replication {r}: {name} exposure {} <= one-night sync {}",
                a.exposure_ms,
                night.exposure_ms
            );
            assert!(a.exposure_risk > night.exposure_risk);
        }
    }
}

#[test]
fn strategies_see_the_same_arrivals() {
    // Common random numbers: replication i of every strategy draws the same
    // arrival instants, kinds and durations. Before the procedure starts
    // nothing differs between strategies, so every session started by then
    // (its start, kind and planned end) must be the same, in the same order.
    // Drawn from streams keyed by strategy, they would all differ.
    let sc = Scenario::default_scenario();
    let opts = RunOptions {
        log_events: true,
        trace_sessions: true,
    };
    let sessions = |name: &str| -> Vec<(u64, ClientKind, u64)> {
        let out = simulate(&sc, sc.runbook(name).unwrap(), 5, 3, opts);
        let start = out.metrics.procedure_start_ms;
        out.events
            .iter()
            .filter_map(|e| match e.event {
                Event::SessionStart { client, until, .. } if e.time.0 < start => Some((e.time.0, client, until.0)),
                _ => None,
            })
            .collect()
    };
    let sync = sessions("failover-sync");
    assert!(sync.len() > 100, "the warm-up starts sessions ({})", sync.len());
    for name in [
        "failover-sync-one-window",
        "failover-async-shared-ip",
        "failover-async-dns",
        "failover-async-nat",
    ] {
        assert_eq!(sessions(name), sync, "{name} saw other sessions before the procedure");
    }
    // Another replication of the same strategy sees another workload.
    let other = simulate(&sc, sc.runbook("failover-sync").unwrap(), 5, 4, opts);
    let first_other = other
        .events
        .iter()
        .find(|e| matches!(e.event, Event::SessionStart { .. }))
        .map(|e| e.time.0);
    assert_ne!(first_other, sync.first().map(|s| s.0));
}

#[test]
fn conservation_holds_across_seeds_and_strategies() {
    // Every shipped scenario, every strategy it enables (so every runbook).
    let mut seen = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir("scenarios").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml")
            || cutover::fleet::is_fleet(&std::fs::read_to_string(&path).unwrap())
        {
            // Fleets are made of shipped site scenarios, checked here one by one.
            continue;
        }
        let sc = crate::scenario_file(&path);
        seen.extend(sc.strategies.iter().cloned());
        for name in &sc.strategies {
            for r in 0..10 {
                // `run` asserts conservation.
                run(&sc, name, 77, r);
            }
        }
    }
    for name in cutover::runbook::builtin_names() {
        assert!(seen.contains(&name), "no shipped scenario runs {name}");
    }
}

/// The default scenario's text with the lines setting `key` replaced.
fn default_with(edits: &[(&str, &str)]) -> cutover::scenario::Scenario {
    let text = std::fs::read_to_string("scenarios/failover-pair.toml").unwrap();
    let mut seen = 0;
    let text: Vec<String> = text
        .lines()
        .map(|l| match edits.iter().find(|(k, _)| l.starts_with(&format!("{k} "))) {
            Some((k, v)) => {
                seen += 1;
                format!("{k} = {v}")
            }
            None => l.to_string(),
        })
        .collect();
    assert_eq!(seen, edits.len(), "every edited key is in the file");
    crate::scenario(&text.join("\n"))
}

#[test]
fn dns_settings_do_not_move_a_run_without_a_dns_swing() {
    // Clients' DNS delays come from a stream of their own, drawn only by
    // runbooks that swing DNS: making resolvers staler must leave every
    // other strategy's replication exactly as it was (same sync times, same
    // everything), and must change the DNS strategy's: resolvers that hold
    // the old answer for three days still send clients to A when it is
    // upgraded in the next window.
    let base = crate::scenario(&std::fs::read_to_string("scenarios/failover-pair.toml").unwrap());
    let staler = default_with(&[("dns_stale_fraction", "0.5"), ("dns_stale_extra", "\"3d\"")]);
    let (mut failed_base, mut failed_staler) = (0, 0);
    for r in 0..10 {
        for name in ["failover-sync", "failover-async-shared-ip", "failover-async-nat"] {
            assert_eq!(
                run(&base, name, 9, r).values(),
                run(&staler, name, 9, r).values(),
                "{name} replication {r}"
            );
        }
        failed_base += run(&base, "failover-async-dns", 9, r).failed_connects;
        failed_staler += run(&staler, "failover-async-dns", 9, r).failed_connects;
    }
    assert!(
        failed_staler > failed_base,
        "staler resolvers must reach the old appliance while it upgrades: {failed_staler} vs {failed_base}"
    );
}

/// The events.csv text of one replication of `strategy` on `sc`.
pub fn events_csv(sc: &Scenario, strategy: &str, replication: u64) -> String {
    let rb = sc.runbook(strategy).unwrap();
    let out = simulate(
        sc,
        rb,
        sc.seed,
        replication,
        RunOptions {
            log_events: true,
            trace_sessions: false,
        },
    );
    let mut buf = Vec::new();
    cutover::export::write_events(&mut buf, &out.events).unwrap();
    String::from_utf8(buf).unwrap()
}

/// The (start, done) instants, in seconds, of every upgrade of `node` that
/// completed, read from an events.csv text.
pub fn upgrade_spans(csv: &str, node: &str) -> Vec<(f64, f64)> {
    let mut spans = Vec::new();
    let mut start = None;
    for line in csv.lines().skip(1) {
        let cells: Vec<&str> = line.splitn(4, ',').collect();
        if cells.get(1) != Some(&node) {
            continue;
        }
        let t: f64 = cells[0].parse().unwrap();
        match cells[2] {
            "upgrade_start" => start = start.or(Some(t)),
            "upgrade_done" => spans.push((start.take().unwrap(), t)),
            _ => {}
        }
    }
    spans
}

#[test]
fn both_appliances_of_the_default_pair_take_the_same_install_time() {
    let sc = Scenario::default_scenario();
    for r in 0..5 {
        let csv = events_csv(&sc, "failover-sync", r);
        let (a, b) = (upgrade_spans(&csv, "A"), upgrade_spans(&csv, "B"));
        assert_eq!((a.len(), b.len()), (1, 1), "replication {r}");
        let (ta, tb) = (a[0].1 - a[0].0, b[0].1 - b[0].0);
        assert!(
            ta > 0.0 && (ta - tb).abs() < 1e-9,
            "replication {r}: A {ta} s, B {tb} s"
        );
    }
    // `same_on_both = false`: each appliance draws its own phases.
    let text = cutover::scenario::DEFAULT_TOML.replace("[upgrade]", "[upgrade]\nsame_on_both = false");
    let sc = crate::scenario(&text);
    let csv = events_csv(&sc, "failover-sync", 0);
    let (a, b) = (upgrade_spans(&csv, "A"), upgrade_spans(&csv, "B"));
    assert_ne!(a[0].1 - a[0].0, b[0].1 - b[0].0);
}
