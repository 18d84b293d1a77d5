#!/usr/bin/env bash
# Every C++ file of the project is formatted as .clang-format says (clang-format 14, Debian 12).
# Prints the files that are not, and how to fix them. The C files of gst-libs/ and examples/
# keep GStreamer's style and are not checked.
set -uo pipefail
root="${1:?usage: check-format.sh SOURCE_DIR}"
cd "$root"
format="$(command -v clang-format-14 || command -v clang-format || true)"
if [ -z "$format" ]; then
  echo "clang-format not found (apt-get install clang-format)" >&2
  exit 1
fi
mapfile -t files < <(find src gst pipelines tools bench tests -name '*.cpp' -o -name '*.h' | sort)
bad=()
for f in "${files[@]}"; do
  "$format" --style=file --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
echo "${#files[@]} C++ files checked, ${#bad[@]} not formatted"
if [ ${#bad[@]} -gt 0 ]; then
  printf '  %s\n' "${bad[@]}"
  echo "fix: $format -i <file>..." >&2
  exit 1
fi
