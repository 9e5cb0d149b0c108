// Chapter 05 benchmarks: one training epoch (seconds per epoch, with the run's test accuracy),
// one SGD step, and each operation of a step, for the naive and Eigen backends at the textbook's
// shapes (784-50-50-10).
//
//   build/bench/bench_05_mlp                          all
//   build/bench/bench_05_mlp --benchmark_filter=Op    where the time of one step goes
//
// The epoch benchmark uses the real data when found (MNIST_DIR, data/mnist), else the
// synthetic digits: the speed does not depend on the pixel values (dense math).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "bench_util.hpp"
#include "dnn/options.hpp"
#include "dnn/data.hpp"
#include "dnn/mlp.hpp"
#include "dnn/ops.hpp"
#include "dnn/rng.hpp"
#include "dnn/train.hpp"

using namespace dnn;

namespace {

const Dataset& data() { return bench::bench_dataset(); }

const Ops& backend(int64_t b) { return b == 0 ? naive_ops() : eigen_ops(); }

Mlp textbook_net() { return make_textbook_mlp(784, 10, 42); }

// One epoch over the training images: range(0) backend (0 naive, 1 eigen), range(1) batch.
// One training run per configuration goes on across iterations and repetitions (epoch 1, 2, ...),
// so the counters say where it stands: `epochs` trained so far, the last epoch's `train_loss` and
// the `test_accuracy` after it (measured outside the timing). Wall ("Time") and CPU time per
// epoch, with their median and minimum over repetitions — chapter 05's seconds per epoch:
//   bench_05_mlp --benchmark_filter='BM_Epoch/1/32$' --benchmark_repetitions=10 --benchmark_min_time=0.001
// (min_time 0.001: one epoch per repetition, so 10 repetitions are epochs 1–10 of one run.)
CpuTrainer& epoch_trainer(int64_t b, int64_t batch, int*& epochs_done) {
  struct Run {
    std::unique_ptr<CpuTrainer> trainer;
    int epochs = 0;
  };
  static std::map<std::pair<int64_t, int64_t>, Run> runs;
  Run& run = runs[{b, batch}];
  if (!run.trainer) {
    const Dataset& ds = data();
    run.trainer = std::make_unique<CpuTrainer>(backend(b), textbook_net(), OptimizerConfig{}, ds.train_x,
                                               ds.train_y, static_cast<int>(batch));
  }
  epochs_done = &run.epochs;
  return *run.trainer;
}

void BM_Epoch(benchmark::State& state) {
  const Dataset& ds = data();
  int* epochs = nullptr;
  CpuTrainer& trainer = epoch_trainer(state.range(0), state.range(1), epochs);
  std::vector<int> order;
  EpochMetrics last;
  for (auto _ : state) {
    state.PauseTiming();
    epoch_order(42, (*epochs)++, ds.train_size(), order);
    state.ResumeTiming();
    last = trainer.train_epoch(order, *epochs, {});
    benchmark::DoNotOptimize(last);
  }
  state.counters["epochs"] = *epochs;
  state.counters["train_loss"] = last.loss;
  state.counters["test_accuracy"] = trainer.evaluate(ds.test_x, ds.test_y).accuracy;
  state.SetLabel(std::string(backend(state.range(0)).name) + " batch " + std::to_string(state.range(1)) + ", " +
                 std::to_string(ds.train_size()) + " images" + bench::dataset_tag());
}
double minimum(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }
BENCHMARK(BM_Epoch)
    ->Args({1, 32})
    ->Args({1, 256})
    ->Args({0, 32})
    ->Args({0, 256})
    ->ComputeStatistics("min", minimum)
    ->Unit(benchmark::kMillisecond);

// The pieces of one step at batch 32, to see where the time goes.
struct StepFixture {
  Matrix X{32, 784}, W1{784, 50}, b1{1, 50}, Z1{32, 50}, A1{32, 50}, W2{50, 50}, Z3{32, 10}, P{32, 10};
  Matrix dZ{32, 50}, dW1{784, 50}, db1{1, 50}, dX{32, 50};
  std::vector<int> y = std::vector<int>(32, 3);
  StepFixture() {
    Rng rng(1);
    for (auto* m : {&X, &W1, &W2, &dZ, &Z1, &A1, &Z3})
      for (auto& v : m->data) v = rng.uniform(-1, 1);
  }
};

void set_gflops(benchmark::State& s, double flop_per_iter) {
  s.counters["GFLOP/s"] = benchmark::Counter(flop_per_iter * static_cast<double>(s.iterations()),
                                             benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
  s.counters["GFLOP/s"].value /= 1e9;
}

void BM_Op_DenseForward784(benchmark::State& s) {  // Z = X·W + b, 32×784 · 784×50
  StepFixture f;
  const Ops& ops = backend(s.range(0));
  for (auto _ : s) ops.dense_forward(f.X, f.W1, f.b1, f.Z1);
  set_gflops(s, 2.0 * 32 * 784 * 50);
}
void BM_Op_DenseBackward784(benchmark::State& s) {  // dW = Xᵀ·dZ, db, no dX (first layer)
  StepFixture f;
  const Ops& ops = backend(s.range(0));
  for (auto _ : s) ops.dense_backward(f.X, f.W1, f.dZ, f.dW1, f.db1, nullptr);
  set_gflops(s, 2.0 * 32 * 784 * 50);
}
void BM_Op_DenseBackward50(benchmark::State& s) {  // 50→50 layer, with dX
  StepFixture f;
  const Ops& ops = backend(s.range(0));
  Matrix dW, db;
  for (auto _ : s) ops.dense_backward(f.A1, f.W2, f.dZ, dW, db, &f.dX);
}
void BM_Op_Relu(benchmark::State& s) {
  StepFixture f;
  const Ops& ops = backend(s.range(0));
  for (auto _ : s) ops.activation_forward(Activation::ReLU, f.Z1, f.A1);
}
void BM_Op_SoftmaxCE(benchmark::State& s) {  // loss + its gradient
  StepFixture f;
  const Ops& ops = backend(s.range(0));
  Matrix dZ3;
  for (auto _ : s) {
    benchmark::DoNotOptimize(ops.softmax_cross_entropy(f.Z3, f.y, f.P));
    ops.softmax_ce_backward(f.P, f.y, dZ3);
  }
}
void BM_Op_SgdStepW1(benchmark::State& s) {  // the largest update, 784×50
  StepFixture f;
  const Ops& ops = backend(s.range(0));
  for (auto _ : s) ops.sgd_step(f.W1, f.dW1, 1e-9f);
}
void BM_Op_Gather(benchmark::State& s) {  // copy 32 shuffled rows
  const Dataset& ds = data();
  const Ops& ops = backend(s.range(0));
  std::vector<int> order;
  epoch_order(1, 0, ds.train_size(), order);
  Matrix Xb;
  std::vector<int> yb;
  int start = 0;
  for (auto _ : s) {
    ops.gather_minibatch(ds.train_x, ds.train_y, order, start, 32, Xb, yb);
    start = (start + 32) % (ds.train_size() - 32);
  }
}
// A whole step (gather + forward + loss + backward + SGD update) at batch 32.
void BM_Step(benchmark::State& s) {
  const Dataset& ds = data();
  const Ops& ops = backend(s.range(0));
  Mlp net = textbook_net();
  OptimizerConfig cfg;
  Optimizer opt(cfg, net);
  MlpWorkspace ws;
  MlpGrads g;
  Matrix Xb;
  std::vector<int> yb, order;
  epoch_order(1, 0, ds.train_size(), order);
  int start = 0;
  for (auto _ : s) {
    ops.gather_minibatch(ds.train_x, ds.train_y, order, start, 32, Xb, yb);
    benchmark::DoNotOptimize(mlp_loss_and_grads(ops, net, Xb, yb, ws, g));
    opt.step(ops, net, g);
    start = (start + 32) % (ds.train_size() - 32);
  }
}
BENCHMARK(BM_Step)->Arg(1)->Arg(0);
BENCHMARK(BM_Op_DenseForward784)->Arg(1)->Arg(0);
BENCHMARK(BM_Op_DenseBackward784)->Arg(1)->Arg(0);
BENCHMARK(BM_Op_DenseBackward50)->Arg(1)->Arg(0);
BENCHMARK(BM_Op_Relu)->Arg(1)->Arg(0);
BENCHMARK(BM_Op_SoftmaxCE)->Arg(1)->Arg(0);
BENCHMARK(BM_Op_SgdStepW1)->Arg(1)->Arg(0);
BENCHMARK(BM_Op_Gather)->Arg(1)->Arg(0);

}  // namespace

// main(): chapters/bench_main.cpp (one thread, machine recorded in the JSON).
