// EXERCISE FILE — yours to edit. Generated from solutions/ch06_gemm_step2_ikj.cpp by scripts/gen-exercises.py.
// Replace each DNN_TODO(...) line with your code, then run: scripts/check 06
// (Stuck? The chapter README has a hint for every exercise; solutions/ch06_gemm_step2_ikj.cpp has the answer.)
// Chapter 06, CPU GEMM step 2 — loop order i-k-j: exercise gemm_ikj.
//
// What changes: the same three loops as step 1 (chapters/06_kernels/cpu/1_naive.cpp), with j
// innermost: for each A(i,k), add A(i,k)·B(k,:) to C(i,:). Why it is faster: the inner loop now
// reads a row of B and updates a row of C, both with unit stride, so every byte of a cache line is
// used and the compiler vectorizes it (16 floats per AVX-512 instruction). The sums for different j
// are independent, so many FMAs are in flight at once. What still limits it: C(i,:) and all of B
// are streamed from memory (or L2/L3) again for every row i — about one load and one store per FMA.
#include <algorithm>

#include "06_kernels/cpu/gemm.hpp"
#include "dnn/exercise.hpp"

namespace dnn::gemm {

void gemm_ikj(int M, int N, int K, const float* A, const float* B, float* C) {
  // TODO(exercise gemm_ikj): C is overwritten, not added to: for each row i, first set C(i,:) to 0; then for k in 0..K−1: a = A[i*K + k], and for j in 0..N−1: C[i*N + j] += a * B[k*N + j] (j innermost: unit stride). Use long for i*N etc.
  DNN_TODO("gemm_ikj", "C is overwritten, not added to: for each row i, first set C(i,:) to 0; then for k in 0..K−1: a = A[i*K + k], and for j in 0..N−1: C[i*N + j] += a * B[k*N + j] (j innermost: unit stride). Use long for i*N etc.");
}

}  // namespace dnn::gemm
