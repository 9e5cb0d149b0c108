// SOLUTION FILE — the reference bodies. (Contributors: edit here, then run scripts/gen-exercises.py.)
// Chapter 07, the sparse first layer: exercises to_csr, sparse_dense_forward, sparse_weight_gradient.
// The declarations and what each computes: chapters/07_fast/sparse.hpp. The fast trainer's own
// version of the same idea (vectorised, prefetched, fused with the update) is
// common/src/fast_cpu/2_sparse_layer1.cpp; these are the plain loops it starts from.
#include <cstddef>
#include <stdexcept>
#include <string>

#include "07_fast/sparse.hpp"  // chapters/ is on the include path (solutions/, exercises/ CMakeLists)
#include "dnn/exercise.hpp"

namespace ch07 {

using dnn::Matrix;

void to_csr(const Matrix& X, Csr& S) {
  // BEGIN EXERCISE to_csr | S.rows = X.rows, S.cols = X.cols; start S.row_ptr as {0} and empty col_idx, values; for each row i, for each column k in increasing order: if X(i, k) != 0 (not "> 0": a negative value is a non-zero too) push k and X(i, k); after the row push the number of values stored so far onto row_ptr
  S.rows = X.rows;
  S.cols = X.cols;
  S.row_ptr.assign(1, 0);
  S.col_idx.clear();
  S.values.clear();
  for (int i = 0; i < X.rows; ++i) {
    for (int k = 0; k < X.cols; ++k) {
      const float x = X(i, k);
      if (x != 0.0f) {  // NaN != 0 is true: a NaN pixel is kept, not silently dropped
        S.col_idx.push_back(k);
        S.values.push_back(x);
      }
    }
    S.row_ptr.push_back(static_cast<int>(S.values.size()));  // where row i ends (and row i+1 starts)
  }
  // END EXERCISE
}

void sparse_dense_forward(const Csr& X, const Matrix& W, const Matrix& b, Matrix& Z) {
  // BEGIN EXERCISE sparse_dense_forward | throw std::invalid_argument unless W.rows == X.cols and b is 1 × W.cols; Z.resize(X.rows, W.cols); for each row i: Z(i, j) = b(0, j) for every j, then for each e in row_ptr[i] … row_ptr[i+1]−1: k = col_idx[e], x = values[e], and Z(i, j) += x * W(k, j) for every j (one row of W per non-zero pixel)
  if (W.rows != X.cols)
    throw std::invalid_argument("sparse_dense_forward: W has " + std::to_string(W.rows) + " rows, expected " +
                                std::to_string(X.cols) + " (one per pixel of X)");
  if (b.rows != 1 || b.cols != W.cols)
    throw std::invalid_argument("sparse_dense_forward: b is " + b.shape() + ", expected 1x" + std::to_string(W.cols));
  Z.resize(X.rows, W.cols);
  for (int i = 0; i < X.rows; ++i) {
    for (int j = 0; j < W.cols; ++j) Z(i, j) = b(0, j);
    for (int e = X.row_ptr[static_cast<std::size_t>(i)]; e < X.row_ptr[static_cast<std::size_t>(i) + 1]; ++e) {
      const int k = X.col_idx[static_cast<std::size_t>(e)];
      const float x = X.values[static_cast<std::size_t>(e)];
      for (int j = 0; j < W.cols; ++j) Z(i, j) += x * W(k, j);  // z_i += x_ik · W[k,:]
    }
  }
  // END EXERCISE
}

void sparse_weight_gradient(const Csr& X, const Matrix& dZ, Matrix& dW) {
  // BEGIN EXERCISE sparse_weight_gradient | throw std::invalid_argument unless dZ.rows == X.rows; dW.resize(X.cols, dZ.cols) and set it to 0 (resize keeps old numbers: the buffer is reused every step); for each row i and each e in row_ptr[i] … row_ptr[i+1]−1: k = col_idx[e], x = values[e], and dW(k, j) += x * dZ(i, j) for every j
  if (dZ.rows != X.rows)
    throw std::invalid_argument("sparse_weight_gradient: dZ has " + std::to_string(dZ.rows) + " rows, expected " +
                                std::to_string(X.rows) + " (one per row of X)");
  dW.resize(X.cols, dZ.cols);
  dW.fill(0.0f);
  for (int i = 0; i < X.rows; ++i) {
    for (int e = X.row_ptr[static_cast<std::size_t>(i)]; e < X.row_ptr[static_cast<std::size_t>(i) + 1]; ++e) {
      const int k = X.col_idx[static_cast<std::size_t>(e)];
      const float x = X.values[static_cast<std::size_t>(e)];
      for (int j = 0; j < dZ.cols; ++j) dW(k, j) += x * dZ(i, j);  // dW[k,:] += x_ik · dZ[i,:]
    }
  }
  // END EXERCISE
}

}  // namespace ch07
