#!/usr/bin/env bash
# Installs whatever Debian packages are missing (apt-get, through sudo when not root), builds
# mmaplab in Release, then starts the app (`run`) or runs the whole test suite (`test`).
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(g++ cmake ninja-build pkg-config git
      libimgui-dev libglfw3-dev libgl-dev libx11-dev libxext-dev libxrandr-dev libgl1-mesa-dri python3-glad libstb-dev libxxhash-dev
      libtomlplusplus-dev libcli11-dev libfmt-dev nlohmann-json3-dev
      googletest libgtest-dev libgmock-dev libbenchmark-dev
      fonts-inter fonts-jetbrains-mono fonts-dejavu-core
      xvfb xauth clang libclang-rt-14-dev procps util-linux)

install_missing() {
    local missing=() p
    for p in "${PKGS[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=()
    [ "$(id -u)" -ne 0 ] && sudo=(sudo)
    echo "mmaplab: installing ${missing[*]}"
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends "${missing[@]}"
}

build() {
    cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
    cmake --build build
}

install_missing
build
case "${1:-run}" in
run) exec ./build/mmaplab "${@:2}" ;;
test) exec ./tools/test.sh build ;;
*) echo "usage: tools/setup.sh [run|test]" >&2; exit 2 ;;
esac
