/// @file naive.hpp
/// @brief The math of the chapter as plain loops: the "naive" backend.
///
/// Every function here is written as the formula reads, one loop per index, so it is the
/// reference every faster variant (Eigen, CUDA) is tested against. Shapes follow the
/// "one example per row" convention: a minibatch X is B×n_in, a weight matrix W is n_in×n_out,
/// a bias b is 1×n_out, and a dense layer computes Z = X·W + b (B×n_out).
///
/// Functions marked **[exercise]** are the ones the learner writes: their bodies live in
/// solutions/chNN_*.cpp (reference) and exercises/chNN_*.cpp (stubs generated from the
/// reference). All others live in common/src/naive_*.cpp.
///
/// Templates on the element type: float for training, double for the gradient check.
/// Output matrices are resized by the callee (their memory is reused between calls).
#pragma once

#include <vector>

#include "dnn/activation.hpp"
#include "dnn/matrix.hpp"

namespace dnn::naive {

// ---------------------------------------------------------------- chapter 01: forward pass
/// C = A·B. (A: m×k, B: k×n, C: m×n)
template <typename T> void matmul(const BasicMatrix<T>& A, const BasicMatrix<T>& B, BasicMatrix<T>& C);
/// C = Aᵀ·B. (A: k×m, B: k×n, C: m×n) — used for dW = Xᵀ·dZ.
template <typename T> void matmul_at_b(const BasicMatrix<T>& A, const BasicMatrix<T>& B, BasicMatrix<T>& C);
/// C = A·Bᵀ. (A: m×k, B: n×k, C: m×n) — used for dX = dZ·Wᵀ.
template <typename T> void matmul_a_bt(const BasicMatrix<T>& A, const BasicMatrix<T>& B, BasicMatrix<T>& C);

/// **[exercise]** Z = X·W + b, b added to every row. (X: B×n_in, W: n_in×n_out, b: 1×n_out)
template <typename T>
void dense_forward(const BasicMatrix<T>& X, const BasicMatrix<T>& W, const BasicMatrix<T>& b, BasicMatrix<T>& Z);
/// **[exercise]** Y = max(0, Z) elementwise.
template <typename T> void relu_forward(const BasicMatrix<T>& Z, BasicMatrix<T>& Y);
/// Y = 1 / (1 + e^(−Z)) elementwise, computed without overflow for large |Z|.
template <typename T> void sigmoid_forward(const BasicMatrix<T>& Z, BasicMatrix<T>& Y);
/// Y = tanh(Z) elementwise.
template <typename T> void tanh_forward(const BasicMatrix<T>& Z, BasicMatrix<T>& Y);
/// Y = f(Z) for any Activation (dispatches to the functions above; Linear copies).
/// Defined inline below, because it calls exercise functions: it is compiled where it is used
/// (chapter programs, tests, and in common/ only ops.cpp: see the link rule in docs/).
template <typename T> void activation_forward(Activation f, const BasicMatrix<T>& Z, BasicMatrix<T>& Y);
/// **[exercise]** Row-wise softmax, numerically stable: P(i,j) = e^(Z(i,j) − m_i) / Σ_k e^(Z(i,k) − m_i)
/// with m_i = max_k Z(i,k). Finite for logits of ±1000.
template <typename T> void softmax_rows(const BasicMatrix<T>& Z, BasicMatrix<T>& P);

// ---------------------------------------------------------------- chapter 02: backpropagation
/// Mean softmax cross-entropy of `logits` (B×C) against integer `labels` (B):
/// L = −(1/B) Σ_i log softmax(z_i)[y_i], computed stably with log-sum-exp.
/// Also writes the probabilities P = softmax(logits) (needed by the backward pass).
template <typename T>
T softmax_cross_entropy(const BasicMatrix<T>& logits, const std::vector<int>& labels, BasicMatrix<T>& P);
/// **[exercise]** Gradient of the mean softmax cross-entropy w.r.t. the logits:
/// dZ = (P − onehot(labels)) / B.
template <typename T>
void softmax_ce_backward(const BasicMatrix<T>& P, const std::vector<int>& labels, BasicMatrix<T>& dZ);
/// Mean squared error L = (1/B) Σ_i ½‖y_i − t_i‖² (the ½ makes dY = (Y − T)/B).
template <typename T> T mse_loss(const BasicMatrix<T>& Y, const BasicMatrix<T>& Tgt);
/// dY = (Y − T) / B.
template <typename T> void mse_backward(const BasicMatrix<T>& Y, const BasicMatrix<T>& Tgt, BasicMatrix<T>& dY);
/// **[exercise]** dZ = dY ⊙ f′(Z) for ReLU: dY where Z > 0, else 0.
template <typename T> void relu_backward(const BasicMatrix<T>& Z, const BasicMatrix<T>& dY, BasicMatrix<T>& dZ);
/// dZ = dY ⊙ σ(Z)(1 − σ(Z)), using the forward output Y = σ(Z).
template <typename T> void sigmoid_backward(const BasicMatrix<T>& Y, const BasicMatrix<T>& dY, BasicMatrix<T>& dZ);
/// dZ = dY ⊙ (1 − tanh²(Z)), using the forward output Y = tanh(Z).
template <typename T> void tanh_backward(const BasicMatrix<T>& Y, const BasicMatrix<T>& dY, BasicMatrix<T>& dZ);
/// dZ = dY ⊙ f′(Z) for any Activation; needs both Z (ReLU) and Y = f(Z) (sigmoid, tanh).
/// Defined inline below (it calls the exercise relu_backward).
template <typename T>
void activation_backward(Activation f, const BasicMatrix<T>& Z, const BasicMatrix<T>& Y, const BasicMatrix<T>& dY,
                         BasicMatrix<T>& dZ);
/// **[exercise]** Backward of Z = X·W + b, given dZ = ∂L/∂Z:
/// dW = Xᵀ·dZ, db = Σ_rows dZ, and (when dX is not null) dX = dZ·Wᵀ.
template <typename T>
void dense_backward(const BasicMatrix<T>& X, const BasicMatrix<T>& W, const BasicMatrix<T>& dZ, BasicMatrix<T>& dW,
                    BasicMatrix<T>& db, BasicMatrix<T>* dX);

// ---------------------------------------------------------------- chapter 03: SGD
/// **[exercise]** Gradient *descent* step: W ← W − lr·dW (the minus sign matters, see chapter 02).
template <typename T> void sgd_step(BasicMatrix<T>& W, const BasicMatrix<T>& dW, T lr);
/// **[exercise]** Copies rows order[start], …, order[start+count−1] of X into Xb (count×cols)
/// and the matching labels into yb: one minibatch of a shuffled epoch.
template <typename T>
void gather_minibatch(const BasicMatrix<T>& X, const std::vector<int>& labels, const std::vector<int>& order,
                      int start, int count, BasicMatrix<T>& Xb, std::vector<int>& yb);
/// **[exercise]** Step decay of the learning rate (学习率衰减): the rate for epoch `epoch`
/// (0, 1, 2, …) is lr0 · drop^⌊epoch / epochs_per_drop⌋. drop = 1 keeps lr0 constant.
/// Throws std::invalid_argument unless epoch ≥ 0 and epochs_per_drop ≥ 1.
double learning_rate_at(double lr0, int epoch, double drop, int epochs_per_drop);

// ---------------------------------------------------------------- chapter 04: momentum and Adam
/// **[exercise]** Momentum (heavy ball): V ← μ·V − lr·dW; W ← W + V.
template <typename T> void momentum_step(BasicMatrix<T>& W, const BasicMatrix<T>& dW, BasicMatrix<T>& V, T lr, T mu);

/// Adam's hyper-parameters (Kingma & Ba 2015; Keras/PyTorch defaults).
struct AdamConfig {
  double lr = 0.001;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
};
/// **[exercise]** One Adam step, t = 1, 2, … counts steps:
/// m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  m̂ = m/(1−β1^t);  v̂ = v/(1−β2^t);
/// W ← W − lr·m̂/(√v̂ + ε).  (m is the first moment — the running mean of gradients.)
template <typename T>
void adam_step(BasicMatrix<T>& W, const BasicMatrix<T>& dW, BasicMatrix<T>& m, BasicMatrix<T>& v, long t,
               const AdamConfig& cfg);
/// **[exercise]** One RMSProp step (Adam without the first moment and without bias correction):
/// v ← ρ·v + (1−ρ)·g²;  W ← W − lr·g/(√v + ε).
template <typename T>
void rmsprop_step(BasicMatrix<T>& W, const BasicMatrix<T>& dW, BasicMatrix<T>& v, T lr, T rho, T eps);

// ---------------------------------------------------------------- inline dispatchers (ch01/ch02)
template <typename T>
inline void activation_forward(Activation f, const BasicMatrix<T>& Z, BasicMatrix<T>& Y) {
  switch (f) {
    case Activation::ReLU: relu_forward(Z, Y); return;
    case Activation::Sigmoid: sigmoid_forward(Z, Y); return;
    case Activation::Tanh: tanh_forward(Z, Y); return;
    case Activation::Linear:
      if (&Y != &Z) Y = Z;  // copy-assignment reuses Y's memory when it is large enough
      return;
  }
}

template <typename T>
inline void activation_backward(Activation f, const BasicMatrix<T>& Z, const BasicMatrix<T>& Y,
                                const BasicMatrix<T>& dY, BasicMatrix<T>& dZ) {
  switch (f) {
    case Activation::ReLU: relu_backward(Z, dY, dZ); return;
    case Activation::Sigmoid: sigmoid_backward(Y, dY, dZ); return;
    case Activation::Tanh: tanh_backward(Y, dY, dZ); return;
    case Activation::Linear:  // f'(z) = 1
      require_same_shape(Z, dY, "activation_backward(linear) Z vs dY");
      if (&dZ != &dY) dZ = dY;
      return;
  }
}

}  // namespace dnn::naive
