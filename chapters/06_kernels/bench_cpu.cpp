// Chapter 06 benchmarks, CPU: every step of the GEMM ladder and the MLP's small kernels.
//
//   build/bench/bench_ch06_cpu                                  everything (~1-2 minutes)
//   build/bench/bench_ch06_cpu --benchmark_filter=gemm_cpu/.*/1024x
//   build/bench/bench_ch06_cpu --benchmark_out=runs/06_kernels/cpu.json --benchmark_out_format=json
//   python3 chapters/06_kernels/report.py runs/06_kernels/cpu.json --out runs/06_kernels   → table + bar chart
//
// Names are <group>/<kernel>/<M>x<N>x<K> (GEMM: A is M×K, B is K×N); the counter GFLOP is
// 2·M·N·K per iteration as a rate (shown as GFLOP=<x>/s). Eigen is held to 1 thread; packed_omp
// uses 2. On a busy machine add --benchmark_repetitions=5: the "_min" rows are the least disturbed.
// Each GEMM step is checked against the reference (harness.hpp) before it is timed.
#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <algorithm>
#include <string>
#include <vector>

#include "06_kernels/cpu/gemm.hpp"
#include "06_kernels/cpu/mlp_ops.hpp"
#include "06_kernels/harness.hpp"
#include "dnn/options.hpp"
#include "dnn/error.hpp"
#include "dnn/eigen_ops.hpp"
#include "dnn/exercise.hpp"
#include "dnn/log.hpp"
#include "dnn/simd.hpp"
#include "dnn/naive.hpp"
#include "dnn/rng.hpp"

using namespace dnn;

namespace {

Matrix random_matrix(int rows, int cols, std::uint64_t seed) {
  Matrix m(rows, cols);
  m.data = uniform_values(m.size(), seed);
  return m;
}

void bm_gemm(benchmark::State& state, gemm::GemmFn fn, int M, int N, int K) {
  const auto A = uniform_values(static_cast<std::size_t>(M) * K, 1);
  const auto B = uniform_values(static_cast<std::size_t>(K) * N, 2);
  std::vector<float> C(static_cast<std::size_t>(M) * N);
  try {
    fn(M, N, K, A.data(), B.data(), C.data());  // warm-up; an exercise stub throws here
  } catch (const ExerciseNotDone& e) {
    state.SkipWithError("exercise not done yet: write it in exercises/, then run scripts/check 06");
    return;
  }
  // A wrong step is not timed: the warm-up's C against the reference (harness.hpp).
  if (!gemm::check_product(M, N, K, A, B, C, gemm::fp32_tolerance(K)).ok) {
    state.SkipWithError("wrong result: C differs from the reference (run 06_kernels --kernel <step> for details)");
    return;
  }
  for (auto _ : state) {
    fn(M, N, K, A.data(), B.data(), C.data());
    benchmark::DoNotOptimize(C.data());
    benchmark::ClobberMemory();
  }
  state.counters["GFLOP"] =
      benchmark::Counter(gemm::gemm_flops(M, N, K) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

struct Shape {
  int M, N, K;
};

void register_gemm() {
  // Squares for the roofline story, plus the MLP's layers at batch 32 (784→50, 50→50, 50→10).
  const std::vector<Shape> shapes{{256, 256, 256},  {512, 512, 512}, {1024, 1024, 1024},
                                  {32, 50, 784},    {32, 50, 50},    {32, 10, 50}};
  for (const gemm::CpuGemm& g : gemm::cpu_gemm_ladder()) {
    for (const Shape& s : shapes) {
      const std::string name = std::string("gemm_cpu/") + g.name + "/" + std::to_string(s.M) + "x" +
                               std::to_string(s.N) + "x" + std::to_string(s.K);
      auto* b = benchmark::RegisterBenchmark(name.c_str(), bm_gemm, g.fn, s.M, s.N, s.K);
      b->Unit(s.M >= 256 ? benchmark::kMillisecond : benchmark::kMicrosecond)->UseRealTime();
      // With --benchmark_repetitions=R, also report the fastest repetition ("_min"): on a shared
      // machine the minimum is the run least disturbed by other processes.
      b->ComputeStatistics("min", [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); });
      // The naive step takes seconds at 1024³ (B is read down its columns): time it once.
      if (std::string(g.name) == "naive" && s.M >= 1024) b->Iterations(1);
    }
  }
}

// The MLP's small kernels at the chapter's sizes (batch 32, hidden 50, 10 classes), naive vs Eigen.
void register_mlp_kernels() {
  const int B = 32, H = 50, C = 10;
  using Fn = void (*)(const Matrix&, const Matrix&, Matrix&, Matrix&);
  for (auto [name, fn] : {std::pair<const char*, Fn>{"naive", &mlp_ops::bias_relu_naive},
                          {"eigen", &mlp_ops::bias_relu_eigen}}) {
    benchmark::RegisterBenchmark((std::string("mlp_cpu/bias_relu_") + name + "/32x50").c_str(),
                                 [fn = fn, B, H](benchmark::State& st) {
                                   const Matrix XW = random_matrix(B, H, 3), b = random_matrix(1, H, 4);
                                   Matrix Z, Y;
                                   for (auto _ : st) {
                                     fn(XW, b, Z, Y);
                                     benchmark::DoNotOptimize(Y.data.data());
                                   }
                                   st.SetBytesProcessed(st.iterations() * 3L * B * H * 4);
                                 })
        ->Unit(benchmark::kNanosecond);
  }
  using SumFn = void (*)(const Matrix&, Matrix&);
  for (auto [name, fn] : {std::pair<const char*, SumFn>{"naive", &mlp_ops::column_sums_naive},
                          {"eigen", &mlp_ops::column_sums_eigen}}) {
    benchmark::RegisterBenchmark((std::string("mlp_cpu/column_sums_") + name + "/32x50").c_str(),
                                 [fn = fn, B, H](benchmark::State& st) {
                                   const Matrix dZ = random_matrix(B, H, 5);
                                   Matrix db;
                                   for (auto _ : st) {
                                     fn(dZ, db);
                                     benchmark::DoNotOptimize(db.data.data());
                                   }
                                   st.SetBytesProcessed(st.iterations() * static_cast<long>(B) * H * 4);
                                 })
        ->Unit(benchmark::kNanosecond);
  }
  // Softmax + cross-entropy forward and its gradient, as training calls them.
  benchmark::RegisterBenchmark("mlp_cpu/softmax_xent_naive/32x10", [B, C](benchmark::State& st) {
    const Matrix Z = random_matrix(B, C, 6);
    std::vector<int> y(B);
    for (int i = 0; i < B; ++i) y[i] = i % C;
    Matrix P, dZ;
    for (auto _ : st) {
      benchmark::DoNotOptimize(naive::softmax_cross_entropy(Z, y, P));
      naive::softmax_ce_backward(P, y, dZ);
    }
  })->Unit(benchmark::kNanosecond);
  benchmark::RegisterBenchmark("mlp_cpu/softmax_xent_eigen/32x10", [B, C](benchmark::State& st) {
    const Matrix Z = random_matrix(B, C, 6);
    std::vector<int> y(B);
    for (int i = 0; i < B; ++i) y[i] = i % C;
    Matrix P, dZ;
    for (auto _ : st) {
      benchmark::DoNotOptimize(eigen::softmax_cross_entropy(Z, y, P));
      eigen::softmax_ce_backward(P, y, dZ);
    }
  })->Unit(benchmark::kNanosecond);
  // Optimizer updates over the 784×50 weight matrix (the biggest of the model).
  benchmark::RegisterBenchmark("mlp_cpu/sgd_naive/784x50", [](benchmark::State& st) {
    Matrix W = random_matrix(784, 50, 7);
    const Matrix g = random_matrix(784, 50, 8);
    for (auto _ : st) naive::sgd_step(W, g, 1e-7f);
    st.SetBytesProcessed(st.iterations() * 3L * W.size() * 4);
  })->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("mlp_cpu/sgd_eigen/784x50", [](benchmark::State& st) {
    Matrix W = random_matrix(784, 50, 7);
    const Matrix g = random_matrix(784, 50, 8);
    for (auto _ : st) eigen::sgd_step(W, g, 1e-7f);
    st.SetBytesProcessed(st.iterations() * 3L * W.size() * 4);
  })->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("mlp_cpu/adam_naive/784x50", [](benchmark::State& st) {
    Matrix W = random_matrix(784, 50, 7), m(784, 50), v(784, 50);
    const Matrix g = random_matrix(784, 50, 8);
    long t = 0;
    for (auto _ : st) naive::adam_step(W, g, m, v, ++t, naive::AdamConfig{});
    st.SetBytesProcessed(st.iterations() * 7L * W.size() * 4);
  })->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("mlp_cpu/adam_eigen/784x50", [](benchmark::State& st) {
    Matrix W = random_matrix(784, 50, 7), m(784, 50), v(784, 50);
    const Matrix g = random_matrix(784, 50, 8);
    long t = 0;
    for (auto _ : st) eigen::adam_step(W, g, m, v, ++t, naive::AdamConfig{});
    st.SetBytesProcessed(st.iterations() * 7L * W.size() * 4);
  })->Unit(benchmark::kMicrosecond);
}

}  // namespace

int main(int argc, char** argv) {
  Eigen::setNbThreads(1);  // Eigen single-threaded: the fair comparison with the hand-written steps
  register_gemm();
  register_mlp_kernels();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return dnn::kExitBadInput;
  // Errors and a stdout that cannot be written (/dev/full) as in chapters/bench_main.cpp.
  return dnn::guarded_main("bench_ch06_cpu", [] {
    benchmark::AddCustomContext("dnn_machine", machine_info().dump());
    benchmark::AddCustomContext("cpu_kernels", dnn::simd::describe());
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return dnn::kExitOk;
  });
}
