/// @file optimizer.hpp
/// @brief Optimizers (优化算法, §3.2): SGD, momentum and Adam over all parameters of an Mlp.
///
/// The per-tensor update rules are the exercise functions sgd_step / momentum_step / adam_step
/// (naive.hpp) or their Eigen twins, reached through Ops (ops.hpp); this class only keeps their state (velocity,
/// first and second moments, step count) and applies them to every W and b.
#pragma once

#include <string>
#include <vector>

#include "dnn/mlp.hpp"
#include "dnn/ops.hpp"

namespace dnn {

enum class OptimizerKind { SGD, Momentum, Adam };
std::string to_string(OptimizerKind k);
/// "sgd", "momentum", "adam"; throws InputError naming `flag` otherwise.
OptimizerKind parse_optimizer(const std::string& name, const std::string& flag = "--optimizer");

struct OptimizerConfig {
  OptimizerKind kind = OptimizerKind::SGD;
  float lr = 0.01f;        ///< learning rate η (Keras SGD default 0.01)
  /// The command-line flag that set `lr`, named by the divergence message (`Try a lower --lr-adam`);
  /// "" when the program fixes η itself (the message then says so).
  std::string lr_flag = "--lr";
  float momentum = 0.9f;   ///< μ for Momentum
  naive::AdamConfig adam;  ///< β1, β2, ε for Adam (adam.lr is ignored: `lr` is used)
};

class Optimizer {
 public:
  Optimizer(const OptimizerConfig& cfg, const Mlp& net);
  /// One update of every parameter from `grads`.
  void step(const Ops& ops, Mlp& net, const MlpGrads& grads);
  const OptimizerConfig& config() const { return cfg_; }
  /// Changes η between steps (learning-rate schedules, chapter 03); the state is kept.
  void set_learning_rate(float lr) { cfg_.lr = lr; }
  long steps() const { return t_; }

  /// The state (for checkpoints): per parameter tensor, in the order W0, b0, W1, b1, ...
  std::vector<Matrix>& slots1() { return s1_; }  ///< velocity (Momentum) or m (Adam)
  std::vector<Matrix>& slots2() { return s2_; }  ///< v (Adam)
  const std::vector<Matrix>& slots1() const { return s1_; }
  const std::vector<Matrix>& slots2() const { return s2_; }
  void set_steps(long t) { t_ = t; }

 private:
  OptimizerConfig cfg_;
  long t_ = 0;
  std::vector<Matrix> s1_, s2_;
};

}  // namespace dnn
