#!/usr/bin/env bash
# Opens a report.html in headless Chromium (Debian's package, installed if
# missing) and checks that it renders its sections and charts, logs no
# console error, and makes no network request at all.
#
#   scripts/check-report.sh [path/to/report.html]
#
# Without an argument it makes the default report first (`cutover report`).
set -euo pipefail
cd "$(dirname "$0")/.."
report=${1:-}
if [[ -z "$report" ]]; then
  cargo run --release --quiet -- report --quiet
  report=output/failover-pair/compare/report.html
fi
if ! command -v chromium >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
url="file://$(realpath "$report")"
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$tmp/profile" --log-net-log="$tmp/net.json" \
  --enable-logging=stderr --v=0 --virtual-time-budget=5000 \
  --dump-dom "$url" >"$tmp/dom.html" 2>"$tmp/log.txt" || true
fail=0
grep -q "<h2>Recommendation by goal</h2>" "$tmp/dom.html" || { echo "FAIL: the page did not render its sections"; fail=1; }
# Every chart of the page renders (a one-strategy report has fewer charts:
# no paired differences, one timeline).
svgs=$(grep -o "<svg" "$tmp/dom.html" | wc -l)
figures=$(grep -o "<figure>" "$report" | wc -l)
[[ "$figures" -ge 3 ]] || { echo "FAIL: only $figures charts in the report"; fail=1; }
[[ "$svgs" -eq "$figures" ]] || { echo "FAIL: $svgs of $figures inline charts rendered"; fail=1; }
if grep -E "CONSOLE|Uncaught|ERR_" "$tmp/log.txt" | grep -v "ERR_BLOCKED" >"$tmp/errors.txt"; then
  echo "FAIL: console errors:"; cat "$tmp/errors.txt"; fail=1
fi
# Every request the page started (the browser's own background requests
# carry no origin: "not an origin"). A file page's requests carry "null".
urls=$(python3 - "$tmp/net.json" <<'PY'
import json, sys
log = json.load(open(sys.argv[1]))
start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
for e in log["events"]:
    p = e.get("params", {})
    if e["type"] == start and p.get("url") and p.get("initiator") != "not an origin":
        print(p.get("url"))
PY
)
if [[ -n "$urls" ]]; then
  echo "FAIL: the page made network requests:"; echo "$urls"; fail=1
fi
if [[ "$fail" -eq 0 ]]; then
  echo "ok: $report renders in headless Chromium ($svgs inline charts), no console error, no network request"
fi
exit "$fail"
