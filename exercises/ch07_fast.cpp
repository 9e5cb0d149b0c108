// EXERCISE FILE — yours to edit. Generated from solutions/ch07_fast.cpp by scripts/gen-exercises.py.
// Replace each DNN_TODO(...) line with your code, then run: scripts/check 07
// (Stuck? The chapter README has a hint for every exercise; solutions/ch07_fast.cpp has the answer.)
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
  // TODO(exercise to_csr): S.rows = X.rows, S.cols = X.cols; start S.row_ptr as {0} and empty col_idx, values; for each row i, for each column k in increasing order: if X(i, k) != 0 (not "> 0": a negative value is a non-zero too) push k and X(i, k); after the row push the number of values stored so far onto row_ptr
  DNN_TODO("to_csr", "S.rows = X.rows, S.cols = X.cols; start S.row_ptr as {0} and empty col_idx, values; for each row i, for each column k in increasing order: if X(i, k) != 0 (not \"> 0\": a negative value is a non-zero too) push k and X(i, k); after the row push the number of values stored so far onto row_ptr");
}

void sparse_dense_forward(const Csr& X, const Matrix& W, const Matrix& b, Matrix& Z) {
  // TODO(exercise sparse_dense_forward): throw std::invalid_argument unless W.rows == X.cols and b is 1 × W.cols; Z.resize(X.rows, W.cols); for each row i: Z(i, j) = b(0, j) for every j, then for each e in row_ptr[i] … row_ptr[i+1]−1: k = col_idx[e], x = values[e], and Z(i, j) += x * W(k, j) for every j (one row of W per non-zero pixel)
  DNN_TODO("sparse_dense_forward", "throw std::invalid_argument unless W.rows == X.cols and b is 1 × W.cols; Z.resize(X.rows, W.cols); for each row i: Z(i, j) = b(0, j) for every j, then for each e in row_ptr[i] … row_ptr[i+1]−1: k = col_idx[e], x = values[e], and Z(i, j) += x * W(k, j) for every j (one row of W per non-zero pixel)");
}

void sparse_weight_gradient(const Csr& X, const Matrix& dZ, Matrix& dW) {
  // TODO(exercise sparse_weight_gradient): throw std::invalid_argument unless dZ.rows == X.rows; dW.resize(X.cols, dZ.cols) and set it to 0 (resize keeps old numbers: the buffer is reused every step); for each row i and each e in row_ptr[i] … row_ptr[i+1]−1: k = col_idx[e], x = values[e], and dW(k, j) += x * dZ(i, j) for every j
  DNN_TODO("sparse_weight_gradient", "throw std::invalid_argument unless dZ.rows == X.rows; dW.resize(X.cols, dZ.cols) and set it to 0 (resize keeps old numbers: the buffer is reused every step); for each row i and each e in row_ptr[i] … row_ptr[i+1]−1: k = col_idx[e], x = values[e], and dW(k, j) += x * dZ(i, j) for every j");
}

}  // namespace ch07
