#!/usr/bin/env bash
# One replication of benches/scale/atlas-1000.toml with about 1 million and
# about 10 million sessions: wall time, peak memory (RSS) and session counts.
#
#   benches/scale/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release --quiet
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for warmup in 4h 49h; do
  sed "s/^warmup = .*/warmup = \"$warmup\"/" benches/scale/atlas-1000.toml >"$tmp/atlas-1000.toml"
  /usr/bin/time -v target/release/cutover run "$tmp/atlas-1000.toml" --quiet --no-charts --out "$tmp/out" 2>"$tmp/time.txt"
  sessions=$(cut -d, -f12 "$tmp/out/metrics.csv" | tail -1)
  active=$(cut -d, -f17 "$tmp/out/metrics.csv" | tail -1)
  rss=$(grep "Maximum resident" "$tmp/time.txt" | awk '{print $NF}')
  wall=$(grep "Elapsed (wall" "$tmp/time.txt" | awk '{print $NF}')
  printf 'warm-up %-4s arrivals %-9s active at end %-6s wall %-8s peak RSS %s MB\n' \
    "$warmup" "$sessions" "$active" "$wall" "$((rss / 1024))"
done
