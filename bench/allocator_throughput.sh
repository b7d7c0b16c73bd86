#!/usr/bin/env bash
# Throughput with overload.allocator_arenas 0 (glibc's default) and 2, alternated ROUNDS times in
# one run: /health and /api/agents?limit=100 (200 agents) at 150 connections, wrk -t2 -d6s.
# Usage: bash bench/allocator_throughput.sh   (ROUNDS=2; needs the Release daemon and wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-2}
D=build/release/controlcenterd
[ -x "$D" ] || { echo "build it first: cmake --preset release && cmake --build --preset release --target controlcenterd" >&2; exit 1; }
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }
json() { python3 -c "import json,sys;print(json.load(sys.stdin)$1)"; }
pid= dir=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; [ -n "$dir" ] && rm -rf "$dir"; true; }
trap cleanup EXIT
blob=$(printf 'v%.0s' $(seq 1 200))
for round in $(seq 1 "$ROUNDS"); do
  for arenas in 0 2; do
    dir=$(mktemp -d /tmp/cc-arenas-XXXXXX)
    CONTROLCENTER_ADMIN_PASSWORD=bench-password-123 "$D" --config etc/controlcenterd.properties \
      -D daemon.state_dir="$dir" -D http.port=0 -D admin.port=0 -D log.access=off \
      -D ratelimit.enabled=false -D http.max_connections_per_client=0 \
      -D overload.allocator_arenas="$arenas" >"$dir/log" 2>&1 &
    pid=$!
    for _ in $(seq 1 500); do [ -s "$dir/listeners.json" ] && break; sleep 0.02; done
    H=$(json "['http']" <"$dir/listeners.json")
    A=$(json "['admin']" <"$dir/listeners.json")
    TOK=$(curl -s -X POST -H "Authorization: Bearer $(cat "$dir/admin.token")" \
      -H 'Content-Type: application/json' -d '{"role":"admin","ttl_s":3600}' \
      "http://$A/admin/tokens" | json "['token']")
    for i in $(seq 1 200); do
      curl -s -o /dev/null -X POST -H "Authorization: Bearer $TOK" -H 'Content-Type: application/json' \
        -d "{\"name\":\"a$i\",\"level\":\"L1\",\"role\":\"r\",\"metadata\":{\"k\":\"$blob\"}}" "http://$H/api/agents"
    done
    h=$(wrk -t2 -c150 -d6s "http://$H/health" | awk '/Requests\/sec/{print $2}')
    a=$(wrk -t2 -c150 -d6s -H "Authorization: Bearer $TOK" "http://$H/api/agents?limit=100" |
      awk '/Requests\/sec/{print $2}')
    echo "round $round arenas=$arenas health=$h agents_limit100=$a rss_kb=$(awk '/VmRSS/{print $2}' "/proc/$pid/status")"
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
    rm -rf "$dir"; dir=
  done
done
