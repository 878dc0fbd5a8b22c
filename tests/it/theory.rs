//! The model against theory, not against its own output.

use crate::{mean_se, run, scenario};

/// One appliance, Poisson arrivals at λ = 60/h (flat profile), exponential
/// sessions of mean m = 10 min, no retries, every operator step instant, and
/// an upgrade of exactly U = 30 min. The warm-up (4 h = 24 m) puts the
/// active-session count in its steady state, Poisson(λ·m).
///
/// - Sessions dropped at the upgrade = sessions active then: mean λ·m = 10.
/// - Failed connects = arrivals while down: Poisson(λ·U), mean 30.
const MM_INF: &str = r#"
[calendar]
windows = [{ weekday = "mon", hour = 10, length = "8h" }]
warmup = "4h"

[site]
kind = "single"
data_gb = 0

[upgrade]
base = "30m"
product = "0s"
reboot = "0s"

[operator]
step = "0s"
backup = "0s"
verify = "0s"

[workload]
days = [1, 1, 1, 1, 1, 1, 1]
hours = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]

[workload.support]
rate_per_hour = 60
duration = { dist = "exponential", mean = "10m" }
retry = { attempts = 0 }

[workload.console]
rate_per_hour = 0
"#;

#[test]
fn dropped_and_failed_match_poisson_means() {
    let sc = scenario(MM_INF);
    let reps = 600;
    let (mut dropped, mut failed) = (Vec::new(), Vec::new());
    for r in 0..reps {
        let m = run(&sc, "single", 42, r);
        assert_eq!(m.downtime_ms, 30 * 60 * 1000);
        dropped.push(m.dropped_sessions as f64);
        failed.push(m.failed_connects as f64);
    }
    let (md, sed) = mean_se(&dropped);
    let (mf, sef) = mean_se(&failed);
    let lambda_m = 60.0 / 60.0 * 10.0; // per minute × minutes
    let lambda_u = 60.0 / 60.0 * 30.0;
    assert!(
        (md - lambda_m).abs() < 3.0 * sed,
        "dropped mean {md} ± {sed}, theory {lambda_m}"
    );
    assert!(
        (mf - lambda_u).abs() < 3.0 * sef,
        "failed mean {mf} ± {sef}, theory {lambda_u}"
    );
    // A Poisson count's variance equals its mean: the spread is right too.
    let var_f = sef * sef * reps as f64;
    assert!(
        (var_f / lambda_u - 1.0).abs() < 0.25,
        "failed variance {var_f}, theory {lambda_u}"
    );
}

#[test]
fn arrivals_over_the_span_match_the_weekly_profile() {
    // Without an outage, the arrival count over the span is Poisson with
    // mean ∫λ(t)dt. A profile that is 1 on weekdays 08-18 UTC and 0
    // elsewhere, rate 120/h: the span (warm-up from Mon 06:00, procedure
    // start Mon 10:00, procedure of 2 h) covers Mon 08:00-12:00 of open
    // hours = 4 h, mean 480.
    let text = MM_INF
        .replace("base = \"30m\"", "base = \"2h\"")
        .replace("rate_per_hour = 60", "rate_per_hour = 120")
        .replace(
            "hours = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]",
            "hours = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]",
        );
    let sc = scenario(&text);
    let counts: Vec<f64> = (0..300).map(|r| run(&sc, "single", 9, r).arrivals as f64).collect();
    let (m, se) = mean_se(&counts);
    assert!((m - 480.0).abs() < 3.0 * se, "arrivals {m} ± {se}, theory 480");
}
