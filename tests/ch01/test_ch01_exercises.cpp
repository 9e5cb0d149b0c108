// Chapter 01 exercises: dense_forward, relu_forward, softmax_rows (naive, float and double),
// checked against hand-computed values and double-precision references — never against themselves.
#include <cmath>
#include <stdexcept>
#include <tuple>

#include "catch.hpp"
#include "dnn/eigen_ops.hpp"
#include "dnn/naive.hpp"
#include "test_helpers.hpp"

using namespace dnn;
using dnn::testing::max_abs_diff;
using dnn::testing::random_matrix;

TEST_CASE("dense_forward computes X·W + b on a hand-worked example", "[dense_forward]") {
  // X = [[1, 2]], W = [[1, 2, 3], [4, 5, 6]], b = [0.5, −1, 0] → Z = [[9.5, 11, 15]]
  Matrix X(1, 2), W(2, 3), b(1, 3), Z;
  X.data = {1, 2};
  W.data = {1, 2, 3, 4, 5, 6};
  b.data = {0.5f, -1, 0};
  naive::dense_forward(X, W, b, Z);
  REQUIRE(Z.rows == 1);
  REQUIRE(Z.cols == 3);
  CHECK(Z(0, 0) == Approx(9.5));
  CHECK(Z(0, 1) == Approx(11));
  CHECK(Z(0, 2) == Approx(15));
}

TEST_CASE("dense_forward matches a double reference on odd shapes", "[dense_forward]") {
  Rng rng(1);
  for (auto [B, n_in, n_out] : {std::tuple{1, 1, 1}, std::tuple{3, 33, 7}, std::tuple{5, 3, 1},
                                std::tuple{32, 784, 50}, std::tuple{33, 50, 10}}) {
    CAPTURE(B, n_in, n_out);
    const Matrix X = random_matrix(B, n_in, rng), W = random_matrix(n_in, n_out, rng), b = random_matrix(1, n_out, rng);
    Matrix Z(7, 7, 123.0f);  // wrong shape and garbage: the callee must resize and overwrite
    naive::dense_forward(X, W, b, Z);
    CHECK(max_abs_diff(Z, testing::ref_dense(X, W, b)) < 1e-4);
    Matrix Ze;
    eigen::dense_forward(X, W, b, Ze);  // and the Eigen twin agrees
    CHECK(max_abs_diff(Z, Ze) < 1e-4);
    // double precision too (the gradient check of chapter 02 needs it)
    const MatrixD Xd = matrix_cast<double>(X), Wd = matrix_cast<double>(W), bd = matrix_cast<double>(b);
    MatrixD Zd;
    naive::dense_forward(Xd, Wd, bd, Zd);
    CHECK(max_abs_diff(Zd, testing::ref_dense(Xd, Wd, bd)) < 1e-12);
  }
}

TEST_CASE("dense_forward rejects mismatched shapes", "[dense_forward]") {
  Matrix X(2, 3), W(4, 5), b(1, 5), Z;
  CHECK_THROWS_AS(naive::dense_forward(X, W, b, Z), std::invalid_argument);  // X.cols != W.rows
  Matrix W2(3, 5), b2(1, 4);
  CHECK_THROWS_AS(naive::dense_forward(X, W2, b2, Z), std::invalid_argument);  // b is not 1×n_out
}

TEST_CASE("relu_forward keeps positives and zeroes the rest", "[relu_forward]") {
  Matrix Z(2, 3), Y(5, 5, 9.0f);
  Z.data = {-2, 0, 3, 1e-7f, -1e-7f, 1000};
  naive::relu_forward(Z, Y);
  REQUIRE(Y.same_shape(Z));
  const float expected[] = {0, 0, 3, 1e-7f, 0, 1000};
  for (int k = 0; k < 6; ++k) CHECK(Y.data[static_cast<std::size_t>(k)] == expected[k]);
}

TEST_CASE("relu_forward matches max(0, z) on odd shapes, float and double", "[relu_forward]") {
  Rng rng(2);
  for (auto [r, c] : {std::pair{1, 1}, std::pair{3, 33}, std::pair{32, 784}, std::pair{7, 3}}) {
    const Matrix Z = random_matrix(r, c, rng);
    Matrix Y;
    naive::relu_forward(Z, Y);
    REQUIRE(Y.same_shape(Z));
    for (std::size_t k = 0; k < Z.size(); ++k) REQUIRE(Y.data[k] == (Z.data[k] > 0 ? Z.data[k] : 0.0f));
    const MatrixD Zd = matrix_cast<double>(Z);
    MatrixD Yd;
    naive::relu_forward(Zd, Yd);
    CHECK(max_abs_diff(Yd, Y) == 0.0);
  }
}

TEST_CASE("softmax_rows matches a long-double reference and rows sum to 1", "[softmax_rows]") {
  Rng rng(3);
  for (auto [r, c] : {std::pair{1, 1}, std::pair{3, 10}, std::pair{4, 33}, std::pair{2, 784}}) {
    CAPTURE(r, c);
    const Matrix Z = random_matrix(r, c, rng, -5, 5);
    Matrix P;
    naive::softmax_rows(Z, P);
    REQUIRE(P.same_shape(Z));
    CHECK(max_abs_diff(P, testing::ref_softmax(Z)) < 1e-6);
    for (int i = 0; i < r; ++i) {
      double s = 0;
      for (int j = 0; j < c; ++j) s += P(i, j);
      CHECK(s == Approx(1.0).epsilon(1e-5));
    }
  }
}

TEST_CASE("softmax_rows is stable for logits of ±1000", "[softmax_rows]") {
  Matrix Z(4, 3), P;
  Z.data = {1000, 0, -1000,       //  → [1, e^-1000, 0]
            1000, 1000, 1000,     //  → uniform, even though e^1000 overflows
            -1000, -1000, -999,   // → e^1 / (2 + e)
            -1000, 0, 1000};      // the max is last: shifting by z_0 instead of the max gives e^2000 = inf
  naive::softmax_rows(Z, P);
  for (float p : P.data) REQUIRE(std::isfinite(p));
  CHECK(P(0, 0) == Approx(1.0));
  CHECK(P(0, 2) == Approx(0.0).margin(1e-30));
  for (int j = 0; j < 3; ++j) CHECK(P(1, j) == Approx(1.0 / 3));
  CHECK(P(2, 2) == Approx(std::exp(1.0) / (2 + std::exp(1.0))));
  CHECK(P(3, 0) == Approx(0.0).margin(1e-30));
  CHECK(P(3, 2) == Approx(1.0));
  // double precision as well
  MatrixD Pd;
  naive::softmax_rows(matrix_cast<double>(Z), Pd);
  for (double p : Pd.data) REQUIRE(std::isfinite(p));
  CHECK(max_abs_diff(Pd, P) < 1e-6);
}
