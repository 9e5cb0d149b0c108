/// @file gpu_trainer.hpp
/// @brief Chapter 07: training the chapter-05 MLP on an NVIDIA GPU (backends "cuda" and "cublas").
///
/// The math is the chapter's (§3.1 反向传播, §3.2.1 SGD), identical to the CPU backends: same
/// initial weights, same epoch order (epoch_order), mean softmax cross-entropy, W ← W − η·∂E/∂W.
/// The variants are the teaching steps of chapter 07, each one removing a cost that dominates
/// a batch-32 step on a GPU (one step is only ≈ 5.6 MFLOP — a fraction of a microsecond of arithmetic):
///
///  - `Cublas`     : the training set is uploaded once and stays on the GPU; every step runs
///                   cuBLAS SGEMMs plus small element-wise kernels (≈ 26 launches per step).
///  - `Kernels`    : hand-written fused kernels (bias+ReLU inside the layer kernel, softmax+CE+
///                   gradient in one kernel, gradient+SGD update in one kernel): fewer launches,
///                   no dW buffers, layer 1 reads only the non-zero pixels (CSR).
///  - `Graph`      : the same kernels, but the launches of a whole epoch are captured once in a
///                   CUDA Graph and replayed: the CPU launch cost per kernel disappears.
///  - `Persistent` : one kernel per epoch. A single thread block keeps all ≈42k parameters in
///                   shared memory (on chip) across all 1875 steps, reads the shuffled minibatches
///                   from global memory and synchronises with `__syncthreads()` instead of kernel
///                   launches. Bounded by that one SM's shared-memory bandwidth (≈ 10 µs per step).
///  - `Cooperative`: one kernel per epoch on 16 SMs (a cooperative launch): block p keeps the W1 rows
///                   of its share of the pixels and its own copy of the small layers; per step the
///                   blocks exchange their partial layer-1 sums through global memory with ONE
///                   grid-wide barrier (grid.sync()), then all compute the rest identically.
///                   Batches up to 64.
///
/// Each variant is one file under common/cuda/mlp_train/ (`1_cublas.cu` … `5_cooperative.cu`), whose
/// header says what it changes relative to the one before and why it is faster; the device helpers
/// they share (softmax/cross-entropy, the dense unit, SGD) are in one header, so the variants stay
/// bit-identical.
///
/// Only compiled when CUDA is available (DNN_HAVE_CUDA); without a device the constructor throws
/// InputError saying why (dnn::cuda::device_available).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "dnn/matrix.hpp"
#include "dnn/mlp.hpp"
#include "dnn/optimizer.hpp"
#include "dnn/train.hpp"

namespace dnn::cuda {

enum class GpuVariant { Cublas, Kernels, Graph, Persistent, Cooperative };

/// "cublas", "kernels", "graph", "persistent", "cooperative".
std::string to_string(GpuVariant v);
/// Parses the names above; InputError naming `flag` otherwise.
GpuVariant parse_gpu_variant(const std::string& name, const std::string& flag = "--gpu-variant");
/// All variants, slowest first (the order of the README's ladder).
std::vector<GpuVariant> all_gpu_variants();

/// Creates the CUDA context now (it is otherwise created by the first allocation, ≈ 0.1–0.5 s), so
/// that timings of a trainer's setup measure the upload and not the driver's start-up.
void warm_up_device();

/// The limits of the hand-written kernels (the textbook model fits easily): hidden widths up to
/// kMaxHidden, up to kMaxClasses outputs, exactly two hidden ReLU layers, batch up to kMaxBatch.
constexpr int kMaxHidden = 64;
constexpr int kMaxClasses = 32;
constexpr int kMaxBatch = 256;

/// Timings of the GPU trainer (seconds, measured with the host clock after synchronising).
struct GpuTimings {
  double upload_seconds = 0;   ///< training set (CSR + dense for cuBLAS) and labels to the device
  double setup_seconds = 0;    ///< cuBLAS handle, graph capture/instantiation (once)
};

class GpuTrainer : public Trainer {
 public:
  /// Uploads the training set once. `train_x`/`train_y` must outlive the trainer.
  /// Throws InputError: no usable device (with the reason), optimizer other than SGD, or a model
  /// outside the limits above.
  GpuTrainer(const Mlp& net, const OptimizerConfig& opt, const Matrix& train_x, const std::vector<int>& train_y,
             int batch, GpuVariant variant);
  ~GpuTrainer() override;
  GpuTrainer(const GpuTrainer&) = delete;
  GpuTrainer& operator=(const GpuTrainer&) = delete;

  std::string name() const override;
  int train_size() const override;
  int batch_size() const override;
  /// Runs the epoch on the device; `on_step` is called once at the end (the GPU does not stop
  /// to report every step). DivergenceError if any minibatch loss was NaN/Inf (checked after
  /// the epoch: the step is named).
  EpochMetrics train_epoch(const std::vector<int>& order, int epoch, const StepCallback& on_step) override;
  EvalResult evaluate(const Matrix& X, const std::vector<int>& y) override;
  std::vector<int> predict(const Matrix& X) override;
  void get_weights(Mlp& net) const override;
  void set_weights(const Mlp& net) override;
  void get_optimizer_state(Optimizer& opt) const override;
  void set_optimizer_state(const Optimizer& opt) override;

  GpuVariant variant() const;
  const GpuTimings& timings() const;
  /// Per-step minibatch losses of the last epoch (for tests comparing with the CPU).
  std::vector<float> last_epoch_losses() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace dnn::cuda
