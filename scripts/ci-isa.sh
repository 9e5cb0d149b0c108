#!/usr/bin/env bash
# scripts/ci-isa.sh — the CPU kernel and trainer tests (tests/portable: chapter 06's GEMM ladder and
# small kernels, chapter 07's fast trainer) built and run once per vector ISA, so a kernel that is
# only right, or only fast, at one vector width is caught:
#
#   x86-64-v3  AVX2 + FMA, 8 lanes    runs wherever the CPU has AVX2 (nearly every x86 since 2015)
#   x86-64-v4  AVX-512, 16 lanes      runs only on a CPU with AVX-512; elsewhere it says it was skipped
#   AArch64    NEON, 4 lanes          cross-compiled (g++-aarch64-linux-gnu), run under qemu-aarch64-static
#
#   scripts/ci-isa.sh              all three (CI: .ci/run, after scripts/setup.sh --cross)
#   scripts/ci-isa.sh v3 arm64     only these
#
# Each build checks that the kernels really use that width (DNN_EXPECT_ISA, test "[simd]"). Build
# folders: build-isa-<name>. Timings under qemu mean nothing; only correctness is tested there.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(v3 v4 arm64)
jobs="$(nproc)"
start=$(date +%s)

has_flags() {  # has_flags FLAG...: every flag is listed in /proc/cpuinfo
  local f
  for f in "$@"; do grep -qw "$f" /proc/cpuinfo || return 1; done
}

build_and_test() {  # build_and_test NAME EXPECTED_ISA CMAKE_ARGS...
  local name="$1" isa="$2"
  shift 2
  local dir="build-isa-$name" t0
  local log="$dir/ci-isa.log"  # the build's output, shown when it fails
  t0=$(date +%s)
  echo "--- $name: configure + build ($dir)"
  mkdir -p "$dir"
  cmake -S tests/portable -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >"$log" 2>&1 ||
    { cat "$log"; exit 1; }
  cmake --build "$dir" -j "$jobs" >>"$log" 2>&1 || { tail -50 "$log"; exit 1; }
  echo "--- $name: test (expecting CPU kernels: $isa)"
  DNN_EXPECT_ISA="$isa" ctest --test-dir "$dir" --output-on-failure
  echo "--- $name: done in $(( $(date +%s) - t0 )) s"
}

for t in "${targets[@]}"; do
  case "$t" in
    v3)
      if has_flags avx2 fma; then
        build_and_test v3 AVX2 -DCMAKE_CXX_FLAGS=-march=x86-64-v3
      else
        echo "--- v3 skipped: this CPU has no AVX2/FMA (x86-64-v3 code would not run here)"
      fi
      ;;
    v4)
      if has_flags avx512f avx512bw avx512cd avx512dq avx512vl; then
        build_and_test v4 AVX-512 -DCMAKE_CXX_FLAGS=-march=x86-64-v4
      else
        echo "--- v4 skipped: this CPU has no AVX-512 (x86-64-v4 needs AVX512F/BW/CD/DQ/VL, /proc/cpuinfo lacks" \
             "some), so the 16-lane kernels cannot run here; the v3 (AVX2) build above was tested instead"
      fi
      ;;
    arm64)
      if command -v aarch64-linux-gnu-g++ >/dev/null && command -v qemu-aarch64-static >/dev/null; then
        build_and_test arm64 NEON -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/aarch64-linux-gnu.cmake"
      else
        echo "ci-isa.sh: arm64 needs g++-aarch64-linux-gnu and qemu-user-static (scripts/setup.sh --cross)" >&2
        exit 1
      fi
      ;;
    *) echo "ci-isa.sh: unknown target '$t' (expected v3, v4 or arm64)" >&2; exit 2 ;;
  esac
done
echo "ci-isa.sh: ${targets[*]} done in $(( $(date +%s) - start )) s"
