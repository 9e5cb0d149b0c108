// Chapter 06, CUDA GEMM step 7 — warp tiling (+ double-buffered shared memory).
//
// The hierarchy now has three explicit levels: a block (128 threads = 4 warps) computes a
// 128×128 tile of C; each *warp* computes a 64×64 sub-tile; each thread computes 8×16
// outputs in registers (WNITER = 4 slices of 8×4). What changes and why it is faster:
//  1. Warp tiles. A warp is what the SM actually schedules. Giving each warp its own compact
//     64×64 region means the 32 lanes read A and B fragments from shared memory that are
//     close together (conflict-free 16-byte loads, broadcasts between lanes), and the
//     register tile per thread grows to 128 outputs: 128 FMAs per 24 shared-memory floats
//     loaded (step 6: 64 per 16).
//  2. Deeper K step (BK = 16) and double buffering. Two copies of the A and B tiles live in
//     shared memory: while the warps compute on one, the next tile is already being fetched
//     from global memory into registers and stored into the other. Global-memory latency is
//     then hidden behind arithmetic, and only one __syncthreads is needed per K step.
// float4 loads/stores as in step 6 (scalar, bounds-checked fallback for other shapes).
// The tile sizes follow Simon Boehm's "How to optimize a CUDA matmul kernel" (kernel 10).
// Two more tile configurations of the same kernel (gemm_warptile_8warps, gemm_warptile_wide)
// are compiled for tuning: the benchmarks time all three on the GPU machine.
#include "06_kernels/cuda/gemm.hpp"
#include "gemm_common.cuh"

namespace dnn::cuda {

namespace {

// The tile sizes of one warp-tiled kernel (all compile-time constants, checked below).
template <int BM_, int BN_, int BK_, int WM_, int WN_, int WNITER_, int TM_, int TN_, int THREADS_>
struct WarpTileConfig {
  static constexpr int BM = BM_, BN = BN_, BK = BK_;  // block tile
  static constexpr int WM = WM_, WN = WN_;            // warp tile
  static constexpr int WNITER = WNITER_;              // a warp tile is done in WMITER × WNITER slices
  static constexpr int TM = TM_, TN = TN_;            // per-thread piece of one slice
  static constexpr int THREADS = THREADS_;
  static constexpr int WARPS = THREADS / 32;
  static constexpr int WMITER = (WM * WN) / (32 * TM * TN * WNITER);
  static constexpr int WSUBM = WM / WMITER, WSUBN = WN / WNITER;
  static constexpr int A_LOADS = BM * BK / 4 / THREADS;     // float4s of A per thread per tile
  static constexpr int B_LOADS = BK * BN / 4 / THREADS;     // float4s of B per thread per tile
  static constexpr int A_ROW_STRIDE = THREADS / (BK / 4);   // rows between a thread's A loads
  static constexpr int B_ROW_STRIDE = THREADS / (BN / 4);   // rows between a thread's B loads
  static_assert((BM / WM) * (BN / WN) == WARPS, "one warp tile per warp");
  static_assert(WMITER >= 1 && (WSUBM / TM) * (WSUBN / TN) == 32, "a slice is covered by the 32 lanes");
  static_assert((BM * BK / 4) % THREADS == 0 && (BK * BN / 4) % THREADS == 0, "whole float4 loads per thread");
  static_assert(TM % 4 == 0 && TN % 4 == 0, "float4 reads of the register fragments");
  static_assert(2 * (BK * BM + BK * BN) * 4 <= 48 * 1024, "static shared memory is limited to 48 KiB");
};

// The ladder's step: 4 warps, 64×64 warp tiles, 8×16 outputs per thread (Boehm's kernel 10 sizes).
using Config4Warps = WarpTileConfig<128, 128, 16, 64, 64, 4, 8, 4, 128>;
// Variants for tuning on the GPU machine (benchmarked next to it; same code, other sizes):
// 8 warps with 64×32 warp tiles (8×8 per thread, more warps to hide latency) ...
using Config8Warps = WarpTileConfig<128, 128, 16, 64, 32, 2, 8, 4, 256>;
// ... and a 128×256 block tile with 8 warps of 64×64 (more reuse per block, 1 block per SM).
using ConfigWide = WarpTileConfig<128, 256, 16, 64, 64, 4, 8, 4, 256>;

template <typename Cfg, bool VEC>
__global__ void __launch_bounds__(Cfg::THREADS) gemm_warptile_kernel(int M, int N, int K, const float* A,
                                                                     const float* B, float* C) {
  constexpr int BM = Cfg::BM, BN = Cfg::BN, BK = Cfg::BK, WM = Cfg::WM, WN = Cfg::WN;
  constexpr int TM = Cfg::TM, TN = Cfg::TN, WMITER = Cfg::WMITER, WNITER = Cfg::WNITER;
  constexpr int WSUBM = Cfg::WSUBM, WSUBN = Cfg::WSUBN;
  constexpr int A_LOADS = Cfg::A_LOADS, B_LOADS = Cfg::B_LOADS;
  constexpr int A_ROW_STRIDE = Cfg::A_ROW_STRIDE, B_ROW_STRIDE = Cfg::B_ROW_STRIDE;
  __shared__ __align__(16) float As[2][BK * BM];  // two buffers, A transposed: As[.][k * BM + m]
  __shared__ __align__(16) float Bs[2][BK * BN];  // Bs[.][k * BN + n]
  const int row0 = blockIdx.y * BM, col0 = blockIdx.x * BN;
  const int thread = threadIdx.x;
  const int warp = thread / 32, lane = thread % 32;
  const int warpRow = warp / (BN / WN), warpCol = warp % (BN / WN);
  const int laneRow = lane / (WSUBN / TN), laneCol = lane % (WSUBN / TN);
  const int aRow = thread / (BK / 4), aCol = (thread % (BK / 4)) * 4;
  const int bRow = thread / (BN / 4), bCol = (thread % (BN / 4)) * 4;

  float4 nextA[A_LOADS], nextB[B_LOADS];  // the tile being fetched, held in registers
  auto fetch = [&](int k0) {
    for (int p = 0; p < A_LOADS; ++p)
      nextA[p] = detail::load4<VEC>(A, M, K, row0 + aRow + p * A_ROW_STRIDE, k0 + aCol);
    for (int p = 0; p < B_LOADS; ++p)
      nextB[p] = detail::load4<VEC>(B, K, N, k0 + bRow + p * B_ROW_STRIDE, col0 + bCol);
  };
  auto stash = [&](int buf) {  // registers -> shared buffer `buf`
    for (int p = 0; p < A_LOADS; ++p) {
      const int m = aRow + p * A_ROW_STRIDE;
      As[buf][(aCol + 0) * BM + m] = nextA[p].x;
      As[buf][(aCol + 1) * BM + m] = nextA[p].y;
      As[buf][(aCol + 2) * BM + m] = nextA[p].z;
      As[buf][(aCol + 3) * BM + m] = nextA[p].w;
    }
    for (int p = 0; p < B_LOADS; ++p)
      *reinterpret_cast<float4*>(&Bs[buf][(bRow + p * B_ROW_STRIDE) * BN + bCol]) = nextB[p];
  };

  float acc[WMITER * TM][WNITER * TN] = {};
  float a_fragment[WMITER * TM], b_fragment[WNITER * TN];
  const int tiles = (K + BK - 1) / BK;
  if (tiles > 0) {
    fetch(0);
    stash(0);
    __syncthreads();
  }
  for (int tile = 0; tile < tiles; ++tile) {
    const int current = tile % 2;
    const bool has_next = tile + 1 < tiles;
    if (has_next) fetch((tile + 1) * BK);  // global loads in flight while we compute
    for (int k = 0; k < BK; ++k) {
      for (int slice = 0; slice < WMITER; ++slice)
        for (int i = 0; i < TM; i += 4) {
          const float4 v = *reinterpret_cast<const float4*>(
              &As[current][k * BM + warpRow * WM + slice * WSUBM + laneRow * TM + i]);
          float* to = &a_fragment[slice * TM + i];
          to[0] = v.x, to[1] = v.y, to[2] = v.z, to[3] = v.w;
        }
      for (int slice = 0; slice < WNITER; ++slice)
        for (int j = 0; j < TN; j += 4) {
          const float4 v = *reinterpret_cast<const float4*>(
              &Bs[current][k * BN + warpCol * WN + slice * WSUBN + laneCol * TN + j]);
          float* to = &b_fragment[slice * TN + j];
          to[0] = v.x, to[1] = v.y, to[2] = v.z, to[3] = v.w;
        }
      for (int i = 0; i < WMITER * TM; ++i)
        for (int j = 0; j < WNITER * TN; ++j) acc[i][j] += a_fragment[i] * b_fragment[j];
    }
    // The other buffer was last read in the previous iteration, which ended with a barrier:
    // it is free to overwrite now.
    if (has_next) stash(1 - current);
    __syncthreads();  // the next tile is complete, and nobody reads `current` any more
  }

  for (int slice_m = 0; slice_m < WMITER; ++slice_m)
    for (int i = 0; i < TM; ++i) {
      const int row = row0 + warpRow * WM + slice_m * WSUBM + laneRow * TM + i;
      for (int slice_n = 0; slice_n < WNITER; ++slice_n)
        for (int j = 0; j < TN; j += 4) {
          const int col = col0 + warpCol * WN + slice_n * WSUBN + laneCol * TN + j;
          const float* out = &acc[slice_m * TM + i][slice_n * TN + j];
          detail::store4<VEC>(C, M, N, row, col, make_float4(out[0], out[1], out[2], out[3]));
        }
    }
}

template <typename Cfg>
void launch_warptile(const char* who, int M, int N, int K, const float* A, const float* B, float* C,
                     cudaStream_t stream) {
  if (!detail::check_gemm_args(who, M, N, K)) return;
  const dim3 grid(detail::ceil_div(N, Cfg::BN), detail::ceil_div(M, Cfg::BM));
  detail::check_grid_y(who, grid.y);
  if (detail::can_use_float4(N, K, A, B, C))
    gemm_warptile_kernel<Cfg, true><<<grid, Cfg::THREADS, 0, stream>>>(M, N, K, A, B, C);
  else
    gemm_warptile_kernel<Cfg, false><<<grid, Cfg::THREADS, 0, stream>>>(M, N, K, A, B, C);
  detail::check_launch(who);
}

}  // namespace

void gemm_warptile(int M, int N, int K, const float* A, const float* B, float* C, cudaStream_t stream) {
  launch_warptile<Config4Warps>("cuda::gemm_warptile", M, N, K, A, B, C, stream);
}

void gemm_warptile_8warps(int M, int N, int K, const float* A, const float* B, float* C, cudaStream_t stream) {
  launch_warptile<Config8Warps>("cuda::gemm_warptile_8warps", M, N, K, A, B, C, stream);
}

void gemm_warptile_wide(int M, int N, int K, const float* A, const float* B, float* C, cudaStream_t stream) {
  launch_warptile<ConfigWide>("cuda::gemm_warptile_wide", M, N, K, A, B, C, stream);
}

}  // namespace dnn::cuda
