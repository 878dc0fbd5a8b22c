//! Fleet campaigns: one replication of a campaign of 100 and of 1,000
//! failover pairs (`campaign/<n>_sites`: every site a single-site run,
//! placed in its windows under the cap), and of the shipped
//! `fleet-regional` (the plans of its 24 sites), without I/O; and 1,000
//! pairs whose version's defect is certain, found and fixed
//! (`campaign/1000_sites_defect_found_and_fixed`). The synthetic ones
//! check that every site was done.
//!
//!     cargo bench --bench fleet

use std::hint::black_box;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use cutover::fleet::Fleet;
use cutover::fleet::campaign::simulate_campaign;
use cutover::fleet::study::replication;

fn read(name: &str) -> Result<String, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(name);
    std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))
}

/// `n` pairs, half in Paris (DNS swing), half in New York (NAT swing), in
/// three waves of 1 %, 10 % and 89 %, a tenth of the fleet per window;
/// `version` is an optional `[version]` table and `stop_on` list.
fn synthetic(n: usize, version: &str) -> Fleet {
    let text = format!(
        r#"
[fleet]
start = "2025-03-03T00:00"
sites = [
  {{ name = "paris", scenario = "failover-pair.toml", count = {h}, strategy = "failover-async-dns", time_zone = "Europe/Paris" }},
  {{ name = "ny", scenario = "failover-pair.toml", count = {h}, strategy = "failover-async-nat", time_zone = "America/New_York" }},
]
[campaign]
waves = [0.01, 0.1, 0.89]
max_sites_per_window = {cap}
bake = "7d"
{version}
"#,
        h = n / 2,
        cap = n / 10
    );
    Fleet::parse(&text, "bench.toml", "bench", &read).expect("a valid fleet")
}

fn campaigns(c: &mut Criterion) {
    let mut g = c.benchmark_group("campaign");
    g.sample_size(10);
    let never = AtomicBool::new(false);
    for n in [100, 1000] {
        let fleet = synthetic(n, "");
        g.throughput(Throughput::Elements(n as u64));
        let mut r = 0u64;
        g.bench_function(format!("{n}_sites"), |b| {
            b.iter(|| {
                r += 1;
                let run = simulate_campaign(&fleet, 0, 1, r, &never).expect("not stopped");
                assert_eq!(run.metrics.sites_done, n as u64);
                black_box(run.metrics.campaign_ms)
            })
        });
    }
    // The worst case of the version's defect: certain, found by the first
    // wave, the version recalled everywhere, the campaign resumed after
    // the fix with the first wave upgraded again.
    let fleet = synthetic(
        1000,
        "stop_on = [\"defect_found\"]\n[version]\nlatent_defect = 1\ndefect_detect = \"2d\"\nfix = \"14d\"",
    );
    g.throughput(Throughput::Elements(1000));
    let mut r = 0u64;
    g.bench_function("1000_sites_defect_found_and_fixed", |b| {
        b.iter(|| {
            r += 1;
            let run = simulate_campaign(&fleet, 0, 1, r, &never).expect("not stopped");
            assert_eq!(run.metrics.sites_done, 1000);
            assert!(run.resumed_at.is_some());
            black_box(run.metrics.campaign_ms)
        })
    });
    let text = read("fleet-regional.toml").expect("shipped");
    let fleet = Fleet::parse(&text, "fleet-regional.toml", "fleet-regional", &read).expect("shipped fleets are valid");
    g.throughput(Throughput::Elements(
        fleet.sites.len() as u64 * fleet.plans.len() as u64,
    ));
    let mut r = 0u64;
    g.bench_function("fleet-regional", |b| {
        b.iter(|| {
            r += 1;
            let rep = replication(&fleet, fleet.seed, r, &never).expect("not stopped");
            black_box(rep.plans.len())
        })
    });
    g.finish();
}

criterion_group!(benches, campaigns);
criterion_main!(benches);
