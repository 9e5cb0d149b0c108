// SOLUTION FILE — the reference bodies. (Contributors: edit here, then run scripts/gen-exercises.py.)
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
  // BEGIN EXERCISE shuffle_order | reject n < 0; order = 0, 1, …, n−1; one generator per epoch: Rng rng(seed ^ (0x9e3779b97f4a7c15ULL * (epoch + 1))); Fisher–Yates from the back: for i = n down to 2: j = rng.below(i), swap order[i−1] and order[j]
  if (n < 0) throw std::invalid_argument("shuffle_order: n must be >= 0, got " + std::to_string(n));
  order.resize(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
  // Epoch e's generator depends on (seed, e) only: a resumed run shuffles like one that never stopped.
  Rng rng(seed ^ (0x9e3779b97f4a7c15ULL * static_cast<std::uint64_t>(epoch + 1)));
  for (std::size_t i = order.size(); i > 1; --i) {
    const std::size_t j = static_cast<std::size_t>(rng.below(i));  // uniform in [0, i): the row for place i−1
    std::swap(order[i - 1], order[j]);
  }
  // END EXERCISE
}

EpochMetrics train_epoch(Mlp& net, Optimizer& opt, const Matrix& X, const std::vector<int>& y,
                         const std::vector<int>& order, int batch, int epoch, const StepCallback& on_step,
                         StepBuffers& buf) {
  // BEGIN EXERCISE train_epoch | ops = naive_ops(); steps = ceil(n / batch) with n = order.size() (the last minibatch may be shorter); per step s: first = s·batch, count = min(batch, n − first); naive::gather_minibatch(X, y, order, first, count, buf.Xb, buf.yb); logits = mlp_forward(ops, net, buf.Xb, buf.ws); loss = ops.softmax_cross_entropy(logits, buf.yb, buf.ws.P); if loss_diverged(loss): throw_divergence(the minibatch loss, loss, epoch, s + 1, steps, opt.config().lr, opt.config().lr_flag); mlp_backward(...); opt.step(ops, net, buf.grads); EpochRunningMean mean: mean.add(loss, count, count_correct(buf.ws.P, buf.yb)); on_step(s + 1, steps, mean.loss(), mean.accuracy()) when given; return mean.metrics(steps)
  const Ops& ops = naive_ops();  // your functions of chapters 01–04
  const long n = static_cast<long>(order.size());
  const long steps = (n + batch - 1) / batch;
  EpochRunningMean mean;
  for (long s = 0; s < steps; ++s) {
    const int first = static_cast<int>(s * batch);
    const int count = static_cast<int>(std::min<long>(batch, n - first));
    naive::gather_minibatch(X, y, order, first, count, buf.Xb, buf.yb);  // the minibatch: rows order[first..]
    const Matrix& logits = mlp_forward(ops, net, buf.Xb, buf.ws);        // forward pass
    const float loss = ops.softmax_cross_entropy(logits, buf.yb, buf.ws.P);  // loss (probabilities in ws.P)
    if (loss_diverged(loss))
      throw_divergence("the minibatch loss", loss, epoch, s + 1, steps, opt.config().lr, opt.config().lr_flag);
    mlp_backward(ops, net, buf.Xb, buf.yb, buf.ws, buf.grads);  // backpropagation: ∂L/∂W, ∂L/∂b
    opt.step(ops, net, buf.grads);                              // W ← W − η·∂L/∂W (sgd_step)
    mean.add(loss, count, count_correct(buf.ws.P, buf.yb));
    if (on_step) on_step(s + 1, steps, mean.loss(), mean.accuracy());
  }
  return mean.metrics(steps);
  // END EXERCISE
}

EvalResult evaluate(const Mlp& net, const Matrix& X, const std::vector<int>& y, StepBuffers& buf) {
  // BEGIN EXERCISE evaluate | check y has X.rows labels (std::invalid_argument); rows = 0, 1, …, X.rows−1; for each chunk of 1000 rows (the last maybe fewer): naive::gather_minibatch(X, y, rows, first, count, buf.Xb, buf.yb), logits = mlp_forward(naive_ops(), net, buf.Xb, buf.ws), loss_sum += double(naive_ops().softmax_cross_entropy(logits, buf.yb, buf.ws.P)) · count, correct += count_correct(logits, buf.yb); loss = loss_sum / X.rows, accuracy = correct / X.rows (0 and 0 for no rows)
  if (static_cast<int>(y.size()) != X.rows)
    throw std::invalid_argument("evaluate: " + std::to_string(y.size()) + " labels for " + std::to_string(X.rows) +
                                " rows");
  EvalResult r;
  if (X.rows == 0) return r;
  const Ops& ops = naive_ops();
  const int chunk = 1000;  // the loss of a chunk is a float mean: another size changes the last bits
  const std::vector<int> rows = iota_indices(X.rows);
  double loss_sum = 0;
  long correct = 0;
  for (int first = 0; first < X.rows; first += chunk) {
    const int count = std::min(chunk, X.rows - first);
    naive::gather_minibatch(X, y, rows, first, count, buf.Xb, buf.yb);
    const Matrix& logits = mlp_forward(ops, net, buf.Xb, buf.ws);
    loss_sum += static_cast<double>(ops.softmax_cross_entropy(logits, buf.yb, buf.ws.P)) * count;
    correct += count_correct(logits, buf.yb);
  }
  r.loss = loss_sum / X.rows;
  r.accuracy = static_cast<double>(correct) / X.rows;
  return r;
  // END EXERCISE
}

}  // namespace ch05
