// Chapter 07: evaluation on the GPU, the same for every variant — one block per image: layer 1 from
// the dense image (skipping its zero pixels), layers 2–3, softmax + cross-entropy and the argmax.
#include <cuda_runtime.h>

#include <cfloat>

#include "device_math.cuh"
#include "internal.cuh"

namespace dnn::cuda::train {

namespace {

__global__ void eval_rows(DeviceNet net, const float* X, int rows, const int* labels, float* row_loss, int* pred) {
  const int i = blockIdx.x;
  const int t = threadIdx.x;
  if (i >= rows) return;
  __shared__ float a1[64], a2[64], z3[32], dz[32];
  const float* x = X + static_cast<long>(i) * net.n_in;
  if (t < net.h1) {
    float z = net.b1[t];
    for (int k = 0; k < net.n_in; ++k) {
      const float v = x[k];  // the same k for all threads: a uniform branch
      if (v != 0.0f) z += v * net.W1[k * net.h1 + t];
    }
    a1[t] = relu(z);
  }
  __syncthreads();
  if (t < net.h2) a2[t] = relu(dense_unit(a1, net.W2, net.b2, net.h1, net.h2, t));
  __syncthreads();
  if (t < net.c) z3[t] = dense_unit(a2, net.W3, net.b3, net.h2, net.c, t);
  __syncthreads();
  if (t < 32) {
    const int y = labels ? labels[i] : 0;
    float loss;
    int correct;
    softmax_ce_warp(z3, net.c, y, 1.0f, dz, &loss, &correct);
    const float zj = t < net.c ? z3[t] : -FLT_MAX;
    const float m = warp_max(zj);
    const unsigned ballot = __ballot_sync(0xffffffffu, t < net.c && zj == m);
    if (t == 0) {
      if (labels) row_loss[i] = loss;
      pred[i] = ballot ? __ffs(ballot) - 1 : 0;
    }
  }
}

}  // namespace

void enqueue_eval(const DeviceNet& net, const float* X, int rows, const int* labels, float* row_loss, int* pred,
                  cudaStream_t stream) {
  if (rows <= 0) return;
  eval_rows<<<rows, kRowThreads, 0, stream>>>(net, X, rows, labels, row_loss, pred);
  check_launch("eval_rows");
}

}  // namespace dnn::cuda::train
