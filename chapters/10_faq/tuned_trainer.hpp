// Chapter 10: the trainer of the FAQ's experiments — common's CpuTrainer step (Eigen Ops table,
// mlp forward/backward, common's Optimizer: SGD, momentum, Adam) plus the three things the
// "best plain MLP" needs and no earlier chapter has:
//   * dropout (随机失活, not in the book) on the hidden activations: during training each hidden
//     unit is zeroed with probability p and the survivors are scaled by 1/(1−p) ("inverted"
//     dropout, so evaluation needs no change);
//   * weight decay (权重衰减, not in the book), decoupled from the gradient (AdamW style):
//     after every step W ← W − η·λ·W (for SGD this is exactly the L2 penalty λ/2·‖W‖²);
//   * a learning-rate schedule: set_learning_rate() between epochs (the program passes
//     η_e = η·decay^e, Simard et al. 2003's schedule).
// With p = 0 and λ = 0 the arithmetic is that of CpuTrainer (same Ops calls, same order).
// Determinism: the dropout masks of epoch e come from Rng(seed, e), so a resumed run draws the
// same masks as one that never stopped.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dnn/mlp.hpp"
#include "dnn/ops.hpp"
#include "dnn/optimizer.hpp"
#include "dnn/train.hpp"

namespace ch10 {

/// What the best-MLP search adds to the optimizer.
struct Regularization {
  float dropout = 0.0f;       ///< probability p of zeroing a hidden unit while training, in [0, 1)
  float weight_decay = 0.0f;  ///< λ of the decoupled decay W ← W − η·λ·W (biases are not decayed)
};

class TunedTrainer : public dnn::Trainer {
 public:
  /// `train_x`/`train_y` must outlive the trainer; their contents may change between epochs
  /// (data augmentation writes new images into train_x before each epoch).
  TunedTrainer(dnn::Mlp net, const dnn::OptimizerConfig& opt, const Regularization& reg,
               const dnn::Matrix& train_x, const std::vector<int>& train_y, int batch, std::uint64_t seed);

  std::string name() const override { return "eigen+tuned"; }
  int train_size() const override { return X_.rows; }
  int batch_size() const override { return batch_; }
  dnn::EpochMetrics train_epoch(const std::vector<int>& order, int epoch, const dnn::StepCallback& on_step) override;
  dnn::EvalResult evaluate(const dnn::Matrix& X, const std::vector<int>& y) override;
  std::vector<int> predict(const dnn::Matrix& X) override;
  void get_weights(dnn::Mlp& net) const override { net = net_; }
  void set_weights(const dnn::Mlp& net) override;
  void get_optimizer_state(dnn::Optimizer& opt) const override { opt = opt_; }
  void set_optimizer_state(const dnn::Optimizer& opt) override;

  /// η for the following steps (the schedule); the optimizer's state is kept.
  void set_learning_rate(float lr) { opt_.set_learning_rate(lr); }
  const dnn::Mlp& net() const { return net_; }

 private:
  float step(const std::vector<int>& order, int first, int count, long* correct, dnn::Rng& rng);

  const dnn::Ops& ops_;
  dnn::Mlp net_;
  dnn::Optimizer opt_;
  Regularization reg_;
  const dnn::Matrix& X_;
  const std::vector<int>& y_;
  int batch_;
  std::uint64_t seed_;
  dnn::MlpWorkspace ws_, eval_ws_;
  dnn::MlpGrads grads_;
  std::vector<dnn::Matrix> mask_;  // mask_[l]: 0 or 1/(1−p) for the output of hidden layer l
  dnn::Matrix Xb_;
  std::vector<int> yb_;
};

}  // namespace ch10
