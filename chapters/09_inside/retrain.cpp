// Chapter 09 — retraining the textbook model (the sanity check's permuted labels, ROAR, feature
// selection), with chapter 07's fast CPU trainer: same math as chapter 05, about 0.05 s an epoch.
#include <algorithm>

#include "dnn/fast_cpu.hpp"
#include "dnn/optimizer.hpp"
#include "dnn/train.hpp"
#include "experiments.hpp"

namespace ch09 {

dnn::Mlp train_textbook_model(const dnn::Matrix& X, const std::vector<int>& y, int classes, int epochs,
                              std::uint64_t seed) {
  dnn::Mlp net = dnn::make_textbook_mlp(X.cols, classes, seed);
  dnn::OptimizerConfig opt;  // SGD, lr 0.01, as Keras
  dnn::FastCpuTrainer trainer(net, opt, X, y, 32);
  std::vector<int> order;
  for (int e = 0; e < epochs; ++e) {
    dnn::epoch_order(seed, e, X.rows, order);
    trainer.train_epoch(order, e + 1, {});
  }
  trainer.get_weights(net);
  return net;
}

dnn::Matrix masked(const dnn::Matrix& X, const std::vector<std::vector<char>>& keep) {
  dnn::Matrix out = X;
  for (int i = 0; i < X.rows; ++i) {
    const std::vector<char>& k = keep[keep.size() == 1 ? 0 : static_cast<std::size_t>(i)];
    float* r = out.row(i);
    for (int j = 0; j < X.cols; ++j)
      if (!k[static_cast<std::size_t>(j)]) r[j] = 0.0f;
  }
  return out;
}

std::vector<int> ranking(const double* map, int n) {
  std::vector<int> idx(static_cast<std::size_t>(n));
  for (int j = 0; j < n; ++j) idx[static_cast<std::size_t>(j)] = j;
  std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) { return map[a] > map[b]; });
  return idx;
}

double trapezoid_area(const std::vector<double>& x, const std::vector<double>& y) {
  double a = 0;
  for (std::size_t k = 1; k < x.size(); ++k) a += (x[k] - x[k - 1]) * (y[k] + y[k - 1]) / 2;
  return a;
}

}  // namespace ch09
