// EXERCISE FILE — yours to edit. Generated from solutions/ch03_sgd.cpp by scripts/gen-exercises.py.
// Replace each DNN_TODO(...) line with your code, then run: scripts/check 03
// (Stuck? The chapter README has a hint for every exercise; solutions/ch03_sgd.cpp has the answer.)
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
  // TODO(exercise sgd_step): check W and dW have the same shape, then W(i,j) -= lr * dW(i,j) for every element (minus: we go DOWN the slope)
  DNN_TODO("sgd_step", "check W and dW have the same shape, then W(i,j) -= lr * dW(i,j) for every element (minus: we go DOWN the slope)");
}

template <typename T>
void gather_minibatch(const BasicMatrix<T>& X, const std::vector<int>& labels, const std::vector<int>& order,
                      int start, int count, BasicMatrix<T>& Xb, std::vector<int>& yb) {
  // TODO(exercise gather_minibatch): resize Xb to count×X.cols and yb to count; for r in 0..count−1: i = order[start+r], copy row i of X into row r of Xb and yb[r] = labels[i]
  DNN_TODO("gather_minibatch", "resize Xb to count×X.cols and yb to count; for r in 0..count−1: i = order[start+r], copy row i of X into row r of Xb and yb[r] = labels[i]");
}

double learning_rate_at(double lr0, int epoch, double drop, int epochs_per_drop) {
  // TODO(exercise learning_rate_at): reject epoch < 0 or epochs_per_drop < 1 (std::invalid_argument); k = epoch / epochs_per_drop (integer division); return lr0 * pow(drop, k)
  DNN_TODO("learning_rate_at", "reject epoch < 0 or epochs_per_drop < 1 (std::invalid_argument); k = epoch / epochs_per_drop (integer division); return lr0 * pow(drop, k)");
}

// float for training, double for tests and the gradient check.
DNN_FOR_FLOAT_AND_DOUBLE(sgd_step);
DNN_FOR_FLOAT_AND_DOUBLE(gather_minibatch);

}  // namespace dnn::naive
