#!/usr/bin/env bash
# Side-by-side benchmark of cutover against SimPy 4:
#   - the hold model (N pending events, Exp(1) delays) on cutover's EventQueue,
#     on std's BinaryHeap and in SimPy, at N = 10,000 and 1,000;
#   - whole replications of the failover-sync procedure of
#     benches/peers/failover-sync.toml in cutover and in SimPy
#     (benches/peers/failover_sync.py), with their mean counts side by side.
#
# Creates benches/peers/.venv (python3 -m venv) and installs simpy>=4,<5 into
# it (PyPI must be reachable the first time). Takes a few minutes.
#
#   benches/peers/run.sh
#
# Environment: EVENTS (Rust hold events, default 20000000), PY_EVENTS (SimPy
# hold events, default 2000000), RUST_REPS (default 2000), PY_REPS (default 50).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$here/.venv"
EVENTS="${EVENTS:-20000000}"
PY_EVENTS="${PY_EVENTS:-2000000}"
RUST_REPS="${RUST_REPS:-2000}"
PY_REPS="${PY_REPS:-50}"

if [ ! -x "$venv/bin/python" ]; then
    echo "== creating $venv" >&2
    python3 -m venv "$venv"
fi
py="$venv/bin/python"
"$py" -m pip install --quiet --disable-pip-version-check 'simpy>=4,<5'

cd "$root"
echo "== building (cargo build --release --example peers)" >&2
cargo build --release --example peers

out="$(mktemp)"
trap 'rm -f "$out"' EXIT

echo "== cutover (cargo run --release --example peers)" >&2
cargo run --quiet --release --example peers -- --events "$EVENTS" --replications "$RUST_REPS" | tee -a "$out"
echo "== SimPy hold ($("$py" -c 'import simpy; print(simpy.__version__)'), $("$py" -c 'import platform; print(platform.python_implementation(), platform.python_version())'))" >&2
"$py" "$here/hold.py" --events "$PY_EVENTS" | tee -a "$out"
echo "== SimPy failover-sync" >&2
"$py" "$here/failover_sync.py" "$here/failover-sync.toml" --replications "$PY_REPS" | tee -a "$out"

echo
"$py" - "$out" <<'EOF'
import math
import re
import sys

rate, ms, stats = {}, {}, {}
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) < 3:
        continue
    kv = dict(x.split("=", 1) for x in f[2:] if "=" in x)
    if f[1] == "hold":
        rate[(f[0], int(kv["N"]))] = float(kv["events_per_s"])
    elif f[1] == "failover-sync" and "ms_per_replication" in kv:
        ms[f[0]] = (float(kv["ms_per_replication"]), int(kv["replications"]))
    elif f[1] == "failover-sync" and f[2] in ("mean", "se"):
        stats[(f[0], f[2])] = {k: float(v) for k, v in kv.items()}

need = [(w, n) for w in ("cutover", "binaryheap", "simpy") for n in (10000, 1000)]
missing = [k for k in need if k not in rate] + [w for w in ("cutover", "simpy") if w not in ms]
if missing:
    sys.exit(f"run.sh: missing results: {missing}")

print("ratio                                          value")
print("-----------------------------------------------------")
for n in (10000, 1000):
    print(f"hold N={n:<6} cutover / SimPy events/s       {rate[('cutover', n)] / rate[('simpy', n)]:8.1f}x")
for n in (10000, 1000):
    print(f"hold N={n:<6} cutover / BinaryHeap events/s  {rate[('cutover', n)] / rate[('binaryheap', n)]:8.2f}x")
print(f"failover-sync SimPy ms / cutover ms per replication {ms['simpy'][0] / ms['cutover'][0]:5.1f}x"
      f"   ({ms['simpy'][0]:.1f} ms vs {ms['cutover'][0]:.2f} ms)")

print()
print("failover-sync mean counts per replication (± standard error); z = difference / combined s.e.")
print(f"{'':12} {'cutover (R=%d)' % ms['cutover'][1]:>20} {'SimPy (R=%d)' % ms['simpy'][1]:>20} {'z':>6}")
worst = 0.0
for k in ("arrivals", "served", "completed", "dropped", "failed", "active", "downtime_s", "procedure_s"):
    a, b = stats[("cutover", "mean")][k], stats[("simpy", "mean")][k]
    sa, sb = stats[("cutover", "se")][k], stats[("simpy", "se")][k]
    s = math.hypot(sa, sb)
    if s > 0:
        z = (b - a) / s
        zs = f"{z:6.2f}"
        if k in ("arrivals", "dropped", "failed"):
            worst = max(worst, abs(z))
    else:
        zs = "  same" if abs(a - b) < 1e-6 else "  DIFF"
        if zs == "  DIFF":
            worst = math.inf
    print(f"{k:12} {a:12.1f} ± {sa:5.1f} {b:12.1f} ± {sb:5.1f} {zs}")
verdict = "comparable" if worst < 3 else "NOT comparable"
print(f"largest |z| of arrivals, dropped, failed: {worst:.2f} -> {verdict} (|z| < 3)")
if worst >= 3:
    sys.exit(1)
EOF
