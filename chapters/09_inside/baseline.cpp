// Chapter 09 — the blurred baseline of integrated gradients.
//
// Integrated gradients explains F_c(x) − F_c(x′) relative to a baseline x′. The black image (all
// zeros) is the usual one, but on MNIST it is itself "no ink", so IG can only credit inked pixels.
// A blurred copy of x keeps the coarse shape and removes the strokes' detail: IG then credits the
// pixels whose *sharpness* matters (Sturmfels et al., "Visualizing the impact of feature
// attribution baselines", 2020). The blur is a separable Gaussian, renormalised at the borders.
#include <cmath>
#include <vector>

#include "attribution.hpp"

namespace ch09 {

MatrixD blurred(const MatrixD& X, int height, int width, double sigma) {
  const int r = static_cast<int>(std::ceil(3 * sigma));
  std::vector<double> k(static_cast<std::size_t>(2 * r + 1));
  for (int d = -r; d <= r; ++d) k[static_cast<std::size_t>(d + r)] = std::exp(-0.5 * d * d / (sigma * sigma));
  MatrixD out(X.rows, X.cols), tmp(1, X.cols);
  for (int i = 0; i < X.rows; ++i) {
    for (int y = 0; y < height; ++y)  // along x
      for (int x = 0; x < width; ++x) {
        double s = 0, w = 0;
        for (int d = -r; d <= r; ++d)
          if (x + d >= 0 && x + d < width) {
            s += k[static_cast<std::size_t>(d + r)] * X(i, y * width + x + d);
            w += k[static_cast<std::size_t>(d + r)];
          }
        tmp(0, y * width + x) = s / w;
      }
    for (int y = 0; y < height; ++y)  // along y
      for (int x = 0; x < width; ++x) {
        double s = 0, w = 0;
        for (int d = -r; d <= r; ++d)
          if (y + d >= 0 && y + d < height) {
            s += k[static_cast<std::size_t>(d + r)] * tmp(0, (y + d) * width + x);
            w += k[static_cast<std::size_t>(d + r)];
          }
        out(i, y * width + x) = s / w;
      }
  }
  return out;
}

}  // namespace ch09
