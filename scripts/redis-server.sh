#!/usr/bin/env bash
# A throw-away Redis for the tests: `start DIR` prints the variables to export, `stop DIR` stops
# it by its PID and removes DIR.
#
#   eval "$(scripts/redis-server.sh start /tmp/cc-redis.XXXX)"   # sets CC_TEST_REDIS_URL and friends
#   scripts/redis-server.sh stop /tmp/cc-redis.XXXX
#
# The server lives wholly inside DIR (config, pidfile, Unix socket, log), listens on 127.0.0.1
# only, on a port that was free, and on DIR/redis.sock. It requires a password (DIR/password,
# mode 0600), so AUTH is exercised on every connection; nothing is persisted (--save "",
# --appendonly no): the server never outlives the run.
set -euo pipefail

# shellcheck source=lib/throwaway_server.sh
. "$(dirname "$0")/lib/throwaway_server.sh"
[ $# -eq 2 ] || throwaway_usage
verb=$1
dir=$2

stop_server() {
  # SIGTERM makes Redis exit (nothing to save); SIGKILL should it still run after five seconds.
  stop_by_pidfile "$dir/redis.pid" TERM 5 KILL
  rm -rf "$dir"
}

start_server() {
  if ! command -v redis-server >/dev/null; then
    # bootstrap lists redis-server among the packages the tests need, and installs what is missing.
    "$(dirname "$0")/bootstrap"
  fi

  local password
  password=$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')
  (umask 077 && printf '%s\n' "$password" >"$dir/password")
  # The password goes in a config file of mode 0600, not on a command line that ps shows.
  (umask 077 && printf 'requirepass %s\n' "$password" >"$dir/redis.conf")

  # Another process may take the port between the probe and the bind: try a few.
  local port=""
  for _ in 1 2 3 4 5; do
    port=$(free_port)
    rm -f "$dir/redis.pid"
    if redis-server "$dir/redis.conf" --bind 127.0.0.1 --port "$port" \
      --unixsocket "$dir/redis.sock" --unixsocketperm 700 --save "" --appendonly no \
      --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/server.log" --dir "$dir" \
      >/dev/null 2>&1; then
      local ok=""
      for _ in $(seq 50); do
        if [ -S "$dir/redis.sock" ] && [ -f "$dir/redis.pid" ]; then
          ok=1
          break
        fi
        sleep 0.1
      done
      [ -n "$ok" ] && break
      [ -f "$dir/redis.pid" ] && kill -KILL "$(head -n 1 "$dir/redis.pid")" 2>/dev/null || true
    fi
    port=""
  done
  if [ -z "$port" ]; then
    echo "redis-server.sh: Redis did not start; its log:" >&2
    cat "$dir/server.log" >&2 || true
    exit 1
  fi

  echo "CC_TEST_REDIS_URL=redis://127.0.0.1:${port}/0"
  echo "CC_TEST_REDIS_SOCKET_URL=unix:$dir/redis.sock"
  echo "CC_TEST_REDIS_PASSWORD_FILE=$dir/password"
  echo "CC_TEST_REDIS_PID=$(head -n 1 "$dir/redis.pid")"
}

case "$verb" in
  start)
    mkdir -p "$dir"
    if [ -n "$(ls -A "$dir")" ]; then
      echo "redis-server.sh: $dir is not empty" >&2
      exit 1
    fi
    # A failed start leaves nothing running behind, and no directory.
    trap 'rc=$?; [ $rc -eq 0 ] || stop_server; exit $rc' EXIT
    start_server
    ;;
  stop) stop_server ;;
  *) throwaway_usage ;;
esac
