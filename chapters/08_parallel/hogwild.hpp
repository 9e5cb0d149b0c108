// Mode `hogwild --threads T` — asynchronous lock-free SGD on shared weights (异步训练;
// Hogwild!, Niu et al. 2011), in one process.
//
// T threads share one copy of the weights. Each thread takes its own minibatches of the epoch,
// reads the current weights, computes a gradient and writes W ← W − η·g back, entry by entry,
// with no lock and no waiting for the others. Two threads can read the same entry, each subtract
// its step and store: the second store overwrites the first thread's update, which is lost.
// Hogwild's argument is that this is rare and harmless when updates are sparse: most MNIST pixels
// are 0, so a step changes only the rows of W1 of the pixels its images use.
//
// In C++ two threads touching the same float with at least one writing is a data race — undefined
// behaviour, not just a lost update. So every shared weight is a std::atomic<float> accessed with
// memory_order_relaxed loads and stores: on x86 these compile to the same plain moves, the
// program is race-free (ThreadSanitizer runs it in CI and finds nothing), and a lost update stays
// what Hogwild means by it. To count them, each write is a compare-exchange against the value the
// thread read: when it fails, another thread has written in between, and the store that follows
// overwrites it (counted per layer: the sparse first layer vs the dense others).
// `locked` puts one std::mutex around every read-compute-write instead: nothing is lost, and the
// threads take turns.
#pragma once

#include <atomic>
#include <vector>

#include "dnn/matrix.hpp"
#include "dnn/mlp.hpp"
#include "dnn/train.hpp"

namespace ch08 {

/// The weights all threads share: one atomic float per parameter, in pack() order.
class SharedWeights {
 public:
  explicit SharedWeights(const dnn::Mlp& net);
  /// Copies the current shared weights into `net` (same shapes).
  void read(dnn::Mlp& net) const;
  std::size_t size() const { return w_.size(); }
  std::atomic<float>& operator[](std::size_t k) { return w_[k]; }

 private:
  std::vector<std::atomic<float>> w_;
};

/// What one epoch of hogwild did.
struct HogwildStats {
  double loss = 0, accuracy = 0;     ///< running mean over the epoch's minibatches
  long updates[2] = {0, 0};          ///< entries written: [0] first layer (W1, b1), [1] the other layers
  long overwritten[2] = {0, 0};      ///< of those, written over another thread's newer value
};

/// One epoch over `order` in minibatches of `batch`, minibatch s taken by thread s mod `threads`,
/// SGD with learning rate `lr` on `shared`. `locked`: the mutex version.
HogwildStats hogwild_epoch(SharedWeights& shared, const dnn::Mlp& shape, const dnn::Matrix& X,
                           const std::vector<int>& y, const std::vector<int>& order, int batch, float lr, int threads,
                           bool locked);

}  // namespace ch08
