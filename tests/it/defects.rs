//! Latent defects of the new version: found in the interim, the operator
//! falls back to the appliance still on the old version; found later, the
//! defect has escaped and every appliance is restored.

use crate::runbooks::{P, PAIR, S};
use crate::{run, scenario};
use cutover::scenario::Scenario;
use cutover::sim::{RunOptions, simulate};

const LOG: RunOptions = RunOptions {
    log_events: true,
    trace_sessions: false,
};

/// The default scenario with a latent defect in every replication, found
/// 12 h after the new version starts serving.
fn default_with_defect() -> Scenario {
    let text = cutover::scenario::DEFAULT_TOML.replace(
        "mtbf = \"8760h\"",
        "latent_defect = 1\ndefect_detect = \"12h\"\nmtbf = \"8760h\"",
    );
    assert_ne!(text, cutover::scenario::DEFAULT_TOML);
    scenario(&text)
}

#[test]
fn the_interim_catches_what_one_night_lets_escape() {
    let sc = default_with_defect();
    for r in 0..20 {
        for name in [
            "failover-sync",
            "failover-async-shared-ip",
            "failover-async-dns",
            "failover-async-nat",
        ] {
            let out = simulate(&sc, sc.runbook(name).unwrap(), sc.seed, r, LOG);
            let m = &out.metrics;
            assert!(m.conservation_error().is_none(), "{name} {r}");
            assert_eq!(
                (m.defect_escaped, m.defects_found, m.fallbacks),
                (0, 1, 1),
                "{name} replication {r}: found in the interim, fallen back"
            );
            let fallback = out.events.iter().find(|e| e.event.name() == "fallback");
            let fallback = fallback.unwrap_or_else(|| panic!("{name} {r}: no fall-back in the events"));
            // Async falls back to A by its own switch, sync to B by `site.switch`.
            let to = if name == "failover-sync" {
                "to B by shared-ip"
            } else {
                "to A by "
            };
            let detail = out.events.detail(&fallback.event).to_string();
            assert!(detail.starts_with(to), "{name} {r}: {detail}");
            for e in [
                "defect_found",
                "restore_start",
                "restore_done",
                "recovered",
                "procedure_done",
            ] {
                assert!(out.events.iter().any(|x| x.event.name() == e), "{name} {r}: no {e}");
            }
            assert_eq!(m.aborted, 0, "{name} {r}");
        }
        let out = simulate(&sc, sc.runbook("failover-sync-one-window").unwrap(), sc.seed, r, LOG);
        let m = &out.metrics;
        assert_eq!(
            (m.defect_escaped, m.defects_found, m.fallbacks),
            (1, 0, 0),
            "one night, replication {r}"
        );
        assert!(out.events.iter().any(|e| e.event.name() == "defect_escaped"), "{r}");
        let restores = out.events.iter().filter(|e| e.event.name() == "restore_done").count();
        assert_eq!(restores, 2, "{r}: both appliances restored");
        // The serving appliance is restored first, with the site down.
        assert!(m.defect_downtime_ms > 0, "{r}");
        assert_eq!(m.aborted, 0, "{r}");
    }
}

#[test]
fn no_latent_defect_draws_nothing() {
    // `latent_defect = 0` (the default) and a detection setting that is
    // never used give the same replication, byte for byte, as the default.
    let base = Scenario::default_scenario();
    let text = cutover::scenario::DEFAULT_TOML.replace(
        "mtbf = \"8760h\"",
        "latent_defect = 0\ndefect_detect = \"1h\"\nmtbf = \"8760h\"",
    );
    let same = scenario(&text);
    for name in &base.strategies {
        for r in 0..3 {
            assert_eq!(
                run(&base, name, 3, r).values(),
                run(&same, name, 3, r).values(),
                "{name} {r}"
            );
        }
    }
}

/// `PAIR` (constant durations, no workload) with a defect in every
/// replication, found after an exponential time of mean `mean`.
fn pair_with(mean: &str) -> Scenario {
    scenario(&format!(
        "{PAIR}\n[faults]\nlatent_defect = 1\ndefect_detect = {{ dist = \"exponential\", mean = \"{mean}\" }}\nrollback = \"30m\"\n"
    ))
}

/// The fraction of escaped defects over `n` replications against e^(−G/m),
/// within three standard errors.
fn escapes_like_theory(sc: &Scenario, strategy: &str, gap_s: f64, mean_s: f64, n: u64) {
    let escaped: u64 = (0..n).map(|r| run(sc, strategy, 11, r).defect_escaped).sum();
    let p = (-gap_s / mean_s).exp();
    let se = (p * (1.0 - p) / n as f64).sqrt();
    let got = escaped as f64 / n as f64;
    assert!(
        (got - p).abs() < 3.0 * se,
        "{strategy}: {got} escaped, e^(-G/m) = {p} (± {se})"
    );
}

#[test]
fn escapes_follow_the_exponential_tail() {
    // The gap G from the new version's first serving instant to the start
    // of the second appliance's install, by hand (`runbooks.rs`, seconds
    // after P): a defect found within G is caught, one found later has
    // escaped. With detection ~ Exp(mean m), P(escape) = e^(−G/m).
    //
    // failover-sync: A serves the new version from 3,330; the interim ends
    // Tuesday, the next window opens Wednesday 10:00 (172,800) and B's
    // install starts after the operator's minute: G = 172,860 − 3,330.
    // failover-async-nat: B serves from the NAT edit's effect at 3,995;
    // A's install starts at 172,860: G = 172,860 − 3,995.
    let (m, mean) = (2.0 * 86_400.0, "2d");
    let sc = pair_with(mean);
    let long = scenario(&format!(
        "{PAIR}\n[faults]\nlatent_defect = 1\ndefect_detect = \"3000d\"\n"
    ));
    for (strategy, serving, second) in [
        ("failover-sync", 3_330, 172_860),
        ("failover-async-nat", 3_995, 172_860),
    ] {
        // The instants, checked on a run whose defect shows far too late to
        // interrupt anything.
        let out = simulate(&long, long.runbook(strategy).unwrap(), 11, 0, LOG);
        let at = |event: &str| -> Vec<u64> {
            out.events
                .iter()
                .filter(|e| e.event.name() == event)
                .map(|e| e.time.0 / S - P)
                .collect()
        };
        assert_eq!(at("new_version_serving"), [serving], "{strategy}");
        assert_eq!(at("upgrade_start").last(), Some(&second), "{strategy}");
        escapes_like_theory(&sc, strategy, (second - serving) as f64, m, 800);
    }
}

#[test]
fn a_defect_never_found_is_bounded_by_the_horizon() {
    // The steps end, the defect would show ten years later: the run goes on
    // until the horizon, then the procedure is aborted and the run ends.
    let sc = scenario(&format!(
        "{PAIR}\n[faults]\nlatent_defect = 1\ndefect_detect = \"3650d\"\n"
    ));
    let out = simulate(&sc, sc.runbook("failover-async-nat").unwrap(), 1, 0, LOG);
    let m = &out.metrics;
    assert_eq!(m.aborted, 1);
    assert_eq!((m.defect_escaped, m.defects_found), (0, 0));
    assert_eq!(m.procedure_ms, cutover::sim::HORIZON.0);
    let why = out.events.iter().find(|e| e.event.name() == "aborted").unwrap();
    let detail = out.events.detail(&why.event).to_string();
    assert!(detail.contains("latent defect"), "{detail}");
    assert!(out.events.iter().any(|e| e.event.name() == "steps_done"));
}

#[test]
fn a_custom_runbook_can_restore() {
    // A rehearsal on one appliance: upgrade, then restore the old version.
    let text = format!(
        "strategies = [\"drill\"]\n{}\n[[runbooks]]\nname = \"drill\"\nsite = \"single\"\nsteps = [{{ do = \"upgrade\", node = \"A\" }}, {{ do = \"restore\", node = \"A\" }}]\n[faults]\nrollback = \"30m\"\n",
        PAIR.replace("kind = \"failover-pair\"", "kind = \"single\"")
    );
    let sc = scenario(&text);
    let m = run(&sc, "drill", 1, 0);
    // upgrade: click 60, down 60..2,940; restore: click 3,000, down until 4,800.
    assert_eq!(m.downtime_ms, (2_880 + 1_800) * S);
    assert_eq!(m.procedure_ms, 4_800 * S);
    assert_eq!((m.defect_escaped, m.defect_downtime_ms), (0, 0));
}
