#!/usr/bin/env bash
# Renders the man pages and checks what they promise: no groff warning, every tag of a .TP entry
# whole on its line (a tag whose options continue on the next source line wraps into the body),
# and controlcenterd(8) documents its exit statuses and environment.
# Usage: man_pages_test.sh MAN_DIR. Exit 77: groff is unavailable.
set -uo pipefail

dir=$1
command -v groff >/dev/null || { echo "SKIP: groff is missing"; exit 77; }
failed=0
fail() { echo "FAIL: $*"; failed=1; }

for page in "$dir"/controlcenterd.8 "$dir"/controlcenterctl.1; do
  warnings=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
  [[ -z $warnings ]] || fail "$page: groff warns: $warnings"
  # After .TP comes one line, the tag; a tag whose brackets do not close continues on the next
  # source line, which groff sets as the start of the body.
  awk -v page="$page" '
    tp == 1 {
      open = gsub(/\[/, "[") - gsub(/\]/, "]")
      if (open != 0) {
        printf "FAIL: %s:%d: the tag of a .TP entry leaves a bracket open: %s\n", page, NR, $0
        bad = 1
      }
    }
    { tp = 0 }
    /^\.TP/ { tp = 1 }
    END { exit bad }' "$page" || failed=1
done

daemon=$(MANWIDTH=80 groff -man -Tutf8 -P-c -P-b -P-u "$dir"/controlcenterd.8 2>/dev/null)
for wanted in "EXIT STATUS" "CONTROLCENTER_ADMIN_PASSWORD" "ENVIRONMENT"; do
  grep -q "^$wanted" <<<"$daemon" || grep -q "^       $wanted" <<<"$daemon" ||
    fail "controlcenterd(8) has no $wanted"
done
for status in 0 1 64 78; do
  sed -n '/^EXIT STATUS/,/^[A-Z]/p' <<<"$daemon" | grep -qE "^       $status +[^ ]" ||
    fail "controlcenterd(8), EXIT STATUS: no entry for $status"
done
ctl=$(groff -man -Tutf8 -P-c -P-b -P-u "$dir"/controlcenterctl.1 2>/dev/null)
grep -qE '^ +restart \[--wait\] \[--wait-timeout S\]$' <<<"$ctl" ||
  fail "controlcenterctl(1): the restart entry's synopsis is not on one line"
exit $failed
