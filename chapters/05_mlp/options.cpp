// Chapter 05's flags: declared once, checked once, each error naming its flag.
#include "options.hpp"

#include "dnn/exercise.hpp"
#include "dnn/cuda_device.hpp"

#include <cmath>
#include <cstdio>

#include "dnn/cli.hpp"
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
  if (o.common.threads < 1)
    throw InputError("--threads: expected an integer >= 1, got " + std::to_string(o.common.threads));
  if (!o.checkpoint.empty() && o.checkpoint == o.common.out_dir)
    throw InputError("--checkpoint: '" + o.checkpoint + "' is the output folder; expected a file name");
  return c;
}

// ---------------------------------------------------------------- --resume
namespace {
std::string sizes_text(const std::vector<int>& s) {
  std::string r;
  for (std::size_t k = 0; k < s.size(); ++k) r += (k ? "," : "") + std::to_string(s[k]);
  return r;
}

// Settings come from the checkpoint; a flag given explicitly with another value is an error.
void adopt_checkpoint_settings(const CLI::App& app, const dnn::Checkpoint& ck, const std::string& file,
                               const dnn::Dataset& ds, Options& o, Config& c) {
  using namespace dnn;
  const std::string where = "--resume '" + file + "': ";
  auto conflict = [&](const char* flag, const std::string& mine, const std::string& theirs) {
    if (app.count(flag) > 0 && mine != theirs)
      throw InputError(where + "the checkpoint was trained with " + flag + " " + theirs + ", but " + flag + " " + mine +
                       " was given (leave " + flag + " out to continue the saved run)");
  };
  const std::vector<int> sizes = layer_sizes(ck.net);
  if (sizes.front() != ds.input_size() || sizes.back() != ds.classes)
    throw InputError(where + "the checkpoint's network takes " + std::to_string(sizes.front()) + " inputs and " +
                     std::to_string(sizes.back()) + " classes, the data has " + std::to_string(ds.input_size()) +
                     " and " + std::to_string(ds.classes));
  if (ck.dataset != ds.name || ck.train_size != ds.train_size())
    throw InputError(where + "the checkpoint was trained on " + ck.dataset + " (" + std::to_string(ck.train_size) +
                     " examples), this run loaded " + ds.name + " (" + std::to_string(ds.train_size()) +
                     " examples): resume with the same data");
  if (!ck.has_fingerprint)
    std::fprintf(stderr, "note: %s was written before checkpoints recorded their data: cannot check that it was "
                         "trained on this data\n", file.c_str());
  else if (ck.data_fingerprint != data_fingerprint(ds))
    throw InputError(where + "the checkpoint was trained on other " + ck.dataset + " data than " + ds.source +
                     " holds (same size, different images or labels: another folder, or train and test "
                     "swapped?): resume with the same data");
  const std::vector<int> hidden(sizes.begin() + 1, sizes.end() - 1);
  conflict("--hidden", sizes_text(c.hidden), sizes_text(hidden));
  const Activation act = ck.net.layers.size() > 1 ? ck.net.layers.front().act : c.activation;
  conflict("--activation", to_string(c.activation), to_string(act));
  conflict("--optimizer", to_string(c.optimizer.kind), to_string(ck.optimizer.kind));
  conflict("--lr", format_number(c.optimizer.lr), format_number(ck.optimizer.lr));
  if (ck.optimizer.kind == OptimizerKind::Momentum)
    conflict("--momentum", format_number(c.optimizer.momentum), format_number(ck.optimizer.momentum));
  conflict("--batch", std::to_string(o.batch), std::to_string(ck.batch));
  conflict("--seed", std::to_string(o.common.seed), std::to_string(ck.seed));
  c.hidden = hidden;
  c.activation = act;
  c.optimizer = ck.optimizer;
  o.batch = ck.batch;
  o.common.seed = ck.seed;
}
}  // namespace

dnn::Checkpoint load_checkpoint_to_resume(const CLI::App& app, const dnn::Dataset& ds, Options& o, Config& c) {
  dnn::Checkpoint ck;
  try {
    ck = dnn::load_checkpoint(o.resume);
  } catch (const dnn::InputError& e) {
    throw dnn::InputError(std::string("--resume: ") + e.what());
  }
  adopt_checkpoint_settings(app, ck, o.resume, ds, o, c);
  if (ck.epochs_done >= o.epochs)
    std::printf("Resuming %s: it already has %d epoch(s), --epochs is %d: nothing to train, evaluating it\n",
                o.resume.c_str(), ck.epochs_done, o.epochs);
  else
    std::printf("Resuming %s: %d epoch(s) done, continuing to epoch %d\n", o.resume.c_str(), ck.epochs_done,
                o.epochs);
  return ck;
}

dnn::Checkpoint checkpoint_after(int epoch, const Options& o, const Config& c, const dnn::Dataset& ds,
                                 std::uint32_t fingerprint, const dnn::Trainer& trainer,
                                 const std::vector<dnn::EpochStats>& history) {
  dnn::Checkpoint out;
  out.dataset = ds.name;
  out.train_size = ds.train_size();
  out.data_fingerprint = fingerprint;
  out.seed = o.common.seed;
  out.batch = o.batch;
  out.epochs_done = epoch;
  dnn::capture_training_state(trainer, c.optimizer, out);  // weights and optimizer state
  out.history = history;
  return out;
}

}  // namespace ch05
