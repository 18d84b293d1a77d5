#!/bin/sh
# Builds tests/fuzz/fuzz_safetensors.cpp with clang (libFuzzer + ASan + UBSan) straight from the
# sources (no meson), seeds a corpus with the small reference files and fuzzes for a bounded
# time. Exit status: 0 clean, non-zero on a crash / sanitizer report (artifact in the work dir)
# or a build failure.
#
#   tests/fuzz/run-fuzz.sh [SECONDS]        default 60
# Environment: EMOTION_SHARED_DIR (default ../shared next to the checkout), FUZZ_WORKDIR
# (default build-fuzz in the checkout), CXX_FUZZ (default clang++), FUZZ_JOBS (default 1).
set -eu

seconds=${1:-60}
case $seconds in
  ''|*[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac
root=$(cd "$(dirname "$0")/../.." && pwd)
shared=${EMOTION_SHARED_DIR:-$root/../shared}
work=${FUZZ_WORKDIR:-$root/build-fuzz}
cxx=${CXX_FUZZ:-clang++}

if ! command -v "$cxx" >/dev/null 2>&1 || \
   ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  echo "run-fuzz: installing clang and libclang-rt-14-dev" >&2
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y clang libclang-rt-14-dev >&2
  else
    sudo apt-get install -y clang libclang-rt-14-dev >&2
  fi
fi

mkdir -p "$work/corpus" "$work/seeds" "$work/artifacts"
binary=$work/fuzz_safetensors
echo "run-fuzz: building $binary" >&2
"$cxx" -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"$root/src" \
  "$root/tests/fuzz/fuzz_safetensors.cpp" "$root/src/io/safetensors.cpp" "$root/src/io/files.cpp" \
  "$root/src/io/untrusted_json.cpp" "$root/src/nn/tensor.cpp" \
  -ldnnl -o "$binary"

# Seeds: the reference files up to 64 KiB (the fuzzer mutates them; max_len is 64 KiB too).
for f in "$shared"/reference/nn/*.safetensors; do
  [ -f "$f" ] || continue
  size=$(wc -c < "$f")
  [ "$size" -le 65536 ] && cp "$f" "$work/seeds/"
done
cat > "$work/safetensors.dict" <<'DICT'
"__metadata__"
"dtype"
"shape"
"data_offsets"
"F32"
"I64"
"BF16"
"BOOL"
"18446744073709551615"
"9223372036854775807"
"-1"
DICT

echo "run-fuzz: fuzzing for ${seconds} s" >&2
jobs=${FUZZ_JOBS:-1}
parallel=
[ "$jobs" -gt 1 ] && parallel="-jobs=$jobs -workers=$jobs"
status=0
# shellcheck disable=SC2086
"$binary" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -dict="$work/safetensors.dict" -artifact_prefix="$work/artifacts/" \
  $parallel "$work/corpus" "$work/seeds" || status=$?
if [ "$status" -ne 0 ]; then
  echo "run-fuzz: FAILED (exit $status); reproducers in $work/artifacts/" >&2
  exit "$status"
fi
echo "run-fuzz: clean" >&2
