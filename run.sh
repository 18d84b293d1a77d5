#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine (run as root):
#   ./run.sh example   install packages, build, tag the bundled example speech
#   ./run.sh test      install packages, build, run the whole test suite
#   ./run.sh build     install packages and build only
# Set EMOTION_SKIP_APT=1 to skip the package step on a machine that has everything.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
build="${EMOTION_BUILD_DIR:-$here/build}"

packages=(
  meson ninja-build pkg-config g++ cmake
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  libdnnl-dev libfftw3-dev nlohmann-json3-dev libcairo2-dev
  espeak-ng sox
  clang libclang-rt-14-dev
  python3 python3-gi gir1.2-gstreamer-1.0 gir1.2-gst-plugins-base-1.0
)

install_packages() {
  [ "${EMOTION_SKIP_APT:-0}" = 1 ] && return
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return
  echo "== installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
}

build_project() {
  if [ ! -f "$build/build.ninja" ]; then
    meson setup "$build" "$here" -Dtests=enabled
  fi
  ninja -C "$build"
}

run_example() {
  "$here/examples/tag-example.sh" "$build"
}

run_tests() {
  "$here/tests/run-all.sh" "$build"
}

case "${1:-}" in
  example) install_packages; build_project; run_example ;;
  test) install_packages; build_project; run_tests ;;
  build) install_packages; build_project ;;
  *) echo "usage: $0 example|test|build" >&2; exit 2 ;;
esac
