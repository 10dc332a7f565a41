#!/usr/bin/env bash
# make bench: every Go benchmark (each starts the real services it measures against), run once
# with memory statistics, then a summary of the figures they report. Full output: bench.out.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH" PACKUILON_REQUIRE_SERVICES=1
# Scan part (issue 12): BenchmarkScanVsFloor runs packuilon-watch-once (and packuilon watch --once
# beside it), as packaged, and one curl of the index and the changed profiles on the same generated
# site (20,000 and 100,000 entries), alternately, for PACKUILON_SCAN_ROUNDS rounds (medians: single
# rounds vary by a fifth on this kind of machine; the line ends with the load average, as the
# figures of a busy machine mean little), and writes a CPU profile of an in-process scan of each
# site here (go tool pprof -top bench-pprof/scan-20000.pprof).
mkdir -p bench-pprof
export PACKUILON_SCAN_PPROF="$PWD/bench-pprof" PACKUILON_SCAN_ROUNDS="${PACKUILON_SCAN_ROUNDS:-15}"
go test -run '^$' -bench . -benchmem -benchtime 1x -timeout 30m ./... 2>&1 | tee bench.out
echo
echo "== summary (custom metrics per benchmark)"
grep -E '^Benchmark' bench.out | awk '{
  printf "%-55s", $1
  for (i = 3; i < NF; i += 2) printf "  %s %s", $i, $(i+1)
  printf "\n"
}'
echo
echo "== scan against the curl floor (ratio = packuilon-watch-once / curl, same site, same run), decode memory"
grep -E '^(scan-floor|scan-cpu|decode-memory)' bench.out || true
echo
echo "== dispatch path: median ms from the publish to each step (+ms from the step before)"
grep -E '^dispatch-trace' bench.out || true
grep -E '^(ok|FAIL|---)' bench.out | grep -v '^ok' || true
