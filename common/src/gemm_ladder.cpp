// Chapter 06: the list of CPU GEMM steps (for programs, tests and benchmarks), and the
// Matrix-level entry point.
#include <stdexcept>

#include "dnn/gemm.hpp"

namespace dnn::gemm {

const std::vector<CpuGemm>& cpu_gemm_ladder() {
  static const std::vector<CpuGemm> ladder{
      {"naive", "i-j-k loops: one dot product per C(i,j), B read down its columns", &gemm_naive, 1},
      {"ikj", "loop order i-k-j: unit-stride rows of B and C, vectorized", &gemm_ikj, 1},
      {"blocked", "i-k-j inside 128x256 cache blocks of B", &gemm_blocked, 1},
      {"packed", "blocks + packed panels + 8x32 AVX-512 register micro-kernel", &gemm_packed, 1},
      {"eigen", "Eigen's GEMM (library reference)", &gemm_eigen, 1},
      {"packed_omp", "the packed kernel on 2 OpenMP threads", &gemm_packed_omp, kOmpThreads},
  };
  return ladder;
}

const CpuGemm* find_cpu_gemm(const std::string& name) {
  for (const CpuGemm& g : cpu_gemm_ladder())
    if (name == g.name) return &g;
  return nullptr;
}

std::string cpu_gemm_names() {
  std::string s;
  for (const CpuGemm& g : cpu_gemm_ladder()) s += (s.empty() ? "" : ", ") + std::string(g.name);
  return s;
}

void gemm(GemmFn fn, const Matrix& A, const Matrix& B, Matrix& C) {
  if (A.cols != B.rows)
    throw std::invalid_argument("gemm: inner dimensions differ: A is " + A.shape() + ", B is " + B.shape());
  C.resize(A.rows, B.cols);
  fn(A.rows, B.cols, A.cols, A.data.data(), B.data.data(), C.data.data());
}

}  // namespace dnn::gemm
