// Chapter 07: what the GPU trainer's files share (internal to common/cuda/mlp_train_*.cu).
//
// The model on the device is the chapter-05 MLP with exactly two hidden ReLU layers:
//   A1 = ReLU(X·W1 + b1)  (n_in → h1),  A2 = ReLU(A1·W2 + b2)  (h1 → h2),  Z3 = A2·W3 + b3  (h2 → c)
// stored row-major and unpadded, exactly like dnn::Mlp, so get/set_weights are plain copies.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <vector>

#include "dnn/device_buffer.hpp"

namespace dnn::cuda::train {

/// Number of pixel ranges the sparse layer-1 update is split into (one warp / block each).
constexpr int kParts = 32;
/// Thread blocks of the cooperative kernel; block p owns pixel ranges p·kPartsPerBlock … (p+1)·kPartsPerBlock − 1.
constexpr int kCoopBlocks = 16;
constexpr int kPartsPerBlock = kParts / kCoopBlocks;
static_assert(kParts % kCoopBlocks == 0, "whole pixel ranges per block");
/// Largest minibatch of the cooperative kernel (a pixel's images are the bits of one 64-bit mask).
constexpr int kCoopMaxBatch = 64;

struct DeviceNet {
  float* W1;
  float* b1;
  float* W2;
  float* b2;
  float* W3;
  float* b3;
  int n_in, h1, h2, c;
};

/// The training images in CSR form, plus for every image r the offsets seg[r·(kParts+1) + p],
/// p = 0..kParts: the first non-zero of row r whose pixel is ≥ bound[p] (bound chosen on the host
/// so that every part holds about the same number of non-zeros over the training set).
struct DeviceCsr {
  const int* row_ptr;
  const int* col;
  const float* val;
  const int* seg;
};

/// Per-step buffers of the multi-kernel variant (global memory, batch × width each).
struct StepBuffers {
  float* A1;
  float* A2;
  float* dZ3;
  float* dZ2;
  float* dZ1;
  float* row_loss;
  int* row_correct;
};

/// What one training step needs to know.
struct StepArgs {
  DeviceNet net;
  DeviceCsr X;
  const int* labels;  // all training labels
  const int* order;   // the epoch's order (device)
  int start;          // first position of this minibatch in `order`
  int count;          // rows in this minibatch
  float lr;
  int step;           // index of the step in the epoch (where its loss goes)
  float* step_loss;   // [steps] mean loss of each minibatch
  int* step_correct;  // [steps] correct predictions of each minibatch
};

/// Enqueues one step of the fused multi-kernel variant (3 launches) on `stream`.
void enqueue_fused_step(const StepArgs& a, const StepBuffers& b, cudaStream_t stream);

/// Shared memory the persistent kernel needs for this model and batch (bytes).
std::size_t persistent_smem_bytes(const DeviceNet& net, int batch);
/// Enqueues the persistent kernel: one thread block runs all steps of one epoch over the first
/// `n` entries of `order`, weights in shared memory. `smem` = persistent_smem_bytes(...).
void enqueue_persistent_epoch(const DeviceNet& net, const DeviceCsr& X, const int* labels, const int* order, int n,
                              int batch, float lr, float* step_loss, int* step_correct, std::size_t smem,
                              cudaStream_t stream);

/// Shared memory of the cooperative kernel for this model, batch and widest pixel range (bytes).
std::size_t coop_smem_bytes(const DeviceNet& net, int batch, int max_width);
/// How many blocks of the cooperative kernel with `smem` bytes can run at once on this GPU
/// (0 when it does not support cooperative launches). It needs kCoopBlocks.
int coop_resident_blocks(std::size_t smem);
/// Lays out the epoch's non-zeros per block (see the kernel's comment): ep_len/ep_k/ep_x hold
/// kCoopBlocks·n ints / nnz ints / nnz floats, ep_off kCoopBlocks·n + 1 ints.
void enqueue_coop_prepare(const DeviceCsr& X, const int* order, int n, int* ep_len, int* ep_off, int* ep_k,
                          float* ep_x, cudaStream_t stream);
/// Enqueues the cooperative kernel for one epoch (kCoopBlocks blocks, one grid-wide barrier per
/// step). `partial` holds 2·kCoopBlocks·batch·h1 floats; block_bound = the kCoopBlocks + 1 pixel
/// bounds of the blocks; max_width = the widest block's pixel count; smem = coop_smem_bytes(...).
void enqueue_coop_epoch(const DeviceNet& net, const int* labels, const int* order, int n, int batch, float lr,
                        float* step_loss, int* step_correct, const int* ep_off, const int* ep_k, const float* ep_x,
                        float* partial, const std::vector<int>& block_bound, int max_width, std::size_t smem,
                        cudaStream_t stream);

/// Evaluation: for each of `rows` dense input rows (rows × n_in), row_loss[i] = −log p_{y_i} and
/// pred[i] = argmax of the logits. `labels` may be null (then row_loss is not written).
void enqueue_eval(const DeviceNet& net, const float* X, int rows, const int* labels, float* row_loss, int* pred,
                  cudaStream_t stream);

/// Converts the dense training images X (rows × cols, device) to CSR on the GPU and computes the
/// pixel-range offsets `seg` (see DeviceCsr): uploading the dense array and converting it there is
/// much faster than converting 47 million pixels on the host. The outputs are resized here;
/// part_bound receives the kParts + 1 pixel bounds of the ranges.
void build_csr_on_device(const float* X, int rows, int cols, DeviceBuffer<int>& row_ptr, DeviceBuffer<int>& col,
                         DeviceBuffer<float>& val, DeviceBuffer<int>& seg, std::vector<int>& part_bound,
                         cudaStream_t stream);

/// cuBLAS-variant helpers (the rest comes from chapter 06's kernels):
/// Xb[i,:] = X[order[start+i], :], yb[i] = labels[order[start+i]].
void enqueue_gather(const float* X, int cols, const int* labels, const int* order, int start, int count, float* Xb,
                    int* yb, cudaStream_t stream);
/// Z[i,:] += b (rows × cols).
void enqueue_add_bias(int rows, int cols, const float* b, float* Z, cudaStream_t stream);
/// step_loss[step] = mean of row_loss; step_correct[step] = number of rows whose logits' argmax is yb.
void enqueue_record_step(int rows, int cols, const float* logits, const int* yb, const float* row_loss,
                         float* step_loss, int* step_correct, int step, cudaStream_t stream);

}  // namespace dnn::cuda::train
