// Chapter 07 — what the files of 07_fast share: main.cpp (the options and the training run),
// backends.cpp (choosing a trainer), ladder.cpp (the CPU and GPU speed ladders) and report.cpp
// (everything printed and written after the training). The chapter's exercises: sparse.hpp.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dnn/options.hpp"
#include "dnn/data.hpp"
#include "dnn/fast_cpu.hpp"
#include "dnn/log.hpp"
#include "dnn/mlp.hpp"
#include "dnn/optimizer.hpp"
#include "dnn/train.hpp"

namespace ch07 {

using namespace dnn;

struct Options {
  std::string backend = "fastcpu";
  std::string gpu_variant = "persistent";
  std::string hidden = "50,50";
  double lr = 0.01;
  int batch = 32;
  int epochs = 10;
  bool ladder = false;
  int ladder_epochs = 3;
  bool ladder_exercise = false;
  bool gpu_ladder = false;
  double pytorch_seconds = 0;
  std::string json;
  CommonOptions common;
  DataOptions data;
};

// ---------------------------------------------------------------- backends.cpp

/// The checks CLI11 cannot make: names of --backend and --gpu-variant, flags that exclude each
/// other, ranges; InputError naming the flag and what was expected.
void validate(const Options& o);

/// Exit code 2 with the reason when a GPU backend is asked for and there is no usable GPU.
void require_gpu(const std::string& what);
/// The trainer of `backend` (fastcpu with `features`, eigen, naive, cuda with `gpu_variant`, cublas).
std::unique_ptr<Trainer> make_trainer(const std::string& backend, const std::string& gpu_variant, const Mlp& net,
                                      const OptimizerConfig& opt, const Dataset& ds, int batch,
                                      FastCpuFeatures features = {});
/// "784-50-50-10".
std::string model_text(const std::vector<int>& sizes);

// ---------------------------------------------------------------- ladder.cpp

/// The CPU speed ladder (`cpu`: --ladder) or the GPU ladder (--gpu-ladder): every step timed in one run.
int run_ladder(const Options& o, const Dataset& ds, const std::vector<int>& sizes, const OptimizerConfig& opt,
               bool cpu, OutputFileFlag& json);

/// --ladder-exercise: layer 1 (Z1 = X·W1 + b1, dW1 = Xᵀ·dZ1) of --ladder-epochs epochs on the
/// exercise functions of sparse.hpp (the bodies this program links), timed beside the whole epochs
/// of the ladder's step 2, and checked against the dense loops on the first minibatch.
int run_ladder_exercise(const Options& o, const Dataset& ds, const std::vector<int>& sizes,
                        const OptimizerConfig& opt);

/// One step of a ladder.
struct Rung {
  std::string label;     // shown in the table and the chart
  std::string backend;   // fastcpu / eigen / cuda / cublas
  FastCpuFeatures features;
  std::string gpu_variant;
  std::string why_slower;  // printed when this step measures slower than the step it builds on
  int base = -1;           // the rung (index) this step builds on; -1: the one listed before it
};

/// What one step measured.
struct RungResult {
  Rung rung;
  std::vector<double> epoch_seconds;      // wall clock
  std::vector<double> epoch_cpu_seconds;  // CPU time of the training thread
  double median = 0, min = 0, cpu_median = 0;
  double total_seconds = 0;   // setup (upload, CSR) + all epochs
  double setup_seconds = 0;
  double train_loss = 0, test_accuracy = 0, test_loss = 0;
  std::string error;  // non-empty: this step failed (the others still run and are reported)
  std::string note;   // non-empty: the step ran something else, and why (FastCpuTrainer::pixel_bytes_note)
};

// ---------------------------------------------------------------- report.cpp

/// Prints the model, backend and setup lines of a training run; returns the summary's "extra".
nlohmann::json print_setup(const Options& o, const std::vector<int>& sizes, const Mlp& net,
                           const OptimizerConfig& opt, Trainer& trainer);
/// Prints the test result and the timing, writes history.csv, summary.json (and --json).
void report_training(const Options& o, const Dataset& ds, const std::vector<int>& sizes, const OptimizerConfig& opt,
                     const Trainer& trainer, const std::vector<EpochStats>& history, const EvalResult& test,
                     double setup_seconds, double fit_seconds, const nlohmann::json& extra, OutputFileFlag& json);
/// Prints the ladder's table and writes ladder.csv/json/png (gpu_ladder.* for the GPU); returns the
/// exit code (kExitFailure when a step failed).
int report_ladder(const Options& o, const Dataset& ds, const std::vector<int>& sizes, const OptimizerConfig& opt,
                  bool cpu, const std::vector<RungResult>& all, OutputFileFlag& json);

}  // namespace ch07
