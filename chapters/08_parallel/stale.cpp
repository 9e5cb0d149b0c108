// Mode `stale --staleness S` — asynchronous training simulated, deterministically.
//
// In asynchronous SGD (parameter servers, Hogwild) a worker's gradient reaches the weights after
// other workers have already moved them: it was computed on weights that are S updates old,
//
//     W_{t+1} = W_t − η·∇L(W_{t−S}).
//
// Real asynchrony makes S random and every run different. Here S is fixed and the run is the
// same every time, so its effect can be tested and measured: the weights of the last S steps are
// kept, and each gradient is computed on the oldest. S = 0 is plain sync SGD. Staleness-aware
// analyses predict that the largest stable learning rate shrinks about like 1/S (the README's
// table and stale.png measure it). Runs on any number of ranks like sync (allreduce of the stale
// gradients).
#include <deque>
#include <string>

#include "parallel.hpp"

namespace ch08 {
namespace {

class StaleSgd : public StepRule {
 public:
  StaleSgd(const dnn::Dataset& ds, const dnn::Mlp& net, const MpiWorld& world, std::string allreduce, int staleness)
      : world_(world), allreduce_(std::move(allreduce)), staleness_(staleness), shard_(ds.train_x, ds.train_y, net),
        sgd_(net), old_(net) {}

  std::string name() const override {
    return "stale (gradients of the weights " + std::to_string(staleness_) + " steps ago)";
  }

  StepStats step(dnn::Mlp& net, const int* idx, int count, int batch, float lr) override {
    std::vector<float> now;
    pack(net, now);
    past_.push_back(std::move(now));  // past_ holds W_{t−S} … W_t (fewer at the start)
    if (static_cast<int>(past_.size()) > staleness_ + 1) past_.pop_front();
    unpack(past_.front(), old_);
    const StepStats st = shard_.compute(old_, idx, count, batch, flat_);  // ∇L(W_{t−S})
    allreduce_sum(flat_.data(), static_cast<int>(flat_.size()), allreduce_, world_.comm());
    const double P = world_.size();
    bytes_sent += 2.0 * (P - 1) / P * static_cast<double>(flat_.size()) * sizeof(float);
    ++rounds;
    sgd_.apply(net, flat_, lr);  // applied to the current W_t
    return st;
  }

 private:
  const MpiWorld& world_;
  std::string allreduce_;
  int staleness_;
  ShardGradient shard_;
  SgdUpdate sgd_;
  dnn::Mlp old_;                          // W_{t−S}, where the gradient is taken
  std::deque<std::vector<float>> past_;
  std::vector<float> flat_;
};

}  // namespace

std::unique_ptr<StepRule> make_stale_sgd(const dnn::Dataset& ds, const dnn::Mlp& net, const MpiWorld& world,
                                         const std::string& allreduce, int staleness) {
  return std::make_unique<StaleSgd>(ds, net, world, allreduce, staleness);
}

}  // namespace ch08
