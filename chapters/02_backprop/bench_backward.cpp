// Chapter 02 benchmark: one dense layer's backward pass — dZ = dY ⊙ ReLU′(Z), then
// dW = Xᵀ·dZ, db = Σ dZ and dX = dZ·Wᵀ — with the naive loops and with Eigen, on the shapes of the
// 784-50-50-10 network at batch 32, 256 and 10000.
// Counter "GFLOPS" = 4·B·n_in·n_out (the two products) / time / 1e9.
//   build/bench/bench_02_backprop
//   build/bench/bench_02_backprop --benchmark_filter=eigen
#include <benchmark/benchmark.h>

#include "bench_util.hpp"
#include "dnn/ops.hpp"
#include "dnn/rng.hpp"

namespace {

using dnn::bench::random_matrix;

// args: batch, n_in, n_out
void dense_relu_backward(benchmark::State& state, const dnn::Ops* ops) {
  const int B = static_cast<int>(state.range(0)), n_in = static_cast<int>(state.range(1)),
            n_out = static_cast<int>(state.range(2));
  dnn::Rng rng(2);
  const dnn::Matrix X = random_matrix(B, n_in, rng), W = random_matrix(n_in, n_out, rng),
                    Z = random_matrix(B, n_out, rng), dY = random_matrix(B, n_out, rng);
  dnn::Matrix dZ, dW, db, dX;
  ops->activation_backward(dnn::Activation::ReLU, Z, Z, dY, dZ);  // first touch outside the timing
  ops->dense_backward(X, W, dZ, dW, db, &dX);
  for (auto _ : state) {
    ops->activation_backward(dnn::Activation::ReLU, Z, Z, dY, dZ);
    ops->dense_backward(X, W, dZ, dW, db, &dX);
    benchmark::DoNotOptimize(dW.data.data());
    benchmark::DoNotOptimize(dX.data.data());
    benchmark::ClobberMemory();
  }
  const double flops = 4.0 * B * n_in * n_out;
  state.counters["GFLOPS"] = benchmark::Counter(flops / 1e9, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(std::to_string(B) + "x" + std::to_string(n_in) + "->" + std::to_string(n_out));
}

}  // namespace

BENCHMARK_CAPTURE(dense_relu_backward, naive, &dnn::naive_ops())->Apply(dnn::bench::textbook_layer_shapes);
BENCHMARK_CAPTURE(dense_relu_backward, eigen, &dnn::eigen_ops())->Apply(dnn::bench::textbook_layer_shapes);

// main(): chapters/bench_main.cpp (one thread, machine recorded in the JSON).
