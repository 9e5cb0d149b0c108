// Chapter 06, CPU GEMM step 5 — Eigen, the library reference.
//
// What it is: Eigen's general matrix product on our row-major memory through Eigen::Map (no
// copy). Inside, Eigen does what step 4 does (cache blocks, packing, a register-blocked
// SIMD micro-kernel), tuned over many years; it is the bar our hand-written step 4 aims at.
// Threads: Eigen uses OpenMP when the program is built with it and Eigen::setNbThreads()
// allows; the chapter's benchmarks set 1 thread so the comparison with step 4 is fair.
#include <Eigen/Core>

#include "06_kernels/cpu/gemm.hpp"

namespace dnn::gemm {

void gemm_eigen(int M, int N, int K, const float* A, const float* B, float* C) {
  using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  if (M == 0 || N == 0) return;
  Eigen::Map<RowMajor> c(C, M, N);
  if (K == 0) {  // an empty sum is 0
    c.setZero();
    return;
  }
  Eigen::Map<const RowMajor> a(A, M, K);
  Eigen::Map<const RowMajor> b(B, K, N);
  c.noalias() = a * b;
}

}  // namespace dnn::gemm
