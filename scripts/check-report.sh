#!/usr/bin/env bash
# Opens report.html files in headless Chromium (Debian's package, installed
# if missing) and checks that each renders its sections and charts, logs no
# console error, and makes no network request at all. A screenshot of each
# goes to target/check-report/NAME.png, to look at. Beside a site's report,
# summary.pdf must be one page whose text names the strategy the report
# recommends (pdfinfo and pdftotext, Debian's poppler-utils, installed if
# missing); its page goes to target/check-report/NAME-summary.png.
#
#   scripts/check-report.sh [path/to/report.html ...]
#
# Without an argument it makes the report of every shipped scenario first
# (`cutover report scenarios/NAME.toml --out target/check-report/NAME`),
# so output/ is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
shots=target/check-report
mkdir -p "$shots"
reports=("$@")
if [[ ${#reports[@]} -eq 0 ]]; then
  cargo build --release --quiet
  for scenario in scenarios/*.toml; do
    name=$(basename "$scenario" .toml)
    rm -rf "$shots/$name"
    target/release/cutover report "$scenario" --out "$shots/$name" --runs 200 --quiet
    reports+=("$shots/$name/report.html")
  done
fi
sections=("Bottom line" "Key results" "Tails: median, p95 and worst case" "Charts"
  "Assumptions and sources" "Not simulated" "Glossary")
# A fleet's report (scenarios/fleet-*.toml) has sections of its own, and a
# bottom line across plans instead of a recommended strategy.
fleet_sections=("Bottom line" "What was simulated" "Key numbers by plan" "Charts" "The metrics")
# The sections and the bottom line a report must have, by its kind.
expect() {
  if grep -q "<title>Fleet campaign: " "$1"; then
    want=("${fleet_sections[@]}")
    bottom='<p class="bottom"><strong>'
  else
    want=("${sections[@]}")
    bottom='<p class="bottom"><strong>Recommended: '
  fi
}
# Installs Debian's package $1 when the command $2 is missing (as root, or
# with sudo -n); says nothing when it cannot.
install() {
  command -v "$2" >/dev/null && return 0
  local sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo -n)
  { "${sudo[@]}" apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "$1"; } >/dev/null 2>&1 || true
}
install chromium chromium
install poppler-utils pdftotext
if ! command -v pdfinfo >/dev/null || ! command -v pdftotext >/dev/null; then
  echo "WARNING: poppler-utils is missing and could not be installed (apt-get install poppler-utils):" \
    "summary.pdf is checked as bytes (its page objects), not read" >&2
fi
# Checks the summary.pdf beside a site's report: one page, and its text
# names the strategy the report recommends. Prints what fails; returns 1
# then. Sets $summary_said to the words for the ok line.
check_summary() {
  local report=$1 dir pdf pick pages text
  summary_said=""
  grep -q "<title>Fleet campaign: " "$report" && return 0
  dir=$(dirname "$report")
  pdf="$dir/summary.pdf"
  if [[ ! -s "$pdf" ]]; then
    echo "FAIL: $report: no summary.pdf beside it"
    return 1
  fi
  pick=$(sed -n 's/.*<p class="bottom"><strong>Recommended: \([^<,]*\).*/\1/p' "$report" | head -n1 || true)
  pick=${pick%.}
  if command -v pdfinfo >/dev/null && command -v pdftotext >/dev/null; then
    pages=$(pdfinfo "$pdf" 2>/dev/null | sed -n 's/^Pages: *//p' || true)
    [[ "$pages" == 1 ]] || { echo "FAIL: $pdf: ${pages:-no} pages, not one"; return 1; }
    # Without white space: a long name may wrap.
    text=$(pdftotext -q "$pdf" - 2>/dev/null | tr -d ' \n' || true)
    if [[ -z "$pick" || "$text" != *"Recommended:${pick// /}"* ]]; then
      echo "FAIL: $pdf: its text does not name the recommended strategy (${pick:-none found in the report})"
      return 1
    fi
    summary_said="; summary.pdf: one page, names $pick"
    if command -v pdftoppm >/dev/null; then
      pdftoppm -png -r 80 -singlefile "$pdf" "$shots/$(basename "$(realpath "$dir")")-summary" 2>/dev/null || true
    fi
  else
    pages=$(grep -aoE '/Type /Page([^s]|$)' "$pdf" | wc -l || true)
    [[ "$pages" -eq 1 ]] || { echo "FAIL: $pdf: $pages page objects, not one"; return 1; }
    summary_said="; summary.pdf: one page object (text not read)"
  fi
  return 0
}
if ! command -v chromium >/dev/null; then
  # No browser and none could be installed (no root, no package mirror):
  # check the page's own text, and say loudly what was not checked.
  echo "WARNING: chromium is missing and could not be installed (apt-get install chromium):" \
    "the reports' HTML is checked as text, not rendered" >&2
  fail=0
  for report in "${reports[@]}"; do
    bad=0
    expect "$report"
    for section in "${want[@]}"; do
      grep -q "<h2>$section</h2>" "$report" || { echo "FAIL: $report: no section \"$section\""; bad=1; }
    done
    grep -q "$bottom" "$report" || { echo "FAIL: $report: no bottom line"; bad=1; }
    figures=$(grep -o "<figure>" "$report" | wc -l)
    svgs=$(grep -o "<svg" "$report" | wc -l)
    [[ "$figures" -ge 5 && "$svgs" -ge "$figures" ]] || { echo "FAIL: $report: $svgs inline charts for $figures figures"; bad=1; }
    ! grep -Eq '(src|href)="https?://' "$report" || { echo "FAIL: $report: links to the network"; bad=1; }
    check_summary "$report" || bad=1
    [[ "$bad" -eq 0 ]] && echo "ok (text only): $report$summary_said"
    fail=$((fail | bad))
  done
  exit "$fail"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
for report in "${reports[@]}"; do
  name=$(basename "$(dirname "$(realpath "$report")")")
  url="file://$(realpath "$report")"
  flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
    --disable-background-networking --disable-component-update --disable-sync
    --user-data-dir="$tmp/profile" --virtual-time-budget=5000)
  rm -f "$tmp/net.json"
  chromium "${flags[@]}" --log-net-log="$tmp/net.json" --enable-logging=stderr --v=0 \
    --dump-dom "$url" >"$tmp/dom.html" 2>"$tmp/log.txt" || true
  chromium "${flags[@]}" --hide-scrollbars --window-size=1280,2400 \
    --screenshot="$shots/$name.png" "$url" >/dev/null 2>&1 || true
  bad=0
  expect "$report"
  for section in "${want[@]}"; do
    grep -q "<h2>$section</h2>" "$tmp/dom.html" || { echo "FAIL: $report: no section \"$section\""; bad=1; }
  done
  grep -q "$bottom" "$tmp/dom.html" || { echo "FAIL: $report: no bottom line"; bad=1; }
  svgs=$(grep -o "<svg" "$tmp/dom.html" | wc -l)
  figures=$(grep -o "<figure>" "$report" | wc -l)
  [[ "$svgs" -ge 5 && "$svgs" -eq "$figures" ]] || { echo "FAIL: $report: $svgs inline charts rendered of $figures"; bad=1; }
  if grep -E "CONSOLE|Uncaught|ERR_" "$tmp/log.txt" | grep -v "ERR_BLOCKED" >"$tmp/errors.txt"; then
    echo "FAIL: $report: console errors:"; cat "$tmp/errors.txt"; bad=1
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
    echo "FAIL: $report: the page made network requests:"; echo "$urls"; bad=1
  fi
  [[ -s "$shots/$name.png" ]] || { echo "FAIL: $report: no screenshot"; bad=1; }
  check_summary "$report" || bad=1
  if [[ "$bad" -eq 0 ]]; then
    echo "ok: $report renders in headless Chromium ($svgs inline charts), no console error, no network request; screenshot $shots/$name.png$summary_said"
  fi
  fail=$((fail | bad))
done
exit "$fail"
