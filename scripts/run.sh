#!/usr/bin/env bash
# scripts/run.sh — the README's main command: set up, build, run the main job.
# The main job is chapter 05, the textbook's MNIST MLP (784-50-50-10, SGD 0.01, batch 32, 10 epochs);
# until that chapter exists it is chapter 00, the data tour. Extra arguments go to the program.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh default
if [ -x build/bin/05_mlp ]; then
  exec build/bin/05_mlp "$@"
else
  exec build/bin/00_data "$@"
fi
