// Chapter 03 exercises: sgd_step, gather_minibatch, learning_rate_at.
// References are independent of the code under test: hand-computed values, a double-precision
// formula written here, and the Eigen backend.
#include <cmath>
#include <stdexcept>
#include <vector>

#include "catch.hpp"
#include "dnn/eigen_ops.hpp"
#include "dnn/naive.hpp"
#include "dnn/rng.hpp"

using namespace dnn;

namespace {

Matrix random_matrix(int r, int c, Rng& rng, float lo = -1.0f, float hi = 1.0f) {
  Matrix m(r, c);
  for (auto& x : m.data) x = rng.uniform(lo, hi);
  return m;
}

// Odd shapes on purpose: a single element, a row, a column, 33 and 784 columns.
const std::vector<std::pair<int, int>> kShapes = {{1, 1}, {1, 3}, {3, 1}, {3, 33}, {50, 10}, {2, 784}, {784, 3}};

}  // namespace

TEST_CASE("sgd_step: hand-computed values, the sign is a descent", "[sgd_step]") {
  Matrix W(1, 3);
  W.data = {1.0f, 2.0f, -3.0f};
  Matrix dW(1, 3);
  dW.data = {0.5f, -1.0f, 0.0f};
  naive::sgd_step(W, dW, 0.1f);
  CHECK(W(0, 0) == Approx(0.95f));  // 1 − 0.1·0.5
  CHECK(W(0, 1) == Approx(2.1f));   // 2 − 0.1·(−1): a negative gradient moves W up
  CHECK(W(0, 2) == -3.0f);                 // zero gradient: unchanged

  // On f(w) = w², dW = 2w: a small step must lower f (gradient DEScent, not ascent).
  Matrix w(1, 1, 3.0f), g(1, 1, 6.0f);
  naive::sgd_step(w, g, 0.1f);
  CHECK(w(0, 0) * w(0, 0) < 9.0f);
  CHECK(w(0, 0) == Approx(2.4f));
}

TEST_CASE("sgd_step: odd shapes against a double formula and the Eigen backend", "[sgd_step]") {
  Rng rng(3);
  for (auto [r, c] : kShapes) {
    CAPTURE(r, c);
    const Matrix W0 = random_matrix(r, c, rng), dW = random_matrix(r, c, rng, -5.0f, 5.0f);
    const float lr = 0.037f;
    Matrix Wn = W0, We = W0;
    naive::sgd_step(Wn, dW, lr);
    eigen::sgd_step(We, dW, lr);
    for (std::size_t k = 0; k < W0.size(); ++k) {
      const double want = static_cast<double>(W0.data[k]) - static_cast<double>(lr) * dW.data[k];
      REQUIRE(std::abs(Wn.data[k] - want) < 1e-6);
      REQUIRE(std::abs(Wn.data[k] - We.data[k]) < 1e-6);
    }
  }
  MatrixD Wd(3, 33, 1.0), dWd(3, 33, 2.0);
  naive::sgd_step(Wd, dWd, 0.25);
  CHECK(Wd(2, 32) == 0.5);
}

TEST_CASE("sgd_step: shape mismatch is an error", "[sgd_step]") {
  Matrix W(3, 33, 1.0f), dW(33, 3, 1.0f), ok(3, 33, 1.0f);
  naive::sgd_step(W, ok, 1.0f);  // a correct call first (so a stub fails here, not below)
  CHECK(W(0, 0) == 0.0f);
  CHECK_THROWS_AS(naive::sgd_step(W, dW, 1.0f), std::invalid_argument);
}

TEST_CASE("gather_minibatch: copies the rows named by the order, labels follow", "[gather_minibatch]") {
  Rng rng(5);
  for (int cols : {1, 3, 33, 784}) {
    CAPTURE(cols);
    const int n = 37;
    Matrix X(n, cols);
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < cols; ++j) X(i, j) = static_cast<float>(i * 1000 + j);  // row i is recognisable
    std::vector<int> y(n);
    for (int i = 0; i < n; ++i) y[static_cast<std::size_t>(i)] = (i * 7) % 10;
    std::vector<int> order = iota_indices(n);
    rng.shuffle(order);

    Matrix Xb, Xe;
    std::vector<int> yb, ye;
    for (int start = 0; start < n; start += 32) {  // a full batch of 32, then the last 5 rows
      const int count = std::min(32, n - start);
      naive::gather_minibatch(X, y, order, start, count, Xb, yb);
      REQUIRE(Xb.rows == count);
      REQUIRE(Xb.cols == cols);
      REQUIRE(yb.size() == static_cast<std::size_t>(count));
      for (int r = 0; r < count; ++r) {
        const int i = order[static_cast<std::size_t>(start + r)];
        REQUIRE(yb[static_cast<std::size_t>(r)] == y[static_cast<std::size_t>(i)]);
        for (int j = 0; j < cols; ++j) REQUIRE(Xb(r, j) == static_cast<float>(i * 1000 + j));
      }
      eigen::gather_minibatch(X, y, order, start, count, Xe, ye);
      REQUIRE(Xe.data == Xb.data);
      REQUIRE(ye == yb);
    }
  }
}

TEST_CASE("gather_minibatch: one example (pure SGD) and reused buffers", "[gather_minibatch]") {
  Matrix X(4, 3);
  for (std::size_t k = 0; k < X.size(); ++k) X.data[k] = static_cast<float>(k);
  const std::vector<int> y = {0, 1, 2, 3}, order = {2, 0, 3, 1};
  Matrix Xb(10, 10, -1.0f);  // a larger buffer from before: must be resized, not kept
  std::vector<int> yb(10, -1);
  naive::gather_minibatch(X, y, order, 0, 1, Xb, yb);
  REQUIRE(Xb.rows == 1);
  REQUIRE(Xb.cols == 3);
  CHECK(Xb.data == std::vector<float>{6, 7, 8});
  CHECK(yb == std::vector<int>{2});
  naive::gather_minibatch(X, y, order, 3, 1, Xb, yb);
  CHECK(Xb.data == std::vector<float>{3, 4, 5});
  CHECK(yb == std::vector<int>{1});
}

TEST_CASE("gather_minibatch: a range outside the order is an error", "[gather_minibatch]") {
  Matrix X(4, 3, 1.0f), Xb;
  const std::vector<int> y = {0, 1, 2, 3}, order = {0, 1, 2, 3};
  std::vector<int> yb;
  naive::gather_minibatch(X, y, order, 2, 2, Xb, yb);
  CHECK(Xb.rows == 2);
  CHECK_THROWS_AS(naive::gather_minibatch(X, y, order, 3, 2, Xb, yb), std::invalid_argument);
  CHECK_THROWS_AS(naive::gather_minibatch(X, y, order, -1, 1, Xb, yb), std::invalid_argument);
}

TEST_CASE("learning_rate_at: step decay by hand", "[learning_rate_at]") {
  // lr0 = 0.1, halve every 10 epochs.
  CHECK(naive::learning_rate_at(0.1, 0, 0.5, 10) == Approx(0.1));
  CHECK(naive::learning_rate_at(0.1, 9, 0.5, 10) == Approx(0.1));
  CHECK(naive::learning_rate_at(0.1, 10, 0.5, 10) == Approx(0.05));
  CHECK(naive::learning_rate_at(0.1, 25, 0.5, 10) == Approx(0.025));
  CHECK(naive::learning_rate_at(0.1, 33, 0.1, 1) == Approx(0.1 * std::pow(0.1, 33)).epsilon(1e-9));
  // drop = 1: constant.
  for (int e : {0, 1, 3, 784}) CHECK(naive::learning_rate_at(0.01, e, 1.0, 3) == Approx(0.01));
}

TEST_CASE("learning_rate_at: bad arguments are errors", "[learning_rate_at]") {
  CHECK(naive::learning_rate_at(1.0, 3, 0.5, 1) == Approx(0.125));
  CHECK_THROWS_AS(naive::learning_rate_at(0.1, -1, 0.5, 10), std::invalid_argument);
  CHECK_THROWS_AS(naive::learning_rate_at(0.1, 5, 0.5, 0), std::invalid_argument);
}
