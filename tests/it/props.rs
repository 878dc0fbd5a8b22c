//! Property tests over generated scenarios: conservation, time order,
//! physical bounds of every metric, and determinism, for every site kind,
//! runbook and fault setting. A thousand scenarios per run, from a fixed
//! seed, so that every run checks the same sample; a case that ever failed
//! is kept in `tests/data/proptest-regressions/props.txt` and replayed
//! first. A fresh random sample:
//!
//!     CUTOVER_PROPS_SEED=random cargo test --release --test it props
//!
//! (or a number for another fixed sample).

use cutover::scenario::Scenario;
use cutover::sim::{RunOptions, simulate};
use proptest::prelude::*;

/// A duration distribution in scenario syntax, between a few seconds and `max_min` minutes.
fn dist(max_min: u32) -> impl Strategy<Value = String> {
    let m = max_min.max(2);
    prop_oneof![
        (1..m).prop_map(|v| format!("\"{v}m\"")),
        (1..m).prop_map(|v| format!("{{ dist = \"exponential\", mean = \"{v}m\" }}")),
        (1..m, 1..m).prop_map(|(a, b)| format!(
            "{{ dist = \"lognormal\", median = \"{}m\", p95 = \"{}m\" }}",
            a.min(b),
            a.max(b) + 1
        )),
        (0..m, 0..m).prop_map(|(a, b)| format!(
            "{{ dist = \"uniform\", min = \"{}m\", max = \"{}m\" }}",
            a.min(b),
            a.max(b)
        )),
    ]
}

prop_compose! {
    fn workload()(support in 0u32..80, console in 0u32..6, sdur in dist(40), cdur in dist(240),
                  retries in 0u32..4, deterministic in any::<bool>()) -> String {
        format!(
            "[workload]\narrivals = \"{}\"\n[workload.support]\nrate_per_hour = {support}\nduration = {sdur}\nretry = {{ attempts = {retries}, backoff = \"20s\" }}\n[workload.console]\nrate_per_hour = {console}\nduration = {cdur}\n",
            if deterministic { "deterministic" } else { "poisson" }
        )
    }
}

prop_compose! {
    fn faults()(crashes in any::<bool>(), mtbf_h in 2u32..200, fail in 0.0f64..0.5, sync in 0.0f64..0.5,
                pre in 0.0f64..0.5, retries in 0u32..3) -> String {
        format!(
            "[faults]\ncrashes = {crashes}\nmtbf = \"{mtbf_h}h\"\nmttr = \"20m\"\nupgrade_failure = {fail}\nrollback = \"10m\"\nupgrade_retries = {retries}\nsync_failure = {sync}\nsync_retry = \"2m\"\nprecheck_failure = {pre}\nadmin_fix = \"2h\"\nprecheck_deadline = \"3h\"\n"
        )
    }
}

prop_compose! {
    fn common()(hour in 0u32..24, day in 0usize..7, len_h in 1u32..12, interim_h in 1u32..60,
                base in dist(30), product in dist(30), step in dist(5), verify in dist(20)) -> String {
        let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        format!(
            "[calendar]\nwarmup = \"1h\"\ninterim = \"{interim_h}h\"\nwindows = [{{ weekday = \"{}\", hour = {hour}, length = \"{len_h}h\" }}, {{ weekday = \"{}\", hour = {hour}, length = \"{len_h}h\" }}]\n[upgrade]\nbase = {base}\nproduct = {product}\nreboot = \"2m\"\ninstall_per_gb = \"1s\"\n[operator]\nstep = {step}\nverify = {verify}\nbackup = {step}\n",
            days[day],
            days[(day + 3) % 7]
        )
    }
}

/// A whole scenario of one of the four site kinds.
fn scenario() -> impl Strategy<Value = String> {
    let switch = || prop_oneof![Just("shared-ip"), Just("dns"), Just("nat")];
    let site = prop_oneof![
        (0u32..500).prop_map(|gb| format!("[site]\nkind = \"single\"\ndata_gb = {gb}\n")),
        // The synchronous upgrade and one asynchronous one, by the generated switch.
        (0u32..500, switch()).prop_map(|(gb, sw)| format!(
            "strategies = [\"failover-sync\", \"failover-async-{sw}\"]\n[site]\nkind = \"failover-pair\"\ndata_gb = {gb}\n"
        )),
        (1u32..4, 1u32..5, 1u32..30, any::<bool>(), 0.0f64..1.0, 0u32..500, switch()).prop_map(
            |(regions, nodes, cap, backup, frac, gb, sw)| {
                let list: Vec<String> =
                    (0..regions).map(|r| format!("{{ name = \"r{r}\", nodes = {nodes}, capacity = {cap} }}")).collect();
                format!(
                    "[site]\nkind = \"atlas\"\nbackup_primary = {backup}\nswitch = \"{sw}\"\ndata_gb = {gb}\noffline_fraction = {frac}\ndrain_timeout = \"30m\"\nregions = [{}]\n",
                    list.join(", ")
                )
            }
        ),
        (1u32..300, any::<bool>(), 0.0f64..1.0, 0.0f64..1.0).prop_map(|(cap, pref, miss, close)| {
            format!(
                "[site]\nkind = \"pod\"\ncapacity = {cap}\n[pod]\n{}miss_probability = {miss}\nlead_time = \"1d\"\nspread = \"1d\"\nclose_immediately_fraction = {close}\n",
                if pref { "preferred_window = { weekday = \"wed\", hour = 3 }\n" } else { "" }
            )
        }),
    ];
    (site, common(), workload(), faults()).prop_map(|(s, c, w, f)| format!("{s}{c}{w}{f}"))
}

/// A fixed sample unless `CUTOVER_PROPS_SEED` asks for another (`random` or a number).
fn config() -> ProptestConfig {
    use proptest::test_runner::{FileFailurePersistence, RngSeed};
    let seed = match std::env::var("CUTOVER_PROPS_SEED").as_deref() {
        Ok("random") => RngSeed::Random,
        Ok(n) => RngSeed::Fixed(n.parse().expect("CUTOVER_PROPS_SEED: `random` or a number")),
        Err(_) => RngSeed::Fixed(0x0c07_0e12),
    };
    ProptestConfig {
        cases: 1000,
        rng_seed: seed,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/proptest-regressions/props.txt"
        )))),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn generated_scenarios_keep_every_invariant(text in scenario(), seed in 0u64..1000, rep in 0u64..1000) {
        let sc = Scenario::parse(&text, "generated.toml", "generated").map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        let opts = RunOptions { log_events: true, trace_sessions: false };
        for rb in &sc.runbooks {
            let out = simulate(&sc, rb, seed, rep, opts);
            let m = &out.metrics;
            prop_assert_eq!(m.conservation_error(), None, "{}\n{}", rb.name, text);
            // Time never goes backwards (the series is recorded as the run goes).
            prop_assert!(out.series.windows(2).all(|w| w[0].time <= w[1].time));
            // Physical bounds.
            prop_assert!(m.downtime_ms <= m.span_ms, "downtime {} > span {}", m.downtime_ms, m.span_ms);
            prop_assert!(m.exposure_ms <= m.span_ms);
            prop_assert!(m.procedure_ms <= m.span_ms);
            prop_assert!(m.window_overrun_ms <= m.procedure_ms);
            prop_assert!((0.0..=1.0).contains(&m.exposure_risk));
            prop_assert!(m.lost_work_sessions <= m.dropped_sessions);
            prop_assert!(m.exposure_crashes <= m.crashes);
            prop_assert!(m.reconnects <= m.arrivals);
            prop_assert!(m.peak_load_ratio <= 1.0 + 1e-9, "peak load {}", m.peak_load_ratio);
            if !sc.site.has_backup() {
                prop_assert_eq!(m.exposure_ms, 0);
                prop_assert_eq!(m.unsynced_peak, 0);
            }
            if m.aborted == 0 && m.procedure_ms > 0 && !sc.site.kind.scheduled_by_service() {
                prop_assert!(m.windows_used >= 1);
            }
            // Determinism: the same run again, the same metrics and events.
            let again = simulate(&sc, rb, seed, rep, opts);
            prop_assert_eq!(&again.metrics, m);
            prop_assert_eq!(again.events, out.events);
        }
    }
}
