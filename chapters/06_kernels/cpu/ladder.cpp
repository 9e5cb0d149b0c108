// Chapter 06: the Matrix-level entry point of the CPU GEMM ladder (the list of steps itself is
// inline in gemm.hpp, so that it points to the exercise bodies chosen at link time).
#include <stdexcept>

#include "06_kernels/cpu/gemm.hpp"

namespace dnn::gemm {

void gemm(GemmFn fn, const Matrix& A, const Matrix& B, Matrix& C) {
  if (A.cols != B.rows)
    throw std::invalid_argument("gemm: inner dimensions differ: A is " + A.shape() + ", B is " + B.shape());
  if (&C == &A || &C == &B)
    throw std::invalid_argument("gemm: C must be a different matrix from A and B (C = A·B is written while A and B "
                                "are still read)");
  C.resize(A.rows, B.cols);
  fn(A.rows, B.cols, A.cols, A.data.data(), B.data.data(), C.data.data());
}

}  // namespace dnn::gemm
