// SOLUTION FILE — the reference bodies. (Contributors: edit here, then run scripts/gen-exercises.py.)
// Chapter 09, looking inside the network (textbook §7.3, 特征重要性技术): exercises input_gradient,
// integrated_gradients, occlusion_map. The declarations and what each computes:
// chapters/09_inside/attribution.hpp.
#include <algorithm>
#include <stdexcept>
#include <string>

#include "09_inside/attribution.hpp"  // chapters/ is on the include path (solutions/, exercises/ CMakeLists)
#include "dnn/exercise.hpp"
#include "dnn/naive.hpp"

namespace ch09 {

void input_gradient(const NetD& net, const MatrixD& X, const std::vector<int>& classes, MatrixD& grad) {
  // BEGIN EXERCISE input_gradient | check classes (one per row, each in [0, net.classes())); forward(net, X, f); dZ = onehot(classes) (B × classes: ∂F_c/∂logits); for l = L−1 … 0: naive::dense_backward(f.A[l], net.W[l], dZ, dW, db, &dA), and for l > 0 dZ = naive::activation_backward(net.act[l−1], f.Z[l−1], f.A[l], dA); grad = the last dA
  if (static_cast<int>(classes.size()) != X.rows)
    throw std::invalid_argument("input_gradient: " + std::to_string(classes.size()) + " classes for " +
                                std::to_string(X.rows) + " images");
  for (int c : classes)
    if (c < 0 || c >= net.classes())
      throw std::invalid_argument("input_gradient: class " + std::to_string(c) + " outside [0, " +
                                  std::to_string(net.classes()) + ")");
  ForwardD f;
  forward(net, X, f);
  // F_c is the logit of class c, so ∂F_c/∂logits is 1 at c and 0 elsewhere.
  MatrixD dZ(X.rows, net.classes(), 0.0);
  for (int i = 0; i < X.rows; ++i) dZ(i, classes[static_cast<std::size_t>(i)]) = 1.0;
  MatrixD dW, db, dA;
  for (int l = static_cast<int>(net.W.size()) - 1; l >= 0; --l) {
    const std::size_t k = static_cast<std::size_t>(l);
    dnn::naive::dense_backward(f.A[k], net.W[k], dZ, dW, db, &dA);  // dA = dZ·Wᵀ (chain rule through Z = A·W + b)
    if (l > 0) dnn::naive::activation_backward(net.act[k - 1], f.Z[k - 1], f.A[k], dA, dZ);  // ⊙ f′(Z)
  }
  grad = dA;
  // END EXERCISE
}

void integrated_gradients(const NetD& net, const MatrixD& X, const MatrixD& baseline, const std::vector<int>& classes,
                          int steps, MatrixD& attr) {
  // BEGIN EXERCISE integrated_gradients | throw std::invalid_argument for steps < 1 or baseline's shape != X's; for each image i: put the m points x′ + α_k·(x − x′), α_k = (k + 0.5)/m (midpoints), as the rows of one matrix, call input_gradient on it (class c for every row), average the m gradients per pixel and multiply by (x_j − x′_j)
  if (steps < 1) throw std::invalid_argument("integrated_gradients: steps must be >= 1, got " + std::to_string(steps));
  if (baseline.rows != X.rows || baseline.cols != X.cols)
    throw std::invalid_argument("integrated_gradients: baseline " + baseline.shape() + " does not match X " +
                                X.shape());
  if (static_cast<int>(classes.size()) != X.rows)
    throw std::invalid_argument("integrated_gradients: " + std::to_string(classes.size()) + " classes for " +
                                std::to_string(X.rows) + " images");
  attr.resize(X.rows, X.cols);
  MatrixD path(steps, X.cols), grad;
  for (int i = 0; i < X.rows; ++i) {
    for (int k = 0; k < steps; ++k) {
      const double alpha = (k + 0.5) / steps;  // the midpoint of the k-th of m equal pieces of [0, 1]
      for (int j = 0; j < X.cols; ++j) path(k, j) = baseline(i, j) + alpha * (X(i, j) - baseline(i, j));
    }
    input_gradient(net, path, std::vector<int>(static_cast<std::size_t>(steps), classes[static_cast<std::size_t>(i)]),
                   grad);
    for (int j = 0; j < X.cols; ++j) {
      double mean = 0;
      for (int k = 0; k < steps; ++k) mean += grad(k, j);
      attr(i, j) = (X(i, j) - baseline(i, j)) * mean / steps;
    }
  }
  // END EXERCISE
}

void occlusion_map(const NetD& net, const MatrixD& X, const std::vector<int>& classes, const Occlusion& occ,
                   MatrixD& attr) {
  // BEGIN EXERCISE occlusion_map | throw std::invalid_argument unless occ.height·occ.width == X.cols and 1 <= patch <= height, width, stride >= 1; ys = patch_positions(height, patch, stride), xs likewise; for each image: one row per patch (a copy of x with the patch set to occ.fill), logits() of all of them at once, d_p = F_c(x) − F_c(occluded); attr(i, j) = sum of d_p over patches covering j / their count
  const int H = occ.height, W = occ.width;
  if (H * W != X.cols)
    throw std::invalid_argument("occlusion_map: images of " + std::to_string(H) + "x" + std::to_string(W) +
                                " pixels, but X has " + std::to_string(X.cols) + " columns");
  if (occ.patch < 1 || occ.patch > H || occ.patch > W || occ.stride < 1)
    throw std::invalid_argument("occlusion_map: patch " + std::to_string(occ.patch) + ", stride " +
                                std::to_string(occ.stride) + " do not fit a " + std::to_string(H) + "x" +
                                std::to_string(W) + " image");
  if (static_cast<int>(classes.size()) != X.rows)
    throw std::invalid_argument("occlusion_map: " + std::to_string(classes.size()) + " classes for " +
                                std::to_string(X.rows) + " images");
  const std::vector<int> ys = patch_positions(H, occ.patch, occ.stride), xs = patch_positions(W, occ.patch, occ.stride);
  const int P = static_cast<int>(ys.size() * xs.size());
  attr.resize(X.rows, X.cols);
  MatrixD batch(P + 1, X.cols);  // row 0: the image itself; row 1 + p: the image with patch p blacked out
  std::vector<double> sum(static_cast<std::size_t>(X.cols)), count(static_cast<std::size_t>(X.cols));
  for (int i = 0; i < X.rows; ++i) {
    for (int r = 0; r <= P; ++r) std::copy(X.row(i), X.row(i) + X.cols, batch.row(r));
    int p = 1;
    for (int y0 : ys)
      for (int x0 : xs) {
        for (int y = y0; y < y0 + occ.patch; ++y)
          for (int x = x0; x < x0 + occ.patch; ++x) batch(p, y * W + x) = occ.fill;
        ++p;
      }
    const MatrixD z = logits(net, batch);
    const int c = classes[static_cast<std::size_t>(i)];
    std::fill(sum.begin(), sum.end(), 0.0);
    std::fill(count.begin(), count.end(), 0.0);
    p = 1;
    for (int y0 : ys)
      for (int x0 : xs) {
        const double drop = z(0, c) - z(p, c);
        for (int y = y0; y < y0 + occ.patch; ++y)
          for (int x = x0; x < x0 + occ.patch; ++x) {
            sum[static_cast<std::size_t>(y * W + x)] += drop;
            count[static_cast<std::size_t>(y * W + x)] += 1;
          }
        ++p;
      }
    for (int j = 0; j < X.cols; ++j)
      attr(i, j) = count[static_cast<std::size_t>(j)] > 0 ? sum[static_cast<std::size_t>(j)] / count[static_cast<std::size_t>(j)] : 0.0;
  }
  // END EXERCISE
}

}  // namespace ch09
