//! The event queue in the classic hold model: N pending events; each step
//! pops the earliest and schedules it again after an Exp(1) delay (mean one
//! second of simulated time, in the engine's millisecond ticks). Reports
//! events per second (one event = one pop + one schedule).
//!
//! For comparison, the same loop on `std::collections::BinaryHeap` with
//! `Reverse((time, seq))` keys: the obvious queue one would write first.
//!
//!     cargo bench --bench engine

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use cutover::engine::EventQueue;
use cutover::time::{SimDuration, SimTime};
use rand::SeedableRng;
use rand_distr::{Distribution, Exp1};

const BATCH: usize = 10_000;

/// Pre-drawn delays, so that the benchmark measures the queue, not the RNG.
fn delays() -> Vec<u64> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    (0..1 << 16)
        .map(|_| {
            let e: f64 = Exp1.sample(&mut rng);
            (e * 1_000.0).round() as u64
        })
        .collect()
}

fn hold(c: &mut Criterion) {
    let d = delays();
    let mut g = c.benchmark_group("engine/queue");
    g.throughput(Throughput::Elements(BATCH as u64));
    for n in [1_000usize, 10_000, 100_000] {
        g.bench_function(format!("hold_{}k", n / 1000), |b| {
            let mut q = EventQueue::with_capacity(n);
            let mut k = 0usize;
            for i in 0..n {
                q.schedule(SimTime(d[i % d.len()]), i as u32);
            }
            b.iter(|| {
                for _ in 0..BATCH {
                    let (t, e) = q.pop().expect("hold keeps N events");
                    k = (k + 1) & (d.len() - 1);
                    q.schedule(t + SimDuration(d[k]), e);
                }
                black_box(q.peek_time())
            });
            assert_eq!(q.len(), n);
        });
        g.bench_function(format!("binaryheap_hold_{}k", n / 1000), |b| {
            let mut q: BinaryHeap<Reverse<(u64, u64, u32)>> = BinaryHeap::with_capacity(n);
            let mut seq = 0u64;
            let mut k = 0usize;
            for i in 0..n {
                q.push(Reverse((d[i % d.len()], seq, i as u32)));
                seq += 1;
            }
            b.iter(|| {
                for _ in 0..BATCH {
                    let Reverse((t, _, e)) = q.pop().expect("hold keeps N events");
                    k = (k + 1) & (d.len() - 1);
                    q.push(Reverse((t + d[k], seq, e)));
                    seq += 1;
                }
                black_box(q.peek().map(|r| r.0.0))
            });
            assert_eq!(q.len(), n);
        });
    }
    g.finish();
}

criterion_group!(benches, hold);
criterion_main!(benches);
