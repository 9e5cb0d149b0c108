// The epoch loop every mode shares. All ranks visit the same epoch order (epoch_order depends only
// on the seed and the epoch), cut each global minibatch of B rows with shard_rows, and give their
// rows to the mode (StepRule). Loss and accuracy of the epoch are summed over the ranks; rank 0
// evaluates on the test set and prints the Keras-style line; the weights of all ranks are compared
// after every epoch (a sync mode that lets them drift is a bug, and this says so at once).
#include <time.h>

#include <cstdio>
#include <string>

#include "dnn/error.hpp"
#include "dnn/ops.hpp"
#include "dnn/parallel.hpp"
#include "dnn/progress.hpp"
#include "dnn/timer.hpp"
#include "parallel.hpp"

namespace ch08 {
namespace {

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// Linear warm-up (Goyal et al. 2017): η grows from η/steps to η over the first `warmup_steps` steps.
float learning_rate(double lr, long step, long warmup_steps) {
  if (warmup_steps <= 0 || step >= warmup_steps) return static_cast<float>(lr);
  return static_cast<float>(lr * static_cast<double>(step + 1) / static_cast<double>(warmup_steps));
}

}  // namespace

RunResult train(StepRule& rule, dnn::Mlp& net, const dnn::Dataset& ds, const Options& o, const MpiWorld& world) {
  RunResult res;
  const int n = ds.train_size();
  const long steps = (n + o.batch - 1) / o.batch;
  const long warmup_steps = static_cast<long>(o.warmup_epochs) * steps;
  std::vector<int> order;
  dnn::MlpWorkspace eval_ws;
  long step_count = 0;
  double train_seconds = 0;
  for (int e = 0; e < o.epochs; ++e) {
    dnn::epoch_order(o.common.seed, e, n, order);
    dnn::ProgressBar bar(steps, "Epoch " + std::to_string(e + 1) + "/" + std::to_string(o.epochs),
                         world.root() && !o.common.quiet);
    const double cpu0 = process_cpu_seconds();
    const dnn::Timer t;
    double loss_sum = 0;
    long correct = 0;
    for (long s = 0; s < steps; ++s) {
      const int first = static_cast<int>(s * o.batch);
      const int rows = std::min(o.batch, n - first);  // the last minibatch may be smaller
      const dnn::parallel::RowRange mine = dnn::parallel::shard_rows(rows, world.size(), world.rank());
      const float lr = learning_rate(o.lr, step_count++, warmup_steps);
      const StepStats st = rule.step(net, order.data() + first + mine.first, mine.count, rows, lr);
      if (mine.count > 0 && dnn::loss_diverged(st.loss_sum / mine.count))  // stop at once (this rank; mpirun stops the rest)
        dnn::throw_divergence("the minibatch loss", st.loss_sum / mine.count, e + 1, s + 1, steps, lr, "--lr");
      loss_sum += st.loss_sum;
      correct += st.correct;
      if (world.root() && (s % 64 == 0 || s + 1 == steps))
        bar.update(s + 1, "loss (rank 0): " + dnn::format_number(loss_sum / std::max(1L, (s + 1) * o.batch / world.size()), 4));
    }
    rule.end_epoch(net);
    double totals[2] = {loss_sum, static_cast<double>(correct)};
    MPI_Allreduce(MPI_IN_PLACE, totals, 2, MPI_DOUBLE, MPI_SUM, world.comm());
    EpochRecord rec;
    rec.stats.epoch = e + 1;
    rec.stats.seconds = t.seconds();
    rec.cpu_seconds = process_cpu_seconds() - cpu0;
    rec.stats.train_loss = totals[0] / n;
    rec.stats.train_accuracy = totals[1] / n;
    if (dnn::loss_diverged(rec.stats.train_loss))
      dnn::throw_divergence("the training loss", rec.stats.train_loss, e + 1, steps, steps, o.lr, "--lr");
    if (rule.keeps_one_model()) check_same_weights(net, world, e + 1);
    train_seconds += rec.stats.seconds;
    const dnn::Timer te;
    if (world.root()) {
      const dnn::EvalResult test = dnn::mlp_evaluate(dnn::eigen_ops(), net, ds.test_x, ds.test_y, eval_ws);
      rec.stats.test_loss = test.loss;
      rec.stats.test_accuracy = test.accuracy;
    }
    double test[2] = {rec.stats.test_loss, rec.stats.test_accuracy};
    MPI_Bcast(test, 2, MPI_DOUBLE, 0, world.comm());
    rec.stats.test_loss = test[0];
    rec.stats.test_accuracy = test[1];
    rec.stats.eval_seconds = te.seconds();
    rec.bytes_sent = rule.bytes_sent;
    rec.rounds = rule.rounds;
    if (res.epoch_reached_97 == 0 && rec.stats.test_accuracy >= 0.97) {
      res.epoch_reached_97 = e + 1;
      res.rounds_to_97 = rule.rounds;
      res.bytes_to_97 = rule.bytes_sent;
    }
    char line[256];
    std::snprintf(line, sizeof line, "- %.2fs - loss: %.4f - accuracy: %.4f - test_loss: %.4f - test_accuracy: %.4f",
                  rec.stats.seconds, rec.stats.train_loss, rec.stats.train_accuracy, rec.stats.test_loss,
                  rec.stats.test_accuracy);
    if (world.root()) bar.finish(line);
    res.history.push_back(rec);
  }
  res.seconds_per_epoch = train_seconds / o.epochs;
  res.test = {res.history.back().stats.test_loss, res.history.back().stats.test_accuracy};
  res.weights_hash = hex(weights_hash(net));
  return res;
}

}  // namespace ch08
