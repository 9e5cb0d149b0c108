/// @file rng.hpp
/// @brief A small seeded random number generator that gives the same numbers everywhere.
///
/// std::mt19937 is portable but std::uniform_real_distribution and std::shuffle are not
/// (each standard library may produce different values), so results would change between
/// compilers. This generator (`xoshiro256**`, seeded by splitmix64) and its helpers are fully
/// specified here, so the same seed gives bit-identical runs on every machine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace dnn {

class Rng {
 public:
  explicit Rng(std::uint64_t seed = 42);

  std::uint64_t next_u64();
  /// Uniform in [0, 1) with 24 random bits (exactly representable as float).
  float uniform();
  /// Uniform in [lo, hi).
  float uniform(float lo, float hi) { return lo + (hi - lo) * uniform(); }
  /// Uniform integer in [0, n), n > 0 (unbiased).
  std::uint64_t below(std::uint64_t n);
  /// Standard normal N(0, 1) (Box–Muller).
  float normal();
  /// Fisher–Yates shuffle.
  void shuffle(std::vector<int>& v);

 private:
  std::uint64_t s_[4];
};

/// 0, 1, ..., n-1.
std::vector<int> iota_indices(int n);

/// n values uniform in [−1, 1) from a generator seeded with `seed` (test and benchmark inputs).
std::vector<float> uniform_values(std::size_t n, std::uint64_t seed);

}  // namespace dnn
