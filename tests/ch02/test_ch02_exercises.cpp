// Chapter 02 exercises: relu_backward, softmax_ce_backward, dense_backward, numerical_gradient,
// and the whole gradient check they make possible. References: hand-computed values, the Eigen
// backend, double-precision formulas written here.
#include <algorithm>
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

// When a whole-network check fails although every unit test passed, which exercise is wrong?
// Run the network once more and compare each exercise function's output with an independent
// double-precision reference on the very same input; each one that differs is reported as
// "function with the wrong output: NAME" (scripts/check reads that line and blames NAME).
double max_diff(const MatrixD& a, const MatrixD& b) {
  if (!a.same_shape(b)) return INFINITY;
  double m = 0;
  for (std::size_t k = 0; k < a.size(); ++k) m = std::max(m, std::abs(a.data[k] - b.data[k]));
  return std::isnan(m) ? INFINITY : m;
}

void name_the_wrong_function(NetD net, const CheckData& data, LossKind kind) {
  std::vector<std::pair<std::string, double>> wrong;
  const auto expect = [&](const char* name, const MatrixD& got, const MatrixD& ref) {
    const double d = max_diff(got, ref);
    if (!(d < 1e-9) && std::none_of(wrong.begin(), wrong.end(), [&](const auto& w) { return w.first == name; }))
      wrong.emplace_back(name, d);
  };
  NetDWork w;
  std::vector<MatrixD> dW, db;
  netd_loss_and_grads(net, data, kind, w, dW, db);
  const std::size_t L = net.depth();
  for (std::size_t l = 0; l < L; ++l) {
    MatrixD Z(w.A[l].rows, net.W[l].cols), A(Z.rows, Z.cols);  // Z = A·W + b, A' = f(Z)
    for (int i = 0; i < Z.rows; ++i)
      for (int j = 0; j < Z.cols; ++j) {
        double z = net.b[l](0, j);
        for (int k = 0; k < w.A[l].cols; ++k) z += w.A[l](i, k) * net.W[l](k, j);
        Z(i, j) = z;
      }
    expect("dense_forward", w.Z[l], Z);
    if (net.act[l] == Activation::ReLU) {
      for (std::size_t k = 0; k < Z.size(); ++k) A.data[k] = std::max(0.0, w.Z[l].data[k]);
      expect("relu_forward", w.A[l + 1], A);
    }
  }
  if (kind == LossKind::SoftmaxCE) {  // dZ = (P − onehot)/B at the output
    MatrixD dZ = w.P;
    for (auto& v : dZ.data) v /= w.P.rows;
    for (int i = 0; i < w.P.rows; ++i) dZ(i, data.labels[i]) -= 1.0 / w.P.rows;
    expect("softmax_ce_backward", w.dZ[L - 1], dZ);
  }
  for (std::size_t l = L; l-- > 0;) {
    if (l > 0 && net.act[l - 1] == Activation::ReLU) {  // dZ = dA where Z > 0, else 0
      MatrixD dZ(w.Z[l - 1].rows, w.Z[l - 1].cols);
      for (std::size_t k = 0; k < dZ.size(); ++k) dZ.data[k] = w.Z[l - 1].data[k] > 0 ? w.dA[l].data[k] : 0.0;
      expect("relu_backward", w.dZ[l - 1], dZ);
    }
    MatrixD rW(net.W[l].rows, net.W[l].cols), rb(1, net.W[l].cols), rX(w.A[l].rows, w.A[l].cols);
    for (int i = 0; i < w.A[l].rows; ++i)
      for (int j = 0; j < rW.cols; ++j) {
        rb(0, j) += w.dZ[l](i, j);
        for (int k = 0; k < rW.rows; ++k) {
          rW(k, j) += w.A[l](i, k) * w.dZ[l](i, j);
          rX(i, k) += w.dZ[l](i, j) * net.W[l](k, j);
        }
      }
    expect("dense_backward", dW[l], rW);
    expect("dense_backward", db[l], rb);
    if (l > 0) expect("dense_backward", w.dA[l], rX);
  }
  // numerical_gradient of the loss in W[0] against a plain two-point central difference, and θ restored.
  const MatrixD W0 = net.W[0];
  const auto loss = [&] { return netd_loss(net, data, kind, w); };
  MatrixD num, ref(W0.rows, W0.cols);
  numerical_gradient(loss, net.W[0], num, 1e-4);
  const bool restored = max_diff(net.W[0], W0) == 0.0;
  net.W[0] = W0;
  for (std::size_t k = 0; k < W0.size(); ++k) {
    const double t = net.W[0].data[k];
    net.W[0].data[k] = t + 1e-4;
    const double up = loss();
    net.W[0].data[k] = t - 1e-4;
    const double down = loss();
    net.W[0].data[k] = t;
    ref.data[k] = (up - down) / 2e-4;
  }
  const double d = max_diff(num, ref);
  if (!restored || !(d < 1e-5)) wrong.emplace_back("numerical_gradient", restored ? d : INFINITY);
  for (const auto& [name, diff] : wrong)
    FAIL_CHECK("function with the wrong output: " << name << " (max difference from the reference " << diff
                                                   << " on the network's own inputs)");
  if (wrong.empty()) WARN("every exercise function matches its reference on the network's inputs");
}
}  // namespace

TEST_CASE("gradient check: backprop equals central differences to < 1e-7 (sigmoid and tanh with MSE and softmax-CE)",
          "[whole-network][numerical_gradient][dense_backward][softmax_ce_backward]") {
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
      bool all_pass = true;
      for (const auto& r : rows) {
        CAPTURE(r.layer, r.tensor, r.max_rel_error);
        CHECK(r.pass);
        all_pass = all_pass && r.pass;
      }
      if (!all_pass) name_the_wrong_function(net, data, kind);
    }
  }
}

TEST_CASE("gradient check of a ReLU network away from the kinks, and it catches a missing f′(z)",
          "[whole-network][numerical_gradient][relu_backward][dense_backward]") {
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
  bool all_pass = true;
  for (const auto& r : gradient_check(net, data, LossKind::SoftmaxCE, 1e-7)) {
    CAPTURE(r.layer, r.tensor, r.max_rel_error);
    CHECK(r.pass);
    all_pass = all_pass && r.pass;
  }
  if (!all_pass) name_the_wrong_function(net, data, LossKind::SoftmaxCE);
  // The textbook's δ = ∂E/∂Y without f′(z): layer 0's gradients are wrong, and the check says so.
  const DeltaRule no_fprime = [](int, Activation, const MatrixD&, const MatrixD&, const MatrixD& dA, MatrixD& dZ) {
    dZ = dA;
  };
  const auto bad = gradient_check(net, data, LossKind::SoftmaxCE, 1e-7, no_fprime);
  CHECK_FALSE(bad[0].pass);  // layer 0 W
  CHECK(bad[2].pass);        // layer 1 (output) W is still right: its δ needs no f′
}
