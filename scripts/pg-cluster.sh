#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests: `start DIR` prints the variables to export,
# `stop DIR` stops it by its PID and removes DIR. `pause DIR` stops the server and keeps its
# data; `resume DIR` starts it again on the same port and socket (for tests of a server that goes
# away and comes back).
#
#   eval "$(scripts/pg-cluster.sh start /tmp/cc-pg.XXXX)"   # sets CC_TEST_PG_URL and friends
#   scripts/pg-cluster.sh stop /tmp/cc-pg.XXXX
#
# The cluster lives wholly inside DIR (data, socket directory, log), listens on 127.0.0.1 only,
# on a port that was free, and trusts local socket connections; TCP connections need the
# password in DIR/password (mode 0600), so the password path of the daemon is tested too.
# It runs as the postgres user when started by root (initdb refuses root). Durability is off
# (fsync=off, unless PG_CLUSTER_DURABLE=1): the cluster never outlives the run, and the speed
# matters more.
set -euo pipefail

# shellcheck source=lib/throwaway_server.sh
THROWAWAY_VERBS="start|stop|pause|resume"
. "$(dirname "$0")/lib/throwaway_server.sh"
[ $# -eq 2 ] || throwaway_usage
verb=$1
dir=$2

pg_bindir() {
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$found" ] && [ -x "$found/initdb" ] && echo "$found"
}

# Runs a PostgreSQL program as the cluster's owner.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# Starts the server of $dir/data on `port`, waiting until it accepts connections.
# PG_CLUSTER_DURABLE=1 keeps fsync and full-page writes on (for benchmarks, which must compare a
# durable PostgreSQL with a durable SQLite); tests leave them off.
run_server() { # bindir port
  local durable=off
  [ "${PG_CLUSTER_DURABLE:-}" = 1 ] && durable=on
  as_owner "$1/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 -s \
    -o "-c listen_addresses=127.0.0.1 -c port=$2 -c unix_socket_directories=$dir/socket \
        -c fsync=$durable -c full_page_writes=$durable -c synchronous_commit=on -c max_connections=300 \
        -c shared_buffers=64MB" start >/dev/null 2>&1 && echo "$2" >"$dir/port"
}

stop_cluster() {
  # SIGINT is PostgreSQL's fast shutdown (clients are disconnected); SIGQUIT its immediate one,
  # should the fast one not be done within ten seconds.
  stop_by_pidfile "$dir/data/postmaster.pid" INT 10 QUIT
  rm -rf "$dir"
}

start_cluster() {
  local bindir
  bindir=$(pg_bindir || true)
  if [ -z "$bindir" ]; then
    # bootstrap lists postgresql among the packages the tests need, and installs what is missing.
    "$(dirname "$0")/bootstrap"
    bindir=$(pg_bindir)
  fi

  mkdir -p "$dir/socket"
  local password
  password=$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')
  (umask 077 && printf '%s\n' "$password" >"$dir/password")
  printf '%s\n' "$password" >"$dir/initdb-password"
  if [ "$(id -u)" -eq 0 ]; then chown -R postgres: "$dir"; fi

  as_owner "$bindir/initdb" -D "$dir/data" -U postgres -E UTF8 --locale=C --no-sync \
    --auth-local=trust --auth-host=scram-sha-256 --pwfile="$dir/initdb-password" \
    >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    exit 1
  }
  rm -f "$dir/initdb-password"
  if [ "$(id -u)" -eq 0 ]; then chown root: "$dir/password"; fi

  # Another process may take the port between the probe and the bind: try a few.
  local port=""
  for _ in 1 2 3 4 5; do
    port=$(free_port)
    if run_server "$bindir" "$port"; then
      break
    fi
    port=""
  done
  if [ -z "$port" ]; then
    echo "pg-cluster: PostgreSQL did not start; its log:" >&2
    cat "$dir/server.log" >&2 || true
    exit 1
  fi

  local socket_dir
  socket_dir=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' \
    "$dir/socket")
  echo "CC_TEST_PG_URL=postgresql://postgres@${socket_dir}:${port}/postgres"
  echo "CC_TEST_PG_TCP_URL=postgresql://postgres@127.0.0.1:${port}/postgres?sslmode=disable"
  echo "CC_TEST_PG_PASSWORD_FILE=$dir/password"
  echo "CC_TEST_PG_PID=$(head -n 1 "$dir/data/postmaster.pid")"
}

case "$verb" in
  start)
    mkdir -p "$dir"
    if [ -n "$(ls -A "$dir")" ]; then
      echo "pg-cluster: $dir is not empty" >&2
      exit 1
    fi
    # A failed start leaves nothing running behind, and no directory.
    trap 'rc=$?; [ $rc -eq 0 ] || stop_cluster; exit $rc' EXIT
    start_cluster
    ;;
  stop) stop_cluster ;;
  pause) stop_by_pidfile "$dir/data/postmaster.pid" INT 10 QUIT ;;
  resume)
    [ -s "$dir/port" ] || { echo "pg-cluster: no cluster in $dir" >&2; exit 1; }
    bindir=$(pg_bindir)
    run_server "$bindir" "$(cat "$dir/port")" || {
      echo "pg-cluster: PostgreSQL did not start again; its log:" >&2
      cat "$dir/server.log" >&2 || true
      exit 1
    }
    ;;
  *) throwaway_usage ;;
esac
