// Chapter 09 — integrated gradients' completeness, measured.
//
// IG's axiom (Sundararajan et al. 2017): Σ_j IG_j(x) = F_c(x) − F_c(x′). The Riemann sum with m
// steps only approximates the integral, so the relative gap
//     gap = |Σ_j attr_j − (F_c(x) − F_c(x′))| / |F_c(x) − F_c(x′)|
// shrinks as m grows. For a ReLU network F is piecewise linear along the path: the midpoint rule is
// exact on every linear piece and errs only on the pieces where a unit switches on or off.
// Measured over --ig-images test images, black baseline, c = the predicted class.
#include <cmath>
#include <cstdio>

#include "dnn/log.hpp"
#include "experiments.hpp"
#include "report.hpp"

namespace ch09 {

nlohmann::json ig_completeness(const Context& c) {
  const std::vector<int> steps = parse_counts(c.o.ig_steps, "--ig-steps", 100000);
  const int n = std::min(c.o.ig_images, c.ds.test_size());
  std::vector<int> which(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) which[static_cast<std::size_t>(i)] = i;
  const MatrixD X = rows_as_double(c.ds.test_x, which);
  const MatrixD base(X.rows, X.cols, 0.0);
  const MatrixD zx = logits(c.net, X), zb = logits(c.net, base);
  std::vector<int> cls(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) cls[static_cast<std::size_t>(i)] = static_cast<int>(std::max_element(zx.row(i), zx.row(i) + zx.cols) - zx.row(i));

  dnn::CsvTable csv({"steps", "images", "mean_relative_gap", "max_relative_gap", "median_relative_gap"});
  nlohmann::json out = nlohmann::json::object();
  std::printf("Integrated gradients, completeness over %d test images (black baseline):\n", n);
  std::printf("  %6s  %12s  %12s  %12s\n", "steps", "mean gap", "median gap", "max gap");
  MatrixD attr;
  for (int m : steps) {
    std::vector<double> gaps;
    for (int i = 0; i < n; ++i) {
      MatrixD one(1, X.cols);
      std::copy(X.row(i), X.row(i) + X.cols, one.row(0));
      integrated_gradients(c.net, one, MatrixD(1, X.cols, 0.0), {cls[static_cast<std::size_t>(i)]}, m, attr);
      double sum = 0;
      for (double v : attr.data) sum += v;
      const double diff = zx(i, cls[static_cast<std::size_t>(i)]) - zb(i, cls[static_cast<std::size_t>(i)]);
      gaps.push_back(std::abs(sum - diff) / std::max(std::abs(diff), 1e-12));
    }
    double mean = 0, max = 0;
    for (double g : gaps) mean += g, max = std::max(max, g);
    mean /= n;
    std::vector<double> sorted = gaps;
    std::nth_element(sorted.begin(), sorted.begin() + n / 2, sorted.end());
    const double median = sorted[static_cast<std::size_t>(n / 2)];
    std::printf("  %6d  %11.4f%%  %11.4f%%  %11.4f%%\n", m, 100 * mean, 100 * median, 100 * max);
    std::fflush(stdout);
    csv.add_row(std::vector<double>{double(m), double(n), mean, max, median});
    out[std::to_string(m)] = {{"mean", mean}, {"max", max}, {"median", median}, {"images", n}};
  }
  save_and_say(csv, dnn::join_path(c.out, "ig_completeness.csv"));
  return out;
}

std::vector<int> parse_counts(const std::string& text, const std::string& flag, int max) {
  return dnn::parse_sizes(text, flag, max);
}

}  // namespace ch09
