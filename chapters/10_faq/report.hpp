// Chapter 10: the experiments' tables (CSV) and plots (PNG), written into the --out folder.
#pragma once

#include <string>
#include <vector>

#include "dnn/matrix.hpp"
#include "faq.hpp"

namespace ch10 {

/// One finished run of the best-MLP experiment.
struct BestRow {
  std::string label;
  TrainSpec spec;
  TrainResult result;
};

/// best_curves.csv/png: test accuracy after every epoch of the long runs.
void report_best_curves(const std::string& out, const std::vector<BestRow>& runs);
/// ablation.csv and ablation.png: one bar per row.
void report_ablation(const std::string& out, const std::vector<BestRow>& rows);

/// One row of the depth table: mean ± std over seeds of one (budget, depth, optimizer).
struct DepthRow {
  long budget = 0;
  int hidden_layers = 0;
  int width = 0;
  long params = 0;
  std::string optimizer;
  std::vector<double> accuracies;  ///< one per seed
  double mean = 0, stdev = 0;
};
/// depth.csv and depth.png (accuracy vs hidden layers, one line per budget × optimizer).
void report_depth(const std::string& out, const std::vector<DepthRow>& rows);

/// Telgarsky's sawtooth: points, the hand-built deep net, and the best shallow nets.
struct SawtoothReport {
  int k = 0;
  std::vector<double> x, y;                 ///< the 2^k + 1 points
  std::vector<double> grid, deep_curve;     ///< the hand-built net on a fine grid
  std::vector<int> widths;                  ///< shallow widths tried
  std::vector<double> shallow_error;        ///< best mean squared error of each width
  std::vector<double> gd_deep_error;        ///< mean squared error of GD-trained deep nets (per seed)
  std::vector<double> shallow_fit_grid;     ///< the best shallow net of the largest width on the grid
};
/// sawtooth.csv, sawtooth_fit.png, sawtooth_width.png.
void report_sawtooth(const std::string& out, const SawtoothReport& s);

/// One model's learning curve: mean test error (over seeds) per training-set size, the fit.
struct LearningCurve {
  std::string model;
  std::vector<int> sizes;
  std::vector<double> mean_accuracy, std_accuracy;
  double fit_a = 0, fit_b = 0, fit_c = 0;  ///< error(N) ≈ c + a·N^(−b) (c fixed at 0 when not fitted)
  double n95 = 0, n97 = 0;                 ///< N needed for 95 / 97 % (from the fit; 0 = never)
};
/// learning_curves.csv and learning_curves.png (log-log error vs N, with the fits).
void report_learning_curves(const std::string& out, const std::string& name, const std::vector<LearningCurve>& c);
/// augment_gallery.png: originals (top row) and distortions of them below.
void report_gallery(const std::string& out, const dnn::Matrix& images, int side, int columns);

/// One timing point of §8.3.
struct TimePoint {
  std::string path;  ///< "eigen" (dense, TunedTrainer) or "fastcpu" (chapter 07's sparse layer 1)
  int width = 0, batch = 0;
  double flops_per_example = 0, bytes_per_step = 0;
  double measured_s_per_epoch = 0, predicted_s_per_epoch = 0;
  double error = 0;  ///< predicted / measured − 1
};
/// time_model.csv and time_model.png (predicted vs measured).
void report_time(const std::string& out, const std::vector<TimePoint>& points);
/// time_to_accuracy.csv and .png (test accuracy vs seconds per optimizer × batch).
void report_time_to_accuracy(const std::string& out, const std::vector<BestRow>& runs);

}  // namespace ch10
