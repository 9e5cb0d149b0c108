// The training loop: CpuTrainer (one SGD step = gather → forward → loss → check → backward →
// update) and the Keras-like fit().
#include "dnn/train.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "dnn/error.hpp"
#include "dnn/log.hpp"
#include "dnn/progress.hpp"
#include "dnn/rng.hpp"
#include "dnn/timer.hpp"

namespace dnn {

void epoch_order(std::uint64_t seed, int epoch, int n, std::vector<int>& order) {
  order.resize(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  // Each epoch gets its own generator, derived from the seed and the epoch index only:
  // epoch e of a resumed run shuffles exactly like epoch e of an uninterrupted one.
  Rng rng(seed ^ (0x9e3779b97f4a7c15ULL * static_cast<std::uint64_t>(epoch + 1)));
  rng.shuffle(order);
}

int count_correct(const Matrix& P, const std::vector<int>& labels) {
  int correct = 0;
  for (int i = 0; i < P.rows; ++i) {
    const float* p = P.row(i);
    int best = 0;
    for (int j = 1; j < P.cols; ++j)
      if (p[j] > p[best]) best = j;
    correct += (best == labels[static_cast<std::size_t>(i)]);
  }
  return correct;
}

std::string lower_lr_hint(double lr, const std::string& lr_flag) {
  char buf[160];
  if (lr_flag.empty())
    std::snprintf(buf, sizeof buf, "The learning rate (%g) is fixed in this part of the program.", lr);
  else
    std::snprintf(buf, sizeof buf, "Try a lower %s (now %g).", lr_flag.c_str(), lr);
  return buf;
}

void throw_divergence(const std::string& what, double value, int epoch, long step, long steps, double lr,
                      const std::string& lr_flag) {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "%s became %g at epoch %d, step %ld/%ld (NaN, Inf or above 1000: the logits exploded); "
                "the updates are too large. ",
                what.c_str(), value, epoch, step, steps);
  throw DivergenceError(buf + lower_lr_hint(lr, lr_flag));
}

// ------------------------------------------------------------------ CpuTrainer

namespace {
// Asks the memory system for the rows of the *next* minibatch while this step computes. They are
// random rows of a large training set (188 MB for MNIST), so without this the gather of every
// step waits for main memory (~17% of an Eigen step at batch 32). Only a hint: no effect on results.
void prefetch_rows(const Matrix& X, const std::vector<int>& order, long start, long count) {
  const std::size_t row_bytes = static_cast<std::size_t>(X.cols) * sizeof(float);
  for (long k = start; k < start + count; ++k) {
    const char* p = reinterpret_cast<const char*>(X.row(order[static_cast<std::size_t>(k)]));
    for (std::size_t off = 0; off < row_bytes; off += 64) __builtin_prefetch(p + off);
  }
}
}  // namespace

void require_training_set(const Matrix& train_x, const std::vector<int>& train_y, const Mlp& net,
                          const std::string& trainer) {
  if (train_x.rows != static_cast<int>(train_y.size()))
    throw std::invalid_argument(trainer + ": " + std::to_string(train_x.rows) + " training rows but " +
                                std::to_string(train_y.size()) + " labels");
  if (train_x.cols != net.input_size())
    throw std::invalid_argument(trainer + ": training rows have " + std::to_string(train_x.cols) +
                                " values, the network takes " + std::to_string(net.input_size()));
}

CpuTrainer::CpuTrainer(const Ops& ops, Mlp net, const OptimizerConfig& opt, const Matrix& train_x,
                       const std::vector<int>& train_y, int batch)
    : ops_(ops), net_(std::move(net)), opt_(opt, net_), X_(train_x), y_(train_y), batch_(batch) {
  if (batch < 1) throw InputError("--batch: expected an integer >= 1, got " + std::to_string(batch));
  require_training_set(train_x, train_y, net_, "CpuTrainer");
}

EpochMetrics train_minibatches(const std::vector<int>& order, int batch, int epoch, double lr,
                               const std::string& lr_flag, const StepCallback& on_step, const MinibatchStep& step) {
  const long n = static_cast<long>(order.size());
  const long steps = (n + batch - 1) / batch;
  EpochRunningMean mean;
  for (long s = 0; s < steps; ++s) {
    const int first = static_cast<int>(s * batch);
    const int count = static_cast<int>(std::min<long>(batch, n - first));
    long correct = 0;
    const float loss = step(first, count, &correct);
    if (loss_diverged(loss)) throw_divergence("the minibatch loss", loss, epoch, s + 1, steps, lr, lr_flag);
    mean.add(loss, count, correct);
    if (on_step) on_step(s + 1, steps, mean.loss(), mean.accuracy());
  }
  return mean.metrics(steps);
}

// One epoch of minibatch SGD (§3.2.1), each step written out: gather → forward → loss →
// backpropagation → update.
EpochMetrics CpuTrainer::train_epoch(const std::vector<int>& order, int epoch, const StepCallback& on_step) {
  const long n = static_cast<long>(order.size());
  const long steps = (n + batch_ - 1) / batch_;
  EpochRunningMean mean;
  for (long s = 0; s < steps; ++s) {
    const int first = static_cast<int>(s * batch_);
    const int count = static_cast<int>(std::min<long>(batch_, n - first));
    ops_.gather_minibatch(X_, y_, order, first, count, Xb_, yb_);  // the minibatch: rows order[first..]
    if (first + count < n) prefetch_rows(X_, order, first + count, std::min<long>(batch_, n - first - count));
    const Matrix& logits = mlp_forward(ops_, net_, Xb_, ws_);          // forward pass
    const float loss = ops_.softmax_cross_entropy(logits, yb_, ws_.P);  // loss (probabilities in ws_.P)
    if (loss_diverged(loss))
      throw_divergence("the minibatch loss", loss, epoch, s + 1, steps, opt_.config().lr, opt_.config().lr_flag);
    mlp_backward(ops_, net_, Xb_, yb_, ws_, grads_);  // backpropagation: ∂L/∂W, ∂L/∂b of every layer
    opt_.step(ops_, net_, grads_);                    // W ← W − η·∂L/∂W (or momentum, Adam)
    mean.add(loss, count, count_correct(ws_.P, yb_));
    if (on_step) on_step(s + 1, steps, mean.loss(), mean.accuracy());
  }
  return mean.metrics(steps);
}

EvalResult CpuTrainer::evaluate(const Matrix& X, const std::vector<int>& y) {
  return mlp_evaluate(ops_, net_, X, y, eval_ws_);
}

std::vector<int> CpuTrainer::predict(const Matrix& X) { return mlp_predict(ops_, net_, X, eval_ws_); }

void CpuTrainer::set_weights(const Mlp& net) {
  if (net.layers.size() != net_.layers.size())
    throw std::invalid_argument("CpuTrainer::set_weights: " + std::to_string(net.layers.size()) + " layers, expected " +
                                std::to_string(net_.layers.size()));
  for (std::size_t l = 0; l < net.layers.size(); ++l) {
    require_same_shape(net.layers[l].W, net_.layers[l].W, "CpuTrainer::set_weights W");
    require_same_shape(net.layers[l].b, net_.layers[l].b, "CpuTrainer::set_weights b");
  }
  net_ = net;
}

void CpuTrainer::set_optimizer_state(const Optimizer& opt) {
  auto check = [](const std::vector<Matrix>& a, const std::vector<Matrix>& b) {
    if (a.size() != b.size()) throw std::invalid_argument("CpuTrainer::set_optimizer_state: slot count mismatch");
    for (std::size_t k = 0; k < a.size(); ++k) require_same_shape(a[k], b[k], "CpuTrainer::set_optimizer_state");
  };
  check(opt.slots1(), opt_.slots1());
  check(opt.slots2(), opt_.slots2());
  opt_ = opt;
}

// ------------------------------------------------------------------ fit

namespace {
std::string metrics_suffix(double loss, double acc) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "loss: %.4f - accuracy: %.4f", loss, acc);
  return buf;
}

// Prints "Epoch e/E" (before the bar starts: its clock then times the epoch alone); returns `steps`.
long announce_epoch(int epoch, int epochs, long steps, bool verbose) {
  if (verbose) {
    std::printf("Epoch %d/%d\n", epoch, epochs);
    std::fflush(stdout);
  }
  return steps;
}
}  // namespace

EpochLog::EpochLog(int epoch, int epochs, long steps, bool verbose)
    : bar_(announce_epoch(epoch, epochs, steps, verbose), "", verbose) {
  // Format the running metrics only every 32 steps: the bar redraws ≤ 10×/s anyway.
  if (verbose && stdout_is_tty())
    on_step_ = [this](long done, long total, double loss, double acc) {
      if (done % 32 == 0 || done == total) bar_.update(done, metrics_suffix(loss, acc));
    };
}

void EpochLog::finish(const EpochStats& st, bool with_test) {
  std::string suffix = metrics_suffix(st.train_loss, st.train_accuracy);
  if (with_test) {
    char buf[96];
    std::snprintf(buf, sizeof buf, " - test_loss: %.4f - test_accuracy: %.4f", st.test_loss, st.test_accuracy);
    suffix += buf;
  }
  bar_.finish(suffix);
}

std::vector<EpochStats> fit(Trainer& trainer, const FitOptions& o) {
  std::vector<EpochStats> history;
  std::vector<int> order;
  const int n = trainer.train_size();
  const long steps = (static_cast<long>(n) + trainer.batch_size() - 1) / trainer.batch_size();
  for (int e = o.first_epoch; e < o.epochs; ++e) {
    const int epoch = e + 1;
    epoch_order(o.seed, e, n, order);
    EpochLog log(epoch, o.epochs, steps, o.verbose);
    Timer timer;
    const EpochMetrics r = trainer.train_epoch(order, epoch, log.on_step());
    EpochStats st;
    st.epoch = epoch;
    st.seconds = timer.seconds();
    st.train_loss = r.loss;
    st.train_accuracy = r.accuracy;
    const bool with_test = o.test_x && o.test_y;
    if (with_test) {
      Timer et;
      const EvalResult t = trainer.evaluate(*o.test_x, *o.test_y);
      st.eval_seconds = et.seconds();
      st.test_loss = t.loss;
      st.test_accuracy = t.accuracy;
      if (loss_diverged(t.loss)) throw_divergence("the test loss", t.loss, epoch, steps, steps, o.lr, o.lr_flag);
    }
    log.finish(st, with_test);
    history.push_back(st);
    if (o.on_epoch_end) o.on_epoch_end(st);
  }
  return history;
}

void save_history_csv(const std::string& path, const std::vector<EpochStats>& history) {
  CsvTable t({"epoch", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "seconds", "eval_seconds"});
  for (const auto& e : history)
    t.add_row(std::vector<double>{double(e.epoch), e.train_loss, e.train_accuracy, e.test_loss, e.test_accuracy,
                                  e.seconds, e.eval_seconds});
  t.save(path);
}

bool warn_if_not_learning(const std::string& program, double test_accuracy, double train_loss, int classes,
                          long steps, const std::string& lr_flag, double lr) {
  // Below ~1000 steps a working learning rate may not have got anywhere yet (a 1-epoch test run).
  if (classes < 2 || steps < 1000 || !(test_accuracy <= 1.5 / classes)) return false;
  // A fresh network starts near ln(classes); clearly above it, the steps made things worse.
  const bool worse = !(train_loss < 1.5 * std::log(static_cast<double>(classes)));
  std::fprintf(stderr,
               "%s: warning: after %ld steps the test accuracy %.1f%% is chance level (1 in %d): the network did not "
               "learn%s. The learning rate %s %s is probably too large (saturated or dead units give no NaN, so "
               "nothing stopped the run) or far too small; try another one\n",
               program.c_str(), steps, 100.0 * test_accuracy, classes,
               worse ? " and its training loss is far above that of guessing uniformly (treated as diverged: exit 3)"
                     : "",
               lr_flag.c_str(), format_number(lr, 4).c_str());
  return worse;
}

}  // namespace dnn
