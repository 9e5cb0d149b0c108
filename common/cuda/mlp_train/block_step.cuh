// Chapter 07: one SGD step after layer 1 by a single thread block, its working set in shared
// memory — shared by the persistent (4_persistent.cu) and the cooperative (5_cooperative.cu) kernels.
#pragma once

#include <cstddef>

#include "device_math.cuh"

namespace dnn::cuda::train {

/// The parameters of layers 2 and 3, b1, and one minibatch's activations and gradients, all in
/// shared memory (a thread block's working set in the persistent and cooperative kernels).
struct BlockState {
  float *W2, *W3, *b1, *b2, *b3;
  float *A1, *A2, *Z3, *dZ3, *dZ2, *dZ1, *row_loss;
  int* row_correct;
};

/// Lays out a BlockState in shared memory from `base` (W2, W3, b1, b2, b3, then the minibatch's
/// A1, A2, Z3, dZ3, dZ2, dZ1 and two per-row values): block_state_floats(net, B) floats.
__host__ __device__ inline std::size_t block_state_floats(const DeviceNet& net, int B) {
  const std::size_t params = static_cast<std::size_t>(net.h1) * net.h2 + static_cast<std::size_t>(net.h2) * net.c + net.h1 +
                             net.h2 + net.c;
  const std::size_t per_row = 2 * static_cast<std::size_t>(net.h1) + 2 * static_cast<std::size_t>(net.h2) + 2 * net.c + 2;
  return params + per_row * static_cast<std::size_t>(B);
}
__device__ inline BlockState carve_block_state(float* base, const DeviceNet& net, int B) {
  BlockState S;
  S.W2 = base;
  S.W3 = S.W2 + net.h1 * net.h2;
  S.b1 = S.W3 + net.h2 * net.c;
  S.b2 = S.b1 + net.h1;
  S.b3 = S.b2 + net.h2;
  S.A1 = S.b3 + net.c;
  S.A2 = S.A1 + B * net.h1;
  S.Z3 = S.A2 + B * net.h2;
  S.dZ3 = S.Z3 + B * net.c;
  S.dZ2 = S.dZ3 + B * net.c;
  S.dZ1 = S.dZ2 + B * net.h2;
  S.row_loss = S.dZ1 + B * net.h1;
  S.row_correct = reinterpret_cast<int*>(S.row_loss + B);
  return S;
}
/// Copies the small parameters (W2, W3, b1, b2, b3) from one place to another with the whole block:
/// global memory → a BlockState at the start of an epoch, and back at its end.
__device__ inline void copy_small_params(float* W2, float* W3, float* b1, float* b2, float* b3, const float* W2s,
                                  const float* W3s, const float* b1s, const float* b2s, const float* b3s,
                                  const DeviceNet& net) {
  const int tid = threadIdx.x, block_threads = blockDim.x;
  for (int q = tid; q < net.h1 * net.h2; q += block_threads) W2[q] = W2s[q];
  for (int q = tid; q < net.h2 * net.c; q += block_threads) W3[q] = W3s[q];
  for (int q = tid; q < net.h1; q += block_threads) b1[q] = b1s[q];
  for (int q = tid; q < net.h2; q += block_threads) b2[q] = b2s[q];
  for (int q = tid; q < net.c; q += block_threads) b3[q] = b3s[q];
}
__device__ inline void load_small_params(const BlockState& S, const DeviceNet& net) {
  copy_small_params(S.W2, S.W3, S.b1, S.b2, S.b3, net.W2, net.W3, net.b1, net.b2, net.b3, net);
}
__device__ inline void store_small_params(const BlockState& S, const DeviceNet& net) {
  copy_small_params(net.W2, net.W3, net.b1, net.b2, net.b3, S.W2, S.W3, S.b1, S.b2, S.b3, net);
}

/// Everything of one SGD step after layer 1, by a whole thread block: on entry A1 (count × H1) holds
/// layer 1's activations (and every thread has passed a __syncthreads since it was written); on exit
/// dZ1 = ∂E/∂Z1 (computed with the OLD W2), and W3, b3, W2, b2, b1 have taken their SGD step.
/// Does not wait at the end: the caller's W1 update may run beside the last updates (it reads only
/// dZ1), then the caller synchronises. `record`: thread 0 writes the step's mean loss and correct count.
__device__ inline void block_dense_step(const BlockState& S, int H1, int H2, int C, int count, const int* labels,
                                 const int* order, int start, float lr, float* step_loss, int* step_correct, int s,
                                 bool record) {
  const int tid = threadIdx.x, block_threads = blockDim.x, warp = tid >> 5, lane = tid & 31, nwarps = block_threads >> 5;
  float *W2 = S.W2, *W3 = S.W3, *b1 = S.b1, *b2 = S.b2, *b3 = S.b3;
  float *A1 = S.A1, *A2 = S.A2, *Z3 = S.Z3, *dZ3 = S.dZ3, *dZ2 = S.dZ2, *dZ1 = S.dZ1, *row_loss = S.row_loss;
  int* row_correct = S.row_correct;
  // 2) layer 2
  for (int q = tid; q < count * H2; q += block_threads) A2[q] = relu(dense_unit(A1 + (q / H2) * H1, W2, b2, H1, H2, q % H2));
  __syncthreads();
  // 3) layer 3: logits
  for (int q = tid; q < count * C; q += block_threads) Z3[q] = dense_unit(A2 + (q / C) * H2, W3, b3, H2, C, q % C);
  __syncthreads();
  // 4) softmax + cross-entropy + dZ3: one warp per image
  for (int i = warp; i < count; i += nwarps) {
    const int y = labels[order[start + i]];
    float loss;
    int correct;
    softmax_ce_warp(Z3 + i * C, C, y, 1.0f / static_cast<float>(count), dZ3 + i * C, &loss, &correct);
    if (lane == 0) {
      row_loss[i] = loss;
      row_correct[i] = correct;
    }
  }
  __syncthreads();
  // 5) dZ2 = (dZ3·W3ᵀ) ⊙ [A2 > 0]   (old W3)
  for (int q = tid; q < count * H2; q += block_threads) dZ2[q] = relu_backprop_unit(dZ3 + (q / H2) * C, W3, A2[q], C, q % H2);
  __syncthreads();
  // 6) dZ1 = (dZ2·W2ᵀ) ⊙ [A1 > 0] (old W2); meanwhile W3, b3 are updated (nobody reads them now)
  for (int q = tid; q < count * H1; q += block_threads) dZ1[q] = relu_backprop_unit(dZ2 + (q / H1) * H2, W2, A1[q], H2, q % H1);
  for (int q = tid; q < H2 * C; q += block_threads) sgd_weight(W3, A2, dZ3, count, H2, C, q, lr);
  for (int q = tid; q < C; q += block_threads) sgd_bias(b3, dZ3, count, C, q, lr);
  if (record && tid == 0) {
    float loss_sum = 0.0f;
    int correct_sum = 0;
    for (int i = 0; i < count; ++i) {
      loss_sum += row_loss[i];
      correct_sum += row_correct[i];
    }
    step_loss[s] = loss_sum / static_cast<float>(count);
    step_correct[s] = correct_sum;
  }
  __syncthreads();
  // 7) W2, b2, b1 (old A1, dZ2, dZ1: nobody writes them any more in this step)
  for (int q = tid; q < H1 * H2; q += block_threads) sgd_weight(W2, A1, dZ2, count, H1, H2, q, lr);
  for (int q = tid; q < H2; q += block_threads) sgd_bias(b2, dZ2, count, H2, q, lr);
  for (int q = tid; q < H1; q += block_threads) sgd_bias(b1, dZ1, count, H1, q, lr);
}

}  // namespace dnn::cuda::train
