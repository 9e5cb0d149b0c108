// Chapter 06: fused bias + ReLU and column sums, naive and Eigen (see mlp_ops.hpp).
#include "06_kernels/cpu/mlp_ops.hpp"

#include <Eigen/Core>

namespace dnn::mlp_ops {

namespace {
using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
Eigen::Map<RowMajor> view(Matrix& m) { return {m.data.data(), m.rows, m.cols}; }
Eigen::Map<const RowMajor> view(const Matrix& m) { return {m.data.data(), m.rows, m.cols}; }
}  // namespace

void bias_relu_naive(const Matrix& XW, const Matrix& b, Matrix& Z, Matrix& Y) {
  require_shape(b, 1, XW.cols, "bias_relu_naive: bias b");
  Z.resize(XW.rows, XW.cols);
  Y.resize(XW.rows, XW.cols);
  for (int i = 0; i < XW.rows; ++i) {
    for (int j = 0; j < XW.cols; ++j) {
      const float z = XW(i, j) + b(0, j);
      Z(i, j) = z;
      Y(i, j) = z > 0.0f ? z : 0.0f;
    }
  }
}

void bias_relu_eigen(const Matrix& XW, const Matrix& b, Matrix& Z, Matrix& Y) {
  require_shape(b, 1, XW.cols, "bias_relu_eigen: bias b");
  Z.resize(XW.rows, XW.cols);
  Y.resize(XW.rows, XW.cols);
  auto z = view(Z);
  z = view(XW).rowwise() + view(b).row(0);
  view(Y) = (z.array() > 0.0f).select(z, 0.0f);
}

void column_sums_naive(const Matrix& M, Matrix& sums) {
  sums.resize(1, M.cols);
  sums.fill(0.0f);
  for (int i = 0; i < M.rows; ++i)
    for (int j = 0; j < M.cols; ++j) sums(0, j) += M(i, j);
}

void column_sums_eigen(const Matrix& M, Matrix& sums) {
  sums.resize(1, M.cols);
  view(sums) = view(M).colwise().sum();
}

}  // namespace dnn::mlp_ops
