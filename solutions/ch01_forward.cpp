// SOLUTION FILE — the reference bodies. (Contributors: edit here, then run scripts/gen-exercises.py.)
// Chapter 01, the forward pass (textbook §2.2, 前向传播): exercises dense_forward, relu_forward,
// softmax_rows.
#include <algorithm>
#include <cmath>

#include "dnn/exercise.hpp"
#include "dnn/naive.hpp"

namespace dnn::naive {

template <typename T>
void dense_forward(const BasicMatrix<T>& X, const BasicMatrix<T>& W, const BasicMatrix<T>& b, BasicMatrix<T>& Z) {
  // BEGIN EXERCISE dense_forward | Z = X·W, then add b(0,j) to every row i; check X.cols == W.rows and b is 1×W.cols
  require_shape(W, X.cols, W.cols, "dense_forward W");
  require_shape(b, 1, W.cols, "dense_forward b");
  matmul(X, W, Z);
  for (int i = 0; i < Z.rows; ++i)
    for (int j = 0; j < Z.cols; ++j) Z(i, j) += b(0, j);
  // END EXERCISE
}

template <typename T>
void relu_forward(const BasicMatrix<T>& Z, BasicMatrix<T>& Y) {
  // BEGIN EXERCISE relu_forward | resize Y to Z's shape, then Y(i,j) = max(0, Z(i,j))
  Y.resize(Z.rows, Z.cols);
  for (std::size_t k = 0; k < Z.data.size(); ++k) Y.data[k] = std::max(T(0), Z.data[k]);
  // END EXERCISE
}

template <typename T>
void softmax_rows(const BasicMatrix<T>& Z, BasicMatrix<T>& P) {
  // BEGIN EXERCISE softmax_rows | per row: subtract the row max m, P = exp(Z − m), divide by the row sum
  P.resize(Z.rows, Z.cols);
  for (int i = 0; i < Z.rows; ++i) {
    T m = Z(i, 0);
    for (int j = 1; j < Z.cols; ++j) m = std::max(m, Z(i, j));
    T sum = 0;
    for (int j = 0; j < Z.cols; ++j) {
      P(i, j) = std::exp(Z(i, j) - m);
      sum += P(i, j);
    }
    for (int j = 0; j < Z.cols; ++j) P(i, j) /= sum;
  }
  // END EXERCISE
}

// float for training, double for the gradient check.
DNN_FOR_FLOAT_AND_DOUBLE(dense_forward);
DNN_FOR_FLOAT_AND_DOUBLE(relu_forward);
DNN_FOR_FLOAT_AND_DOUBLE(softmax_rows);

}  // namespace dnn::naive
