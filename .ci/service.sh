# Sourced by the CI scripts: starts target/debug/clausier serving a folder on a free loopback
# port, and fails unless it answers /readyz. A port is drawn, then bound by the service: another
# process may take it in between, so a service that exits at once is started again on another
# port (three tries). Sets `port` and `server` (its pid). The service keeps its data (decision
# records, receipt key) in "$work/data".
#
#   start_service FOLDER [VAR=value …]
start_service() {
  local folder=$1
  shift
  for _ in 1 2 3; do
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    env RUST_LOG=warn "$@" target/debug/clausier serve --policies "$folder" \
      --addr "127.0.0.1:$port" --workers 2 --data-dir "$work/data" &
    server=$!
    for _ in $(seq 100); do
      curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && return 0
      kill -0 "$server" 2>/dev/null || break
      sleep 0.1
    done
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  done
  echo "the service did not come up (folder $folder)" >&2
  return 1
}
