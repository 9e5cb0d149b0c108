// Optimizers over all parameters of an Mlp (§3.2): SGD, momentum, Adam.
// The update rules themselves are the chapter 03/04 exercise functions (or their Eigen twins),
// reached through Ops (ops.hpp), which picks the backend.
#include "dnn/optimizer.hpp"

#include <stdexcept>

#include "dnn/error.hpp"

namespace dnn {

std::string to_string(OptimizerKind k) {
  switch (k) {
    case OptimizerKind::SGD: return "sgd";
    case OptimizerKind::Momentum: return "momentum";
    case OptimizerKind::Adam: return "adam";
  }
  return "?";
}

OptimizerKind parse_optimizer(const std::string& name, const std::string& flag) {
  if (name == "sgd") return OptimizerKind::SGD;
  if (name == "momentum") return OptimizerKind::Momentum;
  if (name == "adam") return OptimizerKind::Adam;
  throw InputError(flag + ": unknown optimizer '" + name + "' (expected sgd, momentum or adam)");
}

Optimizer::Optimizer(const OptimizerConfig& cfg, const Mlp& net) : cfg_(cfg) {
  if (!(cfg.lr > 0.0f)) throw InputError("learning rate must be > 0, got " + std::to_string(cfg.lr));
  if (cfg.kind == OptimizerKind::Momentum && !(cfg.momentum >= 0.0f && cfg.momentum < 1.0f))
    throw InputError("momentum must be in [0, 1), got " + std::to_string(cfg.momentum));
  if (cfg.kind == OptimizerKind::Adam &&
      !(cfg.adam.beta1 >= 0 && cfg.adam.beta1 < 1 && cfg.adam.beta2 >= 0 && cfg.adam.beta2 < 1 && cfg.adam.eps > 0))
    throw InputError("Adam needs 0 <= beta1, beta2 < 1 and eps > 0");
  // One state tensor per parameter tensor, in the order W0, b0, W1, b1, ...; zeros at t = 0.
  // SGD keeps no state; momentum keeps the velocity V; Adam keeps m (slot 1) and v (slot 2).
  for (const DenseLayer& layer : net.layers) {
    for (const Matrix* p : {&layer.W, &layer.b}) {
      if (cfg.kind != OptimizerKind::SGD) s1_.emplace_back(p->rows, p->cols, 0.0f);
      if (cfg.kind == OptimizerKind::Adam) s2_.emplace_back(p->rows, p->cols, 0.0f);
    }
  }
}

void Optimizer::step(const Ops& ops, Mlp& net, const MlpGrads& grads) {
  const std::size_t L = net.layers.size();
  if (grads.dW.size() != L || grads.db.size() != L)
    throw std::invalid_argument("Optimizer::step: gradients for " + std::to_string(grads.dW.size()) +
                                " layers, network has " + std::to_string(L));
  if (cfg_.kind != OptimizerKind::SGD && s1_.size() != 2 * L)
    throw std::invalid_argument("Optimizer::step: optimizer state was made for another network");
  ++t_;  // Adam's t counts steps from 1
  naive::AdamConfig adam = cfg_.adam;
  adam.lr = cfg_.lr;
  for (std::size_t l = 0; l < L; ++l) {
    Matrix* params[2] = {&net.layers[l].W, &net.layers[l].b};
    const Matrix* g[2] = {&grads.dW[l], &grads.db[l]};
    for (int k = 0; k < 2; ++k) {
      const std::size_t slot = 2 * l + static_cast<std::size_t>(k);
      switch (cfg_.kind) {
        case OptimizerKind::SGD: ops.sgd_step(*params[k], *g[k], cfg_.lr); break;
        case OptimizerKind::Momentum: ops.momentum_step(*params[k], *g[k], s1_[slot], cfg_.lr, cfg_.momentum); break;
        case OptimizerKind::Adam: ops.adam_step(*params[k], *g[k], s1_[slot], s2_[slot], t_, adam); break;
      }
    }
  }
}

}  // namespace dnn
