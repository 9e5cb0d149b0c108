// Chapter 07: the fastest CPU trainer for the chapter-05 MLP (see fast_cpu.hpp for the ideas).
//
// Memory layout: every layer's weights are a row-major `rows × ld` block with rows = pad(n_in) and
// ld = pad(n_out) (pad = next multiple of simd::kLanes floats: 50 → 64 on AVX-512, 56 on AVX2, 52
// on NEON). The padding is zero and stays zero: padded outputs have zero weights and bias, so their activations and gradients are 0, so their
// updates are 0. This lets every inner loop run over whole vectors (simd.hpp).
//
// One SGD step (batch B, layers 0..L−1, A[0] = input, A[l+1] = f(A[l]·W_l + b_l)):
//   forward  : layer 0 from the CSR rows (or dense), layers 1.. from A[l] skipping zeros,
//              bias + ReLU fused into the same loop;
//   loss     : softmax + cross-entropy + dZ_{L−1} = (P − onehot)/B in one loop per row;
//   backward : for l = L−1 … 1:  dZ_{l−1} = (dZ_l · W_lᵀ) ⊙ [A[l] > 0]   (needs the OLD W_l)
//                                 W_l −= η · A[l]ᵀ · dZ_l,  b_l −= η · Σ_i dZ_l[i,:]
//              layer 0:           W_0[k,:] −= η · Σ_i x_ik · dZ_0[i,:] over the non-zero x_ik only.
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "dnn/error.hpp"
#include "dnn/fast_cpu.hpp"
#include "dnn/simd.hpp"
#include "dnn/timer.hpp"

namespace dnn {

namespace {

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Map = Eigen::Map<RowMajor>;
using ConstMap = Eigen::Map<const RowMajor>;

using simd::kLanes;
using simd::load;
using simd::store;
using simd::Vec;

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

// ---------------------------------------------------------------- the kernels (one row of a minibatch)
//
// The rows of W are handled as vectors of kLanes floats (simd.hpp: 16 on AVX-512, 8 on AVX2, 4 on
// NEON) with GCC/Clang's vector extension: `Vec` is one vector register, and `a + x * b` on it is
// one fused multiply-add. Written this way the compiler keeps a whole 50-float row (4 AVX-512 or
// 7 AVX2 registers) in registers across the loop over non-zeros; plain scalar loops were
// "vectorised" across the non-zeros instead (gathers), which was 5x slower. The vector must be
// exactly one register wide: a 16-float type on an AVX2 CPU (this file before 2026-12) compiles to
// code that moves every value through the stack, 6x slower than Eigen.

/// Asks the memory system for the non-zeros of CSR row r before they are needed. The images of a
/// shuffled minibatch are scattered over 72 MB of CSR data: without this, every image starts with
/// a cache miss to main memory and layer 1's forward pass runs at half speed (measured).
inline void prefetch_line(const char* p) {
#if defined(__x86_64__) || defined(__i386__)
  // GCC 12 silently deleted __builtin_prefetch in this loop (no visible side effect); the
  // instruction written out cannot be removed.
  asm volatile("prefetcht0 %0" : : "m"(*p));
#else
  __builtin_prefetch(p);
#endif
}

inline void prefetch_csr_row(const CsrMatrix& S, int r) {
  const int beg = S.row_ptr[static_cast<std::size_t>(r)];
  const int end = S.row_ptr[static_cast<std::size_t>(r) + 1];
  const char* c = reinterpret_cast<const char*>(S.col_idx.data() + beg);
  const char* v = reinterpret_cast<const char*>(S.values.data() + beg);
  const int bytes = (end - beg) * static_cast<int>(sizeof(float));  // int and float: 4 bytes each
  for (int o = 0; o < bytes; o += 64) {  // one cache line = 64 bytes
    prefetch_line(c + o);
    prefetch_line(v + o);
  }
}

/// out = f(b + Σ_e val[e] · W[idx[e], :]) — a dense layer whose input row is given by its
/// non-zeros (idx, val). f = ReLU when `relu`, else identity. `n` = padded width (= NB·kLanes when NB>0).
template <int NB>
void row_forward(const int* idx, const float* val, int nnz, const float* W, const float* b, bool relu, int n,
                 float* out) {
  if constexpr (NB > 0) {
    constexpr int N = NB * kLanes;
    Vec acc[NB];
    for (int q = 0; q < NB; ++q) acc[q] = load(b + q * kLanes);
    for (int e = 0; e < nnz; ++e) {
      const float x = val[e];
      const float* w = W + static_cast<std::size_t>(idx[e]) * N;
      for (int q = 0; q < NB; ++q) acc[q] += x * load(w + q * kLanes);  // one AXPY of a row = NB FMAs
    }
    for (int q = 0; q < NB; ++q) store(out + q * kLanes, relu ? simd::relu(acc[q]) : acc[q]);
  } else {
    for (int u = 0; u < n; ++u) out[u] = b[u];
    for (int e = 0; e < nnz; ++e) {
      const float x = val[e];
      const float* w = W + static_cast<std::size_t>(idx[e]) * n;
      for (int u = 0; u < n; ++u) out[u] += x * w[u];
    }
    if (relu)
      for (int u = 0; u < n; ++u) out[u] = out[u] < 0.0f ? 0.0f : out[u];  // NaN stays NaN
  }
}

/// The same for a dense input row a[0..n_in). With `kSkipZeros` the zero inputs are skipped: worth it
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

/// Fused gradient + update of a small dense layer: for each input k,
/// g = Σ_i A[i,k] · dZ[i,:] in registers, then W[k,:] −= η·g (one read and one write of row k).
/// A is count × lda, dZ is count × n.
template <int NB>
void layer_update_dense(const float* A, int lda, int n_in, int count, const float* dz, float neg_lr, int n, float* W) {
  const int N = NB > 0 ? NB * kLanes : n;
  for (int k = 0; k < n_in; ++k) {
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

/// Softmax + cross-entropy + its gradient for one row of logits z[0..n):
/// returns −log p_y, writes dz = (p − onehot(y)) · inv_b (zero beyond n, up to ld) and the argmax.
float softmax_ce_row(const float* z, int n, int ld, int y, float inv_b, float* dz, int* argmax) {
  int best = 0;
  for (int j = 1; j < n; ++j)
    if (z[j] > z[best]) best = j;
  const float m = z[best];
  float sum = 0.0f;
  for (int j = 0; j < n; ++j) {
    dz[j] = std::exp(z[j] - m);
    sum += dz[j];
  }
  const float inv_sum = 1.0f / sum;
  for (int j = 0; j < n; ++j) dz[j] = dz[j] * inv_sum * inv_b;
  dz[y] -= inv_b;
  for (int j = n; j < ld; ++j) dz[j] = 0.0f;
  *argmax = best;
  return std::log(sum) - (z[y] - m);  // −log softmax(z)_y, computed stably (log-sum-exp)
}

}  // namespace

// ---------------------------------------------------------------- construction and weights

FastCpuTrainer::FastCpuTrainer(const Mlp& net, const OptimizerConfig& opt, const Matrix& train_x,
                               const std::vector<int>& train_y, int batch, FastCpuFeatures features)
    : opt_(opt), X_(train_x), y_(train_y), batch_(batch), features_(features) {
  if (batch < 1) throw InputError("--batch: expected an integer >= 1, got " + std::to_string(batch));
  if (opt.kind != OptimizerKind::SGD)
    throw InputError("--optimizer: the fastcpu backend implements plain SGD only (the textbook's optimizer), got '" +
                     to_string(opt.kind) + "'; use --backend eigen for momentum/Adam");
  if (net.layers.empty()) throw std::invalid_argument("FastCpuTrainer: the network has no layer");
  for (std::size_t l = 0; l < net.layers.size(); ++l) {
    const Activation want = (l + 1 == net.layers.size()) ? Activation::Linear : Activation::ReLU;
    if (net.layers[l].act != want)
      throw InputError("--activation: the fastcpu backend needs ReLU hidden layers and a linear output layer "
                       "(softmax is in the loss); layer " + std::to_string(l + 1) + " is " +
                       to_string(net.layers[l].act));
  }
  require_training_set(train_x, train_y, net, "FastCpuTrainer");
  for (int y : train_y)
    if (y < 0 || y >= net.output_size())
      throw std::invalid_argument("FastCpuTrainer: label " + std::to_string(y) + " outside 0.." +
                                  std::to_string(net.output_size() - 1));
  if (features_.hand_kernels) features_.fused_update = true;  // the hand kernels always update in place

  layers_.resize(net.layers.size());
  for (std::size_t l = 0; l < net.layers.size(); ++l) {
    Layer& L = layers_[l];
    L.n_in = net.layers[l].W.rows;
    L.n_out = net.layers[l].W.cols;
    L.rows = pad_to_lane(L.n_in);
    L.ld = pad_to_lane(L.n_out);
    L.W.assign(static_cast<std::size_t>(L.rows) * L.ld, 0.0f);
    L.b.assign(static_cast<std::size_t>(L.ld), 0.0f);
    if (features_.hand_kernels && l > 0) L.Wt.assign(static_cast<std::size_t>(L.ld) * L.rows, 0.0f);
    if (!features_.fused_update) {
      L.dW.assign(L.W.size(), 0.0f);
      L.db.assign(L.b.size(), 0.0f);
    }
  }
  set_weights(net);

  Timer t;
  if (features_.sparse_input) Xs_ = to_csr(train_x);
  csr_seconds_ = t.seconds();
  // A minibatch never has more rows than the training set (a --batch larger than the data is
  // one full-batch step); 256 rows are the evaluation chunk.
  ensure_capacity(std::max(std::min(batch_, train_x.rows), 256));
}

void FastCpuTrainer::ensure_capacity(int rows) {
  if (rows <= capacity_) return;
  capacity_ = rows;
  yb_.resize(static_cast<std::size_t>(rows));
  const std::size_t L = layers_.size();
  A_.resize(L + 1);
  dZ_.resize(L);
  // A_[0] (a gathered dense minibatch) is only used when layer 1 is not sparse.
  A_[0].assign(features_.sparse_input ? 0 : static_cast<std::size_t>(rows) * layers_[0].rows, 0.0f);
  for (std::size_t l = 0; l < L; ++l) {
    A_[l + 1].assign(static_cast<std::size_t>(rows) * layers_[l].ld, 0.0f);
    dZ_[l].assign(static_cast<std::size_t>(rows) * layers_[l].ld, 0.0f);
  }
}

void FastCpuTrainer::build_minibatch_columns(const int* idx, int count) {
  const int n_in = layers_[0].n_in;
  if (static_cast<int>(col_start_.size()) != n_in + 1) {
    col_start_.assign(static_cast<std::size_t>(n_in) + 1, 0);
    col_cursor_.assign(static_cast<std::size_t>(n_in), 0);
    touched_.reserve(static_cast<std::size_t>(n_in));
  }
  // 1) count the non-zeros of each pixel in the minibatch (col_cursor_ holds the counts here)
  std::fill(col_cursor_.begin(), col_cursor_.end(), 0);
  std::size_t total = 0;
  for (int i = 0; i < count; ++i) {
    if (i + 1 < count) prefetch_csr_row(Xs_, idx[i + 1]);
    const int r = idx[i];
    for (int e = Xs_.row_ptr[static_cast<std::size_t>(r)]; e < Xs_.row_ptr[static_cast<std::size_t>(r) + 1]; ++e)
      ++col_cursor_[static_cast<std::size_t>(Xs_.col_idx[static_cast<std::size_t>(e)])];
    total += static_cast<std::size_t>(Xs_.row_ptr[static_cast<std::size_t>(r) + 1] - Xs_.row_ptr[static_cast<std::size_t>(r)]);
  }
  // 2) prefix sums → where each pixel's entries start; the list of touched pixels
  touched_.clear();
  int pos = 0;
  for (int k = 0; k < n_in; ++k) {
    const int c = col_cursor_[static_cast<std::size_t>(k)];
    col_start_[static_cast<std::size_t>(k)] = pos;
    col_cursor_[static_cast<std::size_t>(k)] = pos;  // from now on: the next free slot of pixel k
    if (c > 0) touched_.push_back(k);
    pos += c;
  }
  col_start_[static_cast<std::size_t>(n_in)] = pos;
  if (csc_row_.size() < total) {  // grows a few times at most, then never again
    csc_row_.resize(total);
    csc_val_.resize(total);
  }
  // 3) scatter (i, x_ik) into the slots of pixel k; rows arrive in increasing i
  for (int i = 0; i < count; ++i) {
    const int r = idx[i];
    for (int e = Xs_.row_ptr[static_cast<std::size_t>(r)]; e < Xs_.row_ptr[static_cast<std::size_t>(r) + 1]; ++e) {
      const int p = col_cursor_[static_cast<std::size_t>(Xs_.col_idx[static_cast<std::size_t>(e)])]++;
      csc_row_[static_cast<std::size_t>(p)] = i;
      csc_val_[static_cast<std::size_t>(p)] = Xs_.values[static_cast<std::size_t>(e)];
    }
  }
}

void FastCpuTrainer::get_weights(Mlp& net) const {
  net.layers.resize(layers_.size());
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const Layer& L = layers_[l];
    DenseLayer& d = net.layers[l];
    d.W.resize(L.n_in, L.n_out);
    d.b.resize(1, L.n_out);
    d.act = (l + 1 == layers_.size()) ? Activation::Linear : Activation::ReLU;
    for (int k = 0; k < L.n_in; ++k)
      std::memcpy(d.W.row(k), &L.W[static_cast<std::size_t>(k) * L.ld], sizeof(float) * L.n_out);
    std::memcpy(d.b.data.data(), L.b.data(), sizeof(float) * L.n_out);
  }
}

void FastCpuTrainer::set_weights(const Mlp& net) {
  if (net.layers.size() != layers_.size())
    throw std::invalid_argument("FastCpuTrainer::set_weights: " + std::to_string(net.layers.size()) +
                                " layers, expected " + std::to_string(layers_.size()));
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    Layer& L = layers_[l];
    const DenseLayer& d = net.layers[l];
    require_shape(d.W, L.n_in, L.n_out, "FastCpuTrainer::set_weights W");
    require_shape(d.b, 1, L.n_out, "FastCpuTrainer::set_weights b");
    std::fill(L.W.begin(), L.W.end(), 0.0f);
    std::fill(L.b.begin(), L.b.end(), 0.0f);
    for (int k = 0; k < L.n_in; ++k)
      std::memcpy(&L.W[static_cast<std::size_t>(k) * L.ld], d.W.row(k), sizeof(float) * L.n_out);
    std::memcpy(L.b.data(), d.b.data.data(), sizeof(float) * L.n_out);
  }
}

void FastCpuTrainer::get_optimizer_state(Optimizer& opt) const {
  Mlp net;
  get_weights(net);
  opt = Optimizer(opt_, net);  // plain SGD has no slots: only the step count is state
  opt.set_steps(steps_done_);
}

void FastCpuTrainer::set_optimizer_state(const Optimizer& opt) {
  if (opt.config().kind != OptimizerKind::SGD)
    throw std::invalid_argument("FastCpuTrainer::set_optimizer_state: the fastcpu backend only runs SGD, got " +
                                to_string(opt.config().kind));
  steps_done_ = opt.steps();
}

// ---------------------------------------------------------------- one step

void FastCpuTrainer::forward(const int* idx, const Matrix* dense_x, const int* dense_rows, int count) {
  const std::size_t L = layers_.size();
  for (std::size_t l = 0; l < L; ++l) {
    const Layer& Ly = layers_[l];
    // Evaluation (dense_x) reads layer 1 from the dense images with the hand kernel; every other
    // dense layer takes the hand kernels only where its width fits the registers.
    const bool hand = (l == 0 && dense_x != nullptr) || (features_.hand_kernels && fits_registers(Ly.ld)) ||
                      (dense_x != nullptr && fits_registers(Ly.ld));
    const bool relu = (l + 1 < L);
    float* out = A_[l + 1].data();
    if (l == 0 && dense_x == nullptr && by_pixel()) {
      with_blocks(Ly.ld, [&](auto nb) {
        layer_forward_by_pixel<decltype(nb)::value>(touched_, col_start_.data(), csc_row_.data(), csc_val_.data(),
                                                    Ly.W.data(), Ly.b.data(), count, relu, Ly.ld, out);
      });
      continue;
    }
    if (l == 0 && dense_x == nullptr && features_.sparse_input) {
      // Layer 1 from the CSR images: only the ~150 non-zero pixels of each image are touched.
      with_blocks(Ly.ld, [&](auto nb) {
        for (int i = 0; i < count; ++i) {
          if (i + 1 < count) prefetch_csr_row(Xs_, idx[i + 1]);
          const int r = idx[i];
          const int beg = Xs_.row_ptr[static_cast<std::size_t>(r)];
          const int end = Xs_.row_ptr[static_cast<std::size_t>(r) + 1];
          row_forward<decltype(nb)::value>(Xs_.col_idx.data() + beg, Xs_.values.data() + beg, end - beg,
                                           Ly.W.data(), Ly.b.data(), relu, Ly.ld,
                                           out + static_cast<std::size_t>(i) * Ly.ld);
        }
      });
      continue;
    }
    if (hand) {
      with_blocks(Ly.ld, [&](auto nb) {
        for (int i = 0; i < count; ++i) {
          const float* a = nullptr;
          if (l > 0)
            a = A_[l].data() + static_cast<std::size_t>(i) * Ly.rows;
          else if (dense_x != nullptr)
            a = dense_x->row(dense_rows ? dense_rows[i] : i);
          else
            a = A_[0].data() + static_cast<std::size_t>(i) * Ly.rows;
          if (l == 0)  // pixels: skip the zeros
            row_forward_dense<decltype(nb)::value, true>(a, Ly.n_in, Ly.W.data(), Ly.b.data(), relu, Ly.ld,
                                                         out + static_cast<std::size_t>(i) * Ly.ld);
          else
            row_forward_dense<decltype(nb)::value, false>(a, Ly.n_in, Ly.W.data(), Ly.b.data(), relu, Ly.ld,
                                                          out + static_cast<std::size_t>(i) * Ly.ld);
        }
      });
      continue;
    }
    // Eigen GEMM Z = A·W, then bias (+ ReLU) in one pass over Z.
    ConstMap A(A_[l].data(), count, Ly.rows);
    ConstMap W(Ly.W.data(), Ly.rows, Ly.ld);
    Map Z(out, count, Ly.ld);
    Z.noalias() = A * W;
    for (int i = 0; i < count; ++i) {
      float* z = out + static_cast<std::size_t>(i) * Ly.ld;
      if (relu)
        for (int u = 0; u < Ly.ld; ++u) z[u] = std::max(z[u] + Ly.b[static_cast<std::size_t>(u)], 0.0f);
      else
        for (int u = 0; u < Ly.ld; ++u) z[u] += Ly.b[static_cast<std::size_t>(u)];
    }
  }
}

float FastCpuTrainer::loss_and_output_grad(const int* labels, int count, long* correct) {
  const Layer& last = layers_.back();
  const float* logits = A_.back().data();
  float* dz = dZ_.back().data();
  const float inv_b = 1.0f / static_cast<float>(count);
  double loss = 0.0;
  long right = 0;
  for (int i = 0; i < count; ++i) {
    int pred = 0;
    loss += softmax_ce_row(logits + static_cast<std::size_t>(i) * last.ld, last.n_out, last.ld, labels[i], inv_b,
                           dz + static_cast<std::size_t>(i) * last.ld, &pred);
    right += (pred == labels[i]);
  }
  if (correct) *correct += right;
  return static_cast<float>(loss / count);
}

void FastCpuTrainer::backward_and_update(const int* idx, int count) {
  const float neg_lr = -opt_.lr;
  const std::size_t L = layers_.size();
  for (std::size_t l = L; l-- > 0;) {
    Layer& Ly = layers_[l];
    const float* dz = dZ_[l].data();
    // 1) Gradient for the layer below, with the OLD weights of this layer (before its update).
    if (l > 0) {
      const float* a_in = A_[l].data();
      float* dz_in = dZ_[l - 1].data();
      if (features_.hand_kernels && fits_registers(Ly.rows)) {
        // Wᵀ of the OLD weights (ld × rows; its padding stays 0 from the allocation).
        for (int k = 0; k < Ly.n_in; ++k)
          for (int j = 0; j < Ly.n_out; ++j)
            Ly.Wt[static_cast<std::size_t>(j) * Ly.rows + k] = Ly.W[static_cast<std::size_t>(k) * Ly.ld + j];
        with_blocks(Ly.rows, [&](auto nb) {
          for (int i = 0; i < count; ++i)
            row_backprop_relu<decltype(nb)::value>(dz + static_cast<std::size_t>(i) * Ly.ld, Ly.n_out, Ly.Wt.data(),
                                                   a_in + static_cast<std::size_t>(i) * Ly.rows, Ly.rows,
                                                   dz_in + static_cast<std::size_t>(i) * Ly.rows);
        });
      } else {
        Map dA(dz_in, count, Ly.rows);
        dA.noalias() = ConstMap(dz, count, Ly.ld) * ConstMap(Ly.W.data(), Ly.rows, Ly.ld).transpose();
        const std::size_t n = static_cast<std::size_t>(count) * Ly.rows;
        for (std::size_t q = 0; q < n; ++q)
          if (!(a_in[q] > 0.0f)) dz_in[q] = 0.0f;  // ⊙ ReLU′(z): z > 0 exactly where a > 0
      }
    }
    // 2) Bias: b −= η · Σ_i dZ[i, :].
    {
      float* db = features_.fused_update ? nullptr : Ly.db.data();
      for (int u = 0; u < Ly.ld; ++u) {
        float s = 0.0f;
        for (int i = 0; i < count; ++i) s += dz[static_cast<std::size_t>(i) * Ly.ld + u];
        if (db)
          db[u] = s;
        else
          Ly.b[static_cast<std::size_t>(u)] += neg_lr * s;
      }
    }
    // 3) Weights: W −= η · A_inᵀ · dZ.
    const bool sparse_in = (l == 0 && features_.sparse_input);
    if (features_.fused_update) {
      if (sparse_in && by_pixel()) {
        with_blocks(Ly.ld, [&](auto nb) {
          layer_update_by_pixel<decltype(nb)::value>(touched_, col_start_.data(), csc_row_.data(), csc_val_.data(),
                                                     dz, neg_lr, Ly.ld, Ly.W.data());
        });
      } else if (sparse_in) {
        with_blocks(Ly.ld, [&](auto nb) {
          for (int i = 0; i < count; ++i) {
            const int r = idx[i];
            const int beg = Xs_.row_ptr[static_cast<std::size_t>(r)];
            const int end = Xs_.row_ptr[static_cast<std::size_t>(r) + 1];
            row_update<decltype(nb)::value>(Xs_.col_idx.data() + beg, Xs_.values.data() + beg, end - beg, neg_lr,
                                            dz + static_cast<std::size_t>(i) * Ly.ld, Ly.ld, Ly.W.data());
          }
        });
      } else if (features_.hand_kernels && fits_registers(Ly.ld)) {
        const float* A = l == 0 ? A_[0].data() : A_[l].data();
        with_blocks(Ly.ld, [&](auto nb) {
          layer_update_dense<decltype(nb)::value>(A, Ly.rows, Ly.n_in, count, dz, neg_lr, Ly.ld, Ly.W.data());
        });
      } else {
        Map W(Ly.W.data(), Ly.rows, Ly.ld);
        // written as alpha * Aᵀ * dZ (no parentheses) so Eigen runs one GEMM into W, without a temporary
        W.noalias() += neg_lr * ConstMap(A_[l].data(), count, Ly.rows).transpose() * ConstMap(dz, count, Ly.ld);
      }
    } else {
      // The textbook order: compute the whole gradient ∂E/∂W into dW, then take the SGD step.
      if (sparse_in) {
        std::fill(Ly.dW.begin(), Ly.dW.end(), 0.0f);
        with_blocks(Ly.ld, [&](auto nb) {
          for (int i = 0; i < count; ++i) {
            const int r = idx[i];
            const int beg = Xs_.row_ptr[static_cast<std::size_t>(r)];
            const int end = Xs_.row_ptr[static_cast<std::size_t>(r) + 1];
            // dW[k,:] += x_ik · dZ[i,:]  (row_update with a "learning rate" of −1)
            row_update<decltype(nb)::value>(Xs_.col_idx.data() + beg, Xs_.values.data() + beg, end - beg, 1.0f,
                                            dz + static_cast<std::size_t>(i) * Ly.ld, Ly.ld, Ly.dW.data());
          }
        });
      } else {
        Map dW(Ly.dW.data(), Ly.rows, Ly.ld);
        dW.noalias() = ConstMap(A_[l].data(), count, Ly.rows).transpose() * ConstMap(dz, count, Ly.ld);
      }
      for (std::size_t q = 0; q < Ly.W.size(); ++q) Ly.W[q] += neg_lr * Ly.dW[q];
      for (std::size_t q = 0; q < Ly.b.size(); ++q) Ly.b[q] += neg_lr * Ly.db[q];
    }
  }
}

float FastCpuTrainer::train_step(const int* idx, int count, long* correct) {
  if (count < 1 || count > capacity_)
    throw std::invalid_argument("FastCpuTrainer::train_step: minibatch of " + std::to_string(count) +
                                " rows, expected 1.." + std::to_string(capacity_));
  for (int i = 0; i < count; ++i) {
    if (idx[i] < 0 || idx[i] >= X_.rows)
      throw std::invalid_argument("FastCpuTrainer::train_step: row " + std::to_string(idx[i]) + " outside 0.." +
                                  std::to_string(X_.rows - 1));
    yb_[static_cast<std::size_t>(i)] = y_[static_cast<std::size_t>(idx[i])];
  }
  if (!features_.sparse_input) {  // gather the dense minibatch (the chapter-05 way)
    const int rows0 = layers_[0].rows;
    for (int i = 0; i < count; ++i) {
      float* dst = A_[0].data() + static_cast<std::size_t>(i) * rows0;
      std::memcpy(dst, X_.row(idx[i]), sizeof(float) * X_.cols);
      std::fill(dst + X_.cols, dst + rows0, 0.0f);
    }
  }
  if (features_.sparse_input)  // where each image's non-zeros start: random rows of a 240 KB array
    for (int i = 0; i < count; ++i)
      prefetch_line(reinterpret_cast<const char*>(Xs_.row_ptr.data() + idx[i]));
  if (by_pixel()) build_minibatch_columns(idx, count);
  forward(idx, nullptr, nullptr, count);
  const float loss = loss_and_output_grad(yb_.data(), count, correct);
  if (loss_diverged(loss)) return loss;  // NaN, Inf or > 1000: no update, the caller stops
  backward_and_update(idx, count);
  ++steps_done_;
  return loss;
}

EpochMetrics FastCpuTrainer::train_epoch(const std::vector<int>& order, int epoch, const StepCallback& on_step) {
  auto step = [this, &order](int first, int count, long* correct) {
    return train_step(order.data() + first, count, correct);
  };
  return train_minibatches(order, batch_, epoch, opt_.lr, opt_.lr_flag, on_step, step);
}

// ---------------------------------------------------------------- evaluation

EvalResult FastCpuTrainer::evaluate(const Matrix& X, const std::vector<int>& y) {
  if (X.rows != static_cast<int>(y.size()))
    throw std::invalid_argument("FastCpuTrainer::evaluate: " + std::to_string(X.rows) + " rows but " +
                                std::to_string(y.size()) + " labels");
  if (X.cols != layers_[0].n_in)
    throw std::invalid_argument("FastCpuTrainer::evaluate: rows have " + std::to_string(X.cols) +
                                " values, the network takes " + std::to_string(layers_[0].n_in));
  for (int label : y)
    if (label < 0 || label >= layers_.back().n_out)
      throw std::invalid_argument("FastCpuTrainer::evaluate: label " + std::to_string(label) + " outside 0.." +
                                  std::to_string(layers_.back().n_out - 1));
  EvalResult r;
  if (X.rows == 0) return r;
  double loss = 0.0;
  long correct = 0;
  std::vector<int> rows(static_cast<std::size_t>(capacity_));
  for (int start = 0; start < X.rows; start += capacity_) {
    const int count = std::min(capacity_, X.rows - start);
    for (int i = 0; i < count; ++i) rows[static_cast<std::size_t>(i)] = start + i;
    forward(nullptr, &X, rows.data(), count);
    // The loss without touching the weights: the gradient rows written to dZ_.back() are not used.
    loss += static_cast<double>(loss_and_output_grad(y.data() + start, count, &correct)) * count;
  }
  r.loss = loss / X.rows;
  r.accuracy = static_cast<double>(correct) / X.rows;
  return r;
}

std::vector<int> FastCpuTrainer::predict(const Matrix& X) {
  if (X.cols != layers_[0].n_in)
    throw std::invalid_argument("FastCpuTrainer::predict: rows have " + std::to_string(X.cols) +
                                " values, the network takes " + std::to_string(layers_[0].n_in));
  std::vector<int> pred(static_cast<std::size_t>(X.rows));
  std::vector<int> rows(static_cast<std::size_t>(capacity_));
  const Layer& last = layers_.back();
  for (int start = 0; start < X.rows; start += capacity_) {
    const int count = std::min(capacity_, X.rows - start);
    for (int i = 0; i < count; ++i) rows[static_cast<std::size_t>(i)] = start + i;
    forward(nullptr, &X, rows.data(), count);
    for (int i = 0; i < count; ++i) {
      const float* z = A_.back().data() + static_cast<std::size_t>(i) * last.ld;
      int best = 0;
      for (int j = 1; j < last.n_out; ++j)
        if (z[j] > z[best]) best = j;
      pred[static_cast<std::size_t>(start + i)] = best;
    }
  }
  return pred;
}

}  // namespace dnn
