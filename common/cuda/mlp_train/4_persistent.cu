// Chapter 07, GPU variant 4 — "persistent": one kernel per epoch, the weights on chip.
//
// Relative to variant 3: even replayed from a graph, every step still starts three kernels, and
// each of them reads the weights from global memory and writes them back. Here ONE thread block of
// 1024 threads runs every step of the epoch: the ≈ 42k parameters are loaded into its shared
// memory (on chip) at the start of the epoch and written back at its end; the steps are separated
// by __syncthreads() instead of kernel launches. Layer 1 reads each image's non-zeros from the CSR
// images (one warp per image); the rest of the step is block_dense_step (block_step.cuh, shared
// with variant 5); warp p updates the W1 rows of pixel range p (no two warps write the same row).
// The same sums in the same order as variant 2: bit-identical weights.
// Why it is faster: no launch and no weight traffic to global memory per step. Its limit: it
// runs on ONE of the GPU's multiprocessors, so it is bounded by that SM's shared-memory bandwidth
// (≈ 10 µs per step) — variant 5 spreads the work.
#include <cuda_runtime.h>

#include <cstddef>
#include <memory>
#include <string>

#include "block_step.cuh"
#include "dnn/error.hpp"
#include "internal.cuh"

namespace dnn::cuda::train {

namespace {

struct PersistentArgs {
  DeviceNet net;
  DeviceCsr X;
  const int* labels;
  const int* order;
  int images;  // images in the epoch (the first `images` entries of order)
  int batch;
  float lr;
  float* step_loss;
  int* step_correct;
};

constexpr int kPersistentThreads = 1024;  // 32 warps: warp p also owns pixel range p (kParts = 32)
static_assert(kPersistentThreads / 32 == kParts, "one warp per pixel range");

__global__ void __launch_bounds__(kPersistentThreads, 1) persistent_epoch(PersistentArgs args) {
  extern __shared__ float smem[];
  const DeviceNet& net = args.net;
  const int n_in = net.n_in, H1 = net.h1, H2 = net.h2, C = net.c, B = args.batch;
  const int tid = threadIdx.x, block_threads = blockDim.x, warp = tid >> 5, lane = tid & 31, nwarps = block_threads >> 5;
  // The parameters, on chip for the whole epoch: W1, then the small layers and the activations and
  // gradients of the current minibatch.
  float* W1 = smem;
  const BlockState S = carve_block_state(W1 + n_in * H1, net, B);
  const float* b1 = S.b1;
  const float* dZ1 = S.dZ1;
  float* A1 = S.A1;
  for (int q = tid; q < n_in * H1; q += block_threads) W1[q] = net.W1[q];
  load_small_params(S, net);
  __syncthreads();

  const int steps = (args.images + B - 1) / B;
  for (int s = 0; s < steps; ++s) {
    const int start = s * B;
    const int count = min(B, args.images - start);
    // 1) layer 1 from the CSR row: one warp per image, lane j owns units j and j+32
    for (int i = warp; i < count; i += nwarps) {
      const int r = args.order[start + i];
      const int beg = args.X.row_ptr[r], end = args.X.row_ptr[r + 1];
      const int j0 = lane, j1 = lane + 32;
      float z0 = j0 < H1 ? b1[j0] : 0.0f, z1 = j1 < H1 ? b1[j1] : 0.0f;
      for_each_nonzero_warp(args.X, beg, end, [&](int k, float x) {
        const float* w = W1 + k * H1;
        if (j0 < H1) z0 += x * w[j0];
        if (j1 < H1) z1 += x * w[j1];
      });
      if (j0 < H1) A1[i * H1 + j0] = relu(z0);
      if (j1 < H1) A1[i * H1 + j1] = relu(z1);
    }
    __syncthreads();
    // 2)–6) and the SGD steps of W3, b3, W2, b2, b1 (shared with the cooperative kernel)
    block_dense_step(S, H1, H2, C, count, args.labels, args.order, start, args.lr, args.step_loss, args.step_correct, s, true);
    // 7) W1 (warp p updates the pixels of range p: no two warps write the same row)
    {
      const int p = warp;  // nwarps == kParts (static_assert above)
      const int j0 = lane, j1 = lane + 32;
      for (int i0 = 0; i0 < count; i0 += 32) {
        // Lane l looks up where image i0+l keeps the non-zeros of pixel range p — 32 images' lookups
        // in one go instead of one dependent chain (order → offsets → pixels) per image.
        int my_beg = 0, my_end = 0;
        if (i0 + lane < count) {
          const int* range_start = args.X.range_start + static_cast<long>(args.order[start + i0 + lane]) * (kParts + 1);
          my_beg = range_start[p];
          my_end = range_start[p + 1];
        }
        const int m = min(32, count - i0);
        for (int q = 0; q < m; ++q) {  // images in increasing order: deterministic sums
          const int i = i0 + q;
          const int beg = __shfl_sync(0xffffffffu, my_beg, q), end = __shfl_sync(0xffffffffu, my_end, q);
          const float g0 = j0 < H1 ? -args.lr * dZ1[i * H1 + j0] : 0.0f;
          const float g1 = j1 < H1 ? -args.lr * dZ1[i * H1 + j1] : 0.0f;
          for_each_nonzero_warp(args.X, beg, end, [&](int k, float x) {
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
  for (int q = tid; q < n_in * H1; q += block_threads) net.W1[q] = W1[q];
  store_small_params(S, net);
}

}  // namespace

std::size_t persistent_smem_bytes(const DeviceNet& net, int batch) {
  return (static_cast<std::size_t>(net.n_in) * net.h1 + block_state_floats(net, batch)) * sizeof(float);
}

void enqueue_persistent_epoch(const DeviceNet& net, const DeviceCsr& X, const int* labels, const int* order, int n,
                              int batch, float lr, float* step_loss, int* step_correct, std::size_t smem,
                              cudaStream_t stream) {
  CUDA_CHECK(cudaFuncSetAttribute(persistent_epoch, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                  static_cast<int>(smem)));
  PersistentArgs args{net, X, labels, order, n, batch, lr, step_loss, step_correct};
  persistent_epoch<<<1, kPersistentThreads, smem, stream>>>(args);
  check_launch("persistent_epoch");
}

namespace {

class PersistentVariant : public Variant {
 public:
  void check(const GpuTrainer::Impl& m) override {
    const int n_in = m.n_in, h1 = m.h1, h2 = m.h2, c = m.c, batch = m.batch;
    int dev = 0, limit = 0;
    CUDA_CHECK(cudaGetDevice(&dev));
    CUDA_CHECK(cudaDeviceGetAttribute(&limit, cudaDevAttrMaxSharedMemoryPerBlockOptin, dev));
    smem_ = persistent_smem_bytes(DeviceNet{nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, n_in, h1, h2, c}, batch);
    if (smem_ > static_cast<std::size_t>(limit))
      throw InputError("--gpu-variant persistent: the weights and a minibatch of " + std::to_string(batch) +
                       " need " + std::to_string(smem_) + " bytes of shared memory, this GPU has " +
                       std::to_string(limit) + " per block; use a smaller --batch, or another variant (07_fast --backend cuda --gpu-variant graph)");
  }
  void run_epoch(GpuTrainer::Impl& m) override {
    m.upload_order();
    enqueue_persistent_epoch(m.net(), m.csr(), m.labels.data(), m.order.data(), m.X.rows, m.batch, m.opt.lr,
                             m.step_loss.data(), m.step_correct.data(), smem_, m.stream);
  }

 private:
  std::size_t smem_ = 0;  // shared memory of the kernel (found by check())
};

}  // namespace

std::unique_ptr<Variant> make_persistent_variant() { return std::make_unique<PersistentVariant>(); }

}  // namespace dnn::cuda::train
