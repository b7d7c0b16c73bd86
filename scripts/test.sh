#!/usr/bin/env bash
# Installs what is missing, checks formatting, builds with ASan + UBSan and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap

echo "== clang-format"
files=$(git ls-files '*.cpp' '*.h' 2>/dev/null || find daemon ctl tests -name '*.cpp' -o -name '*.h')
if [ -n "$files" ]; then
  # shellcheck disable=SC2086
  clang-format --dry-run --Werror $files
fi

echo "== build (asan)"
cmake --preset asan >/dev/null
cmake --build --preset asan

# Every exit (a failed test included) runs these, last registered first.
cleanups=()
run_cleanups() {
  local i
  for ((i = ${#cleanups[@]} - 1; i >= 0; i--)); do eval "${cleanups[i]}" || true; done
}
trap run_cleanups EXIT

# A throw-away PostgreSQL for the tests of the PostgreSQL store, unless CC_TEST_PG_URL already
# names a server to use. Each test makes a database of its own there.
if [ -z "${CC_TEST_PG_URL:-}" ]; then
  echo "== postgresql (throw-away cluster)"
  pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/cc-pg.XXXXXX")
  cleanups+=("scripts/pg-cluster.sh stop '$pg_dir'")
  pg_env=$(scripts/pg-cluster.sh start "$pg_dir")
  while IFS= read -r line; do export "${line?}"; done <<<"$pg_env"
  echo "$CC_TEST_PG_URL"
fi

# A throw-away Redis for the shared-state tests, unless CC_TEST_REDIS_URL already names a server
# to use. It requires the password in CC_TEST_REDIS_PASSWORD_FILE, so AUTH is always exercised.
if [ -z "${CC_TEST_REDIS_URL:-}" ]; then
  echo "== redis (throw-away server)"
  redis_dir=$(mktemp -d "${TMPDIR:-/tmp}/cc-redis.XXXXXX")
  cleanups+=("scripts/redis-server.sh stop '$redis_dir'")
  redis_env=$(scripts/redis-server.sh start "$redis_dir")
  while IFS= read -r line; do export "${line?}"; done <<<"$redis_env"
  echo "$CC_TEST_REDIS_URL"
fi

echo "== ctest (asan)"
ctest --preset asan "$@"

# Windows: cross-build with MinGW-w64 and run the executables under Wine, whenever the cross
# toolchain and the Poco cross-build are there (scripts/build-windows.sh --cached); then the
# executables build incrementally. A machine without them skips the stage, since a cold Poco
# cross-build takes ~40 min, twice CI's whole budget: CC_WINDOWS=1 pays for it here and then
# runs the stage; CC_SKIP_WINDOWS=1 skips it even when cached. A failure fails this script; Wine
# is stopped either way.
if [ "${CC_SKIP_WINDOWS:-}" = 1 ]; then
  echo "== windows: skipped (CC_SKIP_WINDOWS=1)"
  exit 0
fi
if [ "${CC_WINDOWS:-}" != 1 ] && ! why=$(scripts/build-windows.sh --cached); then
  echo "== windows: skipped ($why; a cold Poco cross-build exceeds the budget): CC_WINDOWS=1 builds it and runs the stage"
  exit 0
fi
win_t0=$(date +%s)
echo "== windows: build (MinGW-w64)"
scripts/build-windows.sh
echo "== windows: tests (Wine)"
wine_work=$(mktemp -d "${TMPDIR:-/tmp}/cc-wine.XXXXXX")
stop_wine() {
  WINEPREFIX="$wine_work/prefix" wineserver -k 2>/dev/null || true
  rm -rf "$wine_work"
}
cleanups+=(stop_wine)
python3 tests/windows/wine_test.py build/windows --work "$wine_work"
echo "== windows: build and Wine tests took $(($(date +%s) - win_t0)) s"
