// Chapter 06, CUDA GEMM step 1 — naive: one thread per output, *uncoalesced*.
//
// Each thread computes one C(i,j) = Σ_k A(i,k)·B(k,j) in a register. The thread index x
// (which varies fastest inside a warp) is mapped to the *row* i. So the 32 threads of a warp
// hold 32 different rows and one column j: their reads of A(i,k) are K floats apart, their
// reads of B(k,j) all hit the same address, and their writes of C(i,j) are N floats apart.
// A warp's memory access is served in 32-byte sectors, so a strided warp access moves 32
// sectors to use 32 floats: ~8× the traffic needed. This is the slowest step on purpose.
#include "06_kernels/cuda/gemm.hpp"
#include "gemm_common.cuh"

namespace dnn::cuda {

namespace {
__global__ void gemm_naive_kernel(int M, int N, int K, const float* A, const float* B, float* C) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;  // row    (fastest index: uncoalesced)
  const int j = blockIdx.y * blockDim.y + threadIdx.y;  // column
  if (i < M && j < N) {
    float sum = 0.0f;
    for (int k = 0; k < K; ++k) sum += A[i * K + k] * B[k * N + j];
    C[i * N + j] = sum;
  }
}
}  // namespace

void gemm_naive(int M, int N, int K, const float* A, const float* B, float* C, cudaStream_t stream) {
  if (!detail::check_gemm_args("cuda::gemm_naive", M, N, K)) return;
  const dim3 block(32, 32);
  const dim3 grid(detail::ceil_div(M, 32), detail::ceil_div(N, 32));
  detail::check_grid_y("cuda::gemm_naive", grid.y);
  gemm_naive_kernel<<<grid, block, 0, stream>>>(M, N, K, A, B, C);
  detail::check_launch("gemm_naive_kernel launch");
}

}  // namespace dnn::cuda
