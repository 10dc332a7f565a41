#!/usr/bin/env bash
# make bench: every Go benchmark (each starts the real services it measures against), run once
# with memory statistics, then a summary of the figures they report. Full output: bench.out.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH" PACKUILON_REQUIRE_SERVICES=1
go test -run '^$' -bench . -benchmem -benchtime 1x -timeout 30m ./... 2>&1 | tee bench.out
echo
echo "== summary (custom metrics per benchmark)"
grep -E '^Benchmark' bench.out | awk '{
  printf "%-55s", $1
  for (i = 3; i < NF; i += 2) printf "  %s %s", $i, $(i+1)
  printf "\n"
}'
grep -E '^(ok|FAIL|---)' bench.out | grep -v '^ok' || true
