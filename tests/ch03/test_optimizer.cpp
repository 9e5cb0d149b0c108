// The Optimizer over an Mlp (optimizer.hpp), on the Eigen backend (no exercise code involved):
// state shapes, step count, parsing, three hand-computed steps of each kind, and that a few steps
// lower the loss of a small network.
#include <cmath>

#include "catch.hpp"
#include "dnn/error.hpp"
#include "dnn/mlp.hpp"
#include "dnn/optimizer.hpp"
#include "dnn/toy_data.hpp"

using namespace dnn;

namespace {

Mlp small_net(std::uint64_t seed) {
  Rng rng(seed);
  return make_mlp({2, 16, 16, 2}, Activation::Tanh, rng);
}

float loss_of(const Mlp& net, const ToyProblem& d) {
  MlpWorkspace ws;
  MlpGrads g;
  return mlp_loss_and_grads(eigen_ops(), net, d.X, d.y, ws, g);
}

}  // namespace

TEST_CASE("Optimizer: names parse and print", "[optimizer]") {
  for (auto k : {OptimizerKind::SGD, OptimizerKind::Momentum, OptimizerKind::Adam})
    CHECK(parse_optimizer(to_string(k)) == k);
  CHECK_THROWS_AS(parse_optimizer("adagrad"), InputError);
}

TEST_CASE("Optimizer: state tensors have the parameter shapes", "[optimizer]") {
  const Mlp net = small_net(1);
  OptimizerConfig cfg;
  cfg.kind = OptimizerKind::SGD;
  CHECK(Optimizer(cfg, net).slots1().empty());
  cfg.kind = OptimizerKind::Momentum;
  const Optimizer mom(cfg, net);
  REQUIRE(mom.slots1().size() == 6);  // W0 b0 W1 b1 W2 b2
  CHECK(mom.slots2().empty());
  cfg.kind = OptimizerKind::Adam;
  const Optimizer adam(cfg, net);
  REQUIRE(adam.slots1().size() == 6);
  REQUIRE(adam.slots2().size() == 6);
  for (std::size_t l = 0; l < 3; ++l) {
    CHECK(adam.slots1()[2 * l].same_shape(net.layers[l].W));
    CHECK(adam.slots1()[2 * l + 1].same_shape(net.layers[l].b));
    CHECK(adam.slots2()[2 * l].same_shape(net.layers[l].W));
    for (float v : adam.slots2()[2 * l].data) REQUIRE(v == 0.0f);  // m = v = 0 at the start
  }
  cfg.lr = -1.0f;
  CHECK_THROWS_AS(Optimizer(cfg, net), InputError);
}

TEST_CASE("Optimizer: every kind lowers the loss of a small net in a few full-batch steps", "[optimizer]") {
  const ToyProblem d = make_moons(200, 0.1f, 3);
  for (auto kind : {OptimizerKind::SGD, OptimizerKind::Momentum, OptimizerKind::Adam}) {
    CAPTURE(to_string(kind));
    Mlp net = small_net(2);
    OptimizerConfig cfg;
    cfg.kind = kind;
    cfg.lr = kind == OptimizerKind::Adam ? 0.01f : 0.1f;
    Optimizer opt(cfg, net);
    MlpWorkspace ws;
    MlpGrads g;
    const float before = loss_of(net, d);
    for (int s = 0; s < 20; ++s) {
      mlp_loss_and_grads(eigen_ops(), net, d.X, d.y, ws, g);
      opt.step(eigen_ops(), net, g);
    }
    CHECK(opt.steps() == 20);
    const float after = loss_of(net, d);
    CHECK(std::isfinite(after));
    CHECK(after < before - 0.02f);
  }
}

TEST_CASE("Optimizer: set_learning_rate keeps the state, a zero gradient leaves SGD weights alone", "[optimizer]") {
  Mlp net = small_net(4);
  const Mlp before = net;
  OptimizerConfig cfg;
  Optimizer opt(cfg, net);
  MlpGrads zero;
  for (const auto& L : net.layers) {
    zero.dW.emplace_back(L.W.rows, L.W.cols, 0.0f);
    zero.db.emplace_back(L.b.rows, L.b.cols, 0.0f);
  }
  opt.step(eigen_ops(), net, zero);
  opt.set_learning_rate(0.5f);
  CHECK(opt.config().lr == 0.5f);
  opt.step(eigen_ops(), net, zero);
  CHECK(opt.steps() == 2);
  for (std::size_t l = 0; l < net.layers.size(); ++l) CHECK(net.layers[l].W.data == before.layers[l].W.data);
  MlpGrads wrong = zero;
  wrong.dW.pop_back();
  CHECK_THROWS_AS(opt.step(eigen_ops(), net, wrong), std::invalid_argument);
}

TEST_CASE("Optimizer: three steps with a constant gradient, by hand (SGD, momentum, Adam with t = 1, 2, 3)",
          "[optimizer]") {
  // One layer, W = [1 1], b = [0 0]; the gradients are given (not computed): dW = [2 −0.5], db = [1 −4].
  // lr = 0.05 (not Adam's default 0.001: the Optimizer's lr must reach every update rule).
  //  SGD:      W₃ = W₀ − 3·lr·g
  //  momentum: V_t = μ·V_{t−1} − lr·g, so W₃ = W₀ − lr·g·(3 + 2μ + μ²) = W₀ − 0.2805·g  (μ = 0.9)
  //  Adam:     with a constant g, m_t = (1 − β1^t)·g and v_t = (1 − β2^t)·g², so the bias-corrected
  //            m̂ = g and v̂ = g² at every t and each step is lr·g/(|g| + ε) ≈ lr·sign(g):
  //            W₃ = W₀ − 3·lr·sign(g). (A step count stuck at t = 1 gives steps 0.05, 0.067, 0.078.)
  for (auto kind : {OptimizerKind::SGD, OptimizerKind::Momentum, OptimizerKind::Adam}) {
    CAPTURE(to_string(kind));
    Mlp net;
    net.layers.resize(1);
    net.layers[0].W = Matrix(1, 2, 1.0f);
    net.layers[0].b = Matrix(1, 2, 0.0f);
    net.layers[0].act = Activation::Linear;
    MlpGrads g;
    g.dW.emplace_back(1, 2);
    g.dW[0].data = {2.0f, -0.5f};
    g.db.emplace_back(1, 2);
    g.db[0].data = {1.0f, -4.0f};
    OptimizerConfig cfg;
    cfg.kind = kind;
    cfg.lr = 0.05f;
    cfg.momentum = 0.9f;
    Optimizer opt(cfg, net);
    for (int s = 0; s < 3; ++s) opt.step(eigen_ops(), net, g);
    REQUIRE(opt.steps() == 3);
    const std::vector<float> W = net.layers[0].W.data, b = net.layers[0].b.data;
    switch (kind) {
      case OptimizerKind::SGD:
        CHECK(W[0] == Approx(1.0 - 0.15 * 2.0).margin(1e-6));
        CHECK(W[1] == Approx(1.0 + 0.15 * 0.5).margin(1e-6));
        CHECK(b[0] == Approx(-0.15).margin(1e-6));
        CHECK(b[1] == Approx(0.6).margin(1e-6));
        break;
      case OptimizerKind::Momentum:
        CHECK(W[0] == Approx(1.0 - 0.2805 * 2.0).margin(1e-6));
        CHECK(W[1] == Approx(1.0 + 0.2805 * 0.5).margin(1e-6));
        CHECK(b[0] == Approx(-0.2805).margin(1e-6));
        CHECK(b[1] == Approx(0.2805 * 4.0).margin(1e-6));
        CHECK(opt.slots1()[0].data[0] == Approx(-0.05 * 2.71 * 2.0).margin(1e-6));  // V₃ = −lr·g·(1 + μ + μ²)
        break;
      case OptimizerKind::Adam:
        // 1e-5: the float β2 (0.999f) makes (1 − β2) 1.3e-5 smaller than 0.001, and v̂ with it.
        CHECK(W[0] == Approx(0.85).margin(1e-5));
        CHECK(W[1] == Approx(1.15).margin(1e-5));
        CHECK(b[0] == Approx(-0.15).margin(1e-5));
        CHECK(b[1] == Approx(0.15).margin(1e-5));
        CHECK(opt.slots1()[0].data[0] == Approx((1 - 0.9 * 0.9 * 0.9) * 2.0).epsilon(1e-5));        // m₃
        CHECK(opt.slots2()[0].data[0] == Approx((1 - 0.999 * 0.999 * 0.999) * 4.0).epsilon(1e-4));  // v₃
        break;
    }
  }
}
