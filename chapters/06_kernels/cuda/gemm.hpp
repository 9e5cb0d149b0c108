/// @file 06_kernels/cuda/gemm.hpp
/// @brief Chapter 06: the CUDA GEMM ladder (naive → warp tiling, cuBLAS as the reference), one
///        file per step in chapters/06_kernels/cuda/. Only for builds with CUDA (`DNN_HAVE_CUDA`).
///
/// All pointers are *device* pointers (see DeviceBuffer in device_buffer.hpp); every matrix is
/// row-major float32, as on the CPU. Every GEMM step has one signature:
///
///     void gemm_xxx(int M, int N, int K, const float* A, const float* B, float* C, cudaStream_t s);
///
/// computing C = A·B (A: M×K, B: K×N, C: M×N, C overwritten) for any M, N, K ≥ 0 with
/// M·K, K·N, M·N < 2³¹. Launches are asynchronous on stream `s` (0 = the default stream);
/// a launch error throws std::runtime_error at once, an error *during* the kernel shows up at
/// the next synchronizing call (wrapped in CUDA_CHECK by the caller).
///
/// | step        | file (chapters/06_kernels/cuda/) | idea                                              |
/// |-------------|----------------------------------|---------------------------------------------------|
/// | naive       | 01_naive.cu                      | one thread per C(i,j); a warp spans *rows*: uncoalesced |
/// | coalesced   | 02_coalesced.cu                  | a warp spans *columns*: coalesced loads of B, stores of C |
/// | smem        | 03_smem.cu                       | 32×32 tiles of A and B staged in shared memory    |
/// | regtile_1d  | 04_regtile_1d.cu                 | each thread computes 8 outputs of a column        |
/// | regtile_2d  | 05_regtile_2d.cu                 | each thread computes an 8×8 block of outputs      |
/// | vectorized  | 06_vectorized.cu                 | float4 (128-bit) loads/stores, A transposed in smem |
/// | warptile    | 07_warptile.cu                   | a warp-level tile between block and thread tiles  |
/// | warptile_8warps, warptile_wide | 07_warptile.cu | the same kernel with other tile sizes (tuning) |
/// | cublas      | cublas.cu                        | cuBLAS SGEMM, FP32 (the reference)                |
/// | cublas_tf32 | cublas.cu                        | cuBLAS on TF32 tensor cores (extra: 10-bit mantissa inputs) |
#pragma once

#include <cuda_runtime_api.h>

#include <string>
#include <vector>

namespace dnn::cuda {

/// The one signature of every CUDA GEMM step.
using GemmLauncher = void (*)(int M, int N, int K, const float* A, const float* B, float* C, cudaStream_t stream);

void gemm_naive(int M, int N, int K, const float* A, const float* B, float* C, cudaStream_t stream = nullptr);
void gemm_coalesced(int M, int N, int K, const float* A, const float* B, float* C, cudaStream_t stream = nullptr);
void gemm_smem(int M, int N, int K, const float* A, const float* B, float* C, cudaStream_t stream = nullptr);
void gemm_regtile_1d(int M, int N, int K, const float* A, const float* B, float* C, cudaStream_t stream = nullptr);
void gemm_regtile_2d(int M, int N, int K, const float* A, const float* B, float* C, cudaStream_t stream = nullptr);
/// float4 loads when K and N are multiples of 4 and A, B, C are 16-byte aligned; otherwise the
/// same kernel with scalar loads (chosen at run time, both paths tested).
void gemm_vectorized(int M, int N, int K, const float* A, const float* B, float* C, cudaStream_t stream = nullptr);
/// Warp tiling; the same float4 / scalar choice as gemm_vectorized.
void gemm_warptile(int M, int N, int K, const float* A, const float* B, float* C, cudaStream_t stream = nullptr);
/// Tuning variants of gemm_warptile (same kernel, other tile sizes): 8 warps of 64×32, and a
/// 128×256 block tile with 8 warps of 64×64. Listed after `warptile` in the ladder.
void gemm_warptile_8warps(int M, int N, int K, const float* A, const float* B, float* C,
                          cudaStream_t stream = nullptr);
void gemm_warptile_wide(int M, int N, int K, const float* A, const float* B, float* C, cudaStream_t stream = nullptr);
/// cuBLAS SGEMM in plain FP32 (CUBLAS_COMPUTE_32F, no tensor cores): the reference.
void gemm_cublas(int M, int N, int K, const float* A, const float* B, float* C, cudaStream_t stream = nullptr);
/// cuBLAS with TF32 tensor cores (CUBLAS_COMPUTE_32F_FAST_TF32): inputs rounded to a 10-bit
/// mantissa, so results differ from FP32 by ~1e-3 relative. A labelled extra, not a ladder step.
void gemm_cublas_tf32(int M, int N, int K, const float* A, const float* B, float* C, cudaStream_t stream = nullptr);

/// One step of the ladder.
struct CudaGemm {
  const char* name;  ///< "naive", "coalesced", ..., "cublas", "cublas_tf32"
  const char* what;  ///< one line: what this step changes
  GemmLauncher fn;
  bool tf32;         ///< true when the inputs are rounded to TF32 (looser test tolerance)
  bool hand_written; ///< false for the cuBLAS references
};
const std::vector<CudaGemm>& cuda_gemm_ladder();
const CudaGemm* find_cuda_gemm(const std::string& name);
std::string cuda_gemm_names();

}  // namespace dnn::cuda
