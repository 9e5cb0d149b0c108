// Step 8 of chapter 07's CPU ladder (tried, slower): layer 1's forward pass two images at a time.
//
// Relative to step 5 (whose update it keeps), the idea: what is left is layer 1's memory traffic (one row of W1, 224 bytes
// with AVX2, from the L2 cache for each non-zero pixel; W1 is 175 KB, the L1 cache 32 KB). Two MNIST
// digits share about a quarter of their non-zero pixels (the union of two random training images
// is 23 % smaller than the two counts added, measured). Here layer 1 visits, for each pair of
// images (i, i+1) of the minibatch, the UNION of their pixels in increasing order: each row of W1
// comes from L2 once and feeds both images' accumulators (2 × 7 AVX2 registers: a whole 50-wide
// output row of each image stays in registers), where a pixel only one image has adds 0 · W1[k,:]
// to the other. The union is walked with one bitmap per image (784 bits, built once with the CSR
// form): their OR gives the union, `count trailing zeros` the next pixel, and each image's value
// is the next of its CSR values when its own bit is set.
//
// Same bits as step 5: each image still adds its own pixels in the same order, and x + 0·w = x
// (w finite), so the outputs — and so the whole training run — are bit-identical (tested).
// Where two images' accumulators do not fit the registers (AVX2 above 56 units, AVX-512 above
// 128), layer 1 stays step 2's loop.
//
// Measured (07_fast --ladder, AVX2 AMD EPYC, 2026-12-03, CPU time, a busy machine): 0.134 s per
// epoch against step 4's 0.103 (then the fastcpu path) — slower. The shared row is not what limits layer 1 here: with AVX2's
// 16 registers the 14 accumulators leave no room to hold the row for both images, so image j's
// FMAs load it again (from L1), and the walk over the union costs 230 × 14 loads per pair instead
// of 300 × 7, plus a dozen scalar operations per pixel. (Holding the row in registers made the
// compiler keep one accumulator in memory: a store-to-load chain per pixel, slower still.) With
// AVX-512's 32 registers the row fits beside both images' 2 × 4 accumulators, and it is still
// slower: 0.111 against step 4's 0.077 s per epoch (Intel Xeon, Sapphire Rapids, 2026-12-04).
// Also tried: the update over the union (W1[k,:] += s_i·dz_i + s_j·dz_j): no faster either.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "shared.hpp"

namespace dnn {

void PixelBitmaps::build(const CsrMatrix& X) {
  words = (X.cols + 63) / 64;
  bits.assign(static_cast<std::size_t>(X.rows) * static_cast<std::size_t>(words), 0);
  for (int r = 0; r < X.rows; ++r) {
    std::uint64_t* b = bits.data() + static_cast<std::size_t>(r) * words;
    for (int e = X.row_ptr[static_cast<std::size_t>(r)]; e < X.row_ptr[static_cast<std::size_t>(r) + 1]; ++e) {
      const int k = X.col_idx[static_cast<std::size_t>(e)];
      b[k / 64] |= std::uint64_t{1} << (k % 64);
    }
  }
}

}  // namespace dnn

namespace dnn::fast_cpu {

namespace {

/// Two images' accumulators and the broadcast values must fit the vector registers.
constexpr bool pair_fits(int nb) { return nb > 0 && 2 * nb + 2 <= simd::kRegisters; }

/// out_i = f(b + Σ_k x_ik · W[k, :]) and out_j likewise, over the union of the two images' pixels.
/// out[0] = 0, out[1 … nnz] = the non-zero values of CSR row r.
inline void next_values(const CsrMatrix& X, int r, float* out) {
  const int beg = X.row_ptr[static_cast<std::size_t>(r)], end = X.row_ptr[static_cast<std::size_t>(r) + 1];
  out[0] = 0.0f;
  std::memcpy(out + 1, X.values.data() + beg, sizeof(float) * static_cast<std::size_t>(end - beg));
}

template <int NB>
void pair_forward(const CsrMatrix& X, const PixelBitmaps& B, int ri, int rj, const float* W, const float* b,
                  bool relu, float* scratch, float* out_i, float* out_j) {
  constexpr int N = NB * kLanes;
  Vec acc_i[NB], acc_j[NB];
  for (int q = 0; q < NB; ++q) acc_i[q] = acc_j[q] = load(b + q * kLanes);
  const std::uint64_t* bits_i = B.row(ri);
  const std::uint64_t* bits_j = B.row(rj);
  // Each image's values behind a 0 (val[0] = 0): x = val[in · (next + 1)] picks the next value or
  // the 0 without a branch (a branch here is taken at random and mispredicts).
  const float* val_i = scratch;
  const float* val_j = scratch + X.cols + 1;
  next_values(X, ri, scratch);
  next_values(X, rj, scratch + X.cols + 1);
  int next_i = 0, next_j = 0;  // how many of each image's values are used
  for (int word = 0; word < B.words; ++word) {
    const std::uint64_t wi = bits_i[word], wj = bits_j[word];
    for (std::uint64_t both = wi | wj; both != 0; both &= both - 1) {
      const int bit = __builtin_ctzll(both);
      const int in_i = static_cast<int>((wi >> bit) & 1), in_j = static_cast<int>((wj >> bit) & 1);
      const float x_i = val_i[in_i * (next_i + 1)];
      const float x_j = val_j[in_j * (next_j + 1)];
      next_i += in_i;
      next_j += in_j;
      const float* w = W + static_cast<std::size_t>(word * 64 + bit) * N;
      // The row is read from L2 once, by image i's FMAs; image j's FMAs read it again, from L1.
      // (Holding it in registers for both would need 2·NB + NB + 2 registers: with AVX2's 16 the
      // compiler then keeps one accumulator in memory, a store-to-load chain every pixel, slower.
      // The empty asm with a "memory" clobber makes it load the row again instead.)
      for (int q = 0; q < NB; ++q) acc_i[q] += x_i * load(w + q * kLanes);
      asm volatile("" ::: "memory");
      for (int q = 0; q < NB; ++q) acc_j[q] += x_j * load(w + q * kLanes);
    }
  }
  for (int q = 0; q < NB; ++q) {
    store(out_i + q * kLanes, relu ? simd::relu(acc_i[q]) : acc_i[q]);
    store(out_j + q * kLanes, relu ? simd::relu(acc_j[q]) : acc_j[q]);
  }
}

}  // namespace

void forward_sparse_pairs(const FastCpuLayer& L, const CsrMatrix& X, const PixelBitmaps& B, const int* idx,
                          int count, bool relu, float* out) {
  with_blocks(L.ld, [&](auto nb) {
    constexpr int NB = decltype(nb)::value;
    if constexpr (pair_fits(NB)) {
      std::vector<float> scratch(2 * static_cast<std::size_t>(X.cols + 1));
      int i = 0;
      for (; i + 1 < count; i += 2) {
        if (i + 3 < count) {  // the next pair's values and bitmaps, before they are needed
          prefetch_csr_row(X, idx[i + 2]);
          prefetch_csr_row(X, idx[i + 3]);
          prefetch_line<CacheLevel::L1>(reinterpret_cast<const char*>(B.row(idx[i + 2])));
          prefetch_line<CacheLevel::L1>(reinterpret_cast<const char*>(B.row(idx[i + 3])));
        }
        pair_forward<NB>(X, B, idx[i], idx[i + 1], L.W.data(), L.b.data(), relu, scratch.data(),
                         out + static_cast<std::size_t>(i) * L.ld, out + static_cast<std::size_t>(i + 1) * L.ld);
      }
      if (i < count)  // an odd minibatch: its last image alone (step 2)
        forward_sparse_rows(L, X, idx + i, 1, relu, out + static_cast<std::size_t>(i) * L.ld);
    } else {
      forward_sparse_rows(L, X, idx, count, relu, out);  // too wide for two images' registers
    }
  });
}

}  // namespace dnn::fast_cpu
