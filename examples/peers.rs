//! The Rust side of the SimPy comparison in `benches/peers/` (run it all with
//! `benches/peers/run.sh`). Prints, in the format of the Python scripts:
//!
//! - `cutover hold N=.. events_per_s=..`: the hold model on
//!   [`EventQueue`]: N pending events; each event is one pop and one
//!   schedule after an Exp(1) delay (pre-drawn, in integer milliseconds:
//!   mean 1,000 ticks), at N = 10,000 and 1,000;
//! - `binaryheap hold N=.. events_per_s=..`: the same loop on
//!   `BinaryHeap<Reverse<(time, sequence, payload)>>`;
//! - `cutover failover-sync replications=.. ms_per_replication=..`: whole
//!   replications of the one-night synchronous runbook
//!   (`failover-sync-one-window`) on
//!   `benches/peers/failover-sync.toml`, then the mean counts (and their
//!   standard errors) to compare with `failover_sync.py`.
//!
//! ```sh
//! cargo run --release --example peers [-- --events 20000000 --replications 200 --scale 1000]
//! ```

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use cutover::engine::EventQueue;
use cutover::scenario::Scenario;
use cutover::sim::{RunOptions, simulate};
use cutover::time::{SimDuration, SimTime};
use rand::SeedableRng;
use rand_distr::{Distribution, Exp1};

/// Pre-drawn delays (a power of two of them), so that the loop measures the
/// queue, not the random number generator: Exp(1) × `scale` ticks, rounded.
/// At the default scale of 1,000 (mean delay one second in milliseconds) and
/// N = 10,000, about ten events are due per tick, so most pops tie with the
/// previous time; a larger scale makes ties rare.
fn delays(scale: f64) -> Vec<u64> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    (0..1 << 16)
        .map(|_| {
            let e: f64 = Exp1.sample(&mut rng);
            (e * scale).round() as u64
        })
        .collect()
}

/// Runs `events` pop+schedule pairs on a queue holding `n` events; returns events per second.
fn hold_event_queue(d: &[u64], n: usize, events: u64) -> f64 {
    let mask = d.len() - 1;
    let mut q = EventQueue::with_capacity(n);
    for i in 0..n {
        q.schedule(SimTime(d[i & mask]), i as u32);
    }
    let mut k = 0usize;
    let mut step = |q: &mut EventQueue<u32>| {
        let (t, e) = q.pop().expect("hold keeps N events");
        k = (k + 1) & mask;
        q.schedule(t + SimDuration(d[k]), e);
    };
    // Warm up (untimed): n × 10 events spread the times out.
    for _ in 0..n * 10 {
        step(&mut q);
    }
    let start = Instant::now();
    for _ in 0..events {
        step(&mut q);
    }
    let secs = start.elapsed().as_secs_f64();
    black_box(q.peek_time());
    assert_eq!(q.len(), n, "hold keeps N events");
    events as f64 / secs
}

/// The same loop on `std::collections::BinaryHeap`.
fn hold_binary_heap(d: &[u64], n: usize, events: u64) -> f64 {
    let mask = d.len() - 1;
    let mut q: BinaryHeap<Reverse<(u64, u64, u32)>> = BinaryHeap::with_capacity(n);
    let mut seq = 0u64;
    for i in 0..n {
        q.push(Reverse((d[i & mask], seq, i as u32)));
        seq += 1;
    }
    let mut k = 0usize;
    let mut step = |q: &mut BinaryHeap<Reverse<(u64, u64, u32)>>| {
        let Reverse((t, _, e)) = q.pop().expect("hold keeps N events");
        k = (k + 1) & mask;
        q.push(Reverse((t + d[k], seq, e)));
        seq += 1;
    };
    for _ in 0..n * 10 {
        step(&mut q);
    }
    let start = Instant::now();
    for _ in 0..events {
        step(&mut q);
    }
    let secs = start.elapsed().as_secs_f64();
    black_box(q.peek().map(|r| r.0.0));
    assert_eq!(q.len(), n, "hold keeps N events");
    events as f64 / secs
}

/// Mean and standard error of the mean.
fn mean_se(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    if xs.len() < 2 {
        return (mean, f64::NAN);
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

fn failover_sync(replications: u64) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/peers/failover-sync.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("scenario");
    let scenario = Scenario::parse(&text, &path.display().to_string(), stem)
        .unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
    let runbook = scenario
        .runbook("failover-sync-one-window")
        .expect("the scenario enables failover-sync-one-window");
    let mut runs = Vec::with_capacity(replications as usize);
    let start = Instant::now();
    for r in 0..replications {
        let out = simulate(&scenario, runbook, scenario.seed, r, RunOptions::default());
        runs.push(black_box(out).metrics);
    }
    let secs = start.elapsed().as_secs_f64();
    const NAMES: [&str; 8] = [
        "arrivals",
        "served",
        "completed",
        "dropped",
        "failed",
        "active",
        "downtime_s",
        "procedure_s",
    ];
    let rows: Vec<[f64; 8]> = runs
        .iter()
        .map(|m| {
            assert_eq!(m.conservation_error(), None, "conservation");
            [
                m.arrivals as f64,
                m.served as f64,
                m.completed as f64,
                m.dropped_sessions as f64,
                m.failed_connects as f64,
                m.active_at_end as f64,
                m.downtime_ms as f64 / 1000.0,
                m.procedure_ms as f64 / 1000.0,
            ]
        })
        .collect();
    let stats: Vec<(&str, (f64, f64))> = NAMES
        .iter()
        .enumerate()
        .map(|(i, name)| (*name, mean_se(&rows.iter().map(|row| row[i]).collect::<Vec<f64>>())))
        .collect();
    println!(
        "cutover failover-sync replications={replications} ms_per_replication={:.3}",
        secs * 1000.0 / replications as f64
    );
    let line = |what: &str, pick: fn((f64, f64)) -> String| {
        let fields: Vec<String> = stats.iter().map(|(k, s)| format!("{k}={}", pick(*s))).collect();
        println!("cutover failover-sync {what} {}", fields.join(" "));
    };
    line("mean", |(m, _)| format!("{m:.1}"));
    line("se", |(_, se)| format!("{se:.2}"));
}

fn main() {
    let mut events: u64 = 20_000_000;
    let mut replications: u64 = 200;
    let mut scale: u64 = 1_000;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| -> u64 {
            args.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{name} needs a whole number"))
        };
        match a.as_str() {
            "--events" => events = value("--events"),
            "--replications" => replications = value("--replications"),
            "--scale" => scale = value("--scale"),
            other => panic!("unknown argument {other:?} (--events N, --replications R, --scale TICKS)"),
        }
    }
    let d = delays(scale as f64);
    for n in [10_000usize, 1_000] {
        let rate = hold_event_queue(&d, n, events);
        println!("cutover hold N={n} events_per_s={rate:.0}");
        let rate = hold_binary_heap(&d, n, events);
        println!("binaryheap hold N={n} events_per_s={rate:.0}");
    }
    failover_sync(replications);
}
