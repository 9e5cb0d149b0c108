// EXERCISE FILE — yours to edit. Generated from solutions/ch05_mlp.cpp by scripts/gen-exercises.py.
// Replace each DNN_TODO(...) line with your code, then run: scripts/check 05
// (Stuck? The chapter README has a hint for every exercise; solutions/ch05_mlp.cpp has the answer.)
// Chapter 05, the textbook's Keras MNIST example (§4: model.fit, model.evaluate): exercises
// shuffle_order, train_epoch, evaluate. The declarations and what each computes:
// chapters/05_mlp/epoch.hpp. They run your functions of chapters 01–04 through dnn::naive_ops().
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>

#include "05_mlp/epoch.hpp"  // chapters/ is on the include path (solutions/, exercises/ CMakeLists)
#include "dnn/exercise.hpp"
#include "dnn/naive.hpp"
#include "dnn/ops.hpp"
#include "dnn/rng.hpp"

namespace ch05 {

using namespace dnn;

void shuffle_order(std::uint64_t seed, int epoch, int n, std::vector<int>& order) {
  // TODO(exercise shuffle_order): reject n < 0; order = 0, 1, …, n−1; one generator per epoch: Rng rng(seed ^ (0x9e3779b97f4a7c15ULL * (epoch + 1))); Fisher–Yates from the back: for i = n down to 2: j = rng.below(i), swap order[i−1] and order[j]
  DNN_TODO("shuffle_order", "reject n < 0; order = 0, 1, …, n−1; one generator per epoch: Rng rng(seed ^ (0x9e3779b97f4a7c15ULL * (epoch + 1))); Fisher–Yates from the back: for i = n down to 2: j = rng.below(i), swap order[i−1] and order[j]");
}

EpochMetrics train_epoch(Mlp& net, Optimizer& opt, const Matrix& X, const std::vector<int>& y,
                         const std::vector<int>& order, int batch, int epoch, const StepCallback& on_step,
                         StepBuffers& buf) {
  // TODO(exercise train_epoch): ops = naive_ops(); steps = ceil(n / batch) with n = order.size() (the last minibatch may be shorter); per step s: first = s·batch, count = min(batch, n − first); naive::gather_minibatch(X, y, order, first, count, buf.Xb, buf.yb); logits = mlp_forward(ops, net, buf.Xb, buf.ws); loss = ops.softmax_cross_entropy(logits, buf.yb, buf.ws.P); if loss_diverged(loss): throw_divergence(the minibatch loss, loss, epoch, s + 1, steps, opt.config().lr, opt.config().lr_flag); mlp_backward(...); opt.step(ops, net, buf.grads); EpochRunningMean mean: mean.add(loss, count, count_correct(buf.ws.P, buf.yb)); on_step(s + 1, steps, mean.loss(), mean.accuracy()) when given; return mean.metrics(steps)
  DNN_TODO("train_epoch", "ops = naive_ops(); steps = ceil(n / batch) with n = order.size() (the last minibatch may be shorter); per step s: first = s·batch, count = min(batch, n − first); naive::gather_minibatch(X, y, order, first, count, buf.Xb, buf.yb); logits = mlp_forward(ops, net, buf.Xb, buf.ws); loss = ops.softmax_cross_entropy(logits, buf.yb, buf.ws.P); if loss_diverged(loss): throw_divergence(the minibatch loss, loss, epoch, s + 1, steps, opt.config().lr, opt.config().lr_flag); mlp_backward(...); opt.step(ops, net, buf.grads); EpochRunningMean mean: mean.add(loss, count, count_correct(buf.ws.P, buf.yb)); on_step(s + 1, steps, mean.loss(), mean.accuracy()) when given; return mean.metrics(steps)");
}

EvalResult evaluate(const Mlp& net, const Matrix& X, const std::vector<int>& y, StepBuffers& buf) {
  // TODO(exercise evaluate): check y has X.rows labels (std::invalid_argument); rows = 0, 1, …, X.rows−1; for each chunk of 1000 rows (the last maybe fewer): naive::gather_minibatch(X, y, rows, first, count, buf.Xb, buf.yb), logits = mlp_forward(naive_ops(), net, buf.Xb, buf.ws), loss_sum += double(naive_ops().softmax_cross_entropy(logits, buf.yb, buf.ws.P)) · count, correct += count_correct(logits, buf.yb); loss = loss_sum / X.rows, accuracy = correct / X.rows (0 and 0 for no rows)
  DNN_TODO("evaluate", "check y has X.rows labels (std::invalid_argument); rows = 0, 1, …, X.rows−1; for each chunk of 1000 rows (the last maybe fewer): naive::gather_minibatch(X, y, rows, first, count, buf.Xb, buf.yb), logits = mlp_forward(naive_ops(), net, buf.Xb, buf.ws), loss_sum += double(naive_ops().softmax_cross_entropy(logits, buf.yb, buf.ws.P)) · count, correct += count_correct(logits, buf.yb); loss = loss_sum / X.rows, accuracy = correct / X.rows (0 and 0 for no rows)");
}

}  // namespace ch05
