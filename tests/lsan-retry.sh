#!/usr/bin/env bash
# meson test --wrapper for the sanitizer build (tests/run-all.sh): runs a test once more when
# LeakSanitizer itself crashed at exit ("Tracer caught signal 11 ... LeakSanitizer has encountered
# a fatal error"). Its stop-the-world tracer races with threads that are still exiting
# (GStreamer's thread pools) and fails now and then, in other projects' CI too
# (google/sanitizers#1353); that says nothing about our code, a real leak report does and is
# not retried.
set -uo pipefail
err="$(mktemp)"
trap 'rm -f "$err"' EXIT
"$@" 2>"$err"
status=$?
cat "$err" >&2
if [ "$status" -ne 0 ] && grep -q "LeakSanitizer has encountered a fatal error" "$err" &&
  ! grep -q "ERROR: LeakSanitizer: detected memory leaks\|ERROR: AddressSanitizer\|runtime error:" "$err"; then
  echo "== LeakSanitizer's tracer crashed (google/sanitizers#1353): running the test once more" >&2
  exec "$@"
fi
exit "$status"
