// SOLUTION FILE — the reference bodies. (Contributors: edit here, then run scripts/gen-exercises.py.)
// Chapter 02, backpropagation (textbook §3.1, 反向传播): exercises relu_backward, softmax_ce_backward,
// dense_backward, numerical_gradient.
#include <cmath>
#include <functional>
#include <stdexcept>
#include <string>

#include "dnn/exercise.hpp"
#include "dnn/gradcheck.hpp"
#include "dnn/naive.hpp"

namespace dnn::naive {

template <typename T>
void relu_backward(const BasicMatrix<T>& Z, const BasicMatrix<T>& dY, BasicMatrix<T>& dZ) {
  // BEGIN EXERCISE relu_backward | f′(z) is 1 for z > 0 and 0 otherwise: check Z and dY have the same shape, resize dZ, dZ = (Z > 0 ? dY : 0) per element
  require_same_shape(Z, dY, "relu_backward Z vs dY");
  dZ.resize(Z.rows, Z.cols);
  for (std::size_t k = 0; k < Z.data.size(); ++k) dZ.data[k] = Z.data[k] > T(0) ? dY.data[k] : T(0);
  // END EXERCISE
}

template <typename T>
void softmax_ce_backward(const BasicMatrix<T>& P, const std::vector<int>& labels, BasicMatrix<T>& dZ) {
  // BEGIN EXERCISE softmax_ce_backward | dZ = P/B, then subtract 1/B at (i, labels[i]); throw std::invalid_argument if labels.size() != P.rows or a label is outside [0, P.cols)
  if (static_cast<int>(labels.size()) != P.rows)
    throw std::invalid_argument("softmax_ce_backward: " + std::to_string(labels.size()) + " labels for P " + P.shape());
  dZ.resize(P.rows, P.cols);
  const T inv_b = P.rows ? T(1) / static_cast<T>(P.rows) : T(0);
  for (int i = 0; i < P.rows; ++i) {
    const int y = labels[static_cast<std::size_t>(i)];
    if (y < 0 || y >= P.cols)
      throw std::invalid_argument("softmax_ce_backward: label " + std::to_string(y) + " outside [0, " +
                                  std::to_string(P.cols) + ")");
    for (int j = 0; j < P.cols; ++j) dZ(i, j) = P(i, j) * inv_b;
    dZ(i, y) -= inv_b;  // ∂L/∂z_j = (p_j − [j = y]) / B
  }
  // END EXERCISE
}

template <typename T>
void dense_backward(const BasicMatrix<T>& X, const BasicMatrix<T>& W, const BasicMatrix<T>& dZ, BasicMatrix<T>& dW,
                    BasicMatrix<T>& db, BasicMatrix<T>* dX) {
  // BEGIN EXERCISE dense_backward | check dZ is X.rows×W.cols; dW = Xᵀ·dZ (matmul_at_b), db(0,j) = Σ_i dZ(i,j), and if dX != nullptr: dX = dZ·Wᵀ (matmul_a_bt)
  if (X.cols != W.rows)
    throw std::invalid_argument("dense_backward: X " + X.shape() + " does not match W " + W.shape());
  require_shape(dZ, X.rows, W.cols, "dense_backward dZ");
  matmul_at_b(X, dZ, dW);  // dW(k,j) = Σ_i X(i,k)·dZ(i,j)
  db.resize(1, dZ.cols);
  db.fill(T(0));
  for (int i = 0; i < dZ.rows; ++i)
    for (int j = 0; j < dZ.cols; ++j) db(0, j) += dZ(i, j);
  if (dX) matmul_a_bt(dZ, W, *dX);  // dX(i,k) = Σ_j dZ(i,j)·W(k,j)
  // END EXERCISE
}

// float for training, double for the gradient check.
DNN_FOR_FLOAT_AND_DOUBLE(relu_backward);
DNN_FOR_FLOAT_AND_DOUBLE(softmax_ce_backward);
DNN_FOR_FLOAT_AND_DOUBLE(dense_backward);

}  // namespace dnn::naive

namespace dnn {

void numerical_gradient(const std::function<double()>& loss, MatrixD& param, MatrixD& grad, double h) {
  // BEGIN EXERCISE numerical_gradient | resize grad to param's shape; for each element k: save θ, evaluate L at θ+h, θ−h, θ+2h, θ−2h, restore θ, grad[k] = (8(L(θ+h) − L(θ−h)) − (L(θ+2h) − L(θ−2h))) / (12h)
  if (!(h > 0)) throw std::invalid_argument("numerical_gradient: step h must be > 0, got " + std::to_string(h));
  grad.resize(param.rows, param.cols);
  for (std::size_t k = 0; k < param.data.size(); ++k) {
    const double theta = param.data[k];
    const auto loss_at = [&](double value) {
      param.data[k] = value;
      return loss();
    };
    const double p1 = loss_at(theta + h), m1 = loss_at(theta - h);
    const double p2 = loss_at(theta + 2 * h), m2 = loss_at(theta - 2 * h);
    param.data[k] = theta;  // leave the network as we found it
    // Five-point central difference: the h² error terms of the two-point formulas cancel,
    // leaving an O(h⁴) truncation error.
    grad.data[k] = (8 * (p1 - m1) - (p2 - m2)) / (12 * h);
  }
  // END EXERCISE
}

}  // namespace dnn
