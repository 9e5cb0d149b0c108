/// @file gradcheck.hpp
/// @brief The gradient check of chapter 02 (梯度检验): backpropagation's gradients compared with
///        central differences, on a small network computed in double precision.
///
/// Backpropagation (反向传播, §3.1) is easy to get subtly wrong — a forgotten f′(z), a wrong
/// sign, a transposed product — and a wrong gradient still "trains" a little. The check:
/// for every parameter θ, ∂L/∂θ ≈ [8(L(θ+h) − L(θ−h)) − (L(θ+2h) − L(θ−2h))] / 12h, the
/// five-point central difference. Its error has two parts: truncation O(h⁴·L⁽⁵⁾) and rounding
/// O(ε·|L|/h) with ε ≈ 1e-16 in double. With h = 1e-3 both are ~1e-12 for these networks (the
/// plain two-point formula (L(θ+h) − L(θ−h))/2h has an O(h²) truncation error, so it needs a
/// smaller h, where rounding is ~10× larger). A right backprop agrees to ~1e-9 relative error;
/// a wrong one is off by 1e-2 or more.
///
/// `NetD` is a double-precision twin of Mlp built from the naive templates (instantiated for
/// double). Its functions are inline here because they call the learner's exercise functions:
/// they are compiled into the program or test that uses them, never into common/.
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "dnn/activation.hpp"
#include "dnn/matrix.hpp"
#include "dnn/mlp.hpp"
#include "dnn/naive.hpp"

namespace dnn {

/// **[exercise]** Numerical gradient by central differences: for every element θ of `param`,
/// grad(θ) = [8(L(θ+h) − L(θ−h)) − (L(θ+2h) − L(θ−2h))] / (12h), L = loss() at that θ.
/// `loss` evaluates the loss with the current contents of `param`; every element is restored
/// afterwards. `grad` is resized to
/// param's shape. (Body in solutions/ch02_backprop.cpp.)
void numerical_gradient(const std::function<double()>& loss, MatrixD& param, MatrixD& grad, double h = 1e-3);

/// |a − n| / max(|a|, |n|, floor): the relative error used by the check. The floor stops
/// gradients that are ~0 (e.g. weights of almost-blank pixels, ∂L/∂w ≈ 1e-7) from turning the
/// ~1e-12 rounding noise of the numerical derivative into a large ratio: below the floor the
/// comparison is effectively absolute, |a − n| < tolerance·floor = 1e-11.
inline double relative_error(double a, double n, double floor = 1e-4) {
  return std::abs(a - n) / std::max({std::abs(a), std::abs(n), floor});
}

/// One row of the check table: one parameter tensor.
struct GradCheckRow {
  int layer = 0;
  std::string tensor;  ///< "W" or "b"
  int rows = 0, cols = 0;
  double max_abs_diff = 0;
  double max_rel_error = 0;
  bool pass = false;
};

/// The larger of `so_far` and `e`, where NaN counts as larger than anything (and stays once seen).
/// (std::max(so_far, NaN) returns so_far: a gradient full of NaN would show an error of 0.)
inline double max_keeping_nan(double so_far, double e) { return std::isnan(e) || e > so_far ? e : so_far; }

/// Compares an analytic gradient with a numerical one element by element. A NaN or infinite
/// entry on either side makes the errors NaN or infinite, and the row fails.
inline GradCheckRow compare_gradients(int layer, const std::string& tensor, const MatrixD& analytic,
                                      const MatrixD& numeric, double tolerance) {
  require_same_shape(analytic, numeric, "compare_gradients analytic vs numeric");
  GradCheckRow r;
  r.layer = layer;
  r.tensor = tensor;
  r.rows = analytic.rows;
  r.cols = analytic.cols;
  for (std::size_t k = 0; k < analytic.data.size(); ++k) {
    r.max_abs_diff = max_keeping_nan(r.max_abs_diff, std::abs(analytic.data[k] - numeric.data[k]));
    r.max_rel_error = max_keeping_nan(r.max_rel_error, relative_error(analytic.data[k], numeric.data[k]));
  }
  r.pass = r.max_rel_error < tolerance;
  return r;
}

/// A network in double precision: layer l computes Z = A·W[l] + b[l], A' = act[l](Z).
struct NetD {
  std::vector<MatrixD> W, b;
  std::vector<Activation> act;
  std::size_t depth() const { return W.size(); }
};

/// The loss at the output of a NetD.
enum class LossKind {
  SoftmaxCE,  ///< mean softmax cross-entropy of the outputs (logits) against integer labels
  MSE         ///< mean ½‖y − t‖² of the outputs against targets T
};

/// The training data of one check: X, and labels (SoftmaxCE) or targets T (MSE).
struct CheckData {
  MatrixD X;
  std::vector<int> labels;
  MatrixD T;
};

/// Computes δ = ∂L/∂Z of layer l from dA = ∂L/∂A (A = f(Z)). The correct rule is
/// naive::activation_backward (dA ⊙ f′(Z)); chapter 02 plants a wrong one to see the check fail.
using DeltaRule = std::function<void(int layer, Activation f, const MatrixD& Z, const MatrixD& A, const MatrixD& dA,
                                     MatrixD& dZ)>;

/// Buffers of one NetD pass.
struct NetDWork {
  std::vector<MatrixD> Z, A, dZ, dA;
  MatrixD P;
};

/// A double copy of a float Mlp.
inline NetD to_double(const Mlp& net) {
  NetD d;
  for (const auto& l : net.layers) {
    d.W.push_back(matrix_cast<double>(l.W));
    d.b.push_back(matrix_cast<double>(l.b));
    d.act.push_back(l.act);
  }
  return d;
}

/// Forward pass and loss. A[0] = X, A[l+1] = f(Z[l]).
inline double netd_loss(const NetD& net, const CheckData& data, LossKind kind, NetDWork& w) {
  const std::size_t L = net.depth();
  w.Z.resize(L);
  w.A.resize(L + 1);
  w.A[0] = data.X;
  for (std::size_t l = 0; l < L; ++l) {
    naive::dense_forward(w.A[l], net.W[l], net.b[l], w.Z[l]);
    naive::activation_forward(net.act[l], w.Z[l], w.A[l + 1]);
  }
  if (kind == LossKind::SoftmaxCE) return naive::softmax_cross_entropy(w.A[L], data.labels, w.P);
  return naive::mse_loss(w.A[L], data.T);
}

/// Forward, loss and backpropagation: fills dW[l], db[l] (∂L/∂W, ∂L/∂b) and returns the loss.
/// `rule` computes δ = ∂L/∂Z from ∂L/∂A for every layer (default: the correct dA ⊙ f′(Z)).
inline double netd_loss_and_grads(const NetD& net, const CheckData& data, LossKind kind, NetDWork& w,
                                  std::vector<MatrixD>& dW, std::vector<MatrixD>& db, const DeltaRule& rule = {}) {
  const double loss = netd_loss(net, data, kind, w);
  const std::size_t L = net.depth();
  w.dZ.resize(L);
  w.dA.resize(L + 1);
  dW.resize(L);
  db.resize(L);
  auto delta = [&](std::size_t l) {
    if (rule)
      rule(static_cast<int>(l), net.act[l], w.Z[l], w.A[l + 1], w.dA[l + 1], w.dZ[l]);
    else
      naive::activation_backward(net.act[l], w.Z[l], w.A[l + 1], w.dA[l + 1], w.dZ[l]);
  };
  if (kind == LossKind::SoftmaxCE) {
    // The fused softmax-CE gradient is ∂L/∂(logits); the output layer must then be linear.
    if (net.act[L - 1] != Activation::Linear)
      throw std::invalid_argument("netd_loss_and_grads: softmax cross-entropy needs a linear output layer");
    naive::softmax_ce_backward(w.P, data.labels, w.dZ[L - 1]);
  } else {
    naive::mse_backward(w.A[L], data.T, w.dA[L]);
    delta(L - 1);
  }
  for (std::size_t l = L; l-- > 0;) {
    naive::dense_backward(w.A[l], net.W[l], w.dZ[l], dW[l], db[l], l > 0 ? &w.dA[l] : nullptr);
    if (l > 0) delta(l - 1);
  }
  return loss;
}

/// The whole check: analytic gradients (with `rule`) against numerical_gradient for every W and
/// b, one row per tensor, pass when the max relative error < `tolerance`. `on_tensor(row)`, when
/// given, is called after each tensor (progress of a long check: wide layers take minutes).
inline std::vector<GradCheckRow> gradient_check(NetD& net, const CheckData& data, LossKind kind,
                                                double tolerance = 1e-7, const DeltaRule& rule = {},
                                                double h = 1e-3,
                                                const std::function<void(const GradCheckRow&)>& on_tensor = {}) {
  NetDWork w;
  std::vector<MatrixD> dW, db;
  netd_loss_and_grads(net, data, kind, w, dW, db, rule);
  std::vector<GradCheckRow> rows;
  MatrixD num;
  const auto loss = [&] { return netd_loss(net, data, kind, w); };
  for (std::size_t l = 0; l < net.depth(); ++l) {
    numerical_gradient(loss, net.W[l], num, h);
    rows.push_back(compare_gradients(static_cast<int>(l), "W", dW[l], num, tolerance));
    if (on_tensor) on_tensor(rows.back());
    numerical_gradient(loss, net.b[l], num, h);
    rows.push_back(compare_gradients(static_cast<int>(l), "b", db[l], num, tolerance));
    if (on_tensor) on_tensor(rows.back());
  }
  return rows;
}

}  // namespace dnn
