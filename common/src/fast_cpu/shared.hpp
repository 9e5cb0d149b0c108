// Chapter 07, the fast CPU trainer: what its steps share (internal to common/src/fast_cpu/).
//
// The ladder of chapter 07, one file per step, each adding one idea to the step before:
//   1_fused_one_pass.cpp   Eigen GEMMs, bias + ReLU and softmax + cross-entropy fused into one pass
//   2_sparse_layer1.cpp    layer 1 reads only the non-zero pixels (CSR)
//   3_fused_update.cpp     SGD applied while the gradient is computed: no dW buffers
//   4_hand_kernels.cpp     register-resident loops for the small layers
//   5_pixel_blocks.cpp     layer 1 in blocks of pixels whose W1 rows stay in the L1 cache
//   6_pixel_bytes.cpp      the images in 3 bytes per non-zero pixel instead of 8 (the fastcpu backend)
//   7_by_pixel.cpp         (tried, slower) layer 1 visited pixel by pixel over the minibatch
//   8_image_pairs.cpp      (tried, slower) layer 1's forward two images at a time, over the union of their pixels
// trainer.cpp holds the plumbing (buffers, one SGD step, evaluation) and picks, per layer, the
// function of the highest step that FastCpuFeatures switches on.
//
// The rows of W are handled as vectors of kLanes floats (simd.hpp: 16 on AVX-512, 8 on AVX2, 4 on
// NEON) with GCC/Clang's vector extension: `Vec` is one vector register, and `a + x * b` on it is
// one fused multiply-add. Written this way the compiler keeps a whole 50-float row (4 AVX-512 or
// 7 AVX2 registers; in step 5's layer-1 loops 3 AVX-512 registers and a 4-float Vec4) in registers
// across the loop over non-zeros; plain scalar loops were
// "vectorised" across the non-zeros instead (gathers), which was 5x slower. The vector must be
// exactly one register wide: a 16-float type on an AVX2 CPU (this code before 2026-12) compiles to
// code that moves every value through the stack, 6x slower than Eigen.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "dnn/fast_cpu.hpp"
#include "dnn/simd.hpp"

namespace dnn::fast_cpu {

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Map = Eigen::Map<RowMajor>;
using ConstMap = Eigen::Map<const RowMajor>;

using simd::kLanes;
using simd::fma4;
using simd::load;
using simd::load4;
using simd::store;
using simd::store4;
using simd::Vec;
using simd::Vec4;

/// Rows up to kMaxBlocks vectors wide get fixed-size loops whose accumulators all stay in registers
/// (half the register file: the other half holds the loaded weights and the broadcast input).
/// 8 vectors on AVX2 (64 floats), 16 on AVX-512 and NEON (256 and 64 floats).
constexpr int kMaxBlocks = simd::kRegisters / 2;

/// Calls f(std::integral_constant<int, NB>) for NB = the number of vectors (kLanes floats each) of a
/// padded width, so the kernels below get their width as a compile-time constant (the compiler then
/// keeps a whole row in registers). Wider layers use NB = 0: a runtime-width loop.
/// Whether a padded width fits the register-resident loops (with_blocks gives NB > 0). Wider dense
/// layers (e.g. --hidden 1024,1024) are multiplied by Eigen's GEMM instead: the hand kernels' runtime-
/// width fallback walks dZ by columns and was 15× slower than Eigen there. The sparse layer 1 keeps its
/// own loops at any width (an AXPY of a W row per non-zero pixel, contiguous whatever the width).
inline bool fits_registers(int width) { return width / kLanes <= kMaxBlocks; }

template <int NB = 1, class F>
void with_blocks(int width, F&& f) {
  if constexpr (NB > kMaxBlocks)
    f(std::integral_constant<int, 0>{});
  else if (width / kLanes == NB)
    f(std::integral_constant<int, NB>{});
  else
    with_blocks<NB + 1>(width, f);
}

/// Where a prefetched line should land: the L1 cache (needed in a few hundred cycles) or only the
/// L2 cache (needed in a whole step, ≈ 30 µs: it would be evicted from the small L1 by then).
enum class CacheLevel { L1, L2 };

/// Asks the memory system for one cache line before it is needed.
template <CacheLevel level>
inline void prefetch_line(const char* p) {
#if defined(__x86_64__) || defined(__i386__)
  // GCC 12 silently deleted __builtin_prefetch in this loop (no visible side effect); the
  // instruction written out cannot be removed.
  if constexpr (level == CacheLevel::L1)
    asm volatile("prefetcht0 %0" : : "m"(*p));
  else
    asm volatile("prefetcht2 %0" : : "m"(*p));
#else
  __builtin_prefetch(p, 0, level == CacheLevel::L1 ? 3 : 2);
#endif
}

/// Asks for the non-zeros of CSR row r (its column indices and values) before they are needed.
/// The images of a shuffled minibatch are scattered over 72 MB of CSR data: without this, every
/// image starts with a cache miss to main memory and layer 1's forward pass runs at half speed
/// (measured).
template <CacheLevel level = CacheLevel::L1>
inline void prefetch_csr_row(const CsrMatrix& S, int r) {
  const int beg = S.row_ptr[static_cast<std::size_t>(r)];
  const int end = S.row_ptr[static_cast<std::size_t>(r) + 1];
  const char* c = reinterpret_cast<const char*>(S.col_idx.data() + beg);
  const char* v = reinterpret_cast<const char*>(S.values.data() + beg);
  const int bytes = (end - beg) * static_cast<int>(sizeof(float));  // int and float: 4 bytes each
  for (int o = 0; o < bytes; o += 64) {  // one cache line = 64 bytes
    prefetch_line<level>(c + o);
    prefetch_line<level>(v + o);
  }
}

/// Asks for the entries of ByteCsr row r (step 6: 2 bytes of pixel index and 1 byte of value code each).
template <CacheLevel level = CacheLevel::L1>
inline void prefetch_csr_row(const ByteCsr& S, int r) {
  const int beg = S.row_ptr[static_cast<std::size_t>(r)];
  const int end = S.row_ptr[static_cast<std::size_t>(r) + 1];
  const char* p = reinterpret_cast<const char*>(S.pixel.data() + beg);
  const char* c = reinterpret_cast<const char*>(S.code.data() + beg);
  for (int o = 0; o < 2 * (end - beg); o += 64) prefetch_line<level>(p + o);
  for (int o = 0; o < end - beg; o += 64) prefetch_line<level>(c + o);
}

/// The rows the trainer will ask for in its next step (the next minibatch of the epoch), so that
/// this step's forward pass can ask for their non-zeros a whole step ahead. On a machine whose
/// large shared L3 cache other programs also use, the CSR rows often come from main memory; the
/// next image's prefetch alone does not hide that (measured on a shared Xeon, 2026-12-04: layer 1's
/// forward 22–54 ms per epoch from run to run without it, 19–20 ms with it).
struct NextRows {
  const int* idx = nullptr;
  int count = 0;
  /// While image i of this minibatch is processed: fetch image i of the next one into L2.
  template <class Images>  // CsrMatrix or ByteCsr
  void prefetch(const Images& S, int i) const {
    if (i < count) prefetch_csr_row<CacheLevel::L2>(S, idx[i]);
  }
};

/// How step 5's loops read the non-zero pixels of the training images: from step 2's CsrMatrix
/// (CsrPixels: 4-byte indices and values) or from step 6's ByteCsr (BytePixels: 3 bytes per pixel, a
/// sentinel ends each row). Both give the same pixels and the same values, so the loops compute
/// the same bits from either. Entry e of image row r: r's entries are begin(r) … end(r) − 1.
struct CsrPixels {
  explicit CsrPixels(const CsrMatrix& S) : images(S), col(S.col_idx.data()), val(S.values.data()) {}
  const CsrMatrix& images;
  const int* col;
  const float* val;
  float neg_lr = 0.0f;
  int begin(int r) const { return images.row_ptr[static_cast<std::size_t>(r)]; }
  int end(int r) const { return images.row_ptr[static_cast<std::size_t>(r) + 1]; }
  /// Whether entry e (of a row whose entries end at `end`) is a pixel below `limit`.
  bool below(int e, int end, int limit) const { return e < end && col[e] < limit; }
  int pixel(int e) const { return col[e]; }
  float value(int e) const { return val[e]; }
  /// −η · value(e), η set by scale_by(−η) (once per update).
  void scale_by(float s) { neg_lr = s; }
  float scaled_value(int e) const { return neg_lr * val[e]; }
  /// Asks for entry e and the entries after it on the same cache line, into the L1 cache.
  void prefetch_entry(int e) const {
    prefetch_line<CacheLevel::L1>(reinterpret_cast<const char*>(col + e));
    prefetch_line<CacheLevel::L1>(reinterpret_cast<const char*>(val + e));
  }
};

struct BytePixels {
  explicit BytePixels(const ByteCsr& S) : images(S), pix(S.pixel.data()), code(S.code.data()), val(S.value.data()) {}
  const ByteCsr& images;
  const std::uint16_t* pix;
  const std::uint8_t* code;
  const float* val;
  float scaled[256] = {};  // −η · val[c] for each code c (scale_by)
  int begin(int r) const { return images.row_ptr[static_cast<std::size_t>(r)]; }
  int end(int r) const { return images.row_ptr[static_cast<std::size_t>(r) + 1] - 1; }  // the kEndOfRow entry
  /// kEndOfRow is above every limit, so the row's end needs no test of its own.
  bool below(int e, int /*end*/, int limit) const { return pix[e] < limit; }
  int pixel(int e) const { return pix[e]; }
  float value(int e) const { return val[code[e]]; }
  /// The same products as CsrPixels::scaled_value (−η · x in float), made once per code instead
  /// of once per non-zero.
  void scale_by(float s) {
    for (std::size_t c = 0; c < images.value.size(); ++c) scaled[c] = s * val[c];
  }
  float scaled_value(int e) const { return scaled[code[e]]; }
  void prefetch_entry(int e) const {
    prefetch_line<CacheLevel::L1>(reinterpret_cast<const char*>(pix + e));
    prefetch_line<CacheLevel::L1>(reinterpret_cast<const char*>(code + e));
  }
};

/// Fused gradient + SGD update of the rows of W touched by one input row:
/// W[idx[e], :] += (−η·val[e]) · dz  for every non-zero e. Summed over the rows i of the
/// minibatch this is W −= η·Xᵀ·dZ, i.e. W −= η·∂E/∂W, without ever storing ∂E/∂W.
template <int NB>
void row_update(const int* idx, const float* val, int nnz, float neg_lr, const float* dz, int n, float* W) {
  if constexpr (NB > 0) {
    constexpr int N = NB * kLanes;
    Vec g[NB];
    for (int q = 0; q < NB; ++q) g[q] = load(dz + q * kLanes);
    for (int e = 0; e < nnz; ++e) {
      const float s = neg_lr * val[e];
      float* w = W + static_cast<std::size_t>(idx[e]) * N;
      for (int q = 0; q < NB; ++q) store(w + q * kLanes, load(w + q * kLanes) + s * g[q]);
    }
  } else {
    for (int e = 0; e < nnz; ++e) {
      const float s = neg_lr * val[e];
      float* w = W + static_cast<std::size_t>(idx[e]) * n;
      for (int u = 0; u < n; ++u) w[u] += s * dz[u];
    }
  }
}

/// Softmax + cross-entropy + its gradient for one row of logits z[0..n):
/// returns −log p_y, writes dz = (p − onehot(y)) · inv_b (zero beyond n, up to ld) and the argmax.
inline float softmax_ce_row(const float* z, int n, int ld, int y, float inv_b, float* dz, int* argmax) {
  int best = 0;
  for (int j = 1; j < n; ++j)
    if (z[j] > z[best]) best = j;
  const float m = z[best];
  // e^(z − m) for the whole padded row by Eigen's vectorised exp, 8 (or 4) floats at a time; the
  // padding's values are overwritten below. Eigen computes the 4- and 8-float exp with the same
  // polynomial on every CPU (SSE/AVX, NEON), so the AVX2 and AVX-512 builds keep the same bits; its
  // 16-float AVX-512 exp is a different one.
  using Eight = Eigen::Array<float, 8, 1>;
  using Four = Eigen::Array<float, 4, 1>;
  int j = 0;
  for (; j + 8 <= ld; j += 8) Eigen::Map<Eight>(dz + j) = (Eigen::Map<const Eight>(z + j) - m).exp();
  for (; j < ld; j += 4) Eigen::Map<Four>(dz + j) = (Eigen::Map<const Four>(z + j) - m).exp();
  float sum = 0.0f;
  for (int j = 0; j < n; ++j) sum += dz[j];
  const float inv_sum = 1.0f / sum;
  for (int j = 0; j < n; ++j) dz[j] = dz[j] * inv_sum * inv_b;
  dz[y] -= inv_b;
  for (int j = n; j < ld; ++j) dz[j] = 0.0f;
  *argmax = best;
  return std::log(sum) - (z[y] - m);  // −log softmax(z)_y, computed stably (log-sum-exp)
}

// ---------------------------------------------------------------- the steps (one file each)
// Every function works on rows [0, count) of the current minibatch; `in`/`a_in` is a layer's input
// (count × L.rows), `dz` its output gradient ∂E/∂Z (count × L.ld), `out` its output (count × L.ld).

// Step 1 (1_fused_one_pass.cpp): Eigen GEMMs, the textbook order dW, db, then W −= η·dW.
void forward_gemm(const FastCpuLayer& L, const float* in, int count, bool relu, float* out);
void backprop_gemm(const FastCpuLayer& L, const float* dz, const float* a_in, int count, float* dz_in);
void bias_gradient(FastCpuLayer& L, const float* dz, int count);
void weight_gradient_gemm(FastCpuLayer& L, const float* a_in, const float* dz, int count);
void sgd_step(FastCpuLayer& L, float neg_lr);

// Step 2 (2_sparse_layer1.cpp): layer 1 from the CSR rows idx[0..count) of the training images.
void forward_sparse_rows(const FastCpuLayer& L, const CsrMatrix& X, const int* idx, int count, bool relu,
                         float* out, const NextRows& next = {});
void weight_gradient_sparse_rows(FastCpuLayer& L, const CsrMatrix& X, const int* idx, int count, const float* dz);

// Step 3 (3_fused_update.cpp): the SGD step taken inside the backward pass.
void bias_update_fused(FastCpuLayer& L, const float* dz, int count, float neg_lr);
void update_sparse_rows(FastCpuLayer& L, const CsrMatrix& X, const int* idx, int count, const float* dz,
                        float neg_lr);
void update_gemm(FastCpuLayer& L, const float* a_in, const float* dz, int count, float neg_lr);

// Step 4 (4_hand_kernels.cpp): register-resident loops; in_rows[i] is row i's input.
void forward_hand(const FastCpuLayer& L, const float* const* in_rows, int count, bool relu, bool skip_zero_inputs,
                  float* out);
void backprop_hand(FastCpuLayer& L, const float* dz, const float* a_in, int count, float* dz_in);
void update_hand(FastCpuLayer& L, const float* a_in, const float* dz, int count, float neg_lr);

// Step 5 (5_pixel_blocks.cpp): layer 1's update and forward pass in blocks of pixels whose W1 rows fit the L1 cache.
void update_sparse_blocks(FastCpuLayer& L, const CsrMatrix& X, const int* idx, int count, const float* dz,
                          float neg_lr, std::vector<int>& scratch);
void forward_sparse_blocks(const FastCpuLayer& L, const CsrMatrix& X, const int* idx, int count, bool relu,
                           float* out, std::vector<int>& scratch, const NextRows& next);
// Step 6 (ByteCsr::build in 6_pixel_bytes.cpp): step 5's loops on the images in 3 bytes per pixel.
// Layer 1 must fit the registers (fits_registers(L.ld)); the trainer checks it.
void update_sparse_blocks(FastCpuLayer& L, const ByteCsr& X, const int* idx, int count, const float* dz,
                          float neg_lr, std::vector<int>& scratch);
void forward_sparse_blocks(const FastCpuLayer& L, const ByteCsr& X, const int* idx, int count, bool relu,
                           float* out, std::vector<int>& scratch, const NextRows& next);

// Step 7 (7_by_pixel.cpp): layer 1 pixel by pixel (MinibatchPixels::build is there too).
void forward_by_pixel(const FastCpuLayer& L, const MinibatchPixels& P, int count, bool relu, float* out);
void update_by_pixel(FastCpuLayer& L, const MinibatchPixels& P, const float* dz, float neg_lr);

// Step 8 (8_image_pairs.cpp): layer 1's forward pass for the pairs (idx[0], idx[1]), (idx[2], idx[3]), …
void forward_sparse_pairs(const FastCpuLayer& L, const CsrMatrix& X, const PixelBitmaps& B, const int* idx,
                          int count, bool relu, float* out);


}  // namespace dnn::fast_cpu
