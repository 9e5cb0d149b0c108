/// @file ops.hpp
/// @brief One interface over the CPU backends: a table of the operations training needs.
///
/// The training loop (train.hpp) never names a backend; it calls `ops.dense_forward(...)`,
/// and `ops_for(Backend::Naive)` or `ops_for(Backend::Eigen)` decides which code runs.
/// The GPU backend (chapter 07) keeps its data on the device, so it implements the Trainer
/// interface of train.hpp instead of this per-operation table.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "dnn/eigen_ops.hpp"
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

/// The operations of one CPU backend (float). Same signatures as naive.hpp / eigen_ops.hpp.
struct Ops {
  const char* name;
  void (*matmul)(const Matrix& A, const Matrix& B, Matrix& C);
  void (*dense_forward)(const Matrix& X, const Matrix& W, const Matrix& b, Matrix& Z);
  void (*activation_forward)(Activation f, const Matrix& Z, Matrix& Y);
  void (*softmax_rows)(const Matrix& Z, Matrix& P);
  float (*softmax_cross_entropy)(const Matrix& logits, const std::vector<int>& labels, Matrix& P);
  void (*softmax_ce_backward)(const Matrix& P, const std::vector<int>& labels, Matrix& dZ);
  void (*activation_backward)(Activation f, const Matrix& Z, const Matrix& Y, const Matrix& dY, Matrix& dZ);
  void (*dense_backward)(const Matrix& X, const Matrix& W, const Matrix& dZ, Matrix& dW, Matrix& db, Matrix* dX);
  void (*sgd_step)(Matrix& W, const Matrix& dW, float lr);
  void (*gather_minibatch)(const Matrix& X, const std::vector<int>& labels, const std::vector<int>& order,
                           int start, int count, Matrix& Xb, std::vector<int>& yb);
  void (*momentum_step)(Matrix& W, const Matrix& dW, Matrix& V, float lr, float mu);
  void (*adam_step)(Matrix& W, const Matrix& dW, Matrix& m, Matrix& v, long t, const naive::AdamConfig& cfg);
};

/// The naive backend: plain loops, including the learner's exercise functions.
/// (Defined inline here so that the exercise bodies chosen at link time — solutions/ or
/// exercises/ — are the ones the table points to.)
inline const Ops& naive_ops() {
  static const Ops ops{"naive",
                       &naive::matmul<float>,
                       &naive::dense_forward<float>,
                       &naive::activation_forward<float>,
                       &naive::softmax_rows<float>,
                       &naive::softmax_cross_entropy<float>,
                       &naive::softmax_ce_backward<float>,
                       &naive::activation_backward<float>,
                       &naive::dense_backward<float>,
                       &naive::sgd_step<float>,
                       &naive::gather_minibatch<float>,
                       &naive::momentum_step<float>,
                       &naive::adam_step<float>};
  return ops;
}

/// The Eigen backend.
const Ops& eigen_ops();

/// The table for a CPU backend; throws std::invalid_argument for Cuda/Cublas (they use the
/// GPU trainer of chapter 07, not a per-operation table).
inline const Ops& ops_for(Backend b) {
  if (b == Backend::Naive) return naive_ops();
  if (b == Backend::Eigen) return eigen_ops();
  throw std::invalid_argument("ops_for: backend '" + to_string(b) + "' has no CPU operation table");
}

/// True for Naive and Eigen.
inline bool is_cpu_backend(Backend b) { return b == Backend::Naive || b == Backend::Eigen; }

}  // namespace dnn
