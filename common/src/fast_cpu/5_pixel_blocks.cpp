// Step 5 of chapter 07's CPU ladder: layer 1's update in blocks of pixels whose rows of W1 fit the
// L1 cache — the fastcpu backend.
//
// Relative to step 4: step 3's update walks image by image, W1[k,:] += (−η·x_ik) · dZ1[i,:] for each
// non-zero pixel k of image i, so a row of W1 is read and written once per image that has the
// pixel: ≈ 4 800 row updates per step at batch 32, on only ≈ 500 different rows. W1 (784 × 64
// floats, 200 KB with AVX-512; 175 KB with AVX2) is larger than the L1 data cache (32–48 KB), so
// each of those updates fetches its row from the L2 cache and later writes it back.
//
// Here the pixels are cut into blocks of rows that fit in L1 (≈ 28 KB: 112 pixels, four image rows,
// with AVX-512's 256-byte rows; 128 with AVX2's 224 bytes). For each block, every image of the
// minibatch applies its pixels of that block — a short stretch of its CSR row, since the pixels are
// sorted — before the next block starts. A block's rows come from L2 once per step and stay in L1
// while the 32 images update them. The same cache blocking as chapter 06's GEMM ladder, on the
// sparse layer.
//
// Same bits as step 4: each row of W1 gets the same updates in the same order (images in increasing
// i); only the order in which different rows are visited changes (tested).
//
// Measured (bench_07_fast BM_Epoch, Intel Xeon Sapphire Rapids, AVX-512, 2026-12-04): layer 1's
// update 25 ms → 21 ms per epoch. Blocks of 8 KB were slower (more short stretches to start and end),
// 16–48 KB about the same. Sorting each block's entries by pixel so that every row is read and
// written once per step (step 6's idea inside a block) was slower: 4.6 ns per non-zero against
// 2.8 for this loop.
#include <algorithm>
#include <cstddef>
#include <vector>

#include "shared.hpp"

namespace dnn::fast_cpu {

/// Bytes of W1 rows per block: well inside the smallest L1 data cache of 2020–2026 cores (32 KB),
/// leaving room for the minibatch's CSR stretches and dZ1 rows.
constexpr int kBlockBytes = 28 * 1024;

/// W[k,:] += (−η·x_ik) · dZ[i,:] for every non-zero x_ik of the rows idx[0..count), block of pixels
/// by block. cursor[i] is where image i is in its CSR row (the first pixel not yet applied).
template <int NB>
void update_in_blocks(FastCpuLayer& L, const CsrMatrix& X, const int* idx, int count, const float* dz,
                      float neg_lr, int block_pixels, int* cursor, int* end) {
  constexpr int N = NB * kLanes;
  const int* col = X.col_idx.data();
  const float* val = X.values.data();
  float* W = L.W.data();
  for (int i = 0; i < count; ++i) {
    cursor[i] = X.row_ptr[static_cast<std::size_t>(idx[i])];
    end[i] = X.row_ptr[static_cast<std::size_t>(idx[i]) + 1];
  }
  for (int block_end = block_pixels; block_end < L.n_in + block_pixels; block_end += block_pixels) {
    for (int i = 0; i < count; ++i) {
      int e = cursor[i];
      if (e == end[i] || col[e] >= block_end) continue;  // image i has no pixel in this block
      Vec g[NB];  // dZ1[i,:] in registers for the stretch
      for (int q = 0; q < NB; ++q) g[q] = load(dz + static_cast<std::size_t>(i) * N + q * kLanes);
      for (; e < end[i] && col[e] < block_end; ++e) {
        const float s = neg_lr * val[e];
        float* w = W + static_cast<std::size_t>(col[e]) * N;
        for (int q = 0; q < NB; ++q) store(w + q * kLanes, load(w + q * kLanes) + s * g[q]);
      }
      cursor[i] = e;
    }
  }
}

void update_sparse_blocks(FastCpuLayer& L, const CsrMatrix& X, const int* idx, int count, const float* dz,
                          float neg_lr, std::vector<int>& scratch) {
  if (!fits_registers(L.ld)) {  // dZ1's row does not fit the registers: step 3's loop
    update_sparse_rows(L, X, idx, count, dz, neg_lr);
    return;
  }
  scratch.resize(2 * static_cast<std::size_t>(count));
  const int block_pixels = std::max(1, kBlockBytes / (L.ld * static_cast<int>(sizeof(float))));
  with_blocks(L.ld, [&](auto nb) {
    if constexpr (decltype(nb)::value > 0)
      update_in_blocks<decltype(nb)::value>(L, X, idx, count, dz, neg_lr, block_pixels, scratch.data(),
                                            scratch.data() + count);
  });
}

}  // namespace dnn::fast_cpu
