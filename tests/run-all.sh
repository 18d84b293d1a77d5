#!/usr/bin/env bash
# Runs every test (meson unit, golden and element tests, then the bounded fuzz run) and ends with
# one summary line over all of them: "N passed, N failed".
set -uo pipefail
build="${1:?usage: run-all.sh BUILD_DIR}"
here="$(cd "$(dirname "$0")" && pwd)"

passed=0
failed=0

meson test -C "$build" --print-errorlogs --num-processes 2 --timeout-multiplier 2 | tee "$build/test-output.txt"
ok=$(grep -E '^Ok:' "$build/test-output.txt" | awk '{print $2}')
expected_fail=$(grep -E '^Expected Fail:' "$build/test-output.txt" | awk '{print $3}')
fail=$(grep -E '^Fail:' "$build/test-output.txt" | awk '{print $2}')
unexpected_pass=$(grep -E '^Unexpected Pass:' "$build/test-output.txt" | awk '{print $3}')
timeout=$(grep -E '^Timeout:' "$build/test-output.txt" | awk '{print $2}')
passed=$((passed + ${ok:-0} + ${expected_fail:-0}))
failed=$((failed + ${fail:-0} + ${unexpected_pass:-0} + ${timeout:-0}))
if [ -z "${ok:-}" ]; then
  echo "meson test printed no summary" >&2
  failed=$((failed + 1))
fi

if [ -x "$here/fuzz/run-fuzz.sh" ]; then
  if "$here/fuzz/run-fuzz.sh" "${EMOTION_FUZZ_SECONDS:-60}"; then
    passed=$((passed + 1))
  else
    echo "FAIL: fuzz_safetensors" >&2
    failed=$((failed + 1))
  fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
