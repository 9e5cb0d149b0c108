/// @file mlp_ops.hpp
/// @brief Chapter 06: the MLP's small operations that naive.hpp / eigen_ops.hpp do not have as
///        one function — the fused bias + ReLU of the forward pass and the column sums of the
///        bias gradient — in a naive (plain loops) and an Eigen version.
///
/// Their CUDA twins are in common/include/dnn/cuda_kernels.hpp. The other operations of the chapter (softmax +
/// cross-entropy, SGD, Adam) already exist as naive::/eigen:: functions and are reused.
#pragma once

#include "dnn/matrix.hpp"

namespace dnn::mlp_ops {

/// Fused Z = XW + b (b added to every row) and Y = max(0, Z): one pass over memory instead
/// of two. (XW: B×n, b: 1×n; Z and Y are resized to B×n.) ReLU maps NaN to 0, like
/// naive::relu_forward (`z > 0 ? z : 0`).
void bias_relu_naive(const Matrix& XW, const Matrix& b, Matrix& Z, Matrix& Y);
/// The same with Eigen expressions.
void bias_relu_eigen(const Matrix& XW, const Matrix& b, Matrix& Z, Matrix& Y);

/// sums(0, j) = Σ_i M(i, j): the bias gradient db = Σ_rows dZ. (sums is resized to 1×cols.)
void column_sums_naive(const Matrix& M, Matrix& sums);
/// The same with Eigen (colwise().sum()).
void column_sums_eigen(const Matrix& M, Matrix& sums);

}  // namespace dnn::mlp_ops
