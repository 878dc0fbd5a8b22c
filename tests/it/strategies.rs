//! Properties of the built-in default scenario that the README states.

use crate::run;
use cutover::scenario::Scenario;

#[test]
fn async_trades_exposure_for_downtime_on_the_default() {
    let sc = Scenario::default_scenario();
    for r in 0..20 {
        let sync = run(&sc, "failover-sync", sc.seed, r);
        for name in ["failover-async-shared-ip", "failover-async-dns", "failover-async-nat"] {
            let a = run(&sc, name, sc.seed, r);
            assert!(
                a.downtime_ms < sync.downtime_ms,
                "replication {r}: {name} downtime {} >= sync {}",
                a.downtime_ms,
                sync.downtime_ms
            );
            assert!(
                a.exposure_ms > sync.exposure_ms,
                "replication {r}: {name} exposure {} <= sync {}",
                a.exposure_ms,
                sync.exposure_ms
            );
            assert!(a.exposure_risk > sync.exposure_risk);
        }
    }
}

#[test]
fn strategies_see_the_same_arrivals() {
    // Common random numbers: replication i of every strategy draws the same
    // arrival instants; they differ only by console reconnects, which
    // depend on what the strategy dropped.
    let sc = Scenario::default_scenario();
    let sync = run(&sc, "failover-sync", 5, 3);
    let dns = run(&sc, "failover-async-dns", 5, 3);
    let fresh_sync = sync.arrivals - sync.reconnects;
    let fresh_dns = dns.arrivals - dns.reconnects;
    // The async run is longer (the interim), so it sees more arrivals, and
    // the first ones are the same instants.
    assert!(fresh_dns > fresh_sync);
    assert_eq!(sync.procedure_start_ms, dns.procedure_start_ms);
}

#[test]
fn conservation_holds_across_seeds_and_strategies() {
    // Every shipped scenario, every strategy it enables (so every runbook).
    let mut seen = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir("scenarios").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        let sc = Scenario::load(&path).unwrap();
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
