#!/usr/bin/env bash
# Installs what is missing, builds Release and runs the daemon in the foreground on
# http://127.0.0.1:8080 with the reference config and a state directory inside the checkout.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap
cmake --preset release >/dev/null
cmake --build --preset release --target controlcenterd controlcenterctl
mkdir -p state
exec build/release/controlcenterd --config etc/controlcenterd.properties \
  --define daemon.state_dir="$PWD/state" --define daemon.pidfile="$PWD/state/controlcenterd.pid" "$@"
