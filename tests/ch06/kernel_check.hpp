// Shared helpers of the chapter-06 tests: random inputs, a double-precision GEMM reference,
// and the tolerance check |x − ref| ≤ atol + rtol·|ref|.
#pragma once

#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "dnn/rng.hpp"

namespace ch06test {

/// One GEMM shape: A is M×K, B is K×N.
struct Shape {
  int M, N, K;
};
inline std::string to_string(const Shape& s) {
  return "M=" + std::to_string(s.M) + " N=" + std::to_string(s.N) + " K=" + std::to_string(s.K);
}

/// Shapes that are not multiples of any tile (1, 33, 784, 4093, primes...), plus the MLP's
/// first layer (batch 32, 784 inputs, 50 outputs), empty and K = 0 cases. Never only squares.
inline std::vector<Shape> default_shapes() {
  return {{1, 1, 1},     {1, 33, 1},     {33, 33, 33},  {33, 1, 784},   {1, 784, 33},  {32, 50, 784},
          {784, 33, 50}, {129, 257, 300}, {4093, 33, 17}, {5, 4093, 33}, {33, 17, 0},   {0, 5, 7},
          {7, 0, 5}};
}

/// Uniform values in [−1, 1).
inline std::vector<float> random_vector(std::size_t n, std::uint64_t seed) { return dnn::uniform_values(n, seed); }

/// C = A·B accumulated in double: an independent reference for every kernel.
inline std::vector<double> gemm_reference(const Shape& s, const std::vector<float>& A, const std::vector<float>& B) {
  std::vector<double> C(static_cast<std::size_t>(s.M) * s.N, 0.0);
  for (int i = 0; i < s.M; ++i)
    for (int k = 0; k < s.K; ++k) {
      const double a = A[static_cast<std::size_t>(i) * s.K + k];
      for (int j = 0; j < s.N; ++j) C[static_cast<std::size_t>(i) * s.N + j] += a * B[static_cast<std::size_t>(k) * s.N + j];
    }
  return C;
}

/// Tolerance of a float GEMM with inputs in [−1, 1]: rounding errors grow with the number of
/// terms K, so atol is scaled with K (a wrong or missing term is ~0.3 and is always caught).
struct Tolerance {
  double atol, rtol;
};
inline Tolerance fp32_tolerance(int K) { return {1e-6 * (K + 1), 1e-5}; }
/// TF32 rounds the inputs to 10 mantissa bits (relative error ~5e-4 per product).
inline Tolerance tf32_tolerance(int K) { return {4e-3 * std::sqrt(static_cast<double>(K) + 1.0), 5e-3}; }

/// Empty string when every |got − ref| ≤ atol + rtol·|ref| (NaN fails); otherwise a message
/// naming the first bad element and the worst error.
template <typename Got, typename Ref>
std::string compare(const std::vector<Got>& got, const std::vector<Ref>& ref, int cols, Tolerance tol) {
  if (got.size() != ref.size()) return "size " + std::to_string(got.size()) + " != " + std::to_string(ref.size());
  std::size_t bad = got.size(), worst = 0;
  double worst_err = 0.0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const double g = static_cast<double>(got[i]), r = static_cast<double>(ref[i]);
    const double err = std::fabs(g - r);
    const bool ok = err <= tol.atol + tol.rtol * std::fabs(r);  // false for NaN
    if (!ok && bad == got.size()) bad = i;
    if (!(err <= worst_err)) worst_err = err, worst = i;
  }
  if (bad == got.size()) return "";
  std::ostringstream os;
  const int c = cols > 0 ? cols : 1;
  os << "element (" << bad / c << ", " << bad % c << "): got " << got[bad] << ", expected " << ref[bad]
     << " (atol " << tol.atol << ", rtol " << tol.rtol << "); worst error " << worst_err << " at (" << worst / c
     << ", " << worst % c << ")";
  return os.str();
}

}  // namespace ch06test
