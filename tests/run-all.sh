#!/usr/bin/env bash
# Runs every test (meson unit, golden, element, tool and the bounded fuzz tests) and ends with
# one summary line over all of them: "N passed, N failed".
#   tests/run-all.sh BUILD_DIR [SANITIZER_BUILD_DIR]
# With a second build folder (configured with -Db_sanitize=address,undefined, as run.sh does) its
# unit, golden and element tests run too, under ASan + UBSan + LeakSanitizer, and count in the
# same line. The sanitizer job leaves out the tools, example, install and format tests (the same
# code as the element tests, or no code of ours) and the fuzz test (its own sanitized build).
set -uo pipefail
build="${1:?usage: run-all.sh BUILD_DIR [SANITIZER_BUILD_DIR]}"
sanitizer_build="${2:-}"

passed=0
failed=0

# meson test in $1 with the rest as its arguments; its summary added to the counts
run_meson_tests() {
  local dir="$1" log="$1/test-output.txt"
  shift
  meson test -C "$dir" --print-errorlogs --num-processes 2 --timeout-multiplier 2 "$@" | tee "$log"
  local ok expected_fail fail unexpected_pass timeout
  ok=$(grep -E '^Ok:' "$log" | awk '{print $2}')
  expected_fail=$(grep -E '^Expected Fail:' "$log" | awk '{print $3}')
  fail=$(grep -E '^Fail:' "$log" | awk '{print $2}')
  unexpected_pass=$(grep -E '^Unexpected Pass:' "$log" | awk '{print $3}')
  timeout=$(grep -E '^Timeout:' "$log" | awk '{print $2}')
  passed=$((passed + ${ok:-0} + ${expected_fail:-0}))
  failed=$((failed + ${fail:-0} + ${unexpected_pass:-0} + ${timeout:-0}))
  if [ -z "${ok:-}" ]; then
    echo "meson test in $dir printed no summary" >&2
    failed=$((failed + 1))
  fi
}

run_meson_tests "$build"
if [ -n "$sanitizer_build" ]; then
  echo "== sanitizer build ($sanitizer_build): unit, golden and element tests"
  run_meson_tests "$sanitizer_build" --suite unit --suite golden --suite elements
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
