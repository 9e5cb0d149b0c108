// Chapter 09 — gradient saliency and gradient × input, both from input_gradient (the exercise).
//
// Saliency (Simonyan et al. 2013): |∂F_c/∂x_j|, how much the score would move if pixel j moved a
// little. It is a *local* slope: it says nothing about whether pixel j is inked. Gradient × input,
// x_j·∂F_c/∂x_j, is the first-order Taylor share of pixel j in F_c(x) − F_c(0) and is 0 wherever
// the image is black; for a linear model it is exactly each pixel's contribution w_j·x_j.
#include <cmath>

#include "attribution.hpp"

namespace ch09 {

MatrixD gradient_saliency(const NetD& net, const MatrixD& X, const std::vector<int>& classes) {
  MatrixD g;
  input_gradient(net, X, classes, g);
  for (double& v : g.data) v = std::abs(v);
  return g;
}

MatrixD gradient_times_input(const NetD& net, const MatrixD& X, const std::vector<int>& classes) {
  MatrixD g;
  input_gradient(net, X, classes, g);
  for (std::size_t k = 0; k < g.data.size(); ++k) g.data[k] *= X.data[k];
  return g;
}

}  // namespace ch09
