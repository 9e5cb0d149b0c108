// Chapter 09 — feature importance (特征重要性技术) and feature selection (特征选择技术), §7.3.
//
// Permutation importance (Breiman 2001): shuffle one input column across the test images, so it
// keeps its values but loses its link to each image, and measure how much the mean cross-entropy
// loss of the unchanged model rises. A pixel that is 0 in every image cannot change anything: its
// importance is exactly 0. Per pixel this needs 784 passes over the test images; since layer 1 is
// linear, moving pixel j of image i by δ moves its layer-1 pre-activation by δ·W1[j, :], so only
// the images whose pixel j changed are recomputed from layer 1 up. The same per 4×4 block (the 16
// pixels of a block shuffled with one permutation).
//
// Feature selection: keep only the k most important pixels (the others 0 in training and test
// images), retrain the textbook model from scratch, measure test accuracy; the same for k random
// pixels and for the k pixels of highest variance over the training set. How many pixels does the
// model need for 95 %?
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "dnn/log.hpp"
#include "dnn/naive.hpp"
#include "dnn/rng.hpp"
#include "experiments.hpp"
#include "report.hpp"

namespace ch09 {

namespace {

// Cross-entropy of one image's logits z (length C) for label y.
double cross_entropy(const double* z, int C, int y) {
  const double m = *std::max_element(z, z + C);
  double s = 0;
  for (int k = 0; k < C; ++k) s += std::exp(z[k] - m);
  return std::log(s) + m - z[y];
}

// Mean loss of the rows of X given their layer-1 pre-activations Z1 (layers 2.. from the net).
struct LossFromLayer1 {
  const NetD& net;
  MatrixD A1;
  std::vector<double> per_image(const MatrixD& Z1, const std::vector<int>& y) {
    dnn::naive::activation_forward(net.act[0], Z1, A1);
    MatrixD a = A1, z;
    for (std::size_t l = 1; l < net.W.size(); ++l) {
      dnn::naive::dense_forward(a, net.W[l], net.b[l], z);
      dnn::naive::activation_forward(net.act[l], z, a);
    }
    std::vector<double> loss(static_cast<std::size_t>(a.rows));
    for (int i = 0; i < a.rows; ++i) loss[static_cast<std::size_t>(i)] = cross_entropy(a.row(i), a.cols, y[static_cast<std::size_t>(i)]);
    return loss;
  }
};

}  // namespace

nlohmann::json feature_importance(const Context& c) {
  const int n = std::min(c.o.importance_images, c.ds.test_size()), d = c.ds.input_size();
  const int h = c.ds.height, w = c.ds.width;
  std::vector<int> which(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) which[static_cast<std::size_t>(i)] = i;
  const MatrixD X = rows_as_double(c.ds.test_x, which);
  const std::vector<int> y(c.ds.test_y.begin(), c.ds.test_y.begin() + n);
  MatrixD Z1;
  dnn::naive::dense_forward(X, c.net.W[0], c.net.b[0], Z1);
  LossFromLayer1 tail{c.net, {}};
  const std::vector<double> base = tail.per_image(Z1, y);
  double base_mean = 0;
  for (double v : base) base_mean += v / n;

  dnn::Rng rng(c.o.common.seed + 31);
  std::vector<int> perm(static_cast<std::size_t>(n));
  MatrixD pixel_importance(1, d, 0.0);
  const int H1 = c.net.W[0].cols;
  for (int j = 0; j < d; ++j) {
    for (int i = 0; i < n; ++i) perm[static_cast<std::size_t>(i)] = i;
    rng.shuffle(perm);
    std::vector<int> changed;
    for (int i = 0; i < n; ++i)
      if (X(perm[static_cast<std::size_t>(i)], j) != X(i, j)) changed.push_back(i);
    if (changed.empty()) continue;  // the column is constant over the images: importance exactly 0
    MatrixD Zc(static_cast<int>(changed.size()), H1);
    std::vector<int> yc;
    for (std::size_t r = 0; r < changed.size(); ++r) {
      const int i = changed[r];
      const double delta = X(perm[static_cast<std::size_t>(i)], j) - X(i, j);
      for (int u = 0; u < H1; ++u) Zc(static_cast<int>(r), u) = Z1(i, u) + delta * c.net.W[0](j, u);
      yc.push_back(y[static_cast<std::size_t>(i)]);
    }
    const std::vector<double> loss = tail.per_image(Zc, yc);
    double rise = 0;
    for (std::size_t r = 0; r < changed.size(); ++r) rise += loss[r] - base[static_cast<std::size_t>(changed[r])];
    pixel_importance(0, j) = rise / n;
  }
  // Per 4×4 block: shuffle the block's 16 pixels together, full forward pass.
  const int bs = 4, by = h / bs, bx = w / bs;
  MatrixD block_importance(1, d, 0.0);
  dnn::CsvTable blocks({"block_row", "block_col", "loss_rise"});
  for (int gy = 0; gy < by; ++gy)
    for (int gx = 0; gx < bx; ++gx) {
      for (int i = 0; i < n; ++i) perm[static_cast<std::size_t>(i)] = i;
      rng.shuffle(perm);
      MatrixD Xp = X;
      for (int i = 0; i < n; ++i)
        for (int yy = gy * bs; yy < gy * bs + bs; ++yy)
          for (int xx = gx * bs; xx < gx * bs + bs; ++xx) Xp(i, yy * w + xx) = X(perm[static_cast<std::size_t>(i)], yy * w + xx);
      const MatrixD z = logits(c.net, Xp);
      double mean = 0;
      for (int i = 0; i < n; ++i) mean += cross_entropy(z.row(i), z.cols, y[static_cast<std::size_t>(i)]) / n;
      const double rise = mean - base_mean;
      blocks.add_row(std::vector<double>{double(gy), double(gx), rise});
      for (int yy = gy * bs; yy < gy * bs + bs; ++yy)
        for (int xx = gx * bs; xx < gx * bs + bs; ++xx) block_importance(0, yy * w + xx) = rise;
    }
  dnn::CsvTable pixels({"pixel", "row", "col", "loss_rise"});
  int exactly_zero = 0;
  for (int j = 0; j < d; ++j) {
    pixels.add_row(std::vector<double>{double(j), double(j / w), double(j % w), pixel_importance(0, j)});
    exactly_zero += pixel_importance(0, j) == 0.0;
  }
  save_and_say(pixels, dnn::join_path(c.out, "importance_pixels.csv"));
  save_and_say(blocks, dnn::join_path(c.out, "importance_blocks.csv"));
  write_tile_grid(dnn::join_path(c.out, "importance.png"),
                  "Permutation importance: rise of the test loss when a pixel / a 4x4 block is shuffled",
                  {map_tile(pixel_importance, 0, "per pixel"), map_tile(block_importance, 0, "per 4x4 block")}, 2, h, w,
                  800);
  std::printf("Permutation importance (%d test images, base loss %.4f): %d of %d pixels exactly 0\n", n, base_mean,
              exactly_zero, d);
  nlohmann::json out{{"images", n}, {"base_loss", base_mean}, {"pixels_exactly_zero", exactly_zero}};
  if (c.o.skip_retraining) return out;

  // ---------------------------------------------------------------- feature selection
  const std::vector<int> ks = parse_counts(c.o.select_k, "--select-k", d);
  const std::vector<int> by_importance = ranking(pixel_importance.row(0), d);
  std::vector<int> random_order(static_cast<std::size_t>(d));
  for (int j = 0; j < d; ++j) random_order[static_cast<std::size_t>(j)] = j;
  rng.shuffle(random_order);
  const int n_train = std::min(c.o.select_train, c.ds.train_size());
  MatrixD variance(1, d, 0.0);
  for (int j = 0; j < d; ++j) {
    double s = 0, sq = 0;
    for (int i = 0; i < n_train; ++i) {
      const double v = c.ds.train_x(i, j);
      s += v, sq += v * v;
    }
    variance(0, j) = sq / n_train - (s / n_train) * (s / n_train);
  }
  const std::vector<int> by_variance = ranking(variance.row(0), d);
  dnn::Matrix train_x(n_train, d);
  std::copy(c.ds.train_x.data.begin(), c.ds.train_x.data.begin() + static_cast<long>(train_x.data.size()), train_x.data.begin());
  const std::vector<int> train_y(c.ds.train_y.begin(), c.ds.train_y.begin() + n_train);
  const std::vector<std::pair<std::string, const std::vector<int>*>> rankings{
      {"importance", &by_importance}, {"random", &random_order}, {"variance", &by_variance}};
  std::printf("Feature selection: retraining on the top-k pixels (%d training images, %d epochs)\n", n_train, c.o.epochs);
  std::printf("  %6s %12s %12s %12s\n", "k", "importance", "random", "variance");
  dnn::CsvTable csv({"k", "importance", "random", "variance"});
  std::vector<dnn::Series> series;
  for (const auto& r : rankings) series.push_back({r.first, {}, {}, "linespoints"});
  nlohmann::json pixels_for_95 = nlohmann::json::object();
  for (int k : ks) {
    std::vector<double> row{double(k)};
    for (std::size_t r = 0; r < rankings.size(); ++r) {
      std::vector<char> keep(static_cast<std::size_t>(d), 0);
      for (int t = 0; t < k; ++t) keep[static_cast<std::size_t>((*rankings[r].second)[static_cast<std::size_t>(t)])] = 1;
      const dnn::Mlp m = train_textbook_model(masked(train_x, {keep}), train_y, c.ds.classes, c.o.epochs, c.o.common.seed);
      const double acc = accuracy(to_double(m), rows_as_double(masked(c.ds.test_x, {keep})), c.ds.test_y);
      row.push_back(acc);
      series[r].x.push_back(k);
      series[r].y.push_back(acc);
      if (acc >= 0.95 && !pixels_for_95.contains(rankings[r].first)) pixels_for_95[rankings[r].first] = k;
    }
    std::printf("  %6d %11.2f%% %11.2f%% %11.2f%%\n", k, 100 * row[1], 100 * row[2], 100 * row[3]);
    std::fflush(stdout);
    csv.add_row(row);
  }
  for (const auto& r : rankings)
    if (!pixels_for_95.contains(r.first)) pixels_for_95[r.first] = nullptr;
  save_and_say(csv, dnn::join_path(c.out, "selection.csv"));
  plot_and_say(dnn::join_path(c.out, "selection.png"),
               {"Feature selection: test accuracy of the textbook model retrained on k pixels", "pixels kept (k)",
                "test accuracy", false, true, 900, 600},
               series);
  out["pixels_for_95"] = pixels_for_95;
  return out;
}

}  // namespace ch09
