// Chapter 09 — SmoothGrad (Smilkov et al. 2017): the gradient averaged over noisy copies of x.
//
// The gradient of a ReLU network jumps from one linear piece to the next, so the raw saliency of
// one image is speckled. SmoothGrad averages ∂F_c/∂x over n copies x + ε, ε ~ N(0, σ²) per pixel
// (σ = 0.15 of the pixel range, n = 25 here), and shows the absolute value of the mean.
#include <cmath>

#include "attribution.hpp"
#include "dnn/rng.hpp"

namespace ch09 {

MatrixD smoothgrad(const NetD& net, const MatrixD& X, const std::vector<int>& classes, int samples, double sigma,
                   std::uint64_t seed) {
  dnn::Rng rng(seed);
  MatrixD out(X.rows, X.cols, 0.0), noisy(samples, X.cols), g;
  for (int i = 0; i < X.rows; ++i) {
    for (int s = 0; s < samples; ++s)
      for (int j = 0; j < X.cols; ++j) noisy(s, j) = X(i, j) + sigma * rng.normal();
    input_gradient(net, noisy, std::vector<int>(static_cast<std::size_t>(samples), classes[static_cast<std::size_t>(i)]), g);
    for (int s = 0; s < samples; ++s)
      for (int j = 0; j < X.cols; ++j) out(i, j) += g(s, j);
    for (int j = 0; j < X.cols; ++j) out(i, j) = std::abs(out(i, j) / samples);
  }
  return out;
}

}  // namespace ch09
