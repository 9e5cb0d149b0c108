#!/usr/bin/env bash
# scripts/test.sh — the README's test command: set up, build, run every test (ctest).
#   scripts/test.sh [extra ctest args...]     e.g. scripts/test.sh -R data
# CUDA tests are reported as skipped (with the reason) on machines without a GPU.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh default
ctest --preset default -j "$(nproc 2>/dev/null || echo 2)" "$@"
