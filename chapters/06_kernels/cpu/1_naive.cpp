// Chapter 06, CPU GEMM step 1 — naive i-j-k.
//
// What it does: C(i,j) = Σ_k A(i,k)·B(k,j), one dot product per output element, exactly the
// formula. Why it is slow: the inner loop walks *down a column* of B (stride N floats), so
// every B element comes from a different cache line and, for large N, a different page; the
// loop also carries one running sum, so it cannot use SIMD lanes or overlap FMAs. It is the
// reference every faster step is tested against.
#include "06_kernels/cpu/gemm.hpp"

namespace dnn::gemm {

void gemm_naive(int M, int N, int K, const float* A, const float* B, float* C) {
  for (int i = 0; i < M; ++i) {
    for (int j = 0; j < N; ++j) {
      float sum = 0.0f;
      for (int k = 0; k < K; ++k) sum += A[static_cast<long>(i) * K + k] * B[static_cast<long>(k) * N + j];
      C[static_cast<long>(i) * N + j] = sum;
    }
  }
}

}  // namespace dnn::gemm
