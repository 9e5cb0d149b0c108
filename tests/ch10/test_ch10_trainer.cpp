// Chapter 10: the TunedTrainer without dropout and weight decay is CpuTrainer (same Ops, same
// order: bit-identical weights); dropout and weight decay change the run and stay deterministic;
// the distortions keep an image when they are all zero and move its ink when they are not.
#include <cmath>

#include "augment.hpp"
#include "catch.hpp"
#include "dnn/rng.hpp"
#include "dnn/toy_data.hpp"
#include "dnn/train.hpp"
#include "tuned_trainer.hpp"

using namespace dnn;

namespace {

struct Toy {
  Matrix X;
  std::vector<int> y;
};

Toy toy(int n, int d) {
  Toy t;
  t.X.resize(n, d);
  t.y.resize(static_cast<std::size_t>(n));
  Rng rng(5);
  for (int i = 0; i < n; ++i) {
    t.y[static_cast<std::size_t>(i)] = i % 10;
    for (int k = 0; k < d; ++k) t.X(i, k) = rng.uniform() + (k % 10 == i % 10 ? 1.0f : 0.0f);
  }
  return t;
}

Mlp weights_after(Trainer& t, int epochs) {
  std::vector<int> order;
  for (int e = 0; e < epochs; ++e) {
    epoch_order(3, e, t.train_size(), order);
    t.train_epoch(order, e + 1, {});
  }
  Mlp net;
  t.get_weights(net);
  return net;
}

bool same(const Mlp& a, const Mlp& b) {
  for (std::size_t l = 0; l < a.layers.size(); ++l)
    if (a.layers[l].W.data != b.layers[l].W.data || a.layers[l].b.data != b.layers[l].b.data) return false;
  return true;
}

}  // namespace

TEST_CASE("ch10: TunedTrainer without dropout/decay is CpuTrainer, bit for bit", "[ch10]") {
  const Toy d = toy(200, 30);
  Rng rng(1);
  const Mlp net = make_mlp({30, 16, 12, 10}, Activation::ReLU, rng);
  for (OptimizerKind kind : {OptimizerKind::SGD, OptimizerKind::Momentum, OptimizerKind::Adam}) {
    OptimizerConfig opt;
    opt.kind = kind;
    opt.lr = kind == OptimizerKind::Adam ? 0.01f : 0.1f;
    CpuTrainer ref(eigen_ops(), net, opt, d.X, d.y, 16);
    ch10::TunedTrainer tuned(net, opt, {}, d.X, d.y, 16, 7);
    CHECK(same(weights_after(ref, 2), weights_after(tuned, 2)));
  }
}

TEST_CASE("ch10: dropout and weight decay change the weights, deterministically", "[ch10]") {
  const Toy d = toy(200, 30);
  Rng rng(1);
  const Mlp net = make_mlp({30, 16, 10}, Activation::ReLU, rng);
  OptimizerConfig opt;
  opt.lr = 0.1f;
  ch10::TunedTrainer plain(net, opt, {}, d.X, d.y, 16, 7);
  ch10::TunedTrainer drop1(net, opt, {0.5f, 0.0f}, d.X, d.y, 16, 7), drop2(net, opt, {0.5f, 0.0f}, d.X, d.y, 16, 7);
  ch10::TunedTrainer decay(net, opt, {0.0f, 0.5f}, d.X, d.y, 16, 7);
  const Mlp p = weights_after(plain, 1), a = weights_after(drop1, 1), b = weights_after(drop2, 1);
  const Mlp w = weights_after(decay, 1);
  CHECK_FALSE(same(p, a));
  CHECK(same(a, b));
  double norm_plain = 0, norm_decay = 0;
  for (float v : p.layers[0].W.data) norm_plain += v * v;
  for (float v : w.layers[0].W.data) norm_decay += v * v;
  CHECK(norm_decay < norm_plain);  // decay shrinks the weights
  ch10::TunedTrainer learner(net, opt, {0.2f, 0.001f}, d.X, d.y, 16, 7);
  weights_after(learner, 10);
  CHECK(learner.evaluate(d.X, d.y).accuracy > 0.5);  // with both it still learns the toy problem
}

TEST_CASE("ch10: distortions: none keeps the image, elastic moves the ink, same seed same image", "[ch10]") {
  Matrix img(1, 784, 0.0f);
  for (int y = 6; y < 22; ++y)
    for (int x = 12; x < 16; ++x) img(0, y * 28 + x) = 1.0f;  // a vertical bar, a "1"
  Matrix out;
  ch10::distort_all(img, out, ch10::AugmentConfig{}, 1, 0);
  CHECK(out.data == img.data);
  Matrix a, b, c;
  ch10::distort_all(img, a, ch10::simard_augment(), 1, 0);
  ch10::distort_all(img, b, ch10::simard_augment(), 1, 0);
  ch10::distort_all(img, c, ch10::simard_augment(), 1, 1);
  CHECK(a.data == b.data);
  CHECK(a.data != c.data);
  double moved = 0, ink = 0;
  for (int q = 0; q < 784; ++q) {
    moved += std::fabs(a(0, q) - img(0, q));
    ink += a(0, q);
  }
  CHECK(moved > 5.0);
  CHECK(ink > 0.5 * 64);  // most of the 64 pixels of ink survive (stretched, not erased)
  for (float v : a.data) CHECK((v >= 0.0f && v <= 1.0f));
}
