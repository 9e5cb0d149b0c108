// Chapter 03: the options of the program, the data of one experiment, and what run() (run.cpp)
// hands to the reporting (report.cpp).
#pragma once

#include <string>
#include <vector>

#include "dnn/options.hpp"
#include "dnn/data.hpp"
#include "dnn/experiment.hpp"
#include "dnn/ops.hpp"
#include "dnn/toy_data.hpp"

namespace ch03 {

/// The options. --noise, --hidden, --activation, --epochs and --lr have defaults that depend on
/// --problem: main() fills in the problem's value when a flag is not given (use_problem_defaults
/// in main.cpp);
/// a value that is given is always used (or refused by the flag's check), never replaced.
struct Options {
  std::string problem = "moons";
  int points = 1000;
  float noise = 0;         // not given: -1, the problem's default (0.15 moons, 0.2 spirals)
  std::string hidden;      // not given: 16,16 (2-D) or 50,50 (mnist)
  std::string activation;  // not given: tanh (2-D) or relu (mnist)
  std::string backend = "naive";
  int epochs = 0;          // not given: 40 (2-D) or 1 (mnist)
  double lr = 0;           // not given: 0.1 (2-D) or 0.01 (mnist, the book's)
  int batch = 32;
  double momentum = 0.9;
  std::string sweep = "0.001,0.01,0.1,1,10";
  double lr_drop = 1.0;
  int lr_every = 10;
  int mnist_examples = 5000;
  int grid = 150;
  dnn::CommonOptions common;
  dnn::DataOptions data;
};

/// The chapter: the four ways of §3.2.1, the learning-rate sweep, the MNIST comparison.
int run(const Options& o);

/// The data of one experiment: a training set, a test set, the network shape.
struct Problem {
  std::string description;
  dnn::Matrix X, test_X;
  std::vector<int> y, test_y;
  int classes = 0;
  bool two_d = false;
  dnn::ToyProblem toy;  // the 2-D points (for the decision-boundary picture)
  std::string dataset;  // "MNIST", "Fashion-MNIST" or "synthetic digits" (plot titles)
};

/// Prints the table of a comparison: one row per run (batch, steps, final loss and accuracy, time,
/// examples/s); `with_test`: with the test accuracy column.
void print_table(const std::vector<dnn::RunLog>& runs, bool with_test);

/// The files of the four ways: curves.csv (+ window_loss.csv), the loss and accuracy per epoch and
/// the loss per step (more than one epoch), the windowed loss (`window`), and the decision
/// boundaries of each run (2-D problems). Appends every path written to `written`.
void report_comparison(const std::string& out, const Options& o, const Problem& p, const dnn::Ops& ops,
                       const std::vector<dnn::RunLog>& runs, bool window, std::vector<std::string>& written);

/// lr_sweep.csv and lr_sweep.png: the training loss of each learning rate of the sweep.
void report_sweep(const std::string& out, const Options& o, const std::vector<dnn::RunLog>& sweep_runs,
                  std::vector<std::string>& written);

/// mnist_curves.csv, mnist_window_loss.csv and mnist_loss.png of the MNIST comparison; returns
/// its runs for summary.json.
nlohmann::json report_mnist(const std::string& out, const Problem& m, const std::vector<dnn::RunLog>& mruns,
                            std::vector<std::string>& written);

/// summary.json (the problem, network, backend, each run's results, the MNIST runs) and the list
/// of every file written.
void report_summary(const std::string& out, const Options& o, const Problem& p, const std::string& shape,
                    const dnn::Ops& ops, const std::vector<dnn::RunLog>& runs, const nlohmann::json& mnist_json,
                    std::vector<std::string>& written);

}  // namespace ch03
