// Chapter 02: the options of the program and its two experiments — the gradient check
// (gradient_check.cpp) and the sign of the update step (update_sign.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dnn/options.hpp"
#include "dnn/data.hpp"
#include "dnn/log.hpp"
#include "dnn/ops.hpp"

namespace ch02 {

/// The defaults of --h and --tolerance: a failure with other values may be the check's own error.
constexpr double kDefaultH = 1e-3, kDefaultTolerance = 1e-7;

/// The options of the program.
struct Options {
  dnn::CommonOptions common;
  dnn::DataOptions data;
  std::string backend = "eigen";  ///< --backend of the update-sign demo
  bool planted_bug = false;       ///< --planted-bug: backpropagate with the textbook's δ = ∂E/∂Y
  double h = kDefaultH;           ///< --h: step of the central differences
  double tolerance = kDefaultTolerance;  ///< --tolerance: a tensor passes below this max relative error
  int batch = 8;                  ///< --batch: examples in the gradient check
  int pool = 4;                   ///< --pool: downsampling of the images for the check
  std::string hidden = "8,8";     ///< --hidden: hidden sizes of the checked networks
};

/// One checked parameter tensor, for the bar chart gradcheck.png.
struct CheckBar {
  std::string network, tensor;
  double error;
  bool pass;
};

/// The outcome of the gradient check of every network.
struct CheckResult {
  dnn::CsvTable csv{{"network", "layer", "tensor", "rows", "cols", "max_abs_diff", "max_rel_error", "tolerance",
                     "pass"}};             ///< gradcheck.csv: one row per tensor
  std::vector<CheckBar> bars;              ///< one per tensor, in the order of the table
  int failures = 0;                        ///< tensors that fail (backprop's fault)
  int kink_failures = 0;                   ///< tensors that fail only because θ ± 2h crossed ReLU's kink
};

/// Part 1: compares backpropagation with central differences on five small networks (sigmoid,
/// tanh with softmax/cross-entropy and MSE, ReLU), in double precision, on the first o.batch
/// training digits downsampled by o.pool; prints one table row per parameter tensor.
CheckResult check_gradients(const Options& o, const dnn::Dataset& ds, const std::vector<int>& hidden);

/// The exit code of the program after the check: 0 when every tensor passes (or the planted bug
/// fails as it should, with a question to the reader), 1 with a message on stderr saying whether
/// the backward pass or the check's own settings (--h, --tolerance) are the likely cause.
int verdict(const Options& o, int failures);

/// Part 2: one update step of the textbook's 784-50-50-10 network on 32 training digits with
/// each sign, W − η·∂E/∂W (descent) and the textbook's W + ΔW, for three η; prints the table and
/// returns it for update_sign.csv.
dnn::CsvTable update_sign_demo(const dnn::Ops& ops, const dnn::Dataset& ds, std::uint64_t seed);

/// Writes gradcheck.csv, update_sign.csv and gradcheck.png (when gnuplot is there) and lists them.
void write_files(const Options& o, const CheckResult& check, const dnn::CsvTable& sign_csv);

}  // namespace ch02
