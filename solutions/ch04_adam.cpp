// SOLUTION FILE — the reference bodies. (Contributors: edit here, then run scripts/gen-exercises.py.)
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
  // BEGIN EXERCISE momentum_step | check W, dW and V have the same shape; per element: V = mu*V − lr*dW, then W = W + V
  require_same_shape(W, dW, "momentum_step W vs dW");
  require_same_shape(W, V, "momentum_step W vs V");
  for (std::size_t k = 0; k < W.data.size(); ++k) {
    V.data[k] = mu * V.data[k] - lr * dW.data[k];
    W.data[k] += V.data[k];
  }
  // END EXERCISE
}

template <typename T>
void adam_step(BasicMatrix<T>& W, const BasicMatrix<T>& dW, BasicMatrix<T>& m, BasicMatrix<T>& v, long t,
               const AdamConfig& cfg) {
  // BEGIN EXERCISE adam_step | t ≥ 1; per element g = dW: m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²; m̂ = m/(1−β1^t); v̂ = v/(1−β2^t); W −= lr·m̂/(sqrt(v̂) + ε) — ε OUTSIDE the sqrt
  require_same_shape(W, dW, "adam_step W vs dW");
  require_same_shape(W, m, "adam_step W vs m");
  require_same_shape(W, v, "adam_step W vs v");
  if (t < 1) throw std::invalid_argument("adam_step: step count t must be >= 1, got " + std::to_string(t));
  const T b1 = static_cast<T>(cfg.beta1), b2 = static_cast<T>(cfg.beta2);
  const T lr = static_cast<T>(cfg.lr), eps = static_cast<T>(cfg.eps);
  // Bias corrections: m and v start at 0, so early averages are too small by (1 − β^t).
  const T c1 = static_cast<T>(1.0 - std::pow(cfg.beta1, static_cast<double>(t)));
  const T c2 = static_cast<T>(1.0 - std::pow(cfg.beta2, static_cast<double>(t)));
  for (std::size_t k = 0; k < W.data.size(); ++k) {
    const T g = dW.data[k];
    m.data[k] = b1 * m.data[k] + (T(1) - b1) * g;      // first moment: running mean of g
    v.data[k] = b2 * v.data[k] + (T(1) - b2) * g * g;  // second raw moment: running mean of g²
    const T m_hat = m.data[k] / c1;
    const T v_hat = v.data[k] / c2;
    W.data[k] -= lr * m_hat / (std::sqrt(v_hat) + eps);
  }
  // END EXERCISE
}

template <typename T>
void rmsprop_step(BasicMatrix<T>& W, const BasicMatrix<T>& dW, BasicMatrix<T>& v, T lr, T rho, T eps) {
  // BEGIN EXERCISE rmsprop_step | check shapes; per element g = dW: v = rho·v + (1−rho)·g²; W −= lr·g/(sqrt(v) + eps)
  require_same_shape(W, dW, "rmsprop_step W vs dW");
  require_same_shape(W, v, "rmsprop_step W vs v");
  for (std::size_t k = 0; k < W.data.size(); ++k) {
    const T g = dW.data[k];
    v.data[k] = rho * v.data[k] + (T(1) - rho) * g * g;
    W.data[k] -= lr * g / (std::sqrt(v.data[k]) + eps);
  }
  // END EXERCISE
}

// float for training, double for tests.
DNN_FOR_FLOAT_AND_DOUBLE(momentum_step);
DNN_FOR_FLOAT_AND_DOUBLE(adam_step);
DNN_FOR_FLOAT_AND_DOUBLE(rmsprop_step);

}  // namespace dnn::naive
