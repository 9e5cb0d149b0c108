/// @file eigen_ops.hpp
/// @brief The same math as naive.hpp, written with Eigen: the "eigen" backend.
///
/// Each function has the signature of its naive twin (float only) and works on the same
/// row-major memory through `Eigen::Map` — no copies. Tests check every one against the
/// naive reference; chapter benchmarks time both.
#pragma once

#include <Eigen/Core>
#include <vector>

#include "dnn/activation.hpp"
#include "dnn/matrix.hpp"
#include "dnn/naive.hpp"

namespace dnn::eigen {

/// Row-major Eigen views of a Matrix (no copy).
using RowMajorMatrixXf = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MapMatrix = Eigen::Map<RowMajorMatrixXf>;
using ConstMapMatrix = Eigen::Map<const RowMajorMatrixXf>;
inline MapMatrix view(Matrix& m) { return MapMatrix(m.data.data(), m.rows, m.cols); }
inline ConstMapMatrix view(const Matrix& m) { return ConstMapMatrix(m.data.data(), m.rows, m.cols); }

void matmul(const Matrix& A, const Matrix& B, Matrix& C);
void matmul_at_b(const Matrix& A, const Matrix& B, Matrix& C);
void matmul_a_bt(const Matrix& A, const Matrix& B, Matrix& C);
void dense_forward(const Matrix& X, const Matrix& W, const Matrix& b, Matrix& Z);
void relu_forward(const Matrix& Z, Matrix& Y);
void sigmoid_forward(const Matrix& Z, Matrix& Y);
void tanh_forward(const Matrix& Z, Matrix& Y);
void activation_forward(Activation f, const Matrix& Z, Matrix& Y);
void softmax_rows(const Matrix& Z, Matrix& P);
float softmax_cross_entropy(const Matrix& logits, const std::vector<int>& labels, Matrix& P);
void softmax_ce_backward(const Matrix& P, const std::vector<int>& labels, Matrix& dZ);
float mse_loss(const Matrix& Y, const Matrix& Tgt);
void mse_backward(const Matrix& Y, const Matrix& Tgt, Matrix& dY);
void relu_backward(const Matrix& Z, const Matrix& dY, Matrix& dZ);
void sigmoid_backward(const Matrix& Y, const Matrix& dY, Matrix& dZ);
void tanh_backward(const Matrix& Y, const Matrix& dY, Matrix& dZ);
void activation_backward(Activation f, const Matrix& Z, const Matrix& Y, const Matrix& dY, Matrix& dZ);
void dense_backward(const Matrix& X, const Matrix& W, const Matrix& dZ, Matrix& dW, Matrix& db, Matrix* dX);
void sgd_step(Matrix& W, const Matrix& dW, float lr);
void gather_minibatch(const Matrix& X, const std::vector<int>& labels, const std::vector<int>& order, int start,
                      int count, Matrix& Xb, std::vector<int>& yb);
void momentum_step(Matrix& W, const Matrix& dW, Matrix& V, float lr, float mu);
void adam_step(Matrix& W, const Matrix& dW, Matrix& m, Matrix& v, long t, const naive::AdamConfig& cfg);
/// Implemented in eigen_optim_extra.cpp (chapter 04's extra exercise; not one of the Ops).
void rmsprop_step(Matrix& W, const Matrix& dW, Matrix& v, float lr, float rho, float eps);

}  // namespace dnn::eigen
