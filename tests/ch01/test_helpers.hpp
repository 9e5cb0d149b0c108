// Small helpers shared by the chapter 01/02 tests: random matrices and independent references
// written in double precision with plain loops (never the functions under test).
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

#include "dnn/matrix.hpp"
#include "dnn/rng.hpp"

namespace dnn::testing {

template <typename T = float>
BasicMatrix<T> random_matrix(int rows, int cols, Rng& rng, float lo = -1.0f, float hi = 1.0f) {
  BasicMatrix<T> m(rows, cols);
  for (auto& x : m.data) x = static_cast<T>(rng.uniform(lo, hi));
  return m;
}

inline std::vector<int> random_labels(int n, int classes, Rng& rng) {
  std::vector<int> y(static_cast<std::size_t>(n));
  for (auto& v : y) v = static_cast<int>(rng.below(static_cast<std::uint64_t>(classes)));
  return y;
}

/// Largest |a − b| over the elements. Infinite when the shapes differ or when an element is NaN or
/// infinite on one side only (std::max skips a NaN difference, so a result full of NaN would have
/// shown a difference of 0 and passed `< tolerance`). Equal elements — both NaN, or the same
/// infinity — differ by 0.
template <typename T, typename U>
double max_abs_diff(const BasicMatrix<T>& a, const BasicMatrix<U>& b) {
  if (!a.same_shape(b)) return INFINITY;
  double m = 0;
  for (std::size_t k = 0; k < a.data.size(); ++k) {
    const double x = static_cast<double>(a.data[k]), y = static_cast<double>(b.data[k]);
    if (x == y || (std::isnan(x) && std::isnan(y))) continue;
    const double d = std::abs(x - y);
    m = std::isnan(d) ? INFINITY : std::max(m, d);
  }
  return m;
}

/// Z = X·W + b in double.
template <typename T>
MatrixD ref_dense(const BasicMatrix<T>& X, const BasicMatrix<T>& W, const BasicMatrix<T>& b) {
  MatrixD Z(X.rows, W.cols);
  for (int i = 0; i < X.rows; ++i)
    for (int j = 0; j < W.cols; ++j) {
      double s = b(0, j);
      for (int k = 0; k < X.cols; ++k) s += static_cast<double>(X(i, k)) * W(k, j);
      Z(i, j) = s;
    }
  return Z;
}

/// Row-wise softmax in long double (exact enough for any float input).
template <typename T>
MatrixD ref_softmax(const BasicMatrix<T>& Z) {
  MatrixD P(Z.rows, Z.cols);
  for (int i = 0; i < Z.rows; ++i) {
    long double m = Z(i, 0), s = 0;
    for (int j = 0; j < Z.cols; ++j) m = std::max<long double>(m, Z(i, j));
    for (int j = 0; j < Z.cols; ++j) s += std::exp(static_cast<long double>(Z(i, j)) - m);
    for (int j = 0; j < Z.cols; ++j) P(i, j) = static_cast<double>(std::exp(static_cast<long double>(Z(i, j)) - m) / s);
  }
  return P;
}

}  // namespace dnn::testing
