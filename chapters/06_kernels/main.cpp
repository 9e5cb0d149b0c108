// Chapter 06 — the kernel ladder: one GEMM C = A·B (row-major float32), many implementations.
//
//   06_kernels                                   every CPU step at 512×512×512, verified and timed
//   06_kernels --kernel packed --m 1024 --n 1024 --k 1024
//   06_kernels --m 32 --n 50 --k 784             the MLP's first layer (batch 32, 784 → 50)
//   06_kernels --device cuda --kernel warptile --m 4096 --n 4096 --k 4096   (needs a GPU)
//
// For each kernel it prints the best time of --repeat runs, GFLOP/s = 2·M·N·K / time, the
// speedup over the naive step (when it ran) and the largest difference from the naive
// reference, and writes kernels.csv / kernels.json to --out. Careful timings (many
// repetitions, L2 flushed on the GPU) are in the benchmarks: build/bench/bench_ch06_*.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "dnn/cli.hpp"
#include "dnn/cuda_device.hpp"
#include "dnn/error.hpp"
#include "dnn/exercise.hpp"
#include "dnn/gemm.hpp"
#include "dnn/log.hpp"
#include "dnn/rng.hpp"
#include "dnn/timer.hpp"
#if DNN_HAVE_CUDA
#include "dnn/cuda_kernels.hpp"
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

// The naive formula for one element, in double: C(i,j) = Σ_k A(i,k)·B(k,j).
double naive_element(const Options& o, const std::vector<float>& A, const std::vector<float>& B, int i, int j) {
  double s = 0.0;
  for (int k = 0; k < o.K; ++k)
    s += static_cast<double>(A[static_cast<std::size_t>(i) * o.K + k]) * B[static_cast<std::size_t>(k) * o.N + j];
  return s;
}

// Checks C against the naive reference: every element when the problem is small (≤ 2^27
// multiply-adds), otherwise 2000 random elements. Returns the largest |C − ref| and whether
// every checked element is within atol + rtol·|ref| (atol grows with K: rounding errors do).
struct Check {
  double max_err = 0.0;
  bool ok = true;
  long checked = 0;
};
Check verify(const Options& o, const std::vector<float>& A, const std::vector<float>& B, const std::vector<float>& C,
             double atol, double rtol) {
  Check c;
  auto one = [&](int i, int j) {
    const double ref = naive_element(o, A, B, i, j);
    const double err = std::fabs(C[static_cast<std::size_t>(i) * o.N + j] - ref);
    if (!(err <= atol + rtol * std::fabs(ref))) c.ok = false;  // NaN fails too
    c.max_err = std::max(c.max_err, std::isnan(err) ? std::numeric_limits<double>::infinity() : err);
    ++c.checked;
  };
  if (static_cast<double>(o.M) * o.N * o.K <= 134217728.0) {
    for (int i = 0; i < o.M; ++i)
      for (int j = 0; j < o.N; ++j) one(i, j);
  } else {
    Rng rng(7);
    for (int s = 0; s < 2000; ++s) one(static_cast<int>(rng.below(o.M)), static_cast<int>(rng.below(o.N)));
  }
  return c;
}

struct Row {
  std::string name, what;
  int threads;
  double seconds, gflops, speedup_vs_naive, max_err;
  long checked;
  bool ok;
};

// Best-of-`repeat` wall time of `run()` (after one untimed warm-up run).
template <typename F>
double best_time(int repeat, F&& run) {
  run();
  double best = std::numeric_limits<double>::infinity();
  for (int r = 0; r < repeat; ++r) {
    Timer t;
    run();
    best = std::min(best, t.seconds());
  }
  return best;
}

int run(const Options& o) {
  if (o.M < 1 || o.N < 1 || o.K < 1)
    throw InputError("--m/--n/--k: expected sizes >= 1, got M=" + std::to_string(o.M) + " N=" + std::to_string(o.N) +
                     " K=" + std::to_string(o.K));
  if (o.M > gemm::kMaxGemmDim || o.N > gemm::kMaxGemmDim || o.K > gemm::kMaxGemmDim)
    throw InputError("--m/--n/--k: expected sizes <= 2^30 = " + std::to_string(gemm::kMaxGemmDim) +
                     ", got M=" + std::to_string(o.M) + " N=" + std::to_string(o.N) + " K=" + std::to_string(o.K));
  if (static_cast<long long>(o.M) * o.K > std::numeric_limits<int>::max() ||
      static_cast<long long>(o.K) * o.N > std::numeric_limits<int>::max() ||
      static_cast<long long>(o.M) * o.N > std::numeric_limits<int>::max())
    throw InputError("--m/--n/--k: each matrix must have fewer than 2^31 elements");
  if (o.repeat < 1) throw InputError("--repeat: expected an integer >= 1, got " + std::to_string(o.repeat));
  apply_threads(o.common.threads);
  // Every check before the (possibly large) matrices are allocated and filled.
  if (o.device == "cpu" && o.kernel != "all" && !gemm::find_cpu_gemm(o.kernel))
    throw InputError("--kernel: unknown CPU kernel '" + o.kernel + "'; expected all or one of: " +
                     gemm::cpu_gemm_names());
  std::string why;
  if (o.device == "cuda" && !cuda::device_available(&why))
    throw InputError("--device cuda: no usable GPU (" + why + "); run with --device cpu");
  prepare_output_dir(o.common.out_dir);

  Rng rng(o.common.seed);
  std::vector<float> A(static_cast<std::size_t>(o.M) * o.K), B(static_cast<std::size_t>(o.K) * o.N),
      C(static_cast<std::size_t>(o.M) * o.N);
  for (float& x : A) x = rng.uniform(-1.0f, 1.0f);
  for (float& x : B) x = rng.uniform(-1.0f, 1.0f);
  const double flops = gemm::gemm_flops(o.M, o.N, o.K);
  const double atol = 1e-6 * (o.K + 1), rtol = 1e-5;
  std::printf("06_kernels: C = A·B with M=%d N=%d K=%d (%.3g GFLOP per product) on %s\n", o.M, o.N, o.K, flops / 1e9,
              o.device == "cpu" ? "the CPU" : cuda::device_description().c_str());
  std::printf("CPU kernels: %s (packed tile %s)\n", simd::describe().c_str(), gemm::packed_tile().c_str());
  std::vector<Row> rows;
  std::vector<std::string> not_done;  // CPU steps that are exercises still to write
  double naive_seconds = 0.0;

  if (o.device == "cpu") {
    std::vector<const gemm::CpuGemm*> steps;
    if (o.kernel == "all") {
      for (const auto& g : gemm::cpu_gemm_ladder()) steps.push_back(&g);
    } else {
      const gemm::CpuGemm* g = gemm::find_cpu_gemm(o.kernel);
      if (!g) throw InputError("--kernel: unknown CPU kernel '" + o.kernel + "'; expected all or one of: " +
                               gemm::cpu_gemm_names());
      steps.push_back(g);
    }
    for (const gemm::CpuGemm* g : steps) {
      // The naive step is slow: one timed run only for big problems.
      const int rep = (std::string(g->name) == "naive" && flops > 2e8) ? 1 : o.repeat;
      // C starts as NaN, so an element this step forgets to write fails the check (instead of
      // keeping the correct value the previous step left there).
      std::fill(C.begin(), C.end(), std::numeric_limits<float>::quiet_NaN());
      double s = 0.0;
      try {
        s = best_time(rep, [&] { g->fn(o.M, o.N, o.K, A.data(), B.data(), C.data()); });
      } catch (const ExerciseNotDone& e) {
        // A step you write yourself (the DNN_IMPL=exercises build): say so, go on with the others.
        std::printf("%-12s skipped: %s\n", g->name, e.what());
        not_done.push_back(g->name);
        continue;
      }
      if (std::string(g->name) == "naive") naive_seconds = s;
      const Check c = verify(o, A, B, C, atol, rtol);
      // Threads it really used: packed_omp stays on one thread for small products.
      const int threads = g->fn == &gemm::gemm_packed_omp ? gemm::packed_omp_threads(o.M, o.N, o.K) : g->threads;
      rows.push_back({g->name, g->what, threads, s, flops / s / 1e9, 0.0, c.max_err, c.checked, c.ok});
    }
  } else {  // cuda
#if DNN_HAVE_CUDA
    std::vector<const cuda::CudaGemm*> steps;
    if (o.kernel == "all") {
      for (const auto& g : cuda::cuda_gemm_ladder()) steps.push_back(&g);
    } else {
      const cuda::CudaGemm* g = cuda::find_cuda_gemm(o.kernel);
      if (!g) throw InputError("--kernel: unknown CUDA kernel '" + o.kernel + "'; expected all or one of: " +
                               cuda::cuda_gemm_names());
      steps.push_back(g);
    }
    cuda::DeviceBuffer<float> dA(A), dB(B), dC(C.size());
    for (const cuda::CudaGemm* g : steps) {
      // C starts as all-NaN bytes, so an element this step forgets to write fails the check
      // (instead of keeping the correct value the previous step left there).
      CUDA_CHECK(cudaMemset(dC.data(), 0xFF, dC.bytes()));
      // Kernel time only (data already on the GPU), measured with a synchronize after each run.
      const double s = best_time(o.repeat, [&] {
        g->fn(o.M, o.N, o.K, dA.data(), dB.data(), dC.data(), nullptr);
        CUDA_CHECK(cudaDeviceSynchronize());
      });
      if (std::string(g->name) == "naive") naive_seconds = s;
      dC.download(C.data(), C.size());
      const Check c = g->tf32 ? verify(o, A, B, C, 4e-3 * std::sqrt(o.K + 1.0), 5e-3) : verify(o, A, B, C, atol, rtol);
      rows.push_back({g->name, g->what, 1, s, flops / s / 1e9, 0.0, c.max_err, c.checked, c.ok});
    }
#else
    throw InputError("--device cuda: this build has no CUDA (CMake found no nvcc, or -DDNN_ENABLE_CUDA=OFF)");
#endif
  }

  bool all_ok = true;
  std::printf("\n%-12s %3s %12s %10s %9s %12s  %s\n", "kernel", "thr", "time [ms]", "GFLOP/s", "vs naive",
              "max |err|", "check vs naive");
  CsvTable csv({"device", "kernel", "threads", "M", "N", "K", "seconds", "gflops", "speedup_vs_naive", "max_abs_err",
                "elements_checked", "ok"});
  nlohmann::json doc;
  doc["machine"] = machine_info();
  doc["device"] = o.device == "cpu" ? "cpu" : cuda::device_description();
  doc["shape"] = {{"M", o.M}, {"N", o.N}, {"K", o.K}};
  for (Row& r : rows) {
    r.speedup_vs_naive = naive_seconds > 0 ? naive_seconds / r.seconds : 0.0;
    all_ok = all_ok && r.ok;
    char speed[32] = "-";
    if (r.speedup_vs_naive > 0) std::snprintf(speed, sizeof speed, "%.1fx", r.speedup_vs_naive);
    std::printf("%-12s %3d %12.3f %10.1f %9s %12.3g  %s (%ld elements)\n", r.name.c_str(), r.threads,
                r.seconds * 1e3, r.gflops, speed, r.max_err, r.ok ? "OK" : "FAILED", r.checked);
    csv.add_row(std::vector<std::string>{o.device, r.name, std::to_string(r.threads), std::to_string(o.M),
                                         std::to_string(o.N), std::to_string(o.K), format_number(r.seconds),
                                         format_number(r.gflops), format_number(r.speedup_vs_naive),
                                         format_number(r.max_err), std::to_string(r.checked), r.ok ? "1" : "0"});
    doc["kernels"].push_back({{"kernel", r.name}, {"what", r.what}, {"threads", r.threads}, {"seconds", r.seconds},
                              {"gflops", r.gflops}, {"speedup_vs_naive", r.speedup_vs_naive},
                              {"max_abs_err", r.max_err}, {"elements_checked", r.checked}, {"ok", r.ok}});
  }
  const std::string csv_path = join_path(o.common.out_dir, "kernels.csv");
  const std::string json_path = join_path(o.common.out_dir, "kernels.json");
  csv.save(csv_path);
  save_json(json_path, doc);
  std::printf("\ntolerance |C - naive| <= %.3g + %.0e*|naive|; wrote %s and %s\n", atol, rtol, csv_path.c_str(),
              json_path.c_str());
  if (!all_ok) {
    std::fprintf(stderr, "06_kernels: error: a kernel disagrees with the naive reference (see FAILED above)\n");
    return kExitFailure;
  }
  if (!not_done.empty()) {
    std::string names;
    for (const std::string& n : not_done) names += (names.empty() ? "" : ", ") + n;
    std::fprintf(stderr, "06_kernels: skipped %s: exercise not done yet (write it, then run scripts/check 06)\n",
                 names.c_str());
    return kExitExerciseTodo;
  }
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Chapter 06: the GEMM kernel ladder (naive -> blocked -> packed SIMD -> Eigen; CUDA naive -> warp "
               "tiling -> cuBLAS). Runs C = A*B, checks it against the naive reference, prints time and GFLOP/s.",
               "06_kernels"};
  Options o;
  app.add_option("--device", o.device, "cpu or cuda (cuda needs an NVIDIA GPU)")
      ->capture_default_str()
      ->check(CLI::IsMember({"cpu", "cuda"}));
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
