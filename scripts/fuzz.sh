#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS] — fuzz the IDX reader with libFuzzer for a bounded time (default 60 s).
#
# Builds fuzz/fuzz_idx.cpp + common/src/idx.cpp with one clang++ command
# (-fsanitize=fuzzer,address,undefined), makes the seed corpus (fuzz/make-corpus.sh), and runs.
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
mkdir -p "$dir/artifacts" "$dir/corpus"
echo "== building $dir/fuzz_idx with $cxx"
"$cxx" -std=c++17 -g -O1 -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -Icommon/include fuzz/fuzz_idx.cpp common/src/idx.cpp -lz -o "$dir/fuzz_idx"

echo "== seed corpus"
seeds="$dir/seeds"
rm -rf "$seeds"
bash fuzz/make-corpus.sh "$seeds"

echo "== fuzzing for ${seconds} s"
log="$dir/fuzz.log"
set +e
# corpus/ keeps what the fuzzer learned between runs; seeds/ is read-only input.
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ASAN_OPTIONS=detect_leaks=1 \
"$dir/fuzz_idx" "$dir/corpus" "$seeds" \
  -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
  -print_final_stats=1 -artifact_prefix="$dir/artifacts/" 2>&1 \
  | tee "$log" | grep -E "^#[0-9]+[[:space:]]+(INITED|DONE)|stat::|ERROR|SUMMARY|runtime error|Test unit written"
rc=${PIPESTATUS[0]}
set -e

if [ "$rc" -ne 0 ] || grep -qE "ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|SUMMARY: " "$log"; then
  echo "fuzz.sh: FAILED (exit $rc): see $log; reproducers in $dir/artifacts/ (rerun: $dir/fuzz_idx FILE)" >&2
  exit 1
fi
runs=$(grep -oE "stat::number_of_executed_units: *[0-9]+" "$log" | awk '{s+=$2} END {print s+0}')
echo "fuzz.sh: OK — ${runs} inputs in ${seconds} s, no crash, leak or sanitizer report (corpus: $(ls "$dir/corpus" | wc -l) files)"
