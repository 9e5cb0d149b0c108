// Chapter 06 — the kernel ladder: one GEMM C = A·B (row-major float32), many implementations.
//
//   06_kernels                                   every CPU step at 512×512×512, verified and timed
//   06_kernels --kernel packed --m 1024 --n 1024 --k 1024
//   06_kernels --m 32 --n 50 --k 784             the MLP's first layer (batch 32, 784 → 50)
//   06_kernels --device cuda --kernel warptile --m 4096 --n 4096 --k 4096   (needs a GPU)
//
// For each kernel (the files of cpu/ and cuda/) it prints the best time of --repeat runs, GFLOP/s,
// the speedup over the naive step and the largest difference from the reference (harness.hpp), and
// writes kernels.csv / kernels.json to --out (report.cpp). Careful timings: build/bench/bench_ch06_*.
#include <algorithm>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "06_kernels/cpu/gemm.hpp"
#include "06_kernels/harness.hpp"
#include "dnn/cli.hpp"
#include "dnn/cuda_device.hpp"
#include "dnn/error.hpp"
#include "dnn/exercise.hpp"
#include "dnn/log.hpp"
#include "report.hpp"
#if DNN_HAVE_CUDA
#include "06_kernels/cuda/gemm.hpp"
#include "dnn/device_buffer.hpp"
#endif

using namespace dnn;

namespace {

struct Options {
  std::string device = "cpu";
  std::string kernel = "all";
  int M = 512, N = 512, K = 512;
  int repeat = 3;
  CommonOptions common;
};
using Floats = std::vector<float>;  // a row-major matrix
using Results = std::vector<ch06::Result>;

void check_sizes(const Options& o) {  // sizes and repeat count, before anything is allocated
  const std::string got = "M=" + std::to_string(o.M) + " N=" + std::to_string(o.N) + " K=" + std::to_string(o.K);
  if (o.M < 1 || o.N < 1 || o.K < 1) throw InputError("--m/--n/--k: expected sizes >= 1, got " + got);
  if (o.M > gemm::kMaxGemmDim || o.N > gemm::kMaxGemmDim || o.K > gemm::kMaxGemmDim)
    throw InputError("--m/--n/--k: expected sizes <= 2^30 = " + std::to_string(gemm::kMaxGemmDim) + ", got " + got);
  const long long most = std::numeric_limits<int>::max();
  if (1LL * o.M * o.K > most || 1LL * o.K * o.N > most || 1LL * o.M * o.N > most)
    throw InputError("--m/--n/--k: each matrix must have fewer than 2^31 elements");
  if (o.repeat < 1) throw InputError("--repeat: expected an integer >= 1, got " + std::to_string(o.repeat));
}

// Every CPU step (or the one --kernel names) into a C pre-filled with NaN, so an element a step
// forgets to write fails the check (instead of keeping the value the previous step left there).
Results run_cpu(const Options& o, const Floats& A, const Floats& B, std::vector<std::string>& not_done) {
  Results results;
  Floats C(static_cast<std::size_t>(o.M) * o.N);
  const double flops = gemm::gemm_flops(o.M, o.N, o.K);
  for (const gemm::CpuGemm& g : gemm::cpu_gemm_ladder()) {
    if (o.kernel != "all" && o.kernel != g.name) continue;
    const int repeat = (std::string(g.name) == "naive" && flops > 2e8) ? 1 : o.repeat;  // naive is slow
    std::fill(C.begin(), C.end(), std::numeric_limits<float>::quiet_NaN());
    double seconds = 0.0;
    try {
      seconds = gemm::best_time(repeat, [&] { g.fn(o.M, o.N, o.K, A.data(), B.data(), C.data()); });
    } catch (const ExerciseNotDone& e) {  // a step you write yourself: say so, go on with the others
      std::printf("%-12s skipped: %s\n", g.name, e.what());
      not_done.push_back(g.name);
      continue;
    }
    // Threads it really used: packed_omp stays on one thread for small products.
    const int threads = g.fn == &gemm::gemm_packed_omp ? gemm::packed_omp_threads(o.M, o.N, o.K) : g.threads;
    results.push_back({g.name, g.what, threads, seconds, flops / seconds / 1e9,
                       gemm::check_product(o.M, o.N, o.K, A, B, C, gemm::fp32_tolerance(o.K))});
  }
  return results;
}

#if DNN_HAVE_CUDA
// The same on the GPU: kernel time only (a synchronize after each run), C starts as all-NaN bytes.
Results run_cuda(const Options& o, const Floats& A, const Floats& B) {
  if (o.kernel != "all" && !cuda::find_cuda_gemm(o.kernel))
    throw InputError("--kernel: unknown CUDA kernel '" + o.kernel + "'; expected all or one of: " +
                     cuda::cuda_gemm_names());
  Results results;
  Floats C(static_cast<std::size_t>(o.M) * o.N);
  cuda::DeviceBuffer<float> dA(A), dB(B), dC(C.size());
  for (const cuda::CudaGemm& g : cuda::cuda_gemm_ladder()) {
    if (o.kernel != "all" && o.kernel != g.name) continue;
    CUDA_CHECK(cudaMemset(dC.data(), 0xFF, dC.bytes()));
    const double seconds = gemm::best_time(o.repeat, [&] {
      g.fn(o.M, o.N, o.K, dA.data(), dB.data(), dC.data(), nullptr);
      CUDA_CHECK(cudaDeviceSynchronize());
    });
    dC.download(C.data(), C.size());
    const gemm::Tolerance tol = g.tf32 ? gemm::tf32_tolerance(o.K) : gemm::fp32_tolerance(o.K);
    results.push_back({g.name, g.what, 1, seconds, gemm::gemm_flops(o.M, o.N, o.K) / seconds / 1e9,
                       gemm::check_product(o.M, o.N, o.K, A, B, C, tol)});
  }
  return results;
}
#else
Results run_cuda(const Options&, const Floats&, const Floats&) { return {}; }  // not reached: no GPU code
#endif

int run(const Options& o) {
  check_sizes(o);
  apply_threads(o.common.threads);
  if (o.device == "cpu" && o.kernel != "all" && !gemm::find_cpu_gemm(o.kernel))
    throw InputError("--kernel: unknown CPU kernel '" + o.kernel + "'; expected all or one of: " +
                     gemm::cpu_gemm_names());
  if (std::string why; o.device == "cuda" && !cuda::device_available(&why))
    throw InputError("--device cuda: no usable GPU (" + why + "); run with --device cpu");
  prepare_output_dir(o.common.out_dir);

  Rng rng(o.common.seed);  // A and B: uniform in [-1, 1)
  std::vector<float> A(static_cast<std::size_t>(o.M) * o.K), B(static_cast<std::size_t>(o.K) * o.N);
  for (std::vector<float>* matrix : {&A, &B})
    for (float& x : *matrix) x = rng.uniform(-1.0f, 1.0f);
  const ch06::Problem problem{o.device, o.M, o.N, o.K, o.common.out_dir};
  ch06::print_problem(problem);
  std::vector<std::string> not_done;  // CPU steps that are exercises still to write
  const auto results = o.device == "cpu" ? run_cpu(o, A, B, not_done) : run_cuda(o, A, B);
  return ch06::report(problem, results, not_done, gemm::fp32_tolerance(o.K));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Chapter 06: the GEMM kernel ladder (naive -> blocked -> packed SIMD -> Eigen; CUDA naive -> warp "
               "tiling -> cuBLAS). Runs C = A*B, checks it against the naive reference, prints time and GFLOP/s.",
               "06_kernels"};
  Options o;
  app.add_option("--device", o.device, "cpu or cuda (cuda needs an NVIDIA GPU)")
      ->capture_default_str()->check(CLI::IsMember({"cpu", "cuda"}));
  app.add_option("--kernel", o.kernel,
                 "all, or one step: CPU " + gemm::cpu_gemm_names() + " (ikj and blocked: this binary links " +
                     dnn::exercise_bodies() + ")" +
                     "; CUDA naive, coalesced, smem, regtile_1d, regtile_2d, vectorized, warptile, warptile_8warps, "
                     "warptile_wide, cublas, cublas_tf32")
      ->capture_default_str();
  app.add_option("--m", o.M, "rows of A and C")->capture_default_str();
  app.add_option("--n", o.N, "columns of B and C")->capture_default_str();
  app.add_option("--k", o.K, "columns of A = rows of B")->capture_default_str();
  app.add_option("--repeat", o.repeat, "timed runs per kernel (the best is reported)")->capture_default_str();
  add_common_options(app, o.common, "runs/06_kernels");
  return run_program(app, argc, argv, [&] { return run(o); });
}
