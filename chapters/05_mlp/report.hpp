// Chapter 05's reporting: the Keras-like model summary, and what a finished run writes to --out
// (history.csv is written by main.cpp while it trains): confusion matrix, gallery of mistakes,
// training curves and summary.json.
#pragma once

#include <string>
#include <vector>

#include "dnn/data.hpp"
#include "dnn/mlp.hpp"
#include "dnn/optimizer.hpp"
#include "dnn/train.hpp"
#include "options.hpp"

namespace ch05 {

/// The data's one-line description, and a note when `batch` is more than its training examples.
void print_data(const dnn::Dataset& ds, int batch);

/// "Model: 784-50-50-10 (Dense(50, relu) -> ...), N trainable parameters" and the training line.
void print_summary(const dnn::Mlp& net, const std::string& backend, const dnn::OptimizerConfig& opt, int batch,
                   int epochs);

/// What a finished run hands to write_results.
struct RunResult {
  std::string backend;                  ///< the trainer's name
  std::vector<int> layers;              ///< layer sizes, e.g. {784, 50, 50, 10}
  long parameters = 0;                  ///< trainable parameters of the network
  dnn::EvalResult test;                 ///< model.evaluate on the test set after training
  std::vector<int> predictions;         ///< predicted class of every test image
  std::vector<dnn::EpochStats> history; ///< every epoch, those of a resumed run included
  int first_epoch = 0;                  ///< epochs done before this run (resume)
  double train_seconds = 0;             ///< wall time of this run's epochs
};

/// Writes confusion.csv/png, mistakes.csv/png, loss_curves.png, accuracy_curves.png and
/// summary.json into o.common.out_dir, printing "wrote FILE" for each.
void write_results(const Options& o, const Config& c, const dnn::Dataset& ds, const RunResult& r);

}  // namespace ch05
