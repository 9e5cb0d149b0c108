// EXERCISE FILE — yours to edit. Generated from solutions/ch04_adam.cpp by scripts/gen-exercises.py.
// Replace each DNN_TODO(...) line with your code, then run: scripts/check 04
// (Stuck? The chapter README has a hint for every exercise; solutions/ch04_adam.cpp has the answer.)
// Chapter 04, momentum and Adam (textbook §3.2.2): exercises momentum_step, adam_step,
// rmsprop_step.
#include <cmath>
#include <stdexcept>
#include <string>

#include "dnn/exercise.hpp"
#include "dnn/naive.hpp"

namespace dnn::naive {

template <typename T>
void momentum_step(BasicMatrix<T>& W, const BasicMatrix<T>& dW, BasicMatrix<T>& V, T lr, T mu) {
  // TODO(exercise momentum_step): check W, dW and V have the same shape; per element: V = mu*V − lr*dW, then W = W + V
  DNN_TODO("momentum_step", "check W, dW and V have the same shape; per element: V = mu*V − lr*dW, then W = W + V");
}

template <typename T>
void adam_step(BasicMatrix<T>& W, const BasicMatrix<T>& dW, BasicMatrix<T>& m, BasicMatrix<T>& v, long t,
               const AdamConfig& cfg) {
  // TODO(exercise adam_step): t ≥ 1; per element g = dW: m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²; m̂ = m/(1−β1^t); v̂ = v/(1−β2^t); W −= lr·m̂/(sqrt(v̂) + ε) — ε OUTSIDE the sqrt
  DNN_TODO("adam_step", "t ≥ 1; per element g = dW: m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²; m̂ = m/(1−β1^t); v̂ = v/(1−β2^t); W −= lr·m̂/(sqrt(v̂) + ε) — ε OUTSIDE the sqrt");
}

template <typename T>
void rmsprop_step(BasicMatrix<T>& W, const BasicMatrix<T>& dW, BasicMatrix<T>& v, T lr, T rho, T eps) {
  // TODO(exercise rmsprop_step): check shapes; per element g = dW: v = rho·v + (1−rho)·g²; W −= lr·g/(sqrt(v) + eps)
  DNN_TODO("rmsprop_step", "check shapes; per element g = dW: v = rho·v + (1−rho)·g²; W −= lr·g/(sqrt(v) + eps)");
}

// float for training, double for tests.
DNN_FOR_FLOAT_AND_DOUBLE(momentum_step);
DNN_FOR_FLOAT_AND_DOUBLE(adam_step);
DNN_FOR_FLOAT_AND_DOUBLE(rmsprop_step);

}  // namespace dnn::naive
