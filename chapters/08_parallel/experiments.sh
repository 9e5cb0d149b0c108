#!/usr/bin/env bash
# chapters/08_parallel/experiments.sh — the chapter's measurements, written to results/ (JSON per
# run in results/runs/, tables by tables.py). Run from the repository root after building:
#     chapters/08_parallel/experiments.sh            # all (about 15 min on 2 cores)
#     chapters/08_parallel/experiments.sh timing     # one group: timing largebatch noisescale compress localsgd stale hogwild comm
# MNIST from MNIST_DIR or data/mnist (see the top README). The P = 2 runs use mpirun -np 2 with
# mpi_yield_when_idle (a waiting rank gives its core away instead of busy-polling: on a loaded
# 2-core machine busy-polling made an epoch 15x slower, see the README); the timing group measures
# the three ways of waiting side by side.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=build/bin/08_parallel
R=chapters/08_parallel/results
mkdir -p "$R/runs"
DATA=()
[ -n "${MNIST_DIR:-}" ] && DATA=(--data "$MNIST_DIR")
BUSY=(mpirun -np 2 --oversubscribe)                 # Open MPI's default: waiting ranks busy-poll
MPI=(mpirun -np 2 --oversubscribe --mca mpi_yield_when_idle 1)
run() {  # run NAME CMD...: the run's JSON into results/runs/NAME.json, its log next to it
  local name=$1; shift
  echo "== $name: $*"
  "$@" "${DATA[@]}" --quiet --out "/tmp/08_parallel_$name" --json "$R/runs/$name.json" >"$R/runs/$name.log" 2>&1 ||
    echo "   (exit $?: see $R/runs/$name.log)"
  { grep -E 'Test accuracy|Seconds per epoch' "$R/runs/$name.log" || true; } | tr '\n' ' '; echo
}
groups=${*:-timing largebatch noisescale compress localsgd stale hogwild comm}
for g in $groups; do case $g in
timing)  # time per epoch, P = 1 and 2, three global batches; P = 2 three ways of waiting
  for B in ${TIMING_BATCHES:-32 256 2048}; do
    run "timing_P1_B$B" $BIN --batch $B --epochs 2
    run "timing_P2_B$B" "${BUSY[@]}" $BIN --batch $B --epochs 2
    run "timing_P2_B${B}_bindnone" "${BUSY[@]}" --bind-to none $BIN --batch $B --epochs 2
    run "timing_P2_B${B}_yield" "${MPI[@]}" $BIN --batch $B --epochs 2
  done ;;
largebatch)  # linear scaling rule lr = 0.01·B/32, with and without 2 epochs of warm-up (same math at any P)
  for B in 32 256 2048 8192; do
    lr=$(python3 -c "print(0.01*$B/32)")
    run "largebatch_B$B" $BIN --batch $B --lr "$lr" --epochs 10
    run "largebatch_B${B}_warmup" $BIN --batch $B --lr "$lr" --epochs 10 --warmup-epochs 2
  done ;;
compress)  # bytes per step and 10-epoch accuracy, P = 2, all 60 000 training images, lr 0.01
  for c in none topk:0.1 topk:0.01 topk:0.001 sign; do
    run "compress_${c/:/_}" "${MPI[@]}" $BIN --compress "$c" --lr 0.01 --epochs 10
  done ;;
localsgd)  # rounds and bytes to 97 % test accuracy vs H, P = 2, lr 0.1, at most 10 epochs
  for H in 1 8 64; do
    run "localsgd_H$H" "${MPI[@]}" $BIN --mode local-sgd --sync-every $H --lr 0.1 --epochs 10
  done ;;
stale)  # the largest learning rate that still trains vs the staleness S (1 epoch, 20 000 examples)
  for S in 0 1 4 16; do
    for lr in 0.025 0.05 0.1 0.2 0.4 0.8 1.6; do
      run "stale_S${S}_lr$lr" $BIN --mode stale --staleness $S --lr $lr --epochs 1 --train-limit 20000
    done
  done ;;
hogwild)  # one process: lock-free vs mutex, 1 and 2 threads, against sync P = 1; 3 epochs
  run hogwild_T1 $BIN --mode hogwild --threads 1 --epochs 3
  run hogwild_T2 $BIN --mode hogwild --threads 2 --epochs 3
  run hogwild_T2_locked $BIN --mode hogwild --threads 2 --locked --epochs 3
  run hogwild_sync_P1 $BIN --epochs 3 ;;
noisescale)  # the gradient noise scale B_simple from all 60 000 per-example gradients, at 0, 1, 5 epochs
  $BIN --mode noise-scale --noise-examples 60000 "${DATA[@]}" --quiet --out /tmp/08_parallel_noisescale \
    --json "$R/noise_scale.json" | tee "$R/runs/noise_scale.log"
  cp /tmp/08_parallel_noisescale/noise_scale.csv "$R/noise_scale.csv" ;;
comm)
  "${MPI[@]}" $BIN --mode comm --batch 256 "${DATA[@]}" --out "$R/comm" --json "$R/runs/comm.json" | tee "$R/runs/comm.log" ;;
*) echo "experiments.sh: unknown group '$g'" >&2; exit 2 ;;
esac; done
python3 chapters/08_parallel/tables.py
