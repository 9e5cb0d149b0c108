// Chapter 07: GpuTrainer — the chapter-05 MLP trained on the GPU (see gpu_trainer.hpp); the part
// every variant shares. The variants themselves are 1_cublas.cu … 5_cooperative.cu beside it.
//
// Data stays on the device: the training set is uploaded once (dense rows for the cuBLAS variant,
// CSR + pixel-range offsets for the hand-written kernels), then every epoch uploads only its order
// (60000 ints) and downloads only the per-step losses. The weights live in device memory between
// epochs; get_weights/set_weights copy them.
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "dnn/cuda_device.hpp"
#include "dnn/device_buffer.hpp"
#include "dnn/error.hpp"
#include "dnn/gpu_trainer.hpp"
#include "dnn/timer.hpp"
#include "internal.cuh"

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

std::unique_ptr<Variant> make_variant(GpuVariant v) {
  switch (v) {
    case GpuVariant::Cublas: return make_cublas_variant();
    case GpuVariant::Kernels: return make_kernels_variant();
    case GpuVariant::Graph: return make_graph_variant();
    case GpuVariant::Persistent: return make_persistent_variant();
    case GpuVariant::Cooperative: return make_cooperative_variant();
  }
  throw std::logic_error("GpuTrainer: unknown variant");
}

void upload_weights(GpuTrainer::Impl& m, const Mlp& net) {
  m.W1.upload(net.layers[0].W.data);
  m.b1.upload(net.layers[0].b.data);
  m.W2.upload(net.layers[1].W.data);
  m.b2.upload(net.layers[1].b.data);
  m.W3.upload(net.layers[2].W.data);
  m.b3.upload(net.layers[2].b.data);
}

}  // namespace

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
  m.runner = make_variant(variant);
  m.runner->check(m);  // what this variant cannot hold (shared memory, batch), before any allocation
  const Timer setup;
  // A *blocking* stream: it is ordered with the legacy default stream, on which DeviceBuffer's
  // cudaMemcpy/cudaMemset run, so an upload always completes before a kernel of ours reads it.
  CUDA_CHECK(cudaStreamCreate(&m.stream));
  m.runner->create(m);
  m.timings.setup_seconds = setup.seconds();

  const Timer upload;
  upload_weights(m, net);
  m.X_dense.upload(train_x.data);  // one dense copy (188 MB for MNIST) …
  CUDA_CHECK(cudaDeviceSynchronize());
  if (m.runner->reads_csr()) {  // … which the hand-written kernels turn into CSR on the GPU
    build_csr_on_device(m.X_dense.data(), train_x.rows, train_x.cols, m.row_ptr, m.col, m.val, m.range_start,
                        m.part_bound, m.stream);
    m.X_dense = DeviceBuffer<float>();  // not needed any more
  }
  m.runner->after_upload(m);
  m.labels.upload(train_y);
  m.order.resize(static_cast<std::size_t>(train_x.rows));
  m.order_host.allocate(static_cast<std::size_t>(train_x.rows));
  CUDA_CHECK(cudaDeviceSynchronize());
  m.timings.upload_seconds = upload.seconds();

  m.step_loss.resize(static_cast<std::size_t>(std::max(1, m.steps())));
  m.step_correct.resize(static_cast<std::size_t>(std::max(1, m.steps())));
  m.runner->allocate(m);
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
  m.runner->check_order(order);
  std::memcpy(m.order_host.data(), order.data(), order.size() * sizeof(int));
  m.runner->run_epoch(m);
  CUDA_CHECK(cudaStreamSynchronize(m.stream));
  CUDA_CHECK(cudaGetLastError());
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
  upload_weights(m, net);
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
