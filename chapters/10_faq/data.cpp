// Chapter 10, §8.2 (数据量): how much data does a network need?
//
// The book: a deep network needs "至少几万个样本" (at least tens of thousands of samples). The
// experiment measures learning curves — test accuracy against the training-set size N, each N its
// own random subset, several seeds — for four models of growing capacity: nearest class mean
// (no training at all), softmax regression (linear), the textbook MLP (784-50-50-10, its SGD) and
// a wide MLP (784-800-10, Adam). Each curve gets a power-law fit, error(N) ≈ a·N^(−b) (a straight
// line on log-log axes), from which the N for 95 % and 97 % test accuracy are read. Then the
// wide MLP again with a new random distortion of every image each epoch (augment.hpp).
//
// The full grid takes hours: every finished run is one line of --out/data_runs.jsonl, and
// `--resume` reuses the lines of an earlier (stopped) run instead of training them again.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>

#include "dnn/error.hpp"
#include "dnn/log.hpp"
#include "dnn/rng.hpp"
#include "faq.hpp"
#include "report.hpp"
#include "run_log.hpp"

namespace ch10 {

using namespace dnn;

namespace {

// Nearest class mean: each class is represented by its mean image; a test image gets the class
// whose mean is closest (Euclidean). The simplest "learner": it only averages.
double nearest_class_mean_accuracy(const Matrix& X, const std::vector<int>& y, const Matrix& test_x,
                                   const std::vector<int>& test_y, int classes) {
  Matrix means(classes, X.cols, 0.0f);
  std::vector<int> count(static_cast<std::size_t>(classes), 0);
  for (int i = 0; i < X.rows; ++i) {
    const int c = y[static_cast<std::size_t>(i)];
    ++count[static_cast<std::size_t>(c)];
    for (int k = 0; k < X.cols; ++k) means(c, k) += X(i, k);
  }
  for (int c = 0; c < classes; ++c)
    for (int k = 0; k < X.cols; ++k) means(c, k) /= std::max(1, count[static_cast<std::size_t>(c)]);
  long correct = 0;
  for (int i = 0; i < test_x.rows; ++i) {
    int best = 0;
    double best_d = 1e300;
    for (int c = 0; c < classes; ++c) {
      if (count[static_cast<std::size_t>(c)] == 0) continue;  // a class absent from a tiny subset
      double d = 0;
      for (int k = 0; k < X.cols; ++k) d += std::pow(test_x(i, k) - means(c, k), 2);
      if (d < best_d) best_d = d, best = c;
    }
    correct += best == test_y[static_cast<std::size_t>(i)];
  }
  return static_cast<double>(correct) / test_x.rows;
}

// error(N) ≈ a·N^(−b): least squares on (log N, log error); then N(target error) = (a/err)^(1/b).
void fit_power_law(LearningCurve& c) {
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  const double m = static_cast<double>(c.sizes.size());
  for (std::size_t i = 0; i < c.sizes.size(); ++i) {
    const double lx = std::log(c.sizes[i]), ly = std::log(std::max(1e-4, 1.0 - c.mean_accuracy[i]));
    sx += lx, sy += ly, sxx += lx * lx, sxy += lx * ly;
  }
  const double slope = (m * sxy - sx * sy) / std::max(1e-12, m * sxx - sx * sx);
  c.fit_b = -slope;
  c.fit_a = std::exp((sy - slope * sx) / m);
  auto needed = [&](double err) { return c.fit_b > 1e-3 ? std::pow(c.fit_a / err, 1.0 / c.fit_b) : 0.0; };
  c.n95 = needed(0.05);
  c.n97 = needed(0.03);
}

struct Model {
  std::string name;
  std::vector<int> hidden;  // unused for "ncm"
  OptimizerKind opt;
  float lr;
  bool augment = false;
};

}  // namespace

nlohmann::json run_data(const Options& o, const Dataset& ds, const std::string& out) {
  const std::vector<int> sizes = parse_sizes(o.sizes, "--sizes", 60000);
  for (int n : sizes)
    if (n > ds.train_size())
      throw InputError("--sizes: " + std::to_string(n) + " is more than the " + std::to_string(ds.train_size()) +
                       " training examples of " + ds.name);
  const int wide = o.quick ? 100 : 800;
  const std::map<std::string, Model> known{
      {"ncm", {"nearest class mean", {}, OptimizerKind::SGD, 0, false}},
      {"softmax", {"softmax regression", {}, OptimizerKind::Adam, 0.001f, false}},
      {"textbook", {"textbook MLP 784-50-50-10 (SGD 0.01)", {50, 50}, OptimizerKind::SGD, 0.01f, false}},
      {"wide", {"MLP 784-" + std::to_string(wide) + "-10 (Adam)", {wide}, OptimizerKind::Adam, 0.001f, false}},
      {"distorted", {"MLP 784-" + std::to_string(wide) + "-10 + distortions", {wide}, OptimizerKind::Adam, 0.001f, true}}};
  std::vector<Model> models;
  for (const std::string& key : parse_models(o.models)) models.push_back(known.at(key));
  RunLog log(join_path(out, "data_runs.jsonl"), o.resume, data_fingerprint(ds), "data");
  std::vector<LearningCurve> curves;
  nlohmann::json j = nlohmann::json::object();
  for (const Model& m : models) {
    LearningCurve c;
    c.model = m.name;
    for (int n : sizes) {
      const int epochs = o.data_epochs > 0 ? o.data_epochs : std::clamp(o.data_examples / n, 10, 200);
      std::vector<double> acc;
      for (int s = 0; s < o.seeds; ++s) {
        Rng pick(o.common.seed * 7919 + static_cast<std::uint64_t>(n) * 31 + static_cast<std::uint64_t>(s));
        std::vector<int> rows = iota_indices(ds.train_size());
        pick.shuffle(rows);
        rows.resize(static_cast<std::size_t>(n));
        Matrix sub_x;
        std::vector<int> sub_y;
        take_rows(ds.train_x, ds.train_y, rows, sub_x, sub_y);
        const int run_epochs = m.name == "nearest class mean" ? 0 : epochs;
        const nlohmann::json run = {{"model", m.name}, {"n", n}, {"seed", o.common.seed}, {"repeat", s},
                                    {"epochs", run_epochs}};
        if (const std::optional<double> done = log.find(run)) {
          acc.push_back(*done);
          continue;
        }
        if (m.name == "nearest class mean") {
          acc.push_back(nearest_class_mean_accuracy(sub_x, sub_y, ds.test_x, ds.test_y, ds.classes));
          log.add(run, acc.back());
          continue;
        }
        TrainSpec spec;
        spec.hidden = m.hidden;
        spec.opt.kind = m.opt;
        spec.opt.lr = m.lr;
        spec.epochs = epochs;
        spec.batch = 32;
        spec.seed = o.common.seed + static_cast<std::uint64_t>(s);
        spec.verbose = false;
        spec.evaluate_each_epoch = false;
        if (m.augment) spec.augment = simard_augment();
        acc.push_back(train_mlp(spec, sub_x, sub_y, ds.test_x, ds.test_y, ds.name).test_accuracy);
        log.add(run, acc.back());
      }
      double mean = 0, sq = 0;
      for (double a : acc) mean += a / static_cast<double>(acc.size());
      for (double a : acc) sq += (a - mean) * (a - mean);
      c.sizes.push_back(n);
      c.mean_accuracy.push_back(mean);
      c.std_accuracy.push_back(acc.size() > 1 ? std::sqrt(sq / static_cast<double>(acc.size() - 1)) : 0.0);
      std::printf("data: %-40s N = %5d (%3d epochs): test accuracy %.4f +- %.4f\n", m.name.c_str(), n,
                  m.name == "nearest class mean" ? 0 : epochs, mean, c.std_accuracy.back());
      std::fflush(stdout);
    }
    fit_power_law(c);
    std::printf("data: %s: error ~ %.3g * N^-%.3f; N for 95 %%: %.0f, for 97 %%: %.0f\n", c.model.c_str(), c.fit_a,
                c.fit_b, c.n95, c.n97);
    j[c.model] = {{"sizes", c.sizes},   {"mean_accuracy", c.mean_accuracy}, {"std_accuracy", c.std_accuracy},
                  {"power_law_a", c.fit_a}, {"power_law_exponent", c.fit_b}, {"n_for_95", c.n95},
                  {"n_for_97", c.n97}};
    curves.push_back(c);
  }
  report_learning_curves(out, "learning_curves", curves);
  // The gallery: 8 digits (top row) and three distortions of each (rows below).
  const int cols = 8;
  Matrix originals(cols, ds.input_size()), gallery(4 * cols, ds.input_size()), distorted;
  for (int i = 0; i < cols; ++i) std::copy(ds.train_x.row(i), ds.train_x.row(i) + ds.input_size(), originals.row(i));
  for (int r = 0; r < 4; ++r) {
    if (r == 0)
      distorted = originals;
    else
      distort_all(originals, distorted, simard_augment(), o.common.seed, r);
    for (int i = 0; i < cols; ++i) std::copy(distorted.row(i), distorted.row(i) + ds.input_size(), gallery.row(r * cols + i));
  }
  report_gallery(out, gallery, ds.height, cols);
  return j;
}

}  // namespace ch10
