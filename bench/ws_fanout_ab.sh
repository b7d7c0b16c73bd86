#!/usr/bin/env bash
# WebSocket fan-out of two builds, interleaved A B A B, with the daemon's threads idle and
# during the run: bench/ws_fanout_ab.sh A_ROOT B_ROOT (each a checkout with
# build/release/controlcenterd and etc/); run it under the bench lock. Stops what it starts.
set -euo pipefail
WORK=$(mktemp -d /tmp/cc-wsab-XXXXXX)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; sleep 0.5; [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null; rm -rf "$WORK"; true; }
trap cleanup EXIT
threads() { awk '/^Threads:/{print $2}' "/proc/$1/status"; }
BENCH=$2/bench/ws_fanout.py
run() { # name root
  local dir=$WORK/$1-$RANDOM; mkdir -p "$dir"
  CONTROLCENTER_ADMIN_PASSWORD=bench-password-123 "$2/build/release/controlcenterd" \
    --config "$2/etc/controlcenterd.properties" -D daemon.state_dir="$dir" -D http.port=0 \
    -D admin.port=0 -D log.access=off -D ratelimit.enabled=false \
    -D ws.max_connections_per_client=2000 -D http.max_connections_per_client=2000 >"$dir/daemon.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 1500); do [ -s "$dir/listeners.json" ] && break; sleep 0.01; done
  local H; H=$(python3 -c "import json;print(json.load(open('$dir/listeners.json'))['http'])")
  curl -s "http://$H/health" >/dev/null
  local idle; idle=$(threads "$PID")
  python3 "$BENCH" "$H" --clients 1000 --seconds 8 >"$dir/ws.json" &
  local W=$!
  sleep 9
  local busy; busy=$(threads "$PID")
  wait $W
  echo "$1 idle_threads=$idle threads_during=$busy $(cat "$dir/ws.json")"
  kill "$PID"; wait "$PID" 2>/dev/null || true; PID=
}
run A "$1"; run B "$2"; run A "$1"; run B "$2"
