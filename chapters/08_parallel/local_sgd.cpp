// Mode `local-sgd --sync-every H` — local SGD / federated averaging (McMahan et al. 2017).
//
// `sync` talks once per step. Local SGD talks once every H steps: each rank trains its own copy
// of the model on its shard of each global minibatch (a local minibatch of about B/P rows), with
// no communication at all, and every H steps (and at the end of each epoch) the P models are
// replaced by their average:
//
//     W ← (1/P)·Σ_r W_r
//
// With H = 1 this is the same math as sync SGD (the average of W − η·ĝ_r is W − η·mean ĝ_r); with
// larger H the models drift apart between averagings, which costs accuracy per step but divides
// the messages by H. The README's table: rounds and bytes to reach 97 % test accuracy vs H.
#include <string>

#include "parallel.hpp"

namespace ch08 {
namespace {

class LocalSgd : public StepRule {
 public:
  LocalSgd(const dnn::Dataset& ds, const dnn::Mlp& net, const MpiWorld& world, std::string allreduce, int sync_every)
      : world_(world), allreduce_(std::move(allreduce)), sync_every_(sync_every), shard_(ds.train_x, ds.train_y, net),
        sgd_(net) {}

  std::string name() const override {
    return "local-sgd (average every " + std::to_string(sync_every_) + " steps, allreduce " + allreduce_ + ")";
  }

  StepStats step(dnn::Mlp& net, const int* idx, int count, int batch, float lr) override {
    (void)batch;  // each rank steps on the mean over its own rows
    StepStats st;
    if (count > 0) {
      st = shard_.compute(net, idx, count, count, flat_);
      sgd_.apply(net, flat_, lr);  // a local step: this rank's model only
    }
    if (++since_average_ == sync_every_) average(net);
    return st;
  }

  void end_epoch(dnn::Mlp& net) override {
    if (since_average_ > 0) average(net);
  }

  bool keeps_one_model() const override { return true; }  // after end_epoch's averaging, yes

 private:
  void average(dnn::Mlp& net) {
    pack(net, weights_);
    const int n = static_cast<int>(weights_.size());
    allreduce_sum(weights_.data(), n, allreduce_, world_.comm());
    const float inv = 1.0f / static_cast<float>(world_.size());
    for (float& w : weights_) w *= inv;
    unpack(weights_, net);
    const double P = world_.size();
    bytes_sent += 2.0 * (P - 1) / P * n * sizeof(float);
    ++rounds;
    since_average_ = 0;
  }

  const MpiWorld& world_;
  std::string allreduce_;
  int sync_every_;
  int since_average_ = 0;
  ShardGradient shard_;
  SgdUpdate sgd_;
  std::vector<float> flat_, weights_;
};

}  // namespace

std::unique_ptr<StepRule> make_local_sgd(const dnn::Dataset& ds, const dnn::Mlp& net, const MpiWorld& world,
                                         const std::string& allreduce, int sync_every) {
  return std::make_unique<LocalSgd>(ds, net, world, allreduce, sync_every);
}

}  // namespace ch08
