// Chapter 07, GPU variant 5 — "cooperative": one kernel per epoch on 16 multiprocessors.
//
// Relative to variant 4 (4_persistent.cu): the persistent kernel runs on ONE of the H200's 132 multiprocessors: every step moves the
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
// non-zeros of the whole epoch, in the epoch's order, one after the other (epoch_pixel/epoch_value,
// offsets epoch_offset), so a step reads one contiguous chunk instead of chasing order → row →
// offsets → pixels.
//
// Why it is faster: layer 1 (most of the bytes) is split over 16 SMs' shared memory and bandwidth,
// and a step costs one grid-wide barrier instead of a launch. Minibatches up to 64 images (a
// pixel's images are the bits of one 64-bit mask).
#include <cooperative_groups.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "block_step.cuh"
#include "dnn/error.hpp"
#include "internal.cuh"

namespace dnn::cuda::train {

namespace {

namespace cg = cooperative_groups;

struct CoopArgs {
  DeviceNet net;
  const int* labels;
  const int* order;
  int images;  // images in the epoch (the first `images` entries of order)
  int batch;
  float lr;
  float* step_loss;
  int* step_correct;
  const int* epoch_offset;  // [kCoopBlocks·n + 1]: block p's non-zeros of image order[t] are epoch_offset[p·n+t] … epoch_offset[p·n+t+1]−1
  const int* epoch_pixel;    // their pixels
  const float* epoch_value;  // their values
  float* partial;     // [2][kCoopBlocks][batch][h1]
  int bound[kCoopBlocks + 1];  // block p owns the pixels bound[p] … bound[p+1]−1
  int max_width;               // max over p of bound[p+1] − bound[p]
};

constexpr int kCoopThreads = 1024;

__global__ void __launch_bounds__(kCoopThreads, 1) coop_epoch(CoopArgs args) {
  cg::grid_group grid = cg::this_grid();
  extern __shared__ float smem[];
  const DeviceNet& net = args.net;
  const int H1 = net.h1, H2 = net.h2, C = net.c, B = args.batch, max_width = args.max_width;
  const int tid = threadIdx.x, block_threads = blockDim.x, warp = tid >> 5, lane = tid & 31, nwarps = block_threads >> 5;
  const int p = blockIdx.x;
  const int lo = args.bound[p], width = args.bound[p + 1] - lo;
  // Shared memory: the 64-bit masks first (8-byte alignment), then the floats.
  unsigned long long* mask = reinterpret_cast<unsigned long long*>(smem);  // [max_width]: bit i = image i has pixel lo+k
  float* W1_block = smem + 2 * max_width;     // [max_width × H1]: the W1 rows of this block's pixels
  float* X_block = W1_block + max_width * H1;      // [B × max_width]: this step's images, this block's pixels only (dense)
  const BlockState S = carve_block_state(X_block + B * max_width, net, B);  // this block's copy of the small layers
  const float* b1 = S.b1;
  const float* dZ1 = S.dZ1;
  float* A1 = S.A1;
  for (int q = tid; q < width * H1; q += block_threads) W1_block[q] = net.W1[static_cast<long>(lo) * H1 + q];
  for (int q = tid; q < max_width; q += block_threads) mask[q] = 0ull;
  for (int q = tid; q < B * max_width; q += block_threads) X_block[q] = 0.0f;
  load_small_params(S, net);
  __syncthreads();

  const int j0 = lane, j1 = lane + 32;  // lane j owns hidden units j and j+32 (H1 ≤ 64)
  const int steps = (args.images + B - 1) / B;
  for (int s = 0; s < steps; ++s) {
    const int start = s * B;
    const int count = min(B, args.images - start);
    float* part = args.partial + static_cast<long>(s & 1) * kCoopBlocks * B * H1;
    // 1) partial layer 1 over this block's pixels: one warp per image. Each lane reads one non-zero
    //    (a coalesced load of 32), records it in X_block and the pixel's mask, then the warp walks them.
    for (int i = warp; i < count; i += nwarps) {
      const long t = static_cast<long>(p) * args.images + start + i;
      const int beg = args.epoch_offset[t], end = args.epoch_offset[t + 1];
      float z0 = 0.0f, z1 = 0.0f;
      for (int base = beg; base < end; base += 32) {
        const int e = base + lane;
        int my_k = 0;
        float my_x = 0.0f;
        if (e < end) {
          my_k = args.epoch_pixel[e] - lo;
          my_x = args.epoch_value[e];
          X_block[i * max_width + my_k] = my_x;
          atomicOr(&mask[my_k], 1ull << i);
        }
        const int m = min(32, end - base);  // the same for every lane
        for (int q = 0; q < m; ++q) {
          const int k = __shfl_sync(0xffffffffu, my_k, q);
          const float x = __shfl_sync(0xffffffffu, my_x, q);
          const float* w = W1_block + k * H1;
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
    for (int q = tid; q < count * H1; q += block_threads) {
      const int i = q / H1, j = q % H1;
      float z = b1[j];
      for (int r = 0; r < kCoopBlocks; ++r) z += __ldcg(part + (static_cast<long>(r) * B + i) * H1 + j);
      A1[q] = relu(z);
    }
    __syncthreads();
    block_dense_step(S, H1, H2, C, count, args.labels, args.order, start, args.lr, args.step_loss, args.step_correct, s, p == 0);
    // 4) W1[k,:] −= η · Σ_i x_ik · dZ1[i,:] for this block's pixels that some image of the step has:
    //    one warp per pixel, the images in increasing order (the bits of the mask); then the pixel's
    //    X_block entries and mask are cleared for the next step.
    for (int k = warp; k < width; k += nwarps) {
      const unsigned long long bits = mask[k];
      if (bits == 0ull) continue;  // the same for the whole warp
      float g0 = 0.0f, g1 = 0.0f;
      for (unsigned long long remaining = bits; remaining != 0ull; remaining &= remaining - 1) {
        const int i = __ffsll(static_cast<long long>(remaining)) - 1;  // the next image that has pixel k
        const float x = X_block[i * max_width + k];
        if (j0 < H1) g0 += x * dZ1[i * H1 + j0];
        if (j1 < H1) g1 += x * dZ1[i * H1 + j1];
      }
      if (j0 < H1) W1_block[k * H1 + j0] -= args.lr * g0;
      if (j1 < H1) W1_block[k * H1 + j1] -= args.lr * g1;
      __syncwarp();  // every lane has read mask[k] and X_block[·, k] before they are cleared
      if ((bits >> lane) & 1ull) X_block[lane * max_width + k] = 0.0f;
      if ((bits >> (lane + 32)) & 1ull) X_block[(lane + 32) * max_width + k] = 0.0f;
      if (lane == 0) mask[k] = 0ull;
    }
    __syncthreads();
  }
  // The epoch is over: this block's W1 rows go back; block 0 writes the (identical) rest.
  for (int q = tid; q < width * H1; q += block_threads) net.W1[static_cast<long>(lo) * H1 + q] = W1_block[q];
  if (p == 0) store_small_params(S, net);
}

/// epoch_length[p·n + t] = how many non-zeros of image order[t] lie in block p's pixels.
__global__ void coop_lengths(DeviceCsr X, const int* order, int n, int* epoch_length) {
  const long q = blockIdx.x * static_cast<long>(blockDim.x) + threadIdx.x;
  if (q >= static_cast<long>(kCoopBlocks) * n) return;
  const int p = static_cast<int>(q / n), t = static_cast<int>(q % n);
  const int* range_start = X.range_start + static_cast<long>(order[t]) * (kParts + 1);
  epoch_length[q] = range_start[(p + 1) * kPartsPerBlock] - range_start[p * kPartsPerBlock];
}

/// Copies those non-zeros to epoch_pixel/epoch_value at epoch_offset[p·n + t] (block p's stream, in the epoch's order).
__global__ void coop_gather(DeviceCsr X, const int* order, int n, const int* epoch_offset, int* epoch_pixel, float* epoch_value) {
  const long q = blockIdx.x * static_cast<long>(blockDim.x) + threadIdx.x;
  if (q >= static_cast<long>(kCoopBlocks) * n) return;
  const int p = static_cast<int>(q / n), t = static_cast<int>(q % n);
  const int* range_start = X.range_start + static_cast<long>(order[t]) * (kParts + 1);
  const int src = range_start[p * kPartsPerBlock], dst = epoch_offset[q], len = epoch_offset[q + 1] - dst;
  for (int e = 0; e < len; ++e) {
    epoch_pixel[dst + e] = X.col[src + e];
    epoch_value[dst + e] = X.val[src + e];
  }
}

}  // namespace

std::size_t coop_smem_bytes(const DeviceNet& net, int batch, int max_width) {
  const std::size_t B = static_cast<std::size_t>(batch), width = static_cast<std::size_t>(max_width);
  // masks (2 floats' room each), this block's W1 rows, its dense minibatch slice, the rest
  return (2 * width + width * net.h1 + B * width + block_state_floats(net, batch)) * sizeof(float);
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

void enqueue_coop_prepare(const DeviceCsr& X, const int* order, int n, int* epoch_length, int* epoch_offset, int* epoch_pixel,
                          float* epoch_value, cudaStream_t stream) {
  const long total = static_cast<long>(kCoopBlocks) * n;
  if (total == 0) return;
  const int blocks = static_cast<int>((total + 255) / 256);
  coop_lengths<<<blocks, 256, 0, stream>>>(X, order, n, epoch_length);
  check_launch("coop_lengths");
  enqueue_prefix_sums(epoch_length, static_cast<int>(total), epoch_offset, "scan_row_ptr (cooperative offsets)", stream);
  coop_gather<<<blocks, 256, 0, stream>>>(X, order, n, epoch_offset, epoch_pixel, epoch_value);
  check_launch("coop_gather");
}

void enqueue_coop_epoch(const DeviceNet& net, const int* labels, const int* order, int n, int batch, float lr,
                        float* step_loss, int* step_correct, const int* epoch_offset, const int* epoch_pixel, const float* epoch_value,
                        float* partial, const std::vector<int>& block_bound, int max_width, std::size_t smem,
                        cudaStream_t stream) {
  if (block_bound.size() != static_cast<std::size_t>(kCoopBlocks) + 1)
    throw std::invalid_argument("enqueue_coop_epoch: expected kCoopBlocks + 1 bounds");
  CoopArgs args{net, labels, order, n, batch, lr, step_loss, step_correct, epoch_offset, epoch_pixel, epoch_value, partial, {}, max_width};
  for (int p = 0; p <= kCoopBlocks; ++p) args.bound[p] = block_bound[static_cast<std::size_t>(p)];
  CUDA_CHECK(cudaFuncSetAttribute(coop_epoch, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem)));
  void* kernel_args[] = {&args};
  // A cooperative launch: the driver guarantees all kCoopBlocks blocks run at the same time (or
  // refuses the launch), which grid.sync() needs — an ordinary launch could deadlock.
  CUDA_CHECK(cudaLaunchCooperativeKernel(reinterpret_cast<void*>(coop_epoch), dim3(kCoopBlocks), dim3(kCoopThreads),
                                         kernel_args, smem, stream));
  check_launch("coop_epoch");
}

namespace {

class CooperativeVariant : public Variant {
 public:
  void check(const GpuTrainer::Impl& m) override {
    if (m.batch > kCoopMaxBatch)
      throw InputError("--gpu-variant cooperative: takes minibatches of at most " + std::to_string(kCoopMaxBatch) +
                       " images, got --batch " + std::to_string(m.batch) + "; use --gpu-variant graph");
  }
  /// The pixel ranges of the blocks (whole ranges of the CSR build), the buffers, and the check
  /// that the blocks fit on this GPU at the same time.
  void after_upload(GpuTrainer::Impl& m) override {
    const int batch = m.batch, h1 = m.h1;
    block_bound_.assign(static_cast<std::size_t>(kCoopBlocks) + 1, 0);
    max_width_ = 0;
    for (int p = 0; p <= kCoopBlocks; ++p)
      block_bound_[static_cast<std::size_t>(p)] = m.part_bound[static_cast<std::size_t>(p * kPartsPerBlock)];
    for (int p = 0; p < kCoopBlocks; ++p)
      max_width_ = std::max(max_width_, block_bound_[static_cast<std::size_t>(p) + 1] -
                                            block_bound_[static_cast<std::size_t>(p)]);
    smem_ = coop_smem_bytes(m.net(), batch, max_width_);
    int dev = 0, limit = 0;
    CUDA_CHECK(cudaGetDevice(&dev));
    CUDA_CHECK(cudaDeviceGetAttribute(&limit, cudaDevAttrMaxSharedMemoryPerBlockOptin, dev));
    if (smem_ > static_cast<std::size_t>(limit))
      throw InputError("--gpu-variant cooperative: a block needs " + std::to_string(smem_) +
                       " bytes of shared memory (its " + std::to_string(max_width_) +
                       " pixels' weights and a minibatch of " + std::to_string(batch) + "), this GPU has " +
                       std::to_string(limit) + " per block; use a smaller --batch or --gpu-variant graph");
    const int resident = coop_resident_blocks(smem_);
    if (resident < kCoopBlocks)
      throw InputError("--gpu-variant cooperative: needs " + std::to_string(kCoopBlocks) +
                       " thread blocks running at the same time (a cooperative launch); this GPU runs " +
                       std::to_string(resident) + "; use --gpu-variant persistent or graph");
    const std::size_t n = static_cast<std::size_t>(m.X.rows), blocks = static_cast<std::size_t>(kCoopBlocks);
    epoch_length_.resize(std::max<std::size_t>(1, blocks * n));
    epoch_offset_.resize(blocks * n + 1);
    epoch_pixel_.resize(std::max<std::size_t>(1, m.val.size()));
    epoch_value_.resize(std::max<std::size_t>(1, m.val.size()));
    partial_.resize(2 * blocks * static_cast<std::size_t>(batch) * static_cast<std::size_t>(h1));
  }
  void check_order(const std::vector<int>& order) const override {
    // Its per-epoch copy of the non-zeros (epoch_pixel, epoch_value) holds each image once: a
    // repeated row would write past the end of those buffers.
    std::vector<char> seen(order.size(), 0);
    for (int r : order)
      if (seen[static_cast<std::size_t>(r)]++)
        throw std::invalid_argument("GpuTrainer::train_epoch: row " + std::to_string(r) +
                                    " appears twice in the order; the cooperative variant needs a permutation");
  }
  void run_epoch(GpuTrainer::Impl& m) override {
    m.upload_order();
    enqueue_coop_prepare(m.csr(), m.order.data(), m.X.rows, epoch_length_.data(), epoch_offset_.data(),
                         epoch_pixel_.data(), epoch_value_.data(), m.stream);
    enqueue_coop_epoch(m.net(), m.labels.data(), m.order.data(), m.X.rows, m.batch, m.opt.lr, m.step_loss.data(),
                       m.step_correct.data(), epoch_offset_.data(), epoch_pixel_.data(), epoch_value_.data(),
                       partial_.data(), block_bound_, max_width_, smem_, m.stream);
  }

 private:
  // the epoch's non-zeros per block, the partial layer-1 sums, the blocks' pixels
  DeviceBuffer<int> epoch_length_, epoch_offset_, epoch_pixel_;
  DeviceBuffer<float> epoch_value_, partial_;
  std::vector<int> block_bound_;
  int max_width_ = 0;
  std::size_t smem_ = 0;
};

}  // namespace

std::unique_ptr<Variant> make_cooperative_variant() { return std::make_unique<CooperativeVariant>(); }

}  // namespace dnn::cuda::train
