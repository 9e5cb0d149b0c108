/// @file fast_cpu.hpp
/// @brief Chapter 07: the fastest CPU training path for the chapter-05 model (784-50-50-10,
///        ReLU, softmax cross-entropy, plain SGD) on one core.
///
/// The math is exactly the chapter's (§3.1 反向传播 backpropagation, §3.2.1 随机梯度下降 SGD):
/// mean softmax cross-entropy over the minibatch, one SGD step on the mean gradient,
/// W ← W − η·∂E/∂W. What changes is how the arithmetic is arranged:
///
///  1. **One pass, fused** — every layer computes Z = X·W + b and ReLU in one loop over the row
///     (fused bias + ReLU), softmax + cross-entropy + its gradient in one loop, and the ReLU
///     derivative is applied while dA is computed. All buffers are allocated once.
///  2. **Sparse layer 1** — about 80% of MNIST pixels are exactly 0. The training images are stored
///     once in CSR form (CsrMatrix: row pointers, column indices, values). Layer 1's forward pass
///     becomes, for each non-zero pixel x_ik, `z_i += x_ik · W1[k,:]` (a 50-wide AXPY that
///     vectorises), and its weight gradient ∂E/∂W1 = Xᵀ·dZ1 only touches the rows k of W1 whose
///     pixel is non-zero. Layer 1 needs no dX (nothing is below it).
///  3. **Fused update** — SGD is applied while the gradient is computed, without a dW buffer:
///     W[k,:] −= η · Σ_i x_ik · dZ[i,:] row by row. This is the same arithmetic as computing
///     dW and then stepping, as long as every gradient that needs the *old* W (dA = dZ·Wᵀ) is
///     computed before that W is updated — the backward pass (fast_cpu/trainer.cpp) keeps that order.
///  4. **Hand kernels** — the small layers (50×50, 50×10) with fixed-width loops padded to whole
///     vector registers (simd.hpp: 16 floats on AVX-512, 8 on AVX2, 4 on NEON) that keep whole
///     rows in registers, as many rows per pass as keep the FMA units busy (rows_per_pass), instead
///     of general GEMM calls; the backward pass reads a transposed copy of W so it is the same AXPY
///     loop. (Skipping the ReLU zeros with a branch was tried: the branch mispredicts and costs more.)
///  5. **Pixel blocks** — layer 1's forward pass and update visit the pixels in blocks whose rows of
///     W1 fill the L1 cache (less 4 KB), all images of the minibatch on one block before the next: each
///     row is then fetched once per pass instead of once per image that has the pixel.
///  6. **Pixels in 3 bytes** — the training images stored in 3 bytes per non-zero pixel instead of 8
///     (ByteCsr: a 16-bit pixel index and an 8-bit code of its value, MNIST's pixels being bytes),
///     so the images of each minibatch bring 2.7× fewer bytes from memory; step 5's loops.
///  7. **By pixel** (tried, slower) — layer 1 visited pixel by pixel over the minibatch.
///  8. **Image pairs** (tried, slower) — layer 1's forward two images at a time.
///
/// Each step is its own file under common/src/fast_cpu/ (`1_fused_one_pass.cpp` …
/// `8_image_pairs.cpp`), whose header says what it changes relative to the step before and why it is
/// faster; `trainer.cpp` there is the plumbing they share (buffers, the step, evaluation).
/// `FastCpuFeatures` switches the steps on one at a time: chapter 07's `--ladder` measures each.
#pragma once

#include <string>
#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

#include "dnn/matrix.hpp"
#include "dnn/mlp.hpp"
#include "dnn/optimizer.hpp"
#include "dnn/simd.hpp"
#include "dnn/train.hpp"

namespace dnn {

/// An allocator that starts every array on a 64-byte cache line. The fast trainer's rows are 64 floats
/// (256 bytes): aligned, a row is exactly 4 cache lines; at malloc's usual 16-byte alignment it
/// straddles 5, and every row read or written costs 25% more traffic. (Measured: without it the
/// epoch time moved by up to 25% between two programs running the same code, depending only on where
/// malloc happened to place W1.)
template <typename T>
struct CacheLineAllocator {
  using value_type = T;
  static constexpr std::size_t kAlign = 64;
  CacheLineAllocator() = default;
  template <typename U>
  CacheLineAllocator(const CacheLineAllocator<U>&) {}
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t(kAlign))); }
  void deallocate(T* p, std::size_t) { ::operator delete(p, std::align_val_t(kAlign)); }
  template <typename U>
  bool operator==(const CacheLineAllocator<U>&) const { return true; }
  template <typename U>
  bool operator!=(const CacheLineAllocator<U>&) const { return false; }
};
/// A float array whose first element starts a cache line.
using AlignedFloats = std::vector<float, CacheLineAllocator<float>>;

/// Compressed sparse row (CSR) storage of a matrix that is mostly zeros.
/// The non-zeros of row i are at positions row_ptr[i] … row_ptr[i+1]−1 of col_idx/values,
/// in increasing column order.
struct CsrMatrix {
  int rows = 0;
  int cols = 0;
  std::vector<int> row_ptr;    ///< rows + 1 offsets; row_ptr[0] = 0, row_ptr[rows] = nnz
  std::vector<int> col_idx;    ///< column of each non-zero
  std::vector<float> values;   ///< value of each non-zero

  long nnz() const { return static_cast<long>(values.size()); }
  /// Fraction of entries that are stored (non-zero): about 0.19 for MNIST.
  double density() const {
    return rows > 0 && cols > 0 ? static_cast<double>(nnz()) / (static_cast<double>(rows) * cols) : 0.0;
  }
};

/// CSR form of X: keeps exactly the entries that are not 0 (NaN and Inf are kept, so a bad input
/// still diverges visibly instead of disappearing).
CsrMatrix to_csr(const Matrix& X);
/// Back to a dense matrix (for tests).
Matrix csr_to_dense(const CsrMatrix& S);

/// The steps of the fast path (see the file comment). All on = the fastest trainer.
struct FastCpuFeatures {
  bool sparse_input = true;  ///< step 2: layer 1 reads the CSR images (else a dense gathered minibatch)
  bool fused_update = true;  ///< step 3: SGD applied inside the backward pass, no dW buffers
  bool hand_kernels = true;  ///< step 4: fixed-width loops for the small layers (implies fused_update)
  /// Step 5: layer 1's forward pass and update in blocks of pixels whose rows of W1 fit the L1
  /// cache, every image of the minibatch on one block before the next (bit-identical to step 4).
  /// Needs sparse_input and fused_update.
  bool pixel_blocks = true;
  /// Step 6: step 5's loops read the images from ByteCsr (3 bytes per non-zero pixel) instead of
  /// CsrMatrix (8 bytes); bit-identical to step 5. Needs pixel_blocks, at most 256 distinct pixel
  /// values (MNIST and Fashion-MNIST have 255) and a first layer that fits the registers; else
  /// step 5 runs, and FastCpuTrainer::pixel_bytes_note() says why.
  bool pixel_bytes = true;
  /// Step 7 (tried, slower): layer 1 visited pixel by pixel over the minibatch (a column-sorted copy
  /// of the minibatch's non-zeros, built each step): each touched row of W1 is read once and written
  /// once per step, instead of once per non-zero pixel. Needs sparse_input and fused_update.
  bool by_pixel = false;
  /// Step 8 (tried, slower): layer 1's forward pass two images at a time, over the union of their
  /// non-zero pixels, each row of W1 fetched once for both (bit-identical to step 5). Needs
  /// sparse_input.
  bool image_pairs = false;
  /// A short label for tables: "eigen-gemm", "+sparse-l1", ...
  std::string label() const;
};

/// The features of step n (1 … 8) of chapter 07's ladder: step n switches on one more idea than
/// step n − 1; step 6 is the default (the fastcpu backend); the tried steps 7 and 8 build on step 5.
/// Throws std::out_of_range for any other n.
FastCpuFeatures ladder_step(int n);

/// Floats per SIMD vector (simd::kLanes: 16 on AVX-512, 8 on AVX2, 4 on NEON): every layer width is
/// padded to a multiple of this (50 → 64, 56 or 52).
constexpr int kFastLane = simd::kLanes;
inline int pad_to_lane(int n) { return (n + kFastLane - 1) / kFastLane * kFastLane; }

/// One dense layer of the fast trainer, padded to whole vectors. W is a row-major `rows × ld` block
/// with rows = pad(n_in) and ld = pad(n_out); the padding is zero and stays zero (padded outputs have
/// zero weights and bias, so their activations, gradients and updates are 0).
struct FastCpuLayer {
  int n_in = 0;           ///< real number of inputs
  int n_out = 0;          ///< real number of outputs
  int rows = 0;           ///< padded inputs: pad_to_lane(n_in)
  int ld = 0;             ///< padded outputs (the row stride of W): pad_to_lane(n_out)
  AlignedFloats W;        ///< weights, rows × ld
  AlignedFloats b;        ///< bias, ld
  AlignedFloats dW;       ///< ∂E/∂W, only without fused_update (steps 1–2)
  AlignedFloats db;       ///< ∂E/∂b, only without fused_update (steps 1–2)
  AlignedFloats Wt;       ///< Wᵀ (ld × rows), refreshed every step, for the hand-written backward pass (step 4)
};

/// Step 6's form of the training images: the non-zeros of a CsrMatrix in 3 bytes each instead of 8.
/// MNIST's pixels are bytes (v/255: 255 distinct non-zero values), so each value is stored as an
/// 8-bit code into `value`, the table of the distinct values, and each pixel index (0…783) in 16
/// bits. Every row ends with one extra entry whose pixel is kEndOfRow (above every pixel), so a loop
/// over a row's pixels needs no end index. The values are exactly the CsrMatrix's: a loop reading
/// either computes the same bits.
struct ByteCsr {
  static constexpr std::uint16_t kEndOfRow = 0xFFFF;
  int rows = 0;
  int cols = 0;
  std::vector<int> row_ptr;          ///< rows + 1 offsets; row r's entries end with its kEndOfRow entry
  std::vector<std::uint16_t> pixel;  ///< the pixel (column) of each entry, increasing in a row; then kEndOfRow
  std::vector<std::uint8_t> code;    ///< the value of each entry as an index into `value`
  std::vector<float> value;          ///< the distinct non-zero values, in order of first appearance (at most 256)
  /// Builds it from S. Returns false, leaves it empty and says why in *why when S has more than
  /// 256 distinct values or more than 65 535 columns.
  bool build(const CsrMatrix& S, std::string* why);
};

/// Step 7's view of a minibatch: its non-zero pixels sorted by pixel (column). For the touched
/// pixels k (in increasing order), entries col_start[k] … col_start[k+1]−1 of row/value hold the
/// minibatch rows i with x_ik ≠ 0 and the values x_ik. Built each step by build().
struct MinibatchPixels {
  std::vector<int> touched;     ///< the pixels that are non-zero in some image of the minibatch
  std::vector<int> col_start;   ///< n_in + 1 offsets into row/value
  std::vector<int> col_cursor;  ///< scratch: the next free slot of each pixel
  std::vector<int> row;         ///< the minibatch row i of each entry
  std::vector<float> value;     ///< x_ik of each entry
  /// Sorts the non-zeros of the CSR rows idx[0..count) of X (n_in pixels each) by pixel.
  void build(const CsrMatrix& X, const int* idx, int count, int n_in);
};

/// Step 8's view of the training images: one bitmap of `words` 64-bit words per image, bit k set
/// where pixel k is not 0 (the same entries as the CSR form). Built once, by build().
struct PixelBitmaps {
  int words = 0;
  std::vector<std::uint64_t> bits;  ///< rows × words
  const std::uint64_t* row(int r) const { return bits.data() + static_cast<std::size_t>(r) * words; }
  void build(const CsrMatrix& X);
};

/// The fast single-threaded CPU trainer (backend "fastcpu"). Supports the models of chapter 05:
/// any number of ReLU hidden layers, a linear output layer, softmax cross-entropy, plain SGD.
/// Implements the `Trainer` interface, so `fit()` and the chapter programs use it unchanged.
class FastCpuTrainer : public Trainer {
 public:
  /// `train_x`/`train_y` must outlive the trainer. The CSR form of `train_x` is built here, once.
  /// Throws InputError when the model or optimizer is not supported (only SGD; hidden
  /// activations ReLU; output Linear) and for batch < 1.
  FastCpuTrainer(const Mlp& net, const OptimizerConfig& opt, const Matrix& train_x, const std::vector<int>& train_y,
                 int batch, FastCpuFeatures features = {});

  std::string name() const override { return "fastcpu"; }
  int train_size() const override { return X_.rows; }
  int batch_size() const override { return batch_; }
  EpochMetrics train_epoch(const std::vector<int>& order, int epoch, const StepCallback& on_step) override;
  EvalResult evaluate(const Matrix& X, const std::vector<int>& y) override;
  std::vector<int> predict(const Matrix& X) override;
  void get_weights(Mlp& net) const override;
  void set_weights(const Mlp& net) override;
  void get_optimizer_state(Optimizer& opt) const override;
  void set_optimizer_state(const Optimizer& opt) override;

  /// One SGD step on the rows idx[0..count) of the training set; returns the minibatch's mean
  /// loss and adds the number of correct predictions (before the update) to `*correct`.
  /// A diverged loss (loss_diverged(): NaN, Inf or > 1000) is returned without updating anything.
  float train_step(const int* idx, int count, long* correct = nullptr);

  const CsrMatrix& train_csr() const { return Xs_; }
  const FastCpuFeatures& features() const { return features_; }
  /// Seconds spent building the CSR form (and step 6's ByteCsr) in the constructor.
  double csr_seconds() const { return csr_seconds_; }
  /// Whether layer 1 reads step 6's ByteCsr; when step 6 was asked for but cannot run (the images
  /// have more than 256 distinct values, or layer 1 is wider than the registers), step 5 runs and
  /// pixel_bytes_note() says why ("" otherwise).
  bool runs_pixel_bytes() const { return pixel_bytes_; }
  const std::string& pixel_bytes_note() const { return pixel_bytes_note_; }

 private:
  // Forward of rows [0, count) of the current minibatch, input either CSR rows (idx) or dense rows.
  void forward(const int* idx, const Matrix* dense_x, const int* dense_rows, int count);
  float loss_and_output_grad(const int* labels_of_rows, int count, long* correct);
  void backward_and_update(const int* idx, int count);
  void ensure_capacity(int rows);
  bool by_pixel() const { return features_.by_pixel && features_.sparse_input && features_.fused_update; }
  bool image_pairs() const { return features_.image_pairs && features_.sparse_input && !by_pixel(); }
  bool pixel_blocks() const { return features_.pixel_blocks && features_.sparse_input && features_.fused_update && !by_pixel(); }

  std::vector<FastCpuLayer> layers_;
  OptimizerConfig opt_;
  long steps_done_ = 0;
  const Matrix& X_;
  const std::vector<int>& y_;
  CsrMatrix Xs_;
  ByteCsr Xb_;                     // step 6: the same images in 3 bytes per non-zero
  bool pixel_bytes_ = false;       // step 6 runs (asked for and possible)
  std::string pixel_bytes_note_;   // why step 6 was asked for but does not run
  int batch_;
  FastCpuFeatures features_;
  double csr_seconds_ = 0;

  int capacity_ = 0;
  std::vector<AlignedFloats> A_;   // A_[0]: gathered dense input (dense modes); A_[l+1]: output of layer l
  std::vector<AlignedFloats> dZ_;  // dZ_[l]: ∂E/∂Z of layer l (capacity × ld)
  std::vector<int> yb_;                 // labels of the current minibatch
  std::vector<const float*> in_rows_;   // the input rows of a dense layer (step 4's kernels)
  MinibatchPixels pixels_;              // step 7: the minibatch's non-zeros sorted by pixel
  PixelBitmaps pixel_bits_;             // step 8: which pixels of each training image are non-zero
  const int* next_idx_ = nullptr;       // the next minibatch of the epoch (train_epoch), for prefetching
  int next_count_ = 0;
  std::vector<int> block_cursors_;      // steps 5–6: where each image of the minibatch is in its CSR row
};

}  // namespace dnn
