// Chapter 06, CUDA GEMM step 5 — 2-D register tiling: each thread computes an 8×8 block.
//
// What changes: a block of 256 threads computes a 128×128 tile of C (BK = 8). Each thread
// owns TM×TN = 8×8 outputs in 64 registers. For each k it loads 8 values of A's column k
// and 8 values of B's row k into registers (a_fragment, b_fragment) and does their outer product:
// 64 FMAs for 16 shared-memory loads. Why it is faster: 4 FMAs per shared load (step 4: ~1),
// so shared memory stops being the bottleneck; a 128×128 block tile reuses every global
// element 128 times. What still limits it: the loads are 32-bit (one instruction per float)
// and reading A's column from a row-major As causes bank conflicts — step 6 fixes both.
#include "06_kernels/cuda/gemm.hpp"
#include "gemm_common.cuh"

namespace dnn::cuda {

namespace {
constexpr int BM = 128, BN = 128, BK = 8, TM = 8, TN = 8;
constexpr int THREADS = (BM * BN) / (TM * TN);  // 256

__global__ void __launch_bounds__(THREADS) gemm_regtile_2d_kernel(int M, int N, int K, const float* A,
                                                                  const float* B, float* C) {
  __shared__ float As[BM * BK];
  __shared__ float Bs[BK * BN];
  const int row0 = blockIdx.y * BM, col0 = blockIdx.x * BN;
  const int thread = threadIdx.x;
  const int threadCol = thread % (BN / TN);  // 0..15: outputs in columns threadCol*TN .. +TN-1
  const int threadRow = thread / (BN / TN);  // 0..15: outputs in rows    threadRow*TM .. +TM-1

  float acc[TM][TN] = {};
  float a_fragment[TM], b_fragment[TN];
  for (int k0 = 0; k0 < K; k0 += BK) {
    // 1024 elements per tile, 256 threads: each loads 4 of A and 4 of B (zero outside).
    for (int idx = thread; idx < BM * BK; idx += THREADS) {
      const int tile_row = idx / BK, tile_col = idx % BK;
      const int global_row = row0 + tile_row, global_k = k0 + tile_col;
      As[idx] = (global_row < M && global_k < K) ? A[global_row * K + global_k] : 0.0f;
    }
    for (int idx = thread; idx < BK * BN; idx += THREADS) {
      const int tile_row = idx / BN, tile_col = idx % BN;
      const int global_k = k0 + tile_row, global_col = col0 + tile_col;
      Bs[idx] = (global_k < K && global_col < N) ? B[global_k * N + global_col] : 0.0f;
    }
    __syncthreads();
    for (int k = 0; k < BK; ++k) {
      for (int i = 0; i < TM; ++i) a_fragment[i] = As[(threadRow * TM + i) * BK + k];
      for (int j = 0; j < TN; ++j) b_fragment[j] = Bs[k * BN + threadCol * TN + j];
      for (int i = 0; i < TM; ++i)
        for (int j = 0; j < TN; ++j) acc[i][j] += a_fragment[i] * b_fragment[j];  // outer product in registers
    }
    __syncthreads();
  }
  for (int i = 0; i < TM; ++i) {
    const int row = row0 + threadRow * TM + i;
    for (int j = 0; j < TN; ++j) {
      const int col = col0 + threadCol * TN + j;
      if (row < M && col < N) C[row * N + col] = acc[i][j];
    }
  }
}
}  // namespace

void gemm_regtile_2d(int M, int N, int K, const float* A, const float* B, float* C, cudaStream_t stream) {
  if (!detail::check_gemm_args("cuda::gemm_regtile_2d", M, N, K)) return;
  const dim3 grid(detail::ceil_div(N, BN), detail::ceil_div(M, BM));
  detail::check_grid_y("cuda::gemm_regtile_2d", grid.y);
  gemm_regtile_2d_kernel<<<grid, THREADS, 0, stream>>>(M, N, K, A, B, C);
  detail::check_launch("gemm_regtile_2d_kernel launch");
}

}  // namespace dnn::cuda
