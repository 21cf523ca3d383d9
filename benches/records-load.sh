#!/usr/bin/env bash
# What keeping the decisions costs: the service under wrk (benches/http-load.sh), one phase after
# the other in one run, on the same machine: nothing kept and nothing signed, receipts only, then
# receipts and every decision recorded in SQLite (the default). Prints decisions/s and p99 of
# each phase and the ratios against the first.
#
#   benches/records-load.sh              # 20 s a phase
#   DURATION=30s benches/records-load.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export DURATION=${DURATION:-20s}

phase() {
  local out
  out=$(SERVE_ARGS="$1" benches/http-load.sh)
  echo "$out" >&2
  echo "$(grep '^requests/s' <<<"$out" | awk '{print $2}') $(grep '^latency p99:' <<<"$out" | awk '{print $3}')"
}

read -r off off_p99 < <(phase "--store none --no-receipts")
read -r signed signed_p99 < <(phase "--store none")
read -r kept kept_p99 < <(phase "")
echo "------------------------------"
printf '%-40s %10s %10s %8s\n' "phase" "decisions/s" "p99 (ms)" "ratio"
printf '%-40s %10s %10s %8s\n' "nothing kept, no receipt" "$off" "$off_p99" "1.00"
printf '%-40s %10s %10s %8.2f\n' "receipts (--store none)" "$signed" "$signed_p99" "$(echo "$signed / $off" | bc -l)"
printf '%-40s %10s %10s %8.2f\n' "receipts and records in SQLite" "$kept" "$kept_p99" "$(echo "$kept / $off" | bc -l)"
printf 'recording alone (SQLite vs receipts only): %.2f\n' "$(echo "$kept / $signed" | bc -l)"
