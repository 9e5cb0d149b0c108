// Mode `sync --deterministic` — the same weights, bit for bit, for every number of ranks.
//
// Why plain `sync` is not: floating-point addition is not associative, (a + b) + c ≠ a + (b + c)
// in general, and the gradient of a minibatch is a sum over its rows. One process sums the B rows
// in one order (inside the GEMM of the backward pass); P ranks each sum their own rows and the
// allreduce then adds the P partial sums in an order of its own (which MPI may change with P, the
// message size or the network). The results differ in the last bits, the next step starts from
// slightly different weights, and the runs drift apart.
//
// The fix here: make the sum exact, so that its order cannot matter. Every row's gradient is
// computed on its own (plain loops below, the same on every rank), each contribution a·δ is
// rounded once to a 64-bit fixed-point integer (units of 2^−32), and integers add exactly and
// associatively — on one rank, across ranks, in MPI_Allreduce or in the ring. Only then is the sum
// turned back into a float mean gradient. Same seed, same global batch → the same weights for
// P = 1, 2, 3, 4, ... (a test runs P = 1 … 4 under mpirun and compares the weight hashes).
// The price: per-row loops instead of one GEMM, and a 64-bit integer per parameter on the wire.
#include <cmath>
#include <algorithm>
#include <cstdint>
#include <string>

#include "dnn/error.hpp"
#include "parallel.hpp"

namespace ch08 {
namespace {

constexpr double kFixedScale = 4294967296.0;            // 2^32: resolution 2^−32 ≈ 2.3e−10
constexpr double kFixedLimit = 1048576.0;               // |a·δ| < 2^20: 2^52 units, far from int64's 2^63

// One parameter's contribution a·δ as an integer number of 2^−32 units. a·δ of two floats is exact
// in double (48 significant bits), so the rounding below is the only one.
std::int64_t fixed(float a, float delta) {
  const double v = static_cast<double>(a) * static_cast<double>(delta);
  if (!(std::fabs(v) < kFixedLimit))
    throw dnn::DivergenceError("sync --deterministic: a gradient term became " + std::to_string(v) +
                               ", beyond the fixed-point range ±2^20: the training diverged. Try a lower --lr.");
  return std::llrint(v * kFixedScale);
}

class ExactSyncSgd : public StepRule {
 public:
  ExactSyncSgd(const dnn::Dataset& ds, const dnn::Mlp& net, const MpiWorld& world, std::string allreduce)
      : X_(ds.train_x), y_(ds.train_y), world_(world), allreduce_(std::move(allreduce)), sgd_(net) {
    for (const auto& l : net.layers) {
      a_.emplace_back(l.W.rows);
      z_.emplace_back(l.W.cols);
      delta_.emplace_back(l.W.cols);
    }
    sum_.resize(static_cast<std::size_t>(parameter_floats(net)));
    std::size_t at = 0;  // where layer l's dW starts in the flat vector (then its db)
    for (const auto& l : net.layers) {
      offsets_.push_back(at);
      at += l.W.size() + l.b.size();
    }
  }

  std::string name() const override { return "sync --deterministic (fixed-point sum, allreduce " + allreduce_ + ")"; }

  StepStats step(dnn::Mlp& net, const int* idx, int count, int batch, float lr) override {
    std::fill(sum_.begin(), sum_.end(), 0);
    StepStats st;
    for (int i = 0; i < count; ++i) add_example(net, idx[i], st);
    allreduce_sum(sum_.data(), static_cast<int>(sum_.size()), allreduce_, world_.comm());  // exact
    bytes_sent += 2.0 * (world_.size() - 1) / world_.size() * sum_.size() * sizeof(std::int64_t);
    ++rounds;
    flat_.resize(sum_.size());
    const double to_mean = 1.0 / (kFixedScale * batch);
    for (std::size_t k = 0; k < sum_.size(); ++k) flat_[k] = static_cast<float>(static_cast<double>(sum_[k]) * to_mean);
    sgd_.apply(net, flat_, lr);
    return st;
  }

 private:
  // Forward and backward of one row (hidden layers ReLU, output linear + softmax cross-entropy),
  // adding its gradient to sum_ in fixed point. Same loops, same order on every rank.
  void add_example(const dnn::Mlp& net, int row, StepStats& st) {
    const std::size_t L = net.layers.size();
    const float* x = X_.row(row);
    // forward: z_l = a_l·W_l + b_l, a_{l+1} = relu(z_l)
    std::copy(x, x + X_.cols, a_[0].begin());
    for (std::size_t l = 0; l < L; ++l) {
      const dnn::Matrix& W = net.layers[l].W;
      std::vector<float>& z = z_[l];
      std::copy(net.layers[l].b.data.begin(), net.layers[l].b.data.end(), z.begin());
      for (int k = 0; k < W.rows; ++k) {
        const float ak = a_[l][static_cast<std::size_t>(k)];
        if (ak == 0.0f) continue;  // most pixels (and many ReLU outputs) are 0
        const float* w = W.row(k);
        for (int j = 0; j < W.cols; ++j) z[static_cast<std::size_t>(j)] += ak * w[j];
      }
      if (l + 1 < L)
        for (int j = 0; j < W.cols; ++j) a_[l + 1][static_cast<std::size_t>(j)] = std::max(0.0f, z[static_cast<std::size_t>(j)]);
    }
    // softmax cross-entropy of the logits z_{L−1}; δ = p − onehot(y)
    const std::vector<float>& logits = z_[L - 1];
    const int label = y_[static_cast<std::size_t>(row)];
    const float m = *std::max_element(logits.begin(), logits.end());
    double s = 0;
    for (float v : logits) s += std::exp(static_cast<double>(v - m));
    st.loss_sum += std::log(s) - static_cast<double>(logits[static_cast<std::size_t>(label)] - m);
    if (std::max_element(logits.begin(), logits.end()) - logits.begin() == label) ++st.correct;
    std::vector<float>& d_out = delta_[L - 1];
    for (std::size_t j = 0; j < logits.size(); ++j)
      d_out[j] = static_cast<float>(std::exp(static_cast<double>(logits[j] - m)) / s) - (static_cast<int>(j) == label ? 1.0f : 0.0f);
    // backward: ∂/∂W_l = a_lᵀ·δ_l, ∂/∂b_l = δ_l, δ_{l−1} = (δ_l·W_lᵀ) ⊙ relu′(z_{l−1})
    for (std::size_t l = L; l-- > 0;) {
      const dnn::Matrix& W = net.layers[l].W;
      const std::vector<float>& d = delta_[l];
      std::int64_t* dW = sum_.data() + offsets_[l];
      std::int64_t* db = dW + W.size();
      for (int k = 0; k < W.rows; ++k) {
        const float ak = a_[l][static_cast<std::size_t>(k)];
        if (ak == 0.0f) continue;
        for (int j = 0; j < W.cols; ++j) dW[static_cast<long>(k) * W.cols + j] += fixed(ak, d[static_cast<std::size_t>(j)]);
      }
      for (int j = 0; j < W.cols; ++j) db[j] += fixed(1.0f, d[static_cast<std::size_t>(j)]);
      if (l == 0) break;
      std::vector<float>& below = delta_[l - 1];
      for (int k = 0; k < W.rows; ++k) {
        float acc = 0;
        const float* w = W.row(k);
        for (int j = 0; j < W.cols; ++j) acc += w[j] * d[static_cast<std::size_t>(j)];
        below[static_cast<std::size_t>(k)] = z_[l - 1][static_cast<std::size_t>(k)] > 0 ? acc : 0.0f;
      }
    }
  }

  const dnn::Matrix& X_;
  const std::vector<int>& y_;
  const MpiWorld& world_;
  std::string allreduce_;
  SgdUpdate sgd_;
  std::vector<std::vector<float>> a_, z_, delta_;  // per layer: input, pre-activation, ∂ℓ/∂z
  std::vector<std::int64_t> sum_;                  // Σ over the rows of the gradient, in 2^−32 units
  std::vector<std::size_t> offsets_;
  std::vector<float> flat_;
};

}  // namespace

std::unique_ptr<StepRule> make_exact_sync_sgd(const dnn::Dataset& ds, const dnn::Mlp& net, const MpiWorld& world,
                                              const std::string& allreduce) {
  return std::make_unique<ExactSyncSgd>(ds, net, world, allreduce);
}

}  // namespace ch08
