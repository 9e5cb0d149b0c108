#!/usr/bin/env bash
# scripts/setup.sh — install everything dnn-companion needs from distro packages.
#
# Idempotent: packages already installed are skipped, so running it twice is cheap.
# On Debian/Ubuntu it uses apt-get (through sudo only when not root).
# Elsewhere it prints the package list and exits non-zero.
#
#   scripts/setup.sh            # build + test dependencies
#   scripts/setup.sh --torch    # also Debian's python3-torch, for the PyTorch comparison (large)
#   scripts/setup.sh --docs     # also Chromium, to check the docs site in a browser (CI does)
#   scripts/setup.sh --cross    # also the AArch64 cross compiler + qemu (scripts/ci-isa.sh arm64)
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config python3
  libeigen3-dev          # Eigen 3.4: the "eigen" backend
  catch2                 # Catch2 2.13 (tests are also written to build with Catch2 v3)
  libbenchmark-dev       # Google Benchmark: every kernel is timed there, never in a test
  libgnuplot-iostream-dev libboost-iostreams-dev gnuplot-nox   # PNG plots, headless
  libcli11-dev           # command-line parsing: every program has --help
  nlohmann-json3-dev     # JSON run logs
  libstb-dev             # stb_image_write: PNG digit grids
  zlib1g-dev             # reading the .gz IDX files
  doxygen graphviz libjs-mathjax   # the docs site (formulas rendered offline by MathJax)
  fonts-wqy-microhei fontconfig    # the docs site: a font with the book's Chinese terms (1.6 MB)
  dataset-fashion-mnist  # offline fallback dataset (same IDX format as MNIST)
  libboost-filesystem-dev  # gnuplot-iostream's temporary files (linked by common/)
  clang libclang-rt-14-dev  # scripts/fuzz.sh: libFuzzer + AddressSanitizer/UBSan for the IDX reader
  openmpi-bin libopenmpi-dev  # chapter 08: MPI (mpirun, FindMPI) for distributed training
)
WANT_TORCH=0
WANT_DOCS=0
WANT_CROSS=0
for arg in "$@"; do
  case "$arg" in
    --torch) WANT_TORCH=1 ;;
    --docs) WANT_DOCS=1 ;;
    --cross) WANT_CROSS=1 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option '$arg' (expected --torch, --docs, --cross or --help)" >&2; exit 2 ;;
  esac
done
[ "$WANT_TORCH" = 1 ] && PACKAGES+=(python3-torch)
# scripts/docs-browser-check.py: Debian's Chromium (81 MB download, about 20 s to install).
[ "$WANT_DOCS" = 1 ] && PACKAGES+=(chromium)
# The CPU kernels built for 64-bit ARM (NEON) and run on this machine under emulation (CI).
[ "$WANT_CROSS" = 1 ] && PACKAGES+=(g++-aarch64-linux-gnu qemu-user-static)

if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
  echo "setup.sh: this is not a Debian/Ubuntu system; please install the equivalents of:" >&2
  printf '  %s\n' "${PACKAGES[@]}" >&2
  echo "plus, optionally, the CUDA Toolkit (nvcc) for the GPU chapters." >&2
  exit 1
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -c "install ok installed" >/dev/null; then  # -c: see gpu-check.sh (pipefail)
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup.sh: all ${#PACKAGES[@]} packages already installed."
else
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "setup.sh: installing ${#missing[@]} package(s): ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if command -v nvcc >/dev/null 2>&1 || [ -x /usr/local/cuda/bin/nvcc ]; then
  if nvidia-smi -L 2>/dev/null | grep -q "GPU [0-9]"; then
    echo "setup.sh: CUDA Toolkit and an NVIDIA GPU found: the CUDA code will be built."
  else
    echo "setup.sh: CUDA Toolkit found but no NVIDIA GPU (nvidia-smi): the CUDA code is not built (-DDNN_ENABLE_CUDA=ON builds it anyway)."
  fi
else
  echo "setup.sh: no nvcc: the CUDA chapters are skipped at build time (everything else builds)."
fi
