/// @file sparse.hpp
/// @brief Chapter 07's exercises: the input images in compressed sparse row (CSR) form, and layer 1
/// of the network computed from their non-zero pixels only (forward pass and weight gradient).
///
/// About 80% of the pixels of an MNIST image are exactly 0, and a 0 contributes nothing to
/// Z1 = X·W1 + b1 nor to ∂E/∂W1 = Xᵀ·dZ1. Step 2 of the CPU ladder (common/src/fast_cpu/
/// 2_sparse_layer1.cpp) is built on that; these three functions are the same idea in plain loops,
/// for you to write (exercises/ch07_fast.cpp; the reference bodies are in solutions/ch07_fast.cpp).
/// `07_fast --ladder-exercise` times them beside the ladder's step 2.
#pragma once

#include <vector>

#include "dnn/matrix.hpp"

namespace ch07 {

/// A matrix in compressed sparse row form: only the entries that are not 0 are stored.
/// The non-zeros of row i are at positions row_ptr[i] … row_ptr[i+1]−1 of `col_idx` and `values`,
/// in increasing column order. Example: the 2×4 rows (0 5 0 7) and (0 0 0 0) are
/// row_ptr = {0, 2, 2}, col_idx = {1, 3}, values = {5, 7}.
struct Csr {
  int rows = 0;                ///< images (rows of the dense matrix)
  int cols = 0;                ///< pixels per image (columns of the dense matrix)
  std::vector<int> row_ptr;    ///< rows + 1 offsets: row_ptr[0] = 0, row_ptr[rows] = number of non-zeros
  std::vector<int> col_idx;    ///< the column (pixel) of each non-zero
  std::vector<float> values;   ///< the value of each non-zero
};

/// Exercise `to_csr`: S = the CSR form of X (every entry that is not 0 — a negative value, NaN or
/// Inf too — in increasing column order). S's previous contents are replaced.
void to_csr(const dnn::Matrix& X, Csr& S);

/// Exercise `sparse_dense_forward`: Z = X·W + b for the CSR rows X (X.cols × n weights W, 1 × n
/// bias b; Z becomes X.rows × n), touching only the non-zero entries of X:
/// Z[i,:] = b + Σ over the non-zeros x_ik of row i of x_ik · W[k,:].
/// Throws std::invalid_argument when W.rows != X.cols or b is not 1 × W.cols.
void sparse_dense_forward(const Csr& X, const dnn::Matrix& W, const dnn::Matrix& b, dnn::Matrix& Z);

/// Exercise `sparse_weight_gradient`: dW = Xᵀ·dZ (X.cols × dZ.cols) for the CSR rows X, touching
/// only the non-zero entries of X: dW[k,:] = Σ over the non-zeros x_ik in column k of x_ik · dZ[i,:].
/// dW's previous contents are replaced (it is a buffer reused every step).
/// Throws std::invalid_argument when dZ.rows != X.rows.
void sparse_weight_gradient(const Csr& X, const dnn::Matrix& dZ, dnn::Matrix& dW);

}  // namespace ch07
