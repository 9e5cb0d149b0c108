// EXERCISE FILE — yours to edit. Generated from solutions/ch06_gemm_step3_blocked.cpp by scripts/gen-exercises.py.
// Replace each DNN_TODO(...) line with your code, then run: scripts/check 06
// (Stuck? The chapter README has a hint for every exercise; solutions/ch06_gemm_step3_blocked.cpp has the answer.)
// Chapter 06, CPU GEMM step 3 — cache blocking (tiling): exercise gemm_blocked.
//
// What changes: the i-k-j loops of step 2 (ch06_gemm_step2_ikj.cpp) run inside blocks: a KC×NC block
// of B (here 64×1024 floats = 256 KiB, fits in the 1 MiB L2) is used by *every* row of A before
// moving on, and within a row the C segment being updated (NC floats = 4 KiB) stays in L1 across
// the KC steps. `__restrict` tells the compiler that the C row and the B row do not overlap, so
// it can vectorize without run-time overlap checks.
// Why it is faster: step 2 streamed all of B (K×N floats) from memory once per row of A; now
// each B block is loaded from memory once and then served from cache M times, so the arithmetic
// intensity seen by DRAM rises from ~0.5 to ~M/2 FLOP per byte. What still limits it: every FMA
// still loads and stores C from L1 (one load + one store per 16 FMAs at best) — step 4
// (chapters/06_kernels/cpu/4_packed.cpp) keeps C in registers instead.
#include <algorithm>

#include "06_kernels/cpu/gemm.hpp"
#include "dnn/exercise.hpp"

namespace dnn::gemm {

namespace {
constexpr int KC = 64;    // rows of a B block (the k range)
constexpr int NC = 1024;  // columns of a B block (the j range)
}  // namespace

void gemm_blocked(int M, int N, int K, const float* A, const float* B, float* C) {
  // TODO(exercise gemm_blocked): zero all of C first (M*N floats). Then for j0 = 0, NC, 2NC, … < N and k0 = 0, KC, … < K (block ends j1 = min(N, j0+NC), k1 = min(K, k0+KC)): for every row i, for k in k0..k1−1, for j in j0..j1−1: C[i*N + j] += A[i*K + k] * B[k*N + j]. The block of B is reused by all M rows while it is in cache
  DNN_TODO("gemm_blocked", "zero all of C first (M*N floats). Then for j0 = 0, NC, 2NC, … < N and k0 = 0, KC, … < K (block ends j1 = min(N, j0+NC), k1 = min(K, k0+KC)): for every row i, for k in k0..k1−1, for j in j0..j1−1: C[i*N + j] += A[i*K + k] * B[k*N + j]. The block of B is reused by all M rows while it is in cache");
}

}  // namespace dnn::gemm
