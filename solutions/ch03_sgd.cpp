// SOLUTION FILE — the reference bodies. (Contributors: edit here, then run scripts/gen-exercises.py.)
// Chapter 03, stochastic gradient descent (textbook §3.2.1, 随机梯度下降): exercises sgd_step,
// gather_minibatch, learning_rate_at.
#include <cmath>
#include <stdexcept>
#include <string>

#include "dnn/exercise.hpp"
#include "dnn/naive.hpp"

namespace dnn::naive {

template <typename T>
void sgd_step(BasicMatrix<T>& W, const BasicMatrix<T>& dW, T lr) {
  // BEGIN EXERCISE sgd_step | check W and dW have the same shape, then W(i,j) -= lr * dW(i,j) for every element (minus: we go DOWN the slope)
  require_same_shape(W, dW, "sgd_step W vs dW");
  for (std::size_t k = 0; k < W.data.size(); ++k) W.data[k] -= lr * dW.data[k];
  // END EXERCISE
}

template <typename T>
void gather_minibatch(const BasicMatrix<T>& X, const std::vector<int>& labels, const std::vector<int>& order,
                      int start, int count, BasicMatrix<T>& Xb, std::vector<int>& yb) {
  // BEGIN EXERCISE gather_minibatch | resize Xb to count×X.cols and yb to count; for r in 0..count−1: i = order[start+r], copy row i of X into row r of Xb and yb[r] = labels[i]
  if (start < 0 || count < 0 || static_cast<std::size_t>(start) + static_cast<std::size_t>(count) > order.size())
    throw std::invalid_argument("gather_minibatch: rows [" + std::to_string(start) + ", " +
                                std::to_string(start + count) + ") outside order of size " +
                                std::to_string(order.size()));
  if (labels.size() != static_cast<std::size_t>(X.rows))
    throw std::invalid_argument("gather_minibatch: " + std::to_string(labels.size()) + " labels for " +
                                std::to_string(X.rows) + " rows");
  Xb.resize(count, X.cols);
  yb.resize(static_cast<std::size_t>(count));
  for (int r = 0; r < count; ++r) {
    const int i = order[static_cast<std::size_t>(start + r)];
    if (i < 0 || i >= X.rows)
      throw std::invalid_argument("gather_minibatch: order holds row " + std::to_string(i) + ", X has " +
                                  std::to_string(X.rows) + " rows");
    for (int j = 0; j < X.cols; ++j) Xb(r, j) = X(i, j);
    yb[static_cast<std::size_t>(r)] = labels[static_cast<std::size_t>(i)];
  }
  // END EXERCISE
}

double learning_rate_at(double lr0, int epoch, double drop, int epochs_per_drop) {
  // BEGIN EXERCISE learning_rate_at | reject epoch < 0 or epochs_per_drop < 1 (std::invalid_argument); k = epoch / epochs_per_drop (integer division); return lr0 * pow(drop, k)
  if (epoch < 0) throw std::invalid_argument("learning_rate_at: epoch must be >= 0, got " + std::to_string(epoch));
  if (epochs_per_drop < 1)
    throw std::invalid_argument("learning_rate_at: epochs_per_drop must be >= 1, got " +
                                std::to_string(epochs_per_drop));
  const int k = epoch / epochs_per_drop;
  return lr0 * std::pow(drop, k);
  // END EXERCISE
}

// float for training, double for tests and the gradient check.
DNN_FOR_FLOAT_AND_DOUBLE(sgd_step);
DNN_FOR_FLOAT_AND_DOUBLE(gather_minibatch);

}  // namespace dnn::naive
