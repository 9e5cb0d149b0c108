// Chapter 07: compressed sparse row (CSR) storage of the MNIST images (about 80% of the pixels
// are exactly 0, so layer 1 only needs the other 20%).
#include <cstddef>
#include <cstdint>
#include <stdexcept>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "dnn/fast_cpu.hpp"

namespace dnn {

namespace {

/// Asks Linux to back [p, p + bytes) with 2 MB pages ("transparent huge pages") before it is first
/// written. The minibatches read the CSR arrays at random rows of 72 MB: with 4 KB pages nearly every
/// image starts with a TLB miss (a page-table walk), with 2 MB pages the whole array needs 36 TLB
/// entries. Only a hint: where huge pages are off or unavailable nothing changes.
void advise_huge_pages(const void* p, std::size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;
  const std::uintptr_t begin = (reinterpret_cast<std::uintptr_t>(p) + kHuge - 1) & ~(kHuge - 1);
  const std::uintptr_t end = (reinterpret_cast<std::uintptr_t>(p) + bytes) & ~(kHuge - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
  (void)p;
  (void)bytes;
#endif
}

}  // namespace

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
  advise_huge_pages(S.col_idx.data(), nnz * sizeof(int));
  advise_huge_pages(S.values.data(), nnz * sizeof(float));
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

std::string FastCpuFeatures::label() const {
  std::string s = sparse_input ? "sparse-l1" : "dense-l1";
  s += (hand_kernels || fused_update) ? "+fused-update" : "+dW-then-sgd";
  s += hand_kernels ? "+hand-kernels" : "+eigen-gemm";
  if (by_pixel && sparse_input && (fused_update || hand_kernels)) s += "+by-pixel";
  return s;
}

}  // namespace dnn
