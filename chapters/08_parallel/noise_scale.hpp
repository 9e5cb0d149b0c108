// The gradient noise scale (McCandlish, Kaplan, Amodei et al. 2018, "An Empirical Model of
// Large-Batch Training", §2.2, the "simple noise scale"), estimated from per-example gradients.
//
// Let g_i = ∇ℓ_i(W) be the gradient of example i's loss at the weights W (one flat vector of all
// 42 310 parameters), for N training examples. Then
//
//     G      = (1/N)·Σ_i g_i                       the mean gradient (an estimate of the true one)
//     tr(Σ)  = Σ_i |g_i − G|² / (N − 1)            the summed variance of one example's gradient
//     |G|²   ≈ |Ḡ|² − tr(Σ)/N                      |Ḡ|² of the mean is biased up by the noise of the
//                                                  mean (E|Ḡ|² = |G_true|² + tr(Σ)/N); subtract it
//     B_simple = tr(Σ) / |G|²
//
// A minibatch of B examples has gradient noise tr(Σ)/B; B_simple is the batch at which that noise
// equals the signal |G|². Far below B_simple, doubling the batch halves the steps (the linear
// scaling rule holds); far above it, a larger batch only averages noise that was already small,
// and the steps no longer fall — the paper's critical batch B_crit ≈ B_simple. As training
// proceeds |G| shrinks faster than tr(Σ), so B_simple grows: later in training a larger batch pays.
//
// tr(Σ) is computed in one pass from Σ_i g_i and Σ_i |g_i|² (in double), by the identity
// Σ_i |g_i − G|² = Σ_i |g_i|² − N·|G|², so the N gradients need not be kept.
#pragma once

#include <vector>

#include "dnn/matrix.hpp"
#include "dnn/mlp.hpp"

namespace ch08 {

/// The estimate and its parts.
struct NoiseScale {
  long examples = 0;             ///< N
  double mean_grad_norm2 = 0;    ///< |Ḡ|² of the mean of the N gradients (biased)
  double grad_norm2 = 0;         ///< |G|² = |Ḡ|² − tr(Σ)/N (unbiased)
  double trace_sigma = 0;        ///< tr(Σ) = Σ_i |g_i − Ḡ|² / (N − 1)
  double b_simple = 0;           ///< tr(Σ) / |G|² (0 when tr(Σ) = 0; infinite when |G|² <= 0)
};

/// Adds per-example gradients one by one; result() gives the noise scale of those added so far.
class NoiseScaleEstimator {
 public:
  /// `floats`: the length of every gradient added.
  explicit NoiseScaleEstimator(std::size_t floats) : sum_(floats, 0.0) {}
  /// Adds one example's gradient g_i (`floats` numbers).
  void add(const std::vector<float>& g);
  /// The estimate from the gradients added (at least 2); throws std::logic_error otherwise.
  NoiseScale result() const;

 private:
  std::vector<double> sum_;  // Σ_i g_i
  double sum_norm2_ = 0;     // Σ_i |g_i|²
  long n_ = 0;
};

/// The noise scale of `net` at its current weights from the per-example gradients of the rows
/// 0 … examples−1 of (X, y), each through chapter 05's Eigen path with a minibatch of one row.
NoiseScale estimate_noise_scale(const dnn::Mlp& net, const dnn::Matrix& X, const std::vector<int>& y, int examples);

}  // namespace ch08
