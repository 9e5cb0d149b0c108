/// @file epoch.hpp
/// @brief Chapter 05's exercises: one Keras-style epoch (model.fit's loop) and model.evaluate.
///
/// The learner writes three functions (bodies in solutions/ch05_mlp.cpp, your copy in
/// exercises/ch05_mlp.cpp):
///  - shuffle_order: the epoch's random order of the training rows (a seeded permutation);
///  - train_epoch: the minibatch loop — gather → forward → loss → backpropagation → update — that
///    runs the functions of chapters 01–04 (through the naive Ops);
///  - evaluate: mean loss and accuracy on the test set.
/// `05_mlp --backend naive` trains with them (EpochTrainer below); the eigen and cuda backends
/// keep the library's trainers (dnn/train.hpp, dnn/gpu_trainer.hpp). Each function reproduces the
/// library's version bit for bit (epoch_order, CpuTrainer::train_epoch, mlp_evaluate), so the
/// program's results do not depend on which of the two ran.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dnn/matrix.hpp"
#include "dnn/mlp.hpp"
#include "dnn/optimizer.hpp"
#include "dnn/train.hpp"

namespace ch05 {

/// The buffers of one step, allocated on the first step and reused after that.
struct StepBuffers {
  dnn::Matrix Xb;           ///< the current minibatch (or test chunk) of images
  std::vector<int> yb;      ///< its labels
  dnn::MlpWorkspace ws;     ///< forward and backward buffers of the network
  dnn::MlpGrads grads;      ///< ∂L/∂W, ∂L/∂b of every layer
};

/// Exercise shuffle_order: the visiting order of the `n` training rows in epoch `epoch`
/// (0-based), written into `order` (resized to n): a permutation of 0, …, n−1 that depends only on
/// (seed, epoch), the same as dnn::epoch_order. Throws std::invalid_argument when n < 0.
void shuffle_order(std::uint64_t seed, int epoch, int n, std::vector<int>& order);

/// Exercise train_epoch: one epoch of minibatch SGD (§3.2.1) on the training set (X, y): the
/// minibatches order[0..batch), order[batch..2·batch), …, the last one maybe shorter; each is
/// gathered, passed forward through `net`, scored (softmax cross-entropy), backpropagated and
/// used for one step of `opt` — all through dnn::naive_ops(). After each step `on_step` (when
/// not empty) gets the running mean (dnn::EpochRunningMean). Returns the epoch's mean loss and
/// accuracy. Throws DivergenceError (dnn::throw_divergence, naming `epoch` and the step) as soon as
/// a minibatch loss diverges (dnn::loss_diverged), before that step's update.
dnn::EpochMetrics train_epoch(dnn::Mlp& net, dnn::Optimizer& opt, const dnn::Matrix& X, const std::vector<int>& y,
                              const std::vector<int>& order, int batch, int epoch, const dnn::StepCallback& on_step,
                              StepBuffers& buf);

/// Exercise evaluate: Keras's model.evaluate — the mean softmax cross-entropy and the accuracy of
/// `net` on (X, y), in chunks of 1000 rows (the same numbers as dnn::mlp_evaluate).
dnn::EvalResult evaluate(const dnn::Mlp& net, const dnn::Matrix& X, const std::vector<int>& y, StepBuffers& buf);

/// The Trainer of `05_mlp --backend naive`: the network and optimizer of CpuTrainer, but every
/// epoch is train_epoch and every evaluation is evaluate (the exercises above).
class EpochTrainer : public dnn::Trainer {
 public:
  /// `train_x`/`train_y` must outlive the trainer (they are not copied).
  EpochTrainer(dnn::Mlp net, const dnn::OptimizerConfig& opt, const dnn::Matrix& train_x,
               const std::vector<int>& train_y, int batch);

  std::string name() const override { return "naive"; }
  int train_size() const override { return X_.rows; }
  int batch_size() const override { return batch_; }
  /// train_epoch (the exercise) on `order`.
  dnn::EpochMetrics train_epoch(const std::vector<int>& order, int epoch, const dnn::StepCallback& on_step) override;
  /// evaluate (the exercise).
  dnn::EvalResult evaluate(const dnn::Matrix& X, const std::vector<int>& y) override;
  std::vector<int> predict(const dnn::Matrix& X) override;
  void get_weights(dnn::Mlp& net) const override { net = net_; }
  void set_weights(const dnn::Mlp& net) override;
  void get_optimizer_state(dnn::Optimizer& opt) const override { opt = opt_; }
  void set_optimizer_state(const dnn::Optimizer& opt) override;

 private:
  dnn::Mlp net_;
  dnn::Optimizer opt_;
  const dnn::Matrix& X_;
  const std::vector<int>& y_;
  int batch_;
  StepBuffers train_buf_;  // buffers of a training step
  StepBuffers eval_buf_;   // buffers of evaluate/predict (other shapes: kept apart, no reallocation)
};

}  // namespace ch05
