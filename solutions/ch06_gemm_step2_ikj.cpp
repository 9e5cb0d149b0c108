// SOLUTION FILE — the reference bodies. (Contributors: edit here, then run scripts/gen-exercises.py.)
// Chapter 06, CPU GEMM step 2 — loop order i-k-j: exercise gemm_ikj.
//
// What changes: the same three loops as step 1 (chapters/06_kernels/cpu/1_naive.cpp), with j
// innermost: for each A(i,k), add A(i,k)·B(k,:) to C(i,:). Why it is faster: the inner loop now
// reads a row of B and updates a row of C, both with unit stride, so every byte of a cache line is
// used and the compiler vectorizes it (16 floats per AVX-512 instruction). The sums for different j
// are independent, so many FMAs are in flight at once. What still limits it: C(i,:) and all of B
// are streamed from memory (or L2/L3) again for every row i — about one load and one store per FMA.
#include <algorithm>

#include "06_kernels/cpu/gemm.hpp"
#include "dnn/exercise.hpp"

namespace dnn::gemm {

void gemm_ikj(int M, int N, int K, const float* A, const float* B, float* C) {
  // BEGIN EXERCISE gemm_ikj | C is overwritten, not added to: for each row i, first set C(i,:) to 0; then for k in 0..K−1: a = A[i*K + k], and for j in 0..N−1: C[i*N + j] += a * B[k*N + j] (j innermost: unit stride). Use long for i*N etc.
  for (int i = 0; i < M; ++i) {
    float* c = C + static_cast<long>(i) * N;
    std::fill(c, c + N, 0.0f);
    for (int k = 0; k < K; ++k) {
      const float a = A[static_cast<long>(i) * K + k];
      const float* b = B + static_cast<long>(k) * N;
      for (int j = 0; j < N; ++j) c[j] += a * b[j];
    }
  }
  // END EXERCISE
}

}  // namespace dnn::gemm
