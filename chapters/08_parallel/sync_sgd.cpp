// Mode `sync` — synchronous data-parallel SGD (同步数据并行).
//
// Every rank holds the whole model. Each global minibatch of B rows is cut into P shards
// (shard_rows); rank r computes the gradient of its shard, scaled so that the P shard gradients
// add up to the gradient of the mean loss over all B rows:
//
//     g = (1/B)·Σ_{i ∈ batch} ∇ℓ_i = Σ_r (n_r/B)·ĝ_r,   ĝ_r = (1/n_r)·Σ_{i ∈ shard r} ∇ℓ_i
//
// One allreduce (sum) gives every rank the same g, and every rank applies the same SGD step
// W ← W − η·g, so the ranks stay one model — the same math as one process with batch B, only the
// work of a step is shared. What it costs is one allreduce of all 42 310 parameters per step.
#include <string>

#include "parallel.hpp"

namespace ch08 {

namespace {

class SyncSgd : public StepRule {
 public:
  SyncSgd(const dnn::Dataset& ds, const dnn::Mlp& net, const MpiWorld& world, std::string allreduce)
      : world_(world), allreduce_(std::move(allreduce)), shard_(ds.train_x, ds.train_y, net),
        sgd_(net) {}

  std::string name() const override { return "sync (allreduce " + allreduce_ + ")"; }

  StepStats step(dnn::Mlp& net, const int* idx, int count, int batch, float lr) override {
    const StepStats st = shard_.compute(net, idx, count, batch, flat_);
    const int n = static_cast<int>(flat_.size());
    allreduce_sum(flat_.data(), n, allreduce_, world_.comm());  // now every rank holds g
    bytes_sent += ring_bytes(n);
    ++rounds;
    sgd_.apply(net, flat_, lr);  // W ← W − η·g, the same on every rank
    return st;
  }

 private:
  // What a ring allreduce of n floats sends per rank: 2(P−1)/P·n·4 bytes (MPI's own algorithm
  // for this size sends about as much).
  double ring_bytes(int n) const {
    const double P = world_.size();
    return 2.0 * (P - 1) / P * n * sizeof(float);
  }

  const MpiWorld& world_;
  std::string allreduce_;
  ShardGradient shard_;
  SgdUpdate sgd_;
  std::vector<float> flat_;
};

}  // namespace

std::unique_ptr<StepRule> make_sync_sgd(const dnn::Dataset& ds, const dnn::Mlp& net, const MpiWorld& world,
                                        const std::string& allreduce) {
  return std::make_unique<SyncSgd>(ds, net, world, allreduce);
}

}  // namespace ch08
