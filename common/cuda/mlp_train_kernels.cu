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
    float z = n.b2[t];
    for (int k = 0; k < n.h1; ++k) z += a1[k] * n.W2[k * n.h2 + t];
    a2[t] = relu(z);
    b.A2[i * n.h2 + t] = a2[t];
  }
  __syncthreads();
  if (t < n.c) {  // layer 3 (logits)
    float z = n.b3[t];
    for (int k = 0; k < n.h2; ++k) z += a2[k] * n.W3[k * n.c + t];
    z3[t] = z;
  }
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
    float s = 0.0f;
    for (int j = 0; j < n.c; ++j) s += dz3[j] * n.W3[t * n.c + j];
    dz2[t] = a2[t] > 0.0f ? s : 0.0f;
    b.dZ2[i * n.h2 + t] = dz2[t];
  }
  __syncthreads();
  if (t < n.h1) {  // dZ1 = (dZ2·W2ᵀ) ⊙ [A1 > 0]
    float s = 0.0f;
    for (int j = 0; j < n.h2; ++j) s += dz2[j] * n.W2[t * n.h2 + j];
    b.dZ1[i * n.h1 + t] = a1[t] > 0.0f ? s : 0.0f;
  }
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
  if (q < nW2) {  // W2[k,j] −= η Σ_i A1[i,k] dZ2[i,j]
    const int k = q / n.h2, j = q % n.h2;
    float g = 0.0f;
    for (int i = 0; i < a.count; ++i) g += b.A1[i * n.h1 + k] * b.dZ2[i * n.h2 + j];
    n.W2[q] -= a.lr * g;
    return;
  }
  q -= nW2;
  if (q < nW3) {  // W3[k,j] −= η Σ_i A2[i,k] dZ3[i,j]
    const int k = q / n.c, j = q % n.c;
    float g = 0.0f;
    for (int i = 0; i < a.count; ++i) g += b.A2[i * n.h2 + k] * b.dZ3[i * n.c + j];
    n.W3[q] -= a.lr * g;
    return;
  }
  q -= nW3;
  // biases: b −= η Σ_i dZ[i,:]
  const float* dz = nullptr;
  float* bias = nullptr;
  int width = 0;
  if (q < n.h1) {
    dz = b.dZ1, bias = n.b1, width = n.h1;
  } else if ((q -= n.h1) < n.h2) {
    dz = b.dZ2, bias = n.b2, width = n.h2;
  } else if ((q -= n.h2) < n.c) {
    dz = b.dZ3, bias = n.b3, width = n.c;
  } else {
    return;
  }
  float g = 0.0f;
  for (int i = 0; i < a.count; ++i) g += dz[i * width + q];
  bias[q] -= a.lr * g;
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

constexpr int kPersistentThreads = 1024;  // 32 warps: warp p also owns pixel range p (kParts = 32)
static_assert(kPersistentThreads / 32 == kParts, "one warp per pixel range");

__global__ void __launch_bounds__(kPersistentThreads, 1) persistent_epoch(PersistentArgs a) {
  extern __shared__ float smem[];
  const DeviceNet& n = a.net;
  const int n_in = n.n_in, H1 = n.h1, H2 = n.h2, C = n.c, B = a.batch;
  const int tid = threadIdx.x, nt = blockDim.x, warp = tid >> 5, lane = tid & 31, nwarps = nt >> 5;
  // The parameters, on chip for the whole epoch …
  float* W1 = smem;
  float* W2 = W1 + n_in * H1;
  float* W3 = W2 + H1 * H2;
  float* b1 = W3 + H2 * C;
  float* b2 = b1 + H1;
  float* b3 = b2 + H2;
  // … and the activations and gradients of the current minibatch.
  float* A1 = b3 + C;
  float* A2 = A1 + B * H1;
  float* Z3 = A2 + B * H2;
  float* dZ3 = Z3 + B * C;
  float* dZ2 = dZ3 + B * C;
  float* dZ1 = dZ2 + B * H2;
  float* rl = dZ1 + B * H1;
  int* rc = reinterpret_cast<int*>(rl + B);

  for (int q = tid; q < n_in * H1; q += nt) W1[q] = n.W1[q];
  for (int q = tid; q < H1 * H2; q += nt) W2[q] = n.W2[q];
  for (int q = tid; q < H2 * C; q += nt) W3[q] = n.W3[q];
  for (int q = tid; q < H1; q += nt) b1[q] = n.b1[q];
  for (int q = tid; q < H2; q += nt) b2[q] = n.b2[q];
  for (int q = tid; q < C; q += nt) b3[q] = n.b3[q];
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
    // 2) layer 2
    for (int q = tid; q < cnt * H2; q += nt) {
      const int i = q / H2, j = q % H2;
      float z = b2[j];
      for (int k = 0; k < H1; ++k) z += A1[i * H1 + k] * W2[k * H2 + j];
      A2[q] = relu(z);
    }
    __syncthreads();
    // 3) layer 3: logits
    for (int q = tid; q < cnt * C; q += nt) {
      const int i = q / C, j = q % C;
      float z = b3[j];
      for (int k = 0; k < H2; ++k) z += A2[i * H2 + k] * W3[k * C + j];
      Z3[q] = z;
    }
    __syncthreads();
    // 4) softmax + cross-entropy + dZ3: one warp per image
    for (int i = warp; i < cnt; i += nwarps) {
      const int y = a.labels[a.order[start + i]];
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
    for (int q = tid; q < cnt * H2; q += nt) {
      const int i = q / H2, k = q % H2;
      float g = 0.0f;
      for (int j = 0; j < C; ++j) g += dZ3[i * C + j] * W3[k * C + j];
      dZ2[q] = A2[q] > 0.0f ? g : 0.0f;
    }
    __syncthreads();
    // 6) dZ1 = (dZ2·W2ᵀ) ⊙ [A1 > 0] (old W2); meanwhile W3, b3 are updated (nobody reads them now)
    for (int q = tid; q < cnt * H1; q += nt) {
      const int i = q / H1, k = q % H1;
      float g = 0.0f;
      for (int j = 0; j < H2; ++j) g += dZ2[i * H2 + j] * W2[k * H2 + j];
      dZ1[q] = A1[q] > 0.0f ? g : 0.0f;
    }
    for (int q = tid; q < H2 * C; q += nt) {
      const int k = q / C, j = q % C;
      float g = 0.0f;
      for (int i = 0; i < cnt; ++i) g += A2[i * H2 + k] * dZ3[i * C + j];
      W3[q] -= a.lr * g;
    }
    for (int q = tid; q < C; q += nt) {
      float g = 0.0f;
      for (int i = 0; i < cnt; ++i) g += dZ3[i * C + q];
      b3[q] -= a.lr * g;
    }
    if (tid == 0) {
      float sl = 0.0f;
      int sc = 0;
      for (int i = 0; i < cnt; ++i) {
        sl += rl[i];
        sc += rc[i];
      }
      a.step_loss[s] = sl / static_cast<float>(cnt);
      a.step_correct[s] = sc;
    }
    __syncthreads();
    // 7) W2, b2, b1, and W1 (warp p updates the pixels of range p: no two warps write the same row)
    for (int q = tid; q < H1 * H2; q += nt) {
      const int k = q / H2, j = q % H2;
      float g = 0.0f;
      for (int i = 0; i < cnt; ++i) g += A1[i * H1 + k] * dZ2[i * H2 + j];
      W2[q] -= a.lr * g;
    }
    for (int q = tid; q < H2; q += nt) {
      float g = 0.0f;
      for (int i = 0; i < cnt; ++i) g += dZ2[i * H2 + q];
      b2[q] -= a.lr * g;
    }
    for (int q = tid; q < H1; q += nt) {
      float g = 0.0f;
      for (int i = 0; i < cnt; ++i) g += dZ1[i * H1 + q];
      b1[q] -= a.lr * g;
    }
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
  for (int q = tid; q < H1 * H2; q += nt) n.W2[q] = W2[q];
  for (int q = tid; q < H2 * C; q += nt) n.W3[q] = W3[q];
  for (int q = tid; q < H1; q += nt) n.b1[q] = b1[q];
  for (int q = tid; q < H2; q += nt) n.b2[q] = b2[q];
  for (int q = tid; q < C; q += nt) n.b3[q] = b3[q];
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
  if (t < n.h2) {
    float z = n.b2[t];
    for (int k = 0; k < n.h1; ++k) z += a1[k] * n.W2[k * n.h2 + t];
    a2[t] = relu(z);
  }
  __syncthreads();
  if (t < n.c) {
    float z = n.b3[t];
    for (int k = 0; k < n.h2; ++k) z += a2[k] * n.W3[k * n.c + t];
    z3[t] = z;
  }
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
  const std::size_t params = static_cast<std::size_t>(n.n_in) * n.h1 + static_cast<std::size_t>(n.h1) * n.h2 +
                             static_cast<std::size_t>(n.h2) * n.c + n.h1 + n.h2 + n.c;
  const std::size_t per_row = 2 * static_cast<std::size_t>(n.h1) + 2 * static_cast<std::size_t>(n.h2) + 2 * n.c + 2;
  return (params + per_row * static_cast<std::size_t>(batch)) * sizeof(float);
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

void enqueue_eval(const DeviceNet& net, const float* X, int rows, const int* labels, float* row_loss, int* pred,
                  cudaStream_t stream) {
  if (rows <= 0) return;
  eval_rows<<<rows, kRowThreads, 0, stream>>>(net, X, rows, labels, row_loss, pred);
  check_launch("eval_rows");
}

void build_csr_on_device(const float* X, int rows, int cols, DeviceBuffer<int>& row_ptr, DeviceBuffer<int>& col,
                         DeviceBuffer<float>& val, DeviceBuffer<int>& seg, cudaStream_t stream) {
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
