#!/usr/bin/env bash
# Data-scale benchmark (issue 12, item 9): every agent and project read at N agents against the
# same read at 2,000, and at the largest N the replaced system's mix with heartbeats at a target
# rate. One command, on loopback:
#
#   bash bench/data_scale.sh     # SIZES="2000 10000 100000 1000000" DUR=10 RUNS=1 by default
#   SIZES="2000 1000000" LOADS=0 READ_NAMES="agents agents-search" bash bench/data_scale.sh
#                                # two reads at two sizes, without the mix and heartbeats
#
# For each size: a fresh state directory; the daemon starts once to migrate it and stops; the
# sqlite3 CLI seeds 100 projects and N agents in one transaction (bench/data_scale_seed.sql; the
# schema's triggers keep row_counts and the FTS5 tables); the daemon starts on it and
# /api/agents/stats must say N; then wrk (-t2, CONNS=150 connections, DUR seconds, RUNS runs)
# measures each read. At the smallest size, the replaced system's mix (`controlcenterctl
# loadtest --scenario mixed --users 150`) as the baseline; at the largest: the mix, heartbeats
# alone at HB_RATE/s (wrk with bench/random_ids.lua pacing POST /api/agents/{random id}/heartbeat
# over HB_CONNS connections), both at once, and, as a diagnostic, the heartbeats again with
# db.synchronous=normal. Results: bench/results/data_scale.jsonl (one line per measurement) and
# bench/results/data_scale.md (bench/data_scale_summarize.py). Rate limits and the access log are
# off; the store pool is the shipped one (as in run.sh); `uptime` is recorded before each size.
# Needs root for apt-get the first time. Everything it starts, it stops (by PID) on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SIZES=${SIZES:-"2000 10000 100000 1000000"}
DUR=${DUR:-10}
RUNS=${RUNS:-1}
CONNS=${CONNS:-150}
HB_RATE=${HB_RATE:-5000}
# Paced heartbeats need connections enough to keep HB_RATE in flight: a request waits for its
# batch's COMMIT (an fsync, tens of ms on a virtual disk), so 64 connections cap the rate at
# 64 / latency, far below 5,000/s; a real fleet of 100,000 agents has as many connections.
HB_CONNS=${HB_CONNS:-256}
# The measured heartbeats come from a fleet of HB_FLEET agents spread over the table, each once a
# cycle (bench/random_ids.lua CC_FLEET): 100,000 at 5,000/s is the issue's "100,000 agents every
# 20 s". 0: every heartbeat names any of the N agents at random.
HB_FLEET=${HB_FLEET:-100000}
# READS=0 skips the per-read runs (only the seed, and at the largest size the mix and heartbeats).
READS=${READS:-1}
# READ_NAMES="agents agents-search": only the reads so named (the names of the results table);
# every read when empty.
READ_NAMES=${READ_NAMES:-}
# LOADS=0 skips the mix and the heartbeats (the reads alone, at every size).
LOADS=${LOADS:-1}
# HB_STEADY=1 adds, at the largest size, heartbeats from a fleet already active, alone and with
# the mix: one unmeasured cycle (HB_FLEET / HB_RATE s, and a fifth more) wakes the fleet's idle
# and offline agents, then DUR s are measured each time. Each wrk run restarts the fleet's cycle, so without it every
# heartbeat measured is an agent's first since the seed, and a wake-up of an idle or offline one
# (55% of the seed) moves every status index.
HB_STEADY=${HB_STEADY:-0}
# HB_STEADY_ONLY=1 (implies HB_STEADY=1): at the largest size only the mix alone and the fleet
# already active (its wake-up, then alone and with the mix); no heartbeats that are each an
# agent's first, no db.synchronous=normal diagnostic. A quicker A/B of what the target measures.
HB_STEADY_ONLY=${HB_STEADY_ONLY:-0}
[ "$HB_STEADY_ONLY" = 1 ] && HB_STEADY=1
# SCHED=1: while the fleet already active heartbeats with the mix, bench/thread_sched.py samples
# the daemon's threads (CPU and run-queue wait per nice value, the busiest threads), recorded as
# bench=sched.
SCHED=${SCHED:-0}
# DAEMON_ARGS: more -D key=value arguments for every daemon start, to compare a setting's values
# on the same command (DAEMON_ARGS="-D db.writer_cache_mb=64").
DAEMON_ARGS=${DAEMON_ARGS:-}
# SEED_CACHE=DIR keeps each size's seeded database there (n<N>.db) and copies it instead of
# seeding again (the seed takes minutes at 1M on a shared box); delete it when the schema changes.
SEED_CACHE=${SEED_CACHE:-}
# BASE_DAEMON / BASE_CONFIG: a second daemon binary (and its properties file), e.g. one built from
# the commit before a change, run in the same session on the same seeded database after the
# worktree's build (BASE_CONFIG defaults to etc/controlcenterd.properties): an A/B back to back.
BASE_DAEMON=${BASE_DAEMON:-}
BASE_CONFIG=${BASE_CONFIG:-etc/controlcenterd.properties}
OUT=$ROOT/bench/results
mkdir -p "$OUT"
RAW=$OUT/data_scale.jsonl
: >"$RAW"

CC_BOOTSTRAP_EXTRA="wrk sqlite3 python3" scripts/bootstrap
# With DAEMON given, the worktree's build is not touched (it may be rebuilding meanwhile).
if [ -z "${DAEMON:-}" ]; then
  cmake --preset release >/dev/null
  cmake --build --preset release --target controlcenterd controlcenterctl
fi
# DAEMON: another controlcenterd binary to measure instead of the worktree's build (e.g. a copy
# kept while the tree is rebuilt); DAEMON_CONFIG its properties file.
D=${DAEMON:-$ROOT/build/release/controlcenterd}
DCONFIG=${DAEMON_CONFIG:-etc/controlcenterd.properties}
CTL=${CTL:-$ROOT/build/release/controlcenterctl}

WORK=$(mktemp -d /tmp/cc-datascale-XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  sleep 0.5
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
forget_pid() { # drop a PID that has exited, so that cleanup never signals a reused one
  local keep=() p
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && [ "$p" != "$1" ] && keep+=("$p"); done
  PIDS=("${keep[@]:-}")
}

json() { python3 -c "import json,sys;print(json.load(sys.stdin)$1)"; }
record() { # json, then key=value pairs added to it (values JSON when they parse, else strings)
  python3 - "$@" >>"$RAW" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
if not isinstance(d, dict):
    d = {"value": d}
for kv in sys.argv[2:]:
    k, v = kv.split("=", 1)
    try:
        d[k] = json.loads(v)
    except ValueError:
        d[k] = v
print(json.dumps(d))
PY
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }

DAEMON_PID=
start_daemon() { # state dir, extra -D args...
  local dir=$1; shift
  local t0; t0=$(now_ms)
  rm -f "$dir/listeners.json"
  CONTROLCENTER_ADMIN_PASSWORD=bench-password-123 "$D" --config "$DCONFIG" \
    -D daemon.state_dir="$dir" -D http.port=0 -D admin.port=0 -D log.access=off $DAEMON_ARGS "$@" \
    >>"$dir/daemon.log" 2>&1 &
  DAEMON_PID=$!
  PIDS+=("$DAEMON_PID")
  for _ in $(seq 1 6000); do [ -s "$dir/listeners.json" ] && break; sleep 0.01; done
  [ -s "$dir/listeners.json" ] || { echo "controlcenterd did not start:" >&2; cat "$dir/daemon.log" >&2; exit 1; }
  READY_MS=$(($(now_ms) - t0))
  H=$(json "['http']" <"$dir/listeners.json")
  A=$(json "['admin']" <"$dir/listeners.json")
  TOKEN_FILE=$dir/admin.token
}
stop_daemon() {
  kill "$DAEMON_PID"
  wait "$DAEMON_PID" 2>/dev/null || true
  forget_pid "$DAEMON_PID"
  DAEMON_PID=
}
mint() { # role -> token (an hour)
  curl -sf -X POST -H "Authorization: Bearer $(cat "$TOKEN_FILE")" -H 'Content-Type: application/json' \
    -d "{\"role\":\"$1\",\"ttl_s\":3600}" "http://$A/admin/tokens" | json "['token']"
}
rss_kb() { awk '/VmRSS/{print $2}' "/proc/$1/status"; }

# The cursor of the sort-by-id listing positioned after agent K (see domain/cursor.cpp):
# URL-safe base64 without padding of "c1" 0x1f "id" 0x1f "i"K 0x1f K.
id_cursor() {
  python3 -c 'import base64,sys;k=sys.argv[1];print(base64.urlsafe_b64encode(("c1\x1fid\x1fi%s\x1f%s"%(k,k)).encode()).decode().rstrip("="))' "$1"
}

# One GET to see what a read answers: status, items on the page, total and its flag.
probe() { # url -> JSON {status, items, total, total_is_lower_bound, first_id}
  curl -s -o "$WORK/probe.json" -w '%{http_code}' -H "Authorization: Bearer $VIEWER" "http://$H$1" >"$WORK/probe.code"
  python3 - "$WORK/probe.json" "$(cat "$WORK/probe.code")" <<'PY'
import json, sys
out = {"status": int(sys.argv[2])}
try:
    d = json.load(open(sys.argv[1]))
except ValueError:
    d = None
if isinstance(d, dict):
    if isinstance(d.get("items"), list):
        out["items"] = len(d["items"])
        out["first_id"] = d["items"][0]["id"] if d["items"] else None
    for k in ("total", "total_is_lower_bound"):
        if k in d:
            out[k] = d[k]
print(json.dumps(out))
PY
}

wrk_read() { # size name path [wrk args...]: RUNS runs of wrk at CONNS connections
  local size=$1 name=$2 path=$3; shift 3
  local i line p
  if [ -n "$READ_NAMES" ] && [[ " $READ_NAMES " != *" $name "* ]]; then return 0; fi
  p=$(probe "$path")
  for i in $(seq 1 "$RUNS"); do
    line=$(wrk -t2 -c"$CONNS" -d"${DUR}s" --timeout 5s "$@" -H "Authorization: Bearer $VIEWER" \
      "http://$H$path" | tail -n1)
    record "$line" bench=read size="$size" read="$name" path="$path" conns="$CONNS" run="$i" probe="$p"
  done
  echo "  $name: $(python3 -c 'import json,sys;d=json.loads(sys.argv[1]);print("{:,.0f} req/s, p99 {:.1f} ms, non-2xx {}".format(d["rps"], d["p99_ms"], d["non2xx"]))' "$line")"
}

# Heartbeats across ids 1..N with bench/random_ids.lua; rate 0 = unpaced; fleet 0 = random ids.
heartbeats() { # ids rate conns seconds [fleet]
  CC_FLEET=${5:-0} CC_IDS=$1 CC_RATE=$2 CC_THREADS=2 CC_METHOD=POST CC_PATH='/api/agents/{id}/heartbeat' \
    wrk -t2 -c"$3" -d"${4}s" --timeout 5s -s bench/random_ids.lua \
    -H "Authorization: Bearer $ADMIN" "http://$H/" | tail -n1
}

# Heartbeats for DUR+2 s around a DUR-second mix, so that both run for the mix's whole
# duration; both recorded, with the extra fields given (e.g. steady=true).
heartbeats_with_mix() { # ids [field=value ...]
  local n=$1
  shift
  heartbeats "$n" "$HB_RATE" "$HB_CONNS" $((DUR + 2)) "$HB_FLEET" >"$WORK/hb.json" &
  local hbp=$!
  PIDS+=("$hbp")
  sleep 1
  local schedp=
  if [ "$SCHED" = 1 ] && [[ " $* " == *" steady=true "* ]]; then
    python3 bench/thread_sched.py "$DAEMON_PID" "$DUR" >"$WORK/sched.json" &
    schedp=$!
  fi
  local mixed
  mixed=$(mix "$DUR")
  wait "$hbp"
  forget_pid "$hbp"
  if [ -n "$schedp" ]; then
    wait "$schedp"
    record "$(cat "$WORK/sched.json")" bench=sched size="$n" with=mix "$@"
  fi
  record "$mixed" bench=mix size="$n" with=heartbeats target_rate="$HB_RATE" "$@"
  record "$(tail -n1 "$WORK/hb.json")" bench=heartbeats size="$n" target_rate="$HB_RATE" \
    conns="$HB_CONNS" fleet="$HB_FLEET" with=mix "$@"
}

# Between two loads at the largest size: record the store breaker's state, then wait (up to
# 20 s) until the daemon is ready again, so that one phase's open breaker does not fail the next.
settle() { # phase name
  record "$("$CTL" --url "http://$H" --admin "http://$A" --token-file "$TOKEN_FILE" -o json breakers)" \
    bench=breakers size="$N" after="$1"
  for _ in $(seq 1 200); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://$H/health/ready")" = 200 ] && return 0
    sleep 0.1
  done
  echo "data_scale: not ready 20 s after $1" >&2
}

# The daemon's own histogram of the heartbeat route (parsed request to answer, /metrics on the
# admin listener) as JSON {"le": cumulative count}: against wrk's latencies, what is outside.
hb_server_histogram() {
  curl -sf -H "Authorization: Bearer $(cat "$TOKEN_FILE")" "http://$A/metrics" | python3 -c '
import json, re, sys
out = {}
for line in sys.stdin:
    m = re.match(r"controlcenter_http_request_duration_seconds_bucket\{(.*)\} (\S+)", line)
    if m and "/heartbeat" in m.group(1):
        le = re.search(r"le=\"([^\"]+)\"", m.group(1)).group(1)
        out[le] = out.get(le, 0) + float(m.group(2))
print(json.dumps({"buckets": out}))'
}

mix() { # seconds -> the loadtest's JSON (total and per endpoint)
  "$CTL" --url "http://$H" --admin "http://$A" --token-file "$TOKEN_FILE" -o json \
    loadtest --scenario mixed --users 150 --duration "$1"
}

NPROC=$(nproc)
MODEL=$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)
record "{}" bench=machine nproc="$NPROC" model="$MODEL" kernel="$(uname -r)" \
  sizes="$SIZES" dur_s="$DUR" runs="$RUNS" conns="$CONNS" hb_rate="$HB_RATE" daemon_args="$DAEMON_ARGS" \
  sqlite="$(sqlite3 --version | cut -d' ' -f1)" date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"

LARGEST=0
SMALLEST=
for N in $SIZES; do
  [ "$N" -gt "$LARGEST" ] && LARGEST=$N
  { [ -z "$SMALLEST" ] || [ "$N" -lt "$SMALLEST" ]; } && SMALLEST=$N
done

run_sizes() {
for N in $SIZES; do
  echo "== $N agents ($D)"
  record "{}" bench=host size="$N" uptime="$(uptime)" loadavg="$(cut -d' ' -f1-3 /proc/loadavg)"
  DIR=$WORK/n$N
  mkdir -p "$DIR"
  t0=$(now_ms)
  if [ -n "$SEED_CACHE" ] && [ -s "$SEED_CACHE/n$N.db" ]; then
    echo "  seeded database from $SEED_CACHE/n$N.db"
    cp "$SEED_CACHE/n$N.db" "$DIR/controlcenter.db"
  else
    start_daemon "$DIR"   # migrates the new database
    stop_daemon
    echo "  seeding"
    sqlite3 -bail "$DIR/controlcenter.db" -cmd ".parameter set @n $N" <bench/data_scale_seed.sql
    if [ -n "$SEED_CACHE" ]; then mkdir -p "$SEED_CACHE" && cp "$DIR/controlcenter.db" "$SEED_CACHE/n$N.db"; fi
  fi
  SEED_MS=$(($(now_ms) - t0))
  DB_BYTES=$(stat -c %s "$DIR/controlcenter.db")
  echo "  seeded in $((SEED_MS / 1000)).$(((SEED_MS % 1000) / 100)) s, $((DB_BYTES / 1048576)) MiB"

  start_daemon "$DIR" -D ratelimit.enabled=false -D http.max_connections_per_client=2000
  VIEWER=$(mint viewer)
  ADMIN=$(mint admin)
  STATS_TOTAL=$(curl -sf -H "Authorization: Bearer $VIEWER" "http://$H/api/agents/stats" | json "['total']")
  PROJECTS_TOTAL=$(curl -sf -H "Authorization: Bearer $VIEWER" "http://$H/api/projects" | json "['total']")
  record "{}" bench=seed size="$N" seed_ms="$SEED_MS" db_bytes="$DB_BYTES" ready_ms="$READY_MS" \
    stats_total="$STATS_TOTAL" projects_total="$PROJECTS_TOTAL"
  if [ "$STATS_TOTAL" != "$N" ] || [ "$PROJECTS_TOTAL" != 100 ]; then
    echo "data_scale: /api/agents/stats total $STATS_TOTAL (want $N), projects $PROJECTS_TOTAL (want 100)" >&2
    exit 1
  fi

  # The cursor format this bench builds must be the one the daemon issues.
  ISSUED=$(curl -sf -H "Authorization: Bearer $VIEWER" "http://$H/api/agents?limit=1" | json "['next_cursor']")
  [ "$ISSUED" = "$(id_cursor 1)" ] ||
    { echo "data_scale: the daemon's cursor $ISSUED is not the one built here ($(id_cursor 1))" >&2; exit 1; }
  DEEP=$((N - 100))

  if [ "$READS" = 1 ]; then
    wrk_read "$N" agents /api/agents -s bench/report.lua
    wrk_read "$N" agents-by-heartbeat '/api/agents?sort=-last_heartbeat' -s bench/report.lua
    wrk_read "$N" agents-busy '/api/agents?status=busy' -s bench/report.lua
    wrk_read "$N" agents-busy-by-name '/api/agents?status=busy&sort=name' -s bench/report.lua
    wrk_read "$N" agents-l2-tester '/api/agents?level=L2&role=tester' -s bench/report.lua
    wrk_read "$N" agents-search '/api/agents?q=0042' -s bench/report.lua
    # One region of six: a full page at every size, and a count that reaches its cap (1,000).
    wrk_read "$N" agents-search-wide '/api/agents?q=-eu' -s bench/report.lua
    # A different four digits each request (0001..9999), so that the count a search keeps while
    # the index is unchanged is rarely there: what a search asked for the first time costs.
    CC_IDS=9999 CC_ID_FORMAT=%04d CC_PATH='/api/agents?q={id}' wrk_read "$N" agents-search-cold \
      '/api/agents?q=4217' -s bench/random_ids.lua
    wrk_read "$N" agents-deep-cursor "/api/agents?cursor=$(id_cursor "$DEEP")" -s bench/report.lua
    # The active window (60 s) is relative to now and the seed is minutes old by here: the agents
    # heartbeat first, through the API, for 2 s at random ids (a few thousand at 1M).
    if [ -z "$READ_NAMES" ] || [[ " $READ_NAMES " == *" agents-active "* ]]; then
      WARM=$(heartbeats "$N" 0 16 2)
      record "$WARM" bench=warm-heartbeats size="$N"
    fi
    wrk_read "$N" agents-active /api/agents/active -s bench/report.lua
    wrk_read "$N" agents-stats /api/agents/stats -s bench/report.lua
    # The probe reads one fixed agent; the runs read random ones.
    CC_IDS=$N CC_PATH='/api/agents/{id}' wrk_read "$N" agent-by-id "/api/agents/$((N / 2))" \
      -s bench/random_ids.lua
    wrk_read "$N" projects /api/projects -s bench/report.lua
    wrk_read "$N" projects-search '/api/projects?q=ori' -s bench/report.lua
  fi
  record "{}" bench=footprint size="$N" rss_kb="$(rss_kb "$DAEMON_PID")"

  if [ "$LOADS" = 1 ] && [ "$N" = "$SMALLEST" ] && [ "$N" != "$LARGEST" ]; then
    # The same mix at the baseline: what the largest size's figures compare with.
    record "$(mix "$DUR")" bench=mix size="$N" with=none
    echo "  mix alone done"
  fi
  if [ "$LOADS" = 1 ] && [ "$N" = "$LARGEST" ]; then
    echo "== $N agents: the mix, heartbeats at $HB_RATE/s, and both"
    record "$(mix "$DUR")" bench=mix size="$N" with=none
    echo "  mix alone done"
    settle mix
    if [ "$HB_STEADY_ONLY" != 1 ]; then
      record "$(heartbeats "$N" "$HB_RATE" "$HB_CONNS" "$DUR" "$HB_FLEET")" bench=heartbeats \
        size="$N" target_rate="$HB_RATE" conns="$HB_CONNS" fleet="$HB_FLEET" with=none
      echo "  heartbeats alone done"
      settle heartbeats
      heartbeats_with_mix "$N"
      echo "  both done"
      settle both
    fi
    if [ "$HB_STEADY" = 1 ]; then
      heartbeats "$N" "$HB_RATE" "$HB_CONNS" $((HB_FLEET * 6 / 5 / HB_RATE + 1)) "$HB_FLEET" >/dev/null
      settle wake
      record "$(heartbeats "$N" "$HB_RATE" "$HB_CONNS" "$DUR" "$HB_FLEET")" bench=heartbeats \
        size="$N" target_rate="$HB_RATE" conns="$HB_CONNS" fleet="$HB_FLEET" with=none steady=true
      echo "  heartbeats alone from a fleet already active done"
      settle steady
      record "$(curl -sf -H "Authorization: Bearer $(cat "$TOKEN_FILE")" "http://$A/admin/pool")" \
        bench=pool size="$N" after=steady
      record "$(hb_server_histogram)" bench=server-heartbeats size="$N" after=steady
      # The same fleet, still active, with the mix: what issue 12's target describes (100,000
      # agents heartbeating every 20 s while operators and dashboards use the API).
      heartbeats_with_mix "$N" steady=true
      echo "  heartbeats from a fleet already active, with the mix, done"
      settle steady-mix
      # The store's pool, writer and checkpoints before and after (what the steady mix cost:
      # backstops, catch-ups, batches, reads).
      record "$(curl -sf -H "Authorization: Bearer $(cat "$TOKEN_FILE")" "http://$A/admin/pool")" \
        bench=pool size="$N" after=steady-mix
      record "$(hb_server_histogram)" bench=server-heartbeats size="$N" after=steady-mix
    fi
    STATS_AFTER=$(curl -sf -H "Authorization: Bearer $VIEWER" "http://$H/api/agents/stats" | json "['total']")
    record "{}" bench=after size="$N" stats_total="$STATS_AFTER" rss_kb="$(rss_kb "$DAEMON_PID")"
    if [ "$HB_STEADY_ONLY" = 1 ]; then
      stop_daemon
      rm -rf "$DIR"
      continue
    fi
    # Diagnostic, not the shipped configuration: the same heartbeats when a commit does not
    # wait for fsync (db.synchronous=normal), to tell the disk's part from the rest.
    stop_daemon
    start_daemon "$DIR" -D ratelimit.enabled=false -D http.max_connections_per_client=2000 \
      -D db.synchronous=normal
    ADMIN=$(mint admin)
    record "$(heartbeats "$N" "$HB_RATE" "$HB_CONNS" "$DUR" "$HB_FLEET")" bench=heartbeats size="$N" \
      target_rate="$HB_RATE" conns="$HB_CONNS" fleet="$HB_FLEET" with=none synchronous=normal
    echo "  heartbeats alone with db.synchronous=normal done"
  fi
  stop_daemon
  rm -rf "$DIR"
done
}
run_sizes

# A bulk import through the API is being built elsewhere; time it here once the ctl has it.
if "$CTL" --help 2>&1 | grep -qE '^  import '; then
  record "{}" bench=import measured=false \
    why="controlcenterctl has an import verb, but this bench does not drive it yet"
else
  record "{}" bench=import measured=false why="no import verb in this controlcenterctl build"
fi

python3 bench/data_scale_summarize.py "$RAW" | tee "$OUT/data_scale.md"
echo "results: $OUT/data_scale.md, $RAW"
if [ -n "$BASE_DAEMON" ]; then
  D=$BASE_DAEMON
  DCONFIG=$BASE_CONFIG
  RAW=$OUT/data_scale_base.jsonl
  : >"$RAW"
  record "{}" bench=machine nproc="$NPROC" model="$MODEL" kernel="$(uname -r)" daemon="$D" \
    sizes="$SIZES" dur_s="$DUR" runs="$RUNS" conns="$CONNS" hb_rate="$HB_RATE" daemon_args="$DAEMON_ARGS" \
    date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  run_sizes
  python3 bench/data_scale_summarize.py "$RAW" | tee "$OUT/data_scale_base.md"
  echo "results of $BASE_DAEMON: $OUT/data_scale_base.md, $RAW"
fi
