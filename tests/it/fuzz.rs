//! A bounded mutation fuzzer over scenario parsing, validation, runbook
//! feasibility and, for inputs that pass, a short simulation. It starts
//! from the shipped scenarios and the bad-input catalogue, mutates them
//! (bytes, lines, numbers, durations, splices) and generates random
//! runbooks; no input may panic. The sequence is deterministic (ChaCha8,
//! fixed seed): `cargo test` exercises the same `CUTOVER_FUZZ_RUNS` inputs
//! (default 20,000) on every machine. Longer hunts set a time budget
//! instead, and a fresh seed finds inputs the fixed one never reaches:
//!
//!     CUTOVER_FUZZ_SECONDS=600 CUTOVER_FUZZ_SEED=7 cargo test --release --test it fuzz -- --nocapture

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::{Duration, Instant};

use cutover::scenario::Scenario;
use cutover::sim::{RunOptions, simulate};
use rand::{Rng, RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn corpus() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["scenarios", "tests/data/bad", "benches/scale"] {
        if let Ok(entries) = std::fs::read_dir(root.join(dir)) {
            for e in entries.flatten() {
                if e.path().extension().is_some_and(|x| x == "toml") {
                    files.push(e.path());
                }
            }
        }
    }
    files.sort();
    // The catalogue's huge inputs (20,000 problems, 1,000 regions) test
    // scale, not syntax: mutating them would make each input cost a parse
    // of hundreds of kilobytes.
    files
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .filter(|text| text.len() <= 16 * 1024)
        .collect()
}

const NUMBERS: [&str; 16] = [
    "1e6",
    "1000000",
    "0",
    "-1",
    "1",
    "2",
    "1e308",
    "-1e308",
    "1e-308",
    "nan",
    "inf",
    "-inf",
    "18446744073709551615",
    "9223372036854775807",
    "0.5",
    "1e12",
];
const DURATIONS: [&str; 14] = [
    "\"1s\"",
    "\"monkey\"",
    "\"Sunday\"",
    "\"mondays\"",
    "\"0s\"",
    "\"-1s\"",
    "\"1ms\"",
    "\"9999999w\"",
    "\"1.5.5m\"",
    "\"\"",
    "\"3650d\"",
    "\"1h1h1h\"",
    "\"m\"",
    "\"1e9h\"",
];
/// Whole lines that once crashed the process or exhausted it (issue 10).
const LINES: [&str; 44] = [
    "[pod]\nreminder_interval = \"1ms\"",
    "lead_time = \"3650d\"",
    "reminder_interval = \"1s\"",
    "[faults]\ncrashes = true\nmtbf = \"1ms\"\nmttr = \"0s\"",
    "[failover]\nsync_interval = \"1ms\"\nsync_overhead = \"0s\"",
    "sync_failure = 1\nsync_retry = \"1ms\"",
    "days = [1e6, 1e6, 1e6, 1e6, 1e6, 1e6, 1e6]",
    "hours = [1e6, 1e6, 1e6, 1e6, 1e6, 1e6, 1e6, 1e6, 1e6, 1e6, 1e6, 1e6, 1e6, 1e6, 1e6, 1e6, 1e6, 1e6, 1e6, 1e6, 1e6, 1e6, 1e6, 1e6]",
    "duration = \"3650d\"",
    "start_weekday = \"monkey\"",
    "regions = [{ name = \"r\", nodes = 10000 }]",
    "strategies = [\"x\", \"x\", \"y\", \"z\"]",
    "[upgrade]\nsame_on_both = false",
    "[faults]\nupgrade_failure = 1\nsupport = \"0s\"\nupgrade_retries = 10",
    "drain_timeout = \"none\"",
    "{ do = \"wait_drained\", group = \"offline\", timeout = \"none\" }",
    "[workload.console]\nmsi_locked_share = 1\nredeploy = \"0s\"",
    "msi_locked_share = 0.5",
    "[workload.console]\ntechnicians = 1000000\nmsi_locked_share = 0.999",
    "technicians = 0",
    "farms = [{ share = 0.5, logoff = \"after\", after = \"1ms\" }, { share = 0.5, logoff = \"immediately\" }]",
    "{ do = \"set_logoff_policy\", after = \"2h\" }",
    "{ do = \"set_logoff_policy\", restore = true }",
    "[faults]\nlatent_defect = 1\ndefect_detect = \"0s\"",
    "latent_defect = 1\ndefect_detect = { dist = \"exponential\", mean = \"1ms\" }",
    "[faults]\nlatent_defect = 1\ndefect_detect = \"3650d\"\nrollback = \"0s\"",
    "[calendar]\nstart = \"2025-03-09T02:30\"\ntime_zone = \"America/New_York\"",
    "start = \"2200-12-31T23:59\"\ntime_zone = \"Australia/Lord_Howe\"",
    "start = \"1970-01-01T00:00\"\ntime_zone = \"Mars/Olympus_Mons\"",
    "freezes = [{ from = \"2025-03-03\", to = \"2035-03-01\", reason = \"\\u0000\" }]",
    "freezes = [{ from = \"2025-03-10\", to = \"2025-03-09\" }]",
    "windows = [{ date = \"2025-03-10\", at = \"23:59\", length = \"168h\" }, { weekday = \"sun\", at = \"02:30\" }]",
    "windows = [{ weekday = \"tue\", hour = 22, at = \"99:99\", date = \"2025-02-29\" }]",
    "time_zone = \"Europe/Dublin\"",
    "regions = [{ name = \"r\", time_zone = \"Asia/Kathmandu\" }, { name = \"s\", share = 0, time_zone = \"UTC\" }]",
    "[calendar]\ncutoff = \"3h59m59s\"\non_overrun = \"backout\"",
    "cutoff = \"-1ms\"",
    "cutoff = \"168h\"\non_overrun = \"pause\"",
    "on_overrun = \"Pause\"",
    "[calendar]\nwindows = [{ weekday = \"mon\", hour = 0, length = \"1ms\" }]\ncutoff = \"1ms\"\non_overrun = \"pause\"",
    "[operators]\ncount = 1\nshifts = [{ from = \"23:59\", to = \"00:00\" }]",
    "[operators]\ncount = 10000",
    "shifts = [{ from = \"20:00\", to = \"04:00\" }, { from = \"04:00\", to = \"20:00\" }]",
    "[operators]\ncount = -1\nshifts = [{ from = \"24:00\" }]",
];
const NODES: [&str; 9] = ["A", "B", "C", "pod", "r-1", "r-2", "eu-1", "", "A\""];
const GROUPS: [&str; 6] = ["offline", "remaining", "traffic", "r", "eu", "nowhere"];

fn pick<'a>(rng: &mut ChaCha8Rng, xs: &[&'a str]) -> &'a str {
    xs[rng.random_range(0..xs.len())]
}

/// One mutation of `text`.
fn mutate(rng: &mut ChaCha8Rng, text: &str, other: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    if lines.is_empty() {
        lines.push(String::new());
    }
    let i = rng.random_range(0..lines.len());
    match rng.random_range(0..10) {
        0 => {
            // Flip a byte (may break UTF-8: the text is rebuilt lossily).
            let mut b = text.as_bytes().to_vec();
            if !b.is_empty() {
                let k = rng.random_range(0..b.len());
                b[k] ^= 1 << rng.random_range(0..8);
            }
            return String::from_utf8_lossy(&b).into_owned();
        }
        1 => {
            lines.remove(i);
        }
        2 => {
            let l = lines[i].clone();
            lines.insert(i, l);
        }
        3 => {
            let j = rng.random_range(0..lines.len());
            lines.swap(i, j);
        }
        4 => {
            // Replace the first number on the line.
            let l = &lines[i];
            if let Some(start) = l.find(|c: char| c.is_ascii_digit()) {
                let end = l[start..]
                    .find(|c: char| !c.is_ascii_digit() && c != '.')
                    .map_or(l.len(), |e| start + e);
                lines[i] = format!("{}{}{}", &l[..start], pick(rng, &NUMBERS), &l[end..]);
            }
        }
        5 => {
            // Replace a quoted duration.
            let l = &lines[i];
            if let Some(start) = l.find('"')
                && let Some(len) = l[start + 1..].find('"')
            {
                lines[i] = format!("{}{}{}", &l[..start], pick(rng, &DURATIONS), &l[start + len + 2..]);
            }
        }
        6 => {
            // Truncate.
            let cut = rng.random_range(0..=text.len());
            return text.get(..cut).unwrap_or(text).to_string();
        }
        7 => {
            // Splice the head of one file onto the tail of another.
            let a = lines[..i].join("\n");
            let o: Vec<&str> = other.lines().collect();
            let j = rng.random_range(0..=o.len());
            return format!("{a}\n{}", o[j..].join("\n"));
        }
        8 => {
            // Insert a line known to be dangerous.
            lines.insert(i, pick(rng, &LINES).to_string());
        }
        _ => {
            let junk = [
                "[",
                "]",
                "{",
                "}",
                "=",
                "\"",
                "[[runbooks]]",
                "[site]",
                "kind = \"atlas\"",
                "é",
                "\u{0}",
                "#",
                "==",
            ];
            lines[i].push_str(pick(rng, &junk));
        }
    }
    lines.join("\n")
}

/// A random runbook (valid or not) on a random site.
fn random_runbook(rng: &mut ChaCha8Rng) -> String {
    let (site, kind) = match rng.random_range(0..4) {
        0 => ("[site]\nkind = \"single\"\n", "single"),
        1 => ("[site]\nkind = \"failover-pair\"\n", "failover-pair"),
        2 => (
            "[site]\nkind = \"atlas\"\nregions = [{ name = \"r\", nodes = 2 }]\n",
            "atlas",
        ),
        _ => ("[site]\nkind = \"pod\"\n", "pod"),
    };
    let kind = if rng.random_bool(0.1) { "atlas" } else { kind };
    let mut steps = Vec::new();
    if rng.random_bool(0.02) {
        // Thousands of zero-time steps (once overflowed the stack).
        let verb = pick(rng, &["{ do = \"notify\", what = \"n\" }", "{ do = \"wait_window\" }"]);
        steps.extend(std::iter::repeat_n(verb.to_string(), 3_000));
    }
    for _ in 0..rng.random_range(0..12) {
        let verb = match rng.random_range(0..cutover::runbook::VERBS.len() + 2) {
            i if i < cutover::runbook::VERBS.len() => cutover::runbook::VERBS[i],
            i if i == cutover::runbook::VERBS.len() => "reboot",
            _ => "",
        };
        let mut s = format!("{{ do = \"{verb}\"");
        if rng.random_bool(0.5) {
            s += &format!(", node = \"{}\"", pick(rng, &NODES));
        }
        if rng.random_bool(0.2) {
            s += &format!(", group = \"{}\"", pick(rng, &GROUPS));
        }
        if rng.random_bool(0.2) {
            s += &format!(
                ", to = \"{}\", method = \"{}\"",
                pick(rng, &NODES),
                pick(rng, &["dns", "nat", "shared-ip", "auto", "x"])
            );
        }
        if rng.random_bool(0.2) {
            s += &format!(
                ", primary = \"{}\", backup = \"{}\"",
                pick(rng, &NODES),
                pick(rng, &NODES)
            );
        }
        if rng.random_bool(0.2) {
            s += &format!(", value = {}", rng.random_bool(0.5));
        }
        if rng.random_bool(0.2) {
            s += &format!(", wait = {}", rng.random_bool(0.5));
        }
        if rng.random_bool(0.1) {
            s += &format!(
                ", duration = {}, timeout = {}",
                pick(rng, &DURATIONS),
                pick(rng, &DURATIONS)
            );
        }
        steps.push(s + " }");
    }
    format!(
        "{site}[calendar]\nwarmup = \"30m\"\n[pod]\nlead_time = \"1h\"\n[workload.support]\nrate_per_hour = 20\n[workload.console]\nrate_per_hour = 1\n[faults]\ncrashes = {}\nmtbf = \"5h\"\nupgrade_failure = 0.3\n[[runbooks]]\nname = \"fuzzed\"\nsite = \"{kind}\"\nsteps = [{}]\n",
        rng.random_bool(0.5),
        steps.join(", ")
    )
    .replace("[pod]\nlead_time = \"1h\"\n", if kind == "pod" { "[pod]\nlead_time = \"1h\"\n" } else { "" })
}

/// Parses, validates and (when small enough) simulates; `Err` on a panic.
fn exercise(text: &str) -> Result<bool, String> {
    catch_unwind(AssertUnwindSafe(|| {
        let Ok(sc) = Scenario::parse(text, "fuzz.toml", "fuzz") else {
            return false;
        };
        // Only simulate what stays small: expected arrivals over a bounded horizon.
        let peak = sc.workload.profile.iter().fold(0.0f64, |a, b| a.max(*b));
        let rate = (sc.workload.support.rate_per_hour + sc.workload.console.rate_per_hour) * peak;
        let horizon_h = (sc.warmup.0 + sc.interim.0 + sc.pod.lead_time.0 + sc.pod.spread.0) as f64 / 3.6e6 + 24.0 * 8.0;
        if rate * horizon_h > 30_000.0 || sc.site.nodes.len() > 200 {
            return true;
        }
        for rb in &sc.runbooks {
            let out = simulate(
                &sc,
                rb,
                1,
                0,
                RunOptions {
                    log_events: true,
                    trace_sessions: false,
                },
            );
            assert_eq!(out.metrics.conservation_error(), None);
        }
        true
    }))
    .map_err(|e| {
        e.downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()
    })
}

#[test]
fn fuzz_scenarios_and_runbooks() {
    let env = |name: &str| std::env::var(name).ok().and_then(|s| s.parse::<u64>().ok());
    // A time budget replaces the fixed count (hunts); by default the count alone
    // decides, so that every machine exercises the same inputs.
    let secs = env("CUTOVER_FUZZ_SECONDS");
    let max = env("CUTOVER_FUZZ_RUNS").unwrap_or(if secs.is_some() { u64::MAX } else { 20_000 });
    let secs = secs.unwrap_or(u64::MAX);
    let seed = env("CUTOVER_FUZZ_SEED").unwrap_or(0x0c07_0e12);
    let corpus = corpus();
    assert!(corpus.len() >= 6, "the corpus holds the shipped scenarios");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let start = Instant::now();
    let (mut runs, mut valid) = (0u64, 0u64);
    // Silence the default panic printing: a panic is reported below with its input.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut failure = None;
    while start.elapsed() < Duration::from_secs(secs) && runs < max {
        let text = if rng.random_bool(0.25) {
            random_runbook(&mut rng)
        } else {
            let a = &corpus[rng.random_range(0..corpus.len())];
            let b = &corpus[rng.random_range(0..corpus.len())];
            let mut t = a.clone();
            for _ in 0..rng.random_range(1..4) {
                t = mutate(&mut rng, &t, b);
            }
            t
        };
        runs += 1;
        if let Ok(path) = std::env::var("CUTOVER_FUZZ_LAST") {
            // For hunting hangs: the input being exercised.
            let _ = std::fs::write(path, &text);
        }
        match exercise(&text) {
            Ok(v) => valid += u64::from(v),
            Err(msg) => {
                failure = Some((msg, text));
                break;
            }
        }
        let _ = rng.next_u32();
    }
    std::panic::set_hook(hook);
    eprintln!(
        "fuzz: {runs} inputs in {:.1} s, {valid} valid (seed {seed})",
        start.elapsed().as_secs_f64()
    );
    if let Some((msg, text)) = failure {
        panic!("input {runs} of seed {seed} panicked: {msg}\n--- input ---\n{text}\n---");
    }
    assert!(runs > 100, "the fuzzer ran ({runs} inputs)");
    assert!(
        valid > 0 && valid < runs,
        "both valid and invalid inputs were exercised ({valid} of {runs})"
    );
}
