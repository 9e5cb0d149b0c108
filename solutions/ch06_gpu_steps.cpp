// SOLUTION FILE — the reference bodies. (Contributors: edit here, then run scripts/gen-exercises.py.)
// Chapter 06, CUDA GEMM steps 2 and 3 — what one thread does: exercises coalesced_thread,
// smem_load_tile and smem_accumulate_tile.
//
// The bodies of the kernels in chapters/06_kernels/cuda/02_coalesced.cu and 03_smem.cu, written as
// functions of the block and thread index (block_x = blockIdx.x, thread_y = threadIdx.y, blocks of
// 32×32 threads) so that a host emulation of the thread grid (chapters/06_kernels/cuda/host_emulation.cpp)
// can run them on any CPU. Step 2 (coalesced): threadIdx.x selects the *column*, so the 32 threads of
// a warp read 32 consecutive floats of a row of B (one 128-byte transaction). Step 3 (shared-memory
// tiles): the block walks K in tiles of 32; each thread loads one element of the A tile and one of the
// B tile, the block waits (__syncthreads), then each thread does 32 multiply-adds from shared memory,
// so each element loaded from global memory is used 32 times instead of once.
#include "06_kernels/cuda/thread_grid.hpp"
#include "dnn/exercise.hpp"

namespace dnn::cuda::emu {

void coalesced_thread(int block_x, int block_y, int thread_x, int thread_y, int M, int N, int K, const float* A,
                      const float* B, float* C) {
  // BEGIN EXERCISE coalesced_thread | The column comes from x: j = block_x*32 + thread_x, the row from y: i = block_y*32 + thread_y. Edge blocks hang over C: only if i < M and j < N, sum A[i*K + k] * B[k*N + j] over k = 0..K−1 and set C[i*N + j] (overwrite, do not add).
  const int j = block_x * kBlock + thread_x;  // column (fastest index: coalesced)
  const int i = block_y * kBlock + thread_y;  // row
  if (i < M && j < N) {
    float sum = 0.0f;
    for (int k = 0; k < K; ++k) sum += A[i * K + k] * B[k * N + j];
    C[i * N + j] = sum;
  }
  // END EXERCISE
}

void smem_load_tile(int block_x, int block_y, int thread_x, int thread_y, int k0, int M, int N, int K,
                    const float* A, const float* B, float* As, float* Bs) {
  // BEGIN EXERCISE smem_load_tile | This thread fills one slot of each tile, As[thread_y*32 + thread_x] and Bs[thread_y*32 + thread_x]: A's element at row block_y*32 + thread_y, column k0 + thread_x; B's at row k0 + thread_y, column block_x*32 + thread_x. Past an edge of A or B (row ≥ M, column ≥ K; row ≥ K, column ≥ N) store 0, so the tail tile adds nothing.
  const int row = block_y * kBlock + thread_y;
  const int col = block_x * kBlock + thread_x;
  As[thread_y * kBlock + thread_x] = (row < M && k0 + thread_x < K) ? A[row * K + k0 + thread_x] : 0.0f;
  Bs[thread_y * kBlock + thread_x] = (k0 + thread_y < K && col < N) ? B[(k0 + thread_y) * N + col] : 0.0f;
  // END EXERCISE
}

float smem_accumulate_tile(int thread_x, int thread_y, const float* As, const float* Bs, float sum) {
  // BEGIN EXERCISE smem_accumulate_tile | Row thread_y of As times column thread_x of Bs: for k = 0..31, sum += As[thread_y*32 + k] * Bs[k*32 + thread_x]; return sum (it carries the earlier tiles' products: add to it, do not restart from 0).
  for (int k = 0; k < kBlock; ++k) sum += As[thread_y * kBlock + k] * Bs[k * kBlock + thread_x];
  return sum;
  // END EXERCISE
}

}  // namespace dnn::cuda::emu
