# Sourced by the CI scripts: starts target/debug/clausier serving a folder on a port of the
# loopback that the service binds itself (`--addr 127.0.0.1:0`: no port is drawn then given
# back, so no other process can take it in between), reads the port from its `listening` log
# line, and fails unless it answers /readyz. Sets `port` and `server` (its pid). The service
# keeps its data (decision records, receipt key) in "$work/data" and its log in
# "$work/service.log"; `service_log_warnings` prints that log's warnings and errors.
#
#   start_service FOLDER [VAR=value …]
start_service() {
  local folder=$1
  shift
  local log="$work/service.log"
  : >"$log"
  env RUST_LOG=info "$@" target/debug/clausier serve --policies "$folder" \
    --addr 127.0.0.1:0 --workers 2 --data-dir "$work/data" 2>"$log" &
  server=$!
  port=
  for _ in $(seq 300); do
    if [ -z "$port" ]; then
      port=$(sed -n 's/.*listening addr=127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$log" | head -n 1)
    fi
    if [ -n "$port" ] && curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; then
      return 0
    fi
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
  done
  echo "the service did not come up (folder $folder); the end of its log, requests left out:" >&2
  grep -v ' request request_id=' "$log" | tail -n 40 >&2
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  return 1
}

# The warnings and errors the service logged (its log is kept in a file: a line per request at
# the level `info` would drown the job's output).
service_log_warnings() {
  grep -E ' (WARN|ERROR) |panicked' "$work/service.log" >&2 || true
}
