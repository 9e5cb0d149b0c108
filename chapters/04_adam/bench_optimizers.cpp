// Chapters 03–04 benchmarks: one update of a weight tensor by each optimizer, naive loops vs
// Eigen, at the textbook network's weight shapes (784×50, 50×50, 50×10), and gathering one
// minibatch (batch × 784).
//
//   build/bench/bench_optimizers
//   build/bench/bench_optimizers --benchmark_filter=Adam
//
// Counters: "bytes/s" counts the memory each update reads and writes (these updates do a few
// flops per element and are limited by memory bandwidth, not arithmetic).
#include <benchmark/benchmark.h>

#include "bench_util.hpp"
#include "dnn/eigen_ops.hpp"
#include "dnn/naive.hpp"
#include "dnn/ops.hpp"
#include "dnn/rng.hpp"

using namespace dnn;

namespace {

using bench::random_matrix;

const Ops& backend(int64_t b) { return b == 0 ? naive_ops() : eigen_ops(); }
const char* backend_name(int64_t b) { return b == 0 ? "naive" : "eigen"; }

// range(0): backend (0 naive, 1 eigen); range(1), range(2): the tensor's shape.
void BM_Sgd(benchmark::State& state) {
  Rng rng(1);
  const int r = static_cast<int>(state.range(1)), c = static_cast<int>(state.range(2));
  Matrix W = random_matrix(r, c, rng), dW = random_matrix(r, c, rng);
  const Ops& ops = backend(state.range(0));
  for (auto _ : state) {
    ops.sgd_step(W, dW, 1e-6f);
    benchmark::ClobberMemory();
  }
  state.SetLabel(backend_name(state.range(0)));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(W.size()) * 3 * 4);  // read W, dW; write W
}

void BM_Momentum(benchmark::State& state) {
  Rng rng(2);
  const int r = static_cast<int>(state.range(1)), c = static_cast<int>(state.range(2));
  Matrix W = random_matrix(r, c, rng), dW = random_matrix(r, c, rng), V(r, c, 0.0f);
  const Ops& ops = backend(state.range(0));
  for (auto _ : state) {
    ops.momentum_step(W, dW, V, 1e-6f, 0.9f);
    benchmark::ClobberMemory();
  }
  state.SetLabel(backend_name(state.range(0)));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(W.size()) * 5 * 4);  // read W dW V; write W V
}

void BM_Adam(benchmark::State& state) {
  Rng rng(3);
  const int r = static_cast<int>(state.range(1)), c = static_cast<int>(state.range(2));
  Matrix W = random_matrix(r, c, rng), dW = random_matrix(r, c, rng), m(r, c, 0.0f), v(r, c, 0.0f);
  const Ops& ops = backend(state.range(0));
  naive::AdamConfig cfg;
  cfg.lr = 1e-6;
  long t = 0;
  for (auto _ : state) {
    ops.adam_step(W, dW, m, v, ++t, cfg);
    benchmark::ClobberMemory();
  }
  state.SetLabel(backend_name(state.range(0)));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(W.size()) * 7 * 4);  // read W dW m v; write W m v
}

void BM_RmsProp(benchmark::State& state) {
  Rng rng(4);
  const int r = static_cast<int>(state.range(1)), c = static_cast<int>(state.range(2));
  Matrix W = random_matrix(r, c, rng), dW = random_matrix(r, c, rng), v(r, c, 0.0f);
  for (auto _ : state) {
    if (state.range(0) == 0)
      naive::rmsprop_step(W, dW, v, 1e-6f, 0.9f, 1e-8f);
    else
      eigen::rmsprop_step(W, dW, v, 1e-6f, 0.9f, 1e-8f);
    benchmark::ClobberMemory();
  }
  state.SetLabel(backend_name(state.range(0)));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(W.size()) * 5 * 4);
}

// range(0): backend; range(1): batch size. Rows of a 10000×784 "training set".
void BM_GatherMinibatch(benchmark::State& state) {
  Rng rng(5);
  const Matrix X = random_matrix(10000, 784, rng);
  std::vector<int> y(10000, 1), order = iota_indices(10000);
  rng.shuffle(order);
  const int batch = static_cast<int>(state.range(1));
  const Ops& ops = backend(state.range(0));
  Matrix Xb;
  std::vector<int> yb;
  int start = 0;
  for (auto _ : state) {
    if (start + batch > X.rows) start = 0;
    ops.gather_minibatch(X, y, order, start, batch, Xb, yb);
    start += batch;
    benchmark::ClobberMemory();
  }
  state.SetLabel(backend_name(state.range(0)));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(batch) * 784 * 4 * 2);
}

void shapes(benchmark::internal::Benchmark* b) {
  for (int be : {0, 1})
    for (auto [r, c] : {std::pair{784, 50}, {50, 50}, {50, 10}}) b->Args({be, r, c});
}

}  // namespace

BENCHMARK(BM_Sgd)->Apply(shapes);
BENCHMARK(BM_Momentum)->Apply(shapes);
BENCHMARK(BM_Adam)->Apply(shapes);
BENCHMARK(BM_RmsProp)->Apply(shapes);
BENCHMARK(BM_GatherMinibatch)->ArgsProduct({{0, 1}, {1, 32, 256}});

// main(): chapters/bench_main.cpp (one thread, machine recorded in the JSON).
