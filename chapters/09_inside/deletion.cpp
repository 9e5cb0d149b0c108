// Chapter 09 — faithfulness without retraining: deletion curves.
//
// If a map is faithful, the pixels it ranks first should be the ones the model needs: set them to
// 0 (black, "no ink") in that order and the accuracy should fall fast. For each method we remove
// 0 %, 10 %, … 100 % of each image's pixels, highest attribution first, and measure the accuracy of
// the unchanged model; "random" removes pixels in a random order. The area under the curve (AUC,
// fraction removed on x) is the summary: lower = the map found the pixels the model uses.
// Caveat: a removed image is off the training distribution, so part of the drop is the model's
// surprise at the holes; ROAR (roar.cpp) retrains to remove that effect.
#include <algorithm>
#include <cstdio>

#include "dnn/log.hpp"
#include "dnn/rng.hpp"
#include "experiments.hpp"
#include "report.hpp"

namespace ch09 {

nlohmann::json deletion_curves(const Context& c) {
  const int n = std::min(c.o.deletion_images, c.ds.test_size());
  std::vector<int> which(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) which[static_cast<std::size_t>(i)] = i;
  const MatrixD X = rows_as_double(c.ds.test_x, which);
  const std::vector<int> labels(c.ds.test_y.begin(), c.ds.test_y.begin() + n);
  const int d = X.cols;
  std::vector<double> fractions;
  for (int k = 0; k <= 10; ++k) fractions.push_back(k / 10.0);

  std::vector<std::string> names;
  std::vector<std::vector<std::vector<int>>> orders;  // per method, per image: pixel order
  for (Method m : all_methods()) {
    const MatrixD maps = attribute(m, c.net, X, labels, c.settings);
    std::vector<std::vector<int>> o;
    for (int i = 0; i < n; ++i) o.push_back(ranking(maps.row(i), d));
    names.push_back(method_name(m));
    orders.push_back(std::move(o));
  }
  {
    dnn::Rng rng(c.o.common.seed + 11);
    std::vector<std::vector<int>> o;
    for (int i = 0; i < n; ++i) {
      std::vector<int> p(static_cast<std::size_t>(d));
      for (int j = 0; j < d; ++j) p[static_cast<std::size_t>(j)] = j;
      rng.shuffle(p);
      o.push_back(std::move(p));
    }
    names.push_back("random");
    orders.push_back(std::move(o));
  }
  std::vector<std::string> header{"fraction_removed"};
  header.insert(header.end(), names.begin(), names.end());
  dnn::CsvTable csv(header);
  std::vector<dnn::Series> series;
  for (const std::string& s : names) series.push_back({readable(s), fractions, {}, "linespoints"});
  for (double f : fractions) {
    std::vector<double> row{f};
    const int removed = static_cast<int>(f * d + 0.5);
    for (std::size_t m = 0; m < names.size(); ++m) {
      MatrixD Xr = X;
      for (int i = 0; i < n; ++i)
        for (int r = 0; r < removed; ++r) Xr(i, orders[m][static_cast<std::size_t>(i)][static_cast<std::size_t>(r)]) = 0.0;
      const double acc = accuracy(c.net, Xr, labels);
      row.push_back(acc);
      series[m].y.push_back(acc);
    }
    csv.add_row(row);
  }
  save_and_say(csv, dnn::join_path(c.out, "deletion_curves.csv"));
  nlohmann::json auc = nlohmann::json::object();
  std::printf("Deletion curves (%d test images, no retraining): area under accuracy vs fraction removed\n", n);
  for (std::size_t m = 0; m < names.size(); ++m) {
    auc[names[m]] = trapezoid_area(fractions, series[m].y);
    std::printf("  %-14s %.4f\n", names[m].c_str(), auc[names[m]].get<double>());
    series[m].label += " (AUC " + dnn::format_number(auc[names[m]].get<double>(), 3) + ")";
  }
  plot_and_say(dnn::join_path(c.out, "deletion_curves.png"),
               {"Deletion: accuracy as the highest-ranked pixels are set to 0 (lower = more faithful)",
                "fraction of pixels removed", "test accuracy", false, false, 900, 600},
               series);
  return auc;
}

}  // namespace ch09
