#!/usr/bin/env bash
# Load test of the service on loopback: builds the release binary, starts it on 127.0.0.1, drives
# it with wrk (Debian package `wrk`) posting real candidates (the BTS examples' inputs, in turn)
# for a bounded time, and prints requests/s, latency percentiles, and the server's RSS at the end.
#
#   benches/http-load.sh                 # 30 s, 2 wrk threads, 32 connections
#   DURATION=60s CONNECTIONS=64 benches/http-load.sh
#   SERVE_ARGS="--store none --no-receipts" benches/http-load.sh   # options given to the service
#
# The service keeps its data (decision records, receipt key) in a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${DURATION:-30s}
threads=${THREADS:-2}
connections=${CONNECTIONS:-32}
workers=${WORKERS:-2}

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }
cargo build --release --quiet

work=$(mktemp -d)
trap 'kill "${server:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

# The bodies: one decision request per example input, under session-2027.
python3 benches/wrk-bodies.py "$work/bodies.lua"
cat >> "$work/bodies.lua" <<'LUA'
local statuses = {}
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
done = function(summary, latency, requests)
  io.write("------------------------------\n")
  io.write(string.format("requests/s: %.0f\n", summary.requests / (summary.duration / 1e6)))
  for _, p in ipairs({ 50, 90, 99, 99.9 }) do
    io.write(string.format("latency p%s: %.2f ms\n", p, latency:percentile(p) / 1000))
  end
  io.write(string.format("errors: connect %d, read %d, write %d, status %d, timeout %d\n",
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout))
end
LUA

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# shellcheck disable=SC2086 # SERVE_ARGS is a list of options
RUST_LOG=warn target/release/clausier serve --addr "127.0.0.1:$port" --workers "$workers" \
  --data-dir "$work/data" ${SERVE_ARGS:-} &
server=$!
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
  sleep 0.1
done

echo "clausier serve ${SERVE_ARGS:-} (release, $workers workers) on 127.0.0.1:$port; wrk -t$threads -c$connections -d$duration on the same machine"
wrk -t"$threads" -c"$connections" -d"$duration" --latency -s "$work/bodies.lua" "http://127.0.0.1:$port"
echo "server RSS at the end: $(awk '/VmRSS/ {print $2, $3}' /proc/$server/status)"
