// The naive backend: every non-exercise function of naive.hpp, written as the formula reads.
// (The exercise functions — dense_forward, relu_forward, softmax_rows, relu_backward,
// softmax_ce_backward, dense_backward, ... — live in solutions/chNN_*.cpp; nothing here calls
// them, so common/ links with either the solutions or the learner's exercises.)
//
// Templates on the element type, explicitly instantiated for float (training) and double
// (the gradient check of chapter 02).
#include <algorithm>
#include <cmath>
#include <string>

#include "dnn/naive.hpp"

namespace dnn::naive {

namespace {

std::string shapes(const char* fn, const std::string& a, const std::string& b) {
  return std::string(fn) + ": incompatible shapes " + a + " and " + b;
}

}  // namespace

// ---------------------------------------------------------------- products
template <typename T>
void matmul(const BasicMatrix<T>& A, const BasicMatrix<T>& B, BasicMatrix<T>& C) {
  if (A.cols != B.rows) throw std::invalid_argument(shapes("matmul A·B", A.shape(), B.shape()));
  require_distinct_output(C, A, B, "matmul");
  C.resize(A.rows, B.cols);
  C.fill(T(0));
  // C(i,j) = Σ_k A(i,k)·B(k,j). Loop order i-k-j walks B and C along rows (cache friendly).
  for (int i = 0; i < A.rows; ++i)
    for (int k = 0; k < A.cols; ++k) {
      const T a = A(i, k);
      for (int j = 0; j < B.cols; ++j) C(i, j) += a * B(k, j);
    }
}

template <typename T>
void matmul_at_b(const BasicMatrix<T>& A, const BasicMatrix<T>& B, BasicMatrix<T>& C) {
  if (A.rows != B.rows) throw std::invalid_argument(shapes("matmul_at_b Aᵀ·B", A.shape(), B.shape()));
  require_distinct_output(C, A, B, "matmul_at_b");
  C.resize(A.cols, B.cols);
  C.fill(T(0));
  // C(i,j) = Σ_k A(k,i)·B(k,j): one outer product per row k.
  for (int k = 0; k < A.rows; ++k)
    for (int i = 0; i < A.cols; ++i) {
      const T a = A(k, i);
      for (int j = 0; j < B.cols; ++j) C(i, j) += a * B(k, j);
    }
}

template <typename T>
void matmul_a_bt(const BasicMatrix<T>& A, const BasicMatrix<T>& B, BasicMatrix<T>& C) {
  if (A.cols != B.cols) throw std::invalid_argument(shapes("matmul_a_bt A·Bᵀ", A.shape(), B.shape()));
  require_distinct_output(C, A, B, "matmul_a_bt");
  C.resize(A.rows, B.rows);
  // C(i,j) = Σ_k A(i,k)·B(j,k): a dot product of row i of A and row j of B.
  for (int i = 0; i < A.rows; ++i)
    for (int j = 0; j < B.rows; ++j) {
      T s = 0;
      for (int k = 0; k < A.cols; ++k) s += A(i, k) * B(j, k);
      C(i, j) = s;
    }
}

// ---------------------------------------------------------------- activations
template <typename T>
void sigmoid_forward(const BasicMatrix<T>& Z, BasicMatrix<T>& Y) {
  Y.resize(Z.rows, Z.cols);
  for (std::size_t k = 0; k < Z.data.size(); ++k) {
    // e = e^(−|z|) never overflows; σ(z) = 1/(1+e) for z ≥ 0 and e/(1+e) for z < 0.
    const T z = Z.data[k];
    const T e = std::exp(-std::abs(z));
    Y.data[k] = z >= 0 ? T(1) / (T(1) + e) : e / (T(1) + e);
  }
}

template <typename T>
void tanh_forward(const BasicMatrix<T>& Z, BasicMatrix<T>& Y) {
  Y.resize(Z.rows, Z.cols);
  for (std::size_t k = 0; k < Z.data.size(); ++k) Y.data[k] = std::tanh(Z.data[k]);
}

template <typename T>
void sigmoid_backward(const BasicMatrix<T>& Y, const BasicMatrix<T>& dY, BasicMatrix<T>& dZ) {
  require_same_shape(Y, dY, "sigmoid_backward Y vs dY");
  dZ.resize(Y.rows, Y.cols);
  for (std::size_t k = 0; k < Y.data.size(); ++k) dZ.data[k] = dY.data[k] * Y.data[k] * (T(1) - Y.data[k]);
}

template <typename T>
void tanh_backward(const BasicMatrix<T>& Y, const BasicMatrix<T>& dY, BasicMatrix<T>& dZ) {
  require_same_shape(Y, dY, "tanh_backward Y vs dY");
  dZ.resize(Y.rows, Y.cols);
  for (std::size_t k = 0; k < Y.data.size(); ++k) dZ.data[k] = dY.data[k] * (T(1) - Y.data[k] * Y.data[k]);
}

// ---------------------------------------------------------------- losses
template <typename T>
T softmax_cross_entropy(const BasicMatrix<T>& logits, const std::vector<int>& labels, BasicMatrix<T>& P) {
  require_labels(logits, labels, "softmax_cross_entropy");
  if (logits.cols < 1) throw std::invalid_argument("softmax_cross_entropy: logits " + logits.shape() + " have no class");
  P.resize(logits.rows, logits.cols);
  double total = 0;  // the sum over the batch, accumulated in double
  for (int i = 0; i < logits.rows; ++i) {
    // log Σ_k e^(z_k) = m + log Σ_k e^(z_k − m), m = max_k z_k: no overflow, no log(0).
    T m = logits(i, 0);
    for (int j = 1; j < logits.cols; ++j) m = std::max(m, logits(i, j));
    T s = 0;
    for (int j = 0; j < logits.cols; ++j) s += std::exp(logits(i, j) - m);
    const T lse = m + std::log(s);
    for (int j = 0; j < logits.cols; ++j) P(i, j) = std::exp(logits(i, j) - lse);
    total += static_cast<double>(lse - logits(i, labels[i]));  // −log p_y = lse − z_y
  }
  return logits.rows ? static_cast<T>(total / logits.rows) : T(0);
}

template <typename T>
T mse_loss(const BasicMatrix<T>& Y, const BasicMatrix<T>& Tgt) {
  require_same_shape(Y, Tgt, "mse_loss Y vs T");
  double s = 0;
  for (std::size_t k = 0; k < Y.data.size(); ++k) {
    const double d = static_cast<double>(Y.data[k]) - static_cast<double>(Tgt.data[k]);
    s += d * d;
  }
  return Y.rows ? static_cast<T>(0.5 * s / Y.rows) : T(0);
}

template <typename T>
void mse_backward(const BasicMatrix<T>& Y, const BasicMatrix<T>& Tgt, BasicMatrix<T>& dY) {
  require_same_shape(Y, Tgt, "mse_backward Y vs T");
  dY.resize(Y.rows, Y.cols);
  const T inv_b = Y.rows ? T(1) / static_cast<T>(Y.rows) : T(0);
  for (std::size_t k = 0; k < Y.data.size(); ++k) dY.data[k] = (Y.data[k] - Tgt.data[k]) * inv_b;
}

// ---------------------------------------------------------------- explicit instantiations
#define DNN_NAIVE_INSTANTIATE(T)                                                                        \
  template void matmul<T>(const BasicMatrix<T>&, const BasicMatrix<T>&, BasicMatrix<T>&);              \
  template void matmul_at_b<T>(const BasicMatrix<T>&, const BasicMatrix<T>&, BasicMatrix<T>&);         \
  template void matmul_a_bt<T>(const BasicMatrix<T>&, const BasicMatrix<T>&, BasicMatrix<T>&);         \
  template void sigmoid_forward<T>(const BasicMatrix<T>&, BasicMatrix<T>&);                            \
  template void tanh_forward<T>(const BasicMatrix<T>&, BasicMatrix<T>&);                               \
  template void sigmoid_backward<T>(const BasicMatrix<T>&, const BasicMatrix<T>&, BasicMatrix<T>&);    \
  template void tanh_backward<T>(const BasicMatrix<T>&, const BasicMatrix<T>&, BasicMatrix<T>&);       \
  template T softmax_cross_entropy<T>(const BasicMatrix<T>&, const std::vector<int>&, BasicMatrix<T>&); \
  template T mse_loss<T>(const BasicMatrix<T>&, const BasicMatrix<T>&);                                \
  template void mse_backward<T>(const BasicMatrix<T>&, const BasicMatrix<T>&, BasicMatrix<T>&);

DNN_NAIVE_INSTANTIATE(float)
DNN_NAIVE_INSTANTIATE(double)
#undef DNN_NAIVE_INSTANTIATE

}  // namespace dnn::naive
