#!/usr/bin/env bash
# meson test --wrapper for the sanitizer build (tests/run-all.sh): runs a test again when
# LeakSanitizer itself crashed at exit ("Tracer caught signal 11 ... LeakSanitizer has encountered
# a fatal error"). Its stop-the-world tracer races with threads that are still exiting
# (GStreamer's thread pools, OpenMP workers) and fails now and then, in other projects' CI too
# (google/sanitizers#1353); that says nothing about our code, a real leak report does and is
# never retried.
#
# A check-based element test runs each case in a child process; when the tracer crashed in some
# children ("Early exit" errors) and nothing else failed, just those cases run again, one by one
# (GST_CHECKS), and each must pass; a case can crash the tracer after a full suite and never
# alone. Any other test runs once more as a whole.
set -uo pipefail
out="$(mktemp)"
err="$(mktemp)"
trap 'rm -f "$out" "$err"' EXIT
"$@" >"$out" 2>"$err"
status=$?
cat "$out"
cat "$err" >&2
if [ "$status" -eq 0 ] || ! grep -q "LeakSanitizer has encountered a fatal error" "$err" ||
  grep -q "ERROR: LeakSanitizer: detected memory leaks\|ERROR: AddressSanitizer\|runtime error:" "$err"; then
  exit "$status"
fi

early="$(sed -n 's/.*:E:[^:]*:\(test_[A-Za-z0-9_]*\):[0-9]*: (after this point) Early exit.*/\1/p' "$out" | sort -u)"
errors="$(sed -n 's/.*Checks: [0-9]*, Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 \2/p' "$out" | tail -1)"
if [ -n "$early" ] && [ "$errors" = "0 $(echo "$early" | wc -l)" ]; then
  for name in $early; do
    echo "== LeakSanitizer's tracer crashed (google/sanitizers#1353) in $name: running it alone" >&2
    GST_CHECKS="$name" "$@" || exit $?
  done
  exit 0
fi
echo "== LeakSanitizer's tracer crashed (google/sanitizers#1353): running the test once more" >&2
exec "$@"
