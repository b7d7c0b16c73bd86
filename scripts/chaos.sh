#!/usr/bin/env bash
# Builds the daemon and the integration tests, then runs the fault tests several times over:
# storage faults on real mounts (ChaosTest, needs root), crashes, restarts and abuse.
#
#   scripts/chaos.sh                      # dev preset, 3 rounds
#   CHAOS_REPEAT=10 scripts/chaos.sh      # more rounds to shake out flakes
#   CHAOS_BUILD_DIR=build/asan scripts/chaos.sh   # reuse a configured build tree, no rebuild
#   CHAOS_FILTER='ChaosTest.DiskFull' scripts/chaos.sh   # one test
#
# Without root (or CAP_SYS_ADMIN) ChaosTest skips itself and says why; the others still run.
set -euo pipefail
cd "$(dirname "$0")/.."

repeat="${CHAOS_REPEAT:-3}"
filter="${CHAOS_FILTER:-ChaosTest.*:DurabilityTest.*:RestartTest.*:AbuseTest.*}"

if [ -n "${CHAOS_BUILD_DIR:-}" ]; then
  build="$CHAOS_BUILD_DIR"
else
  echo "== build (dev)"
  cmake --preset dev >/dev/null
  cmake --build --preset dev --target integration_tests controlcenterd controlcenterctl
  build=build/dev
fi

if [ "$(id -u)" != 0 ]; then
  echo "note: not root: ChaosTest (tmpfs and bind mounts) will be skipped" >&2
fi

echo "== $filter x $repeat"
export ASAN_OPTIONS="${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
"$build/tests/integration_tests" --gtest_filter="$filter" --gtest_repeat="$repeat" \
  --gtest_brief=1 "$@"
