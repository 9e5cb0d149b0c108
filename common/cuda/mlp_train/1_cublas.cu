// Chapter 07, GPU variant 1 — "cublas": the chapter-05 step on the GPU with cuBLAS.
//
// Relative to the CPU: the training set is uploaded once (dense rows) and stays on the device;
// every step gathers its minibatch there (gather_rows), runs the three layers as cuBLAS SGEMMs
// plus small element-wise kernels (bias + ReLU, softmax + cross-entropy: dnn/cuda_kernels.hpp),
// computes every gradient with the OLD weights (dA = dZ·Wᵀ, dW = Aᵀ·dZ, db = column sums) and then
// takes the SGD steps — the textbook order, ≈ 26 launches per step. FP32 throughout (no TF32).
// What it gains over the CPU: the GEMMs run on the GPU's many cores and no step crosses the bus
// (only the epoch's order goes up, the per-step losses come down). Why it is the slowest GPU
// variant: at batch 32 a step is ≈ 5.6 MFLOP, and launching 26 kernels costs more than computing
// them (variant 2 fuses them).
// A toolkit without cuBLAS (DNN_HAVE_CUBLAS=0) builds the other variants only: this one is then
// refused with the reason when a trainer is made.
#if DNN_HAVE_CUBLAS
#include <cublas_v2.h>
#endif
#include <cuda_runtime.h>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>

#include "device_math.cuh"
#include "dnn/cuda_kernels.hpp"
#include "internal.cuh"

namespace dnn::cuda::train {

namespace {

#if DNN_HAVE_CUBLAS
void check_cublas(cublasStatus_t s, const char* call) {
  if (s != CUBLAS_STATUS_SUCCESS)
    throw std::runtime_error(std::string(call) + " failed with cuBLAS status " + std::to_string(static_cast<int>(s)));
}
#define CUBLAS_CHECK(call) check_cublas((call), #call)
#endif  // DNN_HAVE_CUBLAS

#if DNN_HAVE_CUBLAS
// Row-major GEMMs with column-major cuBLAS: a row-major M×N matrix is a column-major N×M one.
// C = A·B      (A: m×k, B: k×n)   →  Cᵀ = Bᵀ·Aᵀ
void gemm_nn(cublasHandle_t h, int m, int n, int k, const float* A, const float* B, float* C) {
  const float one = 1.0f, zero = 0.0f;
  CUBLAS_CHECK(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, n, m, k, &one, B, n, A, k, &zero, C, n));
}
// C = Aᵀ·B     (A: k×m, B: k×n)   — weight gradients dW = Xᵀ·dZ
void gemm_tn(cublasHandle_t h, int m, int n, int k, const float* A, const float* B, float* C) {
  const float one = 1.0f, zero = 0.0f;
  CUBLAS_CHECK(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_T, n, m, k, &one, B, n, A, m, &zero, C, n));
}
// C = A·Bᵀ     (A: m×k, B: n×k)   — input gradients dA = dZ·Wᵀ
void gemm_nt(cublasHandle_t h, int m, int n, int k, const float* A, const float* B, float* C) {
  const float one = 1.0f, zero = 0.0f;
  CUBLAS_CHECK(cublasSgemm(h, CUBLAS_OP_T, CUBLAS_OP_N, n, m, k, &one, B, k, A, k, &zero, C, n));
}
#else
using cublasHandle_t = void*;  // no cuBLAS in this build: the cublas variant is refused before any step
[[noreturn]] void no_cublas() { throw std::logic_error("GpuTrainer: this build has no cuBLAS"); }
void gemm_nn(cublasHandle_t, int, int, int, const float*, const float*, float*) { no_cublas(); }
void gemm_tn(cublasHandle_t, int, int, int, const float*, const float*, float*) { no_cublas(); }
void gemm_nt(cublasHandle_t, int, int, int, const float*, const float*, float*) { no_cublas(); }
#endif


// ---------------------------------------------------------------- small kernels of this variant

__global__ void gather_rows(const float* X, int cols, const int* labels, const int* order, int start, int count,
                            float* Xb, int* yb) {
  const int i = blockIdx.x;
  if (i >= count) return;
  const int r = order[start + i];
  for (int k = threadIdx.x; k < cols; k += blockDim.x) Xb[static_cast<long>(i) * cols + k] = X[static_cast<long>(r) * cols + k];
  if (threadIdx.x == 0) yb[i] = labels[r];
}

__global__ void add_bias(int rows, int cols, const float* b, float* Z) {
  const int q = blockIdx.x * blockDim.x + threadIdx.x;
  if (q < rows * cols) Z[q] += b[q % cols];
}

__global__ void record_step(int rows, int cols, const float* logits, const int* yb, const float* row_loss,
                            float* step_loss, int* step_correct, int step) {
  if (threadIdx.x != 0 || blockIdx.x != 0) return;
  float s = 0.0f;
  int c = 0;
  for (int i = 0; i < rows; ++i) {
    s += row_loss[i];
    const float* z = logits + i * cols;
    int best = 0;
    for (int j = 1; j < cols; ++j)
      if (z[j] > z[best]) best = j;
    c += (best == yb[i]);
  }
  step_loss[step] = s / static_cast<float>(rows);
  step_correct[step] = c;
}

/// Xb[i,:] = X[order[start+i], :], yb[i] = labels[order[start+i]].
void enqueue_gather(const float* X, int cols, const int* labels, const int* order, int start, int count, float* Xb,
                    int* yb, cudaStream_t stream) {
  gather_rows<<<count, 256, 0, stream>>>(X, cols, labels, order, start, count, Xb, yb);
  check_launch("gather_rows");
}

/// Z[i,:] += b (rows × cols).
void enqueue_add_bias(int rows, int cols, const float* b, float* Z, cudaStream_t stream) {
  const int n = rows * cols;
  add_bias<<<(n + 255) / 256, 256, 0, stream>>>(rows, cols, b, Z);
  check_launch("add_bias");
}

/// step_loss[step] = mean of row_loss; step_correct[step] = number of rows whose logits' argmax is yb.
void enqueue_record_step(int rows, int cols, const float* logits, const int* yb, const float* row_loss,
                         float* step_loss, int* step_correct, int step, cudaStream_t stream) {
  record_step<<<1, 32, 0, stream>>>(rows, cols, logits, yb, row_loss, step_loss, step_correct, step);
  check_launch("record_step");
}


// ---------------------------------------------------------------- the variant

class CublasVariant : public Variant {
 public:
  ~CublasVariant() override {
#if DNN_HAVE_CUBLAS
    if (cublas_) cublasDestroy(cublas_);
#endif
  }
  bool reads_csr() const override { return false; }
  void create(GpuTrainer::Impl& m) override {
#if DNN_HAVE_CUBLAS
    CUBLAS_CHECK(cublasCreate(&cublas_));
    CUBLAS_CHECK(cublasSetStream(cublas_, m.stream));
    CUBLAS_CHECK(cublasSetMathMode(cublas_, CUBLAS_DEFAULT_MATH));  // plain FP32, no TF32
#else
    (void)m;
#endif
  }
  void allocate(GpuTrainer::Impl& m) override {
    const std::size_t B = static_cast<std::size_t>(m.batch);
    buffers_.allocate(m.batch, m.h1, m.h2, m.c);
    Xb_.resize(B * m.n_in);
    yb_.resize(B);
    Z1_.resize(B * m.h1);
    Z2_.resize(B * m.h2);
    dA_.resize(B * std::max(m.h1, m.h2));
    gW1_.resize(m.W1.size());
    gb1_.resize(m.b1.size());
    gW2_.resize(m.W2.size());
    gb2_.resize(m.b2.size());
    gW3_.resize(m.W3.size());
    gb3_.resize(m.b3.size());
  }
  void run_epoch(GpuTrainer::Impl& m) override {
    m.upload_order();
    for (int s = 0; s < m.steps(); ++s) step(m, s, std::min(m.batch, m.X.rows - s * m.batch));
  }

 private:
  void step(GpuTrainer::Impl& m, int s, int count) {
    const int start = s * m.batch;
    enqueue_gather(m.X_dense.data(), m.n_in, m.labels.data(), m.order.data(), start, count, Xb_.data(), yb_.data(), m.stream);
    // forward
    gemm_nn(cublas_, count, m.h1, m.n_in, Xb_.data(), m.W1.data(), Z1_.data());
    bias_relu_forward(count, m.h1, Z1_.data(), m.b1.data(), nullptr, buffers_.A1.data(), m.stream);
    gemm_nn(cublas_, count, m.h2, m.h1, buffers_.A1.data(), m.W2.data(), Z2_.data());
    bias_relu_forward(count, m.h2, Z2_.data(), m.b2.data(), nullptr, buffers_.A2.data(), m.stream);
    gemm_nn(cublas_, count, m.c, m.h2, buffers_.A2.data(), m.W3.data(), buffers_.Z3.data());
    enqueue_add_bias(count, m.c, m.b3.data(), buffers_.Z3.data(), m.stream);
    // loss and dZ3 = (P − onehot)/B
    softmax_xent(count, m.c, buffers_.Z3.data(), yb_.data(), nullptr, buffers_.dZ3.data(), buffers_.row_loss.data(), 1.0f / count, m.stream);
    enqueue_record_step(count, m.c, buffers_.Z3.data(), yb_.data(), buffers_.row_loss.data(), m.step_loss.data(), m.step_correct.data(), s,
                        m.stream);
    // backward: every gradient first (with the old weights), then the SGD steps
    gemm_nt(cublas_, count, m.h2, m.c, buffers_.dZ3.data(), m.W3.data(), dA_.data());
    relu_backward(static_cast<long>(count) * m.h2, buffers_.A2.data(), dA_.data(), buffers_.dZ2.data(), m.stream);  // A2 > 0 ⇔ Z2 > 0
    gemm_tn(cublas_, m.h2, m.c, count, buffers_.A2.data(), buffers_.dZ3.data(), gW3_.data());
    column_sums(count, m.c, buffers_.dZ3.data(), gb3_.data(), m.stream);
    gemm_nt(cublas_, count, m.h1, m.h2, buffers_.dZ2.data(), m.W2.data(), dA_.data());
    relu_backward(static_cast<long>(count) * m.h1, buffers_.A1.data(), dA_.data(), buffers_.dZ1.data(), m.stream);
    gemm_tn(cublas_, m.h1, m.h2, count, buffers_.A1.data(), buffers_.dZ2.data(), gW2_.data());
    column_sums(count, m.h2, buffers_.dZ2.data(), gb2_.data(), m.stream);
    gemm_tn(cublas_, m.n_in, m.h1, count, Xb_.data(), buffers_.dZ1.data(), gW1_.data());
    column_sums(count, m.h1, buffers_.dZ1.data(), gb1_.data(), m.stream);
    const float lr = m.opt.lr;
    sgd_step(static_cast<long>(m.W1.size()), m.W1.data(), gW1_.data(), lr, m.stream);
    sgd_step(static_cast<long>(m.b1.size()), m.b1.data(), gb1_.data(), lr, m.stream);
    sgd_step(static_cast<long>(m.W2.size()), m.W2.data(), gW2_.data(), lr, m.stream);
    sgd_step(static_cast<long>(m.b2.size()), m.b2.data(), gb2_.data(), lr, m.stream);
    sgd_step(static_cast<long>(m.W3.size()), m.W3.data(), gW3_.data(), lr, m.stream);
    sgd_step(static_cast<long>(m.b3.size()), m.b3.data(), gb3_.data(), lr, m.stream);
  }


  cublasHandle_t cublas_ = nullptr;
  MinibatchBuffers buffers_;
  // the gathered minibatch, the pre-activations, dA = dZ·Wᵀ and the gradients (gW = ∂E/∂W, gb = ∂E/∂b)
  DeviceBuffer<float> Xb_, Z1_, Z2_, dA_, gW1_, gb1_, gW2_, gb2_, gW3_, gb3_;
  DeviceBuffer<int> yb_;
};

}  // namespace

std::unique_ptr<Variant> make_cublas_variant() { return std::make_unique<CublasVariant>(); }

}  // namespace dnn::cuda::train
