// Chapter 06: the CUDA thread grid of GEMM steps 2 and 3 emulated on the CPU (see thread_grid.hpp).
// A GPU runs the threads of a block at once; here they run one after the other. That is a faithful
// emulation as long as no thread reads what another writes between two barriers: step 2's threads
// share nothing, and step 3's only share the tiles, which are written in one phase and read in the next.
#include <algorithm>
#include <vector>

#include "06_kernels/cuda/thread_grid.hpp"

namespace dnn::cuda::emu {

namespace {
int ceil_div(int a, int b) { return (a + b - 1) / b; }
}  // namespace

void emulate_coalesced(int M, int N, int K, const float* A, const float* B, float* C) {
  for (int block_y = 0; block_y < ceil_div(M, kBlock); ++block_y)
    for (int block_x = 0; block_x < ceil_div(N, kBlock); ++block_x)
      for (int thread_y = 0; thread_y < kBlock; ++thread_y)
        for (int thread_x = 0; thread_x < kBlock; ++thread_x)
          coalesced_thread(block_x, block_y, thread_x, thread_y, M, N, K, A, B, C);
}

void emulate_smem(int M, int N, int K, const float* A, const float* B, float* C) {
  std::vector<float> As(kBlock * kBlock), Bs(kBlock * kBlock);  // the block's __shared__ tiles
  std::vector<float> sum(kBlock * kBlock);                       // each thread's register `sum`
  for (int block_y = 0; block_y < ceil_div(M, kBlock); ++block_y)
    for (int block_x = 0; block_x < ceil_div(N, kBlock); ++block_x) {
      std::fill(sum.begin(), sum.end(), 0.0f);
      for (int k0 = 0; k0 < K; k0 += kBlock) {
        for (int ty = 0; ty < kBlock; ++ty)  // phase 1: every thread loads its two elements
          for (int tx = 0; tx < kBlock; ++tx)
            smem_load_tile(block_x, block_y, tx, ty, k0, M, N, K, A, B, As.data(), Bs.data());
        // __syncthreads(): the tiles are complete
        for (int ty = 0; ty < kBlock; ++ty)  // phase 2: every thread adds the tile's products
          for (int tx = 0; tx < kBlock; ++tx)
            sum[ty * kBlock + tx] = smem_accumulate_tile(tx, ty, As.data(), Bs.data(), sum[ty * kBlock + tx]);
        // __syncthreads(): everyone is done before the tiles are overwritten
      }
      for (int ty = 0; ty < kBlock; ++ty)
        for (int tx = 0; tx < kBlock; ++tx) {
          const int row = block_y * kBlock + ty, col = block_x * kBlock + tx;
          if (row < M && col < N) C[static_cast<long>(row) * N + col] = sum[ty * kBlock + tx];
        }
    }
}

}  // namespace dnn::cuda::emu
