// Chapter 07, on the GPU (skipped with exit code 77 when there is none): every GPU variant computes
// the same SGD steps as the CPU (same initial weights, same data order), to within float rounding;
// the hand-written variants agree with each other; divergence and bad configurations are reported.
#include <cmath>
#include <string>
#include <vector>

#include "catch.hpp"
#include "ch07_fixtures.hpp"
#include "dnn/data.hpp"
#include "dnn/error.hpp"
#include "dnn/fast_cpu.hpp"
#include "dnn/gpu_trainer.hpp"
#include "dnn/mlp.hpp"
#include "dnn/rng.hpp"
#include "dnn/train.hpp"

using namespace dnn;
using ch07_test::relative_difference;
using ch07_test::sgd;
using ch07_test::sparse_images;
using dnn::cuda::GpuTrainer;
using dnn::cuda::GpuVariant;

TEST_CASE("GPU: every variant follows the CPU step for step (same weights, same order)", "[ch07][gpu]") {
  Matrix X;
  std::vector<int> y;
  sparse_images(500, 784, 10, 17, X, y);  // 15 minibatches of 32 and a last one of 20
  Rng rng(4);
  const Mlp net0 = make_mlp({784, 50, 50, 10}, Activation::ReLU, rng);
  FastCpuTrainer cpu(net0, sgd(0.05f), X, y, 32);
  std::vector<EpochMetrics> cpu_epochs;
  std::vector<int> order;
  for (int e = 0; e < 2; ++e) {
    epoch_order(7, e, 500, order);
    cpu_epochs.push_back(cpu.train_epoch(order, e + 1, {}));
  }
  Mlp want;
  cpu.get_weights(want);
  for (GpuVariant v : cuda::all_gpu_variants()) {
    INFO("variant " << cuda::to_string(v));
    GpuTrainer gpu(net0, sgd(0.05f), X, y, 32, v);
    for (int e = 0; e < 2; ++e) {
      epoch_order(7, e, 500, order);
      const EpochMetrics m = gpu.train_epoch(order, e + 1, {});
      CHECK(m.steps == 16);
      CHECK(m.loss == Approx(cpu_epochs[static_cast<std::size_t>(e)].loss).epsilon(1e-4));
      CHECK(m.accuracy == Approx(cpu_epochs[static_cast<std::size_t>(e)].accuracy).margin(3.0 / 500));
    }
    Mlp got;
    gpu.get_weights(got);
    CHECK(relative_difference(got, want) < 1e-4);
    const EvalResult ge = gpu.evaluate(X, y), ce = cpu.evaluate(X, y);
    CHECK(ge.loss == Approx(ce.loss).epsilon(1e-4));
    CHECK(ge.accuracy == Approx(ce.accuracy).margin(3.0 / 500));  // a near-tie may flip
    CHECK(gpu.predict(X).size() == 500);
  }
}

TEST_CASE("GPU: the hand-written variants (kernels, graph, persistent) agree with each other", "[ch07][gpu]") {
  Matrix X;
  std::vector<int> y;
  sparse_images(640, 784, 10, 23, X, y);
  Rng rng(9);
  const Mlp net0 = make_mlp({784, 50, 50, 10}, Activation::ReLU, rng);
  std::vector<int> order;
  epoch_order(3, 0, 640, order);
  GpuTrainer ref(net0, sgd(0.05f), X, y, 32, GpuVariant::Kernels);
  ref.train_epoch(order, 1, {});
  ref.train_epoch(order, 2, {});  // the graph variant replays its captured epoch: two epochs test that
  const std::vector<float> ref_losses = ref.last_epoch_losses();
  Mlp want;
  ref.get_weights(want);
  for (GpuVariant v : {GpuVariant::Graph, GpuVariant::Persistent}) {
    INFO("variant " << cuda::to_string(v));
    GpuTrainer g(net0, sgd(0.05f), X, y, 32, v);
    g.train_epoch(order, 1, {});
    g.train_epoch(order, 2, {});
    const std::vector<float> losses = g.last_epoch_losses();
    REQUIRE(losses.size() == ref_losses.size());
    for (std::size_t s = 0; s < losses.size(); ++s) CHECK(losses[s] == Approx(ref_losses[s]).epsilon(1e-5));
    Mlp got;
    g.get_weights(got);
    // The same arithmetic in the same order: expected bit-identical; 1e-5 leaves room for the compiler
    // contracting a multiply-add differently in the two kernels.
    CHECK(relative_difference(got, want) < 1e-5);
  }
}

// [large]: left out of the compute-sanitizer runs of scripts/gpu-check.sh (same kernels as above, more steps).
TEST_CASE("GPU: one epoch on 2000 training images reaches the CPU's test accuracy (within 0.2%)",
          "[ch07][gpu][large]") {
  DataOptions o;
  o.limit_train = 2000;
  o.limit_test = 1000;
  const Dataset ds = load_dataset(o);
  INFO(describe(ds));
  Rng rng(42);
  const Mlp net = make_mlp({ds.input_size(), 50, 50, ds.classes}, Activation::ReLU, rng);
  std::vector<int> order;
  epoch_order(42, 0, ds.train_size(), order);
  FastCpuTrainer cpu(net, sgd(0.01f), ds.train_x, ds.train_y, 32);
  cpu.train_epoch(order, 1, {});
  const EvalResult ct = cpu.evaluate(ds.test_x, ds.test_y);
  for (GpuVariant v : cuda::all_gpu_variants()) {
    INFO("variant " << cuda::to_string(v));
    GpuTrainer gpu(net, sgd(0.01f), ds.train_x, ds.train_y, 32, v);
    gpu.train_epoch(order, 1, {});
    const EvalResult gt = gpu.evaluate(ds.test_x, ds.test_y);
    CHECK(gt.accuracy == Approx(ct.accuracy).margin(0.002));
    CHECK(gt.loss == Approx(ct.loss).epsilon(1e-3));
  }
}

TEST_CASE("GPU: batch 256 trains; the persistent and cooperative kernels refuse what they cannot hold",
          "[ch07][gpu]") {
  Matrix X;
  std::vector<int> y;
  sparse_images(600, 784, 10, 29, X, y);
  Rng rng(5);
  const Mlp net0 = make_mlp({784, 50, 50, 10}, Activation::ReLU, rng);
  std::vector<int> order = iota_indices(600);
  FastCpuTrainer cpu(net0, sgd(0.05f), X, y, 256);
  cpu.train_epoch(order, 1, {});
  Mlp want;
  cpu.get_weights(want);
  std::vector<GpuVariant> variants{GpuVariant::Kernels, GpuVariant::Graph};
  if (DNN_HAVE_CUBLAS) variants.insert(variants.begin(), GpuVariant::Cublas);
  for (GpuVariant v : variants) {
    INFO("variant " << cuda::to_string(v));
    GpuTrainer gpu(net0, sgd(0.05f), X, y, 256, v);
    gpu.train_epoch(order, 1, {});
    Mlp got;
    gpu.get_weights(got);
    CHECK(relative_difference(got, want) < 1e-4);
  }
  try {
    GpuTrainer p(net0, sgd(0.05f), X, y, 256, GpuVariant::Persistent);
    FAIL("batch 256 accepted by the persistent kernel");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find("shared memory") != std::string::npos);
  }
  try {
    GpuTrainer p(net0, sgd(0.05f), X, y, 256, GpuVariant::Cooperative);
    FAIL("batch 256 accepted by the cooperative kernel");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find("at most 64") != std::string::npos);
  }
  // Its per-epoch copy of the non-zeros holds every image once: an order repeating a row is refused
  // (it would write past that copy), before anything runs on the device.
  GpuTrainer coop(net0, sgd(0.05f), X, y, 32, GpuVariant::Cooperative);
  std::vector<int> repeated = order;
  repeated[1] = repeated[0];
  CHECK_THROWS_AS(coop.train_epoch(repeated, 1, {}), std::invalid_argument);
}

// The cooperative kernel's limits: a pixel's images are the bits of a 64-bit mask (batch ≤ 64), and
// batch 1 makes every step a single image (and 600 % 64 = 24 leaves a short last minibatch).
TEST_CASE("GPU: the cooperative kernel follows the CPU at batch 1 and batch 64", "[ch07][gpu]") {
  Rng rng(8);
  const Mlp net0 = make_mlp({784, 50, 50, 10}, Activation::ReLU, rng);
  for (int batch : {1, 64}) {
    INFO("batch " << batch);
    const int n = batch == 1 ? 40 : 600;  // 40 steps of one image; 9 steps of 64 and one of 24
    Matrix X;
    std::vector<int> y;
    sparse_images(n, 784, 10, 37, X, y);
    std::vector<int> order;
    epoch_order(11, 0, n, order);
    FastCpuTrainer cpu(net0, sgd(0.02f), X, y, batch);
    const EpochMetrics cm = cpu.train_epoch(order, 1, {});
    Mlp want;
    cpu.get_weights(want);
    GpuTrainer gpu(net0, sgd(0.02f), X, y, batch, GpuVariant::Cooperative);
    const EpochMetrics gm = gpu.train_epoch(order, 1, {});
    CHECK(gm.steps == cm.steps);
    CHECK(gm.loss == Approx(cm.loss).epsilon(1e-4));
    Mlp got;
    gpu.get_weights(got);
    CHECK(relative_difference(got, want) < 1e-4);
  }
}

TEST_CASE("GPU: a diverging run stops with DivergenceError; weights round-trip", "[ch07][gpu]") {
  Matrix X;
  std::vector<int> y;
  sparse_images(256, 784, 10, 31, X, y);
  Rng rng(6);
  const Mlp net0 = make_mlp({784, 50, 50, 10}, Activation::ReLU, rng);
  std::vector<int> order = iota_indices(256);
  for (GpuVariant v : cuda::all_gpu_variants()) {
    INFO("variant " << cuda::to_string(v));
    GpuTrainer gpu(net0, sgd(1e6f), X, y, 32, v);
    CHECK_THROWS_AS(
        [&] {
          for (int e = 0; e < 5; ++e) gpu.train_epoch(order, e + 1, {});
        }(),
        DivergenceError);
    GpuTrainer ok(net0, sgd(0.01f), X, y, 32, v);
    Mlp back;
    ok.get_weights(back);
    CHECK(relative_difference(back, net0) == 0.0);
    ok.set_weights(back);
    Mlp again;
    ok.get_weights(again);
    CHECK(relative_difference(again, net0) == 0.0);
  }
  Rng rng2(1);
  const Mlp deep = make_mlp({784, 50, 50, 50, 10}, Activation::ReLU, rng2);
  CHECK_THROWS_AS(GpuTrainer(deep, sgd(0.01f), X, y, 32, GpuVariant::Kernels), InputError);
  CHECK_THROWS_AS(GpuTrainer(net0, sgd(0.01f), X, y, 0, GpuVariant::Kernels), InputError);
}
