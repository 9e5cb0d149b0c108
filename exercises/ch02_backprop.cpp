// EXERCISE FILE — yours to edit. Generated from solutions/ch02_backprop.cpp by scripts/gen-exercises.py.
// Replace each DNN_TODO(...) line with your code, then run: scripts/check 02
// (Stuck? The chapter README has a hint for every exercise; solutions/ch02_backprop.cpp has the answer.)
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
  // TODO(exercise relu_backward): f′(z) is 1 for z > 0 and 0 otherwise: check Z and dY have the same shape, resize dZ, dZ = (Z > 0 ? dY : 0) per element
  DNN_TODO("relu_backward", "f′(z) is 1 for z > 0 and 0 otherwise: check Z and dY have the same shape, resize dZ, dZ = (Z > 0 ? dY : 0) per element");
}

template <typename T>
void softmax_ce_backward(const BasicMatrix<T>& P, const std::vector<int>& labels, BasicMatrix<T>& dZ) {
  // TODO(exercise softmax_ce_backward): dZ = P/B, then subtract 1/B at (i, labels[i]); throw std::invalid_argument if labels.size() != P.rows or a label is outside [0, P.cols)
  DNN_TODO("softmax_ce_backward", "dZ = P/B, then subtract 1/B at (i, labels[i]); throw std::invalid_argument if labels.size() != P.rows or a label is outside [0, P.cols)");
}

template <typename T>
void dense_backward(const BasicMatrix<T>& X, const BasicMatrix<T>& W, const BasicMatrix<T>& dZ, BasicMatrix<T>& dW,
                    BasicMatrix<T>& db, BasicMatrix<T>* dX) {
  // TODO(exercise dense_backward): check dZ is X.rows×W.cols; dW = Xᵀ·dZ (matmul_at_b), db(0,j) = Σ_i dZ(i,j), and if dX != nullptr: dX = dZ·Wᵀ (matmul_a_bt)
  DNN_TODO("dense_backward", "check dZ is X.rows×W.cols; dW = Xᵀ·dZ (matmul_at_b), db(0,j) = Σ_i dZ(i,j), and if dX != nullptr: dX = dZ·Wᵀ (matmul_a_bt)");
}

// float for training, double for the gradient check.
DNN_FOR_FLOAT_AND_DOUBLE(relu_backward);
DNN_FOR_FLOAT_AND_DOUBLE(softmax_ce_backward);
DNN_FOR_FLOAT_AND_DOUBLE(dense_backward);

}  // namespace dnn::naive

namespace dnn {

void numerical_gradient(const std::function<double()>& loss, MatrixD& param, MatrixD& grad, double h) {
  // TODO(exercise numerical_gradient): resize grad to param's shape; for each element k: save θ, evaluate L at θ+h, θ−h, θ+2h, θ−2h, restore θ, grad[k] = (8(L(θ+h) − L(θ−h)) − (L(θ+2h) − L(θ−2h))) / (12h)
  DNN_TODO("numerical_gradient", "resize grad to param's shape; for each element k: save θ, evaluate L at θ+h, θ−h, θ+2h, θ−2h, restore θ, grad[k] = (8(L(θ+h) − L(θ−h)) − (L(θ+2h) − L(θ−2h))) / (12h)");
}

}  // namespace dnn
