// Chapter 07: the device functions every GPU variant shares — ReLU, softmax + cross-entropy, the
// walk over an image's non-zeros, one unit of a dense layer, its backpropagation and the SGD steps.
//
// They exist once, here, so that every variant (2_kernels … 5_cooperative, and eval.cu) does the
// same arithmetic in the same order: pixels in increasing order, hidden units in increasing order,
// minibatch rows in increasing order. That is what makes the hand-written variants produce
// bit-identical weights (a test checks it).
#pragma once

#include <cuda_runtime.h>

#include <cfloat>
#include <stdexcept>
#include <string>

#include "internal.cuh"

namespace dnn::cuda::train {

constexpr int kRowThreads = 64;  // threads of the per-image kernels: ≥ the widest layer (h1, h2 ≤ 64)

/// Throws std::runtime_error when the last kernel launch failed.
inline void check_launch(const char* what) {
  const cudaError_t err = cudaGetLastError();
  if (err != cudaSuccess) throw std::runtime_error(std::string("launch of ") + what + " failed: " + cudaGetErrorString(err));
}

/// ReLU that keeps NaN (so a diverging run shows up in the loss instead of being hidden as 0).
__device__ __forceinline__ float relu(float z) { return z < 0.0f ? 0.0f : z; }

__device__ __forceinline__ float warp_max(float v) {
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}
__device__ __forceinline__ float warp_sum(float v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

/// Softmax + cross-entropy of one row of logits z[0..c), done by one full warp (c ≤ 32).
/// Writes dz[j] = (p_j − [j = y]) · inv_b and returns (−log p_y, argmax == y) to every lane.
__device__ inline void softmax_ce_warp(const float* z, int c, int y, float inv_b, float* dz, float* loss, int* correct) {
  const int lane = threadIdx.x & 31;
  const float zj = lane < c ? z[lane] : -FLT_MAX;
  const float m = warp_max(zj);
  const float e = lane < c ? expf(zj - m) : 0.0f;
  const float s = warp_sum(e);
  if (lane < c) dz[lane] = (e / s - (lane == y ? 1.0f : 0.0f)) * inv_b;
  // argmax: the first index holding the maximum (as the CPU's strict '>' scan)
  const unsigned ballot = __ballot_sync(0xffffffffu, lane < c && zj == m);
  const int best = ballot ? __ffs(ballot) - 1 : 0;
  const float zy = __shfl_sync(0xffffffffu, zj, y);
  *loss = logf(s) - (zy - m);  // −log softmax(z)_y, stable (log-sum-exp)
  *correct = (best == y);
}

/// The non-zeros of one CSR row, read by a whole warp 32 at a time (one coalesced load of the
/// column indices and one of the values), then handed to every lane in order with __shfl_sync:
/// ≈ 5 memory round trips per image instead of ≈ 150 dependent ones. Calls f(k, x) for each
/// non-zero (pixel k, value x) in increasing pixel order. All 32 lanes must call it together.
template <class F>
__device__ __forceinline__ void for_each_nonzero_warp(const DeviceCsr& X, int beg, int end, F&& f) {
  const int lane = threadIdx.x & 31;
  for (int base = beg; base < end; base += 32) {
    const int e = base + lane;
    const int my_k = e < end ? X.col[e] : 0;
    const float my_x = e < end ? X.val[e] : 0.0f;
    const int m = min(32, end - base);  // the same for every lane
    for (int q = 0; q < m; ++q) f(__shfl_sync(0xffffffffu, my_k, q), __shfl_sync(0xffffffffu, my_x, q));
  }
}

/// Unit j of a dense layer n_in → n_out for one image: z = b[j] + Σ_k a[k]·W[k,j], where `a` holds
/// that image's n_in inputs (k in order, so every kernel gets the same numbers).
__device__ __forceinline__ float dense_unit(const float* a, const float* W, const float* b, int n_in, int n_out,
                                            int j) {
  float z = b[j];
  for (int k = 0; k < n_in; ++k) z += a[k] * W[k * n_out + j];
  return z;
}

/// Backpropagation through a dense layer n_in → n_out and the ReLU in front of it, input k of one
/// image: (Σ_j dz[j]·W[k,j]) · f′, with f′ = 1 where that input's activation a_k > 0, else 0.
/// `dz` holds the image's n_out output gradients; W is read as it was before this step's update.
__device__ __forceinline__ float relu_backprop_unit(const float* dz, const float* W, float a_k, int n_out, int k) {
  float g = 0.0f;
  for (int j = 0; j < n_out; ++j) g += dz[j] * W[k * n_out + j];
  return a_k > 0.0f ? g : 0.0f;
}

/// One weight's SGD step, W[k,j] −= η·Σ_i A[i,k]·dZ[i,j] over the minibatch's `count` rows, for the
/// element q = k·n_out + j of a dense layer n_in → n_out. Rows are summed in order, so every kernel
/// that uses it gets the same, deterministic numbers.
__device__ __forceinline__ void sgd_weight(float* W, const float* A, const float* dZ, int count, int n_in, int n_out,
                                           int q, float lr) {
  const int k = q / n_out, j = q % n_out;
  float g = 0.0f;
  for (int i = 0; i < count; ++i) g += A[i * n_in + k] * dZ[i * n_out + j];
  W[q] -= lr * g;
}

/// One bias's SGD step, b[j] −= η·Σ_i dZ[i,j] (a column sum of dZ, rows in order).
__device__ __forceinline__ void sgd_bias(float* b, const float* dZ, int count, int width, int j, float lr) {
  float g = 0.0f;
  for (int i = 0; i < count; ++i) g += dZ[i * width + j];
  b[j] -= lr * g;
}

}  // namespace dnn::cuda::train
