#!/usr/bin/env bash
# scripts/compare-pytorch.sh — the textbook's MNIST MLP side by side on this machine, in one go:
# chapter 05's training epoch (Eigen and naive backends, bench_05_mlp's BM_Epoch), chapter 07's fastest CPU trainer
# (fastcpu, from `07_fast --ladder`, which times it round-robin against its own Eigen baseline), and
# the identical PyTorch model (chapters/05_mlp/pytorch_reference.py, its best single-thread loop),
# then the ratio table (the one in the top-level README), with the CPU kernels' ISA named.
#
#   scripts/compare-pytorch.sh                 10 epochs each (EPOCHS=3 for a quick look)
#   BUILD=build-foo scripts/compare-pytorch.sh  use another build folder
#   NAIVE_EPOCHS=2 ...                          fewer epochs for the slow naive backend
#
# Needs MNIST (MNIST_DIR or data/mnist); PyTorch is optional: Debian's python3-torch, run by
# /usr/bin/python3 (the python3 on PATH may lack it) — without it only the C++ rows are shown.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="${BUILD:-build}"
EPOCHS="${EPOCHS:-10}"
NAIVE_EPOCHS="${NAIVE_EPOCHS:-$EPOCHS}"
BATCH="${BATCH:-32}"
OUT="${OUT:-out/compare-pytorch}"
PYTHON="${PYTHON:-/usr/bin/python3}"
BENCH="$BUILD/bench/bench_05_mlp"
FAST="$BUILD/bin/07_fast"
for b in "$BENCH" "$FAST"; do
  if [ ! -x "$b" ]; then
    echo "compare-pytorch.sh: $b not found; build first (scripts/build.sh, or BUILD=<folder>)" >&2
    exit 2
  fi
done
mkdir -p "$OUT"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) CPUs; batch $BATCH"

# bench_05_mlp's BM_Epoch/<backend>/<batch> (1 = eigen, 0 = naive), one thread: each repetition is
# the next epoch of one training run (min_time 0.001 s: one epoch each), on MNIST when MNIST_DIR or
# data/mnist has it (the comparison is about the textbook's data: check the "data:" line).
for b in eigen naive; do
  if [ "$b" = eigen ]; then id=1; reps="$EPOCHS"; else id=0; reps="$NAIVE_EPOCHS"; fi
  [ "$BATCH" = 32 ] || [ "$BATCH" = 256 ] || { echo "compare-pytorch.sh: BATCH must be 32 or 256 (bench_05_mlp's batches)" >&2; exit 2; }
  "$BENCH" --benchmark_filter="BM_Epoch/$id/$BATCH\$" --benchmark_repetitions="$reps" --benchmark_min_time=0.001 \
    --benchmark_out="$OUT/$b.json" --benchmark_out_format=json
done
"$FAST" --ladder --ladder-epochs "$EPOCHS" --dataset mnist --batch "$BATCH" --threads 1 --quiet \
  --out "$OUT/fastcpu"   # writes $OUT/fastcpu/ladder.json
if "$PYTHON" -c "import torch" 2>/dev/null; then
  "$PYTHON" chapters/05_mlp/pytorch_reference.py --epochs "$EPOCHS" --batch "$BATCH" --threads 1 \
    --json "$OUT/pytorch.json"
else
  echo "PyTorch not importable by $PYTHON: showing the C++ rows only"
fi

python3 - "$OUT" <<'PY'
import json, os, sys
out = sys.argv[1]
rows = []
for b in ("eigen", "naive"):
    runs = json.load(open(os.path.join(out, b + ".json")))["benchmarks"]
    iterations = [r for r in runs if r.get("run_type") == "iteration"]
    # one repetition (e.g. NAIVE_EPOCHS=1) has no aggregate rows: its one run is its median
    median = next((r for r in runs if r.get("aggregate_name") == "median"),
                  sorted(iterations, key=lambda r: r["real_time"])[len(iterations) // 2])
    last = max(iterations, key=lambda r: r["epochs"])
    ms = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[median["time_unit"]]
    rows.append((f"C++ {b}", median["real_time"] * ms, median["cpu_time"] * ms, int(last["epochs"]),
                 last["test_accuracy"]))
lad = json.load(open(os.path.join(out, "fastcpu", "ladder.json")))
fast = next((r for r in lad["results"] if r.get("is_fastcpu_backend")), None)  # the step --backend fastcpu runs
if fast is None:
    sys.exit("compare-pytorch.sh: " + os.path.join(out, "fastcpu", "ladder.json") + " marks no step as the "
             "fastcpu backend (is_fastcpu_backend): its 07_fast is older than this script; rebuild it (scripts/build.sh)")
base = lad["results"][0]  # step 0: chapter 05's Eigen path, timed round-robin with fastcpu
rows.append(("C++ fastcpu (chapter 07)", fast["median_wall_seconds_per_epoch"], fast["median_cpu_seconds_per_epoch"],
             fast["epochs"], fast["test_accuracy"]))
pt = os.path.join(out, "pytorch.json")
ref = None
if os.path.exists(pt):
    p = json.load(open(pt))
    ref = (p["median_seconds_per_epoch"], p["median_cpu_seconds_per_epoch"])
    rows.append((f"PyTorch {p['torch']} (1 thread)", ref[0], ref[1], p["epochs"], p["final"]["test_accuracy"]))
# Wall time is what a user waits; CPU time (the process's own) is the fairer figure when other
# programs share the cores. Both are medians over the epochs.
print()
print("| implementation              | wall s/epoch | CPU s/epoch | epochs | test accuracy | speed-up (wall) | speed-up (CPU) |")
print("|-----------------------------|--------------|-------------|--------|---------------|-----------------|----------------|")
for name, s, c, e, acc in rows:
    rw = f"{ref[0] / s:.2f}x" if ref else "n/a"
    rc = f"{ref[1] / c:.2f}x" if ref else "n/a"
    print(f"| {name:<27} | {s:>12.3f} | {c:>11.3f} | {e:>6} | {acc:>13.4f} | {rw:>15} | {rc:>14} |")
print(f"(after each implementation's last epoch; load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
m = lad["machine"]
print(f"CPU kernels: {m.get('cpu_kernels', 'unknown')} ({m['cpu']}, {m['compiler']}, march_native {m['march_native']})")
print(f"fastcpu vs chapter 05's Eigen path in the same round-robin run (07_fast --ladder): "
      f"{base['median_cpu_seconds_per_epoch'] / fast['median_cpu_seconds_per_epoch']:.2f}x by CPU time, "
      f"{base['median_wall_seconds_per_epoch'] / fast['median_wall_seconds_per_epoch']:.2f}x by wall time")
PY
