// Chapter 01 — the forward pass (前向传播) of the textbook's network (§2.2):
// input layer (输入层, 784 pixels) → two hidden layers (隐藏层, 50 ReLU units each) → output
// layer (输出层, 10 logits → softmax probabilities).
//
// Builds the 784-50-50-10 network with Glorot-uniform weights (seeded, zero biases, as Keras),
// pushes a few real digits through it layer by layer, prints every shape and the predicted class
// probabilities (≈ uniform: the network is untrained), then runs the same forward pass with the
// other backend and shows both give the same numbers. See chapters/01_forward/README.md.
// main() reads the options; run() is the lesson; report.cpp prints the tables and writes the files.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "dnn/cli.hpp"
#include "dnn/data.hpp"
#include "dnn/error.hpp"
#include "dnn/exercise.hpp"
#include "dnn/log.hpp"
#include "dnn/mlp.hpp"
#include "dnn/ops.hpp"
#include "report.hpp"

namespace {

/// The options of the forward-pass tour.
struct Options {
  dnn::CommonOptions common;
  dnn::DataOptions data;
  std::string backend = "eigen";     ///< --backend: naive or eigen (the other one is compared with it)
  std::string hidden = "50,50";      ///< --hidden: hidden layer sizes
  std::string activation = "relu";   ///< --activation of the hidden layers
  int digits = 5;                    ///< --digits: test digits pushed through the network
};

int run(const Options& o) {
  dnn::apply_threads(o.common.threads);
  const dnn::Backend backend = dnn::parse_cpu_backend(o.backend);
  const dnn::Backend other = backend == dnn::Backend::Naive ? dnn::Backend::Eigen : dnn::Backend::Naive;
  const dnn::Activation act = dnn::parse_activation(o.activation);
  const std::vector<int> hidden = dnn::parse_layer_sizes(o.hidden, "--hidden");
  dnn::prepare_output_dir(o.common.out_dir);

  const dnn::Dataset ds = dnn::load_dataset(o.data);
  std::printf("%s\n\n", dnn::describe(ds).c_str());
  const int n = std::min(o.digits, ds.test_size());
  if (n < 1) throw dnn::InputError("--test-limit: the test set is empty, nothing to show");

  // 1. The network: input layer (784) → hidden layers → output layer (10 classes).
  const std::vector<int> sizes = dnn::layer_sizes(ds.input_size(), hidden, ds.classes);
  dnn::Rng rng(o.common.seed);
  const dnn::Mlp net = dnn::make_mlp(sizes, act, rng);
  ch01::print_network(net, static_cast<unsigned long long>(o.common.seed));

  // 2. A minibatch of n test digits, one per row.
  dnn::Matrix X(n, ds.input_size());
  std::vector<int> labels(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    std::copy(ds.test_x.row(i), ds.test_x.row(i) + ds.input_size(), X.row(i));
    labels[static_cast<std::size_t>(i)] = ds.test_y[static_cast<std::size_t>(i)];
  }

  // 3. The forward pass, layer by layer, on the chosen backend: Z_l = A_{l-1}·W_l + b_l, A_l = f(Z_l).
  const dnn::Ops& ops = dnn::ops_for(backend);
  dnn::MlpWorkspace ws;
  const dnn::Matrix& logits = dnn::mlp_forward(ops, net, X, ws);
  std::printf("forward pass on %d test digits with the %s backend (rows = examples):\n", n, ops.name);
  std::printf("  X  %d x %d  pixels in [0, 1]\n", X.rows, X.cols);
  dnn::CsvTable layer_csv({"layer", "what", "rows", "cols", "mean", "std", "fraction_positive"});
  for (std::size_t l = 0; l < net.layers.size(); ++l) {
    const dnn::Matrix &Z = ws.Z[l], &A = ws.A[l + 1];
    const ch01::Stats z = ch01::stats_of(Z), a = ch01::stats_of(A);
    std::printf("  Z%zu %d x %-3d = A%zu·W%zu + b%zu   mean %+.3f  std %.3f\n", l + 1, Z.rows, Z.cols, l, l, l, z.mean,
                z.std);
    if (net.layers[l].act != dnn::Activation::Linear)
      std::printf("  A%zu %d x %-3d = %s(Z%zu)      mean %+.3f  std %.3f  active (> 0) %.0f%%\n", l + 1, A.rows, A.cols,
                  dnn::to_string(net.layers[l].act).c_str(), l + 1, a.mean, a.std, 100 * a.positive);
    layer_csv.add_row(std::vector<std::string>{std::to_string(l + 1), "Z", std::to_string(Z.rows),
                                               std::to_string(Z.cols), dnn::format_number(z.mean),
                                               dnn::format_number(z.std), dnn::format_number(z.positive)});
    layer_csv.add_row(std::vector<std::string>{std::to_string(l + 1), "A", std::to_string(A.rows),
                                               std::to_string(A.cols), dnn::format_number(a.mean),
                                               dnn::format_number(a.std), dnn::format_number(a.positive)});
  }
  std::printf("  (the last layer is linear: its outputs are the logits; softmax turns them into probabilities)\n\n");

  // 4. Softmax (输出层的 softmax 激活函数): probabilities of the 10 classes.
  dnn::Matrix P;
  ops.softmax_rows(logits, P);
  const dnn::CsvTable prob_csv = ch01::print_probabilities(P, labels, ds.classes);

  // 5. The same numbers from the other backend.
  const dnn::Ops& ops2 = dnn::ops_for(other);
  dnn::MlpWorkspace ws2;
  const dnn::Matrix& logits2 = dnn::mlp_forward(ops2, net, X, ws2);
  dnn::Matrix P2;
  ops2.softmax_rows(logits2, P2);
  std::printf("same forward pass with the %s backend: max |logit difference| %.2e, max |probability difference| %.2e\n",
              ops2.name, ch01::max_abs_diff(logits, logits2), ch01::max_abs_diff(P, P2));
  std::printf("  (float rounding only: the two backends add the products in a different order)\n\n");

  // 6. Both backends on the whole test set: time and accuracy of the untrained network.
  const dnn::CsvTable timing_csv = ch01::time_backends({&ops, &ops2}, net, ds);

  // 7. Files.
  ch01::write_files(o.common.out_dir, {prob_csv, layer_csv, timing_csv}, X, P, labels, sizes, ds);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Chapter 01 — the forward pass of the 784-50-50-10 network (textbook §2.2) on real digits: shapes, layer\n"
      "statistics and the predicted class probabilities of an untrained (Glorot-uniform) network, with the naive\n"
      "and the Eigen backend giving the same numbers."};
  app.name("01_forward");
  Options o;
  dnn::add_common_options(app, o.common, "out/01_forward");
  dnn::add_data_options(app, o.data);
  app.add_option("--backend", o.backend,
                 std::string("naive (the plain loops; this binary links ") + dnn::exercise_bodies() + ") or eigen")
      ->capture_default_str();
  app.add_option("--hidden", o.hidden, "Hidden layer sizes, comma-separated")->capture_default_str();
  app.add_option("--activation", o.activation, "Hidden activation: relu, sigmoid, tanh or linear")
      ->capture_default_str();
  app.add_option("--digits", o.digits, "How many test digits to show")
      ->capture_default_str()
      ->check(dnn::whole_number(1, 20));
  return dnn::run_program(app, argc, argv, [&] { return run(o); });
}
