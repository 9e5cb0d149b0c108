// Chapter 01, not exercises: the naive non-exercise ops and EVERY forward op of the Eigen backend
// against double-precision references, and the Glorot-uniform network (make_mlp).
#include <cmath>
#include <stdexcept>
#include <tuple>

#include "catch.hpp"
#include "dnn/eigen_ops.hpp"
#include "dnn/mlp.hpp"
#include "dnn/naive.hpp"
#include "test_helpers.hpp"

using namespace dnn;
using dnn::testing::max_abs_diff;
using dnn::testing::random_matrix;

namespace {
MatrixD ref_matmul(const Matrix& A, const Matrix& B, bool ta, bool tb) {
  const int m = ta ? A.cols : A.rows, k = ta ? A.rows : A.cols, n = tb ? B.rows : B.cols;
  MatrixD C(m, n);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      double s = 0;
      for (int p = 0; p < k; ++p) s += double(ta ? A(p, i) : A(i, p)) * (tb ? B(j, p) : B(p, j));
      C(i, j) = s;
    }
  return C;
}
double ref_sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }
}  // namespace

TEST_CASE("the tests' max_abs_diff counts a NaN or an infinity on one side as a difference", "[ops][helpers]") {
  const MatrixD ref(2, 2, 1.0);
  MatrixD got = ref;
  CHECK(max_abs_diff(got, ref) == 0.0);
  got(0, 1) = 1.5;
  CHECK(max_abs_diff(got, ref) == 0.5);
  got(1, 0) = NAN;  // after a finite difference
  CHECK_FALSE(max_abs_diff(got, ref) < 1e-4);
  got.fill(NAN);  // every element NaN: before the fix the difference was 0
  CHECK_FALSE(max_abs_diff(got, ref) < 1e-4);
  got = ref;
  got(0, 0) = INFINITY;
  CHECK_FALSE(max_abs_diff(got, ref) < 1e-4);
  MatrixD both = ref;  // the same NaN / infinity on both sides is no difference
  both(0, 0) = NAN;
  both(1, 1) = -INFINITY;
  CHECK(max_abs_diff(both, both) == 0.0);
}

TEST_CASE("matmul, matmul_at_b, matmul_a_bt: naive and Eigen match a double reference", "[ops]") {
  Rng rng(10);
  for (auto [m, k, n] : {std::tuple{1, 1, 1}, std::tuple{3, 33, 7}, std::tuple{32, 784, 50}, std::tuple{10, 3, 1}}) {
    CAPTURE(m, k, n);
    const Matrix A = random_matrix(m, k, rng), B = random_matrix(k, n, rng);
    const Matrix At = random_matrix(k, m, rng), Bt = random_matrix(n, k, rng);
    Matrix C;
    naive::matmul(A, B, C);
    CHECK(max_abs_diff(C, ref_matmul(A, B, false, false)) < 1e-4);
    eigen::matmul(A, B, C);
    CHECK(max_abs_diff(C, ref_matmul(A, B, false, false)) < 1e-4);
    naive::matmul_at_b(At, B, C);
    CHECK(max_abs_diff(C, ref_matmul(At, B, true, false)) < 1e-4);
    eigen::matmul_at_b(At, B, C);
    CHECK(max_abs_diff(C, ref_matmul(At, B, true, false)) < 1e-4);
    naive::matmul_a_bt(A, Bt, C);
    CHECK(max_abs_diff(C, ref_matmul(A, Bt, false, true)) < 1e-4);
    eigen::matmul_a_bt(A, Bt, C);
    CHECK(max_abs_diff(C, ref_matmul(A, Bt, false, true)) < 1e-4);
  }
  Matrix A(2, 3), B(4, 2), C;
  CHECK_THROWS_AS(naive::matmul(A, B, C), std::invalid_argument);
  CHECK_THROWS_AS(eigen::matmul(A, B, C), std::invalid_argument);
  CHECK_THROWS_AS(naive::matmul_at_b(A, B, C), std::invalid_argument);
  CHECK_THROWS_AS(eigen::matmul_at_b(A, B, C), std::invalid_argument);
  CHECK_THROWS_AS(naive::matmul_a_bt(A, B, C), std::invalid_argument);
  CHECK_THROWS_AS(eigen::matmul_a_bt(A, B, C), std::invalid_argument);
}

TEST_CASE("matmul refuses to write its result into one of its inputs", "[ops]") {
  // S is square, so every shape check passes: only the aliasing check can catch S = S·T.
  Rng rng(12);
  Matrix S = random_matrix(5, 5, rng), T = random_matrix(5, 5, rng);
  const Matrix S_before = S;
  auto refused = [](auto&& call) {
    try {
      call();
    } catch (const std::invalid_argument& e) {
      return std::string(e.what()).find("different matrix") != std::string::npos;
    }
    return false;
  };
  CHECK(refused([&] { naive::matmul(S, T, S); }));
  CHECK(refused([&] { eigen::matmul(S, T, S); }));
  CHECK(refused([&] { naive::matmul(T, S, S); }));
  CHECK(refused([&] { eigen::matmul(T, S, S); }));
  CHECK(refused([&] { naive::matmul_at_b(S, T, S); }));
  CHECK(refused([&] { eigen::matmul_at_b(T, S, S); }));
  CHECK(refused([&] { naive::matmul_a_bt(T, S, S); }));
  CHECK(refused([&] { eigen::matmul_a_bt(S, T, S); }));
  CHECK(S.data == S_before.data);  // refused before anything was written
}

TEST_CASE("eigen::dense_forward matches X·W + b on odd shapes and checks shapes", "[ops]") {
  Rng rng(11);
  for (auto [B, n_in, n_out] : {std::tuple{1, 1, 1}, std::tuple{3, 33, 7}, std::tuple{32, 784, 50},
                                std::tuple{256, 50, 50}, std::tuple{33, 50, 10}}) {
    CAPTURE(B, n_in, n_out);
    const Matrix X = random_matrix(B, n_in, rng), W = random_matrix(n_in, n_out, rng), b = random_matrix(1, n_out, rng);
    Matrix Z(3, 3, 7.0f);
    eigen::dense_forward(X, W, b, Z);
    CHECK(max_abs_diff(Z, testing::ref_dense(X, W, b)) < 1e-4);
  }
  Matrix X(2, 3), W(4, 5), b(1, 5), Z;
  CHECK_THROWS_AS(eigen::dense_forward(X, W, b, Z), std::invalid_argument);
  Matrix W2(3, 5), b2(2, 5);
  CHECK_THROWS_AS(eigen::dense_forward(X, W2, b2, Z), std::invalid_argument);
}

TEST_CASE("activations: naive and Eigen sigmoid/tanh/relu/linear match the formulas", "[ops]") {
  Rng rng(12);
  Matrix Z = random_matrix(7, 33, rng, -8, 8);
  Z(0, 0) = 1000;  // large |z|: sigmoid must stay finite and exact
  Z(0, 1) = -1000;
  Z(0, 2) = 0;
  for (Activation f : {Activation::Linear, Activation::ReLU, Activation::Sigmoid, Activation::Tanh}) {
    CAPTURE(to_string(f));
    MatrixD ref(Z.rows, Z.cols);
    for (std::size_t k = 0; k < Z.size(); ++k) {
      const double z = Z.data[k];
      ref.data[k] = f == Activation::Linear    ? z
                    : f == Activation::ReLU    ? std::max(0.0, z)
                    : f == Activation::Sigmoid ? ref_sigmoid(z)
                                               : std::tanh(z);
    }
    Matrix Ye, Yn;
    eigen::activation_forward(f, Z, Ye);
    CHECK(max_abs_diff(Ye, ref) < 1e-6);  // a few float ulps (Eigen's tanh is a rational approximation)
    if (f != Activation::ReLU) {          // relu_forward is an exercise: tested in test_ch01_exercises
      naive::activation_forward(f, Z, Yn);
      CHECK(max_abs_diff(Yn, ref) < 1e-6);
    }
  }
  Matrix Y;
  eigen::sigmoid_forward(Z, Y);
  CHECK(Y(0, 0) == 1.0f);
  CHECK(Y(0, 1) == 0.0f);
  CHECK(Y(0, 2) == 0.5f);
  naive::sigmoid_forward(Z, Y);
  CHECK(Y(0, 0) == 1.0f);
  CHECK(Y(0, 1) == 0.0f);
  // tiny but representable for z = −80: σ(−80) ≈ 1.8e−35, computed as e^−80/(1+e^−80)
  Matrix Zs(1, 1, -80.0f);
  eigen::sigmoid_forward(Zs, Y);
  CHECK(Y(0, 0) == Approx(ref_sigmoid(-80)).epsilon(1e-5));
  naive::sigmoid_forward(Zs, Y);
  CHECK(Y(0, 0) == Approx(ref_sigmoid(-80)).epsilon(1e-5));
  MatrixD Yd;
  naive::tanh_forward(matrix_cast<double>(Z), Yd);
  CHECK(Yd(1, 1) == Approx(std::tanh(double(Z(1, 1)))).epsilon(1e-14));
}

TEST_CASE("eigen::softmax_rows matches a reference, sums to 1, stable at ±1000", "[ops]") {
  Rng rng(13);
  for (auto [r, c] : {std::pair{1, 1}, std::pair{3, 10}, std::pair{32, 33}, std::pair{2, 784}}) {
    const Matrix Z = random_matrix(r, c, rng, -10, 10);
    Matrix P;
    eigen::softmax_rows(Z, P);
    CHECK(max_abs_diff(P, testing::ref_softmax(Z)) < 1e-6);
  }
  Matrix Z(3, 3), P;
  Z.data = {1000, 0, -1000, 1000, 1000, 1000,
            -1000, 0, 1000};  // the max is last: shifting by z_0 instead of the max gives e^2000 = inf
  eigen::softmax_rows(Z, P);
  for (float p : P.data) REQUIRE(std::isfinite(p));
  CHECK(P(0, 0) == Approx(1.0));
  CHECK(P(1, 1) == Approx(1.0 / 3));
  CHECK(P(2, 0) == Approx(0.0).margin(1e-30));
  CHECK(P(2, 2) == Approx(1.0));
}

TEST_CASE("glorot_uniform draws within ±sqrt(6/(fan_in+fan_out)) with the right spread", "[mlp]") {
  Rng rng(14);
  Matrix W(784, 50);
  glorot_uniform(W, rng);
  const double limit = std::sqrt(6.0 / (784 + 50));
  double mean = 0, sq = 0, mx = 0;
  for (float w : W.data) {
    mean += w;
    sq += double(w) * w;
    mx = std::max(mx, std::abs(double(w)));
  }
  mean /= W.size();
  sq /= W.size();
  CHECK(mx <= limit);
  CHECK(mx > 0.99 * limit);                              // it does use the whole range
  CHECK(std::abs(mean) < 0.01 * limit);                  // centred
  CHECK(sq == Approx(limit * limit / 3).epsilon(0.03));  // Var U(−l, l) = l²/3
}

TEST_CASE("make_mlp builds 784-50-50-10 like Keras: shapes, zero biases, linear output", "[mlp]") {
  Rng rng(15);
  const Mlp net = make_mlp({784, 50, 50, 10}, Activation::ReLU, rng);
  REQUIRE(net.layers.size() == 3);
  CHECK(net.input_size() == 784);
  CHECK(net.output_size() == 10);
  CHECK(net.parameter_count() == 784 * 50 + 50 + 50 * 50 + 50 + 50 * 10 + 10);  // 42,310
  CHECK(net.layers[0].act == Activation::ReLU);
  CHECK(net.layers[1].act == Activation::ReLU);
  CHECK(net.layers[2].act == Activation::Linear);
  for (const auto& l : net.layers)
    for (float b : l.b.data) CHECK(b == 0.0f);
  Rng rng2(15);
  const Mlp again = make_mlp({784, 50, 50, 10}, Activation::ReLU, rng2);
  CHECK(max_abs_diff(net.layers[1].W, again.layers[1].W) == 0.0);  // seeded: reproducible
  CHECK_THROWS_AS(make_mlp({784}, Activation::ReLU, rng), std::invalid_argument);
  CHECK_THROWS_AS(make_mlp({784, 0, 10}, Activation::ReLU, rng), std::invalid_argument);
}

TEST_CASE("mlp_forward on the Eigen backend equals a double-precision forward pass", "[mlp]") {
  Rng rng(16);
  const Mlp net = make_mlp({33, 7, 5, 3}, Activation::Tanh, rng);
  const Matrix X = random_matrix(4, 33, rng);
  MlpWorkspace ws;
  const Matrix& logits = mlp_forward(eigen_ops(), net, X, ws);
  MatrixD A = matrix_cast<double>(X);
  for (const auto& l : net.layers) {
    MatrixD Z = testing::ref_dense(A, matrix_cast<double>(l.W), matrix_cast<double>(l.b));
    if (l.act == Activation::Tanh)
      for (auto& z : Z.data) z = std::tanh(z);
    A = Z;
  }
  CHECK(max_abs_diff(logits, A) < 1e-5);
  CHECK(argmax_row(logits, 0) == static_cast<int>(std::max_element(A.row(0), A.row(0) + 3) - A.row(0)));
  Matrix bad(4, 32);
  CHECK_THROWS_AS(mlp_forward(eigen_ops(), net, bad, ws), std::invalid_argument);
}
