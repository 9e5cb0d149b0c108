// Chapter 06, CUDA GEMM: the cuBLAS references (the last rows of the ladder).
//
// cuBLAS is column-major. A row-major M×N matrix C is, byte for byte, the column-major N×M
// matrix Cᵀ, and C = A·B  ⇔  Cᵀ = Bᵀ·Aᵀ. So we ask cuBLAS for the column-major product
// (N×K)·(K×M) of the same buffers, "B first": no transposes, no copies.
//  - gemm_cublas: cublasGemmEx with CUBLAS_COMPUTE_32F — plain FP32 FMAs on the CUDA cores,
//    the reference the hand-written ladder is compared with.
//  - gemm_cublas_tf32: CUBLAS_COMPUTE_32F_FAST_TF32 — inputs rounded to TF32 (10-bit
//    mantissa) and multiplied on the tensor cores, accumulating in FP32. Several times faster
//    on an H200 but less exact: a labelled extra, tested with a looser tolerance.
// A toolkit without cuBLAS (DNN_HAVE_CUBLAS=0) builds the ladder without these two rows.
#if DNN_HAVE_CUBLAS
#include <cublas_v2.h>
#endif

#include <algorithm>
#include <cstddef>
#include <stdexcept>
#include <string>

#include "06_kernels/cuda/gemm.hpp"
#include "gemm_common.cuh"

namespace dnn::cuda {

#if DNN_HAVE_CUBLAS
namespace {

void check_cublas(cublasStatus_t s, const char* what) {
  if (s != CUBLAS_STATUS_SUCCESS)
    throw std::runtime_error(std::string(what) + " failed: cuBLAS status " + std::to_string(static_cast<int>(s)));
}

// One handle per host thread, created on first use. It is deliberately never destroyed:
// destroying it from a static destructor can run after the CUDA runtime has shut down.
cublasHandle_t handle() {
  thread_local cublasHandle_t h = [] {
    cublasHandle_t created = nullptr;
    check_cublas(cublasCreate(&created), "cublasCreate");
    return created;
  }();
  return h;
}

void gemm_cublas_with(cublasComputeType_t compute, const char* who, int M, int N, int K, const float* A,
                      const float* B, float* C, cudaStream_t stream) {
  if (!detail::check_gemm_args(who, M, N, K)) return;
  if (K == 0) {  // C = 0. Done here: some cuBLAS versions leave C untouched for k = 0 even with beta = 0.
    check_cuda(cudaMemsetAsync(C, 0, static_cast<std::size_t>(M) * N * sizeof(float), stream), "cudaMemsetAsync",
               __FILE__, __LINE__);
    return;
  }
  cublasHandle_t h = handle();
  check_cublas(cublasSetStream(h, stream), "cublasSetStream");
  const float alpha = 1.0f, beta = 0.0f;  // beta = 0: C is overwritten, never read
  // Column-major view: Cᵀ (N×M, ld N) = Bᵀ (N×K, ld N) · Aᵀ (K×M, ld K).
  check_cublas(cublasGemmEx(h, CUBLAS_OP_N, CUBLAS_OP_N, N, M, K, &alpha, B, CUDA_R_32F, std::max(1, N), A,
                            CUDA_R_32F, std::max(1, K), &beta, C, CUDA_R_32F, std::max(1, N), compute,
                            CUBLAS_GEMM_DEFAULT),
               who);
}

}  // namespace

void gemm_cublas(int M, int N, int K, const float* A, const float* B, float* C, cudaStream_t stream) {
  gemm_cublas_with(CUBLAS_COMPUTE_32F, "cuda::gemm_cublas (cublasGemmEx FP32)", M, N, K, A, B, C, stream);
}

void gemm_cublas_tf32(int M, int N, int K, const float* A, const float* B, float* C, cudaStream_t stream) {
  gemm_cublas_with(CUBLAS_COMPUTE_32F_FAST_TF32, "cuda::gemm_cublas_tf32 (cublasGemmEx TF32)", M, N, K, A, B, C,
                   stream);
}
#endif  // DNN_HAVE_CUBLAS

}  // namespace dnn::cuda
