// Chapter 04 exercises: momentum_step, adam_step, rmsprop_step.
// Golden values: hand-computed steps, and several steps against an independent
// double-precision implementation written here (to 1e-6), plus the Eigen backend.
#include <cmath>
#include <stdexcept>
#include <vector>

#include "catch.hpp"
#include "dnn/eigen_ops.hpp"
#include "dnn/mlp.hpp"
#include "dnn/naive.hpp"
#include "dnn/ops.hpp"
#include "dnn/optimizer.hpp"
#include "dnn/rng.hpp"

using namespace dnn;

namespace {

const std::vector<std::pair<int, int>> kShapes = {{1, 1}, {1, 3}, {3, 1}, {3, 33}, {1, 784}, {784, 3}};

Matrix random_matrix(int r, int c, Rng& rng, float lo = -1.0f, float hi = 1.0f) {
  Matrix m(r, c);
  for (auto& x : m.data) x = rng.uniform(lo, hi);
  return m;
}

// ---- independent references, in double, one element at a time (Kingma & Ba, Algorithm 1)
struct AdamRef {
  double w, m = 0, v = 0;
  void step(double g, long t, double lr, double b1, double b2, double eps) {
    m = b1 * m + (1 - b1) * g;
    v = b2 * v + (1 - b2) * g * g;
    const double mhat = m / (1 - std::pow(b1, static_cast<double>(t)));
    const double vhat = v / (1 - std::pow(b2, static_cast<double>(t)));
    w -= lr * mhat / (std::sqrt(vhat) + eps);
  }
};
struct MomentumRef {
  double w, vel = 0;
  void step(double g, double lr, double mu) {
    vel = mu * vel - lr * g;
    w += vel;
  }
};
struct RmspropRef {
  double w, v = 0;
  void step(double g, double lr, double rho, double eps) {
    v = rho * v + (1 - rho) * g * g;
    w -= lr * g / (std::sqrt(v) + eps);
  }
};

}  // namespace

// ------------------------------------------------------------------------ momentum_step

TEST_CASE("momentum_step: two steps by hand", "[momentum_step]") {
  // W = 1, g = 1 twice, lr = 0.1, μ = 0.9:
  //   V1 = 0.9·0 − 0.1·1 = −0.1,            W1 = 0.9
  //   V2 = 0.9·(−0.1) − 0.1·1 = −0.19,       W2 = 0.71  (the velocity builds up)
  Matrix W(1, 1, 1.0f), g(1, 1, 1.0f), V(1, 1, 0.0f);
  naive::momentum_step(W, g, V, 0.1f, 0.9f);
  CHECK(V(0, 0) == Approx(-0.1).margin(1e-7));
  CHECK(W(0, 0) == Approx(0.9).margin(1e-7));
  naive::momentum_step(W, g, V, 0.1f, 0.9f);
  CHECK(V(0, 0) == Approx(-0.19).margin(1e-7));
  CHECK(W(0, 0) == Approx(0.71).margin(1e-7));
  // μ = 0 is plain SGD.
  Matrix W2(1, 2, 1.0f), g2(1, 2, 2.0f), V2(1, 2, 5.0f);
  naive::momentum_step(W2, g2, V2, 0.25f, 0.0f);
  CHECK(W2(0, 1) == Approx(0.5));
}

TEST_CASE("momentum_step: 5 steps on odd shapes vs double reference and Eigen", "[momentum_step]") {
  Rng rng(21);
  const float lr = 0.05f, mu = 0.9f;
  for (auto [r, c] : kShapes) {
    CAPTURE(r, c);
    Matrix W = random_matrix(r, c, rng), V(r, c, 0.0f);
    Matrix We = W, Ve = V;
    std::vector<MomentumRef> ref;
    for (float w : W.data) ref.push_back({w});
    for (int t = 1; t <= 5; ++t) {
      const Matrix g = random_matrix(r, c, rng, -2.0f, 2.0f);
      naive::momentum_step(W, g, V, lr, mu);
      eigen::momentum_step(We, g, Ve, lr, mu);
      for (std::size_t k = 0; k < ref.size(); ++k) ref[k].step(g.data[k], lr, mu);
    }
    for (std::size_t k = 0; k < ref.size(); ++k) {
      REQUIRE(std::abs(W.data[k] - ref[k].w) < 1e-6);
      REQUIRE(std::abs(V.data[k] - ref[k].vel) < 1e-6);
      REQUIRE(std::abs(W.data[k] - We.data[k]) < 1e-6);
    }
  }
}

TEST_CASE("momentum_step: shape mismatch is an error", "[momentum_step]") {
  Matrix W(3, 33, 0.0f), g(3, 33, 1.0f), V(3, 33, 0.0f), Vbad(33, 3, 0.0f);
  naive::momentum_step(W, g, V, 1.0f, 0.5f);
  CHECK(W(1, 1) == -1.0f);
  CHECK_THROWS_AS(naive::momentum_step(W, g, Vbad, 1.0f, 0.5f), std::invalid_argument);
}

// ---------------------------------------------------------------------------- adam_step

TEST_CASE("adam_step: hand-computed steps (bias correction makes the first steps lr-sized)", "[adam_step]") {
  // W = 0.5, g = 2, lr = 0.1, β1 = 0.9, β2 = 0.999, ε = 1e-8.
  // t=1: m = 0.2, v = 0.004; m̂ = 0.2/0.1 = 2, v̂ = 0.004/0.001 = 4 → W = 0.5 − 0.1·2/(2 + 1e-8) = 0.4
  // t=2: m = 0.38, v = 0.007996; m̂ = 0.38/0.19 = 2, v̂ = 0.007996/0.001999 = 4 → W = 0.3
  // (Without the bias correction the first step would be 0.1·0.2/√0.004 ≈ 0.316, not 0.1.)
  naive::AdamConfig cfg;
  cfg.lr = 0.1;
  MatrixD W(1, 1, 0.5), g(1, 1, 2.0), m(1, 1, 0.0), v(1, 1, 0.0);
  naive::adam_step(W, g, m, v, 1, cfg);
  CHECK(m(0, 0) == Approx(0.2).epsilon(1e-12));
  CHECK(v(0, 0) == Approx(0.004).epsilon(1e-12));
  CHECK(W(0, 0) == Approx(0.4).margin(1e-8));  // exactly 0.4 + 5e-10 (the ε)
  naive::adam_step(W, g, m, v, 2, cfg);
  CHECK(m(0, 0) == Approx(0.38).epsilon(1e-12));
  CHECK(v(0, 0) == Approx(0.007996).epsilon(1e-12));
  CHECK(W(0, 0) == Approx(0.3).margin(1e-8));
  // A negative gradient of any size moves W up by ≈ lr on the first step (float too).
  Matrix Wf(1, 2, 0.0f), gf(1, 2, 0.0f), mf(1, 2, 0.0f), vf(1, 2, 0.0f);
  gf.data = {-1000.0f, 0.001f};
  naive::adam_step(Wf, gf, mf, vf, 1, cfg);
  CHECK(Wf(0, 0) == Approx(0.1).margin(1e-6));
  CHECK(Wf(0, 1) == Approx(-0.1).margin(1e-6));
}

TEST_CASE("adam_step: epsilon is outside the square root", "[adam_step]") {
  // g = 1e-10 on step 1: m̂ = 1e-10, v̂ = 1e-20, √v̂ = 1e-10.
  //   ε outside: step = lr·1e-10/(1e-10 + 1e-8) = lr/101            ≈ 0.0099·lr
  //   ε inside:  step = lr·1e-10/√(1e-20 + 1e-8) ≈ lr·1e-6      (a different answer)
  naive::AdamConfig cfg;
  cfg.lr = 1.0;
  MatrixD W(1, 1, 0.0), g(1, 1, 1e-10), m(1, 1, 0.0), v(1, 1, 0.0);
  naive::adam_step(W, g, m, v, 1, cfg);
  CHECK(W(0, 0) == Approx(-1.0 / 101.0).epsilon(1e-9));
}

TEST_CASE("adam_step: 6 steps on odd shapes vs double reference and Eigen, to 1e-6", "[adam_step]") {
  Rng rng(33);
  naive::AdamConfig cfg;
  cfg.lr = 0.01;
  for (auto [r, c] : kShapes) {
    CAPTURE(r, c);
    Matrix W = random_matrix(r, c, rng), m(r, c, 0.0f), v(r, c, 0.0f);
    Matrix We = W, me = m, ve = v;
    std::vector<AdamRef> ref;
    for (float w : W.data) ref.push_back({w});
    for (long t = 1; t <= 6; ++t) {
      const Matrix g = random_matrix(r, c, rng, -3.0f, 3.0f);
      naive::adam_step(W, g, m, v, t, cfg);
      eigen::adam_step(We, g, me, ve, t, cfg);
      for (std::size_t k = 0; k < ref.size(); ++k) ref[k].step(g.data[k], t, cfg.lr, cfg.beta1, cfg.beta2, cfg.eps);
    }
    for (std::size_t k = 0; k < ref.size(); ++k) {
      REQUIRE(std::abs(W.data[k] - ref[k].w) < 1e-6);
      REQUIRE(std::abs(m.data[k] - ref[k].m) < 1e-6);
      REQUIRE(std::abs(v.data[k] - ref[k].v) < 1e-6);
      REQUIRE(std::abs(W.data[k] - We.data[k]) < 1e-6);
    }
  }
  // Late steps: t = 1000 uses β^t, not β.
  MatrixD W(1, 1, 1.0), g(1, 1, 0.5), m(1, 1, 0.2), v(1, 1, 0.3);
  AdamRef ref{1.0, 0.2, 0.3};
  naive::adam_step(W, g, m, v, 1000, cfg);
  ref.step(0.5, 1000, cfg.lr, cfg.beta1, cfg.beta2, cfg.eps);
  CHECK(std::abs(W(0, 0) - ref.w) < 1e-12);
}

TEST_CASE("adam_step: t < 1 and shape mismatches are errors", "[adam_step]") {
  naive::AdamConfig cfg;
  Matrix W(3, 33, 0.0f), g(3, 33, 1.0f), m(3, 33, 0.0f), v(3, 33, 0.0f), bad(1, 3, 0.0f);
  naive::adam_step(W, g, m, v, 1, cfg);
  CHECK(W(2, 32) == Approx(-0.001).margin(1e-7));
  CHECK_THROWS_AS(naive::adam_step(W, g, m, v, 0, cfg), std::invalid_argument);
  CHECK_THROWS_AS(naive::adam_step(W, g, bad, v, 2, cfg), std::invalid_argument);
}

TEST_CASE("adam_step: Optimizer over an Mlp, naive backend equals Eigen backend", "[whole-network][adam_step][momentum_step]") {
  Rng rng(8);
  const Mlp net0 = make_mlp({3, 33, 5}, Activation::Tanh, rng);
  Matrix X = random_matrix(7, 3, rng);
  const std::vector<int> y = {0, 1, 2, 3, 4, 0, 1};
  for (auto kind : {OptimizerKind::Momentum, OptimizerKind::Adam}) {
    CAPTURE(to_string(kind));
    Mlp a = net0, b = net0;
    OptimizerConfig cfg;
    cfg.kind = kind;
    cfg.lr = 0.01f;
    Optimizer oa(cfg, a), ob(cfg, b);
    MlpWorkspace ws;
    MlpGrads g;
    for (int s = 0; s < 4; ++s) {
      mlp_loss_and_grads(eigen_ops(), a, X, y, ws, g);  // same gradients for both
      oa.step(naive_ops(), a, g);
      mlp_loss_and_grads(eigen_ops(), b, X, y, ws, g);
      ob.step(eigen_ops(), b, g);
    }
    CHECK(oa.steps() == 4);
    for (std::size_t l = 0; l < a.layers.size(); ++l)
      for (std::size_t k = 0; k < a.layers[l].W.size(); ++k)
        if (!(std::abs(a.layers[l].W.data[k] - b.layers[l].W.data[k]) < 1e-5))
          FAIL("function with the wrong output: " << (kind == OptimizerKind::Adam ? "adam_step" : "momentum_step")
                                                  << " (layer " << l << " W[" << k << "] differs from the Eigen step)");
  }
}

// ------------------------------------------------------------------------- rmsprop_step

TEST_CASE("rmsprop_step: one step by hand", "[rmsprop_step]") {
  // g = 2, ρ = 0.9: v = 0.1·4 = 0.4; W = 1 − 0.01·2/(√0.4 + 1e-8) = 1 − 0.0316228
  MatrixD W(1, 1, 1.0), g(1, 1, 2.0), v(1, 1, 0.0);
  naive::rmsprop_step(W, g, v, 0.01, 0.9, 1e-8);
  CHECK(v(0, 0) == Approx(0.4).epsilon(1e-12));
  CHECK(W(0, 0) == Approx(1.0 - 0.02 / std::sqrt(0.4)).epsilon(1e-9));
  CHECK(W(0, 0) == Approx(0.9683772).epsilon(1e-7));
}

TEST_CASE("rmsprop_step: 5 steps on odd shapes vs double reference and Eigen", "[rmsprop_step]") {
  Rng rng(44);
  const float lr = 0.01f, rho = 0.9f, eps = 1e-8f;
  for (auto [r, c] : kShapes) {
    CAPTURE(r, c);
    Matrix W = random_matrix(r, c, rng), v(r, c, 0.0f);
    Matrix We = W, ve = v;
    std::vector<RmspropRef> ref;
    for (float w : W.data) ref.push_back({w});
    for (int t = 1; t <= 5; ++t) {
      const Matrix g = random_matrix(r, c, rng, -3.0f, 3.0f);
      naive::rmsprop_step(W, g, v, lr, rho, eps);
      eigen::rmsprop_step(We, g, ve, lr, rho, eps);
      for (std::size_t k = 0; k < ref.size(); ++k) ref[k].step(g.data[k], lr, rho, eps);
    }
    for (std::size_t k = 0; k < ref.size(); ++k) {
      REQUIRE(std::abs(W.data[k] - ref[k].w) < 1e-6);
      REQUIRE(std::abs(v.data[k] - ref[k].v) < 1e-5);
      REQUIRE(std::abs(W.data[k] - We.data[k]) < 1e-6);
    }
  }
  Matrix W(2, 2, 0.0f), g(2, 2, 1.0f), bad(2, 3, 0.0f);
  CHECK_THROWS_AS(naive::rmsprop_step(W, g, bad, lr, rho, eps), std::invalid_argument);
}
