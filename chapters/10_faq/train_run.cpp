// Chapter 10: one training run of the FAQ experiments — fit() (train.hpp) over a TunedTrainer,
// with the learning-rate schedule, a new distortion of the training set every epoch when asked,
// and a checkpoint after every epoch that a later run resumes from (checkpoint.hpp).
#include <cmath>
#include <cstdio>
#include <fstream>

#include "dnn/checkpoint.hpp"
#include "dnn/error.hpp"
#include "dnn/log.hpp"
#include "dnn/mlp.hpp"
#include "dnn/rng.hpp"
#include "faq.hpp"

namespace ch10 {

using namespace dnn;

void take_rows(const Matrix& X, const std::vector<int>& y, const std::vector<int>& rows, Matrix& sub_x,
               std::vector<int>& sub_y) {
  sub_x.resize(static_cast<int>(rows.size()), X.cols);
  sub_y.resize(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    std::copy(X.row(rows[i]), X.row(rows[i]) + X.cols, sub_x.row(static_cast<int>(i)));
    sub_y[i] = y[static_cast<std::size_t>(rows[i])];
  }
}

namespace {
bool file_exists(const std::string& path) { return std::ifstream(path).good(); }
}  // namespace

TrainResult train_mlp(const TrainSpec& spec, const Matrix& train_x, const std::vector<int>& train_y,
                      const Matrix& test_x, const std::vector<int>& test_y, const std::string& dataset) {
  std::vector<int> sizes = layer_sizes(train_x.cols, spec.hidden, 10);
  Rng init_rng(spec.seed);
  Mlp net = make_mlp(sizes, Activation::ReLU, init_rng);  // Glorot-uniform W, zero b

  Checkpoint ck;
  const bool resuming = spec.resume && !spec.checkpoint.empty() && file_exists(spec.checkpoint);
  if (resuming) {
    ck = load_checkpoint(spec.checkpoint);
    if (layer_sizes(ck.net) != sizes || ck.seed != spec.seed || ck.batch != spec.batch ||
        ck.train_size != train_x.rows || ck.dataset != dataset || ck.optimizer.kind != spec.opt.kind)
      throw InputError("--resume: " + spec.checkpoint + " is a different run (layers " +
                       layer_sizes_text(layer_sizes(ck.net)) + ", seed " + std::to_string(ck.seed) + ", batch " +
                       std::to_string(ck.batch) + "), expected " + layer_sizes_text(sizes) + ", seed " +
                       std::to_string(spec.seed) + ", batch " + std::to_string(spec.batch) +
                       "; delete it to start again");
    if (ck.has_fingerprint && ck.data_fingerprint != spec.data_fingerprint)
      throw InputError("--resume: " + spec.checkpoint + " was trained on other data (fingerprint " +
                       std::to_string(ck.data_fingerprint) + ", this training set has " +
                       std::to_string(spec.data_fingerprint) + "); delete it to start again");
    net = ck.net;
    std::printf("%s: resuming %s after epoch %d\n", spec.label.c_str(), spec.checkpoint.c_str(), ck.epochs_done);
  }

  // The training images the trainer reads: the originals, or this epoch's distortions of them.
  Matrix augmented;
  const Matrix& images = spec.augment.any() ? augmented : train_x;
  if (spec.augment.any()) augmented = train_x;
  TunedTrainer trainer(net, spec.opt, spec.reg, images, train_y, spec.batch, spec.seed);
  if (resuming) {
    Optimizer opt(spec.opt, ck.net);
    restore_optimizer_state(ck, opt, spec.checkpoint);
    trainer.set_optimizer_state(opt);
  }
  auto prepare_epoch = [&](int e) {  // e: 0-based epoch about to start
    trainer.set_learning_rate(spec.opt.lr * std::pow(spec.lr_decay, static_cast<float>(e)));
    if (spec.augment.any()) distort_all(train_x, augmented, spec.augment, spec.seed, e);
  };

  TrainResult r;
  r.parameters = net.parameter_count();
  r.history = resuming ? ck.history : std::vector<EpochStats>{};
  bool reached = false;  // stop_at_accuracy reached (a resumed run may have reached it already)
  for (const EpochStats& st : r.history)
    if (spec.stop_at_accuracy > 0 && st.test_accuracy >= spec.stop_at_accuracy) reached = true;
  struct Reached {};  // thrown by on_epoch_end to end fit() early
  FitOptions fo;
  fo.epochs = spec.epochs;
  fo.first_epoch = resuming ? ck.epochs_done : 0;
  fo.seed = spec.seed;
  fo.verbose = spec.verbose;
  fo.lr = spec.opt.lr;
  fo.lr_flag = spec.opt.lr_flag;
  if (spec.evaluate_each_epoch || spec.stop_at_accuracy > 0) {
    fo.test_x = &test_x;
    fo.test_y = &test_y;
  }
  fo.on_epoch_end = [&](const EpochStats& st) {
    r.history.push_back(st);
    if (!spec.checkpoint.empty()) {
      Checkpoint out;
      out.dataset = dataset;
      out.train_size = train_x.rows;
      out.data_fingerprint = spec.data_fingerprint;
      out.seed = spec.seed;
      out.batch = spec.batch;
      out.epochs_done = st.epoch;
      capture_training_state(trainer, spec.opt, out);
      out.history = r.history;
      save_checkpoint(spec.checkpoint, out);
    }
    if (spec.stop_at_accuracy > 0 && st.test_accuracy >= spec.stop_at_accuracy) throw Reached{};
    prepare_epoch(st.epoch);  // the schedule's η and the distortions of the next epoch
  };
  if (!reached && fo.first_epoch < fo.epochs) {
    prepare_epoch(fo.first_epoch);
    try {
      fit(trainer, fo);
    } catch (const Reached&) {
    }
  }
  for (const EpochStats& st : r.history) {
    r.train_seconds += st.seconds;
    r.best_test_accuracy = std::max(r.best_test_accuracy, st.test_accuracy);
  }
  const bool evaluated = !r.history.empty() && fo.test_x != nullptr;
  r.test_accuracy = evaluated ? r.history.back().test_accuracy : trainer.evaluate(test_x, test_y).accuracy;
  if (!evaluated) r.best_test_accuracy = r.test_accuracy;
  return r;
}

}  // namespace ch10
