// Chapter 02 — backpropagation (反向传播, textbook §3.1) and how to know it is right.
//
// 1. The gradient check (梯度检验): for small networks on real digits (downsampled to 7×7 so the
//    check takes a moment), computed in double precision, every parameter tensor's gradient from
//    backpropagation is compared with central differences. One table row per tensor.
//    --planted-bug swaps in the textbook's δ = ∂E/∂Y (without f′(z)): read the table and explain.
// 2. The sign of the update: one step W ← W − η·∂E/∂W lowers the loss of the 784-50-50-10
//    network on a real minibatch; the textbook's W ← W + ΔW raises it.
// See chapters/02_backprop/README.md for what every number means.
// main() reads the options; run() does the two parts: gradient_check.cpp, update_sign.cpp;
// report.cpp writes the files.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "backprop.hpp"
#include "dnn/cli.hpp"
#include "dnn/data.hpp"
#include "dnn/error.hpp"
#include "dnn/exercise.hpp"
#include "dnn/mlp.hpp"
#include "dnn/ops.hpp"

namespace {

int run(const ch02::Options& o) {
  dnn::apply_threads(o.common.threads);
  const dnn::Backend backend = dnn::parse_cpu_backend(o.backend);
  const std::vector<int> hidden = dnn::parse_layer_sizes(o.hidden, "--hidden");
  dnn::prepare_output_dir(o.common.out_dir);
  const dnn::Dataset ds = dnn::load_dataset(o.data);
  std::printf("%s\n\n", dnn::describe(ds).c_str());
  if (ds.train_size() < o.batch)
    throw dnn::InputError("--batch: " + std::to_string(o.batch) + " examples requested, the training set has " +
                          std::to_string(ds.train_size()));
  if (ds.height / o.pool < 1 || ds.width / o.pool < 1)
    throw dnn::InputError("--pool: " + std::to_string(o.pool) + " is larger than the images");

  // 1. The gradient check: backpropagation against central differences, tensor by tensor.
  const ch02::CheckResult check = ch02::check_gradients(o, ds, hidden);

  // 2. The sign of the update: descent lowers the loss, the textbook's sign raises it.
  const dnn::CsvTable sign_csv = ch02::update_sign_demo(dnn::ops_for(backend), ds, o.common.seed);

  ch02::write_files(o, check, sign_csv);
  return ch02::verdict(o, check.failures);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Chapter 02 — backpropagation (textbook §3.1): a gradient check of every parameter tensor in double\n"
      "precision on real digits, and one update step with each sign (W − η∂E/∂W versus the textbook's W + ΔW)."};
  app.name("02_backprop");
  ch02::Options o;
  dnn::add_common_options(app, o.common, "out/02_backprop");
  dnn::add_data_options(app, o.data);
  app.add_option("--backend", o.backend,
                 std::string("Backend of the update-sign demo: naive (this binary links ") + dnn::exercise_bodies() +
                     ") or eigen")
      ->capture_default_str();
  app.add_flag("--planted-bug", o.planted_bug,
               "Backpropagate with the textbook's delta = dE/dY (no f'(z)) and watch the gradient check");
  app.add_option("--h", o.h, "Step of the central differences")->capture_default_str()->check(dnn::between(1e-10, 0.1));
  app.add_option("--tolerance", o.tolerance, "A tensor passes when its max relative error is below this")
      ->capture_default_str()
      ->check(dnn::above_at_most(0, 1));
  app.add_option("--batch", o.batch, "Examples in the gradient check")
      ->capture_default_str()
      ->check(dnn::whole_number(1, 256));
  app.add_option("--pool", o.pool, "Downsampling of the images for the check (4: 28x28 -> 7x7)")
      ->capture_default_str()
      ->check(dnn::whole_number(1, 28));
  app.add_option("--hidden", o.hidden, "Hidden sizes of the checked networks, comma-separated")
      ->capture_default_str();
  return dnn::run_program(app, argc, argv, [&] { return run(o); });
}
