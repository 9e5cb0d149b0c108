#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS] [TARGET...] — fuzz the file readers with libFuzzer for a bounded time
# (default 60 s per target). Targets: idx (the MNIST IDX reader) and checkpoint (the chapter-05
# checkpoint reader); default: both.
#
# Each target is built with one clang++ command (-fsanitize=fuzzer,address,undefined) from
# fuzz/fuzz_<target>.cpp and the reader's sources, gets a seed corpus of valid and broken files
# (fuzz/make-corpus.sh for idx; the harness's FUZZ_WRITE_SEEDS mode for checkpoint), and runs.
# Exit status: 0 when the whole run found nothing; non-zero on any crash, leak, timeout, memory
# blow-up or sanitizer report (the reproducer is kept in build-fuzz/artifacts/).
#   env CXX_FUZZ=clang++-14 picks the compiler.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
case "$seconds" in ''|*[!0-9]*) echo "fuzz.sh: SECONDS must be a whole number, got '$seconds'" >&2; exit 2;; esac

cxx="${CXX_FUZZ:-}"
if [ -z "$cxx" ]; then
  for c in clang++ clang++-14 clang++-15 clang++-16; do
    if command -v "$c" >/dev/null 2>&1; then cxx="$c"; break; fi
  done
fi
if [ -z "$cxx" ]; then
  echo "fuzz.sh: clang++ not found (Debian: apt-get install clang libclang-rt-14-dev; scripts/setup.sh)" >&2
  exit 2
fi

dir=build-fuzz
mkdir -p "$dir"
targets=("${@:2}")
[ ${#targets[@]} -eq 0 ] && targets=(idx checkpoint)
common=(-std=c++17 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
        -Icommon/include -isystem /usr/include/eigen3)

build_target() {  # build_target NAME -> $dir/fuzz_NAME, seeds in $dir/seeds_NAME
  local t="$1" seeds="$dir/seeds_$1"
  echo "== building $dir/fuzz_$t with $cxx"
  case "$t" in
    idx)
      "$cxx" "${common[@]}" fuzz/fuzz_idx.cpp common/io/idx.cpp -lz -o "$dir/fuzz_idx"
      rm -rf "$seeds"; bash fuzz/make-corpus.sh "$seeds" ;;
    checkpoint)
      # mlp.cpp and optimizer.cpp call the CPU backends (ops.cpp: the Eigen code and the naive
      # exercise functions, whose reference bodies are in solutions/), so they come along.
      "$cxx" "${common[@]}" -DDNN_COMPILER_ID='"clang"' -DDNN_BUILD_TYPE='"fuzz"' -DDNN_NATIVE_FLAG=0 \
        fuzz/fuzz_checkpoint.cpp common/src/checkpoint.cpp common/io/idx.cpp common/io/log.cpp common/src/activation.cpp \
        common/src/optimizer.cpp common/src/mlp.cpp common/src/rng.cpp \
        common/src/ops.cpp common/src/eigen_ops.cpp common/src/naive_math.cpp \
        solutions/ch01_forward.cpp solutions/ch02_backprop.cpp solutions/ch03_sgd.cpp solutions/ch04_adam.cpp \
        -lz -o "$dir/fuzz_checkpoint"
      rm -rf "$seeds"; mkdir -p "$seeds"; FUZZ_WRITE_SEEDS="$seeds" "$dir/fuzz_checkpoint" ;;
    *) echo "fuzz.sh: unknown target '$t' (expected idx or checkpoint)" >&2; exit 2 ;;
  esac
}

status=0
summary=()
for t in "${targets[@]}"; do
  build_target "$t"
  mkdir -p "$dir/corpus_$t" "$dir/artifacts_$t"
  echo "== fuzzing $t for ${seconds} s"
  log="$dir/fuzz_$t.log"
  set +e
  # corpus_<t>/ keeps what the fuzzer learned between runs; seeds_<t>/ is regenerated input.
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ASAN_OPTIONS=detect_leaks=1 \
  "$dir/fuzz_$t" "$dir/corpus_$t" "$dir/seeds_$t" \
    -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
    -print_final_stats=1 -artifact_prefix="$dir/artifacts_$t/" 2>&1 \
    | tee "$log" | grep -E "^#[0-9]+[[:space:]]+(INITED|DONE)|stat::number_of_executed|ERROR|SUMMARY|runtime error|Test unit written"
  rc=${PIPESTATUS[0]}
  set -e
  if [ "$rc" -ne 0 ] || grep -qE "ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|SUMMARY: " "$log"; then
    echo "fuzz.sh: $t FAILED (exit $rc): see $log; reproducers in $dir/artifacts_$t/ (rerun: $dir/fuzz_$t FILE)" >&2
    status=1
    summary+=("$t: FAILED")
  else
    runs=$(grep -oE "stat::number_of_executed_units: *[0-9]+" "$log" | awk '{s+=$2} END {print s+0}')
    summary+=("$t: OK, ${runs} inputs in ${seconds} s, no crash, leak or sanitizer report (corpus $(ls "$dir/corpus_$t" | wc -l) files)")
  fi
done
printf 'fuzz.sh: %s\n' "${summary[@]}"
exit $status
