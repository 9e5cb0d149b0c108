// Chapter 06, CUDA GEMM step 3 — shared-memory tiling (32×32 tiles).
//
// What changes: a block of 32×32 threads computes a 32×32 tile of C. It walks K in steps of
// 32: the block first copies a 32×32 tile of A and one of B into shared memory (each thread
// loads one element of each, coalesced), waits (__syncthreads), then every thread does 32
// FMAs reading only shared memory. Why it is faster: each element loaded from global memory
// is now used 32 times (by the 32 threads of a row or column of the tile) instead of once,
// so global traffic drops 32× and the arithmetic intensity rises to ~8 FLOP/byte.
// What still limits it: every FMA still needs two shared-memory loads (As and Bs), and
// shared memory bandwidth is now the bottleneck — the next steps reuse registers.
// Tiles past the edges of A and B are filled with zeros, so any M, N, K works.
#include "06_kernels/cuda/gemm.hpp"
#include "gemm_common.cuh"

namespace dnn::cuda {

namespace {
constexpr int TILE = 32;

__global__ void gemm_smem_kernel(int M, int N, int K, const float* A, const float* B, float* C) {
  __shared__ float As[TILE][TILE];
  __shared__ float Bs[TILE][TILE];
  const int col_in_tile = threadIdx.x, row_in_tile = threadIdx.y;
  const int row = blockIdx.y * TILE + row_in_tile;
  const int col = blockIdx.x * TILE + col_in_tile;
  float sum = 0.0f;
  for (int k0 = 0; k0 < K; k0 += TILE) {
    // Every thread loads one element of each tile (zero outside the matrices).
    As[row_in_tile][col_in_tile] = (row < M && k0 + col_in_tile < K) ? A[row * K + k0 + col_in_tile] : 0.0f;
    Bs[row_in_tile][col_in_tile] = (k0 + row_in_tile < K && col < N) ? B[(k0 + row_in_tile) * N + col] : 0.0f;
    __syncthreads();  // the tiles are complete
    for (int k = 0; k < TILE; ++k) sum += As[row_in_tile][k] * Bs[k][col_in_tile];  // As: broadcast, Bs: conflict-free
    __syncthreads();  // everyone is done before the tiles are overwritten
  }
  if (row < M && col < N) C[row * N + col] = sum;
}
}  // namespace

void gemm_smem(int M, int N, int K, const float* A, const float* B, float* C, cudaStream_t stream) {
  if (!detail::check_gemm_args("cuda::gemm_smem", M, N, K)) return;
  const dim3 block(TILE, TILE);
  const dim3 grid(detail::ceil_div(N, TILE), detail::ceil_div(M, TILE));
  detail::check_grid_y("cuda::gemm_smem", grid.y);
  gemm_smem_kernel<<<grid, block, 0, stream>>>(M, N, K, A, B, C);
  detail::check_launch("gemm_smem_kernel launch");
}

}  // namespace dnn::cuda
