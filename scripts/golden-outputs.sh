#!/usr/bin/env bash
# scripts/golden-outputs.sh BIN_DIR OUT_DIR — run every chapter program once on a small, fixed
# configuration (one thread, fixed seeds) and record what it wrote: stdout, stderr and every file.
# Then `scripts/golden-outputs.sh --compare OLD_DIR NEW_DIR` says which outputs changed.
#
# For a change of layout (a refactor) that must not change behaviour: run it on a build of the
# commit before and one after, then compare. Every program runs three times (OUT_DIR/1, 2, 3): what
# differs between the runs of the old build (timings, dates) is what the comparison ignores;
# everything else (stdout, CSV, JSON, PNG, checkpoints) must match the old build.
#
# Needs MNIST (MNIST_DIR or --data) and, for chapter 08, mpirun.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

if [ "${1:-}" = "--compare" ]; then
  exec python3 "$here/golden_compare.py" "$2" "$3"
fi
if [ $# -ne 2 ] || [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  sed -n '2,11p' "$0"; exit 2
fi
bin="$(cd "$1" && pwd)"
out="$2"
if [ -e "$out" ]; then echo "golden-outputs.sh: $out exists; give a new folder" >&2; exit 2; fi
mkdir -p "$out"; out="$(cd "$out" && pwd)"
data="${MNIST_DIR:?golden-outputs.sh: set MNIST_DIR to the folder with the four MNIST .gz files}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
export OMP_NUM_THREADS=1

# run NAME PROGRAM ARGS...: outputs in $out/$pass/NAME/, stdout/stderr/exit code beside them.
run() {
  local name="$1"; shift
  local dir="$out/$pass/$name"
  mkdir -p "$dir/files"
  local start=$SECONDS
  set +e
  (cd "$dir/files" && "$@" >"$dir/stdout.txt" 2>"$dir/stderr.txt")
  echo $? >"$dir/exit_code.txt"
  set -e
  printf '%-28s exit %s  %3ds\n' "$name" "$(cat "$dir/exit_code.txt")" $((SECONDS - start))
}
M=(--data "$data")
T=(--threads 1 --quiet)

for pass in 1 2 3; do
echo "pass $pass of 3"
run 00_data            "$bin/00_data" "${M[@]}" --out .
run 01_forward         "$bin/01_forward" "${M[@]}" "${T[@]}" --out .
run 01_forward_eigen   "$bin/01_forward" "${M[@]}" "${T[@]}" --backend eigen --out .
run 02_backprop        "$bin/02_backprop" "${M[@]}" "${T[@]}" --out .
run 02_backprop_bug    "$bin/02_backprop" "${M[@]}" "${T[@]}" --planted-bug --out .
run 03_sgd_moons       "$bin/03_sgd" "${T[@]}" --problem moons --epochs 5 --out .
run 03_sgd_mnist       "$bin/03_sgd" "${M[@]}" "${T[@]}" --problem mnist --mnist-examples 2000 --sweep 0.01,0.1 --out .
run 04_adam            "$bin/04_adam" "${M[@]}" "${T[@]}" --epochs 5 --mnist-examples 2000 --out .
run 05_mlp_eigen       "$bin/05_mlp" "${M[@]}" "${T[@]}" --train-limit 3000 --test-limit 1000 --epochs 2 \
                          --checkpoint ck.bin --out .
run 05_mlp_naive       "$bin/05_mlp" "${M[@]}" "${T[@]}" --backend naive --train-limit 1000 --test-limit 500 \
                          --epochs 1 --optimizer adam --lr 0.001 --out .
run 05_mlp_resume      sh -c "cp '$out/$pass/05_mlp_eigen/files/ck.bin' ck.bin && '$bin/05_mlp' --data '$data' --threads 1 --quiet --train-limit 3000 --test-limit 1000 --epochs 3 --checkpoint ck.bin --resume ck.bin --out ."
run 06_kernels         "$bin/06_kernels" "${T[@]}" --m 33 --n 50 --k 77 --repeat 1 --out .
run 07_fastcpu         "$bin/07_fast" "${M[@]}" "${T[@]}" --backend fastcpu --train-limit 3000 --test-limit 1000 --epochs 2 \
                          --json summary.json --out .
run 07_ladder          "$bin/07_fast" "${M[@]}" "${T[@]}" --ladder --ladder-epochs 1 --train-limit 2000 --test-limit 500 \
                          --epochs 1 --json ladder.json --out .
if command -v mpirun >/dev/null 2>&1; then
  run 08_sync          mpirun -np 2 --oversubscribe "$bin/08_parallel" "${M[@]}" "${T[@]}" --mode sync --deterministic \
                          --train-limit 2000 --test-limit 500 --epochs 1 --json p.json --out .
fi
run 09_inside          "$bin/09_inside" "${M[@]}" "${T[@]}" --epochs 1 --train-limit 3000 --test-limit 500 \
                          --skip-retraining --ig-images 4 --sanity-images 4 --deletion-images 4 --importance-images 50 \
                          --json inside.json --out .
run 10_faq_depth       "$bin/10_faq" "${M[@]}" "${T[@]}" --experiment depth --quick --json faq.json --out .
done
echo "golden-outputs.sh: wrote $out"
