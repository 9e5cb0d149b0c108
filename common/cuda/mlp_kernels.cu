// Chapter 06: the MLP's other kernels on the GPU (see cuda_kernels.hpp). All are
// memory-bound elementwise or row/column reductions: one thread per element (grid-stride
// loops), one warp per softmax row, one thread per column sum. Deterministic: no atomics.
#include <cmath>
#include <stdexcept>
#include <string>

#include "dnn/cuda_kernels.hpp"
#include "dnn/cuda_launch.hpp"

namespace dnn::cuda {

namespace {

constexpr int THREADS = 256;

// Blocks for a grid-stride loop over n elements (capped: each thread then loops).
unsigned blocks_for(long n) {
  const long b = (n + THREADS - 1) / THREADS;
  return static_cast<unsigned>(b < 65535 * 8 ? (b > 0 ? b : 1) : 65535 * 8);
}

void require(bool ok, const char* who, const std::string& what) {
  if (!ok) throw std::invalid_argument(std::string(who) + ": " + what);
}

__global__ void bias_relu_kernel(int rows, int cols, const float* XW, const float* b, float* Z, float* Y) {
  const long n = static_cast<long>(rows) * cols;
  for (long idx = blockIdx.x * static_cast<long>(blockDim.x) + threadIdx.x; idx < n;
       idx += static_cast<long>(gridDim.x) * blockDim.x) {
    const float z = XW[idx] + b[idx % cols];
    if (Z) Z[idx] = z;
    Y[idx] = z > 0.0f ? z : 0.0f;  // like naive::relu_forward (NaN -> 0)
  }
}

__global__ void relu_backward_kernel(long n, const float* Z, const float* dY, float* dZ) {
  for (long idx = blockIdx.x * static_cast<long>(blockDim.x) + threadIdx.x; idx < n;
       idx += static_cast<long>(gridDim.x) * blockDim.x)
    dZ[idx] = Z[idx] > 0.0f ? dY[idx] : 0.0f;
}

__device__ __forceinline__ float warp_max(float v) {
  for (int offset = 16; offset > 0; offset /= 2) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
  return v;
}
__device__ __forceinline__ float warp_sum(float v) {
  for (int offset = 16; offset > 0; offset /= 2) v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}

// One warp per row. All 32 lanes of a warp share `row`, so they leave together and the
// full-mask shuffles always see 32 active lanes.
__global__ void softmax_xent_kernel(int rows, int cols, const float* Z, const int* labels, float* P, float* dZ,
                                    float* row_loss, float grad_scale) {
  const int row = (blockIdx.x * blockDim.x + threadIdx.x) / 32;
  const int lane = threadIdx.x % 32;
  if (row >= rows) return;
  const float* z = Z + static_cast<long>(row) * cols;
  float m = -INFINITY;
  for (int c = lane; c < cols; c += 32) m = fmaxf(m, z[c]);
  m = warp_max(m);  // subtract the row max: e^(z−m) ≤ 1 never overflows
  float s = 0.0f;
  for (int c = lane; c < cols; c += 32) s += expf(z[c] - m);
  s = warp_sum(s);
  const int y = labels[row];
  const bool valid = y >= 0 && y < cols;
  for (int c = lane; c < cols; c += 32) {
    const float p = expf(z[c] - m) / s;
    if (P) P[static_cast<long>(row) * cols + c] = p;
    if (dZ) dZ[static_cast<long>(row) * cols + c] = (p - (c == y ? 1.0f : 0.0f)) * grad_scale;
  }
  if (lane == 0) row_loss[row] = valid ? logf(s) + (m - z[y]) : NAN;  // −log softmax(z)_y; m − z[y] ≥ 0 first: no cancellation
}

__global__ void column_sums_kernel(int rows, int cols, const float* M, float* sums) {
  const int j = blockIdx.x * blockDim.x + threadIdx.x;  // adjacent threads: adjacent columns (coalesced)
  if (j >= cols) return;
  float s = 0.0f;
  for (int i = 0; i < rows; ++i) s += M[static_cast<long>(i) * cols + j];
  sums[j] = s;
}

__global__ void sgd_kernel(long n, float* W, const float* dW, float lr) {
  for (long idx = blockIdx.x * static_cast<long>(blockDim.x) + threadIdx.x; idx < n;
       idx += static_cast<long>(gridDim.x) * blockDim.x)
    W[idx] -= lr * dW[idx];
}

__global__ void adam_kernel(long n, float* W, const float* dW, float* m, float* v, float lr, float beta1,
                            float beta2, float eps, float inv_bias1, float inv_bias2) {
  for (long idx = blockIdx.x * static_cast<long>(blockDim.x) + threadIdx.x; idx < n;
       idx += static_cast<long>(gridDim.x) * blockDim.x) {
    const float g = dW[idx];
    const float mi = beta1 * m[idx] + (1.0f - beta1) * g;
    const float vi = beta2 * v[idx] + (1.0f - beta2) * g * g;
    m[idx] = mi;
    v[idx] = vi;
    const float m_hat = mi * inv_bias1, v_hat = vi * inv_bias2;
    W[idx] -= lr * m_hat / (sqrtf(v_hat) + eps);
  }
}

}  // namespace

void bias_relu_forward(int rows, int cols, const float* XW, const float* b, float* Z, float* Y,
                       cudaStream_t stream) {
  require(rows >= 0 && cols >= 0, "cuda::bias_relu_forward", "negative shape");
  if (rows == 0 || cols == 0) return;
  const long n = static_cast<long>(rows) * cols;
  bias_relu_kernel<<<blocks_for(n), THREADS, 0, stream>>>(rows, cols, XW, b, Z, Y);
  detail::check_launch("bias_relu_kernel launch");
}

void relu_backward(long n, const float* Z, const float* dY, float* dZ, cudaStream_t stream) {
  require(n >= 0, "cuda::relu_backward", "negative size");
  if (n == 0) return;
  relu_backward_kernel<<<blocks_for(n), THREADS, 0, stream>>>(n, Z, dY, dZ);
  detail::check_launch("relu_backward_kernel launch");
}

void softmax_xent(int rows, int cols, const float* logits, const int* labels, float* P, float* dZ, float* row_loss,
                  float grad_scale, cudaStream_t stream) {
  require(rows >= 0, "cuda::softmax_xent", "negative number of rows");
  require(cols >= 1, "cuda::softmax_xent", "needs at least one class (cols >= 1)");
  if (rows == 0) return;
  const long threads = static_cast<long>(rows) * 32;  // one warp per row
  const unsigned blocks = static_cast<unsigned>((threads + THREADS - 1) / THREADS);
  softmax_xent_kernel<<<blocks, THREADS, 0, stream>>>(rows, cols, logits, labels, P, dZ, row_loss, grad_scale);
  detail::check_launch("softmax_xent_kernel launch");
}

void column_sums(int rows, int cols, const float* M, float* sums, cudaStream_t stream) {
  require(rows >= 0 && cols >= 0, "cuda::column_sums", "negative shape");
  if (cols == 0) return;
  column_sums_kernel<<<detail::ceil_div(cols, THREADS), THREADS, 0, stream>>>(rows, cols, M, sums);
  detail::check_launch("column_sums_kernel launch");
}

void sgd_step(long n, float* W, const float* dW, float lr, cudaStream_t stream) {
  require(n >= 0, "cuda::sgd_step", "negative size");
  if (n == 0) return;
  sgd_kernel<<<blocks_for(n), THREADS, 0, stream>>>(n, W, dW, lr);
  detail::check_launch("sgd_kernel launch");
}

void adam_step(long n, float* W, const float* dW, float* m, float* v, long t, const naive::AdamConfig& cfg,
               cudaStream_t stream) {
  require(n >= 0, "cuda::adam_step", "negative size");
  require(t >= 1, "cuda::adam_step", "the step counter t starts at 1, got " + std::to_string(t));
  if (n == 0) return;
  // Bias corrections in double on the host, like the CPU versions.
  const double inv_bias1 = 1.0 / (1.0 - std::pow(cfg.beta1, static_cast<double>(t)));
  const double inv_bias2 = 1.0 / (1.0 - std::pow(cfg.beta2, static_cast<double>(t)));
  adam_kernel<<<blocks_for(n), THREADS, 0, stream>>>(n, W, dW, m, v, static_cast<float>(cfg.lr),
                                                      static_cast<float>(cfg.beta1), static_cast<float>(cfg.beta2),
                                                      static_cast<float>(cfg.eps), static_cast<float>(inv_bias1),
                                                      static_cast<float>(inv_bias2));
  detail::check_launch("adam_kernel launch");
}

}  // namespace dnn::cuda
