// Test data and comparisons shared by the chapter-07 tests (CPU and GPU).
#pragma once

#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "catch.hpp"
#include "dnn/matrix.hpp"
#include "dnn/mlp.hpp"
#include "dnn/optimizer.hpp"
#include "dnn/rng.hpp"

namespace ch07_test {

using dnn::Matrix;
using dnn::Mlp;
using dnn::Rng;

/// Plain SGD with learning rate lr (the textbook's optimizer).
inline dnn::OptimizerConfig sgd(float lr) {
  dnn::OptimizerConfig c;
  c.kind = dnn::OptimizerKind::SGD;
  c.lr = lr;
  return c;
}

/// n × d images that look like MNIST to the trainer: about 80% exact zeros, the rest in (0, 1], and
/// like MNIST every pixel a byte divided by 255 (so the trainer's step 6, ByteCsr, runs on them).
inline void sparse_images(int n, int d, int classes, std::uint64_t seed, Matrix& X, std::vector<int>& y) {
  Rng rng(seed);
  X = Matrix(n, d, 0.0f);
  y.resize(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    y[static_cast<std::size_t>(i)] = static_cast<int>(rng.below(static_cast<std::uint64_t>(classes)));
    for (int k = 0; k < d; ++k)
      if (rng.uniform() < 0.2f) X(i, k) = static_cast<float>(13 + rng.below(243)) / 255.0f;  // 13/255 … 1
    // a class-dependent block of bright pixels, so there is something to learn
    const int c = y[static_cast<std::size_t>(i)];
    for (int k = c * (d / classes); k < c * (d / classes) + d / (2 * classes); ++k) X(i, k) = 1.0f;
  }
}

/// ‖a − b‖ / ‖b‖ over all weights and biases of two networks of the same shape.
inline double relative_difference(const Mlp& a, const Mlp& b) {
  REQUIRE(a.layers.size() == b.layers.size());
  double num = 0, den = 0;
  for (std::size_t l = 0; l < a.layers.size(); ++l) {
    for (const auto& [p, q] : {std::pair<const Matrix*, const Matrix*>{&a.layers[l].W, &b.layers[l].W},
                               std::pair<const Matrix*, const Matrix*>{&a.layers[l].b, &b.layers[l].b}}) {
      REQUIRE(p->same_shape(*q));
      for (std::size_t k = 0; k < p->size(); ++k) {
        const double d = static_cast<double>(p->data[k]) - static_cast<double>(q->data[k]);
        num += d * d;
        den += static_cast<double>(q->data[k]) * q->data[k];
      }
    }
  }
  return std::sqrt(num / den);
}

}  // namespace ch07_test
