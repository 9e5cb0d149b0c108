// Chapter 02 exercises: relu_backward, softmax_ce_backward, dense_backward, numerical_gradient,
// and the whole gradient check they make possible. References: hand-computed values, the Eigen
// backend, double-precision formulas written here.
#include <cmath>
#include <stdexcept>
#include <tuple>

#include "catch.hpp"
#include "dnn/eigen_ops.hpp"
#include "dnn/gradcheck.hpp"
#include "dnn/naive.hpp"
#include "test_helpers.hpp"

using namespace dnn;
using dnn::testing::max_abs_diff;
using dnn::testing::random_labels;
using dnn::testing::random_matrix;

TEST_CASE("relu_backward passes dY where Z > 0 and blocks it elsewhere", "[relu_backward]") {
  Matrix Z(1, 4), dY(1, 4), dZ(3, 3, 5.0f);
  Z.data = {-1, 0, 2, 1e-6f};
  dY.data = {10, 20, 30, 40};
  naive::relu_backward(Z, dY, dZ);
  REQUIRE(dZ.same_shape(Z));
  CHECK(dZ(0, 0) == 0.0f);
  CHECK(dZ(0, 1) == 0.0f);  // f′(0) is taken as 0 (as in Keras/PyTorch)
  CHECK(dZ(0, 2) == 30.0f);
  CHECK(dZ(0, 3) == 40.0f);
}

TEST_CASE("relu_backward on odd shapes, float and double, and shape checks", "[relu_backward]") {
  Rng rng(20);
  for (auto [r, c] : {std::pair{1, 1}, std::pair{3, 33}, std::pair{32, 784}, std::pair{5, 3}}) {
    const Matrix Z = random_matrix(r, c, rng), dY = random_matrix(r, c, rng);
    Matrix dZ;
    naive::relu_backward(Z, dY, dZ);
    MatrixD ref(r, c);
    for (std::size_t k = 0; k < Z.size(); ++k) ref.data[k] = Z.data[k] > 0 ? dY.data[k] : 0.0;
    CHECK(max_abs_diff(dZ, ref) == 0.0);
    MatrixD dZd;
    naive::relu_backward(matrix_cast<double>(Z), matrix_cast<double>(dY), dZd);
    CHECK(max_abs_diff(dZd, ref) == 0.0);
  }
  Matrix Z(2, 3), dY(3, 2), dZ;
  CHECK_THROWS_AS(naive::relu_backward(Z, dY, dZ), std::invalid_argument);
}

TEST_CASE("softmax_ce_backward is (P − onehot)/B", "[softmax_ce_backward]") {
  Matrix P(2, 3), dZ;
  P.data = {0.2f, 0.3f, 0.5f, 0.1f, 0.1f, 0.8f};
  naive::softmax_ce_backward(P, {2, 0}, dZ);
  REQUIRE(dZ.rows == 2);
  REQUIRE(dZ.cols == 3);
  const float expected[] = {0.1f, 0.15f, -0.25f, -0.45f, 0.05f, 0.4f};
  for (int k = 0; k < 6; ++k) CHECK(dZ.data[static_cast<std::size_t>(k)] == Approx(expected[k]));
}

TEST_CASE("softmax_ce_backward on odd shapes matches Eigen, rows sum to 0, bad labels throw",
          "[softmax_ce_backward]") {
  Rng rng(21);
  for (auto [B, C] : {std::pair{1, 1}, std::pair{3, 10}, std::pair{33, 7}, std::pair{32, 784}}) {
    CAPTURE(B, C);
    Matrix P;
    eigen::softmax_rows(random_matrix(B, C, rng, -3, 3), P);
    const auto y = random_labels(B, C, rng);
    Matrix dZ, dZe;
    naive::softmax_ce_backward(P, y, dZ);
    eigen::softmax_ce_backward(P, y, dZe);
    CHECK(max_abs_diff(dZ, dZe) < 1e-7);
    for (int i = 0; i < B; ++i) {
      double s = 0;
      for (int j = 0; j < C; ++j) s += dZ(i, j);
      CHECK(std::abs(s) < 1e-6);
    }
    MatrixD dZd;
    naive::softmax_ce_backward(matrix_cast<double>(P), y, dZd);
    CHECK(max_abs_diff(dZd, dZ) < 1e-7);
  }
  Matrix P(2, 3, 1.0f / 3), dZ;
  CHECK_THROWS_AS(naive::softmax_ce_backward(P, {0, 3}, dZ), std::invalid_argument);   // label ≥ C
  CHECK_THROWS_AS(naive::softmax_ce_backward(P, {-1, 0}, dZ), std::invalid_argument);  // label < 0
  CHECK_THROWS_AS(naive::softmax_ce_backward(P, {0}, dZ), std::invalid_argument);      // 1 label, 2 rows
}

namespace {
// dW = Xᵀ·dZ, db = Σ_rows dZ, dX = dZ·Wᵀ in double.
void ref_dense_backward(const Matrix& X, const Matrix& W, const Matrix& dZ, MatrixD& dW, MatrixD& db, MatrixD& dX) {
  dW = MatrixD(W.rows, W.cols);
  db = MatrixD(1, W.cols);
  dX = MatrixD(X.rows, X.cols);
  for (int i = 0; i < X.rows; ++i)
    for (int j = 0; j < W.cols; ++j) {
      db(0, j) += dZ(i, j);
      for (int k = 0; k < X.cols; ++k) {
        dW(k, j) += double(X(i, k)) * dZ(i, j);
        dX(i, k) += double(dZ(i, j)) * W(k, j);
      }
    }
}
}  // namespace

TEST_CASE("dense_backward: dW = Xᵀ·dZ, db = Σ dZ, dX = dZ·Wᵀ on odd shapes", "[dense_backward]") {
  Rng rng(22);
  for (auto [B, n_in, n_out] : {std::tuple{1, 1, 1}, std::tuple{3, 33, 7}, std::tuple{32, 784, 50},
                                std::tuple{5, 3, 1}, std::tuple{33, 50, 10}}) {
    CAPTURE(B, n_in, n_out);
    const Matrix X = random_matrix(B, n_in, rng), W = random_matrix(n_in, n_out, rng),
                 dZ = random_matrix(B, n_out, rng);
    Matrix dW(2, 2, 9.0f), db(3, 1, 9.0f), dX(1, 1, 9.0f);  // wrong shapes, garbage: must be overwritten
    naive::dense_backward(X, W, dZ, dW, db, &dX);
    MatrixD rW, rb, rX;
    ref_dense_backward(X, W, dZ, rW, rb, rX);
    CHECK(max_abs_diff(dW, rW) < 1e-4);
    CHECK(max_abs_diff(db, rb) < 1e-4);
    CHECK(max_abs_diff(dX, rX) < 1e-4);
    Matrix eW, eb, eX;
    eigen::dense_backward(X, W, dZ, eW, eb, &eX);
    CHECK(max_abs_diff(dW, eW) < 1e-4);
    CHECK(max_abs_diff(dX, eX) < 1e-4);
  }
}

TEST_CASE("dense_backward without dX, in double, and with bad shapes", "[dense_backward]") {
  Rng rng(23);
  const Matrix X = random_matrix(4, 3, rng), W = random_matrix(3, 2, rng), dZ = random_matrix(4, 2, rng);
  MatrixD dW, db;
  naive::dense_backward(matrix_cast<double>(X), matrix_cast<double>(W), matrix_cast<double>(dZ), dW, db,
                        static_cast<MatrixD*>(nullptr));
  MatrixD rW, rb, rX;
  ref_dense_backward(X, W, dZ, rW, rb, rX);
  CHECK(max_abs_diff(dW, rW) < 1e-12);
  CHECK(max_abs_diff(db, rb) < 1e-12);
  Matrix fW, fb, wrong_dZ(4, 3);
  CHECK_THROWS_AS(naive::dense_backward(X, W, wrong_dZ, fW, fb, static_cast<Matrix*>(nullptr)), std::invalid_argument);
}

TEST_CASE("numerical_gradient matches a known derivative and restores the parameters", "[numerical_gradient]") {
  // L(θ) = Σ_k (k+1)·sin(θ_k) + θ_k³  →  ∂L/∂θ_k = (k+1)·cos(θ_k) + 3θ_k²
  MatrixD theta(3, 11);
  Rng rng(24);
  for (auto& t : theta.data) t = rng.uniform(-2, 2);
  const MatrixD original = theta;
  const auto loss = [&] {
    double s = 0;
    for (std::size_t k = 0; k < theta.size(); ++k)
      s += double(k + 1) * std::sin(theta.data[k]) + std::pow(theta.data[k], 3);
    return s;
  };
  MatrixD grad;
  numerical_gradient(loss, theta, grad);  // default h = 1e-3
  REQUIRE(grad.same_shape(theta));
  for (std::size_t k = 0; k < theta.size(); ++k) {
    const double exact = double(k + 1) * std::cos(theta.data[k]) + 3 * theta.data[k] * theta.data[k];
    CHECK(relative_error(grad.data[k], exact) < 1e-7);
  }
  CHECK(max_abs_diff(theta, original) == 0.0);  // every θ put back exactly
  CHECK_THROWS_AS(numerical_gradient(loss, theta, grad, 0.0), std::invalid_argument);
}

namespace {
NetD random_netd(const std::vector<int>& sizes, Activation hidden, Rng& rng) {
  NetD n;
  for (std::size_t l = 0; l + 1 < sizes.size(); ++l) {
    n.W.push_back(random_matrix<double>(sizes[l], sizes[l + 1], rng, -1, 1));
    n.b.push_back(random_matrix<double>(1, sizes[l + 1], rng, -0.5f, 0.5f));
    n.act.push_back(l + 2 == sizes.size() ? Activation::Linear : hidden);
  }
  return n;
}
}  // namespace

TEST_CASE("gradient check: backprop equals central differences to < 1e-7 (sigmoid and tanh with MSE and softmax-CE)",
          "[numerical_gradient][dense_backward][softmax_ce_backward]") {
  Rng rng(25);
  for (Activation f : {Activation::Sigmoid, Activation::Tanh}) {
    for (LossKind kind : {LossKind::SoftmaxCE, LossKind::MSE}) {
      CAPTURE(to_string(f), kind == LossKind::MSE ? "mse" : "softmax-ce");
      NetD net = random_netd({5, 4, 3, 3}, f, rng);
      CheckData data;
      data.X = random_matrix<double>(6, 5, rng);
      data.labels = random_labels(6, 3, rng);
      data.T = random_matrix<double>(6, 3, rng);
      const auto rows = gradient_check(net, data, kind, 1e-7);
      REQUIRE(rows.size() == 6);
      for (const auto& r : rows) {
        CAPTURE(r.layer, r.tensor, r.max_rel_error);
        CHECK(r.pass);
      }
    }
  }
}

TEST_CASE("gradient check of a ReLU network away from the kinks, and it catches a missing f′(z)",
          "[numerical_gradient][relu_backward][dense_backward]") {
  Rng rng(26);
  NetD net = random_netd({4, 6, 3}, Activation::ReLU, rng);
  CheckData data;
  data.X = random_matrix<double>(5, 4, rng);
  data.labels = random_labels(5, 3, rng);
  // Away from the kink: every hidden pre-activation |z| ≫ h, so z ± h never crosses 0.
  NetDWork w;
  netd_loss(net, data, LossKind::SoftmaxCE, w);
  double min_abs_z = 1e9;
  for (double z : w.Z[0].data) min_abs_z = std::min(min_abs_z, std::abs(z));
  REQUIRE(min_abs_z > 1e-3);
  for (const auto& r : gradient_check(net, data, LossKind::SoftmaxCE, 1e-7)) {
    CAPTURE(r.layer, r.tensor, r.max_rel_error);
    CHECK(r.pass);
  }
  // The textbook's δ = ∂E/∂Y without f′(z): layer 0's gradients are wrong, and the check says so.
  const DeltaRule no_fprime = [](int, Activation, const MatrixD&, const MatrixD&, const MatrixD& dA, MatrixD& dZ) {
    dZ = dA;
  };
  const auto bad = gradient_check(net, data, LossKind::SoftmaxCE, 1e-7, no_fprime);
  CHECK_FALSE(bad[0].pass);  // layer 0 W
  CHECK(bad[2].pass);        // layer 1 (output) W is still right: its δ needs no f′
}
