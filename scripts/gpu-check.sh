#!/usr/bin/env bash
# scripts/gpu-check.sh OUTDIR — the one prepared command for the GPU machine (chapters 06 and 07).
#
# Builds a Release tree for sm_90 (H100/H200), then runs:
#   1. every CUDA test (ctest -L cuda)                                  -> ctest_cuda.log
#   2. the chapter-06 CUDA benchmarks (JSON) and their table (report.py) -> bench_ch06_cuda.json, report/
#   3. chapter 07's GPU timing (07_fast --gpu-ladder)                    -> ch07_gpu.json, ch07/
#   4. 06_kernels --device cuda at 4096³ (every step, checked against the naive formula)
#                                                                        -> ch06_program_4096.log
#   5. compute-sanitizer memcheck and racecheck over the CUDA tests (their [large] cases left out:
#      the sanitizers are ~100x slower) -> sanitizer_*.log. Last and only while the time budget
#      lasts: the measurements above come first.
# OUTDIR receives at most 7 files (a GPU machine may hand back only a few): summary.txt (PASS/FAIL/
# SKIP per step with the time, the end of every failing log, the GPU, driver, date and the key result
# lines), gpu-check-all.tar.gz (EVERY log, JSON, CSV and chart), and copies of ctest_cuda.log,
# bench_ch06_cuda.json, report/gemm_table.md, ch07_gpu.json, ch06_program_4096.log. They are refreshed
# after every step, so a run cut short still leaves what it measured. All files are also kept in
# <build dir>/gpu-check-files/. Exit code 0 only when nothing FAILED.
#
# Time: target under 5 minutes on an H200 (build ≈ 1–2 min on 16 cores). The sanitizer runs start
# only while DNN_GPU_BUDGET_S (default 300) seconds have not passed; no step runs past
# DNN_GPU_HARD_LIMIT_S (default 540, inside a 10-minute command limit).
#
# Data: chapter 07 trains on MNIST from data/mnist/ (or MNIST_DIR); without it the programs fall back
# to another dataset and summary.txt says so in a WARNING line.
#
# Dependencies: when the machine lacks the -dev packages, set DNN_DEPS_PREFIX to a folder of
# extracted .debs, or leave it unset and run scripts/fetch-gpu-deps.sh beforehand on a machine with
# apt: the .debs/ folder is then unpacked (dpkg -x) into <build dir>/deps-prefix automatically.
#
# Environment: DNN_DEPS_PREFIX (see above), DNN_GPU_BUILD_DIR (default build-gpu),
#              DNN_GPU_JOBS (build jobs, default: all cores), CUDA_HOME (default: the folder above
#              the nvcc on PATH, else /usr/local/cuda), DNN_GPU_BUDGET_S, DNN_GPU_HARD_LIMIT_S.
# Options:     --prefix-only   only prepare the dependency prefix and print the CMake arguments.
#              --preflight     run HERE before the device run: checks what must travel (data/mnist with
#                              the four .gz files, .debs/) and prints its size against the 64 MiB carry
#                              limit; exit 0 only when it fits.
set -uo pipefail

usage() { sed -n '2,38p' "$0" | sed 's/^# \{0,1\}//'; }
PREFIX_ONLY=0
PREFLIGHT=0
OUT=""
for arg in "$@"; do
  case "$arg" in
    -h|--help) usage; exit 0 ;;
    --prefix-only) PREFIX_ONLY=1 ;;
    --preflight) PREFLIGHT=1 ;;
    -*) echo "gpu-check.sh: error: unknown option '$arg' (see --help)" >&2; exit 2 ;;
    *) if [ -n "$OUT" ]; then echo "gpu-check.sh: error: more than one OUTDIR given ('$OUT', '$arg')" >&2; exit 2; fi
       OUT="$arg" ;;
  esac
done
ROOT="$(cd "$(dirname "$0")/.." && pwd)"

# ---------------------------------------------------------------- --preflight: what must travel, and does it fit
if [ "$PREFLIGHT" = 1 ]; then
  LIMIT_MB=64
  ok=1
  kb() { du -sk "$1" 2>/dev/null | cut -f1; }
  total=0
  for f in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz; do
    if [ -f "$ROOT/data/mnist/$f" ]; then :; else
      echo "gpu-check.sh --preflight: MISSING data/mnist/$f (mkdir -p data && cp -r <your MNIST folder> data/mnist)"; ok=0
    fi
  done
  [ -d "$ROOT/data" ] && { echo "data/:  $(( $(kb "$ROOT/data") / 1024 )) MiB"; total=$(( total + $(kb "$ROOT/data") )); }
  if ls "$ROOT"/.debs/*.deb >/dev/null 2>&1; then
    echo ".debs/: $(( $(kb "$ROOT/.debs") / 1024 )) MiB in $(ls "$ROOT"/.debs/*.deb | wc -l) packages"
    total=$(( total + $(kb "$ROOT/.debs") ))
  else
    echo "gpu-check.sh --preflight: no .debs/ (run scripts/fetch-gpu-deps.sh, unless the GPU machine has the -dev packages)"
  fi
  echo "carry total: $(( total / 1024 )) MiB of ${LIMIT_MB} MiB"
  [ "$total" -gt $(( LIMIT_MB * 1024 )) ] && { echo "gpu-check.sh --preflight: TOO BIG for the carry limit"; ok=0; }
  [ "$ok" = 1 ] && { echo "gpu-check.sh --preflight: OK"; exit 0; }
  exit 1
fi

if [ -z "$OUT" ] && [ "$PREFIX_ONLY" = 0 ]; then
  echo "gpu-check.sh: error: missing OUTDIR (the folder for logs and JSON). Usage: scripts/gpu-check.sh OUTDIR" >&2
  exit 2
fi
is_count() { case "$1" in ''|*[!0-9]*) return 1 ;; *) return 0 ;; esac; }
BUDGET="${DNN_GPU_BUDGET_S:-300}"
HARD="${DNN_GPU_HARD_LIMIT_S:-540}"
is_count "$BUDGET" || { echo "gpu-check.sh: error: DNN_GPU_BUDGET_S='$BUDGET' is not a number of seconds" >&2; exit 2; }
is_count "$HARD" || { echo "gpu-check.sh: error: DNN_GPU_HARD_LIMIT_S='$HARD' is not a number of seconds" >&2; exit 2; }

if [ -z "${CUDA_HOME:-}" ]; then
  if [ -x /usr/local/cuda/bin/nvcc ] || ! command -v nvcc >/dev/null; then CUDA_HOME=/usr/local/cuda
  else CUDA_HOME="$(cd "$(dirname "$(readlink -f "$(command -v nvcc)")")/.." && pwd)"; fi
fi
export PATH="$PATH:$CUDA_HOME/bin"
BUILD="${DNN_GPU_BUILD_DIR:-$ROOT/build-gpu}"
JOBS="${DNN_GPU_JOBS:-$(nproc 2>/dev/null || echo 4)}"
start=$(date +%s)
SOFT_END=$(( start + BUDGET ))
HARD_END=$(( start + HARD ))

# ---------------------------------------------------------------- OUTDIR and the summary (first: always written)
SUMMARY=/dev/null
note() { echo "[$(( $(date +%s) - start ))s] $*" | tee -a "$SUMMARY"; }
if [ "$PREFIX_ONLY" = 0 ]; then
  mkdir -p "$OUT" || { echo "gpu-check.sh: error: cannot create OUTDIR '$OUT'" >&2; exit 2; }
  OUT="$(cd "$OUT" && pwd)"
  SUMMARY="$OUT/summary.txt"
  : > "$SUMMARY"
  # Every file goes to WORK; OUT gets the summary, a tarball of WORK and copies of the key files.
  WORK="$BUILD/gpu-check-files"
  rm -rf "$WORK"
  mkdir -p "$WORK" || { note "FAIL  cannot create $WORK"; exit 1; }
fi
KEY_FILES="ctest_cuda.log bench_ch06_cuda.json report/gemm_table.md ch07_gpu.json ch06_program_4096.log"
publish() {
  [ "$PREFIX_ONLY" = 1 ] && return 0
  local f
  for f in $KEY_FILES; do
    if [ -f "$WORK/$f" ]; then mkdir -p "$OUT/$(dirname "$f")" && cp -f "$WORK/$f" "$OUT/$f"; fi
  done
  cp -f "$SUMMARY" "$WORK/summary.txt"
  tar -czf "$BUILD/gpu-check-all.tar.gz.tmp" -C "$WORK" . 2>/dev/null &&
    mv -f "$BUILD/gpu-check-all.tar.gz.tmp" "$OUT/gpu-check-all.tar.gz"
}
trap publish EXIT
trap 'note "FAIL  gpu-check.sh interrupted (signal)"; exit 1' INT TERM

# ---------------------------------------------------------------- dependency prefix
PREFIX="${DNN_DEPS_PREFIX:-}"
if [ -n "$PREFIX" ] && [ ! -d "$PREFIX" ]; then
  note "FAIL  DNN_DEPS_PREFIX='$PREFIX' is not a folder"
  exit 2
fi
if [ -z "$PREFIX" ] && ls "$ROOT"/.debs/*.deb >/dev/null 2>&1; then
  PREFIX="$BUILD/deps-prefix"  # inside the (git-ignored) build folder, so .debs/ stays small to carry
  if [ ! -f "$PREFIX/.complete" ] || [ -n "$(find "$ROOT/.debs" -maxdepth 1 -name '*.deb' -newer "$PREFIX/.complete")" ]; then
    # dpkg -x DEB DIR, or where there is no dpkg the same by hand: a .deb is an ar archive whose
    # data.tar.* holds the files.
    unpack_deb() {
      if command -v dpkg >/dev/null; then dpkg -x "$1" "$2"; return; fi
      local tmp rc
      tmp="$(mktemp -d)" || return 1
      (cd "$tmp" && ar x "$1" && tar -xf data.tar.* -C "$2")
      rc=$?
      rm -rf "$tmp"
      return $rc
    }
    command -v dpkg >/dev/null || command -v ar >/dev/null ||
      { note "FAIL  .debs/ exists but neither dpkg nor ar is there to unpack it; set DNN_DEPS_PREFIX"; exit 2; }
    note "unpacking $(ls "$ROOT"/.debs/*.deb | wc -l) .debs into $PREFIX"
    rm -rf "$PREFIX"
    mkdir -p "$PREFIX"
    for deb in "$ROOT"/.debs/*.deb; do
      # One broken .deb is reported, not fatal: configure says whether its package was needed.
      unpack_deb "$deb" "$PREFIX" 2>/dev/null || note "WARNING could not unpack $(basename "$deb") (a truncated or foreign .deb?)"
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
# CMAKE_POLICY_VERSION_MINIMUM: CMake 4 refuses package files written for CMake < 3.5 without it
# (older CMake ignores it).
CMAKE_ARGS=(-G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90 -DDNN_NATIVE=ON -DDNN_ENABLE_CUDA=ON
            -DCMAKE_POLICY_VERSION_MINIMUM=3.5 -Wno-dev)
if [ -n "$PREFIX" ]; then
  PREFIX="$(cd "$PREFIX" && pwd)"
  MULTI="$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)"
  # find_package looks in <prefix>/lib/<arch>/cmake, <prefix>/share/... and <prefix>/include.
  CMAKE_ARGS+=("-DCMAKE_PREFIX_PATH=$PREFIX/usr")
  export PKG_CONFIG_PATH="$PREFIX/usr/lib/$MULTI/pkgconfig:$PREFIX/usr/share/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
  # stb.pc says includedir=/usr/include/stb: re-root it under the prefix when the system has no stb.
  if ! PKG_CONFIG_PATH= pkg-config --exists stb 2>/dev/null; then export PKG_CONFIG_SYSROOT_DIR="$PREFIX"; fi
  # Not exported: cmake, ninja and python must keep the machine's own libraries. Only the test and
  # program steps get it (WITH_DEPS_LIBS below); the binaries also carry rpaths into the prefix.
  DEPS_LD_PATH="$PREFIX/usr/lib/$MULTI"
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

status=0
# "${WITH_DEPS_LIBS[@]}" CMD...: runs CMD with the prefix's libraries first on LD_LIBRARY_PATH (the test
# and program steps only). An env command, not a function, so that `timeout` in step() can run it.
WITH_DEPS_LIBS=(env)
[ -n "${DEPS_LD_PATH:-}" ] && WITH_DEPS_LIBS=(env "LD_LIBRARY_PATH=$DEPS_LD_PATH${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}")
# step NAME LOG LIMIT CMD...: runs CMD with a time limit (never past the hard limit), output to
# WORK/LOG; exit 77 = SKIP, 0 = PASS, else FAIL (with the end of the log in the summary).
step() {
  local name="$1" log="$2" limit="$3"
  shift 3
  local left=$(( HARD_END - $(date +%s) ))
  if [ "$left" -lt 15 ]; then
    note "FAIL  $name: not run, the hard time limit (${HARD}s) is reached"
    status=1
    return 124
  fi
  [ "$limit" -gt "$left" ] && limit=$left
  mkdir -p "$(dirname "$WORK/$log")"
  local t0
  t0=$(date +%s)
  timeout -k 10 "$limit" "$@" > "$WORK/$log" 2>&1
  local rc=$?
  local dt=$(( $(date +%s) - t0 ))
  if [ $rc -eq 0 ]; then note "PASS  $name (${dt}s, $log)"
  elif [ $rc -eq 77 ]; then note "SKIP  $name (${dt}s, $log): $(tail -1 "$WORK/$log")"
  elif { [ $rc -eq 124 ] || [ $rc -eq 137 ]; } && [ "${CUT_IS_SKIP:-0}" = 1 ]; then
    note "SKIP  $name: cut by the time budget after ${limit}s ($log)"
  else
    if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then note "FAIL  $name: timed out after ${limit}s ($log)"
    else note "FAIL  $name: exit code $rc ($log)"; fi
    status=1
    { echo "    ---- last lines of $log:"; tail -n 25 "$WORK/$log" | cut -c1-300 | sed 's/^/    | /'; } >> "$SUMMARY"
  fi
  publish
  return $rc
}

{
  # The toolkit first: what nvcc and whether cuBLAS is there (without it the cuBLAS rows are skipped).
  echo "nvcc: $(command -v nvcc || echo 'NOT FOUND') $(nvcc --version 2>&1 | sed -n 's/^Cuda compilation tools, //p')"
  CUBLAS_LIB="$(ls "$CUDA_HOME"/lib64/libcublas.so* "$CUDA_HOME"/targets/*/lib/libcublas.so* 2>/dev/null | head -1)"
  echo "cuBLAS: ${CUBLAS_LIB:-NOT FOUND in $CUDA_HOME (the cuBLAS rows will be skipped; hand-written kernels still run)}"
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "git: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" status --porcelain 2>/dev/null | grep -q . && echo ' (with uncommitted changes)')"
  echo "host: $(hostname)"
  echo "cpu: $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1), $(nproc 2>/dev/null) cores"
  if command -v nvidia-smi >/dev/null; then
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1
  else echo "nvidia-smi: not available"; fi
  echo "nvcc: $(nvcc --version 2>&1 | tail -2 | tr '\n' ' ')"
  echo "cmake: $(cmake --version 2>&1 | head -1), compiler: $(c++ --version 2>&1 | head -1)"
  echo "deps prefix: ${PREFIX:-(system)}"
} > "$WORK/env.txt" 2>&1
sed 's/^/    /' "$WORK/env.txt" >> "$SUMMARY"
note "gpu-check.sh: OUT=$OUT (all files: $WORK), build dir $BUILD, $JOBS jobs, budget ${BUDGET}s, hard limit ${HARD}s"
SMI_GPU="$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1)"
note "GPU: ${SMI_GPU:-none (nvidia-smi lists none)}"
MNIST="${MNIST_DIR:-$ROOT/data/mnist}"
if ls "$MNIST"/train-images-idx3-ubyte* >/dev/null 2>&1; then note "data: MNIST in $MNIST"
else note "WARNING no MNIST in $MNIST (copy it to data/mnist/ and carry it, or set MNIST_DIR): chapter 07's timings and accuracies below are NOT on MNIST"; fi
publish

# ---------------------------------------------------------------- configure + build
if ! step "configure (Release, sm_90)" configure.log 120 cmake -S "$ROOT" -B "$BUILD" "${CMAKE_ARGS[@]}"; then
  note "cannot continue without a configured build (see configure.log)"
  exit 1
fi
grep -E "CUDA:|DNN |-- Found" "$WORK/configure.log" | head -20 | sed 's/^/    /' >> "$SUMMARY"
CUDA_TESTS=$(ctest --test-dir "$BUILD" -L cuda -N 2>/dev/null | awk '/Test +#/ {print $3}' | tr '\n' ' ')
[ -z "$CUDA_TESTS" ] && note "WARNING configure found no CUDA tests (did CMake find nvcc? see configure.log)"
TARGETS="$CUDA_TESTS bench_ch06_cuda 06_kernels"
# (ninja -t query: does the build know a target of that name? `-t targets all` lists files, not
# CMake's phony target names, so grepping it for '07_fast:' silently found nothing.)
HAVE_07=0
if ninja -C "$BUILD" -t query 07_fast >/dev/null 2>&1; then HAVE_07=1; TARGETS="$TARGETS 07_fast"; fi
# -k 0: a target that fails to compile does not stop the others; the steps below run what was built.
# shellcheck disable=SC2086
step "build: $TARGETS" build.log 420 cmake --build "$BUILD" -j "$JOBS" --target $TARGETS -- -k 0 ||
  note "build failed (see build.log and the lines above); the steps below use the programs that were built"
built() { [ -x "$1" ] && return 0; note "FAIL  $2: $1 was not built"; status=1; return 1; }

# ---------------------------------------------------------------- 1. CUDA tests
HAVE_GPU=1
if [ -n "$CUDA_TESTS" ]; then
  step "CUDA tests (ctest -L cuda)" ctest_cuda.log 200 "${WITH_DEPS_LIBS[@]}" ctest --test-dir "$BUILD" -L cuda --output-on-failure --timeout 180
  if grep -q "(Skipped)" "$WORK/ctest_cuda.log" 2>/dev/null; then
    note "SKIP  CUDA tests reported as skipped by ctest: $(grep '(Skipped)' "$WORK/ctest_cuda.log" | awk '{print $3}' | tr '\n' ' ')"
  fi
  grep -E "tests passed|tests failed|Test +#" "$WORK/ctest_cuda.log" | sed 's/^/    /' >> "$SUMMARY"
  # Is there a GPU the programs can use? (A test program exits 77 when there is none.)
  FIRST_TEST=${CUDA_TESTS%% *}
  if [ -x "$BUILD/tests/$FIRST_TEST" ]; then
    "${WITH_DEPS_LIBS[@]}" "$BUILD/tests/$FIRST_TEST" --list-tests > "$WORK/gpu_probe.log" 2>&1
    [ $? -eq 77 ] && HAVE_GPU=0
  fi
else
  note "FAIL  no CUDA tests to run"
  status=1
fi
if [ "$HAVE_GPU" = 0 ]; then
  note "NOTE  no usable GPU: $(head -1 "$WORK/gpu_probe.log"); the GPU steps below are skipped"
  if [ -n "$SMI_GPU" ]; then  # nvidia-smi sees one, CUDA cannot use it (driver older than the toolkit?)
    note "FAIL  nvidia-smi lists '$SMI_GPU' but the CUDA programs cannot use it (see above)"
    status=1
  fi
fi

# ---------------------------------------------------------------- 2. benchmarks
if built "$BUILD/bench/bench_ch06_cuda" "bench_ch06_cuda"; then
  step "bench_ch06_cuda (JSON)" bench_ch06_cuda.log 240 "${WITH_DEPS_LIBS[@]}" "$BUILD/bench/bench_ch06_cuda" \
    --benchmark_out="$WORK/bench_ch06_cuda.json" --benchmark_out_format=json
  grep -c "ERROR OCCURRED" "$WORK/bench_ch06_cuda.log" >/dev/null &&
    { note "FAIL  benchmarks that reported an error:"; grep "ERROR OCCURRED" "$WORK/bench_ch06_cuda.log" | cut -c1-200 | sed 's/^/    /' >> "$SUMMARY"; status=1; }
  if [ -s "$WORK/bench_ch06_cuda.json" ]; then
    step "report: GFLOP/s table + speedup chart" report.log 60 python3 "$ROOT/chapters/06_kernels/report.py" \
      "$WORK/bench_ch06_cuda.json" --out "$WORK/report"
  fi
fi

# ---------------------------------------------------------------- 3. chapter 07
if [ "$HAVE_GPU" = 0 ]; then
  note "SKIP  chapter 07 GPU timing: no usable GPU"
elif [ "$HAVE_07" = 0 ]; then
  note "SKIP  chapter 07 GPU timing: the 07_fast program does not exist yet"
elif built "$BUILD/bin/07_fast" "chapter 07 GPU timing"; then
  # grep -c, not grep -q: under `set -o pipefail` an early-exiting grep -q can make the pipeline fail
  # (the writer gets SIGPIPE) although the text was found.
  if "${WITH_DEPS_LIBS[@]}" "$BUILD/bin/07_fast" --help 2>/dev/null | grep -c -- "--gpu-ladder" >/dev/null; then
    step "07_fast --gpu-ladder (chapter 07 GPU timing)" ch07_gpu.log 180 "${WITH_DEPS_LIBS[@]}" "$BUILD/bin/07_fast" --gpu-ladder \
      --json "$WORK/ch07_gpu.json" --out "$WORK/ch07"
  else
    step "07_fast --backend cuda (chapter 07 GPU training)" ch07_gpu.log 180 "${WITH_DEPS_LIBS[@]}" "$BUILD/bin/07_fast" --backend cuda \
      --out "$WORK/ch07"
  fi
  { grep -E "^data:|WARNING" "$WORK/ch07_gpu.log" | head -3
    grep -A 12 -E "^step +wall med" "$WORK/ch07_gpu.log"; } 2>/dev/null | cut -c1-160 | sed 's/^/    /' >> "$SUMMARY"
fi

# ---------------------------------------------------------------- 4. the chapter-06 program at 4096³
if [ "$HAVE_GPU" = 0 ]; then
  note "SKIP  06_kernels --device cuda: no usable GPU"
elif built "$BUILD/bin/06_kernels" "06_kernels --device cuda"; then
  step "06_kernels --device cuda at 4096^3" ch06_program_4096.log 120 "${WITH_DEPS_LIBS[@]}" "$BUILD/bin/06_kernels" --device cuda \
    --m 4096 --n 4096 --k 4096 --repeat 3 --out "$WORK/ch06_program"
  grep -A 13 -E "^kernel +thr" "$WORK/ch06_program_4096.log" 2>/dev/null | cut -c1-160 | sed 's/^/    /' >> "$SUMMARY"
fi

# ---------------------------------------------------------------- 5. compute-sanitizer (last, within the budget)
SAN="$(command -v compute-sanitizer || true)"
for c in "$CUDA_HOME/compute-sanitizer/compute-sanitizer" /usr/local/cuda/compute-sanitizer/compute-sanitizer \
         /usr/local/cuda/bin/compute-sanitizer; do
  [ -z "$SAN" ] && [ -x "$c" ] && SAN="$c"
done
if [ "$HAVE_GPU" = 0 ]; then
  note "SKIP  compute-sanitizer: no usable GPU"
elif [ -z "$SAN" ]; then
  note "SKIP  compute-sanitizer: not found (PATH, $CUDA_HOME/bin, $CUDA_HOME/compute-sanitizer)"
else
  for tool in memcheck racecheck; do
    for t in $CUDA_TESTS; do
      exe="$BUILD/tests/$t"
      [ -x "$exe" ] || { note "SKIP  compute-sanitizer $tool $t: $exe not built"; continue; }
      end=$(( SOFT_END < HARD_END - 15 ? SOFT_END : HARD_END - 15 ))
      left=$(( end - $(date +%s) ))
      if [ "$left" -lt 30 ]; then
        note "SKIP  compute-sanitizer $tool $t: no time left (DNN_GPU_BUDGET_S=${BUDGET}, DNN_GPU_HARD_LIMIT_S=${HARD})"
        continue
      fi
      limit=$(( left < 150 ? left : 150 ))
      # A run the budget cuts short is reported as SKIP (cut), not as a failure of the code.
      before=$status
      CUT_IS_SKIP=1 step "compute-sanitizer $tool $t" "sanitizer_${tool}_$t.log" "$limit" \
        "${WITH_DEPS_LIBS[@]}" "$SAN" --tool "$tool" --error-exitcode 1 --print-limit 30 "$exe" "~[large]"
      if grep -q "Device not supported" "$WORK/sanitizer_${tool}_$t.log" 2>/dev/null; then
        status=$before  # the tool, not the code: compute-sanitizer refuses this machine (seen on gVisor)
        note "SKIP  compute-sanitizer refuses this device ('Device not supported'): not a code defect; no more sanitizer runs"
        break 2
      fi
      grep -E "ERROR SUMMARY|RACECHECK SUMMARY|test cases:|All tests passed" "$WORK/sanitizer_${tool}_$t.log" 2>/dev/null |
        sed 's/^/    /' >> "$SUMMARY"
    done
  done
fi

note "done in $(( $(date +%s) - start ))s; $( [ $status -eq 0 ] && echo 'nothing failed' || echo 'SOME STEPS FAILED' )"
exit $status
