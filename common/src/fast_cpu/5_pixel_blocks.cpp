// Step 5 of chapter 07's CPU ladder: layer 1 in blocks of pixels whose rows of W1 fit the L1
// cache. (Step 6, the fastcpu backend, runs these same loops on the images in 3 bytes per pixel.)
//
// Relative to step 4: steps 2–4 walk layer 1 image by image. The forward pass adds x_ik · W1[k,:]
// for each non-zero pixel k of image i, and the update applies W1[k,:] += (−η·x_ik) · dZ1[i,:]; so a
// row of W1 is read (forward) and read and written (update) once per image that has the pixel:
// ≈ 4 800 rows per step at batch 32, yet only ≈ 500 different ones. W1 (784 × 64 floats = 200 KB
// with AVX-512, 175 KB with AVX2) is larger than the L1 data cache (32–48 KB) and shares the L2
// with everything else of the step, so those rows keep coming back from L2 (or further).
//
// Here the pixels are cut into blocks of rows that fill the L1 cache but 4 KB (block_bytes: on a
// 32 KB L1 28 KB, i.e. 112 pixels, four image rows, with AVX-512's 256-byte rows, 128 with AVX2's 224
// bytes; 44 KB on the Xeon's 48 KB). For each block, every image of the
// minibatch takes its pixels of that block — a short stretch of its CSR row, since the pixels are
// sorted — before the next block starts. A block's rows are fetched once per pass and then used by
// all 32 images. In the forward pass each image's partial sum waits in its output row between
// blocks. The same cache blocking as chapter 06's GEMM ladder, on the sparse layer.
//
// Same bits as step 4: each output sums the same terms in the same order (a partial sum stored to
// memory and loaded back is unchanged), and each row of W1 gets the same updates in the same order
// (images in increasing i); only the order in which different rows and outputs are visited
// changes (tested).
//
// A row of W1 (50 floats) is NB vectors in registers. With AVX-512 that is 4 × 16 floats, the
// fourth holding 2 real floats and 14 of padding; here it is a 4-float vector instead (Vec4, an xmm
// register): a quarter of the bytes loaded and stored for that piece, the same FMA count. The padding
// columns are then never touched (they stay 0, as before). Measured on an AMD EPYC Zen 5 (AVX-512,
// 2 vCPUs, quiet, 2026-12-06, bench_07_fast BM_Epoch/6, three runs each, alternated): 47.6–48.1 ms
// per epoch with 4 zmm, 43.4–45.4 with 3 zmm + 1 xmm. With AVX2 (7 × 8 floats, 2 real in the last)
// the same change gained nothing (BM_SameStep/6 28.6 → 29.3 µs), so it is used with 16 lanes only.
//
// Measured (bench_07_fast BM_Epoch, Intel Xeon Sapphire Rapids, AVX-512, 2 vCPUs shared with other
// machines, 2026-12-04, 28 KB blocks): step 4 65–67 ms per epoch; the update in blocks alone 60–62;
// forward and update in blocks 56–58. Blocks of 12–14 KB were slower (more short stretches: each
// costs ≈ 40 cycles to start and end, a mispredicted loop exit among them), one block of all 784
// rows (no blocking) 70; 20–100 KB within a few % of each other, 40–56 KB the best with AVX2. Sorting each block's
// entries by pixel so that every row is read and written once per step (step 7's idea inside a
// block) was slower: 4.6 ns per non-zero for the update against 2.8 for this loop.
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <type_traits>
#include <vector>

#include "shared.hpp"

namespace dnn::fast_cpu {

/// The L1 data cache of this CPU's cores, as the C library reports it (48 KB on the Xeon, 32 KB on
/// most AMD and older Intel cores); 32 KB where it does not say.
static int l1_data_cache_bytes() {
  static const int bytes = [] {
    long v = 0;
#ifdef _SC_LEVEL1_DCACHE_SIZE
    v = sysconf(_SC_LEVEL1_DCACHE_SIZE);
#endif
    return v >= 16 * 1024 && v <= 1024 * 1024 ? static_cast<int>(v) : 32 * 1024;
  }();
  return bytes;
}

/// Bytes of W1 rows per block: the L1 data cache less 4 KB of room for the minibatch's stretches of
/// pixels (and whatever else the loop touches): 28 KB on a 32 KB L1, 44 KB on a 48 KB one.
/// Measured on the Xeon's 48 KB: 44 KB blocks 3 % faster than 28 KB with AVX2 (4 blocks of W1's
/// 175 KB instead of 7: fewer, longer stretches), the same with AVX-512.
inline int block_bytes() { return l1_data_cache_bytes() - 4 * 1024; }

/// Pixels per block: as many rows of W1 (ld floats each) as fit in block_bytes() (112 with
/// AVX-512's 64-float rows in 28 KB, 128 with AVX2's 56).
inline int pixels_per_block(const FastCpuLayer& L) {
  return std::max(1, block_bytes() / (L.ld * static_cast<int>(sizeof(float))));
}

/// Calls f(std::true_type) when a row of NB vectors ends in a Vec4 instead of a whole vector (see the
/// top of this file): with 16 lanes, when the last vector would hold at most 4 real floats (50 =
/// 3 × 16 + 2); else f(std::false_type).
template <int NB, class F>
void with_row_end(const FastCpuLayer& L, F&& f) {
  if constexpr (kLanes >= 16 && NB >= 2)
    if (L.n_out <= (NB - 1) * kLanes + 4) return f(std::true_type{});
  f(std::false_type{});
}

/// W[k,:] += (−η·x_ik) · dZ[i,:] for every non-zero x_ik of the rows idx[0..count), block of pixels
/// by block. cursor[i] is where image i is in its row of P (the first pixel not yet applied).
/// P: CsrPixels (step 5) or BytePixels (step 6), shared.hpp. Narrow: the row's last piece is a Vec4.
template <int NB, bool Narrow, class Pixels>
void update_in_blocks(FastCpuLayer& L, Pixels P, const int* idx, int count, const float* dz, float neg_lr,
                      int block_pixels, int* cursor, int* end) {
  constexpr int N = NB * kLanes;
  constexpr int NV = Narrow ? NB - 1 : NB;  // whole vectors per row
  float* W = L.W.data();
  P.scale_by(neg_lr);
  for (int i = 0; i < count; ++i) {
    cursor[i] = P.begin(idx[i]);
    end[i] = P.end(idx[i]);
  }
  for (int block_end = block_pixels; block_end < L.n_in + block_pixels; block_end += block_pixels) {
    for (int i = 0; i < count; ++i) {
      // Image i+2's stretch of this block into L1 (its first line comes from L2 otherwise, and the
      // loop waits for it: the images' data are only prefetched into L2, a step ahead).
      if (i + 2 < count) P.prefetch_entry(cursor[i + 2]);
      int e = cursor[i];
      const int e_end = end[i];
      if (!P.below(e, e_end, block_end)) continue;  // image i has no pixel in this block
      Vec g[NV];  // dZ1[i,:] in registers for the stretch
      for (int q = 0; q < NV; ++q) g[q] = load(dz + static_cast<std::size_t>(i) * N + q * kLanes);
      const Vec4 g_last = Narrow ? load4(dz + static_cast<std::size_t>(i) * N + NV * kLanes) : Vec4{};
      for (; P.below(e, e_end, block_end); ++e) {
        const float s = P.scaled_value(e);  // −η·x_ik
        float* w = W + static_cast<std::size_t>(P.pixel(e)) * N;
        // The empty asm hides w's value from the compiler, so it keeps the row's address in one
        // register and writes [w + 32·q]. Without it, it folds W + 224·pixel into every load and
        // store ([W + index]), and on Intel cores a store with an index cannot use the store-address
        // units: 7 such stores per pixel share the load units with the loads (AVX2: 2–3 % slower
        // per epoch, measured; no difference with AVX-512's 4 stores).
        asm("" : "+r"(w));
        for (int q = 0; q < NV; ++q) store(w + q * kLanes, load(w + q * kLanes) + s * g[q]);
        if constexpr (Narrow) store4(w + NV * kLanes, fma4(load4(w + NV * kLanes), s, g_last));
      }
      cursor[i] = e;
    }
  }
}

/// out_i = f(b + Σ_k x_ik · W[k,:]) for the rows idx[0..count), block of pixels by block: image i's
/// partial sum waits in out_i between blocks (stored and loaded back exactly: same bits as step 2).
/// cursor[i] is where image i is in its row of P (the first pixel not yet added).
template <int NB, bool Narrow, class Pixels>
void forward_in_blocks(const FastCpuLayer& L, const Pixels& P, const int* idx, int count, bool relu, float* out,
                       int block_pixels, int* cursor, int* end, const NextRows& next) {
  constexpr int N = NB * kLanes;
  constexpr int NV = Narrow ? NB - 1 : NB;  // whole vectors per row
  const float* W = L.W.data();
  for (int i = 0; i < count; ++i) {
    next.prefetch(P.images, i);
    cursor[i] = P.begin(idx[i]);
    end[i] = P.end(idx[i]);
    for (int q = 0; q < NB; ++q) store(out + static_cast<std::size_t>(i) * N + q * kLanes, load(L.b.data() + q * kLanes));
  }
  for (int block_end = block_pixels; block_end < L.n_in + block_pixels; block_end += block_pixels) {
    for (int i = 0; i < count; ++i) {
      if (i + 2 < count) P.prefetch_entry(cursor[i + 2]);  // as in update_in_blocks
      int e = cursor[i];
      const int e_end = end[i];
      if (!P.below(e, e_end, block_end)) continue;
      float* o = out + static_cast<std::size_t>(i) * N;
      Vec acc[NV];
      for (int q = 0; q < NV; ++q) acc[q] = load(o + q * kLanes);
      Vec4 acc_last = Narrow ? load4(o + NV * kLanes) : Vec4{};  // (past the row unless Narrow)
      for (; P.below(e, e_end, block_end); ++e) {
        const float x = P.value(e);
        const float* w = W + static_cast<std::size_t>(P.pixel(e)) * N;
        // As in update_in_blocks: [w + 32·q] instead of [W + index]; an FMA that reads [W + index]
        // is split in two by Intel cores (AVX2: ≈ 2 % per epoch, measured).
        asm("" : "+r"(w));
        for (int q = 0; q < NV; ++q) acc[q] += x * load(w + q * kLanes);
        if constexpr (Narrow) acc_last = fma4(acc_last, x, load4(w + NV * kLanes));
      }
      for (int q = 0; q < NV; ++q) store(o + q * kLanes, acc[q]);
      if constexpr (Narrow) store4(o + NV * kLanes, acc_last);
      cursor[i] = e;
    }
  }
  if (relu)
    for (int i = 0; i < count; ++i)
      for (int q = 0; q < NB; ++q) {
        float* o = out + static_cast<std::size_t>(i) * N + q * kLanes;
        store(o, simd::relu(load(o)));
      }
}

namespace {

template <class Pixels>
void forward_blocks(const FastCpuLayer& L, const Pixels& P, const int* idx, int count, bool relu, float* out,
                    std::vector<int>& scratch, const NextRows& next) {
  scratch.resize(2 * static_cast<std::size_t>(count));  // the cursors and ends of the count images
  with_blocks(L.ld, [&](auto nb) {
    constexpr int NB = decltype(nb)::value;
    if constexpr (NB > 0)
      with_row_end<NB>(L, [&](auto narrow) {
        forward_in_blocks<NB, decltype(narrow)::value>(L, P, idx, count, relu, out, pixels_per_block(L),
                                                       scratch.data(), scratch.data() + count, next);
      });
  });
}

template <class Pixels>
void update_blocks(FastCpuLayer& L, const Pixels& P, const int* idx, int count, const float* dz, float neg_lr,
                   std::vector<int>& scratch) {
  scratch.resize(2 * static_cast<std::size_t>(count));
  with_blocks(L.ld, [&](auto nb) {
    constexpr int NB = decltype(nb)::value;
    if constexpr (NB > 0)
      with_row_end<NB>(L, [&](auto narrow) {
        update_in_blocks<NB, decltype(narrow)::value>(L, P, idx, count, dz, neg_lr, pixels_per_block(L),
                                                      scratch.data(), scratch.data() + count);
      });
  });
}

}  // namespace

void forward_sparse_blocks(const FastCpuLayer& L, const CsrMatrix& X, const int* idx, int count, bool relu,
                           float* out, std::vector<int>& scratch, const NextRows& next) {
  if (!fits_registers(L.ld)) {  // an output row does not fit the registers: step 2's loop
    forward_sparse_rows(L, X, idx, count, relu, out, next);
    return;
  }
  forward_blocks(L, CsrPixels(X), idx, count, relu, out, scratch, next);
}

void update_sparse_blocks(FastCpuLayer& L, const CsrMatrix& X, const int* idx, int count, const float* dz,
                          float neg_lr, std::vector<int>& scratch) {
  if (!fits_registers(L.ld)) {  // dZ1's row does not fit the registers: step 3's loop
    update_sparse_rows(L, X, idx, count, dz, neg_lr);
    return;
  }
  update_blocks(L, CsrPixels(X), idx, count, dz, neg_lr, scratch);
}

// Step 6: the same loops on the images in 3 bytes per non-zero (6_pixel_bytes.cpp).
void forward_sparse_blocks(const FastCpuLayer& L, const ByteCsr& X, const int* idx, int count, bool relu,
                           float* out, std::vector<int>& scratch, const NextRows& next) {
  forward_blocks(L, BytePixels(X), idx, count, relu, out, scratch, next);
}

void update_sparse_blocks(FastCpuLayer& L, const ByteCsr& X, const int* idx, int count, const float* dz,
                          float neg_lr, std::vector<int>& scratch) {
  update_blocks(L, BytePixels(X), idx, count, dz, neg_lr, scratch);
}

}  // namespace dnn::fast_cpu
