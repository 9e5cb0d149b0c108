/// @file 06_kernels/cpu/gemm.hpp
/// @brief The CPU GEMM ladder of chapter 06: C = A·B, one small numbered file per step
///        (chapters/06_kernels/cpu/N_name.cpp; the exercise steps in solutions/).
///
/// Every step has the same signature (row-major float32, any 0 ≤ M, N, K ≤ kMaxGemmDim):
///
///     void gemm_xxx(int M, int N, int K, const float* A, const float* B, float* C);
///
/// A is M×K, B is K×N, C is M×N; C is overwritten (not accumulated into). The steps, slowest
/// to fastest (each file's header comment says what it changes and why that is faster):
///
/// | step       | file                                    | idea                                             |
/// |------------|-----------------------------------------|--------------------------------------------------|
/// | naive      | chapters/06_kernels/cpu/1_naive.cpp     | i-j-k, the formula as written                    |
/// | ikj        | solutions/ch06_gemm_step2_ikj.cpp ¹     | loop order i-k-j: unit stride, vectorizable      |
/// | blocked    | solutions/ch06_gemm_step3_blocked.cpp ¹ | cache blocking: reuse a block of B from L1/L2    |
/// | packed     | chapters/06_kernels/cpu/4_packed.cpp    | packing + a register micro-kernel (simd.hpp)     |
/// | eigen      | chapters/06_kernels/cpu/5_eigen.cpp     | Eigen's GEMM (the library reference)             |
/// | packed_omp | chapters/06_kernels/cpu/6_packed_omp.cpp | `packed` split over 2 OpenMP threads            |
///
/// ¹ Exercises: the learner writes them in exercises/ (DNN_IMPL=exercises builds link those).
///
/// The naive step is the reference the tests compare every other step against (with a
/// tolerance), besides an independent double-precision loop (06_kernels/harness.hpp). The
/// Matrix-level entry point gemm() is in cpu/ladder.cpp.
#pragma once

#include <string>
#include <vector>

#include "dnn/matrix.hpp"
#include "dnn/simd.hpp"

namespace dnn::gemm {

/// The one signature every CPU GEMM step shares.
using GemmFn = void (*)(int M, int N, int K, const float* A, const float* B, float* C);

/// Step 1: i-j-k loops, one dot product per output element.
void gemm_naive(int M, int N, int K, const float* A, const float* B, float* C);
/// Step 2: i-k-j loop order: the inner loop walks a row of B and a row of C with unit stride.
void gemm_ikj(int M, int N, int K, const float* A, const float* B, float* C);
/// Step 3: i-k-j inside cache blocks, so a block of B is reused from cache by many rows of A.
void gemm_blocked(int M, int N, int K, const float* A, const float* B, float* C);
/// Step 4: blocked + packed panels + an MR×NR register micro-kernel written on simd::Vec.
void gemm_packed(int M, int N, int K, const float* A, const float* B, float* C);
/// Step 5: Eigen's matrix product on the same memory (Eigen::Map, no copy). Uses as many
/// threads as Eigen is told (Eigen::setNbThreads / `--threads`); benchmarks use 1.
void gemm_eigen(int M, int N, int K, const float* A, const float* B, float* C);
/// Step 6: gemm_packed with the rows of C split between kOmpThreads OpenMP threads.
void gemm_packed_omp(int M, int N, int K, const float* A, const float* B, float* C);
/// Threads used by gemm_packed_omp (the machine of this chapter has 2 cores).
constexpr int kOmpThreads = 2;
/// Threads gemm_packed_omp really uses for this shape: 1 below 2^22 multiply-adds (waking a
/// second thread would cost more than it saves), or without OpenMP; kOmpThreads otherwise.
int packed_omp_threads(int M, int N, int K);
/// Vectors per row of gemm_packed's register tile.
constexpr int kPackedTileVectors = 2;
/// Columns of gemm_packed's register tile: 32 on AVX-512, 16 on AVX2, 8 on NEON.
constexpr int kPackedNR = kPackedTileVectors * simd::kLanes;
/// Rows of gemm_packed's register tile: as many as the registers allow once kPackedTileVectors hold
/// a row of B and one holds a broadcast of A — (32 − 3) / 2 = 14 on AVX-512 and NEON, (16 − 3) / 2 = 6
/// on AVX2.
constexpr int kPackedMR = (simd::kRegisters - kPackedTileVectors - 1) / kPackedTileVectors;
/// "14x32 AVX-512": gemm_packed's tile and ISA, for tables and the ladder's description.
inline std::string packed_tile() {
  return std::to_string(kPackedMR) + "x" + std::to_string(kPackedNR) + " " + simd::kIsa;
}

/// The largest M, N or K the ladder accepts (2^30): loop counters like `i += block` stay far from
/// INT_MAX. Each matrix must also have fewer than 2^31 elements.
constexpr int kMaxGemmDim = 1 << 30;

/// One step of the ladder, for programs, tests and benchmarks that loop over all of them.
struct CpuGemm {
  const char* name;   ///< "naive", "ikj", "blocked", "packed", "eigen", "packed_omp"
  const char* what;   ///< one line: what this step changes
  GemmFn fn;
  int threads;        ///< threads it uses (1, or kOmpThreads)
};

/// All steps, in ladder order. (Defined inline here, in the chapter's own code, so that the
/// exercise steps `ikj` and `blocked` point to the bodies chosen at link time: solutions/ or
/// your exercises/.)
inline const std::vector<CpuGemm>& cpu_gemm_ladder() {
  static const std::string packed_what = "blocks + packed panels + " + packed_tile() + " register micro-kernel";
  static const std::vector<CpuGemm> ladder{
      {"naive", "i-j-k loops: one dot product per C(i,j), B read down its columns", &gemm_naive, 1},
      {"ikj", "loop order i-k-j: unit-stride rows of B and C, vectorized", &gemm_ikj, 1},
      {"blocked", "i-k-j inside 64x1024 cache blocks of B", &gemm_blocked, 1},
      {"packed", packed_what.c_str(), &gemm_packed, 1},
      {"eigen", "Eigen's GEMM (the library reference, not a step: packed should beat it)", &gemm_eigen, 1},
      {"packed_omp", "the packed kernel on 2 OpenMP threads (slower than packed while the other core is busy)",
       &gemm_packed_omp, kOmpThreads},
  };
  return ladder;
}

/// The step called `name`, or nullptr.
inline const CpuGemm* find_cpu_gemm(const std::string& name) {
  for (const CpuGemm& g : cpu_gemm_ladder())
    if (name == g.name) return &g;
  return nullptr;
}

/// "naive, ikj, blocked, ..." (for `--help` and error messages).
inline std::string cpu_gemm_names() {
  std::string s;
  for (const CpuGemm& g : cpu_gemm_ladder()) s += (s.empty() ? "" : ", ") + std::string(g.name);
  return s;
}

/// C = A·B on Matrix objects with any step: checks A.cols == B.rows (std::invalid_argument
/// naming both shapes otherwise) and that C is a different object from A and B (resizing C
/// would change A or B under the kernel), then resizes C to A.rows × B.cols.
void gemm(GemmFn fn, const Matrix& A, const Matrix& B, Matrix& C);

/// Floating-point operations of one GEMM: 2·M·N·K (one multiply and one add per term).
inline double gemm_flops(int M, int N, int K) { return 2.0 * M * N * static_cast<double>(K); }

}  // namespace dnn::gemm
