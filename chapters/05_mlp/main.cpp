// Chapter 05 — the textbook's Keras MNIST example (§4), reproduced in C++:
//
//     model = Sequential()
//     model.add(Dense(50, input_dim=784, activation='relu'))   # the book says 64: see README
//     model.add(Dense(50, activation='relu'))
//     model.add(Dense(10, activation='softmax'))
//     model.compile(loss='categorical_crossentropy', optimizer='sgd', metrics=['accuracy'])
//     model.fit(x_train, y_train, epochs=10, batch_size=32)
//     score = model.evaluate(x_test, y_test)
//
// Same defaults as Keras: Glorot-uniform weights, zero biases, SGD with lr 0.01 and no
// momentum, batch 32, the training set reshuffled every epoch. Results go to --out:
// history.csv, summary.json, curves, confusion matrix and a gallery of mistakes (report.cpp).
// Timings per backend and batch size: build/bench/bench_05_mlp (bench_05_mlp.cpp).
// --backend naive runs chapter 05's exercises (epoch.hpp: shuffle_order, train_epoch, evaluate) on
// chapters 01–04's: with scripts/check's build (build/yours/bin/05_mlp) every step is your code.
#include <cstdio>
#include <memory>

#include "dnn/checkpoint.hpp"
#include "dnn/cli.hpp"
#include "dnn/data.hpp"
#include "dnn/error.hpp"
#include "dnn/gpu_trainer.hpp"
#include "dnn/log.hpp"
#include "dnn/timer.hpp"
#include "dnn/train.hpp"
#include "epoch.hpp"
#include "options.hpp"
#include "report.hpp"

using namespace dnn;

namespace {

// naive: chapter 05's exercises (EpochTrainer, epoch.hpp); eigen: the library's CpuTrainer
// (train.cpp); cuda/cublas: chapter 07's GPU trainer (hand-written kernels or cuBLAS; the data
// stays on the device). All implement Trainer.
std::unique_ptr<Trainer> make_trainer(Backend b, const Mlp& net, const OptimizerConfig& opt, const Dataset& ds,
                                      int batch) {
  if (b == Backend::Naive) return std::make_unique<ch05::EpochTrainer>(net, opt, ds.train_x, ds.train_y, batch);
  if (is_cpu_backend(b)) return std::make_unique<CpuTrainer>(ops_for(b), net, opt, ds.train_x, ds.train_y, batch);
#if DNN_HAVE_CUDA
  const cuda::GpuVariant v = b == Backend::Cublas ? cuda::GpuVariant::Cublas : cuda::GpuVariant::Persistent;
  return std::make_unique<cuda::GpuTrainer>(net, opt, ds.train_x, ds.train_y, batch, v);
#else
  throw InputError("--backend " + to_string(b) + ": this build has no CUDA (CMake found no nvcc, or -DDNN_ENABLE_CUDA=OFF)");
#endif
}

int run(const CLI::App& app, ch05::Options o) {
  ch05::Config c = ch05::validate(o);
  apply_threads(o.common.threads);
  if (!o.resume.empty()) check_input_file(o.resume, "--resume", "a checkpoint file written by --checkpoint");
  prepare_output_dir(o.common.out_dir, "--out");
  OutputFileFlag checkpoint_file;  // checked now, not after the training; says so if it replaces another run's
  if (!o.checkpoint.empty())
    checkpoint_file = OutputFileFlag(o.checkpoint, "--checkpoint", checkpoint_file_kind(), o.resume);

  Dataset ds = load_dataset(o.data);
  ch05::print_data(ds, o.batch);

  // --resume: the saved network, optimizer state and history; its settings replace the flags.
  const bool resuming = !o.resume.empty();
  const Checkpoint ck = resuming ? ch05::load_checkpoint_to_resume(app, ds, o, c) : Checkpoint{};

  // The model: Dense(50, relu) → Dense(50, relu) → Dense(10) + softmax; Glorot-uniform W, zero b.
  const std::vector<int> sizes = layer_sizes(ds.input_size(), c.hidden, ds.classes);
  Rng init_rng(o.common.seed);
  const Mlp net = resuming ? ck.net : make_mlp(sizes, c.activation, init_rng);
  std::unique_ptr<Trainer> trainer = make_trainer(c.backend, net, c.optimizer, ds, o.batch);
  if (resuming) {
    Optimizer opt(c.optimizer, net);
    restore_optimizer_state(ck, opt, o.resume);
    trainer->set_optimizer_state(opt);
  }
  ch05::print_summary(net, trainer->name(), c.optimizer, o.batch, o.epochs);

  // model.fit: every epoch visits the training images in a new random order, in minibatches of
  // --batch; each minibatch: gather → forward → loss → backpropagation → SGD update (naive:
  // ch05::shuffle_order and ch05::train_epoch; else epoch_order and CpuTrainer::train_epoch). After
  // each epoch: evaluate on the test set, save the history and the checkpoint (rewritten only when
  // due: RewriteSchedule, log.hpp).
  std::vector<EpochStats> history = resuming ? ck.history : std::vector<EpochStats>{};
  const int first_epoch = resuming ? ck.epochs_done : 0;
  const long steps = (static_cast<long>(ds.train_size()) + trainer->batch_size() - 1) / trainer->batch_size();
  const std::string csv = join_path(o.common.out_dir, "history.csv");
  RewriteSchedule history_due, checkpoint_due;
  const std::uint32_t fingerprint = checkpoint_file.given() ? data_fingerprint(ds) : 0;
  std::vector<int> order;
  const Timer total;
  try {
    for (int epoch = first_epoch + 1; epoch <= o.epochs; ++epoch) {
      if (c.backend == Backend::Naive)
        ch05::shuffle_order(o.common.seed, epoch - 1, ds.train_size(), order);  // the exercise
      else
        epoch_order(o.common.seed, epoch - 1, ds.train_size(), order);  // the same permutation
      EpochLog log(epoch, o.epochs, steps, !o.common.quiet);  // "Epoch 3/10" and the progress bar
      const Timer train_timer;
      const EpochMetrics m = trainer->train_epoch(order, epoch, log.on_step());
      const double seconds = train_timer.seconds();
      const Timer eval_timer;
      const EvalResult t = trainer->evaluate(ds.test_x, ds.test_y);
      const EpochStats st{epoch, m.loss, m.accuracy, t.loss, t.accuracy, seconds, eval_timer.seconds()};
      if (loss_diverged(t.loss)) throw_divergence("the test loss", t.loss, epoch, steps, steps, c.optimizer.lr, "--lr");
      log.finish(st, true);
      history.push_back(st);
      const bool last = epoch >= o.epochs;
      if (history_due.due(last)) history_due.timed([&] { save_history_csv(csv, history); });
      if (checkpoint_file.given() && checkpoint_due.due(last)) {
        const Checkpoint out = ch05::checkpoint_after(epoch, o, c, ds, fingerprint, *trainer, history);
        checkpoint_file.before_write();
        checkpoint_due.timed([&] { save_checkpoint(checkpoint_file.path(), out); });
      }
    }
  } catch (const DivergenceError&) {
    save_history_csv(csv, history);  // the good epochs' numbers (the checkpoint keeps the last one written)
    throw;
  }
  const double train_seconds = total.seconds();

  // model.evaluate(x_test, y_test) — what the textbook prints at the end.
  const EvalResult test = trainer->evaluate(ds.test_x, ds.test_y);
  std::printf("Test loss: %.4f\nTest accuracy: %.4f (%s test set)\n", test.loss, test.accuracy,
              display_name(ds).c_str());
  const bool learned_nothing =
      warn_if_not_learning("05_mlp", test.accuracy, history.empty() ? 0.0 : history.back().train_loss, ds.classes,
                           static_cast<long>(history.size()) * steps, "--lr", c.optimizer.lr);
  if (!o.checkpoint.empty()) std::printf("checkpoint: %s\n", o.checkpoint.c_str());

  save_history_csv(csv, history);
  std::printf("wrote %s\n", csv.c_str());
  ch05::write_results(o, c, ds,
                      {trainer->name(), sizes, net.parameter_count(), test, trainer->predict(ds.test_x), history,
                       first_epoch, train_seconds});
  if (!ds.warning.empty()) std::printf("%s\n", fallback_reminder(ds).c_str());
  return learned_nothing ? kExitDiverged : kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Chapter 05: the textbook's Keras MNIST MLP (784-50-50-10, ReLU, softmax, SGD 0.01, batch 32, "
               "10 epochs) in C++",
               "05_mlp"};
  ch05::Options o;
  ch05::add_options(app, o);
  return run_program(app, argc, argv, [&] { return run(app, o); });
}
