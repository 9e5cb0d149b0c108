// EpochTrainer: `05_mlp --backend naive` trains with chapter 05's exercises (epoch.hpp). It keeps
// the network, the optimizer and the step buffers like CpuTrainer (common/src/train.cpp), and hands
// each epoch to train_epoch and each evaluation to evaluate — your code, or the reference bodies in
// the program linked with solutions/.
#include <stdexcept>
#include <string>
#include <utility>

#include "dnn/error.hpp"
#include "dnn/ops.hpp"
#include "epoch.hpp"

namespace ch05 {

using namespace dnn;

EpochTrainer::EpochTrainer(Mlp net, const OptimizerConfig& opt, const Matrix& train_x, const std::vector<int>& train_y,
                           int batch)
    : net_(std::move(net)), opt_(opt, net_), X_(train_x), y_(train_y), batch_(batch) {
  if (batch < 1) throw InputError("--batch: expected an integer >= 1, got " + std::to_string(batch));
  require_training_set(train_x, train_y, net_, "EpochTrainer");
}

EpochMetrics EpochTrainer::train_epoch(const std::vector<int>& order, int epoch, const StepCallback& on_step) {
  return ch05::train_epoch(net_, opt_, X_, y_, order, batch_, epoch, on_step, train_buf_);
}

EvalResult EpochTrainer::evaluate(const Matrix& X, const std::vector<int>& y) {
  return ch05::evaluate(net_, X, y, eval_buf_);
}

std::vector<int> EpochTrainer::predict(const Matrix& X) { return mlp_predict(naive_ops(), net_, X, eval_buf_.ws); }

void EpochTrainer::set_weights(const Mlp& net) {
  if (net.layers.size() != net_.layers.size())
    throw std::invalid_argument("EpochTrainer::set_weights: " + std::to_string(net.layers.size()) +
                                " layers, expected " + std::to_string(net_.layers.size()));
  for (std::size_t l = 0; l < net.layers.size(); ++l) {
    require_same_shape(net.layers[l].W, net_.layers[l].W, "EpochTrainer::set_weights W");
    require_same_shape(net.layers[l].b, net_.layers[l].b, "EpochTrainer::set_weights b");
  }
  net_ = net;
}

void EpochTrainer::set_optimizer_state(const Optimizer& opt) {
  auto check = [](const std::vector<Matrix>& a, const std::vector<Matrix>& b) {
    if (a.size() != b.size()) throw std::invalid_argument("EpochTrainer::set_optimizer_state: slot count mismatch");
    for (std::size_t k = 0; k < a.size(); ++k) require_same_shape(a[k], b[k], "EpochTrainer::set_optimizer_state");
  };
  check(opt.slots1(), opt_.slots1());
  check(opt.slots2(), opt_.slots2());
  opt_ = opt;
}

}  // namespace ch05
