// Command-line options of chapter 05 (the textbook's Keras MNIST MLP) and their validation.
// Kept apart from main.cpp so the tests can check the parsing directly.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "dnn/activation.hpp"
#include "dnn/cli.hpp"
#include "dnn/data.hpp"
#include "dnn/ops.hpp"
#include "dnn/optimizer.hpp"

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
  bool bench = false;                ///< --bench: time epochs per backend and batch, write JSON
  int bench_epochs = 3;              ///< --bench-epochs
  std::string bench_backends = "naive,eigen";  ///< --bench-backends
  std::string bench_batches = "32,256";        ///< --bench-batches
  dnn::CommonOptions common;
  dnn::DataOptions data;
};

/// The parsed and checked values.
struct Config {
  dnn::Backend backend = dnn::Backend::Eigen;
  std::vector<int> hidden;
  dnn::Activation activation = dnn::Activation::ReLU;
  dnn::OptimizerConfig optimizer;
  std::vector<dnn::Backend> bench_backends;
  std::vector<int> bench_batches;
};

/// Declares every flag on `app`.
void add_options(CLI::App& app, Options& o);

/// "50,50" → {50, 50}: dnn::parse_sizes (cli.hpp), shared by every chapter.
using dnn::parse_sizes;

/// Checks every value (batch, epochs ≥ 1; lr > 0 and finite; momentum in [0, 1); sizes ≥ 1;
/// known names) and converts them; InputError naming the flag and what was expected.
/// GPU backends are refused here with a pointer to chapter 07.
Config validate(const Options& o);

}  // namespace ch05
