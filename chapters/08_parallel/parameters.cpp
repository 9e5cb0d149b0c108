// The flat parameter vector every mode sends: all of W0, b0, W1, b1, ... in one contiguous buffer,
// so a step is one message and not one per tensor (what frameworks call a gradient bucket); its
// hash; and a shard's gradient through chapter 05's Eigen path. No MPI calls here (hogwild uses
// these in one process); and the SGD update every mode applies to that flat gradient.
#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "dnn/ops.hpp"
#include "dnn/optimizer.hpp"
#include "parallel.hpp"

namespace ch08 {

int parameter_floats(const dnn::Mlp& net) {
  long n = 0;
  for (const auto& l : net.layers) n += static_cast<long>(l.W.size()) + static_cast<long>(l.b.size());
  return static_cast<int>(n);
}

namespace {
// Appends the elements of `m` to `flat`.
void append(std::vector<float>& flat, const dnn::Matrix& m) { flat.insert(flat.end(), m.data.begin(), m.data.end()); }
// Copies the next m.size() elements of `flat`, from position `at`, into `m`.
void take(const std::vector<float>& flat, std::size_t& at, dnn::Matrix& m) {
  if (at + m.size() > flat.size()) throw std::logic_error("unpack: the flat vector is too short");
  std::copy(flat.begin() + static_cast<long>(at), flat.begin() + static_cast<long>(at + m.size()), m.data.begin());
  at += m.size();
}
}  // namespace

void pack(const dnn::MlpGrads& g, std::vector<float>& flat) {
  flat.clear();
  for (std::size_t l = 0; l < g.dW.size(); ++l) {
    append(flat, g.dW[l]);
    append(flat, g.db[l]);
  }
}
void unpack(const std::vector<float>& flat, dnn::MlpGrads& g) {
  std::size_t at = 0;
  for (std::size_t l = 0; l < g.dW.size(); ++l) {
    take(flat, at, g.dW[l]);
    take(flat, at, g.db[l]);
  }
}
void pack(const dnn::Mlp& net, std::vector<float>& flat) {
  flat.clear();
  for (const auto& layer : net.layers) {
    append(flat, layer.W);
    append(flat, layer.b);
  }
}
void unpack(const std::vector<float>& flat, dnn::Mlp& net) {
  std::size_t at = 0;
  for (auto& layer : net.layers) {
    take(flat, at, layer.W);
    take(flat, at, layer.b);
  }
}

dnn::MlpGrads zero_grads(const dnn::Mlp& net) {
  dnn::MlpGrads g;
  for (const auto& l : net.layers) {
    g.dW.emplace_back(l.W.rows, l.W.cols);
    g.db.emplace_back(l.b.rows, l.b.cols);
  }
  return g;
}

std::uint64_t weights_hash(const dnn::Mlp& net) {
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a, 64 bits
  auto add = [&h](const dnn::Matrix& m) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(m.data.data());
    for (std::size_t i = 0; i < m.data.size() * sizeof(float); ++i) {
      h ^= bytes[i];
      h *= 1099511628211ull;
    }
  };
  for (const auto& l : net.layers) {
    add(l.W);
    add(l.b);
  }
  return h;
}

std::string hex(std::uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

ShardGradient::ShardGradient(const dnn::Matrix& X, const std::vector<int>& y, const dnn::Mlp& net)
    : X_(X), y_(y), grads_(zero_grads(net)) {}

StepStats ShardGradient::compute(const dnn::Mlp& net, const int* idx, int count, int batch, std::vector<float>& flat) {
  StepStats st;
  if (count == 0) {  // fewer rows than ranks in this minibatch: this rank adds nothing
    flat.assign(static_cast<std::size_t>(parameter_floats(net)), 0.0f);
    return st;
  }
  rows_.assign(idx, idx + count);
  const dnn::Ops& ops = dnn::eigen_ops();
  ops.gather_minibatch(X_, y_, rows_, 0, count, Xb_, yb_);
  const float loss = dnn::mlp_loss_and_grads(ops, net, Xb_, yb_, ws_, grads_);
  st.loss_sum = static_cast<double>(loss) * count;
  st.correct = dnn::count_correct(ws_.P, yb_);
  pack(grads_, flat);
  if (count != batch) {  // n_r/B; exactly 1 for one rank, so P = 1 is chapter 05's step bit for bit
    const float share = static_cast<float>(count) / static_cast<float>(batch);
    for (float& v : flat) v *= share;
  }
  return st;
}

namespace {
dnn::OptimizerConfig plain_sgd() {
  dnn::OptimizerConfig c;
  c.kind = dnn::OptimizerKind::SGD;
  return c;
}
}  // namespace

SgdUpdate::SgdUpdate(const dnn::Mlp& net) : grads_(zero_grads(net)), opt_(plain_sgd(), net) {}

void SgdUpdate::apply(dnn::Mlp& net, const std::vector<float>& flat, float lr) {
  unpack(flat, grads_);
  opt_.set_learning_rate(lr);
  opt_.step(dnn::eigen_ops(), net, grads_);
}

}  // namespace ch08
