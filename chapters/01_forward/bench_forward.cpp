// Chapter 01 benchmark: one dense layer's forward pass, Z = X·W + b then Y = ReLU(Z), with the
// naive loops and with Eigen, on the shapes of the 784-50-50-10 network at batch 32, 256, 10000.
// Counter "GFLOPS" = 2·B·n_in·n_out floating-point operations per iteration / time / 1e9.
//   build/bench/bench_01_forward                       all shapes, both backends
//   build/bench/bench_01_forward --benchmark_filter=eigen
#include <benchmark/benchmark.h>

#include "bench_util.hpp"
#include "dnn/ops.hpp"
#include "dnn/rng.hpp"

namespace {

using dnn::bench::random_matrix;

// args: batch, n_in, n_out
void dense_relu_forward(benchmark::State& state, const dnn::Ops* ops) {
  const int B = static_cast<int>(state.range(0)), n_in = static_cast<int>(state.range(1)),
            n_out = static_cast<int>(state.range(2));
  dnn::Rng rng(1);
  const dnn::Matrix X = random_matrix(B, n_in, rng), W = random_matrix(n_in, n_out, rng), b = random_matrix(1, n_out, rng);
  dnn::Matrix Z, Y;
  ops->dense_forward(X, W, b, Z);  // first touch of the outputs outside the timing
  ops->activation_forward(dnn::Activation::ReLU, Z, Y);
  for (auto _ : state) {
    ops->dense_forward(X, W, b, Z);
    ops->activation_forward(dnn::Activation::ReLU, Z, Y);
    benchmark::DoNotOptimize(Y.data.data());
    benchmark::ClobberMemory();
  }
  const double flops = 2.0 * B * n_in * n_out;
  state.counters["GFLOPS"] = benchmark::Counter(flops / 1e9, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(std::to_string(B) + "x" + std::to_string(n_in) + "->" + std::to_string(n_out));
}

}  // namespace

BENCHMARK_CAPTURE(dense_relu_forward, naive, &dnn::naive_ops())->Apply(dnn::bench::textbook_layer_shapes);
BENCHMARK_CAPTURE(dense_relu_forward, eigen, &dnn::eigen_ops())->Apply(dnn::bench::textbook_layer_shapes);

// main(): chapters/bench_main.cpp (one thread, machine recorded in the JSON).
