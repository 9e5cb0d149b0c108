/// @file cuda_launch.hpp
/// @brief Two helpers every kernel launcher uses: blocks for a grid (ceil_div) and the check of a
///        launch (check_launch). Shared by common/cuda/mlp_kernels.cu and chapter 06's GEMM ladder.
///        Only for builds with CUDA (`DNN_HAVE_CUDA`).
#pragma once

#include <cuda_runtime_api.h>

#include "dnn/device_buffer.hpp"  // check_cuda

namespace dnn::cuda::detail {

/// ⌈a / b⌉ for a ≥ 0, b > 0: blocks of b threads (or tiles of b elements) needed to cover a.
inline int ceil_div(int a, int b) { return (a + b - 1) / b; }

/// Throws if the last launch failed (bad configuration, too many resources...).
inline void check_launch(const char* who) {
  check_cuda(cudaGetLastError(), who, __FILE__, __LINE__);
}

}  // namespace dnn::cuda::detail
