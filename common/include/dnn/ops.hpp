/// @file ops.hpp
/// @brief One interface over the CPU backends: the operations training needs, for naive or Eigen.
///
/// The training loop (train.hpp) and the network (mlp.hpp) never name a backend; they call
/// `ops.dense_forward(...)`, and the `Ops` they were given (`ops_for(Backend::Naive)` or
/// `ops_for(Backend::Eigen)`) decides which code runs: each member function is one `switch` on
/// the backend, calling `naive::` (the plain loops, the learner's exercise functions) or `eigen::`.
/// The GPU backend (chapter 07) keeps its data on the device, so it implements the Trainer
/// interface of train.hpp instead.
///
/// The exercise bodies are chosen at link time: ops.cpp calls `naive::dense_forward<float>` and
/// its siblings, which naive.hpp only declares; the program links their definitions from
/// solutions/ (the reference) or exercises/ (the learner's, the `_yours` twins).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "dnn/activation.hpp"
#include "dnn/eigen_ops.hpp"
#include "dnn/matrix.hpp"
#include "dnn/naive.hpp"

namespace dnn {

enum class Backend { Naive, Eigen, Cuda, Cublas };

/// "naive", "eigen", "cuda", "cublas".
std::string to_string(Backend b);
/// Parses the names above; throws InputError naming `flag` and the accepted names otherwise.
Backend parse_backend(const std::string& name, const std::string& flag = "--backend");
/// For a flag that takes only the CPU backends: "naive" or "eigen"; anything else, the GPU names
/// included, throws InputError naming `flag` and listing only naive and eigen.
Backend parse_cpu_backend(const std::string& name, const std::string& flag = "--backend");

/// The operations of one CPU backend (float), with the signatures of naive.hpp / eigen_ops.hpp.
/// Each one calls `naive::<op>` or `eigen::<op>` depending on `backend` (ops.cpp).
struct Ops {
  Backend backend;   ///< Naive or Eigen
  const char* name;  ///< "naive" or "eigen"

  /// C = A·B.
  void matmul(const Matrix& A, const Matrix& B, Matrix& C) const;
  /// Z = X·W + b (b added to every row): the dense layer's forward pass.
  void dense_forward(const Matrix& X, const Matrix& W, const Matrix& b, Matrix& Z) const;
  /// Y = f(Z) elementwise.
  void activation_forward(Activation f, const Matrix& Z, Matrix& Y) const;
  /// Row-wise softmax.
  void softmax_rows(const Matrix& Z, Matrix& P) const;
  /// Mean softmax cross-entropy of `logits` against `labels`; the probabilities go to P.
  float softmax_cross_entropy(const Matrix& logits, const std::vector<int>& labels, Matrix& P) const;
  /// dZ = (P − onehot(labels)) / B: the gradient of the mean cross-entropy w.r.t. the logits.
  void softmax_ce_backward(const Matrix& P, const std::vector<int>& labels, Matrix& dZ) const;
  /// dZ = dY ⊙ f′(Z) (f′ read from Z or from Y = f(Z), whichever the activation needs).
  void activation_backward(Activation f, const Matrix& Z, const Matrix& Y, const Matrix& dY, Matrix& dZ) const;
  /// dW = Xᵀ·dZ, db = Σ_rows dZ and, when dX is not null, dX = dZ·Wᵀ.
  void dense_backward(const Matrix& X, const Matrix& W, const Matrix& dZ, Matrix& dW, Matrix& db,
                      Matrix* dX) const;
  /// W ← W − lr·dW.
  void sgd_step(Matrix& W, const Matrix& dW, float lr) const;
  /// Rows order[start], …, order[start+count−1] of X into Xb, their labels into yb.
  void gather_minibatch(const Matrix& X, const std::vector<int>& labels, const std::vector<int>& order, int start,
                        int count, Matrix& Xb, std::vector<int>& yb) const;
  /// V ← μ·V − lr·dW; W ← W + V.
  void momentum_step(Matrix& W, const Matrix& dW, Matrix& V, float lr, float mu) const;
  /// One Adam step (t counts steps from 1).
  void adam_step(Matrix& W, const Matrix& dW, Matrix& m, Matrix& v, long t, const naive::AdamConfig& cfg) const;
};

/// The naive backend: plain loops, including the learner's exercise functions.
const Ops& naive_ops();

/// The Eigen backend.
const Ops& eigen_ops();

/// The operations of a CPU backend; throws std::invalid_argument for Cuda/Cublas (they use the
/// GPU trainer of chapter 07).
const Ops& ops_for(Backend b);

/// True for Naive and Eigen.
inline bool is_cpu_backend(Backend b) { return b == Backend::Naive || b == Backend::Eigen; }

}  // namespace dnn
