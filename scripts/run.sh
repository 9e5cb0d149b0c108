#!/usr/bin/env bash
# scripts/run.sh — the README's main command: set up, build, run the main job.
# The main job is chapter 05, the textbook's MNIST MLP (784-50-50-10, SGD 0.01, batch 32, 10 epochs).
# It builds only that program and the libraries it links (not the tests, benchmarks or your
# exercises: scripts/test.sh and scripts/check build those). Extra arguments go to the program.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh default 05_mlp
exec build/bin/05_mlp "$@"
