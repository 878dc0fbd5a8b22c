#!/usr/bin/env bash
# Fleet studies at scale: `cutover compare` of a fleet of N failover pairs
# (half in Paris swung by DNS, half in New York swung by NAT; three waves of
# 1 %, 10 % and 89 %, a tenth of the fleet per window, a week's bake) with
# its charts and report: wall time and peak memory (RSS), for N = 100, 1,000
# and 10,000 sites, and for 100 sites at 100 and 1,000 replications (memory
# must follow the sites, not the replications).
#
#   benches/fleet-scale/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release --quiet
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp scenarios/failover-pair.toml "$tmp/"
fleet() {
  local n=$1
  cat >"$tmp/fleet-$n.toml" <<TOML
seed = 1
[fleet]
start = "2025-03-03T00:00"
sites = [
  { name = "paris", scenario = "failover-pair.toml", count = $((n / 2)), strategy = "failover-async-dns", time_zone = "Europe/Paris" },
  { name = "ny", scenario = "failover-pair.toml", count = $((n / 2)), strategy = "failover-async-nat", time_zone = "America/New_York" },
]
[campaign]
waves = [0.01, 0.1, 0.89]
max_sites_per_window = $((n / 10))
bake = "7d"
TOML
}
for case in "100 100" "100 1000" "1000 10" "1000 100" "10000 10"; do
  read -r n runs <<<"$case"
  fleet "$n"
  rm -rf "$tmp/out"
  /usr/bin/time -v target/release/cutover compare "$tmp/fleet-$n.toml" --runs "$runs" --quiet --out "$tmp/out" 2>"$tmp/time.txt"
  rss=$(grep "Maximum resident" "$tmp/time.txt" | awk '{print $NF}')
  wall=$(grep "Elapsed (wall" "$tmp/time.txt" | awk '{print $NF}')
  sites=$(($(wc -l <"$tmp/out/sites.csv") - 1))
  printf '%6s sites × %5s replications: wall %-8s peak RSS %4s MB, %s site rows\n' \
    "$n" "$runs" "$wall" "$((rss / 1024))" "$sites"
done
