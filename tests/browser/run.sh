#!/usr/bin/env bash
# Runs the console's browser tests (CTest: label browser): installs playwright-core from the
# committed lock file into WORK (npm ci, from npm's cache when it has the packages), then runs
# console.test.mjs there against DAEMON in Debian's chromium. Artifacts (the dashboard's
# screenshot) go to WORK/artifacts. Usage: run.sh DAEMON WORK
set -euo pipefail
daemon=$1
work=$2
here=$(cd "$(dirname "$0")" && pwd)
chromium=${CC_CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || { echo "browser tests: $chromium is missing (scripts/bootstrap installs chromium)" >&2; exit 1; }
command -v npm >/dev/null || { echo "browser tests: npm is missing (scripts/bootstrap installs it)" >&2; exit 1; }

mkdir -p "$work/artifacts"
cp "$here/package.json" "$here/package-lock.json" "$here/console.test.mjs" "$work/"
cd "$work"
# npm ci wipes node_modules; skip it while the lock file is the one last installed.
if ! cmp -s package-lock.json node_modules/.installed-lock.json 2>/dev/null; then
  npm ci --prefer-offline --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.installed-lock.json
fi
CC_DAEMON="$daemon" CC_CHROMIUM="$chromium" CC_ARTIFACTS="$work/artifacts" \
  exec node --test --test-concurrency=1 console.test.mjs
