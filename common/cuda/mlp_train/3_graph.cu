// Chapter 07, GPU variant 3 — "graph": variant 2's kernels, a whole epoch captured in a CUDA Graph.
//
// Relative to variant 2: the same three kernels per step, the same numbers (bit-identical weights).
// But the host no longer launches them one by one: the first epoch's ≈ 5600 launches (and the
// order upload before them) are recorded once into a CUDA Graph (stream capture), and every epoch
// replays that graph with ONE cudaGraphLaunch. The graph's buffers are the same device buffers
// every epoch (the order, the weights), so replaying it trains on the new epoch's order.
// Why it is faster: a kernel launch costs the CPU a few microseconds — as long as a kernel of
// this tiny model runs; the graph hands the whole epoch to the GPU at once.
#include <cuda_runtime.h>

#include <memory>

#include "dnn/timer.hpp"
#include "internal.cuh"

namespace dnn::cuda::train {

namespace {

class GraphVariant : public Variant {
 public:
  ~GraphVariant() override {
    if (graph_exec_) cudaGraphExecDestroy(graph_exec_);
    if (graph_) cudaGraphDestroy(graph_);
  }
  void allocate(GpuTrainer::Impl& m) override { buffers_.allocate(m.batch, m.h1, m.h2, m.c); }
  void run_epoch(GpuTrainer::Impl& m) override {
    if (!graph_exec_) {  // capture the epoch's ≈5600 launches once; replay it every epoch
      const Timer t;
      CUDA_CHECK(cudaStreamBeginCapture(m.stream, cudaStreamCaptureModeThreadLocal));
      try {
        enqueue_fused_epoch(m, buffers_);
      } catch (...) {
        cudaGraph_t g = nullptr;
        cudaStreamEndCapture(m.stream, &g);
        if (g) cudaGraphDestroy(g);
        throw;
      }
      CUDA_CHECK(cudaStreamEndCapture(m.stream, &graph_));
      CUDA_CHECK(cudaGraphInstantiate(&graph_exec_, graph_, 0));
      m.timings.setup_seconds += t.seconds();
    }
    CUDA_CHECK(cudaGraphLaunch(graph_exec_, m.stream));
  }

 private:
  MinibatchBuffers buffers_;
  cudaGraph_t graph_ = nullptr;
  cudaGraphExec_t graph_exec_ = nullptr;
};

}  // namespace

std::unique_ptr<Variant> make_graph_variant() { return std::make_unique<GraphVariant>(); }

}  // namespace dnn::cuda::train
