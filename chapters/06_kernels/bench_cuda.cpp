// Chapter 06 benchmarks, GPU: every step of the CUDA GEMM ladder (cuBLAS as the reference)
// and the MLP's small kernels.
//
//   build/bench/bench_ch06_cuda --benchmark_out=runs/06_kernels/cuda.json --benchmark_out_format=json
//   python3 chapters/06_kernels/report.py runs/06_kernels/cuda.json --out runs/06_kernels
//
// Timing (cuda::GpuTimer, harness.hpp): each iteration first overwrites a buffer twice the size of
// the GPU's L2 cache (so no kernel finds its inputs already in L2 from the previous iteration), then
// times only the kernel with CUDA events (UseManualTime). Each GEMM step is first checked against
// the reference (harness.hpp): a wrong one is not timed. Names are gemm_cuda/<kernel>/<M>x<N>x<K>; the
// counter GFLOP is 2·M·N·K per iteration as a rate over the kernel time (GFLOP=<x>/s).
// Without a usable GPU the program prints "no GPU" and the reason on stderr and exits 77
// (the same "skipped" code as the CUDA tests), writing no results; --benchmark_list_tests
// lists the benchmarks on any machine.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>
#include <vector>

#include "06_kernels/cpu/gemm.hpp"
#include "06_kernels/cuda/gemm.hpp"
#include "06_kernels/harness.hpp"
#include "dnn/options.hpp"
#include "dnn/cuda_device.hpp"
#include "dnn/cuda_kernels.hpp"
#include "dnn/error.hpp"
#include "dnn/device_buffer.hpp"
#include "dnn/log.hpp"
#include "dnn/rng.hpp"

using namespace dnn;
using cuda::DeviceBuffer;

namespace {

// The event timer with its L2 flush (harness.hpp), shared by all benchmarks.
cuda::GpuTimer* g_timer = nullptr;

// Runs `launch` timed per iteration; on a CUDA error the benchmark is marked as failed.
template <typename F>
void run_timed(benchmark::State& state, F&& launch) {
  try {
    launch();  // warm-up (module load, cuBLAS heuristics)
    CUDA_CHECK(cudaDeviceSynchronize());
    for (auto _ : state) state.SetIterationTime(g_timer->time(launch));
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}

void bm_gemm(benchmark::State& state, cuda::GemmLauncher fn, bool tf32, int M, int N, int K) {
  DeviceBuffer<float> dA(uniform_values(static_cast<std::size_t>(M) * K, 1));
  DeviceBuffer<float> dB(uniform_values(static_cast<std::size_t>(K) * N, 2));
  DeviceBuffer<float> dC(static_cast<std::size_t>(M) * N);
  // A wrong step is not timed: one run's C against the reference (harness.hpp).
  try {
    fn(M, N, K, dA.data(), dB.data(), dC.data(), nullptr);
    const gemm::Tolerance tol = tf32 ? gemm::tf32_tolerance(K) : gemm::fp32_tolerance(K);
    if (!gemm::check_product(M, N, K, dA.download(), dB.download(), dC.download(), tol).ok) {
      state.SkipWithError("wrong result: C differs from the reference (run 06_kernels --device cuda for details)");
      return;
    }
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  run_timed(state, [&] { fn(M, N, K, dA.data(), dB.data(), dC.data(), nullptr); });
  state.counters["GFLOP"] =
      benchmark::Counter(gemm::gemm_flops(M, N, K) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

struct Shape {
  int M, N, K;
};

void register_gemm() {
  const std::vector<Shape> shapes{{256, 256, 256},    {512, 512, 512},    {1024, 1024, 1024}, {2048, 2048, 2048},
                                  {4096, 4096, 4096}, {32, 50, 784},      {256, 50, 784}};
  for (const cuda::CudaGemm& g : cuda::cuda_gemm_ladder()) {
    for (const Shape& s : shapes) {
      const std::string name = std::string("gemm_cuda/") + g.name + "/" + std::to_string(s.M) + "x" +
                               std::to_string(s.N) + "x" + std::to_string(s.K);
      auto* b = benchmark::RegisterBenchmark(name.c_str(), bm_gemm, g.fn, g.tf32, s.M, s.N, s.K);
      b->UseManualTime()->Unit(s.M >= 1024 ? benchmark::kMillisecond : benchmark::kMicrosecond);
      // The first steps take ~0.1-0.5 s at 4096³: a fixed, small number of timed runs is enough.
      // Every other benchmark runs until 0.1 s of kernel time (0.02 s below 1024: thousands of
      // runs, each paying ~50 µs of untimed L2 flush). One or the other: Google Benchmark aborts
      // when a benchmark gets both Iterations and MinTime.
      const bool slow_step = std::string(g.name) == "naive" || std::string(g.name) == "coalesced";
      if (s.M >= 4096 && slow_step)
        b->Iterations(std::string(g.name) == "naive" ? 3 : 5);
      else
        b->MinTime(s.M >= 1024 ? 0.1 : 0.02);
    }
  }
}

// The MLP's small kernels at batch 32 (launch-bound: a few microseconds each) and at a large
// batch (bandwidth-bound), timed the same way.
void register_mlp_kernels() {
  for (int rows : {32, 65536}) {
    const int H = 50, C = 10;
    const std::string sfx = "/" + std::to_string(rows);
    benchmark::RegisterBenchmark(("mlp_cuda/bias_relu" + sfx + "x50").c_str(), [rows, H](benchmark::State& st) {
      DeviceBuffer<float> XW(uniform_values(static_cast<std::size_t>(rows) * H, 3)), b(uniform_values(H, 4));
      DeviceBuffer<float> Z(XW.size()), Y(XW.size());
      run_timed(st, [&] { cuda::bias_relu_forward(rows, H, XW.data(), b.data(), Z.data(), Y.data()); });
      st.SetBytesProcessed(st.iterations() * 3L * rows * H * 4);
    })->UseManualTime()->Unit(benchmark::kMicrosecond)->MinTime(0.02);
    benchmark::RegisterBenchmark(("mlp_cuda/softmax_xent" + sfx + "x10").c_str(), [rows, C](benchmark::State& st) {
      DeviceBuffer<float> Z(uniform_values(static_cast<std::size_t>(rows) * C, 5)), P(Z.size()), dZ(Z.size()),
          loss(rows);
      std::vector<int> y(rows);
      for (int i = 0; i < rows; ++i) y[i] = i % C;
      DeviceBuffer<int> labels(y);
      run_timed(st, [&] {
        cuda::softmax_xent(rows, C, Z.data(), labels.data(), P.data(), dZ.data(), loss.data(), 1.0f / rows);
      });
      st.SetBytesProcessed(st.iterations() * 3L * rows * C * 4);
    })->UseManualTime()->Unit(benchmark::kMicrosecond)->MinTime(0.02);
    benchmark::RegisterBenchmark(("mlp_cuda/column_sums" + sfx + "x50").c_str(), [rows, H](benchmark::State& st) {
      DeviceBuffer<float> M(uniform_values(static_cast<std::size_t>(rows) * H, 6)), s(H);
      run_timed(st, [&] { cuda::column_sums(rows, H, M.data(), s.data()); });
      st.SetBytesProcessed(st.iterations() * static_cast<long>(rows) * H * 4);
    })->UseManualTime()->Unit(benchmark::kMicrosecond)->MinTime(0.02);
  }
  const long n = 784L * 50;  // the largest weight matrix of the model
  benchmark::RegisterBenchmark("mlp_cuda/sgd/784x50", [n](benchmark::State& st) {
    DeviceBuffer<float> W(uniform_values(n, 7)), g(uniform_values(n, 8));
    run_timed(st, [&] { cuda::sgd_step(n, W.data(), g.data(), 1e-7f); });
    st.SetBytesProcessed(st.iterations() * 3L * n * 4);
  })->UseManualTime()->Unit(benchmark::kMicrosecond)->MinTime(0.02);
  benchmark::RegisterBenchmark("mlp_cuda/adam/784x50", [n](benchmark::State& st) {
    DeviceBuffer<float> W(uniform_values(n, 7)), g(uniform_values(n, 8)), m(n), v(n);
    m.zero();
    v.zero();
    long t = 0;
    run_timed(st, [&] { cuda::adam_step(n, W.data(), g.data(), m.data(), v.data(), ++t, naive::AdamConfig{}); });
    st.SetBytesProcessed(st.iterations() * 7L * n * 4);
  })->UseManualTime()->Unit(benchmark::kMicrosecond)->MinTime(0.02);
}

}  // namespace

int main(int argc, char** argv) {
  // Registering needs no GPU, so a mistake in it shows on any machine, and the list of benchmarks
  // (--benchmark_list_tests) can be printed without one.
  register_gemm();
  register_mlp_kernels();
  bool list_only = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--benchmark_list_tests" || arg == "--benchmark_list_tests=true" || arg == "--benchmark_list_tests=1")
      list_only = true;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return dnn::kExitBadInput;
  // Errors and a stdout that cannot be written (/dev/full) as in chapters/bench_main.cpp.
  return dnn::guarded_main("bench_ch06_cuda", [list_only]() -> int {
    if (list_only) {
      benchmark::RunSpecifiedBenchmarks();  // prints the names, runs nothing
      return dnn::kExitOk;
    }
    std::string why;
    if (!cuda::device_available(&why)) {
      std::fprintf(stderr, "bench_ch06_cuda: no GPU: %s. Nothing to time; exit code 77 (skipped). "
                           "Run it on a machine with an NVIDIA GPU (scripts/gpu-check.sh).\n", why.c_str());
      return 77;
    }
    cuda::GpuTimer timer;
    g_timer = &timer;
    benchmark::AddCustomContext("dnn_machine", machine_info().dump());
    benchmark::AddCustomContext("gpu", cuda::device_description());
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    g_timer = nullptr;
    return dnn::kExitOk;
  }, "--benchmark_filter (a smaller shape)");
}
