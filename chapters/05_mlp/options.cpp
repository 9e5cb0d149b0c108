// Chapter 05's flags: declared once, checked once, each error naming its flag.
#include "options.hpp"

#include "dnn/exercise.hpp"
#include "dnn/cuda_device.hpp"

#include <cmath>
#include <sstream>

#include "dnn/error.hpp"
#include "dnn/log.hpp"

namespace ch05 {

void add_options(CLI::App& app, Options& o) {
  app.add_option("--backend", o.backend, std::string("naive (the plain loops; this binary links ") + dnn::exercise_bodies() + ") or eigen; cuda/cublas are chapter 07")
      ->capture_default_str();
  app.add_option("--hidden", o.hidden, "Hidden layer sizes, comma-separated (the textbook: 50,50)")
      ->capture_default_str();
  app.add_option("--activation", o.activation, "Hidden activation: relu, sigmoid, tanh or linear")
      ->capture_default_str();
  app.add_option("--optimizer", o.optimizer, "sgd (Keras 'sgd': no momentum), momentum or adam")
      ->capture_default_str();
  app.add_option("--lr", o.lr, "Learning rate η (Keras SGD default 0.01; Adam usually 0.001)")
      ->capture_default_str()
      ->check(dnn::above_at_most(0, 1e6));
  app.add_option("--momentum", o.momentum, "Momentum μ for --optimizer momentum")->capture_default_str();
  app.add_option("--batch", o.batch, "Minibatch size (Keras default 32)")->capture_default_str();
  app.add_option("--epochs", o.epochs, "Epochs: passes over the 60000 training images (the textbook: 10)")
      ->capture_default_str();
  app.add_option("--checkpoint", o.checkpoint, "Save model + optimizer state to FILE after the epochs (atomic; always after the last)")
      ->check(dnn::file_name());
  app.add_option("--resume", o.resume,
                 "Continue the run saved in FILE up to --epochs (model, optimizer, seed and batch come from FILE)")
      ->check(dnn::file_name());
  CLI::Option* bench = app.add_flag("--bench", o.bench,
                                     "Benchmark mode: time --bench-epochs epochs for each of --bench-backends x "
                                     "--bench-batches, write bench.json");
  // The --bench-* options only mean something in benchmark mode: without --bench they would be
  // accepted and silently ignored (the program would train instead), so CLI11 refuses them.
  app.add_option("--bench-epochs", o.bench_epochs, "Epochs per configuration in --bench mode")
      ->capture_default_str()
      ->needs(bench);
  app.add_option("--bench-backends", o.bench_backends, "Backends timed by --bench")->capture_default_str()->needs(bench);
  app.add_option("--bench-batches", o.bench_batches, "Batch sizes timed by --bench")->capture_default_str()->needs(bench);
  dnn::add_common_options(app, o.common, "out/05_mlp");
  dnn::add_data_options(app, o.data);
}

namespace {
// --backend cuda|cublas trains with chapter 07's GPU trainer; without a usable GPU say why, early.
void require_gpu(dnn::Backend b) {
  std::string why;
  if (!dnn::is_cpu_backend(b) && !dnn::cuda::device_available(&why))
    throw dnn::InputError("--backend " + dnn::to_string(b) + ": needs an NVIDIA GPU, and none is usable here (" +
                          why + "). The GPU trainers are chapter 07's; this chapter's CPU backends are naive and "
                          "eigen");
}
}  // namespace

Config validate(const Options& o) {
  using dnn::InputError;
  Config c;
  c.backend = dnn::parse_backend(o.backend, "--backend");
  require_gpu(c.backend);
  c.hidden = dnn::parse_layer_sizes(o.hidden, "--hidden");
  c.activation = dnn::parse_activation(o.activation, "--activation");
  c.optimizer.kind = dnn::parse_optimizer(o.optimizer, "--optimizer");
  if (!std::isfinite(o.lr) || !(o.lr > 0) || o.lr > 1e6)
    throw InputError("--lr: expected a finite learning rate > 0 (the textbook uses 0.01), got " +
                     dnn::format_number(o.lr));
  if (!std::isfinite(o.momentum) || o.momentum < 0 || o.momentum >= 1)
    throw InputError("--momentum: expected a value in [0, 1) (typically 0.9), got " + dnn::format_number(o.momentum));
  c.optimizer.lr = static_cast<float>(o.lr);
  c.optimizer.momentum = static_cast<float>(o.momentum);
  c.optimizer.adam.lr = o.lr;
  if (o.batch < 1) throw InputError("--batch: expected an integer >= 1 (Keras uses 32), got " + std::to_string(o.batch));
  if (o.epochs < 1) throw InputError("--epochs: expected an integer >= 1, got " + std::to_string(o.epochs));
  if (o.bench_epochs < 1)
    throw InputError("--bench-epochs: expected an integer >= 1, got " + std::to_string(o.bench_epochs));
  if (o.common.threads < 1)
    throw InputError("--threads: expected an integer >= 1, got " + std::to_string(o.common.threads));
  if (o.bench) {
    std::stringstream ss(o.bench_backends);
    std::string item;
    while (std::getline(ss, item, ',')) {
      // --bench times the CPU backends; the GPU timings are chapter 07's 07_fast --gpu-ladder.
      c.bench_backends.push_back(dnn::parse_cpu_backend(item, "--bench-backends"));
    }
    if (c.bench_backends.empty())
      throw InputError("--bench-backends: expected a comma-separated list like naive,eigen, got '" +
                       o.bench_backends + "'");
    c.bench_batches = parse_sizes(o.bench_batches, "--bench-batches");
  }
  if (!o.checkpoint.empty() && o.checkpoint == o.common.out_dir)
    throw InputError("--checkpoint: '" + o.checkpoint + "' is the output folder; expected a file name");
  return c;
}

}  // namespace ch05
