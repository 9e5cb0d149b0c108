// EXERCISE FILE — yours to edit. Generated from solutions/ch01_forward.cpp by scripts/gen-exercises.py.
// Replace each DNN_TODO(...) line with your code, then run: scripts/check 01
// (Stuck? The chapter README has a hint for every exercise; solutions/ch01_forward.cpp has the answer.)
// Chapter 01, the forward pass (textbook §2.2, 前向传播): exercises dense_forward, relu_forward,
// softmax_rows.
#include <algorithm>
#include <cmath>

#include "dnn/exercise.hpp"
#include "dnn/naive.hpp"

namespace dnn::naive {

template <typename T>
void dense_forward(const BasicMatrix<T>& X, const BasicMatrix<T>& W, const BasicMatrix<T>& b, BasicMatrix<T>& Z) {
  // TODO(exercise dense_forward): Z = X·W, then add b(0,j) to every row i; check X.cols == W.rows and b is 1×W.cols
  DNN_TODO("dense_forward", "Z = X·W, then add b(0,j) to every row i; check X.cols == W.rows and b is 1×W.cols");
}

template <typename T>
void relu_forward(const BasicMatrix<T>& Z, BasicMatrix<T>& Y) {
  // TODO(exercise relu_forward): resize Y to Z's shape, then Y(i,j) = max(0, Z(i,j))
  DNN_TODO("relu_forward", "resize Y to Z's shape, then Y(i,j) = max(0, Z(i,j))");
}

template <typename T>
void softmax_rows(const BasicMatrix<T>& Z, BasicMatrix<T>& P) {
  // TODO(exercise softmax_rows): per row: subtract the row max m, P = exp(Z − m), divide by the row sum
  DNN_TODO("softmax_rows", "per row: subtract the row max m, P = exp(Z − m), divide by the row sum");
}

// float for training, double for the gradient check.
DNN_FOR_FLOAT_AND_DOUBLE(dense_forward);
DNN_FOR_FLOAT_AND_DOUBLE(relu_forward);
DNN_FOR_FLOAT_AND_DOUBLE(softmax_rows);

}  // namespace dnn::naive
