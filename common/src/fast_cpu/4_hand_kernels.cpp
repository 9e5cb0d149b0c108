// Step 4 of chapter 07's CPU ladder: hand kernels for the small layers — the fastcpu backend.
//
// Relative to step 3: the small dense layers (50×50, 50×10, padded to whole vectors) no longer go
// through Eigen's general GEMM. Each is a fixed-width loop whose width is a compile-time constant
// (with_blocks), so the compiler keeps a whole row of 50 outputs in registers across the loop over
// the inputs: forward z = b + Σ_k a_k · W[k,:], the fused update W[k,:] −= η · Σ_i A[i,k]·dZ[i,:]
// (one read and one write of row k), and the backward pass dz_in = dz·Wᵀ ⊙ ReLU′ read from a
// transposed copy Wᵀ so it is the same AXPY loop (no horizontal sums). Each loop works on as many
// rows at once as it takes to keep the FMA units busy (rows_per_pass: 2 rows of the 50-wide layer
// with AVX-512's 4 vectors per row, 8 rows of the 10-wide output layer; 1 with AVX2's 7 vectors):
// one row alone is a chain of FMAs each waiting for the one before. Evaluation also reads layer 1
// from the dense test images with these loops, skipping the zero pixels.
// Why it is faster: at these sizes a GEMM call's packing and dispatch cost as much as its FMAs;
// the loops here do only the FMAs. (Skipping the ReLU zeros with a branch was tried: the branch
// mispredicts and costs more.) Layers wider than the registers (fits_registers) stay on Eigen.
#include <algorithm>
#include <cstddef>
#include <cstring>

#include "shared.hpp"

namespace dnn::fast_cpu {

/// out = f(b + Σ_k a[k] · W[k, :]) for a dense input row a[0..n_in) (f = ReLU when `relu`). With `kSkipZeros` the zero inputs are skipped: worth it
/// for pixels (80% zeros, in long runs the branch predictor learns), not for hidden activations
/// (ReLU zeros are scattered at random: a mispredicted branch costs more than 4 FMAs).
template <int NB, bool kSkipZeros>
void row_forward_dense(const float* a, int n_in, const float* W, const float* b, bool relu, int n, float* out) {
  if constexpr (NB > 0) {
    constexpr int N = NB * kLanes;
    Vec acc[NB];
    for (int q = 0; q < NB; ++q) acc[q] = load(b + q * kLanes);
    for (int k = 0; k < n_in; ++k) {
      const float x = a[k];
      if (kSkipZeros && x == 0.0f) continue;
      const float* w = W + static_cast<std::size_t>(k) * N;
      for (int q = 0; q < NB; ++q) acc[q] += x * load(w + q * kLanes);
    }
    for (int q = 0; q < NB; ++q) store(out + q * kLanes, relu ? simd::relu(acc[q]) : acc[q]);
  } else {
    for (int u = 0; u < n; ++u) out[u] = b[u];
    for (int k = 0; k < n_in; ++k) {
      const float x = a[k];
      if (kSkipZeros && x == 0.0f) continue;
      const float* w = W + static_cast<std::size_t>(k) * n;
      for (int u = 0; u < n; ++u) out[u] += x * w[u];
    }
    if (relu)
      for (int u = 0; u < n; ++u) out[u] = out[u] < 0.0f ? 0.0f : out[u];  // NaN stays NaN
  }
}

/// How many rows one pass of the small-layer loops below works on: enough rows that R·NB
/// independent accumulators keep the FMA units busy (simd::kFmaInFlight: 4 cycles of latency × 2
/// units), within the registers (R·NB accumulators + NB loaded weights + 1 broadcast). One row of
/// a 50-wide layer is 4 AVX-512 vectors: 4 chains, each FMA waiting for the one before, so the
/// FMA units idled half the time; two rows per pass fill them. The 10-wide output layer (1 vector)
/// gets 8 rows. AVX2's 7 vectors per row are nearly enough alone (R = 1).
template <int NB>
constexpr int rows_per_pass() {
  int r = NB >= simd::kFmaInFlight ? 1 : (simd::kFmaInFlight + NB - 1) / NB;
  while (r > 1 && r * NB + NB + 1 > simd::kRegisters) --r;
  return r;
}

/// The register tile of the loops below: acc[r][:] += x[r] · row[:] for r < R, the row (NB vectors)
/// loaded once for all R. R·NB FMAs, no two of them waiting for each other.
template <int NB, int R>
inline void tile_axpy(Vec (&acc)[R][NB], const float (&x)[R], const float* row) {
  Vec v[NB];
  for (int q = 0; q < NB; ++q) v[q] = load(row + q * kLanes);
  for (int r = 0; r < R; ++r)
    for (int q = 0; q < NB; ++q) acc[r][q] += x[r] * v[q];
}

/// R rows at once: out_r = f(b + Σ_k a_r[k] · W[k, :]) for r < R, each W row loaded once for the R
/// rows. Every row's sum has the same terms in the same order as row_forward_dense (same bits).
template <int NB, int R>
void rows_forward_dense(const float* const* a, int n_in, const float* W, const float* b, bool relu,
                        float* const* out) {
  constexpr int N = NB * kLanes;
  Vec acc[R][NB];
  for (int r = 0; r < R; ++r)
    for (int q = 0; q < NB; ++q) acc[r][q] = load(b + q * kLanes);
  for (int k = 0; k < n_in; ++k) {
    float x[R];
    for (int r = 0; r < R; ++r) x[r] = a[r][k];
    tile_axpy<NB, R>(acc, x, W + static_cast<std::size_t>(k) * N);
  }
  for (int r = 0; r < R; ++r)
    for (int q = 0; q < NB; ++q) store(out[r] + q * kLanes, relu ? simd::relu(acc[r][q]) : acc[r][q]);
}

/// Fused gradient + update of a small dense layer: for each input k,
/// g = Σ_i A[i,k] · dZ[i,:] in registers, then W[k,:] −= η·g (one read and one write of row k).
/// A is count × lda, dZ is count × n.
template <int NB>
void layer_update_dense(const float* A, int lda, int n_in, int count, const float* dz, float neg_lr, int n, float* W) {
  const int N = NB > 0 ? NB * kLanes : n;
  int k = 0;
  if constexpr (NB > 0) {
    // R inputs k at a time (rows_per_pass): each row of dZ is loaded once for R rows of W.
    constexpr int R = rows_per_pass<NB>();
    for (; k + R <= n_in; k += R) {
      Vec g[R][NB] = {};
      for (int i = 0; i < count; ++i) {
        float x[R];
        for (int r = 0; r < R; ++r) x[r] = A[static_cast<std::size_t>(i) * lda + k + r];
        tile_axpy<NB, R>(g, x, dz + static_cast<std::size_t>(i) * N);
      }
      for (int r = 0; r < R; ++r) {
        float* w = W + static_cast<std::size_t>(k + r) * N;
        for (int q = 0; q < NB; ++q) store(w + q * kLanes, load(w + q * kLanes) + neg_lr * g[r][q]);
      }
    }
  }
  for (; k < n_in; ++k) {
    float* w = W + static_cast<std::size_t>(k) * N;
    if constexpr (NB > 0) {
      Vec g[NB] = {};
      for (int i = 0; i < count; ++i) {
        const float x = A[static_cast<std::size_t>(i) * lda + k];
        const float* d = dz + static_cast<std::size_t>(i) * N;
        for (int q = 0; q < NB; ++q) g[q] += x * load(d + q * kLanes);
      }
      for (int q = 0; q < NB; ++q) store(w + q * kLanes, load(w + q * kLanes) + neg_lr * g[q]);
    } else {
      for (int u = 0; u < N; ++u) {
        float g = 0.0f;
        for (int i = 0; i < count; ++i)
          g += A[static_cast<std::size_t>(i) * lda + k] * dz[static_cast<std::size_t>(i) * N + u];
        w[u] += neg_lr * g;
      }
    }
  }
}

/// Backpropagation through a dense layer and the ReLU below it, for one row:
/// dz_in = (dz · Wᵀ) ⊙ [a_in > 0], written as Σ_j dz[j] · Wt[j, :] with Wt = Wᵀ (n_out × N, a copy
/// made once per step), so it is the same register-resident AXPY loop as the forward pass — no
/// horizontal sums. The padding of a_in is 0, so the padding of dz_in becomes 0 as well.
template <int NB>
void row_backprop_relu(const float* dz, int n_out, const float* Wt, const float* a_in, int n, float* dz_in) {
  if constexpr (NB > 0) {
    constexpr int N = NB * kLanes;
    Vec acc[NB] = {};
    for (int j = 0; j < n_out; ++j) {
      const float x = dz[j];
      const float* w = Wt + static_cast<std::size_t>(j) * N;
      for (int q = 0; q < NB; ++q) acc[q] += x * load(w + q * kLanes);
    }
    const Vec zero = {};
    for (int q = 0; q < NB; ++q)  // ⊙ ReLU′(z): z > 0 exactly where a = ReLU(z) > 0
      store(dz_in + q * kLanes, load(a_in + q * kLanes) > zero ? acc[q] : zero);
  } else {
    for (int k = 0; k < n; ++k) dz_in[k] = 0.0f;
    for (int j = 0; j < n_out; ++j) {
      const float x = dz[j];
      const float* w = Wt + static_cast<std::size_t>(j) * n;
      for (int k = 0; k < n; ++k) dz_in[k] += x * w[k];
    }
    for (int k = 0; k < n; ++k) dz_in[k] = a_in[k] > 0.0f ? dz_in[k] : 0.0f;
  }
}

/// row_backprop_relu for R rows at once (rows_per_pass), each row of Wᵀ loaded once for the R rows.
template <int NB, int R>
void rows_backprop_relu(const float* dz, int ld_dz, int n_out, const float* Wt, const float* a_in, float* dz_in) {
  constexpr int N = NB * kLanes;
  Vec acc[R][NB] = {};
  for (int j = 0; j < n_out; ++j) {
    float x[R];
    for (int r = 0; r < R; ++r) x[r] = dz[static_cast<std::size_t>(r) * ld_dz + j];
    tile_axpy<NB, R>(acc, x, Wt + static_cast<std::size_t>(j) * N);
  }
  const Vec zero = {};
  for (int r = 0; r < R; ++r)
    for (int q = 0; q < NB; ++q) {
      const std::size_t o = static_cast<std::size_t>(r) * N + q * kLanes;
      store(dz_in + o, load(a_in + o) > zero ? acc[r][q] : zero);
    }
}

/// A dense layer's forward pass for rows in_rows[0..count), bias + ReLU fused. `skip_zero_inputs`:
/// pixels (layer 1 from dense images) are 80% zeros in long runs, worth a branch.
void forward_hand(const FastCpuLayer& L, const float* const* in_rows, int count, bool relu, bool skip_zero_inputs,
                  float* out) {
  with_blocks(L.ld, [&](auto nb) {
    constexpr int NB = decltype(nb)::value;
    int i = 0;
    if constexpr (NB > 0) {
      constexpr int R = rows_per_pass<NB>();
      if (!skip_zero_inputs && R > 1)
        for (; i + R <= count; i += R) {
          float* o[R];
          for (int r = 0; r < R; ++r) o[r] = out + static_cast<std::size_t>(i + r) * L.ld;
          rows_forward_dense<NB, R>(in_rows + i, L.n_in, L.W.data(), L.b.data(), relu, o);
        }
    }
    for (; i < count; ++i) {
      const float* a = in_rows[i];
      if (skip_zero_inputs)  // pixels: skip the zeros
        row_forward_dense<NB, true>(a, L.n_in, L.W.data(), L.b.data(), relu, L.ld,
                                    out + static_cast<std::size_t>(i) * L.ld);
      else
        row_forward_dense<NB, false>(a, L.n_in, L.W.data(), L.b.data(), relu, L.ld,
                                     out + static_cast<std::size_t>(i) * L.ld);
    }
  });
}

/// dz_in = (dz · Wᵀ) ⊙ [a_in > 0] with the OLD W, read from its transposed copy.
void backprop_hand(FastCpuLayer& L, const float* dz, const float* a_in, int count, float* dz_in) {
  // Wᵀ of the OLD weights (ld × rows; its padding stays 0 from the allocation).
  for (int j = 0; j < L.n_out; ++j)
    for (int k = 0; k < L.n_in; ++k)
      L.Wt[static_cast<std::size_t>(j) * L.rows + k] = L.W[static_cast<std::size_t>(k) * L.ld + j];
  with_blocks(L.rows, [&](auto nb) {
    constexpr int NB = decltype(nb)::value;
    int i = 0;
    if constexpr (NB > 0) {
      constexpr int R = rows_per_pass<NB>();
      if (R > 1)
        for (; i + R <= count; i += R)
          rows_backprop_relu<NB, R>(dz + static_cast<std::size_t>(i) * L.ld, L.ld, L.n_out, L.Wt.data(),
                                    a_in + static_cast<std::size_t>(i) * L.rows,
                                    dz_in + static_cast<std::size_t>(i) * L.rows);
    }
    for (; i < count; ++i)
      row_backprop_relu<NB>(dz + static_cast<std::size_t>(i) * L.ld, L.n_out, L.Wt.data(),
                            a_in + static_cast<std::size_t>(i) * L.rows, L.rows,
                            dz_in + static_cast<std::size_t>(i) * L.rows);
  });
}

/// W −= η · Aᵀ·dZ, one input row k of W at a time, the sum over the minibatch in registers.
void update_hand(FastCpuLayer& L, const float* a_in, const float* dz, int count, float neg_lr) {
  with_blocks(L.ld, [&](auto nb) {
    layer_update_dense<decltype(nb)::value>(a_in, L.rows, L.n_in, count, dz, neg_lr, L.ld, L.W.data());
  });
}

}  // namespace dnn::fast_cpu
