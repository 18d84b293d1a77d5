#!/bin/sh
# Builds the libFuzzer targets of tests/fuzz (clang, -Dfuzzing=true, ASan + UBSan) in their own
# meson build and fuzzes each for a bounded time, starting from the seeds in tests/fuzz/seeds/
# (plus the small reference safetensors files and a checkpoint the checkpoint target writes).
# Exit status: 0 clean, non-zero on a crash, sanitizer report, timeout, memory blow-up
# (reproducer in WORK/artifacts/) or a build failure.
#
#   tests/fuzz/run-fuzz.sh [SECONDS [TARGET...]]   default 60 s each, all targets
#   targets: safetensors manifest wav text config checkpoint
# Environment: EMOTION_SHARED_DIR (default ../shared next to the checkout), FUZZ_WORKDIR
# (default build-fuzz in the checkout), FUZZ_JOBS (parallel fuzzing processes, default 1).
set -eu

seconds=${1:-60}
case $seconds in
  ''|*[!0-9]*) echo "usage: $0 [SECONDS [TARGET...]]" >&2; exit 2 ;;
esac
[ $# -gt 0 ] && shift
targets=${*:-safetensors manifest wav text config checkpoint}
root=$(cd "$(dirname "$0")/../.." && pwd)
shared=${EMOTION_SHARED_DIR:-$root/../shared}
work=${FUZZ_WORKDIR:-$root/build-fuzz}

if ! command -v clang++ >/dev/null 2>&1 || \
   ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  echo "run-fuzz: installing clang and libclang-rt-14-dev" >&2
  sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get install -y clang libclang-rt-14-dev >&2
fi

if [ ! -f "$work/build/build.ninja" ]; then
  echo "run-fuzz: configuring $work/build" >&2
  CC=clang CXX=clang++ meson setup "$work/build" "$root" --buildtype=debugoptimized \
    -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false -Dtests=disabled >&2
fi
binaries=
for target in $targets; do binaries="$binaries tests/fuzz/fuzz_$target"; done
# shellcheck disable=SC2086
ninja -C "$work/build" $binaries >&2

# Seeds: the repository's per target, the reference safetensors files up to 64 KiB (the fuzzer
# mutates them; max_len is 64 KiB too) and a checkpoint in the current format.
seeds_for() {
  dir=$work/seeds/$1
  mkdir -p "$dir"
  [ -d "$root/tests/fuzz/seeds/$1" ] && cp "$root/tests/fuzz/seeds/$1"/* "$dir/"
  if [ "$1" = safetensors ]; then
    for f in "$shared"/reference/nn/*.safetensors; do
      [ -f "$f" ] && [ "$(wc -c < "$f")" -le 65536 ] && cp "$f" "$dir/"
    done
  fi
  echo "$dir"
}

mkdir -p "$work/artifacts"
jobs=${FUZZ_JOBS:-1}
parallel=
[ "$jobs" -gt 1 ] && parallel="-jobs=$jobs -workers=$jobs"
failed=
for target in $targets; do
  seeds=$(seeds_for "$target")
  corpus=$work/corpus/$target
  mkdir -p "$corpus"
  dict=
  [ -f "$root/tests/fuzz/seeds/$target.dict" ] && dict="-dict=$root/tests/fuzz/seeds/$target.dict"
  echo "run-fuzz: fuzz_$target for ${seconds} s" >&2
  status=0
  # shellcheck disable=SC2086
  FUZZ_CHECKPOINT_SEED=$work/seeds/checkpoint/valid.safetensors \
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
    "$work/build/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
    -rss_limit_mb=2048 -malloc_limit_mb=1024 -print_final_stats=1 $dict \
    -artifact_prefix="$work/artifacts/$target-" $parallel "$corpus" "$seeds" \
    > "$work/$target.log" 2>&1 || status=$?
  grep -E '^stat::number_of_executed_units|^Done' "$work/$target.log" | tail -1 | sed "s/^/run-fuzz: $target: /" >&2
  if [ "$status" -ne 0 ]; then
    grep -E 'ERROR|runtime error|SUMMARY|out-of-memory|timeout' "$work/$target.log" | head -5 >&2
    echo "run-fuzz: fuzz_$target FAILED (exit $status); log $work/$target.log, reproducer in $work/artifacts/" >&2
    failed="$failed $target"
  fi
done
if [ -n "$failed" ]; then
  echo "run-fuzz: failed:$failed" >&2
  exit 1
fi
echo "run-fuzz: clean ($targets)" >&2
