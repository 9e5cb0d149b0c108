// The CPU backends behind one interface: every operation is a switch on the backend, calling the
// plain loops of naive.hpp (the exercise functions, whose bodies the program links from
// solutions/ or exercises/) or their Eigen twins (eigen_ops.cpp).
#include "dnn/ops.hpp"

#include "dnn/eigen_ops.hpp"

namespace dnn {

const Ops& naive_ops() {
  static const Ops ops{Backend::Naive, "naive"};
  return ops;
}

const Ops& eigen_ops() {
  static const Ops ops{Backend::Eigen, "eigen"};
  return ops;
}

const Ops& ops_for(Backend b) {
  if (b == Backend::Naive) return naive_ops();
  if (b == Backend::Eigen) return eigen_ops();
  throw std::invalid_argument("ops_for: backend '" + to_string(b) + "' has no CPU operations");
}

void Ops::matmul(const Matrix& A, const Matrix& B, Matrix& C) const {
  if (backend == Backend::Naive) return naive::matmul(A, B, C);
  eigen::matmul(A, B, C);
}

void Ops::dense_forward(const Matrix& X, const Matrix& W, const Matrix& b, Matrix& Z) const {
  if (backend == Backend::Naive) return naive::dense_forward(X, W, b, Z);
  eigen::dense_forward(X, W, b, Z);
}

void Ops::activation_forward(Activation f, const Matrix& Z, Matrix& Y) const {
  if (backend == Backend::Naive) return naive::activation_forward(f, Z, Y);
  eigen::activation_forward(f, Z, Y);
}

void Ops::softmax_rows(const Matrix& Z, Matrix& P) const {
  if (backend == Backend::Naive) return naive::softmax_rows(Z, P);
  eigen::softmax_rows(Z, P);
}

float Ops::softmax_cross_entropy(const Matrix& logits, const std::vector<int>& labels, Matrix& P) const {
  if (backend == Backend::Naive) return naive::softmax_cross_entropy(logits, labels, P);
  return eigen::softmax_cross_entropy(logits, labels, P);
}

void Ops::softmax_ce_backward(const Matrix& P, const std::vector<int>& labels, Matrix& dZ) const {
  if (backend == Backend::Naive) return naive::softmax_ce_backward(P, labels, dZ);
  eigen::softmax_ce_backward(P, labels, dZ);
}

void Ops::activation_backward(Activation f, const Matrix& Z, const Matrix& Y, const Matrix& dY, Matrix& dZ) const {
  if (backend == Backend::Naive) return naive::activation_backward(f, Z, Y, dY, dZ);
  eigen::activation_backward(f, Z, Y, dY, dZ);
}

void Ops::dense_backward(const Matrix& X, const Matrix& W, const Matrix& dZ, Matrix& dW, Matrix& db,
                         Matrix* dX) const {
  if (backend == Backend::Naive) return naive::dense_backward(X, W, dZ, dW, db, dX);
  eigen::dense_backward(X, W, dZ, dW, db, dX);
}

void Ops::sgd_step(Matrix& W, const Matrix& dW, float lr) const {
  if (backend == Backend::Naive) return naive::sgd_step(W, dW, lr);
  eigen::sgd_step(W, dW, lr);
}

void Ops::gather_minibatch(const Matrix& X, const std::vector<int>& labels, const std::vector<int>& order, int start,
                           int count, Matrix& Xb, std::vector<int>& yb) const {
  if (backend == Backend::Naive) return naive::gather_minibatch(X, labels, order, start, count, Xb, yb);
  eigen::gather_minibatch(X, labels, order, start, count, Xb, yb);
}

void Ops::momentum_step(Matrix& W, const Matrix& dW, Matrix& V, float lr, float mu) const {
  if (backend == Backend::Naive) return naive::momentum_step(W, dW, V, lr, mu);
  eigen::momentum_step(W, dW, V, lr, mu);
}

void Ops::adam_step(Matrix& W, const Matrix& dW, Matrix& m, Matrix& v, long t, const naive::AdamConfig& cfg) const {
  if (backend == Backend::Naive) return naive::adam_step(W, dW, m, v, t, cfg);
  eigen::adam_step(W, dW, m, v, t, cfg);
}

}  // namespace dnn
