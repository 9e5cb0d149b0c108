#!/usr/bin/env bash
# scripts/fetch-gpu-deps.sh — download (not install) the Debian packages the build needs into the
# git-ignored .debs/ folder, so scripts/gpu-check.sh can unpack them (dpkg -x) on a GPU machine
# that has nvcc and a compiler but lacks the -dev packages (and cannot reach a package mirror).
#
#   scripts/fetch-gpu-deps.sh            headers/libraries + cmake/ninja/pkgconf into .debs/
#   scripts/fetch-gpu-deps.sh --list     print the package names only
#
# Uses `apt-get download` (no root needed; the .debs of this machine's Debian release). The GPU
# machine should run a compatible distribution: header-only packages (Eigen, Catch2, CLI11, JSON,
# stb headers, gnuplot-iostream) work anywhere; the compiled ones (Google Benchmark, Boost) need a
# glibc/libstdc++ at least as new as this machine's.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  # header-only or header + CMake config
  libeigen3-dev catch2 libcli11-dev nlohmann-json3-dev libgnuplot-iostream-dev libstb-dev
  # compiled libraries (+ their runtime packages)
  libbenchmark-dev libbenchmark1debian libstb0 zlib1g-dev
  libboost1.74-dev libboost-iostreams-dev libboost-iostreams1.74-dev libboost-iostreams1.74.0
  libboost-filesystem-dev libboost-filesystem1.74-dev libboost-filesystem1.74.0
  libboost-regex1.74-dev libboost-system1.74-dev
  # tools, in case the GPU machine has none (used only when missing there). No cmake: its .deb needs
  # libraries of its own (jsoncpp, rhash, libuv, libarchive, curl …) and would not run there anyway,
  # while costing ~11 MB of the 64 MiB that may travel; the GPU machine must bring its own CMake ≥ 3.24.
  ninja-build pkgconf pkgconf-bin libpkgconf3 pkg-config
)

if [ "${1:-}" = "--list" ]; then
  printf '%s\n' "${PACKAGES[@]}"
  exit 0
fi
if [ $# -gt 0 ]; then
  echo "usage: $0 [--list]" >&2
  exit 2
fi
command -v apt-get >/dev/null || { echo "fetch-gpu-deps.sh: error: apt-get not found (a Debian/Ubuntu machine is needed)" >&2; exit 1; }

mkdir -p .debs
cd .debs
failed=()
for p in "${PACKAGES[@]}"; do
  if ls "${p}"_*.deb >/dev/null 2>&1; then
    echo "have  $(ls "${p}"_*.deb | head -1)"
  elif apt-get download "$p" >/dev/null 2>&1; then
    echo "got   $(ls "${p}"_*.deb | head -1)"
  else
    echo "MISSING $p (apt-get download failed; run 'apt-get update' or check the name)" >&2
    failed+=("$p")
  fi
done
echo "fetch-gpu-deps.sh: $(ls ./*.deb | wc -l) .deb files in $(pwd) ($(du -sh . | cut -f1))"
for stale in cmake cmake-data libjsoncpp25 librhash0 libuv1; do  # left by an older version of this script
  ls "${stale}"_*.deb >/dev/null 2>&1 && { rm -f "${stale}"_*.deb; echo "removed ${stale}_*.deb (not needed there)"; }
done
echo "next: scripts/gpu-check.sh --preflight (does data/ + .debs/ fit the 64 MiB carry?)"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fetch-gpu-deps.sh: could not download: ${failed[*]}" >&2
  exit 1
fi
