// Shared helpers of the chapter-06 tests: the shapes they run and random inputs. The reference,
// the tolerance and the comparison are chapter 06's harness (chapters/06_kernels/harness.hpp),
// the same the 06_kernels program and the benchmarks use.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "06_kernels/harness.hpp"
#include "dnn/rng.hpp"

namespace ch06test {

using dnn::gemm::compare;
using dnn::gemm::fp32_tolerance;
using dnn::gemm::tf32_tolerance;
using dnn::gemm::Tolerance;

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
  return dnn::gemm::reference(s.M, s.N, s.K, A, B);
}

}  // namespace ch06test
