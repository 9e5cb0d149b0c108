/// @file experiment.hpp
/// @brief One training run with its learning curves, for the comparisons of chapters 03–04:
///        the same data, the same initial weights and the same shuffling seed, and only one
///        thing changed (the batch size, the learning rate or the optimizer).
///
/// The steps themselves are CpuTrainer's (train.hpp): gather → forward/backward → optimizer
/// step. This adds what a comparison needs: an evaluation of the whole training set (and test
/// set) after every epoch, a finer "windowed" loss inside epochs, timing, and a learning-rate
/// schedule passed in by the chapter (so common/ never calls an exercise function itself).
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dnn/matrix.hpp"
#include "dnn/mlp.hpp"
#include "dnn/ops.hpp"
#include "dnn/plot.hpp"
#include "dnn/optimizer.hpp"
#include "dnn/toy_data.hpp"
#include "dnn/train.hpp"

namespace dnn {

/// What to run.
struct RunSpec {
  std::string label;         ///< e.g. "pure SGD (batch 1)"
  int batch = 32;            ///< minibatch size: 1 = pure SGD, n = full batch
  OptimizerConfig opt;       ///< kind, lr η, momentum μ, Adam β1/β2/ε
  int epochs = 10;
  std::uint64_t seed = 42;   ///< epoch orders: epoch_order(seed, e, n) — the same for every run
  int window_points = 0;     ///< > 0: also record the mean loss of ≈ this many windows per epoch
  bool stop_on_divergence = true;  ///< false: record the divergence and return (for sweeps)
};

/// State after epoch `epoch` (epoch 0 = the initial weights, before any step).
struct CurvePoint {
  int epoch = 0;
  long steps = 0;            ///< optimizer steps so far
  long examples = 0;         ///< training examples processed so far
  double train_seconds = 0;  ///< time spent training so far (evaluations excluded)
  double lr = 0;             ///< η used in this epoch
  double loss = 0;           ///< mean cross-entropy on the whole training set, evaluated after the epoch
  double accuracy = 0;
  double test_loss = 0;      ///< same on the test set (when one is given)
  double test_accuracy = 0;
};

/// Mean training loss of the minibatches in one window of an epoch (measured during training,
/// each on its own forward pass) — finer than once per epoch, for one-epoch runs.
struct WindowPoint {
  long examples = 0;  ///< examples processed at the end of the window
  long steps = 0;
  double loss = 0;
};

struct RunLog {
  RunSpec spec;
  std::vector<CurvePoint> curve;
  std::vector<WindowPoint> window;
  Mlp net;                 ///< the trained weights
  bool diverged = false;   ///< only with stop_on_divergence = false
  std::string divergence;  ///< the DivergenceError message
  /// Training examples per second over the whole run (evaluations excluded).
  double examples_per_second() const;
};

/// One epoch of a comparison run (§3.2.1), the loop that chapter 03 is about: sets the learning
/// rate η of this epoch (keeping the optimizer's state), draws the epoch's order of the training
/// examples (epoch_order(spec.seed, epoch, n): the same for every run), and lets `trainer` go
/// through it minibatch by minibatch — gather the spec.batch rows, forward pass and loss,
/// backpropagation to the gradients, one optimizer update (CpuTrainer::train_epoch). With
/// spec.window_points > 0 it appends the mean minibatch loss of each window of the epoch to
/// `window` (`steps_before`/`examples_before`: the run's totals before this epoch). `epoch` is
/// 0-based; `order` is the buffer of the order. Throws DivergenceError as train_epoch does.
EpochMetrics train_one_epoch(CpuTrainer& trainer, const RunSpec& spec, int epoch, double lr, std::vector<int>& order,
                             long steps_before, long examples_before, std::vector<WindowPoint>& window);

/// Trains a copy of `init` on (X, y) as `spec` says: train_one_epoch spec.epochs times, the
/// whole training set (and test set) evaluated before the first and after every epoch. `lr_at(epoch)` (0-based) gives η of each
/// epoch (empty: the constant spec.opt.lr). `test_x`/`test_y` may be null.
/// Throws DivergenceError on NaN/Inf unless spec.stop_on_divergence is false.
RunLog run_training(const Ops& ops, const Mlp& init, const Matrix& X, const std::vector<int>& y,
                    const Matrix* test_x, const std::vector<int>* test_y, const RunSpec& spec,
                    const std::function<double(int)>& lr_at = {});

/// The comparison of chapters 03–04: trains a copy of the same `init` once per spec, on the same
/// data (and test set; may be null), and returns the runs in the order of `specs`. `announce`:
/// print "training: <label> ..." before each run. `lr_at` as in run_training, for every run.
std::vector<RunLog> run_comparison(const Ops& ops, const Mlp& init, const Matrix& X, const std::vector<int>& y,
                                   const Matrix* test_x, const std::vector<int>* test_y,
                                   const std::vector<RunSpec>& specs, bool announce = false,
                                   const std::function<double(int)>& lr_at = {});

/// One CSV of all runs' curves: run,label,batch,optimizer,epoch,steps,examples,train_seconds,lr,
/// loss,accuracy,test_loss,test_accuracy.
void save_curves_csv(const std::string& path, const std::vector<RunLog>& runs);

/// One CSV of all runs' windowed losses: run,label,examples,steps,loss.
void save_window_csv(const std::string& path, const std::vector<RunLog>& runs);

/// Writes the runs' curves to `<dir>/<prefix>curves.csv` (save_curves_csv) and, when
/// `with_window`, their windowed losses to `<dir>/<prefix>window_loss.csv` (save_window_csv);
/// appends each path it writes to `written`.
void save_run_csvs(const std::string& dir, const std::string& prefix, const std::vector<RunLog>& runs,
                   bool with_window, std::vector<std::string>& written);

/// One plot series per run, one point per curve point. x: the epoch, or (`x_steps`) the optimizer
/// steps so far, leaving out the point before the first step so that x can be drawn on a log axis.
/// y: the training loss, or (`accuracy`) the training accuracy in %.
std::vector<Series> curve_series(const std::vector<RunLog>& runs, bool x_steps, bool accuracy);

/// One plot series per run: windowed training loss against examples processed ("linespoints").
std::vector<Series> window_loss_series(const std::vector<RunLog>& runs);

/// Line plot of every run's training loss after each epoch (curve_series), on a log y axis.
/// False when gnuplot is missing (see plot_lines).
bool plot_loss_per_epoch(const std::string& png_path, const std::string& title, const std::string& xlabel,
                         const std::vector<RunLog>& runs);

/// Line plot of every run's training accuracy (%) after each epoch (curve_series).
/// False when gnuplot is missing (see plot_lines).
bool plot_accuracy_per_epoch(const std::string& png_path, const std::string& title, const std::string& xlabel,
                             const std::vector<RunLog>& runs);

/// Line plot of every run's windowed minibatch loss against the training examples processed
/// (window_loss_series), the view inside an epoch; `logy`: log y axis. False when gnuplot is
/// missing or no run recorded windows (see plot_lines).
bool plot_window_loss(const std::string& png_path, const std::string& title, const std::vector<RunLog>& runs,
                      bool logy = false);

/// What each run learned on a 2-D problem, as one PNG: a panel per run (background: the class its
/// network predicts on a res × res grid over the points' bounding box grown by `margin`; title: the
/// run's label and final test accuracy), the training points on top. False when gnuplot is missing.
bool plot_run_boundaries(const std::string& png_path, const std::string& title, const Ops& ops,
                         const std::vector<RunLog>& runs, const ToyProblem& toy, float margin, int res);

/// The end of a comparison program: records this machine (machine_info) in `summary`, saves it
/// as `<dir>/summary.json`, appends that path to `written` and prints "wrote:" with every path
/// of `written`, one per line.
void save_summary_and_list(const std::string& dir, nlohmann::json& summary, std::vector<std::string>& written);

}  // namespace dnn
