// Chapter 07: the fast CPU trainer on real data (MNIST when found, else Fashion-MNIST or the synthetic
// digits). Apart from test_ch07_fast_cpu.cpp because it needs the data loaders (zlib): the portable
// kernel tests (tests/portable/, built for AVX2, AVX-512 and AArch64 in CI) leave it out.
#include "catch.hpp"
#include "ch07_fixtures.hpp"
#include "dnn/data.hpp"
#include "dnn/fast_cpu.hpp"
#include "dnn/mlp.hpp"
#include "dnn/ops.hpp"
#include "dnn/rng.hpp"
#include "dnn/train.hpp"

using namespace dnn;
using ch07_test::sgd;

TEST_CASE("fastcpu: one epoch on 2000 training images reaches the reference's accuracy", "[ch07][fastcpu]") {
  DataOptions o;  // MNIST when found (MNIST_DIR, data/mnist), else Fashion-MNIST or synthetic digits
  o.limit_train = 2000;
  o.limit_test = 1000;
  const Dataset ds = load_dataset(o);
  INFO(describe(ds));
  Rng rng(42);
  const Mlp net = make_mlp({ds.input_size(), 50, 50, ds.classes}, Activation::ReLU, rng);
  std::vector<int> order;
  epoch_order(42, 0, ds.train_size(), order);
  CpuTrainer ref(eigen_ops(), net, sgd(0.01f), ds.train_x, ds.train_y, 32);
  FastCpuTrainer fast(net, sgd(0.01f), ds.train_x, ds.train_y, 32);
  const EpochMetrics rm = ref.train_epoch(order, 1, {});
  const EpochMetrics fm = fast.train_epoch(order, 1, {});
  const EvalResult rt = ref.evaluate(ds.test_x, ds.test_y);
  const EvalResult ft = fast.evaluate(ds.test_x, ds.test_y);
  CHECK(fm.loss == Approx(rm.loss).epsilon(1e-3));
  CHECK(ft.accuracy == Approx(rt.accuracy).margin(0.002));  // at most 2 of 1000 test images differ
  CHECK(ft.accuracy > 0.25);  // well above chance (0.1) after 63 SGD steps at lr 0.01
}
