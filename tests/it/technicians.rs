//! Technicians (`workload.console.technicians`): each of them updates their
//! console once after the upgrade, at their first login to the new
//! version; those who have not logged in by the end of the run are counted
//! then. So the self-update cost of an upgraded site does not depend on how
//! long its run goes on (docs/model.md, "Consoles after the upgrade").

use cutover::sim::events::{ClientKind, Event};
use cutover::sim::{RunOptions, simulate};

use crate::{run, scenario, shipped, with};

const S: u64 = 1000;
const MIN: u64 = 60 * S;
const HOUR: u64 = 60 * MIN;

/// z such that P(Z ≤ z) = 0.95 for a standard normal.
const Z95: f64 = 1.644_853_626_951_472_2;

/// The mean of a lognormal given by its median and 95th percentile.
fn lognormal_mean(median: f64, p95: f64) -> f64 {
    let sigma = (p95 / median).ln() / Z95;
    median * (sigma * sigma / 2.0).exp()
}

#[test]
fn the_update_cost_of_an_upgraded_site_is_technicians_times_client_update_whatever_the_cooldown() {
    // The shipped single appliance, 12 technicians, a 2-minute update.
    let base = with(&shipped("single.toml"), "[workload.console]", "technicians = 12");
    let base = with(&base, "[workload.console]", "reconnect = { client_update = \"2m\" }");
    let mut spans = Vec::new();
    for cooldown in ["0s", "7d"] {
        let sc = scenario(&with(&base, "[calendar]", &format!("cooldown = \"{cooldown}\"")));
        assert_eq!(sc.workload.console.technicians, 12);
        for seed in 1..=3 {
            let m = run(&sc, "single", seed, 0);
            assert_eq!(m.aborted, 0);
            assert_eq!(
                m.technician_unavailable_ms,
                12 * 2 * MIN,
                "cooldown {cooldown}, seed {seed}"
            );
            spans.push(m.span_ms);
        }
    }
    // The two cooldowns did make runs of very different lengths.
    assert!(
        spans[3..]
            .iter()
            .all(|long| spans[..3].iter().all(|short| *long > *short + 6 * 24 * HOUR))
    );
}

#[test]
fn without_technicians_the_default_is_the_consoles_connected_at_the_busiest_hour() {
    // The shipped failover pair: 2 console logins an hour at multiplier 1,
    // sessions lognormal(median 3h, p95 8h); its busiest hour has the
    // multiplier 1 × 1. Little's law: 2 × the mean session (3.58 h) = 7.17
    // consoles at once, rounded up: 8.
    let text = shipped("failover-pair.toml");
    for line in [
        "days = [1, 1, 1, 1, 1, 0.25, 0.15]",
        "hours = [0.1, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 0.7, 1, 1, 1, 1, 0.9, 1, 1, 1, 1, 0.8, 0.6, 0.4, 0.3, 0.2, 0.1, 0.1]",
        "rate_per_hour = 2\nduration = { dist = \"lognormal\", median = \"3h\", p95 = \"8h\" }",
        "client_update = \"1m\"",
    ] {
        assert!(text.contains(line), "the scenario no longer says {line:?}");
    }
    let want = (2.0 * 1.0 * lognormal_mean(3.0, 8.0)).ceil() as u64;
    assert_eq!(want, 8);
    let sc = scenario(&text);
    assert_eq!(sc.workload.console.technicians, want);
    // Every strategy upgrades the site: N updates, whatever the run's end.
    for cooldown in ["0s", "7d"] {
        let sc = scenario(&text.replace("cooldown = \"0s\"", &format!("cooldown = \"{cooldown}\"")));
        for strategy in &sc.strategies {
            let m = run(&sc, strategy, 1, 0);
            assert_eq!(
                m.technician_unavailable_ms,
                want * MIN,
                "{strategy}, cooldown {cooldown}"
            );
        }
    }

    // A profile whose busiest hour is not 1: 0.5 × 3 = 1.5 at Wednesday
    // 10:00; 5 logins an hour of 40 minutes: 5 × 1.5 × 2/3 = 5 at once.
    let custom = |console: &str| {
        format!(
            "[workload]\ndays = [0.2, 0.1, 0.5, 0.1, 0.1, 0.1, 0.1]\n\
             hours = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n\
             [workload.console]\n{console}\n"
        )
    };
    let techs = |console: &str| scenario(&custom(console)).workload.console.technicians;
    assert_eq!(techs("rate_per_hour = 5\nduration = \"40m\""), 5);
    // Rounded up: 5.2 logins an hour make 5.2 at once, 6 technicians.
    assert_eq!(techs("rate_per_hour = 5.2\nduration = \"40m\""), 6);
    // An exponential session of mean 2 h: 3 × 1.5 × 2 = 9.
    assert_eq!(
        techs("rate_per_hour = 3\nduration = { dist = \"exponential\", mean = \"2h\" }"),
        9
    );
    // Few consoles still make one technician; none, none.
    assert_eq!(techs("rate_per_hour = 0.01\nduration = \"1m\""), 1);
    assert_eq!(techs("rate_per_hour = 0"), 0);
    // Given, it is taken as it is.
    assert_eq!(techs("rate_per_hour = 5\nduration = \"40m\"\ntechnicians = 0"), 0);

    // An Atlas cluster splits its clients among regions: the default is
    // the site's total, 10 logins an hour × (median 3h, p95 8h), the
    // hours' peak 1.
    let atlas = shipped("atlas-3-regions.toml");
    assert!(atlas.contains("rate_per_hour = 10\nduration = { dist = \"lognormal\", median = \"3h\", p95 = \"8h\" }"));
    let want = (10.0 * lognormal_mean(3.0, 8.0)).ceil() as u64;
    assert_eq!(scenario(&atlas).workload.console.technicians, want);
}

/// A single appliance upgraded Tuesday 22:00 while no console is on: the
/// consoles log in only from 06:00 to 20:00, 20 an hour, each for exactly
/// 2 h, so a session extended by the 1-minute update lasts 2h1m exactly.
/// 100 technicians.
fn daytime_consoles(cooldown: &str) -> String {
    format!(
        r#"
[calendar]
windows = [{{ weekday = "tue", hour = 22, length = "4h" }}]
cooldown = "{cooldown}"

[site]
kind = "single"
data_gb = 0

[workload]
days = [1, 1, 1, 1, 1, 1, 1]
hours = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0]

[workload.support]
rate_per_hour = 0

[workload.console]
rate_per_hour = 20
duration = "2h"
technicians = 100
reconnect = {{ client_update = "1m" }}
"#
    )
}

/// The console logins to the new version (sessions started after the
/// upgrade), and how many of them were extended by the update (first logins).
fn logins(text: &str, seed: u64) -> (u64, u64) {
    let sc = scenario(text);
    let out = simulate(
        &sc,
        sc.runbook("single").unwrap(),
        seed,
        0,
        RunOptions {
            log_events: true,
            trace_sessions: true,
        },
    );
    assert_eq!(out.metrics.aborted, 0);
    assert_eq!(out.metrics.technician_unavailable_ms, 100 * MIN, "seed {seed}");
    let events: Vec<_> = out.events.iter().collect();
    let upgraded = events
        .iter()
        .position(|e| e.event.name() == "upgrade_done")
        .expect("the appliance is upgraded");
    let (mut all, mut first) = (0, 0);
    for (i, e) in events.iter().enumerate() {
        if let Event::SessionStart {
            client: ClientKind::Console,
            until,
            ..
        } = e.event
        {
            let length = until.0 - e.time.0;
            assert!(
                i > upgraded || length == 2 * HOUR,
                "a session before the upgrade lasts 2h, not {length} ms"
            );
            if i > upgraded {
                all += 1;
                first += u64::from(length == 2 * HOUR + MIN);
                assert!(length == 2 * HOUR || length == 2 * HOUR + MIN, "{length} ms");
            }
        }
    }
    (all, first)
}

#[test]
fn first_logins_never_exceed_the_technicians_and_reach_them_given_time() {
    // A run a week past the upgrade: about 1,960 logins to the new version,
    // so every one of the 100 technicians has logged in (a technician
    // missing from them all has a chance of 0.99^1960, 3e-9).
    for seed in 1..=3 {
        let (all, first) = logins(&daytime_consoles("7d"), seed);
        assert!(all > 1_500, "{all} logins");
        assert_eq!(first, 100, "seed {seed}");
    }
    // Twelve hours past it (about 100 logins, 06:00 to 11:00): fewer than
    // 100 first logins; the rest are counted at the end (100 updates in
    // all, checked by `logins`). Given L logins, each one of a technician
    // drawn at random, the number of distinct technicians among them has
    // mean N(1 − (1 − 1/N)^L) (occupancy): the sum over seeds must match.
    let n = 100.0f64;
    let (mut got, mut mean, mut var, mut logged) = (0.0, 0.0, 0.0, 0.0);
    for seed in 1..=12 {
        let (all, first) = logins(&daytime_consoles("12h"), seed);
        assert!(first <= 100 && first <= all, "seed {seed}: {first} of {all}");
        assert!(first < 100, "seed {seed}: {first} first logins in {all}");
        let l = all as f64;
        let q1 = (1.0 - 1.0 / n).powf(l);
        let q2 = (1.0 - 2.0 / n).powf(l);
        got += first as f64;
        logged += l;
        mean += n * (1.0 - q1);
        var += n * q1 + n * (n - 1.0) * q2 - n * n * q1 * q1;
    }
    let z = (got - mean) / var.sqrt();
    assert!(z.abs() < 4.0, "first logins {got}, expected {mean:.1} (z = {z:.2})");
    // Every login a first one (the model before technicians) would have
    // given the logins' count, far above.
    assert!(logged > got + 4.0 * var.sqrt(), "{got} first logins of {logged}");
}
