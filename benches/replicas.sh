#!/usr/bin/env bash
# Three replicas behind HAProxy, on loopback: builds the release binary, starts three
# `clausier serve` sharing one policies folder laid out as a Kubernetes ConfigMap volume
# (`..data -> ..2026_11_30_…`, the policy folder a link through `..data`), puts HAProxy in front
# (.ci/deploy/haproxy.cfg: round robin, health checks on /readyz), and drives it with wrk
# posting BTS decisions (the bodies of benches/http-load.sh). Phases, PHASE seconds each:
#
#   alone     wrk against one replica directly (the reference)
#   balanced  wrk through HAProxy
#   (a) swap  a new revision published by a `..data` swap under load: every replica must serve
#             the new set digest (GET /v1/policies, asked of each replica) within 2 s
#   (b) term  one replica stopped with SIGTERM under load, then started again (a rolling restart)
#   (c) kill  one replica killed with SIGKILL under load: HAProxy takes it out
#
# and prints, for each, decisions/s, p99 and the requests that failed (non-2xx answers and
# socket errors seen by wrk). Bounded in time (about 5 × PHASE + 10 s), loopback only, cleans
# up after itself. Needs wrk and haproxy (Debian packages `wrk`, `haproxy`). Not run by CI.
#
#   benches/replicas.sh                   # PHASE=10, 2 wrk threads, 32 connections
#   PHASE=30 CONNECTIONS=64 WORKERS=2 benches/replicas.sh
set -euo pipefail
cd "$(dirname "$0")/.."

phase=${PHASE:-10}
threads=${THREADS:-2}
connections=${CONNECTIONS:-32}
workers=${WORKERS:-2}

for tool in wrk haproxy curl python3; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (apt-get install -y $tool)" >&2; exit 2; }
done
cargo build --release --quiet --bin clausier
bin=$PWD/target/release/clausier

work=$(mktemp -d)
pids=("" "" "" "")
haproxy_pid=""
cleanup() {
  for pid in "${wrk_pid:-}" "${pids[@]}" "$haproxy_pid"; do
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# --- the policies, as a ConfigMap volume publishes them ------------------------------------------
bts=bts-metiers-de-la-mesure
policies=$work/policies
mkdir -p "$policies"
# publish REVISION DEADLINE: a new revision folder, `..data` swapped to it by a rename, the old
# revision removed (what the kubelet does); `session-2027` gets DEADLINE as its report deadline.
publish() {
  local revision="..2026_11_30_$1" previous=""
  mkdir -p "$policies/$revision/$bts"
  cp policies/$bts/*.policy "$policies/$revision/$bts/"
  sed -i "s/2027-04-16/$2/" "$policies/$revision/$bts/session-2027.policy"
  previous=$(readlink "$policies/..data" 2>/dev/null || true)
  ln -s "$revision" "$policies/..data_tmp"
  mv -T "$policies/..data_tmp" "$policies/..data"
  [ -e "$policies/$bts" ] || ln -s "..data/$bts" "$policies/$bts"
  [ -z "$previous" ] || rm -rf "${policies:?}/$previous"
}
publish 09_00_00.000000001 2027-04-16

# --- three replicas --------------------------------------------------------------------------------
ports=("" "$(free_port)" "$(free_port)" "$(free_port)")
start_replica() {
  RUST_LOG=warn "$bin" serve --policies "$policies" --addr "127.0.0.1:${ports[$1]}" \
    --workers "$workers" --settle-ms 200 --data-dir "$work/data$1" 2>>"$work/replica$1.log" &
  pids[$1]=$!
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:${ports[$1]}/readyz" >/dev/null && return 0
    sleep 0.1
  done
  echo "replica $1 did not become ready" >&2
  cat "$work/replica$1.log" >&2
  exit 1
}
for i in 1 2 3; do start_replica "$i"; done

# --- HAProxy ---------------------------------------------------------------------------------------
lb_port=$(free_port)
stats_port=$(free_port)
LB_ADDR=127.0.0.1:$lb_port STATS_ADDR=127.0.0.1:$stats_port \
  REPLICA1=127.0.0.1:${ports[1]} REPLICA2=127.0.0.1:${ports[2]} REPLICA3=127.0.0.1:${ports[3]} \
  haproxy -db -f .ci/deploy/haproxy.cfg >"$work/haproxy.log" 2>&1 &
haproxy_pid=$!
# HAProxy's view of a server: UP, DOWN, …
server_status() {
  curl -s "http://127.0.0.1:$stats_port/stats;csv" | awk -F, -v s="$1" '$1 == "replicas" && $2 == s { print $18 }'
}
for _ in $(seq 100); do
  [ "$(server_status r1)$(server_status r2)$(server_status r3)" = "UPUPUP" ] && break
  sleep 0.1
done
[ "$(server_status r1)$(server_status r2)$(server_status r3)" = "UPUPUP" ] ||
  { echo "HAProxy does not see three replicas up" >&2; cat "$work/haproxy.log" >&2; exit 1; }

# --- the load --------------------------------------------------------------------------------------
python3 benches/wrk-bodies.py "$work/bodies.lua"
cat >>"$work/bodies.lua" <<'LUA'
-- wrk runs one Lua state per thread: each keeps its own count, summed in done().
local threads = {}
setup = function(thread)
  table.insert(threads, thread)
end
init = function()
  non2xx = 0
end
response = function(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end
done = function(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do
    bad = bad + (t:get("non2xx") or 0)
  end
  local e = summary.errors
  io.write(string.format("RESULT requests=%d rps=%.0f p50=%.2f p99=%.2f non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    bad, e.connect, e.read, e.write, e.timeout))
end
LUA

# load URL LABEL: wrk for PHASE seconds in the background; its output in $work/LABEL.out.
load() {
  wrk -t"$threads" -c"$connections" -d"${phase}s" --latency -s "$work/bodies.lua" "$1" >"$work/$2.out" 2>&1 &
  wrk_pid=$!
}
# HAProxy's counters for the backend: connection errors, response errors, retries, redispatches.
counters() {
  curl -s "http://127.0.0.1:$stats_port/stats;csv" |
    awk -F, '$1 == "replicas" && $2 == "BACKEND" { print $14, $15, $16, $17 }'
}
# since BEFORE: the counters' increase since the line BEFORE.
since() {
  local now
  now=$(counters)
  paste -d' ' <(echo "$1" | tr ' ' '\n') <(echo "$now" | tr ' ' '\n') | awk '{ printf "%d ", $2 - $1 }'
}
field() { grep -o "$2=[0-9.]*" "$work/$1.out" | cut -d= -f2; }
failures() {
  local f
  f=$(grep -o 'non2xx=[0-9]*\|connect=[0-9]*\|read=[0-9]*\|write=[0-9]*\|timeout=[0-9]*' "$work/$1.out" |
    cut -d= -f2 | paste -sd+ | bc)
  echo "${f:-?}"
}
lb=http://127.0.0.1:$lb_port
echo "3 replicas (release, $workers workers each) behind HAProxy $(haproxy -v | head -1 | cut -d' ' -f3);" \
  "wrk -t$threads -c$connections, ${phase} s per phase, on $(nproc) cores shared with everything else"

load "http://127.0.0.1:${ports[1]}" alone; wait "$wrk_pid"
load "$lb" balanced; wait "$wrk_pid"

# (a) a new revision published under load.
digests() {
  for i in 1 2 3; do
    curl -s "http://127.0.0.1:${ports[$i]}/v1/policies" | python3 -c 'import json, sys; print(json.load(sys.stdin)["set_digest"])'
  done
}
old=$(digests | sort -u)
[ "$(echo "$old" | wc -l)" = 1 ] || { echo "the replicas do not serve one set: $old" >&2; exit 1; }
load "$lb" swap
sleep "$(echo "$phase / 3" | bc -l)"
# One poller asks each replica for its set digest every 20 ms and notes the time (epoch) at
# which each first serves another set; started before the swap, so its own start is not counted.
python3 - "$old" "${ports[1]}" "${ports[2]}" "${ports[3]}" >"$work/served" <<'PY' &
import json, sys, time, urllib.request
old, ports = sys.argv[1], sys.argv[2:]
start = time.time()
left, served = set(ports), {}
while left and time.time() - start < 15:
    for port in sorted(left):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/policies", timeout=5) as r:
            if json.load(r)["set_digest"] != old:
                served[port] = time.time()
                left.discard(port)
    time.sleep(0.02)
print(" ".join(f"{served[p]:.3f}" if p in served else "never" for p in ports))
PY
poller=$!
sleep 0.5
published=$(date +%s.%N)
publish 10_00_00.000000002 2027-04-23
wait "$poller"
served=""
for t in $(cat "$work/served"); do
  [ "$t" = never ] && { echo "a replica still serves the old set 10 s after the swap" >&2; exit 1; }
  served="$served $(printf '%.2f' "$(echo "$t - $published" | bc)")"
done
new=$(digests | sort -u)
wait "$wrk_pid"
swap_all=$(echo "$served" | tr ' ' '\n' | sort -n | tail -1)

# (b) a rolling restart of one replica: SIGTERM under load, then started again.
c_term=$(counters)
load "$lb" term
sleep "$(echo "$phase / 3" | bc -l)"
term_at=$(date +%s.%N)
kill -TERM "${pids[1]}"
wait "${pids[1]}" 2>/dev/null || true
term_exit=$(printf '%.2f' "$(echo "$(date +%s.%N) - $term_at" | bc)")
start_replica 1
until [ "$(server_status r1)" = UP ]; do sleep 0.1; done
back_in=$(printf '%.2f' "$(echo "$(date +%s.%N) - $term_at" | bc)")
wait "$wrk_pid"
c_term=$(since "$c_term")

# (c) one replica killed under load.
c_kill=$(counters)
load "$lb" kill
sleep "$(echo "$phase / 3" | bc -l)"
kill_at=$(date +%s.%N)
kill -KILL "${pids[2]}"
wait "${pids[2]}" 2>/dev/null || true
pids[2]=""
until [ "$(server_status r2)" != UP ]; do sleep 0.02; done
out_after=$(printf '%.2f' "$(echo "$(date +%s.%N) - $kill_at" | bc)")
out_status=$(server_status r2)
wait "$wrk_pid"
c_kill=$(since "$c_kill")

row() {
  printf '%-34s %12s %9s %9s %9s\n' "$1" "$(field "$2" rps)" "$(field "$2" p99)" "$(field "$2" requests)" "$(failures "$2")"
}
echo
printf '%-34s %12s %9s %9s %9s\n' "phase" "decisions/s" "p99 ms" "requests" "failed"
row "one replica alone" alone
row "three behind HAProxy" balanced
row "(a) revision swapped under load" swap
row "(b) SIGTERM + restart of one" term
row "(c) SIGKILL of one" kill
echo
ratio=$(echo "scale=2; $(field balanced rps) / $(field alone rps)" | bc)
echo "throughput through the balancer / one replica alone: $ratio"
echo "(a) new set digest served by each replica after the swap (s):$served; by all three within 2 s: $([ "$(echo "$swap_all <= 2" | bc)" = 1 ] && echo yes || echo NO)"
echo "    set digest ${old:0:12}… → ${new:0:12}… ($(echo "$new" | wc -l) digest served after)"
echo "(b) the replica SIGTERMed exited after ${term_exit} s; started again and back in rotation after ${back_in} s"
echo "    HAProxy meanwhile (connection errors, response errors, retries, redispatches): $c_term"
echo "(c) HAProxy marked the replica killed $out_status after ${out_after} s"
echo "    HAProxy meanwhile (connection errors, response errors, retries, redispatches): $c_kill"
echo "    (failed = non-2xx answers + wrk's socket errors; HAProxy retries a decision whose"
echo "    connection failed or closed unanswered on another replica: .ci/deploy/haproxy.cfg)"
