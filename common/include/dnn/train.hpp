/// @file train.hpp
/// @brief The training loop (训练): Keras-like `fit` and `evaluate` over a `Trainer`.
///
/// One epoch (§3.2.1, 随机梯度下降 SGD) visits every training example once, in a new random
/// order, in minibatches of `batch` examples; every minibatch does forward pass → loss →
/// backpropagation → one optimizer step. `fit` runs the epochs, prints one Keras-style line per
/// epoch (with a progress bar while it runs), evaluates on the test set after each epoch and
/// stops at once with DivergenceError when the loss becomes NaN, Inf or absurdly large.
///
/// Where the arithmetic happens is hidden behind the `Trainer` interface:
///  - `CpuTrainer` runs the Mlp on a CPU backend (`Ops`: naive or Eigen);
///  - chapter 07's GPU trainer keeps data and weights on the device and implements the same
///    interface, so `fit`, checkpoints and the chapter-05 program work unchanged.
///
/// Determinism: the order of epoch e depends only on (seed, e) — see epoch_order() — so a run
/// resumed from a checkpoint after epoch e sees exactly the same minibatches as one that never
/// stopped.
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "dnn/matrix.hpp"
#include "dnn/mlp.hpp"
#include "dnn/ops.hpp"
#include "dnn/optimizer.hpp"
#include "dnn/progress.hpp"

namespace dnn {

/// Mean loss and accuracy over the minibatches of one training epoch, as Keras prints them
/// (each minibatch measured on its forward pass, before its update; weighted by batch size).
struct EpochMetrics {
  double loss = 0;
  double accuracy = 0;
  long steps = 0;
};

/// Keras's running mean over the minibatches of one epoch, each weighted by its number of rows:
/// what every trainer's train_epoch passes to its StepCallback and returns at the end.
class EpochRunningMean {
 public:
  /// Adds one minibatch of `rows` examples with mean loss `loss`, `correct` of them predicted right.
  void add(double loss, long rows, long correct) {
    loss_sum_ += loss * static_cast<double>(rows);
    correct_ += correct;
    seen_ += rows;
  }
  /// Mean loss over the examples so far (0 before the first minibatch).
  double loss() const { return seen_ > 0 ? loss_sum_ / static_cast<double>(seen_) : 0.0; }
  /// Fraction of the examples so far predicted right (0 before the first minibatch).
  double accuracy() const { return seen_ > 0 ? static_cast<double>(correct_) / static_cast<double>(seen_) : 0.0; }
  /// The epoch's metrics after `steps` minibatches.
  EpochMetrics metrics(long steps) const {
    EpochMetrics r;
    r.steps = steps;
    r.loss = loss();
    r.accuracy = accuracy();
    return r;
  }

 private:
  double loss_sum_ = 0;  // Σ minibatch loss × minibatch rows
  long correct_ = 0;
  long seen_ = 0;
};

/// One row of the training history (the per-epoch CSV and the checkpoint keep these).
struct EpochStats {
  int epoch = 0;                ///< 1-based
  double train_loss = 0;        ///< running mean over the epoch's minibatches
  double train_accuracy = 0;
  double test_loss = 0;         ///< after the epoch, on the whole test set
  double test_accuracy = 0;
  double seconds = 0;           ///< training time of the epoch (without the test evaluation)
  double eval_seconds = 0;      ///< time of the test evaluation
};

/// Writes the history as CSV: epoch,train_loss,train_accuracy,test_loss,test_accuracy,seconds,eval_seconds.
void save_history_csv(const std::string& path, const std::vector<EpochStats>& history);

/// Called by a trainer during an epoch: `done` of `total` steps, running mean loss/accuracy.
/// Trainers may call it every step or less often (a GPU trainer only when it synchronises).
using StepCallback = std::function<void(long done, long total, double loss, double accuracy)>;

/// One minibatch step of a trainer (for train_minibatches, which chapter 07's fast CPU trainer
/// uses): trains on the `count` rows order[first], ..., order[first + count − 1] and returns their
/// mean loss, adding the number of them predicted right to `*correct`. When the loss has diverged
/// (loss_diverged) it returns it without updating the weights.
using MinibatchStep = std::function<float(int first, int count, long* correct)>;

/// A loop of one training epoch (§3.2.1) for trainers that give their step as a function: `step`
/// on each minibatch of `order` in turn (`batch` rows, the last one maybe fewer), the running mean
/// (EpochRunningMean) passed to `on_step` after each. Throws DivergenceError naming `epoch`, the
/// step, `lr` and `lr_flag` (see throw_divergence) as soon as a minibatch loss diverges.
EpochMetrics train_minibatches(const std::vector<int>& order, int batch, int epoch, double lr,
                               const std::string& lr_flag, const StepCallback& on_step, const MinibatchStep& step);

/// The check every trainer's constructor makes: throws std::invalid_argument naming `trainer`
/// (e.g. "CpuTrainer") unless `train_x` has one label in `train_y` per row and rows as wide as
/// the input layer of `net`.
void require_training_set(const Matrix& train_x, const std::vector<int>& train_y, const Mlp& net,
                          const std::string& trainer);

/// What `fit` needs from a backend. The training set is given to the trainer once (at
/// construction); an epoch is described by the order of its rows.
class Trainer {
 public:
  virtual ~Trainer() = default;
  /// "naive", "eigen", "cuda", ...
  virtual std::string name() const = 0;
  virtual int train_size() const = 0;
  virtual int batch_size() const = 0;
  /// One epoch: minibatches order[0..B), order[B..2B), ...; the last may be smaller.
  /// `epoch` (1-based) is only used in messages. Throws DivergenceError naming the epoch and
  /// step as soon as a minibatch loss diverges (loss_diverged(): NaN, Inf or > 1000).
  virtual EpochMetrics train_epoch(const std::vector<int>& order, int epoch, const StepCallback& on_step) = 0;
  /// Mean loss and accuracy on (X, y) with the current weights.
  virtual EvalResult evaluate(const Matrix& X, const std::vector<int>& y) = 0;
  /// Predicted class of each row of X.
  virtual std::vector<int> predict(const Matrix& X) = 0;
  /// Copies the current weights into `net` (same layer shapes) / from `net`.
  virtual void get_weights(Mlp& net) const = 0;
  virtual void set_weights(const Mlp& net) = 0;
  /// Copies the optimizer state (slots and step count) out / in (for checkpoints).
  virtual void get_optimizer_state(Optimizer& opt) const = 0;
  virtual void set_optimizer_state(const Optimizer& opt) = 0;
};

/// The CPU trainer: the Mlp, its optimizer and all buffers of a step, allocated once.
/// Every step is: gather the minibatch → forward pass → loss (stop if it diverged) →
/// backpropagation → optimizer step (train.cpp: one loop, written out).
class CpuTrainer : public Trainer {
 public:
  /// `train_x`/`train_y` must outlive the trainer (they are not copied).
  CpuTrainer(const Ops& ops, Mlp net, const OptimizerConfig& opt, const Matrix& train_x,
             const std::vector<int>& train_y, int batch);

  std::string name() const override { return ops_.name; }
  int train_size() const override { return X_.rows; }
  int batch_size() const override { return batch_; }
  EpochMetrics train_epoch(const std::vector<int>& order, int epoch, const StepCallback& on_step) override;
  EvalResult evaluate(const Matrix& X, const std::vector<int>& y) override;
  std::vector<int> predict(const Matrix& X) override;
  void get_weights(Mlp& net) const override { net = net_; }
  void set_weights(const Mlp& net) override;
  void get_optimizer_state(Optimizer& opt) const override { opt = opt_; }
  void set_optimizer_state(const Optimizer& opt) override;

  const Mlp& net() const { return net_; }
  const Optimizer& optimizer() const { return opt_; }

 private:
  const Ops& ops_;
  Mlp net_;
  Optimizer opt_;
  const Matrix& X_;
  const std::vector<int>& y_;
  int batch_;
  MlpWorkspace ws_;       // forward/backward buffers of a training step
  MlpWorkspace eval_ws_;  // buffers of evaluate/predict (other shapes: kept apart, no reallocation)
  MlpGrads grads_;
  Matrix Xb_;             // the current minibatch
  std::vector<int> yb_;
};

/// The visiting order of the `n` training rows in epoch `epoch` (0-based): a permutation that
/// depends only on (seed, epoch), written into `order` (resized to n; no allocation when it
/// already has n elements).
void epoch_order(std::uint64_t seed, int epoch, int n, std::vector<int>& order);

/// Number of rows i of the probabilities/logits P whose largest entry is at labels[i].
int count_correct(const Matrix& P, const std::vector<int>& labels);

/// A minibatch loss above this counts as diverged, like NaN and Inf. Guessing gives ln(10) ≈ 2.3
/// on ten classes; a mean cross-entropy of 1000 means the true class got probability e^−1000:
/// the logits have exploded. (A stable log-sum-exp keeps such a loss finite for a long time,
/// so waiting for NaN would let a blown-up run go on for many steps.)
constexpr double kDivergedLoss = 1000.0;

/// True when `loss` is NaN, ±Inf or above kDivergedLoss.
inline bool loss_diverged(double loss) { return !std::isfinite(loss) || loss > kDivergedLoss; }

/// Throws DivergenceError: "<what> became <value> at epoch E, step S/T ... Try a lower <lr_flag>
/// (now <lr>)" — `lr_flag` is the flag the program has (OptimizerConfig::lr_flag); "" says that
/// the program fixed the learning rate itself.
[[noreturn]] void throw_divergence(const std::string& what, double value, int epoch, long step, long steps,
                                   double lr, const std::string& lr_flag);

/// The advice at the end of a divergence message: `Try a lower --lr (now 50).` (see throw_divergence).
std::string lower_lr_hint(double lr, const std::string& lr_flag);

/// After a training run of `steps` optimizer steps (at least 1000: fewer may simply be too few):
/// when the test accuracy is at chance level (at most 1.5 / `classes`), says on stderr that the
/// network did not learn, naming `lr_flag` and its value (too large a step saturates or kills the
/// units without ever giving NaN, so the divergence check never fired).
/// Returns true when the steps even made it worse: the final training loss is not below
/// 1.5 ln(classes) (a fresh network starts near ln(classes), the loss of guessing uniformly); the
/// program then exits with kExitDiverged after writing its results.
bool warn_if_not_learning(const std::string& program, double test_accuracy, double train_loss, int classes,
                          long steps, const std::string& lr_flag, double lr);

/// What fit() prints for one epoch, Keras's way: "Epoch e/E" at construction, then a progress
/// bar redrawn while the epoch runs (only on a terminal), ended by finish() with the metrics:
///     Epoch 3/10
///     1875/1875 [==============================] - 0.2s - loss: 0.2345 - accuracy: 0.9312 - test_loss: ... - test_accuracy: ...
/// Nothing at all when `verbose` is false. Programs that write their own epoch loop (chapter 05)
/// print with it too, so every program prints the same lines.
class EpochLog {
 public:
  /// Prints "Epoch `epoch`/`epochs`" and starts the bar of `steps` minibatch steps.
  EpochLog(int epoch, int epochs, long steps, bool verbose);
  EpochLog(const EpochLog&) = delete;
  EpochLog& operator=(const EpochLog&) = delete;
  /// For Trainer::train_epoch: redraws the bar every 32 steps; empty when there is no bar to draw.
  const StepCallback& on_step() const { return on_step_; }
  /// Ends the bar with "loss: L - accuracy: A" of `st` and, when `with_test`, its test metrics.
  void finish(const EpochStats& st, bool with_test);

 private:
  ProgressBar bar_;
  StepCallback on_step_;
};

/// Options of fit().
struct FitOptions {
  int epochs = 10;               ///< total epochs (a resumed run continues up to this number)
  int first_epoch = 0;           ///< epochs already done (resume); training starts at epoch first_epoch+1
  std::uint64_t seed = 42;       ///< epoch orders come from epoch_order(seed, e, n)
  bool verbose = true;           ///< "Epoch e/E" lines and the progress bar
  double lr = 0;                 ///< only for the divergence message
  std::string lr_flag = "--lr";  ///< only for the divergence message: the flag that sets lr
  const Matrix* test_x = nullptr;            ///< evaluated after every epoch when given
  const std::vector<int>* test_y = nullptr;
  /// Called after every epoch (history row filled in), e.g. to save a checkpoint.
  std::function<void(const EpochStats&)> on_epoch_end;
};

/// Keras's model.fit: epochs first_epoch+1 … epochs, one line per epoch:
///     Epoch 3/10
///     1875/1875 [==============================] - 0.2s - loss: 0.2345 - accuracy: 0.9312 - test_loss: ... - test_accuracy: ...
/// Returns the history of the epochs it ran. Throws DivergenceError when a loss diverges.
std::vector<EpochStats> fit(Trainer& trainer, const FitOptions& options);

}  // namespace dnn
