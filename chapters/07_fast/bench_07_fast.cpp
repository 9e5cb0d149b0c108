// Chapter 07 benchmark: one SGD step (batch 32) and one epoch of the textbook network for every
// step of the CPU ladder (FastCpuFeatures), next to chapter 05's Eigen path.
//
//   build/bench/bench_07_fast                               all
//   build/bench/bench_07_fast --benchmark_filter=Step       one minibatch step per configuration
//
// Uses MNIST when found (MNIST_DIR, data/mnist), else Fashion-MNIST or the synthetic digits: the
// sparse path's speed depends on the fraction of zero pixels (MNIST: 80.9%), so use real MNIST for
// numbers you compare with the README.
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "bench_util.hpp"
#include "dnn/options.hpp"
#include "dnn/data.hpp"
#include "dnn/fast_cpu.hpp"
#include "dnn/mlp.hpp"
#include "dnn/ops.hpp"
#include "dnn/rng.hpp"
#include "dnn/train.hpp"

using namespace dnn;

namespace {

const Dataset& data() { return bench::bench_dataset(); }

Mlp textbook_net() { return make_textbook_mlp(data().input_size(), data().classes, 42); }

// range(0): 0 = chapter 05's Eigen path; 1..8 = the ladder steps of 07_fast --ladder (ladder_step).
std::unique_ptr<Trainer> make(int64_t config, int batch) {
  const Dataset& ds = data();
  OptimizerConfig opt;
  opt.lr = 0.01f;
  if (config == 0) return std::make_unique<CpuTrainer>(eigen_ops(), textbook_net(), opt, ds.train_x, ds.train_y, batch);
  return std::make_unique<FastCpuTrainer>(textbook_net(), opt, ds.train_x, ds.train_y, batch,
                                          ladder_step(static_cast<int>(config)));
}

const char* label(int64_t config) {
  static const char* names[] = {"0 eigen (chapter 05)", "1 fused, Eigen GEMM", "2 + sparse layer 1",
                                "3 + fused update", "4 + hand kernels", "5 + layer 1 in pixel blocks",
                                "6 + pixels in 3 bytes (fastcpu)", "7 (tried) 5 + by pixel",
                                "8 (tried) 5 + image pairs"};
  return names[config];
}

// One SGD step on minibatches taken in turn from a shuffled order (the steps of an epoch).
void BM_Step(benchmark::State& state) {
  std::unique_ptr<Trainer> t = make(state.range(0), 32);
  std::vector<int> order;
  epoch_order(42, 0, data().train_size(), order);
  const int steps = data().train_size() / 32;
  long s = 0;
  for (auto _ : state) {
    const std::vector<int> mb(order.begin() + (s % steps) * 32, order.begin() + (s % steps) * 32 + 32);
    benchmark::DoNotOptimize(t->train_epoch(mb, 1, {}));
    ++s;
  }
  state.SetLabel(label(state.range(0)) + bench::dataset_tag());
  state.SetItemsProcessed(state.iterations() * 32);
}
BENCHMARK(BM_Step)->DenseRange(0, 8)->Unit(benchmark::kMicrosecond);
// The same minibatch every step (steps 5 and 6): its images and the rows of W1 they touch stay in
// the caches, so BM_Step minus this is what the images' memory traffic costs. Measured on the Xeon,
// 2026-12-04: step 6 30.0 against 29.5 µs per step with AVX2, 24.1 against 21.7 with AVX-512 (step
// 5, 8 bytes per pixel: 35.2 against 31.2 and 29.7 against 23.5).
void BM_SameStep(benchmark::State& state) {
  std::unique_ptr<Trainer> t = make(state.range(0), 32);
  std::vector<int> order;
  epoch_order(42, 0, data().train_size(), order);
  const std::vector<int> mb(order.begin(), order.begin() + 32);
  for (auto _ : state) benchmark::DoNotOptimize(t->train_epoch(mb, 1, {}));
  state.SetLabel(label(state.range(0)) + bench::dataset_tag());
  state.SetItemsProcessed(state.iterations() * 32);
}
BENCHMARK(BM_SameStep)->DenseRange(5, 6)->Unit(benchmark::kMicrosecond);

// One epoch (1875 steps at batch 32).
void BM_Epoch(benchmark::State& state) {
  std::unique_ptr<Trainer> t = make(state.range(0), 32);
  std::vector<int> order;
  int e = 0;
  for (auto _ : state) {
    state.PauseTiming();
    epoch_order(42, e++, data().train_size(), order);
    state.ResumeTiming();
    benchmark::DoNotOptimize(t->train_epoch(order, e, {}));
  }
  state.SetLabel(label(state.range(0)) + bench::dataset_tag());
}
BENCHMARK(BM_Epoch)->DenseRange(0, 8)->Unit(benchmark::kMillisecond)->MinTime(1.0);

}  // namespace

// main(): chapters/bench_main.cpp (one thread, machine recorded in the JSON).

// One SGD step of a wide network (784-1024-1024-10, batch 32): range(0) 0 = chapter 05's Eigen
// path, 1 = fastcpu. Layers wider than the register-resident loops go through Eigen's GEMM inside
// fastcpu (common/src/fast_cpu/shared.hpp, fits_registers); before that, fastcpu took 15× Eigen's time here.
void BM_WideStep(benchmark::State& state) {
  const Dataset& ds = data();
  OptimizerConfig opt;
  opt.lr = 0.01f;
  Rng rng(42);
  const Mlp net = make_mlp({ds.input_size(), 1024, 1024, ds.classes}, Activation::ReLU, rng);
  std::unique_ptr<Trainer> t;
  if (state.range(0) == 0)
    t = std::make_unique<CpuTrainer>(eigen_ops(), net, opt, ds.train_x, ds.train_y, 32);
  else
    t = std::make_unique<FastCpuTrainer>(net, opt, ds.train_x, ds.train_y, 32);
  std::vector<int> order;
  epoch_order(42, 0, ds.train_size(), order);
  const int steps = ds.train_size() / 32;
  long s = 0;
  for (auto _ : state) {
    const std::vector<int> mb(order.begin() + (s % steps) * 32, order.begin() + (s % steps) * 32 + 32);
    benchmark::DoNotOptimize(t->train_epoch(mb, 1, {}));
    ++s;
  }
  state.SetLabel(std::string(state.range(0) == 0 ? "eigen (chapter 05), 1024,1024" : "fastcpu, 1024,1024") + bench::dataset_tag());
  state.SetItemsProcessed(state.iterations() * 32);
}
BENCHMARK(BM_WideStep)->DenseRange(0, 1)->Unit(benchmark::kMicrosecond);
