/// @file 06_kernels/harness.hpp
/// @brief Chapter 06's validate-and-time harness, the one place that says when a GEMM step is
///        right and how long it takes: the reference (a double-precision sum), the tolerance
///        atol + rtol·|ref|, the first mismatches, a best-of-N wall-clock timer and, on the GPU,
///        an event timer that flushes the L2 cache first. Used by the 06_kernels program, the
///        tests (tests/ch06) and the benchmarks (bench_cpu.cpp, bench_cuda.cpp) alike, like
///        llm.c's dev/cuda/common.h.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "dnn/rng.hpp"
#include "dnn/timer.hpp"
#if DNN_HAVE_CUDA
#include "dnn/device_buffer.hpp"
#endif

namespace dnn::gemm {

// ------------------------------------------------------------------ the reference

/// C(i,j) = Σ_k A(i,k)·B(k,j) summed in double, k = 0, 1, …, K−1 (A: M×K, B: K×N, row-major):
/// the formula itself, independent of every step of the ladder.
inline double reference_element(int N, int K, const float* A, const float* B, int i, int j) {
  double sum = 0.0;
  for (int k = 0; k < K; ++k)
    sum += static_cast<double>(A[static_cast<std::size_t>(i) * K + k]) * B[static_cast<std::size_t>(k) * N + j];
  return sum;
}

/// The whole product C = A·B, every element by reference_element (for the tests).
inline std::vector<double> reference(int M, int N, int K, const std::vector<float>& A, const std::vector<float>& B) {
  std::vector<double> C(static_cast<std::size_t>(M) * N);
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j)
      C[static_cast<std::size_t>(i) * N + j] = reference_element(N, K, A.data(), B.data(), i, j);
  return C;
}

// ------------------------------------------------------------------ the tolerance

/// An element is right when |got − ref| ≤ atol + rtol·|ref|.
struct Tolerance {
  double atol;  ///< absolute part
  double rtol;  ///< relative part
};
/// Tolerance of a float sum of K products of inputs in [−1, 1] (a GEMM element, a column sum):
/// rounding errors grow with the number of terms K, so atol is scaled with K (a wrong or missing
/// term is ~0.3 and is always caught).
inline Tolerance fp32_tolerance(int K) { return {1e-6 * (K + 1), 1e-5}; }
/// TF32 rounds the inputs to 10 mantissa bits (relative error ~5e-4 per product).
inline Tolerance tf32_tolerance(int K) { return {4e-3 * std::sqrt(static_cast<double>(K) + 1.0), 5e-3}; }
/// |got − ref| ≤ atol + rtol·|ref|; false when got or ref is NaN.
inline bool within(double got, double ref, Tolerance tol) {
  return std::fabs(got - ref) <= tol.atol + tol.rtol * std::fabs(ref);
}

// ------------------------------------------------------------------ validating

/// Empty string when every element of `got` is within `tol` of `ref` (NaN fails); otherwise a
/// message naming the first mismatches (up to 3, as (row, column) of a matrix with `cols`
/// columns), how many there are, and the worst error.
template <typename Got, typename Ref>
std::string compare(const std::vector<Got>& got, const std::vector<Ref>& ref, int cols, Tolerance tol) {
  if (got.size() != ref.size()) return "size " + std::to_string(got.size()) + " != " + std::to_string(ref.size());
  const std::size_t c = cols > 0 ? static_cast<std::size_t>(cols) : 1;
  std::ostringstream first;
  std::size_t mismatches = 0, worst = 0;
  double worst_err = 0.0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const double g = static_cast<double>(got[i]), r = static_cast<double>(ref[i]);
    if (!within(g, r, tol) && ++mismatches <= 3)
      first << (mismatches > 1 ? "; " : "") << "element (" << i / c << ", " << i % c << "): got " << got[i]
            << ", expected " << ref[i];
    const double err = std::fabs(g - r);
    if (!(err <= worst_err)) worst_err = err, worst = i;
  }
  if (mismatches == 0) return "";
  std::ostringstream os;
  os << first.str() << " (" << mismatches << " of " << got.size() << " elements wrong; atol " << tol.atol
     << ", rtol " << tol.rtol << "); worst error " << worst_err << " at (" << worst / c << ", " << worst % c << ")";
  return os.str();
}

/// What check_product found.
struct Check {
  double max_err = 0.0;  ///< the largest |C − ref| (infinity when an element is NaN)
  bool ok = true;        ///< every checked element within the tolerance
  long checked = 0;      ///< elements checked
};

/// Checks C (M×N) against the reference: every element when the problem is small (≤ 2^27
/// multiply-adds), otherwise 2000 random elements (the same ones every run).
inline Check check_product(int M, int N, int K, const std::vector<float>& A, const std::vector<float>& B,
                           const std::vector<float>& C, Tolerance tol) {
  Check check;
  auto one = [&](int i, int j) {
    const double ref = reference_element(N, K, A.data(), B.data(), i, j);
    const double got = C[static_cast<std::size_t>(i) * N + j];
    const double err = std::fabs(got - ref);
    if (!within(got, ref, tol)) check.ok = false;
    check.max_err = std::max(check.max_err, std::isnan(err) ? std::numeric_limits<double>::infinity() : err);
    ++check.checked;
  };
  if (static_cast<double>(M) * N * K <= 134217728.0) {
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < N; ++j) one(i, j);
  } else {
    Rng rng(7);
    for (int s = 0; s < 2000; ++s) one(static_cast<int>(rng.below(M)), static_cast<int>(rng.below(N)));
  }
  return check;
}

// ------------------------------------------------------------------ timing

/// Best-of-`repeat` wall time in seconds of `run()`, after one untimed warm-up run.
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

}  // namespace dnn::gemm

#if DNN_HAVE_CUDA
namespace dnn::cuda {

/// Times one launch with CUDA events, after evicting everything from the L2 cache (so no kernel
/// finds its inputs there from the previous run). Needs a GPU: construct it only after
/// device_available().
class GpuTimer {
 public:
  GpuTimer() {
    CUDA_CHECK(cudaEventCreate(&start_));
    CUDA_CHECK(cudaEventCreate(&stop_));
    int device = 0, l2_bytes = 0;
    CUDA_CHECK(cudaGetDevice(&device));
    CUDA_CHECK(cudaDeviceGetAttribute(&l2_bytes, cudaDevAttrL2CacheSize, device));
    flush_.resize(2 * static_cast<std::size_t>(l2_bytes > 0 ? l2_bytes : (64 << 20)));
  }
  ~GpuTimer() {
    cudaEventDestroy(start_);  // errors ignored: nothing useful to do with them in a destructor
    cudaEventDestroy(stop_);
  }
  GpuTimer(const GpuTimer&) = delete;
  GpuTimer& operator=(const GpuTimer&) = delete;

  /// Evicts everything from L2 by writing a buffer twice its size (not timed).
  void flush_l2() { CUDA_CHECK(cudaMemsetAsync(flush_.data(), 0, flush_.bytes(), nullptr)); }

  /// Seconds taken by `launch()` on the default stream, after an L2 flush.
  template <typename F>
  double time(F&& launch) {
    flush_l2();
    CUDA_CHECK(cudaEventRecord(start_, nullptr));
    launch();
    CUDA_CHECK(cudaEventRecord(stop_, nullptr));
    CUDA_CHECK(cudaEventSynchronize(stop_));
    float ms = 0.0f;
    CUDA_CHECK(cudaEventElapsedTime(&ms, start_, stop_));
    return ms * 1e-3;
  }

 private:
  cudaEvent_t start_ = nullptr, stop_ = nullptr;
  DeviceBuffer<char> flush_;
};

}  // namespace dnn::cuda
#endif
