#!/usr/bin/env bash
# Memory of the service around large JSON batches: builds the release binary, starts it on
# 127.0.0.1, reads its resident size (VmRSS, and the peak VmHWM, of /proc/PID/status) idle, after
# each of ROUNDS batches of SIZE candidates (the BTS examples' inputs, in turn), and after a batch
# one input over the limit (refused with 413 while it is read); /healthz is asked during each
# batch. Prints one line per step.
#
#   benches/batch-memory.sh                    # 3 batches of 100,000
#   SIZE=20000 ROUNDS=5 benches/batch-memory.sh
#   BIN=path/to/clausier benches/batch-memory.sh   # another build (e.g. an earlier one), not rebuilt
set -euo pipefail
cd "$(dirname "$0")/.."

size=${SIZE:-100000}
rounds=${ROUNDS:-3}
workers=${WORKERS:-2}

command -v curl >/dev/null || { echo "curl is missing" >&2; exit 2; }
bin=${BIN:-}
if [ -z "$bin" ]; then
  cargo build --release --quiet --bin clausier
  bin=target/release/clausier
fi

work=$(mktemp -d)
trap 'kill "${server:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

python3 - "$work" "$size" <<'PY'
import glob, json, sys
work, size = sys.argv[1], int(sys.argv[2])
inputs = []
for path in sorted(glob.glob("policies/bts-metiers-de-la-mesure/tests/*.json")):
    inputs += [example["input"] for example in json.load(open(path))]
def batch(n):
    return json.dumps({"inputs": [inputs[i % len(inputs)] for i in range(n)], "version": "session-2027"})
open(f"{work}/batch.json", "w").write(batch(size))
open(f"{work}/over.json", "w").write(batch(100001))
PY

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
RUST_LOG=warn "$bin" serve --addr "127.0.0.1:$port" --workers "$workers" --data-dir "$work/data" &
server=$!
until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do sleep 0.1; done

memory() { awk '/^VmRSS|^VmHWM/ { printf "%s %.1f MB  ", $1, $2 / 1024 }' "/proc/$server/status"; }
url="http://127.0.0.1:$port/v1/policies/bts-metiers-de-la-mesure/decisions/batch"
echo "batch of $size: $(($(stat -c %s "$work/batch.json") / 1024)) KiB in"
echo "idle:           $(memory)"
for round in $(seq "$rounds"); do
  curl -s -o "$work/out.json" -w '%{http_code} %{time_total}s %{size_download}B' \
    -H 'content-type: application/json' --data-binary "@$work/batch.json" "$url" > "$work/result" &
  batch=$!
  sleep 0.5
  health=$(curl -s -o /dev/null -w '%{http_code} in %{time_total}s' "http://127.0.0.1:$port/healthz")
  wait "$batch"
  echo "round $round: $(cat "$work/result"), /healthz meanwhile $health; $(memory)"
done
result=$(curl -s -o /dev/null -w '%{http_code} %{time_total}s' -H 'content-type: application/json' \
  --data-binary "@$work/over.json" "$url")
echo "100,001 inputs: $result; $(memory)"
sleep 2
echo "2 s later:      $(memory)"
