//! Whole-model benchmarks: one replication of each shipped scenario's first
//! strategy (`run/<scenario>`), and a Monte-Carlo comparison of the default
//! scenario on one and two worker threads (`compare/default/threads_<t>`,
//! the path `cutover compare` takes: replications streamed back in order and
//! aggregated), both without I/O. Each checks its result (conservation, replication count).
//!
//!     cargo bench --bench run

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::sync::atomic::AtomicBool;

use cutover::montecarlo::{Aggregator, run_streaming};
use cutover::scenario::Scenario;
use cutover::sim::{RunOptions, simulate};

fn runs(c: &mut Criterion) {
    let mut g = c.benchmark_group("run");
    g.sample_size(20);
    let mut files: Vec<_> = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios"))
        .expect("scenarios/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .filter(|p| !cutover::fleet::is_fleet(&std::fs::read_to_string(p).unwrap_or_default()))
        .collect();
    files.sort();
    for path in files {
        let text = std::fs::read_to_string(&path).expect("shipped scenarios are readable");
        let stem = path.file_stem().and_then(|s| s.to_str()).expect("a file name");
        let sc = Scenario::parse(&text, &path.display().to_string(), stem).expect("shipped scenarios are valid");
        let rb = sc.runbook(&sc.strategies[0]).expect("enabled").clone();
        let mut r = 0u64;
        g.bench_function(sc.name.clone(), |b| {
            b.iter(|| {
                r += 1;
                let out = simulate(&sc, &rb, sc.seed, r, RunOptions::default());
                assert_eq!(out.metrics.conservation_error(), None);
                black_box(out.metrics.arrivals)
            })
        });
    }
    g.finish();
}

fn compare(c: &mut Criterion) {
    let sc = Scenario::default_scenario();
    let runbooks: Vec<_> = sc.runbooks.iter().collect();
    let names: Vec<String> = sc.strategies.clone();
    const N: u64 = 1000;
    let mut g = c.benchmark_group("compare/default");
    g.sample_size(10);
    g.throughput(Throughput::Elements(N * runbooks.len() as u64));
    let never = AtomicBool::new(false);
    for threads in [1usize, 2] {
        g.bench_function(format!("threads_{threads}"), |b| {
            b.iter(|| {
                let mut agg = Aggregator::new(names.clone(), 0, &sc.thresholds);
                let done: Result<(), ()> = run_streaming(&sc, &runbooks, 1, 0..N, threads, &never, |r| {
                    agg.push(&r.values);
                    Ok(())
                });
                assert_eq!(done, Ok(()));
                assert_eq!(agg.replications(), N);
                black_box(agg.summary().len())
            })
        });
    }
    g.finish();
}

criterion_group!(benches, runs, compare);
criterion_main!(benches);
