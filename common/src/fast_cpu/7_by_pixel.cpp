// Step 7 of chapter 07's CPU ladder (tried, and slower): layer 1 visited pixel by pixel.
//
// Relative to step 5: in steps 2–5 layer 1 walks image by image, so a row W1[k,:] is read (forward)
// and read + written (update) once per image that has pixel k non-zero — up to 32 times per step
// at batch 32. Here each step first sorts the minibatch's non-zeros by pixel (MinibatchPixels, a
// counting sort: count, prefix sums, scatter), then visits each touched pixel k once: its W1 row is
// loaded into registers and added into the output rows of the images that have x_ik ≠ 0
// (forward), and g = Σ_i x_ik·dZ1[i,:] is summed in registers before ONE W1[k,:] −= η·g (update).
// The expected win: W1 traffic drops from once per non-zero to once per touched pixel.
// Measured: sorting the minibatch's non-zeros by pixel each step costs more than the W1 traffic it
// saves, so the fastcpu backend stays at step 5; the ladder keeps this step to show it. (Sorting
// only within step 5's blocks of pixels, where the sort's counters and the block's rows are in L1,
// was tried too, 2026-12-04: 4.6 ns per non-zero for the update against step 5's 2.8.)
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <vector>

#include "shared.hpp"

namespace dnn {

void MinibatchPixels::build(const CsrMatrix& X, const int* idx, int count, int n_in) {
  if (static_cast<int>(col_start.size()) != n_in + 1) {
    col_start.assign(static_cast<std::size_t>(n_in) + 1, 0);
    col_cursor.assign(static_cast<std::size_t>(n_in), 0);
    touched.reserve(static_cast<std::size_t>(n_in));
  }
  // 1) count the non-zeros of each pixel in the minibatch (col_cursor holds the counts here)
  std::fill(col_cursor.begin(), col_cursor.end(), 0);
  std::size_t total = 0;
  for (int i = 0; i < count; ++i) {
    if (i + 1 < count) fast_cpu::prefetch_csr_row(X, idx[i + 1]);
    const int r = idx[i];
    for (int e = X.row_ptr[static_cast<std::size_t>(r)]; e < X.row_ptr[static_cast<std::size_t>(r) + 1]; ++e)
      ++col_cursor[static_cast<std::size_t>(X.col_idx[static_cast<std::size_t>(e)])];
    total += static_cast<std::size_t>(X.row_ptr[static_cast<std::size_t>(r) + 1] - X.row_ptr[static_cast<std::size_t>(r)]);
  }
  // 2) prefix sums → where each pixel's entries start; the list of touched pixels
  touched.clear();
  int pos = 0;
  for (int k = 0; k < n_in; ++k) {
    const int c = col_cursor[static_cast<std::size_t>(k)];
    col_start[static_cast<std::size_t>(k)] = pos;
    col_cursor[static_cast<std::size_t>(k)] = pos;  // from now on: the next free slot of pixel k
    if (c > 0) touched.push_back(k);
    pos += c;
  }
  col_start[static_cast<std::size_t>(n_in)] = pos;
  if (row.size() < total) {  // grows a few times at most, then never again
    row.resize(total);
    value.resize(total);
  }
  // 3) scatter (i, x_ik) into the slots of pixel k; rows arrive in increasing i
  for (int i = 0; i < count; ++i) {
    const int r = idx[i];
    for (int e = X.row_ptr[static_cast<std::size_t>(r)]; e < X.row_ptr[static_cast<std::size_t>(r) + 1]; ++e) {
      const int p = col_cursor[static_cast<std::size_t>(X.col_idx[static_cast<std::size_t>(e)])]++;
      row[static_cast<std::size_t>(p)] = i;
      value[static_cast<std::size_t>(p)] = X.values[static_cast<std::size_t>(e)];
    }
  }
}

namespace fast_cpu {

/// Layer 1 forward, pixel by pixel: out[i,:] = b + Σ_k x_ik · W[k,:], visiting each touched pixel k
/// once and adding its W row (held in registers) into the rows i that have x_ik ≠ 0. The output
/// rows (32 × 64 floats = 8 KB at batch 32) stay in the L1 cache; W's rows are read once per step.
template <int NB>
void layer_forward_by_pixel(const std::vector<int>& touched, const int* col_start, const int* csc_row,
                            const float* csc_val, const float* W, const float* b, int count, bool relu, int n,
                            float* out) {
  const int N = NB > 0 ? NB * kLanes : n;
  for (int i = 0; i < count; ++i) std::memcpy(out + static_cast<std::size_t>(i) * N, b, sizeof(float) * N);
  for (int k : touched) {
    const float* w = W + static_cast<std::size_t>(k) * N;
    if constexpr (NB > 0) {
      Vec wk[NB];
      for (int q = 0; q < NB; ++q) wk[q] = load(w + q * kLanes);
      for (int p = col_start[k]; p < col_start[k + 1]; ++p) {
        float* o = out + static_cast<std::size_t>(csc_row[p]) * N;
        const float x = csc_val[p];
        for (int q = 0; q < NB; ++q) store(o + q * kLanes, load(o + q * kLanes) + x * wk[q]);
      }
    } else {
      for (int p = col_start[k]; p < col_start[k + 1]; ++p) {
        float* o = out + static_cast<std::size_t>(csc_row[p]) * N;
        const float x = csc_val[p];
        for (int u = 0; u < N; ++u) o[u] += x * w[u];
      }
    }
  }
  if (relu) {
    const std::size_t total = static_cast<std::size_t>(count) * N;
    for (std::size_t u = 0; u < total; ++u) out[u] = out[u] < 0.0f ? 0.0f : out[u];  // NaN stays NaN
  }
}

/// Layer 1 update, pixel by pixel: for each touched pixel k, g = Σ_i x_ik · dZ[i,:] in registers,
/// then one W[k,:] −= η·g. Exactly the textbook's dW = Xᵀ·dZ followed by W −= η·dW, restricted
/// to the rows of W whose pixel is non-zero somewhere in the minibatch (the others have dW = 0).
template <int NB>
void layer_update_by_pixel(const std::vector<int>& touched, const int* col_start, const int* csc_row,
                           const float* csc_val, const float* dz, float neg_lr, int n, float* W) {
  const int N = NB > 0 ? NB * kLanes : n;
  for (int k : touched) {
    float* w = W + static_cast<std::size_t>(k) * N;
    if constexpr (NB > 0) {
      Vec g[NB] = {};
      for (int p = col_start[k]; p < col_start[k + 1]; ++p) {
        const float* d = dz + static_cast<std::size_t>(csc_row[p]) * N;
        const float x = csc_val[p];
        for (int q = 0; q < NB; ++q) g[q] += x * load(d + q * kLanes);
      }
      for (int q = 0; q < NB; ++q) store(w + q * kLanes, load(w + q * kLanes) + neg_lr * g[q]);
    } else {
      for (int u = 0; u < N; ++u) {
        float g = 0.0f;
        for (int p = col_start[k]; p < col_start[k + 1]; ++p)
          g += csc_val[p] * dz[static_cast<std::size_t>(csc_row[p]) * N + u];
        w[u] += neg_lr * g;
      }
    }
  }
}

void forward_by_pixel(const FastCpuLayer& L, const MinibatchPixels& P, int count, bool relu, float* out) {
  with_blocks(L.ld, [&](auto nb) {
    layer_forward_by_pixel<decltype(nb)::value>(P.touched, P.col_start.data(), P.row.data(), P.value.data(),
                                                L.W.data(), L.b.data(), count, relu, L.ld, out);
  });
}

void update_by_pixel(FastCpuLayer& L, const MinibatchPixels& P, const float* dz, float neg_lr) {
  with_blocks(L.ld, [&](auto nb) {
    layer_update_by_pixel<decltype(nb)::value>(P.touched, P.col_start.data(), P.row.data(), P.value.data(), dz,
                                               neg_lr, L.ld, L.W.data());
  });
}

}  // namespace fast_cpu
}  // namespace dnn
