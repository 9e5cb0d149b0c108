// Chapter 06, CPU GEMM step 6 — the packed kernel of step 4 on kOmpThreads (2) cores.
//
// What changes: the rows of C are split into kOmpThreads contiguous slices (multiples of
// kPackedMR rows, the micro-kernel's height) and each OpenMP thread runs gemm_packed on its slice:
// C(i0:i1, :) = A(i0:i1, :)·B. The slices share nothing they write, so there are no races
// and no locks; each thread packs its own copy of B's blocks (thread_local buffers).
// Why it is faster: two cores have twice the FMA units (and two L1/L2 caches). On this
// 2-vCPU machine the second core is often busy with other work, so expect less than 2×.
// Waking a second thread costs microseconds (much more when that core is busy), so small
// products (< 2^22 multiply-adds, e.g. the MLP's 32×784×50 layer) stay on one thread.
#include <algorithm>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "06_kernels/cpu/gemm.hpp"

namespace dnn::gemm {

int packed_omp_threads(int M, int N, int K) {
#ifdef _OPENMP
  return (static_cast<double>(M) * N * K < 4194304.0 || M < 16) ? 1 : kOmpThreads;
#else
  (void)M, (void)N, (void)K;
  return 1;  // built without OpenMP
#endif
}

void gemm_packed_omp(int M, int N, int K, const float* A, const float* B, float* C) {
#ifdef _OPENMP
  if (packed_omp_threads(M, N, K) == 1) {
    gemm_packed(M, N, K, A, B, C);
    return;
  }
#pragma omp parallel num_threads(kOmpThreads)
  {
    const int nt = omp_get_num_threads();
    const int t = omp_get_thread_num();
    const int per_thread = ((M + nt - 1) / nt + kPackedMR - 1) / kPackedMR * kPackedMR;  // whole tiles
    const int i0 = std::min(M, t * per_thread);
    const int i1 = std::min(M, i0 + per_thread);
    if (i1 > i0)
      gemm_packed(i1 - i0, N, K, A + static_cast<long>(i0) * K, B, C + static_cast<long>(i0) * N);
  }
#else
  gemm_packed(M, N, K, A, B, C);  // built without OpenMP: one thread
#endif
}

}  // namespace dnn::gemm
