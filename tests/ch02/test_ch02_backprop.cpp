// Chapter 02, not exercises: losses, the backward ops and the optimizer steps of the Eigen backend
// (and the naive non-exercise ones) against double-precision formulas written here, and the Mlp's
// backpropagation against central differences of an independent double forward pass.
#include <cmath>
#include <stdexcept>
#include <tuple>

#include "catch.hpp"
#include "dnn/eigen_ops.hpp"
#include "dnn/gradcheck.hpp"
#include "dnn/mlp.hpp"
#include "dnn/naive.hpp"
#include "test_helpers.hpp"

using namespace dnn;
using dnn::testing::max_abs_diff;
using dnn::testing::random_labels;
using dnn::testing::random_matrix;

namespace {
// Mean softmax cross-entropy in long double.
double ref_ce(const Matrix& Z, const std::vector<int>& y) {
  long double total = 0;
  for (int i = 0; i < Z.rows; ++i) {
    long double m = Z(i, 0), s = 0;
    for (int j = 0; j < Z.cols; ++j) m = std::max<long double>(m, Z(i, j));
    for (int j = 0; j < Z.cols; ++j) s += std::exp(static_cast<long double>(Z(i, j)) - m);
    total += m + std::log(s) - Z(i, y[static_cast<std::size_t>(i)]);
  }
  return static_cast<double>(total / Z.rows);
}
}  // namespace

TEST_CASE("softmax_cross_entropy (naive and Eigen): value, probabilities, ±1000 logits, bad labels", "[ch02]") {
  Rng rng(30);
  for (auto [B, C] : {std::pair{1, 1}, std::pair{3, 10}, std::pair{33, 7}, std::pair{4, 784}}) {
    CAPTURE(B, C);
    const Matrix Z = random_matrix(B, C, rng, -6, 6);
    const auto y = random_labels(B, C, rng);
    Matrix Pn, Pe;
    const float Ln = naive::softmax_cross_entropy(Z, y, Pn);
    const float Le = eigen::softmax_cross_entropy(Z, y, Pe);
    CHECK(Ln == Approx(ref_ce(Z, y)).epsilon(1e-5).margin(1e-6));
    CHECK(Le == Approx(ref_ce(Z, y)).epsilon(1e-5).margin(1e-6));
    CHECK(max_abs_diff(Pn, testing::ref_softmax(Z)) < 1e-6);
    CHECK(max_abs_diff(Pe, testing::ref_softmax(Z)) < 1e-6);
  }
  Matrix Z(2, 3), P;
  Z.data = {1000, 0, -1000, -1000, 1000, 0};
  // row 0 predicts its label 0 with p ≈ 1 (loss ≈ 0); row 1's label 0 has z = −1000: loss = 2000.
  const std::vector<int> y = {0, 0};
  for (float L : {naive::softmax_cross_entropy(Z, y, P), eigen::softmax_cross_entropy(Z, y, P)}) {
    REQUIRE(std::isfinite(L));
    CHECK(L == Approx(1000.0));  // (0 + 2000) / 2
  }
  CHECK_THROWS_AS(naive::softmax_cross_entropy(Z, {0, 3}, P), std::invalid_argument);
  CHECK_THROWS_AS(eigen::softmax_cross_entropy(Z, {0, 3}, P), std::invalid_argument);
  CHECK_THROWS_AS(naive::softmax_cross_entropy(Z, {0}, P), std::invalid_argument);
  CHECK_THROWS_AS(eigen::softmax_cross_entropy(Z, {-1, 0}, P), std::invalid_argument);
}

TEST_CASE("mse_loss and mse_backward (naive and Eigen) are ½‖Y−T‖²/B and (Y−T)/B", "[ch02]") {
  Rng rng(31);
  const Matrix Y = random_matrix(5, 3, rng), T = random_matrix(5, 3, rng);
  double ref = 0;
  MatrixD dref(5, 3);
  for (std::size_t k = 0; k < Y.size(); ++k) {
    const double d = double(Y.data[k]) - T.data[k];
    ref += 0.5 * d * d / 5;
    dref.data[k] = d / 5;
  }
  CHECK(naive::mse_loss(Y, T) == Approx(ref).epsilon(1e-6));
  CHECK(eigen::mse_loss(Y, T) == Approx(ref).epsilon(1e-6));
  Matrix dY;
  naive::mse_backward(Y, T, dY);
  CHECK(max_abs_diff(dY, dref) < 1e-7);
  eigen::mse_backward(Y, T, dY);
  CHECK(max_abs_diff(dY, dref) < 1e-7);
  Matrix bad(5, 2);
  CHECK_THROWS_AS(naive::mse_loss(Y, bad), std::invalid_argument);
  CHECK_THROWS_AS(eigen::mse_backward(Y, bad, dY), std::invalid_argument);
}

TEST_CASE("activation backward (Eigen relu, sigmoid, tanh, linear and naive sigmoid, tanh) = dY ⊙ f′(Z)", "[ch02]") {
  Rng rng(32);
  const Matrix Z = random_matrix(7, 33, rng, -4, 4), dY = random_matrix(7, 33, rng);
  for (Activation f : {Activation::Linear, Activation::ReLU, Activation::Sigmoid, Activation::Tanh}) {
    CAPTURE(to_string(f));
    Matrix Y;
    eigen::activation_forward(f, Z, Y);
    MatrixD ref(Z.rows, Z.cols);
    for (std::size_t k = 0; k < Z.size(); ++k) {
      const double z = Z.data[k], s = 1 / (1 + std::exp(-z)), t = std::tanh(z);
      const double fp = f == Activation::Linear    ? 1
                        : f == Activation::ReLU    ? (z > 0)
                        : f == Activation::Sigmoid ? s * (1 - s)
                                                   : 1 - t * t;
      ref.data[k] = dY.data[k] * fp;
    }
    Matrix dZ;
    eigen::activation_backward(f, Z, Y, dY, dZ);
    CHECK(max_abs_diff(dZ, ref) < 1e-6);
    if (f == Activation::Sigmoid || f == Activation::Tanh) {
      naive::activation_backward(f, Z, Y, dY, dZ);
      CHECK(max_abs_diff(dZ, ref) < 1e-6);
    }
  }
  Matrix bad(3, 3), dZ;
  CHECK_THROWS_AS(eigen::relu_backward(Z, bad, dZ), std::invalid_argument);
  CHECK_THROWS_AS(eigen::sigmoid_backward(Z, bad, dZ), std::invalid_argument);
  CHECK_THROWS_AS(naive::tanh_backward(Z, bad, dZ), std::invalid_argument);
}

TEST_CASE("eigen relu_backward takes f′(0) = 0, like the naive exercise (and Keras/PyTorch)", "[ch02]") {
  // z = 0 exactly is common in practice (zero biases on all-zero pixels), so the convention
  // matters: every backend must block the gradient there, or they train differently.
  Matrix Z(1, 5), dY(1, 5), Y, dZ;
  Z.data = {-1.0f, 0.0f, 2.0f, 1e-6f, -0.0f};
  dY.data = {10, 20, 30, 40, 50};
  eigen::relu_backward(Z, dY, dZ);
  CHECK(dZ.data == std::vector<float>{0, 0, 30, 40, 0});
  eigen::activation_forward(Activation::ReLU, Z, Y);
  dZ.fill(7.0f);
  eigen::activation_backward(Activation::ReLU, Z, Y, dY, dZ);
  CHECK(dZ.data == std::vector<float>{0, 0, 30, 40, 0});
}

TEST_CASE("eigen::softmax_ce_backward is (P − onehot)/B and checks labels", "[ch02]") {
  Matrix P(2, 3), dZ;
  P.data = {0.2f, 0.3f, 0.5f, 0.1f, 0.1f, 0.8f};
  eigen::softmax_ce_backward(P, {2, 0}, dZ);
  const float expected[] = {0.1f, 0.15f, -0.25f, -0.45f, 0.05f, 0.4f};
  for (int k = 0; k < 6; ++k) CHECK(dZ.data[static_cast<std::size_t>(k)] == Approx(expected[k]));
  CHECK_THROWS_AS(eigen::softmax_ce_backward(P, {2, 3}, dZ), std::invalid_argument);
}

TEST_CASE("eigen::dense_backward equals Xᵀ·dZ, Σ dZ, dZ·Wᵀ (odd shapes, dX optional)", "[ch02]") {
  Rng rng(33);
  for (auto [B, n_in, n_out] :
       {std::tuple{1, 1, 1}, std::tuple{3, 33, 7}, std::tuple{32, 784, 50}, std::tuple{5, 3, 1}}) {
    CAPTURE(B, n_in, n_out);
    const Matrix X = random_matrix(B, n_in, rng), W = random_matrix(n_in, n_out, rng),
                 dZ = random_matrix(B, n_out, rng);
    MatrixD rW(n_in, n_out), rb(1, n_out), rX(B, n_in);
    for (int i = 0; i < B; ++i)
      for (int j = 0; j < n_out; ++j) {
        rb(0, j) += dZ(i, j);
        for (int k = 0; k < n_in; ++k) {
          rW(k, j) += double(X(i, k)) * dZ(i, j);
          rX(i, k) += double(dZ(i, j)) * W(k, j);
        }
      }
    Matrix dW, db, dX(2, 2, 5.0f);
    eigen::dense_backward(X, W, dZ, dW, db, &dX);
    CHECK(max_abs_diff(dW, rW) < 1e-4);
    CHECK(max_abs_diff(db, rb) < 1e-4);
    CHECK(max_abs_diff(dX, rX) < 1e-4);
    Matrix dW2, db2;
    eigen::dense_backward(X, W, dZ, dW2, db2, nullptr);
    CHECK(max_abs_diff(dW2, rW) < 1e-4);
  }
  Matrix X(2, 3), W(3, 4), dZ(2, 5), dW, db;
  CHECK_THROWS_AS(eigen::dense_backward(X, W, dZ, dW, db, nullptr), std::invalid_argument);
}

TEST_CASE("eigen optimizer steps (sgd, momentum, several Adam steps) match double formulas", "[ch02]") {
  Rng rng(34);
  const int r = 3, c = 33;
  Matrix W = random_matrix(r, c, rng);
  MatrixD Wd = matrix_cast<double>(W);
  // SGD: W ← W − lr·dW
  const Matrix g0 = random_matrix(r, c, rng);
  eigen::sgd_step(W, g0, 0.1f);
  for (std::size_t k = 0; k < Wd.size(); ++k) Wd.data[k] -= 0.1 * g0.data[k];
  CHECK(max_abs_diff(W, Wd) < 1e-6);
  // Momentum: V ← μV − lr·dW; W ← W + V (3 steps)
  Matrix V(r, c, 0.0f);
  MatrixD Vd(r, c);
  for (int s = 0; s < 3; ++s) {
    const Matrix g = random_matrix(r, c, rng);
    eigen::momentum_step(W, g, V, 0.05f, 0.9f);
    for (std::size_t k = 0; k < Wd.size(); ++k) {
      Vd.data[k] = 0.9 * Vd.data[k] - 0.05 * g.data[k];
      Wd.data[k] += Vd.data[k];
    }
  }
  CHECK(max_abs_diff(W, Wd) < 1e-5);
  CHECK(max_abs_diff(V, Vd) < 1e-5);
  // Adam (Kingma & Ba), 5 steps
  naive::AdamConfig cfg;
  cfg.lr = 0.01;
  Matrix m(r, c, 0.0f), v(r, c, 0.0f);
  MatrixD md(r, c), vd(r, c);
  for (long t = 1; t <= 5; ++t) {
    const Matrix g = random_matrix(r, c, rng);
    eigen::adam_step(W, g, m, v, t, cfg);
    for (std::size_t k = 0; k < Wd.size(); ++k) {
      md.data[k] = cfg.beta1 * md.data[k] + (1 - cfg.beta1) * g.data[k];
      vd.data[k] = cfg.beta2 * vd.data[k] + (1 - cfg.beta2) * double(g.data[k]) * g.data[k];
      const double mh = md.data[k] / (1 - std::pow(cfg.beta1, double(t)));
      const double vh = vd.data[k] / (1 - std::pow(cfg.beta2, double(t)));
      Wd.data[k] -= cfg.lr * mh / (std::sqrt(vh) + cfg.eps);
    }
  }
  CHECK(max_abs_diff(W, Wd) < 1e-5);
  CHECK(max_abs_diff(m, md) < 1e-6);
  CHECK(max_abs_diff(v, vd) < 1e-6);
  Matrix bad(2, 2);
  CHECK_THROWS_AS(eigen::sgd_step(W, bad, 0.1f), std::invalid_argument);
  CHECK_THROWS_AS(eigen::momentum_step(W, g0, bad, 0.1f, 0.9f), std::invalid_argument);
  CHECK_THROWS_AS(eigen::adam_step(W, g0, m, v, 0, cfg), std::invalid_argument);
}

TEST_CASE("eigen::gather_minibatch copies the rows named by the order, with their labels", "[ch02]") {
  Rng rng(35);
  const Matrix X = random_matrix(10, 33, rng);
  std::vector<int> labels(10);
  for (int i = 0; i < 10; ++i) labels[static_cast<std::size_t>(i)] = i * 7;
  const std::vector<int> order = {9, 2, 5, 0, 7, 1, 3, 4, 6, 8};
  Matrix Xb;
  std::vector<int> yb;
  eigen::gather_minibatch(X, labels, order, 2, 3, Xb, yb);  // rows 5, 0, 7
  REQUIRE(Xb.rows == 3);
  REQUIRE(Xb.cols == 33);
  CHECK(yb == std::vector<int>{35, 0, 49});
  for (int j = 0; j < 33; ++j) {
    CHECK(Xb(0, j) == X(5, j));
    CHECK(Xb(2, j) == X(7, j));
  }
  CHECK_THROWS_AS(eigen::gather_minibatch(X, labels, order, 8, 3, Xb, yb), std::invalid_argument);
  const std::vector<int> bad_order = {0, 11};
  CHECK_THROWS_AS(eigen::gather_minibatch(X, labels, bad_order, 0, 2, Xb, yb), std::invalid_argument);
}

namespace {
// Independent double forward pass + mean softmax-CE of an Mlp (weights given as doubles).
double ref_mlp_loss(const std::vector<MatrixD>& W, const std::vector<MatrixD>& b, const Mlp& net, const Matrix& X,
                    const std::vector<int>& y) {
  MatrixD A = matrix_cast<double>(X);
  for (std::size_t l = 0; l < W.size(); ++l) {
    MatrixD Z = testing::ref_dense(A, W[l], b[l]);
    for (auto& z : Z.data) {
      switch (net.layers[l].act) {
        case Activation::ReLU: z = std::max(0.0, z); break;
        case Activation::Tanh: z = std::tanh(z); break;
        case Activation::Sigmoid: z = 1 / (1 + std::exp(-z)); break;
        case Activation::Linear: break;
      }
    }
    A = Z;
  }
  double total = 0;
  for (int i = 0; i < A.rows; ++i) {
    double m = A(i, 0), s = 0;
    for (int j = 0; j < A.cols; ++j) m = std::max(m, A(i, j));
    for (int j = 0; j < A.cols; ++j) s += std::exp(A(i, j) - m);
    total += m + std::log(s) - A(i, y[static_cast<std::size_t>(i)]);
  }
  return total / A.rows;
}
}  // namespace

TEST_CASE("mlp_loss_and_grads (Eigen table) equals central differences of a double forward", "[ch02][mlp]") {
  for (Activation f : {Activation::Tanh, Activation::ReLU}) {
    CAPTURE(to_string(f));
    Rng rng(36);
    Mlp net = make_mlp({7, 5, 4, 3}, f, rng);
    for (auto& l : net.layers)
      for (auto& b : l.b.data) b = rng.uniform(-0.3f, 0.3f);
    const Matrix X = random_matrix(6, 7, rng);
    const auto y = random_labels(6, 3, rng);
    MlpWorkspace ws;
    MlpGrads grads;
    const float loss = mlp_loss_and_grads(eigen_ops(), net, X, y, ws, grads);
    std::vector<MatrixD> W, b;
    for (const auto& l : net.layers) {
      W.push_back(matrix_cast<double>(l.W));
      b.push_back(matrix_cast<double>(l.b));
    }
    CHECK(loss == Approx(ref_mlp_loss(W, b, net, X, y)).epsilon(1e-5));
    const double h = 1e-6;
    auto check = [&](MatrixD& P, const Matrix& analytic) {
      REQUIRE(P.same_shape(analytic));
      for (std::size_t k = 0; k < P.size(); ++k) {
        const double t = P.data[k];
        P.data[k] = t + h;
        const double lp = ref_mlp_loss(W, b, net, X, y);
        P.data[k] = t - h;
        const double lm = ref_mlp_loss(W, b, net, X, y);
        P.data[k] = t;
        const double num = (lp - lm) / (2 * h);
        CHECK(std::abs(num - analytic.data[k]) < 1e-5 + 1e-3 * std::abs(num));  // float analytic gradient
      }
    };
    for (std::size_t l = 0; l < net.layers.size(); ++l) {
      check(W[l], grads.dW[l]);
      check(b[l], grads.db[l]);
    }
  }
}

TEST_CASE("mlp_loss_and_grads reuses its buffers: no allocation after the first step", "[ch02][mlp]") {
  Rng rng(37);
  const Mlp net = make_mlp({33, 10, 10, 4}, Activation::ReLU, rng);
  const Matrix X = random_matrix(8, 33, rng);
  const auto y = random_labels(8, 4, rng);
  MlpWorkspace ws;
  MlpGrads grads;
  auto buffers = [&] {
    std::vector<const float*> p;
    for (auto* v : {&ws.Z, &ws.A, &ws.dZ, &ws.dA, &grads.dW, &grads.db})
      for (const auto& m : *v) p.push_back(m.data.data());
    p.push_back(ws.P.data.data());
    return p;
  };
  mlp_loss_and_grads(eigen_ops(), net, X, y, ws, grads);
  const auto before = buffers();
  mlp_loss_and_grads(eigen_ops(), net, X, y, ws, grads);
  CHECK(before == buffers());
}

TEST_CASE("mlp_evaluate and mlp_predict give the same answer in any chunk size", "[ch02][mlp]") {
  Rng rng(38);
  const Mlp net = make_mlp({12, 8, 5}, Activation::ReLU, rng);
  const Matrix X = random_matrix(103, 12, rng);
  const auto y = random_labels(103, 5, rng);
  MlpWorkspace ws;
  const EvalResult whole = mlp_evaluate(eigen_ops(), net, X, y, ws, 1000);
  const EvalResult chunked = mlp_evaluate(eigen_ops(), net, X, y, ws, 10);
  CHECK(chunked.loss == Approx(whole.loss).epsilon(1e-6));
  CHECK(chunked.accuracy == whole.accuracy);
  const auto p1 = mlp_predict(eigen_ops(), net, X, ws, 1000), p7 = mlp_predict(eigen_ops(), net, X, ws, 7);
  CHECK(p1 == p7);
  long correct = 0;
  for (std::size_t i = 0; i < y.size(); ++i) correct += p1[i] == y[i];
  CHECK(whole.accuracy == Approx(double(correct) / 103));
  CHECK_THROWS_AS(mlp_evaluate(eigen_ops(), net, X, std::vector<int>(5), ws), std::invalid_argument);
}

TEST_CASE("compare_gradients fails a gradient with NaN or infinite entries", "[ch02][gradcheck]") {
  MatrixD numeric(2, 3, 0.5);
  MatrixD analytic = numeric;
  CHECK(compare_gradients(0, "W", analytic, numeric, 1e-7).pass);  // identical: passes

  SECTION("one NaN among right entries") { analytic(1, 2) = NAN; }
  SECTION("NaN first, then right entries (the NaN must not be forgotten)") { analytic(0, 0) = NAN; }
  SECTION("every entry NaN") { analytic.fill(NAN); }
  SECTION("an infinite entry") { analytic(0, 1) = INFINITY; }
  SECTION("NaN in the numerical gradient") { numeric(1, 0) = NAN; }
  const GradCheckRow r = compare_gradients(0, "W", analytic, numeric, 1e-7);
  CAPTURE(r.max_abs_diff, r.max_rel_error);
  CHECK_FALSE(r.pass);
  CHECK_FALSE(r.max_rel_error < 1e-7);
  CHECK_FALSE(r.max_abs_diff < 1e-7);
}
