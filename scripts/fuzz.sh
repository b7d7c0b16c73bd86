#!/usr/bin/env bash
# Builds the libFuzzer harnesses (clang, ASan + UBSan) in build/fuzz and runs each for
# FUZZ_SECONDS (default 60). Usage: scripts/fuzz.sh [HARNESS...]; see docs/fuzzing.md.
set -euo pipefail
cd "$(dirname "$0")/.."

all=(json_body router config proc_parsers ws_frame ws_handshake)
seconds=${FUZZ_SECONDS:-60}
build=build/fuzz

# Longest input worth trying per harness: bodies and config files are larger than paths.
max_len() {
  case "$1" in
    json_body) echo 4096 ;;
    config) echo 8192 ;;
    ws_frame) echo 2048 ;;
    proc_parsers) echo 4096 ;;
    *) echo 1024 ;;
  esac
}

harnesses=("$@")
[ ${#harnesses[@]} -eq 0 ] && harnesses=("${all[@]}")
for h in "${harnesses[@]}"; do
  if [[ ! " ${all[*]} " == *" $h "* ]]; then
    echo "fuzz: unknown harness '$h' (known: ${all[*]})" >&2
    exit 2
  fi
done

CC_BOOTSTRAP_EXTRA="clang libclang-rt-14-dev" scripts/bootstrap

echo "== build (clang, libFuzzer + ASan + UBSan) in $build"
CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCC_FUZZ=ON \
  -DCC_WERROR=ON >/dev/null
targets=()
for h in "${harnesses[@]}"; do targets+=("${h}_fuzz"); done
cmake --build "$build" -j2 --target "${targets[@]}"

export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

failed=()
for h in "${harnesses[@]}"; do
  # One fuzzer process at a time (the machine is shared). libFuzzer writes new inputs into the
  # first corpus directory: a scratch copy, never git's.
  work="$build/corpus-new/$h"
  artifacts="$build/artifacts/$h"
  mkdir -p "$work" "$artifacts"
  cp -n tests/fuzz/corpus/"$h"/* "$work"/ 2>/dev/null || true
  log="$build/fuzz-$h.log"
  echo "== fuzz $h for ${seconds}s (log: $log)"
  if "$build/tests/fuzz/${h}_fuzz" "$work" -max_total_time="$seconds" -max_len="$(max_len "$h")" \
    -timeout=5 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" >"$log" 2>&1; then
    grep -E '^stat::number_of_executed_units|^stat::new_units_added' "$log" | tr '\n' ' '
    echo
  else
    echo "fuzz: $h FAILED:" >&2
    grep -E 'ERROR|invariant failed|SUMMARY|Test unit written to' "$log" | head -8 >&2
    failed+=("$h")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failures in: ${failed[*]} (reproduce: $build/tests/fuzz/HARNESS_fuzz INPUT)" >&2
  exit 1
fi
echo "fuzz: all harnesses ran clean"
