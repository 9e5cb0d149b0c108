// Chapter 06: the list of all CUDA GEMM steps, in ladder order (one file per step: 01_naive.cu …
// 07_warptile.cu, cublas.cu). Programs, tests and benchmarks loop over it.
#include <string>
#include <vector>

#include "06_kernels/cuda/gemm.hpp"

namespace dnn::cuda {

const std::vector<CudaGemm>& cuda_gemm_ladder() {
  static const std::vector<CudaGemm> ladder{
      {"naive", "one thread per C(i,j), warp along rows: uncoalesced", &gemm_naive, false, true},
      {"coalesced", "warp along columns: coalesced loads of B and stores of C", &gemm_coalesced, false, true},
      {"smem", "32x32 tiles of A and B in shared memory", &gemm_smem, false, true},
      {"regtile_1d", "64x64 block tile, 8 outputs per thread (1-D register tile)", &gemm_regtile_1d, false, true},
      {"regtile_2d", "128x128 block tile, 8x8 outputs per thread (2-D register tile)", &gemm_regtile_2d, false,
       true},
      {"vectorized", "float4 global/shared loads, A transposed in shared memory", &gemm_vectorized, false, true},
      {"warptile", "warp tiles 64x64, 8x16 per thread, double-buffered shared memory", &gemm_warptile, false, true},
      {"warptile_8warps", "warptile variant: 8 warps of 64x32, 8x8 per thread", &gemm_warptile_8warps, false, true},
      {"warptile_wide", "warptile variant: 128x256 block tile, 8 warps of 64x64", &gemm_warptile_wide, false, true},
#if DNN_HAVE_CUBLAS
      {"cublas", "cuBLAS FP32 (reference)", &gemm_cublas, false, false},
      {"cublas_tf32", "cuBLAS TF32 tensor cores (extra, less exact)", &gemm_cublas_tf32, true, false},
#endif
  };
  return ladder;
}

const CudaGemm* find_cuda_gemm(const std::string& name) {
  for (const CudaGemm& g : cuda_gemm_ladder())
    if (name == g.name) return &g;
  return nullptr;
}

std::string cuda_gemm_names() {
  std::string s;
  for (const CudaGemm& g : cuda_gemm_ladder()) s += (s.empty() ? "" : ", ") + std::string(g.name);
  return s;
}

}  // namespace dnn::cuda
