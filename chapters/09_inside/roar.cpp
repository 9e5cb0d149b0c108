// Chapter 09 — ROAR: RemOve And Retrain (Hooker et al. 2019).
//
// Deletion curves punish a map for removing pixels the model was merely not used to seeing black.
// ROAR removes the same pixels from every *training* image too and retrains from scratch: if the
// accuracy still falls faster than when removing random pixels, the removed pixels carried the
// information. For each method, fraction f of each image's pixels (highest attribution first,
// attributions of the trained model for the true label) are set to 0 in the first --roar-train
// training images and 2,000 test images; the textbook model is retrained (chapter 07's fast CPU
// trainer, --epochs epochs) and tested. AUC over f in [0, 0.9] (f = 0: the unmasked retraining).
#include <algorithm>
#include <cstdio>

#include "dnn/log.hpp"
#include "dnn/rng.hpp"
#include "experiments.hpp"
#include "report.hpp"

namespace ch09 {

namespace {

// Per image, the pixel order of a method (or a random order).
std::vector<std::vector<int>> orders_of(const Context& c, const std::string& method, const dnn::Matrix& images,
                                        const std::vector<int>& labels, std::uint64_t seed) {
  const int n = images.rows, d = images.cols;
  std::vector<std::vector<int>> o;
  if (method == "random") {
    dnn::Rng rng(seed);
    for (int i = 0; i < n; ++i) {
      std::vector<int> p(static_cast<std::size_t>(d));
      for (int j = 0; j < d; ++j) p[static_cast<std::size_t>(j)] = j;
      rng.shuffle(p);
      o.push_back(std::move(p));
    }
    return o;
  }
  Method m = Method::Gradient;
  for (Method k : all_methods())
    if (method_name(k) == method) m = k;
  AttributionSettings s = c.settings;
  s.ig_steps = std::min(s.ig_steps, 20);       // 20 steps: the ranking, not the sum, matters here
  s.smooth_samples = std::min(s.smooth_samples, 10);
  const int chunk = 500;
  for (int start = 0; start < n; start += chunk) {
    const int k = std::min(chunk, n - start);
    std::vector<int> rows(static_cast<std::size_t>(k));
    for (int i = 0; i < k; ++i) rows[static_cast<std::size_t>(i)] = start + i;
    const MatrixD maps = attribute(m, c.net, rows_as_double(images, rows), std::vector<int>(labels.begin() + start, labels.begin() + start + k), s);
    for (int i = 0; i < k; ++i) o.push_back(ranking(maps.row(i), d));
  }
  return o;
}

dnn::Matrix remove_top(const dnn::Matrix& X, const std::vector<std::vector<int>>& order, double f) {
  dnn::Matrix out = X;
  const int removed = static_cast<int>(f * X.cols + 0.5);
  for (int i = 0; i < X.rows; ++i)
    for (int r = 0; r < removed; ++r) out(i, order[static_cast<std::size_t>(i)][static_cast<std::size_t>(r)]) = 0.0f;
  return out;
}

}  // namespace

nlohmann::json roar(const Context& c) {
  const int n_train = std::min(c.o.roar_train, c.ds.train_size()), n_test = std::min(2000, c.ds.test_size());
  dnn::Matrix train_x(n_train, c.ds.train_x.cols), test_x(n_test, c.ds.test_x.cols);
  std::copy(c.ds.train_x.data.begin(), c.ds.train_x.data.begin() + static_cast<long>(train_x.data.size()), train_x.data.begin());
  std::copy(c.ds.test_x.data.begin(), c.ds.test_x.data.begin() + static_cast<long>(test_x.data.size()), test_x.data.begin());
  const std::vector<int> train_y(c.ds.train_y.begin(), c.ds.train_y.begin() + n_train);
  const std::vector<int> test_y(c.ds.test_y.begin(), c.ds.test_y.begin() + n_test);
  std::vector<std::string> methods{"gradient", "grad_x_input", "ig_black", "random"};
  std::vector<double> fractions{0.0, 0.1, 0.3, 0.5, 0.7, 0.9};
  int seeds = c.o.roar_seeds;
  if (c.o.full) {
    methods = {"gradient", "grad_x_input", "smoothgrad", "ig_black", "ig_blur", "occlusion", "random"};
    fractions = {0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9};
    seeds = std::max(seeds, 3);
  }
  std::printf("ROAR: %zu methods x %zu fractions x %d seed(s), retraining on %d images for %d epochs ...\n",
              methods.size(), fractions.size() - 1, seeds, n_train, c.o.epochs);
  std::fflush(stdout);
  // f = 0 is the same for every method: retrain on the unmasked images once per seed.
  std::vector<double> base(static_cast<std::size_t>(seeds));
  for (int s = 0; s < seeds; ++s)
    base[static_cast<std::size_t>(s)] =
        accuracy(to_double(train_textbook_model(train_x, train_y, c.ds.classes, c.o.epochs, c.o.common.seed + s)),
                 rows_as_double(test_x), test_y);
  dnn::CsvTable csv({"method", "fraction_removed", "seed", "test_accuracy"});
  nlohmann::json auc = nlohmann::json::object(), curves = nlohmann::json::object();
  std::vector<dnn::Series> series;
  for (const std::string& m : methods) {
    const auto train_order = orders_of(c, m, train_x, train_y, c.o.common.seed + 21);
    const auto test_order = orders_of(c, m, test_x, test_y, c.o.common.seed + 22);
    dnn::Series line{readable(m), {}, {}, "linespoints"};
    std::vector<double> areas(static_cast<std::size_t>(seeds));
    std::vector<std::vector<double>> acc_per_seed(static_cast<std::size_t>(seeds));
    for (double f : fractions) {
      double mean = 0;
      const dnn::Matrix tr = f > 0 ? remove_top(train_x, train_order, f) : train_x;
      const MatrixD te = rows_as_double(f > 0 ? remove_top(test_x, test_order, f) : test_x);
      for (int s = 0; s < seeds; ++s) {
        const double acc = f > 0 ? accuracy(to_double(train_textbook_model(tr, train_y, c.ds.classes, c.o.epochs,
                                                                           c.o.common.seed + s)),
                                            te, test_y)
                                 : base[static_cast<std::size_t>(s)];
        acc_per_seed[static_cast<std::size_t>(s)].push_back(acc);
        csv.add_row(std::vector<std::string>{m, dnn::format_number(f), std::to_string(s), dnn::format_number(acc, 5)});
        mean += acc / seeds;
      }
      line.x.push_back(f);
      line.y.push_back(mean);
    }
    double mean_area = 0;
    std::vector<double> per_seed;
    for (int s = 0; s < seeds; ++s) {
      per_seed.push_back(trapezoid_area(fractions, acc_per_seed[static_cast<std::size_t>(s)]));
      mean_area += per_seed.back() / seeds;
    }
    auc[m] = {{"mean", mean_area}, {"per_seed", per_seed}};
    curves[m] = {{"fractions", fractions}, {"mean_accuracy", line.y}};
    std::printf("  %-14s AUC %.4f (mean of %d seed(s))\n", m.c_str(), mean_area, seeds);
    std::fflush(stdout);
    line.label += " (AUC " + dnn::format_number(mean_area, 3) + ")";
    series.push_back(line);
  }
  save_and_say(csv, dnn::join_path(c.out, "roar.csv"));
  plot_and_say(dnn::join_path(c.out, "roar.png"),
               {"ROAR: remove the top pixels of each image from training and test data, retrain (lower = more faithful)",
                "fraction of pixels removed", "test accuracy after retraining", false, false, 900, 600},
               series);
  return {{"auc", auc}, {"curves", curves}, {"seeds", seeds}, {"train_images", n_train}, {"epochs", c.o.epochs}};
}

}  // namespace ch09
