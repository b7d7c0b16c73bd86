#!/usr/bin/env bash
# Bulk import and export through controlcenterctl against a fresh Release daemon on loopback:
#   bench/import_export.sh [AGENTS]   (default 1000000; needs build/release, see docs/benchmarks.md)
# Prints the wall time of each step and the rates; leaves nothing behind.
set -euo pipefail

agents=${1:-1000000}
root=$(cd "$(dirname "$0")/.." && pwd)
daemon="$root/build/release/controlcenterd"
ctl="$root/build/release/controlcenterctl"
[[ -x $daemon && -x $ctl ]] || {
  echo "build the release preset first: cmake --preset release && cmake --build --preset release --target controlcenterd controlcenterctl" >&2
  exit 1
}

work=$(mktemp -d)
pid=""
cleanup() {
  if [[ -n $pid ]]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# Realistic rows: every level and status, a third in one of 100 projects, a quarter with
# metadata, a fifth with a heartbeat, ids of their own (as an export from elsewhere has).
python3 - "$agents" "$work" <<'EOF'
import sys
n, work = int(sys.argv[1]), sys.argv[2]
levels, statuses = ["L1", "L2", "L3"], ["idle", "active", "busy", "offline"]
with open(f"{work}/projects.ndjson", "w") as out:
    for p in range(1, 101):
        out.write(f'{{"id":{p},"name":"project-{p}","description":"bench","status":"active",'
                  f'"path":"/srv/p{p}","created_at":"2024-01-01T00:00:00.000Z",'
                  f'"updated_at":"2024-01-01T00:00:00.000Z"}}\n')
with open(f"{work}/agents.ndjson", "w") as out:
    for i in range(1, n + 1):
        line = (f'{{"id":{i},"name":"agent-{i:07d}","level":"{levels[i % 3]}",'
                f'"role":"role-{i % 17}","status":"{statuses[i % 4]}"')
        if i % 3 == 0:
            line += f',"project_id":{1 + i % 100}'
        if i % 4 == 0:
            line += f',"metadata":{{"rack":"r{i % 40}","zone":"eu-{i % 3}"}}'
        if i % 5 == 0:
            line += ',"last_heartbeat":"2024-06-01T10:00:00.000Z"'
        line += ',"created_at":"2023-05-01T12:00:00.000Z","updated_at":"2024-02-01T08:30:00.000Z"}\n'
        out.write(line)
EOF

CONTROLCENTER_ADMIN_PASSWORD=bench-password-1 "$daemon" -D daemon.state_dir="$work/state" \
  -D http.port=0 -D admin.port=0 -D log.access=false >"$work/daemon.log" 2>&1 &
pid=$!
for _ in $(seq 100); do [[ -s $work/state/listeners.json ]] && break; sleep 0.1; done
echo "daemon.state_dir = $work/state" >"$work/ctl.properties"
run() { "$ctl" --config "$work/ctl.properties" "$@"; }

echo "rows: $agents agents ($(du -h "$work/agents.ndjson" | cut -f1)), 100 projects; $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
run import projects "$work/projects.ndjson" >/dev/null
start=$(date +%s.%N)
run import agents "$work/agents.ndjson"
mid=$(date +%s.%N)
run export agents -f "$work/export.ndjson"
end=$(date +%s.%N)
# What went in is what came out.
exported=$(wc -l <"$work/export.ndjson")
bytes=$(stat -c %s "$work/export.ndjson")
echo "import: $(python3 -c "print(f'{$mid - $start:.1f} s, {$agents / ($mid - $start):,.0f} rows/s')")"
echo "export: $(python3 -c "print(f'{$end - $mid:.1f} s, {$agents / ($end - $mid):,.0f} rows/s, {$bytes / ($end - $mid) / 2**20:.1f} MiB/s')") ($exported lines)"
echo "daemon peak RSS: $(grep VmHWM /proc/$pid/status | awk '{print $2, $3}'); load after: $(cut -d' ' -f1-3 /proc/loadavg)"
[[ $exported -eq $agents ]] || { echo "export has $exported lines, not $agents" >&2; exit 1; }
