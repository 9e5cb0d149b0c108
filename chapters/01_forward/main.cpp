// Chapter 01 — the forward pass (前向传播) of the textbook's network (§2.2):
// input layer (输入层, 784 pixels) → two hidden layers (隐藏层, 50 ReLU units each) → output
// layer (输出层, 10 logits → softmax probabilities).
//
// Builds the 784-50-50-10 network with Glorot-uniform weights (seeded, zero biases, as Keras),
// pushes a few real digits through it layer by layer, prints every shape and the predicted class
// probabilities (≈ uniform: the network is untrained), then runs the same forward pass with the
// other backend and shows both give the same numbers. See chapters/01_forward/README.md.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "dnn/exercise.hpp"
#include "dnn/cli.hpp"
#include "dnn/data.hpp"
#include "dnn/error.hpp"
#include "dnn/log.hpp"
#include "dnn/mlp.hpp"
#include "dnn/ops.hpp"
#include "dnn/plot.hpp"
#include "dnn/timer.hpp"

namespace {

struct Stats {
  double mean = 0, std = 0, positive = 0;
};
Stats stats_of(const dnn::Matrix& M) {
  Stats s;
  if (M.empty()) return s;
  double sum = 0, sq = 0;
  long pos = 0;
  for (float v : M.data) {
    sum += v;
    sq += double(v) * v;
    pos += v > 0;
  }
  const double n = static_cast<double>(M.size());
  s.mean = sum / n;
  s.std = std::sqrt(std::max(0.0, sq / n - s.mean * s.mean));
  s.positive = pos / n;
  return s;
}

// Largest |a − b|; NaN as soon as one difference is NaN (std::max would skip it and print 0).
double max_abs_diff(const dnn::Matrix& a, const dnn::Matrix& b) {
  double m = 0;
  for (std::size_t k = 0; k < a.size(); ++k) {
    const double d = std::abs(double(a.data[k]) - b.data[k]);
    if (std::isnan(d) || d > m) m = d;  // once NaN, m stays NaN (d > NaN is false)
  }
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Chapter 01 — the forward pass of the 784-50-50-10 network (textbook §2.2) on real digits: shapes, layer\n"
      "statistics and the predicted class probabilities of an untrained (Glorot-uniform) network, with the naive\n"
      "and the Eigen backend giving the same numbers."};
  app.name("01_forward");
  dnn::CommonOptions common;
  dnn::DataOptions data;
  std::string backend_name = "eigen";
  std::string hidden_text = "50,50";
  std::string activation_name = "relu";
  int digits = 5;
  dnn::add_common_options(app, common, "out/01_forward");
  dnn::add_data_options(app, data);
  app.add_option("--backend", backend_name, std::string("naive (the plain loops; this binary links ") + dnn::exercise_bodies() + ") or eigen")->capture_default_str();
  app.add_option("--hidden", hidden_text, "Hidden layer sizes, comma-separated")->capture_default_str();
  app.add_option("--activation", activation_name, "Hidden activation: relu, sigmoid, tanh or linear")
      ->capture_default_str();
  app.add_option("--digits", digits, "How many test digits to show")->capture_default_str()->check(dnn::whole_number(1, 20));

  return dnn::run_program(app, argc, argv, [&]() -> int {
    dnn::apply_threads(common.threads);
    const dnn::Backend backend = dnn::parse_cpu_backend(backend_name);
    const dnn::Backend other = backend == dnn::Backend::Naive ? dnn::Backend::Eigen : dnn::Backend::Naive;
    const dnn::Activation act = dnn::parse_activation(activation_name);
    const std::vector<int> hidden = dnn::parse_layer_sizes(hidden_text, "--hidden");
    dnn::prepare_output_dir(common.out_dir);

    const dnn::Dataset ds = dnn::load_dataset(data);
    std::printf("%s\n\n", dnn::describe(ds).c_str());
    const int n = std::min(digits, ds.test_size());
    if (n < 1) throw dnn::InputError("--test-limit: the test set is empty, nothing to show");

    // 1. The network: input layer (784) → hidden layers → output layer (10 classes).
    const std::vector<int> sizes = dnn::layer_sizes(ds.input_size(), hidden, ds.classes);
    dnn::Rng rng(common.seed);
    const dnn::Mlp net = dnn::make_mlp(sizes, act, rng);
    std::printf("network (seed %llu, Glorot-uniform weights, zero biases):\n",
                static_cast<unsigned long long>(common.seed));
    for (std::size_t l = 0; l < net.layers.size(); ++l) {
      const auto& L = net.layers[l];
      std::printf("  layer %zu: W %3d x %-3d  b 1 x %-3d  f = %-7s  Glorot limit ±%.4f = sqrt(6/(%d+%d))\n", l, L.W.rows,
                  L.W.cols, L.b.cols, dnn::to_string(L.act).c_str(), std::sqrt(6.0 / (L.W.rows + L.W.cols)), L.W.rows,
                  L.W.cols);
    }
    std::printf("  parameters: %ld\n\n", net.parameter_count());

    // 2. A minibatch of n test digits, one per row.
    dnn::Matrix X(n, ds.input_size());
    std::vector<int> labels(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      std::copy(ds.test_x.row(i), ds.test_x.row(i) + ds.input_size(), X.row(i));
      labels[static_cast<std::size_t>(i)] = ds.test_y[static_cast<std::size_t>(i)];
    }

    // 3. The forward pass, layer by layer, on the chosen backend.
    const dnn::Ops& ops = dnn::ops_for(backend);
    dnn::MlpWorkspace ws;
    const dnn::Matrix& logits = dnn::mlp_forward(ops, net, X, ws);
    std::printf("forward pass on %d test digits with the %s backend (rows = examples):\n", n, ops.name);
    std::printf("  X  %d x %d  pixels in [0, 1]\n", X.rows, X.cols);
    dnn::CsvTable layer_csv({"layer", "what", "rows", "cols", "mean", "std", "fraction_positive"});
    for (std::size_t l = 0; l < net.layers.size(); ++l) {
      const Stats z = stats_of(ws.Z[l]), a = stats_of(ws.A[l + 1]);
      std::printf("  Z%zu %d x %-3d = A%zu·W%zu + b%zu   mean %+.3f  std %.3f\n", l + 1, ws.Z[l].rows, ws.Z[l].cols, l, l,
                  l, z.mean, z.std);
      if (net.layers[l].act != dnn::Activation::Linear)
        std::printf("  A%zu %d x %-3d = %s(Z%zu)      mean %+.3f  std %.3f  active (> 0) %.0f%%\n", l + 1,
                    ws.A[l + 1].rows, ws.A[l + 1].cols, dnn::to_string(net.layers[l].act).c_str(), l + 1, a.mean, a.std,
                    100 * a.positive);
      layer_csv.add_row(std::vector<std::string>{std::to_string(l + 1), "Z", std::to_string(ws.Z[l].rows),
                                                 std::to_string(ws.Z[l].cols), dnn::format_number(z.mean),
                                                 dnn::format_number(z.std), dnn::format_number(z.positive)});
      layer_csv.add_row(std::vector<std::string>{std::to_string(l + 1), "A", std::to_string(ws.A[l + 1].rows),
                                                 std::to_string(ws.A[l + 1].cols), dnn::format_number(a.mean),
                                                 dnn::format_number(a.std), dnn::format_number(a.positive)});
    }
    std::printf("  (the last layer is linear: its outputs are the logits; softmax turns them into probabilities)\n\n");

    // 4. Softmax (输出层的 softmax 激活函数): probabilities of the 10 classes.
    dnn::Matrix P;
    ops.softmax_rows(logits, P);
    std::printf("predicted class probabilities (untrained network: expect all close to 1/%d = %.3f):\n", ds.classes,
                1.0 / ds.classes);
    std::printf("  %-5s %-5s", "digit", "label");
    for (int c = 0; c < ds.classes; ++c) std::printf("  p(%d) ", c);
    std::printf(" argmax  max p  -log p(label)\n");
    std::vector<std::string> header{"digit", "label"};
    for (int c = 0; c < ds.classes; ++c) header.push_back("p" + std::to_string(c));
    header.insert(header.end(), {"predicted", "max_p", "cross_entropy"});
    dnn::CsvTable prob_csv(header);
    double ce_sum = 0;
    for (int i = 0; i < n; ++i) {
      const int y = labels[static_cast<std::size_t>(i)];
      const int pred = dnn::argmax_row(P, i);
      const double ce = -std::log(std::max(1e-30, double(P(i, y))));
      ce_sum += ce;
      std::printf("  %-5d %-5d", i, y);
      std::vector<std::string> row{std::to_string(i), std::to_string(y)};
      for (int c = 0; c < ds.classes; ++c) {
        std::printf("  %.3f", P(i, c));
        row.push_back(dnn::format_number(P(i, c)));
      }
      std::printf("  %5d   %.3f  %.3f\n", pred, P(i, pred), ce);
      row.insert(row.end(), {std::to_string(pred), dnn::format_number(P(i, pred)), dnn::format_number(ce)});
      prob_csv.add_row(row);
    }
    std::printf("  mean cross-entropy %.4f  (a uniform guess gives ln %d = %.4f)\n\n", ce_sum / n, ds.classes,
                std::log(double(ds.classes)));

    // 5. The same numbers from the other backend.
    const dnn::Ops& ops2 = dnn::ops_for(other);
    dnn::MlpWorkspace ws2;
    const dnn::Matrix& logits2 = dnn::mlp_forward(ops2, net, X, ws2);
    dnn::Matrix P2;
    ops2.softmax_rows(logits2, P2);
    std::printf("same forward pass with the %s backend: max |logit difference| %.2e, max |probability difference| %.2e\n",
                ops2.name, max_abs_diff(logits, logits2), max_abs_diff(P, P2));
    std::printf("  (float rounding only: the two backends add the products in a different order)\n\n");

    // 6. Both backends on the whole test set: time and accuracy of the untrained network.
    dnn::CsvTable timing_csv({"backend", "examples", "seconds", "examples_per_second", "accuracy"});
    std::printf("forward pass of all %d test digits (chunks of 1000):\n", ds.test_size());
    for (const dnn::Ops* o : {&ops, &ops2}) {
      dnn::MlpWorkspace w;
      dnn::Timer t;
      const std::vector<int> pred = dnn::mlp_predict(*o, net, ds.test_x, w, 1000);
      const double sec = t.seconds();
      long correct = 0;
      for (std::size_t i = 0; i < pred.size(); ++i) correct += pred[i] == ds.test_y[i];
      const double acc = ds.test_size() ? double(correct) / ds.test_size() : 0.0;
      std::printf("  %-6s %.3f s  (%.0f images/s)  accuracy %.2f%%  (chance: %.0f%%)\n", o->name, sec,
                  ds.test_size() / std::max(sec, 1e-9), 100 * acc, 100.0 / ds.classes);
      timing_csv.add_row(std::vector<std::string>{o->name, std::to_string(ds.test_size()), dnn::format_number(sec),
                                                  dnn::format_number(ds.test_size() / std::max(sec, 1e-9)),
                                                  dnn::format_number(acc)});
    }

    // 7. Files.
    const std::string prob_path = dnn::join_path(common.out_dir, "probabilities.csv");
    const std::string layer_path = dnn::join_path(common.out_dir, "layer_stats.csv");
    const std::string timing_path = dnn::join_path(common.out_dir, "timing.csv");
    const std::string png_path = dnn::join_path(common.out_dir, "probabilities.png");
    const std::string digits_path = dnn::join_path(common.out_dir, "digits.png");
    prob_csv.save(prob_path);
    layer_csv.save(layer_path);
    timing_csv.save(timing_path);
    dnn::write_image_grid_png(digits_path, X, ds.height, ds.width, {}, n, 3);
    // Clustered bar chart: one group per class, one bar per digit.
    std::ostringstream block;
    for (int c = 0; c < ds.classes; ++c) {
      block << c;
      for (int i = 0; i < n; ++i) block << ' ' << P(i, c);
      block << '\n';
    }
    std::ostringstream cmd;
    cmd << "set title 'Untrained " << dnn::layer_sizes_text(sizes)
        << " network: predicted probabilities of " << n << " test digits'\n"
        << "set xlabel 'class'\nset ylabel 'probability'\nset yrange [0:*]\nset grid ytics\n"
        << "set style data histograms\nset style histogram clustered gap 1\nset style fill solid 0.8 border -1\n"
        << "set key outside right\n"
        << "plot ";
    for (int i = 0; i < n; ++i)
      cmd << (i ? ", " : "") << "$d0 using " << i + 2 << ":xtic(1) title 'digit " << i << " (label "
          << labels[static_cast<std::size_t>(i)] << ")'";
    cmd << ", " << 1.0 / ds.classes << " with lines dt 2 lc rgb 'black' title 'uniform 1/" << ds.classes << "'\n";
    const bool plotted = dnn::plot_custom(png_path, 1000, 520, cmd.str(), {block.str()});
    std::printf("\nwrote %s\n      %s\n      %s\n      %s (the %d digits)\n", prob_path.c_str(), layer_path.c_str(),
                timing_path.c_str(), digits_path.c_str(), n);
    if (plotted) std::printf("      %s\n", png_path.c_str());
    return 0;
  });
}
