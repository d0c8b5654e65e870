#!/usr/bin/env bash
# Runs the whole suite three times in a row while two busy loops keep both cores saturated, and
# prints each run's wall time and outcome. A test that passes only on an idle machine fails here.
set -u
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
hogs=()
for _ in 1 2; do node -e 'for (;;) {}' & hogs+=($!); done
trap 'kill "${hogs[@]}" 2>/dev/null' EXIT
status=0
for i in $(seq 1 "$runs"); do
  start=$(date +%s)
  if npm test > "/tmp/agentnest-suite-under-load-$i.log" 2>&1; then outcome=green; else outcome=RED; status=1; fi
  summary=$(grep -E '^jest: ' "/tmp/agentnest-suite-under-load-$i.log" | tail -1)
  echo "run $i: $outcome in $(( $(date +%s) - start )) s ($summary)"
done
exit $status
