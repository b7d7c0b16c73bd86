# Sourced by the scripts that run a throw-away server for the tests (pg-cluster.sh,
# redis-server.sh): the usage line, a free loopback port, and a stop by the server's pidfile.

throwaway_usage() {
  echo "usage: $0 ${THROWAWAY_VERBS:-start|stop} DIR" >&2
  exit 2
}

# A loopback port that was free a moment ago.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Stops the process whose PID is the first line of PIDFILE: SOFT (a signal name), then after
# SECONDS, HARD, then after one more second KILL. Nothing to do without the file or the process.
stop_by_pidfile() { # pidfile soft seconds hard
  local pidfile=$1 soft=$2 seconds=$3 hard=$4 pid
  [ -f "$pidfile" ] || return 0
  pid=$(head -n 1 "$pidfile")
  [ -n "$pid" ] && kill "-$soft" "$pid" 2>/dev/null || return 0
  for _ in $(seq $((seconds * 10))); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill "-$hard" "$pid" 2>/dev/null || return 0
  [ "$hard" = KILL ] && return 0
  sleep 1
  kill -KILL "$pid" 2>/dev/null || true
}
