#!/usr/bin/env bash
# scripts/gpu-check.sh OUTDIR — the one prepared command for the GPU machine (chapters 06 and 07).
#
# Builds a Release tree for sm_90 (H100/H200), then runs, writing every log and JSON to OUTDIR:
#   1. every CUDA test (ctest -L cuda)                            -> ctest_cuda.log
#   2. the chapter-06 CUDA benchmarks (JSON) and their table/chart -> bench_ch06_cuda.{json,log}, report/
#   3. chapter 07's GPU timing, if 07_fast exists and has --gpu-ladder -> ch07_gpu.{json,log}
#   4. 06_kernels --device cuda at 4096³ (all steps, verified against the naive formula)
#   5. compute-sanitizer memcheck and racecheck over the CUDA tests
#      (the large-shape test cases are left out: the sanitizers are ~100x slower) -> sanitizer_*.log
#      Last, because it is the slowest: the measurements above are in OUTDIR even if a limit cuts it.
# and a summary (summary.txt: PASS/FAIL/SKIP per step, the GPU, the date). Exit code 0 only when
# nothing FAILED. Target: under 5 minutes on an H200.
#
# Dependencies: when the machine lacks the -dev packages, set DNN_DEPS_PREFIX to a folder of
# extracted .debs, or leave it unset and run scripts/fetch-gpu-deps.sh beforehand on a machine with
# apt: the .debs/ folder is then unpacked (dpkg -x) into <build dir>/deps-prefix automatically.
#
# Environment: DNN_DEPS_PREFIX (see above), DNN_GPU_BUILD_DIR (default build-gpu),
#              DNN_GPU_JOBS (build jobs, default: all cores), CUDA_HOME (default /usr/local/cuda).
# Options:     --prefix-only   only prepare the dependency prefix and print the CMake arguments.
set -uo pipefail

usage() { sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; }
PREFIX_ONLY=0
OUT=""
for arg in "$@"; do
  case "$arg" in
    -h|--help) usage; exit 0 ;;
    --prefix-only) PREFIX_ONLY=1 ;;
    -*) echo "gpu-check.sh: error: unknown option '$arg' (see --help)" >&2; exit 2 ;;
    *) if [ -n "$OUT" ]; then echo "gpu-check.sh: error: more than one OUTDIR given ('$OUT', '$arg')" >&2; exit 2; fi
       OUT="$arg" ;;
  esac
done
if [ -z "$OUT" ] && [ "$PREFIX_ONLY" = 0 ]; then
  echo "gpu-check.sh: error: missing OUTDIR (the folder for logs and JSON). Usage: scripts/gpu-check.sh OUTDIR" >&2
  exit 2
fi

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CUDA_HOME="${CUDA_HOME:-/usr/local/cuda}"
export PATH="$PATH:$CUDA_HOME/bin"
BUILD="${DNN_GPU_BUILD_DIR:-$ROOT/build-gpu}"
JOBS="${DNN_GPU_JOBS:-$(nproc 2>/dev/null || echo 4)}"
start=$(date +%s)

# ---------------------------------------------------------------- dependency prefix
PREFIX="${DNN_DEPS_PREFIX:-}"
if [ -n "$PREFIX" ] && [ ! -d "$PREFIX" ]; then
  echo "gpu-check.sh: error: DNN_DEPS_PREFIX='$PREFIX' is not a folder" >&2
  exit 2
fi
if [ -z "$PREFIX" ] && ls "$ROOT"/.debs/*.deb >/dev/null 2>&1; then
  PREFIX="$BUILD/deps-prefix"  # inside the (git-ignored) build folder, so .debs/ stays small to carry
  if [ ! -f "$PREFIX/.complete" ] || [ -n "$(find "$ROOT/.debs" -maxdepth 1 -name '*.deb' -newer "$PREFIX/.complete")" ]; then
    command -v dpkg >/dev/null || { echo "gpu-check.sh: error: .debs/ exists but dpkg is missing; set DNN_DEPS_PREFIX" >&2; exit 2; }
    echo "gpu-check.sh: unpacking $(ls "$ROOT"/.debs/*.deb | wc -l) .debs into $PREFIX"
    rm -rf "$PREFIX"
    mkdir -p "$PREFIX"
    for deb in "$ROOT"/.debs/*.deb; do
      dpkg -x "$deb" "$PREFIX" || { echo "gpu-check.sh: error: dpkg -x $deb failed" >&2; exit 2; }
    done
    # A -dev package's lib*.so is a link to its runtime library; some point outside the prefix and
    # name the exact version of the machine that fetched them (zlib1g-dev: libz.so ->
    # /lib/<arch>/libz.so.1.2.13), and dangle on another distribution, so every link step fails.
    # Re-point such a link at this machine's lib*.so.N, or remove it (the linker then takes the
    # package's static lib*.a, e.g. libz.a).
    ARCH_DIR="$PREFIX/usr/lib/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)"
    for l in "$ARCH_DIR"/*.so; do
      [ -L "$l" ] && [ ! -e "$l" ] || continue
      sys="$(ls /lib/"${ARCH_DIR##*/}"/"${l##*/}".[0-9]* /usr/lib/"${ARCH_DIR##*/}"/"${l##*/}".[0-9]* 2>/dev/null | head -1)"
      if [ -n "$sys" ]; then ln -sfn "$sys" "$l"; else rm -f "$l"; fi
    done
    touch "$PREFIX/.complete"
  fi
fi
CMAKE_ARGS=(-G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90 -DDNN_NATIVE=ON)
if [ -n "$PREFIX" ]; then
  PREFIX="$(cd "$PREFIX" && pwd)"
  MULTI="$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)"
  # find_package looks in <prefix>/lib/<arch>/cmake, <prefix>/share/... and <prefix>/include.
  CMAKE_ARGS+=("-DCMAKE_PREFIX_PATH=$PREFIX/usr")
  export PKG_CONFIG_PATH="$PREFIX/usr/lib/$MULTI/pkgconfig:$PREFIX/usr/share/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
  # stb.pc says includedir=/usr/include/stb: re-root it under the prefix when the system has no stb.
  if ! PKG_CONFIG_PATH= pkg-config --exists stb 2>/dev/null; then export PKG_CONFIG_SYSROOT_DIR="$PREFIX"; fi
  export LD_LIBRARY_PATH="$PREFIX/usr/lib/$MULTI${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export LIBRARY_PATH="$PREFIX/usr/lib/$MULTI${LIBRARY_PATH:+:$LIBRARY_PATH}"
  # Tools from the prefix only when the machine has none.
  command -v cmake >/dev/null || export PATH="$PATH:$PREFIX/usr/bin"
  command -v ninja >/dev/null || export PATH="$PATH:$PREFIX/usr/bin"
  command -v pkg-config >/dev/null || export PATH="$PATH:$PREFIX/usr/bin"
fi
if [ "$PREFIX_ONLY" = 1 ]; then
  echo "prefix: ${PREFIX:-(none: system packages)}"
  echo "cmake -S $ROOT -B $BUILD ${CMAKE_ARGS[*]}"
  echo "PKG_CONFIG_PATH=${PKG_CONFIG_PATH:-} PKG_CONFIG_SYSROOT_DIR=${PKG_CONFIG_SYSROOT_DIR:-}"
  exit 0
fi

mkdir -p "$OUT" || { echo "gpu-check.sh: error: cannot create OUTDIR '$OUT'" >&2; exit 2; }
OUT="$(cd "$OUT" && pwd)"
SUMMARY="$OUT/summary.txt"
: > "$SUMMARY"
status=0
note() { echo "[$(( $(date +%s) - start ))s] $*" | tee -a "$SUMMARY"; }
# step NAME LOG TIMEOUT CMD...: runs CMD with a time limit; exit 77 = SKIP, 0 = PASS, else FAIL.
step() {
  local name="$1" log="$2" limit="$3"
  shift 3
  local t0=$(date +%s)
  timeout "$limit" "$@" > "$OUT/$log" 2>&1
  local rc=$?
  local dt=$(( $(date +%s) - t0 ))
  if [ $rc -eq 0 ]; then note "PASS  $name (${dt}s, $log)"
  elif [ $rc -eq 77 ]; then note "SKIP  $name (${dt}s, $log): $(tail -1 "$OUT/$log")"
  elif [ $rc -eq 124 ]; then note "FAIL  $name: timed out after ${limit}s ($log)"; status=1
  else note "FAIL  $name: exit code $rc ($log)"; status=1
  fi
  return $rc
}

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "git: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "host: $(hostname)"
  echo "cpu: $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)"
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1 || echo "nvidia-smi: not available"
  nvcc --version 2>&1 | tail -2
  echo "deps prefix: ${PREFIX:-(system)}"
} > "$OUT/env.txt"
note "gpu-check.sh: OUT=$OUT, build dir $BUILD, $JOBS jobs"
note "GPU: $(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1 || echo none)"

# ---------------------------------------------------------------- configure + build
if ! step "configure (Release, sm_90)" configure.log 120 cmake -S "$ROOT" -B "$BUILD" "${CMAKE_ARGS[@]}"; then
  note "cannot continue without a configured build (see configure.log)"
  exit 1
fi
CUDA_TESTS=$(ctest --test-dir "$BUILD" -L cuda -N 2>/dev/null | awk '/Test +#/ {print $3}' | tr '\n' ' ')
TARGETS="$CUDA_TESTS bench_ch06_cuda 06_kernels"
HAVE_07=0
# (ninja -t query: does the build know a target of that name? `-t targets all` lists files, not
# CMake's phony target names, so grepping it for '07_fast:' silently found nothing.)
if ninja -C "$BUILD" -t query 07_fast >/dev/null 2>&1; then HAVE_07=1; TARGETS="$TARGETS 07_fast"; fi
# shellcheck disable=SC2086
step "build: $TARGETS" build.log 420 cmake --build "$BUILD" -j "$JOBS" --target $TARGETS || { note "build failed: see build.log"; exit 1; }

# ---------------------------------------------------------------- 1. CUDA tests
step "CUDA tests (ctest -L cuda)" ctest_cuda.log 180 ctest --test-dir "$BUILD" -L cuda --output-on-failure
if grep -q "(Skipped)" "$OUT/ctest_cuda.log" 2>/dev/null; then
  note "SKIP  CUDA tests reported as skipped by ctest: $(grep '(Skipped)' "$OUT/ctest_cuda.log" | awk '{print $3}' | tr '\n' ' ')"
fi
# Is there a GPU the programs can use? (The test program exits 77 when there is none.)
HAVE_GPU=1
FIRST_TEST=${CUDA_TESTS%% *}
if [ -n "$FIRST_TEST" ] && [ -x "$BUILD/tests/$FIRST_TEST" ]; then
  "$BUILD/tests/$FIRST_TEST" --list-tests > "$OUT/gpu_probe.log" 2>&1
  [ $? -eq 77 ] && HAVE_GPU=0
fi
[ "$HAVE_GPU" = 0 ] && note "NOTE  no usable GPU: $(head -1 "$OUT/gpu_probe.log"); the GPU steps below are skipped"

# ---------------------------------------------------------------- 2. benchmarks
step "bench_ch06_cuda (JSON)" bench_ch06_cuda.log 180 "$BUILD/bench/bench_ch06_cuda" \
  --benchmark_out="$OUT/bench_ch06_cuda.json" --benchmark_out_format=json
if [ -s "$OUT/bench_ch06_cuda.json" ]; then
  step "report: GFLOP/s table + speedup chart" report.log 60 python3 "$ROOT/chapters/06_kernels/report.py" \
    "$OUT/bench_ch06_cuda.json" --out "$OUT/report"
fi

# ---------------------------------------------------------------- 3. chapter 07
if [ "$HAVE_GPU" = 0 ]; then
  note "SKIP  chapter 07 GPU timing: no usable GPU"
elif [ "$HAVE_07" = 1 ] && [ -x "$BUILD/bin/07_fast" ]; then
  # grep -c, not grep -q: under `set -o pipefail` an early-exiting grep -q can make the pipeline fail
  # (the writer gets SIGPIPE) although the text was found.
  if "$BUILD/bin/07_fast" --help 2>/dev/null | grep -c -- "--gpu-ladder" >/dev/null; then
    step "07_fast --gpu-ladder (chapter 07 GPU timing)" ch07_gpu.log 180 "$BUILD/bin/07_fast" --gpu-ladder \
      --json "$OUT/ch07_gpu.json" --out "$OUT/ch07"
  else
    step "07_fast --backend cuda (chapter 07 GPU training)" ch07_gpu.log 180 "$BUILD/bin/07_fast" --backend cuda \
      --out "$OUT/ch07"
  fi
else
  note "SKIP  chapter 07 GPU timing: the 07_fast program does not exist yet"
fi

# ---------------------------------------------------------------- 4. the chapter-06 program at 4096³
if [ "$HAVE_GPU" = 0 ]; then
  note "SKIP  06_kernels --device cuda: no usable GPU"
else
  step "06_kernels --device cuda at 4096^3" ch06_program_4096.log 120 "$BUILD/bin/06_kernels" --device cuda \
    --m 4096 --n 4096 --k 4096 --repeat 3 --out "$OUT/ch06_program"
fi

# ---------------------------------------------------------------- 5. compute-sanitizer (last: the slowest step, and the one a time limit may cut)
SAN="$(command -v compute-sanitizer || true)"
[ -z "$SAN" ] && [ -x "$CUDA_HOME/compute-sanitizer/compute-sanitizer" ] && SAN="$CUDA_HOME/compute-sanitizer/compute-sanitizer"
if [ -z "$SAN" ]; then
  note "SKIP  compute-sanitizer: not found (PATH, $CUDA_HOME/bin, $CUDA_HOME/compute-sanitizer)"
else
  for t in $CUDA_TESTS; do
    exe="$BUILD/tests/$t"
    [ -x "$exe" ] || { note "SKIP  sanitizer on $t: $exe not built"; continue; }
    for tool in memcheck racecheck; do
      step "compute-sanitizer $tool $t" "sanitizer_${tool}_$t.log" 120 \
        "$SAN" --tool "$tool" --error-exitcode 1 "$exe" "~[large]"
    done
  done
fi

note "done in $(( $(date +%s) - start ))s; $( [ $status -eq 0 ] && echo 'nothing failed' || echo 'SOME STEPS FAILED' )"
exit $status
