#!/usr/bin/env bash
# scripts/build.sh [preset [target...]] — configure (once) and build with a CMake preset
# (default: "default"); with targets, only those and what they need (scripts/run.sh builds 05_mlp).
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-default}"
shift || true
jobs="$(nproc 2>/dev/null || echo 2)"
cmake --preset "$preset" >/dev/null
if [ $# -gt 0 ]; then
  cmake --build --preset "$preset" -j "$jobs" --target "$@"
else
  cmake --build --preset "$preset" -j "$jobs"
fi
