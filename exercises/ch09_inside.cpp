// EXERCISE FILE — yours to edit. Generated from solutions/ch09_inside.cpp by scripts/gen-exercises.py.
// Replace each DNN_TODO(...) line with your code, then run: scripts/check 09
// (Stuck? The chapter README has a hint for every exercise; solutions/ch09_inside.cpp has the answer.)
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
  // TODO(exercise input_gradient): check classes (one per row, each in [0, net.classes())); forward(net, X, f); dZ = onehot(classes) (B × classes: ∂F_c/∂logits); for l = L−1 … 0: naive::dense_backward(f.A[l], net.W[l], dZ, dW, db, &dA), and for l > 0 dZ = naive::activation_backward(net.act[l−1], f.Z[l−1], f.A[l], dA); grad = the last dA
  DNN_TODO("input_gradient", "check classes (one per row, each in [0, net.classes())); forward(net, X, f); dZ = onehot(classes) (B × classes: ∂F_c/∂logits); for l = L−1 … 0: naive::dense_backward(f.A[l], net.W[l], dZ, dW, db, &dA), and for l > 0 dZ = naive::activation_backward(net.act[l−1], f.Z[l−1], f.A[l], dA); grad = the last dA");
}

void integrated_gradients(const NetD& net, const MatrixD& X, const MatrixD& baseline, const std::vector<int>& classes,
                          int steps, MatrixD& attr) {
  // TODO(exercise integrated_gradients): throw std::invalid_argument for steps < 1 or baseline's shape != X's; for each image i: put the m points x′ + α_k·(x − x′), α_k = (k + 0.5)/m (midpoints), as the rows of one matrix, call input_gradient on it (class c for every row), average the m gradients per pixel and multiply by (x_j − x′_j)
  DNN_TODO("integrated_gradients", "throw std::invalid_argument for steps < 1 or baseline's shape != X's; for each image i: put the m points x′ + α_k·(x − x′), α_k = (k + 0.5)/m (midpoints), as the rows of one matrix, call input_gradient on it (class c for every row), average the m gradients per pixel and multiply by (x_j − x′_j)");
}

void occlusion_map(const NetD& net, const MatrixD& X, const std::vector<int>& classes, const Occlusion& occ,
                   MatrixD& attr) {
  // TODO(exercise occlusion_map): throw std::invalid_argument unless occ.height·occ.width == X.cols and 1 <= patch <= height, width, stride >= 1; ys = patch_positions(height, patch, stride), xs likewise; for each image: one row per patch (a copy of x with the patch set to occ.fill), logits() of all of them at once, d_p = F_c(x) − F_c(occluded); attr(i, j) = sum of d_p over patches covering j / their count
  DNN_TODO("occlusion_map", "throw std::invalid_argument unless occ.height·occ.width == X.cols and 1 <= patch <= height, width, stride >= 1; ys = patch_positions(height, patch, stride), xs likewise; for each image: one row per patch (a copy of x with the patch set to occ.fill), logits() of all of them at once, d_p = F_c(x) − F_c(occluded); attr(i, j) = sum of d_p over patches covering j / their count");
}

}  // namespace ch09
