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
#include "dnn/cuda_kernels.hpp"
#include "gemm_common.cuh"

namespace dnn::cuda {

namespace {
constexpr int BM = 128, BN = 128, BK = 16;  // block tile
constexpr int WM = 64, WN = 64;             // warp tile
constexpr int WNITER = 4;                   // a warp tile is done in WMITER × WNITER slices
constexpr int TM = 8, TN = 4;               // per-thread piece of one slice
constexpr int THREADS = 128;
constexpr int WARPS = THREADS / 32;
constexpr int WMITER = (WM * WN) / (32 * TM * TN * WNITER);  // 1
constexpr int WSUBM = WM / WMITER, WSUBN = WN / WNITER;      // 64 × 16 slice
static_assert((BM / WM) * (BN / WN) == WARPS, "one warp tile per warp");
static_assert((WSUBM / TM) * (WSUBN / TN) == 32, "a slice is covered by the 32 lanes");
static_assert((BM * BK / 4) % THREADS == 0 && (BK * BN / 4) % THREADS == 0, "whole float4 loads per thread");
constexpr int A_LOADS = BM * BK / 4 / THREADS;  // float4s of A per thread per tile (4)
constexpr int B_LOADS = BK * BN / 4 / THREADS;  // float4s of B per thread per tile (4)
constexpr int A_ROW_STRIDE = THREADS / (BK / 4);  // 32 rows between a thread's A loads
constexpr int B_ROW_STRIDE = THREADS / (BN / 4);  // 4 rows between a thread's B loads

template <bool VEC>
__global__ void __launch_bounds__(THREADS) gemm_warptile_kernel(int M, int N, int K, const float* A,
                                                                const float* B, float* C) {
  __shared__ __align__(16) float As[2][BK * BM];  // two buffers, A transposed: As[.][k * BM + m]
  __shared__ __align__(16) float Bs[2][BK * BN];  // Bs[.][k * BN + n]
  const int row0 = blockIdx.y * BM, col0 = blockIdx.x * BN;
  const int t = threadIdx.x;
  const int warp = t / 32, lane = t % 32;
  const int warpRow = warp / (BN / WN), warpCol = warp % (BN / WN);
  const int laneRow = lane / (WSUBN / TN), laneCol = lane % (WSUBN / TN);
  const int aRow = t / (BK / 4), aCol = (t % (BK / 4)) * 4;
  const int bRow = t / (BN / 4), bCol = (t % (BN / 4)) * 4;

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
  float regM[WMITER * TM], regN[WNITER * TN];
  const int tiles = (K + BK - 1) / BK;
  if (tiles > 0) {
    fetch(0);
    stash(0);
    __syncthreads();
  }
  for (int tile = 0; tile < tiles; ++tile) {
    const int cur = tile % 2;
    const bool has_next = tile + 1 < tiles;
    if (has_next) fetch((tile + 1) * BK);  // global loads in flight while we compute
    for (int k = 0; k < BK; ++k) {
      for (int ws = 0; ws < WMITER; ++ws)
        for (int i = 0; i < TM; i += 4) {
          const float4 v = *reinterpret_cast<const float4*>(
              &As[cur][k * BM + warpRow * WM + ws * WSUBM + laneRow * TM + i]);
          regM[ws * TM + i] = v.x, regM[ws * TM + i + 1] = v.y, regM[ws * TM + i + 2] = v.z,
                 regM[ws * TM + i + 3] = v.w;
        }
      for (int ws = 0; ws < WNITER; ++ws)
        for (int j = 0; j < TN; j += 4) {
          const float4 v = *reinterpret_cast<const float4*>(
              &Bs[cur][k * BN + warpCol * WN + ws * WSUBN + laneCol * TN + j]);
          regN[ws * TN + j] = v.x, regN[ws * TN + j + 1] = v.y, regN[ws * TN + j + 2] = v.z,
                 regN[ws * TN + j + 3] = v.w;
        }
      for (int i = 0; i < WMITER * TM; ++i)
        for (int j = 0; j < WNITER * TN; ++j) acc[i][j] += regM[i] * regN[j];
    }
    // The other buffer was last read in the previous iteration, which ended with a barrier:
    // it is free to overwrite now.
    if (has_next) stash(1 - cur);
    __syncthreads();  // the next tile is complete, and nobody reads `cur` any more
  }

  for (int wm = 0; wm < WMITER; ++wm)
    for (int i = 0; i < TM; ++i) {
      const int r = row0 + warpRow * WM + wm * WSUBM + laneRow * TM + i;
      for (int wn = 0; wn < WNITER; ++wn)
        for (int j = 0; j < TN; j += 4) {
          const int c = col0 + warpCol * WN + wn * WSUBN + laneCol * TN + j;
          const float* a = &acc[wm * TM + i][wn * TN + j];
          detail::store4<VEC>(C, M, N, r, c, make_float4(a[0], a[1], a[2], a[3]));
        }
    }
}
}  // namespace

void gemm_warptile(int M, int N, int K, const float* A, const float* B, float* C, cudaStream_t stream) {
  if (!detail::check_gemm_args("cuda::gemm_warptile", M, N, K)) return;
  const dim3 grid(detail::ceil_div(N, BN), detail::ceil_div(M, BM));
  detail::check_grid_y("cuda::gemm_warptile", grid.y);
  if (detail::can_use_float4(N, K, A, B, C))
    gemm_warptile_kernel<true><<<grid, THREADS, 0, stream>>>(M, N, K, A, B, C);
  else
    gemm_warptile_kernel<false><<<grid, THREADS, 0, stream>>>(M, N, K, A, B, C);
  detail::check_launch("gemm_warptile_kernel launch");
}

}  // namespace dnn::cuda
