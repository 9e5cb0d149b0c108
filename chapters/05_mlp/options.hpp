// Command-line options of chapter 05 (the textbook's Keras MNIST MLP), their validation, and the
// settings a --resume takes from its checkpoint. Kept apart from main.cpp so the tests can check
// the parsing directly.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dnn/activation.hpp"
#include "dnn/checkpoint.hpp"
#include "dnn/options.hpp"
#include "dnn/data.hpp"
#include "dnn/ops.hpp"
#include "dnn/optimizer.hpp"
#include "dnn/train.hpp"

namespace CLI {
class App;  // CLI11 (dnn/cli.hpp): only options.cpp and main.cpp, which declare the flags, include it
}

namespace ch05 {

/// Everything the program can be told. Defaults = Keras's defaults in the textbook's §4.
struct Options {
  std::string backend = "eigen";     ///< --backend naive|eigen (cuda|cublas: chapter 07)
  std::string hidden = "50,50";      ///< --hidden: sizes of the hidden layers
  std::string activation = "relu";   ///< --activation of the hidden layers
  std::string optimizer = "sgd";     ///< --optimizer sgd|momentum|adam
  double lr = 0.01;                  ///< --lr (Keras SGD default 0.01)
  double momentum = 0.9;             ///< --momentum (for --optimizer momentum)
  int batch = 32;                    ///< --batch (Keras fit default 32)
  int epochs = 10;                   ///< --epochs (the textbook's 10)
  std::string checkpoint;            ///< --checkpoint FILE: save after every epoch
  std::string resume;                ///< --resume FILE: continue a saved run
  dnn::CommonOptions common;
  dnn::DataOptions data;
};

/// The parsed and checked values.
struct Config {
  dnn::Backend backend = dnn::Backend::Eigen;
  std::vector<int> hidden;
  dnn::Activation activation = dnn::Activation::ReLU;
  dnn::OptimizerConfig optimizer;
};

/// Declares every flag on `app`.
void add_options(CLI::App& app, Options& o);

/// "50,50" → {50, 50}: dnn::parse_sizes (cli.hpp), shared by every chapter.
using dnn::parse_sizes;

/// Checks every value (batch, epochs ≥ 1; lr > 0 and finite; momentum in [0, 1); sizes ≥ 1;
/// known names) and converts them; InputError naming the flag and what was expected.
/// GPU backends are refused here with a pointer to chapter 07.
Config validate(const Options& o);

/// --resume: loads the checkpoint `o.resume` and takes its settings (layers, activation,
/// optimizer, batch, seed) into `o` and `c`; a flag given on `app` with another value than the
/// checkpoint's is an InputError, and so is a checkpoint of other data than `ds`. Prints
/// "Resuming FILE: ..." and returns the checkpoint (network, optimizer state, history).
dnn::Checkpoint load_checkpoint_to_resume(const CLI::App& app, const dnn::Dataset& ds, Options& o, Config& c);

/// --checkpoint: what is saved after `epoch`: the data's name, size and `fingerprint`, the seed,
/// batch and epochs done, the trainer's weights and optimizer state, and the history so far.
dnn::Checkpoint checkpoint_after(int epoch, const Options& o, const Config& c, const dnn::Dataset& ds,
                                 std::uint32_t fingerprint, const dnn::Trainer& trainer,
                                 const std::vector<dnn::EpochStats>& history);

}  // namespace ch05
