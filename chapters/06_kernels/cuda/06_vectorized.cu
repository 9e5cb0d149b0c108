// Chapter 06, CUDA GEMM step 6 — vectorized (float4) memory access, A transposed in smem.
//
// Same tiling as step 5 (128×128 block tile, BK = 8, 8×8 outputs per thread), two changes:
//  1. Global loads and stores move 16 bytes per instruction (float4, LDG.128/STG.128): each
//     thread loads its 4 elements of A and of B with one instruction each instead of four.
//     Fewer instructions in flight for the same bytes = more memory parallelism per warp.
//  2. The A tile is stored *transposed* in shared memory (As[k][m]), so the 8 values of A a
//     thread needs for one k are contiguous and come in two 16-byte shared loads (LDS.128)
//     instead of eight strided 4-byte loads with bank conflicts; B is read the same way.
// float4 access needs K and N to be multiples of 4 and 16-byte-aligned matrices. When that is
// not the case (e.g. N = 33) the launcher runs the same kernel compiled with scalar,
// bounds-checked loads (VEC = false): correct for any shape, a little slower.
#include "06_kernels/cuda/gemm.hpp"
#include "gemm_common.cuh"

namespace dnn::cuda {

namespace {
constexpr int BM = 128, BN = 128, BK = 8, TM = 8, TN = 8;
constexpr int THREADS = (BM * BN) / (TM * TN);  // 256
static_assert(BM * BK / 4 == THREADS && BK * BN / 4 == THREADS, "one float4 of each tile per thread");

template <bool VEC>
__global__ void __launch_bounds__(THREADS) gemm_vectorized_kernel(int M, int N, int K, const float* A,
                                                                  const float* B, float* C) {
  __shared__ __align__(16) float As[BK * BM];  // transposed: As[k * BM + m]
  __shared__ __align__(16) float Bs[BK * BN];  // Bs[k * BN + n]
  const int row0 = blockIdx.y * BM, col0 = blockIdx.x * BN;
  const int thread = threadIdx.x;
  const int threadCol = thread % (BN / TN), threadRow = thread / (BN / TN);
  const int aRow = thread / (BK / 4), aCol = (thread % (BK / 4)) * 4;  // this thread's float4 of the A tile
  const int bRow = thread / (BN / 4), bCol = (thread % (BN / 4)) * 4;  // ... and of the B tile

  float acc[TM][TN] = {};
  float a_fragment[TM], b_fragment[TN];
  for (int k0 = 0; k0 < K; k0 += BK) {
    const float4 a = detail::load4<VEC>(A, M, K, row0 + aRow, k0 + aCol);
    As[(aCol + 0) * BM + aRow] = a.x;
    As[(aCol + 1) * BM + aRow] = a.y;
    As[(aCol + 2) * BM + aRow] = a.z;
    As[(aCol + 3) * BM + aRow] = a.w;
    *reinterpret_cast<float4*>(&Bs[bRow * BN + bCol]) = detail::load4<VEC>(B, K, N, k0 + bRow, col0 + bCol);
    __syncthreads();
    for (int k = 0; k < BK; ++k) {
      for (int i = 0; i < TM; i += 4) {
        const float4 v = *reinterpret_cast<const float4*>(&As[k * BM + threadRow * TM + i]);
        a_fragment[i] = v.x, a_fragment[i + 1] = v.y, a_fragment[i + 2] = v.z, a_fragment[i + 3] = v.w;
      }
      for (int j = 0; j < TN; j += 4) {
        const float4 v = *reinterpret_cast<const float4*>(&Bs[k * BN + threadCol * TN + j]);
        b_fragment[j] = v.x, b_fragment[j + 1] = v.y, b_fragment[j + 2] = v.z, b_fragment[j + 3] = v.w;
      }
      for (int i = 0; i < TM; ++i)
        for (int j = 0; j < TN; ++j) acc[i][j] += a_fragment[i] * b_fragment[j];
    }
    __syncthreads();
  }
  for (int i = 0; i < TM; ++i)
    for (int j = 0; j < TN; j += 4)
      detail::store4<VEC>(C, M, N, row0 + threadRow * TM + i, col0 + threadCol * TN + j,
                          make_float4(acc[i][j], acc[i][j + 1], acc[i][j + 2], acc[i][j + 3]));
}
}  // namespace

void gemm_vectorized(int M, int N, int K, const float* A, const float* B, float* C, cudaStream_t stream) {
  if (!detail::check_gemm_args("cuda::gemm_vectorized", M, N, K)) return;
  const dim3 grid(detail::ceil_div(N, BN), detail::ceil_div(M, BM));
  detail::check_grid_y("cuda::gemm_vectorized", grid.y);
  if (detail::can_use_float4(N, K, A, B, C))
    gemm_vectorized_kernel<true><<<grid, THREADS, 0, stream>>>(M, N, K, A, B, C);
  else
    gemm_vectorized_kernel<false><<<grid, THREADS, 0, stream>>>(M, N, K, A, B, C);
  detail::check_launch("gemm_vectorized_kernel launch");
}

}  // namespace dnn::cuda
