#!/usr/bin/env bash
# Reproduces every performance figure in docs/benchmarks.md, side by side with the peers, on
# loopback: bash bench/run.sh   (RUNS=3 DUR=8 by default; results in bench/results/).
# Needs root for apt-get the first time. Everything it starts, it stops (by PID) on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${RUNS:-3}
DUR=${DUR:-8}
OUT=$ROOT/bench/results
mkdir -p "$OUT"
RAW=$OUT/raw.jsonl
: >"$RAW"

# Glances only recommends python3-bottle, but its REST API (-w) cannot start without it.
CC_BOOTSTRAP_EXTRA="wrk nginx-light prometheus-node-exporter glances python3-bottle python3" \
  scripts/bootstrap
cmake --preset release >/dev/null
cmake --build --preset release --target controlcenterd controlcenterctl
D=$ROOT/build/release/controlcenterd
CTL=$ROOT/build/release/controlcenterctl

WORK=$(mktemp -d /tmp/cc-bench-XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  sleep 0.5
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
json() { python3 -c "import json,sys;print(json.load(sys.stdin)$1)"; }
record() { # name target conns json...
  python3 -c 'import json,sys; d=json.loads(sys.argv[4]); d.update(bench=sys.argv[1],target=sys.argv[2],conns=int(sys.argv[3])); print(json.dumps(d))' "$@" >>"$RAW"
}

DAEMON_PID=
start_daemon() { # state-dir-name extra -D args...
  local dir=$WORK/$1; shift
  mkdir -p "$dir"
  # /metrics is scraped on the public listener, as a remote Prometheus would, with its key.
  METRICS_KEY=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
  (umask 077; echo "$METRICS_KEY" >"$dir/metrics.key")
  local t0; t0=$(date +%s%N)
  CONTROLCENTER_ADMIN_PASSWORD=bench-password-123 "$D" --config etc/controlcenterd.properties \
    -D daemon.state_dir="$dir" -D http.port=0 -D admin.port=0 -D log.access=off \
    -D metrics.public=true -D metrics.public_key_file="$dir/metrics.key" "$@" \
    >"$dir/daemon.log" 2>&1 &
  DAEMON_PID=$!
  PIDS+=("$DAEMON_PID")
  for _ in $(seq 1 1500); do [ -s "$dir/listeners.json" ] && break; sleep 0.01; done
  [ -s "$dir/listeners.json" ] || { echo "controlcenterd did not start:" >&2; cat "$dir/daemon.log" >&2; exit 1; }
  READY_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
  H=$(json "['http']" <"$dir/listeners.json")
  A=$(json "['admin']" <"$dir/listeners.json")
  TOKEN_FILE=$dir/admin.token
  VIEWER=$(curl -s -X POST -H "Authorization: Bearer $(cat "$TOKEN_FILE")" \
    -H 'Content-Type: application/json' -d '{"role":"viewer","ttl_s":3600}' "http://$A/admin/tokens" | json "['token']")
  CTLARGS=(--url "http://$H" --admin "http://$A" --token-file "$TOKEN_FILE")
}
stop_daemon() { kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null || true; }

wrk_median() { # name target conns url [header]
  local name=$1 target=$2 conns=$3 url=$4; shift 4
  local i line
  for i in $(seq 1 "$RUNS"); do
    line=$(wrk -t2 -c"$conns" -d"${DUR}s" --timeout 5s -s bench/report.lua "$@" "$url" | tail -n1)
    record "$name" "$target" "$conns" "$line"
  done
}
rss_kb() { awk '/VmRSS/{print $2}' "/proc/$1/status"; }
threads() { awk '/Threads/{print $2}' "/proc/$1/status"; }
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }

echo "== peers"
NGINX_PORT=$(free_port)
cat >"$WORK/nginx.conf" <<NGINX
worker_processes 2;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  server { listen 127.0.0.1:$NGINX_PORT; location / { return 200 "ok\n"; } }
}
NGINX
nginx -c "$WORK/nginx.conf" -g 'daemon off;' & PIDS+=($!)
NODE_PORT=$(free_port)
prometheus-node-exporter --web.listen-address=127.0.0.1:$NODE_PORT >/dev/null 2>&1 & PIDS+=($!)
GLANCES_PORT=$(free_port)
glances -w --disable-webui -B 127.0.0.1 -p "$GLANCES_PORT" >"$WORK/glances.log" 2>&1 & PIDS+=($!)
for peer in "nginx 127.0.0.1:$NGINX_PORT/" "node_exporter 127.0.0.1:$NODE_PORT/metrics" \
  "glances 127.0.0.1:$GLANCES_PORT/api/3/now"; do
  read -r pname paddr <<<"$peer"
  for _ in $(seq 1 100); do curl -sf -o /dev/null "http://$paddr" && break; sleep 0.1; done
  curl -sf -o /dev/null "http://$paddr" ||
    { echo "bench: $pname did not start on $paddr" >&2; cat "$WORK/glances.log" >&2; exit 1; }
done

echo "== controlcenterd without rate limits (throughput)"
start_daemon plain -D ratelimit.enabled=false -D ws.max_connections_per_client=2000 \
  -D http.max_connections_per_client=2000
echo "{\"bench\":\"ready\",\"target\":\"controlcenterd\",\"conns\":0,\"ready_ms\":$READY_MS}" >>"$RAW"
sleep 2
T0=$(cpu_ticks "$DAEMON_PID"); sleep 10; T1=$(cpu_ticks "$DAEMON_PID")
echo "{\"bench\":\"idle\",\"target\":\"controlcenterd\",\"conns\":0,\"cpu_pct_of_core\":$(( (T1 - T0) * 100 / 10 / $(getconf CLK_TCK) )).$(( ((T1 - T0) * 1000 / 10 / $(getconf CLK_TCK)) % 10 )),\"rss_kb\":$(rss_kb "$DAEMON_PID"),\"threads\":$(threads "$DAEMON_PID")}" >>"$RAW"

for c in 10 150; do
  wrk_median health controlcenterd "$c" "http://$H/health"
  wrk_median health nginx "$c" "http://127.0.0.1:$NGINX_PORT/"
done
echo "{\"bench\":\"loaded\",\"target\":\"controlcenterd\",\"conns\":150,\"rss_kb\":$(rss_kb "$DAEMON_PID"),\"threads\":$(threads "$DAEMON_PID")}" >>"$RAW"

AUTH=(-H "Authorization: Bearer $VIEWER")
for ep in processes network stats; do
  wrk_median "system-$ep" controlcenterd 100 "http://$H/api/system/$ep" "${AUTH[@]}"
done
wrk_median system-processes glances 100 "http://127.0.0.1:$GLANCES_PORT/api/3/processlist"
wrk_median system-network glances 100 "http://127.0.0.1:$GLANCES_PORT/api/3/network"
wrk_median system-metrics node_exporter 100 "http://127.0.0.1:$NODE_PORT/metrics"
wrk_median metrics controlcenterd 100 "http://$H/metrics" -H "Authorization: Bearer $METRICS_KEY"
wrk_median token-validate controlcenterd 100 "http://$H/api/auth/validate" "${AUTH[@]}"

echo "== store: 150 keep-alive clients mixing reads and writes"
total() { python3 -c 'import json,sys;print(json.dumps(json.load(sys.stdin)["total"]))'; }
for i in $(seq 1 "$RUNS"); do
  record store-mixed controlcenterd 150 \
    "$("$CTL" "${CTLARGS[@]}" -o json loadtest --scenario mixed --users 150 --duration "$DUR" | total)"
done

echo "== WebSocket fan-out"
python3 bench/ws_fanout.py "$H" --clients 1000 --seconds 10 >"$WORK/ws.json" &
WSP=$!
sleep 8
WS_THREADS=$(threads "$DAEMON_PID")
wait $WSP
python3 - "$WORK/ws.json" "$WS_THREADS" >>"$RAW" <<'PY'
import json,sys; d=json.load(open(sys.argv[1])); d.update(bench="ws-fanout",target="controlcenterd",conns=d["clients"],threads=int(sys.argv[2])); print(json.dumps(d))
PY

echo "== 1,000 idle keep-alive clients"
python3 bench/idle_keepalive.py "$H" "$DAEMON_PID" --clients 1000 --admin "$A" \
  --token-file "$TOKEN_FILE" >"$WORK/idle.json"
python3 - "$WORK/idle.json" >>"$RAW" <<'PY'
import json,sys; d=json.load(open(sys.argv[1])); d.update(bench="idle-keepalive",target="controlcenterd",conns=d["clients"]); print(json.dumps(d))
PY

echo "== the replaced system's scenarios, limits off"
scenario() { # label args...
  local label=$1; shift
  for i in $(seq 1 "$RUNS"); do
    record "scenario-$label" controlcenterd 0 "$("$CTL" "${CTLARGS[@]}" -o json loadtest "$@" | total)"
  done
}
scenario rapid-fire-off --scenario rapid-fire --users 100 --requests 2500
scenario sustained-off --scenario sustained --users 50 --duration "$DUR"
scenario mixed-off --scenario mixed --users 50 --duration "$DUR"
stop_daemon

echo "== the same with the shipped rate limits on"
start_daemon limited
scenario rapid-fire-on --scenario rapid-fire --users 100 --requests 2500
scenario sustained-on --scenario sustained --users 50 --duration "$DUR"
scenario mixed-on --scenario mixed --users 50 --duration "$DUR"
stop_daemon

echo "== cost of a rejection (every request over the limit) vs serving it"
start_daemon reject -D ratelimit.rule.api.rate=1/h -D ratelimit.rule.api.burst=1
wrk_median reject-429 controlcenterd 100 "http://$H/api/system/stats" "${AUTH[@]}"
wrk_median agents-rejected controlcenterd 100 "http://$H/api/agents" "${AUTH[@]}"
stop_daemon
start_daemon served -D ratelimit.enabled=false
wrk_median agents-served controlcenterd 100 "http://$H/api/agents" -H "Authorization: Bearer $VIEWER"
stop_daemon

python3 bench/summarize.py "$RAW" >"$OUT/latest.md"
echo "results: $OUT/latest.md"
