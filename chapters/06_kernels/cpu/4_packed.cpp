// Chapter 06, CPU GEMM step 4 — blocking + packing + a register micro-kernel (GotoBLAS/BLIS).
//
// What changes, and why each part is faster than step 3:
//  1. Register blocking. The innermost work is an MR×NR tile of C held in vector registers for a
//     whole KC-long loop. Per k it loads NR floats of B (kNV vectors) and MR floats of A (one
//     broadcast each) and does MR·kNV vector FMAs: C is read and written once per KC steps, not
//     once per step as in step 3. The tile is as large as the register file allows
//     (simd.hpp): MR·kNV accumulators + kNV vectors of B + 1 broadcast of A ≤ kRegisters, so
//        AVX-512 (16 lanes, 32 registers): NR = 32, MR = 14 → 28 accumulators, 14·32·2 = 896 FLOP
//                                             per 46 floats loaded;
//        AVX2    ( 8 lanes, 16 registers): NR = 16, MR =  6 → 12 accumulators (the classic 6×16);
//        NEON    ( 4 lanes, 32 registers): NR =  8, MR = 14 → 28 accumulators.
//     Every tile has at least kFmaInFlight (8) independent accumulators, enough to hide the FMA
//     latency (4 cycles × 2 FMA units).
//  2. Packing. Before the tile loops, a KC×NC block of B is copied into NR-wide column
//     panels and an MC×KC block of A into MR-tall row panels, each stored in exactly the
//     order the micro-kernel reads it. The micro-kernel then walks both with unit stride
//     (no TLB misses, perfect prefetching), and partial tiles at the edges are zero-padded
//     so the kernel never needs a bounds check inside its loop (at the edges only the valid
//     rows and columns of the finished tile are added to C).
//  3. Cache levels. One packed B micro-panel (KC×NR = 256×32 floats = 32 KiB with AVX-512, 16 KiB
//     with AVX2) stays in the L1 while the kernel sweeps all A micro-panels of the block; the packed
//     A block (MC×KC ≈ 192×256 floats = 192 KiB) stays in the L2; the packed B block (KC×NC) lives in
//     L3. Each level feeds the next at a rate it can sustain.
// One source for every CPU: the tile is written with simd::Vec (kLanes floats), and the compiler
// turns `c += a * b` into the ISA's FMA (vfmadd231ps on x86, fmla on ARM). Any M, N, K works.
#include <algorithm>
#include <vector>

#include "06_kernels/cpu/gemm.hpp"
#include "dnn/simd.hpp"

namespace dnn::gemm {

namespace {

using simd::kLanes;
using simd::Vec;

constexpr int kNV = kPackedTileVectors;  // vectors per row of the register tile (2)
constexpr int NR = kPackedNR;            // columns of the register tile: kNV·kLanes
constexpr int MR = kPackedMR;            // rows of the register tile
constexpr int KC = 256;                  // depth of one packed block (k range)
constexpr int MC = 192 / MR * MR;        // rows of a packed A block (a multiple of MR, ≈ 192)
constexpr int NC = 2048;                 // columns of a packed B block (a multiple of NR)

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
  Vec c[MR][kNV];  // the MR×NR tile of C: MR·kNV registers
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < kNV; ++v) c[r][v] = Vec{};
#pragma GCC unroll 4  // 4 k-steps per loop trip: fewer branches and pointer updates (+4 % on AVX2, measured)
  for (int k = 0; k < kc; ++k) {
    Vec bk[kNV];  // row k of the B panel
    for (int v = 0; v < kNV; ++v) bk[v] = simd::load(b + v * kLanes);
    for (int r = 0; r < MR; ++r) {  // fully unrolled by the compiler (MR and kNV are constants)
      const float ar = a[r];  // broadcast to all lanes by `ar * bk[v]`
      for (int v = 0; v < kNV; ++v) c[r][v] += ar * bk[v];  // one FMA
    }
    a += MR;
    b += NR;
  }
  if (mr == MR && nr == NR) {  // a full tile: add it to C directly
    for (int r = 0; r < MR; ++r)
      for (int v = 0; v < kNV; ++v) {
        float* p = C + r * ldc + v * kLanes;
        simd::store(p, simd::load(p) + c[r][v]);
      }
  } else {  // an edge tile: spill it to a small buffer, add the valid part
    // (The register loops above and here use the constant MR, so c stays in registers;
    // indexing it with the run-time `mr` would force it into memory.)
    alignas(64) float tile[MR][NR];
    for (int r = 0; r < MR; ++r)
      for (int v = 0; v < kNV; ++v) simd::store(&tile[r][v * kLanes], c[r][v]);
    for (int r = 0; r < mr; ++r)
      for (int j = 0; j < nr; ++j) C[r * ldc + j] += tile[r][j];
  }
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
