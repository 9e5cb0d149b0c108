// Chapter 07: what the GPU trainer's files share (internal to common/cuda/mlp_train/).
//
// One file per variant of chapter 07's GPU ladder, each removing the cost that dominated the one
// before it (dnn/gpu_trainer.hpp tells the story):
//   1_cublas.cu        cuBLAS SGEMMs + small element-wise kernels, the data on the device
//   2_kernels.cu       three hand-written fused kernels per step, layer 1 from the CSR images
//   3_graph.cu         the same kernels, a whole epoch captured once in a CUDA Graph and replayed
//   4_persistent.cu    one kernel per epoch, one thread block, the weights in shared memory
//   5_cooperative.cu   one kernel per epoch on 16 SMs, one grid-wide barrier per step
// Shared by them: device_math.cuh (softmax/cross-entropy, the dense unit, the SGD steps: one copy,
// so the variants stay bit-identical), block_step.cuh (the step after layer 1, by one thread block:
// persistent and cooperative), csr_build.cu (dense → CSR on the device), eval.cu (evaluation) and
// trainer.cu (GpuTrainer: the checks, the uploads, the epoch's bookkeeping).
//
// The model on the device is the chapter-05 MLP with exactly two hidden ReLU layers:
//   A1 = ReLU(X·W1 + b1)  (n_in → h1),  A2 = ReLU(A1·W2 + b2)  (h1 → h2),  Z3 = A2·W3 + b3  (h2 → c)
// stored row-major and unpadded, exactly like dnn::Mlp, so get/set_weights are plain copies.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <vector>

#include "dnn/device_buffer.hpp"
#include "dnn/gpu_trainer.hpp"

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

/// The training images in CSR form, plus for every image r the offsets range_start[r·(kParts+1) + p],
/// p = 0..kParts: the first non-zero of row r whose pixel is ≥ bound[p] (bound chosen on the host
/// so that every pixel range holds about the same number of non-zeros over the training set).
struct DeviceCsr {
  const int* row_ptr;      ///< rows + 1: image r's non-zeros are row_ptr[r] … row_ptr[r+1]−1
  const int* col;          ///< the pixel of each non-zero
  const float* val;        ///< its value
  const int* range_start;  ///< rows × (kParts + 1): where each pixel range of each image starts
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

/// The device buffers behind StepBuffers (and the cuBLAS variant's activations and gradients).
struct MinibatchBuffers {
  DeviceBuffer<float> A1, A2, Z3, dZ3, dZ2, dZ1, row_loss;
  DeviceBuffer<int> row_correct;
  /// batch rows of h1, h2 and c units.
  void allocate(int batch, int h1, int h2, int c) {
    const std::size_t B = static_cast<std::size_t>(batch);
    for (auto* buf : {&A1, &dZ1}) buf->resize(B * h1);
    for (auto* buf : {&A2, &dZ2}) buf->resize(B * h2);
    for (auto* buf : {&Z3, &dZ3}) buf->resize(B * c);
    row_loss.resize(B);
    row_correct.resize(B);
  }
  StepBuffers view() {
    return StepBuffers{A1.data(), A2.data(), dZ3.data(), dZ2.data(), dZ1.data(), row_loss.data(), row_correct.data()};
  }
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
/// Lays out the epoch's non-zeros per block (see the kernel's comment): epoch_length/epoch_pixel/
/// epoch_value hold kCoopBlocks·n ints / nnz ints / nnz floats, epoch_offset kCoopBlocks·n + 1 ints.
void enqueue_coop_prepare(const DeviceCsr& X, const int* order, int n, int* epoch_length, int* epoch_offset,
                          int* epoch_pixel, float* epoch_value, cudaStream_t stream);
/// Enqueues the cooperative kernel for one epoch (kCoopBlocks blocks, one grid-wide barrier per
/// step). `partial` holds 2·kCoopBlocks·batch·h1 floats; block_bound = the kCoopBlocks + 1 pixel
/// bounds of the blocks; max_width = the widest block's pixel count; smem = coop_smem_bytes(...).
void enqueue_coop_epoch(const DeviceNet& net, const int* labels, const int* order, int n, int batch, float lr,
                        float* step_loss, int* step_correct, const int* epoch_offset, const int* epoch_pixel,
                        const float* epoch_value, float* partial, const std::vector<int>& block_bound, int max_width,
                        std::size_t smem, cudaStream_t stream);

/// Evaluation: for each of `rows` dense input rows (rows × n_in), row_loss[i] = −log p_{y_i} and
/// pred[i] = argmax of the logits. `labels` may be null (then row_loss is not written).
void enqueue_eval(const DeviceNet& net, const float* X, int rows, const int* labels, float* row_loss, int* pred,
                  cudaStream_t stream);

/// Converts the dense training images X (rows × cols, device) to CSR on the GPU and computes the
/// pixel-range offsets `seg` (see DeviceCsr): uploading the dense array and converting it there is
/// much faster than converting 47 million pixels on the host. The outputs are resized here;
/// part_bound receives the kParts + 1 pixel bounds of the ranges.
void build_csr_on_device(const float* X, int rows, int cols, DeviceBuffer<int>& row_ptr, DeviceBuffer<int>& col,
                         DeviceBuffer<float>& val, DeviceBuffer<int>& range_start, std::vector<int>& part_bound,
                         cudaStream_t stream);
/// offsets[0] = 0, offsets[r+1] = Σ_{q≤r} counts[q] for r < n (one thread block); `what` names the
/// launch in an error.
void enqueue_prefix_sums(const int* counts, int n, int* offsets, const char* what, cudaStream_t stream);

// ---------------------------------------------------------------- the trainer and its variants

/// Page-locked host memory (fast, asynchronous copies; a CUDA Graph may capture copies from it).
template <typename T>
class PinnedBuffer {
 public:
  PinnedBuffer() = default;
  explicit PinnedBuffer(std::size_t n) : n_(n) {
    if (n > 0) CUDA_CHECK(cudaMallocHost(reinterpret_cast<void**>(&p_), n * sizeof(T)));
  }
  ~PinnedBuffer() {
    if (p_) cudaFreeHost(p_);
  }
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;
  /// Allocates n elements (the buffer must be empty).
  void allocate(std::size_t n) {
    if (p_) throw std::logic_error("PinnedBuffer::allocate: already allocated");
    if (n > 0) CUDA_CHECK(cudaMallocHost(reinterpret_cast<void**>(&p_), n * sizeof(T)));
    n_ = n;
  }
  T* data() { return p_; }
  std::size_t size() const { return n_; }

 private:
  T* p_ = nullptr;
  std::size_t n_ = 0;
};

/// What one variant adds to the trainer: its checks, buffers and the epoch it enqueues. The
/// shared state (parameters, training set, order, per-step results) is GpuTrainer::Impl.
class Variant {
 public:
  virtual ~Variant() = default;
  /// Refuses a model or batch this variant cannot hold (InputError), before anything is allocated.
  virtual void check(const GpuTrainer::Impl&) {}
  /// Whether the variant reads the CSR form of the images (else the dense copy stays on the device).
  virtual bool reads_csr() const { return true; }
  /// Once the stream exists (counted in the setup time): handles (cuBLAS).
  virtual void create(GpuTrainer::Impl&) {}
  /// Once the training set is on the device (counted in the upload time).
  virtual void after_upload(GpuTrainer::Impl&) {}
  /// The variant's work buffers.
  virtual void allocate(GpuTrainer::Impl&) {}
  /// Refuses an epoch order the variant cannot run (std::invalid_argument).
  virtual void check_order(const std::vector<int>&) const {}
  /// Enqueues one epoch over Impl::order_host (already filled) on Impl::stream.
  virtual void run_epoch(GpuTrainer::Impl&) = 0;
};

std::unique_ptr<Variant> make_cublas_variant();       // 1_cublas.cu
std::unique_ptr<Variant> make_kernels_variant();      // 2_kernels.cu
std::unique_ptr<Variant> make_graph_variant();        // 3_graph.cu
std::unique_ptr<Variant> make_persistent_variant();   // 4_persistent.cu
std::unique_ptr<Variant> make_cooperative_variant();  // 5_cooperative.cu

/// The fused kernels of one whole epoch (3 launches per step), preceded by the order upload
/// (2_kernels.cu; the graph variant captures it).
void enqueue_fused_epoch(GpuTrainer::Impl& m, MinibatchBuffers& buffers);

}  // namespace dnn::cuda::train

namespace dnn::cuda {

/// What every variant shares: the model's parameters on the device, the training set (CSR for
/// the hand-written kernels), the epoch's order and the per-step losses and correct counts.
struct GpuTrainer::Impl {
  GpuVariant variant;
  OptimizerConfig opt;
  const Matrix& X;
  const std::vector<int>& y;
  int batch;
  int n_in = 0, h1 = 0, h2 = 0, c = 0;
  long steps_done = 0;
  GpuTimings timings;
  std::vector<float> last_losses;
  std::unique_ptr<train::Variant> runner;  // the variant's own part

  cudaStream_t stream = nullptr;

  // parameters
  DeviceBuffer<float> W1, b1, W2, b2, W3, b3;
  // training data
  DeviceBuffer<float> X_dense;                  // the cuBLAS variant's (the others' only until the CSR is built)
  DeviceBuffer<int> row_ptr, col, range_start;  // the hand-written variants'
  DeviceBuffer<float> val;
  std::vector<int> part_bound;  // the kParts + 1 pixel bounds of the ranges
  DeviceBuffer<int> labels;
  DeviceBuffer<int> order;
  train::PinnedBuffer<int> order_host;
  // per-step results of an epoch
  DeviceBuffer<float> step_loss;
  DeviceBuffer<int> step_correct;

  Impl(GpuVariant v, const OptimizerConfig& o, const Matrix& x, const std::vector<int>& labels_, int b)
      : variant(v), opt(o), X(x), y(labels_), batch(b) {}
  ~Impl() {
    runner.reset();  // its graph and handles go before the stream
    if (stream) cudaStreamDestroy(stream);
  }

  int steps() const { return (X.rows + batch - 1) / batch; }
  train::DeviceNet net() {
    return train::DeviceNet{W1.data(), b1.data(), W2.data(), b2.data(), W3.data(), b3.data(), n_in, h1, h2, c};
  }
  train::DeviceCsr csr() const {
    return train::DeviceCsr{row_ptr.data(), col.data(), val.data(), range_start.data()};
  }
  /// The epoch's order (order_host) to the device, on the stream.
  void upload_order() {
    CUDA_CHECK(cudaMemcpyAsync(order.data(), order_host.data(), order.bytes(), cudaMemcpyHostToDevice, stream));
  }
};

}  // namespace dnn::cuda
