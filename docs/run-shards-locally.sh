#!/usr/bin/env bash
# The same split as the Slurm and Kubernetes examples, on one machine: run
# N shards one after another (or on several machines, one each), then merge.
# The merged files are byte-identical to `cutover compare` without --shard.
#
#   docs/run-shards-locally.sh scenarios/failover-pair.toml 4000 4
set -euo pipefail
SCENARIO=${1:-scenarios/failover-pair.toml}
RUNS=${2:-4000}
N=${3:-4}
OUT=${OUT:-output/shards}
for K in $(seq 1 "$N"); do
  cargo run --release --quiet -- compare "$SCENARIO" --runs "$RUNS" --shard "$K/$N" --quiet --out "$OUT/shard-$K"
done
cargo run --release --quiet -- merge "$OUT"/shard-* --out "$OUT/merged"
