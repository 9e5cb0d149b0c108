// Chapter 07: the hand-written CUDA kernels that train the chapter-05 MLP.
//
//  - the fused multi-kernel step (3 launches per minibatch):
//      fused_forward_l1   one block per image: z1 = b1 + Σ over the image's non-zero pixels of x·W1[k,:]
//      fused_rows         one block per image: layer 2, layer 3, softmax + cross-entropy, and the
//                         backward pass of that image down to dZ1 (all with the OLD weights)
//      fused_update       SGD on every parameter: W1 by pixel ranges (no atomics, deterministic),
//                         W2, W3 and the biases one output per thread, summing over the minibatch
//  - the persistent kernel: ONE thread block runs every step of an epoch, the ≈42k parameters
//    held in shared memory (on chip) from the first step to the last;
//  - evaluation, and three small helpers of the cuBLAS variant.
//
// Arithmetic order: every sum runs in the same order in the fused and the persistent kernels
// (pixels in increasing order, hidden units in increasing order, minibatch rows in increasing
// order), so both variants produce bit-identical weights — a test checks it.
#include <cooperative_groups.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <vector>
#include <stdexcept>
#include <string>

#include "dnn/device_buffer.hpp"
#include "mlp_train_internal.cuh"

namespace dnn::cuda::train {

namespace {

constexpr int kRowThreads = 64;  // threads of the per-image kernels: ≥ the widest layer (h1, h2 ≤ 64)

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
__device__ void softmax_ce_warp(const float* z, int c, int y, float inv_b, float* dz, float* loss, int* correct) {
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

// ---------------------------------------------------------------- the fused multi-kernel step

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

__global__ void fused_forward_l1(StepArgs a, StepBuffers b) {
  const int i = blockIdx.x;
  const int j = threadIdx.x;  // blockDim = 64: two full warps, lanes ≥ h1 only help with the loads
  if (i >= a.count) return;
  const int r = a.order[a.start + i];
  const int beg = a.X.row_ptr[r], end = a.X.row_ptr[r + 1];
  const int h1 = a.net.h1;
  const float* W1 = a.net.W1;
  float z = j < h1 ? a.net.b1[j] : 0.0f;
  for_each_nonzero_warp(a.X, beg, end, [&](int k, float x) {
    if (j < h1) z += x * W1[k * h1 + j];
  });
  if (j < h1) b.A1[i * h1 + j] = relu(z);
}

__global__ void fused_rows(StepArgs a, StepBuffers b) {
  const int i = blockIdx.x;
  const int t = threadIdx.x;
  if (i >= a.count) return;  // uniform per block: no thread reaches a __syncthreads() alone
  const DeviceNet& n = a.net;
  __shared__ float a1[64], a2[64], z3[32], dz3[32], dz2[64];
  if (t < n.h1) a1[t] = b.A1[i * n.h1 + t];
  __syncthreads();
  if (t < n.h2) {  // layer 2
    a2[t] = relu(dense_unit(a1, n.W2, n.b2, n.h1, n.h2, t));
    b.A2[i * n.h2 + t] = a2[t];
  }
  __syncthreads();
  if (t < n.c) z3[t] = dense_unit(a2, n.W3, n.b3, n.h2, n.c, t);  // layer 3 (logits)
  __syncthreads();
  if (t < 32) {  // warp 0: softmax + cross-entropy + dZ3
    const int y = a.labels[a.order[a.start + i]];
    float loss;
    int correct;
    softmax_ce_warp(z3, n.c, y, 1.0f / static_cast<float>(a.count), dz3, &loss, &correct);
    if (t == 0) {
      b.row_loss[i] = loss;
      b.row_correct[i] = correct;
    }
  }
  __syncthreads();
  if (t < n.c) b.dZ3[i * n.c + t] = dz3[t];
  if (t < n.h2) {  // dZ2 = (dZ3·W3ᵀ) ⊙ [A2 > 0]
    dz2[t] = relu_backprop_unit(dz3, n.W3, a2[t], n.c, t);
    b.dZ2[i * n.h2 + t] = dz2[t];
  }
  __syncthreads();
  if (t < n.h1) b.dZ1[i * n.h1 + t] = relu_backprop_unit(dz2, n.W2, a1[t], n.h2, t);  // dZ1 = (dZ2·W2ᵀ) ⊙ [A1 > 0]
}

/// Blocks 0..kParts−1: the sparse W1 update of one pixel range (thread j = output unit j).
/// Blocks kParts..: one dense parameter per thread (W2, W3, b1, b2, b3), and the step's loss.
__global__ void fused_update(StepArgs a, StepBuffers b) {
  const DeviceNet& n = a.net;
  const int t = threadIdx.x;
  if (blockIdx.x < kParts) {
    // Two full warps; thread t updates unit t (threads ≥ h1 only help with the loads). As in the
    // persistent kernel: lane l looks up image i0+l's pixel range p, then each image's non-zeros
    // are read 32 at a time and shuffled to the lanes.
    const int p = blockIdx.x;
    const int lane = t & 31;
    for (int i0 = 0; i0 < a.count; i0 += 32) {
      int my_beg = 0, my_end = 0;
      if (i0 + lane < a.count) {
        const int* seg = a.X.seg + static_cast<long>(a.order[a.start + i0 + lane]) * (kParts + 1);
        my_beg = seg[p];
        my_end = seg[p + 1];
      }
      const int m = min(32, a.count - i0);
      for (int q = 0; q < m; ++q) {  // minibatch rows in order: deterministic sums
        const int i = i0 + q;
        const int beg = __shfl_sync(0xffffffffu, my_beg, q), end = __shfl_sync(0xffffffffu, my_end, q);
        const float g = t < n.h1 ? -a.lr * b.dZ1[i * n.h1 + t] : 0.0f;
        for_each_nonzero_warp(a.X, beg, end, [&](int k, float x) {
          if (t < n.h1) {
            float* w = n.W1 + k * n.h1 + t;
            *w = fmaf(x, g, *w);
          }
        });
      }
    }
    return;
  }
  int q = (blockIdx.x - kParts) * blockDim.x + t;
  if (q == 0) {  // the step's mean loss and correct count (rows in order)
    float s = 0.0f;
    int c = 0;
    for (int i = 0; i < a.count; ++i) {
      s += b.row_loss[i];
      c += b.row_correct[i];
    }
    a.step_loss[a.step] = s / static_cast<float>(a.count);
    a.step_correct[a.step] = c;
  }
  const int nW2 = n.h1 * n.h2, nW3 = n.h2 * n.c;
  // Thread q owns one parameter: W2, then W3, then b1, b2, b3.
  if (q < nW2) {
    sgd_weight(n.W2, b.A1, b.dZ2, a.count, n.h1, n.h2, q, a.lr);
  } else if ((q -= nW2) < nW3) {
    sgd_weight(n.W3, b.A2, b.dZ3, a.count, n.h2, n.c, q, a.lr);
  } else if ((q -= nW3) < n.h1) {
    sgd_bias(n.b1, b.dZ1, a.count, n.h1, q, a.lr);
  } else if ((q -= n.h1) < n.h2) {
    sgd_bias(n.b2, b.dZ2, a.count, n.h2, q, a.lr);
  } else if ((q -= n.h2) < n.c) {
    sgd_bias(n.b3, b.dZ3, a.count, n.c, q, a.lr);
  }
}

// ---------------------------------------------------------------- the persistent kernel

struct PersistentArgs {
  DeviceNet net;
  DeviceCsr X;
  const int* labels;
  const int* order;
  int n;
  int batch;
  float lr;
  float* step_loss;
  int* step_correct;
};

/// The parameters of layers 2 and 3, b1, and one minibatch's activations and gradients, all in
/// shared memory (a thread block's working set in the persistent and cooperative kernels).
struct BlockState {
  float *W2, *W3, *b1, *b2, *b3;
  float *A1, *A2, *Z3, *dZ3, *dZ2, *dZ1, *rl;
  int* rc;
};

/// Lays out a BlockState in shared memory from `base` (W2, W3, b1, b2, b3, then the minibatch's
/// A1, A2, Z3, dZ3, dZ2, dZ1 and two per-row values): block_state_floats(net, B) floats.
__host__ __device__ inline std::size_t block_state_floats(const DeviceNet& n, int B) {
  const std::size_t params = static_cast<std::size_t>(n.h1) * n.h2 + static_cast<std::size_t>(n.h2) * n.c + n.h1 +
                             n.h2 + n.c;
  const std::size_t per_row = 2 * static_cast<std::size_t>(n.h1) + 2 * static_cast<std::size_t>(n.h2) + 2 * n.c + 2;
  return params + per_row * static_cast<std::size_t>(B);
}
__device__ BlockState carve_block_state(float* base, const DeviceNet& n, int B) {
  BlockState S;
  S.W2 = base;
  S.W3 = S.W2 + n.h1 * n.h2;
  S.b1 = S.W3 + n.h2 * n.c;
  S.b2 = S.b1 + n.h1;
  S.b3 = S.b2 + n.h2;
  S.A1 = S.b3 + n.c;
  S.A2 = S.A1 + B * n.h1;
  S.Z3 = S.A2 + B * n.h2;
  S.dZ3 = S.Z3 + B * n.c;
  S.dZ2 = S.dZ3 + B * n.c;
  S.dZ1 = S.dZ2 + B * n.h2;
  S.rl = S.dZ1 + B * n.h1;
  S.rc = reinterpret_cast<int*>(S.rl + B);
  return S;
}
/// Copies the small parameters (W2, W3, b1, b2, b3) from one place to another with the whole block:
/// global memory → a BlockState at the start of an epoch, and back at its end.
__device__ void copy_small_params(float* W2, float* W3, float* b1, float* b2, float* b3, const float* W2s,
                                  const float* W3s, const float* b1s, const float* b2s, const float* b3s,
                                  const DeviceNet& n) {
  const int tid = threadIdx.x, nt = blockDim.x;
  for (int q = tid; q < n.h1 * n.h2; q += nt) W2[q] = W2s[q];
  for (int q = tid; q < n.h2 * n.c; q += nt) W3[q] = W3s[q];
  for (int q = tid; q < n.h1; q += nt) b1[q] = b1s[q];
  for (int q = tid; q < n.h2; q += nt) b2[q] = b2s[q];
  for (int q = tid; q < n.c; q += nt) b3[q] = b3s[q];
}
__device__ void load_small_params(const BlockState& S, const DeviceNet& n) {
  copy_small_params(S.W2, S.W3, S.b1, S.b2, S.b3, n.W2, n.W3, n.b1, n.b2, n.b3, n);
}
__device__ void store_small_params(const BlockState& S, const DeviceNet& n) {
  copy_small_params(n.W2, n.W3, n.b1, n.b2, n.b3, S.W2, S.W3, S.b1, S.b2, S.b3, n);
}

/// Everything of one SGD step after layer 1, by a whole thread block: on entry A1 (cnt × H1) holds
/// layer 1's activations (and every thread has passed a __syncthreads since it was written); on exit
/// dZ1 = ∂E/∂Z1 (computed with the OLD W2), and W3, b3, W2, b2, b1 have taken their SGD step.
/// Does not wait at the end: the caller's W1 update may run beside the last updates (it reads only
/// dZ1), then the caller synchronises. `record`: thread 0 writes the step's mean loss and correct count.
__device__ void block_dense_step(const BlockState& S, int H1, int H2, int C, int cnt, const int* labels,
                                 const int* order, int start, float lr, float* step_loss, int* step_correct, int s,
                                 bool record) {
  const int tid = threadIdx.x, nt = blockDim.x, warp = tid >> 5, lane = tid & 31, nwarps = nt >> 5;
  float *W2 = S.W2, *W3 = S.W3, *b1 = S.b1, *b2 = S.b2, *b3 = S.b3;
  float *A1 = S.A1, *A2 = S.A2, *Z3 = S.Z3, *dZ3 = S.dZ3, *dZ2 = S.dZ2, *dZ1 = S.dZ1, *rl = S.rl;
  int* rc = S.rc;
  // 2) layer 2
  for (int q = tid; q < cnt * H2; q += nt) A2[q] = relu(dense_unit(A1 + (q / H2) * H1, W2, b2, H1, H2, q % H2));
  __syncthreads();
  // 3) layer 3: logits
  for (int q = tid; q < cnt * C; q += nt) Z3[q] = dense_unit(A2 + (q / C) * H2, W3, b3, H2, C, q % C);
  __syncthreads();
  // 4) softmax + cross-entropy + dZ3: one warp per image
  for (int i = warp; i < cnt; i += nwarps) {
    const int y = labels[order[start + i]];
    float loss;
    int correct;
    softmax_ce_warp(Z3 + i * C, C, y, 1.0f / static_cast<float>(cnt), dZ3 + i * C, &loss, &correct);
    if (lane == 0) {
      rl[i] = loss;
      rc[i] = correct;
    }
  }
  __syncthreads();
  // 5) dZ2 = (dZ3·W3ᵀ) ⊙ [A2 > 0]   (old W3)
  for (int q = tid; q < cnt * H2; q += nt) dZ2[q] = relu_backprop_unit(dZ3 + (q / H2) * C, W3, A2[q], C, q % H2);
  __syncthreads();
  // 6) dZ1 = (dZ2·W2ᵀ) ⊙ [A1 > 0] (old W2); meanwhile W3, b3 are updated (nobody reads them now)
  for (int q = tid; q < cnt * H1; q += nt) dZ1[q] = relu_backprop_unit(dZ2 + (q / H1) * H2, W2, A1[q], H2, q % H1);
  for (int q = tid; q < H2 * C; q += nt) sgd_weight(W3, A2, dZ3, cnt, H2, C, q, lr);
  for (int q = tid; q < C; q += nt) sgd_bias(b3, dZ3, cnt, C, q, lr);
  if (record && tid == 0) {
    float sl = 0.0f;
    int sc = 0;
    for (int i = 0; i < cnt; ++i) {
      sl += rl[i];
      sc += rc[i];
    }
    step_loss[s] = sl / static_cast<float>(cnt);
    step_correct[s] = sc;
  }
  __syncthreads();
  // 7) W2, b2, b1 (old A1, dZ2, dZ1: nobody writes them any more in this step)
  for (int q = tid; q < H1 * H2; q += nt) sgd_weight(W2, A1, dZ2, cnt, H1, H2, q, lr);
  for (int q = tid; q < H2; q += nt) sgd_bias(b2, dZ2, cnt, H2, q, lr);
  for (int q = tid; q < H1; q += nt) sgd_bias(b1, dZ1, cnt, H1, q, lr);
}

constexpr int kPersistentThreads = 1024;  // 32 warps: warp p also owns pixel range p (kParts = 32)
static_assert(kPersistentThreads / 32 == kParts, "one warp per pixel range");

__global__ void __launch_bounds__(kPersistentThreads, 1) persistent_epoch(PersistentArgs a) {
  extern __shared__ float smem[];
  const DeviceNet& n = a.net;
  const int n_in = n.n_in, H1 = n.h1, H2 = n.h2, C = n.c, B = a.batch;
  const int tid = threadIdx.x, nt = blockDim.x, warp = tid >> 5, lane = tid & 31, nwarps = nt >> 5;
  // The parameters, on chip for the whole epoch: W1, then the small layers and the activations and
  // gradients of the current minibatch.
  float* W1 = smem;
  const BlockState S = carve_block_state(W1 + n_in * H1, n, B);
  const float* b1 = S.b1;
  const float* dZ1 = S.dZ1;
  float* A1 = S.A1;
  for (int q = tid; q < n_in * H1; q += nt) W1[q] = n.W1[q];
  load_small_params(S, n);
  __syncthreads();

  const int steps = (a.n + B - 1) / B;
  for (int s = 0; s < steps; ++s) {
    const int start = s * B;
    const int cnt = min(B, a.n - start);
    // 1) layer 1 from the CSR row: one warp per image, lane j owns units j and j+32
    for (int i = warp; i < cnt; i += nwarps) {
      const int r = a.order[start + i];
      const int beg = a.X.row_ptr[r], end = a.X.row_ptr[r + 1];
      const int j0 = lane, j1 = lane + 32;
      float z0 = j0 < H1 ? b1[j0] : 0.0f, z1 = j1 < H1 ? b1[j1] : 0.0f;
      for_each_nonzero_warp(a.X, beg, end, [&](int k, float x) {
        const float* w = W1 + k * H1;
        if (j0 < H1) z0 += x * w[j0];
        if (j1 < H1) z1 += x * w[j1];
      });
      if (j0 < H1) A1[i * H1 + j0] = relu(z0);
      if (j1 < H1) A1[i * H1 + j1] = relu(z1);
    }
    __syncthreads();
    // 2)–6) and the SGD steps of W3, b3, W2, b2, b1 (shared with the cooperative kernel)
    block_dense_step(S, H1, H2, C, cnt, a.labels, a.order, start, a.lr, a.step_loss, a.step_correct, s, true);
    // 7) W1 (warp p updates the pixels of range p: no two warps write the same row)
    {
      const int p = warp;  // nwarps == kParts (static_assert above)
      const int j0 = lane, j1 = lane + 32;
      for (int i0 = 0; i0 < cnt; i0 += 32) {
        // Lane l looks up where image i0+l keeps the non-zeros of pixel range p — 32 images' lookups
        // in one go instead of one dependent chain (order → offsets → pixels) per image.
        int my_beg = 0, my_end = 0;
        if (i0 + lane < cnt) {
          const int* seg = a.X.seg + static_cast<long>(a.order[start + i0 + lane]) * (kParts + 1);
          my_beg = seg[p];
          my_end = seg[p + 1];
        }
        const int m = min(32, cnt - i0);
        for (int q = 0; q < m; ++q) {  // images in increasing order: deterministic sums
          const int i = i0 + q;
          const int beg = __shfl_sync(0xffffffffu, my_beg, q), end = __shfl_sync(0xffffffffu, my_end, q);
          const float g0 = j0 < H1 ? -a.lr * dZ1[i * H1 + j0] : 0.0f;
          const float g1 = j1 < H1 ? -a.lr * dZ1[i * H1 + j1] : 0.0f;
          for_each_nonzero_warp(a.X, beg, end, [&](int k, float x) {
            float* w = W1 + k * H1;
            if (j0 < H1) w[j0] = fmaf(x, g0, w[j0]);
            if (j1 < H1) w[j1] = fmaf(x, g1, w[j1]);
          });
        }
      }
    }
    __syncthreads();
  }
  // The epoch is over: the parameters go back to global memory (evaluation, checkpoints, next epoch).
  for (int q = tid; q < n_in * H1; q += nt) n.W1[q] = W1[q];
  store_small_params(S, n);
}

// ---------------------------------------------------------------- the cooperative kernel
//
// The persistent kernel above runs on ONE of the H200's 132 multiprocessors: every step moves the
// touched rows of W1 through that one SM's shared memory (≈ 2.9 MB per step at batch 32: ≈ 11 µs at
// 128 B per clock for layer 1 alone), then runs block_dense_step on the same SM (≈ 9 µs of scalar
// shared-memory loads): by its bytes ≥ 24 µs per step, ≈ 0.45 s for 10 epochs, however well it is
// written. It stays a rung of the ladder (weights on chip, one launch per epoch); the cooperative
// kernel spreads the work:
//
//   block p (of kCoopBlocks, one per SM) keeps the W1 rows of ITS pixels (a range of ≈ 1/16 of an
//   image's non-zeros) in shared memory, plus its own copy of W2, W3 and the biases. Per step:
//     1. z1 partial: for each image i, z_p[i,:] = Σ over i's non-zero pixels k in block p's range of
//        x_ik · W1[k,:]  → global memory;
//     2. grid.sync() — the one grid-wide barrier of the step: every block waits for every partial;
//     3. every block sums the partials in the same order, z1 = b1 + Σ_p z_p, and runs the rest of the
//        step (layers 2–3, softmax, backward, SGD on W3, b3, W2, b2, b1) on its own copy: the same
//        arithmetic on the same numbers, so every copy stays identical without any communication;
//     4. W1[k,:] −= η · Σ_i x_ik · dZ1[i,:] for the pixels k of block p's range only.
//   The partials are double-buffered (step s writes buffer s mod 2): a block can only start writing
//   step s+2's partials after the barrier of step s+1, which every block reaches after it has read
//   step s's partials.
//
// The non-zeros each block needs are laid out per epoch by coop_lengths/scan/coop_gather: block p's
// non-zeros of the whole epoch, in the epoch's order, one after the other (ep_k/ep_x, offsets ep_off),
// so a step reads one contiguous chunk instead of chasing order → row → offsets → pixels.

namespace cg = cooperative_groups;

struct CoopArgs {
  DeviceNet net;
  const int* labels;
  const int* order;
  int n;
  int batch;
  float lr;
  float* step_loss;
  int* step_correct;
  const int* ep_off;  // [kCoopBlocks·n + 1]: block p's non-zeros of image order[t] are ep_off[p·n+t] … ep_off[p·n+t+1]−1
  const int* ep_k;    // their pixels
  const float* ep_x;  // their values
  float* partial;     // [2][kCoopBlocks][batch][h1]
  int bound[kCoopBlocks + 1];  // block p owns the pixels bound[p] … bound[p+1]−1
  int max_width;               // max over p of bound[p+1] − bound[p]
};

constexpr int kCoopThreads = 1024;

__global__ void __launch_bounds__(kCoopThreads, 1) coop_epoch(CoopArgs a) {
  cg::grid_group grid = cg::this_grid();
  extern __shared__ float smem[];
  const DeviceNet& n = a.net;
  const int H1 = n.h1, H2 = n.h2, C = n.c, B = a.batch, MW = a.max_width;
  const int tid = threadIdx.x, nt = blockDim.x, warp = tid >> 5, lane = tid & 31, nwarps = nt >> 5;
  const int p = blockIdx.x;
  const int lo = a.bound[p], width = a.bound[p + 1] - lo;
  // Shared memory: the 64-bit masks first (8-byte alignment), then the floats.
  unsigned long long* mask = reinterpret_cast<unsigned long long*>(smem);  // [MW]: bit i = image i has pixel lo+k
  float* W1p = smem + 2 * MW;     // [MW × H1]: the W1 rows of this block's pixels
  float* Xd = W1p + MW * H1;      // [B × MW]: this step's images, this block's pixels only (dense)
  const BlockState S = carve_block_state(Xd + B * MW, n, B);  // this block's copy of the small layers
  const float* b1 = S.b1;
  const float* dZ1 = S.dZ1;
  float* A1 = S.A1;
  for (int q = tid; q < width * H1; q += nt) W1p[q] = n.W1[static_cast<long>(lo) * H1 + q];
  for (int q = tid; q < MW; q += nt) mask[q] = 0ull;
  for (int q = tid; q < B * MW; q += nt) Xd[q] = 0.0f;
  load_small_params(S, n);
  __syncthreads();

  const int j0 = lane, j1 = lane + 32;  // lane j owns hidden units j and j+32 (H1 ≤ 64)
  const int steps = (a.n + B - 1) / B;
  for (int s = 0; s < steps; ++s) {
    const int start = s * B;
    const int cnt = min(B, a.n - start);
    float* part = a.partial + static_cast<long>(s & 1) * kCoopBlocks * B * H1;
    // 1) partial layer 1 over this block's pixels: one warp per image. Each lane reads one non-zero
    //    (a coalesced load of 32), records it in Xd and the pixel's mask, then the warp walks them.
    for (int i = warp; i < cnt; i += nwarps) {
      const long t = static_cast<long>(p) * a.n + start + i;
      const int beg = a.ep_off[t], end = a.ep_off[t + 1];
      float z0 = 0.0f, z1 = 0.0f;
      for (int base = beg; base < end; base += 32) {
        const int e = base + lane;
        int my_k = 0;
        float my_x = 0.0f;
        if (e < end) {
          my_k = a.ep_k[e] - lo;
          my_x = a.ep_x[e];
          Xd[i * MW + my_k] = my_x;
          atomicOr(&mask[my_k], 1ull << i);
        }
        const int m = min(32, end - base);  // the same for every lane
        for (int q = 0; q < m; ++q) {
          const int k = __shfl_sync(0xffffffffu, my_k, q);
          const float x = __shfl_sync(0xffffffffu, my_x, q);
          const float* w = W1p + k * H1;
          if (j0 < H1) z0 += x * w[j0];
          if (j1 < H1) z1 += x * w[j1];
        }
      }
      float* out = part + (static_cast<long>(p) * B + i) * H1;
      if (j0 < H1) out[j0] = z0;
      if (j1 < H1) out[j1] = z1;
    }
    // 2) every block waits until every block has written its partials (a grid-wide barrier, which
    //    also makes those global writes visible to the other blocks)
    grid.sync();
    // 3) z1 = b1 + Σ_p z_p in the same order in every block (__ldcg: read from L2, never a stale L1 line)
    for (int q = tid; q < cnt * H1; q += nt) {
      const int i = q / H1, j = q % H1;
      float z = b1[j];
      for (int r = 0; r < kCoopBlocks; ++r) z += __ldcg(part + (static_cast<long>(r) * B + i) * H1 + j);
      A1[q] = relu(z);
    }
    __syncthreads();
    block_dense_step(S, H1, H2, C, cnt, a.labels, a.order, start, a.lr, a.step_loss, a.step_correct, s, p == 0);
    // 4) W1[k,:] −= η · Σ_i x_ik · dZ1[i,:] for this block's pixels that some image of the step has:
    //    one warp per pixel, the images in increasing order (the bits of the mask); then the pixel's
    //    Xd entries and mask are cleared for the next step.
    for (int k = warp; k < width; k += nwarps) {
      const unsigned long long bits = mask[k];
      if (bits == 0ull) continue;  // the same for the whole warp
      float g0 = 0.0f, g1 = 0.0f;
      for (unsigned long long b = bits; b != 0ull; b &= b - 1) {
        const int i = __ffsll(static_cast<long long>(b)) - 1;
        const float x = Xd[i * MW + k];
        if (j0 < H1) g0 += x * dZ1[i * H1 + j0];
        if (j1 < H1) g1 += x * dZ1[i * H1 + j1];
      }
      if (j0 < H1) W1p[k * H1 + j0] -= a.lr * g0;
      if (j1 < H1) W1p[k * H1 + j1] -= a.lr * g1;
      __syncwarp();  // every lane has read mask[k] and Xd[·, k] before they are cleared
      if ((bits >> lane) & 1ull) Xd[lane * MW + k] = 0.0f;
      if ((bits >> (lane + 32)) & 1ull) Xd[(lane + 32) * MW + k] = 0.0f;
      if (lane == 0) mask[k] = 0ull;
    }
    __syncthreads();
  }
  // The epoch is over: this block's W1 rows go back; block 0 writes the (identical) rest.
  for (int q = tid; q < width * H1; q += nt) n.W1[static_cast<long>(lo) * H1 + q] = W1p[q];
  if (p == 0) store_small_params(S, n);
}

/// ep_len[p·n + t] = how many non-zeros of image order[t] lie in block p's pixels.
__global__ void coop_lengths(DeviceCsr X, const int* order, int n, int* ep_len) {
  const long q = blockIdx.x * static_cast<long>(blockDim.x) + threadIdx.x;
  if (q >= static_cast<long>(kCoopBlocks) * n) return;
  const int p = static_cast<int>(q / n), t = static_cast<int>(q % n);
  const int* seg = X.seg + static_cast<long>(order[t]) * (kParts + 1);
  ep_len[q] = seg[(p + 1) * kPartsPerBlock] - seg[p * kPartsPerBlock];
}

/// Copies those non-zeros to ep_k/ep_x at ep_off[p·n + t] (block p's stream, in the epoch's order).
__global__ void coop_gather(DeviceCsr X, const int* order, int n, const int* ep_off, int* ep_k, float* ep_x) {
  const long q = blockIdx.x * static_cast<long>(blockDim.x) + threadIdx.x;
  if (q >= static_cast<long>(kCoopBlocks) * n) return;
  const int p = static_cast<int>(q / n), t = static_cast<int>(q % n);
  const int* seg = X.seg + static_cast<long>(order[t]) * (kParts + 1);
  const int src = seg[p * kPartsPerBlock], dst = ep_off[q], len = ep_off[q + 1] - dst;
  for (int e = 0; e < len; ++e) {
    ep_k[dst + e] = X.col[src + e];
    ep_x[dst + e] = X.val[src + e];
  }
}

// ---------------------------------------------------------------- evaluation

__global__ void eval_rows(DeviceNet n, const float* X, int rows, const int* labels, float* row_loss, int* pred) {
  const int i = blockIdx.x;
  const int t = threadIdx.x;
  if (i >= rows) return;
  __shared__ float a1[64], a2[64], z3[32], dz[32];
  const float* x = X + static_cast<long>(i) * n.n_in;
  if (t < n.h1) {
    float z = n.b1[t];
    for (int k = 0; k < n.n_in; ++k) {
      const float v = x[k];  // the same k for all threads: a uniform branch
      if (v != 0.0f) z += v * n.W1[k * n.h1 + t];
    }
    a1[t] = relu(z);
  }
  __syncthreads();
  if (t < n.h2) a2[t] = relu(dense_unit(a1, n.W2, n.b2, n.h1, n.h2, t));
  __syncthreads();
  if (t < n.c) z3[t] = dense_unit(a2, n.W3, n.b3, n.h2, n.c, t);
  __syncthreads();
  if (t < 32) {
    const int y = labels ? labels[i] : 0;
    float loss;
    int correct;
    softmax_ce_warp(z3, n.c, y, 1.0f, dz, &loss, &correct);
    const float zj = t < n.c ? z3[t] : -FLT_MAX;
    const float m = warp_max(zj);
    const unsigned ballot = __ballot_sync(0xffffffffu, t < n.c && zj == m);
    if (t == 0) {
      if (labels) row_loss[i] = loss;
      pred[i] = ballot ? __ffs(ballot) - 1 : 0;
    }
  }
}

// ---------------------------------------------------------------- helpers of the cuBLAS variant

__global__ void gather_rows(const float* X, int cols, const int* labels, const int* order, int start, int count,
                            float* Xb, int* yb) {
  const int i = blockIdx.x;
  if (i >= count) return;
  const int r = order[start + i];
  for (int k = threadIdx.x; k < cols; k += blockDim.x) Xb[static_cast<long>(i) * cols + k] = X[static_cast<long>(r) * cols + k];
  if (threadIdx.x == 0) yb[i] = labels[r];
}

__global__ void add_bias(int rows, int cols, const float* b, float* Z) {
  const int q = blockIdx.x * blockDim.x + threadIdx.x;
  if (q < rows * cols) Z[q] += b[q % cols];
}

__global__ void record_step(int rows, int cols, const float* logits, const int* yb, const float* row_loss,
                            float* step_loss, int* step_correct, int step) {
  if (threadIdx.x != 0 || blockIdx.x != 0) return;
  float s = 0.0f;
  int c = 0;
  for (int i = 0; i < rows; ++i) {
    s += row_loss[i];
    const float* z = logits + i * cols;
    int best = 0;
    for (int j = 1; j < cols; ++j)
      if (z[j] > z[best]) best = j;
    c += (best == yb[i]);
  }
  step_loss[step] = s / static_cast<float>(rows);
  step_correct[step] = c;
}

// ---------------------------------------------------------------- dense → CSR on the device

constexpr int kScanThreads = 1024;

/// row_nnz[r] = number of non-zero pixels of row r (one warp per row).
__global__ void count_row_nnz(const float* X, int rows, int cols, int* row_nnz) {
  const int r = (blockIdx.x * blockDim.x + threadIdx.x) >> 5;
  const int lane = threadIdx.x & 31;
  if (r >= rows) return;  // whole warps leave together (r is the same for all lanes)
  const float* x = X + static_cast<long>(r) * cols;
  int n = 0;
  for (int k = lane; k < cols; k += 32) n += (x[k] != 0.0f);
  for (int o = 16; o > 0; o >>= 1) n += __shfl_xor_sync(0xffffffffu, n, o);
  if (lane == 0) row_nnz[r] = n;
}

/// row_ptr[0] = 0, row_ptr[r+1] = Σ_{q≤r} row_nnz[q]: one block; each thread sums a contiguous
/// chunk, the chunk totals are scanned in shared memory, then every thread writes its chunk.
__global__ void scan_row_ptr(const int* row_nnz, int rows, int* row_ptr) {
  __shared__ int part[kScanThreads];
  const int t = threadIdx.x;
  const int chunk = (rows + kScanThreads - 1) / kScanThreads;
  const int beg = min(rows, t * chunk), end = min(rows, beg + chunk);
  int s = 0;
  for (int r = beg; r < end; ++r) s += row_nnz[r];
  part[t] = s;
  __syncthreads();
  for (int o = 1; o < kScanThreads; o <<= 1) {  // Hillis–Steele inclusive scan of the chunk totals
    const int v = t >= o ? part[t - o] : 0;
    __syncthreads();
    part[t] += v;
    __syncthreads();
  }
  int run = t > 0 ? part[t - 1] : 0;
  if (t == 0) row_ptr[0] = 0;
  for (int r = beg; r < end; ++r) {
    run += row_nnz[r];
    row_ptr[r + 1] = run;
  }
}

/// Writes the non-zeros of row r in pixel order (one warp per row; a ballot gives each lane its slot).
__global__ void fill_csr(const float* X, int rows, int cols, const int* row_ptr, int* col, float* val) {
  const int r = (blockIdx.x * blockDim.x + threadIdx.x) >> 5;
  const int lane = threadIdx.x & 31;
  if (r >= rows) return;
  const float* x = X + static_cast<long>(r) * cols;
  int pos = row_ptr[r];
  for (int base = 0; base < cols; base += 32) {
    const int k = base + lane;
    const float v = k < cols ? x[k] : 0.0f;
    const bool nz = v != 0.0f;
    const unsigned ballot = __ballot_sync(0xffffffffu, nz);
    if (nz) {
      const int slot = pos + __popc(ballot & ((1u << lane) - 1u));
      col[slot] = k;
      val[slot] = v;
    }
    pos += __popc(ballot);
  }
}

/// counts[k] += number of rows with a non-zero pixel k.
__global__ void pixel_counts(const int* col, long nnz, int* counts) {
  for (long e = blockIdx.x * static_cast<long>(blockDim.x) + threadIdx.x; e < nnz;
       e += static_cast<long>(gridDim.x) * blockDim.x)
    atomicAdd(&counts[col[e]], 1);
}

/// seg[r·(kParts+1) + q] = first non-zero of row r whose pixel is ≥ bound[q] (binary search).
__global__ void part_offsets(const int* row_ptr, const int* col, int rows, const int* bound, int* seg) {
  const long q_all = blockIdx.x * static_cast<long>(blockDim.x) + threadIdx.x;
  if (q_all >= static_cast<long>(rows) * (kParts + 1)) return;
  const int r = static_cast<int>(q_all / (kParts + 1)), q = static_cast<int>(q_all % (kParts + 1));
  int lo = row_ptr[r], hi = row_ptr[r + 1];
  if (q < kParts) {
    const int b = bound[q];
    while (lo < hi) {
      const int mid = (lo + hi) >> 1;
      if (col[mid] < b)
        lo = mid + 1;
      else
        hi = mid;
    }
  } else {
    lo = hi;
  }
  seg[q_all] = lo;
}

void check_launch(const char* what) {
  const cudaError_t err = cudaGetLastError();
  if (err != cudaSuccess) throw std::runtime_error(std::string("launch of ") + what + " failed: " + cudaGetErrorString(err));
}

}  // namespace

void enqueue_fused_step(const StepArgs& a, const StepBuffers& b, cudaStream_t stream) {
  fused_forward_l1<<<a.count, kRowThreads, 0, stream>>>(a, b);
  check_launch("fused_forward_l1");
  fused_rows<<<a.count, kRowThreads, 0, stream>>>(a, b);
  check_launch("fused_rows");
  const int dense = a.net.h1 * a.net.h2 + a.net.h2 * a.net.c + a.net.h1 + a.net.h2 + a.net.c;
  fused_update<<<kParts + (dense + kRowThreads - 1) / kRowThreads, kRowThreads, 0, stream>>>(a, b);
  check_launch("fused_update");
}

std::size_t persistent_smem_bytes(const DeviceNet& n, int batch) {
  return (static_cast<std::size_t>(n.n_in) * n.h1 + block_state_floats(n, batch)) * sizeof(float);
}

void enqueue_persistent_epoch(const DeviceNet& net, const DeviceCsr& X, const int* labels, const int* order, int n,
                              int batch, float lr, float* step_loss, int* step_correct, std::size_t smem,
                              cudaStream_t stream) {
  CUDA_CHECK(cudaFuncSetAttribute(persistent_epoch, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                  static_cast<int>(smem)));
  PersistentArgs a{net, X, labels, order, n, batch, lr, step_loss, step_correct};
  persistent_epoch<<<1, kPersistentThreads, smem, stream>>>(a);
  check_launch("persistent_epoch");
}

std::size_t coop_smem_bytes(const DeviceNet& n, int batch, int max_width) {
  const std::size_t B = static_cast<std::size_t>(batch), MW = static_cast<std::size_t>(max_width);
  // masks (2 floats' room each), this block's W1 rows, its dense minibatch slice, the rest
  return (2 * MW + MW * n.h1 + B * MW + block_state_floats(n, batch)) * sizeof(float);
}

int coop_resident_blocks(std::size_t smem) {
  int dev = 0, sms = 0, per_sm = 0, coop = 0;
  CUDA_CHECK(cudaGetDevice(&dev));
  CUDA_CHECK(cudaDeviceGetAttribute(&coop, cudaDevAttrCooperativeLaunch, dev));
  if (!coop) return 0;
  CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev));
  CUDA_CHECK(cudaFuncSetAttribute(coop_epoch, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem)));
  CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, coop_epoch, kCoopThreads, smem));
  return sms * per_sm;
}

void enqueue_coop_prepare(const DeviceCsr& X, const int* order, int n, int* ep_len, int* ep_off, int* ep_k,
                          float* ep_x, cudaStream_t stream) {
  const long total = static_cast<long>(kCoopBlocks) * n;
  if (total == 0) return;
  const int blocks = static_cast<int>((total + 255) / 256);
  coop_lengths<<<blocks, 256, 0, stream>>>(X, order, n, ep_len);
  check_launch("coop_lengths");
  scan_row_ptr<<<1, kScanThreads, 0, stream>>>(ep_len, static_cast<int>(total), ep_off);
  check_launch("scan_row_ptr (cooperative offsets)");
  coop_gather<<<blocks, 256, 0, stream>>>(X, order, n, ep_off, ep_k, ep_x);
  check_launch("coop_gather");
}

void enqueue_coop_epoch(const DeviceNet& net, const int* labels, const int* order, int n, int batch, float lr,
                        float* step_loss, int* step_correct, const int* ep_off, const int* ep_k, const float* ep_x,
                        float* partial, const std::vector<int>& block_bound, int max_width, std::size_t smem,
                        cudaStream_t stream) {
  if (block_bound.size() != static_cast<std::size_t>(kCoopBlocks) + 1)
    throw std::invalid_argument("enqueue_coop_epoch: expected kCoopBlocks + 1 bounds");
  CoopArgs a{net, labels, order, n, batch, lr, step_loss, step_correct, ep_off, ep_k, ep_x, partial, {}, max_width};
  for (int p = 0; p <= kCoopBlocks; ++p) a.bound[p] = block_bound[static_cast<std::size_t>(p)];
  CUDA_CHECK(cudaFuncSetAttribute(coop_epoch, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem)));
  void* args[] = {&a};
  // A cooperative launch: the driver guarantees all kCoopBlocks blocks run at the same time (or
  // refuses the launch), which grid.sync() needs — an ordinary launch could deadlock.
  CUDA_CHECK(cudaLaunchCooperativeKernel(reinterpret_cast<void*>(coop_epoch), dim3(kCoopBlocks), dim3(kCoopThreads),
                                         args, smem, stream));
  check_launch("coop_epoch");
}

void enqueue_eval(const DeviceNet& net, const float* X, int rows, const int* labels, float* row_loss, int* pred,
                  cudaStream_t stream) {
  if (rows <= 0) return;
  eval_rows<<<rows, kRowThreads, 0, stream>>>(net, X, rows, labels, row_loss, pred);
  check_launch("eval_rows");
}

void build_csr_on_device(const float* X, int rows, int cols, DeviceBuffer<int>& row_ptr, DeviceBuffer<int>& col,
                         DeviceBuffer<float>& val, DeviceBuffer<int>& seg, std::vector<int>& part_bound,
                         cudaStream_t stream) {
  DeviceBuffer<int> row_nnz(static_cast<std::size_t>(std::max(rows, 1)));
  row_ptr.resize(static_cast<std::size_t>(rows) + 1);
  const int warps_per_block = 8, blocks = (rows + warps_per_block - 1) / warps_per_block;
  if (rows > 0) {
    count_row_nnz<<<blocks, 32 * warps_per_block, 0, stream>>>(X, rows, cols, row_nnz.data());
    check_launch("count_row_nnz");
  }
  scan_row_ptr<<<1, kScanThreads, 0, stream>>>(row_nnz.data(), rows, row_ptr.data());
  check_launch("scan_row_ptr");
  int nnz = 0;
  CUDA_CHECK(cudaMemcpyAsync(&nnz, row_ptr.data() + rows, sizeof(int), cudaMemcpyDeviceToHost, stream));
  CUDA_CHECK(cudaStreamSynchronize(stream));
  col.resize(static_cast<std::size_t>(std::max(nnz, 1)));
  val.resize(static_cast<std::size_t>(std::max(nnz, 1)));
  if (rows > 0) {
    fill_csr<<<blocks, 32 * warps_per_block, 0, stream>>>(X, rows, cols, row_ptr.data(), col.data(), val.data());
    check_launch("fill_csr");
  }
  // Pixel ranges with about equal numbers of non-zeros over the training set (the centre of an
  // MNIST image is busy, its border empty), so the kParts warps of the W1 update share the work.
  DeviceBuffer<int> counts(static_cast<std::size_t>(cols));
  CUDA_CHECK(cudaMemsetAsync(counts.data(), 0, counts.bytes(), stream));
  if (nnz > 0) {
    pixel_counts<<<256, 256, 0, stream>>>(col.data(), nnz, counts.data());
    check_launch("pixel_counts");
  }
  std::vector<int> per_pixel(static_cast<std::size_t>(cols));
  CUDA_CHECK(cudaMemcpyAsync(per_pixel.data(), counts.data(), counts.bytes(), cudaMemcpyDeviceToHost, stream));
  CUDA_CHECK(cudaStreamSynchronize(stream));
  std::vector<int> bound(kParts + 1, cols);
  bound[0] = 0;
  double acc = 0;
  int p = 1;
  for (int k = 0; k < cols && p < kParts; ++k) {
    acc += per_pixel[static_cast<std::size_t>(k)];
    while (p < kParts && acc >= static_cast<double>(nnz) * p / kParts) bound[static_cast<std::size_t>(p++)] = k + 1;
  }
  part_bound = bound;
  DeviceBuffer<int> d_bound(bound.size());
  CUDA_CHECK(cudaMemcpyAsync(d_bound.data(), bound.data(), d_bound.bytes(), cudaMemcpyHostToDevice, stream));
  const long total = static_cast<long>(rows) * (kParts + 1);
  seg.resize(static_cast<std::size_t>(std::max(total, 1L)));
  if (total > 0) {
    part_offsets<<<static_cast<int>((total + 255) / 256), 256, 0, stream>>>(row_ptr.data(), col.data(), rows,
                                                                           d_bound.data(), seg.data());
    check_launch("part_offsets");
  }
  CUDA_CHECK(cudaStreamSynchronize(stream));  // the temporaries (row_nnz, counts, d_bound) die here
}

void enqueue_gather(const float* X, int cols, const int* labels, const int* order, int start, int count, float* Xb,
                    int* yb, cudaStream_t stream) {
  gather_rows<<<count, 256, 0, stream>>>(X, cols, labels, order, start, count, Xb, yb);
  check_launch("gather_rows");
}

void enqueue_add_bias(int rows, int cols, const float* b, float* Z, cudaStream_t stream) {
  const int n = rows * cols;
  add_bias<<<(n + 255) / 256, 256, 0, stream>>>(rows, cols, b, Z);
  check_launch("add_bias");
}

void enqueue_record_step(int rows, int cols, const float* logits, const int* yb, const float* row_loss,
                         float* step_loss, int* step_correct, int step, cudaStream_t stream) {
  record_step<<<1, 32, 0, stream>>>(rows, cols, logits, yb, row_loss, step_loss, step_correct, step);
  check_launch("record_step");
}

}  // namespace dnn::cuda::train
