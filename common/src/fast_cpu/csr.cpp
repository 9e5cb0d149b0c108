// Chapter 07: compressed sparse row (CSR) storage of the MNIST images (about 80% of the pixels
// are exactly 0, so layer 1 only needs the other 20%).
#include <cstddef>
#include <stdexcept>

#include "dnn/fast_cpu.hpp"

namespace dnn {

CsrMatrix to_csr(const Matrix& X) {
  CsrMatrix S;
  S.rows = X.rows;
  S.cols = X.cols;
  S.row_ptr.resize(static_cast<std::size_t>(X.rows) + 1);
  // Count first, so the two big arrays are allocated exactly once.
  std::size_t nnz = 0;
  for (float v : X.data) nnz += (v != 0.0f);
  S.col_idx.reserve(nnz);
  S.values.reserve(nnz);
  S.row_ptr[0] = 0;
  for (int i = 0; i < X.rows; ++i) {
    const float* x = X.row(i);
    for (int k = 0; k < X.cols; ++k) {
      if (x[k] != 0.0f) {  // NaN != 0 is true: a NaN pixel is kept, not silently dropped
        S.col_idx.push_back(k);
        S.values.push_back(x[k]);
      }
    }
    if (S.values.size() > static_cast<std::size_t>(2147483647))
      throw std::length_error("to_csr: more than 2^31-1 non-zeros do not fit the int row pointers");
    S.row_ptr[static_cast<std::size_t>(i) + 1] = static_cast<int>(S.values.size());
  }
  return S;
}

Matrix csr_to_dense(const CsrMatrix& S) {
  Matrix X(S.rows, S.cols, 0.0f);
  for (int i = 0; i < S.rows; ++i)
    for (int e = S.row_ptr[static_cast<std::size_t>(i)]; e < S.row_ptr[static_cast<std::size_t>(i) + 1]; ++e)
      X(i, S.col_idx[static_cast<std::size_t>(e)]) = S.values[static_cast<std::size_t>(e)];
  return X;
}

}  // namespace dnn
