// Chapter 09 — visualisation (可视化技术, §7.3): what the weights and the hidden units look like.
//
//  - weights_layer1.png: each of the 50 units of layer 1 computes z = Σ_j W1[j, u]·x_j + b_u, so
//    its column W1[:, u], drawn as a 28×28 image, is the pattern of ink that excites it (red) or
//    inhibits it (blue).
//  - top_activations_layer2.png: layer 2's units are not linear in the pixels any more; we show,
//    for each unit, the test images that make its output A2 largest.
//  - pca_layer2.png: the 50 layer-2 outputs of 2,000 test images, projected on the two directions
//    of largest variance (principal component analysis: the top eigenvectors of their covariance,
//    Eigen's SelfAdjointEigenSolver), one colour per class: are the classes already apart?
#include <Eigen/Dense>
#include <algorithm>
#include <cstdio>

#include "dnn/log.hpp"
#include "experiments.hpp"
#include "report.hpp"

namespace ch09 {

nlohmann::json visualise(const Context& c) {
  const int h = c.ds.height, w = c.ds.width;
  const MatrixD& W1 = c.net.W[0];
  std::vector<Tile> tiles;
  for (int u = 0; u < W1.cols; ++u) {
    Tile t;
    for (int j = 0; j < W1.rows; ++j) t.values.push_back(W1(j, u));
    t.caption = "unit " + std::to_string(u);
    tiles.push_back(std::move(t));
  }
  write_tile_grid(dnn::join_path(c.out, "weights_layer1.png"),
                  "Layer-1 weights W1[:, u] as images (red: ink here raises unit u, blue: lowers it, grey: 0)", tiles,
                  10, h, w, 1000);

  // Layer-2 outputs of the first n test images.
  const int n = std::min(2000, c.ds.test_size());
  std::vector<int> first(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) first[static_cast<std::size_t>(i)] = i;
  const MatrixD X = rows_as_double(c.ds.test_x, first);
  ForwardD f;
  forward(c.net, X, f);
  const MatrixD& A2 = f.A[2];  // after layer 2's ReLU
  const int top = std::min(6, n);
  tiles.clear();
  int dead = 0;
  for (int u = 0; u < A2.cols; ++u) {
    std::vector<int> idx(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) idx[static_cast<std::size_t>(i)] = i;
    std::partial_sort(idx.begin(), idx.begin() + top, idx.end(), [&](int a, int b) { return A2(a, u) > A2(b, u); });
    if (A2(idx[0], u) <= 0) ++dead;
    for (int k = 0; k < top; ++k) {
      Tile t = image_tile(X, idx[static_cast<std::size_t>(k)], "");
      if (k == 0) t.caption = "unit " + std::to_string(u) + (A2(idx[0], u) <= 0 ? " (dead)" : "");
      tiles.push_back(std::move(t));
    }
    if (u % 2 == 0) tiles.push_back(Tile{std::vector<double>(static_cast<std::size_t>(h * w), 0.0), true, ""});  // gap
  }
  write_tile_grid(dnn::join_path(c.out, "top_activations_layer2.png"),
                  "The 6 test images (of 2000) that excite each layer-2 unit most (two units per row)", tiles, 13, h, w,
                  1000);

  // PCA of the layer-2 outputs.
  Eigen::MatrixXd A(A2.rows, A2.cols);
  for (int i = 0; i < A2.rows; ++i)
    for (int j = 0; j < A2.cols; ++j) A(i, j) = A2(i, j);
  const Eigen::RowVectorXd mean = A.colwise().mean();
  const Eigen::MatrixXd C = A.rowwise() - mean;
  const Eigen::MatrixXd cov = C.transpose() * C / std::max(1, n - 1);
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(cov);
  const Eigen::VectorXd values = eig.eigenvalues();  // increasing
  const int d = static_cast<int>(values.size());
  const Eigen::MatrixXd P = C * eig.eigenvectors().rightCols(2).rowwise().reverse();  // PC1, PC2
  const double total = values.sum();
  const double share1 = total > 0 ? values(d - 1) / total : 0, share2 = total > 0 ? values(d - 2) / total : 0;
  std::vector<dnn::Series> series;
  dnn::CsvTable csv({"test_index", "label", "pc1", "pc2"});
  // Ten distinct colours (gnuplot's default cycle repeats after eight).
  static const char* colours[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                  "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  for (int k = 0; k < c.ds.classes; ++k)
    series.push_back({c.ds.class_names[static_cast<std::size_t>(k)], {}, {},
                      std::string("points pt 7 ps 0.5 lc rgb '") + colours[k % 10] + "'"});
  for (int i = 0; i < n; ++i) {
    const int y = c.ds.test_y[static_cast<std::size_t>(i)];
    series[static_cast<std::size_t>(y)].x.push_back(P(i, 0));
    series[static_cast<std::size_t>(y)].y.push_back(P(i, 1));
    csv.add_row(std::vector<double>{double(i), double(y), P(i, 0), P(i, 1)});
  }
  save_and_say(csv, dnn::join_path(c.out, "pca_layer2.csv"));
  char title[200];
  std::snprintf(title, sizeof title, "Layer-2 outputs of %d test images, PCA (PC1 %.0f %%, PC2 %.0f %% of the variance)",
                n, 100 * share1, 100 * share2);
  plot_and_say(dnn::join_path(c.out, "pca_layer2.png"), {title, "principal component 1", "principal component 2", false, false, 900, 760},
               series);
  std::printf("Visualisation: %d of %d layer-2 units never fire on these %d images; PC1+PC2 hold %.1f %% of the variance\n",
              dead, A2.cols, n, 100 * (share1 + share2));
  return {{"dead_layer2_units", dead}, {"pca_variance_share", {share1, share2}}};
}

}  // namespace ch09
