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

echo "== ctest (asan)"
ctest --preset asan "$@"
