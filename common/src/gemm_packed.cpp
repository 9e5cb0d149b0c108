// Chapter 06, CPU GEMM step 4 — blocking + packing + a register micro-kernel (GotoBLAS/BLIS).
//
// What changes, and why each part is faster than step 3:
//  1. Register blocking. The innermost work is an MR×NR = 8×32 tile of C held in 16 AVX-512
//     registers for a whole KC-long loop. Per k it loads 32 floats of B (2 vectors) and 8
//     floats of A (broadcasts) and does 16 vector FMAs = 512 FLOP: about 40 FLOP per float
//     loaded, instead of step 3's load + store of C for every FMA. C is read and written
//     once per KC steps, not once per step.
//  2. Packing. Before the tile loops, a KC×NC block of B is copied into NR-wide column
//     panels and an MC×KC block of A into MR-tall row panels, each stored in exactly the
//     order the micro-kernel reads it. The micro-kernel then walks both with unit stride
//     (no TLB misses, perfect prefetching), and partial tiles at the edges are zero-padded
//     so the kernel never needs a bounds check inside its loop (at the edges only the valid
//     rows and columns of the finished tile are added to C).
//  3. Cache levels. One packed B micro-panel (KC×NR = 256×32 floats = 32 KiB) stays in the
//     48 KiB L1 while the kernel sweeps all A micro-panels of the block; the packed A block
//     (MC×KC = 192×256 floats = 192 KiB) stays in the 1 MiB L2; the packed B block
//     (KC×NC) lives in L3. Each level feeds the next at a rate it can sustain.
// With AVX-512 (`__AVX512F__`, i.e. -march=native on this machine) the micro-kernel uses
// FMA intrinsics; otherwise a plain-C++ version of the same tile is compiled (portable,
// slower). Any M, N, K works.
#include <algorithm>
#include <cstring>
#include <vector>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "dnn/gemm.hpp"

namespace dnn::gemm {

namespace {

constexpr int MR = 8;     // rows of the register tile (micro-kernel)
constexpr int NR = 32;    // columns of the register tile: 2 AVX-512 vectors of 16 floats
constexpr int KC = 256;   // depth of one packed block (k range)
constexpr int MC = 192;   // rows of a packed A block (a multiple of MR)
constexpr int NC = 2048;  // columns of a packed B block (a multiple of NR)

// Copies A(0:mc, 0:kc) (row stride lda) into MR-row panels: panel p holds, for each k,
// the MR values A(p·MR + r, k), r = 0..MR−1. Rows past mc are zero.
void pack_A(int mc, int kc, const float* A, long lda, float* Ap) {
  for (int i0 = 0; i0 < mc; i0 += MR) {
    const int rows = std::min(MR, mc - i0);
    for (int k = 0; k < kc; ++k) {
      for (int r = 0; r < rows; ++r) Ap[r] = A[(i0 + r) * lda + k];
      for (int r = rows; r < MR; ++r) Ap[r] = 0.0f;
      Ap += MR;
    }
  }
}

// Copies B(0:kc, 0:nc) (row stride ldb) into NR-column panels: panel q holds, for each k,
// the NR values B(k, q·NR + j), j = 0..NR−1. Columns past nc are zero.
void pack_B(int kc, int nc, const float* B, long ldb, float* Bp) {
  for (int j0 = 0; j0 < nc; j0 += NR) {
    const int cols = std::min(NR, nc - j0);
    for (int k = 0; k < kc; ++k) {
      const float* b = B + k * ldb + j0;
      for (int j = 0; j < cols; ++j) Bp[j] = b[j];
      for (int j = cols; j < NR; ++j) Bp[j] = 0.0f;
      Bp += NR;
    }
  }
}

// C(0:mr, 0:nr) += Σ_k a_k ⊗ b_k, with a packed (MR per k) and b packed (NR per k). The full
// MR×NR tile is always computed (the packed panels are zero-padded); only the mr×nr valid part
// of it is added to C (mr < MR or nr < NR at the bottom and right edges).
void micro_kernel(int kc, const float* a, const float* b, float* C, long ldc, int mr, int nr) {
#if defined(__AVX512F__)
  __m512 c0[MR], c1[MR];  // the 8×32 tile of C: 16 registers
  for (int r = 0; r < MR; ++r) c0[r] = c1[r] = _mm512_setzero_ps();
  for (int k = 0; k < kc; ++k) {
    const __m512 b0 = _mm512_loadu_ps(b);
    const __m512 b1 = _mm512_loadu_ps(b + 16);
    for (int r = 0; r < MR; ++r) {  // fully unrolled by the compiler (MR is a constant)
      const __m512 ar = _mm512_set1_ps(a[r]);
      c0[r] = _mm512_fmadd_ps(ar, b0, c0[r]);
      c1[r] = _mm512_fmadd_ps(ar, b1, c1[r]);
    }
    a += MR;
    b += NR;
  }
  if (mr == MR && nr == NR) {  // a full tile: add it to C directly
    for (int r = 0; r < MR; ++r) {
      float* c = C + r * ldc;
      _mm512_storeu_ps(c, _mm512_add_ps(_mm512_loadu_ps(c), c0[r]));
      _mm512_storeu_ps(c + 16, _mm512_add_ps(_mm512_loadu_ps(c + 16), c1[r]));
    }
  } else {  // an edge tile: spill it to a small buffer, add the valid part
    // (The register loops above and here use the constant MR, so c0/c1 stay in registers;
    // indexing them with the run-time `mr` would force them into memory.)
    alignas(64) float tile[MR][NR];
    for (int r = 0; r < MR; ++r) {
      _mm512_store_ps(&tile[r][0], c0[r]);
      _mm512_store_ps(&tile[r][16], c1[r]);
    }
    for (int r = 0; r < mr; ++r)
      for (int j = 0; j < nr; ++j) C[r * ldc + j] += tile[r][j];
  }
#else
  float acc[MR][NR] = {};
  for (int k = 0; k < kc; ++k) {
    for (int r = 0; r < MR; ++r)
      for (int j = 0; j < NR; ++j) acc[r][j] += a[r] * b[j];
    a += MR;
    b += NR;
  }
  for (int r = 0; r < mr; ++r)
    for (int j = 0; j < nr; ++j) C[r * ldc + j] += acc[r][j];
#endif
}

}  // namespace

void gemm_packed(int M, int N, int K, const float* A, const float* B, float* C) {
  std::fill(C, C + static_cast<long>(M) * N, 0.0f);
  if (M == 0 || N == 0 || K == 0) return;
  // Packing buffers: allocated once per thread and reused (first touch of memory is slow).
  thread_local std::vector<float> Ap, Bp;
  Ap.resize(static_cast<std::size_t>(MC) * KC);
  Bp.resize(static_cast<std::size_t>(KC) * NC);

  // K is cut into equal blocks of at most KC (784 → 3 × 262 rather than 256 + 256 + 256 + 16).
  const int k_blocks = (K + KC - 1) / KC;
  const int kc_step = (K + k_blocks - 1) / k_blocks;
  for (int jc = 0; jc < N; jc += NC) {
    const int nc = std::min(NC, N - jc);
    for (int pc = 0; pc < K; pc += kc_step) {
      const int kc = std::min(kc_step, K - pc);
      pack_B(kc, nc, B + static_cast<long>(pc) * N + jc, N, Bp.data());
      for (int ic = 0; ic < M; ic += MC) {
        const int mc = std::min(MC, M - ic);
        pack_A(mc, kc, A + static_cast<long>(ic) * K + pc, K, Ap.data());
        for (int jr = 0; jr < nc; jr += NR) {
          const int nr = std::min(NR, nc - jr);
          for (int ir = 0; ir < mc; ir += MR) {
            const int mr = std::min(MR, mc - ir);
            const float* a = Ap.data() + static_cast<long>(ir) * kc;  // panel ir/MR
            const float* b = Bp.data() + static_cast<long>(jr) * kc;  // panel jr/NR
            micro_kernel(kc, a, b, C + static_cast<long>(ic + ir) * N + jc + jr, N, mr, nr);
          }
        }
      }
    }
  }
}

}  // namespace dnn::gemm
