// SOLUTION FILE — the reference bodies. (Contributors: edit here, then run scripts/gen-exercises.py.)
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
  // BEGIN EXERCISE gemm_blocked | zero all of C first (M*N floats). Then for j0 = 0, NC, 2NC, … < N and k0 = 0, KC, … < K (block ends j1 = min(N, j0+NC), k1 = min(K, k0+KC)): for every row i, for k in k0..k1−1, for j in j0..j1−1: C[i*N + j] += A[i*K + k] * B[k*N + j]. The block of B is reused by all M rows while it is in cache
  std::fill(C, C + static_cast<long>(M) * N, 0.0f);
  for (int j0 = 0; j0 < N; j0 += NC) {
    const int j1 = std::min(N, j0 + NC);
    for (int k0 = 0; k0 < K; k0 += KC) {
      const int k1 = std::min(K, k0 + KC);
      // The block B(k0:k1, j0:j1) is now reused by every row i.
      for (int i = 0; i < M; ++i) {
        float* __restrict c = C + static_cast<long>(i) * N + j0;
        const float* a = A + static_cast<long>(i) * K;
        for (int k = k0; k < k1; ++k) {
          const float aik = a[k];
          const float* __restrict b = B + static_cast<long>(k) * N + j0;
          for (int j = 0; j < j1 - j0; ++j) c[j] += aik * b[j];
        }
      }
    }
  }
  // END EXERCISE
}

}  // namespace dnn::gemm
