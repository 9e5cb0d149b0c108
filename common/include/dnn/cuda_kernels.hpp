/// @file cuda_kernels.hpp
/// @brief The MLP's kernels on the GPU (bias + ReLU, softmax + cross-entropy, column sums, SGD, Adam),
///        used by chapter 06's tests and benchmarks and by the GPU trainer (chapters 05, 07). Only for
///        builds with CUDA (`DNN_HAVE_CUDA`).
///
/// All pointers are *device* pointers (see DeviceBuffer in device_buffer.hpp); every matrix is
/// row-major float32, as on the CPU. Launches are asynchronous on stream `stream` (0 = the default
/// stream); a launch error throws std::runtime_error at once, an error *during* the kernel shows up
/// at the next synchronizing call (wrapped in CUDA_CHECK by the caller). The GEMM ladder of chapter 06
/// is in chapters/06_kernels/cuda/gemm.hpp.
#pragma once

#include <cuda_runtime_api.h>

#include "dnn/naive.hpp"  // AdamConfig

namespace dnn::cuda {

// (mlp_kernels.cu; CPU twins: mlp_ops::bias_relu_*, mlp_ops::column_sums_* in
// chapters/06_kernels/cpu/mlp_ops.hpp, and naive::/eigen::)

/// Z = XW + b (b: cols floats, added to every row) and Y = max(0, Z), fused. Z may be null
/// (then only Y is written); Z may equal XW (in place).
void bias_relu_forward(int rows, int cols, const float* XW, const float* b, float* Z, float* Y,
                       cudaStream_t stream = nullptr);
/// dZ = dY where Z > 0, else 0 (n elements).
void relu_backward(long n, const float* Z, const float* dY, float* dZ, cudaStream_t stream = nullptr);
/// Softmax + cross-entropy, fused and stable (one warp per row, max subtracted first):
/// P = softmax(logits) (if P is not null); dZ = (P − onehot(labels)) · grad_scale (if dZ is not
/// null; grad_scale = 1/B gives the gradient of the mean loss); row_loss[i] = −log P(i, y_i)
/// computed as log Σ e^(z−m) + m − z_y. A label outside [0, cols) gives row_loss NaN.
void softmax_xent(int rows, int cols, const float* logits, const int* labels, float* P, float* dZ, float* row_loss,
                  float grad_scale, cudaStream_t stream = nullptr);
/// sums[j] = Σ_i M(i, j) (bias gradient), one thread per column, summed in row order.
void column_sums(int rows, int cols, const float* M, float* sums, cudaStream_t stream = nullptr);
/// W ← W − lr·dW (n elements).
void sgd_step(long n, float* W, const float* dW, float lr, cudaStream_t stream = nullptr);
/// One Adam step (t = 1, 2, …), the formula of naive::adam_step:
/// m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; W ← W − lr·m̂/(√v̂ + ε), m̂ = m/(1−β1^t), v̂ = v/(1−β2^t).
void adam_step(long n, float* W, const float* dW, float* m, float* v, long t, const naive::AdamConfig& cfg,
               cudaStream_t stream = nullptr);

}  // namespace dnn::cuda
