// Chapter 05's exercises (chapters/05_mlp/epoch.hpp): shuffle_order, train_epoch, evaluate. Each
// must reproduce the library's version bit for bit (epoch_order, CpuTrainer::train_epoch on the
// naive Ops, mlp_evaluate), so that `05_mlp --backend naive` gives the same results on your code.
// train_epoch and evaluate run your chapter 01–04 functions too (scripts/check says when one of
// them is not done yet).
#include <algorithm>
#include <cstring>
#include <numeric>
#include <string>
#include <vector>

#include "05_mlp/epoch.hpp"
#include "catch.hpp"
#include "dnn/error.hpp"
#include "dnn/ops.hpp"
#include "dnn/rng.hpp"
#include "dnn/train.hpp"

using namespace dnn;

namespace {

// A small synthetic classification set: n rows of `features` values in [−1, 1), `classes` labels.
struct Synthetic {
  Matrix X;
  std::vector<int> y;
};

Synthetic synthetic(int n, int features, int classes, std::uint64_t seed) {
  Synthetic s;
  s.X = Matrix(n, features);
  Rng rng(seed);
  for (auto& v : s.X.data) v = rng.uniform(-1.0f, 1.0f);
  s.y.resize(static_cast<std::size_t>(n));
  for (auto& c : s.y) c = static_cast<int>(rng.below(static_cast<std::uint64_t>(classes)));
  return s;
}

Mlp small_net(int features, int classes, std::uint64_t seed) {
  Rng rng(seed);
  return make_mlp({features, 8, 6, classes}, Activation::ReLU, rng);
}

bool same_bits(const Matrix& a, const Matrix& b) {
  return a.same_shape(b) && std::memcmp(a.data.data(), b.data.data(), a.size() * sizeof(float)) == 0;
}

bool same_weights(const Mlp& a, const Mlp& b) {
  if (a.layers.size() != b.layers.size()) return false;
  for (std::size_t l = 0; l < a.layers.size(); ++l)
    if (!same_bits(a.layers[l].W, b.layers[l].W) || !same_bits(a.layers[l].b, b.layers[l].b)) return false;
  return true;
}

OptimizerConfig optimizer(OptimizerKind kind, float lr) {
  OptimizerConfig c;
  c.kind = kind;
  c.lr = lr;
  return c;
}

}  // namespace

// ------------------------------------------------------------------ shuffle_order

TEST_CASE("shuffle_order: a permutation of 0..n-1", "[shuffle_order]") {
  for (int n : {1, 2, 37, 1000}) {
    std::vector<int> order{5, 5, 5};  // old contents are replaced
    ch05::shuffle_order(42, 0, n, order);
    REQUIRE(order.size() == static_cast<std::size_t>(n));
    std::vector<int> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    std::vector<int> all(static_cast<std::size_t>(n));
    std::iota(all.begin(), all.end(), 0);
    CHECK(sorted == all);
  }
  std::vector<int> order{1, 2};
  ch05::shuffle_order(42, 0, 0, order);
  CHECK(order.empty());
  CHECK_THROWS_AS(ch05::shuffle_order(42, 0, -1, order), std::invalid_argument);
}

TEST_CASE("shuffle_order: reproducible by (seed, epoch), new each epoch, epoch_order's permutation",
          "[shuffle_order]") {
  std::vector<int> a, b, c, d;
  ch05::shuffle_order(7, 3, 500, a);
  ch05::shuffle_order(7, 3, 500, b);
  CHECK(a == b);  // same seed and epoch: same order
  ch05::shuffle_order(7, 4, 500, c);
  CHECK(a != c);  // another epoch: another order
  ch05::shuffle_order(8, 3, 500, d);
  CHECK(a != d);  // another seed: another order
  std::vector<int> identity(500);
  std::iota(identity.begin(), identity.end(), 0);
  CHECK(a != identity);  // it does shuffle
  // The very permutation of the library's epoch_order (so --backend naive sees the same minibatches).
  for (std::uint64_t seed : {0ULL, 42ULL, 123456789ULL})
    for (int epoch : {0, 1, 9})
      for (int n : {1, 2, 3, 33, 60000}) {
        std::vector<int> mine, ref;
        ch05::shuffle_order(seed, epoch, n, mine);
        epoch_order(seed, epoch, n, ref);
        INFO("seed " << seed << ", epoch " << epoch << ", n " << n);
        REQUIRE(mine == ref);
      }
}

// ------------------------------------------------------------------ train_epoch

TEST_CASE("train_epoch: every row once per epoch, the short last minibatch included", "[train_epoch]") {
  // 37 rows in minibatches of 8: 8, 8, 8, 8 and a short one of 5.
  const int n = 37, batch = 8;
  Synthetic s = synthetic(n, 5, 3, 11);
  std::vector<int> order;
  epoch_order(3, 0, n, order);
  // Only the row visited last (in the short minibatch) has a non-zero input: the first layer's
  // weights change only if that minibatch is trained (a zero input row gives ∂L/∂W1 = 0).
  const int last = order.back();
  for (int i = 0; i < n; ++i)
    if (i != last)
      for (int j = 0; j < s.X.cols; ++j) s.X(i, j) = 0.0f;
  Mlp net = small_net(5, 3, 1);
  const Matrix W1_before = net.layers[0].W;
  Optimizer opt(optimizer(OptimizerKind::SGD, 0.5f), net);
  ch05::StepBuffers buf;
  std::vector<long> done, totals;
  const EpochMetrics m = ch05::train_epoch(net, opt, s.X, s.y, order, batch, 1,
                                           [&](long d, long total, double, double) {
                                             done.push_back(d);
                                             totals.push_back(total);
                                           },
                                           buf);
  CHECK(m.steps == 5);
  CHECK(done == std::vector<long>{1, 2, 3, 4, 5});
  CHECK(totals == std::vector<long>(5, 5));
  CHECK(opt.steps() == 5);  // one update per minibatch
  CHECK(buf.Xb.rows == 5);  // the last minibatch was the short one
  CHECK_FALSE(same_bits(net.layers[0].W, W1_before));
  // A minibatch as large as the set, and one larger: one step each.
  for (int big : {n, n + 10}) {
    Optimizer once(optimizer(OptimizerKind::SGD, 0.5f), net);
    CHECK(ch05::train_epoch(net, once, s.X, s.y, order, big, 1, {}, buf).steps == 1);
    CHECK(buf.Xb.rows == n);
  }
}

TEST_CASE("train_epoch: one epoch reproduces CpuTrainer's weights bit for bit", "[train_epoch]") {
  // 203 rows, minibatches of 16 (the last one 11 rows), a 12-8-6-3 ReLU network.
  const Synthetic s = synthetic(203, 12, 3, 5);
  for (OptimizerKind kind : {OptimizerKind::SGD, OptimizerKind::Momentum, OptimizerKind::Adam}) {
    INFO("optimizer " << to_string(kind));
    const OptimizerConfig cfg = optimizer(kind, kind == OptimizerKind::Adam ? 0.01f : 0.1f);
    const Mlp start = small_net(12, 3, 9);
    CpuTrainer reference(naive_ops(), start, cfg, s.X, s.y, 16);
    Mlp net = start;
    Optimizer opt(cfg, net);
    ch05::StepBuffers buf;
    std::vector<int> order;
    for (int epoch = 1; epoch <= 2; ++epoch) {  // the second epoch reuses the buffers
      epoch_order(5, epoch - 1, 203, order);
      const EpochMetrics mine = ch05::train_epoch(net, opt, s.X, s.y, order, 16, epoch, {}, buf);
      const EpochMetrics ref = reference.train_epoch(order, epoch, {});
      INFO("epoch " << epoch);
      CHECK(mine.steps == ref.steps);
      CHECK(mine.loss == ref.loss);
      CHECK(mine.accuracy == ref.accuracy);
      REQUIRE(same_weights(net, reference.net()));
      CHECK(opt.steps() == reference.optimizer().steps());
    }
  }
}

TEST_CASE("train_epoch: a diverged minibatch loss stops the epoch with CpuTrainer's message", "[train_epoch]") {
  const Synthetic s = synthetic(64, 6, 3, 2);
  const OptimizerConfig cfg = optimizer(OptimizerKind::SGD, 1e6f);
  const Mlp start = small_net(6, 3, 4);
  std::vector<int> order;
  epoch_order(1, 0, 64, order);
  std::string ref_message, mine_message;
  CpuTrainer reference(naive_ops(), start, cfg, s.X, s.y, 4);
  try {
    reference.train_epoch(order, 2, {});
  } catch (const DivergenceError& e) {
    ref_message = e.what();
  }
  REQUIRE_FALSE(ref_message.empty());
  Mlp net = start;
  Optimizer opt(cfg, net);
  ch05::StepBuffers buf;
  try {
    ch05::train_epoch(net, opt, s.X, s.y, order, 4, 2, {}, buf);
  } catch (const DivergenceError& e) {
    mine_message = e.what();
  }
  CHECK(mine_message == ref_message);
  CHECK(same_weights(net, reference.net()));  // the diverged step made no update
}

// ------------------------------------------------------------------ evaluate

TEST_CASE("evaluate: mlp_evaluate's loss and accuracy bit for bit, in chunks of 1000 rows", "[evaluate]") {
  const Mlp net = small_net(10, 4, 3);
  for (int n : {1, 7, 1000, 2500}) {
    INFO(n << " rows");
    const Synthetic s = synthetic(n, 10, 4, static_cast<std::uint64_t>(n));
    ch05::StepBuffers buf;
    MlpWorkspace ws;
    const EvalResult mine = ch05::evaluate(net, s.X, s.y, buf);
    const EvalResult ref = mlp_evaluate(naive_ops(), net, s.X, s.y, ws);
    CHECK(mine.loss == ref.loss);
    CHECK(mine.accuracy == ref.accuracy);
    CHECK(mine.loss > 0.0);
  }
  // Labels that are all right give accuracy 1.
  const Synthetic s = synthetic(50, 10, 4, 1);
  MlpWorkspace ws;
  std::vector<int> predicted = mlp_predict(naive_ops(), net, s.X, ws);
  ch05::StepBuffers buf;
  CHECK(ch05::evaluate(net, s.X, predicted, buf).accuracy == 1.0);
}

TEST_CASE("evaluate: no rows gives 0 and 0, a label count that does not match is an error", "[evaluate]") {
  const Mlp net = small_net(10, 4, 3);
  ch05::StepBuffers buf;
  const EvalResult r = ch05::evaluate(net, Matrix(0, 10), {}, buf);
  CHECK(r.loss == 0.0);
  CHECK(r.accuracy == 0.0);
  const Synthetic s = synthetic(5, 10, 4, 1);
  CHECK_THROWS_AS(ch05::evaluate(net, s.X, std::vector<int>{0, 1}, buf), std::invalid_argument);
}

// ------------------------------------------------------------------ together

TEST_CASE("shuffle_order, train_epoch and evaluate: two epochs of model.fit as the library runs them",
          "[whole-network]") {
  const Synthetic train = synthetic(300, 12, 3, 21);
  const Synthetic test = synthetic(120, 12, 3, 22);
  const OptimizerConfig cfg = optimizer(OptimizerKind::SGD, 0.1f);
  const Mlp start = small_net(12, 3, 9);
  CpuTrainer reference(naive_ops(), start, cfg, train.X, train.y, 32);
  Mlp net = start;
  Optimizer opt(cfg, net);
  ch05::StepBuffers buf, eval_buf;
  std::vector<int> mine_order, ref_order;
  for (int epoch = 1; epoch <= 2; ++epoch) {
    INFO("epoch " << epoch);
    ch05::shuffle_order(42, epoch - 1, 300, mine_order);
    epoch_order(42, epoch - 1, 300, ref_order);
    const EpochMetrics mine = ch05::train_epoch(net, opt, train.X, train.y, mine_order, 32, epoch, {}, buf);
    const EpochMetrics ref = reference.train_epoch(ref_order, epoch, {});
    CHECK(mine.loss == ref.loss);
    REQUIRE(same_weights(net, reference.net()));
    const EvalResult t_mine = ch05::evaluate(net, test.X, test.y, eval_buf);
    const EvalResult t_ref = reference.evaluate(test.X, test.y);
    CHECK(t_mine.loss == t_ref.loss);
    CHECK(t_mine.accuracy == t_ref.accuracy);
  }
}
