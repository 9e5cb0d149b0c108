// Chapter 08, mode noise-scale: the estimator of the simple gradient noise scale
// B_simple = tr(Σ)/|G|² (noise_scale.hpp) on problems whose answer is known, and on per-example
// gradients of a small MLP (their mean is the minibatch gradient of chapter 05).
#include <cmath>
#include <vector>

#include "catch.hpp"
#include "dnn/options.hpp"
#include "dnn/data.hpp"
#include "dnn/mlp.hpp"
#include "dnn/rng.hpp"
#include "noise_scale.hpp"
#include "parallel.hpp"

TEST_CASE("noise scale: identical per-example gradients have no noise, B_simple = 0", "[ch08][noise_scale]") {
  const std::vector<float> g = {0.5f, -1.0f, 2.0f};
  ch08::NoiseScaleEstimator est(g.size());
  for (int i = 0; i < 10; ++i) est.add(g);
  const ch08::NoiseScale r = est.result();
  CHECK(r.examples == 10);
  CHECK(r.trace_sigma == Approx(0.0).margin(1e-12));
  CHECK(r.grad_norm2 == Approx(5.25));  // 0.25 + 1 + 4
  CHECK(r.b_simple == Approx(0.0).margin(1e-12));
}

TEST_CASE("noise scale: g_i = G + noise of known variance gives B_simple = d·σ²/|G|²", "[ch08][noise_scale]") {
  const int d = 1000, N = 4000;
  const float G = 0.1f, sigma = 0.2f;  // |G|² = d·0.01 = 10, tr(Σ) = d·σ² = 40, B_simple = 4
  dnn::Rng rng(7);
  ch08::NoiseScaleEstimator est(d);
  std::vector<float> g(d);
  for (int i = 0; i < N; ++i) {
    for (float& v : g) v = G + sigma * rng.normal();
    est.add(g);
  }
  const ch08::NoiseScale r = est.result();
  CHECK(r.trace_sigma == Approx(40.0).epsilon(0.01));
  CHECK(r.grad_norm2 == Approx(10.0).epsilon(0.01));
  // |Ḡ|² is biased up by tr(Σ)/N; the estimate removes exactly that
  CHECK(r.mean_grad_norm2 - r.grad_norm2 == Approx(r.trace_sigma / N));
  CHECK(r.b_simple == Approx(4.0).epsilon(0.02));
}

TEST_CASE("noise scale: fewer than 2 gradients is an error", "[ch08][noise_scale]") {
  ch08::NoiseScaleEstimator est(2);
  est.add({1.0f, 2.0f});
  CHECK_THROWS(est.result());
  CHECK_THROWS(est.add({1.0f}));
}

TEST_CASE("noise scale of an MLP: the mean per-example gradient is the minibatch gradient", "[ch08][noise_scale]") {
  dnn::apply_threads(1);
  dnn::DataOptions d;
  d.dataset = "synthetic";
  d.limit_train = 300;
  d.limit_test = 100;
  const dnn::Dataset ds = dnn::load_dataset(d);
  dnn::Rng rng(3);
  const dnn::Mlp net =
      dnn::make_mlp(dnn::layer_sizes(ds.input_size(), {20, 20}, ds.classes), dnn::Activation::ReLU, rng);
  const int N = 256;
  const ch08::NoiseScale r = ch08::estimate_noise_scale(net, ds.train_x, ds.train_y, N);
  ch08::ShardGradient batch(ds.train_x, ds.train_y, net);
  std::vector<int> rows(N);
  for (int i = 0; i < N; ++i) rows[static_cast<std::size_t>(i)] = i;
  std::vector<float> g;
  batch.compute(net, rows.data(), N, N, g);  // the gradient of the mean loss of the N rows
  double norm2 = 0;
  for (float v : g) norm2 += static_cast<double>(v) * v;
  CHECK(r.examples == N);
  CHECK(r.mean_grad_norm2 == Approx(norm2).epsilon(1e-4));
  CHECK(r.trace_sigma > 0);
  CHECK(std::isfinite(r.b_simple));
  CHECK(r.b_simple > 0);
}
