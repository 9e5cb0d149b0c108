// Chapter 07: GpuTrainer — the chapter-05 MLP trained on the GPU (see gpu_trainer.hpp).
//
// Data stays on the device: the training set is uploaded once (dense rows for the cuBLAS variant,
// CSR + pixel-range offsets for the hand-written kernels), then every epoch uploads only its order
// (60000 ints) and downloads only the per-step losses. The weights live in device memory between
// epochs; get_weights/set_weights copy them.
// A toolkit without cuBLAS (DNN_HAVE_CUBLAS=0) builds the hand-written variants only: the cublas
// variant is then refused with the reason when a trainer is made.
#if DNN_HAVE_CUBLAS
#include <cublas_v2.h>
#endif
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "dnn/cuda_device.hpp"
#include "dnn/cuda_kernels.hpp"
#include "dnn/device_buffer.hpp"
#include "dnn/error.hpp"
#include "dnn/gpu_trainer.hpp"
#include "dnn/timer.hpp"
#include "mlp_train_internal.cuh"

namespace dnn::cuda {

using namespace dnn::cuda::train;

std::string to_string(GpuVariant v) {
  switch (v) {
    case GpuVariant::Cublas: return "cublas";
    case GpuVariant::Kernels: return "kernels";
    case GpuVariant::Graph: return "graph";
    case GpuVariant::Persistent: return "persistent";
    case GpuVariant::Cooperative: return "cooperative";
  }
  return "?";
}

GpuVariant parse_gpu_variant(const std::string& name, const std::string& flag) {
  for (GpuVariant v : all_gpu_variants())
    if (to_string(v) == name) return v;
  throw InputError(flag + ": expected cublas, kernels, graph, persistent or cooperative, got '" + name + "'");
}

std::vector<GpuVariant> all_gpu_variants() {
#if DNN_HAVE_CUBLAS
  return {GpuVariant::Cublas, GpuVariant::Kernels, GpuVariant::Graph, GpuVariant::Persistent,
          GpuVariant::Cooperative};
#else
  return {GpuVariant::Kernels, GpuVariant::Graph, GpuVariant::Persistent, GpuVariant::Cooperative};
#endif
}

void warm_up_device() { CUDA_CHECK(cudaFree(nullptr)); }

namespace {

#if DNN_HAVE_CUBLAS
void check_cublas(cublasStatus_t s, const char* call) {
  if (s != CUBLAS_STATUS_SUCCESS)
    throw std::runtime_error(std::string(call) + " failed with cuBLAS status " + std::to_string(static_cast<int>(s)));
}
#define CUBLAS_CHECK(call) check_cublas((call), #call)
#endif  // DNN_HAVE_CUBLAS

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

#if DNN_HAVE_CUBLAS
// Row-major GEMMs with column-major cuBLAS: a row-major M×N matrix is a column-major N×M one.
// C = A·B      (A: m×k, B: k×n)   →  Cᵀ = Bᵀ·Aᵀ
void gemm_nn(cublasHandle_t h, int m, int n, int k, const float* A, const float* B, float* C) {
  const float one = 1.0f, zero = 0.0f;
  CUBLAS_CHECK(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, n, m, k, &one, B, n, A, k, &zero, C, n));
}
// C = Aᵀ·B     (A: k×m, B: k×n)   — weight gradients dW = Xᵀ·dZ
void gemm_tn(cublasHandle_t h, int m, int n, int k, const float* A, const float* B, float* C) {
  const float one = 1.0f, zero = 0.0f;
  CUBLAS_CHECK(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_T, n, m, k, &one, B, n, A, m, &zero, C, n));
}
// C = A·Bᵀ     (A: m×k, B: n×k)   — input gradients dA = dZ·Wᵀ
void gemm_nt(cublasHandle_t h, int m, int n, int k, const float* A, const float* B, float* C) {
  const float one = 1.0f, zero = 0.0f;
  CUBLAS_CHECK(cublasSgemm(h, CUBLAS_OP_T, CUBLAS_OP_N, n, m, k, &one, B, k, A, k, &zero, C, n));
}
#else
using cublasHandle_t = void*;  // no cuBLAS in this build: the cublas variant is refused before any step
[[noreturn]] void no_cublas() { throw std::logic_error("GpuTrainer: this build has no cuBLAS"); }
void gemm_nn(cublasHandle_t, int, int, int, const float*, const float*, float*) { no_cublas(); }
void gemm_tn(cublasHandle_t, int, int, int, const float*, const float*, float*) { no_cublas(); }
void gemm_nt(cublasHandle_t, int, int, int, const float*, const float*, float*) { no_cublas(); }
#endif

}  // namespace

struct GpuTrainer::Impl {
  GpuVariant variant;
  OptimizerConfig opt;
  const Matrix& X;
  const std::vector<int>& y;
  int batch;
  int n_in, h1, h2, c;
  long steps_done = 0;
  GpuTimings timings;
  std::vector<float> last_losses;

  cudaStream_t stream = nullptr;
  cublasHandle_t cublas = nullptr;
  cudaGraph_t graph = nullptr;
  cudaGraphExec_t graph_exec = nullptr;

  // parameters
  DeviceBuffer<float> W1, b1, W2, b2, W3, b3;
  // training data
  DeviceBuffer<float> X_dense;  // cuBLAS variant
  DeviceBuffer<int> row_ptr, col, seg;  // hand-written variants
  DeviceBuffer<float> val;
  DeviceBuffer<int> labels;
  DeviceBuffer<int> order;
  PinnedBuffer<int> order_host;
  // per-step results of an epoch
  DeviceBuffer<float> step_loss;
  DeviceBuffer<int> step_correct;
  // per-step work buffers
  DeviceBuffer<float> A1, A2, Z1, Z2, Z3, dZ3, dZ2, dZ1, dA, row_loss, Xb, gW1, gb1, gW2, gb2, gW3, gb3;
  DeviceBuffer<int> row_correct, yb;
  std::size_t persistent_smem = 0;
  // cooperative variant: the epoch's non-zeros per block, the partial layer-1 sums, the blocks' pixels
  DeviceBuffer<int> ep_len, ep_off, ep_k;
  DeviceBuffer<float> ep_x, partial;
  std::vector<int> part_bound, coop_bound;
  int coop_width = 0;
  std::size_t coop_smem = 0;

  Impl(GpuVariant v, const OptimizerConfig& o, const Matrix& x, const std::vector<int>& labels_, int b)
      : variant(v), opt(o), X(x), y(labels_), batch(b) {}
  ~Impl() {
    if (graph_exec) cudaGraphExecDestroy(graph_exec);
    if (graph) cudaGraphDestroy(graph);
#if DNN_HAVE_CUBLAS
    if (cublas) cublasDestroy(cublas);
#endif
    if (stream) cudaStreamDestroy(stream);
  }

  int steps() const { return (X.rows + batch - 1) / batch; }

  /// The cooperative variant's pixel ranges (whole ranges of the CSR build), buffers, and the check
  /// that its blocks fit on this GPU at the same time.
  void setup_cooperative() {
    coop_bound.assign(static_cast<std::size_t>(kCoopBlocks) + 1, 0);
    coop_width = 0;
    for (int p = 0; p <= kCoopBlocks; ++p) coop_bound[static_cast<std::size_t>(p)] = part_bound[static_cast<std::size_t>(p * kPartsPerBlock)];
    for (int p = 0; p < kCoopBlocks; ++p)
      coop_width = std::max(coop_width, coop_bound[static_cast<std::size_t>(p) + 1] - coop_bound[static_cast<std::size_t>(p)]);
    coop_smem = coop_smem_bytes(net(), batch, coop_width);
    int dev = 0, limit = 0;
    CUDA_CHECK(cudaGetDevice(&dev));
    CUDA_CHECK(cudaDeviceGetAttribute(&limit, cudaDevAttrMaxSharedMemoryPerBlockOptin, dev));
    if (coop_smem > static_cast<std::size_t>(limit))
      throw InputError("--gpu-variant cooperative: a block needs " + std::to_string(coop_smem) +
                       " bytes of shared memory (its " + std::to_string(coop_width) +
                       " pixels' weights and a minibatch of " + std::to_string(batch) + "), this GPU has " +
                       std::to_string(limit) + " per block; use a smaller --batch or --gpu-variant graph");
    const int resident = coop_resident_blocks(coop_smem);
    if (resident < kCoopBlocks)
      throw InputError("--gpu-variant cooperative: needs " + std::to_string(kCoopBlocks) +
                       " thread blocks running at the same time (a cooperative launch); this GPU runs " +
                       std::to_string(resident) + "; use --gpu-variant persistent or graph");
    const std::size_t n = static_cast<std::size_t>(X.rows), blocks = static_cast<std::size_t>(kCoopBlocks);
    ep_len.resize(std::max<std::size_t>(1, blocks * n));
    ep_off.resize(blocks * n + 1);
    ep_k.resize(std::max<std::size_t>(1, val.size()));
    ep_x.resize(std::max<std::size_t>(1, val.size()));
    partial.resize(2 * blocks * static_cast<std::size_t>(batch) * static_cast<std::size_t>(h1));
  }

  DeviceNet net() {
    return DeviceNet{W1.data(), b1.data(), W2.data(), b2.data(), W3.data(), b3.data(), n_in, h1, h2, c};
  }
  DeviceCsr csr() const { return DeviceCsr{row_ptr.data(), col.data(), val.data(), seg.data()}; }

  void upload_weights(const Mlp& net) {
    W1.upload(net.layers[0].W.data);
    b1.upload(net.layers[0].b.data);
    W2.upload(net.layers[1].W.data);
    b2.upload(net.layers[1].b.data);
    W3.upload(net.layers[2].W.data);
    b3.upload(net.layers[2].b.data);
  }

  // ------------------------------------------------------------ one epoch, per variant

  void cublas_step(int s, int count) {
    const int start = s * batch;
    enqueue_gather(X_dense.data(), n_in, labels.data(), order.data(), start, count, Xb.data(), yb.data(), stream);
    // forward
    gemm_nn(cublas, count, h1, n_in, Xb.data(), W1.data(), Z1.data());
    bias_relu_forward(count, h1, Z1.data(), b1.data(), nullptr, A1.data(), stream);
    gemm_nn(cublas, count, h2, h1, A1.data(), W2.data(), Z2.data());
    bias_relu_forward(count, h2, Z2.data(), b2.data(), nullptr, A2.data(), stream);
    gemm_nn(cublas, count, c, h2, A2.data(), W3.data(), Z3.data());
    enqueue_add_bias(count, c, b3.data(), Z3.data(), stream);
    // loss and dZ3 = (P − onehot)/B
    softmax_xent(count, c, Z3.data(), yb.data(), nullptr, dZ3.data(), row_loss.data(), 1.0f / count, stream);
    enqueue_record_step(count, c, Z3.data(), yb.data(), row_loss.data(), step_loss.data(), step_correct.data(), s,
                        stream);
    // backward: every gradient first (with the old weights), then the SGD steps
    gemm_nt(cublas, count, h2, c, dZ3.data(), W3.data(), dA.data());
    relu_backward(static_cast<long>(count) * h2, A2.data(), dA.data(), dZ2.data(), stream);  // A2 > 0 ⇔ Z2 > 0
    gemm_tn(cublas, h2, c, count, A2.data(), dZ3.data(), gW3.data());
    column_sums(count, c, dZ3.data(), gb3.data(), stream);
    gemm_nt(cublas, count, h1, h2, dZ2.data(), W2.data(), dA.data());
    relu_backward(static_cast<long>(count) * h1, A1.data(), dA.data(), dZ1.data(), stream);
    gemm_tn(cublas, h1, h2, count, A1.data(), dZ2.data(), gW2.data());
    column_sums(count, h2, dZ2.data(), gb2.data(), stream);
    gemm_tn(cublas, n_in, h1, count, Xb.data(), dZ1.data(), gW1.data());
    column_sums(count, h1, dZ1.data(), gb1.data(), stream);
    const float lr = opt.lr;
    sgd_step(static_cast<long>(W1.size()), W1.data(), gW1.data(), lr, stream);
    sgd_step(static_cast<long>(b1.size()), b1.data(), gb1.data(), lr, stream);
    sgd_step(static_cast<long>(W2.size()), W2.data(), gW2.data(), lr, stream);
    sgd_step(static_cast<long>(b2.size()), b2.data(), gb2.data(), lr, stream);
    sgd_step(static_cast<long>(W3.size()), W3.data(), gW3.data(), lr, stream);
    sgd_step(static_cast<long>(b3.size()), b3.data(), gb3.data(), lr, stream);
  }

  /// The fused kernels of one whole epoch (3 launches per step), preceded by the order upload.
  void enqueue_fused_epoch() {
    CUDA_CHECK(cudaMemcpyAsync(order.data(), order_host.data(), order.bytes(), cudaMemcpyHostToDevice, stream));
    StepBuffers bufs{A1.data(), A2.data(), dZ3.data(), dZ2.data(), dZ1.data(), row_loss.data(), row_correct.data()};
    const int n = X.rows;
    for (int s = 0; s < steps(); ++s) {
      const int count = std::min(batch, n - s * batch);
      StepArgs a{net(), csr(), labels.data(), order.data(), s * batch, count, opt.lr, s, step_loss.data(),
                 step_correct.data()};
      enqueue_fused_step(a, bufs, stream);
    }
  }

  void run_epoch(const std::vector<int>& ord) {
    std::memcpy(order_host.data(), ord.data(), ord.size() * sizeof(int));
    switch (variant) {
      case GpuVariant::Cublas: {
        CUDA_CHECK(cudaMemcpyAsync(order.data(), order_host.data(), order.bytes(), cudaMemcpyHostToDevice, stream));
        for (int s = 0; s < steps(); ++s) cublas_step(s, std::min(batch, X.rows - s * batch));
        break;
      }
      case GpuVariant::Kernels:
        enqueue_fused_epoch();
        break;
      case GpuVariant::Graph:
        if (!graph_exec) {  // capture the epoch's ≈5600 launches once; replay it every epoch
          const Timer t;
          CUDA_CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
          try {
            enqueue_fused_epoch();
          } catch (...) {
            cudaGraph_t g = nullptr;
            cudaStreamEndCapture(stream, &g);
            if (g) cudaGraphDestroy(g);
            throw;
          }
          CUDA_CHECK(cudaStreamEndCapture(stream, &graph));
          CUDA_CHECK(cudaGraphInstantiate(&graph_exec, graph, 0));
          timings.setup_seconds += t.seconds();
        }
        CUDA_CHECK(cudaGraphLaunch(graph_exec, stream));
        break;
      case GpuVariant::Persistent:
        CUDA_CHECK(cudaMemcpyAsync(order.data(), order_host.data(), order.bytes(), cudaMemcpyHostToDevice, stream));
        enqueue_persistent_epoch(net(), csr(), labels.data(), order.data(), X.rows, batch, opt.lr, step_loss.data(),
                                 step_correct.data(), persistent_smem, stream);
        break;
      case GpuVariant::Cooperative:
        CUDA_CHECK(cudaMemcpyAsync(order.data(), order_host.data(), order.bytes(), cudaMemcpyHostToDevice, stream));
        enqueue_coop_prepare(csr(), order.data(), X.rows, ep_len.data(), ep_off.data(), ep_k.data(), ep_x.data(),
                             stream);
        enqueue_coop_epoch(net(), labels.data(), order.data(), X.rows, batch, opt.lr, step_loss.data(),
                           step_correct.data(), ep_off.data(), ep_k.data(), ep_x.data(), partial.data(), coop_bound,
                           coop_width, coop_smem, stream);
        break;
    }
    CUDA_CHECK(cudaStreamSynchronize(stream));
    CUDA_CHECK(cudaGetLastError());
  }
};

GpuTrainer::GpuTrainer(const Mlp& net, const OptimizerConfig& opt, const Matrix& train_x,
                       const std::vector<int>& train_y, int batch, GpuVariant variant) {
  std::string why;
  if (!device_available(&why)) throw InputError("the GPU trainer needs an NVIDIA GPU: " + why);
  if (variant == GpuVariant::Cublas && !DNN_HAVE_CUBLAS)
    throw InputError("--backend cublas: this build has no cuBLAS (the CUDA toolkit found at configure time has no "
                     "libcublas); the hand-written kernels work: --backend cuda");
  if (batch < 1 || batch > kMaxBatch)
    throw InputError("--batch: the GPU trainer takes 1.." + std::to_string(kMaxBatch) + ", got " +
                     std::to_string(batch));
  if (opt.kind != OptimizerKind::SGD)
    throw InputError("--optimizer: the GPU trainer implements plain SGD only (the textbook's optimizer), got '" +
                     to_string(opt.kind) + "'");
  if (net.layers.size() != 3 || net.layers[0].act != Activation::ReLU || net.layers[1].act != Activation::ReLU ||
      net.layers[2].act != Activation::Linear)
    throw InputError("--hidden: the GPU trainer runs the chapter-05 model: exactly two ReLU hidden layers and a "
                     "linear (softmax) output layer");
  const int n_in = net.layers[0].W.rows, h1 = net.layers[0].W.cols, h2 = net.layers[1].W.cols,
            c = net.layers[2].W.cols;
  if (h1 > kMaxHidden || h2 > kMaxHidden || c > kMaxClasses || c < 2)
    throw InputError("--hidden: the GPU kernels take hidden layers of at most " + std::to_string(kMaxHidden) +
                     " units and 2.." + std::to_string(kMaxClasses) + " classes");
  if (train_x.rows != static_cast<int>(train_y.size()) || train_x.cols != n_in)
    throw std::invalid_argument("GpuTrainer: training data " + train_x.shape() + " with " +
                                std::to_string(train_y.size()) + " labels does not fit the network");
  for (int v : train_y)
    if (v < 0 || v >= c) throw std::invalid_argument("GpuTrainer: label " + std::to_string(v) + " outside 0.." + std::to_string(c - 1));

  impl_ = std::make_unique<Impl>(variant, opt, train_x, train_y, batch);
  Impl& m = *impl_;
  m.n_in = n_in, m.h1 = h1, m.h2 = h2, m.c = c;
  if (variant == GpuVariant::Persistent) {
    int dev = 0, limit = 0;
    CUDA_CHECK(cudaGetDevice(&dev));
    CUDA_CHECK(cudaDeviceGetAttribute(&limit, cudaDevAttrMaxSharedMemoryPerBlockOptin, dev));
    m.persistent_smem = persistent_smem_bytes(DeviceNet{nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, n_in, h1, h2, c}, batch);
    if (m.persistent_smem > static_cast<std::size_t>(limit))
      throw InputError("--gpu-variant persistent: the weights and a minibatch of " + std::to_string(batch) +
                       " need " + std::to_string(m.persistent_smem) + " bytes of shared memory, this GPU has " +
                       std::to_string(limit) + " per block; use a smaller --batch, or another variant (07_fast --backend cuda --gpu-variant graph)");
  }
  if (variant == GpuVariant::Cooperative && batch > kCoopMaxBatch)
    throw InputError("--gpu-variant cooperative: takes minibatches of at most " + std::to_string(kCoopMaxBatch) +
                     " images, got --batch " + std::to_string(batch) + "; use --gpu-variant graph");
  const Timer setup;
  // A *blocking* stream: it is ordered with the legacy default stream, on which DeviceBuffer's
  // cudaMemcpy/cudaMemset run, so an upload always completes before a kernel of ours reads it.
  CUDA_CHECK(cudaStreamCreate(&m.stream));
  if (variant == GpuVariant::Cublas) {
#if DNN_HAVE_CUBLAS
    CUBLAS_CHECK(cublasCreate(&m.cublas));
    CUBLAS_CHECK(cublasSetStream(m.cublas, m.stream));
    CUBLAS_CHECK(cublasSetMathMode(m.cublas, CUBLAS_DEFAULT_MATH));  // plain FP32, no TF32
#endif
  }
  m.timings.setup_seconds = setup.seconds();

  const Timer upload;
  m.upload_weights(net);
  m.X_dense.upload(train_x.data);  // one dense copy (188 MB for MNIST) …
  CUDA_CHECK(cudaDeviceSynchronize());
  if (variant != GpuVariant::Cublas) {  // … which the hand-written kernels turn into CSR on the GPU
    build_csr_on_device(m.X_dense.data(), train_x.rows, train_x.cols, m.row_ptr, m.col, m.val, m.seg, m.part_bound,
                        m.stream);
    m.X_dense = DeviceBuffer<float>();  // not needed any more
  }
  if (variant == GpuVariant::Cooperative) m.setup_cooperative();
  m.labels.upload(train_y);
  m.order.resize(static_cast<std::size_t>(train_x.rows));
  m.order_host.allocate(static_cast<std::size_t>(train_x.rows));
  CUDA_CHECK(cudaDeviceSynchronize());
  m.timings.upload_seconds = upload.seconds();

  const std::size_t B = static_cast<std::size_t>(batch);
  m.step_loss.resize(static_cast<std::size_t>(std::max(1, m.steps())));
  m.step_correct.resize(static_cast<std::size_t>(std::max(1, m.steps())));
  for (auto* buf : {&m.A1, &m.dZ1}) buf->resize(B * h1);
  for (auto* buf : {&m.A2, &m.dZ2}) buf->resize(B * h2);
  for (auto* buf : {&m.Z3, &m.dZ3}) buf->resize(B * c);
  m.row_loss.resize(B);
  m.row_correct.resize(B);
  if (variant == GpuVariant::Cublas) {
    m.Xb.resize(B * n_in);
    m.yb.resize(B);
    m.Z1.resize(B * h1);
    m.Z2.resize(B * h2);
    m.dA.resize(B * std::max(h1, h2));
    m.gW1.resize(m.W1.size());
    m.gb1.resize(m.b1.size());
    m.gW2.resize(m.W2.size());
    m.gb2.resize(m.b2.size());
    m.gW3.resize(m.W3.size());
    m.gb3.resize(m.b3.size());
  }
}

GpuTrainer::~GpuTrainer() = default;

std::string GpuTrainer::name() const { return impl_->variant == GpuVariant::Cublas ? "cublas" : "cuda-" + to_string(impl_->variant); }
int GpuTrainer::train_size() const { return impl_->X.rows; }
int GpuTrainer::batch_size() const { return impl_->batch; }
GpuVariant GpuTrainer::variant() const { return impl_->variant; }
const GpuTimings& GpuTrainer::timings() const { return impl_->timings; }
std::vector<float> GpuTrainer::last_epoch_losses() const { return impl_->last_losses; }

EpochMetrics GpuTrainer::train_epoch(const std::vector<int>& order, int epoch, const StepCallback& on_step) {
  Impl& m = *impl_;
  if (static_cast<int>(order.size()) != m.X.rows)
    throw std::invalid_argument("GpuTrainer::train_epoch: the order has " + std::to_string(order.size()) +
                                " entries, the training set " + std::to_string(m.X.rows) + " rows");
  for (int r : order)
    if (r < 0 || r >= m.X.rows) throw std::invalid_argument("GpuTrainer::train_epoch: row " + std::to_string(r) + " out of range");
  if (m.variant == GpuVariant::Cooperative) {
    // Its per-epoch copy of the non-zeros (ep_k, ep_x) holds each image once: a repeated row would
    // write past the end of those buffers.
    std::vector<char> seen(static_cast<std::size_t>(m.X.rows), 0);
    for (int r : order)
      if (seen[static_cast<std::size_t>(r)]++)
        throw std::invalid_argument("GpuTrainer::train_epoch: row " + std::to_string(r) +
                                    " appears twice in the order; the cooperative variant needs a permutation");
  }
  m.run_epoch(order);
  const int steps = m.steps();
  m.last_losses.resize(static_cast<std::size_t>(steps));
  std::vector<int> correct(static_cast<std::size_t>(steps));
  m.step_loss.download(m.last_losses.data(), static_cast<std::size_t>(steps));
  m.step_correct.download(correct.data(), static_cast<std::size_t>(steps));
  EpochRunningMean mean;  // the same running mean as the CPU trainers (train.hpp)
  for (int s = 0; s < steps; ++s) {
    const int count = std::min(m.batch, m.X.rows - s * m.batch);
    const float l = m.last_losses[static_cast<std::size_t>(s)];
    if (loss_diverged(l)) throw_divergence("the minibatch loss", l, epoch, s + 1, steps, m.opt.lr, m.opt.lr_flag);
    mean.add(l, count, correct[static_cast<std::size_t>(s)]);
  }
  m.steps_done += steps;
  const EpochMetrics r = mean.metrics(steps);
  if (on_step) on_step(steps, steps, r.loss, r.accuracy);
  return r;
}

EvalResult GpuTrainer::evaluate(const Matrix& X, const std::vector<int>& y) {
  Impl& m = *impl_;
  if (X.rows != static_cast<int>(y.size()) || X.cols != m.n_in)
    throw std::invalid_argument("GpuTrainer::evaluate: data " + X.shape() + " with " + std::to_string(y.size()) +
                                " labels does not fit the network");
  for (int v : y)
    if (v < 0 || v >= m.c) throw std::invalid_argument("GpuTrainer::evaluate: label " + std::to_string(v) + " out of range");
  EvalResult r;
  if (X.rows == 0) return r;
  DeviceBuffer<float> dX(X.data);
  DeviceBuffer<int> dy(y);
  DeviceBuffer<float> loss(static_cast<std::size_t>(X.rows));
  DeviceBuffer<int> pred(static_cast<std::size_t>(X.rows));
  CUDA_CHECK(cudaDeviceSynchronize());  // the uploads above are complete
  enqueue_eval(m.net(), dX.data(), X.rows, dy.data(), loss.data(), pred.data(), m.stream);
  CUDA_CHECK(cudaStreamSynchronize(m.stream));
  const std::vector<float> l = loss.download();
  const std::vector<int> p = pred.download();
  double sum = 0;
  long right = 0;
  for (int i = 0; i < X.rows; ++i) {
    sum += l[static_cast<std::size_t>(i)];
    right += (p[static_cast<std::size_t>(i)] == y[static_cast<std::size_t>(i)]);
  }
  r.loss = sum / X.rows;
  r.accuracy = static_cast<double>(right) / X.rows;
  return r;
}

std::vector<int> GpuTrainer::predict(const Matrix& X) {
  Impl& m = *impl_;
  if (X.cols != m.n_in)
    throw std::invalid_argument("GpuTrainer::predict: rows have " + std::to_string(X.cols) + " values, the network takes " +
                                std::to_string(m.n_in));
  if (X.rows == 0) return {};
  DeviceBuffer<float> dX(X.data);
  DeviceBuffer<int> pred(static_cast<std::size_t>(X.rows));
  CUDA_CHECK(cudaDeviceSynchronize());  // the upload above is complete
  enqueue_eval(m.net(), dX.data(), X.rows, nullptr, nullptr, pred.data(), m.stream);
  CUDA_CHECK(cudaStreamSynchronize(m.stream));
  return pred.download();
}

void GpuTrainer::get_weights(Mlp& net) const {
  Impl& m = *impl_;
  CUDA_CHECK(cudaStreamSynchronize(m.stream));
  net.layers.resize(3);
  const int in[3] = {m.n_in, m.h1, m.h2}, out[3] = {m.h1, m.h2, m.c};
  const DeviceBuffer<float>* W[3] = {&m.W1, &m.W2, &m.W3};
  const DeviceBuffer<float>* b[3] = {&m.b1, &m.b2, &m.b3};
  for (int l = 0; l < 3; ++l) {
    net.layers[static_cast<std::size_t>(l)].W.resize(in[l], out[l]);
    net.layers[static_cast<std::size_t>(l)].b.resize(1, out[l]);
    net.layers[static_cast<std::size_t>(l)].act = l == 2 ? Activation::Linear : Activation::ReLU;
    W[l]->download(net.layers[static_cast<std::size_t>(l)].W.data.data(), W[l]->size());
    b[l]->download(net.layers[static_cast<std::size_t>(l)].b.data.data(), b[l]->size());
  }
}

void GpuTrainer::set_weights(const Mlp& net) {
  Impl& m = *impl_;
  if (net.layers.size() != 3) throw std::invalid_argument("GpuTrainer::set_weights: expected 3 layers");
  require_shape(net.layers[0].W, m.n_in, m.h1, "GpuTrainer::set_weights W1");
  require_shape(net.layers[1].W, m.h1, m.h2, "GpuTrainer::set_weights W2");
  require_shape(net.layers[2].W, m.h2, m.c, "GpuTrainer::set_weights W3");
  require_shape(net.layers[0].b, 1, m.h1, "GpuTrainer::set_weights b1");
  require_shape(net.layers[1].b, 1, m.h2, "GpuTrainer::set_weights b2");
  require_shape(net.layers[2].b, 1, m.c, "GpuTrainer::set_weights b3");
  CUDA_CHECK(cudaStreamSynchronize(m.stream));
  // Same sizes: the device buffers are reused, so a captured graph stays valid.
  m.upload_weights(net);
  CUDA_CHECK(cudaDeviceSynchronize());
}

void GpuTrainer::get_optimizer_state(Optimizer& opt) const {
  Mlp net;
  get_weights(net);
  opt = Optimizer(impl_->opt, net);
  opt.set_steps(impl_->steps_done);
}

void GpuTrainer::set_optimizer_state(const Optimizer& opt) {
  if (opt.config().kind != OptimizerKind::SGD)
    throw std::invalid_argument("GpuTrainer::set_optimizer_state: the GPU trainer only runs SGD");
  impl_->steps_done = opt.steps();
}

}  // namespace dnn::cuda
