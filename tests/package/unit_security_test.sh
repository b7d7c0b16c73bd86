#!/usr/bin/env bash
# Fails when `systemd-analyze security` rates the unit's exposure above THRESHOLD (default 2.0).
# Usage: unit_security_test.sh UNIT_FILE [THRESHOLD]. Exit 77: systemd-analyze is unavailable.
set -uo pipefail

unit=$1
threshold=${2:-2.0}
command -v systemd-analyze >/dev/null || { echo "SKIP: systemd-analyze is missing"; exit 77; }
out=$(systemd-analyze security --offline=true --no-pager "$unit" 2>&1)
if ! score=$(grep -oE 'Overall exposure level for [^:]+: [0-9]+(\.[0-9]+)?' <<<"$out" |
  grep -oE '[0-9]+(\.[0-9]+)?$'); then
  if grep -qiE "unrecognized option|unknown option" <<<"$out"; then
    echo "SKIP: this systemd-analyze has no --offline"
    exit 77
  fi
  echo "$out"
  echo "FAIL: no exposure level in the output of systemd-analyze security"
  exit 1
fi
echo "$unit: exposure $score (threshold $threshold)"
if awk -v s="$score" -v t="$threshold" 'BEGIN { exit !(s > t) }'; then
  echo "$out" | grep -F "✗"
  echo "FAIL: exposure $score is above $threshold"
  exit 1
fi
