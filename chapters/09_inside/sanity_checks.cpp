// Chapter 09 — sanity checks for explanations (Adebayo et al. 2018).
//
// An explanation of *the model* must change when the model changes. Two tests destroy the model
// and compare each method's maps before and after, by the Spearman rank correlation of |map| over
// the pixels of each image (1: same order of importance, 0: unrelated), averaged over the images:
//  - cascading randomisation: re-initialise the layers from the top (logits first, then layer 2,
//    then layer 1) with fresh Glorot-uniform weights and zero biases;
//  - data randomisation: the same architecture trained on the training set with permuted labels
//    (it can only memorise; it has learnt nothing about digits).
// The class explained is always the original model's prediction. A method whose maps stay highly
// correlated after the model is destroyed shows the input (the digit's ink), not what the model does.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "dnn/log.hpp"
#include "dnn/plot.hpp"
#include "dnn/rng.hpp"
#include "experiments.hpp"
#include "report.hpp"

namespace ch09 {


namespace {

std::vector<double> ranks(const std::vector<double>& v) {
  const std::size_t n = v.size();
  std::vector<std::size_t> idx(n);
  for (std::size_t k = 0; k < n; ++k) idx[k] = k;
  std::sort(idx.begin(), idx.end(), [&](std::size_t x, std::size_t y) { return v[x] < v[y]; });
  std::vector<double> r(n);
  for (std::size_t s = 0; s < n;) {
    std::size_t e = s;
    while (e + 1 < n && v[idx[e + 1]] == v[idx[s]]) ++e;
    for (std::size_t k = s; k <= e; ++k) r[idx[k]] = (static_cast<double>(s) + static_cast<double>(e)) / 2.0 + 1.0;
    s = e + 1;
  }
  return r;
}

NetD randomise_from_top(const NetD& net, int layers, std::uint64_t seed) {
  NetD r = net;
  for (int k = 0; k < layers; ++k) {
    const std::size_t l = net.W.size() - 1 - static_cast<std::size_t>(k);
    dnn::Matrix W(net.W[l].rows, net.W[l].cols);
    dnn::Rng rng(seed + 1000 + l);
    dnn::glorot_uniform(W, rng);
    std::copy(W.data.begin(), W.data.end(), r.W[l].data.begin());
    r.b[l].fill(0.0);
  }
  return r;
}

}  // namespace

double spearman(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() < 2 || a.size() != b.size()) return 0.0;  // e.g. an image without ink: nothing to rank
  const std::vector<double> ra = ranks(a), rb = ranks(b);
  const double n = static_cast<double>(a.size());
  double ma = 0, mb = 0;
  for (std::size_t k = 0; k < a.size(); ++k) ma += ra[k], mb += rb[k];
  ma /= n, mb /= n;
  double sab = 0, saa = 0, sbb = 0;
  for (std::size_t k = 0; k < a.size(); ++k) {
    sab += (ra[k] - ma) * (rb[k] - mb);
    saa += (ra[k] - ma) * (ra[k] - ma);
    sbb += (rb[k] - mb) * (rb[k] - mb);
  }
  return saa > 0 && sbb > 0 ? sab / std::sqrt(saa * sbb) : 0.0;
}

nlohmann::json sanity_checks(const Context& c) {
  const int n = std::min(c.o.sanity_images, c.ds.test_size());
  std::vector<int> which(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) which[static_cast<std::size_t>(i)] = i;
  const MatrixD X = rows_as_double(c.ds.test_x, which);
  const MatrixD z = logits(c.net, X);
  std::vector<int> cls(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) cls[static_cast<std::size_t>(i)] = static_cast<int>(std::max_element(z.row(i), z.row(i) + z.cols) - z.row(i));

  std::vector<std::pair<std::string, NetD>> models;
  models.push_back({"logits random", randomise_from_top(c.net, 1, c.o.common.seed)});
  models.push_back({"+ layer 2 random", randomise_from_top(c.net, 2, c.o.common.seed)});
  models.push_back({"+ layer 1 random", randomise_from_top(c.net, 3, c.o.common.seed)});
  {
    std::vector<int> permuted = c.ds.train_y;
    dnn::Rng rng(c.o.common.seed + 7);
    rng.shuffle(permuted);
    std::printf("Sanity checks: training a model on permuted labels (%d epochs) ...\n", c.o.epochs);
    std::fflush(stdout);
    const dnn::Mlp m = train_textbook_model(c.ds.train_x, permuted, c.ds.classes, c.o.epochs, c.o.common.seed + 7);
    models.push_back({"permuted labels", to_double(m)});
  }
  const std::vector<Method> methods = all_methods();
  dnn::Matrix table(static_cast<int>(methods.size()), static_cast<int>(models.size()));
  dnn::Matrix table_ink = table;
  dnn::CsvTable csv({"method", "model", "mean_spearman", "std_spearman", "mean_spearman_ink_only", "images"});
  nlohmann::json out = nlohmann::json::object(), out_ink = nlohmann::json::object();
  std::vector<Tile> example;  // image 0: rows = methods, columns = original + each model
  std::vector<std::vector<MatrixD>> all(methods.size());
  for (std::size_t m = 0; m < methods.size(); ++m) {
    const MatrixD orig = attribute(methods[m], c.net, X, cls, c.settings);
    all[m].push_back(orig);
    for (std::size_t k = 0; k < models.size(); ++k) {
      const MatrixD rnd = attribute(methods[m], models[k].second, X, cls, c.settings);
      all[m].push_back(rnd);
      double mean = 0, sq = 0, mean_ink = 0;
      for (int i = 0; i < n; ++i) {
        std::vector<double> a, b, a_ink, b_ink;  // |map| over all pixels, and over the inked pixels only
        for (int j = 0; j < X.cols; ++j) {
          a.push_back(std::abs(orig(i, j)));
          b.push_back(std::abs(rnd(i, j)));
          if (X(i, j) > 0) a_ink.push_back(a.back()), b_ink.push_back(b.back());
        }
        const double rho = spearman(a, b);
        mean += rho, sq += rho * rho;
        mean_ink += spearman(a_ink, b_ink);
      }
      mean /= n;
      mean_ink /= n;
      table_ink(static_cast<int>(m), static_cast<int>(k)) = static_cast<float>(mean_ink);
      out_ink[method_name(methods[m])][models[k].first] = mean_ink;
      const double sd = std::sqrt(std::max(0.0, sq / n - mean * mean));
      table(static_cast<int>(m), static_cast<int>(k)) = static_cast<float>(mean);
      csv.add_row(std::vector<std::string>{method_name(methods[m]), models[k].first, dnn::format_number(mean, 4),
                                           dnn::format_number(sd, 4), dnn::format_number(mean_ink, 4),
                                           std::to_string(n)});
      out[method_name(methods[m])][models[k].first] = mean;
    }
  }
  save_and_say(csv, dnn::join_path(c.out, "sanity_spearman.csv"));
  std::printf("Sanity checks: mean Spearman rank correlation of |map| with the original model's (%d images)\n", n);
  std::printf("  %-14s", "method");
  for (const auto& mdl : models) std::printf(" %17s", mdl.first.c_str());
  std::printf("\n");
  for (std::size_t m = 0; m < methods.size(); ++m) {
    std::printf("  %-14s", method_name(methods[m]).c_str());
    for (std::size_t k = 0; k < models.size(); ++k) std::printf(" %17.3f", table(static_cast<int>(m), static_cast<int>(k)));
    std::printf("\n");
  }
  std::printf("  the same over the inked pixels only (x > 0):\n");
  for (std::size_t m = 0; m < methods.size(); ++m) {
    std::printf("  %-14s", method_name(methods[m]).c_str());
    for (std::size_t k = 0; k < models.size(); ++k) std::printf(" %17.3f", table_ink(static_cast<int>(m), static_cast<int>(k)));
    std::printf("\n");
  }
  std::vector<std::string> rows, cols;
  for (Method m : methods) rows.push_back(readable(method_name(m)));
  for (const auto& mdl : models) cols.push_back(mdl.first);
  const std::string png = dnn::join_path(c.out, "sanity_spearman.png");
  if (dnn::plot_heatmap(png, {"Spearman rank correlation of |map| with the trained model's map, all 784 pixels (1 = unchanged)",
                              "model the map is computed on", "method", false, false, 900, 560},
                        table, rows, cols, true))
    std::printf("wrote %s\n", png.c_str());
  const std::string png_ink = dnn::join_path(c.out, "sanity_spearman_ink.png");
  if (dnn::plot_heatmap(png_ink, {"The same, over the inked pixels of each image only (x > 0)",
                                  "model the map is computed on", "method", false, false, 900, 560},
                        table_ink, rows, cols, true))
    std::printf("wrote %s\n", png_ink.c_str());

  // One image, every method, every model: what the numbers mean.
  std::vector<Tile> tiles;
  const std::vector<std::string> heads{"trained", "logits random", "+ layer 2", "+ layer 1", "perm. labels"};
  for (std::size_t m = 0; m < methods.size(); ++m)
    for (std::size_t k = 0; k < all[m].size(); ++k)
      tiles.push_back(map_tile(all[m][k], 0, method_name(methods[m]) + ", " + heads[k]));
  write_tile_grid(dnn::join_path(c.out, "sanity_maps.png"),
                  "Test image 0: each method (rows) on the trained model and on the destroyed ones (columns)", tiles,
                  static_cast<int>(models.size()) + 1, c.ds.height, c.ds.width, 1100);
  return {{"all_pixels", out}, {"ink_only", out_ink}};
}

}  // namespace ch09
