// Helpers shared by the CUDA GEMM steps of chapter 06 (internal to chapters/06_kernels/cuda/).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

#include "dnn/cuda_launch.hpp"  // ceil_div, check_launch
#include "dnn/device_buffer.hpp"

namespace dnn::cuda::detail {

/// Checks the shapes a GEMM launcher accepts. Returns false when there is nothing to compute
/// (M or N is 0: C is empty). The kernels index with int, so M·K, K·N, M·N must fit in an int.
inline bool check_gemm_args(const char* who, int M, int N, int K) {
  if (M < 0 || N < 0 || K < 0)
    throw std::invalid_argument(std::string(who) + ": negative shape M=" + std::to_string(M) +
                                " N=" + std::to_string(N) + " K=" + std::to_string(K));
  const long long lim = std::numeric_limits<int>::max();
  if (static_cast<long long>(M) * K > lim || static_cast<long long>(K) * N > lim ||
      static_cast<long long>(M) * N > lim)
    throw std::invalid_argument(std::string(who) + ": matrices too large for 32-bit indexing");
  return M > 0 && N > 0;
}

/// gridDim.y and gridDim.z are limited to 65535 blocks.
inline void check_grid_y(const char* who, int blocks_y) {
  if (blocks_y > 65535)
    throw std::invalid_argument(std::string(who) + ": too many row blocks (" + std::to_string(blocks_y) +
                                " > 65535) for this kernel");
}

/// True when float4 (16-byte) loads of A, B and stores to C are legal: K and N multiples of 4
/// (every row starts 16-byte aligned) and the base pointers 16-byte aligned.
inline bool can_use_float4(int N, int K, const float* A, const float* B, const float* C) {
  auto aligned = [](const void* p) { return reinterpret_cast<std::uintptr_t>(p) % 16 == 0; };
  return K % 4 == 0 && N % 4 == 0 && aligned(A) && aligned(B) && aligned(C);
}

}  // namespace dnn::cuda::detail

namespace dnn::cuda::detail {

/// Loads M(r, c..c+3) of a row-major rows×cols matrix (row stride cols), zeros outside.
/// VEC: one 16-byte load — only legal when cols % 4 == 0, c % 4 == 0 and M is 16-byte aligned
/// (then c < cols implies c + 3 < cols). Otherwise four guarded 4-byte loads.
template <bool VEC>
__device__ __forceinline__ float4 load4(const float* M, int rows, int cols, int r, int c) {
  if constexpr (VEC) {
    if (r < rows && c < cols) return *reinterpret_cast<const float4*>(M + r * cols + c);
    return make_float4(0.0f, 0.0f, 0.0f, 0.0f);
  } else {
    const bool in_row = r < rows;
    const float* p = M + static_cast<long>(r) * cols + c;  // not dereferenced unless in range
    return make_float4(in_row && c + 0 < cols ? p[0] : 0.0f, in_row && c + 1 < cols ? p[1] : 0.0f,
                       in_row && c + 2 < cols ? p[2] : 0.0f, in_row && c + 3 < cols ? p[3] : 0.0f);
  }
}

/// Stores v to M(r, c..c+3), skipping what lies outside the matrix (same VEC rule as load4).
template <bool VEC>
__device__ __forceinline__ void store4(float* M, int rows, int cols, int r, int c, float4 v) {
  if (r >= rows) return;
  if constexpr (VEC) {
    if (c < cols) *reinterpret_cast<float4*>(M + r * cols + c) = v;
  } else {
    float* p = M + static_cast<long>(r) * cols + c;  // c may lie past the row end: no int overflow
    if (c + 0 < cols) p[0] = v.x;
    if (c + 1 < cols) p[1] = v.y;
    if (c + 2 < cols) p[2] = v.z;
    if (c + 3 < cols) p[3] = v.w;
  }
}

}  // namespace dnn::cuda::detail
