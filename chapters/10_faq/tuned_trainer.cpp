// Chapter 10: CpuTrainer's step with dropout and decoupled weight decay (see tuned_trainer.hpp).
#include "tuned_trainer.hpp"

#include <stdexcept>

#include "dnn/error.hpp"
#include "dnn/rng.hpp"

namespace ch10 {

using namespace dnn;

TunedTrainer::TunedTrainer(Mlp net, const OptimizerConfig& opt, const Regularization& reg, const Matrix& train_x,
                           const std::vector<int>& train_y, int batch, std::uint64_t seed)
    : ops_(eigen_ops()), net_(std::move(net)), opt_(opt, net_), reg_(reg), X_(train_x), y_(train_y), batch_(batch),
      seed_(seed) {
  if (batch < 1) throw InputError("--batch: expected an integer >= 1, got " + std::to_string(batch));
  if (!(reg.dropout >= 0.0f && reg.dropout < 1.0f))
    throw InputError("--dropout: expected a probability in [0, 1), got " + std::to_string(reg.dropout));
  if (!(reg.weight_decay >= 0.0f)) throw InputError("--weight-decay: expected a number >= 0");
  require_training_set(train_x, train_y, net_, "TunedTrainer");
  mask_.resize(net_.layers.size());
}

float TunedTrainer::step(const std::vector<int>& order, int first, int count, long* correct, Rng& rng) {
  ops_.gather_minibatch(X_, y_, order, first, count, Xb_, yb_);
  const std::size_t L = net_.layers.size();
  ws_.Z.resize(L);
  ws_.A.resize(L + 1);
  ws_.dZ.resize(L);
  ws_.dA.resize(L + 1);
  grads_.dW.resize(L);
  grads_.db.resize(L);
  const float p = reg_.dropout;
  const float keep_scale = 1.0f / (1.0f - p);
  // Forward: Z = X·W + b, A = f(Z), and on hidden layers A ← A ⊙ mask.
  for (std::size_t l = 0; l < L; ++l) {
    const DenseLayer& layer = net_.layers[l];
    ops_.dense_forward(l == 0 ? Xb_ : ws_.A[l], layer.W, layer.b, ws_.Z[l]);
    ops_.activation_forward(layer.act, ws_.Z[l], ws_.A[l + 1]);
    if (p > 0.0f && l + 1 < L) {
      Matrix& A = ws_.A[l + 1];
      Matrix& M = mask_[l];
      M.resize(A.rows, A.cols);
      for (std::size_t q = 0; q < A.data.size(); ++q) {
        M.data[q] = rng.uniform() < p ? 0.0f : keep_scale;
        A.data[q] *= M.data[q];
      }
    }
  }
  const float loss = ops_.softmax_cross_entropy(ws_.A[L], yb_, ws_.P);
  if (loss_diverged(loss)) return loss;  // no update: train_minibatches stops and says so
  *correct += count_correct(ws_.P, yb_);
  // Backward (the last layer is linear: ∂L/∂logits is ∂L/∂Z), the mask applied to ∂L/∂A.
  ops_.softmax_ce_backward(ws_.P, yb_, ws_.dZ[L - 1]);
  for (std::size_t l = L; l-- > 0;) {
    const DenseLayer& layer = net_.layers[l];
    ops_.dense_backward(l == 0 ? Xb_ : ws_.A[l], layer.W, ws_.dZ[l], grads_.dW[l], grads_.db[l],
                        l > 0 ? &ws_.dA[l] : nullptr);
    if (l > 0) {
      if (p > 0.0f) {
        Matrix& dA = ws_.dA[l];
        for (std::size_t q = 0; q < dA.data.size(); ++q) dA.data[q] *= mask_[l - 1].data[q];
      }
      ops_.activation_backward(net_.layers[l - 1].act, ws_.Z[l - 1], ws_.A[l], ws_.dA[l], ws_.dZ[l - 1]);
    }
  }
  opt_.step(ops_, net_, grads_);
  if (reg_.weight_decay > 0.0f) {  // decoupled weight decay: W ← W − η·λ·W
    const float shrink = 1.0f - opt_.config().lr * reg_.weight_decay;
    for (DenseLayer& layer : net_.layers)
      for (float& w : layer.W.data) w *= shrink;
  }
  return loss;
}

EpochMetrics TunedTrainer::train_epoch(const std::vector<int>& order, int epoch, const StepCallback& on_step) {
  Rng rng(seed_ * 0x9E3779B97F4A7C15ULL + static_cast<std::uint64_t>(epoch));  // masks of this epoch
  auto one = [&](int first, int count, long* correct) { return step(order, first, count, correct, rng); };
  return train_minibatches(order, batch_, epoch, opt_.config().lr, opt_.config().lr_flag, on_step, one);
}

EvalResult TunedTrainer::evaluate(const Matrix& X, const std::vector<int>& y) {
  return mlp_evaluate(ops_, net_, X, y, eval_ws_);
}

std::vector<int> TunedTrainer::predict(const Matrix& X) { return mlp_predict(ops_, net_, X, eval_ws_); }

void TunedTrainer::set_weights(const Mlp& net) {
  if (layer_sizes(net) != layer_sizes(net_))
    throw std::invalid_argument("TunedTrainer::set_weights: layers " + layer_sizes_text(layer_sizes(net)) +
                                ", expected " + layer_sizes_text(layer_sizes(net_)));
  net_ = net;
}

void TunedTrainer::set_optimizer_state(const Optimizer& opt) {
  if (opt.slots1().size() != opt_.slots1().size() || opt.slots2().size() != opt_.slots2().size())
    throw std::invalid_argument("TunedTrainer::set_optimizer_state: slot count mismatch");
  for (std::size_t k = 0; k < opt.slots1().size(); ++k)
    require_same_shape(opt.slots1()[k], opt_.slots1()[k], "TunedTrainer::set_optimizer_state");
  for (std::size_t k = 0; k < opt.slots2().size(); ++k)
    require_same_shape(opt.slots2()[k], opt_.slots2()[k], "TunedTrainer::set_optimizer_state");
  const float lr = opt_.config().lr;  // the schedule's η, not the checkpoint's
  opt_ = opt;
  opt_.set_learning_rate(lr);
}

}  // namespace ch10
