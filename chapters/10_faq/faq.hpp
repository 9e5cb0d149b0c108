// Chapter 10: the book's FAQ (§8) answered by experiment. What the experiment files share:
// the options, one training run (train_mlp) and the results each experiment hands to report.cpp.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "augment.hpp"
#include "dnn/options.hpp"
#include "dnn/data.hpp"
#include "dnn/optimizer.hpp"
#include "dnn/train.hpp"
#include "tuned_trainer.hpp"

namespace ch10 {

/// Everything the program can be told (main.cpp declares the flags).
struct Options {
  std::string experiment = "all";  ///< --experiment depth|data|time|best|all
  bool quick = false;              ///< --quick: small grids for CI (seconds, not hours)
  std::string json;                ///< --json FILE: the summary (keys depth, data, time, best)
  int seeds = 3;                   ///< --seeds: repetitions of every grid point
  // §8.1 depth
  std::string budgets = "42310,400000";  ///< --budgets: parameter budgets (42 310 = the textbook MLP)
  std::string depths = "0,1,2,3,4";      ///< --depths: hidden layers (0 = softmax regression)
  int depth_epochs = 10;                 ///< --depth-epochs
  int sawtooth_k = 6;                    ///< --sawtooth-k: 2^k points, a 2-wide net k layers deep
  // §8.2 data
  std::string sizes = "100,300,1000,3000,10000,30000,60000";  ///< --sizes: training-set sizes
  int data_epochs = 0;          ///< --data-epochs: 0 = about --data-examples examples (10 … 200 epochs)
  int data_examples = 600000;   ///< --data-examples: training examples per run when --data-epochs is 0
  std::string models = "ncm,softmax,textbook,wide,distorted";  ///< --models: the learning curves to draw
  // §8.3 time
  std::string widths = "50,100,200,500,1000,2000";  ///< --widths: hidden widths timed (784-w-10)
  std::string batches = "1,8,32,128,1024";          ///< --batches
  // best plain MLP
  std::string best_part = "all";  ///< --best-part plain|augmented|ablation|all
  std::string hidden = "800,800"; ///< --hidden
  int epochs = 30;                ///< --epochs (plain); the augmented run does --augmented-epochs
  int augmented_epochs = 60;      ///< --augmented-epochs
  int ablation_epochs = 10;       ///< --ablation-epochs
  int batch = 128;                ///< --batch
  double lr = 1e-3;               ///< --lr (Adam)
  double lr_decay = 0.9;          ///< --lr-decay: η_e = η·decay^e
  double dropout = 0.3;           ///< --dropout (hidden units)
  double weight_decay = 0.0;      ///< --weight-decay λ
  double augmented_lr_decay = 0.95;  ///< --augmented-lr-decay: the longer augmented run decays slower
  double augmented_dropout = 0.1;    ///< --augmented-dropout: distortions already regularise
  bool resume = false;            ///< --resume: continue the best runs from their checkpoints in --out
  dnn::CommonOptions common;
  dnn::DataOptions data;
};

/// The models of §8.2's learning curves that --models names (ncm, softmax, textbook, wide,
/// distorted), in the order given; InputError for any other word.
std::vector<std::string> parse_models(const std::string& text);

/// Checks every value of `o` (InputError naming the flag, exit 2) before any work starts.
void validate(const Options& o);
/// The program: loads the data, runs the chosen experiments, writes the results.
int run(const Options& o);

/// One training run.
struct TrainSpec {
  std::string label;
  std::vector<int> hidden;            ///< empty = softmax regression
  dnn::OptimizerConfig opt;
  float lr_decay = 1.0f;              ///< η_e = opt.lr · lr_decay^e
  Regularization reg;
  AugmentConfig augment;              ///< augment.any(): a new distortion every epoch
  int epochs = 10;
  int batch = 32;
  std::uint64_t seed = 42;            ///< initial weights, order, dropout, distortions
  std::string checkpoint;             ///< "" = none; else saved after every epoch
  std::uint32_t data_fingerprint = 0; ///< dnn::data_fingerprint of the training set, kept in the checkpoint
  bool resume = false;                ///< continue from `checkpoint` when it exists
  bool verbose = true;                ///< Keras-style lines and progress bar
  double stop_at_accuracy = 0;        ///< > 0: stop after the first epoch reaching this test accuracy
  /// false: evaluate the test set once, at the end (a learning curve only needs the final accuracy,
  /// and at N = 100 the 200 evaluations of 10 000 test images would cost 50× the training).
  bool evaluate_each_epoch = true;
};

struct TrainResult {
  std::vector<dnn::EpochStats> history;
  double test_accuracy = 0;
  double best_test_accuracy = 0;
  double train_seconds = 0;  ///< sum of the epochs' training time (all sessions, resumes included)
  long parameters = 0;
};

/// Trains an MLP on (train_x, train_y) as `spec` says, evaluating on the test set after every
/// epoch (fit of train.hpp over a TunedTrainer).
TrainResult train_mlp(const TrainSpec& spec, const dnn::Matrix& train_x, const std::vector<int>& train_y,
                      const dnn::Matrix& test_x, const std::vector<int>& test_y, const std::string& dataset);

/// The rows `rows` of (X, y) as a new training set.
void take_rows(const dnn::Matrix& X, const std::vector<int>& y, const std::vector<int>& rows, dnn::Matrix& sub_x,
               std::vector<int>& sub_y);

// The experiments, one file each. Every one returns its part of the --json summary and writes
// its CSV/PNG files into `out`.
nlohmann::json run_depth(const Options& o, const dnn::Dataset& ds, const std::string& out);
nlohmann::json run_sawtooth(const Options& o, const std::string& out);
nlohmann::json run_data(const Options& o, const dnn::Dataset& ds, const std::string& out);
nlohmann::json run_time(const Options& o, const dnn::Dataset& ds, const std::string& out);
nlohmann::json run_best(const Options& o, const dnn::Dataset& ds, const std::string& out);

}  // namespace ch10
