// The Eigen backend: the math of naive.hpp as Eigen expressions on Map views of our row-major
// matrices (no copies). What makes it fast:
//  - products are written `C.noalias() = A * B` (no temporary for the result) and Eigen picks a
//    blocked, vectorised GEMM kernel; Xᵀ·dZ and dZ·Wᵀ are `.transpose()` expressions, so no
//    transposed copy is ever made;
//  - the bias is written into Z first and the product is accumulated on top (`+=`), so adding b
//    costs no extra pass over the product;
//  - outputs are resized (same size → no allocation) and every elementwise step is one fused
//    loop over memory (Eigen's expression templates).

// GCC 12 reports false "may be used uninitialized" warnings inside Eigen's AVX-512 GEMM kernels
// (the intrinsics headers use `__m512 __Y = __Y;` on purpose). Silence only that, only here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

// Eigen packs the right-hand side of a product into a scratch block; above this many bytes it takes
// the block from the heap (one malloc + free per product). The 784×50 weight block is 157 KB, just
// over Eigen's default 128 KB, so raise the limit: the block then lives on the stack and a training
// step allocates nothing.
#define EIGEN_STACK_ALLOCATION_LIMIT (512 * 1024)

#include "dnn/eigen_ops.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

namespace dnn::eigen {

namespace {

std::string shapes(const char* fn, const Matrix& a, const Matrix& b) {
  return std::string(fn) + ": incompatible shapes " + a.shape() + " and " + b.shape();
}

}  // namespace

// ---------------------------------------------------------------- products
void matmul(const Matrix& A, const Matrix& B, Matrix& C) {
  if (A.cols != B.rows) throw std::invalid_argument(shapes("eigen::matmul A·B", A, B));
  require_distinct_output(C, A, B, "eigen::matmul");
  C.resize(A.rows, B.cols);
  view(C).noalias() = view(A) * view(B);
}

void matmul_at_b(const Matrix& A, const Matrix& B, Matrix& C) {
  if (A.rows != B.rows) throw std::invalid_argument(shapes("eigen::matmul_at_b Aᵀ·B", A, B));
  require_distinct_output(C, A, B, "eigen::matmul_at_b");
  C.resize(A.cols, B.cols);
  view(C).noalias() = view(A).transpose() * view(B);
}

void matmul_a_bt(const Matrix& A, const Matrix& B, Matrix& C) {
  if (A.cols != B.cols) throw std::invalid_argument(shapes("eigen::matmul_a_bt A·Bᵀ", A, B));
  require_distinct_output(C, A, B, "eigen::matmul_a_bt");
  C.resize(A.rows, B.rows);
  view(C).noalias() = view(A) * view(B).transpose();
}

void dense_forward(const Matrix& X, const Matrix& W, const Matrix& b, Matrix& Z) {
  if (X.cols != W.rows) throw std::invalid_argument(shapes("eigen::dense_forward X·W", X, W));
  require_shape(b, 1, W.cols, "eigen::dense_forward b");
  Z.resize(X.rows, W.cols);
  auto z = view(Z);
  z.rowwise() = view(b).row(0);      // every row starts as b ...
  z.noalias() += view(X) * view(W);  // ... and the GEMM accumulates X·W on top
}

// ---------------------------------------------------------------- activations
void relu_forward(const Matrix& Z, Matrix& Y) {
  Y.resize(Z.rows, Z.cols);
  view(Y).array() = view(Z).array().max(0.0f);
}

// Elementwise functions with a transcendental (exp, tanh) are evaluated with the scalar std::
// functions: Eigen's vectorised exp/tanh differ from the scalar ones in the last bit, and which
// elements take which path depends on the buffer's address (the peeled, unaligned ones go scalar),
// so the same inputs could give different bits from run to run. Bit-reproducible results matter
// more here than the last 20 % of speed (ReLU, the chapter's activation, is exact either way).
void sigmoid_forward(const Matrix& Z, Matrix& Y) {
  Y.resize(Z.rows, Z.cols);
  view(Y).array() = view(Z).array().unaryExpr([](float z) {
    const float e = std::exp(-std::abs(z));  // e^(−|z|) ∈ (0, 1]: never overflows
    return z >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
  });
}

void tanh_forward(const Matrix& Z, Matrix& Y) {
  Y.resize(Z.rows, Z.cols);
  view(Y).array() = view(Z).array().unaryExpr([](float z) { return std::tanh(z); });
}

void activation_forward(Activation f, const Matrix& Z, Matrix& Y) {
  switch (f) {
    case Activation::ReLU: relu_forward(Z, Y); return;
    case Activation::Sigmoid: sigmoid_forward(Z, Y); return;
    case Activation::Tanh: tanh_forward(Z, Y); return;
    case Activation::Linear:
      if (&Y != &Z) {
        Y.resize(Z.rows, Z.cols);
        if (!Z.empty()) std::memcpy(Y.data.data(), Z.data.data(), Z.size() * sizeof(float));
      }
      return;
  }
}

// Softmax and the loss work on rows of 10 numbers: plain loops with std::exp and a fixed summation
// order (bit-reproducible, see above; a row is far too short for vectorisation to matter).
void softmax_rows(const Matrix& Z, Matrix& P) {
  P.resize(Z.rows, Z.cols);
  if (Z.cols == 0) return;
  for (int i = 0; i < Z.rows; ++i) {
    const float* z = Z.row(i);
    float* p = P.row(i);
    const float m = *std::max_element(z, z + Z.cols);  // subtract the row max: no overflow
    float sum = 0.0f;
    for (int j = 0; j < Z.cols; ++j) sum += (p[j] = std::exp(z[j] - m));
    for (int j = 0; j < Z.cols; ++j) p[j] /= sum;
  }
}

// ---------------------------------------------------------------- losses
float softmax_cross_entropy(const Matrix& logits, const std::vector<int>& labels, Matrix& P) {
  require_labels(logits, labels, "eigen::softmax_cross_entropy");
  if (logits.cols < 1)
    throw std::invalid_argument("eigen::softmax_cross_entropy: logits " + logits.shape() + " have no class");
  P.resize(logits.rows, logits.cols);
  if (logits.rows == 0) return 0.0f;
  double total = 0;
  for (int i = 0; i < logits.rows; ++i) {
    // log-sum-exp: lse = m + log Σ_j e^(z_j − m); then p_j = e^(z_j − lse) and −log p_y = lse − z_y.
    const float* z = logits.row(i);
    float* p = P.row(i);
    const float m = *std::max_element(z, z + logits.cols);
    float sum = 0.0f;
    for (int j = 0; j < logits.cols; ++j) sum += std::exp(z[j] - m);
    const float lse = m + std::log(sum);
    for (int j = 0; j < logits.cols; ++j) p[j] = std::exp(z[j] - lse);
    total += static_cast<double>(lse - z[labels[static_cast<std::size_t>(i)]]);
  }
  return static_cast<float>(total / logits.rows);
}

void softmax_ce_backward(const Matrix& P, const std::vector<int>& labels, Matrix& dZ) {
  require_labels(P, labels, "eigen::softmax_ce_backward");
  dZ.resize(P.rows, P.cols);
  if (P.rows == 0) return;
  const float inv_b = 1.0f / static_cast<float>(P.rows);
  view(dZ).array() = view(P).array() * inv_b;
  for (int i = 0; i < P.rows; ++i) dZ(i, labels[i]) -= inv_b;
}

float mse_loss(const Matrix& Y, const Matrix& Tgt) {
  require_same_shape(Y, Tgt, "eigen::mse_loss Y vs T");
  if (Y.rows == 0) return 0.0f;
  double s = 0;  // fixed summation order, in double
  for (std::size_t k = 0; k < Y.size(); ++k) {
    const double d = static_cast<double>(Y.data[k]) - static_cast<double>(Tgt.data[k]);
    s += d * d;
  }
  return static_cast<float>(0.5 * s / Y.rows);
}

void mse_backward(const Matrix& Y, const Matrix& Tgt, Matrix& dY) {
  require_same_shape(Y, Tgt, "eigen::mse_backward Y vs T");
  dY.resize(Y.rows, Y.cols);
  if (Y.rows == 0) return;
  view(dY).array() = (view(Y).array() - view(Tgt).array()) * (1.0f / static_cast<float>(Y.rows));
}

// ---------------------------------------------------------------- backward of activations and dense
void relu_backward(const Matrix& Z, const Matrix& dY, Matrix& dZ) {
  require_same_shape(Z, dY, "eigen::relu_backward Z vs dY");
  dZ.resize(Z.rows, Z.cols);
  view(dZ).array() = (view(Z).array() > 0.0f).select(view(dY).array(), 0.0f);
}

void sigmoid_backward(const Matrix& Y, const Matrix& dY, Matrix& dZ) {
  require_same_shape(Y, dY, "eigen::sigmoid_backward Y vs dY");
  dZ.resize(Y.rows, Y.cols);
  const auto y = view(Y).array();
  view(dZ).array() = view(dY).array() * y * (1.0f - y);
}

void tanh_backward(const Matrix& Y, const Matrix& dY, Matrix& dZ) {
  require_same_shape(Y, dY, "eigen::tanh_backward Y vs dY");
  dZ.resize(Y.rows, Y.cols);
  const auto y = view(Y).array();
  view(dZ).array() = view(dY).array() * (1.0f - y.square());
}

void activation_backward(Activation f, const Matrix& Z, const Matrix& Y, const Matrix& dY, Matrix& dZ) {
  switch (f) {
    case Activation::ReLU: relu_backward(Z, dY, dZ); return;
    case Activation::Sigmoid: sigmoid_backward(Y, dY, dZ); return;
    case Activation::Tanh: tanh_backward(Y, dY, dZ); return;
    case Activation::Linear:
      require_same_shape(Z, dY, "eigen::activation_backward(linear) Z vs dY");
      if (&dZ != &dY) {
        dZ.resize(dY.rows, dY.cols);
        if (!dY.empty()) std::memcpy(dZ.data.data(), dY.data.data(), dY.size() * sizeof(float));
      }
      return;
  }
}

void dense_backward(const Matrix& X, const Matrix& W, const Matrix& dZ, Matrix& dW, Matrix& db, Matrix* dX) {
  if (X.cols != W.rows) throw std::invalid_argument(shapes("eigen::dense_backward X·W", X, W));
  require_shape(dZ, X.rows, W.cols, "eigen::dense_backward dZ");
  dW.resize(W.rows, W.cols);
  db.resize(1, W.cols);
  const auto dz = view(dZ);
  view(dW).noalias() = view(X).transpose() * dz;  // dW = Xᵀ·dZ
  // db = Σ_rows dZ, added row by row in a fixed order. (dz.colwise().sum() vectorises
  // differently depending on the buffer's address, so the same inputs gave results that
  // differed in the last bit from run to run — and a resumed run drifted from an
  // uninterrupted one.)
  auto bias = view(db);
  bias.setZero();
  for (int i = 0; i < dZ.rows; ++i) bias += dz.row(i);
  if (dX) {
    dX->resize(X.rows, X.cols);
    view(*dX).noalias() = dz * view(W).transpose();  // dX = dZ·Wᵀ
  }
}

// ---------------------------------------------------------------- optimizers (chapters 03–04)
void sgd_step(Matrix& W, const Matrix& dW, float lr) {
  require_same_shape(W, dW, "eigen::sgd_step W vs dW");
  view(W) -= lr * view(dW);
}

void gather_minibatch(const Matrix& X, const std::vector<int>& labels, const std::vector<int>& order, int start,
                      int count, Matrix& Xb, std::vector<int>& yb) {
  if (static_cast<int>(labels.size()) != X.rows)
    throw std::invalid_argument("eigen::gather_minibatch: " + std::to_string(labels.size()) + " labels for X " +
                                X.shape());
  if (start < 0 || count < 0 || static_cast<std::size_t>(start) + count > order.size())
    throw std::invalid_argument("eigen::gather_minibatch: rows [" + std::to_string(start) + ", " +
                                std::to_string(start + count) + ") outside the order of size " +
                                std::to_string(order.size()));
  Xb.resize(count, X.cols);
  yb.resize(static_cast<std::size_t>(count));
  const std::size_t row_bytes = static_cast<std::size_t>(X.cols) * sizeof(float);
  for (int r = 0; r < count; ++r) {
    const int src = order[static_cast<std::size_t>(start) + r];
    if (src < 0 || src >= X.rows)
      throw std::invalid_argument("eigen::gather_minibatch: index " + std::to_string(src) + " outside X " +
                                  X.shape());
    if (row_bytes) std::memcpy(Xb.row(r), X.row(src), row_bytes);
    yb[static_cast<std::size_t>(r)] = labels[static_cast<std::size_t>(src)];
  }
}

void momentum_step(Matrix& W, const Matrix& dW, Matrix& V, float lr, float mu) {
  require_same_shape(W, dW, "eigen::momentum_step W vs dW");
  require_same_shape(W, V, "eigen::momentum_step W vs V");
  auto v = view(V).array();
  v = mu * v - lr * view(dW).array();  // V ← μ·V − lr·dW
  view(W).array() += v;                // W ← W + V
}

void adam_step(Matrix& W, const Matrix& dW, Matrix& m, Matrix& v, long t, const naive::AdamConfig& cfg) {
  require_same_shape(W, dW, "eigen::adam_step W vs dW");
  require_same_shape(W, m, "eigen::adam_step W vs m");
  require_same_shape(W, v, "eigen::adam_step W vs v");
  if (t < 1) throw std::invalid_argument("eigen::adam_step: step t must be >= 1, got " + std::to_string(t));
  const float b1 = static_cast<float>(cfg.beta1), b2 = static_cast<float>(cfg.beta2);
  const float lr = static_cast<float>(cfg.lr), eps = static_cast<float>(cfg.eps);
  // Bias corrections (computed in double: β^t for large t needs the precision).
  const float c1 = static_cast<float>(1.0 - std::pow(cfg.beta1, static_cast<double>(t)));
  const float c2 = static_cast<float>(1.0 - std::pow(cfg.beta2, static_cast<double>(t)));
  const auto g = view(dW).array();
  auto ma = view(m).array();
  auto va = view(v).array();
  ma = b1 * ma + (1.0f - b1) * g;             // first moment: running mean of g
  va = b2 * va + (1.0f - b2) * g.square();    // second moment: running mean of g²
  // ε outside the square root. std::sqrt, not Eigen's .sqrt(): with AVX-512 Eigen's packet sqrt
  // is an approximation (rsqrt + one Newton step) while its scalar sqrt is exact, and which
  // elements take which path depends on the buffers' addresses — so results differed in the
  // last bit from run to run (and a resumed run drifted from an uninterrupted one).
  view(W).array() -= lr * (ma / c1) / ((va / c2).unaryExpr([](float x) { return std::sqrt(x); }) + eps);
}

}  // namespace dnn::eigen
